//! The skeleton that `bulletin new` writes for next week's issue: every key, with the office's
//! own words to write marked as `[[placeholders]]` (which `check` refuses until they are
//! replaced), so the office fills in blanks rather than remembering the format.

use crate::date::Date;
use crate::placeholder::mark;

/// What the skeleton knows besides its date (see [`crate::folder`]).
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub issue: Option<u32>,
    /// Who signs the message, and their role; placeholders when not known.
    pub author: Option<String>,
    pub role: Option<String>,
    /// Sections carried forward from the latest issue, each the YAML text of one item of
    /// `sections:` (see [`crate::folder::carried_sections`]), put after the new one.
    pub carried: Vec<String>,
}

/// What `bulletin new` (and the desk's "Start next week's") writes for an issue dated `date`,
/// given what the bulletins folder carries over: the skeleton with the latest issue's number,
/// signature and sections that run on.
pub struct NewIssue {
    pub text: String,
    pub known: Known,
    /// The sections carried forward, and those left behind.
    pub runs_on: crate::folder::Carried,
}

pub fn new_issue(carried: &crate::folder::CarryOver, date: Date) -> NewIssue {
    let runs_on = carried
        .latest
        .as_ref()
        .map(|latest| crate::folder::carried_sections(latest, date))
        .unwrap_or_default();
    let known = Known {
        issue: carried.issue_for(date),
        author: carried.author.clone(),
        role: carried.role.clone(),
        carried: runs_on.sections.iter().map(|s| s.text.clone()).collect(),
    };
    NewIssue {
        text: bulletin(date, &known),
        known,
        runs_on,
    }
}

/// A new bulletin for `date`, with a placeholder wherever the office must write something.
pub fn bulletin(date: Date, known: &Known) -> String {
    let issue = match known.issue {
        Some(n) => format!("issue: {n}\n"),
        None => "# issue: 113    (the issue number, if the bulletin has one)\n".to_string(),
    };
    let author = match &known.author {
        Some(a) => yaml_text(a),
        None => quoted(&mark("the name of the person who signs the message")),
    };
    let role = match (&known.author, &known.role) {
        (_, Some(r)) => format!("  role: {}\n", yaml_text(r)),
        (Some(_), None) => String::new(),
        (None, None) => format!(
            "  role: {}\n",
            quoted(&mark(
                "their role, such as Chief Executive, or delete this line"
            ))
        ),
    };
    let carried: String = known.carried.iter().map(|s| format!("\n{s}")).collect();
    format!(
        "# The bulletin for {long}.
{how_to}
title: {title}
date: {date}
{issue}summary: {summary}

# A personal message, shown before the sections. Delete these lines if there is none this week.
message:
  author: {author}
{role}  # after: Introduction    (to show the message after a section: that section's title)
  body: |
    {message}

sections:
  - title: {section_title}
    label: {label}
    date: {date}
    body: |
      {section_body}
    links:
      - text: {link_text}
        url: {link_url}
    note: {note}
    # Deadlines and events for the Key dates box and the calendar (see docs/format.md):
    # dates:
    #   - what: LMC webinar on the new contract
    #     date: {example_date}
    #     time: 13:00
    # until: {example_until}    (to carry this section into each new bulletin until that date)
{carried}",
        long = date.long(),
        how_to = how_to(date),
        example_date = date.add_days(7),
        example_until = date.add_days(28),
        title = quoted(&mark("the title of this week's bulletin")),
        summary = quoted(&mark(
            "one sentence that appears beside the subject in the inbox"
        )),
        message = mark("the message. Leave a blank line between paragraphs"),
        section_title = quoted(&mark("the first section's heading")),
        label = quoted(&mark(
            "a word shown beside the heading, such as Guidance, or delete this line"
        )),
        section_body =
            mark("the section's text. Start a line with - and a space for a bullet point"),
        link_text = quoted(&mark(
            "what the document is, such as The plan for improving access (PDF)"
        )),
        link_url = quoted(&mark("the document's web address, starting https://")),
        note = quoted(&mark(
            "a short line printed under the links (so the links are above it), or delete this line"
        )),
    )
}

/// The comment lines under a new bulletin's first line (from `new` or `import`): what the
/// placeholders are, the command to check it, and the editor schema.
pub(crate) fn how_to(date: Date) -> String {
    format!(
        "# Text in double square brackets, [[like this]], is a placeholder: replace each one,
# brackets included, with your own words. `bulletin check` lists any that are left, and the
# bulletin cannot be sent until there are none. The format is described in docs/format.md.
# Then run: bulletin check bulletins/{date}.yaml
# yaml-language-server: $schema=../schemas/bulletin.schema.json
"
    )
}

/// `text` in double quotes, as YAML needs for a value starting with `[`.
pub fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `text` as a one-line YAML value: as it is when YAML would read it back unchanged, otherwise
/// in double quotes.
pub fn yaml_text(text: &str) -> String {
    let plain = text.chars().next().is_some_and(char::is_alphanumeric)
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
        && text.parse::<f64>().is_err();
    if plain {
        text.to_string()
    } else {
        quoted(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_only_when_yaml_needs_it() {
        assert_eq!(yaml_text("Dr Brian Balmer"), "Dr Brian Balmer");
        assert_eq!(yaml_text("CEO: Essex"), "\"CEO: Essex\"");
        assert_eq!(yaml_text("\"Quoted\" name"), "\"\\\"Quoted\\\" name\"");
        assert_eq!(yaml_text("@home"), "\"@home\"");
        assert_eq!(yaml_text("2021"), "\"2021\"");
    }
}
