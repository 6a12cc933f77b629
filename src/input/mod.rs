//! The input layer: everything that turns the office's files into the validated model.
//!
//! - [`yaml`]: the one YAML parser, giving a tree whose nodes know their line and column;
//! - [`schema`]: the walker that reads such a tree into typed values, collecting every problem;
//! - [`bulletin`], [`publisher`], [`recipients`]: the three files the office writes;
//! - [`markdown`] and [`url`]: the text inside them;
//! - [`limits`]: what a file may hold (size, nesting, characters), checked before it is trusted.
//!
//! Nothing here renders or sends; nothing outside reads YAML.

pub mod bulletin;
pub mod limits;
pub mod markdown;
pub mod publisher;
pub mod recipients;
pub mod schema;
pub mod url;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::input::schema::Ctx;
use crate::model::{Bulletin, Publisher};

/// A bulletin together with the publisher settings found beside it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub bulletin: Bulletin,
    pub publisher: Publisher,
    pub bulletin_path: PathBuf,
    pub publisher_path: PathBuf,
    /// The bulletin's YAML exactly as read (the archive keeps it).
    pub source: String,
}

/// Loads and validates a bulletin and its publisher. On failure every problem found is returned
/// (errors and warnings together); on success, the warnings found while reading.
pub fn load(bulletin_path: &Path) -> Result<(Loaded, Diagnostics), Diagnostics> {
    let publisher_path = publisher::path_for(bulletin_path);
    let mut diags = Diagnostics::default();
    let bulletin = match yaml::load_file(bulletin_path) {
        Ok((source, node)) => {
            let mut ctx = Ctx {
                path: bulletin_path,
                source: &source,
                diags: &mut diags,
            };
            bulletin::bulletin_from(&mut ctx, &node).map(|b| (b, source))
        }
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let publisher = if publisher_path.exists() {
        match yaml::load_file(&publisher_path) {
            Ok((source, node)) => {
                let mut ctx = Ctx {
                    path: &publisher_path,
                    source: &source,
                    diags: &mut diags,
                };
                publisher::publisher_from(&mut ctx, &node)
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
                publisher_path,
                source,
            },
            diags,
        )),
        _ => Err(diags),
    }
}
