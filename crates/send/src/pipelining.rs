//! SMTP PIPELINING (RFC 2920) on our SMTP stream ([`super::smtp`]): a message's MAIL, RCPT
//! and DATA commands go out in one write and their replies are read in order, when the relay
//! offers PIPELINING; one command at a time when it does not. The next message's commands go in
//! the same write as this message's data and final "." (RFC 2920 allows commands after the end
//! of the data), so that on a session that pipelines each message after the first costs one
//! round trip: against a relay 20 ms away, 20 ms a message instead of 80 one step at a time.
//! That is done only while no rate limit holds messages back (`rate_per_minute: 0` and the relay
//! not slowing us down): under a rate, the rate sets the speed, and the relay would be left
//! waiting after DATA.
//!
//! Every reply is checked against the command it answers ([`expect`]): MAIL and RCPT need a
//! 2xx, DATA a 354, so a reply that does not fit (a relay that says one line too many, which
//! would shift every later reply onto the wrong command) drops the session before a byte of the
//! message goes. The message's leading dots are doubled here ([`data`]), with memchr: lettre's
//! byte-at-a-time encoder took a third of a send's time.
//!
//! Failure handling is as strict as one step at a time: every reply up to DATA's 354 is read and
//! checked before a byte of the message is written, and the first refusal in order is the one
//! reported (a refused MAIL makes the RCPT and DATA after it fail too; those replies are not
//! read and the session is dropped, so a relay that wrongly accepts that DATA gets no message
//! and no end of data). What a failure once the message goes means is
//! [`super::failure::judge_end`]'s. Commands written behind a message's end are only an envelope:
//! if that message fails, the session is dropped and the next message starts afresh on
//! another, without counting a try.

use std::time::Duration;

use super::failure::{Failure, Kind, expect};
use super::smtp::{Lost, Reply, Stream};
use super::wire::Watch;

/// MAIL, each RCPT and DATA, up to the relay's 354 ("go ahead"): in one write when `pipelining`,
/// else one command and its reply at a time. A failure of MAIL (the sender's step) goes through
/// `sender_refused`, which may turn it into a refusal of the whole send.
pub(super) async fn envelope(
    stream: &mut Stream,
    t: Duration,
    pipelining: bool,
    mail: String,
    rcpts: Vec<String>,
    sender_refused: impl FnOnce(Failure) -> Failure,
) -> Result<(), Failure> {
    if !pipelining {
        expect(stream.command(&mail, t).await, 2, "MAIL").map_err(sender_refused)?;
        for rcpt in rcpts {
            expect(stream.command(&rcpt, t).await, 2, "RCPT")?;
        }
        expect(stream.command(DATA, t).await, 3, "DATA")?;
        return no_more(stream);
    }
    // Writes all of them, then reads MAIL's reply; the rest follow in order.
    expect(stream.command(&batch(&mail, &rcpts), t).await, 2, "MAIL").map_err(sender_refused)?;
    rest(stream, t, rcpts.len()).await
}

/// The replies to a MAIL, `rcpts` RCPT and a DATA already written (behind the previous
/// message's end), checked as [`envelope`] checks them. A relay that closed the session
/// without answering them ended it after the previous message: [`Kind::Closed`].
///
/// [`Kind::Closed`]: Kind::Closed
pub(super) async fn primed(
    stream: &mut Stream,
    t: Duration,
    rcpts: usize,
    sender_refused: impl FnOnce(Failure) -> Failure,
) -> Result<(), Failure> {
    match stream.reply(t).await {
        Err(lost @ (Lost::Closed | Lost::Reset)) => Err(Failure::new(
            Kind::Closed,
            format!("connection lost: {lost}"),
        )),
        got => expect(got, 2, "MAIL").map_err(sender_refused).map(drop),
    }?;
    rest(stream, t, rcpts).await
}

/// The replies to each RCPT and to DATA, after MAIL's.
async fn rest(stream: &mut Stream, t: Duration, rcpts: usize) -> Result<(), Failure> {
    for _ in 0..rcpts {
        expect(stream.reply(t).await, 2, "RCPT")?;
    }
    expect(stream.reply(t).await, 3, "DATA")?;
    no_more(stream)
}

/// After DATA's 354 the relay waits for the message: anything more it said was not asked for,
/// and its replies would no longer match the commands.
fn no_more(stream: &Stream) -> Result<(), Failure> {
    if stream.unread() {
        return Err(Failure::new(
            Kind::Temporary,
            "the relay said more than its 354 to DATA, unasked: the session was closed",
        ));
    }
    Ok(())
}

const DATA: &str = "DATA\r\n";

/// MAIL, each RCPT and DATA as the text of one write.
pub(super) fn batch(mail: &str, rcpts: &[String]) -> String {
    let mut batch = mail.to_string();
    for rcpt in rcpts {
        batch.push_str(rcpt);
    }
    batch.push_str(DATA);
    batch
}

/// Writes the message, its final "." and then `next` (the next message's commands, when the
/// relay pipelines: RFC 2920 lets them follow the end of the data) in one write, and reads the
/// reply to the message. Returns that reply (or why none came) and whether the final "." was
/// taken by the socket, which places a failure before the message's end (retried) or after it.
/// `out` is the session's buffer for what is written, kept from one message to the next.
pub(super) async fn end(
    stream: &mut Stream,
    watch: &Watch,
    t: Duration,
    (message, next): (&str, Option<&str>),
    out: &mut String,
) -> (Result<Reply, Lost>, bool) {
    out.clear();
    out.reserve(message.len() + message.len() / 64 + 8 + next.map_or(0, str::len));
    data(message, out);
    watch.expect_end(out.len());
    out.push_str(next.unwrap_or(""));
    let result = match tokio::time::timeout(t, stream.write(out.as_bytes())).await {
        Ok(Ok(())) => stream.reply(t).await,
        Ok(Err(lost)) => Err(lost),
        Err(_) => Err(Lost::TimedOut(t)),
    };
    (result, watch.take_ended())
}

/// `message` as it goes after DATA (RFC 5321 section 4.5.2): a "." that starts a line doubled,
/// then the final "." on a line of its own. (lettre does the same one byte at a time, which took
/// a third of a send's time; std's `match_indices` a tenth.)
fn data(message: &str, out: &mut String) {
    if message.starts_with('.') {
        out.push('.');
    }
    let mut from = 0;
    for at in memchr::memmem::find_iter(message.as_bytes(), b"\r\n.") {
        out.push_str(&message[from..at + 3]);
        out.push('.');
        from = at + 3;
    }
    out.push_str(&message[from..]);
    if !message.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
}

#[cfg(test)]
mod tests {
    use super::data;

    #[test]
    fn a_dot_that_starts_a_line_is_doubled_and_the_end_is_a_dot_on_its_own_line() {
        let cases = [
            ("a\r\nb\r\n", "a\r\nb\r\n.\r\n"),
            ("no end", "no end\r\n.\r\n"),
            (".first\r\n", "..first\r\n.\r\n"),
            (
                "a\r\n.\r\n..b\r\nc.d\r\n",
                "a\r\n..\r\n...b\r\nc.d\r\n.\r\n",
            ),
            ("a\n.b\r\n", "a\n.b\r\n.\r\n"),
            ("", "\r\n.\r\n"),
        ];
        for (message, sent) in cases {
            let mut out = String::new();
            data(message, &mut out);
            assert_eq!(out, sent, "for {message:?}");
        }
    }
}
