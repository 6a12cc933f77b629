//! The TCP connection to the relay, watched ([`Wire`]): TCP_NODELAY is set, so a write that
//! ends with a short line (a message's final ".", the commands after it) goes out at once
//! instead of waiting out a Nagle / delayed-ACK stall (about 40 ms, which would cap a connection
//! at about 23 messages a second); and it counts the bytes the socket has taken ([`Watch`]),
//! which tells whether a message's final "." was written at all, and whether the relay had
//! already closed the connection before it ([`Peer`]).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::net::TcpStream;

/// The relay's end of a session, watched without reading from it: whether it has closed (or
/// reset) the connection. A relay never takes a message before its final "."; one that closed
/// the connection before we wrote that "." did not take it, so the message is safe to send again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
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
pub(crate) struct Watch {
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

    /// Whether the relay has closed or reset the connection, by what has arrived so far (not
    /// on Windows, where this cannot be told: false).
    pub(super) fn relay_closed(&self) -> bool {
        self.peer.closed()
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
