//! Calendar files (RFC 5545) for a bulletin's key dates: where each item's `.ics` file lives in
//! the archive, the link the email gives to it, and the identity (UID) a calendar program uses
//! to recognise an item again when a later issue or a re-archived one carries it.
//!
//! An item's UID is made from the date of the bulletin that first carried its section
//! (`continued_from`, or the bulletin's own date), the section's title and the item's `what`:
//! not from its date or time, so that a corrected time updates the event in a subscribed
//! calendar rather than adding a second one, and a section carried forward by `bulletin new`
//! keeps the UIDs it had.

use sha2::{Digest, Sha256};

use crate::model::{Bulletin, KeyDate, Publisher, Section};

/// The folder, inside an issue's archive folder, holding one `.ics` file per dated item.
pub const FOLDER: &str = "calendar";

/// The name of the calendar file of every archived item still to come, at the archive's top.
pub const SUBSCRIBE_FILE: &str = "calendar.ics";

/// The file name of one item's calendar file within [`FOLDER`]: `section-2-1.ics` for the first
/// item of section 2 (numbered as in the file, from 1).
pub fn item_file_name(bulletin: &Bulletin, section: &Section, item: &KeyDate) -> String {
    let (s, i) = position(bulletin, section, item);
    format!("section-{s}-{i}.ics")
}

/// The web address of one item's calendar file, or `None` where the publisher has no
/// `archive_url` (the email then has no calendar links: `check` says why).
pub fn item_url(
    publisher: &Publisher,
    bulletin: &Bulletin,
    section: &Section,
    item: &KeyDate,
) -> Option<String> {
    let page = publisher.web_version(bulletin)?;
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
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("{first}-{hex}@{}", publisher.list_id)
}

/// The section's number (from 1, among sections) and the item's (from 1, within the section).
fn position(bulletin: &Bulletin, section: &Section, item: &KeyDate) -> (usize, usize) {
    let s = bulletin
        .sections
        .iter()
        .position(|x| std::ptr::eq(x, section))
        .map_or(0, |i| i + 1);
    let i = section
        .dates
        .iter()
        .position(|x| std::ptr::eq(x, item))
        .map_or(0, |i| i + 1);
    (s, i)
}
