//! Talking to the mail relay: our own connections on lettre's SMTP client, with TCP_NODELAY set
//! and every byte written counted.
//!
//! The socket is ours ([`Wire`]): with TCP_NODELAY, a write that ends with a short line (a
//! message's final ".", the commands after it) goes out at once instead of waiting out a Nagle /
//! delayed-ACK stall (about 40 ms, which would cap a connection at about 23 messages a second);
//! and the bytes it has taken tell whether a lost connection came before a message's final "."
//! (the relay cannot have it: tried again) or after (it may have: never resent on its own). The
//! SMTP exchange itself is in [`super::pipelining`].

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use lettre::{AsyncSendmailTransport, AsyncTransport, Tokio1Executor};
use tokio::net::TcpStream;

use crate::diagnostic::escape_controls;
use crate::input::recipients::{Auth, Security, Smtp, Transport};

/// Why one attempt did not deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again: a 4xx reply, a dropped or refused connection, a time-out.
    Temporary(String),
    /// The relay refused this recipient for good (5xx): recorded as failed.
    Permanent(String),
    /// Nothing can be sent (login refused, certificate invalid): the run stops.
    Fatal(String),
    /// The whole message was sent but the relay's answer never came: it may have been
    /// delivered. Recorded as failed and not resent automatically (`--retry-failed` resends).
    Uncertain(String),
    /// The relay is limiting the rate (421; 451 or 452 with 4.7.x or 4.3.2; a connection
    /// refused): the send slows down, and the recipient is tried again without counting it.
    Throttled(String),
    /// The relay closed the session without answering this message's commands, which went out
    /// behind the previous message's end (a relay may end a session after a message): nothing
    /// of this message was sent, so it goes again on a new session, once without counting a try.
    Closed(String),
}

/// Whether a temporary reply says the relay is limiting the rate rather than refusing this
/// message: `421` (closing, busy), or `451`/`452` with an enhanced status 4.7.x (policy, such as
/// "too many messages") or 4.3.2 (system not accepting messages).
fn throttling(reply: &str) -> bool {
    let mut words = reply.split_whitespace();
    let code = words.next().unwrap_or("");
    let detail = words.next().unwrap_or("");
    code == "421"
        || ((code == "451" || code == "452") && (detail.starts_with("4.7.") || detail == "4.3.2"))
}

/// A temporary reply, as a [`Failure`]: [`Failure::Throttled`] if it limits the rate.
fn temporary(reply: String) -> Failure {
    if throttling(&reply) {
        Failure::Throttled(reply)
    } else {
        Failure::Temporary(reply)
    }
}

/// One SMTP command before the end of the message: any failure here means the relay has not
/// taken the message, so it is safe to try again (4xx, lost connection) or not (5xx).
pub(super) async fn step(
    t: Duration,
    command: impl std::future::Future<
        Output = Result<
            lettre::transport::smtp::response::Response,
            lettre::transport::smtp::Error,
        >,
    >,
) -> Result<lettre::transport::smtp::response::Response, Failure> {
    match tokio::time::timeout(t, command).await {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(e)) if e.is_permanent() => Err(Failure::Permanent(reply_of(&e))),
        Ok(Err(e)) if e.is_transient() => Err(temporary(reply_of(&e))),
        Ok(Err(e)) => Err(Failure::Temporary(format!("connection lost: {}", said(&e)))),
        Err(_) => Err(Failure::Temporary(format!("no reply within {t:?}"))),
    }
}

/// How messages leave this machine.
pub enum Channel {
    Smtp {
        settings: Smtp,
        credential: Option<String>,
        client_id: ClientId,
    },
    Sendmail(AsyncSendmailTransport<Tokio1Executor>),
}

/// An open route to the relay: an SMTP session, or nothing for sendmail.
pub enum Conn {
    Smtp(Box<Session>),
    Sendmail,
}

/// An SMTP session and what we know of it that lettre does not keep.
pub struct Session {
    pub(super) smtp: AsyncSmtpConnection,
    /// Whether the relay offers PIPELINING.
    pub(super) pipelining: bool,
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
        matches!(self, Conn::Smtp(s) if s.pipelining)
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

/// The TCP connection to the relay, under lettre (and under TLS): counts the bytes written and,
/// just before the bytes that complete a message's final ".", checks that the relay has not
/// closed the connection (it would then not have the message, though the socket may still
/// take bytes).
#[derive(Debug)]
struct Wire {
    tcp: TcpStream,
    watch: Arc<Watch>,
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

impl lettre::transport::smtp::client::AsyncTokioStream for Wire {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.tcp.peer_addr()
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
                Channel::Smtp {
                    settings: s.clone(),
                    credential,
                    client_id,
                }
            }
            Transport::Sendmail => {
                Channel::Sendmail(AsyncSendmailTransport::<Tokio1Executor>::new())
            }
        }
    }

    /// How many messages may be under way at once.
    pub fn connections(&self) -> usize {
        match self {
            Channel::Smtp { settings, .. } => settings.connections,
            Channel::Sendmail(_) => 1,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Channel::Smtp { settings, .. } => format!("SMTP relay {}", settings.describe()),
            Channel::Sendmail(_) => "the local mail system (sendmail)".into(),
        }
    }

    /// Opens a session: TCP (no Nagle), the greeting, EHLO, STARTTLS or TLS as configured, then
    /// login. Each step has the configured time-out of its own, so that the message says which
    /// step the relay did not answer; all of them together at most four times that (a relay
    /// that stalls mid-handshake cannot hang us).
    pub async fn connect(&self) -> Result<Conn, Failure> {
        let limit = match self {
            Channel::Smtp { settings, .. } => settings.timeout * 4,
            Channel::Sendmail(_) => return Ok(Conn::Sendmail),
        };
        match tokio::time::timeout(limit, self.open()).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Temporary(format!(
                "{} did not finish opening a session within {limit:?}",
                self.describe()
            ))),
        }
    }

    async fn open(&self) -> Result<Conn, Failure> {
        let Channel::Smtp {
            settings: s,
            credential,
            client_id,
        } = self
        else {
            return Ok(Conn::Sendmail);
        };
        let tls = || {
            let mut builder = TlsParameters::builder(s.host.clone());
            if let Some(pem) = &s.ca_pem {
                let cert = Certificate::from_pem(pem).map_err(|e| {
                    Failure::Fatal(format!("the `ca_file` certificate cannot be read: {e}"))
                })?;
                builder = builder.add_root_certificate(cert);
            }
            builder
                .build()
                .map_err(|e| Failure::Fatal(format!("cannot set up TLS for {}: {e}", s.host)))
        };
        let watch;
        let mut conn = match s.security {
            Security::Tls => {
                // Implicit TLS on our own socket too, so that TCP_NODELAY holds here as well.
                let tcp = tcp_connect(s).await?;
                watch = Watch::new(Peer::of(&tcp));
                let wire = Wire {
                    tcp,
                    watch: watch.clone(),
                };
                let name =
                    rustls::pki_types::ServerName::try_from(s.host.clone()).map_err(|e| {
                        Failure::Fatal(format!(
                            "`{}` is not a valid host name for TLS: {e}",
                            s.host
                        ))
                    })?;
                let tls = tokio_rustls::TlsConnector::from(
                    crate::tls::client_config(s.ca_pem.as_deref()).map_err(|reason| {
                        Failure::Fatal(format!("the `ca_file` certificate {reason}"))
                    })?,
                )
                    .connect(name, wire)
                    .await
                    .map_err(|e| Failure::Fatal(format!(
                        "the secure connection to {} failed (is its certificate valid for `{}`?): {}",
                        s.describe(),
                        s.host,
                        said(&e)
                    )))?;
                tokio::time::timeout(
                    s.timeout,
                    AsyncSmtpConnection::connect_with_transport(
                        Box::new(ImplicitTls(tls)),
                        client_id,
                    ),
                )
                .await
                .map_err(|_| {
                    Failure::Temporary(format!(
                        "{} did not greet and answer EHLO within {:?}",
                        s.describe(),
                        s.timeout
                    ))
                })?
                .map_err(|e| classify_connect(s, e))?
            }
            Security::StartTls | Security::None => {
                let stream = tcp_connect(s).await?;
                watch = Watch::new(Peer::of(&stream));
                // The greeting on its own: its first bytes, before lettre reads it and says EHLO.
                match tokio::time::timeout(s.timeout, stream.readable()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        return Err(Failure::Temporary(format!(
                            "cannot talk to {}: {e}",
                            s.describe()
                        )));
                    }
                    Err(_) => {
                        return Err(Failure::Temporary(format!(
                            "{} did not greet within {:?}",
                            s.describe(),
                            s.timeout
                        )));
                    }
                }
                let mut conn = tokio::time::timeout(
                    s.timeout,
                    AsyncSmtpConnection::connect_with_transport(
                        Box::new(Wire {
                            tcp: stream,
                            watch: watch.clone(),
                        }),
                        client_id,
                    ),
                )
                .await
                .map_err(|_| {
                    Failure::Temporary(format!(
                        "{} greeted but did not answer EHLO within {:?}",
                        s.describe(),
                        s.timeout
                    ))
                })?
                .map_err(|e| classify_connect(s, e))?;
                if s.security == Security::StartTls {
                    if !conn.can_starttls() {
                        return Err(Failure::Fatal(format!(
                            "{} does not offer STARTTLS, so the connection cannot be encrypted; check `port` and `security` in the recipients file",
                            s.describe()
                        )));
                    }
                    tokio::time::timeout(s.timeout, conn.starttls(tls()?, client_id))
                        .await
                        .map_err(|_| {
                            Failure::Temporary(format!(
                                "{} did not finish STARTTLS within {:?}",
                                s.describe(),
                                s.timeout
                            ))
                        })?
                        .map_err(|e| classify_connect(s, e))?;
                }
                conn
            }
        };
        // Asked before login: an EHLO after AUTH would be a fresh start on some relays.
        let pipelining = super::pipelining::offered(&mut conn, client_id, s.timeout).await?;
        if s.auth != Auth::None {
            if s.security == Security::None && !s.is_loopback() {
                return Err(Failure::Fatal(
                    "refusing to send a password unencrypted to a relay on another machine".into(),
                ));
            }
            let user = s.username.clone().unwrap_or_default();
            let credential = credential.clone().unwrap_or_default();
            let mechanisms: &[Mechanism] = match s.auth {
                Auth::Xoauth2 => &[Mechanism::Xoauth2],
                _ => &[Mechanism::Plain, Mechanism::Login],
            };
            let credentials = Credentials::new(user, credential);
            let login = conn.auth(mechanisms, &credentials);
            let answered = tokio::time::timeout(s.timeout, login).await.map_err(|_| {
                Failure::Temporary(format!(
                    "{} did not answer the login within {:?}",
                    s.describe(),
                    s.timeout
                ))
            })?;
            answered.map_err(|e| {
                if e.is_transient() {
                    Failure::Temporary(format!("the relay could not log in now: {}", reply_of(&e)))
                } else {
                    Failure::Fatal(format!(
                        "the relay refused the login for `{}`: {}. Check the username and the password or token",
                        s.username.as_deref().unwrap_or(""),
                        reply_of(&e)
                    ))
                }
            })?;
        }
        Ok(Conn::Smtp(Box::new(Session {
            smtp: conn,
            pipelining,
            watch,
            primed: None,
        })))
    }

    /// Sends one message over an open session, one SMTP step at a time or with MAIL, RCPT and
    /// DATA pipelined (every reply still read before the message), so that a failure can be
    /// placed: before the message's end (nothing was accepted: safe to retry) or after it was
    /// all sent (the relay may have taken it: [`Failure::Uncertain`], never resent on its own).
    /// Where the relay pipelines, `then`'s MAIL, RCPT and DATA go out right behind this
    /// message's end, and the session is left waiting for their replies: the next `deliver` on
    /// it must be `then`'s. On any failure the session is finished with and must be dropped.
    pub async fn deliver(
        &self,
        conn: &mut Conn,
        envelope: &Envelope,
        message: &str,
        first: bool,
        then: Option<&Envelope>,
    ) -> Result<String, Failure> {
        match (self, conn) {
            (Channel::Smtp { settings, .. }, Conn::Smtp(session)) => {
                let t = settings.timeout;
                // MAIL names only the sender: a permanent refusal of it refuses every recipient
                // alike (a login required, a sender not allowed), so it stops the send.
                let sender = |f| match f {
                    Failure::Permanent(reply) => sender_refused(settings, &reply),
                    other => other,
                };
                let smtp = &mut session.smtp;
                if let Some(primed) = session.primed.take() {
                    debug_assert!(&primed == envelope, "a session primed for another message");
                    match super::pipelining::primed(smtp, t, envelope.to().len(), sender).await {
                        Err(Failure::Temporary(m)) if session.watch.peer.closed() => {
                            return Err(Failure::Closed(m));
                        }
                        r => r?,
                    }
                } else {
                    let (mail, rcpts) = commands(smtp, settings, envelope)?;
                    super::pipelining::envelope(smtp, t, session.pipelining, mail, rcpts, sender)
                        .await?;
                }
                // The next message's commands, if they can follow this one's end.
                let next = then
                    .filter(|_| session.pipelining)
                    .and_then(|e| Some((e, commands(smtp, settings, e).ok()?)));
                let batch = next
                    .as_ref()
                    .map(|(_, (mail, rcpts))| super::pipelining::batch(mail, rcpts));
                let (result, ended) =
                    super::pipelining::end(smtp, &session.watch, t, message, batch.as_deref())
                        .await;
                match result {
                    Ok(Ok(resp)) => {
                        session.primed = next.map(|(e, _)| e.clone());
                        Ok(format!(
                            "{} {}",
                            resp.code(),
                            escape_controls(resp.first_line().unwrap_or("").trim())
                        ))
                    }
                    // A reply to the end of the message is definite: refused now, or for good.
                    Ok(Err(e)) if e.is_permanent() => Err(Failure::Permanent(reply_of(&e))),
                    Ok(Err(e)) if e.is_transient() => Err(temporary(reply_of(&e))),
                    // Lost before the final "." was written, or the relay had closed by then:
                    // it did not take the message, so it is tried again like any lost connection.
                    Ok(Err(e)) if !ended => Err(Failure::Temporary(format!(
                        "the connection was lost before the end of the message ({})",
                        said(&e)
                    ))),
                    Err(_) if !ended => Err(Failure::Temporary(format!(
                        "the relay did not take the message within {t:?}"
                    ))),
                    Ok(Err(e)) => Err(Failure::Uncertain(format!(
                        "the connection failed after the whole message was sent ({}); the relay may have delivered it",
                        said(&e)
                    ))),
                    Err(_) => Err(Failure::Uncertain(format!(
                        "no reply within {t:?} after the whole message was sent; the relay may have delivered it"
                    ))),
                }
            }
            (Channel::Sendmail(t), _) => {
                match tokio::time::timeout(
                    sendmail_timeout(),
                    t.send_raw(envelope, message.as_bytes()),
                )
                .await
                {
                    // It was given the message and did not finish: it may have taken it.
                    Err(_) => Err(Failure::Uncertain(format!(
                        "the local mail system (sendmail) did not finish within {:?}; it may have taken the message",
                        sendmail_timeout()
                    ))),
                    Ok(r) => match r {
                        Ok(()) => Ok("queued by sendmail".into()),
                        // Failing at the very start means sendmail itself is missing or broken.
                        Err(e) if first => Err(Failure::Fatal(format!(
                            "the local mail system did not take the message: {}",
                            said(&e)
                        ))),
                        Err(e) => Err(Failure::Permanent(format!(
                            "the local mail system did not take this message: {}",
                            said(&e)
                        ))),
                    },
                }
            }
            _ => Err(Failure::Fatal(
                "internal error: connection does not match the transport".into(),
            )),
        }
    }

    /// Ends a session politely; one left waiting for a message after DATA is only closed, so
    /// that the relay drops that unfinished message (a QUIT would be read as part of it).
    pub async fn close(&self, conn: Conn) {
        if let Conn::Smtp(mut s) = conn
            && s.primed.is_none()
        {
            let _ = tokio::time::timeout(Duration::from_secs(5), s.smtp.quit()).await;
        }
    }
}

/// MAIL and each RCPT for `envelope`, with SMTPUTF8 where an address needs it. A sender the
/// relay cannot take (letters outside ASCII, no SMTPUTF8) stops the send.
fn commands(
    smtp: &AsyncSmtpConnection,
    settings: &Smtp,
    envelope: &Envelope,
) -> Result<(Mail, Vec<Rcpt>), Failure> {
    let mut params = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    if !envelope.to().iter().chain(envelope.from()).all(ascii) {
        if !smtp.server_info().supports_feature(Extension::SmtpUtfEight) {
            // The sender is everyone's: a refusal for it is the whole send's.
            if let Some(from) = envelope.from().filter(|a| !ascii(a)) {
                return Err(Failure::Fatal(format!(
                    "the `from` address {from} has letters outside ASCII and {} does not accept such addresses (it does not offer SMTPUTF8)\n  help: use a `from` address in plain ASCII letters in publisher.yaml, or a relay that offers SMTPUTF8",
                    settings.describe()
                )));
            }
            return Err(Failure::Permanent(
                "the address has letters outside ASCII and the relay does not accept such addresses (no SMTPUTF8)".into(),
            ));
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    let mail = Mail::new(envelope.from().cloned(), params);
    let rcpts = envelope
        .to()
        .iter()
        .map(|to| Rcpt::new(to.clone(), Vec::new()))
        .collect();
    Ok((mail, rcpts))
}

/// A permanent refusal of the sender (`MAIL FROM`): the whole send's, never one recipient's.
fn sender_refused(s: &Smtp, reply: &str) -> Failure {
    let login = reply.starts_with("530")
        || reply.contains("5.7.0")
        || reply.to_lowercase().contains("authentication required");
    if login && s.auth == Auth::None {
        Failure::Fatal(format!(
            "{} requires a login (it answered `{reply}`), but the recipients file says `auth: none`\n  help: set `auth:` and `username:` under `smtp:` in the recipients file (see docs/send.md), then run the same command again",
            s.describe()
        ))
    } else {
        Failure::Fatal(format!(
            "{} refused the sender, so it would refuse everyone: `{reply}`\n  help: check the `from` address in publisher.yaml, and the login, with whoever runs the relay",
            s.describe()
        ))
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

/// A TCP connection to the relay with Nagle's algorithm off.
async fn tcp_connect(s: &Smtp) -> Result<TcpStream, Failure> {
    let stream = tokio::time::timeout(s.timeout, TcpStream::connect((s.host.as_str(), s.port)))
        .await
        .map_err(|_| {
            Failure::Temporary(format!(
                "no answer from {} within {:?}",
                s.describe(),
                s.timeout
            ))
        })?
        .map_err(|e| {
            let m = format!("cannot connect to {}: {e}", s.describe());
            // After many messages, a relay may refuse connections to slow a sender down.
            if e.kind() == std::io::ErrorKind::ConnectionRefused {
                Failure::Throttled(m)
            } else {
                Failure::Temporary(m)
            }
        })?;
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::Temporary(format!("cannot set up the connection: {e}")))?;
    Ok(stream)
}

/// A TLS stream lettre can run SMTP over (it only needs reading, writing and the peer address).
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<Wire>);

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl lettre::transport::smtp::client::AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.tcp.peer_addr()
    }
}

fn classify_connect(s: &Smtp, e: lettre::transport::smtp::Error) -> Failure {
    // lettre reports a certificate rejected during STARTTLS as a connection error; retrying
    // cannot fix it, so it is recognised by its text.
    let certificate = e.to_string().to_lowercase().contains("certificate");
    if e.is_tls() || certificate {
        Failure::Fatal(format!(
            "the secure connection to {} failed (is its certificate valid for `{}`?): {}",
            s.describe(),
            s.host,
            said(&e)
        ))
    } else if e.is_permanent() {
        Failure::Fatal(format!(
            "{} refused the connection: {}",
            s.describe(),
            reply_of(&e)
        ))
    } else if e.is_transient() && throttling(&reply_of(&e)) {
        Failure::Throttled(format!("{}: {}", s.describe(), reply_of(&e)))
    } else {
        Failure::Temporary(format!("cannot talk to {}: {}", s.describe(), said(&e)))
    }
}

/// An error that may quote the relay (or sendmail), with control characters escaped: what a
/// relay says can hold anything, including a terminal's escape sequences.
fn said(e: &impl std::fmt::Display) -> String {
    escape_controls(&e.to_string()).into_owned()
}

/// The server's reply, as `550 5.1.1 no such user`, safe to print.
fn reply_of(e: &lettre::transport::smtp::Error) -> String {
    let text = said(e);
    match e.status() {
        Some(code) => {
            let detail = text
                .split_once(": ")
                .map_or(text.as_str(), |(_, d)| d)
                .trim();
            format!("{code} {detail}")
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_replies_are_told_from_other_temporary_ones() {
        for limit in [
            "421 4.7.0 too many connections",
            "451 4.7.500 Server busy, try again later",
            "452 4.3.2 system not accepting network messages",
            "421 closing",
        ] {
            assert_eq!(temporary(limit.into()), Failure::Throttled(limit.into()));
        }
        for other in [
            "451 4.3.0 mailbox busy, try again later",
            "452 4.2.2 mailbox full",
            "450 4.7.1 greylisted",
        ] {
            // 450 is not one of the rate-limit codes, whatever its detail.
            assert_eq!(temporary(other.into()), Failure::Temporary(other.into()));
        }
    }
}
