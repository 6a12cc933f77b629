//! `bulletin send` against a real SMTP server on 127.0.0.1: Python's aiosmtpd, started by
//! tests/smtp/server.py (installed by scripts/install-test-deps.sh). Each test checks what the
//! server received (its own timestamps, envelopes and messages) and the journal on disk. One
//! test runs the binary under `strace` (also installed by that script) to watch its locks. The
//! login tests keep the password in the real kernel keyring (keyutils) and read it back with
//! `keyctl`, both installed by scripts/install-test-deps.sh. The full-disk test mounts a small
//! real tmpfs in a namespace of its own with `unshare -rm` (util-linux).

use crate::common::needs::text;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[cfg(target_os = "linux")]
use crate::common::keyring::{keyctl_read, own_session_keyring};
use crate::common::office;
use crate::common::smtp::Server;

/// A temporary office folder: the example bulletin, publisher.yaml and a recipients.yaml.
struct Office {
    dir: tempfile::TempDir,
}

fn member(i: usize) -> String {
    format!("member{i:04}@example.org")
}

impl Office {
    fn new() -> Office {
        Office {
            dir: office::example(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes recipients.yaml: list `all` with `n` members, smtp on `port`, `settings` added.
    fn recipients(&self, port: u16, n: usize, settings: &str, extra: &str) {
        let mut y = office::smtp(port, settings);
        y.push_str("lists:\n  all:\n    name: Everyone\n    members:\n");
        for i in 0..n {
            y.push_str(&format!("      - Member {i} <{}>\n", member(i)));
        }
        y.push_str(extra);
        std::fs::write(self.path().join("recipients.yaml"), y).unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        c.current_dir(self.path())
            .args(args)
            .stdin(Stdio::null())
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .env_remove("BULLETIN_SMTP_TOKEN");
        c
    }

    /// `send` of the example to list `all`, confirmed with --yes, ready to run or spawn.
    fn send_command(&self) -> Command {
        self.command(&[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--yes",
        ])
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn send(&self, extra: &[&str]) -> Output {
        self.send_list("all", extra)
    }

    fn send_list(&self, list: &str, extra: &[&str]) -> Output {
        let mut args = vec!["send", "bulletins/2021-10-20.yaml", "--list", list, "--yes"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn journal(&self) -> String {
        std::fs::read_to_string(self.path().join("bulletins/2021-10-20.journal"))
            .unwrap_or_default()
    }

    /// Addresses with a `delivered` record, and how many records each has.
    fn journal_delivered(&self) -> HashMap<String, usize> {
        let mut c = HashMap::new();
        for l in self
            .journal()
            .lines()
            .filter(|l| l.starts_with("delivered\t"))
        {
            *c.entry(l.split('\t').nth(1).unwrap().to_string())
                .or_insert(0) += 1;
        }
        c
    }
}

fn wait_for(server: &Server, count: usize) {
    let start = Instant::now();
    while server.messages().len() < count {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the server never got {count} messages"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn duplicates(counts: &HashMap<String, usize>) -> usize {
    counts.values().map(|c| c - 1).sum()
}

#[test]
fn every_member_gets_exactly_one_message_addressed_to_them_alone() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    // 600 members, one listed again on a second list and one suppressed: 599 to send.
    let extra = format!(
        "  again:\n    members:\n      - {}\n  both:\n    include: [all, again]\nsuppress:\n  - {}\n",
        member(7),
        member(9)
    );
    office.recipients(server.port, 600, "  connections: 4\n", &extra);
    let out = office.send_list("both", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let messages = server.messages();
    assert_eq!(messages.len(), 599);
    let counts = server.counts();
    assert_eq!(counts.len(), 599);
    assert!(counts.values().all(|&c| c == 1));
    assert!(
        !counts.contains_key(&member(9)),
        "a suppressed address was mailed"
    );

    // Rendered once for comparison: every message is the same bulletin as `render` writes.
    let dir = tempfile::tempdir().unwrap();
    let r = office.run(&[
        "render",
        "bulletins/2021-10-20.yaml",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(r.status.success());
    let rendered_text = std::fs::read_to_string(dir.path().join("2021-10-20.txt")).unwrap();
    for m in &messages {
        assert_eq!(m.to.len(), 1, "one envelope recipient per message");
        let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
        let to = parsed.to().unwrap();
        assert_eq!(to.iter().count(), 1);
        assert_eq!(
            to.first().unwrap().address().unwrap().to_lowercase(),
            m.to[0]
        );
        assert!(parsed.cc().is_none() && parsed.bcc().is_none());
        // No other member's address anywhere in the message.
        let others = m.data.matches("member").count();
        assert_eq!(others, 1, "message to {} mentions another member", m.to[0]);
        assert_eq!(
            parsed
                .body_text(0)
                .unwrap()
                .replace("\r\n", "\n")
                .trim_end(),
            rendered_text.trim_end()
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("delivered now                 599"),
        "{stdout}"
    );
    assert!(
        stdout.contains("suppressed                      1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("duplicates (sent once)          1"),
        "{stdout}"
    );
    let journal = office.journal_delivered();
    assert_eq!(journal.len(), 599);

    // Run again: nobody is sent anything twice.
    let again = office.send_list("both", &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("599 delivered earlier"));
    assert_eq!(server.messages().len(), 599);
}

#[test]
fn temporary_refusals_are_retried_and_permanent_ones_recorded_then_retried_on_request() {
    let office = Office::new();
    let busy = member(3);
    let gone = member(5);
    let server = Server::start(
        office.path(),
        &["--tempfail", &format!("{busy}=2"), "--reject", &gone],
    );
    office.recipients(server.port, 20, "  connections: 2\n  retries: 3\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 19);
    assert_eq!(
        counts.get(&busy),
        Some(&1),
        "the 451'd address is delivered after retries"
    );
    assert!(!counts.contains_key(&gone));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("{gone}: 550")), "{stdout}");
    assert!(
        stdout.contains("temporary failures retried      2"),
        "{stdout}"
    );
    assert!(
        office
            .journal()
            .lines()
            .any(|l| l.starts_with(&format!("failed\t{gone}\t")) && l.contains("550"))
    );

    // A plain rerun does not retry the failure and still reports it.
    let rerun = office.send(&[]);
    assert_eq!(rerun.status.code(), Some(1), "{}", text(&rerun));
    // A permanent refusal: the advice is to correct or remove the address, not to retry it.
    assert_eq!(
        String::from_utf8_lossy(&rerun.stderr),
        "error: 1 recipient(s) not delivered in an earlier run:\n  - 1 refused for good by the relay (a 5xx reply, such as \"550 user unknown\"): correct each address in recipients.yaml, or remove it, or add it to `suppress:`; sending again would be refused again\n"
    );
    drop(server);

    // The server now accepts the address: --retry-failed delivers it, and only it.
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 20, "  connections: 2\n", "");
    let retried = office.send(&["--retry-failed"]);
    assert!(retried.status.success(), "{}", text(&retried));
    let counts = server.counts();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts.get(&gone), Some(&1));
    assert_eq!(office.journal_delivered().len(), 20);
}

#[test]
fn dropped_connections_are_reopened_and_everyone_delivered_once() {
    let office = Office::new();
    let server = Server::start(office.path(), &["--drop-every", "7"]);
    office.recipients(server.port, 150, "  connections: 3\n  retries: 5\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 150);
    assert!(counts.values().all(|&c| c == 1));
}

fn interrupted_run_then_resume(signal: &str) {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    let connections = 2;
    office.recipients(
        server.port,
        300,
        &format!("  connections: {connections}\n  rate_per_minute: 4800\n"),
        "",
    );
    let child = office
        .send_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&server, 60);
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let first = child.wait_with_output().unwrap();
    let sent_first = server.messages().len();
    assert!(
        sent_first < 300,
        "the run finished before it was interrupted"
    );
    if signal == "INT" {
        assert_eq!(first.status.code(), Some(130), "{}", text(&first));
        assert!(
            String::from_utf8_lossy(&first.stderr).contains("Run the same command again"),
            "{}",
            text(&first)
        );
        // A clean stop: everything delivered is in the journal.
        assert_eq!(office.journal_delivered().len(), sent_first);
    }
    let second = office.send(&[]);
    assert!(second.status.success(), "{}", text(&second));
    let counts = server.counts();
    assert_eq!(counts.len(), 300, "everyone is delivered in the end");
    let dups = duplicates(&counts);
    assert!(
        dups <= 2 * connections,
        "{dups} duplicates, more than 2 x connections"
    );
    if signal == "INT" {
        assert_eq!(dups, 0);
    }
    let journal = office.journal_delivered();
    assert_eq!(journal.len(), 300);
    assert!(
        journal.values().all(|&c| c == 1),
        "an address has two delivered records"
    );
}

#[test]
fn killed_with_sigkill_mid_run_then_rerun_delivers_to_everyone_within_the_bound() {
    interrupted_run_then_resume("KILL");
}

#[test]
fn ctrl_c_stops_cleanly_then_rerun_resumes_without_duplicates() {
    interrupted_run_then_resume("INT");
}

#[test]
fn rate_limit_holds_by_the_servers_clock() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(
        server.port,
        10,
        "  connections: 3\n  rate_per_minute: 300\n",
        "",
    );
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let mut times: Vec<f64> = server.messages().iter().map(|m| m.t).collect();
    assert_eq!(times.len(), 10);
    times.sort_by(f64::total_cmp);
    let span = times[9] - times[0];
    // 10 messages at 300 a minute: 9 gaps of 0.2 s.
    assert!(
        span >= 1.75,
        "10 messages took {span:.2}s by the server's clock"
    );
}

#[test]
fn no_nagle_stall_between_messages_on_one_connection() {
    // lettre writes a message's end of data in a small write of its own; with Nagle's algorithm
    // on, it can wait out a delayed ACK (about 40 ms a message). Loopback timings do not show it
    // reliably, so the test watches the system calls: every connection to the relay must have
    // TCP_NODELAY set to 1 on its socket. (With `-f`, a call may be split into `<unfinished ...>`
    // and `<... resumed>` lines: its arguments are on the first.)
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 6, "  connections: 2\n", "");
    let trace = office.path().join("strace.txt");
    let send = office.send_command();
    let out = Command::new("strace")
        .args(["-f", "-qq", "-yy", "-e", "trace=connect,setsockopt", "-o"])
        .arg(&trace)
        .arg(send.get_program())
        .args(send.get_args())
        .current_dir(office.path())
        .stdin(Stdio::null())
        .output()
        .expect("strace (run scripts/install-test-deps.sh)");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.counts().len(), 6, "{}", text(&out));
    let trace = std::fs::read_to_string(&trace).unwrap();
    let port = server.port;
    let connects = trace
        .lines()
        .filter(|l| l.contains("connect(") && l.contains(&format!("htons({port})")))
        .count();
    let nodelay = trace
        .lines()
        .filter(|l| {
            l.contains("setsockopt(")
                && l.contains(&format!("->127.0.0.1:{port}]"))
                && l.contains("TCP_NODELAY, [1]")
        })
        .count();
    assert!(
        connects >= 2,
        "strace saw {connects} connections to the relay:\n{trace}"
    );
    assert_eq!(
        nodelay, connects,
        "not every connection to the relay has TCP_NODELAY set: the Nagle stall is back\n{trace}"
    );
}

#[test]
fn mail_rcpt_and_data_go_in_one_write_only_where_the_relay_offers_pipelining() {
    // Where the relay pipelines, each message's MAIL, RCPT and DATA go in one write: the first
    // message's on their own, every later one's right behind the previous message's final ".",
    // and the QUIT right behind the last one's.
    for (offers, pipelined) in [(&[][..], true), (&["--no-pipelining"][..], false)] {
        let office = Office::new();
        let reads = office.path().join("reads.jsonl");
        let mut args = vec!["--reads", reads.to_str().unwrap()];
        args.extend_from_slice(offers);
        let server = Server::start(office.path(), &args);
        office.recipients(server.port, 5, "  connections: 1\n", "");
        let out = office.send(&[]);
        assert!(out.status.success(), "{}", text(&out));
        let counts = server.counts();
        assert_eq!(counts.len(), 5, "{}", text(&out));
        assert!(counts.values().all(|&c| c == 1), "a message was sent twice");
        let chunks: Vec<String> = std::fs::read_to_string(&reads)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mails = chunks.iter().filter(|c| c.contains("MAIL FROM:")).count();
        // A chunk whose commands, from its MAIL on, are the whole envelope.
        let together = |c: &&String| {
            c.find("MAIL FROM:").is_some_and(|at| {
                c[at..].contains("\r\nRCPT TO:") && c[at..].ends_with("\r\nDATA\r\n")
            })
        };
        let alone = chunks
            .iter()
            .filter(together)
            .filter(|c| c.starts_with("MAIL FROM:"))
            .count();
        let behind_the_end = chunks
            .iter()
            .filter(together)
            .filter(|c| c.contains("\r\n.\r\nMAIL FROM:"))
            .count();
        // After the last message, its QUIT: behind its end where the relay pipelines.
        let quit_behind = chunks
            .iter()
            .filter(|c| c.ends_with("\r\n.\r\nQUIT\r\n"))
            .count();
        let quit_alone = chunks.iter().filter(|c| *c == "QUIT\r\n").count();
        assert_eq!(mails, 5, "{chunks:#?}");
        let expected = if pipelined {
            (1, 4, 1, 0)
        } else {
            (0, 0, 0, 1)
        };
        assert_eq!(
            (alone, behind_the_end, quit_behind, quit_alone),
            expected,
            "relay offers PIPELINING: {pipelined}; reads:\n{chunks:#?}"
        );
    }
}

#[test]
fn refusals_and_lost_replies_are_judged_the_same_with_and_without_pipelining() {
    // The same faults against a relay that pipelines and one that does not: a 451 retried, a
    // 550 recorded as refused (its message never sent), a connection dropped at RCPT reopened,
    // and a reply lost after the whole message recorded as "may have delivered it", not resent.
    for offers in [&[][..], &["--no-pipelining"][..]] {
        let office = Office::new();
        let busy = member(3);
        let gone = member(5);
        let mut args = vec![
            "--tempfail".to_string(),
            format!("{busy}=2"),
            "--reject".into(),
            gone.clone(),
            "--drop-every".into(),
            "9".into(),
        ];
        args.extend(offers.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Server::start(office.path(), &args);
        office.recipients(server.port, 30, "  connections: 2\n  retries: 5\n", "");
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{offers:?}\n{}", text(&out));
        let counts = server.counts();
        assert_eq!(counts.len(), 29, "{offers:?}\n{}", text(&out));
        assert!(counts.values().all(|&c| c == 1), "{offers:?}: sent twice");
        assert!(!counts.contains_key(&gone), "{offers:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("{gone}: 550")),
            "{offers:?}\n{stdout}"
        );
        drop(server);

        let office = Office::new();
        let mut args = vec!["--vanish-every", "10"];
        args.extend_from_slice(offers);
        let server = Server::start(office.path(), &args);
        office.recipients(server.port, 30, "  connections: 1\n", "");
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{offers:?}\n{}", text(&out));
        let counts = server.counts();
        assert_eq!(counts.len(), 30, "{offers:?}");
        assert!(counts.values().all(|&c| c == 1), "{offers:?}: sent twice");
        let uncertain = office
            .journal()
            .lines()
            .filter(|l| l.starts_with("failed\t") && l.contains("may have delivered"))
            .count();
        assert_eq!(uncertain, 3, "{offers:?}");
    }
}

#[test]
fn a_relay_refusing_the_second_ehlo_stops_the_run_without_blaming_recipients() {
    // Under STARTTLS, EHLO is said again on the encrypted connection (RFC 3207); a refusal of
    // it is the relay's, so the run stops and nobody is marked failed.
    let office = Office::new();
    let (ca, cert, key) = crate::common::tls::certificates(office.path(), "");
    let pair = format!("{}:{}", cert.display(), key.display());
    let server = Server::start(
        office.path(),
        &["--ehlo-refuse-after", "1", "--starttls", &pair],
    );
    office.recipients(
        server.port,
        5,
        &format!(
            "  connections: 1\n  security: starttls\n  ca_file: {}\n",
            ca.display()
        ),
        "",
    );
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refused EHLO: 550"), "{}", text(&out));
    assert!(server.counts().is_empty());
    assert!(
        !office.journal().lines().any(|l| l.starts_with("failed\t")),
        "{}",
        office.journal()
    );
}

#[test]
fn bad_recipients_file_gives_line_numbers_and_sends_nothing() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 3, "", "  broken:\n    members:\n      - not-an-address\n  loop-a:\n    include: [loop-b]\n  loop-b:\n    include: [loop-a]\n  odd:\n    include: [nobody]\n");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: `not-an-address` is not a valid email address")
            && stderr.contains("--> recipients.yaml:18:9\n"),
        "{stderr}"
    );
    assert!(stderr.contains("includes itself"), "{stderr}");
    assert!(
        stderr.contains(
            "error: list `odd` includes `nobody`, which is not a list in this file\n  --> recipients.yaml:24:15\n"
        ),
        "{stderr}"
    );
    assert!(server.messages().is_empty());
    assert!(office.journal().is_empty());

    let check = office.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(check.status.code(), Some(1));
    // The same report, but `check` sends nothing anyway, so it does not say so.
    let check_stderr = String::from_utf8_lossy(&check.stderr);
    assert_eq!(
        check_stderr
            .trim_end()
            .rsplit_once('\n')
            .map(|(head, _)| head),
        stderr.trim_end().rsplit_once('\n').map(|(head, _)| head)
    );
    assert!(
        stderr.trim_end().ends_with(": nothing was sent"),
        "{stderr}"
    );
    assert!(!check_stderr.contains("nothing was"), "{check_stderr}");
}

#[test]
fn a_password_in_the_file_is_refused() {
    let office = Office::new();
    // A made-up value, built here so that no file of the project holds a password line.
    let value = "sample".repeat(2);
    let y = format!(
        "smtp:\n  host: 127.0.0.1\n  port: 2525\n  security: none\n  auth: password\n  username: u\n  password: {value}\nlists:\n  all:\n    members: [a@example.org]\n"
    );
    std::fs::write(office.path().join("recipients.yaml"), y).unwrap();
    let out = office.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        // The line itself is not shown: it holds the password.
        stderr.contains(
            "error: `password` must not be written in this file\n--> recipients.yaml:7:3"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(&value));
}

#[test]
fn login_works_and_the_secret_never_shows() {
    let office = Office::new();
    // Made up for this test and built at run time: no file of the project holds a credential.
    let secret = format!("sample-{}", std::process::id());
    let secret = secret.as_str();
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    office.recipients(server.port, 5, "  connections: 1\n  retries: 0\n", "");
    // The file's `auth: none` is replaced with a password login on a loopback relay.
    let path = office.path().join("recipients.yaml");
    let y = std::fs::read_to_string(&path).unwrap().replace(
        "auth: none",
        "auth: password\n  username: bulletin@example.org",
    );
    std::fs::write(&path, y).unwrap();

    let missing = office.send(&[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("BULLETIN_SMTP_PASSWORD"));

    let wrong = office
        .send_command()
        .env("BULLETIN_SMTP_PASSWORD", "wrong-password-99")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("refused the login"),
        "{}",
        text(&wrong)
    );
    assert!(!text(&wrong).contains("wrong-password-99"));
    assert!(server.messages().is_empty());

    let right = office
        .send_command()
        .env("BULLETIN_SMTP_PASSWORD", secret)
        .output()
        .unwrap();
    assert!(right.status.success(), "{}", text(&right));
    assert!(!text(&right).contains(secret));
    assert!(!office.journal().contains(secret));
    assert_eq!(server.messages().len(), 5);

    // The secret can come from a command instead of the environment.
    let y = std::fs::read_to_string(&path).unwrap().replace(
        "  username:",
        &format!("  secret_command: echo {secret}\n  username:"),
    );
    std::fs::write(&path, y).unwrap();
    let test = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org",
    ]);
    assert!(test.status.success(), "{}", text(&test));
    assert!(!text(&test).contains(secret));
}

/// Every file under `dir`, read as text (lossily).
#[cfg(target_os = "linux")]
fn every_file(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(every_file(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path, text));
        }
    }
    out
}

impl Office {
    /// Runs `bulletin ARGS` with `input` piped in.
    #[cfg(target_os = "linux")]
    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Writes recipients.yaml for a relay on `port` that needs `bulletin@example.org` to log in
    /// with a password, with `settings` added.
    fn recipients_with_login(&self, port: u16, n: usize, settings: &str) {
        self.recipients(
            port,
            n,
            &format!(
                "  auth: password\n  username: bulletin@example.org\n  retries: 0\n{settings}"
            ),
            "",
        );
    }
}

// The kernel keyring (keyutils): Linux only.
#[cfg(target_os = "linux")]
#[test]
fn login_keeps_the_password_in_the_kernel_keyring_for_send_and_logout_removes_it() {
    own_session_keyring();
    let office = Office::new();
    // Made up for this test and built at run time: no file of the project holds a credential.
    let secret = format!("sample-{}-kept", std::process::id());
    let secret = secret.as_str();
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    office.recipients_with_login(server.port, 3, "");
    let account = format!("bulletin@example.org at 127.0.0.1:{}", server.port);
    let description = format!("keyring-rs:password for {account}@bulletin");
    let refused = |o: &Output, wrong: &str| {
        assert_eq!(o.status.code(), Some(1), "{}", text(o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("refused the login"),
            "{}",
            text(o)
        );
        assert!(!text(o).contains(wrong), "{}", text(o));
    };

    // A wrong password stored: `send` uses it, and the relay refuses it.
    let wrong = office.run_with_input(&["login"], "wrong-password-99\n");
    assert!(wrong.status.success(), "{}", text(&wrong));
    assert!(!text(&wrong).contains("wrong-password-99"));
    refused(&office.send(&[]), "wrong-password-99");

    // The right one replaces it, in the kernel keyring and nowhere else.
    let login = office.run_with_input(&["login"], &format!("{secret}\n"));
    assert_eq!(
        text(&login),
        format!(
            "status Some(0)\nstdout:\nstored the password for {account} in the Linux kernel keyring (keyutils)\n`bulletin send` uses it from now on; `bulletin logout` removes it\n\nstderr:\nnote: the kernel keyring forgets it when this computer restarts (and a few days after you log out): then run `bulletin login` again\n"
        )
    );
    assert_eq!(keyctl_read(&description).as_deref(), Some(secret));

    // The environment variable comes first, then `secret_command`, then the store.
    let first = office
        .send_command()
        .env("BULLETIN_SMTP_PASSWORD", "wrong-password-98")
        .output()
        .unwrap();
    refused(&first, "wrong-password-98");
    let path = office.path().join("recipients.yaml");
    let y = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        y.replace(
            "  retries: 0\n",
            "  retries: 0\n  secret_command: [echo, wrong-password-97]\n",
        ),
    )
    .unwrap();
    refused(&office.send(&[]), "wrong-password-97");
    std::fs::write(&path, &y).unwrap();
    assert!(server.messages().is_empty());

    let right = office.send(&[]);
    assert!(right.status.success(), "{}", text(&right));
    assert!(!text(&right).contains(secret));
    assert_eq!(server.messages().len(), 3);
    for (file, content) in every_file(office.path()) {
        assert!(
            !content.contains(secret),
            "{} holds the password",
            file.display()
        );
    }

    let logout = office.run(&["logout"]);
    assert_eq!(
        text(&logout),
        format!(
            "status Some(0)\nstdout:\nremoved the password for {account} from the Linux kernel keyring (keyutils)\n\nstderr:\n"
        )
    );
    assert_eq!(keyctl_read(&description), None);
    let none = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org",
    ]);
    assert_eq!(
        text(&none),
        format!(
            "status Some(1)\nstdout:\n\nstderr:\nerror: no password for {account}. Give it in one of these ways:\n  - run `bulletin login` once, to keep it in the Linux kernel keyring (keyutils)\n  - set the environment variable BULLETIN_SMTP_PASSWORD\n  - give `secret_command:` in recipients.yaml (see docs/send.md)\n"
        )
    );
    let again = office.run(&["logout"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("there was nothing to remove"),
        "{}",
        text(&again)
    );
    assert_eq!(server.messages().len(), 3);
}

// The kernel keyring (keyutils): Linux only.
#[cfg(target_os = "linux")]
#[test]
fn login_at_a_terminal_does_not_show_what_is_typed() {
    own_session_keyring();
    let office = Office::new();
    let secret = format!("sample-{}-typed", std::process::id());
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    office.recipients_with_login(server.port, 1, "");
    let bin = env!("CARGO_BIN_EXE_bulletin");
    let typed = on_terminal(&office, &format!("{bin} login"), &format!("{secret}\n"));
    let screen = String::from_utf8_lossy(&typed.stdout);
    assert!(typed.status.success(), "{screen}");
    assert!(
        screen.contains(&format!(
            "Password for bulletin@example.org at 127.0.0.1:{} (it is not shown as you type): ",
            server.port
        )),
        "{screen}"
    );
    assert!(screen.contains("stored the password"), "{screen}");
    assert!(!screen.contains(&secret), "the password showed: {screen}");

    let test = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org",
    ]);
    assert!(test.status.success(), "{}", text(&test));
    assert_eq!(server.messages().len(), 1);
    assert!(office.run(&["logout"]).status.success());
}

/// Each command on its own, as cron, a container or a login without `pam_keyinit` starts them:
/// where these tests run without a session keyring (as in many containers), this is the path on
/// which `bulletin` joins one of its own and the entry is found again through the user's
/// persistent keyring; elsewhere it is the path of a terminal's commands. Linux only.
#[cfg(target_os = "linux")]
#[test]
fn login_then_send_as_separate_commands_of_no_particular_session() {
    let office = Office::new();
    let secret = format!("sample-{}-apart", std::process::id());
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    office.recipients_with_login(server.port, 1, "");
    let login = office.run_with_input(&["login"], &format!("{secret}\n"));
    assert!(login.status.success(), "{}", text(&login));
    let test = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org",
    ]);
    assert!(test.status.success(), "{}", text(&test));
    assert!(!text(&test).contains(&secret));
    let logout = office.run(&["logout"]);
    assert!(
        String::from_utf8_lossy(&logout.stdout).starts_with("removed the password"),
        "{}",
        text(&logout)
    );
}

#[test]
fn a_listed_secret_command_runs_its_program_without_a_shell_in_the_recipients_folder() {
    let office = Office::new();
    let secret = format!("sample-{}-printed", std::process::id());
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    // A program beside recipients.yaml that notes its arguments and its folder, then prints the
    // password.
    let program = office.path().join("print-secret");
    std::fs::write(
        &program,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > arguments.txt\npwd -P >> arguments.txt\necho {secret}\n"),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&program)
        .status()
        .unwrap();
    office.recipients_with_login(
        server.port,
        1,
        "  secret_command: [./print-secret, \"an argument with spaces\", $HOME, '*', \"a;b\", \"`id`\"]\n",
    );
    // From the bulletins folder: recipients.yaml is found above, and its command runs there.
    let test = office
        .command(&["send", "2021-10-20.yaml", "--test", "me@example.org"])
        .current_dir(office.path().join("bulletins"))
        .output()
        .unwrap();
    assert!(test.status.success(), "{}", text(&test));
    assert!(!text(&test).contains(&secret));
    assert_eq!(server.messages().len(), 1);
    // Every argument reached the program as written: no shell split, expanded or ran anything.
    assert_eq!(
        std::fs::read_to_string(office.path().join("arguments.txt")).unwrap(),
        format!(
            "an argument with spaces\n$HOME\n*\na;b\n`id`\n{}\n",
            office.path().canonicalize().unwrap().display()
        )
    );
}

#[test]
fn test_copy_and_dry_run_leave_the_journal_alone() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(
        server.port,
        4,
        "",
        "suppress:\n  - member0001@example.org\n",
    );
    let dry = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--list",
        "all",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        stdout.contains("would send    \"Member 0\" <member0000@example.org>")
            || stdout.contains("would send    Member 0 <member0000@example.org>"),
        "{stdout}"
    );
    assert!(
        stdout.contains("member0001@example.org>  (on the suppression list)"),
        "{stdout}"
    );
    assert!(stdout.contains("3 would be sent"), "{stdout}");
    assert!(
        server.messages().is_empty(),
        "a dry run connected to the server"
    );

    let test = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "me@example.org",
    ]);
    assert!(test.status.success(), "{}", text(&test));
    let m = &server.messages()[0];
    assert_eq!(m.to, vec!["me@example.org".to_string()]);
    let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
    assert!(parsed.subject().unwrap().starts_with("[TEST] "));
    assert!(!office.path().join("bulletins/2021-10-20.journal").exists());
}

#[test]
fn without_a_terminal_or_yes_it_refuses_to_send() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 3, "", "");
    let out = office.run(&["send", "bulletins/2021-10-20.yaml", "--list", "all"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(server.messages().is_empty());
    let unknown = office.run(&["send", "bulletins/2021-10-20.yaml", "--list", "al", "--yes"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `all`?"));
}

#[test]
fn lists_shows_each_list_with_its_count() {
    let office = Office::new();
    office.recipients(2525, 5, "", "  pm:\n    name: Practice managers\n    members:\n      - a@example.org\n      - A@example.org\n  everyone:\n    include: [all, pm]\nsuppress:\n  - member0002@example.org\n");
    let out = office.run(&["lists"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("all ") && l.contains(" 4  Everyone")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("pm ") && l.contains(" 1  Practice managers")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("everyone ") && l.contains(" 5  everyone")),
        "{stdout}"
    );
    // The duplicate in `pm` is a warning, with its line.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "warning: A@example.org is on list `pm` twice (also on line 21)\n  --> recipients.yaml:22:9\n"
        ),
        "{}",
        text(&out)
    );
}

#[test]
fn starttls_is_required_when_configured_and_passwords_never_go_unencrypted_off_the_machine() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    // aiosmtpd here offers no STARTTLS: the send must stop rather than go unencrypted.
    office.recipients(server.port, 3, "  security: starttls\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not offer STARTTLS"),
        "{}",
        text(&out)
    );
    assert!(server.messages().is_empty());
    assert!(office.journal_delivered().is_empty());

    let y = "smtp:\n  host: smtp.example.org\n  security: none\n  auth: password\n  username: u@example.org\nlists:\n  all:\n    members: [a@example.org]\n";
    std::fs::write(office.path().join("recipients.yaml"), y).unwrap();
    let check = office.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&check.stderr).contains(
            "error: a password would be sent unencrypted to smtp.example.org\n --> recipients.yaml:4:9"
        ),
        "{}",
        text(&check)
    );
}

#[test]
fn xoauth2_login_uses_the_token_from_the_environment() {
    let office = Office::new();
    let token = "ya29.token-Value-77";
    let server = Server::start(
        office.path(),
        &["--xoauth2", &format!("bulletin@example.org:{token}")],
    );
    office.recipients(
        server.port,
        3,
        "  auth: xoauth2\n  username: bulletin@example.org\n  retries: 0\n",
        "",
    );
    let send = |t: &str| {
        office
            .send_command()
            .env("BULLETIN_SMTP_TOKEN", t)
            .output()
            .unwrap()
    };
    let wrong = send("expired-token-11");
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("refused the login"));
    assert!(!text(&wrong).contains("expired-token-11"));
    assert!(server.messages().is_empty());
    let right = send(token);
    assert!(right.status.success(), "{}", text(&right));
    assert!(!text(&right).contains(token));
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn sendmail_transport_hands_each_message_to_the_local_mail_system() {
    let office = Office::new();
    // A stand-in `sendmail` first on PATH: it keeps each message it is given, with its arguments.
    let bin = office.path().join("bin");
    let spool = office.path().join("spool");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&spool).unwrap();
    let script = bin.join("sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nn=$(date +%s%N)\necho \"$@\" > {0}/$n.args\ncat > {0}/$n.eml\n",
            spool.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let mut y = String::from("transport: sendmail\nlists:\n  all:\n    members:\n");
    for i in 0..4 {
        y.push_str(&format!("      - {}\n", member(i)));
    }
    std::fs::write(office.path().join("recipients.yaml"), y).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = office.send_command().env("PATH", path).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let mut args: Vec<String> = std::fs::read_dir(&spool)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "args"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    args.sort();
    assert_eq!(args.len(), 4);
    for (i, a) in args.iter().enumerate() {
        assert!(
            a.contains(&member(i)) && !a.contains(&member((i + 1) % 4)),
            "sendmail was given {a}"
        );
    }
    assert_eq!(office.journal_delivered().len(), 4);
}

/// Runs a command on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_terminal(office: &Office, command: &str, input: &str) -> Output {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    let mut child = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(office.path())
        .env_remove("BULLETIN_SMTP_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script`");
    // The screen so far, read as the command writes it.
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let screen = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut chunk) {
                screen.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        })
    };
    // Typed once a prompt (a line ending in ": ") is up, unless the command ends without asking.
    let asked = || screen.lock().unwrap().ends_with(b": ");
    while !asked() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    // A password prompt turns the terminal's echo off just after printing itself, and nothing
    // outside shows when: keys typed before that would be echoed by the terminal, not the program.
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let mut out = child.wait_with_output().unwrap();
    reader.join().unwrap();
    out.stdout = std::mem::take(&mut *screen.lock().unwrap());
    out
}

#[test]
fn at_a_terminal_it_shows_what_will_be_sent_asks_and_draws_progress() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 30, "  rate_per_minute: 1200\n", "");
    let bin = env!("CARGO_BIN_EXE_bulletin");
    let cmd = format!("{bin} send bulletins/2021-10-20.yaml --list all");

    let declined = on_terminal(&office, &cmd, "no\n");
    let screen = String::from_utf8_lossy(&declined.stdout);
    for shown in [
        "Improving access for patients and supporting general practice",
        "all (Everyone)",
        "30 now",
        &format!("127.0.0.1:{}", server.port),
        "Type yes",
    ] {
        assert!(
            screen.contains(shown),
            "the prompt does not show {shown}: {screen}"
        );
    }
    assert!(screen.contains("not sent"), "{screen}");
    assert!(!screen.contains("in full"), "{screen}");
    assert!(server.messages().is_empty());
    // Only `yes` sends; a `y` is told so.
    let short = on_terminal(&office, &cmd, "y\n");
    let screen = String::from_utf8_lossy(&short.stdout);
    assert!(
        screen.contains("error: not sent: you typed `y`; to send, type `yes` in full"),
        "{screen}"
    );
    assert!(server.messages().is_empty());

    let accepted = on_terminal(&office, &cmd, "yes\n");
    let screen = String::from_utf8_lossy(&accepted.stdout);
    assert_eq!(server.messages().len(), 30, "{screen}");
    // The progress bar redraws one line on a terminal.
    assert!(
        screen.contains("\r[") && screen.contains("30/30"),
        "{screen}"
    );
}

#[test]
fn tls_certificates_are_verified_and_an_organisations_own_ca_can_be_trusted() {
    let office = Office::new();
    let (ca, cert, key) = crate::common::tls::certificates(office.path(), "");
    let pair = format!("{}:{}", cert.display(), key.display());
    for (flag, security) in [("--starttls", "starttls"), ("--tls", "tls")] {
        let server = Server::start(office.path(), &[flag, &pair]);
        // Not signed by a public authority: refused at once, nothing sent, nothing recorded.
        office.recipients(
            server.port,
            3,
            &format!("  security: {security}\n  retry_wait_seconds: 30\n"),
            "",
        );
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{security}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("secure connection") && stderr.contains("certificate"),
            "{security}: {stderr}"
        );
        assert!(server.messages().is_empty());
        assert!(office.journal_delivered().is_empty());
        // Trusting the organisation's CA (`ca_file`), the same relay is used, encrypted.
        office.recipients(
            server.port,
            3,
            &format!("  security: {security}\n  ca_file: {}\n", ca.display()),
            "",
        );
        let out = office.send(&[]);
        assert!(out.status.success(), "{security}: {}", text(&out));
        assert_eq!(server.messages().len(), 3, "{security}");
        std::fs::remove_file(office.path().join("bulletins/2021-10-20.journal")).unwrap();
    }
}

#[test]
fn a_message_whose_answer_never_came_is_not_sent_again() {
    // The relay keeps every 10th message but the connection dies before it answers: it may have
    // been delivered, so it is recorded as failed and not resent (never twice), until asked.
    let office = Office::new();
    let server = Server::start(office.path(), &["--vanish-every", "10"]);
    office.recipients(server.port, 30, "  connections: 1\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 30, "everyone's message reached the server");
    assert!(counts.values().all(|&c| c == 1), "a message was sent twice");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("may have delivered it"), "{stdout}");
    let uncertain = office
        .journal()
        .lines()
        .filter(|l| l.starts_with("failed\t") && l.contains("may have delivered"))
        .count();
    assert_eq!(uncertain, 3);
    let again = office.send(&[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        server.counts().values().all(|&c| c == 1),
        "a plain rerun resent an uncertain message"
    );
}

#[test]
fn a_second_send_of_the_same_issue_is_refused_while_one_runs() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 40, "  rate_per_minute: 600\n", "");
    let first = office
        .send_command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&server, 3);
    // Refused before it plans or asks anything: its plan would be out of date by the time it ran.
    let second = office.run(&["send", "bulletins/2021-10-20.yaml", "--list", "all"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("another `bulletin send` of this bulletin is running"),
        "{}",
        text(&second)
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first));
    assert!(server.counts().values().all(|&c| c == 1));
    assert_eq!(server.counts().len(), 40);
}

/// The files a run of the binary had open while it held a lock on them, watched with `strace`:
/// every path opened again (through a second handle) while an earlier handle held its lock.
/// Windows locks are mandatory: a read or write of a locked file through any handle but the
/// locking one fails with "os error 33", even in the same process. Linux locks are advisory and
/// Wine does not enforce Windows', so the rule is checked on the system calls themselves.
struct LockTrace {
    /// Paths locked with `flock(LOCK_EX)` at some point.
    locked: Vec<String>,
    /// Paths opened while another handle held a lock on them.
    reopened: Vec<String>,
}

fn trace_locks(trace: &str) -> LockTrace {
    // `strace -f` splits a call that another thread interrupts into `<unfinished ...>` and
    // `<... name resumed>` lines: join them per thread first.
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut calls = Vec::new();
    for line in trace.lines() {
        let Some((pid, call)) = line.split_once(' ') else {
            continue;
        };
        let call = call.trim_start();
        if let Some(head) = call.strip_suffix(" <unfinished ...>") {
            pending.insert(pid.to_string(), head.to_string());
        } else if call.starts_with("<... ") {
            let rest = call.split_once("resumed>").map_or("", |(_, r)| r);
            let head = pending.remove(pid).unwrap_or_default();
            calls.push(format!("{head}{rest}"));
        } else {
            calls.push(call.to_string());
        }
    }
    // With `-y`, strace shows every file descriptor with its path: `= 3</tmp/x/file>`.
    let fd_path = |s: &str| -> Option<(String, String)> {
        let (fd, path) = s.split_once('<')?;
        Some((fd.to_string(), path.strip_suffix('>')?.to_string()))
    };
    let mut locks: HashMap<String, String> = HashMap::new(); // path -> fd holding its lock
    let mut out = LockTrace {
        locked: Vec::new(),
        reopened: Vec::new(),
    };
    for call in calls {
        let Some((name, _)) = call.split_once('(') else {
            continue;
        };
        let Some((args, result)) = call.rsplit_once(") = ") else {
            continue;
        };
        match name {
            "open" | "openat" => {
                if let Some((fd, path)) = fd_path(result.trim())
                    && let Some(holder) = locks.get(&path)
                    && *holder != fd
                {
                    out.reopened.push(path);
                }
            }
            "flock" if result.trim() == "0" && args.contains("LOCK_EX") => {
                let first = args.trim_start_matches("flock(");
                if let Some((fd, path)) = first.split_once(", ").and_then(|(f, _)| fd_path(f)) {
                    out.locked.push(path.clone());
                    locks.insert(path, fd);
                }
            }
            "flock" if result.trim() == "0" && args.contains("LOCK_UN") => {
                let first = args.trim_start_matches("flock(");
                if let Some((_, path)) = first.split_once(", ").and_then(|(f, _)| fd_path(f)) {
                    locks.remove(&path);
                }
            }
            "close" => {
                if let Some((fd, path)) = fd_path(args.trim_start_matches("close("))
                    && locks.get(&path) == Some(&fd)
                {
                    locks.remove(&path);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn while_a_send_holds_its_lock_no_second_handle_opens_the_locked_file() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 5, "  connections: 2\n", "");
    let trace = office.path().join("strace.txt");
    let send = office.send_command();
    let mut c = Command::new("strace");
    c.args([
        "-f",
        "-qq",
        "-y",
        "-e",
        "trace=open,openat,flock,close",
        "-o",
    ])
    .arg(&trace)
    .arg(send.get_program())
    .args(send.get_args())
    .current_dir(office.path())
    .stdin(Stdio::null())
    .env_remove("BULLETIN_SMTP_PASSWORD")
    .env_remove("BULLETIN_SMTP_TOKEN");
    let out = c
        .output()
        .expect("strace (run scripts/install-test-deps.sh)");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.counts().len(), 5, "{}", text(&out));
    assert_eq!(office.journal_delivered().len(), 5);
    let seen = trace_locks(&std::fs::read_to_string(&trace).unwrap());
    assert!(
        !seen.locked.is_empty(),
        "the send took no lock at all (or strace saw none)"
    );
    assert!(
        seen.reopened.is_empty(),
        "opened through a second handle while locked (Windows refuses this, os error 33): {:?}",
        seen.reopened
    );
}

// The issue's identity: a changed bulletin, a changed date or issue number, another bulletin with
// the same name, a renamed file and an older journal.

const TITLE: &str = "title: Improving access for patients and supporting general practice";

impl Office {
    /// Rewrites the example bulletin.
    fn edit(&self, change: impl Fn(String) -> String) {
        let path = self.path().join("bulletins/2021-10-20.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, change(text)).unwrap();
    }

    /// `recipients.yaml` with list `all` (6 members) and list `some` (the first 3).
    fn two_lists(&self, port: u16) {
        let some: String = (0..3).map(|i| format!("      - {}\n", member(i))).collect();
        self.recipients(port, 6, "", &format!("  some:\n    members:\n{some}"));
    }
}

/// Replaces the 16 hex digits after each "content " with `<fp>`.
fn mask_fingerprints(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("(content ") {
        let end = i + "(content ".len();
        out.push_str(&rest[..end]);
        out.push_str("<fp>");
        rest = &rest[(end + 16).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

fn message_ids(server: &Server) -> HashMap<String, Vec<String>> {
    let mut ids: HashMap<String, Vec<String>> = HashMap::new();
    for m in server.messages() {
        let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
        ids.entry(m.to[0].clone())
            .or_default()
            .push(parsed.message_id().unwrap().to_string());
    }
    ids
}

fn subjects(server: &Server) -> Vec<String> {
    server
        .messages()
        .iter()
        .map(|m| {
            let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
            parsed.subject().unwrap().to_string()
        })
        .collect()
}

#[test]
fn a_bulletin_changed_after_it_was_sent_is_refused_until_the_user_says_what_to_do() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.two_lists(server.port);
    let first = office.send_list("some", &[]);
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(server.messages().len(), 3);
    office.edit(|s| s.replace(TITLE, "title: Improving access, corrected"));

    // The dry run no longer calls everyone "delivered earlier": it stops, and so does the send.
    let expected = "error: bulletins/2021-10-20.yaml changed after it was sent: 3 people already have the earlier version (journal bulletins/2021-10-20.journal)\n  \
        sent: 2021-10-20 \"Improving access for patients and supporting general practice\" (content <fp>)\n  \
        now:  2021-10-20 \"Improving access, corrected\" (content <fp>)\n  \
        help: nothing was sent. Run the same command again with one of:\n    \
        --continue-changed  to send this version only to those who have not had the bulletin yet\n    \
        --correction        to send this version to everyone on the list, as a correction (\"Correction: \" before the subject)\n  \
        or put the file back as it was sent.\n";
    let dry = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--list",
        "all",
        "--dry-run",
    ]);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry));
    assert_eq!(
        mask_fingerprints(&String::from_utf8_lossy(&dry.stderr)),
        expected
    );
    assert!(dry.stdout.is_empty());
    let refused = office.send(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert_eq!(
        mask_fingerprints(&String::from_utf8_lossy(&refused.stderr)),
        expected
    );
    assert_eq!(server.messages().len(), 3, "a changed bulletin was sent");

    // --continue-changed: only the other three get it, the new version; the journal says so.
    let dry = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--list",
        "all",
        "--dry-run",
        "--continue-changed",
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        stdout.contains("the 3 delivered earlier had the version before, and are skipped")
            && stdout.contains("3 would be sent"),
        "{stdout}"
    );
    let rest = office.send(&["--continue-changed"]);
    assert!(rest.status.success(), "{}", text(&rest));
    let counts = server.counts();
    assert_eq!(counts.len(), 6);
    assert!(counts.values().all(|&c| c == 1));
    let subjects_now = subjects(&server);
    assert_eq!(
        subjects_now
            .iter()
            .filter(|s| *s == "Improving access, corrected")
            .count(),
        3
    );
    let issue_lines: Vec<String> = office
        .journal()
        .lines()
        .filter(|l| l.starts_with("issue\t2021-10-20\t"))
        .map(String::from)
        .collect();
    assert_eq!(issue_lines.len(), 2, "{}", office.journal());
    assert!(issue_lines[1].ends_with(" Improving access, corrected"));
    // Carrying on again is an ordinary resume now.
    let again = office.send(&[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(server.messages().len(), 6);

    // --correction: everyone gets it again, marked, with new Message-IDs and its own journal.
    office.edit(|s| {
        s.replace(
            "title: Improving access, corrected",
            "title: Improving access, corrected again",
        )
    });
    let correction = office.send(&["--correction"]);
    assert!(correction.status.success(), "{}", text(&correction));
    let counts = server.counts();
    assert!(counts.values().all(|&c| c == 2), "{counts:?}");
    let subjects_now = subjects(&server);
    assert_eq!(
        subjects_now
            .iter()
            .filter(|s| *s == "Correction: Improving access, corrected again")
            .count(),
        6
    );
    for (to, ids) in message_ids(&server) {
        assert_eq!(ids.len(), 2);
        assert!(ids[0].starts_with("bulletin.2021-10-20."), "{ids:?}");
        assert!(
            ids[1].starts_with("bulletin.2021-10-20-correction-1."),
            "{ids:?}"
        );
        // Same person, same hash of the address: a resend is recognisable.
        assert_eq!(ids[0].rsplit('.').nth(1), ids[1].rsplit('.').nth(1), "{to}");
    }
    let journal = std::fs::read_to_string(
        office
            .path()
            .join("bulletins/2021-10-20.correction-1.journal"),
    )
    .unwrap();
    assert!(
        journal.contains("issue\t2021-10-20-correction-1\t"),
        "{journal}"
    );
    assert_eq!(
        journal
            .lines()
            .filter(|l| l.starts_with("delivered\t"))
            .count(),
        6
    );
    // Run again, it resumes that correction: nobody gets it twice.
    let resumed = office.send(&["--correction"]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    assert!(
        String::from_utf8_lossy(&resumed.stdout).contains("nobody left to send to"),
        "{}",
        text(&resumed)
    );
    assert_eq!(server.messages().len(), 12);
}

#[test]
fn changing_the_issue_number_after_sending_does_not_start_a_fresh_send() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.two_lists(server.port);
    let first = office.send_list("some", &[]);
    assert!(first.status.success(), "{}", text(&first));
    office.edit(|s| {
        s.replacen(
            "\ndate: 2021-10-20\n",
            "\ndate: 2021-10-20\nissue: 113\n",
            1,
        )
    });
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = mask_fingerprints(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stderr.starts_with(
            "error: the date or issue number in bulletins/2021-10-20.yaml changed after it was sent: 3 people already have the earlier version (journal bulletins/2021-10-20.journal)\n  \
             sent: 2021-10-20 \"Improving access for patients and supporting general practice\" (content <fp>)\n  \
             now:  2021-10-20-113 \"Improving access for patients and supporting general practice\" (content <fp>)\n"
        ),
        "{stderr}"
    );
    assert_eq!(server.messages().len(), 3);
    assert!(
        !office
            .path()
            .join("bulletins/2021-10-20-113.journal")
            .exists()
    );
}

#[test]
fn another_bulletin_with_the_same_date_and_no_issue_number_is_refused() {
    // A second bulletin with the date of one already sent (its file name carries no date, so
    // the check that a file is named for its date does not catch it first).
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.two_lists(server.port);
    let first = office.send(&[]);
    assert!(first.status.success(), "{}", text(&first));
    let copy = office.path().join("bulletins/next-week.yaml");
    let source = std::fs::read_to_string(office.path().join("bulletins/2021-10-20.yaml")).unwrap();
    std::fs::write(&copy, source.replace(TITLE, "title: Next week's news")).unwrap();
    let args = ["send", "bulletins/next-week.yaml", "--list", "all"];
    let dry = office.run(&[&args[..], &["--dry-run"]].concat());
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry));
    assert_eq!(
        String::from_utf8_lossy(&dry.stderr),
        "error: another bulletin was already sent as 2021-10-20: \"Improving access for patients and supporting general practice\" (journal bulletins/2021-10-20.journal, 6 delivered)\n  \
         help: if this is another issue, correct its `date:`, or give it an `issue:` number (two issues on one date need different numbers); if it is a changed version of that bulletin, add --journal bulletins/2021-10-20.journal\n"
    );
    assert!(!String::from_utf8_lossy(&dry.stdout).contains("delivered earlier"));
    let send = office.run(&[&args[..], &["--yes"]].concat());
    assert_eq!(send.status.code(), Some(1), "{}", text(&send));
    assert_eq!(server.messages().len(), 6);
    // A second issue of that day, numbered: everyone gets it, as its own issue.
    std::fs::write(
        &copy,
        source.replace(TITLE, "title: Next week's news").replacen(
            "\ndate: 2021-10-20\n",
            "\ndate: 2021-10-20\nissue: 2\n",
            1,
        ),
    )
    .unwrap();
    let send = office.run(&[&args[..], &["--yes"]].concat());
    assert!(send.status.success(), "{}", text(&send));
    assert_eq!(server.messages().len(), 12);
    assert!(office.path().join("bulletins/next-week.journal").exists());
    let ids = message_ids(&server);
    assert!(ids[&member(0)][1].starts_with("bulletin.2021-10-20-2."));
}

#[test]
fn a_renamed_bulletin_file_carries_on_its_journal() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.two_lists(server.port);
    let first = office.send_list("some", &[]);
    assert!(first.status.success(), "{}", text(&first));
    std::fs::rename(
        office.path().join("bulletins/2021-10-20.yaml"),
        office.path().join("bulletins/final.yaml"),
    )
    .unwrap();
    let out = office.run(&["send", "bulletins/final.yaml", "--list", "all", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "note: carrying on from the journal bulletins/2021-10-20.journal, which recorded this issue's earlier sends"
        ),
        "{}",
        text(&out)
    );
    let counts = server.counts();
    assert_eq!(counts.len(), 6);
    assert!(counts.values().all(|&c| c == 1));
    assert!(!office.path().join("bulletins/final.journal").exists());
}

/// A journal from before the first release (no `issue` line saying which bulletin its records
/// are of, times in milliseconds) is not guessed at: the send is refused, naming the line, and
/// nobody is mailed.
#[test]
fn a_journal_from_before_the_first_release_is_refused_and_nobody_is_mailed() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.two_lists(server.port);
    let old = format!(
        "# bulletin 2021-10-20 Improving access for patients and supporting general practice\ndelivered\t{}\t1635332400123\t250 OK\n",
        member(0)
    );
    let path = office.path().join("bulletins/2021-10-20.journal");
    std::fs::write(&path, &old).unwrap();
    for extra in [&["--dry-run"][..], &[]] {
        let out = office.send(extra);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "error: cannot read the journal bulletins/2021-10-20.journal: line 2 is not a line that `bulletin send` writes"
            ),
            "{stderr}"
        );
        assert!(stderr.contains("no `issue` line before it"), "{stderr}");
    }
    assert!(server.messages().is_empty());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), old);
}

#[test]
fn a_damaged_journal_refuses_the_send_and_names_the_line_and_nobody_is_mailed_twice() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 6, "", "");
    let first = office.send(&[]);
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(server.messages().len(), 6);
    let journal = office.journal();
    assert!(
        journal.contains("+00:00\t250"),
        "times are ISO 8601 with an offset:\n{journal}"
    );
    let path = office.path().join("bulletins/2021-10-20.journal");
    // As a spreadsheet saves it (line 1 is a comment); a block of NULs among the records.
    let comma = journal.replace('\t', ",");
    let lines: Vec<&str> = journal.lines().collect();
    let nuls = format!(
        "{}\n{}\n{}\n{}{}\n",
        lines[0],
        lines[1],
        lines[2],
        "\0".repeat(512),
        lines[3..].join("\n")
    );
    for (damaged, line) in [(comma, 2), (nuls, 4)] {
        std::fs::write(&path, &damaged).unwrap();
        for extra in [&["--dry-run"][..], &[]] {
            let out = office.send(extra);
            assert_eq!(out.status.code(), Some(1), "{}", text(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.starts_with(&format!(
                    "error: cannot read the journal bulletins/2021-10-20.journal: line {line} is not a line that `bulletin send` writes"
                )),
                "{stderr}"
            );
            assert!(stderr.contains("help: nothing was sent"), "{stderr}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), damaged);
        }
    }
    assert_eq!(server.messages().len(), 6);
    // An address typed in capitals and a last line without its newline are read as meant.
    let edited = journal
        .replace(&member(2), &member(2).to_uppercase())
        .trim_end()
        .to_string();
    std::fs::write(&path, edited).unwrap();
    let again = office.send(&[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(server.messages().len(), 6, "{}", text(&again));
}

#[test]
fn a_damaged_journal_beside_it_refuses_the_send_rather_than_mail_its_people_again() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 4, "", "");
    let first = office.send(&[]);
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(server.messages().len(), 4);
    // The issue's journal, renamed and saved by a spreadsheet: it can no longer be read.
    let bulletins = office.path().join("bulletins");
    let journal = std::fs::read_to_string(bulletins.join("2021-10-20.journal")).unwrap();
    std::fs::remove_file(bulletins.join("2021-10-20.journal")).unwrap();
    std::fs::write(bulletins.join("copy.journal"), journal.replace('\t', ",")).unwrap();
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: cannot read the journal bulletins/copy.journal: line 2 is not a line that `bulletin send` writes"
        ),
        "{stderr}"
    );
    assert_eq!(server.messages().len(), 4, "nobody is mailed again");
}

/// Runs `send` with its journal on a small, real tmpfs of `kb` KB (mounted in a user and mount
/// namespace of its own, `unshare -rm`), then copies the journal out beside it as
/// `full.journal` (the tmpfs goes with the namespace).
fn send_on_a_small_disk(office: &Office, kb: usize) -> Output {
    let disk = office.path().join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    Command::new("unshare")
        .current_dir(office.path())
        .args(["-rm", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size={kb}k tmpfs disk || exit 99; \"$@\"; rc=$?; cp disk/full.journal full.journal 2>/dev/null; exit $rc"
        ))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_bulletin"))
        .args([
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--yes",
            "--journal",
            "disk/full.journal",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("unshare (util-linux)")
}

#[test]
fn a_full_disk_under_the_journal_stops_the_send_and_nobody_is_mailed_twice() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 200, "connections: 4", "");
    // Too small even for the reserve: refused before anything is sent.
    let refused = send_on_a_small_disk(&office, 32);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("the disk under the journal disk/full.journal is full"),
        "{}",
        text(&refused)
    );
    assert_eq!(server.messages().len(), 0);
    // The reserve (64 KB) and 8 KB for the journal: about 90 records, then the disk is full.
    let out = send_on_a_small_disk(&office, 72);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: sending stopped: the disk under the journal is full: stopped before sending to anyone else, and every message sent is recorded in the journal"),
        "{}",
        text(&out)
    );
    assert!(
        stderr.contains("recorded in the journal\n  help: free some space on that disk"),
        "{stderr}"
    );
    let sent = server.messages().len();
    assert!(sent > 50 && sent < 200, "{sent} sent\n{}", text(&out));
    // Everyone the relay accepted is in the journal, so a rerun (space freed) mails nobody twice.
    let rerun = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--list",
        "all",
        "--yes",
        "--journal",
        "full.journal",
    ]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    let counts = server.counts();
    assert_eq!(counts.len(), 200);
    assert_eq!(
        duplicates(&counts),
        0,
        "after {sent} before the disk was full"
    );
}

#[test]
fn a_connection_dropped_in_the_middle_of_data_is_retried_and_everyone_gets_one_copy() {
    let office = Office::new();
    // Every 3rd DATA: "354", then the connection closes before the message's end.
    let server = Server::start(office.path(), &["--drop-in-data", "3"]);
    office.recipients(server.port, 12, "  connections: 1\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 12, "{}", text(&out));
    assert_eq!(duplicates(&counts), 0);
    assert!(!text(&out).contains("may have delivered"), "{}", text(&out));
    assert_eq!(office.journal_delivered().len(), 12);
    // Both kinds in one run: a drop before the end is retried, a lost reply after it is not.
    let office = Office::new();
    let server = Server::start(
        office.path(),
        &["--drop-in-data", "4", "--vanish-every", "5"],
    );
    office.recipients(server.port, 20, "  connections: 1\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 20, "{}", text(&out));
    assert_eq!(duplicates(&counts), 0);
    let journal = office.journal();
    let uncertain = journal
        .lines()
        .filter(|l| l.starts_with("failed\t") && l.contains("may have delivered"))
        .count();
    assert_eq!(uncertain, 4, "{journal}");
}

#[test]
fn under_tls_too_a_drop_before_the_end_is_retried_and_a_lost_reply_after_it_is_not() {
    // The socket counts encrypted bytes, a few more than the message's: where the connection
    // was lost is still told right, whether TLS is started in the session or from the start.
    let office = Office::new();
    let (ca, cert, key) = crate::common::tls::certificates(office.path(), "");
    let pair = format!("{}:{}", cert.display(), key.display());
    for (flag, security) in [("--starttls", "starttls"), ("--tls", "tls")] {
        let server = Server::start(
            office.path(),
            &[flag, &pair, "--drop-in-data", "4", "--vanish-every", "5"],
        );
        office.recipients(
            server.port,
            20,
            &format!(
                "  security: {security}\n  ca_file: {}\n  connections: 1\n",
                ca.display()
            ),
            "",
        );
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{security}: {}", text(&out));
        let counts = server.counts();
        assert_eq!(counts.len(), 20, "{security}: {}", text(&out));
        assert_eq!(duplicates(&counts), 0, "{security}");
        let journal = office.journal();
        let uncertain = journal
            .lines()
            .filter(|l| l.starts_with("failed\t") && l.contains("may have delivered"))
            .count();
        assert_eq!(uncertain, 4, "{security}: {journal}");
        assert_eq!(
            office.journal_delivered().len(),
            16,
            "{security}: {journal}"
        );
        std::fs::remove_file(office.path().join("bulletins/2021-10-20.journal")).unwrap();
    }
}

#[test]
fn a_dry_run_read_by_a_reader_that_stops_early_ends_quietly() {
    let office = Office::new();
    office.recipients(2525, 3000, "", "");
    let mut child = office
        .command(&[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--dry-run",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`: one line, then the pipe is closed.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("dry run"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn failures_get_advice_by_kind_permanent_or_not() {
    let office = Office::new();
    let server = Server::start(
        office.path(),
        &[
            "--tempfail",
            &format!("{}=9", member(1)),
            "--reject",
            &member(2),
        ],
    );
    office.recipients(server.port, 4, "  retries: 0\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).ends_with("error: 2 recipient(s) not delivered:\n  - 1 refused for good by the relay (a 5xx reply, such as \"550 user unknown\"): correct each address in recipients.yaml, or remove it, or add it to `suppress:`; sending again would be refused again\n  - 1 not delivered for now: when the problem is fixed, run again with --retry-failed\n"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_relay_that_does_not_greet_and_one_slow_to_answer_ehlo_are_told_apart() {
    let office = Office::new();
    // A listener that accepts and never says anything.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    office.recipients(port, 2, "  timeout_seconds: 1\n  retries: 0\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("127.0.0.1:{port} did not greet within 1s")),
        "{}",
        text(&out)
    );
    drop(silent);
    let server = Server::start(office.path(), &["--slow-ehlo", "3"]);
    office.recipients(server.port, 2, "  timeout_seconds: 1\n  retries: 0\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("greeted but did not answer EHLO within 1s"),
        "{}",
        text(&out)
    );
    assert!(server.messages().is_empty());
}

#[test]
fn a_sendmail_that_never_finishes_is_given_up_on_and_not_resent() {
    let office = Office::new();
    let bin = office.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("sendmail");
    std::fs::write(&script, "#!/bin/sh\ncat > /dev/null\nexec sleep 3\n").unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let mut y = String::from("transport: sendmail\nlists:\n  all:\n    members:\n");
    for i in 0..2 {
        y.push_str(&format!("      - {}\n", member(i)));
    }
    std::fs::write(office.path().join("recipients.yaml"), y).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = office
        .send_command()
        .env("PATH", path)
        .env("BULLETIN_SENDMAIL_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the local mail system (sendmail) did not finish within 300ms; it may have taken the message"),
        "{}",
        text(&out)
    );
    let failed = office
        .journal()
        .lines()
        .filter(|l| l.starts_with("failed\t"))
        .count();
    assert_eq!(failed, 2);
}

#[test]
fn a_relay_that_is_down_or_a_wrong_password_is_reported_before_the_question() {
    let office = Office::new();
    let bin = env!("CARGO_BIN_EXE_bulletin");
    let cmd = format!("{bin} send bulletins/2021-10-20.yaml --list all");
    // Nobody listens on this port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    office.recipients(port, 3, "", "");
    let down = on_terminal(&office, &cmd, "yes\n");
    let screen = String::from_utf8_lossy(&down.stdout);
    assert_eq!(down.status.code(), Some(1), "{screen}");
    assert!(
        screen.contains(&format!(
            "error: nothing was sent: cannot connect to 127.0.0.1:{port}"
        )),
        "{screen}"
    );
    assert!(
        screen.contains("help: check that the relay is running"),
        "{screen}"
    );
    assert!(!screen.contains("Send it now?"), "{screen}");

    let server = Server::start(office.path(), &["--auth", "bulletin@example.org:right-99"]);
    office.recipients_with_login(server.port, 3, "");
    let wrong = on_terminal(
        &office,
        &format!("BULLETIN_SMTP_PASSWORD=wrong-98 {cmd}"),
        "yes\n",
    );
    let screen = String::from_utf8_lossy(&wrong.stdout);
    assert!(
        screen.contains(
            "error: nothing was sent: the relay refused the login for `bulletin@example.org`"
        ),
        "{screen}"
    );
    assert!(!screen.contains("Send it now?"), "{screen}");
    assert!(!screen.contains("wrong-98"), "{screen}");
    // With the right one, the question comes, and `yes` sends.
    let right = on_terminal(
        &office,
        &format!("BULLETIN_SMTP_PASSWORD=right-99 {cmd}"),
        "yes\n",
    );
    let screen = String::from_utf8_lossy(&right.stdout);
    assert!(right.status.success(), "{screen}");
    assert!(screen.contains("Send it now?"), "{screen}");
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn a_refusal_of_the_whole_send_stops_it_instead_of_failing_each_recipient() {
    // The relay wants a login; the file says `auth: none`.
    let office = Office::new();
    let server = Server::start(office.path(), &["--auth", "bulletin@example.org:pw-97"]);
    office.recipients(server.port, 28, "  connections: 4\n", "");
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: sending stopped: 127.0.0.1:{} requires a login (it answered `530 5.7.0 Authentication required`), but the recipients file says `auth: none`",
            server.port
        )),
        "{}",
        text(&out)
    );
    // What to do, on a line of its own after the message, once.
    assert_eq!(
        stderr
            .matches("\n  help: set `auth:` and `username:` under `smtp:` in the recipients file")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        !office.journal().contains("failed\t"),
        "nobody is marked failed:\n{}",
        office.journal()
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("not sent yet                   28"),
        "{}",
        text(&out)
    );

    // A `from` address outside ASCII, and a relay without SMTPUTF8.
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 5, "", "");
    let publisher = office.path().join("bulletins/publisher.yaml");
    let text_before = std::fs::read_to_string(&publisher).unwrap();
    std::fs::write(
        &publisher,
        text_before.replace("<bulletin@example.org>", "<büro@example.org>"),
    )
    .unwrap();
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the `from` address büro@example.org has letters outside ASCII and"),
        "{}",
        text(&out)
    );
    assert!(
        !office.journal().contains("failed\t"),
        "{}",
        office.journal()
    );
    assert!(server.messages().is_empty());
}

#[test]
fn a_relay_that_limits_the_rate_slows_the_send_down_without_failing_anyone() {
    let office = Office::new();
    // At most 10 messages in any 2 seconds (300 a minute); more get "451 4.7.0".
    let server = Server::start(office.path(), &["--throttle", "10/2"]);
    // No limit of our own, and no retries: a throttled message counted as a retry would fail.
    office.recipients(server.port, 40, "  connections: 2\n  retries: 0\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 40, "{}", text(&out));
    assert_eq!(duplicates(&counts), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: the relay is limiting the rate (451 4.7.0 too many messages, slow down): slowed down to "),
        "{}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("slowed down by the relay"),
        "{}",
        text(&out)
    );
    assert_eq!(office.journal_delivered().len(), 40);
}

#[test]
fn a_send_whose_output_is_read_by_a_reader_that_has_gone_ends_with_its_own_status() {
    // Like `bulletin send ... | head -1` whose reader has gone, for stdout and stderr alike: the
    // summary, the progress lines and the final error meet a closed pipe. No panic (exit 101),
    // everyone mailed once and recorded, and the exit status is the send's own: 0 when everyone
    // was delivered, 1 when someone was refused.
    for (reject, status) in [(None, 0), (Some(member(4)), 1)] {
        let office = Office::new();
        let mut args = Vec::new();
        if let Some(r) = &reject {
            args.extend(["--reject", r.as_str()]);
        }
        let server = Server::start(office.path(), &args);
        office.recipients(server.port, 12, "  connections: 2\n", "");
        let mut child = office
            .send_command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Both readers go before anything is read: every write meets a closed pipe.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let code = child.wait().unwrap().code();
        assert_eq!(code, Some(status), "reject {reject:?}");
        let counts = server.counts();
        assert_eq!(counts.len(), 12 - usize::from(reject.is_some()));
        assert_eq!(duplicates(&counts), 0);
        assert_eq!(
            office.journal_delivered().len(),
            12 - usize::from(reject.is_some())
        );
        let failed = office
            .journal()
            .lines()
            .filter(|l| l.starts_with("failed\t"))
            .count();
        assert_eq!(
            failed,
            usize::from(reject.is_some()),
            "{}",
            office.journal()
        );
    }
    // Stdout closed altogether (`>&-`): the same.
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 5, "", "");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{}' send bulletins/2021-10-20.yaml --list all --yes >&-",
            env!("CARGO_BIN_EXE_bulletin")
        ))
        .current_dir(office.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
    assert_eq!(server.counts().len(), 5);
    assert_eq!(office.journal_delivered().len(), 5);
}

#[test]
fn every_message_arrives_as_rendered_with_its_leading_dots_and_its_end_intact() {
    // A message goes with each line that starts with "." doubled and a final "." of its own (our
    // code, not lettre's). The relay, undoing that, must have the rendered message byte for byte
    // below the headers that differ per recipient; and nothing after it, in both ways of sending.
    for offers in [&[][..], &["--no-pipelining"][..]] {
        let office = Office::new();
        let rendered = office.run(&["render", "bulletins/2021-10-20.yaml", "--out", "out"]);
        assert!(rendered.status.success(), "{}", text(&rendered));
        let eml = std::fs::read_to_string(office.path().join("out/2021-10-20.eml")).unwrap();
        assert!(
            eml.split("\r\n").any(|l| l.starts_with('.')),
            "the example no longer has a line that starts with \".\": this test needs one"
        );
        let below = |m: &str| m[m.find("\r\n\r\n").expect("the headers end")..].to_string();
        let server = Server::start(office.path(), offers);
        office.recipients(server.port, 3, "  connections: 1\n", "");
        let out = office.send(&[]);
        assert!(out.status.success(), "{offers:?}: {}", text(&out));
        let messages = server.messages();
        assert_eq!(messages.len(), 3, "{offers:?}");
        for m in &messages {
            assert!(
                below(&m.data) == below(&eml),
                "{offers:?}: {:?} differs",
                m.to
            );
        }
    }
}

#[test]
fn a_session_the_relay_ends_after_a_message_costs_the_next_recipient_no_try() {
    // Each message's commands go out behind the previous message's end. This relay ends the
    // session at the MAIL after every 3rd message, unanswered. Nothing of that next message was
    // sent, so it goes again on a new session; with `retries: 0` a counted try would fail it.
    let office = Office::new();
    let server = Server::start(office.path(), &["--close-at-mail-after", "3"]);
    office.recipients(server.port, 10, "  connections: 1\n  retries: 0\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 10, "{}", text(&out));
    assert_eq!(duplicates(&counts), 0);
    assert_eq!(office.journal_delivered().len(), 10);
    assert!(
        !office.journal().contains("failed\t"),
        "{}",
        office.journal()
    );
}

#[test]
fn a_relay_that_refuses_connections_after_many_messages_slows_the_send_down_without_failing_anyone()
{
    let office = Office::new();
    // After every 10 messages the relay ends each session after its message and refuses new
    // connections for 2 seconds.
    let server = Server::start(office.path(), &["--refuse-after", "10/2"]);
    // No retries: a refused connection or an ended session counted against a recipient would
    // fail them.
    office.recipients(server.port, 30, "  connections: 2\n  retries: 0\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 30, "{}", text(&out));
    assert_eq!(duplicates(&counts), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "note: the relay is limiting the rate (cannot connect to 127.0.0.1:{}: Connection refused",
        server.port
        )),
        "{}",
        text(&out)
    );
    assert!(stderr.contains("): slowed down to "), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("slowed down by the relay"),
        "{}",
        text(&out)
    );
    // The relay's clock: nothing was taken while it refused connections (2 s after each 10th).
    let times: Vec<f64> = server.messages().iter().map(|m| m.t).collect();
    assert!(
        times.windows(2).any(|w| w[1] - w[0] >= 1.5),
        "no pause at the relay: {times:?}"
    );
    assert_eq!(office.journal_delivered().len(), 30);
    assert!(
        !office.journal().contains("failed\t"),
        "{}",
        office.journal()
    );
}

// Issue 20: a relay that misbehaves at the socket (tests/smtp/cut.py), with messages of the
// sizes a bulletin has, over loopback with the kernel's default socket buffers (which take a
// whole message at once, long before the relay reads it).

impl Office {
    /// Replaces the example bulletin with one of `sections` sections (bench/sized_bulletin.py):
    /// 1 makes a message of about 16 KB, 5 about 32 KB, 24 about 90 KB.
    fn sized(&self, sections: usize) {
        let file = self.path().join("bulletins/2021-10-20.yaml");
        let o = Command::new("python3")
            .arg(Path::new(ROOT).join("bench/sized_bulletin.py"))
            .arg(Path::new(ROOT).join("bulletins/2021-10-20.yaml"))
            .arg(&file)
            .arg(sections.to_string())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
}

/// Failed records whose reply says the relay may have delivered the message.
fn uncertain(journal: &str) -> usize {
    journal
        .lines()
        .filter(|l| l.starts_with("failed\t") && l.contains("may have delivered"))
        .count()
}

#[test]
fn a_message_cut_before_its_end_is_retried_once_delivered_and_one_read_whole_is_not_resent() {
    let office = Office::new();
    let (ca, cert, key) = crate::common::tls::certificates(office.path(), "");
    let pair = format!("{}:{}", cert.display(), key.display());
    for (sections, low, high) in [
        (1, 12_000, 20_000),
        (5, 26_000, 36_000),
        (24, 80_000, 100_000),
    ] {
        office.sized(sections);
        for pipelining in [true, false] {
            for tls in [false, true] {
                let case = format!("{sections} sections, pipelining {pipelining}, tls {tls}");
                // The first three messages are cut (each once, then taken when tried again)
                // after 1 KB, 8 KB and all but the final "."; the 4th is read whole, with its
                // end, and never answered.
                let mut args = vec!["--plan", "cut:1024,ok,cut:8000,ok,cut:end,ok,vanish"];
                if !pipelining {
                    args.push("--no-pipelining");
                }
                let mut settings = "  connections: 1\n".to_string();
                if tls {
                    args.extend(["--starttls", &pair]);
                    settings.push_str(&format!(
                        "  security: starttls\n  ca_file: {}\n",
                        ca.display()
                    ));
                }
                let server = Server::start_script(office.path(), "cut.py", &args);
                office.recipients(server.port, 8, &settings, "");
                let out = office.send(&[]);
                assert_eq!(out.status.code(), Some(1), "{case}: {}", text(&out));
                let counts = server.counts();
                assert_eq!(counts.len(), 8, "{case}: {counts:?} {}", text(&out));
                assert_eq!(duplicates(&counts), 0, "{case}");
                let size = server.messages()[0].data.len();
                assert!((low..high).contains(&size), "{case}: {size} bytes");
                let journal = office.journal();
                assert_eq!(uncertain(&journal), 1, "{case}: {journal}");
                assert_eq!(office.journal_delivered().len(), 7, "{case}: {journal}");
                let vanished = journal
                    .lines()
                    .find(|l| l.contains("may have delivered"))
                    .unwrap();
                assert!(vanished.contains(&member(3)), "{case}: {journal}");
                std::fs::remove_file(office.path().join("bulletins/2021-10-20.journal")).unwrap();
            }
        }
    }
}

#[test]
fn a_relay_that_is_down_during_a_yes_send_stops_it_records_nobody_and_the_same_command_resumes() {
    let office = Office::new();
    // Nobody listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    office.recipients(port, 4, "  retries: 1\n", "");
    let refused = office.send(&[]);
    // A relay that answers, but only to say it is not taking mail now.
    let busy = Server::start_script(
        office.path(),
        "cut.py",
        &[
            "--greet",
            "421 4.3.2 service not available, closing the channel",
        ],
    );
    office.recipients(busy.port, 4, "  retries: 1\n", "");
    let greeted = office.send(&[]);
    for (out, said) in [
        (&refused, format!("cannot connect to 127.0.0.1:{port}")),
        (&greeted, "421 4.3.2 service not available".to_string()),
    ] {
        assert_eq!(out.status.code(), Some(1), "{}", text(out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("error: sending stopped: "), "{}", text(out));
        assert!(stderr.contains(&said), "{}", text(out));
        assert!(
            stderr.contains("(tried 2 times); nothing is lost: run the same command again"),
            "{}",
            text(out)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("not sent yet                    4"),
            "{}",
            text(out)
        );
        assert!(
            !office.journal().contains("failed\t"),
            "{}",
            office.journal()
        );
    }
    assert!(busy.messages().is_empty());
    // The relay is back: the same command sends to everyone, once.
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 4, "  retries: 1\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 4);
    assert_eq!(duplicates(&counts), 0);
}

#[test]
fn a_refused_login_never_shows_what_the_relay_said_back() {
    let office = Office::new();
    // This relay repeats what it was sent in its refusal, the password in base64 included.
    let server = Server::start_script(
        office.path(),
        "cut.py",
        &["--auth", "bulletin@example.org:right-secret-95"],
    );
    office.recipients_with_login(server.port, 2, "");
    let bin = env!("CARGO_BIN_EXE_bulletin");
    let asked = on_terminal(
        &office,
        &format!(
            "BULLETIN_SMTP_PASSWORD=wrong-secret-96 {bin} send bulletins/2021-10-20.yaml --list all"
        ),
        "yes\n",
    );
    let yes = office
        .send_command()
        .env("BULLETIN_SMTP_PASSWORD", "wrong-secret-96")
        .output()
        .unwrap();
    for (out, screen) in [
        (&asked, String::from_utf8_lossy(&asked.stdout).to_string()),
        (&yes, text(&yes)),
    ] {
        assert_eq!(out.status.code(), Some(1), "{screen}");
        assert!(
            screen.contains("the relay refused the login for `bulletin@example.org` (it answered 535 5.7.8; what it said is not shown"),
            "{screen}"
        );
        // Neither the password, nor its base64 (AUTH PLAIN's "\0bulletin@example.org\0..."),
        // nor the relay's words.
        for secret in [
            "wrong-secret-96",
            "AGJ1bGxldGlu",
            "Authentication failed",
            "AUTH PLAIN",
        ] {
            assert!(!screen.contains(secret), "{secret}: {screen}");
        }
    }
    assert!(server.messages().is_empty());
    assert!(
        !office.journal().contains("failed\t"),
        "{}",
        office.journal()
    );
}

#[test]
fn only_a_2xx_to_the_end_of_a_message_is_delivery_and_a_long_one_is_read() {
    let long = format!("reply:250 2.0.0 queued as {}", "x".repeat(3000));
    // Kept for their addresses: behind a message's end, the next one's DATA may already have
    // reached the relay when the session is dropped.
    for pipelining in [true, false] {
        let office = Office::new();
        // A 354 to the end of the 2nd message; the 4th's 250 is 3,000 characters long.
        let plan = format!("{}=reply:354 go on,{}={long}", member(1), member(3));
        let mut args = vec!["--plan", plan.as_str()];
        if !pipelining {
            args.push("--no-pipelining");
        }
        let server = Server::start_script(office.path(), "cut.py", &args);
        office.recipients(server.port, 5, "  connections: 1\n", "");
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let journal = office.journal();
        let delivered = office.journal_delivered();
        assert_eq!(delivered.len(), 4, "{journal}");
        assert!(!delivered.contains_key(&member(1)), "{journal}");
        let failed = journal.lines().find(|l| l.starts_with("failed\t")).unwrap();
        assert!(failed.contains(&member(1)), "{journal}");
        assert!(
            failed.contains("the relay's reply to the end of the message does not fit it (354 go on): the session was closed, and the relay may have delivered it"),
            "{journal}"
        );
        let long_line = journal.lines().find(|l| l.contains(&member(3))).unwrap();
        assert!(
            long_line.starts_with("delivered\t") && long_line.ends_with("xxx…"),
            "{long_line}"
        );
        let counts = server.counts();
        assert_eq!(counts.len(), 5);
        assert_eq!(duplicates(&counts), 0);
    }
}

#[test]
fn a_reply_line_too_many_never_shifts_a_refusal_onto_a_delivery() {
    for pipelining in [true, false] {
        let office = Office::new();
        // The 1st message's end is answered twice; the 3rd recipient is refused at RCPT.
        let mut args = vec![
            "--plan",
            "reply:250 2.0.0 accepted\\n250 2.0.0 accepted again",
            "--reject",
            "member0002@example.org",
        ];
        if !pipelining {
            args.push("--no-pipelining");
        }
        let server = Server::start_script(office.path(), "cut.py", &args);
        office.recipients(server.port, 5, "  connections: 1\n", "");
        let out = office.send(&[]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let journal = office.journal();
        let counts = server.counts();
        // Whoever the journal says was delivered, the relay took; the refused one is recorded
        // with its refusal.
        for who in office.journal_delivered().keys() {
            assert_eq!(counts.get(who), Some(&1), "{who}: {journal}");
        }
        // And each delivery is a 2xx reply to its own end (a shifted reply would record the
        // next DATA's 354 as one).
        for l in journal.lines().filter(|l| l.starts_with("delivered\t")) {
            assert!(
                l.split('\t')
                    .nth(3)
                    .unwrap()
                    .starts_with("250 2.0.0 accepted"),
                "{l}"
            );
        }
        assert!(
            journal.lines().any(|l| l.starts_with("failed\t")
                && l.contains(&member(2))
                && l.contains("550 5.1.1")),
            "{journal}"
        );
        assert!(!counts.contains_key(&member(2)));
        assert_eq!(duplicates(&counts), 0);
        assert_eq!(counts.len(), 4, "{journal}");
    }
}

#[test]
fn a_journal_emptied_after_a_send_is_refused_with_how_to_repair_it() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 3, "", "");
    assert!(office.send(&[]).status.success());
    let path = office.path().join("bulletins/2021-10-20.journal");
    let kept = std::fs::read(&path).unwrap();
    std::fs::write(&path, "").unwrap();
    for out in [office.send(&[]), office.send(&["--dry-run"])] {
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("bulletins/2021-10-20.journal: it is empty, but its lock file bulletins/2021-10-20.journal.lock says a send of this bulletin was recorded in it"),
            "{}",
            text(&out)
        );
        assert!(
            stderr.contains("help: nothing was sent. Put back the journal"),
            "{stderr}"
        );
    }
    assert_eq!(server.messages().len(), 3);
    // Put back, it carries on: nobody is left.
    std::fs::write(&path, kept).unwrap();
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("nobody left to send to"),
        "{}",
        text(&out)
    );
    assert_eq!(server.messages().len(), 3);
}

#[test]
fn every_first_data_cut_after_1_kb_over_two_connections_still_delivers_everyone_once() {
    // Issue 20's report: 40 recipients, 2 connections, the relay cutting each message's first
    // DATA after about 1 KB of a ~20 KB message. It recorded 0 delivered and 38 "may have
    // delivered".
    let office = Office::new();
    office.sized(2);
    let plan: Vec<String> = (0..40).map(|i| format!("{}=cut:1000", member(i))).collect();
    let server = Server::start_script(office.path(), "cut.py", &["--plan", &plan.join(",")]);
    office.recipients(server.port, 40, "  connections: 2\n", "");
    let out = office.send(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let counts = server.counts();
    assert_eq!(counts.len(), 40);
    assert_eq!(duplicates(&counts), 0);
    assert_eq!(office.journal_delivered().len(), 40);
    assert!(
        text(&out).contains("temporary failures retried     40"),
        "{}",
        text(&out)
    );
}

/// A damaged Message-ID key stops the send before anyone is mailed, with what to do on a line of
/// its own (`identity::KeyError::help`).
#[test]
fn a_damaged_message_id_key_stops_the_send_and_says_to_restore_it() {
    let office = Office::new();
    let server = Server::start(office.path(), &[]);
    office.recipients(server.port, 3, "", "");
    std::fs::write(
        office.path().join("bulletins/message-ids.key"),
        "# The office's secret for Message-IDs\nnot hex at all\n",
    )
    .unwrap();
    let out = office.send(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: bulletins/message-ids.key is damaged (it should hold 64 hex digits)\n  help: restore it from a backup; without it `bulletin inbox` cannot recognise replies to the issues already sent\n"
    );
    assert!(server.messages().is_empty());
}
