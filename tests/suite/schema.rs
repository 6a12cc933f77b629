//! The JSON Schemas for editors (`schemas/*.schema.json`, docs/editor.md).
//!
//! - The committed files are exactly what `bulletin schema NAME` prints. After changing a key or
//!   a description, regenerate them with `bash scripts/regenerate-schemas.sh`.
//! - An independent validator (Python's `jsonschema`, through `tests/schema/validate.py`, reading
//!   YAML as VS Code's YAML extension does) accepts every good bulletin, publisher.yaml and
//!   recipients file, and rejects the mistakes a schema can see: unknown keys, wrong types,
//!   missing required keys, badly written dates and addresses. `bulletin check` catches the rest
//!   (a 30 February, HTML in a body), so those files pass the schema.
//!
//! Needs `python3` with `jsonschema` and `PyYAML`: `bash scripts/install-test-deps.sh`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAMES: [&str; 3] = ["bulletin", "publisher", "recipients"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_file(name: &str) -> PathBuf {
    root().join("schemas").join(format!("{name}.schema.json"))
}

#[test]
fn the_committed_schemas_are_what_the_command_prints() {
    for name in NAMES {
        let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(["schema", name])
            .output()
            .unwrap();
        assert!(out.status.success());
        let printed = String::from_utf8(out.stdout).unwrap();
        let committed = fs::read_to_string(schema_file(name)).unwrap_or_default();
        assert!(
            printed == committed,
            "schemas/{name}.schema.json is not what `bulletin schema {name}` prints: run `bash scripts/regenerate-schemas.sh`"
        );
        let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
        assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
    }
}

/// Validates `files` against the schema `name`: each file's errors (none when it is valid).
fn validate(name: &str, files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<String>> {
    let out = Command::new("python3")
        .arg(root().join("tests/schema/validate.py"))
        .arg(schema_file(name))
        .args(files)
        .output()
        .expect("python3 runs: bash scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "tests/schema/validate.py failed (jsonschema and PyYAML are installed by bash scripts/install-test-deps.sh):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut results = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let errors = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect();
        results.insert(PathBuf::from(v["file"].as_str().unwrap()), errors);
    }
    assert_eq!(results.len(), files.len(), "one answer per file");
    results
}

#[track_caller]
fn assert_valid(name: &str, files: &[PathBuf]) {
    for (file, errors) in validate(name, files) {
        assert!(
            errors.is_empty(),
            "the {name} schema rejects the good {}: {errors:?}",
            file.display()
        );
    }
}

/// Each file is rejected, with an error containing the phrase given for it.
#[track_caller]
fn assert_rejected(name: &str, cases: &[(PathBuf, &str)]) {
    let files: Vec<PathBuf> = cases.iter().map(|(f, _)| f.clone()).collect();
    let results = validate(name, &files);
    for (file, phrase) in cases {
        let errors = &results[file];
        assert!(
            errors.iter().any(|e| e.contains(phrase)),
            "the {name} schema should reject {} with {phrase:?}, got {errors:?}",
            file.display()
        );
    }
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Writes `text` into a temporary folder as `name`.
fn temp_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_bulletin_schema_accepts_every_good_bulletin() {
    let mut good = vec![
        root().join("bulletins/2021-10-20.yaml"),
        root().join("tests/cmd/new-next-week.in/bulletins/2021-10-20.yaml"),
        root().join("tests/fixtures/email/2021-11-03.yaml"),
        // Key dates, sections that run on, and a section carried forward.
        root().join("tests/cmd/new-carry-forward.in/bulletins/2021-10-20.yaml"),
        root().join("tests/fixtures/check/dates-no-archive-url/2021-10-20.yaml"),
    ];
    // Date mistakes only `bulletin check` can see.
    for name in [
        "past-item",
        "end-not-after-time",
        "until-before-date",
        "continued-from-after-date",
    ] {
        good.push(root().join(format!("tests/fixtures/check/dates/{name}.yaml")));
    }
    good.extend(
        fixtures("tests/fixtures/check/lint")
            .into_iter()
            .filter(|p| !p.ends_with("publisher.yaml")),
    );
    for dir in fs::read_dir(root().join("tests/fixtures/check")).unwrap() {
        let bulletin = dir.unwrap().path().join("bulletin.yaml");
        if bulletin.is_file() {
            good.push(bulletin);
        }
    }
    // Mistakes only `bulletin check` can see: the schema lets them through.
    for name in [
        "date-not-a-real-day",
        "html-in-body",
        "body-link-http",
        "message-after-unknown-section",
    ] {
        good.push(root().join(format!("tests/fixtures/check/bad/{name}.yaml")));
    }
    assert!(good.len() >= 10, "{good:?}");
    assert_valid("bulletin", &good);
}

#[test]
fn the_bulletin_schema_rejects_mistakes_it_can_see() {
    let bad = |name: &str, phrase: &'static str| {
        (
            root().join(format!("tests/fixtures/check/bad/{name}.yaml")),
            phrase,
        )
    };
    let dates = |name: &str| root().join(format!("tests/fixtures/check/dates/{name}.yaml"));
    let dir = tempfile::tempdir().unwrap();
    let two_lines = temp_file(
        &dir,
        "two-lines.yaml",
        "title: |\n  Two\n  lines\ndate: 2021-10-20\nsections:\n  - title: A\n",
    );
    assert_rejected(
        "bulletin",
        &[
            bad("unknown-key-top-level", "'titel' was unexpected"),
            bad("unknown-key-in-section", "'bdy' was unexpected"),
            bad("unknown-key-in-link", "'title' was unexpected"),
            bad("no-title", "'title' is a required property"),
            bad("no-date", "'date' is a required property"),
            bad("no-sections", "'sections' is a required property"),
            bad("section-without-title", "'title' is a required property"),
            bad("link-without-url", "'url' is a required property"),
            bad("sections-as-text", "is not of type 'array'"),
            bad("title-as-list", "is not of type 'string'"),
            bad("issue-not-a-number", "is not of type 'integer'"),
            bad("date-in-wrong-form", "does not match"),
            bad("empty-sections", "should be non-empty"),
            bad("link-http", "does not match '^\\\\s*https://'"),
            bad("link-without-scheme", "does not match"),
            bad("many-problems", "'titel' was unexpected"),
            (two_lines, "does not match"),
            (dates("bad-time"), "'2pm' does not match"),
            (dates("bad-kind"), "'meeting' is not one of"),
            (dates("dates-not-a-list"), "is not of type 'array'"),
            (dates("time-without-date"), "'date' is a required property"),
        ],
    );
}

#[test]
fn the_publisher_schema_accepts_good_settings_and_rejects_mistakes() {
    let mut good = vec![
        root().join("bulletins/publisher.yaml"),
        root().join("tests/fixtures/email/publisher.yaml"),
    ];
    for dir in [
        "bad",
        "lint",
        "publisher-bad-from",
        "publisher-light-colour",
    ] {
        good.push(root().join(format!("tests/fixtures/check/{dir}/publisher.yaml")));
    }
    let example = fs::read_to_string(root().join("bulletins/publisher.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    good.push(temp_file(
        &dir,
        "sign-off.yaml",
        &format!("{example}message_author: Dr Alex Morgan\nmessage_role: Chair\n"),
    ));
    good.push(temp_file(
        &dir,
        "one-unsubscribe.yaml",
        &example.replace(
            "unsubscribe:\n  - mailto:unsubscribe@example.org?subject=unsubscribe\n  - https://www.example.org/unsubscribe\n",
            "unsubscribe: https://www.example.org/unsubscribe\n",
        ),
    ));
    assert_valid("publisher", &good);

    let no_from: String = example
        .lines()
        .filter(|l| !l.starts_with("from:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_rejected(
        "publisher",
        &[
            (
                root().join("tests/fixtures/check/publisher-unknown-key/publisher.yaml"),
                "'websit' was unexpected",
            ),
            (
                root().join("tests/fixtures/check/publisher-bad-logo/publisher.yaml"),
                "'hieght' was unexpected",
            ),
            (
                temp_file(&dir, "no-from.yaml", &no_from),
                "'from' is a required property",
            ),
            (
                temp_file(
                    &dir,
                    "unquoted-colour.yaml",
                    &example.replace("colour: \"#005EB8\"", "colour: #005EB8"),
                ),
                "None is not of type 'string'",
            ),
            (
                temp_file(
                    &dir,
                    "http-website.yaml",
                    &example.replace(
                        "website: https://www.example.org/",
                        "website: http://www.example.org/",
                    ),
                ),
                "does not match",
            ),
        ],
    );
}

#[test]
fn the_recipients_schema_accepts_the_example_and_rejects_mistakes() {
    let example = fs::read_to_string(root().join("recipients.example.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sendmail = temp_file(
        &dir,
        "sendmail.yaml",
        "transport: sendmail\nlists:\n  all:\n    members: [a@example.org]\n",
    );
    // `secret_command` as a program and its arguments (a number among them), or as one line.
    let with_command = |name: &str, command: &str| {
        temp_file(
            &dir,
            name,
            &example.replace(
                "  username: bulletin@example.org\n",
                &format!("  username: bulletin@example.org\n  secret_command: {command}\n"),
            ),
        )
    };
    let listed = with_command(
        "listed.yaml",
        "[az, account, get-access-token, --query, accessToken, -o, tsv, --n, 5]",
    );
    let one_line = with_command("one-line.yaml", "pass show lmc/bulletin-smtp");
    // People from a spreadsheet, named as text or as a mapping, and lists that pick them.
    let people = temp_file(
        &dir,
        "people.yaml",
        "transport: sendmail\npeople: contacts.xlsx\nlists:\n  pms: { where: { role: Practice manager } }\n  gps: { where: { role: [GP partner, Salaried GP], area: North }, members: [a@example.org] }\n  all: { include: [pms, gps] }\n",
    );
    let people_mapping = temp_file(
        &dir,
        "people-mapping.yaml",
        "transport: sendmail\npeople: { file: Contacts.CSV, sheet: GPs, columns: { email: Work email } }\nlists:\n  pms: { where: { ods_code: F81001 } }\n",
    );
    assert_valid(
        "recipients",
        &[
            root().join("recipients.example.yaml"),
            sendmail,
            listed,
            one_line,
            people,
            people_mapping,
        ],
    );
    assert_rejected(
        "recipients",
        &[
            (
                temp_file(
                    &dir,
                    "password.yaml",
                    &example.replace(
                        "  username: bulletin@example.org\n",
                        &format!(
                            "  username: bulletin@example.org\n  password: {}\n",
                            "sample".repeat(2)
                        ),
                    ),
                ),
                "'password' was unexpected",
            ),
            (
                temp_file(
                    &dir,
                    "security.yaml",
                    &example.replace("security: starttls", "security: ssl"),
                ),
                "'ssl' is not one of ['starttls', 'tls', 'none']",
            ),
            (
                temp_file(
                    &dir,
                    "port.yaml",
                    &example.replace("port: 587", "port: five-eight-seven"),
                ),
                "is not of type 'integer'",
            ),
            (
                with_command("command-keys.yaml", "{ run: az }"),
                "is not valid under any of the given schemas",
            ),
            (
                with_command("command-empty.yaml", "[]"),
                "is not valid under any of the given schemas",
            ),
            (
                temp_file(&dir, "no-lists.yaml", "transport: sendmail\n"),
                "'lists' is a required property",
            ),
            (
                temp_file(
                    &dir,
                    "where-column.yaml",
                    "transport: sendmail\npeople: contacts.xlsx\nlists:\n  pms: { where: { job: Practice manager } }\n",
                ),
                "'job' was unexpected",
            ),
            (
                temp_file(
                    &dir,
                    "people-docx.yaml",
                    "transport: sendmail\npeople: contacts.docx\nlists:\n  all: { members: [a@example.org] }\n",
                ),
                "is not valid under any of the given schemas",
            ),
            (
                temp_file(
                    &dir,
                    "both.yaml",
                    "transport: sendmail\nsmtp:\n  host: smtp.example.org\nlists: {}\n",
                ),
                "is valid under each of",
            ),
        ],
    );
}
