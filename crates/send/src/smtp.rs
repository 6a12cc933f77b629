//! The SMTP conversation itself: writing commands and reading replies on one connection (TCP,
//! or TLS over it), with what went wrong kept as a kind, not as text.
//!
//! Why our own and not lettre's `AsyncSmtpConnection` (lettre still spells the commands, `Mail`,
//! `Rcpt`, `Ehlo`): lettre refuses a reply line longer than 1,000 characters, which RFC 5321 sets
//! as a minimum to accept, not a maximum (a relay's long `250` would become "may have
//! delivered"); it takes a `354` as a positive answer to any command, so a `354` to the end of a
//! message looked like a delivery; and it reports a reset connection and one closed in order
//! alike, as text, though they say opposite things about a message (see [`Lost`]).

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::diagnostic::escape_controls;

/// A connection we can talk SMTP over: TCP, or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The longest reply line read (RFC 5321 says at least 512); a relay sending more is broken.
const MAX_LINE: usize = 64 * 1024;
/// The longest reply read, all its lines together.
const MAX_REPLY: usize = 1024 * 1024;
/// How much of a reply is kept to show and record.
const SHOWN: usize = 500;

/// A reply: its code and the text of each line after the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// 2 (done), 3 (go on), 4 (not now) or 5 (never).
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    /// The first line's enhanced status code (RFC 3463), e.g. `4.7.0`, if it has one.
    pub(crate) fn enhanced(&self) -> Option<&str> {
        let word = self.lines.first()?.split_whitespace().next()?;
        let mut parts = word.split('.');
        let ok = parts.next().is_some_and(|c| matches!(c, "2" | "4" | "5"))
            && parts.clone().count() == 2
            && parts
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then_some(word)
    }

    /// The code and first line, as `550 5.1.1 no such user`: control characters escaped and
    /// at most 500 characters, safe to print and to record.
    pub fn shown(&self) -> String {
        let first = self.lines.first().map_or("", |l| l.trim());
        let mut text = escape_controls(first).into_owned();
        if text.chars().count() > SHOWN {
            text = text.chars().take(SHOWN).collect::<String>() + "…";
        }
        if text.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {text}", self.code)
        }
    }
}

/// Why a session cannot go on.
#[derive(Debug)]
pub(crate) enum Lost {
    /// The relay reset the connection (RST): it closed it with bytes we sent still unread, or
    /// refused them after it had closed.
    Reset,
    /// The relay closed the connection in order (end of stream), without a reply.
    Closed,
    /// Another failure of the connection or of TLS.
    Io(std::io::Error),
    /// What came is not an SMTP reply, or is too long.
    Garbled(String),
    /// No reply within the time-out.
    TimedOut(Duration),
}

impl Lost {
    fn of(e: std::io::Error) -> Lost {
        use std::io::ErrorKind::*;
        match e.kind() {
            ConnectionReset | ConnectionAborted | BrokenPipe => Lost::Reset,
            // TLS: the relay closed the TCP connection without TLS's own end (close_notify).
            UnexpectedEof => Lost::Closed,
            _ => Lost::Io(e),
        }
    }
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::Reset => f.write_str("the relay reset the connection"),
            Lost::Closed => f.write_str("the relay closed the connection without a reply"),
            Lost::Io(e) => write!(f, "{}", escape_controls(&e.to_string())),
            Lost::Garbled(what) => write!(f, "the relay's reply is not SMTP: {what}"),
            Lost::TimedOut(t) => write!(f, "no reply within {t:?}"),
        }
    }
}

/// One SMTP connection: what is written goes out at once; replies are read line by line from
/// our own buffer.
pub struct Stream {
    io: Box<dyn Io>,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    at: usize,
}

impl Stream {
    pub fn new(io: Box<dyn Io>) -> Stream {
        Stream {
            io,
            buf: Vec::with_capacity(4096),
            at: 0,
        }
    }

    /// Writes `bytes` and flushes them.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Lost> {
        self.io.write_all(bytes).await.map_err(Lost::of)?;
        self.io.flush().await.map_err(Lost::of)
    }

    /// Whether the relay has sent something not read yet (after a reply: something unasked).
    pub(crate) fn unread(&self) -> bool {
        self.at < self.buf.len()
    }

    /// The connection under the stream, to start TLS on. Refused if the relay sent more than
    /// was asked (bytes that would otherwise pass for the encrypted session's).
    pub(crate) fn into_io(self) -> Result<Box<dyn Io>, Lost> {
        if self.unread() {
            return Err(Lost::Garbled(
                "it sent more than its answer to STARTTLS".into(),
            ));
        }
        Ok(self.io)
    }

    /// Ends the connection (TLS's end too), without waiting long.
    pub async fn shutdown(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.io.shutdown()).await;
    }

    /// Reads one reply within `t`.
    pub async fn reply(&mut self, t: Duration) -> Result<Reply, Lost> {
        match tokio::time::timeout(t, self.read_reply()).await {
            Ok(r) => r,
            Err(_) => Err(Lost::TimedOut(t)),
        }
    }

    /// Writes `command` and reads its reply within `t`.
    pub async fn command(&mut self, command: &str, t: Duration) -> Result<Reply, Lost> {
        match tokio::time::timeout(t, self.write(command.as_bytes())).await {
            Ok(r) => r?,
            Err(_) => return Err(Lost::TimedOut(t)),
        }
        self.reply(t).await
    }

    async fn read_reply(&mut self) -> Result<Reply, Lost> {
        let mut reply: Option<Reply> = None;
        let mut size = 0;
        loop {
            let Some(line) = self.line().await? else {
                continue;
            };
            size += line.len();
            if size > MAX_REPLY {
                return Err(Lost::Garbled("a reply longer than 1 MB".into()));
            }
            let (code, last, text) = parse_line(&line)?;
            let r = reply.get_or_insert_with(|| Reply {
                code,
                lines: Vec::new(),
            });
            if r.code != code {
                return Err(Lost::Garbled(format!(
                    "a reply that starts with {} goes on with {code}",
                    r.code
                )));
            }
            r.lines.push(text);
            if last {
                return Ok(reply.expect("set above"));
            }
        }
    }

    /// The next line from the buffer without its CR LF; None if more must be read first (then
    /// read into the buffer).
    async fn line(&mut self) -> Result<Option<String>, Lost> {
        if let Some(n) = memchr::memchr(b'\n', &self.buf[self.at..]) {
            let raw = &self.buf[self.at..self.at + n];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = String::from_utf8_lossy(raw).into_owned();
            self.at += n + 1;
            return Ok(Some(line));
        }
        if self.buf.len() - self.at > MAX_LINE {
            return Err(Lost::Garbled("a reply line longer than 64 KB".into()));
        }
        if self.at > 0 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        // Into the buffer's spare room, without zeroing it first.
        self.buf.reserve(8192);
        let n = self.io.read_buf(&mut self.buf).await.map_err(Lost::of)?;
        if n == 0 {
            return Err(Lost::Closed);
        }
        Ok(None)
    }
}

/// One reply line: its code, whether it is the last line, and its text.
fn parse_line(line: &str) -> Result<(u16, bool, String), Lost> {
    let b = line.as_bytes();
    let digits =
        b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit) && (b'2'..=b'5').contains(&b[0]);
    let sep = b.get(3).copied();
    if !digits || !matches!(sep, None | Some(b' ') | Some(b'-')) {
        let mut shown = escape_controls(line).into_owned();
        if shown.chars().count() > 80 {
            shown = shown.chars().take(80).collect::<String>() + "…";
        }
        return Err(Lost::Garbled(format!("`{shown}`")));
    }
    let code = line[..3].parse().expect("three digits");
    let text = line.get(4..).unwrap_or("").to_string();
    Ok((code, sep != Some(b'-'), text))
}

/// The extensions a relay offered in its reply to EHLO.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extensions {
    pub pipelining: bool,
    pub starttls: bool,
    pub smtputf8: bool,
    /// The login methods offered, in capitals.
    pub auth: Vec<String>,
}

impl Extensions {
    /// From a reply to EHLO: its first line is the relay's name, each other line one keyword
    /// and its arguments.
    pub fn of(reply: &Reply) -> Extensions {
        let mut e = Extensions::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split([' ', '=']);
            let keyword = words.next().unwrap_or("").to_ascii_uppercase();
            match keyword.as_str() {
                "PIPELINING" => e.pipelining = true,
                "STARTTLS" => e.starttls = true,
                "SMTPUTF8" => e.smtputf8 = true,
                "AUTH" => e.auth.extend(
                    words
                        .filter(|w| !w.is_empty())
                        .map(|w| w.to_ascii_uppercase()),
                ),
                _ => {}
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(bytes: &[u8]) -> Stream {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let bytes = bytes.to_vec();
        tokio::spawn(async move {
            client.write_all(&bytes).await.unwrap();
            // Keeps its end open until the test is done reading.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        Stream::new(Box::new(server))
    }

    #[tokio::test]
    async fn replies_of_several_lines_and_long_lines_are_read_whole() {
        let long = format!("250 2.0.0 {}\r\n", "x".repeat(3000));
        let mut s = stream(
            format!("250-sink.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n{long}354 go\r\n")
                .as_bytes(),
        );
        let t = Duration::from_secs(1);
        let ehlo = s.reply(t).await.unwrap();
        assert_eq!(ehlo.lines.len(), 3);
        let ext = Extensions::of(&ehlo);
        assert!(ext.pipelining && !ext.starttls);
        assert_eq!(ext.auth, ["PLAIN", "LOGIN"]);
        let r = s.reply(t).await.unwrap();
        assert_eq!((r.code, r.lines[0].len()), (250, 3006));
        assert_eq!(r.enhanced(), Some("2.0.0"));
        assert!(r.shown().ends_with('…') && r.shown().chars().count() == 505);
        assert_eq!(s.reply(t).await.unwrap().class(), 3);
        assert!(matches!(
            s.reply(Duration::from_millis(50)).await,
            Err(Lost::TimedOut(_))
        ));
    }

    #[tokio::test]
    async fn what_is_not_a_reply_is_garbled_and_an_end_of_stream_is_a_close() {
        let t = Duration::from_secs(1);
        for bad in ["hello\r\n", "250-a\r\n550 b\r\n", "2500 x\r\n", "199 x\r\n"] {
            let mut s = stream(bad.as_bytes());
            assert!(matches!(s.reply(t).await, Err(Lost::Garbled(_))), "{bad:?}");
        }
        let (client, server) = tokio::io::duplex(64);
        drop(client);
        let mut s = Stream::new(Box::new(server));
        assert!(matches!(s.reply(t).await, Err(Lost::Closed)));
    }
}
