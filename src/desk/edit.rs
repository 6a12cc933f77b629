//! Writing the desk's form back into the bulletin's YAML without disturbing anything that was not
//! edited: comments, key order, quoting, blank lines and every untouched value stay byte for
//! byte. A changed value replaces only its own lines (`key: value`, or a `|` block); a new key is
//! inserted after the key that comes before it in the format's order; a new section, link or
//! key date inserts its lines; removing or moving items moves each item's own text (with the
//! comment lines above it).
//!
//! Weighed: re-serialising the tree (what Decap CMS does, losing every comment: its issue
//! #5099); `yaml-edit` (a lossless rowan syntax tree, as toml_edit is for TOML: a second YAML
//! parser in the program, whose reading could differ from the loader's, and a young API); and
//! the positions the loader already has ([`crate::input::yaml`]): each key's line and column and
//! each value's style, from the one parser every command uses. The last is used: the text is
//! cut at the keys' positions, so what `check` reads and what the desk edits are the same nodes.
//! Every rewrite is verified before it is written: the new text is parsed again and must read
//! back as exactly the form that was asked for ([`rewrite`]), or nothing is written.

use std::ops::Range;

use crate::input::bulletin::{BULLETIN_KEYS, DATE_KEYS, LINK_KEYS, MESSAGE_KEYS, SECTION_KEYS};
use crate::input::lines::LineIndex;
use crate::input::yaml::{Node, Style, Value};

use super::form::{DateForm, Form, Kind, LinkForm, MessageForm, SectionForm, normalize, read};

/// Why a form could not be written into the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error(
        "the file is written in a way the desk cannot change safely ({0}): change it in a text editor"
    )]
    Unsupported(String),
    #[error("the change did not read back as typed ({0}): nothing was written")]
    NotRoundTrip(String),
}

/// The new text of a bulletin whose YAML is `text` (parsed as `root`) once `form` is written in.
/// The result is parsed again and must read back as `form`.
pub fn rewrite(text: &str, root: &Node, form: &Form) -> Result<String, EditError> {
    let editor = Editor::new(text);
    let mut out = Vec::new();
    editor.root(root, form, &mut out)?;
    let new = apply(text, 0..text.len(), out);
    let path = std::path::Path::new("bulletin.yaml");
    let reread = crate::input::yaml::parse(path, &new)
        .map_err(|d| EditError::NotRoundTrip(d.to_string().trim().to_string()))?;
    let (want, got) = (form.values(), Form::read(&reread).values());
    if want != got {
        return Err(EditError::NotRoundTrip(format!(
            "asked for {want:?}, read {got:?}"
        )));
    }
    Ok(new)
}

/// A piece of the text replaced by another.
#[derive(Debug)]
struct Splice {
    at: Range<usize>,
    text: String,
}

/// `text[range]` with the splices (all inside it, not overlapping) made.
fn apply(text: &str, range: Range<usize>, mut splices: Vec<Splice>) -> String {
    splices.sort_by_key(|s| s.at.start);
    let mut out = String::new();
    let mut at = range.start;
    for s in splices {
        out.push_str(&text[at..s.at.start]);
        out.push_str(&s.text);
        at = s.at.end;
    }
    out.push_str(&text[at..range.end]);
    out
}

/// A mapping of the file, with where its text is.
struct Map<'n> {
    entries: &'n [(Node, Node)],
    /// Where its text ends: the start of what follows it.
    end: usize,
    /// The column of its keys (0-based, in bytes: keys follow spaces and `- `).
    indent: usize,
    order: &'static [&'static str],
}

struct Editor<'t> {
    text: &'t str,
    lines: LineIndex,
    nl: &'static str,
}

impl<'t> Editor<'t> {
    fn new(text: &'t str) -> Editor<'t> {
        Editor {
            text,
            lines: LineIndex::new(text),
            nl: if text.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }

    fn line_start(&self, line: usize) -> usize {
        self.text.len() - self.lines.from(self.text, line).len()
    }

    /// The byte offset of a node's position.
    fn offset(&self, node: &Node) -> usize {
        let start = self.line_start(node.pos.line);
        let col = node.pos.col.saturating_sub(1);
        start
            + self.text[start..]
                .char_indices()
                .nth(col)
                .map_or(self.text.len() - start, |(i, _)| i)
    }

    /// Just after the line break that ends the line `at` is on.
    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i + 1)
    }

    fn map<'n>(
        &self,
        node: &'n Node,
        end: usize,
        order: &'static [&'static str],
    ) -> Option<Map<'n>> {
        match &node.value {
            Value::Map(entries) if !entries.is_empty() => Some(Map {
                entries,
                end,
                indent: entries[0].0.pos.col.saturating_sub(1),
                order,
            }),
            _ => None,
        }
    }

    /// Where entry `i`'s text starts (its key) and where the next one's starts.
    fn region(&self, map: &Map, i: usize) -> Range<usize> {
        let start = self.offset(&map.entries[i].0);
        let end = match map.entries.get(i + 1) {
            Some((k, _)) => self.line_start(k.pos.line),
            None => map.end,
        };
        start..end.max(start)
    }

    /// Where entry `i`'s value ends: after its last line of content, before the blank lines
    /// and comments that follow it.
    fn value_end(&self, map: &Map, i: usize) -> usize {
        let region = self.region(map, i);
        let value = &map.entries[i].1;
        match &value.value {
            Value::Map(_) => match self.map(value, region.end, &[]) {
                Some(inner) => self.value_end(&inner, inner.entries.len() - 1),
                None => self.content_end(region, map.indent, false),
            },
            Value::Seq(items) if !items.is_empty() => {
                self.item_end(items, items.len() - 1, region.end)
            }
            _ => {
                let block = matches!(value.style(), Some(Style::Block | Style::Folded));
                self.content_end(region, map.indent, block)
            }
        }
    }

    /// The end of the last line of `region` that is content: not blank, and not a comment
    /// (inside a `|` block, a `#` line indented more than the key is text).
    fn content_end(&self, region: Range<usize>, indent: usize, block: bool) -> usize {
        let mut last = self
            .line_end(region.start)
            .min(region.end.max(region.start));
        let mut at = last;
        while at < region.end {
            let end = self.line_end(at).min(region.end);
            let line = &self.text[at..end];
            let trimmed = line.trim();
            let own_indent = line.len() - line.trim_start().len();
            let comment = trimmed.starts_with('#') && (!block || own_indent <= indent);
            if !trimmed.is_empty() && !comment {
                last = end;
            }
            at = end;
        }
        last
    }

    /// The start of item `j` of a list: the start of the line of its `- `.
    fn item_start(&self, items: &[Node], j: usize) -> Result<usize, EditError> {
        let key = self.offset(&items[j]);
        let line = self.line_start(items[j].pos.line);
        let before = &self.text[line..key];
        if before.contains('-') && before.chars().all(|c| c == ' ' || c == '-') {
            Ok(line)
        } else {
            Err(EditError::Unsupported(format!(
                "a list item on line {} does not start with `- `",
                items[j].pos.line
            )))
        }
    }

    fn item_map<'n>(
        &self,
        items: &'n [Node],
        j: usize,
        end: usize,
        order: &'static [&'static str],
    ) -> Result<Map<'n>, EditError> {
        let end = match items.get(j + 1) {
            Some(next) => self.line_start(next.pos.line),
            None => end,
        };
        self.map(&items[j], end, order).ok_or_else(|| {
            EditError::Unsupported(format!("line {} is not a set of keys", items[j].pos.line))
        })
    }

    /// The end of item `j`: its last value, and the comment lines right after it indented under
    /// its `-` (a note under its last key, or keys `bulletin new` writes commented out), which
    /// are the item's own: an item added after it goes after them, and they move with it.
    fn item_end(&self, items: &[Node], j: usize, end: usize) -> usize {
        let Ok(m) = self.item_map(items, j, end, &[]) else {
            return end;
        };
        let mut at = self.value_end(&m, m.entries.len() - 1);
        let Ok(start) = self.item_start(items, j) else {
            return at;
        };
        let dash = self.text[start..].find('-').unwrap_or(0);
        let limit = end.min(self.text.len());
        while at < limit {
            let line = &self.text[at..self.line_end(at)];
            let indent = line.len() - line.trim_start_matches(' ').len();
            if !(line.trim_start().starts_with('#') && indent > dash) {
                break;
            }
            at = self.line_end(at);
        }
        at
    }

    fn find(map: &Map, key: &str) -> Option<usize> {
        map.entries
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))
    }

    /// Where a new `key` goes: after the value of the last key before it in the format's order
    /// (else after the first key), so that the file keeps the order the format documents.
    fn insert_at(&self, map: &Map, key: &str) -> usize {
        let rank = |k: &str| map.order.iter().position(|o| *o == k);
        let mine = rank(key);
        let before = map
            .entries
            .iter()
            .rposition(
                |(k, _)| matches!((k.as_str().and_then(rank), mine), (Some(a), Some(b)) if a < b),
            )
            .unwrap_or(0);
        self.value_end(map, before)
    }

    fn insert(&self, at: usize, text: String, out: &mut Vec<Splice>) {
        let text = if at > 0 && !self.text[..at].ends_with('\n') {
            format!("{}{text}", self.nl)
        } else {
            text
        };
        out.push(Splice { at: at..at, text });
    }

    /// Removes entry `i` with its lines (the key must start its line).
    fn delete(&self, map: &Map, i: usize, out: &mut Vec<Splice>) -> Result<(), EditError> {
        let key = &map.entries[i].0;
        let line = self.line_start(key.pos.line);
        if !self.text[line..self.offset(key)].trim().is_empty() {
            return Err(EditError::Unsupported(format!(
                "`{}` on line {} shares its line",
                key.as_str().unwrap_or(""),
                key.pos.line
            )));
        }
        // Between blank lines, the blank lines after it go too: one blank line stays.
        let mut end = self.value_end(map, i);
        if self.text[..line].ends_with("\n\n") || self.text[..line].ends_with("\n\r\n") {
            while end < map.end && self.text[end..self.line_end(end)].trim().is_empty() {
                end = self.line_end(end);
            }
        }
        out.push(Splice {
            at: line..end,
            text: String::new(),
        });
        Ok(())
    }

    /// Writes one field: replaces its value's lines if it changed, inserts it if it is new,
    /// removes it if it was emptied (unless `required`: then it is written empty).
    fn scalar(
        &self,
        map: &Map,
        key: &'static str,
        new: &str,
        kind: Kind,
        required: bool,
        out: &mut Vec<Splice>,
    ) -> Result<(), EditError> {
        let new = normalize(new, kind);
        match Self::find(map, key) {
            Some(i) => {
                let value = &map.entries[i].1;
                if read(Some(value), kind) == new {
                    return Ok(());
                }
                if !matches!(value.value, Value::Scalar(..)) {
                    return Err(EditError::Unsupported(format!(
                        "`{key}` on line {} is not text",
                        value.pos.line
                    )));
                }
                if new.is_empty() && !required {
                    return self.delete(map, i, out);
                }
                let quote = self.text[self.offset(value)..].chars().next();
                let old = match value.style() {
                    Some(Style::Quoted) if quote == Some('\'') => Written::Single,
                    Some(Style::Quoted) => Written::Double,
                    Some(Style::Block | Style::Folded) => Written::Block,
                    _ if value.is_null() => Written::New,
                    _ => Written::Plain,
                };
                let region = self.region(map, i);
                out.push(Splice {
                    at: region.start..self.value_end(map, i),
                    text: self.entry(key, &new, kind, map.indent, old),
                });
            }
            None if new.is_empty() && !required => {}
            None => {
                let at = self.insert_at(map, key);
                let text = format!(
                    "{}{}",
                    " ".repeat(map.indent),
                    self.entry(key, &new, kind, map.indent, Written::New)
                );
                // `bulletin new` writes some keys as a comment where they go (`# issue: 113
                // (the issue number, ...)`): given a value, the key takes that line's place.
                let line =
                    &self.text[at.min(self.text.len())..self.line_end(at.min(self.text.len()))];
                let commented = line
                    .trim_start()
                    .strip_prefix('#')
                    .is_some_and(|rest| rest.trim_start().starts_with(&format!("{key}:")))
                    && line.len() - line.trim_start().len() == map.indent;
                if commented {
                    out.push(Splice {
                        at: at..self.line_end(at),
                        text,
                    });
                    return Ok(());
                }
                self.insert(at, text, out);
            }
        }
        Ok(())
    }

    /// `key: value` and its line break, with any further lines indented under the key.
    fn entry(&self, key: &str, value: &str, kind: Kind, indent: usize, old: Written) -> String {
        let nl = self.nl;
        let block = match kind {
            Kind::Text => value.contains('\n') || old == Written::Block || old == Written::New,
            Kind::Note => value.contains('\n') || old == Written::Block,
            _ => false,
        };
        if block && !value.is_empty() {
            let pad = " ".repeat(indent + 2);
            let first = value.split('\n').find(|l| !l.is_empty()).unwrap_or("");
            let indicator = if first.starts_with(' ') { "2" } else { "" };
            let mut s = format!("{key}: |{indicator}{nl}");
            for line in value.split('\n') {
                if !line.is_empty() {
                    s.push_str(&pad);
                    s.push_str(line);
                }
                s.push_str(nl);
            }
            return s;
        }
        let written = match old {
            Written::Single if !value.chars().any(char::is_control) => {
                format!("'{}'", value.replace('\'', "''"))
            }
            Written::Double => double_quoted(value),
            _ if kind == Kind::Time && old == Written::New => double_quoted(value),
            _ if plain_ok(value) => value.to_string(),
            _ => double_quoted(value),
        };
        format!("{key}: {written}{nl}")
    }

    fn root(&self, root: &Node, form: &Form, out: &mut Vec<Splice>) -> Result<(), EditError> {
        let map = self
            .map(root, self.text.len(), BULLETIN_KEYS)
            .ok_or_else(|| EditError::Unsupported("the file is not a set of keys".into()))?;
        self.scalar(&map, "title", &form.title, Kind::Line, true, out)?;
        self.scalar(&map, "date", &form.date, Kind::Date, true, out)?;
        self.scalar(&map, "issue", &form.issue, Kind::Number, false, out)?;
        self.scalar(&map, "summary", &form.summary, Kind::Line, false, out)?;
        self.message(&map, form.message.as_ref(), out)?;
        self.list(&map, "sections", &form.sections, true, out)
    }

    fn message(
        &self,
        map: &Map,
        form: Option<&MessageForm>,
        out: &mut Vec<Splice>,
    ) -> Result<(), EditError> {
        let form = form.filter(|m| **m != MessageForm::default());
        match (Self::find(map, "message"), form) {
            (None, None) => Ok(()),
            (Some(i), None) => self.delete(map, i, out),
            (None, Some(m)) => {
                let at = self.insert_at(map, "message");
                let text = self.fresh_message(m, map.indent);
                self.insert(at, text, out);
                Ok(())
            }
            (Some(i), Some(m)) => {
                let region = self.region(map, i);
                let Some(inner) = self.map(&map.entries[i].1, region.end, MESSAGE_KEYS) else {
                    return Err(EditError::Unsupported(
                        "`message` is not a set of keys".into(),
                    ));
                };
                self.message_fields(&inner, m, out)
            }
        }
    }

    fn message_fields(
        &self,
        map: &Map,
        m: &MessageForm,
        out: &mut Vec<Splice>,
    ) -> Result<(), EditError> {
        self.scalar(map, "title", &m.title, Kind::Line, false, out)?;
        self.scalar(map, "author", &m.author, Kind::Line, true, out)?;
        self.scalar(map, "role", &m.role, Kind::Line, false, out)?;
        self.scalar(map, "after", &m.after, Kind::Line, false, out)?;
        self.scalar(map, "body", &m.body, Kind::Text, true, out)
    }

    fn fresh_message(&self, m: &MessageForm, indent: usize) -> String {
        let pad = " ".repeat(indent + 2);
        let mut s = format!("{}message:{}", " ".repeat(indent), self.nl);
        let fields = [
            ("title", &m.title, Kind::Line, false),
            ("author", &m.author, Kind::Line, true),
            ("role", &m.role, Kind::Line, false),
            ("after", &m.after, Kind::Line, false),
            ("body", &m.body, Kind::Text, true),
        ];
        for (key, value, kind, required) in fields {
            let value = normalize(value, kind);
            if required || !value.is_empty() {
                s.push_str(&pad);
                s.push_str(&self.entry(key, &value, kind, indent + 2, Written::New));
            }
        }
        s
    }

    /// Writes a list (sections, links or dates): item by item in place when the items are the
    /// file's own in their order; otherwise the list is put together again from each kept
    /// item's own text (edited) and the new items' lines.
    fn list<T: Item>(
        &self,
        map: &Map,
        key: &'static str,
        new: &[T],
        required: bool,
        out: &mut Vec<Splice>,
    ) -> Result<(), EditError> {
        let Some(i) = Self::find(map, key) else {
            if !new.is_empty() {
                let at = self.insert_at(map, key);
                let text = self.fresh_list(key, new, map.indent);
                self.insert(at, text, out);
            }
            return Ok(());
        };
        let value = &map.entries[i].1;
        let region = self.region(map, i);
        let items: &[Node] = match &value.value {
            Value::Seq(items) if !items.is_empty() => items,
            _ if value.is_null() || matches!(&value.value, Value::Seq(_)) => {
                if new.is_empty() {
                    return Ok(());
                }
                let mut text = self.fresh_list(key, new, map.indent);
                text.drain(..map.indent);
                out.push(Splice {
                    at: region.start..self.value_end(map, i),
                    text,
                });
                return Ok(());
            }
            _ => {
                return Err(EditError::Unsupported(format!(
                    "`{key}` on line {} is not a list",
                    value.pos.line
                )));
            }
        };
        if new.is_empty() && !required {
            return self.delete(map, i, out);
        }
        let origs: Vec<Option<usize>> = new.iter().map(Item::orig).collect();
        let same =
            origs.len() == items.len() && origs.iter().enumerate().all(|(j, o)| *o == Some(j));
        if same {
            for (j, item) in new.iter().enumerate() {
                let m = self.item_map(items, j, region.end, T::ORDER)?;
                item.edit(self, &m, out)?;
            }
            return Ok(());
        }
        let starts = (0..items.len())
            .map(|j| self.item_start(items, j))
            .collect::<Result<Vec<_>, _>>()?;
        let ends: Vec<usize> = (0..items.len())
            .map(|j| self.item_end(items, j, region.end))
            .collect();
        let gap = |k: usize| &self.text[ends[k - 1]..starts[k]];
        let blank_only = |g: &str| {
            g.split_inclusive('\n')
                .filter(|l| l.trim().is_empty())
                .collect::<String>()
        };
        let default_gap = if items.len() > 1 {
            blank_only(gap(1))
        } else {
            String::new()
        };
        let dash = starts[0];
        let dash_indent = self.text[dash..].find('-').unwrap_or(0);
        let mut built = String::new();
        for (j, item) in new.iter().enumerate() {
            let orig = item.orig().filter(|&k| k < items.len());
            match (j, orig) {
                (0, Some(k)) if k > 0 => {
                    let g = gap(k);
                    let comments = g.split_inclusive('\n').skip_while(|l| l.trim().is_empty());
                    built.extend(comments);
                }
                (0, _) => {}
                (_, Some(k)) if k > 0 => built.push_str(gap(k)),
                _ => built.push_str(&default_gap),
            }
            match orig {
                Some(k) => {
                    let m = self.item_map(items, k, region.end, T::ORDER)?;
                    let mut inner = Vec::new();
                    item.edit(self, &m, &mut inner)?;
                    built.push_str(&apply(self.text, starts[k]..ends[k], inner));
                }
                None => built.push_str(&item.fresh(self, dash_indent)),
            }
        }
        out.push(Splice {
            at: dash..ends[items.len() - 1],
            text: built,
        });
        Ok(())
    }

    /// `key:` and its items, on new lines at `indent`.
    fn fresh_list<T: Item>(&self, key: &str, items: &[T], indent: usize) -> String {
        let mut s = format!("{}{key}:{}", " ".repeat(indent), self.nl);
        for item in items {
            s.push_str(&item.fresh(self, indent + 2));
        }
        s
    }

    /// A new item's lines: `- first: ...` at `dash`, the other keys under it.
    fn fresh_item(&self, dash: usize, fields: &[(&str, &str, Kind, bool)]) -> String {
        let mut s = format!("{}- ", " ".repeat(dash));
        let mut first = true;
        for (key, value, kind, required) in fields {
            let value = normalize(value, *kind);
            if !(first || *required || !value.is_empty()) {
                continue;
            }
            if !first {
                s.push_str(&" ".repeat(dash + 2));
            }
            s.push_str(&self.entry(key, &value, *kind, dash + 2, Written::New));
            first = false;
        }
        s
    }
}

/// Which lines of the file each form field takes, as `(field, first line, last line)`: the
/// field is named as the page names it (`title`, `message.body`, `sections.2.links.0.url`), so
/// that a problem `check` finds on a line is shown at its field.
pub fn field_lines(text: &str, root: &Node) -> Vec<(String, usize, usize)> {
    let ed = Editor::new(text);
    let mut out = Vec::new();
    if let Some(map) = ed.map(root, text.len(), BULLETIN_KEYS) {
        ed.spans(&map, "", &mut out);
    }
    out
}

impl Editor<'_> {
    fn line_of(&self, at: usize) -> usize {
        self.text[..at.min(self.text.len())].matches('\n').count() + 1
    }

    fn spans(&self, map: &Map, prefix: &str, out: &mut Vec<(String, usize, usize)>) {
        for (i, (key, value)) in map.entries.iter().enumerate() {
            let Some(name) = key.as_str() else { continue };
            let id = format!("{prefix}{name}");
            let end = self.value_end(map, i);
            out.push((
                id.clone(),
                key.pos.line,
                self.line_of(end.saturating_sub(1)),
            ));
            let region = self.region(map, i);
            match &value.value {
                Value::Map(_) => {
                    if let Some(inner) = self.map(value, region.end, &[]) {
                        self.spans(&inner, &format!("{id}."), out);
                    }
                }
                Value::Seq(items) => {
                    for j in 0..items.len() {
                        let Ok(m) = self.item_map(items, j, region.end, &[]) else {
                            continue;
                        };
                        let last = self.value_end(&m, m.entries.len() - 1);
                        out.push((
                            format!("{id}.{j}"),
                            items[j].pos.line,
                            self.line_of(last.saturating_sub(1)),
                        ));
                        self.spans(&m, &format!("{id}.{j}."), out);
                    }
                }
                Value::Scalar(..) => {}
            }
        }
    }
}

/// How a value was written, which its new value keeps where it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Written {
    New,
    Plain,
    Single,
    Double,
    Block,
}

/// Whether `value` can be written without quotes and read back the same.
fn plain_ok(value: &str) -> bool {
    let special = [
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`',
    ];
    !value.is_empty()
        && value.trim() == value
        && !value.starts_with(special)
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.chars().any(|c| c.is_control() || c == '\u{feff}')
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

fn double_quoted(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            c if c.is_control() => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// A list item of the form: a section, a link or a key date.
trait Item {
    const ORDER: &'static [&'static str];
    fn orig(&self) -> Option<usize>;
    /// Writes its fields into its own mapping in the file.
    fn edit(&self, ed: &Editor, map: &Map, out: &mut Vec<Splice>) -> Result<(), EditError>;
    /// Its lines as a new item, its `- ` at column `dash`.
    fn fresh(&self, ed: &Editor, dash: usize) -> String;
}

impl Item for SectionForm {
    const ORDER: &'static [&'static str] = SECTION_KEYS;
    fn orig(&self) -> Option<usize> {
        self.orig
    }
    fn edit(&self, ed: &Editor, map: &Map, out: &mut Vec<Splice>) -> Result<(), EditError> {
        ed.scalar(map, "title", &self.title, Kind::Line, true, out)?;
        ed.scalar(map, "label", &self.label, Kind::Line, false, out)?;
        ed.scalar(map, "date", &self.date, Kind::Date, false, out)?;
        ed.scalar(map, "body", &self.body, Kind::Text, false, out)?;
        ed.list(map, "dates", &self.dates, false, out)?;
        ed.list(map, "links", &self.links, false, out)?;
        ed.scalar(map, "note", &self.note, Kind::Note, false, out)?;
        ed.scalar(map, "until", &self.until, Kind::Date, false, out)
    }
    fn fresh(&self, ed: &Editor, dash: usize) -> String {
        let mut s = ed.fresh_item(
            dash,
            &[
                ("title", &self.title, Kind::Line, true),
                ("label", &self.label, Kind::Line, false),
                ("date", &self.date, Kind::Date, false),
                ("body", &self.body, Kind::Text, false),
            ],
        );
        if !self.dates.is_empty() {
            s.push_str(&ed.fresh_list("dates", &self.dates, dash + 2));
        }
        if !self.links.is_empty() {
            s.push_str(&ed.fresh_list("links", &self.links, dash + 2));
        }
        for (key, value, kind) in [
            ("note", &self.note, Kind::Note),
            ("until", &self.until, Kind::Date),
        ] {
            let value = normalize(value, kind);
            if !value.is_empty() {
                s.push_str(&" ".repeat(dash + 2));
                s.push_str(&ed.entry(key, &value, kind, dash + 2, Written::New));
            }
        }
        s
    }
}

impl Item for LinkForm {
    const ORDER: &'static [&'static str] = LINK_KEYS;
    fn orig(&self) -> Option<usize> {
        self.orig
    }
    fn edit(&self, ed: &Editor, map: &Map, out: &mut Vec<Splice>) -> Result<(), EditError> {
        ed.scalar(map, "text", &self.text, Kind::Line, true, out)?;
        ed.scalar(map, "url", &self.url, Kind::Line, true, out)
    }
    fn fresh(&self, ed: &Editor, dash: usize) -> String {
        ed.fresh_item(
            dash,
            &[
                ("text", &self.text, Kind::Line, true),
                ("url", &self.url, Kind::Line, true),
            ],
        )
    }
}

impl Item for DateForm {
    const ORDER: &'static [&'static str] = DATE_KEYS;
    fn orig(&self) -> Option<usize> {
        self.orig
    }
    fn edit(&self, ed: &Editor, map: &Map, out: &mut Vec<Splice>) -> Result<(), EditError> {
        ed.scalar(map, "what", &self.what, Kind::Line, true, out)?;
        ed.scalar(map, "date", &self.date, Kind::Date, true, out)?;
        ed.scalar(map, "time", &self.time, Kind::Time, false, out)?;
        ed.scalar(map, "end", &self.end, Kind::Time, false, out)?;
        ed.scalar(map, "where", &self.place, Kind::Line, false, out)
    }
    fn fresh(&self, ed: &Editor, dash: usize) -> String {
        ed.fresh_item(
            dash,
            &[
                ("what", &self.what, Kind::Line, true),
                ("date", &self.date, Kind::Date, true),
                ("time", &self.time, Kind::Time, false),
                ("end", &self.end, Kind::Time, false),
                ("where", &self.place, Kind::Line, false),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const EXAMPLE: &str = include_str!("../../bulletins/2021-10-20.yaml");

    fn parse(text: &str) -> Node {
        crate::input::yaml::parse(Path::new("b.yaml"), text).unwrap()
    }

    fn edited(text: &str, change: impl FnOnce(&mut Form)) -> String {
        let root = parse(text);
        let mut form = Form::read(&root);
        change(&mut form);
        rewrite(text, &root, &form).unwrap()
    }

    /// The lines of `a` and `b` that differ, as (line number, old, new), for texts of the same
    /// number of lines.
    fn changed_lines(a: &str, b: &str) -> Vec<(usize, String, String)> {
        assert_eq!(a.lines().count(), b.lines().count(), "{b}");
        a.lines()
            .zip(b.lines())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .map(|(i, (x, y))| (i + 1, x.to_string(), y.to_string()))
            .collect()
    }

    #[test]
    fn nothing_changed_writes_the_same_bytes() {
        assert_eq!(edited(EXAMPLE, |_| {}), EXAMPLE);
    }

    #[test]
    fn one_changed_field_changes_its_line_only() {
        let new = edited(EXAMPLE, |f| f.title = "Flu: what to do # now".into());
        let diff = changed_lines(EXAMPLE, &new);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].2, "title: \"Flu: what to do # now\"");
        let new = edited(EXAMPLE, |f| {
            f.sections[1].links[0].text = "It's here".into()
        });
        let diff = changed_lines(EXAMPLE, &new);
        assert_eq!(diff[0].2, "      - text: \"It's here\"");
        let new = edited(EXAMPLE, |f| f.sections[1].dates[0].time = "14:00".into());
        assert_eq!(changed_lines(EXAMPLE, &new)[0].2, "        time: \"14:00\"");
    }

    #[test]
    fn a_changed_text_replaces_its_block_and_nothing_else() {
        let new = edited(EXAMPLE, |f| {
            f.sections[0].body = "One.\n\n- two\n  - three".into()
        });
        assert!(
            new.contains("    body: |\n      One.\n\n      - two\n        - three\n    links:\n")
        );
        let (head, tail) =
            EXAMPLE.split_at(EXAMPLE.find("    body: |\n      - NHSE/I has now").unwrap());
        assert!(new.starts_with(head));
        let tail = &tail[tail.find("    links:").unwrap()..];
        assert!(new.ends_with(tail));
        // The comment above `dates:` stays where it was.
        assert!(new.contains("    # An illustration of a timed event"));
    }

    #[test]
    fn a_sections_audience_is_kept_through_an_edit_and_a_move() {
        let text = "title: T\ndate: 2021-10-20\nsections:\n  - title: A\n    body: a\n  - title: B\n    for: [practice-managers]\n    body: b\n";
        let new = edited(text, |f| {
            f.sections[1].title = "B2".into();
            f.sections.swap(0, 1);
        });
        assert!(
            new.contains("  - title: B2\n    for: [practice-managers]\n    body: b\n"),
            "{new}"
        );
    }

    #[test]
    fn new_keys_go_in_the_formats_order_and_emptied_ones_go() {
        let new = edited(EXAMPLE, |f| {
            f.issue = "112".into();
            f.sections[2].until = "2021-12-01".into();
            f.sections[0].note = String::new();
            f.sections[0].label = String::new();
        });
        assert!(new.contains("date: 2021-10-20\nissue: 112\nsummary:"));
        assert!(!new.contains("guidance link above."));
        let root = parse(&new);
        let f = Form::read(&root);
        assert_eq!(f.sections[2].until, "2021-12-01");
        assert_eq!(f.sections[0].label, "");
    }

    #[test]
    fn sections_links_and_dates_are_added_removed_and_moved_with_their_comments() {
        let new = edited(EXAMPLE, |f| {
            let mut s = SectionForm {
                title: "Flu clinics".into(),
                body: "Book now.".into(),
                ..Default::default()
            };
            s.links.push(LinkForm {
                orig: None,
                text: "Booking (PDF)".into(),
                url: "https://www.example.org/flu.pdf".into(),
            });
            s.dates.push(DateForm {
                orig: None,
                what: "Flu clinic".into(),
                date: "2021-11-10".into(),
                time: "09:30".into(),
                ..Default::default()
            });
            f.sections.insert(0, s);
            f.sections.swap(1, 2);
            f.sections.pop();
        });
        assert!(new.contains(
            "sections:\n  - title: Flu clinics\n    body: |\n      Book now.\n    dates:\n      - what: Flu clinic\n        date: 2021-11-10\n        time: \"09:30\"\n    links:\n      - text: Booking (PDF)\n        url: https://www.example.org/flu.pdf\n\n  - title: BMA press release"
        ), "{new}");
        assert!(new.contains("    # An illustration of a timed event"));
        assert!(new.starts_with("# Essex LMCs bulletin"));
        let f = Form::read(&parse(&new));
        assert_eq!(f.sections[2].title, "Introduction");
    }

    #[test]
    fn a_key_written_as_a_comment_where_it_goes_takes_that_lines_place() {
        let text = "title: T\ndate: 2021-10-27\n# issue: 113    (the issue number, if the bulletin has one)\nsummary: S\nsections:\n  - title: A\n    body: |\n      x\n";
        let new = edited(text, |f| f.issue = "114".into());
        assert_eq!(
            new,
            "title: T\ndate: 2021-10-27\nissue: 114\nsummary: S\nsections:\n  - title: A\n    body: |\n      x\n"
        );
    }

    #[test]
    fn a_new_last_section_goes_after_the_comments_under_the_one_before() {
        // As `bulletin new` writes a section: commented-out keys under its last value.
        let text = "title: T\ndate: 2021-10-27\nsections:\n  - title: First\n    body: |\n      Text.\n    # dates:\n    #   - what: A webinar\n    # until: 2021-11-24\n";
        let new = edited(text, |f| {
            f.sections.push(SectionForm {
                title: "Second".into(),
                body: "More.".into(),
                ..Default::default()
            });
        });
        assert_eq!(
            new,
            "title: T\ndate: 2021-10-27\nsections:\n  - title: First\n    body: |\n      Text.\n    # dates:\n    #   - what: A webinar\n    # until: 2021-11-24\n  - title: Second\n    body: |\n      More.\n"
        );
        // Moved, the comments go with their own section.
        let moved = edited(&new, |f| f.sections.swap(0, 1));
        assert!(
            moved.contains("  - title: First\n    body: |\n      Text.\n    # dates:\n    #   - what: A webinar\n    # until: 2021-11-24\n"),
            "{moved}"
        );
        assert!(
            moved.starts_with("title: T\ndate: 2021-10-27\nsections:\n  - title: Second\n"),
            "{moved}"
        );
    }

    #[test]
    fn the_message_is_added_and_removed_whole() {
        let without = edited(EXAMPLE, |f| f.message = None);
        assert!(!without.contains("message:"));
        assert!(without.contains("summary: What the NHSE/I"));
        let back = edited(&without, |f| {
            f.message = Some(MessageForm {
                author: "Dr A".into(),
                body: "Hello.".into(),
                ..Default::default()
            })
        });
        assert!(
            back.contains("\nmessage:\n  author: Dr A\n  body: |\n    Hello.\n\nsections:"),
            "{back}"
        );
    }

    #[test]
    fn a_value_the_form_cannot_hold_is_left_alone_and_a_change_to_it_refused() {
        let text = "title: [a, b]\ndate: 2021-10-20\nsections:\n  - title: A\n";
        assert_eq!(edited(text, |f| f.date = "2021-10-20".into()), text);
        let root = parse(text);
        let mut form = Form::read(&root);
        form.title = "T".into();
        assert!(matches!(
            rewrite(text, &root, &form),
            Err(EditError::Unsupported(_))
        ));
    }

    #[test]
    fn each_field_knows_its_lines() {
        let spans = field_lines(EXAMPLE, &parse(EXAMPLE));
        let find = |id: &str| spans.iter().find(|s| s.0 == id).map(|s| (s.1, s.2));
        assert_eq!(find("title"), Some((5, 5)));
        assert_eq!(find("message.body"), Some((13, 20)));
        let (first, last) = find("sections.1.dates.0.time").unwrap();
        assert_eq!(first, last);
        assert!(
            EXAMPLE
                .lines()
                .nth(first - 1)
                .unwrap()
                .contains("time: \"13:00\"")
        );
    }

    #[test]
    fn a_file_with_windows_line_ends_keeps_them() {
        let crlf = EXAMPLE.replace('\n', "\r\n");
        let new = edited(&crlf, |f| {
            f.title = "New".into();
            f.sections[0].note = "One\ntwo".into();
        });
        assert!(new.contains("\r\ntitle: New\r\n"));
        assert!(new.contains("    note: |\r\n      One\r\n      two\r\n"));
        assert!(!new.replace("\r\n", "").contains('\n'), "a bare line feed");
    }

    #[test]
    fn every_field_of_a_new_issue_can_be_filled_in_and_its_comments_stay() {
        let date = crate::date::Date::parse("2021-10-27").unwrap();
        let skeleton = crate::skeleton::bulletin(date, &crate::skeleton::Known::default());
        let new = edited(&skeleton, |f| {
            f.title = "Flu: the plan".into();
            f.summary = "What to do # now".into();
            f.issue = "113".into();
            let m = f.message.as_mut().unwrap();
            m.author = "Dr A".into();
            m.role = "Chief Executive".into();
            m.body = "Para one.\n\nPara two.".into();
            let s = &mut f.sections[0];
            s.title = "- Dash first".into();
            s.label = "Guidance".into();
            s.body = "  indented first line\n- a bullet".into();
            s.links[0].text = "The plan (PDF)".into();
            s.links[0].url = "https://www.example.org/plan.pdf".into();
            s.note = "Read page 6.".into();
            s.until = "2021-11-30".into();
            s.dates.push(DateForm {
                what: "Webinar".into(),
                date: "2021-11-04".into(),
                time: "13:00".into(),
                end: "14:00".into(),
                place: "https://teams.example.org/x".into(),
                ..Default::default()
            });
        });
        let comments = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        // Every comment stays but the `# issue: 113 (...)` that the issue number took the place of.
        let kept: Vec<String> = comments(&skeleton)
            .into_iter()
            .filter(|l| !l.starts_with("# issue:"))
            .collect();
        assert_eq!(comments(&skeleton).len(), kept.len() + 1, "{skeleton}");
        assert_eq!(comments(&new), kept, "{new}");
        assert!(new.contains("\nissue: 113\n"), "{new}");
        assert!(
            !new.lines()
                .any(|l| !l.trim_start().starts_with('#') && l.contains("[[")),
            "{new}"
        );
    }

    #[test]
    fn any_value_in_any_field_changes_only_that_field() {
        let values = [
            "plain words",
            "a: colon",
            "hash #here",
            "'single' and \"double\"",
            "- dash",
            "ünïcödé — “quotes”",
            "[[blank]]",
            "trailing space ",
        ];
        type Set = fn(&mut Form, &str);
        let fields: [(&str, Set); 8] = [
            ("title", |f, v| f.title = v.into()),
            ("summary", |f, v| f.summary = v.into()),
            ("message.role", |f, v| {
                f.message.as_mut().unwrap().role = v.into()
            }),
            ("sections.0.label", |f, v| f.sections[0].label = v.into()),
            ("sections.0.note", |f, v| f.sections[0].note = v.into()),
            ("sections.1.links.1.text", |f, v| {
                f.sections[1].links[1].text = v.into()
            }),
            ("sections.1.dates.0.where", |f, v| {
                f.sections[1].dates[0].place = v.into()
            }),
            ("sections.3.body", |f, v| {
                f.sections[3].body = format!("{v}\n\n- {v}")
            }),
        ];
        let spans = field_lines(EXAMPLE, &parse(EXAMPLE));
        for (id, set) in fields {
            let (first, last) = spans
                .iter()
                .find(|s| s.0 == id)
                .map(|s| (s.1, s.2))
                .unwrap();
            for v in values {
                let new = edited(EXAMPLE, |f| set(f, v));
                let old: Vec<&str> = EXAMPLE.lines().collect();
                let now: Vec<&str> = new.lines().collect();
                let grew = now.len() as isize - old.len() as isize;
                assert_eq!(
                    old[..first - 1],
                    now[..first - 1],
                    "{id} = {v:?}: lines before it changed"
                );
                let after = (last as isize + grew) as usize;
                assert_eq!(
                    old[last..],
                    now[after..],
                    "{id} = {v:?}: lines after it changed"
                );
            }
        }
    }

    #[test]
    fn values_that_need_quotes_get_them() {
        for v in [
            "yes",
            "- x",
            "a: b",
            "'q'",
            "[[x]]",
            "",
            "x #y",
            "tab\there",
            "back\\slash \"q\"",
        ] {
            let new = edited(EXAMPLE, |f| f.summary = v.into());
            let f = Form::read(&parse(&new));
            assert_eq!(f.summary, normalize(v, Kind::Line), "{v}");
        }
    }
}
