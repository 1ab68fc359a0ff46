//! The outbox worker: delivers every filed dossier to the portal, effectively
//! once, across hub restarts and portal outages.
//!
//! ## Why it cannot lose or duplicate a dossier
//!
//! - A dossier and its `outbox` row are committed in the same transaction
//!   as the `201` to the kiosk. The row leaves the outbox only in the
//!   transaction that records the portal's reference. Whatever crashes,
//!   a dossier is either still in the outbox or acknowledged.
//! - Each delivery carries the dossier's own idempotency key (random,
//!   stored with the dossier). After a crash between the portal's answer
//!   and our commit, the next attempt repeats the key and the portal
//!   answers with the reference it already gave: one dossier at the
//!   portal, whatever the number of attempts.
//!
//! ## Pace
//!
//! The worker is woken by a [`tokio::sync::Notify`] when a dossier is filed
//! and when a delivery ends — no polling. Up to `outbox_concurrency`
//! deliveries run at once, oldest dossiers first.
//!
//! When a delivery fails in a way worth retrying (portal down, slow,
//! answering garbage), the dossier waits `retry_initial × 2^(n-1)` (with
//! jitter, at most `retry_max`) before its next attempt, and the whole
//! outbox pauses for the same kind of delay: a portal that is down gets
//! one probe at a time, not a flood. The first success after an outage
//! lifts every wait, so a backlog drains at full speed as soon as the
//! portal is back. A portal that *refuses* a dossier (400/409/422) is not
//! asked again: the dossier is marked `refused` with the reason, for staff.
//!
//! Delivered dossiers' statuses are refreshed every `status_poll_seconds`
//! (and on each `GET /api/v1/dossiers/{code}`); what the portal reports
//! is recorded by [`record_status`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use motcua_api::{DossierDeliveryFailed, DossierSent, DossierStatusChanged, HubEvent};

use super::error::ApiError;
use super::events::emit;
use super::filing::Filing;
use super::state::Hub;
use crate::domain::dossier::{PortalStatus, Stage};
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::portal::{backoff_jittered, PortalDossier, PortalError};
use crate::store::dossiers::{self, DossierRow};
use crate::store::{StoreError, WriteCtx};

/// What the dispatcher and the deliveries share.
#[derive(Default)]
struct State {
    /// Dossiers being delivered now.
    in_flight: HashSet<String>,
    /// Dossiers that failed, and when they may be tried again.
    not_before: HashMap<String, Instant>,
    /// Retryable failures since the last success.
    failures: u32,
    /// No delivery starts before this (after a failure).
    gate: Option<Instant>,
    /// Bumped each time a delivery ends.
    epoch: u64,
    /// Deliveries that ended, with the epoch they ended at. A delivery ends
    /// (and leaves `in_flight`) after its result is committed; an outbox
    /// read that started before that still lists the dossier, so codes
    /// that ended after the read began are not due from that read —
    /// otherwise a dossier just acknowledged would be sent again.
    ended: std::collections::VecDeque<(u64, String)>,
}

/// Runs the worker until the hub shuts down.
pub async fn run(hub: Arc<Hub>) {
    let state = Arc::new(Mutex::new(State::default()));
    let permits = Arc::new(Semaphore::new(hub.filing.outbox.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut stop = hub.shutdown.subscribe();
    loop {
        while tasks.try_join_next().is_some() {}
        if *stop.borrow() {
            break;
        }
        if hub
            .filing
            .retry_now
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            let mut s = lock(&state);
            s.failures = 0;
            s.gate = None;
            s.not_before.clear();
            tracing::info!("outbox: a technician asked to retry now; backoff cleared");
        }
        let (gate, failing, busy, deferred) = {
            let s = lock(&state);
            (
                s.gate,
                s.failures > 0,
                s.in_flight.len(),
                s.not_before.len(),
            )
        };
        if let Some(gate) = gate.filter(|g| *g > Instant::now()) {
            tokio::select! {
                _ = tokio::time::sleep_until(gate) => {}
                // A filing or a "retry now" (handled at the top of the loop).
                _ = hub.filing.wake.notified() => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        // While the portal is failing, probe with one dossier at a time.
        let wanted = if failing {
            usize::from(busy == 0)
        } else {
            permits.available_permits()
        };
        if wanted == 0 {
            tokio::select! {
                _ = hub.filing.wake.notified() => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let limit = (wanted + busy + deferred).min(2000) as u32;
        let read_epoch = lock(&state).epoch;
        let rows = match hub
            .store
            .read(move |conn| dossiers::outbox(conn, limit))
            .await
        {
            Ok(rows) => rows,
            Err(err) => {
                tracing::error!(%err, "cannot read the outbox");
                tokio::select! {
                    _ = tokio::time::sleep(hub.filing.outbox.retry_initial) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        };
        let now = Instant::now();
        let (due, next_wake) = {
            let mut s = lock(&state);
            // A delivery may have failed while the outbox was read: then
            // only a probe goes, and only once the gate opens.
            let wanted = if s.gate.is_some_and(|g| g > now) {
                0
            } else if s.failures > 0 {
                usize::from(s.in_flight.is_empty()).min(wanted)
            } else {
                wanted
            };
            let due: Vec<String> = rows
                .iter()
                .map(|r| &r.code)
                .filter(|c| !s.in_flight.contains(*c))
                .filter(|c| {
                    !s.ended
                        .iter()
                        .any(|(e, code)| *e > read_epoch && code == *c)
                })
                .filter(|c| s.not_before.get(*c).is_none_or(|t| *t <= now))
                .take(wanted)
                .cloned()
                .collect();
            let next_wake = s.not_before.values().filter(|t| **t > now).min().copied();
            // Later reads start at this epoch or after: older endings no
            // longer matter.
            s.ended.retain(|(e, _)| *e > read_epoch);
            (due, next_wake)
        };
        if due.is_empty() {
            tokio::select! {
                _ = hub.filing.wake.notified() => {}
                _ = async {
                    match next_wake {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        for code in due {
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                break;
            };
            lock(&state).in_flight.insert(code.clone());
            let (hub, state) = (Arc::clone(&hub), Arc::clone(&state));
            tasks.spawn(async move {
                deliver(&hub, &state, &code).await;
                {
                    let mut s = lock(&state);
                    s.in_flight.remove(&code);
                    s.epoch += 1;
                    let epoch = s.epoch;
                    s.ended.push_back((epoch, code));
                }
                drop(permit);
                hub.filing.wake.notify_one();
            });
        }
    }
    // In-flight deliveries are abandoned: they are still in the outbox and
    // the next start repeats them under the same key.
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    match state.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// One delivery attempt of one dossier, recorded whatever the outcome.
async fn deliver(hub: &Hub, state: &Mutex<State>, code: &str) {
    let tz = hub.rules.tz;
    let code_owned = code.to_owned();
    let row = match hub
        .store
        .read(move |conn| dossiers::get(conn, &code_owned))
        .await
    {
        Ok(Some(row)) => row,
        Ok(None) => return,
        Err(err) => {
            tracing::error!(code, %err, "cannot read a dossier to deliver");
            return;
        }
    };
    let payload = match portal_dossier(&hub.filing, &row, tz) {
        Ok(p) => p,
        Err(err) => {
            tracing::error!(code, %err, "cannot build the portal payload");
            return;
        }
    };
    let result = hub.filing.portal.submit(&row.portal_key, &payload).await;
    let now = hub.now();
    let code = code.to_owned();
    match result {
        Ok(ack) => {
            let recorded = hub
                .store
                .write({
                    let code = code.clone();
                    let ack = ack.clone();
                    move |ctx| {
                        let at_ms = to_millis(now);
                        let conn = ctx.conn();
                        if !dossiers::record_delivery(
                            conn,
                            &code,
                            &ack.reference,
                            ack.status,
                            at_ms,
                        )? {
                            return Ok(false);
                        }
                        dossiers::add_timeline(
                            conn,
                            &code,
                            at_ms,
                            Stage::Sent,
                            Some(&ack.reference),
                        )?;
                        if let Some(stage) = Stage::from_portal(ack.status) {
                            dossiers::add_timeline(conn, &code, at_ms, stage, None)?;
                        }
                        emit(
                            ctx,
                            at_ms,
                            HubEvent::DossierSent(DossierSent {
                                code: code.clone(),
                                portal_reference: ack.reference.clone(),
                                portal_status: ack.status,
                            }),
                        )?;
                        Ok::<_, StoreError>(true)
                    }
                })
                .await;
            match recorded {
                Ok(_) => {
                    tracing::info!(code, reference = %ack.reference, "dossier delivered to the portal");
                    let recovered = {
                        let mut s = lock(state);
                        let recovered = s.failures > 0 || !s.not_before.is_empty();
                        s.failures = 0;
                        s.gate = None;
                        s.not_before.clear();
                        recovered
                    };
                    if recovered {
                        tracing::info!("the portal answers again; delivering the backlog");
                    }
                }
                // Not recorded: still in the outbox; the next attempt gets
                // the same reference back.
                Err(err) => tracing::error!(code, %err, "cannot record a delivery"),
            }
        }
        Err(err) if err.is_retryable() => failed(hub, state, &code, &err, now).await,
        Err(err) => refused(hub, &code, &err, now).await,
    }
}

async fn failed(
    hub: &Hub,
    state: &Mutex<State>,
    code: &str,
    err: &PortalError,
    now: DateTime<Utc>,
) {
    let options = hub.filing.outbox;
    let gate_delay = {
        let mut s = lock(state);
        s.failures += 1;
        let delay = backoff_jittered(s.failures, options.retry_initial, options.retry_max);
        s.gate = Some(Instant::now() + delay);
        delay
    };
    let message = err.to_string();
    let code_owned = code.to_owned();
    let attempts = hub
        .store
        .write({
            let message = message.clone();
            move |ctx| {
                let at_ms = to_millis(now);
                let next = at_ms + gate_delay.as_millis() as i64;
                let attempts =
                    dossiers::record_failure(ctx.conn(), &code_owned, at_ms, next, &message)?;
                emit(
                    ctx,
                    at_ms,
                    HubEvent::DossierDeliveryFailed(DossierDeliveryFailed {
                        attempts,
                        code: code_owned.clone(),
                        error: message.clone(),
                    }),
                )?;
                Ok::<_, StoreError>(attempts)
            }
        })
        .await
        .unwrap_or(1);
    let own_delay = backoff_jittered(attempts, options.retry_initial, options.retry_max);
    lock(state)
        .not_before
        .insert(code.to_owned(), Instant::now() + own_delay.max(gate_delay));
    tracing::warn!(code, attempts, error = %message, retry_in_ms = own_delay.as_millis() as u64, "portal delivery failed; will retry");
}

async fn refused(hub: &Hub, code: &str, err: &PortalError, now: DateTime<Utc>) {
    let message = err.to_string();
    let code_owned = code.to_owned();
    let written = hub
        .store
        .write({
            let message = message.clone();
            move |ctx| {
                let at_ms = to_millis(now);
                if dossiers::record_refusal(ctx.conn(), &code_owned, at_ms, &message)? {
                    emit(
                        ctx,
                        at_ms,
                        HubEvent::DossierStatus(DossierStatusChanged {
                            code: code_owned.clone(),
                            error: Some(message.clone()),
                            portal_status: PortalStatus::Refused,
                            previous: PortalStatus::Pending,
                        }),
                    )?;
                }
                Ok::<_, StoreError>(())
            }
        })
        .await;
    match written {
        Ok(()) => {
            tracing::error!(code, error = %message, "the portal refused a dossier; staff must act")
        }
        Err(e) => tracing::error!(code, %e, "cannot record a refusal"),
    }
}

/// Refreshes the statuses of delivered, unfinished dossiers every
/// `status_poll`, until the hub shuts down.
pub async fn poll_statuses(hub: Arc<Hub>) {
    let mut stop = hub.shutdown.subscribe();
    let every = hub.filing.outbox.status_poll;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let open = match hub
            .store
            .read(|conn| dossiers::open_dossiers(conn, 100))
            .await
        {
            Ok(open) => open,
            Err(err) => {
                tracing::warn!(%err, "cannot list dossiers to refresh");
                continue;
            }
        };
        for (code, reference, _) in open {
            match hub.filing.portal.status(&reference).await {
                Ok(report) => {
                    let now = hub.now();
                    let written = hub
                        .store
                        .write(move |ctx| record_status(ctx, &code, report.status, now))
                        .await;
                    if let Err(err) = written {
                        tracing::warn!(%err, "cannot record a portal status");
                    }
                }
                Err(err) => {
                    tracing::debug!(%err, "status refresh stopped: portal unavailable");
                    break;
                }
            }
        }
    }
}

/// The dossier as delivered to the portal (built from the stored row, so
/// every attempt sends the same bytes).
pub fn portal_dossier(
    filing: &Filing,
    row: &DossierRow,
    tz: Tz,
) -> Result<PortalDossier, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("dossier {} {what}: {e}", row.code))
    };
    let applicant = row
        .applicant
        .as_deref()
        .ok_or_else(|| StoreError::Corrupt(format!("dossier {} has no applicant", row.code)))?;
    let fields = row.fields.as_deref().unwrap_or("{}");
    Ok(PortalDossier {
        unit_code: filing.unit_code.clone(),
        code: row.code.clone(),
        procedure: row.procedure.clone(),
        received_at: to_local_rfc3339(from_millis(row.received_at_ms), tz),
        due_at: to_local_rfc3339(from_millis(row.due_at_ms), tz),
        fee: row.fee,
        pages: row.pages,
        copies: row.copies,
        applicant: serde_json::from_str(applicant).map_err(|e| corrupt("applicant", e))?,
        fields: serde_json::from_str(fields).map_err(|e| corrupt("fields", e))?,
    })
}

/// Records a status reported by the portal (writer job body). Returns
/// whether it changed.
pub fn record_status(
    ctx: &mut WriteCtx<'_>,
    code: &str,
    status: PortalStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let conn = ctx.conn();
    let Some(row) = dossiers::get(conn, code)? else {
        return Ok(false);
    };
    let at_ms = to_millis(now);
    dossiers::set_portal_status(conn, code, status, at_ms)?;
    if row.portal_status == status {
        return Ok(false);
    }
    if let Some(stage) = Stage::from_portal(status) {
        dossiers::add_timeline(conn, code, at_ms, stage, None)?;
    }
    emit(
        ctx,
        at_ms,
        HubEvent::DossierStatus(DossierStatusChanged {
            code: code.to_owned(),
            error: None,
            portal_status: status,
            previous: row.portal_status,
        }),
    )?;
    Ok(true)
}

/// Asks the portal for the status of one delivered dossier and records it.
/// Gives up quietly after `timeout` (the caller shows what the hub knows).
pub async fn refresh_status(
    hub: &Hub,
    code: &str,
    timeout: std::time::Duration,
) -> Result<(), ApiError> {
    let code_owned = code.to_owned();
    let row = hub
        .store
        .read(move |conn| dossiers::get(conn, &code_owned))
        .await?;
    let Some(row) = row else { return Ok(()) };
    let Some(reference) = row.portal_reference.clone() else {
        return Ok(());
    };
    if row.portal_status.is_final() {
        return Ok(());
    }
    let report = match tokio::time::timeout(timeout, hub.filing.portal.status(&reference)).await {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => {
            tracing::debug!(code, %err, "portal status look-up failed");
            return Ok(());
        }
        Err(_) => {
            tracing::debug!(code, "portal status look-up timed out");
            return Ok(());
        }
    };
    let now = hub.now();
    let code = code.to_owned();
    hub.store
        .write(move |ctx| record_status(ctx, &code, report.status, now))
        .await?;
    Ok(())
}

/// How long a lookup waits for the portal before answering from the hub.
pub const LOOKUP_REFRESH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Refreshes one dossier for a lookup (best effort, bounded).
pub async fn refresh_for_lookup(hub: &Hub, code: &str) {
    if let Err(err) = refresh_status(hub, code, LOOKUP_REFRESH_TIMEOUT).await {
        tracing::debug!(code, %err, "status refresh for a lookup failed");
    }
}
