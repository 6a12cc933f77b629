//! `bulletin render`: write the HTML email, the plain text and a sample `.eml` into a folder.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::address::parse_mailbox;
use crate::files::write_atomic;
use crate::pipeline::Prepared;
use crate::render::message::Template;

use super::{Failure, Stopped, prepare};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    bulletin: PathBuf,
    /// The folder to write <name>.html, <name>.txt and <name>.eml into (the name is the date,
    /// or date-issue)
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Who the sample .eml is addressed to
    #[arg(
        long,
        value_name = "ADDRESS",
        default_value = "Sample Recipient <recipient@example.org>"
    )]
    to: String,
    /// Treat warnings as errors
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let (path, out, strict) = (args.bulletin.as_path(), args.out.as_path(), args.strict);
    let to = parse_mailbox(&args.to).map_err(|e| format!("--to: {e}"))?;
    let Prepared {
        loaded, html, text, ..
    } = prepare(path, strict, Stopped::NothingWritten)?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let id = crate::identity::of(b);
    let eml = Template::new(b, p, &id, &text, &html, false)?.for_recipient(&to, SystemTime::now());
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create the folder {}: {e}", out.display()))?;
    let slug = id.name();
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
