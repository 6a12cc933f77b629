//! `bulletin new`: start next week's bulletin from the skeleton, never overwriting one. Without
//! `--date` it follows the latest issue in the folder (a week later, the next issue number).

use std::path::PathBuf;

use crate::date::Date;
use crate::files::write_atomic;
use crate::input::folder::{self, Carried};
use crate::input::{placeholder, publisher};
use crate::project::Project;
use crate::skeleton;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin's date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]
    #[arg(long)]
    date: Option<String>,
    /// The folder bulletins are kept in [default: the office's bulletins folder, found upwards
    /// from the current one]
    #[arg(long, value_name = "FOLDER")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => Project::from_current_dir()
            .require()
            .map_err(anyhow::Error::from)?
            .bulletins(),
    };
    let dir = dir.as_path();
    let carried = folder::carry_over(dir);
    let date = match (&args.date, &carried.latest) {
        (Some(d), _) => Date::parse(d).map_err(|e| format!("--date: {e}"))?,
        (None, Some(latest)) => latest.date.add_days(7),
        (None, None) => {
            return Err(format!(
                "{} has no bulletin yet to follow: give the new one's date, as bulletin new --date YYYY-MM-DD",
                dir.display()
            )
            .into());
        }
    };
    let path = folder::issue_path(dir, date);
    if path.exists() {
        let advice = if args.date.is_some() {
            "edit it, or choose another --date"
        } else {
            "edit it, or give the date of the next one with --date"
        };
        return Err(format!("{} already exists: {advice}", path.display()).into());
    }
    let skeleton::NewIssue {
        text,
        known,
        runs_on,
    } = skeleton::new_issue(&carried, date);
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut about = Vec::new();
    if let Some(n) = known.issue {
        about.push(format!("issue {n}"));
    }
    if let (None, Some(latest)) = (&args.date, &carried.latest) {
        about.push(format!("the week after {}", latest.date));
    }
    if let Some(author) = &known.author {
        about.push(format!("message from {author}"));
    }
    if about.is_empty() {
        println!("wrote {}", path.display());
    } else {
        println!("wrote {} ({})", path.display(), about.join(", "));
    }
    if let Some(said) = carried_report(&runs_on) {
        println!("{said}");
    }
    if let (true, Some(latest)) = (runs_on.unreadable, &carried.latest) {
        eprintln!(
            "note: {} could not be read, so no section was carried forward from it: run bulletin check {} to see why, and copy any section that runs on by hand",
            latest.path.display(),
            crate::project::typed(&latest.path)
        );
    }
    for title in &runs_on.not_copied {
        eprintln!(
            "note: the section \"{title}\" runs on (its `until` has not passed) but is not written as `- title: ...` lines, so it was not copied: copy it from {} by hand",
            carried
                .latest
                .as_ref()
                .map_or(String::new(), |l| l.path.display().to_string())
        );
    }
    if !dir.join(publisher::FILE).exists() {
        eprintln!(
            "note: {} has no publisher.yaml yet: copy it from an earlier bulletins folder (see docs/format.md)",
            dir.display()
        );
    }
    let blanks: usize = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| placeholder::find(l).len())
        .sum();
    println!(
        "next: replace the {blanks} [[placeholders]] in it with your own words, then run: bulletin check {}",
        crate::project::typed(&path)
    );
    Ok(())
}

/// "carried forward 1 section: Practice manager vacancy (until 2021-11-30); dropped 1 whose
/// `until` had passed: Flu claims", or nothing when no section has an `until`.
fn carried_report(carried: &Carried) -> Option<String> {
    let list = |items: Vec<String>| items.join(", ");
    let mut parts = Vec::new();
    if !carried.sections.is_empty() {
        let n = carried.sections.len();
        parts.push(format!(
            "carried forward {n} section{}: {}",
            if n == 1 { "" } else { "s" },
            list(
                carried
                    .sections
                    .iter()
                    .map(|s| format!("{} (until {})", s.title, s.until))
                    .collect()
            )
        ));
    }
    if !carried.ended.is_empty() {
        let n = carried.ended.len();
        let noun = match (parts.is_empty(), n) {
            (false, _) => "",
            (true, 1) => " section",
            (true, _) => " sections",
        };
        parts.push(format!(
            "dropped {n}{noun} whose `until` had passed: {}",
            list(carried.ended.iter().map(|(t, _)| t.clone()).collect())
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
