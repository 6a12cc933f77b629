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

/// One problem as the binary prints it (the way cargo does):
///
/// ```text
/// error: unknown key `bdy` in section 1
///  --> tests/fixtures/check/bad/unknown-key-in-section.yaml:5:5
///   |
/// 5 |     bdy: |
///   |     ^^^
///   |
///   = help: did you mean `body`?
/// ```
#[derive(Debug, Default)]
struct Reported {
    /// `error: unknown key ...` (the first line).
    header: String,
    /// `path:5:5`, or just `path` for a problem with the whole file.
    location: String,
    /// The quoted source line and the caret line under it.
    snippet: Option<(String, String)>,
    help: Option<String>,
}

/// Every problem in the binary's stderr, in order.
fn parse_reports(stderr: &str) -> Vec<Reported> {
    let mut out: Vec<Reported> = Vec::new();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("error: ") || line.starts_with("warning: ") {
            out.push(Reported {
                header: line.to_string(),
                ..Reported::default()
            });
            continue;
        }
        let Some(r) = out.last_mut() else { continue };
        let trimmed = line.trim_start();
        if let Some(at) = trimmed.strip_prefix("--> ") {
            r.location = at.to_string();
        } else if let Some(help) = trimmed.strip_prefix("= help: ") {
            r.help = Some(help.to_string());
        } else if let Some((number, text)) = line.split_once(" | ")
            && number.trim().parse::<usize>().is_ok()
        {
            let carets = lines.next().unwrap_or("");
            let carets = carets.split_once('|').map_or("", |(_, c)| c);
            r.snippet = Some((
                text.to_string(),
                carets.strip_prefix(' ').unwrap_or(carets).to_string(),
            ));
        }
    }
    out
}

/// Whether `line` is a count such as `2 errors, 1 warning` or `1 error: nothing was written`.
fn is_summary(line: &str) -> bool {
    let counts = line.split(": ").next().unwrap_or("");
    !counts.is_empty()
        && counts.split(", ").all(|part| {
            matches!(part.split_once(' '), Some((n, kind))
                if n.parse::<usize>().is_ok()
                    && ["error", "errors", "warning", "warnings"].contains(&kind))
        })
}

/// Asserts that each of `expected` is in stderr. Three forms:
/// - `"path:3:5: error: message"` (optionally followed by `"\n  help: text"`): a problem with that
///   location, whose header starts with `error: message` (and whose help starts with `text`);
///   `"path: error: message"` for a problem with the whole file;
/// - a count, `"2 errors"` or `"1 error"`: the last line, exactly;
/// - anything else, such as `"path:3:5"` or `"help: use Markdown"`: a part of stderr.
#[track_caller]
fn assert_reports(stderr: &str, expected: &[&str]) {
    let reports = parse_reports(stderr);
    for e in expected {
        if is_summary(e) {
            assert_eq!(
                stderr.lines().last(),
                Some(*e),
                "the count, in stderr:\n{stderr}"
            );
            continue;
        }
        let (first, help) = match e.split_once("\n  help: ") {
            Some((first, help)) => (first, Some(help)),
            None => (*e, None),
        };
        let structured = [": error: ", ": warning: "].iter().find_map(|kind| {
            let (location, message) = first.split_once(kind)?;
            Some((
                location,
                format!("{}: {message}", kind.trim_matches([' ', ':'])),
            ))
        });
        let Some((location, header)) = structured else {
            assert!(stderr.contains(e), "expected {e:?} in stderr:\n{stderr}");
            continue;
        };
        let found = reports.iter().any(|r| {
            r.location == location
                && r.header.starts_with(&header)
                && help.is_none_or(|h| r.help.as_deref().is_some_and(|rh| rh.starts_with(h)))
        });
        assert!(
            found,
            "expected {header:?} at {location}{} in stderr:\n{stderr}",
            help.map_or(String::new(), |h| format!(" with help {h:?}"))
        );
    }
}

/// A lint: a warning (exit 0, still `ok`) without `--strict`, an error (exit 1) with it.
/// `at` is the start of the position (`"7:"` or `"8:12:"`).
#[track_caller]
fn assert_lint(name: &str, at: &str, phrase: &str) {
    let file = format!("{LINT}/{name}");
    for (strict, code_wanted, kind, count) in [
        (false, 0, "warning", "1 warning"),
        (true, 1, "error", "1 error"),
    ] {
        let (code, out, err) = check(&file, strict);
        assert_eq!(code, code_wanted, "strict: {strict}; stderr:\n{err}");
        let want = at.trim();
        let report = parse_reports(&err)
            .into_iter()
            .find(|r| {
                r.location
                    .strip_prefix(&format!("{file}:"))
                    .is_some_and(|pos| format!("{pos}:").starts_with(want))
            })
            .unwrap_or_else(|| panic!("nothing reported at {file}:{at} in:\n{err}"));
        assert_eq!(report.header, format!("{kind}: {phrase}"), "stderr:\n{err}");
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

/// A YAML syntax mistake: reported at the line and column where it was made, in words, with
/// what to type; never in the YAML reader's own terms.
#[track_caller]
fn assert_syntax(name: &str, at: &str, message: &str, help: &str) {
    let file = bad(name);
    let err = check_fails(&file);
    let reports = parse_reports(&err);
    assert_eq!(reports.len(), 1, "one problem:\n{err}");
    let r = &reports[0];
    assert_eq!(r.location, format!("{file}:{at}"), "{err}");
    assert_eq!(r.header, format!("error: {message}"), "{err}");
    assert!(
        r.help.as_deref().is_some_and(|h| h.contains(help)),
        "expected help containing {help:?}:\n{err}"
    );
    for jargon in [
        "mapping values",
        "block mapping",
        "block collection",
        "scalar",
        "indicator",
        "simple key",
        "token",
    ] {
        assert!(!err.contains(jargon), "parser jargon {jargon:?} in:\n{err}");
    }
    assert_eq!(err.lines().last(), Some("1 error"));
}

#[test]
fn a_colon_and_space_inside_a_value_asks_for_quotes() {
    assert_syntax(
        "syntax-colon-in-value.yaml",
        "1:24",
        "the text of `title` contains `: `, which YAML reads as the start of another key",
        "put the whole text in double quotes: title: \"Improving access: the plan\"",
    );
}

#[test]
fn a_section_key_indented_wrongly_is_reported_on_its_own_line() {
    assert_syntax(
        "syntax-bad-indentation.yaml",
        "5:4",
        "`body` is not lined up with `title` on line 4",
        "put 4 spaces before `body`",
    );
}

#[test]
fn a_section_key_under_the_dash_offers_both_readings() {
    assert_syntax(
        "syntax-key-under-dash.yaml",
        "5:3",
        "`body` starts at the `-` of the list item on line 4",
        "to add it to that item, put 4 spaces before it",
    );
}

#[test]
fn a_missing_space_after_a_colon_is_reported_on_that_line_not_the_next() {
    assert_syntax(
        "syntax-no-space-after-colon.yaml",
        "4:5",
        "there is no space after the colon in `title:Introduction`",
        "type a space after the colon: `title: Introduction`",
    );
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opens() {
    assert_syntax(
        "syntax-unclosed-quote.yaml",
        "1:8",
        "the \" that starts this text is never closed",
        "title: \"Improving access for patients\"",
    );
}

#[test]
fn a_list_item_out_of_line_is_reported_with_the_item_it_should_match() {
    assert_syntax(
        "syntax-list-item-indentation.yaml",
        "8:6",
        "this list item is not lined up with the one on line 6",
        "put 6 spaces before the `-`",
    );
}

#[test]
fn body_text_not_indented_enough_is_reported_on_its_line() {
    assert_syntax(
        "syntax-body-not-indented.yaml",
        "7:5",
        "this line is not indented enough to be part of the text of `body` on line 5",
        "put 6 spaces before it",
    );
}

#[test]
fn a_key_without_its_colon_is_reported_on_its_line_not_the_next() {
    assert_syntax(
        "syntax-missing-colon.yaml",
        "3:1",
        "this line has no colon: YAML expects `key: value` here",
        "add a colon after it: `sections:`",
    );
}

#[test]
fn text_after_a_closing_quote_asks_for_quotes_around_all_of_it() {
    assert_syntax(
        "syntax-text-after-quote.yaml",
        "4:29",
        "there is more text after the closing quote",
        "- title: '\"Rescue package\" is flawed'",
    );
}

#[test]
fn text_starting_with_a_bracket_asks_for_quotes() {
    assert_syntax(
        "syntax-starts-with-bracket.yaml",
        "1:8",
        "YAML reads text starting with `[` as a list or a set of keys",
        "title: \"[Draft] Weekly bulletin\"",
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
            "1 error",
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
            "2 errors",
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
            "1 error",
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
            "1 error",
        ],
    );
}

// Missing keys. A missing key is reported where the mapping that lacks it starts: its first key.

#[test]
fn bulletin_without_title_is_rejected() {
    let file = bad("no-title.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!("{file}:1:1: error: the bulletin has no `title`"),
            "help: add a line `title: ",
            "1 error",
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
            &format!("{file}:1:1: error: the bulletin has no `date`"),
            "help: add a line `date: 2021-10-20`",
            "1 error",
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
            &format!("{file}:1:1: error: the bulletin has no `sections`"),
            "1 error",
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
            &format!("{file}:6:5: error: section 2 has no `title`"),
            "1 error",
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
            &format!("{file}:7:9: error: link 1 of section 1 has no `url`"),
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "2 errors",
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
    assert_reports(&err, &["help: use Markdown instead", "3 errors"]);
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
            "1 error",
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
            "1 error",
        ],
    );
}

#[test]
fn file_of_only_comments_is_rejected_as_empty() {
    let file = bad("only-comments.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[&format!("{file}: error: the file is empty"), "1 error"],
    );
}

#[test]
fn missing_bulletin_file_is_reported() {
    let file = bad("no-such-bulletin.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[&format!("{file}: error: cannot read the file"), "1 error"],
    );
}

#[test]
fn every_problem_in_a_file_is_reported_in_one_run() {
    let file = bad("many-problems.yaml");
    let err = check_fails(&file);
    let expected = [
        ("1:1", "error: unknown key `titel` in the bulletin"),
        ("1:1", "error: the bulletin has no `title`"),
        ("2:7", "error: `date`: `2021-02-30` is not a real date"),
        ("3:8", "error: `issue` should be a whole number"),
        (
            "9:14",
            "error: `http://www.example.org/plan.pdf` is not secure",
        ),
        ("10:5", "error: section 2 has no `title`"),
    ];
    let reports = parse_reports(&err);
    assert_eq!(reports.len(), expected.len(), "six problems:\n{err}");
    for (r, (at, header)) in reports.iter().zip(expected) {
        assert_eq!(r.location, format!("{file}:{at}"), "{err}");
        assert!(
            r.header.starts_with(header),
            "expected {header:?}, got {:?}\n{err}",
            r.header
        );
        assert!(r.help.is_some(), "every problem says what to do:\n{err}");
        assert!(r.snippet.is_some(), "every problem shows its line:\n{err}");
    }
    assert_eq!(err.lines().last(), Some("6 errors"));
}

#[test]
fn the_line_is_shown_with_a_caret_under_the_column() {
    let file = bad("many-problems.yaml");
    let err = check_fails(&file);
    let reports = parse_reports(&err);
    let http = reports
        .iter()
        .find(|r| r.location == format!("{file}:9:14"))
        .expect("the http link is reported");
    let (text, carets) = http.snippet.as_ref().unwrap();
    assert_eq!(text, "        url: http://www.example.org/plan.pdf");
    // The carets start under column 14 and underline the address.
    assert_eq!(carets, &format!("{}{}", " ".repeat(13), "^".repeat(31)));
    // A problem with the whole file has no line to show.
    let err = check_fails(&bad("empty.yaml"));
    let reports = parse_reports(&err);
    assert_eq!(reports.len(), 1, "{err}");
    assert_eq!(reports[0].location, bad("empty.yaml"));
    assert!(reports[0].snippet.is_none(), "{err}");
}

#[test]
fn the_column_counts_characters_not_bytes() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    // `é` and `’` take several bytes each; the bad address starts at character 14 of line 6.
    fs::write(
        &file,
        "title: Café’s news\ndate: 2021-10-20\nsections:\n  - title: Thé\n    links:\n      - text: Né\n        url: http://example.org/é\n",
    )
    .unwrap();
    let (code, _, err) = check(&file, false);
    assert_eq!(code, 1, "{err}");
    let reports = parse_reports(&err);
    assert_eq!(
        reports[0].location,
        format!("{}:7:14", file.display()),
        "{err}"
    );
    let (_, carets) = reports[0].snippet.as_ref().unwrap();
    assert_eq!(carets.find('^'), Some(13), "{err}");
}

#[test]
fn control_characters_in_messages_are_escaped() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    fs::write(
        &file,
        "title: News\ndate: 2021-10-20\nissue: \"1\\e[2J\"\nsections:\n  - title: One\n",
    )
    .unwrap();
    let (code, _, err) = check(&file, false);
    assert_eq!(code, 1, "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "a raw escape reached the terminal:\n{err:?}"
    );
    assert_reports(
        &err,
        &["error: `issue` should be a whole number, such as 112, not `1\\u{1b}[2J`"],
    );
}

// publisher.yaml.

#[test]
fn unknown_key_in_publisher_is_reported_in_publisher_yaml() {
    let err = check_fails("tests/fixtures/check/publisher-unknown-key/bulletin.yaml");
    assert_reports(
        &err,
        &[
            "tests/fixtures/check/publisher-unknown-key/publisher.yaml:8:1: error: unknown key `websit` in the publisher settings\n  help: did you mean `website`?",
            "1 error",
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
            "1 error",
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
            "1 error",
        ],
    );
}

#[test]
fn a_logo_must_be_an_https_image_of_a_size_that_fits_with_a_text() {
    let dir = "tests/fixtures/check/publisher-bad-logo";
    let err = check_fails(&format!("{dir}/bulletin.yaml"));
    assert_reports(
        &err,
        &[
            &format!(
                "{dir}/publisher.yaml:11:8: error: the logo's `url` `http://www.example.org/images/logo.png` is not secure (http:)\n  help: give the image's https:// address"
            ),
            &format!(
                "{dir}/publisher.yaml:12:10: error: the logo's `width` should be a whole number of pixels from 1 to 536"
            ),
            &format!(
                "{dir}/publisher.yaml:13:3: error: unknown key `hieght` in `logo`\n  help: did you mean `height`?"
            ),
            &format!("{dir}/publisher.yaml:11:3: error: `logo` has no `height`"),
            &format!("{dir}/publisher.yaml:11:3: error: `logo` has no `alt`"),
            "5 errors",
        ],
    );
}

#[test]
fn a_logo_gmail_and_outlook_cannot_show_or_without_words_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = fs::read_to_string(root.join(PUBLISHER)).unwrap();
    fs::copy(
        root.join("tests/fixtures/check/publisher-bad-logo/bulletin.yaml"),
        dir.path().join("bulletin.yaml"),
    )
    .unwrap();
    fs::write(
        dir.path().join("publisher.yaml"),
        format!("{example}logo:\n  url: https://www.example.org/logo.svg\n  width: 180\n  height: 0\n  alt: \"\"\n"),
    )
    .unwrap();
    let (code, _, err) = check(dir.path().join("bulletin.yaml"), false);
    assert_eq!(code, 1, "{err}");
    for phrase in [
        "error: the logo is in SVG format, which Gmail and Outlook do not show",
        "error: the logo's `height` should be a whole number of pixels from 1 to 200",
        "error: the logo's `alt` is empty",
        "3 errors",
    ] {
        assert!(err.contains(phrase), "{phrase:?} not in:\n{err}");
    }
}

#[test]
fn the_message_can_only_follow_a_section_of_the_bulletin() {
    let file = bad("message-after-unknown-section.yaml");
    let err = check_fails(&file);
    assert_reports(
        &err,
        &[
            &format!(
                "{file}:5:10: error: `after` names no section of this bulletin: `Introductoin`\n  help: did you mean `Introduction`?"
            ),
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
            "1 error",
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
    let reports = parse_reports(&err);
    assert_eq!(reports.len(), expected.len(), "{err}");
    for (r, want) in reports.iter().zip(expected) {
        let (at, header) = want.split_once(": ").unwrap();
        assert_eq!(r.location, format!("{file}:{}", at.trim_end_matches(':')));
        assert!(r.header.starts_with(header), "expected {want:?}, got {r:?}");
    }
    assert_eq!(err.lines().last(), Some("7 errors, 4 warnings"));
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

/// Where each `[[placeholder]]` of a file is, as `line:column`, outside comments.
fn placeholders_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (at, _) in line.match_indices("[[") {
            out.push(format!("{}:{}", i + 1, line[..at].chars().count() + 1));
        }
    }
    out
}

/// The skeleton with every placeholder (outside comments) replaced by what an office would
/// write.
fn filled_in(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with('#') {
                l.to_string()
            } else {
                fill_line(l)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn fill_line(line: &str) -> String {
    let mut out = line.to_string();
    while let Some(start) = out.find("[[") {
        let end = start + out[start..].find("]]").expect("a closed placeholder") + 2;
        let asks = &out[start + 2..end - 2];
        let answer = [
            ("the title", "Flu vaccinations this winter"),
            (
                "one sentence",
                "What practices need to know about flu this week.",
            ),
            ("the name of the person", "Dr Sam Jones"),
            ("their role", "Chief Executive of Example LMCs"),
            ("the message", "Thank you all for your work this week."),
            ("the first section", "Flu vaccinations"),
            ("a word shown", "Guidance"),
            ("the section's text", "- Order vaccines early."),
            ("what the document is", "The flu letter (PDF)"),
            (
                "the document's web address",
                "https://www.example.org/flu-letter.pdf",
            ),
            ("a short line", "Please read page 2 of the letter."),
        ]
        .iter()
        .find(|(prefix, _)| asks.starts_with(prefix))
        .unwrap_or_else(|| panic!("a new placeholder: {asks:?}: teach filled_in() to fill it"))
        .1;
        out.replace_range(start..end, answer);
    }
    out
}

#[test]
fn new_writes_a_skeleton_that_check_refuses_until_every_placeholder_is_filled_in() {
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
    let skeleton = fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("new should write {}: {e}; stdout:\n{out}", file.display()));
    // No earlier issue and no sign-off in publisher.yaml: the author and role are blanks too.
    let blanks = placeholders_in(&skeleton);
    assert_eq!(blanks.len(), 11, "{skeleton}");
    assert!(out.contains("replace the 11 [[placeholders]]"), "{out}");
    assert!(
        !skeleton.contains("Balmer") && !skeleton.contains("Essex"),
        "{skeleton}"
    );

    // Untouched, it fails, with every placeholder listed at its place and nothing else.
    let (code, stdout, err) = check(&file, false);
    assert_eq!(code, 1, "the untouched skeleton must fail:\n{err}");
    assert!(stdout.is_empty(), "{stdout}");
    let reports = parse_reports(&err);
    let at: Vec<String> = reports
        .iter()
        .map(|r| r.location.rsplitn(3, ':').take(2).collect::<Vec<_>>())
        .map(|p| format!("{}:{}", p[1], p[0]))
        .collect();
    assert_eq!(at, blanks, "{err}");
    for r in &reports {
        assert_eq!(
            r.header, "error: this placeholder has not been filled in",
            "{err}"
        );
        let help = r.help.as_deref().unwrap_or("");
        assert!(
            help.starts_with("replace this placeholder text, brackets included, with "),
            "{help}"
        );
        let (_, carets) = r.snippet.as_ref().unwrap();
        assert!(carets.trim_start().starts_with("^^^"), "{err}");
    }
    assert_eq!(err.lines().last(), Some("11 errors"));

    // `render` refuses it too: it shares check's pipeline.
    let out_dir = tempfile::tempdir().unwrap();
    let (code, _, err) = bulletin(&[
        OsStr::new("render"),
        file.as_os_str(),
        OsStr::new("--out"),
        out_dir.path().as_os_str(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().last(), Some("11 errors: nothing was written"));
    assert!(listing(out_dir.path()).is_empty());

    // Filled in, it passes even --strict.
    fs::write(&file, filled_in(&skeleton)).unwrap();
    let (code, out, err) = check(&file, true);
    assert_eq!(
        code, 0,
        "the filled-in skeleton should pass --strict; stderr:\n{err}"
    );
    assert!(err.is_empty(), "{err}");
    assert!(out.contains(": ok (1 section, 1 link"), "stdout: {out}");
}

#[test]
fn a_placeholder_left_in_a_body_is_reported_on_its_own_line() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-27.yaml");
    fs::write(
        &file,
        "title: News\ndate: 2021-10-27\nsections:\n  - title: One\n    body: |\n      Done.\n\n      Then [[the second paragraph]] here.\n",
    )
    .unwrap();
    let err = check_fails(file.to_str().unwrap());
    assert_reports(
        &err,
        &[
            &format!(
                "{}:8:12: error: this placeholder has not been filled in\n  help: replace this placeholder text, brackets included, with the second paragraph",
                file.display()
            ),
            "1 error",
        ],
    );
}

#[test]
fn new_carries_forward_the_sections_that_run_on_and_the_result_passes_check() {
    let dir = dir_with_publisher();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let latest = root.join("tests/cmd/new-carry-forward.in/bulletins/2021-10-20.yaml");
    fs::copy(latest, dir.path().join("2021-10-20.yaml")).unwrap();
    let (code, out, err) = new_in(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("carried forward 1 section: Practice manager vacancy (until 2021-11-30); dropped 1 whose `until` had passed: Flu claims\n"),
        "{out}"
    );
    let file = dir.path().join("2021-10-27.yaml");
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.contains("Flu claims") && !text.contains("title: Introduction"));
    // Apart from its placeholders, it passes --strict: nothing else to fix.
    fs::write(&file, filled_in(&text)).unwrap();
    let (code, out, err) = check(&file, true);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": ok (2 sections"), "{out}");

    // The week after, from the file just written: the first `continued_from` is kept.
    let (code, out, err) = new_in(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("carried forward 1 section: Practice manager vacancy (until 2021-11-30)\n"),
        "{out}"
    );
    let text = fs::read_to_string(dir.path().join("2021-11-03.yaml")).unwrap();
    assert_eq!(
        text.matches("continued_from:").collect::<Vec<_>>(),
        ["continued_from:"],
        "{text}"
    );
    assert!(
        text.contains(
            "    until: 2021-11-30   # the closing date\n    continued_from: 2021-10-20\n"
        ),
        "{text}"
    );
}

/// `bulletin new --dir DIR` (with `args` after): (exit code, stdout, stderr).
fn new_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec![OsStr::new("new"), OsStr::new("--dir"), dir.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    bulletin(&all)
}

/// A folder with the publisher and the example issue, numbered 112, and an older issue 200
/// (written later, so that only its date says it is older).
fn folder_with_issues() -> tempfile::TempDir {
    let dir = dir_with_publisher();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = fs::read_to_string(root.join(EXAMPLE)).unwrap();
    let numbered = example.replacen("date: 2021-10-20\n", "date: 2021-10-20\nissue: 112\n", 1);
    fs::write(dir.path().join("2021-10-20.yaml"), numbered).unwrap();
    fs::write(
        dir.path().join("2021-09-01.yaml"),
        "title: Old\ndate: 2021-09-01\nissue: 200\nmessage:\n  author: Someone Else\n  body: Hi.\nsections:\n  - title: A\n",
    )
    .unwrap();
    dir
}

#[test]
fn new_without_a_date_follows_the_latest_issue() {
    let dir = folder_with_issues();
    let (code, out, err) = new_in(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let file = dir.path().join("2021-10-27.yaml");
    assert!(
        out.starts_with(&format!(
            "wrote {} (issue 113, the week after 2021-10-20, message from Dr Brian Balmer)\n",
            file.display()
        )),
        "{out}"
    );
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("\ndate: 2021-10-27\nissue: 113\n"), "{text}");
    assert!(
        text.contains("  author: Dr Brian Balmer\n  role: Chief Executive of Essex LMCs\n"),
        "the sign-off comes from the latest issue:\n{text}"
    );
    assert_eq!(placeholders_in(&text).len(), 9, "{text}");
    // And the week after that, from the issue just started.
    let (code, out, err) = new_in(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2021-11-03.yaml (issue 114, the week after 2021-10-27"),
        "{out}"
    );
}

#[test]
fn new_without_a_date_and_no_earlier_bulletin_asks_for_one() {
    let dir = dir_with_publisher();
    let (code, out, err) = new_in(dir.path(), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains(
            "has no bulletin yet to follow: give the new one's date, as bulletin new --date YYYY-MM-DD"
        ),
        "{err}"
    );
    assert_eq!(listing(dir.path()), ["publisher.yaml"]);
}

#[test]
fn new_takes_the_sign_off_from_publisher_yaml_first() {
    let dir = folder_with_issues();
    let publisher = dir.path().join("publisher.yaml");
    let mut text = fs::read_to_string(&publisher).unwrap();
    text.push_str("message_author: Dr Alex Morgan\nmessage_role: \"Chair: Example LMC\"\n");
    fs::write(&publisher, text).unwrap();
    // The new keys are valid publisher settings.
    let (code, _, err) = check(dir.path().join("2021-10-20.yaml"), true);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = new_in(dir.path(), &["--date", "2021-10-27"]);
    assert_eq!(code, 0, "{err}");
    let text = fs::read_to_string(dir.path().join("2021-10-27.yaml")).unwrap();
    assert!(
        text.contains("  author: Dr Alex Morgan\n  role: \"Chair: Example LMC\"\n"),
        "{text}"
    );
    assert!(!text.contains("Balmer"), "{text}");
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
    for i in 0..120 {
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

/// Gmail's clip counts the HTML part as sent: a bulletin whose HTML is 92 KB but 114 KB as
/// sent (each curly quote, 3 bytes, is sent as a 7-byte reference) is clipped, and `check`
/// says so with the size.
#[test]
fn the_clip_warning_counts_the_html_as_sent() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    let mut yaml = String::from("title: A long one\ndate: 2021-10-20\nsections:\n");
    for i in 0..60 {
        yaml.push_str(&format!("  - title: Section {i}\n    body: |\n"));
        for _ in 0..8 {
            yaml.push_str("      - It’s the practice’s, the PCN’s and the CCG’s “view”: we’re sure it’s ‘fine’ – or isn’t it?\n");
        }
    }
    fs::write(&file, yaml).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = bulletin(&[
        OsStr::new("render"),
        file.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = fs::read_to_string(out.join("2021-10-20.html")).unwrap();
    assert!(html.len() < 100 * 1024, "{}", html.len());
    let (code, stdout, stderr) = check(&file, false);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "warning: the HTML email is 114.4 KB as sent, over the 102 KB at which Gmail clips it"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("HTML 115 KB as sent"), "{stdout}");
}

/// Text pasted from a PDF with its line breaks: `check` warns at the paragraph's first line, and
/// the plain text leaves no word alone where a kept line is re-wrapped.
#[test]
fn a_paragraph_pasted_with_its_line_breaks_is_a_warning() {
    let dir = dir_with_publisher();
    let file = dir.path().join("2021-10-20.yaml");
    fs::write(
        &file,
        "title: Fit notes\ndate: 2021-10-20\nsections:\n  - title: Fit notes\n    body: |\n      From the DWP's letter of 15 April, as it was printed on the page:\n\n      GPs and other healthcare professionals may now issue fit notes to\n      patients who are not fit for work, and nurses, occupational therapists and all,\n      pharmacists and physiotherapists may do so too, from 1 July this year,\n      as the regulations allow.\n",
    )
    .unwrap();
    let (code, _, stderr) = check(&file, false);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: 3 lines in a row here are 60 characters or longer: this looks like text pasted with its line breaks kept"),
        "{stderr}"
    );
    assert!(stderr.contains("2021-10-20.yaml:8:7"), "{stderr}");
    let out = dir.path().join("out");
    let (code, _, err) = bulletin(&[
        OsStr::new("render"),
        file.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = fs::read_to_string(out.join("2021-10-20.txt")).unwrap();
    let body = &text[text.find("GPs and").unwrap()..text.find("regulations allow.").unwrap()];
    assert!(
        body.lines().all(|l| l.trim().contains(' ')),
        "a one-word line:\n{body}"
    );
}

// Colour.

/// `bulletin check FILE` on a pseudo-terminal (util-linux `script`), with `NO_COLOR` set or not:
/// what the terminal showed.
fn check_on_terminal(file: &str, no_color: bool) -> String {
    let bin = env!("CARGO_BIN_EXE_bulletin");
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{bin} check {file}"), "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().expect("util-linux `script`");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let file = bad("unknown-key-in-section.yaml");
    let screen = check_on_terminal(&file, false);
    assert!(screen.contains("unknown key `bdy`"), "{screen}");
    assert!(
        screen.contains("\u{1b}["),
        "a terminal gets colours:\n{screen:?}"
    );
    let screen = check_on_terminal(&file, true);
    assert!(screen.contains("unknown key `bdy`"), "{screen}");
    assert!(
        !screen.contains('\u{1b}'),
        "NO_COLOR means no colours:\n{screen:?}"
    );
    // Not a terminal: no colours either, even without NO_COLOR.
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["check", &file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown key `bdy`") && !err.contains('\u{1b}'),
        "{err:?}"
    );
}

// `--format json`.

#[test]
fn json_format_gives_every_problem_on_stdout_and_nothing_on_stderr() {
    let file = bad("many-problems.yaml");
    let (code, out, err) = bulletin(&["check", "--format", "json", &file]);
    assert_eq!(code, 1, "errors still fail the command");
    assert!(err.is_empty(), "no human text: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["errors"], 6);
    assert_eq!(v["warnings"], 0);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 6);
    // The same problems, at the same places, as the human report.
    let human = parse_reports(&check_fails(&file));
    for (d, h) in diags.iter().zip(&human) {
        let at = format!(
            "{}:{}:{}",
            d["file"].as_str().unwrap(),
            d["line"],
            d["column"]
        );
        assert_eq!(at, h.location);
        assert_eq!(
            format!("error: {}", d["message"].as_str().unwrap()),
            h.header
        );
        assert_eq!(d["help"].as_str(), h.help.as_deref());
        assert_eq!(d["severity"], "error");
    }
}

#[test]
fn json_format_passes_with_warnings_and_counts_them() {
    let (code, out, err) = bulletin(&[
        "check",
        "--format",
        "json",
        &format!("{LINT}/click-here.yaml"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
    assert_eq!(v["diagnostics"][0]["line"], 7);
}

/// Whether `c` would act on a terminal or reorder the text if printed raw.
fn invisible(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A title holding U+0085, U+009B (which starts a terminal sequence), U+2028 and U+202E (a
/// right-to-left override): `check` and `render` name the problem and quote the line with each
/// shown as an escape, never raw.
#[test]
fn invisible_characters_in_a_quoted_line_are_shown_as_escapes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join(PUBLISHER), dir.path().join("publisher.yaml")).unwrap();
    let y = std::fs::read_to_string(root.join("bulletins/2021-10-20.yaml"))
        .unwrap()
        .replace(
            "title: Improving access",
            "title: Improving \u{85}\u{9b}31m\u{2028}\u{202e}access",
        );
    let file = dir.path().join("b.yaml");
    std::fs::write(&file, y).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec![OsStr::new("check"), file.as_os_str()],
        vec![
            OsStr::new("render"),
            file.as_os_str(),
            OsStr::new("--out"),
            out.as_os_str(),
        ],
    ] {
        let (code, stdout, stderr) = bulletin(&args);
        let all = format!("{stdout}{stderr}");
        assert_eq!(code, 1, "{all}");
        assert!(
            !all.chars().any(invisible),
            "raw invisible character in:\n{all:?}"
        );
        for escape in ["\\u{85}", "\\u{9b}", "\\u{2028}", "\\u{202e}"] {
            assert!(all.contains(escape), "{escape} missing from:\n{all}");
        }
        assert!(all.contains("5 | title: Improving \\u{85}"), "{all}");
    }
}
