//! `bulletin import FILE.docx`: a bulletin written in Word made into a bulletin file in the
//! bulletins folder (see [`crate::input::docx`]), never overwriting one. It says what could not
//! be carried over, and how many placeholders are left to fill in.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::input::{docx, folder, placeholder};
use crate::project::Project;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Word document (.docx) to import
    #[arg(value_name = "FILE.docx")]
    file: PathBuf,
    /// The bulletin's date, YYYY-MM-DD [default: a week after the latest bulletin in the folder]
    #[arg(long)]
    date: Option<String>,
    /// The folder bulletins are kept in [default: the office's bulletins folder, found upwards
    /// from the current one]
    #[arg(long, value_name = "FOLDER")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = args
        .dir
        .unwrap_or_else(|| Project::from_current_dir().bulletins());
    let date = match &args.date {
        Some(d) => Date::parse(d).map_err(|e| format!("--date: {e}"))?,
        None => match folder::latest(&dir) {
            Some((latest, _)) => latest.add_days(7),
            None => {
                return Err(format!(
                    "{} has no bulletin yet to follow: give the imported one's date, as bulletin import {} --date YYYY-MM-DD",
                    dir.display(),
                    crate::project::typed(&args.file)
                )
                .into());
            }
        },
    };
    let path = folder::issue_path(&dir, date);
    if path.exists() {
        return Err(format!(
            "{} already exists: nothing was written; choose another --date, or move that file away first",
            path.display()
        )
        .into());
    }
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let issue = folder::carry_over(&dir).issue_for(date);
    let imported = docx::to_bulletin(&bytes, date, issue)
        .map_err(|e| format!("cannot import {}: {e}", args.file.display()))?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    write_new(&path, imported.yaml.as_bytes())?;
    println!("wrote {} from {}", path.display(), args.file.display());
    for note in &imported.notes {
        eprintln!("note: not carried over: {note}");
    }
    let blanks: usize = imported
        .yaml
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

/// Writes a file that must not exist yet: one created meanwhile is left alone.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    crate::files::write_new(path, bytes)
        .map_err(|e| Failure::from(format!("cannot create or write {}: {e}", path.display())))
}
