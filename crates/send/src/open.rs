//! Opening a session with the relay, one phase at a time, each with its own time-out and its
//! own failure: the TCP connection (no Nagle), TLS from the start (`security: tls`), the
//! greeting, EHLO, STARTTLS and EHLO again (`security: starttls`), and the login.
//!
//! A login the relay refuses is reported without the relay's words: some relays repeat what
//! was sent (the password or token, in base64) in their refusal. With `auth: oauth2`, each
//! session logs in with an access token that is not about to expire, and a token refused all
//! the same is renewed once and the login tried again on the same connection.

use base64::Engine;
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use std::sync::Arc;

use lettre::address::Envelope;

use super::failure::{Failure, Kind, said};
use super::smtp::{Extensions, Io, Lost, Reply, Stream};
use super::wire::{Watch, Wire};
use crate::input::recipients::{Auth, Security, Smtp};
use crate::secret::Credential;

/// An SMTP session: its connection, what the relay offered, and what has been written.
pub struct Session {
    pub(super) stream: Stream,
    pub(super) extensions: Extensions,
    pub(super) watch: Arc<Watch>,
    /// The envelope whose MAIL, RCPT and DATA went out after the last message's final ".",
    /// their replies not read yet: the next message must be this one's.
    pub(super) primed: Option<Envelope>,
    /// QUIT went out behind the last message's end: only its reply is left to read.
    pub(super) quit_sent: bool,
    /// What goes out after DATA (the message, its end and what follows it), kept between
    /// messages so that each does not allocate its own.
    pub(super) out: String,
}

/// A session, open and logged in, ready for its first message.
pub(super) async fn session(
    s: &Smtp,
    credential: Option<&Credential>,
    client_id: &ClientId,
) -> Result<Session, Failure> {
    let tcp = tcp_connect(s).await?;
    let (wire, watch) = Wire::new(tcp);
    let io: Box<dyn Io> = match s.security {
        Security::Tls => Box::new(tls(s, Box::new(wire)).await?),
        Security::StartTls | Security::None => Box::new(wire),
    };
    let mut stream = Stream::new(io);
    greeting(&mut stream, s).await?;
    let mut extensions = ehlo(&mut stream, s, client_id).await?;
    if s.security == Security::StartTls {
        stream = starttls(stream, s, &extensions).await?;
        extensions = ehlo(&mut stream, s, client_id).await?;
    }
    login(&mut stream, s, credential, &extensions).await?;
    Ok(Session {
        stream,
        extensions,
        watch,
        primed: None,
        quit_sent: false,
        out: String::new(),
    })
}

/// A TCP connection to the relay with Nagle's algorithm off. A refused connection may be a
/// relay slowing a sender down after many messages ([`Kind::Throttled`]); whether it is, or the
/// relay is down, is [`super::decide`]'s.
async fn tcp_connect(s: &Smtp) -> Result<TcpStream, Failure> {
    let connect = TcpStream::connect((s.host.as_str(), s.port));
    let stream = tokio::time::timeout(s.timeout, connect)
        .await
        .map_err(|_| {
            Failure::new(
                Kind::Temporary,
                format!("no answer from {} within {:?}", s.describe(), s.timeout),
            )
        })?
        .map_err(|e| {
            let text = format!("cannot connect to {}: {e}", s.describe());
            if e.kind() == std::io::ErrorKind::ConnectionRefused {
                Failure::new(Kind::Throttled, text)
            } else {
                Failure::new(Kind::Temporary, text)
            }
        })?;
    stream.set_nodelay(true).map_err(|e| {
        Failure::new(
            Kind::Temporary,
            format!("cannot set up the connection: {e}"),
        )
    })?;
    Ok(stream)
}

/// TLS over `io`, the relay's certificate checked against `host` (and `ca_file`). A failure
/// of TLS itself (a certificate not valid, an alert) stops the send; a connection lost during
/// the handshake is temporary.
async fn tls(
    s: &Smtp,
    io: Box<dyn Io>,
) -> Result<tokio_rustls::client::TlsStream<Box<dyn Io>>, Failure> {
    let name = rustls::pki_types::ServerName::try_from(s.host.clone()).map_err(|e| {
        Failure::new(
            Kind::Fatal,
            format!("`{}` is not a valid host name for TLS: {e}", s.host),
        )
    })?;
    let config = crate::tls::client_config(s.ca_pem.as_deref()).map_err(|reason| {
        Failure::new(Kind::Fatal, format!("the `ca_file` certificate {reason}"))
    })?;
    let handshake = tokio_rustls::TlsConnector::from(config).connect(name, io);
    match tokio::time::timeout(s.timeout, handshake).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
            Err(Failure::new(
                Kind::Fatal,
                format!(
                    "the secure connection to {} failed (is its certificate valid for `{}`?): {}",
                    s.describe(),
                    s.host,
                    said(&e)
                ),
            ))
        }
        Ok(Err(e)) => Err(Failure::new(
            Kind::Temporary,
            format!("cannot talk to {}: {}", s.describe(), said(&e)),
        )),
        Err(_) => Err(Failure::new(
            Kind::Temporary,
            format!("{} did not finish TLS within {:?}", s.describe(), s.timeout),
        )),
    }
}

/// A step's reply or a temporary failure: `late` says which step the relay did not answer.
fn answered(got: Result<Reply, Lost>, s: &Smtp, late: &str) -> Result<Reply, Failure> {
    got.map_err(|lost| match lost {
        Lost::TimedOut(t) => Failure::new(
            Kind::Temporary,
            format!("{} {late} within {t:?}", s.describe()),
        ),
        other => Failure::new(
            Kind::Temporary,
            format!("cannot talk to {}: {other}", s.describe()),
        ),
    })
}

/// A reply of class 4 or 5 to a step before any message: not now (4xx, a 421 meaning the
/// relay is busy or limiting), or never (5xx: the run stops, saying `what`).
fn refused(s: &Smtp, reply: Reply, what: &str) -> Failure {
    if reply.class() == 4 {
        let kind = if reply.code == 421 {
            Kind::Throttled
        } else {
            Kind::Temporary
        };
        let text = format!("{}: {}", s.describe(), reply.shown());
        Failure {
            kind,
            reply: Some(reply),
            text,
            help: None,
        }
    } else {
        let text = format!("{what}: {}", reply.shown());
        Failure {
            kind: Kind::Fatal,
            reply: Some(reply),
            text,
            help: None,
        }
    }
}

/// The relay's greeting: 220, or a refusal (a 421 "busy, try later", a 554 "go away").
async fn greeting(stream: &mut Stream, s: &Smtp) -> Result<(), Failure> {
    let reply = answered(stream.reply(s.timeout).await, s, "did not greet")?;
    match reply.class() {
        2 => Ok(()),
        _ => Err(refused(
            s,
            reply,
            &format!("{} refused the connection", s.describe()),
        )),
    }
}

/// EHLO and the extensions the relay offers.
async fn ehlo(stream: &mut Stream, s: &Smtp, client_id: &ClientId) -> Result<Extensions, Failure> {
    let command = Ehlo::new(client_id.clone()).to_string();
    let got = stream.command(&command, s.timeout).await;
    let reply = answered(got, s, "greeted but did not answer EHLO")?;
    match reply.class() {
        2 => Ok(Extensions::of(&reply)),
        _ => Err(refused(s, reply, "the relay refused EHLO")),
    }
}

/// STARTTLS, then TLS on the same connection.
async fn starttls(stream: Stream, s: &Smtp, extensions: &Extensions) -> Result<Stream, Failure> {
    let mut stream = stream;
    if !extensions.starttls {
        return Err(Failure::new(
            Kind::Fatal,
            format!(
                "{} does not offer STARTTLS, so the connection cannot be encrypted; check `port` and `security` in the recipients file",
                s.describe()
            ),
        ));
    }
    let got = stream.command("STARTTLS\r\n", s.timeout).await;
    let reply = answered(got, s, "did not finish STARTTLS")?;
    if reply.class() != 2 {
        return Err(refused(s, reply, "the relay refused STARTTLS"));
    }
    let io = stream
        .into_io()
        .map_err(|lost| Failure::new(Kind::Fatal, format!("{}: {lost}", s.describe())))?;
    Ok(Stream::new(Box::new(tls(s, io).await?)))
}

/// The login (AUTH PLAIN or LOGIN with a password, XOAUTH2 with a token), if the file asks
/// for one. Neither what is sent nor the relay's words in answer are ever shown. A sign-in's
/// token refused (535, or 334 and then 535) is renewed once and sent again.
async fn login(
    stream: &mut Stream,
    s: &Smtp,
    credential: Option<&Credential>,
    extensions: &Extensions,
) -> Result<(), Failure> {
    if s.auth == Auth::None {
        return Ok(());
    }
    if s.security == Security::None && !s.is_loopback() {
        return Err(Failure::new(
            Kind::Fatal,
            "refusing to send a password unencrypted to a relay on another machine",
        ));
    }
    let Some(Credential::OAuth2(tokens)) = credential else {
        let secret = match credential {
            Some(Credential::Secret(secret)) => secret.as_str(),
            _ => "",
        };
        let reply = authenticate(stream, s, secret, extensions).await?;
        return judge_login(s, reply);
    };
    let token = tokens.access().await.map_err(signing_in)?;
    let mut reply = authenticate(stream, s, &token, extensions).await?;
    if reply.class() == 5 {
        let fresh = tokens.renew(&token).await.map_err(signing_in)?;
        reply = authenticate(stream, s, &fresh, extensions).await?;
    }
    judge_login(s, reply)
}

/// A sign-in that could not give a token: temporary when the provider could not be reached,
/// otherwise the run stops, saying what to do.
fn signing_in(e: crate::oauth::Error) -> Failure {
    let kind = match e {
        crate::oauth::Error::Unreachable { .. } => Kind::Temporary,
        _ => Kind::Fatal,
    };
    let help = e.help();
    let failure = Failure::new(kind, e.to_string());
    match help {
        Some(help) => failure.with_help(help),
        None => failure,
    }
}

/// One AUTH exchange with `secret`: the relay's last reply.
async fn authenticate(
    stream: &mut Stream,
    s: &Smtp,
    secret: &str,
    extensions: &Extensions,
) -> Result<Reply, Failure> {
    let user = s.username.as_deref().unwrap_or("");
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let offers = |m: &str| extensions.auth.iter().any(|a| a == m);
    // What is sent, one line after another, each after a 334 ("go on").
    let lines: Vec<String> = match s.auth {
        Auth::Xoauth2 | Auth::OAuth2 if offers("XOAUTH2") => vec![format!(
            "AUTH XOAUTH2 {}",
            b64(&format!("user={user}\x01auth=Bearer {secret}\x01\x01"))
        )],
        Auth::Password if offers("PLAIN") => {
            vec![format!(
                "AUTH PLAIN {}",
                b64(&format!("\0{user}\0{secret}"))
            )]
        }
        Auth::Password if offers("LOGIN") => vec!["AUTH LOGIN".into(), b64(user), b64(secret)],
        _ => {
            return Err(Failure::new(
                Kind::Fatal,
                format!(
                    "{} does not offer a way to log in that `auth: {}` can use (it offers: {})",
                    s.describe(),
                    match s.auth {
                        Auth::Xoauth2 => "xoauth2",
                        Auth::OAuth2 => "oauth2",
                        _ => "password",
                    },
                    if extensions.auth.is_empty() {
                        "none".to_string()
                    } else {
                        extensions.auth.join(", ")
                    }
                ),
            ));
        }
    };
    let mut reply = None;
    for line in lines {
        if reply.as_ref().is_some_and(|r: &Reply| r.code != 334) {
            break;
        }
        let got = stream.command(&format!("{line}\r\n"), s.timeout).await;
        reply = Some(answered(got, s, "did not answer the login")?);
    }
    let mut reply = reply.expect("at least one line is sent");
    // XOAUTH2 says why in a 334 (a JSON error); an empty line ends the exchange.
    if reply.code == 334 {
        let got = stream.command("\r\n", s.timeout).await;
        reply = answered(got, s, "did not answer the login")?;
    }
    Ok(reply)
}

/// The relay's answer to the login: 235 is in; a refusal is said with its code only.
fn judge_login(s: &Smtp, reply: Reply) -> Result<(), Failure> {
    let code = match reply.enhanced() {
        Some(detail) => format!("{} {detail}", reply.code),
        None => reply.code.to_string(),
    };
    let unseen = "what it said is not shown, as a relay may repeat what was sent";
    match reply.class() {
        2 => Ok(()),
        4 => Err(Failure::new(
            Kind::Temporary,
            format!("the relay could not log in now (it answered {code}; {unseen})"),
        )),
        _ => Err(Failure::new(
            Kind::Fatal,
            format!(
                "the relay refused the login for `{}` (it answered {code}; {unseen}). Check the username and the password or token",
                s.username.as_deref().unwrap_or("")
            ),
        )),
    }
}
