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
    let stem = bulletin.file_stem().unwrap().to_str().unwrap().to_string();
    let read = |ext: &str| std::fs::read(dir.path().join(format!("{stem}.{ext}"))).unwrap();
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

/// (href, text) of every link, text with tags stripped.
fn links(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<a ") {
        let tag_end = i + rest[i..].find('>').unwrap();
        let href = attr(&rest[i..=tag_end], "href")
            .unwrap_or("")
            .replace("&amp;", "&");
        let close = tag_end + rest[tag_end..].find("</a>").unwrap();
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
    assert!(after_body.contains("What the NHSE/I access plan means"));
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
    // Sections appear in the order of the file, in both parts.
    let (mut at_html, mut at_text) = (0, 0);
    for t in &titles {
        let escaped = t.replace('&', "&amp;");
        at_html = at_html
            + r.html[at_html..]
                .find(&format!(">{escaped}</h2>"))
                .unwrap_or_else(|| panic!("{t} missing or out of order in HTML"));
        at_text = at_text
            + r.text[at_text..]
                .find(&format!("\n{t}\n---"))
                .unwrap_or_else(|| panic!("{t} missing or out of order in text"));
    }
}

#[test]
fn links_are_absolute_underlined_and_descriptive() {
    let r = render(&example(), &[]);
    let all = links(&r.html);
    assert!(all.len() > 20);
    let ids: Vec<&str> = tags(&r.html, "h2")
        .iter()
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
    for a in tags(&r.html, "a") {
        assert!(
            attr(a, "style")
                .unwrap_or("")
                .contains("text-decoration:underline"),
            "{a}"
        );
    }
    // The contents list reaches every section.
    assert_eq!(
        all.iter()
            .filter(|(h, _)| h.starts_with("#section-"))
            .count(),
        16
    );
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
    assert_eq!(heading_of("A message from Dr Brian Balmer"), Some('-'));
    assert_eq!(heading_of("Data transparency"), Some('-'));
    // 16 sections, the message and the contents list, under the title.
    assert_eq!(underlined.iter().filter(|(_, c)| *c == '-').count(), 18);
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
    assert_eq!(
        msg.body_html(0).unwrap().replace("\r\n", "\n").trim_end(),
        r.html.replace("\r\n", "\n").trim_end()
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
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "Reply-To: office@example.org",
    ] {
        assert!(raw.contains(h), "missing header {h}");
    }
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
    assert_eq!(tags(html, "li").len(), 2, "each bullet is a list item");
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
