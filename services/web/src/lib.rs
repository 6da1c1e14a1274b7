//! The web app: the pages civil affairs managers, HR officers and HQ reviewers use, served by
//! the same binary at `/` (GraphQL stays at `/graphql`). Every page is rendered on the server from
//! the application layers as the signed-in person (`Principal`), so it can never show what the
//! API would refuse; access is decided there, not here. Pages read without JavaScript; the one
//! script (htmx, from its npm package, inside the binary) only enhances forms.
//!
//! Templates are [`maud`]: HTML written as Rust, checked by the compiler (a broken template does
//! not build), escaped by default, and composed as plain functions — the page frame, a figure,
//! a table are functions, so a new screen is a handler and a function.
//!
//! - [`i18n`]: the English and French catalogues (Project Fluent), the reader's language, and the
//!   language's dates, numbers and percentages;
//! - [`session`]: sealed session cookies (key in the data directory), CSRF tokens;
//! - [`oidc`]: the OpenID Connect authorization code flow with PKCE;
//! - [`codes`]: one-time sign-in codes (the demo's links);
//! - [`routes`]: the handlers, each a few lines from request to one application call to page;
//! - [`pages`]: the pages themselves.

pub mod assets;
pub mod codes;
pub mod i18n;
pub mod oidc;
pub mod pages;
pub mod routes;
pub mod session;
pub mod travel;

use std::path::PathBuf;
use std::sync::Arc;

use cla_platform::Principal;
use cla_platform::claims::ClaimsMapping;
use cla_platform::clock::Clock;

/// The application layers the pages are rendered from.
#[derive(Clone)]
pub struct WebApps {
    pub registry: cla_registry::RegistryApp,
    pub staff: cla_staff::StaffApp,
    pub staffing: cla_staffing::StaffingApp,
    pub risk: cla_risk::RiskApp,
    pub supervision: cla_supervision::SupervisionApp,
    pub escalation: cla_alerts::escalation::EscalationApp,
    pub alerts: cla_alerts::AlertsApp,
    pub reporting: cla_reporting::ReportingApp,
    pub field: cla_field::FieldApp,
}

/// A refusal from an export, as the door that owns it words it.
#[derive(Clone, Debug)]
pub struct ExportRefusal {
    pub code: String,
    pub message: String,
}

/// The base board as CSV (the `/export/board.csv` export, whose columns the gateway owns), for
/// the caller, a mission, an optional `asOf` and an optional `locale` (`fr`: `;`, a BOM,
/// dd/mm/yyyy).
pub type BoardCsv = Arc<
    dyn Fn(&Principal, &str, Option<&str>, Option<&str>) -> Result<String, ExportRefusal>
        + Send
        + Sync,
>;

/// The HQ staffing review as CSV (the `/export/hq-review.csv` export, whose columns the gateway
/// owns), for the caller, an optional `asOf` and an optional `locale` (`fr`: `;`, a BOM).
pub type ReviewCsv = Arc<
    dyn Fn(&Principal, Option<&str>, Option<&str>) -> Result<String, ExportRefusal> + Send + Sync,
>;

/// A list a mission imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// The staff list (the `/import/staff` columns).
    Staff,
    /// The deployment list (the `/import/deployments` columns).
    Deployments,
}

/// One error in an imported file, as the door that reads it finds it. Line 1 is the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub line: usize,
    pub column: String,
    pub problem: pages::imports::Problem,
}

/// What an import did, or would do on a dry run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub rows: usize,
    pub created: usize,
    pub unchanged: usize,
    /// Whether anything was written (never on a dry run or a file with errors).
    pub applied: bool,
    pub errors: Vec<ImportError>,
}

/// One import to run, as posted.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub mission: String,
    pub kind: ImportKind,
    pub text: String,
    /// `fr`: `;`, a BOM, dd/mm/yyyy; none: RFC 4180.
    pub locale: Option<String>,
    pub dry_run: bool,
}

/// The imports (the `/import/staff` and `/import/deployments` doors, whose parsing and dry
/// run the gateway owns), for the caller: the lists the caller may import into a mission, and
/// an import run.
#[derive(Clone)]
pub struct Imports {
    pub importable: Importable,
    pub run: RunImport,
}

/// The lists a caller may import into a mission.
pub type Importable = Arc<dyn Fn(&Principal, &str) -> Vec<ImportKind> + Send + Sync>;

/// What an import did, or why it was refused.
pub type ImportAnswer = Result<ImportOutcome, ExportRefusal>;

/// An import run as the caller (a dry run writes nothing).
pub type RunImport = Arc<
    dyn Fn(Principal, ImportRequest) -> futures::future::BoxFuture<'static, ImportAnswer>
        + Send
        + Sync,
>;

/// Everything the web app needs, built by the server that mounts it.
#[derive(Clone)]
pub struct WebSettings {
    pub apps: WebApps,
    /// The one claims mapping (the bearer tokens' too).
    pub claims: ClaimsMapping,
    /// The identity provider; `None`: sign-in by one-time links only.
    pub oidc: Option<oidc::OidcSettings>,
    /// Where the session key and the one-time codes are kept.
    pub data_dir: PathBuf,
    /// Cookies are `Secure`: the app is served over TLS (its public URL is `https://`).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_ttl: std::time::Duration,
    pub board_csv: BoardCsv,
    pub review_csv: ReviewCsv,
    pub imports: Imports,
    pub clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Key(#[from] session::KeyError),
}

/// What every handler shares.
pub struct Web {
    pub settings: WebSettings,
    pub sealer: session::Sealer,
    pub codes: codes::Codes,
    pub oidc: Option<oidc::Oidc>,
    pub cookies: session::CookiePolicy,
}

/// The web app's routes, with their state, ready to merge into the server's router.
pub fn router(settings: WebSettings) -> Result<axum::Router, WebError> {
    let web = Arc::new(Web {
        sealer: session::Sealer::load(&settings.data_dir)?,
        codes: codes::Codes::new(&settings.data_dir),
        oidc: settings.oidc.clone().map(oidc::Oidc::new),
        cookies: session::CookiePolicy {
            secure: settings.secure_cookies,
        },
        settings,
    });
    Ok(routes::router(web))
}

/// One-time sign-in codes for `people`, valid for `ttl` (the demo prints them as links).
pub fn issue_sign_in_codes(
    data_dir: &std::path::Path,
    people: &[Principal],
    ttl: std::time::Duration,
) -> std::io::Result<Vec<String>> {
    let now = chrono::Utc::now().timestamp();
    codes::Codes::new(data_dir).issue(people, now, now + ttl.as_secs() as i64)
}
