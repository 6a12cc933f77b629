//! What the `bulletin` binary does: parses the command line, runs the command, prints what went
//! wrong and sets the exit code. Only [`main`] chooses exit codes (docs/commands.md lists them):
//! 0 done, 1 failed (the problems are printed), 2 the command line was wrong (clap), 130 stopped
//! by Ctrl-C before the work was done.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::{cli, cmd};

/// The whole program, for `src/main.rs`.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Commands that only print (check, report, lists, schema, completions, inbox, ...) end quietly
    // when read by `head` or a pager that has seen enough, as other command-line tools do: the
    // system's default for a closed pipe, rather than Rust's panic on the failed write. `send`
    // and `preview` keep running after their output is gone and handle it themselves.
    #[cfg(unix)]
    if !matches!(
        cli.command,
        cli::Command::Send(_) | cli::Command::Preview(_) | cli::Command::Desk(_)
    ) {
        // SAFETY: called before any other thread starts; it only restores the default action.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match cmd::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cmd::Failure::Reported) => ExitCode::from(1),
        Err(cmd::Failure::Interrupted) => ExitCode::from(130),
        Err(cmd::Failure::Error(e)) => {
            // Written, not `eprintln!`: a reader gone (`2>&1 | head`) must not turn the exit
            // status into a panic's 101.
            let _ = writeln!(std::io::stderr(), "error: {}", crate::report::error(&e));
            ExitCode::from(1)
        }
    }
}
