//! `bulletin report`: who got an issue. With an issue (its bulletin file, its journal, or the
//! name it was sent as), one row per list in the recipients file: its people, how many were
//! sent the issue, delivered, failed, not sent yet, with the relay's reasons for the failures
//! grouped; `--csv FILE` writes one row per person for Excel. Without one, the recent issues
//! (the journals in bulletins/) with their totals. Journals are read only through
//! [`bulletin::send::journal::read`]; nothing is written but the CSV file.
//!
//! Bounces and unsubscribes after the send come from the suppression file that `bulletin inbox`
//! keeps beside recipients.yaml ([`SUPPRESSIONS`]); until that file exists the two columns show
//! `-`, and the report says why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulletin::input::recipients::{Recipients, key};
use bulletin::project::Project;
use bulletin::send::journal::{self, Journal, Status};
use bulletin::send::resume::journal_path;

use super::{Failure, Stopped, load_recipients};

/// The suppression file `bulletin inbox` writes beside recipients.yaml.
const SUPPRESSIONS: &str = "suppressions.yaml";

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
}

pub fn run(o: Args) -> Result<(), Failure> {
    let Some(issue) = &o.issue else {
        return recent(&Project::from_current_dir().bulletins());
    };
    let journal = find_journal(issue)?;
    let recipients = load_recipients(o.recipients.as_deref(), Stopped::Nothing)?;
    let name = journal.names().last().cloned().unwrap_or_default();
    println!(
        "{name}: {} (journal {})\n",
        journal.title().unwrap_or("(no title recorded)"),
        journal.path.display()
    );
    let rows = rows(&recipients, &journal);
    print_table(&rows);
    print_failures(&journal);
    let suppressions = recipients
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join(SUPPRESSIONS);
    if suppressions.exists() {
        println!(
            "\nbounced, unsubscribed: - ({} is there, but this version of bulletin cannot read it yet)",
            suppressions.display()
        );
    } else {
        println!(
            "\nbounced, unsubscribed: - (no {}: `bulletin inbox` writes it when it reads bounces and unsubscribe requests)",
            suppressions.display()
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
        let bytes = csv(&recipients, &journal, &name);
        bulletin::files::write_atomic(path, &bytes)
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
    journal::read(path)
        .map_err(|e| format!("cannot read the journal {}: {e}", path.display()).into())
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

/// `bulletin report` without an issue: the recent issues and their totals.
fn recent(folder: &Path) -> Result<(), Failure> {
    let all = journals(folder)?;
    if all.is_empty() {
        println!("no issue has been sent from {} yet", folder.display());
        return Ok(());
    }
    println!("{:<28} {:>9} {:>6}  title", "issue", "delivered", "failed");
    for j in all.iter().take(RECENT) {
        let failed = j
            .history
            .last
            .values()
            .filter(|r| r.status == Status::Failed)
            .count();
        println!(
            "{:<28} {:>9} {:>6}  {}",
            j.names().last().map_or("", String::as_str),
            j.delivered(),
            failed,
            j.title().unwrap_or("")
        );
    }
    if all.len() > RECENT {
        println!("… and {} earlier", all.len() - RECENT);
    }
    println!(
        "\nfor one issue by list: bulletin report ISSUE (e.g. bulletin report {})",
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
}

impl Row {
    fn not_sent(&self) -> usize {
        self.people - self.delivered - self.failed
    }
}

/// Each list's people (less the suppressed, as `send` counts them) and what the journal says
/// happened to them.
fn rows(recipients: &Recipients, journal: &Journal) -> Vec<Row> {
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
            Row {
                list: list.clone(),
                people: people.len(),
                delivered: status(Status::Delivered),
                failed: status(Status::Failed),
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
            "-",
            "-"
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
/// line ends, fields quoted where they need it, the issue's date as ISO 8601.
fn csv(recipients: &Recipients, journal: &Journal, name: &str) -> Vec<u8> {
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
    let mut out = String::from("\u{feff}");
    let mut line = |fields: &[&str]| {
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    };
    line(&[
        "issue",
        "issue_date",
        "list",
        "name",
        "email",
        "status",
        "relay_reply",
        "bounced",
        "unsubscribed",
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
            let email = m.email.to_string();
            line(&[
                name,
                date.unwrap_or(""),
                list,
                m.name.as_deref().unwrap_or(""),
                &email,
                status,
                reply,
                "-",
                "-",
            ]);
        }
    }
    out.into_bytes()
}

/// A CSV field, quoted when it holds a comma, a quote or a line break. One starting with `=`,
/// `+`, `-` or `@` (other than the "-" placeholder) gets a leading `'`, so that Excel shows it
/// rather than running it as a formula.
fn csv_field(f: &str) -> String {
    let f = if f.len() > 1 && f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_string()
    };
    if f.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_field, reason};

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
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("Smith, J"), "\"Smith, J\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-"), "-");
    }
}
