//! A bulletin file (`bulletins/<date>.yaml`) read into the model: title, date, issue, summary,
//! the Chief Executive's message and the sections with their links.

use std::path::Path;

use crate::date::{Date, Time};
use crate::diagnostic::{Diagnostics, did_you_mean};
use crate::limits::MAX_TITLE_CHARS;
use crate::model::{Bulletin, Condition, DateKind, KeyDate, Link, Message, Section};
use crate::schema::Ctx;
use crate::url::url_problem;
use crate::yaml::{self, Node, Value};
use bulletin_model::markdown::Markdown;

pub const BULLETIN_KEYS: &[&str] = &[
    "title",
    "date",
    "issue",
    "summary",
    "key_dates",
    "message",
    "sections",
];
pub const MESSAGE_KEYS: &[&str] = &["title", "author", "role", "after", "body"];
pub const SECTION_KEYS: &[&str] = &[
    "title",
    "label",
    "date",
    "body",
    "dates",
    "links",
    "note",
    "until",
    "continued_from",
    "for",
];
/// The keys of one item of a section's `dates:`.
pub const DATE_KEYS: &[&str] = &["what", "date", "time", "end", "where", "kind"];
pub const LINK_KEYS: &[&str] = &["text", "url"];

/// Reads just a bulletin (no publisher), as the archive does for issues already archived.
pub fn load(path: &Path) -> Result<Bulletin, Diagnostics> {
    let (source, node) = yaml::load_file(path)?;
    let mut diags = Diagnostics::default();
    let mut ctx = Ctx::new(path, &source, &mut diags);
    match bulletin_from(&mut ctx, &node) {
        Some(b) if !diags.has_errors() => Ok(b),
        _ => Err(diags),
    }
}

pub(crate) fn bulletin_from(ctx: &mut Ctx, root: &Node) -> Option<Bulletin> {
    let f = ctx.fields(root, "the bulletin", BULLETIN_KEYS)?;
    let title = f
        .require(ctx, "title", "The title of this week's bulletin")
        .and_then(|n| {
            ctx.short_line(
                n,
                "`title`",
                MAX_TITLE_CHARS,
                "the title is the email's subject, and mail programs cut a long subject short: shorten it, and put the detail in `summary` or the first section",
            )
        });
    let date_node = f.require(ctx, "date", "2021-10-20");
    let date = date_node.and_then(|n| date_from(ctx, n, "`date`"));
    if let (Some(d), Some(n)) = (date, date_node) {
        date_matches_file_name(ctx, n, d);
    }
    let issue = f.get("issue").and_then(|n| {
        let parsed = n
            .as_str()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|&i| i > 0);
        if parsed.is_none() {
            ctx.error(
                n.pos,
                format!(
                    "`issue` should be a whole number, such as 112, not {}",
                    describe(n)
                ),
                "write the issue number without quotes, or leave the line out",
            );
        }
        parsed
    });
    let summary = f.get("summary").and_then(|n| ctx.text(n, "`summary`"));
    let key_dates = match f.get("key_dates") {
        None => Some(true),
        Some(n) => yes_or_no(ctx, n, "`key_dates`"),
    };
    let mut all_links = Vec::new();
    let message = f
        .get("message")
        .and_then(|n| message_from(ctx, n, &mut all_links));
    let sections = match f.require(
        ctx,
        "sections",
        "(a list of sections, each starting `- title:`)",
    ) {
        Some(node) => sections_from(ctx, node, date, &mut all_links),
        None => None,
    };
    // `after` names a section, so it is read once the sections are.
    let mut misplaced = false;
    let message = message.map(|(mut m, after)| {
        if let (Some(node), Some(sections)) = (after, &sections) {
            match place_after(ctx, node, sections) {
                Some(n) => m.after = n,
                None => misplaced = true,
            }
        }
        m
    });
    // The links' warnings now, so that they come with any errors rather than after them.
    let link_warnings = crate::lint::links(ctx.path, &all_links);
    ctx.diags.extend(link_warnings);
    if misplaced {
        return None;
    }
    Some(Bulletin {
        title: title?,
        date: date?,
        issue,
        summary,
        message,
        sections: sections?,
        all_links,
        key_dates: key_dates?,
    })
}

fn describe(n: &Node) -> String {
    match n.as_str() {
        Some(s) if !n.is_null() => format!("`{s}`"),
        _ => n.kind().to_string(),
    }
}

fn date_from(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Date> {
    let text = ctx.value(node, what)?;
    if text.trim().is_empty() {
        ctx.error(
            node.pos,
            format!("{what} is empty"),
            "write the day as YYYY-MM-DD, for example 2021-10-20",
        );
        return None;
    }
    match Date::parse(text.trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            ctx.error(
                node.pos,
                format!("{what}: {e}"),
                "write dates as YYYY-MM-DD, for example 2021-10-20",
            );
            None
        }
    }
}

/// A bulletin named for a date (`2021-10-27.yaml`, `2021-10-27-draft.yaml`) must carry that
/// date: a different one is almost always last week's file copied and not yet updated.
fn date_matches_file_name(ctx: &mut Ctx, node: &Node, date: Date) {
    let Some(stem) = ctx.path.file_stem().and_then(|s| s.to_str()) else {
        return;
    };
    let Some(named) = stem.get(..10).and_then(|s| Date::parse(s).ok()) else {
        return;
    };
    if named != date {
        ctx.error(
            node.pos,
            format!(
                "`date` is {date}, but the file is named for {named} ({})",
                ctx.path.file_name().unwrap_or_default().to_string_lossy()
            ),
            format!(
                "this file is named for {named}: change `date:` to {named}, or rename the file"
            ),
        );
    }
}

fn markdown_links(ctx: &Ctx, node: &Node, md: &Markdown, out: &mut Vec<Link>) {
    let text = node.as_str().unwrap_or("");
    let offsets: Vec<usize> = md.links.iter().map(|l| l.offset).collect();
    let places = ctx.positions_in(node, text, &offsets);
    for (l, pos) in md.links.iter().zip(places) {
        out.push(Link {
            text: l.text.clone(),
            url: l.url.clone(),
            pos,
            pdf_said_after: pdf_said_after(text, l.end),
        });
    }
}

/// Whether the words from `end` (just after a link) in `text` start "(PDF" (any case):
/// "[the plan](https://…/plan.pdf) (PDF)" says it is a PDF as well as words in the link would.
fn pdf_said_after(text: &str, end: usize) -> bool {
    text.get(end..)
        .map(str::trim_start)
        .and_then(|after| after.get(..4))
        .is_some_and(|w| w.eq_ignore_ascii_case("(pdf"))
}

/// The message, and the node of its `after` (resolved once the sections are read).
fn message_from<'n>(
    ctx: &mut Ctx,
    node: &'n Node,
    all_links: &mut Vec<Link>,
) -> Option<(Message, Option<&'n Node>)> {
    let f = ctx.fields(node, "the message", MESSAGE_KEYS)?;
    let author = f
        .require(ctx, "author", "Dr Brian Balmer")
        .and_then(|n| ctx.line(n, "`author`"));
    let title = f.get("title").and_then(|n| ctx.line(n, "`title`"));
    let role = f.get("role").and_then(|n| ctx.line(n, "`role`"));
    let after = f.get("after");
    let body_node = f.require(
        ctx,
        "body",
        "|  (then the message, indented, on the lines below)",
    );
    let body = body_node.and_then(|n| ctx.markdown(n, "the message's `body`"));
    if let (Some(n), Some(md)) = (body_node, &body) {
        markdown_links(ctx, n, md, all_links);
    }
    let author = author?;
    let message = Message {
        title: title.unwrap_or_else(|| format!("A message from {author}")),
        author,
        role,
        body: body?,
        after: 0,
    };
    Some((message, after))
}

/// How many sections come before the message: those up to and including the section whose
/// title `after` gives (compared without case or surrounding spaces).
fn place_after(ctx: &mut Ctx, node: &Node, sections: &[Section]) -> Option<usize> {
    let wanted = ctx.line(node, "`after`")?;
    let key = |t: &str| t.trim().to_lowercase();
    if let Some(i) = sections.iter().position(|s| key(&s.title) == key(&wanted)) {
        return Some(i + 1);
    }
    let titles: Vec<String> = sections.iter().map(|s| key(&s.title)).collect();
    let keys: Vec<&str> = titles.iter().map(String::as_str).collect();
    let closest = did_you_mean(&wanted, &keys)
        .and_then(|t| keys.iter().position(|k| *k == t))
        .map(|i| &sections[i].title);
    let help = match closest {
        Some(t) => format!("did you mean `{t}`?"),
        None => "give the title of a section exactly as it is written, or delete the line to show the message first".to_string(),
    };
    ctx.error(
        node.pos,
        format!("`after` names no section of this bulletin: `{wanted}`"),
        help,
    );
    None
}

fn sections_from(
    ctx: &mut Ctx,
    node: &Node,
    bulletin_date: Option<Date>,
    all_links: &mut Vec<Link>,
) -> Option<Vec<Section>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            format!("`sections` should be a list, but this is {}", node.kind()),
            "start each section on its own line with `- title: ...`",
        );
        return None;
    };
    if items.is_empty() {
        ctx.error(
            node.pos,
            "the bulletin has no sections",
            "add at least one section, starting `- title: ...`",
        );
        return None;
    }
    let mut sections = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match section_from(ctx, item, i + 1, bulletin_date, all_links) {
            Some(s) => sections.push(s),
            None => ok = false,
        }
    }
    ok.then_some(sections)
}

fn section_from(
    ctx: &mut Ctx,
    node: &Node,
    number: usize,
    bulletin_date: Option<Date>,
    all_links: &mut Vec<Link>,
) -> Option<Section> {
    let f = ctx.fields(node, &format!("section {number}"), SECTION_KEYS)?;
    let title_node = f.require(ctx, "title", "The section's heading");
    let title = title_node.and_then(|n| ctx.line(n, "`title`"));
    let label = f.get("label").and_then(|n| ctx.line(n, "`label`"));
    let date_node = f.get("date");
    let date = date_node.map(|n| date_from(ctx, n, "`date`"));
    let body_node = f.get("body");
    let body = body_node.map(|n| ctx.markdown(n, "`body`"));
    if let (Some(n), Some(Some(md))) = (body_node, &body) {
        markdown_links(ctx, n, md, all_links);
    }
    let links = f.get("links").map(|n| links_from(ctx, n, number));
    let note = f.get("note").map(|n| {
        ctx.line_breaks_kept(n, "`note`");
        ctx.text(n, "`note`")
    });
    if let Some(Some(links)) = &links {
        all_links.extend(links.iter().cloned());
    }
    let dates = f
        .get("dates")
        .map(|n| dates_from(ctx, n, number, title.as_deref(), bulletin_date));
    let until_node = f.get("until");
    let until = until_node.map(|n| date_from(ctx, n, "`until`"));
    if let (Some(n), Some(Some(until)), Some(today)) = (until_node, until, bulletin_date)
        && until < today
    {
        ctx.warning(
            n.pos,
            format!(
                "`until` is {until}, before this bulletin's date ({today}): the section will not be carried into the next bulletin"
            ),
            "correct the date, or delete the `until` line if the section is not meant to run on",
        );
    }
    let continued_node = f.get("continued_from");
    let mut continued_from = continued_node.map(|n| date_from(ctx, n, "`continued_from`"));
    if let (Some(n), Some(Some(from)), Some(today)) =
        (continued_node, continued_from, bulletin_date)
        && from > today
    {
        ctx.error(
            n.pos,
            format!("`continued_from` is {from}, after this bulletin's date ({today})"),
            "`continued_from` gives the date of the bulletin that first carried this section: correct it, or delete the line",
        );
        continued_from = Some(None);
    }
    let audience_node = f.get("for");
    let audience = audience_node.map(|n| audience_from(ctx, n));
    let (audience, audience_where) = match audience {
        Some(Some(For::Lists(ids))) => (Some(Some(ids)), Vec::new()),
        Some(Some(For::Where(conditions))) => (Some(Some(Vec::new())), conditions),
        Some(None) => (Some(None), Vec::new()),
        None => (None, Vec::new()),
    };
    // A key that was present but invalid has been reported; the section is not usable.
    let invalid = audience.as_ref().is_some_and(|a| a.is_none())
        || date.is_some_and(|d| d.is_none())
        || note.as_ref().is_some_and(|n| n.is_none())
        || until.is_some_and(|d| d.is_none())
        || continued_from.is_some_and(|d| d.is_none());
    Some(Section {
        title: title?,
        pos: title_node.map_or(f.pos, |n| n.pos),
        anchor: format!("section-{number}"),
        place: number,
        label,
        date: date.flatten(),
        date_pos: date_node.map_or(f.pos, |n| n.pos),
        body: match body {
            Some(b) => b?,
            None => Markdown::default(),
        },
        links: links.unwrap_or(Some(Vec::new()))?,
        note: note.flatten(),
        dates: dates.unwrap_or(Some(Vec::new()))?,
        continued_from: continued_from.flatten(),
        audience: audience.flatten().unwrap_or_default(),
        audience_where,
        audience_pos: audience_node.map_or(f.pos, |n| n.pos),
    })
    .filter(|_| !invalid)
}

/// Whom a section's `for:` names.
enum For {
    Lists(Vec<String>),
    Where(Vec<Condition>),
}

/// A section's `for:`: the ids of the mailing lists whose members receive it, as a list
/// (`for: [practice-managers, gps]`) or one id (`for: practice-managers`); or the people of the
/// office's spreadsheet picked as a list's `where:` picks them (`for: { where: { role: Practice
/// manager } }`). Whether each names a list, and whether there is a spreadsheet, is checked
/// against the recipients file (the `audience` module of the `bulletin` crate).
fn audience_from(ctx: &mut Ctx, node: &Node) -> Option<For> {
    let items: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(..) => vec![node],
        Value::Map(_) => {
            let f = ctx.fields(node, "`for`", &["where"])?;
            let Some(w) = f.get("where") else {
                ctx.error(
                    node.pos,
                    "`for` should name mailing lists, or say `where:`",
                    "write the ids of the lists whose members get this section, as in `for: [practice-managers, gps]` (see `bulletin lists`), or pick people from the spreadsheet: `for: { where: { role: Practice manager } }`",
                );
                return None;
            };
            let clause = crate::recipients::where_clause(ctx, w, "a section's `for`")?;
            if clause.is_empty() {
                ctx.error(
                    w.pos,
                    "`where` in `for` names no column",
                    "say which people get this section, as in `for: { where: { role: Practice manager } }`, or delete `for` to send it to everyone",
                );
                return None;
            }
            let conditions = clause
                .into_iter()
                .map(|(column, values)| Condition {
                    column: crate::people::where_key(column).to_string(),
                    values,
                })
                .collect();
            return Some(For::Where(conditions));
        }
    };
    let mut ids = Vec::new();
    for item in items {
        let id = ctx.value_line(item, "a list in `for`")?;
        let id = id.trim().to_string();
        if id.is_empty() {
            continue;
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        ctx.error(
            node.pos,
            "`for` names no mailing list",
            "write the ids of the lists whose members get this section, as in `for: [practice-managers]`, or delete the line to send it to everyone",
        );
        return None;
    }
    Some(For::Lists(ids))
}

/// `true`/`false` (also `yes`/`no`), as YAML writers type them.
fn yes_or_no(ctx: &mut Ctx, node: &Node, what: &str) -> Option<bool> {
    match node
        .as_str()
        .map(|s| s.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("true" | "yes" | "on") => Some(true),
        Some("false" | "no" | "off") => Some(false),
        _ => {
            ctx.error(
                node.pos,
                format!("{what} should be true or false, not {}", describe(node)),
                "write `false` to leave the box out, or delete the line to keep it",
            );
            None
        }
    }
}

/// A section's `dates:`: its deadlines and events.
fn dates_from(
    ctx: &mut Ctx,
    node: &Node,
    section: usize,
    title: Option<&str>,
    bulletin_date: Option<Date>,
) -> Option<Vec<KeyDate>> {
    let in_section = match title {
        Some(t) => format!("in \"{t}\""),
        None => format!("in section {section}"),
    };
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            format!(
                "`dates` {in_section} should be a list of deadlines and events, but this is {}",
                node.kind()
            ),
            "start each item on a line of its own with `- what: ...`, and put `date: YYYY-MM-DD` on the line under it (see docs/format.md)",
        );
        return None;
    };
    let mut dates = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let what = format!("date {} {in_section}", i + 1);
        match key_date_from(ctx, item, &what, &in_section, bulletin_date) {
            Some(d) => dates.push(d),
            None => ok = false,
        }
    }
    ok.then_some(dates)
}

fn key_date_from(
    ctx: &mut Ctx,
    item: &Node,
    what_item: &str,
    in_section: &str,
    bulletin_date: Option<Date>,
) -> Option<KeyDate> {
    let f = ctx.fields(item, what_item, DATE_KEYS)?;
    let what = f
        .require(ctx, "what", "Claims for the flu vaccination LES")
        .and_then(|n| ctx.line(n, "`what`"));
    // The item as the office knows it: by its `what`, else by its place.
    let name = match &what {
        Some(w) => format!("\"{w}\" {in_section}"),
        None => what_item.to_string(),
    };
    let what_item = name.as_str();
    let time_node = f.get("time");
    let time = time_node.map(|n| time_from(ctx, n, &format!("the `time` of {name}")));
    let date_node = match (f.get("date"), time_node) {
        (Some(n), _) => Some(n),
        (None, Some(t)) => {
            ctx.error(
                t.pos,
                format!("{what_item} has a `time` but no `date`"),
                "add the day, as `date: YYYY-MM-DD` on a line of its own beside `time:`",
            );
            None
        }
        (None, None) => f.require(ctx, "date", "2021-11-30"),
    };
    let date = date_node.and_then(|n| date_from(ctx, n, "`date`"));
    let end_node = f.get("end");
    let end = end_node.map(|n| time_from(ctx, n, &format!("the `end` of {name}")));
    let place_node = f.get("where");
    let place = place_node.and_then(|n| ctx.line(n, "`where`"));
    if let (Some(p), Some(n)) = (&place, place_node)
        && p.contains("://")
        && let Some((message, help)) = url_problem(p, false)
    {
        ctx.error(n.pos, message, help);
        return None;
    }
    let kind_node = f.get("kind");
    let kind = match kind_node {
        None => Some(if matches!(time, Some(Some(_))) {
            DateKind::Event
        } else {
            DateKind::Deadline
        }),
        Some(n) => {
            let text = ctx.value(n, "`kind`")?;
            match text.trim().to_ascii_lowercase().as_str() {
                "deadline" => Some(DateKind::Deadline),
                "event" => Some(DateKind::Event),
                other => {
                    ctx.error(
                        n.pos,
                        format!(
                            "the `kind` of {what_item} should be `deadline` or `event`, not `{other}`"
                        ),
                        "write `deadline` for something to do by a day, `event` for something happening at a time, or delete the line",
                    );
                    None
                }
            }
        }
    };
    let mut end = match (end, time_node) {
        (Some(Some(_)), None) => {
            ctx.error(
                end_node.map_or(f.pos, |n| n.pos),
                format!("{what_item} has an `end` but no `time` to start from"),
                "add `time: HH:MM` for when it starts, or delete the `end` line",
            );
            return None;
        }
        (end, _) => end,
    };
    if let (Some(Some(start)), Some(Some(finish))) = (time, end)
        && finish <= start
    {
        ctx.warning(
            end_node.map_or(f.pos, |n| n.pos),
            format!(
                "{what_item} ends at {finish}, which is not after it starts ({start}), so the end is left out"
            ),
            "correct the times (24-hour clock: 2pm is 14:00), or delete the `end` line",
        );
        end = None;
    }
    if let (Some(d), Some(today), Some(n)) = (date, bulletin_date, date_node)
        && d < today
    {
        ctx.warning(
            n.pos,
            format!(
                "{what_item} is on {long}, before this bulletin's date ({today_long}): it is left out of the Key dates box and the calendar",
                long = d.long(),
                today_long = today.long()
            ),
            "correct the date, or delete the item if it has passed",
        );
    }
    Some(KeyDate {
        what: what?,
        date: date?,
        time: time.map(|t| t.ok_or(())).transpose().ok()?,
        end: end.flatten(),
        place,
        kind: kind?,
        pos: item.pos,
    })
}

fn time_from(ctx: &mut Ctx, node: &Node, what: &str) -> Option<Time> {
    let text = ctx.value(node, what)?;
    match Time::parse(text.trim()) {
        Ok(t) => Some(t),
        Err(e) => {
            ctx.error(
                node.pos,
                format!("{what}: {e}"),
                "write times as HH:MM on the 24-hour clock: 2pm is 14:00, half past nine in the morning is 09:30",
            );
            None
        }
    }
}

fn links_from(ctx: &mut Ctx, node: &Node, section: usize) -> Option<Vec<Link>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            format!(
                "`links` in section {section} should be a list, but this is {}",
                node.kind()
            ),
            "start each link with `- text: ...` and put `url: ...` under it",
        );
        return None;
    };
    let mut links = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let what = format!("link {} of section {section}", i + 1);
        let Some(f) = ctx.fields(item, &what, LINK_KEYS) else {
            ok = false;
            continue;
        };
        let text = f
            .require(ctx, "text", "What the document is (PDF)")
            .and_then(|n| ctx.line(n, "`text`"));
        let url_node = f.require(ctx, "url", "https://www.example.org/document.pdf");
        let url = url_node.and_then(|n| ctx.value(n, "`url`"));
        if let (Some(u), Some(n)) = (&url, url_node)
            && let Some((message, help)) = url_problem(u, false)
        {
            ctx.error(n.pos, message, help);
            ok = false;
        }
        match (text, url) {
            (Some(text), Some(url)) => links.push(Link {
                text,
                url: url.trim().to_string(),
                pos: item.pos,
                pdf_said_after: false,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_said_right_after_the_link_counts() {
        // For each link of `text`, whether "(PDF" follows it.
        let said = |text: &str| -> Vec<bool> {
            crate::markdown::parse(text)
                .links
                .iter()
                .map(|l| pdf_said_after(text, l.end))
                .collect()
        };
        assert_eq!(
            said(
                "See [the plan](https://example.org/plan.pdf) (PDF, 2 MB) and [the form](https://example.org/form.pdf)."
            ),
            vec![true, false]
        );
        // An address with brackets of its own, and a link whose words come before another's.
        assert_eq!(
            said("[a](https://x.org/a_(b).pdf)(pdf) then [c](https://x.org/c.pdf) (PDF)"),
            vec![true, true]
        );
        assert_eq!(
            said("[a](https://x.org/a.pdf) (see page 2) and <https://x.org/b.pdf> (PDF)"),
            vec![false, true]
        );
    }
}
