//! What one message in the office's reply mailbox is: a bounce (a delivery status notification,
//! RFC 3464, as Postfix, Exchange/NHSmail and Gmail send them), a complaint (an ARF report, RFC
//! 5965), an unsubscribe request sent to the publisher's `mailto:` address, an auto-reply, or
//! something else. Pure: bytes in, a [`Verdict`] out; nothing here decides what to suppress.

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// What a message is, with the evidence the suppressions file records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A delivery failure for `recipient`.
    Bounce(Bounce),
    /// A complaint (ARF) about a message to `recipient`: treated as an unsubscribe.
    Complaint {
        recipient: String,
        original_id: Option<String>,
    },
    /// A message to the publisher's unsubscribe address that asks to be taken off (its subject
    /// is the `mailto:`'s, or the word "unsubscribe" is in its subject or first line), with what
    /// can show that `sender` wrote it ([`Request`]).
    Unsubscribe(Request),
    /// A message from a person (a question, a thank-you, a reply quoting the bulletin): listed for
    /// someone to read, never a reason to suppress anyone.
    Reply { from: String, subject: String },
    /// An out-of-office or other automatic reply: left alone.
    AutoReply,
    /// A report that says it is a delivery status notification but names no failed recipient
    /// or status: left alone, and reported.
    MalformedReport(String),
    /// A bounce that is not a delivery report (plain text from an older server), naming these
    /// addresses (lower case) in its text: listed for a person to confirm, never applied.
    PlainBounce { addresses: Vec<String> },
    /// Anything else: left alone.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounce {
    /// The failed address, in lower case.
    pub recipient: String,
    /// `5.1.1`: hard when it starts with 5, soft with 4.
    pub status: String,
    /// The remote server's words (`Diagnostic-Code`), if given.
    pub text: String,
    /// The Message-ID of the message that bounced, when the report quotes it.
    pub original_id: Option<String>,
}

impl Bounce {
    pub fn is_hard(&self) -> bool {
        self.status.starts_with('5')
    }
}

/// An unsubscribe request, and what may show that its sender wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The `From:` address, in lower case.
    pub sender: String,
    pub subject: String,
    /// The Message-IDs it answers (`In-Reply-To` and `References`), each in `<...>`.
    pub answers: Vec<String>,
    /// The topmost `Authentication-Results` field (the one the receiving server added last),
    /// unfolded.
    pub authentication: Option<String>,
}

/// The publisher's `mailto:` unsubscribe link: its address (lower case) and subject, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mailto {
    pub address: String,
    pub subject: Option<String>,
}

impl Mailto {
    /// `mailto:u@example.org?subject=Remove%20me` → `u@example.org`, `Remove me`.
    pub fn parse(link: &str) -> Option<Mailto> {
        let rest = link.strip_prefix("mailto:")?;
        let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
        let address = percent_decode(address.trim()).to_lowercase();
        let subject = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case("subject"))
            .map(|(_, v)| percent_decode(&v.replace('+', " ")).trim().to_string())
            .filter(|s| !s.is_empty());
        (!address.is_empty()).then_some(Mailto { address, subject })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a message asks to be unsubscribed: its subject is the `mailto:`'s own, or the word
/// "unsubscribe" is in its subject or in the first line of its text. Only the first line: a reply
/// that quotes the bulletin quotes its footer, "unsubscribe" link and all; and not a first line
/// that is a question ("Is the unsubscribe link for the practice list?"). Whatever is not a
/// request is listed for a person to read, so a doubt goes that way.
fn asks(subject: &str, first_line: &str, mailto_subject: Option<&str>) -> bool {
    let word = |t: &str| {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(|w| w == "unsubscribe" || w == "un-subscribe")
    };
    mailto_subject.is_some_and(|m| subject.trim().eq_ignore_ascii_case(m))
        || word(subject)
        || (word(first_line) && !first_line.contains('?'))
}

/// The first line of the message's text that is not empty.
fn first_line(msg: &mail_parser::Message) -> String {
    msg.body_text(0)
        .and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Classifies one raw message. `unsubscribe` is the publisher's `mailto:` link.
pub fn classify(raw: &[u8], unsubscribe: Option<&Mailto>) -> Verdict {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Verdict::Other;
    };
    let report_type = msg
        .content_type()
        .filter(|c| {
            c.ctype().eq_ignore_ascii_case("multipart")
                && c.subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        .and_then(|c| c.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    let mut status_fields = None;
    let mut feedback_fields = None;
    let mut original_id = None;
    let mut original_to = None;
    for part in &msg.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let full = format!(
            "{}/{}",
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase()
        );
        match (full.as_str(), &part.body) {
            ("message/delivery-status" | "message/global-delivery-status", _) => {
                status_fields = Some(String::from_utf8_lossy(part.contents()).into_owned());
            }
            ("message/feedback-report", _) => {
                feedback_fields = Some(String::from_utf8_lossy(part.contents()).into_owned());
            }
            (_, PartType::Message(inner)) => {
                original_id = original_id.or(inner.message_id().map(angle));
                original_to = original_to.or(inner
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .map(str::to_lowercase));
            }
            ("text/rfc822-headers", _) => {
                let text = String::from_utf8_lossy(part.contents()).into_owned();
                let fields = fields(&text);
                original_id = original_id.or(field(&fields, "message-id").map(|v| angle(v.trim())));
            }
            _ => {}
        }
    }
    match report_type.as_deref() {
        Some("delivery-status") => {
            return match status_fields.as_deref().and_then(|f| bounce(f, original_id)) {
                Some(b) => Verdict::Bounce(b),
                None => Verdict::MalformedReport(
                    "a delivery report without a failed recipient and status (Final-Recipient, Action: failed or delayed, Status)".into(),
                ),
            };
        }
        Some("feedback-report") => {
            let f = feedback_fields.as_deref().map(fields).unwrap_or_default();
            let recipient = field(&f, "original-rcpt-to")
                .map(address_of)
                .or(original_to);
            return match recipient {
                Some(recipient) => Verdict::Complaint {
                    recipient,
                    original_id,
                },
                None => Verdict::MalformedReport(
                    "a complaint report that does not say whom the message was sent to".into(),
                ),
            };
        }
        _ => {}
    }
    if let Some(addresses) = plain_bounce(&msg) {
        return Verdict::PlainBounce { addresses };
    }
    if is_auto_reply(&msg) {
        return Verdict::AutoReply;
    }
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_lowercase);
    let subject = msg.subject().unwrap_or("").to_string();
    if let Some(mailto) = unsubscribe {
        let unsub = mailto.address.as_str();
        let to_us = ["To", "Cc", "Delivered-To", "X-Original-To"]
            .iter()
            .any(|h| {
                msg.header_values(*h).any(|v| {
                    let mut found = false;
                    if let Some(list) = v.as_address() {
                        found = list
                            .iter()
                            .any(|a| a.address().is_some_and(|x| x.eq_ignore_ascii_case(unsub)));
                    } else if let Some(t) = v.as_text() {
                        found = address_of(t) == unsub;
                    }
                    found
                })
            });
        if to_us
            && let Some(sender) = &from
            && asks(&subject, &first_line(&msg), mailto.subject.as_deref())
        {
            let mut answers = Vec::new();
            for v in [msg.in_reply_to(), msg.references()] {
                for id in v.as_text_list().unwrap_or_default() {
                    answers.push(angle(id));
                }
            }
            let authentication = topmost(raw, "authentication-results");
            return Verdict::Unsubscribe(Request {
                sender: sender.clone(),
                subject,
                answers,
                authentication,
            });
        }
    }
    match from {
        Some(from) => Verdict::Reply { from, subject },
        None => Verdict::Other,
    }
}

/// The first (topmost: the last one added) field `name` (lower case) of the message's header,
/// its continuation lines joined. mail-parser's `header_raw` gives the last one.
fn topmost(raw: &[u8], name: &str) -> Option<String> {
    let head = String::from_utf8_lossy(raw);
    let mut found: Option<String> = None;
    for line in head.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(value) = &mut found {
            if line.starts_with([' ', '\t']) {
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case(name)
        {
            found = Some(v.trim().to_string());
        }
    }
    found
}

/// Whether a message that is no delivery report is still a bounce (from `MAILER-DAEMON` or
/// `postmaster`, or with a bounce's subject), and the addresses its text names.
fn plain_bounce(msg: &mail_parser::Message) -> Option<Vec<String>> {
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or("")
        .to_ascii_lowercase();
    let local = from.split('@').next().unwrap_or("");
    let subject = msg.subject().unwrap_or("").to_ascii_lowercase();
    let bounce = matches!(local, "mailer-daemon" | "postmaster")
        || [
            "undeliverable",
            "undelivered mail",
            "delivery status notification",
            "returned mail",
            "mail delivery failed",
            "delivery failure",
        ]
        .iter()
        .any(|p| subject.starts_with(p));
    if !bounce {
        return None;
    }
    let mut text = String::new();
    for i in 0.. {
        match msg.body_text(i) {
            Some(t) => text.push_str(&t),
            None => break,
        }
        if text.len() > 1 << 20 {
            break;
        }
    }
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c)) {
        let w = word.trim_matches('.').to_lowercase();
        if let Some((l, d)) = w.split_once('@')
            && !l.is_empty()
            && d.contains('.')
            && !d.contains('@')
            && w != from
            && !out.contains(&w)
        {
            out.push(w);
        }
    }
    Some(out)
}

/// Out of office and other automatic replies (RFC 3834's `Auto-Submitted`, and the headers
/// Exchange and others add).
fn is_auto_reply(msg: &mail_parser::Message) -> bool {
    let auto = msg
        .header_raw("Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
    let exchange = msg.header_raw("X-Auto-Response-Suppress").is_some()
        && msg
            .subject()
            .is_some_and(|s| s.starts_with("Automatic reply"));
    let other =
        msg.header_raw("X-Autoreply").is_some() || msg.header_raw("X-Autorespond").is_some();
    auto || exchange || other
}

/// The first failed (or delayed) recipient of a `message/delivery-status` body.
fn bounce(text: &str, original_id: Option<String>) -> Option<Bounce> {
    // Groups are separated by blank lines: the first is about the message, each later one
    // about one recipient.
    let text = text.replace("\r\n", "\n");
    for group in text.split("\n\n").skip(1) {
        let f = fields(group);
        let action = field(&f, "action").map(|a| a.trim().to_ascii_lowercase());
        if !matches!(action.as_deref(), Some("failed" | "delayed")) {
            continue;
        }
        let recipient = field(&f, "final-recipient")
            .or(field(&f, "original-recipient"))
            .map(address_of)?;
        let status = field(&f, "status")?.trim().to_string();
        let code = status.split_whitespace().next().unwrap_or("").to_string();
        let valid = code.split('.').count() == 3
            && code
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && (code.starts_with('4') || code.starts_with('5'));
        if !valid || !recipient.contains('@') {
            return None;
        }
        let text = field(&f, "diagnostic-code")
            .map(|d| d.split_once(';').map_or(d, |(_, t)| t).trim().to_string())
            .unwrap_or_default();
        return Some(Bounce {
            recipient,
            status: code,
            text,
            original_id,
        });
    }
    None
}

/// `Name: value` fields, continuation lines joined, names in lower case.
fn fields(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `rfc822; <A@Example.org>` or `A@Example.org` → `a@example.org`.
fn address_of(value: &str) -> String {
    let v = value.split_once(';').map_or(value, |(_, a)| a);
    v.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

fn angle(id: &str) -> String {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    format!("<{id}>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_group_needs_a_valid_code() {
        let body = "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; A@Example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n";
        let b = bounce(body, None).unwrap();
        assert_eq!(b.recipient, "a@example.org");
        assert!(b.is_hard());
        assert_eq!(b.text, "550 5.1.1 no such user");
        assert!(bounce(&body.replace("5.1.1\n", "garbage\n"), None).is_none());
        assert!(bounce(&body.replace("failed", "delivered"), None).is_none());
    }

    #[test]
    fn only_a_message_that_asks_is_a_request() {
        let m = Mailto::parse("mailto:Office@example.org?subject=Remove%20me").unwrap();
        assert_eq!(m.address, "office@example.org");
        assert_eq!(m.subject.as_deref(), Some("Remove me"));
        assert!(asks("remove me", "", m.subject.as_deref()));
        assert!(asks("Unsubscribe", "", None));
        assert!(asks("Re: bulletin", "Please unsubscribe me.", None));
        assert!(!asks(
            "Re: bulletin",
            "Is the unsubscribe link for me?",
            None
        ));
        assert!(!asks("Re: bulletin", "Thanks!", None));
        assert!(!asks("Re: subscribers", "", None));
    }
}
