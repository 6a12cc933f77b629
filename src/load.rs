//! Turns a bulletin file and its `publisher.yaml` into the validated model, finding every problem
//! in one pass: unknown keys (with "did you mean"), missing keys, wrong types, bad dates, URLs,
//! addresses and Markdown, each with its line and column.

use std::path::{Path, PathBuf};

use crate::address::parse_mailbox;
use crate::date::Date;
use crate::diagnostic::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::markdown::{self, Markdown, url_problem};
use crate::model::{Bulletin, Link, Message, Publisher, Section, Unsubscribe};
use crate::yaml::{self, Node, Style, Value};

pub const BULLETIN_KEYS: &[&str] = &["title", "date", "issue", "summary", "message", "sections"];
pub const MESSAGE_KEYS: &[&str] = &["title", "author", "role", "body"];
pub const SECTION_KEYS: &[&str] = &["title", "label", "date", "body", "links", "note"];
pub const LINK_KEYS: &[&str] = &["text", "url"];
pub const PUBLISHER_KEYS: &[&str] = &[
    "name",
    "from",
    "reply_to",
    "website",
    "archive_url",
    "address",
    "unsubscribe",
    "list_id",
    "colour",
];

/// A bulletin together with the publisher settings found beside it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub bulletin: Bulletin,
    pub publisher: Publisher,
    pub bulletin_path: PathBuf,
    pub publisher_path: PathBuf,
    /// The bulletin's YAML exactly as read (the archive keeps it).
    pub source: String,
}

/// Where `publisher.yaml` is for a bulletin: in the same folder.
pub fn publisher_path_for(bulletin: &Path) -> PathBuf {
    bulletin
        .parent()
        .unwrap_or(Path::new("."))
        .join("publisher.yaml")
}

/// Loads and validates a bulletin and its publisher. On failure every problem found is returned;
/// on success the warnings (lints are separate: see `lint`) are empty.
pub fn load(bulletin_path: &Path) -> Result<Loaded, Diagnostics> {
    let publisher_path = publisher_path_for(bulletin_path);
    let mut diags = Diagnostics::default();
    let bulletin = match yaml::load_file(bulletin_path) {
        Ok((source, node)) => {
            let mut ctx = Ctx {
                path: bulletin_path,
                source: &source,
                diags: &mut diags,
            };
            bulletin_from(&mut ctx, &node).map(|b| (b, source))
        }
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let publisher = if publisher_path.exists() {
        match yaml::load_file(&publisher_path) {
            Ok((source, node)) => {
                let mut ctx = Ctx {
                    path: &publisher_path,
                    source: &source,
                    diags: &mut diags,
                };
                publisher_from(&mut ctx, &node)
            }
            Err(d) => {
                diags.extend(d);
                None
            }
        }
    } else {
        diags.push(
            Diagnostic::error(&publisher_path, Pos::default(), "the publisher settings file is missing")
                .with_help("create publisher.yaml beside the bulletin (see docs/format.md): it gives the sender, footer and unsubscribe address"),
        );
        None
    };
    diags.sort();
    match (bulletin, publisher) {
        (Some((bulletin, source)), Some(publisher)) if !diags.has_errors() => Ok(Loaded {
            bulletin,
            publisher,
            bulletin_path: bulletin_path.to_path_buf(),
            publisher_path,
            source,
        }),
        _ => Err(diags),
    }
}

/// Reads just a bulletin (no publisher), as the archive does for issues already archived.
pub fn bulletin_only(path: &Path) -> Result<Bulletin, Diagnostics> {
    let (source, node) = yaml::load_file(path)?;
    let mut diags = Diagnostics::default();
    let mut ctx = Ctx {
        path,
        source: &source,
        diags: &mut diags,
    };
    match bulletin_from(&mut ctx, &node) {
        Some(b) if !diags.has_errors() => Ok(b),
        _ => Err(diags),
    }
}

/// Walking state: the file being read and the problems found so far.
pub struct Ctx<'a> {
    pub path: &'a Path,
    pub source: &'a str,
    pub diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
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
        };
        for (key, value) in entries {
            let name = key.as_str().unwrap_or("");
            if allowed.contains(&name) {
                fields.entries.push((name, value));
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

    /// A text value; wrong types are reported.
    pub fn text(&mut self, node: &Node, what: &str) -> Option<String> {
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

    /// A text value that must fit on one line (titles, names, link texts): no line breaks or
    /// other control characters, which would also be a way to forge email headers.
    pub fn line(&mut self, node: &Node, what: &str) -> Option<String> {
        let text = self.text(node, what)?;
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

    /// Parses Markdown held in `node`, reporting its problems at their place in the file.
    pub fn markdown(&mut self, node: &Node, what: &str) -> Option<Markdown> {
        let text = self.text(node, what)?;
        let md = markdown::parse(&text);
        for p in &md.problems {
            let pos = self.pos_in(node, &text, p.offset);
            self.error(pos, p.message.clone(), p.help.clone());
        }
        Some(md)
    }

    /// The file position of byte `offset` of a scalar's text.
    pub fn pos_in(&self, node: &Node, text: &str, offset: usize) -> Pos {
        let before = &text[..offset.min(text.len())];
        let line_in = before.matches('\n').count();
        let col_in = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        match node.style() {
            // The marker of a `|` block is its first character of text; every line of the
            // text has that indentation. Leading blank lines are in the text but not counted.
            Some(Style::Block) => {
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

/// The accepted keys of one mapping.
pub struct Fields<'n> {
    pub pos: Pos,
    pub what: String,
    pub entries: Vec<(&'n str, &'n Node)>,
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
    pub fn require(&self, ctx: &mut Ctx, key: &str, example: &str) -> Option<&'n Node> {
        let v = self.get(key);
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

    /// Where a key is written but left empty (`key:` with nothing, or only a comment, after it).
    pub fn empty(&self, key: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, v)| *k == key && v.is_null())
            .map(|(_, v)| v.pos)
    }
}

fn bulletin_from(ctx: &mut Ctx, root: &Node) -> Option<Bulletin> {
    let f = ctx.fields(root, "the bulletin", BULLETIN_KEYS)?;
    let title = f
        .require(ctx, "title", "The title of this week's bulletin")
        .and_then(|n| ctx.line(n, "`title`"));
    let date = f
        .require(ctx, "date", "2021-10-20")
        .and_then(|n| date_from(ctx, n, "`date`"));
    let issue = f.get("issue").and_then(|n| {
        let parsed = n
            .as_str()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|&i| i > 0);
        if parsed.is_none() {
            ctx.error(
                n.pos,
                format!(
                    "`issue` should be a whole number, such as 112, not {}",
                    describe(n)
                ),
                "write the issue number without quotes, or leave the line out",
            );
        }
        parsed
    });
    let summary = f.get("summary").and_then(|n| ctx.text(n, "`summary`"));
    let mut all_links = Vec::new();
    let message = f
        .get("message")
        .and_then(|n| message_from(ctx, n, &mut all_links));
    let sections = match f.require(
        ctx,
        "sections",
        "(a list of sections, each starting `- title:`)",
    ) {
        Some(node) => sections_from(ctx, node, &mut all_links),
        None => None,
    };
    Some(Bulletin {
        title: title?,
        date: date?,
        issue,
        summary,
        message,
        sections: sections?,
        all_links,
    })
}

fn describe(n: &Node) -> String {
    match n.as_str() {
        Some(s) if !n.is_null() => format!("`{s}`"),
        _ => n.kind().to_string(),
    }
}

fn date_from(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Date> {
    let text = ctx.text(node, what)?;
    match Date::parse(text.trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            ctx.error(
                node.pos,
                format!("{what}: {e}"),
                "write dates as YYYY-MM-DD, for example 2021-10-20",
            );
            None
        }
    }
}

fn markdown_links(ctx: &Ctx, node: &Node, md: &Markdown, out: &mut Vec<Link>) {
    let text = node.as_str().unwrap_or("");
    for l in &md.links {
        out.push(Link {
            text: l.text.clone(),
            url: l.url.clone(),
            pos: ctx.pos_in(node, text, l.offset),
        });
    }
}

fn message_from(ctx: &mut Ctx, node: &Node, all_links: &mut Vec<Link>) -> Option<Message> {
    let f = ctx.fields(node, "the message", MESSAGE_KEYS)?;
    let author = f
        .require(ctx, "author", "Dr Brian Balmer")
        .and_then(|n| ctx.line(n, "`author`"));
    let title = f.get("title").and_then(|n| ctx.line(n, "`title`"));
    let role = f.get("role").and_then(|n| ctx.line(n, "`role`"));
    let body_node = f.require(
        ctx,
        "body",
        "|  (then the message, indented, on the lines below)",
    );
    let body = body_node.and_then(|n| ctx.markdown(n, "the message's `body`"));
    if let (Some(n), Some(md)) = (body_node, &body) {
        markdown_links(ctx, n, md, all_links);
    }
    let author = author?;
    Some(Message {
        title: title.unwrap_or_else(|| format!("A message from {author}")),
        author,
        role,
        body: body?,
    })
}

fn sections_from(ctx: &mut Ctx, node: &Node, all_links: &mut Vec<Link>) -> Option<Vec<Section>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            format!("`sections` should be a list, but this is {}", node.kind()),
            "start each section on its own line with `- title: ...`",
        );
        return None;
    };
    if items.is_empty() {
        ctx.error(
            node.pos,
            "the bulletin has no sections",
            "add at least one section, starting `- title: ...`",
        );
        return None;
    }
    let mut sections = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match section_from(ctx, item, i + 1, all_links) {
            Some(s) => sections.push(s),
            None => ok = false,
        }
    }
    ok.then_some(sections)
}

fn section_from(
    ctx: &mut Ctx,
    node: &Node,
    number: usize,
    all_links: &mut Vec<Link>,
) -> Option<Section> {
    let f = ctx.fields(node, &format!("section {number}"), SECTION_KEYS)?;
    let title_node = f.require(ctx, "title", "The section's heading");
    let title = title_node.and_then(|n| ctx.line(n, "`title`"));
    let label = f.get("label").and_then(|n| ctx.line(n, "`label`"));
    let date_node = f.get("date");
    let date = date_node.map(|n| date_from(ctx, n, "`date`"));
    let body_node = f.get("body");
    let body = body_node.map(|n| ctx.markdown(n, "`body`"));
    if let (Some(n), Some(Some(md))) = (body_node, &body) {
        markdown_links(ctx, n, md, all_links);
    }
    let links = f.get("links").map(|n| links_from(ctx, n, number));
    let note = f.get("note").map(|n| ctx.text(n, "`note`"));
    if let Some(Some(links)) = &links {
        all_links.extend(links.iter().cloned());
    }
    // A key that was present but invalid has been reported; the section is not usable.
    let invalid = date.is_some_and(|d| d.is_none()) || note.as_ref().is_some_and(|n| n.is_none());
    Some(Section {
        title: title?,
        pos: title_node.map_or(f.pos, |n| n.pos),
        anchor: format!("section-{number}"),
        label,
        date: date.flatten(),
        date_pos: date_node.map_or(f.pos, |n| n.pos),
        body: match body {
            Some(b) => b?,
            None => Markdown::default(),
        },
        links: links.unwrap_or(Some(Vec::new()))?,
        note: note.flatten(),
    })
    .filter(|_| !invalid)
}

fn links_from(ctx: &mut Ctx, node: &Node, section: usize) -> Option<Vec<Link>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            format!(
                "`links` in section {section} should be a list, but this is {}",
                node.kind()
            ),
            "start each link with `- text: ...` and put `url: ...` under it",
        );
        return None;
    };
    let mut links = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let what = format!("link {} of section {section}", i + 1);
        let Some(f) = ctx.fields(item, &what, LINK_KEYS) else {
            ok = false;
            continue;
        };
        let text = f
            .require(ctx, "text", "What the document is (PDF)")
            .and_then(|n| ctx.line(n, "`text`"));
        let url_node = f.require(ctx, "url", "https://www.example.org/document.pdf");
        let url = url_node.and_then(|n| ctx.text(n, "`url`"));
        if let (Some(u), Some(n)) = (&url, url_node)
            && let Some((message, help)) = url_problem(u, false)
        {
            ctx.error(n.pos, message, help);
            ok = false;
        }
        match (text, url) {
            (Some(text), Some(url)) => links.push(Link {
                text,
                url: url.trim().to_string(),
                pos: item.pos,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(links)
}

fn publisher_from(ctx: &mut Ctx, root: &Node) -> Option<Publisher> {
    let f = ctx.fields(root, "the publisher settings", PUBLISHER_KEYS)?;
    let name = f
        .require(ctx, "name", "Essex LMCs")
        .and_then(|n| ctx.line(n, "`name`"));
    let from = f
        .require(ctx, "from", "Essex LMCs <bulletin@example.org>")
        .and_then(|n| mailbox(ctx, n, "`from`"));
    let reply_to = f.get("reply_to").map(|n| mailbox(ctx, n, "`reply_to`"));
    let website = f.get("website").map(|n| web_address(ctx, n, "`website`"));
    let archive_url = f
        .get("archive_url")
        .map(|n| web_address(ctx, n, "`archive_url`"));
    let address = f
        .require(
            ctx,
            "address",
            "|  (then the office's name, address and telephone, one per line)",
        )
        .and_then(|n| ctx.text(n, "`address`"))
        .map(|a| {
            a.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
    let unsubscribe = f
        .require(ctx, "unsubscribe", "mailto:unsubscribe@example.org")
        .and_then(|n| unsubscribe_from(ctx, n));
    let list_id = match f.get("list_id") {
        Some(n) => ctx.text(n, "`list_id`").and_then(|id| {
            let valid = id.contains('.')
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !valid {
                ctx.error(
                    n.pos,
                    format!("`list_id` `{id}` is not a list id"),
                    "write a name in the form of a domain you own, such as bulletin.example.org",
                );
            }
            valid.then_some(id)
        }),
        None => from
            .as_ref()
            .map(|m| format!("bulletin.{}", m.email.domain())),
    };
    if let Some(pos) = f.empty("colour") {
        ctx.error(
            pos,
            "`colour` is empty",
            "a # starts a comment in YAML: put the colour in quotes, e.g. colour: \"#005EB8\"",
        );
    }
    let colour = match f.get("colour") {
        Some(n) => ctx.text(n, "`colour`").and_then(|c| {
            let c = c.trim().to_string();
            let valid = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit());
            if !valid {
                ctx.error(n.pos, format!("`colour` `{c}` is not a colour"), "write it as # and six hex digits in quotes, such as \"#005EB8\"");
                return None;
            }
            let ratio = crate::render::contrast_with_white(&c);
            if ratio < 4.5 {
                ctx.error(n.pos, format!("`colour` {c} is too light to read on white (contrast {ratio:.1}:1, at least 4.5:1 is needed)"), "choose a darker colour; NHS blue #005EB8 has 6.4:1");
                return None;
            }
            Some(c)
        }),
        None => Some("#005EB8".to_string()),
    };
    Some(Publisher {
        name: name?,
        from: from?,
        reply_to: reply_to.flatten(),
        website: website.flatten(),
        archive_url: archive_url.flatten(),
        address: address?,
        unsubscribe: unsubscribe?,
        list_id: list_id?,
        colour: colour?,
    })
    .filter(|_| !ctx.diags.has_errors())
}

fn mailbox(ctx: &mut Ctx, node: &Node, what: &str) -> Option<lettre::message::Mailbox> {
    let text = ctx.text(node, what)?;
    match parse_mailbox(&text) {
        Ok(m) => Some(m),
        Err(e) => {
            ctx.error(
                node.pos,
                format!("{what}: {e}"),
                "for example: Essex LMCs <bulletin@example.org>",
            );
            None
        }
    }
}

fn web_address(ctx: &mut Ctx, node: &Node, what: &str) -> Option<String> {
    let text = ctx.text(node, what)?;
    if let Some((message, help)) = url_problem(&text, false) {
        ctx.error(node.pos, format!("{what}: {message}"), help);
        return None;
    }
    Some(text.trim().to_string())
}

fn unsubscribe_from(ctx: &mut Ctx, node: &Node) -> Option<Unsubscribe> {
    let nodes: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(..) => vec![node],
        Value::Map(_) => {
            ctx.error(
                node.pos,
                "`unsubscribe` should be an address or a list of addresses",
                "for example: mailto:unsubscribe@example.org",
            );
            return None;
        }
    };
    let mut out = Unsubscribe::default();
    for n in nodes {
        let text = ctx.text(n, "`unsubscribe`")?;
        let text = text.trim().to_string();
        if let Some((message, help)) = url_problem(&text, true) {
            ctx.error(n.pos, format!("`unsubscribe`: {message}"), help);
            return None;
        }
        if text.starts_with("mailto:") {
            out.mailto = Some(text);
        } else {
            out.https = Some(text);
        }
    }
    if out.mailto.is_none() && out.https.is_none() {
        ctx.error(
            node.pos,
            "`unsubscribe` has no address",
            "give a mailto: address, an https: page, or both",
        );
        return None;
    }
    Some(out)
}
