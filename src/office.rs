//! A new office's folder, as `bulletin init` writes it: `bulletins/publisher.yaml`,
//! `recipients.yaml` (commented, with a starter list), `bulletins/` with the first issue's
//! skeleton, a `.gitignore` that keeps personal data out, and the editors' schemas in `schemas/`.
//! Every file comes from the program itself, so the installed binary is all an office needs.
//!
//! The files are made as text ([`files`]), read back through the same code `check` uses before
//! anything is written ([`Settings::files`]), and written without replacing any file
//! ([`write`]).

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;

use crate::address::{AddressError, parse_mailbox};
use crate::date::Date;
use crate::diagnostic::Diagnostics;
use crate::input::json_schema::{self, File};
use crate::input::schema::Ctx;
use crate::input::{publisher, recipients, yaml};
use crate::project::{BULLETINS, RECIPIENTS};
use crate::skeleton::{self, Known, quoted, yaml_text};

/// The folder of the editors' schemas, beside `bulletins` (the skeleton's `$schema` points there).
pub const SCHEMAS: &str = "schemas";
/// The colour of the header and headings unless the office chooses one: NHS blue.
pub const DEFAULT_COLOUR: &str = "#005EB8";

/// How messages leave the office's computer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relay {
    /// NHSmail's relay, `send.nhs.net`, with an OAuth2 token.
    NhsMail,
    /// Microsoft 365's relay, `smtp.office365.com`, with an OAuth2 token.
    Microsoft365,
    /// Another relay, with a username and password.
    Other { host: String, port: u16 },
    /// The computer's own mail system (`sendmail`).
    Sendmail,
}

/// The answers `init` asks for (or takes as options).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The office's short name, `Essex LMCs`.
    pub name: String,
    /// The sending address as typed: `bulletin@example.org` or `Essex LMCs <bulletin@example.org>`.
    pub from: String,
    /// Where replies go, if not to `from`.
    pub reply_to: Option<String>,
    pub colour: String,
    pub relay: Relay,
    /// The first issue's date.
    pub date: Date,
    /// The logo's file as `init` copies it into the bulletins folder (`logo.png`), if one was
    /// given.
    pub logo: Option<String>,
}

/// Why an office cannot be started.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--from: {0}")]
    From(AddressError),
    #[error("--reply-to: {0}")]
    ReplyTo(AddressError),
    /// An answer that `check` would refuse in the file it goes into (a colour too light, say).
    #[error("{}", first_error(.0))]
    Refused(Diagnostics),
    #[error("{} is already an office's folder: it has {}", .folder.display(), .found.join(", "))]
    Exists { folder: PathBuf, found: Vec<String> },
    #[error("cannot write {}", .0.display())]
    Write(PathBuf, #[source] std::io::Error),
    #[error("`{0}` is not a colour: write # and six hex digits, such as {DEFAULT_COLOUR}")]
    NotAColour(String),
    #[error(
        "{colour} is too light to read on white (contrast {ratio:.1}:1, at least 4.5:1 is needed): choose a darker colour"
    )]
    TooLight { colour: String, ratio: f64 },
}

/// A colour `check` accepts in `publisher.yaml`: # and six hex digits, dark enough to read on
/// white; for asking again at once at a terminal.
pub fn check_colour(text: &str) -> Result<(), Error> {
    let c = text.trim();
    let hex = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit());
    if !hex {
        return Err(Error::NotAColour(c.to_string()));
    }
    let ratio = crate::colour::contrast_with_white(c);
    if ratio < 4.5 {
        return Err(Error::TooLight {
            colour: c.to_string(),
            ratio,
        });
    }
    Ok(())
}

impl Error {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Exists { .. } => Some(
                "nothing was written; go into that folder to use it, or give `bulletin init` a new folder's name"
                    .to_string(),
            ),
            Error::Refused(d) => d.0.iter().find_map(|d| d.help.clone()),
            _ => None,
        }
    }
}

fn first_error(d: &Diagnostics) -> String {
    d.0.first().map_or_else(String::new, |d| d.message.clone())
}

impl Settings {
    /// The files of the new office, relative to its folder, once each answer has been read back
    /// as `check` would read it.
    pub fn files(&self) -> Result<Vec<(PathBuf, String)>, Error> {
        let from = self.sender()?;
        let reply_to = match &self.reply_to {
            Some(r) => Some(parse_mailbox(r).map_err(Error::ReplyTo)?),
            None => None,
        };
        let written = files(self, &from, reply_to.as_ref());
        // The logo's file is not in the new folder yet (`init` checks it and copies it in):
        // the files are read back as they would be without it.
        let without_logo = Settings {
            logo: None,
            ..self.clone()
        };
        for (path, text) in &files(&without_logo, &from, reply_to.as_ref()) {
            read_back(path, text)?;
        }
        Ok(written)
    }

    /// `from` with the office's name when only an address was typed.
    fn sender(&self) -> Result<Mailbox, Error> {
        let mailbox = parse_mailbox(&self.from).map_err(Error::From)?;
        Ok(match mailbox.name {
            Some(_) => mailbox,
            None => Mailbox::new(Some(self.name.trim().to_string()), mailbox.email),
        })
    }
}

/// Reads a file back as `check` would, so that `init` refuses an answer rather than writing a
/// file that `check` then refuses.
fn read_back(path: &Path, text: &str) -> Result<(), Error> {
    let root = || yaml::parse(path, text).map_err(Error::Refused);
    let mut diags = Diagnostics::default();
    if path.ends_with(publisher::FILE) {
        let node = root()?;
        let mut ctx = Ctx::new(path, text, &mut diags);
        publisher::publisher_from(&mut ctx, &node);
    } else if path == Path::new(RECIPIENTS) {
        let node = root()?;
        let mut ctx = Ctx::new(path, text, &mut diags);
        recipients::from_node(&mut ctx, &node, path);
    }
    diags
        .0
        .retain(|d| d.severity == crate::diagnostic::Severity::Error);
    if diags.has_errors() {
        return Err(Error::Refused(diags));
    }
    Ok(())
}

/// What already in `folder` makes it an office (or would be overwritten): nothing for a new or
/// empty folder.
pub fn existing(folder: &Path) -> Vec<String> {
    [RECIPIENTS, BULLETINS, SCHEMAS]
        .into_iter()
        .filter(|name| folder.join(name).exists())
        .map(str::to_string)
        .collect()
}

/// Writes `files` into `folder` (made if need be), refusing before writing anything when it is
/// an office already. A `.gitignore` that is there already keeps its lines: the office's are
/// added after them.
pub fn write(folder: &Path, files: &[(PathBuf, String)]) -> Result<(), Error> {
    let found = existing(folder);
    if !found.is_empty() {
        return Err(Error::Exists {
            folder: folder.to_path_buf(),
            found,
        });
    }
    for (rel, text) in files {
        let path = folder.join(rel);
        let fail = |e| Error::Write(path.clone(), e);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut open = std::fs::OpenOptions::new();
        if rel == Path::new(GITIGNORE) && path.exists() {
            open.append(true);
        } else {
            open.write(true).create_new(true);
        }
        let mut file = open.open(&path).map_err(fail)?;
        let text = if rel == Path::new(GITIGNORE) && file.metadata().is_ok_and(|m| m.len() > 0) {
            format!("\n{text}")
        } else {
            text.clone()
        };
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)?;
    }
    Ok(())
}

const GITIGNORE: &str = ".gitignore";

/// The new office's files and their text, relative to its folder.
fn files(s: &Settings, from: &Mailbox, reply_to: Option<&Mailbox>) -> Vec<(PathBuf, String)> {
    let bulletins = Path::new(BULLETINS);
    let mut out = vec![
        (
            bulletins.join(publisher::FILE),
            publisher_yaml(s, from, reply_to),
        ),
        (PathBuf::from(RECIPIENTS), recipients_yaml(s, from)),
        (
            bulletins.join(format!("{}.yaml", s.date)),
            skeleton::bulletin(s.date, &Known::default()),
        ),
        (PathBuf::from(GITIGNORE), GITIGNORE_TEXT.to_string()),
    ];
    for file in [File::Bulletin, File::Publisher, File::Recipients] {
        out.push((
            Path::new(SCHEMAS).join(format!("{}.schema.json", file.name())),
            json_schema::text(file),
        ));
    }
    out
}

fn publisher_yaml(s: &Settings, from: &Mailbox, reply_to: Option<&Mailbox>) -> String {
    let answers = reply_to.unwrap_or(from);
    let reply = match reply_to {
        Some(r) => format!("reply_to: {}\n", yaml_text(&r.to_string())),
        None => "# reply_to: office@example.org    (where replies go, if not to `from`)\n".into(),
    };
    format!(
        "# Who sends the bulletin: the sender, the reply address, the footer, the unsubscribe address
# and the colours. Shared by every bulletin in this folder. Written by `bulletin init`.
# yaml-language-server: $schema=../{SCHEMAS}/publisher.schema.json

# The organisation's short name, shown as the sender.
name: {name}
from: {from}
{reply}
# The footer: the office's name, postal address and telephone, one per line.
address: |
  {name_line}
  {address}

# How readers unsubscribe: an address they write to (`bulletin inbox` reads those requests),
# and/or a web page (add it as a second line: - https://www.example.org/unsubscribe).
#
# With a web page, Gmail and Outlook can also show their own Unsubscribe button, which takes a
# reader off at one click, without the page opening. Only switch that on if your web page takes
# the reader off as soon as the button calls it, without asking anything: ask whoever runs your
# website whether the page \"supports one-click unsubscribe (RFC 8058)\". If it does, add:
#   one_click_unsubscribe: true
unsubscribe:
  - mailto:{address}?subject=unsubscribe

# The colour of the header and headings: # and six hex digits, in quotes.
colour: \"{colour}\"

# The logo at the top of each email, instead of the name: an image (PNG, JPEG or GIF) beside
# this file; its size is read from it. `bulletin archive` publishes it with the issues, so the
# emails show it only once `archive_url` (below) is set. `alt` is what readers see where images
# are blocked.
{logo}
# The office's website, and where the archive (`bulletin archive`) is published: with it, each
# email links to its web version and its key dates get \"add to calendar\" links.
# website: https://www.example.org/
# archive_url: https://www.example.org/bulletins/
",
        name = yaml_text(s.name.trim()),
        from = yaml_text(&from.to_string()),
        name_line = s.name.trim(),
        address = answers.email,
        colour = s.colour.trim(),
        logo = match &s.logo {
            Some(file) => format!(
                "logo:\n  file: {file}\n  alt: {}\n",
                yaml_text(s.name.trim())
            ),
            None => format!(
                "# logo:\n#   file: logo.png\n#   alt: {}\n",
                yaml_text(s.name.trim())
            ),
        },
    )
}

fn recipients_yaml(s: &Settings, from: &Mailbox) -> String {
    let relay = relay_yaml(&s.relay, from.email.as_ref());
    format!(
        "# recipients.yaml: how the bulletin is sent, and who it is sent to. Written by `bulletin init`.
#
# It holds people's names and addresses: it is personal data. Keep it on this computer; the
# .gitignore beside it keeps it out of any repository. It never holds a password: store that
# once with `bulletin login` (or give it in BULLETIN_SMTP_PASSWORD, or BULLETIN_SMTP_TOKEN for
# a token).
#
# Check it with:   bulletin check --recipients recipients.yaml
# See the lists:   bulletin lists
# yaml-language-server: $schema={SCHEMAS}/recipients.schema.json

{relay}
# The mailing lists. Each has an id (for `bulletin send --list ID`), a `name`, and `members`
# and/or `include` (other lists: anyone on both gets one copy).
# A member is written either as   - Name <address>
# or as                           - {{ email: address, name: Name }}
# (the second form when a name has a full stop, comma or brackets).
#
# Or keep the people in a spreadsheet beside this file (Excel, or CSV), one row a person under
# the headings Email, Name, Role, Practice, ODS code and Area, and let each list pick them:
#   people: contacts.xlsx
#   lists:
#     practice-managers: {{ name: Practice managers, where: {{ role: Practice manager }} }}
#     gps: {{ name: GPs, where: {{ role: [GP partner, Salaried GP] }} }}
lists:
  everyone:
    name: Everyone
    members:
      # To start with, only the office itself: try a send on it, then add the real lists.
      - {{ email: {email}, name: {member_name} }}

# Addresses never to be sent to, whichever list they are on. Optional.
# suppress:
#   - left.practice@example.org

# Where bounces and replies arrive, for `bulletin inbox`. Optional.
# mailbox:
#   host: outlook.office365.com
#   username: {email}
",
        email = from.email,
        member_name = quoted(s.name.trim()),
    )
}

fn relay_yaml(relay: &Relay, username: &str) -> String {
    let token = |host: &str| {
        format!(
            "# How messages leave this computer: through the relay, logging in with an OAuth2 token
# (this relay no longer accepts plain passwords). `bulletin login` stores the token, or
# `secret_command` names the program that prints one.
smtp:
  host: {host}
  port: 587
  security: starttls
  auth: xoauth2
  username: {username}
  # At most this many messages a minute; 30 suits this relay.
  rate_per_minute: 30
  # secret_command: [az, account, get-access-token, --query, accessToken, -o, tsv]
"
        )
    };
    match relay {
        Relay::NhsMail => token("send.nhs.net"),
        Relay::Microsoft365 => token("smtp.office365.com"),
        Relay::Other { host, port } => format!(
            "# How messages leave this computer: through the relay, with a username and password
# (`bulletin login` stores the password).
smtp:
  host: {host}
  port: {port}
  # starttls (port 587, the usual), tls (port 465), or none (only a relay on this computer).
  security: {security}
  auth: password
  username: {username}
  # At most this many messages a minute. Ask IT for the relay's limit.
  rate_per_minute: 30
",
            host = yaml_text(host),
            security = match port {
                465 => "tls",
                25 if recipients::is_loopback_host(host) => "none",
                _ => "starttls",
            },
        ),
        Relay::Sendmail => {
            "# How messages leave this computer: handed to its own mail system (sendmail), which
# queues them and tries again by itself.
transport: sendmail
"
            .to_string()
        }
    }
}

const GITIGNORE_TEXT: &str =
    "# Written by `bulletin init`: personal data stays on this computer, out of any repository.
# The mailing lists, and the spreadsheets of people they are read from.
recipients.yaml
*.xlsx
*.xls
*.ods
*.csv
# Who unsubscribed or bounced (`bulletin inbox`).
suppressions.yaml
# Who each issue was sent to (`bulletin send`), and the lock of a send under way.
*.journal
*.journal.lock
# The office's secret for Message-IDs, by which replies and bounces are told from forgeries.
message-ids.key
# Rendered messages, drafts and unfinished writes.
/out/
drafts/
*.tmp-*
";

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            name: "Example LMC".into(),
            from: "bulletin@example.org".into(),
            reply_to: None,
            colour: DEFAULT_COLOUR.into(),
            relay: Relay::NhsMail,
            logo: None,
            date: Date::parse("2021-10-20").unwrap(),
        }
    }

    #[test]
    fn every_relay_gives_files_that_check_accepts() {
        for relay in [
            Relay::NhsMail,
            Relay::Microsoft365,
            Relay::Other {
                host: "smtp.example.org".into(),
                port: 465,
            },
            Relay::Sendmail,
        ] {
            let s = Settings {
                relay,
                ..settings()
            };
            let files = s.files().unwrap();
            let names: Vec<_> = files.iter().map(|(p, _)| p.display().to_string()).collect();
            assert_eq!(
                names,
                [
                    "bulletins/publisher.yaml",
                    "recipients.yaml",
                    "bulletins/2021-10-20.yaml",
                    ".gitignore",
                    "schemas/bulletin.schema.json",
                    "schemas/publisher.schema.json",
                    "schemas/recipients.schema.json"
                ]
            );
        }
    }

    #[test]
    fn an_answer_check_would_refuse_is_refused_before_anything_is_written() {
        let light = Settings {
            colour: "#FFFF00".into(),
            ..settings()
        };
        let e = light.files().unwrap_err();
        assert!(e.to_string().contains("too light to read on white"), "{e}");
        let bad = Settings {
            from: "bulletin".into(),
            ..settings()
        };
        assert!(matches!(bad.files(), Err(Error::From(_))));
    }

    #[test]
    fn an_office_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("recipients.yaml"), "mine").unwrap();
        let e = write(dir.path(), &settings().files().unwrap()).unwrap_err();
        assert!(matches!(e, Error::Exists { .. }));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("recipients.yaml")).unwrap(),
            "mine"
        );
        assert!(!dir.path().join("bulletins").exists());
    }
}
