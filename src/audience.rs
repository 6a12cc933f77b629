//! Sections for an audience: a section with `for: [practice-managers]` goes only to the members
//! of those lists, one with `for: { where: { role: Practice manager } }` only to the people of
//! the office's spreadsheet whose row matches (as a list's `where:` picks them); a section
//! without `for:` goes to everyone. Each audience has an id: a list's own, or for a `where`,
//! `where: ` and what it matches ([`ids`]). Each person receives one message
//! holding the sections meant for them, numbered and listed in its contents as their own.
//!
//! The people sent to fall into a few **versions** of the issue, each a set of its sections
//! ([`split`]); a version is an ordinary [`Bulletin`] with the other sections left out
//! ([`version`]), so every view renders it unchanged. Each version has a tag
//! ([`crate::identity::version_tag`]) that the journal records beside each delivery, so it says
//! which version each person got. The archive, a test copy and the preview of every section show
//! each section with whom it is for ([`labelled`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use lettre::message::Mailbox;

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::identity::Identity;
use crate::input::recipients::{Recipients, key};
use crate::model::{Bulletin, Condition, Section};

/// What starts the id of the audience a `where` names ("where: role Practice manager").
const WHERE: &str = "where: ";

/// The audiences a section is for, by id: its lists, then its `where`; none for everyone.
pub fn ids(s: &Section) -> Vec<String> {
    let mut out = s.audience.clone();
    if !s.audience_where.is_empty() {
        out.push(format!("{WHERE}{}", Condition::describe(&s.audience_where)));
    }
    out
}

/// One version of an issue: the sections it holds and who gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Its sections, by their place in the bulletin (from 0), in order.
    pub sections: Vec<usize>,
    /// Its tag for the journal; `None` when it is the whole bulletin.
    pub tag: Option<String>,
    /// How many of the people split get it.
    pub people: usize,
}

/// Who gets which version.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// The versions, the one with the most sections first.
    pub versions: Vec<Version>,
    /// Each person's version (an index into `versions`), by [`key`].
    pub of: HashMap<String, usize>,
}

/// Whether any section of the bulletin is for an audience.
pub fn any(b: &Bulletin) -> bool {
    b.sections
        .iter()
        .any(|s| !s.audience.is_empty() || !s.audience_where.is_empty())
}

/// Every audience the bulletin's sections are for ([`ids`]), each once, in the order they are
/// first named.
pub fn lists(b: &Bulletin) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in b.sections.iter().flat_map(ids) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The sections of the bulletin a member of `lists` (and of no other list) receives.
pub fn sections_for(b: &Bulletin, lists: &[&str]) -> Vec<usize> {
    let audiences: Vec<Vec<String>> = b.sections.iter().map(ids).collect();
    sections_of(&audiences, lists)
}

/// [`sections_for`] with each section's audiences ([`ids`]) already found.
fn sections_of(audiences: &[Vec<String>], lists: &[&str]) -> Vec<usize> {
    audiences
        .iter()
        .enumerate()
        .filter(|(_, ids)| ids.is_empty() || ids.iter().any(|a| lists.contains(&a.as_str())))
        .map(|(i, _)| i)
        .collect()
}

/// An error at each `for:` that names a list the recipients file does not have.
pub fn unknown_lists(b: &Bulletin, path: &std::path::Path, r: &Recipients) -> Diagnostics {
    let mut out = Diagnostics::default();
    let names = r.list_names();
    for s in &b.sections {
        for id in s.audience.iter().filter(|id| !r.lists.contains_key(*id)) {
            let help = did_you_mean(id, &names).map_or_else(
                || {
                    format!(
                        "name lists of {} (see `bulletin lists`): {}",
                        r.path.display(),
                        names.join(", ")
                    )
                },
                |n| format!("did you mean `{n}`?"),
            );
            out.push(
                Diagnostic::error(
                    path,
                    s.audience_pos,
                    format!(
                        "\"{}\" is for `{id}`, which is not a list in {}",
                        s.title,
                        r.path.display()
                    ),
                )
                .with_help(help),
            );
        }
        if !s.audience_where.is_empty() && r.people.is_none() {
            out.push(
                Diagnostic::error(
                    path,
                    s.audience_pos,
                    format!(
                        "\"{}\" picks people with `where`, but {} names no spreadsheet of people",
                        s.title,
                        r.path.display()
                    ),
                )
                .with_help(format!(
                    "add `people: contacts.xlsx` (the office's spreadsheet) to {}, or name lists in `for`",
                    r.path.display()
                )),
            );
        }
    }
    out
}

/// Everyone in the office's spreadsheet whose row matches `conditions`, by [`key`].
fn picked(r: &Recipients, conditions: &[Condition]) -> HashSet<String> {
    let Some(people) = &r.people else {
        return HashSet::new();
    };
    people
        .people
        .iter()
        .filter(|p| {
            conditions.iter().all(|c| {
                crate::input::people::where_column(&c.column)
                    .is_some_and(|column| p.matches(column, &c.values))
            })
        })
        .map(|p| p.key.clone())
        .collect()
}

/// Splits `people` (those about to be sent the issue `id`) by the sections each receives: those
/// for everyone, and those for a list they are on. Without any `for:`, one version for all.
pub fn split(b: &Bulletin, id: &Identity, r: &Recipients, people: &[Mailbox]) -> Split {
    let mut members: Vec<(String, HashSet<String>)> = Vec::new();
    for s in &b.sections {
        for list in &s.audience {
            if members.iter().all(|(id, _)| id != list) {
                let resolved = r.resolve(list);
                let keys = resolved
                    .recipients
                    .iter()
                    .chain(&resolved.suppressed)
                    .map(key)
                    .collect();
                members.push((list.clone(), keys));
            }
        }
        if let Some(id) = ids(s).into_iter().find(|id| id.starts_with(WHERE))
            && members.iter().all(|(m, _)| *m != id)
        {
            members.push((id, picked(r, &s.audience_where)));
        }
    }
    // Each section's audiences, found once rather than once a person.
    let audiences: Vec<Vec<String>> = b.sections.iter().map(ids).collect();
    let mut by_sections: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
    for m in people {
        let k = key(m);
        let on: Vec<&str> = members
            .iter()
            .filter(|(_, keys)| keys.contains(&k))
            .map(|(list, _)| list.as_str())
            .collect();
        by_sections
            .entry(sections_of(&audiences, &on))
            .or_default()
            .push(k);
    }
    let mut groups: Vec<(Vec<usize>, Vec<String>)> = by_sections.into_iter().collect();
    groups.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    let mut out = Split::default();
    for (i, (sections, keys)) in groups.into_iter().enumerate() {
        let whole = sections.len() == b.sections.len();
        out.versions.push(Version {
            tag: (!whole).then(|| crate::identity::version_tag(id, &sections)),
            sections,
            people: keys.len(),
        });
        out.of.extend(keys.into_iter().map(|k| (k, i)));
    }
    out
}

/// The bulletin as a version with only `sections` (by place, from 0): numbered from 1 again,
/// and the Chief Executive's message after the same sections as before (those that are left).
pub fn version(b: &Bulletin, sections: &[usize]) -> Bulletin {
    let mut out = b.clone();
    out.sections = sections
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let mut s = b.sections[i].clone();
            s.anchor = format!("section-{}", n + 1);
            s
        })
        .collect();
    if let Some(m) = &mut out.message {
        m.after = sections.iter().filter(|&&i| i < m.after).count();
    }
    out
}

/// The bulletin with each section for an audience labelled with whom it is for ("For Practice
/// managers"), after its own label: what the archive, a test copy and the preview of every
/// section show. `name` gives a list's name from its id.
pub fn labelled(b: &Bulletin, name: impl Fn(&str) -> String) -> Bulletin {
    let mut out = b.clone();
    for s in out.sections.iter_mut() {
        let names: Vec<String> = ids(s).iter().map(|id| name(id)).collect();
        if names.is_empty() {
            continue;
        }
        let whom = format!("For {}", join_and(&names));
        s.label = Some(match &s.label {
            Some(l) => format!("{l} · {whom}"),
            None => whom,
        });
    }
    out
}

/// How a list is named where the recipients file is not at hand (the preview, the archive):
/// by its id, as the bulletin's `for:` writes it; a `where`, by what it matches ("those with
/// role Practice manager").
pub fn list_title(id: &str) -> String {
    match id.strip_prefix(WHERE) {
        Some(matched) => format!("those with {matched}"),
        None => id.to_string(),
    }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a version holds, in the office's words: "every section (5)", or "3 of 5 sections,
/// without: Locum pay, Dispensing".
pub fn describe(b: &Bulletin, v: &Version) -> String {
    let all = b.sections.len();
    if v.sections.len() == all {
        return format!("every section ({all})");
    }
    if v.sections.is_empty() {
        return format!("none of the {all} sections");
    }
    let without: Vec<&str> = (0..all)
        .filter(|i| !v.sections.contains(i))
        .map(|i| b.sections[i].title.as_str())
        .collect();
    format!(
        "{} of {all} sections, without: {}",
        v.sections.len(),
        without.join("; ")
    )
}

/// Why a send to `people` must not go ahead: some of them are on none of the lists that any
/// section is for, and no section is for everyone, so they would get an empty bulletin.
pub fn empty(b: &Bulletin, split: &Split, people: &[Mailbox]) -> Option<crate::report::Refusal> {
    let n = people
        .iter()
        .filter(|m| {
            split
                .of
                .get(&key(m))
                .is_some_and(|&v| split.versions[v].sections.is_empty())
        })
        .count();
    (n > 0).then(|| {
        crate::report::Refusal::new(
            format!(
                "{n} {} on this list would get none of the sections: every section is for a list ({}) and they are on none of them",
                if n == 1 { "person" } else { "people" },
                lists(b).join(", ")
            ),
            "nothing was sent. Send it to the lists the sections are for, or add a section for everyone (one without `for:`)",
        )
    })
}

/// The lines that say how many people get each version: `  3 people get every section (5)`.
pub fn summary(b: &Bulletin, split: &Split) -> Vec<String> {
    split
        .versions
        .iter()
        .map(|v| {
            let (n, verb) = if v.people == 1 {
                ("1 person".to_string(), "gets")
            } else {
                (format!("{} people", v.people), "get")
            };
            format!("{n} {verb} {}", describe(b, v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::markdown::Markdown;
    use crate::model::{Message, Section};

    fn section(title: &str, audience: &[&str]) -> Section {
        Section {
            title: title.into(),
            pos: Default::default(),
            anchor: String::new(),
            place: 0,
            label: None,
            date: None,
            date_pos: Default::default(),
            body: Markdown::default(),
            links: Vec::new(),
            note: None,
            dates: Vec::new(),
            continued_from: None,
            audience: audience.iter().map(|s| s.to_string()).collect(),
            audience_where: Vec::new(),
            audience_pos: Default::default(),
        }
    }

    fn bulletin() -> Bulletin {
        Bulletin {
            title: "t".into(),
            date: Date::parse("2021-10-20").unwrap(),
            issue: None,
            summary: None,
            message: Some(Message {
                title: "m".into(),
                author: "a".into(),
                role: None,
                body: Markdown::default(),
                after: 2,
            }),
            sections: vec![
                section("All", &[]),
                section("Managers", &["pm"]),
                section("GPs", &["gps"]),
                section("Both", &["pm", "gps"]),
            ],
            all_links: Vec::new(),
            key_dates: true,
        }
    }

    #[test]
    fn a_person_gets_the_sections_for_everyone_and_for_their_lists() {
        let b = bulletin();
        assert_eq!(sections_for(&b, &[]), vec![0]);
        assert_eq!(sections_for(&b, &["pm"]), vec![0, 1, 3]);
        assert_eq!(sections_for(&b, &["gps"]), vec![0, 2, 3]);
        assert_eq!(sections_for(&b, &["gps", "pm"]), vec![0, 1, 2, 3]);
        assert_eq!(lists(&b), vec!["pm", "gps"]);
        assert!(any(&b));
    }

    #[test]
    fn a_version_is_numbered_as_its_own_and_keeps_the_message_in_place() {
        let b = bulletin();
        let v = version(&b, &[0, 2, 3]);
        let titles: Vec<&str> = v.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, vec!["All", "GPs", "Both"]);
        let anchors: Vec<&str> = v.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, vec!["section-1", "section-2", "section-3"]);
        // The message came after "All" and "Managers": of those, only "All" is left.
        assert_eq!(v.message.unwrap().after, 1);
    }

    #[test]
    fn labels_say_whom_a_section_is_for() {
        let mut b = bulletin();
        b.sections[3].label = Some("Guidance".into());
        let l = labelled(&b, |id| id.to_uppercase());
        assert_eq!(l.sections[0].label, None);
        assert_eq!(l.sections[1].label.as_deref(), Some("For PM"));
        assert_eq!(
            l.sections[3].label.as_deref(),
            Some("Guidance · For PM and GPS")
        );
        let v = Version {
            sections: vec![0, 2],
            tag: None,
            people: 2,
        };
        assert_eq!(describe(&b, &v), "2 of 4 sections, without: Managers; Both");
    }
}
