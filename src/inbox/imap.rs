//! Reading the reply mailbox over IMAP with async-imap (on tokio, TLS by rustls as for the
//! relay): log in, open the folder, fetch each message not yet marked with [`DONE`], and mark the
//! ones that were taken so that a rerun does not count them twice. The password comes from
//! `BULLETIN_IMAP_PASSWORD` or `secret_command`; it is never printed, and no message here quotes
//! it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::input::recipients::{IMAP_PASSWORD_ENV, Imap};

/// The IMAP keyword set on every message `inbox` has taken.
pub const DONE: &str = "$BulletinProcessed";

/// How long to wait for the server to answer.
const TIMEOUT: Duration = Duration::from_secs(60);

/// One message fetched: its UID, and its bytes, or only its size when it is too large to read.
pub struct Fetched {
    pub uid: u32,
    pub size: u64,
    pub raw: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no password for the mailbox {user} at {at}: set the environment variable {IMAP_PASSWORD_ENV}, or give `secret_command:` under `mailbox:` in {file}"
    )]
    NoPassword {
        user: String,
        at: String,
        file: String,
    },
    #[error(transparent)]
    Secret(#[from] crate::secret::Error),
    #[error(
        "cannot reach the mailbox server {at}: {reason}. Check `host` and `port` under `mailbox:` and your network; nothing was changed"
    )]
    Unreachable { at: String, reason: String },
    #[error(
        "the mailbox server {at} refused the login for {user}: check `username` under `mailbox:` and the password; nothing was changed"
    )]
    Login { at: String, user: String },
    #[error(
        "the mailbox server {at} has no folder {folder:?}: check `folder` under `mailbox:` (INBOX if left out); nothing was changed"
    )]
    Folder { at: String, folder: String },
    #[error("the mailbox server {at} failed while {doing}: {reason}")]
    Server {
        at: String,
        doing: &'static str,
        reason: String,
    },
}

/// The mailbox's password: the environment variable, else `secret_command`.
pub fn password(imap: &Imap, file: &Path) -> Result<String, Error> {
    if let Some(v) = std::env::var(IMAP_PASSWORD_ENV)
        .ok()
        .filter(|v| !v.is_empty())
    {
        return Ok(v);
    }
    if let Some(command) = &imap.secret_command {
        return Ok(crate::secret::run(command, file)?);
    }
    Err(Error::NoPassword {
        user: imap.username.clone(),
        at: imap.describe(),
        file: file.display().to_string(),
    })
}

/// A logged-in session with the folder open.
pub struct Session {
    inner: Box<dyn Marking + Send>,
}

impl Session {
    /// Connects, logs in and opens the folder.
    pub async fn open(imap: &Imap, password: &str) -> Result<Session, Error> {
        let at = imap.describe();
        let unreachable = |reason: String| Error::Unreachable {
            at: at.clone(),
            reason,
        };
        let tcp = tokio::time::timeout(
            TIMEOUT,
            tokio::net::TcpStream::connect((imap.host.as_str(), imap.port)),
        )
        .await
        .map_err(|_| unreachable("no answer".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
        if imap.tls {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| unreachable(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
            let name = rustls::pki_types::ServerName::try_from(imap.host.clone())
                .map_err(|e| unreachable(e.to_string()))?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            Ok(Session {
                inner: Box::new(login(tls, imap, password).await?),
            })
        } else {
            Ok(Session {
                inner: Box::new(login(tcp, imap, password).await?),
            })
        }
    }

    /// Every message in the folder not yet marked [`DONE`]; those larger than `max` bytes come
    /// without their bytes.
    pub async fn unprocessed(&mut self, max: u64) -> Result<Vec<Fetched>, Error> {
        self.inner.unprocessed(max).await
    }

    /// Marks the messages `uids` [`DONE`].
    pub async fn mark(&mut self, uids: &[u32]) -> Result<(), Error> {
        if uids.is_empty() {
            return Ok(());
        }
        self.inner.mark(uids).await
    }

    pub async fn logout(mut self) {
        self.inner.logout().await;
    }
}

type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The session's operations, whatever stream it runs over (plain for 127.0.0.1, or TLS).
trait Marking {
    fn unprocessed(&mut self, max: u64) -> Boxed<'_, Result<Vec<Fetched>, Error>>;
    fn mark<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<(), Error>>;
    fn logout(&mut self) -> Boxed<'_, ()>;
}

struct Open<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> {
    session: async_imap::Session<T>,
    at: String,
}

async fn login<T>(stream: T, imap: &Imap, password: &str) -> Result<Open<T>, Error>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send + 'static,
{
    let at = imap.describe();
    let mut client = async_imap::Client::new(stream);
    match tokio::time::timeout(TIMEOUT, client.read_response()).await {
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
    let mut session =
        match tokio::time::timeout(TIMEOUT, client.login(&imap.username, password)).await {
            Ok(Ok(s)) => s,
            // The server's words are not quoted: some echo what was sent.
            Ok(Err(_)) | Err(_) => {
                return Err(Error::Login {
                    at,
                    user: imap.username.clone(),
                });
            }
        };
    if session.select(&imap.folder).await.is_err() {
        return Err(Error::Folder {
            at,
            folder: imap.folder.clone(),
        });
    }
    Ok(Open { session, at })
}

impl<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> Open<T> {
    fn failed(at: &str, doing: &'static str, e: async_imap::error::Error) -> Error {
        Error::Server {
            at: at.to_string(),
            doing,
            reason: e.to_string(),
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send> Marking for Open<T> {
    fn unprocessed(&mut self, max: u64) -> Boxed<'_, Result<Vec<Fetched>, Error>> {
        Box::pin(async move {
            let uids = self
                .session
                .uid_search(format!("UNKEYWORD {DONE}"))
                .await
                .map_err(|e| Self::failed(&self.at, "searching the folder", e))?;
            let mut uids: Vec<u32> = uids.into_iter().collect();
            uids.sort_unstable();
            let mut out = Vec::new();
            for uid in uids {
                let size = {
                    let fetches: Vec<_> =
                        match self.session.uid_fetch(uid.to_string(), "RFC822.SIZE").await {
                            Ok(s) => s.try_collect().await,
                            Err(e) => Err(e),
                        }
                        .map_err(|e| Self::failed(&self.at, "reading a message's size", e))?;
                    fetches.iter().find_map(|f| f.size).unwrap_or(0)
                };
                let raw = if u64::from(size) > max {
                    None
                } else {
                    let fetches: Vec<_> =
                        match self.session.uid_fetch(uid.to_string(), "BODY.PEEK[]").await {
                            Ok(s) => s.try_collect().await,
                            Err(e) => Err(e),
                        }
                        .map_err(|e| Self::failed(&self.at, "reading a message", e))?;
                    fetches.iter().find_map(|f| f.body().map(<[u8]>::to_vec))
                };
                out.push(Fetched {
                    uid,
                    size: u64::from(size),
                    raw,
                });
            }
            Ok(out)
        })
    }

    fn mark<'a>(&'a mut self, uids: &'a [u32]) -> Boxed<'a, Result<(), Error>> {
        Box::pin(async move {
            let set: Vec<String> = uids.iter().map(u32::to_string).collect();
            let result: Result<Vec<_>, _> = match self
                .session
                .uid_store(set.join(","), format!("+FLAGS.SILENT ({DONE})"))
                .await
            {
                Ok(s) => s.try_collect().await,
                Err(e) => Err(e),
            };
            result
                .map(drop)
                .map_err(|e| Self::failed(&self.at, "marking the messages taken", e))
        })
    }

    fn logout(&mut self) -> Boxed<'_, ()> {
        Box::pin(async move {
            let _ = self.session.logout().await;
        })
    }
}
