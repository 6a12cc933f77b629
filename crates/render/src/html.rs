//! The HTML email: tables, a 600px column that reflows to a phone, Outlook conditional comments,
//! a hidden preheader, one `<h1>`, an `<h2>` per item, numbered as the contents list numbers
//! them. docs/email.md says which patterns are used and why.
//!
//! Styles are split by who reads them, which keeps the example under 35 KB. Inline: what must
//! survive a mail program that drops `<style>` (Gmail's apps with a non-Google account) or
//! overrides it (Gmail colours links without an inline colour): backgrounds, also as `bgcolor`
//! for Outlook; each card cell's padding, text size and colour, which its paragraphs inherit;
//! link colours; the font on the outer wrapper. The first `<style>` block refines (margins,
//! heading sizes, small grey text, the phone layout); the second, kept apart so that a client
//! that rejects the media query drops only it, is dark mode: every element that carries a
//! colour has a class that block overrides, so no text keeps a light-mode colour on a dark
//! background.
//!
//! Every string from the YAML goes through maud's escaping; only the fixed fragments below
//! (Outlook comments, the `<style>` blocks, the preheader's filler) are written raw.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::calendar;
use crate::colour::lightened_for;
use crate::markdown::{Block, Inline};
use crate::model::{Bulletin, Item, KeyDate, Logo, Message, Publisher, Section};
use crate::{boxed, html_text, number_of, when};

/// The font stack, written once on the wrapper (and for Outlook in its own `<style>`).
const FONT: &str = "Arial,Helvetica,sans-serif";
const TEXT: &str = "#1f2933";
const MUTED: &str = "#4a5560";
const PAGE: &str = "#eef1f4";
const CARD: &str = "#ffffff";
/// The background of the documents box and code.
const BOX: &str = "#f2f6fa";

/// Dark mode: page, card, box, text and muted text.
const DARK_PAGE: &str = "#111418";
const DARK_CARD: &str = "#1c2127";
const DARK_BOX: &str = "#242b33";
const DARK_TEXT: &str = "#e8ecef";
const DARK_MUTED: &str = "#b6c0c9";

/// Typography and spacing for clients that keep `<style>` (Outlook, Apple Mail, Gmail and
/// Outlook on the web and their apps): a client that drops it shows the same text with its own
/// spacing, on the same backgrounds, in the same colours. Then the phone layout.
fn base_style() -> String {
    format!(
        ":root{{color-scheme:light dark;supported-color-schemes:light dark}}\
body{{margin:0;padding:0;width:100%}}\
table{{border-collapse:collapse}}\
table,td{{mso-table-lspace:0pt !important;mso-table-rspace:0pt !important}}\
a[x-apple-data-detectors],.unstyle-auto-detected-links a,.aBn{{border-bottom:0 !important;cursor:default !important;color:inherit !important;text-decoration:none !important;font-size:inherit !important;font-family:inherit !important;font-weight:inherit !important;line-height:inherit !important}}\
#MessageViewBody,#MessageWebViewDiv{{width:100% !important}}\
#MessageViewBody a{{color:inherit;text-decoration:none;font-size:inherit;font-family:inherit;font-weight:inherit;line-height:inherit}}\
u~div .p{{min-width:100vw}}\
.im{{color:inherit !important}}\
.s{{font-size:0;line-height:0}}\
p{{margin:0 0 16px}}\
h1{{margin:0 0 12px}}\
h2{{margin:0 0 12px;font-size:22px;line-height:28px}}\
h3{{margin:16px 0 8px;font-size:18px;line-height:24px}}\
ul,ol{{margin:0 0 16px 24px;padding:0}}\
li{{margin:0 0 8px}}\
li ul,li ol{{margin:8px 0 0 24px}}\
.m{{margin:16px 0 0;font-size:14px;line-height:20px;color:{MUTED}}}\
.m a{{color:{MUTED}}}\
.e{{margin:0 0 4px;font-size:13px;line-height:18px;font-weight:bold;color:{MUTED}}}\
.k{{margin:8px 0;font-size:13px;line-height:18px;font-weight:bold;letter-spacing:1px;text-transform:uppercase;color:{MUTED}}}\
.k .u{{letter-spacing:0;text-transform:none;font-weight:normal}}\
.a{{margin:-4px 0 16px;font-size:15px;line-height:22px}}\
.l{{margin:0}}\
.t{{margin:8px 0 0}}\
.i li{{margin:0 0 6px;font-size:15px;line-height:22px}}\
@media screen and (max-width:620px){{\
.c{{padding:16px !important}}\
.h,.f{{padding-left:16px !important;padding-right:16px !important}}\
.h{{padding-top:12px !important;padding-bottom:12px !important}}\
h1{{margin-bottom:6px !important;font-size:22px !important;line-height:28px !important}}\
.d{{padding:10px 12px !important;font-size:15px !important;line-height:22px !important}}\
.i{{margin:0 !important}}\
.i li{{margin:0 0 4px !important;font-size:14px !important;line-height:20px !important;list-style:decimal inside;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}}\
}}"
    )
}

/// Outlook's Word engine: 96 dpi, the font everywhere (it falls back to Times New Roman
/// otherwise) and line heights taken exactly.
const MSO_HEAD: &str = "<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><style>*{font-family:Arial,Helvetica,sans-serif !important}td,p,li,h1,h2,h3,a{mso-line-height-rule:exactly}</style><![endif]-->";
const MSO_OPEN: &str = "<!--[if mso]><table role=\"presentation\" align=\"center\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:600px;\"><tr><td><![endif]-->";
const MSO_CLOSE: &str = "<!--[if mso]></td></tr></table><![endif]-->";

/// After the preheader, so that the inbox does not fill its preview line with the start of the
/// body: joiners and spaces that show as nothing.
const PREHEADER_FILLER: &str = "&zwnj;&nbsp;";

/// Renders the bulletin as a complete HTML email document.
pub fn render(b: &Bulletin, p: &Publisher) -> String {
    document(b, p, None).into_string()
}

/// The bulletin as a web page: `before` goes above the bulletin and `after` below it, and the
/// email's "view in your browser" line is left out (the archive uses this; email never does).
pub fn render_with(b: &Bulletin, p: &Publisher, before: Markup, after: Markup) -> String {
    document(b, p, Some((before, after))).into_string()
}

/// The styles that depend on the publisher: dark mode, with the brand colour lightened until it
/// reads on the dark backgrounds.
fn dark_style(p: &Publisher) -> String {
    let accent = lightened_for(&p.colour, DARK_BOX, 5.0);
    format!(
        "@media (prefers-color-scheme:dark){{\
.p{{background-color:{DARK_PAGE} !important}}\
.c{{background-color:{DARK_CARD} !important;color:{DARK_TEXT} !important}}\
.d{{background-color:{DARK_BOX} !important}}\
.c h1,.c h3{{color:{DARK_TEXT} !important}}\
.c h2,.c a{{color:{accent} !important}}\
.c a.b{{color:#ffffff !important}}\
.m,.m a,.e,.k,.f,.f a{{color:{DARK_MUTED} !important}}\
}}"
    )
}

fn document(b: &Bulletin, p: &Publisher, wrap: Option<(Markup, Markup)>) -> Markup {
    let is_email = wrap.is_none();
    let (before, after) = wrap.unwrap_or((html! {}, html! {}));
    let preheader = b.summary.clone().unwrap_or_else(|| b.dateline());
    let items = b.items();
    // The email itself; on the archive's web page, the page's `<main>`.
    let column = html! {
        div role="article" aria-roledescription="email" aria-label=(b.title) lang="en-GB" dir="ltr" class="p" style=(format!("background-color:{PAGE};font-family:{FONT};word-break:break-word;overflow-wrap:anywhere;")) {
            (PreEscaped(MSO_OPEN))
            table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" align="center" style="width:100%;max-width:600px;margin:0 auto;table-layout:fixed;" {
                (masthead(p, crate::web_version(p, b).filter(|_| is_email)))
                tr { td class="c" bgcolor=(CARD) style=(card_style()) {
                    p class="m" style="margin:0 0 4px;" { (b.dateline()) }
                    h1 style=(format!("color:{TEXT};font-size:28px;line-height:34px")) { (html_text::breakable(&b.title)) }
                    @if let Some(s) = &b.summary {
                        p { (s) }
                    }
                    (key_dates(b, &items, p))
                    (contents(&items, p))
                } }
                @for (i, item) in items.iter().enumerate() {
                    tr { td class="s" height="16" aria-hidden="true" { (PreEscaped("&nbsp;")) } }
                    tr { td class="c" bgcolor=(CARD) style=(item_card_style(item, p)) {
                        (named_anchor(item.anchor()))
                        @match item {
                            Item::Message(m) => (message(m, i + 1, p)),
                            Item::Section(s) => (section(b, s, i + 1, p)),
                        }
                        p class="m" {
                            a href="#contents" style=(muted_link()) { "Back to contents" }
                        }
                    } }
                }
                tr { td class="f" style=(format!("padding:24px 32px 40px;font-size:13px;line-height:20px;mso-line-height-rule:exactly;color:{MUTED};")) {
                    (footer(b, p))
                } }
            }
            (PreEscaped(MSO_CLOSE))
        }
    };
    html! {
        (DOCTYPE)
        html lang="en-GB" dir="ltr" xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:schemas-microsoft-com:office:office" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="x-apple-disable-message-reformatting";
                meta name="format-detection" content="telephone=no, date=no, address=no, email=no";
                meta name="color-scheme" content="light dark";
                meta name="supported-color-schemes" content="light dark";
                title { (b.title) }
                (PreEscaped(MSO_HEAD))
                style { (PreEscaped(base_style())) }
                style { (PreEscaped(dark_style(p))) }
            }
            body class="p" bgcolor=(PAGE) style=(format!("margin:0;padding:0;width:100%;background-color:{PAGE};-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%;")) {
                // The usual hidden preheader: not shown, and no text in the page's colour.
                div aria-hidden="true" style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;font-size:1px;line-height:1px;" {
                    (preheader)
                    (PreEscaped(PREHEADER_FILLER.repeat(24)))
                }
                (before)
                @if is_email { (column) } @else { main { (column) } }
                (after)
            }
        }
    }
}

/// The publisher's name on a bar of the brand colour, or their logo on white above a bar; at
/// its right, the link to the web version (in a row of its own above the bar it took 42 px of
/// a phone's first screen).
fn masthead(p: &Publisher, web: Option<String>) -> Markup {
    let (cell, bg, link) = match &p.logo {
        None => (
            "padding:16px 32px;font-size:16px;line-height:22px;mso-line-height-rule:exactly;font-weight:bold;color:#ffffff;".to_string(),
            p.colour.clone(),
            "color:#ffffff;text-decoration:underline".to_string(),
        ),
        Some(_) => (
            format!("padding:20px 32px;border-bottom:4px solid {};", p.colour),
            "#ffffff".to_string(),
            muted_link(),
        ),
    };
    let brand = html! {
        @match &p.logo {
            None => (p.name),
            Some(logo) => (logo_image(logo)),
        }
    };
    html! {
        tr { td class="h" bgcolor=(bg) style=(cell) {
            @if let Some(url) = web {
                table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {
                    tr {
                        td { (brand) }
                        td align="right" style="padding-left:12px;font-size:13px;line-height:18px;font-weight:normal" {
                            a href=(url) style=(link) { "View in your browser" }
                        }
                    }
                }
            } @else {
                (brand)
            }
        } }
    }
}

/// The logo at its given size (scaled down on a narrower screen); its alt text, shown where
/// images are blocked, in the heading's style.
fn logo_image(logo: &Logo) -> Markup {
    html! {
        img src=(logo.url) width=(logo.width) height=(logo.height) alt=(logo.alt)
            style=(format!("display:block;border:0;outline:none;text-decoration:none;width:{}px;max-width:100%;height:auto;font-size:18px;line-height:24px;font-weight:bold;color:{TEXT};", logo.width));
    }
}

/// A card's cell: its padding, and the text size, line height and colour its paragraphs and
/// lists inherit, inline so that a mail program that drops `<style>` keeps them.
fn card_style() -> String {
    format!("padding:28px 32px;font-size:16px;line-height:24px;color:{TEXT}")
}

/// An item's card: the Chief Executive's message set apart by a rule of the brand colour along
/// its top (a cell's border, which Outlook draws; it keeps its colour in dark mode).
fn item_card_style(item: &Item, p: &Publisher) -> String {
    match item {
        Item::Message(_) => format!("{};border-top:4px solid {}", card_style(), p.colour),
        Item::Section(_) => card_style(),
    }
}

/// An `<h2>`'s colour, inline for the same reason (its size is a refinement: a mail program's
/// own, 24 px, fits the card's 24 px lines).
fn heading_style(p: &Publisher) -> String {
    format!("color:{}", p.colour)
}

fn link_style(p: &Publisher) -> String {
    format!("color:{};text-decoration:underline", p.colour)
}

fn muted_link() -> String {
    format!("color:{MUTED};text-decoration:underline")
}

/// The numbered contents list. In-page links work in most webmail and desktop clients; where
/// they are ignored (Gmail's and Outlook's phone apps) the numbers lead the reader, since each
/// card shows its number above its heading.
fn contents(items: &[Item], p: &Publisher) -> Markup {
    html! {
        p id="contents" class="k" style="margin:24px 0 6px" { (named_anchor("contents")) "In this issue" }
        ol class="i" style="margin:0 0 0 28px;padding:0;" {
            @for item in items {
                li {
                    a href=(format!("#{}", item.anchor())) style=(link_style(p)) { (html_text::breakable(item.title())) }
                }
            }
        }
    }
}

/// The target of an in-page link (`href="#x"`) for the mail programs that follow only a named
/// anchor (Outlook for Windows, Gmail's webmail, in caniemail's data); browsers and the other
/// programs go to the `id` next to it. Empty, so it shows nothing.
fn named_anchor(name: &str) -> Markup {
    html! { a name=(name) {} }
}

/// The line above a card's heading: its label and date, where they say something
/// ([`crate::details`]).
fn eyebrow(details: &[String]) -> Markup {
    html! {
        @if !details.is_empty() {
            p class="e" { (details.join(" · ")) }
        }
    }
}

/// A card's heading, numbered as the contents list numbers it ("3. Infection Prevention
/// Control", as in the text part): where in-page links do not work, the reader scrolls to 3.
fn heading(anchor: &str, number: usize, title: &str, p: &Publisher) -> Markup {
    html! {
        h2 id=(anchor) style=(heading_style(p)) { (number) ". " (html_text::breakable(title)) }
    }
}

/// The message: its numbered heading, then who writes it (a letter's signature at its end came
/// after the reader had read it), then its text.
fn message(m: &Message, number: usize, p: &Publisher) -> Markup {
    html! {
        (heading("message", number, &m.title, p))
        p class="a" { strong { (m.author) } @if let Some(role) = &m.role { ", " (role) } }
        (blocks(&m.body.blocks, p))
    }
}

fn section(b: &Bulletin, s: &Section, number: usize, p: &Publisher) -> Markup {
    html! {
        (eyebrow(&crate::details(b, s)))
        (heading(&s.anchor, number, &s.title, p))
        (blocks(&s.body.blocks, p))
        @if !s.dates.is_empty() || !s.links.is_empty() {
            (documents(b, s, p))
        }
        @if let Some(note) = &s.note {
            p class="m" {
                @for (i, line) in note.lines().enumerate() { @if i > 0 { br; } (html_text::linked(line, &muted_link())) }
            }
        }
    }
}

/// The "Key dates" box after the summary, above the contents: every item of the bulletin from
/// its date on, in date order, each with a link to its section and the section's number, and
/// beside the heading one link to subscribe to the archive's calendar. A box of
/// its own, as the documents box (background and border on the cell, where Outlook draws
/// them), and compact: it repeats what the sections say.
fn key_dates(b: &Bulletin, items: &[Item], p: &Publisher) -> Markup {
    let dates = boxed(b);
    if dates.is_empty() {
        return html! {};
    }
    html! {
        table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {
            tr { td class="d" bgcolor=(BOX) style=(box_style(p)) {
                p class="k" style="margin:0 0 4px" {
                    "Key dates"
                    @if let Some(url) = calendar::subscribe_url(p) {
                        " · " a class="u" href=(url) style=(link_style(p)) { "Subscribe to the calendar" }
                    }
                }
                @for (i, (d, s)) in dates.iter().enumerate() {
                    (key_date(b, d, s, Some(number_of(items, s)), p, i == 0))
                }
            } }
        }
    }
}

/// The documents box and the key dates box: a tinted cell with a bar of the brand colour.
fn box_style(p: &Publisher) -> String {
    format!("padding:12px 16px;border-left:4px solid {}", p.colour)
}

/// One key date on a line as a date reads: "**Thu 4 Nov, 1pm–2pm** · LMC webinar on the access
/// plan (item 3)", then where. In the Key dates box, `what` links to the section and its number
/// follows it, and nothing more: the box is the first screen's index of dates. In the section,
/// a line of what to do: "Join online" for a meeting link, "Add to calendar" where the archive
/// has the item's calendar file (each took a phone's line per date in the box).
fn key_date(
    b: &Bulletin,
    d: &KeyDate,
    s: &Section,
    number: Option<usize>,
    p: &Publisher,
    first: bool,
) -> Markup {
    let ics = calendar::item_url(p, b, s, d).filter(|_| number.is_none());
    let join = d
        .place
        .as_ref()
        .filter(|_| d.place_is_link() && number.is_none());
    let calendar_link =
        |url: &String| html! { a href=(url) style=(link_style(p)) { "Add to calendar" } };
    html! {
        p class=(if first { "l" } else { "t" }) {
            b { (when(d, b)) } " · "
            @if let Some(n) = number {
                // The item's section: a link to it where in-page links work, and its number.
                a href=(format!("#{}", s.anchor)) style=(link_style(p)) { (html_text::breakable(&d.what)) } " (item " (n) ")"
            } @else { (html_text::breakable(&d.what)) }
            @if let Some(place) = d.place.as_ref().filter(|_| !d.place_is_link()) { ", " (html_text::breakable(place)) }
        }
        @if let Some(place) = join {
            (join_button(place, ics.as_ref().map(calendar_link), p))
        } @else if let Some(url) = &ics {
            p class="t" { (calendar_link(url)) }
        }
    }
}

/// "Join online" as a button 44 px tall, a finger's size (a link of one line was 17 px): the
/// brand colour on the cell, where Outlook draws it (with `mso-padding-alt`, as it ignores a
/// link's padding), and on the link for the others; then "Add to calendar" beside it.
fn join_button(url: &str, beside: Option<Markup>, p: &Publisher) -> Markup {
    html! {
        table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 0" {
            tr {
                td bgcolor=(p.colour) style=(format!("border-radius:4px;mso-padding-alt:12px 20px;background-color:{}", p.colour)) {
                    a class="b" href=(url) style=(format!("display:inline-block;padding:12px 20px;font-size:16px;line-height:20px;font-weight:bold;white-space:nowrap;color:#ffffff;text-decoration:underline;border-radius:4px;background-color:{}", p.colour)) { "Join online" }
                }
                @if let Some(link) = beside {
                    td style="padding-left:16px" { (link) }
                }
            }
        }
    }
}

/// The box under a section's text: its dates (each with its calendar link), then its
/// documents. Background and border on the cell, where Outlook draws them.
fn documents(b: &Bulletin, s: &Section, p: &Publisher) -> Markup {
    html! {
        table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {
            tr { td class="d" bgcolor=(BOX) style=(box_style(p)) {
                @for (i, d) in s.dates.iter().enumerate() {
                    (key_date(b, d, s, None, p, i == 0))
                }
                @for (i, l) in s.links.iter().enumerate() {
                    p class=(if i > 0 || !s.dates.is_empty() { "t" } else { "l" }) { a href=(l.url) style=(link_style(p)) { (html_text::breakable(&l.text)) } }
                }
            } }
        }
    }
}

fn blocks(blocks: &[Block], p: &Publisher) -> Markup {
    html! { @for b in blocks { (block(b, p, false)) } }
}

fn block(b: &Block, p: &Publisher, in_item: bool) -> Markup {
    let margin = if in_item { "0 0 8px" } else { "0 0 16px" };
    html! {
        @match b {
            Block::Para(c) => @if in_item { p style="margin:0 0 8px;" { (inlines(c, p)) } } @else { p { (inlines(c, p)) } },
            Block::Heading(c) => h3 style=(format!("color:{TEXT}")) { (inlines(c, p)) },
            Block::List { start, items } => {
                // Indented by a margin in the style block: Outlook ignores padding on lists.
                @if let Some(n) = start {
                    ol start=[(*n != 1).then_some(n)] { @for item in items { (list_item(item, p)) } }
                } @else {
                    ul { @for item in items { (list_item(item, p)) } }
                }
            },
            Block::Quote(inner) => blockquote style=(format!("margin:{margin};padding:0 0 0 16px;border-left:4px solid #c5ced6;")) {
                @for b in inner { (block(b, p, false)) }
            },
            Block::Code(code) => pre class="d" style=(format!("margin:{margin};padding:12px;background-color:{BOX};font-family:Consolas,Menlo,monospace;font-size:14px;line-height:20px;white-space:pre-wrap;")) { (code) },
            Block::Rule => hr style="margin:16px 0;border:0;border-top:1px solid #c5ced6;";
        }
    }
}

/// A list item; one paragraph alone is written without its `<p>`, as in a tight Markdown list.
fn list_item(item: &[Block], p: &Publisher) -> Markup {
    html! {
        li {
            @if let [Block::Para(c)] = item {
                (inlines(c, p))
            } @else {
                @for b in item { (block(b, p, true)) }
            }
        }
    }
}

fn inlines(content: &[Inline], p: &Publisher) -> Markup {
    inlines_in(content, p, false)
}

/// Inline content; inside a link (`in_link`), an email address is not made a link of its own.
fn inlines_in(content: &[Inline], p: &Publisher, in_link: bool) -> Markup {
    html! {
        @for i in content {
            @match i {
                Inline::Text(t) => @if in_link { (html_text::breakable(t)) } @else { (html_text::linked(t, &link_style(p))) },
                Inline::Code(t) => code style="font-family:Consolas,Menlo,monospace;font-size:15px;" { (t) },
                Inline::Em(c) => em { (inlines_in(c, p, in_link)) },
                Inline::Strong(c) => strong { (inlines_in(c, p, in_link)) },
                Inline::Link { url, content } => a href=(url) style=(link_style(p)) { (inlines_in(content, p, true)) },
                Inline::Break => br;
            }
        }
    }
}

fn footer(b: &Bulletin, p: &Publisher) -> Markup {
    html! {
        p style="margin:0 0 12px;" {
            strong { (p.name) }
            @for line in &p.address { br; (line) }
            @if let Some(site) = &p.website {
                br; a href=(site) style=(muted_link()) { (site.trim_start_matches("https://").trim_end_matches('/')) }
            }
        }
        p style="margin:0 0 12px;" {
            "You receive this bulletin from " (p.name) " because you are on its mailing list. "
            @if let Some(url) = &p.unsubscribe.https {
                a href=(url) style=(muted_link()) { "Unsubscribe from this bulletin" } ". "
            }
            @if let Some(mailto) = &p.unsubscribe.mailto {
                "To unsubscribe by email, write to "
                a href=(mailto) style=(muted_link()) { (mailto_address(mailto)) }
                " with the subject “unsubscribe”."
            }
        }
        @if let Some(url) = crate::web_version(p, b) {
            p style="margin:0;" {
                "This issue and earlier ones are on the web: "
                a href=(url) style=(muted_link()) { "the web version of this bulletin" } "."
            }
        }
    }
}

/// `mailto:a@example.org?subject=x` → `a@example.org`
pub(crate) fn mailto_address(mailto: &str) -> &str {
    mailto
        .trim_start_matches("mailto:")
        .split('?')
        .next()
        .unwrap_or("")
}
