//! `bulletin login` and `bulletin logout`: keep the relay's password (or OAuth2 token) in the
//! system's own secret store for `send`, or with `--mailbox` the reply mailbox's password for
//! `inbox`, or remove it (see [`crate::secret`]). The server and the username come from the
//! recipients file; the secret is typed without being shown, or
//! piped in on one line by a script, and is never printed or written to a file. With
//! `auth: oauth2`, `login` signs in through the browser (or `--device`, with a code typed on
//! another device; [`crate::oauth::signin`]) and keeps the refresh token instead.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use crate::input::recipients::{Auth, OAuth2, Recipients, SecretCommand, Transport};
use crate::secret::{self, Account, STORE};

use super::{Failure, Stopped, load_recipients};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    which: Which,
    /// With `auth: oauth2`: print the sign-in address instead of opening the browser
    #[arg(long)]
    no_open: bool,
    /// With `auth: oauth2`: sign in on another device with a short code (for a computer without
    /// a browser), where the provider offers it
    #[arg(long, conflicts_with = "no_open")]
    device: bool,
}

/// Whose login: the relay's or the reply mailbox's, in which recipients file.
#[derive(clap::Args, Debug)]
pub struct Which {
    /// The recipients file, whose `smtp:` names the relay and the username [default:
    /// recipients.yaml in the office's folder, found upwards from the current one]
    #[arg(long, value_name = "FILE")]
    recipients: Option<PathBuf>,
    /// The password (or sign-in) of the reply mailbox that `bulletin inbox` reads (`mailbox:` in
    /// the recipients file) instead of the relay's
    #[arg(long)]
    mailbox: bool,
}

pub fn login(o: Args) -> Result<(), Failure> {
    let recipients = load_recipients(o.which.recipients.as_deref(), Stopped::Nothing)?;
    if let Some((username, settings)) = sign_in(&recipients, o.which.mailbox) {
        return sign_in_with(&username, &settings, &o);
    }
    let (command, account) = account(&recipients, o.which.mailbox)?;
    let secret = read_secret(&account)?;
    secret::save(&account, &secret).map_err(anyhow::Error::new)?;
    let (user, logout) = (
        account.kind.user(),
        account.kind.login().replace("login", "logout"),
    );
    println!("stored the {} for {account} in {STORE}", account.kind);
    println!("`{user}` uses it from now on; `{logout}` removes it");
    // What `send` would use first, so that the stored secret is not silently passed over.
    let env = account.kind.env();
    if std::env::var_os(env).is_some_and(|v| !v.is_empty()) {
        eprintln!(
            "note: the environment variable {env} is set, and `{user}` uses it before the stored {}",
            account.kind
        );
    }
    if let Some(command) = command {
        eprintln!(
            "note: {} gives `secret_command` (line {}), and `{user}` uses it before the stored {}: remove that line to use the stored one",
            recipients.path.display(),
            command.pos.line,
            account.kind
        );
    }
    if cfg!(target_os = "linux") {
        eprintln!(
            "note: the kernel keyring forgets it when this computer restarts (and a few days after you log out): then run `{}` again",
            account.kind.login()
        );
    }
    if account.kind == secret::Kind::Token {
        eprintln!(
            "note: an OAuth2 token usually lasts about an hour; a `secret_command` that fetches a fresh one each time is usually better (see docs/send.md)"
        );
    }
    Ok(())
}

pub fn logout(o: Which) -> Result<(), Failure> {
    let recipients = load_recipients(o.recipients.as_deref(), Stopped::Nothing)?;
    let (_, account) = account(&recipients, o.mailbox)?;
    if secret::forget(&account).map_err(anyhow::Error::new)? {
        println!("removed the {} for {account} from {STORE}", account.kind);
    } else {
        println!(
            "no {} for {account} was stored in {STORE}: there was nothing to remove",
            account.kind
        );
    }
    Ok(())
}

/// The username and sign-in of the relay (or with `mailbox`, the reply mailbox) when it has
/// `auth: oauth2`, asking for the scopes of the other as well when it signs in the same person
/// with the same app: one sign-in then serves `send` and `inbox`.
fn sign_in(recipients: &Recipients, mailbox: bool) -> Option<(String, OAuth2)> {
    let relay = match &recipients.transport {
        Transport::Smtp(s) if s.auth == Auth::OAuth2 => s
            .oauth2
            .as_deref()
            .map(|o| (s.username.clone().unwrap_or_default(), o.clone())),
        _ => None,
    };
    let inbox = recipients
        .mailbox
        .imap
        .as_ref()
        .and_then(|i| i.oauth2.as_deref().map(|o| (i.username.clone(), o.clone())));
    let (mut first, other) = if mailbox {
        (inbox?, relay)
    } else {
        (relay?, inbox)
    };
    if let Some((user, o)) = other
        && user == first.0
        && o.issuer == first.1.issuer
        && o.client_id == first.1.client_id
    {
        for scope in o.scopes {
            if !first.1.scopes.contains(&scope) {
                first.1.scopes.push(scope);
            }
        }
    }
    Some(first)
}

/// Signs `username` in with the provider of `settings` and keeps the refresh token.
fn sign_in_with(username: &str, settings: &OAuth2, o: &Args) -> Result<(), Failure> {
    let login = if o.which.mailbox {
        "bulletin login --mailbox"
    } else {
        "bulletin login"
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let refresh = runtime
        .block_on(async {
            if o.device {
                // What it says to run again signs in the same way, with a code.
                let again = if o.which.mailbox {
                    "bulletin login --mailbox --device"
                } else {
                    "bulletin login --device"
                };
                crate::oauth::signin::device(settings, again).await
            } else {
                crate::oauth::signin::browser(settings, username, o.no_open, login).await
            }
        })
        .map_err(anyhow::Error::new)?;
    let account = Account::sign_in(username, settings);
    secret::save(&account, &refresh).map_err(anyhow::Error::new)?;
    println!("signed in as {account}; the sign-in is kept in {STORE}");
    println!(
        "`bulletin send` (and `bulletin inbox` where it signs in the same way) uses it from now on; `{}` removes it",
        login.replace("login", "logout")
    );
    if cfg!(target_os = "linux") {
        eprintln!(
            "note: the kernel keyring forgets it when this computer restarts (and a few days after you log out): then run `{login}` again"
        );
    }
    Ok(())
}

/// The `secret_command` that would come first, and whose secret the relay (or with `mailbox`,
/// the reply mailbox) needs; or why there is nothing to log in to.
fn account(
    recipients: &Recipients,
    mailbox: bool,
) -> Result<(Option<&SecretCommand>, Account), Failure> {
    let file = recipients.path.display();
    if mailbox {
        let Some(imap) = &recipients.mailbox.imap else {
            return Err(format!(
                "{file} has no `mailbox:` with a `host:`, so there is no mailbox to log in to: add one (see docs/inbox.md)"
            )
            .into());
        };
        return Ok((imap.secret_command.as_deref(), Account::of_mailbox(imap)));
    }
    let Transport::Smtp(smtp) = &recipients.transport else {
        return Err(format!(
            "{file} hands messages to this computer's own mail system (`transport: sendmail`), which needs no password: there is nothing to log in to"
        )
        .into());
    };
    match Account::of(smtp) {
        Some(account) => Ok((smtp.secret_command.as_deref(), account)),
        None => Err(format!(
            "{file} says `auth: none`: the relay {} needs no login, so there is nothing to store",
            smtp.describe()
        )
        .into()),
    }
}

/// The secret, typed at the terminal without being shown, or the first line of what is piped in.
fn read_secret(account: &Account) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let typed = if stdin.is_terminal() {
        let prompt = format!(
            "{} for {account} (it is not shown as you type): ",
            capitalised(&account.kind.to_string())
        );
        rpassword::prompt_password(prompt)
            .map_err(|e| format!("cannot read the {}: {e}", account.kind))?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the {} from the input: {e}", account.kind))?;
        line
    };
    let secret = typed.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(format!(
            "no {} was given, so nothing was stored: type it when asked (a script can pipe it in, on one line)",
            account.kind
        )
        .into());
    }
    Ok(secret.to_string())
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}
