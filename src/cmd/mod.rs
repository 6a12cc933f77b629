//! One function per command; each loads through the library and does its own output.

mod check;
mod new;
mod render;

use bulletin::diagnostic::Diagnostics;

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
        Command::Check { bulletin, strict } => check::run(&bulletin, strict),
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

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
