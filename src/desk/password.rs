//! The mail server's password in the desk: what `bulletin login` does for `auth: password` (and
//! `bulletin login --mailbox` for the reply mailbox), without a terminal. The Send page (the
//! relay) and the Replies page (the mailbox) say whether a password is kept on this computer,
//! take one in a password box and keep it in the system's secret store ([`crate::secret`]), or
//! forget it. The password goes from the page to the desk once, in the body of a POST that the
//! desk's guard let through (token, Host, Origin, CSRF); it is never sent back, shown, logged
//! or written to a file.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Desk;
use super::pages::refused_page;
use crate::input::recipients::{Auth, Recipients, Transport};
use crate::secret::{self, Account, Kind};

/// Whose password: the relay's (`send`) or the reply mailbox's (`inbox`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    Relay,
    Mailbox,
}

impl Which {
    fn id(self) -> &'static str {
        match self {
            Which::Relay => "relay",
            Which::Mailbox => "mailbox",
        }
    }

    /// The page the card is on, to go back to.
    fn page(self, name: Option<&str>) -> String {
        match (self, name) {
            (Which::Relay, Some(n)) => format!("/send/{n}"),
            (Which::Relay, None) => "/".into(),
            (Which::Mailbox, _) => "/replies".into(),
        }
    }
}

/// A password the office's set-up asks for, and where it stands on this computer.
pub struct Ask {
    which: Which,
    account: Account,
    kept: bool,
    /// Given another way, which comes first: `secret_command` or the environment variable.
    other_way: Option<&'static str>,
}

/// The password login of `which` in `r`, if it has one (not a sign-in, not a token).
fn account(r: &Recipients, which: Which) -> Option<(Account, bool)> {
    match which {
        Which::Relay => match &r.transport {
            Transport::Smtp(s) if s.auth == Auth::Password => {
                Some((Account::of(s)?, s.secret_command.is_some()))
            }
            _ => None,
        },
        Which::Mailbox => {
            let imap = r.mailbox.imap.as_ref()?;
            let account = Account::of_mailbox(imap);
            (account.kind == Kind::Mailbox).then(|| (account, imap.secret_command.is_some()))
        }
    }
}

/// What `which` needs of this computer, if it needs a password.
pub fn ask(r: &Recipients, which: Which) -> Option<Ask> {
    let (account, command) = account(r, which)?;
    let env = std::env::var_os(account.kind.env()).is_some_and(|v| !v.is_empty());
    Some(Ask {
        which,
        kept: matches!(secret::load(&account), Ok(Some(_))),
        other_way: if command {
            Some("the set-up's secret_command")
        } else if env {
            Some("an environment variable")
        } else {
            None
        },
        account,
    })
}

/// The card: whether a password is kept, a box to give it, and Forget.
pub fn card(ask: &Ask, name: Option<&str>) -> Markup {
    let id = ask.which.id();
    let (title, used_by) = match ask.which {
        Which::Relay => ("The mail server's password", "sending"),
        Which::Mailbox => ("The reply mailbox's password", "reading replies"),
    };
    html! {
        section class="card" aria-labelledby={"pw-" (id) "-h"} id={"password-" (id)} {
            h2 id={"pw-" (id) "-h"} { (title) }
            p { "bulletin logs in to " strong { (ask.account.relay) } " as " strong { (ask.account.username) } "." }
            @if let Some(way) = ask.other_way {
                p class="hint" { "The office's set-up gives this password another way (" (way) "), which comes first." }
            }
            @if ask.kept {
                p class="said" id={"pw-" (id) "-state"} { "A password is kept on this computer, in " (secret::STORE) ". To change it, give the new one below." }
            } @else {
                p class="refused" id={"pw-" (id) "-state"} { "No password is kept on this computer yet: " (used_by) " stops until one is given." }
            }
            form method="post" action="/api/password" data-desk-post="" {
                input type="hidden" name="which" value=(id);
                input type="hidden" name="back" value=(ask.which.page(name));
                div class="field" {
                    label for={"pw-" (id)} { "Password for " (ask.account.username) }
                    input id={"pw-" (id)} name="password" type="password" required autocomplete="current-password";
                }
                button type="submit" class="button" { "Keep it on this computer" }
                p class="problem why" role="status" {}
            }
            @if ask.kept {
                form method="post" action="/api/password" data-desk-post="" {
                    input type="hidden" name="which" value=(id);
                    input type="hidden" name="back" value=(ask.which.page(name));
                    input type="hidden" name="forget" value="yes";
                    button type="submit" { "Forget the kept password" }
                    p class="problem why" role="status" {}
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct Request {
    which: Which,
    #[serde(default)]
    password: String,
    #[serde(default)]
    forget: String,
    /// The page to go back to: one of the desk's own (checked), else Home.
    #[serde(default)]
    back: String,
}

/// Keeps (or forgets) a password, then goes back to the page it was given on.
pub async fn keep(State(desk): State<Arc<Desk>>, body: Bytes) -> Response {
    let no = |status: StatusCode, why: &str| (status, Html(refused_page(why))).into_response();
    let Ok(request) = serde_json::from_slice::<Request>(&body) else {
        return no(StatusCode::BAD_REQUEST, "No password was given.");
    };
    let Some(recipients) = desk.recipients() else {
        return no(
            StatusCode::CONFLICT,
            "The office's recipients.yaml cannot be read, so there is no mail server to keep a password for.",
        );
    };
    let Some((account, _)) = account(&recipients, request.which) else {
        return no(
            StatusCode::CONFLICT,
            "The office's set-up asks for no password here (it signs in another way, or needs none).",
        );
    };
    let result = if request.forget == "yes" {
        secret::forget(&account).map(|_| ())
    } else {
        let password = request.password.trim_end_matches(['\r', '\n']);
        if password.is_empty() {
            return no(StatusCode::BAD_REQUEST, "Type the password first.");
        }
        if password.contains(['\r', '\n']) {
            return no(
                StatusCode::BAD_REQUEST,
                "A password is one line: this one has a line break in it.",
            );
        }
        secret::save(&account, password)
    };
    if let Err(e) = result {
        return no(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("The password could not be kept: {e}"),
        );
    }
    let back = desk_page(&request.back).unwrap_or("/");
    Redirect::to(back).into_response()
}

/// `back` if it is one of the pages a password card is on (never an address elsewhere).
fn desk_page(back: &str) -> Option<&str> {
    let safe = back == "/replies"
        || back.strip_prefix("/send/").is_some_and(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !n.contains("..")
        });
    safe.then_some(back)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_desks_own_pages_are_gone_back_to() {
        assert_eq!(
            desk_page("/send/2021-10-20.yaml"),
            Some("/send/2021-10-20.yaml")
        );
        assert_eq!(desk_page("/replies"), Some("/replies"));
        for elsewhere in [
            "https://example.org/",
            "//example.org/",
            "/send/",
            "/send/../x",
            "/send/a/b",
            "/send/a?b",
            "",
        ] {
            assert_eq!(desk_page(elsewhere), None, "{elsewhere}");
        }
    }
}
