//! The email as readers' screens show it: `tests/browser/email-check.mjs` (Node and
//! playwright-core driving Debian's `/usr/bin/chromium`) opens the HTML that `bulletin render`
//! writes for the example bulletin and for `tests/fixtures/email` (a logo, the message after the
//! introduction, a pasted Teams link, long words, long link texts, lists inside lists, key dates
//! with a Teams link and long words, in the list and in their sections) at 320,
//! 375 and 800 px, in light and in dark mode, and checks that the page never scrolls sideways,
//! that every visible text reaches WCAG AA contrast against what is behind it (computed styles,
//! not a list of colour pairs), that phones get the same side margins on the header, cards and
//! footer, and that the logo is shown; that every in-page link has a named anchor, that with
//! `<style>` removed every text still reaches AA in light mode, and that at 375 px the example's
//! first item starts at most 900 px down (it was 1,290). Screenshots of each are kept in
//! `target/email-shots/`.
//!
//! Without Node, Chromium or `tests/browser/node_modules` it fails, telling to run
//! `scripts/install-test-deps.sh`.

use crate::common::needs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `bulletin render BULLETIN --out DIR`: the HTML file it wrote.
fn render(bulletin: &str, out: &Path) -> PathBuf {
    let done = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .arg("render")
        .arg(Path::new(ROOT).join(bulletin))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "render {bulletin}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "html"))
        .expect("render wrote an .html file")
}

#[test]
fn the_email_reads_well_on_every_screen_in_light_and_dark() {
    needs::browser();
    let dir = tempfile::tempdir().unwrap();
    let (example, fixture) = (dir.path().join("example"), dir.path().join("fixture"));
    let example = render("bulletins/2021-10-20.yaml", &example);
    let fixture = render("tests/fixtures/email/2021-11-03.yaml", &fixture);
    let shots = Path::new(ROOT).join("target/email-shots");
    let out = Command::new("node")
        .arg("tests/browser/email-check.mjs")
        .arg("--shots")
        .arg(&shots)
        // Issue 25: the example's first item on a phone's first screen (it was 1,290 px down).
        .arg("--first-item")
        .arg("example=900")
        .arg(format!("example={}", example.display()))
        .arg(format!("fixture={}", fixture.display()))
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser check failed ({}):\n--- stdout\n{stdout}--- stderr\n{stderr}",
        out.status
    );
    println!("{stdout}");
}
