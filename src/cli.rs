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
    /// Check a bulletin (and its publisher.yaml) for mistakes, without writing anything
    Check {
        /// The bulletin, e.g. bulletins/2021-10-20.yaml
        bulletin: PathBuf,
        /// Treat warnings as errors
        #[arg(long)]
        strict: bool,
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
