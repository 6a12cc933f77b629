//! Talking to the mail relay: the channel (SMTP or sendmail), one session's message after
//! message, and what each failure is ([`Failure`], judged by [`expect`] and [`judge_end`]).
//!
//! The socket is ours ([`Wire`]): TCP_NODELAY is set, so a write that ends with a short line (a
//! message's final ".", the commands after it) goes out at once instead of waiting out a Nagle /
//! delayed-ACK stall (about 40 ms, which would cap a connection at about 23 messages a second);
//! and it counts the bytes it has taken, which tells whether the final "." was written at all.
//! Opening a session is [`super::open`]; the SMTP exchange of a message, pipelined or not, is
//! [`super::pipelining`], on our own SMTP reader and writer ([`super::smtp`]).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailParameter};
use lettre::{AsyncSendmailTransport, AsyncTransport, Tokio1Executor};
use tokio::net::TcpStream;

use super::smtp::{Extensions, Lost, Reply, Stream};
use crate::diagnostic::escape_controls;
use crate::input::recipients::{Auth, Smtp, Transport};

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
}

impl Failure {
    pub fn new(kind: Kind, text: impl Into<String>) -> Failure {
        Failure {
            kind,
            reply: None,
            text: text.into(),
        }
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
/// this run, and the next message's envelope, whose commands may follow this one's end.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    pub envelope: &'a Envelope,
    pub text: &'a str,
    pub first: bool,
    pub then: Option<&'a Envelope>,
}

/// An SMTP relay, as `smtp:` in the recipients file says, with the password or token.
pub struct SmtpRelay {
    settings: Smtp,
    credential: Option<String>,
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

/// An SMTP session: its connection, what the relay offered, and what has been written.
pub struct Session {
    pub(super) stream: Stream,
    pub(super) extensions: Extensions,
    pub(super) watch: Arc<Watch>,
    /// The envelope whose MAIL, RCPT and DATA went out after the last message's final ".",
    /// their replies not read yet: the next message must be this one's.
    pub(super) primed: Option<Envelope>,
}

/// The relay's end of a session, watched without reading from it: whether it has closed (or
/// reset) the connection. A relay never takes a message before its final "."; one that closed
/// the connection before we wrote that "." did not take it, so the message is safe to send again.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Conn {
    /// Whether the relay ended the session between messages (a relay may end it after so many
    /// messages, then refuse new connections for a while). Such a session is opened again
    /// before the next message instead of failing it: nothing of that message was sent.
    pub fn ended_by_relay(&self) -> bool {
        match self {
            Conn::Smtp(s) => s.watch.peer.closed(),
            Conn::Sendmail => false,
        }
    }

    /// Whether this session has the MAIL, RCPT and DATA of a message other than `envelope`
    /// under way (after the previous message's end): then it cannot send `envelope`.
    pub fn primed_for_another(&self, envelope: &Envelope) -> bool {
        match self {
            Conn::Smtp(s) => s.primed.as_ref().is_some_and(|p| p != envelope),
            Conn::Sendmail => false,
        }
    }

    /// Whether a message's commands can follow the previous message's end on this session.
    pub fn pipelines(&self) -> bool {
        matches!(self, Conn::Smtp(s) if s.extensions.pipelining)
    }
}

impl Peer {
    fn of(stream: &TcpStream) -> Peer {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            Peer {
                fd: stream.as_raw_fd(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = stream;
            Peer {}
        }
    }

    /// Whether the relay has closed or reset the connection (by what has arrived so far). Where
    /// this cannot be told (not on Unix), false: the message is then treated as possibly taken.
    fn closed(&self) -> bool {
        #[cfg(unix)]
        {
            let mut byte = 0u8;
            // SAFETY: the descriptor is the session's socket, open as long as the `Conn` that
            // holds this `Peer`; one byte is peeked into a local, without blocking.
            let n = unsafe {
                libc::recv(
                    self.fd,
                    (&raw mut byte).cast(),
                    1,
                    libc::MSG_PEEK | libc::MSG_DONTWAIT,
                )
            };
            if n >= 0 {
                // 0: the relay's end is closed. A byte: it said something (inconclusive).
                return n == 0;
            }
            let e = std::io::Error::last_os_error();
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
            )
        }
        #[cfg(not(unix))]
        {
            false
        }
    }
}

/// What a session's [`Wire`] has written, shared with the code that sends.
#[derive(Debug)]
pub struct Watch {
    peer: Peer,
    /// Bytes the socket has taken so far.
    written: AtomicU64,
    /// While a message's end is being written: the count at which its final "." is all taken.
    end_at: AtomicU64,
    /// The socket has taken the final ".", with the relay's end still open just before.
    ended: AtomicBool,
}

impl Watch {
    fn new(peer: Peer) -> Arc<Watch> {
        Arc::new(Watch {
            peer,
            written: AtomicU64::new(0),
            end_at: AtomicU64::new(u64::MAX),
            ended: AtomicBool::new(false),
        })
    }

    /// A message's end is about to be written: its final "." ends `len` bytes from here.
    /// Under TLS the socket's bytes are the encrypted ones, at least as many as the plain ones,
    /// so the "." counts as written a little early there: never late.
    pub(super) fn expect_end(&self, len: usize) {
        self.ended.store(false, Ordering::SeqCst);
        let now = self.written.load(Ordering::SeqCst);
        self.end_at.store(now + len as u64, Ordering::SeqCst);
    }

    /// Whether the message's final "." was taken by the socket (it may have reached the relay);
    /// stops watching for it.
    pub(super) fn take_ended(&self) -> bool {
        self.end_at.store(u64::MAX, Ordering::SeqCst);
        self.ended.load(Ordering::SeqCst)
    }
}

/// The TCP connection to the relay, under our SMTP stream (and under TLS): counts the bytes
/// written and, just before the bytes that complete a message's final ".", checks that the
/// relay has not closed the connection (it would then not have the message, though the socket
/// may still take bytes).
#[derive(Debug)]
pub(super) struct Wire {
    tcp: TcpStream,
    watch: Arc<Watch>,
}

impl Wire {
    /// A connection to the relay, watched: the [`Watch`] is shared with the session.
    pub(super) fn new(tcp: TcpStream) -> (Wire, Arc<Watch>) {
        let watch = Watch::new(Peer::of(&tcp));
        (
            Wire {
                tcp,
                watch: watch.clone(),
            },
            watch,
        )
    }
}

impl tokio::io::AsyncRead for Wire {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Wire {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let before = self.watch.written.load(Ordering::SeqCst);
        let end = self.watch.end_at.load(Ordering::SeqCst);
        let completes_end = before < end && before.saturating_add(buf.len() as u64) >= end;
        if completes_end && self.watch.peer.closed() {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the relay closed the connection",
            )));
        }
        let r = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            let after = before + n as u64;
            self.watch.written.store(after, Ordering::SeqCst);
            if before < end && after >= end {
                self.watch.ended.store(true, Ordering::SeqCst);
            }
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

impl Channel {
    pub fn new(transport: &Transport, credential: Option<String>) -> Channel {
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
        let open = super::open::session(s, self.credential.as_deref(), &self.client_id);
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
        deliver_smtp(&self.settings, session, m.envelope, m.text, m.then).await
    }

    /// QUIT; a session left waiting for a message after DATA is only closed, so that the relay
    /// drops that unfinished message (a QUIT would be read as part of it).
    async fn close(&self, mut s: Session) {
        if s.primed.is_none() {
            let _ = s.stream.command("QUIT\r\n", Duration::from_secs(5)).await;
            s.stream.shutdown().await;
        }
    }

    fn fits(&self, s: &Session, envelope: &Envelope) -> bool {
        !s.watch.peer.closed() && s.primed.as_ref().is_none_or(|p| p == envelope)
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

/// [`SmtpRelay::send`]: the envelope, then the message and its end.
async fn deliver_smtp(
    settings: &Smtp,
    session: &mut Session,
    envelope: &Envelope,
    message: &str,
    then: Option<&Envelope>,
) -> Result<String, Failure> {
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
    let batch = next
        .as_ref()
        .map(|(_, (mail, rcpts))| super::pipelining::batch(mail, rcpts));
    let (got, ended) =
        super::pipelining::end(stream, &session.watch, t, message, batch.as_deref()).await;
    let unasked = batch.is_none() && stream.unread();
    let reply = judge_end(got, ended, unasked)?;
    session.primed = next.map(|(e, _)| e.clone());
    Ok(reply)
}

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
                        "the `from` address {from} has letters outside ASCII and {} does not accept such addresses (it does not offer SMTPUTF8)\n  help: use a `from` address in plain ASCII letters in publisher.yaml, or a relay that offers SMTPUTF8",
                        settings.describe()
                    ),
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
    let text = if login && s.auth == Auth::None {
        format!(
            "{} requires a login (it answered `{reply}`), but the recipients file says `auth: none`\n  help: set `auth:` and `username:` under `smtp:` in the recipients file (see docs/send.md), then run the same command again",
            s.describe()
        )
    } else {
        format!(
            "{} refused the sender, so it would refuse everyone: `{reply}`\n  help: check the `from` address in publisher.yaml, and the login, with whoever runs the relay",
            s.describe()
        )
    };
    Failure::new(Kind::Fatal, text)
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

/// An error that may quote the relay (or sendmail), with control characters escaped: what a
/// relay says can hold anything, including a terminal's escape sequences.
pub(super) fn said(e: &impl std::fmt::Display) -> String {
    escape_controls(&e.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
