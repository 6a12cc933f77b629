//! Which journal a send carries on, and whether it may.
//!
//! - The journal is found from the bulletin's **file**: `bulletins/2021-10-20.yaml` keeps
//!   `bulletins/2021-10-20.journal` (or `--journal FILE`). Changing the date or issue number
//!   inside the file therefore cannot start a fresh journal and mail everyone again.
//! - Each journal records the [`Identity`] (name and fingerprint) it sent. A bulletin whose
//!   identity differs from the one its journal's deliveries carried is refused ([`check`]) unless
//!   the user says what to do: `--continue-changed` (the rest get the new version; the journal
//!   records the change) or `--correction` (everyone gets it again as a correction, with its own
//!   identity, `<name>-correction-<n>`, and its own journal).
//! - The other journals in the same folder are read too ([`locate`]): a bulletin whose name was
//!   already sent from another file is either the same issue (a renamed or copied file: its
//!   journal is carried on) or a different one with the same name, which is refused, because its
//!   Message-IDs and its web address would be the other issue's.

use std::path::{Path, PathBuf};

use crate::identity::Identity;
use crate::journal::{self, Journal, Version};

/// What the user asked for when the bulletin differs from what its journal sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Carry on; refuse if the content changed.
    Resume,
    /// `--continue-changed`: send the changed version to those not yet delivered to.
    ContinueChanged,
    /// `--correction`: send the changed version to everyone, as a correction.
    Correction,
}

/// The journal a send uses and the identity it sends as.
#[derive(Clone, Debug)]
pub struct Target {
    pub path: PathBuf,
    pub identity: Identity,
    /// Things the user should know (printed as notes).
    pub notes: Vec<String>,
}

/// Whether a send may go on from its journal, and what to record first.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// The `issue` line to write before the first record of this run.
    pub record: Option<Version>,
    /// With `--continue-changed`: how many were delivered an earlier version.
    pub changed: usize,
}

/// Why a send stops before sending anything. The command adds nothing but the `error: ` prefix.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "{what} after it was sent: {} already {} the earlier version (journal {})\n  sent: {}\n  now:  {}",
        people(*delivered), if *delivered == 1 { "has" } else { "have" }, journal.display(),
        describe(sent), describe(now),
        what = if sent.name != now.name {
            format!("the date or issue number in {} changed", file.display())
        } else {
            format!("{} changed", file.display())
        }
    )]
    Changed {
        file: PathBuf,
        journal: PathBuf,
        sent: Box<Version>,
        now: Box<Version>,
        delivered: usize,
    },
    #[error(
        "{}",
        if *same_content {
            format!("this bulletin was already sent from another file, as {name}: {title:?} (journal {}, {delivered} delivered)", other.display())
        } else {
            format!("another bulletin was already sent as {name}: {title:?} (journal {}, {delivered} delivered)", other.display())
        }
    )]
    Collision {
        name: String,
        other: PathBuf,
        title: String,
        delivered: usize,
        same_content: bool,
    },
    #[error(
        "there is nothing to correct: {} has not changed since it was sent (journal {})",
        file.display(), journal.display()
    )]
    NothingToCorrect { file: PathBuf, journal: PathBuf },
    #[error(
        "{} has not been delivered to anyone yet (journal {}), so there is nothing to correct",
        file.display(), journal.display()
    )]
    NotSentYet { file: PathBuf, journal: PathBuf },
    #[error("cannot read the journal {}: {problem}", path.display())]
    Unreadable {
        path: PathBuf,
        problem: journal::ReadError,
    },
}

impl Refusal {
    /// What the person can do about it (shown after the message: [`Refusal`]'s text says only
    /// what is wrong).
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Refusal::Changed { .. } => "nothing was sent. Run the same command again with one of:\n    --continue-changed  to send this version only to those who have not had the bulletin yet\n    --correction        to send this version to everyone on the list, as a correction (\"Correction: \" before the subject)\n  or put the file back as it was sent.".into(),
            Refusal::Collision { other, same_content: true, .. } => {
                format!("to carry on sending it, add --journal {}", crate::files::typed(other))
            }
            Refusal::Collision { other, .. } => format!(
                "if this is another issue, correct its `date:`, or give it an `issue:` number (two issues on one date need different numbers); if it is a changed version of that bulletin, add --journal {}",
                crate::files::typed(other)
            ),
            Refusal::NothingToCorrect { .. } => "run without --correction to carry on sending it".into(),
            Refusal::NotSentYet { .. } => "run without --correction".into(),
            Refusal::Unreadable { problem, .. } => return problem.help(),
        })
    }
}

fn people(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

fn describe(v: &Version) -> String {
    format!("{} {:?} (content {})", v.name, v.title, v.fingerprint)
}

/// The version line for an identity and its title.
pub fn version(id: &Identity, title: &str) -> Version {
    Version {
        name: id.sent_as(),
        fingerprint: id.fingerprint().to_string(),
        title: crate::render::message::one_line(title),
    }
}

/// The journal kept beside a bulletin file: `bulletins/2021-10-20.yaml` →
/// `bulletins/2021-10-20.journal`.
pub fn journal_path(bulletin: &Path) -> PathBuf {
    bulletin.with_extension("journal")
}

/// The journal of correction `n`: `bulletins/2021-10-20.correction-1.journal`.
pub(crate) fn correction_path(journal: &Path, n: u32) -> PathBuf {
    let stem = journal
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().to_string());
    journal.with_file_name(format!("{stem}.correction-{n}.journal"))
}

fn read(path: &Path) -> Result<Journal, Refusal> {
    journal::read(path).map_err(|problem| Refusal::Unreadable {
        path: path.to_path_buf(),
        problem,
    })
}

/// Finds the journal for sending `file` (identity `id`, `title`), or `journal` if the user gave
/// one; for `--correction`, the correction's journal and identity.
pub fn locate(
    file: &Path,
    journal: Option<&Path>,
    id: &Identity,
    title: &str,
    mode: Mode,
) -> Result<Target, Refusal> {
    let mut target = Target {
        path: journal.map_or_else(|| journal_path(file), Path::to_path_buf),
        identity: id.clone(),
        notes: Vec::new(),
    };
    if journal.is_none() {
        carry_on_or_refuse(&mut target, id)?;
    }
    if mode == Mode::Correction {
        correction(file, &mut target, id, title)?;
    }
    journal::refuse_emptied(&target.path).map_err(|problem| Refusal::Unreadable {
        path: target.path.clone(),
        problem,
    })?;
    Ok(target)
}

/// Reads the other journals beside this one: one that sent this issue's name is carried on if
/// it is this bulletin and this file has no journal of its own; otherwise the send is refused.
fn carry_on_or_refuse(target: &mut Target, id: &Identity) -> Result<(), Refusal> {
    let own = read(&target.path)?;
    let dir = target
        .path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    // A journal beside it that cannot be read might be this issue's, moved or copied: the send
    // is refused (naming it) rather than risk mailing its people again.
    let mut others: Vec<Journal> = Vec::new();
    for p in entries.flatten().map(|e| e.path()) {
        if p.extension().is_none_or(|x| x != "journal") || p.file_name() == target.path.file_name()
        {
            continue;
        }
        let j = read(&p)?;
        if j.has_records() && j.names().iter().any(|n| n == id.name()) {
            others.push(j);
        }
    }
    others.sort_by(|a, b| a.path.cmp(&b.path));
    let Some(other) = others.first() else {
        return Ok(());
    };
    let same_content = other
        .current()
        .is_none_or(|v| v.name == id.name() && v.fingerprint == id.fingerprint());
    if !own.has_records() && others.len() == 1 && same_content {
        target.notes.push(format!(
            "carrying on from the journal {}, which recorded this issue's earlier sends",
            other.path.display()
        ));
        target.path = other.path.clone();
        return Ok(());
    }
    Err(Refusal::Collision {
        name: id.name().to_string(),
        other: other.path.clone(),
        title: other.title().unwrap_or_default().to_string(),
        delivered: other.delivered(),
        same_content,
    })
}

/// Picks the correction's number: the last correction again if it has this content (a resumed
/// correction), otherwise the next one.
fn correction(file: &Path, target: &mut Target, id: &Identity, title: &str) -> Result<(), Refusal> {
    let base = read(&target.path)?;
    if base.delivered() == 0 {
        return Err(Refusal::NotSentYet {
            file: file.to_path_buf(),
            journal: target.path.clone(),
        });
    }
    let mut last = 0;
    while correction_path(&target.path, last + 1).exists() {
        last += 1;
    }
    let latest = if last > 0 {
        read(&correction_path(&target.path, last))?
    } else {
        base
    };
    let n = match latest.current() {
        Some(v) if v.fingerprint == id.fingerprint() && last > 0 => last,
        // Started but nothing sent yet (the question was answered no): still that correction.
        None if last > 0 => last,
        Some(v) if v.same(&version(id, title)) => {
            return Err(Refusal::NothingToCorrect {
                file: file.to_path_buf(),
                journal: target.path.clone(),
            });
        }
        _ => last + 1,
    };
    target.path = correction_path(&target.path, n);
    target.identity = id.as_correction(n);
    Ok(())
}

/// Compares the journal (read with its lock held, for a real send) with what is about to be
/// sent.
pub fn check(
    file: &Path,
    target: &Target,
    journal: &Journal,
    title: &str,
    mode: Mode,
) -> Result<Resume, Refusal> {
    let now = version(&target.identity, title);
    // No `issue` line yet: nothing was sent from this journal (a record needs one before it).
    let Some(sent) = journal.current() else {
        return Ok(Resume {
            record: Some(now),
            changed: 0,
        });
    };
    if sent.same(&now) {
        return Ok(Resume::default());
    }
    let delivered = journal.delivered_other_than(&now);
    if delivered == 0 || mode == Mode::ContinueChanged {
        return Ok(Resume {
            record: Some(now),
            changed: delivered,
        });
    }
    Err(Refusal::Changed {
        file: file.to_path_buf(),
        journal: journal.path.clone(),
        sent: Box::new(sent.clone()),
        now: Box::new(now),
        delivered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_are_named_after_the_file() {
        assert_eq!(
            journal_path(Path::new("bulletins/2021-10-20.yaml")),
            PathBuf::from("bulletins/2021-10-20.journal")
        );
        assert_eq!(
            correction_path(Path::new("bulletins/2021-10-20.journal"), 2),
            PathBuf::from("bulletins/2021-10-20.correction-2.journal")
        );
    }

    #[test]
    fn a_correction_started_but_not_sent_keeps_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("2021-10-20.yaml");
        let base = journal_path(&file);
        std::fs::write(
            &base,
            "issue\t2021-10-20\t2026-11-24T08:00:00Z\t0123456789abcdef Old\ndelivered\ta@example.org\t2026-11-24T08:05:00Z\t250 ok\n",
        )
        .unwrap();
        let b = bulletin_model::model::Bulletin {
            title: "New".into(),
            date: crate::date::Date::parse("2021-10-20").unwrap(),
            issue: None,
            summary: None,
            message: None,
            sections: Vec::new(),
            all_links: Vec::new(),
            key_dates: true,
        };
        let id = crate::identity::of(&b);
        let first = locate(&file, None, &id, "New", Mode::Correction).unwrap();
        assert_eq!(first.path, correction_path(&base, 1));
        assert_eq!(first.identity.sent_as(), "2021-10-20-correction-1");
        // The question was answered no: an empty journal is left; it is still correction 1.
        std::fs::write(&first.path, "").unwrap();
        let again = locate(&file, None, &id, "New", Mode::Correction).unwrap();
        assert_eq!(again.path, correction_path(&base, 1));
    }
}
