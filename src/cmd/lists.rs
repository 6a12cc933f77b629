//! `bulletin lists`: the mailing lists, with how many people each reaches.

use std::path::PathBuf;

use crate::diagnostic::escape_controls;
use crate::input::recipients::Transport;

use super::{Failure, Stopped, load_recipients};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The recipients file [default: recipients.yaml in the office's folder, found upwards from
    /// the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let mut r = load_recipients(args.recipients.as_deref(), Stopped::Nothing)?;
    // Who `bulletin inbox` suppressed (suppressions.yaml) is taken out, as `send` does.
    crate::suppress::add_to(&mut r).map_err(anyhow::Error::from)?;
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
        // Names come from the file: any invisible character in them is shown as an escape.
        let shown = escape_controls(id);
        println!(
            "{shown:width$}  {:>10}  {}{}",
            resolved.recipients,
            escape_controls(&list.name),
            escape_controls(&note)
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
            "\nsent through {} ({} a minute, {} connection(s){})",
            s.describe(),
            s.rate_per_minute,
            s.connections,
            if s.daily_limit > 0 {
                format!(", at most {} in any 24 hours", s.daily_limit)
            } else {
                String::new()
            }
        ),
        Transport::Sendmail => println!("\nsent through the local mail system (sendmail)"),
    }
    Ok(())
}
