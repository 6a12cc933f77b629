//! `bulletin`: write a Local Medical Committee's weekly bulletin in YAML, check it, render it as
//! an HTML and a plain-text email from one model, and build the MIME messages that are sent.
//!
//! The flow is load → model → render: [`load`] reads the YAML (through [`yaml`], the one module
//! that parses YAML) into a validated [`model::Bulletin`]; [`lint`] adds warnings; [`render`]
//! turns the model into HTML, text and MIME. Only the command modules touch the disk.

pub mod address;
pub mod archive;
pub mod colour;
pub mod date;
pub mod diagnostic;
pub mod files;
pub mod input;
pub mod lint;
pub mod model;
pub mod pipeline;
pub mod preview;
pub mod project;
pub mod render;
pub mod report;
pub mod send;
pub mod skeleton;
