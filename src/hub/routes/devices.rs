//! Devices' routes: kiosks report their devices
//! (`POST /api/v1/devices/events`, idempotent like every POST) and anyone
//! may list them (`GET /api/v1/devices`); the rules are `hub::devices`'s.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use motcua_api::{DeviceEventRequest, DeviceList, DeviceReport};

use super::reply::{change, read_post, Reply, Routes};
use crate::config::Role;
use crate::hub::auth::Principal;
use crate::hub::devices::{kiosks, record, validate};
use crate::hub::error::ApiError;
use crate::hub::state::Hub;
use crate::web::extract::{parse_json, IdempotencyKey};

/// The devices' routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/devices", get(list))
        .route("/api/v1/devices/events", post(post_event))
}

/// `POST /api/v1/devices/events` (kiosks; technicians): the kiosk is named
/// after its token unless the body names it — which only a technician may
/// do for another kiosk: a kiosk token on a public machine must not put
/// every kiosk of the office "out of service".
async fn post_event(
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
    if principal.role == Role::Kiosk && kiosk != principal.name {
        return Err(ApiError::other_kiosk(&principal.name, &kiosk));
    }
    let tz = hub.rules.tz;
    change(&hub, idem, move |_, ctx, now| {
        let (state, changed) = record(ctx, &kiosk, &body, now, tz)?;
        Reply::json(StatusCode::OK, &DeviceReport { state, changed })
    })
    .await
}

/// `GET /api/v1/devices`: every kiosk's devices.
async fn list(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let tz = hub.rules.tz;
    let kiosks = hub.store.read(move |conn| kiosks(conn, tz)).await?;
    Reply::json_sorted(StatusCode::OK, &DeviceList { kiosks })
}
