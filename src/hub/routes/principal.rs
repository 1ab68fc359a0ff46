//! Who is calling: the [`Principal`] of a request, from its bearer token —
//! a configured device token, or an officer's session acting as a counter.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::config::Role;
use crate::hub::auth::{bearer, Principal};
use crate::hub::error::ApiError;
use crate::hub::state::Hub;

impl FromRequestParts<Arc<Hub>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        hub: &Arc<Hub>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(principal) = hub.tokens.lookup(token) {
            if principal.role == Role::Kiosk {
                let agent = parts
                    .headers
                    .get(axum::http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok());
                hub.kiosks_seen.note(&principal.name, agent, hub.now());
            }
            return Ok(principal.clone());
        }
        // An officer's session acts as a counter, in the officer's name.
        hub.sessions
            .lookup(token, hub.now())
            .map(|officer| Principal {
                role: Role::Counter,
                name: format!("staff:{}", officer.code),
                officer: Some(officer),
            })
            .ok_or_else(ApiError::unauthorized)
    }
}
