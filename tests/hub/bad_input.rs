//! Bad requests get the right 4xx with the JSON error, and change nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{count, open_db, TestHub, COUNTER, DISPLAY, KIOSK};

/// Rows of every table, to prove a refused request wrote nothing.
fn snapshot(hub: &TestHub) -> Vec<i64> {
    let conn = open_db(&hub.db());
    ["tickets", "events", "daily_counters", "idempotency"]
        .iter()
        .map(|t| count(&conn, t))
        .collect()
}

fn assert_error(status: StatusCode, body: &Value, want_status: StatusCode, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(!body["message_vi"].as_str().unwrap_or_default().is_empty());
    assert!(!body["message_en"].as_str().unwrap_or_default().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_change_nothing() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    kiosk.issue("hotich").await;
    let before = snapshot(&hub);

    let (s, b) = kiosk
        .post_raw("/api/v1/tickets", b"{\"service\": \"hotich\"".to_vec())
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "malformed_json");

    let (s, b) = kiosk
        .post_raw("/api/v1/tickets", b"not json at all".to_vec())
        .await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "malformed_json");

    let (s, b) = kiosk
        .post_raw("/api/v1/tickets", b"{\"svc\": \"hotich\"}".to_vec())
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");

    let (s, b) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({"service": "nosuch"})),
            Some("k1"),
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "unknown_service");

    let (s, b) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({"service": "hotich", "priority": "vip"})),
            None,
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "unknown_priority");

    let mut huge = b"{\"service\": \"hotich\", \"pad\": \"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 70 * 1024));
    huge.extend(b"\"}");
    let (s, b) = kiosk.post_raw("/api/v1/tickets", huge).await;
    assert_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    let (s, b) = counter
        .post("/api/v1/counters/99/call-next", None, None)
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_counter");
    let (s, b) = counter
        .post("/api/v1/counters/abc/call-next", None, None)
        .await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "unknown_counter");

    let (s, b) = counter
        .post(
            "/api/v1/counters/1/transfer",
            Some(&json!({"service": "nosuch"})),
            None,
        )
        .await;
    assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "unknown_service");

    let (s, b) = counter.post("/api/v1/counters/1/finish", None, None).await;
    assert_error(s, &b, StatusCode::CONFLICT, "no_current_ticket");

    let (s, b) = kiosk.get("/api/v1/tickets/424242").await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "ticket_not_found");

    // Missing and wrong tokens.
    let anon = crate::util::Api::new(&hub.url, "");
    let (s, b) = anon
        .post("/api/v1/tickets", Some(&json!({"service": "hotich"})), None)
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let wrong = hub.client("not-a-token");
    let (s, b) = wrong
        .post("/api/v1/tickets", Some(&json!({"service": "hotich"})), None)
        .await;
    assert_error(s, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/queue", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Wrong roles: a kiosk cannot call, a display can only read.
    let (s, b) = kiosk.post("/api/v1/counters/1/call-next", None, None).await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let display = hub.client(DISPLAY);
    let (s, b) = display
        .post("/api/v1/tickets", Some(&json!({"service": "hotich"})), None)
        .await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, b) = display.post("/api/v1/counters/1/pause", None, None).await;
    assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");

    // Unknown routes and methods answer JSON too.
    let (s, b) = kiosk.get("/api/v1/nosuch").await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = kiosk.get("/api/v1/tickets").await;
    assert_error(s, &b, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets", hub.url))
        .bearer_auth(KIOSK)
        .header("Idempotency-Key", "has space")
        .json(&json!({"service": "hotich"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    assert_eq!(snapshot(&hub), before, "a refused request wrote something");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn illegal_transitions_are_conflicts() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let t = kiosk.issue("hotich").await;
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    counter.post("/api/v1/counters/1/start", None, None).await;
    let before = snapshot(&hub);
    // Serving: no recall, no second start, no no-show.
    for action in ["recall", "start", "no-show"] {
        let (s, b) = counter
            .post(&format!("/api/v1/counters/1/{action}"), None, None)
            .await;
        assert_error(s, &b, StatusCode::CONFLICT, "illegal_transition");
    }
    // A ticket at a counter cannot be cancelled from the kiosk.
    let (s, b) = kiosk
        .post(&format!("/api/v1/tickets/{}/cancel", t["id"]), None, None)
        .await;
    assert_error(s, &b, StatusCode::CONFLICT, "illegal_transition");
    // Closing a counter with a citizen at it is refused.
    let (s, b) = counter.post("/api/v1/counters/1/close", None, None).await;
    assert_error(s, &b, StatusCode::CONFLICT, "counter_busy");
    assert_eq!(snapshot(&hub), before);
    hub.stop().await;
}
