//! Markdown in a bulletin (bodies of sections and of the message), parsed once into the small
//! tree of [`bulletin_model::markdown`] that both the HTML and the plain-text views render from.
//!
//! Only what an email can carry is kept: paragraphs, lists, emphasis, links, sub-headings, quotes
//! and code. Raw HTML and images are reported as problems, never passed through.
//!
//! Written for office staff rather than Markdown users: a line break typed in the text is a line
//! break in the email, a bare `https://` address becomes a link, bullets pasted from Word are
//! taken as bullet points (with a warning), and tables and lines indented into a code block,
//! which nobody means in a bulletin, are reported. So are the two ways pasted text goes wrong
//! quietly: columns separated by tabs (a table pasted from Word or Excel), and a line typed
//! straight under a list, which Markdown joins into the last bullet point.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::utils::TextMergeWithOffset;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::limits::MAX_MARKDOWN_DEPTH;
use crate::url::url_problem;
use bulletin_model::markdown::{Block, FoundLink, Inline, Markdown, Problem, plain_text};

enum Frame {
    Root(Vec<Block>),
    Quote(Vec<Block>),
    /// The blocks of a list item, and whether its last block is a paragraph still taking text
    /// (tight lists have no paragraph events).
    Item(Vec<Block>, bool),
    List(Option<u64>, Vec<Vec<Block>>),
    Para(Vec<Inline>),
    Heading(Vec<Inline>),
    Em(Vec<Inline>),
    Strong(Vec<Inline>),
    Link(String, Vec<Inline>, usize),
    Code(String),
    /// Content that is dropped (an image, raw HTML): already reported.
    Skip,
    /// A table, dropped up to its end: already reported.
    Table,
}

/// Parses Markdown source.
pub fn parse(source: &str) -> Markdown {
    let mut md = Markdown::default();
    tab_tables(source, &mut md.warnings);
    hard_wrapped(source, &mut md.warnings);
    let rewritten = word_bullets(source, &mut md.warnings);
    let source = &*rewritten.text;
    let mut stack = vec![Frame::Root(Vec::new())];
    // The column each open list item's text starts at, and whether the last event was a line
    // break inside a paragraph (after which a line less indented was joined on lazily).
    let mut item_columns: Vec<usize> = Vec::new();
    let mut after_break = false;
    // Tables are recognised only to be reported; neighbouring text is merged so that a web
    // address split into several text events is found whole.
    let events = Parser::new_ext(source, Options::ENABLE_TABLES).into_offset_iter();
    for (event, range) in TextMergeWithOffset::new(events) {
        let at = range.start;
        if matches!(stack.last(), Some(Frame::Table)) {
            if let Event::End(TagEnd::Table) = event {
                stack.pop();
            }
            continue;
        }
        if matches!(stack.last(), Some(Frame::Skip)) {
            if let Event::End(TagEnd::Image | TagEnd::HtmlBlock) = event {
                stack.pop();
            }
            continue;
        }
        if after_break
            && let Some(column) = item_columns.last()
            && let Some(offset) = joined_to_item(source, at, *column)
        {
            md.warnings.push(joined_line(rewritten.original(offset)));
        }
        after_break = matches!(event, Event::SoftBreak);
        match &event {
            Event::Start(Tag::Item) => item_columns.push(item_text_column(source, at)),
            Event::End(TagEnd::Item) => {
                item_columns.pop();
            }
            _ => {}
        }
        // The tree is rendered and dropped recursively: it must stay shallow.
        if let Event::Start(tag) = &event
            && let Some(problem) = too_deep(&stack, tag, at)
        {
            md.problems.push(problem);
            break;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => stack.push(Frame::Para(Vec::new())),
                Tag::Heading { .. } => stack.push(Frame::Heading(Vec::new())),
                Tag::BlockQuote(_) => stack.push(Frame::Quote(Vec::new())),
                Tag::CodeBlock(kind) => {
                    if let CodeBlockKind::Indented = kind {
                        md.problems.push(indented_code(at));
                    }
                    stack.push(Frame::Code(String::new()))
                }
                Tag::Table(_) => {
                    md.problems.push(table(at));
                    stack.push(Frame::Table);
                }
                Tag::List(start) => stack.push(Frame::List(start, Vec::new())),
                Tag::Item => stack.push(Frame::Item(Vec::new(), false)),
                Tag::Emphasis => stack.push(Frame::Em(Vec::new())),
                Tag::Strong => stack.push(Frame::Strong(Vec::new())),
                Tag::Link { dest_url, .. } => {
                    if let Some((message, help)) = url_problem(&dest_url, true) {
                        md.problems.push(Problem {
                            offset: at,
                            message,
                            help,
                        });
                    }
                    stack.push(Frame::Link(dest_url.to_string(), Vec::new(), at));
                }
                Tag::Image { .. } => {
                    md.problems.push(Problem {
                        offset: at,
                        message: "images are not supported in the text".into(),
                        help: "Outlook blocks images by default: link to the document instead"
                            .into(),
                    });
                    stack.push(Frame::Skip);
                }
                Tag::HtmlBlock => {
                    md.problems.push(raw_html(at));
                    stack.push(Frame::Skip);
                }
                _ => stack.push(Frame::Skip),
            },
            Event::End(_) => {
                let Some(frame) = stack.pop() else { break };
                match frame {
                    Frame::Para(c) => push_block(&mut stack, Block::Para(c)),
                    Frame::Heading(c) => push_block(&mut stack, Block::Heading(c)),
                    Frame::Quote(b) => push_block(&mut stack, Block::Quote(b)),
                    Frame::Code(t) => push_block(&mut stack, Block::Code(t)),
                    Frame::List(start, items) => {
                        push_block(&mut stack, Block::List { start, items })
                    }
                    Frame::Item(blocks, _) => {
                        if let Some(Frame::List(_, items)) = stack.last_mut() {
                            items.push(blocks);
                        }
                    }
                    Frame::Em(c) => push_inline(&mut stack, Inline::Em(c)),
                    Frame::Strong(c) => push_inline(&mut stack, Inline::Strong(c)),
                    Frame::Link(url, content, offset) => {
                        md.links.push(FoundLink {
                            text: plain_text(&content),
                            url: url.clone(),
                            offset,
                            // The end event's range is the whole link's.
                            end: range.end,
                        });
                        push_inline(&mut stack, Inline::Link { url, content });
                    }
                    Frame::Root(b) => stack.push(Frame::Root(b)),
                    Frame::Skip | Frame::Table => {}
                }
            }
            Event::Text(t) => {
                if let Some(Frame::Code(code)) = stack.last_mut() {
                    code.push_str(&t);
                } else if stack.iter().any(|f| matches!(f, Frame::Link(..))) {
                    push_inline(&mut stack, Inline::Text(t.to_string()));
                } else {
                    push_text_with_links(&mut stack, &mut md, source, &t, range);
                }
            }
            Event::Code(t) => push_inline(&mut stack, Inline::Code(t.to_string())),
            // A line break typed in the text is kept, as in Outlook, Slack or GitHub comments.
            Event::SoftBreak => push_inline(&mut stack, Inline::Break),
            Event::HardBreak => push_inline(&mut stack, Inline::Break),
            Event::Rule => push_block(&mut stack, Block::Rule),
            Event::Html(_) | Event::InlineHtml(_) => md.problems.push(raw_html(at)),
            _ => {}
        }
    }
    if let Some(Frame::Root(blocks)) = stack.into_iter().next() {
        md.blocks = blocks;
    }
    for p in &mut md.problems {
        p.offset = rewritten.original(p.offset);
    }
    for l in &mut md.links {
        l.offset = rewritten.original(l.offset);
    }
    md
}

/// A problem if opening `tag` would nest quotes and lists, or emphasis and links, more than
/// [`MAX_MARKDOWN_DEPTH`] deep.
fn too_deep(stack: &[Frame], tag: &Tag, offset: usize) -> Option<Problem> {
    let (what, counts): (&str, fn(&Frame) -> bool) = match tag {
        Tag::BlockQuote(_) | Tag::List(_) => ("quotes and lists", |f| {
            matches!(f, Frame::Quote(_) | Frame::List(..))
        }),
        Tag::Emphasis | Tag::Strong | Tag::Link { .. } => ("emphasis and links", |f| {
            matches!(f, Frame::Em(_) | Frame::Strong(_) | Frame::Link(..))
        }),
        _ => return None,
    };
    (stack.iter().filter(|f| counts(f)).count() >= MAX_MARKDOWN_DEPTH).then(|| Problem {
        offset,
        message: format!("{what} are nested too deeply here (more than {MAX_MARKDOWN_DEPTH} levels)"),
        help: "check the `>`, `-`, `*` and `_` at the start of the text: a bulletin needs only a few levels".into(),
    })
}

fn raw_html(offset: usize) -> Problem {
    Problem {
        offset,
        message: "raw HTML is not allowed in the text".into(),
        help: "use Markdown instead: **bold**, *italic*, - lists, [link text](https://...); to show a `<` write \\<".into(),
    }
}

/// Characters that start a bullet point in Word or in text pasted from it.
const WORD_BULLETS: &[char] = &['•', '◦', '▪', '·', '–', '—'];

/// Markdown source with bullets typed as in Word made into Markdown bullets, and the way back
/// from its byte offsets to those of the text as written.
struct Rewritten<'s> {
    text: Cow<'s, str>,
    /// (offset in `text`, bytes removed just before it), in order.
    shifts: Vec<(usize, usize)>,
}

impl Rewritten<'_> {
    /// The offset in the text as written of `offset` in the rewritten text.
    fn original(&self, offset: usize) -> usize {
        offset
            + self
                .shifts
                .iter()
                .filter(|(at, _)| *at < offset)
                .map(|(_, n)| n)
                .sum::<usize>()
    }
}

/// Lines starting with a bullet pasted from Word (`•`, `◦`, `▪`, `·`) or typed as a dash (`–`,
/// `—`) are made Markdown bullets: the character becomes `-`, one column wide like it, so that
/// sub-bullets indented under its text still nest. Each draws a warning so the text gets fixed.
fn word_bullets<'s>(source: &'s str, warnings: &mut Vec<Problem>) -> Rewritten<'s> {
    let mut text = String::new();
    let mut shifts = Vec::new();
    let mut copied = 0;
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(c) = rest.chars().next().filter(|c| WORD_BULLETS.contains(c)) {
            let after = &rest[c.len_utf8()..];
            let spaced = after.starts_with([' ', '\t']);
            if (spaced || matches!(c, '•' | '◦' | '▪')) && !after.trim().is_empty() {
                let at = line_start + indent;
                text.push_str(&source[copied..at]);
                let marker = if spaced { "-" } else { "- " };
                text.push_str(marker);
                copied = at + c.len_utf8();
                shifts.push((text.len(), c.len_utf8() - marker.len()));
                warnings.push(Problem {
                    offset: at,
                    message: format!("`{c}` at the start of a line is taken as a bullet point"),
                    help: format!("type `- ` (a hyphen and a space) instead of `{c}`: that is how a bullet point is written in a bulletin"),
                });
            }
        }
        line_start += line.len();
    }
    if shifts.is_empty() {
        return Rewritten {
            text: Cow::Borrowed(source),
            shifts,
        };
    }
    text.push_str(&source[copied..]);
    Rewritten {
        text: Cow::Owned(text),
        shifts,
    }
}

/// Runs of lines with a tab between their words (a table copied from Word or Excel arrives so):
/// the email would run the columns together. One warning per run, at its first line.
fn tab_tables(source: &str, warnings: &mut Vec<Problem>) {
    let mut start: Option<(usize, usize)> = None; // (offset of the run's first line, rows)
    let mut offset = 0;
    let mut finish = |start: &mut Option<(usize, usize)>| {
        if let Some((at, rows)) = start.take() {
            let rows = if rows == 1 {
                "1 row".to_string()
            } else {
                format!("{rows} rows")
            };
            warnings.push(Problem {
                offset: at,
                message: format!("this looks like a table pasted with tabs between its columns ({rows}): the email would run the columns together"),
                help: "write each row as a bullet point instead, with the columns in words, e.g. `- Monday: 8am to 6.30pm`".into(),
            });
        }
    };
    for line in source.split_inclusive('\n') {
        let words = line.trim();
        let indent = line.len() - line.trim_start().len();
        if words.contains('\t') {
            match &mut start {
                Some((_, rows)) => *rows += 1,
                None => start = Some((offset + indent, 1)),
            }
        } else {
            finish(&mut start);
        }
        offset += line.len();
    }
    finish(&mut start);
}

/// How many lines in a row of 60 characters or more make a paragraph look pasted with its line
/// breaks kept (from a PDF, or an email that wrapped its text at about 72).
const WRAPPED_RUN: usize = 3;
const WRAPPED_LINE: usize = 60;

/// Runs of [`WRAPPED_RUN`] or more lines of a paragraph, each [`WRAPPED_LINE`] characters or
/// longer: text pasted with the line breaks of the page it came from. Each line break in a
/// paragraph is kept, so the email would break the text at the same places on every screen.
/// One warning per run, at its first line; a blank line or a new list item ends a paragraph.
fn hard_wrapped(source: &str, warnings: &mut Vec<Problem>) {
    let mut run: Option<(usize, usize)> = None; // (offset of the run's first line, lines)
    let mut finish = |run: &mut Option<(usize, usize)>| {
        if let Some((at, lines)) = run.take()
            && lines >= WRAPPED_RUN
        {
            warnings.push(Problem {
                offset: at,
                message: format!("{lines} lines in a row here are {WRAPPED_LINE} characters or longer: this looks like text pasted with its line breaks kept (from a PDF or an email), and the email would break it at the same places on every screen"),
                help: "join the lines of each paragraph into one (in the desk or your editor, delete each line break and type a space); keep a line break only where one is meant".into(),
            });
        }
    };
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let words = line.trim();
        let indent = line.len() - line.trim_start().len();
        let new_item = words.starts_with(['-', '*', '+']) && words[1..].starts_with(' ')
            || words.split_once(['.', ')']).is_some_and(|(n, after)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && after.starts_with(' ')
            });
        if new_item || words.is_empty() {
            finish(&mut run);
        }
        if words.chars().count() >= WRAPPED_LINE {
            match &mut run {
                Some((_, lines)) => *lines += 1,
                None => run = Some((offset + indent, 1)),
            }
        } else {
            finish(&mut run);
        }
        offset += line.len();
    }
    finish(&mut run);
}

/// The column where the text of the list item whose marker is at byte `at` starts: after the
/// marker (`-`, `*`, `+`, `1.`, `1)`) and the spaces after it.
fn item_text_column(source: &str, at: usize) -> usize {
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let rest = &source[at..];
    let marker = rest
        .find(|c: char| !c.is_ascii_digit())
        .map_or(0, |digits| if digits > 0 { digits + 1 } else { 1 });
    let spaces = rest[marker.min(rest.len())..]
        .chars()
        .take_while(|c| *c == ' ')
        .count()
        .clamp(1, 4);
    source[line_start..at].chars().count() + marker + spaces
}

/// If the line holding byte `at` starts (after its spaces) at `at`, left of `column`: the offset
/// of its text. Markdown joins such a line, typed straight under a list, into the last bullet.
fn joined_to_item(source: &str, at: usize, column: usize) -> Option<usize> {
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &source[line_start..at.min(source.len())];
    (before.chars().all(|c| c == ' ') && before.len() < column).then_some(at)
}

fn joined_line(offset: usize) -> Problem {
    Problem {
        offset,
        message: "this line is joined to the bullet point above it".into(),
        help: "to end the list, leave a blank line before this line; to keep it in the bullet point, indent it 2 spaces, under the bullet's text".into(),
    }
}

fn table(offset: usize) -> Problem {
    Problem {
        offset,
        message: "tables (lines of `|`) cannot be shown in the bulletin".into(),
        help: "write each row as a bullet point instead, e.g. `- Monday: 8am to 6.30pm`".into(),
    }
}

fn indented_code(offset: usize) -> Problem {
    Problem {
        offset,
        message: "this line starts with 4 or more spaces, so it would be shown as computer code in a grey box".into(),
        help: "remove the spaces at the start of the line; to continue a bullet point, indent it 2 spaces under the bullet's text".into(),
    }
}

/// Adds text to the current paragraph, making each bare web address in it (`https://…`, typed
/// without `[...](...)`) a link whose text is the address, as mail programs do. `range` is where
/// the text is in `source`, to point at each address; its link is checked like any other.
fn push_text_with_links(
    stack: &mut [Frame],
    md: &mut Markdown,
    source: &str,
    text: &str,
    range: Range<usize>,
) {
    let written = source.get(range.clone()).unwrap_or("");
    let mut searched = 0;
    let mut rest = text;
    while let Some((start, end)) = find_bare_url(rest) {
        if start > 0 {
            push_inline(stack, Inline::Text(rest[..start].to_string()));
        }
        let url = &rest[start..end];
        let offset = match written[searched..].find(url) {
            Some(i) => {
                searched += i + url.len();
                range.start + searched - url.len()
            }
            None => range.start,
        };
        if let Some((message, help)) = url_problem(url, true) {
            md.problems.push(Problem {
                offset,
                message,
                help,
            });
        }
        md.links.push(FoundLink {
            text: url.to_string(),
            url: url.to_string(),
            offset,
            end: offset + url.len(),
        });
        push_inline(
            stack,
            Inline::Link {
                url: url.to_string(),
                content: vec![Inline::Text(url.to_string())],
            },
        );
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        push_inline(stack, Inline::Text(rest.to_string()));
    }
}

/// Where the first bare `https://` (or `http://`, to be reported as not secure) address in
/// `text` starts and ends. It starts a word and ends before a space, a quote or an angle
/// bracket; punctuation after it (`.`, `,`, `)` not opened in it, ...) is left out, as GitHub does.
fn find_bare_url(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = text[from..].find("http") {
        let start = from + i;
        from = start + 4;
        let tail = &text[start..];
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|s| tail.starts_with(s))
            .map_or(0, str::len);
        let starts_word = !text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '.');
        if scheme == 0 || !starts_word {
            continue;
        }
        let len = tail
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”' | '‘' | '’')
            })
            .unwrap_or(tail.len());
        let mut url = &tail[..len];
        while let Some(c) = url.chars().next_back() {
            let unopened = |open: char, close: char| {
                c == close && url.matches(close).count() > url.matches(open).count()
            };
            if matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~'
            ) || unopened('(', ')')
                || unopened('[', ']')
            {
                url = &url[..url.len() - c.len_utf8()];
            } else {
                break;
            }
        }
        if url.len() > scheme {
            return Some((start, start + url.len()));
        }
    }
    None
}

fn push_block(stack: &mut [Frame], block: Block) {
    match stack.last_mut() {
        Some(Frame::Root(b) | Frame::Quote(b)) => b.push(block),
        Some(Frame::Item(b, open)) => {
            b.push(block);
            *open = false;
        }
        _ => {}
    }
}

fn push_inline(stack: &mut [Frame], inline: Inline) {
    let target = match stack.last_mut() {
        Some(
            Frame::Para(c)
            | Frame::Heading(c)
            | Frame::Em(c)
            | Frame::Strong(c)
            | Frame::Link(_, c, _),
        ) => c,
        Some(Frame::Item(blocks, open)) => {
            if !*open {
                blocks.push(Block::Para(Vec::new()));
                *open = true;
            }
            match blocks.last_mut() {
                Some(Block::Para(c)) => c,
                _ => return,
            }
        }
        _ => return,
    };
    // Join neighbouring text so that wrapping and escaping see whole runs.
    if let (Inline::Text(new), Some(Inline::Text(last))) = (&inline, target.last_mut()) {
        last.push_str(new);
        return;
    }
    target.push(inline);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tight_and_nested_lists() {
        let md = parse("- one\n- two\n  - inner *em*\n");
        assert!(md.problems.is_empty());
        let Block::List { items, .. } = &md.blocks[0] else {
            panic!("{:?}", md.blocks)
        };
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            vec![Block::Para(vec![Inline::Text("one".into())])]
        );
        let Block::List { items: inner, .. } = &items[1][1] else {
            panic!("{:?}", items[1])
        };
        assert_eq!(
            inner[0],
            vec![Block::Para(vec![
                Inline::Text("inner ".into()),
                Inline::Em(vec![Inline::Text("em".into())])
            ])]
        );
    }

    #[test]
    fn raw_html_and_bad_links_are_problems() {
        let md = parse("Hello\n\n<b>bold</b> and <i>x</i>\n");
        assert!(!md.problems.is_empty());
        assert_eq!(md.problems[0].offset, 7);
        let md = parse("See [the plan](http://example.org/x.pdf).");
        assert_eq!(md.problems.len(), 1);
        assert_eq!(md.links[0].text, "the plan");
        assert!(
            parse("[mail us](mailto:office@example.org)")
                .problems
                .is_empty()
        );
    }

    fn link(url: &str) -> Inline {
        Inline::Link {
            url: url.into(),
            content: vec![Inline::Text(url.into())],
        }
    }

    #[test]
    fn a_typed_line_break_is_kept() {
        let md = parse("Best wishes,\nBrian\n");
        assert_eq!(
            md.blocks,
            vec![Block::Para(vec![
                Inline::Text("Best wishes,".into()),
                Inline::Break,
                Inline::Text("Brian".into())
            ])]
        );
    }

    #[test]
    fn bare_web_addresses_become_links_without_trailing_punctuation() {
        let src = "See https://a.example.org/x.pdf, (https://a.example.org/w_(b)) and https://a.example.org/y.\n";
        let md = parse(src);
        assert!(md.problems.is_empty(), "{:?}", md.problems);
        assert_eq!(
            md.blocks,
            vec![Block::Para(vec![
                Inline::Text("See ".into()),
                link("https://a.example.org/x.pdf"),
                Inline::Text(", (".into()),
                link("https://a.example.org/w_(b)"),
                Inline::Text(") and ".into()),
                link("https://a.example.org/y"),
                Inline::Text(".".into()),
            ])]
        );
        let offsets: Vec<usize> = md.links.iter().map(|l| l.offset).collect();
        assert_eq!(offsets, vec![4, 34, 67]);
        assert_eq!(md.links[0].text, "https://a.example.org/x.pdf");
    }

    #[test]
    fn addresses_in_links_and_code_stay_as_they_are_and_http_is_reported() {
        let md = parse(
            "[the page https://a.example.org](https://a.example.org) `https://b.example.org`",
        );
        assert_eq!(md.links.len(), 1);
        assert_eq!(md.links[0].text, "the page https://a.example.org");
        let md = parse("Old: http://a.example.org/plan");
        assert_eq!(md.problems.len(), 1);
        assert_eq!(md.problems[0].offset, 5);
        assert!(md.problems[0].message.contains("not secure"));
        assert!(parse("shttps://no").links.is_empty());
    }

    #[test]
    fn tables_are_problems_at_their_first_line() {
        let md = parse("Hours:\n\n| Day | Hours |\n|---|---|\n| Mon | 9-5 |\n\nAfter.\n");
        assert_eq!(md.problems.len(), 1, "{:?}", md.problems);
        assert_eq!(md.problems[0].offset, 8);
        assert!(md.problems[0].message.contains("tables"));
        assert_eq!(md.blocks.len(), 2, "the text around the table is kept");
        assert!(parse("a | b\nc | d\n").problems.is_empty());
    }

    #[test]
    fn an_indented_code_block_is_a_problem_but_list_continuations_are_not() {
        let md = parse("Note:\n\n    indented text\n");
        assert_eq!(md.problems.len(), 1);
        assert_eq!(md.problems[0].offset, 11);
        let md = parse("- item\n  more of it\n\n  another paragraph\n  - inner\n");
        assert!(md.problems.is_empty(), "{:?}", md.problems);
        assert!(parse("```\ncode\n```\n").problems.is_empty());
    }

    #[test]
    fn word_bullets_become_a_list_with_a_warning_each() {
        let md = parse("Points:\n• one\n  ◦ two\n·three\n– four\n–5 degrees\n");
        assert!(md.problems.is_empty());
        let offsets = |joined: bool| -> Vec<usize> {
            md.warnings
                .iter()
                .filter(|w| w.message.contains("joined") == joined)
                .map(|w| w.offset)
                .collect()
        };
        assert_eq!(offsets(false), vec![8, 18, 34]);
        // `·three` and `–5 degrees` are not bullets: each is joined to the bullet above it.
        assert_eq!(offsets(true), vec![26, 43]);
        let Block::List { items, .. } = &md.blocks[1] else {
            panic!("{:?}", md.blocks)
        };
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(matches!(&items[0][1], Block::List { .. }), "{items:?}");
        // Offsets after a rewritten bullet still point into the text as written.
        let md = parse("• see http://a.example.org\n");
        assert_eq!(md.problems[0].offset, 8);
        // `·` needs a space after it, and a dash before a number is not a bullet.
        assert_eq!(
            items[1][0],
            Block::Para(vec![
                Inline::Text("four".into()),
                Inline::Break,
                Inline::Text("–5 degrees".into())
            ])
        );
    }

    #[test]
    fn a_line_typed_straight_under_a_list_is_joined_with_a_warning() {
        let md = parse("Points:\n\n- one\n- two\nAfter the list.\n");
        let offsets: Vec<usize> = md.warnings.iter().map(|w| w.offset).collect();
        assert_eq!(offsets, vec![21], "{:?}", md.warnings);
        assert!(md.warnings[0].message.contains("joined"));
        // Under a nested item, at the outer item's text: still joined to the inner one.
        let md = parse("- one\n  - inner\n  more\n");
        assert_eq!(md.warnings.len(), 1, "{:?}", md.warnings);
        // A continuation indented under the text, a blank line, or a numbered item's text: fine.
        for ok in [
            "- one\n  more of it\n",
            "- one\n\nAfter.\n",
            "1. one\n   more\n",
            "- *one*\n- two\n",
            "Line one\nline two\n",
        ] {
            assert!(
                parse(ok).warnings.is_empty(),
                "{ok}: {:?}",
                parse(ok).warnings
            );
        }
        let md = parse("1. one\n**Next**\n");
        assert_eq!(md.warnings.len(), 1, "{:?}", md.warnings);
    }

    #[test]
    fn three_long_lines_in_a_row_of_a_paragraph_are_a_paste_with_its_line_breaks() {
        let line = "Practices should review the guidance on fit notes before the end of";
        assert!(line.len() >= 60);
        let pasted = format!("Intro.\n\n{line}\n{line}\n{line}\nthe month.\n");
        let md = parse(&pasted);
        let offsets: Vec<usize> = md.warnings.iter().map(|w| w.offset).collect();
        assert_eq!(offsets, vec![8], "{:?}", md.warnings);
        assert!(
            md.warnings[0]
                .message
                .starts_with("3 lines in a row here are 60 characters")
        );
        // Inside a bullet point too, its first line with the marker.
        let md = parse(&format!("- {line}\n  {line}\n  {line}\n"));
        assert_eq!(md.warnings.len(), 1, "{:?}", md.warnings);
        // Two long lines, long one-line paragraphs, or long bullet points one after another: no.
        assert!(
            parse(&format!("{line}\n{line}\nshort\n"))
                .warnings
                .is_empty()
        );
        assert!(
            parse(&format!("{line}\n\n{line}\n\n{line}\n"))
                .warnings
                .is_empty()
        );
        assert!(
            parse(&format!("- {line}\n- {line}\n- {line}\n"))
                .warnings
                .is_empty()
        );
        assert!(
            parse(&format!("1. {line}\n2. {line}\n3. {line}\n"))
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn columns_separated_by_tabs_are_one_warning_per_table() {
        let md = parse("Opening hours:\nDay\tHours\nMonday\t8am to 6.30pm\n\nTuesday\tclosed\n");
        let offsets: Vec<usize> = md.warnings.iter().map(|w| w.offset).collect();
        assert_eq!(offsets, vec![15, 47], "{:?}", md.warnings);
        assert!(
            md.warnings[0].message.contains("(2 rows)"),
            "{}",
            md.warnings[0].message
        );
        assert!(md.warnings[1].message.contains("(1 row)"));
        assert!(parse("No tabs here\n").warnings.is_empty());
    }
}
