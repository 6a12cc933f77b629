//! The `bulletin` binary: parses the command line, runs the command, prints what went wrong and
//! sets the exit code. Only this function chooses exit codes (docs/commands.md lists them):
//! 0 done, 1 failed (the problems are printed), 2 the command line was wrong (clap), 130 stopped
//! by Ctrl-C before the work was done.

mod cli;
mod cmd;

use std::io::Write;
use std::process::ExitCode;

use bulletin::diagnostic::escape_controls;
use clap::Parser;

fn main() -> ExitCode {
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
            // A message may quote a file or a relay: no control character reaches the terminal.
            let message = format!("{e:#}");
            let lines: Vec<_> = message.lines().map(escape_controls).collect();
            // Written, not `eprintln!`: a reader gone (`2>&1 | head`) must not turn the exit
            // status into a panic's 101.
            let _ = writeln!(std::io::stderr(), "error: {}", lines.join("\n"));
            ExitCode::from(1)
        }
    }
}
