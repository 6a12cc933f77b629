//! YAML syntax errors in the office's words: what was typed wrong, on the line where it was
//! typed, and what to type instead.
//!
//! The YAML reader stops where it notices a problem, which is often a line after the mistake
//! ("mapping values are not allowed in this context" on `date:` when `title:Foo` above lacks its
//! space) and says so in parser terms. [`explain`] looks at the lines around that place to find
//! the common mistakes (a key not lined up with its neighbours, a list item out of line, a
//! missing space after a colon, `: ` inside a value, an unclosed quote, text starting with a
//! character YAML reserves, text pasted under `body: |` without its indentation) and reports each
//! at its own line.

use crate::diagnostic::Pos;

/// A syntax error, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Explained {
    pub pos: Pos,
    pub message: String,
    pub help: String,
}

/// What one line of the file is, for finding what a mistake should line up with.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Line {
    Blank,
    Comment,
    /// A line of a `|` or `>` block's text.
    BlockText,
    Content(Content),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Content {
    /// Spaces before the first character.
    indent: usize,
    /// A list item: `- ` starts the line (at `indent`).
    dash: bool,
    /// Where the key or the item's text starts (0-based character column).
    start: usize,
    /// The key, when the line is `key:` or `key: value` (after any `- `).
    key: Option<String>,
    /// What follows `key: `, or the item's text; without a trailing comment.
    value: String,
}

impl Content {
    /// `key: value` as written, for the examples in help texts.
    fn with_value(&self, value: &str) -> String {
        let dash = if self.dash { "- " } else { "" };
        match &self.key {
            Some(k) => format!("{dash}{k}: {value}"),
            None => format!("{dash}{value}"),
        }
    }

    /// The key in backquotes, or "this item".
    fn name(&self) -> String {
        match &self.key {
            Some(k) => format!("`{k}`"),
            None => "this line".to_string(),
        }
    }
}

/// Splits `rest` (a line after its indentation and any `- `) into key and value.
fn key_value(rest: &str) -> (Option<String>, String) {
    let key_end = rest
        .char_indices()
        .find(|&(i, c)| c == ':' && rest[i + 1..].chars().next().is_none_or(char::is_whitespace))
        .map(|(i, _)| i);
    let starts_like_key = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    match key_end {
        Some(i) if starts_like_key && !rest[..i].contains(": ") => (
            Some(rest[..i].to_string()),
            without_comment(rest[i + 1..].trim()).to_string(),
        ),
        _ => (None, without_comment(rest).to_string()),
    }
}

fn without_comment(value: &str) -> &str {
    if value.starts_with('#') {
        return "";
    }
    match value.find(" #") {
        Some(i) if !value.starts_with(['"', '\'']) => value[..i].trim_end(),
        _ => value,
    }
}

/// Whether a value opens a `|` or `>` block (`|`, `>-`, `|+`, `|2` …, maybe with a comment).
fn opens_block(value: &str) -> bool {
    let v = value.trim();
    v.starts_with(['|', '>'])
        && v[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

/// Every line of `text`, classified. Block text is recognised as YAML does: the lines after a
/// `key: |` that are blank or indented more than the key's line.
fn classify(text: &str) -> Vec<(String, Line)> {
    let mut out = Vec::new();
    // In a block: the indentation of its key, and of its first line of text once seen.
    let mut block: Option<(usize, Option<usize>)> = None;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw).to_string();
        let indent = line.chars().take_while(|c| *c == ' ').count();
        let rest = &line[indent..];
        if let Some((parent, text_indent)) = block {
            let blank = rest.trim().is_empty();
            // As YAML does: the first line of text sets the indentation of all the others.
            if blank || (indent > parent && text_indent.is_none_or(|t| indent >= t)) {
                if !blank && text_indent.is_none() {
                    block = Some((parent, Some(indent)));
                }
                out.push((line, Line::BlockText));
                continue;
            }
            block = None;
        }
        let kind = if rest.trim().is_empty() {
            Line::Blank
        } else if rest.starts_with('#') {
            Line::Comment
        } else {
            let (dash, start) = match rest
                .strip_prefix("- ")
                .or(rest.strip_prefix('-').filter(|r| r.is_empty()))
            {
                Some(after) => (
                    true,
                    indent + 1 + after.len() - after.trim_start().len() + 1,
                ),
                None => (false, indent),
            };
            let item = line.chars().skip(start).collect::<String>();
            let (key, value) = key_value(&item);
            if opens_block(&value) {
                // The block's text must be indented more than its key.
                block = Some((start, None));
            }
            Line::Content(Content {
                indent,
                dash,
                start,
                key,
                value,
            })
        };
        out.push((line, kind));
    }
    out
}

/// Explains the parser's error `info`, reported at 1-based `line` and 0-based `col`.
pub(crate) fn explain(text: &str, info: &str, line: usize, col: usize) -> Explained {
    let lines = classify(text);
    let at = line.max(1).min(lines.len().max(1)) - 1;
    let content = |i: usize| match lines.get(i) {
        Some((_, Line::Content(c))) => Some(c),
        _ => None,
    };
    // The content lines before `i`, nearest first.
    let before = |i: usize| {
        (0..i.min(lines.len()))
            .rev()
            .filter_map(move |j| content(j).map(|c| (j, c)))
    };
    let explained = |line: usize, col: usize, message: String, help: String| Explained {
        pos: Pos::new(line + 1, col + 1),
        message,
        help,
    };

    if let Some(e) = pasted_unindented(&lines, at) {
        return e;
    }
    if info.contains("quoted scalar")
        && !info.contains("trailing")
        && let Some(c) = content(at)
    {
        return unclosed_quote(&lines[at].0, at, col, c);
    }
    if info.contains("trailing content after")
        && let Some(c) = content(at)
    {
        let quoted = format!("'{}'", c.value.replace('\'', "''"));
        let help = if c.value.starts_with('\'') {
            format!(
                "put the whole text in double quotes: {}",
                c.with_value(&double_quoted(&c.value))
            )
        } else {
            format!(
                "put the whole text in single quotes: {}",
                c.with_value(&quoted)
            )
        };
        return explained(
            at,
            col,
            "there is more text after the closing quote".to_string(),
            help,
        );
    }
    if info.contains("unexpected character") || info.contains("cannot start any token") {
        let ch = match lines[at].0.chars().nth(col) {
            Some('`') => "a backquote (`)".to_string(),
            Some(ch) => format!("`{ch}`"),
            None => "this character".to_string(),
        };
        if let Some(c) = content(at) {
            return explained(
                at,
                col,
                format!("YAML does not allow text to start with {ch}"),
                format!(
                    "put the whole text in double quotes: {}",
                    c.with_value(&double_quoted(&c.value))
                ),
            );
        }
    }
    if info.contains("comments must be separated") {
        return explained(
            at,
            col,
            "a `#` needs a space before it".to_string(),
            "put a space before the `#` to start a comment; if the # is part of the text, put the whole text in double quotes".to_string(),
        );
    }
    // A value starting with `[` or `{` opens a list YAML reads until it is closed, so the
    // reader stops far below: the culprit is the first one left open.
    let open_flow = (0..=at.min(lines.len().saturating_sub(1)))
        .filter_map(|j| content(j).map(|c| (j, c)))
        .find(|(_, c)| {
            c.value.starts_with(['[', '{']) && {
                let opened = c.value.matches(['[', '{']).count();
                let closed = c.value.matches([']', '}']).count();
                opened > closed
            }
        });
    if let Some((j, c)) = open_flow {
        let bracket = &c.value[..1];
        let value_col = c.start + c.key.as_ref().map_or(0, |k| k.chars().count() + 2);
        return explained(
            j,
            value_col,
            format!(
                "YAML reads text starting with `{bracket}` as a list or a set of keys, and this one is never closed"
            ),
            format!(
                "put the whole text in double quotes: {}",
                c.with_value(&double_quoted(&c.value))
            ),
        );
    }
    // `title:Foo`: the key swallows its value, and the reader stops a line or two later.
    let window = std::iter::once(at)
        .filter(|&i| content(i).is_some())
        .chain(before(at).take(2).map(|(j, _)| j));
    let mut glued = None;
    for j in window {
        let (text, _) = &lines[j];
        let c = content(j).expect("a content line");
        if let Some((key, value)) = glued_key(text, c) {
            glued = Some((j, c, key, value));
        }
    }
    if let Some((j, c, key, value)) = glued {
        return explained(
            j,
            c.start,
            format!("there is no space after the colon in `{key}:{value}`"),
            format!("type a space after the colon: `{key}: {value}`"),
        );
    }
    let here = content(at);
    if info.contains("mapping values are not allowed")
        && let Some(c) = here
        && let Some(key) = &c.key
        && col > c.start + key.chars().count()
    {
        return explained(
            at,
            col,
            format!(
                "the text of `{key}` contains `: `, which YAML reads as the start of another key"
            ),
            format!(
                "put the whole text in double quotes: {}",
                c.with_value(&double_quoted(&c.value))
            ),
        );
    }
    if let Some(c) = here
        && c.key.is_some()
        && c.value.starts_with(['[', '{'])
        && !c.value.ends_with([']', '}'])
    {
        let bracket = &c.value[..1];
        return explained(
            at,
            c.start + c.key.as_ref().map_or(0, |k| k.chars().count() + 2),
            format!("YAML reads text starting with `{bracket}` as a list or a set of keys"),
            format!(
                "put the whole text in double quotes: {}",
                c.with_value(&double_quoted(&c.value))
            ),
        );
    }
    if info.contains("expect ':'") || info.contains("expected ':'") {
        // The reader noticed the missing colon at the next key: the culprit is the nearest line
        // without one.
        let culprit = std::iter::once(at)
            .filter(|&i| content(i).is_some())
            .chain(before(at).map(|(j, _)| j))
            .find(|&j| content(j).is_some_and(|c| c.key.is_none() && !c.dash));
        if let Some(j) = culprit {
            return no_colon(&lines, j);
        }
    }
    if let Some(c) = here {
        if let Some(e) = misaligned(&lines, at, c) {
            return e;
        }
    } else if let Some((j, _)) = before(at.min(lines.len())).next()
        && let Some(e) = misaligned(&lines, j, content(j).expect("a content line"))
    {
        return e;
    }
    explained(
        at,
        col,
        "YAML cannot read the file from here".to_string(),
        format!(
            "check this line and the one above it: lines that belong together start at the same column, each colon after a key is followed by a space, and text containing `: ` is in quotes (the YAML reader says: {info})"
        ),
    )
}

/// Text pasted under `body: |` (or any `|` block) without its indentation: the block is empty,
/// and the lines below it, up to the next key of the file, are at the left edge or not indented
/// more than the key. YAML stops at one of them, with a complaint that would have the office add
/// colons; the fix is to indent them all. Found when the parser stopped in those lines or at the
/// key just after them.
fn pasted_unindented(lines: &[(String, Line)], at: usize) -> Option<Explained> {
    let opener = (0..=at.min(lines.len().saturating_sub(1)))
        .rev()
        .find(|&j| matches!(&lines[j].1, Line::Content(c) if opens_block(&c.value)))?;
    let Line::Content(block) = &lines[opener].1 else {
        return None;
    };
    // A key of the file (lower-case, as every key of a bulletin is) at or left of the block's
    // key, or a list item there: the pasted text ends before it.
    let ends_text = |c: &Content| {
        c.indent <= block.start
            && (c.dash || c.indent < block.start || c.key.is_some())
            && c.key
                .as_ref()
                .is_some_and(|k| k.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
    };
    let mut first = None;
    let mut last = None;
    let mut next_key = lines.len();
    for (j, (_, line)) in lines.iter().enumerate().skip(opener + 1) {
        match line {
            Line::BlockText if lines[j].0.trim().is_empty() => {}
            Line::Blank | Line::Comment => {}
            Line::Content(c) if !ends_text(c) => {
                first.get_or_insert(j);
                last = Some(j);
            }
            _ => {
                next_key = j;
                break;
            }
        }
    }
    let (first, last) = (first?, last?);
    if at < first || at > next_key {
        return None;
    }
    let spaces = block.start + 2;
    let range = if first == last {
        format!("line {}", first + 1)
    } else {
        format!("lines {} to {}", first + 1, last + 1)
    };
    let key = block.key.as_deref().unwrap_or("the key");
    Some(Explained {
        pos: Pos::new(first + 1, 1),
        message: format!(
            "the text under `{key}: |` on line {} is not indented, so YAML cannot read it as the text of `{key}`",
            opener + 1
        ),
        help: format!(
            "start {range} with {spaces} spaces each (2 more than `{key}`): every line of the text under `{key}: |` must start further right than `{key}`"
        ),
    })
}

/// `key:value` with no space after the colon (a web address's `https:` does not count).
fn glued_key(line: &str, c: &Content) -> Option<(String, String)> {
    if c.key.is_some() {
        return None;
    }
    let item: String = line.chars().skip(c.start).collect();
    let (key, value) = item.split_once(':')?;
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-');
    let value = without_comment(value.trim_end());
    (simple && !value.is_empty() && !value.starts_with("//") && !value.starts_with(' '))
        .then(|| (key.to_string(), value.to_string()))
}

fn double_quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn unclosed_quote(text: &str, at: usize, col: usize, c: &Content) -> Explained {
    let quote = text.chars().nth(col).filter(|q| *q == '"' || *q == '\'');
    let quote = quote.unwrap_or(if c.value.starts_with('\'') { '\'' } else { '"' });
    let inner = c.value.trim_start_matches(quote).trim_end();
    let mut help = format!(
        "end the text with {quote} on the same line: {}",
        c.with_value(&format!("{quote}{inner}{quote}"))
    );
    if quote == '\'' {
        help.push_str(&format!(
            "; if the ' is an apostrophe, put the whole text in double quotes instead: {}",
            c.with_value(&double_quoted(&c.value))
        ));
    }
    Explained {
        pos: Pos::new(at + 1, col + 1),
        message: format!("the {quote} that starts this text is never closed"),
        help,
    }
}

fn no_colon(lines: &[(String, Line)], j: usize) -> Explained {
    let Line::Content(c) = &lines[j].1 else {
        unreachable!("no_colon is given a content line")
    };
    if let Some(e) = after_block(lines, j, c) {
        return e;
    }
    let words = c.value.split_whitespace().count();
    let help = if words == 1 {
        format!("add a colon after it: `{}:`", c.value)
    } else {
        "write it as `key: value`; if it is more of the text on the line above, move it onto that line"
            .to_string()
    };
    Explained {
        pos: Pos::new(j + 1, c.start + 1),
        message: "this line has no colon: YAML expects `key: value` here".to_string(),
        help,
    }
}

/// A line of text that was meant to be in the `|` block above it, but is not indented enough:
/// not more than the block's key, or less than the block's first line (which sets the
/// indentation of the rest).
fn after_block(lines: &[(String, Line)], j: usize, c: &Content) -> Option<Explained> {
    let mut k = j;
    let mut text_indent = None;
    while k > 0 {
        k -= 1;
        match &lines[k].1 {
            Line::BlockText => {
                let t = &lines[k].0;
                if !t.trim().is_empty() {
                    text_indent = Some((t.chars().take_while(|c| *c == ' ').count(), k));
                }
            }
            Line::Content(block) if opens_block(&block.value) => {
                if let Some((first, first_line)) = text_indent
                    && c.indent > block.start
                    && c.indent < first
                {
                    // Usually the first line is the odd one out: it alone is pushed right.
                    let (at, col, spaces) = if c.indent == block.start + 2 {
                        (first_line, first, c.indent)
                    } else {
                        (j, c.indent, first)
                    };
                    return Some(Explained {
                        pos: Pos::new(at + 1, col + 1),
                        message: format!(
                            "the lines of the text of {} (line {}) do not start at the same column",
                            block.name(),
                            k + 1
                        ),
                        help: format!(
                            "start this line with {spaces} spaces, like the other lines of the text: YAML takes the first line's indentation for all of them"
                        ),
                    });
                }
                if c.key.is_some() || c.dash {
                    return None;
                }
                let spaces = text_indent.map_or(block.start + 2, |(t, _)| t);
                return Some(Explained {
                    pos: Pos::new(j + 1, c.start + 1),
                    message: format!(
                        "this line is not indented enough to be part of the text of {} on line {}",
                        block.name(),
                        k + 1
                    ),
                    help: format!(
                        "put {spaces} spaces before it, like the text above it (the text of a `|` block is indented more than its key)"
                    ),
                });
            }
            Line::Blank | Line::Comment => {}
            _ => return None,
        }
    }
    None
}

/// A key or a list item that does not line up with what it belongs with.
fn misaligned(lines: &[(String, Line)], at: usize, c: &Content) -> Option<Explained> {
    if let Some(e) = after_block(lines, at, c) {
        return Some(e);
    }
    // The lines this one could line up with: the nearest content line, then each line less
    // indented than everything since (its parents).
    let mut keys: Vec<(usize, usize)> = Vec::new(); // (column, line index)
    let mut dashes: Vec<(usize, usize)> = Vec::new();
    let mut min_indent = usize::MAX;
    for j in (0..at).rev() {
        let Line::Content(p) = &lines[j].1 else {
            continue;
        };
        if p.indent >= min_indent {
            continue;
        }
        min_indent = p.indent;
        if p.key.is_some() || !p.dash {
            keys.push((p.start, j));
        }
        if p.dash {
            dashes.push((p.indent, j));
        }
        if p.indent == 0 {
            break;
        }
    }
    let line_no = |j: usize| j + 1;
    if c.dash {
        let (want, j) = dashes
            .iter()
            .copied()
            .filter(|(d, _)| *d != c.indent)
            .min_by_key(|(d, _)| d.abs_diff(c.indent))?;
        return Some(Explained {
            pos: Pos::new(at + 1, c.indent + 1),
            message: format!(
                "this list item is not lined up with the one on line {}",
                line_no(j)
            ),
            help: format!(
                "put {want} space{} before the `-`, as on line {}: items of one list start at the same column",
                if want == 1 { "" } else { "s" },
                line_no(j)
            ),
        });
    }
    let name = c.name();
    if let Some(&(_, j)) = dashes.iter().find(|(d, _)| *d == c.indent) {
        let Line::Content(item) = &lines[j].1 else {
            return None;
        };
        return Some(Explained {
            pos: Pos::new(at + 1, c.start + 1),
            message: format!(
                "{name} starts at the `-` of the list item on line {}",
                line_no(j)
            ),
            help: format!(
                "to add it to that item, put {} spaces before it, so that it starts under {} on line {}; to start a new item, begin the line with `- `",
                item.start,
                item.name(),
                line_no(j)
            ),
        });
    }
    let (want, j) = keys
        .iter()
        .copied()
        .filter(|(k, _)| *k > c.indent)
        .min_by_key(|(k, _)| *k)
        .or_else(|| keys.first().copied().filter(|(k, _)| *k < c.indent))?;
    let Line::Content(other) = &lines[j].1 else {
        return None;
    };
    let help = if want == 0 {
        format!(
            "remove the spaces before {name}, so that it starts at the left edge like {}: keys that belong together start at the same column",
            other.name()
        )
    } else {
        format!(
            "put {want} space{} before {name}, so that it starts under {}: keys that belong together start at the same column",
            if want == 1 { "" } else { "s" },
            other.name()
        )
    };
    Some(Explained {
        pos: Pos::new(at + 1, c.start + 1),
        message: format!(
            "{name} is not lined up with {} on line {}",
            other.name(),
            line_no(j)
        ),
        help,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::yaml;

    /// The one error `text` gives, as the loader reports it.
    fn error(text: &str) -> (Pos, String, String) {
        let e = yaml::parse(Path::new("t.yaml"), text).expect_err("a syntax error");
        let d = &e.0[0];
        (d.pos, d.message.clone(), d.help.clone().unwrap_or_default())
    }

    #[test]
    fn an_over_indented_key_lines_up_with_its_sibling() {
        let (pos, message, help) =
            error("title: a\nmessage:\n  author: x\n    body: y\nsections: []\n");
        assert_eq!(pos, Pos::new(4, 5));
        assert_eq!(message, "`body` is not lined up with `author` on line 3");
        assert!(help.starts_with("put 2 spaces before `body`"), "{help}");
    }

    #[test]
    fn an_under_indented_key_lines_up_with_the_nearest_deeper_sibling() {
        let (pos, message, _) = error("title: a\nmessage:\n  author: x\n body: y\n");
        assert_eq!(pos, Pos::new(4, 2));
        assert_eq!(message, "`body` is not lined up with `author` on line 3");
    }

    #[test]
    fn text_pasted_without_indentation_is_one_error_naming_its_lines() {
        let text = "title: a\nsections:\n  - title: b\n    body: |\nFirst line.\nSecond: line\n\n- a bullet\n  - title: c\n";
        let (pos, message, help) = error(text);
        assert_eq!(pos, Pos::new(5, 1));
        assert_eq!(
            message,
            "the text under `body: |` on line 4 is not indented, so YAML cannot read it as the text of `body`"
        );
        assert!(
            help.starts_with("start lines 5 to 8 with 6 spaces each"),
            "{help}"
        );
        // In the message, at the end of the file.
        let (pos, _, help) = error("message:\n  body: |\nThanks\nBrian\n");
        assert_eq!(pos, Pos::new(3, 1));
        assert!(
            help.starts_with("start lines 3 to 4 with 4 spaces each"),
            "{help}"
        );
    }

    #[test]
    fn a_glued_colon_on_the_first_line_is_found_from_the_second() {
        let (pos, message, _) = error("title:Foo\ndate: 2021-10-20\n");
        assert_eq!(pos, Pos::new(1, 1));
        assert_eq!(message, "there is no space after the colon in `title:Foo`");
    }

    #[test]
    fn a_web_address_is_not_a_glued_colon() {
        let c = |line: &str| match classify(line).remove(0).1 {
            Line::Content(c) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(glued_key("- https://x.org", &c("- https://x.org")), None);
        assert_eq!(
            glued_key("url:https://x.org", &c("url:https://x.org")),
            Some(("url".to_string(), "https://x.org".to_string()))
        );
    }

    #[test]
    fn a_character_yaml_reserves_asks_for_quotes() {
        let (pos, message, help) = error("title: @home\n");
        assert_eq!(pos, Pos::new(1, 8));
        assert_eq!(message, "YAML does not allow text to start with `@`");
        assert_eq!(
            help,
            "put the whole text in double quotes: title: \"@home\""
        );
    }

    #[test]
    fn odd_positions_never_panic() {
        for (text, line, col) in [
            ("", 0, 0),
            ("a", 9, 9),
            ("a: b\n", 1, 99),
            ("- x\n -y", 2, 0),
        ] {
            let e = explain(text, "did not find expected key", line, col);
            assert!(e.pos.line >= 1 && !e.message.is_empty(), "{e:?}");
        }
    }

    /// Many ways of breaking the example (a character deleted or inserted at the start of a
    /// line or after a colon): the explanation never panics, points into the file, never uses
    /// the parser's own words, and rarely has to fall back to a general one.
    #[test]
    fn every_broken_line_of_the_example_is_explained_in_plain_words() {
        let example = include_str!("../../../bulletins/2021-10-20.yaml");
        let mut starts: Vec<usize> = vec![0];
        starts.extend(example.match_indices('\n').map(|(i, _)| i + 1));
        starts.extend(example.match_indices(": ").take(40).map(|(i, _)| i + 1));
        let (mut explained, mut general) = (0, 0);
        for &at in starts.iter().filter(|&&i| i < example.len()) {
            let mut variants = vec![];
            for insert in [" ", "\"", "[", "x: "] {
                variants.push(format!("{}{insert}{}", &example[..at], &example[at..]));
            }
            let next = example[at..].chars().next().map_or(0, char::len_utf8);
            variants.push(format!("{}{}", &example[..at], &example[at + next..]));
            for text in variants {
                let Err(e) = yaml::parse(Path::new("t.yaml"), &text) else {
                    continue;
                };
                let lines = text.split('\n').count();
                for d in &e.0 {
                    assert!(d.pos.line <= lines, "{d} is past the end");
                    for jargon in ["scalar", "indicator", "simple key", "block mapping"] {
                        assert!(!d.message.contains(jargon), "{d}");
                    }
                }
                explained += 1;
                if e.0[0].message.starts_with("YAML cannot read") {
                    general += 1;
                }
            }
        }
        assert!(explained > 100, "only {explained} broken variants");
        assert!(
            general * 20 < explained,
            "{general} of {explained} explained only generally"
        );
    }
}
