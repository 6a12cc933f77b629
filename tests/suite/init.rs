//! `bulletin init`: a new office from the installed program alone. Run without a terminal (stdin
//! is not one here), so every answer comes from an option or its default; the folder it writes
//! must then pass `check --recipients`, `lists`, `new`, and `check` of the first issue apart from
//! its placeholders, and git must leave its personal data out.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs the binary in `dir`: (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const INIT: &[&str] = &[
    "init",
    "office",
    "--name",
    "Example LMC",
    "--from",
    "bulletin@example.org",
    "--date",
    "2021-10-27",
];

#[test]
fn init_without_a_terminal_writes_an_office_that_the_other_commands_accept() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), INIT);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(
        out,
        "started the office Example LMC in office:
  office/bulletins/publisher.yaml who sends the bulletin, its footer and colour
  office/recipients.yaml       the relay and the mailing lists (personal data: kept out of git)
  office/bulletins/2021-10-27.yaml the first issue, with [[placeholders]] to fill in
  office/.gitignore            what git leaves out
  office/schemas               for an editor's help (docs/editor.md)
next: store the relay's password or token with: bulletin login
next: cd office, then replace the [[placeholders]] and run: bulletin check bulletins/2021-10-27.yaml
"
    );
    let office = dir.path().join("office");

    let (code, out, err) = run(&office, &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "recipients.yaml: ok (everyone 1)\n", "")
    );
    let (code, out, err) = run(&office, &["lists"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("everyone           1  Everyone"), "{out}");
    assert!(out.contains("sent through send.nhs.net:587"), "{out}");

    // The first issue: every error is a placeholder, and nothing else is wrong.
    let (code, out, _) = run(
        &office,
        &["check", "bulletins/2021-10-27.yaml", "--format", "json"],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    for d in diags {
        assert_eq!(d["file"], "bulletins/2021-10-27.yaml", "{d}");
        assert!(
            d["message"].as_str().unwrap().contains("placeholder"),
            "{d}"
        );
    }
    assert_eq!(json["warnings"], 0, "{out}");

    // Its `$schema` points at a schema written from the program itself.
    let issue = fs::read_to_string(office.join("bulletins/2021-10-27.yaml")).unwrap();
    assert!(issue.contains("# yaml-language-server: $schema=../schemas/bulletin.schema.json"));
    for file in ["bulletin", "publisher", "recipients"] {
        let written =
            fs::read_to_string(office.join(format!("schemas/{file}.schema.json"))).unwrap();
        assert_eq!(written, run(&office, &["schema", file]).1, "{file}");
    }

    let (code, out, err) = run(&office.join("bulletins"), &["new"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("wrote 2021-11-03.yaml (the week after 2021-10-27)"),
        "{out}"
    );
    assert_eq!(err, "", "publisher.yaml is there: no note about it");
}

#[test]
fn git_leaves_the_offices_personal_data_out() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(dir.path(), INIT).0, 0);
    let office = dir.path().join("office");
    for personal in [
        "contacts.xlsx",
        "people.csv",
        "suppressions.yaml",
        "bulletins/2021-10-27.journal",
        "bulletins/2021-10-27.journal.lock",
        "bulletins/message-ids.key",
        "out/2021-10-27.eml",
        "bulletins/drafts/x.yaml",
    ] {
        let path = office.join(personal);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "personal").unwrap();
    }
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(&office)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    let untracked = git(&["status", "--porcelain", "--untracked-files=all"]);
    let mut shown: Vec<&str> = untracked.lines().map(|l| &l[3..]).collect();
    shown.sort();
    assert_eq!(
        shown,
        [
            ".gitignore",
            "bulletins/2021-10-27.yaml",
            "bulletins/publisher.yaml",
            "schemas/bulletin.schema.json",
            "schemas/publisher.schema.json",
            "schemas/recipients.schema.json",
        ],
        "recipients.yaml and every personal file must be ignored"
    );
}

#[test]
fn init_never_overwrites_an_office() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("office/bulletins")).unwrap();
    fs::write(dir.path().join("office/recipients.yaml"), "mine\n").unwrap();
    let (code, out, err) = run(dir.path(), INIT);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: office is already an office's folder: it has recipients.yaml, bulletins
  help: nothing was written; go into that folder to use it, or give `bulletin init` a new folder's name
"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("office/recipients.yaml")).unwrap(),
        "mine\n"
    );
    assert!(!dir.path().join("office/schemas").exists());
    assert!(!dir.path().join("office/.gitignore").exists());
}

#[test]
fn without_a_terminal_the_name_and_address_must_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["init", "office", "--from", "a@example.org"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: give --name NAME: there is no terminal to ask it at\n"
        )
    );
    let (code, _, err) = run(dir.path(), &["init", "office", "--name", "X"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: give --from ADDRESS: there is no terminal to ask it at\n"
        )
    );
    let (code, _, err) = run(
        dir.path(),
        &[
            "init",
            "office",
            "--name",
            "X",
            "--from",
            "a@example.org",
            "--relay",
            "other",
        ],
    );
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: give --host HOST: there is no terminal to ask it at\n"
        )
    );
    assert!(!dir.path().join("office").exists(), "nothing was written");
}

#[test]
fn answers_check_would_refuse_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        dir.path(),
        &[
            "init",
            "office",
            "--name",
            "X",
            "--from",
            "a@example.org",
            "--colour",
            "#FFFF00",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: `colour` #FFFF00 is too light to read on white (contrast 1.1:1, at least 4.5:1 is needed)
  help: choose a darker colour; NHS blue #005EB8 has 6.4:1
"
    );
    let (code, _, err) = run(
        dir.path(),
        &["init", "office", "--name", "X", "--from", "nobody"],
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: --from: `nobody` is not"), "{err}");
    assert!(!dir.path().join("office").exists(), "nothing was written");
}

#[test]
fn each_relay_preset_passes_check() {
    for (relay, extra, through) in [
        ("microsoft365", &[][..], "smtp.office365.com:587"),
        (
            "other",
            &["--host", "smtp.example.org", "--port", "465"][..],
            "smtp.example.org:465",
        ),
        ("sendmail", &[][..], "sendmail"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "init",
            "--name",
            "Example, the LMC (North)",
            "--from",
            "bulletin@example.org",
            "--reply-to",
            "office@example.org",
            "--relay",
            relay,
        ];
        args.extend(extra);
        let (code, out, err) = run(dir.path(), &args);
        assert_eq!(code, 0, "{relay}: {err}");
        assert!(out.contains("next: replace the [[placeholders]]"), "{out}");
        let (code, out, err) = run(dir.path(), &["lists"]);
        assert_eq!(code, 0, "{relay}: {err}");
        assert!(out.contains(through), "{relay}: {out}");
        let publisher = fs::read_to_string(dir.path().join("bulletins/publisher.yaml")).unwrap();
        assert!(
            publisher.contains("reply_to: office@example.org\n"),
            "{publisher}"
        );
        assert!(
            publisher.contains("  - mailto:office@example.org?subject=unsubscribe\n"),
            "{publisher}"
        );
    }
}

#[test]
fn a_command_outside_any_office_names_where_it_looked_and_points_at_init() {
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().canonicalize().unwrap();
    let looked: Vec<String> = here.ancestors().map(|p| p.display().to_string()).collect();
    let expected = format!(
        "error: this is not an office's folder: none of {} holds recipients.yaml or a bulletins folder
  help: go into the office's folder first (cd FOLDER), or start a new office here with: bulletin init
",
        looked.join(", ")
    );
    for args in [&["lists"][..], &["new"], &["report"]] {
        let (code, out, err) = run(&here, args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, "", expected.as_str()),
            "{args:?}"
        );
    }
    assert_eq!(
        fs::read_dir(&here).unwrap().count(),
        0,
        "nothing was written"
    );
}

/// At a terminal (a pseudo-terminal from Python's pty module), `init` asks for every answer not
/// given as an option, Enter taking the default, and asks again, saying why, after a wrong one.
#[cfg(unix)]
#[test]
fn at_a_terminal_init_asks() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], ["bulletin", "init", "office", "--date", "2021-10-27"])
os.write(fd, b"Example LMC\nnobody\nbulletin@example.org\n\n#FFFF00\n#7A1F5C\n3\nsmtp.example.org\n465\n")
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode())
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let out = Command::new("python3")
        .args(["-c", script, env!("CARGO_BIN_EXE_bulletin")])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(out.status.success(), "{screen}");
    for question in [
        "The office's short name, shown as the sender (such as Essex LMCs): ",
        "Where replies go, if not to that address (Enter: the same): ",
        "How the bulletin is sent, 1 to 4 (Enter: 1, NHSmail): ",
        "The relay's port (Enter: 587): ",
    ] {
        assert!(screen.contains(question), "{question} in {screen}");
    }
    // A wrong answer is asked again, saying why.
    assert!(
        screen.contains(":   `nobody` is not a valid email address"),
        "{screen}"
    );
    assert!(
        screen.contains(":   #FFFF00 is too light to read on white"),
        "{screen}"
    );
    assert_eq!(
        screen
            .matches("The address the bulletin is sent from: ")
            .count(),
        2,
        "{screen}"
    );
    let publisher = fs::read_to_string(dir.path().join("office/bulletins/publisher.yaml")).unwrap();
    assert!(publisher.contains("colour: \"#7A1F5C\"\n"), "{publisher}");
    assert!(
        publisher.contains("# reply_to:"),
        "Enter: no reply_to\n{publisher}"
    );
    let recipients = fs::read_to_string(dir.path().join("office/recipients.yaml")).unwrap();
    assert!(
        recipients.contains("  host: smtp.example.org\n  port: 465\n"),
        "{recipients}"
    );
    assert!(recipients.contains("  security: tls\n"), "{recipients}");
    let (code, _, err) = run(
        &dir.path().join("office"),
        &["check", "--recipients", "recipients.yaml"],
    );
    assert_eq!(code, 0, "{err}");
}
