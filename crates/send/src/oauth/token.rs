//! The access tokens of `auth: oauth2`: got from the refresh token that `bulletin login` kept
//! in the system's store, held in memory with their expiry, and renewed before they expire
//! (every session that opens asks [`Tokens::access`], so a send of hours renews as it goes). A
//! token the server refused anyway is renewed once ([`Tokens::renew`]). A refresh token the
//! provider replaces (rotation) is kept in the store in place of the old one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OnceCell};

use super::{Error, Provider, Step};
use crate::input::recipients::OAuth2;
use crate::secret::Account;

/// The access tokens of one sign-in, shared by every connection of a run.
pub struct Tokens {
    http: reqwest::Client,
    settings: OAuth2,
    account: Account,
    login: &'static str,
    provider: OnceCell<Provider>,
    state: Mutex<State>,
}

struct State {
    refresh: String,
    access: Option<Access>,
}

struct Access {
    token: String,
    /// When to get a new one: a while before it expires.
    renew_at: Instant,
}

/// How long before a token's expiry it is renewed: a quarter of its life, at most 5 minutes
/// (Microsoft's last about an hour: renewed 5 minutes before; a test's of 4 s: 1 s before).
pub(crate) fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(300))
}

impl Tokens {
    /// The sign-in `account` with its refresh token `refresh`, for `settings`; `login` is the
    /// command that signs in again.
    pub fn new(
        settings: OAuth2,
        account: Account,
        refresh: String,
        login: &'static str,
    ) -> Arc<Tokens> {
        Arc::new(Tokens {
            http: super::client(),
            settings,
            account,
            login,
            provider: OnceCell::new(),
            state: Mutex::new(State {
                refresh,
                access: None,
            }),
        })
    }

    /// A token that is not about to expire: the one held, or a new one.
    pub async fn access(&self) -> Result<String, Error> {
        let mut state = self.state.lock().await;
        if let Some(a) = &state.access
            && Instant::now() < a.renew_at
        {
            return Ok(a.token.clone());
        }
        self.refresh(&mut state).await
    }

    /// A new token in place of `refused`, which the server did not accept; if another
    /// connection has renewed it meanwhile, that one.
    pub async fn renew(&self, refused: &str) -> Result<String, Error> {
        let mut state = self.state.lock().await;
        if let Some(a) = &state.access
            && a.token != refused
            && Instant::now() < a.renew_at
        {
            return Ok(a.token.clone());
        }
        self.refresh(&mut state).await
    }

    /// Asks the token endpoint for a new access token with the refresh token.
    async fn refresh(&self, state: &mut State) -> Result<String, Error> {
        let provider = self
            .provider
            .get_or_try_init(|| super::discover(&self.http, &self.settings.issuer))
            .await?;
        let scope = self.settings.scopes.join(" ");
        let asked = Instant::now();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", state.refresh.as_str()),
            ("client_id", self.settings.client_id.as_str()),
            ("scope", scope.as_str()),
        ];
        let granted = super::token_request(&self.http, provider, &form)
            .await?
            .map_err(|r| super::refused(&self.settings, Step::Renewal, r, self.login))?;
        if let Some(new) = granted.refresh_token
            && new != state.refresh
        {
            crate::secret::save(&self.account, &new)?;
            state.refresh = new;
        }
        let renew_at = asked + granted.expires_in - renewal_margin(granted.expires_in);
        state.access = Some(Access {
            token: granted.access_token.clone(),
            renew_at,
        });
        Ok(granted.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_renewed_a_quarter_of_its_life_early_at_most_five_minutes() {
        assert_eq!(
            renewal_margin(Duration::from_secs(4)),
            Duration::from_secs(1)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(600)),
            Duration::from_secs(150)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(3600)),
            Duration::from_secs(300)
        );
        assert_eq!(renewal_margin(Duration::ZERO), Duration::ZERO);
    }
}
