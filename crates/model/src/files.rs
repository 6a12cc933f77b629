//! Writing files so that a reader never sees half of one: write a temporary file beside the
//! target, flush it to disk, then rename it over the target; and trying a rename again while
//! another program (on Windows: Explorer, the indexer, antivirus) holds the file for a moment;
//! and writing a new file without ever replacing one that exists.

use std::io::Write;
use std::path::Path;

/// Replaces `path` with `bytes` atomically (on the same filesystem).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        retry_in_use(|| std::fs::rename(&tmp, path), std::thread::sleep)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How long to wait before each new try of a rename that another program stands in the way of:
/// about 2.7 seconds in all, long enough for an indexer or a virus scan to let go.
const RETRY_WAITS_MS: [u64; 9] = [20, 50, 100, 150, 250, 350, 500, 600, 700];

/// Whether a rename that failed may work a moment later. On Windows a folder that File Explorer,
/// the search indexer or an antivirus scan has open (or a file in it) cannot be moved: "access
/// is denied" (os error 5) or a sharing or lock violation (32, 33).
pub fn in_use(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::PermissionDenied
        || (cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33)))
}

/// Runs `op`, and again after each of [`RETRY_WAITS_MS`] (waited with `wait`) while it fails
/// because another program holds the file; any other outcome is returned at once.
pub fn retry_in_use<T>(
    mut op: impl FnMut() -> std::io::Result<T>,
    mut wait: impl FnMut(std::time::Duration),
) -> std::io::Result<T> {
    let mut waits = RETRY_WAITS_MS.iter();
    loop {
        match op() {
            Err(e) if in_use(&e) => match waits.next() {
                Some(&ms) => wait(std::time::Duration::from_millis(ms)),
                None => return Err(e),
            },
            done => return done,
        }
    }
}

/// Writes a file that must not exist yet: one that exists (or is created meanwhile) is left
/// alone, and the error's kind is `AlreadyExists`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all())
}

/// `path` as it would be typed in a command that a message suggests: as it is when it has
/// nothing a shell would split or expand, otherwise quoted, in double quotes on Windows (which
/// PowerShell and cmd both understand, and no Windows path contains) and single quotes elsewhere.
pub fn typed(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = |c: char| c.is_alphanumeric() || "-_./\\:+,@=%~".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s
    } else if cfg!(windows) {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};
    use std::time::Duration;

    fn run(fails: usize, kind: ErrorKind) -> (std::io::Result<usize>, Vec<Duration>) {
        let mut tries = 0;
        let mut waited = Vec::new();
        let result = retry_in_use(
            || {
                tries += 1;
                if tries <= fails {
                    Err(Error::from(kind))
                } else {
                    Ok(tries)
                }
            },
            |d| waited.push(d),
        );
        (result, waited)
    }

    #[test]
    fn a_file_in_use_for_a_moment_is_tried_again() {
        let (result, waited) = run(3, ErrorKind::PermissionDenied);
        assert_eq!(result.unwrap(), 4);
        assert_eq!(waited.len(), 3);
    }

    #[test]
    fn a_file_that_stays_in_use_fails_after_about_three_seconds() {
        let (result, waited) = run(usize::MAX, ErrorKind::PermissionDenied);
        assert_eq!(result.unwrap_err().kind(), ErrorKind::PermissionDenied);
        let total: Duration = waited.iter().sum();
        assert!(
            (Duration::from_secs(2)..Duration::from_secs(4)).contains(&total),
            "{total:?}"
        );
    }

    #[test]
    fn other_errors_are_not_tried_again() {
        let (result, waited) = run(1, ErrorKind::NotFound);
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
        assert!(waited.is_empty());
    }
}
