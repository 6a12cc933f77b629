//! The views of a bulletin: each is a pure function of the validated model and the publisher.
//!
//! - [`html`]: the HTML email (also the body of the archive's web page), writing its texts
//!   with `html_text` (bare email addresses as links, `<wbr>` in long runs);
//! - [`text`]: the plain-text email;
//! - [`message`]: the MIME message built from both, once per bulletin, then per recipient.
//!
//! Also the words both email parts use for a key date's day and time, so that the HTML and
//! the text say the same thing.

pub mod calendar;
pub mod html;
mod html_text;
pub mod message;
pub mod text;

// The model's modules, named as `crate::model`, `crate::date`, … here as in every layer.
use bulletin_model::{colour, date, identity, markdown, model};

use crate::date::Date;
use crate::model::{Bulletin, DateKind, Item, KeyDate, Publisher, Section};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Thu 4 Nov", with the year where it is not the bulletin's: "Thu 31 Mar 2022".
fn short_date(d: Date, bulletin: &Bulletin) -> String {
    // 1 January 1970 was a Thursday.
    let day = DAYS[(d.days_since_epoch() + 3).rem_euclid(7) as usize];
    let month = MONTHS[d.month as usize - 1];
    if d.year == bulletin.date.year {
        format!("{day} {} {month}", d.day)
    } else {
        format!("{day} {} {month} {}", d.day, d.year)
    }
}

/// The first line of a key date: "Thu 4 Nov, 2pm–3:30pm", and "Deadline" for a deadline.
pub fn when(item: &KeyDate, bulletin: &Bulletin) -> String {
    let mut out = short_date(item.date, bulletin);
    if let Some(t) = item.time {
        out.push_str(", ");
        out.push_str(&t.friendly());
        if let Some(e) = item.end {
            out.push('–');
            out.push_str(&e.friendly());
        }
    }
    if item.kind == DateKind::Deadline {
        out.push_str(" · Deadline");
    }
    out
}

/// The section's number in the contents list (the message counts), from 1.
pub(crate) fn number_of(items: &[Item], section: &Section) -> usize {
    items
        .iter()
        .position(|i| matches!(i, Item::Section(s) if std::ptr::eq(*s, section)))
        .map_or(0, |i| i + 1)
}

/// What a section's card says beside its heading: its label, its date and what it continues;
/// but not its date when it is the issue's own, nor a label every section shares (the example
/// repeated "Guidance · 20 October 2021" sixteen times above its headings).
pub fn details(b: &Bulletin, s: &Section) -> Vec<String> {
    let shared = b.sections.len() > 1 && b.sections.iter().all(|o| o.label == s.label);
    s.label
        .iter()
        .filter(|_| !shared)
        .cloned()
        .chain(s.date.filter(|d| *d != b.date).map(|d| d.long()))
        .chain(
            s.continued_from
                .map(|d| format!("Continued from {}", d.long())),
        )
        .collect()
}

/// The key dates the box lists: none where `key_dates: false`.
pub(crate) fn boxed(bulletin: &Bulletin) -> Vec<(&KeyDate, &Section)> {
    if bulletin.key_dates {
        bulletin.key_dates()
    } else {
        Vec::new()
    }
}

/// The address of one issue's web version, if the publisher has an archive: its folder there is
/// named by the issue's identity, as `bulletin archive` names it.
pub(crate) fn web_version(publisher: &Publisher, bulletin: &Bulletin) -> Option<String> {
    publisher.archive_url.as_ref().map(|base| {
        let base = base.trim_end_matches('/');
        format!("{base}/{}/", crate::identity::name(bulletin))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Time;

    fn section(label: Option<&str>, date: Option<&str>) -> Section {
        Section {
            title: "t".into(),
            pos: Default::default(),
            anchor: "section-1".into(),
            place: 1,
            label: label.map(str::to_string),
            date: date.map(|d| Date::parse(d).unwrap()),
            date_pos: Default::default(),
            body: Default::default(),
            links: Vec::new(),
            note: None,
            dates: Vec::new(),
            continued_from: None,
            audience: Vec::new(),
            audience_where: Vec::new(),
            audience_pos: Default::default(),
        }
    }

    #[test]
    fn a_card_leaves_out_the_issues_date_and_a_label_every_section_shares() {
        let mut b = Bulletin {
            title: "t".into(),
            date: Date::parse("2021-10-20").unwrap(),
            issue: None,
            summary: None,
            message: None,
            sections: vec![
                section(Some("Guidance"), Some("2021-10-20")),
                section(Some("Guidance"), Some("2021-10-13")),
            ],
            all_links: Vec::new(),
            key_dates: true,
        };
        assert!(details(&b, &b.sections[0]).is_empty());
        assert_eq!(details(&b, &b.sections[1]), ["13 October 2021"]);
        b.sections[1].label = Some("News".into());
        b.sections[1].continued_from = Some(Date::parse("2021-10-06").unwrap());
        assert_eq!(details(&b, &b.sections[0]), ["Guidance"]);
        assert_eq!(
            details(&b, &b.sections[1]),
            ["News", "13 October 2021", "Continued from 6 October 2021"]
        );
        // One section alone keeps its label: there is nothing it repeats.
        b.sections.truncate(1);
        assert_eq!(details(&b, &b.sections[0]), ["Guidance"]);
    }

    #[test]
    fn weekdays_and_times_read_as_the_bulletin_prints_them() {
        let b = Bulletin {
            title: "t".into(),
            date: Date::parse("2021-10-20").unwrap(),
            issue: None,
            summary: None,
            message: None,
            sections: Vec::new(),
            all_links: Vec::new(),
            key_dates: true,
        };
        let item = |date: &str, time: Option<&str>, end: Option<&str>, kind| KeyDate {
            what: "x".into(),
            date: Date::parse(date).unwrap(),
            time: time.map(|t| Time::parse(t).unwrap()),
            end: end.map(|t| Time::parse(t).unwrap()),
            place: None,
            kind,
            pos: Default::default(),
        };
        assert_eq!(
            when(
                &item("2021-11-04", Some("14:00"), Some("15:30"), DateKind::Event),
                &b
            ),
            "Thu 4 Nov, 2pm–3:30pm"
        );
        assert_eq!(
            when(&item("2022-03-31", None, None, DateKind::Deadline), &b),
            "Thu 31 Mar 2022 · Deadline"
        );
        assert_eq!(
            when(&item("2021-10-24", None, None, DateKind::Event), &b),
            "Sun 24 Oct"
        );
    }
}
