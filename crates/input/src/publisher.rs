//! `publisher.yaml`, beside the bulletins: who sends the bulletin, the footer, the unsubscribe
//! addresses (and whether their page takes one-click POSTs), the List-Id, the brand colour, and who signs the message in a new issue.

use std::path::{Path, PathBuf};

use crate::address::parse_mailbox;
use crate::colour::contrast_with_white;
use crate::diagnostic::Diagnostics;
use crate::limits::{MAX_TITLE_CHARS, MAX_UNSUBSCRIBE_CHARS};
use crate::model::{Logo, Publisher, Unsubscribe};
use crate::schema::Ctx;
use crate::url::url_problem;
use crate::yaml::{self, Node, Value};

pub(crate) const PUBLISHER_KEYS: &[&str] = &[
    "name",
    "from",
    "reply_to",
    "website",
    "archive_url",
    "address",
    "unsubscribe",
    "one_click_unsubscribe",
    "list_id",
    "colour",
    "logo",
    "message_author",
    "message_role",
    "approvers",
];

pub(crate) const LOGO_KEYS: &[&str] = &["file", "url", "width", "height", "alt"];

/// The largest logo file read: every reader's mail program downloads it.
pub(crate) const MAX_LOGO_BYTES: u64 = 1024 * 1024;

/// The widest a logo may be shown: the 600-pixel column less the header's side margins.
pub(crate) const MAX_LOGO_WIDTH: u64 = 536;
/// The tallest: a taller header pushes the bulletin's title below the first screen of a phone.
pub(crate) const MAX_LOGO_HEIGHT: u64 = 200;

/// The file's name; it sits beside the bulletins.
pub const FILE: &str = "publisher.yaml";

/// Where `publisher.yaml` is for a bulletin: in the same folder.
pub fn path_for(bulletin: &Path) -> PathBuf {
    bulletin.parent().unwrap_or(Path::new(".")).join(FILE)
}

/// Loads `publisher.yaml` on its own (for `bulletin inbox`, which needs its unsubscribe address
/// but no bulletin).
pub fn load(path: &Path) -> Result<Publisher, Diagnostics> {
    let (source, node) = yaml::load_file(path)?;
    let mut diags = Diagnostics::default();
    let mut ctx = Ctx::new(path, &source, &mut diags);
    match publisher_from(&mut ctx, &node) {
        Some(p) if !diags.has_errors() => Ok(p),
        _ => Err(diags),
    }
}

pub fn publisher_from(ctx: &mut Ctx, root: &Node) -> Option<Publisher> {
    let f = ctx.fields(root, "the publisher settings", PUBLISHER_KEYS)?;
    let name = f.require(ctx, "name", "Essex LMCs").and_then(|n| {
        ctx.short_line(
            n,
            "`name`",
            MAX_TITLE_CHARS,
            "the name goes into the email's From line: write the organisation's usual short name",
        )
    });
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
    let one_click = f
        .get("one_click_unsubscribe")
        .map(|n| one_click_from(ctx, n, unsubscribe.as_ref()));
    let list_id = match f.get("list_id") {
        Some(n) => ctx.value(n, "`list_id`").and_then(|id| {
            // A domain: at most 253 characters, in labels of at most 63.
            let valid = id.contains('.')
                && id.len() <= 253
                && id.split('.').all(|label| label.len() <= 63)
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
    let logo = f.get("logo").map(|n| logo_from(ctx, n));
    let approvers = f.get("approvers").map(|n| approvers_from(ctx, n));
    // A logo from a file is shown from the archive, where `bulletin archive` publishes it: with
    // no `archive_url` there is nowhere to show it from, and it is left out (never attached).
    let mut logo_unpublished = None;
    let logo = logo.map(|l| {
        l.and_then(
            |mut l| match (&l.file, archive_url.as_ref().and_then(|a| a.as_deref())) {
                (None, _) => Some(l),
                (Some(file), Some(base)) => {
                    l.url = format!("{}/{}", base.trim_end_matches('/'), logo_file_name(file));
                    Some(l)
                }
                (Some(file), None) => {
                    logo_unpublished = Some(file.clone());
                    None
                }
            },
        )
    });
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
        unsubscribe: Unsubscribe {
            one_click: one_click.flatten().unwrap_or(false),
            ..unsubscribe?
        },
        list_id: list_id?,
        colour: colour?,
        logo: logo.flatten(),
        approvers: approvers.flatten().unwrap_or_default(),
        logo_unpublished,
    })
    .filter(|_| !ctx.diags.has_errors())
}

/// `approvers`: who may approve an issue before it is sent (`bulletin approve FILE --as NAME`),
/// a list of names, each on one line, none twice.
fn approvers_from(ctx: &mut Ctx, node: &Node) -> Option<Vec<String>> {
    let Value::Seq(items) = &node.value else {
        ctx.error(
            node.pos,
            "`approvers` should be a list of names",
            "for example: approvers: [Dr Jane Smith, Sam Jones]",
        );
        return None;
    };
    let mut names: Vec<String> = Vec::new();
    for n in items {
        let name = ctx.short_line(
            n,
            "an approver's name",
            MAX_TITLE_CHARS,
            "give the person's name as the office knows it, such as Dr Jane Smith",
        )?;
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            ctx.error(
                n.pos,
                "an approver's name is empty",
                "write the person's name, or remove the line",
            );
            return None;
        }
        if names.iter().any(|m| m.eq_ignore_ascii_case(&name)) {
            ctx.error(
                n.pos,
                format!("`{name}` is named twice in `approvers`"),
                "remove one of them",
            );
            return None;
        }
        names.push(name);
    }
    Some(names)
}

/// The name a logo file is published under at the archive's top: `logo.png`, `logo.jpg` or
/// `logo.gif`, whatever the office's file is called (spaces and all).
pub fn logo_file_name(file: &Path) -> String {
    let ext = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "jpeg" || e == "jpg" => "jpg",
        Some(e) if e == "gif" => "gif",
        _ => "png",
    };
    format!("logo.{ext}")
}

/// The logo: a file on this computer (its size read from it, published by the archive), or an
/// `https:` image already online with its size; in a format every mail program shows, with the
/// text shown where images are blocked. A file's logo has no `url` yet: `publisher_from` gives
/// it the archive's.
fn logo_from(ctx: &mut Ctx, node: &Node) -> Option<Logo> {
    let f = ctx.fields(node, "`logo`", LOGO_KEYS)?;
    // Every problem is reported, not only the first: `None` marks one found.
    let (url, file) = logo_source(ctx, &f);
    let (width, height) = logo_sizes(ctx, &f, url.is_some());
    let alt = logo_alt(ctx, &f);
    // A size given but not valid has been reported.
    if matches!(width, Some(None)) || matches!(height, Some(None)) {
        return None;
    }
    let (width, height) = (width.flatten(), height.flatten());
    let (url, file, (width, height)) = match (url, file) {
        (Some(url), None) => (url?, None, (width?, height?)),
        (None, Some(file)) => {
            let (path, natural) = file?;
            (
                String::new(),
                Some(path),
                shown_size(natural, width, height),
            )
        }
        _ => return None,
    };
    Some(Logo {
        url,
        width,
        height,
        alt: alt?,
        file,
    })
}

/// A logo file and its size in pixels.
type LogoFile = (PathBuf, (u32, u32));

/// Where the logo's image is: `url` (outer `Some` when given, inner `None` when not valid), or
/// `file` with its size; neither when both or none are given (reported).
fn logo_source(
    ctx: &mut Ctx,
    f: &crate::schema::Fields,
) -> (Option<Option<String>>, Option<Option<LogoFile>>) {
    match (f.get("url"), f.get("file")) {
        (Some(_), Some(n)) => {
            ctx.error(
                n.pos,
                "the logo has both a `file` and a `url`",
                "keep `file:` for an image on this computer (the archive publishes it), or `url:` for one already online, not both",
            );
            (None, None)
        }
        (None, None) => {
            ctx.error(
                f.pos,
                "the logo says neither where its image is on this computer (`file`) nor where it is online (`url`)",
                "give `file: logo.png` (an image beside publisher.yaml: its size is read from it), or `url:` with an https:// address and the image's `width` and `height` in pixels",
            );
            (None, None)
        }
        (Some(n), None) => (Some(logo_url(ctx, n)), None),
        (None, Some(n)) => (None, Some(logo_file(ctx, n))),
    }
}

/// The logo's `width` and `height` (outer `Some` when given, inner `None` when not valid). At an
/// https address both must be given; from a file they are read from the image.
fn logo_sizes(
    ctx: &mut Ctx,
    f: &crate::schema::Fields,
    at_url: bool,
) -> (Option<Option<u32>>, Option<Option<u32>>) {
    let width = f.get("width").map(|n| {
        pixels(
            ctx,
            n,
            "the logo's `width`",
            MAX_LOGO_WIDTH,
            "the email is 600 pixels wide, less its margins",
        )
    });
    let height = f.get("height").map(|n| {
        pixels(
            ctx,
            n,
            "the logo's `height`",
            MAX_LOGO_HEIGHT,
            "a taller header pushes the bulletin below the first screen of a phone",
        )
    });
    if at_url {
        for (key, given, example) in [("width", &width, "180"), ("height", &height, "48")] {
            if given.is_none() {
                ctx.error(
                    f.pos,
                    format!("`logo` has no `{key}`"),
                    format!("a logo at an https:// address needs the size it is shown at: add a line `{key}: {example}`; or give `file: logo.png` instead of `url`, with the image beside publisher.yaml, and its size is read from it"),
                );
            }
        }
    }
    (width, height)
}

/// The logo's `alt`, required and not empty.
fn logo_alt(ctx: &mut Ctx, f: &crate::schema::Fields) -> Option<String> {
    if let Some(n) = f.get("alt")
        && n.as_str().is_some_and(|s| s.trim().is_empty())
    {
        ctx.error(
            n.pos,
            "the logo's `alt` is empty",
            "write the text readers see where images are blocked (Outlook blocks them by default), such as the organisation's name",
        );
        return None;
    }
    let n = f.require(ctx, "alt", "Essex LMCs")?;
    ctx.short_line(
        n,
        "the logo's `alt`",
        MAX_TITLE_CHARS,
        "the text shown where images are blocked: the organisation's name is enough",
    )
}

/// The logo's `url`: an https address of an image in a format every mail program shows.
fn logo_url(ctx: &mut Ctx, n: &Node) -> Option<String> {
    let text = ctx.value(n, "the logo's `url`")?;
    if text.trim().starts_with("http://") {
        ctx.error(
            n.pos,
            format!("the logo's `url` `{}` is not secure (http:)", text.trim()),
            "give the image's https:// address: mail programs do not load images from http: addresses",
        );
        return None;
    }
    let url = web_address(ctx, n, "the logo's `url`")?;
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Some(kind) = [".svg", ".webp", ".avif"]
        .into_iter()
        .find(|ext| path.ends_with(ext))
    {
        ctx.error(
            n.pos,
            format!(
                "the logo is in {} format, which Gmail and Outlook do not show",
                &kind[1..].to_uppercase()
            ),
            "save the logo as a PNG (or JPEG or GIF), put it on your website and give its address",
        );
        return None;
    }
    Some(url)
}

/// The logo's `file`, beside publisher.yaml: a PNG, JPEG or GIF, and its size in pixels.
fn logo_file(ctx: &mut Ctx, n: &Node) -> Option<LogoFile> {
    let name = ctx.value_line(n, "the logo's `file`")?;
    let path = ctx.path.parent().unwrap_or(Path::new("")).join(name.trim());
    match logo_size(&path) {
        Ok(size) => Some((path, size)),
        Err((message, help)) => {
            ctx.error(n.pos, message, help);
            None
        }
    }
}

/// The size in pixels of a logo file: a PNG, JPEG or GIF of at most [`MAX_LOGO_BYTES`]; else
/// what is wrong and what to do (`bulletin init --logo` asks the same).
pub fn logo_size(path: &Path) -> Result<(u32, u32), (String, String)> {
    match std::fs::metadata(path) {
        Err(_) => {
            return Err((
                format!("the logo's file {} is not there", path.display()),
                "put the image beside publisher.yaml, or give its name as it is there".to_string(),
            ));
        }
        Ok(m) if m.len() > MAX_LOGO_BYTES => {
            return Err((
                format!(
                    "the logo's file {} is {} KB: every reader's mail program downloads it",
                    path.display(),
                    m.len() / 1024
                ),
                "save a smaller copy of the logo (a PNG a few hundred pixels wide is a few tens of KB)".to_string(),
            ));
        }
        Ok(_) => {}
    }
    let bytes = std::fs::read(path).map_err(|e| {
        (
            format!("cannot read the logo's file {}: {e}", path.display()),
            "check that the file can be opened".to_string(),
        )
    })?;
    let size = imagesize::image_type(&bytes)
        .ok()
        .filter(|t| {
            matches!(
                t,
                imagesize::ImageType::Png | imagesize::ImageType::Jpeg | imagesize::ImageType::Gif
            )
        })
        .and_then(|_| imagesize::blob_size(&bytes).ok())
        .filter(|s| s.width > 0 && s.height > 0)
        .ok_or_else(|| {
            (
                format!("the logo's file {} is not a PNG, JPEG or GIF image", path.display()),
                "save the logo as a PNG (or JPEG or GIF): Gmail and Outlook show no other kind of image".to_string(),
            )
        })?;
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Ok((clamp(size.width), clamp(size.height)))
}

/// The size a logo file is shown at: the `width` and `height` given, or the one given and the
/// other in proportion, or its own size made small enough for the header (never larger).
fn shown_size(natural: (u32, u32), width: Option<u32>, height: Option<u32>) -> (u32, u32) {
    let (w, h) = (f64::from(natural.0), f64::from(natural.1));
    let round = |v: f64| (v.round() as u32).max(1);
    match (width, height) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => (a, round(h * f64::from(a) / w).min(MAX_LOGO_HEIGHT as u32)),
        (None, Some(b)) => (round(w * f64::from(b) / h).min(MAX_LOGO_WIDTH as u32), b),
        (None, None) => {
            let scale = (MAX_LOGO_WIDTH as f64 / w)
                .min(MAX_LOGO_HEIGHT as f64 / h)
                .min(1.0);
            (round(w * scale), round(h * scale))
        }
    }
}

/// A size in pixels, a whole number from 1 to `max`.
fn pixels(ctx: &mut Ctx, node: &Node, what: &str, max: u64, why: &str) -> Option<u32> {
    let n = node
        .as_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|n| (1..=max).contains(n));
    if n.is_none() {
        ctx.error(
            node.pos,
            format!("{what} should be a whole number of pixels from 1 to {max}"),
            format!("give the size at which the logo is shown, at most {max} ({why}); the image itself can be twice as large, for sharp screens"),
        );
    }
    n.map(|n| n as u32)
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

/// Why `text` is not exactly one address for the List-Unsubscribe header, where each address
/// is written `<...>` and separated by commas: nothing in it may close one entry or start
/// another, and a mailto: goes to its one address only.
fn one_address_problem(text: &str) -> Option<(String, String)> {
    let length = text.chars().count();
    if length > MAX_UNSUBSCRIBE_CHARS {
        return Some((
            format!(
                "the address is {length} characters long, more than the {MAX_UNSUBSCRIBE_CHARS} allowed"
            ),
            "give the short address of the unsubscribe page or mailbox".into(),
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| matches!(c, '<' | '>' | ',' | '"' | '\\') || c.is_whitespace() || c.is_control())
    {
        let shown = if c.is_whitespace() {
            "a space".to_string()
        } else {
            format!("`{c}`")
        };
        return Some((
            format!("`{text}` must be one address, but it holds {shown}"),
            "give each address as its own item, `- mailto:...` and `- https://...`; in a web address, write a comma as %2C and a space as %20".into(),
        ));
    }
    let (address, query) = match text.strip_prefix("mailto:")?.split_once('?') {
        Some((address, query)) => (address, query),
        None => (text.strip_prefix("mailto:")?, ""),
    };
    // `%2C` is a comma once decoded: `mailto:a%2Cb@example.org` is two addresses.
    if address.contains('%') {
        return Some((
            format!("`{text}` must be one address, but it holds `%`"),
            "write the address itself, as mailto:unsubscribe@example.org".into(),
        ));
    }
    let field = query
        .split('&')
        .map(|f| f.split('=').next().unwrap_or(""))
        .find(|name| {
            !name.is_empty()
                && !name.eq_ignore_ascii_case("subject")
                && !name.eq_ignore_ascii_case("body")
        })?;
    Some((
        format!("`{text}` adds `{field}=` to the mailto: address"),
        "an unsubscribe email goes to one address: keep only `?subject=...` (and `body=`)".into(),
    ))
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
    let mut ok = true;
    for n in nodes {
        let Some(text) = ctx.value(n, "`unsubscribe`") else {
            ok = false;
            continue;
        };
        let text = text.trim().to_string();
        if let Some((message, help)) =
            one_address_problem(&text).or_else(|| url_problem(&text, true))
        {
            ctx.error(n.pos, format!("`unsubscribe`: {message}"), help);
            ok = false;
            continue;
        }
        let (slot, kind) = if text.starts_with("mailto:") {
            (&mut out.mailto, "mailto:")
        } else {
            (&mut out.https, "https:")
        };
        if slot.is_some() {
            ctx.error(
                n.pos,
                format!("`unsubscribe` gives a second {kind} address"),
                "give one mailto: address, one https: page, or one of each",
            );
            ok = false;
            continue;
        }
        *slot = Some(text);
    }
    if !ok {
        return None;
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

/// `one_click_unsubscribe`: `true` or `false`; `true` only with an https: page to POST to.
fn one_click_from(ctx: &mut Ctx, node: &Node, unsubscribe: Option<&Unsubscribe>) -> Option<bool> {
    let text = ctx.value(node, "`one_click_unsubscribe`")?;
    let on = match text.trim() {
        "true" => true,
        "false" => false,
        other => {
            ctx.error(
                node.pos,
                format!("`one_click_unsubscribe` should be true or false, not `{other}`"),
                "write true only if your https: unsubscribe page unsubscribes the reader when it receives a POST request (RFC 8058), without asking anything; otherwise false or leave the key out",
            );
            return None;
        }
    };
    if on && unsubscribe.is_some_and(|u| u.https.is_none()) {
        ctx.error(
            node.pos,
            "`one_click_unsubscribe` is true, but `unsubscribe` has no https: page",
            "one-click unsubscribe posts to a web page: add the https: page to `unsubscribe`, or remove this key",
        );
        return None;
    }
    Some(on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsubscribe_address_is_exactly_one_address() {
        for good in [
            "mailto:unsubscribe@example.org?subject=unsubscribe",
            "mailto:unsubscribe@example.org?Subject=stop&body=please",
            "https://www.example.org/unsubscribe?id=1&list=2",
        ] {
            assert_eq!(one_address_problem(good), None, "{good}");
        }
        for (bad, says) in [
            ("mailto:a@example.org>, <https://evil.example", "holds `>`"),
            (
                "https://www.example.org/u>,<mailto:x@evil.example",
                "holds `>`",
            ),
            ("mailto:a@example.org,b@example.org", "holds `,`"),
            (
                "https://www.example.org/u <https://evil.example>",
                "holds a space",
            ),
            ("mailto:a%2Cb@example.org", "holds `%`"),
            ("mailto:a@example.org?cc=b@evil.example", "adds `cc=`"),
            (
                "mailto:a@example.org?subject=x&bcc=b@evil.example",
                "adds `bcc=`",
            ),
        ] {
            let (message, _) = one_address_problem(bad).unwrap_or_else(|| panic!("{bad}"));
            assert!(message.contains(says), "{bad}: {message}");
        }
        assert!(
            one_address_problem(&format!("https://www.example.org/{}", "a".repeat(500))).is_some()
        );
    }
}

#[cfg(test)]
mod logo_tests {
    use super::*;

    #[test]
    fn a_logo_file_is_shown_at_its_size_or_smaller_keeping_its_shape() {
        assert_eq!(shown_size((180, 48), None, None), (180, 48));
        // Twice too wide: halved, in proportion.
        assert_eq!(shown_size((1072, 200), None, None), (536, 100));
        assert_eq!(shown_size((400, 400), None, None), (200, 200));
        assert_eq!(shown_size((360, 96), Some(180), None), (180, 48));
        assert_eq!(shown_size((360, 96), None, Some(24)), (90, 24));
        assert_eq!(shown_size((360, 96), Some(100), Some(30)), (100, 30));
        assert_eq!(logo_file_name(Path::new("Our Logo.JPEG")), "logo.jpg");
        assert_eq!(logo_file_name(Path::new("logo.png")), "logo.png");
    }
}
