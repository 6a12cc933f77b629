//! Which issue a bulletin is: the one answer that the send journal, the Message-IDs and the
//! archive folder all ask for ([`of`], or [`name`] where only the name is needed), so the three
//! can never disagree.
//!
//! An identity has two parts:
//!
//! - its **name**, from the bulletin alone: the date (`2021-10-20`), or the date and the issue
//!   number when the bulletin has one (`2021-10-20-113`). It names the issue's archive folder, ends
//!   the email's "view in your browser" link, and starts every Message-ID. A correction sent with
//!   `send --correction` is sent as the name plus `-correction-1`, `-correction-2`, …
//!   ([`Identity::sent_as`]); its archive folder and web link stay those of the issue.
//! - its **fingerprint**: SHA-256 of everything in the bulletin that readers see (title, date,
//!   issue number, summary, the Chief Executive's message, every section's heading, label, date,
//!   words, links and note), in the fixed encoding below, shortened to 16 hex digits. It is taken
//!   from the validated model, so YAML comments, quoting and layout never change it (nor does
//!   publisher.yaml, nor a new version of `bulletin` that lays the email out differently).
//!
//! Fingerprints are written into journals, so the encoding must give the same answer for the same
//! bulletin in every later version: a new optional field must add nothing when it is absent.

use sha2::{Digest, Sha256};

use crate::markdown::{Block, Inline, Markdown};
use crate::model::{Bulletin, KeyDate, Link, Message, Section};

/// Which issue a bulletin is, and which version of its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    name: String,
    fingerprint: String,
    correction: Option<u32>,
}

/// The issue's name: `2021-10-20`, or `2021-10-20-113` with `issue: 113`.
pub fn name(b: &Bulletin) -> String {
    match b.issue {
        Some(n) => format!("{}-{n}", b.date),
        None => b.date.to_string(),
    }
}

/// The identity of a bulletin as written (not a correction).
pub fn of(b: &Bulletin) -> Identity {
    Identity {
        name: name(b),
        fingerprint: fingerprint(b),
        correction: None,
    }
}

impl Identity {
    /// The issue's name: its archive folder and the end of its web address.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// 16 hex digits that change whenever what readers see changes.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Which correction this is (1, 2, …), if it is one.
    pub fn correction(&self) -> Option<u32> {
        self.correction
    }

    /// The same content sent as correction number `n`.
    pub fn as_correction(&self, n: u32) -> Identity {
        Identity {
            correction: Some(n),
            ..self.clone()
        }
    }

    /// The name it is sent as: recorded in its journal and at the start of its Message-IDs.
    /// `2021-10-20`, or `2021-10-20-correction-1` for a correction.
    pub fn sent_as(&self) -> String {
        match self.correction {
            Some(n) => format!("{}-correction-{n}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Feeds the model to SHA-256 as tagged, length-prefixed fields, so that no two different
/// bulletins can give the same stream of bytes.
struct Encoder {
    hash: Sha256,
    /// Adjacent text runs, joined before they are hashed: how the Markdown parser happens to
    /// split a paragraph into pieces must not matter.
    text: String,
}

impl Encoder {
    fn field(&mut self, tag: &str, value: &str) {
        self.flush_text();
        self.raw(tag, value);
    }

    fn raw(&mut self, tag: &str, value: &str) {
        self.hash.update(tag.as_bytes());
        self.hash.update([0]);
        self.hash.update((value.len() as u64).to_le_bytes());
        self.hash.update(value.as_bytes());
    }

    fn mark(&mut self, tag: &str) {
        self.field(tag, "");
    }

    fn optional(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.field(tag, v);
        }
    }

    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.raw("text", &text);
        }
    }

    fn markdown(&mut self, md: &Markdown) {
        self.mark("markdown");
        self.blocks(&md.blocks);
        self.mark("/markdown");
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for b in blocks {
            match b {
                Block::Para(inlines) => {
                    self.mark("p");
                    self.inlines(inlines);
                    self.mark("/p");
                }
                Block::Heading(inlines) => {
                    self.mark("h");
                    self.inlines(inlines);
                    self.mark("/h");
                }
                Block::List { start, items } => {
                    match start {
                        Some(n) => self.field("ol", &n.to_string()),
                        None => self.mark("ul"),
                    }
                    for item in items {
                        self.mark("li");
                        self.blocks(item);
                        self.mark("/li");
                    }
                    self.mark("/list");
                }
                Block::Quote(inner) => {
                    self.mark("quote");
                    self.blocks(inner);
                    self.mark("/quote");
                }
                Block::Code(code) => self.field("code", code),
                Block::Rule => self.mark("hr"),
            }
        }
    }

    fn inlines(&mut self, inlines: &[Inline]) {
        for i in inlines {
            match i {
                Inline::Text(t) => self.text.push_str(t),
                Inline::Code(c) => self.field("c", c),
                Inline::Em(inner) => {
                    self.mark("em");
                    self.inlines(inner);
                    self.mark("/em");
                }
                Inline::Strong(inner) => {
                    self.mark("strong");
                    self.inlines(inner);
                    self.mark("/strong");
                }
                Inline::Link { url, content } => {
                    self.field("a", url);
                    self.inlines(content);
                    self.mark("/a");
                }
                Inline::Break => self.mark("br"),
            }
        }
        self.flush_text();
    }
}

/// The fingerprint of what readers see. Every field of the model is named here (the patterns
/// are exhaustive), so a new field cannot be added without deciding whether readers see it.
fn fingerprint(b: &Bulletin) -> String {
    let Bulletin {
        title,
        date,
        issue,
        summary,
        message,
        sections,
        all_links: _, // the same links again, gathered for the lints
        key_dates,
    } = b;
    let mut e = Encoder {
        hash: Sha256::new(),
        text: String::new(),
    };
    e.field("title", title);
    e.field("date", &date.to_string());
    e.optional("issue", issue.map(|n| n.to_string()).as_deref());
    e.optional("summary", summary.as_deref());
    if let Some(Message {
        title,
        author,
        role,
        body,
        after,
    }) = message
    {
        e.mark("message");
        e.field("title", title);
        e.field("author", author);
        e.optional("role", role.as_deref());
        // Where it is shown; left out in the default place, so that the fingerprints of
        // bulletins written before the message could move stay as they were.
        if *after > 0 {
            e.field("after", &after.to_string());
        }
        e.markdown(body);
        e.mark("/message");
    }
    for Section {
        title,
        pos: _,
        anchor: _, // follows from the order
        label,
        date,
        date_pos: _,
        body,
        links,
        note,
        dates,
        continued_from,
    } in sections
    {
        e.mark("section");
        e.field("title", title);
        e.optional("label", label.as_deref());
        e.optional("date", date.map(|d| d.to_string()).as_deref());
        e.markdown(body);
        for Link { text, url, pos: _ } in links {
            e.field("link", url);
            e.field("link-text", text);
        }
        e.optional("note", note.as_deref());
        // Left out when absent, so that bulletins written before dates existed keep their
        // fingerprints (journals hold them).
        for KeyDate {
            what,
            date,
            time,
            end,
            place,
            kind,
            pos: _,
        } in dates
        {
            e.mark("key-date");
            e.field("what", what);
            e.field("date", &date.to_string());
            e.optional("time", time.map(|t| t.to_string()).as_deref());
            e.optional("end", end.map(|t| t.to_string()).as_deref());
            e.optional("where", place.as_deref());
            e.field("kind", kind.as_str());
            e.mark("/key-date");
        }
        e.optional(
            "continued-from",
            continued_from.map(|d| d.to_string()).as_deref(),
        );
        e.mark("/section");
    }
    if !key_dates {
        e.mark("no-key-dates");
    }
    let digest = e.hash.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    fn bulletin(issue: Option<u32>) -> Bulletin {
        Bulletin {
            title: "Title".into(),
            date: Date::parse("2021-10-20").unwrap(),
            issue,
            summary: None,
            message: None,
            sections: Vec::new(),
            all_links: Vec::new(),
            key_dates: true,
        }
    }

    #[test]
    fn the_name_is_the_date_and_the_issue_number() {
        assert_eq!(of(&bulletin(None)).name(), "2021-10-20");
        assert_eq!(of(&bulletin(Some(113))).name(), "2021-10-20-113");
        assert_eq!(
            of(&bulletin(None)).as_correction(2).sent_as(),
            "2021-10-20-correction-2"
        );
    }

    #[test]
    fn the_fingerprint_follows_the_content_and_is_stable() {
        let a = of(&bulletin(None));
        assert_eq!(a.fingerprint().len(), 16);
        // Pinned: a fingerprint is persisted in journals, so it must not change between versions.
        assert_eq!(a.fingerprint(), "2c74f586b223edb5");
        let mut b = bulletin(None);
        b.title = "Title!".into();
        assert_ne!(of(&b).fingerprint(), a.fingerprint());
        assert_ne!(of(&bulletin(Some(1))).fingerprint(), a.fingerprint());
    }

    #[test]
    fn how_text_is_split_does_not_matter() {
        let mut e1 = Encoder {
            hash: Sha256::new(),
            text: String::new(),
        };
        e1.inlines(&[Inline::Text("ab".into())]);
        let mut e2 = Encoder {
            hash: Sha256::new(),
            text: String::new(),
        };
        e2.inlines(&[Inline::Text("a".into()), Inline::Text("b".into())]);
        assert_eq!(e1.hash.finalize(), e2.hash.finalize());
    }
}
