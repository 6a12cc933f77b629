//! `bulletin check`: load, validate and lint a bulletin (and the recipients file); write nothing.

use std::path::{Path, PathBuf};

use bulletin::pipeline::Prepared;

use super::{Failure, Stopped, load_recipients, plural, prepare};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    #[arg(required_unless_present = "recipients")]
    bulletin: Option<PathBuf>,
    /// Treat warnings as errors
    #[arg(long)]
    strict: bool,
    /// Also check this recipients file (recipients.yaml is checked when it is present)
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let mut result = Ok(());
    if let Some(path) = &args.bulletin {
        result = check_bulletin(path, args.strict);
    }
    let recipients = args.recipients.as_deref();
    let default = Path::new("recipients.yaml");
    let recipients = recipients.or_else(|| default.exists().then_some(default));
    if let Some(r) = recipients {
        match load_recipients(r, Stopped::Nothing) {
            Ok(loaded) => {
                let counts: Vec<String> = loaded
                    .lists
                    .keys()
                    .map(|id| format!("{id} {}", loaded.resolve(id).recipients.len()))
                    .collect();
                println!("{}: ok ({})", r.display(), counts.join(", "));
            }
            Err(e) => result = Err(e),
        }
    }
    result
}

fn check_bulletin(path: &Path, strict: bool) -> Result<(), Failure> {
    let Prepared { loaded, html, .. } = prepare(path, strict, Stopped::Nothing)?;
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
