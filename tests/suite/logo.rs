//! A logo from a file on the office's computer (`logo: { file: logo.png }` in publisher.yaml):
//! its size is read from the image (a PNG written here by Python's zlib and struct, not by this
//! project), `bulletin archive` publishes it beside the issues, and the email shows it from
//! there (`archive_url`), never attached. `bulletin init --logo FILE` copies it into the new
//! office. Without `archive_url`, `check`'s note is pinned by tests/cmd/check-logo-file-*.toml.

use crate::common::needs::text;
use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Writes a `width` x `height` PNG at `path` with Python (zlib and struct only).
fn png(path: &Path, width: u32, height: u32) {
    let script = format!(
        "import zlib, struct\nw, h = {width}, {height}\nraw = b''.join(b'\\x00' + b'\\x00\\x5e\\xb8' * w for _ in range(h))\ndef chunk(t, d):\n    c = struct.pack('>I', len(d)) + t + d\n    return c + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)\nopen({path:?}, 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))\n",
        path = path.display().to_string()
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn a_logo_file_is_published_with_the_archive_and_shown_from_there_at_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let bulletins = dir.path().join("bulletins");
    std::fs::create_dir(&bulletins).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("bulletins/2021-10-20.yaml"),
        bulletins.join("2021-10-20.yaml"),
    )
    .unwrap();
    let publisher = std::fs::read_to_string(Path::new(ROOT).join("bulletins/publisher.yaml"))
        .unwrap()
        + "logo:\n  file: Our Logo.png\n  alt: Essex LMCs\n";
    std::fs::write(bulletins.join("publisher.yaml"), publisher).unwrap();
    // Twice the size it can be shown at: shown at 536 x 100, in proportion.
    png(&bulletins.join("Our Logo.png"), 1072, 200);

    let check = run(dir.path(), &["check", "bulletins/2021-10-20.yaml"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        !String::from_utf8_lossy(&check.stdout).contains("logo"),
        "{}",
        text(&check)
    );

    let out = dir.path().join("out");
    let render = run(
        dir.path(),
        &[
            "render",
            "bulletins/2021-10-20.yaml",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(render.status.success(), "{}", text(&render));
    let html = std::fs::read_to_string(out.join("2021-10-20.html")).unwrap();
    assert!(
        html.contains(r#"<img src="https://www.example.org/bulletins/logo.png" width="536" height="100" alt="Essex LMCs""#),
        "{html}"
    );
    // Never attached: the message is text and HTML only, and refers to the image by address.
    let eml = std::fs::read_to_string(out.join("2021-10-20.eml")).unwrap();
    assert!(
        !eml.to_ascii_lowercase().contains("content-type: image/"),
        "attached"
    );
    assert!(!eml.contains("cid:"), "{eml}");

    let archive = run(
        dir.path(),
        &["archive", "bulletins/2021-10-20.yaml", "--dir", "archive"],
    );
    assert!(archive.status.success(), "{}", text(&archive));
    let published = std::fs::read(dir.path().join("archive/logo.png")).unwrap();
    assert_eq!(
        published,
        std::fs::read(bulletins.join("Our Logo.png")).unwrap()
    );
    let page = std::fs::read_to_string(dir.path().join("archive/index.html")).unwrap();
    assert!(
        page.contains(r#"src="https://www.example.org/bulletins/logo.png""#),
        "{page}"
    );
}

#[test]
fn init_with_a_logo_copies_it_and_check_says_what_is_missing_until_archive_url_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("From Word.png");
    png(&logo, 360, 96);
    let office = dir.path().join("office");
    let args = |logo: &str| {
        vec![
            "init".to_string(),
            office.display().to_string(),
            "--name".into(),
            "Example LMC".into(),
            "--from".into(),
            "bulletin@example.org".into(),
            "--relay".into(),
            "sendmail".into(),
            "--date".into(),
            "2021-10-20".into(),
            "--logo".into(),
            logo.to_string(),
        ]
    };
    // Not an image: refused before anything is written.
    let not_image = dir.path().join("logo.png");
    std::fs::write(&not_image, "not an image").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args(not_image.to_str().unwrap()))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not a PNG, JPEG or GIF image"),
        "{}",
        text(&refused)
    );
    assert!(!office.exists(), "something was written");

    let init = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(args(logo.to_str().unwrap()))
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init));
    assert_eq!(
        std::fs::read(office.join("bulletins/logo.png")).unwrap(),
        std::fs::read(&logo).unwrap()
    );
    let publisher = std::fs::read_to_string(office.join("bulletins/publisher.yaml")).unwrap();
    assert!(
        publisher.contains("\nlogo:\n  file: logo.png\n  alt: Example LMC\n"),
        "{publisher}"
    );
    assert!(
        publisher.contains("one_click_unsubscribe: true"),
        "{publisher}"
    );
    // The first issue, filled in.
    std::fs::write(
        office.join("bulletins/2021-10-20.yaml"),
        "title: First issue\ndate: 2021-10-20\nsections:\n  - title: Hello\n    body: Welcome.\n",
    )
    .unwrap();
    let check = run(&office, &["check", "bulletins/2021-10-20.yaml"]);
    assert!(check.status.success(), "{}", text(&check));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("note: logo: the emails will show the office's name instead of the logo (logo.png), because publisher.yaml has no `archive_url`"),
        "{}",
        text(&check)
    );
}
