//! Warnings about a bulletin that is valid but will read badly or reach readers badly:
//! vague link text, unmarked PDFs, repeated section titles, dates from the future, and an HTML
//! part that Gmail would clip. `--strict` turns them into errors. The link warnings are given
//! by the loader itself ([`links`]); the rest need the whole bulletin and its HTML. Checks over
//! the model only (nothing from `input`), so the loader can call them without a cycle.
//! [`logo_note`] says why a logo given as a file is not in the email; [`calendar_note`] says why an
//! email with key dates has no "add to calendar" links.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::model::{Bulletin, Link, Publisher, Section};

/// Gmail clips a message whose HTML part is larger than 102 KB as sent (encoded), showing
/// "[Message clipped]" and hiding the rest, the unsubscribe line included.
pub(crate) const HTML_LIMIT: usize = 102 * 1024;

/// Link texts that do not say where the link goes.
const VAGUE: &[&str] = &[
    "click here",
    "here",
    "link",
    "this link",
    "read more",
    "more",
    "click",
    "this",
    "download",
    "view",
];

/// The warnings about links (vague text, an unmarked PDF). The loader asks for these as it reads
/// the links, so they are reported even when other parts of the bulletin have errors.
pub(crate) fn links(path: &Path, links: &[Link]) -> Diagnostics {
    let mut out = Diagnostics::default();
    for link in links {
        let words = link
            .text
            .trim()
            .trim_end_matches(['.', '!', ':'])
            .to_lowercase();
        if VAGUE.contains(&words.as_str()) {
            out.push(
                Diagnostic::warning(path, link.pos, format!("the link text “{}” does not say where it goes", link.text.trim()))
                    .with_help("name the document or page instead, e.g. “BMA analysis of the NHSE/I package (PDF)”: screen readers list links by their text"),
            );
        }
        if link.is_pdf() && !link.text.to_lowercase().contains("pdf") && !link.pdf_said_after {
            out.push(
                Diagnostic::warning(
                    path,
                    link.pos,
                    format!(
                        "the link “{}” opens a PDF but does not say so",
                        link.text.trim()
                    ),
                )
                .with_help(
                    "add “(PDF)” to the link text, so readers on a phone know what they will get",
                ),
            );
        }
    }
    out
}

/// Every lint that applies to the bulletin read from `path`; `html_sent` is the size in bytes of
/// the HTML part as it is sent ([`crate::render::message::html_sent_len`]).
pub fn lint(path: &Path, b: &Bulletin, html_sent: usize) -> Diagnostics {
    let mut out = Diagnostics::default();
    // The first section with each title (compared without case), by title.
    let mut titles: HashMap<String, &Section> = HashMap::new();
    for (i, s) in b.sections.iter().enumerate() {
        let first = *titles
            .entry(s.title.trim().to_ascii_lowercase())
            .or_insert(s);
        if !std::ptr::eq(first, s) {
            out.push(
                Diagnostic::warning(path, s.pos, format!("section {} has the same title as the section on line {}", i + 1, first.pos.line))
                    .with_help("give each section its own title: the contents list would show the same entry twice"),
            );
        }
        if let Some(d) = s.date.filter(|d| *d > b.date) {
            out.push(
                Diagnostic::warning(path, s.date_pos, format!("section {} is dated {}, after the bulletin's date {}", i + 1, d, b.date))
                    .with_help("check the section's `date`: a section cannot be issued after the bulletin that reports it"),
            );
        }
    }
    if html_sent > HTML_LIMIT {
        out.push(
            Diagnostic::warning(
                path,
                Pos::default(),
                format!(
                    "the HTML email is {:.1} KB as sent, over the {} KB at which Gmail clips it: readers in Gmail would see \"[Message clipped]\" and not the rest, the unsubscribe line included",
                    html_sent as f64 / 1024.0,
                    HTML_LIMIT / 1024
                ),
            )
            .with_help("shorten the bulletin, or move long text to a web page and link to it"),
        );
    }
    out
}

/// When publisher.yaml gives the logo as a file but has no `archive_url`: the email can show an
/// image only from a web address, and the archive is where the logo is published. The email is
/// sent without it (never with it attached).
pub fn logo_note(p: &Publisher) -> Option<String> {
    p.logo_unpublished.as_ref().map(|file| {
        format!(
            "logo: the emails will show the office's name instead of the logo ({}), because publisher.yaml has no `archive_url`: an email can only show an image that is on the web, and `bulletin archive` puts the logo there, beside the issues. Set `archive_url` to the web address where the archive is published (see docs/format.md)",
            file.file_name().map_or_else(String::new, |n| n.to_string_lossy().to_string())
        )
    })
}

/// When the bulletin has key dates but publisher.yaml no `archive_url`: the email cannot link to
/// calendar files, which are published with the archive. Not a warning: the email is fine
/// without them.
pub fn calendar_note(b: &Bulletin, p: &Publisher) -> Option<String> {
    let n = b.key_dates().len();
    (n > 0 && p.archive_url.is_none()).then(|| {
        format!(
            "key dates: the email will have no \"add to calendar\" links for its {n} date{}, because publisher.yaml has no `archive_url`: set `archive_url` to the web address where the archive is published (see docs/format.md) to give each date a calendar file",
            if n == 1 { "" } else { "s" }
        )
    })
}
