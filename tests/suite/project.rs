//! Running `bulletin` from any folder inside the office's folder: it finds `recipients.yaml` and
//! the `bulletins` folder by looking upwards, as cargo finds `Cargo.toml`, and names files in its
//! messages as they are seen from where the user is.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary office folder: `bulletins/` with the example and its `publisher.yaml`, and
/// (unless `recipients` is false) `recipients.yaml` copied from the example.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new(recipients: bool) -> Office {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bulletins = dir.path().join("bulletins");
        fs::create_dir_all(bulletins.join("drafts")).unwrap();
        for f in ["2021-10-20.yaml", "publisher.yaml"] {
            fs::copy(root.join("bulletins").join(f), bulletins.join(f)).unwrap();
        }
        fs::copy(
            root.join("recipients.example.yaml"),
            dir.path().join("recipients.example.yaml"),
        )
        .unwrap();
        if recipients {
            fs::copy(
                root.join("recipients.example.yaml"),
                dir.path().join("recipients.yaml"),
            )
            .unwrap();
        }
        Office { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs the binary in `folder` (relative to the office): (exit code, stdout, stderr).
    fn run(&self, folder: &str, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(args)
            .current_dir(self.path(folder))
            .env("NO_COLOR", "1")
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

#[test]
fn check_inside_bulletins_also_checks_the_offices_recipients_file() {
    let office = Office::new(true);
    let (code, out, err) = office.run("bulletins", &["check", "2021-10-20.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2021-10-20.yaml: ok ("), "{out}");
    assert!(out.contains("../recipients.yaml: ok (everyone 6"), "{out}");
}

#[test]
fn lists_works_from_a_folder_two_levels_down() {
    let office = Office::new(true);
    let (code, out, err) = office.run("bulletins/drafts", &["lists"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("everyone ") && l.contains(" 6 ")),
        "{out}"
    );
}

#[test]
fn send_dry_run_inside_bulletins_finds_the_lists() {
    let office = Office::new(true);
    let (code, out, err) = office.run(
        "bulletins",
        &["send", "2021-10-20.yaml", "--list", "gps", "--dry-run"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("amara.okafor@example.org"), "{out}");
}

#[test]
fn a_missing_recipients_file_is_named_as_seen_from_where_the_user_is() {
    let office = Office::new(false);
    let (code, _, err) = office.run("bulletins", &["lists"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "../recipients.yaml does not exist: copy ../recipients.example.yaml to ../recipients.yaml"
        ),
        "{err}"
    );
    // `check` of a bulletin does not need one.
    let (code, out, err) = office.run("bulletins", &["check", "2021-10-20.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("recipients"), "{out}");
}

#[test]
fn new_inside_bulletins_writes_into_the_offices_bulletins_folder() {
    let office = Office::new(true);
    let (code, out, err) = office.run("bulletins/drafts", &["new", "--date", "2021-10-27"]);
    assert_eq!(code, 0, "{err}");
    assert!(office.path("bulletins/2021-10-27.yaml").is_file(), "{out}");
    assert!(!office.path("bulletins/drafts/bulletins").exists());
    assert!(out.contains("wrote ../2021-10-27.yaml"), "{out}");
    assert!(out.contains("bulletin check ../2021-10-27.yaml"), "{out}");
    // From the bulletins folder itself.
    let (code, out, err) = office.run("bulletins", &["new", "--date", "2021-11-10"]);
    assert_eq!(code, 0, "{err}");
    assert!(office.path("bulletins/2021-11-10.yaml").is_file(), "{out}");
    assert!(out.starts_with("wrote 2021-11-10.yaml ("), "{out}");
    // From the office's folder itself, as before.
    let (code, out, err) = office.run(".", &["new", "--date", "2021-11-03"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote bulletins/2021-11-03.yaml"), "{out}");
}

#[test]
fn archive_inside_bulletins_writes_the_offices_archive() {
    let office = Office::new(true);
    let (code, out, err) = office.run("bulletins", &["archive", "2021-10-20.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        office.path("archive/2021-10-20/index.html").is_file(),
        "{out}"
    );
    assert!(!office.path("bulletins/archive").exists());
    assert!(out.contains("open ../archive/index.html"), "{out}");
}
