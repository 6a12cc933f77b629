//! Where each line of a text starts, so that a check or a report about line n reads that line
//! without reading the text from the top again (with thousands of problems in a large file, that
//! rereading is what made `check` take minutes). The schema walker and the report both use it.

/// The byte offset at which each line of a text starts; line 1 starts at 0.
#[derive(Clone, Debug)]
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    /// `text` from the start of line `line` (1-based) to its end; empty past the last line.
    pub fn from<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = line
            .checked_sub(1)
            .and_then(|i| self.0.get(i))
            .map_or(text.len(), |&s| s);
        &text[start..]
    }

    /// Line `line` (1-based) of `text`, without its line ending (`\n` or `\r\n`). The line just
    /// past the last one is empty (the end of the text); lines beyond it are `None`.
    pub fn line<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let start = *self.0.get(line.checked_sub(1)?)?;
        let found = text[start..].split('\n').next().unwrap_or("");
        Some(found.strip_suffix('\r').unwrap_or(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_the_text_from_them() {
        let text = "a: 1\r\nb: 2\n\nc: 3";
        let index = LineIndex::new(text);
        assert_eq!(index.line(text, 1), Some("a: 1"));
        assert_eq!(index.line(text, 3), Some(""));
        assert_eq!(index.line(text, 4), Some("c: 3"));
        assert_eq!(index.line(text, 5), None);
        assert_eq!(index.line(text, 0), None);
        assert_eq!(index.from(text, 2), "b: 2\n\nc: 3");
        assert_eq!(index.from(text, 9), "");
    }
}
