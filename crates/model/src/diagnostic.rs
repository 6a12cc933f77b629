//! Problems found in a user's file: where (file, line, column), how bad, what is wrong and what
//! to do. Loading collects every problem it can find in one pass, so a user fixes them all at
//! once. [`crate::report`] shows them as cargo does; `Display` here is the one-line form
//! (`file:line:column: error: what is wrong`, then `help: what to do`) the preview page uses.
//! Text quoted from a file is printed with its control characters escaped ([`escape_controls`]):
//! a file can never send the terminal an escape sequence.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file something is: 1-based line and column. Line 0 means "the whole file".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn new(line: usize, col: usize) -> Pos {
        Pos { line, col }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// The line holds a secret (a password written where it must not be): reports never quote
    /// it, nor any other problem on the same line.
    pub secret_line: bool,
}

impl Diagnostic {
    pub fn error(file: &Path, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_path_buf(),
            pos,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            secret_line: false,
        }
    }

    pub fn warning(file: &Path, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, pos, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Marks the line as holding a secret, so that it is never printed.
    pub fn on_secret_line(mut self) -> Diagnostic {
        self.secret_line = true;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let file = self.file.display().to_string();
        let (file, message) = (escape_controls(&file), escape_controls(&self.message));
        if self.pos.line == 0 {
            write!(f, "{file}: {kind}: {message}")?;
        } else {
            write!(
                f,
                "{file}:{}:{}: {kind}: {message}",
                self.pos.line, self.pos.col
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", escape_controls(help))?;
        }
        Ok(())
    }
}

/// Every problem found in one load, in file order.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }

    /// Turns every warning into an error (`--strict`).
    pub fn make_strict(&mut self) {
        for d in &mut self.0 {
            d.severity = Severity::Error;
        }
    }

    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.file, a.pos).cmp(&(&b.file, b.pos)));
        self.0.dedup();
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// `text` with every invisible character ([`is_invisible`]: controls, the Unicode line and
/// paragraph separators, bidirectional overrides) written as an escape, `\u{1b}`, so that it
/// prints on one line, reads in its own order and cannot drive a terminal.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let escaped = is_invisible;
    if !text.contains(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` must never reach a terminal or a file raw: every control character (C0, DEL and
/// C1, U+0085 and U+009B among them), the line and paragraph separators U+2028 and U+2029, the
/// bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069, which can make text read backwards), the zero-width and
/// invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF) and the interlinear
/// annotation characters (U+FFF9–U+FFFB).
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1) || (word.len() >= 3 && c.starts_with(&word)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["title", "date", "sections", "summary"];
        assert_eq!(did_you_mean("titel", &keys), Some("title"));
        assert_eq!(did_you_mean("section", &keys), Some("sections"));
        assert_eq!(did_you_mean("Date", &keys), Some("date"));
        assert_eq!(did_you_mean("colour", &keys), None);
    }

    #[test]
    fn formats_like_a_compiler() {
        let d = Diagnostic::error(Path::new("b.yaml"), Pos::new(3, 5), "bad").with_help("fix it");
        assert_eq!(d.to_string(), "b.yaml:3:5: error: bad\n  help: fix it");
    }

    #[test]
    fn quoted_text_cannot_drive_the_terminal() {
        let d = Diagnostic::error(
            Path::new("b\u{9b}.yaml"),
            Pos::new(1, 1),
            "`\u{1b}[2J` x\ny",
        )
        .with_help("\u{7}");
        assert_eq!(
            d.to_string(),
            "b\\u{9b}.yaml:1:1: error: `\\u{1b}[2J` x\\u{a}y\n  help: \\u{7}"
        );
        assert!(matches!(escape_controls("plain – text"), Cow::Borrowed(_)));
    }
}
