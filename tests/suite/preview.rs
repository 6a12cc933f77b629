//! `bulletin preview` through the real binary, on a copy of the example bulletin in a temporary
//! folder (the browser check edits the bulletin on disk).
//!
//! - `preview_in_headless_chromium` runs `tests/browser/preview-check.mjs` (Node and
//!   playwright-core driving Debian's `/usr/bin/chromium`) against a running preview: the preview
//!   page, its inbox line and its two iframes, every section title as an `<h2>` in order,
//!   screenshots of the email at 1200, 375 and 320 px (no sideways scrolling) and of the preview
//!   page into `target/preview-shots/`, live reload on an edit, the reader's scroll position kept
//!   across saves (in the email and in the plain text), the diagnostics page on an invalid date
//!   and the way back, and no console error, page error or failed request. Then Ctrl-C (SIGINT)
//!   must stop the preview with exit code 0 within 2 s. Without Node, Chromium or
//!   `tests/browser/node_modules` it fails, telling to run `scripts/install-test-deps.sh`.
//! - `preview_serves_the_email_as_sent_and_nothing_else` needs no browser: plain HTTP/1.1 over a
//!   `TcpStream` checks that `/email.html` is byte for byte what `bulletin render` writes, with no
//!   script in it, that `/` carries the reload script, that `/email.txt` and `/email.eml` are
//!   served, that nothing else is (path traversal, the YAML files, `/etc/passwd`), and that the
//!   preview listens on 127.0.0.1 by default and with `--bind 127.0.0.1`.
//! - `a_request_for_another_host_is_refused` (DNS rebinding): raw requests with a foreign `Host`
//!   (or request line) get the 403 page that says why, on every path; 127.0.0.1:PORT,
//!   localhost:PORT and HTTP/1.0 with no Host are served.
//! - `ctrl_c_stops_the_preview_within_2_s_whatever_clients_do`: SIGINT with a client stalled
//!   halfway through its request, a silent one and an open `/events` stream: exit 0 within 2 s.
//! - `the_key_dates_list_follows_the_file_live`: a date added to the bulletin and saved appears
//!   first in the email's Key dates list.
//! - `the_inbox_line_names_the_sender`: publisher.yaml's `from` name on the inbox line, its
//!   address when it has no name, updated when publisher.yaml is saved.
//! - `open_hands_the_url_to_the_systems_browser` runs `--open` with `$BROWSER` (which the
//!   `opener` crate honours on every system) set to a script that records its argument, then to
//!   a program that does not exist: the note says to open the URL by hand.

use crate::common::needs;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const EXAMPLE: &str = "bulletins/2021-10-20.yaml";
const PUBLISHER: &str = "bulletins/publisher.yaml";
/// How long the preview may take to print its URL.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the preview may take to stop on SIGINT, whatever its clients do (issue #9).
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

/// Copies the example bulletin and its publisher.yaml into `dir/bulletins/`: the copy's path.
fn copy_example(dir: &Path) -> PathBuf {
    let bulletins = dir.join("bulletins");
    fs::create_dir_all(&bulletins).unwrap();
    for file in [EXAMPLE, PUBLISHER] {
        let from = Path::new(ROOT).join(file);
        let to = bulletins.join(Path::new(file).file_name().unwrap());
        fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
    bulletins.join(Path::new(EXAMPLE).file_name().unwrap())
}

/// The `<h2>` titles the example's email must show, in order: the Chief Executive's message,
/// then each section's title (the YAML's `  - title: ` lines, quotes stripped).
fn expected_titles(yaml: &str) -> Vec<String> {
    let mut titles = vec!["A message from Dr Brian Balmer".to_string()];
    for line in yaml.lines() {
        if let Some(title) = line.strip_prefix("  - title: ") {
            let title = title.trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| title.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)));
            titles.push(unquoted.unwrap_or(title).to_string());
        }
    }
    assert!(titles.len() > 1, "no `  - title: ` lines in {EXAMPLE}");
    titles
}

/// A running `bulletin preview`, killed when dropped (also when a test panics).
struct Preview {
    child: Child,
    /// The URL it printed: `http://127.0.0.1:PORT/`.
    url: String,
    stderr: PathBuf,
}

impl Preview {
    /// Starts `bulletin preview BULLETIN ARGS...` and waits for its `preview: URL` line.
    fn start(bulletin: &Path, args: &[&str]) -> Preview {
        Preview::start_with(bulletin, args, &[])
    }

    /// The same, with these environment variables set.
    fn start_with(bulletin: &Path, args: &[&str], env: &[(&str, &Path)]) -> Preview {
        let stderr = bulletin.with_file_name(format!(
            "preview-stderr-{}.txt",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut child = Command::new(env!("CARGO_BIN_EXE_bulletin"))
            .arg("preview")
            .arg(bulletin)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(ROOT)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .expect("the bulletin binary runs");
        // Read stdout on a thread, to its end, so that the preview neither blocks on a full pipe
        // nor writes into a closed one (nobody listens after the URL line: sends then fail).
        let (lines, got) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        let mut preview = Preview {
            child,
            url: String::new(),
            stderr,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match got.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("preview: ") {
                        preview.url = url.trim().to_string();
                        break;
                    }
                    seen.push(line);
                }
                Err(e) => panic!(
                    "`bulletin preview {} {}` printed no `preview: URL` line ({e:?}); \
                     its stdout: {seen:?}; its stderr: {}",
                    bulletin.display(),
                    args.join(" "),
                    preview.stderr_text()
                ),
            }
        }
        preview
    }

    fn stderr_text(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// `host:port` from the URL (`http://HOST:PORT/`, perhaps with a query).
    fn addr(&self) -> &str {
        let url = self.url.split('?').next().unwrap_or_default();
        url.strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("not an http://HOST:PORT/ URL: {:?}", self.url))
    }

    /// GET `path` (sent as is, not normalised): (status, body).
    fn get(&self, path: &str) -> (u16, Vec<u8>) {
        http_get(self.addr(), path)
    }

    /// Sends SIGINT (as Ctrl-C does) and waits for the preview to exit, for at most
    /// `STOP_TIMEOUT`.
    fn interrupt(&mut self) -> Option<ExitStatus> {
        let status = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -INT failed: {status}");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET with `Connection: close`: (status, body). Understands both a
/// `Content-Length` and a chunked body.
fn http_get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    http_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `request` as it is over a new connection to `addr` and reads the answer to its end:
/// (status, body).
fn http_request(addr: &str, request: &str) -> (u16, Vec<u8>) {
    let path = request.lines().next().unwrap_or_default();
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("{path}: reading the response: {e}"));
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{path}: no end of headers in {response:?}"));
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    let mut body = response[end + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{path}: bad status line in {head:?}"));
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body);
    } else if let Some(len) = header("content-length") {
        let len: usize = len.parse().unwrap();
        assert!(body.len() >= len, "{path}: body shorter than its length");
        body.truncate(len);
    }
    (status, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = std::str::from_utf8(&data[..eol]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[eol + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[test]
fn preview_in_headless_chromium() {
    needs::browser();
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let original = fs::read_to_string(&bulletin).unwrap();
    let titles_file = dir.path().join("titles.json");
    fs::write(
        &titles_file,
        serde_json::to_string_pretty(&expected_titles(&original)).unwrap(),
    )
    .unwrap();
    let shots = Path::new(ROOT).join("target/preview-shots");
    fs::create_dir_all(&shots).unwrap();

    let mut preview = Preview::start(&bulletin, &["--port", "0"]);
    let out = Command::new("node")
        .arg("tests/browser/preview-check.mjs")
        .arg("--url")
        .arg(&preview.url)
        .arg("--bulletin")
        .arg(&bulletin)
        .arg("--titles-file")
        .arg(&titles_file)
        .arg("--shots")
        .arg(&shots)
        .current_dir(ROOT)
        .stdin(Stdio::null())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser check failed ({}):\n--- stdout\n{stdout}--- stderr\n{stderr}\
         --- the preview's stderr\n{}",
        out.status,
        preview.stderr_text()
    );
    println!("{stdout}");
    assert_eq!(
        fs::read_to_string(&bulletin).unwrap(),
        original,
        "the browser check did not put the bulletin back"
    );

    let status = preview.interrupt();
    assert!(
        status.is_some(),
        "the preview did not stop within {STOP_TIMEOUT:?} of SIGINT"
    );
    assert_eq!(
        status.unwrap().code(),
        Some(0),
        "the preview's exit on SIGINT: {:?}; its stderr: {}",
        status,
        preview.stderr_text()
    );
}

#[test]
fn preview_serves_the_email_as_sent_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let rendered = dir.path().join("rendered");
    let render = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .arg("render")
        .arg(&bulletin)
        .arg("--out")
        .arg(&rendered)
        .current_dir(ROOT)
        .output()
        .expect("the bulletin binary runs");
    assert!(
        render.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&render.stderr)
    );
    let html = fs::read(rendered.join("2021-10-20.html")).unwrap();

    // The default bind address is 127.0.0.1.
    let preview = Preview::start(&bulletin, &["--port", "0"]);
    assert!(
        preview.url.starts_with("http://127.0.0.1:"),
        "the preview's default URL is {:?}, not on 127.0.0.1",
        preview.url
    );

    let (status, page) = preview.get("/");
    let page = String::from_utf8_lossy(&page);
    assert_eq!(status, 200, "GET /: {page}");
    assert!(
        page.contains("EventSource"),
        "the preview page has no EventSource (live reload): {page}"
    );
    assert!(
        page.contains(r#"id="desktop""#),
        "no #desktop iframe: {page}"
    );
    assert!(page.contains(r#"id="phone""#), "no #phone iframe: {page}");

    let (status, email) = preview.get("/email.html");
    assert_eq!(status, 200, "GET /email.html");
    let text = String::from_utf8_lossy(&email);
    assert!(
        !text.contains("<script"),
        "/email.html has a <script>: it must be the email as sent"
    );
    assert!(
        !text.contains("EventSource"),
        "/email.html mentions EventSource: it must be the email as sent"
    );
    assert!(
        email == html,
        "/email.html ({} bytes) differs from what `bulletin render` writes ({} bytes)",
        email.len(),
        html.len()
    );

    let (status, txt) = preview.get("/email.txt");
    assert_eq!(status, 200, "GET /email.txt");
    assert!(
        String::from_utf8_lossy(&txt).contains("Improving access for patients"),
        "/email.txt lacks the title"
    );
    let (status, _) = preview.get("/email.eml");
    assert_eq!(status, 200, "GET /email.eml");

    for path in [
        "/../bulletins/publisher.yaml",
        "/publisher.yaml",
        "/bulletins/2021-10-20.yaml",
        "/2021-10-20.yaml",
        "/etc/passwd",
        "/../../../../etc/passwd",
        "/nope",
    ] {
        let (status, body) = preview.get(path);
        assert_eq!(
            status,
            404,
            "GET {path} must be 404; got {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    drop(preview);

    // An explicit --bind 127.0.0.1 works too.
    let bound = Preview::start(&bulletin, &["--port", "0", "--bind", "127.0.0.1"]);
    assert!(
        bound.url.starts_with("http://127.0.0.1:"),
        "with --bind 127.0.0.1 the URL is {:?}",
        bound.url
    );
    let (status, _) = bound.get("/");
    assert_eq!(status, 200, "GET / with --bind 127.0.0.1");
    let (status, email) = bound.get("/email.html");
    assert_eq!(status, 200);
    assert!(email == html, "/email.html differs with --bind 127.0.0.1");
}

// The recording "browser" is a shell script.
#[cfg(unix)]
#[test]
fn open_hands_the_url_to_the_systems_browser() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser");
    fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&browser, fs::Permissions::from_mode(0o755)).unwrap();
    let preview = Preview::start_with(
        &bulletin,
        &["--port", "0", "--open"],
        &[("BROWSER", &browser)],
    );
    let deadline = Instant::now() + START_TIMEOUT;
    while fs::read_to_string(&opened).map_or(true, |t| !t.ends_with('\n')) {
        assert!(
            Instant::now() < deadline,
            "--open never ran the browser; stderr: {}",
            preview.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        fs::read_to_string(&opened).unwrap(),
        format!("{}\n", preview.url)
    );
    assert!(!preview.stderr_text().contains("could not open"));
    drop(preview);

    let missing = dir.path().join("no-such-browser");
    let preview = Preview::start_with(
        &bulletin,
        &["--port", "0", "--open"],
        &[("BROWSER", &missing)],
    );
    let note = format!(
        "note: could not open a browser; open {} yourself\n",
        preview.url
    );
    let deadline = Instant::now() + START_TIMEOUT;
    while !preview.stderr_text().contains(&note) {
        assert!(
            Instant::now() < deadline,
            "no note saying to open the page by hand; stderr: {}",
            preview.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _) = preview.get("/");
    assert_eq!(status, 200, "the preview serves on without a browser");
}

/// DNS rebinding: a web page whose own name is made to resolve to 127.0.0.1 would send its name
/// in `Host`. Every address, the page's own and the unknown ones alike, must refuse it with a
/// page saying why, and still answer at 127.0.0.1:PORT and localhost:PORT.
#[test]
fn a_request_for_another_host_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let preview = Preview::start(&bulletin, &["--port", "0"]);
    let addr = preview.addr().to_string();
    let port = addr.rsplit_once(':').unwrap().1.to_string();

    let foreign = [
        format!("rebind.example:{port}"),
        "rebind.example".to_string(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.rebind.example:{port}"),
        // The right address with another port is another origin too.
        "127.0.0.1:1".to_string(),
    ];
    for host in &foreign {
        for path in [
            "/",
            "/email.html",
            "/email.txt",
            "/email.eml",
            "/events",
            "/nope",
        ] {
            let (status, body) = http_request(
                &addr,
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            );
            let body = String::from_utf8_lossy(&body);
            assert_eq!(
                status, 403,
                "GET {path} with Host: {host} must be refused (403); got {status}: {body}"
            );
            assert!(
                body.contains("The preview does not answer to this address")
                    && body.contains("DNS rebinding")
                    && body.contains(&format!("This request was for <strong>{host}</strong>"))
                    && body.contains(&format!("http://{addr}/"))
                    && body.contains(&format!("http://localhost:{port}/")),
                "GET {path} with Host: {host}: the refusal does not say why and where to go: {body}"
            );
            assert!(
                !body.contains("Improving access"),
                "the refusal shows the bulletin: {body}"
            );
        }
    }

    // A request line naming another host wins over a right Host header (RFC 9112, 3.2.2).
    let (status, _) = http_request(
        &addr,
        &format!(
            "GET http://rebind.example:{port}/email.html HTTP/1.1\r\nHost: {addr}\r\n\
             Connection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 403, "an absolute request line for another host");
    // HTTP/1.0 with no Host at all is served: a browser always sends one.
    let (status, _) = http_request(&addr, "GET /email.html HTTP/1.0\r\n\r\n");
    assert_eq!(status, 200, "a request that names no host");

    for host in [addr.clone(), format!("localhost:{port}")] {
        let (status, body) = http_request(
            &addr,
            &format!("GET /email.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "GET /email.html with Host: {host}");
        assert!(String::from_utf8_lossy(&body).contains("Improving access"));
    }
}

/// Ctrl-C stops the preview within `STOP_TIMEOUT` (2 s) with the exit code docs/commands.md
/// gives it (0: Ctrl-C is how a preview ends), while one client is stalled halfway through its
/// request, another has connected and said nothing, and a page's /events stream is open.
#[test]
fn ctrl_c_stops_the_preview_within_2_s_whatever_clients_do() {
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let mut preview = Preview::start(&bulletin, &["--port", "0"]);
    let addr = preview.addr().to_string();

    let mut events = TcpStream::connect(&addr).unwrap();
    events
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(events, "GET /events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        events
            .read_exact(&mut byte)
            .expect("the /events stream answers");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "GET /events: {}",
        String::from_utf8_lossy(&head)
    );
    let mut stalled = TcpStream::connect(&addr).unwrap();
    write!(
        stalled,
        "GET /email.html HTTP/1.1\r\nHost: {addr}\r\nUser-Ag"
    )
    .unwrap();
    stalled.flush().unwrap();
    let _silent = TcpStream::connect(&addr).unwrap();
    // A full request answered after them: the server has taken both connections in.
    let (status, _) = preview.get("/email.txt");
    assert_eq!(status, 200);

    let start = Instant::now();
    let status = preview.interrupt();
    let took = start.elapsed();
    assert!(
        status.is_some(),
        "the preview was still running {STOP_TIMEOUT:?} after SIGINT, with a stalled client; \
         its stderr: {}",
        preview.stderr_text()
    );
    assert_eq!(
        status.unwrap().code(),
        Some(0),
        "the preview's exit on SIGINT: {status:?} (docs/commands.md: 0); its stderr: {}",
        preview.stderr_text()
    );
    println!("the preview stopped {took:?} after SIGINT");
    drop(stalled);
}

/// The inbox line names the sender as an inbox does: `from`'s name in publisher.yaml (its
/// address when it has no name), not a placeholder. Saving publisher.yaml updates it.
#[test]
fn the_inbox_line_names_the_sender() {
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let publisher = bulletin.with_file_name("publisher.yaml");
    let original = fs::read_to_string(&publisher).unwrap();
    let with_from = |from: &str| {
        let lines: Vec<String> = original
            .lines()
            .map(|l| match l.starts_with("from: ") {
                true => format!("from: {from}"),
                false => l.to_string(),
            })
            .collect();
        assert!(
            lines.iter().any(|l| l == &format!("from: {from}")),
            "no from: line"
        );
        lines.join("\n") + "\n"
    };
    fs::write(
        &publisher,
        with_from("Mid Essex Sender Test <bulletin@example.org>"),
    )
    .unwrap();
    let preview = Preview::start(&bulletin, &["--port", "0"]);
    let page = || String::from_utf8_lossy(&preview.get("/").1).to_string();
    let first = page();
    assert!(
        first.contains(
            r#"<span id="from" title="bulletin@example.org">Mid Essex Sender Test</span>"#
        ),
        "the inbox line does not name the sender: {first}"
    );
    assert!(!first.contains("From the bulletin"), "{first}");

    fs::write(&publisher, with_from("news@example.org")).unwrap();
    let want = r#"<span id="from" title="news@example.org">news@example.org</span>"#;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = page();
        if now.contains(want) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after publisher.yaml's from became a bare address, the inbox line does not show it: {now}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_key_dates_list_follows_the_file_live() {
    let dir = tempfile::tempdir().unwrap();
    let bulletin = copy_example(dir.path());
    let original = fs::read_to_string(&bulletin).unwrap();
    let preview = Preview::start(&bulletin, &["--port", "0"]);
    let email = || String::from_utf8_lossy(&preview.get("/email.html").1).to_string();
    let what = "Extraordinary LMC meeting on the access plan";
    let first = email();
    assert!(
        first.contains("Key dates"),
        "the example lists its key dates"
    );
    assert!(!first.contains(what));

    // A date added to the first section, as the office would type it, then saved.
    let dated = original.replacen(
        "  - title: Introduction\n",
        &format!(
            "  - title: Introduction\n    dates:\n      - what: {what}\n        date: 2021-10-21\n        time: \"19:30\"\n"
        ),
        1,
    );
    assert_ne!(dated, original, "no Introduction section to add a date to");
    fs::write(&bulletin, dated).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = email();
        // First in the list: the earliest date, under the heading.
        let list = now.split_once("Key dates").map_or("", |(_, l)| l);
        if let Some(at) = list.find(what) {
            assert!(
                list[..at].contains("Thu 21 Oct, 7:30pm") && !list[..at].contains("Thu 4 Nov"),
                "the new date is not first in the list: {list}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "10 s after a date was added and the file saved, the preview does not list it: {now}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A bulletin that is a symbolic link to a file in another folder: an edit of that file (where
/// the link's folder sees nothing change) reloads the preview.
#[cfg(unix)]
#[test]
fn a_bulletin_that_is_a_link_reloads_when_its_target_changes() {
    let dir = tempfile::tempdir().unwrap();
    let real = copy_example(&dir.path().join("elsewhere"));
    let bulletins = dir.path().join("bulletins");
    fs::create_dir_all(&bulletins).unwrap();
    fs::copy(
        Path::new(ROOT).join(PUBLISHER),
        bulletins.join("publisher.yaml"),
    )
    .unwrap();
    let link = bulletins.join("this-week.yaml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let preview = Preview::start(&link, &["--port", "0"]);
    let email = || String::from_utf8_lossy(&preview.get("/email.html").1).to_string();
    let original = fs::read_to_string(&real).unwrap();
    let changed = "Improving access, as changed through the link";
    assert!(!email().contains(changed));
    let edited = original.replacen(
        "title: Improving access for patients and supporting general practice",
        &format!("title: {changed}"),
        1,
    );
    assert_ne!(edited, original);
    fs::write(&real, edited).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !email().contains(changed) {
        assert!(
            Instant::now() < deadline,
            "10 s after the linked file was saved, the preview still shows the old one"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sections for an audience (tests/fixtures/audience/office): the preview shows every section,
/// labelled with whom it is for, a "Show the version for:" line with each audience's version,
/// and `?for=LIST` serves that list's version as its members receive it.
#[test]
fn each_audiences_version_is_shown_with_for() {
    let dir = tempfile::tempdir().unwrap();
    let bulletins = dir.path().join("bulletins");
    fs::create_dir_all(&bulletins).unwrap();
    let fixture = Path::new(ROOT).join("tests/fixtures/audience/office/bulletins");
    for f in ["2021-10-20.yaml", "publisher.yaml"] {
        fs::copy(fixture.join(f), bulletins.join(f)).unwrap();
    }
    let preview = Preview::start(&bulletins.join("2021-10-20.yaml"), &["--port", "0"]);
    let get = |path: &str| {
        let (status, body) = preview.get(path);
        (status, String::from_utf8_lossy(&body).to_string())
    };
    let (status, page) = get("/");
    assert_eq!(status, 200);
    assert!(page.contains(r#"<nav id="audiences""#), "{page}");
    assert!(
        page.contains(r#"<a href="/?for=practice-managers""#),
        "{page}"
    );
    assert!(page.contains(r#"<a href="/?for=""#), "{page}");
    let (_, all) = get("/email.html");
    for title in ["Practice manager forum", "Sessional GP pay rates"] {
        assert!(
            all.contains(title),
            "{title} missing from every section's view"
        );
    }
    assert!(all.contains("For practice-managers"), "{all}");

    let (status, managers) = get("/email.html?for=practice-managers");
    assert_eq!(status, 200);
    assert!(managers.contains("Practice manager forum"));
    assert!(managers.contains("Appraisal support"));
    assert!(!managers.contains("Sessional GP pay rates"));
    assert!(
        !managers.contains("For practice-managers"),
        "a reader's version has no labels"
    );
    let (_, text) = get("/email.txt?for=gps");
    assert!(text.contains("Sessional GP pay rates") && !text.contains("Practice manager forum"));
    let (_, others) = get("/email.txt?for=");
    assert!(others.contains("Flu vaccination claims") && !others.contains("Appraisal support"));
    // The page for one version shows it in its frames and marks it in the selector.
    let (_, page) = get("/?for=gps");
    assert!(page.contains(r#"src="/email.html?for=gps""#), "{page}");
    assert!(page.contains(r#"aria-current="page""#), "{page}");
    assert_eq!(get("/email.html?for=nobody").0, 404);
}

#[test]
fn as_shows_the_email_as_one_person_of_the_spreadsheet_receives_it() {
    let office = crate::common::office::merge_fields();
    let bulletin = office.path().join("bulletins/2021-10-20.yaml");
    let preview = Preview::start(
        &bulletin,
        &["--port", "0", "--as", "pat.manager@example.org"],
    );
    // The address it prints opens the page as Pat.
    let (root, query) = preview.url.split_once('?').expect("a ?as= in the URL");
    assert_eq!(query, "as=pat.manager%40example.org", "{}", preview.url);
    assert!(root.ends_with('/'), "{}", preview.url);
    let get = |path: &str| {
        let (status, body) = preview.get(path);
        (status, String::from_utf8_lossy(&body).to_string())
    };
    let (status, page) = get(&format!("/?{query}"));
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(r#"src="/email.html?as=pat.manager%40example.org""#),
        "{page}"
    );
    assert!(page.contains("Dear Pat,"), "the page's plain text: {page}");
    assert!(page.contains(r#"<p id="as-reader""#), "{page}");
    assert!(
        page.contains(r#"<span id="preheader">This week's news for Tiptree Surgery.</span>"#),
        "the inbox line's preview is Pat's too: {page}"
    );
    let (status, pat) = get("/email.txt?as=pat.manager%40example.org");
    assert_eq!(status, 200, "{pat}");
    assert!(pat.contains("Dear Pat,"), "{pat}");
    assert!(pat.contains("Practice manager forum"), "{pat}");
    assert!(!pat.contains("{{"), "{pat}");
    let (_, gill) = get("/email.html?as=gill.doctor%40example.org");
    assert!(gill.contains("Dear Gill,"), "{gill}");
    assert!(
        gill.contains("Harbour &lt;Lane&gt; &amp; Co Practice"),
        "{gill}"
    );
    assert!(!gill.contains("Practice manager forum"), "{gill}");
    // Without ?as= the merge fields are shown as written.
    let (_, written) = get("/email.txt");
    assert!(written.contains("{{first_name|colleague}}"), "{written}");
    let (status, body) = get("/email.html?as=not%20an%20address");
    assert_eq!(status, 400, "{body}");
    assert!(
        !body.contains("not an address"),
        "the query is not echoed: {body}"
    );
}

#[test]
fn as_someone_not_in_the_spreadsheet_is_said_and_not_an_address_is_refused() {
    let office = crate::common::office::merge_fields();
    let bulletin = office.path().join("bulletins/2021-10-20.yaml");
    let preview = Preview::start(&bulletin, &["--port", "0", "--as", "oli.other@example.org"]);
    let (_, oli) = preview.get("/email.txt?as=oli.other%40example.org");
    let oli = String::from_utf8_lossy(&oli);
    assert!(oli.contains("Dear colleague,"), "{oli}");
    assert!(
        preview.stderr_text().contains(
            "note: oli.other@example.org is not in the office's spreadsheet of people: the merge fields show their fallbacks"
        ),
        "{}",
        preview.stderr_text()
    );
    drop(preview);
    let out = Command::new(env!("CARGO_BIN_EXE_bulletin"))
        .args(["preview", "--port", "0", "--as", "not an address"])
        .arg(&bulletin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--as not an address: not an email address"),
        "{stderr}"
    );
}
