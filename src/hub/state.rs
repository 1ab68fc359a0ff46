//! [`Hub`]: what every request handler and background task of a running
//! hub shares — the rules, the database, the tokens and sessions, the event
//! bus, the filing state and the clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};

use super::auth::Tokens;
use super::filing::retention::purge_personal_data;
use super::filing::Filing;
use super::queue::Rules;
use super::seen::KiosksSeen;
use super::staff::Sessions;
use super::streams::Streams;
use crate::domain::time::to_millis;
use crate::store::{Store, StoreError, StoredEvent};
use crate::web::Clock;

/// How long an idempotency key is remembered. Kiosks retry for minutes, not
/// days; a week leaves room for a kiosk that was off over a weekend.
const IDEMPOTENCY_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// Shared state of a running hub.
pub struct Hub {
    /// Configuration and queue rules; cloned into writer jobs.
    pub rules: Rules,
    /// The database. Closed by `RunningHub::shutdown` after the server
    /// has drained.
    pub store: Store,
    pub tokens: Tokens,
    /// Officers signed in at counters.
    pub sessions: Sessions,
    /// Committed events, published by the writer thread after each commit.
    pub bus: broadcast::Sender<StoredEvent>,
    /// Flipped to `true` once at shutdown; event streams end on it so the
    /// server can drain.
    pub shutdown: watch::Sender<bool>,
    pub started: Instant,
    /// Online filing: catalogue, calendar, portal, outbox pacing. An `Arc`
    /// so writer jobs can hold it without holding the hub.
    pub filing: Arc<Filing>,
    pub clock: Clock,
    /// The real portal, or the portal sandbox (`/health` says which).
    pub portal_kind: motcua_api::PortalKind,
    /// Support bundle uploads running now (at most 2: each holds up to
    /// 16 MB in memory).
    pub bundle_uploads: tokio::sync::Semaphore,
    /// Event streams open now, per token (`hub.event_streams_per_token`).
    pub streams: Streams,
    /// Kiosks heard from: version and last call (for the city's fleet page).
    pub kiosks_seen: KiosksSeen,
}

impl Hub {
    /// The current instant, from the hub's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Fetches the portal's procedure catalogue and adopts it (the portal
    /// wins when it answers). Returns whether it did.
    pub async fn refresh_catalogue(&self, timeout: Duration) -> bool {
        match tokio::time::timeout(timeout, self.filing.portal.catalogue()).await {
            Ok(Ok(catalogue)) => {
                let n = catalogue.procedures.len();
                self.filing
                    .adopt_portal_catalogue(catalogue, &self.rules.config, self.now());
                tracing::info!(
                    procedures = n,
                    "procedure catalogue refreshed from the portal"
                );
                true
            }
            Ok(Err(err)) => {
                tracing::warn!(%err, "portal catalogue unavailable; keeping the current one");
                false
            }
            Err(_) => {
                tracing::warn!("portal catalogue timed out; keeping the current one");
                false
            }
        }
    }

    /// One round of housekeeping: forget old idempotency keys and purge
    /// personal data past the retention, in one transaction. Keys are kept
    /// a week, or less when the retention is shorter: a filing's stored
    /// answer holds the citizen's data. The hourly task calls it; tests
    /// call it with an injected clock.
    pub async fn housekeeping_once(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let retention = self.filing.retention;
        let keys_before = to_millis(now - IDEMPOTENCY_RETENTION.min(retention));
        let (forgotten, purged) = self
            .store
            .write(move |ctx| {
                let conn = ctx.conn();
                let purged = purge_personal_data(conn, retention, now)?;
                let forgotten = crate::store::tickets::purge_idempotency(conn, keys_before)?;
                Ok::<_, StoreError>((forgotten, purged))
            })
            .await?;
        if forgotten > 0 {
            tracing::info!(n = forgotten, "forgot old idempotency keys");
        }
        if purged > 0 {
            tracing::info!(
                n = purged,
                "erased personal data of dossiers past the retention"
            );
        }
        Ok(purged)
    }
}
