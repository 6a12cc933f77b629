//! `bulletin send --test` for reviewers: test copies to several addresses and to a list (such as
//! `reviewers` in recipients.yaml), against a real SMTP server on 127.0.0.1 (Python's aiosmtpd,
//! tests/smtp/server.py, installed by scripts/install-test-deps.sh). A test copy is marked in the
//! subject and never recorded, so the same people still get the real issue from their list.

use crate::common::needs::text;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use mail_parser::MessageParser;

use crate::common::smtp::Server;

/// One message as the server received it: the envelope's recipients and the subject.
#[derive(Debug)]
struct Received {
    to: Vec<String>,
    subject: String,
}

/// The messages the server took, with their subjects.
fn received(server: &Server) -> Vec<Received> {
    server
        .messages()
        .into_iter()
        .map(|m| {
            let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
            Received {
                subject: parsed.subject().unwrap_or_default().to_string(),
                to: m.to,
            }
        })
        .collect()
}

/// A temporary office: the example bulletin and publisher.yaml, and a recipients file with a
/// list `all` (two GPs and the Chief Executive) and a list `reviewers`.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new(port: u16) -> Office {
        let dir = crate::common::office::example();
        let mut recipients = crate::common::office::smtp(port, "");
        recipients.push_str(
            "lists:
  all:
    name: Everyone
    members:
      - Dr A <gp.a@example.org>
      - Dr B <gp.b@example.org>
      - Chief Executive <ceo@example.org>
  reviewers:
    name: Reviewers
    members:
      - Chief Executive <ceo@example.org>
      - Editor <editor@example.org>
      - Left <left@example.org>
suppress:
  - left@example.org
",
        );
        std::fs::write(dir.path().join("recipients.yaml"), recipients).unwrap();
        Office { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .env_remove("BULLETIN_SMTP_TOKEN")
            .output()
            .unwrap()
    }

    fn journal(&self) -> PathBuf {
        self.dir.path().join("bulletins/2021-10-20.journal")
    }
}

#[test]
fn test_copies_go_to_addresses_and_a_list_once_each_and_the_real_issue_still_reaches_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port);

    // Two addresses and a list, in two --test options; the Chief Executive is named twice
    // (directly, in another case, and through `reviewers`) and gets one copy.
    let test = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "CEO@example.org,reviewers",
        "--test",
        "partner@example.org",
    ]);
    assert!(test.status.success(), "{}", text(&test));
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout.contains("sent a test copy to 3 people"),
        "{}",
        text(&test)
    );
    let stderr = String::from_utf8_lossy(&test.stderr);
    assert!(
        stderr.contains("no test copy for Left <left@example.org>: on the suppression list"),
        "{}",
        text(&test)
    );
    let tests = received(&server);
    let mut to: Vec<String> = tests.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        [
            "ceo@example.org",
            "editor@example.org",
            "partner@example.org"
        ]
    );
    for m in &tests {
        assert_eq!(m.to.len(), 1, "one message per person: {m:?}");
        assert!(m.subject.starts_with("[TEST] "), "{m:?}");
    }
    assert!(
        !office.journal().exists(),
        "a test send wrote the journal: its people would be skipped by the real send"
    );

    // The real send to `all` reaches everyone on it, the reviewer included.
    let real = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--list",
        "all",
        "--yes",
    ]);
    assert!(real.status.success(), "{}", text(&real));
    let all = received(&server);
    let mut real_to: Vec<String> = all[tests.len()..]
        .iter()
        .inspect(|m| assert!(!m.subject.starts_with("[TEST]"), "{m:?}"))
        .flat_map(|m| m.to.clone())
        .collect();
    real_to.sort();
    assert_eq!(
        real_to,
        ["ceo@example.org", "gp.a@example.org", "gp.b@example.org"]
    );
}

#[test]
fn test_dry_run_lists_who_would_get_a_copy_and_connects_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port);
    let out = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "reviewers,me@example.org",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("dry run: would send a test copy to 3 people, through "),
        "{stdout}"
    );
    for who in [
        "Chief Executive <ceo@example.org>",
        "Editor <editor@example.org>",
        "me@example.org",
    ] {
        assert!(stdout.contains(&format!("would send    {who}")), "{stdout}");
    }
    assert!(received(&server).is_empty(), "a dry run connected");
    assert!(!office.journal().exists());
}

#[test]
fn a_test_name_that_is_neither_address_nor_list_sends_nothing_and_suggests_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port);
    let out = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org,reviewer",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--test reviewer: this is neither an email address nor a list in")
            && stderr.contains("did you mean `reviewers`?"),
        "{stderr}"
    );
    assert!(received(&server).is_empty(), "something was sent");
}
