//! The portal is down while citizens file: every dossier is acknowledged at
//! once, and reaches the portal exactly once when it comes back.

use std::collections::BTreeSet;

use motcua::hub::PortalTarget;
use motcua::portal::sandbox::{self, SandboxOptions};
use reqwest::StatusCode;

use super::{copy_request, portal_holdings, quick_office, wait_for_codes};
use crate::util::{SseReader, TestHub, COUNTER, KIOSK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_outage_loses_nothing_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let portal_db = dir.path().join("portal.db");
    // Start the portal once for an address, then take it down.
    let portal = sandbox::start(SandboxOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        portal_db.clone(),
    ))
    .await
    .unwrap();
    let (addr, url) = (portal.addr(), portal.base_url());
    portal.shutdown().await.unwrap();

    let hub = TestHub::with_portal(quick_office(), None, PortalTarget::Url(url.clone())).await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let kiosks: Vec<_> = (0..10)
        .map(|k| {
            let kiosk = hub.client(KIOSK);
            tokio::spawn(async move {
                let mut codes = Vec::new();
                for i in 0..10 {
                    let (status, filed) = kiosk
                        .post(
                            "/api/v1/dossiers",
                            Some(&copy_request(1 + i)),
                            Some(&format!("kiosk-{k}-{i}")),
                        )
                        .await;
                    assert_eq!(status, StatusCode::CREATED, "{filed}");
                    assert_eq!(filed["portal_status"], "pending");
                    assert_eq!(filed["receipt"]["waiting_for_portal"], true);
                    codes.push(filed["code"].as_str().unwrap().to_owned());
                }
                codes
            })
        })
        .collect();
    let mut acknowledged = BTreeSet::new();
    for k in kiosks {
        acknowledged.extend(k.await.unwrap());
    }
    assert_eq!(
        acknowledged.len(),
        100,
        "every dossier acknowledged, each its own code"
    );

    // The hub has tried and recorded why it could not deliver.
    let failed = wait_for_codes(&mut events, "dossier.delivery_failed", 1).await;
    let code = failed.first().unwrap();
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["portal_status"], "pending");
    assert!(
        seen["delivery"]["attempts"].as_u64().unwrap() >= 1,
        "{seen}"
    );
    assert!(
        seen["delivery"]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{seen}"
    );

    // The portal comes back at the same address with the same database.
    let portal = sandbox::start(SandboxOptions::new(addr, portal_db))
        .await
        .unwrap();
    let delivered = wait_for_codes(&mut events, "dossier.sent", 100).await;
    assert_eq!(delivered, acknowledged);
    let (count, codes) = portal_holdings(&url).await;
    assert_eq!(count, 100);
    let distinct: BTreeSet<String> = codes.iter().cloned().collect();
    assert_eq!(
        codes.len(),
        distinct.len(),
        "a dossier reached the portal twice"
    );
    assert_eq!(distinct, acknowledged);
    hub.stop().await;
    portal.shutdown().await.unwrap();
}
