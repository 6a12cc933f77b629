//! Reading the reply mailbox over IMAP with async-imap (on tokio, TLS by rustls as for the
//! relay): log in, open the folder, fetch each message not yet marked with [`DONE`], and mark the
//! ones that were taken so that a rerun does not count them twice. The password comes from
//! `BULLETIN_IMAP_PASSWORD`, `secret_command` or `bulletin login --mailbox`; it is never printed, and no message here quotes
//! it. With `auth: oauth2` the login is AUTHENTICATE XOAUTH2 with an access token of the sign-in
//! (renewed once if the server refuses it).

use std::path::Path;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use async_imap::Client;

use crate::input::recipients::{Imap, Security};
use crate::secret::Credential;

/// The IMAP keyword set on every message `inbox` has taken.
pub const DONE: &str = "$BulletinProcessed";

/// How long to wait for the server to answer any one step, from the connection to the last
/// command. A test build may shorten it (`BULLETIN_IMAP_TIMEOUT_MS`).
fn timeout() -> Duration {
    #[cfg(feature = "test-hooks")]
    if let Some(ms) = std::env::var("BULLETIN_IMAP_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    Duration::from_secs(60)
}

/// One message fetched: its UID, and its bytes, or only its size when it is too large to read.
pub struct Fetched {
    pub uid: u32,
    pub size: u64,
    pub raw: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Secret(#[from] crate::secret::Error),
    #[error(transparent)]
    SignIn(#[from] crate::oauth::Error),
    #[error(
        "cannot reach the mailbox server {at}: {reason}. Check `host` and `port` under `mailbox:` and your network; nothing was changed"
    )]
    Unreachable { at: String, reason: String },
    #[error(
        "the secure connection to the mailbox server {at} failed: {reason}. If the office's mail uses its own certificate authority, give its certificate as `ca_file:` under `mailbox:` in the recipients file; check that `host` is the name on the server's certificate ({host}); nothing was changed"
    )]
    Tls {
        at: String,
        host: String,
        reason: String,
    },
    #[error(
        "the mailbox server {at} does not offer STARTTLS, so the password would go unencrypted: use `security: tls` (port 993), or check `port` under `mailbox:`; nothing was changed"
    )]
    NoStartTls { at: String },
    #[error(
        "the `ca_file` under `mailbox:` (for {at}) {reason}: give the CA certificate file in PEM form; nothing was changed"
    )]
    CaFile { at: String, reason: String },
    #[error(
        "the mailbox server {at} refused the login for {user}: check `username` under `mailbox:` and the password; nothing was changed"
    )]
    Login { at: String, user: String },
    #[error(
        "the mailbox server {at} has no folder {folder:?}: check `folder` under `mailbox:` (INBOX if left out); nothing was changed"
    )]
    Folder { at: String, folder: String },
    #[error(
        "the mailbox server {at} refused to mark the messages read ({reason}); what they said is saved in the suppressions file, and the next `bulletin inbox` recognises them and counts nothing twice"
    )]
    Mark { at: String, reason: String },
    #[error("the mailbox server {at} failed while {doing}: {reason}")]
    Server {
        at: String,
        doing: &'static str,
        reason: String,
    },
}

/// The mailbox's password: the environment variable, else `secret_command`, else what
/// `bulletin login --mailbox` stored ([`crate::secret::find_mailbox`]); or for `auth: oauth2`
/// its sign-in.
pub fn password(imap: &Imap, file: &Path) -> Result<Credential, Error> {
    Ok(crate::secret::find_mailbox_login(imap, file)?)
}

/// A logged-in session with the folder open.
pub struct Session {
    inner: Box<dyn Marking + Send>,
}

impl Session {
    /// Connects, logs in and opens the folder.
    pub async fn open(imap: &Imap, password: &Credential) -> Result<Session, Error> {
        let at = imap.describe();
        let unreachable = |reason: String| Error::Unreachable {
            at: at.clone(),
            reason,
        };
        let tcp = tokio::time::timeout(
            timeout(),
            tokio::net::TcpStream::connect((imap.host.as_str(), imap.port)),
        )
        .await
        .map_err(|_| unreachable("no answer".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
        match imap.security {
            Security::None => Ok(Session {
                inner: Box::new(login(Client::new(tcp), imap, password, true).await?),
            }),
            Security::Tls => {
                let tls = secure(imap, tcp).await?;
                Ok(Session {
                    inner: Box::new(login(Client::new(tls), imap, password, true).await?),
                })
            }
            Security::StartTls => {
                // The greeting and STARTTLS in plain text, then nothing more until the
                // connection is encrypted: a server that refuses STARTTLS stops the run here.
                let mut client = Client::new(tcp);
                greeting(&mut client, &at).await?;
                match tokio::time::timeout(
                    timeout(),
                    client.run_command_and_check_ok("STARTTLS", None),
                )
                .await
                {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) | Err(_) => return Err(Error::NoStartTls { at }),
                }
                let tls = secure(imap, client.into_inner()).await?;
                Ok(Session {
                    inner: Box::new(login(Client::new(tls), imap, password, false).await?),
                })
            }
        }
    }

    /// The UID and size of every message in the folder not yet marked [`DONE`], in UID order.
    pub async fn unprocessed(&mut self) -> Result<Vec<(u32, u64)>, Error> {
        self.inner.unprocessed().await
    }

    /// The bytes of the messages `uids` (read in one command, each answer within the timeout).
    /// A message the server does not return is an error: it may have been deleted meanwhile.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<Fetched>, Error> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        self.inner.fetch(uids).await
    }

    /// Marks the messages `uids` [`DONE`]; a server that refuses says so ([`Error::Mark`]).
    pub async fn mark(&mut self, uids: &[u32]) -> Result<(), Error> {
        if uids.is_empty() {
            return Ok(());
        }
        self.inner.mark(uids).await
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(timeout(), self.inner.logout()).await;
    }
}

type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The session's operations, whatever stream it runs over (plain for 127.0.0.1, or TLS).
trait Marking {
    fn unprocessed(&mut self) -> Boxed<'_, Result<Vec<(u32, u64)>, Error>>;
    fn fetch<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<Vec<Fetched>, Error>>;
    fn mark<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<(), Error>>;
    fn logout(&mut self) -> Boxed<'_, ()>;
}

struct Open<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> {
    session: async_imap::Session<T>,
    at: String,
}

/// The TLS session over `tcp`, checking the server's certificate against the public roots and
/// `ca_file`; a certificate that does not check out stops here, before the password is sent.
async fn secure(
    imap: &Imap,
    tcp: tokio::net::TcpStream,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, Error> {
    let at = imap.describe();
    let config =
        crate::tls::client_config(imap.ca_pem.as_deref()).map_err(|reason| Error::CaFile {
            at: at.clone(),
            reason: format!("it {reason}"),
        })?;
    let name = rustls::pki_types::ServerName::try_from(imap.host.clone()).map_err(|e| {
        Error::Unreachable {
            at: at.clone(),
            reason: format!("`{}` is not a valid host name for TLS: {e}", imap.host),
        }
    })?;
    match tokio::time::timeout(
        timeout(),
        tokio_rustls::TlsConnector::from(config).connect(name, tcp),
    )
    .await
    {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) => Err(Error::Tls {
            at,
            host: imap.host.clone(),
            reason: e.to_string(),
        }),
        Err(_) => Err(Error::Unreachable {
            at,
            reason: "no answer to the TLS handshake".into(),
        }),
    }
}

/// Reads the server's greeting.
async fn greeting<T>(client: &mut Client<T>, at: &str) -> Result<(), Error>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let at = at.to_string();
    match tokio::time::timeout(timeout(), client.read_response()).await {
        Ok(Ok(Some(_))) => {}
        Ok(Ok(None)) => {
            return Err(Error::Unreachable {
                at,
                reason: "it closed the connection without a greeting".into(),
            });
        }
        Ok(Err(e)) => {
            return Err(Error::Unreachable {
                at,
                reason: e.to_string(),
            });
        }
        Err(_) => {
            return Err(Error::Unreachable {
                at,
                reason: "no greeting".into(),
            });
        }
    }
    Ok(())
}

/// Logs in and opens the folder, first reading the greeting if `greet` (not after STARTTLS,
/// when the server does not greet again).
async fn login<T>(
    mut client: Client<T>,
    imap: &Imap,
    password: &Credential,
    greet: bool,
) -> Result<Open<T>, Error>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send + 'static,
{
    let at = imap.describe();
    if greet {
        greeting(&mut client, &at).await?;
    }
    let refused = || Error::Login {
        at: at.clone(),
        user: imap.username.clone(),
    };
    let mut session = match password {
        Credential::Secret(password) => {
            match tokio::time::timeout(timeout(), client.login(&imap.username, password)).await {
                Ok(Ok(s)) => s,
                // The server's words are not quoted: some echo what was sent.
                Ok(Err(_)) | Err(_) => return Err(refused()),
            }
        }
        Credential::OAuth2(tokens) => {
            let token = tokens.access().await?;
            match xoauth2(client, &imap.username, &token).await {
                Ok(s) => s,
                Err(Some(client)) => {
                    let fresh = tokens.renew(&token).await?;
                    xoauth2(client, &imap.username, &fresh)
                        .await
                        .map_err(|_| refused())?
                }
                Err(None) => return Err(refused()),
            }
        }
    };
    match tokio::time::timeout(timeout(), session.select(&imap.folder)).await {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => {
            return Err(Error::Folder {
                at,
                folder: imap.folder.clone(),
            });
        }
        Err(_) => return Err(silent(&at, "opening the folder")),
    }
    Ok(Open { session, at })
}

/// AUTHENTICATE XOAUTH2 as `user` with `token`: the session, or the client back when the
/// server refused the token (`None` when it did not answer).
async fn xoauth2<T>(
    client: Client<T>,
    user: &str,
    token: &str,
) -> Result<async_imap::Session<T>, Option<Client<T>>>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send + 'static,
{
    let auth = XOAuth2 {
        line: Some(format!("user={user}\x01auth=Bearer {token}\x01\x01")),
    };
    match tokio::time::timeout(timeout(), client.authenticate("XOAUTH2", auth)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err((_, client))) => Err(Some(client)),
        Err(_) => Err(None),
    }
}

/// SASL XOAUTH2: the line first; after it, an empty answer to the server's error (a
/// challenge holding JSON), which ends the exchange.
struct XOAuth2 {
    line: Option<String>,
}

impl async_imap::Authenticator for XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        self.line.take().unwrap_or_default()
    }
}

fn failed(at: &str, doing: &'static str, e: async_imap::error::Error) -> Error {
    Error::Server {
        at: at.to_string(),
        doing,
        reason: e.to_string(),
    }
}

/// `1,2,3,7` for a list of UIDs.
fn set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs a FETCH-like command and collects its answers, each within [`timeout`].
async fn collect<S>(
    at: &str,
    doing: &'static str,
    started: impl std::future::Future<Output = Result<S, async_imap::error::Error>>,
) -> Result<Vec<async_imap::types::Fetch>, Error>
where
    S: futures_util::Stream<Item = Result<async_imap::types::Fetch, async_imap::error::Error>>
        + Unpin,
{
    let mut stream = within(at, doing, started).await?;
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout(timeout(), stream.try_next()).await {
            Ok(Ok(Some(f))) => out.push(f),
            Ok(Ok(None)) => return Ok(out),
            Ok(Err(e)) => return Err(failed(at, doing, e)),
            Err(_) => return Err(silent(at, doing)),
        }
    }
}

/// Awaits one step of a command within [`timeout`].
async fn within<R>(
    at: &str,
    doing: &'static str,
    step: impl std::future::Future<Output = Result<R, async_imap::error::Error>>,
) -> Result<R, Error> {
    match tokio::time::timeout(timeout(), step).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(failed(at, doing, e)),
        Err(_) => Err(silent(at, doing)),
    }
}

fn silent(at: &str, doing: &'static str) -> Error {
    Error::Server {
        at: at.to_string(),
        doing,
        reason: format!("no answer within {} seconds", timeout().as_secs_f32()),
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> Marking for Open<T> {
    fn unprocessed(&mut self) -> Boxed<'_, Result<Vec<(u32, u64)>, Error>> {
        Box::pin(async move {
            let at = self.at.clone();
            let uids = within(
                &at,
                "searching the folder",
                self.session.uid_search(format!("UNKEYWORD {DONE}")),
            )
            .await?;
            let mut uids: Vec<u32> = uids.into_iter().collect();
            uids.sort_unstable();
            let mut out = Vec::with_capacity(uids.len());
            for chunk in uids.chunks(1000) {
                let fetches = collect(
                    &at,
                    "reading the messages' sizes",
                    self.session.uid_fetch(set(chunk), "(UID RFC822.SIZE)"),
                )
                .await?;
                for f in fetches {
                    if let Some(uid) = f.uid {
                        out.push((uid, u64::from(f.size.unwrap_or(0))));
                    }
                }
            }
            out.sort_unstable();
            out.dedup_by_key(|(uid, _)| *uid);
            Ok(out)
        })
    }

    fn fetch<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<Vec<Fetched>, Error>> {
        Box::pin(async move {
            let at = self.at.clone();
            let fetches = collect(
                &at,
                "reading the messages",
                self.session
                    .uid_fetch(set(uids), "(UID RFC822.SIZE BODY.PEEK[])"),
            )
            .await?;
            let mut out = Vec::with_capacity(uids.len());
            for f in &fetches {
                if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                    out.push(Fetched {
                        uid,
                        size: body.len() as u64,
                        raw: Some(body.to_vec()),
                    });
                }
            }
            out.sort_by_key(|f| f.uid);
            out.dedup_by_key(|f| f.uid);
            if let Some(missing) = uids
                .iter()
                .find(|u| out.binary_search_by_key(u, |f| &f.uid).is_err())
            {
                return Err(Error::Server {
                    at,
                    doing: "reading the messages",
                    reason: format!(
                        "it did not return message {missing} (deleted meanwhile?); run `bulletin inbox` again"
                    ),
                });
            }
            Ok(out)
        })
    }

    fn mark<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<(), Error>> {
        Box::pin(async move {
            let at = self.at.clone();
            // Checked for OK: a server that answers NO (a read-only folder, a full quota) is an
            // error, not silence.
            let command = format!("UID STORE {} +FLAGS.SILENT ({DONE})", set(uids));
            match tokio::time::timeout(timeout(), self.session.run_command_and_check_ok(command))
                .await
            {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Error::Mark {
                    at,
                    reason: e.to_string(),
                }),
                Err(_) => Err(Error::Mark {
                    at,
                    reason: format!("no answer within {} seconds", timeout().as_secs_f32()),
                }),
            }
        })
    }

    fn logout(&mut self) -> Boxed<'_, ()> {
        Box::pin(async move {
            let _ = self.session.logout().await;
        })
    }
}
