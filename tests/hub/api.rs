//! Queue flows through the API, as kiosks and counters use it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use motcua::config::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{office_with_counters, TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_call_serve_finish() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);

    let first = kiosk.issue("hotich").await;
    assert_eq!(first["number"], "A001");
    assert_eq!(first["people_ahead"], 0);
    let second = kiosk.issue("hotich").await;
    assert_eq!(second["number"], "A002");
    assert_eq!(second["people_ahead"], 1);
    assert!(second["estimated_wait_minutes"].as_u64().unwrap() > 0);
    assert_eq!(kiosk.issue("chungthuc").await["number"], "B001");

    let (status, called) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(called["number"], "A001");
    assert_eq!(called["state"], "called");
    assert_eq!(called["counter"], 1);

    let (_, recalled) = counter.post("/api/v1/counters/1/recall", None, None).await;
    assert_eq!(recalled["recall_count"], 1);
    let (_, started) = counter.post("/api/v1/counters/1/start", None, None).await;
    assert_eq!(started["state"], "serving");
    let (_, finished) = counter.post("/api/v1/counters/1/finish", None, None).await;
    assert_eq!(finished["state"], "done");

    // Counter 1 serves only hộ tịch: next is A002, then nothing (B001 is
    // not its service).
    let (_, next) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(next["number"], "A002");
    let (status, _) = counter.post("/api/v1/counters/1/no-show", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, ticket) = kiosk
        .get(&format!("/api/v1/tickets/{}", second["id"]))
        .await;
    assert_eq!(ticket["state"], "no_show");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_keeps_the_number_and_the_place() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let a = kiosk.issue("hotich").await;
    let b = kiosk.issue("chungthuc").await;
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    let (status, moved) = counter
        .post(
            "/api/v1/counters/1/transfer",
            Some(&json!({"service": "chungthuc"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["number"], a["number"]);
    assert_eq!(moved["service"], "chungthuc");
    assert_eq!(moved["state"], "transferred");
    // A001 was issued before B001, so counter 3 (chứng thực) calls it first.
    let (_, next) = counter
        .post("/api/v1/counters/3/call-next", None, None)
        .await;
    assert_eq!(next["number"], "A001");
    let (_, next) = counter
        .post("/api/v1/counters/2/call-next", None, None)
        .await;
    assert_eq!(next["number"], b["number"]);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_stops_calls_and_open_resumes() {
    let hub = TestHub::start().await;
    let counter = hub.client(COUNTER);
    hub.client(KIOSK).issue("hotich").await;
    let (_, c) = counter.post("/api/v1/counters/1/pause", None, None).await;
    assert_eq!(c["state"], "paused");
    let (status, err) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "counter_paused");
    counter.post("/api/v1/counters/1/open", None, None).await;
    let (status, _) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    hub.stop().await;
}

/// People ahead at issuance come from the kept per-queue counts; the same
/// ticket read back later counts the queue itself. Both must agree, for
/// normal tickets (everyone ahead) and priority ones (priority ones ahead).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_ahead_at_issuance_matches_a_later_read() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let mut issued = Vec::new();
    for priority in [None, None, Some("elderly"), None, Some("pregnant"), None] {
        let (status, t) = kiosk
            .post(
                "/api/v1/tickets",
                Some(&json!({"service": "hotich", "priority": priority})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        issued.push(t);
    }
    kiosk.issue("chungthuc").await; // another queue: counts for nobody here
    let ahead: Vec<u64> = issued
        .iter()
        .map(|t| t["people_ahead"].as_u64().unwrap())
        .collect();
    assert_eq!(ahead, [0, 1, 0, 3, 1, 5]);
    // A call takes the first priority ticket (A003); a new normal ticket
    // then has the five others ahead, a new priority one the other one.
    let (_, called) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(called["number"], "A003");
    assert_eq!(kiosk.issue("hotich").await["people_ahead"], 5);
    let (_, late) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({"service": "hotich", "priority": "disabled"})),
            None,
        )
        .await;
    assert_eq!(late["people_ahead"], 1, "{late}");
    let (_, reread) = kiosk.get(&format!("/api/v1/tickets/{}", late["id"])).await;
    assert_eq!(reread["people_ahead"], late["people_ahead"]);
    let (_, first) = kiosk
        .get(&format!("/api/v1/tickets/{}", issued[0]["id"]))
        .await;
    assert_eq!(first["people_ahead"], 0);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_is_served_first_but_interleaved() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    kiosk.issue("hotich").await; // A001 normal
    for _ in 0..3 {
        let (status, _) = kiosk
            .post(
                "/api/v1/tickets",
                Some(&json!({"service": "hotich", "priority": "elderly"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut order = Vec::new();
    for _ in 0..4 {
        let (_, t) = counter
            .post("/api/v1/counters/1/call-next", None, None)
            .await;
        order.push(t["number"].as_str().unwrap().to_owned());
        counter.post("/api/v1/counters/1/finish", None, None).await;
    }
    // Default: at most 2 priority calls in a row.
    assert_eq!(order, ["A002", "A003", "A001", "A004"]);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_replays_return_the_same_response() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let body = json!({"service": "hotich"});
    let (s1, t1) = kiosk
        .post("/api/v1/tickets", Some(&body), Some("tap-1"))
        .await;
    let (s2, t2) = kiosk
        .post("/api/v1/tickets", Some(&body), Some("tap-1"))
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(t1, t2);
    kiosk.issue("hotich").await;
    let (_, c1) = counter
        .post("/api/v1/counters/1/call-next", None, Some("call-1"))
        .await;
    counter
        .post("/api/v1/counters/1/finish", None, Some("fin-1"))
        .await;
    let (_, c2) = counter
        .post("/api/v1/counters/1/call-next", None, Some("call-1"))
        .await;
    assert_eq!(c1, c2, "a replayed call-next does not call a second ticket");
    let (_, queue) = kiosk.get("/api/v1/queue").await;
    assert_eq!(queue["services"][0]["waiting"], 1);
    // The same key with another body is refused.
    let (status, err) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({"service": "chungthuc"})),
            Some("tap-1"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "idempotency_key_reused");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_cap_refuses_clearly() {
    let mut config = Config::demo();
    config.services[0].daily_cap = Some(2);
    let hub = TestHub::with(config, None).await;
    let kiosk = hub.client(KIOSK);
    kiosk.issue("hotich").await;
    kiosk.issue("hotich").await;
    let (status, err) = kiosk
        .post("/api/v1/tickets", Some(&json!({"service": "hotich"})), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "daily_cap_reached");
    assert!(err["message_vi"].as_str().unwrap().contains("Hộ tịch"));
    // Other services are not affected.
    kiosk.issue("chungthuc").await;
    hub.stop().await;
}

/// A clock the test moves by hand.
fn manual_clock(start: &str) -> (Arc<Mutex<DateTime<Utc>>>, motcua::hub::Clock) {
    let now = Arc::new(Mutex::new(start.parse::<DateTime<Utc>>().unwrap()));
    let read = Arc::clone(&now);
    (now, Arc::new(move || *read.lock().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbering_resets_at_local_midnight_not_utc_midnight() {
    // 23:58 in Hà Nội on 25 Nov = 16:58 UTC.
    let (now, clock) = manual_clock("2026-11-25T16:58:00Z");
    let hub = TestHub::with(Config::demo(), Some(clock)).await;
    let kiosk = hub.client(KIOSK);
    assert_eq!(kiosk.issue("hotich").await["number"], "A001");
    assert_eq!(kiosk.issue("hotich").await["number"], "A002");
    // 00:00 local on the 26th (17:00 UTC): a new business date.
    *now.lock().unwrap() = "2026-11-25T17:00:00Z".parse().unwrap();
    let t = kiosk.issue("hotich").await;
    assert_eq!(t["number"], "A001");
    assert_eq!(t["business_date"], "2026-11-26");
    // 06:59 and 07:00 local (23:59 and 00:00 UTC): same business date.
    *now.lock().unwrap() = "2026-11-25T23:59:00Z".parse().unwrap();
    assert_eq!(kiosk.issue("hotich").await["number"], "A002");
    *now.lock().unwrap() = "2026-11-26T00:00:00Z".parse().unwrap();
    assert_eq!(kiosk.issue("hotich").await["number"], "A003");
    // Yesterday's unserved tickets are not called today.
    let (_, called) = hub
        .client(COUNTER)
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(called["business_date"], "2026-11-26");
    assert_eq!(called["number"], "A001");
    crate::util::assert_waiting_counts_consistent(&hub.db());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_ticket_waiting_too_long_goes_before_priority() {
    let (now, clock) = manual_clock("2026-11-26T01:00:00Z");
    let hub = TestHub::with(office_with_counters(1), Some(clock)).await;
    let kiosk = hub.client(KIOSK);
    kiosk.issue("hotich").await; // A001 normal at 08:00
    *now.lock().unwrap() += Duration::minutes(31);
    kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({"service": "hotich", "priority": "pregnant"})),
            None,
        )
        .await;
    let (_, t) = hub
        .client(COUNTER)
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(t["number"], "A001");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_reads_but_never_sees_lookup_tokens() {
    let hub = TestHub::start().await;
    let t = hub.client(KIOSK).issue("hotich").await;
    assert!(t["lookup_token"].as_str().unwrap().len() >= 8);
    let display = hub.client(DISPLAY);
    let (status, seen) = display.get(&format!("/api/v1/tickets/{}", t["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["number"], "A001");
    assert!(seen.get("lookup_token").is_none());
    let (status, services) = display.get("/api/v1/services").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        services[0],
        json!({"code": "hotich", "prefix": "A", "name": "Hộ tịch", "name_vi": "Hộ tịch", "name_en": "Civil status"})
    );
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_the_day() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(TECHNICIAN);
    for _ in 0..3 {
        kiosk.issue("hotich").await;
    }
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    counter.post("/api/v1/counters/1/finish", None, None).await;
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    counter.post("/api/v1/counters/1/no-show", None, None).await;
    let (status, stats) = counter.get("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK);
    let hotich = &stats["services"][0];
    assert_eq!(
        (
            hotich["issued"].clone(),
            hotich["served"].clone(),
            hotich["no_shows"].clone()
        ),
        (json!(3), json!(1), json!(1))
    );
    assert_eq!(stats["counters"][0]["served"], 1);
    let (status, err) = counter.get("/api/v1/stats?date=26-11-2026").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "bad_query");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_routes() {
    let hub = TestHub::start().await;
    let tech = hub.client(TECHNICIAN);
    let (status, doc) = tech.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    // Every documented operation is routed (anything but our "no route").
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let url = format!(
                "{}{}",
                hub.url,
                path.replace("{id}", "1").replace("{counter}", "1")
            );
            let req = match method.as_str() {
                "get" => tech.http.get(&url),
                "post" => tech.http.post(&url).body("{}"),
                "delete" => tech.http.delete(&url),
                other => panic!("undocumented method {other}"),
            };
            let resp = req
                .bearer_auth(TECHNICIAN)
                .timeout(std::time::Duration::from_secs(5))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            if path == "/api/v1/events" {
                assert_eq!(status, StatusCode::OK);
                continue;
            }
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            assert!(
                body["code"] != "not_found" && body["code"] != "method_not_allowed",
                "{method} {path} is documented but not routed"
            );
        }
    }
    // Every path the router serves is documented.
    let routed = motcua::hub::routes::paths();
    assert!(routed.len() >= 37, "{routed:?}");
    for path in routed {
        assert!(
            paths.contains_key(path),
            "{path} is routed but not in docs/openapi.json"
        );
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_failure_is_recorded_for_staff() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let t = kiosk.issue("hotich").await;
    let (status, updated) = kiosk
        .post(
            &format!("/api/v1/tickets/{}/print-status", t["id"]),
            Some(&json!({"status": "print_failed", "reason": "paper_out"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["print_status"], "print_failed");
    assert_eq!(updated["print_error"], "paper_out");
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/tickets/{}", t["id"]))
        .await;
    assert_eq!(seen["print_status"], "print_failed");
    hub.stop().await;
}
