//! The outbox worker against a portal that fails for a while, with the
//! clock paused: backoffs of minutes cost no test time, and what is checked
//! is behaviour — one probe at a time while the portal fails, every
//! dossier delivered once when it recovers, never more at once than
//! configured.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

use futures_util::future::BoxFuture;
use motcua::domain::dossier::PortalStatus;
use motcua::domain::procedure::Catalogue;
use motcua::hub::PortalTarget;
use motcua::portal::{Acknowledgement, Portal, PortalDossier, PortalError, StatusReport};
use reqwest::StatusCode;

use super::{copy_request, quick_office, wait_for_codes};
use crate::util::{SseReader, TestHub, COUNTER, KIOSK};

/// A portal that answers 503 to its first `failures` submissions.
#[derive(Default)]
struct FlakyPortal {
    failures: AtomicU32,
    in_flight: AtomicU32,
    max_in_flight: AtomicU32,
    /// Deliveries in flight seen by a call made after the first failure
    /// and before the first success (itself included). Calls arriving at
    /// the (paused, virtual) instant of the first failure are the first
    /// wave, sent before the hub knew: they are not counted.
    max_while_failing: AtomicU32,
    first_failure: Mutex<Option<Instant>>,
    recovered: AtomicBool,
    /// Idempotency key → reference, and how often each key was sent.
    keys: Mutex<HashMap<String, (String, u32)>>,
}

impl Portal for FlakyPortal {
    fn submit<'a>(
        &'a self,
        key: &'a str,
        _dossier: &'a PortalDossier,
    ) -> BoxFuture<'a, Result<Acknowledgement, PortalError>> {
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let after_first_failure = self
                .first_failure
                .lock()
                .unwrap()
                .is_some_and(|at| Instant::now() > at);
            if after_first_failure && !self.recovered.load(Ordering::SeqCst) {
                self.max_while_failing.fetch_max(now, Ordering::SeqCst);
            }
            tokio::task::yield_now().await;
            let fail = self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if fail {
                self.first_failure
                    .lock()
                    .unwrap()
                    .get_or_insert_with(Instant::now);
                return Err(PortalError::Server {
                    status: 503,
                    body: "maintenance".into(),
                });
            }
            self.recovered.store(true, Ordering::SeqCst);
            let mut keys = self.keys.lock().unwrap();
            let n = keys.len() + 1;
            let entry = keys
                .entry(key.to_owned())
                .or_insert_with(|| (format!("F-{n}"), 0));
            entry.1 += 1;
            Ok(Acknowledgement {
                reference: entry.0.clone(),
                status: PortalStatus::Received,
            })
        })
    }

    fn status<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<StatusReport, PortalError>> {
        Box::pin(async move {
            Ok(StatusReport {
                reference: reference.to_owned(),
                code: String::new(),
                status: PortalStatus::Received,
                history: Vec::new(),
            })
        })
    }

    fn catalogue(&self) -> BoxFuture<'_, Result<Catalogue, PortalError>> {
        Box::pin(async { Err(PortalError::Unreachable("no catalogue here".into())) })
    }
}

#[tokio::test(start_paused = true)]
async fn a_long_outage_with_long_backoffs_drains_completely_and_once() {
    let portal = Arc::new(FlakyPortal::default());
    portal.failures.store(12, Ordering::SeqCst);
    let mut config = quick_office();
    // Minutes between attempts: only a paused clock makes this testable.
    config.filing.retry_initial_ms = 30_000;
    config.filing.retry_max_ms = 600_000;
    config.filing.outbox_concurrency = 4;
    let hub = TestHub::with_portal(
        config,
        None,
        PortalTarget::Custom(Arc::clone(&portal) as Arc<dyn Portal>),
    )
    .await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let kiosk = hub.client(KIOSK);
    let mut filed = std::collections::BTreeSet::new();
    for i in 0..20 {
        let (status, body) = kiosk
            .post("/api/v1/dossiers", Some(&copy_request(1 + i)), None)
            .await;
        assert_eq!(status, StatusCode::CREATED);
        filed.insert(body["code"].as_str().unwrap().to_owned());
    }
    let delivered = wait_for_codes(&mut events, "dossier.sent", 20).await;
    assert_eq!(delivered, filed);
    let keys = portal.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 20, "one key per dossier");
    assert!(
        keys.values().all(|(_, sent)| *sent == 1),
        "a key acknowledged twice"
    );
    assert!(portal.max_in_flight.load(Ordering::SeqCst) <= 4);
    assert_eq!(
        portal.max_while_failing.load(Ordering::SeqCst),
        1,
        "while the portal failed, deliveries were not one probe at a time"
    );
    hub.stop().await;
}
