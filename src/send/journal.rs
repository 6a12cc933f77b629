//! The send journal: one line per outcome (delivered or failed, with the server's reply),
//! appended and flushed to disk before it counts. A new `send` of the same bulletin reads it and
//! skips everyone already delivered. Which journal a send uses, and whether the bulletin is still
//! the one the journal recorded, is decided in [`super::resume`].
//!
//! Format (tab-separated, one record a line): `delivered|failed  address  unix-ms  reply`, after
//! an `issue  name  unix-ms  fingerprint title` line saying which version of the bulletin the
//! records below it carried (its [`crate::identity::Identity`]). Lines starting with `#` are
//! comments. A journal written before `issue` lines existed has none: its content is unknown.
//! A line cut short by a crash has no newline and is ignored.
//!
//! Locking: while a send runs it holds a lock on `<journal>.lock` beside the journal
//! (`2021-10-20.journal.lock`), so two sends of one bulletin cannot overlap. The lock is on a
//! file of its own, never on the journal, because Windows locks are mandatory: a locked range
//! cannot be read or written through any handle but the one that locked it ("os error 33"), even
//! in the same process. With the lock elsewhere, the journal can be read by anyone at any time,
//! the send itself, `--dry-run`, another send's check for a collision, a person opening it in
//! Notepad, and a reader at worst sees a last line without its newline, which it ignores. The
//! lock file is left in place after the send (removing a lock file safely is harder than keeping
//! it); it may be deleted whenever no send runs. `--test` does not touch the journal, and
//! `--dry-run` reads it without locking: it changes nothing and must not stop a real send.
//!
//! Writing: a thread owns the file and, in a loop, writes every record waiting, fsyncs once, then
//! acknowledges them all. A sender waits for its previous record's acknowledgement before
//! recording the next, so each connection runs at most one record ahead of the disk.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{SystemTime, UNIX_EPOCH};

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
}

impl History {
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
    /// The title in the first line of a journal written before `issue` lines existed.
    pub old_title: Option<String>,
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
    pub fn delivered_other_than(&self, now: &Version) -> usize {
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

    /// The names it sent under: its versions' names, or for a journal written before versions
    /// were recorded, its file name (older versions named journals `<date>[-<issue>].journal`).
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
        self.current()
            .map(|v| v.title.as_str())
            .or(self.old_title.as_deref())
    }
}

/// Reads a journal; a missing file is an empty one.
pub fn read(path: &Path) -> std::io::Result<Journal> {
    let mut journal = Journal {
        path: path.to_path_buf(),
        ..Journal::default()
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(journal),
        Err(e) => return Err(e),
    };
    let history = &mut journal.history;
    let mut reader = BufReader::new(file);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        if reader.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        // Bytes, decoded loosely: a record cut inside a character must not make the journal
        // unreadable.
        let line = String::from_utf8_lossy(&bytes);
        // A record without its newline was cut short: it never counted.
        let Some(complete) = line.strip_suffix('\n') else {
            break;
        };
        if let Some(comment) = complete.strip_prefix('#') {
            // The first line of an older journal: `# bulletin 2021-10-20 Title`.
            if journal.versions.is_empty()
                && let Some(rest) = comment.strip_prefix(" bulletin ")
                && let Some((_, title)) = rest.split_once(' ')
                && rest.starts_with(|c: char| c.is_ascii_digit())
            {
                journal.old_title = Some(title.to_string());
            }
            continue;
        }
        let mut fields = complete.splitn(4, '\t');
        let status = match fields.next() {
            Some("delivered") => Status::Delivered,
            Some("failed") => Status::Failed,
            Some("issue") => {
                if let (Some(name), _, Some(rest)) = (fields.next(), fields.next(), fields.next()) {
                    let (fingerprint, title) = rest.split_once(' ').unwrap_or((rest, ""));
                    journal.versions.push(Version {
                        name: name.to_string(),
                        fingerprint: fingerprint.to_string(),
                        title: title.to_string(),
                    });
                }
                continue;
            }
            _ => continue,
        };
        let (Some(address), _, reply) = (fields.next(), fields.next(), fields.next().unwrap_or(""))
        else {
            continue;
        };
        // A delivery is final: a later failure (a retry that was refused) does not undo it.
        if history.delivered(address) {
            continue;
        }
        if status == Status::Delivered {
            let version = journal.versions.len().checked_sub(1);
            history.delivered_as.insert(address.to_string(), version);
        }
        history.last.insert(
            address.to_string(),
            Record {
                status,
                address: address.to_string(),
                reply: reply.to_string(),
            },
        );
    }
    Ok(journal)
}

/// Replaces tabs and line breaks so a reply stays in its field.
fn field(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// The `issue` line that says which version the records after it carry.
fn version_line(v: &Version) -> String {
    format!(
        "issue\t{}\t{}\t{} {}\n",
        field(&v.name),
        now_ms(),
        field(&v.fingerprint).replace(' ', "_"),
        field(&v.title)
    )
}

fn line(r: &Record) -> String {
    let ms = now_ms();
    let status = match r.status {
        Status::Delivered => "delivered",
        Status::Failed => "failed",
    };
    format!(
        "{status}\t{}\t{ms}\t{}\n",
        field(&r.address),
        field(&r.reply)
    )
}

/// Removes a last record cut short by a crash (no newline), so that the next record does not
/// run on from it. Called with the lock held.
fn cut_torn_tail(file: &mut File) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut content = Vec::with_capacity(len as usize);
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut content)?;
    if content.last() == Some(&b'\n') {
        return Ok(());
    }
    let keep = content
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    file.set_len(keep as u64)?;
    file.sync_all()
}

type Job = (Record, oneshot::Sender<std::io::Result<()>>);

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

impl Locked {
    /// Takes the journal's lock (its `.lock` file), then opens (creating) the journal. Fails if
    /// another send holds the lock.
    pub fn take(path: &Path) -> Result<Locked, String> {
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
                return Err(format!(
                    "another `bulletin send` of this bulletin is running (its journal {} is locked); wait for it to finish",
                    path.display()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!(
                    "cannot lock the journal's lock file {}: {e}",
                    lock_file.display()
                ));
            }
        }
        if lock.metadata().is_ok_and(|m| m.len() == 0) {
            // Through the handle holding the lock; only a courtesy, so a failure is no matter.
            let _ = lock.write_all(LOCK_NOTE.as_bytes());
        }
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
        cut_torn_tail(&mut file)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(|_| ()))
            .map_err(|e| format!("cannot repair the journal {}: {e}", path.display()))?;
        Ok(Locked {
            lock,
            file,
            path: path.to_path_buf(),
        })
    }

    /// Starts writing: first, if given, the `issue` line of the version about to be sent (on
    /// disk before any record that follows it).
    pub fn start(self, version: Option<&Version>) -> Result<Writer, String> {
        let Locked {
            lock,
            mut file,
            path,
        } = self;
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
        Ok(Writer::spawn(file, lock))
    }
}

/// The journal open for appending, with its writer thread.
pub struct Writer {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The journal's lock, released when the writer has finished (fields drop after `drop`).
    _lock: File,
}

impl Writer {
    fn spawn(mut file: File, lock: File) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::spawn(move || {
            let mut batch: Vec<Job> = Vec::new();
            let mut buf = String::new();
            while let Ok(first) = rx.recv() {
                batch.push(first);
                batch.extend(rx.try_iter());
                buf.clear();
                for (r, _) in &batch {
                    buf.push_str(&line(r));
                }
                let result = file
                    .write_all(buf.as_bytes())
                    .and_then(|()| file.sync_data());
                for (_, ack) in batch.drain(..) {
                    let _ = ack.send(
                        result
                            .as_ref()
                            .map(|_| ())
                            .map_err(|e| std::io::Error::new(e.kind(), e.to_string())),
                    );
                }
            }
        });
        Writer {
            tx: Some(tx),
            thread: Some(thread),
            _lock: lock,
        }
    }

    /// Queues a record; the receiver completes once it is on disk.
    pub fn record(&self, r: Record) -> oneshot::Receiver<std::io::Result<()>> {
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

    #[tokio::test]
    async fn records_survive_and_a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        let v = Version {
            name: "2021-10-20".into(),
            fingerprint: "00ff".into(),
            title: "A title".into(),
        };
        let w = Locked::take(&path).unwrap().start(Some(&v)).unwrap();
        let a = w.record(Record {
            status: Status::Failed,
            address: "a@example.org".into(),
            reply: "451 try\tlater\r\n".into(),
        });
        let b = w.record(Record {
            status: Status::Delivered,
            address: "b@example.org".into(),
            reply: "250 ok".into(),
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
        f.write_all(b"delivered\tc@example.org\t1").unwrap();
        let j = read(&path).unwrap();
        assert_eq!(j.versions, vec![v.clone()]);
        assert_eq!(j.delivered_other_than(&v), 0);
        let h = j.history;
        assert!(
            h.failed("a@example.org")
                .is_some_and(|r| r.reply == "451 try later  ")
        );
        assert!(h.delivered("b@example.org"));
        assert!(!h.delivered("c@example.org"));
    }

    #[tokio::test]
    async fn a_line_torn_by_a_crash_is_cut_before_the_next_send_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.journal");
        std::fs::write(
            &path,
            "delivered\ta@example.org\t1\t250 ok\ndelivered\tb@exam",
        )
        .unwrap();
        let w = Locked::take(&path).unwrap().start(None).unwrap();
        w.record(Record {
            status: Status::Delivered,
            address: "c@example.org".into(),
            reply: "250 ok".into(),
        })
        .await
        .unwrap()
        .unwrap();
        w.close();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("delivered\ta@example.org\t1\t250 ok\ndelivered\tc@example.org\t"),
            "{text}"
        );
        let h = read(&path).unwrap().history;
        assert!(h.delivered("a@example.org") && h.delivered("c@example.org"));
        assert!(!h.delivered("b@exam"));
    }

    #[test]
    fn an_older_journal_has_no_versions_and_its_title_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2021-10-20-113.journal");
        std::fs::write(
            &path,
            "# bulletin 2021-10-20 Old title\ndelivered\ta@example.org\t1\t250 ok\n",
        )
        .unwrap();
        let j = read(&path).unwrap();
        assert!(j.current().is_none());
        assert_eq!(j.title(), Some("Old title"));
        assert_eq!(j.names(), vec!["2021-10-20-113".to_string()]);
        let now = Version {
            name: "2021-10-20-113".into(),
            fingerprint: "ab".into(),
            title: String::new(),
        };
        assert_eq!(j.delivered_other_than(&now), 1);
    }
}
