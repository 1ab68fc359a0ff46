//! Routes under `/api/v1`: JSON in, JSON out, documented in
//! `docs/openapi.json` (served at `GET /api/v1/openapi.json`).
//!
//! Every POST that creates or changes something honours `Idempotency-Key`:
//! the key, the caller and the stored response are written in the same
//! transaction as the change, so a retry after a lost answer gets the same
//! answer and never a second ticket or a second call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::error::ApiError;
use super::extract::{fingerprint, parse_json, read_limited, IdempotencyKey};
use super::filing::{dossier_view, FileRequest};
use super::queue::{
    CounterAction, IssueRequest, PrintStatusRequest, Rules, TransferRequest, COUNTER_CLOSED,
    COUNTER_OPEN, COUNTER_PAUSED,
};
use super::{calls, devices, rating, sse, staff, stats, technician, Hub};
use crate::config::Role;
use crate::domain::time::to_millis;
use crate::store::tickets::{self, StoredResponse};
use crate::store::WriteCtx;

/// The OpenAPI document, kept in sync with [`router`] by a test.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// A successful answer: status and raw JSON text (stored verbatim for
/// idempotent replays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<String>,
}

impl Reply {
    pub fn json(status: StatusCode, value: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_string(value).map_err(|_| ApiError::internal())?;
        Ok(Self {
            status,
            body: Some(body),
        })
    }

    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => (
                self.status,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
            None => self.status.into_response(),
        }
    }
}

/// Everything a POST needs to be replayable.
pub(super) struct Idempotency {
    principal: String,
    key: String,
    fingerprint: String,
}

impl Idempotency {
    pub(super) fn new(
        principal: &Principal,
        key: IdempotencyKey,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Option<Self> {
        key.0.map(|key| Self {
            principal: format!("{}:{}", principal.role.as_str(), principal.name),
            key,
            fingerprint: fingerprint(method, path, body),
        })
    }

    /// The reply stored under this key, unless the key came back with
    /// another request (which is refused).
    fn replay(&self, stored: tickets::StoredResponse) -> Result<Reply, ApiError> {
        if stored.fingerprint != self.fingerprint {
            return Err(ApiError::idempotency_key_reused());
        }
        let status = StatusCode::from_u16(stored.status).map_err(|_| ApiError::internal())?;
        let body = (!stored.body.is_empty()).then_some(stored.body);
        Ok(Reply { status, body })
    }
}

/// Reads a POST's body (within the size limit) and the idempotency record
/// its key, method, path and body make, if it has a key.
pub(super) async fn read_post(
    principal: &Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<(Bytes, Option<Idempotency>), ApiError> {
    let path = req.uri().path().to_owned();
    let raw = read_limited(req).await?;
    let idem = Idempotency::new(principal, key, "POST", &path, &raw);
    Ok((raw, idem))
}

/// Runs `op` unless the key was seen; stores its reply under the key.
fn idempotent(
    ctx: &mut WriteCtx<'_>,
    idem: Option<Idempotency>,
    now_ms: i64,
    op: impl FnOnce(&mut WriteCtx<'_>) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    if let Some(idem) = &idem {
        if let Some(stored) = tickets::idempotent_response(ctx.conn(), &idem.principal, &idem.key)?
        {
            return idem.replay(stored);
        }
    }
    let reply = op(ctx)?;
    if let Some(idem) = idem {
        tickets::store_idempotent_response(
            ctx.conn(),
            &idem.principal,
            &idem.key,
            &StoredResponse {
                fingerprint: idem.fingerprint,
                status: reply.status.as_u16(),
                body: reply.body.clone().unwrap_or_default(),
            },
            now_ms,
        )?;
    }
    Ok(reply)
}

/// Runs a change in the writer, idempotently.
pub(super) async fn change(
    hub: &Hub,
    idem: Option<Idempotency>,
    op: impl FnOnce(&Rules, &mut WriteCtx<'_>, chrono::DateTime<chrono::Utc>) -> Result<Reply, ApiError>
        + Send
        + 'static,
) -> Result<Reply, ApiError> {
    change_as(hub, None, idem, op).await
}

/// [`change`] with the queue rules acting for a signed-in officer.
async fn change_as(
    hub: &Hub,
    officer: Option<super::staff::Officer>,
    idem: Option<Idempotency>,
    op: impl FnOnce(&Rules, &mut WriteCtx<'_>, chrono::DateTime<chrono::Utc>) -> Result<Reply, ApiError>
        + Send
        + 'static,
) -> Result<Reply, ApiError> {
    let rules = hub.rules.clone().acting_as(officer);
    let now = hub.now();
    hub.store
        .write(move |ctx| idempotent(ctx, idem, to_millis(now), |ctx| op(&rules, ctx, now)))
        .await
}

/// The `/api/v1` router.
pub fn router(hub: Arc<Hub>) -> Router {
    let counter = |action| post(move |s, p, k, c, b| counter_post(s, p, k, c, b, action));
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/services", get(services))
        .route("/api/v1/priorities", get(priorities))
        .route("/api/v1/queue", get(queue))
        .route("/api/v1/tickets", post(issue_ticket))
        .route("/api/v1/tickets/print-failed", get(calls::print_failed))
        .route("/api/v1/tickets/{id}", get(get_ticket))
        .route("/api/v1/tickets/{id}/print-status", post(print_status))
        .route("/api/v1/tickets/{id}/cancel", post(cancel_ticket))
        .route("/api/v1/counters", get(counters))
        .route(
            "/api/v1/counters/{counter}/call-next",
            counter(CounterOp::CallNext),
        )
        .route(
            "/api/v1/counters/{counter}/recall",
            counter(CounterOp::Act(CounterAction::Recall)),
        )
        .route(
            "/api/v1/counters/{counter}/start",
            counter(CounterOp::Act(CounterAction::Start)),
        )
        .route(
            "/api/v1/counters/{counter}/finish",
            counter(CounterOp::Act(CounterAction::Finish)),
        )
        .route(
            "/api/v1/counters/{counter}/no-show",
            counter(CounterOp::Act(CounterAction::NoShow)),
        )
        .route(
            "/api/v1/counters/{counter}/transfer",
            counter(CounterOp::Transfer),
        )
        .route(
            "/api/v1/counters/{counter}/pause",
            counter(CounterOp::State(COUNTER_PAUSED)),
        )
        .route(
            "/api/v1/counters/{counter}/open",
            counter(CounterOp::State(COUNTER_OPEN)),
        )
        .route(
            "/api/v1/counters/{counter}/close",
            counter(CounterOp::State(COUNTER_CLOSED)),
        )
        .route("/api/v1/staff/sign-in", post(staff::sign_in))
        .route("/api/v1/staff/sign-out", post(staff::sign_out))
        .route("/api/v1/calls", get(calls::calls))
        .route("/api/v1/ratings", post(rating::rate))
        .route("/api/v1/ratings/options", get(rating::options))
        .route("/api/v1/ratings/lookup", get(rating::lookup))
        .route("/api/v1/events", get(sse::events))
        .route("/api/v1/stats", get(stats_handler))
        .route("/api/v1/procedures", get(procedures))
        .route("/api/v1/dossiers", post(file_dossier))
        .route("/api/v1/dossiers/{code}", get(get_dossier))
        .route("/api/v1/devices", get(devices::list))
        .route("/api/v1/devices/events", post(devices::post_event))
        .route("/api/v1/diagnostics", get(technician::diagnostics))
        .route("/api/v1/outbox/retry", post(technician::retry_outbox))
        .route(
            "/api/v1/support-bundles",
            get(technician::list_bundles).post(technician::upload_bundle),
        )
        .route(
            "/api/v1/support-bundles/{name}",
            get(technician::get_bundle),
        )
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(hub)
}

async fn health(State(hub): State<Arc<Hub>>) -> Result<Reply, ApiError> {
    let database = hub
        .store
        .read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(crate::store::StoreError::from)
        })
        .await
        .map(|_| "ok")
        .unwrap_or("error");
    let status = if database == "ok" { "ok" } else { "degraded" };
    // Device states per kiosk (best effort: the hub's own health first).
    let tz = hub.rules.tz;
    let kiosks = hub
        .store
        .read(move |conn| devices::kiosks(conn, tz))
        .await
        .unwrap_or_else(|err: crate::store::StoreError| {
            tracing::warn!(%err, "cannot read device states for health");
            Vec::new()
        });
    let code = if database == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Reply::json(
        code,
        &serde_json::json!({
            "status": status,
            "version": env!("CARGO_PKG_VERSION"),
            "office": hub.rules.config.office.name,
            "demo": hub.rules.config.demo,
            "database": database,
            "uptime_seconds": hub.started.elapsed().as_secs(),
            "now": crate::domain::time::to_local_rfc3339(hub.now(), hub.rules.tz),
            "kiosks": kiosks,
        }),
    )
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Serialize)]
struct ServiceInfo<'a> {
    code: &'a str,
    prefix: &'a str,
    name: &'a str,
    name_vi: &'a str,
    name_en: &'a str,
}

async fn services(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let list: Vec<ServiceInfo<'_>> = hub
        .rules
        .config
        .services
        .iter()
        .map(|s| ServiceInfo {
            code: &s.code,
            prefix: &s.prefix,
            name: &s.name_vi,
            name_vi: &s.name_vi,
            name_en: &s.name_en,
        })
        .collect();
    Reply::json(StatusCode::OK, &list)
}

async fn priorities(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    Reply::json(StatusCode::OK, &hub.rules.config.queue.priorities)
}

async fn queue(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let rules = hub.rules.clone();
    let now = hub.now();
    let view = hub
        .store
        .read(move |conn| rules.queue_view(conn, now))
        .await?;
    Reply::json(StatusCode::OK, &view)
}

async fn counters(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let rules = hub.rules.clone();
    let counters = hub
        .store
        .read(move |conn| {
            let rows = tickets::counters(conn)?;
            rules.counter_views(conn, rows)
        })
        .await?;
    Reply::json(StatusCode::OK, &counters)
}

async fn issue_ticket(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    let body: IssueRequest = parse_json(&raw)?;
    // Refuse bad references before touching the writer.
    hub.rules.validate_issue(&body)?;
    let by = principal.name.clone();
    change(&hub, idem, move |rules, ctx, now| {
        let view = rules.issue(ctx, &body, &by, now)?;
        Reply::json(StatusCode::CREATED, &view)
    })
    .await
}

fn parse_ticket_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::ticket_not_found(id))
}

async fn get_ticket(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let id = parse_ticket_id(&id)?;
    let rules = hub.rules.clone();
    let with_token = principal.role != Role::Display;
    let view = hub
        .store
        .read(move |conn| {
            let row = tickets::get(conn, id)?
                .ok_or_else(|| ApiError::ticket_not_found(&id.to_string()))?;
            Ok::<_, ApiError>(rules.ticket_view(conn, &row, with_token)?)
        })
        .await?;
    Reply::json(StatusCode::OK, &view)
}

async fn print_status(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    Path(id): Path<String>,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let id = parse_ticket_id(&id)?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    let body: PrintStatusRequest = parse_json(&raw)?;
    change(&hub, idem, move |rules, ctx, now| {
        Reply::json(
            StatusCode::OK,
            &rules.set_print_status(ctx, id, &body, now)?,
        )
    })
    .await
}

async fn cancel_ticket(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    Path(id): Path<String>,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let id = parse_ticket_id(&id)?;
    let (_, idem) = read_post(&principal, key, req).await?;
    change(&hub, idem, move |rules, ctx, now| {
        Reply::json(StatusCode::OK, &rules.cancel(ctx, id, now)?)
    })
    .await
}

/// What a counter route does.
#[derive(Debug, Clone, Copy)]
enum CounterOp {
    CallNext,
    Act(CounterAction),
    Transfer,
    State(&'static str),
}

async fn counter_post(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    Path(counter): Path<String>,
    req: Request,
    op: CounterOp,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter])?;
    let number = counter
        .parse::<u32>()
        .ok()
        .filter(|n| hub.rules.config.counters.iter().any(|c| c.number == *n))
        .ok_or_else(|| ApiError::unknown_counter(&counter))?;
    if let Some(o) = &principal.officer {
        // A session is bound to the counter the officer signed in at.
        if o.counter != number {
            return Err(ApiError::counter_not_allowed(&o.code, number));
        }
    }
    let (raw, idem) = read_post(&principal, key, req).await?;
    let transfer = match op {
        CounterOp::Transfer => {
            let body: TransferRequest = parse_json(&raw)?;
            hub.rules
                .config
                .service(&body.service)
                .ok_or_else(|| ApiError::unknown_service(&body.service))?;
            Some(body)
        }
        _ => None,
    };
    change_as(
        &hub,
        principal.officer.clone(),
        idem,
        move |rules, ctx, now| match (op, transfer) {
            (CounterOp::CallNext, _) => match rules.call_next(ctx, number, now)? {
                Some(ticket) => Reply::json(StatusCode::OK, &ticket),
                None => Ok(Reply::no_content()),
            },
            (CounterOp::Act(action), _) => {
                Reply::json(StatusCode::OK, &rules.act(ctx, number, action, now)?)
            }
            (CounterOp::Transfer, Some(body)) => {
                Reply::json(StatusCode::OK, &rules.transfer(ctx, number, &body, now)?)
            }
            (CounterOp::Transfer, None) => Err(ApiError::internal()),
            (CounterOp::State(state), _) => Reply::json(
                StatusCode::OK,
                &rules.set_counter_state(ctx, number, state, now)?,
            ),
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    date: Option<String>,
}

async fn stats_handler(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter, Role::Display])?;
    let date = match q.date {
        Some(d) => d
            .parse()
            .map_err(|_| ApiError::bad_query(&format!("date must be YYYY-MM-DD, not {d:?}")))?,
        None => hub.rules.today(hub.now()),
    };
    let config = Arc::clone(&hub.rules.config);
    let report = hub
        .store
        .read(move |conn| stats::day_stats(conn, &config, date))
        .await?;
    Reply::json(StatusCode::OK, &report)
}

async fn procedures(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    Reply::json(StatusCode::OK, &hub.filing.catalogue_view(hub.rules.tz))
}

/// The stored answer for an idempotency key seen before, read outside the
/// writer so a kiosk's retry is answered even if the catalogue changed
/// since (the writer checks again, race-free).
async fn stored_reply(hub: &Hub, idem: &Idempotency) -> Result<Option<Reply>, ApiError> {
    let (principal, key) = (idem.principal.clone(), idem.key.clone());
    let stored = hub
        .store
        .read(move |conn| tickets::idempotent_response(conn, &principal, &key))
        .await?;
    stored.map(|s| idem.replay(s)).transpose()
}

async fn file_dossier(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    if let Some(idem) = &idem {
        if let Some(reply) = stored_reply(&hub, idem).await? {
            return Ok(reply);
        }
    }
    let body: FileRequest = parse_json(&raw)?;
    // Refuse an incomplete or malformed form before touching the writer.
    let prepared = hub.filing.prepare(body, hub.rules.today(hub.now()))?;
    let by = principal.name.clone();
    let filing = Arc::clone(&hub.filing);
    let reply = change(&hub, idem, move |rules, ctx, now| {
        let filed = filing.file(rules, ctx, &prepared, &by, now)?;
        Reply::json(StatusCode::CREATED, &filed)
    })
    .await?;
    // Committed: the outbox worker may deliver it now.
    hub.filing.wake.notify_one();
    Ok(reply)
}

async fn get_dossier(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Path(code): Path<String>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let parsed = crate::domain::dossier::parse_code(&code)
        .ok_or_else(|| ApiError::dossier_not_found(&code))?;
    let code = crate::domain::dossier::format_code(&parsed.unit, parsed.date, parsed.sequence);
    // Fresh from the portal when it answers quickly; from the hub otherwise.
    super::outbox::refresh_for_lookup(&hub, &code).await;
    let staff = principal.role != Role::Kiosk;
    let filing = Arc::clone(&hub.filing);
    let tz = hub.rules.tz;
    let view = hub
        .store
        .read(move |conn| dossier_view(&filing, conn, &code, staff, tz))
        .await?;
    Reply::json(StatusCode::OK, &view)
}
