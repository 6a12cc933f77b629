//! `bulletin desk` through the real binary, on a copy of an office folder (the example bulletin
//! and its publisher.yaml) in a temporary folder.
//!
//! - `desk_in_headless_chromium` runs `tests/browser/desk-check.mjs` (Node and playwright-core
//!   driving Debian's `/usr/bin/chromium`): save unchanged is byte-identical, a new title is one
//!   changed line, a new section with a link and a key date passes `check --strict`, a paste of
//!   HTML goes through paste.js, a wrong date is shown at its field and Send is refused until it
//!   is fixed, a file changed on disk is never overwritten silently, keyboard focus is visible,
//!   screenshots at 1280 and 768 px go to `target/desk-shots/`.
//! - `the_first_line_is_the_address_with_its_token`: the contract other tests rely on.
//! - `hostile_requests_get_nothing`: no token, a wrong token, another Host (DNS rebinding), a
//!   POST without the same Origin or without the CSRF token, names that lead out of the
//!   bulletins folder (`..`, absolute, a link to a file outside): each refused, the file
//!   untouched, and no page carries the token or a password from the environment.
//! - `kill_9_during_saves_leaves_the_old_file_or_the_new`: SIGKILL of the desk at many moments
//!   while it saves: the bulletin always parses and is one of the versions it was given.

use crate::common::needs::{self, INSTALL_HINT};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bulletin::api::Form;

use crate::common::smtp::Server;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const NAME: &str = "2021-10-20.yaml";

/// A temporary office folder: `bulletins/` with the example and its publisher.yaml.
fn office() -> tempfile::TempDir {
    crate::common::office::example()
}

/// A running `bulletin desk`, killed when dropped.
pub(crate) struct Desk {
    child: Child,
    /// The first line it printed.
    url: String,
    /// `127.0.0.1:PORT`.
    addr: String,
    token: String,
}

impl Desk {
    pub(crate) fn start(office: &Path, env: &[(&str, &str)]) -> Desk {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        // Its own process group, as a terminal gives it: Ctrl-C reaches it and what it runs.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .args(["desk", "--port", "0", "--no-open"])
            .envs(env.iter().copied())
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .env_remove("BULLETIN_SMTP_TOKEN")
            .current_dir(office)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the bulletin binary runs");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut url = String::new();
        stdout.read_line(&mut url).unwrap();
        // Keep reading, so that the desk never writes into a closed pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        });
        let url = url.trim().to_string();
        let rest = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("the first line is not the address: {url:?}"));
        let (addr, query) = rest.split_once("/?token=").unwrap();
        Desk {
            child,
            addr: addr.to_string(),
            token: query.to_string(),
            url,
        }
    }

    /// Runs what a page's `data-run` button runs (`/api/run`) for bulletin `name` and waits for
    /// it to end: its exit code and output lines.
    pub(crate) fn run_job(&self, what: &str, name: &str) -> (Option<i32>, Vec<String>) {
        let body = format!(r#"{{"what":"{what}","name":"{name}"}}"#);
        self.job("/api/run", &body)
    }

    /// POSTs `body` (JSON) to `path` as the page does, with the cookie, the Origin and the CSRF
    /// token: status, headers and body.
    pub(crate) fn post(&self, path: &str, body: &str) -> (u16, String, String) {
        http(
            &self.addr,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\n{1}x-desk-csrf: {2}\r\nContent-Type: application/json\r\nContent-Length: {3}\r\n\r\n{body}",
                self.addr,
                self.cookie(),
                self.csrf(),
                body.len()
            ),
        )
    }

    /// Starts a job with a POST of `body` to `path` and waits for it to end: its exit code and
    /// output lines.
    pub(crate) fn job(&self, path: &str, body: &str) -> (Option<i32>, Vec<String>) {
        let (status, _, reply) = self.post(path, body);
        assert_eq!(status, 200, "{reply}");
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let id = reply["job"].as_u64().expect("a job id");
        for _ in 0..600 {
            let (_, _, view) = http(
                &self.addr,
                &format!(
                    "GET /api/job/{id} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
                    self.addr,
                    self.cookie()
                ),
            );
            let view: serde_json::Value = serde_json::from_str(&view).unwrap();
            if view["done"] == true {
                let lines = view["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap_or_default().to_string())
                    .collect();
                return (view["code"].as_i64().map(|c| c as i32), lines);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the job did not end within a minute");
    }

    /// A page of the desk, opened with its cookie: status and body.
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = http(
            &self.addr,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
                self.addr,
                self.cookie()
            ),
        );
        (status, body)
    }

    fn cookie(&self) -> String {
        format!("Cookie: bulletin_desk={}\r\n", self.token)
    }

    /// The page's CSRF token, as a page opened with the cookie gets it.
    fn csrf(&self) -> String {
        let (status, _, body) = http(
            &self.addr,
            &format!(
                "GET /write/{NAME} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
                self.addr,
                self.cookie()
            ),
        );
        assert_eq!(status, 200, "{body}");
        let at = body
            .find("name=\"desk-csrf\" content=\"")
            .expect("the page has its CSRF token")
            + 26;
        body[at..at + 32].to_string()
    }

    /// POSTs a save with the given headers added; its status and reply.
    fn save(&self, name: &str, body: &str, headers: &str) -> (u16, String) {
        let (status, _, reply) = http(
            &self.addr,
            &format!(
                "POST /api/save/{name} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                self.addr,
                body.len()
            ),
        );
        (status, reply)
    }

    fn good_headers(&self, csrf: &str) -> String {
        format!(
            "{}Origin: http://{}\r\nX-Desk-CSRF: {csrf}\r\n",
            self.cookie(),
            self.addr
        )
    }
}

impl Desk {
    /// Ctrl-C, as a terminal sends it: SIGINT to the desk and to the send it runs.
    #[cfg(unix)]
    fn interrupt(&mut self) {
        // SAFETY: a signal to the process group this test started.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGINT);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "Ctrl-C ends the desk with code 0: {status}"
                );
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the desk did not stop within 5 s of Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: the process group this test started.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one raw HTTP/1.1 request (with `Connection: close` added): status, headers, body.
fn http(addr: &str, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    write!(stream, "{head}\r\nConnection: close\r\n\r\n{body}").unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// The form of the bulletin at `path`, with its title changed, as the page would send it.
fn save_body(path: &Path, title: &str) -> String {
    let bytes = fs::read(path).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let root = bulletin::api::parse_yaml(path, &text).unwrap();
    let mut form = Form::read(&root);
    form.title = title.to_string();
    serde_json::json!({ "base": bulletin::api::fingerprint(&bytes), "form": form }).to_string()
}

#[test]
fn desk_in_headless_chromium() {
    needs::browser();
    let office = office();
    // "Open the archive website" hands the page to the system's browser: here a script that
    // records what it was given (`$BROWSER`, which the `opener` crate honours).
    let opened = office.path().join("opened.txt");
    let browser = office.path().join("browser");
    fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let desk = Desk::start(office.path(), &[("BROWSER", browser.to_str().unwrap())]);
    let shots = PathBuf::from(ROOT).join("target/desk-shots");
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/desk-check.mjs"))
        .arg("--url")
        .arg(&desk.url)
        .arg("--office")
        .arg(office.path())
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_bulletin"))
        .arg("--shots")
        .arg(&shots)
        .current_dir(Path::new(ROOT).join("tests/browser"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "desk-check.mjs failed:\n{stdout}\n{stderr}"
    );
    let handed = fs::read_to_string(&opened).expect("the browser was run");
    assert!(handed.trim().ends_with("archive/index.html"), "{handed}");
    for step in [
        "byte for byte",
        "exactly one line",
        "check --strict passes",
        "Send is refused",
        "not overwritten",
        "no console error",
    ] {
        assert!(stdout.contains(step), "no step \"{step}\" in:\n{stdout}");
    }
}

#[test]
fn the_first_line_is_the_address_with_its_token() {
    let office = office();
    let one = Desk::start(office.path(), &[]);
    let two = Desk::start(office.path(), &[]);
    for desk in [&one, &two] {
        assert!(desk.addr.starts_with("127.0.0.1:"), "{}", desk.url);
        assert_eq!(desk.token.len(), 32, "{}", desk.url);
        assert!(
            desk.token.bytes().all(|b| b.is_ascii_hexdigit()),
            "{}",
            desk.url
        );
    }
    assert_ne!(one.token, two.token, "each run has its own token");
    // The token in the address becomes an HttpOnly, SameSite=Strict cookie, and leaves the address.
    let (status, head, _) = http(
        &one.addr,
        &format!(
            "GET /?token={} HTTP/1.1\r\nHost: {}\r\n\r\n",
            one.token, one.addr
        ),
    );
    assert_eq!(status, 303, "{head}");
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    for part in ["HttpOnly", "SameSite=Strict", &one.token] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        head.to_ascii_lowercase().contains("location: /\r")
            || head.to_ascii_lowercase().ends_with("location: /"),
        "{head}"
    );
}

#[test]
fn hostile_requests_get_nothing() {
    let office = office();
    let bulletins = office.path().join("bulletins");
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yaml");
    fs::write(&secret, "title: Outside secret\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, bulletins.join("2021-10-27.yaml")).unwrap();
    let password = "sekrit-smtp-password-4711";
    let desk = Desk::start(office.path(), &[("BULLETIN_SMTP_PASSWORD", password)]);
    let path = bulletins.join(NAME);
    let original = fs::read(&path).unwrap();
    let title = "Improving access for patients";
    let host = format!("Host: {}\r\n", desk.addr);

    // No token, a wrong token: no page.
    for request in [
        format!("GET / HTTP/1.1\r\n{host}\r\n"),
        format!("GET /write/{NAME} HTTP/1.1\r\n{host}\r\n"),
        format!("GET /preview/{NAME}/email.html HTTP/1.1\r\n{host}\r\n"),
        format!("GET /write/{NAME}?token=0123456789abcdef0123456789abcdef HTTP/1.1\r\n{host}\r\n"),
        format!(
            "GET /write/{NAME} HTTP/1.1\r\n{host}Cookie: bulletin_desk=0123456789abcdef0123456789abcdef\r\n\r\n"
        ),
    ] {
        let (status, _, body) = http(&desk.addr, &request);
        assert_eq!(status, 403, "{request}");
        assert!(!body.contains(title), "{request} showed the bulletin");
    }
    // Another Host, with the right token (DNS rebinding).
    let port = desk.addr.rsplit(':').next().unwrap();
    for other in [
        format!("rebind.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1:1".to_string(),
    ] {
        let (status, _, body) = http(
            &desk.addr,
            &format!(
                "GET /write/{NAME} HTTP/1.1\r\nHost: {other}\r\n{}\r\n",
                desk.cookie()
            ),
        );
        assert_eq!(status, 403, "Host {other}");
        assert!(!body.contains(title));
    }
    // A change without the same Origin or without the CSRF token: refused, the file untouched.
    let csrf = desk.csrf();
    let body = save_body(&path, "Changed by an attacker");
    let cookie = desk.cookie();
    for headers in [
        format!("{cookie}X-Desk-CSRF: {csrf}\r\n"),
        format!("{cookie}Origin: http://evil.example\r\nX-Desk-CSRF: {csrf}\r\n"),
        format!(
            "{cookie}Origin: http://{}.evil.example\r\nX-Desk-CSRF: {csrf}\r\n",
            desk.addr
        ),
        format!("{cookie}Origin: null\r\nX-Desk-CSRF: {csrf}\r\n"),
        format!("{cookie}Origin: http://{}\r\n", desk.addr),
        format!(
            "{cookie}Origin: http://{}\r\nX-Desk-CSRF: {}\r\n",
            desk.addr,
            "f".repeat(32)
        ),
        format!("Origin: http://{}\r\nX-Desk-CSRF: {csrf}\r\n", desk.addr),
    ] {
        let (status, reply) = desk.save(NAME, &body, &headers);
        assert_eq!(status, 403, "{headers}: {reply}");
    }
    // The other changes: starting an issue, sending, archiving, without the CSRF token.
    for (what, body) in [
        ("/api/new".to_string(), ""),
        (
            format!("/api/send/{NAME}"),
            r#"{"action":"test","to":"a@example.org"}"#,
        ),
        ("/api/run".to_string(), r#"{"what":"report"}"#),
        (format!("/api/preview/{NAME}"), "{}"),
    ] {
        let (status, _, _) = http(
            &desk.addr,
            &format!(
                "POST {what} HTTP/1.1\r\n{host}{cookie}Origin: http://{}\r\nContent-Length: {}\r\n\r\n{body}",
                desk.addr,
                body.len()
            ),
        );
        assert_eq!(status, 403, "POST {what} without the CSRF token");
    }
    assert_eq!(
        fs::read_dir(&bulletins).unwrap().count(),
        3,
        "a refused request wrote a file"
    );
    let (status, _, _) = http(
        &desk.addr,
        &format!("GET /api/save/{NAME} HTTP/1.1\r\n{host}{cookie}\r\n"),
    );
    assert_eq!(status, 405, "a GET changes nothing");
    assert_eq!(
        fs::read(&path).unwrap(),
        original,
        "a refused request changed the file"
    );
    // Names that lead out of the bulletins folder: not found, whatever the request.
    let good = desk.good_headers(&csrf);
    for name in [
        "..%2Fbulletins%2F2021-10-20.yaml",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        "publisher.yaml",
        "2021-10-27.yaml",
        "..",
        "2021-10-20.yaml%00",
    ] {
        let (status, _, page) = http(
            &desk.addr,
            &format!("GET /write/{name} HTTP/1.1\r\n{host}{cookie}\r\n"),
        );
        assert!(
            status == 404 || status == 400,
            "GET /write/{name}: {status}"
        );
        assert!(
            !page.contains("Outside secret") && !page.contains("root:"),
            "{name}"
        );
        let (status, _) = desk.save(name, &save_body(&path, "x"), &good);
        assert!(status == 404 || status == 400, "save {name}: {status}");
    }
    assert_eq!(
        fs::read_to_string(&secret).unwrap(),
        "title: Outside secret\n"
    );
    // The same save, asked for properly, is made: the refusals above were for their reasons.
    let (status, reply) = desk.save(NAME, &body, &good);
    assert_eq!(status, 200, "{reply}");
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("title: Changed by an attacker")
    );
    // No page carries the token or a password.
    for page in [
        "/",
        &format!("/write/{NAME}"),
        &format!("/send/{NAME}"),
        "/archive",
        "/replies",
        "/static/desk.js",
    ] {
        let (status, head, body) = http(
            &desk.addr,
            &format!("GET {page} HTTP/1.1\r\n{host}{cookie}\r\n"),
        );
        assert_eq!(status, 200, "{page}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-security-policy: default-src 'self'"),
            "{page}: {head}"
        );
        assert!(
            !body.contains(&desk.token),
            "{page} carries the access token"
        );
        assert!(!body.contains(password), "{page} carries the password");
    }
}

#[test]
fn kill_9_during_saves_leaves_the_old_file_or_the_new() {
    let office = office();
    let path = office.path().join("bulletins").join(NAME);
    let original = fs::read_to_string(&path).unwrap();
    // The versions the desk is asked to write: the title, and a long text, alternating.
    let long = "A paragraph long enough to take a while to write. ".repeat(2000);
    let versions: Vec<String> = (0..2)
        .map(|i| {
            let root = bulletin::api::parse_yaml(&path, &original).unwrap();
            let mut form = Form::read(&root);
            form.title = format!("Version {i}");
            form.sections[0].body = format!("{i} {long}");
            bulletin::api::rewrite(&original, &root, &form).unwrap()
        })
        .collect();
    let mut changed = 0;
    for round in 0..20u64 {
        let desk = Desk::start(office.path(), &[]);
        let csrf = desk.csrf();
        let headers = desk.good_headers(&csrf);
        let deadline = std::time::Instant::now() + Duration::from_millis(20 + (round * 37) % 150);
        let mut saves = 0;
        while std::time::Instant::now() < deadline {
            let current = fs::read_to_string(&path).unwrap();
            let root = bulletin::api::parse_yaml(&path, &current).unwrap();
            let mut form = Form::read(&root);
            let target = &versions[saves % 2];
            let want = Form::read(&bulletin::api::parse_yaml(&path, target).unwrap());
            form.title = want.title.clone();
            form.sections[0].body = want.sections[0].body.clone();
            let body = serde_json::json!({ "base": bulletin::api::fingerprint(current.as_bytes()), "form": form }).to_string();
            // Send without waiting for the answer half of the time, so the kill lands mid-save.
            if saves % 2 == 0 {
                let mut s = TcpStream::connect(&desk.addr).unwrap();
                let _ = write!(
                    s,
                    "POST /api/save/{NAME} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
                    desk.addr,
                    body.len()
                );
                std::thread::sleep(Duration::from_millis(round % 7));
            } else {
                desk.save(NAME, &body, &headers);
            }
            saves += 1;
        }
        let mut desk = desk;
        desk.child.kill().unwrap();
        desk.child.wait().unwrap();
        let now = fs::read_to_string(&path).unwrap();
        assert!(
            now == original || versions.contains(&now),
            "round {round}: after kill -9 the file is none of the versions ({} bytes)",
            now.len()
        );
        bulletin::api::parse_yaml(&path, &now).expect("the file parses");
        changed += usize::from(now != original);
    }
    assert!(
        changed > 0,
        "no save was ever made: the test proves nothing"
    );
}

/// Runs desk-send-check.mjs on `desk`: its output.
pub(crate) fn on_send_page(desk: &Desk, args: &[&str]) -> String {
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/desk-send-check.mjs"))
        .args(["--url", &desk.url, "--name", NAME])
        .args(args)
        .current_dir(Path::new(ROOT).join("tests/browser"))
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "desk-send-check.mjs {args:?} failed:\n{text}"
    );
    text
}

#[cfg(unix)]
#[test]
fn a_send_from_the_desk_stopped_by_ctrl_c_resumes_and_reaches_everyone_once() {
    needs::browser();
    let office = office();
    let server = Server::start(office.path(), &[]);
    let members: Vec<String> = (0..6).map(|i| format!("member{i}@example.org")).collect();
    let mut recipients = format!(
        "smtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  auth: none\n  rate_per_minute: 60\n  connections: 1\n  retry_wait_seconds: 0\n  timeout_seconds: 10\nlists:\n  all:\n    name: Everyone\n    members:\n",
        server.port
    );
    for m in &members {
        recipients.push_str(&format!("      - {m}\n"));
    }
    fs::write(office.path().join("recipients.yaml"), recipients).unwrap();

    let mut desk = Desk::start(office.path(), &[]);
    // A test copy, marked as one, to one address: nobody is recorded as having had the issue.
    on_send_page(&desk, &["--do", "test", "--to", "reviewer@example.org"]);
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one test copy");
    assert_eq!(messages[0].to, vec!["reviewer@example.org".to_string()]);
    assert!(
        messages[0].data.contains("[TEST]"),
        "the test copy is marked"
    );
    // Who would get it: everyone, nothing sent.
    let dry = on_send_page(&desk, &["--do", "dry-run"]);
    for m in &members {
        assert!(dry.contains(&format!("would send    {m}")), "{dry}");
    }
    assert_eq!(server.messages().len(), 1, "the dry run sent nothing");
    // The send, stopped by Ctrl-C once it is under way.
    let shown = on_send_page(&desk, &["--do", "send", "--until", "progress"]);
    assert!(shown.contains("progress: "), "{shown}");
    desk.interrupt();
    let first = server.counts();
    let sent_first: usize = members
        .iter()
        .map(|m| first.get(m).copied().unwrap_or(0))
        .sum();
    assert!(
        sent_first < members.len(),
        "Ctrl-C came too late to prove anything: {first:?}"
    );
    // A new desk resumes it from the Send page: everyone exactly once.
    let desk = Desk::start(office.path(), &[]);
    let shown = on_send_page(&desk, &["--do", "send", "--until", "done"]);
    assert!(shown.contains("ok: send: Finished."), "{shown}");
    let counts = server.counts();
    for m in &members {
        assert_eq!(counts.get(m), Some(&1), "{m} in {counts:?}\n{shown}");
    }
    assert_eq!(counts.get("reviewer@example.org"), Some(&1));
    // Once sent, no page asks for it to be sent: Home's next step is the archive, the Send page
    // says it went out, and the Write page says changes now are not in the copies people have.
    let (_, home) = desk.get("/");
    assert!(
        home.contains("sent to 6 people, not in the archive yet"),
        "{home}"
    );
    assert!(home.contains("Next: add it to the archive"), "{home}");
    assert!(!home.contains("send a test copy to yourself"), "{home}");
    let (_, send) = desk.get(&format!("/send/{NAME}"));
    assert!(send.contains("” has been sent to 6 people."), "{send}");
    assert!(!send.contains("is ready to send"), "{send}");
    let (_, write) = desk.get(&format!("/write/{NAME}"));
    assert!(write.contains(r#"id="sent-notice""#), "{write}");
    assert!(write.contains("This issue has been sent"), "{write}");
    // Replies: who got each issue, from the journal the send wrote.
    let report = on_send_page(&desk, &["--do", "report"]);
    assert!(report.contains("ok: report: Finished."), "{report}");
    assert!(report.contains("2021-10-20"), "{report}");
}

/// Two requests waiting for a person, and one address already suppressed.
const WAITING: &str = r#"suppressed:
  - address: "kept@example.org"
    since: "2026-11-01"
    why: "hard bounce"
to_confirm:
  - address: "amara.okafor@example.org"
    since: "2026-12-01"
    why: "unsubscribe request"
    evidence:
      message_id: "<a1@example.org>"
      text: "Please take me off this list"
  - address: "sam.jones@example.org"
    since: "2026-12-02"
    why: "complaint"
    evidence:
      message_id: "<b2@example.org>"
      text: "Abuse report"
"#;

#[test]
fn word_document_and_replies_in_headless_chromium() {
    needs::browser();
    let office = office();
    let made = Command::new("python3")
        .arg(Path::new(ROOT).join("tests/import/make_docx.py"))
        .arg("minutes.docx")
        .current_dir(office.path())
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "python-docx could not write the document ({INSTALL_HINT}):\n{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let suppressions = office.path().join("suppressions.yaml");
    fs::write(&suppressions, WAITING).unwrap();
    let desk = Desk::start(office.path(), &[]);
    let shots = PathBuf::from(ROOT).join("target/desk-shots");
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/desk-word.mjs"))
        .arg("--url")
        .arg(&desk.url)
        .arg("--office")
        .arg(office.path())
        .arg("--docx")
        .arg(office.path().join("minutes.docx"))
        .arg("--shots")
        .arg(&shots)
        .current_dir(Path::new(ROOT).join("tests/browser"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "desk-word.mjs failed:\n{stdout}\n{stderr}"
    );
    for step in ["opened in Write", "overwrites nothing", "one click each"] {
        assert!(stdout.contains(step), "no step \"{step}\" in:\n{stdout}");
    }
    // The imported issue is one `bulletin check` reads (its placeholders are its only errors).
    let check = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["check", "bulletins/2021-10-27.yaml"])
        .current_dir(office.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(said.contains("placeholder"), "{said}");
    // Amara suppressed (confirmed by hand), Sam gone from what waits and not suppressed, the
    // address suppressed before kept.
    let after = fs::read_to_string(&suppressions).unwrap();
    let (suppressed, rest) = after.split_once("soft_bounces:").unwrap();
    let (_, waiting) = rest.split_once("to_confirm:").unwrap();
    assert!(suppressed.contains("\"kept@example.org\""), "{after}");
    assert!(
        suppressed.contains("\"amara.okafor@example.org\""),
        "{after}"
    );
    assert!(
        suppressed.contains("\"unsubscribe request (confirmed by hand)\""),
        "{after}"
    );
    assert!(!waiting.contains("address:"), "{after}");
    assert!(!after.contains("sam.jones@example.org"), "{after}");
}

#[test]
fn inbox_dismiss_drops_what_waits_and_suppresses_no_one() {
    let office = office();
    fs::copy(
        Path::new(ROOT).join("recipients.example.yaml"),
        office.path().join("recipients.yaml"),
    )
    .unwrap();
    let suppressions = office.path().join("suppressions.yaml");
    fs::write(&suppressions, WAITING).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .args(args)
            .current_dir(office.path())
            .output()
            .unwrap()
    };
    let out = run(&["inbox", "--dismiss", "Sam.Jones@example.org"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dismissed what waited from sam.jones@example.org: they are still sent the bulletin\n"
    );
    let after = fs::read_to_string(&suppressions).unwrap();
    assert!(!after.contains("sam.jones@example.org"), "{after}");
    assert!(after.contains("amara.okafor@example.org"), "{after}");
    assert!(!after.contains("(confirmed by hand)"), "{after}");
    // Nothing waits from Sam now: refused, nothing changed.
    let again = run(&["inbox", "--dismiss", "sam.jones@example.org"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing from sam.jones@example.org waits"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(fs::read_to_string(&suppressions).unwrap(), after);
}

#[test]
fn a_word_document_needs_the_csrf_token_and_a_size_under_the_limit() {
    let office = office();
    let desk = Desk::start(office.path(), &[]);
    let csrf = desk.csrf();
    let written = office.path().join("bulletins/2021-10-27.yaml");
    let post = |headers: &str, body: &[u8]| {
        let mut stream = TcpStream::connect(&desk.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let head = format!(
            "POST /api/import?date=2021-10-27 HTTP/1.1\r\nHost: {}\r\n{headers}Content-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            desk.addr,
            body.len()
        );
        // The desk may answer and close before all of a too-large body is written.
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        text.split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0)
    };
    // Without the page's CSRF token, or from another site: refused.
    assert_eq!(post(&desk.cookie(), b"PK"), 403);
    let other_site = format!(
        "{}Origin: http://evil.example\r\nX-Desk-CSRF: {csrf}\r\n",
        desk.cookie()
    );
    assert_eq!(post(&other_site, b"PK"), 403);
    // Larger than the limit: refused.
    let big = vec![b'x'; 26 * 1024 * 1024];
    assert_eq!(post(&desk.good_headers(&csrf), &big), 413);
    // Not a Word document: refused with why.
    assert_eq!(post(&desk.good_headers(&csrf), b"just text"), 422);
    assert!(!written.exists());
}

#[test]
fn first_run_sets_up_an_office_in_headless_chromium() {
    needs::browser();
    // Started in a folder that is no office (as a double-click in Downloads is), with a home of
    // its own, where the page proposes Documents/Bulletin.
    let place = tempfile::tempdir().unwrap();
    let (cwd, home) = (place.path().join("Downloads"), place.path().join("home"));
    fs::create_dir_all(&cwd).unwrap();
    fs::create_dir_all(home.join("Documents")).unwrap();
    let home_str = home.to_str().unwrap();
    let desk = Desk::start(&cwd, &[("HOME", home_str), ("USERPROFILE", home_str)]);
    let folder = home.join("Documents/Bulletin");
    let (status, _, page) = http(
        &desk.addr,
        &format!(
            "GET / HTTP/1.1\r\nHost: {}\r\n{}\r\n",
            desk.addr,
            desk.cookie()
        ),
    );
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("value=\"{}\"", folder.display())),
        "the page does not propose {}:\n{page}",
        folder.display()
    );
    // Without the CSRF token, nothing is written.
    let body = format!(
        r#"{{"name":"X","from":"x@example.org","relay":"sendmail","folder":"{}"}}"#,
        folder.display()
    );
    let (status, _, _) = http(
        &desk.addr,
        &format!(
            "POST /api/setup HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\n{1}Content-Type: application/json\r\nContent-Length: {2}\r\n\r\n{body}",
            desk.addr,
            desk.cookie(),
            body.len()
        ),
    );
    assert_eq!(status, 403);
    assert!(
        !folder.exists(),
        "a request without the CSRF token wrote the office"
    );
    let shots = PathBuf::from(ROOT).join("target/desk-shots");
    let out = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/desk-setup.mjs"))
        .arg("--url")
        .arg(&desk.url)
        .arg("--folder")
        .arg(&folder)
        .arg("--shots")
        .arg(&shots)
        .current_dir(Path::new(ROOT).join("tests/browser"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "desk-setup.mjs failed:\n{stdout}\n{stderr}"
    );
    // The office the page made is one the commands accept: its first issue's only errors are
    // the blanks still to fill in.
    let issue = fs::read_dir(folder.join("bulletins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.len() == 15 && n.ends_with(".yaml"))
        .expect("a first issue");
    let check = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["check", &format!("bulletins/{issue}")])
        .current_dir(&folder)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(said.contains("placeholder"), "{said}");
    assert!(
        !said
            .lines()
            .any(|l| l.starts_with("error") && !l.contains("placeholder")),
        "{said}"
    );
}

/// With `approvers` in publisher.yaml: the desk's send goes through `bulletin send`, which
/// refuses the issue until it is approved; a POST without the page's CSRF token approves
/// nothing; "Approve this version" on the Send page records the approval as `bulletin approve`
/// does, and then the send reaches everyone.
#[test]
fn the_desk_sends_only_an_approved_issue_and_approves_it_from_the_send_page() {
    needs::browser();
    let office = office();
    let publisher = office.path().join("bulletins/publisher.yaml");
    let text = fs::read_to_string(&publisher).unwrap();
    fs::write(
        &publisher,
        format!("{text}approvers: [Dr Jane Smith, Sam Jones]\n"),
    )
    .unwrap();
    let server = Server::start(office.path(), &[]);
    fs::write(
        office.path().join("recipients.yaml"),
        format!(
            "smtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  auth: none\n  rate_per_minute: 0\n  retry_wait_seconds: 0\n  timeout_seconds: 10\nlists:\n  all:\n    name: Everyone\n    members:\n      - member0@example.org\n      - member1@example.org\n",
            server.port
        ),
    )
    .unwrap();
    let desk = Desk::start(office.path(), &[]);
    // The page holds the send back, saying why; a request to send anyway is refused by `send`.
    let (_, page) = desk.get(&format!("/send/{NAME}"));
    assert!(
        page.contains(r#"data-send="send" disabled>Send to the list"#),
        "{page}"
    );
    assert!(page.contains(r#"id="wait-approval""#), "{page}");
    let (code, lines) = desk.job(
        &format!("/api/send/{NAME}"),
        r#"{"action":"send","to":"all","mode":""}"#,
    );
    assert_ne!(code, Some(0), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("has not been approved")),
        "{lines:?}"
    );
    assert!(
        server.messages().is_empty(),
        "an issue not approved was sent"
    );
    // Forged from another page: no CSRF token, nothing approved.
    let body = r#"{"by":"Sam Jones"}"#;
    let (status, _, _) = http(
        &desk.addr,
        &format!(
            "POST /api/approve/{NAME} HTTP/1.1\r\nHost: {}\r\n{}Origin: http://{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            desk.addr,
            desk.cookie(),
            desk.addr,
            body.len()
        ),
    );
    assert_eq!(status, 403);
    let approval = office.path().join("bulletins/2021-10-20.approval");
    assert!(!approval.exists());
    let shown = on_send_page(&desk, &["--do", "approve", "--as", "Sam Jones"]);
    assert!(
        shown.contains("before: Not approved yet: Dr Jane Smith or Sam Jones must approve"),
        "{shown}"
    );
    assert!(
        shown.contains("after: Approved by Sam Jones on "),
        "{shown}"
    );
    assert!(
        fs::read_to_string(&approval)
            .unwrap()
            .contains("- by: \"Sam Jones\"")
    );
    let sent = on_send_page(&desk, &["--do", "send", "--until", "done"]);
    assert!(sent.contains("ok: send: Finished."), "{sent}");
    assert_eq!(server.messages().len(), 2);
}
/// Sections for an audience (tests/fixtures/audience/office): the Write page links to each
/// audience's version under its preview, and the preview's email with `?for=LIST` is the version
/// that list's members receive.
#[test]
fn the_write_page_shows_each_audiences_version() {
    let office = tempfile::tempdir().unwrap();
    let bulletins = office.path().join("bulletins");
    fs::create_dir_all(&bulletins).unwrap();
    let fixture = Path::new(ROOT).join("tests/fixtures/audience/office/bulletins");
    for name in [NAME, "publisher.yaml"] {
        fs::copy(fixture.join(name), bulletins.join(name)).unwrap();
    }
    let desk = Desk::start(office.path(), &[]);
    let get = |path: &str| {
        let (status, _, body) = http(
            &desk.addr,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\n{}\r\n",
                desk.addr,
                desk.cookie()
            ),
        );
        (status, body)
    };
    let (status, page) = get(&format!("/write/{NAME}"));
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!(
            r#"<a href="/preview/{NAME}/email.html?for=practice-managers" target="_blank""#
        )),
        "{page}"
    );
    let (status, gps) = get(&format!("/preview/{NAME}/email.html?for=gps"));
    assert_eq!(status, 200);
    assert!(gps.contains("Sessional GP pay rates") && !gps.contains("Practice manager forum"));
    let (_, all) = get(&format!("/preview/{NAME}/email.html"));
    assert!(all.contains("Sessional GP pay rates") && all.contains("Practice manager forum"));
    let (_, text) = get(&format!("/preview/{NAME}/email.txt?for=practice-managers"));
    assert!(text.contains("Practice manager forum") && !text.contains("Sessional GP pay rates"));
    assert_eq!(
        get(&format!("/preview/{NAME}/email.html?for=nobody")).0,
        404
    );
}

/// Merge fields (tests/fixtures/merge/office, people from a CSV): the Write page offers "Show
/// the merge fields as" with the people of the spreadsheet, and the preview with `?as=ADDRESS`
/// is that person's email: their sections, their details filled in (escaped in the HTML). The
/// preview without it shows the fields as written.
#[test]
fn the_preview_shows_the_merge_fields_as_a_chosen_person() {
    let office = crate::common::office::merge_fields();
    let desk = Desk::start(office.path(), &[]);
    let (status, page) = desk.get(&format!("/write/{NAME}"));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(r#"<form id="as-reader""#), "{page}");
    assert!(
        page.contains(r#"<option value="pat.manager@example.org">"#),
        "{page}"
    );
    let (_, as_written) = desk.get(&format!("/preview/{NAME}/email.txt"));
    assert!(
        as_written.contains("{{first_name|colleague}}"),
        "{as_written}"
    );
    let (status, pat) = desk.get(&format!(
        "/preview/{NAME}/email.txt?as=pat.manager%40example.org"
    ));
    assert_eq!(status, 200, "{pat}");
    assert!(pat.contains("Dear Pat,"), "{pat}");
    assert!(pat.contains("Practice manager forum"), "{pat}");
    assert!(!pat.contains("{{"), "{pat}");
    let (_, gill) = desk.get(&format!(
        "/preview/{NAME}/email.html?as=gill.doctor%40example.org"
    ));
    assert!(gill.contains("Dear Gill,"), "{gill}");
    assert!(
        gill.contains("Harbour &lt;Lane&gt; &amp; Co Practice"),
        "{gill}"
    );
    assert!(!gill.contains("Practice manager forum"), "{gill}");
    // Only the bulletins folder's own files: anything else is not found.
    let (status, _) =
        desk.get("/preview/..%2Frecipients.yaml/email.html?as=pat.manager%40example.org");
    assert_eq!(status, 404);
}

/// `auth: password`: the Send page says no password is kept, takes one (only with the desk's
/// CSRF token) into the system's store as `bulletin login` does, never shows it, and a test copy
/// then logs in with it; Forget removes it. The Replies page says when no mailbox is set up.
#[test]
#[cfg(target_os = "linux")] // the kernel keyring, as the other login tests
fn the_send_page_keeps_the_mail_servers_password_and_sending_logs_in_with_it() {
    use crate::common::keyring::{keyctl_read, own_session_keyring};
    own_session_keyring();
    let office = office();
    // Made up for this test and built at run time: no file of the project holds a credential.
    let secret = format!("desk-sample-{}-kept", std::process::id());
    let server = Server::start(
        office.path(),
        &["--auth", &format!("bulletin@example.org:{secret}")],
    );
    fs::write(
        office.path().join("recipients.yaml"),
        format!(
            "smtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  auth: password\n  username: bulletin@example.org\n  rate_per_minute: 0\n  retry_wait_seconds: 0\n  timeout_seconds: 10\nlists:\n  all:\n    members:\n      - member0@example.org\n      - member0@example.org\n",
            server.port
        ),
    )
    .unwrap();
    let description = format!(
        "keyring-rs:password for bulletin@example.org at 127.0.0.1:{}@bulletin",
        server.port
    );
    let desk = Desk::start(office.path(), &[]);
    let (_, page) = desk.get(&format!("/send/{NAME}"));
    assert!(page.contains(r#"id="password-relay""#), "{page}");
    assert!(
        page.contains(
            "No password is kept on this computer yet: sending stops until one is given."
        ),
        "{page}"
    );
    let body = format!(r#"{{"which":"relay","password":"{secret}","back":"/send/{NAME}"}}"#);
    // Without the CSRF token (a page elsewhere posting to the desk): refused, nothing kept.
    let (status, _, _) = http(
        &desk.addr,
        &format!(
            "POST /api/password HTTP/1.1\r\nHost: {0}\r\nOrigin: http://{0}\r\n{1}Content-Type: application/json\r\nContent-Length: {2}\r\n\r\n{body}",
            desk.addr,
            desk.cookie(),
            body.len()
        ),
    );
    assert_eq!(status, 403);
    assert_eq!(keyctl_read(&description), None);
    let (status, headers, _) = desk.post("/api/password", &body);
    assert_eq!(status, 303, "{headers}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains(&format!("location: /send/{NAME}")),
        "{headers}"
    );
    assert_eq!(keyctl_read(&description).as_deref(), Some(secret.as_str()));
    let (_, page) = desk.get(&format!("/send/{NAME}"));
    assert!(
        page.contains("A password is kept on this computer"),
        "{page}"
    );
    assert!(!page.contains(&secret), "the page shows no password");
    // A test copy logs in with it.
    let (code, lines) = desk.job(
        &format!("/api/send/{NAME}"),
        r#"{"action":"test","to":"reviewer@example.org","mode":""}"#,
    );
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(lines.iter().all(|l| !l.contains(&secret)), "{lines:?}");
    // The run's warnings in the desk's words: one line, no line:column or quoted source.
    assert!(
        lines.iter().any(|l| l.starts_with(
            "Check (in recipients.yaml, line 14): member0@example.org is on list “all” twice"
        ) && l.contains(" To fix: ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| !l.contains("-->") && !l.trim_start().starts_with('|')),
        "{lines:?}"
    );
    assert_eq!(server.messages().len(), 1, "{lines:?}");
    // Forget removes it.
    let (status, _, _) = desk.post(
        "/api/password",
        &format!(r#"{{"which":"relay","forget":"yes","back":"/send/{NAME}"}}"#),
    );
    assert_eq!(status, 303);
    assert_eq!(keyctl_read(&description), None);
    // No mailbox is set up: Replies says so and offers no button that reads one.
    let (_, replies) = desk.get("/replies");
    assert!(replies.contains(r#"id="no-mailbox""#), "{replies}");
    assert!(!replies.contains(r#"data-run="inbox""#), "{replies}");
}
