//! `bulletin approve FILE --as NAME`: records that NAME, one of `approvers` in publisher.yaml,
//! approved the bulletin as it is now, in the approval file beside it ([`crate::approval`]).
//! `send` then sends that content, and refuses it once changed.

use std::path::PathBuf;

use crate::approval::{self, Approved};
use crate::pipeline::Prepared;

use super::{Failure, Stopped, prepare};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The bulletin, e.g. bulletins/2021-10-20.yaml
    bulletin: PathBuf,
    /// Who approves it: one of `approvers` in publisher.yaml, e.g. --as "Dr Jane Smith"
    #[arg(long = "as", value_name = "NAME")]
    by: String,
}

pub fn run(o: Args) -> Result<(), Failure> {
    let Prepared { loaded, .. } = prepare(&o.bulletin, false, Stopped::NothingWritten)?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let now = crate::clock::now_ms();
    match approval::approve(&o.bulletin, b, p, &o.by, now).map_err(anyhow::Error::new)? {
        Approved::Already(a) => println!(
            "{} was already approved as it is by {}: nothing to record",
            o.bulletin.display(),
            a.who_and_when()
        ),
        Approved::Recorded(a) => println!(
            "approved: {} \"{}\" (content {}) by {}\nrecorded in {}: `bulletin send` sends it as it is now; if it changes, it must be approved again",
            o.bulletin.display(),
            crate::render::message::one_line(&b.title),
            a.content,
            a.who_and_when(),
            approval::path_for(&o.bulletin).display()
        ),
    }
    Ok(())
}
