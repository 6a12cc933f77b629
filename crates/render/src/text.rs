//! The plain-text email: the same sections in the same order as the HTML, wrapped at 78
//! columns, headings underlined and numbered as in the contents list, every link's full
//! address after its label, `*bold*` and `_italic_` marked as plain-text mail marks them.

use crate::calendar;
use crate::html::mailto_address;
use crate::markdown::{Block, Inline};
use crate::model::{Bulletin, Item, KeyDate, Publisher, Section};
use crate::{boxed, number_of, when};

/// The widest a line may be, except for an address that cannot be broken.
pub(crate) const WIDTH: usize = 78;

/// Renders the bulletin as plain text (lines end in `\n`).
pub fn render(b: &Bulletin, p: &Publisher) -> String {
    let mut out = Out::default();
    // As written: capitals would turn "Essex LMCs" into "ESSEX LMCS".
    out.line(&p.name);
    out.blank();
    out.heading(&b.title, '=');
    out.line(&b.dateline());
    out.blank();
    if let Some(s) = &b.summary {
        out.wrap(s, "", "");
        out.blank();
    }
    if let Some(url) = crate::web_version(p, b) {
        out.line("View this bulletin in your web browser:");
        out.line(&url);
        out.blank();
    }
    let items = b.items();
    let dates = boxed(b);
    if !dates.is_empty() {
        out.heading("Key dates", '-');
        for (d, s) in &dates {
            key_date(&mut out, b, p, d, s, Some(number_of(&items, s)));
        }
        if let Some(url) = calendar::subscribe_url(p) {
            out.line("Subscribe to the calendar:");
            out.line(&url);
            out.blank();
        }
    }
    out.heading("In this issue", '-');
    let digits = items.len().to_string().len();
    for (i, item) in items.iter().enumerate() {
        let number = format!("{:>digits$}. ", i + 1);
        let indent = " ".repeat(number.len());
        out.wrap(item.title(), &number, &indent);
    }
    out.blank();
    for (i, item) in items.iter().enumerate() {
        out.blank();
        // Numbered as in the contents list: a reader finds section 7 by scrolling.
        out.heading(&format!("{}. {}", i + 1, item.title()), '-');
        let s = match item {
            Item::Message(m) => {
                // Who writes it under the heading, as in the HTML.
                match &m.role {
                    Some(role) => out.wrap(&format!("{}, {role}", m.author), "", ""),
                    None => out.line(&m.author),
                }
                out.blank();
                blocks(&mut out, &m.body.blocks, "");
                continue;
            }
            Item::Section(s) => s,
        };
        let meta = crate::details(b, s);
        if !meta.is_empty() {
            out.wrap(&meta.join(" · "), "", "");
            out.blank();
        }
        blocks(&mut out, &s.body.blocks, "");
        if !s.dates.is_empty() {
            out.line("Dates:");
            for d in &s.dates {
                key_date(&mut out, b, p, d, s, None);
            }
        }
        if !s.links.is_empty() {
            out.line(if s.links.len() == 1 {
                "Document:"
            } else {
                "Documents:"
            });
            for l in &s.links {
                out.wrap(&l.text, "- ", "  ");
                out.line(&format!("  {}", l.url));
            }
            out.blank();
        }
        if let Some(note) = &s.note {
            out.wrap_lines(note, "", "");
            out.blank();
        }
    }
    out.blank();
    out.line(&"-".repeat(WIDTH));
    out.line(&p.name);
    for line in &p.address {
        out.wrap(line, "", "");
    }
    if let Some(site) = &p.website {
        out.line(site);
    }
    out.blank();
    let mut unsub = format!(
        "You receive this bulletin from {} because you are on its mailing list.",
        p.name
    );
    if let Some(url) = &p.unsubscribe.https {
        unsub.push_str(&format!(" To unsubscribe, visit {url}"));
        unsub.push_str(if p.unsubscribe.mailto.is_some() {
            " or"
        } else {
            "."
        });
    }
    if let Some(m) = &p.unsubscribe.mailto {
        let lead = if p.unsubscribe.https.is_some() {
            ""
        } else {
            " To unsubscribe,"
        };
        unsub.push_str(&format!(
            "{lead} email {} with the subject \"unsubscribe\".",
            mailto_address(m)
        ));
    }
    out.wrap(&unsub, "", "");
    out.finish()
}

/// One key date: its day (and time) after a dash, then indented what, where, the section (in
/// the Key dates block) and the calendar file's address.
fn key_date(
    out: &mut Out,
    b: &Bulletin,
    p: &Publisher,
    d: &KeyDate,
    s: &Section,
    number: Option<usize>,
) {
    out.wrap(&when(d, b), "- ", "  ");
    out.wrap(&d.what, "  ", "  ");
    if let Some(place) = &d.place {
        out.wrap(place, "  Where: ", "  ");
    }
    if let Some(n) = number {
        out.wrap(&format!("In {n}. {}", s.title), "  ", "  ");
    }
    if let Some(url) = calendar::item_url(p, b, s, d) {
        out.line("  Add to calendar:");
        out.line(&format!("  {url}"));
    }
    out.blank();
}

#[derive(Default)]
struct Out {
    text: String,
}

impl Out {
    fn line(&mut self, s: &str) {
        self.text.push_str(s.trim_end());
        self.text.push('\n');
    }

    /// One blank line, never two in a row.
    fn blank(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push('\n');
        }
    }

    fn heading(&mut self, title: &str, underline: char) {
        let lines = wrap(title, "", "", WIDTH);
        let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        for l in &lines {
            self.line(l);
        }
        self.line(&underline.to_string().repeat(longest));
        self.blank();
    }

    fn wrap(&mut self, s: &str, first: &str, rest: &str) {
        for l in wrap(s, first, rest, WIDTH) {
            self.line(&l);
        }
    }

    /// Like [`Out::wrap`], keeping the line breaks in `s` (typed in a body or a note). Where a
    /// kept line is longer than the width (text pasted with its line breaks), its last word
    /// does not stand alone before the next kept line ([`no_lone_word`]).
    fn wrap_lines(&mut self, s: &str, first: &str, rest: &str) {
        let kept = s.contains('\n');
        for (i, line) in s.split('\n').enumerate() {
            let mut lines = wrap(line, if i == 0 { first } else { rest }, rest, WIDTH);
            if kept {
                no_lone_word(&mut lines, rest, WIDTH);
            }
            for l in lines {
                self.line(&l);
            }
        }
    }

    fn finish(mut self) -> String {
        while self.text.ends_with("\n\n") {
            self.text.pop();
        }
        self.text
    }
}

/// Greedy word wrap. `first` prefixes the first line, `rest` the others. A word longer than
/// the width (an address) gets a line of its own and is never broken.
pub fn wrap(s: &str, first: &str, rest: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = first.to_string();
    let mut has_word = false;
    for word in s.split_whitespace() {
        let len = current.chars().count();
        if has_word && len + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut current, rest.to_string()));
            has_word = false;
        }
        if has_word {
            current.push(' ');
        }
        current.push_str(word);
        has_word = true;
    }
    if has_word || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// When re-wrapping a kept line left one word on its last line ("… the practice\nfine"
/// before the next kept line), moves the word before it down too, if that fits the width.
fn no_lone_word(lines: &mut [String], rest: &str, width: usize) {
    let n = lines.len();
    if n < 2 {
        return;
    }
    let last = lines[n - 1][rest.len()..].to_string();
    if last.contains(' ') {
        return;
    }
    let Some((kept, moved)) = lines[n - 2].rsplit_once(' ') else {
        return;
    };
    if kept.trim().is_empty() || kept.chars().count() <= rest.chars().count() {
        return;
    }
    let joined = format!("{rest}{moved} {last}");
    if joined.chars().count() <= width {
        lines[n - 2] = kept.to_string();
        lines[n - 1] = joined;
    }
}

fn blocks(out: &mut Out, blocks: &[Block], indent: &str) {
    for b in blocks {
        block(out, b, indent, indent);
        out.blank();
    }
}

fn block(out: &mut Out, b: &Block, first: &str, rest: &str) {
    match b {
        Block::Para(c) => out.wrap_lines(&inlines(c), first, rest),
        Block::Heading(c) => {
            out.wrap_lines(&inlines(c), first, rest);
            let len = inlines(c).chars().count().min(WIDTH - rest.len());
            out.line(&format!("{rest}{}", "~".repeat(len)));
        }
        Block::List { start, items } => {
            for (i, item) in items.iter().enumerate() {
                let marker = match start {
                    Some(n) => format!("{}. ", n + i as u64),
                    None => "- ".to_string(),
                };
                let item_first = format!("{rest}{marker}");
                let item_rest = format!("{rest}{}", " ".repeat(marker.len()));
                for (j, inner) in item.iter().enumerate() {
                    if j > 0 && matches!(inner, Block::Para(_)) {
                        out.blank();
                    }
                    let lead = if j == 0 {
                        item_first.as_str()
                    } else {
                        item_rest.as_str()
                    };
                    block(out, inner, lead, &item_rest);
                }
            }
        }
        Block::Quote(inner) => {
            let q = format!("{rest}> ");
            for (j, inner) in inner.iter().enumerate() {
                if j > 0 {
                    out.line(q.trim_end());
                }
                block(out, inner, &q, &q);
            }
        }
        Block::Code(code) => {
            for l in code.lines() {
                out.line(&format!("{rest}    {l}"));
            }
        }
        Block::Rule => out.line(&format!("{rest}{}", "-".repeat(20))),
    }
}

/// Inline content as words: a link is its label followed by its full address in angle
/// brackets (just the address when the label is the address).
fn inlines(content: &[Inline]) -> String {
    let mut s = String::new();
    for i in content {
        match i {
            Inline::Text(t) | Inline::Code(t) => s.push_str(t),
            Inline::Em(c) => s.push_str(&format!("_{}_", inlines(c))),
            Inline::Strong(c) => s.push_str(&format!("*{}*", inlines(c))),
            Inline::Link { url, content } => {
                let label = inlines(content);
                let shown = url.trim_start_matches("mailto:");
                if label.trim() == shown || label.trim() == url {
                    s.push_str(shown);
                } else {
                    s.push_str(&format!("{label} <{shown}>"));
                }
            }
            Inline::Break => s.push('\n'),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_line_longer_than_the_width_leaves_no_word_alone() {
        let mut out = Out::default();
        let pasted = format!(
            "{}\nnext line of the paste.",
            "A line pasted from a PDF that is a little longer than the plain text's width allows"
        );
        out.wrap_lines(&pasted, "- ", "  ");
        let text = out.finish();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "- A line pasted from a PDF that is a little longer than the plain text's",
                "  width allows",
                "  next line of the paste."
            ]
        );
        assert!(lines.iter().all(|l| l.trim().contains(' ')), "{text}");
        // Without kept breaks, wrapping is as it was.
        let mut out = Out::default();
        out.wrap_lines("one two three", "", "");
        assert_eq!(out.finish(), "one two three\n");
    }

    #[test]
    fn wraps_without_breaking_addresses() {
        let long = format!("see https://example.org/{} now", "a".repeat(90));
        let lines = wrap(&long, "", "", 78);
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("https://"));
        let lines = wrap("one two three four", "- ", "  ", 10);
        assert_eq!(lines, vec!["- one two", "  three", "  four"]);
    }

    #[test]
    fn a_typed_line_break_starts_a_new_line_under_the_same_indent() {
        let item = vec![Block::Para(vec![
            Inline::Text("Best wishes,".into()),
            Inline::Break,
            Inline::Text("Brian".into()),
        ])];
        let mut out = Out::default();
        block(
            &mut out,
            &Block::List {
                start: None,
                items: vec![item],
            },
            "",
            "",
        );
        assert_eq!(out.finish(), "- Best wishes,\n  Brian\n");
    }
}
