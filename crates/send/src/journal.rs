//! The send journal: one line per outcome (delivered or failed, with the server's reply),
//! appended and flushed to disk before it counts. A new `send` of the same bulletin reads it and
//! skips everyone already delivered. Which journal a send uses, and whether the bulletin is still
//! the one the journal recorded, is decided in [`super::resume`].
//!
//! Format (tab-separated, one record a line): `delivered|failed  address  time  reply`, and a
//! fifth field `version TAG` when the person was sent one audience's version of the bulletin
//! rather than all of it ([`crate::audience`], [`crate::identity::version_tag`]), after
//! an `issue  name  time  fingerprint title` line saying which version of the bulletin the
//! records below it carried (its [`crate::identity::Identity`]). Times are ISO 8601 with their
//! offset. Lines starting with `#` are comments. Every record follows an `issue` line: the
//! formats written before the first release (no `issue` lines, times in milliseconds since
//! 1970) are not read. Reading is strict ([`ReadError::Damaged`]): a line that is not one of these refuses
//! the journal, since skipping it could mail someone again. Only the last line may be cut short
//! by a crash (it has no newline): counted if its address is whole, else ignored, and mended
//! before the next record is appended.
//!
//! Locking: while a send runs it holds a lock on `<journal>.lock` beside the journal
//! (`2021-10-20.journal.lock`), so two sends of one bulletin cannot overlap. The lock is on a
//! file of its own, never on the journal, because Windows locks are mandatory: a locked range
//! cannot be read or written through any handle but the one that locked it ("os error 33"), even
//! in the same process. With the lock elsewhere, the journal can be read by anyone at any time,
//! the send itself, `--dry-run`, another send's check for a collision, a person opening it in
//! Notepad, and a reader at worst sees a last line without its newline, read as a crash leaves
//! it. The lock file is left in place after the send (removing a lock file safely is harder than
//! keeping it); it may be deleted whenever no send runs. `--test` does not touch the journal, and
//! `--dry-run` reads it without locking: it changes nothing and must not stop a real send.
//!
//! Writing: a thread owns the file and, in a loop, writes every record waiting, fsyncs once, then
//! acknowledges them all. A sender queues each record as soon as the relay has answered, and
//! before it hands over its next message waits for every record of its own but that last one:
//! so each connection has at most two messages handed over and not on disk (the one just
//! answered, and the one going now), and a record can share a sync with the one before it. The lock
//! file keeps [`RESERVE`] bytes of blank lines that it gives back when the disk fills up, so the
//! records of the messages under way still reach the journal; the acknowledgement then says
//! the disk is full ([`Saved`]) and the send stops before its next delivery.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Delivered,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub status: Status,
    /// Lower-case address.
    pub address: String,
    pub reply: String,
    /// The tag of the audience's version sent ([`crate::identity::version_tag`]); `None` for
    /// the whole bulletin.
    pub version: Option<String>,
}

/// One version of a bulletin that a journal's records were sent as (an `issue` line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// The name it was sent as ([`crate::identity::Identity::sent_as`]).
    pub name: String,
    pub fingerprint: String,
    pub title: String,
}

impl Version {
    /// Whether two versions are the same issue with the same content (titles are part of the
    /// fingerprint).
    pub fn same(&self, other: &Version) -> bool {
        self.name == other.name && self.fingerprint == other.fingerprint
    }
}

/// What the journal says so far: the last outcome for each address.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub last: HashMap<String, Record>,
    /// For each address delivered to, the index in [`Journal::versions`] of the version it was
    /// sent (`None`: before any `issue` line).
    pub delivered_as: HashMap<String, Option<usize>>,
    /// For each address, when its record in [`History::last`] was written: ISO 8601 with its
    /// offset.
    pub time: HashMap<String, String>,
}

impl History {
    /// The tag of the audience's version delivered to `address`, if it was one
    /// ([`Record::version`]).
    pub fn version_sent(&self, address: &str) -> Option<&str> {
        self.last
            .get(address)
            .filter(|r| r.status == Status::Delivered)
            .and_then(|r| r.version.as_deref())
    }

    pub fn delivered(&self, address: &str) -> bool {
        self.last
            .get(address)
            .is_some_and(|r| r.status == Status::Delivered)
    }

    pub fn failed(&self, address: &str) -> Option<&Record> {
        self.last
            .get(address)
            .filter(|r| r.status == Status::Failed)
    }
}

/// A journal as read: the versions it recorded and who was sent what.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    pub path: PathBuf,
    /// The `issue` lines, in order; the last is the version being sent.
    pub versions: Vec<Version>,
    pub history: History,
}

impl Journal {
    /// The version the journal is sending now, if it records one.
    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// Whether anything was ever sent (or tried) with it.
    pub fn has_records(&self) -> bool {
        !self.history.last.is_empty()
    }

    /// How many were delivered a version other than `now` (or one not recorded).
    pub(crate) fn delivered_other_than(&self, now: &Version) -> usize {
        self.history
            .delivered_as
            .values()
            .filter(|v| {
                !v.and_then(|i| self.versions.get(i))
                    .is_some_and(|v| v.same(now))
            })
            .count()
    }

    pub fn delivered(&self) -> usize {
        self.history.delivered_as.len()
    }

    /// The names it sent under: its versions' names, or for a journal with no record yet, its
    /// file name.
    pub fn names(&self) -> Vec<String> {
        if self.versions.is_empty() {
            let stem = self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string());
            return stem.into_iter().collect();
        }
        self.versions.iter().map(|v| v.name.clone()).collect()
    }

    /// The title of the version it sent last, for messages.
    pub fn title(&self) -> Option<&str> {
        self.current().map(|v| v.title.as_str())
    }
}

/// Why a journal cannot be used: the file cannot be read, or a line in it is not one that
/// `bulletin send` writes. A damaged journal refuses the send: guessing past a line could mail
/// again someone it records.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line} is not a line that `bulletin send` writes ({problem}):\n    {shown}")]
    Damaged {
        line: usize,
        problem: String,
        /// The line as read, control characters shown as `\u{..}` escapes, cut to 120 characters.
        shown: String,
    },
    #[error(
        "it is empty, but its lock file {} says a send of this bulletin was recorded in it: sending now could mail everyone it recorded a second time",
        lock.display()
    )]
    EmptiedAfterSend { lock: PathBuf },
}

impl ReadError {
    /// What the person can do about it, shown after the message.
    pub fn help(&self) -> Option<String> {
        match self {
            ReadError::Io(_) => None,
            ReadError::Damaged { line, .. } => Some(format!(
                "nothing was sent. The journal records who already has the bulletin, so `send` will not guess past a damaged line. If the journal was opened and saved by a spreadsheet or an editor, put back the copy `bulletin send` wrote (tab-separated, one record a line, see docs/send.md), or correct line {line}"
            )),
            ReadError::EmptiedAfterSend { lock } => Some(format!(
                "nothing was sent. Put back the journal (from a backup, or the Recycle Bin or Trash if it was deleted and made again); if you are sure nobody has been sent this bulletin, delete {} and run the same command again",
                lock.display()
            )),
        }
    }
}

/// How a journal's bytes end.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tail {
    /// With a newline (or empty).
    Whole,
    /// The last record lacks its newline but its status and address are whole: it counts, and
    /// the writer ends the line before appending.
    Unended,
    /// The last record was cut short by a crash after its address: it counts, and the writer
    /// replaces it (from this offset) with this whole line.
    Mended(usize, String),
    /// The last line was cut short by a crash before its address ended: it never counted, and
    /// the writer cuts it at this length.
    Torn(usize),
}

/// A line as a person can see it in an error: control characters escaped, shortened.
fn shown(line: &str) -> String {
    let mut s: String = line
        .chars()
        .take(120)
        .flat_map(char::escape_debug)
        .collect();
    if line.chars().count() > 120 {
        s.push('…');
    }
    s
}

/// A journal time: ISO 8601 with an offset (`2026-11-24T08:05:45.123+00:00`).
fn valid_time(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let fixed = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !fixed {
        return false;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let r = rest.as_bytes();
    rest == "Z"
        || (r.len() == 6
            && (r[0] == b'+' || r[0] == b'-')
            && r[1..3].iter().all(u8::is_ascii_digit)
            && r[3] == b':'
            && r[4..6].iter().all(u8::is_ascii_digit))
}

/// A journal time ([`valid_time`]) in milliseconds since 1970, its offset taken into account.
pub fn parse_time(t: &str) -> Option<i64> {
    if !valid_time(t) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t[r].parse::<i64>().ok();
    let date = crate::date::Date::parse(&t[..10]).ok()?;
    let mut ms = date.days_since_epoch() * 86_400_000
        + (num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?) * 1000;
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        let digits = format!("{:0<3}", &frac[..n.min(3)]);
        ms += digits.parse::<i64>().ok()?;
        rest = &frac[n..];
    }
    if rest != "Z" {
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        let offset = rest[1..3].parse::<i64>().ok()? * 60 + rest[4..6].parse::<i64>().ok()?;
        ms -= sign * offset * 60_000;
    }
    Some(ms)
}

/// The address of a record, as the send compares it ([`crate::input::recipients::key`]): an
/// address typed in capitals by a person editing the journal still matches its recipient.
fn record_address(a: &str) -> Option<String> {
    if a.is_empty() || a != a.trim() {
        return None;
    }
    let address: lettre::Address = a.parse().ok()?;
    Some(crate::input::recipients::key(
        &lettre::message::Mailbox::new(None, address),
    ))
}

/// Reads a journal's bytes strictly: every line must be a comment, empty, or one `bulletin send`
/// writes; only a last line without its newline may be incomplete.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Journal, Tail), ReadError> {
    let mut journal = Journal {
        path: path.to_path_buf(),
        ..Journal::default()
    };
    let mut tail = Tail::Whole;
    let mut start = 0;
    let mut number = 0;
    while start < bytes.len() {
        number += 1;
        let (raw, ended) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => (&bytes[start..start + i], true),
            None => (&bytes[start..], false),
        };
        let line_start = start;
        start += raw.len() + 1;
        // Bytes, decoded loosely: a reply in another encoding is no reason to refuse.
        let text = String::from_utf8_lossy(raw);
        let mut line: &str = &text;
        if number == 1 {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        // Saved on Windows with CR LF line ends: the same lines.
        line = line.strip_suffix('\r').unwrap_or(line);
        let damaged = |problem: &str| ReadError::Damaged {
            line: number,
            problem: problem.to_string(),
            shown: shown(line),
        };
        if !ended && line.starts_with("issue\t") {
            // An `issue` line is written before any record after it: cut short, it never counted.
            tail = Tail::Torn(line_start);
            break;
        }
        match read_line(&mut journal, line) {
            Ok(()) if ended => {}
            Ok(()) => tail = Tail::Unended,
            Err(_) if !ended => {
                // Cut short by a crash: a record whose address was whole counts (it is written
                // only after the relay's answer); anything shorter never counted.
                let mut fields = line.splitn(3, '\t');
                let status = fields.next();
                let address = fields.next().and_then(record_address);
                match (status, address, fields.next()) {
                    (Some(s @ ("delivered" | "failed")), Some(address), Some(_)) => {
                        let status = if s == "delivered" {
                            Status::Delivered
                        } else {
                            Status::Failed
                        };
                        let reply = "(this line was cut short by a crash)";
                        let time = now();
                        tail =
                            Tail::Mended(line_start, format!("{s}\t{address}\t{time}\t{reply}\n"));
                        note(&mut journal, status, address, reply, &time, None);
                    }
                    _ => tail = Tail::Torn(line_start),
                }
            }
            Err(problem) => return Err(damaged(problem)),
        }
    }
    Ok((journal, tail))
}

/// Reads one whole line into the journal, or says what is wrong with it.
fn read_line(journal: &mut Journal, line: &str) -> Result<(), &'static str> {
    if line.is_empty() {
        return Ok(());
    }
    if line.starts_with('#') {
        return Ok(());
    }
    if line.chars().any(|c| c.is_control() && c != '\t') {
        return Err(
            "it holds control characters, such as a block of NUL bytes left by a crash or a damaged disk",
        );
    }
    let fields: Vec<&str> = line.splitn(4, '\t').collect();
    let [kind, second, time, last] = fields[..] else {
        return Err(if line.contains(',') || line.contains(';') {
            "it has no tab characters between its fields: was it saved as comma-separated by a spreadsheet?"
        } else {
            "it does not have the four fields a journal line has, separated by tabs"
        });
    };
    if matches!(kind, "delivered" | "failed") && journal.versions.is_empty() {
        return Err(
            "no `issue` line before it says which bulletin it records; journals from before bulletin's first release have none",
        );
    }
    if !valid_time(time) {
        return Err("its third field is not a time");
    }
    let status = match kind {
        "delivered" => Status::Delivered,
        "failed" => Status::Failed,
        "issue" => {
            if second.is_empty() || last.is_empty() {
                return Err("an `issue` line needs a name and a fingerprint");
            }
            let (fingerprint, title) = last.split_once(' ').unwrap_or((last, ""));
            journal.versions.push(Version {
                name: second.to_string(),
                fingerprint: fingerprint.to_string(),
                title: title.to_string(),
            });
            return Ok(());
        }
        _ => return Err("it starts with neither `delivered`, `failed` nor `issue`"),
    };

    let Some(address) = record_address(second) else {
        return Err("its second field is not an email address");
    };
    // A reply never holds a tab ([`field`]): a tab after it starts the version's field.
    let (reply, version) = match last.split_once('\t') {
        Some((reply, v)) => match v.strip_prefix("version ") {
            Some(tag) if !tag.is_empty() && !tag.contains([' ', '\t']) => (reply, Some(tag)),
            _ => return Err("its fifth field is not `version` and a tag"),
        },
        None => (last, None),
    };
    note(journal, status, address, reply, time, version);
    Ok(())
}

/// Counts one outcome, recorded at `time` (as written).
fn note(
    journal: &mut Journal,
    status: Status,
    address: String,
    reply: &str,
    time: &str,
    version: Option<&str>,
) {
    let history = &mut journal.history;
    // A delivery is final: a later failure (a retry that was refused) does not undo it.
    if history.delivered(&address) {
        return;
    }
    if status == Status::Delivered {
        let version = journal.versions.len().checked_sub(1);
        history.delivered_as.insert(address.clone(), version);
    }
    let time = match time.parse::<i64>() {
        Ok(ms) if time.bytes().all(|b| b.is_ascii_digit()) => iso(ms),
        _ => time.to_string(),
    };
    history.time.insert(address.clone(), time);
    history.last.insert(
        address.clone(),
        Record {
            status,
            address,
            reply: reply.to_string(),
            version: version.map(str::to_string),
        },
    );
}

/// Reads a journal; a missing file is an empty one.
pub fn read(path: &Path) -> Result<Journal, ReadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Journal {
                path: path.to_path_buf(),
                ..Journal::default()
            });
        }
        Err(e) => return Err(e.into()),
    };
    parse(path, &bytes).map(|(journal, _)| journal)
}

/// Refuses a journal that is there but empty (0 bytes) when its lock file says a send was
/// recorded in it: emptied by accident (saved empty by a program, a sync gone wrong), it would
/// mail everyone again. A journal deleted on purpose is a fresh start (docs/send.md). Called
/// before the lock is taken: on Windows the lock file cannot be read while it is locked.
pub(crate) fn refuse_emptied(path: &Path) -> Result<(), ReadError> {
    let empty = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0);
    if empty && sent_from(path) {
        return Err(ReadError::EmptiedAfterSend {
            lock: lock_path(path),
        });
    }
    Ok(())
}

/// Whether the journal's lock file says a send started recording in it ([`SENT_MARK`]).
fn sent_from(journal: &Path) -> bool {
    let Ok(mut lock) = File::open(lock_path(journal)) else {
        return false;
    };
    let mut head = vec![0u8; LOCK_NOTE.len() + SENT_MARK.len()];
    lock.read_exact(&mut head).is_ok() && head.ends_with(SENT_MARK.as_bytes())
}

/// Replaces tabs and line breaks so a reply stays in its field.
fn field(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Now, in ISO 8601 with its offset, to the millisecond: `2026-11-24T08:05:45.123+00:00`
/// (UTC, so that journals written on machines in different zones sort and compare alike).
fn now() -> String {
    iso(crate::clock::now_ms())
}

/// Milliseconds since 1970 as a journal writes them: `2026-11-24T08:05:45.123+00:00`.
pub fn iso(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let d = crate::date::Date::from_unix(seconds);
    let s = seconds.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        d.year,
        d.month,
        d.day,
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms.rem_euclid(1000)
    )
}

/// The `issue` line that says which version the records after it carry.
fn version_line(v: &Version) -> String {
    format!(
        "issue\t{}\t{}\t{} {}\n",
        field(&v.name),
        now(),
        field(&v.fingerprint).replace(' ', "_"),
        field(&v.title)
    )
}

fn line(r: &Record) -> String {
    let time = now();
    let status = match r.status {
        Status::Delivered => "delivered",
        Status::Failed => "failed",
    };
    let version = match &r.version {
        Some(tag) => format!("\tversion {}", field(tag).replace(' ', "_")),
        None => String::new(),
    };
    format!(
        "{status}\t{}\t{time}\t{}{version}\n",
        field(&r.address),
        field(&r.reply)
    )
}

/// Reads the journal strictly, then ends its last line as the next record needs: a line cut
/// short by a crash before its address ended is removed, one cut after it is rewritten whole, a
/// last line without its newline gets one. Called with the lock held.
fn repair_tail(path: &Path, file: &mut File) -> Result<(), ReadError> {
    let mut content = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut content)?;
    let (_, tail) = parse(path, &content)?;
    match tail {
        Tail::Whole => return Ok(()),
        Tail::Unended => {
            file.seek(SeekFrom::End(0))?;
            file.write_all(b"\n")?;
        }
        Tail::Mended(at, line) => {
            file.set_len(at as u64)?;
            file.seek(SeekFrom::Start(at as u64))?;
            file.write_all(line.as_bytes())?;
        }
        Tail::Torn(at) => file.set_len(at as u64)?,
    }
    Ok(file.sync_all()?)
}

/// A record on disk. `disk_full`: the disk under the journal filled up, and this record (or one
/// before it) was written into the space the lock file kept in reserve: the send must stop
/// before its next delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    pub disk_full: bool,
}

type Job = (Record, oneshot::Sender<std::io::Result<Saved>>);

/// How much space the lock file keeps in reserve for the journal: when the disk fills up, the
/// lock file gives it back so that the records of the messages already under way (at most two
/// per connection, a few hundred bytes each) still reach the journal.
const RESERVE: u64 = 64 * 1024;

/// Fills the lock file up to [`RESERVE`] bytes with real (not sparse) blank lines after its note,
/// on disk before the send starts.
fn keep_reserve(lock: &mut File) -> std::io::Result<()> {
    let len = lock.metadata()?.len();
    if len >= RESERVE {
        return Ok(());
    }
    lock.seek(SeekFrom::End(0))?;
    lock.write_all(&vec![b'\n'; (RESERVE - len) as usize])?;
    lock.sync_all()
}

/// Whether an error says the disk (or the user's quota on it) is full.
fn is_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || e.kind() == std::io::ErrorKind::FileTooLarge
}

/// Writes all of `bytes` to the journal; if the disk is full, gives up the lock file's reserve
/// (once) and carries on from the byte where the write stopped. True if the reserve was used.
fn write_reserving(
    file: &mut File,
    lock: &mut File,
    reserve: &mut bool,
    mut bytes: &[u8],
) -> std::io::Result<bool> {
    let mut used = false;
    while !bytes.is_empty() {
        match file.write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if is_full(&e) && *reserve => {
                *reserve = false;
                used = true;
                lock.set_len((LOCK_NOTE.len() + SENT_MARK.len()) as u64)?;
                lock.sync_all()?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(used)
}

/// A journal locked for one send, before anything is written to it.
pub struct Locked {
    /// `<journal>.lock`, locked: the lock lasts as long as this handle.
    lock: File,
    file: File,
    path: PathBuf,
}

/// The lock file of a journal: `2021-10-20.journal` → `2021-10-20.journal.lock`.
fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// What a lock file says to whoever opens it.
const LOCK_NOTE: &str = "This file is locked while `bulletin send` sends the bulletin whose journal is beside it,\nso that two sends of one bulletin cannot overlap. It may be deleted when no send runs.\n";

/// Written after [`LOCK_NOTE`] (over the reserve's blank lines, so the file keeps its size) when
/// a send starts recording in the journal: a journal found empty after that was emptied by
/// accident (a spreadsheet, a sync tool, a slip), and [`read`] refuses it rather than mail
/// everyone again.
const SENT_MARK: &str = "A send of this bulletin was recorded in the journal beside it: if that journal is ever\nfound empty, `bulletin send` refuses to send again (see docs/send.md).\n";

impl Locked {
    /// Takes the journal's lock (its `.lock` file), then opens (creating) the journal. Fails if
    /// another send holds the lock.
    pub fn take(path: &Path) -> Result<Locked, crate::Reason> {
        let lock_file = lock_path(path);
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_file)
            .map_err(|e| {
                format!(
                    "cannot open the journal's lock file {}: {e}",
                    lock_file.display()
                )
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(crate::Reason {
                    text: format!(
                        "another `bulletin send` of this bulletin is running (its journal {} is locked)",
                        path.display()
                    ),
                    help: Some(
                        "nothing was sent. Wait for it to finish (it may be in another window, or the desk's), then run the same command again: nobody gets the bulletin twice"
                            .into(),
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!(
                    "cannot lock the journal's lock file {}: {e}",
                    lock_file.display()
                )
                .into());
            }
        }
        if lock.metadata().is_ok_and(|m| m.len() == 0) {
            // Through the handle holding the lock; only a courtesy, so a failure is no matter.
            let _ = lock.write_all(LOCK_NOTE.as_bytes());
        }
        keep_reserve(&mut lock).map_err(|e| {
            if is_full(&e) {
                crate::Reason {
                    text: format!(
                        "the disk under the journal {} is full: `send` keeps {} KB beside the journal before it starts, so that every message it sends can be recorded",
                        path.display(),
                        RESERVE / 1024
                    ),
                    help: Some(
                        "nothing was sent. Free some space on that disk, then run the same command again"
                            .into(),
                    ),
                }
            } else {
                format!(
                    "cannot write the journal's lock file {}: {e}",
                    lock_file.display()
                )
                .into()
            }
        })?;
        // Read and write, not append: on Windows an append-only handle may not shorten the
        // file, which repairing a torn last line needs. Only the lock holder writes, so writing
        // at the end it seeks to is appending.
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        repair_tail(path, &mut file)
            .and_then(|()| Ok(file.seek(SeekFrom::End(0)).map(|_| ())?))
            .map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
        Ok(Locked {
            lock,
            file,
            path: path.to_path_buf(),
        })
    }

    /// Starts writing: first, if given, the `issue` line of the version about to be sent (on
    /// disk before any record that follows it). `senders` is how many connections record
    /// outcomes, each with at most two records not yet on disk.
    pub fn start(self, version: Option<&Version>, senders: usize) -> Result<Writer, crate::Reason> {
        let Locked {
            mut lock,
            mut file,
            path,
        } = self;
        lock.seek(SeekFrom::Start(LOCK_NOTE.len() as u64))
            .and_then(|_| lock.write_all(SENT_MARK.as_bytes()))
            .and_then(|()| lock.sync_data())
            .map_err(|e| {
                format!(
                    "cannot write the journal's lock file {}: {e}",
                    lock_path(&path).display()
                )
            })?;
        let mut head = String::new();
        if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
            head.push_str("# bulletin send journal: one line per outcome, see docs/send.md\n");
        }
        if let Some(v) = version {
            head.push_str(&version_line(v));
        }
        if !head.is_empty() {
            file.write_all(head.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| format!("cannot write the journal {}: {e}", path.display()))?;
        }
        Ok(Writer::spawn(file, lock, senders.max(1)))
    }
}

/// The journal open for appending, with its writer thread.
pub struct Writer {
    tx: Option<mpsc::Sender<Job>>,
    /// Owns the journal and its lock file (the lock is released when it has finished).
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The longest a record waits for others to share its sync with.
const GATHER_AT_MOST: Duration = Duration::from_millis(1);

impl Writer {
    /// The writer thread: writes the records waiting and syncs them in one go (group commit).
    /// After the first record it waits for more as long as the last sync took (at most
    /// [`GATHER_AT_MOST`]), or until every sender has two waiting (none can then come, as each
    /// waits before its next message for all its records but the last). A record's wait at
    /// most doubles, and is hidden behind the sender's next message; on a fast relay it halves
    /// the syncs, a third of a send's time.
    fn spawn(mut file: File, mut lock: File, senders: usize) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::spawn(move || {
            let mut batch: Vec<Job> = Vec::new();
            let mut buf = String::new();
            let mut reserve = true;
            let mut last_sync = Duration::ZERO;
            while let Ok(first) = rx.recv() {
                batch.push(first);
                batch.extend(rx.try_iter());
                let until = Instant::now() + last_sync.min(GATHER_AT_MOST);
                while batch.len() < 2 * senders {
                    let left = until.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(left) {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                buf.clear();
                for (r, _) in &batch {
                    buf.push_str(&line(r));
                }
                let began = Instant::now();
                let result = write_reserving(&mut file, &mut lock, &mut reserve, buf.as_bytes())
                    .and_then(|_| file.sync_data())
                    .map(|()| Saved {
                        disk_full: !reserve,
                    });
                last_sync = began.elapsed();
                for (_, ack) in batch.drain(..) {
                    let _ = ack.send(
                        result
                            .as_ref()
                            .copied()
                            .map_err(|e| std::io::Error::new(e.kind(), e.to_string())),
                    );
                }
            }
            drop(lock);
        });
        Writer {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Queues a record; the receiver completes once it is on disk.
    pub fn record(&self, r: Record) -> oneshot::Receiver<std::io::Result<Saved>> {
        let (ack, done) = oneshot::channel();
        if let Some(tx) = &self.tx {
            let _ = tx.send((r, ack));
        }
        done
    }

    /// Writes what is queued and closes the file.
    pub fn close(mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal's first lines as a send writes them: its `issue` line (before any record).
    const HEAD: &str =
        "# bulletin send journal\nissue\t2021-10-20\t2026-11-24T08:00:00.000+00:00\tab Title\n";
    /// A record's time.
    const T: &str = "2026-11-24T08:05:45.123+00:00";

    /// Records a delivery to c@example.org as a send would, and returns the journal's text.
    async fn deliver_c(path: &Path) -> String {
        let w = Locked::take(path).unwrap().start(None, 1).unwrap();
        w.record(Record {
            status: Status::Delivered,
            address: "c@example.org".into(),
            reply: "250 ok".into(),
            version: None,
        })
        .await
        .unwrap()
        .unwrap();
        w.close();
        std::fs::read_to_string(path).unwrap()
    }

    #[tokio::test]
    async fn records_survive_and_a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        let v = Version {
            name: "2021-10-20".into(),
            fingerprint: "00ff".into(),
            title: "A title".into(),
        };
        let w = Locked::take(&path).unwrap().start(Some(&v), 1).unwrap();
        let a = w.record(Record {
            status: Status::Failed,
            address: "a@example.org".into(),
            reply: "451 try\tlater\r\n".into(),
            version: None,
        });
        let b = w.record(Record {
            status: Status::Delivered,
            address: "b@example.org".into(),
            reply: "250 ok".into(),
            version: None,
        });
        a.await.unwrap().unwrap();
        b.await.unwrap().unwrap();
        assert!(
            Locked::take(&path).is_err(),
            "a second writer must be refused while the first holds the lock"
        );
        // The journal itself is not locked: it can be read while the send runs.
        assert_eq!(read(&path).unwrap().history.last.len(), 2);
        w.close();
        assert!(
            std::fs::read_to_string(lock_path(&path))
                .unwrap()
                .contains("It may be deleted when no send runs"),
        );
        Locked::take(&path).expect("the lock is released when the writer closes");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"delivered\tc@exam").unwrap();
        let j = read(&path).unwrap();
        assert_eq!(j.versions, vec![v.clone()]);
        assert_eq!(j.delivered_other_than(&v), 0);
        let h = j.history;
        assert!(
            h.failed("a@example.org")
                .is_some_and(|r| r.reply == "451 try later  ")
        );
        assert!(h.delivered("b@example.org"));
        assert!(!h.delivered("c@exam"));
        assert_eq!(h.last.len(), 2);
    }

    #[tokio::test]
    async fn the_version_a_person_was_sent_is_recorded_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        let v = Version {
            name: "2021-10-20".into(),
            fingerprint: "ab".into(),
            title: "Title".into(),
        };
        let w = Locked::take(&path).unwrap().start(Some(&v), 1).unwrap();
        for (address, version) in [("a@example.org", Some("0123abcd")), ("b@example.org", None)] {
            w.record(Record {
                status: Status::Delivered,
                address: address.into(),
                reply: "250 ok".into(),
                version: version.map(str::to_string),
            })
            .await
            .unwrap()
            .unwrap();
        }
        w.close();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\t250 ok\tversion 0123abcd\n"), "{text}");
        let h = read(&path).unwrap().history;
        assert_eq!(h.version_sent("a@example.org"), Some("0123abcd"));
        assert_eq!(h.version_sent("b@example.org"), None);
        assert_eq!(h.last["a@example.org"].reply, "250 ok");
        // A fifth field that is not a version is a damaged line.
        std::fs::write(
            &path,
            format!("{HEAD}delivered\ta@example.org\t{T}\t250 ok\tsomething\n"),
        )
        .unwrap();
        assert!(matches!(
            read(&path),
            Err(ReadError::Damaged { line: 3, .. })
        ));
    }

    #[tokio::test]
    async fn a_line_torn_by_a_crash_is_cut_before_the_next_send_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(
            &path,
            format!("{HEAD}delivered\ta@example.org\t{T}\t250 ok\ndelivered\tb@exam"),
        )
        .unwrap();
        let text = deliver_c(&path).await;
        assert!(
            text.starts_with(&format!(
                "{HEAD}delivered\ta@example.org\t{T}\t250 ok\ndelivered\tc@example.org\t"
            )),
            "{text}"
        );
        let h = read(&path).unwrap().history;
        assert!(h.delivered("a@example.org") && h.delivered("c@example.org"));
        assert!(!h.delivered("b@exam"));
    }

    #[test]
    fn a_record_before_any_issue_line_is_refused_as_before_the_first_release() {
        let (line, problem) = damaged(&format!(
            "# bulletin 2021-10-20 Old title\ndelivered\ta@example.org\t{T}\t250 ok\n"
        ));
        assert_eq!(line, 2);
        assert!(problem.contains("no `issue` line before it"), "{problem}");
        // Milliseconds since 1970, as journals before the first release had them.
        let (line, problem) = damaged(&format!(
            "{HEAD}delivered\ta@example.org\t1635332400123\t250 ok\n"
        ));
        assert_eq!(
            (line, problem.as_str()),
            (3, "its third field is not a time")
        );
    }

    fn damaged(text: &str) -> (usize, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(&path, text).unwrap();
        match read(&path) {
            Err(ReadError::Damaged { line, problem, .. }) => {
                // The writer refuses it too, and leaves the file as it was.
                assert!(Locked::take(&path).is_err());
                assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
                (line, problem)
            }
            other => panic!("{text:?} was read as {other:?}"),
        }
    }

    #[test]
    fn a_line_that_cannot_be_read_refuses_the_journal_and_is_named() {
        let head = format!("{HEAD}delivered\ta@example.org\t{T}\t250 ok\n");
        // Saved as comma-separated by a spreadsheet, without a final newline.
        let (line, problem) =
            damaged("issue,2021-10-20,1,ab Title\ndelivered,a@example.org,2,250 ok");
        assert_eq!(line, 1);
        assert!(problem.contains("comma-separated"), "{problem}");
        // A block of NULs where records were.
        let (line, problem) = damaged(&format!(
            "{head}\0\0\0\0\0\0\0\0delivered\tb@example.org\t{T}\t250 ok\n"
        ));
        assert_eq!(line, 4);
        assert!(problem.contains("NUL"), "{problem}");
        let (line, _) = damaged(&format!(
            "{head}delivered\tb@example.org\tyesterday\t250 ok\n"
        ));
        assert_eq!(line, 4);
        let (line, _) = damaged(&format!("{head}delivered\tnot an address\t{T}\t250 ok\n"));
        assert_eq!(line, 4);
        let (line, _) = damaged(&format!("{head}sent\tb@example.org\t{T}\t250 ok\nx\n"));
        assert_eq!(line, 4);
    }

    #[tokio::test]
    async fn capitals_crlf_and_a_missing_last_newline_are_read_as_meant() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(
            &path,
            "\u{feff}# saved by Notepad\r\nissue\t2021-10-20\t2026-11-24T08:00:00Z\tab Title\r\ndelivered\tA.Person@Example.ORG\t2026-11-24T08:05:45.123+00:00\t250 ok\r\n\r\ndelivered\tb@example.org\t2026-11-24T08:05:46Z\t250 ok",
        )
        .unwrap();
        let h = read(&path).unwrap().history;
        assert!(h.delivered("a.person@example.org"));
        assert!(h.delivered("b@example.org"));
        let text = deliver_c(&path).await;
        assert!(
            text.contains("\t250 ok\ndelivered\tc@example.org\t"),
            "{text}"
        );
        let h = read(&path).unwrap().history;
        assert_eq!(h.delivered_as.len(), 3);
    }

    #[tokio::test]
    async fn a_record_cut_after_its_address_counts_and_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(
            &path,
            format!(
                "{HEAD}delivered\ta@example.org\t{T}\t250 ok\ndelivered\tb@example.org\t2026-11"
            ),
        )
        .unwrap();
        assert!(read(&path).unwrap().history.delivered("b@example.org"));
        Locked::take(&path).unwrap().start(None, 1).unwrap().close();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!(
                "{HEAD}delivered\ta@example.org\t{T}\t250 ok\ndelivered\tb@example.org\t20"
            )),
            "{text}"
        );
        assert!(
            text.ends_with("\t(this line was cut short by a crash)\n"),
            "{text}"
        );
        let h = read(&path).unwrap().history;
        assert!(h.delivered("a@example.org") && h.delivered("b@example.org"));
    }

    #[test]
    fn times_are_iso_8601_with_an_offset() {
        assert_eq!(iso(1_635_332_400_123), "2021-10-27T11:00:00.123+00:00");
        assert_eq!(iso(0), "1970-01-01T00:00:00.000+00:00");
        for t in [
            "2021-10-27T11:00:00.123+00:00",
            "2021-10-27T12:00:00+01:00",
            "2021-10-27T11:00:00Z",
        ] {
            assert!(valid_time(t), "{t}");
        }
        for t in [
            "",
            "2021-10-27",
            "2021-10-27 11:00:00",
            "2021-10-27T11:00:00.+00:00",
            "27/10/2021 11:00",
            "1.6E+12",
            "1635332400123",
        ] {
            assert!(!valid_time(t), "{t}");
        }
        assert!(valid_time(&now()));
    }

    #[test]
    fn each_records_time_is_read_back_in_iso_8601_with_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(
            &path,
            "issue\t2021-10-20\t2021-10-27T11:00:00Z\tab Title\ndelivered\ta@example.org\t2021-10-27T11:00:00.123Z\t250 ok\nfailed\tb@example.org\t2021-10-27T12:00:00+01:00\t550 no\ndelivered\tb@example.org\t2021-10-27T11:05:00.000+00:00\t250 ok\nfailed\tb@example.org\t2021-10-27T11:06:00.000+00:00\t550 late\n",
        )
        .unwrap();
        let h = read(&path).unwrap().history;
        assert_eq!(h.time["a@example.org"], "2021-10-27T11:00:00.123Z");
        // The delivery counts, and its time with it: the later failure changes neither.
        assert_eq!(h.time["b@example.org"], "2021-10-27T11:05:00.000+00:00");
    }
}
