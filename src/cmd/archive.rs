//! `bulletin archive`: add (or replace) an issue in the archive and rebuild its index and feed.

use std::path::Path;

use bulletin::archive;

use super::{Failure, prepare};

pub fn run(path: &Path, dir: &Path) -> Result<(), Failure> {
    let prepared = prepare(path, false)?;
    let loaded = &prepared.loaded;
    let done = archive::archive(&prepared, dir)?;
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "archived {} in {}",
        loaded.bulletin.title,
        done.dir.display()
    );
    println!(
        "the archive has {} issue{}: open {}",
        done.issues,
        super::plural(done.issues),
        dir.join("index.html").display()
    );
    Ok(())
}
