//! The office's spreadsheet of people, named by `people:` in `recipients.yaml`: one row a person,
//! its columns found by their headings (Email; Name, or First name and Last name; Role; Practice;
//! ODS code; Area; case, spaces and punctuation ignored, so Outlook's contacts export, with its
//! "First Name", "Last Name" and "E-mail Address", is read as it is). A list's `where:` picks the
//! people whose columns match.
//!
//! `.xlsx`, `.xls` and `.ods` are read with calamine (the first sheet); `.csv` with the csv crate,
//! as Excel writes it in the UK: a byte-order mark or none, quoted commas, Windows line ends, and
//! Windows-1252 when it is not UTF-8. The file is read afresh at every load, so the next `check`
//! or `send` sees the sheet as the office last saved it. Every bad row is reported, by file,
//! sheet and row number as the spreadsheet shows them, before any list is used.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lettre::message::Mailbox;

use crate::address::parse_mailbox;
use crate::diagnostic::{Diagnostic, Diagnostics, Pos};
use crate::limits::{MAX_PEOPLE_BYTES, MAX_PEOPLE_ROWS, thousands};

/// A column the office's sheet can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Email,
    Name,
    FirstName,
    LastName,
    Role,
    Practice,
    OdsCode,
    Area,
}

/// The headings each column is known by, as [`heading_key`] leaves them.
const HEADINGS: &[(Column, &[&str])] = &[
    (Column::Email, &["email", "emailaddress", "mail"]),
    (Column::Name, &["name", "fullname", "displayname"]),
    (Column::FirstName, &["firstname", "forename", "givenname"]),
    (Column::LastName, &["lastname", "surname", "familyname"]),
    (Column::Role, &["role", "jobtitle"]),
    (
        Column::Practice,
        &[
            "practice",
            "practicename",
            "surgery",
            "company",
            "organisation",
            "organization",
        ],
    ),
    (Column::OdsCode, &["odscode", "ods", "practicecode"]),
    (Column::Area, &["area", "locality"]),
];

/// The columns a list's `where:` can match, by the key it is written with.
pub(crate) const WHERE_KEYS: &[(&str, Column)] = &[
    ("role", Column::Role),
    ("practice", Column::Practice),
    ("ods_code", Column::OdsCode),
    ("area", Column::Area),
];

/// The key `where:` writes `column` with (`role`, ...).
pub fn where_key(column: Column) -> &'static str {
    WHERE_KEYS
        .iter()
        .find(|(_, c)| *c == column)
        .map_or("", |(k, _)| k)
}

/// The column a `where:` key names.
pub fn where_column(key: &str) -> Option<Column> {
    WHERE_KEYS.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

/// How many rows with something in them are looked through for the headings.
const HEADING_ROWS: usize = 10;

/// The spreadsheet formats read, by the file name's ending.
pub(crate) const EXTENSIONS: &[&str] = &["xlsx", "xls", "ods", "csv"];

/// How to read the office's sheet, when its defaults do not fit: `people: { file: ..., sheet:
/// ..., columns: { email: Work email } }`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The sheet of a workbook to read, by its name; the first when not given.
    pub sheet: Option<String>,
    /// Headings the office uses for columns, before the usual ones.
    pub headings: Vec<(Column, String)>,
}

/// The columns `columns:` can name a heading for, by the key it is written with.
pub(crate) const COLUMN_KEYS: &[(&str, Column)] = &[
    ("email", Column::Email),
    ("name", Column::Name),
    ("first_name", Column::FirstName),
    ("last_name", Column::LastName),
    ("role", Column::Role),
    ("practice", Column::Practice),
    ("ods_code", Column::OdsCode),
    ("area", Column::Area),
];

/// One person: one row of the sheet.
#[derive(Clone, Debug)]
pub struct Person {
    pub mailbox: Mailbox,
    /// [`crate::recipients::key`] of the mailbox.
    pub key: String,
    /// The row as the spreadsheet numbers it (the headings' row is 1 when it is the first).
    pub row: usize,
    values: HashMap<Column, String>,
}

impl Person {
    /// The value of `column` in this person's row, if it has one.
    pub fn get(&self, column: Column) -> Option<&str> {
        self.values.get(&column).map(String::as_str)
    }

    /// Whether the person's `column` is one of `values` (case and spacing ignored).
    pub fn matches(&self, column: Column, values: &[String]) -> bool {
        self.get(column)
            .is_some_and(|v| values.iter().any(|w| same(v, w)))
    }
}

/// Two values the office would call the same: case and runs of spaces ignored.
pub fn same(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    words(a) == words(b)
}

/// The people of a spreadsheet.
#[derive(Clone, Debug, Default)]
pub struct People {
    pub path: PathBuf,
    pub people: Vec<Person>,
}

/// The rows of a sheet: each row's number and its cells as text.
struct Rows {
    sheet: Option<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// Reads the people of `path`; every problem is reported (a bad address, a missing email, the
/// same person twice with different roles), an error each, all of them. On success, the
/// warnings (the same person twice with the same role).
pub fn read(path: &Path, options: &Options) -> Result<(People, Diagnostics), Diagnostics> {
    let whole = |message: String, help: &str| {
        let mut d = Diagnostics::default();
        d.push(Diagnostic::error(path, Pos::default(), message).with_help(help));
        d
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if bytes > MAX_PEOPLE_BYTES {
        return Err(whole(
            format!(
                "{} is {} MB, more than the {} MB a spreadsheet of people may be",
                path.display(),
                bytes / (1024 * 1024),
                MAX_PEOPLE_BYTES / (1024 * 1024)
            ),
            "check that this is the office's list of people; save it with only the sheet of people in it",
        ));
    }
    let rows = match ext.as_str() {
        "csv" => csv_rows(path),
        "xlsx" | "xls" | "ods" | "xlsm" | "xlsb" => sheet_rows(path, options.sheet.as_deref()),
        _ => {
            return Err(whole(
                format!("{} is not a spreadsheet this program reads", path.display()),
                "save it from Excel as .xlsx or as CSV UTF-8 (.csv); .xls and .ods are read too",
            ));
        }
    }
    .map_err(|e| {
        whole(
            format!("cannot read {}: {e}", path.display()),
            "check the file name (it is relative to recipients.yaml), and close the file in Excel if it is being saved",
        )
    })?;
    if rows.rows.len() > MAX_PEOPLE_ROWS {
        return Err(whole(
            format!(
                "{} has more than the {} rows a spreadsheet of people may have",
                path.display(),
                thousands(MAX_PEOPLE_ROWS)
            ),
            "check that this is the office's list of people, one row a person",
        ));
    }
    people(path, rows, &options.headings)
}

/// The people of the rows read: the first row with anything in it holds the headings.
fn people(
    path: &Path,
    rows: Rows,
    custom: &[(Column, String)],
) -> Result<(People, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::default();
    let place = |row: usize| match &rows.sheet {
        Some(sheet) => format!("sheet {sheet}, row {row}"),
        None => format!("row {row}"),
    };
    let filled: Vec<&(usize, Vec<String>)> = rows
        .rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    // The headings: the first row with an Email heading among the first few (a title may be
    // above them), else the first row, for the message.
    let has_email = |cells: &[String]| columns(cells, custom).values().any(|c| *c == Column::Email);
    let at = filled
        .iter()
        .take(HEADING_ROWS)
        .position(|(_, cells)| has_email(cells))
        .unwrap_or(0);
    let mut body = filled.into_iter().skip(at);
    let Some((heading_row, headings)) = body.next() else {
        diags.push(
            Diagnostic::error(path, Pos::default(), "the spreadsheet is empty")
                .with_help("put the headings (Email, Name, Role, Practice) in the first row and one person a row below"),
        );
        return Err(diags);
    };
    let columns = columns(headings, custom);
    if !columns.values().any(|c| *c == Column::Email) {
        let found: Vec<&str> = headings
            .iter()
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .collect();
        diags.push(
            Diagnostic::error(
                path,
                Pos::default(),
                format!("{}: no Email column among the headings {}", place(*heading_row), found.join(", ")),
            )
            .with_help("give the column of addresses the heading Email (Name, Role, Practice, ODS code and Area are read too)"),
        );
        return Err(diags);
    }
    let mut out = People {
        path: path.to_path_buf(),
        people: Vec::new(),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row, cells) in body {
        let mut values: HashMap<Column, String> = HashMap::new();
        for (i, cell) in cells.iter().enumerate() {
            // Line breaks and tabs become spaces; other control characters (which no name or
            // address has, and which could move a terminal's cursor) are dropped.
            let cell = cell
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace(|c: char| c.is_control(), "");
            if let (Some(column), false) = (columns.get(&i), cell.is_empty()) {
                values.entry(*column).or_insert(cell);
            }
        }
        let Some(email) = values.get(&Column::Email) else {
            diags.push(
                Diagnostic::error(
                    path,
                    Pos::default(),
                    format!("{}: no email address", place(*row)),
                )
                .with_help("fill in the person's address, or delete the row"),
            );
            continue;
        };
        // A cell Excel turned into a link may hold `mailto:` before the address.
        let address = match email.get(..7) {
            Some(m) if m.eq_ignore_ascii_case("mailto:") => &email[7..],
            _ => email.as_str(),
        };
        let mut mailbox = match parse_mailbox(address) {
            Ok(m) if m.name.is_none() => m,
            _ => {
                diags.push(
                    Diagnostic::error(
                        path,
                        Pos::default(),
                        format!("{}: `{email}` is not an email address", place(*row)),
                    )
                    .with_help("correct it in the spreadsheet: one address, such as name@example.org, in the Email column"),
                );
                continue;
            }
        };
        mailbox.name = name(&values);
        let key = crate::recipients::key(&mailbox);
        let person = Person {
            mailbox,
            key,
            row: *row,
            values,
        };
        if let Some(&first) = seen.get(&person.key) {
            let earlier = &out.people[first];
            let (a, b) = (earlier.get(Column::Role), person.get(Column::Role));
            if a.zip(b).is_some_and(|(a, b)| !same(a, b)) || a.is_some() != b.is_some() {
                diags.push(
                    Diagnostic::error(
                        path,
                        Pos::default(),
                        format!(
                            "{}: {} is also on row {} with another role ({} there, {} here)",
                            place(*row),
                            person.mailbox.email,
                            earlier.row,
                            a.unwrap_or("none"),
                            b.unwrap_or("none"),
                        ),
                    )
                    .with_help("keep one row for each person, with the role they should get the bulletin for"),
                );
            } else {
                diags.push(
                    Diagnostic::warning(
                        path,
                        Pos::default(),
                        format!(
                            "{}: {} is also on row {}",
                            place(*row),
                            person.mailbox.email,
                            earlier.row
                        ),
                    )
                    .with_help("they will get one copy; delete one of the rows"),
                );
            }
            continue;
        }
        seen.insert(person.key.clone(), out.people.len());
        out.people.push(person);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((out, diags))
}

/// Which column each heading is, by its place in the row: the office's own headings (`custom`)
/// first, then the usual ones; the first of two alike wins.
fn columns(headings: &[String], custom: &[(Column, String)]) -> HashMap<usize, Column> {
    let mut out = HashMap::new();
    let mut taken: Vec<Column> = Vec::new();
    let find = |key: &str, custom_only: bool| {
        custom
            .iter()
            .find(|(_, h)| heading_key(h) == key)
            .map(|(c, _)| *c)
            .or_else(|| {
                (!custom_only)
                    .then(|| {
                        HEADINGS
                            .iter()
                            .find(|(_, names)| names.iter().any(|n| heading_key(n) == key))
                            .map(|(c, _)| *c)
                    })
                    .flatten()
            })
    };
    // The office's own headings take their columns before any usual heading can.
    for (i, heading) in headings.iter().enumerate() {
        if let Some(column) = find(&heading_key(heading), true).filter(|c| !taken.contains(c)) {
            taken.push(column);
            out.insert(i, column);
        }
    }
    for (i, heading) in headings.iter().enumerate() {
        if out.contains_key(&i) {
            continue;
        }
        let found = find(&heading_key(heading), false);
        if let Some(column) = found.filter(|c| !taken.contains(c)) {
            taken.push(column);
            out.insert(i, column);
        }
    }
    out
}

/// A heading as it is compared: letters and digits only, in lower case (`E-mail Address` is
/// `emailaddress`, `ODS code` is `odscode`).
fn heading_key(heading: &str) -> String {
    heading
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The person's name: the Name column, else First name and Last name together.
fn name(values: &HashMap<Column, String>) -> Option<String> {
    if let Some(n) = values.get(&Column::Name) {
        return Some(n.clone());
    }
    let parts: Vec<&str> = [Column::FirstName, Column::LastName]
        .iter()
        .filter_map(|c| values.get(c).map(String::as_str))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A CSV file's rows: UTF-8 (with or without a byte-order mark), else Windows-1252, which
/// Excel's plain "CSV (Comma delimited)" is in the UK.
fn csv_rows(path: &Path) -> Result<Rows, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => encoding_rs::WINDOWS_1252.decode(&bytes).0,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The row Excel shows a record on: one more than the line ends before it outside quotes (a
    // cell of several lines stays in its row, and an empty line is an empty row). Counted here:
    // after a Windows line end the csv crate starts the next record at its `\n`, and does not
    // count empty lines as records.
    let bytes = text.as_bytes();
    let mut rows = Vec::new();
    let (mut row, mut scanned, mut quoted) = (1, 0, false);
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let mut start = record.position().map_or(scanned, |p| p.byte() as usize);
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        for b in bytes.get(scanned..start).unwrap_or_default() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => row += 1,
                _ => {}
            }
        }
        scanned = scanned.max(start);
        quoted = false;
        rows.push((row, record.iter().map(str::to_string).collect()));
        if rows.len() > MAX_PEOPLE_ROWS {
            break;
        }
    }
    Ok(Rows { sheet: None, rows })
}

/// The first sheet of an Excel or OpenDocument workbook.
fn sheet_rows(path: &Path, sheet: Option<&str>) -> Result<Rows, String> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).map_err(|e| e.to_string())?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => match names.iter().find(|n| same(n, wanted)) {
            Some(n) => n.clone(),
            None => {
                return Err(format!(
                    "it has no sheet named {wanted}; its sheets are: {}",
                    names.join(", ")
                ));
            }
        },
        None => match names.first() {
            Some(n) => n.clone(),
            None => {
                return Ok(Rows {
                    sheet: None,
                    rows: Vec::new(),
                });
            }
        },
    };
    let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut texts = vec![String::new(); first_col as usize];
            texts.extend(cells.iter().map(cell_text));
            (first_row as usize + i + 1, texts)
        })
        .collect();
    Ok(Rows {
        sheet: Some(name),
        rows,
    })
}

/// A cell as the office sees it: a whole number without `.0`.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &[u8]) -> Result<(People, Diagnostics), Diagnostics> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("people.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, &Options::default())
    }

    #[test]
    fn headings_are_found_whatever_their_case_and_spacing() {
        let (p, w) = csv(b"\xef\xbb\xbf First name ,LAST NAME,E-mail Address,Job Title,ODS code\r\nSam,Jones,sam@example.org,Practice manager,F81001\r\n").unwrap();
        assert!(w.0.is_empty());
        let sam = &p.people[0];
        assert_eq!(sam.mailbox.to_string(), "Sam Jones <sam@example.org>");
        assert_eq!(sam.get(Column::Role), Some("Practice manager"));
        assert_eq!(sam.get(Column::OdsCode), Some("F81001"));
        assert_eq!(sam.row, 2);
        assert!(sam.matches(Column::Role, &["practice  MANAGER".into()]));
    }

    #[test]
    fn rows_are_numbered_as_excel_shows_them() {
        let d = csv(b"Email,Name\r\n,\r\n\r\nok@example.org,\"Two\r\nlines\"\r\nbad,X\r\n")
            .unwrap_err();
        assert_eq!(d.0[0].message, "row 5: `bad` is not an email address");
        let d = csv(b"Email,Name\nok@example.org,A\nbad,X\n").unwrap_err();
        assert_eq!(d.0[0].message, "row 3: `bad` is not an email address");
    }

    #[test]
    fn a_sheet_too_long_to_be_people_is_refused_whole() {
        let mut text = b"Email\n".to_vec();
        for i in 0..MAX_PEOPLE_ROWS {
            text.extend(format!("p{i}@example.org\n").as_bytes());
        }
        let d = csv(&text).unwrap_err();
        assert_eq!(d.0.len(), 1);
        assert!(
            d.0[0].message.ends_with(
                "people.csv has more than the 100,000 rows a spreadsheet of people may have"
            ),
            "{}",
            d.0[0].message
        );
    }

    #[test]
    fn the_offices_own_headings_come_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(
            &path,
            "Email,Work email,Job\nhome@example.org,work@example.org,GP partner\n",
        )
        .unwrap();
        let options = Options {
            sheet: None,
            headings: vec![
                (Column::Email, "work EMAIL".into()),
                (Column::Role, "Job".into()),
            ],
        };
        let (p, _) = read(&path, &options).unwrap();
        assert_eq!(p.people[0].mailbox.email.to_string(), "work@example.org");
        assert_eq!(p.people[0].get(Column::Role), Some("GP partner"));
    }

    #[test]
    fn control_characters_never_reach_a_name() {
        let (p, _) = csv(b"Email,Name\nsam@example.org,\"Sam\x1b[2J\r\nJones\x07\"\n").unwrap();
        assert_eq!(p.people[0].mailbox.name.as_deref(), Some("Sam[2J Jones"));
    }

    #[test]
    fn windows_1252_is_read_when_the_file_is_not_utf8() {
        let (p, _) = csv(b"Email,Name\r\nMAILTO:zoe@example.org,Zo\xeb Br\xe2nt\r\n").unwrap();
        assert_eq!(p.people[0].mailbox.email.to_string(), "zoe@example.org");
        assert_eq!(p.people[0].mailbox.name.as_deref(), Some("Zoë Brânt"));
    }

    #[test]
    fn every_bad_row_is_reported() {
        let d = csv(b"Email,Name,Role\nok@example.org,A,GP\nnot-an-address,B,GP\n,C,GP\nok@example.org,A,Practice manager\n").unwrap_err();
        let messages: Vec<&str> = d.0.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "row 3: `not-an-address` is not an email address",
                "row 4: no email address",
                "row 5: ok@example.org is also on row 2 with another role (GP there, Practice manager here)",
            ]
        );
    }
}
