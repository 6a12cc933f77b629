//! The HTML email: tables, inline styles, a 600px column that reflows to a phone, Outlook
//! conditional comments, a hidden preheader, one `<h1>`, an `<h2>` per section.
//!
//! Every string from the YAML goes through maud's escaping; only the fixed fragments below
//! (Outlook comments and the `<style>` block) are written raw.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::input::markdown::{Block, Inline};
use crate::model::{Bulletin, Link, Publisher, Section};

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const TEXT: &str = "#1f2933";
const MUTED: &str = "#4a5560";
const PAGE: &str = "#eef1f4";

/// Enhancements only: every style that matters is inline. Phone sizes and dark mode.
const STYLE: &str = "\
:root{color-scheme:light dark;supported-color-schemes:light dark}\
body{margin:0;padding:0}\
a{color:inherit}\
@media screen and (max-width:620px){.card{padding:20px 16px !important}h1{font-size:24px !important;line-height:30px !important}}\
@media (prefers-color-scheme:dark){\
.page{background-color:#111418 !important}\
.card{background-color:#1c2127 !important;color:#e8ecef !important}\
.card h1,.card h2,.card h3,.card p,.card li,.card td{color:#e8ecef !important}\
.card a{color:#8cc4ff !important}\
.muted{color:#b6c0c9 !important}\
.docs{background-color:#242b33 !important}\
}";

const MSO_HEAD: &str = "<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->";
const MSO_OPEN: &str = "<!--[if mso]><table role=\"presentation\" align=\"center\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:600px;\"><tr><td><![endif]-->";
const MSO_CLOSE: &str = "<!--[if mso]></td></tr></table><![endif]-->";

/// Renders the bulletin as a complete HTML email document.
pub fn render(b: &Bulletin, p: &Publisher) -> String {
    document(b, p, None).into_string()
}

/// The bulletin as a web page: `before` goes above the bulletin and `after` below it, and the
/// email's "view in your browser" line is left out (the archive uses this; email never does).
pub fn render_with(b: &Bulletin, p: &Publisher, before: Markup, after: Markup) -> String {
    document(b, p, Some((before, after))).into_string()
}

fn document(b: &Bulletin, p: &Publisher, wrap: Option<(Markup, Markup)>) -> Markup {
    let is_email = wrap.is_none();
    let (before, after) = wrap.unwrap_or((html! {}, html! {}));
    let preheader = b.summary.clone().unwrap_or_else(|| b.dateline());
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
                style { (PreEscaped(STYLE)) }
            }
            body class="page" style=(format!("margin:0;padding:0;width:100%;background-color:{PAGE};-webkit-text-size-adjust:100%;-ms-text-size-adjust:100%;")) {
                div class="preheader" aria-hidden="true" style=(format!("display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;font-size:1px;line-height:1px;color:{PAGE};")) {
                    (preheader)
                    // Keeps the inbox from filling the preview with the start of the body.
                    (PreEscaped("&#8199;&#65279;&#847; ".repeat(30)))
                }
                (before)
                div role="article" aria-roledescription="email" aria-label=(b.title) lang="en-GB" dir="ltr" class="page" style=(format!("background-color:{PAGE};{FONT}")) {
                    (PreEscaped(MSO_OPEN))
                    table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" align="center" style="width:100%;max-width:600px;margin:0 auto;border-collapse:collapse;" {
                        @if let Some(url) = p.web_version(b).filter(|_| is_email) {
                            tr { td class="muted" align="center" style=(format!("padding:12px 16px;{FONT}font-size:13px;line-height:18px;color:{MUTED};")) {
                                a href=(url) style=(format!("color:{MUTED};text-decoration:underline;")) { "View this bulletin in your web browser" }
                            } }
                        }
                        tr { td style=(format!("background-color:{};padding:16px 32px;{FONT}font-size:16px;line-height:22px;font-weight:bold;color:#ffffff;", p.colour)) {
                            (p.name)
                        } }
                        tr { td class="card" style=(card_style()) {
                            h1 style=(format!("margin:0 0 8px;{FONT}font-size:28px;line-height:34px;font-weight:bold;color:{TEXT};")) { (b.title) }
                            p class="muted" style=(format!("margin:0 0 16px;{FONT}font-size:14px;line-height:20px;color:{MUTED};")) { (b.dateline()) }
                            @if let Some(s) = &b.summary {
                                p style=(para_style()) { (s) }
                            }
                            (contents(b, p))
                        } }
                        @if let Some(m) = &b.message {
                            tr { td style="height:16px;line-height:16px;font-size:0;" { (PreEscaped("&nbsp;")) } }
                            tr { td class="card" style=(card_style()) {
                                h2 id="message" style=(h2_style(p)) { (m.title) }
                                @if let Some(role) = &m.role {
                                    p class="muted" style=(format!("margin:0 0 16px;{FONT}font-size:14px;line-height:20px;color:{MUTED};")) { (m.author) ", " (role) }
                                }
                                (blocks(&m.body.blocks, p))
                                p style=(format!("margin:16px 0 0;{FONT}font-size:16px;line-height:24px;color:{TEXT};")) {
                                    strong { (m.author) }
                                    @if let Some(role) = &m.role { br; (role) }
                                }
                            } }
                        }
                        @for s in &b.sections {
                            tr { td style="height:16px;line-height:16px;font-size:0;" { (PreEscaped("&nbsp;")) } }
                            tr { td class="card" style=(card_style()) { (section(s, p)) } }
                        }
                        tr { td class="muted" style=(format!("padding:24px 32px 40px;{FONT}font-size:13px;line-height:20px;color:{MUTED};")) {
                            (footer(b, p))
                        } }
                    }
                    (PreEscaped(MSO_CLOSE))
                }
                (after)
            }
        }
    }
}

fn card_style() -> String {
    format!(
        "background-color:#ffffff;padding:28px 32px;{FONT}font-size:16px;line-height:24px;color:{TEXT};"
    )
}

fn para_style() -> String {
    format!("margin:0 0 16px;{FONT}font-size:16px;line-height:24px;color:{TEXT};")
}

fn h2_style(p: &Publisher) -> String {
    format!(
        "margin:0 0 8px;{FONT}font-size:22px;line-height:28px;font-weight:bold;color:{};",
        p.colour
    )
}

fn link_style(p: &Publisher) -> String {
    format!("color:{};text-decoration:underline;", p.colour)
}

fn contents(b: &Bulletin, p: &Publisher) -> Markup {
    html! {
        p style=(format!("margin:8px 0 8px;{FONT}font-size:14px;line-height:20px;font-weight:bold;text-transform:uppercase;letter-spacing:1px;color:{MUTED};")) class="muted" { "In this issue" }
        table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" {
            @if let Some(m) = &b.message {
                (contents_row(&m.title, "message", p))
            }
            @for s in &b.sections {
                (contents_row(&s.title, &s.anchor, p))
            }
        }
    }
}

fn contents_row(title: &str, anchor: &str, p: &Publisher) -> Markup {
    html! {
        tr { td style=(format!("padding:4px 0;{FONT}font-size:15px;line-height:22px;color:{TEXT};")) {
            a href=(format!("#{anchor}")) style=(link_style(p)) { (title) }
        } }
    }
}

fn section(s: &Section, p: &Publisher) -> Markup {
    let meta: Vec<String> = s
        .label
        .iter()
        .cloned()
        .chain(s.date.map(|d| d.long()))
        .collect();
    html! {
        h2 id=(s.anchor) style=(h2_style(p)) { (s.title) }
        @if !meta.is_empty() {
            p class="muted" style=(format!("margin:0 0 16px;{FONT}font-size:14px;line-height:20px;color:{MUTED};")) { (meta.join(" · ")) }
        }
        (blocks(&s.body.blocks, p))
        @if !s.links.is_empty() {
            (documents(&s.links, p))
        }
        @if let Some(note) = &s.note {
            p class="muted" style=(format!("margin:16px 0 0;{FONT}font-size:14px;line-height:20px;color:{MUTED};")) {
                @for (i, line) in note.lines().enumerate() { @if i > 0 { br; } (line) }
            }
        }
    }
}

fn documents(links: &[Link], p: &Publisher) -> Markup {
    let heading = if links.len() == 1 {
        "Document"
    } else {
        "Documents"
    };
    html! {
        table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" class="docs" style=(format!("margin:8px 0 0;background-color:#f2f6fa;border-left:4px solid {};border-collapse:collapse;", p.colour)) {
            tr { td style=(format!("padding:12px 16px 4px;{FONT}font-size:14px;line-height:20px;font-weight:bold;color:{TEXT};")) { (heading) } }
            @for l in links {
                tr { td style=(format!("padding:4px 16px 8px;{FONT}font-size:16px;line-height:24px;color:{TEXT};")) {
                    a href=(l.url) style=(link_style(p)) { (l.text) }
                } }
            }
            tr { td style="height:4px;line-height:4px;font-size:0;" { (PreEscaped("&nbsp;")) } }
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
            Block::Para(c) => p style=(format!("margin:{margin};{FONT}font-size:16px;line-height:24px;color:{TEXT};")) { (inlines(c, p)) },
            Block::Heading(c) => h3 style=(format!("margin:16px 0 8px;{FONT}font-size:18px;line-height:24px;font-weight:bold;color:{TEXT};")) { (inlines(c, p)) },
            Block::List { start, items } => {
                @let list_style = format!("margin:{margin};padding:0 0 0 24px;{FONT}font-size:16px;line-height:24px;color:{TEXT};");
                @if let Some(n) = start {
                    ol start=(n) style=(list_style) { @for item in items { (list_item(item, p)) } }
                } @else {
                    ul style=(list_style) { @for item in items { (list_item(item, p)) } }
                }
            },
            Block::Quote(inner) => blockquote style=(format!("margin:{margin};padding:0 0 0 16px;border-left:4px solid #c5ced6;")) {
                @for b in inner { (block(b, p, false)) }
            },
            Block::Code(code) => pre style=(format!("margin:{margin};padding:12px;background-color:#f2f6fa;font-family:Consolas,Menlo,monospace;font-size:14px;line-height:20px;white-space:pre-wrap;word-wrap:break-word;color:{TEXT};")) { (code) },
            Block::Rule => hr style="margin:16px 0;border:0;border-top:1px solid #c5ced6;";
        }
    }
}

fn list_item(item: &[Block], p: &Publisher) -> Markup {
    html! {
        li style="margin:0 0 8px;" { @for b in item { (block(b, p, true)) } }
    }
}

fn inlines(content: &[Inline], p: &Publisher) -> Markup {
    html! {
        @for i in content {
            @match i {
                Inline::Text(t) => (t),
                Inline::Code(t) => code style="font-family:Consolas,Menlo,monospace;font-size:15px;" { (t) },
                Inline::Em(c) => em { (inlines(c, p)) },
                Inline::Strong(c) => strong { (inlines(c, p)) },
                Inline::Link { url, content } => a href=(url) style=(link_style(p)) { (inlines(content, p)) },
                Inline::Break => br;
            }
        }
    }
}

fn footer(b: &Bulletin, p: &Publisher) -> Markup {
    let muted_link = format!("color:{MUTED};text-decoration:underline;");
    html! {
        p style=(format!("margin:0 0 12px;{FONT}font-size:13px;line-height:20px;color:{MUTED};")) {
            strong { (p.name) }
            @for line in &p.address { br; (line) }
            @if let Some(site) = &p.website {
                br; a href=(site) style=(muted_link) { (site.trim_start_matches("https://").trim_end_matches('/')) }
            }
        }
        p style=(format!("margin:0 0 12px;{FONT}font-size:13px;line-height:20px;color:{MUTED};")) {
            "You receive this bulletin from " (p.name) " because you are on its mailing list. "
            @if let Some(url) = &p.unsubscribe.https {
                a href=(url) style=(muted_link) { "Unsubscribe from this bulletin" } ". "
            }
            @if let Some(mailto) = &p.unsubscribe.mailto {
                "To unsubscribe by email, write to "
                a href=(mailto) style=(muted_link) { (mailto_address(mailto)) }
                " with the subject “unsubscribe”."
            }
        }
        @if let Some(url) = p.web_version(b) {
            p style=(format!("margin:0;{FONT}font-size:13px;line-height:20px;color:{MUTED};")) {
                "This issue and earlier ones are on the web: "
                a href=(url) style=(muted_link) { "the web version of this bulletin" } "."
            }
        }
    }
}

/// `mailto:a@example.org?subject=x` → `a@example.org`
pub fn mailto_address(mailto: &str) -> &str {
    mailto
        .trim_start_matches("mailto:")
        .split('?')
        .next()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::colour::contrast;

    /// EMAIL.md: text contrast at least 4.5:1, in light and in dark clients. The pairs are the
    /// colours this module writes (inline for light, in STYLE for dark mode).
    #[test]
    fn every_text_colour_has_enough_contrast_in_light_and_dark() {
        let light = [
            (TEXT, "#ffffff"),
            (MUTED, "#ffffff"),
            (MUTED, PAGE),
            (TEXT, "#f2f6fa"),
        ];
        let dark = [
            ("#e8ecef", "#1c2127"),
            ("#8cc4ff", "#1c2127"),
            ("#b6c0c9", "#1c2127"),
            ("#b6c0c9", "#111418"),
            ("#e8ecef", "#242b33"),
            ("#8cc4ff", "#242b33"),
        ];
        for (fg, bg) in light.iter().chain(dark.iter()) {
            assert!(
                contrast(fg, bg) >= 4.5,
                "{fg} on {bg}: {:.2}:1",
                contrast(fg, bg)
            );
            if dark.contains(&(fg, bg)) {
                assert!(
                    STYLE.contains(fg) && STYLE.contains(bg),
                    "{fg}/{bg} not in the dark-mode style"
                );
            }
        }
    }
}
