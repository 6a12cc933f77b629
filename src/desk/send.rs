//! The Send, Archive and Replies pages, and the runs of `bulletin send`, `archive`, `inbox`
//! and `report` they start ([`super::jobs`]); Replies' Confirm and Dismiss of what `inbox` left
//! waiting for a person, through [`crate::suppress`] as `inbox --confirm` and `--dismiss` do.
//! Nothing is sent while `check` finds an error (the page offers no button and the request is
//! refused), and a bulletin changed after it was sent is met with the choices `send` itself
//! offers (`--continue-changed`, `--correction`), explained, decided from the journal by the
//! same library code ([`crate::send::resume`]). With `approvers` in publisher.yaml, the Send
//! page shows where the issue stands with approval and records an approval as `bulletin
//! approve` does ([`crate::approval::approve`]); the send itself is `bulletin send`, which
//! refuses an issue not approved as it is.

use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::Desk;
use super::pages::{Tab, layout, plural, refused_page};
use crate::input::recipients::Recipients;
use crate::send::journal;
use crate::send::resume::{self, Mode, Refusal};

/// How the issue stands with its journal: delivered so far, and why `send` would refuse.
struct Sent {
    delivered: usize,
    refusal: Option<Refusal>,
}

fn sent(path: &Path, b: &crate::model::Bulletin) -> Sent {
    let id = crate::identity::of(b);
    let target = match resume::locate(path, None, &id, &b.title, Mode::Resume) {
        Ok(t) => t,
        Err(r) => {
            return Sent {
                delivered: 0,
                refusal: Some(r),
            };
        }
    };
    let Ok(journal) = journal::read(&target.path) else {
        return Sent {
            delivered: 0,
            refusal: None,
        };
    };
    Sent {
        delivered: journal.delivered(),
        refusal: resume::check(path, &target, &journal, &b.title, Mode::Resume).err(),
    }
}

/// How many people an issue was delivered to, from its journal (for the Home page).
pub fn delivered(path: &Path) -> usize {
    journal::read(&resume::journal_path(path)).map_or(0, |j| j.delivered())
}

/// The mailing lists: id, name, people, suppressed.
fn lists(r: &Recipients) -> Vec<(String, String, usize, usize)> {
    let counts = r.counts();
    r.lists
        .iter()
        .map(|(id, l)| {
            let c = counts.get(id.as_str());
            (
                id.clone(),
                l.name.clone(),
                c.map_or(0, |c| c.recipients),
                c.map_or(0, |c| c.suppressed),
            )
        })
        .collect()
}

/// A sign-in the office's mail needs (`auth: oauth2`): what the desk runs for it, whose it is,
/// at which service, and whether this computer keeps one now.
struct SignIn {
    what: &'static str,
    label: &'static str,
    username: String,
    issuer: String,
    signed_in: bool,
}

/// The sign-ins recipients.yaml asks for: the relay's, and the reply mailbox's when it is not
/// the same person with the same app (then the relay's serves both, as `bulletin login` does).
fn sign_ins(r: &Recipients) -> Vec<SignIn> {
    use crate::input::recipients::{Auth, Transport};
    let kept = |username: &str, o: &crate::input::recipients::OAuth2| {
        let account = crate::secret::Account::sign_in(username, o);
        matches!(crate::secret::load(&account), Ok(Some(_)))
    };
    let mut found = Vec::new();
    let relay = match &r.transport {
        Transport::Smtp(s) if s.auth == Auth::OAuth2 => s
            .oauth2
            .as_deref()
            .map(|o| (s.username.clone().unwrap_or_default(), o)),
        _ => None,
    };
    if let Some((username, o)) = &relay {
        found.push(SignIn {
            what: "login",
            label: "Sign in to send",
            username: username.clone(),
            issuer: o.issuer.authority().to_string(),
            signed_in: kept(username, o),
        });
    }
    if let Some(imap) = &r.mailbox.imap
        && let Some(o) = imap.oauth2.as_deref()
    {
        let shared = relay.as_ref().is_some_and(|(u, ro)| {
            *u == imap.username && ro.issuer == o.issuer && ro.client_id == o.client_id
        });
        if !shared {
            found.push(SignIn {
                what: "login-mailbox",
                label: "Sign in to read replies",
                username: imap.username.clone(),
                issuer: o.issuer.authority().to_string(),
                signed_in: kept(&imap.username, o),
            });
        }
    }
    found
}

/// The sign-in card: whether this computer is signed in, and the button that signs in (the
/// address to open comes in "What happened", as `bulletin login --no-open` prints it).
fn sign_in_card(sign_ins: &[SignIn]) -> maud::Markup {
    html! {
        section class="card" aria-labelledby="signin-h" id="sign-in" {
            h2 id="signin-h" { "Signing in to the mail service" }
            @for s in sign_ins {
                p {
                    @if s.signed_in {
                        "Signed in as " strong { (s.username) } " on this computer."
                    } @else {
                        "Not signed in as " strong { (s.username) } " on this computer yet."
                    }
                    " The sign-in is at " (s.issuer) "."
                }
                p { button type="button" data-run=(s.what) { (s.label) } }
            }
            p class="hint" { "A link to the sign-in page appears below: open it, sign in with the office's account, then come back. The sign-in is kept on this computer; nobody else's browser can use it." }
        }
    }
}

pub async fn page(State(desk): State<Arc<Desk>>, UrlPath(name): UrlPath<String>) -> Response {
    let Some(path) = desk.bulletin(&name) else {
        return (
            StatusCode::NOT_FOUND,
            Html(refused_page(
                "There is no such bulletin in the bulletins folder.",
            )),
        )
            .into_response();
    };
    let result = crate::pipeline::prepare(&path, false);
    let state = result
        .as_ref()
        .ok()
        .map(|p| sent(&path, &p.loaded.bulletin));
    // Read once for the lists and the sign-ins.
    let recipients = desk.recipients();
    let lists = recipients.as_ref().map(lists);
    let sign_ins = recipients.as_ref().map(sign_ins).unwrap_or_default();
    let blocked = result.is_err();
    let approval = result.as_ref().ok().and_then(|p| {
        let publisher = &p.loaded.publisher;
        let status = crate::approval::status(&path, &p.loaded.bulletin, publisher);
        (!publisher.approvers.is_empty()).then(|| (publisher.approvers.clone(), status))
    });
    // With approvers, the send waits for an approval of the issue as it is (as `send` refuses).
    let unapproved = approval
        .as_ref()
        .is_some_and(|(_, s)| !matches!(s, Ok(crate::approval::Status::Approved(_))));
    let hold = blocked || unapproved;
    let body = html! {
        h1 { "Send: " (super::pages::issue_heading(&name)) }
        @match &result {
            Err(d) => {
                div class="refused" role="alert" id="send-refused" {
                    p { strong { "This issue cannot be sent yet: " (d.errors()) " problem" (plural(d.errors())) " to fix." } }
                    p { "Fix what is marked in red on the " a href={"/write/" (name)} { "Write page" } ", then come back." }
                }
            }
            Ok(p) => {
                @match state.as_ref().map_or(0, |s| s.delivered) {
                    0 => p id="send-ready" { "“" (p.loaded.bulletin.title) "” is ready to send." },
                    n => p id="send-ready" { "“" (p.loaded.bulletin.title) "” has been sent to " (n) " " (super::pages::people(n)) "." },
                }
            }
        }
        @if let Some(s) = &state {
            @if s.delivered > 0 {
                p { "Sending to a list again carries on with those on it who have not had it: nobody gets it twice." }
                p { button type="button" data-run="reach" data-name=(name) { "Which practices it reached" } }
            }
            @match &s.refusal {
                Some(Refusal::Changed { delivered, .. }) => {
                    div class="refused" role="alert" id="changed" {
                        p { strong { "This bulletin was changed after it was sent." } " " (delivered) " " (if *delivered == 1 { "person has" } else { "people have" }) " the earlier version. Choose how to go on:" }
                        ul {
                            li { strong { "Send this version only to those who have not had it" } ": the others keep the earlier version." }
                            li { strong { "Send this version to everyone again, as a correction" } ": “Correction:” goes before the subject." }
                        }
                        p { "Or, if the change was a mistake, undo it on the " a href={"/write/" (name)} { "Write page" } ": once the bulletin is as it was sent, sending carries on with those who have not had it." }
                    }
                }
                Some(other) => {
                    div class="refused" role="alert" id="refusal" {
                        p { (super::problems::plain_words(&other.to_string())) }
                        @if let Some(help) = other.help() { p { (super::problems::plain_words(&help)) } }
                    }
                }
                None => {}
            }
        }
        @if !sign_ins.is_empty() {
            (sign_in_card(&sign_ins))
        }
        @if let Some(ask) = recipients.as_ref().and_then(|r| super::password::ask(r, super::password::Which::Relay)) {
            (super::password::card(&ask, Some(&name)))
        }
        @if let Some((approvers, status)) = &approval {
            (approval_card(&name, approvers, status, blocked))
        }
        section class="card" aria-labelledby="test-h" {
            h2 id="test-h" { "Send a test copy" }
            div class="field" {
                label for="test-to" { "Send a test copy to" }
                span class="hint" id="test-hint" { "An email address, or the name of a list of reviewers. “[TEST]” goes before the subject (“[FOR APPROVAL]” while the issue waits for approval), and nobody is recorded as having had the issue." }
                input id="test-to" type="text" aria-describedby="test-hint" autocomplete="email";
            }
            button type="button" class="button" data-send="test" disabled[blocked] { "Send a test copy" }
        }
        section class="card" aria-labelledby="list-h" {
            h2 id="list-h" { "Send to a mailing list" }
            @match &lists {
                Some(lists) if !lists.is_empty() => {
                    div class="field" {
                        label for="list" { "Mailing list" }
                        select id="list" {
                            @for (id, lname, n, s) in lists {
                                option value=(id) { (lname) " (" (n) " " (super::pages::people(*n)) @if *s > 0 { ", " (s) " not sent to: unsubscribed or bounced" } ")" }
                            }
                        }
                    }
                    p {
                        button type="button" data-send="dry-run" disabled[blocked] { "Who would get it" }
                        " "
                        @match state.as_ref().and_then(|s| s.refusal.as_ref()) {
                            Some(Refusal::Changed { .. }) => {
                                button type="button" class="button" data-send="send" data-mode="continue-changed" disabled[hold] { "Send this version only to those who have not had it" }
                                " "
                                button type="button" class="button" data-send="send" data-mode="correction" disabled[hold] { "Send this version to everyone again, as a correction" }
                            }
                            Some(_) => {}
                            None => {
                                button type="button" class="button" data-send="send" disabled[hold] { "Send to the list" }
                            }
                        }
                    }
                    @if unapproved && !blocked {
                        p class="hint" id="wait-approval" { "Sending to a list waits for the approval above: send the approvers a test copy, then record their approval." }
                    }
                    p class="hint" { "If a send stops (the computer sleeps, the relay goes down, the desk is closed), press Send again: it carries on where it stopped, and nobody gets it twice." }
                }
                _ => p { "The mailing lists are in recipients.yaml, which this folder does not have yet (or it has a mistake): see docs/send.md." }
            }
        }
        div id="job" hidden {
            h2 { "What happened" }
            p id="job-status" role="status" {}
            pre id="job-output" {}
        }
    };
    layout(&desk, "Send", Tab::Send, Some(&name), body).into_response()
}

/// Where the issue stands with approval, and (until it is approved as it is) the Approve form.
fn approval_card(
    name: &str,
    approvers: &[String],
    status: &Result<crate::approval::Status, crate::approval::Error>,
    blocked: bool,
) -> maud::Markup {
    use crate::approval::Status;
    let approved = matches!(status, Ok(Status::Approved(_)));
    html! {
        section class="card" aria-labelledby="approve-h" {
            h2 id="approve-h" { "Approval" }
            @match status {
                Ok(Status::Approved(a)) => p id="approval" class="said" { "Approved by " (a.by) " on " (a.when()) ". It is sent as it is now." },
                Ok(Status::Changed(a, changes)) => div id="approval" class="refused" role="alert" {
                    p { strong { "Changed since " (a.by) " approved it on " (a.when()) ":" } }
                    ul { @for c in changes { li { (c) } } }
                    p { "Send a test copy of this version to be approved, then record the approval again." }
                }
                Ok(_) => p id="approval" class="refused" role="alert" { "Not approved yet: " (approvers.join(" or ")) " must approve this issue before it is sent. Send them a test copy (its subject starts “[FOR APPROVAL]”), then record their approval here." },
                Err(e) => div id="approval" class="refused" role="alert" {
                    p { (super::problems::plain_words(&e.to_string())) }
                    @if let Some(help) = e.help() { p { (super::problems::plain_words(&help)) } }
                },
            }
            @if !approved {
                form method="post" action={"/api/approve/" (name)} data-desk-post="" {
                    div class="field" {
                        label for="approver" { "Approved by" }
                        select id="approver" name="by" {
                            @for a in approvers { option value=(a) { (a) } }
                        }
                    }
                    button type="submit" class="button" disabled[blocked] { "Approve this version" }
                    p class="problem why" role="status" {}
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct ApproveRequest {
    by: String,
}

/// "Approve this version": what `bulletin approve FILE --as NAME` does, for an issue without
/// errors, by one of the approvers publisher.yaml names.
pub async fn approve(
    State(desk): State<Arc<Desk>>,
    UrlPath(name): UrlPath<String>,
    body: Bytes,
) -> Response {
    let no = |status: StatusCode, why: String| (status, Html(refused_page(&why))).into_response();
    let Some(path) = desk.bulletin(&name) else {
        return no(
            StatusCode::NOT_FOUND,
            "There is no such bulletin in the bulletins folder.".into(),
        );
    };
    let Ok(request) = serde_json::from_slice::<ApproveRequest>(&body) else {
        return no(StatusCode::BAD_REQUEST, "Nothing to approve.".into());
    };
    let _one_at_a_time = desk.saving.lock().await;
    let prepared = match crate::pipeline::prepare(&path, false) {
        Ok(p) => p,
        Err(d) => {
            return no(
                StatusCode::CONFLICT,
                format!(
                    "Not approved: the bulletin has {} problem{} to fix on the Write page.",
                    d.errors(),
                    plural(d.errors())
                ),
            );
        }
    };
    let (b, p) = (&prepared.loaded.bulletin, &prepared.loaded.publisher);
    match crate::approval::approve(&path, b, p, &request.by, crate::clock::now_ms()) {
        Ok(_) => axum::response::Redirect::to(&format!("/send/{name}")).into_response(),
        Err(e) => {
            let said = match e.help() {
                Some(help) => format!("{e}. {help}"),
                None => e.to_string(),
            };
            no(StatusCode::CONFLICT, super::problems::plain_words(&said))
        }
    }
}

#[derive(Deserialize)]
struct SendRequest {
    /// `test`, `dry-run` or `send`.
    action: String,
    /// The test copy's addresses and lists, or the list.
    #[serde(default)]
    to: String,
    /// `continue-changed` or `correction`, for a bulletin changed after it was sent.
    #[serde(default)]
    mode: String,
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn refused(why: &str) -> Response {
    json(StatusCode::CONFLICT, serde_json::json!({ "error": why }))
}

/// Starts `bulletin send` for the page: a test copy, a dry run or the send, never while the
/// bulletin has an error.
pub async fn start(
    State(desk): State<Arc<Desk>>,
    UrlPath(name): UrlPath<String>,
    body: Bytes,
) -> Response {
    let Some(path) = desk.bulletin(&name) else {
        return refused("there is no such bulletin");
    };
    let Ok(request) = serde_json::from_slice::<SendRequest>(&body) else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": "not a send request" }),
        );
    };
    if let Err(d) = crate::pipeline::prepare(&path, false) {
        return refused(&format!(
            "not sent: the bulletin has {} problem{} to fix on the Write page",
            d.errors(),
            plural(d.errors())
        ));
    }
    let lists = desk.recipients().as_ref().map(lists).unwrap_or_default();
    let is_list = |l: &str| lists.iter().any(|(id, ..)| id == l);
    let file = format!("{}/{name}", crate::project::BULLETINS);
    let args: Vec<String> = match request.action.as_str() {
        "test" => {
            let parts: Vec<&str> = request.to.split(',').map(str::trim).collect();
            let ok = !request.to.trim().is_empty()
                && parts
                    .iter()
                    .all(|p| is_list(p) || crate::address::parse_mailbox(p).is_ok());
            if !ok {
                return refused("give an email address, or the name of a list");
            }
            vec!["send".into(), file, format!("--test={}", parts.join(","))]
        }
        "dry-run" | "send" if is_list(&request.to) => {
            let mut args = vec!["send".into(), file, format!("--list={}", request.to)];
            if request.action == "dry-run" {
                args.push("--dry-run".into());
            } else {
                args.push("--yes".into());
                match request.mode.as_str() {
                    "continue-changed" => args.push("--continue-changed".into()),
                    "correction" => args.push("--correction".into()),
                    _ => {}
                }
            }
            args
        }
        _ => return refused("choose a mailing list"),
    };
    run(&desk, &args)
}

/// Opens the archive's index in this computer's browser (the desk runs on the office's own
/// computer), as `preview --open` opens its page.
fn open_archive(desk: &Desk) -> Response {
    let index = desk.root.join(crate::project::ARCHIVE).join("index.html");
    if !index.is_file() {
        return refused("there is no archive yet");
    }
    match opener::open_browser(&index) {
        Ok(()) => json(
            StatusCode::OK,
            serde_json::json!({ "said": "The archive is open in your browser." }),
        ),
        Err(_) => refused(&format!(
            "no browser could be opened: open {} yourself",
            index.display()
        )),
    }
}

fn run(desk: &Desk, args: &[String]) -> Response {
    if desk.jobs.busy() {
        return refused("another send or archive is still running: wait for it to finish");
    }
    match desk.jobs.start(&desk.root, args) {
        Ok(id) => json(StatusCode::OK, serde_json::json!({ "job": id })),
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": format!("could not start: {e}") }),
        ),
    }
}

/// A job's output from `?from=N` on.
pub async fn job(
    State(desk): State<Arc<Desk>>,
    UrlPath(id): UrlPath<u64>,
    request: axum::extract::Request,
) -> Response {
    let from = super::query_value(request.uri().query().unwrap_or(""), "from")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match desk.jobs.view(id, from) {
        Some(view) => json(
            StatusCode::OK,
            serde_json::to_value(view).unwrap_or_default(),
        ),
        None => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": "no such job" }),
        ),
    }
}

pub async fn archive_page(State(desk): State<Arc<Desk>>) -> Html<String> {
    let dir = desk.root.join(crate::project::ARCHIVE);
    let names = desk.bulletin_names();
    let body = html! {
        h1 { "Archive" }
        @if dir.join("index.html").is_file() {
            p { "The archive website is in the folder " code { (dir.display()) } ": publish that folder on the office's website." }
        } @else {
            p { "There is no archive yet: add an issue to start it." }
        }
        p { button type="button" class="button" data-run="open-archive" { "Open the archive website" } }
        table class="issues" {
            thead { tr { th scope="col" { "Issue" } th scope="col" { "Date" } th scope="col" { "State" } th scope="col" { span class="visually-hidden" { "Action" } } } }
            tbody {
                @for s in names.iter().take(12).map(|n| super::pages::state_of(&desk, n)) {
                    tr {
                        td { (if s.title.is_empty() { s.name.as_str() } else { s.title.as_str() }) }
                        td { (s.date.map_or(String::new(), |d| d.long())) }
                        td { (super::pages::state_words(&s)) }
                        td { button type="button" data-run="archive" data-name=(s.name) {
                            (if s.archived { "Update it in the archive" } else { "Add to the archive" })
                            span class="visually-hidden" { ": " (s.name) }
                        } }
                    }
                }
            }
        }
        div id="job" hidden { h2 { "What happened" } p id="job-status" role="status" {} pre id="job-output" {} }
    };
    layout(&desk, "Archive", Tab::Archive, None, body)
}

pub async fn replies_page(State(desk): State<Arc<Desk>>, uri: axum::http::Uri) -> Html<String> {
    let file = desk.suppressions();
    let waiting = if file.exists() {
        crate::suppress::Suppressions::load(&file).map(|s| s.to_confirm)
    } else {
        Ok(Vec::new())
    };
    let done = super::query_value(uri.query().unwrap_or(""), "done");
    let recipients = desk.recipients();
    let mailbox = recipients.as_ref().and_then(|r| r.mailbox.imap.as_ref());
    let password = recipients
        .as_ref()
        .and_then(|r| super::password::ask(r, super::password::Which::Mailbox));
    let body = html! {
        h1 { "Replies" }
        @match done.as_deref() {
            Some("confirmed") => p class="said" role="status" { "Confirmed: that address is no longer sent the bulletin." },
            Some("dismissed") => p class="said" role="status" { "Dismissed: nothing was changed for that address; it is still sent the bulletin." },
            _ => {}
        }
        section class="card" aria-labelledby="waiting-h" {
            h2 id="waiting-h" { "Waiting for you" }
            @match &waiting {
                Err(e) => p class="problem" { "The list of replies cannot be read: " (e.to_string()) },
                Ok(w) if w.is_empty() => p { "Nothing is waiting for you." },
                Ok(w) => {
                    p { "Reading the mailbox found these, but nothing showed that they answer a bulletin the office sent. Confirm each that is genuine (the person is then no longer sent the bulletin); dismiss the others (nothing changes for them)." }
                    ul class="waiting" {
                        @for (i, e) in w.iter().enumerate() {
                            li aria-labelledby={"w" (i)} {
                                p id={"w" (i)} { strong { (e.address) } ": " (reply_words(&e.why)) }
                                @if !e.evidence.text.is_empty() { p class="hint" { "It said: “" (e.evidence.text) "”" } }
                                p class="hint" {
                                    "Received " (crate::date::Date::parse(&e.since).map_or(e.since.clone(), |d| d.long()))
                                    @if !e.evidence.issue.is_empty() { ", about the issue of " (crate::date::Date::parse(&e.evidence.issue).map_or(e.evidence.issue.clone(), |d| d.long())) }
                                }
                                form method="post" action="/api/replies/confirm" data-desk-post="" class="inline" {
                                    input type="hidden" name="address" value=(e.address);
                                    button type="submit" class="button" { "Confirm" span class="visually-hidden" { " " (e.address) } }
                                }
                                " "
                                form method="post" action="/api/replies/dismiss" data-desk-post="" class="inline" {
                                    input type="hidden" name="address" value=(e.address);
                                    button type="submit" { "Dismiss" span class="visually-hidden" { " " (e.address) } }
                                }
                                p class="problem why" role="status" {}
                            }
                        }
                    }
                }
            }
        }
        @match mailbox {
            Some(imap) => {
                p { "Bounces and unsubscribe requests are read from the office's mailbox, " strong { (imap.username) } " at " (imap.host) "; each address is then left out of every send." }
                @if let Some(ask) = &password { (super::password::card(ask, None)) }
                p {
                    button type="button" data-run="inbox-dry" { "See what the mailbox holds (changes nothing)" }
                    " "
                    button type="button" class="button" data-run="inbox" { "Read the mailbox and act on it" }
                    " "
                    button type="button" data-run="report" { "Who got each issue" }
                }
            }
            None if recipients.is_none() && desk.root.join(crate::project::RECIPIENTS).exists() => {
                p id="no-mailbox" class="refused" { "The office's recipients.yaml has a mistake, so the mailbox for replies cannot be read. Whoever looks after the office's set-up can see it with " code { "bulletin lists" } "." }
                p { button type="button" data-run="report" { "Who got each issue" } }
            }
            None => {
                p id="no-mailbox" { "No mailbox for replies is set up yet, so bounces and unsubscribe requests are not read here. Whoever looks after the office's set-up adds it (" code { "mailbox:" } " in recipients.yaml, see docs/inbox.md)." }
                p { button type="button" data-run="report" { "Who got each issue" } }
            }
        }
        div id="job" hidden { h2 { "What happened" } p id="job-status" role="status" {} pre id="job-output" {} }
    };
    layout(&desk, "Replies", Tab::Replies, None, body)
}

/// What a waiting entry is, in the office's words.
fn reply_words(why: &str) -> String {
    match why {
        "unsubscribe request" => "asks to be taken off the list".into(),
        "complaint" => "a report that the bulletin is unwanted (spam)".into(),
        "bounce in plain text" => {
            "a message saying mail to this address was not delivered (not a standard report)".into()
        }
        w if w.starts_with("hard bounce") => {
            "a report that mail to this address cannot be delivered".into()
        }
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct ReplyRequest {
    address: String,
}

/// "Confirm": what `bulletin inbox --confirm ADDRESS` does.
pub async fn confirm(State(desk): State<Arc<Desk>>, body: Bytes) -> Response {
    on_waiting(&desk, &body, true).await
}

/// "Dismiss": what `bulletin inbox --dismiss ADDRESS` does.
pub async fn dismiss(State(desk): State<Arc<Desk>>, body: Bytes) -> Response {
    on_waiting(&desk, &body, false).await
}

async fn on_waiting(desk: &Desk, body: &[u8], confirm: bool) -> Response {
    let no = |status: StatusCode, why: String| (status, Html(refused_page(&why))).into_response();
    let Ok(request) = serde_json::from_slice::<ReplyRequest>(body) else {
        return no(StatusCode::BAD_REQUEST, "Nothing to do.".into());
    };
    let address = crate::inbox::normal(&request.address);
    let _one_at_a_time = desk.saving.lock().await;
    let file = desk.suppressions();
    let mut store = match crate::suppress::Suppressions::load(&file) {
        Ok(s) => s,
        Err(e) => return no(StatusCode::CONFLICT, e.to_string()),
    };
    let found = if confirm {
        store.confirm(&address, crate::date::Date::today())
    } else {
        store.dismiss(&address)
    };
    if found == 0 {
        return no(
            StatusCode::CONFLICT,
            format!("Nothing from {address} is waiting any more: nothing was changed."),
        );
    }
    if let Err(e) = store.save(&file) {
        return no(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    }
    let done = if confirm { "confirmed" } else { "dismissed" };
    axum::response::Redirect::to(&format!("/replies?done={done}")).into_response()
}

#[derive(Deserialize)]
struct RunRequest {
    what: String,
    #[serde(default)]
    name: String,
}

/// Archive an issue, read the mailbox, or report: the same commands, run for the page.
pub async fn start_other(State(desk): State<Arc<Desk>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<RunRequest>(&body) else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": "not a request" }),
        );
    };
    let args: Vec<String> = match request.what.as_str() {
        "archive" => {
            if desk.bulletin(&request.name).is_none() {
                return refused("there is no such bulletin");
            }
            vec![
                "archive".into(),
                format!("{}/{}", crate::project::BULLETINS, request.name),
            ]
        }
        "inbox" => vec!["inbox".into()],
        "inbox-dry" => vec!["inbox".into(), "--dry-run".into()],
        "report" => vec!["report".into()],
        // `auth: oauth2`: the sign-in address is printed for the page to show as a link.
        "login" => vec!["login".into(), "--no-open".into()],
        "login-mailbox" => vec!["login".into(), "--mailbox".into(), "--no-open".into()],
        // Reach per practice of one issue (from the office's spreadsheet of people).
        "reach" => {
            if desk.bulletin(&request.name).is_none() {
                return refused("there is no such bulletin");
            }
            vec![
                "report".into(),
                format!("{}/{}", crate::project::BULLETINS, request.name),
                "--by".into(),
                "practice".into(),
            ]
        }
        "open-archive" => return open_archive(&desk),
        _ => return refused("nothing to do"),
    };
    run(&desk, &args)
}
