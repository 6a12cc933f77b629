//! Sections for an audience (`for:` on a section) sent for real: `bulletin send` to Python's
//! aiosmtpd on 127.0.0.1 (tests/smtp/server.py, installed by scripts/install-test-deps.sh), with
//! the office of tests/fixtures/audience/office. Each recipient's message must hold exactly the
//! sections for them, numbered as their own; nobody gets two; the journal records each
//! person's version, and a later send to people whose lists changed sends them nothing again.
//! `check`'s and the dry run's whole output are pinned by tests/cmd/audience-*.toml.
//!
//! Merge fields (`{{first_name|colleague}}`, tests/fixtures/merge/office, whose people come from a
//! CSV as Excel writes it): each message holds its own reader's name and practice, escaped in the
//! HTML, and nobody else's; the subject is the same for all. Their `check` is pinned by
//! tests/cmd/merge-*.toml.

use crate::common::needs::text;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use mail_parser::MessageParser;

use crate::common::smtp::Server;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every section's title, and who receives it (by the part of their address before the dot).
const SECTIONS: &[(&str, &[&str])] = &[
    (
        "Contract changes this winter",
        &["pat", "gill", "sam", "oli"],
    ),
    ("Flu vaccination claims", &["pat", "gill", "sam", "oli"]),
    ("Practice manager forum", &["pat", "sam"]),
    ("Sessional GP pay rates", &["gill", "sam"]),
    ("Appraisal support", &["pat", "gill", "sam"]),
];

struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    /// The fixture office, sending to aiosmtpd on `port`.
    fn new(port: u16) -> Office {
        Office::at("tests/fixtures/audience/office", &[], port)
    }

    /// The office in `fixture` with its bulletin and `files`, sending to aiosmtpd on `port`.
    fn at(fixture: &str, files: &[&str], port: u16) -> Office {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(ROOT).join(fixture);
        std::fs::create_dir(dir.path().join("bulletins")).unwrap();
        for f in ["bulletins/2021-10-20.yaml", "bulletins/publisher.yaml"]
            .iter()
            .chain(files)
        {
            std::fs::copy(from.join(f), dir.path().join(f)).unwrap();
        }
        let lists = std::fs::read_to_string(from.join("lists.yaml")).unwrap();
        let smtp = format!(
            "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  auth: none\n  rate_per_minute: 0\n  retry_wait_seconds: 0\n"
        );
        let office = Office { dir };
        office.write_recipients(&lists.replace("transport: sendmail\n", &smtp));
        office
    }

    fn write_recipients(&self, text: &str) {
        std::fs::write(self.dir.path().join("recipients.yaml"), text).unwrap();
    }

    fn recipients(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("recipients.yaml")).unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn send(&self, extra: &[&str]) -> Output {
        let mut args = vec!["send", "bulletins/2021-10-20.yaml", "--list", "everyone"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn journal(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bulletins/2021-10-20.journal"))
            .unwrap_or_default()
    }
}

/// Each message received, by its one recipient: (plain text, HTML).
fn bodies(server: &Server) -> HashMap<String, Vec<(String, String)>> {
    let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for m in server.messages() {
        assert_eq!(m.to.len(), 1, "one recipient a message");
        let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
        let text = parsed.body_text(0).unwrap().to_string();
        let html = parsed.body_html(0).unwrap().to_string();
        out.entry(m.to[0].clone()).or_default().push((text, html));
    }
    out
}

/// The section titles a message's text holds, with the number each is given in the contents.
fn numbered(text: &str) -> Vec<String> {
    SECTIONS
        .iter()
        .filter(|(title, _)| text.contains(title))
        .map(|(title, _)| {
            let line = text
                .lines()
                .find(|l| l.trim_start().ends_with(title) && l.contains(". "))
                .unwrap_or_else(|| panic!("{title} is not in the contents:\n{text}"));
            line.trim().to_string()
        })
        .collect()
}

#[test]
fn each_person_receives_exactly_the_sections_for_them_and_nobody_gets_two() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port);
    let out = office.send(&["--yes"]);
    assert!(out.status.success(), "{}", text(&out));

    let received = bodies(&server);
    let mut people: Vec<&str> = received.keys().map(String::as_str).collect();
    people.sort();
    assert_eq!(
        people,
        vec![
            "gill.doctor@example.org",
            "oli.other@example.org",
            "pat.manager@example.org",
            "sam.both@example.org"
        ],
        "everyone on the list, Sam (on two lists) once"
    );
    for (address, messages) in &received {
        assert_eq!(
            messages.len(),
            1,
            "{address} got {} messages",
            messages.len()
        );
        let (text, html) = &messages[0];
        let who = address.split('.').next().unwrap();
        for (title, for_whom) in SECTIONS {
            let meant = for_whom.contains(&who);
            assert_eq!(
                text.contains(title),
                meant,
                "{address}: \"{title}\" in the text part: {}",
                !meant
            );
            assert_eq!(
                html.contains(title),
                meant,
                "{address}: \"{title}\" in the HTML part: {}",
                !meant
            );
        }
        // Nobody's message says whom a section is for: that is for the archive.
        assert!(!text.contains("For practice-managers"), "{address}: {text}");
    }
    // The contents and the numbers are each reader's own; the message (after "Flu vaccination
    // claims") is 3 for everyone.
    let contents = |a: &str| numbered(&received[a][0].0);
    assert_eq!(
        contents("pat.manager@example.org"),
        vec![
            "1. Contract changes this winter",
            "2. Flu vaccination claims",
            "4. Practice manager forum",
            "5. Appraisal support"
        ]
    );
    assert_eq!(
        contents("gill.doctor@example.org"),
        vec![
            "1. Contract changes this winter",
            "2. Flu vaccination claims",
            "4. Sessional GP pay rates",
            "5. Appraisal support"
        ]
    );
    assert_eq!(
        contents("oli.other@example.org"),
        vec![
            "1. Contract changes this winter",
            "2. Flu vaccination claims"
        ]
    );
    assert_eq!(contents("sam.both@example.org").len(), 5);

    // The journal says which version each got: a tag for each partial version, none for Sam,
    // who got every section; Pat's and Gill's differ.
    let journal = office.journal();
    let tag = |address: &str| tag_of(&journal, address);
    let (pat, gill, oli) = (
        tag("pat.manager@example.org").unwrap(),
        tag("gill.doctor@example.org").unwrap(),
        tag("oli.other@example.org").unwrap(),
    );
    assert_eq!(tag("sam.both@example.org"), None);
    assert!(
        journal.contains("delivered\tsam.both@example.org\t"),
        "{journal}"
    );
    assert_eq!(pat.len(), 16);
    assert!(pat != gill && gill != oli && pat != oli, "{journal}");

    // Oli becomes a practice manager and a new GP joins: the next send mails only the new GP,
    // with the GPs' version; Oli (delivered, with another version then) is not sent it again.
    let recipients = office
        .recipients()
        .replace(
            "      - Pat Manager <pat.manager@example.org>\n",
            "      - Pat Manager <pat.manager@example.org>\n      - Oli Other <oli.other@example.org>\n",
        )
        .replace(
            "      - Gill Doctor <gill.doctor@example.org>\n",
            "      - Gill Doctor <gill.doctor@example.org>\n      - Nia New <nia.new@example.org>\n",
        );
    office.write_recipients(&recipients);
    let dry = office.send(&["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let dry = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(
        dry.contains("skip          Oli Other <oli.other@example.org>  (delivered earlier; their lists have changed since, but nobody gets the bulletin twice)"),
        "{dry}"
    );
    assert!(
        dry.contains("skip          Pat Manager <pat.manager@example.org>  (delivered earlier)\n"),
        "{dry}"
    );
    let again = office.send(&["--yes"]);
    assert!(again.status.success(), "{}", text(&again));
    let received = bodies(&server);
    assert_eq!(received.len(), 5, "only the new GP was sent to");
    assert!(received.values().all(|m| m.len() == 1), "nobody got two");
    let nia = &received["nia.new@example.org"][0].0;
    assert_eq!(
        numbered(nia),
        vec![
            "1. Contract changes this winter",
            "2. Flu vaccination claims",
            "4. Sessional GP pay rates",
            "5. Appraisal support"
        ]
    );
    assert_eq!(tag_of(&office.journal(), "nia.new@example.org"), Some(gill));
}

/// The version tag the journal recorded for `address`'s delivery.
fn tag_of(journal: &str, address: &str) -> Option<String> {
    journal
        .lines()
        .find(|l| l.starts_with(&format!("delivered\t{address}\t")))?
        .split('\t')
        .nth(4)
        .and_then(|f| f.strip_prefix("version "))
        .map(str::to_string)
}

#[test]
fn a_test_copy_and_render_hold_every_section_labelled_with_whom_it_is_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::new(server.port);
    let out = office.run(&[
        "send",
        "bulletins/2021-10-20.yaml",
        "--test",
        "reviewer@example.org",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let received = bodies(&server);
    let (text, html) = &received["reviewer@example.org"][0];
    for (title, _) in SECTIONS {
        assert!(text.contains(title) && html.contains(title), "{title}");
    }
    // Each list by its name in the recipients file, not its id.
    assert!(text.contains("For Practice managers and GPs"), "{text}");
    assert!(html.contains("For Practice managers"), "{html}");
    assert!(!text.contains("practice-managers"), "{text}");
    assert!(office.journal().is_empty(), "a test copy is not recorded");
}

#[test]
fn each_reader_is_greeted_with_their_own_name_and_practice_and_nobody_elses() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let office = Office::at(
        "tests/fixtures/merge/office",
        &["contacts.csv"],
        server.port,
    );
    let out = office.send(&["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let mut subjects = std::collections::HashSet::new();
    for m in server.messages() {
        let parsed = MessageParser::default().parse(m.data.as_bytes()).unwrap();
        subjects.insert(parsed.subject().unwrap().to_string());
    }
    assert_eq!(
        subjects.into_iter().collect::<Vec<_>>(),
        vec!["A bulletin that greets each reader"],
        "one subject for everyone"
    );
    let received = bodies(&server);
    assert_eq!(received.len(), 3);
    assert!(received.values().all(|m| m.len() == 1), "nobody got two");
    // (address, what their message must say in the text part, in the HTML part)
    let expected = [
        (
            "pat.manager@example.org",
            vec![
                "Dear Pat,",
                "We have you down as Pat Manager, Practice manager at Tiptree Surgery.",
                "Pat, the forum meets",
            ],
            vec!["Dear Pat,", "Tiptree Surgery"],
        ),
        (
            "gill.doctor@example.org",
            vec![
                "Dear Gill,",
                "We have you down as Gill Doctor, GP partner at Harbour <Lane> & Co Practice.",
            ],
            vec!["Dear Gill,", "Harbour &lt;Lane&gt; &amp; Co Practice"],
        ),
        (
            "oli.other@example.org",
            vec![
                "Dear Oli,",
                "We have you down as Dr Oli Other, a member of the practice team at your",
            ],
            vec!["Dear Oli,", "news for <strong>your practice</strong>"],
        ),
    ];
    for (address, in_text, in_html) in &expected {
        let (text, html) = &received[*address][0];
        for want in in_text {
            assert!(text.contains(want), "{address}: no {want:?} in\n{text}");
        }
        for want in in_html {
            assert!(html.contains(want), "{address}: no {want:?} in the HTML");
        }
        assert!(
            !text.contains("{{") && !html.contains("{{"),
            "{address}: a field left"
        );
        assert!(!html.contains("Harbour <Lane>"), "unescaped in the HTML");
        // Nobody else's name or practice.
        for (other, ..) in expected.iter().filter(|(a, ..)| a != address) {
            let first = other.split('.').next().unwrap();
            let first = format!("{}{}", first[..1].to_uppercase(), &first[1..]);
            assert!(
                !text.contains(&first) && !html.contains(&first),
                "{address} has {first}"
            );
        }
        for practice in ["Tiptree", "Harbour"] {
            let own = in_text.iter().any(|t| t.contains(practice));
            assert_eq!(text.contains(practice), own, "{address}: {practice}");
        }
    }
    // The preheader (the summary) is the reader's own too.
    let pat = &received["pat.manager@example.org"][0].1;
    assert!(pat.contains("news for Tiptree Surgery."), "{pat}");
}

/// `for: { where: ... }` picks people from the office's spreadsheet as a list's `where:` does
/// (tests/fixtures/merge/office: Pat a practice manager and Gill a GP partner in the CSV, Oli on
/// no row): each gets the sections for everyone and those whose `where` matches their row, and
/// the rendered bulletin labels each with whom it is for. Without a spreadsheet, `check` says
/// so at the section.
#[test]
fn a_section_for_people_picked_with_where_reaches_exactly_them() {
    let server = Server::start(std::env::temp_dir().as_path(), &[]);
    let office = Office::at(
        "tests/fixtures/merge/office",
        &["contacts.csv"],
        server.port,
    );
    std::fs::write(
        office.dir.path().join("bulletins/2021-10-20.yaml"),
        "title: Picked from the spreadsheet\ndate: 2021-10-20\nsections:\n  - title: For everyone\n    body: Everyone reads this.\n  - title: For practice managers\n    for: { where: { role: Practice manager } }\n    body: Only Pat reads this.\n  - title: For GP partners at the harbour\n    for:\n      where:\n        role: [GP partner, Salaried GP]\n        practice: Harbour <Lane> & Co Practice\n    body: Only Gill reads this.\n",
    )
    .unwrap();
    let rendered = office.run(&["render", "bulletins/2021-10-20.yaml", "--out", "out"]);
    assert!(rendered.status.success(), "{}", text(&rendered));
    let page = std::fs::read_to_string(office.dir.path().join("out/2021-10-20.txt")).unwrap();
    assert!(
        page.contains("For those with role Practice manager"),
        "{page}"
    );
    let out = office.send(&["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let received = bodies(&server);
    let got = |who: &str| -> Vec<&str> {
        let (text, _) = &received[&format!("{who}@example.org")][0];
        [
            "For everyone",
            "For practice managers",
            "For GP partners at the harbour",
        ]
        .into_iter()
        .filter(|t| text.contains(t))
        .collect()
    };
    assert_eq!(
        got("pat.manager"),
        ["For everyone", "For practice managers"]
    );
    assert_eq!(
        got("gill.doctor"),
        ["For everyone", "For GP partners at the harbour"]
    );
    assert_eq!(got("oli.other"), ["For everyone"]);
    assert!(received.values().all(|m| m.len() == 1));

    // The same bulletin where recipients.yaml names no spreadsheet: refused at the section.
    let lists = office.recipients();
    office.write_recipients(
        &lists
            .replace("people: contacts.csv\n", "")
            .replace(
                "    where: { role: Practice manager }\n",
                "    members: [pat.manager@example.org]\n",
            )
            .replace(
                "    where: { role: GP partner }\n",
                "    members: [gill.doctor@example.org]\n",
            ),
    );
    let check = office.run(&[
        "check",
        "bulletins/2021-10-20.yaml",
        "--recipients",
        "recipients.yaml",
    ]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains("\"For practice managers\" picks people with `where`, but recipients.yaml names no spreadsheet of people"),
        "{said}"
    );
}
