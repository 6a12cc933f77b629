//! `oauth2:` under `smtp:` or `mailbox:`: the sign-in of `auth: oauth2` (who signs the office
//! in, the app IT registered, and what it may do), checked from the settings table
//! ([`super::settings::OAUTH2`]). The sign-in itself is [`crate::oauth`].

use crate::schema::Ctx;
use crate::yaml::{Node, Value};

use super::relay::is_loopback_host;
use super::settings::{self, OAUTH2};

/// `oauth2:` as checked: the provider's issuer (an `https:` address, or `http:` on this
/// computer for tests), the registered app's client id, and the scopes asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuth2 {
    pub issuer: url::Url,
    pub client_id: String,
    pub scopes: Vec<String>,
}

const EXAMPLE: &str = "oauth2: { issuer: https://login.microsoftonline.com/TENANT/v2.0, client_id: ID, scopes: [https://outlook.office.com/SMTP.Send, offline_access] }";

/// `oauth2:` of `f` (the section `section`, for messages), needed when `auth` is `oauth2`
/// (`wanted`), refused otherwise. `Some(None)` when it is neither given nor needed; `None` when
/// it is wrong (reported).
pub(super) fn oauth2(
    ctx: &mut Ctx,
    node: Option<&Node>,
    wanted: bool,
    at: crate::diagnostic::Pos,
    section: &str,
) -> Option<Option<OAuth2>> {
    match (node, wanted) {
        (None, false) => Some(None),
        (None, true) => {
            ctx.error(
                at,
                format!("`{section}` has `auth: oauth2` but no `oauth2:`"),
                format!("add the sign-in your IT team gives you: `{EXAMPLE}` (see docs/send.md)"),
            );
            None
        }
        (Some(n), false) => {
            ctx.error(
                n.pos,
                format!(
                    "`oauth2:` is used only with `auth: oauth2`, and `{section}` has another `auth`"
                ),
                "write `auth: oauth2` to sign in with it, or remove `oauth2:`",
            );
            None
        }
        (Some(n), true) => section_of(ctx, n).map(Some),
    }
}

fn section_of(ctx: &mut Ctx, node: &Node) -> Option<OAuth2> {
    let f = ctx.fields(node, "`oauth2`", &settings::keys(OAUTH2))?;
    let issuer = f
        .require(
            ctx,
            "issuer",
            "https://login.microsoftonline.com/TENANT/v2.0",
        )
        .and_then(|n| issuer(ctx, n));
    let client_id = f
        .require(ctx, "client_id", "00000000-0000-0000-0000-000000000000")
        .and_then(|n| ctx.value_line(n, "`client_id`"));
    let scopes = f
        .require(
            ctx,
            "scopes",
            "[https://outlook.office.com/SMTP.Send, offline_access]",
        )
        .and_then(|n| scopes(ctx, n));
    Some(OAuth2 {
        issuer: issuer?,
        client_id: client_id?.trim().to_string(),
        scopes: scopes?,
    })
}

/// The issuer: `https:`, or `http:` only for a provider on this computer (the tests').
fn issuer(ctx: &mut Ctx, node: &Node) -> Option<url::Url> {
    let text = ctx.value_line(node, "`issuer`")?;
    let help =
        "write the address your IT team gives, e.g. https://login.microsoftonline.com/TENANT/v2.0";
    let Ok(url) = url::Url::parse(text.trim()) else {
        ctx.error(
            node.pos,
            format!("`issuer` `{text}` is not an address"),
            help,
        );
        return None;
    };
    let local = url.host_str().is_some_and(is_loopback_host);
    match url.scheme() {
        "https" => Some(url),
        "http" if local => Some(url),
        _ => {
            ctx.error(
                node.pos,
                format!("`issuer` `{text}` is not an https address"),
                format!(
                    "{help}; `http:` is allowed only for a provider on this computer (127.0.0.1)"
                ),
            );
            None
        }
    }
}

/// `scopes`: a list of words, or one line of them separated by spaces.
fn scopes(ctx: &mut Ctx, node: &Node) -> Option<Vec<String>> {
    let words: Vec<String> = match &node.value {
        Value::Seq(items) => {
            let mut words = Vec::new();
            for item in items {
                words.push(ctx.value_line(item, "a scope")?.trim().to_string());
            }
            words
        }
        _ => ctx
            .value_line(node, "`scopes`")?
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    if words.is_empty()
        || words
            .iter()
            .any(|w| w.is_empty() || w.contains(char::is_whitespace))
    {
        ctx.error(
            node.pos,
            "`scopes` should be a list of scopes, each one word",
            "e.g. `scopes: [https://outlook.office.com/SMTP.Send, offline_access]`",
        );
        return None;
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::super::{Auth, Transport, load};

    /// The recipients file with `smtp` lines `relay` (indented under `smtp:`): what the loader
    /// made of it, or its diagnostics as text.
    fn loaded(relay: &str) -> Result<super::super::Recipients, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.yaml");
        std::fs::write(
            &path,
            format!("smtp:\n  host: smtp.office365.com\n  username: bulletin@example.org\n{relay}lists:\n  a:\n    members: [x@example.org]\n"),
        )
        .unwrap();
        load(&path).map(|r| r.0).map_err(|d| d.to_string())
    }

    #[test]
    fn oauth2_is_read_with_its_issuer_app_and_scopes() {
        let r = loaded("  auth: oauth2\n  oauth2:\n    issuer: https://login.microsoftonline.com/example.org/v2.0\n    client_id: ' app-1 '\n    scopes: [https://outlook.office.com/SMTP.Send, offline_access]\n").unwrap();
        let Transport::Smtp(s) = r.transport else {
            panic!("smtp");
        };
        assert_eq!(s.auth, Auth::OAuth2);
        let o = s.oauth2.unwrap();
        assert_eq!(
            o.issuer.as_str(),
            "https://login.microsoftonline.com/example.org/v2.0"
        );
        assert_eq!(o.client_id, "app-1");
        assert_eq!(
            o.scopes,
            ["https://outlook.office.com/SMTP.Send", "offline_access"]
        );
        // Scopes on one line, as the schema allows.
        let r = loaded("  auth: oauth2\n  oauth2: { issuer: 'http://127.0.0.1:8080', client_id: a, scopes: 'x offline_access' }\n").unwrap();
        let Transport::Smtp(s) = r.transport else {
            panic!("smtp");
        };
        assert_eq!(s.oauth2.unwrap().scopes, ["x", "offline_access"]);
    }

    #[test]
    fn a_wrong_oauth2_says_what_to_write() {
        let cases = [
            (
                "  auth: oauth2\n",
                "`smtp` has `auth: oauth2` but no `oauth2:`",
            ),
            (
                "  auth: password\n  oauth2: { issuer: 'https://a.example.org', client_id: a, scopes: [x] }\n",
                "`oauth2:` is used only with `auth: oauth2`",
            ),
            (
                "  auth: oauth2\n  oauth2: { issuer: 'http://login.example.org', client_id: a, scopes: [x] }\n",
                "`issuer` `http://login.example.org` is not an https address",
            ),
            (
                "  auth: oauth2\n  oauth2: { issuer: 'https://a.example.org', scopes: [x] }\n",
                "client_id",
            ),
            (
                "  auth: oauth2\n  oauth2: { issuer: 'https://a.example.org', client_id: a, scopes: [] }\n",
                "`scopes` should be a list of scopes",
            ),
            (
                "  auth: oauth2\n  oauth2: { issuer: 'https://a.example.org', client_id: a, scopes: [x], secret: y }\n",
                "`secret` must not be written in this file",
            ),
        ];
        for (relay, said) in cases {
            let e = loaded(relay).err().unwrap_or_else(|| panic!("{relay}"));
            assert!(e.contains(said), "{relay}\n{e}");
        }
    }
}
