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
        "{}, line {line}: {what}. Correct it in an editor (each entry needs `address:`), or remove the file to start again",
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

    /// Whether a message with this Message-ID was already counted (a rerun over the same files).
    pub fn seen(&self, message_id: &str) -> bool {
        !message_id.is_empty()
            && (self
                .suppressed
                .iter()
                .any(|e| e.evidence.message_id == message_id)
                || self
                    .soft_bounces
                    .iter()
                    .any(|s| s.evidence.message_id == message_id)
                || self
                    .to_confirm
                    .iter()
                    .any(|e| e.evidence.message_id == message_id))
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
    pub fn to_yaml(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
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
        assert!(back.seen("<x@y>"));
    }
}
