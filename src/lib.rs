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

pub mod address;
pub mod archive;
pub mod calendar;
pub(crate) mod colour;
pub mod date;
pub mod desk;
pub mod diagnostic;
pub mod files;
pub mod identity;
pub mod inbox;
pub mod input;
pub mod lint;
pub mod model;
pub mod pipeline;
pub mod preview;
pub mod project;
pub mod render;
pub mod report;
pub mod secret;
pub mod send;
pub mod skeleton;
pub mod suppress;
pub(crate) mod tls;
