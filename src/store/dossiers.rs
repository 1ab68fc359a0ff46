//! Rows of online filing: dossiers, their timeline and the portal outbox.
//!
//! Plain functions over a connection, like [`super::tickets`]: the hub
//! calls them inside one writer job so that filing a dossier, assigning its
//! code and queueing it for the portal is a single transaction.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::StoreError;
use crate::domain::dossier::{PortalStatus, Stage};

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRow {
    pub code: String,
    pub business_date: NaiveDate,
    pub sequence: u32,
    pub procedure: String,
    pub received_at_ms: i64,
    pub due_at_ms: i64,
    pub fee: u64,
    pub pages: Option<u32>,
    pub copies: Option<u32>,
    /// Personal data as JSON; `None` once purged.
    pub applicant: Option<String>,
    pub fields: Option<String>,
    pub masked_id: String,
    /// Non-personal summary as JSON (kept after the purge).
    pub summary: String,
    pub portal_key: String,
    pub filed_by: String,
    pub ticket_id: Option<i64>,
    pub portal_status: PortalStatus,
    pub portal_reference: Option<String>,
    pub accepted_at_ms: Option<i64>,
    pub portal_checked_at_ms: Option<i64>,
    pub purged_at_ms: Option<i64>,
}

const COLUMNS: &str = "code, business_date, sequence, procedure, received_at_ms, due_at_ms, fee, \
     pages, copies, applicant, fields, masked_id, summary, portal_key, filed_by, ticket_id, \
     portal_status, portal_reference, accepted_at_ms, portal_checked_at_ms, purged_at_ms";

fn from_row(row: &Row<'_>) -> rusqlite::Result<DossierRow> {
    let bad = |col: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.into())
    };
    let date: String = row.get(1)?;
    let status: String = row.get(16)?;
    Ok(DossierRow {
        code: row.get(0)?,
        business_date: date
            .parse()
            .map_err(|_| bad(1, format!("bad business date {date:?}")))?,
        sequence: row.get(2)?,
        procedure: row.get(3)?,
        received_at_ms: row.get(4)?,
        due_at_ms: row.get(5)?,
        fee: row.get::<_, i64>(6)?.max(0) as u64,
        pages: row.get(7)?,
        copies: row.get(8)?,
        applicant: row.get(9)?,
        fields: row.get(10)?,
        masked_id: row.get(11)?,
        summary: row.get(12)?,
        portal_key: row.get(13)?,
        filed_by: row.get(14)?,
        ticket_id: row.get(15)?,
        portal_status: PortalStatus::parse(&status)
            .ok_or_else(|| bad(16, format!("bad portal status {status:?}")))?,
        portal_reference: row.get(17)?,
        accepted_at_ms: row.get(18)?,
        portal_checked_at_ms: row.get(19)?,
        purged_at_ms: row.get(20)?,
    })
}

/// The dossier with this code.
pub fn get(conn: &Connection, code: &str) -> Result<Option<DossierRow>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM dossiers WHERE code = ?1"))?;
    Ok(stmt.query_row([code], from_row).optional()?)
}

/// The codes of the dossiers with running count `sequence` filed on
/// `day`/`month` (of `year`, or of any year), newest first.
pub fn codes_by_short(
    conn: &Connection,
    sequence: u32,
    day: u32,
    month: u32,
    year: Option<i32>,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT code FROM dossiers WHERE sequence = ?1 AND substr(business_date, 6) = ?2 \
         AND (?3 IS NULL OR substr(business_date, 1, 4) = ?3) ORDER BY business_date DESC",
    )?;
    let rows = stmt.query_map(
        params![
            sequence,
            format!("{month:02}-{day:02}"),
            year.map(|y| format!("{y:04}"))
        ],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The highest running count used on `date` (0 when none).
pub fn last_sequence(conn: &Connection, date: NaiveDate) -> Result<u32, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(MAX(sequence), 0) FROM dossiers WHERE business_date = ?1",
    )?;
    Ok(stmt.query_row([date.to_string()], |r| r.get(0))?)
}

/// Inserts a new dossier (status `pending`).
pub fn insert(conn: &Connection, d: &DossierRow) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO dossiers ({COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
    ))?;
    stmt.execute(params![
        d.code,
        d.business_date.to_string(),
        d.sequence,
        d.procedure,
        d.received_at_ms,
        d.due_at_ms,
        d.fee as i64,
        d.pages,
        d.copies,
        d.applicant,
        d.fields,
        d.masked_id,
        d.summary,
        d.portal_key,
        d.filed_by,
        d.ticket_id,
        d.portal_status.as_str(),
        d.portal_reference,
        d.accepted_at_ms,
        d.portal_checked_at_ms,
        d.purged_at_ms,
    ])?;
    Ok(())
}

/// Links the queue ticket issued with the dossier.
pub fn set_ticket(conn: &Connection, code: &str, ticket_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE dossiers SET ticket_id = ?2 WHERE code = ?1")?
        .execute(params![code, ticket_id])?;
    Ok(())
}

/// One step of a dossier's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub at_ms: i64,
    pub stage: Stage,
    pub note: Option<String>,
}

/// Appends a timeline step.
pub fn add_timeline(
    conn: &Connection,
    code: &str,
    at_ms: i64,
    stage: Stage,
    note: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO dossier_timeline (code, at_ms, stage, note) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![code, at_ms, stage.as_str(), note])?;
    Ok(())
}

/// Records the lookup token of a dossier (its receipt's QR code).
pub fn set_lookup_token(conn: &Connection, code: &str, token: &str) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO dossier_lookup (code, token) VALUES (?1, ?2)")?
        .execute(params![code, token])?;
    Ok(())
}

/// The lookup token of a dossier; `None` for one filed before the tokens.
pub fn lookup_token(conn: &Connection, code: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT token FROM dossier_lookup WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?)
}

/// A dossier's timeline, oldest first.
pub fn timeline(conn: &Connection, code: &str) -> Result<Vec<TimelineRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at_ms, stage, note FROM dossier_timeline WHERE code = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([code], |r| {
        let stage: String = r.get(1)?;
        Ok((r.get(0)?, stage, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (at_ms, stage, note) = row?;
        let stage = Stage::parse(&stage)
            .ok_or_else(|| StoreError::Corrupt(format!("timeline stage {stage:?}")))?;
        out.push(TimelineRow { at_ms, stage, note });
    }
    Ok(out)
}

/// Queues a dossier for delivery to the portal.
pub fn enqueue(conn: &Connection, code: &str, at_ms: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox (code, created_at_ms, next_attempt_at_ms) VALUES (?1, ?2, ?2)",
    )?
    .execute(params![code, at_ms])?;
    Ok(())
}

/// A dossier waiting for the portal, with its delivery history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub code: String,
    pub created_at_ms: i64,
    pub attempts: u32,
    pub last_attempt_at_ms: Option<i64>,
    pub next_attempt_at_ms: Option<i64>,
    pub last_error: Option<String>,
}

fn outbox_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        code: r.get(0)?,
        created_at_ms: r.get(1)?,
        attempts: r.get(2)?,
        last_attempt_at_ms: r.get(3)?,
        next_attempt_at_ms: r.get(4)?,
        last_error: r.get(5)?,
    })
}

/// The oldest `limit` dossiers waiting for the portal.
pub fn outbox(conn: &Connection, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, created_at_ms, attempts, last_attempt_at_ms, next_attempt_at_ms, last_error \
         FROM outbox ORDER BY created_at_ms, code LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], outbox_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The outbox row of one dossier, if it is still waiting.
pub fn outbox_entry(conn: &Connection, code: &str) -> Result<Option<OutboxRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, created_at_ms, attempts, last_attempt_at_ms, next_attempt_at_ms, last_error \
         FROM outbox WHERE code = ?1",
    )?;
    Ok(stmt.query_row([code], outbox_from_row).optional()?)
}

/// The outbox at a glance, for technicians: how many dossiers wait, the
/// oldest, and the latest delivery error (a wire type).
pub use motcua_api::OutboxSummary;

/// Reads the [`OutboxSummary`].
pub fn outbox_summary(conn: &Connection) -> Result<OutboxSummary, StoreError> {
    let (pending, max_attempts): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(MAX(attempts), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let oldest: Option<(String, i64)> = conn
        .query_row(
            "SELECT code, created_at_ms FROM outbox ORDER BY created_at_ms, code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let last: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT last_attempt_at_ms, last_error FROM outbox \
             WHERE last_attempt_at_ms IS NOT NULL ORDER BY last_attempt_at_ms DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(OutboxSummary {
        pending: pending.max(0) as u64,
        oldest_code: oldest.as_ref().map(|o| o.0.clone()),
        oldest_created_at_ms: oldest.map(|o| o.1),
        last_attempt_at_ms: last.as_ref().map(|l| l.0),
        last_error: last.and_then(|l| l.1),
        max_attempts: max_attempts.max(0) as u32,
    })
}

/// Records a failed delivery attempt; returns the attempts so far.
pub fn record_failure(
    conn: &Connection,
    code: &str,
    at_ms: i64,
    next_attempt_at_ms: i64,
    error: &str,
) -> Result<u32, StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_attempt_at_ms = ?2, \
         next_attempt_at_ms = ?3, last_error = ?4 WHERE code = ?1 RETURNING attempts",
    )?;
    Ok(stmt
        .query_row(params![code, at_ms, next_attempt_at_ms, error], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

/// Records the portal's acknowledgement: reference and status on the
/// dossier, out of the outbox. Returns `false` when the dossier had already
/// left the outbox (a duplicate acknowledgement changes nothing).
pub fn record_delivery(
    conn: &Connection,
    code: &str,
    reference: &str,
    status: PortalStatus,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM outbox WHERE code = ?1")?
        .execute([code])?;
    if removed == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE dossiers SET portal_reference = ?2, portal_status = ?3, accepted_at_ms = ?4, \
         portal_checked_at_ms = ?4 WHERE code = ?1",
    )?
    .execute(params![code, reference, status.as_str(), at_ms])?;
    Ok(true)
}

/// Records a refusal by the portal: the dossier leaves the outbox (retrying
/// cannot help) and keeps the error for staff.
pub fn record_refusal(
    conn: &Connection,
    code: &str,
    at_ms: i64,
    error: &str,
) -> Result<bool, StoreError> {
    let removed = conn
        .prepare_cached("DELETE FROM outbox WHERE code = ?1")?
        .execute([code])?;
    if removed == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "UPDATE dossiers SET portal_status = 'refused', portal_checked_at_ms = ?2 WHERE code = ?1",
    )?
    .execute(params![code, at_ms])?;
    add_timeline(conn, code, at_ms, Stage::Refused, Some(error))?;
    Ok(true)
}

/// Records the status the portal reports now.
pub fn set_portal_status(
    conn: &Connection,
    code: &str,
    status: PortalStatus,
    checked_at_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE dossiers SET portal_status = ?2, portal_checked_at_ms = ?3 WHERE code = ?1",
    )?
    .execute(params![code, status.as_str(), checked_at_ms])?;
    Ok(())
}

/// Delivered dossiers whose status may still change, least recently
/// checked first.
pub fn open_dossiers(
    conn: &Connection,
    limit: u32,
) -> Result<Vec<(String, String, PortalStatus)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, portal_reference, portal_status FROM dossiers \
         WHERE portal_reference IS NOT NULL AND portal_status NOT IN ('result_ready', 'refused') \
         ORDER BY portal_checked_at_ms LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (code, reference, status) = row?;
        let status = PortalStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("portal status {status:?}")))?;
        out.push((code, reference, status));
    }
    Ok(out)
}

/// Erases the personal fields of dossiers the portal accepted before
/// `accepted_before_ms`; returns how many were purged.
pub fn purge_personal_data(
    conn: &Connection,
    accepted_before_ms: i64,
    now_ms: i64,
) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE dossiers SET applicant = NULL, fields = NULL, purged_at_ms = ?2 \
             WHERE purged_at_ms IS NULL AND accepted_at_ms IS NOT NULL AND accepted_at_ms < ?1",
        )?
        .execute(params![accepted_before_ms, now_ms])?)
}
