//! The desk's pages, rendered on the server with maud: Home, Write, Send, Archive and Replies,
//! each with the same bar of links to the others. `desk.js` (and `paste.js`, the paste from Word)
//! adds saving as the office types, the live preview and the problems at their fields.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Desk;
use super::form::{DateForm, Form, LinkForm, SectionForm};
use crate::date::Date;
use crate::preview::{View, build};

const SCRIPT: &str = include_str!("desk.js");
const PASTE: &str = include_str!("paste.js");
const STYLE: &str = include_str!("desk.css");

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tab {
    Home,
    Write,
    Send,
    Archive,
    Replies,
}

/// The page around `body`: the bar of links, each page one click from every other.
pub(super) fn layout(
    desk: &Desk,
    title: &str,
    tab: Tab,
    current: Option<&str>,
    body: Markup,
) -> Html<String> {
    let current = current
        .map(str::to_string)
        .or_else(|| desk.bulletin_names().into_iter().next());
    let links = [
        (Tab::Home, "Home", "/".to_string()),
        (
            Tab::Write,
            "Write",
            current
                .as_ref()
                .map_or("/".into(), |n| format!("/write/{n}")),
        ),
        (
            Tab::Send,
            "Send",
            current
                .as_ref()
                .map_or("/".into(), |n| format!("/send/{n}")),
        ),
        (Tab::Archive, "Archive", "/archive".into()),
        (Tab::Replies, "Replies", "/replies".into()),
    ];
    Html(
        html! {
            (DOCTYPE)
            html lang="en-GB" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="desk-csrf" content=(desk.csrf());
                    title { (title) " · Bulletin desk" }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href="/static/desk.css";
                }
                body {
                    a class="skip" href="#main" { "Skip to the page" }
                    header class="bar" {
                        span class="brand" { "Bulletin desk" }
                        nav aria-label="Desk" {
                            ul {
                                @for (t, label, href) in &links {
                                    li { a href=(href) aria-current=[(*t == tab).then_some("page")] { (label) } }
                                }
                            }
                        }
                    }
                    main id="main" { (body) }
                    script src="/static/paste.js" {}
                    script src="/static/desk.js" {}
                }
            }
        }
        .into_string(),
    )
}

/// The page for a refused request: why, and what to do.
pub fn refused_page(why: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head { meta charset="utf-8"; title { "Bulletin desk" } link rel="icon" href="data:,"; }
            body style="font-family:Arial,sans-serif;max-width:40em;margin:40px auto;padding:0 20px" {
                h1 { "The desk cannot show this" }
                p { (why) }
            }
        }
    }
    .into_string()
}

/// How an issue stands, for the Home page.
pub(super) struct IssueState {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) date: Option<Date>,
    errors: usize,
    warnings: usize,
    pub(super) archived: bool,
    delivered: usize,
}

pub(super) fn state_of(desk: &Desk, name: &str) -> IssueState {
    let path = desk.bulletins.join(name);
    let mut s = IssueState {
        name: name.to_string(),
        title: String::new(),
        date: Date::parse(name.get(..10).unwrap_or("")).ok(),
        errors: 0,
        warnings: 0,
        archived: false,
        delivered: super::send::delivered(&path),
    };
    match crate::pipeline::prepare(&path, false) {
        Ok(p) => {
            s.title = p.loaded.bulletin.title.clone();
            s.warnings = p.warnings.warnings();
            let id = crate::identity::name(&p.loaded.bulletin);
            s.archived = desk.root.join(crate::project::ARCHIVE).join(id).is_dir();
        }
        Err(d) => {
            s.errors = d.errors();
            s.warnings = d.warnings();
            if let Ok((_, root)) = crate::input::yaml::load_file(&path) {
                s.title =
                    super::form::read(super::form::get(&root, "title"), super::form::Kind::Line);
            }
        }
    }
    s
}

pub async fn home(State(desk): State<Arc<Desk>>) -> Html<String> {
    let names = desk.bulletin_names();
    let states: Vec<IssueState> = names.iter().take(8).map(|n| state_of(&desk, n)).collect();
    let today = Date::today();
    // This week's: the nearest issue dated from three days ago on (not the furthest ahead), one
    // not yet in the archive first (an issue archived two days ago is done with).
    let recent = |s: &&IssueState| s.date.is_some_and(|d| d >= today.add_days(-3));
    let this_week = states
        .iter()
        .filter(recent)
        .filter(|s| !s.archived)
        .min_by_key(|s| s.date)
        .or_else(|| states.iter().filter(recent).min_by_key(|s| s.date));
    let latest = crate::input::folder::latest(&desk.bulletins).map(|(d, _)| d);
    // The issue to work on: this week's, else the newest not yet archived (sent or not).
    let current = this_week.or_else(|| states.first().filter(|s| !s.archived));
    let body = html! {
        h1 { (if this_week.is_some() { "This week" } else { "The issue in progress" }) }
        @match current {
            Some(s) => {
                section class="card" aria-labelledby="current-h" {
                    h2 id="current-h" { (if s.title.is_empty() { s.name.as_str() } else { s.title.as_str() }) }
                    p { (s.date.map_or(s.name.clone(), |d| d.long())) " · " (state_words(s)) }
                    p class="next" { (next_step(s)) }
                    p { a class="button" href={"/write/" (s.name)} { "Write this issue" } " " a href={"/send/" (s.name)} { "Send it" } }
                }
            }
            None => {
                section class="card" { p { "There is no issue in progress." } }
            }
        }
        @match latest {
            Some(d) => {
                form method="post" action="/api/new" data-desk-post="" class="start" {
                    button type="submit" class=[current.is_none().then_some("button")] { "Start next week's (" (d.add_days(7).long()) ")" }
                }
                p class="hint" { "A new issue a week after the latest, with the next issue number, the message's author, and the sections that run on carried over." }
            }
            None => p { "Put last week's bulletin in the bulletins folder to start from it." }
        }
        (word_form(latest.map_or(today, |d| d.add_days(7))))
        h2 { "Recent issues" }
        table class="issues" {
            thead { tr { th scope="col" { "Issue" } th scope="col" { "Date" } th scope="col" { "State" } th scope="col" { span class="visually-hidden" { "Actions" } } } }
            tbody {
                @for s in &states {
                    tr {
                        td { (if s.title.is_empty() { s.name.as_str() } else { s.title.as_str() }) }
                        td { (s.date.map_or(String::new(), |d| d.long())) }
                        td { (state_words(s)) }
                        td { a href={"/write/" (s.name)} { "Write" span class="visually-hidden" { " " (s.name) } } " · " a href={"/send/" (s.name)} { "Send" span class="visually-hidden" { " " (s.name) } } }
                    }
                }
            }
        }
    };
    layout(
        &desk,
        "Home",
        Tab::Home,
        this_week.map(|s| s.name.as_str()),
        body,
    )
}

/// "Start from a Word document": the file and the issue's date, sent by `desk.js`.
fn word_form(date: Date) -> Markup {
    html! {
        form class="card word" id="word" data-desk-upload="/api/import" aria-labelledby="word-h" {
            h2 id="word-h" { "Start from a Word document" }
            p class="hint" id="word-hint" { "A bulletin written in Word (.docx) becomes a new issue: its headings become sections, with their bullets, bold and links. The desk then says what it could not carry over." }
            div class="field" {
                label for="word-file" { "Word document" }
                input id="word-file" name="file" type="file" required accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document" aria-describedby="word-hint";
            }
            div class="field" {
                label for="word-date" { "Date of the new issue" }
                input id="word-date" name="date" type="date" required value=(date.to_string());
            }
            button type="submit" class="button" { "Start from this document" }
            p id="word-status" role="status" aria-live="polite" {}
        }
    }
}

/// The Word document in the request's body made into a new issue dated `?date=`, never over
/// one that exists; `{"write": address of its Write page}`, or `{"error": why}`.
pub async fn import_docx(
    State(desk): State<Arc<Desk>>,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    let refuse = |status: StatusCode, why: String| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": why }).to_string(),
        )
            .into_response()
    };
    let given = super::query_value(uri.query().unwrap_or(""), "date").unwrap_or_default();
    let Ok(date) = Date::parse(&given) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Choose the date of the new issue.".into(),
        );
    };
    let name = format!("{date}.yaml");
    let path = crate::input::folder::issue_path(&desk.bulletins, date);
    if path.exists() {
        return refuse(
            StatusCode::CONFLICT,
            format!(
                "There is already an issue dated {}: nothing was written. Choose another date, or open that issue from the list below.",
                date.long()
            ),
        );
    }
    let issue = crate::input::folder::carry_over(&desk.bulletins).issue_for(date);
    let imported = match tokio::task::spawn_blocking(move || {
        crate::input::docx::to_bulletin(&body, date, issue)
    })
    .await
    {
        Ok(Ok(imported)) => imported,
        Ok(Err(e)) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The desk cannot read this file: {e}."),
            );
        }
        Err(_) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The desk could not read this file.".into(),
            );
        }
    };
    if let Err(e) = crate::files::write_new(&path, imported.yaml.as_bytes()) {
        return refuse(
            StatusCode::CONFLICT,
            format!("The new issue could not be written ({e}): nothing was changed."),
        );
    }
    if let Ok(mut notes) = desk.imported.lock() {
        notes.insert(name.clone(), imported.notes);
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "write": format!("/write/{name}") }).to_string(),
    )
        .into_response()
}

pub(super) fn state_words(s: &IssueState) -> String {
    let sent = s.delivered > 0;
    let words: String = match (s.errors, s.archived) {
        (0, true) => "archived".into(),
        (0, false) if sent => "not in the archive yet".into(),
        (0, false) if s.warnings > 0 => format!(
            "draft, {} thing{} to look at",
            s.warnings,
            plural(s.warnings)
        ),
        (0, false) => "draft, ready to send".into(),
        (n, _) => format!("{n} problem{} to fix", plural(n)),
    };
    match s.delivered {
        0 => words,
        n => format!("sent to {n} {}, {words}", people(n)),
    }
}

fn next_step(s: &IssueState) -> &'static str {
    match (s.errors, s.archived, s.delivered > 0) {
        (0, true, _) => "It is in the archive. Start next week's when you are ready.",
        (0, false, true) => {
            "Next: add it to the archive (the Archive page), then start next week's."
        }
        (0, false, false) => "Next: send a test copy to yourself, then send it.",
        _ => "Next: fix the problems marked in red on the Write page.",
    }
}

/// An issue as a page's heading names it: its date ("20 October 2021"), else its file's name.
pub(super) fn issue_heading(name: &str) -> String {
    Date::parse(name.get(..10).unwrap_or("")).map_or_else(|_| name.to_string(), |d| d.long())
}

/// "person" or "people".
pub(super) fn people(n: usize) -> &'static str {
    if n == 1 { "person" } else { "people" }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The Write page: the form beside the preview.
pub async fn write(State(desk): State<Arc<Desk>>, Path(name): Path<String>) -> Response {
    let Some(path) = desk.bulletin(&name) else {
        return (
            StatusCode::NOT_FOUND,
            Html(refused_page(
                "There is no such bulletin in the bulletins folder.",
            )),
        )
            .into_response();
    };
    let bytes = std::fs::read(&path).unwrap_or_default();
    let base = super::fingerprint(&bytes);
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    let root = crate::input::yaml::parse(&path, &text);
    let problems = super::check(&path, &text);
    let problems_json = serde_json::to_string(&problems).unwrap_or_else(|_| "[]".into());
    let body = match &root {
        Err(d) => html! {
            h1 { "This bulletin has a mistake the desk cannot read past" }
            p { "Open " code { (name) } " in a text editor and correct this, then come back:" }
            ul { @for d in &d.0 { li { (super::problems::plain_words(&d.message)) @if let Some(h) = &d.help { " — " (super::problems::plain_words(h)) } } } }
        },
        Ok(root) => {
            let notes = desk
                .imported
                .lock()
                .ok()
                .and_then(|n| n.get(&name).cloned());
            // Sections for an audience: links to each audience's version (rendered only when
            // a section has `for:`, so that other pages load as fast as before).
            let versions = match has_audience(root)
                .then(|| preview_view(&desk, &name))
                .flatten()
            {
                Some(View::Ready { audiences, .. }) => crate::preview::audience_selector(
                    &audiences,
                    None,
                    &format!("/preview/{name}/email.html"),
                    true,
                ),
                _ => html! {},
            };
            let versions = html! {
                (versions)
                @if text.contains("{{") { (as_reader_form(&desk, &name)) }
            };
            let delivered = super::send::delivered(&path);
            let notice = html! {
                @if delivered > 0 {
                    div class="card sent-notice" id="sent-notice" role="note" {
                        p { strong { "This issue has been sent" } " to " (delivered) " " (people(delivered)) ". What you change now is not in the copies they have: the "
                            a href={"/send/" (name)} { "Send page" } " will ask whether to send the new version only to those who have not had it, or to everyone as a correction." }
                    }
                }
                @if let Some(notes) = notes { (imported_notes(&notes)) }
            };
            // Drafts kept in the browser are the office folder's own (two offices may be served
            // on the same port, one after the other).
            let office = super::fingerprint(desk.root.to_string_lossy().as_bytes());
            write_form(
                &name,
                &base,
                &Form::read(root),
                &problems_json,
                versions,
                notice,
                &office,
            )
        }
    };
    layout(&desk, "Write", Tab::Write, Some(&name), body).into_response()
}

/// Whether a section of the bulletin says `for:`.
fn has_audience(root: &crate::input::yaml::Node) -> bool {
    use crate::input::yaml::Value;
    let Value::Map(top) = &root.value else {
        return false;
    };
    top.iter()
        .filter(|(k, _)| k.as_str() == Some("sections"))
        .any(|(_, v)| match &v.value {
            Value::Seq(items) => items.iter().any(|i| match &i.value {
                Value::Map(keys) => keys.iter().any(|(k, _)| k.as_str() == Some("for")),
                _ => false,
            }),
            _ => false,
        })
}

/// What the Word document this issue was started from could not carry over.
fn imported_notes(notes: &[String]) -> Markup {
    html! {
        section class="card imported" id="imported" aria-labelledby="imported-h" {
            h2 id="imported-h" { "Started from a Word document" }
            @if notes.is_empty() {
                p { "Everything in the document was carried over. Fill in the boxes marked in red, then look at the preview." }
            } @else {
                p { "Carried over, except for these (add them by hand if they are needed):" }
                ul { @for n in notes { li { (n) } } }
                p { "Then fill in the boxes marked in red, and look at the preview." }
            }
        }
    }
}

fn field(id: &str, label: &str, value: &str, kind: &str, hint: Option<&str>) -> Markup {
    let described = format!(
        "p-{id}{}",
        if hint.is_some() {
            format!(" h-{id}")
        } else {
            String::new()
        }
    );
    html! {
        div class="field" {
            label for=(id) { (label) }
            @if let Some(h) = hint { span class="hint" id={"h-" (id)} { (h) } }
            @match kind {
                "textarea" => {
                    div class="format" role="toolbar" aria-label={"Format " (label)} aria-controls=(id) {
                        button type="button" data-format="bold" { "Bold" }
                        button type="button" data-format="italic" { "Italic" }
                        button type="button" data-format="bullets" { "Bullets" }
                        button type="button" data-format="numbers" { "Numbering" }
                        button type="button" data-format="link" { "Link" }
                    }
                    textarea id=(id) data-key=(id_key(id)) rows="8" aria-describedby=(described) { (value) }
                },
                "note" => textarea id=(id) data-key=(id_key(id)) rows="2" aria-describedby=(described) { (value) },
                _ => {
                    @let real = match kind {
                        "date" if Date::parse(value).is_err() && !value.is_empty() => "text",
                        "time" if !valid_time(value) => "text",
                        k => k,
                    };
                    input id=(id) data-key=(id_key(id)) type=(real) value=(value) aria-describedby=(described);
                }
            }
            p class="problem" id={"p-" (id)} hidden {}
        }
    }
}

fn valid_time(v: &str) -> bool {
    v.is_empty() || crate::date::Time::parse(v).is_ok() && v.len() == 5
}

/// The form key of a control's id: its last part (`s3-title` is a section's `title`).
fn id_key(id: &str) -> &str {
    id.rsplit('-').next().unwrap_or(id)
}

/// `notice`: what is said under the heading (the issue was sent; what a Word document could not
/// carry over); `office`: the office folder's fingerprint, which names its drafts.
fn write_form(
    name: &str,
    base: &str,
    form: &Form,
    problems: &str,
    versions: Markup,
    notice: Markup,
    office: &str,
) -> Markup {
    let message = form.message.clone().unwrap_or_default();
    let titles: Vec<&str> = form.sections.iter().map(|s| s.title.as_str()).collect();
    html! {
        div class="write" data-name=(name) data-base=(base) data-office=(office) {
            div class="form-side" {
                div class="toolbar" {
                    h1 { "Write: " (issue_heading(name)) }
                    button type="button" id="save" class="button" { "Save" }
                    a class="to-preview" href="#preview-side" { "Go to the preview" }
                    span id="status" role="status" aria-live="polite" { "Saved as you type" }
                }
                (notice)
                div id="conflict" class="conflict" hidden role="alert" {
                    p { strong { "This bulletin was changed outside the desk" } " (in another program, or another desk) since you opened it. Your latest changes are not saved yet." }
                    button type="button" id="reload" { "Load their version (lose my latest changes)" }
                    " "
                    button type="button" id="keep-theirs" { "Keep their version as a copy, and save mine" }
                }
                div id="summary" class="summary" hidden tabindex="-1" {}
                script type="application/json" id="problems-data" { (PreEscaped(problems.replace("</", "<\\/"))) }
                fieldset {
                    legend { "The bulletin" }
                    (field("f-title", "Title", &form.title, "text", Some("The email's subject")))
                    (field("f-date", "Date", &form.date, "date", None))
                    (field("f-issue", "Issue number", &form.issue, "text", None))
                    (field("f-summary", "Summary", &form.summary, "text", Some("One sentence shown beside the subject in the inbox")))
                }
                fieldset id="message" {
                    legend { "The Chief Executive's message" }
                    (field("m-title", "Message title", &message.title, "text", Some("Leave empty for “A message from” and the author")))
                    (field("m-author", "Author", &message.author, "text", None))
                    (field("m-role", "Role", &message.role, "text", None))
                    div class="field" {
                        label for="m-after" { "Where it goes" }
                        select id="m-after" data-key="after" aria-describedby="p-m-after" {
                            option value="" selected[message.after.is_empty()] { "Before the sections" }
                            @for t in &titles {
                                @let chosen = !message.after.is_empty() && message.after.trim().eq_ignore_ascii_case(t.trim());
                                // The file's own spelling, so that an unchanged choice changes nothing.
                                option value=(if chosen { message.after.as_str() } else { t }) selected[chosen] { "After “" (t) "”" }
                            }
                            @if !message.after.is_empty() && !titles.iter().any(|t| t.trim().eq_ignore_ascii_case(message.after.trim())) {
                                option value=(message.after) selected { "After “" (message.after) "”" }
                            }
                        }
                        p class="problem" id="p-m-after" hidden {}
                    }
                    (field("m-body", "Message text", &message.body, "textarea", Some(MARKDOWN_HINT)))
                    p class="hint" { "Empty every box of the message to leave it out." }
                }
                div id="sections" {
                    @for (i, s) in form.sections.iter().enumerate() {
                        (section(&i.to_string(), s))
                    }
                }
                button type="button" id="add-section" { "Add a section" }
                template id="section-template" { (section("__", &SectionForm::default())) }
                template id="link-template" { (link("__", "__", &LinkForm::default())) }
                template id="date-template" { (key_date("__", "__", &DateForm::default())) }
            }
            aside class="preview-side" id="preview-side" aria-label="Preview" {
                div class="views" role="group" aria-label="Show the preview" {
                    button type="button" data-view="desktop" aria-pressed="true" { "Desktop" }
                    button type="button" data-view="phone" aria-pressed="false" { "Phone" }
                    button type="button" data-view="text" aria-pressed="false" { "Plain text" }
                }
                p id="preview-note" class="hint" hidden { "While there are problems marked in red, the preview does not follow your typing: it does again once they are fixed." }
                iframe id="preview" src={"/preview/" (name) "/email.html"} title="The email as readers will see it" {}
                (versions)
                pre id="preview-text" hidden {}
            }
        }
    }
}

const MARKDOWN_HINT: &str = "Paste from Word keeps bullets, bold and links. A line starting “- ” is a bullet; **two stars** make bold.";

fn section(i: &str, s: &SectionForm) -> Markup {
    let id = |k: &str| format!("s{i}-{k}");
    html! {
        fieldset class="section" data-orig=[s.orig] {
            legend { "Section " span class="num" { (i.parse::<usize>().map_or(String::new(), |n| (n + 1).to_string())) } }
            div class="moves" {
                button type="button" data-action="up" { "Move up" }
                button type="button" data-action="down" { "Move down" }
                button type="button" data-action="remove" { "Remove section" }
            }
            (field(&id("title"), "Section title", &s.title, "text", None))
            (field(&id("label"), "Label", &s.label, "text", Some("A word beside the heading, such as Guidance")))
            (field(&id("date"), "Date", &s.date, "date", None))
            (field(&id("body"), "Text", &s.body, "textarea", Some(MARKDOWN_HINT)))
            fieldset class="links" {
                legend { "Links" }
                div class="rows" {
                    @for (j, l) in s.links.iter().enumerate() { (link(i, &j.to_string(), l)) }
                }
                button type="button" data-action="add-link" { "Add a link" }
            }
            (field(&id("note"), "Note", &s.note, "note", Some("A short line printed under the links")))
            fieldset class="dates" {
                legend { "Key dates" }
                div class="rows" {
                    @for (j, d) in s.dates.iter().enumerate() { (key_date(i, &j.to_string(), d)) }
                }
                button type="button" data-action="add-date" { "Add a key date" }
            }
            (field(&id("until"), "Runs until", &s.until, "date", Some("Carry this section into each new issue until this day")))
        }
    }
}

fn link(i: &str, j: &str, l: &LinkForm) -> Markup {
    let id = |k: &str| format!("s{i}-l{j}-{k}");
    html! {
        div class="row link" data-orig=[l.orig] {
            (field(&id("text"), "Link text", &l.text, "text", None))
            (field(&id("url"), "Link address", &l.url, "url", None))
            div class="row-buttons" {
                button type="button" data-action="row-up" { "Move up" }
                button type="button" data-action="remove-row" { "Remove link" }
            }
        }
    }
}

fn key_date(i: &str, j: &str, d: &DateForm) -> Markup {
    let id = |k: &str| format!("s{i}-d{j}-{k}");
    html! {
        div class="row date" data-orig=[d.orig] {
            (field(&id("what"), "What", &d.what, "text", None))
            (field(&id("date"), "Date", &d.date, "date", None))
            (field(&id("time"), "Time", &d.time, "time", None))
            (field(&id("end"), "Ends", &d.end, "time", None))
            (field(&id("where"), "Where", &d.place, "text", None))
            div class="row-buttons" {
                button type="button" data-action="row-up" { "Move up" }
                button type="button" data-action="remove-row" { "Remove date" }
            }
        }
    }
}

/// "Start next week's": what `bulletin new` does, then the Write page of the new issue.
pub async fn start_next(State(desk): State<Arc<Desk>>) -> Response {
    let carried = crate::input::folder::carry_over(&desk.bulletins);
    let Some(latest) = &carried.latest else {
        return (
            StatusCode::CONFLICT,
            Html(refused_page("There is no bulletin yet to follow.")),
        )
            .into_response();
    };
    let date = latest.date.add_days(7);
    let path = crate::input::folder::issue_path(&desk.bulletins, date);
    if !path.exists() {
        let new = crate::skeleton::new_issue(&carried, date);
        if let Err(e) = crate::files::write_atomic(&path, new.text.as_bytes()) {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html(refused_page(&format!(
                    "The new issue could not be written: {e}"
                ))),
            )
                .into_response();
        }
    }
    axum::response::Redirect::to(&format!("/write/{date}.yaml")).into_response()
}

fn preview_view(desk: &Desk, name: &str) -> Option<View> {
    desk.bulletin(name).map(|p| build(&p))
}

/// Merge fields (`{{first_name}}`): a form under the preview that opens the email as one person
/// of the office's spreadsheet will receive it (their version, their details), in a tab of its
/// own, as a mailing program's "preview as" does. Nothing without a spreadsheet of people.
fn as_reader_form(desk: &Desk, name: &str) -> Markup {
    let Some(people) = desk.recipients().and_then(|r| r.people) else {
        return html! {};
    };
    html! {
        form id="as-reader" method="get" action={"/preview/" (name) "/email.html"} target="_blank" style="margin:0 20px 12px;font-size:14px" {
            label for="as" { "Show the merge fields as " }
            select id="as" name="as" {
                @for p in people.people.iter().take(MAX_AS_READERS) {
                    option value=(p.key) { (p.mailbox) }
                }
            }
            " "
            button type="submit" { "Show" }
        }
    }
}

/// How many people the "Show the merge fields as" list offers (the sheet's first).
const MAX_AS_READERS: usize = 300;

/// The email a preview address asks for, its HTML and its text: `?as=ADDRESS` as that person
/// receives it, `?for=LIST` that list's version, else every section. Unavailable while the
/// bulletin has errors; not found for no such bulletin or list.
fn shown(desk: &Desk, name: &str, uri: &axum::http::Uri) -> Result<(String, String), StatusCode> {
    if let Some(address) = crate::preview::query_value(uri, "as") {
        let path = desk.bulletin(name).ok_or(StatusCode::NOT_FOUND)?;
        return crate::preview::as_reader(&path, desk.recipients().as_ref(), &address)
            .map(|r| (r.html, r.text))
            .ok_or(StatusCode::SERVICE_UNAVAILABLE);
    }
    let which = crate::preview::For::of(uri);
    match preview_view(desk, name) {
        Some(View::Broken { .. }) => Err(StatusCode::SERVICE_UNAVAILABLE),
        Some(view) => view
            .version(which.list.as_deref())
            .map(|(html, text)| (html.to_string(), text.to_string()))
            .ok_or(StatusCode::NOT_FOUND),
        None => Err(StatusCode::NOT_FOUND),
    }
}

/// The email as readers will see it ([`shown`]; `?for=LIST`: [`crate::preview::Audience`]).
pub async fn preview_html(
    State(desk): State<Arc<Desk>>,
    Path(name): Path<String>,
    uri: axum::http::Uri,
) -> Response {
    match shown(&desk, &name, &uri) {
        Ok((html, _)) => Html(html).into_response(),
        Err(StatusCode::SERVICE_UNAVAILABLE) => {
            (StatusCode::SERVICE_UNAVAILABLE, Html(no_preview())).into_response()
        }
        Err(status) => status.into_response(),
    }
}

pub async fn preview_text(
    State(desk): State<Arc<Desk>>,
    Path(name): Path<String>,
    uri: axum::http::Uri,
) -> Response {
    match shown(&desk, &name, &uri) {
        Ok((_, text)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
        }
        Err(status) => status.into_response(),
    }
}

/// What the preview shows while the bulletin has errors.
fn no_preview() -> String {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head { meta charset="utf-8"; title { "No preview yet" } }
            body style="font-family:Arial,sans-serif;margin:24px;color:#1f2933" {
                p style="font-size:18px" { strong { "The preview comes back once the problems marked in red are fixed." } }
                p { "The list of problems is at the top of the form." }
            }
        }
    }
    .into_string()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

pub async fn paste_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        PASTE,
    )
        .into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}
