//! `bulletin render`: write the HTML email, the plain text and a sample `.eml` into a folder.

use std::path::Path;
use std::time::SystemTime;

use bulletin::address::parse_mailbox;
use bulletin::files::write_atomic;
use bulletin::render::message::Template;
use bulletin::{lint, load, render};

use super::{Failure, report};

pub fn run(path: &Path, out: &Path, to: &str, strict: bool) -> Result<(), Failure> {
    let to = parse_mailbox(to).map_err(|e| format!("--to: {e}"))?;
    let loaded = load::load(path).map_err(|d| {
        report(&d);
        Failure::Reported
    })?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let html = render::html::render(b, p);
    let text = render::text::render(b, p);
    let mut diags = lint::lint(&loaded, html.len());
    if strict {
        diags.make_strict();
    }
    report(&diags);
    if diags.has_errors() {
        return Err(Failure::Reported);
    }
    let eml = Template::new(b, p, &text, &html, false)?.for_recipient(&to, SystemTime::now());
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create the folder {}: {e}", out.display()))?;
    let slug = b.slug();
    for (ext, bytes) in [
        ("html", html.as_bytes()),
        ("txt", text.as_bytes()),
        ("eml", &eml[..]),
    ] {
        let file = out.join(format!("{slug}.{ext}"));
        write_atomic(&file, bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!("wrote {}", file.display());
    }
    Ok(())
}
