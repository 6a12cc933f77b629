//! Sending a bulletin: one message per recipient, `connections` sessions in parallel, a rate
//! limit shared by all of them, temporary failures retried with backoff, every outcome written
//! to the journal before it counts, and a clean stop on Ctrl-C.
//!
//! [`resume`] finds the bulletin's journal and checks that it recorded this bulletin; [`plan`]
//! decides who gets a message now (skipping those already delivered, suppressed or listed
//! twice); [`run`] sends. Printing is left to the command.

pub mod clock;
pub mod daily;
pub mod decide;
mod failure;
pub mod journal;
pub mod letters;
pub mod oauth;
mod open;
mod pipelining;
pub mod relay;
pub mod resume;
pub mod secret;
mod smtp;
pub mod suppress;
pub mod tls;
mod wire;

// The lower layers' modules, named as `crate::input`, `crate::model`, … here as in every layer.
use bulletin_input as input;
use bulletin_input::merge;
use bulletin_model::{date, diagnostic, files, identity, model};
use bulletin_render as render;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use lettre::Address;
use lettre::address::Envelope;
use lettre::message::Mailbox;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::input::recipients::{Resolved, key};
use crate::letters::Letters;
use decide::{Action, Counters, Phase, decide};
use journal::{History, Record, Status, Writer};
use relay::{Channel, Failure, Outgoing, Relay};

/// Who is sent to now, and who is not and why.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub to_send: Vec<Mailbox>,
    pub already_delivered: Vec<Mailbox>,
    /// Failed for good in an earlier run, skipped unless `--retry-failed`: (who, reply).
    pub failed_earlier: Vec<(Mailbox, String)>,
    pub suppressed: Vec<Mailbox>,
    pub duplicates: Vec<Mailbox>,
}

/// Applies the journal's history to a resolved list.
pub fn plan(resolved: Resolved, history: &History, retry_failed: bool) -> Plan {
    let mut p = Plan {
        suppressed: resolved.suppressed,
        duplicates: resolved.duplicates,
        ..Plan::default()
    };
    for m in resolved.recipients {
        let k = key(&m);
        if history.delivered(&k) {
            p.already_delivered.push(m);
        } else if let (Some(r), false) = (history.failed(&k), retry_failed) {
            let reply = r.reply.clone();
            p.failed_earlier.push((m, reply));
        } else {
            p.to_send.push(m);
        }
    }
    p
}

/// Why a run stopped before its end (not Ctrl-C): what happened, and what the office can do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct Reason {
    pub text: String,
    pub help: Option<String>,
}

impl From<String> for Reason {
    fn from(text: String) -> Reason {
        Reason { text, help: None }
    }
}

/// A shared stop signal: Ctrl-C, or a failure that ends the run.
#[derive(Default)]
pub struct Stop {
    stopped: AtomicBool,
    notify: Notify,
    reason: Mutex<Option<Reason>>,
}

impl Stop {
    /// Stops the run; `reason` is `None` for an interruption by the user. The first reason given
    /// is kept.
    pub fn stop(&self, reason: Option<Reason>) {
        if let Some(r) = reason {
            self.reason.lock().unwrap().get_or_insert(r);
        }
        self.stopped.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    pub fn reason(&self) -> Option<Reason> {
        self.reason.lock().unwrap().clone()
    }

    /// Sleeps until `deadline`; false if the run was stopped first.
    async fn sleep_until(&self, deadline: Instant) -> bool {
        let notified = self.notify.notified();
        if self.is_stopped() {
            return false;
        }
        // Nothing to wait for: not handed to the timer (see [`RateLimit::take_slot`]).
        if deadline <= Instant::now() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => !self.is_stopped(),
            _ = notified => false,
        }
    }
}

/// Holds `rate_per_minute` across all connections together: each message takes the next slot.
/// When the relay says it is limiting the rate ([`relay::Kind::Throttled`]), the rate is halved and
/// every sender pauses; each delivery after that brings it back up by 2%, never past the
/// configured rate.
pub struct RateLimit {
    configured: Option<Duration>,
    state: Mutex<RateState>,
}

struct RateState {
    /// The gap between two messages now (`None`: as fast as the relay takes them).
    interval: Option<Duration>,
    next: Option<Instant>,
    /// When the last few slots were given, to measure an unlimited rate.
    recent: VecDeque<Instant>,
    /// When the rate was last halved: the replies to messages already under way then say the
    /// same thing again, and halve it only once a second.
    halved: Option<Instant>,
}

impl RateLimit {
    pub fn per_minute(rate: u32) -> RateLimit {
        let interval = (rate > 0).then(|| Duration::from_secs(60) / rate);
        RateLimit {
            configured: interval,
            state: Mutex::new(RateState {
                interval,
                next: None,
                recent: VecDeque::new(),
                halved: None,
            }),
        }
    }

    /// Waits for this message's slot; false if the run was stopped first.
    async fn wait(&self, stop: &Stop) -> bool {
        match self.take_slot() {
            Some(slot) => stop.sleep_until(slot).await,
            None => !stop.is_stopped(),
        }
    }

    /// Takes this message's slot: when it may go, or `None` for now. "Now" is never handed to
    /// the timer: tokio rounds a deadline up to its next millisecond, so even one already past
    /// would hold each message back up to 1 ms, most of a small message's time on a fast relay.
    fn take_slot(&self) -> Option<Instant> {
        let mut st = self.state.lock().unwrap();
        let now = Instant::now();
        let slot = st.next.map_or(now, |n| n.max(now));
        st.next = st.interval.map(|i| slot + i).or(st.next);
        st.recent.push_back(slot);
        if st.recent.len() > 20 {
            st.recent.pop_front();
        }
        (slot > now).then_some(slot)
    }

    /// The rate now, in messages a minute, measured from the last slots if there is no limit.
    fn per_minute_now(st: &RateState) -> f64 {
        match st.interval {
            Some(i) => 60.0 / i.as_secs_f64().max(1e-6),
            None => match (st.recent.front(), st.recent.back()) {
                (Some(first), Some(last)) if st.recent.len() > 1 => {
                    let secs = last.duration_since(*first).as_secs_f64().max(1e-3);
                    (st.recent.len() - 1) as f64 / secs * 60.0
                }
                _ => 60.0,
            },
        }
    }

    /// The relay is limiting the rate: halves it and pauses every sender for `pause`. Returns the
    /// rate now in use, in messages a minute.
    fn throttle(&self, pause: Duration) -> u32 {
        let mut st = self.state.lock().unwrap();
        let now = Instant::now();
        if st.interval.is_none()
            || st
                .halved
                .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            let halved = (Self::per_minute_now(&st) / 2.0).max(1.0);
            st.interval = Some(Duration::from_secs_f64(60.0 / halved));
            st.halved = Some(now);
        }
        let resume = now + pause;
        st.next = Some(st.next.map_or(resume, |n| n.max(resume)));
        Self::per_minute_now(&st) as u32
    }

    /// A message was accepted: after a slow-down, speeds up by 2%, up to the configured rate.
    fn recover(&self) {
        let mut st = self.state.lock().unwrap();
        if let Some(i) = st.interval
            && st.interval != self.configured
        {
            let faster = i.mul_f64(1.0 / 1.02);
            st.interval = Some(match self.configured {
                Some(c) if faster <= c => c,
                _ => faster,
            });
        }
    }

    /// Whether no rate holds messages back now (none configured, and the relay has not asked
    /// for a slower one).
    fn unlimited(&self) -> bool {
        self.state.lock().unwrap().interval.is_none()
    }

    /// The rate in use, in messages a minute (0: no limit).
    pub(crate) fn per_minute_in_use(&self) -> u32 {
        let st = self.state.lock().unwrap();
        st.interval.map_or(0, |_| Self::per_minute_now(&st) as u32)
    }
}

/// Live counts, read by the progress display.
#[derive(Default)]
pub struct Progress {
    pub total: AtomicUsize,
    pub delivered: AtomicUsize,
    pub failed: AtomicUsize,
    pub retries: AtomicUsize,
    /// Whether any message has been accepted in this run (a failure before that is systemic).
    pub accepted_any: AtomicBool,
    /// How many times the relay said it was limiting the rate, and the rate (a minute) in use
    /// since the last time.
    pub throttled: AtomicUsize,
    pub rate_now: AtomicUsize,
    /// The relay's reply the last time it limited the rate.
    pub throttle_reply: Mutex<String>,
}

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    pub delivered: usize,
    pub failed: Vec<(String, String)>,
    /// Not attempted because the run stopped.
    pub not_sent: usize,
    pub interrupted: bool,
    pub fatal: Option<Reason>,
    /// Temporary failures (4xx, dropped connections) that were retried.
    pub retries: usize,
    /// How many times the relay limited the rate, and the rate (a minute) in use at the end.
    pub throttled: usize,
    pub rate_now: u32,
}

/// Everything a sending worker shares with the others. `R` is how messages leave: the relay
/// the recipients file names ([`Channel`]), or a scripted fake in the unit tests.
pub struct Run<R: Relay = Channel> {
    pub channel: R,
    pub template: Letters,
    pub from: Address,
    pub journal: Option<Writer>,
    pub rate: RateLimit,
    pub retries: u32,
    pub retry_wait: Duration,
    pub stop: Arc<Stop>,
    pub progress: Arc<Progress>,
    /// How far senders may run ahead of the journal on disk.
    pub durability: Durability,
}

/// How far a sending connection may run ahead of the journal on disk. Only `OneAhead` keeps the
/// "at most 2 x connections duplicates after a crash" promise; the others exist to measure what
/// that promise costs (`bench/send.sh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Each record is queued at once; before a connection hands over its next message, all its
    /// records but the last must be on disk, so at most two of its messages (the last one
    /// answered, the one going now) are not (the default).
    OneAhead,
    /// Queue records without waiting; wait for all of them at the end.
    NoWait,
}

struct Shared<R: Relay> {
    run: Run<R>,
    queue: Mutex<VecDeque<Mailbox>>,
    failed: Mutex<Vec<(String, String)>>,
}

/// Sends to every recipient (in order, over parallel sessions) until done or stopped.
pub async fn run<R: Relay>(run: Run<R>, recipients: Vec<Mailbox>) -> Outcome {
    run.progress.total.store(recipients.len(), Ordering::SeqCst);
    let workers = run
        .channel
        .connections()
        .max(1)
        .min(recipients.len().max(1));
    let shared = Arc::new(Shared {
        run,
        queue: Mutex::new(recipients.into()),
        failed: Mutex::new(Vec::new()),
    });
    let handles: Vec<_> = (0..workers)
        .map(|_| tokio::spawn(worker(shared.clone())))
        .collect();
    for h in handles {
        if let Err(e) = h.await {
            shared
                .run
                .stop
                .stop(Some(format!("a sending task failed: {e}").into()));
        }
    }
    let Ok(shared) = Arc::try_unwrap(shared) else {
        unreachable!("all workers have finished")
    };
    let stop = shared.run.stop.clone();
    if let Some(j) = shared.run.journal {
        j.close();
    }
    let failed = shared.failed.into_inner().unwrap();
    let fatal = stop.reason();
    Outcome {
        delivered: shared.run.progress.delivered.load(Ordering::SeqCst),
        not_sent: shared.queue.into_inner().unwrap().len(),
        interrupted: stop.is_stopped() && fatal.is_none(),
        retries: shared.run.progress.retries.load(Ordering::SeqCst),
        throttled: shared.run.progress.throttled.load(Ordering::SeqCst),
        rate_now: shared.run.rate.per_minute_in_use(),
        failed,
        fatal,
    }
}

enum Attempt {
    Delivered(String),
    Failed(String),
    /// Not sent (the run stopped): not recorded, so the next run sends it.
    Abandoned,
}

type Ack = tokio::sync::oneshot::Receiver<std::io::Result<journal::Saved>>;

/// What may follow a message's end on its session: the next message's envelope, or (`last`)
/// nobody, so the session's QUIT.
#[derive(Clone, Copy)]
struct Next<'a> {
    then: Option<&'a Envelope>,
    last: bool,
}

/// One recipient's message, ready to go.
struct Message {
    to: Mailbox,
    envelope: Envelope,
    text: String,
}

/// Takes the next recipient from the queue and writes their message (into `spare`'s space).
/// None when the queue is empty, or when the run stopped because no message can be addressed.
fn take<R: Relay>(shared: &Shared<R>, spare: &mut Vec<String>) -> Option<Message> {
    let run = &shared.run;
    let to = shared.queue.lock().unwrap().pop_front()?;
    let envelope = match Envelope::new(Some(run.from.clone()), vec![to.email.clone()]) {
        Ok(e) => e,
        Err(e) => {
            run.stop.stop(Some(
                format!("cannot address a message to {}: {e}", to.email).into(),
            ));
            shared.queue.lock().unwrap().push_front(to);
            return None;
        }
    };
    let mut text = spare.pop().unwrap_or_default();
    text.clear();
    if let Err(e) = run.template.write_for(&to, SystemTime::now(), &mut text) {
        run.stop.stop(Some(
            format!("cannot make the message for {}: {e}", to.email).into(),
        ));
        shared.queue.lock().unwrap().push_front(to);
        return None;
    }
    Some(Message { to, envelope, text })
}

async fn worker<R: Relay>(shared: Arc<Shared<R>>) {
    let run = &shared.run;
    let mut conn: Option<R::Session> = None;
    let mut pending: VecDeque<(Ack, Status, String, String)> = VecDeque::new();
    let mut spare = Vec::new();
    // The message after this one, taken early so that its commands can follow this one's end
    // on a session that pipelines.
    let mut ahead: Option<Message> = None;
    while !run.stop.is_stopped() {
        let Some(message) = ahead.take().or_else(|| take(&shared, &mut spare)) else {
            break;
        };
        // Only while no rate holds messages back: under a rate, the next message's commands
        // would leave the relay waiting after DATA until that message's turn.
        let early = conn.as_ref().is_none_or(|c| run.channel.pipelines(c)) && run.rate.unlimited();
        // Nobody left after this one: on a session that pipelines, its QUIT can follow the end.
        let mut last = false;
        if early && !run.stop.is_stopped() {
            ahead = take(&shared, &mut spare);
            last = ahead.is_none();
        }
        // At most two of this connection's messages handed over and not on disk: before this
        // one goes, every record of this connection but the last (the previous message's, which
        // may still be on its way to the disk) must be safe.
        if run.durability == Durability::OneAhead {
            while pending.len() > 1 {
                let p = pending.pop_front().expect("more than one pending");
                settle(&shared, p).await;
            }
            if run.stop.is_stopped() {
                let mut queue = shared.queue.lock().unwrap();
                if let Some(m) = ahead.take() {
                    queue.push_front(m.to);
                }
                queue.push_front(message.to);
                break;
            }
        }
        let then = ahead.as_ref().map(|m| &m.envelope);
        let next = Next { then, last };
        let attempt = deliver(run, &mut conn, &message.envelope, &message.text, next).await;
        let (status, reply) = match attempt {
            Attempt::Delivered(r) => (Status::Delivered, r),
            Attempt::Failed(r) => (Status::Failed, r),
            Attempt::Abandoned => {
                let mut queue = shared.queue.lock().unwrap();
                if let Some(m) = ahead.take() {
                    queue.push_front(m.to);
                }
                queue.push_front(message.to);
                break;
            }
        };
        // Queued at once, so that it can share the disk's next sync with the previous record
        // (the wait is before the next message, above).
        let address = key(&message.to);
        spare.push(message.text);
        let ack = match &run.journal {
            Some(j) => j.record(Record {
                status,
                version: run.template.version_tag(&address).map(str::to_string),
                address: address.clone(),
                reply: reply.clone(),
            }),
            None => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                let _ = tx.send(Ok(journal::Saved { disk_full: false }));
                rx
            }
        };
        pending.push_back((ack, status, address, reply));
    }
    // Taken but not sent (the run stopped): back to the queue, counted as not sent.
    if let Some(m) = ahead {
        shared.queue.lock().unwrap().push_front(m.to);
    }
    while let Some(p) = pending.pop_front() {
        settle(&shared, p).await;
    }
    if let Some(c) = conn {
        run.channel.close(c).await;
    }
}

/// Waits for a record to reach the disk, then counts it.
async fn settle<R: Relay>(
    shared: &Shared<R>,
    (ack, status, address, reply): (Ack, Status, String, String),
) {
    let run = &shared.run;
    match ack.await {
        Ok(Ok(saved)) => {
            if saved.disk_full {
                run.stop.stop(Some(Reason {
                    text: "the disk under the journal is full: stopped before sending to anyone else, and every message sent is recorded in the journal".into(),
                    help: Some("free some space on that disk, then run the same command again to send the rest".into()),
                }));
            }
            count(shared, status, address, reply);
        }
        Ok(Err(e)) => run.stop.stop(Some(
            format!(
                "cannot write the journal: {e}; stopped so that nobody else is mailed who might not be recorded"
            )
            .into(),
        )),
        Err(_) => run.stop.stop(Some(
            "the journal writer stopped; stopped so that nobody else is mailed who might not be recorded"
                .to_string()
                .into(),
        )),
    }
}

/// Counts an outcome that is on disk.
fn count<R: Relay>(shared: &Shared<R>, status: Status, address: String, reply: String) {
    let run = &shared.run;
    match status {
        Status::Delivered => {
            run.progress.delivered.fetch_add(1, Ordering::SeqCst);
        }
        Status::Failed => {
            run.progress.failed.fetch_add(1, Ordering::SeqCst);
            shared.failed.lock().unwrap().push((address, reply));
        }
    }
}

/// One recipient: connect if needed, send, and do what [`decide`] says about each failure
/// (retry with doubling waits, slow down, record, or stop). `next` says what may follow this
/// message's end.
async fn deliver<R: Relay>(
    run: &Run<R>,
    conn: &mut Option<R::Session>,
    envelope: &Envelope,
    message: &str,
    next: Next<'_>,
) -> Attempt {
    let mut c = Counters {
        retries: run.retries,
        retry_wait: run.retry_wait,
        ..Counters::default()
    };
    loop {
        c.accepted_any = run.progress.accepted_any.load(Ordering::SeqCst);
        let first = !c.accepted_any;
        let Some((phase, result)) = attempt(run, conn, envelope, message, next, first).await else {
            return Attempt::Abandoned;
        };
        let failure = match result {
            Ok(reply) => {
                run.progress.accepted_any.store(true, Ordering::SeqCst);
                if c.throttled > 0 || run.progress.throttled.load(Ordering::SeqCst) > 0 {
                    run.rate.recover();
                }
                return Attempt::Delivered(reply);
            }
            Err(f) => f,
        };
        // On any failure the session is finished with.
        *conn = None;
        let pause = match act(run, decide(phase, failure.kind, &c), failure, &mut c) {
            Ok(Some(pause)) => pause,
            Ok(None) => continue,
            Err(end) => return end,
        };
        // The pause before connecting again too: a relay that refuses connections (rather than
        // messages) would otherwise be asked again at once.
        if !run.stop.sleep_until(Instant::now() + jittered(pause)).await {
            return Attempt::Abandoned;
        }
    }
}

/// `pause` and a random part of it: connections cut at the same moment (a relay restarting, or
/// one that closes at every Nth command) do not all come back in step and meet the same fate
/// again. Up to a quarter of the pause more, and up to 20 ms when the pause is nothing.
fn jittered(pause: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = getrandom::getrandom(&mut b).map_or(0, |()| u16::from_le_bytes(b));
    let spread = pause / 4 + Duration::from_millis(20);
    pause + spread.mul_f64(f64::from(r) / f64::from(u16::MAX))
}

/// Carries out what [`decide`] said about `failure`: the end of this recipient's attempts, or
/// the pause before the next one (None: none, at once).
fn act<R: Relay>(
    run: &Run<R>,
    action: Action,
    failure: Failure,
    c: &mut Counters,
) -> Result<Option<Duration>, Attempt> {
    match action {
        Action::Record(note) => Err(Attempt::Failed(
            failure.text + note.as_deref().unwrap_or(""),
        )),
        Action::Stop(note) => {
            run.stop.stop(Some(Reason {
                text: failure.text + &note,
                help: failure.help,
            }));
            Err(Attempt::Abandoned)
        }
        Action::StopLimited(note) => {
            let reason = format!("the relay kept limiting the rate ({}){note}", failure.text);
            run.stop.stop(Some(reason.into()));
            Err(Attempt::Abandoned)
        }
        Action::Reopen => {
            c.reopened = true;
            Ok(None)
        }
        Action::Retry(wait) => {
            run.progress.retries.fetch_add(1, Ordering::SeqCst);
            c.failures += 1;
            Ok(Some(wait))
        }
        Action::Throttle(pause) => {
            c.throttled += 1;
            throttle(run, pause, failure.text);
            Ok(Some(pause))
        }
    }
}

/// One attempt: a session opened if there is none, the message's slot under the rate, then the
/// message. None if the run stopped while waiting for the slot.
async fn attempt<R: Relay>(
    run: &Run<R>,
    conn: &mut Option<R::Session>,
    envelope: &Envelope,
    message: &str,
    next: Next<'_>,
    first: bool,
) -> Option<(Phase, Result<String, Failure>)> {
    if conn
        .as_ref()
        .is_some_and(|c| !run.channel.fits(c, envelope))
    {
        *conn = None;
    }
    if conn.is_none() {
        match run.channel.open().await {
            Ok(c) => *conn = Some(c),
            Err(f) => return Some((Phase::Open, Err(f))),
        }
    }
    // The message's slot is taken once its session is open, so the time a connection takes to
    // open cannot bunch messages together at the relay, above the rate.
    if !run.rate.wait(&run.stop).await {
        return None;
    }
    let c = conn.as_mut().expect("a session was opened above");
    let message = Outgoing {
        envelope,
        text: message,
        first,
        then: next.then,
        last: next.last,
    };
    let result = run.channel.send(c, message).await;
    Some((Phase::Send, result))
}

/// The relay limits the rate: everyone slows down and pauses; the progress display says so.
fn throttle<R: Relay>(run: &Run<R>, pause: Duration, reply: String) {
    let rate = run.rate.throttle(pause);
    *run.progress.throttle_reply.lock().unwrap() = reply;
    run.progress.rate_now.store(rate as usize, Ordering::SeqCst);
    run.progress.throttled.fetch_add(1, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::relay::Kind;
    use super::*;

    /// A relay that follows a script: each session opened takes the next step of `opens`, each
    /// message sent the next of `sends` (when a script runs out: success). It writes down what
    /// was asked of it.
    #[derive(Default)]
    struct Fake {
        opens: Mutex<VecDeque<Result<(), Failure>>>,
        sends: Mutex<VecDeque<Result<String, Failure>>>,
        /// Shared with the test, which reads it after the run.
        log: Arc<Mutex<Vec<String>>>,
    }

    impl Relay for Fake {
        type Session = ();

        fn connections(&self) -> usize {
            1
        }

        async fn open(&self) -> Result<(), Failure> {
            self.log.lock().unwrap().push("open".into());
            self.opens.lock().unwrap().pop_front().unwrap_or(Ok(()))
        }

        async fn send(&self, _: &mut (), m: Outgoing<'_>) -> Result<String, Failure> {
            let to = m.envelope.to()[0].to_string();
            self.log.lock().unwrap().push(format!("send {to}"));
            let next = self.sends.lock().unwrap().pop_front();
            next.unwrap_or_else(|| Ok("250 2.0.0 ok".into()))
        }

        async fn close(&self, (): ()) {
            self.log.lock().unwrap().push("close".into());
        }

        fn fits(&self, (): &(), _: &Envelope) -> bool {
            true
        }

        fn pipelines(&self, (): &()) -> bool {
            false
        }
    }

    fn fail(kind: Kind, text: &str) -> Failure {
        Failure::new(kind, text)
    }

    /// Sends the example bulletin to `n` people through `fake`, with `retries` and no waits.
    async fn send(fake: Fake, n: usize, retries: u32) -> (Outcome, Vec<String>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let (loaded, _) = crate::input::load(&root.join("bulletins/2021-10-20.yaml"))
            .expect("the example bulletin");
        let (b, p) = (&loaded.bulletin, &loaded.publisher);
        let (html, text) = (
            crate::render::html::render(b, p),
            crate::render::text::render(b, p),
        );
        let id = crate::identity::of(b);
        let template =
            crate::render::message::Template::new(b, p, &id, &text, &html, false).unwrap();
        let template = Letters::single(template);
        let log = fake.log.clone();
        let run = Run {
            channel: fake,
            template,
            from: p.from.email.clone(),
            journal: None,
            rate: RateLimit::per_minute(0),
            retries,
            retry_wait: Duration::ZERO,
            stop: Arc::new(Stop::default()),
            progress: Arc::new(Progress::default()),
            durability: Durability::OneAhead,
        };
        let to = (0..n)
            .map(|i| format!("member{i}@example.org").parse().unwrap())
            .collect();
        let outcome = super::run(run, to).await;
        let log = log.lock().unwrap().clone();
        (outcome, log)
    }

    fn script(opens: Vec<Result<(), Failure>>, sends: Vec<Result<String, Failure>>) -> Fake {
        Fake {
            opens: Mutex::new(opens.into()),
            sends: Mutex::new(sends.into()),
            log: Arc::default(),
        }
    }

    /// A retry's pause is never shorter than decided, and at most a quarter (and 20 ms) longer.
    #[test]
    fn a_pause_before_a_retry_gets_a_random_part_of_its_own() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let p = jittered(Duration::ZERO);
            assert!(p <= Duration::from_millis(20), "{p:?}");
            seen.insert(p);
            let p = jittered(Duration::from_secs(4));
            assert!(
                p >= Duration::from_secs(4) && p <= Duration::from_millis(5020),
                "{p:?}"
            );
        }
        assert!(seen.len() > 10, "not random: {seen:?}");
    }

    /// Without a rate limit no message waits for the timer (each slot is "now", given as
    /// `None`); with one, each slot after the first is the interval after the one before.
    #[test]
    fn an_unlimited_rate_never_hands_the_timer_a_slot() {
        let unlimited = RateLimit::per_minute(0);
        for _ in 0..100 {
            assert_eq!(unlimited.take_slot(), None);
        }
        let start = Instant::now();
        let limited = RateLimit::per_minute(600);
        assert_eq!(limited.take_slot(), None);
        let second = limited.take_slot().expect("a slot 100 ms on");
        assert!(second >= start + Duration::from_millis(100));
        assert!(limited.take_slot().expect("another") >= second + Duration::from_millis(100));
    }

    #[tokio::test]
    async fn a_relay_that_cannot_be_reached_stops_the_run_and_nobody_is_recorded() {
        let refused = || {
            Err(fail(
                Kind::Throttled,
                "cannot connect to 127.0.0.1:25: refused",
            ))
        };
        let (outcome, log) = send(script(vec![refused(), refused()], vec![]), 3, 1).await;
        assert_eq!(outcome.delivered, 0);
        assert!(outcome.failed.is_empty(), "{outcome:?}");
        assert_eq!(outcome.not_sent, 3);
        assert_eq!(
            outcome.fatal.as_ref().map(|r| r.text.as_str()),
            Some(
                "cannot connect to 127.0.0.1:25: refused (tried 2 times); nothing is lost: run the same command again to resume"
            )
        );
        assert_eq!(log, ["open", "open"]);
    }

    #[tokio::test]
    async fn a_temporary_refusal_is_retried_on_a_new_session_and_a_permanent_one_recorded() {
        let sends = vec![
            Err(fail(Kind::Temporary, "451 4.3.0 busy")),
            Ok("250 ok".into()),
            Err(fail(Kind::Permanent, "550 5.1.1 no such user")),
        ];
        let (outcome, log) = send(script(vec![], sends), 2, 1).await;
        assert_eq!(outcome.delivered, 1);
        assert_eq!(outcome.retries, 1);
        assert_eq!(
            outcome.failed,
            [(
                "member1@example.org".to_string(),
                "550 5.1.1 no such user".to_string()
            )]
        );
        assert_eq!(
            log,
            [
                "open",
                "send member0@example.org",
                "open",
                "send member0@example.org",
                "send member1@example.org"
            ]
        );
    }

    #[tokio::test]
    async fn a_message_the_relay_may_have_taken_is_recorded_and_never_sent_again() {
        let sends = vec![Err(fail(
            Kind::Uncertain,
            "no reply; the relay may have delivered it",
        ))];
        let (outcome, log) = send(script(vec![], sends), 2, 5).await;
        assert_eq!(outcome.delivered, 1);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.retries, 0);
        let to_first = log
            .iter()
            .filter(|l| *l == "send member0@example.org")
            .count();
        assert_eq!(to_first, 1, "{log:?}");
    }

    #[tokio::test]
    async fn a_session_ended_between_messages_is_reopened_without_counting_a_try() {
        let sends = vec![
            Ok("250 ok".into()),
            Err(fail(Kind::Closed, "connection lost")),
        ];
        let (outcome, log) = send(script(vec![], sends), 2, 0).await;
        assert_eq!((outcome.delivered, outcome.retries), (2, 0), "{outcome:?}");
        assert!(outcome.failed.is_empty());
        assert_eq!(log.iter().filter(|l| *l == "open").count(), 2, "{log:?}");
    }

    #[tokio::test]
    async fn temporary_failures_past_the_retries_are_recorded_with_how_many_tries() {
        let busy = || Err(fail(Kind::Temporary, "451 4.3.0 busy"));
        let (outcome, _) = send(script(vec![], vec![busy(), busy(), busy()]), 1, 2).await;
        assert_eq!(
            outcome.failed,
            [(
                "member0@example.org".to_string(),
                "451 4.3.0 busy (after 3 tries)".to_string()
            )]
        );
        assert_eq!(outcome.retries, 2);
        assert!(outcome.fatal.is_none());
    }

    #[tokio::test]
    async fn a_fatal_failure_stops_the_run_and_the_rest_are_not_sent() {
        let sends = vec![
            Ok("250 ok".into()),
            Err(fail(Kind::Fatal, "the relay refused the sender")),
        ];
        let (outcome, log) = send(script(vec![], sends), 3, 5).await;
        assert_eq!(outcome.delivered, 1);
        assert_eq!(outcome.not_sent, 2);
        assert!(outcome.failed.is_empty());
        assert_eq!(
            outcome.fatal.as_ref().map(|r| r.text.as_str()),
            Some("the relay refused the sender")
        );
        assert!(!outcome.interrupted);
        assert_eq!(
            log.last().map(String::as_str),
            Some("send member1@example.org")
        );
    }

    #[tokio::test]
    async fn a_relay_limiting_the_rate_slows_down_without_failing_anyone() {
        let sends = vec![Err(fail(Kind::Throttled, "421 4.7.0 slow down"))];
        let (outcome, _) = send(script(vec![], sends), 1, 0).await;
        assert_eq!(
            (outcome.delivered, outcome.throttled, outcome.retries),
            (1, 1, 0)
        );
        assert!(outcome.failed.is_empty());
        assert!(outcome.rate_now >= 1);
    }

    #[test]
    fn a_throttled_rate_halves_once_a_second_and_recovers_slowly_up_to_the_configured_rate() {
        let rate = RateLimit::per_minute(600);
        assert_eq!(rate.throttle(Duration::ZERO), 300);
        // The replies to messages already under way do not halve it again at once.
        assert_eq!(rate.throttle(Duration::ZERO), 300);
        rate.recover();
        assert_eq!(rate.per_minute_in_use(), 306);
        for _ in 0..100 {
            rate.recover();
        }
        assert_eq!(rate.per_minute_in_use(), 600);
        let unlimited = RateLimit::per_minute(0);
        assert_eq!(unlimited.per_minute_in_use(), 0);
        assert!(unlimited.throttle(Duration::ZERO) >= 1);
        assert!(unlimited.per_minute_in_use() >= 1);
    }
}
