//! One function per command; each loads through the library and does its own output.

mod archive;
mod check;
mod lists;
mod new;
mod preview;
mod render;
mod send;

use bulletin::diagnostic::Diagnostics;
use bulletin::pipeline::Prepared;

use crate::cli::Command;

/// How a command failed.
pub enum Failure {
    /// The problems were already printed (diagnostics).
    Reported,
    /// One message to print.
    Message(String),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Message(m)
    }
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check {
            bulletin,
            strict,
            recipients,
        } => check::run(bulletin.as_deref(), strict, recipients.as_deref()),
        Command::Send {
            bulletin,
            list,
            test,
            dry_run,
            yes,
            retry_failed,
            recipients,
            journal,
            journal_mode,
        } => send::run(send::Options {
            bulletin,
            list,
            test,
            dry_run,
            yes,
            retry_failed,
            recipients,
            journal,
            no_wait: journal_mode == "no-wait",
        }),
        Command::Lists { recipients } => lists::run(&recipients),
        Command::Archive { bulletin, dir } => archive::run(&bulletin, &dir),
        Command::Preview {
            bulletin,
            port,
            bind,
            open,
        } => preview::run(bulletin, port, bind, open),
        Command::Render {
            bulletin,
            out,
            to,
            strict,
        } => render::run(&bulletin, &out, &to, strict),
        Command::New { date, dir } => new::run(&date, &dir),
    }
}

/// Prints diagnostics to stderr with a count, as compilers do.
pub fn report(diags: &Diagnostics) {
    eprint!("{diags}");
    let (e, w) = (diags.errors(), diags.warnings());
    if e > 0 {
        eprintln!(
            "{e} error{}{}: nothing was written",
            plural(e),
            if w > 0 {
                format!(", {w} warning{}", plural(w))
            } else {
                String::new()
            }
        );
    } else if w > 0 {
        eprintln!("{w} warning{}", plural(w));
    }
}

/// Runs the pipeline on a bulletin, printing its problems; the warnings are printed too.
pub fn prepare(path: &std::path::Path, strict: bool) -> Result<Prepared, Failure> {
    match bulletin::pipeline::prepare(path, strict) {
        Ok(p) => {
            report(&p.warnings);
            Ok(p)
        }
        Err(d) => {
            report(&d);
            Err(Failure::Reported)
        }
    }
}

/// Loads a recipients file, printing its problems (and its warnings, which do not stop it).
pub fn load_recipients(
    path: &std::path::Path,
) -> Result<bulletin::input::recipients::Recipients, Failure> {
    if !path.exists() {
        return Err(Failure::Message(format!(
            "{} does not exist: copy recipients.example.yaml to {} and fill in your relay and lists (see docs/send.md)",
            path.display(),
            path.display()
        )));
    }
    match bulletin::input::recipients::load(path) {
        Ok((r, warnings)) => {
            report(&warnings);
            Ok(r)
        }
        Err(d) => {
            report(&d);
            Err(Failure::Reported)
        }
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
