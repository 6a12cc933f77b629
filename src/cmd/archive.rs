//! `bulletin archive`: add (or replace) an issue in the archive and rebuild its index and feed.

use std::path::Path;

use bulletin::{archive, load};

use super::{Failure, report};

pub fn run(path: &Path, dir: &Path) -> Result<(), Failure> {
    let loaded = load::load(path).map_err(|d| {
        report(&d);
        Failure::Reported
    })?;
    let done = archive::archive(&loaded, dir)?;
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
