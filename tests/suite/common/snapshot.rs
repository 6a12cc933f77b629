//! Whole-output snapshots: a file under `tests/snapshots/` holds exactly what a test expects,
//! byte for byte. `SNAPSHOTS=overwrite cargo test --features test-hooks --test suite` writes
//! what the code produces instead of comparing, so an intended change is one command and a diff
//! to read in review.

use std::path::Path;

/// Compares `actual` with the snapshot file at `path` (relative to the package), or writes it
/// when `SNAPSHOTS=overwrite`. A mismatch names the file, the first line that differs with the
/// lines around it, and how many lines differ in all.
pub fn assert_snapshot(path: &str, actual: &[u8]) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite") {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let Ok(expected) = std::fs::read(&file) else {
        panic!(
            "{path} does not exist: write it with SNAPSHOTS=overwrite cargo test --features test-hooks --test suite"
        );
    };
    if expected == actual {
        return;
    }
    let expected = String::from_utf8_lossy(&expected);
    let actual = String::from_utf8_lossy(actual);
    let old: Vec<&str> = expected.split('\n').collect();
    let new: Vec<&str> = actual.split('\n').collect();
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    let differing = (0..old.len().max(new.len()))
        .filter(|&i| old.get(i) != new.get(i))
        .count();
    let around = |lines: &[&str]| {
        let from = first.saturating_sub(3);
        lines[from.min(lines.len())..(first + 4).min(lines.len())]
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{:>6} | {l}\n", from + i + 1))
            .collect::<String>()
    };
    panic!(
        "{path} differs from what the code produces, first at line {} ({differing} lines differ; \
         {} lines expected, {} produced).\nexpected:\n{}produced:\n{}\
         If the change is intended: SNAPSHOTS=overwrite cargo test --features test-hooks --test suite, then read the diff.",
        first + 1,
        old.len(),
        new.len(),
        around(&old),
        around(&new),
    );
}
