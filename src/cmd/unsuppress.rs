//! `bulletin unsuppress ADDRESS`: lifts a suppression that `bulletin inbox` recorded, so that
//! `send` mails the address again.

use std::path::PathBuf;

use crate::suppress::{self, Suppressions};

use super::{Failure, recipients_path};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The address to send to again
    address: String,
    /// The recipients file, beside which suppressions.yaml is [default: recipients.yaml in the
    /// office's folder, found upwards from the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let path = suppress::path_for(&recipients_path(args.recipients.as_deref()));
    let mut store = Suppressions::load(&path).map_err(anyhow::Error::from)?;
    let address = crate::inbox::normal(&args.address);
    if !store.lift(&address) {
        return Err(Failure::from(format!(
            "{address} is not in {}: nothing was changed (an address in `suppress:` in the recipients file is lifted by deleting its line there)",
            path.display()
        )));
    }
    store.save(&path).map_err(anyhow::Error::from)?;
    println!(
        "{address} will be sent the bulletin again (removed from {})",
        path.display()
    );
    Ok(())
}
