//! Rows of the queue: tickets, daily counters, counters, idempotency keys.
//!
//! Plain functions over a connection; the hub calls them inside a writer job
//! (so several of them form one transaction) or on a read connection.

use chrono::NaiveDate;
use motcua_api::{CounterState, PrintStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::StoreError;
use crate::domain::queue::{LastIssued, Waiting};
use crate::domain::ticket::TicketState;
use crate::domain::time::from_millis;

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: i64,
    pub business_date: NaiveDate,
    pub number_service: String,
    pub number: u32,
    pub display: String,
    pub service: String,
    pub priority: Option<String>,
    pub state: TicketState,
    pub issued_at_ms: i64,
    pub called_at_ms: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub counter: Option<u32>,
    pub recall_count: u32,
    pub transfer_count: u32,
    pub lookup_token: String,
    pub issued_by: String,
    pub print_status: Option<PrintStatus>,
    pub print_error: Option<String>,
    /// The dossier this ticket was issued for, when filing needs the
    /// citizen at a counter.
    pub dossier_code: Option<String>,
}

const TICKET_COLUMNS: &str = "id, business_date, number_service, number, display, service, priority, state, \
     issued_at_ms, called_at_ms, started_at_ms, finished_at_ms, counter, recall_count, transfer_count, \
     lookup_token, issued_by, print_status, print_error, dossier_code";

fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<TicketRow> {
    let date: String = row.get(1)?;
    let state: String = row.get(7)?;
    let bad = |col: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.into())
    };
    Ok(TicketRow {
        id: row.get(0)?,
        business_date: date
            .parse()
            .map_err(|_| bad(1, format!("bad business date {date:?}")))?,
        number_service: row.get(2)?,
        number: row.get(3)?,
        display: row.get(4)?,
        service: row.get(5)?,
        priority: row.get(6)?,
        state: TicketState::parse(&state).ok_or_else(|| bad(7, format!("bad state {state:?}")))?,
        issued_at_ms: row.get(8)?,
        called_at_ms: row.get(9)?,
        started_at_ms: row.get(10)?,
        finished_at_ms: row.get(11)?,
        counter: row.get(12)?,
        recall_count: row.get(13)?,
        transfer_count: row.get(14)?,
        lookup_token: row.get(15)?,
        issued_by: row.get(16)?,
        print_status: match row.get::<_, Option<String>>(17)? {
            Some(p) => Some(
                PrintStatus::parse(&p).ok_or_else(|| bad(17, format!("bad print status {p:?}")))?,
            ),
            None => None,
        },
        print_error: row.get(18)?,
        dossier_code: row.get(19)?,
    })
}

/// A ticket by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<TicketRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"
    ))?;
    Ok(stmt.query_row([id], ticket_from_row).optional()?)
}

/// Tickets issued on a business date, in id order.
pub fn on_date(conn: &Connection, date: NaiveDate) -> Result<Vec<TicketRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE business_date = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([date.to_string()], ticket_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The ticket fields set when it is issued.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub business_date: NaiveDate,
    pub service: &'a str,
    pub number: u32,
    pub display: &'a str,
    pub priority: Option<&'a str>,
    pub issued_at_ms: i64,
    pub lookup_token: &'a str,
    pub issued_by: &'a str,
}

/// Inserts a new ticket in state `issued`; returns its id.
pub fn insert(conn: &Connection, t: &NewTicket<'_>) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO tickets (business_date, number_service, number, display, service, priority, state, \
         issued_at_ms, lookup_token, issued_by) VALUES (?1, ?2, ?3, ?4, ?2, ?5, 'issued', ?6, ?7, ?8)",
    )?;
    stmt.execute(params![
        t.business_date.to_string(),
        t.service,
        t.number,
        t.display,
        t.priority,
        t.issued_at_ms,
        t.lookup_token,
        t.issued_by,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Links a ticket to the dossier it was issued for.
pub fn set_dossier_code(conn: &Connection, id: i64, code: &str) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE tickets SET dossier_code = ?2 WHERE id = ?1")?
        .execute(params![id, code])?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("ticket {id} vanished")));
    }
    Ok(())
}

/// Writes back the mutable fields of a ticket.
pub fn update(conn: &Connection, t: &TicketRow) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE tickets SET service = ?2, state = ?3, called_at_ms = ?4, started_at_ms = ?5, \
         finished_at_ms = ?6, counter = ?7, recall_count = ?8, transfer_count = ?9, print_status = ?10, \
         print_error = ?11 WHERE id = ?1",
    )?;
    let changed = stmt.execute(params![
        t.id,
        t.service,
        t.state.as_str(),
        t.called_at_ms,
        t.started_at_ms,
        t.finished_at_ms,
        t.counter,
        t.recall_count,
        t.transfer_count,
        t.print_status.map(PrintStatus::as_str),
        t.print_error,
    ])?;
    if changed != 1 {
        return Err(StoreError::Corrupt(format!("ticket {} vanished", t.id)));
    }
    Ok(())
}

/// What a service issued most recently.
pub fn last_issued(conn: &Connection, service: &str) -> Result<Option<LastIssued>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT business_date, last_number FROM daily_counters WHERE service = ?1 \
         ORDER BY business_date DESC LIMIT 1",
    )?;
    let row: Option<(String, u32)> = stmt
        .query_row([service], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(date, number)| {
        let date = date
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("daily counter date {date:?}")))?;
        Ok(LastIssued { date, number })
    })
    .transpose()
}

/// Records the number just issued.
pub fn set_last_issued(
    conn: &Connection,
    service: &str,
    last: LastIssued,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO daily_counters (service, business_date, last_number) VALUES (?1, ?2, ?3) \
         ON CONFLICT (service, business_date) DO UPDATE SET last_number = excluded.last_number",
    )?;
    stmt.execute(params![service, last.date.to_string(), last.number])?;
    Ok(())
}

/// Candidates for the next call: in each of the given services, the oldest
/// waiting normal ticket and the oldest waiting priority ticket of the
/// business date. Whatever the selection rule picks is among them.
pub fn next_candidates(
    conn: &Connection,
    date: NaiveDate,
    services: &[String],
) -> Result<Vec<Waiting>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, issued_at_ms FROM tickets \
         WHERE business_date = ?1 AND service = ?2 AND (priority IS NOT NULL) = ?3 \
         AND state IN ('issued', 'transferred') \
         ORDER BY issued_at_ms, id LIMIT 1",
    )?;
    let mut out = Vec::new();
    for service in services {
        for priority in [false, true] {
            let found = stmt
                .query_row(params![date.to_string(), service, priority], |r| {
                    Ok(Waiting {
                        id: r.get(0)?,
                        queued_at: from_millis(r.get(1)?),
                        priority,
                    })
                })
                .optional()?;
            out.extend(found);
        }
    }
    Ok(out)
}

/// How many tickets wait in a service on a business date, all of them or
/// only the priority ones.
pub fn count_waiting(conn: &Connection, date: NaiveDate, service: &str) -> Result<u32, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(SUM(waiting), 0) FROM waiting_counts WHERE business_date = ?1 AND service = ?2",
    )?;
    Ok(stmt.query_row(params![date.to_string(), service], |r| r.get(0))?)
}

/// How many priority tickets wait in a service on a business date.
pub fn count_waiting_priority(
    conn: &Connection,
    date: NaiveDate,
    service: &str,
) -> Result<u32, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(SUM(waiting), 0) FROM waiting_counts \
         WHERE business_date = ?1 AND service = ?2 AND priority = 1",
    )?;
    Ok(stmt.query_row(params![date.to_string(), service], |r| r.get(0))?)
}

/// [`count_ahead`] for a ticket just inserted, the newest of its queue:
/// every other waiting ticket of the service (only the priority ones for a
/// priority ticket), read from `waiting_counts` in one index seek.
pub fn count_ahead_of_newest(conn: &Connection, ticket: &TicketRow) -> Result<u32, StoreError> {
    let waiting = if ticket.priority.is_some() {
        count_waiting_priority(conn, ticket.business_date, &ticket.service)?
    } else {
        count_waiting(conn, ticket.business_date, &ticket.service)?
    };
    Ok(waiting.saturating_sub(1))
}

/// How many waiting tickets of the service are ahead of `ticket`: queued
/// earlier (or at the same instant with a smaller id), and — for a priority
/// ticket — only the priority ones, since it goes before normal tickets.
pub fn count_ahead(conn: &Connection, ticket: &TicketRow) -> Result<u32, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COUNT(*) FROM tickets WHERE business_date = ?1 AND service = ?2 \
         AND state IN ('issued', 'transferred') \
         AND (issued_at_ms < ?3 OR (issued_at_ms = ?3 AND id < ?4)) \
         AND (?5 = 0 OR priority IS NOT NULL)",
    )?;
    Ok(stmt.query_row(
        params![
            ticket.business_date.to_string(),
            ticket.service,
            ticket.issued_at_ms,
            ticket.id,
            ticket.priority.is_some(),
        ],
        |r| r.get(0),
    )?)
}

/// Durations in seconds of the most recent finished services of the day.
pub fn recent_service_secs(
    conn: &Connection,
    date: NaiveDate,
    service: &str,
    limit: u32,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT (finished_at_ms - COALESCE(started_at_ms, called_at_ms)) / 1000 FROM tickets \
         WHERE business_date = ?1 AND service = ?2 AND state = 'done' \
         ORDER BY finished_at_ms DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![date.to_string(), service, limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A counter as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterRow {
    pub number: u32,
    pub state: CounterState,
    pub current_ticket: Option<i64>,
    pub priority_streak: u32,
    pub updated_at_ms: i64,
}

fn counter_state(r: &Row<'_>, col: usize) -> rusqlite::Result<CounterState> {
    let text: String = r.get(col)?;
    CounterState::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("bad counter state {text:?}").into(),
        )
    })
}

/// Makes sure every configured counter has a row.
pub fn ensure_counters(conn: &Connection, numbers: &[u32]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO counters (number) VALUES (?1)")?;
    for n in numbers {
        stmt.execute([n])?;
    }
    Ok(())
}

/// A counter by number.
pub fn get_counter(conn: &Connection, number: u32) -> Result<Option<CounterRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT number, state, current_ticket, priority_streak, updated_at_ms FROM counters WHERE number = ?1",
    )?;
    Ok(stmt
        .query_row([number], |r| {
            Ok(CounterRow {
                number: r.get(0)?,
                state: counter_state(r, 1)?,
                current_ticket: r.get(2)?,
                priority_streak: r.get(3)?,
                updated_at_ms: r.get(4)?,
            })
        })
        .optional()?)
}

/// Every counter.
pub fn counters(conn: &Connection) -> Result<Vec<CounterRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT number, state, current_ticket, priority_streak, updated_at_ms FROM counters ORDER BY number",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CounterRow {
            number: r.get(0)?,
            state: counter_state(r, 1)?,
            current_ticket: r.get(2)?,
            priority_streak: r.get(3)?,
            updated_at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Writes back a counter.
pub fn update_counter(conn: &Connection, c: &CounterRow) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE counters SET state = ?2, current_ticket = ?3, priority_streak = ?4, updated_at_ms = ?5 \
         WHERE number = ?1",
    )?;
    stmt.execute(params![
        c.number,
        c.state.as_str(),
        c.current_ticket,
        c.priority_streak,
        c.updated_at_ms
    ])?;
    Ok(())
}

/// A stored response for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// The response stored for `(principal, key)`, if any.
pub fn idempotent_response(
    conn: &Connection,
    principal: &str,
    key: &str,
) -> Result<Option<StoredResponse>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT fingerprint, status, body FROM idempotency WHERE principal = ?1 AND key = ?2",
    )?;
    Ok(stmt
        .query_row([principal, key], |r| {
            Ok(StoredResponse {
                fingerprint: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
            })
        })
        .optional()?)
}

/// Stores the response for `(principal, key)`.
pub fn store_idempotent_response(
    conn: &Connection,
    principal: &str,
    key: &str,
    response: &StoredResponse,
    at_ms: i64,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO idempotency (principal, key, fingerprint, status, body, created_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    stmt.execute(params![
        principal,
        key,
        response.fingerprint,
        response.status,
        response.body,
        at_ms
    ])?;
    Ok(())
}

/// Forgets idempotency keys older than `before_ms`; returns how many.
pub fn purge_idempotency(conn: &Connection, before_ms: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM idempotency WHERE created_at_ms < ?1",
        [before_ms],
    )?)
}

/// Tickets of a business date whose kiosk print failed and that are still
/// in the queue or at a counter, oldest first (staff reprint them).
pub fn print_failed(conn: &Connection, date: NaiveDate) -> Result<Vec<TicketRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE business_date = ?1 \
         AND print_status = 'print_failed' AND state IN ('issued', 'transferred', 'called', 'serving') \
         ORDER BY id"
    ))?;
    let rows = stmt.query_map([date.to_string()], ticket_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
