//! SMTP PIPELINING (RFC 2920) on lettre's connection: a message's MAIL, RCPT and DATA commands
//! go out in one write and their replies are read in order, when the relay offers PIPELINING;
//! one command at a time when it does not. Against a relay 20 ms away this makes a message two
//! round trips (the commands, then the message and its end) instead of four.
//!
//! Why on top of lettre and not instead of it: lettre's `AsyncSmtpConnection::command` writes one
//! command and waits for its reply, and its `ServerInfo` keeps no PIPELINING keyword, so lettre
//! cannot pipeline. It still does everything else here: the stream and STARTTLS, AUTH, the
//! commands' syntax (`Mail`, `Rcpt`, `Data`), reading and parsing replies (`read_response`) and
//! the message's dot-stuffing. This module only puts several of lettre's commands in one write
//! (`command` takes any text and reads the first reply) and reads the other replies with
//! `read_response`; it learns whether the relay pipelines from an EHLO of its own, sent again
//! before login (RFC 5321 allows EHLO to be repeated; it resets only the mail transaction).
//!
//! Failure handling is as strict as one step at a time: every reply up to DATA's 354 is read and
//! checked before a byte of the message is written, and the first refusal in order is the one
//! reported (a refused MAIL makes the RCPT and DATA after it fail too; those replies are not
//! read and the session is dropped, so a relay that wrongly accepts that DATA gets no message
//! and no end of data). So every failure here comes before the relay has the message: retried
//! (4xx, lost connection) or recorded as refused (5xx), never "may have delivered it".

use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;

use super::relay::{Failure, step};

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
    let mut batch = mail.to_string();
    for rcpt in &rcpts {
        batch.push_str(&rcpt.to_string());
    }
    batch.push_str(&Data.to_string());
    // Writes all of them, then reads MAIL's reply; the rest follow in order.
    step(t, conn.command(batch)).await.map_err(sender_refused)?;
    for _ in &rcpts {
        step(t, conn.read_response()).await?;
    }
    step(t, conn.read_response()).await?;
    Ok(())
}
