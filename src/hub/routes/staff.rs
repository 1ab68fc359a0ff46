//! Officers signing in and out at a counter (`POST /api/v1/staff/sign-in`,
//! `POST /api/v1/staff/sign-out`); the sessions themselves are
//! `hub::staff`'s.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Duration;
use motcua_api::{HubEvent, Officer, OfficerRef, SignInRequest, SignedIn, StaffEvent};

use super::reply::{Reply, Routes};
use crate::config::Role;
use crate::domain::time::{to_local_rfc3339, to_millis};
use crate::hub::auth::{bearer, Principal};
use crate::hub::error::ApiError;
use crate::hub::events::emit;
use crate::hub::staff::{digest, dummy_hash, new_secret, LOCKOUT};
use crate::hub::state::Hub;
use crate::pin::verify_pin;
use crate::store::staff::{delete_session, insert_session, SessionRow};
use crate::web::extract::JsonBody;

/// The officers' routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/staff/sign-in", post(sign_in))
        .route("/api/v1/staff/sign-out", post(sign_out))
}

/// `POST /api/v1/staff/sign-in`: a counter device signs an officer in.
async fn sign_in(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    JsonBody { value: body, .. }: JsonBody<SignInRequest>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter])?;
    let now = hub.now();
    let config = &hub.rules.config;
    if !config.counters.iter().any(|c| c.number == body.counter) {
        return Err(ApiError::unknown_counter(&body.counter.to_string()));
    }
    if let Some(o) = &principal.officer {
        // A session signing someone in at another counter is not a counter.
        if o.counter != body.counter {
            return Err(ApiError::counter_not_allowed(&o.code, body.counter));
        }
    }
    let code = body.code.trim().to_lowercase();
    if hub.sessions.locked(&code, &principal.name, now) {
        tracing::warn!(staff = %code, counter = body.counter, device = %principal.name,
            "sign-in refused: too many failed attempts");
        return Err(ApiError::too_many_attempts(LOCKOUT.num_minutes()));
    }
    let member = config.staff_member(&code).cloned();
    // Verify even for an unknown code, so timing does not reveal which
    // codes exist.
    let hash = member
        .as_ref()
        .map(|m| m.pin_hash.clone())
        .unwrap_or_else(dummy_hash);
    let pin = body.pin.clone();
    let matches = tokio::task::spawn_blocking(move || verify_pin(&hash, &pin))
        .await
        .map_err(|_| ApiError::internal())?;
    let Some(member) = member.filter(|_| matches) else {
        let failures = hub.sessions.failed(&code, &principal.name, now);
        tracing::warn!(staff = %code, counter = body.counter, device = %principal.name, failures,
            "failed sign-in: wrong staff code or PIN");
        return Err(ApiError::bad_credentials());
    };
    if !member.may_use(body.counter) {
        tracing::warn!(staff = %code, counter = body.counter, "sign-in refused: not this officer's counter");
        return Err(ApiError::counter_not_allowed(&code, body.counter));
    }
    hub.sessions.succeeded(&code, &principal.name);
    let (secret, digest) = new_secret();
    let minutes = i64::from(config.hub.staff_session_minutes.max(1));
    let expires_at = now + Duration::minutes(minutes);
    let officer = Officer {
        code: member.code.clone(),
        name: member.name.clone(),
        counter: body.counter,
    };
    let row = SessionRow {
        digest: digest.clone(),
        staff: officer.code.clone(),
        counter: officer.counter,
        created_at_ms: to_millis(now),
        expires_at_ms: to_millis(expires_at),
    };
    let event = HubEvent::StaffSignedIn(StaffEvent {
        counter: officer.counter,
        officer: OfficerRef::from(&officer),
    });
    hub.store
        .write(move |ctx| {
            insert_session(ctx.conn(), &row)?;
            emit(ctx, row.created_at_ms, event)
        })
        .await?;
    hub.sessions
        .insert(digest, officer.clone(), now, expires_at);
    tracing::info!(staff = %officer.code, counter = officer.counter, "officer signed in");
    Reply::json(
        StatusCode::OK,
        &SignedIn {
            session: secret,
            expires_at: to_local_rfc3339(expires_at, hub.rules.tz),
            officer,
        },
    )
}

/// `POST /api/v1/staff/sign-out`: ends the caller's own session.
async fn sign_out(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Reply, ApiError> {
    let Some(officer) = principal.officer else {
        return Err(ApiError::not_signed_in());
    };
    let secret = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .ok_or_else(ApiError::unauthorized)?;
    let digest = digest(secret);
    hub.sessions.remove(&digest);
    let now_ms = to_millis(hub.now());
    let event = HubEvent::StaffSignedOut(StaffEvent {
        counter: officer.counter,
        officer: OfficerRef::from(&officer),
    });
    hub.store
        .write(move |ctx| {
            delete_session(ctx.conn(), &digest)?;
            emit(ctx, now_ms, event)
        })
        .await?;
    tracing::info!(staff = %officer.code, counter = officer.counter, "officer signed out");
    Ok(Reply::no_content())
}
