//! JSON Schemas (draft-07, the version VS Code's YAML extension supports) of the three files the
//! office writes: a bulletin, `publisher.yaml` and `recipients.yaml`. An editor uses them to
//! complete keys, show each key's description on hover and underline mistakes as they are typed
//! (docs/editor.md); `bulletin check` stays the authority.
//!
//! Each schema's keys come from the key lists the loaders use ([`BULLETIN_KEYS`] and the rest),
//! so a key cannot be added to a file without the schema describing it: [`describe`] has no
//! answer for an unknown key, and the test of the committed `schemas/*.json` fails. The relay's
//! and the mailbox's settings (`smtp:`, `mailbox:`) are described by the loader's own settings
//! table ([`SMTP`], [`MAILBOX`]): their ranges, values and descriptions are not written here.

use serde_json::{Map, Value, json};

use crate::bulletin::{BULLETIN_KEYS, DATE_KEYS, LINK_KEYS, MESSAGE_KEYS, SECTION_KEYS};
use crate::people::COLUMN_KEYS;
use crate::publisher::{LOGO_KEYS, MAX_LOGO_HEIGHT, MAX_LOGO_WIDTH, PUBLISHER_KEYS};
use crate::recipients::{
    Kind, LIST_KEYS, MAILBOX, MEMBER_KEYS, OAUTH2, PORTS, SMTP, Setting, TOP_KEYS, settings_keys,
};

const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// Which file a schema is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Bulletin,
    Publisher,
    Recipients,
}

impl File {
    #[cfg(test)]
    pub(crate) const ALL: [File; 3] = [File::Bulletin, File::Publisher, File::Recipients];

    /// `bulletin`, `publisher`, `recipients`: the name in `schemas/<name>.schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            File::Bulletin => "bulletin",
            File::Publisher => "publisher",
            File::Recipients => "recipients",
        }
    }
}

/// The schema of `file`, as pretty-printed JSON with a final line break.
pub fn text(file: File) -> String {
    let schema = match file {
        File::Bulletin => bulletin(),
        File::Publisher => publisher(),
        File::Recipients => recipients(),
    };
    let mut out = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    out.push('\n');
    out
}

/// A mapping with exactly `keys` (each described by [`describe`] in `context`), of which
/// `required` must be present.
fn object(context: &str, keys: &[&str], required: &[&str]) -> Map<String, Value> {
    let mut properties = Map::new();
    for key in keys {
        properties.insert(key.to_string(), describe(context, key));
    }
    for r in required {
        assert!(keys.contains(r), "{context}: required key {r} is not a key");
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("additionalProperties".into(), json!(false));
    if !required.is_empty() {
        o.insert("required".into(), json!(required));
    }
    o.insert("properties".into(), Value::Object(properties));
    o
}

fn with(mut o: Map<String, Value>, key: &str, value: Value) -> Map<String, Value> {
    o.insert(key.to_string(), value);
    o
}

/// The top of a schema file.
fn top(title: &str, description: &str, body: Map<String, Value>) -> Value {
    let mut o = Map::new();
    o.insert("$schema".into(), json!(DRAFT));
    o.insert("title".into(), json!(title));
    o.insert("description".into(), json!(description));
    o.extend(body);
    Value::Object(o)
}

/// No control character but trailing line breaks (which `check` allows).
const ONE_LINE: &str = "^[^\\u0000-\\u001f\\u007f]*\\n*$";

/// Text that must fit on one line.
fn one_line(description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": ONE_LINE,
        "description": description,
    })
}

fn text_value(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn markdown(description: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{description} Markdown: a blank line starts a new paragraph, `- ` a bullet point, **bold**, *italic*, [text](https://address) a link. Write `|` after the colon and the text on the lines below, indented."),
    })
}

fn date(description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        "description": format!("{description} Written YYYY-MM-DD, e.g. 2021-10-20."),
    })
}

fn https(description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": "^\\s*https://",
        "description": format!("{description} Must start with https://."),
    })
}

fn whole_number(min: u64, max: u64, description: &str) -> Value {
    json!({
        "type": "integer",
        "minimum": min,
        "maximum": max,
        "description": description,
    })
}

fn choice(options: &[&str], description: &str) -> Value {
    json!({ "type": "string", "enum": options, "description": description })
}

/// An email address: `Name <name@example.org>`, `name@example.org`, or `email:` and `name:`.
fn member(description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            { "type": "string", "description": "Name <name@example.org>, or just name@example.org." },
            Value::Object(object("member", MEMBER_KEYS, &["email"])),
        ],
    })
}

/// What `key` holds in `context` (the mapping it is a key of), for the editor's hover help.
/// Panics for a key it does not know: every key a loader accepts must be described here.
fn describe(context: &str, key: &str) -> Value {
    let table = match context {
        "smtp" => SMTP,
        "mailbox" => MAILBOX,
        "oauth2" => OAUTH2,
        _ => &[],
    };
    if let Some(s) = table.iter().find(|s| s.key == key) {
        return setting(s);
    }
    match (context, key) {
        ("bulletin", "title") => {
            one_line("The bulletin's headline and the email subject. One line.")
        }
        ("bulletin", "date") => date("The issue date; the file is named after it."),
        ("bulletin", "issue") => whole_number(
            1,
            u32::MAX as u64,
            "The issue number, e.g. 112, shown beside the date. Optional.",
        ),
        ("bulletin", "summary") => text_value(
            "One sentence shown as the grey preview line in the inbox. Keep it under 120 characters. Optional.",
        ),
        ("bulletin", "key_dates") => json!({
            "type": "boolean",
            "description": "false leaves out the \"Key dates\" box at the top of the email (each date still shows in its section). Optional; if left out: true.",
        }),
        ("bulletin", "message") => Value::Object(with(
            object("message", MESSAGE_KEYS, &["author", "body"]),
            "description",
            json!(
                "A personal message, e.g. from the Chief Executive, shown before the sections (or after the one `after` names). Optional."
            ),
        )),
        ("bulletin", "sections") => json!({
            "type": "array",
            "minItems": 1,
            "description": "The bulletin's items, in order. Start each with `- title:`.",
            "items": Value::Object(object("section", SECTION_KEYS, &["title"])),
        }),
        ("message", "title") => one_line(
            "Heading of the message. If left out: `A message from` and the author. One line.",
        ),
        ("message", "author") => one_line("Who signs the message, printed under it. One line."),
        ("message", "role") => one_line(
            "The author's role, printed under their name, e.g. Chief Executive. One line. Optional.",
        ),
        ("message", "after") => one_line(
            "The title of the section the message comes after, e.g. Introduction. If left out: the message comes first. One line. Optional.",
        ),
        ("message", "body") => markdown(
            "The message itself, without the sign-off (author and role are printed for you).",
        ),
        ("section", "title") => {
            one_line("The section heading. Each section's title should be different. One line.")
        }
        ("section", "label") => {
            one_line("A small tag beside the heading, e.g. Guidance. One line. Optional.")
        }
        ("section", "date") => date(
            "The \"Dated\" line under the heading; not later than the bulletin's date. Optional.",
        ),
        ("section", "body") => {
            markdown("The section's text. Optional: a section can be just a title and links.")
        }
        ("section", "links") => json!({
            "type": "array",
            "description": "Documents and web pages, listed under the body. Start each with `- text:` and put `url:` under it. Optional.",
            "items": Value::Object(object("link", LINK_KEYS, &["text", "url"])),
        }),
        ("section", "note") => text_value(
            "A short line printed after the links, e.g. which pages of a document to read. Optional.",
        ),
        ("section", "dates") => json!({
            "type": "array",
            "description": "Deadlines and events this section announces, listed in the \"Key dates\" box and offered as calendar files. Start each with `- what:` and put `date:` under it. Optional.",
            "items": Value::Object(object("key date", DATE_KEYS, &["what", "date"])),
        }),
        ("section", "until") => date(
            "Carry this section into every later bulletin made with `bulletin new` up to this date (a vacancy, an open consultation). Optional.",
        ),
        ("section", "continued_from") => date(
            "The date of the bulletin that first carried this section; written by `bulletin new` when it carries the section forward, shown as \"Continued from\". Optional.",
        ),
        ("section", "for") => json!({
            "description": "Who receives this section: the ids of mailing lists in recipients.yaml, e.g. [practice-managers], or the people of the spreadsheet whose columns match, e.g. { where: { role: Practice manager } }. Each person receives the sections for everyone and those for them. Left out: everyone.",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                { "type": "array", "items": { "type": "string", "minLength": 1 }, "minItems": 1 },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["where"],
                    "properties": { "where": describe("list", "where") },
                },
            ],
        }),
        ("key date", "what") => {
            one_line("What happens or is due, e.g. Flu vaccination claims due. One line.")
        }
        ("key date", "date") => date("The day, YYYY-MM-DD."),
        ("key date", "time") => json!({
            "type": "string",
            "pattern": "^\\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\\s*$",
            "description": "When it starts, HH:MM on the 24-hour clock, UK time, e.g. 14:30. Optional: without it the item is a whole day.",
        }),
        ("key date", "end") => json!({
            "type": "string",
            "pattern": "^\\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\\s*$",
            "description": "When it ends, HH:MM, the same day; only with `time`. Optional.",
        }),
        ("key date", "where") => one_line(
            "Where it happens: a place, or the https:// link of an online meeting. One line. Optional.",
        ),
        ("key date", "kind") => choice(
            &["deadline", "event"],
            "deadline (something to do by the day) or event (something happening). Optional; if left out: event when a time is given, otherwise deadline.",
        ),
        ("link", "text") => one_line(
            "What the reader sees: say where the link goes, and include \"PDF\" for a PDF. One line.",
        ),
        ("link", "url") => https("The web address."),

        ("publisher", "name") => {
            one_line("The organisation's name, shown in the email header and footer.")
        }
        ("publisher", "from") => {
            text_value("The sender: Name <address>, e.g. Essex LMCs <bulletin@example.org>.")
        }
        ("publisher", "reply_to") => {
            text_value("Where replies go, if not to the `from` address. Optional.")
        }
        ("publisher", "website") => {
            https("The organisation's website, linked from the footer. Optional.")
        }
        ("publisher", "archive_url") => https(
            "Where past bulletins can be read; each email links to its own page there. Optional.",
        ),
        ("publisher", "address") => text_value(
            "Postal address and telephone, printed in the footer as written: `|` after the colon, then one line each, indented.",
        ),
        ("publisher", "unsubscribe") => {
            let address = json!({
                "type": "string",
                "pattern": "^\\s*(mailto:|https://)",
                "description": "A mailto: address or an https:// page.",
            });
            json!({
                "description": "How to unsubscribe: a mailto: address and/or an https:// page, on one line or as a list. Used in the footer and the List-Unsubscribe header.",
                "oneOf": [address, { "type": "array", "minItems": 1, "items": address }],
            })
        }
        ("publisher", "one_click_unsubscribe") => json!({
            "type": "boolean",
            "description": "true only if the https:// unsubscribe page unsubscribes the reader on a POST request without asking anything (RFC 8058); then Gmail and Outlook.com show their own Unsubscribe button. Optional; if left out: false.",
        }),
        ("publisher", "list_id") => json!({
            "type": "string",
            "pattern": "^[A-Za-z0-9.-]*\\.[A-Za-z0-9.-]*$",
            "description": "Identifies the mailing list in the List-Id header, in the form of a domain you own, e.g. bulletin.example.org. Optional.",
        }),
        ("publisher", "colour") => json!({
            "type": "string",
            "pattern": "^\\s*#[0-9A-Fa-f]{6}\\s*$",
            "description": "The accent colour, # and six hex digits, in quotes: \"#005EB8\". Dark enough to read on white. Optional.",
        }),
        ("publisher", "logo") => {
            let mut logo = with(
                object("logo", LOGO_KEYS, &["alt"]),
                "description",
                json!(
                    "A logo shown in the email's header instead of the name (never attached to the email): `file`, an image beside publisher.yaml that the archive publishes (shown once `archive_url` is set; its size is read from it), or `url`, an image already on your website, with its `width` and `height`. Optional."
                ),
            );
            logo.insert(
                "oneOf".into(),
                json!([
                    { "required": ["file"], "not": { "required": ["url"] } },
                    { "required": ["url", "width", "height"], "not": { "required": ["file"] } },
                ]),
            );
            Value::Object(logo)
        }
        ("logo", "file") => json!({
            "type": "string",
            "pattern": "\\.([pP][nN][gG]|[jJ][pP][eE]?[gG]|[gG][iI][fF])$",
            "description": "The logo image beside publisher.yaml, a PNG, JPEG or GIF such as logo.png: its size is read from it, and `bulletin archive` publishes it at `archive_url`.",
        }),
        ("logo", "url") => https("The image's web address, a PNG, JPEG or GIF (not SVG)."),
        ("logo", "width") => whole_number(
            1,
            MAX_LOGO_WIDTH,
            "The width in pixels at which the logo is shown; the image itself can be twice as large. With `file`, optional: the image's own width, made small enough for the header.",
        ),
        ("logo", "height") => whole_number(
            1,
            MAX_LOGO_HEIGHT,
            "The height in pixels at which the logo is shown, in proportion to the width. With `file`, optional.",
        ),
        ("logo", "alt") => one_line(
            "The text shown where images are blocked (Outlook blocks them by default), e.g. the organisation's name.",
        ),
        ("publisher", "message_author") => one_line(
            "Who signs the message in each new bulletin `bulletin new` writes. If left out: the author of the latest bulletin's message. Optional.",
        ),
        ("publisher", "message_role") => {
            one_line("The role printed under `message_author` in new bulletins. Optional.")
        }
        ("publisher", "approvers") => json!({
            "type": "array",
            "items": { "type": "string", "minLength": 1, "pattern": "^[^\\n]*$" },
            "uniqueItems": true,
            "description": "Who approves each issue before it is sent, by name, e.g. [Dr Jane Smith]. With anyone here, `bulletin send` sends only an issue one of them approved as it is now (`bulletin approve FILE --as NAME`, or Approve in the desk). Optional: without it, no approval is needed.",
        }),

        ("recipients", "smtp") => Value::Object(with(
            object("smtp", &settings_keys(SMTP), &["host"]),
            "description",
            json!("How to reach the mail relay. Use either `smtp:` or `transport: sendmail`."),
        )),
        ("recipients", "transport") => choice(
            &["sendmail"],
            "Instead of `smtp:`: hand each message to this computer's own mail system.",
        ),
        ("recipients", "people") => {
            let file = json!({
                "type": "string",
                "pattern": "\\.([xX][lL][sS][xX]?|[oO][dD][sS]|[cC][sS][vV])$",
                "description": "The spreadsheet, relative to this file, such as contacts.xlsx.",
            });
            let headings: Map<String, Value> = COLUMN_KEYS
                .iter()
                .map(|(k, _)| {
                    (
                        k.to_string(),
                        one_line("The heading of this column in the sheet."),
                    )
                })
                .collect();
            json!({
                "description": "The office's spreadsheet of people, one row a person, relative to this file: an Excel (.xlsx, .xls), OpenDocument (.ods) or CSV (.csv) file, such as contacts.xlsx. Its columns are found by their headings: Email; Name, or First name and Last name; Role; Practice; ODS code; Area. A list picks people from it with `where`. Read afresh by every check and send. Optional. Written as a mapping, it can choose the sheet and give the office's own headings: { file: contacts.xlsx, sheet: Contacts, columns: { email: Work email } }.",
                "oneOf": [
                    file,
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["file"],
                        "properties": {
                            "file": file,
                            "sheet": one_line("The sheet to read, by its name. If left out: the first."),
                            "columns": {
                                "type": "object",
                                "additionalProperties": false,
                                "description": "The office's own heading for a column, when it is not one of the usual ones, e.g. { email: Work email, role: Job }.",
                                "properties": Value::Object(headings),
                            },
                        },
                    },
                ],
            })
        }
        ("recipients", "lists") => json!({
            "type": "object",
            "description": "The mailing lists, each under its id (used in `bulletin send --list ID`).",
            "additionalProperties": Value::Object(object("list", LIST_KEYS, &[])),
        }),
        ("recipients", "suppress") => json!({
            "type": "array",
            "description": "Addresses never to be sent to, whichever list they are on (e.g. people who unsubscribed). Optional.",
            "items": member("An address never to be sent to."),
        }),
        ("recipients", "mailbox") => Value::Object(with(
            object("mailbox", &settings_keys(MAILBOX), &[]),
            "description",
            json!(
                "The mailbox where bounces and replies arrive, read by `bulletin inbox` over IMAP, and when soft bounces suppress an address (see docs/inbox.md). Optional."
            ),
        )),
        ("list", "name") => one_line(
            "The list's name as people know it, e.g. Practice managers. If left out: its id.",
        ),
        ("list", "members") => json!({
            "type": "array",
            "description": "The people on the list, one a line: `- Name <address>`, or `- { email: address, name: Name }`.",
            "items": member("One person."),
        }),
        ("list", "include") => json!({
            "description": "Other lists whose members are on this one too, e.g. [practice-managers, gps].",
            "oneOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } },
            ],
        }),
        ("list", "where") => json!({
            "type": "object",
            "description": "The people of the spreadsheet (`people:`) on this list: those whose columns have these values, case ignored, e.g. { role: Practice manager } or { role: [GP partner, Salaried GP] }. Several columns must all match.",
            "additionalProperties": false,
            "minProperties": 1,
            "properties": {
                "role": where_value("The Role column (or Outlook's Job Title)."),
                "practice": where_value("The Practice column."),
                "ods_code": where_value("The ODS code column."),
                "area": where_value("The Area column."),
            },
        }),
        ("member", "email") => one_line("The address, e.g. sam.jones@example.org."),
        ("member", "name") => one_line("The person's name. Optional."),
        _ => panic!(
            "no schema for `{key}` in {context}: describe it in crates/input/src/json_schema.rs"
        ),
    }
}

/// A setting of the relay or the mailbox, from its row of the settings table.
fn setting(s: &Setting) -> Value {
    let description = s.description();
    match s.kind {
        Kind::Number { min, max, .. } => whole_number(min, max, &description),
        Kind::Port { .. } => whole_number(*PORTS.start(), *PORTS.end(), &description),
        Kind::Choice { values, .. } => choice(values, &description),
        Kind::Line { .. } => one_line(&description),
        Kind::Command => secret_command(&description),
        Kind::Words => json!({
            "description": description,
            "oneOf": [
                { "type": "array", "minItems": 1, "items": { "type": "string", "pattern": "^\\S+$" } },
                one_line("The scopes on one line, separated by spaces."),
            ],
        }),
        Kind::Section { table, required } => Value::Object(with(
            object(s.key, &settings_keys(table), required),
            "description",
            json!(description),
        )),
    }
}

/// `secret_command`, of the relay or the mailbox (the loader reads both alike): a list, or one
/// line for the shell.
fn secret_command(description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            {
                "type": "array",
                "minItems": 1,
                // A number is an argument too (`-n, 5`), as `check` reads it.
                "items": {
                    "type": ["string", "number"],
                    "pattern": ONE_LINE,
                    "description": "The program, then each argument, taken as written.",
                },
            },
            one_line("A command line for the shell `sh` (not on Windows)."),
        ],
    })
}

/// One value, or a list of values, any of which a `where` column may have.
fn where_value(description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            { "type": "string" },
            { "type": "array", "minItems": 1, "items": { "type": "string" } },
        ],
    })
}

fn bulletin() -> Value {
    top(
        "LMC bulletin",
        "One issue of the bulletin, bulletins/YYYY-MM-DD.yaml. See docs/format.md.",
        object("bulletin", BULLETIN_KEYS, &["title", "date", "sections"]),
    )
}

fn publisher() -> Value {
    top(
        "Bulletin publisher settings",
        "publisher.yaml, beside the bulletins: who sends the bulletin, the footer and the unsubscribe addresses. See docs/format.md.",
        object(
            "publisher",
            PUBLISHER_KEYS,
            &["name", "from", "address", "unsubscribe"],
        ),
    )
}

fn recipients() -> Value {
    let body = with(
        object("recipients", TOP_KEYS, &["lists"]),
        "oneOf",
        json!([{ "required": ["smtp"] }, { "required": ["transport"] }]),
    );
    top(
        "Bulletin recipients",
        "recipients.yaml: the relay and the mailing lists. Never a password. See docs/send.md.",
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_every_file_is_described() {
        for file in File::ALL {
            let schema: Value = serde_json::from_str(&text(file)).unwrap();
            assert_eq!(schema["$schema"], DRAFT);
            assert_eq!(schema["additionalProperties"], false);
        }
        let bulletin: Value = serde_json::from_str(&text(File::Bulletin)).unwrap();
        let keys: Vec<&str> = bulletin["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BULLETIN_KEYS);
        let section = &bulletin["properties"]["sections"]["items"];
        assert_eq!(section["required"], json!(["title"]));
        assert!(
            section["properties"]["links"]["items"]["properties"]["url"]["description"]
                .as_str()
                .unwrap()
                .contains("https://")
        );
    }

    #[test]
    #[should_panic(expected = "no schema for `colour` in bulletin")]
    fn a_key_without_a_description_is_caught() {
        object("bulletin", &["colour"], &[]);
    }
}
