//! The archive: every issue as plain static files, with an index page, a search and an Atom feed.
//!
//! ```text
//! archive/index.html            every issue, newest first, grouped by year, with a search box
//! archive/feed.xml              Atom feed of the latest issues
//! archive/searchindex.js        what the search looks in; search.js and site.css beside it
//! archive/2021-10-20/index.html the web version (links to the index and to the issues either side)
//!                    bulletin.txt, bulletin.eml, bulletin.yaml (the source)
//!                    calendar/section-2-1.ics  one calendar file per key date (on or after
//!                                              the issue's date), for "add to calendar"
//! archive/calendar.ics          every key date of every issue still to come, to subscribe to
//! ```
//!
//! Each issue's folder is named by its identity ([`crate::identity`]): `2021-10-20`, or
//! `2021-10-20-113` with `issue: 113`, the same name the email's web link uses. A folder that
//! already holds a bulletin with other content (its fingerprint differs) is replaced only when
//! asked (`--replace`); the same issue archived again gives the same bytes.
//!
//! One run at a time writes into an archive folder ([`lock`]): a run reads the folder, adds its
//! issue and rebuilds the index while holding the folder's lock, so runs started together never
//! lose each other's issues. The pages themselves are in [`site`].
//!
//! An issue is written into a hidden temporary folder, then swapped into place in one atomic
//! rename, so an interrupted run leaves the previous version whole; leftovers are tidied on the
//! next run (under the lock, so they can only be a dead run's). Where the swap takes two renames
//! (no atomic exchange outside Linux) and another program holds the folder (Windows: Explorer,
//! the indexer, antivirus), each rename is tried again for a few seconds, then the swap gives up
//! with the previous version back in place.
//!
//! The index and feed are rebuilt from what is in the folder, so archiving an old issue later
//! puts it in its place. Nothing here deletes another issue. Links are relative, so the archive
//! works opened from disk and behind any web server.

pub mod lock;
mod site;

use std::path::{Path, PathBuf};

use std::time::Duration;

use crate::date::Date;
use crate::files::write_atomic;
use crate::identity::{self, Identity};
use crate::input;
use crate::model::Bulletin;
use crate::pipeline::Prepared;
use crate::render::message::Template;

pub use site::Passage;

/// How many issues the feed carries.
pub const FEED_ENTRIES: usize = 20;

/// One archived issue, as the index and feed list it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its folder.
    pub slug: String,
    /// The issue's identity, as `identity::of` gives it for the archived bulletin.
    pub identity: Identity,
    pub date: Date,
    pub issue: Option<u32>,
    pub title: String,
    pub summary: Option<String>,
    /// What the search looks in: the message and each section.
    pub passages: Vec<Passage>,
}

impl Entry {
    fn from(slug: &str, b: &Bulletin) -> Entry {
        Entry {
            slug: slug.to_string(),
            identity: identity::of(b),
            date: b.date,
            issue: b.issue,
            title: b.title.clone(),
            summary: b.summary.clone(),
            passages: site::passages(b),
        }
    }
}

/// What `archive` did.
pub struct Archived {
    pub dir: PathBuf,
    pub issues: usize,
    /// The title of a different version that `--replace` replaced.
    pub replaced: Option<String>,
    /// Issue folders that could not be read (left out of the index, never touched).
    pub warnings: Vec<String>,
    /// How many key dates still to come calendar.ics holds.
    pub dated: usize,
}

/// Why nothing was archived. The first three are refusals that leave the archive as it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The issue's folder holds a bulletin with other content: another issue of the same date,
    /// or another version of this one.
    #[error(
        "{} already holds another bulletin: {:?} ({}); nothing was written",
        folder.display(), title, dateline
    )]
    DifferentIssue {
        folder: PathBuf,
        title: String,
        dateline: String,
    },
    /// This issue is already archived in another folder (put there by an older version of
    /// `bulletin`, which used the date alone for the first issue of a day).
    #[error(
        "this issue is already archived in {}, but its folder is now named {name}; nothing was written",
        folder.display()
    )]
    ElsewhereInArchive { folder: PathBuf, name: String },
    #[error(
        "{} is already there but its bulletin.yaml cannot be read, so it is left alone and nothing was written; fix or move that folder, then archive again",
        folder.display()
    )]
    Unreadable { folder: PathBuf },
    /// Another run kept the archive's lock for longer than the run was ready to wait.
    #[error(
        "another `bulletin archive` has been writing into {} for {}; nothing was written",
        folder.display(), seconds(*waited)
    )]
    Busy { folder: PathBuf, waited: Duration },
    // The cause is the error's source: `main` prints it after the message.
    #[error("cannot {what} {}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An issue's folder could not be moved into place (on Windows, most often because another
    /// program has it open); `kept` says what became of the previous version.
    /// (`error` is said in the message, before what became of the folder, so it is deliberately
    /// not the error's source, which would be printed after it.)
    #[error(
        "cannot {action} {}: {}; {kept}",
        folder.display(), why(error)
    )]
    Swap {
        action: &'static str,
        folder: PathBuf,
        error: std::io::Error,
        kept: String,
    },
    #[error("{0}")]
    Message(String),
}

impl Error {
    /// What the person can do about it, said apart from what went wrong (`main` and the desk
    /// show it after the message, through [`crate::report::error`]).
    pub fn help(&self) -> Option<String> {
        match self {
            Error::DifferentIssue { folder, .. } => Some(format!(
                "if this is another issue of the same date, give this bulletin an `issue:` number (it then goes in {}-<number>); if it is a corrected version of that issue, archive it again with --replace",
                folder.display()
            )),
            Error::ElsewhereInArchive { folder, name } => Some(format!(
                "rename the folder {} to {name} (on the web server too, keeping the old address if emails link to it), then archive again",
                folder.display()
            )),
            Error::Busy { .. } => Some(WAIT_HELP.to_string()),
            Error::Swap { .. } => Some(FILE_HELP.to_string()),
            Error::Unreadable { .. } | Error::Io { .. } | Error::Message(_) => None,
        }
    }
}

/// What to do when another run holds the archive.
const WAIT_HELP: &str = "wait for it to finish (it may be running in another window, or on another computer that shares the folder), then run the same command again";
/// What to do when another program holds an issue's folder open.
const FILE_HELP: &str = "close any File Explorer window showing that folder, and any file from it open in another program, wait a moment, then run the same command again";

/// "1 second", "30 seconds": how long, in whole seconds.
fn seconds(d: Duration) -> String {
    match d.as_secs() {
        1 => "1 second".to_string(),
        n => format!("{n} seconds"),
    }
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { what, path, source }
}

/// Reads every issue in the archive folder (newest first). An issue folder whose
/// `bulletin.yaml` cannot be read is skipped with a warning in the returned list.
pub fn entries(root: &Path) -> (Vec<Entry>, Vec<String>) {
    let (issues, unreadable) = issues(root);
    let mut out: Vec<Entry> = issues
        .iter()
        .map(|(slug, b)| Entry::from(slug, b))
        .collect();
    sort(&mut out);
    let warnings = unreadable
        .iter()
        .map(|source| {
            format!(
                "{} cannot be read and is left out of the index",
                source.display()
            )
        })
        .collect();
    (out, warnings)
}

/// Every issue in the archive folder: its folder's name and its bulletin (in no set order), and
/// the `bulletin.yaml` files that cannot be read (those issues are skipped).
pub fn issues(root: &Path) -> (Vec<(String, Bulletin)>, Vec<PathBuf>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let Ok(dir) = std::fs::read_dir(root) else {
        return (out, warnings);
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || !e.path().is_dir() {
            continue;
        }
        let source = e.path().join("bulletin.yaml");
        if !source.exists() {
            continue;
        }
        match input::bulletin::load(&source) {
            Ok(b) => out.push((name, b)),
            Err(_) => warnings.push(source),
        }
    }
    (out, warnings)
}

fn sort(list: &mut [Entry]) {
    list.sort_by(|a, b| (b.date, b.issue, &b.slug).cmp(&(a.date, a.issue, &a.slug)));
}

/// Archives one bulletin into `root`, in the folder its identity names, then rebuilds the index,
/// the feed and the search. The same issue (same name, same fingerprint) is replaced in place,
/// giving the same bytes; a different bulletin already in that folder is replaced only with
/// `replace`.
///
/// All of it happens under the archive's [`lock`]: if another run holds it, `waiting` is called
/// once (with the lock file) after a second, and the run gives up after [`lock::PATIENCE`].
pub fn archive(
    prepared: &Prepared,
    root: &Path,
    replace: bool,
    waiting: impl FnOnce(&Path),
) -> Result<Archived, Error> {
    std::fs::create_dir_all(root).map_err(io("create", root))?;
    let _lock = lock::acquire(root, lock::PATIENCE, waiting)?;
    // Under the lock no other run is writing: whatever temporary folder is here, a dead run left.
    tidy(root);
    let (mut list, warnings) = entries(root);
    let loaded = &prepared.loaded;
    let b = &loaded.bulletin;
    let p = &loaded.publisher;
    let id = identity::of(b);
    let slug = id.name().to_string();
    let target = root.join(&slug);
    let mut replaced = None;
    match list.iter().find(|e| e.slug == slug) {
        // A folder that is there but could not be read is still somebody's issue: never replace it.
        None if target.exists() => return Err(Error::Unreadable { folder: target }),
        None => {
            if let Some(e) = list.iter().find(|e| e.identity.name() == slug) {
                return Err(Error::ElsewhereInArchive {
                    folder: root.join(&e.slug),
                    name: slug,
                });
            }
        }
        Some(e) if e.identity.fingerprint() == id.fingerprint() => {}
        Some(e) if replace => replaced = Some(e.title.clone()),
        Some(e) => {
            return Err(Error::DifferentIssue {
                folder: target,
                title: e.title.clone(),
                dateline: match e.issue {
                    Some(n) => format!("{} · Issue {n}", e.date.long()),
                    None => e.date.long(),
                },
            });
        }
    }
    list.retain(|e| e.slug != slug);
    list.push(Entry::from(&slug, b));
    sort(&mut list);

    // The issue itself, built aside and swapped in.
    let tmp = root.join(format!(".{slug}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(io("create", &tmp))?;
    if let Err(e) = write_issue(prepared, &id, &slug, &list, &tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    #[cfg(feature = "test-hooks")]
    if std::env::var("BULLETIN_ARCHIVE_CRASH").as_deref() == Ok("before-swap") {
        // For the tests: die as a power cut would, with the new issue written but not in place.
        std::process::abort();
    }
    swap_into_place(&tmp, &target)?;

    // The issues either side now link to this one.
    let at = list.iter().position(|e| e.slug == slug).unwrap_or(0);
    for i in [at.wrapping_sub(1), at + 1] {
        if let Some(n) = list.get(i) {
            let source = root.join(&n.slug).join("bulletin.yaml");
            if let Ok(nb) = input::bulletin::load(&source) {
                let page = site::issue_page(&nb, p, &n.slug, &list);
                let file = root.join(&n.slug).join("index.html");
                write_atomic(&file, page.as_bytes()).map_err(io("update", &file))?;
            }
        }
    }
    // A logo given as a file: published at the archive's top, where the emails show it from.
    if let Some(file) = p.logo.as_ref().and_then(|l| l.file.as_ref()) {
        let bytes = std::fs::read(file).map_err(io("read", file))?;
        let published = root.join(input::publisher::logo_file_name(file));
        write_atomic(&published, &bytes).map_err(io("write", &published))?;
    }
    // The calendar to subscribe to, from every issue now in place.
    let (calendar, dated) = subscribe_calendar(root, p);
    // The index last: it links to the search's files, which are in place by then.
    for (name, text) in [
        (crate::calendar::SUBSCRIBE_FILE, calendar),
        ("site.css", site::style_sheet(p)),
        ("search.js", site::SEARCH_JS.to_string()),
        ("searchindex.js", site::search_index(&list)),
        ("feed.xml", site::feed(p, &list)),
        ("index.html", site::index_page(p, &list, dated > 0)),
    ] {
        let file = root.join(name);
        write_atomic(&file, text.as_bytes()).map_err(io("write", &file))?;
    }
    Ok(Archived {
        dir: target,
        issues: list.len(),
        replaced,
        warnings,
        dated,
    })
}

/// Writes the issue's own files into `folder`: its page, the text, the message and the source.
fn write_issue(
    prepared: &Prepared,
    id: &Identity,
    slug: &str,
    list: &[Entry],
    folder: &Path,
) -> Result<(), Error> {
    let loaded = &prepared.loaded;
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let (html, text) = (&prepared.html, &prepared.text);
    let sample = "Sample Recipient <recipient@example.org>"
        .parse()
        .map_err(|e| Error::Message(format!("{e}")))?;
    // Dated noon (UTC) on the bulletin's date, not now: archiving again gives the same bytes.
    let eml = Template::new(b, p, id, text, html, false)
        .map_err(|e| Error::Message(e.to_string()))?
        .for_recipient(&sample, b.date.noon_utc());
    let page = site::issue_page(b, p, slug, list);
    for (name, bytes) in [
        ("index.html", page.as_bytes()),
        ("bulletin.txt", text.as_bytes()),
        ("bulletin.eml", &eml[..]),
        ("bulletin.yaml", loaded.source.as_bytes()),
    ] {
        let file = folder.join(name);
        write_atomic(&file, bytes).map_err(io("write", &file))?;
    }
    let items = b.key_dates();
    if !items.is_empty() {
        let calendar = folder.join(crate::calendar::FOLDER);
        std::fs::create_dir(&calendar).map_err(io("create", &calendar))?;
        for (item, section) in items {
            let file = calendar.join(crate::calendar::item_file_name(b, section, item));
            let ics = crate::calendar::item_file(p, b, section, item);
            write_atomic(&file, ics.as_bytes()).map_err(io("write", &file))?;
        }
    }
    Ok(())
}

/// The archive's calendar.ics (every item of every issue in it still to come on
/// [`crate::calendar::today`]) and how many items it holds. An issue that cannot be read was
/// already left out of the index with a warning.
fn subscribe_calendar(root: &Path, p: &crate::model::Publisher) -> (String, usize) {
    let (issues, _) = issues(root);
    let refs: Vec<&Bulletin> = issues.iter().map(|(_, b)| b).collect();
    crate::calendar::subscribe_file(p, &refs, crate::calendar::today())
}

/// Puts `tmp` at `target` in one step. If `target` exists the two are exchanged atomically
/// (Linux `renameat2(RENAME_EXCHANGE)`), then the old version, now at `tmp`, is removed;
/// elsewhere [`replace`] does it in two renames.
fn swap_into_place(tmp: &Path, target: &Path) -> Result<(), Error> {
    let mut moves = Moves::system();
    if !target.exists() {
        return moves.rename(tmp, target).map_err(|source| {
            let _ = std::fs::remove_dir_all(tmp);
            Error::Swap {
                action: "move the new issue into",
                folder: target.to_path_buf(),
                error: source,
                kept: "nothing was changed".into(),
            }
        });
    }
    if exchange(tmp, target).is_ok() {
        let _ = std::fs::remove_dir_all(tmp);
        return Ok(());
    }
    replace(tmp, target, &mut moves)
}

/// The renames of a swap and the waits between their tries: the system's, or the tests' own.
struct Moves<R, W> {
    rename: R,
    wait: W,
}

impl Moves<fn(&Path, &Path) -> std::io::Result<()>, fn(std::time::Duration)> {
    fn system() -> Self {
        Moves {
            rename: |from, to| std::fs::rename(from, to),
            wait: std::thread::sleep,
        }
    }
}

impl<R, W> Moves<R, W>
where
    R: FnMut(&Path, &Path) -> std::io::Result<()>,
    W: FnMut(std::time::Duration),
{
    /// Renames, trying again for a while if another program is in the way.
    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        let rename = &mut self.rename;
        crate::files::retry_in_use(|| rename(from, to), &mut self.wait)
    }
}

/// Replaces `target` by `tmp` without an atomic exchange: `target` is renamed aside, `tmp` into
/// its place, then the old version is removed. If `tmp` cannot go in, the old version is put
/// back; if even that fails, it stays aside under a name the next run's [`tidy`] restores from.
fn replace<R, W>(tmp: &Path, target: &Path, moves: &mut Moves<R, W>) -> Result<(), Error>
where
    R: FnMut(&Path, &Path) -> std::io::Result<()>,
    W: FnMut(std::time::Duration),
{
    let mut aside = tmp.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    if let Err(source) = moves.rename(target, &aside) {
        let _ = std::fs::remove_dir_all(tmp);
        return Err(Error::Swap {
            action: "replace",
            folder: target.to_path_buf(),
            error: source,
            kept: "nothing was changed: the previous version is still there".into(),
        });
    }
    if let Err(source) = moves.rename(tmp, target) {
        let _ = std::fs::remove_dir_all(tmp);
        let kept = match moves.rename(&aside, target) {
            Ok(()) => "nothing was changed: the previous version was put back".to_string(),
            Err(_) => format!(
                "the previous version is safe in {}, and running the same command again puts it back first",
                aside.display()
            ),
        };
        return Err(Error::Swap {
            action: "move the new version into",
            folder: target.to_path_buf(),
            error: source,
            kept,
        });
    }
    // A leftover here (held open too) is removed by the next run's `tidy`.
    let _ = std::fs::remove_dir_all(&aside);
    Ok(())
}

/// Why a rename failed, in words: "another program is using it" when that is the likely cause.
fn why(e: &std::io::Error) -> String {
    if crate::files::in_use(e) {
        format!("another program is using it ({e})")
    } else {
        e.to_string()
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes what an interrupted run left: hidden `.<name>.tmp-*` folders (an issue built aside)
/// and files (a page half written). An issue folder that went missing mid-swap (only possible
/// without atomic exchange) is restored from its `.old`. Called with the archive's lock held, so
/// nothing here can belong to a run still going.
fn tidy(root: &Path) {
    let Ok(dir) = std::fs::read_dir(root) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix('.') else {
            continue;
        };
        let Some((slug, _)) = rest.split_once(".tmp-") else {
            continue;
        };
        let live = root.join(slug);
        if name.ends_with(".old") && !live.exists() {
            let _ = std::fs::rename(e.path(), &live);
        } else if e.path().is_dir() {
            let _ = std::fs::remove_dir_all(e.path());
        } else {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use std::time::Duration;

    /// An archive with issue `2021-10-20` holding "old", and its new version built aside.
    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("2021-10-20");
        let tmp = dir.path().join(".2021-10-20.tmp-7");
        for (d, text) in [(&target, "old"), (&tmp, "new")] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("bulletin.yaml"), text).unwrap();
        }
        (dir, target, tmp)
    }

    fn content(folder: &Path) -> String {
        std::fs::read_to_string(folder.join("bulletin.yaml")).unwrap_or_default()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    fn denied() -> std::io::Error {
        std::io::Error::from(ErrorKind::PermissionDenied)
    }

    #[test]
    fn a_folder_in_use_for_a_moment_is_tried_again_until_it_moves() {
        let (dir, target, tmp) = setup();
        // Each of the two renames is refused three times, as Windows does while Explorer or a
        // virus scan holds the folder, then goes through.
        let mut refusals: Vec<PathBuf> = Vec::new();
        let mut waited = Vec::new();
        let mut moves = Moves {
            rename: |from: &Path, to: &Path| {
                if refusals.iter().filter(|p| *p == from).count() < 3 {
                    refusals.push(from.to_path_buf());
                    return Err(denied());
                }
                std::fs::rename(from, to)
            },
            wait: |d: Duration| waited.push(d),
        };
        replace(&tmp, &target, &mut moves).unwrap();
        assert_eq!(content(&target), "new");
        assert_eq!(names(dir.path()), vec!["2021-10-20".to_string()]);
        assert_eq!(waited.len(), 6);
        assert_eq!(refusals.len(), 6);
    }

    #[test]
    fn a_folder_that_stays_in_use_is_left_as_it_was_with_a_message_saying_what_to_do() {
        let (dir, target, tmp) = setup();
        let mut waited = Duration::ZERO;
        let mut moves = Moves {
            rename: |_: &Path, _: &Path| Err(denied()),
            wait: |d: Duration| waited += d,
        };
        let e = replace(&tmp, &target, &mut moves).unwrap_err();
        assert_eq!(
            format!("{e}\n  help: {}", e.help().unwrap()),
            format!(
                "cannot replace {}: another program is using it (permission denied); nothing was changed: the previous version is still there\n  help: close any File Explorer window showing that folder, and any file from it open in another program, wait a moment, then run the same command again",
                target.display()
            )
        );
        assert_eq!(content(&target), "old");
        assert_eq!(names(dir.path()), vec!["2021-10-20".to_string()]);
        assert!(
            waited >= Duration::from_secs(2) && waited <= Duration::from_secs(3),
            "{waited:?}"
        );
    }

    #[test]
    fn when_the_new_version_cannot_go_in_the_previous_one_is_put_back() {
        let (dir, target, tmp) = setup();
        // The old folder moves aside, but the new one is held (a virus scan of the files just
        // written): the old one goes back.
        let mut moves = Moves {
            rename: |from: &Path, to: &Path| {
                if from == tmp {
                    return Err(denied());
                }
                std::fs::rename(from, to)
            },
            wait: |_: Duration| {},
        };
        let e = replace(&tmp, &target, &mut moves).unwrap_err();
        assert_eq!(
            format!("{e}\n  help: {}", e.help().unwrap()),
            format!(
                "cannot move the new version into {}: another program is using it (permission denied); nothing was changed: the previous version was put back\n  help: close any File Explorer window showing that folder, and any file from it open in another program, wait a moment, then run the same command again",
                target.display()
            )
        );
        assert_eq!(content(&target), "old");
        assert_eq!(names(dir.path()), vec!["2021-10-20".to_string()]);
    }

    #[test]
    fn a_previous_version_that_cannot_be_put_back_is_kept_aside_and_restored_by_the_next_run() {
        let (dir, target, tmp) = setup();
        // Only the first rename (the old version aside) goes through.
        let mut calls = 0;
        let mut moves = Moves {
            rename: |from: &Path, to: &Path| {
                calls += 1;
                if calls > 1 {
                    return Err(denied());
                }
                std::fs::rename(from, to)
            },
            wait: |_: Duration| {},
        };
        let e = replace(&tmp, &target, &mut moves).unwrap_err();
        let aside = dir.path().join(".2021-10-20.tmp-7.old");
        assert_eq!(
            format!("{e}\n  help: {}", e.help().unwrap()),
            format!(
                "cannot move the new version into {}: another program is using it (permission denied); the previous version is safe in {}, and running the same command again puts it back first\n  help: close any File Explorer window showing that folder, and any file from it open in another program, wait a moment, then run the same command again",
                target.display(),
                aside.display()
            )
        );
        assert_eq!(content(&aside), "old");
        tidy(dir.path());
        assert_eq!(content(&target), "old");
        assert_eq!(names(dir.path()), vec!["2021-10-20".to_string()]);
    }

    #[test]
    fn other_failures_are_not_tried_again() {
        let (_dir, target, tmp) = setup();
        let mut tries = 0;
        let mut moves = Moves {
            rename: |_: &Path, _: &Path| {
                tries += 1;
                Err(std::io::Error::from(ErrorKind::StorageFull))
            },
            wait: |_: Duration| panic!("waited for a failure that will not pass"),
        };
        let e = replace(&tmp, &target, &mut moves).unwrap_err();
        assert!(e.to_string().contains(": no storage space; nothing"), "{e}");
        assert_eq!(tries, 1);
        assert_eq!(content(&target), "old");
    }
}
