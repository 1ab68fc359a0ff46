//! A portal that answers 500s, slowly, garbage, or refuses: the dossier
//! stays queued with the error recorded, nothing is lost, nothing is sent
//! twice, and a refusal is kept for staff instead of being retried.

use motcua::hub::PortalTarget;
use motcua::portal::sandbox::{self, Fault, FaultMode, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

use super::{birth_request, copy_request, portal_holdings, quick_office, wait_for_event};
use crate::util::{SseReader, TestHub, COUNTER, KIOSK};

/// Reads failures for `code` until one whose error contains `needle`.
async fn failure_with(events: &mut SseReader, code: &str, needle: &str) -> Value {
    loop {
        let failed = wait_for_event(events, "dossier.delivery_failed", code).await;
        if failed["error"].as_str().unwrap().contains(needle) {
            return failed;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_slowness_and_garbage_keep_the_dossier_queued_and_single() {
    let dir = tempfile::tempdir().unwrap();
    let portal = sandbox::start(SandboxOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("portal.db"),
    ))
    .await
    .unwrap();
    portal.set_fault(Fault {
        mode: FaultMode::Error,
        delay: Default::default(),
    });
    let mut config = quick_office();
    config.filing.portal_timeout_seconds = 1;
    let hub = TestHub::with_portal(config, None, PortalTarget::Url(portal.base_url())).await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(3)), Some("k-1"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let code = filed["code"].as_str().unwrap().to_owned();

    // 500s: recorded, retried, nothing at the portal.
    failure_with(&mut events, &code, "HTTP 500").await;
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["portal_status"], "pending");
    assert!(seen["delivery"]["last_error"]
        .as_str()
        .unwrap()
        .contains("HTTP 500"));
    assert_eq!(portal.count().await.unwrap(), 0);

    // Garbage: the portal stored it but its answer is unreadable.
    portal.set_fault(Fault {
        mode: FaultMode::Garbage,
        delay: Default::default(),
    });
    failure_with(&mut events, &code, "unreadable").await;
    assert_eq!(portal.count().await.unwrap(), 1);

    // Slow: stored again? No — the same key; the answer comes too late.
    portal.set_fault(Fault {
        mode: FaultMode::Slow,
        delay: std::time::Duration::from_millis(1500),
    });
    failure_with(&mut events, &code, "in time").await;

    // The portal behaves again: delivered once, with the first reference.
    portal.set_fault(Fault::NONE);
    let sent = wait_for_event(&mut events, "dossier.sent", &code).await;
    assert_eq!(sent["portal_reference"], "SBX-00000001");
    let (count, codes) = portal_holdings(&portal.base_url()).await;
    assert_eq!((count, codes), (1, vec![code.clone()]));
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["portal_status"], "received");
    assert!(seen["delivery"].is_null());
    hub.stop().await;
    portal.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_kept_for_staff_and_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    // This portal offers only the certification procedures.
    let mut options = SandboxOptions::new("127.0.0.1:0".parse().unwrap(), dir.path().join("p.db"));
    let mut catalogue = motcua::domain::procedure::Catalogue::builtin();
    catalogue.procedures.retain(|p| p.field_vi == "Chứng thực");
    options.catalogue = catalogue;
    let portal = sandbox::start(options).await.unwrap();
    let url = portal.base_url();
    // The hub starts while the portal is away: it keeps its own catalogue.
    portal.set_fault(Fault {
        mode: FaultMode::Error,
        delay: Default::default(),
    });
    let hub = TestHub::with_portal(quick_office(), None, PortalTarget::Url(url.clone())).await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&birth_request("2026-01-05")), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    portal.set_fault(Fault::NONE);

    let refused = wait_for_event(&mut events, "dossier.status", &code).await;
    assert_eq!(refused["portal_status"], "refused");
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["portal_status"], "refused");
    let last = seen["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["stage"], "refused");
    assert!(
        last["note"].as_str().unwrap().contains("unknown_procedure"),
        "{last}"
    );
    assert!(seen["delivery"].is_null(), "no longer retried");
    assert_eq!(seen["applicant"]["name"], "Nguyễn Văn An", "kept for staff");
    assert_eq!(portal.count().await.unwrap(), 0);
    hub.stop().await;
    portal.shutdown().await.unwrap();
}
