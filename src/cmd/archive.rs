//! `bulletin archive`: add an issue to the archive (or replace it with `--replace`) and rebuild
//! its index and feed.

use std::path::PathBuf;

use crate::archive;

use super::{Failure, Stopped, prepare};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    bulletin: PathBuf,
    /// The archive folder [default: archive/ in the office's folder, found upwards from the
    /// current one]
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Replace a different version of this issue already in the archive (after a correction)
    #[arg(long)]
    replace: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| crate::project::Project::from_current_dir().archive());
    let (path, dir) = (args.bulletin.as_path(), dir.as_path());
    let prepared = prepare(path, false, Stopped::NothingWritten)?;
    let loaded = &prepared.loaded;
    let waiting = |lock: &std::path::Path| {
        eprintln!(
            "waiting for another `bulletin archive` to finish writing into {} (it holds {})",
            dir.display(),
            lock.display()
        );
    };
    let done =
        archive::archive(&prepared, dir, args.replace, waiting).map_err(anyhow::Error::new)?;
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "archived {} in {}",
        loaded.bulletin.title,
        done.dir.display()
    );
    if let Some(old) = &done.replaced {
        println!("it replaced the version titled {old:?}");
    }
    println!(
        "the archive has {} issue{}: open {}",
        done.issues,
        super::plural(done.issues),
        dir.join("index.html").display()
    );
    if done.dated > 0 {
        let whole = dir.join(crate::calendar::SUBSCRIBE_FILE);
        let at = crate::calendar::subscribe_url(&loaded.publisher)
            .map_or(String::new(), |url| format!(", to subscribe to at {url}"));
        println!(
            "{} holds the {} key date{} still to come{at}",
            whole.display(),
            done.dated,
            super::plural(done.dated)
        );
    }
    Ok(())
}
