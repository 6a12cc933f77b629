//! The office a test works in, built in a temporary folder as an office's own is laid out:
//! `bulletins/` with the example bulletin and its `publisher.yaml`, and a `recipients.yaml`
//! whose relay is a test server on 127.0.0.1. Every test module starts from here, so a change to
//! the example or to the relay settings a test needs is made once.

use std::path::Path;

use tempfile::TempDir;

/// The repository, where the example office's files are.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The example bulletin's file name in `bulletins/`.
pub const EXAMPLE: &str = "2021-10-20.yaml";

/// An office with only `bulletins/publisher.yaml` (the example's): a test adds its bulletins.
pub fn publisher_only() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_into(dir.path(), &["publisher.yaml"]);
    dir
}

/// An office with the example bulletin and its `publisher.yaml` in `bulletins/`.
pub fn example() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_into(dir.path(), &[EXAMPLE, "publisher.yaml"]);
    dir
}

/// The office of tests/fixtures/merge/office: a bulletin with merge fields and a section for
/// practice managers, its people in `contacts.csv` (Pat a practice manager, Gill a GP partner)
/// and its lists in `recipients.yaml` (Oli on a list, not in the spreadsheet), relay unset.
pub fn merge_fields() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(ROOT).join("tests/fixtures/merge/office");
    std::fs::create_dir_all(dir.path().join("bulletins")).unwrap();
    for (from, to) in [
        ("bulletins/2021-10-20.yaml", "bulletins/2021-10-20.yaml"),
        ("bulletins/publisher.yaml", "bulletins/publisher.yaml"),
        ("contacts.csv", "contacts.csv"),
        ("lists.yaml", "recipients.yaml"),
    ] {
        std::fs::copy(fixture.join(from), dir.path().join(to)).unwrap();
    }
    dir
}

/// Copies the named files of the repository's `bulletins/` into `office`'s `bulletins/`.
pub fn copy_into(office: &Path, names: &[&str]) {
    let bulletins = office.join("bulletins");
    std::fs::create_dir_all(&bulletins).unwrap();
    for name in names {
        let from = Path::new(ROOT).join("bulletins").join(name);
        std::fs::copy(&from, bulletins.join(name))
            .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

/// The `smtp:` block of a recipients file for a test relay on 127.0.0.1:`port`: no TLS, no
/// login, no waits (no rate limit, retries at once), a 10-second timeout; each line of
/// `settings` (`key: value`) replaces or adds one.
pub fn smtp(port: u16, settings: &str) -> String {
    let mut smtp = vec![
        ("host", "127.0.0.1".to_string()),
        ("port", port.to_string()),
        ("security", "none".into()),
        ("auth", "none".into()),
        ("rate_per_minute", "0".into()),
        ("retry_wait_seconds", "0".into()),
        ("timeout_seconds", "10".into()),
    ];
    for line in settings.lines().filter(|l| !l.trim().is_empty()) {
        let (k, v) = line.trim().split_once(": ").unwrap();
        smtp.retain(|(key, _)| *key != k);
        smtp.push((k, v.to_string()));
    }
    let mut y = String::from("smtp:\n");
    for (k, v) in smtp {
        y.push_str(&format!("  {k}: {v}\n"));
    }
    y
}
