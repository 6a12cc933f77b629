//! What the send does after an attempt that did not deliver: a pure function of the failure's
//! kind, where it happened (opening a session, or sending on one) and the message's counters,
//! so that every branch has a unit test without a relay.

use std::time::Duration;

use super::failure::Kind;

/// Where an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Opening a session: nothing of the message was sent, and the failure is the relay's, never
    /// the recipient's.
    Open,
    /// Sending the message on an open session.
    Send,
}

/// What one message has met so far, and the settings that bound it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    /// Temporary failures (each one a try).
    pub failures: u32,
    /// Times the relay limited the rate, in a row.
    pub throttled: u32,
    /// Whether it was already sent again on a new session once without counting a try.
    pub reopened: bool,
    /// Whether the relay has taken any message in this run.
    pub accepted_any: bool,
    /// `retries` from the recipients file.
    pub retries: u32,
    /// `retry_wait_seconds` from the recipients file.
    pub retry_wait: Duration,
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record the recipient as failed (with this note after the reply, if any).
    Record(Option<String>),
    /// Wait, then try again on a new session, counting a try.
    Retry(Duration),
    /// Try again at once on a new session, not counting a try.
    Reopen,
    /// The relay limits the rate: slow everyone down, pause this long, then again, not counting
    /// a try.
    Throttle(Duration),
    /// Stop the run, recording nobody (this note after the failure's text).
    Stop(String),
    /// Stop the run: the relay kept limiting the rate (this note after its reply).
    StopLimited(String),
}

/// How many times in a row one message may meet a relay limiting the rate before the send stops.
pub(crate) const THROTTLES_IN_A_ROW: u32 = 12;

/// The longest wait before a retry or after a throttle.
const LONGEST: Duration = Duration::from_secs(300);

pub(crate) fn decide(phase: Phase, kind: Kind, c: &Counters) -> Action {
    // A refused connection before the relay took anything is a relay that is down, not one
    // limiting the rate.
    let kind = match kind {
        Kind::Throttled if phase == Phase::Open && !c.accepted_any => Kind::Temporary,
        k => k,
    };
    match kind {
        Kind::Permanent | Kind::Uncertain => Action::Record(None),
        Kind::Fatal => Action::Stop(String::new()),
        Kind::Throttled if c.throttled >= THROTTLES_IN_A_ROW => Action::StopLimited(format!(
            ", {} times in a row for one message; nothing is lost: run the same command again later",
            c.throttled
        )),
        // A pause of at least a second, doubling while the relay keeps saying so.
        Kind::Throttled => Action::Throttle(
            c.retry_wait
                .max(Duration::from_secs(1))
                .saturating_mul(1 << c.throttled.min(8))
                .min(LONGEST),
        ),
        Kind::Closed if !c.reopened => Action::Reopen,
        Kind::Temporary | Kind::Closed if c.failures < c.retries => Action::Retry(
            c.retry_wait
                .saturating_mul(1 << c.failures.min(10))
                .min(LONGEST),
        ),
        // Out of tries. No session could be opened: the relay's problem, so the run stops and
        // the same command carries on later; otherwise this recipient is recorded as failed.
        Kind::Temporary | Kind::Closed => {
            let tries = c.failures + 1;
            if phase == Phase::Open {
                let times = if tries == 1 {
                    "once".to_string()
                } else {
                    format!("{tries} times")
                };
                Action::Stop(format!(
                    " (tried {times}); nothing is lost: run the same command again to resume"
                ))
            } else {
                Action::Record(Some(format!(" (after {tries} tries)")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters() -> Counters {
        Counters {
            retries: 2,
            retry_wait: Duration::from_secs(2),
            ..Counters::default()
        }
    }

    #[test]
    fn refusals_for_good_and_possible_deliveries_are_recorded_and_fatal_ones_stop() {
        for phase in [Phase::Open, Phase::Send] {
            assert_eq!(
                decide(phase, Kind::Permanent, &counters()),
                Action::Record(None)
            );
            assert_eq!(
                decide(phase, Kind::Uncertain, &counters()),
                Action::Record(None)
            );
            assert_eq!(
                decide(phase, Kind::Fatal, &counters()),
                Action::Stop(String::new())
            );
        }
    }

    #[test]
    fn temporary_failures_are_retried_with_doubling_waits_then_recorded_or_stop_the_run() {
        let mut c = counters();
        assert_eq!(
            decide(Phase::Send, Kind::Temporary, &c),
            Action::Retry(Duration::from_secs(2))
        );
        c.failures = 1;
        assert_eq!(
            decide(Phase::Send, Kind::Temporary, &c),
            Action::Retry(Duration::from_secs(4))
        );
        c.failures = 2;
        assert_eq!(
            decide(Phase::Send, Kind::Temporary, &c),
            Action::Record(Some(" (after 3 tries)".into()))
        );
        // No session at all: the relay is down; nobody is recorded.
        assert_eq!(
            decide(Phase::Open, Kind::Temporary, &c),
            Action::Stop(
                " (tried 3 times); nothing is lost: run the same command again to resume".into()
            )
        );
        c.retries = 0;
        c.failures = 0;
        assert_eq!(
            decide(Phase::Open, Kind::Temporary, &c),
            Action::Stop(
                " (tried once); nothing is lost: run the same command again to resume".into()
            )
        );
        // Never longer than 5 minutes.
        c.retries = 50;
        c.failures = 20;
        assert_eq!(
            decide(Phase::Send, Kind::Temporary, &c),
            Action::Retry(LONGEST)
        );
    }

    #[test]
    fn a_session_closed_between_messages_is_reopened_once_free_then_counts() {
        let mut c = counters();
        assert_eq!(decide(Phase::Send, Kind::Closed, &c), Action::Reopen);
        c.reopened = true;
        assert_eq!(
            decide(Phase::Send, Kind::Closed, &c),
            Action::Retry(Duration::from_secs(2))
        );
        c.failures = 2;
        assert_eq!(
            decide(Phase::Send, Kind::Closed, &c),
            Action::Record(Some(" (after 3 tries)".into()))
        );
    }

    #[test]
    fn a_relay_limiting_the_rate_pauses_everyone_with_doubling_pauses_then_stops_the_run() {
        let mut c = counters();
        c.accepted_any = true;
        assert_eq!(
            decide(Phase::Send, Kind::Throttled, &c),
            Action::Throttle(Duration::from_secs(2))
        );
        c.throttled = 3;
        assert_eq!(
            decide(Phase::Open, Kind::Throttled, &c),
            Action::Throttle(Duration::from_secs(16))
        );
        c.retry_wait = Duration::ZERO;
        c.throttled = 0;
        assert_eq!(
            decide(Phase::Send, Kind::Throttled, &c),
            Action::Throttle(Duration::from_secs(1))
        );
        c.throttled = 11;
        assert_eq!(
            decide(Phase::Send, Kind::Throttled, &c),
            Action::Throttle(LONGEST.min(Duration::from_secs(256)))
        );
        c.throttled = THROTTLES_IN_A_ROW;
        assert_eq!(
            decide(Phase::Send, Kind::Throttled, &c),
            Action::StopLimited(
                ", 12 times in a row for one message; nothing is lost: run the same command again later".into()
            )
        );
    }

    #[test]
    fn a_refused_connection_before_any_message_was_taken_is_a_relay_that_is_down() {
        let c = counters();
        // Tried again as a temporary failure, then the run stops: nobody is recorded.
        assert_eq!(
            decide(Phase::Open, Kind::Throttled, &c),
            Action::Retry(Duration::from_secs(2))
        );
        let out = Counters { failures: 2, ..c };
        assert!(matches!(
            decide(Phase::Open, Kind::Throttled, &out),
            Action::Stop(_)
        ));
        // A refusal by reply on an open session still limits the rate.
        assert_eq!(
            decide(Phase::Send, Kind::Throttled, &c),
            Action::Throttle(Duration::from_secs(2))
        );
    }
}
