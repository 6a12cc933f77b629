//! The rendered example bulletin checked against ../shared/EMAIL.md: the HTML part, the
//! plain-text part and the MIME message, parsed with an independent MIME parser (mail-parser).

use std::path::{Path, PathBuf};
use std::process::Command;

use mail_parser::{MessageParser, MimeHeaders};

struct Rendered {
    html: String,
    text: String,
    eml: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bulletin")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/2021-10-20.yaml")
}

fn render(bulletin: &Path, extra: &[&str]) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .arg("render")
        .arg(bulletin)
        .arg("--out")
        .arg(dir.path())
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Named for the issue: the date, and the issue number if there is one.
    let read = |ext: &str| {
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap_or_else(|| panic!("render wrote no .{ext} file"));
        std::fs::read(file).unwrap()
    };
    Rendered {
        html: String::from_utf8(read("html")).unwrap(),
        text: String::from_utf8(read("txt")).unwrap(),
        eml: read("eml"),
        _dir: dir,
    }
}

/// Every `<tag ...>` opening tag with the given name, as the raw tag text.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        if after.starts_with([' ', '>', '/']) {
            let end = after.find('>').unwrap();
            out.push(&rest[i..i + open.len() + end + 1]);
        }
        rest = &rest[i + open.len()..];
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// (href, text) of every link, text with tags stripped (named anchors, without an `href`, are
/// not links).
fn links(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a ") {
        let tag_end = i + rest[i..].find('>').unwrap();
        let close = tag_end + rest[tag_end..].find("</a>").unwrap();
        let Some(href) = attr(&rest[i..=tag_end], "href") else {
            rest = &rest[close..];
            continue;
        };
        let href = href.replace("&amp;", "&");
        let mut text = String::new();
        let mut in_tag = false;
        for c in rest[tag_end + 1..close].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push((href, text));
        rest = &rest[close..];
    }
    out
}

fn section_titles() -> Vec<String> {
    let yaml = std::fs::read_to_string(example()).unwrap();
    yaml.lines()
        .filter_map(|l| l.strip_prefix("  - title: "))
        .map(|t| t.trim().trim_matches('"').to_string())
        .collect()
}

#[test]
fn html_document_shell() {
    let r = render(&example(), &[]);
    let h = &r.html;
    assert!(h.starts_with("<!DOCTYPE html>"));
    let html_tag = tags(h, "html")[0];
    assert_eq!(attr(html_tag, "lang"), Some("en-GB"));
    assert_eq!(attr(html_tag, "dir"), Some("ltr"));
    assert!(h.contains("<meta charset=\"utf-8\">"));
    assert!(h.contains("name=\"viewport\""));
    let title = &h[h.find("<title>").unwrap() + 7..h.find("</title>").unwrap()];
    assert!(!title.trim().is_empty());
    let wrapper = tags(h, "div")
        .into_iter()
        .find(|t| t.contains("role=\"article\""))
        .expect("an article wrapper");
    assert_eq!(attr(wrapper, "lang"), Some("en-GB"));
    assert_eq!(attr(wrapper, "dir"), Some("ltr"));
}

#[test]
fn html_uses_only_email_safe_layout() {
    let r = render(&example(), &[]);
    let h = r.html.to_lowercase();
    for forbidden in [
        "display:flex",
        "display: flex",
        "display:grid",
        "display: grid",
        "position:",
        "float:",
        "background-image",
        "var(--",
        "<svg",
        "<link",
        "<script",
        "<form",
        "<iframe",
        "<img",
    ] {
        assert!(!h.contains(forbidden), "the HTML contains {forbidden}");
    }
    for table in tags(&r.html, "table") {
        assert_eq!(attr(table, "role"), Some("presentation"), "{table}");
        assert_eq!(attr(table, "cellpadding"), Some("0"), "{table}");
        assert_eq!(attr(table, "cellspacing"), Some("0"), "{table}");
        assert_eq!(attr(table, "border"), Some("0"), "{table}");
    }
    assert!(h.contains("max-width:600px"));
    assert!(h.contains("<!--[if mso]><table role=\"presentation\" align=\"center\" width=\"600\""));
    assert!(h.contains("font-family:arial,helvetica,sans-serif"));
    assert!(r.html.len() < 100 * 1024, "HTML is {} bytes", r.html.len());
}

#[test]
fn preheader_is_first_and_hidden() {
    let r = render(&example(), &[]);
    let body_start = r.html.find("<body").unwrap();
    let after_body = &r.html[body_start + r.html[body_start..].find('>').unwrap() + 1..];
    let first = tags(after_body, "div")[0];
    assert!(
        after_body.starts_with(first),
        "the preheader is not the first thing in <body>"
    );
    let style = attr(first, "style").unwrap();
    for needed in [
        "display:none",
        "max-height:0",
        "overflow:hidden",
        "mso-hide:all",
    ] {
        assert!(style.contains(needed), "preheader style lacks {needed}");
    }
    assert_eq!(attr(first, "aria-hidden"), Some("true"));
    // Hidden by the standard technique alone: no text in the background's colour.
    assert!(!style.contains("color:"), "{style}");
    assert!(after_body.contains("What the NHSE/I access plan means"));
}

/// Where, from byte `from` on, the text part has `heading` (which may wrap onto several lines)
/// underlined with `-`.
fn text_heading(text: &str, from: usize, heading: &str) -> Option<usize> {
    let first_word = heading.split(' ').next().unwrap();
    let mut at = from;
    while let Some(i) = text[at..].find(&format!("\n{first_word} ")) {
        let start = at + i + 1;
        let lines: Vec<&str> = text[start..]
            .lines()
            .take_while(|l| !l.starts_with("---"))
            .collect();
        if lines.join(" ") == heading {
            return Some(start);
        }
        at = start;
    }
    None
}

#[test]
fn headings_one_h1_and_an_h2_per_section() {
    let r = render(&example(), &[]);
    assert_eq!(tags(&r.html, "h1").len(), 1);
    let titles = section_titles();
    assert_eq!(titles.len(), 16);
    // One h2 per section and one for the Chief Executive's message.
    assert_eq!(tags(&r.html, "h2").len(), titles.len() + 1);
    for level in ["h4", "h5", "h6"] {
        assert!(tags(&r.html, level).is_empty());
    }
    // Sections appear in the order of the file, in both parts, after the message (the example
    // does not move it), numbered as the contents list numbers them.
    let (mut at_html, mut at_text) = (0, 0);
    for (i, t) in titles.iter().enumerate() {
        let number = i + 2;
        let escaped = t.replace('&', "&amp;");
        at_html = at_html
            + r.html[at_html..]
                .find(&format!(">{number}. {escaped}</h2>"))
                .unwrap_or_else(|| panic!("{number}. {t} missing or out of order in HTML"));
        at_text = text_heading(&r.text, at_text, &format!("{number}. {t}"))
            .unwrap_or_else(|| panic!("{t} missing or out of order in text"));
    }
}

#[test]
fn links_are_absolute_underlined_and_descriptive() {
    let r = render(&example(), &[]);
    let all = links(&r.html);
    assert!(all.len() > 20);
    let ids: Vec<&str> = ["h2", "p"]
        .iter()
        .flat_map(|name| tags(&r.html, name))
        .filter_map(|t| attr(t, "id"))
        .collect();
    for (href, text) in &all {
        if let Some(anchor) = href.strip_prefix('#') {
            assert!(ids.contains(&anchor), "in-page link to missing #{anchor}");
        } else {
            assert!(
                href.starts_with("https://") || href.starts_with("mailto:"),
                "link {href} is not https: or mailto:"
            );
        }
        let t = text.trim().to_lowercase();
        assert!(
            !["click here", "here", "read more", "link"].contains(&t.as_str()),
            "vague link text {text}"
        );
        if href.to_lowercase().ends_with(".pdf") {
            assert!(
                text.contains("PDF"),
                "PDF link without PDF in its text: {text}"
            );
        }
    }
    for a in tags(&r.html, "a")
        .into_iter()
        .filter(|a| a.contains(" href="))
    {
        assert!(
            attr(a, "style")
                .unwrap_or("")
                .contains("text-decoration:underline"),
            "{a}"
        );
    }
    // The contents list reaches every section (the key dates above it link to theirs too).
    let contents = contents_list(&r.html);
    assert_eq!(
        links(contents)
            .iter()
            .filter(|(h, _)| h.starts_with("#section-"))
            .count(),
        16
    );
}

/// Outlook for Windows and Gmail's webmail follow an in-page link only to `<a name="x">`;
/// the other programs and browsers to an `id`. Every `href="#x"` has both, once each.
#[test]
fn every_in_page_link_has_a_named_anchor_and_an_id() {
    for bulletin in [example(), fixture()] {
        let r = render(&bulletin, &[]);
        let h = &r.html;
        let targets: std::collections::BTreeSet<String> = links(h)
            .into_iter()
            .filter_map(|(href, _)| href.strip_prefix('#').map(str::to_string))
            .collect();
        assert!(targets.len() > 3, "{targets:?}");
        for t in &targets {
            assert_eq!(
                h.matches(&format!("<a name=\"{t}\"></a>")).count(),
                1,
                "an empty <a name=\"{t}\"> for href=\"#{t}\" in {}",
                bulletin.display()
            );
            assert_eq!(h.matches(&format!(" id=\"{t}\"")).count(), 1, "id=\"{t}\"");
        }
    }
}

#[test]
fn every_html_link_appears_in_the_text() {
    let r = render(&example(), &[]);
    for (href, _) in links(&r.html) {
        if href.starts_with('#') {
            continue;
        }
        let shown = href
            .trim_start_matches("mailto:")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        assert!(
            r.text.contains(&shown),
            "{href} is in the HTML but not in the text"
        );
    }
}

#[test]
fn text_lines_are_short_and_headings_underlined() {
    let r = render(&example(), &[]);
    for line in r.text.lines() {
        let len = line.chars().count();
        assert!(len <= 998);
        if len > 78 {
            let unbreakable = line.trim().starts_with("https://") && !line.trim().contains(' ');
            assert!(unbreakable, "line over 78 characters: {line}");
        }
    }
    // Every underline is exactly as long as the longest line of the heading above it (a heading
    // may wrap onto several lines), with a blank line after it; and every heading of the
    // bulletin is underlined: `=` for the title, `-` for the contents, message and sections.
    let lines: Vec<&str> = r.text.lines().collect();
    let mut underlined = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let is_rule = l.len() >= 3 && (l.chars().all(|c| c == '-') || l.chars().all(|c| c == '='));
        if !is_rule || i == 0 || lines[i - 1].is_empty() {
            continue;
        }
        let start = lines[..i]
            .iter()
            .rposition(|l| l.is_empty())
            .map_or(0, |b| b + 1);
        let heading = &lines[start..i];
        let longest = heading.iter().map(|h| h.chars().count()).max().unwrap_or(0);
        assert_eq!(
            l.chars().count(),
            longest,
            "the underline at line {} does not match its heading {heading:?}",
            i + 1
        );
        assert!(
            lines.get(i + 1).is_none_or(|n| n.is_empty()),
            "no blank line after the heading at line {}",
            i + 1
        );
        underlined.push((heading.join(" "), l.chars().next().unwrap()));
    }
    let heading_of = |title: &str| underlined.iter().find(|(h, _)| h == title).map(|(_, c)| *c);
    assert_eq!(
        heading_of("Improving access for patients and supporting general practice"),
        Some('=')
    );
    assert_eq!(heading_of("In this issue"), Some('-'));
    assert_eq!(heading_of("1. A message from Dr Brian Balmer"), Some('-'));
    assert_eq!(heading_of("14. Data transparency"), Some('-'));
    assert_eq!(heading_of("Key dates"), Some('-'));
    // 16 sections, the message, the contents list and the key dates, under the title.
    assert_eq!(underlined.iter().filter(|(_, c)| *c == '-').count(), 19);
    // The words of the bulletin are in the text, with the sign-off and the footer.
    for words in [
        "This is a bullies’ charter",
        "Dr Brian Balmer",
        "Chief Executive of Essex LMCs",
        "unsubscribe",
    ] {
        assert!(r.text.contains(words), "text lacks {words}");
    }
}

/// The 7-bit HTML part read back: line breaks as spaces, character references as characters.
fn read_as_browser(sent: &str) -> String {
    let text = sent.trim_end().replace("\r\n", " ");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').unwrap();
        let n: u32 = rest[i + 2..i + end].parse().unwrap();
        out.push(char::from_u32(n).unwrap());
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn message_is_multipart_alternative_with_all_headers() {
    let r = render(
        &example(),
        &["--to", "Jane Example <jane.example@example.org>"],
    );
    let raw = String::from_utf8_lossy(&r.eml).to_string();
    let msg = MessageParser::default()
        .parse(&r.eml)
        .expect("the .eml parses");
    let root = msg.root_part();
    let ct = root.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let parts = root.sub_parts().unwrap();
    assert_eq!(parts.len(), 2);
    let first = msg.parts[parts[0] as usize].content_type().unwrap();
    let last = msg.parts[parts[1] as usize].content_type().unwrap();
    assert_eq!((first.ctype(), first.subtype()), ("text", Some("plain")));
    assert_eq!((last.ctype(), last.subtype()), ("text", Some("html")));
    assert_eq!(
        msg.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
        r.text.trim_end()
    );
    // The HTML goes as 7-bit lines: the same document, with its line breaks where spaces were
    // (or after a `}` in a style) and character references for what is not ASCII.
    let sent = msg.body_html(0).unwrap();
    assert!(sent.is_ascii() && sent.lines().all(|l| l.len() <= 998));
    assert!(
        raw.contains(
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n"
        )
    );
    assert_eq!(
        read_as_browser(&sent).replace("} ", "}"),
        r.html.trim_end().replace("} ", "}")
    );

    let to = msg.to().unwrap();
    assert_eq!(to.iter().count(), 1);
    assert_eq!(
        to.first().unwrap().address(),
        Some("jane.example@example.org")
    );
    assert!(msg.cc().is_none() && msg.bcc().is_none());
    assert_eq!(
        msg.from().unwrap().first().unwrap().address(),
        Some("bulletin@example.org")
    );
    assert_eq!(
        msg.subject(),
        Some("Improving access for patients and supporting general practice")
    );
    assert!(msg.date().is_some());
    assert!(
        msg.message_id()
            .is_some_and(|id| id.ends_with("@example.org"))
    );
    for h in [
        "MIME-Version: 1.0",
        "List-Id: Essex LMCs <bulletin.example.org>",
        "Auto-Submitted: auto-generated",
        "Reply-To: office@example.org",
    ] {
        assert!(raw.contains(h), "missing header {h}");
    }
    // The example's publisher.yaml does not say its page takes RFC 8058 POSTs.
    assert!(msg.header_raw("List-Unsubscribe-Post").is_none());
    let unsub = msg.header_raw("List-Unsubscribe").unwrap();
    assert!(
        unsub.contains("<https://www.example.org/unsubscribe>")
            && unsub.contains("<mailto:unsubscribe@example.org")
    );
    assert!(raw.contains("charset=utf-8"));
}

#[test]
fn message_id_is_stable_per_recipient_and_shows_no_other_address() {
    let a = render(&example(), &["--to", "a@example.org"]);
    let a2 = render(&example(), &["--to", "a@example.org"]);
    let b = render(&example(), &["--to", "b@example.org"]);
    let id = |r: &Rendered| {
        MessageParser::default()
            .parse(&r.eml)
            .unwrap()
            .message_id()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(&a), id(&a2));
    assert_ne!(id(&a), id(&b));
    let raw = String::from_utf8_lossy(&a.eml);
    assert!(!raw.contains("b@example.org"));
    assert!(!raw.contains("recipient@example.org"));
    assert!(!id(&a).contains("a@example.org"));
}

/// A bulletin with the given YAML in a temporary folder beside the example publisher.yaml.
fn beside_publisher(yaml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/publisher.yaml"),
        dir.path().join("publisher.yaml"),
    )
    .unwrap();
    let bulletin = dir.path().join("2021-10-27.yaml");
    std::fs::write(&bulletin, yaml).unwrap();
    (dir, bulletin)
}

#[test]
fn yaml_text_is_escaped_and_cannot_inject_headers() {
    let (_dir, bulletin) = beside_publisher(
        "title: \"Pay & <script>alert(1)</script>\"\ndate: 2021-10-27\nsections:\n  - title: A <b>bold</b> claim\n    body: Fish & chips, 1 < 2\n",
    );
    let r = render(&bulletin, &[]);
    assert!(!r.html.contains("<script>alert"));
    assert!(r.html.contains("&lt;script&gt;"));
    assert!(r.html.contains("A &lt;b&gt;bold&lt;/b&gt; claim"));
    assert!(r.html.contains("Fish &amp; chips, 1 &lt; 2"));
    let msg = MessageParser::default().parse(&r.eml).unwrap();
    assert_eq!(msg.subject(), Some("Pay & <script>alert(1)</script>"));
}

#[test]
fn a_line_break_in_a_title_is_refused_not_sent_as_a_header() {
    let (dir, bulletin) = beside_publisher(
        "title: \"Pay\\r\\nBcc: victim@example.org\"\ndate: 2021-10-27\nsections:\n  - title: A\n",
    );
    let out = Command::new(bin())
        .arg("render")
        .arg(&bulletin)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: `title` must be on one line\n --> ")
            && stderr.contains("2021-10-27.yaml:1:8\n"),
        "{stderr}"
    );
    assert!(!dir.path().join("2021-10-27.eml").exists());
}

#[test]
fn typed_line_breaks_bare_addresses_and_word_bullets_come_out_as_meant() {
    let (_dir, bulletin) = beside_publisher(
        "title: Winter\ndate: 2021-10-27\nsections:\n  - title: Flu\n    body: |\n      The plan is at https://www.example.org/plan.pdf.\n      • order by Friday\n      • record each dose\n\n      Best wishes,\n      Brian\n    note: |\n      Page 6.\n      Page 7.\n",
    );
    let r = render(&bulletin, &[]);
    let html = r.html.as_str();
    assert!(
        links(html).contains(&(
            "https://www.example.org/plan.pdf".to_string(),
            "https://www.example.org/plan.pdf".to_string()
        )),
        "the bare address is a link whose text is the address"
    );
    assert!(
        html.contains("</a>.</p>"),
        "the full stop is left out of the link"
    );
    let section = &html[html.find("id=\"section-1\"").unwrap()..];
    assert_eq!(tags(section, "li").len(), 2, "each bullet is a list item");
    assert!(html.contains("Best wishes,<br>Brian"), "{html}");
    assert!(
        html.contains("Page 6.<br>Page 7."),
        "a note keeps its lines"
    );
    let text = r.text.as_str();
    assert!(text.contains("The plan is at https://www.example.org/plan.pdf.\n"));
    assert_eq!(
        text.matches("https://www.example.org/plan.pdf").count(),
        1,
        "the address is printed once:\n{text}"
    );
    assert!(
        text.contains("- order by Friday\n- record each dose\n"),
        "{text}"
    );
    assert!(text.contains("\nBest wishes,\nBrian\n"), "{text}");
    assert!(text.contains("\nPage 6.\nPage 7.\n"), "{text}");
}

/// A bare email address in a text is a `mailto:` link in the HTML (as a bare https: address
/// is a link); not inside a link's own text; the plain text keeps the address as written.
#[test]
fn bare_email_addresses_are_mailto_links_in_the_html() {
    let (_dir, bulletin) = beside_publisher(
        "title: Winter\ndate: 2021-10-27\nsections:\n  - title: Flu\n    body: |\n      Questions to flu.team@example.org, by Friday.\n      See [the page of practice.manager@example.org](https://www.example.org/pm).\n    note: Or write to office@example.org.\n",
    );
    let r = render(&bulletin, &[]);
    let all = links(&r.html);
    for address in ["flu.team@example.org", "office@example.org"] {
        assert!(
            all.contains(&(format!("mailto:{address}"), address.to_string())),
            "{address}: {all:?}"
        );
    }
    assert!(
        r.html.contains("flu.team@example.org</a>, by Friday."),
        "the comma is not in it"
    );
    assert!(
        !all.iter()
            .any(|(h, _)| h == "mailto:practice.manager@example.org"),
        "no link inside a link"
    );
    assert!(
        r.text
            .contains("Questions to flu.team@example.org, by Friday.")
    );
    assert!(!r.text.contains("mailto:"), "{}", r.text);
}

/// Word's engine (Outlook for Windows), Outlook.com and Gmail ignore `overflow-wrap`: every run
/// of more than 30 characters without a space in the HTML's text (link texts, headings, the
/// contents, key dates) has a `<wbr>` at least every 20 characters. The plain text is as
/// written.
#[test]
fn long_runs_break_in_words_engine_too() {
    let r = render(&fixture(), &[]);
    let h = &r.html;
    // The body after the hidden preheader (its filler of joiners is one long run).
    let body = &h[h.find("<body").unwrap()..];
    let body = &body[body.find("</div>").unwrap()..];
    let mut long = Vec::new();
    let mut checked = 0;
    for (i, piece) in body.split('<').enumerate() {
        let text = piece.split_once('>').map_or(piece, |(_, t)| t);
        if i > 0 && (piece.starts_with("code") || piece.starts_with("pre")) {
            continue;
        }
        for run in text.split(char::is_whitespace) {
            checked += 1;
            if run.chars().count() > 30 {
                long.push(run.to_string());
            }
        }
    }
    assert!(checked > 100);
    assert!(long.is_empty(), "runs without a break point: {long:?}");
    assert!(h.contains("pneumonoultramicrosc<wbr>opicsilicovolcanocon<wbr>iosis"));
    assert!(
        r.text
            .contains("pneumonoultramicroscopicsilicovolcanoconiosis")
    );
    assert!(!r.text.contains("wbr"));
}

/// The bulletin of tests/fixtures/email: a logo, the message after the introduction, long
/// words and addresses, lists inside lists, bold and italic.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email/2021-11-03.yaml")
}

/// The example with its message's text and its sections each three times (the copies' titles
/// start `Part 2, ` and `Part 3, `): a bulletin three times as long.
fn three_times_the_example() -> String {
    let yaml = std::fs::read_to_string(example()).unwrap();
    let (head, sections) = yaml.split_once("\nsections:\n").unwrap();
    let (before_body, body) = head.split_once("  body: |\n").unwrap();
    let body = format!("{}\n\n", body.trim_end()).repeat(3);
    let mut out = format!("{before_body}  body: |\n{body}\nsections:\n");
    for part in 1..=3 {
        let copy = match part {
            1 => sections.to_string(),
            _ => sections
                .replace("  - title: \"", &format!("  - title: \"Part {part}, "))
                .replace("  - title: ", &format!("  - title: Part {part}, "))
                .replace(
                    &format!("Part {part}, \"Part {part}, "),
                    &format!("\"Part {part}, "),
                ),
        };
        out.push_str(copy.trim_end());
        out.push_str("\n\n");
    }
    out
}

/// The HTML part as it is sent: its encoded bytes in the message (7-bit lines, or
/// quoted-printable), which is what Gmail measures against its clip of about 102 KB.
fn html_as_sent(eml: &[u8]) -> usize {
    let eml = String::from_utf8_lossy(eml);
    let part = eml.find("Content-Type: text/html").expect("an HTML part");
    let start = part + eml[part..].find("\r\n\r\n").unwrap() + 4;
    let end = start + eml[start..].find("\r\n--").unwrap();
    end - start
}

#[test]
fn the_html_stays_well_under_gmails_clip() {
    const KB: usize = 1024;
    let example = render(&example(), &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bulletins/publisher.yaml"),
        dir.path().join("publisher.yaml"),
    )
    .unwrap();
    let long = dir.path().join("2021-10-20.yaml");
    std::fs::write(&long, three_times_the_example()).unwrap();
    let tripled = render(&long, &[]);
    // The message once, three times as long; each section three times.
    assert_eq!(tags(&tripled.html, "h2").len(), 1 + 3 * 16);
    assert!(tripled.text.len() > 29 * example.text.len() / 10);
    let (example_sent, tripled_sent) = (html_as_sent(&example.eml), html_as_sent(&tripled.eml));
    println!(
        "HTML of the example: {} bytes, {example_sent} as sent; of a bulletin three times as long: {} bytes, {tripled_sent} as sent",
        example.html.len(),
        tripled.html.len()
    );
    // 7-bit lines add only their line breaks (quoted-printable added 8 %).
    assert!(example_sent > example.html.len() && example_sent < example.html.len() * 103 / 100);
    assert!(
        example_sent < 40 * KB,
        "the example's HTML is {example_sent} bytes as sent"
    );
    assert!(
        tripled_sent < 100 * KB,
        "the HTML of a bulletin three times as long as the example is {tripled_sent} bytes as sent"
    );
}

#[test]
fn the_contents_list_is_numbered_as_the_cards_are_and_each_card_leads_back() {
    let r = render(&example(), &[]);
    let h = &r.html;
    let contents = &h[h.find("id=\"contents\"").unwrap()..h.find("</ol>").unwrap()];
    assert!(contents.contains("<ol"), "the contents list is numbered");
    let targets: Vec<String> = links(contents).into_iter().map(|(href, _)| href).collect();
    assert_eq!(targets.len(), 17);
    // Each card's heading starts with its number in the list, and each card has a way back.
    for (i, target) in targets.iter().enumerate() {
        let heading = h
            .find(&format!("<h2 id=\"{}\"", &target[1..]))
            .unwrap_or_else(|| panic!("no heading for {target}"));
        let text = &h[heading + h[heading..].find('>').unwrap() + 1..];
        assert!(
            text.starts_with(&format!("{}. ", i + 1)),
            "the heading of {target} does not start with the number {}: {}",
            i + 1,
            &text[..40]
        );
    }
    let back = links(h)
        .into_iter()
        .filter(|(href, _)| href == "#contents")
        .count();
    assert_eq!(back, 17, "one link back to the contents in each card");
    // The text part numbers the list and the headings alike.
    assert!(r.text.contains("\n 1. A message from Dr Brian Balmer\n"));
    assert!(r.text.contains("\n1. A message from Dr Brian Balmer\n---"));
    assert!(
        r.text
            .contains("\n17. Funding for Practice security measures\n---")
    );
}

#[test]
fn the_message_goes_after_the_section_it_names() {
    let r = render(&fixture(), &[]);
    let at = |id: &str| r.html.find(&format!("id=\"{id}\"")).unwrap();
    assert!(at("section-1") < at("message") && at("message") < at("section-2"));
    // The contents list (the key dates above it link to sections too).
    let contents: Vec<String> = links(contents_list(&r.html))
        .into_iter()
        .map(|(href, _)| href)
        .filter(|href| href.starts_with('#') && href != "#contents")
        .collect();
    assert_eq!(
        contents,
        ["#section-1", "#message", "#section-2", "#section-3"]
    );
    let text_at = |heading: &str| r.text.find(&format!("\n{heading}\n---")).unwrap();
    assert!(text_at("1. Introduction") < text_at("2. A message from Dr Brian Balmer"));
    assert!(
        text_at("2. A message from Dr Brian Balmer")
            < text_at("3. Practice managers' meeting on Microsoft Teams")
    );
    // Without `after`, the message comes first (the example).
    let example = render(&example(), &[]);
    assert!(example.html.find("id=\"message\"") < example.html.find("id=\"section-1\""));
}

/// The Chief Executive's message looks like one: a rule of the brand colour along the top of
/// its card (no other card has one), its author under its heading, and no number on a line of
/// its own above it (no card has one: the heading carries it).
#[test]
fn the_message_is_set_apart_and_says_who_writes_it_under_its_heading() {
    for bulletin in [example(), fixture()] {
        let r = render(&bulletin, &[]);
        let h = &r.html;
        let cards: Vec<&str> = tags(h, "td")
            .into_iter()
            .filter(|t| attr(t, "class") == Some("c"))
            .collect();
        let ruled: Vec<usize> = cards
            .iter()
            .enumerate()
            .filter(|(_, t)| attr(t, "style").unwrap().contains("border-top:4px solid #"))
            .map(|(i, _)| i)
            .collect();
        let message_card = h[..h.find("id=\"message\"").unwrap()]
            .matches("class=\"c\"")
            .count()
            - 1;
        assert_eq!(ruled, [message_card], "{}", bulletin.display());
        let heading = h.find("<h2 id=\"message\"").unwrap();
        let after = &h[heading + h[heading..].find("</h2>").unwrap() + 5..];
        assert!(
            after.starts_with(
                "<p class=\"a\"><strong>Dr Brian Balmer</strong>, Chief Executive of Essex LMCs</p>"
            ),
            "{}",
            &after[..120]
        );
        for line in tags(h, "p")
            .into_iter()
            .filter(|t| attr(t, "class") == Some("e"))
        {
            let start = h.find(line).unwrap() + line.len();
            let text = &h[start..start + h[start..].find("</p>").unwrap()];
            assert!(
                !text.trim().chars().all(|c| c.is_ascii_digit()),
                "a lone number: {line}{text}"
            );
        }
    }
    let r = render(&example(), &[]);
    assert!(r.text.contains(
        "1. A message from Dr Brian Balmer\n---------------------------------\n\nDr Brian Balmer, Chief Executive of Essex LMCs\n\n"
    ), "{}", r.text);
}

#[test]
fn the_message_names_its_author_at_most_twice() {
    let r = render(&example(), &[]);
    let start = r.html.find("id=\"message\"").unwrap();
    let end = start + r.html[start..].find("class=\"c\"").unwrap();
    let card = &r.html[start..end];
    assert_eq!(card.matches("Dr Brian Balmer").count(), 2, "{card}");
    assert!(card.contains("Chief Executive of Essex LMCs"));
    let start = r.text.find("\n1. A message").unwrap();
    let end = start + r.text[start..].find("\n2. ").unwrap();
    assert_eq!(r.text[start..end].matches("Dr Brian Balmer").count(), 2);
}

#[test]
fn the_text_part_keeps_the_names_case_and_marks_bold_and_italic() {
    let example = render(&example(), &[]);
    assert!(
        example.text.starts_with("Essex LMCs\n"),
        "{}",
        &example.text[..40]
    );
    assert!(!example.text.contains("LMCS"));
    let fixture = render(&fixture(), &[]);
    assert!(
        fixture
            .text
            .contains("*Please read the section on\nthe Winter Access Fund*")
            || fixture
                .text
                .contains("*Please read the section on the Winter Access Fund*"),
        "{}",
        fixture.text
    );
    assert!(fixture.text.contains("_do not sign anything_"));
    assert!(
        fixture
            .html
            .contains("<strong>Please read the section on the Winter Access Fund</strong>")
    );
}

#[test]
fn a_logo_is_shown_in_the_header_and_never_attached() {
    let r = render(&fixture(), &[]);
    let images = tags(&r.html, "img");
    assert_eq!(images.len(), 1, "{images:?}");
    let img = images[0];
    assert_eq!(
        attr(img, "src"),
        Some("https://www.example.org/images/essex-lmcs-logo.png")
    );
    assert_eq!(attr(img, "width"), Some("200"));
    assert_eq!(attr(img, "height"), Some("50"));
    assert_eq!(attr(img, "alt"), Some("Essex LMCs"));
    // In the header, before the title.
    assert!(r.html.find("<img").unwrap() < r.html.find("<h1").unwrap());
    // The message is text and HTML only: the image stays on the web.
    let msg = MessageParser::default().parse(&r.eml).unwrap();
    assert_eq!(msg.parts.len(), 3, "multipart/alternative, text, HTML");
    assert_eq!(msg.attachment_count(), 0);
    assert!(!r.text.contains("logo"));
}

/// Outlook's Word engine: docs/email.md says why each of these is there.
#[test]
fn html_uses_outlooks_patterns() {
    let r = render(&example(), &[]);
    let h = &r.html;
    // Backgrounds as attributes as well as styles.
    assert_eq!(attr(tags(h, "body")[0], "bgcolor"), Some("#eef1f4"));
    let cells = tags(h, "td");
    let cards: Vec<&&str> = cells
        .iter()
        .filter(|t| attr(t, "class") == Some("c"))
        .collect();
    assert_eq!(
        cards.len(),
        18,
        "the title card, the message and 16 sections"
    );
    assert!(cards.iter().all(|t| attr(t, "bgcolor") == Some("#ffffff")));
    // The documents box: border and background on its cell, none on a table.
    let boxes: Vec<&&str> = cells
        .iter()
        .filter(|t| attr(t, "class") == Some("d"))
        .collect();
    assert_eq!(boxes.len(), 17, "the key dates box and 16 documents boxes");
    for b in boxes {
        assert_eq!(attr(b, "bgcolor"), Some("#f2f6fa"), "{b}");
        assert!(
            attr(b, "style").unwrap().contains("border-left:4px solid"),
            "{b}"
        );
    }
    for t in tags(h, "table") {
        let style = attr(t, "style").unwrap_or("");
        assert!(
            !style.contains("border") && !style.contains("background"),
            "{t}"
        );
    }
    // Lists are indented by a margin, never by padding, which Outlook ignores.
    assert!(h.contains("ul,ol{margin:0 0 16px 24px;padding:0}"));
    for list in tags(h, "ul").into_iter().chain(tags(h, "ol")) {
        assert!(
            !attr(list, "style").unwrap_or("").contains("padding-left"),
            "{list}"
        );
    }
    // Exact line heights and the font, for Outlook only.
    let mso = &h[h.find("<!--[if mso]><noscript>").unwrap()..];
    let mso = &mso[..mso.find("<![endif]-->").unwrap()];
    assert!(mso.contains("mso-line-height-rule:exactly"));
    assert!(mso.contains("font-family:Arial,Helvetica,sans-serif"));
    // Long words and addresses may break anywhere rather than widen the page.
    let wrapper = tags(h, "div")
        .into_iter()
        .find(|t| t.contains("role=\"article\""))
        .unwrap();
    assert!(
        attr(wrapper, "style")
            .unwrap()
            .contains("word-break:break-word")
    );
}

/// What a mail program that drops `<style>` (Gmail's apps with a non-Google account) must still
/// show is inline: each card's text size, line height and colour, each heading's colour and
/// size, the links back to the contents; and the resets Cerberus carries are there.
#[test]
fn what_must_survive_without_style_is_inline() {
    let r = render(&example(), &[]);
    let h = &r.html;
    let style_of = |t: &str| attr(t, "style").unwrap_or("").to_string();
    let cells = tags(h, "td");
    let cards: Vec<&&str> = cells
        .iter()
        .filter(|t| attr(t, "class") == Some("c"))
        .collect();
    assert_eq!(cards.len(), 18);
    for c in cards {
        let st = style_of(c);
        for prop in ["font-size:16px", "line-height:24px", "color:#1f2933"] {
            assert!(st.contains(prop), "{prop} not inline on {c}");
        }
    }
    for heading in tags(h, "h1").into_iter().chain(tags(h, "h2")) {
        let st = style_of(heading);
        assert!(st.contains("color:#"), "{heading}");
    }
    let back: Vec<&str> = tags(h, "a")
        .into_iter()
        .filter(|a| attr(a, "href") == Some("#contents"))
        .collect();
    assert_eq!(back.len(), 17);
    assert!(
        back.iter().all(|a| style_of(a).contains("color:#4a5560")),
        "{back:?}"
    );
    // The spacers between cards: a space for the programs that collapse an empty cell, hidden
    // from screen readers.
    let spacers: Vec<&&str> = cells
        .iter()
        .filter(|t| attr(t, "class") == Some("s"))
        .collect();
    assert_eq!(spacers.len(), 17);
    for s in spacers {
        assert_eq!(attr(s, "aria-hidden"), Some("true"), "{s}");
    }
    assert_eq!(h.matches("aria-hidden=\"true\">&nbsp;</td>").count(), 17);
    // Resets: Outlook's spacing around tables, iOS's links on dates and telephone numbers,
    // Samsung's and Gmail's own widths and colours.
    for reset in [
        "table,td{mso-table-lspace:0pt !important;mso-table-rspace:0pt !important}",
        "a[x-apple-data-detectors]",
        "#MessageViewBody,#MessageWebViewDiv{width:100% !important}",
        "u~div .p{min-width:100vw}",
        ".im{color:inherit !important}",
        ".s{font-size:0;line-height:0}",
    ] {
        assert!(h.contains(reset), "no {reset}");
    }
}

/// The List-Unsubscribe headers of the sample message rendered from a fixture folder.
fn unsubscribe_headers(fixture: &str) -> (Option<String>, Option<String>) {
    let bulletin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(fixture);
    let r = render(&bulletin, &[]);
    let msg = MessageParser::default().parse(&r.eml).unwrap();
    // Unfolded: a long header is folded onto a second line.
    let raw = |name: &str| {
        msg.header_raw(name)
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    (raw("List-Unsubscribe"), raw("List-Unsubscribe-Post"))
}

#[test]
fn one_click_unsubscribe_only_when_publisher_says_the_page_accepts_post() {
    let (unsub, post) = unsubscribe_headers("unsubscribe-one-click/2021-10-20.yaml");
    assert_eq!(
        unsub.as_deref(),
        Some(
            "<https://www.example.org/unsubscribe>, <mailto:unsubscribe@example.org?subject=unsubscribe>"
        )
    );
    assert_eq!(post.as_deref(), Some("List-Unsubscribe=One-Click"));

    // An https: page without `one_click_unsubscribe: true`: the link, but no one-click promise.
    let (unsub, post) = unsubscribe_headers("lint/click-here.yaml");
    assert!(unsub.is_some_and(|u| u.contains("<https://www.example.org/unsubscribe>")));
    assert_eq!(post, None);

    let (unsub, post) = unsubscribe_headers("unsubscribe-mailto-only/2021-10-20.yaml");
    assert_eq!(
        unsub.as_deref(),
        Some("<mailto:unsubscribe@example.org?subject=unsubscribe>")
    );
    assert_eq!(post, None);
}

/// A bulletin of 27 October 2021 whose dates are given out of order across two sections, with
/// one (a deadline on 20 October) before the bulletin's date.
const DATED: &str = "title: Dated
date: 2021-10-27
sections:
  - title: Claims
    body: Claims are due.
    dates:
      - what: Q3 LES claims
        date: 2021-11-30
      - what: Flu claims (already passed)
        date: 2021-10-20
  - title: Webinars
    body: Join us.
    continued_from: 2021-10-20
    dates:
      - what: Contract webinar
        date: 2021-11-04
        time: \"14:00\"
        end: \"15:30\"
        where: https://teams.microsoft.com/l/meetup-join/contract
      - what: LMC election closes
        date: 2021-11-02
        where: Chelmsford office
";

/// The positions of each needle in the haystack, which must all be there.
fn positions(hay: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| hay.find(n).unwrap_or_else(|| panic!("no {n} in {hay}")))
        .collect()
}

#[test]
fn the_key_dates_list_is_in_date_order_from_the_bulletins_date() {
    let (_dir, bulletin) = beside_publisher(DATED);
    let r = render(&bulletin, &[]);
    let order = ["LMC election closes", "Contract webinar", "Q3 LES claims"];
    for part in [&r.html, &r.text] {
        let start = part.find("Key dates").expect("a Key dates list");
        let end = start + part[start..].find("In this issue").unwrap();
        let list = &part[start..end];
        assert!(list.contains("Subscribe to the calendar"), "{list}");
        let at = positions(list, &order);
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{list}");
        assert!(!list.contains("already passed"), "{list}");
        assert!(list.contains("Tue 2 Nov"), "{list}");
        assert!(list.contains("Thu 4 Nov, 2pm–3:30pm"), "{list}");
        assert!(list.contains("Tue 30 Nov · Deadline"), "{list}");
        assert!(list.contains("Chelmsford office"), "{list}");
        // Right after the summary, before the contents list and the first section.
        assert!(end < part.find("Claims are due").unwrap());
    }
    // The sections keep their own dates, the past one included, and say what they continue.
    let claims = &r.html[r.html.find("Claims are due").unwrap()..];
    assert!(claims.contains("Flu claims (already passed)"));
    assert!(r.html.contains("Continued from 20 October 2021"));
    assert!(r.text.contains("Continued from 20 October 2021"));
    // In the HTML, a date reads as a date: the day, then what, linked to its section, and the
    // section's number; what to do with it (join, add to the calendar) is in the section.
    let list = &r.html[r.html.find("Key dates").unwrap()..r.html.find("In this issue").unwrap()];
    assert!(
        list.contains("<b>Thu 4 Nov, 2pm–3:30pm</b> · <a href=\"#section-2\" style=\"color:#005EB8;text-decoration:underline\">Contract webinar</a> (item 2)"),
        "{list}"
    );
    assert!(list.contains("Q3 LES claims</a> (item 1)"), "{list}");
    assert!(
        !list.contains("teams.microsoft.com") && !list.contains("/calendar/section-"),
        "{list}"
    );
    let webinars = &r.html[r.html.find("id=\"section-2\"").unwrap()..];
    assert!(webinars.contains("href=\"https://teams.microsoft.com/l/meetup-join/contract\""));
    assert!(r.text.contains("In 2. Webinars"));
}

/// "Join online" is a button a finger can hit (44 px: 12 + 20 + 12), drawn by Outlook too (the
/// cell's colour and `mso-padding-alt`), with "Add to calendar" beside it; and "In this issue"
/// has 24 px above it (8 px after the key dates made it look like part of them).
#[test]
fn join_online_is_a_button_and_the_contents_have_room_above() {
    let (_dir, bulletin) = beside_publisher(DATED);
    let r = render(&bulletin, &[]);
    let h = &r.html;
    let join = tags(h, "a")
        .into_iter()
        .find(|a| attr(a, "href") == Some("https://teams.microsoft.com/l/meetup-join/contract"))
        .expect("the meeting link");
    let style = attr(join, "style").unwrap();
    for prop in [
        "display:inline-block",
        "padding:12px 20px",
        "line-height:20px",
        "color:#ffffff",
        "background-color:#005EB8",
        "text-decoration:underline",
    ] {
        assert!(style.contains(prop), "{prop} in {join}");
    }
    assert_eq!(attr(join, "class"), Some("b"));
    let before = &h[..h.find(join).unwrap()];
    let cell = tags(before, "td").pop().unwrap();
    assert_eq!(attr(cell, "bgcolor"), Some("#005EB8"), "{cell}");
    assert!(
        attr(cell, "style")
            .unwrap()
            .contains("mso-padding-alt:12px 20px")
    );
    let after = &h[h.find(join).unwrap()..];
    assert!(
        after[..after.find("</table>").unwrap()].contains(">Add to calendar</a>"),
        "Add to calendar beside the button"
    );
    // In dark mode the button keeps its white text.
    assert!(h.contains(".c a.b{color:#ffffff !important}"));
    let contents = tags(h, "p")
        .into_iter()
        .find(|t| attr(t, "id") == Some("contents"))
        .unwrap();
    assert!(
        attr(contents, "style")
            .unwrap()
            .starts_with("margin:24px 0"),
        "{contents}"
    );
}

#[test]
fn calendar_links_only_with_an_archive() {
    let (dir, bulletin) = beside_publisher(DATED);
    let r = render(&bulletin, &[]);
    let ics = "https://www.example.org/bulletins/2021-10-27/calendar/section-1-1.ics";
    // Once per item in the HTML, in its section; in the text, in the list and the section.
    assert_eq!(r.html.matches(ics).count(), 1, "{}", r.html);
    assert!(
        r.html.contains("section-1-2.ics"),
        "the past item, in its section"
    );
    assert_eq!(r.text.matches(ics).count(), 2, "{}", r.text);
    for part in [&r.html, &r.text] {
        assert!(part.contains("https://www.example.org/bulletins/calendar.ics"));
        assert_eq!(part.matches("Subscribe to the calendar").count(), 1);
    }
    let publisher = dir.path().join("publisher.yaml");
    let yaml = std::fs::read_to_string(&publisher).unwrap();
    let without: String = yaml
        .lines()
        .filter(|l| !l.starts_with("archive_url:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&publisher, without).unwrap();
    let r = render(&bulletin, &[]);
    for part in [&r.html, &r.text] {
        assert!(part.contains("Key dates"));
        assert!(!part.contains(".ics"), "{part}");
        assert!(!part.contains("Add to calendar"));
        assert!(!part.contains("Subscribe to the calendar"));
    }
}

#[test]
fn no_key_dates_list_without_dates_to_come_or_with_key_dates_false() {
    let (_dir, bulletin) = beside_publisher(
        "title: Undated\ndate: 2021-10-27\nsections:\n  - title: News\n    body: Nothing dated.\n",
    );
    let r = render(&bulletin, &[]);
    assert!(!r.html.contains("Key dates") && !r.text.contains("Key dates"));
    let (_dir, bulletin) = beside_publisher(&format!("key_dates: false\n{DATED}"));
    let r = render(&bulletin, &[]);
    for part in [&r.html, &r.text] {
        assert!(!part.contains("Key dates"), "{part}");
        assert!(!part.contains("Subscribe to the calendar"));
        // The sections still list their dates, each with its calendar link.
        assert!(part.contains("Contract webinar") && part.contains("Thu 4 Nov, 2pm–3:30pm"));
        assert!(part.contains("section-2-1.ics"));
    }
}

/// The HTML of the contents list ("In this issue"), which comes after the key dates.
fn contents_list(html: &str) -> &str {
    let start = html.find("id=\"contents\"").expect("a contents list");
    let end = start
        + html[start..]
            .find("</ol>")
            .expect("the end of the contents list");
    &html[start..end]
}
