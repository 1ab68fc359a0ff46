//! The latest calls of the day, read back from the event log: what a hall
//! board reloads after a (re)connection, besides the queue
//! (`GET /api/v1/calls`).

use motcua_api::{CallView, Calls, HubEvent};
use rusqlite::{params, Connection};

use crate::domain::time::{from_millis, to_local_rfc3339};
use crate::store::{self, StoreError};

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
        let event = serde_json::from_str(&data)
            .and_then(|data| HubEvent::from_parts(&kind, data))
            .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
        let day = match &event {
            HubEvent::TicketCalled(e) | HubEvent::TicketRecalled(e) => e.ticket.business_date,
            _ => continue,
        };
        if day != date {
            // Ids grow with time: everything further back is older.
            break;
        }
        let at = to_local_rfc3339(from_millis(at_ms), tz);
        if let Some(call) = CallView::from_event(id, at, &event) {
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
