//! `bulletin new`: start a bulletin from the skeleton, never overwriting one.

use std::path::{Path, PathBuf};

use bulletin::date::Date;
use bulletin::files::write_atomic;
use bulletin::project::Project;
use bulletin::skeleton;

use super::Failure;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin's date, YYYY-MM-DD
    #[arg(long)]
    date: String,
    /// The folder bulletins are kept in [default: the office's bulletins folder, found upwards
    /// from the current one]
    #[arg(long, value_name = "FOLDER")]
    dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = args
        .dir
        .unwrap_or_else(|| Project::from_current_dir().bulletins());
    let dir = dir.as_path();
    let date = Date::parse(&args.date).map_err(|e| format!("--date: {e}"))?;
    let name = format!("{date}.yaml");
    // From inside the bulletins folder, `2021-10-27.yaml` rather than `./2021-10-27.yaml`.
    let path = if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    };
    if path.exists() {
        return Err(format!(
            "{} already exists: edit it, or choose another --date",
            path.display()
        )
        .into());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    write_atomic(&path, skeleton::bulletin(date).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    if !dir.join("publisher.yaml").exists() {
        eprintln!(
            "note: {} has no publisher.yaml yet: copy it from an earlier bulletins folder (see docs/format.md)",
            dir.display()
        );
    }
    println!("next: edit it, then run: bulletin check {}", path.display());
    Ok(())
}
