//! `bulletin`: write a Local Medical Committee's weekly bulletin in YAML, check it, render it as
//! an HTML and a plain-text email from one model, and build the MIME messages that are sent.
//!
//! The flow is input → model → render: [`input`] reads the office's YAML files (through
//! [`input::yaml`], the one module that parses YAML) into a validated [`model::Bulletin`];
//! [`pipeline`] is the one path every command takes (load, render, lint); [`render`] turns the
//! model into HTML, text and MIME; [`identity`] says which issue a bulletin is, for the journal,
//! the Message-IDs and the archive. Only [`send`], [`archive`], [`secret`] (the relay's password,
//! from the environment, a command or the system's store) and the commands touch the disk, the
//! network or other programs.

mod approval;
mod archive;
mod audience;
mod cli;
mod cmd;
mod desk;
mod inbox;
mod office;
mod pipeline;
mod preview;
mod project;
mod reach;
mod report;
mod run;

// The layers below, each a crate of the workspace (README: "Layout"), named as `crate::input`,
// `crate::model`, … here as in every layer.
use bulletin_input as input;
use bulletin_input::{lint, merge, skeleton};
use bulletin_model::{address, colour, date, diagnostic, files, identity, markdown, model};
use bulletin_render as render;
use bulletin_render::calendar;
use bulletin_send as send;
use bulletin_send::{clock, oauth, secret, suppress, tls};

pub use run::main;

/// The library's stages that the benchmarks (`benches/`) measure and the tests call directly
/// (the desk's form and its lossless rewrite, the preview's view), and nothing more: every other module is private, so the compiler reports whatever the program
/// does not use.
pub mod api {
    pub use crate::desk::edit::rewrite;
    pub use crate::desk::fingerprint;
    pub use crate::desk::form::Form;
    pub use crate::identity::of as identity;
    pub use crate::input::recipients::load as load_recipients;
    pub use crate::input::yaml::parse as parse_yaml;
    pub use crate::input::{Loaded, load};
    pub use crate::pipeline::prepare;
    pub use crate::preview::{View, build as preview};
    pub use crate::render::html::render as html;
    pub use crate::render::message::Template;
    pub use crate::render::text::render as text;
}
