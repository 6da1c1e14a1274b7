//! Configuration: defaults, then a TOML file, then `CLA_`-prefixed environment variables, then
//! command-line flags. Every key, its variable and its default are documented in
//! `ops/configuration.md`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A secret: never printed, never logged.
pub use cla_notify::Secret;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The embedded store in the data directory (the default).
    Embedded,
    /// A KurrentDB node or cluster at `kurrentdb_url`.
    Kurrentdb,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum JwtAlgorithm {
    HS256,
    RS256,
    ES256,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port the server listens on.
    pub listen: SocketAddr,
    /// Where the embedded store, the generated signing secret and other local state live.
    pub data_dir: PathBuf,
    pub store: Backend,
    /// KurrentDB connection string, used when `store = "kurrentdb"`.
    pub kurrentdb_url: Option<Secret>,
    /// The master key wrapping every person's data key (64 hexadecimal digits). Production sets
    /// it, or `master_key_file`, from outside the data directory: a copy of the data directory
    /// alone then opens no restricted field. Losing it loses every restricted field.
    pub master_key: Option<Secret>,
    /// A file holding the master key (owner-only; refused where others may read it). Neither set:
    /// generated at first run in `<data_dir>/master-key`, for development and the demo only.
    pub master_key_file: Option<PathBuf>,
    /// The retention rule: a separated staff member's personal data is erased this many days
    /// after their separation (0: never by the rule, only on request).
    pub erase_after_separation_days: u64,
    pub jwt_algorithm: JwtAlgorithm,
    /// HS256 signing secret; where none is set, one is generated at first run and kept in
    /// `<data_dir>/jwt-secret` (mode 0600).
    pub jwt_secret: Option<Secret>,
    /// PEM public key for RS256/ES256 tokens from an organisation's identity provider.
    pub jwt_public_key_file: Option<PathBuf>,
    /// PEM private key for minting RS256/ES256 development tokens (optional).
    pub jwt_private_key_file: Option<PathBuf>,
    /// The issuer (`iss`) every token must name; unset: not checked (with `oidc_issuer_url`: the
    /// discovery document's `issuer`).
    pub jwt_issuer: Option<String>,
    /// The audience (`aud`) every token must name; unset: not checked.
    pub jwt_audience: Option<String>,
    /// The identity provider's key set (JWKS) URL: tokens are verified with its keys, picked by
    /// the token's `kid`.
    pub jwt_jwks_url: Option<String>,
    /// The identity provider's issuer URL: its keys' URL is read from
    /// `<oidc_issuer_url>/.well-known/openid-configuration`.
    pub oidc_issuer_url: Option<String>,
    /// How often the provider's keys are fetched again, in seconds.
    pub jwt_jwks_refresh_seconds: u64,
    /// The least time between two fetches caused by tokens naming a key not known here, in
    /// seconds.
    pub jwt_jwks_unknown_key_refresh_seconds: u64,
    /// The claim holding the caller's roles; a dotted path reaches into nested claims
    /// (`realm_access.roles`).
    pub jwt_roles_claim: String,
    /// The claim holding the mission codes of a mission-scoped role; dotted paths as above.
    pub jwt_missions_claim: String,
    /// Deepest query accepted.
    pub max_query_depth: usize,
    /// Most complex query accepted (each field counts 1, list fields by their page size).
    pub max_query_complexity: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Longest a request may take, in milliseconds.
    pub request_timeout_ms: u64,
    /// Longest a command waits for the read models to show its events, in milliseconds.
    pub settle_timeout_ms: u64,
    /// How often the risk detector scans for missed check-ins and overdue reviews, and the alert
    /// watch looks at every mission, in seconds. The watch also looks soon after every change.
    /// 0: neither runs by itself (tests drive them).
    pub scan_interval_seconds: u64,
    /// Events applied after which the projections' state is persisted again with its checkpoint
    /// (once caught up; also when the server stops). 0: never persisted, rebuilt at each start.
    pub snapshot_every_events: u64,
    /// How long an answer to a query is given again to the same question from the same caller
    /// while the read models have not moved, in milliseconds. 0: every query is computed.
    pub answer_cache_ms: u64,
    /// How long an idempotency key is kept with its first answer, in hours: a mutation sent again
    /// with the same key by the same caller within it gets that answer and writes nothing.
    pub idempotency_retention_hours: u64,
    /// The address people reach the server at (`https://cla.monusco.example`, no path): the web
    /// app and the links in notifications (acknowledge, the incident) point there, the identity
    /// provider sends people back to `<public_url>/sign-in/callback`, and with `https://` every
    /// cookie is `Secure`. Unset: `http://<listen>`.
    pub public_url: Option<String>,
    /// How often the escalation worker looks for steps fallen due and notifications to send, in
    /// milliseconds; it also looks at once after every change to an incident. 0: it does not run.
    pub escalation_interval_ms: u64,
    /// How long a notification's acknowledge link works, in hours.
    pub ack_link_hours: u64,
    /// The key acknowledge links and SMS codes are signed with (at least 32 bytes; replicas share
    /// it). Unset: generated at first run and kept in `<data_dir>/link-key`.
    pub ack_link_key: Option<Secret>,
    /// How long a worker's claim to send a notification holds, in seconds: a worker that dies
    /// while sending leaves it to another after this.
    pub notification_lease_seconds: u64,
    /// Web origins allowed to call the API from a browser (CORS), e.g. `https://reports.example.org`.
    /// Empty (the default): no cross-origin call is allowed.
    pub cors_allowed_origins: Vec<String>,
    /// A separate address to serve `/metrics` on, unauthenticated (and no longer on `listen`).
    /// Unset (the default): `/metrics` is served on `listen` to an ADMIN token or `metrics_token`.
    pub metrics_listen: Option<SocketAddr>,
    /// A bearer token a scraper may send for `/metrics` on `listen` instead of an ADMIN token.
    pub metrics_token: Option<Secret>,
    /// Most root fields one request may select, aliases counted.
    pub max_root_fields: usize,
    /// Longest a query may compute, in milliseconds; past it the work stops and the request is
    /// refused with `QUERY_TIMEOUT`.
    pub query_budget_ms: u64,
    /// Requests a caller (one signed-in principal) may make per second, sustained.
    pub rate_limit_per_second: u32,
    /// Requests a caller may make at once above the sustained rate.
    pub rate_limit_burst: u32,
    /// Longest a client may take to send a request's headers, in milliseconds.
    pub header_read_timeout_ms: u64,
    /// Longest a connection may stay open with nothing sent either way, in milliseconds.
    pub idle_timeout_ms: u64,
    pub log_format: LogFormat,
    /// Log filter (`info`, `cla_gateway=debug,info`, …).
    pub log: String,
    /// Twilio's auth token: `/sms/twilio` verifies `X-Twilio-Signature` with it (unset: 404).
    pub sms_twilio_auth_token: Option<Secret>,
    /// Vonage's signature secret (SHA-256 HMAC): `/sms/vonage` verifies `sig` with it (unset: 404).
    pub sms_vonage_signature_secret: Option<Secret>,
    /// The base URL gateways call (`https://cla.example.org`): signatures cover the URL as the
    /// gateway called it. Unset: `http://` and the request's `Host`.
    pub sms_public_url: Option<String>,
    /// Keywords a mission adds: mission code → `ok` / `help` / `danger` → words.
    pub sms_keywords: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Reply texts replacing or adding to the English and French ones: language → `ok` / `help`
    /// / `danger` / `unknown` / `unregistered` → text.
    pub sms_replies: BTreeMap<String, BTreeMap<String, String>>,
    /// A mission's language for replies to numbers registered without one (default `en`).
    pub sms_languages: BTreeMap<String, String>,
    /// The mission each receiving number (E.164) serves: where unmatched messages are listed.
    pub sms_numbers: BTreeMap<String, String>,
    // Outbound channels (`cla_notify`): email, signed webhooks, SMS sent through a gateway.
    /// The SMTP server notifications are emailed through; unset: no email channel.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `none` (a relay on this machine or a trusted network), `starttls` (required, never falls
    /// back to plain text) or `tls` (SMTPS, usually port 465).
    pub smtp_tls: cla_notify::SmtpTls,
    /// SMTP AUTH, both or neither (over `starttls` or `tls`, or to this machine only).
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    /// The sender: `cla@example.org` or `CLA alerts <cla@example.org>`.
    pub smtp_from: Option<String>,
    /// The domain of every email's `Message-ID: <notification-id@domain>`.
    pub smtp_message_id_domain: String,
    /// Longest one SMTP exchange may take, in milliseconds.
    pub smtp_timeout_ms: u64,
    /// The key webhooks are signed with (`X-CLA-Signature`, at least 32 bytes); unset: no
    /// webhook channel.
    pub webhook_signing_secret: Option<Secret>,
    /// Longest one webhook request may take, in milliseconds.
    pub webhook_timeout_ms: u64,
    /// The gateway SMS notifications are sent through (`twilio` or `vonage`); unset: no SMS
    /// notification channel (replies to Vonage messages still go out with Vonage's credentials).
    pub sms_send_gateway: Option<cla_notify::SmsGateway>,
    /// The number SMS notifications are sent from (E.164), at `sms_send_gateway`.
    pub sms_send_from: Option<String>,
    /// Twilio's Account SID: with `sms_twilio_auth_token`, SMS can be sent through Twilio.
    pub sms_twilio_account_sid: Option<String>,
    /// Twilio's API base URL (tests point it at their own server).
    pub sms_twilio_api_url: String,
    /// Vonage's API key and secret: SMS can be sent through Vonage, replies to Vonage messages
    /// included.
    pub sms_vonage_api_key: Option<String>,
    pub sms_vonage_api_secret: Option<Secret>,
    /// Vonage's SMS API base URL.
    pub sms_vonage_api_url: String,
    /// Longest one request to a gateway's send API may take, in milliseconds.
    pub sms_send_timeout_ms: u64,
    // The web app at `/` (see ops/configuration.md, "The web app").
    /// The web app's client id at the identity provider (`oidc_issuer_url`). Unset: no sign-in
    /// through the provider; one-time sign-in links only (the demo's).
    pub web_oidc_client_id: Option<String>,
    /// The web app's client secret, for a confidential client (unset: a public client, PKCE only).
    pub web_oidc_client_secret: Option<Secret>,
    /// Scopes asked for beside `openid` (comma-separated in `CLA_WEB_OIDC_SCOPES`).
    pub web_oidc_scopes: Vec<String>,
    /// How long a web session lasts, in hours.
    pub web_session_hours: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            store: Backend::Embedded,
            kurrentdb_url: None,
            master_key: None,
            master_key_file: None,
            erase_after_separation_days: 0,
            jwt_algorithm: JwtAlgorithm::HS256,
            jwt_secret: None,
            jwt_public_key_file: None,
            jwt_private_key_file: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_jwks_url: None,
            oidc_issuer_url: None,
            jwt_jwks_refresh_seconds: 600,
            jwt_jwks_unknown_key_refresh_seconds: 30,
            jwt_roles_claim: "roles".into(),
            jwt_missions_claim: "missions".into(),
            max_query_depth: 12,
            max_query_complexity: 5000,
            max_body_bytes: 1 << 20,
            request_timeout_ms: 30_000,
            settle_timeout_ms: 10_000,
            scan_interval_seconds: 60,
            snapshot_every_events: 100_000,
            answer_cache_ms: 1000,
            idempotency_retention_hours: 7 * 24,
            public_url: None,
            escalation_interval_ms: 1000,
            ack_link_hours: 72,
            ack_link_key: None,
            notification_lease_seconds: 60,
            cors_allowed_origins: Vec::new(),
            metrics_listen: None,
            metrics_token: None,
            max_root_fields: 20,
            query_budget_ms: 10_000,
            rate_limit_per_second: 50,
            rate_limit_burst: 200,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            log_format: LogFormat::Text,
            log: "info".into(),
            sms_twilio_auth_token: None,
            sms_vonage_signature_secret: None,
            sms_public_url: None,
            sms_keywords: BTreeMap::new(),
            sms_replies: BTreeMap::new(),
            sms_languages: BTreeMap::new(),
            sms_numbers: BTreeMap::new(),
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: cla_notify::SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_from: None,
            smtp_message_id_domain: "cla.invalid".into(),
            smtp_timeout_ms: 30_000,
            webhook_signing_secret: None,
            webhook_timeout_ms: 10_000,
            sms_send_gateway: None,
            sms_send_from: None,
            sms_twilio_account_sid: None,
            sms_twilio_api_url: cla_notify::sms::TWILIO_API.into(),
            sms_vonage_api_key: None,
            sms_vonage_api_secret: None,
            sms_vonage_api_url: cla_notify::sms::VONAGE_API.into(),
            sms_send_timeout_ms: 10_000,
            web_oidc_client_id: None,
            web_oidc_client_secret: None,
            web_oidc_scopes: vec!["profile".into()],
            web_session_hours: 12,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// The SMS channel's keywords, replies, languages and numbers.
    pub fn sms_settings(&self) -> Result<cla_field::FieldSettings, String> {
        use cla_field::gateways::Gateway;
        let secrets = Gateway::ALL
            .into_iter()
            .filter_map(|g| {
                self.sms_secret(g).map(|s| {
                    (
                        g,
                        cla_field::app::GatewaySecret(s.expose().trim().to_string()),
                    )
                })
            })
            .collect();
        cla_field::FieldSettings::from_config(
            secrets,
            self.sms_public_url.clone(),
            &self.sms_keywords,
            &self.sms_replies,
            &self.sms_languages,
            &self.sms_numbers,
        )
    }

    /// The web app's settings are whole: a client id needs the provider, a public URL is one.
    fn check_web(&self) -> Result<(), String> {
        if self.web_oidc_client_id.is_some() && self.oidc_issuer_url.is_none() {
            return Err(
                "web_oidc_client_id needs the identity provider: oidc_issuer_url \
                        (CLA_OIDC_ISSUER_URL)"
                    .into(),
            );
        }
        if self
            .web_oidc_client_id
            .as_ref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err("web_oidc_client_id is empty: set a value or unset it".into());
        }
        if self.web_session_hours == 0 {
            return Err("web_session_hours must be positive".into());
        }
        Ok(())
    }

    /// The web app's public address: `public_url`, or `http://` and `listen`.
    pub fn web_address(&self, listening_on: SocketAddr) -> String {
        self.public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{listening_on}"))
    }

    /// The secret of a gateway, where it is configured.
    pub fn sms_secret(&self, gateway: cla_field::gateways::Gateway) -> Option<&Secret> {
        match gateway {
            cla_field::gateways::Gateway::Twilio => self.sms_twilio_auth_token.as_ref(),
            cla_field::gateways::Gateway::Vonage => self.sms_vonage_signature_secret.as_ref(),
        }
    }

    /// The outbound channels' settings: email where `smtp_host` is set, webhooks where
    /// `webhook_signing_secret` is, SMS through the gateways whose send credentials are.
    pub fn notify_settings(&self) -> cla_notify::Settings {
        let secret = |s: &Option<Secret>| s.as_ref().map(|s| Secret::new(s.expose().trim()));
        let email = self
            .smtp_host
            .as_ref()
            .map(|host| cla_notify::EmailSettings {
                host: host.clone(),
                port: self.smtp_port,
                tls: self.smtp_tls,
                username: self.smtp_username.clone(),
                password: secret(&self.smtp_password),
                from: self.smtp_from.clone().unwrap_or_default(),
                message_id_domain: self.smtp_message_id_domain.clone(),
                timeout: Duration::from_millis(self.smtp_timeout_ms),
            });
        let webhook =
            secret(&self.webhook_signing_secret).map(|secret| cla_notify::WebhookSettings {
                secret,
                timeout: Duration::from_millis(self.webhook_timeout_ms),
            });
        let twilio = match (
            &self.sms_twilio_account_sid,
            secret(&self.sms_twilio_auth_token),
        ) {
            (Some(sid), Some(auth_token)) => Some(cla_notify::TwilioApi {
                account_sid: sid.trim().to_string(),
                auth_token,
                base_url: self.sms_twilio_api_url.clone(),
            }),
            _ => None,
        };
        let vonage = match (
            &self.sms_vonage_api_key,
            secret(&self.sms_vonage_api_secret),
        ) {
            (Some(key), Some(api_secret)) => Some(cla_notify::VonageApi {
                api_key: key.trim().to_string(),
                api_secret,
                base_url: self.sms_vonage_api_url.clone(),
            }),
            _ => None,
        };
        cla_notify::Settings {
            email,
            webhook,
            sms: cla_notify::SmsSettings {
                send: self.sms_send_gateway,
                from: self.sms_send_from.clone(),
                twilio,
                vonage,
                timeout: Duration::from_millis(self.sms_send_timeout_ms),
            },
        }
    }

    /// Whether the outbound settings hold together (each named with its variable).
    fn check_notify(&self) -> Result<(), String> {
        let name = |key: &str| format!("{key} (CLA_{})", key.to_ascii_uppercase());
        if self.smtp_host.is_none() {
            if let Some((key, _)) = [
                ("smtp_from", self.smtp_from.is_some()),
                ("smtp_username", self.smtp_username.is_some()),
                ("smtp_password", self.smtp_password.is_some()),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            {
                return Err(format!("{} needs smtp_host (CLA_SMTP_HOST)", name(key)));
            }
        } else if self.smtp_from.is_none() {
            return Err(format!("smtp_host needs {}", name("smtp_from")));
        }
        if self.sms_twilio_account_sid.is_some() && self.sms_twilio_auth_token.is_none() {
            return Err(format!(
                "sms_twilio_account_sid needs {}",
                name("sms_twilio_auth_token")
            ));
        }
        if self.sms_vonage_api_key.is_some() != self.sms_vonage_api_secret.is_some() {
            return Err(format!(
                "set both {} and {}, or neither",
                name("sms_vonage_api_key"),
                name("sms_vonage_api_secret")
            ));
        }
        if self.sms_send_gateway == Some(cla_notify::SmsGateway::Twilio)
            && self.sms_twilio_account_sid.is_none()
        {
            return Err(format!(
                "sms_send_gateway = \"twilio\" needs {} and sms_twilio_auth_token",
                name("sms_twilio_account_sid")
            ));
        }
        if self.sms_send_gateway == Some(cla_notify::SmsGateway::Vonage)
            && self.sms_vonage_api_key.is_none()
        {
            return Err(format!(
                "sms_send_gateway = \"vonage\" needs {} and sms_vonage_api_secret",
                name("sms_vonage_api_key")
            ));
        }
        if self.sms_send_from.is_some() && self.sms_send_gateway.is_none() {
            return Err(format!("sms_send_from needs {}", name("sms_send_gateway")));
        }
        cla_notify::Notifier::new(self.notify_settings())
            .map(|_| ())
            .map_err(|e| format!("{}: {}", name(e.setting), e.message))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn settle_timeout(&self) -> Duration {
        Duration::from_millis(self.settle_timeout_ms)
    }

    pub fn query_budget(&self) -> Duration {
        Duration::from_millis(self.query_budget_ms)
    }

    /// Where people reach the server, for links.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn idempotency_retention(&self) -> chrono::Duration {
        chrono::Duration::hours(
            i64::try_from(self.idempotency_retention_hours).unwrap_or(i64::MAX / 3_600_000),
        )
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }

    /// Defaults, overlaid by the file (where given, or `cla.toml` where it exists), overlaid by
    /// `CLA_*` variables from `env`, layered with figment. The file is grouped by [`SECTIONS`];
    /// a variable is `CLA_` and the key in capitals, whatever its section.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        use figment::Figment;
        use figment::providers::{Format, Toml};
        let default_file = Path::new("cla.toml");
        let file = file.or_else(|| default_file.exists().then_some(default_file));
        let mut layers = Figment::new();
        if let Some(path) = file {
            // Read here, so a missing file is an error naming it (figment would skip it).
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let origin = path.display().to_string();
            let grouped = Figment::from(Toml::string(&text));
            let invalid = |message: String| ConfigError::Invalid {
                origin: origin.clone(),
                message,
            };
            let top: figment::value::Dict =
                grouped.extract().map_err(|e| invalid(e.kind.to_string()))?;
            for (name, value) in &top {
                let Some((_, keys)) = SECTIONS.iter().find(|(s, _)| s == name) else {
                    return Err(invalid(match section_of(name) {
                        Some(section) => format!("`{name}` belongs in the [{section}] section"),
                        None => format!("unknown section `{name}` (sections: {})", section_names()),
                    }));
                };
                let Some(dict) = value.as_dict() else {
                    return Err(invalid(format!("[{name}] must be a section of keys")));
                };
                for key in dict.keys() {
                    if !keys.contains(&key.as_str()) {
                        return Err(invalid(match section_of(key) {
                            Some(section) => {
                                format!("`{key}` belongs in the [{section}] section, not [{name}]")
                            }
                            None => format!("unknown key `{key}` in [{name}]"),
                        }));
                    }
                }
                layers = layers.merge(grouped.focus(name));
            }
        }
        let config: Config = layers
            .merge(Environment::from_vars(env))
            .extract()
            .map_err(|e| ConfigError::Invalid {
                origin: match &e.metadata {
                    Some(m) if m.name == ENVIRONMENT => {
                        m.interpolate(&figment::Profile::Default, &e.path)
                    }
                    _ => match (file, e.path.last()) {
                        (Some(path), Some(key)) => format!(
                            "{} [{}] {key}",
                            path.display(),
                            section_of(key).unwrap_or("?")
                        ),
                        (Some(path), None) => path.display().to_string(),
                        (None, _) => "configuration".into(),
                    },
                },
                message: e.kind.to_string(),
            })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |message: &str| {
            Err(ConfigError::Invalid {
                origin: "configuration".into(),
                message: message.into(),
            })
        };
        if self.store == Backend::Kurrentdb && self.kurrentdb_url.is_none() {
            return invalid("store = \"kurrentdb\" needs kurrentdb_url (CLA_KURRENTDB_URL)");
        }
        if let Some(secret) = &self.jwt_secret
            && secret.expose().trim().len() < MIN_SECRET_BYTES
        {
            return invalid(&format!(
                "jwt_secret (CLA_JWT_SECRET) must hold at least {MIN_SECRET_BYTES} bytes of secret \
                 (an empty or short one lets anyone sign tokens); set a longer one, or unset it to \
                 have one generated in <data_dir>/jwt-secret"
            ));
        }
        let provider = match (&self.jwt_jwks_url, &self.oidc_issuer_url) {
            (Some(_), Some(_)) => {
                return invalid(
                    "set one of jwt_jwks_url (CLA_JWT_JWKS_URL) and oidc_issuer_url \
                     (CLA_OIDC_ISSUER_URL), not both",
                );
            }
            (Some(url), None) => Some(("jwt_jwks_url (CLA_JWT_JWKS_URL)", url)),
            (None, Some(url)) => Some(("oidc_issuer_url (CLA_OIDC_ISSUER_URL)", url)),
            (None, None) => None,
        };
        if let Some((key, url)) = provider {
            if let Err(why) = provider_url(url) {
                return invalid(&format!("{key}: {why}"));
            }
            if self.jwt_public_key_file.is_some() || self.jwt_secret.is_some() {
                return invalid(&format!(
                    "{key} gives the keys tokens are verified with: unset jwt_public_key_file \
                     and jwt_secret"
                ));
            }
            if self.jwt_private_key_file.is_some() && self.jwt_algorithm == JwtAlgorithm::HS256 {
                return invalid(
                    "jwt_private_key_file needs jwt_algorithm RS256 or ES256 (CLA_JWT_ALGORITHM)",
                );
            }
            if self.jwt_jwks_refresh_seconds == 0 {
                return invalid("jwt_jwks_refresh_seconds must be positive");
            }
        } else if self.jwt_algorithm != JwtAlgorithm::HS256 && self.jwt_public_key_file.is_none() {
            return invalid(
                "RS256/ES256 need jwt_public_key_file (CLA_JWT_PUBLIC_KEY_FILE), or the \
                 provider's keys: jwt_jwks_url or oidc_issuer_url",
            );
        }
        for (key, path) in [
            ("jwt_roles_claim", &self.jwt_roles_claim),
            ("jwt_missions_claim", &self.jwt_missions_claim),
        ] {
            if path.trim().is_empty() || path.split('.').any(str::is_empty) {
                return invalid(&format!(
                    "{key}: {path:?} is not a claim name (a name, or a dotted path such as \
                     realm_access.roles)"
                ));
            }
        }
        for (key, value) in [
            ("jwt_issuer", &self.jwt_issuer),
            ("jwt_audience", &self.jwt_audience),
        ] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return invalid(&format!("{key} is empty: set a value or unset it"));
            }
        }
        if let Some(bad) = self
            .cors_allowed_origins
            .iter()
            .find(|o| axum::http::HeaderValue::from_str(o).is_err() || !o.contains("://"))
        {
            return invalid(&format!(
                "cors_allowed_origins: {bad:?} is not an origin (scheme://host[:port])"
            ));
        }
        if self.max_query_depth == 0 || self.max_query_complexity == 0 || self.max_body_bytes == 0 {
            return invalid("the query and body limits must be positive");
        }
        if self.max_root_fields == 0
            || self.query_budget_ms == 0
            || self.rate_limit_per_second == 0
            || self.rate_limit_burst == 0
            || self.header_read_timeout_ms == 0
            || self.idle_timeout_ms == 0
            || self.idempotency_retention_hours == 0
        {
            return invalid(
                "max_root_fields, query_budget_ms, rate_limit_per_second, rate_limit_burst, \
                 header_read_timeout_ms, idle_timeout_ms and idempotency_retention_hours must be \
                 positive",
            );
        }
        for (key, secret) in [
            ("sms_twilio_auth_token", &self.sms_twilio_auth_token),
            (
                "sms_vonage_signature_secret",
                &self.sms_vonage_signature_secret,
            ),
        ] {
            if secret
                .as_ref()
                .is_some_and(|s| s.expose().trim().len() < 16)
            {
                return invalid(&format!(
                    "{key} (CLA_{}) must hold the gateway's secret (at least 16 bytes)",
                    key.to_ascii_uppercase()
                ));
            }
        }
        if let Some(url) = &self.sms_public_url
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.trim_end_matches('/').contains(['?', '#']))
        {
            return invalid("sms_public_url is the base URL gateways call: scheme://host[:port]");
        }
        if let Err(why) = self.sms_settings() {
            return invalid(&format!("SMS settings: {why}"));
        }
        if let Some(url) = &self.public_url
            && (!(url.starts_with("https://") || url.starts_with("http://"))
                || url.trim_end_matches('/').contains(['?', '#']))
        {
            return invalid(
                "public_url is the base URL people reach the server at: scheme://host[:port]",
            );
        }
        if let Some(key) = &self.ack_link_key
            && key.expose().trim().len() < MIN_SECRET_BYTES
        {
            return invalid(&format!(
                "ack_link_key (CLA_ACK_LINK_KEY) must hold at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        if self.ack_link_hours == 0 || self.notification_lease_seconds == 0 {
            return invalid("ack_link_hours and notification_lease_seconds must be at least 1");
        }
        if let Err(why) = self.check_notify() {
            return invalid(&why);
        }
        if let Err(why) = self.check_web() {
            return invalid(&why);
        }
        if let Some(token) = &self.metrics_token
            && token.expose().trim().len() < MIN_SECRET_BYTES
        {
            return invalid(&format!(
                "metrics_token (CLA_METRICS_TOKEN) must hold at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        Ok(())
    }
}

/// An identity provider's URL: HTTPS, or plain HTTP to this machine only (keys fetched over plain
/// HTTP from elsewhere could be replaced on the way, and with them anyone could sign in).
fn provider_url(url: &str) -> Result<(), String> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(format!(
                "{url:?} is plain HTTP to another machine: use https://"
            ));
        }
        rest
    } else {
        return Err(format!("{url:?} is not an http(s) URL"));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url:?} names no host"));
    }
    Ok(())
}

/// The shortest HS256 signing secret accepted, in bytes (white space around it does not count).
pub const MIN_SECRET_BYTES: usize = 32;

/// The file's sections and the keys each holds. A key is set from the environment as `CLA_` and
/// the key in capitals (`CLA_LISTEN`, `CLA_JWT_SECRET`), whatever its section.
pub const SECTIONS: &[(&str, &[&str])] = &[
    (
        "server",
        &[
            "listen",
            "data_dir",
            "public_url",
            "cors_allowed_origins",
            "max_query_depth",
            "max_query_complexity",
            "max_body_bytes",
            "request_timeout_ms",
            "max_root_fields",
            "query_budget_ms",
            "rate_limit_per_second",
            "rate_limit_burst",
            "header_read_timeout_ms",
            "idle_timeout_ms",
            "metrics_listen",
            "metrics_token",
            "log_format",
            "log",
        ],
    ),
    (
        "store",
        &[
            "store",
            "kurrentdb_url",
            "master_key",
            "master_key_file",
            "erase_after_separation_days",
        ],
    ),
    (
        "auth",
        &[
            "jwt_algorithm",
            "jwt_secret",
            "jwt_public_key_file",
            "jwt_private_key_file",
            "jwt_issuer",
            "jwt_audience",
            "jwt_jwks_url",
            "oidc_issuer_url",
            "jwt_jwks_refresh_seconds",
            "jwt_jwks_unknown_key_refresh_seconds",
            "jwt_roles_claim",
            "jwt_missions_claim",
            "web_oidc_client_id",
            "web_oidc_client_secret",
            "web_oidc_scopes",
            "web_session_hours",
        ],
    ),
    (
        "projections",
        &[
            "snapshot_every_events",
            "settle_timeout_ms",
            "answer_cache_ms",
            "idempotency_retention_hours",
            "scan_interval_seconds",
        ],
    ),
    (
        "channels",
        &[
            "escalation_interval_ms",
            "ack_link_hours",
            "ack_link_key",
            "notification_lease_seconds",
            "sms_twilio_auth_token",
            "sms_vonage_signature_secret",
            "sms_public_url",
            "sms_keywords",
            "sms_replies",
            "sms_languages",
            "sms_numbers",
            "sms_send_gateway",
            "sms_send_from",
            "sms_twilio_account_sid",
            "sms_twilio_api_url",
            "sms_vonage_api_key",
            "sms_vonage_api_secret",
            "sms_vonage_api_url",
            "sms_send_timeout_ms",
            "smtp_host",
            "smtp_port",
            "smtp_tls",
            "smtp_username",
            "smtp_password",
            "smtp_from",
            "smtp_message_id_domain",
            "smtp_timeout_ms",
            "webhook_signing_secret",
            "webhook_timeout_ms",
        ],
    ),
];

/// Every key a file or `CLA_<KEY>` may set.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SECTIONS.iter().flat_map(|(_, keys)| keys.iter().copied())
}

/// The section a key belongs in.
pub fn section_of(key: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(section, _)| *section)
}

fn section_names() -> String {
    SECTIONS
        .iter()
        .map(|(s, _)| format!("[{s}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

const ENVIRONMENT: &str = "environment variable";

/// The `CLA_*` variables as a figment layer: each known key with its value typed (whole numbers
/// as integers, lists comma-separated, text keys always text); errors name the variable.
struct Environment(figment::value::Dict);

impl Environment {
    fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        use figment::value::Value;
        let mut dict = figment::value::Dict::new();
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("CLA_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            if section_of(&key).is_none() {
                continue;
            }
            let value = if key == "cors_allowed_origins" || key == "web_oidc_scopes" {
                Value::from(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(|o| Value::from(o.to_string()))
                        .collect::<Vec<_>>(),
                )
            } else if numeric(&key) {
                match value.trim().parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::from(value),
                }
            } else {
                // Text, even all digits: secrets, keys, numbers (`+243…`), user names.
                Value::from(value)
            };
            dict.insert(key, value);
        }
        Self(dict)
    }
}

impl figment::Provider for Environment {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named(ENVIRONMENT).interpolater(|_: &figment::Profile, keys: &[&str]| {
            format!(
                "CLA_{}",
                keys.first().copied().unwrap_or("").to_ascii_uppercase()
            )
        })
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        Ok(figment::Profile::Default.collect(self.0.clone()))
    }
}

/// Keys holding a whole number (the rest are text, lists or choices).
fn numeric(key: &str) -> bool {
    [
        "_ms", "_seconds", "_hours", "_days", "_bytes", "_events", "_port",
    ]
    .iter()
    .any(|end| key.ends_with(end))
        || key.starts_with("max_")
        || key.starts_with("rate_limit_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cla.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:9000\"\nmax_query_depth = 9\nlog = \"debug\"\n\n\
             [channels.sms_keywords.MONUSCO]\nok = [\"SAWA\"]\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            env(&[
                ("CLA_MAX_QUERY_DEPTH", "7"),
                ("CLA_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(
            config.max_query_depth, 7,
            "the environment wins over the file"
        );
        assert_eq!(config.log, "debug");
        assert_eq!(
            config.sms_keywords["MONUSCO"]["ok"],
            vec!["SAWA".to_string()]
        );
        assert_eq!(config.request_timeout_ms, 30_000, "defaults fill the rest");
        assert_eq!(
            config.jwt_secret.as_ref().unwrap().expose(),
            "s3cret-s3cret-s3cret-s3cret-s3cret"
        );
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "secrets never print"
        );
    }

    #[test]
    fn mistakes_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cla.toml");
        let refused = |text: &str| {
            std::fs::write(&file, text).unwrap();
            Config::load(Some(&file), env(&[])).unwrap_err().to_string()
        };
        let e = refused("[server]\nlisen = \"x\"\n");
        assert!(e.contains("unknown key `lisen` in [server]"), "{e}");
        let e = refused("listen = \"127.0.0.1:1\"\n");
        assert!(
            e.contains("`listen` belongs in the [server] section"),
            "{e}"
        );
        let e = refused("[server]\njwt_secret = \"x\"\n");
        assert!(
            e.contains("`jwt_secret` belongs in the [auth] section, not [server]"),
            "{e}"
        );
        let e = refused("[sever]\nlisten = \"x\"\n");
        assert!(e.contains("unknown section `sever`"), "{e}");
        // A bad value names the file, the section and the key.
        let e = refused("[server]\nmax_body_bytes = \"lots\"\n");
        assert!(e.contains("[server] max_body_bytes"), "{e}");
        assert!(e.contains("cla.toml"), "{e}");
        // And from the environment, the variable.
        let e = Config::load(None, env(&[("CLA_MAX_BODY_BYTES", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("CLA_MAX_BODY_BYTES: "), "{e}");
        assert!(Config::load(None, env(&[("CLA_STORE", "kurrentdb")])).is_err());
        assert!(Config::load(None, env(&[("CLA_MAX_BODY_BYTES", "-1")])).is_err());
    }

    /// The names of `Config`'s fields, as serde asks for them.
    fn field_names() -> &'static [&'static str] {
        struct Fields(&'static [&'static str]);
        impl<'de> serde::Deserializer<'de> for &mut Fields {
            type Error = serde::de::value::Error;
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _name: &'static str,
                fields: &'static [&'static str],
                _visitor: V,
            ) -> Result<V::Value, Self::Error> {
                self.0 = fields;
                Err(serde::de::Error::custom("fields listed"))
            }
            fn deserialize_any<V: serde::de::Visitor<'de>>(
                self,
                _visitor: V,
            ) -> Result<V::Value, Self::Error> {
                Err(serde::de::Error::custom("a struct only"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let mut fields = Fields(&[]);
        let _ = <Config as serde::Deserialize>::deserialize(&mut fields);
        fields.0
    }

    #[test]
    fn every_key_is_in_one_section_and_read_from_the_environment_as_its_type() {
        let mut seen = std::collections::BTreeSet::new();
        for key in keys() {
            assert!(seen.insert(key), "{key} is in two sections");
        }
        // Every field of the configuration is in a section (and so settable), and nothing else.
        let fields: std::collections::BTreeSet<&str> = field_names().iter().copied().collect();
        assert_eq!(fields, seen, "the sections and the configuration's fields");
        // All digits, and still text where the key is text; whole numbers where it is a number.
        let digits = "12345678901234567890123456789012345678";
        let config = Config::load(
            None,
            env(&[
                ("CLA_JWT_SECRET", digits),
                ("CLA_SMTP_HOST", "127.0.0.1"),
                ("CLA_SMTP_FROM", "cla@example.org"),
                ("CLA_SMTP_USERNAME", "243990000001"),
                ("CLA_SMTP_PASSWORD", "000000"),
                ("CLA_SMTP_PORT", "2525"),
            ]),
        )
        .unwrap();
        assert_eq!(config.jwt_secret.unwrap().expose(), digits);
        assert_eq!(config.smtp_username.as_deref(), Some("243990000001"));
        assert_eq!(config.smtp_password.unwrap().expose(), "000000");
        assert_eq!(config.smtp_port, 2525);
        let config = Config::load(
            None,
            env(&[
                ("CLA_WEB_SESSION_HOURS", "8"),
                ("CLA_WEB_OIDC_CLIENT_ID", "cla-web"),
                ("CLA_OIDC_ISSUER_URL", "https://login.example.org/realms/un"),
            ]),
        )
        .unwrap();
        assert_eq!(config.web_session_hours, 8);
        assert_eq!(config.web_oidc_client_id.as_deref(), Some("cla-web"));
    }

    #[test]
    fn cors_origins_come_as_a_list_and_must_be_origins() {
        let config = Config::load(
            None,
            env(&[(
                "CLA_CORS_ALLOWED_ORIGINS",
                "https://a.example.org, http://127.0.0.1:3000",
            )]),
        )
        .unwrap();
        assert_eq!(
            config.cors_allowed_origins,
            ["https://a.example.org", "http://127.0.0.1:3000"]
        );
        assert!(
            Config::load(None, env(&[]))
                .unwrap()
                .cors_allowed_origins
                .is_empty()
        );
        assert!(Config::load(None, env(&[("CLA_CORS_ALLOWED_ORIGINS", "*")])).is_err());
    }

    #[test]
    fn request_limits_and_metrics_settings_come_from_the_environment() {
        let defaults = Config::load(None, env(&[])).unwrap();
        assert_eq!(
            (defaults.max_root_fields, defaults.rate_limit_burst),
            (20, 200)
        );
        assert!(defaults.metrics_listen.is_none() && defaults.metrics_token.is_none());
        let token = "m".repeat(MIN_SECRET_BYTES);
        let config = Config::load(
            None,
            env(&[
                ("CLA_METRICS_LISTEN", "127.0.0.1:9090"),
                ("CLA_METRICS_TOKEN", &token),
                ("CLA_MAX_ROOT_FIELDS", "5"),
                ("CLA_QUERY_BUDGET_MS", "250"),
                ("CLA_RATE_LIMIT_PER_SECOND", "7"),
                ("CLA_RATE_LIMIT_BURST", "9"),
                ("CLA_HEADER_READ_TIMEOUT_MS", "1500"),
                ("CLA_IDLE_TIMEOUT_MS", "2500"),
            ]),
        )
        .unwrap();
        assert_eq!(config.metrics_listen.unwrap().port(), 9090);
        assert_eq!(config.metrics_token.as_ref().unwrap().expose(), token);
        assert!(
            !format!("{config:?}").contains(&token),
            "secrets never print"
        );
        assert_eq!(config.max_root_fields, 5);
        assert_eq!(config.query_budget(), Duration::from_millis(250));
        assert_eq!(
            (config.rate_limit_per_second, config.rate_limit_burst),
            (7, 9)
        );
        assert_eq!(config.header_read_timeout(), Duration::from_millis(1500));
        assert_eq!(config.idle_timeout(), Duration::from_millis(2500));
        assert!(Config::load(None, env(&[("CLA_RATE_LIMIT_BURST", "0")])).is_err());
        assert!(Config::load(None, env(&[("CLA_METRICS_TOKEN", "short")])).is_err());
    }

    #[test]
    fn an_empty_or_short_signing_secret_is_refused() {
        for weak in [
            "",
            "   ",
            "\t\n",
            "abc12",
            &"x".repeat(MIN_SECRET_BYTES - 1),
        ] {
            let e = Config::load(None, env(&[("CLA_JWT_SECRET", weak)])).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("jwt_secret") && text.contains("CLA_JWT_SECRET"),
                "the message names the setting: {text}"
            );
            if !weak.trim().is_empty() {
                assert!(
                    !text.contains(weak.trim()),
                    "the message never repeats the secret"
                );
            }
        }
        let padded = format!("  {}  ", "x".repeat(MIN_SECRET_BYTES - 1));
        assert!(
            Config::load(None, env(&[("CLA_JWT_SECRET", &padded)])).is_err(),
            "white space does not count as secret"
        );
        let strong = "x".repeat(MIN_SECRET_BYTES);
        assert!(Config::load(None, env(&[("CLA_JWT_SECRET", &strong)])).is_ok());
    }

    #[test]
    fn identity_provider_settings_are_checked() {
        let ok = |pairs: &[(&str, &str)]| Config::load(None, env(pairs));
        let config = ok(&[
            ("CLA_OIDC_ISSUER_URL", "https://login.example.org/realms/un"),
            ("CLA_JWT_AUDIENCE", "cla-workforce"),
            ("CLA_JWT_ROLES_CLAIM", "realm_access.roles"),
            ("CLA_JWT_JWKS_REFRESH_SECONDS", "300"),
        ])
        .unwrap();
        assert_eq!(config.jwt_roles_claim, "realm_access.roles");
        assert_eq!(config.jwt_missions_claim, "missions");
        assert_eq!(config.jwt_jwks_refresh_seconds, 300);
        assert_eq!(config.jwt_jwks_unknown_key_refresh_seconds, 30);
        assert!(ok(&[("CLA_JWT_JWKS_URL", "http://127.0.0.1:8081/certs")]).is_ok());
        assert!(ok(&[("CLA_JWT_JWKS_URL", "http://localhost/certs")]).is_ok());
        for (pairs, says) in [
            (
                vec![("CLA_JWT_JWKS_URL", "http://login.example.org/certs")],
                "plain HTTP",
            ),
            (vec![("CLA_JWT_JWKS_URL", "login.example.org")], "http(s)"),
            (vec![("CLA_JWT_JWKS_URL", "https://")], "no host"),
            (
                vec![
                    ("CLA_JWT_JWKS_URL", "https://a.example.org/certs"),
                    ("CLA_OIDC_ISSUER_URL", "https://a.example.org"),
                ],
                "not both",
            ),
            (
                vec![
                    ("CLA_OIDC_ISSUER_URL", "https://a.example.org"),
                    ("CLA_JWT_PUBLIC_KEY_FILE", "/etc/idp.pem"),
                ],
                "jwt_public_key_file",
            ),
            (
                vec![
                    ("CLA_OIDC_ISSUER_URL", "https://a.example.org"),
                    ("CLA_JWT_JWKS_REFRESH_SECONDS", "0"),
                ],
                "positive",
            ),
            (
                vec![("CLA_JWT_ROLES_CLAIM", "realm_access..roles")],
                "jwt_roles_claim",
            ),
            (vec![("CLA_JWT_MISSIONS_CLAIM", "")], "jwt_missions_claim"),
            (vec![("CLA_JWT_AUDIENCE", " ")], "jwt_audience"),
            (vec![("CLA_JWT_ALGORITHM", "RS256")], "jwt_jwks_url"),
        ] {
            let e = ok(&pairs).unwrap_err().to_string();
            assert!(e.contains(says), "{pairs:?}: {e}");
        }
    }

    #[test]
    fn outbound_channels_come_from_the_environment_and_are_checked() {
        let defaults = Config::load(None, env(&[])).unwrap();
        let notify = cla_notify::Notifier::new(defaults.notify_settings()).unwrap();
        for channel in cla_notify::Channel::ALL {
            assert!(!notify.has(channel), "{channel}: off by default");
        }
        let signing = "w".repeat(32);
        let config = Config::load(
            None,
            env(&[
                ("CLA_SMTP_HOST", "smtp.example.org"),
                ("CLA_SMTP_PORT", "465"),
                ("CLA_SMTP_TLS", "tls"),
                ("CLA_SMTP_USERNAME", "cla"),
                ("CLA_SMTP_PASSWORD", "0123456789"),
                ("CLA_SMTP_FROM", "CLA alerts <cla@example.org>"),
                ("CLA_WEBHOOK_SIGNING_SECRET", &signing),
                ("CLA_SMS_SEND_GATEWAY", "vonage"),
                ("CLA_SMS_SEND_FROM", "+243900000001"),
                ("CLA_SMS_VONAGE_API_KEY", "12345678"),
                ("CLA_SMS_VONAGE_API_SECRET", "vonage-api-secret"),
            ]),
        )
        .unwrap();
        assert_eq!(config.smtp_port, 465);
        assert_eq!(config.smtp_tls, cla_notify::SmtpTls::Tls);
        assert_eq!(
            config.sms_send_from.as_deref(),
            Some("+243900000001"),
            "a number stays text"
        );
        assert_eq!(config.sms_vonage_api_key.as_deref(), Some("12345678"));
        let printed = format!("{config:?}");
        for secret in ["0123456789", signing.as_str(), "vonage-api-secret"] {
            assert!(!printed.contains(secret), "secrets never print");
        }
        let notify = cla_notify::Notifier::new(config.notify_settings()).unwrap();
        for channel in cla_notify::Channel::ALL {
            assert!(notify.has(channel), "{channel}");
        }
        assert!(notify.has_sms_gateway(cla_notify::SmsGateway::Vonage));
        assert!(!notify.has_sms_gateway(cla_notify::SmsGateway::Twilio));

        let refused =
            |pairs: &[(&str, &str)]| Config::load(None, env(pairs)).unwrap_err().to_string();
        for (pairs, says) in [
            (vec![("CLA_SMTP_HOST", "smtp.example.org")], "smtp_from"),
            (vec![("CLA_SMTP_FROM", "cla@example.org")], "smtp_host"),
            (
                vec![
                    ("CLA_SMTP_HOST", "smtp.example.org"),
                    ("CLA_SMTP_FROM", "nobody"),
                ],
                "CLA_SMTP_FROM",
            ),
            (
                vec![
                    ("CLA_SMTP_HOST", "smtp.example.org"),
                    ("CLA_SMTP_FROM", "cla@example.org"),
                    ("CLA_SMTP_TLS", "none"),
                    ("CLA_SMTP_USERNAME", "cla"),
                    ("CLA_SMTP_PASSWORD", "pw"),
                ],
                "CLA_SMTP_TLS",
            ),
            (vec![("CLA_SMTP_TLS", "ssl")], "ssl"),
            (
                vec![("CLA_WEBHOOK_SIGNING_SECRET", "short")],
                "CLA_WEBHOOK_SIGNING_SECRET",
            ),
            (
                vec![("CLA_SMS_SEND_GATEWAY", "twilio")],
                "sms_twilio_account_sid",
            ),
            (vec![("CLA_SMS_SEND_GATEWAY", "nexmo")], "nexmo"),
            (
                vec![("CLA_SMS_VONAGE_API_KEY", "k")],
                "sms_vonage_api_secret",
            ),
            (
                vec![("CLA_SMS_TWILIO_ACCOUNT_SID", "AC123")],
                "sms_twilio_auth_token",
            ),
            (
                vec![
                    ("CLA_SMS_SEND_GATEWAY", "vonage"),
                    ("CLA_SMS_VONAGE_API_KEY", "k"),
                    ("CLA_SMS_VONAGE_API_SECRET", "s"),
                ],
                "CLA_SMS_SEND_FROM",
            ),
            (
                vec![
                    ("CLA_SMS_VONAGE_API_KEY", "k"),
                    ("CLA_SMS_VONAGE_API_SECRET", "s"),
                    ("CLA_SMS_VONAGE_API_URL", "http://rest.example.org"),
                ],
                "CLA_SMS_VONAGE_API_URL",
            ),
        ] {
            let e = refused(&pairs);
            assert!(e.contains(says), "{pairs:?}: {e}");
            assert!(!e.contains("vonage-api-secret") && !e.contains("pw\""));
        }
    }
}
