//! The command line: one `Cli` with a subcommand per job. The doc comments are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    Check {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        #[arg(required_unless_present = "recipients")]
        bulletin: Option<PathBuf>,
        /// Treat warnings as errors
        #[arg(long)]
        strict: bool,
        /// Also check this recipients file (recipients.yaml is checked when it is present)
        #[arg(long, value_name = "FILE")]
        recipients: Option<PathBuf>,
    },
    /// Render a bulletin as an HTML email, a plain-text email and a complete .eml message
    Render {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        bulletin: PathBuf,
        /// The folder to write <date>.html, <date>.txt and <date>.eml into
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Who the sample .eml is addressed to
        #[arg(
            long,
            value_name = "ADDRESS",
            default_value = "Sample Recipient <recipient@example.org>"
        )]
        to: String,
        /// Treat warnings as errors
        #[arg(long)]
        strict: bool,
    },
    /// Send a bulletin to a mailing list: one message per person, resumable, never twice
    Send {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        bulletin: PathBuf,
        /// The mailing list (see `bulletin lists`)
        #[arg(long, required_unless_present = "test")]
        list: Option<String>,
        /// Send one copy, marked as a test, to this address only (the journal is not touched)
        #[arg(long, value_name = "ADDRESS", conflicts_with_all = ["list", "retry_failed"])]
        test: Option<String>,
        /// Show who would get it and who is skipped, without connecting to anything
        #[arg(long)]
        dry_run: bool,
        /// Send without asking for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
        /// Try again the recipients whose delivery failed in an earlier run
        #[arg(long)]
        retry_failed: bool,
        /// The recipients file
        #[arg(long, value_name = "FILE", default_value = "recipients.yaml")]
        recipients: PathBuf,
        /// The journal of this bulletin's sends [default: beside the bulletin, <date>.journal]
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// For benchmarks only: `no-wait` lets senders run ahead of the journal on disk
        #[arg(long, hide = true, default_value = "one-ahead", value_parser = ["one-ahead", "no-wait"])]
        journal_mode: String,
    },
    /// Show the mailing lists in the recipients file, with how many people each reaches
    Lists {
        /// The recipients file
        #[arg(long, value_name = "FILE", default_value = "recipients.yaml")]
        recipients: PathBuf,
    },
    /// Preview a bulletin in the browser, reloading it whenever the file is saved
    Preview {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        bulletin: PathBuf,
        /// The port to listen on (0 picks a free one)
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Listen on this address instead of 127.0.0.1 (others on the network could then see it)
        #[arg(long, value_name = "ADDRESS")]
        bind: Option<std::net::IpAddr>,
        /// Open the preview in the system's web browser
        #[arg(long)]
        open: bool,
    },
    /// Add a bulletin to the archive (a static website: a page per issue, an index and a feed)
    Archive {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        bulletin: PathBuf,
        /// The archive folder
        #[arg(long, default_value = "archive")]
        dir: PathBuf,
    },
    /// Start next week's bulletin from a skeleton: bulletins/<date>.yaml
    New {
        /// The bulletin's date, YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// The folder bulletins are kept in
        #[arg(long, default_value = "bulletins")]
        dir: PathBuf,
    },
}
