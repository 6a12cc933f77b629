//! What time it is, for the parts of the program that compare times across runs: the daily
//! limit's 24-hour window ([`crate::daily`]), the times written in journals and approvals.
//!
//! Built with the `test-hooks` feature (tests only, never a shipped binary), the environment
//! variable `BULLETIN_TEST_NOW` (an ISO 8601 time such as `2026-12-01T12:00:00Z`) stands in for
//! the system's clock, so that a test can run a send "a day later" without waiting a day.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since 1970 (UTC).
pub fn now_ms() -> i64 {
    #[cfg(feature = "test-hooks")]
    if let Some(ms) = std::env::var("BULLETIN_TEST_NOW")
        .ok()
        .and_then(|t| crate::journal::parse_time(&t))
    {
        return ms;
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
