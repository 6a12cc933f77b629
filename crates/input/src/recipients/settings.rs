//! The settings of the relay (`smtp:`) and of the reply mailbox (`mailbox:`), each described
//! once: key, kind, range, default and description. The loader checks and defaults them from
//! this table ([`number`], [`choice`]), the JSON Schema describes them from it
//! (`input::json_schema`), and a test checks that docs/send.md and docs/inbox.md quote the
//! same defaults and ranges.

use crate::schema::{Ctx, Fields};
use crate::yaml::Node;

use super::{IMAP_PASSWORD_ENV, PASSWORD_ENV, TOKEN_ENV};

/// One setting of a section.
#[derive(Debug)]
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
    /// The editor's hover help, with `{default}` for the default and `{PASSWORD_ENV}`,
    /// `{TOKEN_ENV}`, `{IMAP_PASSWORD_ENV}` for those variables' names ([`Setting::description`]).
    text: &'static str,
}

#[derive(Debug)]
pub enum Kind {
    /// A whole number from `min` to `max`; `default` when left out.
    Number {
        min: u64,
        max: u64,
        default: Option<u64>,
    },
    /// A port, 1 to 65535 ([`PORTS`]); when left out, the one `by_security` gives for the
    /// `security` chosen.
    Port {
        by_security: &'static [(&'static str, u64)],
    },
    /// One of `values` (in the order the errors and the schema list them), `default` if left out.
    Choice {
        values: &'static [&'static str],
        default: &'static str,
    },
    /// Text on one line; `default` when left out.
    Line { default: Option<&'static str> },
    /// A program and its arguments (`secret_command`).
    Command,
    /// A list of words, each on one line (`scopes`).
    Words,
    /// A mapping of its own, whose settings are `table`'s; `required` must be given.
    Section {
        table: &'static [Setting],
        required: &'static [&'static str],
    },
}

/// `smtp:`, in the order the schema lists them.
pub const SMTP: &[Setting] = &[
    Setting::line(
        "host",
        None,
        "The relay's name, from your IT team, e.g. send.nhs.net or smtp.office365.com.",
    ),
    Setting::port(
        "port",
        &[("starttls", 587), ("tls", 465), ("none", 25)],
        "587 for starttls, 465 for tls. If left out: 587, 465 or 25 to match `security`.",
    ),
    Setting::choice(
        "security",
        &["starttls", "tls", "none"],
        "starttls",
        "How the connection is encrypted: starttls (port 587, the default), tls (port 465), or none (only for a relay on this computer).",
    ),
    Setting::choice(
        "auth",
        &["password", "oauth2", "xoauth2", "none"],
        "password",
        "How to log in: password (the default), oauth2 (sign in to Microsoft 365 or NHSmail with `bulletin login`, as set under `oauth2:`), xoauth2 (an OAuth2 token from {TOKEN_ENV} or `secret_command`), or none. The password or token is never written here: `bulletin login` keeps it in this computer's own store, or it comes from {PASSWORD_ENV} ({TOKEN_ENV} for a token) or `secret_command`.",
    ),
    Setting {
        key: "oauth2",
        kind: Kind::Section {
            table: OAUTH2,
            required: &["issuer", "client_id", "scopes"],
        },
        text: "For `auth: oauth2`: who signs you in (`issuer`), the app your IT team registered (`client_id`) and what it may do (`scopes`). See docs/send.md for Microsoft 365 and NHSmail.",
    },
    Setting::line(
        "username",
        None,
        "The mailbox you log in as. Needed unless `auth: none`.",
    ),
    Setting {
        key: "secret_command",
        kind: Kind::Command,
        text: "A program that prints the password or token, e.g. a password manager's, used when the environment variable is not set (before what `bulletin login` stored). Best written as a list, the program and then each argument, run as written on every system: [az, account, get-access-token, --query, accessToken, -o, tsv]. One line of text is run by the shell `sh`, which Windows does not have. Optional.",
    },
    Setting::number(
        "rate_per_minute",
        0,
        1_000_000,
        Some(30),
        "At most this many messages a minute over all connections; 0 means no limit. Default {default}.",
    ),
    Setting::number(
        "daily_limit",
        0,
        10_000_000,
        Some(0),
        "At most this many recipients in any 24 hours, counted from the journals of every issue (Microsoft 365 and NHSmail mailboxes take about 10,000 a day): `send` stops there and says when it can go on; 0 means no limit. Default {default}.",
    ),
    Setting::number(
        "connections",
        1,
        64,
        Some(1),
        "How many connections to the relay at once. Default {default}.",
    ),
    Setting::number(
        "retries",
        0,
        50,
        Some(5),
        "How many times a temporary failure is tried again. Default {default}.",
    ),
    Setting::number(
        "retry_wait_seconds",
        0,
        3600,
        Some(2),
        "Seconds before the first retry; the wait doubles each time. Default {default}.",
    ),
    Setting::number(
        "timeout_seconds",
        1,
        3600,
        Some(60),
        "How many seconds to wait for the relay to answer. Default {default}.",
    ),
    Setting::line(
        "hello_name",
        None,
        "The name this computer gives the relay. Leave it out unless your IT team asks. Optional.",
    ),
    Setting::line(
        "ca_file",
        None,
        "Your organisation's CA certificate (PEM) for a relay with its own certificate, relative to this file. Optional.",
    ),
];

/// `mailbox:`, in the order the schema lists them.
pub const MAILBOX: &[Setting] = &[
    Setting::line(
        "host",
        None,
        "The IMAP server's name, e.g. outlook.office365.com. Without it, `bulletin inbox` needs `--dir`.",
    ),
    Setting::port(
        "port",
        &[("tls", 993), ("starttls", 143), ("none", 143)],
        "993 for tls, 143 for starttls. If left out: 993, or 143 for `security: starttls` or `none`.",
    ),
    Setting::choice(
        "security",
        &["tls", "starttls", "none"],
        "tls",
        "tls (port 993, the default), starttls (port 143, encrypted before the login), or none (only for a server on this computer).",
    ),
    Setting::line(
        "username",
        None,
        "The mailbox you log in as. The password is never written here: it comes from {IMAP_PASSWORD_ENV} or `secret_command`.",
    ),
    Setting::choice(
        "auth",
        &["password", "oauth2"],
        "password",
        "How to log in: password (the default), or oauth2 (sign in to Microsoft 365 or NHSmail with `bulletin login --mailbox`, as set under `oauth2:`).",
    ),
    Setting {
        key: "oauth2",
        kind: Kind::Section {
            table: OAUTH2,
            required: &["issuer", "client_id", "scopes"],
        },
        text: "For `auth: oauth2`: who signs you in (`issuer`), the app your IT team registered (`client_id`) and what it may do (`scopes`). See docs/inbox.md.",
    },
    Setting::line(
        "folder",
        Some("INBOX"),
        "The folder to read. If left out: {default}.",
    ),
    Setting {
        key: "secret_command",
        kind: Kind::Command,
        text: "A program that prints the mailbox's password, as a list: [program, argument, ...]. Optional.",
    },
    Setting::number(
        "soft_bounces",
        1,
        100,
        Some(3),
        "This many soft (temporary) bounces suppress an address. If left out: {default}.",
    ),
    Setting::number(
        "soft_bounce_days",
        1,
        3650,
        Some(30),
        "... within this many days. If left out: {default}.",
    ),
    Setting::line(
        "ca_file",
        None,
        "Your organisation's CA certificate (PEM) for a mailbox server with its own certificate, relative to this file. Optional.",
    ),
    Setting::line(
        "authserv_id",
        None,
        "The name your own mail server writes first in the Authentication-Results header it adds (ask your IT team, e.g. mx.example.org): an unsubscribe request that this server says passed DMARC for its sender is applied without asking you. If left out, only requests that reply to a bulletin are.",
    ),
];

/// `oauth2:` of the relay or the mailbox: the sign-in of `auth: oauth2`.
pub const OAUTH2: &[Setting] = &[
    Setting::line(
        "issuer",
        None,
        "Who signs you in, as an https address: for Microsoft 365 and NHSmail https://login.microsoftonline.com/TENANT/v2.0, TENANT being your organisation's tenant id or domain (NHSmail's: ask the NHSmail helpdesk or your IT team).",
    ),
    Setting::line(
        "client_id",
        None,
        "The application (client) id of the app your IT team registered for bulletin, e.g. 00000000-0000-0000-0000-000000000000.",
    ),
    Setting {
        key: "scopes",
        kind: Kind::Words,
        text: "What bulletin may do once you signed in, as a list. Microsoft 365 and NHSmail: [https://outlook.office.com/SMTP.Send, offline_access] for sending, [https://outlook.office.com/IMAP.AccessAsUser.All, offline_access] for the mailbox.",
    },
];

/// The ports a `port:` can be.
pub const PORTS: std::ops::RangeInclusive<u64> = 1..=65535;

/// The keys of a section, for [`Ctx::fields`] and the schema.
pub fn keys(table: &[Setting]) -> Vec<&'static str> {
    table.iter().map(|s| s.key).collect()
}

/// The setting `key` of `table`. Panics for a key the table lacks: a mistake in this program.
pub(crate) fn setting(table: &'static [Setting], key: &str) -> &'static Setting {
    table
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no setting `{key}`"))
}

impl Setting {
    const fn number(
        key: &'static str,
        min: u64,
        max: u64,
        default: Option<u64>,
        text: &'static str,
    ) -> Setting {
        Setting {
            key,
            kind: Kind::Number { min, max, default },
            text,
        }
    }

    const fn port(
        key: &'static str,
        by_security: &'static [(&'static str, u64)],
        text: &'static str,
    ) -> Setting {
        Setting {
            key,
            kind: Kind::Port { by_security },
            text,
        }
    }

    const fn choice(
        key: &'static str,
        values: &'static [&'static str],
        default: &'static str,
        text: &'static str,
    ) -> Setting {
        Setting {
            key,
            kind: Kind::Choice { values, default },
            text,
        }
    }

    const fn line(key: &'static str, default: Option<&'static str>, text: &'static str) -> Setting {
        Setting {
            key,
            kind: Kind::Line { default },
            text,
        }
    }

    /// The default as written in the file, if there is one.
    pub(crate) fn default_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Number { default, .. } => default.map(|d| d.to_string()),
            Kind::Choice { default, .. } => Some(default.to_string()),
            Kind::Line { default } => default.map(str::to_string),
            Kind::Port { .. } | Kind::Command | Kind::Words | Kind::Section { .. } => None,
        }
    }

    /// What the setting does, for the editor's hover help.
    pub fn description(&self) -> String {
        let mut text = self
            .text
            .replace("{PASSWORD_ENV}", PASSWORD_ENV)
            .replace("{TOKEN_ENV}", TOKEN_ENV)
            .replace("{IMAP_PASSWORD_ENV}", IMAP_PASSWORD_ENV);
        if let Some(default) = self.default_text() {
            text = text.replace("{default}", &default);
        }
        text
    }
}

/// The whole number `key` of `f`, or its default; `None` when it is wrong (reported).
pub fn number(ctx: &mut Ctx, f: &Fields, table: &'static [Setting], key: &str) -> Option<u64> {
    let Kind::Number {
        min,
        max,
        default: Some(default),
    } = setting(table, key).kind
    else {
        panic!("`{key}` is not a number with a default");
    };
    match f.get(key) {
        Some(node) => checked(ctx, node, key, min, max),
        None => Some(default),
    }
}

/// The `port` of `f`, or the one for `security` (its value, `None` when it is wrong); `None`
/// when the port is wrong (reported).
pub fn port(
    ctx: &mut Ctx,
    f: &Fields,
    table: &'static [Setting],
    security: Option<&str>,
) -> Option<u16> {
    let Kind::Port { by_security } = setting(table, "port").kind else {
        panic!("`port` is not a port");
    };
    let n = match f.get("port") {
        Some(node) => checked(ctx, node, "port", *PORTS.start(), *PORTS.end())?,
        None => by_security
            .iter()
            .find(|(s, _)| Some(*s) == security)
            .map_or(by_security[0].1, |(_, p)| *p),
    };
    Some(n as u16)
}

/// `node`, a whole number from `min` to `max`; `None` when it is not (reported).
fn checked(ctx: &mut Ctx, node: &Node, key: &str, min: u64, max: u64) -> Option<u64> {
    let n = node
        .as_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|n| (min..=max).contains(n));
    if n.is_none() {
        ctx.error(
            node.pos,
            format!("`{key}` should be a whole number from {min} to {max}"),
            "write the number without quotes",
        );
    }
    n
}

/// The value of the choice `key` of `f`, or its default; `None` when it is not one of its
/// values (reported, with a "did you mean").
pub fn choice(
    ctx: &mut Ctx,
    f: &Fields,
    table: &'static [Setting],
    key: &str,
) -> Option<&'static str> {
    let Kind::Choice { values, default } = setting(table, key).kind else {
        panic!("`{key}` is not a choice");
    };
    let Some(node) = f.get(key) else {
        return Some(default);
    };
    choose(ctx, node, key, values)
}

fn choose(
    ctx: &mut Ctx,
    node: &Node,
    key: &str,
    values: &'static [&'static str],
) -> Option<&'static str> {
    let text = ctx.value(node, &format!("`{key}`"))?;
    let text = text.trim();
    if let Some(v) = values.iter().find(|v| **v == text) {
        return Some(v);
    }
    let hint = crate::diagnostic::did_you_mean(text, values)
        .map_or(String::new(), |s| format!("did you mean `{s}`? "));
    ctx.error(
        node.pos,
        format!("`{key}` `{text}` is not one of: {}", values.join(", ")),
        format!("{hint}choose one of: {}", values.join(", ")),
    );
    None
}

/// The text `key` of `f` on one line, or its default; `Some(None)` when left out without a
/// default; `None` when it is wrong (reported).
pub fn line(
    ctx: &mut Ctx,
    f: &Fields,
    table: &'static [Setting],
    key: &str,
) -> Option<Option<String>> {
    let Kind::Line { default } = setting(table, key).kind else {
        panic!("`{key}` is not a line");
    };
    match f.get(key) {
        Some(n) => ctx.value_line(n, &format!("`{key}`")).map(Some),
        None => Some(default.map(str::to_string)),
    }
}

/// The default of the whole number `key` of `table`.
pub(crate) fn default_number(table: &'static [Setting], key: &str) -> u64 {
    match setting(table, key).kind {
        Kind::Number {
            default: Some(d), ..
        } => d,
        _ => panic!("`{key}` is not a number with a default"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str) -> String {
        let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The numbers written in `(1 to 64)` form in `text`.
    fn ranges(text: &str) -> Vec<(u64, u64)> {
        text.split('(')
            .filter_map(|part| {
                let inner = part.split(')').next()?;
                let (min, max) = inner.split_once(" to ")?;
                Some((min.trim().parse().ok()?, max.trim().parse().ok()?))
            })
            .collect()
    }

    #[test]
    fn the_relay_table_in_send_md_quotes_each_default_and_range() {
        let send = doc("send.md");
        for s in SMTP {
            let start = format!("| `{}` | ", s.key);
            let row = send
                .lines()
                .find(|l| l.starts_with(&start))
                .unwrap_or_else(|| panic!("docs/send.md has no row for `{}`", s.key));
            let quoted = row[start.len()..].split(" | ").next().unwrap();
            match (&s.kind, s.default_text()) {
                (Kind::Choice { .. }, Some(d)) => assert_eq!(quoted, format!("`{d}`"), "{row}"),
                (Kind::Number { .. }, Some(d)) => assert_eq!(quoted, d, "{row}"),
                _ => {}
            }
            if let Kind::Number { min, max, .. } = s.kind {
                for range in ranges(row) {
                    assert_eq!(range, (min, max), "{row}");
                }
            }
        }
    }

    /// The ports `port` defaults to.
    fn ports(table: &'static [Setting]) -> Vec<u64> {
        let Kind::Port { by_security } = setting(table, "port").kind else {
            panic!("no port");
        };
        by_security.iter().map(|(_, p)| *p).collect()
    }

    #[test]
    fn the_docs_and_descriptions_quote_each_default_port() {
        let send = doc("send.md");
        let row = send.lines().find(|l| l.starts_with("| `port` | ")).unwrap();
        let inbox = doc("inbox.md");
        let line = inbox.lines().find(|l| l.contains("# port: ")).unwrap();
        for (table, quoted) in [(SMTP, row), (MAILBOX, line)] {
            let description = setting(table, "port").description();
            for p in ports(table) {
                assert!(quoted.contains(&p.to_string()), "{p}: {quoted}");
                assert!(description.contains(&p.to_string()), "{p}: {description}");
            }
        }
    }

    #[test]
    fn inbox_md_quotes_the_mailbox_defaults() {
        let inbox = doc("inbox.md");
        for s in MAILBOX {
            if let Some(d) = s.default_text() {
                let written = format!("{}: {d} ", s.key);
                assert!(
                    inbox.contains(&written),
                    "docs/inbox.md never says `{written}`"
                );
            }
        }
    }

    #[test]
    fn each_description_quotes_its_default_and_no_placeholder_is_left() {
        for s in SMTP.iter().chain(MAILBOX).chain(OAUTH2) {
            let d = s.description();
            assert!(!d.contains('{'), "{}: {d}", s.key);
            if let Kind::Choice { default, .. } = s.kind {
                assert!(
                    d.contains(&format!("{default} (")) && d.contains("the default"),
                    "{d}"
                );
            }
            if let Kind::Number {
                default: Some(n), ..
            } = s.kind
            {
                assert!(d.ends_with(&format!(" {n}.")), "{d}");
            }
        }
    }
}
