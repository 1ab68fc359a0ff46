//! What boards and counters reload after a (re)connection, besides
//! `GET /api/v1/queue`:
//!
//! - `GET /api/v1/calls?limit=N`: the latest calls and recalls of the day,
//!   newest first, each with its event id — the hall board's list, exact
//!   after a `resync`.
//! - `GET /api/v1/tickets/print-failed`: today's tickets the
//!   kiosk could not print that are still in the queue or at a counter, for
//!   staff to reprint.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::api::Reply;
use super::auth::Principal;
use super::error::ApiError;
use super::queue::TicketView;
use super::Hub;
use crate::config::Role;
use crate::domain::time::{from_millis, to_local_rfc3339};
use crate::store::{self, StoreError};

/// Most calls one request returns.
pub const MAX_CALLS: u32 = 50;

/// One call (or recall) of a ticket to a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    /// The `ticket.called` / `ticket.recalled` event.
    pub event_id: i64,
    pub at: String,
    pub ticket_id: i64,
    pub number: String,
    pub counter: u32,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub recall: bool,
    /// How many times the ticket had been recalled with this call.
    pub recall_count: u32,
}

/// `GET /api/v1/calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calls {
    /// The newest event id when the list was read.
    pub last_event_id: i64,
    /// Newest first.
    pub calls: Vec<CallView>,
}

impl CallView {
    /// The call an event announces, if it is a call of a ticket to a counter.
    pub fn from_event(
        event_id: i64,
        at_ms: i64,
        kind: &str,
        data: &serde_json::Value,
        tz: chrono_tz::Tz,
    ) -> Option<Self> {
        let recall = match kind {
            "ticket.called" => false,
            "ticket.recalled" => true,
            _ => return None,
        };
        let t: TicketView = serde_json::from_value(data.get("ticket")?.clone()).ok()?;
        Some(Self {
            event_id,
            at: to_local_rfc3339(from_millis(at_ms), tz),
            ticket_id: t.id,
            number: t.number,
            counter: t.counter?,
            service: t.service,
            service_name_vi: t.service_name_vi,
            service_name_en: t.service_name_en,
            recall,
            recall_count: t.recall_count,
        })
    }
}

/// The latest `limit` calls of `date`, newest first.
pub fn recent_calls(
    conn: &Connection,
    date: chrono::NaiveDate,
    limit: u32,
    tz: chrono_tz::Tz,
) -> Result<Calls, StoreError> {
    let last_event_id = store::last_event_id(conn)?;
    // Walks the log backwards by id and stops at the limit or at the day
    // before: the cost is the events since the oldest call shown.
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, kind, data FROM events \
         WHERE kind IN ('ticket.called', 'ticket.recalled') ORDER BY id DESC",
    )?;
    let mut rows = stmt.query(params![])?;
    let mut calls = Vec::new();
    while let Some(row) = rows.next()? {
        let (id, at_ms, kind, data): (i64, i64, String, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        let data: serde_json::Value = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
        let day = data["ticket"]["business_date"].as_str().unwrap_or_default();
        if day != date.to_string() {
            // Ids grow with time: everything further back is older.
            break;
        }
        if let Some(call) = CallView::from_event(id, at_ms, &kind, &data, tz) {
            calls.push(call);
            if calls.len() as u32 >= limit {
                break;
            }
        }
    }
    Ok(Calls {
        last_event_id,
        calls,
    })
}

#[derive(Debug, Deserialize)]
pub struct CallsQuery {
    limit: Option<u32>,
}

/// `GET /api/v1/calls`.
pub async fn calls(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(q): Query<CallsQuery>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let limit = q.limit.unwrap_or(6).clamp(1, MAX_CALLS);
    let today = hub.rules.today(hub.now());
    let tz = hub.rules.tz;
    let calls = hub
        .store
        .read(move |conn| recent_calls(conn, today, limit, tz))
        .await?;
    Reply::json(StatusCode::OK, &calls)
}

/// `GET /api/v1/tickets/print-failed`.
pub async fn print_failed(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter])?;
    let rules = hub.rules.clone();
    let today = rules.today(hub.now());
    let list = hub
        .store
        .read(move |conn| {
            store::tickets::print_failed(conn, today)?
                .iter()
                .map(|t| rules.ticket_view(conn, t, true))
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
    Reply::json(StatusCode::OK, &list)
}
