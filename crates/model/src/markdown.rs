//! The Markdown tree a bulletin's texts are parsed into (by `input::markdown`): plain data that
//! the model holds and the HTML, text and archive views render from. Only what an email can
//! carry: paragraphs, lists, emphasis, links, sub-headings, quotes and code.

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
    /// Byte offset just after the link (after its closing `)`, or the bare address).
    pub end: usize,
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
    /// What was understood but should be typed differently (bullets pasted from Word).
    pub warnings: Vec<Problem>,
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
