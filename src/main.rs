//! The `bulletin` binary: parses the command line, runs the command, prints what went wrong and
//! sets the exit code (0 done, 1 failed, 2 the command line was wrong).

mod cli;
mod cmd;

use std::process::ExitCode;

use bulletin::diagnostic::escape_controls;
use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cmd::Failure::Reported) => ExitCode::from(1),
        Err(cmd::Failure::Message(m)) => {
            // A message may quote a file or a relay: no control character reaches the terminal.
            let lines: Vec<_> = m.lines().map(escape_controls).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(1)
        }
    }
}
