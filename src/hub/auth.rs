//! Bearer-token authentication and role checks.
//!
//! Tokens and roles come from the configuration. A kiosk issues tickets but
//! cannot call numbers; a display can only read; a technician can do
//! everything. Unknown or missing tokens get `401`, a known token with the
//! wrong role `403`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::staff::Officer;
use super::Hub;
use crate::config::{Role, TokenConfig};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    /// The token's name, used to scope idempotency keys and in events.
    pub name: String,
    /// The officer signed in at a counter, when the caller uses a staff
    /// session instead of a plain counter token.
    pub officer: Option<Officer>,
}

impl Principal {
    /// `Ok` when the caller's role is one of `allowed` (technicians always are).
    pub fn require(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if self.role == Role::Technician || allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.role.as_str()))
        }
    }
}

/// The token table. Keys are SHA-256 digests, so a lookup does not compare
/// secrets character by character.
#[derive(Debug, Default)]
pub struct Tokens {
    by_digest: HashMap<[u8; 32], Principal>,
}

impl Tokens {
    pub fn new(tokens: &[TokenConfig]) -> Self {
        let by_digest = tokens
            .iter()
            .map(|t| {
                let principal = Principal {
                    role: t.role,
                    name: t.name.clone().unwrap_or_else(|| t.role.as_str().to_owned()),
                    officer: None,
                };
                (digest(&t.token), principal)
            })
            .collect();
        Self { by_digest }
    }

    /// The principal holding `token`.
    pub fn lookup(&self, token: &str) -> Option<&Principal> {
        self.by_digest.get(&digest(token))
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl FromRequestParts<Arc<Hub>> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        hub: &Arc<Hub>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        if let Some(principal) = hub.tokens.lookup(token) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technicians_may_do_everything_others_only_their_part() {
        let display = Principal {
            role: Role::Display,
            name: "d".into(),
            officer: None,
        };
        assert!(display.require(&[Role::Counter]).is_err());
        assert!(display.require(&[Role::Display]).is_ok());
        let tech = Principal {
            role: Role::Technician,
            name: "t".into(),
            officer: None,
        };
        assert!(tech.require(&[Role::Counter]).is_ok());
    }

    #[test]
    fn lookup_finds_configured_tokens_only() {
        let tokens = Tokens::new(&crate::config::Config::demo().tokens);
        assert_eq!(tokens.lookup("demo-kiosk-token").unwrap().role, Role::Kiosk);
        assert!(tokens.lookup("demo-kiosk-token ").is_none());
        assert!(tokens.lookup("").is_none());
    }
}
