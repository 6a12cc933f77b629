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
    /// A request sent to the publisher's unsubscribe address by `sender`.
    Unsubscribe { sender: String },
    /// An out-of-office or other automatic reply: left alone.
    AutoReply,
    /// A report that says it is a delivery status notification but names no failed recipient
    /// or status: left alone, and reported.
    MalformedReport(String),
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

/// Classifies one raw message. `unsubscribe` is the publisher's `mailto:` address (lower case).
pub fn classify(raw: &[u8], unsubscribe: Option<&str>) -> Verdict {
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
    if is_auto_reply(&msg) {
        return Verdict::AutoReply;
    }
    if let Some(unsub) = unsubscribe {
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
        if to_us && let Some(sender) = msg.from().and_then(|a| a.first()).and_then(|a| a.address())
        {
            return Verdict::Unsubscribe {
                sender: sender.to_lowercase(),
            };
        }
    }
    Verdict::Other
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
}
