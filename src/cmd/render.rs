//! `bulletin render`: write the HTML email, the plain text and a sample `.eml` into a folder.

use std::path::Path;
use std::time::SystemTime;

use bulletin::address::parse_mailbox;
use bulletin::files::write_atomic;
use bulletin::pipeline::Prepared;
use bulletin::render::message::Template;

use super::{Failure, prepare};

pub fn run(path: &Path, out: &Path, to: &str, strict: bool) -> Result<(), Failure> {
    let to = parse_mailbox(to).map_err(|e| format!("--to: {e}"))?;
    let Prepared {
        loaded, html, text, ..
    } = prepare(path, strict)?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
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
