//! `bulletin check`: load, validate and lint a bulletin (and the recipients file); write nothing.
//! Problems go to stderr as cargo shows them, or, with `--format json`, to stdout as one JSON
//! document for editors and scripts.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::input::recipients::Recipients;
use crate::reach::{self, Outcome};
use crate::report;
use crate::suppress::{self, Suppressions};

use super::{Failure, Stopped, plural};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    #[arg(required_unless_present = "recipients")]
    bulletin: Option<PathBuf>,
    /// Treat warnings as errors
    #[arg(long)]
    strict: bool,
    /// Also check this recipients file (the office's recipients.yaml, found upwards from the
    /// current folder, is checked whenever there is one)
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
    /// How to show the problems: `human` (on stderr) or `json` (one document on stdout, for
    /// editors and scripts)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let mut diags = Diagnostics::default();
    // One line per file that passed, e.g. `bulletins/2021-10-20.yaml: ok (16 sections, ...)`.
    let mut passed = Vec::new();
    let mut bulletin = None;
    if let Some(path) = &args.bulletin {
        match crate::pipeline::prepare(path, args.strict) {
            Ok(p) => {
                bulletin = Some(p.loaded.clone());
                let b = &p.loaded.bulletin;
                passed.push(format!(
                    "{}: ok ({} section{}, {} link{}, HTML {} KB as sent)",
                    path.display(),
                    b.sections.len(),
                    plural(b.sections.len()),
                    b.all_links.len(),
                    plural(b.all_links.len()),
                    p.html_sent.div_ceil(1024)
                ));
                if let Some(note) = crate::lint::logo_note(&p.loaded.publisher) {
                    passed.push(format!("note: {note}"));
                }
                if let Some(note) = crate::lint::calendar_note(b, &p.loaded.publisher) {
                    passed.push(format!("note: {note}"));
                }
                // With `approvers` in publisher.yaml: whether `send` would send it as it is.
                match crate::approval::status(path, b, &p.loaded.publisher) {
                    Ok(status) => passed.extend(
                        status
                            .line(&p.loaded.publisher)
                            .map(|l| format!("note: approval: {l}")),
                    ),
                    Err(e) => passed.push(format!("note: approval: {e}")),
                }
                diags.extend(p.warnings);
            }
            Err(d) => diags.extend(d),
        }
    }
    // The office's recipients.yaml is checked too, when there is one.
    let recipients = Some(super::recipients_path(args.recipients.as_deref()))
        .filter(|p| args.recipients.is_some() || p.exists());
    if let Some(path) = &recipients {
        match check_recipients(path, args.strict) {
            Ok((line, warnings, loaded)) => {
                passed.push(line);
                diags.extend(warnings);
                if let Some(b) = &bulletin {
                    let unknown =
                        crate::audience::unknown_lists(&b.bulletin, &b.bulletin_path, &loaded);
                    if !unknown.has_errors() {
                        passed.extend(versions(&b.bulletin, &loaded));
                        diags.extend(merge_gaps(b, &loaded));
                    }
                    diags.extend(unknown);
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    match args.format {
        Format::Json => println!("{}", report::json(&diags)),
        Format::Human => {
            for line in &passed {
                println!("{line}");
            }
            super::report(&diags, Stopped::Nothing);
        }
    }
    if diags.has_errors() {
        Err(Failure::Reported)
    } else {
        Ok(())
    }
}

/// With merge fields: an error for each field that someone on a list has nothing for (and no
/// fallback), naming them ([`crate::merge::gaps`]).
fn merge_gaps(loaded: &crate::input::Loaded, r: &Recipients) -> Diagnostics {
    use crate::audience;
    let b = &loaded.bulletin;
    if !crate::merge::any(b) {
        return Diagnostics::default();
    }
    // Everyone on any list, once, with the version of the bulletin they would get.
    let mut seen = HashSet::new();
    let people: Vec<_> = r
        .lists
        .keys()
        .flat_map(|l| r.resolve(l).recipients)
        .filter(|m| seen.insert(crate::input::recipients::key(m)))
        .collect();
    let id = crate::identity::of(b);
    let split = audience::split(b, &id, r, &people);
    let models: Vec<_> = split
        .versions
        .iter()
        .map(|v| audience::version(b, &v.sections))
        .collect();
    let pairs: Vec<_> = people
        .iter()
        .map(|m| {
            let v = split
                .of
                .get(&crate::input::recipients::key(m))
                .copied()
                .unwrap_or(0);
            (m, models.get(v).unwrap_or(b))
        })
        .collect();
    let readers = crate::merge::readers(&people, r.people.as_ref());
    crate::merge::gaps(&loaded.bulletin_path, &loaded.source, &pairs, &readers)
}

/// With sections for an audience: for each list, how many of its people get each version.
fn versions(b: &crate::model::Bulletin, r: &Recipients) -> Vec<String> {
    use crate::audience;
    if !audience::any(b) {
        return Vec::new();
    }
    let id = crate::identity::of(b);
    let mut out = Vec::new();
    for list in r.lists.keys() {
        let people = r.resolve(list).recipients;
        let split = audience::split(b, &id, r, &people);
        out.push(format!(
            "sections for an audience, sent to `{list}` ({} {}):",
            people.len(),
            if people.len() == 1 {
                "person"
            } else {
                "people"
            }
        ));
        out.extend(
            audience::summary(b, &split)
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    out
}

/// Loads a recipients file: its `ok` line, warnings and the recipients, or every problem.
fn check_recipients(
    path: &Path,
    strict: bool,
) -> Result<(String, Diagnostics, Recipients), Diagnostics> {
    if !path.exists() {
        let mut d = Diagnostics::default();
        d.push(
            Diagnostic::error(path, Pos::default(), "the recipients file does not exist")
                .with_help(super::missing_recipients_help(path)),
        );
        return Err(d);
    }
    let (loaded, mut warnings) = crate::input::recipients::load(path).map_err(|mut d| {
        if strict {
            d.make_strict();
        }
        d
    })?;
    if strict && !warnings.0.is_empty() {
        warnings.make_strict();
        return Err(warnings);
    }
    warnings.extend(unreachable_practices(&loaded));
    let counts: Vec<String> = loaded
        .counts()
        .iter()
        .map(|(id, c)| format!("{id} {}", c.recipients))
        .collect();
    Ok((
        format!("{}: ok ({})", path.display(), counts.join(", ")),
        warnings,
        loaded,
    ))
}

/// A warning for each practice of the office's spreadsheet that nobody is left to reach at:
/// each of its people suppressed (by `suppress:` or by `bulletin inbox`) or on no list.
fn unreachable_practices(recipients: &Recipients) -> Diagnostics {
    let mut out = Diagnostics::default();
    let Some(people) = &recipients.people else {
        return out;
    };
    // A damaged suppressions file is reported by the commands that use it.
    let inbox = Suppressions::load(&suppress::path_for(&recipients.path)).unwrap_or_default();
    let on_a_list: HashSet<&str> = recipients
        .lists
        .values()
        .flat_map(|l| &l.members)
        .map(|m| m.key.as_str())
        .collect();
    let practices = reach::unreachable(people, |person| {
        if recipients.suppress.contains(&person.key) {
            Outcome::Suppressed("on the suppress list".to_string())
        } else if let Some(e) = inbox.suppressed.iter().find(|e| e.address == person.key) {
            Outcome::Suppressed(e.why.clone())
        } else if !on_a_list.contains(person.key.as_str()) {
            Outcome::OnNoList
        } else {
            Outcome::Delivered
        }
    });
    for p in practices {
        out.push(
            Diagnostic::warning(
                &people.path,
                Pos::default(),
                format!(
                    "nobody at {} is left to reach: {}",
                    p.name,
                    p.why_not().unwrap_or_default()
                ),
            )
            .with_help(
                "add an address for the practice to the spreadsheet, or put its people on a list",
            ),
        );
    }
    out
}
