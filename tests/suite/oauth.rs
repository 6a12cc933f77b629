//! `auth: oauth2` through the real binary against servers this project did not write: an
//! OpenID provider (npm's oauth2-mock-server, set up as a tenant by tests/oauth/provider.mjs:
//! PKCE, refresh tokens, one registered app) and an SMTP server (aiosmtpd, tests/smtp/server.py
//! with `--jwt-issuer`) that takes XOAUTH2 only with an access token that provider signed and
//! that has not expired (checked with PyJWT against its keys), and ends a session once its
//! token has expired. `bulletin login --no-open` prints the sign-in address; the test follows it
//! with an HTTP client as a browser would (the provider signs in at once) back to bulletin's
//! loopback address. `bulletin login --device` (RFC 8628) is tested against panva's
//! oidc-provider (tests/oauth/device-provider.mjs), its code typed and the sign-in and consent
//! given on that provider's own pages in headless Chromium (tests/browser/device-sign-in.mjs).
//! The refresh token is kept in the real kernel keyring (keyutils). All installed by
//! scripts/install-test-deps.sh.

use crate::common::needs::text;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

use crate::common::dovecot::{Dovecot, Login};
use crate::common::keyring::{keyctl_read, own_session_keyring};
use crate::common::smtp::Server;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const USER: &str = "bulletin@example.org";
const APP: &str = "bulletin-test-app";

/// The OpenID provider, stopped when dropped (its input closes).
struct Provider {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Provider {
    /// Starts tests/oauth/provider.mjs with its options `args` (`--ttl 4`, ...).
    fn start(args: &[&str]) -> Provider {
        Provider::start_script("tests/oauth/provider.mjs", args)
    }

    /// Starts `script` (tests/oauth/provider.mjs or tests/oauth/device-provider.mjs) with `args`.
    fn start_script(script: &str, args: &[&str]) -> Provider {
        let mut child = Command::new("node")
            .arg(Path::new(ROOT).join(script))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node (run scripts/install-test-deps.sh)");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let port = read_line(&mut stdout)
            .strip_prefix("PORT ")
            .unwrap_or_else(|| {
                panic!("the provider did not start (run scripts/install-test-deps.sh)")
            })
            .parse()
            .unwrap();
        Provider {
            child,
            stdin,
            stdout,
            port,
        }
    }

    /// The issuer, as its tokens name it.
    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Revokes every refresh token it issued, as an administrator revoking sessions would.
    fn revoke(&mut self) {
        writeln!(self.stdin.as_mut().unwrap(), "revoke").unwrap();
        assert_eq!(read_line(&mut self.stdout), "revoked");
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(r: &mut impl BufRead) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line.trim_end().to_string()
}

/// A temporary office: the example bulletin, publisher.yaml and a recipients.yaml.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bulletins")).unwrap();
        for f in ["2021-10-20.yaml", "publisher.yaml"] {
            std::fs::copy(
                Path::new(ROOT).join("bulletins").join(f),
                dir.path().join("bulletins").join(f),
            )
            .unwrap();
        }
        Office { dir }
    }

    /// recipients.yaml: `n` members, the relay on `port` with a sign-in at `issuer` for the app
    /// `client_id`, at `rate` messages a minute.
    fn recipients(&self, port: u16, issuer: &str, client_id: &str, n: usize, rate: u32) {
        let mut y = format!(
            "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  auth: oauth2\n  username: {USER}\n  oauth2:\n    issuer: {issuer}\n    client_id: {client_id}\n    scopes: [https://outlook.office.com/SMTP.Send, offline_access]\n  rate_per_minute: {rate}\n  retries: 2\n  retry_wait_seconds: 0\n  timeout_seconds: 10\nlists:\n  all:\n    members:\n"
        );
        for i in 0..n {
            y.push_str(&format!("      - member{i:04}@example.org\n"));
        }
        std::fs::write(self.dir.path().join("recipients.yaml"), y).unwrap();
    }

    /// The relay this office sends through: aiosmtpd (tests/smtp/server.py) taking XOAUTH2
    /// only with a token `provider` signed for `user`, with `extra` options of its own.
    fn relay(&self, provider: &Provider, user: &str, extra: &[&str]) -> Server {
        let issuer = provider.issuer();
        let mut args = vec!["--jwt-issuer", issuer.as_str(), "--jwt-user", user];
        args.extend_from_slice(extra);
        Server::start(self.dir.path(), &args)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bulletin"));
        c.current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .env_remove("BULLETIN_SMTP_PASSWORD")
            .env_remove("BULLETIN_SMTP_TOKEN");
        c
    }

    fn send(&self) -> Output {
        self.command(&[
            "send",
            "bulletins/2021-10-20.yaml",
            "--list",
            "all",
            "--yes",
        ])
        .output()
        .unwrap()
    }

    /// `bulletin login --no-open`, its sign-in address followed as a browser would: the
    /// address printed, and the command's output.
    fn sign_in(&self, provider: &Provider) -> (String, Output) {
        self.sign_in_with(provider, &[])
    }

    /// [`Office::sign_in`] with more arguments to `login` (`--mailbox`).
    fn sign_in_with(&self, provider: &Provider, extra: &[&str]) -> (String, Output) {
        let mut args = vec!["login", "--no-open"];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let authorize = format!("{}/authorize?", provider.issuer());
        let mut before = String::new();
        let address = loop {
            let line = read_line(&mut out);
            assert!(!line.is_empty(), "no sign-in address; printed:\n{before}");
            if line.starts_with(&authorize) {
                break line;
            }
            before.push_str(&line);
            before.push('\n');
        };
        follow(&address);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        let mut output = child.wait_with_output().unwrap();
        output.stdout = format!("{before}{address}\n{rest}").into_bytes();
        (address, output)
    }
}

/// Follows `address` and its redirects as a browser would; the last page's status.
fn follow(address: &str) -> u16 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let page = reqwest::get(address)
                .await
                .expect("the sign-in address answers");
            page.status().as_u16()
        })
}

/// The keyring's name for the sign-in kept for `issuer`.
fn entry(issuer: &str) -> String {
    format!("keyring-rs:OAuth2 sign-in for {USER} at {issuer}/@bulletin")
}

/// The SMTP server's log of XOAUTH2 logins: whether each was taken, and its token's hash.
fn logins(path: &Path) -> Vec<(bool, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["ok"].as_bool().unwrap(),
                v["token"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sign_in_then_a_send_that_outlives_its_tokens_renews_them_and_delivers_everything() {
    own_session_keyring();
    // Access tokens of 4 seconds; 10 messages at 60 a minute take about 9 seconds.
    let provider = Provider::start(&["--client-id", APP, "--ttl", "4"]);
    let office = Office::new();
    let log = office.dir.path().join("logins.jsonl");
    let relay = office.relay(
        &provider,
        USER,
        &["--logins", log.to_str().unwrap(), "--no-pipelining"],
    );
    office.recipients(relay.port, &provider.issuer(), APP, 10, 60);

    // Not signed in yet: `send` says how to.
    let before = office.send();
    assert_eq!(before.status.code(), Some(1), "{}", text(&before));
    assert!(
        String::from_utf8_lossy(&before.stderr)
            .contains("has not signed in on this computer: run `bulletin login`"),
        "{}",
        text(&before)
    );

    let (address, login) = office.sign_in(&provider);
    assert!(login.status.success(), "{}", text(&login));
    let query: Vec<(String, String)> = url::Url::parse(&address)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("client_id"), Some(APP));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("code_challenge").map(str::len), Some(43));
    assert!(get("state").is_some_and(|s| s.len() >= 32));
    assert!(
        get("redirect_uri").is_some_and(|r| r.starts_with("http://localhost:")),
        "{address}"
    );
    let refresh = keyctl_read(&entry(&provider.issuer())).expect("the sign-in is kept");
    assert!(!text(&login).contains(&refresh), "{}", text(&login));
    assert!(
        String::from_utf8_lossy(&login.stdout).contains(&format!(
            "signed in as {USER} at {}/; the sign-in is kept in the Linux kernel keyring (keyutils)",
            provider.issuer()
        )),
        "{}",
        text(&login)
    );

    let sent = office.send();
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(!text(&sent).contains(&refresh));
    each_once(&relay, 10, &sent);
    let logins = logins(&log);
    // Every login was taken: each token was renewed before it expired, never after a refusal.
    assert!(logins.iter().all(|(ok, _)| *ok), "{logins:?}");
    let tokens: std::collections::HashSet<_> = logins.iter().map(|(_, t)| t).collect();
    // The relay ended each session once its token expired (about every 4 s of 9 s): each new
    // session logged in with a new token. Usually three; two when a loaded machine starts the
    // send late into the first token's life (a CI run here), which still shows the renewal.
    assert!(tokens.len() >= 2, "{logins:?}");
    assert_eq!(tokens.len(), logins.len(), "{logins:?}");

    logs_out(&office, &provider);
}

/// A relay whose clock runs ahead of the provider's refuses a token bulletin still holds as
/// valid: the token is renewed and the login tried again, and nobody's message fails for it.
#[test]
fn a_token_the_relay_refuses_is_renewed_once_and_the_login_tried_again() {
    own_session_keyring();
    let provider = Provider::start(&["--client-id", APP, "--ttl", "6"]);
    let office = Office::new();
    let log = office.dir.path().join("logins.jsonl");
    // Tokens of 6 s expire 3 s early to the relay; bulletin renews them 1.5 s early.
    let relay = office.relay(
        &provider,
        USER,
        &[
            "--logins",
            log.to_str().unwrap(),
            "--clock-ahead",
            "3",
            "--no-pipelining",
        ],
    );
    office.recipients(relay.port, &provider.issuer(), APP, 8, 60);
    let (_, login) = office.sign_in(&provider);
    assert!(login.status.success(), "{}", text(&login));
    let sent = office.send();
    assert!(sent.status.success(), "{}\n{:?}", text(&sent), logins(&log));
    assert_eq!(relay.counts().len(), 8, "{}", text(&sent));
    assert!(!String::from_utf8_lossy(&sent.stdout).contains("failed                          1"));
    let logins = logins(&log);
    // At least one token was refused, and each refusal was followed by a login with a new token
    // that was taken.
    let refused: Vec<usize> = (0..logins.len()).filter(|&i| !logins[i].0).collect();
    assert!(!refused.is_empty(), "{logins:?}");
    for i in refused {
        let next = logins.get(i + 1).unwrap_or_else(|| panic!("{logins:?}"));
        assert!(next.0 && next.1 != logins[i].1, "{logins:?}");
    }
    let _ = office.command(&["logout"]).output();
}

#[test]
fn a_revoked_sign_in_and_a_wrong_app_say_what_to_do() {
    own_session_keyring();
    let mut provider = Provider::start(&["--client-id", APP]);
    let office = Office::new();
    let relay = office.relay(&provider, USER, &[]);

    // An app the provider does not know: the sign-in is refused, and IT must check it.
    office.recipients(relay.port, &provider.issuer(), "not-registered", 2, 0);
    let (_, wrong) = office.sign_in(&provider);
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("refused the sign-in: unauthorized_client (AADSTS700016:")
            && stderr.contains("help: the sign-in service does not know the app not-registered"),
        "{}",
        text(&wrong)
    );

    // Signed in with the right app, which is then changed in the file: renewing is refused.
    office.recipients(relay.port, &provider.issuer(), APP, 2, 0);
    let (_, login) = office.sign_in(&provider);
    assert!(login.status.success(), "{}", text(&login));
    office.recipients(relay.port, &provider.issuer(), "not-registered", 2, 0);
    let sent = office.send();
    assert_eq!(sent.status.code(), Some(1), "{}", text(&sent));
    assert!(
        String::from_utf8_lossy(&sent.stderr)
            .contains("refused renewing the sign-in: invalid_client"),
        "{}",
        text(&sent)
    );
    assert!(relay.messages().is_empty());

    // The sign-in revoked: `send` stops before anything and says to sign in again.
    office.recipients(relay.port, &provider.issuer(), APP, 2, 0);
    provider.revoke();
    let revoked = office.send();
    assert_eq!(revoked.status.code(), Some(1), "{}", text(&revoked));
    assert_eq!(
        String::from_utf8_lossy(&revoked.stderr),
        format!(
            "error: the sign-in service {}/ refused renewing the sign-in: invalid_grant (AADSTS50173: The provided grant has expired due to it being revoked.)\n  help: the sign-in kept on this computer is no longer valid (it was revoked, expired, or the password changed): sign in again with `bulletin login`\n",
            provider.issuer()
        )
    );
    assert!(relay.messages().is_empty());

    // Signing in again mends it.
    let (_, again) = office.sign_in(&provider);
    assert!(again.status.success(), "{}", text(&again));
    let sent = office.send();
    assert!(sent.status.success(), "{}", text(&sent));
    assert_eq!(relay.counts().len(), 2);
    let _ = office.command(&["logout"]).output();
}

/// `--device` asks the provider's discovery document for RFC 8628's endpoint; this provider
/// has none, and `login` says to sign in in a browser instead.
#[test]
fn device_sign_in_where_the_provider_has_none_says_to_use_the_browser() {
    let provider = Provider::start(&["--client-id", APP]);
    let office = Office::new();
    office.recipients(25, &provider.issuer(), APP, 1, 0);
    let out = office.command(&["login", "--device"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}/ does not offer sign-in with a code on another device\n  help: sign in in a browser: run `bulletin login` without `--device`\n",
            provider.issuer()
        )
    );
}

#[test]
fn consent_not_given_says_to_ask_it_for_admin_consent() {
    own_session_keyring();
    let provider = Provider::start(&["--client-id", APP, "--consent-required"]);
    let office = Office::new();
    office.recipients(25, &provider.issuer(), APP, 1, 0);
    let (_, login) = office.sign_in(&provider);
    assert_eq!(login.status.code(), Some(1), "{}", text(&login));
    let stderr = String::from_utf8_lossy(&login.stderr);
    assert!(
        stderr.contains("refused the sign-in: consent_required (AADSTS65001:")
            && stderr.contains(&format!("help: your organisation has not yet allowed bulletin (app {APP}) to send for you: ask your IT team to give admin consent")),
        "{}",
        text(&login)
    );
    assert_eq!(keyctl_read(&entry(&provider.issuer())), None);
}

#[test]
fn inbox_signs_in_to_dovecot_with_the_mailbox_sign_in() {
    own_session_keyring();
    let keys = tempfile::tempdir().unwrap();
    let mut provider = Provider::start(&[
        "--client-id",
        APP,
        "--subject",
        "office",
        "--pem-dir",
        keys.path().to_str().unwrap(),
    ]);
    let imap = Dovecot::start(
        Login::OAuth2 {
            issuer: &provider.issuer(),
            keys: keys.path(),
        },
        None,
    );
    let office = Office::new();
    office.recipients(25, &provider.issuer(), APP, 1, 0);
    let path = office.dir.path().join("recipients.yaml");
    let mut y = std::fs::read_to_string(&path).unwrap();
    y.push_str(&format!(
        "mailbox:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  username: office\n  auth: oauth2\n  oauth2:\n    issuer: {}\n    client_id: {APP}\n    scopes: [https://outlook.office.com/IMAP.AccessAsUser.All, offline_access]\n",
        imap.port,
        provider.issuer()
    ));
    std::fs::write(&path, y).unwrap();
    imap.deliver(
        "1",
        b"From: someone@example.org\r\nTo: office@example.org\r\nSubject: hello\r\nMessage-ID: <1@example.org>\r\n\r\nHello.\r\n",
    );

    let (address, login) = office.sign_in_with(&provider, &["--mailbox"]);
    assert!(login.status.success(), "{}", text(&login));
    // The mailbox's scopes only: the relay signs in another user (bulletin@example.org).
    assert!(address.contains("IMAP.AccessAsUser.All"), "{address}");
    assert!(!address.contains("SMTP.Send"), "{address}");

    let read = office.command(&["inbox"]).output().unwrap();
    assert!(read.status.success(), "{}\n{}", text(&read), imap.log());
    assert!(
        String::from_utf8_lossy(&read.stdout).contains("1 message read:"),
        "{}",
        text(&read)
    );
    assert!(
        imap.log().contains("Login: user=<office>, method=XOAUTH2"),
        "{}",
        imap.log()
    );

    // Revoked: `inbox` says to sign in again, for the mailbox.
    provider.revoke();
    let revoked = office.command(&["inbox"]).output().unwrap();
    assert_eq!(revoked.status.code(), Some(1), "{}", text(&revoked));
    assert!(
        String::from_utf8_lossy(&revoked.stderr)
            .contains("help: the sign-in kept on this computer is no longer valid (it was revoked, expired, or the password changed): sign in again with `bulletin login --mailbox`"),
        "{}",
        text(&revoked)
    );
    let _ = office.command(&["logout", "--mailbox"]).output();
}

/// The relay and the mailbox sign in the same person with the same app: one `bulletin login`
/// asks for both scopes, and both `send` and `inbox` use that one sign-in.
#[test]
fn one_sign_in_serves_send_and_inbox_for_the_same_mailbox() {
    own_session_keyring();
    let keys = tempfile::tempdir().unwrap();
    let provider = Provider::start(&[
        "--client-id",
        APP,
        "--subject",
        "office",
        "--pem-dir",
        keys.path().to_str().unwrap(),
    ]);
    let imap = Dovecot::start(
        Login::OAuth2 {
            issuer: &provider.issuer(),
            keys: keys.path(),
        },
        None,
    );
    let office = Office::new();
    let relay = office.relay(&provider, "office", &[]);
    office.recipients(relay.port, &provider.issuer(), APP, 2, 0);
    let path = office.dir.path().join("recipients.yaml");
    let mut y = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&format!("username: {USER}"), "username: office");
    y.push_str(&format!(
        "mailbox:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  username: office\n  auth: oauth2\n  oauth2:\n    issuer: {}\n    client_id: {APP}\n    scopes: [https://outlook.office.com/IMAP.AccessAsUser.All, offline_access]\n",
        imap.port,
        provider.issuer()
    ));
    std::fs::write(&path, y).unwrap();
    imap.deliver(
        "1",
        b"From: someone@example.org\r\nTo: office@example.org\r\nSubject: hello\r\nMessage-ID: <2@example.org>\r\n\r\nHello.\r\n",
    );

    let (address, login) = office.sign_in(&provider);
    assert!(login.status.success(), "{}", text(&login));
    let scope = url::Url::parse(&address)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        scope.as_deref(),
        Some(
            "https://outlook.office.com/SMTP.Send offline_access https://outlook.office.com/IMAP.AccessAsUser.All"
        )
    );
    let sent = office.send();
    assert!(sent.status.success(), "{}", text(&sent));
    assert_eq!(relay.counts().len(), 2);
    let read = office.command(&["inbox"]).output().unwrap();
    assert!(read.status.success(), "{}\n{}", text(&read), imap.log());
    assert!(
        String::from_utf8_lossy(&read.stdout).contains("1 message read:"),
        "{}",
        text(&read)
    );
    let _ = office.command(&["logout"]).output();
}

/// The desk's Send page signs in as `bulletin login` does, in Chromium: "Sign in to send" shows
/// a link to the provider's page, which (signed in at once, as the test provider does) hands
/// the answer back to bulletin's address on this computer; the page then says it is signed in,
/// and a send goes through with that sign-in. Nothing of the sign-in is shown on the page.
#[test]
fn the_desk_signs_in_from_the_send_page_in_headless_chromium() {
    crate::common::needs::browser();
    own_session_keyring();
    let provider = Provider::start(&["--client-id", APP]);
    let office = Office::new();
    let relay = office.relay(&provider, USER, &[]);
    office.recipients(relay.port, &provider.issuer(), APP, 3, 0);
    let desk = crate::desk::Desk::start(office.dir.path(), &[]);
    let shown = crate::desk::on_send_page(&desk, &["--do", "sign-in"]);
    assert!(
        shown.contains(&format!(
            "before: Not signed in as {USER} on this computer yet."
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("link: {}/authorize?", provider.issuer())),
        "{shown}"
    );
    assert!(shown.contains("ok: sign-in: Finished."), "{shown}");
    assert!(
        shown.contains(&format!("after: Signed in as {USER} on this computer.")),
        "{shown}"
    );
    let refresh = keyctl_read(&entry(&provider.issuer())).expect("the sign-in is kept");
    assert!(!shown.contains(&refresh), "{shown}");
    let sent = office.send();
    assert!(sent.status.success(), "{}", text(&sent));
    assert_eq!(relay.messages().len(), 3);
}

/// The relay took one message for each of `n` people from the send that printed `sent`.
fn each_once(relay: &Server, n: usize, sent: &Output) {
    let counts = relay.counts();
    assert_eq!(counts.len(), n, "{counts:?}\n{}", text(sent));
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

/// `bulletin logout` forgets the sign-in with `provider`.
fn logs_out(office: &Office, provider: &Provider) {
    let logout = office.command(&["logout"]).output().unwrap();
    assert!(logout.status.success(), "{}", text(&logout));
    assert_eq!(keyctl_read(&entry(&provider.issuer())), None);
}

/// `bulletin login --device`, its code typed by tests/browser/device-sign-in.mjs in headless
/// Chromium as a person on another device would, with its options `browser` (`--deny`): the
/// line that said where to go and what to type, and the command's output.
fn device_sign_in(office: &Office, browser: &[&str]) -> (String, Output) {
    crate::common::needs::browser();
    let mut child = office
        .command(&["login", "--device"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let said = read_line(&mut out);
    let (uri, code) = said
        .strip_prefix("To sign in, open ")
        .and_then(|rest| rest.split_once(" on any device and enter the code "))
        .unwrap_or_else(|| panic!("no address and code; printed: {said}"));
    let typed = Command::new("node")
        .arg(Path::new(ROOT).join("tests/browser/device-sign-in.mjs"))
        .args(["--uri", uri, "--code", code, "--login", USER])
        .args(browser)
        .current_dir(Path::new(ROOT).join("tests/browser"))
        .output()
        .expect("node runs");
    assert!(
        typed.status.success(),
        "device-sign-in.mjs: {}",
        text(&typed)
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let mut output = child.wait_with_output().unwrap();
    output.stdout = format!("{said}\n{rest}").into_bytes();
    (said, output)
}

/// `login --device` against a provider that has RFC 8628's device flow: oidc-provider
/// (tests/oauth/device-provider.mjs), its code typed, the person signed in and the app allowed
/// on the provider's own pages in headless Chromium. The refresh token is kept, and a send
/// delivers with the access tokens it renews: JWTs the relay checks against that provider's keys.
#[test]
fn device_sign_in_with_the_code_typed_in_a_browser_then_a_send_delivers() {
    own_session_keyring();
    let provider = Provider::start_script("tests/oauth/device-provider.mjs", &["--client-id", APP]);
    let office = Office::new();
    let log = office.dir.path().join("logins.jsonl");
    let relay = office.relay(&provider, USER, &["--logins", log.to_str().unwrap()]);
    office.recipients(relay.port, &provider.issuer(), APP, 3, 0);

    let (said, login) = device_sign_in(&office, &[]);
    assert!(login.status.success(), "{}", text(&login));
    let code = said
        .strip_prefix(&format!(
            "To sign in, open {}/device on any device and enter the code ",
            provider.issuer()
        ))
        .unwrap_or_else(|| panic!("{said}"));
    // oidc-provider's codes: eight letters in two fours.
    assert!(
        code.len() == 9
            && code.chars().enumerate().all(|(i, c)| if i == 4 {
                c == '-'
            } else {
                c.is_ascii_uppercase()
            }),
        "{said}"
    );
    assert_eq!(
        String::from_utf8_lossy(&login.stdout),
        format!(
            "{said}\nWaiting for the sign-in to finish (Ctrl-C stops)...\nsigned in as {USER} at {}/; the sign-in is kept in the Linux kernel keyring (keyutils)\n`bulletin send` (and `bulletin inbox` where it signs in the same way) uses it from now on; `bulletin logout` removes it\n",
            provider.issuer()
        )
    );
    let refresh = keyctl_read(&entry(&provider.issuer())).expect("the sign-in is kept");
    assert!(!text(&login).contains(&refresh), "{}", text(&login));

    let sent = office.send();
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(!text(&sent).contains(&refresh));
    each_once(&relay, 3, &sent);
    let logins = logins(&log);
    assert!(
        !logins.is_empty() && logins.iter().all(|(ok, _)| *ok),
        "{logins:?}"
    );
    // oidc-provider gives a public app a new refresh token with each renewal: the new one is kept.
    let kept = keyctl_read(&entry(&provider.issuer())).expect("the sign-in is still kept");
    assert_ne!(kept, refresh);

    logs_out(&office, &provider);
}

/// `login --device` when the person cancels on the provider's consent page, and when nobody
/// enters the code before it expires (codes of 5 seconds): each says what happened and what to
/// run, and nothing is kept.
#[test]
fn device_sign_in_declined_or_not_finished_in_time_keeps_nothing() {
    own_session_keyring();
    let provider = Provider::start_script("tests/oauth/device-provider.mjs", &["--client-id", APP]);
    let office = Office::new();
    office.recipients(25, &provider.issuer(), APP, 1, 0);
    let (_, declined) = device_sign_in(&office, &["--deny"]);
    assert_eq!(declined.status.code(), Some(1), "{}", text(&declined));
    assert_eq!(
        String::from_utf8_lossy(&declined.stderr),
        format!(
            "error: the sign-in service {}/ refused the sign-in: access_denied (End-User aborted interaction)\n  help: the sign-in was declined in the browser: run `bulletin login --device` again and accept\n",
            provider.issuer()
        )
    );
    assert_eq!(keyctl_read(&entry(&provider.issuer())), None);

    let provider = Provider::start_script(
        "tests/oauth/device-provider.mjs",
        &["--client-id", APP, "--code-ttl", "5"],
    );
    office.recipients(25, &provider.issuer(), APP, 1, 0);
    let expired = office.command(&["login", "--device"]).output().unwrap();
    assert_eq!(expired.status.code(), Some(1), "{}", text(&expired));
    assert!(
        String::from_utf8_lossy(&expired.stdout).starts_with(&format!(
            "To sign in, open {}/device on any device and enter the code ",
            provider.issuer()
        )),
        "{}",
        text(&expired)
    );
    assert_eq!(
        String::from_utf8_lossy(&expired.stderr),
        "error: the code expired before the sign-in was finished on the other device\n  help: run `bulletin login --device` again, and enter the new code it prints within 5 seconds\n"
    );
    assert_eq!(keyctl_read(&entry(&provider.issuer())), None);
}
