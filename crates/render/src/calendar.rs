//! Calendar files (RFC 5545) for a bulletin's key dates: where each item's `.ics` file lives in
//! the archive, the link the email gives to it, and the identity (UID) a calendar program uses
//! to recognise an item again when a later issue or a re-archived one carries it.
//!
//! An item's UID is made from the date of the bulletin that first carried its section
//! (`continued_from`, or the bulletin's own date), the section's title and the item's `what`:
//! not from its date or time, so that a corrected time updates the event in a subscribed
//! calendar rather than adding a second one, and a section carried forward by `bulletin new`
//! keeps the UIDs it had.
//!
//! The files themselves ([`item_file`], [`subscribe_file`]) are written by hand, as RFC 5545
//! asks: CRLF line ends, text escaped, lines folded at 75 octets (never inside a UTF-8
//! character), times on the UK's clock as `TZID=Europe/London` with that zone's rules in a
//! VTIMEZONE, deadlines and untimed items as all-day items. A file depends only on the bulletins
//! and the publisher (its DTSTAMP is the issue's date), so archiving again writes the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::date::{Date, Time};
use crate::model::{Bulletin, DateKind, KeyDate, Publisher, Section};

/// The folder, inside an issue's archive folder, holding one `.ics` file per dated item.
pub const FOLDER: &str = "calendar";

/// The name of the calendar file of every archived item still to come, at the archive's top.
pub const SUBSCRIBE_FILE: &str = "calendar.ics";

/// The file name of one item's calendar file within [`FOLDER`]: `section-2-1.ics` for the first
/// item of section 2 (numbered as in the file, from 1).
pub fn item_file_name(_bulletin: &Bulletin, section: &Section, item: &KeyDate) -> String {
    let (s, i) = position(section, item);
    format!("section-{s}-{i}.ics")
}

/// The web address of one item's calendar file, or `None` where the publisher has no
/// `archive_url` (the email then has no calendar links: `check` says why).
pub(crate) fn item_url(
    publisher: &Publisher,
    bulletin: &Bulletin,
    section: &Section,
    item: &KeyDate,
) -> Option<String> {
    let page = crate::web_version(publisher, bulletin)?;
    Some(format!(
        "{page}{FOLDER}/{}",
        item_file_name(bulletin, section, item)
    ))
}

/// The address of the calendar of every archived item still to come, to subscribe to.
pub fn subscribe_url(publisher: &Publisher) -> Option<String> {
    let base = publisher.archive_url.as_ref()?;
    Some(format!("{}/{SUBSCRIBE_FILE}", base.trim_end_matches('/')))
}

/// The item's UID: stable across re-archiving and across the issues a carried section appears
/// in (see the module's note), unique among the items of one section.
pub fn uid(
    publisher: &Publisher,
    bulletin: &Bulletin,
    section: &Section,
    item: &KeyDate,
) -> String {
    format!("{}@{}", key(bulletin, section, item), publisher.list_id)
}

/// The UID before its `@`: `2021-10-20-` and 20 hex digits.
fn key(bulletin: &Bulletin, section: &Section, item: &KeyDate) -> String {
    let first = section.continued_from.unwrap_or(bulletin.date);
    let mut hash = Sha256::new();
    hash.update(first.to_string());
    hash.update([0]);
    hash.update(section.title.trim().to_lowercase());
    hash.update([0]);
    hash.update(item.what.trim().to_lowercase());
    // Two items of one section with the same `what` (a webinar run twice) are told apart by
    // how many before them share it.
    let twin = section
        .dates
        .iter()
        .take_while(|d| !std::ptr::eq(*d, item))
        .filter(|d| d.what.trim().eq_ignore_ascii_case(item.what.trim()))
        .count();
    if twin > 0 {
        hash.update([0]);
        hash.update(twin.to_string());
    }
    let digest = hash.finalize();
    let hex = crate::identity::hex(&digest[..10]);
    format!("{first}-{hex}")
}

/// The section's number (from 1, among the sections as written, whichever version of the
/// bulletin shows it: [`Section::place`]) and the item's (from 1, within the section).
fn position(section: &Section, item: &KeyDate) -> (usize, usize) {
    (section.place, number_in(&section.dates, item))
}

/// The number (from 1) of `item` in `items`, found from its address rather than by a search,
/// so that rendering a bulletin with thousands of dates stays linear; 0 if it is not there.
fn number_in<T>(items: &[T], item: &T) -> usize {
    let size = std::mem::size_of::<T>().max(1);
    let offset = (item as *const T as usize).wrapping_sub(items.as_ptr() as usize) / size;
    match items.get(offset) {
        Some(x) if std::ptr::eq(x, item) => offset + 1,
        _ => 0,
    }
}

/// The calendar file of one item (`section-2-1.ics`), to add it to a calendar program.
///
/// It has no calendar name (X-WR-CALNAME): Outlook opens a file that has one as a calendar of
/// its own instead of adding the event to the user's calendar.
pub fn item_file(
    publisher: &Publisher,
    bulletin: &Bulletin,
    section: &Section,
    item: &KeyDate,
) -> String {
    let event = event(publisher, bulletin, section, item);
    calendar(publisher, None, &[event.as_str()])
}

/// The calendar to subscribe to: the [`upcoming`] items of `bulletins` from `today` on, and
/// how many there are. With none it is still a whole calendar, so that a subscribed calendar
/// empties rather than breaks.
pub fn subscribe_file(
    publisher: &Publisher,
    bulletins: &[&Bulletin],
    today: Date,
) -> (String, usize) {
    let events: Vec<String> = upcoming(bulletins, today, None)
        .into_iter()
        .map(|u| event(publisher, u.bulletin, u.section, u.item))
        .collect();
    let texts: Vec<&str> = events.iter().map(String::as_str).collect();
    let name = format!("{} key dates", publisher.name);
    (calendar(publisher, Some(&name), &texts), texts.len())
}

/// One dated item still to come, with the issue and section it is from.
#[derive(Clone, Copy, Debug)]
pub struct Upcoming<'a> {
    pub bulletin: &'a Bulletin,
    pub section: &'a Section,
    pub item: &'a KeyDate,
}

/// Every key date of `bulletins` (each on or after its own issue's date) from `from` to `to`
/// (both included; no end without `to`), in date and time order. An item carried into later
/// issues (the same [`uid`]) is listed once, as the latest issue has it.
pub fn upcoming<'a>(bulletins: &[&'a Bulletin], from: Date, to: Option<Date>) -> Vec<Upcoming<'a>> {
    let mut order: Vec<&'a Bulletin> = bulletins.to_vec();
    order.sort_by_key(|b| (b.date, b.issue));
    // By UID: the latest issue, written last, wins.
    let mut by_uid: BTreeMap<String, Upcoming<'a>> = BTreeMap::new();
    for bulletin in order {
        for (item, section) in bulletin.key_dates() {
            if item.date < from || to.is_some_and(|to| item.date > to) {
                continue;
            }
            by_uid.insert(
                key(bulletin, section, item),
                Upcoming {
                    bulletin,
                    section,
                    item,
                },
            );
        }
    }
    let mut out: Vec<(String, Upcoming<'a>)> = by_uid.into_iter().collect();
    out.sort_by(|(ka, a), (kb, b)| {
        (a.item.date, a.item.time, ka).cmp(&(b.item.date, b.item.time, kb))
    });
    out.into_iter().map(|(_, u)| u).collect()
}

/// The Europe/London zone since 1996: British Summer Time from 01:00 UTC on the last Sunday
/// of March to 01:00 UTC on the last Sunday of October. Each DTSTART is on the clock in force
/// before the change (01:00 GMT; 02:00 BST).
const LONDON: &str = "BEGIN:VTIMEZONE\r
TZID:Europe/London\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0000\r
TZOFFSETTO:+0100\r
TZNAME:BST\r
DTSTART:19960331T010000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0000\r
TZNAME:GMT\r
DTSTART:19961027T020000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
";

/// A VCALENDAR around `events` (each a whole VEVENT, folded, CRLF).
fn calendar(publisher: &Publisher, name: Option<&str>, events: &[&str]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(
        &mut out,
        &format!("PRODID:-//bulletin//{}//EN", text(&publisher.name)),
    );
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    if let Some(name) = name {
        line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
        line(&mut out, "X-WR-TIMEZONE:Europe/London");
        // How often a subscribed calendar should look again: new issues come weekly.
        line(&mut out, "REFRESH-INTERVAL;VALUE=DURATION:PT12H");
        line(&mut out, "X-PUBLISHED-TTL:PT12H");
    }
    out.push_str(LONDON);
    for e in events {
        out.push_str(e);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// One item as a VEVENT (folded, CRLF).
fn event(publisher: &Publisher, bulletin: &Bulletin, section: &Section, item: &KeyDate) -> String {
    let mut out = String::new();
    let mut add = |l: String| line(&mut out, &l);
    add("BEGIN:VEVENT".into());
    add(format!("UID:{}", uid(publisher, bulletin, section, item)));
    add(format!("DTSTAMP:{}T120000Z", compact(bulletin.date)));
    match (item.kind, item.time) {
        (DateKind::Event, Some(start)) => {
            let (end_day, end) = end_of(item.date, start, item.end);
            add(format!(
                "DTSTART;TZID=Europe/London:{}T{}",
                compact(item.date),
                clock(start)
            ));
            add(format!(
                "DTEND;TZID=Europe/London:{}T{}",
                compact(end_day),
                clock(end)
            ));
        }
        _ => {
            add(format!("DTSTART;VALUE=DATE:{}", compact(item.date)));
            add(format!(
                "DTEND;VALUE=DATE:{}",
                compact(item.date.add_days(1))
            ));
            // A deadline does not make the day busy.
            add("TRANSP:TRANSPARENT".into());
        }
    }
    add(format!("SUMMARY:{}", text(&item.what)));
    let link = item.place.as_deref().filter(|_| item.place_is_link());
    if let Some(place) = item.place.as_deref().filter(|_| link.is_none()) {
        add(format!("LOCATION:{}", text(place)));
    }
    let page = crate::web_version(publisher, bulletin);
    let mut description = String::new();
    if let (DateKind::Deadline, Some(t)) = (item.kind, item.time) {
        let _ = writeln!(
            description,
            "Deadline: {} on {}",
            t.friendly(),
            item.date.long()
        );
    }
    if let Some(link) = link {
        let _ = writeln!(description, "Join online: {link}");
    }
    let _ = write!(
        description,
        "From \"{}\" in the {} bulletin of {}",
        section.title.trim(),
        publisher.name,
        bulletin.date.long()
    );
    match &page {
        Some(page) => {
            let _ = write!(description, ": {page}");
        }
        None => description.push('.'),
    }
    add(format!("DESCRIPTION:{}", text(&description)));
    if let Some(url) = link.map(str::to_string).or(page) {
        add(format!("URL:{url}"));
    }
    add("END:VEVENT".into());
    out
}

/// When a timed item ends: its `end`, or an hour after it starts (the next day if that passes
/// midnight); an `end` not after the start (which `check` reports) counts as none.
fn end_of(date: Date, start: Time, end: Option<Time>) -> (Date, Time) {
    if let Some(end) = end.filter(|e| *e > start) {
        return (date, end);
    }
    let minutes = u32::from(start.hour) * 60 + u32::from(start.minute) + 60;
    let day = if minutes >= 24 * 60 {
        date.add_days(1)
    } else {
        date
    };
    let minutes = minutes % (24 * 60);
    (
        day,
        Time {
            hour: (minutes / 60) as u8,
            minute: (minutes % 60) as u8,
        },
    )
}

/// `20211020`.
fn compact(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year, d.month, d.day)
}

/// `143000`.
fn clock(t: Time) -> String {
    format!("{:02}{:02}00", t.hour, t.minute)
}

/// A TEXT value: backslash, semicolon, comma and line breaks escaped; other control characters
/// (which no calendar program shows) left out.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.replace("\r\n", "\n");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no line is longer than 75 octets (without its
/// CRLF): each continuation starts with a space, and no UTF-8 character is split.
fn line(out: &mut String, content: &str) {
    let mut room = 75;
    let mut used = 0;
    for c in content.chars() {
        if used + c.len_utf8() > room {
            out.push_str("\r\n ");
            // The leading space counts towards the continuation's 75.
            room = 74;
            used = 0;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The date the archive's calendar counts from: today (UTC). Built with the `test-hooks`
/// feature, `BULLETIN_TODAY=YYYY-MM-DD` fixes it, so the tests do not depend on the clock.
pub fn today() -> Date {
    #[cfg(feature = "test-hooks")]
    if let Some(d) = std::env::var("BULLETIN_TODAY")
        .ok()
        .and_then(|t| Date::parse(&t).ok())
    {
        return d;
    }
    Date::today()
}

#[cfg(test)]
mod output_tests {
    use super::{end_of, line, text};
    use crate::date::{Date, Time};

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let content = format!("SUMMARY:{}", "é".repeat(60));
        line(&mut out, &content);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{content}\r\n"));
        assert_eq!(out.matches("\r\n ").count(), 1);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn an_item_without_an_end_lasts_an_hour_even_past_midnight() {
        let d = Date::parse("2021-10-20").unwrap();
        let t = |s: &str| Time::parse(s).unwrap();
        assert_eq!(end_of(d, t("14:00"), None), (d, t("15:00")));
        assert_eq!(end_of(d, t("14:00"), Some(t("16:30"))), (d, t("16:30")));
        assert_eq!(end_of(d, t("14:00"), Some(t("13:00"))), (d, t("15:00")));
        assert_eq!(end_of(d, t("23:30"), None), (d.add_days(1), t("00:30")));
    }
}
