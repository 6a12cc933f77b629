//! Integration tests for `bulletin check` on bad input, run through the real binary.
//!
//! Each bad bulletin in `tests/fixtures/check/` holds one problem (or, in `many-problems.yaml`
//! and `2021-11-03-week-of-mistakes.yaml`, several), and each test asserts the exit code, the `file:line:col:` the problem is reported
//! at and a key phrase of the message. Warnings (lints) must pass without `--strict` and fail
//! with it. Also covered: the good example passes `--strict`, `check` writes nothing, and
//! `bulletin new` writes a skeleton that passes `check` and is never overwritten.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bad bulletins, with a good `publisher.yaml` beside them.
const BAD: &str = "tests/fixtures/check/bad";
/// Valid bulletins that only draw warnings, with a good `publisher.yaml` beside them.
const LINT: &str = "tests/fixtures/check/lint";
/// The good example and its publisher.
const EXAMPLE: &str = "bulletins/2021-10-20.yaml";
const PUBLISHER: &str = "bulletins/publisher.yaml";

/// Runs the binary from the crate's root with `args`: (exit code, stdout, stderr).
fn bulletin<S: AsRef<OsStr>>(args: &[S]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the bulletin binary runs");
    (
        out.status.code().expect("the binary exits with a code"),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

/// `bulletin check FILE` (with `--strict` if asked): (exit code, stdout, stderr).
fn check(file: impl AsRef<Path>, strict: bool) -> (i32, String, String) {
    let file = file.as_ref().as_os_str();
    if strict {
        bulletin(&[OsStr::new("check"), file, OsStr::new("--strict")])
    } else {
        bulletin(&[OsStr::new("check"), file])
    }
}

fn bad(name: &str) -> String {
    format!("{BAD}/{name}")
}

/// Checks a bad bulletin, which must fail with nothing on stdout; returns stderr.
fn check_fails(file: &str) -> String {
    let (code, out, err) = check(file, false);
    assert_eq!(code, 1, "`check {file}` should fail; stderr:\n{err}");
    assert!(out.is_empty(), "nothing on stdout on failure, got:\n{out}");
    err
}

#[track_caller]
fn assert_reports(stderr: &str, expected: &[&str]) {
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in stderr:\n{stderr}");
    }
}

/// A lint: a warning (exit 0, still `ok`) without `--strict`, an error (exit 1) with it.
/// `at` is the start of the position (`"7:"` or `"8:12:"`).
#[track_caller]
fn assert_lint(name: &str, at: &str, phrase: &str) {
    let file = format!("{LINT}/{name}");
    for (strict, code_wanted, kind, count) in [
        (false, 0, "warning", "1 warning"),
        (true, 1, "error", "1 error: nothing was written"),
    ] {
        let (code, out, err) = check(&file, strict);
        assert_eq!(code, code_wanted, "strict: {strict}; stderr:\n{err}");
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("{file}:{at}")))
            .unwrap_or_else(|| panic!("nothing reported at {file}:{at} in:\n{err}"));
        assert!(
            line.ends_with(&format!(" {kind}: {phrase}")),
            "expected `{kind}: {phrase}` in {line:?}"
        );
        assert_eq!(err.lines().last(), Some(count), "stderr:\n{err}");
        if strict {
            assert!(out.is_empty(), "nothing on stdout on failure, got:\n{out}");
        } else {
            assert!(out.starts_with(&format!("{file}: ok (")), "stdout: {out}");
        }
    }
}

/// The file names in `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A temporary folder holding a copy of the good `publisher.yaml`.
fn dir_with_publisher() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(root.join(PUBLISHER), dir.path().join("publisher.yaml")).unwrap();
    dir
}

// YAML that cannot be read.

#[test]
fn syntax_error_unquoted_colon_in_value_is_reported_on_its_line() {
    let file = bad("syntax-colon-in-value.yaml");
    let err = check_fails(&file);
    // Only the line: the column of syntax errors is off by one (see the report).
    assert_reports(
        &err,
        &[
            &format!("{file}:1:"),
            "error: YAML syntax error: mapping values are not allowed",
            "must be put in quotes",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn syntax_error_bad_indentation_is_reported_on_its_line() {
    let file = bad("syntax-bad-indentation.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:5:"),
            "error: YAML syntax error",
            "help: check the indentation",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn tab_used_for_indentation_is_reported_at_the_tab() {
    let file = bad("tab-indentation.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:5:3: error: a tab is used for indentation"),
            "replace the tab with spaces",
            "1 error: nothing was written",
        ],
    );
}

// Unknown keys.

#[test]
fn unknown_top_level_key_suggests_the_key_meant() {
    let file = bad("unknown-key-top-level.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!(
                "{file}:1:1: error: unknown key `titel` in the bulletin\n  help: did you mean `title`?"
            ),
            // With `title` misspelt, the bulletin has none.
            "error: the bulletin has no `title`",
            "2 errors: nothing was written",
        ],
    );
}

#[test]
fn unknown_key_in_a_section_suggests_the_key_meant() {
    let file = bad("unknown-key-in-section.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!(
                "{file}:5:5: error: unknown key `bdy` in section 1\n  help: did you mean `body`?"
            ),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn unknown_key_in_a_link_lists_the_keys_allowed() {
    let file = bad("unknown-key-in-link.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:9:9: error: unknown key `title` in link 1 of section 1"),
            "help: the keys allowed here are: text, url",
            "1 error: nothing was written",
        ],
    );
}

// Missing keys. A missing key is reported at the mapping that lacks it: only the line is
// asserted, as the column points into the first key of that mapping (see the report).

#[test]
fn bulletin_without_title_is_rejected() {
    let file = bad("no-title.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:1:"),
            "error: the bulletin has no `title`",
            "help: add a line `title: ",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn bulletin_without_date_is_rejected() {
    let file = bad("no-date.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:1:"),
            "error: the bulletin has no `date`",
            "help: add a line `date: 2021-10-20`",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn bulletin_without_sections_is_rejected() {
    let file = bad("no-sections.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:1:"),
            "error: the bulletin has no `sections`",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn section_without_title_is_reported_at_the_section() {
    let file = bad("section-without-title.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:6:"),
            "error: section 2 has no `title`",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn link_without_url_is_reported_at_the_link() {
    let file = bad("link-without-url.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:7:"),
            "error: link 1 of section 1 has no `url`",
            "1 error: nothing was written",
        ],
    );
}

// Wrong types.

#[test]
fn sections_given_as_text_is_rejected() {
    let file = bad("sections-as-text.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:3:11: error: `sections` should be a list, but this is text"),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn title_given_as_a_list_is_rejected_where_the_list_starts() {
    let file = bad("title-as-list.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:2:3: error: `title` should be text, but this is a list"),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn issue_that_is_not_a_number_is_rejected() {
    let file = bad("issue-not-a-number.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:3:8: error: `issue` should be a whole number"),
            "not `abc`",
            "1 error: nothing was written",
        ],
    );
}

// Dates.

#[test]
fn date_that_is_not_a_real_day_is_rejected() {
    let file = bad("date-not-a-real-day.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:2:7: error: `date`: `2021-02-30` is not a real date"),
            "February 2021 has 28 days",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn section_date_not_in_yyyy_mm_dd_form_is_rejected() {
    let file = bad("date-in-wrong-form.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!(
                "{file}:5:11: error: `date`: `20/10/2021` is not a date in the form YYYY-MM-DD"
            ),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn empty_sections_list_is_rejected() {
    let file = bad("empty-sections.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:3:11: error: the bulletin has no sections"),
            "1 error: nothing was written",
        ],
    );
}

// Web addresses.

#[test]
fn http_link_is_rejected_as_not_secure() {
    let file = bad("link-http.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:8:14: error: `http://www.example.org/plan.pdf` is not secure (http:)"),
            "help: use the https:// address",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn link_without_scheme_is_rejected() {
    let file = bad("link-without-scheme.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:8:14: error: `www.example.org` is not a full web address"),
            "links must start with https://",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn http_links_in_markdown_bodies_are_rejected() {
    let file = bad("body-link-http.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            "`http://www.example.org/plan` is not secure (http:)",
            // A one-line body: the position is that of the link itself.
            &format!("{file}:8:15: error: `http://www.example.org/letter` is not secure (http:)"),
            "2 errors: nothing was written",
        ],
    );
}

#[test]
fn http_link_in_a_block_body_is_reported_on_its_own_line() {
    let file = bad("body-link-http.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[&format!(
            "{file}:6:12: error: `http://www.example.org/plan` is not secure (http:)"
        )],
    );
}

// Markdown.

#[test]
fn raw_html_in_markdown_bodies_is_rejected() {
    let file = bad("html-in-body.yaml");
    let err = check_fails(&file);
    // `<b>`, `</b>` and the `<div>` block.
    assert_eq!(
        err.matches("error: raw HTML is not allowed in the text")
            .count(),
        3,
        "{err}"
    );
    assert_reports(
        &err,
        &[
            "help: use Markdown instead",
            "3 errors: nothing was written",
        ],
    );
}

#[test]
fn raw_html_in_a_block_body_is_reported_on_its_own_line() {
    let file = bad("html-in-body.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:8:13: error: raw HTML is not allowed in the text"),
            &format!("{file}:8:19: error: raw HTML is not allowed in the text"),
            &format!("{file}:11:7: error: raw HTML is not allowed in the text"),
        ],
    );
}

// Files that are not bulletins at all.

#[test]
fn file_that_is_not_utf8_is_reported_on_line_1() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    fs::write(&file, b"title: caf\xe9\ndate: 2021-10-20\n").unwrap();
    let (code, out, err) = check(&file, false);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_reports(
        &err,
        &[
            &format!("{}:1:11: error: the file is not UTF-8 text", file.display()),
            "help: save it as UTF-8",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn empty_file_is_rejected() {
    let file = bad("empty.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}: error: the file is empty"),
            "help: start from a skeleton: bulletin new",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn file_of_only_comments_is_rejected_as_empty() {
    let file = bad("only-comments.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}: error: the file is empty"),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn missing_bulletin_file_is_reported() {
    let file = bad("no-such-bulletin.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}: error: cannot read the file"),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn every_problem_in_a_file_is_reported_in_one_run() {
    let file = bad("many-problems.yaml");
    let err = check_fails(&file);
    let expected = [
        format!("{file}:1:1: error: unknown key `titel` in the bulletin"),
        format!("{file}:1:"), // the bulletin then has no `title`
        format!("{file}:2:7: error: `date`: `2021-02-30` is not a real date"),
        format!("{file}:3:8: error: `issue` should be a whole number"),
        format!("{file}:9:14: error: `http://www.example.org/plan.pdf` is not secure"),
        format!("{file}:10:"), // section 2 has no `title`
    ];
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(
        lines.len(),
        expected.len() + 1,
        "six problems and a count:\n{err}"
    );
    for (line, want) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(want.as_str()),
            "expected {want:?}, got {line:?}\n{err}"
        );
    }
    assert_reports(&err, &["has no `title`", "section 2 has no `title`"]);
    assert_eq!(lines[6], "6 errors: nothing was written");
}

// publisher.yaml.

#[test]
fn unknown_key_in_publisher_is_reported_in_publisher_yaml() {
    let err = check_fails("tests/fixtures/check/publisher-unknown-key/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/publisher-unknown-key/publisher.yaml:8:1: error: unknown key `websit` in the publisher settings\n  help: did you mean `website`?",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn invalid_from_address_in_publisher_is_reported_in_publisher_yaml() {
    let err = check_fails("tests/fixtures/check/publisher-bad-from/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/publisher-bad-from/publisher.yaml:6:7: error: `from`: `Essex LMCs <bulletin.example.org>` is not a valid email address",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn too_light_colour_in_publisher_is_reported_in_publisher_yaml() {
    let err = check_fails("tests/fixtures/check/publisher-light-colour/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/publisher-light-colour/publisher.yaml:18:9: error: `colour` #FFFF00 is too light to read on white",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn missing_publisher_yaml_is_reported() {
    let err = check_fails("tests/fixtures/check/no-publisher/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/no-publisher/publisher.yaml: error: the publisher settings file is missing",
            "help: create publisher.yaml beside the bulletin",
            "1 error: nothing was written",
        ],
    );
}

// Lints: warnings, errors with --strict. Links in a link list are reported at their item, whose
// column points into `text:`, so only the line is asserted for them.

#[test]
fn click_here_link_text_is_a_warning_and_strict_error() {
    assert_lint(
        "click-here.yaml",
        "7:",
        "the link text “Click here” does not say where it goes",
    );
}

#[test]
fn pdf_link_whose_text_lacks_pdf_is_a_warning_and_strict_error() {
    assert_lint(
        "pdf-link-without-pdf.yaml",
        "7:",
        "the link “The plan for improving access” opens a PDF but does not say so",
    );
}

#[test]
fn duplicate_section_titles_are_a_warning_and_strict_error() {
    assert_lint(
        "duplicate-section-titles.yaml",
        "8:12: ",
        "section 3 has the same title as the section on line 4",
    );
}

#[test]
fn section_dated_after_the_bulletin_is_a_warning_and_strict_error() {
    assert_lint(
        "section-dated-after-bulletin.yaml",
        "5:11: ",
        "section 1 is dated 2021-10-27, after the bulletin's date 2021-10-20",
    );
}

// Everyday mistakes that YAML or Markdown would otherwise swallow without a word.

#[test]
fn hash_touching_a_word_in_a_title_is_an_error_at_the_hash() {
    let file = bad("hash-in-title.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:1:14: error: `title` stops before `#113 - winter update`"),
            "help: put the text in double quotes: title: \"Issue #113 - winter update\"",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn comment_after_text_is_a_warning_and_strict_error() {
    assert_lint(
        "comment-after-text.yaml",
        "3:39: ",
        "`summary` stops before `# ask Brian about the figures`: in YAML a space followed by # starts a comment, and the rest of the line is left out",
    );
}

#[test]
fn hash_in_the_publisher_name_is_reported_in_publisher_yaml() {
    let err = check_fails("tests/fixtures/check/publisher-hash-in-name/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/publisher-hash-in-name/publisher.yaml:5:18: error: `name` stops before `#SupportGP`",
            "help: put the text in double quotes: name: \"Essex LMCs #SupportGP\"",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn hash_in_a_list_name_is_reported_but_notes_after_addresses_are_not() {
    let file = "tests/fixtures/check/recipients-hash-in-name/hash-in-name.recipients.yaml";
    let (code, _, err) = bulletin(&["check", "--recipients", file]);
    assert_eq!(code, 1, "stderr:\n{err}");
    assert_reports(
        &err,
        &[
            &format!("{file}:11:29: error: `name` stops before `#PM`"),
            // `host: ... # from the IT team` and `- Ann ... # Chelmsford` are notes, not text.
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn bullets_pasted_from_word_are_a_warning_and_strict_error() {
    assert_lint(
        "word-bullets.yaml",
        "7:7: ",
        "`•` at the start of a line is taken as a bullet point",
    );
}

#[test]
fn a_table_is_an_error_at_its_first_line() {
    let file = bad("table-in-body.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:8:7: error: tables (lines of `|`) cannot be shown in the bulletin"),
            "help: write each row as a bullet point instead",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_line_indented_into_a_code_block_is_an_error_at_the_line() {
    let file = bad("indented-line.yaml");
    let err = check_fails(&file);
    // Line 7, indented under its bullet, is a continuation and is not reported.
    assert_reports(
        &err,
        &[
            &format!("{file}:11:11: error: this line starts with 4 or more spaces"),
            "help: remove the spaces at the start of the line; to continue a bullet point, indent it 2 spaces under the bullet's text",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_body_over_several_lines_without_a_bar_is_an_error() {
    let file = bad("body-without-bar.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:5:11: error: `body` runs over several lines without `|`"),
            "help: write `body: |` and the text on the lines below",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_folded_body_is_an_error_at_its_indicator() {
    let file = bad("body-folded.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:5:9: error: the message's `body` is written with `>`"),
            "help: write `|` instead of `>`",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_bare_http_address_in_a_body_is_checked_like_a_link() {
    let file = bad("bare-http-address.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:6:47: error: `http://www.england.nhs.uk/plan` is not secure (http:)"),
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_date_other_than_the_file_name_is_an_error_at_the_date() {
    let file = bad("2021-10-27-copied-from-last-week.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!(
                "{file}:2:7: error: `date` is 2021-10-20, but the file is named for 2021-10-27"
            ),
            "help: this file is named for 2021-10-27: change `date:` to 2021-10-27, or rename the file",
            "1 error: nothing was written",
        ],
    );
}

#[test]
fn a_week_of_mistakes_is_reported_in_one_run() {
    let file = bad("2021-11-03-week-of-mistakes.yaml");
    let err = check_fails(&file);
    let expected = [
        "2:14: error: `title` stops before `#114",
        "3:7: error: `date` is 2021-10-27, but the file is named for 2021-11-03",
        "4:74: warning: `summary` stops before `# check hours with Sue`",
        "10:9: error: the message's `body` is written with `>`",
        "20:7: warning: `•` at the start of a line",
        "21:7: warning: `•` at the start of a line",
        "22:9: warning: `–` at the start of a line",
        "28:11: error: `body` runs over several lines without `|`",
        "36:7: error: tables",
        "43:56: error: `http://www.example.org/training` is not secure",
        "45:11: error: this line starts with 4 or more spaces",
    ];
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(&file)).collect();
    assert_eq!(lines.len(), expected.len(), "{err}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(&format!("{file}:{want}")),
            "expected {want:?}, got {line:?}"
        );
    }
    assert_eq!(
        err.lines().last(),
        Some("7 errors, 4 warnings: nothing was written")
    );
}

// Good input.

#[test]
fn good_example_passes_strict_check_without_warnings() {
    let (code, out, err) = check(EXAMPLE, true);
    assert_eq!(code, 0, "stderr:\n{err}");
    assert!(err.is_empty(), "no warnings expected:\n{err}");
    assert!(
        out.starts_with(&format!("{EXAMPLE}: ok (")),
        "stdout: {out}"
    );
}

#[test]
fn check_writes_no_files() {
    let dir = dir_with_publisher();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copies: Vec<PathBuf> = [
        EXAMPLE.to_string(),
        format!("{LINT}/click-here.yaml"),
        bad("many-problems.yaml"),
    ]
    .iter()
    .map(|f| {
        let to = dir.path().join(Path::new(f).file_name().unwrap());
        fs::copy(root.join(f), &to).unwrap();
        to
    })
    .collect();
    let before = listing(dir.path());
    let fixtures_before = listing(&root.join(BAD));
    // Exit codes without and with --strict: good, warnings only, errors.
    for (file, codes) in copies.iter().zip([[0, 0], [0, 1], [1, 1]]) {
        for (strict, want) in [false, true].into_iter().zip(codes) {
            let (code, _, err) = check(file, strict);
            assert_eq!(code, want, "{} (strict: {strict}):\n{err}", file.display());
        }
    }
    let (code, _, _) = check(bad("html-in-body.yaml"), false);
    assert_eq!(code, 1);
    assert_eq!(
        listing(dir.path()),
        before,
        "check wrote into the bulletin's folder"
    );
    assert_eq!(
        listing(&root.join(BAD)),
        fixtures_before,
        "check wrote into the fixtures"
    );
}

// `bulletin new`.

#[test]
fn new_writes_a_skeleton_that_passes_check() {
    let dir = dir_with_publisher();
    let (code, out, err) = bulletin(&[
        OsStr::new("new"),
        OsStr::new("--date"),
        OsStr::new("2021-10-27"),
        OsStr::new("--dir"),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 0, "stderr:\n{err}");
    let file = dir.path().join("2021-10-27.yaml");
    assert!(
        file.is_file(),
        "new should write {}; stdout:\n{out}",
        file.display()
    );
    let (code, out, err) = check(&file, false);
    assert_eq!(code, 0, "the skeleton should pass check; stderr:\n{err}");
    assert!(out.contains(": ok ("), "stdout: {out}");
}

#[test]
fn new_refuses_to_overwrite_an_existing_bulletin() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        OsStr::new("new"),
        OsStr::new("--date"),
        OsStr::new("2021-10-27"),
        OsStr::new("--dir"),
        dir.path().as_os_str(),
    ];
    let (code, _, err) = bulletin(&args);
    assert_eq!(code, 0, "stderr:\n{err}");
    let file = dir.path().join("2021-10-27.yaml");
    fs::write(&file, "title: edited by the office\n").unwrap();
    let (code, _, err) = bulletin(&args);
    assert_eq!(code, 1, "a second `new` for the same date must fail");
    assert_reports(&err, &["already exists"]);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "title: edited by the office\n",
        "the existing bulletin was overwritten"
    );
}

#[test]
fn new_rejects_an_impossible_date() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bulletin(&[
        OsStr::new("new"),
        OsStr::new("--date"),
        OsStr::new("2021-13-01"),
        OsStr::new("--dir"),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert_reports(&err, &["2021-13-01", "month 13"]);
    assert!(listing(dir.path()).is_empty(), "nothing should be written");
}

#[test]
fn an_html_part_gmail_would_clip_is_a_warning_and_strict_error() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    let mut yaml = String::from("title: A long one\ndate: 2021-10-20\nsections:\n");
    for i in 0..60 {
        yaml.push_str(&format!("  - title: Section {i}\n    body: |\n"));
        for _ in 0..8 {
            yaml.push_str("      - A point that goes on for a while, as points in long bulletins often do, and then some more.\n");
        }
    }
    fs::write(&file, yaml).unwrap();
    let (code, stdout, stderr) = check(&file, false);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: the HTML email is") && stderr.contains("Gmail"),
        "{stderr}"
    );
    assert!(stdout.contains("ok"));
    let (code, _, stderr) = check(&file, true);
    assert_eq!(code, 1);
    assert!(stderr.contains("error: the HTML email is"), "{stderr}");
}
