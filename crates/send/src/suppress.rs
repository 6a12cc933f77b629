//! The suppressions file, `suppressions.yaml` beside the recipients file: the addresses that
//! `bulletin inbox` found should no longer be sent the bulletin (hard bounces, unsubscribe
//! requests, complaints, repeated soft bounces), each with when, why and the evidence, and the
//! soft bounces still under the threshold. `send` skips every address in it, as it skips the
//! hand-written `suppress:` list; `recipients.yaml` itself is never rewritten.
//!
//! A person can lift a suppression with `bulletin unsuppress ADDRESS` or by deleting its entry
//! in an editor. The file is written atomically, in YAML whose strings are all double-quoted
//! (JSON string syntax, which YAML reads as it is), so any text a remote server sent is safe.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::input::yaml::{self, Node, Value};

/// The file's name, beside the recipients file.
pub const FILE: &str = "suppressions.yaml";

/// One suppressed address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// Lower case.
    pub address: String,
    /// The day it was suppressed (UTC), `2026-11-24`.
    pub since: String,
    /// `hard bounce`, `unsubscribe request`, `complaint`, `3 soft bounces in 30 days`.
    pub why: String,
    pub evidence: Evidence,
}

/// What a suppression or a soft bounce rests on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The Message-ID of the bounce, request or report.
    pub message_id: String,
    /// The delivery status code (`5.1.1`), for bounces.
    pub status: String,
    /// The remote server's words, or the request's subject.
    pub text: String,
    /// The Message-ID of our message it answers, when known.
    pub original: String,
    /// The issue that message was (`2021-10-20`), read from its Message-ID.
    pub issue: String,
}

/// A soft bounce that has not (yet) led to a suppression.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SoftBounce {
    pub address: String,
    pub date: String,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suppressions {
    pub suppressed: Vec<Entry>,
    pub soft_bounces: Vec<SoftBounce>,
    /// Requests and reports that showed no proof of coming from what the office sent: waiting
    /// for a person to confirm them (`bulletin inbox --confirm ADDRESS`). `send` ignores them.
    pub to_confirm: Vec<Entry>,
    /// Every message `inbox` has read: its Message-ID, or `sha256:` and the hash of its bytes
    /// when it has none ([`message_key`]), so that no message is counted twice.
    pub read: Vec<String>,
}

/// What [`Suppressions::read`] remembers a message by: its Message-ID (`<...>`), or when it has
/// none the SHA-256 of its bytes.
pub fn message_key(message_id: &str, raw: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    if !message_id.trim().is_empty() {
        return message_id.trim().to_string();
    }
    let digest = Sha256::digest(raw);
    let hex = crate::identity::hex(&digest);
    format!("sha256:{hex}")
}

/// Where the suppressions file is for a recipients file.
pub fn path_for(recipients: &Path) -> PathBuf {
    recipients.parent().unwrap_or(Path::new("")).join(FILE)
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error(
        "{}, line {line}: {what}. Correct it in an editor (each entry needs `address:`; text goes between double quotes, a character the file cannot hold written as \\u followed by its 4 hex digits, e.g. \\u0085). Do not delete the file: it lists everyone who must not be sent the bulletin",
        path.display()
    )]
    Malformed {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error("cannot write {}: {reason}. Nothing was changed", path.display())]
    Write { path: PathBuf, reason: String },
}

impl Suppressions {
    /// Reads the file; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<Suppressions, Error> {
        if !path.exists() {
            return Ok(Suppressions::default());
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        // A character the YAML reader refuses ([`crate::input::limits::forbidden`]): say which
        // and how to write it, rather than the reader's general advice.
        for (i, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some(c) = line.chars().find(|c| crate::input::limits::forbidden(*c)) {
                return Err(Error::Malformed {
                    path: path.to_path_buf(),
                    line: i + 1,
                    what: format!(
                        "it holds the character U+{0:04X} written raw; write it as \\u{0:04X} between the double quotes, or delete it",
                        u32::from(c)
                    ),
                });
            }
        }
        let root = yaml::parse(path, &text).map_err(|d| Error::Malformed {
            path: path.to_path_buf(),
            line: d.0.first().map_or(1, |d| d.pos.line),
            what: d
                .0
                .first()
                .map_or("it is not valid YAML".into(), |d| d.message.clone()),
        })?;
        let bad = |node: &Node, what: &str| Error::Malformed {
            path: path.to_path_buf(),
            line: node.pos.line,
            what: what.to_string(),
        };
        let mut out = Suppressions::default();
        if root.is_null() {
            return Ok(out);
        }
        let Value::Map(top) = &root.value else {
            return Err(bad(&root, "expected `suppressed:` and `soft_bounces:`"));
        };
        for (k, v) in top {
            let items: &[Node] = match &v.value {
                Value::Seq(items) => items,
                _ if v.is_null() => &[],
                _ => return Err(bad(v, "expected a list of entries")),
            };
            if k.as_str() == Some("read") {
                for item in items {
                    match item.as_str() {
                        Some(id) => out.read.push(id.to_string()),
                        None => return Err(bad(item, "expected a Message-ID in double quotes")),
                    }
                }
                continue;
            }
            for item in items {
                let get = |name: &str| -> String {
                    match &item.value {
                        Value::Map(m) => m
                            .iter()
                            .find(|(k, _)| k.as_str() == Some(name))
                            .and_then(|(_, v)| v.as_str())
                            .unwrap_or("")
                            .to_string(),
                        _ => String::new(),
                    }
                };
                let evidence = match &item.value {
                    Value::Map(m) => m
                        .iter()
                        .find(|(k, _)| k.as_str() == Some("evidence"))
                        .map(|(_, v)| evidence_from(v))
                        .unwrap_or_default(),
                    _ => Evidence::default(),
                };
                let address = get("address").trim().to_lowercase();
                if address.is_empty() {
                    return Err(bad(item, "an entry has no `address:`"));
                }
                match k.as_str() {
                    Some("suppressed") => out.suppressed.push(Entry {
                        address,
                        since: get("since"),
                        why: get("why"),
                        evidence,
                    }),
                    Some("soft_bounces") => out.soft_bounces.push(SoftBounce {
                        address,
                        date: get("date"),
                        evidence,
                    }),
                    Some("to_confirm") => out.to_confirm.push(Entry {
                        address,
                        since: get("since"),
                        why: get("why"),
                        evidence,
                    }),
                    _ => {
                        return Err(bad(
                            k,
                            "expected `suppressed:`, `soft_bounces:` or `to_confirm:`",
                        ));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether `address` (lower case) is suppressed.
    pub fn contains(&self, address: &str) -> bool {
        self.suppressed.iter().any(|e| e.address == address)
    }

    /// Suppresses `address` (lower case) on the entries waiting for confirmation, as of `today`;
    /// how many there were (0: nothing to confirm, nothing changed).
    pub fn confirm(&mut self, address: &str, today: Date) -> usize {
        let (mine, rest): (Vec<Entry>, Vec<Entry>) = std::mem::take(&mut self.to_confirm)
            .into_iter()
            .partition(|e| e.address == address);
        self.to_confirm = rest;
        let n = mine.len();
        if let Some(first) = mine.into_iter().next()
            && !self.contains(address)
        {
            self.suppressed.push(Entry {
                since: today.to_string(),
                why: format!("{} (confirmed by hand)", first.why),
                ..first
            });
        }
        n
    }

    /// Drops what waits for confirmation from `address` (lower case) without suppressing it: the
    /// request or report was not genuine. How many entries there were (0: nothing changed).
    pub fn dismiss(&mut self, address: &str) -> usize {
        let before = self.to_confirm.len();
        self.to_confirm.retain(|e| e.address != address);
        before - self.to_confirm.len()
    }

    /// Soft bounces for `address` within `days` days before `today`, this one included.
    pub fn recent_soft_bounces(&self, address: &str, today: Date, days: u32) -> usize {
        let from = today.days_since_epoch() - i64::from(days);
        self.soft_bounces
            .iter()
            .filter(|s| s.address == address)
            .filter(|s| Date::parse(&s.date).is_ok_and(|d| d.days_since_epoch() > from))
            .count()
    }

    /// Removes `address` (lower case) from the suppressed, its soft bounces and what waits for
    /// confirmation; whether it was suppressed or waiting.
    pub fn lift(&mut self, address: &str) -> bool {
        let before = self.suppressed.len() + self.to_confirm.len();
        self.suppressed.retain(|e| e.address != address);
        self.soft_bounces.retain(|s| s.address != address);
        self.to_confirm.retain(|s| s.address != address);
        self.suppressed.len() + self.to_confirm.len() != before
    }

    /// The file's text.
    pub(crate) fn to_yaml(&self) -> String {
        let q = quote;
        let ev = |out: &mut String, e: &Evidence| {
            out.push_str("    evidence:\n");
            for (k, v) in [
                ("message_id", &e.message_id),
                ("status", &e.status),
                ("text", &e.text),
                ("original", &e.original),
                ("issue", &e.issue),
            ] {
                if !v.is_empty() {
                    out.push_str(&format!("      {k}: {}\n", q(v)));
                }
            }
        };
        let mut out = String::from(
            "# Addresses that `bulletin send` skips, written by `bulletin inbox` (see docs/inbox.md).\n\
             # To send to someone again, run `bulletin unsuppress ADDRESS`, or delete their entry here.\n\
             # This file is personal data: keep it beside recipients.yaml and out of git.\n",
        );
        out.push_str("suppressed:\n");
        for e in &self.suppressed {
            out.push_str(&format!("  - address: {}\n", q(&e.address)));
            out.push_str(&format!("    since: {}\n", q(&e.since)));
            out.push_str(&format!("    why: {}\n", q(&e.why)));
            ev(&mut out, &e.evidence);
        }
        out.push_str("# Soft (temporary) bounces not yet over the threshold.\nsoft_bounces:\n");
        for s in &self.soft_bounces {
            out.push_str(&format!("  - address: {}\n", q(&s.address)));
            out.push_str(&format!("    date: {}\n", q(&s.date)));
            ev(&mut out, &s.evidence);
        }
        out.push_str(
            "# Not applied: nothing showed these came from a message the office sent (docs/inbox.md).\n\
             # `bulletin inbox --confirm ADDRESS` suppresses the address; `bulletin unsuppress ADDRESS` drops it.\n\
             to_confirm:\n",
        );
        for e in &self.to_confirm {
            out.push_str(&format!("  - address: {}\n", q(&e.address)));
            out.push_str(&format!("    since: {}\n", q(&e.since)));
            out.push_str(&format!("    why: {}\n", q(&e.why)));
            ev(&mut out, &e.evidence);
        }
        out.push_str(
            "# Every message read (its Message-ID, or a hash of it), so that none is counted twice.\nread:\n",
        );
        for r in &self.read {
            out.push_str(&format!("  - {}\n", q(r)));
        }
        out
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        crate::files::write_atomic(path, self.to_yaml().as_bytes()).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }
}

/// Whether the file writes `c` as an escape: every character its reader refuses raw
/// ([`crate::input::limits::forbidden`]), and every other invisible one
/// ([`crate::diagnostic::is_invisible`]: tabs, bidirectional overrides, ...), so that what a
/// remote server sent can neither stop the file being read nor hide in it.
pub fn escaped(c: char) -> bool {
    crate::input::limits::forbidden(c) || crate::diagnostic::is_invisible(c)
}

/// `s` as a YAML double-quoted string, which the file's reader gives back exactly: `"` and `\`
/// escaped, and each character [`escaped`] says as `\uXXXX` (`\UXXXXXXXX` above U+FFFF).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if escaped(c) && u32::from(c) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c if escaped(c) => out.push_str(&format!("\\U{:08X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Adds the addresses of the suppressions file beside `recipients` to its `suppress` list.
pub fn add_to(recipients: &mut crate::input::recipients::Recipients) -> Result<(), Error> {
    let store = Suppressions::load(&path_for(&recipients.path))?;
    recipients
        .suppress
        .extend(store.suppressed.into_iter().map(|e| e.address));
    Ok(())
}

fn evidence_from(node: &Node) -> Evidence {
    let get = |name: &str| match &node.value {
        Value::Map(m) => m
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    Evidence {
        message_id: get("message_id"),
        status: get("status"),
        text: get("text"),
        original: get("original"),
        issue: get("issue"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every control character (C0, DEL, C1 with U+0085 and U+009B), every Unicode separator
    /// (U+2028, U+2029 and each space separator), the bidirectional controls and the other
    /// invisible ones, alone and together, are written so that the file reads back exactly.
    #[test]
    fn every_control_and_separator_character_reads_back() {
        let mut chars: Vec<char> = (0u32..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| escaped(*c))
            .collect();
        chars.extend([
            '\u{a0}', '\u{1680}', '\u{2000}', '\u{200a}', '\u{202f}', '\u{205f}',
        ]);
        chars.push('\u{3000}');
        for c in [
            '\u{85}', '\u{9b}', '\u{2028}', '\u{2029}', '\u{202e}', '\u{2066}', '\0', '\u{7f}',
        ] {
            assert!(escaped(c), "{c:?}");
        }
        // The writer escapes everything the reader refuses.
        for c in (0u32..=0x10FFFF).filter_map(char::from_u32) {
            assert!(!crate::input::limits::forbidden(c) || escaped(c), "{c:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut texts: Vec<String> = chars.iter().map(|c| format!("a{c}b")).collect();
        texts.push(chars.iter().collect());
        let mut s = Suppressions::default();
        for (i, t) in texts.iter().enumerate() {
            s.suppressed.push(Entry {
                address: format!("m{i}@example.org"),
                since: "2026-11-24".into(),
                why: t.clone(),
                evidence: Evidence {
                    text: t.clone(),
                    ..Evidence::default()
                },
            });
        }
        s.save(&path).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(!written.chars().any(|c| c != '\n' && escaped(c)));
        assert_eq!(Suppressions::load(&path).unwrap(), s);
    }

    #[test]
    fn a_raw_control_character_names_its_line_and_its_escape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(
            &path,
            "suppressed:\n  - address: \"a@example.org\"\n    why: \"x\u{85}\"\n",
        )
        .unwrap();
        let e = Suppressions::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("line 3: it holds the character U+0085 written raw; write it as \\u0085"),
            "{e}"
        );
        assert!(e.contains("Do not delete the file"), "{e}");
        assert!(!e.contains("remove the file"), "{e}");
    }

    #[test]
    fn round_trips_awkward_text_and_counts_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut s = Suppressions::default();
        s.suppressed.push(Entry {
            address: "a@example.org".into(),
            since: "2026-11-24".into(),
            why: "hard bounce".into(),
            evidence: Evidence {
                message_id: "<x@y>".into(),
                status: "5.1.1".into(),
                text: "550 \"no\": #such: user\n- yes".into(),
                original: String::new(),
                issue: "2021-10-20".into(),
            },
        });
        for d in ["2026-10-01", "2026-11-01", "2026-11-20"] {
            s.soft_bounces.push(SoftBounce {
                address: "b@example.org".into(),
                date: d.into(),
                evidence: Evidence::default(),
            });
        }
        s.save(&path).unwrap();
        let back = Suppressions::load(&path).unwrap();
        assert_eq!(back, s);
        let today = Date::parse("2026-11-24").unwrap();
        assert_eq!(back.recent_soft_bounces("b@example.org", today, 30), 2);
    }
}
