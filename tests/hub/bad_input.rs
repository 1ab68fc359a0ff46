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

/// Sends `request` as raw bytes and reads the answer to the end (the hub
/// closes after these refusals): status and JSON body.
async fn raw_exchange(base: &str, request: Vec<u8>) -> (StatusCode, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The hub may answer and close before it has read everything.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    (
        StatusCode::from_u16(status).unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

/// Regression (#12 item 12): these refusals were plain text or empty —
/// a path parameter that does not decode, a URI too long (414), too many or
/// too large header fields (431) — and a POST declared as something other
/// than JSON must be 415.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_the_json_envelope() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    kiosk.issue("hotich").await;
    let before = snapshot(&hub);
    let auth = format!("Authorization: Bearer {KIOSK}\r\n");

    let (s, b) = kiosk.get("/api/v1/calls?limit=abc").await;
    assert_error(s, &b, StatusCode::BAD_REQUEST, "bad_query");
    let (s, b) = kiosk.get("/api/v1/tickets/%FF").await;
    assert_error(s, &b, StatusCode::NOT_FOUND, "not_found");

    let long_uri = format!(
        "GET /api/v1/queue?{} HTTP/1.1\r\nHost: hub\r\n{auth}\r\n",
        "x".repeat(70_000)
    );
    let (s, b) = raw_exchange(&hub.url, long_uri.into_bytes()).await;
    assert_error(s, &b, StatusCode::URI_TOO_LONG, "uri_too_long");

    let many: String = (0..120).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    let many = format!("GET /api/v1/queue HTTP/1.1\r\nHost: hub\r\n{auth}{many}\r\n");
    let (s, b) = raw_exchange(&hub.url, many.into_bytes()).await;
    assert_error(
        s,
        &b,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );

    let large = format!(
        "GET /api/v1/queue HTTP/1.1\r\nHost: hub\r\n{auth}X-Large: {}\r\n\r\n",
        "x".repeat(500_000)
    );
    let (s, b) = raw_exchange(&hub.url, large.into_bytes()).await;
    assert_error(
        s,
        &b,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );

    // Declared as something other than JSON: 415, with a body or without.
    for (client, path, body) in [
        (&kiosk, "/api/v1/tickets", &b"{\"service\":\"hotich\"}"[..]),
        (&kiosk, "/api/v1/tickets", b"service=hotich"),
        (&counter, "/api/v1/counters/1/call-next", b""),
    ] {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", hub.url))
            .bearer_auth(&client.token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_error(
            status,
            &body,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
    }

    // The connection-level refusals did not stop the hub.
    let (s, _) = kiosk.get("/api/v1/queue").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(snapshot(&hub), before, "a refused request wrote something");
    hub.stop().await;
}
