//! `bulletin report`: who got an issue. With an issue (its bulletin file, its journal, or the
//! name it was sent as), one row per list in the recipients file: its people, how many were
//! sent the issue, delivered, failed, not sent yet, with the relay's reasons for the failures
//! grouped; `--csv FILE` writes one row per person for Excel. Without one, the recent issues
//! (the journals in bulletins/) with their totals, bounced and unsubscribed included. Journals are read only through
//! [`crate::send::journal::read`]; nothing is written but the CSV file.
//!
//! Bounces and unsubscribes after the send come from the suppression file that `bulletin inbox`
//! keeps beside recipients.yaml, read through [`crate::suppress`]: a list's people who were
//! delivered the issue and were suppressed after it was sent to them and before a later issue
//! was (or by a bounce answering it),
//! as bounced (hard, or too many soft) or unsubscribed (a request or a complaint). Until that
//! file exists the two columns show `-`, and the report says why.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::input::recipients::{Recipients, key};
use crate::project::Project;
use crate::reach::{self, Outcome};
use crate::send::journal::{self, Journal, Status};
use crate::send::resume::journal_path;
use crate::suppress::{self, Entry, Suppressions};

use super::{Failure, Stopped, load_recipients};

/// How many issues `bulletin report` without an issue lists.
const RECENT: usize = 12;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The issue: its bulletin file (bulletins/2021-10-20.yaml), its journal, or the name it
    /// was sent as (2021-10-20). Without it: the recent issues, with their totals
    issue: Option<String>,
    /// Also write one row per person to this CSV file, for Excel (UTF-8, ISO dates)
    #[arg(long, value_name = "FILE", requires = "issue")]
    csv: Option<PathBuf>,
    /// The recipients file [default: recipients.yaml in the office's folder, found upwards from
    /// the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
    /// Count by list, or by practice (from the Practice column of the office's spreadsheet,
    /// `people:`): reached or not, and why not
    #[arg(long, value_enum, default_value = "list", requires = "issue")]
    by: By,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    /// One row per list
    List,
    /// One row per practice: reached (someone delivered) or not, and why not
    Practice,
}

pub fn run(o: Args) -> Result<(), Failure> {
    let Some(issue) = &o.issue else {
        let project = Project::from_current_dir();
        if o.recipients.is_none() {
            project.require().map_err(anyhow::Error::from)?;
        }
        return recent(
            &project.bulletins(),
            &super::recipients_path(o.recipients.as_deref()),
        );
    };
    let journal = find_journal(issue)?;
    let recipients = load_recipients(o.recipients.as_deref(), Stopped::Nothing)?;
    let name = journal.names().last().cloned().unwrap_or_default();
    let suppressions_path = suppress::path_for(&recipients.path);
    // Read before anything is printed, so that a damaged file stops the report with its line.
    let suppressions = if suppressions_path.exists() {
        Some(Suppressions::load(&suppressions_path).map_err(anyhow::Error::from)?)
    } else {
        None
    };
    // The other journals beside it say when each person was sent a later issue.
    let folder = match journal.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let others = journals(&folder)?;
    let after = After::new(&journal, &name, &others, suppressions.as_ref());
    println!(
        "{name}: {} (journal {})\n",
        journal.title().unwrap_or("(no title recorded)"),
        journal.path.display()
    );
    if o.by == By::Practice {
        return by_practice(&recipients, &journal, &after, o.csv.as_deref());
    }
    let rows = rows(&recipients, &journal, &after);
    print_table(&rows);
    print_failures(&journal);
    if suppressions.is_some() {
        println!(
            "\nbounced, unsubscribed: of the people delivered this issue, those {} lists since it was sent to them (until a later issue was), or for a bounce of it",
            suppressions_path.display(),
        );
    } else {
        println!(
            "\nbounced, unsubscribed: - (no {}: `bulletin inbox` writes it when it reads bounces and unsubscribe requests)",
            suppressions_path.display()
        );
    }
    let elsewhere = off_the_lists(&recipients, &journal);
    if elsewhere > 0 {
        println!(
            "{elsewhere} {} in the journal {} on no list now",
            if elsewhere == 1 { "person" } else { "people" },
            if elsewhere == 1 { "is" } else { "are" }
        );
    }
    if let Some(path) = &o.csv {
        let bytes = csv(&recipients, &journal, &name, suppressions.as_ref());
        crate::files::write_atomic(path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `report ISSUE --by practice`: each practice of the office's spreadsheet, reached or not and
/// why not, then the count; `--csv` writes one row per practice.
fn by_practice(
    recipients: &Recipients,
    journal: &Journal,
    after: &After,
    csv_path: Option<&Path>,
) -> Result<(), Failure> {
    let Some(people) = &recipients.people else {
        return Err(format!(
            "{} names no spreadsheet of people, so there are no practices to count",
            recipients.path.display()
        )
        .into());
    };
    let suppressed_now: HashMap<&str, &Entry> = after
        .suppressions
        .map(|s| {
            s.suppressed
                .iter()
                .map(|e| (e.address.as_str(), e))
                .collect()
        })
        .unwrap_or_default();
    let (practices, without) = reach::by_practice(people, |person| {
        match journal.history.last.get(&person.key) {
            Some(r) if r.status == Status::Delivered => match after.kind(&person.key) {
                Some(Kind::Bounced) => Outcome::Bounced,
                _ => Outcome::Delivered,
            },
            Some(r) => Outcome::Failed(reason(&r.reply)),
            None if recipients.suppress.contains(&person.key) => {
                Outcome::Suppressed("on the suppress list".to_string())
            }
            None => match suppressed_now.get(person.key.as_str()) {
                Some(e) => Outcome::Suppressed(e.why.clone()),
                None => Outcome::NotSent,
            },
        }
    });
    if practices.is_empty() {
        return Err(format!(
            "{} has no Practice column with anything in it",
            people.path.display()
        )
        .into());
    }
    let width = practices
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    println!(
        "{:<width$}  {:<8}  {:>6}  {:>9}  reached",
        "practice", "ods code", "people", "delivered"
    );
    for p in &practices {
        println!(
            "{:<width$}  {:<8}  {:>6}  {:>9}  {}",
            p.name,
            p.ods_code.as_deref().unwrap_or("-"),
            p.people.len(),
            p.delivered(),
            if p.reached() { "yes" } else { "no" }
        );
    }
    let reached = practices.iter().filter(|p| p.reached()).count();
    println!("\n{reached} of {} practices reached", practices.len());
    for p in &practices {
        if let Some(why) = p.why_not() {
            println!("  {}: {why}", p.name);
        }
    }
    if without > 0 {
        println!(
            "{without} {} in {} no practice",
            if without == 1 {
                "person has"
            } else {
                "people have"
            },
            people.path.display()
        );
    }
    if let Some(path) = csv_path {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer("\u{feff}".as_bytes().to_vec());
        let mut line = |fields: &[&str]| {
            for f in fields {
                out.write_field(defused(f).as_bytes())
                    .expect("writing to memory");
            }
            out.write_record(None::<&[u8]>).expect("writing to memory");
        };
        line(&[
            "practice",
            "ods_code",
            "people",
            "delivered",
            "reached",
            "why_not",
        ]);
        for p in &practices {
            line(&[
                &p.name,
                p.ods_code.as_deref().unwrap_or(""),
                &p.people.len().to_string(),
                &p.delivered().to_string(),
                if p.reached() { "yes" } else { "no" },
                &p.why_not().unwrap_or_default(),
            ]);
        }
        let bytes = out.into_inner().expect("writing to memory");
        crate::files::write_atomic(path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The journal `issue` names: a bulletin file's own journal, a journal file, or the journal in
/// bulletins/ that sent that name.
fn find_journal(issue: &str) -> Result<Journal, Failure> {
    let given = Path::new(issue);
    let path = if given.extension().is_some_and(|e| e == "journal") {
        Some(given.to_path_buf())
    } else if given.is_file() {
        Some(journal_path(given))
    } else {
        None
    };
    if let Some(path) = path {
        if !path.exists() {
            return Err(format!(
                "{issue} has not been sent yet: there is no journal {}",
                path.display()
            )
            .into());
        }
        return read(&path);
    }
    let folder = Project::from_current_dir().bulletins();
    journals(&folder)?
        .into_iter()
        .find(|j| j.names().iter().any(|n| n == issue))
        .ok_or_else(|| {
            format!(
                "no issue `{issue}` was sent from {}: give the bulletin's file, or run `bulletin report` to see the issues sent",
                folder.display()
            )
            .into()
        })
}

fn read(path: &Path) -> Result<Journal, Failure> {
    journal::read(path).map_err(|e| {
        anyhow::Error::new(e)
            .context(format!("cannot read the journal {}", path.display()))
            .into()
    })
}

/// Every journal in `folder` that records a send, newest name first.
fn journals(folder: &Path) -> Result<Vec<Journal>, Failure> {
    let entries = match std::fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", folder.display()).into()),
    };
    let mut out = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if path.extension().is_some_and(|e| e == "journal") {
            let j = read(&path)?;
            if j.has_records() {
                out.push(j);
            }
        }
    }
    out.sort_by(|a, b| b.names().last().cmp(&a.names().last()));
    Ok(out)
}

/// `bulletin report` without an issue: the recent issues and their totals, with those of the
/// people delivered each who were later suppressed as bounced or unsubscribed (from the
/// suppressions file beside `recipients`, `-` without it).
fn recent(folder: &Path, recipients: &Path) -> Result<(), Failure> {
    let suppressions_path = suppress::path_for(recipients);
    // Read before anything is printed, so that a damaged file stops the report with its line.
    let suppressions = if suppressions_path.exists() {
        Some(Suppressions::load(&suppressions_path).map_err(anyhow::Error::from)?)
    } else {
        None
    };
    let all = journals(folder)?;
    if all.is_empty() {
        println!("no issue has been sent from {} yet", folder.display());
        return Ok(());
    }
    println!(
        "{:<28} {:>9} {:>6} {:>7} {:>12}  title",
        "issue", "delivered", "failed", "bounced", "unsubscribed"
    );
    for j in all.iter().take(RECENT) {
        let name = j.names().last().cloned().unwrap_or_default();
        let failed = j
            .history
            .last
            .values()
            .filter(|r| r.status == Status::Failed)
            .count();
        let after = After::new(j, &name, &all, suppressions.as_ref());
        let later = |k: Kind| {
            suppressions.as_ref().map_or("-".to_string(), |_| {
                j.history
                    .delivered_as
                    .keys()
                    .filter(|a| after.kind(a) == Some(k))
                    .count()
                    .to_string()
            })
        };
        println!(
            "{:<28} {:>9} {:>6} {:>7} {:>12}  {}",
            name,
            j.delivered(),
            failed,
            later(Kind::Bounced),
            later(Kind::Unsubscribed),
            j.title().unwrap_or("")
        );
    }
    if all.len() > RECENT {
        println!("… and {} earlier", all.len() - RECENT);
    }
    if suppressions.is_some() {
        println!(
            "\nbounced, unsubscribed: of the people delivered each issue, those {} lists since it was sent to them (until a later issue was), or for a bounce of it",
            suppressions_path.display()
        );
    } else {
        println!(
            "\nbounced, unsubscribed: - (no {}: `bulletin inbox` writes it when it reads bounces and unsubscribe requests)",
            suppressions_path.display()
        );
    }
    println!(
        "for one issue by list: bulletin report ISSUE (e.g. bulletin report {})",
        all[0].names().last().map_or("", String::as_str)
    );
    Ok(())
}

/// One list's counts for an issue.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    list: String,
    people: usize,
    delivered: usize,
    failed: usize,
    /// Delivered, then suppressed as bounced and as unsubscribed; `None` without the file.
    bounced: Option<usize>,
    unsubscribed: Option<usize>,
}

/// What a suppression after an issue was, for the report's two columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bounced,
    Unsubscribed,
}

/// Which suppressions count against an issue. One that names the issue it answers (a bounce of
/// one of its messages) counts against that issue only. Any other counts against the issue
/// whose send to that person came last before it: the journal says when each person was sent
/// it, and the other journals when they were sent a later one. A suppression is dated by its
/// day (UTC), so one made on the day of a later send counts against the later issue. Without a
/// time for the person, the issue's date stands for it.
struct After<'a> {
    names: Vec<String>,
    date: Option<Date>,
    /// When each person was sent this issue (UTC).
    sent: HashMap<&'a str, Instant>,
    /// For each person, the first send of another issue after this one (UTC).
    next: HashMap<&'a str, Instant>,
    suppressions: Option<&'a Suppressions>,
}

/// A moment in UTC: the day, then the second of the day.
type Instant = (Date, u32);

impl<'a> After<'a> {
    /// `others`: the other journals (this one among them is left out).
    fn new(
        journal: &'a Journal,
        name: &str,
        others: &'a [Journal],
        suppressions: Option<&'a Suppressions>,
    ) -> After<'a> {
        let sent: HashMap<&str, Instant> = journal
            .history
            .time
            .iter()
            .filter(|(a, _)| journal.history.delivered_as.contains_key(*a))
            .filter_map(|(a, t)| Some((a.as_str(), utc(t)?)))
            .collect();
        let mut next: HashMap<&str, Instant> = HashMap::new();
        for other in others.iter().filter(|o| o.path != journal.path) {
            for (address, time) in &other.history.time {
                let (Some(&mine), Some(theirs)) = (sent.get(address.as_str()), utc(time)) else {
                    continue;
                };
                if theirs > mine && other.history.delivered_as.contains_key(address) {
                    let first = next.entry(address.as_str()).or_insert(theirs);
                    *first = (*first).min(theirs);
                }
            }
        }
        After {
            names: journal.names(),
            date: name.get(..10).and_then(|d| Date::parse(d).ok()),
            sent,
            next,
            suppressions,
        }
    }

    /// The kind of the suppression of `address` (the journal's key) after the issue, if any.
    fn kind(&self, address: &str) -> Option<Kind> {
        let entry = self
            .suppressions?
            .suppressed
            .iter()
            .find(|e| e.address == address && self.counts(e))?;
        kind(entry)
    }

    fn counts(&self, e: &Entry) -> bool {
        if !e.evidence.issue.is_empty() {
            return self.names.contains(&e.evidence.issue);
        }
        let Ok(since) = Date::parse(e.since.trim()) else {
            return false;
        };
        match self.sent.get(e.address.as_str()) {
            Some((day, _)) => {
                *day <= since
                    && self
                        .next
                        .get(e.address.as_str())
                        .is_none_or(|(d, _)| *d > since)
            }
            None => self.date.is_some_and(|d| since >= d),
        }
    }
}

/// A journal time (`2021-10-26T19:05:45.123+01:00`) in UTC.
fn utc(time: &str) -> Option<Instant> {
    let day = Date::parse(time.get(..10)?).ok()?;
    let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<i64>().ok();
    let local = number(11..13)? * 3600 + number(14..16)? * 60 + number(17..19)?;
    let zone = time
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match zone.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let minutes =
                zone.get(1..3)?.parse::<i64>().ok()? * 60 + zone.get(4..6)?.parse::<i64>().ok()?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        Some(_) => return None,
    };
    let seconds = local - offset;
    let day = day.add_days(seconds.div_euclid(86_400));
    Some((day, seconds.rem_euclid(86_400) as u32))
}

/// Bounced: a hard bounce or too many soft ones; unsubscribed: a request or a complaint.
fn kind(e: &Entry) -> Option<Kind> {
    let why = e.why.to_lowercase();
    if why.contains("bounce") {
        Some(Kind::Bounced)
    } else if why.contains("unsubscribe") || why.contains("complaint") {
        Some(Kind::Unsubscribed)
    } else {
        None
    }
}

impl Row {
    fn not_sent(&self) -> usize {
        self.people - self.delivered - self.failed
    }
}

/// Each list's people (less the suppressed, as `send` counts them) and what the journal says
/// happened to them.
fn rows(recipients: &Recipients, journal: &Journal, after: &After) -> Vec<Row> {
    recipients
        .lists
        .keys()
        .map(|list| {
            let people = recipients.resolve(list).recipients;
            let status = |s: Status| {
                people
                    .iter()
                    .filter(|m| {
                        journal
                            .history
                            .last
                            .get(&key(m))
                            .is_some_and(|r| r.status == s)
                    })
                    .count()
            };
            let later = |k: Kind| {
                after.suppressions.map(|_| {
                    people
                        .iter()
                        .map(key)
                        .filter(|a| {
                            journal
                                .history
                                .last
                                .get(a)
                                .is_some_and(|r| r.status == Status::Delivered)
                                && after.kind(a) == Some(k)
                        })
                        .count()
                })
            };
            Row {
                list: list.clone(),
                people: people.len(),
                delivered: status(Status::Delivered),
                failed: status(Status::Failed),
                bounced: later(Kind::Bounced),
                unsubscribed: later(Kind::Unsubscribed),
            }
        })
        .collect()
}

fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|r| r.list.len()).max().unwrap_or(0).max(4);
    println!(
        "{:<width$}  {:>6}  {:>4}  {:>9}  {:>6}  {:>8}  {:>7}  {:>12}",
        "list", "people", "sent", "delivered", "failed", "not sent", "bounced", "unsubscribed"
    );
    for r in rows {
        println!(
            "{:<width$}  {:>6}  {:>4}  {:>9}  {:>6}  {:>8}  {:>7}  {:>12}",
            r.list,
            r.people,
            r.delivered + r.failed,
            r.delivered,
            r.failed,
            r.not_sent(),
            r.bounced.map_or("-".to_string(), |n| n.to_string()),
            r.unsubscribed.map_or("-".to_string(), |n| n.to_string())
        );
    }
}

/// The relay's reasons for the failures, each with how many and who, most frequent first.
fn failures(journal: &Journal) -> Vec<(String, Vec<String>)> {
    let mut by_reply: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in journal.history.last.values() {
        if r.status == Status::Failed {
            by_reply
                .entry(reason(&r.reply))
                .or_default()
                .push(r.address.clone());
        }
    }
    let mut out: Vec<_> = by_reply.into_iter().collect();
    for (_, who) in &mut out {
        who.sort();
    }
    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    out
}

/// A reply with the addresses in it left out, so that the same refusal of different people is
/// one reason: `550 5.1.1 <a@example.org>: User unknown` → `550 5.1.1 <…>: User unknown`.
fn reason(reply: &str) -> String {
    reply
        .split_whitespace()
        .map(|word| {
            if !word.contains('@') {
                return word.to_string();
            }
            let start = word.find('<').map_or(0, |i| i + 1);
            let end = word.rfind('>').unwrap_or(word.len()).max(start);
            format!("{}…{}", &word[..start], &word[end..])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_failures(journal: &Journal) {
    let groups = failures(journal);
    if groups.is_empty() {
        return;
    }
    println!("\nwhy deliveries failed (the relay's replies):");
    for (reply, who) in groups {
        let reply = if reply.is_empty() {
            "(no reply)"
        } else {
            &reply
        };
        println!("  {:>4}  {reply}", who.len());
        for w in who {
            println!("        {w}");
        }
    }
}

/// How many people in the journal are on none of the lists now.
fn off_the_lists(recipients: &Recipients, journal: &Journal) -> usize {
    let on_lists: std::collections::HashSet<String> = recipients
        .lists
        .keys()
        .flat_map(|l| recipients.resolve(l).recipients)
        .map(|m| key(&m))
        .collect();
    journal
        .history
        .last
        .keys()
        .filter(|a| !on_lists.contains(*a))
        .count()
}

/// One row per person per list: UTF-8 with a byte-order mark (so Excel reads accents), CRLF
/// line ends, fields quoted where they need it, the issue's date as ISO 8601, and for each
/// delivery, when the relay took it (`delivered_at`, the journal's time: ISO 8601 with its
/// offset).
/// `suppressed`, `suppressed_since` and `why` say whether the person is suppressed now (whenever
/// that was), empty without the suppressions file.
fn csv(
    recipients: &Recipients,
    journal: &Journal,
    name: &str,
    suppressions: Option<&Suppressions>,
) -> Vec<u8> {
    let date = name.get(..10).filter(|d| {
        d.len() == 10
            && d.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            })
    });
    // The byte-order mark first, so that Excel reads accents; then csv quotes what needs it.
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let mut line = |fields: &[&str]| {
        for f in fields {
            out.write_field(defused(f).as_bytes())
                .expect("writing to memory");
        }
        out.write_record(None::<&[u8]>).expect("writing to memory");
    };
    // Each person's suppression, found once rather than searched for per member and list.
    let suppressed: HashMap<&str, &Entry> = suppressions
        .map(|s| {
            s.suppressed
                .iter()
                .map(|e| (e.address.as_str(), e))
                .collect()
        })
        .unwrap_or_default();
    line(&[
        "issue",
        "issue_date",
        "list",
        "name",
        "email",
        "status",
        "delivered_at",
        "relay_reply",
        "suppressed",
        "suppressed_since",
        "why",
    ]);
    for list in recipients.lists.keys() {
        for m in recipients.resolve(list).recipients {
            let record = journal.history.last.get(&key(&m));
            let status = match record.map(|r| r.status) {
                Some(Status::Delivered) => "delivered",
                Some(Status::Failed) => "failed",
                None => "not sent",
            };
            let reply = record.map_or("", |r| r.reply.trim());
            let delivered_at = match record {
                Some(r) if r.status == Status::Delivered => journal
                    .history
                    .time
                    .get(&r.address)
                    .map_or("", String::as_str),
                _ => "",
            };
            let email = m.email.to_string();
            let entry = suppressed.get(key(&m).as_str()).copied();
            let suppressed = match (suppressions, entry) {
                (None, _) => "",
                (Some(_), None) => "no",
                (Some(_), Some(_)) => "yes",
            };
            line(&[
                name,
                date.unwrap_or(""),
                list,
                m.name.as_deref().unwrap_or(""),
                &email,
                status,
                delivered_at,
                reply,
                suppressed,
                entry.map_or("", |e| e.since.as_str()),
                entry.map_or("", |e| e.why.as_str()),
            ]);
        }
    }
    out.into_inner().expect("writing to memory")
}

/// A field as Excel should show it: one starting with `=`, `+`, `-` or `@` (other than the "-"
/// placeholder) gets a leading `'`, so that Excel shows it rather than running it as a formula.
fn defused(f: &str) -> Cow<'_, str> {
    if f.len() > 1 && f.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{f}"))
    } else {
        Cow::Borrowed(f)
    }
}

#[cfg(test)]
mod tests {
    use super::{After, Kind, defused, reason, utc};
    use crate::date::Date;
    use crate::send::journal::{Journal, Version};
    use crate::suppress::{Entry, Evidence, Suppressions};

    /// A suppression of `address` made on `since`, for `why`, whose evidence names `issue` (the
    /// issue of the original Message-ID; empty when the bounce did not quote it).
    fn entry(address: &str, since: &str, why: &str, issue: &str) -> Entry {
        Entry {
            address: address.into(),
            since: since.into(),
            why: why.into(),
            evidence: Evidence {
                issue: issue.into(),
                ..Evidence::default()
            },
        }
    }

    /// The rule that decides whether a suppression counts against an issue: its evidence names
    /// the issue (any name the journal sent it under), or, naming none, it was made on or after
    /// the issue's date (here the journal has no times). Each side on its own, and neither.
    #[test]
    fn a_suppression_counts_against_an_issue_it_names_or_that_it_follows() {
        let journal = Journal {
            versions: ["2021-10-27", "2021-10-27-113"]
                .map(|n| Version {
                    name: n.into(),
                    fingerprint: "f".into(),
                    title: String::new(),
                })
                .to_vec(),
            ..Journal::default()
        };
        let s = Suppressions {
            suppressed: vec![
                // Before the issue's date, but a bounce of this issue: counts.
                entry(
                    "named@x.org",
                    "2021-10-26",
                    "hard bounce 5.1.1",
                    "2021-10-27-113",
                ),
                // Names the issue under its earlier name: counts.
                entry(
                    "earlier@x.org",
                    "2021-10-01",
                    "hard bounce 5.1.1",
                    "2021-10-27",
                ),
                // On the issue's date, naming nothing: counts.
                entry("same-day@x.org", "2021-10-27", "unsubscribe request", ""),
                // After it, but a bounce of another issue: counts against that one.
                entry(
                    "later@x.org",
                    "2021-11-02",
                    "hard bounce 5.1.1",
                    "2021-10-20",
                ),
                // Before it, naming nothing: does not count.
                entry("before@x.org", "2021-10-26", "hard bounce 5.1.1", ""),
                // Before it, for a bounce of an earlier issue: does not count.
                entry("other@x.org", "2021-10-26", "complaint", "2021-10-20"),
                // A date that cannot be read, naming nothing: does not count.
                entry("no-date@x.org", "last week", "hard bounce 5.1.1", ""),
                // Counted after the issue, but neither a bounce nor an unsubscribe.
                entry("why@x.org", "2021-11-02", "asked by phone", ""),
            ],
            ..Suppressions::default()
        };
        let after = After::new(&journal, "2021-10-27-113", &[], Some(&s));
        let kinds: Vec<(&str, Option<Kind>)> = s
            .suppressed
            .iter()
            .map(|e| (e.address.as_str(), after.kind(&e.address)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("named@x.org", Some(Kind::Bounced)),
                ("earlier@x.org", Some(Kind::Bounced)),
                ("same-day@x.org", Some(Kind::Unsubscribed)),
                ("later@x.org", None),
                ("before@x.org", None),
                ("other@x.org", None),
                ("no-date@x.org", None),
                ("why@x.org", None),
            ]
        );
        // An issue whose name carries no date: only the evidence counts.
        let undated = Journal {
            versions: vec![Version {
                name: "autumn-special".into(),
                fingerprint: "f".into(),
                title: String::new(),
            }],
            ..Journal::default()
        };
        let s = Suppressions {
            suppressed: vec![
                entry(
                    "named@x.org",
                    "2021-10-26",
                    "hard bounce 5.1.1",
                    "autumn-special",
                ),
                entry("later@x.org", "2031-01-01", "hard bounce 5.1.1", ""),
            ],
            ..Suppressions::default()
        };
        let after = After::new(&undated, "autumn-special", &[], Some(&s));
        assert_eq!(after.kind("named@x.org"), Some(Kind::Bounced));
        assert_eq!(after.kind("later@x.org"), None);
        // Without the suppressions file, nothing counts.
        assert_eq!(
            After::new(&journal, "2021-10-27-113", &[], None).kind("named@x.org"),
            None
        );
    }

    /// A journal named `name` at `path` that delivered each address at its time.
    fn sent(path: &str, name: &str, deliveries: &[(&str, &str)]) -> Journal {
        let mut j = Journal {
            path: path.into(),
            versions: vec![Version {
                name: name.into(),
                fingerprint: "f".into(),
                title: String::new(),
            }],
            ..Journal::default()
        };
        for (address, time) in deliveries {
            j.history.delivered_as.insert(address.to_string(), Some(0));
            j.history.time.insert(address.to_string(), time.to_string());
        }
        j
    }

    /// Sent the evening before its date, an issue still counts the unsubscribes of the next
    /// morning; and a suppression after the next issue was sent counts against that one.
    #[test]
    fn a_suppression_counts_against_the_issue_sent_last_before_it() {
        let first = sent(
            "2021-10-27.journal",
            "2021-10-27",
            &[
                ("eve@x.org", "2021-10-26T19:05:00.000+01:00"),
                ("late@x.org", "2021-10-26T19:06:00.000+01:00"),
                ("night@x.org", "2021-10-27T00:30:00.000+01:00"),
            ],
        );
        let second = sent(
            "2021-11-03.journal",
            "2021-11-03",
            &[("late@x.org", "2021-11-03T08:00:00.000+00:00")],
        );
        let s = Suppressions {
            suppressed: vec![
                entry("eve@x.org", "2021-10-26", "unsubscribe request", ""),
                entry("late@x.org", "2021-11-03", "unsubscribe request", ""),
                // 00:30 in summer time is 23:30 UTC the day before.
                entry("night@x.org", "2021-10-26", "unsubscribe request", ""),
            ],
            ..Suppressions::default()
        };
        let both = [first.clone(), second.clone()];
        let after = After::new(&first, "2021-10-27", &both, Some(&s));
        assert_eq!(after.kind("eve@x.org"), Some(Kind::Unsubscribed));
        assert_eq!(
            after.kind("late@x.org"),
            None,
            "it came after the next issue"
        );
        assert_eq!(after.kind("night@x.org"), Some(Kind::Unsubscribed));
        let after = After::new(&second, "2021-11-03", &both, Some(&s));
        assert_eq!(after.kind("late@x.org"), Some(Kind::Unsubscribed));
        assert_eq!(after.kind("eve@x.org"), None, "never sent the second issue");
    }

    #[test]
    fn journal_times_are_read_in_utc() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(
            utc("2021-10-27T00:30:00.123+01:00"),
            Some((d("2021-10-26"), 23 * 3600 + 1800))
        );
        assert_eq!(
            utc("2021-10-26T23:30:00-01:00"),
            Some((d("2021-10-27"), 1800))
        );
        assert_eq!(
            utc("2021-10-26T08:00:00Z"),
            Some((d("2021-10-26"), 8 * 3600))
        );
        assert_eq!(utc("yesterday"), None);
    }

    #[test]
    fn a_reason_leaves_out_the_address_it_names() {
        assert_eq!(
            reason("550 5.1.1 <sam@example.org>: Recipient address rejected: User unknown"),
            "550 5.1.1 <…>: Recipient address rejected: User unknown"
        );
        assert_eq!(
            reason("550 no such user sam@example.org"),
            "550 no such user …"
        );
        assert_eq!(reason("452 4.2.2 Mailbox full"), "452 4.2.2 Mailbox full");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        // One field as the report writes it.
        let csv_field = |f: &str| {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            w.write_field(defused(f).as_bytes()).unwrap();
            w.write_record(None::<&[u8]>).unwrap();
            let line = String::from_utf8(w.into_inner().unwrap()).unwrap();
            line.strip_suffix("\r\n").unwrap().to_string()
        };
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("Smith, J"), "\"Smith, J\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-"), "-");
    }
}
