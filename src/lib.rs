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

mod address;
mod archive;
mod audience;
mod calendar;
mod cli;
mod cmd;
mod colour;
mod date;
mod desk;
mod diagnostic;
mod files;
mod identity;
mod inbox;
mod input;
mod lint;
mod markdown;
mod merge;
mod model;
mod office;
mod pipeline;
mod preview;
mod project;
mod reach;
mod render;
mod report;
mod run;
mod secret;
mod send;
mod skeleton;
mod suppress;
mod tls;

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
