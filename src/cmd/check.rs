//! `bulletin check`: load, validate and lint a bulletin; write nothing.

use std::path::Path;

use bulletin::{lint, load, render};

use super::{Failure, report};

pub fn run(path: &Path, strict: bool) -> Result<(), Failure> {
    let loaded = load::load(path).map_err(|d| {
        report(&d);
        Failure::Reported
    })?;
    let html = render::html::render(&loaded.bulletin, &loaded.publisher);
    let mut diags = lint::lint(&loaded, html.len());
    if strict {
        diags.make_strict();
    }
    report(&diags);
    if diags.has_errors() {
        return Err(Failure::Reported);
    }
    let b = &loaded.bulletin;
    println!(
        "{}: ok ({} section{}, {} link{}, HTML {} KB)",
        path.display(),
        b.sections.len(),
        super::plural(b.sections.len()),
        b.all_links.len(),
        super::plural(b.all_links.len()),
        html.len().div_ceil(1024)
    );
    Ok(())
}
