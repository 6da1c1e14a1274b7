//! The HTTP server: GraphQL over HTTP and websockets, health, readiness and metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::answers::{AnswerCache, Outcome};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use cla_event_store::{EmbeddedStore, EventStore, KurrentDbStore};
use cla_platform::access::Principal;
use cla_platform::metrics::Metrics;
use cla_platform::projection::{Projection, ProjectionHub, SnapshotConfig};
use cla_platform::reactor::ReactorCheckpoint;
use cla_platform::{AppError, Runtime};
use cla_registry::RegistryView;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth::Auth;
use crate::config::{Backend, Config};
use crate::schema::{self, ClaSchema};

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub schema: ClaSchema,
    /// Every context's application layer, for the doors that are not GraphQL.
    pub apps: crate::schema::Apps,
    pub store: Arc<dyn EventStore>,
    pub clock: Arc<dyn cla_platform::clock::Clock>,
    pub detector: Arc<cla_risk::detector::Detector>,
    /// The alert watch (tests look with it on their own clock).
    pub monitor: Arc<cla_alerts::Monitor>,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    pub hub: Arc<ProjectionHub>,
    /// Answers to queries, kept while the read models have not moved.
    pub answers: Arc<AnswerCache>,
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
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
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
pub const PROJECTIONS_VERSION: &str =
    "2 registry staff staffing risk(check-in columns) supervision alerts";

/// Builds the application over a store: projections fed, schema ready.
pub fn app(
    config: &Config,
    store: Arc<dyn EventStore>,
    clock: Arc<dyn cla_platform::clock::Clock>,
) -> Result<App, StartError> {
    let auth = Arc::new(Auth::load(config)?);
    let registry = Arc::new(RegistryView::default());
    let staff = Arc::new(cla_staff::StaffView::default());
    let staffing = Arc::new(cla_staffing::StaffingView::default());
    let risk = Arc::new(cla_risk::RiskView::default());
    let supervision = Arc::new(cla_supervision::SupervisionView::default());
    let alerts = Arc::new(cla_alerts::AlertsView::default());
    let projections: Vec<Arc<dyn Projection>> = vec![
        registry.clone(),
        staff.clone(),
        staffing.clone(),
        risk.clone(),
        supervision.clone(),
        alerts.clone(),
    ];
    let snapshots = (config.snapshot_every_events > 0).then(|| SnapshotConfig {
        path: config.data_dir.join("projections").join("snapshot.bin"),
        version: PROJECTIONS_VERSION.to_string(),
        every: config.snapshot_every_events,
    });
    let hub = ProjectionHub::new(Arc::clone(&store), projections, snapshots);
    let feeding = hub.start();
    let metrics = Arc::new(Metrics::default());
    let runtime = Runtime {
        store: Arc::clone(&store),
        hub: Arc::clone(&hub),
        metrics: Arc::clone(&metrics),
        settle_timeout: config.settle_timeout(),
        states: Default::default(),
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
    });
    let monitor = Arc::new(cla_alerts::Monitor {
        runtime: runtime.clone(),
        clock: Arc::clone(&clock),
        registry: Arc::clone(&registry),
        staff: Arc::clone(&staff),
        staffing: Arc::clone(&staffing),
        supervision: Arc::clone(&supervision),
    });
    let mut tasks = vec![feeding, reactor];
    tasks.extend(auth.keep_keys_fresh());
    tasks.push(cla_risk::detector::spawn_closure_reactor(
        Arc::clone(&runtime.store),
        runtime.clone(),
        Arc::clone(&clock),
        ReactorCheckpoint::new(Some(reactors.join("closure-exposure-flags"))),
    ));
    if config.scan_interval_seconds > 0 {
        tasks.push(
            Arc::clone(&detector)
                .spawn(std::time::Duration::from_secs(config.scan_interval_seconds)),
        );
        tasks.push(
            Arc::clone(&monitor)
                .spawn(std::time::Duration::from_secs(config.scan_interval_seconds)),
        );
    }
    let (schema, apps) = schema::build(
        config.max_query_depth,
        config.max_query_complexity,
        schema::Parts {
            runtime,
            registry,
            staff,
            staffing,
            risk,
            supervision,
            alerts,
            clock: Arc::clone(&clock),
            detector: Arc::clone(&detector),
        },
    );
    Ok(App {
        state: AppState {
            schema,
            apps,
            store,
            clock,
            detector,
            monitor,
            auth,
            metrics,
            hub,
            answers: Arc::new(AnswerCache::new(
                std::time::Duration::from_millis(config.answer_cache_ms),
                512,
            )),
        },
        tasks,
    })
}

pub fn router(state: AppState, config: &Config) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(websocket))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/import/staff", post(import_staff))
        .route("/import/deployments", post(import_deployments))
        .route("/export/board.csv", get(export_board))
        .route("/export/staff.csv", get(export_staff))
        .route("/export/hq-review.csv", get(export_review))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout(),
        ))
        .route_layer(axum::middleware::from_fn(crate::telemetry::request_span))
        .layer(cors(config))
        .with_state(state)
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
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Starts the risk detector and the alert watch on a schedule (for a server started with
    /// `scan_interval_seconds = 0`, once what it must do first is done).
    pub fn spawn_scanners(&mut self, every: std::time::Duration) {
        if every.is_zero() {
            return;
        }
        self.background
            .push(Arc::clone(&self.state.detector).spawn(every));
        self.background
            .push(Arc::clone(&self.state.monitor).spawn(every));
    }

    /// Stops accepting requests, finishes those under way, stops the background tasks and
    /// releases the store (and with it the data directory).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
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
    let store = open_store(config)?;
    let App { state, tasks } = app(config, store, clock)?;
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
    let router = router(state.clone(), config);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
        background: tasks,
    })
}

fn error_body(error: AppError) -> serde_json::Value {
    let mut extensions = serde_json::json!({ "code": error.code.as_str() });
    if let Some(field) = &error.field {
        extensions["field"] = serde_json::json!(field);
    }
    serde_json::json!({ "errors": [{ "message": error.message, "extensions": extensions }] })
}

fn unauthorized(error: AppError) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(error_body(error)),
    )
        .into_response()
}

async fn graphql(
    State(app): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let started = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match app.auth.authenticate(authorization).await {
        Ok(principal) => principal,
        Err(e) => {
            app.metrics
                .request("unauthenticated", "refused", started.elapsed());
            return unauthorized(e);
        }
    };
    crate::telemetry::record_caller(&principal.id);
    let request = request.into_inner();
    let no_cache = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-cache"));
    let keeping = app.answers.enabled() && !no_cache;
    // The same question from the same caller while the read models have not moved: the kept
    // answer, without reading the question again.
    let key = keeping.then(|| answer_key(&principal, &request));
    let position = app.hub.position();
    let now = app.clock.now();
    if let Some(key) = &key
        && let Some((body, operation)) = app.answers.kept(key, position, now)
    {
        crate::telemetry::record_operation(&operation);
        app.metrics.request(&operation, "ok", started.elapsed());
        app.metrics.answer(true);
        return answer_response(body);
    }
    let (operation, is_query) = classify(&request);
    crate::telemetry::record_operation(&operation);
    let Some(key) = key.filter(|_| is_query) else {
        let response = run(&app.schema, request.data(principal)).await;
        let outcome = if response.is_ok() { "ok" } else { "error" };
        app.metrics.request(&operation, outcome, started.elapsed());
        return GraphQLResponse::from(response).into_response();
    };
    let schema = app.schema.clone();
    let label = operation.clone();
    let answered = app
        .answers
        .answer(key, position, now, label, || async move {
            let response = run(&schema, request.data(principal)).await;
            if response.is_ok() {
                serde_json::to_vec(&response)
                    .map(Bytes::from)
                    .map_err(|_| GraphQLResponse::from(response))
            } else {
                Err(GraphQLResponse::from(response))
            }
        })
        .await;
    match answered {
        Ok((body, outcome)) => {
            app.metrics.request(&operation, "ok", started.elapsed());
            app.metrics.answer(outcome == Outcome::Kept);
            answer_response(body)
        }
        Err(refused) => {
            app.metrics.request(&operation, "error", started.elapsed());
            refused.into_response()
        }
    }
}

/// Runs a request, every error with its code.
async fn run(
    schema: &crate::schema::ClaSchema,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let mut response = schema.execute(request).await;
    for error in &mut response.errors {
        give_code(error);
    }
    response
}

fn answer_response(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, "application/graphql-response+json")],
        body,
    )
        .into_response()
}

/// What makes two questions the same: the caller, the operation, its text and its variables.
fn answer_key(principal: &Principal, request: &async_graphql::Request) -> String {
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    let mut key = String::with_capacity(request.query.len() + variables.len() + 128);
    key.push_str(&principal.id);
    for role in &principal.roles {
        key.push('\u{1f}');
        key.push_str(role.as_str());
    }
    for mission in &principal.missions {
        key.push('\u{1e}');
        key.push_str(mission);
    }
    key.push('\0');
    key.push_str(request.operation_name.as_deref().unwrap_or(""));
    key.push('\0');
    key.push_str(&request.query);
    key.push('\0');
    key.push_str(&variables);
    key
}

/// A request's label in the metrics, and whether the operation it runs is a query (not a
/// mutation or subscription).
fn classify(request: &async_graphql::Request) -> (String, bool) {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return ("unparsable".into(), false);
    };
    let operation = match (&document.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    let is_query = operation.is_some_and(|op| op.node.ty == OperationType::Query);
    (operation_label(request, &document), is_query)
}

/// How a request is labelled in the metrics: its operation name, else its first root field.
fn operation_label(
    request: &async_graphql::Request,
    document: &async_graphql::parser::types::ExecutableDocument,
) -> String {
    use async_graphql::parser::types::{DocumentOperations, Selection};
    if let Some(name) = &request.operation_name {
        return name.clone();
    }
    let operation = match &document.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            return ops
                .keys()
                .next()
                .map_or_else(|| "anonymous".into(), |n| n.to_string());
        }
        DocumentOperations::Multiple(_) => None,
    };
    operation
        .and_then(|op| {
            op.node
                .selection_set
                .node
                .items
                .iter()
                .find_map(|s| match &s.node {
                    Selection::Field(f) => Some(f.node.name.node.to_string()),
                    _ => None,
                })
        })
        .unwrap_or_else(|| "anonymous".into())
}

/// Errors the GraphQL engine raises itself (parse, validation, limits) get a stable code too.
fn give_code(error: &mut async_graphql::ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let code = if error.message.contains("nested too deep") {
        "QUERY_TOO_DEEP"
    } else if error.message.contains("too complex") {
        "QUERY_TOO_COMPLEX"
    } else {
        "GRAPHQL_VALIDATION"
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
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
    upgrade
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
            let served = lifetime.serve(served);
            tracing::Instrument::instrument(
                cla_platform::correlation::within(correlation_id, served),
                span,
            )
        })
}

async fn readyz(State(app): State<AppState>) -> Response {
    match app.hub.lag().await {
        Ok(0) if app.hub.caught_up().await => (StatusCode::OK, "ready").into_response(),
        Ok(lag) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("projections are {lag} events behind the store"),
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.describe()).into_response(),
    }
}

async fn metrics(State(app): State<AppState>) -> Response {
    let lag = app.hub.lag().await.unwrap_or(u64::MAX);
    let names = app.hub.names();
    let lags: Vec<(&str, u64)> = names.iter().map(|n| (*n, lag)).collect();
    let mut text = app.metrics.render(&lags);
    text.push_str(&format!(
        "# HELP cla_projections_restored_position The checkpoint the read models were restored from at start-up (0: rebuilt from the start).\n# TYPE cla_projections_restored_position gauge\ncla_projections_restored_position {}\n",
        app.hub.restored_from()
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
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
    import_answer(
        crate::csvio::import_staff(&app.apps, &who, &mission, &body, dry_run(&params)).await,
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
    import_answer(
        crate::csvio::import_deployments(&app.apps, &who, &mission, &body, dry_run(&params)).await,
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
        crate::csvio::export_board(&app.apps, &who, &mission, as_of),
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
        crate::csvio::export_staff(&app.apps, &who, &mission),
    )
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
        crate::csvio::export_review(&app.apps, &who, as_of),
    )
}
