//! `bulletin inbox` and `bulletin unsuppress` on real-world-shaped mail (tests/fixtures/inbox:
//! Postfix, Exchange/NHSmail and Gmail reports, an unsubscribe request, an out-of-office reply,
//! an ARF complaint), read from a folder (`--dir`) and from a real IMAP server: Debian's Dovecot,
//! started here as its own instance on 127.0.0.1 with its own configuration, a passwd-file user
//! and a Maildir the test fills (installed by scripts/install-test-deps.sh). Then a real `send`
//! to aiosmtpd (tests/smtp/server.py) shows who is skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PASSWORD: &str = "imap-pw-Secret-4711";
const MEMBERS: usize = 10;

fn member(i: usize) -> String {
    format!("member{i:04}@example.org")
}

fn fixtures() -> PathBuf {
    Path::new(ROOT).join("tests/fixtures/inbox")
}

/// A copy of the nine reports and requests at the top of tests/fixtures/inbox (not its
/// sub-folders, which other tests read), as they would come back after the office really sent
/// the issue: each Message-ID they quote is replaced by the one `sent` says went to that member
/// ([`Office::send_first`]), and the request from member 4 replies to the one sent to them.
fn base_fixtures(sent: &HashMap<String, String>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixtures()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "eml") {
            std::fs::write(dir.path().join(p.file_name().unwrap()), genuine(&p, sent)).unwrap();
        }
    }
    dir
}

/// The placeholder Message-ID each base fixture quotes, and whose message it stands for.
const QUOTED: [(&str, usize); 4] = [
    ("bulletin.2021-10-20.5a1c0f3e9b2d4c71", 1),
    ("bulletin.2021-10-20.77aa01b2c3d4e5f6", 2),
    ("bulletin.2021-10-20.0011223344556677", 3),
    ("bulletin.2021-10-20.5555555555555555", 5),
];

/// The fixture at `path` with the Message-IDs really sent in place of its placeholders
/// (`SENT-TO-member0001` and those of [`QUOTED`]).
fn genuine(path: &Path, sent: &HashMap<String, String>) -> Vec<u8> {
    let mut t = std::fs::read_to_string(path).unwrap();
    let local = |i: usize| {
        sent[&member(i)]
            .trim_matches(['<', '>'])
            .split('@')
            .next()
            .unwrap()
            .to_string()
    };
    for (placeholder, i) in QUOTED {
        t = t.replace(placeholder, &local(i));
    }
    for i in 1..=MEMBERS {
        t = t.replace(&format!("SENT-TO-{}", member(i)), &local(i));
    }
    if path.ends_with("04-unsubscribe-request.eml") {
        t = t.replace(
            "Message-ID: <CAF=unsub0004",
            &format!(
                "In-Reply-To: {}\r\nMessage-ID: <CAF=unsub0004",
                sent[&member(4)]
            ),
        );
    }
    t.into_bytes()
}

/// A temporary office: the example bulletin and publisher.yaml, and `lists.yaml` with list `all`
/// of member0001..member0010.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new(smtp_port: u16, mailbox: &str) -> Office {
        let dir = crate::common::office::example();
        let mut y = crate::common::office::smtp(smtp_port, "");
        y.push_str("lists:\n  all:\n    members:\n");
        for i in 1..=MEMBERS {
            y.push_str(&format!("      - {}\n", member(i)));
        }
        y.push_str(mailbox);
        std::fs::write(dir.path().join("lists.yaml"), y).unwrap();
        Office { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Makes the publisher's `mailto:` unsubscribe link `link`.
    fn set_unsubscribe(&self, link: &str) {
        let p = self.path().join("bulletins/publisher.yaml");
        let y = std::fs::read_to_string(&p)
            .unwrap()
            .replace("mailto:unsubscribe@example.org?subject=unsubscribe", link);
        std::fs::write(p, y).unwrap();
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Output {
        self.run_with_input(args, password, None)
    }

    /// `bulletin ARGS` with the mailbox password and `env`, killed (and the test failed) if it
    /// has not finished after `limit`.
    fn run_within(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        limit: std::time::Duration,
    ) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        c.current_dir(self.path())
            .args(args)
            .args(["--recipients", "lists.yaml"])
            .env("BULLETIN_IMAP_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        // At most 2 GB of address space: a run that reads without end fails, not the machine.
        #[cfg(target_os = "linux")]
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut c, || {
                let limit = libc::rlimit {
                    rlim_cur: 2 << 30,
                    rlim_max: 2 << 30,
                };
                libc::setrlimit(libc::RLIMIT_AS, &limit);
                Ok(())
            });
        }
        let mut child = c.spawn().unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > limit {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!(
                    "`bulletin {}` still running after {limit:?}: {}{}",
                    args.join(" "),
                    text(&out.stdout),
                    text(&out.stderr)
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    /// As [`Office::run`], with `input` piped in if given.
    fn run_with_input(&self, args: &[&str], password: Option<&str>, input: Option<&str>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        c.current_dir(self.path())
            .args(args)
            .args(["--recipients", "lists.yaml"])
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("BULLETIN_IMAP_PASSWORD");
        if let Some(p) = password {
            c.env("BULLETIN_IMAP_PASSWORD", p);
        }
        let mut child = c.spawn().unwrap();
        if let Some(input) = input {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        for text in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(text).contains(PASSWORD),
                "the password was printed"
            );
        }
        out
    }

    /// Sends the issue to list `all` through `smtp`, as the office did before anything came
    /// back, and returns the Message-ID each member was sent (as received).
    fn send_first(&self, smtp: &Smtp) -> HashMap<String, String> {
        let out = self.send();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let mut ids = HashMap::new();
        for m in smtp.messages() {
            let id = m
                .data
                .lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap()
                .trim()
                .to_string();
            ids.insert(m.to[0].clone(), id);
        }
        assert_eq!(ids.len(), MEMBERS);
        ids
    }

    fn suppressions(&self) -> String {
        std::fs::read_to_string(self.path().join("suppressions.yaml")).unwrap_or_default()
    }

    /// The suppressed addresses, in file order.
    fn suppressed(&self) -> Vec<String> {
        self.section("suppressed:")
    }

    /// The addresses waiting for confirmation, in file order.
    fn waiting(&self) -> Vec<String> {
        self.section("to_confirm:")
    }

    fn section(&self, name: &str) -> Vec<String> {
        let text = self.suppressions();
        text.lines()
            .skip_while(|l| *l != name)
            .skip(1)
            .take_while(|l| l.starts_with(' '))
            .filter_map(|l| l.trim().strip_prefix("- address: "))
            .map(|a| a.trim_matches('"').to_string())
            .collect()
    }

    /// The issue sent again to everyone not suppressed, its journals gone (after `inbox` read
    /// them).
    fn send_again(&self) -> Output {
        for e in std::fs::read_dir(self.path().join("bulletins")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "journal") {
                std::fs::remove_file(p).unwrap();
            }
        }
        self.send()
    }

    fn send(&self) -> Output {
        self.run(
            &[
                "send",
                "bulletins/2021-10-20.yaml",
                "--list",
                "all",
                "--yes",
            ],
            None,
        )
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

use crate::common::smtp::Server as Smtp;

/// Checks that, after [`Office::send_first`], a second send reached exactly everyone but
/// `skipped` (so each has two messages, they one).
fn assert_sent_to_all_but(smtp: &Smtp, skipped: &[usize]) {
    let counts = smtp.counts();
    for i in 1..=MEMBERS {
        let want = 1 + usize::from(!skipped.contains(&i));
        assert_eq!(
            counts.get(&member(i)).copied().unwrap_or(0),
            want,
            "{} in {counts:?}",
            member(i)
        );
    }
}

/// The members that the fixtures suppress: 1 and 2 (hard bounces, Postfix and Exchange), 4
/// (unsubscribe request) and 5 (ARF complaint). Not 3 (one soft bounce), 6 (out of office), 7
/// (malformed report) or 8 (a human reply), nor the stranger who asked to unsubscribe.
const SUPPRESSED: [usize; 4] = [1, 2, 4, 5];

#[test]
fn dir_suppresses_bounces_unsubscribes_and_complaints_and_send_skips_exactly_them() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let sent = office.send_first(&smtp);
    let dir = base_fixtures(&sent);
    let out = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        office.suppressed(),
        SUPPRESSED.iter().map(|&i| member(i)).collect::<Vec<_>>()
    );
    let file = office.suppressions();
    for evidence in [
        "why: \"hard bounce 5.1.1\"".to_string(),
        "status: \"5.1.10\"".to_string(),
        format!("original: \"{}\"", sent[&member(1)]),
        "why: \"unsubscribe request\"".to_string(),
        "why: \"complaint\"".to_string(),
        "issue: \"2021-10-20\"".to_string(),
        "message_id: \"<61700a1b.1c69fb81.gmail-delay-0001@mx.google.com>\"".to_string(),
    ] {
        assert!(file.contains(&evidence), "{evidence} missing from\n{file}");
    }
    assert!(
        stdout.contains(
            "unsubscribe request for someone.else@example.net, who is on no list: not applied"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("08-malformed-dsn.eml: left alone"),
        "{stdout}"
    );
    assert!(
        stdout.contains("9 messages read: 2 hard bounces, 1 soft bounce, 2 unsubscribe requests, 1 complaint, 1 auto-reply, 1 reply to read, 0 other, 2 not applied, 0 counted before"),
        "{stdout}"
    );

    // `lists` counts as `send` does: the suppressed are taken out, and counted.
    let lists = office.run(&["lists"], None);
    assert!(lists.status.success(), "{}", text(&lists.stderr));
    assert!(
        text(&lists.stdout).contains("all            6  all (4 suppressed)"),
        "{}",
        text(&lists.stdout)
    );
    let dry = office.run(
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--dry-run",
        ],
        None,
    );
    assert!(
        text(&dry.stdout).contains("4 suppressed"),
        "{}",
        text(&dry.stdout)
    );

    let out = office.send_again();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_sent_to_all_but(&smtp, &SUPPRESSED);
}

/// Mail saved into a folder a month (and one folder deeper): `--dir` reads the sub-folders too,
/// skips what is not `.eml`, and says how many files it read from how many folders.
#[test]
fn dir_reads_sub_folders_and_says_how_many_files_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let sent = office.send_first(&smtp);
    let saved = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 9);
    for (i, p) in names.iter().enumerate() {
        let folder = match i {
            0..=2 => saved.path().to_path_buf(),
            3..=5 => saved.path().join("2021-10"),
            _ => saved.path().join("2021-11").join("Bounces"),
        };
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(p.file_name().unwrap()), genuine(p, &sent)).unwrap();
    }
    std::fs::write(saved.path().join("2021-10").join("notes.txt"), "not mail").unwrap();
    let out = office.run(&["inbox", "--dir", saved.path().to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "read 9 .eml files from {} and its 3 sub-folders\n\n9 messages read: 2 hard bounces, 1 soft bounce, 2 unsubscribe requests, 1 complaint,",
            saved.path().display()
        )),
        "{stdout}"
    );
    assert_eq!(
        office.suppressed(),
        SUPPRESSED.iter().map(|&i| member(i)).collect::<Vec<_>>()
    );
}

#[test]
fn dry_run_changes_nothing_and_a_rerun_counts_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let dir = base_fixtures(&office.send_first(&smtp));
    let dir = dir.path().to_str().unwrap();
    let out = office.run(&["inbox", "--dir", dir, "--dry-run"], None);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("dry run: would suppress 4 addresses"),
        "{}",
        text(&out.stdout)
    );
    assert!(!office.path().join("suppressions.yaml").exists());

    assert!(office.run(&["inbox", "--dir", dir], None).status.success());
    let first = office.suppressions();
    let out = office.run(&["inbox", "--dir", dir], None);
    assert!(
        text(&out.stdout).contains("0 not applied, 9 counted before"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(office.suppressions(), first);
}

/// The unsubscribe `mailto:` is the office's own mailbox, where people also write in: replies from
/// Outlook, Gmail and Apple Mail that quote the bulletin (its footer's "Unsubscribe" and all) are
/// listed for a person to read and suppress nobody; only the two that ask are requests.
#[test]
fn a_reply_to_the_offices_mailbox_is_never_an_unsubscribe_request() {
    let office = Office::new(25, "");
    office.set_unsubscribe("mailto:office@example.org?subject=unsubscribe");
    let dir = fixtures().join("replies");
    let out = office.run(&["inbox", "--dir", dir.to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for i in [6, 7, 8] {
        assert!(!office.suppressions().contains(&member(i)), "{stdout}");
    }
    for (file, from, subject) in [
        (
            "outlook-question.eml",
            6,
            "RE: LMC Bulletin, 20 October 2021",
        ),
        ("gmail-thanks.eml", 7, "Re: LMC Bulletin, 20 October 2021"),
        (
            "apple-mail-slides.eml",
            8,
            "Re: LMC Bulletin, 20 October 2021",
        ),
    ] {
        let line = format!(
            "{file}: a reply from {} ({subject:?}): read it yourself; nobody suppressed",
            member(from)
        );
        assert!(stdout.contains(&line), "{line} missing from\n{stdout}");
    }
    assert!(
        stdout.contains("5 messages read: 0 hard bounces, 0 soft bounces, 2 unsubscribe requests, 0 complaints, 0 auto-replies, 3 replies to read, 0 other,"),
        "{stdout}"
    );
}

/// After a real send: forged reports and requests (a bounce quoting the Message-ID anyone could
/// work out from the date and the address, a complaint and a request quoting another
/// member's real Message-ID, requests that fail DMARC or that another server vouches for, a
/// bounce in plain text) suppress nobody and wait for a person, by file and address; a request
/// that the office's own server says passed DMARC is applied; `--confirm` applies a waiting one.
#[test]
fn forged_reports_and_requests_suppress_nobody_until_a_person_confirms() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "mailbox:\n  authserv_id: mx.example.org\n");
    let sent = office.send_first(&smtp);
    let key = std::fs::read_to_string(office.path().join("bulletins/message-ids.key")).unwrap();
    assert!(
        !sent[&member(6)].contains("4843091f3d38ac07"),
        "the guessable Message-ID was sent"
    );
    let dir = tempfile::tempdir().unwrap();
    for sub in ["forged", "genuine"] {
        for e in std::fs::read_dir(fixtures().join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::write(dir.path().join(p.file_name().unwrap()), genuine(&p, &sent)).unwrap();
        }
    }
    let out = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains(key.lines().last().unwrap()));
    assert_eq!(office.suppressed(), [member(3)], "{stdout}");
    assert!(
        stdout.contains("unsubscribe-vouched-by-the-office-server.eml: suppress member0003@example.org (unsubscribe request)"),
        "{stdout}"
    );
    let quote = "it quotes no message the office sent to that address";
    let sender = "it does not reply to a bulletin sent to them, and the office's mail server";
    for (file, line) in [
        (
            "guessed-message-id-bounce.eml",
            format!("hard bounce 5.1.1 for {} not applied: {quote}", member(6)),
        ),
        (
            "complaint-quoting-another-members-message.eml",
            format!("complaint for {} not applied: {quote}", member(7)),
        ),
        (
            "unsubscribe-dmarc-fail.eml",
            format!(
                "unsubscribe request for {} not applied: {sender}",
                member(8)
            ),
        ),
        (
            "unsubscribe-vouched-by-another-server.eml",
            format!(
                "unsubscribe request for {} not applied: {sender}",
                member(9)
            ),
        ),
        (
            "unsubscribe-replying-to-another-members-message.eml",
            format!(
                "unsubscribe request for {} not applied: {sender}",
                member(10)
            ),
        ),
        (
            "plain-text-bounce.eml",
            format!(
                "a bounce in plain text (not a delivery report) naming {}: not applied",
                member(6)
            ),
        ),
    ] {
        let want = format!("{file}: {line}");
        assert!(stdout.contains(&want), "{want} missing from\n{stdout}");
    }
    assert!(
        stdout.contains(&format!(
            "if {} should no longer get the bulletin, run `bulletin inbox --confirm {}`",
            member(7),
            member(7)
        )),
        "{stdout}"
    );
    assert!(stdout.contains("6 waiting for you to confirm"), "{stdout}");
    assert_eq!(
        office.waiting(),
        [7, 6, 6, 8, 10, 9].map(member),
        "{}",
        office.suppressions()
    );

    // Read again: nothing new, nothing counted twice.
    let out = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    assert!(
        text(&out.stdout).contains("7 counted before"),
        "{}",
        text(&out.stdout)
    );

    let out = office.run(&["inbox", "--confirm", "Member0007@example.org"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(office.suppressed(), [member(3), member(7)]);
    assert!(!office.waiting().contains(&member(7)));
    let out = office.run(&["inbox", "--confirm", &member(1)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing from member0001@example.org waits for confirmation"),
        "{}",
        text(&out.stderr)
    );

    let out = office.send_again();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_sent_to_all_but(&smtp, &[3, 7]);
}

/// Every control character, Unicode separator and bidirectional control, in a genuine bounce's
/// Diagnostic-Code and in a genuine request's subject: `inbox` writes them so that the file reads
/// back, and `send --dry-run`, `inbox` and `unsuppress` still work after it.
#[test]
fn every_control_and_separator_character_from_a_message_leaves_the_file_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let sent = office.send_first(&smtp);
    let mut hostile: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .chain([
            0x61c, 0x1680, 0x2000, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c,
            0x202d, 0x202e, 0x205f, 0x2066, 0x2067, 0x2068, 0x2069, 0x3000, 0xfeff,
        ])
        .filter_map(char::from_u32)
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    hostile.push_str(" end");
    let dir = tempfile::tempdir().unwrap();
    let bounce = String::from_utf8(genuine(
        &fixtures().join("01-postfix-hard-bounce.eml"),
        &sent,
    ))
    .unwrap()
    .replacen("smtp; 550 5.1.1", &format!("smtp; 550 5.1.1 {hostile}"), 1);
    std::fs::write(dir.path().join("bounce.eml"), bounce).unwrap();
    // An RFC 2047 encoded word, every byte written =XX.
    let subject: String = format!("unsubscribe {hostile}")
        .bytes()
        .map(|b| format!("={b:02X}"))
        .collect();
    let request = format!(
        "From: Member Four <member0004@example.org>\r\nTo: unsubscribe@example.org\r\nSubject: =?UTF-8?Q?{subject}?=\r\nMessage-ID: <hostile-0004@example.org>\r\nIn-Reply-To: {}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nplease\r\n",
        sent[&member(4)]
    );
    std::fs::write(dir.path().join("request.eml"), request).unwrap();
    let out = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(office.suppressed(), [member(1), member(4)]);
    let file = office.suppressions();
    assert!(
        file.contains("\\u0085")
            && file.contains("\\u009B")
            && file.contains("\\u2028")
            && file.contains("\\u202E"),
        "{file}"
    );

    let dry = office.run(
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--dry-run",
        ],
        None,
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let again = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("2 counted before"),
        "{}",
        text(&again.stdout)
    );
    let lift = office.run(&["unsuppress", &member(4)], None);
    assert!(lift.status.success(), "{}", text(&lift.stderr));
    assert_eq!(office.suppressed(), [member(1)]);
}

#[test]
fn send_stops_on_a_damaged_suppressions_file_rather_than_mail_someone_suppressed() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    std::fs::write(
        office.path().join("suppressions.yaml"),
        "suppressed:\n  - address: \"member0001@example.org\"\n  - why: \"hard bounce\"\n",
    )
    .unwrap();
    let out = office.send();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "suppressions.yaml, line 3: an entry has no `address:`. Correct it in an editor"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(smtp.counts().is_empty());
}

/// A copy of the Gmail delay report with its own Message-ID, quoting what was `sent`.
fn soft_bounce(n: usize, sent: &HashMap<String, String>) -> String {
    String::from_utf8(genuine(&fixtures().join("03-gmail-soft-bounce.eml"), sent))
        .unwrap()
        .replace("gmail-delay-0001", &format!("gmail-delay-{n:04}"))
}

#[test]
fn soft_bounces_suppress_only_at_the_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "mailbox:\n  soft_bounces: 2\n");
    let sent = office.send_first(&smtp);
    let soft_bounce = |n| soft_bounce(n, &sent);
    let inbox = office.path().join("mail");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.eml"), soft_bounce(1)).unwrap();
    let dir = inbox.to_str().unwrap();
    let out = office.run(&["inbox", "--dir", dir], None);
    assert!(
        text(&out.stdout)
            .contains("soft bounce 4.2.2 for member0003@example.org (1 of 2 in 30 days)"),
        "{}",
        text(&out.stdout)
    );
    assert!(office.suppressed().is_empty());
    // The same report read again is not a second bounce.
    office.run(&["inbox", "--dir", dir], None);
    assert!(office.suppressed().is_empty());
    std::fs::write(inbox.join("b.eml"), soft_bounce(2)).unwrap();
    let out = office.run(&["inbox", "--dir", dir], None);
    assert!(
        text(&out.stdout).contains("suppress member0003@example.org (2 soft bounces in 30 days, answering the issue 2021-10-20)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(office.suppressed(), [member(3)]);
}

/// Soft bounces without a Message-ID of their own (some servers send none), in a folder read three
/// times: each is counted once, so three runs do not make three bounces.
#[test]
fn the_same_folder_read_three_times_counts_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let sent = office.send_first(&smtp);
    let dir = tempfile::tempdir().unwrap();
    let without_id = soft_bounce(1, &sent).replacen(
        "Message-ID: <61700a1b.1c69fb81.gmail-delay-0001@mx.google.com>\r\n",
        "",
        1,
    );
    assert!(!without_id.contains("Message-ID: <61700a1b"));
    std::fs::write(dir.path().join("no-id.eml"), &without_id).unwrap();
    std::fs::write(
        dir.path().join("reply.eml"),
        "From: member0008@example.org\r\nTo: office@example.org\r\nSubject: thanks\r\n\r\nThanks!\r\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let first = office.run(&["inbox", "--dir", path], None);
    assert!(
        text(&first.stdout)
            .contains("soft bounce 4.2.2 for member0003@example.org (1 of 3 in 30 days)"),
        "{}",
        text(&first.stdout)
    );
    for _ in 0..2 {
        let again = office.run(&["inbox", "--dir", path], None);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert!(
            text(&again.stdout).contains("0 soft bounces, 0 unsubscribe requests, 0 complaints, 0 auto-replies, 0 replies to read, 0 other, 0 not applied, 2 counted before"),
            "{}",
            text(&again.stdout)
        );
    }
    assert!(office.suppressed().is_empty(), "{}", office.suppressions());
    assert_eq!(
        office
            .suppressions()
            .matches("- address: \"member0003@example.org\"")
            .count(),
        1
    );
}

/// A FIFO named like a message (it would wait for a writer for ever) and a link to /dev/zero
/// (endless bytes) are left alone, and the rest of the folder is read.
#[cfg(unix)]
#[test]
fn a_fifo_and_a_link_to_dev_zero_are_left_alone() {
    let office = Office::new(25, "");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.eml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.eml")).unwrap();
    std::fs::copy(
        fixtures().join("09-human-reply.eml"),
        dir.path().join("reply.eml"),
    )
    .unwrap();
    let out = office.run_within(
        &["inbox", "--dir", dir.path().to_str().unwrap()],
        &[],
        std::time::Duration::from_secs(20),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    for name in ["x.eml", "zero.eml"] {
        let line = format!("{name}: left alone, it is not a regular file");
        assert!(stdout.contains(&line), "{line} missing from {stdout}");
    }
    assert!(
        stdout.contains("3 messages read:") && stdout.contains("1 reply to read"),
        "{stdout}"
    );
}

/// Text from the files (a list's name) and from messages (a file name, a subject) reaches the
/// terminal with every invisible character shown as an escape: U+0085, U+009B (which starts a
/// terminal sequence), U+2028 and U+202E (a right-to-left override).
#[test]
fn lists_and_inbox_show_invisible_characters_as_escapes() {
    let invisible = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let office = Office::new(25, "");
    let path = office.path().join("lists.yaml");
    let y = std::fs::read_to_string(&path).unwrap().replace(
        "  all:\n    members:",
        "  all:\n    name: \"GP \u{202e}srentrap\"\n    members:",
    );
    std::fs::write(&path, y).unwrap();
    let lists = office.run(&["lists"], None);
    let stdout = text(&lists.stdout);
    assert!(lists.status.success(), "{stdout}{}", text(&lists.stderr));
    assert!(!stdout.chars().any(invisible), "{stdout:?}");
    assert!(stdout.contains("GP \\u{202e}srentrap"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let subject: String = "Re: bulletin \u{85}\u{9b}31m\u{2028}\u{202e}"
        .bytes()
        .map(|b| format!("={b:02X}"))
        .collect();
    std::fs::write(
        dir.path().join("reply\u{202e}lme.eml"),
        format!("From: member0008@example.org\r\nTo: office@example.org\r\nSubject: =?UTF-8?Q?{subject}?=\r\n\r\nThanks\r\n"),
    )
    .unwrap();
    let out = office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.chars().any(invisible), "{stdout:?}");
    for escape in ["reply\\u{202e}lme.eml", "\\u{85}", "\\u{9b}", "\\u{2028}"] {
        assert!(stdout.contains(escape), "{escape} missing from {stdout}");
    }
}

#[test]
fn unsuppress_lifts_one_address_and_refuses_an_unknown_one() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(tmp.path(), &[]);
    let office = Office::new(smtp.port, "");
    let dir = base_fixtures(&office.send_first(&smtp));
    office.run(&["inbox", "--dir", dir.path().to_str().unwrap()], None);
    let out = office.run(&["unsuppress", "Member0001@Example.org"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(office.suppressed(), [member(2), member(4), member(5)]);
    let out = office.run(&["unsuppress", "nobody@example.org"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("nobody@example.org is not in suppressions.yaml: nothing was changed"),
        "{}",
        text(&out.stderr)
    );
}

/// A 30 MB message, shaped like a hard bounce for member0009 with a large attachment.
fn huge_bounce() -> Vec<u8> {
    let mut m = std::fs::read_to_string(fixtures().join("01-postfix-hard-bounce.eml"))
        .unwrap()
        .replace("member0001", "member0009")
        .replace("9D1A21C0E3", "HUGE000001")
        .into_bytes();
    let line = "X-Padding: ".to_string() + &"A".repeat(76) + "\r\n";
    let mut pad = Vec::new();
    while pad.len() < 30 * 1024 * 1024 {
        pad.extend_from_slice(line.as_bytes());
    }
    // The padding goes into the headers, so the report itself is intact.
    m.splice(0..0, pad);
    m
}

#[test]
fn a_30_mb_message_and_a_malformed_report_suppress_nobody() {
    let office = Office::new(25, "");
    let inbox = office.path().join("mail");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("huge.eml"), huge_bounce()).unwrap();
    std::fs::copy(
        fixtures().join("08-malformed-dsn.eml"),
        inbox.join("malformed.eml"),
    )
    .unwrap();
    let out = office.run(&["inbox", "--dir", inbox.to_str().unwrap()], None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("huge.eml: left alone, it is 31 MB, too large"),
        "{stdout}"
    );
    assert!(
        stdout.contains("malformed.eml: left alone, a delivery report without a failed recipient"),
        "{stdout}"
    );
    assert!(office.suppressed().is_empty(), "{}", office.suppressions());
}

/// The IMAP tests: Dovecot runs on Linux (and other Unix systems), not on Windows.
#[cfg(unix)]
mod imap {
    use super::*;
    #[cfg(target_os = "linux")]
    use crate::common::keyring::{keyctl_read, own_session_keyring};
    use std::time::Duration;

    use crate::common::dovecot::{Dovecot, Login, free_port};

    /// Dovecot with the user `office` and its password [`PASSWORD`]; with `tls` (certificate,
    /// key), STARTTLS and implicit TLS too.
    fn dovecot(tls: Option<(&Path, &Path)>) -> Dovecot {
        Dovecot::start(Login::Password(PASSWORD), tls)
    }

    /// The recipients file's `mailbox:` for Dovecot's user `office`.
    fn mailbox_of(imap: &Dovecot) -> String {
        format!(
            "mailbox:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  username: office\n",
            imap.port
        )
    }

    #[test]
    fn imap_suppresses_as_the_folder_does_marks_what_it_took_and_send_skips_exactly_them() {
        let imap = dovecot(None);
        let tmp = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(tmp.path(), &[]);
        let office = Office::new(smtp.port, &mailbox_of(&imap));
        let sent = office.send_first(&smtp);
        let mut names: Vec<_> = std::fs::read_dir(fixtures())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        for (i, p) in names.iter().enumerate() {
            imap.deliver(&format!("{i}"), &genuine(p, &sent));
        }
        imap.deliver("huge", &huge_bounce());

        // A dry run reads everything and marks nothing.
        let out = office.run(&["inbox", "--dry-run"], Some(PASSWORD));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(!office.path().join("suppressions.yaml").exists());

        let out = office.run(&["inbox"], Some(PASSWORD));
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(stdout.contains("10 messages read: 2 hard bounces, 1 soft bounce, 2 unsubscribe requests, 1 complaint, 1 auto-reply, 1 reply to read, 0 other, 3 not applied, 0 counted before"), "{stdout}");
        assert!(stdout.contains("left alone, it is 31 MB"), "{stdout}");
        assert_eq!(
            office.suppressed(),
            SUPPRESSED.iter().map(|&i| member(i)).collect::<Vec<_>>()
        );

        // The messages taken are marked: only the one too large to read is read again.
        let out = office.run(&["inbox"], Some(PASSWORD));
        assert!(
            text(&out.stdout).contains("1 message read:"),
            "{}",
            text(&out.stdout)
        );

        let out = office.send_again();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_sent_to_all_but(&smtp, &SUPPRESSED);
    }

    /// tests/imap/fake_server.py: an IMAP server that stalls at one step or refuses STORE.
    struct Fake {
        child: Child,
        port: u16,
    }

    impl Fake {
        fn start(args: &[&str], messages: &[&Path]) -> Fake {
            let mut child = Command::new("python3")
                .arg(Path::new(ROOT).join("tests/imap/fake_server.py"))
                .args(args)
                .args(messages)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut line = String::new();
            std::io::BufRead::read_line(
                &mut std::io::BufReader::new(child.stdout.take().unwrap()),
                &mut line,
            )
            .unwrap();
            Fake {
                port: line.trim().parse().unwrap(),
                child,
            }
        }

        fn mailbox(&self) -> String {
            format!(
                "mailbox:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  username: office\n",
                self.port
            )
        }
    }

    impl Drop for Fake {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    const QUICK: [(&str, &str); 1] = [("BULLETIN_IMAP_TIMEOUT_MS", "1000")];

    /// A server that stops answering after the login, at each step in turn: `inbox` gives up
    /// within its timeout with a clear error, instead of waiting for ever.
    #[test]
    fn imap_a_server_that_stops_answering_at_any_step_is_an_error_not_a_hang() {
        let bounce = fixtures().join("01-postfix-hard-bounce.eml");
        for (step, doing) in [
            ("select", "opening the folder"),
            ("search", "searching the folder"),
            ("sizes", "reading the messages' sizes"),
            ("fetch", "reading the messages"),
            ("store", "refused to mark the messages read"),
        ] {
            let fake = Fake::start(&["--stall", step], &[&bounce]);
            let office = Office::new(25, &fake.mailbox());
            let out = office.run_within(&["inbox"], &QUICK, Duration::from_secs(30));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{step}: {stderr}");
            assert!(
                stderr.contains(doing) && stderr.contains("no answer within 1 seconds"),
                "{step}: {stderr}"
            );
        }
    }

    /// A server that answers NO to UID STORE: an error (exit 1), and what was read is saved.
    #[test]
    fn imap_a_refused_store_is_reported_and_what_was_read_is_kept() {
        let bounce = fixtures().join("01-postfix-hard-bounce.eml");
        let fake = Fake::start(&["--refuse-store"], &[&bounce]);
        let office = Office::new(25, &fake.mailbox());
        let out = office.run_within(&["inbox"], &QUICK, Duration::from_secs(30));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}{stderr}", text(&out.stdout));
        assert!(
            stderr.contains(&format!(
                "the mailbox server 127.0.0.1:{} refused to mark the messages read (",
                fake.port
            )) && stderr.contains("this folder is read-only"),
            "{stderr}"
        );
        assert_eq!(office.waiting(), [member(1)]);
    }

    /// A run that stops half-way (here the server stalls on the second batch) keeps what the
    /// first batch said: saved, and marked.
    #[test]
    fn imap_a_run_stopped_half_way_keeps_what_it_read() {
        let first = fixtures().join("01-postfix-hard-bounce.eml");
        let second = fixtures().join("02-exchange-nhsmail-ndr.eml");
        let fake = Fake::start(&["--stall", "fetch2"], &[&first, &second]);
        let office = Office::new(25, &fake.mailbox());
        let env = [QUICK[0], ("BULLETIN_IMAP_BATCH", "1")];
        let out = office.run_within(&["inbox"], &env, Duration::from_secs(30));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("no answer within 1 seconds"), "{stderr}");
        assert!(
            text(&out.stdout)
                .contains("message 1: hard bounce 5.1.1 for member0001@example.org not applied"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(office.waiting(), [member(1)]);
    }

    #[test]
    fn imap_wrong_login_unreachable_server_and_no_password_are_clear_errors() {
        let imap = dovecot(None);
        imap.deliver(
            "1",
            &std::fs::read(fixtures().join("01-postfix-hard-bounce.eml")).unwrap(),
        );
        let office = Office::new(25, &mailbox_of(&imap));

        let out = office.run(&["inbox"], Some("wrong-password"));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!("the mailbox server 127.0.0.1:{} refused the login for office: check `username` under `mailbox:` and the password; nothing was changed", imap.port)),
            "{}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains("wrong-password"));

        let out = office.run(&["inbox"], None);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!("no mailbox password for office at 127.0.0.1:{}. Give it in one of these ways:\n  - run `bulletin login --mailbox` once", imap.port)),
            "{}",
            text(&out.stderr)
        );

        let closed = free_port();
        let office = Office::new(
            25,
            &format!(
                "mailbox:\n  host: 127.0.0.1\n  port: {closed}\n  security: none\n  username: office\n"
            ),
        );
        let out = office.run(&["inbox"], Some(PASSWORD));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!(
                "cannot reach the mailbox server 127.0.0.1:{closed}"
            )),
            "{}",
            text(&out.stderr)
        );
        assert!(!office.path().join("suppressions.yaml").exists());
    }

    /// STARTTLS and implicit TLS against Dovecot with a certificate from the office's own
    /// authority: trusted through `ca_file`, refused (naming the server and `ca_file`) with
    /// another authority's, and never plain text when STARTTLS is not offered.
    #[test]
    fn imap_starttls_and_tls_trust_the_offices_own_ca_and_never_fall_back_to_plain_text() {
        let certs = tempfile::tempdir().unwrap();
        let (ca, cert, key) = crate::common::tls::certificates(certs.path(), "");
        let (other_ca, _, _) = crate::common::tls::certificates(certs.path(), "other-");
        let imap = dovecot(Some((&cert, &key)));
        imap.deliver(
            "1",
            &std::fs::read(fixtures().join("01-postfix-hard-bounce.eml")).unwrap(),
        );
        for (security, port) in [("starttls", imap.port), ("tls", imap.tls_port)] {
            let settings = format!(
                "mailbox:\n  host: 127.0.0.1\n  port: {port}\n  security: {security}\n  username: office\n  ca_file: office-ca.pem\n"
            );
            let office = Office::new(25, &settings);
            std::fs::copy(&other_ca, office.path().join("office-ca.pem")).unwrap();
            let out = office.run(&["inbox"], Some(PASSWORD));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{security}: {stderr}");
            assert!(
                stderr.contains(&format!(
                    "the secure connection to the mailbox server 127.0.0.1:{port} failed: "
                )) && stderr.contains("give its certificate as `ca_file:` under `mailbox:`"),
                "{security}: {stderr}"
            );
            assert!(!office.path().join("suppressions.yaml").exists());

            std::fs::copy(&ca, office.path().join("office-ca.pem")).unwrap();
            let out = office.run(&["inbox", "--dry-run"], Some(PASSWORD));
            let stdout = text(&out.stdout);
            assert!(
                out.status.success(),
                "{security}: {stdout}{}",
                text(&out.stderr)
            );
            assert!(
                stdout.contains("1 message read: 1 hard bounce,"),
                "{security}: {stdout}"
            );
        }

        // A server without TLS: STARTTLS is refused, and the run stops before the login.
        let plain = dovecot(None);
        let office = Office::new(
            25,
            &format!(
                "mailbox:\n  host: 127.0.0.1\n  port: {}\n  security: starttls\n  username: office\n",
                plain.port
            ),
        );
        let out = office.run(&["inbox"], Some(PASSWORD));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!(
                "the mailbox server 127.0.0.1:{} does not offer STARTTLS, so the password would go unencrypted",
                plain.port
            )),
            "{}",
            text(&out.stderr)
        );
    }

    /// `bulletin login --mailbox` keeps the mailbox's password in the kernel keyring, apart from
    /// the relay's; `inbox` uses it after the environment variable and `secret_command`;
    /// `logout --mailbox` removes it.
    #[cfg(target_os = "linux")]
    #[test]
    fn login_mailbox_keeps_the_password_for_inbox_after_the_environment_and_secret_command() {
        own_session_keyring();
        let imap = dovecot(None);
        let tmp = tempfile::tempdir().unwrap();
        let smtp = Smtp::start(tmp.path(), &[]);
        let office = Office::new(smtp.port, &mailbox_of(&imap));
        let sent = office.send_first(&smtp);
        imap.deliver(
            "1",
            &genuine(&fixtures().join("01-postfix-hard-bounce.eml"), &sent),
        );
        let account = format!("office at 127.0.0.1:{}", imap.port);
        let description = format!("keyring-rs:mailbox password for {account}@bulletin");
        let refused = |o: &Output| {
            assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
            assert!(
                text(&o.stderr).contains("refused the login for office"),
                "{}",
                text(&o.stderr)
            );
        };

        // A wrong password stored: `inbox` uses it, and the server refuses it.
        let login = office.run_with_input(&["login", "--mailbox"], None, Some("wrong-pw-96\n"));
        assert!(login.status.success(), "{}", text(&login.stderr));
        assert!(!text(&login.stdout).contains("wrong-pw-96"));
        refused(&office.run(&["inbox", "--dry-run"], None));

        let login = office.run_with_input(
            &["login", "--mailbox"],
            None,
            Some(&format!("{PASSWORD}\n")),
        );
        assert_eq!(
            text(&login.stdout),
            format!(
                "stored the mailbox password for {account} in the Linux kernel keyring (keyutils)\n`bulletin inbox` uses it from now on; `bulletin logout --mailbox` removes it\n"
            )
        );
        assert_eq!(keyctl_read(&description).as_deref(), Some(PASSWORD));
        // Kept apart from the relay's password.
        assert!(keyctl_read(&format!("keyring-rs:password for {account}@bulletin")).is_none());

        // The environment variable comes first, then `secret_command`, then the store.
        refused(&office.run(&["inbox", "--dry-run"], Some("wrong-pw-95")));
        let path = office.path().join("lists.yaml");
        let y = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{y}  secret_command: [echo, wrong-pw-94]\n")).unwrap();
        refused(&office.run(&["inbox", "--dry-run"], None));
        std::fs::write(&path, &y).unwrap();

        let out = office.run(&["inbox"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("1 message read: 1 hard bounce,"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(office.suppressed(), vec![member(1)]);

        let logout = office.run(&["logout", "--mailbox"], None);
        assert_eq!(
            text(&logout.stdout),
            format!(
                "removed the mailbox password for {account} from the Linux kernel keyring (keyutils)\n"
            )
        );
        assert_eq!(keyctl_read(&description), None);
        let out = office.run(&["inbox"], None);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!("error: no mailbox password for {account}. Give it in one of these ways:\n  - run `bulletin login --mailbox` once, to keep it in the Linux kernel keyring (keyutils)\n  - set the environment variable BULLETIN_IMAP_PASSWORD\n  - give `secret_command:` under `mailbox:` in ")),
            "{}",
            text(&out.stderr)
        );
    }
}
