//! The daily limit (`daily_limit` in recipients.yaml): Microsoft 365 and NHSmail take about
//! 10,000 recipients a day from one mailbox, so `send` counts the recipients delivered in the
//! last 24 hours, from the journals of every issue in the bulletins folder ([`delivered_times`]),
//! sends only as many as the limit leaves, and says when the rest can go ([`allowance`], a pure
//! function). The same command carries on then: those left were never tried, so nothing about
//! them is in the journal. Sends from one folder under a limit take turns ([`take_turn`]), so
//! that two at once (of two issues) cannot both count the same room.

use std::path::{Path, PathBuf};

use super::journal::{self, ReadError};

/// The window the limit counts over.
pub(crate) const WINDOW_MS: i64 = 24 * 3600 * 1000;

/// What the limit allows now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u64,
    /// Delivered in the last 24 hours, over every journal.
    pub counted: usize,
    /// How many of those wanted may be sent now.
    pub now: usize,
    /// When room for the next one opens (the oldest delivery counted leaves the window), if
    /// some must wait.
    pub next_at: Option<i64>,
    /// When all of those that wait can go, if that many fit in one day's limit.
    pub all_at: Option<i64>,
}

impl Allowance {
    /// How many must wait.
    pub fn held_back(&self, wanted: usize) -> usize {
        wanted.saturating_sub(self.now)
    }
}

/// How many of `wanted` recipients may be sent at `now` (milliseconds since 1970) under `limit`
/// recipients in any 24 hours, given the times of the deliveries already made (any age; those
/// older than the window do not count, those later than `now`, from a clock that was ahead, do).
pub fn allowance(limit: u64, delivered: &[i64], now: i64, wanted: usize) -> Allowance {
    let mut counted: Vec<i64> = delivered
        .iter()
        .copied()
        .filter(|&t| t > now - WINDOW_MS)
        .collect();
    counted.sort_unstable();
    let limit_n = usize::try_from(limit).unwrap_or(usize::MAX);
    let room = limit_n.saturating_sub(counted.len());
    let sent_now = wanted.min(room);
    let mut allowance = Allowance {
        limit,
        counted: counted.len(),
        now: sent_now,
        next_at: None,
        all_at: None,
    };
    let rest = wanted - sent_now;
    if rest == 0 {
        return allowance;
    }
    // The deliveries in the window once these are sent, oldest first: room opens as each one
    // leaves the window, 24 hours after it was made.
    let mut merged = counted;
    merged.extend(std::iter::repeat_n(now, sent_now));
    merged.sort_unstable();
    let leaves = |k: usize| merged.get(k.checked_sub(1)?).map(|t| t + WINDOW_MS);
    // For one more, this many must leave; for all the rest, this many.
    let for_one = (merged.len() + 1).saturating_sub(limit_n);
    let for_all = (merged.len() + rest).saturating_sub(limit_n);
    allowance.next_at = leaves(for_one);
    allowance.all_at = (rest <= limit_n).then(|| leaves(for_all)).flatten();
    allowance
}

/// The lock a send under a daily limit holds in the bulletins folder, from its count to its end
/// (named like the journals' locks, which an office's `.gitignore` leaves out).
pub(crate) const TURN_FILE: &str = "daily-limit.journal.lock";

/// A send's turn: the lock on [`TURN_FILE`], released when dropped.
#[derive(Debug)]
pub struct Turn {
    _lock: std::fs::File,
}

/// Takes the turn of the sends from `folder` under a daily limit; refused while another holds it.
pub fn take_turn(folder: &Path) -> Result<Turn, crate::Reason> {
    let path = folder.join(TURN_FILE);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match lock.try_lock() {
        Ok(()) => Ok(Turn { _lock: lock }),
        Err(std::fs::TryLockError::WouldBlock) => Err(crate::Reason {
            text: format!(
                "another `bulletin send` is sending from {}: under `daily_limit`, sends take turns so that together they keep to the limit (its lock is {})",
                folder.display(),
                path.display()
            ),
            help: Some(
                "nothing was sent. Wait for the other send to finish, then run this one again"
                    .into(),
            ),
        }),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("cannot lock {}: {e}", path.display()).into())
        }
    }
}

/// Why the deliveries of the last 24 hours cannot be counted.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot count the recipients delivered in the last 24 hours (for `daily_limit`): cannot read the journal {}: {problem}",
    path.display()
)]
pub struct CountError {
    pub path: PathBuf,
    pub problem: ReadError,
}

/// The times (milliseconds since 1970) of every delivery recorded in the journals in `folder`
/// (`*.journal`, corrections included) and in `also` (the journal of this send, wherever
/// `--journal` put it). A journal last written before the window began holds nothing in it and
/// is not read.
pub fn delivered_times(folder: &Path, also: &Path, now: i64) -> Result<Vec<i64>, CountError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "journal"))
                .collect()
        })
        .unwrap_or_default();
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if !paths.iter().any(|p| same(p, also)) {
        paths.push(also.to_path_buf());
    }
    let mut times = Vec::new();
    for path in paths {
        if written_before(&path, now - WINDOW_MS) {
            continue;
        }
        let j = journal::read(&path).map_err(|problem| CountError {
            path: path.clone(),
            problem,
        })?;
        let h = &j.history;
        times.extend(
            h.delivered_as
                .keys()
                .filter_map(|a| h.time.get(a))
                .filter_map(|t| journal::parse_time(t)),
        );
    }
    Ok(times)
}

/// Whether the file was last written before `ms` (so every line in it is older).
fn written_before(path: &Path, ms: i64) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .is_some_and(|d| (d.as_millis() as i64) < ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * 1000;
    const NOW: i64 = 1_000 * 24 * H;

    #[test]
    fn under_the_limit_everyone_goes() {
        let a = allowance(10, &[NOW - 2 * H, NOW - 30 * H], NOW, 9);
        assert_eq!(a.counted, 1, "a delivery 30 hours ago is out of the window");
        assert_eq!((a.now, a.next_at, a.all_at), (9, None, None));
        assert_eq!(a.held_back(9), 0);
    }

    #[test]
    fn at_the_limit_those_left_wait_for_the_oldest_to_leave_the_window() {
        // Limit 5; 2 delivered (10 and 3 hours ago); 8 wanted: 3 now, 5 wait.
        let a = allowance(5, &[NOW - 3 * H, NOW - 10 * H], NOW, 8);
        assert_eq!((a.counted, a.now, a.held_back(8)), (2, 3, 5));
        // The next when the delivery of 10 hours ago leaves: in 14 hours.
        assert_eq!(a.next_at, Some(NOW + 14 * H));
        // All 5: every delivery in the window must leave, the 3 sent now the last: in 24 hours.
        assert_eq!(a.all_at, Some(NOW + 24 * H));
    }

    #[test]
    fn with_the_limit_reached_nothing_goes_now() {
        let a = allowance(2, &[NOW - H, NOW - 5 * H], NOW, 1);
        assert_eq!((a.now, a.counted), (0, 2));
        assert_eq!(a.next_at, Some(NOW + 19 * H));
        assert_eq!(a.all_at, Some(NOW + 19 * H));
        // Two wait: both must leave.
        let a = allowance(2, &[NOW - H, NOW - 5 * H], NOW, 2);
        assert_eq!(
            (a.next_at, a.all_at),
            (Some(NOW + 19 * H), Some(NOW + 23 * H))
        );
    }

    #[test]
    fn more_left_than_a_days_limit_has_no_time_for_all() {
        let a = allowance(5, &[], NOW, 12);
        assert_eq!((a.counted, a.now), (0, 5));
        assert_eq!(a.next_at, Some(NOW + 24 * H));
        assert_eq!(a.all_at, None, "7 left is more than a day's 5");
    }

    #[test]
    fn deliveries_from_a_clock_that_was_ahead_count() {
        let a = allowance(3, &[NOW + H, NOW - H, NOW - 2 * H], NOW, 1);
        assert_eq!((a.counted, a.now), (3, 0));
        assert_eq!(a.next_at, Some(NOW + 22 * H));
    }

    #[test]
    fn every_journal_in_the_folder_is_counted_and_corrections_too() {
        let dir = tempfile::tempdir().unwrap();
        let now = journal::parse_time("2026-12-01T12:00:00Z").unwrap();
        std::fs::write(
            dir.path().join("2021-10-13.journal"),
            "issue\t2021-10-13\t2026-12-01T08:00:00.000+00:00\tab Old\n\
             delivered\ta@example.org\t2026-12-01T08:00:00.000+00:00\t250 ok\n\
             delivered\tb@example.org\t2026-11-30T08:00:00.000+00:00\t250 ok\n\
             failed\tc@example.org\t2026-12-01T08:00:00.000+00:00\t550 no\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("2021-10-13.correction-1.journal"),
            "issue\t2021-10-13.correction-1\t2026-12-01T09:00:00Z\tcd Old\n\
             delivered\ta@example.org\t2026-12-01T09:00:00+00:00\t250 ok\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("notes.txt"),
            "delivered\tx@example.org\t1\tok\n",
        )
        .unwrap();
        let other = tempfile::tempdir().unwrap();
        let own = other.path().join("elsewhere.journal");
        std::fs::write(
            &own,
            "issue\telsewhere\t2026-12-01T11:00:00Z\tef Other\n\
             delivered\td@example.org\t2026-12-01T11:00:00Z\t250 ok\n",
        )
        .unwrap();
        let mut times = delivered_times(dir.path(), &own, now).unwrap();
        times.sort_unstable();
        let at = |t: &str| journal::parse_time(t).unwrap();
        assert_eq!(
            times,
            vec![
                at("2026-11-30T08:00:00Z"),
                at("2026-12-01T08:00:00Z"),
                at("2026-12-01T09:00:00Z"),
                at("2026-12-01T11:00:00Z")
            ]
        );
        assert_eq!(allowance(10, &times, now, 100).counted, 3);
        // A journal that cannot be read stops the count, naming it.
        std::fs::write(dir.path().join("bad.journal"), "delivered,a@example.org\n").unwrap();
        let e = delivered_times(dir.path(), &own, now).unwrap_err();
        assert!(e.path.ends_with("bad.journal"), "{e}");
    }

    #[test]
    fn sends_under_a_limit_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let first = take_turn(dir.path()).unwrap();
        let refused = take_turn(dir.path()).unwrap_err();
        assert!(refused.text.contains("sends take turns"), "{refused}");
        drop(first);
        take_turn(dir.path()).expect("the turn is free once the first send has ended");
    }

    #[test]
    fn journal_times_are_read_with_their_offsets() {
        let utc = journal::parse_time("2026-12-01T12:00:00.000+00:00").unwrap();
        assert_eq!(journal::parse_time("2026-12-01T12:00:00Z"), Some(utc));
        assert_eq!(journal::parse_time("2026-12-01T13:00:00+01:00"), Some(utc));
        assert_eq!(
            journal::parse_time("2026-12-01T12:00:00.5Z"),
            Some(utc + 500)
        );
        assert_eq!(
            journal::parse_time(&journal::iso(utc + 123)),
            Some(utc + 123)
        );
        // Milliseconds since 1970 (journals before the first release) are not a journal time.
        assert_eq!(journal::parse_time("1635332400123"), None);
        assert_eq!(journal::parse_time("yesterday"), None);
    }
}
