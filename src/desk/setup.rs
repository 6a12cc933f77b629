//! The desk's first run: started where there is no office (a double-click on the program in
//! Downloads, say), the desk asks what `bulletin init` asks (the office's name, the sending and
//! reply addresses, the colour, how mail leaves the computer) and where to keep the office;
//! writes the office exactly as `init` does ([`crate::office`]); then hands over to the desk on
//! that folder, at the same address and with the same access token, so the open page carries on.
//!
//! The page is guarded as every desk page is ([`super::guard`]): the token, the `Host`, and for
//! the one POST a same-origin `Origin` and the CSRF token.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, html};
use serde::Deserialize;

use super::{Desk, guard, not_found};
use crate::office::{self, DEFAULT_COLOUR, Relay, Settings};

const SCRIPT: &str = include_str!("setup.js");

/// The answers the page sends.
#[derive(Debug, Deserialize)]
struct Answers {
    name: String,
    from: String,
    #[serde(default)]
    reply_to: String,
    #[serde(default)]
    colour: String,
    relay: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    folder: String,
}

/// What the first-run server shares: the desk's guard state, and where to report the office.
struct Setup {
    desk: Arc<Desk>,
    /// Told the office's folder once it is written (or found): the server then stops.
    done: Mutex<Option<tokio::sync::oneshot::Sender<PathBuf>>>,
}

/// Where a new office is proposed: `Documents/Bulletin` in the user's home (the folder Word and
/// Excel save into), or `Bulletin` in the home if it has no `Documents`.
pub fn proposed_folder() -> PathBuf {
    let home = std::env::home_dir().unwrap_or_else(|| PathBuf::from("."));
    let documents = home.join("Documents");
    if documents.is_dir() {
        documents.join("Bulletin")
    } else {
        home.join("Bulletin")
    }
}

/// Serves the first-run page on `addr` with `token` until an office is set up (its folder is
/// returned, with the address the page was served on) or Ctrl-C (`None`).
pub async fn serve(
    addr: SocketAddr,
    program: PathBuf,
    token: String,
    on_ready: impl FnOnce(String),
) -> std::io::Result<Option<(PathBuf, SocketAddr)>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let proposed = proposed_folder();
    let desk = Arc::new(Desk {
        bulletins: proposed.join(crate::project::BULLETINS),
        root: proposed,
        token,
        csrf: super::random_token()?,
        bound,
        saving: tokio::sync::Mutex::new(()),
        jobs: super::jobs::Jobs::new(program),
        imported: std::sync::Mutex::default(),
    });
    let (tx, rx) = tokio::sync::oneshot::channel();
    let setup = Arc::new(Setup {
        desk: desk.clone(),
        done: Mutex::new(Some(tx)),
    });
    let url = format!("http://{bound}/?token={}", desk.token);
    let app = Router::new()
        .route("/", get(page))
        .route("/static/desk.css", get(super::pages::style))
        .route("/static/setup.js", get(script))
        .route("/api/setup", post(answer))
        .with_state(setup)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(desk, guard));
    on_ready(url);
    let folder = Arc::new(Mutex::new(None));
    let kept = folder.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                Ok(f) = rx => *kept.lock().unwrap() = Some(f),
            }
        })
        .await?;
    let folder = folder.lock().unwrap().take();
    Ok(folder.map(|f| (f, bound)))
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// The first-run form.
async fn page(State(setup): State<Arc<Setup>>) -> Html<String> {
    let desk = &setup.desk;
    let folder = desk.root.display().to_string();
    Html(
        html! {
            (DOCTYPE)
            html lang="en-GB" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="desk-csrf" content=(desk.csrf());
                    title { "Set up your office · Bulletin desk" }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href="/static/desk.css";
                }
                body {
                    header class="bar" { span class="brand" { "Bulletin desk" } }
                    main id="main" {
                        h1 { "Set up your office" }
                        p { "There is no bulletin office in " (std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()) " yet. Answer these once: the desk then makes the office's folder, with its settings, its mailing lists file and this week's first issue, and opens it. If your office already has a folder, give it under “Where to keep the office”: the desk opens it as it is." }
                        div id="setup-problem" class="refused" role="alert" hidden {}
                        form id="setup" class="card" novalidate {
                            div class="field" {
                                label for="name" { "Your office's name" }
                                span class="hint" id="name-hint" { "As readers know it, such as Essex LMCs." }
                                input id="name" name="name" type="text" required aria-describedby="name-hint" autocomplete="organization";
                            }
                            div class="field" {
                                label for="from" { "The address the bulletin is sent from" }
                                span class="hint" id="from-hint" { "Such as bulletin@essexlmc.nhs.uk, or with a name: Essex LMCs <bulletin@essexlmc.nhs.uk>." }
                                input id="from" name="from" type="text" required aria-describedby="from-hint" autocomplete="email";
                            }
                            div class="field" {
                                label for="reply_to" { "Where replies go (optional)" }
                                span class="hint" id="reply-hint" { "Leave empty for replies to come to the sending address." }
                                input id="reply_to" name="reply_to" type="text" aria-describedby="reply-hint" autocomplete="email";
                            }
                            div class="field" {
                                label for="colour" { "The colour of the header and headings" }
                                span class="hint" id="colour-hint" { "# and six hex digits, dark enough to read on white. NHS blue is " (DEFAULT_COLOUR) "." }
                                input id="colour" name="colour" type="text" value=(DEFAULT_COLOUR) aria-describedby="colour-hint";
                            }
                            fieldset class="field choices" {
                                legend { "How the bulletin's mail leaves this computer" }
                                label { input type="radio" name="relay" value="nhsmail" checked; " NHSmail (send.nhs.net)" }
                                label { input type="radio" name="relay" value="microsoft365"; " Microsoft 365 (smtp.office365.com)" }
                                label { input type="radio" name="relay" value="other"; " Another mail server, from IT" }
                                label { input type="radio" name="relay" value="sendmail"; " This computer's own mail system" }
                            }
                            div class="field" id="other-relay" hidden {
                                label for="host" { "The mail server's name" }
                                span class="hint" id="host-hint" { "From IT, such as smtp.example.org. The port is usually 587." }
                                input id="host" name="host" type="text" aria-describedby="host-hint";
                                label for="port" { "Port" }
                                input id="port" name="port" type="text" inputmode="numeric" value="587";
                            }
                            div class="field" {
                                label for="folder" { "Where to keep the office" }
                                span class="hint" id="folder-hint" { "A folder for the bulletins, the settings and the mailing lists. It is made if it does not exist." }
                                input id="folder" name="folder" type="text" value=(folder) required aria-describedby="folder-hint";
                            }
                            p { button type="submit" class="button" { "Set up the office" } }
                        }
                        p id="setup-done" role="status" hidden {}
                    }
                    script src="/static/setup.js" {}
                }
            }
        }
        .into_string(),
    )
}

/// The answers, checked and written as `init` writes them; or what to correct, with the field.
async fn answer(State(setup): State<Arc<Setup>>, body: axum::body::Bytes) -> Response {
    let answers: Answers = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(_) => return problem("", "the page sent something the desk cannot read", None),
    };
    let folder = PathBuf::from(answers.folder.trim());
    if !folder.is_absolute() {
        return problem(
            "folder",
            "give the whole path of the folder",
            Some(&format!("such as {}", proposed_folder().display())),
        );
    }
    if !is_office(&folder) {
        let found = office::existing(&folder);
        if !found.is_empty() {
            let e = office::Error::Exists { folder, found };
            return problem("folder", &e.to_string(), e.help().as_deref());
        }
        let settings = match settings(&answers) {
            Ok(s) => s,
            Err((field, message)) => return problem(field, &message, None),
        };
        let written = settings
            .files()
            .and_then(|files| office::write(&folder, &files));
        if let Err(e) = written {
            let field = match &e {
                office::Error::From(_) => "from",
                office::Error::ReplyTo(_) => "reply_to",
                office::Error::NotAColour(_) | office::Error::TooLight { .. } => "colour",
                _ => "folder",
            };
            let message = e.to_string();
            let message = message
                .strip_prefix("--from: ")
                .or_else(|| message.strip_prefix("--reply-to: "))
                .unwrap_or(&message);
            return problem(field, message, e.help().as_deref());
        }
    }
    let folder = folder.canonicalize().unwrap_or(folder);
    if let Some(tx) = setup.done.lock().unwrap().take() {
        let _ = tx.send(folder.clone());
    }
    json(
        StatusCode::OK,
        serde_json::json!({ "folder": folder.display().to_string() }),
    )
}

/// A folder that is already an office (it has the bulletins folder): the desk opens it as it is.
fn is_office(folder: &Path) -> bool {
    folder.join(crate::project::BULLETINS).is_dir()
}

/// The answers as `init`'s settings, or the field to correct and why.
fn settings(a: &Answers) -> Result<Settings, (&'static str, String)> {
    let name = a.name.trim();
    if name.is_empty() {
        return Err(("name", "give your office's name".into()));
    }
    if a.from.trim().is_empty() {
        return Err(("from", "give the address the bulletin is sent from".into()));
    }
    let colour = match a.colour.trim() {
        "" => DEFAULT_COLOUR.to_string(),
        c => c.to_string(),
    };
    office::check_colour(&colour).map_err(|e| ("colour", e.to_string()))?;
    let relay = match a.relay.as_str() {
        "nhsmail" => Relay::NhsMail,
        "microsoft365" => Relay::Microsoft365,
        "sendmail" => Relay::Sendmail,
        "other" => {
            let host = a.host.trim();
            if host.is_empty() {
                return Err(("host", "give the mail server's name, from IT".into()));
            }
            let port = match a.port.trim() {
                "" => 587,
                p => p.parse().ok().filter(|p| *p > 0).ok_or((
                    "port",
                    format!("the port `{p}` is not a number from 1 to 65535"),
                ))?,
            };
            Relay::Other {
                host: host.to_string(),
                port,
            }
        }
        _ => return Err(("relay", "choose how the mail leaves this computer".into())),
    };
    Ok(Settings {
        name: name.to_string(),
        from: a.from.trim().to_string(),
        reply_to: Some(a.reply_to.trim())
            .filter(|r| !r.is_empty())
            .map(str::to_string),
        colour,
        relay,
        date: crate::calendar::today(),
        // A logo file is `bulletin init --logo FILE`'s, or publisher.yaml's `logo:` later.
        logo: None,
    })
}

/// A 422 naming the field to correct, what is wrong and what to do.
fn problem(field: &str, message: &str, help: Option<&str>) -> Response {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        serde_json::json!({ "field": field, "message": message, "help": help }),
    )
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}
