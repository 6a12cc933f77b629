//! How the HTML email writes a run of the bulletin's text: a bare email address becomes a
//! `mailto:` link (as a bare `https://` address already is a link, by the Markdown reader), and a
//! run of more than [`LONG_RUN`] characters without a space gets `<wbr>` break points, since
//! Outlook for Windows (Word's engine), Outlook.com and Gmail ignore `overflow-wrap` and
//! `word-break`: a pasted file name or address would otherwise widen the column. HTML only: the
//! plain text shows the same characters.

use std::fmt::Write as _;

use maud::{Markup, html};

/// A run longer than this, with no space in it, gets break points (Gmail breaks at about 30).
pub(crate) const LONG_RUN: usize = 30;
/// In such a run, at most this many characters between two break points.
const PIECE: usize = 20;

/// `text` with each bare email address a `mailto:` link styled `link_style`, and `<wbr>` in
/// its long runs (the addresses' included).
pub fn linked(text: &str, link_style: &str) -> Markup {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((start, end)) = find_address(rest) {
        parts.push((&rest[..start], None));
        parts.push(("", Some(&rest[start..end])));
        rest = &rest[end..];
    }
    parts.push((rest, None));
    html! {
        @for (plain, address) in parts {
            (breakable(plain))
            @if let Some(a) = address {
                a href=(format!("mailto:{a}")) style=(link_style) { (breakable(a)) }
            }
        }
    }
}

/// `text` escaped, with `<wbr>` in each run of more than [`LONG_RUN`] characters without
/// whitespace: after a `/`, `.`, `-`, `_`, `?`, `&`, `=` or `@` once the piece is 8 characters
/// long, and after any character once it is [`PIECE`] long.
pub(crate) fn breakable(text: &str) -> Markup {
    let mut out = String::with_capacity(text.len() + 16);
    for run in text.split_inclusive(char::is_whitespace) {
        if run.trim_end().chars().count() <= LONG_RUN {
            out.push_str(&escape(run));
            continue;
        }
        let mut piece = 0;
        let chars: Vec<char> = run.chars().collect();
        for (j, c) in chars.iter().enumerate() {
            out.push_str(&escape(&c.to_string()));
            piece += 1;
            let last = j + 1 == chars.len() || chars[j + 1].is_whitespace();
            let after_mark = matches!(c, '/' | '.' | '-' | '_' | '?' | '&' | '=' | '@');
            if !last && ((after_mark && piece >= 8) || piece >= PIECE) {
                out.push_str("<wbr>");
                piece = 0;
            }
        }
    }
    maud::PreEscaped(out)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    maud::Escaper::new(&mut out)
        .write_str(s)
        .expect("writing to a String");
    out
}

/// Where the first bare email address in `text` starts and ends: `name@domain.tld`, the name
/// of letters, digits and `.!#$%&'*+/=?^_`{|}~-`, the domain of labels of letters, digits and
/// `-` with at least one dot, and a full stop after it left out.
fn find_address(text: &str) -> Option<(usize, usize)> {
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut from = 0;
    while let Some(i) = text[from..].find('@') {
        let at = from + i;
        from = at + 1;
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let mut end = at
            + 1
            + text[at + 1..]
                .char_indices()
                .find(|(_, c)| !domain(*c))
                .map_or(text.len() - at - 1, |(i, _)| i);
        while text[..end].ends_with(['.', '-']) {
            end -= 1;
        }
        let (name, host) = (&text[start..at], &text[at + 1..end]);
        let name = name.trim_start_matches(['.', '\'']);
        let start = at - name.len();
        let labels: Vec<&str> = host.split('.').collect();
        if !name.is_empty()
            && labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty() && !l.starts_with('-'))
            && labels
                .last()
                .is_some_and(|t| t.chars().all(|c| c.is_ascii_alphabetic()) && t.len() >= 2)
        {
            return Some((start, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_addresses_become_mailto_links_without_trailing_punctuation() {
        let out = linked(
            "Write to office@example.org. Or (jane.o'neil+lmc@mail.example.co.uk), not a@b or @x.",
            "color:red",
        )
        .into_string();
        assert_eq!(
            out,
            "Write to <a href=\"mailto:office@example.org\" style=\"color:red\">office@example.org</a>. \
             Or (<a href=\"mailto:jane.o'neil+lmc@mail.example.co.uk\" style=\"color:red\">jane.o'neil+lmc@<wbr>mail.example.<wbr>co.uk</a>), not a@b or @x."
        );
        assert_eq!(linked("no address", "s").into_string(), "no address");
    }

    #[test]
    fn long_runs_get_break_points_and_short_words_none() {
        assert_eq!(
            breakable("a short sentence, with words & signs").into_string(),
            "a short sentence, with words &amp; signs"
        );
        let long = "pneumonoultramicroscopicsilicovolcanoconiosis";
        let out = breakable(&format!("the {long} room")).into_string();
        assert_eq!(
            out,
            "the pneumonoultramicrosc<wbr>opicsilicovolcanocon<wbr>iosis room"
        );
        assert_eq!(out.replace("<wbr>", ""), format!("the {long} room"));
        let url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ5ZDc0";
        let out = breakable(url).into_string();
        assert!(
            out.starts_with("https://<wbr>teams.microsoft.<wbr>com/l/meetup-<wbr>"),
            "{out}"
        );
        assert_eq!(out.replace("<wbr>", ""), url);
        // No piece between break points is longer than PIECE.
        assert!(
            out.split("<wbr>").all(|p| p.chars().count() <= PIECE),
            "{out}"
        );
    }
}
