//! Federation, office → city: the worker that pushes this hub's event log
//! to the city service (`[city]` in the configuration; without it, none).
//!
//! The log is append-only and the city keeps, per office, the highest id up
//! to which it holds every event (its *watermark*). The worker keeps no
//! state of its own: it asks the city where it stands (an empty push, also
//! the heartbeat that says the office is alive), then sends the events
//! after that id in batches, in order, each saying which event it follows
//! (`after_event_id`), and carries on from the city's answer. A batch sent
//! twice stores nothing new at the city; a batch that would leave a hole
//! is refused with the watermark to resume from. So after any outage or
//! restart — of the hub, the city or the link between them — the office
//! catches up exactly once, from wherever the city is.
//!
//! The worker wakes as soon as an event is committed (the hub's event bus),
//! so the city hears of it within a round trip; while the city is
//! unreachable it backs off (1 s doubling to a minute, with jitter) and the
//! office works on: the log simply grows until the link is back.
//!
//! What crosses: each event's id, commit time, kind and payload, exactly as
//! stored — codes, numbers, times and levels, never a citizen's personal
//! data (the city refuses any field outside the event's schema).

use std::sync::Arc;
use std::time::Duration;

use motcua_api::{HubReport, IngestEvent, IngestRequest, KioskSeen, ReleaseInUse};
use tokio::time::Instant;

use super::applied::{in_use, Releases};
use super::client::{CityClient, FederationError};
use crate::hub::state::Hub;
use crate::store::StoredEvent;

/// Longest wait between attempts while the city cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A stored event as it crosses to the city: the payload's text is the
/// hub's own (keys in order, compact), which the city compares cheaply.
fn to_ingest(e: StoredEvent) -> IngestEvent {
    IngestEvent {
        id: e.id,
        at_ms: e.at_ms,
        event: e.kind,
        data: e.data,
    }
}

/// What this hub says about itself with each push.
pub fn report(hub: &Hub, catalogue: ReleaseInUse, calendar: ReleaseInUse) -> HubReport {
    let config = &hub.rules.config;
    let tz = config.timezone();
    HubReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        office_name: config.office.name.clone(),
        kiosks: config
            .tokens
            .iter()
            .filter(|t| t.role == crate::config::Role::Kiosk)
            .map(|t| t.name.clone().unwrap_or_else(|| "kiosk".to_owned()))
            .collect(),
        kiosks_seen: hub
            .kiosks_seen
            .all()
            .into_iter()
            .map(|(kiosk, seen)| KioskSeen {
                kiosk,
                version: seen.version,
                last_seen: crate::domain::time::to_local_rfc3339(seen.at, tz),
            })
            .collect(),
        catalogue,
        calendar,
    }
}

/// The worker: until the hub shuts down.
pub async fn run(hub: Arc<Hub>, client: CityClient, releases: Arc<Releases>) {
    let Some(section) = hub.rules.config.city.clone() else {
        return;
    };
    let batch = section.batch.max(1);
    let heartbeat = Duration::from_secs(section.heartbeat_seconds.max(1));
    let mut stop = hub.shutdown.subscribe();
    let mut bus = hub.bus.subscribe();
    let mut watermark: Option<i64> = None;
    let mut backoff = Duration::ZERO;
    let mut last_contact: Option<Instant> = None;
    let mut last_relay: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let (catalogue, calendar) = in_use(&hub, &releases);
        let report = report(&hub, catalogue, calendar);
        let outcome = push_once(
            &hub,
            &client,
            &mut watermark,
            batch,
            report,
            last_contact,
            heartbeat,
        )
        .await;
        // Ratings given on the city's phone page, at most once a
        // heartbeat, while the city answers.
        if outcome.is_ok() && last_relay.is_none_or(|t| t.elapsed() >= heartbeat) {
            last_relay = Some(Instant::now());
            match super::ratings::relay(&hub, &client).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(ratings = n, "ratings from the city's phone page recorded"),
                Err(err) => tracing::warn!(%err, "cannot relay the city's phone ratings; retrying"),
            }
        }
        let wait = match outcome {
            Ok(Pushed::Some(n)) => {
                tracing::debug!(events = n, watermark = ?watermark, "pushed to the city");
                backoff = Duration::ZERO;
                last_contact = Some(Instant::now());
                // More may be waiting: go again at once.
                continue;
            }
            Ok(Pushed::Heartbeat) => {
                backoff = Duration::ZERO;
                last_contact = Some(Instant::now());
                heartbeat
            }
            Ok(Pushed::Nothing) => {
                let since = last_contact.map_or(Duration::ZERO, |t| t.elapsed());
                let relayed = last_relay.map_or(Duration::ZERO, |t| t.elapsed());
                heartbeat
                    .saturating_sub(since)
                    .min(heartbeat.saturating_sub(relayed))
            }
            Err(err) => {
                // Forget the watermark: the city may have moved (a restore,
                // another instance); it says where it stands next time.
                watermark = None;
                backoff = (backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
                let jittered = backoff.mul_f64(0.75 + rand::random::<f64>() * 0.5);
                match &err {
                    FederationError::Refused { status, .. }
                        if *status == 422 || *status == 401 || *status == 403 =>
                    {
                        tracing::error!(%err, retry_in = ?jittered, "the city refuses this office's pushes; check [city] and the versions")
                    }
                    _ => {
                        tracing::warn!(%err, retry_in = ?jittered, "cannot push to the city; the office keeps working and will catch up")
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(jittered) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                continue;
            }
        };
        // Idle: until an event is committed, a release is applied (the
        // city hears of it at once), the next heartbeat, or the end.
        tokio::select! {
            _ = bus.recv() => {}
            _ = releases.changed.notified() => last_contact = None,
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

enum Pushed {
    /// Events were sent (how many).
    Some(usize),
    /// Nothing to send; the heartbeat went.
    Heartbeat,
    /// Nothing to send, and the city heard from us lately.
    Nothing,
}

async fn push_once(
    hub: &Hub,
    client: &CityClient,
    watermark: &mut Option<i64>,
    batch: u32,
    report: HubReport,
    last_contact: Option<Instant>,
    heartbeat: Duration,
) -> Result<Pushed, FederationError> {
    let request = |after: Option<i64>, events: Vec<IngestEvent>, hub: HubReport| IngestRequest {
        unit_code: client.unit_code().to_owned(),
        after_event_id: after,
        events,
        hub,
    };
    let mut contacted = false;
    let after = match *watermark {
        Some(w) => w,
        None => {
            let answer = client
                .push(&request(None, Vec::new(), report.clone()))
                .await?;
            *watermark = Some(answer.last_event_id);
            contacted = true;
            answer.last_event_id
        }
    };
    let events = hub
        .store
        .read(move |conn| crate::store::events_after(conn, after, batch))
        .await?;
    if events.is_empty() {
        if contacted {
            return Ok(Pushed::Heartbeat);
        }
        if last_contact.is_none_or(|t| t.elapsed() >= heartbeat) {
            let answer = client.push(&request(None, Vec::new(), report)).await?;
            *watermark = Some(answer.last_event_id);
            return Ok(Pushed::Heartbeat);
        }
        return Ok(Pushed::Nothing);
    }
    let n = events.len();
    let events = events.into_iter().map(to_ingest).collect();
    let answer = client.push(&request(Some(after), events, report)).await?;
    *watermark = Some(answer.last_event_id);
    Ok(Pushed::Some(n))
}
