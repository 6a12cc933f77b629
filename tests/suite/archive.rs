//! `bulletin archive` run on temporary copies of the example: the index order, the feed (parsed
//! with atom_syndication), idempotence (byte for byte), the folder named by the issue's identity,
//! a different bulletin refused without --replace, an interrupted write, 28 runs at once, a run
//! waiting for the archive's lock, folders named like URLs, and the site in headless Chromium
//! (tests/browser/archive-check.mjs: from disk and over a server on 127.0.0.1, phone widths,
//! contrast, keyboard, search; screenshots in target/archive-shots/).

use crate::common::needs;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new() -> Office {
        Office {
            dir: crate::common::office::publisher_only(),
        }
    }

    /// A copy of the example with another date, title and issue number.
    fn bulletin(&self, name: &str, date: &str, title: &str, issue: Option<u32>) -> PathBuf {
        let example =
            std::fs::read_to_string(Path::new(ROOT).join("bulletins/2021-10-20.yaml")).unwrap();
        let mut text = String::new();
        for line in example.lines() {
            if line.starts_with("date: ") {
                text.push_str(&format!("date: {date}\n"));
                if let Some(n) = issue {
                    text.push_str(&format!("issue: {n}\n"));
                }
            } else if line.starts_with("title: ") {
                text.push_str(&format!("title: {title}\n"));
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
        let path = self.dir.path().join("bulletins").join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn archive(&self, bulletin: &Path) -> Output {
        self.archive_env(bulletin, None, &[])
    }

    fn archive_env(&self, bulletin: &Path, crash: Option<&str>, extra: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        c.current_dir(self.dir.path())
            .arg("archive")
            .arg(bulletin)
            .arg("--dir")
            .arg("archive")
            .args(extra);
        if let Some(point) = crash {
            c.env("BULLETIN_ARCHIVE_CRASH", point);
        }
        c.output().unwrap()
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    /// Every file under the archive with its bytes.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.root()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e
                        .path()
                        .strip_prefix(self.root())
                        .unwrap()
                        .to_string_lossy()
                        .to_string();
                    out.insert(rel, std::fs::read(e.path()).unwrap());
                }
            }
        }
        out
    }
}

/// Two snapshots of the archive hold the same files with the same bytes (naming any that differ).
fn same(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files were added or removed"
    );
    let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    assert!(changed.is_empty(), "changed: {changed:?}");
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn writes_the_issue_and_an_index_newest_first_grouped_by_year() {
    let office = Office::new();
    // Archived out of order: the index must still be by date.
    for (name, date, title) in [
        ("a.yaml", "2021-10-20", "October issue"),
        ("b.yaml", "2022-01-12", "January issue"),
        ("c.yaml", "2021-12-01", "December issue"),
    ] {
        ok(&office.archive(&office.bulletin(name, date, title, None)));
    }
    let root = office.root();
    for f in [
        "index.html",
        "bulletin.txt",
        "bulletin.eml",
        "bulletin.yaml",
    ] {
        assert!(root.join("2021-10-20").join(f).exists(), "missing {f}");
    }
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    let pos = |s: &str| {
        index
            .find(s)
            .unwrap_or_else(|| panic!("{s} not in the index"))
    };
    assert!(pos(">2022</h2>") < pos("January issue"));
    assert!(pos("January issue") < pos(">2021</h2>"));
    assert!(pos(">2021</h2>") < pos("December issue"));
    assert!(pos("December issue") < pos("October issue"));
    assert!(index.contains("href=\"./2021-12-01/index.html\""));
    assert!(index.contains("<html lang=\"en-GB\""));
    assert_eq!(index.matches("<h1>").count(), 1);

    // Each page links to the index and to the issues either side (relative links: works from disk).
    let december = std::fs::read_to_string(root.join("2021-12-01/index.html")).unwrap();
    assert!(december.contains("href=\"../index.html\""));
    assert!(december.contains("Previous issue: <a href=\"../2021-10-20/index.html\""));
    assert!(december.contains("Next issue: <a href=\"../2022-01-12/index.html\""));
    let october = std::fs::read_to_string(root.join("2021-10-20/index.html")).unwrap();
    assert!(!october.contains("Previous issue"));
    assert!(october.contains("Next issue: <a href=\"../2021-12-01/index.html\""));
    assert!(
        !october.contains("View this bulletin in your web browser"),
        "the web page links to itself"
    );
    assert_eq!(
        std::fs::read(root.join("2021-10-20/bulletin.yaml")).unwrap(),
        std::fs::read(office.dir.path().join("bulletins/a.yaml")).unwrap()
    );
}

#[test]
fn the_feed_is_valid_atom_with_the_latest_issues() {
    let office = Office::new();
    ok(&office.archive(&office.bulletin("a.yaml", "2021-10-20", "First & <best>", Some(1))));
    ok(&office.archive(&office.bulletin("b.yaml", "2021-10-27", "Second", Some(2))));
    let xml = std::fs::read(office.root().join("feed.xml")).unwrap();
    let feed = atom_syndication::Feed::read_from(&xml[..]).expect("a valid Atom feed");
    assert_eq!(feed.entries().len(), 2);
    assert_eq!(feed.entries()[0].title().as_str(), "Second");
    assert_eq!(feed.entries()[1].title().as_str(), "First & <best>");
    assert_eq!(
        feed.entries()[0].id(),
        "https://www.example.org/bulletins/2021-10-27-2/"
    );
    assert_eq!(
        feed.entries()[0].links()[0].href(),
        "https://www.example.org/bulletins/2021-10-27-2/"
    );
    assert!(feed.updated().to_rfc3339().starts_with("2021-10-27"));
    assert!(feed.links().iter().any(|l| l.rel() == "self"));
}

#[test]
fn archiving_the_same_issue_again_gives_the_same_bytes_and_a_changed_one_needs_replace() {
    let office = Office::new();
    let a = office.bulletin("a.yaml", "2021-10-20", "First", None);
    ok(&office.archive(&a));
    ok(&office.archive(&office.bulletin("b.yaml", "2021-10-27", "Second", None)));
    let before = office.snapshot();
    ok(&office.archive(&a));
    same(&before, &office.snapshot());
    // The same issue from a copy with other comments and quoting: only its source differs.
    let source = std::fs::read_to_string(&a).unwrap();
    let copy = office.dir.path().join("bulletins/copy.yaml");
    let copied = format!(
        "# a copy\n{}",
        source.replace("title: First", "title:   'First'")
    );
    std::fs::write(&copy, copied).unwrap();
    ok(&office.archive(&copy));
    let after = office.snapshot();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &before {
        if name != "2021-10-20/bulletin.yaml" {
            assert_eq!(bytes, &after[name], "{name} changed");
        }
    }
    let eml = String::from_utf8(before["2021-10-20/bulletin.eml"].clone()).unwrap();
    assert!(
        eml.contains("Date: Wed, 20 Oct 2021 12:00:00 +0000\r\n"),
        "{}",
        &eml[..400]
    );

    // An edit to the source is a different bulletin in the same folder: refused, nothing written.
    std::fs::write(
        &a,
        source.replace("title: First", "title: First, corrected"),
    )
    .unwrap();
    let refused = office.archive(&a);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "error: archive/2021-10-20 already holds another bulletin: \"First\" (20 October 2021); nothing was written\n  \
         help: if this is another issue of the same date, give this bulletin an `issue:` number (it then goes in archive/2021-10-20-<number>); \
         if it is a corrected version of that issue, archive it again with --replace\n"
    );
    same(&after, &office.snapshot());
    // With --replace it replaces that issue only.
    let replaced = office.archive_env(&a, None, &["--replace"]);
    ok(&replaced);
    let stdout = String::from_utf8_lossy(&replaced.stdout);
    assert!(
        stdout.contains("it replaced the version titled \"First\""),
        "{stdout}"
    );
    let page = std::fs::read_to_string(office.root().join("2021-10-20/index.html")).unwrap();
    assert!(page.contains("First, corrected"));
    assert!(office.root().join("2021-10-27/index.html").exists());
}

#[test]
fn an_issue_number_names_the_folder_and_the_emails_web_link_points_there() {
    let office = Office::new();
    ok(&office.archive(&office.bulletin("a.yaml", "2021-10-20", "Morning", Some(7))));
    ok(&office.archive(&office.bulletin("b.yaml", "2021-10-20", "Evening", Some(8))));
    ok(&office.archive(&office.bulletin("c.yaml", "2021-10-20", "Unnumbered", None)));
    for (folder, title) in [
        ("2021-10-20-7", "Morning"),
        ("2021-10-20-8", "Evening"),
        ("2021-10-20", "Unnumbered"),
    ] {
        let dir = office.root().join(folder);
        let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(page.contains(title), "{folder}");
        // The email sent for it links to this very folder, in both parts.
        let url = format!("https://www.example.org/bulletins/{folder}/");
        let eml = std::fs::read_to_string(dir.join("bulletin.eml")).unwrap();
        assert!(
            eml.contains(&url),
            "{folder}: the email does not link to {url}"
        );
        let text = std::fs::read_to_string(dir.join("bulletin.txt")).unwrap();
        assert!(text.contains(&url), "{folder}");
    }
    let index = std::fs::read_to_string(office.root().join("index.html")).unwrap();
    assert!(index.find("Evening").unwrap() < index.find("Morning").unwrap());
}

#[test]
fn two_different_bulletins_with_one_date_and_no_issue_number_are_refused() {
    let office = Office::new();
    ok(&office.archive(&office.bulletin("a.yaml", "2021-10-20", "Weekly bulletin", None)));
    let before = office.snapshot();
    let special = office.archive(&office.bulletin("b.yaml", "2021-10-20", "Special issue", None));
    assert_eq!(special.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&special.stderr);
    assert!(
        stderr.starts_with(
            "error: archive/2021-10-20 already holds another bulletin: \"Weekly bulletin\" (20 October 2021)"
        ) && stderr.contains("give this bulletin an `issue:` number"),
        "{stderr}"
    );
    same(&before, &office.snapshot());
    // With a number it goes beside it.
    ok(&office.archive(&office.bulletin("b.yaml", "2021-10-20", "Special issue", Some(2))));
    assert!(office.root().join("2021-10-20-2/index.html").exists());
}

#[test]
fn an_issue_in_the_folder_an_older_version_used_is_not_archived_twice() {
    // Older versions put the first issue of a day in `<date>` even when it had a number.
    let office = Office::new();
    let a = office.bulletin("a.yaml", "2021-10-20", "Numbered", Some(7));
    ok(&office.archive(&a));
    std::fs::rename(
        office.root().join("2021-10-20-7"),
        office.root().join("2021-10-20"),
    )
    .unwrap();
    let o = office.archive(&a);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: this issue is already archived in archive/2021-10-20, but its folder is now named 2021-10-20-7; nothing was written\n  \
         help: rename the folder archive/2021-10-20 to 2021-10-20-7 (on the web server too, keeping the old address if emails link to it), then archive again\n"
    );
    assert!(!office.root().join("2021-10-20-7").exists());
}

/// Needs the crash point, built only with `--features test-hooks` (as scripts/test.sh does).
#[cfg(feature = "test-hooks")]
#[test]
fn an_interrupted_write_leaves_the_previous_archive_whole() {
    let office = Office::new();
    let a = office.bulletin("a.yaml", "2021-10-20", "Original title", None);
    ok(&office.archive(&a));
    let before = office.snapshot();
    let edited = std::fs::read_to_string(&a)
        .unwrap()
        .replace("title: Original title", "title: New title");
    std::fs::write(&a, edited).unwrap();
    let crashed = office.archive_env(&a, Some("before-swap"), &["--replace"]);
    assert!(!crashed.status.success(), "the run was meant to die");
    // The published files are exactly as they were.
    let published = |files: BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        files
            .into_iter()
            .filter(|(k, _)| !k.starts_with('.'))
            .collect()
    };
    assert_eq!(published(before), published(office.snapshot()));
    let page = std::fs::read_to_string(office.root().join("2021-10-20/index.html")).unwrap();
    assert!(page.contains("Original title") && page.ends_with("</html>"));
    // The next run tidies the leftovers and publishes the new version.
    ok(&office.archive_env(&a, None, &["--replace"]));
    let names: Vec<String> = std::fs::read_dir(office.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != ".archive.lock")
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "leftovers: {names:?}"
    );
    assert!(
        std::fs::read_to_string(office.root().join("2021-10-20/index.html"))
            .unwrap()
            .contains("New title")
    );
}

#[test]
fn a_bulletin_with_errors_writes_nothing() {
    let office = Office::new();
    let bad = office.dir.path().join("bulletins/bad.yaml");
    std::fs::write(&bad, "title: x\ndate: 2021-02-30\nsections: []\n").unwrap();
    let o = office.archive(&bad);
    assert_eq!(o.status.code(), Some(1));
    assert!(!office.root().exists());
}

#[test]
fn an_unreadable_issue_folder_is_never_replaced() {
    let office = Office::new();
    let a = office.bulletin("a.yaml", "2021-10-20", "Kept safe", None);
    ok(&office.archive(&a));
    // The archived source no longer validates (a hand edit, or stricter rules in a new version).
    let source = office.root().join("2021-10-20/bulletin.yaml");
    std::fs::write(&source, "title: [broken\n").unwrap();
    let page_before = std::fs::read(office.root().join("2021-10-20/index.html")).unwrap();
    let o = office.archive(&office.bulletin("b.yaml", "2021-10-20", "Special issue", None));
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("cannot be read") && stderr.contains("2021-10-20"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(office.root().join("2021-10-20/index.html")).unwrap(),
        page_before
    );
    assert_eq!(
        std::fs::read_to_string(&source).unwrap(),
        "title: [broken\n"
    );
}

/// Runs the binary in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Office PCs keep files in folders such as `My Documents` or `LMC office`: `check`, `render
/// --out` and `archive` work there, from inside the folder and given absolute paths, and name
/// files in their messages as the system writes paths (built here with `Path::join`, so the
/// same test holds with Windows' backslashes).
#[test]
fn folders_with_spaces_in_their_names_work_and_are_named_as_the_system_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("Shared Files").join("LMC office");
    let bulletins = office.join("bulletins");
    std::fs::create_dir_all(bulletins.join("old drafts")).unwrap();
    for f in ["2021-10-20.yaml", "publisher.yaml"] {
        std::fs::copy(Path::new(ROOT).join("bulletins").join(f), bulletins.join(f)).unwrap();
    }
    std::fs::copy(
        Path::new(ROOT).join("recipients.example.yaml"),
        office.join("recipients.yaml"),
    )
    .unwrap();
    let os = |s: &str| std::ffi::OsString::from(s);
    let rel = Path::new("bulletins").join("2021-10-20.yaml");
    let abs = bulletins.join("2021-10-20.yaml");

    // check, by a relative and by an absolute path, with the office's recipients file found.
    for file in [rel.as_os_str(), abs.as_os_str()] {
        let (code, out, err) = run_in(&office, &[&os("check"), file]);
        assert_eq!(code, 0, "{err}");
        let shown = Path::new(file).display().to_string();
        assert!(out.contains(&format!("{shown}: ok (")), "{out}");
        assert!(out.contains("recipients.yaml: ok ("), "{out}");
    }
    let (code, out, err) = run_in(
        &bulletins.join("old drafts"),
        &[&os("check"), abs.as_os_str()],
    );
    assert_eq!(code, 0, "{err}");
    let up = Path::new("..").join("..").join("recipients.yaml");
    assert!(out.contains(&format!("{}: ok (", up.display())), "{out}");

    // render into a folder with a space, given relative and absolute.
    let rendered = office.join("rendered files");
    for target in [os("rendered files"), rendered.clone().into_os_string()] {
        let (code, out, err) = run_in(
            &office,
            &[&os("render"), rel.as_os_str(), &os("--out"), &target],
        );
        assert_eq!(code, 0, "{err}");
        let html = Path::new(&target).join("2021-10-20.html");
        assert!(
            out.contains(&format!("wrote {}\n", html.display())),
            "{out}"
        );
        assert!(rendered.join("2021-10-20.eml").is_file());
    }

    // archive: into the default archive folder, found upwards, and into one named with --dir.
    let (code, out, err) = run_in(&bulletins, &[&os("archive"), &os("2021-10-20.yaml")]);
    assert_eq!(code, 0, "{err}");
    let archive = Path::new("..").join("archive");
    assert!(
        out.contains(&format!("in {}\n", archive.join("2021-10-20").display())),
        "{out}"
    );
    assert!(
        out.contains(&format!("open {}\n", archive.join("index.html").display())),
        "{out}"
    );
    assert!(
        office
            .join("archive")
            .join("2021-10-20")
            .join("index.html")
            .is_file()
    );
    let web = office.join("web site").join("bulletin archive");
    for _ in 0..2 {
        // The second run swaps the issue's folder for its new copy.
        let (code, out, err) = run_in(
            &office,
            &[
                &os("archive"),
                abs.as_os_str(),
                &os("--dir"),
                web.as_os_str(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(&format!("in {}\n", web.join("2021-10-20").display())),
            "{out}"
        );
    }
    let index = std::fs::read_to_string(web.join("index.html")).unwrap();
    assert!(
        index.contains(r#"href="./2021-10-20/index.html""#),
        "{index}"
    );

    // A mistake is reported at its file, named as given.
    let draft = bulletins.join("old drafts").join("2021-10-20.yaml");
    let text = std::fs::read_to_string(&abs)
        .unwrap()
        .replacen("title:", "titel:", 1);
    std::fs::write(&draft, text).unwrap();
    let given = Path::new("bulletins")
        .join("old drafts")
        .join("2021-10-20.yaml");
    let (code, _, err) = run_in(&office, &[&os("check"), given.as_os_str()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("--> {}:", given.display())), "{err}");
}

/// 28 `bulletin archive` processes at once on one archive, as when several people (or a script)
/// archive together: 20 different issues, 6 of them archived twice more, and two different
/// bulletins for one date. Each run succeeds or fails with a clear message; the index, the feed
/// and the search index list every issue that succeeded; no issue folder is empty or incomplete;
/// and no temporary folder is left behind.
#[test]
fn parallel_runs_lose_no_issue_and_leave_no_empty_folder() {
    let office = Office::new();
    let mut runs: Vec<(PathBuf, String)> = Vec::new();
    for i in 1..=20 {
        let date = format!("2021-11-{i:02}");
        let title = format!("Parallel issue {i}");
        runs.push((
            office.bulletin(&format!("p{i}.yaml"), &date, &title, None),
            title,
        ));
    }
    for i in 0..6 {
        runs.push(runs[i * 3].clone());
    }
    for (name, title) in [("x.yaml", "Clash one"), ("y.yaml", "Clash two")] {
        let path = office.bulletin(name, "2021-12-24", title, None);
        runs.push((path, title.to_string()));
    }
    assert_eq!(runs.len(), 28);
    let children: Vec<_> = runs
        .iter()
        .map(|(path, _)| {
            Command::new(env!("CARGO_BIN_EXE_bulletin"))
                .current_dir(office.dir.path())
                .args(["archive", "--dir", "archive"])
                .arg(path)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();

    let mut archived = std::collections::BTreeSet::new();
    let mut clashes = Vec::new();
    for ((path, title), o) in runs.iter().zip(&outputs) {
        let stderr = String::from_utf8_lossy(&o.stderr);
        if o.status.success() {
            archived.insert(title.clone());
            continue;
        }
        // The only acceptable failure: the second of the two bulletins for 24 December (after
        // perhaps saying that it waited for the others, and the check's warnings: the example's
        // key dates are past by then).
        let error = stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default();
        assert!(
            title.starts_with("Clash")
                && error.starts_with(
                    "error: archive/2021-12-24 already holds another bulletin: \"Clash "
                ),
            "{} failed:\n{stderr}",
            path.display()
        );
        clashes.push(title.clone());
    }
    assert_eq!(
        clashes.len(),
        1,
        "exactly one of the clashing bulletins is refused"
    );
    assert_eq!(archived.len(), 21, "{archived:?}");

    let root = office.root();
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    let search = std::fs::read_to_string(root.join("searchindex.js")).unwrap();
    for title in &archived {
        assert!(
            index.contains(&format!(">{title}<")),
            "the index lacks {title}"
        );
        assert!(
            search.contains(&format!("\"{title}\"")),
            "the search index lacks {title}"
        );
    }
    let xml = std::fs::read(root.join("feed.xml")).unwrap();
    let feed = atom_syndication::Feed::read_from(&xml[..]).expect("a valid Atom feed");
    assert_eq!(feed.entries().len(), 20);
    let mut folders = 0;
    for e in std::fs::read_dir(&root).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !e.path().is_dir() {
            continue;
        }
        assert!(
            !name.starts_with('.'),
            "a temporary folder was left: {name}"
        );
        folders += 1;
        for f in [
            "index.html",
            "bulletin.txt",
            "bulletin.eml",
            "bulletin.yaml",
        ] {
            assert!(e.path().join(f).is_file(), "{name} has no {f}");
        }
    }
    assert_eq!(folders, 21);
}

/// The archive as a reader sees it: `tests/browser/archive-check.mjs` opens an archive of four
/// issues in Debian's headless Chromium, from disk and over a static server on 127.0.0.1 (see the
/// script for every step): the header and the issues, no sideways scrolling at 320 and 375 px,
/// AA contrast in light and dark mode, the keyboard, the search (a word in one section of one
/// issue finds that issue and section only), and an issue folder named like a URL. Screenshots
/// are kept in `target/archive-shots/`.
#[test]
fn the_site_in_headless_chromium() {
    needs::browser();
    let office = Office::new();
    let edit = |path: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{from:?} is not in the example");
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    let october = office.bulletin(
        "a.yaml",
        "2021-10-20",
        "Improving access for patients",
        None,
    );
    let winter = office.bulletin(
        "b.yaml",
        "2021-11-03",
        "Winter pressures in general practice",
        Some(113),
    );
    // A word in one section of one issue only (the Infection Prevention Control section).
    edit(
        &winter,
        "The document does not state the outcome",
        "The zymurgy document does not state the outcome",
    );
    let long = "Contractarrangementsforeveryprimarycarenetworkintwentytwentytwo explained";
    let january = office.bulletin("c.yaml", "2022-01-12", long, None);
    edit(
        &january,
        "summary: What the NHSE/I",
        "summary: See https://www.example.org/a/very/long/address/without/any/spaces/at/all/that/goes/on/and/on/for/ever.pdf What the NHSE/I",
    );
    let september = office.bulletin("d.yaml", "2021-09-01", "September issue", None);
    for b in [&september, &october, &winter, &january] {
        ok(&office.archive(b));
    }
    // A folder named like a URL (renamed by hand): its issue is linked, never as a javascript: URL.
    let folder = "javascript:alert(1)";
    std::fs::rename(office.root().join("2021-09-01"), office.root().join(folder)).unwrap();
    ok(&office.archive(&october));

    let expect = serde_json::json!({
        "publisher": "Essex LMCs",
        "brand": "#005EB8",
        "issues": [long, "Winter pressures in general practice", "Improving access for patients", "September issue"],
        "unique": { "word": "zymurgy", "issue": "Winter pressures in general practice", "heading": "Infection Prevention Control" },
        "common": { "word": "bullies", "count": 4 },
        "folder": { "name": folder, "title": "September issue" },
        // Issue 25: each issue's month and year are searched ("january" was only in a date).
        "months": [
            { "words": "zymurgy november", "issue": "Winter pressures in general practice" },
            { "words": "january 2022", "issue": long },
        ],
    });
    let expect_file = office.dir.path().join("expect.json");
    std::fs::write(&expect_file, expect.to_string()).unwrap();
    let shots = Path::new(ROOT).join("target/archive-shots");
    let out = Command::new("node")
        .arg("tests/browser/archive-check.mjs")
        .arg("--dir")
        .arg(office.root())
        .arg("--expect")
        .arg(&expect_file)
        .arg("--shots")
        .arg(&shots)
        .current_dir(ROOT)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser check failed ({}):\n--- stdout\n{stdout}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{stdout}");
}

/// Every `href="…"` and `src="…"` value in an HTML page.
#[cfg(unix)]
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    out
}

/// An archive folder named `https:`, and an issue folder renamed by hand to
/// `javascript:alert(1)`: every link to an issue is relative, starts with `./` or `../` and has
/// the name percent-encoded, so no folder name becomes a link with a scheme (in the index, the
/// issue pages, the search index and a feed without `archive_url`, whose links are relative).
/// Colons cannot be in Windows names, so this is for Unix.
#[cfg(unix)]
#[test]
fn a_folder_named_like_a_url_never_becomes_a_link_with_that_scheme() {
    let office = Office::new();
    let publisher = office.dir.path().join("bulletins/publisher.yaml");
    let text = std::fs::read_to_string(&publisher).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("archive_url:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(text, without);
    std::fs::write(&publisher, without).unwrap();
    let october = office.bulletin("a.yaml", "2021-10-20", "October issue", None);
    let september = office.bulletin("b.yaml", "2021-09-01", "September issue", None);
    let run = |b: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .current_dir(office.dir.path())
            .args(["archive", "--dir", "https:"])
            .arg(b)
            .output()
            .unwrap();
        ok(&o);
    };
    run(&september);
    run(&october);
    let root = office.dir.path().join("https:");
    let folder = "javascript:alert(1)";
    std::fs::rename(root.join("2021-09-01"), root.join(folder)).unwrap();
    run(&october);

    let encoded = "javascript%3Aalert%281%29";
    let index = std::fs::read_to_string(root.join("index.html")).unwrap();
    assert!(
        index.contains(&format!("href=\"./{encoded}/index.html\"")),
        "{index}"
    );
    for link in links(&index) {
        assert!(
            link.starts_with("./") || link.starts_with('#') || link == "https://www.example.org/",
            "a link in the index: {link}"
        );
    }
    let page = std::fs::read_to_string(root.join("2021-10-20/index.html")).unwrap();
    assert!(
        page.contains(&format!(
            "Previous issue: <a href=\"../{encoded}/index.html\""
        )),
        "{page}"
    );
    let search = std::fs::read_to_string(root.join("searchindex.js")).unwrap();
    assert!(search.contains(&format!("\"url\":\"./{encoded}/index.html\"")));
    let xml = std::fs::read(root.join("feed.xml")).unwrap();
    let feed = atom_syndication::Feed::read_from(&xml[..]).expect("a valid Atom feed");
    let hrefs: Vec<&str> = feed.entries().iter().map(|e| e.links()[0].href()).collect();
    assert_eq!(
        hrefs,
        [
            "./2021-10-20/index.html".to_string(),
            format!("./{encoded}/index.html")
        ]
    );
    for (name, text) in [("index", &index), ("page", &page), ("search", &search)] {
        let lower = text.to_lowercase();
        assert!(
            !lower.contains("\"javascript:"),
            "{name} links to javascript:"
        );
        assert!(
            !lower.contains("\"https:/index") && !lower.contains("\"https:index"),
            "{name}"
        );
    }
    // The encoded link leads to the folder, as a web server or the browser decodes it.
    let decoded = encoded
        .replace("%3A", ":")
        .replace("%28", "(")
        .replace("%29", ")");
    assert!(root.join(decoded).join("index.html").is_file());
}

/// While another run holds the archive's lock, `archive` waits, says so after a second, writes
/// nothing, and goes on as soon as the lock is released. (Giving up after 30 s, with a message
/// saying what to do, is tested in src/archive/lock.rs with a shorter wait.)
#[test]
fn a_run_waits_for_the_archive_while_another_holds_it_and_says_so() {
    let office = Office::new();
    let root = office.root();
    std::fs::create_dir_all(&root).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(".archive.lock"))
        .unwrap();
    held.lock().unwrap();
    let a = office.bulletin("a.yaml", "2021-10-20", "Waited for", None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .current_dir(office.dir.path())
        .args(["archive", "--dir", "archive"])
        .arg(&a)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says it is waiting once it has found the lock held: then it must not have written.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut waiting = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut waiting).unwrap();
    assert_eq!(
        waiting,
        format!(
            "waiting for another `bulletin archive` to finish writing into archive (it holds {})\n",
            Path::new("archive").join(".archive.lock").display()
        )
    );
    assert!(
        !root.join("index.html").exists() && !root.join("2021-10-20").exists(),
        "the run wrote while another held the lock"
    );
    held.unlock().unwrap();
    let o = child.wait_with_output().unwrap();
    ok(&o);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(rest, "", "it said more than that it was waiting");
    assert!(root.join("2021-10-20/index.html").is_file());
}
