//! What people paste into the desk: `src/desk/paste.js` turns clipboard HTML from Word, Outlook,
//! Google Docs and web pages into the bulletin's Markdown. `tests/browser/paste-check.mjs` runs it
//! in Debian's Chromium on every `tests/fixtures/paste/NAME.html` (the Markdown must be `NAME.md`,
//! what was dropped `NAME.dropped.txt`) and through a real Control+V of Word's clipboard into a
//! text field. Then each Markdown it produced goes into a section's body, and
//! `bulletin check --strict` must accept it: nothing the converter writes is an error or a warning.
//!
//! Without Node, Chromium or `tests/browser/node_modules` it fails, telling to run
//! `scripts/install-test-deps.sh`.

use crate::common::needs;
use std::path::Path;
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A bulletin whose one section's body is `markdown`, indented under `body: |`.
fn bulletin_with_body(markdown: &str) -> String {
    let body: String = markdown
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("      {l}\n")
            }
        })
        .collect();
    format!(
        "title: Pasted text\ndate: 2021-10-20\nsections:\n  - title: Pasted\n    body: |\n{body}"
    )
}

#[test]
fn clipboard_html_becomes_markdown_that_check_accepts() {
    needs::browser();
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("node")
        .arg("tests/browser/paste-check.mjs")
        .args(["--script", "src/desk/paste.js"])
        .args(["--fixtures", "tests/fixtures/paste"])
        .arg("--out")
        .arg(out.path())
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "the browser check failed ({}):\n--- stdout\n{stdout}--- stderr\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{stdout}");

    let office = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(ROOT).join("bulletins/publisher.yaml"),
        office.path().join("publisher.yaml"),
    )
    .unwrap();
    let mut converted: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    converted.sort();
    assert!(
        converted.len() >= 6,
        "every fixture and the paste were written: {converted:?}"
    );
    for md in converted {
        let markdown = std::fs::read_to_string(&md).unwrap();
        let file = office.path().join("2021-10-20.yaml");
        std::fs::write(&file, bulletin_with_body(&markdown)).unwrap();
        let check = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(["check", "--strict"])
            .arg(&file)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "bulletin check --strict refuses the Markdown made from {}:\n{}",
            md.display(),
            String::from_utf8_lossy(&check.stderr)
        );
    }
}
