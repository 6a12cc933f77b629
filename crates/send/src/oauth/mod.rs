//! Signing in to Microsoft 365, NHSmail or another OpenID provider (`auth: oauth2`): finding
//! the provider's endpoints (OpenID discovery), its token endpoint's answers, and what each of
//! its refusals means for the office ([`Error`], with the help kept apart). The sign-in itself
//! (`bulletin login`) is [`signin`]; the access tokens a send or `inbox` uses, renewed before
//! they expire, are [`token`].
//!
//! No token, code or verifier is ever printed, logged or put in an error: the errors hold only
//! the provider's error code and its description.

pub mod signin;
pub mod token;

use std::time::Duration;

use serde::Deserialize;

use crate::input::recipients::OAuth2;

/// How long any one request to the provider may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The provider's endpoints, from its discovery document.
#[derive(Clone, Debug)]
pub struct Provider {
    pub authorization_endpoint: url::Url,
    pub token_endpoint: url::Url,
    /// RFC 8628's, where the provider offers the device-code flow.
    pub device_authorization_endpoint: Option<url::Url>,
}

/// What a refusal by the provider means for the person signing in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The organisation has not consented to the app: an administrator must (AADSTS65001,
    /// `consent_required`, `interaction_required`).
    Consent,
    /// The app or the tenant is not known there (`invalid_client`, `unauthorized_client`,
    /// AADSTS700016, AADSTS90002).
    WrongApp,
    /// The sign-in kept is no longer valid (`invalid_grant`): revoked, expired, password changed.
    SignInAgain,
    /// The person said no (`access_denied`).
    Declined,
    /// Anything else.
    Other,
}

/// Which step the provider refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    SignIn,
    Renewal,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::SignIn => "the sign-in",
            Step::Renewal => "renewing the sign-in",
        })
    }
}

/// A refusal by the provider, with what [`Error::help`] needs to say what to do.
#[derive(Debug)]
pub struct Refused {
    pub issuer: String,
    pub step: Step,
    /// The provider's OAuth2 error code, e.g. `invalid_grant`.
    pub code: String,
    /// Its `error_description`, on one line (never a token).
    pub description: Option<String>,
    /// The address an administrator opens to consent to the app for the organisation.
    pub admin_consent: Option<String>,
    pub client_id: String,
    /// The command that signs in again (`bulletin login` or `bulletin login --mailbox`).
    pub login: &'static str,
}

impl Refused {
    /// What the person can do about this refusal.
    fn help(&self) -> String {
        let (client_id, login) = (&self.client_id, self.login);
        match problem(&self.code, self.description.as_deref()) {
            Problem::Consent => match &self.admin_consent {
                Some(url) => format!(
                    "your organisation has not yet allowed bulletin (app {client_id}) to send for you: ask your IT team to give admin consent by opening, as an administrator, {url}; then run `{login}` again"
                ),
                None => format!(
                    "your organisation has not yet allowed bulletin (app {client_id}) to send for you: ask your IT team to give admin consent to that app; then run `{login}` again"
                ),
            },
            Problem::WrongApp => format!(
                "the sign-in service does not know the app {client_id} (or not in this organisation): check `client_id` and the tenant in `issuer` under `oauth2:` in the recipients file with your IT team (see docs/send.md)"
            ),
            Problem::SignInAgain => format!(
                "the sign-in kept on this computer is no longer valid (it was revoked, expired, or the password changed): sign in again with `{login}`"
            ),
            Problem::Declined => {
                format!("the sign-in was declined in the browser: run `{login}` again and accept")
            }
            Problem::Other => format!(
                "try `{login}` again; if it keeps failing, give this message to your IT team"
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot reach the sign-in service at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} did not answer as a sign-in (OpenID) service should: {reason}")]
    NotAProvider { url: String, reason: String },
    #[error("the sign-in service {} refused {}: {}{}", .0.issuer, .0.step, .0.code, .0.description.as_deref().map_or(String::new(), |d| format!(" ({d})")))]
    Refused(Box<Refused>),
    #[error("the sign-in service gave no refresh token, so bulletin could not stay signed in")]
    NoRefreshToken { login: &'static str },
    #[error("the sign-in was not finished within {0:?}")]
    TimedOut(Duration),
    #[error(
        "the answer to the sign-in did not come from this sign-in (its `state` does not match)"
    )]
    StateMismatch,
    #[error("cannot wait for the browser's answer on this computer: {0}")]
    Listen(String),
    #[error("{issuer} does not offer sign-in with a code on another device")]
    NoDeviceFlow { issuer: String },
    /// `--device`: the code expired (the provider's `expired_token`, or its `expires_in` passed)
    /// before the sign-in was finished on the other device.
    #[error("the code expired before the sign-in was finished on the other device")]
    CodeExpired {
        login: &'static str,
        lasts: Duration,
    },
    #[error(transparent)]
    Store(#[from] crate::secret::Error),
}

impl Error {
    /// What the person can do about it, if anything is known.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Refused(r) => Some(r.help()),
            Error::NoRefreshToken { login } => Some(format!(
                "add `offline_access` to `scopes` under `oauth2:` in the recipients file, then run `{login}` again"
            )),
            Error::TimedOut(_) => Some(
                "run `bulletin login` again and finish signing in in the browser that opens".into(),
            ),
            Error::StateMismatch => Some(
                "run `bulletin login` again, and sign in only in the page that it opens".into(),
            ),
            Error::CodeExpired { login, lasts } => Some(format!(
                "run `{login}` again, and enter the new code it prints within {}",
                signin::how_long(*lasts)
            )),
            Error::NoDeviceFlow { .. } => {
                Some("sign in in a browser: run `bulletin login` without `--device`".into())
            }
            Error::Unreachable { .. } => Some(
                "check the network, and `issuer` under `oauth2:` in the recipients file".into(),
            ),
            Error::NotAProvider { .. } => Some(
                "check `issuer` under `oauth2:` in the recipients file: for Microsoft 365 and NHSmail it is https://login.microsoftonline.com/TENANT/v2.0".into(),
            ),
            Error::Listen(_) | Error::Store(_) => None,
        }
    }
}

/// What the provider's error `code` (and its description, where Microsoft puts its AADSTS
/// number) means for the office.
pub fn problem(code: &str, description: Option<&str>) -> Problem {
    let aadsts = |n: &str| description.is_some_and(|d| d.contains(&format!("AADSTS{n}:")));
    if aadsts("65001") || code == "consent_required" || code == "interaction_required" {
        Problem::Consent
    } else if aadsts("700016")
        || aadsts("90002")
        || code == "invalid_client"
        || code == "unauthorized_client"
    {
        Problem::WrongApp
    } else if code == "invalid_grant" {
        Problem::SignInAgain
    } else if code == "access_denied" {
        Problem::Declined
    } else {
        Problem::Other
    }
}

/// The address an administrator opens to consent to the app for the whole organisation:
/// Microsoft's `adminconsent` beside the issuer; `None` for another provider.
pub(crate) fn admin_consent(settings: &OAuth2) -> Option<String> {
    let issuer = &settings.issuer;
    if issuer.host_str() != Some("login.microsoftonline.com") {
        return None;
    }
    let tenant = issuer.path_segments()?.next().filter(|t| !t.is_empty())?;
    let scopes: Vec<&str> = settings
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !matches!(*s, "offline_access" | "openid" | "profile" | "email"))
        .collect();
    let mut url = url::Url::parse(&format!(
        "https://login.microsoftonline.com/{tenant}/v2.0/adminconsent"
    ))
    .ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", &settings.client_id)
        .append_pair("scope", &scopes.join(" "))
        .append_pair("redirect_uri", "http://localhost");
    Some(url.to_string())
}

/// The HTTP client for the provider: rustls, the public roots, a time-out on every request, no
/// redirects followed on a token request's answer.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(HTTP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        // Only a TLS backend that cannot start fails here, and rustls with ring always starts.
        .expect("the HTTP client's settings are valid")
}

#[derive(Deserialize)]
struct Discovery {
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    device_authorization_endpoint: Option<String>,
}

/// An endpoint of the discovery document: an `https:` address (or `http:` on this computer,
/// as the issuer may be for tests).
fn endpoint(shown: &str, name: &str, text: &str) -> Result<url::Url, Error> {
    let bad = |why: &str| Error::NotAProvider {
        url: shown.to_string(),
        reason: format!("its `{name}` {why}"),
    };
    let url = url::Url::parse(text).map_err(|_| bad("is not an address"))?;
    let local = url
        .host_str()
        .is_some_and(crate::input::recipients::is_loopback_host);
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err(bad("is not an https address")),
    }
}

/// The provider's endpoints, from `ISSUER/.well-known/openid-configuration`.
pub(crate) async fn discover(http: &reqwest::Client, issuer: &url::Url) -> Result<Provider, Error> {
    let mut url = issuer.clone();
    let path = format!(
        "{}/.well-known/openid-configuration",
        issuer.path().trim_end_matches('/')
    );
    url.set_path(&path);
    let shown = url.to_string();
    let answer = http.get(url).send().await.map_err(|e| Error::Unreachable {
        url: shown.clone(),
        reason: reason(&e),
    })?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(|e| Error::Unreachable {
        url: shown.clone(),
        reason: reason(&e),
    })?;
    if !status.is_success() {
        return Err(Error::NotAProvider {
            url: shown,
            reason: format!("it answered {status}"),
        });
    }
    let d: Discovery = serde_json::from_slice(&body).map_err(|e| Error::NotAProvider {
        url: shown.clone(),
        reason: e.to_string(),
    })?;
    let device = match &d.device_authorization_endpoint {
        Some(text) => Some(endpoint(&shown, "device_authorization_endpoint", text)?),
        None => None,
    };
    Ok(Provider {
        authorization_endpoint: endpoint(
            &shown,
            "authorization_endpoint",
            &d.authorization_endpoint,
        )?,
        token_endpoint: endpoint(&shown, "token_endpoint", &d.token_endpoint)?,
        device_authorization_endpoint: device,
    })
}

/// What the token endpoint gave: an access token, how long it lasts, and the refresh token
/// (a new one where the provider rotates them).
pub(crate) struct Granted {
    pub access_token: String,
    pub expires_in: Duration,
    pub refresh_token: Option<String>,
}

/// Its answer, a grant or an OAuth2 error.
#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    pub(super) error: Option<String>,
    pub(super) error_description: Option<String>,
}

/// A refusal by the token endpoint, before it is made an [`Error`] for a step.
pub struct Refusal {
    pub code: String,
    pub description: Option<String>,
}

/// Asks the token endpoint for tokens with the form `form`; a refusal (or an answer that is not
/// one) is `Ok(Err(..))`, a connection problem `Err`.
pub(crate) async fn token_request(
    http: &reqwest::Client,
    provider: &Provider,
    form: &[(&str, &str)],
) -> Result<Result<Granted, Refusal>, Error> {
    let url = provider.token_endpoint.to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let answer = http
        .post(provider.token_endpoint.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| Error::Unreachable {
            url: url.clone(),
            reason: reason(&e),
        })?;
    let status = answer.status();
    let bytes = answer.bytes().await.map_err(|e| Error::Unreachable {
        url: url.clone(),
        reason: reason(&e),
    })?;
    let Ok(t) = serde_json::from_slice::<TokenAnswer>(&bytes) else {
        return Ok(Err(Refusal {
            code: format!("HTTP {}", status.as_u16()),
            description: None,
        }));
    };
    if let Some(code) = t.error {
        return Ok(Err(Refusal {
            code,
            description: t.error_description.map(|d| one_line(&d)),
        }));
    }
    let (Some(access_token), true) = (t.access_token, status.is_success()) else {
        return Ok(Err(Refusal {
            code: format!("HTTP {}", status.as_u16()),
            description: Some("no access token in the answer".into()),
        }));
    };
    let seconds = match t.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(Ok(Granted {
        access_token,
        // An answer without a lifetime is taken to last an hour, as Microsoft's do.
        expires_in: Duration::from_secs(seconds.unwrap_or(3600)),
        refresh_token: t.refresh_token.filter(|r| !r.is_empty()),
    }))
}

/// The provider's description on one line, without control characters, and not too long.
pub(super) fn one_line(text: &str) -> String {
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line,
    }
}

/// Why a request failed, with its causes (reqwest's own message is only the first).
pub(super) fn reason(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Refusal` as the error of `step`.
pub fn refused(settings: &OAuth2, step: Step, r: Refusal, login: &'static str) -> Error {
    Error::Refused(Box::new(Refused {
        issuer: settings.issuer.to_string(),
        step,
        code: r.code,
        description: r.description,
        admin_consent: admin_consent(settings),
        client_id: settings.client_id.clone(),
        login,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_means_what_the_office_can_do() {
        assert_eq!(problem("invalid_grant", None), Problem::SignInAgain);
        assert_eq!(problem("consent_required", None), Problem::Consent);
        assert_eq!(problem("interaction_required", None), Problem::Consent);
        assert_eq!(
            problem(
                "invalid_grant",
                Some("AADSTS65001: The user or administrator has not consented")
            ),
            Problem::Consent
        );
        assert_eq!(problem("invalid_client", None), Problem::WrongApp);
        assert_eq!(problem("unauthorized_client", None), Problem::WrongApp);
        assert_eq!(
            problem(
                "invalid_request",
                Some("AADSTS90002: Tenant 'x' not found.")
            ),
            Problem::WrongApp
        );
        assert_eq!(problem("access_denied", None), Problem::Declined);
        assert_eq!(problem("server_error", None), Problem::Other);
    }

    fn settings(issuer: &str) -> OAuth2 {
        OAuth2 {
            issuer: url::Url::parse(issuer).unwrap(),
            client_id: "app-1".into(),
            scopes: vec![
                "https://outlook.office.com/SMTP.Send".into(),
                "offline_access".into(),
            ],
        }
    }

    #[test]
    fn the_admin_consent_address_is_microsofts_for_the_tenant() {
        assert_eq!(
            admin_consent(&settings(
                "https://login.microsoftonline.com/example.org/v2.0"
            ))
            .as_deref(),
            Some(
                "https://login.microsoftonline.com/example.org/v2.0/adminconsent?client_id=app-1&scope=https%3A%2F%2Foutlook.office.com%2FSMTP.Send&redirect_uri=http%3A%2F%2Flocalhost"
            )
        );
        assert_eq!(admin_consent(&settings("http://127.0.0.1:1/")), None);
    }

    #[test]
    fn a_description_is_one_short_line() {
        assert_eq!(one_line("a\r\n  b\u{1b}[31m"), "a b[31m");
        assert!(one_line(&"x ".repeat(500)).ends_with("..."));
    }
}
