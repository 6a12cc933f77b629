//! One function per command; each loads through the library and does its own output.

pub mod archive;
pub mod check;
pub mod lists;
pub mod new;
pub mod preview;
pub mod render;
pub mod send;

use bulletin::diagnostic::Diagnostics;
use bulletin::pipeline::Prepared;

use crate::cli::Command;

/// How a command failed; `main` turns each into the exit code documented in docs/commands.md.
#[derive(Debug)]
pub enum Failure {
    /// The problems were already printed (diagnostics): exit 1.
    Reported,
    /// Stopped by Ctrl-C before the work was done: exit 130, as shells expect.
    Interrupted,
    /// One error, with its chain of causes: exit 1.
    Error(anyhow::Error),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Error(anyhow::Error::msg(m))
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Error(e)
    }
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check(args) => check::run(args),
        Command::Render(args) => render::run(args),
        Command::Send(args) => send::run(args),
        Command::Lists(args) => lists::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Archive(args) => archive::run(args),
        Command::New(args) => new::run(args),
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
        return Err(Failure::from(format!(
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
