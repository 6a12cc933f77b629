//! The archive as a website an office links to: the index page (the publisher's header, every
//! issue with its summary, a search box, the feed), each issue's page (the email with links to
//! the index and the issues either side), the Atom feed, and the search index with the small
//! script that reads it. All pure functions of the list of issues and the publisher: `archive`
//! writes what they return.
//!
//! The search works as mdBook's does: `searchindex.js` is a static file that assigns a variable
//! (a script, not JSON, because browsers refuse `fetch()` of a file opened from disk), loaded by
//! `search.js` the first time the box is used. No page loads anything from elsewhere, except the
//! publisher's own logo when it has one.
//!
//! Links between pages are relative, and every link to an issue's folder starts with `./` or
//! `../` and has its name percent-encoded ([`folder_href`]), so no folder name (`https:`,
//! `javascript:alert(1)`, `a#b`) can turn a link into another scheme or address.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Entry;
use crate::date::Date;
use crate::markdown::{Block, plain_text};
use crate::model::{Bulletin, Publisher};
use crate::render::html as email_html;

/// The index page's style sheet, written to `site.css` after the brand colour ([`style_sheet`]).
const SITE_CSS: &str = include_str!("site.css");
/// The search box's script, written to `search.js` as it is.
pub const SEARCH_JS: &str = include_str!("search.js");
/// The name of the variable `searchindex.js` assigns (on `window`), which `search.js` reads.
const INDEX_VARIABLE: &str = "bulletinSearchIndex";
/// The in-page anchor of the Chief Executive's message in the email (render::html gives it).
const MESSAGE_ANCHOR: &str = "message";

/// The orange feed icon, drawn here so the page loads nothing from elsewhere.
const FEED_ICON: &str = r##"<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#c2410c"/><circle cx="4.5" cy="11.5" r="1.6" fill="#fff"/><path d="M3 7a6 6 0 0 1 6 6M3 3.2a9.8 9.8 0 0 1 9.8 9.8" fill="none" stroke="#fff" stroke-width="2"/></svg>"##;

/// One part of an issue that the search looks in: the Chief Executive's message or a section.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Passage {
    /// Its heading, as the page shows it.
    pub heading: String,
    /// The `id` of its heading on the issue's page.
    pub anchor: String,
    /// Its words: the body, the links' texts and the note, as plain text.
    pub text: String,
}

/// The passages of a bulletin, in the order the email shows them.
pub fn passages(b: &Bulletin) -> Vec<Passage> {
    let mut out = Vec::new();
    if let Some(m) = &b.message {
        let mut text = m.author.clone();
        if let Some(role) = &m.role {
            text.push_str(", ");
            text.push_str(role);
        }
        push_blocks(&mut text, &m.body.blocks);
        out.push(Passage {
            heading: m.title.clone(),
            anchor: MESSAGE_ANCHOR.to_string(),
            text,
        });
    }
    for s in &b.sections {
        let mut text = String::new();
        push_blocks(&mut text, &s.body.blocks);
        for l in &s.links {
            push_words(&mut text, &l.text);
        }
        if let Some(note) = &s.note {
            push_words(&mut text, note);
        }
        out.push(Passage {
            heading: s.title.clone(),
            anchor: s.anchor.clone(),
            text,
        });
    }
    out
}

fn push_words(out: &mut String, words: &str) {
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(&words);
}

fn push_blocks(out: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Para(inlines) | Block::Heading(inlines) => push_words(out, &plain_text(inlines)),
            Block::List { items, .. } => items.iter().for_each(|item| push_blocks(out, item)),
            Block::Quote(inner) => push_blocks(out, inner),
            Block::Code(code) => push_words(out, code),
            Block::Rule => {}
        }
    }
}

/// A name percent-encoded for one segment of a relative URL: letters, digits and `-._~` stay,
/// every other byte becomes `%XX`, so the result holds no `:`, `/`, `?`, `#` or space.
fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The link to an issue's page from the archive's root (`up` false: `./2021-10-20/index.html`)
/// or from another issue's folder (`up` true: `../2021-10-20/index.html`).
pub fn folder_href(slug: &str, up: bool) -> String {
    let from = if up { "../" } else { "./" };
    format!("{from}{}/index.html", encode_segment(slug))
}

/// The band across the top of the index, on the publisher's colour: the logo and the
/// publisher's name (linking to its website when it has one), then `below` (the page's title).
fn masthead(p: &Publisher, below: Markup) -> Markup {
    let inner = html! {
        @if let Some(l) = &p.logo {
            img class="logo" src=(l.url) width=(l.width) height=(l.height) alt=(l.alt);
        }
        span class="name" { (p.name) }
    };
    html! {
        header class="masthead" {
            div class="wrap" {
                @if let Some(site) = &p.website {
                    a class="brand" href=(site) { (inner) }
                } @else {
                    span class="brand" { (inner) }
                }
                (below)
            }
        }
    }
}

fn dateline(e: &Entry) -> Markup {
    html! {
        time datetime=(e.date) { (e.date.long()) }
        @if let Some(n) = e.issue { " · Issue " (n) }
    }
}

fn issue_card(e: &Entry, latest: bool) -> Markup {
    html! {
        article class="issue" {
            h3 { a href=(folder_href(&e.slug, false)) { (e.title) } }
            p class="meta" {
                @if latest { span class="latest" { "Latest issue" } " · " }
                (dateline(e))
            }
            @if let Some(s) = &e.summary {
                p class="summary" { (s) }
            }
            // What the issue holds, so a reader scanning for last spring's fit-note guidance
            // finds it without opening each issue.
            @if !e.passages.is_empty() {
                p class="sections" {
                    "In this issue: "
                    @for (i, passage) in e.passages.iter().enumerate() {
                        @if i > 0 { " · " }
                        (passage.heading)
                    }
                }
            }
        }
    }
}

/// The archive's front page: the header, every issue newest first and grouped by year, the
/// search box (shown by `search.js`, so a browser without scripts shows no dead box), the feed.
pub fn index_page(p: &Publisher, list: &[Entry], calendar: bool) -> String {
    let mut years: Vec<i32> = list.iter().map(|e| e.date.year).collect();
    years.dedup();
    let feed_title = format!("{} bulletins", p.name);
    let count = match list.len() {
        1 => "1 issue".to_string(),
        n => format!("{n} issues"),
    };
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (p.name) " bulletins" }
                meta name="description" content=(format!("Every issue of the {} bulletin, with a search of past issues.", p.name));
                link rel="stylesheet" href="./site.css";
                link rel="alternate" type="application/atom+xml" title=(feed_title) href="./feed.xml";
                script src="./search.js" defer {}
            }
            body {
                a class="skip" href="#issues" { "Skip to the list of issues" }
                (masthead(p, html! {
                    h1 { "Bulletins" }
                    p class="lead" { "Every issue of the " (p.name) " bulletin, newest first: " (count) "." }
                    p class="feed" {
                        a href="./feed.xml" { (PreEscaped(FEED_ICON)) "Follow new issues in a feed reader (Atom feed)" }
                    }
                    // Only when the archive has dates still to come (calendar.ics is always written).
                    @if calendar {
                        p class="feed" {
                            a href=(format!("./{}", crate::calendar::SUBSCRIBE_FILE)) { "Subscribe to the key dates calendar" }
                        }
                    }
                }))
                main class="wrap" {
                    // No `action`: the form goes to this page (`?q=`), which search.js reads.
                    form id="search" class="search" role="search" hidden {
                        label for="search-box" { "Search past issues" }
                        p id="search-hint" class="hint" { "Words from an issue's title, summary or sections, or its month and year (\u{201c}fit notes April 2021\u{201d}). The start of a word is enough." }
                        div class="field" {
                            input type="search" id="search-box" name="q" autocomplete="off" spellcheck="false" aria-describedby="search-hint" aria-controls="search-results";
                            button type="submit" { "Search" }
                        }
                    }
                    p id="search-status" class="status" role="status" {}
                    ol id="search-results" class="issues" hidden {}
                    div id="issues" tabindex="-1" {
                        @for year in &years {
                            section aria-labelledby=(format!("year-{year}")) {
                                h2 id=(format!("year-{year}")) { (year) }
                                ol class="issues" {
                                    @for e in list.iter().filter(|e| e.date.year == *year) {
                                        li { (issue_card(e, std::ptr::eq(e, &list[0]))) }
                                    }
                                }
                            }
                        }
                    }
                }
                footer class="site-footer" {
                    div class="wrap" {
                        @for line in &p.address { p { (line) } }
                        p {
                            @if let Some(site) = &p.website {
                                a href=(site) { (p.name) " website" } " · "
                            }
                            a href="./feed.xml" { "Feed of new issues" }
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}

/// `site.css`: the brand colour, then the fixed style sheet. The colour is `#RRGGBB`, checked
/// when publisher.yaml was read, at least 4.5:1 against white (the header's text).
pub fn style_sheet(p: &Publisher) -> String {
    format!(
        "/* The archive's style sheet, written by `bulletin archive`. */\n:root{{--brand:{}}}\n{SITE_CSS}",
        p.colour
    )
}

#[derive(serde::Serialize)]
struct IndexedIssue<'a> {
    url: String,
    title: &'a str,
    date: String,
    issue: Option<u32>,
    summary: Option<&'a str>,
    passages: &'a [Passage],
}

/// `searchindex.js`: every issue (newest first) with its passages, as one script that assigns
/// `window.bulletinSearchIndex`.
pub fn search_index(list: &[Entry]) -> String {
    let issues: Vec<IndexedIssue> = list
        .iter()
        .map(|e| IndexedIssue {
            url: folder_href(&e.slug, false),
            title: &e.title,
            date: e.date.long(),
            issue: e.issue,
            summary: e.summary.as_deref(),
            passages: &e.passages,
        })
        .collect();
    let json = serde_json::to_string(&serde_json::json!({ "issues": issues }))
        .expect("the index is plain strings and numbers");
    format!(
        "// The archive's search index, written by `bulletin archive`; search.js reads it.\nwindow.{INDEX_VARIABLE} = {json};\n"
    )
}

/// The style of the links above an issue's page: a box of their own in the email's column, with
/// colours for dark mode too (the email's own dark-mode rules know nothing of them); and room
/// above a heading that a search result leads to.
const ISSUE_NAV_CSS: &str = "h2[id]{scroll-margin-top:48px}.archive-nav{box-sizing:border-box;max-width:600px;margin:16px auto;padding:12px 16px;background:#ffffff;color:#1f2933;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;overflow-wrap:anywhere}.archive-nav a{color:var(--brand);text-decoration:underline}@media (prefers-color-scheme:dark){.archive-nav{background:#1c2127;color:#e8ecef}.archive-nav a{color:#8cc4ff}}";

/// An issue's page: the email as a web page, with links above it to the index and to the
/// issues either side.
pub fn issue_page(b: &Bulletin, p: &Publisher, slug: &str, list: &[Entry]) -> String {
    let at = list.iter().position(|e| e.slug == slug);
    // The list is newest first: the previous (older) issue comes after this one.
    let older = at.and_then(|i| list.get(i + 1));
    let newer = at.and_then(|i| i.checked_sub(1)).and_then(|i| list.get(i));
    let nav = html! {
        // The colour is `#RRGGBB`, checked when publisher.yaml was read.
        // A search result's section lands below the top with room for its label above its
        // heading, and marked.
        style { (PreEscaped(format!(".archive-nav{{--brand:{0}}}{ISSUE_NAV_CSS}h2:target{{outline:3px solid {0};outline-offset:4px}}", p.colour))) }
        nav class="archive-nav" aria-label="Bulletin archive" {
            a href="../index.html" { "All " (p.name) " bulletins" }
            @if let Some(o) = older {
                br; "Previous issue: " a href=(folder_href(&o.slug, true)) { (o.title) } " (" (o.date.long()) ")"
            }
            @if let Some(n) = newer {
                br; "Next issue: " a href=(folder_href(&n.slug, true)) { (n.title) } " (" (n.date.long()) ")"
            }
        }
    };
    // Every section, each for an audience labelled with whom it was for.
    let b = &crate::audience::labelled(b, crate::audience::list_title);
    email_html::render_with(b, p, nav, html! {})
}

/// An Atom feed (RFC 4287) of the latest issues, written by `atom_syndication`.
pub fn feed(p: &Publisher, list: &[Entry]) -> String {
    use atom_syndication as atom;
    let base = p
        .archive_url
        .as_ref()
        .map(|u| format!("{}/", u.trim_end_matches('/')));
    let id_of = |slug: &str| match &base {
        Some(b) => format!("{b}{}/", encode_segment(slug)),
        None => format!("urn:lmc-bulletin:{}:{}", p.list_id, encode_segment(slug)),
    };
    let midnight = |d: Date| {
        atom::FixedDateTime::parse_from_rfc3339(&format!("{d}T00:00:00Z"))
            .expect("a valid date makes a valid timestamp")
    };
    let link = |rel: &str, mime: &str, href: String| atom::Link {
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        href,
        ..Default::default()
    };
    let entries = list
        .iter()
        .take(super::FEED_ENTRIES)
        .map(|e| {
            let href = match &base {
                Some(b) => format!("{b}{}/", encode_segment(&e.slug)),
                None => folder_href(&e.slug, false),
            };
            let summary = match (e.issue, &e.summary) {
                (Some(n), Some(s)) => format!("Issue {n}, {}: {s}", e.date.long()),
                (None, Some(s)) => format!("{}: {s}", e.date.long()),
                (Some(n), None) => format!("Issue {n}, {}", e.date.long()),
                (None, None) => e.date.long(),
            };
            atom::Entry {
                title: atom::Text::plain(e.title.clone()),
                id: id_of(&e.slug),
                updated: midnight(e.date),
                links: vec![link("alternate", "text/html", href)],
                summary: Some(atom::Text::plain(summary)),
                ..Default::default()
            }
        })
        .collect();
    let mut links = Vec::new();
    if let Some(b) = &base {
        links.push(link("self", "application/atom+xml", format!("{b}feed.xml")));
        links.push(link("alternate", "text/html", b.clone()));
    }
    let feed = atom::Feed {
        title: atom::Text::plain(format!("{} bulletins", p.name)),
        id: base
            .clone()
            .unwrap_or_else(|| format!("urn:lmc-bulletin:{}", p.list_id)),
        updated: midnight(list.first().map_or_else(Date::today, |e| e.date)),
        authors: vec![atom::Person {
            name: p.name.clone(),
            ..Default::default()
        }],
        links,
        entries,
        lang: Some("en-GB".to_string()),
        ..Default::default()
    };
    let config = atom::WriteConfig {
        indent_size: Some(2),
        ..Default::default()
    };
    let bytes = feed
        .write_with_config(Vec::new(), config)
        .expect("writing XML into memory cannot fail");
    let mut out = String::from_utf8(bytes).expect("the feed is written as UTF-8");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_named_like_a_url_never_becomes_a_link_with_its_scheme() {
        assert_eq!(folder_href("2021-10-20", false), "./2021-10-20/index.html");
        assert_eq!(
            folder_href("2021-10-20-113", true),
            "../2021-10-20-113/index.html"
        );
        assert_eq!(
            folder_href("javascript:alert(1)", false),
            "./javascript%3Aalert%281%29/index.html"
        );
        assert_eq!(folder_href("https:", true), "../https%3A/index.html");
        assert_eq!(
            folder_href("//evil.example/x", false),
            "./%2F%2Fevil.example%2Fx/index.html"
        );
        assert_eq!(
            folder_href("a b#c?d%", false),
            "./a%20b%23c%3Fd%25/index.html"
        );
        assert_eq!(folder_href("café", false), "./caf%C3%A9/index.html");
    }

    /// The example's publisher, read as `bulletin` reads it.
    fn publisher() -> Publisher {
        let example =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml");
        crate::input::load(&example)
            .expect("the example loads")
            .0
            .publisher
    }

    #[test]
    fn the_header_shows_the_logo_with_its_size_and_words_when_there_is_one() {
        let p = publisher();
        let with_logo = Publisher {
            logo: Some(crate::model::Logo {
                url: "https://www.example.org/logo.png".into(),
                width: 120,
                height: 40,
                alt: "Essex \"LMCs\" <logo>".into(),
                file: None,
            }),
            ..p.clone()
        };
        let with = masthead(&with_logo, html! { h1 { "Bulletins" } }).into_string();
        assert_eq!(
            with,
            "<header class=\"masthead\"><div class=\"wrap\"><a class=\"brand\" href=\"https://www.example.org/\"><img class=\"logo\" src=\"https://www.example.org/logo.png\" width=\"120\" height=\"40\" alt=\"Essex &quot;LMCs&quot; &lt;logo&gt;\"><span class=\"name\">Essex LMCs</span></a><h1>Bulletins</h1></div></header>"
        );
        let without = masthead(
            &Publisher {
                website: None,
                logo: None,
                ..p
            },
            html! {},
        )
        .into_string();
        assert_eq!(
            without,
            "<header class=\"masthead\"><div class=\"wrap\"><span class=\"brand\"><span class=\"name\">Essex LMCs</span></span></div></header>"
        );
    }

    #[test]
    fn the_search_index_is_a_script_assigning_one_variable() {
        let js = search_index(&[]);
        assert_eq!(
            js,
            "// The archive's search index, written by `bulletin archive`; search.js reads it.\nwindow.bulletinSearchIndex = {\"issues\":[]};\n"
        );
        assert!(SEARCH_JS.contains(INDEX_VARIABLE));
    }
}
