//! The archive's lock: one `bulletin archive` at a time writes into an archive folder, so runs
//! started together (two people, or a script archiving many issues at once) never read the
//! folder while another is changing it, and never rebuild the index from a list that misses an
//! issue another run has just added.
//!
//! The lock is the system's lock (`File::try_lock`) on `.archive.lock` in the archive folder. It
//! belongs to an open handle, so it ends when the run ends, however it ends (a crash or a power
//! cut included): a lock left over from a dead run is impossible, and the file itself, kept in
//! place, is harmless. A run that finds the lock taken waits for it, telling the user after a
//! second, and gives up after [`PATIENCE`] with a message saying what to do.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::Error;

/// The lock file's name, in the archive folder. Hidden (it starts with `.`), so it is never
/// taken for an issue and the upload command in docs/archive.md leaves it out.
pub const FILE: &str = ".archive.lock";

/// How long a run waits for another to finish before giving up: far longer than a run takes
/// (well under a second for an archive of hundreds of issues), short enough that nobody wonders
/// whether the command has hung.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How long a run waits quietly before saying that it is waiting.
const QUIET: Duration = Duration::from_secs(1);

/// How often the lock is tried again while another run holds it.
const POLL: Duration = Duration::from_millis(20);

/// What the lock file says to whoever opens it.
const NOTE: &str = "This file is locked while `bulletin archive` writes into this folder, so that two runs\ncannot overlap. It is not part of the archive: leave it out when uploading. It may be deleted\nwhen no archive runs.\n";

/// The archive folder, locked for one run: the lock lasts as long as this value.
pub struct Lock {
    _file: File,
}

/// Takes the lock of the archive folder `root` (which must exist), waiting up to `patience` for
/// another run to release it. `waiting` is called once, with the lock file's path, if the wait
/// goes on longer than a second.
pub fn acquire(
    root: &Path,
    patience: Duration,
    waiting: impl FnOnce(&Path),
) -> Result<Lock, Error> {
    let path = root.join(FILE);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(super::io("open the archive's lock file", &path))?;
    let start = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(source)) => {
                return Err(Error::Io {
                    what: "lock the archive's lock file",
                    path,
                    source,
                });
            }
        }
        let waited = start.elapsed();
        if waited >= patience {
            return Err(Error::Busy {
                folder: root.to_path_buf(),
                waited,
            });
        }
        if waited >= QUIET
            && let Some(tell) = waiting.take()
        {
            tell(&path);
        }
        std::thread::sleep(POLL.min(patience - waited));
    }
    if file.metadata().is_ok_and(|m| m.len() == 0) {
        // Through the handle holding the lock (Windows refuses any other); only a courtesy.
        let _ = file.write_all(NOTE.as_bytes());
    }
    Ok(Lock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_waits_then_gives_up_with_a_message_saying_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), PATIENCE, |_| panic!("nothing to wait for")).unwrap();
        let mut told = None;
        let start = Instant::now();
        let e = acquire(dir.path(), Duration::from_millis(1300), |p| {
            told = Some((p.to_path_buf(), start.elapsed()))
        })
        .err()
        .expect("the lock is held");
        let (lock_file, after) = told.expect("the waiting run said so");
        assert_eq!(lock_file, dir.path().join(".archive.lock"));
        assert!(
            after >= QUIET && after < Duration::from_millis(1300),
            "{after:?}"
        );
        let Error::Busy { waited, .. } = &e else {
            panic!("{e}")
        };
        assert!(*waited >= Duration::from_millis(1300), "{waited:?}");
        assert_eq!(
            format!("{e}\n  help: {}", e.help().unwrap()),
            format!(
                "another `bulletin archive` has been writing into {} for 1 second; nothing was written\n  help: wait for it to finish (it may be running in another window, or on another computer that shares the folder), then run the same command again",
                dir.path().display()
            )
        );
        drop(first);
        // Released: the next run takes it at once, and the file says what it is.
        acquire(dir.path(), Duration::ZERO, |_| {
            panic!("the lock was released")
        })
        .unwrap();
        let note = std::fs::read_to_string(dir.path().join(".archive.lock")).unwrap();
        assert!(
            note.starts_with("This file is locked while `bulletin archive`"),
            "{note}"
        );
    }

    #[test]
    fn a_quick_wait_is_not_announced() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), PATIENCE, |_| {}).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(first);
        });
        acquire(dir.path(), PATIENCE, |_| panic!("announced a short wait")).unwrap();
        release.join().unwrap();
    }
}
