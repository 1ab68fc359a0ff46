//! Bearer tokens: readers of the JSON API (from the configuration, with a
//! role) and offices (one token per unit, kept in PostgreSQL as a digest so
//! every instance knows a unit registered through another).

use std::collections::HashMap;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::config::{CityRole, TokenConfig};
use crate::error::ApiError;

/// SHA-256 of a token, hex: what is stored and compared.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A reader of the JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub name: String,
    pub role: CityRole,
    /// With [`CityRole::UnitViewer`]: the units it may see.
    pub units: Vec<String>,
}

impl Reader {
    /// Whether this reader may see `unit_code`'s figures.
    pub fn may_see(&self, unit_code: &str) -> bool {
        match self.role {
            CityRole::City => true,
            CityRole::UnitViewer => self.units.iter().any(|u| u == unit_code),
            CityRole::Technician => false,
        }
    }

    /// Refuses unless the role is one of `roles`.
    pub fn require(&self, roles: &[CityRole]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The readers' tokens, by digest.
#[derive(Debug, Clone, Default)]
pub struct Readers {
    by_digest: HashMap<String, Reader>,
}

impl Readers {
    pub fn new(tokens: &[TokenConfig]) -> Self {
        Self {
            by_digest: tokens
                .iter()
                .map(|t| {
                    (
                        token_digest(&t.token),
                        Reader {
                            name: t.name.clone(),
                            role: t.role,
                            units: t.units.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The reader presenting the request's bearer token.
    pub fn reader(&self, headers: &HeaderMap) -> Result<&Reader, ApiError> {
        let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
        self.by_digest
            .get(&token_digest(token))
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn readers_see_what_their_role_allows() {
        let readers = Readers::new(&[
            TokenConfig {
                name: "sở".into(),
                role: CityRole::City,
                token: "city-token-0123456789".into(),
                units: vec![],
            },
            TokenConfig {
                name: "phường".into(),
                role: CityRole::UnitViewer,
                token: "viewer-token-0123456789".into(),
                units: vec!["H26.01".into()],
            },
        ]);
        let city = readers.reader(&headers("city-token-0123456789")).unwrap();
        assert!(city.may_see("H26.02"));
        let viewer = readers.reader(&headers("viewer-token-0123456789")).unwrap();
        assert!(viewer.may_see("H26.01"));
        assert!(!viewer.may_see("H26.02"));
        assert!(readers.reader(&headers("nope-nope-nope-nope")).is_err());
        assert!(readers.reader(&HeaderMap::new()).is_err());
    }
}
