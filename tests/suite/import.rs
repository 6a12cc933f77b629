//! `bulletin import` on Word documents made by tools this project did not write: python-docx
//! (`tests/import/make_docx.py`: a Title, the Chief Executive's message, headings, nested
//! bullets, numbering, bold, italic, links and two tables) and pandoc (`tests/import/pandoc.md`:
//! nested bullets and numbering, a link, a mailto: link, a table with a heading row), both made
//! at test time in a temporary office folder.
//!
//! For each, the bulletin written and what the command printed are compared with
//! `tests/import/NAME.yaml` and `tests/import/NAME.out`, and `bulletin check` must find nothing
//! but the placeholders left for what the document did not give. Regenerate the expected files
//! after an intended change with `bash scripts/regenerate-snapshots.sh`, then read the diff. Without pandoc or python-docx it fails, telling to run `scripts/install-test-deps.sh`.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::snapshot::assert_snapshot;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
use crate::common::needs::INSTALL_HINT;

/// An office folder with the example's publisher.yaml, and nothing in it yet.
fn office() -> tempfile::TempDir {
    crate::common::office::publisher_only()
}

fn run(program: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot be run ({e}): {INSTALL_HINT}"))
}

fn bulletin(args: &[&str], cwd: &Path) -> Output {
    run(env!("CARGO_BIN_EXE_bulletin"), args, cwd)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Compares `actual` with the expected file in `tests/import/`, or writes it with
/// `SNAPSHOTS=overwrite`.
fn snapshot(name: &str, actual: &str) {
    assert_snapshot(&format!("tests/import/{name}"), actual.as_bytes());
}

/// Imports `docx` (in `office`) as the bulletin of `date`; snapshots the file written and the
/// output; `check` must report only placeholders, and as many as the command said were left.
fn import_and_check(office: &Path, docx: &str, date: &str, name: &str) {
    let out = bulletin(
        &["import", docx, "--date", date, "--dir", "bulletins"],
        office,
    );
    let said = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    let written = format!("bulletins/{date}.yaml");
    let yaml = std::fs::read_to_string(office.join(&written)).unwrap();
    snapshot(&format!("{name}.yaml"), &yaml);
    snapshot(&format!("{name}.out"), &said);

    let check = bulletin(&["check", &written], office);
    let err = text(&check.stderr);
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("error") || l.starts_with("warning"))
        .collect();
    assert!(
        !problems.is_empty(),
        "the document gave no summary, so a placeholder is left:\n{err}"
    );
    for p in &problems {
        assert_eq!(
            *p, "error: this placeholder has not been filled in",
            "check reports only placeholders:\n{err}"
        );
    }
    let left = text(&out.stdout)
        .split("replace the ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the command says how many placeholders are left");
    assert_eq!(problems.len(), left, "{err}");
}

#[test]
fn a_python_docx_bulletin_becomes_a_bulletin_file() {
    let office = office();
    let made = run(
        "python3",
        &[
            &format!("{ROOT}/tests/import/make_docx.py"),
            "python-docx.docx",
        ],
        office.path(),
    );
    assert!(
        made.status.success(),
        "python-docx could not write the document ({INSTALL_HINT}):\n{}",
        text(&made.stderr)
    );
    import_and_check(
        office.path(),
        "python-docx.docx",
        "2021-10-20",
        "python-docx",
    );
}

#[test]
fn a_pandoc_bulletin_becomes_a_bulletin_file() {
    let office = office();
    let made = run(
        "pandoc",
        &[
            &format!("{ROOT}/tests/import/pandoc.md"),
            "-o",
            "pandoc.docx",
        ],
        office.path(),
    );
    assert!(
        made.status.success(),
        "pandoc could not write the document ({INSTALL_HINT}):\n{}",
        text(&made.stderr)
    );
    import_and_check(office.path(), "pandoc.docx", "2021-10-27", "pandoc");
}

#[test]
fn import_never_overwrites_a_bulletin() {
    let office = office();
    let made = run(
        "pandoc",
        &[
            &format!("{ROOT}/tests/import/pandoc.md"),
            "-o",
            "pandoc.docx",
        ],
        office.path(),
    );
    assert!(made.status.success(), "{INSTALL_HINT}");
    let existing = office.path().join("bulletins/2021-10-27.yaml");
    std::fs::write(&existing, "title: mine\n").unwrap();
    let out = bulletin(
        &[
            "import",
            "pandoc.docx",
            "--date",
            "2021-10-27",
            "--dir",
            "bulletins",
        ],
        office.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already exists: nothing was written"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "title: mine\n");
}

#[test]
fn a_file_that_is_not_a_word_document_is_refused() {
    let office = office();
    std::fs::write(office.path().join("notes.docx"), "just text").unwrap();
    let out = bulletin(
        &[
            "import",
            "notes.docx",
            "--date",
            "2021-10-27",
            "--dir",
            "bulletins",
        ],
        office.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a Word document (.docx)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!office.path().join("bulletins/2021-10-27.yaml").exists());
}

/// The imported issue is numbered as `bulletin new` numbers one: one more than the latest issue
/// of its folder (the latest's `issue: 114`, the new one's `issue: 115`).
#[test]
fn an_imported_issue_gets_the_next_number() {
    let office = office();
    let latest = std::fs::read_to_string(format!("{ROOT}/bulletins/2021-10-20.yaml"))
        .unwrap()
        .replacen(
            "\ndate: 2021-10-20\n",
            "\ndate: 2021-10-20\nissue: 114\n",
            1,
        );
    assert!(latest.contains("\nissue: 114\n"));
    std::fs::write(office.path().join("bulletins/2021-10-20.yaml"), latest).unwrap();
    let made = run(
        "python3",
        &[
            &format!("{ROOT}/tests/import/make_docx.py"),
            "python-docx.docx",
        ],
        office.path(),
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let out = bulletin(
        &["import", "python-docx.docx", "--dir", "bulletins"],
        office.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = std::fs::read_to_string(office.path().join("bulletins/2021-10-27.yaml")).unwrap();
    assert!(yaml.contains("\ndate: 2021-10-27\nissue: 115\n"), "{yaml}");
}
