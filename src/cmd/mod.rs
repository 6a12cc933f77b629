//! One function per command; each loads through the library and does its own output.

pub mod approve;
pub mod archive;
pub mod check;
pub mod completions;
pub mod dates;
pub mod desk;
pub mod import;
pub mod inbox;
pub mod init;
pub mod lists;
pub mod login;
pub mod man;
pub mod new;
pub mod preview;
pub mod render;
pub mod report;
pub mod schema;
pub mod send;
pub mod unsuppress;

use crate::diagnostic::Diagnostics;
use crate::pipeline::Prepared;
use crate::project::Project;

use crate::cli::Command;

/// How a command failed; `main` turns each into the exit code documented in docs/commands.md.
#[derive(Debug)]
pub enum Failure {
    /// The problems were already printed (diagnostics): exit 1.
    Reported,
    /// Stopped by Ctrl-C before the work was done: exit 130, as shells expect.
    Interrupted,
    /// Stopped (what to do was printed) until later: `send` at the daily limit. Exit 75,
    /// sysexits' EX_TEMPFAIL ("try again later"), so a scheduled task can tell it apart.
    Later,
    /// One error, with its chain of causes: exit 1.
    Error(anyhow::Error),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Error(anyhow::Error::msg(m))
    }
}

/// The library's typed errors, each kept whole (with its help) in the error chain.
macro_rules! failure_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Failure {
                Failure::Error(anyhow::Error::new(e))
            }
        }
    )*};
}

failure_from!(
    crate::report::Refusal,
    crate::send::Reason,
    crate::render::message::BuildError,
    crate::identity::KeyError
);

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
        Command::Approve(args) => approve::run(args),
        Command::Lists(args) => lists::run(args),
        Command::Report(args) => report::run(args),
        Command::Dates(args) => dates::run(args),
        Command::Desk(args) => desk::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Archive(args) => archive::run(args),
        Command::Init(args) => init::run(args),
        Command::New(args) => new::run(args),
        Command::Import(args) => import::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Inbox(args) => inbox::run(args),
        Command::Unsuppress(args) => unsuppress::run(args),
        Command::Login(args) => login::login(args),
        Command::Logout(args) => login::logout(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// What a command leaves undone when it stops on errors, said after the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// `check` and `lists` only read: there is nothing to say.
    Nothing,
    NothingWritten,
    NothingSent,
}

/// Whether stderr gets colours: only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>).
pub fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints diagnostics to stderr as cargo does, then a count: `2 errors, 1 warning`, followed
/// by what was not done (`: nothing was written`) when there are errors.
pub fn report(diags: &Diagnostics, stopped: Stopped) {
    if diags.0.is_empty() {
        return;
    }
    if std::env::var_os(crate::desk::jobs::DESK_RUN).is_some() {
        eprint!("{}", desk_words(diags));
    } else {
        eprint!("{}", crate::report::human(diags, colour()));
    }
    eprintln!("{}", summary(diags, stopped));
}

/// `key` marks as quotation marks: “key”.
fn quoted_keys(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push(if i % 2 == 1 { '“' } else { '”' });
        }
        out.push_str(part);
    }
    out
}

/// Diagnostics as the desk shows a run's output: one line each in the desk's words (a key named
/// by its box's label), no line, column or quoted source; a file other than a bulletin named.
fn desk_words(diags: &Diagnostics) -> String {
    use crate::desk::problems::plain_words;
    use crate::diagnostic::escape_controls;
    let mut out = String::new();
    for d in &diags.0 {
        let kind = if d.is_error() { "Problem" } else { "Check" };
        // The bulletin's own problems are at their boxes on the Write page, named by the boxes'
        // labels; another file's (recipients.yaml, publisher.yaml) keep its keys and are placed
        // by file and line, for whoever looks after it.
        let name = d.file.file_name().map(|n| n.to_string_lossy().into_owned());
        let other = name
            .as_deref()
            .filter(|n| crate::date::Date::parse(n.get(..10).unwrap_or("")).is_err());
        let (place, words): (String, fn(&str) -> String) = match other {
            Some(n) if d.pos.line > 0 => (format!(" (in {n}, line {})", d.pos.line), quoted_keys),
            Some(n) => (format!(" (in {n})"), quoted_keys),
            None => (String::new(), plain_words),
        };
        let mut line = format!("{kind}{place}: {}.", words(&d.message));
        if let Some(help) = &d.help {
            line.push_str(&format!(" To fix: {}.", words(help)));
        }
        out.push_str(&escape_controls(&line));
        out.push('\n');
    }
    out
}

/// `2 errors, 1 warning: nothing was written`.
pub fn summary(diags: &Diagnostics, stopped: Stopped) -> String {
    let (e, w) = (diags.errors(), diags.warnings());
    let mut counts = Vec::new();
    if e > 0 {
        counts.push(format!("{e} error{}", plural(e)));
    }
    if w > 0 {
        counts.push(format!("{w} warning{}", plural(w)));
    }
    let then = match stopped {
        _ if e == 0 => "",
        Stopped::Nothing => "",
        Stopped::NothingWritten => ": nothing was written",
        Stopped::NothingSent => ": nothing was sent",
    };
    format!("{}{then}", counts.join(", "))
}

/// Runs the pipeline on a bulletin, printing its problems; the warnings are printed too.
pub fn prepare(
    path: &std::path::Path,
    strict: bool,
    stopped: Stopped,
) -> Result<Prepared, Failure> {
    match crate::pipeline::prepare(path, strict) {
        Ok(p) => {
            report(&p.warnings, stopped);
            Ok(p)
        }
        Err(d) => {
            report(&d, stopped);
            Err(Failure::Reported)
        }
    }
}

/// The recipients file: `--recipients` if given, otherwise `recipients.yaml` in the office's
/// folder (found upwards from the current one, see [`crate::project`]).
pub fn recipients_path(given: Option<&std::path::Path>) -> std::path::PathBuf {
    match given {
        Some(p) => p.to_path_buf(),
        None => Project::from_current_dir().recipients(),
    }
}

/// Loads the recipients file (`--recipients`, or the office's), printing its problems (and its
/// warnings, which do not stop it).
pub fn load_recipients(
    given: Option<&std::path::Path>,
    stopped: Stopped,
) -> Result<crate::input::recipients::Recipients, Failure> {
    if given.is_none() {
        Project::from_current_dir()
            .require()
            .map_err(anyhow::Error::from)?;
    }
    let path = recipients_path(given);
    if !path.exists() {
        return Err(Failure::from(format!(
            "{} does not exist: {}",
            path.display(),
            missing_recipients_help(&path)
        )));
    }
    match crate::input::recipients::load(&path) {
        Ok((r, warnings)) => {
            report(&warnings, stopped);
            Ok(r)
        }
        Err(d) => {
            report(&d, stopped);
            Err(Failure::Reported)
        }
    }
}

/// What to do when the recipients file `path` is missing: copy the example, named as seen from
/// where the user is.
pub fn missing_recipients_help(path: &std::path::Path) -> String {
    format!(
        "copy {} to {} and fill in your relay and lists (see docs/send.md)",
        Project::from_current_dir().recipients_example().display(),
        path.display()
    )
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
