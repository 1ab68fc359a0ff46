//! The hub's own health and diagnostics, the outbox at a glance, support
//! bundles.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::devices::KioskDevices;

/// The hub as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    /// The database does not answer (the status is then 503).
    Degraded,
}

/// The hub's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseHealth {
    Ok,
    Error,
}

/// `GET /api/v1/health` (no token needed; keys in alphabetical order on the
/// wire: [`crate::wire`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub database: DatabaseHealth,
    /// The demo office (no configuration file).
    pub demo: bool,
    /// Every kiosk that reported its devices.
    pub kiosks: Vec<KioskDevices>,
    /// The hub's clock, in the office's offset.
    pub now: String,
    pub office: String,
    pub status: HealthStatus,
    pub uptime_seconds: u64,
    pub version: String,
}

/// A database file checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DatabaseReport {
    pub path: String,
    /// `integrity_check` said `ok`.
    pub ok: bool,
    /// Its answer: `["ok"]`, or the problems found (at most 20).
    pub integrity: Vec<String>,
    pub schema_version: i64,
    pub size_bytes: u64,
    /// The write-ahead log beside it (`-wal`), 0 when checkpointed.
    pub wal_bytes: u64,
    /// Free space for the database's folder, when the system says.
    pub free_bytes: Option<u64>,
}

/// The dossiers waiting for the portal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutboxSummary {
    pub pending: u64,
    /// Dossier code and filing time (ms) of the oldest waiting dossier.
    pub oldest_code: Option<String>,
    pub oldest_created_at_ms: Option<i64>,
    /// The most recent failed attempt: when, and the portal's error.
    pub last_attempt_at_ms: Option<i64>,
    pub last_error: Option<String>,
    /// The most attempts any waiting dossier has had.
    pub max_attempts: u32,
}

/// Whether the portal takes the hub's deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalHealth {
    Ok,
    /// A waiting dossier's last delivery attempt failed.
    Failing,
}

/// `GET /api/v1/diagnostics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HubDiagnostics {
    pub database: DatabaseReport,
    pub outbox: OutboxSummary,
    pub portal: PortalHealth,
}

/// `POST /api/v1/outbox/retry` answer (keys in alphabetical order on the
/// wire: [`crate::wire`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OutboxRetry {
    pub outbox: OutboxSummary,
    /// Always true: the worker was woken and its backoff cleared.
    pub retrying: bool,
}

/// A stored support bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BundleInfo {
    /// `motcua-support-<16 hex of its SHA-256>.tar`.
    pub name: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub received_at: String,
}
