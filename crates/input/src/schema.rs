//! The schema walker: reads a positioned YAML tree into typed values, collecting every problem
//! (unknown keys with "did you mean", missing keys, wrong types, text on one line, Markdown)
//! with its line and column. The bulletin, publisher and recipients loaders all walk with it.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::limits;
use crate::lines::LineIndex;
use crate::markdown;
use crate::yaml::{self, Node, Style, Value};
use bulletin_model::markdown::Markdown;

/// Walking state: the file being read and the problems found so far.
pub struct Ctx<'a> {
    pub path: &'a Path,
    pub source: &'a str,
    pub diags: &'a mut Diagnostics,
    /// Where each line of `source` starts, so that a check of one value reads from its own
    /// line rather than from the top of the file.
    lines: LineIndex,
}

impl<'a> Ctx<'a> {
    pub fn new(path: &'a Path, source: &'a str, diags: &'a mut Diagnostics) -> Ctx<'a> {
        Ctx {
            path,
            source,
            diags,
            lines: LineIndex::new(source),
        }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(self.path, pos, message).with_help(help));
    }

    /// The keys of a mapping, after reporting any key not in `allowed`. `None` (and an error)
    /// if the node is not a mapping.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                format!(
                    "{what} should be a set of `key: value` lines, but this is {}",
                    node.kind()
                ),
                format!("the keys allowed here are: {}", allowed.join(", ")),
            );
            return None;
        };
        let mut fields = Fields {
            pos: node.pos,
            what: what.to_string(),
            entries: Vec::new(),
            keys: Vec::new(),
        };
        for (key, value) in entries {
            let name = key.as_str().unwrap_or("");
            if allowed.contains(&name) {
                fields.entries.push((name, value));
                fields.keys.push(key.pos);
                continue;
            }
            let help = match did_you_mean(name, allowed) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the keys allowed here are: {}", allowed.join(", ")),
            };
            self.error(key.pos, format!("unknown key `{name}` in {what}"), help);
        }
        Some(fields)
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(self.path, pos, message).with_help(help));
    }

    /// Text a reader sees (titles, summaries, names, notes, bodies); wrong types are reported,
    /// and so is a comment after it on its line (`title: Issue #113` loses `#113`).
    pub fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.value(node, what)?;
        self.comment_after(node, what);
        Some(text)
    }

    /// A value that is not prose (an address, a date, a choice, a file name): read as text,
    /// but a `# note` after it is allowed, since the value is checked for what it is.
    pub fn value(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_str() {
            Some(s) if !node.is_null() => Some(s.trim_end_matches('\n').to_string()),
            _ => {
                self.error(
                    node.pos,
                    format!("{what} should be text, but this is {}", node.kind()),
                    "write it on the same line after the colon, or as a `|` block",
                );
                None
            }
        }
    }

    /// Text that must fit on one line (titles, names, link texts): no line breaks or other
    /// control characters, which would also be a way to forge email headers.
    pub fn line(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.text(node, what)?;
        self.one_line(node, what, text)
    }

    /// A value (as [`Ctx::value`]) that must fit on one line, such as a host name.
    pub(crate) fn value_line(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.value(node, what)?;
        self.one_line(node, what, text)
    }

    fn one_line(&mut self, node: &Node, what: &str, text: String) -> Option<String> {
        if text.contains(|c: char| c.is_control()) {
            self.error(
                node.pos,
                format!("{what} must be on one line"),
                "remove the line break (and any `|` or `>` before the text)",
            );
            return None;
        }
        Some(text.trim().to_string())
    }

    /// Reports a comment typed after plain text on its line: YAML drops everything from ` #`.
    /// `#` touching a word (`#113`, `#NHS`) is surely text, so an error; `# words` may be a
    /// note the writer meant to leave out, so a warning.
    fn comment_after(&mut self, node: &Node, what: &str) {
        let Some(extent) =
            yaml::plain_extent_from(self.lines.from(self.source, node.pos.line), node)
        else {
            return;
        };
        let Some(comment) = extent.comment else {
            return;
        };
        let mut shown: String = comment.text.chars().take(40).collect();
        if shown.len() < comment.text.len() {
            shown.push('…');
        }
        let message = format!(
            "{what} stops before `{shown}`: in YAML a space followed by # starts a comment, and the rest of the line is left out"
        );
        let quote = if extent.last_line == node.pos.line {
            format!(
                "put the text in double quotes: {}",
                quoted_line(
                    self.lines.line(self.source, node.pos.line).unwrap_or(""),
                    node
                )
            )
        } else {
            format!(
                "put the whole text in double quotes: a \" before its first word (line {}) and another at the end of line {}",
                node.pos.line, extent.last_line
            )
        };
        if comment.glued {
            self.error(comment.pos, message, quote);
        } else {
            self.warning(
                comment.pos,
                message,
                format!("if the words after # belong to the text, {quote}; if they are a note to yourself, move them to a line of their own"),
            );
        }
    }

    /// Reports text whose line breaks matter (bodies, notes, the address) written so that
    /// YAML joins its lines: plain text running over several lines, or a `>` block.
    pub(crate) fn line_breaks_kept(&mut self, node: &Node, what: &str) {
        let help = format!(
            "write `{}: |` and the text on the lines below, indented two spaces more than the key",
            key_name(what)
        );
        if let Some(extent) =
            yaml::plain_extent_from(self.lines.from(self.source, node.pos.line), node)
            && extent.last_line > node.pos.line
        {
            self.error(
                node.pos,
                format!("{what} runs over several lines without `|`, so its lines are joined into one: lists and paragraphs run together"),
                help,
            );
        } else if node.style() == Some(Style::Folded)
            && let Some((indicator, lines)) = yaml::block_extent(self.source, &self.lines, node)
            && lines > 1
        {
            self.error(
                indicator,
                format!("{what} is written with `>`, which joins its lines into one: lists and paragraphs run together"),
                "write `|` instead of `>`",
            );
        }
    }

    /// A one-line text of at most `max` characters, for text that goes into an email header,
    /// where a longer line is cut short or breaks the limit of 998 characters a line.
    pub(crate) fn short_line(
        &mut self,
        node: &Node,
        what: &str,
        max: usize,
        help: &str,
    ) -> Option<String> {
        let text = self.line(node, what)?;
        let length = text.chars().count();
        if length > max {
            self.error(
                node.pos,
                format!(
                    "{what} is {} characters long, more than the {max} allowed",
                    limits::thousands(length)
                ),
                help,
            );
            return None;
        }
        Some(text)
    }

    /// Parses Markdown held in `node`, reporting its problems at their place in the file.
    pub fn markdown(&mut self, node: &Node, what: &str) -> Option<Markdown> {
        let text = self.text(node, what)?;
        self.line_breaks_kept(node, what);
        let md = markdown::parse(&text);
        let offsets: Vec<usize> = md.problems.iter().map(|p| p.offset).collect();
        let places = self.positions_in(node, &text, &offsets);
        for (p, pos) in md.problems.iter().zip(places) {
            self.error(pos, p.message.clone(), p.help.clone());
        }
        for w in &md.warnings {
            let pos = self.pos_in(node, &text, w.offset);
            self.warning(pos, w.message.clone(), w.help.clone());
        }
        Some(md)
    }

    /// The file position of byte `offset` of a scalar's text.
    pub(crate) fn pos_in(&self, node: &Node, text: &str, offset: usize) -> Pos {
        self.positions_in(node, text, &[offset])[0]
    }

    /// The file positions of several byte offsets of a scalar's text, found in one pass over
    /// the text (one pass for each offset would take time growing with the square of a long
    /// body's length).
    pub(crate) fn positions_in(&self, node: &Node, text: &str, offsets: &[usize]) -> Vec<Pos> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let mut places = vec![Pos::default(); offsets.len()];
        // Line and column (in characters) within the text at byte `at`.
        let (mut at, mut line_in, mut col_in) = (0, 0, 0);
        for i in order {
            let offset = offsets[i].min(text.len());
            for c in text[at..offset].chars() {
                if c == '\n' {
                    line_in += 1;
                    col_in = 0;
                } else {
                    col_in += 1;
                }
            }
            at = at.max(offset);
            places[i] = self.place(node, text, line_in, col_in);
        }
        places
    }

    /// The file position of line `line_in`, column `col_in` (both from 0) of a scalar's text.
    fn place(&self, node: &Node, text: &str, line_in: usize, col_in: usize) -> Pos {
        match node.style() {
            // The marker of a `|` block is its first character of text; every line of the
            // text has that indentation. Leading blank lines are in the text but not counted.
            Some(Style::Block | Style::Folded) => {
                let skipped = text.len() - text.trim_start_matches('\n').len();
                Pos::new(
                    node.pos.line + line_in - skipped.min(line_in),
                    node.pos.col + col_in,
                )
            }
            Some(Style::Quoted) => Pos::new(
                node.pos.line + line_in,
                if line_in == 0 {
                    node.pos.col + 1 + col_in
                } else {
                    col_in + 1
                },
            ),
            _ => Pos::new(
                node.pos.line + line_in,
                if line_in == 0 {
                    node.pos.col + col_in
                } else {
                    col_in + 1
                },
            ),
        }
    }
}

/// `key: "the text"` for the line a plain value is on, with the key as written (for help).
/// `line` (the node's own line) with the value from the node on put in double quotes.
fn quoted_line(line: &str, node: &Node) -> String {
    let at = line
        .char_indices()
        .nth(node.pos.col.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let mut key = line[..at].trim_start();
    while let Some(rest) = key.strip_prefix("- ") {
        key = rest.trim_start();
    }
    let text = line[at..]
        .trim_end()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("{key}\"{text}\"")
}

/// `body` from "the message's `body`": the key inside the backticks of a description.
fn key_name(what: &str) -> &str {
    what.split('`').nth(1).unwrap_or(what)
}

/// The accepted keys of one mapping.
pub struct Fields<'n> {
    pub pos: Pos,
    pub what: String,
    pub entries: Vec<(&'n str, &'n Node)>,
    /// Where each of `entries`' keys is.
    keys: Vec<Pos>,
}

impl<'n> Fields<'n> {
    /// The value of a key, treating `key:` with nothing after it as absent.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// The value of a required key; its absence is reported.
    /// Text of nothing but spaces (`title: ""`) is as empty as no text.
    pub fn require(&self, ctx: &mut Ctx, key: &str, example: &str) -> Option<&'n Node> {
        let v = self.get(key);
        if let Some(n) = v
            && n.as_str().is_some_and(|s| s.trim().is_empty())
        {
            let help = match n.style() {
                Some(crate::yaml::Style::Block | crate::yaml::Style::Folded) => {
                    "write the text on the lines under it, indented two spaces more than the key"
                        .to_string()
                }
                _ => format!("write it between the quotes, e.g. `{key}: \"{example}\"`"),
            };
            ctx.error(n.pos, format!("`{key}` in {} is empty", self.what), help);
            return None;
        }
        if v.is_none() {
            match self.empty(key) {
                Some(pos) => ctx.error(
                    pos,
                    format!("`{key}` in {} is empty", self.what),
                    format!("write it after the colon, e.g. `{key}: {example}`"),
                ),
                None => ctx.error(
                    self.pos,
                    format!("{} has no `{key}`", self.what),
                    format!("add a line `{key}: {example}`"),
                ),
            }
        }
        v
    }

    /// Where a key is written but left empty (`key:` with nothing, or only a comment, after it):
    /// the key itself, as the empty value is placed where the next line starts (`colour: #7A1F5C`
    /// is empty on its own line, not on the line after it).
    pub fn empty(&self, key: &str) -> Option<Pos> {
        let i = self
            .entries
            .iter()
            .position(|(k, v)| *k == key && v.is_null())?;
        let (value, key) = (self.entries[i].1.pos, self.keys[i]);
        Some(if value.line == key.line { value } else { key })
    }
}
