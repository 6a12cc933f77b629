//! The bulletins folder as a whole, for `bulletin new`: which issues it holds (the files named
//! `YYYY-MM-DD.yaml`), and what next week's issue carries over from the latest one (its number,
//! who signs the message) or from `publisher.yaml` (`message_author`, `message_role`).
//!
//! It also carries forward the latest issue's sections that run on (`until:` on or after the new
//! issue's date), cut from its text by the positions of the YAML tree, never re-serialised, so
//! that their comments and `|` bodies stay exactly as the office wrote them.
//!
//! The files are read leniently: an unfinished or broken earlier issue still gives what can be
//! read from it, and never stops a new one being started; `check` reports its problems.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::placeholder;
use crate::publisher;
use crate::yaml::{self, Node, Value};

/// The latest issue in a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    pub date: Date,
    pub path: PathBuf,
    pub issue: Option<u32>,
}

/// What a new issue starts with besides its date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CarryOver {
    pub latest: Option<Latest>,
    /// Who signs the message, and their role: from `publisher.yaml`, else from the latest issue.
    pub author: Option<String>,
    pub role: Option<String>,
}

impl CarryOver {
    /// The number of an issue dated `date`: one more than the latest's, if it has one and comes
    /// before.
    pub fn issue_for(&self, date: Date) -> Option<u32> {
        let latest = self.latest.as_ref()?;
        (date > latest.date)
            .then_some(latest.issue?)
            .and_then(|n| n.checked_add(1))
    }
}

/// Reads what the folder `dir` has to offer a new issue (nothing, if it does not exist).
pub fn carry_over(dir: &Path) -> CarryOver {
    let latest = latest(dir);
    let latest_root = latest
        .as_ref()
        .and_then(|(_, p)| yaml::load_file(p).ok())
        .map(|(_, node)| node);
    let publisher_root = yaml::load_file(&dir.join(publisher::FILE))
        .ok()
        .map(|(_, node)| node);
    let from_publisher = |key: &str| publisher_root.as_ref().and_then(|r| line(get(r, key)?));
    let from_message = |key: &str| {
        let message = get(latest_root.as_ref()?, "message")?;
        line(get(message, key)?)
    };
    let (author, role) = match from_publisher("message_author") {
        Some(author) => (Some(author), from_publisher("message_role")),
        None => (from_message("author"), from_message("role")),
    };
    CarryOver {
        latest: latest.map(|(date, path)| Latest {
            date,
            issue: latest_root
                .as_ref()
                .and_then(|r| get(r, "issue")?.as_str()?.trim().parse().ok()),
            path,
        }),
        author,
        role,
    }
}

/// Where the issue of `date` is kept in `dir`: `YYYY-MM-DD.yaml` (just the name when `dir` is
/// the current folder, so messages say `2021-10-27.yaml` rather than `./2021-10-27.yaml`).
pub fn issue_path(dir: &Path, date: Date) -> PathBuf {
    let name = format!("{date}.yaml");
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// The issue in `dir` with the latest date in its name, `YYYY-MM-DD.yaml`.
pub fn latest(dir: &Path) -> Option<(Date, PathBuf)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            let name = path.file_name()?.to_str()?;
            let date = Date::parse(name.strip_suffix(".yaml")?).ok()?;
            path.is_file().then_some((date, path))
        })
        .max_by_key(|(date, _)| *date)
}

/// The sections `bulletin new` carries from the latest issue into one dated `date`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// Sections whose `until` is on or after `date`, each as the YAML text of one item of the
    /// skeleton's `sections:` (its `- ` two spaces in), ending with a line break.
    pub sections: Vec<CarriedSection>,
    /// Sections whose `until` is before `date`: left behind.
    pub ended: Vec<(String, Date)>,
    /// Sections that run on but whose text could not be cut out (written in `[...]`/`{...}`
    /// style): the office copies them by hand.
    pub not_copied: Vec<String>,
    /// The latest issue could not be read as YAML, so nothing was carried from it.
    pub unreadable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarriedSection {
    pub title: String,
    pub until: Date,
    pub text: String,
}

/// Where the skeleton's section items start their lines: `  - title: ...`.
const SECTION_INDENT: usize = 2;

/// The sections of the latest issue that a new issue dated `date` carries forward, with
/// `continued_from:` added (the latest issue's date) unless they already have one, and without
/// their dated items that are before `date`. Nothing when the latest issue cannot be read, or
/// when `date` is not after it.
pub(crate) fn carried_sections(latest: &Latest, date: Date) -> Carried {
    let mut carried = Carried::default();
    if date <= latest.date {
        return carried;
    }
    let Ok((source, root)) = yaml::load_file(&latest.path) else {
        carried.unreadable = true;
        return carried;
    };
    let Some(Value::Seq(items)) = get(&root, "sections").map(|n| &n.value) else {
        return carried;
    };
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    for item in items {
        let Some(until) = get(item, "until").and_then(|n| Date::parse(n.as_str()?.trim()).ok())
        else {
            continue;
        };
        let title = get(item, "title")
            .and_then(|n| n.as_str())
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "(a section without a title)".to_string());
        if until < date {
            carried.ended.push((title, until));
            continue;
        }
        match copy_section(&lines, item, latest.date, date) {
            Some(text) => carried.sections.push(CarriedSection { title, until, text }),
            None => carried.not_copied.push(title),
        }
    }
    carried
}

/// The text of one section item, ready to go under the skeleton's `sections:`.
fn copy_section(lines: &[&str], item: &Node, latest: Date, date: Date) -> Option<String> {
    let (range, dash) = item_lines(lines, item)?;
    let mut drop = vec![false; lines.len()];
    drop_passed_dates(lines, item, date, &mut drop);
    // After this line, `continued_from:` at the indentation of the `until` key.
    let insert = match key(item, "continued_from") {
        Some(_) => None,
        None => {
            let (k, _) = key(item, "until")?;
            let indent = " ".repeat(k.pos.col.checked_sub(1)?);
            Some((
                k.pos.line - 1,
                format!("{indent}continued_from: {latest}\n"),
            ))
        }
    };
    let mut text = String::new();
    for i in range {
        if !drop[i] {
            text.push_str(&reindent(lines[i], dash));
            if !lines[i].ends_with('\n') {
                text.push('\n');
            }
        }
        if let Some((after, line)) = &insert
            && *after == i
        {
            text.push_str(&reindent(line, dash));
        }
    }
    Some(text)
}

/// Marks for dropping the lines of each item of the section's `dates:` that is before `date`
/// (and the `dates:` line itself when none is left). Leaves them all when any item cannot be
/// cut out cleanly: `check` then warns about the past ones.
fn drop_passed_dates(lines: &[&str], item: &Node, date: Date, drop: &mut [bool]) {
    let Some((key_node, dates)) = key(item, "dates") else {
        return;
    };
    let Value::Seq(entries) = &dates.value else {
        return;
    };
    let mut cut = Vec::new();
    let mut last_end = None;
    for entry in entries {
        let Some((range, _)) = item_lines(lines, entry) else {
            return;
        };
        last_end = Some(range.end);
        let passed = get(entry, "date")
            .and_then(|n| Date::parse(n.as_str()?.trim()).ok())
            .is_some_and(|d| d < date);
        if passed {
            cut.push(range);
        }
    }
    if cut.is_empty() {
        return;
    }
    if cut.len() == entries.len() {
        let (Some(first), Some(end)) = (key_node.pos.line.checked_sub(1), last_end) else {
            return;
        };
        drop[first..end].fill(true);
    } else {
        for range in cut {
            drop[range].fill(true);
        }
    }
}

/// The lines (0-based, end exclusive) of one item of a block list, with any comment lines
/// directly above its `-`, and the column (0-based) of that `-`. `None` for an item not written
/// as `- ...` on lines of its own.
fn item_lines(lines: &[&str], item: &Node) -> Option<(std::ops::Range<usize>, usize)> {
    let first = item.pos.line.checked_sub(1)?;
    let line = lines.get(first)?;
    let before: String = line.chars().take(item.pos.col.checked_sub(1)?).collect();
    let (dash_line, dash) = if before.trim() == "-" {
        (first, before.find('-')?)
    } else if before.trim().is_empty() {
        // `-` alone on a line, the item's keys below it.
        let n = (0..first).rev().find(|&n| !is_blank_or_comment(lines[n]))?;
        (lines[n].trim() == "-").then_some(())?;
        (n, indent(lines[n]))
    } else {
        return None;
    };
    let mut end = dash_line + 1;
    while end < lines.len() && (lines[end].trim().is_empty() || indent(lines[end]) > dash) {
        end += 1;
    }
    while end > dash_line + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = dash_line;
    while start > 0
        && lines[start - 1].trim_start().starts_with('#')
        && indent(lines[start - 1]) == dash
    {
        start -= 1;
    }
    Some((start..end, dash))
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `line` moved so that a `-` at column `dash` lands at the skeleton's column.
fn reindent(line: &str, dash: usize) -> String {
    if dash < SECTION_INDENT && !line.trim_end_matches(['\n', '\r']).is_empty() {
        format!("{}{line}", " ".repeat(SECTION_INDENT - dash))
    } else {
        let strip = (dash - SECTION_INDENT.min(dash)).min(indent(line));
        line[strip..].to_string()
    }
}

/// A key of a mapping and its value, even when the value is empty.
fn key<'n>(node: &'n Node, name: &str) -> Option<(&'n Node, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(name))
        .map(|(k, v)| (k, v))
}

/// The value of `key` in a mapping.
fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// A one-line text that is not itself a placeholder.
fn line(node: &Node) -> Option<String> {
    let text = node.as_str()?.trim();
    let usable = !text.is_empty()
        && !text.contains(|c: char| c.is_control())
        && placeholder::find(text).is_empty();
    usable.then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_latest_issue_is_the_latest_date_not_the_latest_file() {
        let dir = folder(&[
            (
                "2021-10-20.yaml",
                "issue: 112\nmessage:\n  author: A\n  role: R\n",
            ),
            ("2021-09-01.yaml", "issue: 200\n"),
            ("notes.yaml", ""),
            ("2021-13-01.yaml", ""),
        ]);
        let c = carry_over(dir.path());
        let latest = c.latest.as_ref().unwrap();
        assert_eq!(latest.date.to_string(), "2021-10-20");
        assert_eq!(latest.issue, Some(112));
        assert_eq!(c.issue_for(latest.date.add_days(7)), Some(113));
        assert_eq!(
            c.issue_for(latest.date),
            None,
            "not for an earlier or the same date"
        );
        assert_eq!(
            (c.author.as_deref(), c.role.as_deref()),
            (Some("A"), Some("R"))
        );
    }

    #[test]
    fn publisher_settings_win_and_placeholders_are_not_carried_over() {
        let dir = folder(&[
            (
                "2021-10-20.yaml",
                "message:\n  author: Old Name\n  role: Old role\n",
            ),
            ("publisher.yaml", "message_author: New Name\n"),
        ]);
        let c = carry_over(dir.path());
        assert_eq!((c.author.as_deref(), c.role), (Some("New Name"), None));
        let dir = folder(&[("2021-10-20.yaml", "message:\n  author: \"[[who]]\"\n")]);
        assert_eq!(carry_over(dir.path()).author, None);
    }

    #[test]
    fn an_empty_or_missing_folder_has_nothing_to_carry_over() {
        let dir = folder(&[]);
        assert_eq!(carry_over(dir.path()), CarryOver::default());
        assert_eq!(
            carry_over(&dir.path().join("nowhere")),
            CarryOver::default()
        );
    }

    const THREE: &str = "title: Flu claims and a vacancy
date: 2021-10-20
issue: 112
summary: Claims close soon.

sections:
  - title: Flu claims
    body: |
      Claims close on 25 October.
    until: 2021-10-25

  # The vacancy runs until the end of November.
  - title: Practice manager vacancy
    body: |
      The practice is looking for a practice manager.

      # Not a heading: part of the text.
      Closing date: 30 November.
    dates:
      - what: Open day
        date: 2021-10-22
        time: 14:00
      # The closing date.
      - what: Applications close
        date: 2021-11-30
    until: 2021-11-30   # the closing date

  - title: Introduction
    body: |
      This week only.
";

    /// `bulletin new` in `dir` for `date`, as `cmd::new` does it: the file it would write.
    fn new_issue(dir: &Path, date: Date) -> (String, Carried) {
        let c = carry_over(dir);
        let carried = carried_sections(c.latest.as_ref().unwrap(), date);
        let known = crate::skeleton::Known {
            issue: c.issue_for(date),
            carried: carried.sections.iter().map(|s| s.text.clone()).collect(),
            ..Default::default()
        };
        (crate::skeleton::bulletin(date, &known), carried)
    }

    /// Reads a new issue with its placeholders filled in: the bulletin, and how many errors and
    /// warnings `check` would give besides the placeholders.
    fn read(path: &Path, text: &str) -> (crate::model::Bulletin, usize) {
        let mut filled = String::new();
        for line in text.lines() {
            let line = if line.contains("url: \"[[") {
                "        url: https://example.org/a".to_string()
            } else {
                let mut l = line.to_string();
                while let (Some(a), Some(b)) = (l.find("[["), l.find("]]")) {
                    l.replace_range(a..b + 2, "Words");
                }
                l
            };
            filled.push_str(&line);
            filled.push('\n');
        }
        let root = yaml::parse(path, &filled).unwrap();
        let mut diags = crate::diagnostic::Diagnostics::default();
        let mut ctx = crate::schema::Ctx::new(path, &filled, &mut diags);
        let b = crate::bulletin::bulletin_from(&mut ctx, &root);
        (b.expect("the new issue reads"), diags.0.len())
    }

    #[test]
    fn new_carries_only_the_section_whose_until_has_not_passed() {
        let dir = folder(&[("2021-10-20.yaml", THREE)]);
        let date = Date::parse("2021-10-27").unwrap();
        let (text, carried) = new_issue(dir.path(), date);
        assert_eq!(
            carried
                .sections
                .iter()
                .map(|s| (s.title.as_str(), s.until.to_string()))
                .collect::<Vec<_>>(),
            [("Practice manager vacancy", "2021-11-30".to_string())]
        );
        assert_eq!(
            carried.ended,
            [("Flu claims".to_string(), Date::parse("2021-10-25").unwrap())]
        );
        let (b, problems) = read(&dir.path().join("2021-10-27.yaml"), &text);
        assert_eq!(problems, 0, "{text}");
        let titles: Vec<_> = b.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Words", "Practice manager vacancy"]);
        let vacancy = &b.sections[1];
        assert_eq!(vacancy.continued_from, Date::parse("2021-10-20").ok());
        assert!(text.contains("until: 2021-11-30"), "{text}");
        let whats: Vec<_> = vacancy.dates.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(whats, ["Applications close"], "the open day has passed");
    }

    #[test]
    fn comments_and_bodies_are_copied_byte_for_byte() {
        let dir = folder(&[("2021-10-20.yaml", THREE)]);
        let (_, carried) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        assert_eq!(
            carried.sections[0].text,
            "  # The vacancy runs until the end of November.
  - title: Practice manager vacancy
    body: |
      The practice is looking for a practice manager.

      # Not a heading: part of the text.
      Closing date: 30 November.
    dates:
      # The closing date.
      - what: Applications close
        date: 2021-11-30
    until: 2021-11-30   # the closing date
    continued_from: 2021-10-20
"
        );
    }

    #[test]
    fn carrying_twice_keeps_the_first_continued_from() {
        let dir = folder(&[("2021-10-20.yaml", THREE)]);
        let (text, _) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        std::fs::write(dir.path().join("2021-10-27.yaml"), &text).unwrap();
        let (text, carried) = new_issue(dir.path(), Date::parse("2021-11-03").unwrap());
        assert_eq!(carried.sections.len(), 1);
        assert_eq!(text.matches("continued_from:").count(), 1, "{text}");
        let (b, problems) = read(&dir.path().join("2021-11-03.yaml"), &text);
        assert_eq!(problems, 0, "{text}");
        assert_eq!(b.sections[1].continued_from, Date::parse("2021-10-20").ok());
        // On the day of `until` it is still carried; the day after, it is not.
        assert_eq!(
            new_issue(dir.path(), Date::parse("2021-11-30").unwrap())
                .1
                .sections
                .len(),
            1
        );
        let (_, after) = new_issue(dir.path(), Date::parse("2021-12-01").unwrap());
        assert!(after.sections.is_empty());
        assert_eq!(after.ended[0].0, "Practice manager vacancy");
    }

    #[test]
    fn sections_are_reindented_and_a_list_of_past_dates_goes_entirely() {
        let source = "title: T
date: 2021-10-20
summary: S
sections:
- title: At the margin
  dates:
  - what: Gone
    date: 2021-10-21
  until: 2021-11-30
  body: |
    Kept.
other: after
";
        let dir = folder(&[("2021-10-20.yaml", source)]);
        let (_, carried) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        assert_eq!(
            carried.sections[0].text,
            "  - title: At the margin
    until: 2021-11-30
    continued_from: 2021-10-20
    body: |
      Kept.
"
        );
        let deep = "sections:\n    -   title: Deep\n        until: 2021-11-30\n";
        let dir = folder(&[("2021-10-20.yaml", deep)]);
        let (_, carried) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        assert_eq!(
            carried.sections[0].text,
            "  -   title: Deep\n      until: 2021-11-30\n      continued_from: 2021-10-20\n"
        );
    }

    #[test]
    fn a_latest_issue_that_cannot_be_read_is_said_to_be_so() {
        let dir = folder(&[("2021-10-20.yaml", "sections:\n  - title: [unclosed\n")]);
        let (_, carried) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        assert!(carried.unreadable && carried.sections.is_empty());
    }

    #[test]
    fn a_section_in_brackets_is_named_not_copied() {
        let dir = folder(&[(
            "2021-10-20.yaml",
            "sections: [{title: Inline, until: 2021-11-30}]\n",
        )]);
        let (_, carried) = new_issue(dir.path(), Date::parse("2021-10-27").unwrap());
        assert_eq!(carried.not_copied, ["Inline"]);
        assert!(carried.sections.is_empty());
    }
}
