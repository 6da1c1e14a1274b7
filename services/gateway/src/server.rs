//! The HTTP server: GraphQL over HTTP and websockets, health, readiness and metrics.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::answers::AnswerCache;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cla_event_store::{EmbeddedStore, EventStore, KurrentDbStore};
use cla_platform::Role;
use cla_platform::metrics::{Exposition, Metrics};
use cla_platform::projection::{Projection, ProjectionHub, SnapshotConfig};
use cla_platform::reactor::ReactorCheckpoint;
use cla_platform::watch::{Heartbeats, Hooks, Watchdog};
use cla_platform::{AppError, Runtime};
use cla_registry::RegistryView;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth::Auth;
use crate::config::{Backend, Config};
use crate::schema::{self, ClaSchema};

/// What every handler shares, behind one count: a request's handlers clone it (axum's `State`),
/// and cloning every application layer's handles for each request would cost more than many
/// of its answers do.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct SharedState {
    pub schema: ClaSchema,
    /// The same schema for queries that give no idempotency key (see [`schema::Schemas`]).
    pub reading: ClaSchema,
    /// The schema answering operations that ask only about the schema (see
    /// [`crate::schema::introspection`]).
    pub introspection: ClaSchema,
    /// Automatic persisted queries: the queries known by their hash.
    pub persisted: Arc<crate::http::persisted::PersistedQueries>,
    /// Every context's application layer, for the doors that are not GraphQL.
    pub apps: crate::schema::Apps,
    pub store: Arc<dyn EventStore>,
    pub clock: Arc<dyn cla_platform::clock::Clock>,
    pub detector: Arc<cla_risk::detector::Detector>,
    /// The alert watch (tests look with it on their own clock).
    pub monitor: Arc<cla_alerts::Monitor>,
    /// The periodic parts' last completed scans (`/readyz`, `/metrics`, the watchdog).
    pub heartbeats: Arc<Heartbeats>,
    /// What the watchdog does when a periodic part stalls or recovers.
    pub watch_hooks: Hooks,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    pub hub: Arc<ProjectionHub>,
    /// Answers to queries, kept while the read models have not moved.
    pub answers: Arc<AnswerCache>,
    /// Rates, caps, budgets and metric labels.
    pub limits: Arc<crate::limits::Limits>,
    /// The escalation worker: incidents, their steps and notifications.
    pub escalation: Arc<cla_alerts::escalation::Escalation>,
    /// The alerts read model (`/metrics` counts the active alerts).
    pub alerts: Arc<cla_alerts::AlertsView>,
    /// Personal data's keys, and the looks at it every door records.
    pub personal: Arc<cla_platform::personal::PersonalData>,
}

/// The application and its background tasks (feeding the projections, reacting to events).
pub struct App {
    pub state: AppState,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("event store: {0}")]
    Store(#[from] cla_event_store::StoreError),
    #[error("sign-in: {0}")]
    Auth(#[from] crate::auth::AuthSetupError),
    #[error("web app: {0}")]
    Web(#[from] cla_web::WebError),
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("personal data's keys: {0}")]
    Vault(#[from] cla_vault::VaultError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The master key wrapping personal data's keys: `master_key`, else `master_key_file`, else
/// (development and the demo) `<data_dir>/master-key`, generated there at first run where
/// `generate` holds (the log says where, and that this is for development only).
pub fn master_key(
    config: &Config,
    generate: bool,
) -> Result<cla_vault::LocalMasterKey, cla_vault::VaultError> {
    use cla_vault::{LocalMasterKey, MasterKeyOrigin};
    Ok(match (&config.master_key, &config.master_key_file) {
        (Some(hex), _) => LocalMasterKey::from_hex(hex.expose()).map_err(|message| {
            cla_vault::VaultError::MasterKey {
                path: "master_key (CLA_MASTER_KEY)".into(),
                message,
            }
        })?,
        (None, Some(path)) => LocalMasterKey::load_or_generate(path, false)?.0,
        (None, None) => {
            let path = config.data_dir.join("master-key");
            let (key, origin) = LocalMasterKey::load_or_generate(&path, generate)?;
            match origin {
                MasterKeyOrigin::Generated(path) => tracing::warn!(
                    path = %path.display(),
                    "generated a master key for personal data in the data directory: for development \
                     only; production sets master_key_file (or CLA_MASTER_KEY) outside the data \
                     directory, and keeps a copy: losing it loses every restricted field"
                ),
                _ => tracing::warn!(
                    path = %path.display(),
                    "the master key of personal data is kept in the data directory: for development only"
                ),
            }
            key
        }
    })
}

/// Opens the key store of personal data (`<data_dir>/keys/keys.db`) under the master key (see
/// [`master_key`]).
pub fn open_personal_data(
    config: &Config,
) -> Result<Arc<cla_platform::personal::PersonalData>, StartError> {
    keep_private(&config.data_dir)?;
    let master = master_key(config, true)?;
    let keys = cla_vault::KeyStore::open(&key_store_path(config), Arc::new(master))?;
    Ok(cla_platform::personal::PersonalData::with_keys(Arc::new(
        keys,
    )))
}

/// Where the key store of personal data is.
pub fn key_store_path(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("keys").join("keys.db")
}

/// Where the embedded store's database is.
pub fn events_path(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("events").join("events.db")
}

/// Opens the configured store.
pub fn open_store(config: &Config) -> Result<Arc<dyn EventStore>, StartError> {
    keep_private(&config.data_dir)?;
    Ok(match config.store {
        Backend::Embedded => Arc::new(EmbeddedStore::open(config.data_dir.join("events"))?),
        Backend::Kurrentdb => Arc::new(KurrentDbStore::new(
            config
                .kurrentdb_url
                .as_ref()
                .expect("checked by config")
                .expose(),
        )?),
    })
}

/// This machine's name, for a worker's claims (which replica sent what).
fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "cla".into())
}

/// Makes the data directory the owner's alone (0700), and every file and directory this process
/// creates from now on too (0600/0700), whatever the umask it was started with: the store, the
/// snapshot and the reactors' checkpoints hold personal data. The umask is the process's, so the
/// embedded store's own files (its WAL included) are covered without reaching into SQLite.
pub fn keep_private(data_dir: &std::path::Path) -> Result<(), StartError> {
    let failed = |source| StartError::DataDir {
        path: data_dir.display().to_string(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        // SAFETY: umask only sets the process's file-creation mask and cannot fail.
        unsafe {
            libc::umask(0o077);
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(failed)?;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(failed)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(data_dir).map_err(failed)?;
    Ok(())
}

/// The read models' reading of events, with their names: a snapshot written under another is not
/// used. Raise it whenever a projection reads events differently or keeps another part.
pub const PROJECTIONS_VERSION: &str = "4 personal-data-access registry staff staffing risk(check-in columns, deployments) supervision alerts field(follow-ups) escalation";

/// Builds the application over a store: projections fed, schema ready.
pub fn app(
    config: &Config,
    store: Arc<dyn EventStore>,
    clock: Arc<dyn cla_platform::clock::Clock>,
) -> Result<App, StartError> {
    let auth = Arc::new(Auth::load(config)?);
    let metrics = Arc::new(Metrics::default());
    metrics.register_collector(Box::new(cla_platform::metrics::ProcessCollector));
    let personal = open_personal_data(config)?;
    let store = personal.seal_store(store);
    let store = cla_platform::metrics::TimedStore::wrap(store, Arc::clone(&metrics));
    let registry = Arc::new(RegistryView::default());
    let staff = Arc::new(cla_staff::StaffView::default());
    let staffing = Arc::new(cla_staffing::StaffingView::default());
    let risk = Arc::new(cla_risk::RiskView::default());
    let supervision = Arc::new(cla_supervision::SupervisionView::default());
    let alerts = Arc::new(cla_alerts::AlertsView::default());
    let field = Arc::new(cla_field::FieldView::default());
    let escalation_view = Arc::new(cla_alerts::escalation::EscalationView::default());
    let access = Arc::new(cla_staff::projections::access::AccessLog::default());
    let projections: Vec<Arc<dyn Projection>> = vec![
        access.clone(),
        escalation_view.clone(),
        registry.clone(),
        staff.clone(),
        staffing.clone(),
        risk.clone(),
        supervision.clone(),
        alerts.clone(),
        field.clone(),
    ];
    let snapshots = (config.snapshot_every_events > 0).then(|| SnapshotConfig {
        path: config.data_dir.join("projections").join("snapshot.bin"),
        version: PROJECTIONS_VERSION.to_string(),
        every: config.snapshot_every_events,
    });
    let hub = ProjectionHub::new(Arc::clone(&store), projections, snapshots);
    let feeding = hub.start();
    let runtime = Runtime {
        store: Arc::clone(&store),
        hub: Arc::clone(&hub),
        metrics: Arc::clone(&metrics),
        settle_timeout: config.settle_timeout(),
        states: Default::default(),
        personal: Arc::clone(&personal),
    };
    let reactors = config.data_dir.join("reactors");
    let reactor = cla_staffing::reactor::spawn_closure_reactor(
        Arc::clone(&runtime.store),
        runtime.clone(),
        Arc::clone(&staffing),
        ReactorCheckpoint::new(Some(reactors.join("base-closing-exposures"))),
    );
    let detector = Arc::new(cla_risk::detector::Detector {
        runtime: runtime.clone(),
        clock: Arc::clone(&clock),
        registry: Arc::clone(&registry),
        staffing: Arc::clone(&staffing),
        risk: Arc::clone(&risk),
        escalate_after_periods: cla_risk::detector::ESCALATE_AFTER_PERIODS,
    });
    let monitor = Arc::new(cla_alerts::Monitor {
        runtime: runtime.clone(),
        clock: Arc::clone(&clock),
        registry: Arc::clone(&registry),
        staff: Arc::clone(&staff),
        staffing: Arc::clone(&staffing),
        supervision: Arc::clone(&supervision),
    });
    let notifier = notifier(config);
    let link_key = match &config.ack_link_key {
        Some(key) => key.expose().trim().as_bytes().to_vec(),
        None => crate::auth::data_dir_secret(
            &config.data_dir,
            "link-key",
            "the acknowledge links' key",
            "voids every acknowledge link sent",
        )?,
    };
    let escalation = Arc::new(cla_alerts::escalation::Escalation {
        runtime: runtime.clone(),
        clock: Arc::clone(&clock),
        view: escalation_view,
        registry: Arc::clone(&registry),
        staff: Arc::clone(&staff),
        supervision: Arc::clone(&supervision),
        risk: Arc::clone(&risk),
        sender: Arc::new(crate::notify::Channels(notifier.clone())),
        links: cla_alerts::escalation::links::Links::new(
            &link_key,
            &config.public_url(),
            chrono::Duration::hours(i64::try_from(config.ack_link_hours).unwrap_or(72)),
        ),
        worker: format!("{}-{}", hostname(), std::process::id()),
        lease: chrono::Duration::seconds(
            i64::try_from(config.notification_lease_seconds).unwrap_or(60),
        ),
        concurrency: 64,
        counters: Default::default(),
    });
    let mut tasks = vec![feeding, reactor];
    tasks.push(
        Arc::clone(&escalation).spawn_opener(ReactorCheckpoint::new(Some(
            reactors.join("escalation-opener"),
        ))),
    );
    let heartbeats: Arc<cla_platform::watch::Heartbeats> = Arc::default();
    if config.escalation_interval_ms > 0 {
        tasks.push(Arc::clone(&escalation).spawn(
            std::time::Duration::from_millis(config.escalation_interval_ms),
            &heartbeats,
        ));
    }
    tasks.extend(auth.keep_keys_fresh());
    tasks.push(cla_risk::detector::spawn_closure_reactor(
        Arc::clone(&runtime.store),
        runtime.clone(),
        Arc::clone(&clock),
        ReactorCheckpoint::new(Some(reactors.join("closure-exposure-flags"))),
    ));
    let (schema::Schemas { schema, reading }, apps) = schema::build(
        config.max_query_depth,
        config.max_query_complexity,
        schema::Parts {
            runtime,
            registry,
            staff,
            staffing,
            risk,
            supervision,
            alerts: Arc::clone(&alerts),
            clock: Arc::clone(&clock),
            detector: Arc::clone(&detector),
            idempotency_retention: config.idempotency_retention(),
            field,
            sms: config
                .sms_settings()
                .expect("SMS settings checked by config"),
            escalation: Arc::clone(&escalation),
            notifier,
            access,
        },
    );
    let limits = Arc::new(crate::limits::Limits::new(config, &schema));
    let state = AppState::new(SharedState {
        limits,
        schema,
        reading,
        introspection: crate::schema::introspection(config.max_query_complexity),
        persisted: Arc::default(),
        apps,
        store,
        clock,
        detector,
        monitor,
        escalation: Arc::clone(&escalation),
        alerts,
        heartbeats,
        watch_hooks: watch_hooks(&escalation),
        auth,
        metrics,
        hub,
        answers: Arc::new(AnswerCache::new(
            std::time::Duration::from_millis(config.answer_cache_ms),
            512,
        )),
        personal: Arc::clone(&personal),
    });
    tasks.push(personal.spawn_flusher(std::time::Duration::from_secs(1)));
    let every = std::time::Duration::from_secs(config.scan_interval_seconds);
    if config.erase_after_separation_days > 0 && !every.is_zero() {
        tasks.push(spawn_retention(
            state.apps.staff.clone(),
            Arc::clone(&state.clock),
            config.erase_after_separation_days,
            every,
        ));
    }
    tasks.extend(
        spawn_scanners(&state, every, state.watch_hooks.clone())
            .into_iter()
            .map(|(_, task)| task),
    );
    Ok(App { state, tasks })
}

/// The retention rule, applied every `every`: a staff member separated `days` days ago or more
/// has their personal data erased (by the system, the reason saying so).
fn spawn_retention(
    staff: cla_staff::StaffApp,
    clock: Arc<dyn cla_platform::clock::Clock>,
    days: u64,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match staff.apply_retention(clock.now().date_naive(), days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(erased = n, "the retention rule erased personal data"),
                Err(e) => {
                    tracing::warn!(code = %e.code, "the retention rule could not run: {}", e.message)
                }
            }
        }
    })
}

/// What the watchdog does: logs, and tells every mission's named contacts directly through the
/// channels (not through the escalation worker, which may be the part that stopped).
fn watch_hooks(escalation: &Arc<cla_alerts::escalation::Escalation>) -> Hooks {
    let logged = Hooks::default();
    let tell = Arc::clone(escalation);
    let log = Arc::clone(&logged.on_stall);
    Hooks {
        on_stall: Arc::new(move |stalled| {
            log(stalled.clone());
            let tell = Arc::clone(&tell);
            tokio::spawn(async move { tell.tell_stall(stalled.part, &stalled.to_string()).await });
        }),
        on_recovery: logged.on_recovery,
    }
}

/// The name of the watchdog's task among the scanners' (see [`Running::stop_scanner`]).
pub const WATCHDOG: &str = "watchdog";

/// Starts the periodic parts on a schedule — the risk detector and the alert watch, each marking
/// its scans in the heartbeats — and the watchdog over them, on a task of its own that goes on
/// when they hang, calling `hooks`. Nothing for a zero interval. Each task with its name.
fn spawn_scanners(
    state: &AppState,
    every: std::time::Duration,
    hooks: Hooks,
) -> Vec<(&'static str, tokio::task::JoinHandle<()>)> {
    if every.is_zero() {
        return Vec::new();
    }
    let watchdog = Watchdog::new(
        Arc::clone(&state.heartbeats),
        Arc::clone(&state.clock),
        hooks,
    );
    vec![
        (
            cla_risk::detector::WATCHED_AS,
            Arc::clone(&state.detector).spawn(every, &state.heartbeats),
        ),
        (
            cla_alerts::monitor::WATCHED_AS,
            Arc::clone(&state.monitor).spawn(every, &state.heartbeats),
        ),
        (WATCHDOG, watchdog.spawn(every)),
    ]
}

/// The outbound channels, as configured (checked when the configuration was loaded).
fn notifier(config: &Config) -> cla_notify::Notifier {
    let notifier = cla_notify::Notifier::new(config.notify_settings())
        .expect("outbound settings checked by config");
    if config.sms_vonage_signature_secret.is_some()
        && !notifier.has_sms_gateway(cla_notify::SmsGateway::Vonage)
    {
        tracing::warn!(
            "replies to SMS received through Vonage are off: set sms_vonage_api_key and \
             sms_vonage_api_secret to send them"
        );
    }
    notifier
}

/// Every request as one through its door, its looks at restricted data recorded before it is
/// answered: where they cannot be recorded, nothing is shown (503).
async fn recorded_looks(
    axum::extract::State(personal): axum::extract::State<Arc<cla_platform::personal::PersonalData>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    let door = if path.starts_with("/graphql") {
        "graphql"
    } else if path.starts_with("/export/personal-data/") {
        "export"
    } else if path.starts_with("/export/") || path.starts_with("/import/") {
        "csv"
    } else if path.starts_with("/sms/") {
        "sms"
    } else if path.starts_with("/ack/") {
        "ack"
    } else {
        "web"
    };
    let (response, recorded) = personal.scope(door, next.run(request)).await;
    if recorded {
        response
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the store cannot record who looked at restricted data now: try again",
        )
            .into_response()
    }
}

/// Every route: the API's, and the web app's (`web`, see [`web_app`]) at `/`.
pub fn router(state: AppState, config: &Config, web: Router) -> Router {
    let personal = Arc::clone(&state.personal);
    Router::new()
        .route(
            "/graphql",
            get(crate::http::graphql::graphql).post(crate::http::graphql::graphql),
        )
        .route("/graphql/ws", get(websocket))
        .route("/graphiql/{name}", get(crate::http::graphiql::serve))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/import/staff", post(import_staff))
        .route("/import/deployments", post(import_deployments))
        .route("/export/board.csv", get(export_board))
        .route("/export/staff.csv", get(export_staff))
        .route("/export/hq-review.csv", get(export_review))
        .route(
            "/export/personal-data/{staff_id}",
            get(export_personal_data),
        )
        .route("/sms/{gateway}", post(crate::sms::webhook))
        .route(
            "/ack/{token}",
            get(crate::ack::show).post(crate::ack::acknowledge),
        )
        .with_state(state)
        .merge(web)
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout(),
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&personal),
            recorded_looks,
        ))
        .route_layer(axum::middleware::from_fn(crate::telemetry::request_span))
        // Field offices pay per megabyte: GraphQL answers, CSV and pages go out compressed (gzip
        // or brotli, as the client asks). Event streams and websockets are left as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(cors(config))
}

/// The web app, rendered from the application layers this server serves with, as the signed-in
/// person; signing in through the identity provider where `web_oidc_client_id` is set.
pub fn web_app(state: &AppState, config: &Config, addr: SocketAddr) -> Result<Router, StartError> {
    let apps = &state.apps;
    let board_apps = apps.clone();
    let review_apps = apps.clone();
    let import_apps = apps.clone();
    let address = config.web_address(addr);
    let settings = cla_web::WebSettings {
        apps: cla_web::WebApps {
            registry: apps.registry.clone(),
            staff: apps.staff.clone(),
            staffing: apps.staffing.clone(),
            risk: apps.risk.clone(),
            supervision: apps.supervision.clone(),
            escalation: apps.escalation.clone(),
            alerts: apps.alerts.clone(),
            reporting: apps.reporting.clone(),
            field: apps.field.clone(),
        },
        claims: state.auth.claims_mapping().clone(),
        oidc: match (&config.web_oidc_client_id, &config.oidc_issuer_url) {
            (Some(client_id), Some(issuer)) => Some(cla_web::oidc::OidcSettings {
                issuer_url: issuer.clone(),
                client_id: client_id.clone(),
                client_secret: config
                    .web_oidc_client_secret
                    .as_ref()
                    .map(|s| s.expose().to_string()),
                redirect_url: format!("{address}/sign-in/callback"),
                scopes: config.web_oidc_scopes.clone(),
            }),
            _ => None,
        },
        data_dir: config.data_dir.clone(),
        secure_cookies: address.starts_with("https://"),
        session_ttl: std::time::Duration::from_secs(config.web_session_hours * 3600),
        board_csv: Arc::new(move |who, mission, as_of, locale| {
            crate::csvio::Dialect::parse(locale)
                .and_then(|d| crate::csvio::export_board(&board_apps, who, mission, as_of, d))
                .map_err(|r| cla_web::ExportRefusal {
                    code: r.code,
                    message: r.message,
                })
        }),
        review_csv: Arc::new(move |who, as_of, locale| {
            crate::csvio::Dialect::parse(locale)
                .and_then(|d| crate::csvio::export_review(&review_apps, who, as_of, d))
                .map_err(|r| cla_web::ExportRefusal {
                    code: r.code,
                    message: r.message,
                })
        }),
        imports: cla_web::Imports {
            importable: Arc::new(|who, mission| {
                let (staff, deployments) = crate::csvio::importable(who, mission);
                [
                    (staff, cla_web::ImportKind::Staff),
                    (deployments, cla_web::ImportKind::Deployments),
                ]
                .into_iter()
                .filter_map(|(may, kind)| may.then_some(kind))
                .collect()
            }),
            run: Arc::new(move |who, request| {
                let apps = import_apps.clone();
                Box::pin(async move {
                    let refusal = |r: crate::csvio::Refusal| cla_web::ExportRefusal {
                        code: r.code,
                        message: r.message,
                    };
                    let dialect =
                        crate::csvio::Dialect::parse(request.locale.as_deref()).map_err(refusal)?;
                    let (mission, text) = (&request.mission, &request.text);
                    let report = match request.kind {
                        cla_web::ImportKind::Staff => {
                            crate::csvio::import_staff(
                                &apps,
                                &who,
                                mission,
                                text,
                                dialect,
                                request.dry_run,
                            )
                            .await
                        }
                        cla_web::ImportKind::Deployments => {
                            crate::csvio::import_deployments(
                                &apps,
                                &who,
                                mission,
                                text,
                                dialect,
                                request.dry_run,
                            )
                            .await
                        }
                    }
                    .map_err(refusal)?;
                    Ok(cla_web::ImportOutcome {
                        rows: report.rows,
                        created: report.created,
                        unchanged: report.unchanged,
                        applied: report.applied,
                        errors: report
                            .errors
                            .into_iter()
                            .map(|e| cla_web::ImportError {
                                line: e.line,
                                column: e.column,
                                problem: e.problem,
                            })
                            .collect(),
                    })
                })
            }),
        },
        clock: Arc::clone(&state.clock),
    };
    cla_web::router(settings).map_err(StartError::Web)
}

/// Cross-origin calls from the configured origins only; with none configured, the layer adds no
/// header and browsers refuse every cross-origin call.
fn cors(config: &Config) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<axum::http::HeaderValue> = config
        .cors_allowed_origins
        .iter()
        .filter_map(|o| o.parse().ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("idempotency-key"),
        ])
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    /// Where `/metrics` is served when it has its own listener (`metrics_listen`).
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The periodic parts and their watchdog, by name, started by [`Running::spawn_scanners`].
    scanners: Vec<(&'static str, tokio::task::JoinHandle<()>)>,
}

impl Running {
    /// Starts the risk detector and the alert watch on a schedule, and the watchdog over them
    /// with the state's hooks (for a server started with `scan_interval_seconds = 0`, once what
    /// it must do first is done).
    pub fn spawn_scanners(&mut self, every: std::time::Duration) {
        let hooks = self.state.watch_hooks.clone();
        self.spawn_scanners_with(every, hooks);
    }

    /// [`Running::spawn_scanners`], the watchdog calling `hooks`.
    pub fn spawn_scanners_with(&mut self, every: std::time::Duration, hooks: Hooks) {
        self.scanners
            .extend(spawn_scanners(&self.state, every, hooks));
    }

    /// Stops one of the tasks [`Running::spawn_scanners`] started (`detector`, `monitor`,
    /// [`WATCHDOG`]), as if it had died, and returns once it has: whether there was one.
    pub async fn stop_scanner(&mut self, name: &str) -> bool {
        let (stopping, kept) = std::mem::take(&mut self.scanners)
            .into_iter()
            .partition::<Vec<_>, _>(|(n, _)| *n == name);
        self.scanners = kept;
        let stopped = !stopping.is_empty();
        for (_, task) in stopping {
            task.abort();
            let _ = task.await;
        }
        stopped
    }

    /// Stops accepting requests, finishes those under way, stops the background tasks and
    /// releases the store (and with it the data directory).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.background
            .extend(self.scanners.drain(..).map(|(_, task)| task));
        for task in &self.background {
            task.abort();
        }
        for task in self.background.drain(..) {
            let _ = task.await;
        }
        if let Err(e) = self.state.hub.save_snapshot() {
            tracing::warn!(error = %e, "could not write the projections' snapshot");
        }
    }
}

/// Starts serving on `config.listen` (port 0 picks a free one), on the system clock.
pub async fn start(config: &Config) -> Result<Running, StartError> {
    start_with_clock(config, Arc::new(cla_platform::clock::SystemClock)).await
}

/// Starts serving with the given clock (tests drive time with a manual one).
pub async fn start_with_clock(
    config: &Config,
    clock: Arc<dyn cla_platform::clock::Clock>,
) -> Result<Running, StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    // Links in notifications name the address actually listened on (port 0 picks one).
    let mut bound = config.clone();
    bound.listen = addr;
    let config = &bound;
    let store = open_store(config)?;
    let App { state, tasks } = app(config, store, clock)?;
    let router = router(state.clone(), config, web_app(&state, config, addr)?);
    let timeouts = crate::http::serve::Timeouts {
        header_read: config.header_read_timeout(),
        idle: config.idle_timeout(),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (stop_metrics, metrics_stopping) = tokio::sync::oneshot::channel::<()>();
    let metrics_addr = match config.metrics_listen {
        None => None,
        Some(at) => {
            let listener = tokio::net::TcpListener::bind(at)
                .await
                .map_err(|source| StartError::Listen { addr: at, source })?;
            let bound = listener
                .local_addr()
                .map_err(|source| StartError::Listen { addr: at, source })?;
            let metrics = metrics_router(state.clone());
            tokio::spawn(crate::http::serve::serve(
                listener,
                metrics,
                timeouts,
                async move {
                    let _ = metrics_stopping.await;
                },
            ));
            Some(bound)
        }
    };
    let task = tokio::spawn(async move {
        crate::http::serve::serve(listener, router, timeouts, async move {
            let _ = rx.await;
        })
        .await;
        let _ = stop_metrics.send(());
    });
    Ok(Running {
        addr,
        metrics_addr,
        state,
        shutdown: Some(tx),
        task,
        background: tasks,
        scanners: Vec::new(),
    })
}

fn error_body(error: AppError) -> serde_json::Value {
    let mut extensions = serde_json::json!({ "code": error.code.as_str() });
    if let Some(field) = &error.field {
        extensions["field"] = serde_json::json!(field);
    }
    serde_json::json!({ "errors": [{ "message": error.message, "extensions": extensions }] })
}

/// A caller over their rate: 429, when to come back, and a JSON error.
pub fn rate_limited(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut body = error_body(AppError::new(
        cla_platform::error::ErrorCode::Unavailable,
        format!("too many requests from this caller: try again in {seconds} s"),
    ));
    body["errors"][0]["extensions"]["code"] = serde_json::json!("RATE_LIMITED");
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.to_string())],
        axum::Json(body),
    )
        .into_response()
}

pub fn unauthorized(error: AppError) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(error_body(error)),
    )
        .into_response()
}

/// Websocket subscriptions, speaking `graphql-transport-ws` and `graphql-ws`. The token comes in
/// the connection-init payload, as `Authorization: "Bearer …"` (or `authorization`, `token`).
async fn websocket(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = app.schema.clone();
    let auth = Arc::clone(&app.auth);
    // A message is a request: no larger than a request body may be.
    let largest = app.limits.max_body_bytes;
    let metrics = Arc::clone(&app.metrics);
    upgrade
        .max_message_size(largest)
        .max_frame_size(largest)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            // A socket is one request: what it runs carries one correlation id, in its span too.
            let correlation_id = uuid::Uuid::now_v7();
            let span = tracing::info_span!("websocket", correlation_id = %correlation_id);
            // The socket lives no longer than its token (closed with 4403 at its expiry).
            let (lifetime, sink, stream) = crate::lifetime::bound(socket);
            let expiry = lifetime.expiry();
            let served = GraphQLWebSocket::new_with_pair(sink, stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let token = ["Authorization", "authorization", "token", "authToken"]
                        .iter()
                        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .map(|t| {
                            if t.starts_with("Bearer ") || t.starts_with("bearer ") {
                                t.to_string()
                            } else {
                                format!("Bearer {t}")
                            }
                        });
                    let signed_in = auth.sign_in(token.as_deref()).await?;
                    expiry.set(signed_in.expires_at);
                    let mut data = async_graphql::Data::default();
                    data.insert(signed_in.principal);
                    Ok(data)
                })
                .serve();
            let open = metrics.websocket_opened();
            let served = async move {
                lifetime.serve(served).await;
                drop(open);
            };
            tracing::Instrument::instrument(
                cla_platform::correlation::within(correlation_id, served),
                span,
            )
        })
}

/// 200 `ready` once the read models have caught up with the store and every periodic part has
/// completed a scan lately; 503 otherwise, one line per reason (the lag, each stalled part by name
/// and time: nothing personal).
async fn readyz(State(app): State<AppState>) -> Response {
    let mut unready = Vec::new();
    match app.hub.lag().await {
        Ok(0) if app.hub.caught_up().await => {}
        Ok(lag) => unready.push(format!("projections are {lag} events behind the store")),
        Err(e) => unready.push(e.describe()),
    }
    let stalled = app.heartbeats.stalled(app.clock.now());
    unready.extend(stalled.iter().map(ToString::to_string));
    if unready.is_empty() {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, unready.join("\n")).into_response()
    }
}

/// `/metrics` on the main listener: to an ADMIN token or the metrics token; not there at all
/// where the metrics have their own listener.
async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if app.limits.metrics_elsewhere {
        return StatusCode::NOT_FOUND.into_response();
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = authorization.and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    if !token.is_some_and(|t| app.limits.is_metrics_token(t.trim())) {
        match app.auth.authenticate(authorization).await {
            Ok(who) if who.has(Role::Admin) => {}
            Ok(_) => {
                return refusal_response(crate::csvio::Refusal {
                    code: "FORBIDDEN".into(),
                    message: "the metrics are for ADMIN tokens and the metrics token".into(),
                    field: None,
                });
            }
            Err(e) => return unauthorized(e),
        }
    }
    render_metrics(&app, &headers).await
}

/// `/metrics` on its own listener (`metrics_listen`): for the scraper, unauthenticated.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(
                |State(app): State<AppState>, headers: HeaderMap| async move {
                    render_metrics(&app, &headers).await
                },
            ),
        )
        .with_state(state)
}

async fn render_metrics(app: &AppState, headers: &HeaderMap) -> Response {
    let exposition =
        Exposition::negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let scrape = crate::figures::Scrape::read(app).await;
    (
        [(header::CONTENT_TYPE, exposition.content_type())],
        app.metrics.render(exposition, scrape),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// CSV: imports (POST the file as the body) and downloads, as the signed-in caller.

type Params = Query<std::collections::HashMap<String, String>>;

fn refusal_response(r: crate::csvio::Refusal) -> Response {
    let status = match r.code.as_str() {
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "VALIDATION" => StatusCode::BAD_REQUEST,
        "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut error = AppError::validation("", r.message);
    error.field = r.field;
    let mut body = error_body(error);
    body["errors"][0]["extensions"]["code"] = serde_json::json!(r.code);
    (status, axum::Json(body)).into_response()
}

/// The caller, and the mission the request names (`missionCode`).
async fn caller(
    app: &AppState,
    headers: &HeaderMap,
    params: &std::collections::HashMap<String, String>,
    needs_mission: bool,
) -> Result<(cla_platform::access::Principal, String), Box<Response>> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let who = app
        .auth
        .authenticate(authorization)
        .await
        .map_err(|e| Box::new(unauthorized(e)))?;
    app.limits
        .admit(&who.id)
        .map_err(|wait| Box::new(rate_limited(wait)))?;
    let mission = params.get("missionCode").cloned().unwrap_or_default();
    if needs_mission && mission.is_empty() {
        return Err(Box::new(refusal_response(crate::csvio::Refusal {
            code: "VALIDATION".into(),
            message: "name the mission: ?missionCode=…".into(),
            field: Some("missionCode".into()),
        })));
    }
    Ok((who, mission))
}

fn import_answer(report: Result<crate::csvio::ImportReport, crate::csvio::Refusal>) -> Response {
    match report {
        Ok(r) if r.errors.is_empty() => (StatusCode::OK, axum::Json(r)).into_response(),
        Ok(r) => (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(r)).into_response(),
        Err(e) => refusal_response(e),
    }
}

/// The file's dialect (`?locale=fr`: `;`, a BOM, dd/mm/yyyy); the default RFC 4180.
fn dialect(
    params: &std::collections::HashMap<String, String>,
) -> Result<crate::csvio::Dialect, crate::csvio::Refusal> {
    crate::csvio::Dialect::parse(params.get("locale").map(String::as_str))
}

fn dry_run(params: &std::collections::HashMap<String, String>) -> bool {
    params
        .get("dryRun")
        .is_some_and(|v| v == "true" || v == "1")
}

async fn import_staff(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
    body: String,
) -> Response {
    let (who, mission) = match caller(&app, &headers, &params, true).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let dialect = match dialect(&params) {
        Ok(d) => d,
        Err(r) => return refusal_response(r),
    };
    import_answer(
        crate::csvio::import_staff(&app.apps, &who, &mission, &body, dialect, dry_run(&params))
            .await,
    )
}

async fn import_deployments(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
    body: String,
) -> Response {
    let (who, mission) = match caller(&app, &headers, &params, true).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let dialect = match dialect(&params) {
        Ok(d) => d,
        Err(r) => return refusal_response(r),
    };
    import_answer(
        crate::csvio::import_deployments(
            &app.apps,
            &who,
            &mission,
            &body,
            dialect,
            dry_run(&params),
        )
        .await,
    )
}

fn csv_answer(name: String, outcome: Result<String, crate::csvio::Refusal>) -> Response {
    match outcome {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => refusal_response(e),
    }
}

async fn export_board(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (who, mission) = match caller(&app, &headers, &params, true).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let as_of = params.get("asOf").map(String::as_str);
    csv_answer(
        format!("board-{mission}.csv"),
        dialect(&params)
            .and_then(|d| crate::csvio::export_board(&app.apps, &who, &mission, as_of, d)),
    )
}

async fn export_staff(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (who, mission) = match caller(&app, &headers, &params, true).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    csv_answer(
        format!("staff-{mission}.csv"),
        dialect(&params).and_then(|d| crate::csvio::export_staff(&app.apps, &who, &mission, d)),
    )
}

/// A staff member's data whole, as JSON, for a subject-access request: ADMIN only.
async fn export_personal_data(
    State(app): State<AppState>,
    axum::extract::Path(staff_id): axum::extract::Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (who, _) = match caller(&app, &headers, &params, false).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    match crate::privacy::export_personal_data(
        &app.apps,
        app.store.as_ref(),
        &app.personal,
        &who,
        &staff_id,
    )
    .await
    {
        Ok(export) => (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"personal-data-{staff_id}.json\""),
            )],
            axum::Json(export),
        )
            .into_response(),
        Err(e) => refusal_response(crate::csvio::Refusal {
            code: e.code.as_str().into(),
            message: e.message,
            field: e.field,
        }),
    }
}

async fn export_review(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Params,
) -> Response {
    let (who, _) = match caller(&app, &headers, &params, false).await {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let as_of = params.get("asOf").map(String::as_str);
    csv_answer(
        "hq-review.csv".into(),
        dialect(&params).and_then(|d| crate::csvio::export_review(&app.apps, &who, as_of, d)),
    )
}
