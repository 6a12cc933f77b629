//! The input layer: everything that turns the office's files into the validated model.
//!
//! - [`yaml`]: the one YAML parser, giving a tree whose nodes know their line and column, and
//!   [`yaml_syntax`], which explains its syntax errors in the office's words;
//! - [`schema`]: the walker that reads such a tree into typed values, collecting every problem;
//! - [`bulletin`], [`publisher`], [`recipients`]: the three files the office writes, and
//!   [`folder`]: what a new issue carries over from the bulletins folder;
//! - [`markdown`] and [`url`]: the text inside them;
//! - [`docx`]: a bulletin written in Word, made into a bulletin file (`bulletin import`);
//! - [`placeholder`]: the `[[...]]` blanks of a new bulletin, which must all be filled in;
//! - [`limits`]: what a file may hold (size, nesting, characters), checked before it is trusted;
//! - [`json_schema`]: the same files described as JSON Schemas, for editors.
//!
//! Nothing here renders or sends; nothing outside reads YAML.

pub mod bulletin;
pub mod docx;
pub mod folder;
pub mod json_schema;
pub mod limits;
pub mod lines;
pub mod lint;
pub mod markdown;
pub mod merge;
pub mod people;
pub mod placeholder;
pub mod publisher;
pub mod recipients;
pub mod schema;
pub mod skeleton;
pub mod url;
pub mod yaml;
pub mod yaml_syntax;

// The model's modules, named as `crate::model`, `crate::date`, … here as in every layer.
use bulletin_model::{address, colour, date, diagnostic, model};

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::model::{Bulletin, Publisher};
use crate::schema::Ctx;

/// A bulletin together with the publisher settings found beside it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub bulletin: Bulletin,
    pub publisher: Publisher,
    pub bulletin_path: PathBuf,
    /// The bulletin's YAML exactly as read (the archive keeps it).
    pub source: String,
}

/// Loads and validates a bulletin and its publisher. On failure every problem found is returned
/// (errors and warnings together); on success, the warnings found while reading.
pub fn load(bulletin_path: &Path) -> Result<(Loaded, Diagnostics), Diagnostics> {
    load_parsed(bulletin_path, yaml::load_file(bulletin_path))
}

/// [`load`] for a bulletin's text that is not on disk (yet), as if it were at `bulletin_path`:
/// the desk's preview of what is being typed.
pub fn load_text(bulletin_path: &Path, text: &str) -> Result<(Loaded, Diagnostics), Diagnostics> {
    let parsed = yaml::parse(bulletin_path, text).map(|node| (text.to_string(), node));
    load_parsed(bulletin_path, parsed)
}

fn load_parsed(
    bulletin_path: &Path,
    parsed: Result<(String, yaml::Node), Diagnostics>,
) -> Result<(Loaded, Diagnostics), Diagnostics> {
    let publisher_path = publisher::path_for(bulletin_path);
    let mut diags = Diagnostics::default();
    let bulletin = match parsed {
        Ok((source, node)) => {
            let mut ctx = Ctx::new(bulletin_path, &source, &mut diags);
            let bulletin = bulletin::bulletin_from(&mut ctx, &node);
            placeholder::report(&mut ctx, &node);
            crate::merge::report(&mut ctx, &node);
            bulletin.map(|b| (b, source))
        }
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let publisher = if publisher_path.exists() {
        match yaml::load_file(&publisher_path) {
            Ok((source, node)) => {
                let mut ctx = Ctx::new(&publisher_path, &source, &mut diags);
                let publisher = publisher::publisher_from(&mut ctx, &node);
                placeholder::report(&mut ctx, &node);
                publisher
            }
            Err(d) => {
                diags.extend(d);
                None
            }
        }
    } else {
        diags.push(
            Diagnostic::error(&publisher_path, Pos::default(), "the publisher settings file is missing")
                .with_help("create publisher.yaml beside the bulletin (see docs/format.md): it gives the sender, footer and unsubscribe address"),
        );
        None
    };
    diags.sort();
    match (bulletin, publisher) {
        (Some((bulletin, source)), Some(publisher)) if !diags.has_errors() => Ok((
            Loaded {
                bulletin,
                publisher,
                bulletin_path: bulletin_path.to_path_buf(),
                source,
            },
            diags,
        )),
        _ => Err(diags),
    }
}
