//! `recipients.yaml`: how to reach the relay, the mailing lists and the suppression list.
//!
//! This file is personal data: it is git-ignored, and only `recipients.example.yaml` (with
//! example.org addresses) is committed. It never holds a secret: the SMTP password or token
//! comes from the environment, from `secret_command` or from the system's own store
//! (`bulletin login`; see [`crate::secret`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;

use crate::address::parse_mailbox;
use crate::diagnostic::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::input::limits::{MAX_LISTS, thousands};
use crate::input::people::{self, Column, People, WHERE_KEYS};
use crate::input::schema::Ctx;
use crate::input::yaml::{self, Node, Value};

mod settings;

pub use settings::{Kind, MAILBOX, SMTP, Setting, keys as settings_keys};

pub const TOP_KEYS: &[&str] = &[
    "smtp",
    "transport",
    "people",
    "lists",
    "suppress",
    "mailbox",
];
pub const LIST_KEYS: &[&str] = &["name", "members", "include", "where"];
pub const MEMBER_KEYS: &[&str] = &["email", "name"];
pub const PEOPLE_KEYS: &[&str] = &["file", "sheet", "columns"];
const SECRET_KEYS: &[&str] = &[
    "password",
    "pass",
    "passwd",
    "secret",
    "token",
    "access_token",
    "api_key",
];

/// How many includes of missing lists are reported one by one, with a suggestion each.
const MISSING_REPORTED: usize = 20;

/// The environment variable holding the SMTP password.
pub const PASSWORD_ENV: &str = "BULLETIN_SMTP_PASSWORD";
/// The environment variable holding the OAuth2 access token (XOAUTH2).
pub const TOKEN_ENV: &str = "BULLETIN_SMTP_TOKEN";
/// The environment variable holding the reply mailbox's (IMAP) password.
pub const IMAP_PASSWORD_ENV: &str = "BULLETIN_IMAP_PASSWORD";

/// `mailbox:`: where bounces and replies arrive, read by `bulletin inbox` over IMAP, and how many
/// soft bounces suppress an address.
#[derive(Clone, Debug)]
pub struct ReplyMailbox {
    /// `None` when only the thresholds are given (for `inbox --dir`).
    pub imap: Option<Imap>,
    /// This many soft bounces ...
    pub soft_bounces: u32,
    /// ... within this many days suppress an address.
    pub soft_bounce_days: u32,
    /// The name the office's own mail server writes first in the `Authentication-Results` it
    /// adds (its authserv-id, `mx.example.org`): only that server's verdict is trusted.
    pub authserv_id: Option<String>,
}

impl Default for ReplyMailbox {
    fn default() -> ReplyMailbox {
        ReplyMailbox {
            imap: None,
            soft_bounces: settings::default_number(MAILBOX, "soft_bounces") as u32,
            soft_bounce_days: settings::default_number(MAILBOX, "soft_bounce_days") as u32,
            authserv_id: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Imap {
    pub host: String,
    pub port: u16,
    /// `tls` (port 993, the default), `starttls` (port 143, upgraded before the login) or `none`
    /// (only for a server on this computer).
    pub security: Security,
    pub username: String,
    pub folder: String,
    pub secret_command: Option<Box<SecretCommand>>,
    /// Extra certificate authorities to trust (PEM), as for the relay's `ca_file`.
    pub ca_pem: Option<Vec<u8>>,
}

impl Imap {
    /// `imap.example.org:993`
    pub fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Password,
    Xoauth2,
    None,
}

impl Security {
    /// The value of `security:` in the file, one of [`settings::SMTP`]'s (and
    /// [`settings::MAILBOX`]'s) values for it.
    fn named(name: &str) -> Security {
        match name {
            "starttls" => Security::StartTls,
            "tls" => Security::Tls,
            "none" => Security::None,
            _ => unreachable!("`security: {name}` is not in the settings table"),
        }
    }
}

impl Auth {
    /// The value of `auth:` in the file, one of [`settings::SMTP`]'s values for it.
    fn named(name: &str) -> Auth {
        match name {
            "password" => Auth::Password,
            "xoauth2" => Auth::Xoauth2,
            "none" => Auth::None,
            _ => unreachable!("`auth: {name}` is not in the settings table"),
        }
    }
}

/// `secret_command`: what prints the password or token, and where the file says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretCommand {
    pub run: CommandLine,
    pub pos: Pos,
}

/// The two ways `secret_command` can be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandLine {
    /// `[program, argument, ...]`: the program is run directly, with exactly these arguments
    /// (no shell reads them), on every system.
    Program(String, Vec<String>),
    /// One line for the shell, run as `sh -c LINE`: not on Windows, which has no `sh`.
    Shell(String),
}

/// Whether this system has the `sh` that the one-line form of `secret_command` needs.
pub const HAS_SHELL: bool = cfg!(not(windows));

#[derive(Clone, Debug)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub auth: Auth,
    pub username: Option<String>,
    /// Boxed: rarely given, and it would make every `Smtp` larger.
    pub secret_command: Option<Box<SecretCommand>>,
    /// Messages a minute across all connections; 0 = no limit.
    pub rate_per_minute: u32,
    pub connections: usize,
    /// How many times a temporary failure (4xx, a dropped connection) is retried.
    pub retries: u32,
    /// The wait before the first retry; it doubles each time.
    pub retry_wait: Duration,
    pub timeout: Duration,
    pub hello_name: Option<String>,
    /// Extra certificate authorities to trust (PEM), for a relay with an organisation's own
    /// certificate; the public roots are trusted as well.
    pub ca_pem: Option<Vec<u8>>,
}

impl Smtp {
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// `smtp.example.org:587`
    pub fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Clone, Debug)]
pub enum Transport {
    Smtp(Smtp),
    /// Hand each message to the local mail system (`sendmail -i`).
    Sendmail,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub mailbox: Mailbox,
    /// [`key`] of the mailbox, worked out once.
    pub key: String,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub struct List {
    pub name: String,
    pub members: Vec<Member>,
    pub include: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Recipients {
    pub path: PathBuf,
    pub transport: Transport,
    pub lists: BTreeMap<String, List>,
    /// Lower-case addresses never to be mailed.
    pub suppress: HashSet<String>,
    /// `mailbox:`, or its defaults.
    pub mailbox: ReplyMailbox,
    /// The office's spreadsheet (`people:`), as read this time.
    pub people: Option<People>,
}

/// Who a send goes to, and who is left out and why.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub recipients: Vec<Mailbox>,
    pub suppressed: Vec<Mailbox>,
    pub duplicates: Vec<Mailbox>,
}

/// The key by which two addresses are the same person: the address in lower case, its domain
/// in the ASCII form DNS uses, so that `dr@bücher.example` and `dr@xn--bcher-kva.example` are
/// one person.
pub fn key(m: &Mailbox) -> String {
    let user = m.email.user().to_lowercase();
    let domain = m.email.domain();
    let domain = match url::Host::parse(domain) {
        Ok(url::Host::Domain(ascii)) => ascii,
        _ => domain.to_lowercase(),
    };
    format!("{user}@{domain}")
}

impl Recipients {
    /// Every member of `list` (following `include`), once each, less the suppressed.
    pub fn resolve(&self, list: &str) -> Resolved {
        let mut out = Resolved::default();
        let mut seen = HashSet::new();
        self.each_member(list, |m| {
            if self.suppress.contains(&m.key) {
                if seen.insert(&m.key) {
                    out.suppressed.push(m.mailbox.clone());
                }
            } else if seen.insert(&m.key) {
                out.recipients.push(m.mailbox.clone());
            } else {
                out.duplicates.push(m.mailbox.clone());
            }
        });
        out
    }

    /// Calls `f` for each member of `list`, then of each list it includes, depth first, each
    /// list once. A loop with a stack, not recursion: a long chain of includes cannot overflow.
    fn each_member<'r>(&'r self, list: &'r str, mut f: impl FnMut(&'r Member)) {
        let mut visited = HashSet::new();
        let mut to_visit = vec![list];
        while let Some(id) = to_visit.pop() {
            if !visited.insert(id) {
                continue;
            }
            if let Some(l) = self.lists.get(id) {
                l.members.iter().for_each(&mut f);
                to_visit.extend(l.include.iter().rev().map(String::as_str));
            }
        }
    }

    pub fn list_names(&self) -> Vec<&str> {
        self.lists.keys().map(String::as_str).collect()
    }

    /// How many people each list reaches, as [`Recipients::resolve`] would count them, for all
    /// lists at once. Resolving each list in turn costs lists × members when many lists include
    /// one large list; here each list's reach is a set of bits (one per distinct address) made
    /// once from its own members and the sets of the lists it includes.
    pub fn counts(&self) -> BTreeMap<&str, Counts> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for m in self.lists.values().flat_map(|l| &l.members) {
            let next = ids.len();
            ids.entry(&m.key).or_insert(next);
        }
        let words = ids.len().div_ceil(64);
        let mut suppressed = vec![0u64; words];
        for id in self.suppress.iter().filter_map(|k| ids.get(k.as_str())) {
            suppressed[id / 64] |= 1 << (id % 64);
        }
        let mut reach: HashMap<&str, Vec<u64>> = HashMap::new();
        for id in self.included_first() {
            let list = &self.lists[id];
            let mut bits = vec![0u64; words];
            for m in &list.members {
                let i = ids[m.key.as_str()];
                bits[i / 64] |= 1 << (i % 64);
            }
            let included: HashSet<&str> = list.include.iter().map(String::as_str).collect();
            for inner in included.iter().filter_map(|i| reach.get(i)) {
                bits.iter_mut().zip(inner).for_each(|(b, i)| *b |= i);
            }
            reach.insert(id, bits);
        }
        let count = |bits: &[u64], mask: fn(u64) -> u64| -> usize {
            bits.iter()
                .zip(&suppressed)
                .map(|(b, s)| (b & mask(*s)).count_ones() as usize)
                .sum()
        };
        reach
            .iter()
            .map(|(id, bits)| {
                let counts = Counts {
                    recipients: count(bits, |s| !s),
                    suppressed: count(bits, |s| s),
                };
                (*id, counts)
            })
            .collect()
    }

    /// Every list, each after the lists it includes (a loop, and one visit a list).
    fn included_first(&self) -> Vec<&str> {
        let mut order = Vec::with_capacity(self.lists.len());
        let mut seen = HashSet::new();
        for root in self.lists.keys() {
            // (list, whether its includes have been pushed already)
            let mut stack = vec![(root.as_str(), false)];
            while let Some((id, expanded)) = stack.pop() {
                if expanded {
                    order.push(id);
                } else if seen.insert(id) {
                    stack.push((id, true));
                    let includes = self.lists.get(id).map_or(&[][..], |l| &l.include[..]);
                    for inner in includes.iter().filter(|i| self.lists.contains_key(*i)) {
                        stack.push((inner, false));
                    }
                }
            }
        }
        order
    }
}

/// How many people a list reaches ([`Recipients::counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Each address once, less the suppressed.
    pub recipients: usize,
    /// Suppressed addresses on the list (each once).
    pub suppressed: usize,
}

/// Loads and validates a recipients file. Duplicates within a list are warnings (they are sent
/// once); everything else is an error.
pub fn load(path: &Path) -> Result<(Recipients, Diagnostics), Diagnostics> {
    let (source, root) = yaml::load_file(path)?;
    let mut diags = Diagnostics::default();
    let mut ctx = Ctx::new(path, &source, &mut diags);
    let recipients = from_node(&mut ctx, &root, path);
    diags.sort();
    match recipients {
        Some(r) if !diags.has_errors() => Ok((r, diags)),
        _ => Err(diags),
    }
}

pub(crate) fn from_node(ctx: &mut Ctx, root: &Node, path: &Path) -> Option<Recipients> {
    // A secret is refused wherever it is written.
    find_secrets(ctx, root);
    let f = ctx.fields(root, "the recipients file", TOP_KEYS)?;
    let transport = match (f.get("smtp"), f.get("transport")) {
        (Some(s), None) => smtp(ctx, s).map(Transport::Smtp),
        (None, Some(t)) => match ctx.value(t, "`transport`").as_deref().map(str::trim) {
            Some("sendmail") => Some(Transport::Sendmail),
            Some(other) => {
                ctx.error(
                    t.pos,
                    format!("`transport: {other}` is not known"),
                    "write `transport: sendmail`, or give an `smtp:` section instead",
                );
                None
            }
            None => None,
        },
        (Some(_), Some(t)) => {
            ctx.error(t.pos, "both `smtp:` and `transport:` are given", "keep one: `smtp:` to send through a relay, `transport: sendmail` to use the local mail system");
            None
        }
        (None, None) => {
            ctx.error(f.pos, "the recipients file says nothing about how to send", "add an `smtp:` section (host, port, security, auth, username), or `transport: sendmail`");
            None
        }
    };
    let sheet = f.get("people").map(|n| people_file(ctx, n, path));
    let lists = match f.require(
        ctx,
        "lists",
        "(one entry per list, e.g. `practice-managers:`)",
    ) {
        Some(n) => lists(ctx, n, sheet.as_ref()),
        None => None,
    };
    let suppress = match f.get("suppress") {
        Some(n) => suppress(ctx, n),
        None => Some(HashSet::new()),
    };
    let mailbox = match f.get("mailbox") {
        Some(n) => mailbox(ctx, n),
        None => Some(ReplyMailbox::default()),
    };
    Some(Recipients {
        path: path.to_path_buf(),
        transport: transport?,
        lists: lists?,
        suppress: suppress?,
        mailbox: mailbox?,
        people: sheet.flatten(),
    })
}

fn find_secrets(ctx: &mut Ctx, node: &Node) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if let Some(name) = k
                    .as_str()
                    .filter(|n| SECRET_KEYS.contains(&n.to_lowercase().as_str()))
                {
                    ctx.diags.push(
                        Diagnostic::error(ctx.path, k.pos, format!("`{name}` must not be written in this file"))
                            .with_help(format!("remove the line; keep the password in this computer's own store with `bulletin login`, or give it in the environment variable {PASSWORD_ENV} (or {TOKEN_ENV} for OAuth2), or with `secret_command:`"))
                            .on_secret_line(),
                    );
                }
                find_secrets(ctx, v);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| find_secrets(ctx, i)),
        Value::Scalar(..) => {}
    }
}

fn smtp(ctx: &mut Ctx, node: &Node) -> Option<Smtp> {
    let f = ctx.fields(node, "`smtp`", &settings::keys(SMTP))?;
    let host = f
        .require(ctx, "host", "smtp.example.org")
        .and_then(|n| ctx.value_line(n, "`host`"));
    let security = settings::choice(ctx, &f, SMTP, "security").map(Security::named);
    let port = match settings::number_or(ctx, &f, SMTP, "port") {
        Some(Some(p)) => Some(p as u16),
        Some(None) => Some(match security {
            Some(Security::Tls) => 465,
            Some(Security::None) => 25,
            _ => 587,
        }),
        None => None,
    };
    let auth_node = f.get("auth");
    let auth = settings::choice(ctx, &f, SMTP, "auth").map(Auth::named);
    let username = settings::line(ctx, &f, SMTP, "username").flatten();
    if auth.is_some_and(|a| a != Auth::None) && username.is_none() && f.get("username").is_none() {
        ctx.error(
            f.pos,
            "`smtp` has `auth` but no `username`",
            "add `username: bulletin@example.org`, or `auth: none` for a relay that needs no login",
        );
    }
    if let (Some(Security::None), Some(a), Some(h)) = (security, auth, &host)
        && a != Auth::None
        && !is_loopback_host(h)
    {
        ctx.error(
                auth_node.map_or(f.pos, |n| n.pos),
                format!("a password would be sent unencrypted to {h}"),
                "use `security: starttls` (or `tls`); `security: none` with a login is allowed only for a relay on this machine (127.0.0.1)",
            );
    }
    let rate = settings::number(ctx, &f, SMTP, "rate_per_minute");
    let connections = settings::number(ctx, &f, SMTP, "connections");
    let retries = settings::number(ctx, &f, SMTP, "retries");
    let retry_wait = settings::number(ctx, &f, SMTP, "retry_wait_seconds");
    let timeout = settings::number(ctx, &f, SMTP, "timeout_seconds");
    let secret_command = f
        .get("secret_command")
        .and_then(|n| secret_command(ctx, n, HAS_SHELL));
    let hello_name = settings::line(ctx, &f, SMTP, "hello_name").flatten();
    let ca_pem = ca_file(ctx, f.get("ca_file"));
    Some(Smtp {
        host: host?,
        port: port?,
        security: security?,
        auth: auth?,
        username,
        secret_command,
        rate_per_minute: rate? as u32,
        connections: connections? as usize,
        retries: retries? as u32,
        retry_wait: Duration::from_secs(retry_wait?),
        timeout: Duration::from_secs(timeout?),
        hello_name,
        ca_pem: ca_pem?,
    })
}

/// `ca_file:` (relative to the recipients file): the PEM it holds; `Some(None)` when not given,
/// `None` when it cannot be used (reported).
fn ca_file(ctx: &mut Ctx, node: Option<&Node>) -> Option<Option<Vec<u8>>> {
    let Some(n) = node else {
        return Some(None);
    };
    let name = ctx.value_line(n, "`ca_file`")?;
    let path = ctx.path.parent().unwrap_or(Path::new("")).join(&name);
    match std::fs::read(&path) {
        Ok(pem) if pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") => Some(Some(pem)),
        Ok(_) => {
            ctx.error(
                n.pos,
                format!("{} holds no PEM certificate", path.display()),
                "give the CA certificate file, the one starting -----BEGIN CERTIFICATE-----",
            );
            None
        }
        Err(e) => {
            ctx.error(
                n.pos,
                format!("cannot read {}: {e}", path.display()),
                "check the file name; it is relative to the recipients file",
            );
            None
        }
    }
}

fn mailbox(ctx: &mut Ctx, node: &Node) -> Option<ReplyMailbox> {
    let f = ctx.fields(node, "`mailbox`", &settings::keys(MAILBOX))?;
    let soft_bounces = settings::number(ctx, &f, MAILBOX, "soft_bounces").map(|n| n as u32);
    let soft_bounce_days = settings::number(ctx, &f, MAILBOX, "soft_bounce_days").map(|n| n as u32);
    let authserv_id = settings::line(ctx, &f, MAILBOX, "authserv_id")
        .map(|v| v.map(|v| v.trim().to_ascii_lowercase()));
    let imap = match f.get("host") {
        None => Some(None),
        Some(h) => {
            let host = ctx.value_line(h, "`host`");
            let security = settings::choice(ctx, &f, MAILBOX, "security").map(Security::named);
            let port = match settings::number_or(ctx, &f, MAILBOX, "port") {
                Some(Some(p)) => Some(p as u16),
                Some(None) => Some(if security == Some(Security::Tls) {
                    993
                } else {
                    143
                }),
                None => None,
            };
            let username = f
                .require(ctx, "username", "bulletin@example.org")
                .and_then(|n| ctx.value_line(n, "`username`"));
            let folder = settings::line(ctx, &f, MAILBOX, "folder").map(Option::unwrap_or_default);
            if let (Some(Security::None), Some(h)) = (security, &host)
                && !is_loopback_host(h)
            {
                ctx.error(
                    f.get("security").map_or(f.pos, |n| n.pos),
                    format!("the mailbox's password would be sent unencrypted to {h}"),
                    "use `security: tls` (port 993) or `starttls` (port 143); `security: none` is allowed only for a mailbox server on this computer (127.0.0.1)",
                );
            }
            let secret_command = f
                .get("secret_command")
                .and_then(|n| secret_command(ctx, n, HAS_SHELL));
            let ca_pem = ca_file(ctx, f.get("ca_file"));
            Some(Some(Imap {
                host: host?,
                port: port?,
                security: security?,
                username: username?,
                folder: folder?,
                secret_command,
                ca_pem: ca_pem?,
            }))
        }
    };
    Some(ReplyMailbox {
        imap: imap?,
        soft_bounces: soft_bounces?,
        soft_bounce_days: soft_bounce_days?,
        authserv_id: authserv_id?,
    })
}

/// `secret_command`, as a list (a program and its arguments) or, where there is a shell
/// (`has_shell`), as one line for it.
fn secret_command(ctx: &mut Ctx, node: &Node, has_shell: bool) -> Option<Box<SecretCommand>> {
    const EXAMPLE: &str =
        "secret_command: [az, account, get-access-token, --query, accessToken, -o, tsv]";
    let run = match &node.value {
        Value::Seq(items) => {
            let mut words = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let what = format!("item {} of `secret_command`", i + 1);
                // Taken as written: a quoted argument keeps its spaces, and nothing is expanded.
                let word = match item.as_str() {
                    Some(s) if !item.is_null() => s,
                    _ => {
                        ctx.error(
                            item.pos,
                            format!("{what} should be text, but this is {}", item.kind()),
                            format!("write the program, then each argument, as text: `{EXAMPLE}`"),
                        );
                        return None;
                    }
                };
                if word.contains(|c: char| c.is_control()) {
                    ctx.error(
                        item.pos,
                        format!("{what} must be on one line"),
                        "remove the line break (and any `|` or `>` before the text)",
                    );
                    return None;
                }
                words.push(word.to_string());
            }
            let mut words = words.into_iter();
            match words.next() {
                Some(program) if !program.trim().is_empty() => {
                    CommandLine::Program(program, words.collect())
                }
                _ => {
                    ctx.error(
                        node.pos,
                        "`secret_command` names no program",
                        format!("write the program first, then each argument: `{EXAMPLE}`"),
                    );
                    return None;
                }
            }
        }
        Value::Scalar(..) => {
            let line = ctx.value_line(node, "`secret_command`")?;
            if line.is_empty() {
                ctx.error(
                    node.pos,
                    "`secret_command` names no program",
                    format!("write the program first, then each argument: `{EXAMPLE}`"),
                );
                return None;
            }
            if !has_shell {
                ctx.error(
                    node.pos,
                    "`secret_command` is written as one line for a shell, and Windows has no `sh` to run it",
                    format!("write it as a list, the program first and then each argument, e.g. `{EXAMPLE}`"),
                );
                return None;
            }
            CommandLine::Shell(line)
        }
        Value::Map(_) => {
            ctx.error(
                node.pos,
                "`secret_command` should be a program and its arguments, but this is a set of keys",
                format!("write it as a list: `{EXAMPLE}`"),
            );
            return None;
        }
    };
    Some(Box::new(SecretCommand { run, pos: node.pos }))
}

fn member(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Member> {
    let text = match &node.value {
        Value::Scalar(..) => ctx.value_line(node, what)?,
        Value::Map(_) => {
            let f = ctx.fields(node, what, MEMBER_KEYS)?;
            let email = f
                .require(ctx, "email", "name@example.org")
                .and_then(|n| ctx.value_line(n, "`email`"))?;
            match f.get("name").and_then(|n| ctx.line(n, "`name`")) {
                Some(name) => format!("\"{}\" <{}>", name.replace(['"', '\\'], ""), email.trim()),
                None => email,
            }
        }
        Value::Seq(_) => {
            ctx.error(
                node.pos,
                format!("{what} should be one address, but this is a list"),
                "write one member per line: `- Name <name@example.org>`",
            );
            return None;
        }
    };
    match parse_mailbox(&text) {
        Ok(mailbox) => Some(Member {
            key: key(&mailbox),
            mailbox,
            pos: node.pos,
        }),
        Err(e) => {
            ctx.error(
                node.pos,
                e.to_string(),
                "fix the address, or remove the line",
            );
            None
        }
    }
}

/// `people:`: the office's spreadsheet, relative to the recipients file, read as it is now.
/// `None` inside when it cannot be used (its problems are reported).
fn people_file(ctx: &mut Ctx, node: &Node, recipients: &Path) -> Option<People> {
    let (node, options) = match &node.value {
        Value::Map(_) => {
            let f = ctx.fields(node, "`people`", PEOPLE_KEYS)?;
            let file = f.require(ctx, "file", "contacts.xlsx")?;
            let sheet = match f.get("sheet") {
                Some(n) => Some(ctx.value_line(n, "`sheet`")?),
                None => None,
            };
            let headings = match f.get("columns") {
                Some(n) => people_columns(ctx, n)?,
                None => Vec::new(),
            };
            (file, people::Options { sheet, headings })
        }
        _ => (node, people::Options::default()),
    };
    let name = ctx.value_line(node, "`people`")?;
    let ext = Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !ext.is_some_and(|e| people::EXTENSIONS.contains(&e.as_str())) {
        ctx.error(
            node.pos,
            format!("`people: {name}` is not a spreadsheet this program reads"),
            "name an Excel (.xlsx or .xls), OpenDocument (.ods) or CSV (.csv) file, such as `people: contacts.xlsx`",
        );
        return None;
    }
    let path = recipients.parent().unwrap_or(Path::new("")).join(&name);
    if !path.exists() {
        ctx.error(
            node.pos,
            format!("{} does not exist", path.display()),
            "check the file name: it is relative to the recipients file",
        );
        return None;
    }
    match people::read(&path, &options) {
        Ok((p, warnings)) => {
            ctx.diags.extend(warnings);
            Some(p)
        }
        Err(d) => {
            ctx.diags.extend(d);
            None
        }
    }
}

/// `columns:` of `people:`: the office's own heading for each column it names.
fn people_columns(ctx: &mut Ctx, node: &Node) -> Option<Vec<(Column, String)>> {
    let names: Vec<&str> = people::COLUMN_KEYS.iter().map(|(k, _)| *k).collect();
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            "`columns` should name a heading for each column",
            "write it as `columns: { email: Work email, role: Job title }`",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        match people::COLUMN_KEYS.iter().find(|(n, _)| *n == key) {
            Some((_, column)) => match ctx.value_line(v, &format!("the heading of `{key}`")) {
                Some(h) if !h.trim().is_empty() => out.push((*column, h)),
                _ => ok = false,
            },
            None => {
                let help = did_you_mean(key, &names).map_or_else(
                    || format!("the columns are: {}", names.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                ctx.error(k.pos, format!("`{key}` is not a column of people"), help);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `where:` of a list: each column named, and the values (any of them) it must have.
fn where_clause(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Vec<(Column, Vec<String>)>> {
    let names: Vec<&str> = WHERE_KEYS.iter().map(|(k, _)| *k).collect();
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            format!("`where` of {what} should say which column has which value"),
            "write it as `where: { role: Practice manager }`, or with several values `where: { role: [GP partner, Salaried GP] }`",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        let Some((_, column)) = WHERE_KEYS.iter().find(|(n, _)| *n == key) else {
            let help = did_you_mean(key, &names).map_or_else(
                || format!("the columns a list can match are: {}", names.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            ctx.error(
                k.pos,
                format!("`{key}` is not a column `where` can match"),
                help,
            );
            ok = false;
            continue;
        };
        let items: Vec<&Node> = match &v.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        let mut values = Vec::new();
        for item in items {
            match ctx.value_line(item, &format!("a value of `{key}`")) {
                Some(value) if !value.trim().is_empty() => values.push(value),
                _ => ok = false,
            }
        }
        out.push((*column, values));
    }
    ok.then_some(out)
}

/// The people of `sheet` that `clause` picks, as members; a warning when it picks nobody.
fn members_where(
    ctx: &mut Ctx,
    node: &Node,
    what: &str,
    clause: &[(Column, Vec<String>)],
    sheet: &People,
) -> Vec<Member> {
    let members: Vec<Member> = sheet
        .people
        .iter()
        .filter(|p| clause.iter().all(|(c, values)| p.matches(*c, values)))
        .map(|p| Member {
            mailbox: p.mailbox.clone(),
            key: p.key.clone(),
            pos: node.pos,
        })
        .collect();
    if members.is_empty() {
        let found = |column: Column| {
            let mut values: Vec<&str> = Vec::new();
            for v in sheet.people.iter().filter_map(|p| p.get(column)) {
                if !values.iter().any(|w| people::same(w, v)) {
                    values.push(v);
                }
            }
            values
        };
        // The condition that picks nobody on its own, else the first.
        let (column, _) = clause
            .iter()
            .find(|(c, values)| !sheet.people.iter().any(|p| p.matches(*c, values)))
            .unwrap_or(&clause[0]);
        let column = *column;
        let key = WHERE_KEYS
            .iter()
            .find(|(_, c)| *c == column)
            .map_or("", |(k, _)| *k);
        let values = found(column);
        let help = if values.is_empty() {
            format!(
                "{} has no `{key}` column with anything in it",
                sheet.path.display()
            )
        } else {
            format!(
                "the values of `{key}` in {} are: {}",
                sheet.path.display(),
                values.join(", ")
            )
        };
        ctx.diags.push(
            Diagnostic::warning(
                ctx.path,
                node.pos,
                format!("{what} picks nobody from the spreadsheet"),
            )
            .with_help(help),
        );
    }
    members
}

fn lists(
    ctx: &mut Ctx,
    node: &Node,
    sheet: Option<&Option<People>>,
) -> Option<BTreeMap<String, List>> {
    let Value::Map(entries) = &node.value else {
        ctx.error(
            node.pos,
            format!(
                "`lists` should be a set of lists, but this is {}",
                node.kind()
            ),
            "write each list as `list-id:` with `name:` and `members:` under it",
        );
        return None;
    };
    if entries.len() > MAX_LISTS {
        ctx.error(
            node.pos,
            format!(
                "the file defines {} lists, more than the {} allowed",
                thousands(entries.len()),
                thousands(MAX_LISTS)
            ),
            "check the indentation: members and settings may have been read as lists",
        );
        return None;
    }
    let mut out = BTreeMap::new();
    let mut include_pos: Vec<(String, String, Pos)> = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let id = k.as_str().unwrap_or("").to_string();
        let what = format!("list `{id}`");
        let Some(f) = ctx.fields(v, &what, LIST_KEYS) else {
            ok = false;
            continue;
        };
        let name = f
            .get("name")
            .and_then(|n| ctx.line(n, "`name`"))
            .unwrap_or_else(|| id.clone());
        let mut members = Vec::new();
        if let Some(m) = f.get("members") {
            match &m.value {
                Value::Seq(items) => {
                    let mut seen: HashMap<String, usize> = HashMap::new();
                    for (i, item) in items.iter().enumerate() {
                        match member(ctx, item, &format!("member {} of {what}", i + 1)) {
                            Some(member) => {
                                if let Some(line) = seen.get(&member.key) {
                                    ctx.diags.push(
                                        Diagnostic::warning(
                                            ctx.path,
                                            member.pos,
                                            format!(
                                                "{} is on {what} twice (also on line {line})",
                                                member.mailbox.email
                                            ),
                                        )
                                        .with_help(
                                            "they will get one copy; remove the second line",
                                        ),
                                    );
                                } else {
                                    seen.insert(member.key.clone(), member.pos.line);
                                }
                                members.push(member);
                            }
                            None => ok = false,
                        }
                    }
                }
                _ => {
                    ctx.error(
                        m.pos,
                        format!("`members` of {what} should be a list"),
                        "write each member on its own line starting `- `",
                    );
                    ok = false;
                }
            }
        }
        if let Some(w) = f.get("where") {
            match (where_clause(ctx, w, &what), sheet) {
                (None, _) => ok = false,
                (Some(_), None) => {
                    ctx.error(
                        w.pos,
                        format!("{what} picks people with `where`, but the file names no spreadsheet of people"),
                        "add a line `people: contacts.xlsx` (your spreadsheet's name, beside this file) at the top of the file",
                    );
                    ok = false;
                }
                // The spreadsheet's own problems are reported already.
                (Some(_), Some(None)) => ok = false,
                (Some(clause), Some(Some(people))) => {
                    let picked = members_where(ctx, w, &what, &clause, people);
                    let mut keys: HashSet<String> =
                        members.iter().map(|m: &Member| m.key.clone()).collect();
                    members.extend(picked.into_iter().filter(|m| keys.insert(m.key.clone())));
                }
            }
        }
        let mut include = Vec::new();
        if let Some(inc) = f.get("include") {
            let items: Vec<&Node> = match &inc.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![inc],
            };
            for i in items {
                if let Some(name) = ctx.value_line(i, "an included list") {
                    include_pos.push((id.clone(), name.clone(), i.pos));
                    include.push(name);
                }
            }
        }
        if f.get("members").is_none() && f.get("include").is_none() && f.get("where").is_none() {
            ctx.error(
                f.pos,
                format!("{what} has no `members`, `where` or `include`"),
                "add `members:` with one address per line, `where: { role: Practice manager }` to pick people from the spreadsheet, or `include: [other-list]`",
            );
            ok = false;
        }
        out.insert(
            id.clone(),
            List {
                name,
                members,
                include,
            },
        );
    }
    let names: Vec<&str> = out.keys().map(String::as_str).collect();
    let missing: Vec<_> = include_pos
        .iter()
        .filter(|(_, to, _)| !out.contains_key(to))
        .collect();
    // Each suggestion compares with every list: only the first few are worked out.
    for (from, to, pos) in missing.iter().take(MISSING_REPORTED) {
        let help = did_you_mean(to, &names).map_or_else(
            || format!("the lists are: {}", names.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        ctx.error(
            *pos,
            format!("list `{from}` includes `{to}`, which is not a list in this file"),
            help,
        );
    }
    if let Some((_, _, pos)) = missing.get(MISSING_REPORTED) {
        ctx.error(
            *pos,
            format!(
                "{} more includes name lists that are not in this file",
                thousands(missing.len() - MISSING_REPORTED)
            ),
            "check the names under `include:` against the lists defined in this file",
        );
    }
    ok &= missing.is_empty();
    let starts = include_pos.iter().map(|(from, ..)| from.as_str());
    if let Some(cycle) = find_cycle(&out, starts) {
        let (from, to) = (cycle[0], cycle[1]);
        let pos = include_pos
            .iter()
            .find(|(f, t, _)| f == from && t == to)
            .map_or(node.pos, |(.., pos)| *pos);
        ctx.error(
            pos,
            format!("list `{from}` includes itself: {}", cycle.join(" → ")),
            "remove one of these `include` entries",
        );
        ok = false;
    }
    ok.then_some(out)
}

/// The first path of includes that comes back to where it started (`a → b → a`), looking from
/// each of `starts` in turn. One depth-first walk over all the lists, with a stack instead of
/// recursion: each list and each include is looked at once, however long the chains.
fn find_cycle<'l>(
    lists: &'l BTreeMap<String, List>,
    starts: impl Iterator<Item = &'l str>,
) -> Option<Vec<&'l str>> {
    // Lists on the current path are `true`; lists fully explored, `false`.
    let mut on_path: HashMap<&str, bool> = HashMap::new();
    for start in starts {
        if on_path.contains_key(start) {
            continue;
        }
        on_path.insert(start, true);
        // Each list on the path, with how many of its includes have been followed.
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&(at, followed)) = path.last() {
            let includes = lists.get(at).map_or(&[][..], |l| l.include.as_slice());
            let Some(next) = includes.get(followed) else {
                on_path.insert(at, false);
                path.pop();
                continue;
            };
            if let Some(top) = path.last_mut() {
                top.1 += 1;
            }
            let Some((next, _)) = lists.get_key_value(next) else {
                continue; // reported as not a list
            };
            match on_path.get(next.as_str()) {
                None => {
                    on_path.insert(next, true);
                    path.push((next, 0));
                }
                Some(true) => {
                    let from = path.iter().position(|(l, _)| *l == next)?;
                    let mut cycle: Vec<&str> = path[from..].iter().map(|(l, _)| *l).collect();
                    cycle.push(next);
                    return Some(cycle);
                }
                Some(false) => {}
            }
        }
    }
    None
}

fn suppress(ctx: &mut Ctx, node: &Node) -> Option<HashSet<String>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            "`suppress` should be a list of addresses",
            "write each address on its own line starting `- `",
        );
        return None;
    };
    let mut out = HashSet::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match member(ctx, item, &format!("suppressed address {}", i + 1)) {
            Some(m) => {
                out.insert(m.key);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Recipients {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.yaml");
        std::fs::write(&path, text).unwrap();
        load(&path).unwrap_or_else(|d| panic!("{d}")).0
    }

    #[test]
    fn mailbox_has_defaults_and_refuses_an_unencrypted_remote_login() {
        let base = "transport: sendmail\nlists:\n  a:\n    members: [x@example.org]\n";
        let r = load_text(base);
        assert!(r.mailbox.imap.is_none());
        assert_eq!(
            (r.mailbox.soft_bounces, r.mailbox.soft_bounce_days),
            (3, 30)
        );
        let r = load_text(&format!(
            "{base}mailbox:\n  host: imap.example.org\n  username: u@example.org\n  soft_bounces: 5\n"
        ));
        let imap = r.mailbox.imap.unwrap();
        assert_eq!(
            (imap.port, imap.security, imap.folder.as_str()),
            (993, Security::Tls, "INBOX")
        );
        assert_eq!(r.mailbox.soft_bounces, 5);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.yaml");
        std::fs::write(
            &path,
            format!("{base}mailbox:\n  host: imap.example.org\n  security: none\n  username: u\n"),
        )
        .unwrap();
        let d = load(&path).expect_err("refused").to_string();
        assert!(
            d.contains("the mailbox's password would be sent unencrypted to imap.example.org"),
            "{d}"
        );
    }

    #[test]
    fn counts_agree_with_resolving_each_list() {
        let r = load_text(
            "transport: sendmail\nlists:\n  a:\n    members: [x@example.org, y@example.org]\n    include: [b, c]\n  b:\n    members: [X@Example.org, z@example.org]\n    include: [d]\n  c:\n    include: [d, d]\n  d:\n    members: [w@example.org, s@example.org]\n  e:\n    members: [v@example.org]\nsuppress: [S@example.org]\n",
        );
        let counts = r.counts();
        assert_eq!(counts.len(), 5);
        for (id, c) in &counts {
            let resolved = r.resolve(id);
            assert_eq!(c.recipients, resolved.recipients.len(), "list {id}");
            assert_eq!(c.suppressed, resolved.suppressed.len(), "list {id}");
        }
        assert_eq!(
            counts["a"],
            Counts {
                recipients: 4,
                suppressed: 1
            }
        );
    }

    #[test]
    fn a_unicode_domain_and_its_punycode_are_one_person() {
        let a: Mailbox = "Dr A <dr@bücher.example>".parse().unwrap();
        let b: Mailbox = "DR@XN--BCHER-KVA.example".parse().unwrap();
        assert_eq!(key(&a), "dr@xn--bcher-kva.example");
        assert_eq!(key(&a), key(&b));
    }

    /// `secret_command` as the file gives it, read as on a system with or without a shell.
    fn secret_command_of(value: &str, has_shell: bool) -> Result<Box<SecretCommand>, Diagnostics> {
        let path = Path::new("recipients.yaml");
        let source = format!("secret_command: {value}\n");
        let root = yaml::parse(path, &source)?;
        let Value::Map(entries) = &root.value else {
            panic!("{source}")
        };
        let mut diags = Diagnostics::default();
        let mut ctx = Ctx::new(path, &source, &mut diags);
        let command = secret_command(&mut ctx, &entries[0].1, has_shell);
        command.ok_or(diags)
    }

    #[test]
    fn a_listed_secret_command_is_a_program_and_its_arguments_as_written() {
        for has_shell in [true, false] {
            let c = secret_command_of(
                "[tokens, \"an argument with spaces\", $HOME, '*', 'it''s', --n, 5]",
                has_shell,
            )
            .unwrap();
            assert_eq!(
                c.run,
                CommandLine::Program(
                    "tokens".into(),
                    ["an argument with spaces", "$HOME", "*", "it's", "--n", "5"]
                        .map(String::from)
                        .to_vec()
                )
            );
            assert_eq!(c.pos, Pos::new(1, 17));
        }
    }

    #[test]
    fn one_line_for_the_shell_is_refused_where_there_is_no_shell() {
        let line = "pass show lmc/bulletin-smtp";
        assert_eq!(
            secret_command_of(line, true).unwrap().run,
            CommandLine::Shell(line.into())
        );
        let d = secret_command_of(line, false).unwrap_err();
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].pos, Pos::new(1, 17));
        assert_eq!(
            d.0[0].message,
            "`secret_command` is written as one line for a shell, and Windows has no `sh` to run it"
        );
        assert_eq!(
            d.0[0].help.as_deref(),
            Some(
                "write it as a list, the program first and then each argument, e.g. `secret_command: [az, account, get-access-token, --query, accessToken, -o, tsv]`"
            )
        );
    }

    #[test]
    fn a_secret_command_without_a_program_is_refused() {
        for (value, message) in [
            ("[]", "`secret_command` names no program"),
            ("['', x]", "`secret_command` names no program"),
            ("\"\"", "`secret_command` names no program"),
            (
                "[az, [x]]",
                "item 2 of `secret_command` should be text, but this is a list",
            ),
            (
                "[az, ~]",
                "item 2 of `secret_command` should be text, but this is nothing",
            ),
            (
                "{ run: az }",
                "`secret_command` should be a program and its arguments, but this is a set of keys",
            ),
        ] {
            let d = secret_command_of(value, true).unwrap_err();
            assert_eq!(d.0.len(), 1, "{value}: {d}");
            assert_eq!(d.0[0].message, message, "{value}");
        }
    }

    #[test]
    fn the_cycle_found_is_the_loop_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.yaml");
        std::fs::write(
            &path,
            "transport: sendmail\nlists:\n  a:\n    include: [b]\n  b:\n    include: [c]\n  c:\n    include: [b]\n",
        )
        .unwrap();
        let d = load(&path).unwrap_err();
        assert_eq!(d.0.len(), 1, "{d}");
        assert_eq!(d.0[0].pos, Pos::new(6, 15));
        assert_eq!(d.0[0].message, "list `b` includes itself: b → c → b");
    }
}
