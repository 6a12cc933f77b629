//! The product itself, pinned: what `bulletin render` writes (the HTML email, the plain-text
//! email and the complete `.eml` message) for the example bulletin and for each fixture that
//! renders, compared byte for byte with `tests/snapshots/render/`. Any change to the email shows
//! in review as a change to those files; write them again after an intended change with
//! `SNAPSHOTS=overwrite cargo test --features test-hooks --test suite -- render::`.
//!
//! Two things are not the bulletin's own and are set aside: the `Date:` header (the moment of
//! rendering) becomes `Date: [rendered]`, and the HTML, one long line as sent, is stored with a
//! line break between tags (`>` `<`) so a diff shows which element changed.

use std::path::Path;
use std::process::Command;

use crate::common::snapshot::assert_snapshot;

/// Every bulletin whose rendering is pinned, by the name its snapshots are kept under.
const BULLETINS: &[(&str, &str)] = &[
    ("example", "bulletins/2021-10-20.yaml"),
    ("email-fixture", "tests/fixtures/email/2021-11-03.yaml"),
    (
        "calendar-earlier-issue",
        "tests/fixtures/calendar/office/bulletins/2021-03-24.yaml",
    ),
    (
        "unsubscribe-one-click",
        "tests/fixtures/check/unsubscribe-one-click/2021-10-20.yaml",
    ),
    (
        "unsubscribe-mailto-only",
        "tests/fixtures/check/unsubscribe-mailto-only/2021-10-20.yaml",
    ),
    (
        "no-archive-url",
        "tests/fixtures/check/dates-no-archive-url/2021-10-20.yaml",
    ),
    (
        "dates-past-item",
        "tests/fixtures/check/dates/past-item.yaml",
    ),
    (
        "dates-until-before-date",
        "tests/fixtures/check/dates/until-before-date.yaml",
    ),
    (
        "dates-end-not-after-time",
        "tests/fixtures/check/dates/end-not-after-time.yaml",
    ),
    (
        "lint-click-here",
        "tests/fixtures/check/lint/click-here.yaml",
    ),
    (
        "lint-comment-after-text",
        "tests/fixtures/check/lint/comment-after-text.yaml",
    ),
    (
        "lint-duplicate-section-titles",
        "tests/fixtures/check/lint/duplicate-section-titles.yaml",
    ),
    (
        "lint-pdf-link-without-pdf",
        "tests/fixtures/check/lint/pdf-link-without-pdf.yaml",
    ),
    (
        "lint-section-dated-after-bulletin",
        "tests/fixtures/check/lint/section-dated-after-bulletin.yaml",
    ),
    (
        "lint-word-bullets",
        "tests/fixtures/check/lint/word-bullets.yaml",
    ),
    (
        "not-dated-name",
        "tests/fixtures/identity/archive-different/bulletins/special.yaml",
    ),
    (
        "same-date-second-issue",
        "tests/fixtures/identity/send-same-date/bulletins/practice-update.yaml",
    ),
];

#[test]
fn rendered_email_is_as_pinned() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, bulletin) in BULLETINS {
        let out = tempfile::tempdir().unwrap();
        let run = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .current_dir(root)
            .arg("render")
            .arg(bulletin)
            .arg("--out")
            .arg(out.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "render {bulletin} failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut files: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let extensions: Vec<_> = files
            .iter()
            .map(|f| f.extension().unwrap().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(extensions, ["eml", "html", "txt"], "{bulletin}");
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let ext = file.extension().unwrap().to_str().unwrap();
            let pinned = match ext {
                "html" => html_lines(&bytes),
                "eml" => without_date(&bytes),
                _ => bytes,
            };
            assert_snapshot(&format!("tests/snapshots/render/{name}.{ext}"), &pinned);
        }
    }
}

/// The HTML with a line break between every two tags that touch, so a diff names the element.
fn html_lines(html: &[u8]) -> Vec<u8> {
    let html = std::str::from_utf8(html).unwrap();
    assert!(
        !html.contains('\n'),
        "the HTML now has line breaks: html_lines can no longer be undone"
    );
    html.replace("><", ">\n<").into_bytes()
}

/// The message with its `Date:` header (the moment it was rendered) replaced by a marker.
fn without_date(eml: &[u8]) -> Vec<u8> {
    let eml = std::str::from_utf8(eml).unwrap();
    let start = eml.find("Date: ").expect("the message has a Date header");
    assert!(start == 0 || eml[..start].ends_with("\r\n"));
    let end = start + eml[start..].find("\r\n").unwrap();
    format!("{}Date: [rendered]{}", &eml[..start], &eml[end..]).into_bytes()
}
