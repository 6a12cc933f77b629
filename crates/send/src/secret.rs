//! The relay's password or OAuth2 token, and the reply mailbox's password, from wherever the
//! office keeps them. `send` looks in this order (and `inbox` likewise for the mailbox, with
//! `BULLETIN_IMAP_PASSWORD` and `bulletin login --mailbox`): the environment variable (`BULLETIN_SMTP_PASSWORD`, or `BULLETIN_SMTP_TOKEN` for
//! `auth: xoauth2`), then the program that `secret_command` names, then the system's own secret
//! store, where `bulletin login` keeps it: the Windows Credential Manager, the macOS Keychain or
//! the Linux kernel keyring (keyutils), through the `keyring` crate.
//!
//! The secret is only ever handed back to the caller: it is never printed, logged or written to
//! a file, and no message here quotes it or what `secret_command` printed.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::input::recipients::{
    Auth, CommandLine, IMAP_PASSWORD_ENV, Imap, OAuth2, PASSWORD_ENV, SecretCommand, Smtp,
    TOKEN_ENV,
};
use crate::oauth::token::Tokens;

/// The service every entry of this program in the system's store is filed under.
pub(crate) const SERVICE: &str = "bulletin";

/// The system's store, as its users know it.
pub const STORE: &str = if cfg!(windows) {
    "the Windows Credential Manager"
} else if cfg!(target_os = "macos") {
    "the macOS Keychain"
} else if cfg!(target_os = "linux") {
    "the Linux kernel keyring (keyutils)"
} else {
    "this system's secret store"
};

/// Whether `keyring` has a real store here (elsewhere it would only keep entries in memory).
const HAS_STORE: bool = cfg!(any(windows, target_os = "macos", target_os = "linux"));

/// What the relay's login needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `auth: password`
    Password,
    /// `auth: xoauth2`
    Token,
    /// The reply mailbox's (IMAP, `mailbox:`), read by `inbox`.
    Mailbox,
    /// `auth: oauth2`: the refresh token `bulletin login` got by signing in, kept per
    /// username and issuer (so the relay and the mailbox may share one sign-in).
    SignIn,
}

impl Kind {
    /// The environment variable that gives it.
    pub fn env(self) -> &'static str {
        match self {
            Kind::Password => PASSWORD_ENV,
            Kind::Token => TOKEN_ENV,
            Kind::Mailbox => IMAP_PASSWORD_ENV,
            // Never read for a sign-in: only `bulletin login` gives one.
            Kind::SignIn => TOKEN_ENV,
        }
    }

    /// The command that stores it.
    pub fn login(self) -> &'static str {
        match self {
            Kind::Password | Kind::Token | Kind::SignIn => "bulletin login",
            Kind::Mailbox => "bulletin login --mailbox",
        }
    }

    /// The command that uses it.
    pub fn user(self) -> &'static str {
        match self {
            Kind::Password | Kind::Token | Kind::SignIn => "bulletin send",
            Kind::Mailbox => "bulletin inbox",
        }
    }

    /// The page that explains where it can come from.
    fn doc(self) -> &'static str {
        match self {
            Kind::Password | Kind::Token | Kind::SignIn => "docs/send.md",
            Kind::Mailbox => "docs/inbox.md",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Password => "password",
            Kind::Token => "OAuth2 token",
            Kind::Mailbox => "mailbox password",
            Kind::SignIn => "OAuth2 sign-in",
        })
    }
}

/// One login on one relay (or mailbox server): whose secret it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub kind: Kind,
    pub username: String,
    /// `smtp.example.org:587` (or the mailbox server, `imap.example.org:993`)
    pub relay: String,
}

impl Account {
    /// The login that `smtp` needs; `None` for `auth: none`.
    pub fn of(smtp: &Smtp) -> Option<Account> {
        let kind = match smtp.auth {
            Auth::Password => Kind::Password,
            Auth::Xoauth2 => Kind::Token,
            Auth::OAuth2 => {
                let settings = smtp.oauth2.as_deref()?;
                let user = smtp.username.as_deref().unwrap_or_default();
                return Some(Account::sign_in(user, settings));
            }
            Auth::None => return None,
        };
        Some(Account {
            kind,
            username: smtp.username.clone().unwrap_or_default(),
            relay: smtp.describe(),
        })
    }

    /// The sign-in of `username` with the provider of `settings` (`auth: oauth2`).
    pub fn sign_in(username: &str, settings: &OAuth2) -> Account {
        Account {
            kind: Kind::SignIn,
            username: username.to_string(),
            relay: settings.issuer.to_string(),
        }
    }

    /// The login that the reply mailbox `imap` needs.
    pub fn of_mailbox(imap: &Imap) -> Account {
        if let Some(settings) = &imap.oauth2 {
            return Account::sign_in(&imap.username, settings);
        }
        Account {
            kind: Kind::Mailbox,
            username: imap.username.clone(),
            relay: imap.describe(),
        }
    }

    /// The entry's user name in the store, under the service [`SERVICE`]:
    /// `password for bulletin@example.org at smtp.example.org:587`. A password and a token are
    /// kept apart, so that changing `auth` never sends one as the other.
    pub(crate) fn entry_name(&self) -> String {
        format!("{} for {self}", self.kind)
    }
}

/// `bulletin@example.org at smtp.example.org:587`
impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.username, self.relay)
    }
}

/// Where in the recipients file `secret_command` is, for messages.
#[derive(Debug)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`secret_command` on line {} of {}",
            self.line,
            self.file.display()
        )
    }
}

const ONE_LINE: &str = "it must print the password (or token) alone, on one line";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no {} for {account}{}. Give it in one of these ways:\n  - run `{}` once, to keep it in {STORE}\n  - set the environment variable {}\n  - give `secret_command:` {}in {} (see {})",
        account.kind,
        store_problem.as_ref().map_or(String::new(), |p| format!(" ({STORE} could not be read: {p})")),
        account.kind.login(),
        account.kind.env(),
        if account.kind == Kind::Mailbox { "under `mailbox:` " } else { "" },
        file.display(),
        account.kind.doc()
    )]
    Missing {
        account: Account,
        file: PathBuf,
        store_problem: Option<String>,
    },
    #[error(
        "{at} runs `{program}`, which is not on this computer: check that it is installed (it should run when you type `{program}` in a terminal), or give its full path"
    )]
    NotFound { at: Place, program: String },
    #[error("cannot run {at} (`{program}`): {reason}")]
    CannotRun {
        at: Place,
        program: String,
        reason: String,
    },
    #[error(
        "{at} failed ({status}); what it said, if anything, is above. Run it yourself to see what is wrong, then try again"
    )]
    Failed { at: Place, status: String },
    #[error("{at} printed nothing: {ONE_LINE}")]
    PrintedNothing { at: Place },
    #[error("{at} printed more than one line: {ONE_LINE}")]
    SeveralLines { at: Place },
    #[error("{at} printed something that is not text: {ONE_LINE}")]
    NotText { at: Place },
    #[error(
        "{account} has not signed in on this computer{}: run `{login}` to sign in (it opens your browser)",
        store_problem.as_ref().map_or(String::new(), |p| format!(" ({STORE} could not be read: {p})"))
    )]
    NotSignedIn {
        account: Account,
        login: &'static str,
        store_problem: Option<String>,
    },
    #[error("{STORE} could not {action} the {} for {account}: {reason}", account.kind)]
    Store {
        action: &'static str,
        account: Account,
        reason: String,
    },
}

/// What a login sends: a password or token as found, or the access tokens of a sign-in
/// (`auth: oauth2`), renewed as they expire. Never shown: its `Debug` says only which it is.
#[derive(Clone)]
pub enum Credential {
    Secret(String),
    OAuth2(Arc<Tokens>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credential::Secret(_) => "Credential::Secret(..)",
            Credential::OAuth2(_) => "Credential::OAuth2(..)",
        })
    }
}

/// The password or token for the relay in `smtp` (read from the recipients file `file`), in the
/// order of the module's description, or for `auth: oauth2` the sign-in `bulletin login` kept;
/// `None` when it needs no login.
pub fn find(smtp: &Smtp, file: &Path) -> Result<Option<Credential>, Error> {
    let Some(account) = Account::of(smtp) else {
        return Ok(None);
    };
    if let (Auth::OAuth2, Some(settings)) = (smtp.auth, smtp.oauth2.as_deref()) {
        return signed_in(account, settings, "bulletin login").map(Some);
    }
    find_for(account, smtp.secret_command.as_deref(), file).map(|s| Some(Credential::Secret(s)))
}

/// The access tokens of the sign-in `account` kept in the store (`login` signs in again).
fn signed_in(
    account: Account,
    settings: &OAuth2,
    login: &'static str,
) -> Result<Credential, Error> {
    let store_problem = match load(&account) {
        Ok(Some(refresh)) => {
            return Ok(Credential::OAuth2(Tokens::new(
                settings.clone(),
                account,
                refresh,
                login,
            )));
        }
        Ok(None) => None,
        Err(Error::Store { reason, .. }) => Some(reason),
        Err(e) => Some(e.to_string()),
    };
    Err(Error::NotSignedIn {
        account,
        login,
        store_problem,
    })
}

/// The mailbox's login for `imap`: its password (as [`find_mailbox`]) or, for `auth: oauth2`,
/// its sign-in.
pub fn find_mailbox_login(imap: &Imap, file: &Path) -> Result<Credential, Error> {
    match imap.oauth2.as_deref() {
        Some(settings) => signed_in(
            Account::of_mailbox(imap),
            settings,
            "bulletin login --mailbox",
        ),
        None => find_mailbox(imap, file).map(Credential::Secret),
    }
}

/// The mailbox password for `imap` (read from the recipients file `file`), in the same order as
/// the relay's.
pub fn find_mailbox(imap: &Imap, file: &Path) -> Result<String, Error> {
    find_for(
        Account::of_mailbox(imap),
        imap.secret_command.as_deref(),
        file,
    )
}

fn find_for(
    account: Account,
    secret_command: Option<&SecretCommand>,
    file: &Path,
) -> Result<String, Error> {
    if let Some(v) = std::env::var(account.kind.env())
        .ok()
        .filter(|v| !v.is_empty())
    {
        return Ok(v);
    }
    if let Some(command) = secret_command {
        return run(command, file);
    }
    let store_problem = match load(&account) {
        Ok(Some(secret)) => return Ok(secret),
        Ok(None) => None,
        Err(Error::Store { reason, .. }) => Some(reason),
        Err(e) => Some(e.to_string()),
    };
    Err(Error::Missing {
        account,
        file: file.to_path_buf(),
        store_problem,
    })
}

/// Runs `secret_command` (written in `file`) in the folder of `file`, and returns the one line
/// it printed. Its messages (stderr) go to the terminal; its output is never shown.
pub fn run(command: &SecretCommand, file: &Path) -> Result<String, Error> {
    // Absolute, so that a program named relative to it (`./print-token`) is found there and
    // then started there. (`absolute`, not `canonicalize`: Windows' `\\?\` paths upset `cmd`.)
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let folder = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
    let at = Place {
        file: file.to_path_buf(),
        line: command.pos.line,
    };
    let (program, mut child) = match &command.run {
        CommandLine::Program(program, args) => {
            // Found as the system would: on Windows `az` is `az.cmd`, through PATHEXT.
            let Ok(path) = which::which_in(program, std::env::var_os("PATH"), &folder) else {
                return Err(Error::NotFound {
                    at,
                    program: program.clone(),
                });
            };
            let mut c = Command::new(path);
            c.args(args);
            (program.as_str(), c)
        }
        CommandLine::Shell(line) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(line);
            ("sh", c)
        }
    };
    let out = match child
        .current_dir(&folder)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            return Err(Error::CannotRun {
                at,
                program: program.to_string(),
                reason: e.to_string(),
            });
        }
    };
    if !out.status.success() {
        let status = match out.status.code() {
            Some(code) => format!("exit code {code}"),
            None => out.status.to_string(),
        };
        return Err(Error::Failed { at, status });
    }
    let Ok(text) = String::from_utf8(out.stdout) else {
        return Err(Error::NotText { at });
    };
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(Error::PrintedNothing { at });
    }
    if secret.contains(['\r', '\n']) {
        return Err(Error::SeveralLines { at });
    }
    Ok(secret.to_string())
}

/// The entry of `account` in the system's store.
fn entry(account: &Account, action: &'static str) -> Result<keyring::Entry, Error> {
    let problem = |reason: String| Error::Store {
        action,
        account: account.clone(),
        reason,
    };
    if !HAS_STORE {
        return Err(problem(format!(
            "this system has no secret store that bulletin can use; set the environment variable {} or give `secret_command:` instead",
            account.kind.env()
        )));
    }
    #[cfg(target_os = "linux")]
    own_session_keyring().map_err(problem)?;
    keyring::Entry::new(SERVICE, &account.entry_name()).map_err(|e| problem(e.to_string()))
}

/// Gives this process a session keyring of its own if it has none.
///
/// A process started without one (in a container, by cron, or after a login without
/// `pam_keyinit`) falls back on the keyring that all the user's processes share, where
/// `keyring`'s kernel store can neither add nor find its entries ("Permission denied", reported
/// as "no entry"). Such a process joins a fresh session keyring first. The entry lives on in
/// the user's persistent keyring, which `keyring` links into every session that uses it, so a
/// later command finds it; where the kernel keeps no persistent keyring, nothing would outlive
/// this command, and that is said.
#[cfg(target_os = "linux")]
fn own_session_keyring() -> Result<(), String> {
    // From <linux/keyctl.h>.
    const GET_KEYRING_ID: libc::c_long = 0;
    const JOIN_SESSION_KEYRING: libc::c_long = 1;
    const GET_PERSISTENT: libc::c_long = 22;
    const SESSION: libc::c_long = -3;
    const USER_SESSION: libc::c_long = -5;
    let keyctl = |op: libc::c_long, a: libc::c_long, b: libc::c_long| {
        // SAFETY: these keyctl operations take two integers (or, for JOIN_SESSION_KEYRING,
        // a null name, which is 0) and touch no memory of this process.
        let r = unsafe { libc::syscall(libc::SYS_keyctl, op, a, b) };
        if r < 0 {
            Err(std::io::Error::last_os_error().to_string())
        } else {
            Ok(r)
        }
    };
    if keyctl(GET_KEYRING_ID, SESSION, 0)? != keyctl(GET_KEYRING_ID, USER_SESSION, 0)? {
        return Ok(());
    }
    keyctl(JOIN_SESSION_KEYRING, 0, 0)?;
    keyctl(GET_PERSISTENT, -1, SESSION).map(drop).map_err(|e| {
        format!("this computer's kernel keeps no persistent keyring ({e}), so it would forget the secret when this command ends")
    })
}

/// Keeps `secret` for `account` in the system's store, replacing any kept before.
pub fn save(account: &Account, secret: &str) -> Result<(), Error> {
    let action = "store";
    entry(account, action)?
        .set_password(secret)
        .map_err(|e| Error::Store {
            action,
            account: account.clone(),
            reason: e.to_string(),
        })
}

/// The secret kept for `account`, if there is one.
pub fn load(account: &Account) -> Result<Option<String>, Error> {
    let action = "read";
    match entry(account, action)?.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(Error::Store {
            action,
            account: account.clone(),
            reason: e.to_string(),
        }),
    }
}

/// Removes the secret kept for `account`; `false` if none was kept.
pub fn forget(account: &Account) -> Result<bool, Error> {
    let action = "remove";
    match entry(account, action)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(Error::Store {
            action,
            account: account.clone(),
            reason: e.to_string(),
        }),
    }
}
