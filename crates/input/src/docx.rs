//! A bulletin written in Word (a `.docx` file) made into a bulletin file, for `bulletin import`
//! and the desk's "Start from a Word document".
//!
//! A `.docx` is a zip of XML parts: `word/document.xml` (the text), its relationships (the
//! addresses of hyperlinks), `word/numbering.xml` (which lists are bullets and which numbered) and
//! `word/styles.xml` (which paragraphs are headings). They are read into a few blocks (headings,
//! paragraphs, list items, tables), and those are written out as the bulletin's YAML: the `Title`
//! paragraph is the title, each top-level heading starts a section (sub-headings become bold
//! lines), a heading such as "A message from Dr Brian Balmer" becomes the message, and text,
//! bullets, numbering, bold, italic and links become the Markdown of the bodies. Tables of two
//! columns become a bullet per row, as docs/format.md advises. Whatever cannot be carried over
//! (pictures, wider tables, links that are not `https://`, footnotes) is said in plain words in
//! [`Imported::notes`]; whatever a bulletin needs and the document did not give is a
//! `[[placeholder]]`, which `check` reports until it is filled in.
//!
//! Nothing here touches the disk: the caller gives the bytes and writes the YAML.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use roxmltree::{Document, Node};

use crate::date::Date;
use crate::placeholder::mark;
use crate::skeleton::{quoted, yaml_text};

/// The most a part of the document may hold once unzipped (a zip bomb stops here).
const MAX_PART: u64 = 20 * 1024 * 1024;

/// A Word document made into a bulletin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The bulletin file's text.
    pub yaml: String,
    /// What could not be carried over, in plain words, one sentence each.
    pub notes: Vec<String>,
}

/// Why a file could not be read as a Word document.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "it is not a Word document (.docx), or it is damaged; in Word, use File > Save As and choose \"Word Document (*.docx)\""
    )]
    NotZip(#[from] zip::result::ZipError),
    #[error(
        "it has no {0}, so it is not a Word document (.docx); an older .doc file must be saved as .docx in Word first"
    )]
    MissingPart(String),
    #[error("its part {part} cannot be read: {reason}")]
    BadPart { part: String, reason: String },
}

/// Reads the `.docx` in `bytes` as the bulletin dated `date`.
/// `issue` is the new issue's number (one more than the latest's in its folder), if known.
pub fn to_bulletin(bytes: &[u8], date: Date, issue: Option<u32>) -> Result<Imported, ImportError> {
    let parts = Parts::read(bytes)?;
    let mut reader = Reader::new(&parts)?;
    let doc = parse(&parts.document, "word/document.xml")?;
    let body = doc
        .root_element()
        .children()
        .find(|n| is(n, "body"))
        .ok_or_else(|| ImportError::MissingPart("document body".into()))?;
    reader.blocks_in(body);
    let layout = layout(&reader.blocks);
    let mut notes = reader.notes();
    notes.extend(layout.notes.iter().cloned());
    Ok(Imported {
        yaml: write_yaml(&layout, date, issue),
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// The parts of the zip.

struct Parts {
    document: String,
    rels: String,
    styles: String,
    numbering: String,
}

impl Parts {
    fn read(bytes: &[u8]) -> Result<Parts, ImportError> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
        let mut part = |name: &str| -> Result<Option<String>, ImportError> {
            let file = match zip.by_name(name) {
                Ok(f) => f,
                Err(zip::result::ZipError::FileNotFound) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let mut text = String::new();
            file.take(MAX_PART + 1)
                .read_to_string(&mut text)
                .map_err(|e| ImportError::BadPart {
                    part: name.into(),
                    reason: e.to_string(),
                })?;
            if text.len() as u64 > MAX_PART {
                return Err(ImportError::BadPart {
                    part: name.into(),
                    reason: format!("it is larger than {} MB", MAX_PART / 1024 / 1024),
                });
            }
            Ok(Some(text))
        };
        let document = part("word/document.xml")?
            .ok_or_else(|| ImportError::MissingPart("word/document.xml".into()))?;
        Ok(Parts {
            document,
            rels: part("word/_rels/document.xml.rels")?.unwrap_or_default(),
            styles: part("word/styles.xml")?.unwrap_or_default(),
            numbering: part("word/numbering.xml")?.unwrap_or_default(),
        })
    }
}

fn parse<'a>(text: &'a str, part: &str) -> Result<Document<'a>, ImportError> {
    Document::parse(text).map_err(|e| ImportError::BadPart {
        part: part.into(),
        reason: e.to_string(),
    })
}

/// Whether `n` is the element `name` (WordprocessingML's namespaces, transitional or strict,
/// are told apart by nothing else here).
fn is(n: &Node, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(c, name))
}

/// An attribute by its local name (`w:val`, `r:id`).
fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes().find(|a| a.name() == name).map(|a| a.value())
}

/// A toggle property (`<w:b/>`, `<w:b w:val="0"/>`): on unless its value says off.
fn on(n: Node, name: &str) -> Option<bool> {
    child(n, name).map(|p| !matches!(attr(p, "val"), Some("0" | "false" | "off" | "none")))
}

// ---------------------------------------------------------------------------------------------
// Styles, numbering and links: what the document's paragraphs refer to.

#[derive(Clone, Debug, Default)]
struct Style {
    name: String,
    based_on: Option<String>,
    /// `numId` and level of a list style ("List Bullet").
    num: Option<(String, usize)>,
    bold: Option<bool>,
    italic: Option<bool>,
}

/// A block of the document, before it is placed in the bulletin.
#[derive(Clone, Debug, PartialEq)]
enum Block {
    Title(String),
    /// A heading's level (1 for "Heading 1") and plain text.
    Heading(usize, String),
    /// Markdown lines of a paragraph.
    Para(Vec<String>),
    /// A list item: depth from 0, numbered or not, its Markdown lines.
    Item(usize, bool, Vec<String>),
    /// The end of a list made from a table (so that a list after it starts afresh).
    EndList,
}

struct Reader {
    styles: HashMap<String, Style>,
    /// numId → (level → numbered).
    numbering: HashMap<String, HashMap<usize, bool>>,
    links: HashMap<String, String>,
    blocks: Vec<Block>,
    /// What was dropped, counted by kind.
    images: usize,
    footnotes: usize,
    text_boxes: usize,
    equations: usize,
    tabbed: usize,
    other_notes: Vec<String>,
}

impl Reader {
    fn new(parts: &Parts) -> Result<Reader, ImportError> {
        let mut reader = Reader {
            styles: HashMap::new(),
            numbering: HashMap::new(),
            links: HashMap::new(),
            blocks: Vec::new(),
            images: 0,
            footnotes: 0,
            text_boxes: 0,
            equations: 0,
            tabbed: 0,
            other_notes: Vec::new(),
        };
        if !parts.styles.is_empty() {
            reader.read_styles(&parse(&parts.styles, "word/styles.xml")?);
        }
        if !parts.numbering.is_empty() {
            reader.read_numbering(&parse(&parts.numbering, "word/numbering.xml")?);
        }
        if !parts.rels.is_empty() {
            let rels = parse(&parts.rels, "word/_rels/document.xml.rels")?;
            for r in rels
                .root_element()
                .children()
                .filter(|n| is(n, "Relationship"))
            {
                if let (Some(id), Some(target)) = (attr(r, "Id"), attr(r, "Target")) {
                    reader.links.insert(id.to_string(), target.to_string());
                }
            }
        }
        Ok(reader)
    }

    fn read_styles(&mut self, doc: &Document) {
        for s in doc.root_element().children().filter(|n| is(n, "style")) {
            let Some(id) = attr(s, "styleId") else {
                continue;
            };
            let ppr = child(s, "pPr");
            let num = ppr.and_then(|p| child(p, "numPr")).and_then(|np| {
                let id = child(np, "numId").and_then(|n| attr(n, "val"))?;
                let level = child(np, "ilvl")
                    .and_then(|n| attr(n, "val"))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                Some((id.to_string(), level))
            });
            let rpr = child(s, "rPr");
            self.styles.insert(
                id.to_string(),
                Style {
                    name: child(s, "name")
                        .and_then(|n| attr(n, "val"))
                        .unwrap_or(id)
                        .to_lowercase(),
                    based_on: child(s, "basedOn")
                        .and_then(|n| attr(n, "val"))
                        .map(str::to_string),
                    num,
                    bold: rpr.and_then(|r| on(r, "b")),
                    italic: rpr.and_then(|r| on(r, "i")),
                },
            );
        }
    }

    fn read_numbering(&mut self, doc: &Document) {
        let root = doc.root_element();
        let mut abstracts: HashMap<&str, HashMap<usize, bool>> = HashMap::new();
        for a in root.children().filter(|n| is(n, "abstractNum")) {
            let Some(id) = attr(a, "abstractNumId") else {
                continue;
            };
            let levels = a
                .children()
                .filter(|n| is(n, "lvl"))
                .filter_map(|l| {
                    let level = attr(l, "ilvl")?.parse().ok()?;
                    let format = child(l, "numFmt").and_then(|f| attr(f, "val"));
                    Some((level, !matches!(format, Some("bullet" | "none") | None)))
                })
                .collect();
            abstracts.insert(id, levels);
        }
        for n in root.children().filter(|n| is(n, "num")) {
            if let (Some(id), Some(a)) = (
                attr(n, "numId"),
                child(n, "abstractNumId").and_then(|a| attr(a, "val")),
            ) && let Some(levels) = abstracts.get(a)
            {
                self.numbering.insert(id.to_string(), levels.clone());
            }
        }
    }

    /// A style and the styles it is based on, nearest first (at most a few).
    fn style_chain(&self, id: &str) -> Vec<&Style> {
        let mut out = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            let Some(s) = self.styles.get(id) else { break };
            out.push(s);
            if out.len() > 8 {
                break;
            }
            next = s.based_on.as_deref();
        }
        out
    }

    /// Every block in `container` (the body, a table cell, a content control).
    fn blocks_in(&mut self, container: Node) {
        for n in container.children().filter(Node::is_element) {
            match n.tag_name().name() {
                "p" => self.paragraph(n),
                "tbl" => self.table(n),
                "sdt" => {
                    if let Some(content) = child(n, "sdtContent") {
                        self.blocks_in(content);
                    }
                }
                "customXml" | "ins" | "smartTag" => self.blocks_in(n),
                _ => {}
            }
        }
    }

    fn paragraph(&mut self, p: Node) {
        let ppr = child(p, "pPr");
        let style_id = ppr
            .and_then(|pp| child(pp, "pStyle"))
            .and_then(|s| attr(s, "val"))
            .unwrap_or("");
        let lines = self.runs(p);
        let chain = self.style_chain(style_id);
        let names: Vec<&str> = chain.iter().map(|s| s.name.as_str()).collect();
        let plain = || {
            lines
                .iter()
                .map(|l| unescape(l))
                .collect::<Vec<_>>()
                .join(" ")
                .trim()
                .to_string()
        };
        if names.contains(&"title") {
            let text = plain();
            if !text.is_empty() {
                self.blocks.push(Block::Title(text));
            }
            return;
        }
        let outline = ppr
            .and_then(|pp| child(pp, "outlineLvl"))
            .and_then(|o| attr(o, "val"))
            .and_then(|v| v.parse::<usize>().ok())
            .map(|l| l + 1);
        let heading = names
            .iter()
            .find_map(|n| n.strip_prefix("heading ")?.trim().parse::<usize>().ok())
            .or(outline);
        if let Some(level) = heading {
            let text = plain();
            if !text.is_empty() {
                self.blocks.push(Block::Heading(level, text));
            }
            return;
        }
        if lines.is_empty() {
            return;
        }
        match self.list_level(ppr, &chain) {
            Some((depth, numbered)) => self.blocks.push(Block::Item(depth, numbered, lines)),
            None => self.blocks.push(Block::Para(lines)),
        }
    }

    /// The list a paragraph belongs to: its depth and whether it is numbered.
    fn list_level(&self, ppr: Option<Node>, chain: &[&Style]) -> Option<(usize, bool)> {
        let own = ppr.and_then(|pp| child(pp, "numPr")).map(|np| {
            let id = child(np, "numId").and_then(|n| attr(n, "val"));
            let level = child(np, "ilvl")
                .and_then(|n| attr(n, "val"))
                .and_then(|v| v.parse().ok());
            (id.map(str::to_string), level)
        });
        let from_style = chain.iter().find_map(|s| s.num.clone());
        let (id, level) = match (own, from_style) {
            (Some((Some(id), level)), style) => (id, level.or(style.map(|(_, l)| l)).unwrap_or(0)),
            (Some((None, level)), Some((id, l))) => (id, level.unwrap_or(l)),
            (None, Some((id, l))) => (id, l),
            _ => return None,
        };
        if id == "0" {
            return None;
        }
        // "List Bullet 2", "List Number 3": a deeper list by its style's name.
        let by_name = chain.iter().find_map(|s| {
            let rest = s
                .name
                .strip_prefix("list bullet ")
                .or(s.name.strip_prefix("list number "))?;
            rest.trim()
                .parse::<usize>()
                .ok()
                .map(|n| n.saturating_sub(1))
        });
        let depth = level.max(by_name.unwrap_or(0)).min(8);
        let numbered = self
            .numbering
            .get(&id)
            .and_then(|levels| levels.get(&level))
            .copied()
            .unwrap_or_else(|| chain.iter().any(|s| s.name.starts_with("list number")));
        Some((depth, numbered))
    }

    /// The Markdown lines of a paragraph's runs (a line break starts a new line).
    fn runs(&mut self, p: Node) -> Vec<String> {
        let mut spans = Vec::new();
        let mut field = Field::default();
        self.inline(p, &mut spans, None, &mut field);
        if field.tabbed {
            self.tabbed += 1;
        }
        let text = markdown_of(&spans);
        let lines: Vec<String> = text
            .split('\n')
            .map(|l| collapse_spaces(l.trim()))
            .collect();
        if lines.iter().all(|l| l.is_empty()) {
            return Vec::new();
        }
        lines.into_iter().map(|l| escape_line_start(&l)).collect()
    }

    /// The text of the runs under `n`, as spans with their formatting and link.
    fn inline(&mut self, n: Node, spans: &mut Vec<Span>, link: Option<&str>, field: &mut Field) {
        for c in n.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "r" => self.run(c, spans, link, field),
                "hyperlink" => {
                    let target = attr(c, "id").and_then(|id| self.links.get(id)).cloned();
                    let url = match target {
                        Some(t) if t.starts_with("https://") || t.starts_with("mailto:") => Some(t),
                        Some(t) => {
                            let words = text_of(c);
                            self.other_notes.push(format!(
                                "the link on “{}” ({t}): only https:// and mailto: addresses can be links; its text is kept",
                                words.trim()
                            ));
                            None
                        }
                        None => None,
                    };
                    self.inline(c, spans, url.as_deref().or(link), field);
                }
                "fldSimple" => {
                    let url = attr(c, "instr").and_then(hyperlink_field);
                    self.inline(c, spans, url.as_deref().or(link), field);
                }
                "ins" | "smartTag" | "customXml" | "sdt" | "sdtContent" => {
                    self.inline(c, spans, link, field)
                }
                "oMath" | "oMathPara" => self.equations += 1,
                _ => {}
            }
        }
    }

    fn run(&mut self, r: Node, spans: &mut Vec<Span>, link: Option<&str>, field: &mut Field) {
        let rpr = child(r, "rPr");
        let run_style = rpr
            .and_then(|p| child(p, "rStyle"))
            .and_then(|s| attr(s, "val"))
            .unwrap_or("");
        let styled = |get: fn(&Style) -> Option<bool>| {
            self.style_chain(run_style).iter().find_map(|s| get(s))
        };
        let bold = rpr
            .and_then(|p| on(p, "b"))
            .or_else(|| styled(|s| s.bold))
            .unwrap_or(false);
        let italic = rpr
            .and_then(|p| on(p, "i"))
            .or_else(|| styled(|s| s.italic))
            .unwrap_or(false);
        for c in r.children().filter(Node::is_element) {
            let text = match c.tag_name().name() {
                "t" => c.text().unwrap_or("").to_string(),
                "tab" | "ptab" => {
                    field.tabbed = true;
                    " ".to_string()
                }
                "br" | "cr" => match attr(c, "type") {
                    Some("page" | "column") => continue,
                    _ => "\n".to_string(),
                },
                "noBreakHyphen" => "-".to_string(),
                "sym" => continue,
                "fldChar" => {
                    field.on_char(attr(c, "fldCharType").unwrap_or(""));
                    continue;
                }
                "instrText" => {
                    field.instr.push_str(c.text().unwrap_or(""));
                    continue;
                }
                "drawing" | "pict" | "object" => {
                    if c.descendants().any(|d| is(&d, "txbxContent")) {
                        self.text_boxes += 1;
                    } else {
                        self.images += 1;
                    }
                    continue;
                }
                "footnoteReference" | "endnoteReference" => {
                    self.footnotes += 1;
                    continue;
                }
                _ => continue,
            };
            if field.in_code {
                continue;
            }
            let link = field.url.as_deref().or(link);
            spans.push(Span {
                text,
                bold,
                italic,
                link: link.map(str::to_string),
            });
        }
    }

    fn table(&mut self, tbl: Node) {
        let rows: Vec<Node> = tbl.children().filter(|n| is(n, "tr")).collect();
        fn cells<'a, 'i>(tr: &Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
            tr.children().filter(|n| is(n, "tc")).collect()
        }
        let width = rows.iter().map(|tr| cells(tr).len()).max().unwrap_or(0);
        if width <= 1 {
            for tr in &rows {
                for tc in cells(tr) {
                    self.blocks_in(tc);
                }
            }
            return;
        }
        let is_header = |tr: &Node| {
            child(*tr, "trPr")
                .and_then(|p| on(p, "tblHeader"))
                .unwrap_or(false)
        };
        let mut headers = Vec::new();
        let mut text_rows: Vec<Vec<String>> = Vec::new();
        for tr in &rows {
            let row: Vec<String> = cells(tr).iter().map(|tc| self.cell_text(*tc)).collect();
            if row.iter().all(|c| c.is_empty()) {
                continue;
            }
            if is_header(tr) {
                headers.push(unescape(&row.join(", ")));
            } else {
                text_rows.push(row);
            }
        }
        let n = text_rows.len() + headers.len();
        let size = format!("{n} row{}, {width} columns", if n == 1 { "" } else { "s" });
        let first = headers.first().cloned().unwrap_or_else(|| {
            text_rows
                .first()
                .and_then(|r| r.iter().find(|c| !c.is_empty()))
                .map(|c| unescape(c))
                .unwrap_or_default()
        });
        if width > 2 {
            self.other_notes.push(format!(
                "a table ({size}, starting “{first}”): tables cannot be shown in a bulletin, and one this wide cannot be made a list; write each row as a bullet point"
            ));
            return;
        }
        for r in &text_rows {
            let (a, b) = (
                r.first().cloned().unwrap_or_default(),
                r.get(1).cloned().unwrap_or_default(),
            );
            let line = match (a.is_empty(), b.is_empty()) {
                (false, false) => format!("{a}: {b}"),
                (false, true) => a,
                _ => b,
            };
            self.blocks.push(Block::Item(0, false, vec![line]));
        }
        self.blocks.push(Block::EndList);
        let what = if headers.is_empty() {
            format!(
                "a table ({size}, starting “{first}”) became a bulleted list, one row per bullet"
            )
        } else {
            format!(
                "a table ({size}) became a bulleted list, one row per bullet, without its heading row “{}”",
                headers.join("; ")
            )
        };
        self.other_notes
            .push(format!("{what}: tables cannot be shown in a bulletin"));
    }

    /// A table cell's text on one line.
    fn cell_text(&mut self, tc: Node) -> String {
        let mut parts = Vec::new();
        for p in tc.descendants().filter(|n| is(n, "p")) {
            let lines = self.runs(p);
            let line = lines.join(" ");
            if !line.trim().is_empty() {
                parts.push(line.trim().to_string());
            }
        }
        collapse_spaces(&parts.join(" "))
    }

    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let count = |n: usize, one: &str, many: &str| {
            if n == 1 {
                one.to_string()
            } else {
                format!("{n} {many}")
            }
        };
        if self.images > 0 {
            out.push(format!(
                "{}: pictures cannot go into a bulletin's text (Outlook blocks them); put the picture on a web page or in a document and add a link to it",
                count(self.images, "a picture", "pictures")
            ));
        }
        if self.text_boxes > 0 {
            out.push(format!(
                "{}: the text in text boxes was not read; copy it into a section",
                count(self.text_boxes, "a text box", "text boxes")
            ));
        }
        if self.footnotes > 0 {
            out.push(format!(
                "{}: footnotes and endnotes were left out; put what they say into the text",
                count(self.footnotes, "a footnote", "footnotes")
            ));
        }
        if self.equations > 0 {
            out.push(format!(
                "{}: equations were left out",
                count(self.equations, "an equation", "equations")
            ));
        }
        if self.tabbed > 0 {
            out.push(format!(
                "{}: tabs became spaces; if they lined up columns, write each row as a bullet point",
                count(self.tabbed, "a paragraph with tabs", "paragraphs with tabs")
            ));
        }
        out.extend(self.other_notes.iter().cloned());
        out
    }
}

/// A complex field (`HYPERLINK "https://…"` between `fldChar`s), as Word writes some links.
#[derive(Default)]
struct Field {
    instr: String,
    /// Between `begin` and `separate`: the field's code, not its text.
    in_code: bool,
    url: Option<String>,
    tabbed: bool,
}

impl Field {
    fn on_char(&mut self, kind: &str) {
        match kind {
            "begin" => {
                self.instr.clear();
                self.in_code = true;
            }
            "separate" => {
                self.in_code = false;
                self.url = hyperlink_field(&self.instr);
            }
            "end" => {
                self.in_code = false;
                self.url = None;
            }
            _ => {}
        }
    }
}

/// The address of a `HYPERLINK "https://…"` field, if it is one a bulletin can link to.
fn hyperlink_field(instr: &str) -> Option<String> {
    let rest = instr.trim().strip_prefix("HYPERLINK")?.trim();
    let url = rest.strip_prefix('"')?.split('"').next()?;
    (url.starts_with("https://") || url.starts_with("mailto:")).then(|| url.to_string())
}

fn text_of(n: Node) -> String {
    n.descendants()
        .filter(|d| is(d, "t"))
        .filter_map(|d| d.text())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Markdown of runs.

#[derive(Clone, Debug, PartialEq)]
struct Span {
    text: String,
    bold: bool,
    italic: bool,
    link: Option<String>,
}

/// The runs as Markdown: runs of the same formatting joined, `**`/`*` around bold and italic
/// (spaces kept outside the markers), `[text](address)` around linked runs.
fn markdown_of(spans: &[Span]) -> String {
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        let text: String = s
            .text
            .chars()
            .filter(|c| *c == '\n' || !c.is_control())
            .map(|c| if c == '\u{a0}' { ' ' } else { c })
            .filter(|c| *c != '\u{ad}')
            .collect();
        match merged.last_mut() {
            Some(last) if last.bold == s.bold && last.italic == s.italic && last.link == s.link => {
                last.text.push_str(&text);
            }
            _ => merged.push(Span { text, ..s.clone() }),
        }
    }
    // Links first, with their formatting inside.
    let mut out = String::new();
    let mut i = 0;
    while i < merged.len() {
        match &merged[i].link {
            Some(url) => {
                let mut inner = String::new();
                let mut j = i;
                while j < merged.len() && merged[j].link.as_ref() == Some(url) {
                    inner.push_str(&formatted(&merged[j]));
                    j += 1;
                }
                let one_line = inner.replace('\n', " ");
                let (lead, words, trail) = split_spaces(&one_line);
                if words.is_empty() {
                    out.push_str(&inner);
                } else {
                    let target = url
                        .replace(' ', "%20")
                        .replace('(', "%28")
                        .replace(')', "%29");
                    out.push_str(&format!("{lead}[{words}]({target}){trail}"));
                }
                i = j;
            }
            None => {
                out.push_str(&formatted(&merged[i]));
                i += 1;
            }
        }
    }
    out
}

fn formatted(s: &Span) -> String {
    let mut t = escape(&s.text);
    if s.italic {
        t = wrap(&t, "*");
    }
    if s.bold {
        t = wrap(&t, "**");
    }
    t
}

/// `marker` around each line's words, spaces outside (Markdown's emphasis must touch its words).
fn wrap(text: &str, marker: &str) -> String {
    text.split('\n')
        .map(|line| {
            let (lead, words, trail) = split_spaces(line);
            if words.is_empty() {
                line.to_string()
            } else {
                format!("{lead}{marker}{words}{marker}{trail}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn split_spaces(s: &str) -> (&str, &str, &str) {
    let words = s.trim();
    if words.is_empty() {
        return (s, "", "");
    }
    let start = s.find(words).unwrap_or(0);
    (&s[..start], words, &s[start + words.len()..])
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Text escaped so that it stays text: `\`, `*`, `` ` ``, `[`, `]`, `<`, a `_` at the edge of a
/// word and `&` before an entity's name. Web addresses are left whole, to stay links.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_inclusive(char::is_whitespace) {
        let bare = word.trim_end();
        if bare.starts_with("https://") && !bare.contains(char::is_whitespace) {
            out.push_str(word);
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        for (k, &c) in chars.iter().enumerate() {
            let alnum = |j: Option<usize>| {
                j.and_then(|j| chars.get(j))
                    .is_some_and(|c| c.is_alphanumeric())
            };
            match c {
                '\\' | '*' | '`' | '[' | ']' | '<' => {
                    out.push('\\');
                    out.push(c);
                }
                '_' if !(alnum(k.checked_sub(1)) && alnum(Some(k + 1))) => out.push_str("\\_"),
                '&' if entity_follows(&chars[k + 1..]) => out.push_str("\\&"),
                _ => out.push(c),
            }
        }
    }
    out
}

fn entity_follows(rest: &[char]) -> bool {
    let rest: String = rest.iter().take(12).collect();
    let name = rest.strip_prefix('#').unwrap_or(&rest);
    let len = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    len > 0 && name[len..].starts_with(';')
}

/// The start of a line that Markdown would take as a list, heading or quote, escaped.
fn escape_line_start(line: &str) -> String {
    let first = line.chars().next();
    let second = line.chars().nth(1);
    if matches!(first, Some('-' | '+' | '*')) && second.is_none_or(char::is_whitespace)
        || matches!(first, Some('#' | '>'))
        || (!line.is_empty() && line.chars().all(|c| c == '='))
    {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        if (rest.starts_with(". ") || rest.starts_with(") ") || rest == "." || rest == ")")
            && !rest.is_empty()
        {
            return format!("{}\\{rest}", &line[..digits]);
        }
    }
    line.to_string()
}

/// Markdown made plain again (for titles and notes): the escapes and markers removed.
fn unescape(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '*' => {}
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The blocks placed in a bulletin.

#[derive(Debug, Default)]
struct Layout {
    title: Option<String>,
    message: Option<Part>,
    sections: Vec<Part>,
    notes: Vec<String>,
}

#[derive(Debug, Default)]
struct Part {
    /// None: the text before the first heading, which has none.
    title: Option<String>,
    blocks: Vec<Block>,
}

/// Titles, the message and the sections, from the blocks in order.
fn layout(blocks: &[Block]) -> Layout {
    let mut out = Layout::default();
    let levels: Vec<usize> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(l, _) => Some(*l),
            _ => None,
        })
        .collect();
    let mut top = levels.iter().min().copied();
    // A document without a Title whose one top heading comes first, above smaller headings
    // ("Essex LMCs bulletin" as Heading 1, the items as Heading 2): that heading is the title.
    let has_title = blocks.iter().any(|b| matches!(b, Block::Title(_)));
    let mut skip_first = false;
    if let (false, Some(Block::Heading(l, text)), Some(t)) = (has_title, blocks.first(), top)
        && *l == t
        && levels.iter().filter(|x| **x == t).count() == 1
        && levels.iter().any(|x| *x > t)
    {
        out.title = Some(text.clone());
        top = levels.iter().filter(|x| **x > t).min().copied();
        skip_first = true;
    }
    let blocks = if skip_first { &blocks[1..] } else { blocks };
    let mut current = Part::default();
    let mut parts = Vec::new();
    for b in blocks {
        match b {
            Block::Title(t) if out.title.is_none() => out.title = Some(t.clone()),
            Block::Title(t) => current
                .blocks
                .push(Block::Para(vec![format!("**{}**", escape(t))])),
            Block::Heading(level, text) if Some(*level) == top => {
                parts.push(std::mem::take(&mut current));
                current.title = Some(text.clone());
            }
            Block::Heading(_, text) => current
                .blocks
                .push(Block::Para(vec![format!("**{}**", escape(text))])),
            other => current.blocks.push(other.clone()),
        }
    }
    parts.push(current);
    for part in parts {
        if part.title.is_none() && part.blocks.is_empty() {
            continue;
        }
        let is_message = out.message.is_none()
            && part.title.as_deref().is_some_and(|t| {
                let t = t.to_lowercase();
                t.contains("message from") || t.contains("chief executive")
            });
        if is_message {
            let mut part = part;
            if let Some(note) = without_sign_off(&mut part) {
                out.notes.push(note);
            }
            out.message = Some(part);
        } else {
            out.sections.push(part);
        }
    }
    // Text before the first heading with no message found: it is most likely the message.
    if out.message.is_none()
        && out.sections.first().is_some_and(|s| s.title.is_none())
        && out.sections.len() > 1
    {
        let mut intro = out.sections.remove(0);
        out.notes.push(
            "the text before the first heading became the message: check that it is one, or move it into a section".into(),
        );
        if let Some(note) = without_sign_off(&mut intro) {
            out.notes.push(note);
        }
        out.message = Some(intro);
    }
    out
}

/// How letters end, in the office's bulletins.
const SIGN_OFFS: &[&str] = &[
    "best wishes",
    "with best wishes",
    "kind regards",
    "best regards",
    "warm regards",
    "regards",
    "yours sincerely",
    "yours faithfully",
    "many thanks",
];

/// Takes the sign-off ("Best wishes, Brian") off the end of the message, which the bulletin
/// prints from `author` and `role`; says so.
fn without_sign_off(message: &mut Part) -> Option<String> {
    let Some(Block::Para(lines)) = message.blocks.last() else {
        return None;
    };
    let first = unescape(lines.first()?).to_lowercase();
    let first = first.trim_end_matches([',', '.', '!']).trim();
    if !SIGN_OFFS.iter().any(|s| first.starts_with(s)) || lines.len() > 4 {
        return None;
    }
    let words = lines
        .iter()
        .map(|l| unescape(l))
        .collect::<Vec<_>>()
        .join(" ");
    message.blocks.pop();
    Some(format!(
        "the message's sign-off “{words}” was left out: the bulletin prints the message's author and role under it"
    ))
}

/// The Markdown of some blocks: list items together, a blank line around everything else.
fn body_markdown(blocks: &[Block]) -> String {
    let mut out: Vec<String> = Vec::new();
    // For each open list depth: the width of its marker and its next number.
    let mut open: Vec<(usize, bool, usize)> = Vec::new(); // (width, numbered, number)
    let mut last_was_item = false;
    for b in blocks {
        match b {
            Block::Para(lines) => {
                if !out.is_empty() {
                    out.push(String::new());
                }
                out.push(lines.join("\n"));
                open.clear();
                last_was_item = false;
            }
            Block::Item(depth, numbered, lines) => {
                if !last_was_item && !out.is_empty() {
                    out.push(String::new());
                }
                let depth = (*depth).min(open.len());
                open.truncate(depth + 1);
                if open.get(depth).is_some_and(|o| o.1 != *numbered) {
                    open.truncate(depth);
                    if depth == 0 && last_was_item {
                        out.push(String::new());
                    }
                }
                if open.len() == depth {
                    open.push((0, *numbered, 1));
                } else {
                    open[depth].2 += 1;
                }
                let number = open[depth].2;
                let marker = if *numbered {
                    format!("{number}.")
                } else {
                    "-".to_string()
                };
                open[depth].0 = marker.len() + 1;
                let indent = " ".repeat(open[..depth].iter().map(|o| o.0).sum());
                let pad = " ".repeat(marker.len() + 1);
                out.push(format!(
                    "{indent}{marker} {}",
                    lines.join(&format!("\n{indent}{pad}"))
                ));
                last_was_item = true;
            }
            Block::EndList => {
                open.clear();
                last_was_item = false;
            }
            Block::Title(_) | Block::Heading(..) => {}
        }
    }
    out.join("\n")
}

/// The bulletin file.
fn write_yaml(layout: &Layout, date: Date, issue: Option<u32>) -> String {
    let title = match &layout.title {
        Some(t) => yaml_text(t),
        None => quoted(&mark("the title of this week's bulletin")),
    };
    let mut y = format!(
        "# The bulletin for {long}, imported from a Word document by `bulletin import`.
{how_to}
title: {title}
date: {date}
{issue}summary: {summary}
",
        long = date.long(),
        issue = issue.map_or(String::new(), |n| format!("issue: {n}\n")),
        how_to = crate::skeleton::how_to(date),
        summary = quoted(&mark(
            "one sentence that appears beside the subject in the inbox"
        )),
    );
    if let Some(m) = &layout.message {
        let author = m
            .title
            .as_deref()
            .and_then(|t| {
                let lower = t.to_lowercase();
                let at = lower.find("message from ")? + "message from ".len();
                Some(t[at..].trim().trim_end_matches(['.', ':']).to_string())
            })
            // "from our Chief Executive" names no one.
            .filter(|a| {
                a.chars().next().is_some_and(char::is_uppercase)
                    && !["our ", "the ", "your "]
                        .iter()
                        .any(|w| a.to_lowercase().starts_with(w))
            });
        y.push_str("\nmessage:\n");
        if let Some(t) = &m.title {
            y.push_str(&format!("  title: {}\n", yaml_text(t)));
        }
        let author = match author {
            Some(a) => yaml_text(&a),
            None => quoted(&mark("the name of the person who signs the message")),
        };
        y.push_str(&format!("  author: {author}\n"));
        y.push_str(&format!(
            "  role: {}\n",
            quoted(&mark(
                "their role, such as Chief Executive, or delete this line"
            ))
        ));
        y.push_str(&block(
            "  ",
            "body",
            &body_or_mark(&m.blocks, "the message"),
        ));
    }
    y.push_str("\nsections:\n");
    if layout.sections.is_empty() {
        y.push_str(&format!(
            "  - title: {}\n",
            quoted(&mark("the first section's heading"))
        ));
        y.push_str(&block(
            "    ",
            "body",
            &mark("the section's text: the Word document had none outside the message"),
        ));
    }
    for (i, s) in layout.sections.iter().enumerate() {
        if i > 0 {
            y.push('\n');
        }
        let title = match &s.title {
            Some(t) => yaml_text(t),
            None => quoted(&mark(
                "a heading for the text before the document's first heading",
            )),
        };
        y.push_str(&format!("  - title: {title}\n"));
        let body = body_markdown(&s.blocks);
        if !body.is_empty() {
            y.push_str(&block("    ", "body", &body));
        }
    }
    y
}

fn body_or_mark(blocks: &[Block], what: &str) -> String {
    let body = body_markdown(blocks);
    if body.trim().is_empty() {
        mark(&format!(
            "{what}: the Word document had no text under its heading"
        ))
    } else {
        body
    }
}

/// `key: |` and the text under it, each line indented two more than the key.
fn block(indent: &str, key: &str, text: &str) -> String {
    let mut out = format!("{indent}{key}: |\n");
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{indent}  {line}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, bold: bool, italic: bool, link: Option<&str>) -> Span {
        Span {
            text: text.into(),
            bold,
            italic,
            link: link.map(str::to_string),
        }
    }

    #[test]
    fn runs_become_markdown_with_markers_touching_their_words() {
        let spans = [
            span("Order ", false, false, None),
            span("by ", true, false, None),
            span("Friday ", true, false, None),
            span("and read ", false, false, None),
            span("the ", false, false, Some("https://example.org/a")),
            span("plan", false, true, Some("https://example.org/a")),
            span(" (*draft*) [1] a_b _c_", false, false, None),
        ];
        assert_eq!(
            markdown_of(&spans),
            "Order **by Friday** and read [the *plan*](https://example.org/a) (\\*draft\\*) \\[1\\] a_b \\_c\\_"
        );
    }

    #[test]
    fn line_starts_that_markdown_would_read_are_escaped() {
        assert_eq!(escape_line_start("- not a bullet"), "\\- not a bullet");
        assert_eq!(escape_line_start("1. not a number"), "1\\. not a number");
        assert_eq!(escape_line_start("# not a heading"), "\\# not a heading");
        assert_eq!(escape_line_start("2021 was a year"), "2021 was a year");
        assert_eq!(escape_line_start("-5 degrees"), "-5 degrees");
    }

    #[test]
    fn lists_nest_under_their_items_text() {
        let blocks = [
            Block::Para(vec!["Steps:".into()]),
            Block::Item(0, true, vec!["one".into()]),
            Block::Item(1, false, vec!["inner".into(), "more".into()]),
            Block::Item(0, true, vec!["two".into()]),
            Block::Para(vec!["After.".into()]),
        ];
        assert_eq!(
            body_markdown(&blocks),
            "Steps:\n\n1. one\n   - inner\n     more\n2. two\n\nAfter."
        );
    }

    #[test]
    fn a_lone_first_heading_above_smaller_ones_is_the_title() {
        let h = |l: usize, t: &str| Block::Heading(l, t.into());
        let p = |t: &str| Block::Para(vec![t.into()]);
        let l = layout(&[
            h(1, "Weekly bulletin"),
            h(2, "Flu"),
            p("a"),
            h(2, "Jobs"),
            p("b"),
        ]);
        assert_eq!(l.title.as_deref(), Some("Weekly bulletin"));
        let titles: Vec<_> = l.sections.iter().map(|s| s.title.clone()).collect();
        assert_eq!(
            titles,
            vec![Some("Flu".to_string()), Some("Jobs".to_string())]
        );
        // Two top headings: both are sections, and the title is left to fill in.
        let l = layout(&[h(1, "Flu"), h(2, "Claims"), p("a"), h(1, "Jobs")]);
        assert_eq!(l.title, None);
        assert_eq!(l.sections.len(), 2);
    }

    #[test]
    fn the_message_loses_its_sign_off_and_is_signed_by_the_name_in_its_heading() {
        let h = |l: usize, t: &str| Block::Heading(l, t.into());
        let p = |lines: &[&str]| Block::Para(lines.iter().map(|l| l.to_string()).collect());
        let l = layout(&[
            h(1, "A message from Dr Brian Balmer"),
            p(&["Thank you."]),
            p(&["Best wishes,", "Brian"]),
            h(1, "Flu"),
        ]);
        let m = l.message.as_ref().expect("a message");
        assert_eq!(m.blocks, vec![p(&["Thank you."])]);
        assert!(l.notes[0].contains("“Best wishes, Brian”"), "{:?}", l.notes);
        let yaml = write_yaml(&l, Date::parse("2021-10-20").unwrap(), None);
        assert!(yaml.contains("  author: Dr Brian Balmer\n"), "{yaml}");
        // A closing paragraph that only starts like a sign-off, at length, stays.
        let l = layout(&[
            h(1, "A message from our Chief Executive"),
            p(&["Regards to all", "a", "b", "c", "d"]),
        ]);
        assert_eq!(l.message.as_ref().unwrap().blocks.len(), 1);
        let yaml = write_yaml(&l, Date::parse("2021-10-20").unwrap(), None);
        assert!(
            yaml.contains("  author: \"[[the name of the person who signs the message]]\""),
            "{yaml}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_docx_is_refused_in_words() {
        let e = to_bulletin(b"plain text", Date::parse("2021-10-20").unwrap(), None).unwrap_err();
        assert!(e.to_string().contains("not a Word document"), "{e}");
    }
}
