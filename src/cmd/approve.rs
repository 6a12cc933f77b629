//! `bulletin approve FILE --as NAME`: records that NAME, one of `approvers` in publisher.yaml,
//! approved the bulletin as it is now, in the approval file beside it ([`crate::approval`]).
//! `send` then sends that content, and refuses it once changed.

use std::path::PathBuf;

use crate::approval::{self, Approval, Status};
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

/// The same name, whatever its capitals and spaces.
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    words(a) == words(b)
}

pub fn run(o: Args) -> Result<(), Failure> {
    let Prepared { loaded, .. } = prepare(&o.bulletin, false, Stopped::NothingWritten)?;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let publisher = crate::input::publisher::path_for(&o.bulletin);
    if p.approvers.is_empty() {
        return Err(format!(
            "{} names no `approvers`, so no issue needs approving: nothing was written\n  help: to have each issue approved before it is sent, add the names of those who approve to {}, e.g. approvers: [Dr Jane Smith]",
            publisher.display(),
            publisher.display()
        )
        .into());
    }
    let Some(name) = p.approvers.iter().find(|n| same_name(n, &o.by)) else {
        let names: Vec<&str> = p.approvers.iter().map(String::as_str).collect();
        let hint = crate::diagnostic::did_you_mean(&o.by, &names)
            .map_or(String::new(), |s| format!("did you mean `{s}`? "));
        return Err(format!(
            "`{}` is not one of the approvers in {} ({}): nothing was written\n  help: {hint}only someone {} names under `approvers` can approve an issue",
            o.by,
            publisher.display(),
            names.join(", "),
            publisher.display()
        )
        .into());
    };
    let status = approval::status(&o.bulletin, b, p).map_err(anyhow::Error::new)?;
    if let Status::Approved(a) = &status
        && same_name(&a.by, name)
    {
        println!(
            "{} was already approved as it is by {}: nothing to record",
            o.bulletin.display(),
            a.who_and_when()
        );
        return Ok(());
    }
    let a = Approval::of(b, name, crate::clock::now_ms());
    let path = approval::path_for(&o.bulletin);
    approval::record(&path, a.clone()).map_err(anyhow::Error::new)?;
    println!(
        "approved: {} \"{}\" (content {}) by {}\nrecorded in {}: `bulletin send` sends it as it is now; if it changes, it must be approved again",
        o.bulletin.display(),
        crate::render::message::one_line(&b.title),
        a.content,
        a.who_and_when(),
        path.display()
    );
    Ok(())
}
