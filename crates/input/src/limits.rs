//! What an input file may hold: its size, how deeply it nests, how many entries one list or
//! mapping has, and which characters it contains.
//!
//! Damaged and hostile files (a NUL byte from a broken save, a vertical tab pasted from Word,
//! 30,000 nested lists, a million keys) are refused here with a position and what to do, before
//! they can crash the program, hang it, or silently cut a bulletin short. Every limit is far
//! beyond what a real bulletin, publisher or recipients file needs; docs/format.md lists them.

use std::io::Read;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};

/// The largest file read, in bytes (5 MB; the example bulletin is 19 KB).
pub(crate) const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// The largest spreadsheet of people read, in bytes (20 MB; 300 people in Excel take 20 KB).
pub(crate) const MAX_PEOPLE_BYTES: u64 = 20 * 1024 * 1024;
/// The most rows a spreadsheet of people may have.
pub(crate) const MAX_PEOPLE_ROWS: usize = 100_000;
/// How deeply lists and mappings may nest in a YAML file (a bulletin needs 5 levels).
pub(crate) const MAX_YAML_DEPTH: usize = 64;
/// The most entries one YAML list or mapping may hold.
pub(crate) const MAX_ENTRIES: usize = 100_000;
/// How deeply quotes and lists, or emphasis and links, may nest in Markdown text.
pub(crate) const MAX_MARKDOWN_DEPTH: usize = 16;
/// The most mailing lists a recipients file may define.
pub(crate) const MAX_LISTS: usize = 1_000;
/// The longest bulletin title, in characters: it is the email's subject, and a longer subject
/// is cut short by every mail program. The publisher's `name` (in the From and List-Id headers)
/// has the same limit.
pub(crate) const MAX_TITLE_CHARS: usize = 150;
/// The longest unsubscribe address, in characters (it goes into the List-Unsubscribe header).
pub(crate) const MAX_UNSUBSCRIBE_CHARS: usize = 500;
/// How many character problems are listed one by one before the rest are counted.
const MAX_REPORTED: usize = 20;

/// Reads a file of at most [`MAX_FILE_BYTES`]; a longer file (or a device that never ends) is
/// reported, not read.
pub fn read(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let cannot = |e: std::io::Error| {
        Diagnostic::error(path, Pos::default(), format!("cannot read the file: {e}"))
            .with_help("check the file name and that you may read it")
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            path,
            Pos::default(),
            format!(
                "the file is larger than {} MB, the most `bulletin` reads",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .with_help(
            "check that this is the right file: a bulletin or a list of recipients is far smaller",
        ));
    }
    Ok(bytes)
}

/// Reports every character that has no place in a text file written by hand: NUL, the C0 and
/// C1 control characters other than tab and line feed (a carriage return only as part of a
/// Windows line ending), DEL, and the Unicode line and paragraph separators. They are invisible
/// in an editor, break the feed's XML, and could drive the terminal that prints them.
pub(crate) fn check_characters(path: &Path, text: &str, out: &mut Diagnostics) {
    let mut found = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        for (col, (at, c)) in line.char_indices().enumerate() {
            let windows_ending = c == '\r' && &line[at + 1..] == "\n";
            if !forbidden(c) || windows_ending {
                continue;
            }
            found += 1;
            if found <= MAX_REPORTED {
                let (what, help) = describe(c);
                out.push(
                    Diagnostic::error(
                        path,
                        Pos::new(i + 1, col + 1),
                        format!("the file holds {what}"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    if found > MAX_REPORTED {
        out.push(
            Diagnostic::error(
                path,
                Pos::default(),
                format!(
                    "{} more control characters after the {MAX_REPORTED} listed",
                    found - MAX_REPORTED
                ),
            )
            .with_help("save the file again as plain text (UTF-8), then check it"),
        );
    }
}

/// A count written the way people read it: `100,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A character refused in an input file.
pub fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n') || c == '\u{2028}' || c == '\u{2029}'
}

/// What a forbidden character is, and what to do about it.
fn describe(c: char) -> (String, String) {
    let code = format!("U+{:04X}", u32::from(c));
    let (what, help) = match c {
        '\0' => (
            format!("a NUL byte ({code})"),
            "the file is damaged, or was saved by a program that added binary data: open it in a text editor, save it again as plain text (UTF-8), and check that nothing after this point is missing",
        ),
        '\u{0b}' => (
            format!("a vertical tab ({code}), which Word inserts for Shift+Enter"),
            "replace it with a line break, or a space",
        ),
        '\u{0c}' => (
            format!("a form feed ({code}), a page break from a word processor"),
            "delete it; leave a blank line to start a new paragraph",
        ),
        '\r' => (
            format!("a carriage return ({code}) that does not end a line"),
            "the file mixes line endings: save it again with Windows or Unix line endings",
        ),
        '\u{1b}' => (
            format!("an escape character ({code}), which starts a terminal control sequence"),
            "delete it: it was copied from a terminal or another program's output",
        ),
        '\u{2028}' => (
            format!("a line separator ({code})"),
            "replace it with an ordinary line break",
        ),
        '\u{2029}' => (
            format!("a paragraph separator ({code})"),
            "replace it with a blank line",
        ),
        _ => (
            format!("an invisible control character ({code})"),
            "delete it: it was probably pasted from another program, and cannot go into an email",
        ),
    };
    (what, help.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Diagnostic> {
        let mut out = Diagnostics::default();
        check_characters(Path::new("t.yaml"), text, &mut out);
        out.0
    }

    #[test]
    fn windows_line_endings_pass_other_controls_do_not() {
        assert!(problems("title: a\r\ndate: b\r\n\tx\n").is_empty());
        let p = problems("title: a\nsummary: one\u{b}two\n");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].pos, Pos::new(2, 13));
        assert!(p[0].message.contains("vertical tab (U+000B)"), "{}", p[0]);
        assert_eq!(problems("a\rb\n")[0].pos, Pos::new(1, 2));
        assert_eq!(problems("ab\u{2028}")[0].pos, Pos::new(1, 3));
        assert_eq!(problems("\u{85}").len(), 1);
    }

    #[test]
    fn counts_read_like_counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(150_000), "150,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn many_controls_are_counted_not_listed() {
        let p = problems(&"\u{7}".repeat(25));
        assert_eq!(p.len(), MAX_REPORTED + 1);
        assert!(p[MAX_REPORTED].message.starts_with("5 more"));
    }
}
