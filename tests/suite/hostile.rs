//! Broken and hostile files through the real binary: none may crash `bulletin` (a stack overflow
//! aborts with exit code 134), hang it, or be cut short without a word.
//!
//! Large inputs are generated into a temporary folder beside a good `publisher.yaml`, never
//! committed; the small ones, with their exact output, are the `tests/cmd/hostile-*` cases.
//! Each run has a generous time limit as a guard against a hang (how fast is measured in
//! `benches/limits.rs`, not here).
//!
//! - nesting: 30,000 `- ` on one line, 5,000 `[` or `{`, 2,000 levels of indentation (5,000
//!   would be over the 5 MB limit), and 50,000 nested quotes, list items or emphasis markers in
//!   Markdown are "nested too deeply", in `check`, in `check` of a good bulletin beside a deep
//!   `recipients.yaml`, and in the preview, which stays up;
//! - characters: a NUL byte, a vertical tab, escape sequences are errors at their line and
//!   column, and the terminal never receives an escape, from a file, a file name or a relay's
//!   reply; a CRLF copy of the example passes and renders the same email;
//! - size: a file over 5 MB, a mapping of 150,000 keys and 20,000 mailing lists are refused with
//!   a message; an include chain of 1,000 lists, 999 lists including one large list, 50,000
//!   links on one line and 50,000 sections are checked, with the right counts and positions;
//! - headers: a title over 150 characters is an error at the title; the longest title, name and
//!   List-Id allowed give no line over 998 characters, and header lines with spaces fold to 78;
//! - addresses: a Unicode domain and its punycode form are one person, on a list and when
//!   suppressed.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A good publisher.yaml, copied beside every generated bulletin.
const PUBLISHER: &str = "tests/fixtures/check/bad/publisher.yaml";
const EXAMPLE: &str = "bulletins/2021-10-20.yaml";
/// The longest any run may take before it counts as a hang: a guard, not a measurement (speed is
/// in `benches/`), so far above what any run takes on a loaded machine (the slowest, fifty
/// thousand links, takes about 10 s in a debug build).
const HANG_GUARD: Duration = Duration::from_secs(600);

/// A temporary folder holding a good publisher.yaml.
struct Folder(tempfile::TempDir);

impl Folder {
    fn new() -> Folder {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(
            Path::new(ROOT).join(PUBLISHER),
            dir.path().join("publisher.yaml"),
        )
        .unwrap();
        Folder(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `name` in the folder: its path.
    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// Runs `bulletin ARGS` in the folder, within the hang guard: (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = |name| File::create(self.path().join(name)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .stdout(out(".stdout"))
            .stderr(out(".stderr"))
            .spawn()
            .expect("the bulletin binary runs");
        let status = wait_or_kill(&mut child, args);
        let read = |name| fs::read_to_string(self.path().join(name)).unwrap();
        let (stdout, stderr) = (read(".stdout"), one_line_each(&read(".stderr")));
        let code = status.unwrap_or_else(|| {
            panic!(
                "`bulletin {}` was killed by a signal; stderr:\n{stderr}",
                args.join(" ")
            )
        });
        (code, stdout, stderr)
    }

    /// `bulletin check FILE`, which must fail (exit 1, not a crash) with `message` at `at`
    /// (`"FILE:LINE:COL: "`, or `"FILE: "` for the whole file).
    #[track_caller]
    fn check_fails_with(&self, file: &str, at: &str, message: &str) -> String {
        let (code, stdout, stderr) = self.run(&["check", file]);
        assert_eq!(
            code, 1,
            "`check {file}` must fail cleanly; stderr:\n{stderr}"
        );
        assert!(stdout.is_empty(), "nothing on stdout, got:\n{stdout}");
        let line = stderr
            .lines()
            .find(|l| l.starts_with(at))
            .unwrap_or_else(|| panic!("nothing reported at {at:?} in:\n{stderr}"));
        assert!(
            line.contains(&format!("error: {message}")),
            "expected `error: {message}` in {line:?}"
        );
        stderr
    }
}

/// The binary's problems, shown as cargo does (`error: message`, ` --> file:line:col`, the
/// source line, `= help: ...`), put back on one line each (`file:line:col: error: message`,
/// then `  help: ...`), so that these tests can look for a position with `starts_with`. The
/// layout itself is pinned by the snapshots in tests/cmd/hostile-*.
fn one_line_each(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let is_header = line.starts_with("error: ") || line.starts_with("warning: ");
        let location = lines
            .get(i + 1)
            .and_then(|l| l.trim_start().strip_prefix("--> "));
        match (is_header, location) {
            (true, Some(at)) => {
                out.push_str(&format!("{at}: {line}\n"));
                i += 2;
                continue;
            }
            _ if line.trim_start().starts_with("= help: ") => {
                out.push_str(&format!("  help: {}\n", &line.trim_start()[8..]));
            }
            // The source lines and carets, and the blank lines between problems.
            _ if line.trim().is_empty() || line.trim_start().starts_with('|') => {}
            _ if line
                .split_once(" |")
                .is_some_and(|(n, _)| n.trim().parse::<usize>().is_ok()) => {}
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
        i += 1;
    }
    out
}

/// Waits for `child` within the hang guard (killing it and failing after that): its exit code,
/// or `None` if a signal ended it.
fn wait_or_kill(child: &mut Child, args: &[&str]) -> Option<i32> {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`bulletin {}` did not finish within {HANG_GUARD:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A bulletin whose only section has `body` (indented by this function).
fn with_body(body: &str) -> String {
    let mut text =
        String::from("title: Deep\ndate: 2021-10-20\nsections:\n  - title: One\n    body: |\n");
    for line in body.lines() {
        text.push_str(&format!("      {line}\n"));
    }
    text
}

const YAML_TOO_DEEP: &str = "lists and keys are nested too deeply here (more than 64 levels)";
const MARKDOWN_TOO_DEEP: &str = "quotes and lists are nested too deeply here (more than 16 levels)";

#[test]
fn deeply_nested_yaml_is_an_error_not_a_crash() {
    let f = Folder::new();
    // 60 KB: a list in a list ... 30,000 times. Line 2, the 64th `- ` is too deep.
    f.write(
        "dashes.yaml",
        format!("sections:\n{}x\n", "- ".repeat(30_000)),
    );
    f.check_fails_with("dashes.yaml", "dashes.yaml:2:127: ", YAML_TOO_DEEP);
    let head = "title: Deep\ndate: 2021-10-20\nsections: ";
    f.write(
        "brackets.yaml",
        format!("{head}{}{}\n", "[".repeat(5_000), "]".repeat(5_000)),
    );
    f.check_fails_with("brackets.yaml", "brackets.yaml:3:", YAML_TOO_DEEP);
    f.write(
        "braces.yaml",
        format!("{head}{}1{}\n", "{a: ".repeat(5_000), "}".repeat(5_000)),
    );
    f.check_fails_with("braces.yaml", "braces.yaml:3:", YAML_TOO_DEEP);
    // Each key one space deeper than the last: the 64th mapping opens on line 67.
    let mut indented = String::from("title: Deep\ndate: 2021-10-20\nsections:\n");
    for depth in 0..2_000 {
        indented.push_str(&format!("{}a:\n", " ".repeat(depth + 1)));
    }
    f.write("indented.yaml", indented);
    f.check_fails_with("indented.yaml", "indented.yaml:67:", YAML_TOO_DEEP);
}

#[test]
fn deeply_nested_markdown_is_an_error_not_a_crash() {
    let f = Folder::new();
    // The body starts on line 6, column 7; the 17th `>` or `- ` is too deep.
    f.write(
        "quotes.yaml",
        with_body(&format!("{} hi", ">".repeat(50_000))),
    );
    f.check_fails_with("quotes.yaml", "quotes.yaml:6:23: ", MARKDOWN_TOO_DEEP);
    f.write(
        "items.yaml",
        with_body(&format!("{}hi", "- ".repeat(50_000))),
    );
    f.check_fails_with("items.yaml", "items.yaml:6:39: ", MARKDOWN_TOO_DEEP);
    let mut indented = String::new();
    for depth in 0..1_000 {
        indented.push_str(&format!("{}- item\n", "  ".repeat(depth)));
    }
    f.write("indented.yaml", with_body(&indented));
    f.check_fails_with("indented.yaml", "indented.yaml:22:", MARKDOWN_TOO_DEEP);
    for (name, marker) in [("stars.yaml", "*"), ("underscores.yaml", "_")] {
        let m = marker.repeat(50_000);
        f.write(name, with_body(&format!("{m}hi{m}")));
        f.check_fails_with(
            name,
            &format!("{name}:6:"),
            "emphasis and links are nested too deeply here (more than 16 levels)",
        );
    }
}

#[test]
fn a_deep_recipients_file_beside_a_good_bulletin_is_reported_not_a_crash() {
    let f = Folder::new();
    fs::copy(
        Path::new(ROOT).join(EXAMPLE),
        f.path().join("bulletin.yaml"),
    )
    .unwrap();
    // `check` reads recipients.yaml from the current folder when it is there.
    f.write(
        "recipients.yaml",
        format!("transport: sendmail\nlists: {}\n", "[".repeat(5_000)),
    );
    let (code, stdout, stderr) = f.run(&["check", "bulletin.yaml"]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert!(stdout.starts_with("bulletin.yaml: ok"), "{stdout}");
    assert!(
        stderr.starts_with("recipients.yaml:2:") && stderr.contains(YAML_TOO_DEEP),
        "{stderr}"
    );
}

/// A running `bulletin preview --port 0`, killed when dropped.
struct Preview {
    child: Child,
    addr: String,
}

impl Preview {
    fn start(folder: &Folder, bulletin: &str) -> Preview {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(["preview", bulletin, "--port", "0"])
            .current_dir(folder.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the bulletin binary runs");
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end, so that the preview never writes into a closed pipe.
            let mut seen = Vec::new();
            let mut byte = [0; 1];
            while let Ok(1) = stdout.read(&mut byte) {
                seen.push(byte[0]);
                if byte[0] == b'\n' {
                    let _ = tx.send(String::from_utf8_lossy(&seen).to_string());
                    seen.clear();
                }
            }
        });
        let line = rx
            .recv_timeout(HANG_GUARD)
            .expect("the preview prints its address");
        let addr = line
            .trim()
            .strip_prefix("preview: http://")
            .and_then(|a| a.strip_suffix('/'))
            .unwrap_or_else(|| panic!("not the preview's address: {line:?}"))
            .to_string();
        Preview { child, addr }
    }

    /// The body of `GET /` (HTTP/1.0: the page arrives whole, not in chunks).
    fn page(&self) -> String {
        let mut stream = TcpStream::connect(&self.addr).expect("the preview is listening");
        stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
        stream.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.0 200"), "{response}");
        response
    }

    #[track_caller]
    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the preview stopped"
        );
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_preview_shows_a_too_deep_bulletin_and_stays_up() {
    let f = Folder::new();
    let deep_markdown = with_body(&format!("{} hi", ">".repeat(50_000)));
    f.write("bulletin.yaml", &deep_markdown);
    let mut preview = Preview::start(&f, "bulletin.yaml");
    assert!(preview.page().contains(MARKDOWN_TOO_DEEP));
    preview.assert_running();
    // Saved again, deeper still: the page follows, the server stays up.
    f.write(
        "bulletin.yaml",
        format!("sections:\n{}x\n", "- ".repeat(30_000)),
    );
    let deadline = Instant::now() + HANG_GUARD;
    while !preview.page().contains(YAML_TOO_DEEP) {
        assert!(Instant::now() < deadline, "the preview never rebuilt");
        preview.assert_running();
        std::thread::sleep(Duration::from_millis(100));
    }
    preview.assert_running();
    // The library's view of the same file, as the preview builds it.
    let view = bulletin::api::preview(&f.path().join("bulletin.yaml"));
    let bulletin::api::View::Broken { diagnostics } = view else {
        panic!("a too-deep bulletin must not render")
    };
    assert!(diagnostics.contains(YAML_TOO_DEEP), "{diagnostics}");
}

#[test]
fn a_nul_byte_is_an_error_at_its_place_not_the_end_of_the_bulletin() {
    let f = Folder::new();
    let example = fs::read_to_string(Path::new(ROOT).join(EXAMPLE)).unwrap();
    // Before the last section: the parser would have stopped there, one section short.
    let at = example.rfind("\n  - title:").unwrap() + 1;
    let line = example[..at].lines().count() + 1;
    f.write(
        "bulletin.yaml",
        format!("{}\0{}", &example[..at], &example[at..]),
    );
    let stderr = f.check_fails_with(
        "bulletin.yaml",
        &format!("bulletin.yaml:{line}:1: "),
        "the file holds a NUL byte (U+0000)",
    );
    assert!(stderr.contains("help: the file is damaged"), "{stderr}");
}

#[test]
fn control_characters_are_errors_and_never_reach_the_terminal() {
    let f = Folder::new();
    f.write(
        "bulletin.yaml",
        "title: Week\ndate: 2021-10-20\nsummary: One\u{b}two \u{1b}[2J\u{1b}]0;owned\u{7}\u{2028}\nsections:\n  - title: A\u{c}\n",
    );
    let stderr = f.check_fails_with(
        "bulletin.yaml",
        "bulletin.yaml:3:13: ",
        "the file holds a vertical tab (U+000B), which Word inserts for Shift+Enter",
    );
    for (at, what) in [
        ("3:18: ", "an escape character (U+001B)"),
        ("3:22: ", "an escape character (U+001B)"),
        ("3:31: ", "an invisible control character (U+0007)"),
        ("3:32: ", "a line separator (U+2028)"),
        ("5:13: ", "a form feed (U+000C)"),
    ] {
        assert!(
            stderr.contains(&format!("bulletin.yaml:{at}error: the file holds {what}")),
            "{what} at {at} in:\n{stderr}"
        );
    }
    assert!(!stderr.contains(['\u{1b}', '\u{7}', '\u{b}']), "{stderr:?}");
}

#[test]
fn a_file_named_with_an_escape_sequence_cannot_drive_the_terminal() {
    let f = Folder::new();
    let name = "evil\u{1b}[2J.yaml";
    f.write(name, "titel: x\n");
    let (code, _, stderr) = f.run(&["check", name]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("evil\\u{1b}[2J.yaml:1:1: error: unknown key `titel`"),
        "{stderr:?}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn windows_line_endings_still_work() {
    let f = Folder::new();
    let example = fs::read_to_string(Path::new(ROOT).join(EXAMPLE)).unwrap();
    assert!(!example.contains('\r'));
    fs::create_dir(f.path().join("unix")).unwrap();
    fs::create_dir(f.path().join("windows")).unwrap();
    for dir in ["unix", "windows"] {
        fs::copy(
            Path::new(ROOT).join(PUBLISHER),
            f.path().join(dir).join("publisher.yaml"),
        )
        .unwrap();
    }
    f.write("unix/2021-10-20.yaml", &example);
    f.write("windows/2021-10-20.yaml", example.replace('\n', "\r\n"));
    let (code, stdout, stderr) = f.run(&["check", "windows/2021-10-20.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ok (16 sections, 17 links"), "{stdout}");
    // The same email either way: no carriage return slips into the text.
    for dir in ["unix", "windows"] {
        let (code, _, stderr) = f.run(&[
            "render",
            &format!("{dir}/2021-10-20.yaml"),
            "--out",
            &format!("out-{dir}"),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    for ext in ["html", "txt"] {
        let read = |dir| fs::read(f.path().join(format!("out-{dir}/2021-10-20.{ext}"))).unwrap();
        assert!(read("unix") == read("windows"), "the .{ext} files differ");
    }
}

/// A relay on 127.0.0.1 that refuses every recipient with a reply full of terminal escapes:
/// its port. It serves one connection.
fn hostile_relay() -> u16 {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut out = stream.try_clone().unwrap();
        let _ = out.write_all(b"220 relay.example ESMTP\r\n");
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let command = line.to_ascii_uppercase();
            let reply = if command.starts_with("RCPT") {
                "550 5.1.1 \u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m no such user\r\n"
            } else if command.starts_with("QUIT") {
                "221 bye\r\n"
            } else {
                "250 ok\r\n"
            };
            if out.write_all(reply.as_bytes()).is_err() || command.starts_with("QUIT") {
                break;
            }
        }
    });
    port
}

#[test]
fn a_relays_reply_cannot_drive_the_terminal() {
    let f = Folder::new();
    fs::copy(
        Path::new(ROOT).join(EXAMPLE),
        f.path().join("bulletin.yaml"),
    )
    .unwrap();
    let port = hostile_relay();
    f.write(
        "recipients.yaml",
        format!(
            "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  auth: none\n  retries: 0\n  timeout_seconds: 10\nlists:\n  all:\n    members:\n      - a@example.org\n"
        ),
    );
    let (code, _, stderr) = f.run(&["send", "bulletin.yaml", "--test", "me@example.org"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("refused: 550") && stderr.contains("\\u{1b}[2J"),
        "the reply, escaped: {stderr:?}"
    );
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "{stderr:?}"
    );
}

#[test]
fn a_unicode_domain_and_its_punycode_form_are_one_person() {
    let f = Folder::new();
    fs::copy(
        Path::new(ROOT).join(EXAMPLE),
        f.path().join("bulletin.yaml"),
    )
    .unwrap();
    fs::copy(
        Path::new(ROOT).join("tests/fixtures/hostile/idn-recipients.yaml"),
        f.path().join("recipients.yaml"),
    )
    .unwrap();
    let (code, stdout, stderr) =
        f.run(&["send", "bulletin.yaml", "--list", "doctors", "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("recipients.yaml:9:9: warning: dr@xn--bcher-kva.example is on list `doctors` twice (also on line 8)"),
        "{stderr}"
    );
    let would_send: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("would send"))
        .collect();
    assert_eq!(would_send.len(), 1, "{stdout}");
    assert!(would_send[0].contains("dr@bücher.example"), "{stdout}");
    assert!(
        stdout
            .contains("Practice Office <office@xn--mnchen-3ya.example>  (on the suppression list)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("dr@xn--bcher-kva.example  (listed more than once"),
        "{stdout}"
    );
}

/// A recipients file with `lists` written by `list(i)` for i in 0..n.
fn recipients_with(n: usize, list: impl Fn(usize) -> String) -> String {
    let mut text = String::from("transport: sendmail\nlists:\n");
    for i in 0..n {
        text.push_str(&list(i));
    }
    text
}

#[test]
fn an_include_chain_of_a_thousand_lists_loads_and_is_counted() {
    let f = Folder::new();
    // l0 includes l1, which includes l2 ... each with one member of its own.
    f.write(
        "recipients.yaml",
        recipients_with(1_000, |i| {
            let include = if i < 999 {
                format!("    include: [l{}]\n", i + 1)
            } else {
                String::new()
            };
            format!("  l{i}:\n    members: [m{i}@example.org]\n{include}")
        }),
    );
    let (code, stdout, stderr) = f.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("recipients.yaml: ok (l0 1000, l1 999, l10 990,"),
        "{stdout}"
    );
    // Closing the chain into a loop is found, however long the way round.
    let text = fs::read_to_string(f.path().join("recipients.yaml")).unwrap();
    f.write(
        "recipients.yaml",
        text.replace(
            "members: [m999@example.org]\n",
            "members: [m999@example.org]\n    include: [l0]\n",
        ),
    );
    let (code, _, stderr) = f.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr
            .starts_with("recipients.yaml:5:15: error: list `l0` includes itself: l0 → l1 → l2 → "),
        "{stderr}"
    );
}

#[test]
fn many_lists_each_including_a_large_one_are_counted() {
    let f = Folder::new();
    // Resolving each list in turn would walk the large list 999 times.
    let mut text = recipients_with(999, |i| {
        format!("  l{i}:\n    members: [own{i}@example.org]\n    include: [big]\n")
    });
    text.push_str("  big:\n    members:\n");
    for i in 0..50_000 {
        text.push_str(&format!("      - m{i}@example.org\n"));
    }
    text.push_str("suppress: [m0@example.org]\n");
    f.write("recipients.yaml", text);
    let (code, stdout, stderr) = f.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("recipients.yaml: ok (big 49999, l0 50000, l1 50000,"),
        "{stdout}"
    );
}

#[test]
fn too_many_lists_keys_or_bytes_are_refused_with_a_message() {
    let f = Folder::new();
    f.write(
        "recipients.yaml",
        recipients_with(20_000, |i| format!("  l{i}:\n    include: [l{}]\n", i + 1)),
    );
    let (code, _, stderr) = f.run(&["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "recipients.yaml:3:3: error: the file defines 20,000 lists, more than the 1,000 allowed"
        ),
        "{stderr}"
    );
    let mut keys = String::from("title: Many\ndate: 2021-10-20\n");
    for i in 0..150_000 {
        keys.push_str(&format!("key{i}: value\n"));
    }
    f.write("keys.yaml", keys);
    f.check_fails_with(
        "keys.yaml",
        "keys.yaml:1:1: ",
        "this list or set of keys has more than 100,000 entries",
    );
    let big = "# padding\n".repeat(600_000);
    f.write("big.yaml", big);
    f.check_fails_with(
        "big.yaml",
        "big.yaml: ",
        "the file is larger than 5 MB, the most `bulletin` reads",
    );
}

/// Renders `bulletin` (the example with its title replaced) beside `publisher`: the .eml's lines.
fn rendered_eml(title: &str, publisher: &str) -> Vec<String> {
    let f = Folder::new();
    let example = fs::read_to_string(Path::new(ROOT).join(EXAMPLE)).unwrap();
    let original = "title: Improving access for patients and supporting general practice\n";
    assert!(example.starts_with(original) || example.contains(&format!("\n{original}")));
    f.write(
        "2021-10-20.yaml",
        example.replacen(original, &format!("title: {title}\n"), 1),
    );
    f.write("publisher.yaml", publisher);
    let (code, _, stderr) = f.run(&["render", "2021-10-20.yaml", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let eml = fs::read_to_string(f.path().join("out/2021-10-20.eml")).unwrap();
    eml.split("\r\n").map(str::to_string).collect()
}

/// The header lines of a message's lines (up to the first empty line).
fn head(lines: &[String]) -> &[String] {
    let end = lines
        .iter()
        .position(String::is_empty)
        .expect("a blank line ends the header");
    &lines[..end]
}

#[test]
fn the_longest_title_and_name_allowed_make_lines_mail_can_carry() {
    let publisher = fs::read_to_string(Path::new(ROOT).join(PUBLISHER)).unwrap();
    let name = "Essex Local Medical Committees ".repeat(5);
    let long_publisher = publisher
        .replacen("name: Essex LMCs", &format!("name: {}", &name[..150]), 1)
        .replacen(
            "list_id: bulletin.example.org",
            &format!(
                "list_id: {}.example.org",
                ["a".repeat(63), "b".repeat(63), "c".repeat(63)].join(".")
            ),
            1,
        );
    assert!(long_publisher.contains(&"c".repeat(63)));
    // Words: every header line folds to 78 characters or fewer.
    let words = "Improving access for patients and supporting general practice ".repeat(3);
    let words = words[..150].trim_end();
    let lines = rendered_eml(words, &publisher);
    let subject = head(&lines)
        .iter()
        .position(|l| l.starts_with("Subject: "))
        .unwrap();
    assert!(
        head(&lines)[subject + 1].starts_with(' '),
        "the subject is folded"
    );
    for line in head(&lines) {
        assert!(
            line.chars().count() <= 78,
            "{} characters: {line}",
            line.len()
        );
    }
    // No spaces (or no ASCII) to fold at, and the longest name and List-Id: within 998.
    for title in ["x".repeat(150), "é".repeat(150), "日本".repeat(75)] {
        let lines = rendered_eml(&title, &long_publisher);
        for line in &lines {
            assert!(line.len() <= 998, "{} bytes: {line}", line.len());
        }
        for line in head(&lines) {
            // A space in the value (after `Name: `, or in a continuation line) is a place to fold.
            let value = match line.strip_prefix(' ') {
                Some(continued) => continued,
                None => line.split_once(": ").map_or("", |(_, v)| v),
            };
            assert!(
                !value.contains(' ') || line.len() <= 78,
                "{} bytes: {line}",
                line.len()
            );
        }
    }
}

#[test]
fn a_title_too_long_for_a_subject_is_an_error_at_the_title() {
    let f = Folder::new();
    for (length, says) in [(151, "151 characters"), (3_000, "3,000 characters")] {
        f.write(
            "b.yaml",
            format!(
                "title: {}\ndate: 2021-10-20\nsections:\n  - title: One\n",
                "é".repeat(length)
            ),
        );
        f.check_fails_with(
            "b.yaml",
            "b.yaml:1:8: ",
            &format!("`title` is {says} long, more than the 150 allowed"),
        );
    }
}

#[test]
fn a_body_of_fifty_thousand_links_on_one_line_is_checked_with_their_positions() {
    let f = Folder::new();
    // Each link's line and column used to be found by counting from the start of the body.
    let line: String = (0..50_000)
        .map(|i| format!("[here](https://www.example.org/{i}) "))
        .collect();
    let last = line.rfind("[here]").unwrap();
    f.write("links.yaml", with_body(&line));
    let (code, stdout, stderr) = f.run(&["check", "links.yaml"]);
    assert_eq!(code, 0, "{}", &stderr[..stderr.len().min(2000)]);
    assert!(stdout.contains("(1 section, 50000 links"), "{stdout}");
    // The body starts on line 6, column 7; the warnings come in file order.
    let vague = "warning: the link text “here” does not say where it goes";
    assert_eq!(stderr.matches(vague).count(), 50_000);
    let last_warning = stderr.lines().rfind(|l| l.contains(vague)).unwrap();
    assert_eq!(last_warning, format!("links.yaml:6:{}: {vague}", 7 + last));
}

#[test]
fn fifty_thousand_sections_are_checked_for_repeated_titles() {
    let f = Folder::new();
    let mut text = String::from("title: Many\ndate: 2021-10-20\nsections:\n");
    for i in 0..50_000 {
        text.push_str(&format!("  - title: Section {i}\n"));
    }
    // Line 50,004 repeats the title of line 4, in other capitals.
    text.push_str("  - title: SECTION 0\n");
    f.write("sections.yaml", text);
    let (code, stdout, stderr) = f.run(&["check", "sections.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(50001 sections"), "{stdout}");
    assert!(
        stderr.contains("sections.yaml:50004:12: warning: section 50001 has the same title as the section on line 4"),
        "{stderr}"
    );
}
