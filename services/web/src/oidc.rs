//! Sign-in through the organisation's identity provider: the OpenID Connect authorization code
//! flow with PKCE. The provider is discovered at each sign-in (a sign-in is rare; its keys are
//! then always the current ones). The ID token is verified by `openidconnect` (signature with the
//! provider's keys, issuer, audience, expiry, nonce); its roles and missions are then read from
//! that verified token's claims by the one mapping bearer tokens use
//! ([`cla_platform::claims::ClaimsMapping`]).

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use serde::{Deserialize, Serialize};

/// The identity provider and this app's registration with it.
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer; its discovery document is at `<issuer>/.well-known/openid-configuration`.
    pub issuer_url: String,
    pub client_id: String,
    /// For a confidential client; `None` for a public one (PKCE alone).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `<public url>/sign-in/callback`.
    pub redirect_url: String,
    /// Scopes asked for beside `openid`.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("redirect_url", &self.redirect_url)
            .finish()
    }
}

/// A sign-in under way, kept sealed in a short-lived cookie until the provider answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider could not be reached or understood: {0}")]
    Provider(String),
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
}

/// The provider, talked to over HTTP without following redirects (as OAuth 2.0 requires).
pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .expect("an HTTP client");
        Self { settings, http }
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let issuer = IssuerUrl::new(self.settings.issuer_url.clone())
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser to sign in, and what to keep until it comes back.
    pub async fn start(&self) -> Result<(String, Pending), OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok((
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
            },
        ))
    }

    /// The verified ID token's claims for the code the provider sent back.
    pub async fn finish(
        &self,
        code: &str,
        pending: &Pending,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OidcError> {
        let client = self.client().await?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Refused(e.to_string()))?;
        let token = answer
            .id_token()
            .ok_or_else(|| OidcError::Refused("no ID token in the answer".into()))?;
        token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .map_err(|e| OidcError::Refused(e.to_string()))?;
        // Verified: its claims, all of them (roles and missions are not standard claims).
        let compact = token.to_string();
        let payload = compact
            .split('.')
            .nth(1)
            .ok_or_else(|| OidcError::Refused("the ID token is malformed".into()))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| OidcError::Refused("the ID token is malformed".into()))?;
        serde_json::from_slice(&bytes)
            .map_err(|_| OidcError::Refused("the ID token's claims are malformed".into()))
    }
}
