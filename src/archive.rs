//! The archive: every issue as plain static files, with an index page and an Atom feed.
//!
//! ```text
//! archive/index.html            every issue, newest first, grouped by year
//! archive/feed.xml              Atom feed of the latest issues
//! archive/2021-10-20/index.html the web version (links to the index and to the issues either side)
//!                    bulletin.txt, bulletin.eml, bulletin.yaml (the source)
//! ```
//!
//! Each issue's folder is named by its identity ([`crate::identity`]): `2021-10-20`, or
//! `2021-10-20-113` with `issue: 113`, the same name the email's web link uses. A folder that
//! already holds a bulletin with other content (its fingerprint differs) is replaced only when
//! asked (`--replace`); the same issue archived again gives the same bytes.
//!
//! An issue is written into a hidden temporary folder, then swapped into place in one atomic
//! rename, so an interrupted run leaves the previous version whole; leftovers are tidied on the
//! next run. Where the swap takes two renames (no atomic exchange outside Linux) and another
//! program holds the folder (Windows: Explorer, the indexer, antivirus), each rename is tried
//! again for a few seconds, then the swap gives up with the previous version back in place.
//!
//! The index and feed are rebuilt from what is in the folder, so archiving an old issue later
//! puts it in its place. Nothing here deletes another issue. Links are relative, so the archive
//! works opened from disk and behind any web server.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::date::Date;
use crate::files::write_atomic;
use crate::identity::{self, Identity};
use crate::input;
use crate::model::{Bulletin, Publisher};
use crate::pipeline::Prepared;
use crate::render::html as email_html;
use crate::render::message::Template;

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
}

/// Why nothing was archived. The first three are refusals that leave the archive as it was.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The issue's folder holds a bulletin with other content: another issue of the same date,
    /// or another version of this one.
    #[error(
        "{} already holds another bulletin: {:?} ({}); nothing was written\n  help: if this is another issue of the same date, give this bulletin an `issue:` number (it then goes in {}-<number>); if it is a corrected version of that issue, archive it again with --replace",
        folder.display(), title, dateline, folder.display()
    )]
    DifferentIssue {
        folder: PathBuf,
        title: String,
        dateline: String,
    },
    /// This issue is already archived in another folder (put there by an older version of
    /// `bulletin`, which used the date alone for the first issue of a day).
    #[error(
        "this issue is already archived in {}, but its folder is now named {name}; nothing was written\n  help: rename the folder {} to {name} (on the web server too, keeping the old address if emails link to it), then archive again",
        folder.display(), folder.display()
    )]
    ElsewhereInArchive { folder: PathBuf, name: String },
    #[error(
        "{} is already there but its bulletin.yaml cannot be read, so it is left alone and nothing was written; fix or move that folder, then archive again",
        folder.display()
    )]
    Unreadable { folder: PathBuf },
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An issue's folder could not be moved into place (on Windows, most often because another
    /// program has it open); `kept` says what became of the previous version.
    #[error(
        "cannot {action} {}: {}; {kept}\n  help: close any File Explorer window showing that folder, and any file from it open in another program, wait a moment, then run the same command again",
        folder.display(), why(source)
    )]
    Swap {
        action: &'static str,
        folder: PathBuf,
        source: std::io::Error,
        kept: String,
    },
    #[error("{0}")]
    Message(String),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io { what, path, source }
}

/// Reads every issue in the archive folder (newest first). An issue folder whose
/// `bulletin.yaml` cannot be read is skipped with a warning in the returned list.
pub fn entries(root: &Path) -> (Vec<Entry>, Vec<String>) {
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
            Ok(b) => out.push(Entry::from(&name, &b)),
            Err(_) => warnings.push(format!(
                "{} cannot be read and is left out of the index",
                source.display()
            )),
        }
    }
    sort(&mut out);
    (out, warnings)
}

fn sort(list: &mut [Entry]) {
    list.sort_by(|a, b| (b.date, b.issue, &b.slug).cmp(&(a.date, a.issue, &a.slug)));
}

/// Archives one bulletin into `root`, in the folder its identity names, then rebuilds the index
/// and feed. The same issue (same name, same fingerprint) is replaced in place, giving the same
/// bytes; a different bulletin already in that folder is replaced only with `replace`.
pub fn archive(prepared: &Prepared, root: &Path, replace: bool) -> Result<Archived, Error> {
    std::fs::create_dir_all(root).map_err(io("create", root))?;
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
    let (html, text) = (&prepared.html, &prepared.text);
    let sample = "Sample Recipient <recipient@example.org>"
        .parse()
        .map_err(|e| Error::Message(format!("{e}")))?;
    // Dated noon (UTC) on the bulletin's date, not now: archiving again gives the same bytes.
    let eml = Template::new(b, p, &id, text, html, false)
        .map_err(Error::Message)?
        .for_recipient(&sample, b.date.noon_utc());
    let page = issue_page(b, p, &slug, &list);
    for (name, bytes) in [
        ("index.html", page.as_bytes()),
        ("bulletin.txt", text.as_bytes()),
        ("bulletin.eml", &eml[..]),
        ("bulletin.yaml", loaded.source.as_bytes()),
    ] {
        write_atomic(&tmp.join(name), bytes).map_err(io("write", &tmp.join(name)))?;
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
                let page = issue_page(&nb, p, &n.slug, &list);
                let file = root.join(&n.slug).join("index.html");
                write_atomic(&file, page.as_bytes()).map_err(io("update", &file))?;
            }
        }
    }
    let index = root.join("index.html");
    write_atomic(&index, index_page(p, &list).as_bytes()).map_err(io("write", &index))?;
    let feed_file = root.join("feed.xml");
    write_atomic(&feed_file, feed(p, &list).as_bytes()).map_err(io("write", &feed_file))?;
    Ok(Archived {
        dir: target,
        issues: list.len(),
        replaced,
        warnings,
    })
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
                source,
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
            source,
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
            source,
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
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    let _ = CString::default();
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes what an interrupted run left: hidden `.<slug>.tmp-*` folders. An issue folder that
/// went missing mid-swap (only possible without atomic exchange) is restored from its `.old`.
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
        }
    }
}

const NAV_STYLE: &str =
    "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#1f2933;";

fn issue_page(b: &Bulletin, p: &Publisher, slug: &str, list: &[Entry]) -> String {
    let at = list.iter().position(|e| e.slug == slug);
    // The list is newest first: the previous (older) issue comes after this one.
    let older = at.and_then(|i| list.get(i + 1));
    let newer = at.and_then(|i| i.checked_sub(1)).and_then(|i| list.get(i));
    let link = format!("color:{};text-decoration:underline;", p.colour);
    let nav = html! {
        nav aria-label="Bulletin archive" style=(format!("max-width:600px;margin:0 auto;padding:16px;{NAV_STYLE}")) {
            a href="../index.html" style=(link) { "All " (p.name) " bulletins" }
            @if let Some(o) = older {
                br; "Previous issue: " a href=(format!("../{}/index.html", o.slug)) style=(link) { (o.title) } " (" (o.date.long()) ")"
            }
            @if let Some(n) = newer {
                br; "Next issue: " a href=(format!("../{}/index.html", n.slug)) style=(link) { (n.title) } " (" (n.date.long()) ")"
            }
        }
    };
    email_html::render_with(b, p, nav, html! {})
}

fn index_page(p: &Publisher, list: &[Entry]) -> String {
    let link = format!("color:{};text-decoration:underline;", p.colour);
    let mut years: Vec<i32> = list.iter().map(|e| e.date.year).collect();
    years.dedup();
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en-GB" dir="ltr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (p.name) " bulletins" }
                link rel="alternate" type="application/atom+xml" title=(format!("{} bulletins", p.name)) href="feed.xml";
                style { (PreEscaped("body{margin:0;background:#eef1f4}main{max-width:640px;margin:0 auto;padding:24px 16px;background:#fff;font-family:Arial,Helvetica,sans-serif;color:#1f2933;line-height:1.5}h1{font-size:28px}h2{font-size:22px;margin-top:32px}ul{list-style:none;padding:0}li{margin:0 0 16px}.meta{color:#4a5560;font-size:14px}")) }
            }
            body {
                main {
                    h1 { (p.name) " bulletins" }
                    p { "Every issue, newest first. " a href="feed.xml" style=(link) { "Subscribe to the feed of new issues" } "." }
                    @for year in &years {
                        h2 { (year) }
                        ul {
                            @for e in list.iter().filter(|e| e.date.year == *year) {
                                li {
                                    a href=(format!("{}/index.html", e.slug)) style=(link) { (e.title) }
                                    br;
                                    span class="meta" { (e.date.long()) @if let Some(n) = e.issue { " · Issue " (n) } }
                                    @if let Some(s) = &e.summary { br; (s) }
                                }
                            }
                        }
                    }
                    @if let Some(site) = &p.website {
                        p class="meta" { a href=(site) style=(link) { (p.name) " website" } }
                    }
                }
            }
        }
    };
    page.into_string()
}

/// An Atom feed (RFC 4287) of the latest issues, written by `atom_syndication`.
pub fn feed(p: &Publisher, list: &[Entry]) -> String {
    use atom_syndication as atom;
    let base = p
        .archive_url
        .as_ref()
        .map(|u| format!("{}/", u.trim_end_matches('/')));
    let id_of = |slug: &str| match &base {
        Some(b) => format!("{b}{slug}/"),
        None => format!("urn:lmc-bulletin:{}:{slug}", p.list_id),
    };
    let midnight = |d: Date| {
        atom::FixedDateTime::parse_from_rfc3339(&format!("{d}T00:00:00Z"))
            .expect("a valid date makes a valid timestamp")
    };
    let link = |rel: &str, mime: &str, href: String| atom::Link {
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        href,
        ..Default::default()
    };
    let entries = list
        .iter()
        .take(FEED_ENTRIES)
        .map(|e| {
            let href = match &base {
                Some(b) => format!("{b}{}/", e.slug),
                None => format!("{}/index.html", e.slug),
            };
            let summary = match (e.issue, &e.summary) {
                (Some(n), Some(s)) => format!("Issue {n}, {}: {s}", e.date.long()),
                (None, Some(s)) => format!("{}: {s}", e.date.long()),
                (Some(n), None) => format!("Issue {n}, {}", e.date.long()),
                (None, None) => e.date.long(),
            };
            atom::Entry {
                title: atom::Text::plain(e.title.clone()),
                id: id_of(&e.slug),
                updated: midnight(e.date),
                links: vec![link("alternate", "text/html", href)],
                summary: Some(atom::Text::plain(summary)),
                ..Default::default()
            }
        })
        .collect();
    let mut links = Vec::new();
    if let Some(b) = &base {
        links.push(link("self", "application/atom+xml", format!("{b}feed.xml")));
        links.push(link("alternate", "text/html", b.clone()));
    }
    let feed = atom::Feed {
        title: atom::Text::plain(format!("{} bulletins", p.name)),
        id: base
            .clone()
            .unwrap_or_else(|| format!("urn:lmc-bulletin:{}", p.list_id)),
        updated: midnight(list.first().map_or_else(Date::today, |e| e.date)),
        authors: vec![atom::Person {
            name: p.name.clone(),
            ..Default::default()
        }],
        links,
        entries,
        lang: Some("en-GB".to_string()),
        ..Default::default()
    };
    let config = atom::WriteConfig {
        indent_size: Some(2),
        ..Default::default()
    };
    let bytes = feed
        .write_with_config(Vec::new(), config)
        .expect("writing XML into memory cannot fail");
    let mut out = String::from_utf8(bytes).expect("the feed is written as UTF-8");
    out.push('\n');
    out
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
            e.to_string(),
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
            e.to_string(),
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
            e.to_string(),
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
