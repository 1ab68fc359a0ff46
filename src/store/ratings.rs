//! Citizen ratings, one per ticket.

use chrono::NaiveDate;
use motcua_api::Role;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row};

use super::StoreError;
use crate::domain::rating::RatingLevel;

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub id: i64,
    pub ticket_id: i64,
    pub business_date: NaiveDate,
    pub dossier_code: Option<String>,
    pub counter: Option<u32>,
    pub officer: Option<String>,
    pub level: RatingLevel,
    pub reasons: Vec<String>,
    /// The role of the device it was given at.
    pub channel: Role,
    pub rated_by: String,
    pub rated_at_ms: i64,
}

/// What inserting a rating found.
#[derive(Debug)]
pub enum Inserted {
    Stored(i64),
    /// The ticket already has a rating.
    AlreadyRated,
}

const COLUMNS: &str =
    "id, ticket_id, business_date, dossier_code, counter, officer, level, reasons, \
                       channel, rated_by, rated_at_ms";

fn from_row(row: &Row<'_>) -> rusqlite::Result<RatingRow> {
    let bad = |col: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.into())
    };
    let date: String = row.get(2)?;
    let level: String = row.get(6)?;
    let reasons: String = row.get(7)?;
    Ok(RatingRow {
        id: row.get(0)?,
        ticket_id: row.get(1)?,
        business_date: date
            .parse()
            .map_err(|_| bad(2, format!("bad date {date:?}")))?,
        dossier_code: row.get(3)?,
        counter: row.get(4)?,
        officer: row.get(5)?,
        level: RatingLevel::parse(&level).ok_or_else(|| bad(6, format!("bad level {level:?}")))?,
        reasons: serde_json::from_str(&reasons)
            .map_err(|_| bad(7, format!("bad reasons {reasons:?}")))?,
        channel: {
            let text: String = row.get(8)?;
            Role::parse(&text).ok_or_else(|| bad(8, format!("bad channel {text:?}")))?
        },
        rated_by: row.get(9)?,
        rated_at_ms: row.get(10)?,
    })
}

/// Stores a rating unless the ticket has one (the `UNIQUE` constraint
/// decides, so two kiosks racing cannot both succeed).
pub fn insert(conn: &Connection, r: &RatingRow) -> Result<Inserted, StoreError> {
    let reasons = serde_json::to_string(&r.reasons)
        .map_err(|e| StoreError::Corrupt(format!("reasons: {e}")))?;
    let result = conn
        .prepare_cached(
            "INSERT INTO ratings (ticket_id, business_date, dossier_code, counter, officer, level, \
             reasons, channel, rated_by, rated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            r.ticket_id,
            r.business_date.to_string(),
            r.dossier_code,
            r.counter,
            r.officer,
            r.level.as_str(),
            reasons,
            r.channel.as_str(),
            r.rated_by,
            r.rated_at_ms,
        ]);
    match result {
        Ok(_) => Ok(Inserted::Stored(conn.last_insert_rowid())),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Ok(Inserted::AlreadyRated)
        }
        Err(e) => Err(e.into()),
    }
}

/// The rating of a ticket, if any.
pub fn for_ticket(conn: &Connection, ticket: i64) -> Result<Option<RatingRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM ratings WHERE ticket_id = ?1"
        ))?
        .query_row([ticket], from_row)
        .optional()?)
}

/// Every rating of a business date, oldest first.
pub fn on_date(conn: &Connection, date: NaiveDate) -> Result<Vec<RatingRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM ratings WHERE business_date = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([date.to_string()], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The ticket shown as `number` (e.g. `A012`) on a business date.
pub fn ticket_by_number(
    conn: &Connection,
    date: NaiveDate,
    number: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id FROM tickets WHERE business_date = ?1 AND display = ?2")?
        .query_row(params![date.to_string(), number], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tickets::{insert as insert_ticket, NewTicket};
    use crate::store::Store;

    #[test]
    fn one_rating_per_ticket() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db"), Box::new(|_| {})).unwrap();
        let date: NaiveDate = "2026-11-26".parse().unwrap();
        let rating = move |ticket_id, level| RatingRow {
            id: 0,
            ticket_id,
            business_date: date,
            dossier_code: None,
            counter: Some(3),
            officer: Some("cb02".into()),
            level,
            reasons: Vec::new(),
            channel: Role::Kiosk,
            rated_by: "kiosk-1".into(),
            rated_at_ms: 1,
        };
        let outcome = store
            .write_blocking(move |ctx| {
                let id = insert_ticket(
                    ctx.conn(),
                    &NewTicket {
                        business_date: date,
                        service: "hotich",
                        number: 12,
                        display: "A012",
                        priority: None,
                        issued_at_ms: 0,
                        lookup_token: "ABCD2345",
                        issued_by: "kiosk-1",
                    },
                )?;
                let first = insert(ctx.conn(), &rating(id, RatingLevel::Satisfied))?;
                let second = insert(ctx.conn(), &rating(id, RatingLevel::Unsatisfied))?;
                Ok::<_, StoreError>((id, first, second))
            })
            .unwrap();
        let (id, first, second) = outcome;
        assert!(matches!(first, Inserted::Stored(_)));
        assert!(matches!(second, Inserted::AlreadyRated));
        let kept = store.read_blocking(|c| for_ticket(c, id)).unwrap().unwrap();
        assert_eq!(
            kept.level,
            RatingLevel::Satisfied,
            "the first rating stands"
        );
        assert_eq!(store.read_blocking(|c| on_date(c, date)).unwrap().len(), 1);
        assert_eq!(
            store
                .read_blocking(|c| ticket_by_number(c, date, "A012"))
                .unwrap(),
            Some(id)
        );
    }
}
