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
    /// The hub answers but cannot write now: the database does not answer,
    /// or its disk is full (the status is then 503); writes work again
    /// once the cause is gone, without a restart.
    Degraded,
    /// The hub must not be used until a technician acts: its database file
    /// was deleted or replaced under it (503; restart after restoring).
    Fail,
}

/// The hub's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseHealth {
    Ok,
    Error,
    /// The last write failed because the disk is full.
    DiskFull,
    /// The database path no longer names the file the hub has open.
    Replaced,
}

/// Where the hub delivers dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalKind {
    /// The public service portal at `filing.portal_url`.
    Portal,
    /// The built-in portal sandbox (the demo, or `portal_url = "sandbox"`
    /// in a training office): nothing reaches the real portal.
    Sandbox,
}

/// `GET /api/v1/health` (keys in alphabetical order on the wire:
/// [`crate::wire`]). Without a token only `status`, `version` and `now`;
/// with any device token, everything else too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseHealth>,
    /// The demo office (no configuration file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
    /// Free bytes for the database's folder, when the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
    /// Every kiosk that reported its devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosks: Option<Vec<KioskDevices>>,
    /// The hub's clock, in the office's offset.
    pub now: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<PortalKind>,
    /// What is wrong and what to do, when `status` is not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::error::Problem>,
    pub status: HealthStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    pub version: String,
}

impl Health {
    /// The kiosks it lists (none without a token).
    pub fn kiosks(&self) -> &[KioskDevices] {
        self.kiosks.as_deref().unwrap_or_default()
    }
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
