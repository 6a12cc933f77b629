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
//!
//! [`parts`] gives each part (the title, the date, the message, each section, ...) a fingerprint
//! of its own in the same encoding: an approval keeps them ([`crate::approval`]), so that `send`
//! can say which part changed since; they too must stay the same from one version to the next.

use std::path::{Path, PathBuf};

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
    fn new() -> Encoder {
        Encoder {
            hash: Sha256::new(),
            text: String::new(),
        }
    }

    /// The first 8 bytes of the digest, in hex: 16 digits.
    fn finish(mut self) -> String {
        self.flush_text();
        hex(&self.hash.finalize()[..8])
    }

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

    /// The Chief Executive's message.
    fn message(&mut self, m: &Message) {
        let Message {
            title,
            author,
            role,
            body,
            after,
        } = m;
        self.mark("message");
        self.field("title", title);
        self.field("author", author);
        self.optional("role", role.as_deref());
        // Where it is shown; left out in the default place, so that the fingerprints of
        // bulletins written before the message could move stay as they were.
        if *after > 0 {
            self.field("after", &after.to_string());
        }
        self.markdown(body);
        self.mark("/message");
    }

    /// One section: its heading, label, date, words, links, note and key dates.
    fn section(&mut self, s: &Section) {
        let Section {
            title,
            pos: _,
            anchor: _, // follows from the order
            place: _,  // so does this
            label,
            date,
            date_pos: _,
            body,
            links,
            note,
            dates,
            continued_from,
            audience,
            audience_where,
            audience_pos: _,
        } = s;
        self.mark("section");
        self.field("title", title);
        self.optional("label", label.as_deref());
        self.optional("date", date.map(|d| d.to_string()).as_deref());
        self.markdown(body);
        for Link {
            text,
            url,
            pos: _,
            pdf_said_after: _,
        } in links
        {
            self.field("link", url);
            self.field("link-text", text);
        }
        self.optional("note", note.as_deref());
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
            self.mark("key-date");
            self.field("what", what);
            self.field("date", &date.to_string());
            self.optional("time", time.map(|t| t.to_string()).as_deref());
            self.optional("end", end.map(|t| t.to_string()).as_deref());
            self.optional("where", place.as_deref());
            self.field("kind", kind.as_str());
            self.mark("/key-date");
        }
        self.optional(
            "continued-from",
            continued_from.map(|d| d.to_string()).as_deref(),
        );
        // Left out for a section for everyone, so that fingerprints stay as they were.
        for list in audience {
            self.field("for", list);
        }
        for c in audience_where {
            self.field("for-where", &c.column);
            for v in &c.values {
                self.field("for-value", v);
            }
        }
        self.mark("/section");
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
    let mut e = Encoder::new();
    e.field("title", title);
    e.field("date", &date.to_string());
    e.optional("issue", issue.map(|n| n.to_string()).as_deref());
    e.optional("summary", summary.as_deref());
    if let Some(m) = message {
        e.message(m);
    }
    for section in sections {
        e.section(section);
    }
    if !key_dates {
        e.mark("no-key-dates");
    }
    e.finish()
}

/// What a part of a bulletin is, as the office names it in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    Title,
    Date,
    Issue,
    Summary,
    Message,
    Section,
    /// Whether the key dates are listed (`key_dates: false` turns them off).
    KeyDates,
}

impl PartKind {
    /// The word an approval file writes for it.
    pub fn key(self) -> &'static str {
        match self {
            PartKind::Title => "title",
            PartKind::Date => "date",
            PartKind::Issue => "issue",
            PartKind::Summary => "summary",
            PartKind::Message => "message",
            PartKind::Section => "section",
            PartKind::KeyDates => "key-dates",
        }
    }

    pub fn from_key(key: &str) -> Option<PartKind> {
        [
            PartKind::Title,
            PartKind::Date,
            PartKind::Issue,
            PartKind::Summary,
            PartKind::Message,
            PartKind::Section,
            PartKind::KeyDates,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// One part of what readers see, with a fingerprint of its own (the same encoding as the
/// whole, [`Identity::fingerprint`]): an approval keeps these, so that `send` can say which
/// parts changed since ([`crate::approval`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub kind: PartKind,
    /// The section's or the message's title; empty for the other parts.
    pub title: String,
    pub fingerprint: String,
}

/// The parts of a bulletin, in order: title, date, issue number and summary (those it has), the
/// message, each section, and whether key dates are listed.
pub fn parts(b: &Bulletin) -> Vec<Part> {
    let one = |kind: PartKind, title: &str, encode: &dyn Fn(&mut Encoder)| {
        let mut e = Encoder::new();
        encode(&mut e);
        Part {
            kind,
            title: title.to_string(),
            fingerprint: e.finish(),
        }
    };
    let mut parts = vec![
        one(PartKind::Title, "", &|e| e.field("title", &b.title)),
        one(PartKind::Date, "", &|e| {
            e.field("date", &b.date.to_string())
        }),
    ];
    if let Some(n) = b.issue {
        parts.push(one(PartKind::Issue, "", &|e| {
            e.field("issue", &n.to_string())
        }));
    }
    if let Some(summary) = &b.summary {
        parts.push(one(PartKind::Summary, "", &|e| e.field("summary", summary)));
    }
    if let Some(m) = &b.message {
        parts.push(one(PartKind::Message, &m.title, &|e| e.message(m)));
    }
    for section in &b.sections {
        parts.push(one(PartKind::Section, &section.title, &|e| {
            e.section(section)
        }));
    }
    let listed = if b.key_dates { "listed" } else { "not listed" };
    parts.push(one(PartKind::KeyDates, "", &|e| {
        e.field("key-dates", listed)
    }));
    parts
}

/// `bytes` as lowercase hexadecimal digits, two a byte: how fingerprints, keys and tokens are
/// written everywhere.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The tag of one audience's version of an issue ([`crate::audience`]): 16 hex digits from the
/// issue's fingerprint and which of its sections (by their place, from 0) the version holds.
/// The journal records it beside each delivery to a person who got a version other than the
/// whole bulletin, so it says which version each person was sent.
pub fn version_tag(id: &Identity, sections: &[usize]) -> String {
    let mut h = Sha256::new();
    h.update(id.fingerprint().as_bytes());
    for s in sections {
        h.update((*s as u64).to_le_bytes());
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The office's secret for Message-IDs, `message-ids.key` in the bulletins folder (beside the
/// journals): 32 random bytes, made by the first `send` and never printed, committed or sent.
/// Each Message-ID's last part is keyed with it ([`Key::tag`]), so nobody who knows an issue's
/// date and a member's address can make up the Message-ID that member was sent: a bounce or
/// complaint that quotes one shows it saw the real message (`bulletin inbox` checks it against
/// the journals, [`crate::inbox::Evidence`]).
#[derive(Clone)]
pub struct Key([u8; 32]);

/// The key file's name, in the bulletins folder.
pub(crate) const KEY_FILE: &str = "message-ids.key";

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// Why the office's Message-ID key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is damaged (it should hold 64 hex digits)", path.display())]
    Damaged { path: PathBuf },
    #[error("the system gave no random bytes for the Message-ID key")]
    NoRandom,
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl KeyError {
    /// What to do, where something can be done.
    pub fn help(&self) -> Option<String> {
        match self {
            KeyError::Damaged { .. } => Some(
                "restore it from a backup; without it `bulletin inbox` cannot recognise replies to the issues already sent"
                    .into(),
            ),
            _ => None,
        }
    }
}

impl Key {
    /// Where the key is for bulletins in `folder`.
    pub fn path(folder: &Path) -> PathBuf {
        folder.join(KEY_FILE)
    }

    /// The key in `folder`, if there is one.
    pub fn load(folder: &Path) -> Result<Option<Key>, KeyError> {
        let path = Key::path(folder);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeyError::Read { path, source }),
        };
        let hex = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let mut key = [0u8; 32];
        let ok = hex.len() == 64
            && key.iter_mut().enumerate().all(|(i, b)| {
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                    .map(|v| *b = v)
                    .is_ok()
            });
        if !ok {
            return Err(KeyError::Damaged { path });
        }
        Ok(Some(Key(key)))
    }

    /// The key in `folder`, made (32 random bytes, readable only by its owner) if there is none.
    pub fn load_or_create(folder: &Path) -> Result<Key, KeyError> {
        if let Some(k) = Key::load(folder)? {
            return Ok(k);
        }
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).map_err(|_| KeyError::NoRandom)?;
        let hex = hex(&key);
        let path = Key::path(folder);
        let text = format!(
            "# The office's secret for Message-IDs (docs/inbox.md), made by `bulletin send`.\n# Keep it: without it `bulletin inbox` cannot tell replies to the issues sent. Never share it.\n{hex}\n"
        );
        crate::files::write_atomic(&path, text.as_bytes()).map_err(|source| KeyError::Write {
            path: path.clone(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(Key(key))
    }

    /// HMAC-SHA256 (RFC 2104) of `address` under the key, its first 8 bytes. Of the address
    /// alone, as the unkeyed hash was: a person's Message-IDs for an issue and its correction
    /// share it, so a resend is recognisable.
    pub fn tag(&self, address: &str) -> u64 {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let pad = |x: u8| block.map(|b| b ^ x);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(address.as_bytes())
            .finalize();
        let outer = Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize();
        u64::from_be_bytes(outer[..8].try_into().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_is_made_once_and_tags_differ_by_address_and_key() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Key::load(dir.path()).unwrap().is_none());
        let k = Key::load_or_create(dir.path()).unwrap();
        let again = Key::load_or_create(dir.path()).unwrap();
        assert_eq!(k.0, again.0);
        assert_ne!(k.tag("a@example.org"), k.tag("b@example.org"));
        let other = tempfile::tempdir().unwrap();
        let k2 = Key::load_or_create(other.path()).unwrap();
        assert_ne!(k.tag("a@example.org"), k2.tag("a@example.org"));
        // HMAC-SHA256 with a key of 32 bytes 0x0b over "Hi There" (as RFC 4231 case 1, whose key
        // is 20 bytes: zero-padded to the block either way, so the same digest).
        let mut key = [0u8; 32];
        key[..20].copy_from_slice(&[0x0b; 20]);
        assert_eq!(Key(key).tag("Hi There"), 0xb0344c61d8db3853);
    }

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
    fn each_part_has_a_fingerprint_of_its_own_and_they_are_stable() {
        let a = parts(&bulletin(None));
        let kinds: Vec<PartKind> = a.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [PartKind::Title, PartKind::Date, PartKind::KeyDates]);
        // Pinned: approvals keep them, so they must not change between versions.
        assert_eq!(a[0].fingerprint, "137f89ce8d27c9b3");
        let mut b = bulletin(Some(7));
        b.title = "Title!".into();
        let changed = parts(&b);
        assert_ne!(changed[0].fingerprint, a[0].fingerprint);
        assert_eq!(changed[1], a[1], "the date did not change");
        assert_eq!(changed[2].kind, PartKind::Issue);
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
