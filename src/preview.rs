//! `bulletin preview`: a local web server showing the email as readers will see it (desktop and
//! phone widths side by side, the plain text, the subject and preheader as an inbox shows them),
//! rebuilt and reloaded in the browser whenever the bulletin or `publisher.yaml` is saved.
//!
//! It serves only its own five addresses (never a file from disk by path), binds to 127.0.0.1
//! unless told otherwise, answers only requests addressed to it by that address or `localhost`
//! (so that a web page cannot read the unpublished bulletin through DNS rebinding), and keeps
//! running when the bulletin has errors: the page shows them, as `check` would, until the file is
//! fixed. Ctrl-C stops it within about half a second, whatever its clients are doing.

use std::future::IntoFuture;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, PreEscaped, html};
use tokio::sync::{broadcast, watch};

use crate::pipeline::{self, Prepared};
use crate::render::message::{Template, subject};

/// What the preview shows: the rendered bulletin, or why it cannot be rendered.
pub enum View {
    Ready {
        /// The sender as an inbox names it: `from`'s name in publisher.yaml, or its address.
        sender: String,
        /// `from`'s address, shown when the pointer rests on the name.
        sender_address: String,
        html: String,
        text: String,
        eml: Vec<u8>,
        subject: String,
        preheader: String,
        warnings: String,
        /// With sections for an audience: each audience's own version ([`Audience`]).
        audiences: Vec<Audience>,
    },
    Broken {
        diagnostics: String,
    },
}

/// One audience's version of the bulletin, as its members receive it: `?for=LIST` in the
/// preview's addresses (`?for=` alone: people on none of the lists the sections are for).
pub struct Audience {
    /// The list's id; empty for people on none of them.
    pub list: String,
    /// What the selector says: the list's id, or "everyone else".
    pub title: String,
    pub html: String,
    pub text: String,
}

impl View {
    /// The HTML and text of the version for `list` (`None`: every section, labelled), if the
    /// view has it.
    pub fn version(&self, list: Option<&str>) -> Option<(&str, &str)> {
        let View::Ready {
            html,
            text,
            audiences,
            ..
        } = self
        else {
            return None;
        };
        match list {
            None => Some((html, text)),
            Some(l) => audiences
                .iter()
                .find(|a| a.list == l)
                .map(|a| (a.html.as_str(), a.text.as_str())),
        }
    }
}

/// Each audience's version: one for each list a section is for, and one for everyone else.
/// A list is titled by its name in the office's recipients file (`names`), else by its id.
fn audiences(
    b: &crate::model::Bulletin,
    p: &crate::model::Publisher,
    names: &std::collections::HashMap<String, String>,
) -> Vec<Audience> {
    use crate::audience;
    if !audience::any(b) {
        return Vec::new();
    }
    let mut lists: Vec<(String, String)> = audience::lists(b)
        .into_iter()
        .map(|l| {
            let title = names
                .get(&l)
                .cloned()
                .unwrap_or_else(|| audience::list_title(&l));
            (l, title)
        })
        .collect();
    lists.push((String::new(), "everyone else".to_string()));
    lists
        .into_iter()
        .map(|(list, title)| {
            let on: Vec<&str> = [list.as_str()]
                .into_iter()
                .filter(|l| !l.is_empty())
                .collect();
            let version = audience::version(b, &audience::sections_for(b, &on));
            Audience {
                html: crate::render::html::render(&version, p),
                text: crate::render::text::render(&version, p),
                list,
                title,
            }
        })
        .collect()
}

/// Loads and renders a bulletin for the preview.
pub fn build(path: &Path) -> View {
    view_of(pipeline::prepare(path, false))
}

/// [`build`] for a bulletin's text not on disk, as if it were at `path` (the desk's preview of
/// what is being typed).
pub fn build_text(path: &Path, text: &str) -> View {
    view_of(pipeline::prepare_text(path, text, false))
}

fn view_of(prepared: Result<Prepared, crate::diagnostic::Diagnostics>) -> View {
    let Prepared {
        loaded,
        html,
        text,
        warnings,
        list_names,
        ..
    } = match prepared {
        Ok(p) => p,
        Err(d) => {
            return View::Broken {
                diagnostics: d.to_string(),
            };
        }
    };
    let (b, p) = (&loaded.bulletin, &loaded.publisher);
    let warnings = warnings.to_string();
    let sample = "Sample Recipient <recipient@example.org>"
        .parse()
        .expect("a valid sample address");
    let id = crate::identity::of(b);
    let eml = match Template::new(b, p, &id, &text, &html, false) {
        Ok(t) => t.for_recipient(&sample, SystemTime::now()),
        Err(e) => {
            return View::Broken {
                diagnostics: e.to_string(),
            };
        }
    };
    let preheader = b.summary.clone().unwrap_or_else(|| b.dateline());
    let sender_address = p.from.email.to_string();
    View::Ready {
        sender: p
            .from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| sender_address.clone()),
        sender_address,
        subject: subject(b, &id, false),
        preheader,
        html,
        text,
        eml,
        warnings,
        audiences: audiences(b, p, &list_names),
    }
}

/// One person's email ([`as_reader`]).
pub struct AsReader {
    pub html: String,
    pub text: String,
    /// The line an inbox shows after the subject, their details filled in.
    pub preheader: String,
}

/// `?as=ADDRESS`: the email (HTML and text) as that person receives it: the sections for them
/// and their details in the merge fields, from the office's spreadsheet of people when
/// `recipients` has one (else the address's own name). `None` if the bulletin has errors or the
/// address is not a valid one.
pub fn as_reader(
    path: &Path,
    recipients: Option<&crate::input::recipients::Recipients>,
    address: &str,
) -> Option<AsReader> {
    let prepared = pipeline::prepare(path, false).ok()?;
    let (b, p) = (&prepared.loaded.bulletin, &prepared.loaded.publisher);
    let sheet = recipients.and_then(|r| r.people.as_ref());
    // As the lists give them: the person's row of the spreadsheet names them.
    let asked: lettre::message::Mailbox = address.parse().ok()?;
    let key = crate::input::recipients::key(&asked);
    let to = sheet
        .and_then(|s| s.people.iter().find(|p| p.key == key))
        .map_or(asked, |person| person.mailbox.clone());
    let mut version = b.clone();
    if let Some(r) = recipients
        && crate::audience::any(b)
    {
        let split =
            crate::audience::split(b, &crate::identity::of(b), r, std::slice::from_ref(&to));
        if let Some(v) = split.versions.first() {
            version = crate::audience::version(b, &v.sections);
        }
    }
    let readers = crate::merge::readers(std::slice::from_ref(&to), sheet);
    let reader = readers.into_values().next().unwrap_or_default();
    let filled = crate::merge::fill(&version, &reader);
    Some(AsReader {
        html: crate::render::html::render(&filled, p),
        text: crate::render::text::render(&filled, p),
        preheader: filled.summary.clone().unwrap_or_else(|| filled.dateline()),
    })
}

struct Shared {
    bulletin: PathBuf,
    /// The office's `recipients.yaml`, found upwards from the bulletin's folder: for `?as=`;
    /// `None` too when the preview listens beyond this computer (`--bind`), where a person's
    /// details from the spreadsheet must not be shown to whoever asks.
    recipients: Option<PathBuf>,
    /// Whether it listens on this computer alone, where `?as=` is offered.
    loopback: bool,
    view: RwLock<Arc<View>>,
    version: AtomicU64,
    reload: broadcast::Sender<u64>,
    shutdown: watch::Receiver<bool>,
}

/// How long Ctrl-C lets requests in flight finish before the preview stops anyway: a client that
/// sent half a request and went quiet must not keep it running.
const GRACE: Duration = Duration::from_millis(500);

/// Serves the preview on `addr` until Ctrl-C. `on_ready` is told the address actually bound
/// (useful with port 0).
pub async fn serve(
    bulletin: PathBuf,
    addr: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    // Listen for Ctrl-C before saying where the preview is, so that an early one counts too.
    let mut interrupts = Interrupts::listen()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let (reload, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        view: RwLock::new(Arc::new(build(&bulletin))),
        recipients: office_recipients(&bulletin).filter(|_| bound.ip().is_loopback()),
        loopback: bound.ip().is_loopback(),
        bulletin,
        version: AtomicU64::new(1),
        reload,
        shutdown: shutdown_rx.clone(),
    });
    let _watcher = watch_files(shared.clone())?;
    let app = Router::new()
        .route("/", get(page))
        .route("/email.html", get(email_html))
        .route("/email.txt", get(email_text))
        .route("/email.eml", get(email_eml))
        .route("/events", get(events))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(bound, only_our_host))
        .with_state(shared);
    on_ready(bound);
    let mut stopping = shutdown_rx;
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopping.changed().await;
        })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = interrupts.next() => {}
    }
    // Ctrl-C: open /events streams end and no new connection is taken; requests in flight get
    // GRACE to finish. Connections still open then are dropped with the runtime.
    let _ = shutdown_tx.send(true);
    tokio::select! {
        result = &mut server => result,
        () = tokio::time::sleep(GRACE) => Ok(()),
        () = interrupts.next() => Ok(()),
    }
}

/// The office's `recipients.yaml` for a bulletin: in the office's folder found upwards from the
/// bulletin's own (as commands find it from where they are run), if it is there.
pub fn office_recipients(bulletin: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(bulletin).ok()?.parent()?.to_path_buf();
    let project = crate::project::Project::find(&dir);
    project.require().ok()?;
    Some(dir.join(project.recipients())).filter(|p| p.is_file())
}

/// The office's lists and spreadsheet of people, if it has a recipients file that loads.
fn recipients_of(shared: &Shared) -> Option<crate::input::recipients::Recipients> {
    let path = shared.recipients.as_ref()?;
    crate::input::recipients::load(path).ok().map(|(r, _)| r)
}

/// Ctrl-C as a stream: SIGINT on Unix, the console's Ctrl-C (and Ctrl-Break) on Windows.
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
    #[cfg(windows)]
    signal: tokio::signal::windows::CtrlC,
}

impl Interrupts {
    fn listen() -> std::io::Result<Interrupts> {
        #[cfg(unix)]
        let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        #[cfg(windows)]
        let signal = tokio::signal::windows::ctrl_c()?;
        Ok(Interrupts { signal })
    }

    /// The next Ctrl-C.
    async fn next(&mut self) {
        if self.signal.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

/// Answers only requests addressed to the preview itself: `Host` (and the request line's
/// authority, if any) must be the bound address or `localhost`, with the bound port. Any other
/// name is refused: it is how a web page would reach the preview through DNS rebinding (its own
/// domain name, made to resolve to 127.0.0.1, so that the browser lets it read the answer). A
/// request that names no host at all (HTTP/1.0) is served: browsers always send `Host`.
async fn only_our_host(State(bound): State<SocketAddr>, request: Request, next: Next) -> Response {
    let named: Vec<String> = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .into_iter()
        .chain(
            request
                .headers()
                .get_all(header::HOST)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        )
        .collect();
    match named.iter().find(|h| !host_allowed(h, bound)) {
        None => next.run(request).await,
        Some(host) => refused(host, bound),
    }
}

/// Whether `host` (a `Host` header: `name`, `name:port`, `[v6]:port`) names the preview bound at
/// `bound`: `localhost` or the bound IP address (any IP address when bound to all of them), and
/// the bound port (80 when none is given). A domain name is never enough: that is the point.
pub fn host_allowed(host: &str, bound: SocketAddr) -> bool {
    let (name, after, bracketed) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, after)) => (ip, after, true),
            None => return false,
        },
        None => match host.find(':') {
            Some(i) => (&host[..i], &host[i..], false),
            None => (host, "", false),
        },
    };
    let port = match after {
        "" => 80,
        _ => match after.strip_prefix(':').and_then(|p| p.parse::<u16>().ok()) {
            Some(port) => port,
            None => return false,
        },
    };
    if port != bound.port() {
        return false;
    }
    if !bracketed
        && (name.eq_ignore_ascii_case("localhost") || name.eq_ignore_ascii_case("localhost."))
    {
        return true;
    }
    let ip = if bracketed {
        name.parse::<std::net::Ipv6Addr>().map(IpAddr::V6)
    } else {
        name.parse::<std::net::Ipv4Addr>().map(IpAddr::V4)
    };
    ip.is_ok_and(|ip| ip == bound.ip() || bound.ip().is_unspecified())
}

/// The page for a request addressed to another name: 403, saying why and where to go instead.
fn refused(host: &str, bound: SocketAddr) -> Response {
    let port = bound.port();
    let local = format!("http://localhost:{port}/");
    let markup = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Not this address: bulletin preview" }
                link rel="icon" href="data:,";
            }
            body style="font-family:Arial,Helvetica,sans-serif;max-width:40em;margin:40px auto;padding:0 20px;color:#1f2933;line-height:1.5" {
                h1 style="font-size:22px" { "The preview does not answer to this address" }
                p {
                    "This request was for " strong { (host) } ", but the bulletin preview answers only at "
                    @if bound.ip().is_unspecified() {
                        a href=(local) { (local) } " or at this computer's IP address with port " (port) "."
                    } @else {
                        @let own = format!("http://{bound}/");
                        a href=(own) { (own) } " or " a href=(local) { (local) } "."
                    }
                }
                p {
                    "This keeps your unpublished bulletin private. Without it, a web page you visit "
                    "could give a name of its own to this computer and read the preview through your "
                    "browser (an attack called DNS rebinding)."
                }
                p { "Open the address that " code { "bulletin preview" } " printed when it started." }
            }
        }
    };
    (StatusCode::FORBIDDEN, Html(markup.into_string())).into_response()
}

/// Watches the bulletin's folder, and when the bulletin is a symbolic link the folder of the file
/// it points to (an edit there changes nothing beside the link); after a burst of changes to the
/// bulletin, its target or publisher.yaml settles (200 ms), rebuilds the view and tells open pages
/// to reload.
fn watch_files(shared: Arc<Shared>) -> std::io::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let parent = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    // The file a link (or a chain of them) leads to, if the bulletin is one.
    let target = std::fs::symlink_metadata(&shared.bulletin)
        .is_ok_and(|m| m.file_type().is_symlink())
        .then(|| std::fs::canonicalize(&shared.bulletin).ok())
        .flatten();
    let names: Vec<std::ffi::OsString> = [
        shared.bulletin.file_name().map(|n| n.to_os_string()),
        target
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_os_string()),
        Some("publisher.yaml".into()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        use notify::EventKind;
        use notify::event::{AccessKind, AccessMode};
        // Reading the file (as the rebuild does) is an event too: only writes count.
        let Ok(e) = event else { return };
        let wrote = match e.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) | EventKind::Other => false,
            _ => true,
        };
        if wrote
            && e.paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.iter().any(|w| w == n)))
        {
            let _ = tx.send(());
        }
    })
    .map_err(std::io::Error::other)?;
    let dir = parent(&shared.bulletin);
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(std::io::Error::other)?;
    if let Some(target) = &target {
        let there = parent(target);
        if std::fs::canonicalize(&dir).ok().as_ref() != Some(&there) {
            watcher
                .watch(&there, notify::RecursiveMode::NonRecursive)
                .map_err(std::io::Error::other)?;
        }
    }
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Debounce: editors write a file in several steps.
            while let Ok(Some(())) =
                tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            {}
            let view = build(&shared.bulletin);
            *shared.view.write().unwrap() = Arc::new(view);
            let v = shared.version.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = shared.reload.send(v);
        }
    });
    Ok(watcher)
}

fn current(shared: &Shared) -> Arc<View> {
    shared.view.read().unwrap().clone()
}

const PAGE_STYLE: &str = "body{margin:0;font-family:Arial,Helvetica,sans-serif;background:#e9edf1;color:#1f2933}\
header{padding:12px 20px;background:#1f2933;color:#fff;font-size:14px}\
#inbox{margin:16px 20px;padding:12px 16px;background:#fff;border:1px solid #c5ced6;max-width:1100px}\
#from{font-weight:bold}#subject{font-weight:bold}#preheader{color:#4a5560}\
.views{display:flex;flex-wrap:wrap;gap:20px;margin:0 20px;align-items:flex-start}\
.view h2{font-size:14px;margin:0 0 6px;color:#4a5560}\
iframe{border:1px solid #c5ced6;background:#fff;height:1400px}\
#desktop{width:700px}#phone{width:375px}\
#text{margin:20px;padding:16px;background:#fff;border:1px solid #c5ced6;max-width:640px;white-space:pre-wrap;font-size:13px}\
#diagnostics{margin:20px;padding:16px;background:#fff4f4;border:2px solid #b00020;white-space:pre-wrap;font-size:14px}\
.warnings{margin:0 20px 16px;padding:8px 16px;background:#fff8e1;border:1px solid #c8a200;white-space:pre-wrap;font-size:13px}";

/// The page's script: live reload, iframe heights, and the reader's place kept across reloads.
const PAGE_SCRIPT: &str = include_str!("preview/page.js");

/// The value of `key` in an address's query (`?for=gps` → `gps`), decoded, if it has one.
pub fn query_value(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    })
}

/// `?for=LIST`: which audience's version to show ([`Audience`]); `?as=ADDRESS`: the email as
/// that person receives it ([`as_reader`]), which wins over `for`.
#[derive(Default)]
pub struct For {
    pub list: Option<String>,
    pub reader: Option<String>,
}

impl For {
    /// The `for` and `as` of an address's query, if it has them.
    pub fn of(uri: &axum::http::Uri) -> For {
        For {
            list: query_value(uri, "for"),
            reader: query_value(uri, "as"),
        }
    }

    /// The query to add to an address for this version: `?as=pat%40example.org`,
    /// `?for=practice-managers`, or nothing.
    fn query(&self) -> String {
        match (&self.reader, &self.list) {
            (Some(a), _) => format!("?as={}", urlencoding(a)),
            (None, Some(l)) => format!("?for={}", urlencoding(l)),
            (None, None) => String::new(),
        }
    }
}

/// A list id or an address for a query: anything but letters, digits, `-`, `_` and `.` is
/// percent-encoded.
pub fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The links that switch between the audiences' versions, the one shown marked.
/// `new_tab`: each opens in a tab of its own (the desk, whose page holds the form).
pub fn audience_selector(
    audiences: &[Audience],
    shown: Option<&str>,
    base: &str,
    new_tab: bool,
) -> maud::Markup {
    let target = new_tab.then_some("_blank");
    html! {
        @if !audiences.is_empty() {
            nav id="audiences" aria-label="Which readers' version" style="margin:0 20px 12px;font-size:14px" {
                "Show the version for: "
                @let all = shown.is_none();
                a href=(base) target=[target] aria-current=[all.then_some("page")] style=[all.then_some("font-weight:bold")] { "Every section" }
                @for a in audiences {
                    @let here = shown == Some(a.list.as_str());
                    " · "
                    a href={(base) "?for=" (urlencoding(&a.list))} target=[target] aria-current=[here.then_some("page")] style=[here.then_some("font-weight:bold")] { (a.title) }
                }
            }
        }
    }
}

async fn page(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let which = For::of(&uri);
    let view = current(&shared);
    let as_reader = match (&which.reader, view.as_ref()) {
        (Some(address), View::Ready { .. }) => match shown_as(&shared, address) {
            Ok(version) => Some(version),
            Err(refusal) => return *refusal,
        },
        _ => None,
    };
    if as_reader.is_none() && which.list.is_some() && view.version(which.list.as_deref()).is_none()
    {
        return not_an_audience();
    }
    let query = which.query();
    let name = shared.bulletin.display().to_string();
    let markup = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Preview: " (name) }
                link rel="icon" href="data:,";
                style { (PreEscaped(PAGE_STYLE)) }
            }
            body {
                header { "Preview of " strong { (name) } " · saves reload this page" }
                @match view.as_ref() {
                    View::Broken { diagnostics } => {
                        main {
                            h1 style="margin:20px;font-size:20px" { "The bulletin has errors" }
                            pre id="diagnostics" { (diagnostics) }
                        }
                    }
                    View::Ready { sender, sender_address, subject, preheader, warnings, audiences, .. } => {
                        @let preheader = as_reader.as_ref().map_or(preheader, |r| &r.preheader);
                        @let text = match &as_reader {
                            Some(r) => r.text.as_str(),
                            None => view.version(which.list.as_deref()).map_or("", |v| v.1),
                        };
                        main {
                            div id="inbox" aria-label="As the inbox shows it" {
                                span id="from" title=(sender_address) { (sender) } " · "
                                span id="subject" { (subject) } " — "
                                span id="preheader" { (preheader) }
                            }
                            @if !warnings.is_empty() {
                                pre class="warnings" { (warnings) }
                            }
                            @if let Some(address) = &which.reader {
                                p id="as-reader" style="margin:0 20px 12px;font-size:14px" {
                                    "The email as " strong { (address) } " receives it: their sections, their details in the merge fields. "
                                    a href="/" { "Show the email as written" }
                                }
                            } @else {
                                (audience_selector(audiences, which.list.as_deref(), "/", false))
                            }
                            div id="views" class="views" {
                                div class="view" { h2 { "Desktop" } iframe id="desktop" src={"/email.html" (query)} title="The email at desktop width" {} }
                                div class="view" { h2 { "Phone (375px)" } iframe id="phone" src={"/email.html" (query)} title="The email at phone width" {} }
                            }
                            h2 style="margin:20px 20px 0;font-size:14px;color:#4a5560" { "Plain text" }
                            pre id="text" { (text) }
                        }
                    }
                }
                script { (PreEscaped(PAGE_SCRIPT)) }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// `?for=` naming no audience of the bulletin.
fn not_an_audience() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found: no section of the bulletin is for this list\n",
    )
        .into_response()
}

fn broken(diagnostics: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        diagnostics.to_string(),
    )
        .into_response()
}

/// The email as `address` receives it ([`as_reader`]), or the answer to give instead: the
/// bulletin's errors, or that the address is not one.
fn shown_as(shared: &Shared, address: &str) -> Result<AsReader, Box<Response>> {
    if !shared.loopback {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "The email as one person receives it is shown only by a preview that listens on this computer alone (without --bind)\n",
            )
                .into_response(),
        ));
    }
    if let View::Broken { diagnostics } = current(shared).as_ref() {
        return Err(Box::new(broken(diagnostics)));
    }
    as_reader(&shared.bulletin, recipients_of(shared).as_ref(), address).ok_or_else(|| {
        Box::new(
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Not an email address: ?as= needs one, such as ?as=pat%40example.org\n",
            )
                .into_response(),
        )
    })
}

async fn email_html(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let which = For::of(&uri);
    if let Some(address) = &which.reader {
        return match shown_as(&shared, address) {
            Ok(r) => Html(r.html).into_response(),
            Err(refusal) => *refusal,
        };
    }
    let view = current(&shared);
    match (view.as_ref(), view.version(which.list.as_deref())) {
        (View::Broken { diagnostics }, _) => broken(diagnostics),
        (_, Some((html, _))) => Html(html.to_string()).into_response(),
        (_, None) => not_an_audience(),
    }
}

async fn email_text(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    let which = For::of(&uri);
    if let Some(address) = &which.reader {
        return match shown_as(&shared, address) {
            Ok(r) => (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                r.text,
            )
                .into_response(),
            Err(refusal) => *refusal,
        };
    }
    let view = current(&shared);
    match (view.as_ref(), view.version(which.list.as_deref())) {
        (View::Broken { diagnostics }, _) => broken(diagnostics),
        (_, Some((_, text))) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text.to_string(),
        )
            .into_response(),
        (_, None) => not_an_audience(),
    }
}

async fn email_eml(State(shared): State<Arc<Shared>>) -> Response {
    match current(&shared).as_ref() {
        View::Ready { eml, .. } => {
            ([(header::CONTENT_TYPE, "message/rfc822")], eml.clone()).into_response()
        }
        View::Broken { diagnostics } => broken(diagnostics),
    }
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let state = (shared.reload.subscribe(), shared.shutdown.clone());
    let stream = futures_util::stream::unfold(state, |(mut reload, mut shutdown)| async move {
        if *shutdown.borrow() {
            return None;
        }
        loop {
            tokio::select! {
                v = reload.recv() => match v {
                    Ok(v) => return Some((Ok::<_, std::convert::Infallible>(Event::default().event("reload").data(v.to_string())), (reload, shutdown))),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = shutdown.changed() => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found: the preview serves only /, /email.html, /email.txt and /email.eml\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::host_allowed;
    use std::net::SocketAddr;

    fn at(addr: &str) -> SocketAddr {
        addr.parse().unwrap()
    }

    #[test]
    fn the_bound_address_and_localhost_with_the_port_are_allowed() {
        let bound = at("127.0.0.1:8000");
        for host in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LocalHost:8000",
            "localhost.:8000",
        ] {
            assert!(host_allowed(host, bound), "{host} must be allowed");
        }
        assert!(host_allowed("localhost", at("127.0.0.1:80")));
        assert!(host_allowed("[::1]:8000", at("[::1]:8000")));
    }

    #[test]
    fn other_names_ports_and_malformed_hosts_are_refused() {
        let bound = at("127.0.0.1:8000");
        for host in [
            "evil.example:8000",
            "evil.example",
            "127.0.0.1.nip.io:8000",
            "localhost.evil.example:8000",
            "127.0.0.1:8001",
            "127.0.0.1",
            "localhost:80",
            "127.0.0.2:8000",
            "[::1]:8000",
            "[localhost]:8000",
            "127.0.0.1:",
            "127.0.0.1:8000:8000",
            "127.0.0.1:80x",
            "",
        ] {
            assert!(!host_allowed(host, bound), "{host:?} must be refused");
        }
    }

    #[test]
    fn bound_to_every_address_any_ip_address_will_do_but_no_name() {
        let bound = at("0.0.0.0:8000");
        assert!(host_allowed("192.168.1.20:8000", bound));
        assert!(host_allowed("127.0.0.1:8000", bound));
        assert!(host_allowed("localhost:8000", bound));
        assert!(!host_allowed("office-pc.lan:8000", bound));
        assert!(!host_allowed("192.168.1.20:8001", bound));
    }
}
