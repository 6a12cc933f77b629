//! How problems are shown to the person who ran a command: as cargo shows its own, with the
//! offending line and a caret under the place,
//!
//! ```text
//! error: unknown key `titel` in section 1
//!  --> bulletins/2021-10-27.yaml:12:5
//!    |
//! 12 |     titel: Flu vaccines
//!    |     ^^^^^
//!    |
//!    = help: did you mean `title`?
//! ```
//!
//! or as one JSON document for editors and scripts (`bulletin check --format json`). The
//! diagnostics carry only a file name and a position; the file's text is read again here, once
//! per file, when the report is printed.
//!
//! A command's one error (not about a place in a file) is shown here too, by [`error`]: what
//! went wrong with its causes, then what to do, which the library's errors keep apart (their
//! `help()`, found by [`help_of`]).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity, escape_controls};
use crate::input::lines::LineIndex;

/// The files diagnostics point into, each read once (a file that cannot be read is `None`, and
/// its diagnostics are shown without their line).
#[derive(Default)]
pub struct Sources {
    files: HashMap<PathBuf, Option<Source>>,
}

/// A file's text and where each of its lines starts.
struct Source {
    text: String,
    lines: LineIndex,
}

impl Sources {
    /// Line `line` (1-based) of `path`, without its line break. The line just past the last one
    /// is empty (the end of the file); lines beyond it are `None`.
    fn line(&mut self, path: &Path, line: usize) -> Option<&str> {
        let source = self
            .files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                read_text(path).map(|text| Source {
                    lines: LineIndex::new(&text),
                    text,
                })
            })
            .as_ref()?;
        source.lines.line(&source.text, line)
    }
}

/// The text as the YAML loader saw it: lossy UTF-8 (so the column of a bad byte still counts
/// right), without a byte-order mark.
fn read_text(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// Every diagnostic, as cargo prints them, each followed by a blank line. With `colour`, the
/// terminal's colours are used (the caller decides: a terminal, and `NO_COLOR` not set).
pub fn human(diags: &Diagnostics, colour: bool) -> String {
    let renderer = if colour {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut sources = Sources::default();
    let secret: HashSet<(&Path, usize)> = diags
        .0
        .iter()
        .filter(|d| d.secret_line)
        .map(|d| (d.file.as_path(), d.pos.line))
        .collect();
    let mut out = String::new();
    for d in &diags.0 {
        let quote = !secret.contains(&(d.file.as_path(), d.pos.line));
        out.push_str(&render_one(&renderer, &mut sources, d, quote));
        out.push_str("\n\n");
    }
    out
}

/// One diagnostic; with `quote`, its line of the file is shown under it.
fn render_one(renderer: &Renderer, sources: &mut Sources, d: &Diagnostic, quote: bool) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = escape_controls(&d.file.display().to_string()).into_owned();
    let message = escape_controls(&d.message).into_owned();
    let help = d.help.as_deref().map(|h| escape_controls(h).into_owned());
    let title = level.primary_title(message);
    let source_line = match d.pos.line {
        0 => None,
        _ if !quote => None,
        n => sources.line(&d.file, n),
    };
    // A line too long to show (the limit is far beyond any real paragraph) is left out: a line of
    // 50,000 links would otherwise be laid out again under each of its 50,000 problems.
    let source_line = source_line.filter(|text| text.len() <= LONGEST_SHOWN);
    let shown = source_line.map(|text| visible(text, span_at(text, d.pos.col)));
    let group = match &shown {
        Some((text, span)) => title.element(
            Snippet::source(text)
                .line_start(d.pos.line)
                .path(path)
                .fold(false)
                .annotation(AnnotationKind::Primary.span(span.clone())),
        ),
        None if d.pos.line == 0 => title.element(Origin::path(path)),
        None => title.element(Origin::path(path).line(d.pos.line).char_column(d.pos.col)),
    };
    let group = match help {
        Some(h) => group.element(Level::HELP.message(h)),
        None => group,
    };
    renderer.render(&[group])
}

/// `line` as it is quoted under a problem, and `span` moved with it: every invisible character
/// ([`crate::diagnostic::is_invisible`]) above the C0 range (which the renderer itself shows as
/// symbols, `␛`) written as an escape, `\u{85}`, so that a C1 control (U+009B starts a terminal
/// sequence), a line separator or a right-to-left override cannot act on the terminal or
/// reorder what is shown.
fn visible(line: &str, span: Range<usize>) -> (String, Range<usize>) {
    let replaced = |c: char| crate::diagnostic::is_invisible(c) && c > '\u{1f}';
    if !line.contains(replaced) {
        return (line.to_string(), span);
    }
    let mut out = String::with_capacity(line.len() + 16);
    let (mut start, mut end) = (None, None);
    for (i, c) in line.char_indices() {
        if i == span.start {
            start = Some(out.len());
        }
        if i == span.end {
            end = Some(out.len());
        }
        if replaced(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (out, start..end)
}

/// The longest line (in bytes) quoted under a problem; mail programs cut lines at 998.
const LONGEST_SHOWN: usize = 4096;

/// What to underline in `line` for a problem at character column `col` (1-based): the word
/// there (a key stops before its colon), a quoted value to its closing quote, or a
/// `[[placeholder]]` to its closing brackets; at the end of the line, one caret after it.
fn span_at(line: &str, col: usize) -> Range<usize> {
    let start = line
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let rest = &line[start..];
    // A tab or a space is underlined by itself.
    if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
        return start..start + c.len_utf8();
    }
    let close = |open: &str, close: &str| {
        rest.strip_prefix(open)
            .and_then(|r| r.find(close))
            .map(|i| open.len() + i + close.len())
    };
    let len = close("[[", "]]")
        .or_else(|| close("\"", "\""))
        .or_else(|| close("'", "'"))
        .unwrap_or_else(|| {
            let mut end = 0;
            let mut chars = rest.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
                if c.is_whitespace() || (c == ':' && next_is_space && i > 0) {
                    break;
                }
                end = i + c.len_utf8();
            }
            end
        });
    start..start + len
}

/// The whole of `bulletin check --format json`.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    pub errors: usize,
    pub warnings: usize,
}

/// One problem, for an editor or a script: `line` and `column` are 1-based (the column counts
/// characters), and `null` when the problem is with the whole file.
#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub severity: &'static str,
    pub message: &'a str,
    pub help: Option<&'a str>,
}

/// Every diagnostic as one JSON document (serde_json escapes any control character).
pub fn json(diags: &Diagnostics) -> String {
    let report = JsonReport {
        diagnostics: diags
            .0
            .iter()
            .map(|d| JsonDiagnostic {
                file: d.file.display().to_string(),
                line: (d.pos.line > 0).then_some(d.pos.line),
                column: (d.pos.line > 0).then_some(d.pos.col),
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
        errors: diags.errors(),
        warnings: diags.warnings(),
    };
    serde_json::to_string_pretty(&report).expect("a report always serialises")
}

/// A command's refusal that no library error type says: what is wrong, and apart from it what
/// to do, shown as `error: MESSAGE` and `  help: HELP` like the library's own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub message: String,
    pub help: String,
}

impl Refusal {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Refusal {
        Refusal {
            message: message.into(),
            help: help.into(),
        }
    }
}

/// What to do about `e`: the help of the first error in its chain that has one. The library's
/// error types with help are listed here, in the one place errors are shown.
pub fn help_of(e: &anyhow::Error) -> Option<String> {
    e.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<Refusal>() {
            return Some(e.help.clone());
        }
        if let Some(e) = cause.downcast_ref::<crate::project::NotAnOffice>() {
            return Some(e.help());
        }
        if let Some(e) = cause.downcast_ref::<crate::office::Error>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::send::resume::Refusal>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::send::journal::ReadError>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::oauth::Error>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::identity::KeyError>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::send::Reason>() {
            return e.help.clone();
        }
        if let Some(e) = cause.downcast_ref::<crate::approval::Refusal>() {
            return Some(e.help());
        }
        if let Some(e) = cause.downcast_ref::<crate::approval::ApproveError>() {
            return e.help();
        }
        if let Some(e) = cause.downcast_ref::<crate::approval::Error>() {
            return e.help();
        }
        if let Some(crate::inbox::imap::Error::SignIn(e)) = cause.downcast_ref() {
            return e.help();
        }
        cause
            .downcast_ref::<crate::archive::Error>()
            .and_then(crate::archive::Error::help)
    })
}

/// One error as the terminal shows it after `error: `: the message and its causes on one line
/// (`cannot write x: disk full`), then `  help: ` and what to do, if anything is known. No
/// control character of a quoted file or relay reply reaches the terminal.
pub fn error(e: &anyhow::Error) -> String {
    let mut text = format!("{e:#}");
    if let Some(help) = help_of(e) {
        text.push_str("\n  help: ");
        text.push_str(&help);
    }
    text.lines()
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod visible_tests {
    use super::*;

    #[test]
    fn invisible_characters_are_escaped_and_the_span_follows() {
        let line = "title: \"a\u{85}b\u{202e}c\" # \u{9b}31m \u{2028}";
        let span = span_at(line, 8);
        let (shown, moved) = visible(line, span.clone());
        assert_eq!(
            shown,
            "title: \"a\\u{85}b\\u{202e}c\" # \\u{9b}31m \\u{2028}"
        );
        assert_eq!(&shown[moved], "\"a\\u{85}b\\u{202e}c\"");
        assert!(!shown.chars().any(crate::diagnostic::is_invisible));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Pos;

    fn under(line: &str, col: usize) -> &str {
        &line[span_at(line, col)]
    }

    #[test]
    fn underlines_the_word_the_key_or_the_quoted_value() {
        assert_eq!(under("  - titel: Flu", 5), "titel");
        assert_eq!(under("url: https://x.org/a b", 6), "https://x.org/a");
        assert_eq!(under("title: \"a: b\" # c", 8), "\"a: b\"");
        assert_eq!(under("body: see [[the text]] here", 11), "[[the text]]");
        assert_eq!(under("café: thé au lait", 7), "thé");
        assert_eq!(under("title:", 7), "");
        assert_eq!(under("", 1), "");
        assert_eq!(under("  \tbody: x", 3), "\t");
    }

    #[test]
    fn renders_like_cargo_with_the_line_and_a_caret() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b.yaml");
        std::fs::write(&file, "\u{feff}title: x\nsections:\n  - titel: é\n").unwrap();
        let mut diags = Diagnostics::default();
        diags.push(
            Diagnostic::error(&file, Pos::new(3, 5), "unknown key `titel`\u{1b}[2J")
                .with_help("did you mean `title`?"),
        );
        diags.push(Diagnostic::warning(&file, Pos::default(), "whole file"));
        let out = human(&diags, false);
        let want = format!(
            "error: unknown key `titel`\\u{{1b}}[2J\n --> {f}:3:5\n  |\n3 |   - titel: é\n  |     ^^^^^\n  |\n  = help: did you mean `title`?\n\nwarning: whole file\n--> {f}\n\n",
            f = file.display()
        );
        assert_eq!(out, want);
        assert!(!out.contains('\u{1b}'), "no raw escape character");
    }

    #[test]
    fn a_secret_line_is_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.yaml");
        // A made-up value, built here so that no file of the project holds a password line.
        let value = "sample".repeat(2);
        std::fs::write(&file, format!("smtp:\n  password: {value}\n")).unwrap();
        let mut diags = Diagnostics::default();
        diags.push(Diagnostic::error(&file, Pos::new(2, 3), "unknown key"));
        diags.push(Diagnostic::error(&file, Pos::new(2, 3), "no passwords").on_secret_line());
        let out = human(&diags, false);
        assert!(!out.contains(&value), "{out}");
        assert_eq!(
            out.matches(&format!("--> {}:2:3", file.display())).count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn json_has_null_positions_for_a_whole_file() {
        let mut diags = Diagnostics::default();
        diags.push(Diagnostic::error(
            Path::new("a.yaml"),
            Pos::default(),
            "gone\n",
        ));
        diags.push(Diagnostic::warning(Path::new("a.yaml"), Pos::new(2, 3), "w").with_help("h"));
        let v: serde_json::Value = serde_json::from_str(&json(&diags)).unwrap();
        assert_eq!(v["errors"], 1);
        assert_eq!(v["warnings"], 1);
        assert_eq!(v["diagnostics"][0]["line"], serde_json::Value::Null);
        assert_eq!(v["diagnostics"][0]["message"], "gone\n");
        assert_eq!(v["diagnostics"][1]["column"], 3);
        assert_eq!(v["diagnostics"][1]["help"], "h");
        assert_eq!(v["diagnostics"][1]["severity"], "warning");
    }
}
