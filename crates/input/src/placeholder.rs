//! Placeholders: the `[[text in double square brackets]]` that `bulletin new` writes where the
//! office must put its own words. Every one left in a bulletin is an error at its line and
//! column, so a skeleton can never be sent half filled in.

use crate::diagnostic::Diagnostic;
use crate::schema::Ctx;
use crate::yaml::{Node, Value};

pub(crate) const OPEN: &str = "[[";
pub(crate) const CLOSE: &str = "]]";
/// What is said of a placeholder left in a bulletin.
pub const MESSAGE: &str = "this placeholder has not been filled in";
/// The help's words before what the placeholder asks for.
pub const HELP_BEFORE: &str = "replace this placeholder text, brackets included, with ";

/// `what` as a placeholder: `[[the title of this week's bulletin]]`.
pub fn mark(what: &str) -> String {
    format!("{OPEN}{what}{CLOSE}")
}

/// Each placeholder in `text`: its byte offset and what it asks for (the text inside).
pub fn find(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find(OPEN).map(|i| from + i) {
        let inner_start = start + OPEN.len();
        let Some(len) = text[inner_start..].find(CLOSE) else {
            break;
        };
        let inner = &text[inner_start..inner_start + len];
        if !inner.trim().is_empty() {
            out.push((start, inner.trim()));
        }
        from = inner_start + len + CLOSE.len();
    }
    out
}

/// Reports every placeholder in the values under `root` as an error. Other problems on a line
/// that holds a placeholder (a placeholder is not a web address, say) are dropped: filling the
/// placeholder in is the fix for both.
pub fn report(ctx: &mut Ctx, root: &Node) {
    let mut found = Vec::new();
    collect(root, &mut found);
    let mut errors = Vec::new();
    for node in found {
        let text = node.as_str().unwrap_or("");
        for (offset, inner) in find(text) {
            let pos = ctx.pos_in(node, text, offset);
            errors.push(
                Diagnostic::error(ctx.path, pos, MESSAGE)
                    .with_help(format!("{HELP_BEFORE}{inner}")),
            );
        }
    }
    let lines: Vec<usize> = errors.iter().map(|e| e.pos.line).collect();
    let path = ctx.path;
    ctx.diags
        .0
        .retain(|d| d.file != path || !lines.contains(&d.pos.line));
    for e in errors {
        ctx.diags.push(e);
    }
}

/// Every scalar value (not key) under `node`.
fn collect<'n>(node: &'n Node, out: &mut Vec<&'n Node>) {
    match &node.value {
        Value::Scalar(..) => out.push(node),
        Value::Seq(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| collect(v, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_placeholder_and_what_it_asks_for() {
        assert_eq!(
            find("a [[the title]] b [[ x ]] [[]] [[open"),
            vec![(2, "the title"), (18, "x")]
        );
        assert_eq!(find("[[a\nb]]"), vec![(0, "a\nb")]);
        assert!(find("a [link](https://x.org) [b]").is_empty());
        assert_eq!(mark("the title"), "[[the title]]");
    }
}
