//! `bulletin check`: load, validate and lint a bulletin (and the recipients file); write nothing.

use std::path::Path;

use bulletin::pipeline::Prepared;

use super::{Failure, load_recipients, plural, prepare};

pub fn run(path: Option<&Path>, strict: bool, recipients: Option<&Path>) -> Result<(), Failure> {
    let mut result = Ok(());
    if let Some(path) = path {
        result = check_bulletin(path, strict);
    }
    let default = Path::new("recipients.yaml");
    let recipients = recipients.or_else(|| default.exists().then_some(default));
    if let Some(r) = recipients {
        match load_recipients(r) {
            Ok(loaded) => {
                let counts: Vec<String> = loaded
                    .counts()
                    .iter()
                    .map(|(id, c)| format!("{id} {}", c.recipients))
                    .collect();
                println!("{}: ok ({})", r.display(), counts.join(", "));
            }
            Err(e) => result = Err(e),
        }
    }
    result
}

fn check_bulletin(path: &Path, strict: bool) -> Result<(), Failure> {
    let Prepared { loaded, html, .. } = prepare(path, strict)?;
    let b = &loaded.bulletin;
    println!(
        "{}: ok ({} section{}, {} link{}, HTML {} KB)",
        path.display(),
        b.sections.len(),
        plural(b.sections.len()),
        b.all_links.len(),
        plural(b.all_links.len()),
        html.len().div_ceil(1024)
    );
    Ok(())
}
