//! Officers at counters: signed-in sessions (by digest) and the officer a
//! ticket's counter work is attributed to.

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;

/// A signed-in officer's session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Hex SHA-256 of the session secret.
    pub digest: String,
    pub staff: String,
    pub counter: u32,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

/// Stores a new session.
pub fn insert_session(conn: &Connection, s: &SessionRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO staff_sessions (digest, staff, counter, created_at_ms, expires_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        s.digest,
        s.staff,
        s.counter,
        s.created_at_ms,
        s.expires_at_ms
    ])?;
    Ok(())
}

/// Ends a session; returns whether it existed.
pub fn delete_session(conn: &Connection, digest: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM staff_sessions WHERE digest = ?1")?
        .execute([digest])?
        == 1)
}

/// Sessions still valid at `now_ms`.
pub fn live_sessions(conn: &Connection, now_ms: i64) -> Result<Vec<SessionRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT digest, staff, counter, created_at_ms, expires_at_ms FROM staff_sessions \
         WHERE expires_at_ms > ?1",
    )?;
    let rows = stmt.query_map([now_ms], |r| {
        Ok(SessionRow {
            digest: r.get(0)?,
            staff: r.get(1)?,
            counter: r.get(2)?,
            created_at_ms: r.get(3)?,
            expires_at_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Forgets sessions expired before `now_ms`; returns how many.
pub fn purge_sessions(conn: &Connection, now_ms: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM staff_sessions WHERE expires_at_ms <= ?1",
        [now_ms],
    )?)
}

/// Attributes a ticket's counter work to an officer.
pub fn set_ticket_officer(conn: &Connection, ticket: i64, officer: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE tickets SET officer = ?2 WHERE id = ?1")?
        .execute(params![ticket, officer])?;
    Ok(())
}

/// The officer a ticket's counter work is attributed to.
pub fn ticket_officer(conn: &Connection, ticket: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT officer FROM tickets WHERE id = ?1")?
        .query_row([ticket], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}
