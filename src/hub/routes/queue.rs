//! The queue's routes: services and priority categories, the queue
//! overview, counters, tickets (issue, look up, print status, cancel), the
//! counter actions, the latest calls and the tickets waiting for a reprint.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use motcua_api::{
    CallsQuery, CounterState, IssueRequest, PrintStatusRequest, ServiceInfo, StatsQuery,
    TransferRequest, MAX_CALLS,
};

use super::reply::{change, change_as, read_post, Reply, Routes};
use crate::config::Role;
use crate::hub::auth::Principal;
use crate::hub::calls::recent_calls;
use crate::hub::error::ApiError;
use crate::hub::queue::CounterAction;
use crate::hub::state::Hub;
use crate::hub::stats::day_stats;
use crate::store::{tickets, StoreError};
use crate::web::extract::{parse_json, IdempotencyKey, Path, Query};

/// The queue's routes.
pub fn router() -> Routes {
    use CounterAction::{Finish, NoShow, Recall, Start};
    let counter_ops = [
        ("/api/v1/counters/{counter}/call-next", CounterOp::CallNext),
        ("/api/v1/counters/{counter}/recall", CounterOp::Act(Recall)),
        ("/api/v1/counters/{counter}/start", CounterOp::Act(Start)),
        ("/api/v1/counters/{counter}/finish", CounterOp::Act(Finish)),
        ("/api/v1/counters/{counter}/no-show", CounterOp::Act(NoShow)),
        ("/api/v1/counters/{counter}/transfer", CounterOp::Transfer),
        (
            "/api/v1/counters/{counter}/pause",
            CounterOp::State(CounterState::Paused),
        ),
        (
            "/api/v1/counters/{counter}/open",
            CounterOp::State(CounterState::Open),
        ),
        (
            "/api/v1/counters/{counter}/close",
            CounterOp::State(CounterState::Closed),
        ),
    ];
    let routes = Routes::new()
        .route("/api/v1/services", get(services))
        .route("/api/v1/priorities", get(priorities))
        .route("/api/v1/queue", get(queue))
        .route("/api/v1/tickets", post(issue_ticket))
        .route("/api/v1/tickets/print-failed", get(print_failed))
        .route("/api/v1/tickets/{id}", get(get_ticket))
        .route("/api/v1/tickets/{id}/print-status", post(print_status))
        .route("/api/v1/tickets/{id}/cancel", post(cancel_ticket))
        .route("/api/v1/counters", get(counters))
        .route("/api/v1/calls", get(calls))
        .route("/api/v1/stats", get(stats));
    counter_ops.into_iter().fold(routes, |routes, (path, op)| {
        routes.route(
            path,
            post(move |s, p, k, c, b| counter_post(s, p, k, c, b, op)),
        )
    })
}

async fn services(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let list: Vec<ServiceInfo> = hub
        .rules
        .config
        .services
        .iter()
        .map(|s| ServiceInfo {
            code: s.code.clone(),
            prefix: s.prefix.clone(),
            name: s.name_vi.clone(),
            name_vi: s.name_vi.clone(),
            name_en: s.name_en.clone(),
        })
        .collect();
    Reply::json(StatusCode::OK, &list)
}

async fn priorities(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    Reply::json(StatusCode::OK, &hub.rules.config.priorities())
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
    // Never the lookup token: it is given once, when the ticket is issued
    // (answer, paper, QR). Whoever reads a ticket later by its id — a
    // display, a kiosk that guessed an id — must not be able to rate it.
    let view = hub
        .store
        .read(move |conn| {
            let row = tickets::get(conn, id)?
                .ok_or_else(|| ApiError::ticket_not_found(&id.to_string()))?;
            Ok::<_, ApiError>(rules.ticket_view(conn, &row, false)?)
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
    // A kiosk sits in the lobby: it may take back only its own tickets.
    let issuer = (principal.role == Role::Kiosk).then(|| principal.name.clone());
    change(&hub, idem, move |rules, ctx, now| {
        Reply::json(
            StatusCode::OK,
            &rules.cancel(ctx, id, issuer.as_deref(), now)?,
        )
    })
    .await
}

/// What a counter route does.
#[derive(Debug, Clone, Copy)]
enum CounterOp {
    CallNext,
    Act(CounterAction),
    Transfer,
    State(CounterState),
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

/// `GET /api/v1/calls?limit=N` (1–50, default 6).
async fn calls(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(q): Query<CallsQuery>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let limit = match q.limit {
        None => 6,
        Some(n @ 1..=MAX_CALLS) => n,
        Some(n) => {
            return Err(ApiError::bad_query(&format!(
                "limit must be between 1 and {MAX_CALLS}, not {n}"
            )))
        }
    };
    let today = hub.rules.today(hub.now());
    let tz = hub.rules.tz;
    let calls = hub
        .store
        .read(move |conn| recent_calls(conn, today, limit, tz))
        .await?;
    Reply::json(StatusCode::OK, &calls)
}

/// `GET /api/v1/stats?date=YYYY-MM-DD` (default today): the day's
/// figures.
async fn stats(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter, Role::Display])?;
    let date = q.date.unwrap_or_else(|| hub.rules.today(hub.now()));
    let config = Arc::clone(&hub.rules.config);
    let report = hub
        .store
        .read(move |conn| day_stats(conn, &config, date))
        .await?;
    Reply::json(StatusCode::OK, &report)
}

/// `GET /api/v1/tickets/print-failed`: today's tickets the kiosk could not
/// print that are still in the queue or at a counter, for staff to reprint.
async fn print_failed(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter])?;
    let rules = hub.rules.clone();
    let today = rules.today(hub.now());
    let list = hub
        .store
        .read(move |conn| {
            tickets::print_failed(conn, today)?
                .iter()
                .map(|t| rules.ticket_view(conn, t, true))
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
    Reply::json(StatusCode::OK, &list)
}
