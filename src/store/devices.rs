//! Rows of `device_states`: the latest reported state of each kiosk's
//! printer and scanner.

use motcua_api::{Device, DeviceKind, DeviceState};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::StoreError;

/// The latest state of one device of one kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceStateRow {
    pub kiosk: String,
    pub device: Device,
    pub state: DeviceState,
    /// Why, when not ok: a device error kind (`paper_out`, `cover_open`,
    /// `disconnected`, …) or a warning (`paper_near_end`).
    pub kind: Option<DeviceKind>,
    /// Since when the device has been in this state and kind.
    pub since_ms: i64,
    /// The latest report.
    pub updated_ms: i64,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<DeviceStateRow> {
    let word = |col: usize| -> rusqlite::Result<String> { r.get(col) };
    let bad = |col: usize, what: String| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.into())
    };
    let (device, state) = (word(1)?, word(2)?);
    Ok(DeviceStateRow {
        kiosk: r.get(0)?,
        device: Device::parse(&device).ok_or_else(|| bad(1, format!("bad device {device:?}")))?,
        state: DeviceState::parse(&state).ok_or_else(|| bad(2, format!("bad state {state:?}")))?,
        kind: r
            .get::<_, Option<String>>(3)?
            .map(|k| DeviceKind::parse(&k)),
        since_ms: r.get(4)?,
        updated_ms: r.get(5)?,
    })
}

/// The state of one device, if it was ever reported.
pub fn get(
    conn: &Connection,
    kiosk: &str,
    device: Device,
) -> Result<Option<DeviceStateRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kiosk, device, state, kind, since_ms, updated_ms FROM device_states \
         WHERE kiosk = ?1 AND device = ?2",
    )?;
    Ok(stmt
        .query_row([kiosk, device.as_str()], from_row)
        .optional()?)
}

/// Writes a device's state (insert or replace).
pub fn put(conn: &Connection, row: &DeviceStateRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO device_states (kiosk, device, state, kind, since_ms, updated_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (kiosk, device) DO UPDATE SET state = ?3, kind = ?4, since_ms = ?5, updated_ms = ?6",
    )?
    .execute(params![
        row.kiosk,
        row.device.as_str(),
        row.state.as_str(),
        row.kind.map(DeviceKind::as_str),
        row.since_ms,
        row.updated_ms
    ])?;
    Ok(())
}

/// Every device of every kiosk, by kiosk then device.
pub fn all(conn: &Connection) -> Result<Vec<DeviceStateRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kiosk, device, state, kind, since_ms, updated_ms FROM device_states \
         ORDER BY kiosk, device",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
