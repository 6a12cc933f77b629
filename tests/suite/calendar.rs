//! The calendar files `bulletin archive` writes (one `.ics` per key date in each issue's
//! `calendar/` folder, and `archive/calendar.ics` to subscribe to), read by two parsers the
//! project did not write: Python's `icalendar` and `vobject`, through tests/calendar/read.py.
//! Checked: 10:00 on either side of both clock changes is the right UTC instant (by the zone's
//! name and by the file's own VTIMEZONE), deadlines are all-day, UIDs are the same after
//! archiving again and for a section carried into a later issue (whose version wins),
//! calendar.ics keeps only the dates from "today" on, lines are CRLF and at most 75 octets.
//!
//! "Today" is fixed with `BULLETIN_TODAY`, read only in a `--features test-hooks` build (as
//! scripts/test.sh builds). Needs `python3` with `icalendar` and `vobject`:
//! `bash scripts/install-test-deps.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of tests/fixtures/calendar/office: two bulletins, the later carrying a section of the
/// earlier (with a time added to its deadline) and adding a meeting.
fn office() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(ROOT).join("tests/fixtures/calendar/office/bulletins");
    std::fs::create_dir(dir.path().join("bulletins")).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), dir.path().join("bulletins").join(e.file_name())).unwrap();
    }
    dir
}

fn archive(office: &Path, bulletin: &str, today: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["archive", &format!("bulletins/{bulletin}.yaml")])
        .current_dir(office)
        .env("BULLETIN_TODAY", today)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What tests/calendar/read.py makes of the files, by path relative to `office`.
fn read(office: &Path, files: &[&str]) -> Value {
    let out = Command::new("python3")
        .arg(Path::new(ROOT).join("tests/calendar/read.py"))
        .args(files)
        .current_dir(office)
        .output()
        .expect("python3 runs: bash scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "tests/calendar/read.py failed (icalendar and vobject are installed by bash scripts/install-test-deps.sh):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every .ics file under `dir`, relative to `office`, sorted.
fn ics_files(office: &Path, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(office.join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "ics"))
        .map(|p: PathBuf| {
            p.strip_prefix(office)
                .unwrap()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

/// The one event of an item's file.
fn only_event(file: &Value) -> &Value {
    let events = file["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{file:#}");
    &events[0]
}

fn well_formed(name: &str, file: &Value) {
    assert_eq!(file["crlf"], true, "{name}: every line ends in CRLF");
    assert!(
        file["longest_line"].as_u64().unwrap() <= 75,
        "{name}: a line is longer than 75 octets"
    );
    assert_eq!(file["version"], "2.0", "{name}");
    assert_eq!(file["method"], "PUBLISH", "{name}");
    assert_eq!(
        file["zones"],
        serde_json::json!(["Europe/London"]),
        "{name}"
    );
    // Both readers agree on every start.
    for e in file["events"].as_array().unwrap() {
        assert_eq!(
            file["vobject_starts"][e["uid"].as_str().unwrap()],
            e["start"],
            "{name}: vobject reads {} differently",
            e["summary"]
        );
    }
}

#[test]
fn each_key_date_has_a_calendar_file_with_the_right_times_across_the_clock_changes() {
    let office = office();
    let o = office.path();
    archive(o, "2021-03-24", "2021-03-24");
    let files = ics_files(o, "archive/2021-03-24/calendar");
    assert_eq!(
        files,
        [
            "section-1-1.ics",
            "section-1-2.ics",
            "section-1-3.ics",
            "section-1-4.ics",
            "section-2-1.ics",
            "section-2-2.ics",
        ]
        .map(|f| format!("archive/2021-03-24/calendar/{f}"))
    );
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let read = read(o, &names);
    for f in &files {
        well_formed(f, &read[f]);
        assert_eq!(
            read[f]["calname"],
            Value::Null,
            "{f}: Outlook would open it as a calendar"
        );
    }
    let event = |n: &str| only_event(&read[format!("archive/2021-03-24/calendar/section-{n}.ics")]);
    // 10:00 in London: GMT on 27 March, BST from 28 March to 30 October, GMT from 31 October.
    for (n, start, end) in [
        ("1-1", "2021-03-27T10:00:00Z", "2021-03-27T11:00:00Z"),
        ("1-2", "2021-03-28T09:00:00Z", "2021-03-28T10:30:00Z"),
        ("1-3", "2021-10-30T09:00:00Z", "2021-10-30T10:00:00Z"),
        ("1-4", "2021-10-31T10:00:00Z", "2021-10-31T11:00:00Z"),
    ] {
        let e = event(n);
        assert_eq!(e["all_day"], false, "{n}");
        assert_eq!(
            (&e["start"], &e["end"]),
            (&start.into(), &end.into()),
            "{n}"
        );
        assert_eq!(e["start_by_own_zone"], start, "{n}: the file's VTIMEZONE");
        assert_eq!(e["end_by_own_zone"], end, "{n}: the file's VTIMEZONE");
        assert_eq!(e["dtstamp"], "2021-03-24T12:00:00Z");
    }
    // A meeting link is the URL; a place is the LOCATION, escapes and all.
    assert_eq!(
        event("1-1")["url"],
        "https://meet.example.org/spring-before"
    );
    assert_eq!(event("1-1")["location"], Value::Null);
    assert_eq!(
        event("1-2")["location"],
        "Chelmsford, Example House; room 2"
    );
    assert_eq!(
        event("1-2")["url"],
        "https://www.example.org/bulletins/2021-03-24/"
    );
    assert!(
        event("1-3")["description"]
            .as_str()
            .unwrap()
            .ends_with("in the Essex LMCs bulletin of 24 March 2021: https://www.example.org/bulletins/2021-03-24/"),
        "{}",
        event("1-3")["description"]
    );
    // Deadlines are all-day, and leave the day free; one with a time says it.
    for n in ["2-1", "2-2"] {
        assert_eq!(event(n)["all_day"], true, "{n}");
        assert_eq!(event(n)["transparent"], true, "{n}");
    }
    assert_eq!(
        (&event("2-1")["start"], &event("2-1")["end"]),
        (&"2021-12-31".into(), &"2022-01-01".into())
    );
    assert_eq!(
        event("2-1")["summary"],
        "Claims for the flu vaccination LES, Q4 — with a title long enough to be folded over more than one line"
    );
    assert!(
        event("2-2")["description"]
            .as_str()
            .unwrap()
            .starts_with("Deadline: 5pm on 30 April 2021\n")
    );
    let raw = std::fs::read(o.join("archive/2021-03-24/calendar/section-2-1.ics")).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.contains("DTSTART;VALUE=DATE:20211231\r\n"), "{raw}");
    assert!(
        raw.contains("SUMMARY:Claims for the flu vaccination LES\\, Q4"),
        "{raw}"
    );
}

#[test]
fn uids_stay_the_same_after_archiving_again_and_in_a_later_issue_whose_version_is_kept() {
    let office = office();
    let o = office.path();
    archive(o, "2021-03-24", "2021-03-24");
    let before = std::fs::read(o.join("archive/2021-03-24/calendar/section-2-1.ics")).unwrap();
    let whole_before = std::fs::read(o.join("archive/calendar.ics")).unwrap();
    archive(o, "2021-03-24", "2021-03-24");
    assert_eq!(
        std::fs::read(o.join("archive/2021-03-24/calendar/section-2-1.ics")).unwrap(),
        before,
        "archiving again writes the same bytes"
    );
    assert_eq!(
        std::fs::read(o.join("archive/calendar.ics")).unwrap(),
        whole_before
    );

    archive(o, "2021-10-20", "2021-03-24");
    let read = read(
        o,
        &[
            "archive/2021-03-24/calendar/section-2-1.ics",
            "archive/2021-10-20/calendar/section-1-1.ics",
            "archive/calendar.ics",
        ],
    );
    let first = only_event(&read["archive/2021-03-24/calendar/section-2-1.ics"]);
    let carried = only_event(&read["archive/2021-10-20/calendar/section-1-1.ics"]);
    assert_eq!(
        first["uid"], carried["uid"],
        "a carried section keeps its UIDs"
    );
    let whole = &read["archive/calendar.ics"];
    well_formed("calendar.ics", whole);
    assert_eq!(whole["calname"], "Essex LMCs key dates");
    let same: Vec<&Value> = whole["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["uid"] == first["uid"])
        .collect();
    assert_eq!(same.len(), 1, "one event per UID");
    // The later issue's version (it added "by 12 noon") is the one subscribed to.
    assert_eq!(same[0]["dtstamp"], "2021-10-20T12:00:00Z");
    assert!(
        same[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("Deadline: 12 noon on 31 December 2021\n"),
        "{}",
        same[0]["description"]
    );
}

#[test]
fn the_calendar_to_subscribe_to_keeps_only_the_dates_from_today_on() {
    let office = office();
    let o = office.path();
    archive(o, "2021-03-24", "2021-03-24");
    archive(o, "2021-10-20", "2021-10-31");
    let read = read(o, &["archive/calendar.ics"]);
    let whole = &read["archive/calendar.ics"];
    well_formed("calendar.ics", whole);
    let summaries: Vec<&str> = whole["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    // 30 October and the spring items have passed; 31 October is today and stays.
    assert_eq!(
        summaries,
        [
            "Webinar after the autumn change",
            "LMC meeting",
            "Claims for the flu vaccination LES, Q4 — with a title long enough to be folded over more than one line",
        ]
    );
    let index = std::fs::read_to_string(o.join("archive/index.html")).unwrap();
    assert!(index.contains(r#"<a href="./calendar.ics">Subscribe to the key dates calendar</a>"#));

    // Once everything has passed, the calendar is empty and the index no longer offers it.
    archive(o, "2021-10-20", "2022-01-01");
    let read = self::read(o, &["archive/calendar.ics"]);
    assert_eq!(
        read["archive/calendar.ics"]["events"],
        serde_json::json!([])
    );
    let index = std::fs::read_to_string(o.join("archive/index.html")).unwrap();
    assert!(!index.contains("calendar.ics"), "{index}");
}
