//! The MIME message: `multipart/alternative` (text first, HTML last) with the bulk-mail headers.
//!
//! The body is encoded once per bulletin ([`Template::new`]); each recipient's message is that
//! body with the few headers that differ (Date, To, Message-ID) written in front
//! ([`Template::write_for`]). `render` writes the sample `.eml` with the same code that `send`
//! uses for every recipient. Message-IDs come from the issue's [`Identity`].

use std::time::SystemTime;

use lettre::message::header::{self, Header, HeaderName, HeaderValue, Headers};
use lettre::message::{Mailbox, Mailboxes, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::identity::Identity;
use crate::model::{Bulletin, Publisher};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

macro_rules! text_header {
    ($name:ident, $field:literal) => {
        #[derive(Clone, Debug)]
        struct $name(String);
        impl Header for $name {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($field)
            }
            fn parse(s: &str) -> Result<Self, BoxError> {
                Ok($name(s.to_string()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(ListId, "List-Id");
text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");
text_header!(AutoSubmitted, "Auto-Submitted");
text_header!(Precedence, "Precedence");

/// Header values come from the user's files: no CR, LF or other control character may reach a
/// header (that would let a value add headers of its own).
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control())
        .filter(|p| !p.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A phrase safe inside `List-Id: phrase <id>`.
fn phrase(s: &str) -> String {
    one_line(s).replace(['"', '<', '>', '\\'], "")
}

/// The subject line of the bulletin: its title, after "Correction: " for a correction and
/// "[TEST] " for a test copy.
pub fn subject(b: &Bulletin, id: &Identity, test: bool) -> String {
    let mut subject = one_line(&b.title);
    if id.correction().is_some() {
        subject = format!("Correction: {subject}");
    }
    if test {
        subject = format!("[TEST] {subject}");
    }
    subject
}

/// A bulletin's message, encoded once, ready to be addressed to each recipient.
#[derive(Clone, Debug)]
pub struct Template {
    /// Every header that is the same for all recipients, each ending in CRLF.
    common: String,
    /// The blank line and the encoded MIME body (text: its parts are 7-bit, quoted-printable or
    /// base64 encodings of text).
    body: String,
    id_prefix: String,
    domain: String,
    /// The office's Message-ID key, for messages that are sent ([`Template::keyed`]).
    key: Option<crate::identity::Key>,
}

/// Why a bulletin's MIME message could not be made: lettre refused a header or a part, or what
/// it made is not the shape the template splits.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot build the message: {0}")]
    Lettre(lettre::error::Error),
    #[error("cannot build the message: {0}")]
    Shape(&'static str),
}

impl Template {
    /// Encodes the bulletin's text and HTML as one MIME body with the shared headers.
    /// `id` is the identity (from [`crate::identity::of`], or a correction of it);
    /// `test` marks the subject as a test copy.
    pub fn new(
        b: &Bulletin,
        p: &Publisher,
        id: &Identity,
        text: &str,
        html: &str,
        test: bool,
    ) -> Result<Template, BuildError> {
        Template::build(p, id, text, html, test, subject(b, id, test))
    }

    /// A test copy for the approvers (`approvers` in publisher.yaml) of an issue not yet
    /// approved as it is: "[FOR APPROVAL] " before the subject, and a test copy's Message-IDs.
    pub fn for_approval(
        b: &Bulletin,
        p: &Publisher,
        id: &Identity,
        text: &str,
        html: &str,
    ) -> Result<Template, BuildError> {
        let subject = format!("[FOR APPROVAL] {}", subject(b, id, false));
        Template::build(p, id, text, html, true, subject)
    }

    fn build(
        p: &Publisher,
        id: &Identity,
        text: &str,
        html: &str,
        test: bool,
        subject: String,
    ) -> Result<Template, BuildError> {
        let placeholder: Mailbox = "placeholder@example.invalid"
            .parse()
            .expect("a valid placeholder address");
        let mut builder = lettre::Message::builder()
            .from(p.from.clone())
            .to(placeholder)
            .subject(subject)
            .date(SystemTime::UNIX_EPOCH)
            .message_id(Some("<placeholder@example.invalid>".into()))
            .header(ListId(format!("{} <{}>", phrase(&p.name), p.list_id)))
            .header(AutoSubmitted("auto-generated".into()))
            .header(Precedence("bulk".into()));
        if let Some(r) = &p.reply_to {
            builder = builder.reply_to(r.clone());
        }
        let mut unsub = Vec::new();
        if let Some(u) = &p.unsubscribe.https {
            unsub.push(format!("<{}>", one_line(u)));
        }
        if let Some(m) = &p.unsubscribe.mailto {
            unsub.push(format!("<{}>", one_line(m)));
        }
        builder = builder.header(ListUnsubscribe(unsub.join(", ")));
        // RFC 8058: promise one-click only when the page is said to handle the POST; otherwise
        // Gmail and Outlook.com would show a button that does nothing.
        if p.unsubscribe.https.is_some() && p.unsubscribe.one_click {
            builder = builder.header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()));
        }
        let message = builder
            .multipart(
                MultiPart::alternative()
                    .boundary(boundary(text, html))
                    .singlepart(SinglePart::plain(crlf(text)))
                    .singlepart(html_part(html)),
            )
            .map_err(BuildError::Lettre)?;
        let formatted = message.formatted();
        let split = formatted
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or(BuildError::Shape("it has no body"))?;
        let head = std::str::from_utf8(&formatted[..split + 2])
            .map_err(|_| BuildError::Shape("its header is not UTF-8"))?;
        let mut common = String::new();
        let mut keep = true;
        for line in head.split_inclusive("\r\n") {
            if !line.starts_with([' ', '\t']) {
                let name = line.split(':').next().unwrap_or("");
                keep = !["to", "date", "message-id"].contains(&name.to_ascii_lowercase().as_str());
            }
            if keep {
                common.push_str(line);
            }
        }
        let id_prefix = if test {
            format!("bulletin.{}.test", id.sent_as())
        } else {
            format!("bulletin.{}", id.sent_as())
        };
        Ok(Template {
            common,
            body: String::from_utf8(formatted[split + 2..].to_vec())
                .map_err(|_| BuildError::Shape("its body is not UTF-8"))?,
            id_prefix,
            domain: p.domain().to_string(),
            key: None,
        })
    }

    /// Message-IDs keyed with the office's secret ([`crate::identity::Key`]): what `send` uses,
    /// so that only the office can tell which Message-ID went to whom. Without it (render,
    /// preview, archive: nothing is sent) the last part is a plain hash of the address.
    pub fn keyed(mut self, key: crate::identity::Key) -> Template {
        self.key = Some(key);
        self
    }

    /// The Message-ID for one recipient: the same every time for this identity, address and
    /// key, so a resend is recognisable (a correction has its own), and carrying no part of the
    /// address itself: `<bulletin.2021-10-20.0123456789abcdef@example.org>`.
    pub fn message_id(&self, to: &Mailbox) -> String {
        let address = to.email.to_string().to_lowercase();
        format!(
            "<{}@{}>",
            message_id_local(&self.id_prefix, &address, self.key.as_ref()),
            self.domain
        )
    }

    /// Appends one recipient's complete message to `out`.
    pub fn write_for(&self, to: &Mailbox, date: SystemTime, out: &mut String) {
        let mut h = Headers::new();
        h.set(header::Date::from(date));
        h.set(header::To::from(Mailboxes::from(to.clone())));
        h.set(header::MessageId::from(self.message_id(to)));
        out.push_str(&h.to_string());
        out.push_str(&self.common);
        out.push_str(&self.body);
    }

    /// One recipient's complete message.
    pub fn for_recipient(&self, to: &Mailbox, date: SystemTime) -> Vec<u8> {
        let mut out = String::with_capacity(self.common.len() + self.body.len() + 256);
        self.write_for(to, date, &mut out);
        out.into_bytes()
    }

    /// Size in bytes of the shared part of every message.
    pub fn body_len(&self) -> usize {
        self.common.len() + self.body.len()
    }
}

/// The MIME boundary, from the parts themselves rather than at random, so that the same bulletin
/// always gives the same bytes (the archive relies on it). `=_` cannot occur in quoted-printable
/// or base64 text, so the boundary cannot occur inside a part; a 7-bit HTML part would have to
/// hold the hash of itself.
fn boundary(text: &str, html: &str) -> String {
    let mut h = Sha256::new();
    h.update(text.as_bytes());
    h.update([0]);
    h.update(html.as_bytes());
    let hex = crate::identity::hex(&h.finalize()[..12]);
    format!("=_{hex}")
}

/// The HTML part. As 7-bit text where it can be ([`seven_bit_html`]): sent as it is, without
/// the 8 % quoted-printable adds (every `=` of an attribute written `=3D`, a soft line break
/// every 76 characters), which brought a long bulletin over Gmail's clip at 102 KB. Otherwise
/// (an address longer than a line may be) quoted-printable, as lettre chooses.
fn html_part(html: &str) -> SinglePart {
    match seven_bit_html(html) {
        Some(lines) => SinglePart::builder()
            .header(header::ContentType::TEXT_HTML)
            .body(lettre::message::Body::dangerous_pre_encoded(
                lines.into_bytes(),
                header::ContentTransferEncoding::SevenBit,
            )),
        None => SinglePart::html(crlf(html)),
    }
}

/// The size in bytes of the HTML part as it is sent, which is what Gmail's clip counts: its
/// 7-bit lines (each character outside ASCII written as a reference of 6 to 8 bytes), or its
/// quoted-printable encoding.
pub fn html_sent_len(html: &str) -> usize {
    match seven_bit_html(html) {
        Some(lines) => lines.len(),
        None => lettre::message::Body::new(crlf(html)).len(),
    }
}

/// Lines of a 7-bit MIME body: at most 998 characters (RFC 5322), broken at the last break
/// point before 900. Not at 78 (RFC 5322's "should", for people reading the raw text): a line
/// break every 78 characters would add 3 % to the size that Gmail's clip counts.
const MAX_LINE: usize = 998;
const WANTED_LINE: usize = 900;

/// The HTML as 7-bit lines with CRLF endings, the same document to a browser: every character
/// outside ASCII written as a character reference (`&#8217;`), and a space where a line may
/// break made a line break. A space may become a line break only where HTML reads the two
/// alike: in text (not inside `<pre>`, a comment or an element's raw text, where it could be
/// an Outlook conditional comment) and between a tag's attributes; in a `<style>` block a line
/// breaks after a `}`. `None` if some line cannot be made short enough.
pub(crate) fn seven_bit_html(html: &str) -> Option<String> {
    let mut out = String::with_capacity(html.len() + html.len() / 32);
    let mut line_start = 0;
    // Where the line may break: the index in `out` of a space to replace, or of the point after
    // a `}` where CRLF goes in.
    let mut breakable: Option<(usize, bool)> = None;
    let mut state = Scan::Text;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let lower = |s: &str| {
            rest.get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        };
        let (next, len) = match state {
            Scan::Text if rest.starts_with("<!--") => (Scan::Comment, 4),
            Scan::Text if lower("<pre") => (Scan::Pre, 4),
            Scan::Text if lower("<style") || lower("<title") => (Scan::RawTag, 1),
            Scan::Text if c == '<' => (Scan::Tag { quote: None }, 1),
            Scan::Comment if rest.starts_with("-->") => (Scan::Text, 3),
            Scan::Pre if lower("</pre>") => (Scan::Text, 6),
            Scan::RawTag if c == '>' => (Scan::Raw, 1),
            Scan::Raw if lower("</style>") || lower("</title>") => (Scan::Text, 8),
            Scan::Tag { quote: None } if c == '>' => (Scan::Text, 1),
            Scan::Tag { quote: None } if c == '"' || c == '\'' => (Scan::Tag { quote: Some(c) }, 1),
            Scan::Tag { quote: Some(q) } if c == q => (Scan::Tag { quote: None }, 1),
            _ => (state, c.len_utf8()),
        };
        if c == ' ' && matches!(state, Scan::Text | Scan::Tag { quote: None }) {
            breakable = Some((out.len(), true));
        }
        let piece = &rest[..len];
        rest = &rest[len..];
        for ch in piece.chars() {
            if ch.is_ascii() {
                out.push(ch);
            } else {
                out.push_str(&format!("&#{};", u32::from(ch)));
            }
        }
        if c == '}' && matches!(state, Scan::Raw) {
            breakable = Some((out.len(), false));
        }
        state = next;
        if out.len() - line_start >= WANTED_LINE
            && let Some((at, space)) = breakable.take()
        {
            if space {
                out.replace_range(at..=at, "\r\n");
                line_start = at + 2;
            } else {
                out.insert_str(at, "\r\n");
                line_start = at + 2;
            }
            if out.len() - line_start > MAX_LINE {
                return None;
            }
        }
        if out.len() - line_start > MAX_LINE {
            return None;
        }
    }
    out.push_str("\r\n");
    Some(out)
}

/// Where [`seven_bit_html`] is in the document.
#[derive(Clone, Copy)]
enum Scan {
    Text,
    /// Inside a tag; in a quoted attribute value if `quote`.
    Tag {
        quote: Option<char>,
    },
    Comment,
    /// Inside `<pre>`: its spaces are the text's own.
    Pre,
    /// The start tag of `<style>` or `<title>`, then their text.
    RawTag,
    Raw,
}

/// `text` with CRLF line endings, as MIME wants them. lettre would add each CR by inserting it
/// into the string, which takes time growing with the square of the number of lines; with CRLF
/// already there it adds none.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut after_cr = false;
    for c in text.chars() {
        if c == '\n' && !after_cr {
            out.push('\r');
        }
        after_cr = c == '\r';
        out.push(c);
    }
    out
}

/// The part of a Message-ID before the `@`: `bulletin.NAME[.test].HASH`, HASH the keyed tag of
/// the address ([`crate::identity::Key::tag`]) or, without a key, its FNV-1a hash. `prefix` is
/// `bulletin.NAME` (with `.test` for a test copy), `address` in lower case. `bulletin inbox`
/// calls this to recognise what was sent.
pub fn message_id_local(prefix: &str, address: &str, key: Option<&crate::identity::Key>) -> String {
    let hash = match key {
        Some(k) => k.tag(address),
        None => fnv1a(address.as_bytes()),
    };
    format!("{prefix}.{hash:016x}")
}

/// 64-bit FNV-1a: a stable hash (unlike std's, which may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_sent_as_seven_bit_lines_that_read_the_same() {
        let long = "word ".repeat(400);
        let html = format!(
            "<!DOCTYPE html><html><head><title>A title’s words</title><style>a{{color:red}}b{{color:blue}}</style></head><body><!--[if mso]><table role=\"x\"><![endif]--><p class=\"a b\" style=\"color:#000\">{long}£5</p><pre>  keep  these  spaces  {}</pre></body></html>",
            "word ".repeat(20)
        );
        let out = seven_bit_html(&html).unwrap();
        assert!(out.is_ascii());
        assert!(out.contains("A title&#8217;s words") && out.contains("&#163;5"));
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= MAX_LINE));
        assert!(lines.len() > 3, "{out}");
        // Only spaces became line breaks (or breaks went in after a `}` in the style), and none
        // of the comment's, the pre's or the title's.
        assert!(out.contains("<!--[if mso]><table role=\"x\"><![endif]-->"));
        assert!(out.contains(&format!(
            "<pre>  keep  these  spaces  {}</pre>",
            "word ".repeat(20)
        )));
        assert!(out.contains("<title>A title&#8217;s words</title>"));
        let unbroken = out.trim_end().replace("\r\n", " ").replace("} ", "}");
        let expected = html.replace('’', "&#8217;").replace('£', "&#163;");
        assert_eq!(unbroken, expected);
        // A word longer than a line may be: quoted-printable instead.
        assert_eq!(
            seven_bit_html(&format!("<p>{}</p>", "x".repeat(1200))),
            None
        );
    }

    #[test]
    fn the_size_as_sent_counts_references_and_quoted_printable() {
        // 30 curly apostrophes: 3 bytes each in UTF-8, 7 as a reference.
        let html = format!("<p>{}</p>", "it’s ".repeat(30));
        assert_eq!(html.len(), 7 + 30 * 7);
        assert_eq!(html_sent_len(&html), 7 + 30 * 11 + 2);
        // A word longer than a line may be goes quoted-printable: 3 % more, and its soft breaks.
        let html = format!("<p>{}</p>", "x".repeat(2000));
        let sent = html_sent_len(&html);
        assert!(
            sent > html.len() + 2000 / 76 * 3 - 3 && sent < html.len() * 11 / 10,
            "{sent}"
        );
    }

    #[test]
    fn line_endings_become_crlf_once() {
        assert_eq!(crlf("a\nb\r\nc\n\n"), "a\r\nb\r\nc\r\n\r\n");
        assert_eq!(crlf("é"), "é");
    }

    #[test]
    fn one_line_strips_injection() {
        assert_eq!(
            one_line("Title\r\nBcc: x@example.org"),
            "Title Bcc: x@example.org"
        );
        assert_eq!(one_line("a\u{7}b"), "a b");
    }
}
