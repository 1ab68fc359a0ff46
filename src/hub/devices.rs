//! Device events: kiosks report their printer's and scanner's faults and
//! recoveries; the hub keeps the latest state per kiosk and device
//! (`device_states`), announces each change on the event stream
//! (`device.fault`, `device.warning`, `device.recovered`) and shows the
//! states in `GET /api/v1/health` and `GET /api/v1/devices` — the counter
//! app's "kiosk out of service" banner reads them.
//!
//! A report that repeats the current state changes nothing but its
//! `updated_at`: kiosks may report every outcome, and only changes reach
//! the stream.

use motcua_api::{
    Device, DeviceEvent, DeviceEventRequest, DeviceState, DeviceStateView, HubEvent, KioskDevices,
};
use rusqlite::Connection;

use super::error::ApiError;
use super::events::emit;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::domain::wording::device_state_message;
use crate::store::devices::{self, DeviceStateRow};
use crate::store::{StoreError, WriteCtx};

fn view(row: &DeviceStateRow, tz: chrono_tz::Tz) -> DeviceStateView {
    let (message_vi, message_en) =
        device_state_message(&row.kiosk, row.device, row.state, row.kind);
    DeviceStateView {
        kiosk: row.kiosk.clone(),
        device: row.device,
        state: row.state,
        kind: row.kind,
        since: to_local_rfc3339(from_millis(row.since_ms), tz),
        updated_at: to_local_rfc3339(from_millis(row.updated_ms), tz),
        message_vi,
        message_en,
    }
}

/// Every kiosk that ever reported, with its devices.
pub fn kiosks(conn: &Connection, tz: chrono_tz::Tz) -> Result<Vec<KioskDevices>, StoreError> {
    let mut out: Vec<KioskDevices> = Vec::new();
    for row in devices::all(conn)? {
        let v = view(&row, tz);
        match out.last_mut() {
            Some(k) if k.kiosk == row.kiosk => k.devices.push(v),
            _ => out.push(KioskDevices {
                kiosk: row.kiosk.clone(),
                out_of_service: false,
                devices: vec![v],
            }),
        }
    }
    for k in &mut out {
        k.out_of_service = k
            .devices
            .iter()
            .any(|d| d.device == Device::Printer && d.state == DeviceState::Fault);
    }
    Ok(out)
}

fn is_word(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Checks a report before it reaches the writer.
pub fn validate(body: &DeviceEventRequest, kiosk: &str) -> Result<(), ApiError> {
    if body.kind.is_none() && body.state != DeviceState::Ok {
        return Err(ApiError::bad_device_event(
            "a warning or fault needs a kind",
        ));
    }
    if !is_word(kiosk, 64) {
        return Err(ApiError::bad_device_event(
            "kiosk is 1–64 letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(())
}

/// Records one report in the writer's transaction; emits an event when the
/// state or its kind changed. Returns the state and whether it changed.
pub fn record(
    ctx: &mut WriteCtx<'_>,
    kiosk: &str,
    body: &DeviceEventRequest,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> Result<(DeviceStateView, bool), ApiError> {
    let now_ms = to_millis(now);
    let kind = match body.state {
        DeviceState::Ok => None,
        _ => body.kind,
    };
    let previous = devices::get(ctx.conn(), kiosk, body.device)?;
    let changed = previous
        .as_ref()
        .is_none_or(|p| p.state != body.state || p.kind != kind);
    let row = DeviceStateRow {
        kiosk: kiosk.to_owned(),
        device: body.device,
        state: body.state,
        kind,
        since_ms: match &previous {
            Some(p) if !changed => p.since_ms,
            _ => now_ms,
        },
        updated_ms: now_ms,
    };
    devices::put(ctx.conn(), &row)?;
    let event: Option<fn(DeviceEvent) -> HubEvent> = match body.state {
        // A first "ok" is news to nobody.
        DeviceState::Ok
            if previous
                .as_ref()
                .is_some_and(|p| p.state != DeviceState::Ok) =>
        {
            Some(HubEvent::DeviceRecovered)
        }
        DeviceState::Warning if changed => Some(HubEvent::DeviceWarning),
        DeviceState::Fault if changed => Some(HubEvent::DeviceFault),
        _ => None,
    };
    let v = view(&row, tz);
    if let Some(event) = event {
        emit(
            ctx,
            now_ms,
            event(DeviceEvent {
                device: body.device,
                kind,
                kiosk: kiosk.to_owned(),
                message_en: v.message_en.clone(),
                message_vi: v.message_vi.clone(),
                out_of_service: body.device == Device::Printer && body.state == DeviceState::Fault,
                previous_kind: previous.as_ref().and_then(|p| p.kind),
                previous_state: previous.as_ref().map(|p| p.state),
                state: body.state,
            }),
        )?;
        match body.state {
            DeviceState::Ok => {
                tracing::info!(kiosk, device = %body.device.as_str(), "device recovered")
            }
            _ => {
                tracing::warn!(kiosk, device = %body.device.as_str(), state = %body.state.as_str(), kind = ?kind, "device problem reported")
            }
        }
    }
    Ok((v, event.is_some()))
}
