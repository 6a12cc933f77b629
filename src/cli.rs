//! The command line: one `Cli` with a subcommand per job. Each command's arguments live with the
//! command, in `src/cmd/<name>.rs`; the doc comments are the help text.

use clap::{Parser, Subcommand};

use crate::cmd::{
    approve, archive, check, completions, dates, desk, import, inbox, init, lists, login, man, new,
    preview, render, report, schema, send, unsuppress,
};

/// Write, check and render the LMC bulletin.
#[derive(Parser, Debug)]
#[command(name = "bulletin", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a bulletin (and its publisher.yaml), and the recipients file, without writing anything
    Check(check::Args),
    /// Render a bulletin as an HTML email, a plain-text email and a complete .eml message
    Render(render::Args),
    /// Send a bulletin to a mailing list: one message per person, resumable, never twice
    Send(send::Args),
    /// Record that an approver (`approvers` in publisher.yaml) approved a bulletin as it is now
    Approve(approve::Args),
    /// Show the mailing lists in the recipients file, with how many people each reaches
    Lists(lists::Args),
    /// Show who got an issue, list by list (delivered, failed and why), or the recent issues
    Report(report::Args),
    /// List the key dates still to come (the next 8 weeks) across the archive, for planning
    Dates(dates::Args),
    /// Read bounces, complaints and unsubscribe requests, and suppress those addresses for send
    Inbox(inbox::Args),
    /// Send the bulletin again to an address that `bulletin inbox` suppressed
    Unsuppress(unsuppress::Args),
    /// Write, check and send the bulletin in the browser: the desk, on this computer only
    Desk(desk::Args),
    /// Preview a bulletin in the browser, reloading it whenever the file is saved
    Preview(preview::Args),
    /// Add a bulletin to the archive (a static website: a page per issue, an index and a feed)
    Archive(archive::Args),
    /// Start a new office's folder: publisher.yaml, recipients.yaml, the first issue and schemas
    Init(init::Args),
    /// Start next week's bulletin from a skeleton: bulletins/<date>.yaml
    New(new::Args),
    /// Make a bulletin written in Word (.docx) into a bulletin file: bulletins/<date>.yaml
    Import(import::Args),
    /// Print the JSON Schema of a bulletin, publisher.yaml or recipients.yaml, for editors
    Schema(schema::Args),
    /// Keep the relay's password (or OAuth2 token) in this computer's own secret store, for send;
    /// with `auth: oauth2`, sign in to NHSmail or Microsoft 365 in the browser
    Login(login::Args),
    /// Remove the password, token or sign-in that `bulletin login` stored
    Logout(login::Which),
    /// Print the script that completes bulletin's commands with the Tab key in your shell
    Completions(completions::Args),
    /// Write the manual pages (bulletin.1, bulletin-send.1, ...) into a folder, for `man`
    Man(man::Args),
}
