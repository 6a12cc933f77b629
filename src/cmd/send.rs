//! `bulletin send`: confirm, then send through the library's send engine, showing progress and
//! a summary. Exit 0 only when everyone on the list has been delivered; 75 when it stopped at
//! the daily limit ([`daily`]); 130 after Ctrl-C. With `approvers` in publisher.yaml, only an
//! issue approved as it is now is sent ([`crate::approval`]).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::address::parse_mailbox;
use crate::approval::Status;
use crate::audience::{self, Split};
use crate::identity::Identity;
use crate::input::Loaded;
use crate::input::recipients::{Recipients, Transport};
use crate::merge::Reader;
use crate::pipeline::Prepared;
use crate::render::message::Template;
use crate::send::daily::{self, Allowance};
use crate::send::journal::{self, Locked, Writer};
use crate::send::letters::{Letters, Personal};
use crate::send::relay::{Channel, Failure as RelayFailure, Relay};
use crate::send::resume::{self, Mode, Resume};
use crate::send::{self as engine, Durability, Outcome, Plan, Progress, RateLimit, Run, Stop};
use lettre::message::Mailbox;
use std::collections::HashMap;

use super::{Failure, Stopped, load_recipients, prepare};

// What `send` prints goes through these instead of `println!` and `eprintln!`, which panic (exit
// 101) when the reader has gone (`bulletin send ... | head -1`): a send carries on without its
// reader, its journal is on disk, and the command ends with the send's own status.

/// A line on stdout, unless nobody reads it any more.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A line on stderr, unless nobody reads it any more.
macro_rules! tell {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Part of a line on stderr (a prompt, a progress bar redrawn), unless nobody reads it any more.
macro_rules! tell_part {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    bulletin: PathBuf,
    /// The mailing list (see `bulletin lists`)
    #[arg(long, required_unless_present = "test")]
    list: Option<String>,
    /// Send a test copy ("[TEST]" before the subject) to these addresses and lists only, e.g.
    /// `--test reviewers` or `--test ceo@example.org,reviewers`; nothing is recorded, so they
    /// still get the real issue later
    #[arg(
        long,
        value_name = "ADDRESS|LIST",
        value_delimiter = ',',
        conflicts_with_all = ["list", "retry_failed"]
    )]
    test: Vec<String>,
    /// Show who would get it and who is skipped, without connecting to anything
    #[arg(long)]
    dry_run: bool,
    /// Send without asking for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
    /// Try again the recipients whose delivery failed in an earlier run
    #[arg(long)]
    retry_failed: bool,
    /// The bulletin changed after it was sent: send this version to everyone on the list again,
    /// as a correction ("Correction: " before the subject), with its own journal
    #[arg(long, conflicts_with_all = ["test", "continue_changed"])]
    correction: bool,
    /// The bulletin changed after it was sent: send this version only to those who have not had
    /// it yet (the journal records the change)
    #[arg(long, conflicts_with = "test")]
    continue_changed: bool,
    /// The recipients file [default: recipients.yaml in the office's folder, found upwards from
    /// the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
    /// The journal of this bulletin's sends [default: beside the bulletin, named after its file:
    /// bulletins/2021-10-20.journal]
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// For benchmarks only (built with the `test-hooks` feature): `no-wait` lets senders run
    /// ahead of the journal on disk
    #[cfg(feature = "test-hooks")]
    #[arg(long, hide = true, default_value = "one-ahead", value_parser = ["one-ahead", "no-wait"])]
    journal_mode: String,
}

impl Args {
    fn mode(&self) -> Mode {
        if self.correction {
            Mode::Correction
        } else if self.continue_changed {
            Mode::ContinueChanged
        } else {
            Mode::Resume
        }
    }

    /// Whether senders may run ahead of the journal (a benchmark-only mode).
    fn no_wait(&self) -> bool {
        #[cfg(feature = "test-hooks")]
        return self.journal_mode == "no-wait";
        #[cfg(not(feature = "test-hooks"))]
        false
    }
}

pub fn run(o: Args) -> Result<(), Failure> {
    let Prepared {
        loaded, html, text, ..
    } = prepare(&o.bulletin, false, Stopped::NothingSent)?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let mut recipients = load_recipients(o.recipients.as_deref(), Stopped::NothingSent)?;
    // Who `bulletin inbox` suppressed (suppressions.yaml) is skipped like `suppress:`.
    crate::suppress::add_to(&mut recipients).map_err(anyhow::Error::from)?;
    let id = crate::identity::of(b);
    // With `approvers` in publisher.yaml: sent only as approved (crate::approval).
    let approval = crate::approval::status(&o.bulletin, b, p);

    if !o.test.is_empty() {
        // A test copy needs no approval: it is how the approvers see the issue.
        let for_approval = matches!(
            approval,
            Ok(Status::NotApproved | Status::Changed(..)) | Err(_)
        );
        return send_test(&o, &loaded, &recipients, &id, &text, &html, for_approval);
    }
    let approval = approval.map_err(anyhow::Error::new)?;

    let list = o.list.as_deref().unwrap_or_default();
    if !recipients.lists.contains_key(list) {
        let names = recipients.list_names();
        let hint = crate::diagnostic::did_you_mean(list, &names)
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        return Err(format!(
            "there is no list `{list}` in {}; {hint}the lists are: {}",
            recipients.path.display(),
            names.join(", ")
        )
        .into());
    }
    approved_or_refused(&o, p, approval)?;
    // The journal belongs to the bulletin's file; it records which issue and content it sent.
    let mode = o.mode();
    let target = resume::locate(&o.bulletin, o.journal.as_deref(), &id, &b.title, mode)
        .map_err(anyhow::Error::new)?;
    for note in &target.notes {
        tell!("note: {note}");
    }
    let journal_path = target.path.clone();
    let read_journal = || {
        let journal = journal::read(&journal_path).map_err(|e| {
            anyhow::Error::new(e).context(format!(
                "cannot read the journal {}",
                journal_path.display()
            ))
        })?;
        let resume = resume::check(&o.bulletin, &target, &journal, &b.title, mode)
            .map_err(anyhow::Error::new)?;
        Ok::<_, Failure>((journal, resume))
    };
    let unknown = audience::unknown_lists(b, &o.bulletin, &recipients);
    if unknown.has_errors() {
        super::report(&unknown, Stopped::NothingSent);
        return Err(Failure::Reported);
    }
    if o.dry_run {
        let (journal, resume) = read_journal()?;
        let plan = engine::plan(recipients.resolve(list), &journal.history, o.retry_failed);
        let daily = daily_allowance(&recipients, &o.bulletin, &journal_path, plan.to_send.len())?;
        let split = split_plan(b, &target.identity, &recipients, &plan);
        refuse_empty(b, split.as_ref(), &plan)?;
        readers_for(&loaded, &recipients, &plan.to_send, split.as_ref())?;
        let printed = print_dry_run(
            &mut std::io::stdout().lock(),
            &plan,
            &target.identity,
            &resume,
            daily.as_ref(),
            split.as_ref().map(|s| (b, s, &journal.history)),
        );
        // Read by `head` or a pager that has seen enough: not an error.
        return match printed {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(format!("cannot print the dry run: {e}").into())
            }
            _ => Ok(()),
        };
    }
    // Everything that can fail before sending fails now, before the question is asked.
    let credential = secret(&recipients)?;
    // The journal is locked before it is read, and stays locked through the question and the
    // send: a second send of this issue cannot plan from a history that is about to change.
    let lock = Locked::take(&journal_path)?;
    let (journal, resume) = read_journal()?;
    let plan = engine::plan(recipients.resolve(list), &journal.history, o.retry_failed);
    if plan.to_send.is_empty() {
        say!(
            "nobody left to send to on `{list}`: {} delivered earlier (journal {})",
            plan.already_delivered.len(),
            journal_path.display()
        );
        if !plan.failed_earlier.is_empty() {
            let replies = plan.failed_earlier.iter().map(|(_, r)| r.as_str());
            return Err(not_delivered("in an earlier run", replies).into());
        }
        return Ok(());
    }
    let split = split_plan(b, &target.identity, &recipients, &plan);
    refuse_empty(b, split.as_ref(), &plan)?;
    let readers = readers_for(&loaded, &recipients, &plan.to_send, split.as_ref())?;
    // The daily limit: nothing to send now is said before anything is asked or connected to.
    // Held to the end: another send from this folder cannot count the same room meanwhile.
    let _turn = daily_turn(&recipients, &o.bulletin)?;
    let daily = daily_allowance(&recipients, &o.bulletin, &journal_path, plan.to_send.len())?;
    if let Some(a) = daily.as_ref().filter(|a| a.now == 0) {
        tell!("{}", daily_stop(a, 0, plan.to_send.len(), &recipients));
        return Err(Failure::Later);
    }
    if !o.yes {
        try_relay(&recipients, credential.clone())?;
        let identity = &target.identity;
        confirm(
            &loaded,
            &recipients,
            list,
            &plan,
            identity,
            &resume,
            Shares {
                daily: daily.as_ref(),
                split: split.as_ref(),
            },
        )?;
    }
    let to_send = match &daily {
        Some(a) => plan.to_send[..a.now].to_vec(),
        None => plan.to_send.clone(),
    };
    let held = plan.to_send.len() - to_send.len();
    let senders = match &recipients.transport {
        Transport::Smtp(s) => s.connections,
        Transport::Sendmail => 1,
    };
    let writer = lock.start(resume.record.as_ref(), senders)?;
    let key = office_key(&o.bulletin)?;
    let mut template = match &split {
        None => Letters::single(
            Template::new(b, p, &target.identity, &text, &html, false)?.keyed(key.clone()),
        ),
        Some(split) => letters(&loaded, &target.identity, split, key.clone())?,
    };
    if let Some(readers) = readers {
        // Each reader's message made for them, with their details filled in.
        template = template.personal(Personal {
            versions: models(b, split.as_ref()),
            publisher: p.clone(),
            identity: target.identity.clone(),
            test: false,
            for_approval: false,
            key: Some(key),
            readers,
        });
    }
    let outcome = send(
        &recipients,
        credential,
        template,
        &loaded,
        to_send,
        Some(writer),
        o.no_wait(),
    )?;
    summary(&plan, &outcome, held, &journal_path);
    if outcome.interrupted && outcome.not_sent > 0 {
        tell!(
            "stopped: {} not sent yet. Run the same command again to send to them (nobody gets it twice).",
            outcome.not_sent
        );
        return Err(Failure::Interrupted);
    }
    if let Some(reason) = outcome.fatal {
        return Err(anyhow::Error::new(reason).context("sending stopped").into());
    }
    if held > 0 {
        // Counted again: this run's deliveries are in the journal now, at their own times.
        let after = daily_allowance(&recipients, &o.bulletin, &journal_path, held)?;
        if let Some(a) = after {
            tell!("{}", daily_stop(&a, outcome.delivered, held, &recipients));
        }
        return Err(Failure::Later);
    }
    if !outcome.failed.is_empty() || !plan.failed_earlier.is_empty() {
        let replies = outcome.failed.iter().map(|(_, r)| r.as_str());
        let earlier = plan.failed_earlier.iter().map(|(_, r)| r.as_str());
        return Err(Failure::from(not_delivered("", replies.chain(earlier))));
    }
    Ok(())
}

/// With `approvers` in publisher.yaml: refuses an issue not approved as it is now (a dry run
/// only says so), or notes who approved it.
fn approved_or_refused(
    o: &Args,
    p: &crate::model::Publisher,
    approval: Status,
) -> Result<(), Failure> {
    let line = approval.line(p);
    if !o.dry_run
        && let Some(refusal) = approval.refusal(&o.bulletin, p)
    {
        return Err(anyhow::Error::new(refusal).into());
    }
    if let Some(line) = line {
        tell!("note: approval: {line}");
    }
    Ok(())
}

/// The folder of the bulletin's file, where the journals of every issue are.
fn folder(bulletin: &Path) -> &Path {
    bulletin
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Under a `daily_limit`, this send's turn among the sends from the bulletin's folder
/// ([`daily::take_turn`]); `None` without a limit.
fn daily_turn(recipients: &Recipients, bulletin: &Path) -> Result<Option<daily::Turn>, Failure> {
    match &recipients.transport {
        Transport::Smtp(s) if s.daily_limit > 0 => Ok(Some(daily::take_turn(folder(bulletin))?)),
        _ => Ok(None),
    }
}

/// What `daily_limit` allows now of `wanted` recipients, counted from the journals beside the
/// bulletin and this send's own ([`daily`]); `None` when there is no limit.
fn daily_allowance(
    recipients: &Recipients,
    bulletin: &Path,
    journal: &Path,
    wanted: usize,
) -> Result<Option<Allowance>, Failure> {
    let Transport::Smtp(s) = &recipients.transport else {
        return Ok(None);
    };
    if s.daily_limit == 0 {
        return Ok(None);
    }
    let now = crate::clock::now_ms();
    let times =
        daily::delivered_times(folder(bulletin), journal, now).map_err(anyhow::Error::new)?;
    Ok(Some(daily::allowance(s.daily_limit, &times, now, wanted)))
}

/// What stopped at the daily limit, and when the same command can carry on: `sent_now` were
/// delivered in this run, `left` wait.
fn daily_stop(a: &Allowance, sent_now: usize, left: usize, recipients: &Recipients) -> String {
    let head = if sent_now == 0 {
        "nothing was sent: the daily limit is reached"
    } else {
        "stopped at the daily limit"
    };
    let when = match a.next_at {
        Some(t) if a.now == 0 => format!("from {} (UK time)", crate::date::uk_time(t)),
        _ => "now".to_string(),
    };
    let all = match (a.next_at, a.all_at) {
        (_, _) if a.now > 0 => String::new(),
        (Some(next), Some(all)) if all > next => {
            format!(
                "; all {left} can go from {} (UK time)",
                crate::date::uk_time(all)
            )
        }
        (_, Some(_)) => format!("; all {left} can go then"),
        (_, None) => format!(
            "; at most {} go in any 24 hours, so the {left} left take more than a day",
            a.limit
        ),
    };
    format!(
        "{head}: {} recipient{} delivered in the last 24 hours (`daily_limit: {}` in {}); {left} not sent yet\n  help: run the same command again {when} to carry on{all}. Nobody gets it twice.",
        a.counted,
        super::plural(a.counted),
        a.limit,
        recipients.path.display()
    )
}

/// Who gets which version of the issue, when a section is for an audience: those to send to
/// now, and those delivered earlier (to say whether their version has changed since).
fn split_plan(
    b: &crate::model::Bulletin,
    id: &Identity,
    r: &Recipients,
    plan: &Plan,
) -> Option<Split> {
    if !audience::any(b) {
        return None;
    }
    let people: Vec<Mailbox> = plan
        .to_send
        .iter()
        .chain(&plan.already_delivered)
        .cloned()
        .collect();
    Some(audience::split(b, id, r, &people))
}

/// Refuses a send that would give someone none of the sections ([`audience::empty`]).
fn refuse_empty(
    b: &crate::model::Bulletin,
    split: Option<&Split>,
    plan: &Plan,
) -> Result<(), Failure> {
    match split.and_then(|s| audience::empty(b, s, &plan.to_send)) {
        Some(why) => Err(why.into()),
        None => Ok(()),
    }
}

/// Each version's model, in the order of the split's versions (the bulletin itself without one).
fn models(b: &crate::model::Bulletin, split: Option<&Split>) -> Vec<crate::model::Bulletin> {
    match split {
        Some(s) => s
            .versions
            .iter()
            .map(|v| audience::version(b, &v.sections))
            .collect(),
        None => vec![b.clone()],
    }
}

/// With merge fields: each reader's details ([`crate::merge`]); a reader with nothing for a
/// field that has no fallback stops the send before anything is sent, naming them.
fn readers_for(
    loaded: &Loaded,
    recipients: &Recipients,
    people: &[Mailbox],
    split: Option<&Split>,
) -> Result<Option<HashMap<String, Reader>>, Failure> {
    let b = &loaded.bulletin;
    if !crate::merge::any(b) {
        return Ok(None);
    }
    let readers = crate::merge::readers(people, recipients.people.as_ref());
    let models = models(b, split);
    let pairs: Vec<(&Mailbox, &crate::model::Bulletin)> = people
        .iter()
        .map(|m| {
            let key = crate::input::recipients::key(m);
            let i = split.and_then(|s| s.of.get(&key).copied()).unwrap_or(0);
            (m, &models[i])
        })
        .collect();
    let gaps = crate::merge::gaps(&loaded.bulletin_path, &loaded.source, &pairs, &readers);
    if gaps.has_errors() {
        super::report(&gaps, Stopped::NothingSent);
        return Err(Failure::Reported);
    }
    Ok(Some(readers))
}

/// Each version's message, rendered from the bulletin with the other sections left out.
fn letters(
    loaded: &Loaded,
    id: &Identity,
    split: &Split,
    key: crate::identity::Key,
) -> Result<Letters, Failure> {
    let p = &loaded.publisher;
    let mut versions = Vec::new();
    if split.versions.is_empty() {
        // Nobody to split (nothing is sent): the whole bulletin, as without audiences.
        let b = &loaded.bulletin;
        let html = crate::render::html::render(b, p);
        let text = crate::render::text::render(b, p);
        let template = Template::new(b, p, id, &text, &html, false)?.keyed(key);
        return Ok(Letters::single(template));
    }
    for v in &split.versions {
        let b = audience::version(&loaded.bulletin, &v.sections);
        let html = crate::render::html::render(&b, p);
        let text = crate::render::text::render(&b, p);
        let template = Template::new(&b, p, id, &text, &html, false)?.keyed(key.clone());
        versions.push((template, v.tag.clone()));
    }
    Ok(Letters::versions(versions, split.of.clone()))
}

/// The office's Message-ID key in the bulletin's folder, made on the first send
/// ([`crate::identity::Key`]).
fn office_key(bulletin: &std::path::Path) -> Result<crate::identity::Key, Failure> {
    let folder = bulletin
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    crate::identity::Key::load_or_create(folder).map_err(Failure::from)
}

/// `--test`: one copy, marked as a test, to each address and each member of each list named,
/// once per person; no journal is opened, so nobody is recorded as having had the issue.
fn send_test(
    o: &Args,
    loaded: &Loaded,
    recipients: &Recipients,
    id: &Identity,
    text: &str,
    html: &str,
    for_approval: bool,
) -> Result<(), Failure> {
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let (to, suppressed) = test_recipients(&o.test, recipients)?;
    for m in &suppressed {
        tell!("note: no test copy for {m}: on the suppression list");
    }
    if to.is_empty() {
        return Err(
            "nobody to send the test copy to: everyone named is on the suppression list"
                .to_string()
                .into(),
        );
    }
    let through = Channel::new(&recipients.transport, None).describe();
    if o.dry_run {
        say!(
            "dry run: would send a test copy to {} {}, through {through}",
            to.len(),
            people(to.len())
        );
        for m in &to {
            say!("would send    {m}");
        }
        return Ok(());
    }
    let credential = secret(recipients)?;
    // A test copy holds every section, each for an audience labelled with whom it is for
    // (as `pipeline` renders them).
    let key = office_key(&o.bulletin)?;
    let template = if for_approval {
        Template::for_approval(b, p, id, text, html)?
    } else {
        Template::new(b, p, id, text, html, true)?
    };
    let mut template = Letters::single(template.keyed(key.clone()));
    if crate::merge::any(b) {
        // Each reader's own details; a field one has nothing for is left as written.
        template = template.personal(Personal {
            versions: vec![crate::audience::labelled(b, crate::audience::list_title)],
            publisher: p.clone(),
            identity: id.clone(),
            test: true,
            for_approval,
            key: Some(key),
            readers: crate::merge::readers(&to, recipients.people.as_ref()),
        });
    }
    let outcome = send(
        recipients,
        credential,
        template,
        loaded,
        to.clone(),
        None,
        false,
    )?;
    if outcome.delivered > 0 {
        say!(
            "sent a test copy{} to {} {} (not recorded: they will still get the issue when it goes to their list)",
            if for_approval { " for approval" } else { "" },
            outcome.delivered,
            people(outcome.delivered)
        );
    }
    for (who, reply) in &outcome.failed {
        tell!("the test copy to {who} was refused: {reply}");
    }
    if outcome.interrupted && outcome.not_sent > 0 {
        tell!("stopped: {} test copies not sent", outcome.not_sent);
        return Err(Failure::Interrupted);
    }
    if let Some(reason) = outcome.fatal {
        return Err(anyhow::Error::new(reason).into());
    }
    if !outcome.failed.is_empty() {
        return Err(format!(
            "{} of {} test copies not delivered",
            outcome.failed.len(),
            to.len()
        )
        .into());
    }
    Ok(())
}

fn people(n: usize) -> &'static str {
    if n == 1 { "person" } else { "people" }
}

/// Who `--test` names: each value is an address, or a list in the recipients file (its members,
/// less the suppressed, who come back separately). Each person once, in the order named.
fn test_recipients(
    values: &[String],
    recipients: &Recipients,
) -> Result<(Vec<Mailbox>, Vec<Mailbox>), Failure> {
    let mut to = Vec::new();
    let mut suppressed = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let (members, left_out) = if value.contains('@') {
            let m = parse_mailbox(value).map_err(|e| format!("--test {value}: {e}"))?;
            (vec![m], Vec::new())
        } else if recipients.lists.contains_key(value) {
            let r = recipients.resolve(value);
            (r.recipients, r.suppressed)
        } else {
            let names = recipients.list_names();
            let hint = crate::diagnostic::did_you_mean(value, &names)
                .map_or(String::new(), |s| format!("did you mean `{s}`? "));
            return Err(format!(
                "--test {value}: this is neither an email address nor a list in {}; {hint}the lists are: {}",
                recipients.path.display(),
                names.join(", ")
            )
            .into());
        };
        for m in members {
            if seen.insert(crate::input::recipients::key(&m)) {
                to.push(m);
            }
        }
        for m in left_out {
            if seen.insert(crate::input::recipients::key(&m)) {
                suppressed.push(m);
            }
        }
    }
    Ok((to, suppressed))
}

/// What to do about recipients not delivered, by their replies: a permanent refusal (5xx, such
/// as "550 user unknown") will be refused again, so the address needs correcting or removing;
/// the rest (temporary failures, lost replies) may go with `--retry-failed`.
fn not_delivered<'a>(when: &str, replies: impl Iterator<Item = &'a str>) -> String {
    let (mut permanent, mut other) = (0, 0);
    for r in replies {
        if r.starts_with('5') {
            permanent += 1;
        } else {
            other += 1;
        }
    }
    let mut advice = Vec::new();
    if permanent > 0 {
        advice.push(format!(
            "{permanent} refused for good by the relay (a 5xx reply, such as \"550 user unknown\"): correct each address in recipients.yaml, or remove it, or add it to `suppress:`; sending again would be refused again"
        ));
    }
    if other > 0 {
        advice.push(format!(
            "{other} not delivered for now: when the problem is fixed, run again with --retry-failed"
        ));
    }
    let when = if when.is_empty() {
        String::new()
    } else {
        format!(" {when}")
    };
    format!(
        "{} recipient(s) not delivered{when}:\n  - {}",
        permanent + other,
        advice.join("\n  - ")
    )
}

/// The SMTP password or token ([`crate::secret::find`]): never shown. A sign-in
/// (`auth: oauth2`) gets its first access token here, so that a sign-in to renew is said
/// before anything else, with what to do ([`crate::oauth::Error::help`]).
fn secret(recipients: &Recipients) -> Result<Option<crate::secret::Credential>, Failure> {
    let Transport::Smtp(s) = &recipients.transport else {
        return Ok(None);
    };
    let found = crate::secret::find(s, &recipients.path)
        .map_err(|e| Failure::from(anyhow::Error::new(e)))?;
    if let Some(crate::secret::Credential::OAuth2(tokens)) = &found {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start: {e}"))?;
        runtime
            .block_on(tokens.access())
            .map_err(|e| Failure::from(anyhow::Error::new(e)))?;
    }
    Ok(found)
}

/// Opens one session with the relay (greeting, EHLO, STARTTLS, login) and closes it, before the
/// question: a relay that is down or a wrong password is reported in seconds, not after "yes".
fn try_relay(
    recipients: &Recipients,
    credential: Option<crate::secret::Credential>,
) -> Result<(), Failure> {
    if matches!(recipients.transport, Transport::Sendmail) {
        return Ok(());
    }
    let channel = Channel::new(&recipients.transport, credential);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(async {
        match channel.open().await {
            Ok(conn) => {
                channel.close(conn).await;
                Ok(())
            }
            Err(RelayFailure { text, help, .. }) => {
                // What the failure itself says to do (sign in again, fix the sender), else what
                // to check when the relay cannot be used at all.
                let help = help.unwrap_or_else(|| format!(
                    "check that the relay is running and reachable, and `host`, `port`, `security` and the login in {}; then run the same command again",
                    recipients.path.display()
                ));
                let reason = crate::send::Reason {
                    text: format!("nothing was sent: {text}"),
                    help: Some(help),
                };
                Err(anyhow::Error::new(reason).into())
            }
        }
    })
}

fn send(
    recipients: &Recipients,
    credential: Option<crate::secret::Credential>,
    template: Letters,
    loaded: &Loaded,
    to: Vec<Mailbox>,
    journal: Option<Writer>,
    no_wait: bool,
) -> Result<Outcome, Failure> {
    let channel = Channel::new(&recipients.transport, credential);
    let (rate, retries, retry_wait) = match &recipients.transport {
        Transport::Smtp(s) => (s.rate_per_minute, s.retries, s.retry_wait),
        Transport::Sendmail => (0, 0, Duration::from_secs(1)),
    };
    let stop = Arc::new(Stop::default());
    let progress = Arc::new(Progress::default());
    let run = Run {
        channel,
        template,
        from: loaded.publisher.from.email.clone(),
        journal,
        rate: RateLimit::per_minute(rate),
        retries,
        retry_wait,
        stop: stop.clone(),
        progress: progress.clone(),
        durability: if no_wait {
            Durability::NoWait
        } else {
            Durability::OneAhead
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let show_progress = to.len() > 1;
    Ok(runtime.block_on(async move {
        let ctrl_c = {
            let stop = stop.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tell!(
                        "\nstopping: finishing the messages under way and saving the journal… (Ctrl-C again to stop at once)"
                    );
                    stop.stop(None);
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    tell!(
                        "stopped at once: run the same command again to resume; at most the messages under way may arrive twice"
                    );
                    // The one exit outside `main`: a second Ctrl-C means "stop now", and no
                    // task can be trusted to return promptly any more.
                    std::process::exit(130);
                }
            })
        };
        let start = Instant::now();
        let terminal = std::io::stderr().is_terminal();
        let reporter =
            show_progress.then(|| tokio::spawn(report_progress(progress.clone(), start, terminal)));
        let outcome = engine::run(run, to).await;
        ctrl_c.abort();
        if let Some(r) = reporter {
            r.abort();
            print_progress(&progress, start, terminal);
            if terminal {
                tell!();
            }
        }
        outcome
    }))
}

/// A progress bar on a terminal, redrawn four times a second; otherwise a line every 5 seconds
/// (every second when the desk runs it).
/// Each time the relay limits the rate, a line says so and gives the rate now in use.
async fn report_progress(progress: Arc<Progress>, start: Instant, terminal: bool) {
    // Run by the desk (which shows each line in the page as it comes): a line every second.
    let every = if std::env::var_os(crate::desk::jobs::DESK_RUN).is_some() {
        4
    } else {
        20
    };
    let mut ticks = 0u32;
    let mut throttles_told = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        ticks += 1;
        let throttled = progress.throttled.load(Ordering::SeqCst);
        if throttled > throttles_told {
            throttles_told = throttled;
            tell!(
                "{}note: the relay is limiting the rate ({}): slowed down to {} a minute, speeding up again slowly",
                if terminal { "\r" } else { "" },
                progress.throttle_reply.lock().unwrap(),
                progress.rate_now.load(Ordering::SeqCst)
            );
        }
        if terminal || ticks.is_multiple_of(every) {
            print_progress(&progress, start, terminal);
        }
    }
}

fn print_progress(progress: &Progress, start: Instant, terminal: bool) {
    let total = progress.total.load(Ordering::SeqCst);
    let done = progress.delivered.load(Ordering::SeqCst) + progress.failed.load(Ordering::SeqCst);
    let secs = start.elapsed().as_secs_f64().max(0.001);
    let rate = done as f64 / secs;
    let left = if rate > 0.0 {
        ((total - done.min(total)) as f64 / rate) as u64
    } else {
        0
    };
    let eta = format!("{}:{:02}", left / 60, left % 60);
    let failed = progress.failed.load(Ordering::SeqCst);
    if terminal {
        let width = 30;
        let filled = (done * width)
            .checked_div(total)
            .unwrap_or(width)
            .min(width);
        tell_part!(
            "\r[{}{}] {done}/{total}  {rate:.1}/s  about {eta} left{}   ",
            "=".repeat(filled),
            " ".repeat(width - filled),
            if failed > 0 {
                format!("  {failed} failed")
            } else {
                String::new()
            }
        );
        let _ = std::io::stderr().flush();
    } else {
        tell!("progress: {done}/{total} sent, {failed} failed, {rate:.1}/s, about {eta} left");
    }
}

/// What differs from a plain send: a correction, or a changed version for the rest.
fn describe_change(id: &Identity, resume: &Resume) -> Option<String> {
    if let Some(n) = id.correction() {
        return Some(format!(
            "correction {n}, sent as {} with \"Correction: \" before the subject",
            id.sent_as()
        ));
    }
    (resume.changed > 0).then(|| {
        format!(
            "a changed version of the bulletin: the {} delivered earlier had the version before, and are skipped",
            resume.changed
        )
    })
}

/// Prints who would be sent to, and who not and why, to `out` (stdout).
fn print_dry_run(
    out: &mut impl Write,
    plan: &Plan,
    id: &Identity,
    resume: &Resume,
    daily: Option<&Allowance>,
    split: Option<(&crate::model::Bulletin, &Split, &journal::History)>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "dry run: nothing is sent and nothing is connected to\n"
    )?;
    if let Some(change) = describe_change(id, resume) {
        writeln!(out, "this is {change}\n")?;
    }
    // With sections for an audience: the versions, numbered, and each person's.
    let version_of = |m: &Mailbox| {
        split.and_then(|(_, s, _)| s.of.get(&crate::input::recipients::key(m)).copied())
    };
    if let Some((b, s, _)) = split {
        print_versions(out, b, s)?;
    }
    for m in &plan.to_send {
        match version_of(m) {
            Some(v) => writeln!(out, "would send    {m}  (version {})", v + 1)?,
            None => writeln!(out, "would send    {m}")?,
        }
    }
    for m in &plan.already_delivered {
        let k = crate::input::recipients::key(m);
        let changed = resume.changed == 0
            && split.is_some_and(|(_, s, history)| {
                let now = s.of.get(&k).and_then(|&v| s.versions[v].tag.as_deref());
                history.version_sent(&k) != now
            });
        if changed {
            writeln!(
                out,
                "skip          {m}  (delivered earlier; their lists have changed since, but nobody gets the bulletin twice)"
            )?;
        } else {
            writeln!(out, "skip          {m}  (delivered earlier)")?;
        }
    }
    for (m, reply) in &plan.failed_earlier {
        writeln!(
            out,
            "skip          {m}  (failed earlier: {reply}; use --retry-failed)"
        )?;
    }
    for m in &plan.suppressed {
        writeln!(out, "skip          {m}  (on the suppression list)")?;
    }
    for m in &plan.duplicates {
        writeln!(
            out,
            "skip          {m}  (listed more than once: gets one copy)"
        )?;
    }
    writeln!(
        out,
        "\n{} would be sent; skipped: {} delivered earlier, {} failed earlier, {} suppressed, {} duplicates",
        plan.to_send.len(),
        plan.already_delivered.len(),
        plan.failed_earlier.len(),
        plan.suppressed.len(),
        plan.duplicates.len()
    )?;
    if let Some(a) = daily.filter(|a| a.now < plan.to_send.len()) {
        writeln!(out, "daily limit: {}", daily_line(a, plan.to_send.len()))?;
    }
    out.flush()
}

/// How the daily limit holds some back: "3 of the 8 now (...); the other 5 from ...".
fn daily_line(a: &Allowance, wanted: usize) -> String {
    let rest = match a.next_at {
        Some(t) => format!(
            "; the other {} from {} (UK time)",
            a.held_back(wanted),
            crate::date::uk_time(t)
        ),
        None => String::new(),
    };
    format!(
        "{} of the {wanted} now (`daily_limit: {}`; {} delivered in the last 24 hours){rest}",
        a.now, a.limit, a.counted
    )
}

/// The dry run's list of versions, numbered as its lines name them.
fn print_versions(
    out: &mut impl Write,
    b: &crate::model::Bulletin,
    split: &Split,
) -> std::io::Result<()> {
    writeln!(
        out,
        "sections for an audience: {} version{}",
        split.versions.len(),
        if split.versions.len() == 1 { "" } else { "s" }
    )?;
    for (i, v) in split.versions.iter().enumerate() {
        writeln!(out, "  version {}: {}", i + 1, audience::describe(b, v))?;
    }
    writeln!(out)
}

/// How a send is shared out, for the question: what the daily limit holds back, and who gets
/// which version (sections for an audience).
struct Shares<'a> {
    daily: Option<&'a Allowance>,
    split: Option<&'a Split>,
}

fn confirm(
    loaded: &Loaded,
    recipients: &Recipients,
    list: &str,
    plan: &Plan,
    id: &Identity,
    resume: &Resume,
    Shares { daily, split }: Shares,
) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "nobody is at a terminal to confirm the send: run it from a terminal, or add --yes"
                .to_string()
                .into(),
        );
    }
    let b = &loaded.bulletin;
    let name = &recipients.lists[list].name;
    tell!("About to send:");
    tell!("  bulletin    {} ({})", b.title, b.date.long());
    if let Some(change) = describe_change(id, resume) {
        tell!("  this is     {change}");
    }
    tell!("  list        {list} ({name})");
    tell!(
        "  recipients  {} now ({} delivered earlier, {} suppressed)",
        plan.to_send.len(),
        plan.already_delivered.len(),
        plan.suppressed.len()
    );
    if let Some(a) = daily.filter(|a| a.now < plan.to_send.len()) {
        tell!("  daily limit {}", daily_line(a, plan.to_send.len()));
    }
    if let Some(split) = split {
        tell_versions(b, split, plan);
    }
    tell!(
        "  through     {}",
        Channel::new(&recipients.transport, None).describe()
    );
    tell_part!("Send it now? Type yes to send: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    let answer = answer.trim();
    if answer.eq_ignore_ascii_case("yes") {
        Ok(())
    } else if !answer.is_empty() && "yes".starts_with(&answer.to_ascii_lowercase()) {
        Err(format!("not sent: you typed `{answer}`; to send, type `yes` in full").into())
    } else {
        Err("not sent".to_string().into())
    }
}

/// For the question: how many of those sent to now get each version.
fn tell_versions(b: &crate::model::Bulletin, split: &Split, plan: &Plan) {
    let mut now = vec![0usize; split.versions.len()];
    for m in &plan.to_send {
        if let Some(&v) = split.of.get(&crate::input::recipients::key(m)) {
            now[v] += 1;
        }
    }
    for (v, n) in split.versions.iter().zip(now).filter(|(_, n)| *n > 0) {
        let (who, verb) = if n == 1 {
            ("1 person".to_string(), "gets")
        } else {
            (format!("{n} people"), "get")
        };
        tell!("  version     {who} {verb} {}", audience::describe(b, v));
    }
}

fn summary(plan: &Plan, outcome: &Outcome, held: usize, journal: &std::path::Path) {
    // One column for the words and one for the numbers, whichever lines are shown.
    let row = |label: &str, n: usize| say!("  {label:<26} {n:>6}");
    say!("\nsummary");
    row("delivered now", outcome.delivered);
    row("delivered earlier", plan.already_delivered.len());
    row("suppressed", plan.suppressed.len());
    row("duplicates (sent once)", plan.duplicates.len());
    row("failed", outcome.failed.len() + plan.failed_earlier.len());
    for (who, reply) in &outcome.failed {
        say!("    {who}: {reply}");
    }
    for (who, reply) in &plan.failed_earlier {
        say!("    {} (earlier run): {reply}", who.email);
    }
    if outcome.retries > 0 {
        row("temporary failures retried", outcome.retries);
    }
    if outcome.throttled > 0 {
        say!(
            "  {:<26} {:>6} (rate at the end: {} a minute)",
            "slowed down by the relay",
            outcome.throttled,
            outcome.rate_now
        );
    }
    if outcome.not_sent > 0 {
        row("not sent yet", outcome.not_sent);
    }
    if held > 0 {
        row("held for the daily limit", held);
    }
    say!("  {:<26} {}", "journal", journal.display());
}
