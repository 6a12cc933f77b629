//! `bulletin login` for `auth: oauth2`: the authorisation-code flow with PKCE (S256) and a
//! loopback redirect (RFC 8252, as Thunderbird signs in): the browser opens the provider's
//! sign-in page, and the provider sends it back to `http://localhost:PORT/` on this computer
//! (a port chosen by the system), where bulletin takes the code, checks `state`, and exchanges
//! the code for tokens. Or, with `--device`, the device-code flow (RFC 8628): the person opens an
//! address on any device and types a short code. Either gives the refresh token, which the
//! caller keeps in the system's store; nothing here prints a token or the code.

use std::io::Write;
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::response::Html;
use base64::Engine;
use serde::Deserialize;
use sha2::Digest;

use super::{Error, Provider, Step};
use crate::input::recipients::OAuth2;

/// How long the browser has to come back.
const WAIT: Duration = Duration::from_secs(600);

/// Where the person is told what to do: the terminal (stdout), flushed line by line.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// 32 random bytes in base64url: a PKCE verifier (43 characters) or a `state`.
fn random() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Listen(format!("no random numbers: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The PKCE challenge of `verifier` (S256, RFC 7636).
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// The provider's sign-in address for this sign-in.
fn sign_in_address(
    provider: &Provider,
    settings: &OAuth2,
    username: &str,
    redirect: &str,
    state: &str,
    verifier: &str,
) -> url::Url {
    let mut url = provider.authorization_endpoint.clone();
    url.query_pairs_mut()
        .append_pair("client_id", &settings.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", &settings.scopes.join(" "))
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge(verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("login_hint", username);
    url
}

/// Signs `username` in through the browser (opened unless `no_open`): the refresh token.
/// `login` is the command, for messages.
pub async fn browser(
    settings: &OAuth2,
    username: &str,
    no_open: bool,
    login: &'static str,
) -> Result<String, Error> {
    let http = super::client();
    let provider = super::discover(&http, &settings.issuer).await?;
    let loopback = Loopback::listen().await?;
    let redirect = format!("http://localhost:{}/", loopback.port);
    let (state, verifier) = (random()?, random()?);
    let address = sign_in_address(&provider, settings, username, &redirect, &state, &verifier);
    say(&format!(
        "Sign in as {username} at {} in your browser.",
        settings.issuer
    ));
    if no_open || opener::open_browser(address.as_str()).is_err() {
        say("Open this address in your browser to sign in:");
    } else {
        say("Your browser should open now; if it does not, open this address:");
    }
    say(address.as_str());
    say("Waiting for the sign-in to finish (Ctrl-C stops)...");
    let answer = loopback.answer().await?;
    let code = code_of(&answer, &state, settings, login)?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect.as_str()),
        ("client_id", settings.client_id.as_str()),
        ("code_verifier", verifier.as_str()),
        ("scope", &settings.scopes.join(" ")),
    ];
    let granted = super::token_request(&http, &provider, &form)
        .await?
        .map_err(|r| super::refused(settings, Step::SignIn, r, login))?;
    granted.refresh_token.ok_or(Error::NoRefreshToken { login })
}

/// The code in the provider's answer `pairs` (the redirect's query), if it is the answer to
/// this sign-in (its `state`) and not a refusal.
fn code_of<'a>(
    pairs: &'a [(String, String)],
    state: &str,
    settings: &OAuth2,
    login: &'static str,
) -> Result<&'a str, Error> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("state") != Some(state) {
        return Err(Error::StateMismatch);
    }
    if let Some(code) = get("error") {
        let refusal = super::Refusal {
            code: code.to_string(),
            description: get("error_description").map(super::one_line),
        };
        return Err(super::refused(settings, Step::SignIn, refusal, login));
    }
    get("code")
        .filter(|c| !c.is_empty())
        .ok_or(Error::StateMismatch)
}

/// The loopback address the provider sends the browser back to: 127.0.0.1 on a port the
/// system chooses, and ::1 on the same port where the system has it (`localhost` may be
/// either to the browser).
struct Loopback {
    port: u16,
    servers: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    answers: tokio::sync::mpsc::Receiver<Vec<(String, String)>>,
}

impl Loopback {
    async fn listen() -> Result<Loopback, Error> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| Error::Listen(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Listen(e.to_string()))?
            .port();
        let v6 = tokio::net::TcpListener::bind(("::1", port)).await.ok();
        let (tx, answers) = tokio::sync::mpsc::channel(4);
        let app = axum::Router::new()
            .route("/", axum::routing::get(answer))
            .with_state(tx);
        let mut servers = vec![tokio::spawn(
            axum::serve(listener, app.clone()).into_future(),
        )];
        if let Some(v6) = v6 {
            servers.push(tokio::spawn(axum::serve(v6, app).into_future()));
        }
        Ok(Loopback {
            port,
            servers,
            answers,
        })
    }

    /// The first answer the browser brings (within [`WAIT`]); then it listens no more.
    async fn answer(mut self) -> Result<Vec<(String, String)>, Error> {
        let got = tokio::time::timeout(WAIT, self.answers.recv()).await;
        for s in &self.servers {
            s.abort();
        }
        match got {
            Ok(Some(pairs)) => Ok(pairs),
            _ => Err(Error::TimedOut(WAIT)),
        }
    }
}

/// The browser's request to the loopback address: the provider's answer (a code or an error,
/// with the state) is handed on; anything else (a favicon) is not.
async fn answer(
    State(tx): State<tokio::sync::mpsc::Sender<Vec<(String, String)>>>,
    RawQuery(query): RawQuery,
) -> Html<&'static str> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if !pairs.iter().any(|(k, _)| k == "code" || k == "error") {
        return Html("<!DOCTYPE html><title>bulletin</title><p>Nothing to see here.</p>");
    }
    let _ = tx.send(pairs).await;
    Html(
        "<!DOCTYPE html><html lang=\"en-GB\"><meta charset=\"utf-8\"><title>bulletin: sign-in</title><p>bulletin has the answer to the sign-in. You can close this tab and go back to bulletin, which says whether you are signed in.</p></html>",
    )
}

#[derive(Deserialize)]
struct DeviceAnswer {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
}

/// Signs in with a code typed on another device (RFC 8628): the refresh token. `login` is the
/// command that signs in this way again, for messages (`bulletin login --device`).
pub async fn device(settings: &OAuth2, login: &'static str) -> Result<String, Error> {
    let http = super::client();
    let provider = super::discover(&http, &settings.issuer).await?;
    let Some(endpoint) = &provider.device_authorization_endpoint else {
        return Err(Error::NoDeviceFlow {
            issuer: settings.issuer.to_string(),
        });
    };
    let shown = endpoint.to_string();
    let unreachable = |e: reqwest::Error| Error::Unreachable {
        url: shown.clone(),
        reason: super::reason(&e),
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &settings.client_id)
        .append_pair("scope", &settings.scopes.join(" "))
        .finish();
    let answer = http
        .post(endpoint.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(unreachable)?;
    let bytes = answer.bytes().await.map_err(unreachable)?;
    let d: DeviceAnswer = match serde_json::from_slice(&bytes) {
        Ok(d) => d,
        Err(_) => {
            let r: super::TokenAnswer =
                serde_json::from_slice(&bytes).map_err(|e| Error::NotAProvider {
                    url: shown.clone(),
                    reason: e.to_string(),
                })?;
            return Err(super::refused(
                settings,
                Step::SignIn,
                super::Refusal {
                    code: r.error.unwrap_or_else(|| "no answer".into()),
                    description: r.error_description.map(|d| super::one_line(&d)),
                },
                login,
            ));
        }
    };
    say(&format!(
        "To sign in, open {} on any device and enter the code {}",
        d.verification_uri, d.user_code
    ));
    say("Waiting for the sign-in to finish (Ctrl-C stops)...");
    let lasts = Duration::from_secs(d.expires_in);
    let mut interval = Duration::from_secs(d.interval.unwrap_or(5).max(1));
    let until = Instant::now() + lasts;
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", d.device_code.as_str()),
        ("client_id", settings.client_id.as_str()),
    ];
    while Instant::now() < until {
        tokio::time::sleep(interval).await;
        match super::token_request(&http, &provider, &form).await? {
            Ok(granted) => return granted.refresh_token.ok_or(Error::NoRefreshToken { login }),
            Err(r) => interval = still_waiting(r, interval, lasts, settings, login)?,
        }
    }
    Err(Error::CodeExpired { login, lasts })
}

/// The token endpoint's refusal `r` of a device code polled every `interval`, for a code that
/// `lasts` so long: how long to wait before asking again (RFC 8628 section 3.5: still pending,
/// or 5 seconds more after `slow_down`), or why the sign-in is over (the code expired, the person
/// declined, or another refusal). `login` is the command that signs in again (with `--device`).
fn still_waiting(
    r: super::Refusal,
    interval: Duration,
    lasts: Duration,
    settings: &OAuth2,
    login: &'static str,
) -> Result<Duration, Error> {
    match r.code.as_str() {
        "authorization_pending" => Ok(interval),
        "slow_down" => Ok(interval + Duration::from_secs(5)),
        "expired_token" => Err(Error::CodeExpired { login, lasts }),
        _ => Err(super::refused(settings, Step::SignIn, r, login)),
    }
}

/// `d` for a person: "90 seconds", "15 minutes".
pub(super) fn how_long(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 120 {
        format!("{} minutes", s.div_ceil(60))
    } else {
        format!("{s} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_s256() {
        // Computed apart: printf %s VERIFIER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_'
        // | tr -d '=' (the provider of tests/suite/oauth.rs checks it as well).
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWq4iL8w"),
            "JWKDGaauqP9Rx9ko9tXTWEjevYq8k8m9rs6s84nOJtg"
        );
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_the_answer_to_this_sign_in_gives_its_code() {
        let settings = OAuth2 {
            issuer: url::Url::parse("https://login.example.org/t/v2.0").unwrap(),
            client_id: "app".into(),
            scopes: vec!["x".into()],
        };
        let code = |list: &[(&str, &str)]| {
            code_of(&pairs(list), "s1", &settings, "bulletin login").map(str::to_string)
        };
        assert_eq!(code(&[("code", "c"), ("state", "s1")]).unwrap(), "c");
        assert!(matches!(
            code(&[("code", "c"), ("state", "s2")]),
            Err(Error::StateMismatch)
        ));
        assert!(matches!(code(&[("code", "c")]), Err(Error::StateMismatch)));
        assert!(matches!(
            code(&[("state", "s1")]),
            Err(Error::StateMismatch)
        ));
        match code(&[("error", "access_denied"), ("state", "s1")]) {
            Err(Error::Refused(r)) => assert_eq!(r.code, "access_denied"),
            other => panic!("{other:?}"),
        }
        // A refusal for another sign-in is not this one's.
        assert!(matches!(
            code(&[("error", "access_denied"), ("state", "s2")]),
            Err(Error::StateMismatch)
        ));
    }

    #[test]
    fn a_device_code_is_polled_until_the_provider_says_it_is_over() {
        let settings = OAuth2 {
            issuer: url::Url::parse("http://127.0.0.1:9/").unwrap(),
            client_id: "app".into(),
            scopes: vec!["x".into()],
        };
        let login = "bulletin login --device";
        let (five, lasts) = (Duration::from_secs(5), Duration::from_secs(900));
        let poll = |code: &str, description: Option<&str>| {
            let r = super::super::Refusal {
                code: code.into(),
                description: description.map(str::to_string),
            };
            still_waiting(r, five, lasts, &settings, login)
        };
        assert_eq!(poll("authorization_pending", None).unwrap(), five);
        assert_eq!(poll("slow_down", None).unwrap(), Duration::from_secs(10));
        // The code expired (oidc-provider, Microsoft): not a refusal to sign in again for.
        let expired = poll("expired_token", Some("device code is expired")).unwrap_err();
        assert_eq!(
            expired.to_string(),
            "the code expired before the sign-in was finished on the other device"
        );
        assert_eq!(
            expired.help().unwrap(),
            "run `bulletin login --device` again, and enter the new code it prints within 15 minutes"
        );
        // The person declined on the other device: said, with the command that signs in so.
        let declined = poll("access_denied", Some("End-User aborted interaction")).unwrap_err();
        assert_eq!(
            declined.to_string(),
            "the sign-in service http://127.0.0.1:9/ refused the sign-in: access_denied (End-User aborted interaction)"
        );
        assert_eq!(
            declined.help().unwrap(),
            "the sign-in was declined in the browser: run `bulletin login --device` again and accept"
        );
        assert!(matches!(
            poll("invalid_grant", None),
            Err(Error::Refused(_))
        ));
        assert_eq!(how_long(Duration::from_secs(5)), "5 seconds");
        assert_eq!(how_long(Duration::from_secs(899)), "15 minutes");
    }

    #[test]
    fn random_values_are_43_characters_and_differ() {
        let (a, b) = (random().unwrap(), random().unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }
}
