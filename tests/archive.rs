//! `bulletin archive` run on temporary copies of the example: the index order, the feed (parsed
//! with atom_syndication), idempotence (byte for byte), the folder named by the issue's identity,
//! a different bulletin refused without --replace, and an interrupted write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bulletins")).unwrap();
        std::fs::copy(
            Path::new(ROOT).join("bulletins/publisher.yaml"),
            dir.path().join("bulletins/publisher.yaml"),
        )
        .unwrap();
        Office { dir }
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
    assert!(pos("<h2>2022</h2>") < pos("January issue"));
    assert!(pos("January issue") < pos("<h2>2021</h2>"));
    assert!(pos("<h2>2021</h2>") < pos("December issue"));
    assert!(pos("December issue") < pos("October issue"));
    assert!(index.contains("href=\"2021-12-01/index.html\""));
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
    let after: BTreeMap<_, _> = office
        .snapshot()
        .into_iter()
        .filter(|(k, _)| !k.starts_with('.'))
        .collect();
    assert_eq!(before, after);
    let page = std::fs::read_to_string(office.root().join("2021-10-20/index.html")).unwrap();
    assert!(page.contains("Original title") && page.ends_with("</html>"));
    // The next run tidies the leftovers and publishes the new version.
    ok(&office.archive_env(&a, None, &["--replace"]));
    let names: Vec<String> = std::fs::read_dir(office.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
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
    assert!(index.contains(r#"href="2021-10-20/index.html""#), "{index}");

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
