//! What the `bulletin` binary does: parses the command line, runs the command, prints what went
//! wrong and sets the exit code. Only [`main`] chooses exit codes (docs/commands.md lists them):
//! 0 done, 1 failed (the problems are printed), 2 the command line was wrong (clap), 75 `send`
//! stopped at the daily limit (run it again later), 130 stopped by Ctrl-C before the work was
//! done. With no arguments at all it prints the help, except on Windows and macOS, where that is
//! how the program is double-clicked: there it starts the desk ([`without_arguments`]).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::{cli, cmd};

/// The whole program, for `src/main.rs`.
pub fn main() -> ExitCode {
    if std::env::args_os().len() <= 1 && without_arguments(std::env::consts::OS) == Bare::Desk {
        return desk_on_double_click();
    }
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
    exit_code(cmd::run(cli.command))
}

/// What the program does when started with no arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bare {
    /// Prints the help, as command-line programs do (Linux and the rest: started from a shell).
    Help,
    /// Starts the desk: on Windows and macOS the program is opened by a double-click, and help
    /// printed in a console that closes at once would say nothing to anyone.
    Desk,
}

/// What no arguments mean on the system `os` (`std::env::consts::OS`, fixed when the program
/// is built for its target).
fn without_arguments(os: &str) -> Bare {
    match os {
        "windows" | "macos" => Bare::Desk,
        _ => Bare::Help,
    }
}

/// The program opened by a double-click: the desk in the current folder's office, or where there
/// is none, the desk's first-run page, which sets one up or opens one elsewhere. If the desk
/// cannot start, the window stays open until Enter is pressed, so the reason can be read.
fn desk_on_double_click() -> ExitCode {
    let code = exit_code(cmd::run(cli::Command::Desk(Default::default())));
    if code != ExitCode::SUCCESS {
        let _ = writeln!(std::io::stderr(), "\nPress Enter to close this window.");
        let _ = std::io::stdin().read_line(&mut String::new());
    }
    code
}

/// The exit code (and the error printed) for how a command ended.
fn exit_code(result: Result<(), cmd::Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(cmd::Failure::Reported) => ExitCode::from(1),
        Err(cmd::Failure::Interrupted) => ExitCode::from(130),
        Err(cmd::Failure::Later) => ExitCode::from(75),
        Err(cmd::Failure::Error(e)) => {
            // Written, not `eprintln!`: a reader gone (`2>&1 | head`) must not turn the exit
            // status into a panic's 101.
            let _ = writeln!(std::io::stderr(), "error: {}", crate::report::error(&e));
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Bare, without_arguments};

    #[test]
    fn no_arguments_start_the_desk_only_where_the_program_is_double_clicked() {
        assert_eq!(without_arguments("windows"), Bare::Desk);
        assert_eq!(without_arguments("macos"), Bare::Desk);
        assert_eq!(without_arguments("linux"), Bare::Help);
        assert_eq!(without_arguments("freebsd"), Bare::Help);
    }
}
