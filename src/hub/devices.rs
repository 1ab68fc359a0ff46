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

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::api::{change, read_post, Reply};
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{parse_json, IdempotencyKey};
use super::Hub;
use crate::config::Role;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::store::devices::{self, DeviceStateRow};
use crate::store::{StoreError, WriteCtx};

/// The devices a kiosk reports on.
pub const DEVICES: [&str; 2] = ["printer", "scanner"];
/// The states a device can be in.
pub const STATES: [&str; 3] = ["ok", "warning", "fault"];

/// `POST /api/v1/devices/events`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEventRequest {
    /// `printer` or `scanner`.
    pub device: String,
    /// `ok`, `warning` or `fault`.
    pub state: String,
    /// Why, when not ok: `paper_out`, `cover_open`, `offline`, `timeout`,
    /// `disconnected`, `busy`, `bad_data`, `other`, `paper_near_end`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The kiosk's name; default: the name of the caller's token.
    #[serde(default)]
    pub kiosk: Option<String>,
}

/// One device of one kiosk, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStateView {
    pub kiosk: String,
    pub device: String,
    pub state: String,
    pub kind: Option<String>,
    /// Since when (office local time, RFC 3339) it has been in this state.
    pub since: String,
    pub updated_at: String,
    pub message_vi: String,
    pub message_en: String,
}

/// A kiosk and its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskDevices {
    pub kiosk: String,
    /// The printer is in fault: the kiosk cannot give tickets or receipts.
    pub out_of_service: bool,
    pub devices: Vec<DeviceStateView>,
}

/// The answer to a report.
#[derive(Debug, Clone, Serialize)]
struct ReportAnswer {
    #[serde(flatten)]
    state: DeviceStateView,
    /// Whether the report changed the state (and an event was emitted).
    changed: bool,
}

impl ApiError {
    pub fn bad_device_event(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("Báo cáo thiết bị không hợp lệ: {detail}"),
            format!("Invalid device report: {detail}"),
        )
    }
}

fn device_vi(device: &str) -> (&'static str, &'static str) {
    match device {
        "printer" => ("máy in", "printer"),
        _ => ("đầu đọc", "scanner"),
    }
}

/// A device error kind code (`paper_out`, …) in a few words, Vietnamese and
/// English.
pub(crate) fn kind_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "paper_out" => ("hết giấy", "out of paper"),
        "paper_near_end" => ("sắp hết giấy", "paper nearly out"),
        "cover_open" => ("đang mở nắp", "cover open"),
        "offline" => ("tạm ngừng hoạt động", "offline"),
        "timeout" => ("không phản hồi", "not responding"),
        "disconnected" => ("mất kết nối", "disconnected"),
        "busy" => ("bị chương trình khác chiếm", "held by another program"),
        "bad_data" => ("gửi dữ liệu lỗi", "sending bad data"),
        _ => ("gặp lỗi", "reporting an error"),
    }
}

/// "Kiosk kiosk-2: máy in hết giấy." and its English.
pub fn state_message(
    kiosk: &str,
    device: &str,
    state: &str,
    kind: Option<&str>,
) -> (String, String) {
    let (d_vi, d_en) = device_vi(device);
    match (state, kind) {
        ("ok", _) => (
            format!("Kiosk {kiosk}: {d_vi} hoạt động bình thường."),
            format!("Kiosk {kiosk}: {d_en} working."),
        ),
        (_, kind) => {
            let (k_vi, k_en) = kind_words(kind.unwrap_or("other"));
            (
                format!("Kiosk {kiosk}: {d_vi} {k_vi}."),
                format!("Kiosk {kiosk}: {d_en} {k_en}."),
            )
        }
    }
}

fn view(row: &DeviceStateRow, tz: chrono_tz::Tz) -> DeviceStateView {
    let (message_vi, message_en) =
        state_message(&row.kiosk, &row.device, &row.state, row.kind.as_deref());
    DeviceStateView {
        kiosk: row.kiosk.clone(),
        device: row.device.clone(),
        state: row.state.clone(),
        kind: row.kind.clone(),
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
            .any(|d| d.device == "printer" && d.state == "fault");
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
fn validate(body: &DeviceEventRequest, kiosk: &str) -> Result<(), ApiError> {
    if !DEVICES.contains(&body.device.as_str()) {
        return Err(ApiError::bad_device_event(&format!(
            "device must be printer or scanner, not {:?}",
            body.device
        )));
    }
    if !STATES.contains(&body.state.as_str()) {
        return Err(ApiError::bad_device_event(&format!(
            "state must be ok, warning or fault, not {:?}",
            body.state
        )));
    }
    match (&body.kind, body.state.as_str()) {
        (None, "warning" | "fault") => {
            return Err(ApiError::bad_device_event(
                "a warning or fault needs a kind",
            ))
        }
        (Some(k), _) if !is_word(k, 40) => {
            return Err(ApiError::bad_device_event(
                "kind is a short snake_case word, e.g. paper_out",
            ))
        }
        _ => {}
    }
    if !is_word(kiosk, 64) {
        return Err(ApiError::bad_device_event(
            "kiosk is 1–64 letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(())
}

/// Records one report in the writer's transaction; emits an event when the
/// state or its kind changed.
pub fn record(
    ctx: &mut WriteCtx<'_>,
    kiosk: &str,
    body: &DeviceEventRequest,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> Result<(DeviceStateView, bool), ApiError> {
    let now_ms = to_millis(now);
    let kind = if body.state == "ok" {
        None
    } else {
        body.kind.clone()
    };
    let previous = devices::get(ctx.conn(), kiosk, &body.device)?;
    let changed = previous
        .as_ref()
        .is_none_or(|p| p.state != body.state || p.kind != kind);
    let row = DeviceStateRow {
        kiosk: kiosk.to_owned(),
        device: body.device.clone(),
        state: body.state.clone(),
        kind: kind.clone(),
        since_ms: match &previous {
            Some(p) if !changed => p.since_ms,
            _ => now_ms,
        },
        updated_ms: now_ms,
    };
    devices::put(ctx.conn(), &row)?;
    let event = match body.state.as_str() {
        // A first "ok" is news to nobody.
        "ok" if previous.as_ref().is_some_and(|p| p.state != "ok") => Some("device.recovered"),
        "warning" if changed => Some("device.warning"),
        "fault" if changed => Some("device.fault"),
        _ => None,
    };
    let v = view(&row, tz);
    if let Some(event) = event {
        ctx.emit(
            now_ms,
            event,
            serde_json::json!({
                "kiosk": kiosk,
                "device": body.device,
                "state": body.state,
                "kind": kind,
                "previous_state": previous.as_ref().map(|p| p.state.clone()),
                "previous_kind": previous.as_ref().and_then(|p| p.kind.clone()),
                "out_of_service": body.device == "printer" && body.state == "fault",
                "message_vi": v.message_vi,
                "message_en": v.message_en,
            }),
        )?;
        match body.state.as_str() {
            "ok" => tracing::info!(kiosk, device = %body.device, "device recovered"),
            _ => {
                tracing::warn!(kiosk, device = %body.device, state = %body.state, kind = ?kind, "device problem reported")
            }
        }
    }
    Ok((v, event.is_some()))
}

/// `POST /api/v1/devices/events` (kiosks; technicians).
pub async fn post_event(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    let body: DeviceEventRequest = parse_json(&raw)?;
    let kiosk = body.kiosk.clone().unwrap_or_else(|| principal.name.clone());
    validate(&body, &kiosk)?;
    let tz = hub.rules.tz;
    change(&hub, idem, move |_, ctx, now| {
        let (state, changed) = record(ctx, &kiosk, &body, now, tz)?;
        Reply::json(StatusCode::OK, &ReportAnswer { state, changed })
    })
    .await
}

/// `GET /api/v1/devices`: every kiosk's devices.
pub async fn list(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let tz = hub.rules.tz;
    let list = hub.store.read(move |conn| kiosks(conn, tz)).await?;
    Reply::json(StatusCode::OK, &serde_json::json!({ "kiosks": list }))
}
