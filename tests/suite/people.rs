//! People from the office's spreadsheet (`people:` in recipients.yaml) and lists that pick them
//! (`where:`), on files made by tools this project did not write: an .xlsx from Python's openpyxl
//! and CSVs from Python's csv module as Excel writes them in the UK (a byte-order mark, quoted
//! commas, Windows line ends), and an Outlook contacts export. Each is made at test time.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// An office with the example bulletin, sending through sendmail (never used: only dry runs).
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new(recipients: &str) -> Office {
        let office = Office {
            dir: crate::common::office::example(),
        };
        office.write("recipients.yaml", recipients);
        office
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        fs::write(self.path(rel), text).unwrap();
    }

    /// Runs a Python script in the office's folder (openpyxl and csv write the files).
    fn python(&self, script: &str) {
        let out = Command::new("python3")
            .arg("-c")
            .arg(script)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs the binary in `folder` (relative to the office): (exit code, stdout, stderr).
    fn run(&self, folder: &str, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(args)
            .current_dir(self.path(folder))
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

    /// Who `send --dry-run` would send the example bulletin to on `list`.
    fn would_send(&self, list: &str) -> Vec<String> {
        let (code, out, err) = self.run(
            ".",
            &[
                "send",
                "bulletins/2021-10-20.yaml",
                "--list",
                list,
                "--dry-run",
            ],
        );
        assert_eq!(code, 0, "{err}");
        out.lines()
            .filter_map(|l| l.strip_prefix("would send"))
            .map(|l| l.trim().to_string())
            .collect()
    }
}

const LISTS: &str = "transport: sendmail
people: contacts.xlsx
lists:
  practice-managers: { name: Practice managers, where: { role: practice MANAGER } }
  gps: { name: GPs, where: { role: [GP partner, Salaried GP, Locum GP] } }
  north-gps:
    name: GPs in the North
    where: { role: [GP partner, Salaried GP], area: North }
  committee:
    members:
      - Chair <chair@example.org>
  everyone: { name: Everyone, include: [practice-managers, gps, committee] }
";

/// A sheet with the awkward rows an office's sheet has: a comma and brackets in names, a blank
/// row, a heading row that is not the first, odd case and spaces.
const AWKWARD_XLSX: &str = r#"
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Contacts"
ws.append(["Essex practices, as of October"])
ws.append(["  E-MAIL ", "First name", "Last  name", "Role", "Practice", "ODS code", "Area"])
ws.append(["sam.jones@example.org", "Sam", "Jones", "Practice manager", "Tiptree Surgery", "F81001", "North"])
ws.append(["amara.okafor@example.org", "Amara", "Okafor, MRCGP", "GP partner", "Tiptree Surgery", "F81001", "North"])
ws.append([])
ws.append(["tom.reid@example.org", "Tom (Thomas)", "Reid", "salaried gp", "Maldon Health Centre", "F81002", "South"])
ws.append(["not-an-address", "Bad", "Address", "GP partner", "Maldon Health Centre", "F81002", "South"])
ws.append([None, "No", "Email", "Locum GP", "Maldon Health Centre", "F81002", "South"])
ws.append(["SAM.JONES@example.org", "Sam", "Jones", "GP partner", "Tiptree Surgery", "F81001", "North"])
wb.save("contacts.xlsx")
"#;

#[test]
fn an_openpyxl_sheet_with_bad_rows_gives_every_one_by_sheet_and_row() {
    let office = Office::new(LISTS);
    office.python(AWKWARD_XLSX);
    let (code, out, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: sheet Contacts, row 7: `not-an-address` is not an email address
--> contacts.xlsx
 = help: correct it in the spreadsheet: one address, such as name@example.org, in the Email column

error: sheet Contacts, row 8: no email address
--> contacts.xlsx
 = help: fill in the person's address, or delete the row

error: sheet Contacts, row 9: SAM.JONES@example.org is also on row 3 with another role (Practice manager there, GP partner here)
--> contacts.xlsx
 = help: keep one row for each person, with the role they should get the bulletin for

3 errors
"
    );
    // `send` refuses the same way, sending nothing.
    let (code, _, err) = office.run(
        ".",
        &[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "gps",
            "--dry-run",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("sheet Contacts, row 7"), "{err}");

    // Rows 7 to 9 deleted in the sheet: the next check reads it as it is now.
    office.python(
        "import openpyxl\nwb = openpyxl.load_workbook('contacts.xlsx')\nwb.active.delete_rows(7, 3)\nwb.save('contacts.xlsx')\n",
    );
    let (code, out, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "recipients.yaml: ok (committee 1, everyone 4, gps 2, north-gps 1, practice-managers 1)\n"
    );
    assert_eq!(
        office.would_send("gps"),
        [
            "\"Amara Okafor, MRCGP\" <amara.okafor@example.org>",
            "\"Tom (Thomas) Reid\" <tom.reid@example.org>",
        ]
    );
    assert_eq!(
        office.would_send("north-gps"),
        ["\"Amara Okafor, MRCGP\" <amara.okafor@example.org>"]
    );
    assert_eq!(
        office.would_send("practice-managers"),
        ["Sam Jones <sam.jones@example.org>"]
    );
    // From inside bulletins/, the sheet is found beside recipients.yaml.
    let (code, out, err) = office.run("bulletins", &["lists"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("everyone ") && l.contains(" 4 ")),
        "{out}"
    );
    assert!(
        out.contains("\npeople from ../contacts.xlsx: 3 people, read just now\n"),
        "{out}"
    );
}

#[test]
fn a_row_removed_from_the_sheet_leaves_the_next_send_and_a_suppressed_person_stays_suppressed() {
    let office = Office::new(&format!("{LISTS}suppress:\n  - Tom.Reid@example.org\n"));
    office.python(AWKWARD_XLSX);
    office.python(
        "import openpyxl\nwb = openpyxl.load_workbook('contacts.xlsx')\nwb.active.delete_rows(7, 3)\nwb.save('contacts.xlsx')\n",
    );
    assert_eq!(
        office.would_send("gps"),
        ["\"Amara Okafor, MRCGP\" <amara.okafor@example.org>"],
        "Tom is suppressed"
    );
    // Amara's row removed; Tom moved to another practice and role: still suppressed.
    office.python(
        "import openpyxl\nwb = openpyxl.load_workbook('contacts.xlsx')\nws = wb.active\nws.delete_rows(4, 1)\nws.append(['tom.reid@example.org', 'Tom', 'Reid', 'Practice manager', 'Witham Surgery', 'F81003', 'North'])\nws.delete_rows(5, 2)\nwb.save('contacts.xlsx')\n",
    );
    assert_eq!(office.would_send("gps"), Vec::<String>::new());
    assert_eq!(
        office.would_send("practice-managers"),
        ["Sam Jones <sam.jones@example.org>"],
        "Tom is suppressed whichever list the sheet puts him on"
    );
}

/// Python's csv module, as Excel's "CSV UTF-8" writes in the UK: a byte-order mark, every line
/// ending CRLF, fields with commas quoted.
#[test]
fn a_uk_excel_csv_is_read() {
    let office = Office::new(&LISTS.replace("contacts.xlsx", "contacts.csv"));
    office.python(
        r#"
import csv
with open("contacts.csv", "w", newline="", encoding="utf-8-sig") as f:
    w = csv.writer(f, dialect="excel")
    w.writerow(["Email", "Name", "Role", "Practice", "ODS Code", "Area"])
    w.writerow(["sam.jones@example.org", "Jones, Sam", "Practice Manager", "Tiptree Surgery", "F81001", "North"])
    w.writerow(["zoe@example.org", "Dr Zoë O'Brien", "GP Partner", "Tiptree Surgery", "F81001", "North"])
    w.writerow(["", "", "", "", "", ""])
    w.writerow(["helen.wu@example.org", "Dr Helen Wu", "Locum GP", "Maldon Health Centre", "F81002", "South"])
"#,
    );
    let bytes = fs::read(office.path("contacts.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xef\xbb\xbfEmail,"),
        "a byte-order mark"
    );
    assert!(
        bytes.windows(2).filter(|w| w == b"\r\n").count() == 5,
        "CRLF"
    );
    let (code, out, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "recipients.yaml: ok (committee 1, everyone 4, gps 2, north-gps 1, practice-managers 1)\n"
    );
    assert_eq!(
        office.would_send("practice-managers"),
        ["\"Jones, Sam\" <sam.jones@example.org>"]
    );
    assert_eq!(
        office.would_send("gps"),
        [
            "Dr Zoë O'Brien <zoe@example.org>",
            "Dr Helen Wu <helen.wu@example.org>"
        ]
    );

    // A bad row in a CSV is named by its row, without a sheet.
    office.python(
        r#"
import csv
with open("contacts.csv", "a", newline="", encoding="utf-8") as f:
    csv.writer(f, dialect="excel").writerow(["helen.wu@example", "Dr Helen Wu", "GP partner", "", "", ""])
"#,
    );
    let (code, _, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.lines().next().unwrap(),
        "error: row 6: `helen.wu@example` is not an email address"
    );
}

/// Outlook's "Export to a file" of contacts, with its own headings, in Windows-1252 (Excel's
/// plain "CSV (Comma delimited)").
#[test]
fn an_outlook_contacts_export_is_read() {
    let office = Office::new(
        "transport: sendmail\npeople: outlook.csv\nlists:\n  pms: { where: { role: Practice manager } }\n  all: { include: [pms], members: [chair@example.org] }\n",
    );
    office.python(
        r#"
import csv
with open("outlook.csv", "w", newline="", encoding="cp1252") as f:
    w = csv.writer(f, dialect="excel", quoting=csv.QUOTE_ALL)
    w.writerow(["Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title", "Business Street", "E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "Notes"])
    w.writerow(["Mrs", "Siân", "", "Ellis", "", "Tiptree Surgery", "", "Practice Manager", "1 High St, Tiptree", "sian.ellis@example.org", "SMTP", "Siân Ellis (sian.ellis@example.org)", "sian@example.org", "Prefers email, not post"])
    w.writerow(["Dr", "Raj", "", "Patel", "", "Maldon Health Centre", "", "GP partner", "", "raj.patel@example.org", "SMTP", "", "", ""])
"#,
    );
    let (code, out, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "recipients.yaml: ok (all 2, pms 1)\n")
    );
    // Outlook's Company is the practice: Raj's has nobody on a list.
    assert_eq!(
        err,
        "warning: nobody at Maldon Health Centre is left to reach: Raj Patel (GP partner) on no list; no other address\n--> outlook.csv\n = help: add an address for the practice to the spreadsheet, or put its people on a list\n\n1 warning\n"
    );
    assert_eq!(
        office.would_send("pms"),
        ["Siân Ellis <sian.ellis@example.org>"]
    );
}

#[test]
fn where_without_a_sheet_and_a_column_it_cannot_match_are_errors() {
    let office =
        Office::new("transport: sendmail\nlists:\n  pms: { where: { role: Practice manager } }\n");
    let (code, _, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: list `pms` picks people with `where`, but the file names no spreadsheet of people\n --> recipients.yaml:3:19\n"),
        "{err}"
    );
    office.write(
        "recipients.yaml",
        "transport: sendmail\npeople: contacts.xlsx\nlists:\n  pms: { where: { rol: Practice manager } }\n  gps: { where: { role: GP registrar } }\n",
    );
    office.python(AWKWARD_XLSX);
    office.python(
        "import openpyxl\nwb = openpyxl.load_workbook('contacts.xlsx')\nwb.active.delete_rows(7, 3)\nwb.save('contacts.xlsx')\n",
    );
    let (code, _, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error: `rol` is not a column `where` can match\n"),
        "{err}"
    );
    assert!(err.contains("= help: did you mean `role`?"), "{err}");
    assert!(
        err.contains("warning: list `gps` picks nobody from the spreadsheet\n"),
        "{err}"
    );
    assert!(
        err.contains("= help: the values of `role` in contacts.xlsx are: Practice manager, GP partner, salaried gp"),
        "{err}"
    );
}

/// `people:` as a mapping: the sheet chosen by its name, and the office's own headings.
#[test]
fn the_sheet_and_the_offices_own_headings_can_be_given() {
    let office = Office::new(
        "transport: sendmail\npeople:\n  file: contacts.xlsx\n  sheet: GP practices\n  columns: { email: Work e-mail, role: Job }\nlists:\n  pms: { where: { role: Practice manager } }\n",
    );
    office.python(
        r#"
import openpyxl
wb = openpyxl.Workbook()
wb.active.title = "Notes"
wb.active.append(["Email", "Role"])
wb.active.append(["not.this@example.org", "Practice manager"])
ws = wb.create_sheet("GP practices")
ws.append(["Home email", "Work e-mail", "Name", "Job"])
ws.append(["sam@home.example.org", "sam.jones@example.org", "Sam Jones", "Practice manager"])
wb.save("contacts.xlsx")
"#,
    );
    assert_eq!(
        office.would_send("pms"),
        ["Sam Jones <sam.jones@example.org>"]
    );
    let recipients = fs::read_to_string(office.path("recipients.yaml")).unwrap();
    office.write(
        "recipients.yaml",
        &recipients.replace("GP practices", "Practices"),
    );
    let (code, _, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: cannot read contacts.xlsx: it has no sheet named Practices; its sheets are: Notes, GP practices\n"),
        "{err}"
    );
}

/// `check` warns about each practice that nobody is left to reach at: all its people suppressed
/// (by `suppress:` or by `bulletin inbox`) or on no list.
#[test]
fn check_warns_about_practices_nobody_is_left_to_reach_at() {
    let office = Office::new(&format!("{LISTS}suppress:\n  - tom.reid@example.org\n"));
    office.python(
        r#"
import csv
with open("contacts.csv", "w", newline="", encoding="utf-8-sig") as f:
    w = csv.writer(f)
    w.writerow(["Email", "Name", "Role", "Practice"])
    w.writerow(["sam.jones@example.org", "Sam Jones", "Practice manager", "Tiptree Surgery"])
    w.writerow(["tom.reid@example.org", "Tom Reid", "Salaried GP", "Maldon Health Centre"])
    w.writerow(["lee@example.org", "Lee Nolist", "Receptionist", "Coggeshall Surgery"])
    w.writerow(["pat@example.org", "Pat Gone", "Practice manager", "Witham Surgery"])
    w.writerow(["kim@example.org", "Kim Here", "GP partner", "Witham Surgery"])
"#,
    );
    office.write(
        "recipients.yaml",
        &format!("{LISTS}suppress:\n  - tom.reid@example.org\n")
            .replace("contacts.xlsx", "contacts.csv"),
    );
    office.write(
        "suppressions.yaml",
        "suppressed:\n  - address: \"pat@example.org\"\n    since: \"2021-10-21\"\n    why: \"hard bounce\"\n",
    );
    let (code, _, err) = office.run(".", &["check", "--recipients", "recipients.yaml"]);
    assert_eq!(code, 0, "warnings only: {err}");
    assert_eq!(
        err,
        "warning: list `north-gps` picks nobody from the spreadsheet
 --> recipients.yaml:8:14
  |
8 |     where: { role: [GP partner, Salaried GP], area: North }
  |              ^^^^
  |
  = help: contacts.csv has no `area` column with anything in it

warning: nobody at Maldon Health Centre is left to reach: Tom Reid (Salaried GP) suppressed (on the suppress list); no other address
--> contacts.csv
 = help: add an address for the practice to the spreadsheet, or put its people on a list

warning: nobody at Coggeshall Surgery is left to reach: Lee Nolist (Receptionist) on no list; no other address
--> contacts.csv
 = help: add an address for the practice to the spreadsheet, or put its people on a list

3 warnings
",
        "Witham Surgery still has Kim"
    );
    let (code, _, _) = office.run(
        ".",
        &["check", "--recipients", "recipients.yaml", "--strict"],
    );
    assert_eq!(code, 1);
}
