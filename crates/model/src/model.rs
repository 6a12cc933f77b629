//! The validated bulletin and publisher: what every view (HTML, text, message, archive) renders.
//!
//! Values here have passed every check in `load`; positions are kept only where a later check
//! (the lints) needs to point back into the file.

use lettre::message::Mailbox;

use crate::date::{Date, Time};
use crate::diagnostic::Pos;
use crate::markdown::Markdown;

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
    /// `key_dates: false` leaves the "Key dates" box out (the dates stay in their sections).
    pub key_dates: bool,
}

/// The Chief Executive's message: before the sections, or after the one its `after` names.
#[derive(Clone, Debug)]
pub struct Message {
    pub title: String,
    pub author: String,
    pub role: Option<String>,
    pub body: Markdown,
    /// How many sections come before it: 0 (the default) puts it first.
    pub after: usize,
}

/// One numbered item of the bulletin, as the reader meets it: the message or a section.
#[derive(Clone, Copy, Debug)]
pub enum Item<'a> {
    Message(&'a Message),
    Section(&'a Section),
}

impl Item<'_> {
    pub fn title(&self) -> &str {
        match self {
            Item::Message(m) => &m.title,
            Item::Section(s) => &s.title,
        }
    }

    /// The id its heading carries in the HTML, for the contents list's links.
    pub fn anchor(&self) -> &str {
        match self {
            Item::Message(_) => "message",
            Item::Section(s) => &s.anchor,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Section {
    pub title: String,
    /// Where the title is in the file.
    pub pos: Pos,
    /// The in-page anchor: `section-1`, `section-2`, … in order.
    pub anchor: String,
    /// Its number among the sections as written (from 1): it names its calendar files, which
    /// a version for an audience ([`crate::audience::version`]), numbered as its own, shares.
    pub place: usize,
    /// A tag shown with the title, such as "Guidance".
    pub label: Option<String>,
    pub date: Option<Date>,
    pub date_pos: Pos,
    pub body: Markdown,
    /// The section's list of documents.
    pub links: Vec<Link>,
    /// Small print under the links.
    pub note: Option<String>,
    /// Deadlines and events this section announces, as written (in the file's order).
    pub dates: Vec<KeyDate>,
    /// `continued_from:` the date of the bulletin that first carried this section (written by
    /// `bulletin new` when it carries the section forward); shown as "Continued from …".
    pub continued_from: Option<Date>,
    /// `for:` the mailing lists (their ids in `recipients.yaml`) whose members receive this
    /// section; empty (and no `audience_where`): everyone. See the `audience` module of the
    /// `bulletin` crate.
    pub audience: Vec<String>,
    /// `for: { where: { role: Practice manager } }`: the people of the office's spreadsheet whose
    /// row has these values (every condition, any of a condition's values) receive this section,
    /// as a list's `where:` picks its members. Empty: no such condition.
    pub audience_where: Vec<Condition>,
    /// Where `for:` is in the file (the section's title when there is none).
    pub audience_pos: Pos,
}

/// One condition of a section's `for: { where: }`: a column of the office's spreadsheet, by the
/// key `where:` writes it with (`role`, `practice`, `ods_code`, `area`), and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub column: String,
    pub values: Vec<String>,
}

impl Condition {
    /// How the office would say it: "role Practice manager", "role GP partner or Salaried GP".
    pub fn describe(conditions: &[Condition]) -> String {
        conditions
            .iter()
            .map(|c| format!("{} {}", c.column.replace('_', " "), c.values.join(" or ")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One deadline or event of a section (`dates:` in the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDate {
    /// One line: "LES claims for Q2", "LMC webinar: the new contract".
    pub what: String,
    pub date: Date,
    /// UK local time (Europe/London), if the item has one.
    pub time: Option<Time>,
    /// When it ends, the same day; only with `time`.
    pub end: Option<Time>,
    /// `where`: one line, or an https meeting link.
    pub place: Option<String>,
    pub kind: DateKind,
    /// Where the item starts in the file.
    pub pos: Pos,
}

/// Whether an item is something to do by a day, or something happening at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateKind {
    Deadline,
    Event,
}

impl DateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Deadline => "deadline",
            DateKind::Event => "event",
        }
    }
}

impl KeyDate {
    /// Whether `where` is a meeting link rather than a place.
    pub fn place_is_link(&self) -> bool {
        self.place
            .as_deref()
            .is_some_and(|p| p.starts_with("https://"))
    }
}

#[derive(Clone, Debug)]
pub struct Link {
    pub text: String,
    pub url: String,
    pub pos: Pos,
    /// The words right after the link in the text say "(PDF)" (`[the plan](…plan.pdf) (PDF)`):
    /// for the check that a PDF says so; not part of the bulletin's identity.
    pub pdf_said_after: bool,
}

impl Link {
    /// Whether the address is a PDF document (by its path, ignoring any query).
    pub fn is_pdf(&self) -> bool {
        let path = self.url.split(['?', '#']).next().unwrap_or("");
        path.to_ascii_lowercase().ends_with(".pdf")
    }
}

impl Bulletin {
    /// The message and the sections in the order they are shown, which is also their number
    /// (from 1) in the contents list and on their headings.
    pub fn items(&self) -> Vec<Item<'_>> {
        let mut items: Vec<Item<'_>> = self.sections.iter().map(Item::Section).collect();
        if let Some(m) = &self.message {
            items.insert(m.after.min(items.len()), Item::Message(m));
        }
        items
    }

    /// Every dated item on or after the bulletin's date, in date (then time) order, with the
    /// section it belongs to: what the "Key dates" box lists. Items on the same day keep the
    /// order of the file, deadlines (no time) before timed events.
    pub fn key_dates(&self) -> Vec<(&KeyDate, &Section)> {
        let mut items: Vec<(&KeyDate, &Section)> = self
            .sections
            .iter()
            .flat_map(|s| s.dates.iter().map(move |d| (d, s)))
            .filter(|(d, _)| d.date >= self.date)
            .collect();
        items.sort_by_key(|(d, _)| (d.date, d.time));
        items
    }

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
    /// A hosted image shown in the email's header instead of the name.
    pub logo: Option<Logo>,
    /// Who may approve an issue (`approvers:`); when there are any, `send` sends only an issue
    /// one of them approved, as it is now ([`crate::approval`]).
    pub approvers: Vec<String>,
    /// A logo given as a file that the email cannot show, because there is no `archive_url` to
    /// publish it at (`check` says so).
    pub logo_unpublished: Option<std::path::PathBuf>,
}

/// The publisher's logo: an `https:` address (never attached to the message) and its size in
/// CSS pixels, with the text shown where images are blocked (Outlook blocks them by default).
#[derive(Clone, Debug)]
pub struct Logo {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    /// The image on this computer, when it was given as a file: the archive publishes it at its
    /// top, and `url` is its address there.
    pub file: Option<std::path::PathBuf>,
}

/// How a reader unsubscribes: at least one of the two is present.
#[derive(Clone, Debug, Default)]
pub struct Unsubscribe {
    pub mailto: Option<String>,
    pub https: Option<String>,
    /// `one_click_unsubscribe: true`: the https page accepts RFC 8058 one-click POST requests,
    /// so the message may carry `List-Unsubscribe-Post`.
    pub one_click: bool,
}

impl Publisher {
    /// The domain of the sender's address, used for Message-IDs.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }
}
