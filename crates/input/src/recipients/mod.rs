//! `recipients.yaml`: how to reach the relay, the mailing lists and the suppression list.
//!
//! This file is personal data: it is git-ignored, and only `recipients.example.yaml` (with
//! example.org addresses) is committed. It never holds a secret: the SMTP password or token
//! comes from the environment, from `secret_command` or from the system's own store
//! (`bulletin login`; see [`crate::secret`]).

//!
//! One module a job: [`relay`] (`smtp:`, `transport:`), [`mailbox`] (`mailbox:`), [`secrets`]
//! (where passwords come from), [`lists`] (`lists:`, `suppress:`, `people:`), and [`settings`],
//! the one description of each relay and mailbox setting.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostics;
use crate::people::People;
use crate::schema::Ctx;
use crate::yaml::{self, Node};

mod lists;
mod mailbox;
mod oauth;
mod relay;
mod secrets;
mod settings;

pub(crate) use lists::where_clause;
pub use lists::{LIST_KEYS, List, MEMBER_KEYS, Resolved, key};
pub use mailbox::{Imap, ReplyMailbox};
pub use oauth::OAuth2;
pub use relay::{Auth, Security, Smtp, Transport, is_loopback_host};
pub use secrets::{CommandLine, IMAP_PASSWORD_ENV, PASSWORD_ENV, SecretCommand, TOKEN_ENV};
pub use settings::{Kind, MAILBOX, OAUTH2, PORTS, SMTP, Setting, keys as settings_keys};

pub(crate) const TOP_KEYS: &[&str] = &[
    "smtp",
    "transport",
    "people",
    "lists",
    "suppress",
    "mailbox",
];

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

pub fn from_node(ctx: &mut Ctx, root: &Node, path: &Path) -> Option<Recipients> {
    // A secret is refused wherever it is written.
    secrets::find_secrets(ctx, root);
    let f = ctx.fields(root, "the recipients file", TOP_KEYS)?;
    let transport = match (f.get("smtp"), f.get("transport")) {
        (Some(s), None) => relay::smtp(ctx, s).map(Transport::Smtp),
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
    let sheet = f.get("people").map(|n| lists::people_file(ctx, n, path));
    let lists = match f.require(
        ctx,
        "lists",
        "(one entry per list, e.g. `practice-managers:`)",
    ) {
        Some(n) => lists::lists(ctx, n, sheet.as_ref()),
        None => None,
    };
    let suppress = match f.get("suppress") {
        Some(n) => lists::suppress(ctx, n),
        None => Some(HashSet::new()),
    };
    let mailbox = match f.get("mailbox") {
        Some(n) => mailbox::mailbox(ctx, n),
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

#[cfg(test)]
mod tests {
    use super::lists::Counts;
    use super::secrets::secret_command;
    use super::*;
    use crate::diagnostic::Pos;
    use crate::yaml::Value;
    use lettre::message::Mailbox;

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
