//! `GET /api/v1/health` (issue 12, item 14): without a token it says only
//! whether the hub is well — `status`, `version`, `now` — and nothing of
//! the office, its database or its kiosks' devices; any device token sees
//! the rest.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_health_says_only_status_version_and_now() {
    let hub = TestHub::start().await;
    // A kiosk's printer is out of paper: nothing the lobby should read.
    let (status, body) = hub
        .client(KIOSK)
        .post(
            "/api/v1/devices/events",
            Some(&json!({"device": "printer", "state": "fault", "kind": "cover_open"})),
            Some("dev-1"),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");

    let resp = reqwest::get(format!("{}/api/v1/health", hub.url))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let open: Value = resp.json().await.unwrap();
    assert_eq!(
        keys(&open),
        BTreeSet::from(["now", "status", "version"]),
        "{open}"
    );
    assert_eq!(open["status"], "ok");

    // An unknown token is no token.
    let (status, guessed) = hub.client("not-a-token").get("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&guessed), keys(&open), "{guessed}");

    for token in [KIOSK, COUNTER, DISPLAY, TECHNICIAN] {
        let (status, full) = hub.client(token).get("/api/v1/health").await;
        assert_eq!(status, StatusCode::OK, "{full}");
        for key in [
            "database",
            "demo",
            "kiosks",
            "office",
            "portal",
            "uptime_seconds",
        ] {
            assert!(full.get(key).is_some(), "{token}: no {key} in {full}");
        }
        assert_eq!(full["kiosks"][0]["devices"][0]["state"], "fault", "{full}");
    }
    hub.stop().await;
}
