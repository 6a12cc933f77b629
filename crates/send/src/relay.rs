//! Talking to the mail relay: the [`Relay`] trait a session sits behind, its SMTP and sendmail
//! implementations and [`Channel`] (whichever the recipients file names), and one message's
//! exchange on an SMTP session. Opening a session is [`super::open`]; the commands of a
//! message, pipelined or not, are [`super::pipelining`], on our own SMTP reader and writer
//! ([`super::smtp`]) over a watched socket ([`super::wire`]); what a failure is,
//! [`super::failure`].

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailParameter};
use lettre::{AsyncSendmailTransport, AsyncTransport, Tokio1Executor};

pub use super::failure::{Failure, Kind};
use super::failure::{judge_end, said};
use super::open::Session;
use super::smtp::Extensions;
use crate::input::recipients::{Auth, Smtp, Transport};
use crate::secret::Credential;

/// A way to hand messages to a relay, one session at a time: an SMTP relay ([`SmtpRelay`]), the
/// local mail system ([`SendmailRelay`]), either of them as the recipients file says
/// ([`Channel`]), or a scripted fake in the send engine's unit tests. The engine opens
/// sessions, sends on them and drops them after any failure; what each failure means is the
/// [`Failure`]'s kind, and what to do about it [`super::decide`]'s.
pub trait Relay: Send + Sync + 'static {
    type Session: Send + 'static;

    /// How many sessions may be open at once.
    fn connections(&self) -> usize;

    /// Opens a session, ready for its first message.
    fn open(&self) -> impl Future<Output = Result<Self::Session, Failure>> + Send;

    /// Sends one message; on any failure the session is finished with.
    fn send(
        &self,
        session: &mut Self::Session,
        message: Outgoing<'_>,
    ) -> impl Future<Output = Result<String, Failure>> + Send;

    /// Ends a session politely.
    fn close(&self, session: Self::Session) -> impl Future<Output = ()> + Send;

    /// Whether `session` can carry `envelope` next: not if the relay ended it, or if it has
    /// another message's commands under way.
    fn fits(&self, session: &Self::Session, envelope: &Envelope) -> bool;

    /// Whether the next message's commands can follow a message's end on `session`.
    fn pipelines(&self, session: &Self::Session) -> bool;
}

/// One message to send: its envelope and text, whether no message has been accepted yet in
/// this run, the next message's envelope, whose commands may follow this one's end, and whether
/// this is the session's last message (nobody is left to send to), whose QUIT may follow it.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    pub envelope: &'a Envelope,
    pub text: &'a str,
    pub first: bool,
    pub then: Option<&'a Envelope>,
    pub last: bool,
}

/// An SMTP relay, as `smtp:` in the recipients file says, with the password or token.
pub struct SmtpRelay {
    settings: Smtp,
    credential: Option<Credential>,
    client_id: ClientId,
}

/// The local mail system (`transport: sendmail`).
pub struct SendmailRelay(AsyncSendmailTransport<Tokio1Executor>);

/// How messages leave this machine, as the recipients file says.
pub enum Channel {
    Smtp(SmtpRelay),
    Sendmail(SendmailRelay),
}

/// An open route to the relay: an SMTP session, or nothing for sendmail.
pub enum Conn {
    Smtp(Box<Session>),
    Sendmail,
}

impl Conn {
    /// Whether the relay ended the session between messages (a relay may end it after so many
    /// messages, then refuse new connections for a while). Such a session is opened again
    /// before the next message instead of failing it: nothing of that message was sent.
    pub(crate) fn ended_by_relay(&self) -> bool {
        match self {
            Conn::Smtp(s) => s.watch.relay_closed(),
            Conn::Sendmail => false,
        }
    }

    /// Whether this session has the MAIL, RCPT and DATA of a message other than `envelope`
    /// under way (after the previous message's end), or its QUIT: then it cannot send `envelope`.
    pub(crate) fn primed_for_another(&self, envelope: &Envelope) -> bool {
        match self {
            Conn::Smtp(s) => s.quit_sent || s.primed.as_ref().is_some_and(|p| p != envelope),
            Conn::Sendmail => false,
        }
    }

    /// Whether a message's commands can follow the previous message's end on this session.
    pub fn pipelines(&self) -> bool {
        matches!(self, Conn::Smtp(s) if s.extensions.pipelining)
    }
}

impl Channel {
    pub fn new(transport: &Transport, credential: Option<Credential>) -> Channel {
        match transport {
            Transport::Smtp(s) => {
                let client_id = match &s.hello_name {
                    Some(name) => ClientId::Domain(name.clone()),
                    None => ClientId::default(),
                };
                Channel::Smtp(SmtpRelay {
                    settings: s.clone(),
                    credential,
                    client_id,
                })
            }
            Transport::Sendmail => Channel::Sendmail(SendmailRelay(AsyncSendmailTransport::<
                Tokio1Executor,
            >::new())),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Channel::Smtp(r) => format!("SMTP relay {}", r.settings.describe()),
            Channel::Sendmail(_) => "the local mail system (sendmail)".into(),
        }
    }
}

impl Relay for Channel {
    type Session = Conn;

    fn connections(&self) -> usize {
        match self {
            Channel::Smtp(r) => r.connections(),
            Channel::Sendmail(r) => r.connections(),
        }
    }

    async fn open(&self) -> Result<Conn, Failure> {
        match self {
            Channel::Smtp(r) => r.open().await.map(|s| Conn::Smtp(Box::new(s))),
            Channel::Sendmail(r) => r.open().await.map(|()| Conn::Sendmail),
        }
    }

    async fn send(&self, conn: &mut Conn, message: Outgoing<'_>) -> Result<String, Failure> {
        match (self, conn) {
            (Channel::Smtp(r), Conn::Smtp(session)) => r.send(session, message).await,
            (Channel::Sendmail(r), _) => r.send(&mut (), message).await,
            _ => Err(Failure::new(
                Kind::Fatal,
                "internal error: connection does not match the transport",
            )),
        }
    }

    async fn close(&self, conn: Conn) {
        if let (Channel::Smtp(r), Conn::Smtp(s)) = (self, conn) {
            r.close(*s).await;
        }
    }

    fn fits(&self, conn: &Conn, envelope: &Envelope) -> bool {
        !conn.ended_by_relay() && !conn.primed_for_another(envelope)
    }

    fn pipelines(&self, conn: &Conn) -> bool {
        conn.pipelines()
    }
}

impl Relay for SmtpRelay {
    type Session = Session;

    fn connections(&self) -> usize {
        self.settings.connections
    }

    /// Opens a session ([`super::open`]): TCP (no Nagle), TLS if configured, the greeting,
    /// EHLO, STARTTLS if configured, then login. Each step has the configured time-out of its
    /// own, so that the message says which step the relay did not answer; all of them together
    /// at most four times that (a relay that stalls mid-handshake cannot hang us).
    async fn open(&self) -> Result<Session, Failure> {
        let s = &self.settings;
        let limit = s.timeout * 4;
        let open = super::open::session(s, self.credential.as_ref(), &self.client_id);
        match tokio::time::timeout(limit, open).await {
            Ok(r) => r,
            Err(_) => Err(Failure::new(
                Kind::Temporary,
                format!(
                    "SMTP relay {} did not finish opening a session within {limit:?}",
                    s.describe()
                ),
            )),
        }
    }

    /// Sends one message over an open session: its envelope (MAIL, RCPT, DATA, one step at a
    /// time or pipelined, every reply read before the message), then the message, its end and,
    /// where the relay pipelines, `then`'s envelope behind it (the session is then left waiting
    /// for those replies: the next message on it must be `then`'s). A failure is placed by
    /// [`judge_end`]: before the relay can have read the message's end (nothing was accepted:
    /// safe to retry) or after (it may have taken it: never resent on its own).
    async fn send(&self, session: &mut Session, m: Outgoing<'_>) -> Result<String, Failure> {
        deliver_smtp(&self.settings, session, m).await
    }

    /// QUIT (or, if it went behind the last message, its reply); a session left waiting for a
    /// message after DATA is only closed, so that the relay drops that unfinished message (a QUIT
    /// would be read as part of it).
    async fn close(&self, mut s: Session) {
        if s.primed.is_none() {
            let t = Duration::from_secs(5);
            let _ = if s.quit_sent {
                s.stream.reply(t).await
            } else {
                s.stream.command(QUIT, t).await
            };
            s.stream.shutdown().await;
        }
    }

    fn fits(&self, s: &Session, envelope: &Envelope) -> bool {
        !s.watch.relay_closed() && !s.quit_sent && s.primed.as_ref().is_none_or(|p| p == envelope)
    }

    fn pipelines(&self, s: &Session) -> bool {
        s.extensions.pipelining
    }
}

impl Relay for SendmailRelay {
    type Session = ();

    fn connections(&self) -> usize {
        1
    }

    async fn open(&self) -> Result<(), Failure> {
        Ok(())
    }

    async fn send(&self, _: &mut (), m: Outgoing<'_>) -> Result<String, Failure> {
        deliver_sendmail(&self.0, m.envelope, m.text, m.first).await
    }

    async fn close(&self, (): ()) {}

    fn fits(&self, (): &(), _: &Envelope) -> bool {
        true
    }

    fn pipelines(&self, (): &()) -> bool {
        false
    }
}

/// [`SmtpRelay::send`]: the envelope, then the message and its end, and behind the end the
/// next message's commands or, after the last message, QUIT (where the relay pipelines: RFC
/// 2920 lets a QUIT follow the end of the data, and the session then ends one round trip
/// sooner).
async fn deliver_smtp(
    settings: &Smtp,
    session: &mut Session,
    m: Outgoing<'_>,
) -> Result<String, Failure> {
    let Outgoing {
        envelope,
        text: message,
        then,
        last,
        ..
    } = m;
    let t = settings.timeout;
    // MAIL names only the sender: a permanent refusal of it refuses every recipient alike (a
    // login required, a sender not allowed), so it stops the send.
    let sender = |f: Failure| match f.kind {
        Kind::Permanent => sender_refused(settings, &f),
        _ => f,
    };
    let stream = &mut session.stream;
    if let Some(primed) = session.primed.take() {
        debug_assert!(&primed == envelope, "a session primed for another message");
        super::pipelining::primed(stream, t, envelope.to().len(), sender).await?;
    } else {
        if stream.unread() {
            return Err(Failure::new(
                Kind::Closed,
                "the relay said something unasked between two messages",
            ));
        }
        let (mail, rcpts) = commands(&session.extensions, settings, envelope)?;
        let pipelining = session.extensions.pipelining;
        super::pipelining::envelope(stream, t, pipelining, mail, rcpts, sender).await?;
    }
    // The next message's commands, if they can follow this one's end.
    let next = then
        .filter(|_| session.extensions.pipelining)
        .and_then(|e| Some((e, commands(&session.extensions, settings, e).ok()?)));
    let quit = next.is_none() && last && session.extensions.pipelining;
    let batch = match &next {
        Some((_, (mail, rcpts))) => Some(super::pipelining::batch(mail, rcpts)),
        None if quit => Some(QUIT.to_string()),
        None => None,
    };
    session.quit_sent = quit;
    let (got, ended) = super::pipelining::end(
        stream,
        &session.watch,
        t,
        (message, batch.as_deref()),
        &mut session.out,
    )
    .await;
    let unasked = batch.is_none() && stream.unread();
    let reply = judge_end(got, ended, unasked)?;
    session.primed = next.map(|(e, _)| e.clone());
    Ok(reply)
}

const QUIT: &str = "QUIT\r\n";

/// [`SendmailRelay::send`]: the message handed to the local `sendmail`.
async fn deliver_sendmail(
    t: &AsyncSendmailTransport<Tokio1Executor>,
    envelope: &Envelope,
    message: &str,
    first: bool,
) -> Result<String, Failure> {
    match tokio::time::timeout(sendmail_timeout(), t.send_raw(envelope, message.as_bytes())).await {
        // It was given the message and did not finish: it may have taken it.
        Err(_) => Err(Failure::new(
            Kind::Uncertain,
            format!(
                "the local mail system (sendmail) did not finish within {:?}; it may have taken the message",
                sendmail_timeout()
            ),
        )),
        Ok(Ok(())) => Ok("queued by sendmail".into()),
        // Failing at the very start means sendmail itself is missing or broken.
        Ok(Err(e)) if first => Err(Failure::new(
            Kind::Fatal,
            format!(
                "the local mail system did not take the message: {}",
                said(&e)
            ),
        )),
        Ok(Err(e)) => Err(Failure::new(
            Kind::Permanent,
            format!(
                "the local mail system did not take this message: {}",
                said(&e)
            ),
        )),
    }
}

/// MAIL and each RCPT for `envelope`, as text, with SMTPUTF8 where an address needs it. A
/// sender the relay cannot take (letters outside ASCII, no SMTPUTF8) stops the send.
fn commands(
    extensions: &Extensions,
    settings: &Smtp,
    envelope: &Envelope,
) -> Result<(String, Vec<String>), Failure> {
    let mut params = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    if !envelope.to().iter().chain(envelope.from()).all(ascii) {
        if !extensions.smtputf8 {
            // The sender is everyone's: a refusal for it is the whole send's.
            if let Some(from) = envelope.from().filter(|a| !ascii(a)) {
                return Err(Failure::new(
                    Kind::Fatal,
                    format!(
                        "the `from` address {from} has letters outside ASCII and {} does not accept such addresses (it does not offer SMTPUTF8)",
                        settings.describe()
                    ),
                )
                .with_help(
                    "use a `from` address in plain ASCII letters in publisher.yaml, or a relay that offers SMTPUTF8",
                ));
            }
            return Err(Failure::new(
                Kind::Permanent,
                "the address has letters outside ASCII and the relay does not accept such addresses (no SMTPUTF8)",
            ));
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    let mail = Mail::new(envelope.from().cloned(), params).to_string();
    let rcpts = envelope
        .to()
        .iter()
        .map(|to| Rcpt::new(to.clone(), Vec::new()).to_string())
        .collect();
    Ok((mail, rcpts))
}

/// A permanent refusal of the sender (`MAIL FROM`): the whole send's, never one recipient's.
/// A `530` or a `5.7.0` (RFC 4954: authentication required) says a login is wanted.
fn sender_refused(s: &Smtp, refusal: &Failure) -> Failure {
    let reply = &refusal.text;
    let login = refusal
        .reply
        .as_ref()
        .is_some_and(|r| r.code == 530 || r.enhanced() == Some("5.7.0"));
    if login && s.auth == Auth::None {
        Failure::new(
            Kind::Fatal,
            format!(
                "{} requires a login (it answered `{reply}`), but the recipients file says `auth: none`",
                s.describe()
            ),
        )
        .with_help("set `auth:` and `username:` under `smtp:` in the recipients file (see docs/send.md), then run the same command again")
    } else {
        Failure::new(
            Kind::Fatal,
            format!(
                "{} refused the sender, so it would refuse everyone: `{reply}`",
                s.describe()
            ),
        )
        .with_help(
            "check the `from` address in publisher.yaml, and the login, with whoever runs the relay",
        )
    }
}

/// How long `sendmail` may take over one message: it only queues it on this machine, so a
/// minute is generous. A test build may shorten it (`BULLETIN_SENDMAIL_TIMEOUT_MS`).
fn sendmail_timeout() -> Duration {
    #[cfg(feature = "test-hooks")]
    if let Some(ms) = std::env::var("BULLETIN_SENDMAIL_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    Duration::from_secs(60)
}
