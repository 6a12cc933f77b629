//! `mailbox:`: the IMAP mailbox where bounces and replies arrive (read by `bulletin inbox`) and
//! when soft bounces suppress an address, checked and defaulted from the settings table
//! ([`super::settings::MAILBOX`]).

use crate::schema::Ctx;
use crate::yaml::Node;

use super::ca_file;
use super::oauth::{self, OAuth2};
use super::relay::{Security, is_loopback_host};
use super::secrets::{HAS_SHELL, SecretCommand, secret_command};
use super::settings::{self, MAILBOX};

/// `mailbox:`: where bounces and replies arrive, read by `bulletin inbox` over IMAP, and how many
/// soft bounces suppress an address.
#[derive(Clone, Debug)]
pub struct ReplyMailbox {
    /// `None` when only the thresholds are given (for `inbox --dir`).
    pub imap: Option<Imap>,
    /// This many soft bounces ...
    pub soft_bounces: u32,
    /// ... within this many days suppress an address.
    pub soft_bounce_days: u32,
    /// The name the office's own mail server writes first in the `Authentication-Results` it
    /// adds (its authserv-id, `mx.example.org`): only that server's verdict is trusted.
    pub authserv_id: Option<String>,
}

impl Default for ReplyMailbox {
    fn default() -> ReplyMailbox {
        ReplyMailbox {
            imap: None,
            soft_bounces: settings::default_number(MAILBOX, "soft_bounces") as u32,
            soft_bounce_days: settings::default_number(MAILBOX, "soft_bounce_days") as u32,
            authserv_id: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Imap {
    pub host: String,
    pub port: u16,
    /// `tls` (port 993, the default), `starttls` (port 143, upgraded before the login) or `none`
    /// (only for a server on this computer).
    pub security: Security,
    pub username: String,
    /// `oauth2:` when `auth: oauth2` (signed in with `bulletin login --mailbox`); `None` for a
    /// password.
    pub oauth2: Option<Box<OAuth2>>,
    pub folder: String,
    pub secret_command: Option<Box<SecretCommand>>,
    /// Extra certificate authorities to trust (PEM), as for the relay's `ca_file`.
    pub ca_pem: Option<Vec<u8>>,
}

impl Imap {
    /// `imap.example.org:993`
    pub fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

pub(super) fn mailbox(ctx: &mut Ctx, node: &Node) -> Option<ReplyMailbox> {
    let f = ctx.fields(node, "`mailbox`", &settings::keys(MAILBOX))?;
    let soft_bounces = settings::number(ctx, &f, MAILBOX, "soft_bounces").map(|n| n as u32);
    let soft_bounce_days = settings::number(ctx, &f, MAILBOX, "soft_bounce_days").map(|n| n as u32);
    let authserv_id = settings::line(ctx, &f, MAILBOX, "authserv_id")
        .map(|v| v.map(|v| v.trim().to_ascii_lowercase()));
    let imap = match f.get("host") {
        None => Some(None),
        Some(h) => {
            let host = ctx.value_line(h, "`host`");
            let security_name = settings::choice(ctx, &f, MAILBOX, "security");
            let security = security_name.map(Security::named);
            let port = settings::port(ctx, &f, MAILBOX, security_name);
            let username = f
                .require(ctx, "username", "bulletin@example.org")
                .and_then(|n| ctx.value_line(n, "`username`"));
            let auth = settings::choice(ctx, &f, MAILBOX, "auth");
            let oauth2 = oauth::oauth2(
                ctx,
                f.get("oauth2"),
                auth == Some("oauth2"),
                f.get("auth").map_or(f.pos, |n| n.pos),
                "mailbox",
            );
            let folder = settings::line(ctx, &f, MAILBOX, "folder").map(Option::unwrap_or_default);
            if let (Some(Security::None), Some(h)) = (security, &host)
                && !is_loopback_host(h)
            {
                ctx.error(
                    f.get("security").map_or(f.pos, |n| n.pos),
                    format!("the mailbox's password would be sent unencrypted to {h}"),
                    "use `security: tls` (port 993) or `starttls` (port 143); `security: none` is allowed only for a mailbox server on this computer (127.0.0.1)",
                );
            }
            let secret_command = f
                .get("secret_command")
                .and_then(|n| secret_command(ctx, n, HAS_SHELL));
            let ca_pem = ca_file(ctx, f.get("ca_file"));
            Some(Some(Imap {
                host: host?,
                port: port?,
                security: security?,
                username: username?,
                oauth2: oauth2?.map(Box::new),
                folder: folder?,
                secret_command,
                ca_pem: ca_pem?,
            }))
        }
    };
    Some(ReplyMailbox {
        imap: imap?,
        soft_bounces: soft_bounces?,
        soft_bounce_days: soft_bounce_days?,
        authserv_id: authserv_id?,
    })
}
