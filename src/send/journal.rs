//! The send journal: one line per outcome (delivered or failed, with the server's reply),
//! appended and flushed to disk before it counts. A new `send` of the same bulletin reads it and
//! skips everyone already delivered.
//!
//! Format (tab-separated, one record a line): `delivered|failed  address  unix-ms  reply`.
//! A line cut short by a crash has no newline and is ignored. The file is locked while a send
//! runs, so two sends of one bulletin cannot overlap.
//!
//! Writing: a thread owns the file and, in a loop, writes every record waiting, fsyncs once, then
//! acknowledges them all. A sender waits for its previous record's acknowledgement before
//! recording the next, so each connection runs at most one record ahead of the disk.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
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

/// What the journal says so far: the last outcome for each address.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub last: HashMap<String, Record>,
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

/// Reads a journal; a missing file is an empty history.
pub fn read(path: &Path) -> std::io::Result<History> {
    let mut history = History::default();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(history),
        Err(e) => return Err(e),
    };
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
        if complete.starts_with('#') {
            continue;
        }
        let mut fields = complete.splitn(4, '\t');
        let status = match fields.next() {
            Some("delivered") => Status::Delivered,
            Some("failed") => Status::Failed,
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
        history.last.insert(
            address.to_string(),
            Record {
                status,
                address: address.to_string(),
                reply: reply.to_string(),
            },
        );
    }
    Ok(history)
}

/// Replaces tabs and line breaks so a reply stays in its field.
fn field(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn line(r: &Record) -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
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
    use std::io::{Read, Seek, SeekFrom};
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

/// The journal open for appending, with its writer thread.
pub struct Writer {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Opens (creating) the journal and takes its lock. Fails if another send holds it.
    pub fn open(path: &Path, header: &str) -> Result<Writer, String> {
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "another `bulletin send` of this bulletin is running (its journal {} is locked); wait for it to finish",
                    path.display()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock the journal {}: {e}", path.display()));
            }
        }
        let mut file = file;
        cut_torn_tail(&mut file)
            .map_err(|e| format!("cannot repair the journal {}: {e}", path.display()))?;
        if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
            let _ = file.write_all(format!("# {}\n", field(header)).as_bytes());
        }
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
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
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
        let w = Writer::open(&path, "test").unwrap();
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
            Writer::open(&path, "again").is_err(),
            "a second writer must be refused while the first holds the lock"
        );
        w.close();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"delivered\tc@example.org\t1").unwrap();
        let h = read(&path).unwrap();
        assert!(
            h.failed("a@example.org")
                .is_some_and(|r| r.reply == "451 try later  ")
        );
        assert!(h.delivered("b@example.org"));
        assert!(!h.delivered("c@example.org"));
    }
}
