//! `bulletin lists`: the mailing lists, with how many people each reaches.

use std::path::PathBuf;

use bulletin::input::recipients::Transport;

use super::{Failure, Stopped, load_recipients};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The recipients file [default: recipients.yaml in the office's folder, found upwards from
    /// the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let r = load_recipients(args.recipients.as_deref(), Stopped::Nothing)?;
    let width = r.lists.keys().map(String::len).max().unwrap_or(4).max(4);
    println!("{:width$}  {:>10}  name", "list", "recipients");
    let counts = r.counts();
    for (id, list) in &r.lists {
        let resolved = counts[id.as_str()];
        let mut note = String::new();
        if !list.include.is_empty() {
            note.push_str(&format!(" (includes {})", list.include.join(", ")));
        }
        if resolved.suppressed > 0 {
            note.push_str(&format!(" ({} suppressed)", resolved.suppressed));
        }
        println!(
            "{id:width$}  {:>10}  {}{note}",
            resolved.recipients, list.name
        );
    }
    if let Some(people) = &r.people {
        let n = people.people.len();
        println!(
            "\npeople from {}: {n} {}, read just now",
            people.path.display(),
            if n == 1 { "person" } else { "people" }
        );
    }
    match &r.transport {
        Transport::Smtp(s) => println!(
            "\nsent through {} ({} a minute, {} connection(s))",
            s.describe(),
            s.rate_per_minute,
            s.connections
        ),
        Transport::Sendmail => println!("\nsent through the local mail system (sendmail)"),
    }
    Ok(())
}
