//! Merge fields: what a reader sees of themselves. `{{first_name}}`, `{{name}}`, `{{practice}}`
//! and `{{role}}` in the bulletin's summary, the Chief Executive's message or a section's body
//! or note are filled in with each reader's own details when their message is made, so a
//! greeting can say "Dear Pat". `{{first_name|colleague}}` gives the words to use for a reader
//! with nothing in that field; without one, a reader with nothing there is an error in `check`
//! and `send` that names them, so nobody is sent a gap.
//!
//! The details come from the recipients file: the name written with the address, and the
//! office's spreadsheet (`people:`) for the first name, the practice and the role. Never in the
//! title: it is the subject, and a subject that differs per reader splits the thread in
//! some mail programs. The fields are filled in the model ([`fill`]) before any view renders it,
//! so the HTML escapes what a reader's details hold, and the plain text wraps their lines.

use std::collections::HashMap;

use lettre::message::Mailbox;

use crate::diagnostic::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::model::Bulletin;
use crate::people::{Column, People, Person};
use crate::schema::Ctx;
use crate::yaml::{Node, Value};
use bulletin_model::markdown::{Block, Inline, Markdown};

/// The fields, and what each is filled with.
pub(crate) const FIELDS: &[(&str, &str)] = &[
    (
        "first_name",
        "the First name column of the office's spreadsheet, else the first word of the name (after Dr, Mr, Mrs, Ms, Miss, Mx or Prof)",
    ),
    (
        "name",
        "the name written with the address, or the spreadsheet's Name (or First name and Last name)",
    ),
    (
        "practice",
        "the Practice column of the office's spreadsheet",
    ),
    ("role", "the Role column of the office's spreadsheet"),
];

/// One merge field in a text: `{{name}}` or `{{name|fallback}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// Byte offset of its `{{`.
    pub offset: usize,
    /// Its length in bytes, braces included.
    pub len: usize,
    pub name: &'a str,
    /// The words after `|`, trimmed; `None` without a `|`.
    pub fallback: Option<&'a str>,
}

/// Every merge field in `text`: `{{` then a name of small letters and `_` (spaces around it
/// allowed), then `|` and the fallback or nothing, then `}}`. Anything else between double
/// braces is left as it is.
pub fn find(text: &str) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| from + i) {
        let inner_start = start + 2;
        let Some(len) = text[inner_start..].find("}}") else {
            break;
        };
        let inner = &text[inner_start..inner_start + len];
        let (name, fallback) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        let named = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if named && !inner.contains('\n') {
            out.push(Field {
                offset: start,
                len: len + 4,
                name,
                fallback,
            });
            from = inner_start + len + 2;
        } else {
            from = inner_start;
        }
    }
    out
}

/// Whether a key of the bulletin can hold merge fields: `summary`, the message's `body`, a
/// section's `body` or `note`.
fn allowed(path: &[&str]) -> bool {
    matches!(
        path,
        ["summary"] | ["message", "body"] | ["sections", "body" | "note"]
    )
}

/// Reports, at its line and column, each merge field whose name is not one of [`FIELDS`] and
/// each in a place that cannot hold one (the title, above all, which is the subject).
pub fn report(ctx: &mut Ctx, root: &Node) {
    let mut found = Vec::new();
    collect(root, &mut Vec::new(), &mut found);
    let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
    for (node, path) in found {
        let text = node.as_str().unwrap_or("");
        for field in find(text) {
            let pos = ctx.pos_in(node, text, field.offset);
            if !allowed(&path) {
                let (message, help) = if path == ["title"] {
                    (
                        format!("`{{{{{}}}}}` cannot be in the title", field.name),
                        "the title is every reader's subject line, the same for all; greet the reader in the message or a section instead".to_string(),
                    )
                } else {
                    (
                        format!("`{{{{{}}}}}` cannot be in `{}`", field.name, path.join(".")),
                        "merge fields work in `summary`, the message's `body`, and a section's `body` or `note`".to_string(),
                    )
                };
                ctx.error(pos, message, help);
            } else if !names.contains(&field.name) {
                let help = did_you_mean(field.name, &names).map_or_else(
                    || format!("the merge fields are: {}", names.join(", ")),
                    |n| format!("did you mean `{{{{{n}}}}}`?"),
                );
                ctx.error(
                    pos,
                    format!("`{{{{{}}}}}` is not a merge field", field.name),
                    help,
                );
            }
        }
    }
}

/// Every scalar value under `node` with the keys leading to it (list items add nothing).
fn collect<'n>(node: &'n Node, path: &mut Vec<&'n str>, out: &mut Vec<(&'n Node, Vec<&'n str>)>) {
    match &node.value {
        Value::Scalar(..) => out.push((node, path.clone())),
        Value::Seq(items) => items.iter().for_each(|i| collect(i, path, out)),
        Value::Map(entries) => {
            for (k, v) in entries {
                path.push(k.as_str().unwrap_or(""));
                collect(v, path, out);
                path.pop();
            }
        }
    }
}

/// One reader's details, by field name; a field they have nothing for is absent.
#[derive(Clone, Debug, Default)]
pub struct Reader {
    values: HashMap<&'static str, String>,
}

impl Reader {
    /// The details of the person at `mailbox`, with their row of the spreadsheet if they have
    /// one.
    pub fn of(mailbox: &Mailbox, person: Option<&Person>) -> Reader {
        let mut values = HashMap::new();
        let column = |c: Column| {
            person
                .and_then(|p| p.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let name = mailbox
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        // A first name worked out of the name only where the name is a whole one: the address's
        // own, or the sheet's Name column. A row with a Last name and no First name would
        // otherwise greet "Dear Finch" rather than give the fallback.
        let whole_name = person.is_none_or(|p| p.get(Column::Name).is_some());
        let first = column(Column::FirstName).or_else(|| {
            whole_name
                .then(|| name.as_deref().and_then(first_word))
                .flatten()
        });
        let fields = [
            ("first_name", first),
            ("name", name),
            ("practice", column(Column::Practice)),
            ("role", column(Column::Role)),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                values.insert(k, v);
            }
        }
        Reader { values }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }
}

/// The first word of a name that is not a title: "Dr Sam Jones" → "Sam".
fn first_word(name: &str) -> Option<String> {
    const TITLES: &[&str] = &["dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor"];
    let mut words = name.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        let bare = w.trim_end_matches('.').to_lowercase();
        if TITLES.contains(&bare.as_str()) && words.clone().count() > 1 {
            words.next();
        } else {
            break;
        }
    }
    words.next().map(str::to_string)
}

/// Each reader's details, by [`crate::recipients::key`], for `people`.
pub fn readers(people: &[Mailbox], sheet: Option<&People>) -> HashMap<String, Reader> {
    let rows: HashMap<&str, &Person> = sheet
        .map(|s| s.people.iter().map(|p| (p.key.as_str(), p)).collect())
        .unwrap_or_default();
    people
        .iter()
        .map(|m| {
            let key = crate::recipients::key(m);
            let reader = Reader::of(m, rows.get(key.as_str()).copied());
            (key, reader)
        })
        .collect()
}

/// Calls `f` with each text of the bulletin that can hold merge fields.
fn texts(b: &Bulletin, f: &mut impl FnMut(&str)) {
    fn markdown(md: &Markdown, f: &mut impl FnMut(&str)) {
        for block in &md.blocks {
            block_texts(block, f);
        }
    }
    fn block_texts(block: &Block, f: &mut impl FnMut(&str)) {
        match block {
            Block::Para(i) | Block::Heading(i) => f(&inline_text(i)),
            Block::List { items, .. } => items.iter().flatten().for_each(|b| block_texts(b, f)),
            Block::Quote(inner) => inner.iter().for_each(|b| block_texts(b, f)),
            Block::Code(_) | Block::Rule => {}
        }
    }
    if let Some(s) = &b.summary {
        f(s);
    }
    if let Some(m) = &b.message {
        markdown(&m.body, f);
    }
    for s in &b.sections {
        markdown(&s.body, f);
        if let Some(n) = &s.note {
            f(n);
        }
    }
}

/// The text of inline content as the fields see it: adjacent runs joined (the Markdown parser
/// may split `{{first_name}}` at its `_`), other content in between as a break.
fn inline_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) => out.push_str(t),
            Inline::Em(c) | Inline::Strong(c) | Inline::Link { content: c, .. } => {
                out.push('\n');
                out.push_str(&inline_text(c));
                out.push('\n');
            }
            Inline::Code(_) | Inline::Break => out.push('\n'),
        }
    }
    out
}

/// Whether the bulletin has any merge field.
pub fn any(b: &Bulletin) -> bool {
    let mut found = false;
    texts(b, &mut |t| found |= !find(t).is_empty());
    found
}

/// The fields without a fallback that `reader` has nothing for, each once.
pub fn missing(b: &Bulletin, reader: &Reader) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    texts(b, &mut |t| {
        for f in find(t) {
            if f.fallback.is_none()
                && reader.get(f.name).is_none()
                && !out.iter().any(|o| o == f.name)
            {
                out.push(f.name.to_string());
            }
        }
    });
    out
}

/// How many people a gap names one by one.
const NAMED: usize = 10;

/// An error for each merge field that some of `people` (each with the version of the bulletin
/// they are to get) have nothing for, and no fallback: it names them, at the field's first use
/// in the bulletin's `source` (at `path`).
pub fn gaps(
    path: &std::path::Path,
    source: &str,
    people: &[(&Mailbox, &Bulletin)],
    readers: &HashMap<String, Reader>,
) -> Diagnostics {
    let none = Reader::default();
    // Each field, and who has nothing for it, in the order first found.
    let mut by_field: Vec<(String, Vec<&Mailbox>)> = Vec::new();
    for (m, b) in people {
        let reader = readers.get(&crate::recipients::key(m)).unwrap_or(&none);
        for field in missing(b, reader) {
            match by_field.iter_mut().find(|(f, _)| *f == field) {
                Some((_, who)) => who.push(m),
                None => by_field.push((field, vec![m])),
            }
        }
    }
    let mut out = Diagnostics::default();
    for (field, who) in by_field {
        let mut names: Vec<String> = who.iter().take(NAMED).map(|m| m.to_string()).collect();
        if who.len() > NAMED {
            names.push(format!("and {} more", who.len() - NAMED));
        }
        let pos = find(source)
            .into_iter()
            .find(|f| f.name == field && f.fallback.is_none())
            .map_or_else(Pos::default, |f| position(source, f.offset));
        let column = match field.as_str() {
            "first_name" => "First name",
            "practice" => "Practice",
            "role" => "Role",
            _ => "Name",
        };
        out.push(
            Diagnostic::error(
                path,
                pos,
                format!(
                    "`{{{{{field}}}}}` has nothing to fill in for {} {}: {}",
                    who.len(),
                    if who.len() == 1 { "person" } else { "people" },
                    names.join(", ")
                ),
            )
            .with_help(format!(
                "fill in their {column} in the office's spreadsheet (or their name in recipients.yaml), or give the words to use instead, as in `{{{{{field}|colleague}}}}`"
            )),
        );
    }
    out
}

/// The line and column (from 1) of a byte offset.
fn position(source: &str, offset: usize) -> Pos {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos::new(line, col)
}

/// `text` with its fields filled in for `reader`: their value, else the fallback, else the
/// field as written (only a test copy is sent with one left: a send refuses first).
fn fill_text(text: &str, reader: &Reader) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in find(text) {
        out.push_str(&text[at..f.offset]);
        match reader.get(f.name).or(f.fallback) {
            Some(v) => out.push_str(v),
            None => out.push_str(&text[f.offset..f.offset + f.len]),
        }
        at = f.offset + f.len;
    }
    out.push_str(&text[at..]);
    out
}

fn fill_inlines(inlines: &mut Vec<Inline>, reader: &Reader) {
    // Adjacent runs joined first, so that a field split by the parser is whole.
    let mut joined: Vec<Inline> = Vec::with_capacity(inlines.len());
    for i in inlines.drain(..) {
        match (joined.last_mut(), i) {
            (Some(Inline::Text(a)), Inline::Text(b)) => a.push_str(&b),
            (_, i) => joined.push(i),
        }
    }
    for i in &mut joined {
        match i {
            Inline::Text(t) => *t = fill_text(t, reader),
            Inline::Em(c) | Inline::Strong(c) | Inline::Link { content: c, .. } => {
                fill_inlines(c, reader)
            }
            Inline::Code(_) | Inline::Break => {}
        }
    }
    *inlines = joined;
}

fn fill_blocks(blocks: &mut [Block], reader: &Reader) {
    for b in blocks {
        match b {
            Block::Para(i) | Block::Heading(i) => fill_inlines(i, reader),
            Block::List { items, .. } => items.iter_mut().for_each(|i| fill_blocks(i, reader)),
            Block::Quote(inner) => fill_blocks(inner, reader),
            Block::Code(_) | Block::Rule => {}
        }
    }
}

/// The bulletin as `reader` receives it: every field filled in with their details.
pub fn fill(b: &Bulletin, reader: &Reader) -> Bulletin {
    let mut out = b.clone();
    if let Some(s) = &mut out.summary {
        *s = fill_text(s, reader);
    }
    if let Some(m) = &mut out.message {
        fill_blocks(&mut m.body.blocks, reader);
    }
    for s in &mut out.sections {
        fill_blocks(&mut s.body.blocks, reader);
        if let Some(n) = &mut s.note {
            *n = fill_text(n, reader);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(pairs: &[(&'static str, &str)]) -> Reader {
        Reader {
            values: pairs.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }

    #[test]
    fn fields_are_found_with_their_fallbacks() {
        let t = "Dear {{first_name|colleague}}, at {{ practice }}. {{Not one}} {{}} {{x";
        let found = find(t);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "first_name");
        assert_eq!(found[0].fallback, Some("colleague"));
        assert_eq!(
            &t[found[0].offset..found[0].offset + found[0].len],
            "{{first_name|colleague}}"
        );
        assert_eq!(found[1].name, "practice");
        assert_eq!(found[1].fallback, None);
    }

    #[test]
    fn a_reader_gets_their_value_the_fallback_or_the_field_as_written() {
        let r = reader(&[("first_name", "Pat")]);
        assert_eq!(
            fill_text("Dear {{first_name|colleague}} of {{practice}}", &r),
            "Dear Pat of {{practice}}"
        );
        assert_eq!(
            fill_text("Dear {{first_name|colleague}}", &Reader::default()),
            "Dear colleague"
        );
    }

    #[test]
    fn a_field_split_by_the_markdown_parser_is_filled_whole() {
        let mut inlines = vec![
            Inline::Text("Dear {{first".into()),
            Inline::Text("_name}},".into()),
        ];
        fill_inlines(&mut inlines, &reader(&[("first_name", "Sam")]));
        assert_eq!(inlines, vec![Inline::Text("Dear Sam,".into())]);
    }

    #[test]
    fn a_row_with_no_first_name_gets_the_fallback_not_its_last_name() {
        let dir = tempfile::tempdir().unwrap();
        let sheet = dir.path().join("contacts.csv");
        std::fs::write(
            &sheet,
            "Email,First name,Last name,Name\nbob.finch@example.org,,Finch,\nann@example.org,,,Dr Ann Lee\n",
        )
        .unwrap();
        let (people, _) = crate::people::read(&sheet, &crate::people::Options::default()).unwrap();
        let of = |address: &str| {
            let p = people
                .people
                .iter()
                .find(|p| p.mailbox.email.to_string() == address)
                .unwrap();
            Reader::of(&p.mailbox, Some(p))
        };
        assert_eq!(of("bob.finch@example.org").get("first_name"), None);
        assert_eq!(of("bob.finch@example.org").get("name"), Some("Finch"));
        assert_eq!(of("ann@example.org").get("first_name"), Some("Ann"));
    }

    #[test]
    fn the_first_name_skips_a_title() {
        assert_eq!(first_word("Dr Sam Jones").as_deref(), Some("Sam"));
        assert_eq!(first_word("Prof. Ann Lee").as_deref(), Some("Ann"));
        assert_eq!(first_word("Pat").as_deref(), Some("Pat"));
        assert_eq!(first_word("Dr").as_deref(), Some("Dr"));
        let m: Mailbox = "Dr Sam Jones <sam@example.org>".parse().unwrap();
        let r = Reader::of(&m, None);
        assert_eq!(r.get("first_name"), Some("Sam"));
        assert_eq!(r.get("name"), Some("Dr Sam Jones"));
        assert_eq!(r.get("practice"), None);
    }
}
