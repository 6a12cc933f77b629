//! The one place that parses YAML: text in, a tree of nodes that remember their line and column out.
//!
//! Every later check (unknown keys, wrong types, bad URLs) needs the position of the value it is
//! about, for every problem at once. The tree is built here from `yaml-rust2`'s marked events.
//! Weighed and set aside: `serde_yaml` (deprecated upstream; a position only for the first
//! error and none after parsing); `marked-yaml` (spans on every node, but a finished tree with
//! its own rules: we need each scalar's style, plain, quoted or `|` block, to catch an unquoted
//! `#` or a folded body, and our own limits applied while the events arrive); `saphyr` (the
//! successor of `yaml-rust2` by its maintainers, still changing its API between 0.x releases).
//! Swapping the YAML crate means changing this file only.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::limits::{self, MAX_ENTRIES, MAX_YAML_DEPTH};
use crate::lines::LineIndex;
use crate::yaml_syntax;

/// How a scalar was written, which decides whether `~` is null and whether a block is literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    /// A `|` block: its text starts on the line after the node's position.
    Block,
    /// A `>` block, which joins its lines into one (its text starts like a `|` block's).
    Folded,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(String, Style),
    Seq(Vec<Node>),
    /// Keys in file order; a key is itself a node so that it has a position.
    Map(Vec<(Node, Node)>),
}

/// A YAML value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    /// The text of a scalar (of any style), or `None` for a list or mapping.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// `~`, `null` or nothing at all, written without quotes.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, Style::Plain) if s.is_empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    }

    pub fn style(&self) -> Option<Style> {
        match &self.value {
            Value::Scalar(_, style) => Some(*style),
            _ => None,
        }
    }

    /// A word for the kind of value, for messages like "expected text, found a list".
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Scalar(..) if self.is_null() => "nothing",
            Value::Scalar(..) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a set of keys",
        }
    }
}

/// Reads a file as UTF-8 and parses it, or says exactly why it cannot be.
pub fn load_file(path: &Path) -> Result<(String, Node), Diagnostics> {
    let mut out = Diagnostics::default();
    let bytes = match limits::read(path) {
        Ok(b) => b,
        Err(d) => {
            out.push(d);
            return Err(out);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            out.push(
                Diagnostic::error(path, Pos::new(line, col), "the file is not UTF-8 text")
                    .with_help("save it as UTF-8 (in most editors: Save As, then Encoding: UTF-8)"),
            );
            return Err(out);
        }
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let node = parse(path, &text)?;
    Ok((text, node))
}

/// Parses one YAML document. An empty document, tabs used for indentation, anchors, duplicate
/// keys and several documents in one file are errors.
pub fn parse(path: &Path, text: &str) -> Result<Node, Diagnostics> {
    let mut out = Diagnostics::default();
    // A NUL would end the text for the parser, silently dropping the rest of the file.
    limits::check_characters(path, text, &mut out);
    if out.has_errors() {
        return Err(out);
    }
    for (i, line) in text.lines().enumerate() {
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if let Some(col) = indent.find('\t') {
            out.push(
                Diagnostic::error(
                    path,
                    Pos::new(i + 1, col + 1),
                    "a tab is used for indentation",
                )
                .with_help("YAML indents with spaces only: replace the tab with spaces"),
            );
        } else if let Some(at) = line.find(":\t") {
            out.push(
                Diagnostic::error(
                    path,
                    Pos::new(i + 1, line[..at].chars().count() + 2),
                    "a tab follows the colon",
                )
                .with_help("YAML needs a space after the colon: replace the tab with a space"),
            );
        }
    }
    if out.has_errors() {
        return Err(out);
    }
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        out.push(
            Diagnostic::error(path, Pos::default(), "the file is empty")
                .with_help("start from a skeleton: bulletin new --date YYYY-MM-DD"),
        );
        return Err(out);
    }
    let mut builder = Builder {
        path,
        stack: Vec::new(),
        docs: Vec::new(),
        problems: Diagnostics::default(),
        stopped: false,
    };
    if let Err(e) = read_events(&mut Parser::new_from_str(text), &mut builder) {
        let m = e.marker();
        let explained = yaml_syntax::explain(text, e.info(), m.line(), m.col());
        out.push(
            Diagnostic::error(path, explained.pos, explained.message).with_help(explained.help),
        );
        return Err(out);
    }
    out.extend(builder.problems);
    if builder.docs.len() > 1 {
        out.push(
            Diagnostic::error(
                path,
                builder.docs[1].pos,
                "the file holds more than one YAML document",
            )
            .with_help("remove the `---` line: one file holds one bulletin"),
        );
    }
    if out.has_errors() {
        return Err(out);
    }
    match builder.docs.into_iter().next() {
        Some(doc) if !doc.is_null() => Ok(doc),
        _ => {
            out.push(Diagnostic::error(path, Pos::default(), "the file is empty"));
            Err(out)
        }
    }
}

/// Feeds the parser's events to the builder one at a time, until the end of the text or a limit.
/// (yaml-rust2's own `load` recurses once per level of nesting, and a few thousand nested lists
/// overflow the stack; its parser and scanner keep their state on the heap.)
fn read_events(
    parser: &mut Parser<std::str::Chars>,
    builder: &mut Builder,
) -> Result<(), ScanError> {
    while !builder.stopped {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            // The scanner's own limit: 255 open `[` or `{`.
            Err(e) if e.info() == "recursion limit exceeded" => {
                builder.too_deep(pos_of(*e.marker()));
                break;
            }
            Err(e) => return Err(e),
        };
        if event == Event::StreamEnd {
            break;
        }
        builder.on_event(event, mark);
    }
    Ok(())
}

fn pos_of(mark: Marker) -> Pos {
    Pos::new(mark.line(), mark.col() + 1)
}

enum Open {
    Seq(Pos, Vec<Node>),
    /// The entries so far, a key waiting for its value, and the line of each key seen.
    Map(Pos, Vec<(Node, Node)>, Option<Node>, HashMap<String, usize>),
}

struct Builder<'p> {
    path: &'p Path,
    stack: Vec<Open>,
    docs: Vec<Node>,
    problems: Diagnostics,
    /// A limit was reached (and reported): the rest of the file is not read.
    stopped: bool,
}

impl Builder<'_> {
    fn add(&mut self, node: Node) {
        if self.over_limit() {
            return;
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, entries, key, lines)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Some(name) = k.as_str() {
                        if let Some(first) = lines.get(name) {
                            self.problems.push(
                                Diagnostic::error(
                                    self.path,
                                    k.pos,
                                    format!("the key `{name}` appears twice here"),
                                )
                                .with_help(format!(
                                    "it is already given on line {first}: keep one"
                                )),
                            );
                        } else {
                            lines.insert(name.to_string(), k.pos.line);
                        }
                    }
                    entries.push((k, node));
                }
            },
        }
    }

    /// Opens a list or mapping, unless that nests too deeply.
    fn open(&mut self, open: Open, pos: Pos) {
        if self.stack.len() >= MAX_YAML_DEPTH {
            self.too_deep(pos);
            return;
        }
        self.stack.push(open);
    }

    fn too_deep(&mut self, pos: Pos) {
        self.stop(
            pos,
            format!("lists and keys are nested too deeply here (more than {MAX_YAML_DEPTH} levels)"),
            "a bulletin needs only a few levels: check the indentation and the `-`, `[` and `{` on this line",
        );
    }

    /// Whether the open list or mapping is full; if so, reports it and stops.
    fn over_limit(&mut self) -> bool {
        let (pos, len) = match self.stack.last() {
            Some(Open::Seq(pos, items)) => (*pos, items.len()),
            // A mapping's marker is its first colon: point at its first key.
            Some(Open::Map(pos, entries, ..)) => {
                (entries.first().map_or(*pos, |(k, _)| k.pos), entries.len())
            }
            None => return false,
        };
        if len < MAX_ENTRIES {
            return false;
        }
        self.stop(
            pos,
            format!(
                "this list or set of keys has more than {} entries",
                limits::thousands(MAX_ENTRIES)
            ),
            "check that this is the right file: no bulletin or mailing list needs that many",
        );
        true
    }

    fn stop(&mut self, pos: Pos, message: String, help: &str) {
        self.problems
            .push(Diagnostic::error(self.path, pos, message).with_help(help));
        self.stopped = true;
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = pos_of(mark);
        match ev {
            Event::Scalar(text, style, _, _) => {
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => Style::Quoted,
                    TScalarStyle::Literal => Style::Block,
                    TScalarStyle::Folded => Style::Folded,
                };
                self.add(Node {
                    value: Value::Scalar(text, style),
                    pos,
                });
            }
            Event::SequenceStart(..) => self.open(Open::Seq(pos, Vec::new()), pos),
            Event::MappingStart(..) => {
                self.open(Open::Map(pos, Vec::new(), None, HashMap::new()), pos)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(pos, items)) => Node {
                        value: Value::Seq(items),
                        pos,
                    },
                    // A mapping's marker is its first colon; point at its first key instead.
                    Some(Open::Map(pos, entries, ..)) => Node {
                        pos: entries.first().map_or(pos, |(k, _)| k.pos),
                        value: Value::Map(entries),
                    },
                    None => return,
                };
                self.add(node);
            }
            Event::Alias(_) => {
                self.problems.push(
                    Diagnostic::error(
                        self.path,
                        pos,
                        "anchors and aliases (`&name`, `*name`) are not supported",
                    )
                    .with_help("write the value out in full"),
                );
                self.add(Node {
                    value: Value::Scalar(String::new(), Style::Plain),
                    pos,
                });
            }
            _ => {}
        }
    }
}

/// A comment typed after a plain (unquoted) value on the same line: `title: Issue #113` is read
/// as `Issue`, and `#113` is dropped. YAML parsers report no comments, so this is read from the
/// source text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TrailingComment {
    /// Where the `#` is.
    pub pos: Pos,
    /// From the `#` to the end of the line.
    pub text: String,
    /// The `#` touches the next character (`#113`, `#NHS`), as in text, not as in `# a note`.
    pub glued: bool,
}

/// Where a plain (unquoted) value ends in the source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlainExtent {
    /// The line of its last word (equal to the node's line for a value on one line).
    pub last_line: usize,
    /// A comment after its last word, on that line.
    pub comment: Option<TrailingComment>,
}

/// Finds a plain value's last line and any comment after it by matching the value's words
/// against the source from the node's position. `None` for other values, and when the source
/// does not match (a value inside `[...]`, for one), so that nothing is reported by mistake.
#[cfg(test)]
pub(crate) fn plain_extent(source: &str, node: &Node) -> Option<PlainExtent> {
    let skip = node.pos.line.checked_sub(1)?;
    let start = source.split_inclusive('\n').take(skip).map(str::len).sum();
    plain_extent_from(&source[start..], node)
}

/// [`plain_extent`] given the source from the start of the node's line (which the schema
/// walker finds without reading the file from the top each time).
pub(crate) fn plain_extent_from(source: &str, node: &Node) -> Option<PlainExtent> {
    let Value::Scalar(value, Style::Plain) = &node.value else {
        return None;
    };
    if node.is_null() {
        return None;
    }
    let want: Vec<&str> = value.split_whitespace().collect();
    let mut matched = 0;
    let first_line = node.pos.line.checked_sub(1)?;
    for (i, line) in source.lines().enumerate().map(|(i, l)| (i + first_line, l)) {
        let first = i + 1 == node.pos.line;
        let start = if first {
            line.char_indices().nth(node.pos.col.checked_sub(1)?)?.0
        } else {
            0
        };
        let segment = &line[start..];
        let hash = comment_start(segment);
        let content = &segment[..hash.unwrap_or(segment.len())];
        for word in content.split_whitespace() {
            if want.get(matched) != Some(&word) {
                return None;
            }
            matched += 1;
        }
        if matched == want.len() {
            let comment = hash.map(|h| {
                let at = start + h;
                TrailingComment {
                    pos: Pos::new(i + 1, line[..at].chars().count() + 1),
                    text: line[at..].trim_end().to_string(),
                    glued: line[at + 1..].starts_with(|c: char| !c.is_whitespace()),
                }
            });
            return Some(PlainExtent {
                last_line: i + 1,
                comment,
            });
        }
        if hash.is_some() {
            // A comment ends a plain value; this one ended before all its words were seen.
            return None;
        }
    }
    None
}

/// The byte offset of a comment in a piece of a line: a `#` at its start or after a space.
fn comment_start(segment: &str) -> Option<usize> {
    let mut after_space = true;
    for (i, c) in segment.char_indices() {
        if c == '#' && after_space {
            return Some(i);
        }
        after_space = c == ' ' || c == '\t';
    }
    None
}

/// For a `|` or `>` block: where its indicator is (`|` or `>`, on the line before its text)
/// and how many lines of text it has. `None` for other values.
pub(crate) fn block_extent(source: &str, lines: &LineIndex, node: &Node) -> Option<(Pos, usize)> {
    if !matches!(node.style(), Some(Style::Block | Style::Folded)) {
        return None;
    }
    let first = node.pos.line.checked_sub(1)?;
    let indent = node.pos.col.saturating_sub(1);
    let text_lines = lines
        .from(source, node.pos.line)
        .lines()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .filter(|l| !l.trim().is_empty())
        .count();
    // The line with the `|` or `>`: the last one before the text that is not blank.
    let (n, header) = (1..=first)
        .rev()
        .filter_map(|n| Some((n - 1, lines.line(source, n)?)))
        .find(|(_, l)| !l.trim().is_empty())?;
    let at = header.char_indices().find_map(|(i, c)| {
        let rest = header[i + c.len_utf8()..]
            .trim_start_matches(['+', '-', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        let rest = rest.trim_start();
        ((c == '|' || c == '>') && (rest.is_empty() || rest.starts_with('#'))).then_some(i)
    })?;
    Some((
        Pos::new(n + 1, header[..at].chars().count() + 1),
        text_lines,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Node, Diagnostics> {
        parse(Path::new("t.yaml"), text)
    }

    #[test]
    fn keeps_positions() {
        let n = p("title: Hello\nsections:\n  - title: A\n    body: |\n      text\n").unwrap();
        let Value::Map(entries) = &n.value else {
            panic!()
        };
        assert_eq!(entries[0].0.pos, Pos::new(1, 1));
        assert_eq!(entries[0].1.pos, Pos::new(1, 8));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        let Value::Map(sec) = &items[0].value else {
            panic!()
        };
        assert_eq!(sec[0].0.pos, Pos::new(3, 5));
        assert_eq!(sec[1].1.style(), Some(Style::Block));
        assert_eq!(sec[1].1.as_str(), Some("text\n"));
    }

    #[test]
    fn reports_tabs_duplicates_and_syntax() {
        let e = p("title: a\n\tdate: b\n").unwrap_err();
        assert_eq!(e.0[0].pos, Pos::new(2, 1));
        let e = p("title: a\ntitle: b\n").unwrap_err();
        assert_eq!(e.0[0].pos.line, 2);
        let e = p("title: a\n  date: b: c\n").unwrap_err();
        assert_eq!(e.0[0].pos.line, 2, "{e}");
        assert!(p("# only a comment\n").is_err());
    }

    /// The value of `key` in a one-level mapping.
    fn value_of(root: &Node, key: &str) -> Node {
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v.clone())
            .unwrap()
    }

    #[test]
    fn finds_a_comment_after_a_plain_value_on_its_line() {
        let src = "title: Issue #113 - winter\nsummary: Winter  # a note\nnote: «é» #x\n";
        let n = p(src).unwrap();
        let c = plain_extent(src, &value_of(&n, "title"))
            .unwrap()
            .comment
            .unwrap();
        assert_eq!((c.pos, c.glued), (Pos::new(1, 14), true));
        assert_eq!(c.text, "#113 - winter");
        let c = plain_extent(src, &value_of(&n, "summary"))
            .unwrap()
            .comment
            .unwrap();
        assert_eq!((c.pos, c.glued), (Pos::new(2, 18), false));
        // Columns count characters, not bytes.
        let c = plain_extent(src, &value_of(&n, "note"))
            .unwrap()
            .comment
            .unwrap();
        assert_eq!(c.pos, Pos::new(3, 11));
    }

    #[test]
    fn no_comment_is_found_where_there_is_none_to_report() {
        let src = "a: \"Issue #113\" # quoted\nb: C#sharp\nc: one\n# on its own line\nd: [x, y] # flow\ne: # nothing\n";
        let n = p(src).unwrap();
        assert_eq!(plain_extent(src, &value_of(&n, "a")), None);
        let b = plain_extent(src, &value_of(&n, "b")).unwrap();
        assert_eq!((b.last_line, b.comment), (2, None));
        assert_eq!(plain_extent(src, &value_of(&n, "c")).unwrap().comment, None);
        let Value::Seq(items) = value_of(&n, "d").value else {
            panic!()
        };
        assert!(items.iter().all(|i| plain_extent(src, i).is_none()));
        assert_eq!(plain_extent(src, &value_of(&n, "e")), None);
    }

    #[test]
    fn a_plain_value_over_several_lines_ends_on_its_last_word() {
        let src = "body: First line\n  second line\n\n  third #NHS\nnext: x\n";
        let n = p(src).unwrap();
        let e = plain_extent(src, &value_of(&n, "body")).unwrap();
        assert_eq!(e.last_line, 4);
        assert_eq!(e.comment.unwrap().pos, Pos::new(4, 9));
    }

    #[test]
    fn finds_the_indicator_and_lines_of_a_block() {
        let src = "body: >  # folded\n\n  one\n  two\n\n  three\nnext: x\n";
        let n = p(src).unwrap();
        let body = value_of(&n, "body");
        assert_eq!(body.style(), Some(Style::Folded));
        assert_eq!(
            block_extent(src, &LineIndex::new(src), &body),
            Some((Pos::new(1, 7), 3))
        );
        let src = "- body: |-\n    one\n";
        let n = p(src).unwrap();
        let Value::Seq(items) = &n.value else {
            panic!()
        };
        let body = value_of(&items[0], "body");
        assert_eq!(
            block_extent(src, &LineIndex::new(src), &body),
            Some((Pos::new(1, 9), 1))
        );
    }
}
