//! The sandbox's HTTP edge: the accept loop (which can drop a connection without answering),
//! routes, auth, rate limit, fault injection, request counters and state persistence after
//! mutations. Railway's rules are not decided here (see `store`); the `/_sandbox/*` test knobs
//! are in `admin`.

mod admin;
mod dashboard;
mod fault_answers;
mod limits;
mod pull_requests;
mod request;
mod scope;
mod upstream_errors;
mod upstream_roots;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use self::fault_answers::{
    access_denied_page, bad_gateway_page, gateway_timeout_page, internal_server_error_page,
    operation_in_progress, problem_processing_request, redeploy_not_ready,
    service_unavailable_json, service_unavailable_text, too_many_requests, try_again,
};
use self::limits::{RateLimits, is_identified};
use self::request::{
    GraphqlBody, OperationSummary, bearer_token, is_public, project_access_token, summarize,
};
use super::faults::{FaultDecider, FaultKind};
use super::graphql_layer::{self, Prepared, SchemaIndex};
use super::model::State as StoredState;
use super::schema::access::Caller;
use super::schema::{self, SandboxSchema, TokenOwner};
use super::store::{DeploySettings, Limits, SharedStore, Store};
use super::{SandboxConfig, SandboxError, persist, seed};

/// A running sandbox server on the caller's tokio runtime.
pub struct Sandbox {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Loads the state (or seed), binds `listen` (port 0 allowed) and starts serving.
    pub async fn start(config: SandboxConfig, listen: SocketAddr) -> Result<Sandbox, SandboxError> {
        let state = initial_state(&config)?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: listen,
            source,
        })?;
        let limits = Limits {
            create_cooldown: config.create_cooldown,
            plan: config.plan,
            visibility_delay: config.visibility_delay,
        };
        let store = SharedStore::new(state, config.backup_duration, limits);
        store.set_instance_update_scope(config.instance_update_scope);
        store.set_template_tcp_proxy(config.database_tcp_proxy);
        store.configure_deployments(DeploySettings {
            duration: config.deploy_duration,
            outcomes: config.deploy_outcomes.iter().cloned().collect(),
        });
        let app = Arc::new(App {
            schema: schema::build(store.clone(), config.max_query_complexity),
            served_roots: served_root_fields(),
            index: SchemaIndex::from_sdl(&schema::sdl()),
            store,
            state_file: config.state_file,
            token: config.token,
            rate_limits: Mutex::new(RateLimits::new(
                config.rate_limit_per_second,
                config.rate_limit_per_hour,
            )),
            // R40
            unidentified: config
                .unidentified_rate_limit
                .map(|limit| Mutex::new(RateLimits::new(Some(limit), None))),
            slow_delay: config.slow_delay,
            latency: config.latency,
            faults: Mutex::new(FaultDecider::new(config.faults, config.fault_seed)),
            stats: Mutex::new(Stats::default()),
        });
        let router = Router::new()
            .route("/graphql/v2", post(graphql))
            .route("/_sandbox/stats", get(admin::stats))
            .route("/_sandbox/stats/reset", post(admin::reset_stats))
            .route("/_sandbox/faults", post(admin::set_faults))
            .route("/_sandbox/domains/verify", post(admin::verify_domain))
            .route("/_sandbox/domains/renames", post(admin::set_domain_renames))
            .route("/_sandbox/volumes/usage", post(admin::set_volume_usage))
            .route(
                "/_sandbox/volumes/scheduled-backup",
                post(admin::run_backup_schedule),
            )
            .route(
                "/_sandbox/deployments/outcome",
                post(admin::set_deploy_outcome),
            )
            .route(
                "/_sandbox/github/pull-requests",
                post(pull_requests::pull_request),
            )
            .route(
                "/_sandbox/environments/created-at",
                post(admin::set_environment_created_at),
            )
            .route(
                "/_sandbox/environments/stage",
                post(dashboard::stage_dashboard_edit),
            )
            .with_state(app);
        let (shutdown, shutdown_signal) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, router, shutdown_signal));
        Ok(Sandbox {
            addr,
            shutdown,
            task,
        })
    }

    /// `http://127.0.0.1:PORT/graphql/v2`
    pub fn url(&self) -> String {
        format!("{}/graphql/v2", self.base_url())
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

fn initial_state(config: &SandboxConfig) -> Result<StoredState, SandboxError> {
    if let Some(path) = &config.state_file
        && let Some(state) = persist::load(path)?
    {
        return Ok(state);
    }
    let mut state = Store::empty_state();
    if let Some(seed_path) = &config.seed_file {
        state = seed::apply_seed_file(seed_path, state)?;
        if let Some(path) = &config.state_file {
            persist::save(path, &state)?;
        }
    }
    Ok(state)
}

/// Lets a handler close its own connection without sending a response.
#[derive(Clone)]
struct ConnectionKill(Arc<Notify>);

async fn accept_loop(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let kill = Arc::new(Notify::new());
        let service = hyper_util::service::TowerToHyperService::new(
            router
                .clone()
                .layer(Extension(ConnectionKill(kill.clone()))),
        );
        let mut connection_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {}
                _ = connection_shutdown.changed() => {}
            }
        });
    }
}

pub(super) struct App {
    schema: SandboxSchema,
    /// Root fields the sandbox serves; other Railway root fields answer "not emulated".
    served_roots: BTreeSet<String>,
    /// R51: the sandbox's own types, for validation as graphql-js does it.
    index: SchemaIndex,
    pub(super) store: SharedStore,
    state_file: Option<PathBuf>,
    token: Option<String>,
    rate_limits: Mutex<RateLimits>,
    /// R40: the per-second cap on requests that do not identify their client.
    unidentified: Option<Mutex<RateLimits>>,
    slow_delay: Duration,
    latency: Duration,
    pub(super) faults: Mutex<FaultDecider>,
    pub(super) stats: Mutex<Stats>,
}

#[derive(Default)]
pub(super) struct Stats {
    pub(super) total: u64,
    pub(super) by_operation: BTreeMap<String, u64>,
    /// HTTP 429 answers, from the limits and the `ratelimit` fault alike.
    pub(super) rate_limited: u64,
    /// Injected faults by kind.
    pub(super) faults: BTreeMap<String, u64>,
    /// R40: unidentified requests the edge turned away with its HTML 403.
    pub(super) access_denied: u64,
}

/// Counters and limiter stay usable even if a holder panicked: they are plain numbers.
pub(super) fn relock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The root fields of the sandbox's own schema.
fn served_root_fields() -> BTreeSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let Ok(document) = async_graphql::parser::parse_schema(schema::sdl()) else {
        return BTreeSet::new();
    };
    document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) => Some(&ty.node),
            _ => None,
        })
        .filter(|ty| matches!(ty.name.node.as_str(), "Query" | "Mutation"))
        .filter_map(|ty| match &ty.kind {
            TypeKind::Object(object) => Some(object),
            _ => None,
        })
        .flat_map(|object| object.fields.iter().map(|f| f.node.name.node.to_string()))
        .collect()
}

/// One GraphQL error answering the whole request (HTTP 200, `data: null`).
fn whole_request_error(message: String, code: &str) -> Response {
    Json(json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": code } }],
    }))
    .into_response()
}

fn not_authorized() -> Response {
    Json(json!({
        "data": null,
        "errors": [{ "message": "Not Authorized", "extensions": { "code": "UNAUTHENTICATED" } }],
    }))
    .into_response()
}

impl App {
    fn count(&self, key: String) {
        let mut stats = relock(&self.stats);
        stats.total += 1;
        *stats.by_operation.entry(key).or_insert(0) += 1;
    }

    /// Who the request's token belongs to; `None` for no token or a refused one.
    fn caller(&self, headers: &HeaderMap) -> Option<Caller> {
        let store = self.store.lock().ok()?;
        // R34: a project token is only ever sent as `Project-Access-Token` and must be minted.
        if let Some(token) = project_access_token(headers) {
            let record = store.project_token(&token)?;
            return Some(Caller::Project {
                token_id: record.id.clone(),
                project_id: record.project_id.clone(),
                environment_id: record.environment_id.clone(),
            });
        }
        let given = bearer_token(headers)?;
        if store.is_member_token(&given) {
            return Some(Caller::Member); // R35
        }
        match &self.token {
            Some(expected) if given != *expected => None,
            _ => Some(Caller::Admin),
        }
    }

    fn denied_root_field(
        &self,
        caller: &Caller,
        body: &GraphqlBody,
        variables: &async_graphql::Variables,
    ) -> Option<String> {
        if *caller == Caller::Admin {
            return None;
        }
        let document = async_graphql::parser::parse_query(&body.query).ok()?;
        let store = self.store.lock().ok()?;
        scope::denied_root_field(
            &store,
            caller,
            &document,
            body.operation_name.as_deref(),
            variables,
        )
    }

    pub(super) fn persist(&self) {
        let Some(path) = &self.state_file else { return };
        let snapshot = match self.store.lock() {
            Ok(store) => store.state.clone(),
            Err(error) => {
                tracing::warn!(%error, "sandbox state not persisted");
                return;
            }
        };
        if let Err(error) = persist::save(path, &snapshot) {
            tracing::warn!(%error, "sandbox state not persisted");
        }
    }
}

async fn graphql(
    State(app): State<Arc<App>>,
    Extension(kill): Extension<ConnectionKill>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    if let Some(unidentified) = &app.unidentified
        && !is_identified(&headers, query.as_deref())
        && relock(unidentified).admit().refused_for.is_some()
    {
        // R40: Cloudflare turns away unidentified clients above the cap, before Railway counts.
        relock(&app.stats).access_denied += 1;
        return access_denied_page();
    }
    let body: GraphqlBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            app.count("<invalid body>".to_string());
            let message = format!("Invalid GraphQL request body: {error}");
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "errors": [{ "message": message }] })),
            )
                .into_response();
        }
    };
    let summary = summarize(&body.query, body.operation_name.as_deref());
    let key = body
        .operation_name
        .clone()
        .or_else(|| summary.root_fields.first().cloned())
        .unwrap_or_else(|| "<unparsed>".to_string());
    app.count(key);
    let admission = relock(&app.rate_limits).admit();
    let mut response = match admission.refused_for {
        None => answer(&app, &kill, &headers, body, summary).await,
        Some(retry_after_secs) => too_many_requests(retry_after_secs),
    };
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        relock(&app.stats).rate_limited += 1;
    }
    if let Some(budget) = admission.budget {
        let values = response.headers_mut();
        values.insert("x-ratelimit-limit", budget.limit.into());
        values.insert("x-ratelimit-remaining", budget.remaining.into());
        values.insert("x-ratelimit-reset", budget.reset_secs.into());
    }
    response
}

/// Everything after admission: auth, faults, execution.
async fn answer(
    app: &Arc<App>,
    kill: &ConnectionKill,
    headers: &HeaderMap,
    mut body: GraphqlBody,
    summary: OperationSummary,
) -> Response {
    let caller = match app.caller(headers) {
        Some(caller) => caller,
        // R45: Railway's CLI reads templates without a token; such a request names nothing else.
        None if is_public(&summary) => Caller::Admin,
        None => return not_authorized(),
    };
    let fault = relock(&app.faults).decide(body.operation_name.as_deref(), &summary.root_fields);
    if let Some(kind) = fault {
        *relock(&app.stats)
            .faults
            .entry(kind.to_string())
            .or_insert(0) += 1;
    }
    match fault {
        Some(FaultKind::Error500) => return internal_server_error_page(),
        Some(FaultKind::Error502) => return bad_gateway_page(),
        Some(FaultKind::RateLimit) => return too_many_requests(1),
        Some(FaultKind::Problem) => return problem_processing_request(),
        Some(FaultKind::TryAgain) => return try_again(summary.root_fields.first()),
        // R38, R39
        Some(FaultKind::RedeployNotReady) => {
            return redeploy_not_ready(summary.root_fields.first());
        }
        Some(FaultKind::InProgress) => return operation_in_progress(summary.root_fields.first()),
        Some(FaultKind::Error503Text) => return service_unavailable_text(),
        Some(FaultKind::Error503Json) => return service_unavailable_json(),
        Some(FaultKind::Error504) => return gateway_timeout_page(),
        Some(FaultKind::Reset) => return vanish(kill).await,
        Some(FaultKind::Undecrypted) => undecrypted(&mut body),
        Some(FaultKind::DropAfterCommit | FaultKind::Slow) | None => {}
    }
    if let Some(field) = upstream_errors::not_emulated(&summary.root_fields, &app.served_roots) {
        let message = upstream_errors::not_emulated_message(field);
        return whole_request_error(message, "NOT_EMULATED");
    }
    let variables = body
        .variables
        .take()
        .map(async_graphql::Variables::from_json)
        .unwrap_or_default();
    let prepared = graphql_layer::prepare(
        &app.index,
        &body.query,
        body.operation_name.as_deref(),
        &variables,
    );
    let document = match prepared {
        Prepared::Refused(errors) => {
            return Json(async_graphql::Response::from_errors(errors)).into_response();
        }
        Prepared::Ready(document) => Some(document),
        Prepared::Unparsed => None,
    };
    if let Some(field) = app.denied_root_field(&caller, &body, &variables) {
        tracing::debug!(%field, "refused outside the caller's scope");
        return not_authorized();
    }
    let owner = TokenOwner(
        bearer_token(headers)
            .or_else(|| project_access_token(headers))
            .unwrap_or_default(),
    );
    let mut request = async_graphql::Request::new(body.query)
        .variables(variables)
        .data(caller)
        .data(owner);
    if let Some(name) = body.operation_name {
        request = request.operation_name(name);
    }
    if let Some(document) = document {
        request.set_parsed_query(document); // R51
    }
    let mut response = app.schema.execute(request).await;
    tag_request_errors(&mut response, summary.parsed);
    if summary.is_mutation {
        app.persist();
    }
    match fault {
        // The effect is committed; now vanish like a response lost in transit.
        Some(FaultKind::DropAfterCommit) => return vanish(kill).await,
        Some(FaultKind::Slow) => tokio::time::sleep(app.slow_delay).await,
        _ => {}
    }
    Json(response).into_response()
}

/// R12, R27: the request's `decryptVariables` variable turned false, as Railway answers a token
/// that cannot decrypt (an inline `decryptVariables: true` in the query text is left alone).
fn undecrypted(body: &mut GraphqlBody) {
    if let Some(Value::Object(variables)) = body.variables.as_mut()
        && variables.contains_key("decryptVariables")
    {
        variables.insert("decryptVariables".into(), Value::Bool(false));
    }
}

/// Closes the request's connection without answering; never returns.
async fn vanish(kill: &ConnectionKill) -> Response {
    kill.0.notify_one();
    std::future::pending::<Response>().await
}

/// Errors outside any field (bad syntax, unknown fields or arguments) get Railway's codes.
fn tag_request_errors(response: &mut async_graphql::Response, parsed: bool) {
    let code = if parsed {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "GRAPHQL_PARSE_FAILED"
    };
    for error in &mut response.errors {
        if error.extensions.is_none() && error.path.is_empty() {
            if let Some(message) = upstream_errors::reword(&error.message) {
                error.message = message;
            }
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", code);
            error.extensions = Some(extensions);
        }
    }
}
