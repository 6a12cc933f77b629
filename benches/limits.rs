//! How the work grows with the size of a file: each benchmark runs at n and 4n (keys in a
//! mapping, members of a list, lists in an include chain, links in a body, lines in the MIME
//! message), so the ratio of the two medians shows whether it is linear (about 4) or quadratic
//! (about 16). The inputs are generated into a temporary folder; all are within the limits of
//! `crates/input/src/limits.rs`.
//!
//! Run: `cargo bench --bench limits`. Results are in docs/benchmarks.md.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use bulletin::api::{self as bench, Template};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// A temporary folder holding `name` with `text` (and a good publisher.yaml beside it).
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let publisher = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/publisher.yaml");
    std::fs::copy(publisher, dir.path().join("publisher.yaml")).unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn keys(n: usize) -> String {
    let mut text = String::from("title: Many keys\ndate: 2021-10-20\n");
    for i in 0..n {
        writeln!(text, "key{i}: value").unwrap();
    }
    text
}

/// The YAML layer alone: a mapping of n keys, each checked against the others for duplicates.
#[divan::bench(args = [20_000, 80_000])]
fn yaml_mapping_of_n_keys(bencher: Bencher, n: usize) {
    let text = keys(n);
    bencher.bench(|| bench::parse_yaml(Path::new("b.yaml"), black_box(&text)).unwrap());
}

/// What `check` does with a bulletin of n unknown keys: every one reported, with a suggestion.
#[divan::bench(args = [20_000, 80_000])]
fn check_bulletin_with_n_unknown_keys(bencher: Bencher, n: usize) {
    let (_dir, path) = file("b.yaml", &keys(n));
    bencher.bench(|| {
        let problems = bench::load(black_box(&path)).unwrap_err();
        assert!(problems.errors() >= n);
    });
}

/// A mailing list of n members, each checked for a duplicate, then counted.
#[divan::bench(args = [20_000, 80_000])]
fn recipients_list_of_n_members(bencher: Bencher, n: usize) {
    let mut text = String::from("transport: sendmail\nlists:\n  all:\n    members:\n");
    for i in 0..n {
        writeln!(text, "      - Member {i} <member{i}@example.org>").unwrap();
    }
    let (_dir, path) = file("recipients.yaml", &text);
    bencher.bench(|| {
        let (r, _) = bench::load_recipients(black_box(&path)).unwrap();
        assert_eq!(r.counts()["all"].recipients, n);
    });
}

/// n lists, each including the next, each with one member: loading (which looks for a loop in
/// the includes) and counting every list, as `check` does.
#[divan::bench(args = [250, 1_000])]
fn recipients_include_chain_of_n_lists(bencher: Bencher, n: usize) {
    let mut text = String::from("transport: sendmail\nlists:\n");
    for i in 0..n {
        writeln!(text, "  l{i}:\n    members: [m{i}@example.org]").unwrap();
        if i + 1 < n {
            writeln!(text, "    include: [l{}]", i + 1).unwrap();
        }
    }
    let (_dir, path) = file("recipients.yaml", &text);
    bencher.bench(|| {
        let (r, _) = bench::load_recipients(black_box(&path)).unwrap();
        assert_eq!(r.counts()["l0"].recipients, n);
    });
}

/// `check` of a bulletin whose one body is n links on one line (each warned about, at its
/// line and column).
#[divan::bench(args = [5_000, 20_000])]
fn check_body_of_n_links_on_one_line(bencher: Bencher, n: usize) {
    let mut text = String::from(
        "title: Links\ndate: 2021-10-20\nsections:\n  - title: One\n    body: |\n      ",
    );
    for i in 0..n {
        write!(text, "[here](https://www.example.org/{i}) ").unwrap();
    }
    text.push('\n');
    let (_dir, path) = file("b.yaml", &text);
    bencher.bench(|| {
        let prepared = bench::prepare(black_box(&path), false).unwrap();
        assert!(prepared.warnings.warnings() > n);
    });
}

/// The MIME message of the example with a plain text and an HTML part of n lines each.
#[divan::bench(args = [20_000, 80_000])]
fn mime_message_of_n_lines(bencher: Bencher, n: usize) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml");
    let (loaded, _) = bench::load(&example).unwrap();
    let text = "A line of the bulletin, as the plain-text part wraps it.\n".repeat(n);
    let html = "<p>A line of the bulletin, as the HTML part has it.</p>\n".repeat(n);
    let id = bench::identity(&loaded.bulletin);
    bencher.bench(|| {
        Template::new(
            &loaded.bulletin,
            &loaded.publisher,
            &id,
            black_box(&text),
            &html,
            false,
        )
        .unwrap()
    });
}
