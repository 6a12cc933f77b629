//! `bulletin dates`: the key dates still to come (the next 8 weeks, or `--weeks N`), for the
//! office's own planning: every dated item of every archived issue, and of the bulletins in
//! bulletins/ not archived yet (labelled so), one line each in date order. An item carried into
//! later issues is listed once, as the latest issue has it ([`crate::calendar::upcoming`]).
//! Reads only.

use std::path::{Path, PathBuf};

use crate::calendar::{Upcoming, today, upcoming};
use crate::date::Date;
use crate::input::bulletin as reader;
use crate::model::{Bulletin, DateKind};
use crate::project::Project;

use super::{Failure, plural};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many weeks ahead to look, from today
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=520))]
    weeks: u16,
    /// The archive folder [default: archive/ in the office's folder, found upwards from the
    /// current one]
    #[arg(long, value_name = "DIR")]
    archive: Option<PathBuf>,
}

/// Where an item comes from: an archived issue's folder, or a bulletin not archived yet.
struct Issue {
    label: String,
    bulletin: Bulletin,
}

pub fn run(o: Args) -> Result<(), Failure> {
    let project = Project::from_current_dir();
    let archive = match o.archive {
        Some(dir) if !dir.is_dir() => {
            return Err(format!(
                "there is no archive folder {}: give the folder `bulletin archive` writes into (--archive DIR), or leave --archive out to use the office's",
                dir.display()
            )
            .into());
        }
        Some(dir) => dir,
        None => project.archive(),
    };
    let (archived, unreadable) = crate::archive::issues(&archive);
    for source in unreadable {
        eprintln!(
            "warning: {} cannot be read, so its dates are left out: run `bulletin check` on it",
            source.display()
        );
    }
    let names: Vec<String> = archived
        .iter()
        .map(|(_, b)| crate::identity::name(b))
        .collect();
    let mut issues: Vec<Issue> = archived
        .into_iter()
        .map(|(slug, bulletin)| Issue {
            label: slug,
            bulletin,
        })
        .collect();
    issues.extend(not_archived(&project.bulletins(), &names));

    let from = today();
    let to = from.add_days(7 * i64::from(o.weeks));
    let refs: Vec<&Bulletin> = issues.iter().map(|i| &i.bulletin).collect();
    let items = upcoming(&refs, from, Some(to));
    let span = format!(
        "the next {} week{} ({} to {})",
        o.weeks,
        plural(usize::from(o.weeks)),
        from.long(),
        to.long()
    );
    if items.is_empty() {
        println!("no key dates in {span}");
        return Ok(());
    }
    println!(
        "{} key date{} in {span}:\n",
        items.len(),
        plural(items.len())
    );
    let label = |u: &Upcoming| {
        issues
            .iter()
            .find(|i| std::ptr::eq(&i.bulletin, u.bulletin))
            .map_or(String::new(), |i| i.label.clone())
    };
    let rows: Vec<[String; 5]> = items
        .iter()
        .map(|u| {
            [
                day(u.item.date),
                time(u),
                u.item.what.clone(),
                u.item.place.clone().unwrap_or_else(|| "-".into()),
                label(u),
            ]
        })
        .collect();
    let header = ["date", "time", "what", "where", "issue"].map(String::from);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i == 4 {
                line.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        println!("{}", line.trim_end());
    }
    Ok(())
}

/// The bulletins in `folder` whose issue is not in the archive (`archived` names), labelled
/// "bulletins/2021-10-27.yaml (not archived)". One that cannot be read is left out with a
/// warning saying how to see why.
fn not_archived(folder: &Path, archived: &[String]) -> Vec<Issue> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != "publisher.yaml")
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        match reader::load(&path) {
            Ok(b) if archived.contains(&crate::identity::name(&b)) => {}
            Ok(bulletin) => out.push(Issue {
                label: format!("{} (not archived)", path.display()),
                bulletin,
            }),
            Err(_) => eprintln!(
                "warning: {} cannot be read, so its dates are left out: run `bulletin check {}` to see why",
                path.display(),
                path.display()
            ),
        }
    }
    out
}

/// "Sat 27 Mar 2021".
fn day(d: Date) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let weekday = DAYS[d.days_since_epoch().rem_euclid(7) as usize];
    let long = d.long();
    let mut parts = long.split(' ');
    let (n, month, year) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    format!("{weekday} {n} {} {year}", month.get(..3).unwrap_or(month))
}

/// "10am–11:30am", "by 5pm", "deadline", "all day".
fn time(u: &Upcoming) -> String {
    let item = u.item;
    match (item.kind, item.time, item.end) {
        (DateKind::Deadline, Some(t), _) => format!("by {}", t.friendly()),
        (DateKind::Deadline, None, _) => "deadline".into(),
        (DateKind::Event, Some(t), Some(e)) => format!("{}–{}", t.friendly(), e.friendly()),
        (DateKind::Event, Some(t), None) => t.friendly(),
        (DateKind::Event, None, _) => "all day".into(),
    }
}
