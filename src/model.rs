//! The validated bulletin and publisher: what every view (HTML, text, message, archive) renders.
//!
//! Values here have passed every check in `load`; positions are kept only where a later check
//! (the lints) needs to point back into the file.

use lettre::message::Mailbox;

use crate::date::Date;
use crate::diagnostic::Pos;
use crate::input::markdown::Markdown;

/// One issue of the bulletin, from `bulletins/<date>.yaml`.
#[derive(Clone, Debug)]
pub struct Bulletin {
    pub title: String,
    pub date: Date,
    pub issue: Option<u32>,
    /// The inbox preheader.
    pub summary: Option<String>,
    pub message: Option<Message>,
    pub sections: Vec<Section>,
    /// Every link in the bulletin (link lists and links inside text), for the lints.
    pub all_links: Vec<Link>,
}

/// The Chief Executive's message, shown before the sections.
#[derive(Clone, Debug)]
pub struct Message {
    pub title: String,
    pub author: String,
    pub role: Option<String>,
    pub body: Markdown,
}

#[derive(Clone, Debug)]
pub struct Section {
    pub title: String,
    /// Where the title is in the file.
    pub pos: Pos,
    /// The in-page anchor: `section-1`, `section-2`, … in order.
    pub anchor: String,
    /// A tag shown with the title, such as "Guidance".
    pub label: Option<String>,
    pub date: Option<Date>,
    pub date_pos: Pos,
    pub body: Markdown,
    /// The section's list of documents.
    pub links: Vec<Link>,
    /// Small print under the links.
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub text: String,
    pub url: String,
    pub pos: Pos,
}

impl Link {
    /// Whether the address is a PDF document (by its path, ignoring any query).
    pub fn is_pdf(&self) -> bool {
        let path = self.url.split(['?', '#']).next().unwrap_or("");
        path.to_ascii_lowercase().ends_with(".pdf")
    }
}

impl Bulletin {
    /// "20 October 2021 · Issue 112"
    pub fn dateline(&self) -> String {
        match self.issue {
            Some(n) => format!("{} · Issue {n}", self.date.long()),
            None => self.date.long(),
        }
    }
}

/// Who sends the bulletin, from `bulletins/publisher.yaml`.
#[derive(Clone, Debug)]
pub struct Publisher {
    pub name: String,
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub website: Option<String>,
    /// Where past issues are published; each email links to its own page there.
    pub archive_url: Option<String>,
    /// The footer: registered name, office, contact details, one line each.
    pub address: Vec<String>,
    pub unsubscribe: Unsubscribe,
    /// The List-Id label, such as `bulletin.example.org`.
    pub list_id: String,
    /// The brand colour, `#RRGGBB`.
    pub colour: String,
}

/// How a reader unsubscribes: at least one of the two is present.
#[derive(Clone, Debug, Default)]
pub struct Unsubscribe {
    pub mailto: Option<String>,
    pub https: Option<String>,
}

impl Publisher {
    /// The address of one issue's web version, if the publisher has an archive: its folder
    /// there is named by the issue's identity, as `bulletin archive` names it.
    pub fn web_version(&self, bulletin: &Bulletin) -> Option<String> {
        self.archive_url.as_ref().map(|base| {
            let base = base.trim_end_matches('/');
            format!("{base}/{}/", crate::identity::name(bulletin))
        })
    }

    /// The domain of the sender's address, used for Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}
