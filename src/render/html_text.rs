//! How the HTML email writes a run of the bulletin's text: a bare email address becomes a
//! `mailto:` link (as a bare `https://` address already is a link, by the Markdown reader).
//! HTML only: the plain text shows the same characters.

use maud::{Markup, html};

/// `text` with each bare email address a `mailto:` link styled `link_style`.
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
            (plain)
            @if let Some(a) = address {
                a href=(format!("mailto:{a}")) style=(link_style) { (a) }
            }
        }
    }
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
             Or (<a href=\"mailto:jane.o'neil+lmc@mail.example.co.uk\" style=\"color:red\">jane.o'neil+lmc@mail.example.co.uk</a>), not a@b or @x."
        );
        assert_eq!(linked("no address", "s").into_string(), "no address");
    }
}
