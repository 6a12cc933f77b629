//! Why one attempt to send did not deliver ([`Failure`]: a [`Kind`], the relay's reply if one
//! decided it, and the text to show and record), and how a reply, or its absence, is judged:
//! before a message's end ([`expect`]) and after it ([`judge_end`]). What the send then does
//! is [`super::decide`]'s.

use super::smtp::{Lost, Reply};
use crate::diagnostic::escape_controls;

/// What kind of failure an attempt met: what the send does about it is [`super::decide`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Worth trying again: a 4xx reply, a dropped or refused connection, a time-out.
    Temporary,
    /// The relay refused this recipient for good (5xx): recorded as failed.
    Permanent,
    /// Nothing can be sent (login refused, certificate invalid): the run stops.
    Fatal,
    /// The whole message was sent, its end read by the relay or possibly so, but no fitting
    /// answer came: it may have been delivered. Recorded as failed and not resent
    /// automatically (`--retry-failed` resends).
    Uncertain,
    /// The relay is limiting the rate (421; 451 or 452 with 4.7.x or 4.3.2; a connection
    /// refused): the send slows down, and the recipient is tried again without counting it.
    Throttled,
    /// The relay closed the session without answering this message's commands, which went out
    /// behind the previous message's end (a relay may end a session after a message), or said
    /// something unasked between two messages: nothing of this message was sent, so it goes
    /// again on a new session, once without counting a try.
    Closed,
}

/// Why one attempt did not deliver: its kind, the relay's reply if one decided it, and what
/// to show and record (never the relay's words after a login: they may repeat the password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: Kind,
    pub reply: Option<Reply>,
    pub text: String,
    /// What the office can do about it, kept apart from `text` (which the journal records).
    pub help: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, text: impl Into<String>) -> Failure {
        Failure {
            kind,
            reply: None,
            text: text.into(),
            help: None,
        }
    }

    /// The same failure, with what to do about it.
    pub fn with_help(mut self, help: impl Into<String>) -> Failure {
        self.help = Some(help.into());
        self
    }

    /// A refusal by reply: 4xx temporary (or throttled), 5xx permanent; `text` as recorded.
    fn by(reply: Reply, text: String) -> Failure {
        let kind = match reply.class() {
            4 if throttling(&reply) => Kind::Throttled,
            4 => Kind::Temporary,
            _ => Kind::Permanent,
        };
        Failure {
            kind,
            reply: Some(reply),
            text,
            help: None,
        }
    }

    /// A refusal by reply, recorded as the reply itself.
    fn reply(reply: Reply) -> Failure {
        let text = reply.shown();
        Failure::by(reply, text)
    }
}

/// Whether a temporary reply says the relay is limiting the rate rather than refusing this
/// message: `421` (closing, busy), or `451`/`452` with an enhanced status 4.7.x (policy, such as
/// "too many messages") or 4.3.2 (system not accepting messages).
fn throttling(reply: &Reply) -> bool {
    let detail = reply.enhanced().unwrap_or("");
    reply.code == 421
        || ((reply.code == 451 || reply.code == 452)
            && (detail.starts_with("4.7.") || detail == "4.3.2"))
}

/// The reply to one command before the end of the message, which must be of class `want` (2:
/// done; 3: go on, as DATA's 354): any failure here means the relay has not taken the message,
/// so it is safe to try again (4xx, a lost connection, a reply that does not fit: the session
/// is dropped) or not (5xx).
pub(super) fn expect(got: Result<Reply, Lost>, want: u16, command: &str) -> Result<Reply, Failure> {
    match got {
        Ok(r) if r.class() == want => Ok(r),
        Ok(r) if r.class() >= 4 => Err(Failure::reply(r)),
        Ok(r) => Err(Failure::new(
            Kind::Temporary,
            format!(
                "the relay's reply to {command} does not fit it ({}): the session was closed",
                r.shown()
            ),
        )),
        Err(Lost::TimedOut(t)) => Err(Failure::new(
            Kind::Temporary,
            format!("no reply within {t:?}"),
        )),
        Err(lost) => Err(Failure::new(
            Kind::Temporary,
            format!("connection lost: {lost}"),
        )),
    }
}

/// What the reply to a message's end (or its absence) means. `ended`: the socket took the final
/// "."; `unasked`: the relay said more than its reply, with nothing else asked.
///
/// Only a 2xx reply is delivery (RFC 5321); any other reply that is not a refusal means the
/// session is broken, and the message may or may not have been taken. With no reply: a reset
/// (RST) means the relay closed the connection with bytes of ours unread, and the final "." is
/// the last of the message, so it never read that "." and cannot have taken the message: tried
/// again. An orderly close, a time-out or another error after the "." was written leaves it
/// possibly taken: never resent on its own. docs/send.md explains the rule.
pub(super) fn judge_end(
    got: Result<Reply, Lost>,
    ended: bool,
    unasked: bool,
) -> Result<String, Failure> {
    let may = "the relay may have delivered it";
    match got {
        Ok(r) if r.class() == 2 && !unasked => Ok(r.shown()),
        Ok(r) if r.class() == 2 => Err(Failure::new(
            Kind::Uncertain,
            format!(
                "the relay answered the end of the message ({}) and then said more, unasked, so its replies no longer match the commands; the session was closed, and {may}",
                r.shown()
            ),
        )),
        Ok(r) if r.class() >= 4 => Err(Failure::reply(r)),
        Ok(r) => Err(Failure::new(
            Kind::Uncertain,
            format!(
                "the relay's reply to the end of the message does not fit it ({}): the session was closed, and {may}",
                r.shown()
            ),
        )),
        Err(Lost::TimedOut(t)) if !ended => Err(Failure::new(
            Kind::Temporary,
            format!("the relay did not take the message within {t:?}"),
        )),
        Err(lost) if !ended => Err(Failure::new(
            Kind::Temporary,
            format!("the connection was lost before the end of the message ({lost})"),
        )),
        Err(Lost::Reset) => Err(Failure::new(
            Kind::Temporary,
            "the relay reset the connection with the end of the message unread",
        )),
        Err(Lost::TimedOut(t)) => Err(Failure::new(
            Kind::Uncertain,
            format!("no reply within {t:?} after the whole message was sent; {may}"),
        )),
        Err(lost) => Err(Failure::new(
            Kind::Uncertain,
            format!("the connection failed after the whole message was sent ({lost}); {may}"),
        )),
    }
}

/// An error that may quote the relay (or sendmail), with control characters escaped: what a
/// relay says can hold anything, including a terminal's escape sequences.
pub(super) fn said(e: &impl std::fmt::Display) -> String {
    escape_controls(&e.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn reply(text: &str) -> Reply {
        let (code, rest) = text.split_at(3);
        Reply {
            code: code.parse().unwrap(),
            lines: vec![rest.trim_start().to_string()],
        }
    }

    #[test]
    fn rate_limit_replies_are_told_from_other_temporary_ones() {
        for limit in [
            "421 4.7.0 too many connections",
            "451 4.7.500 Server busy, try again later",
            "452 4.3.2 system not accepting network messages",
            "421 closing",
        ] {
            assert_eq!(
                Failure::reply(reply(limit)).kind,
                Kind::Throttled,
                "{limit}"
            );
        }
        for other in [
            "451 4.3.0 mailbox busy, try again later",
            "452 4.2.2 mailbox full",
            "450 4.7.1 greylisted",
        ] {
            // 450 is not one of the rate-limit codes, whatever its detail.
            assert_eq!(
                Failure::reply(reply(other)).kind,
                Kind::Temporary,
                "{other}"
            );
        }
        assert_eq!(Failure::reply(reply("550 5.1.1 no")).kind, Kind::Permanent);
    }

    #[test]
    fn each_command_needs_the_reply_that_fits_it() {
        assert!(expect(Ok(reply("250 ok")), 2, "MAIL").is_ok());
        assert!(expect(Ok(reply("354 go")), 3, "DATA").is_ok());
        let kind = |got, want| expect(got, want, "X").unwrap_err().kind;
        assert_eq!(kind(Ok(reply("550 no")), 2), Kind::Permanent);
        assert_eq!(kind(Ok(reply("451 4.3.0 later")), 3), Kind::Temporary);
        // A 250 to DATA, or a 354 to MAIL: the replies no longer match the commands; nothing of
        // the message was sent, so it is safe to try again on a new session.
        assert_eq!(kind(Ok(reply("250 ok")), 3), Kind::Temporary);
        assert_eq!(kind(Ok(reply("354 go")), 2), Kind::Temporary);
        assert_eq!(kind(Err(Lost::Reset), 2), Kind::Temporary);
        assert_eq!(kind(Err(Lost::Closed), 2), Kind::Temporary);
        assert_eq!(
            kind(Err(Lost::TimedOut(Duration::from_secs(1))), 2),
            Kind::Temporary
        );
    }

    #[test]
    fn only_a_2xx_to_the_end_is_delivery_and_only_a_reset_before_a_reply_is_retried() {
        let t = Duration::from_secs(1);
        let judged = |got, ended, unasked| judge_end(got, ended, unasked).map_err(|f| f.kind);
        assert_eq!(
            judged(Ok(reply("250 2.0.0 ok")), true, false),
            Ok("250 2.0.0 ok".into())
        );
        // A 250 and something more, unasked: whose reply was the 250?
        assert_eq!(
            judged(Ok(reply("250 ok")), true, true),
            Err(Kind::Uncertain)
        );
        // A 354 (or any 3xx) to the end of data is no delivery, and no refusal either.
        assert_eq!(
            judged(Ok(reply("354 go on")), true, false),
            Err(Kind::Uncertain)
        );
        assert_eq!(
            judged(Ok(reply("451 4.3.0 later")), true, false),
            Err(Kind::Temporary)
        );
        assert_eq!(
            judged(Ok(reply("421 4.7.0 slow down")), true, false),
            Err(Kind::Throttled)
        );
        assert_eq!(
            judged(Ok(reply("554 5.6.0 no")), true, false),
            Err(Kind::Permanent)
        );
        // The final "." never written: tried again, whatever happened.
        for lost in [
            Lost::Reset,
            Lost::Closed,
            Lost::TimedOut(t),
            Lost::Garbled("x".into()),
        ] {
            assert_eq!(judged(Err(lost), false, false), Err(Kind::Temporary));
        }
        // Written: a reset means the relay closed with it unread; anything else, it may have it.
        assert_eq!(judged(Err(Lost::Reset), true, false), Err(Kind::Temporary));
        for lost in [
            Lost::Closed,
            Lost::TimedOut(t),
            Lost::Garbled("x".into()),
            Lost::Io(std::io::Error::other("x")),
        ] {
            assert_eq!(judged(Err(lost), true, false), Err(Kind::Uncertain));
        }
        let text = judge_end(Err(Lost::Closed), true, false).unwrap_err().text;
        assert!(text.contains("the relay may have delivered it"), "{text}");
    }
}
