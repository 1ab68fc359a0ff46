//! `motcua portal-sandbox`: a public service portal for demos, training and
//! tests, implementing `docs/portal-openapi.json` over its own SQLite.
//!
//! - Accepts dossiers idempotently: the `Idempotency-Key` is unique in its
//!   database, committed (fsync) before the answer; a repeated key gets the
//!   first reference back, the same key with another body `409`.
//! - Serves the procedure catalogue (the shipped one by default).
//! - Moves dossiers through statuses over time: `received` → `processing`
//!   after one *pace* → `result_ready` after two (every
//!   `supplement_every`-th dossier goes to `supplement_requested`
//!   instead). The status is derived from the time received, so a sandbox
//!   restarted later shows where each dossier has got to; with no pace,
//!   statuses change only through the admin endpoint.
//! - Answers status look-ups and lists what it holds (`GET
//!   /api/v1/dossiers`, with a `count`): tests count deliveries there.
//! - Has a fault switch (`POST /sandbox/fault`, or
//!   [`RunningSandbox::set_fault`]): answer `500`, answer slowly (after
//!   storing the dossier: the worst case for duplicates), or answer garbage
//!   (also after storing).
//!
//! [`start`] runs it in-process (the hub does when no portal is configured;
//! the kiosk can too); [`run`] is the command.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::{Acknowledgement, PortalDossier, StatusChange, StatusReport};
use crate::domain::dossier::PortalStatus;
use crate::domain::procedure::Catalogue;
use crate::domain::time::{from_millis, to_millis};
use crate::store::{Store, StoreError};
use crate::web::extract::{Path, Query};
use crate::web::{terminated, ApiError, Clock};
use motcua_api::ErrorCode;

/// The sandbox's own schema.
pub const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE dossiers (
        id              INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        fingerprint     TEXT NOT NULL,
        code            TEXT NOT NULL,
        unit_code       TEXT NOT NULL,
        procedure       TEXT NOT NULL,
        body            TEXT NOT NULL,
        received_at_ms  INTEGER NOT NULL,
        status_override TEXT,
        override_at_ms  INTEGER
    );
    CREATE INDEX dossiers_code ON dossiers (code);
    "#];

/// Default address of `motcua portal-sandbox`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8687";

/// What the sandbox does to requests, for tests and training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Behave.
    None,
    /// Answer `500` without doing anything.
    Error,
    /// Do the work, then wait `delay` before answering.
    Slow,
    /// Do the work, then answer `200` with a body that is not JSON.
    Garbage,
}

/// The fault switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub mode: FaultMode,
    /// For [`FaultMode::Slow`].
    pub delay: Duration,
}

impl Fault {
    pub const NONE: Fault = Fault {
        mode: FaultMode::None,
        delay: Duration::ZERO,
    };
}

/// How to run a sandbox.
pub struct SandboxOptions {
    pub listen: SocketAddr,
    pub database: PathBuf,
    /// Time per status step; `None`: statuses change only by the admin
    /// endpoint.
    pub pace: Option<Duration>,
    /// Every n-th dossier (by arrival) ends in `supplement_requested`
    /// instead of `result_ready`; 0 = never.
    pub supplement_every: u32,
    pub catalogue: Catalogue,
    /// Bearer token required on `/api/v1` (none: open).
    pub token: Option<String>,
    pub clock: Option<Clock>,
}

impl SandboxOptions {
    /// Defaults: statuses move every minute, every tenth dossier asks for
    /// a supplement, the shipped catalogue, no token.
    pub fn new(listen: SocketAddr, database: PathBuf) -> Self {
        Self {
            listen,
            database,
            pace: Some(Duration::from_secs(60)),
            supplement_every: 10,
            catalogue: Catalogue::builtin(),
            token: None,
            clock: None,
        }
    }
}

struct Sandbox {
    store: Store,
    pace: Option<Duration>,
    supplement_every: u32,
    catalogue: Catalogue,
    token: Option<String>,
    fault: Mutex<Fault>,
    clock: Clock,
}

impl Sandbox {
    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    fn fault(&self) -> Fault {
        self.fault.lock().map(|f| *f).unwrap_or(Fault::NONE)
    }
}

/// A sandbox serving on a socket.
pub struct RunningSandbox {
    addr: SocketAddr,
    state: Arc<Sandbox>,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the portal URL to give the hub.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches a fault on or off.
    pub fn set_fault(&self, fault: Fault) {
        if let Ok(mut f) = self.state.fault.lock() {
            *f = fault;
        }
    }

    /// How many dossiers the sandbox holds.
    pub async fn count(&self) -> anyhow::Result<u64> {
        Ok(self
            .state
            .store
            .read(|conn| {
                conn.query_row("SELECT COUNT(*) FROM dossiers", [], |r| r.get::<_, i64>(0))
                    .map(|n| n.max(0) as u64)
                    .map_err(StoreError::from)
            })
            .await?)
    }

    /// Stops serving, lets in-flight requests finish, closes the database.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let served = self.server.await;
        let state = self.state;
        tokio::task::spawn_blocking(move || state.store.close())
            .await
            .context("closing the sandbox database")?;
        served
            .context("sandbox server task")?
            .context("sandbox server")?;
        Ok(())
    }
}

/// Opens the sandbox's database and serves it on `options.listen`.
pub async fn start(options: SandboxOptions) -> anyhow::Result<RunningSandbox> {
    let database = options.database.clone();
    let store = tokio::task::spawn_blocking(move || {
        Store::open_with(&database, MIGRATIONS, Box::new(|_| {}))
    })
    .await
    .context("opening the sandbox database")??;
    let state = Arc::new(Sandbox {
        store,
        pace: options.pace,
        supplement_every: options.supplement_every,
        catalogue: options.catalogue,
        token: options.token,
        fault: Mutex::new(Fault::NONE),
        clock: options.clock.unwrap_or_else(|| Arc::new(Utc::now)),
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let app = router(Arc::clone(&state));
    let server = tokio::spawn(async move {
        axum::serve(crate::web::refusals::JsonRefusals(listener), app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, database = %options.database.display(), "portal sandbox listening");
    Ok(RunningSandbox {
        addr,
        state,
        stop,
        server,
    })
}

/// The sandbox a hub (or a kiosk) runs in-process when no portal is
/// configured: on a free loopback port, with its database next to
/// `beside` (`motcua.db` → `motcua-portal-sandbox.db`).
pub async fn start_embedded(
    beside: &std::path::Path,
    pace: Option<Duration>,
) -> anyhow::Result<RunningSandbox> {
    let stem = beside
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "motcua".to_owned());
    let database = beside.with_file_name(format!("{stem}-portal-sandbox.db"));
    let mut options = SandboxOptions::new("127.0.0.1:0".parse().expect("static address"), database);
    options.pace = pace;
    start(options).await
}

/// `motcua portal-sandbox`: serve until Ctrl-C or SIGTERM.
pub fn run(options: SandboxOptions) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-sandbox")
        .build()?;
    runtime.block_on(async move {
        let running = start(options).await?;
        // Scripts and tests read this line to find the port.
        println!("motcua portal-sandbox listening on {}", running.base_url());
        terminated().await;
        running.shutdown().await?;
        Ok(std::process::ExitCode::SUCCESS)
    })
}

fn router(state: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/procedures", get(procedures))
        .route("/api/v1/dossiers", post(submit).get(list))
        .route("/api/v1/dossiers/{reference}", get(lookup))
        .route("/sandbox/fault", post(set_fault))
        .route("/sandbox/dossiers/{reference}/status", post(set_status))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(state)
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(_) => ApiError::internal().into_response(),
    }
}

fn reference_of(id: i64) -> String {
    format!("SBX-{id:08}")
}

fn id_of(reference: &str) -> Option<i64> {
    reference
        .strip_prefix("SBX-")
        .filter(|n| n.len() == 8)
        .and_then(|n| n.parse().ok())
}

/// Checks the bearer token, and applies the `error` fault.
fn admit(state: &Sandbox, headers: &HeaderMap) -> Result<Fault, ApiError> {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return Err(ApiError::unauthorized());
        }
    }
    let fault = state.fault();
    if fault.mode == FaultMode::Error {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::SandboxFault,
            "Lỗi giả lập của cổng thử nghiệm.",
            "Simulated portal failure.",
        ));
    }
    Ok(fault)
}

/// Applies the `slow` and `garbage` faults to an answer.
async fn deliver(fault: Fault, answer: Response) -> Response {
    match fault.mode {
        FaultMode::Slow => {
            tokio::time::sleep(fault.delay).await;
            answer
        }
        FaultMode::Garbage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>502 Bad Gateway (simulated)</body>",
        )
            .into_response(),
        _ => answer,
    }
}

async fn health() -> Response {
    json(
        StatusCode::OK,
        &serde_json::json!({ "status": "ok", "portal": "motcua-portal-sandbox" }),
    )
}

async fn procedures(State(state): State<Arc<Sandbox>>, headers: HeaderMap) -> Response {
    let fault = match admit(&state, &headers) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    deliver(fault, json(StatusCode::OK, &state.catalogue)).await
}

/// One stored dossier, as the sandbox needs it for statuses.
struct Held {
    id: i64,
    key: String,
    code: String,
    procedure: String,
    received_at_ms: i64,
    status_override: Option<(PortalStatus, i64)>,
}

const HELD_COLUMNS: &str =
    "id, idempotency_key, code, procedure, received_at_ms, status_override, override_at_ms";

fn held(row: &rusqlite::Row<'_>) -> rusqlite::Result<Held> {
    let status: Option<String> = row.get(5)?;
    let at: Option<i64> = row.get(6)?;
    Ok(Held {
        id: row.get(0)?,
        key: row.get(1)?,
        code: row.get(2)?,
        procedure: row.get(3)?,
        received_at_ms: row.get(4)?,
        status_override: status.and_then(|s| PortalStatus::parse(&s)).zip(at),
    })
}

impl Sandbox {
    /// What happened to a dossier up to `now`: derived from its arrival
    /// time and the pace, or frozen by an override.
    fn history(&self, d: &Held, now_ms: i64) -> Vec<(PortalStatus, i64)> {
        let mut steps = vec![(PortalStatus::Received, d.received_at_ms)];
        if let Some(pace) = self.pace {
            let pace = (pace.as_millis() as i64).max(1);
            let last = if self.supplement_every > 0 && d.id % i64::from(self.supplement_every) == 0
            {
                PortalStatus::SupplementRequested
            } else {
                PortalStatus::ResultReady
            };
            for (i, status) in [PortalStatus::Processing, last].into_iter().enumerate() {
                let at = d.received_at_ms + pace * (i as i64 + 1);
                if at <= now_ms {
                    steps.push((status, at));
                }
            }
        }
        if let Some((status, at)) = d.status_override {
            steps.retain(|(_, t)| *t < at);
            steps.push((status, at));
        }
        steps
    }

    fn report(&self, d: &Held, now_ms: i64) -> StatusReport {
        let history = self.history(d, now_ms);
        let status = history
            .last()
            .map(|(s, _)| *s)
            .unwrap_or(PortalStatus::Received);
        StatusReport {
            reference: reference_of(d.id),
            code: d.code.clone(),
            status,
            history: history
                .into_iter()
                .map(|(status, at)| StatusChange {
                    status,
                    at: from_millis(at).to_rfc3339(),
                })
                .collect(),
        }
    }
}

async fn submit(State(state): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let fault = match admit(&state, &headers) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_owned)
    else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::IdempotencyKeyRequired,
            "Thiếu Idempotency-Key.",
            "Idempotency-Key is required.",
        )
        .into_response();
    };
    let dossier: PortalDossier = match serde_json::from_slice(&body) {
        Ok(d) => d,
        Err(e) => return ApiError::invalid_body(&e.to_string()).into_response(),
    };
    if state.catalogue.get(&dossier.procedure).is_none() {
        return ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownProcedure,
            format!("Cổng không có thủ tục {}.", dossier.procedure),
            format!("The portal has no procedure {}.", dossier.procedure),
        )
        .into_response();
    }
    let fingerprint = hex::encode(Sha256::digest(&body));
    let now_ms = to_millis(state.now());
    let text = String::from_utf8_lossy(&body).into_owned();
    let stored = state
        .store
        .write(move |ctx| {
            let conn = ctx.conn();
            let existing: Option<(i64, String)> = conn
                .prepare_cached(
                    "SELECT id, fingerprint FROM dossiers WHERE idempotency_key = ?1",
                )?
                .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((id, fp)) = existing {
                return Ok(if fp == fingerprint {
                    Some((StatusCode::OK, id))
                } else {
                    None
                });
            }
            conn.prepare_cached(
                "INSERT INTO dossiers (idempotency_key, fingerprint, code, unit_code, procedure, body, received_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                key,
                fingerprint,
                dossier.code,
                dossier.unit_code,
                dossier.procedure,
                text,
                now_ms
            ])?;
            Ok::<_, StoreError>(Some((StatusCode::CREATED, conn.last_insert_rowid())))
        })
        .await;
    let answer = match stored {
        Ok(Some((status, id))) => {
            let row = state
                .store
                .read(move |conn| {
                    conn.query_row(
                        &format!("SELECT {HELD_COLUMNS} FROM dossiers WHERE id = ?1"),
                        [id],
                        held,
                    )
                    .map_err(StoreError::from)
                })
                .await;
            match row {
                Ok(d) => {
                    let report = state.report(&d, to_millis(state.now()));
                    json(
                        status,
                        &Acknowledgement {
                            reference: report.reference,
                            status: report.status,
                        },
                    )
                }
                Err(e) => ApiError::from(e).into_response(),
            }
        }
        Ok(None) => ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::IdempotencyKeyReused,
            "Idempotency-Key này đã dùng cho một hồ sơ khác.",
            "This Idempotency-Key was used for another dossier.",
        )
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    };
    deliver(fault, answer).await
}

async fn lookup(
    State(state): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Response {
    let fault = match admit(&state, &headers) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(id) = id_of(&reference) else {
        return not_found(&reference);
    };
    let row = state
        .store
        .read(move |conn| {
            conn.query_row(
                &format!("SELECT {HELD_COLUMNS} FROM dossiers WHERE id = ?1"),
                [id],
                held,
            )
            .optional()
            .map_err(StoreError::from)
        })
        .await;
    let answer = match row {
        Ok(Some(d)) => json(StatusCode::OK, &state.report(&d, to_millis(state.now()))),
        Ok(None) => not_found(&reference),
        Err(e) => ApiError::from(e).into_response(),
    };
    deliver(fault, answer).await
}

fn not_found(reference: &str) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::DossierNotFound,
        format!("Cổng không có hồ sơ {reference}."),
        format!("The portal has no dossier {reference}."),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    code: Option<String>,
}

/// One dossier in the listing.
#[derive(Debug, Serialize)]
struct Listed {
    reference: String,
    code: String,
    procedure: String,
    status: PortalStatus,
    received_at: String,
    idempotency_key: String,
}

async fn list(
    State(state): State<Arc<Sandbox>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let fault = match admit(&state, &headers) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let rows = state
        .store
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {HELD_COLUMNS} FROM dossiers WHERE ?1 IS NULL OR code = ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([q.code], held)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::from)
        })
        .await;
    let answer = match rows {
        Ok(rows) => {
            let now_ms = to_millis(state.now());
            let dossiers: Vec<Listed> = rows
                .iter()
                .map(|d| Listed {
                    reference: reference_of(d.id),
                    code: d.code.clone(),
                    procedure: d.procedure.clone(),
                    status: state.report(d, now_ms).status,
                    received_at: from_millis(d.received_at_ms).to_rfc3339(),
                    idempotency_key: d.key.clone(),
                })
                .collect();
            json(
                StatusCode::OK,
                &serde_json::json!({ "count": dossiers.len(), "dossiers": dossiers }),
            )
        }
        Err(e) => ApiError::from(e).into_response(),
    };
    deliver(fault, answer).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    mode: FaultMode,
    #[serde(default)]
    delay_ms: u64,
}

async fn set_fault(State(state): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::invalid_body(&e.to_string()).into_response(),
    };
    if let Ok(mut f) = state.fault.lock() {
        *f = Fault {
            mode: req.mode,
            delay: Duration::from_millis(req.delay_ms),
        };
    }
    json(
        StatusCode::OK,
        &serde_json::json!({ "mode": req.mode, "delay_ms": req.delay_ms }),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRequest {
    status: PortalStatus,
}

async fn set_status(
    State(state): State<Arc<Sandbox>>,
    Path(reference): Path<String>,
    body: Bytes,
) -> Response {
    let req: StatusRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::invalid_body(&e.to_string()).into_response(),
    };
    let Some(id) = id_of(&reference) else {
        return not_found(&reference);
    };
    let now_ms = to_millis(state.now());
    let changed = state
        .store
        .write(move |ctx| {
            Ok::<_, StoreError>(ctx.conn().execute(
                "UPDATE dossiers SET status_override = ?2, override_at_ms = ?3 WHERE id = ?1",
                params![id, req.status.as_str(), now_ms],
            )?)
        })
        .await;
    match changed {
        Ok(0) => not_found(&reference),
        Ok(_) => json(
            StatusCode::OK,
            &BTreeMap::from([
                ("reference", reference),
                ("status", req.status.as_str().into()),
            ]),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        assert_eq!(reference_of(42), "SBX-00000042");
        assert_eq!(id_of("SBX-00000042"), Some(42));
        assert_eq!(id_of("SBX-42"), None);
        assert_eq!(id_of("XYZ-00000042"), None);
    }

    #[test]
    fn statuses_follow_the_pace_and_overrides_freeze_them() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_with(&dir.path().join("s.db"), MIGRATIONS, Box::new(|_| {})).unwrap();
        let sandbox = Sandbox {
            store,
            pace: Some(Duration::from_secs(60)),
            supplement_every: 3,
            catalogue: Catalogue::builtin(),
            token: None,
            fault: Mutex::new(Fault::NONE),
            clock: Arc::new(Utc::now),
        };
        let d = |id| Held {
            id,
            key: "k".into(),
            code: "c".into(),
            procedure: "p".into(),
            received_at_ms: 1_000_000,
            status_override: None,
        };
        let at = |ms: i64| sandbox.report(&d(1), 1_000_000 + ms).status;
        assert_eq!(at(0), PortalStatus::Received);
        assert_eq!(at(59_999), PortalStatus::Received);
        assert_eq!(at(60_000), PortalStatus::Processing);
        assert_eq!(at(120_000), PortalStatus::ResultReady);
        assert_eq!(
            sandbox.report(&d(3), 1_120_000).status,
            PortalStatus::SupplementRequested
        );
        let mut frozen = d(1);
        frozen.status_override = Some((PortalStatus::SupplementRequested, 1_030_000));
        let report = sandbox.report(&frozen, 1_500_000);
        assert_eq!(report.status, PortalStatus::SupplementRequested);
        assert_eq!(report.history.len(), 2);
    }
}
