//! The one path from a bulletin file to what every command works from: read and validate it
//! ([`crate::input`]), render the HTML and the text ([`crate::render`]), then lint the result
//! ([`crate::lint`]). `check`, `render`, `send`, `preview` and `archive` all start here, so they
//! can never disagree about whether a bulletin is fit to go out.

use std::path::Path;

use crate::diagnostic::Diagnostics;
use crate::input::{self, Loaded};
use crate::{lint, render};

/// A bulletin that loaded, rendered, and the warnings found on the way.
#[derive(Debug)]
pub struct Prepared {
    pub loaded: Loaded,
    pub html: String,
    /// The size in bytes of the HTML part as it is sent (what Gmail's clip counts).
    pub html_sent: usize,
    pub text: String,
    /// Warnings only (errors stop the pipeline); with `strict` they have become errors.
    pub warnings: Diagnostics,
    /// With sections for an audience: the lists' names ([`list_names`]), read once for every
    /// version shown; empty otherwise.
    pub list_names: std::collections::HashMap<String, String>,
}

/// Loads, renders and lints a bulletin. Every problem found comes back together, errors and
/// warnings, sorted by file and position; with `strict`, warnings count as errors.
pub fn prepare(path: &Path, strict: bool) -> Result<Prepared, Diagnostics> {
    prepare_loaded(input::load(path), strict)
}

/// [`prepare`] for a bulletin's text not on disk, as if it were at `path` (the desk's preview).
pub fn prepare_text(path: &Path, text: &str, strict: bool) -> Result<Prepared, Diagnostics> {
    prepare_loaded(input::load_text(path, text), strict)
}

fn prepare_loaded(
    loaded: Result<(input::Loaded, Diagnostics), Diagnostics>,
    strict: bool,
) -> Result<Prepared, Diagnostics> {
    let (loaded, mut diags) = match loaded {
        Ok(ok) => ok,
        Err(mut d) => {
            if strict {
                d.make_strict();
            }
            return Err(d);
        }
    };
    // Every section, those for an audience labelled with whom they are for: what the preview,
    // `render`, a test copy and the archive show (a send renders each audience's own version).
    let for_audiences = crate::audience::any(&loaded.bulletin);
    let names = match for_audiences {
        true => list_names(&loaded.bulletin_path),
        false => std::collections::HashMap::new(),
    };
    let labelled = for_audiences.then(|| {
        crate::audience::labelled(&loaded.bulletin, |id| {
            names
                .get(id)
                .cloned()
                .unwrap_or_else(|| crate::audience::list_title(id))
        })
    });
    let shown = labelled.as_ref().unwrap_or(&loaded.bulletin);
    let html = render::html::render(shown, &loaded.publisher);
    let text = render::text::render(shown, &loaded.publisher);
    let html_sent = render::message::html_sent_len(&html);
    diags.extend(lint::lint(
        &loaded.bulletin_path,
        &loaded.bulletin,
        html_sent,
    ));
    diags.sort();
    if strict {
        diags.make_strict();
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Prepared {
        loaded,
        html,
        html_sent,
        text,
        warnings: diags,
        list_names: names,
    })
}

/// The lists' names (`name:` of each of `lists:`) in the office's recipients file, found upwards
/// from the bulletin's folder, by id: "For Practice managers" rather than the id
/// `practice-managers`. Only the names are read, not the members or the spreadsheet of people
/// (this runs as the desk's preview follows each keystroke); none when there is no such file.
fn list_names(bulletin: &Path) -> std::collections::HashMap<String, String> {
    use crate::input::yaml::Value;
    let mut names = std::collections::HashMap::new();
    let Some(file) = crate::preview::office_recipients(bulletin) else {
        return names;
    };
    let Ok((_, root)) = crate::input::yaml::load_file(&file) else {
        return names;
    };
    fn entries(
        node: &crate::input::yaml::Node,
    ) -> &[(crate::input::yaml::Node, crate::input::yaml::Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }
    for (key, lists) in entries(&root) {
        if key.as_str() != Some("lists") {
            continue;
        }
        for (id, list) in entries(lists) {
            let name = entries(list)
                .iter()
                .find(|(k, _)| k.as_str() == Some("name"))
                .and_then(|(_, v)| v.as_str().map(|s| s.trim().to_string()))
                .filter(|n| !n.is_empty() && !n.contains(|c: char| c.is_control()));
            if let (Some(id), Some(name)) = (id.as_str(), name) {
                names.insert(id.to_string(), name);
            }
        }
    }
    names
}
