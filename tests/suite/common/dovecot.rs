//! Dovecot on 127.0.0.1 for the IMAP tests (tests/suite/inbox.rs, oauth.rs): its own
//! configuration in a temporary folder, one Maildir, and the login a test asks for (a password
//! for the user `office`, or sign-ins with tokens a test OpenID provider signed). Installed by
//! scripts/install-test-deps.sh. Unix only: Dovecot does not run on Windows.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How Dovecot takes a login.
pub enum Login<'a> {
    /// The user `office` with this password (passwd-file; PLAIN and LOGIN).
    Password(&'a str),
    /// XOAUTH2 and OAUTHBEARER with an access token `issuer` signed, checked locally against
    /// the public keys the provider wrote into `keys` (passdb `oauth2`).
    OAuth2 { issuer: &'a str, keys: &'a Path },
}

pub struct Dovecot {
    child: Child,
    pub port: u16,
    /// Implicit TLS (0 without a certificate).
    pub tls_port: u16,
    maildir: PathBuf,
    dir: tempfile::TempDir,
}

impl Dovecot {
    /// Starts Dovecot taking `login`; with `tls` (certificate, key), STARTTLS on `port` and
    /// implicit TLS on `tls_port`. Returns once it answers on `port`.
    pub fn start(login: Login, tls: Option<(&Path, &Path)>) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let port = free_port();
        let (ssl, tls_port) = match tls {
            Some((cert, key)) => (
                format!(
                    "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                    cert.display(),
                    key.display()
                ),
                free_port(),
            ),
            None => ("ssl = no\n".to_string(), 0),
        };
        let maildir = d.join("Maildir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        std::fs::create_dir_all(d.join("home")).unwrap();
        let (mechanisms, passdb) = match login {
            Login::Password(password) => {
                std::fs::write(d.join("passwd"), format!("office:{{PLAIN}}{password}\n")).unwrap();
                (
                    "plain login",
                    format!(
                        "driver = passwd-file\n  args = scheme=PLAIN username_format=%u {}/passwd",
                        d.display()
                    ),
                )
            }
            Login::OAuth2 { issuer, keys } => {
                std::fs::write(
                    d.join("oauth2.conf.ext"),
                    format!(
                        "introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={}/\nusername_attribute = sub\nissuers = {issuer}\n",
                        keys.display()
                    ),
                )
                .unwrap();
                (
                    "xoauth2 oauthbearer",
                    format!(
                        "driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}/oauth2.conf.ext",
                        d.display()
                    ),
                )
            }
        };
        // Dovecot will not give mail to uid 0: as root, the mail belongs to nobody.
        let root = unsafe { libc::getuid() } == 0;
        let (uid, gid) = if root {
            (65534, 65534)
        } else {
            (unsafe { libc::getuid() }, unsafe { libc::getgid() })
        };
        let users = if root {
            String::new()
        } else {
            let user = std::env::var("USER").unwrap_or_default();
            format!(
                "default_internal_user = {user}\ndefault_login_user = {user}\ndefault_internal_group = {gid}\n"
            )
        };
        let conf = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\nlisten = 127.0.0.1\nprotocols = imap\n{ssl}disable_plaintext_auth = no\nauth_mechanisms = {mechanisms}\nauth_verbose = yes\n{users}passdb {{\n  {passdb}\n}}\nuserdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/home\n}}\nmail_location = maildir:{m}\nservice imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n  }}\n}}\nservice stats {{\n  unix_listener stats-reader {{\n    mode = 0600\n  }}\n  unix_listener stats-writer {{\n    mode = 0600\n  }}\n}}\n",
            d = d.display(),
            m = maildir.display(),
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        let run = |program: &str| {
            Command::new(program)
                .arg("-F")
                .arg("-c")
                .arg(d.join("dovecot.conf"))
                .spawn()
        };
        let child = run("dovecot")
            .or_else(|_| run("/usr/sbin/dovecot"))
            .expect("dovecot (run scripts/install-test-deps.sh)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not start: {}",
                std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Dovecot {
            child,
            port,
            tls_port,
            maildir,
            dir,
        }
    }

    /// Puts a message in the inbox, as a delivery would.
    pub fn deliver(&self, name: &str, bytes: &[u8]) {
        let path = self.maildir.join("new").join(format!("{name}.host"));
        std::fs::write(&path, bytes).unwrap();
        self.own();
    }

    /// Gives the Maildir to the mail user (nobody, when the tests run as root).
    fn own(&self) {
        if unsafe { libc::getuid() } == 0 {
            let root = self.maildir.parent().unwrap();
            std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            for p in walk(root) {
                if p.starts_with(&self.maildir) || p.ends_with("home") {
                    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
                }
            }
        }
    }

    /// What Dovecot logged (logins, and why one was refused).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM, so that the master stops its own processes.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            out.extend(walk(&e.unwrap().path()));
        }
    }
    out
}

/// A port on 127.0.0.1 that nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
