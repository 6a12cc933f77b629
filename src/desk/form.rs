//! The Write page's form as data: every field of a bulletin as the office sees it (text, never
//! YAML), read from the positioned YAML tree, and sent back by the page as JSON on each save.
//!
//! Lists (sections, links, key dates) carry `orig`: the item's place in the file the page was
//! given, or nothing for an item added on the page, so that [`super::edit`] can keep each
//! item's own lines (comments included) when items are added, removed or moved.

use serde::{Deserialize, Serialize};

use crate::input::yaml::{Node, Value};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub title: String,
    pub date: String,
    pub issue: String,
    pub summary: String,
    /// The Chief Executive's message; `None` when the bulletin has none.
    pub message: Option<MessageForm>,
    pub sections: Vec<SectionForm>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    pub title: String,
    pub author: String,
    pub role: String,
    /// The title of the section the message follows; empty: first.
    pub after: String,
    pub body: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SectionForm {
    pub orig: Option<usize>,
    pub title: String,
    pub label: String,
    pub date: String,
    pub body: String,
    pub note: String,
    pub until: String,
    pub links: Vec<LinkForm>,
    pub dates: Vec<DateForm>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    pub orig: Option<usize>,
    pub text: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DateForm {
    pub orig: Option<usize>,
    pub what: String,
    pub date: String,
    pub time: String,
    pub end: String,
    /// `where:` in the file.
    pub place: String,
}

/// How a field's text is written and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Line,
    /// Text of several lines (Markdown): a `|` block in the file.
    Text,
    /// Usually one line, several allowed (`note`).
    Note,
    Date,
    Time,
    Number,
}

impl Kind {
    fn multi(self) -> bool {
        matches!(self, Kind::Text | Kind::Note)
    }
}

/// A field's value as compared and written: one line for one-line fields; for text, Windows
/// line ends made plain, tabs at the start of a line made spaces (YAML indents with spaces
/// only), blank lines emptied and the line breaks at the end dropped (a `|` block adds one).
pub fn normalize(value: &str, kind: Kind) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    if !kind.multi() {
        return value.replace('\n', " ");
    }
    let lines: Vec<String> = value
        .split('\n')
        .map(|l| {
            let tabs = l.len() - l.trim_start_matches('\t').len();
            let l = format!("{}{}", "    ".repeat(tabs), &l[tabs..]);
            if l.trim().is_empty() {
                String::new()
            } else {
                l
            }
        })
        .collect();
    lines.join("\n").trim_end_matches('\n').to_string()
}

/// The value of `key` in a mapping.
pub fn get<'n>(map: &'n Node, key: &str) -> Option<&'n Node> {
    match &map.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// A scalar's text as the form shows it; empty for nothing, a list or a mapping.
pub fn read(node: Option<&Node>, kind: Kind) -> String {
    match node {
        Some(n) if !n.is_null() => normalize(n.as_str().unwrap_or(""), kind),
        _ => String::new(),
    }
}

fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

impl Form {
    /// The form for a bulletin's YAML tree. Values the form cannot show (a list where text
    /// belongs) read as empty, and [`super::edit`] leaves them alone unless they are changed.
    pub fn read(root: &Node) -> Form {
        let s = |key, kind| read(get(root, key), kind);
        Form {
            title: s("title", Kind::Line),
            date: s("date", Kind::Date),
            issue: s("issue", Kind::Number),
            summary: s("summary", Kind::Line),
            message: get(root, "message")
                .filter(|m| matches!(m.value, Value::Map(_)))
                .map(MessageForm::read),
            sections: items(get(root, "sections"))
                .iter()
                .enumerate()
                .map(|(i, n)| SectionForm::read(n, i))
                .collect(),
        }
    }

    /// The same form with every value normalized and every `orig` forgotten: two forms that
    /// are equal this way write the same bulletin.
    pub fn values(&self) -> Form {
        let n = normalize;
        Form {
            title: n(&self.title, Kind::Line),
            date: n(&self.date, Kind::Date),
            issue: n(&self.issue, Kind::Number),
            summary: n(&self.summary, Kind::Line),
            message: self
                .message
                .as_ref()
                .map(|m| MessageForm {
                    title: n(&m.title, Kind::Line),
                    author: n(&m.author, Kind::Line),
                    role: n(&m.role, Kind::Line),
                    after: n(&m.after, Kind::Line),
                    body: n(&m.body, Kind::Text),
                })
                .filter(|m| *m != MessageForm::default()),
            sections: self
                .sections
                .iter()
                .map(|s| SectionForm {
                    orig: None,
                    title: n(&s.title, Kind::Line),
                    label: n(&s.label, Kind::Line),
                    date: n(&s.date, Kind::Date),
                    body: n(&s.body, Kind::Text),
                    note: n(&s.note, Kind::Note),
                    until: n(&s.until, Kind::Date),
                    links: s
                        .links
                        .iter()
                        .map(|l| LinkForm {
                            orig: None,
                            text: n(&l.text, Kind::Line),
                            url: n(&l.url, Kind::Line),
                        })
                        .collect(),
                    dates: s
                        .dates
                        .iter()
                        .map(|d| DateForm {
                            orig: None,
                            what: n(&d.what, Kind::Line),
                            date: n(&d.date, Kind::Date),
                            time: n(&d.time, Kind::Time),
                            end: n(&d.end, Kind::Time),
                            place: n(&d.place, Kind::Line),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl MessageForm {
    fn read(m: &Node) -> MessageForm {
        let s = |key, kind| read(get(m, key), kind);
        MessageForm {
            title: s("title", Kind::Line),
            author: s("author", Kind::Line),
            role: s("role", Kind::Line),
            after: s("after", Kind::Line),
            body: s("body", Kind::Text),
        }
    }
}

impl SectionForm {
    fn read(n: &Node, i: usize) -> SectionForm {
        let s = |key, kind| read(get(n, key), kind);
        SectionForm {
            orig: Some(i),
            title: s("title", Kind::Line),
            label: s("label", Kind::Line),
            date: s("date", Kind::Date),
            body: s("body", Kind::Text),
            note: s("note", Kind::Note),
            until: s("until", Kind::Date),
            links: items(get(n, "links"))
                .iter()
                .enumerate()
                .map(|(j, l)| LinkForm {
                    orig: Some(j),
                    text: read(get(l, "text"), Kind::Line),
                    url: read(get(l, "url"), Kind::Line),
                })
                .collect(),
            dates: items(get(n, "dates"))
                .iter()
                .enumerate()
                .map(|(j, d)| DateForm {
                    orig: Some(j),
                    what: read(get(d, "what"), Kind::Line),
                    date: read(get(d, "date"), Kind::Date),
                    time: read(get(d, "time"), Kind::Time),
                    end: read(get(d, "end"), Kind::Time),
                    place: read(get(d, "where"), Kind::Line),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_compared_as_the_file_reads_it() {
        assert_eq!(normalize("a\r\n\tb\n  \n\n", Kind::Text), "a\n    b");
        assert_eq!(normalize("a\nb", Kind::Line), "a b");
    }
}
