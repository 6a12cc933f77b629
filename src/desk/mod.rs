//! `bulletin desk`: the office's week in the browser. A small web app on 127.0.0.1 that edits the
//! same files every command reads (`bulletins/*.yaml`), with the email's preview beside the form
//! and the problems `check` finds shown at their fields.
//!
//! - [`form`]: the bulletin as the Write page's fields; [`edit`]: writing them back into the YAML
//!   without disturbing anything else; [`problems`]: `check`'s problems put at their fields;
//!   [`pages`]: the pages (maud), with `desk.js` and `paste.js` on top; "Start from a Word
//!   document" calls the library's import ([`crate::input::docx`]) on the uploaded file (at most
//!   [`MAX_DOCX_BYTES`]) and writes a new bulletin, never over one.
//! - Security (a web page on any site can make the browser send requests to 127.0.0.1): a random
//!   token per run, given in the address printed at start and then kept in an `HttpOnly`,
//!   `SameSite=Strict` cookie; the `Host` header must name the desk's own address (DNS
//!   rebinding, as [`crate::preview`] checks it); every request that changes something is a POST
//!   with a same-origin `Origin` and the page's CSRF token; a file is only ever one the bulletins
//!   folder lists, by its name (no path from the request is used as given, and a link that leads
//!   out of the folder is refused); no secret is ever put in a page.
//! - Saving: every save is a whole form, written with [`edit::rewrite`] and
//!   [`crate::files::write_atomic`], only if the file on disk is still the one the page was given
//!   (else the page offers to reload, or to keep the other version as a copy and save its own).
//!   The page saves as the office types, so a closed tab loses at most a second or two.

pub mod edit;
pub mod form;
pub mod jobs;
pub mod pages;
pub mod password;
pub mod problems;
pub mod send;
pub mod setup;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::input::yaml;
use crate::preview::host_allowed;
use form::Form;

/// The cookie that keeps the access token once the printed address has been opened.
const COOKIE: &str = "bulletin_desk";
/// The header a page's script sends its CSRF token in.
const CSRF_HEADER: &str = "x-desk-csrf";

/// What every request handler shares.
pub struct Desk {
    /// The office's `bulletins` folder (absolute, resolved).
    pub bulletins: PathBuf,
    /// The office's folder.
    pub root: PathBuf,
    token: String,
    csrf: String,
    bound: SocketAddr,
    /// One save at a time, so that two tabs cannot interleave a read and a write.
    saving: tokio::sync::Mutex<()>,
    /// The runs of `bulletin send`, `archive`, `inbox` and `report` the pages start.
    jobs: jobs::Jobs,
    /// What a Word document imported in this run could not carry over, by the bulletin's name:
    /// shown on its Write page.
    imported: std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
}

/// The largest Word document "Start from a Word document" takes (pictures make them big).
pub const MAX_DOCX_BYTES: usize = 25 * 1024 * 1024;

/// A random token of 32 hex digits (128 bits) from the system's generator.
pub fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| std::io::Error::other(format!("no random numbers: {e}")))?;
    Ok(crate::identity::hex(&bytes))
}

/// Serves the desk for the office folder `root` on `addr` until Ctrl-C, with the access `token`
/// (from [`random_token`]); `program` is the `bulletin` program, which sends and archives for
/// it. `on_ready` is told the full address to open, token included.
pub async fn serve(
    root: PathBuf,
    addr: SocketAddr,
    program: PathBuf,
    token: String,
    on_ready: impl FnOnce(String),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let bulletins = root.join(crate::project::BULLETINS);
    std::fs::create_dir_all(&bulletins)?;
    let desk = Arc::new(Desk {
        bulletins: bulletins.canonicalize()?,
        root,
        token,
        csrf: random_token()?,
        bound,
        saving: tokio::sync::Mutex::new(()),
        jobs: jobs::Jobs::new(program),
        imported: std::sync::Mutex::default(),
    });
    let url = format!("http://{bound}/?token={}", desk.token);
    let app = Router::new()
        .route("/", get(pages::home))
        .route("/write/{name}", get(pages::write))
        .route("/send/{name}", get(send::page))
        .route("/archive", get(send::archive_page))
        .route("/replies", get(send::replies_page))
        .route("/preview/{name}/email.html", get(pages::preview_html))
        .route("/preview/{name}/email.txt", get(pages::preview_text))
        .route("/static/desk.js", get(pages::script))
        .route("/static/paste.js", get(pages::paste_script))
        .route("/static/desk.css", get(pages::style))
        .route("/api/save/{name}", post(save))
        .route("/api/preview/{name}", post(preview))
        .route("/api/new", post(pages::start_next))
        .route(
            "/api/import",
            post(pages::import_docx).layer(axum::extract::DefaultBodyLimit::max(MAX_DOCX_BYTES)),
        )
        .route("/api/replies/confirm", post(send::confirm))
        .route("/api/replies/dismiss", post(send::dismiss))
        .route("/api/send/{name}", post(send::start))
        .route("/api/approve/{name}", post(send::approve))
        .route("/api/run", post(send::start_other))
        .route("/api/password", post(password::keep))
        .route("/api/job/{id}", get(send::job))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(desk.clone(), guard))
        .with_state(desk);
    on_ready(url);
    // Ctrl-C stops it (a send it runs gets the Ctrl-C too, and stops as `send` does).
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// The checks every request passes before any handler sees it: our own `Host`, the access
/// token (from `?token=`, which is moved into the cookie, or from the cookie), and for anything
/// but GET a same-origin `Origin` and the CSRF token.
async fn guard(State(desk): State<Arc<Desk>>, request: Request, next: Next) -> Response {
    let hosts: Vec<String> = request
        .headers()
        .get_all(header::HOST)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .chain(request.uri().authority().map(|a| a.to_string()))
        .collect();
    if hosts.is_empty() || hosts.iter().any(|h| !host_allowed(h, desk.bound)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "The desk does not answer to this address. Open the address shown in the desk's window (it starts http://127.0.0.1), or close the desk and start it again: it opens the browser by itself.",
        );
    }
    if let Some(given) = query_value(request.uri().query().unwrap_or(""), "token") {
        if request.method() == Method::GET && same(&given, &desk.token) {
            let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", desk.token);
            let mut response = Redirect::to(request.uri().path()).into_response();
            if let Ok(v) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            return response;
        }
        return refuse(
            StatusCode::FORBIDDEN,
            "This address is not the running desk's (it may be from an earlier start): open the address shown in the desk's window, or close the desk and start it again: it opens the browser by itself.",
        );
    }
    if !cookie_value(request.headers(), COOKIE).is_some_and(|t| same(&t, &desk.token)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "This browser has not been let in to the desk yet (or has forgotten it): open the address shown in the desk's window (it ends with ?token=…), or close the desk and start it again: it opens the browser by itself.",
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let origin_ok = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|authority| host_allowed(authority, desk.bound));
        let csrf_ok = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| same(v, &desk.csrf));
        if !origin_ok || !csrf_ok {
            return refuse(
                StatusCode::FORBIDDEN,
                "This request did not come from a desk page: nothing was changed.",
            );
        }
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        "referrer-policy",
        header::HeaderValue::from_static("no-referrer"),
    );
    // Only the desk's own scripts run in its pages; the email's images may come from anywhere.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
        ),
    );
    response
}

/// Compares two tokens in a time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub(crate) fn query_value(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, Html(pages::refused_page(why))).into_response()
}

async fn not_found() -> Response {
    refuse(StatusCode::NOT_FOUND, "There is no such page in the desk.")
}

impl Desk {
    /// The bulletins the folder lists: `*.yaml` files other than `publisher.yaml`, each a
    /// regular file inside the folder (a link that leads out of it is left out), newest name
    /// first.
    pub fn bulletin_names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.bulletins) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let ok = name.ends_with(".yaml")
                    && name != crate::input::publisher::FILE
                    && !name.starts_with('.')
                    && self.inside(&e.path());
                ok.then_some(name)
            })
            .collect();
        names.sort_by(|a, b| b.cmp(a));
        names
    }

    /// Whether `path` is a file that is really in the bulletins folder (after links).
    fn inside(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|real| real.parent() == Some(self.bulletins.as_path()) && real.is_file())
    }

    /// The bulletin named `name`, if the folder lists one by that exact name.
    pub fn bulletin(&self, name: &str) -> Option<PathBuf> {
        self.bulletin_names()
            .into_iter()
            .find(|n| n == name)
            .map(|n| self.bulletins.join(n))
    }

    /// The office's recipients file, read as `send` reads it; `None` where it is missing or has
    /// a mistake (the Send page says so).
    pub fn recipients(&self) -> Option<crate::input::recipients::Recipients> {
        let path = self.root.join(crate::project::RECIPIENTS);
        crate::input::recipients::load(&path).ok().map(|(r, _)| r)
    }

    /// The suppressions file of the office's recipients file.
    pub fn suppressions(&self) -> PathBuf {
        crate::suppress::path_for(&self.root.join(crate::project::RECIPIENTS))
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The fingerprint of a file's bytes: what the page says it was given, to catch a file
/// changed on disk since.
pub fn fingerprint(bytes: &[u8]) -> String {
    crate::identity::hex(&Sha256::digest(bytes))
}

#[derive(Deserialize)]
struct SaveRequest {
    /// The fingerprint of the file the page was given (or last saved).
    base: String,
    form: Form,
    /// The file changed on disk: keep that version as a copy, then write this one.
    #[serde(default)]
    keep_theirs: bool,
}

#[derive(Serialize, Default)]
struct SaveReply {
    saved: bool,
    base: String,
    /// The file changed on disk since the page had it.
    conflict: bool,
    /// Where the other version was kept, with `keep_theirs`.
    copy: Option<String>,
    /// Why it could not be saved.
    error: Option<String>,
    problems: Vec<problems::Problem>,
}

async fn save(
    State(desk): State<Arc<Desk>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let Some(path) = desk.bulletin(&name) else {
        return not_found().await;
    };
    let Ok(request) = serde_json::from_slice::<SaveRequest>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a save request").into_response();
    };
    let _one_at_a_time = desk.saving.lock().await;
    let (status, reply) = save_form(&path, request);
    let json = serde_json::to_string(&reply).unwrap_or_else(|_| "{}".into());
    (status, [(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// Writes the form into the file, unless the file changed since the page had it; then checks
/// it as `bulletin check` does.
fn save_form(path: &Path, request: SaveRequest) -> (StatusCode, SaveReply) {
    let failed = |error: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            SaveReply {
                error: Some(error),
                ..SaveReply::default()
            },
        )
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return failed(format!("the file cannot be read: {e}")),
    };
    let on_disk = fingerprint(&bytes);
    let mut copy = None;
    if on_disk != request.base {
        if !request.keep_theirs {
            return (
                StatusCode::CONFLICT,
                SaveReply {
                    conflict: true,
                    base: on_disk,
                    ..SaveReply::default()
                },
            );
        }
        let kept = theirs_copy(path);
        if let Err(e) = crate::files::write_atomic(&kept, &bytes) {
            return failed(format!(
                "the other version could not be kept as a copy: {e}"
            ));
        }
        copy = kept.file_name().map(|n| n.to_string_lossy().into_owned());
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return failed("the file is not UTF-8 text: open it in a text editor".into());
    };
    let (bom, text) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest.to_string()),
        None => ("", text),
    };
    let root = match yaml::parse(path, &text) {
        Ok(root) => root,
        Err(d) => {
            return failed(format!(
                "the file has a mistake the desk cannot read past: {}",
                problems::plain_words(&d.0.first().map(|d| d.message.clone()).unwrap_or_default())
            ));
        }
    };
    let new = match edit::rewrite(&text, &root, &request.form) {
        Ok(new) => new,
        Err(e) => return failed(e.to_string()),
    };
    let saved = new != text;
    if saved {
        let bytes = format!("{bom}{new}");
        if let Err(e) = crate::files::write_atomic(path, bytes.as_bytes()) {
            return failed(format!("the file could not be written: {e}"));
        }
    }
    let base = fingerprint(format!("{bom}{new}").as_bytes());
    let problems = check(path, &new);
    (
        StatusCode::OK,
        SaveReply {
            saved,
            base,
            copy,
            problems,
            ..SaveReply::default()
        },
    )
}

#[derive(Deserialize)]
struct PreviewRequest {
    form: Form,
}

/// The email as the form would make it, without saving: the file on disk with the form written
/// into it (as a save would), rendered as `bulletin preview` renders it. `{"html", "text"}`, or
/// `{"broken": true}` while it has an error.
async fn preview(
    State(desk): State<Arc<Desk>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let Some(path) = desk.bulletin(&name) else {
        return not_found().await;
    };
    let Ok(request) = serde_json::from_slice::<PreviewRequest>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a preview request").into_response();
    };
    let view = std::fs::read_to_string(&path).ok().and_then(|text| {
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let root = yaml::parse(&path, &text).ok()?;
        let new = edit::rewrite(&text, &root, &request.form).ok()?;
        Some(crate::preview::build_text(&path, &new))
    });
    let json = match view {
        Some(crate::preview::View::Ready { html, text, .. }) => {
            serde_json::json!({ "html": html, "text": text })
        }
        _ => serde_json::json!({ "broken": true }),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

/// The problems `bulletin check` finds in the bulletin, at their fields (`text` is its YAML).
pub fn check(path: &Path, text: &str) -> Vec<problems::Problem> {
    let diags = match crate::pipeline::prepare(path, false) {
        Ok(p) => p.warnings,
        Err(d) => d,
    };
    let root = yaml::parse(path, text).ok();
    problems::place(&diags, path, text, root.as_ref())
}

/// A name for keeping the version on disk beside the bulletin: `2021-10-20.theirs-1.yaml`, the
/// first number not taken.
fn theirs_copy(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("bulletin");
    (1..)
        .map(|n| path.with_file_name(format!("{stem}.theirs-{n}.yaml")))
        .find(|p| !p.exists())
        .expect("a free name")
}
