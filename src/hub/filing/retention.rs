//! The personal-data retention: a dossier's applicant and form fields are
//! erased `filing.retention_days` after the portal accepted it — never
//! before delivery. Housekeeping runs it hourly
//! (`hub::state::Hub::housekeeping_once`), with the idempotency records
//! that hold filing answers, in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::domain::time::to_millis;
use crate::store::{dossiers, StoreError};

/// Erases the personal fields of dossiers the portal accepted more than
/// `retention` ago.
/// Returns how many dossiers were purged.
pub fn purge_personal_data(
    conn: &Connection,
    retention: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    dossiers::purge_personal_data(conn, to_millis(now - retention), to_millis(now))
}
