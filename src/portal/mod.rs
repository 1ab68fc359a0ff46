//! The online public service portal (*Cổng dịch vụ công*) the hub delivers
//! dossiers to.
//!
//! - [`Portal`]: what the hub needs from a portal — submit a dossier under
//!   an idempotency key and get the portal's reference, look up a status,
//!   fetch the procedure catalogue.
//! - [`http::HttpPortal`]: the implementation over HTTP (reqwest, rustls),
//!   with timeouts and retries with exponential backoff and jitter, the
//!   dossier's idempotency key on every attempt. The contract is
//!   `docs/portal-openapi.json`.
//! - [`sandbox`]: `motcua portal-sandbox`, a portal implementing that
//!   contract over its own SQLite, for demos, training and tests; it also
//!   runs in-process when no portal is configured.
//!
//! Exactly-once delivery is a property of the pair: the hub repeats a
//! delivery (same key) until it has recorded the portal's answer, and the
//! portal answers a repeated key with the reference it gave the first time.

pub mod http;
pub mod sandbox;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::domain::dossier::PortalStatus;
use crate::domain::form::Applicant;
use crate::domain::procedure::Catalogue;

/// A dossier as delivered to the portal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalDossier {
    /// The receiving unit's identifier (`office.unit_code`).
    pub unit_code: String,
    /// The dossier code the citizen holds (`<unit>-YYMMDD-XXXX`).
    pub code: String,
    /// The procedure's national code.
    pub procedure: String,
    /// RFC 3339, office offset.
    pub received_at: String,
    pub due_at: String,
    /// In đồng.
    pub fee: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u32>,
    pub applicant: Applicant,
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// The portal's answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The portal's own reference for the dossier.
    pub reference: String,
    pub status: PortalStatus,
}

/// One status change reported by the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: PortalStatus,
    /// RFC 3339.
    pub at: String,
}

/// The portal's answer to a status look-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub reference: String,
    pub code: String,
    pub status: PortalStatus,
    #[serde(default)]
    pub history: Vec<StatusChange>,
}

/// Why a portal call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    #[error("the portal cannot be reached: {0}")]
    Unreachable(String),
    #[error("the portal did not answer in time")]
    Timeout,
    #[error("the portal answered HTTP {status}: {body}")]
    Server { status: u16, body: String },
    #[error("the portal's answer is unreadable: {0}")]
    BadResponse(String),
    /// The portal refused the request itself: sending it again cannot help.
    #[error("the portal refused the dossier (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the portal does not know this reference")]
    NotFound,
}

impl PortalError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, PortalError::Refused { .. } | PortalError::NotFound)
    }
}

/// A public service portal.
///
/// Object-safe (boxed futures) so the hub can hold any implementation:
/// the HTTP client, or a fake in tests.
pub trait Portal: Send + Sync {
    /// Delivers a dossier. The same `idempotency_key` always names the same
    /// dossier: a portal that already has it answers with the same
    /// reference.
    fn submit<'a>(
        &'a self,
        idempotency_key: &'a str,
        dossier: &'a PortalDossier,
    ) -> BoxFuture<'a, Result<Acknowledgement, PortalError>>;

    /// The current status of a delivered dossier.
    fn status<'a>(&'a self, reference: &'a str)
        -> BoxFuture<'a, Result<StatusReport, PortalError>>;

    /// The procedure catalogue the portal publishes.
    fn catalogue(&self) -> BoxFuture<'_, Result<Catalogue, PortalError>>;
}

/// Exponential backoff with "equal jitter": the `attempt`-th retry (1 for
/// the first) waits between half and all of `base × 2^(attempt-1)`, capped
/// at `max`. `unit_random` is a number in `[0, 1)`; jitter keeps many
/// dossiers that failed together from retrying together.
pub fn backoff(attempt: u32, base: Duration, max: Duration, unit_random: f64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let ceiling = exp.min(max);
    let half = ceiling / 2;
    half + half.mul_f64(unit_random.clamp(0.0, 1.0))
}

/// [`backoff`] with a fresh random number.
pub fn backoff_jittered(attempt: u32, base: Duration, max: Duration) -> Duration {
    use rand::Rng;
    backoff(attempt, base, max, rand::rng().random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(1, base, max, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(3, base, max, 0.0), Duration::from_millis(200));
        assert_eq!(backoff(3, base, max, 1.0), Duration::from_millis(400));
        assert_eq!(backoff(30, base, max, 1.0), max);
        assert_eq!(backoff(30, base, max, 0.0), max / 2);
        for _ in 0..100 {
            let d = backoff_jittered(4, base, max);
            assert!(d >= Duration::from_millis(400) && d <= Duration::from_millis(800));
        }
    }

    #[test]
    fn only_refusals_are_final() {
        assert!(PortalError::Timeout.is_retryable());
        assert!(PortalError::BadResponse("x".into()).is_retryable());
        assert!(PortalError::Server {
            status: 503,
            body: String::new()
        }
        .is_retryable());
        assert!(!PortalError::Refused {
            status: 422,
            message: String::new()
        }
        .is_retryable());
    }
}
