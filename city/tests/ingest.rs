//! Federation into the city: exactly once, strict, per-unit tokens, two
//! instances on one database, HTTPS.

use futures_util::StreamExt;
use serde_json::json;

use crate::util::*;

/// A log of three served tickets: 12 events.
fn three_tickets() -> Log {
    let mut log = Log::default();
    for i in 0..3 {
        let t0 = at(8, 10 * i, 0);
        log.served(i64::from(i) + 1, t0, t0 + 60_000, t0 + 90_000, t0 + 400_000);
    }
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sent_twice_stores_nothing_new_and_a_gap_is_refused() {
    let t = TestCity::start().await;
    let (code, _, token) = UNITS[0];
    let log = three_tickets();
    let first = ingest(&t.http, &t.base, code, token, 0, &log.events[..5]).await;
    assert_eq!((first.last_event_id, first.stored), (5, 5));
    // The same batch again (the hub never heard the answer).
    let again = ingest(&t.http, &t.base, code, token, 0, &log.events[..5]).await;
    assert_eq!((again.last_event_id, again.stored), (5, 0));
    // Overlapping: events 4–12 after 3.
    let rest = ingest(&t.http, &t.base, code, token, 3, &log.events[3..]).await;
    assert_eq!((rest.last_event_id, rest.stored), (12, 7));
    assert_eq!(t.count("SELECT count(*) FROM events").await, 12);
    assert_eq!(t.count("SELECT count(*) FROM tickets").await, 3);
    // The log keeps each event as the office sent it, under its local date.
    let client = t.city.city().pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT day::text, at_ms, kind, data::text FROM events WHERE event_id = 6",
            &[],
        )
        .await
        .unwrap();
    let e = &log.events[5];
    assert_eq!(row.get::<_, String>(0), "2026-11-26");
    assert_eq!(row.get::<_, i64>(1), e.at_ms);
    assert_eq!(row.get::<_, String>(2), e.event);
    assert_eq!(row.get::<_, String>(3), e.data.to_string());

    // A batch that starts after an event the city lacks stores nothing and
    // says where to resume.
    let mut later = Log::default();
    for _ in 0..14 {
        later.push(
            at(9, 0, 0),
            "staff.signed_in",
            json!({"counter": 1, "officer": {"code": "cb01", "name": "Lan"}}),
        );
    }
    let body = json!({"unit_code": code, "after_event_id": 13, "events": [later.events[13]],
                      "hub": {"version": "t", "office_name": "x", "catalogue": {"source": "builtin"},
                              "calendar": {"source": "builtin"}}});
    let (status, answer) = post_ingest(&t.http, &t.base, token, &body).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "ingest_gap");
    assert_eq!(answer["last_event_id"], 12);
    assert_eq!(t.count("SELECT count(*) FROM events").await, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_citizen_name_and_id_number_refuse_the_whole_batch() {
    let t = TestCity::start().await;
    let (code, _, token) = UNITS[0];
    let log = three_tickets();
    let mut events = serde_json::to_value(&log.events).unwrap();
    // Event 6 carries what a modified hub might leak.
    events[5]["data"]["ticket"]["citizen_name"] = "Nguyễn Văn An".into();
    events[5]["data"]["ticket"]["id_number"] = "001090012345".into();
    let body = json!({"unit_code": code, "after_event_id": 0, "events": events,
                      "hub": {"version": "t", "office_name": "x", "catalogue": {"source": "builtin"},
                              "calendar": {"source": "builtin"}}});
    let (status, answer) = post_ingest(&t.http, &t.base, token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "event_outside_schema");
    let message = answer["message_en"].as_str().unwrap();
    assert!(message.contains("event 6"), "{message}");
    assert!(message.contains("ticket.citizen_name"), "{message}");
    assert!(message.contains("ticket.id_number"), "{message}");
    assert!(answer["message_vi"]
        .as_str()
        .unwrap()
        .contains("dữ liệu cá nhân"));
    // Nothing of the batch is stored, not even the five clean events, and
    // the name is nowhere in the database.
    assert_eq!(t.count("SELECT count(*) FROM events").await, 0);
    assert_eq!(t.count("SELECT count(*) FROM tickets").await, 0);
    assert_eq!(
        t.count("SELECT last_event_id FROM units WHERE unit_code = 'H26.01'")
            .await,
        0
    );
    // Beside the payload, on the event itself: refused too.
    let mut events = serde_json::to_value(&log.events[..1]).unwrap();
    events[0]["citizen"] = "Nguyễn Văn An".into();
    let body = json!({"unit_code": code, "after_event_id": 0, "events": events,
                      "hub": {"version": "t", "office_name": "x", "catalogue": {"source": "builtin"},
                              "calendar": {"source": "builtin"}}});
    let (status, answer) = post_ingest(&t.http, &t.base, token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "invalid_body");
    assert_eq!(t.count("SELECT count(*) FROM events").await, 0);
    // The clean log still goes in afterwards.
    let ok = ingest(&t.http, &t.base, code, token, 0, &log.events).await;
    assert_eq!(ok.stored, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_office_token_names_its_unit() {
    let t = TestCity::start().await;
    let log = three_tickets();
    let body = |code: &str| {
        json!({"unit_code": code, "after_event_id": 0, "events": log.events,
               "hub": {"version": "t", "office_name": "x", "catalogue": {"source": "builtin"},
                       "calendar": {"source": "builtin"}}})
    };
    let r = t
        .http
        .post(t.url("/city/v1/ingest"))
        .json(&body("H26.01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, answer) =
        post_ingest(&t.http, &t.base, "not-a-token-of-anyone", &body("H26.01")).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("unauthorized"))
    );
    // H26.01's token cannot write into H26.02.
    let (status, answer) = post_ingest(&t.http, &t.base, UNITS[0].2, &body("H26.02")).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("wrong_unit")));
    // A reader's token is not an office's.
    let (status, _) = post_ingest(&t.http, &t.base, CITY_TOKEN, &body("H26.01")).await;
    assert_eq!(status, 401);
    assert_eq!(t.count("SELECT count(*) FROM events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_accept_ingestion_and_answer_the_same() {
    let t = TestCity::start().await;
    let b = start_city(&t.pg.url(), config(), None).await;
    let b_base = b.base_url();
    // B's live channel hears pushes A stores.
    let mut live = t
        .http
        .get(format!("{b_base}/city/v1/live"))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes_stream();

    let (code, _, token) = UNITS[1];
    let log = three_tickets();
    let first = ingest(&t.http, &t.base, code, token, 0, &log.events[..4]).await;
    assert_eq!(first.last_event_id, 4);
    let second = ingest(&t.http, &b_base, code, token, 4, &log.events[4..8]).await;
    assert_eq!((second.last_event_id, second.stored), (8, 4));
    // The same last batch to both at once, several times: stored once.
    let mut racing = Vec::new();
    for i in 0..6 {
        let base = if i % 2 == 0 {
            t.base.clone()
        } else {
            b_base.clone()
        };
        let http = t.http.clone();
        let events = log.events[8..].to_vec();
        racing.push(tokio::spawn(async move {
            ingest(&http, &base, code, token, 8, &events).await
        }));
    }
    let mut stored = 0;
    for r in racing {
        let answer = r.await.unwrap();
        assert_eq!(answer.last_event_id, 12);
        stored += answer.stored;
    }
    assert_eq!(stored, 4);
    assert_eq!(t.count("SELECT count(*) FROM events").await, 12);

    let (sa, a_units) = t.get("/city/v1/units", CITY_TOKEN).await;
    let r = t
        .http
        .get(format!("{b_base}/city/v1/units/{code}"))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b_unit: serde_json::Value = r.json().await.unwrap();
    let (_, a_unit) = t.get(&format!("/city/v1/units/{code}"), CITY_TOKEN).await;
    assert_eq!(sa, 200);
    let b_units: serde_json::Value = t
        .http
        .get(format!("{b_base}/city/v1/units"))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(a_units, b_units);
    assert_eq!(a_unit, b_unit);
    assert_eq!(
        a_unit["tickets_issued"], 0,
        "the tickets are of 2026-11-26, not today"
    );

    // The live stream of B carried A's first push.
    let mut text = String::new();
    while !text.contains("\"last_event_id\":4") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), live.next())
            .await
            .expect("a live update within 20 s")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: unit"), "{text}");
    assert!(
        text.contains(&format!("\"unit_code\":\"{code}\"")),
        "{text}"
    );
    drop(live);
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offices_push_over_https_to_a_city_they_trust() {
    let ca = Ca::new();
    let mut config = config();
    config.tls = Some(motcua_city::config::TlsFiles {
        cert: ca.cert.clone(),
        key: ca.key.clone(),
    });
    let t = TestCity::start_with(config, None).await;
    assert!(t.base.starts_with("https://"), "{}", t.base);
    let trusted = motcua_city::simulate::http_client(Some(&ca.ca)).unwrap();
    let (code, _, token) = UNITS[2];
    let log = three_tickets();
    let answer = ingest(&trusted, &t.base, code, token, 0, &log.events).await;
    assert_eq!(answer.stored, 12);
    // A client that does not trust the throwaway CA gets no answer at all.
    let stranger = motcua_city::simulate::http_client(None).unwrap();
    let refused = stranger
        .post(format!("{}/city/v1/ingest", t.base))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");
    // Plain HTTP on the HTTPS port gets nothing either.
    let plain = t
        .http
        .get(t.base.replace("https://", "http://") + "/city/v1/health")
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}
