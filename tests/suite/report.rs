//! `bulletin report` after a real send: the example bulletin is sent to a real SMTP server on
//! 127.0.0.1 (Python's aiosmtpd, tests/smtp/server.py, installed by
//! scripts/install-test-deps.sh) that refuses two addresses; the report must count what the
//! server saw, group the refusals, and write a CSV that Excel opens with its accents. The fixed
//! output on a hand-made journal is snapshot-tested in tests/cmd/report-*.toml.

use crate::common::needs::text;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

use crate::common::smtp::Server;

/// The test server, refusing each of `reject` with 550.
fn server(dir: &Path, reject: &[&str]) -> Server {
    let args: Vec<&str> = reject.iter().flat_map(|r| ["--reject", r]).collect();
    Server::start(dir, &args)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("BULLETIN_SMTP_PASSWORD")
        .env_remove("BULLETIN_SMTP_TOKEN")
        .output()
        .unwrap()
}

/// An office folder with the example bulletin and two lists, `gps` sent, `managers` not yet.
fn office(port: u16) -> tempfile::TempDir {
    let dir = crate::common::office::example();
    let recipients = format!(
        "smtp:
  host: 127.0.0.1
  port: {port}
  security: none
  auth: none
  rate_per_minute: 0
  retry_wait_seconds: 0
  retries: 0
  timeout_seconds: 10
lists:
  gps:
    name: GPs
    members:
      - Dr Amara Okafor <amara.okafor@example.org>
      - Dr Hélène Dubois <helene.dubois@example.org>
      - Dr Gone <gone@example.org>
      - Dr Moved <moved@example.org>
  managers:
    name: Practice managers
    members:
      - Sam Jones <sam.jones@example.org>
      - Dr Amara Okafor <amara.okafor@example.org>
"
    );
    std::fs::write(dir.path().join("recipients.yaml"), recipients).unwrap();
    dir
}

#[test]
fn after_a_send_the_report_counts_each_list_and_groups_the_refusals() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(tmp.path(), &["gone@example.org", "moved@example.org"]);
    let dir = office(server.port);
    let send = run(
        dir.path(),
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "gps",
            "--yes",
        ],
    );
    assert_eq!(send.status.code(), Some(1), "{}", text(&send));

    let report = run(dir.path(), &["report", "bulletins/2021-10-20.yaml"]);
    assert!(report.status.success(), "{}", text(&report));
    let stdout = String::from_utf8_lossy(&report.stdout);
    let table: Vec<&str> = stdout.lines().skip(2).take(3).collect();
    assert_eq!(
        table,
        [
            "list      people  sent  delivered  failed  not sent  bounced  unsubscribed",
            "gps            4     4          2       2         0        -             -",
            "managers       2     1          1       0         1        -             -",
        ],
        "{stdout}"
    );
    // The two refusals differ only in the address: one reason, counted twice.
    let reasons: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("why deliveries failed"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(reasons.len(), 3, "{stdout}");
    assert!(reasons[0].trim_start().starts_with("2  550"), "{stdout}");
    assert!(!reasons[0].contains("@"), "{stdout}");
    assert_eq!(reasons[1].trim(), "gone@example.org");
    assert_eq!(reasons[2].trim(), "moved@example.org");
    assert!(
        stdout.contains("bounced, unsubscribed: - (no suppressions.yaml"),
        "{stdout}"
    );

    // Without an issue: the issue just sent, with its totals.
    let recent = run(dir.path(), &["report"]);
    assert!(recent.status.success(), "{}", text(&recent));
    let line = String::from_utf8_lossy(&recent.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(line, "2021-10-20 2 2");
}

#[test]
fn the_csv_has_one_row_per_person_and_list_for_excel() {
    let before = utc_now();
    let tmp = tempfile::tempdir().unwrap();
    let server = server(tmp.path(), &["gone@example.org"]);
    let dir = office(server.port);
    let send = run(
        dir.path(),
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "gps",
            "--yes",
        ],
    );
    assert_eq!(send.status.code(), Some(1), "{}", text(&send));
    let after = utc_now();
    // `bulletin inbox` later suppressed one of the people delivered: on the day of the send
    // (a suppression dated before the send does not count against it).
    std::fs::write(
        dir.path().join("suppressions.yaml"),
        format!(
            "suppressed:\n  - address: \"moved@example.org\"\n    since: \"{}\"\n    why: \"hard bounce\"\n",
            &after[..10]
        ),
    )
    .unwrap();
    let report = run(
        dir.path(),
        &["report", "2021-10-20", "--csv", "who-got-it.csv"],
    );
    assert!(report.status.success(), "{}", text(&report));
    let bytes = std::fs::read(dir.path().join("who-got-it.csv")).unwrap();
    // A byte-order mark: without it Excel reads UTF-8 as Windows-1252 and mangles "Hélène".
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        rows[0],
        "issue,issue_date,list,name,email,status,delivered_at,relay_reply,suppressed,suppressed_since,why"
    );
    // Each delivery with the time the journal recorded it, ISO 8601 with its offset, during the
    // send; no time for the rest.
    for r in &rows[1..] {
        let f: Vec<&str> = r.split(',').collect();
        if f[5] == "delivered" {
            let t = f[6];
            assert!(t.len() == 29 && t.ends_with("+00:00"), "{r}");
            assert!(
                before.as_str() <= &t[..19] && &t[..19] <= after.as_str(),
                "{before} <= {t} <= {after}"
            );
        } else {
            assert_eq!(f[6], "", "{r}");
        }
    }
    let mut people: Vec<String> = rows[1..]
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            assert_eq!(&f[..2], ["2021-10-20", "2021-10-20"], "{r}");
            format!(
                "{} {} {} {} {}",
                f[2],
                f[3],
                f[4],
                f[5],
                f[f.len() - 3..].join(" ")
            )
        })
        .collect();
    people.sort();
    assert_eq!(
        people,
        [
            "gps Dr Amara Okafor amara.okafor@example.org delivered no  ",
            "gps Dr Gone gone@example.org failed no  ",
            "gps Dr Hélène Dubois helene.dubois@example.org delivered no  ",
            &*format!(
                "gps Dr Moved moved@example.org delivered yes {} hard bounce",
                &after[..10]
            ),
            "managers Dr Amara Okafor amara.okafor@example.org delivered no  ",
            "managers Sam Jones sam.jones@example.org not sent no  ",
        ]
    );
    assert!(
        rows.iter().any(
            |r| r.starts_with("2021-10-20,2021-10-20,gps,Dr Gone,gone@example.org,failed,,550")
        ),
        "{csv}"
    );

    // The recent issues: the one delivered, then bounced, counted as bounced.
    let recent = run(dir.path(), &["report"]);
    assert!(recent.status.success(), "{}", text(&recent));
    let stdout = String::from_utf8_lossy(&recent.stdout);
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .take(2)
        .map(|l| l.split_whitespace().take(5).collect())
        .collect();
    assert_eq!(
        lines,
        [
            ["issue", "delivered", "failed", "bounced", "unsubscribed"],
            ["2021-10-20", "3", "1", "1", "0"],
        ],
        "{stdout}"
    );
}

/// Now in UTC to the second, as the journal writes it: `2026-11-24T10:05:00`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Days since 1970 to a civil date (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let s = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A damaged suppressions file stops the report with the file and line, before any of it is
/// printed, and no CSV is written.
#[test]
fn a_damaged_suppressions_file_is_reported_with_its_line() {
    let dir = office(2525);
    std::fs::copy(
        Path::new(ROOT).join("tests/fixtures/report/office/bulletins/2021-10-20.journal"),
        dir.path().join("bulletins/2021-10-20.journal"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("suppressions.yaml"),
        "suppressed:\n  - address: \"moved@example.org\"\n    since: \"2026-11-24\"\n  - why: \"hard bounce\"\n",
    )
    .unwrap();
    let report = run(
        dir.path(),
        &["report", "2021-10-20", "--csv", "who-got-it.csv"],
    );
    assert_eq!(report.status.code(), Some(1), "{}", text(&report));
    assert!(report.stdout.is_empty(), "{}", text(&report));
    let stderr = String::from_utf8_lossy(&report.stderr);
    assert!(
        stderr.contains("suppressions.yaml, line 4: an entry has no `address:`"),
        "{}",
        text(&report)
    );
    assert!(!dir.path().join("who-got-it.csv").exists());
}

/// Issue 23: sent the evening before its date, two people unsubscribed that same evening. The
/// unsubscribes count against the issue whose send came before them (the journal says when),
/// not only from the issue's date on; and one that follows the next issue counts against it.
#[test]
fn unsubscribes_count_against_the_issue_sent_just_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let bulletins = dir.path().join("bulletins");
    std::fs::create_dir(&bulletins).unwrap();
    std::fs::write(
        dir.path().join("recipients.yaml"),
        "transport: sendmail\nlists:\n  gps:\n    members: [a@example.org, b@example.org, c@example.org]\n",
    )
    .unwrap();
    std::fs::write(
        bulletins.join("2021-10-27.journal"),
        "issue\t2021-10-27\t2021-10-26T18:59:00.000+01:00\tabc Week one\n\
         delivered\ta@example.org\t2021-10-26T19:00:00.000+01:00\t250 OK\n\
         delivered\tb@example.org\t2021-10-26T19:00:01.000+01:00\t250 OK\n\
         delivered\tc@example.org\t2021-10-26T19:00:02.000+01:00\t250 OK\n",
    )
    .unwrap();
    std::fs::write(
        bulletins.join("2021-11-03.journal"),
        "issue\t2021-11-03\t2021-11-03T08:00:00.000+00:00\tdef Week two\n\
         delivered\tc@example.org\t2021-11-03T08:00:01.000+00:00\t250 OK\n",
    )
    .unwrap();
    let entry = |a: &str, since: &str| {
        format!("  - address: \"{a}\"\n    since: \"{since}\"\n    why: \"unsubscribe request\"\n")
    };
    std::fs::write(
        dir.path().join("suppressions.yaml"),
        format!(
            "suppressed:\n{}{}{}",
            entry("a@example.org", "2021-10-26"),
            entry("b@example.org", "2021-10-26"),
            entry("c@example.org", "2021-11-04"),
        ),
    )
    .unwrap();
    let first = run(dir.path(), &["report", "2021-10-27"]);
    assert!(first.status.success(), "{}", text(&first));
    let out = String::from_utf8_lossy(&first.stdout);
    let gps = out.lines().find(|l| l.starts_with("gps ")).unwrap();
    let counts: Vec<&str> = gps.split_whitespace().collect();
    // list, people, sent, delivered, failed, not sent, bounced, unsubscribed
    assert_eq!(counts, ["gps", "3", "3", "3", "0", "0", "0", "2"], "{out}");
    let second = run(dir.path(), &["report", "2021-11-03"]);
    let out = String::from_utf8_lossy(&second.stdout);
    let gps = out.lines().find(|l| l.starts_with("gps ")).unwrap();
    assert!(
        gps.ends_with(" 1"),
        "c unsubscribed after the second issue: {out}"
    );
    let recent = run(dir.path(), &["report"]);
    let out = String::from_utf8_lossy(&recent.stdout);
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().take(5).collect::<Vec<_>>())
    };
    assert_eq!(
        row("2021-10-27"),
        Some(vec!["2021-10-27", "3", "0", "0", "2"]),
        "{out}"
    );
    assert_eq!(
        row("2021-11-03"),
        Some(vec!["2021-11-03", "1", "0", "0", "1"]),
        "{out}"
    );
}

/// Reach per practice after a real send to aiosmtpd that refuses one address, with a bounce of
/// a delivered message recorded afterwards as `bulletin inbox` records it: the people come from
/// a spreadsheet written by Python's openpyxl.
#[test]
fn the_report_by_practice_says_which_practices_were_reached_and_why_not() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(tmp.path(), &["gone@example.org"]);
    let dir = office(server.port);
    let recipients = std::fs::read_to_string(dir.path().join("recipients.yaml")).unwrap();
    let lists = recipients.find("lists:").unwrap();
    std::fs::write(
        dir.path().join("recipients.yaml"),
        format!(
            "{}people: contacts.xlsx\nlists:\n  everyone: {{ where: {{ role: [Practice manager, GP partner] }} }}\n",
            &recipients[..lists]
        ),
    )
    .unwrap();
    let python = Command::new("python3")
        .current_dir(dir.path())
        .arg("-c")
        .arg(
            r#"
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Practices"
ws.append(["Email", "Name", "Role", "Practice", "ODS code"])
ws.append(["sam.jones@example.org", "Sam Jones", "Practice manager", "Tiptree Surgery", "F81001"])
ws.append(["amara.okafor@example.org", "Dr Amara Okafor", "GP partner", "Tiptree Surgery", "F81001"])
ws.append(["gone@example.org", "Pat Gone", "Practice manager", "Maldon Health Centre", "F81002"])
ws.append(["moved@example.org", "Chris Moved", "Practice manager", "Witham Surgery", "F81003"])
ws.append(["nolist@example.org", "Lee Nolist", "Receptionist", "Coggeshall Surgery", "F81004"])
wb.save("contacts.xlsx")
"#,
        )
        .output()
        .unwrap();
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let send = run(
        dir.path(),
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "everyone",
            "--yes",
        ],
    );
    assert_eq!(send.status.code(), Some(1), "{}", text(&send));
    // The message to moved@ was accepted, then bounced.
    std::fs::write(
        dir.path().join("suppressions.yaml"),
        "suppressed:\n  - address: \"moved@example.org\"\n    since: \"2026-11-24\"\n    why: \"hard bounce\"\n    evidence:\n      issue: \"2021-10-20\"\n",
    )
    .unwrap();
    let report = run(
        dir.path(),
        &[
            "report",
            "2021-10-20",
            "--by",
            "practice",
            "--csv",
            "practices.csv",
        ],
    );
    assert!(report.status.success(), "{}", text(&report));
    let stdout = String::from_utf8_lossy(&report.stdout);
    let body: Vec<&str> = stdout.lines().skip(2).collect();
    assert_eq!(
        body,
        [
            "practice              ods code  people  delivered  reached",
            "Tiptree Surgery       F81001         2          2  yes",
            "Maldon Health Centre  F81002         1          0  no",
            "Witham Surgery        F81003         1          0  no",
            "Coggeshall Surgery    F81004         1          0  no",
            "",
            "1 of 4 practices reached",
            "  Maldon Health Centre: Pat Gone (Practice manager) refused by the relay (550 5.1.1 <…>: no such user here); no other address",
            "  Witham Surgery: Chris Moved (Practice manager) bounced; no other address",
            "  Coggeshall Surgery: Lee Nolist (Receptionist) not sent; no other address",
            "wrote practices.csv",
        ],
        "{stdout}"
    );
    let csv = std::fs::read_to_string(dir.path().join("practices.csv")).unwrap();
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        rows[0],
        "practice,ods_code,people,delivered,reached,why_not"
    );
    assert_eq!(rows[1], "Tiptree Surgery,F81001,2,2,yes,");
    assert_eq!(
        rows[3],
        "Witham Surgery,F81003,1,0,no,Chris Moved (Practice manager) bounced; no other address"
    );
    // The desk: the issue's Send page offers the same report, and runs it.
    let desk = crate::desk::Desk::start(dir.path(), &[]);
    let (status, page) = desk.get("/send/2021-10-20.yaml");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Which practices it reached"), "{page}");
    let (code, lines) = desk.run_job("reach", "2021-10-20.yaml");
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "1 of 4 practices reached"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Witham Surgery: Chris Moved (Practice manager) bounced")),
        "{lines:?}"
    );
}
