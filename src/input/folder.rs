//! The bulletins folder as a whole, for `bulletin new`: which issues it holds (the files named
//! `YYYY-MM-DD.yaml`), and what next week's issue carries over from the latest one (its number,
//! who signs the message) or from `publisher.yaml` (`message_author`, `message_role`).
//!
//! The files are read leniently: an unfinished or broken earlier issue still gives what can be
//! read from it, and never stops a new one being started; `check` reports its problems.

use std::path::{Path, PathBuf};

use crate::date::Date;
use crate::input::placeholder;
use crate::input::publisher;
use crate::input::yaml::{self, Node, Value};

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
}
