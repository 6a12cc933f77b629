//! Approval before a send (`approvers` in publisher.yaml, `bulletin approve FILE --as NAME`),
//! and the daily limit (`daily_limit` in recipients.yaml), on the real binary against a real
//! SMTP server on 127.0.0.1 (Python's aiosmtpd, tests/smtp/server.py, installed by
//! scripts/install-test-deps.sh). The clock is the `test-hooks` feature's `BULLETIN_TEST_NOW`,
//! so that a send can be run "a day later" and the times printed are fixed; what `send` and
//! `approve` print is compared whole with the files in tests/snapshots/approve/
//! (`SNAPSHOTS=overwrite`, see common/snapshot.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mail_parser::MessageParser;

use crate::common::smtp::Server;
use crate::common::snapshot::assert_snapshot;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FILE: &str = "bulletins/2021-10-20.yaml";

/// A temporary office: the example bulletin and publisher.yaml (with `approvers` if asked), a
/// recipients.yaml with a list `all` of `n` members and a list `reviewers`.
struct Office {
    dir: tempfile::TempDir,
    now: String,
}

fn member(i: usize) -> String {
    format!("member{i}@example.org")
}

impl Office {
    fn new(port: u16, n: usize, smtp_extra: &str, approvers: Option<&str>) -> Office {
        let dir = tempfile::tempdir().unwrap();
        let bulletins = dir.path().join("bulletins");
        std::fs::create_dir(&bulletins).unwrap();
        for f in ["2021-10-20.yaml", "publisher.yaml"] {
            std::fs::copy(Path::new(ROOT).join("bulletins").join(f), bulletins.join(f)).unwrap();
        }
        if let Some(a) = approvers {
            let p = bulletins.join("publisher.yaml");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, format!("{text}approvers: {a}\n")).unwrap();
        }
        let mut y = format!(
            "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  auth: none\n  rate_per_minute: 0\n  retry_wait_seconds: 0\n  timeout_seconds: 10\n{smtp_extra}lists:\n  all:\n    name: Everyone\n    members:\n"
        );
        for i in 0..n {
            y.push_str(&format!("      - Member {i} <{}>\n", member(i)));
        }
        y.push_str("  reviewers:\n    name: Reviewers\n    members:\n      - Chief Executive <ceo@example.org>\n");
        std::fs::write(dir.path().join("recipients.yaml"), y).unwrap();
        Office {
            dir,
            now: "2026-12-01T12:00:00Z".into(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .current_dir(self.path())
            .args(args)
            .stdin(Stdio::null())
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .env_remove("BULLETIN_SMTP_TOKEN")
            .env("NO_COLOR", "1")
            .env("BULLETIN_TEST_NOW", &self.now)
            .output()
            .unwrap()
    }

    fn send(&self) -> Output {
        self.run(&["send", FILE, "--list", "all", "--yes"])
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }
}

/// The exit code, stdout and stderr, as a snapshot holds them; the progress line (its speed
/// varies) is left out.
fn shown(o: &Output) -> String {
    let keep = |s: &[u8]| {
        String::from_utf8_lossy(s)
            .lines()
            .filter(|l| !l.starts_with("progress: "))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    format!(
        "exit code {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        keep(&o.stdout),
        keep(&o.stderr)
    )
}

fn subjects(server: &Server) -> Vec<(String, String)> {
    server
        .messages()
        .into_iter()
        .map(|m| {
            let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
            (
                m.to[0].clone(),
                parsed.subject().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const APPROVERS: &str = "[Dr Jane Smith, Sam Jones]";

#[test]
fn an_issue_approved_is_sent_and_its_test_copy_was_marked_for_approval() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port, 3, "", Some(APPROVERS));
    // The test copy before approval says what it is for.
    let out = office.run(&["send", FILE, "--test", "reviewers"]);
    assert!(out.status.success(), "{}", shown(&out));
    let s = subjects(&server);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "ceo@example.org");
    assert!(
        s[0].1.starts_with("[FOR APPROVAL] Improving access"),
        "{:?}",
        s[0].1
    );
    // Approved (the name's capitals do not matter), recorded beside the bulletin.
    let out = office.run(&["approve", FILE, "--as", "dr jane  SMITH"]);
    assert_snapshot(
        "tests/snapshots/approve/approved.txt",
        shown(&out).as_bytes(),
    );
    let record = office.read("bulletins/2021-10-20.approval");
    assert!(
        record.contains("- by: \"Dr Jane Smith\"\n  at: \"2026-12-01T12:00:00.000+00:00\""),
        "{record}"
    );
    // Approving the same content again records nothing.
    let again = office.run(&["approve", FILE, "--as", "Dr Jane Smith"]);
    assert!(again.status.success());
    assert_eq!(office.read("bulletins/2021-10-20.approval"), record);
    // `check` says so.
    let check = office.run(&["check", FILE]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("note: approval: approved by Dr Jane Smith on Tuesday 1 December 2026 at 12:00 (UK time)"),
        "{}",
        shown(&check)
    );
    let out = office.send();
    assert!(out.status.success(), "{}", shown(&out));
    let s = subjects(&server);
    assert_eq!(s.len(), 4, "{s:?}");
    for (to, subject) in &s[1..] {
        assert!(to.starts_with("member"), "{to}");
        assert!(subject.starts_with("Improving access"), "{subject}");
    }
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("note: approval: approved by Dr Jane Smith"),
        "{}",
        shown(&out)
    );
    // Once approved, a test copy is an ordinary one.
    let out = office.run(&["send", FILE, "--test", "reviewers"]);
    assert!(out.status.success());
    assert!(subjects(&server)[4].1.starts_with("[TEST] Improving"));
}

#[test]
fn an_issue_not_approved_or_changed_since_is_refused_saying_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port, 3, "", Some(APPROVERS));
    let out = office.send();
    assert_eq!(out.status.code(), Some(1));
    assert_snapshot(
        "tests/snapshots/approve/not-approved.txt",
        shown(&out).as_bytes(),
    );
    // The dry run still shows who would get it, and says why it would be refused.
    let dry = office.run(&["send", FILE, "--list", "all", "--dry-run"]);
    assert!(dry.status.success(), "{}", shown(&dry));
    assert!(String::from_utf8_lossy(&dry.stderr).contains("note: approval: not approved yet"));

    assert!(
        office
            .run(&["approve", FILE, "--as", "Sam Jones"])
            .status
            .success()
    );
    // A day later, one section's note is changed after approval.
    let mut office = office;
    office.now = "2026-12-02T09:15:00Z".into();
    let path = office.file(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("page 6, point 11"));
    std::fs::write(&path, text.replace("page 6, point 11", "page 7, point 11")).unwrap();
    let out = office.send();
    assert_eq!(out.status.code(), Some(1));
    assert_snapshot(
        "tests/snapshots/approve/changed.txt",
        shown(&out).as_bytes(),
    );
    assert!(server.messages().is_empty(), "nothing may be sent");
    assert!(!office.file("bulletins/2021-10-20.journal").exists());
    // The title too.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("title: Improving access", "title: Improved access", 1),
    )
    .unwrap();
    let out = office.send();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "  - the title changed\n  - section 3 \"Infection Prevention Control\" changed\n"
        ),
        "{err}"
    );
    assert!(server.messages().is_empty());
}

#[test]
fn only_an_approver_can_approve() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port, 1, "", Some(APPROVERS));
    let out = office.run(&["approve", FILE, "--as", "Sam Jone"]);
    assert_eq!(out.status.code(), Some(1));
    assert_snapshot(
        "tests/snapshots/approve/not-an-approver.txt",
        shown(&out).as_bytes(),
    );
    assert!(!office.file("bulletins/2021-10-20.approval").exists());
    // A hand-written approval by someone not on the list approves nothing.
    std::fs::write(
        office.file("bulletins/2021-10-20.approval"),
        "- by: \"Someone Else\"\n  at: \"2026-12-01T11:00:00Z\"\n  issue: \"2021-10-20\"\n  content: \"0000000000000000\"\n  title: \"x\"\n  parts: []\n",
    )
    .unwrap();
    let out = office.send();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has not been approved"),
        "{}",
        shown(&out)
    );
    assert!(server.messages().is_empty());
    // Without approvers in publisher.yaml there is nothing to approve, and sending needs none.
    let office = Office::new(server.port, 1, "", None);
    let out = office.run(&["approve", FILE, "--as", "Sam Jones"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no `approvers`"));
    assert!(office.send().status.success());
    assert_eq!(server.messages().len(), 1);
}

/// Who the server got messages for, and how many each.
fn counts(server: &Server) -> std::collections::HashMap<String, usize> {
    server.counts()
}

#[test]
fn the_daily_limit_stops_the_send_and_the_same_command_carries_on_a_day_later() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let mut office = Office::new(server.port, 8, "  daily_limit: 5\n", None);
    let dry = office.run(&["send", FILE, "--list", "all", "--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains(
        "daily limit: 5 of the 8 now (`daily_limit: 5`; 0 delivered in the last 24 hours); the other 3 from Wednesday 2 December 2026 at 12:00 (UK time)"
    ), "{}", shown(&dry));
    let out = office.send();
    assert_eq!(out.status.code(), Some(75), "{}", shown(&out));
    assert_snapshot(
        "tests/snapshots/approve/daily-limit-stop.txt",
        shown(&out).as_bytes(),
    );
    assert_eq!(server.messages().len(), 5);
    let journal = office.read("bulletins/2021-10-20.journal");
    assert_eq!(
        journal
            .lines()
            .filter(|l| l.starts_with("delivered\t"))
            .count(),
        5
    );
    assert!(!journal.contains("failed\t"), "{journal}");
    // Run again at once: nothing is sent, and it says when.
    let out = office.send();
    assert_eq!(out.status.code(), Some(75));
    assert_snapshot(
        "tests/snapshots/approve/daily-limit-nothing.txt",
        shown(&out).as_bytes(),
    );
    assert_eq!(server.messages().len(), 5);
    // A minute before the window ends: still nothing.
    office.now = "2026-12-02T11:59:00Z".into();
    assert_eq!(office.send().status.code(), Some(75));
    assert_eq!(server.messages().len(), 5);
    // When the first five leave the window: the other three, nobody twice.
    office.now = "2026-12-02T12:00:01Z".into();
    let out = office.send();
    assert!(out.status.success(), "{}", shown(&out));
    let c = counts(&server);
    assert_eq!(c.len(), 8, "{c:?}");
    assert!(c.values().all(|&n| n == 1), "{c:?}");
}

#[test]
fn the_daily_count_spans_every_issues_journal() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port, 8, "  daily_limit: 5\n", None);
    // Last week's issue went to 3 people: 2 within the last 24 hours, 1 before.
    std::fs::write(
        office.file("bulletins/2021-10-13.journal"),
        "# bulletin send journal: one line per outcome, see docs/send.md\n\
         issue\t2021-10-13\t2026-11-30T08:00:00.000+00:00\t0123456789abcdef Last week\n\
         delivered\tother1@example.org\t2026-11-30T08:00:00.000+00:00\t250 ok\n\
         delivered\tother2@example.org\t2026-12-01T08:00:00.000+00:00\t250 ok\n\
         delivered\tother3@example.org\t2026-12-01T09:30:00.000+00:00\t250 ok\n",
    )
    .unwrap();
    let out = office.send();
    assert_eq!(out.status.code(), Some(75), "{}", shown(&out));
    assert_snapshot(
        "tests/snapshots/approve/daily-limit-two-issues.txt",
        shown(&out).as_bytes(),
    );
    assert_eq!(server.messages().len(), 3, "5 a day, 2 already today");
}

#[test]
fn under_a_daily_limit_two_sends_from_one_folder_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port, 2, "  daily_limit: 5\n", None);
    // Another send (of another issue) holds the turn.
    let lock = std::fs::File::create(office.file("bulletins/daily-limit.journal.lock")).unwrap();
    lock.lock().unwrap();
    let out = office.send();
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sends take turns"),
        "{}",
        shown(&out)
    );
    assert!(server.messages().is_empty());
    drop(lock);
    assert!(office.send().status.success());
    assert_eq!(server.messages().len(), 2);
}
