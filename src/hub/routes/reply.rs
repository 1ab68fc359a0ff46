//! What every route shares: a successful answer ([`Reply`]), reading a POST
//! body within the size limit, and idempotent changes — every POST that
//! creates or changes something honours `Idempotency-Key`: the key, the
//! caller and the stored response are written in the same transaction as
//! the change, so a retry after a lost answer gets the same answer and
//! never a second ticket or a second call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use chrono::{DateTime, Utc};
use motcua_api::Officer;
use serde::Serialize;

use crate::domain::time::to_millis;
use crate::hub::auth::Principal;
use crate::hub::error::ApiError;
use crate::hub::queue::Rules;
use crate::hub::state::Hub;
use crate::store::tickets::{self, StoredResponse};
use crate::store::WriteCtx;
use crate::web::extract::{fingerprint, read_limited, IdempotencyKey};

/// A router that remembers the paths it serves, so a test can hold the
/// OpenAPI document to the router itself.
pub struct Routes {
    pub router: Router<Arc<Hub>>,
    pub paths: Vec<&'static str>,
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Serves `path` with `methods`.
    pub fn route(mut self, path: &'static str, methods: MethodRouter<Arc<Hub>>) -> Self {
        self.router = self.router.route(path, methods);
        self.paths.push(path);
        self
    }

    /// Adds another area's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

/// A successful answer: status and raw JSON text (stored verbatim for
/// idempotent replays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<String>,
}

impl Reply {
    /// `value` as JSON, keys in the order its type declares them.
    pub fn json(status: StatusCode, value: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_string(value).map_err(|_| ApiError::internal())?;
        Ok(Self {
            status,
            body: Some(body),
        })
    }

    /// `value` as JSON with its keys in alphabetical order, as the bodies
    /// built from JSON values were written (`motcua_api::wire`).
    pub fn json_sorted(status: StatusCode, value: &impl Serialize) -> Result<Self, ApiError> {
        let body = motcua_api::wire::sorted_json(value).map_err(|_| ApiError::internal())?;
        Ok(Self {
            status,
            body: Some(body),
        })
    }

    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => (
                self.status,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
            None => self.status.into_response(),
        }
    }
}

/// Everything a POST needs to be replayable.
pub struct Idempotency {
    principal: String,
    key: String,
    fingerprint: String,
}

impl Idempotency {
    pub fn new(
        principal: &Principal,
        key: IdempotencyKey,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Option<Self> {
        key.0.map(|key| Self {
            principal: format!("{}:{}", principal.role.as_str(), principal.name),
            key,
            fingerprint: fingerprint(method, path, body),
        })
    }

    /// The reply stored under this key, unless the key came back with
    /// another request (which is refused).
    fn replay(&self, stored: tickets::StoredResponse) -> Result<Reply, ApiError> {
        if stored.fingerprint != self.fingerprint {
            return Err(ApiError::idempotency_key_reused());
        }
        let status = StatusCode::from_u16(stored.status).map_err(|_| ApiError::internal())?;
        let body = (!stored.body.is_empty()).then_some(stored.body);
        Ok(Reply { status, body })
    }
}

/// Reads a POST's body (within the size limit) and the idempotency record
/// its key, method, path and body make, if it has a key.
pub async fn read_post(
    principal: &Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<(Bytes, Option<Idempotency>), ApiError> {
    let path = req.uri().path().to_owned();
    let raw = read_limited(req).await?;
    let idem = Idempotency::new(principal, key, "POST", &path, &raw);
    Ok((raw, idem))
}

/// Runs `op` unless the key was seen; stores its reply under the key.
fn idempotent(
    ctx: &mut WriteCtx<'_>,
    idem: Option<Idempotency>,
    now_ms: i64,
    op: impl FnOnce(&mut WriteCtx<'_>) -> Result<Reply, ApiError>,
) -> Result<Reply, ApiError> {
    if let Some(idem) = &idem {
        if let Some(stored) = tickets::idempotent_response(ctx.conn(), &idem.principal, &idem.key)?
        {
            return idem.replay(stored);
        }
    }
    let reply = op(ctx)?;
    if let Some(idem) = idem {
        tickets::store_idempotent_response(
            ctx.conn(),
            &idem.principal,
            &idem.key,
            &StoredResponse {
                fingerprint: idem.fingerprint,
                status: reply.status.as_u16(),
                body: reply.body.clone().unwrap_or_default(),
            },
            now_ms,
        )?;
    }
    Ok(reply)
}

/// Runs a change in the writer, idempotently.
pub async fn change(
    hub: &Hub,
    idem: Option<Idempotency>,
    op: impl FnOnce(&Rules, &mut WriteCtx<'_>, DateTime<Utc>) -> Result<Reply, ApiError>
        + Send
        + 'static,
) -> Result<Reply, ApiError> {
    change_as(hub, None, idem, op).await
}

/// [`change`] with the queue rules acting for a signed-in officer.
pub async fn change_as(
    hub: &Hub,
    officer: Option<Officer>,
    idem: Option<Idempotency>,
    op: impl FnOnce(&Rules, &mut WriteCtx<'_>, DateTime<Utc>) -> Result<Reply, ApiError>
        + Send
        + 'static,
) -> Result<Reply, ApiError> {
    let rules = hub.rules.clone().acting_as(officer);
    let now = hub.now();
    hub.store
        .write(move |ctx| idempotent(ctx, idem, to_millis(now), |ctx| op(&rules, ctx, now)))
        .await
}

/// The stored answer for an idempotency key seen before, read outside the
/// writer so a kiosk's retry is answered even if what it depends on
/// changed since (the writer checks again, race-free).
pub async fn stored_reply(hub: &Hub, idem: &Idempotency) -> Result<Option<Reply>, ApiError> {
    let (principal, key) = (idem.principal.clone(), idem.key.clone());
    let stored = hub
        .store
        .read(move |conn| tickets::idempotent_response(conn, &principal, &key))
        .await?;
    stored.map(|s| idem.replay(s)).transpose()
}
