//! Approval before a send. When `publisher.yaml` names `approvers`, an issue is sent only as one
//! of them approved it: `bulletin approve FILE --as NAME` (or Approve in the desk) records who
//! approved which content (the issue's fingerprint, [`crate::identity`]) and when, in a file
//! beside the bulletin, `bulletins/2021-10-20.approval` ([`path_for`]); `send` asks [`status`]
//! and refuses an issue not approved, or changed since, saying which parts changed
//! ([`changes`], from a fingerprint of each part kept with the approval).
//!
//! Only this computer's commands write approvals: nothing read from email (`bulletin inbox`)
//! ever approves anything.
//!
//! The file is YAML, written whole and atomically by [`record`], one entry per approval, newest
//! last (earlier ones are kept as the record of who approved what):
//!
//! ```yaml
//! - by: "Dr Jane Smith"
//!   at: "2026-12-07T09:30:00.000+00:00"
//!   issue: "2021-10-20"
//!   content: "3f2a9c0e5b7d1e44"
//!   title: "Improving access for patients"
//!   parts:
//!     - ["title", "0123456789abcdef"]
//!     - ["section", "0123456789abcdef", "Flu vaccines"]
//! ```

use std::path::{Path, PathBuf};

use crate::identity::{Part, PartKind};
use crate::input::yaml::{self, Node, Value};
use crate::model::{Bulletin, Publisher};

/// One approval: who, when, and of which content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub by: String,
    /// Milliseconds since 1970.
    pub at: i64,
    /// The issue's name ([`crate::identity::Identity::name`]).
    pub issue: String,
    /// The content's fingerprint.
    pub content: String,
    pub title: String,
    pub parts: Vec<Part>,
}

impl Approval {
    /// An approval of `b` as it is now, by `by`, at `at`.
    pub fn of(b: &Bulletin, by: &str, at: i64) -> Approval {
        let id = crate::identity::of(b);
        Approval {
            by: by.to_string(),
            at,
            issue: id.name().to_string(),
            content: id.fingerprint().to_string(),
            title: b.title.clone(),
            parts: crate::identity::parts(b),
        }
    }

    /// "Dr Jane Smith on Monday 7 December 2026 at 09:30 (UK time)".
    pub fn who_and_when(&self) -> String {
        format!("{} on {}", self.by, self.when())
    }

    /// "Monday 7 December 2026 at 09:30 (UK time)".
    pub fn when(&self) -> String {
        format!("{} (UK time)", crate::date::uk_time(self.at))
    }
}

/// The approval file of a bulletin file: `bulletins/2021-10-20.yaml` →
/// `bulletins/2021-10-20.approval` (not `.yaml`: the bulletins folder's `.yaml` files are
/// bulletins).
pub fn path_for(bulletin: &Path) -> PathBuf {
    bulletin.with_extension("approval")
}

/// Why an approval file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not as `bulletin approve` writes it ({problem})", path.display())]
    Damaged { path: PathBuf, problem: String },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// What to do, where something can be done.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Damaged { .. } => Some(
                "nothing was sent. Put back the copy `bulletin approve` wrote, or delete the file and have the issue approved again"
                    .to_string(),
            ),
            Error::Read { .. } | Error::Write { .. } => None,
        }
    }
}

/// Why `send` refuses an issue that needs approval.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{} has not been approved: publisher.yaml says {} must approve each issue before it is sent",
        file.display(), names(approvers)
    )]
    NotApproved {
        file: PathBuf,
        approvers: Vec<String>,
    },
    #[error(
        "{} changed since {} approved it on {}:\n{}",
        file.display(), since.by, since.when(),
        changes.iter().map(|c| format!("  - {c}")).collect::<Vec<_>>().join("\n"),
    )]
    Changed {
        file: PathBuf,
        since: Box<Approval>,
        changes: Vec<String>,
    },
}

impl Refusal {
    /// What to do: have this version approved (or put the file back as it was approved).
    pub fn help(&self) -> String {
        match self {
            Refusal::NotApproved { file, .. } => format!(
                "nothing was sent. Send a test copy for approval (`bulletin send {0} --test ADDRESS`); once it is approved, record it with `bulletin approve {0} --as NAME` (or Approve in the desk)",
                file.display()
            ),
            Refusal::Changed { file, .. } => format!(
                "nothing was sent. Send a test copy of this version for approval (`bulletin send {0} --test ADDRESS`); once it is approved, record it with `bulletin approve {0} --as NAME` (or Approve in the desk), or put the file back as it was approved",
                file.display()
            ),
        }
    }
}

/// "Dr A", "Dr A or Dr B", "Dr A, Dr B or Dr C".
fn names(approvers: &[String]) -> String {
    match approvers {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Where an issue stands with approval.
#[derive(Debug)]
pub enum Status {
    /// `publisher.yaml` names no approvers.
    NotRequired,
    /// Approved as it is now.
    Approved(Approval),
    /// Never approved.
    NotApproved,
    /// Approved, then changed: the latest approval and what changed since.
    Changed(Approval, Vec<String>),
}

impl Status {
    /// The refusal `send` gives, if any.
    pub fn refusal(self, file: &Path, p: &Publisher) -> Option<Refusal> {
        match self {
            Status::NotRequired | Status::Approved(_) => None,
            Status::NotApproved => Some(Refusal::NotApproved {
                file: file.to_path_buf(),
                approvers: p.approvers.clone(),
            }),
            Status::Changed(since, changes) => Some(Refusal::Changed {
                file: file.to_path_buf(),
                since: Box::new(since),
                changes,
            }),
        }
    }

    /// One line for `check`: "approved by ...", "not approved yet ...", or what changed.
    pub fn line(&self, p: &Publisher) -> Option<String> {
        match self {
            Status::NotRequired => None,
            Status::Approved(a) => Some(format!("approved by {}", a.who_and_when())),
            Status::NotApproved => Some(format!(
                "not approved yet: {} must approve it before it is sent (`bulletin approve FILE --as NAME`)",
                names(&p.approvers)
            )),
            Status::Changed(a, changes) => Some(format!(
                "changed since {} approved it on {} ({}): it must be approved again before it is sent",
                a.by,
                a.when(),
                changes.join("; ")
            )),
        }
    }
}

/// Why an approval cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(
        "{} names no `approvers`, so no issue needs approving: nothing was written",
        publisher.display()
    )]
    NoApprovers { publisher: PathBuf },
    #[error(
        "`{name}` is not one of the approvers in {} ({}): nothing was written",
        publisher.display(), approvers.join(", ")
    )]
    NotAnApprover {
        name: String,
        approvers: Vec<String>,
        publisher: PathBuf,
    },
    #[error(transparent)]
    File(#[from] Error),
}

impl ApproveError {
    /// What to do, where something can be done.
    pub fn help(&self) -> Option<String> {
        match self {
            ApproveError::NoApprovers { publisher } => Some(format!(
                "to have each issue approved before it is sent, add the names of those who approve to {}, e.g. approvers: [Dr Jane Smith]",
                publisher.display()
            )),
            ApproveError::NotAnApprover {
                name,
                approvers,
                publisher,
            } => {
                let names: Vec<&str> = approvers.iter().map(String::as_str).collect();
                let guess = crate::diagnostic::did_you_mean(name, &names)
                    .map_or(String::new(), |s| format!("did you mean `{s}`? "));
                Some(format!(
                    "{guess}only someone {} names under `approvers` can approve an issue",
                    publisher.display()
                ))
            }
            ApproveError::File(e) => e.help(),
        }
    }
}

/// What [`approve`] did.
#[derive(Debug)]
pub enum Approved {
    /// Recorded now.
    Recorded(Approval),
    /// This person had already approved it as it is: nothing new to record.
    Already(Approval),
}

/// The same name, whatever its capitals and spaces.
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    words(a) == words(b)
}

/// Records that `by` (one of `p`'s approvers, as publisher.yaml spells the name) approved the
/// bulletin in `file` as it is now, at `now`: what `bulletin approve` and the desk's Approve do.
pub fn approve(
    file: &Path,
    b: &Bulletin,
    p: &Publisher,
    by: &str,
    now: i64,
) -> Result<Approved, ApproveError> {
    let publisher = crate::input::publisher::path_for(file);
    if p.approvers.is_empty() {
        return Err(ApproveError::NoApprovers { publisher });
    }
    let Some(name) = p.approvers.iter().find(|n| same_name(n, by)) else {
        return Err(ApproveError::NotAnApprover {
            name: by.to_string(),
            approvers: p.approvers.clone(),
            publisher,
        });
    };
    if let Status::Approved(a) = status(file, b, p)?
        && same_name(&a.by, name)
    {
        return Ok(Approved::Already(a));
    }
    let a = Approval::of(b, name, now);
    record(&path_for(file), a.clone())?;
    Ok(Approved::Recorded(a))
}

/// Where the bulletin in `file` (`b`, published by `p`) stands with approval, from its
/// approval file.
pub fn status(file: &Path, b: &Bulletin, p: &Publisher) -> Result<Status, Error> {
    if p.approvers.is_empty() {
        return Ok(Status::NotRequired);
    }
    let approvals = read(&path_for(file))?;
    let content = crate::identity::of(b).fingerprint().to_string();
    // By one of today's approvers: a name taken off the list approves nothing any more.
    let counts = |a: &&Approval| p.approvers.iter().any(|n| same_name(n, &a.by));
    if let Some(a) = approvals
        .iter()
        .rev()
        .filter(counts)
        .find(|a| a.content == content)
    {
        return Ok(Status::Approved(a.clone()));
    }
    match approvals.iter().rev().find(counts) {
        Some(latest) => {
            let changes = changes(&latest.parts, &crate::identity::parts(b));
            Ok(Status::Changed(latest.clone(), changes))
        }
        None => Ok(Status::NotApproved),
    }
}

/// What differs between the parts approved and the parts now, in the office's words, in the
/// order of the bulletin now: "section 4 "Flu vaccines" changed", "the title changed",
/// "section 6 "New clinics" is new", "section "Old news" was removed", "the sections are in
/// another order".
pub fn changes(approved: &[Part], now: &[Part]) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [
        PartKind::Title,
        PartKind::Date,
        PartKind::Issue,
        PartKind::Summary,
        PartKind::Message,
    ] {
        let was = approved.iter().find(|p| p.kind == kind);
        let is = now.iter().find(|p| p.kind == kind);
        let name = |p: &Part| match kind {
            PartKind::Title => "the title".to_string(),
            PartKind::Date => "the date".to_string(),
            PartKind::Issue => "the issue number".to_string(),
            PartKind::Summary => "the summary".to_string(),
            _ => format!("the message \"{}\"", p.title),
        };
        match (was, is) {
            (Some(w), Some(i)) if w.fingerprint != i.fingerprint => {
                out.push(format!("{} changed", name(i)));
            }
            (None, Some(i)) => out.push(format!("{} was added", name(i))),
            (Some(w), None) => out.push(format!("{} was removed", name(w))),
            _ => {}
        }
    }
    out.extend(section_changes(approved, now));
    let keys = |parts: &[Part]| {
        parts
            .iter()
            .find(|p| p.kind == PartKind::KeyDates)
            .map(|p| p.fingerprint.clone())
    };
    if keys(approved) != keys(now) {
        out.push("whether the key dates are listed changed".into());
    }
    if out.is_empty() {
        out.push("the content changed".into());
    }
    out
}

/// The sections' changes: each section now is the same as one approved (same content,
/// wherever it was), a changed one (same title), or new; approved ones left over were removed.
fn section_changes(approved: &[Part], now: &[Part]) -> Vec<String> {
    let sections = |parts: &[Part]| -> Vec<Part> {
        parts
            .iter()
            .filter(|p| p.kind == PartKind::Section)
            .cloned()
            .collect()
    };
    let (was, is) = (sections(approved), sections(now));
    let mut used = vec![false; was.len()];
    let mut matched: Vec<Option<usize>> = vec![None; is.len()];
    // Same content first (a section moved is not a section changed), then the same title.
    for (j, s) in is.iter().enumerate() {
        if let Some(i) = (0..was.len()).find(|&i| !used[i] && was[i].fingerprint == s.fingerprint) {
            used[i] = true;
            matched[j] = Some(i);
        }
    }
    // Then the same title (its words changed), then the same place (its title changed too).
    let mut changed: Vec<Option<usize>> = vec![None; is.len()];
    for (j, s) in is.iter().enumerate().filter(|(j, _)| matched[*j].is_none()) {
        if let Some(i) = (0..was.len()).find(|&i| !used[i] && was[i].title == s.title) {
            used[i] = true;
            changed[j] = Some(i);
        }
    }
    for j in 0..is.len() {
        if matched[j].is_none() && changed[j].is_none() && j < was.len() && !used[j] {
            used[j] = true;
            changed[j] = Some(j);
        }
    }
    let mut out = Vec::new();
    for (j, s) in is.iter().enumerate().filter(|(j, _)| matched[*j].is_none()) {
        out.push(match changed[j] {
            Some(i) if was[i].title == s.title => {
                format!("section {} \"{}\" changed", j + 1, s.title)
            }
            Some(i) => format!(
                "section {} \"{}\" changed (it was \"{}\")",
                j + 1,
                s.title,
                was[i].title
            ),
            None => format!("section {} \"{}\" is new", j + 1, s.title),
        });
    }
    for (i, w) in was.iter().enumerate().filter(|(i, _)| !used[*i]) {
        out.push(format!(
            "section \"{}\" (section {} when approved) was removed",
            w.title,
            i + 1
        ));
    }
    let order: Vec<usize> = matched.iter().flatten().copied().collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        out.push("the sections are in another order".into());
    }
    out
}

/// The approvals in `path`, oldest first; none if there is no file.
pub fn read(path: &Path) -> Result<Vec<Approval>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let damaged = |problem: String| Error::Damaged {
        path: path.to_path_buf(),
        problem,
    };
    let root = yaml::parse(path, &text).map_err(|d| {
        damaged(d.0.first().map_or("not YAML".into(), |d| {
            format!("line {}: {}", d.pos.line, d.message)
        }))
    })?;
    let Value::Seq(items) = &root.value else {
        return Err(damaged("it is not a list of approvals".into()));
    };
    items
        .iter()
        .map(|item| {
            entry(item).map_err(|problem| damaged(format!("line {}: {problem}", item.pos.line)))
        })
        .collect()
}

/// One approval as written by [`text`].
fn entry(node: &Node) -> Result<Approval, String> {
    let Value::Map(fields) = &node.value else {
        return Err("an approval is not a set of keys".into());
    };
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
            .ok_or(format!("`{key}` is missing"))
    };
    let text = |key: &str| {
        get(key)?
            .as_str()
            .map(str::to_string)
            .ok_or(format!("`{key}` is not text"))
    };
    let at = text("at")?;
    let Value::Seq(items) = &get("parts")?.value else {
        return Err("`parts` is not a list".into());
    };
    let parts = items.iter().map(part).collect::<Result<Vec<_>, _>>()?;
    Ok(Approval {
        by: text("by")?,
        at: crate::send::journal::parse_time(&at).ok_or(format!("`at` {at} is not a time"))?,
        issue: text("issue")?,
        content: text("content")?,
        title: text("title")?,
        parts,
    })
}

fn part(node: &Node) -> Result<Part, String> {
    let Value::Seq(items) = &node.value else {
        return Err("a part is not a list".into());
    };
    let field = |i: usize| items.get(i).and_then(Node::as_str);
    let kind = field(0)
        .and_then(PartKind::from_key)
        .ok_or("a part is not one `bulletin approve` writes")?;
    Ok(Part {
        kind,
        fingerprint: field(1).ok_or("a part has no fingerprint")?.to_string(),
        title: field(2).unwrap_or_default().to_string(),
    })
}

/// A YAML double-quoted string (JSON's form, which YAML reads alike).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The whole file for `approvals`.
fn text(approvals: &[Approval]) -> String {
    let mut out = String::from(
        "# Who approved this bulletin for sending, and which content: written by `bulletin approve`\n# (docs/send.md). `bulletin send` sends the bulletin only with content an approver approved.\n",
    );
    for a in approvals {
        out.push_str(&format!(
            "- by: {}\n  at: {}\n  issue: {}\n  content: {}\n  title: {}\n  parts:\n",
            quoted(&a.by),
            quoted(&crate::send::journal::iso(a.at)),
            quoted(&a.issue),
            quoted(&a.content),
            quoted(&a.title)
        ));
        for p in &a.parts {
            let title = if p.title.is_empty() {
                String::new()
            } else {
                format!(", {}", quoted(&p.title))
            };
            out.push_str(&format!(
                "    - [{}, {}{title}]\n",
                quoted(p.kind.key()),
                quoted(&p.fingerprint)
            ));
        }
    }
    out
}

/// Adds `approval` to the file at `path` (made if there is none), written atomically.
pub fn record(path: &Path, approval: Approval) -> Result<(), Error> {
    let mut approvals = read(path)?;
    approvals.push(approval);
    crate::files::write_atomic(path, text(&approvals).as_bytes()).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(kind: PartKind, title: &str, fingerprint: &str) -> Part {
        Part {
            kind,
            title: title.into(),
            fingerprint: fingerprint.into(),
        }
    }

    fn bulletin(sections: &[(&str, &str)]) -> Vec<Part> {
        let mut parts = vec![
            part(PartKind::Title, "", "t1"),
            part(PartKind::Date, "", "d1"),
        ];
        for (title, f) in sections {
            parts.push(part(PartKind::Section, title, f));
        }
        parts.push(part(PartKind::KeyDates, "", "k1"));
        parts
    }

    /// The sections of the example: one part each, in order, with their titles.
    #[test]
    fn each_section_of_the_example_is_a_part_with_its_title() {
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml");
        let b = crate::input::load(&example).unwrap().0.bulletin;
        let all = crate::identity::parts(&b);
        let sections: Vec<&str> = all
            .iter()
            .filter(|p| p.kind == crate::identity::PartKind::Section)
            .map(|p| p.title.as_str())
            .collect();
        let titles: Vec<&str> = b.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(sections, titles);
    }

    #[test]
    fn a_changed_section_is_named_with_its_number_and_title() {
        let approved = bulletin(&[("A", "a"), ("B", "b"), ("C", "c"), ("Flu vaccines", "f")]);
        let now = bulletin(&[("A", "a"), ("B", "b"), ("C", "c"), ("Flu vaccines", "f2")]);
        assert_eq!(
            changes(&approved, &now),
            vec!["section 4 \"Flu vaccines\" changed"]
        );
    }

    #[test]
    fn new_removed_and_moved_sections_are_told_apart() {
        let approved = bulletin(&[("A", "a"), ("B", "b"), ("Old", "o")]);
        let now = bulletin(&[("B", "b"), ("New", "n"), ("A", "a")]);
        assert_eq!(
            changes(&approved, &now),
            vec![
                "section 2 \"New\" is new",
                "section \"Old\" (section 3 when approved) was removed",
                "the sections are in another order",
            ]
        );
        // A section put in before the others is new; the others, moved down, are unchanged.
        let now = bulletin(&[("Z", "z"), ("A", "a"), ("B", "b"), ("Old", "o")]);
        assert_eq!(changes(&approved, &now), vec!["section 1 \"Z\" is new"]);
    }

    #[test]
    fn the_other_parts_are_named_in_words() {
        let mut approved = bulletin(&[]);
        approved.push(part(PartKind::Message, "A word", "m1"));
        let mut now = bulletin(&[]);
        now[0].fingerprint = "t2".into();
        now.push(part(PartKind::Summary, "", "s1"));
        now.push(part(PartKind::Message, "A word", "m2"));
        now.last_mut().unwrap().fingerprint = "m2".into();
        let k = now
            .iter()
            .position(|p| p.kind == PartKind::KeyDates)
            .unwrap();
        now[k].fingerprint = "k2".into();
        assert_eq!(
            changes(&approved, &now),
            vec![
                "the title changed",
                "the summary was added",
                "the message \"A word\" changed",
                "whether the key dates are listed changed",
            ]
        );
    }

    fn example() -> (Bulletin, Publisher) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml");
        let loaded = crate::input::load(&path).expect("the example loads").0;
        let mut p = loaded.publisher;
        p.approvers = vec!["Dr Jane Smith".into(), "Sam Jones".into()];
        (loaded.bulletin, p)
    }

    #[test]
    fn an_approval_is_written_read_back_and_follows_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("2021-10-20.yaml");
        let (mut b, p) = example();
        assert!(matches!(
            status(&file, &b, &p).unwrap(),
            Status::NotApproved
        ));
        let a = Approval::of(&b, "dr jane smith", 1_700_000_000_000);
        record(&path_for(&file), a.clone()).unwrap();
        assert_eq!(read(&path_for(&file)).unwrap(), vec![a.clone()]);
        assert!(matches!(status(&file, &b, &p).unwrap(), Status::Approved(x) if x == a));
        // Changed: the section's number and title are named.
        b.sections[1].title.push_str(" (updated)");
        let Status::Changed(since, changes) = status(&file, &b, &p).unwrap() else {
            panic!("not changed")
        };
        assert_eq!(since, a);
        assert_eq!(
            changes,
            vec![format!(
                "section 2 \"{}\" changed (it was \"{}\")",
                b.sections[1].title,
                b.sections[1].title.trim_end_matches(" (updated)")
            )]
        );
        // Approved again: both approvals are kept, the newest last.
        let again = Approval::of(&b, "Sam Jones", 1_700_000_100_000);
        record(&path_for(&file), again.clone()).unwrap();
        assert_eq!(read(&path_for(&file)).unwrap(), vec![a, again]);
        assert!(matches!(
            status(&file, &b, &p).unwrap(),
            Status::Approved(_)
        ));
        // Someone taken off the list of approvers approves nothing any more.
        let p2 = Publisher {
            approvers: vec!["Dr Jane Smith".into()],
            ..p.clone()
        };
        assert!(matches!(
            status(&file, &b, &p2).unwrap(),
            Status::Changed(..)
        ));
        // No approvers: nothing needed.
        let p3 = Publisher {
            approvers: Vec::new(),
            ..p
        };
        assert!(matches!(
            status(&file, &b, &p3).unwrap(),
            Status::NotRequired
        ));
    }

    #[test]
    fn a_damaged_approval_file_is_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.approval");
        std::fs::write(&path, "- by: \"A\"\n  at: \"yesterday\"\n").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(
            e.contains("line 1: `at` yesterday is not a time") || e.contains("is missing"),
            "{e}"
        );
        std::fs::write(&path, "by: A\n").unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("not a list"));
    }
}
