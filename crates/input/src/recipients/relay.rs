//! `smtp:` and `transport:`: how messages leave this computer, through a relay or the local
//! mail system, checked and defaulted from the settings table ([`super::settings::SMTP`]).

use std::time::Duration;

use crate::schema::Ctx;
use crate::yaml::Node;

use super::ca_file;
use super::oauth::{self, OAuth2};
use super::secrets::{HAS_SHELL, SecretCommand, secret_command};
use super::settings::{self, SMTP};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Password,
    /// Signed in with `bulletin login` (`oauth2:`): access tokens from the refresh token kept.
    OAuth2,
    Xoauth2,
    None,
}

impl Security {
    /// The value of `security:` in the file, one of [`settings::SMTP`]'s (and
    /// [`settings::MAILBOX`]'s) values for it.
    pub(super) fn named(name: &str) -> Security {
        match name {
            "starttls" => Security::StartTls,
            "tls" => Security::Tls,
            "none" => Security::None,
            _ => unreachable!("`security: {name}` is not in the settings table"),
        }
    }
}

impl Auth {
    /// The value of `auth:` in the file, one of [`settings::SMTP`]'s values for it.
    fn named(name: &str) -> Auth {
        match name {
            "password" => Auth::Password,
            "oauth2" => Auth::OAuth2,
            "xoauth2" => Auth::Xoauth2,
            "none" => Auth::None,
            _ => unreachable!("`auth: {name}` is not in the settings table"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub auth: Auth,
    pub username: Option<String>,
    /// `oauth2:`, for `auth: oauth2`. Boxed: rarely given.
    pub oauth2: Option<Box<OAuth2>>,
    /// Boxed: rarely given, and it would make every `Smtp` larger.
    pub secret_command: Option<Box<SecretCommand>>,
    /// Messages a minute across all connections; 0 = no limit.
    pub rate_per_minute: u32,
    /// Recipients in any 24 hours, over every issue's journal; 0 = no limit.
    pub daily_limit: u64,
    pub connections: usize,
    /// How many times a temporary failure (4xx, a dropped connection) is retried.
    pub retries: u32,
    /// The wait before the first retry; it doubles each time.
    pub retry_wait: Duration,
    pub timeout: Duration,
    pub hello_name: Option<String>,
    /// Extra certificate authorities to trust (PEM), for a relay with an organisation's own
    /// certificate; the public roots are trusted as well.
    pub ca_pem: Option<Vec<u8>>,
}

impl Smtp {
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// `smtp.example.org:587`
    pub fn describe(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Clone, Debug)]
pub enum Transport {
    Smtp(Smtp),
    /// Hand each message to the local mail system (`sendmail -i`).
    Sendmail,
}

pub(super) fn smtp(ctx: &mut Ctx, node: &Node) -> Option<Smtp> {
    let f = ctx.fields(node, "`smtp`", &settings::keys(SMTP))?;
    let host = f
        .require(ctx, "host", "smtp.example.org")
        .and_then(|n| ctx.value_line(n, "`host`"));
    let security_name = settings::choice(ctx, &f, SMTP, "security");
    let security = security_name.map(Security::named);
    let port = settings::port(ctx, &f, SMTP, security_name);
    let auth_node = f.get("auth");
    let auth = settings::choice(ctx, &f, SMTP, "auth").map(Auth::named);
    let username = settings::line(ctx, &f, SMTP, "username").flatten();
    if auth.is_some_and(|a| a != Auth::None) && username.is_none() && f.get("username").is_none() {
        ctx.error(
            f.pos,
            "`smtp` has `auth` but no `username`",
            "add `username: bulletin@example.org`, or `auth: none` for a relay that needs no login",
        );
    }
    if let (Some(Security::None), Some(a), Some(h)) = (security, auth, &host)
        && a != Auth::None
        && !is_loopback_host(h)
    {
        ctx.error(
                auth_node.map_or(f.pos, |n| n.pos),
                format!("a password would be sent unencrypted to {h}"),
                "use `security: starttls` (or `tls`); `security: none` with a login is allowed only for a relay on this machine (127.0.0.1)",
            );
    }
    let oauth2 = oauth::oauth2(
        ctx,
        f.get("oauth2"),
        auth == Some(Auth::OAuth2),
        auth_node.map_or(f.pos, |n| n.pos),
        "smtp",
    );
    let rate = settings::number(ctx, &f, SMTP, "rate_per_minute");
    let daily_limit = settings::number(ctx, &f, SMTP, "daily_limit");
    let connections = settings::number(ctx, &f, SMTP, "connections");
    let retries = settings::number(ctx, &f, SMTP, "retries");
    let retry_wait = settings::number(ctx, &f, SMTP, "retry_wait_seconds");
    let timeout = settings::number(ctx, &f, SMTP, "timeout_seconds");
    let secret_command = f
        .get("secret_command")
        .and_then(|n| secret_command(ctx, n, HAS_SHELL));
    let hello_name = settings::line(ctx, &f, SMTP, "hello_name").flatten();
    let ca_pem = ca_file(ctx, f.get("ca_file"));
    Some(Smtp {
        host: host?,
        port: port?,
        security: security?,
        auth: auth?,
        username,
        oauth2: oauth2?.map(Box::new),
        secret_command,
        rate_per_minute: rate? as u32,
        daily_limit: daily_limit?,
        connections: connections? as usize,
        retries: retries? as u32,
        retry_wait: Duration::from_secs(retry_wait?),
        timeout: Duration::from_secs(timeout?),
        hello_name,
        ca_pem: ca_pem?,
    })
}
