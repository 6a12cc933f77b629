//! Finding the office's folder from wherever a command is run, as cargo finds `Cargo.toml`: the
//! nearest folder, from the current one upwards, that holds `recipients.yaml` or a `bulletins`
//! folder. `recipients.yaml` and `bulletins/` are looked for there, so `bulletin lists` or
//! `bulletin new` work the same from the office's folder and from inside `bulletins/`.
//!
//! Paths are given back relative to the current folder (`../recipients.yaml`), so that messages
//! name files the way the user would type them from where they are.

use std::path::{Component, Path, PathBuf};

/// The mailing lists and the relay.
pub const RECIPIENTS: &str = "recipients.yaml";
/// The example to copy `recipients.yaml` from.
pub const RECIPIENTS_EXAMPLE: &str = "recipients.example.yaml";
/// The folder of bulletins, `<date>.yaml` each, with `publisher.yaml`.
pub const BULLETINS: &str = "bulletins";
/// The archive website, beside `bulletins`.
pub const ARCHIVE: &str = "archive";

/// The office's folder as seen from the current one.
#[derive(Clone, Debug)]
pub struct Project {
    /// The current folder (absolute).
    cwd: PathBuf,
    /// The folder found (absolute), or the current folder when none was found.
    root: PathBuf,
    /// Whether an office's folder was found.
    found: bool,
}

/// A command that needs the office's folder was run outside any: it names the folders looked in
/// (the current one and each above it) and points at `bulletin init`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "this is not an office's folder: none of {} holds {RECIPIENTS} or a {BULLETINS} folder",
    list(looked_in)
)]
pub struct NotAnOffice {
    /// The current folder first, then each folder above it.
    pub looked_in: Vec<PathBuf>,
}

impl NotAnOffice {
    /// What to do: go into the office's folder, or start one.
    pub fn help(&self) -> String {
        "go into the office's folder first (cd FOLDER), or start a new office here with: bulletin init".to_string()
    }
}

fn list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

impl Project {
    /// Looks upwards from the current folder.
    pub fn from_current_dir() -> Project {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Project::find(&cwd)
    }

    /// Looks upwards from `cwd` (an absolute path).
    pub fn find(cwd: &Path) -> Project {
        let found = cwd
            .ancestors()
            .find(|dir| dir.join(RECIPIENTS).is_file() || dir.join(BULLETINS).is_dir());
        Project {
            cwd: cwd.to_path_buf(),
            root: found.unwrap_or(cwd).to_path_buf(),
            found: found.is_some(),
        }
    }

    /// The office's folder was found; otherwise why not, naming where it was looked for.
    pub fn require(&self) -> Result<&Project, NotAnOffice> {
        if self.found {
            Ok(self)
        } else {
            Err(NotAnOffice {
                looked_in: self.cwd.ancestors().map(Path::to_path_buf).collect(),
            })
        }
    }

    /// `recipients.yaml` in the office's folder, relative to the current one.
    pub fn recipients(&self) -> PathBuf {
        self.path(RECIPIENTS)
    }

    /// `recipients.example.yaml` beside it.
    pub fn recipients_example(&self) -> PathBuf {
        self.path(RECIPIENTS_EXAMPLE)
    }

    /// The `bulletins` folder, relative to the current one (`.` from inside it).
    pub fn bulletins(&self) -> PathBuf {
        self.path(BULLETINS)
    }

    /// The `archive` folder, beside `bulletins`.
    pub fn archive(&self) -> PathBuf {
        self.path(ARCHIVE)
    }

    fn path(&self, name: &str) -> PathBuf {
        relative(&self.cwd, &self.root.join(name))
    }
}

/// `target` as seen from `from` (both absolute): `recipients.yaml`, `../recipients.yaml`, `.`.
pub fn relative(from: &Path, target: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = target.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `path` as a command that a message suggests would type it (the send's messages use it too).
pub use crate::files::typed;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_suggested_commands_are_quoted_when_they_need_it() {
        assert_eq!(
            typed(Path::new("bulletins/2021-10-20.yaml")),
            "bulletins/2021-10-20.yaml"
        );
        if cfg!(windows) {
            assert_eq!(
                typed(Path::new(r"C:\LMC office\Sam's bulletins")),
                r#""C:\LMC office\Sam's bulletins""#
            );
        } else {
            assert_eq!(
                typed(Path::new("/home/sam/LMC office/Sam's bulletins")),
                r"'/home/sam/LMC office/Sam'\''s bulletins'"
            );
        }
    }

    #[test]
    fn relative_paths_go_up_and_down() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(r("/o", "/o/recipients.yaml"), Path::new("recipients.yaml"));
        assert_eq!(
            r("/o/bulletins", "/o/recipients.yaml"),
            Path::new("../recipients.yaml")
        );
        assert_eq!(r("/o/bulletins", "/o/bulletins"), Path::new("."));
        assert_eq!(r("/o/a/b", "/o/bulletins"), Path::new("../../bulletins"));
    }

    #[test]
    fn finds_the_nearest_office_folder_upwards() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("office/bulletins/old")).unwrap();
        std::fs::write(root.join("office/recipients.yaml"), "").unwrap();
        let p = Project::find(&root.join("office/bulletins/old"));
        assert_eq!(p.recipients(), Path::new("../../recipients.yaml"));
        assert_eq!(p.bulletins(), Path::new(".."));
        let p = Project::find(&root.join("office"));
        assert_eq!(p.recipients(), Path::new("recipients.yaml"));
        assert_eq!(p.bulletins(), Path::new("bulletins"));
        assert!(p.require().is_ok());
    }

    #[test]
    fn outside_an_office_it_names_every_folder_it_looked_in() {
        let e = Project::find(Path::new("/home/sam")).require().unwrap_err();
        assert_eq!(
            e.looked_in,
            [Path::new("/home/sam"), Path::new("/home"), Path::new("/")]
        );
        assert_eq!(
            e.to_string(),
            "this is not an office's folder: none of /home/sam, /home, / holds recipients.yaml or a bulletins folder"
        );
    }
}
