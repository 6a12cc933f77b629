//! The problems `bulletin check` finds (the same [`crate::pipeline::prepare`]), put at the form
//! field they concern and said in the desk's words: a key such as `until` becomes the field's
//! label, "Runs until", and no line or column is shown.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::input::yaml::Node;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The form field (`sections.2.date`), or `None` for the bulletin as a whole or another
    /// file (publisher.yaml).
    pub field: Option<String>,
    pub error: bool,
    pub message: String,
    pub help: Option<String>,
}

/// Every problem of `diags`, each at the field whose lines hold it.
pub fn place(
    diags: &Diagnostics,
    bulletin: &std::path::Path,
    text: &str,
    root: Option<&Node>,
) -> Vec<Problem> {
    let spans = root
        .map(|r| super::edit::field_lines(text, r))
        .unwrap_or_default();
    diags
        .0
        .iter()
        .map(|d| {
            let (message, help) = match placeholder(d) {
                Some(asked) => ("Not filled in yet".to_string(), Some(asked)),
                None => (
                    plain_words(&d.message),
                    d.help
                        .as_deref()
                        .filter(|h| !written_in_the_file(h))
                        .map(|h| match h.starts_with("write the day as YYYY-MM-DD") {
                            // The page's box is a date picker, which shows the day its own way.
                            true => "choose the day".to_string(),
                            false => plain_words(h),
                        }),
                ),
            };
            Problem {
                field: field_of(d, bulletin, &spans),
                error: d.is_error(),
                message,
                help,
            }
        })
        .collect()
}

/// Help that says how to write a value into the file (`key: value`, the colon, the quotes): the
/// page's box is where it is typed, and the problem beside it says enough.
fn written_in_the_file(help: &str) -> bool {
    help.starts_with("write it after the colon") || help.starts_with("write it between the quotes")
}

/// A placeholder of a new issue left in a field, said as the page shows it: the box shows what
/// it asks for in grey, with no brackets, and an optional one is left out by leaving it empty.
fn placeholder(d: &Diagnostic) -> Option<String> {
    use crate::input::placeholder::{HELP_BEFORE, MESSAGE};
    if d.message != MESSAGE {
        return None;
    }
    let asked = d.help.as_deref()?.strip_prefix(HELP_BEFORE)?;
    let asked = match asked.strip_suffix(", or delete this line") {
        Some(optional) => format!("{optional}, or press “Leave it out” under the box"),
        None => asked.to_string(),
    };
    Some(format!("type {asked}"))
}

/// The narrowest field whose lines hold the problem's line.
fn field_of(
    d: &Diagnostic,
    bulletin: &std::path::Path,
    spans: &[(String, usize, usize)],
) -> Option<String> {
    if d.pos.line == 0 || d.file.file_name() != bulletin.file_name() {
        return None;
    }
    spans
        .iter()
        .filter(|(_, first, last)| (*first..=*last).contains(&d.pos.line))
        .min_by_key(|(id, first, last)| (last - first, usize::MAX - id.len()))
        .map(|(id, ..)| id.clone())
}

/// The labels the desk shows for the format's keys.
const LABELS: &[(&str, &str)] = &[
    ("title", "Title"),
    ("date", "Date"),
    ("issue", "Issue number"),
    ("summary", "Summary"),
    ("message", "Message"),
    ("author", "Author"),
    ("role", "Role"),
    ("after", "Where it goes"),
    ("body", "Text"),
    ("label", "Label"),
    ("note", "Note"),
    ("until", "Runs until"),
    ("links", "Links"),
    ("text", "Link text"),
    ("url", "Link address"),
    ("dates", "Key dates"),
    ("what", "What"),
    ("time", "Time"),
    ("end", "Ends"),
    ("where", "Where"),
    ("sections", "Sections"),
    ("continued_from", "Continued from"),
];

/// A message with each `key` (or `key:`) named by its label, in quotation marks.
pub fn plain_words(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let quoted = &after[..close];
        let key = quoted.trim_end_matches(':');
        match LABELS.iter().find(|(k, _)| *k == key) {
            Some((_, label)) => out.push_str(&format!("“{label}”")),
            None => out.push_str(&format!("“{quoted}”")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_the_labels_the_page_shows() {
        assert_eq!(
            plain_words("this file is named for 2021-10-20: change `date:` to 2021-10-20"),
            "this file is named for 2021-10-20: change “Date” to 2021-10-20"
        );
        assert_eq!(
            plain_words("`until` is before `x`"),
            "“Runs until” is before “x”"
        );
        assert_eq!(plain_words("a ` alone"), "a ` alone");
    }

    #[test]
    fn a_blank_left_in_a_field_is_said_as_the_page_shows_it() {
        use crate::input::placeholder::{HELP_BEFORE, MESSAGE};
        let at = |help: &str| {
            Diagnostic::error(std::path::Path::new("b.yaml"), Default::default(), MESSAGE)
                .with_help(format!("{HELP_BEFORE}{help}"))
        };
        assert_eq!(
            placeholder(&at("a word such as Guidance, or delete this line")).as_deref(),
            Some("type a word such as Guidance, or press “Leave it out” under the box")
        );
        assert_eq!(
            placeholder(&at("the section's heading")).as_deref(),
            Some("type the section's heading")
        );
        let other = Diagnostic::error(std::path::Path::new("b.yaml"), Default::default(), "x");
        assert_eq!(placeholder(&other), None);
        assert!(written_in_the_file(
            "write it between the quotes, e.g. `title: \"x\"`"
        ));
        assert!(!written_in_the_file("shorten it"));
        let empty_date = Diagnostic::error(
            std::path::Path::new("b.yaml"),
            Default::default(),
            "`date` is empty",
        )
        .with_help("write the day as YYYY-MM-DD, for example 2021-10-20");
        let shown = place(
            &Diagnostics(vec![empty_date]),
            std::path::Path::new("b.yaml"),
            "",
            None,
        );
        assert_eq!(shown[0].message, "“Date” is empty");
        assert_eq!(shown[0].help.as_deref(), Some("choose the day"));
    }

    #[test]
    fn a_problem_goes_to_the_narrowest_field_on_its_line() {
        let spans = vec![
            ("sections.0".to_string(), 3, 9),
            ("sections.0.date".to_string(), 5, 5),
        ];
        let d = Diagnostic::error(
            std::path::Path::new("b/x.yaml"),
            crate::diagnostic::Pos::new(5, 11),
            "bad",
        );
        assert_eq!(
            field_of(&d, std::path::Path::new("x.yaml"), &spans).as_deref(),
            Some("sections.0.date")
        );
        let other = Diagnostic::error(
            std::path::Path::new("b/publisher.yaml"),
            crate::diagnostic::Pos::new(5, 1),
            "bad",
        );
        assert_eq!(
            field_of(&other, std::path::Path::new("x.yaml"), &spans),
            None
        );
    }
}
