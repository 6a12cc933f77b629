//! Markdown in a bulletin (bodies of sections and of the message), parsed once into a small tree
//! that both the HTML and the plain-text views render from.
//!
//! Only what an email can carry is kept: paragraphs, lists, emphasis, links, sub-headings, quotes
//! and code. Raw HTML and images are reported as problems, never passed through.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::input::limits::MAX_MARKDOWN_DEPTH;
use crate::input::url::url_problem;

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Para(Vec<Inline>),
    /// A sub-heading inside a section (rendered one level below the section's heading).
    Heading(Vec<Inline>),
    /// `start` is `Some(n)` for a numbered list starting at n.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    Code(String),
    Rule,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Em(Vec<Inline>),
    Strong(Vec<Inline>),
    Link { url: String, content: Vec<Inline> },
    Break,
}

/// A link found in Markdown, kept for checks (where it is, what it says).
#[derive(Clone, Debug, PartialEq)]
pub struct FoundLink {
    pub text: String,
    pub url: String,
    /// Byte offset of the link in the Markdown source.
    pub offset: usize,
}

/// Something in the Markdown that cannot go into an email.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// Parsed Markdown: the blocks, the links in it, and what was wrong.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Markdown {
    pub blocks: Vec<Block>,
    pub links: Vec<FoundLink>,
    pub problems: Vec<Problem>,
}

/// The plain words of some inline content, as a reader would say them.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Em(c) | Inline::Strong(c) | Inline::Link { content: c, .. } => {
                out.push_str(&plain_text(c))
            }
            Inline::Break => out.push(' '),
        }
    }
    out
}

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
}

/// Parses Markdown source.
pub fn parse(source: &str) -> Markdown {
    let mut md = Markdown::default();
    let mut stack = vec![Frame::Root(Vec::new())];
    for (event, range) in Parser::new_ext(source, Options::empty()).into_offset_iter() {
        let at = range.start;
        if matches!(stack.last(), Some(Frame::Skip)) {
            if let Event::End(TagEnd::Image | TagEnd::HtmlBlock) = event {
                stack.pop();
            }
            continue;
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
                Tag::CodeBlock(_) => stack.push(Frame::Code(String::new())),
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
                        });
                        push_inline(&mut stack, Inline::Link { url, content });
                    }
                    Frame::Root(b) => stack.push(Frame::Root(b)),
                    Frame::Skip => {}
                }
            }
            Event::Text(t) => {
                if let Some(Frame::Code(code)) = stack.last_mut() {
                    code.push_str(&t);
                } else {
                    push_inline(&mut stack, Inline::Text(t.to_string()));
                }
            }
            Event::Code(t) => push_inline(&mut stack, Inline::Code(t.to_string())),
            Event::SoftBreak => push_inline(&mut stack, Inline::Text(" ".into())),
            Event::HardBreak => push_inline(&mut stack, Inline::Break),
            Event::Rule => push_block(&mut stack, Block::Rule),
            Event::Html(_) | Event::InlineHtml(_) => md.problems.push(raw_html(at)),
            _ => {}
        }
    }
    if let Some(Frame::Root(blocks)) = stack.into_iter().next() {
        md.blocks = blocks;
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
}
