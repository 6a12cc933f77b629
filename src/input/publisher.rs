//! `publisher.yaml`, beside the bulletins: who sends the bulletin, the footer, the unsubscribe
//! addresses, the List-Id, the brand colour, and who signs the message in a new issue.

use std::path::{Path, PathBuf};

use crate::address::parse_mailbox;
use crate::colour::contrast_with_white;
use crate::input::schema::Ctx;
use crate::input::url::url_problem;
use crate::input::yaml::{Node, Value};
use crate::model::{Publisher, Unsubscribe};

pub const PUBLISHER_KEYS: &[&str] = &[
    "name",
    "from",
    "reply_to",
    "website",
    "archive_url",
    "address",
    "unsubscribe",
    "list_id",
    "colour",
    "message_author",
    "message_role",
];

/// The file's name; it sits beside the bulletins.
pub const FILE: &str = "publisher.yaml";

/// Where `publisher.yaml` is for a bulletin: in the same folder.
pub fn path_for(bulletin: &Path) -> PathBuf {
    bulletin.parent().unwrap_or(Path::new(".")).join(FILE)
}

pub(crate) fn publisher_from(ctx: &mut Ctx, root: &Node) -> Option<Publisher> {
    let f = ctx.fields(root, "the publisher settings", PUBLISHER_KEYS)?;
    let name = f
        .require(ctx, "name", "Essex LMCs")
        .and_then(|n| ctx.line(n, "`name`"));
    let from = f
        .require(ctx, "from", "Essex LMCs <bulletin@example.org>")
        .and_then(|n| mailbox(ctx, n, "`from`"));
    let reply_to = f.get("reply_to").map(|n| mailbox(ctx, n, "`reply_to`"));
    let website = f.get("website").map(|n| web_address(ctx, n, "`website`"));
    let archive_url = f
        .get("archive_url")
        .map(|n| web_address(ctx, n, "`archive_url`"));
    let address = f
        .require(
            ctx,
            "address",
            "|  (then the office's name, address and telephone, one per line)",
        )
        .and_then(|n| {
            ctx.line_breaks_kept(n, "`address`");
            ctx.text(n, "`address`")
        })
        .map(|a| {
            a.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
    let unsubscribe = f
        .require(ctx, "unsubscribe", "mailto:unsubscribe@example.org")
        .and_then(|n| unsubscribe_from(ctx, n));
    let list_id = match f.get("list_id") {
        Some(n) => ctx.value(n, "`list_id`").and_then(|id| {
            let valid = id.contains('.')
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !valid {
                ctx.error(
                    n.pos,
                    format!("`list_id` `{id}` is not a list id"),
                    "write a name in the form of a domain you own, such as bulletin.example.org",
                );
            }
            valid.then_some(id)
        }),
        None => from
            .as_ref()
            .map(|m| format!("bulletin.{}", m.email.domain())),
    };
    if let Some(pos) = f.empty("colour") {
        ctx.error(
            pos,
            "`colour` is empty",
            "a # starts a comment in YAML: put the colour in quotes, e.g. colour: \"#005EB8\"",
        );
    }
    let colour = match f.get("colour") {
        Some(n) => ctx.value(n, "`colour`").and_then(|c| {
            let c = c.trim().to_string();
            let valid = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit());
            if !valid {
                ctx.error(n.pos, format!("`colour` `{c}` is not a colour"), "write it as # and six hex digits in quotes, such as \"#005EB8\"");
                return None;
            }
            let ratio = contrast_with_white(&c);
            if ratio < 4.5 {
                ctx.error(n.pos, format!("`colour` {c} is too light to read on white (contrast {ratio:.1}:1, at least 4.5:1 is needed)"), "choose a darker colour; NHS blue #005EB8 has 6.4:1");
                return None;
            }
            Some(c)
        }),
        None => Some("#005EB8".to_string()),
    };
    // Only `bulletin new` uses these (input::folder reads them, tolerating a broken file): the
    // sign-off it writes into a new issue's message. Here they are only checked.
    for key in ["message_author", "message_role"] {
        if let Some(n) = f.get(key) {
            ctx.line(n, &format!("`{key}`"));
        }
    }
    Some(Publisher {
        name: name?,
        from: from?,
        reply_to: reply_to.flatten(),
        website: website.flatten(),
        archive_url: archive_url.flatten(),
        address: address?,
        unsubscribe: unsubscribe?,
        list_id: list_id?,
        colour: colour?,
    })
    .filter(|_| !ctx.diags.has_errors())
}

fn mailbox(ctx: &mut Ctx, node: &Node, what: &str) -> Option<lettre::message::Mailbox> {
    let text = ctx.value(node, what)?;
    match parse_mailbox(&text) {
        Ok(m) => Some(m),
        Err(e) => {
            ctx.error(
                node.pos,
                format!("{what}: {e}"),
                "for example: Essex LMCs <bulletin@example.org>",
            );
            None
        }
    }
}

fn web_address(ctx: &mut Ctx, node: &Node, what: &str) -> Option<String> {
    let text = ctx.value(node, what)?;
    if let Some((message, help)) = url_problem(&text, false) {
        ctx.error(node.pos, format!("{what}: {message}"), help);
        return None;
    }
    Some(text.trim().to_string())
}

fn unsubscribe_from(ctx: &mut Ctx, node: &Node) -> Option<Unsubscribe> {
    let nodes: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(..) => vec![node],
        Value::Map(_) => {
            ctx.error(
                node.pos,
                "`unsubscribe` should be an address or a list of addresses",
                "for example: mailto:unsubscribe@example.org",
            );
            return None;
        }
    };
    let mut out = Unsubscribe::default();
    for n in nodes {
        let text = ctx.value(n, "`unsubscribe`")?;
        let text = text.trim().to_string();
        if let Some((message, help)) = url_problem(&text, true) {
            ctx.error(n.pos, format!("`unsubscribe`: {message}"), help);
            return None;
        }
        if text.starts_with("mailto:") {
            out.mailto = Some(text);
        } else {
            out.https = Some(text);
        }
    }
    if out.mailto.is_none() && out.https.is_none() {
        ctx.error(
            node.pos,
            "`unsubscribe` has no address",
            "give a mailto: address, an https: page, or both",
        );
        return None;
    }
    Some(out)
}
