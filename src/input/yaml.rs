//! The one place that parses YAML: text in, a tree of nodes that remember their line and column out.
//!
//! Every later check (unknown keys, wrong types, bad URLs) needs the position of the value it is
//! about, for every problem at once. `serde_yaml` (deprecated upstream) reports a position only for
//! the first error and keeps none after parsing, so this module builds its own positioned tree
//! from `yaml-rust2`'s marked events. Swapping the YAML crate means changing this file only.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::input::limits::{self, MAX_ENTRIES, MAX_YAML_DEPTH};

/// How a scalar was written, which decides whether `~` is null and whether a block is literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    /// A `|` or `>` block: its text starts on the line after the node's position.
    Block,
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
        out.push(
            Diagnostic::error(
                path,
                Pos::new(m.line().max(1), m.col() + 1),
                format!("YAML syntax error: {}", e.info()),
            )
            .with_help(syntax_help(e.info())),
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

fn syntax_help(info: &str) -> &'static str {
    if info.contains("mapping values are not allowed") {
        "a value containing `: ` must be put in quotes, or a key is indented wrongly"
    } else if info.contains("did not find expected key") || info.contains("block") {
        "check the indentation of this line and the one before it: items at the same level line up"
    } else if info.contains("quote") || info.contains("scalar") {
        "check the quotes on this line: a quoted value must end with the same quote it starts with"
    } else {
        "check this line and the one before it for indentation, quotes and stray characters"
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
                    TScalarStyle::Literal | TScalarStyle::Folded => Style::Block,
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
}
