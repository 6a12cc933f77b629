//! SMTP PIPELINING (RFC 2920) on lettre's connection: a message's MAIL, RCPT and DATA commands
//! go out in one write and their replies are read in order, when the relay offers PIPELINING;
//! one command at a time when it does not. The next message's commands go in the same write as
//! this message's data and final "." (RFC 2920 allows commands after the end of the data), so
//! that on a session that pipelines each message after the first costs one round trip: against a
//! relay 20 ms away, 20 ms a message instead of 80 one step at a time. That is done only while
//! no rate limit holds messages back (`rate_per_minute: 0` and the relay not slowing us down):
//! under a rate, the rate sets the speed, and the relay would be left waiting after DATA.
//!
//! Why on top of lettre and not instead of it: lettre's `AsyncSmtpConnection::command` writes one
//! command and waits for its reply, and its `ServerInfo` keeps no PIPELINING keyword, so lettre
//! cannot pipeline. It still does everything else here: STARTTLS, AUTH, the commands' syntax
//! (`Mail`, `Rcpt`, `Data`), and reading and parsing replies (`read_response`). This module puts
//! several commands, or a message and commands, in one write (`command` takes any text and reads
//! the first reply) and reads the other replies with `read_response`; it doubles a message's
//! leading dots itself ([`data`]), many times faster than lettre's byte-at-a-time encoder, and
//! learns whether the relay pipelines from an EHLO of its own, sent again before login (RFC 5321
//! allows EHLO to be repeated; it resets only the mail transaction).
//!
//! Failure handling is as strict as one step at a time: every reply up to DATA's 354 is read and
//! checked before a byte of the message is written, and the first refusal in order is the one
//! reported (a refused MAIL makes the RCPT and DATA after it fail too; those replies are not
//! read and the session is dropped, so a relay that wrongly accepts that DATA gets no message
//! and no end of data). A failure while the message goes is placed by the socket's count of
//! bytes written ([`Watch`]): before its final "." was taken, the relay cannot have the message
//! and it is tried again; after, it may have been delivered and is never resent on its own.
//! Commands written behind a message's end are only an envelope: if that message fails, the
//! session is dropped and the next message starts afresh on another, without counting a try.

use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;

use super::relay::{Failure, Watch, step};

/// Whether the relay pipelines, asked with an EHLO of our own (lettre keeps no record of it).
pub(super) async fn offered(
    conn: &mut AsyncSmtpConnection,
    client_id: &ClientId,
    t: Duration,
) -> Result<bool, Failure> {
    // A refusal here is the relay's, not a recipient's: it stops the run.
    let reply = match step(t, conn.command(Ehlo::new(client_id.clone()))).await {
        Err(Failure::Permanent(m)) => Err(Failure::Fatal(format!("the relay refused EHLO: {m}"))),
        other => other,
    }?;
    // The first line is the relay's name; each further line is one extension and its arguments.
    Ok(reply.message().skip(1).any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|keyword| keyword.eq_ignore_ascii_case("PIPELINING"))
    }))
}

/// MAIL, each RCPT and DATA, up to the relay's 354 ("go ahead"): in one write when `pipelining`,
/// else one command and its reply at a time. A failure of MAIL (the sender's step) goes through
/// `sender_refused`, which may turn it into a refusal of the whole send.
pub(super) async fn envelope(
    conn: &mut AsyncSmtpConnection,
    t: Duration,
    pipelining: bool,
    mail: Mail,
    rcpts: Vec<Rcpt>,
    sender_refused: impl FnOnce(Failure) -> Failure,
) -> Result<(), Failure> {
    if !pipelining {
        step(t, conn.command(mail)).await.map_err(sender_refused)?;
        for rcpt in rcpts {
            step(t, conn.command(rcpt)).await?;
        }
        step(t, conn.command(Data)).await?;
        return Ok(());
    }
    // Writes all of them, then reads MAIL's reply; the rest follow in order.
    step(t, conn.command(batch(&mail, &rcpts)))
        .await
        .map_err(sender_refused)?;
    rest(conn, t, rcpts.len()).await
}

/// The replies to a MAIL, `rcpts` RCPT and a DATA already written (behind the previous
/// message's end), checked as [`envelope`] checks them.
pub(super) async fn primed(
    conn: &mut AsyncSmtpConnection,
    t: Duration,
    rcpts: usize,
    sender_refused: impl FnOnce(Failure) -> Failure,
) -> Result<(), Failure> {
    step(t, conn.read_response())
        .await
        .map_err(sender_refused)?;
    rest(conn, t, rcpts).await
}

/// The replies to each RCPT and to DATA, after MAIL's.
async fn rest(conn: &mut AsyncSmtpConnection, t: Duration, rcpts: usize) -> Result<(), Failure> {
    for _ in 0..rcpts {
        step(t, conn.read_response()).await?;
    }
    step(t, conn.read_response()).await?;
    Ok(())
}

/// MAIL, each RCPT and DATA as the text of one write.
pub(super) fn batch(mail: &Mail, rcpts: &[Rcpt]) -> String {
    let mut batch = mail.to_string();
    for rcpt in rcpts {
        batch.push_str(&rcpt.to_string());
    }
    batch.push_str(&Data.to_string());
    batch
}

/// Writes the message, its final "." and then `next` (the next message's commands, when the
/// relay pipelines: RFC 2920 lets them follow the end of the data) in one write, and reads the
/// reply to the message. Returns that reply (or a time-out) and whether the final "." was taken
/// by the socket, which places a failure before the message's end (retried) or after it.
pub(super) async fn end(
    conn: &mut AsyncSmtpConnection,
    watch: &Watch,
    t: Duration,
    message: &str,
    next: Option<&str>,
) -> (
    Result<Result<Response, lettre::transport::smtp::Error>, tokio::time::error::Elapsed>,
    bool,
) {
    let mut out =
        String::with_capacity(message.len() + message.len() / 64 + 8 + next.map_or(0, str::len));
    data(message, &mut out);
    watch.expect_end(out.len());
    out.push_str(next.unwrap_or(""));
    let result = tokio::time::timeout(t, conn.command(Written(&out))).await;
    (result, watch.take_ended())
}

/// The text of one write, as lettre's `command` takes it.
struct Written<'a>(&'a str);

impl std::fmt::Display for Written<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
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
