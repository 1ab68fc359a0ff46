//! Bearer-token authentication and role checks.
//!
//! Tokens and roles come from the configuration. A kiosk issues tickets but
//! cannot call numbers; a display can only read; a technician can do
//! everything. Unknown or missing tokens get `401`, a known token with the
//! wrong role `403`. (A request's [`Principal`] is read from its
//! `Authorization` header by `routes::principal`.)

use std::collections::HashMap;

use motcua_api::Officer;
use sha2::{Digest, Sha256};

use crate::config::{Role, TokenConfig};
use crate::web::ApiError;

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
            Err(ApiError::forbidden(self.role))
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

/// The bearer token of an `Authorization` header value.
pub fn bearer(header: &str) -> Option<&str> {
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
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
