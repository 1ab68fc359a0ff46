//! The citizen's phone pages on the city (`/t/{unit}/{id}?k=`,
//! `/d/{unit}/{code}?k=`), from events written by hand: the view built
//! from the projections, the token checked against the federated hash (a
//! wrong one answers exactly like an unknown ticket), the live stream,
//! the rating kept once and handed to the office's hub, and the rate
//! limit.

use chrono::TimeZone;
use futures_util::StreamExt;
use motcua_api::phone::lookup_hash;
use serde_json::{json, Value};

use crate::util::*;

const TOKEN: &str = "K7Q2M9XW";
const DOSSIER_TOKEN: &str = "D4R8T2PZ";

/// The ticket's `ticket.issued` data with the hash of its token.
fn issued(t: &Ticket, token: &str) -> Value {
    let mut data = t.data();
    data["lookup_hash"] = lookup_hash(token).into();
    data
}

fn counter_opened(number: u32, services: &[&str]) -> Value {
    json!({"counter": {"current": null, "name": format!("Quầy {number}"), "number": number,
                       "services": services, "state": "open"}})
}

/// The SSE stream of a page: its `data:` lines, one JSON view each.
struct Stream {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    text: String,
}

impl Stream {
    async fn open(http: &reqwest::Client, url: &str) -> Self {
        let r = http.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Self {
            body: r.bytes_stream().boxed(),
            text: String::new(),
        }
    }

    /// The next view sent (its event name and JSON).
    async fn next(&mut self) -> (String, Value) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut name = String::new();
        loop {
            while let Some(end) = self.text.find('\n') {
                let line: String = self.text.drain(..=end).collect();
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.trim().to_owned();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    return (name, serde_json::from_str(data.trim()).unwrap());
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .expect("an update within 30 s")
                .expect("the stream stays open")
                .unwrap();
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn page(t: &TestCity, path: &str) -> (u16, String) {
    let r = t.http.get(t.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_page_follows_the_queue_and_its_rating_waits_for_the_office() {
    // The figures' clock: the day of the hand-written log, at noon.
    let noon = TZ.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let t = TestCity::start_with(
        config(),
        Some(fixed_clock(noon.with_timezone(&chrono::Utc))),
    )
    .await;
    let (unit, _, office_token) = UNITS[0];
    let mut log = Log::default();
    log.push(
        at(8, 59, 0),
        "counter.opened",
        counter_opened(1, &["hotich"]),
    );
    log.push(
        at(8, 59, 1),
        "counter.opened",
        counter_opened(2, &["hotich"]),
    );
    log.push(at(8, 59, 2), "counter.closed", {
        let mut c = counter_opened(2, &["hotich"]);
        c["counter"]["state"] = "closed".into();
        c
    });
    let first = Ticket::new(1, at(9, 0, 0));
    let second = Ticket::new(2, at(9, 1, 0));
    let mut mine = Ticket::new(3, at(9, 2, 0));
    log.push(first.issued, "ticket.issued", issued(&first, "AAAA1111"));
    log.push(second.issued, "ticket.issued", issued(&second, "BBBB2222"));
    log.push(mine.issued, "ticket.issued", issued(&mine, TOKEN));
    let mut after = ingest(&t.http, &t.base, unit, office_token, 0, &log.events)
        .await
        .last_event_id;

    // The page, with no sign-in.
    let path = format!("/t/{unit}/3?k={TOKEN}");
    let (status, html) = page(&t, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("A003"), "{html}");
    assert!(html.contains("Hộ tịch"));
    let (_, english) = page(&t, &format!("{path}&lang=en")).await;
    assert!(english.contains("Civil status"));

    // Wrong token, unknown ticket, unknown unit, no token: one answer.
    let (s1, wrong) = page(&t, &format!("/t/{unit}/3?k=K7Q2M9XX")).await;
    let (s2, unknown) = page(&t, &format!("/t/{unit}/999?k={TOKEN}")).await;
    let (s3, no_unit) = page(&t, &format!("/t/H26.99/3?k={TOKEN}")).await;
    let (s4, bare) = page(&t, &format!("/t/{unit}/3")).await;
    let (s5, other_unit) = page(&t, &format!("/t/{}/3?k={TOKEN}", UNITS[1].0)).await;
    let (s6, not_a_number) = page(&t, &format!("/t/{unit}/abc?k={TOKEN}")).await;
    assert_eq!([s1, s2, s3, s4, s5, s6], [404; 6]);
    for other in [&unknown, &no_unit, &bare, &other_unit, &not_a_number] {
        assert_eq!(
            &wrong, other,
            "a wrong token answers like an unknown ticket"
        );
    }
    assert!(!wrong.contains("A003"));

    // The live view: two ahead, one counter of two open, no history yet
    // (2 × 8 min / 1).
    let mut live = Stream::open(&t.http, &t.url(&format!("/t/{unit}/3/events?k={TOKEN}"))).await;
    let (name, view) = live.next().await;
    assert_eq!(name, "ticket");
    assert_eq!(view["number"], "A003");
    assert_eq!(view["unit_name"], "Phường Tràng Tiền");
    assert_eq!(view["service_name_vi"], "Hộ tịch");
    assert_eq!(view["state"], "issued");
    assert_eq!(view["people_ahead"], 2);
    assert_eq!(view["estimated_wait_minutes"], 16);
    assert_eq!(view["called_counter"], Value::Null);
    assert_eq!(view["rating"]["state"], "not_yet");
    let counters: Vec<(u64, bool)> = view["counters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["number"].as_u64().unwrap(), c["open"].as_bool().unwrap()))
        .collect();
    assert_eq!(counters, [(1, true), (2, false)]);
    // No personal data: numbers, names of services and counters only.
    let keys: Vec<&str> = view
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in &keys {
        assert!(
            ![
                "name",
                "id_number",
                "phone",
                "address",
                "officer",
                "officer_name"
            ]
            .contains(k),
            "{k}"
        );
    }

    // The first ticket is served in 6 minutes: one ahead, 6 minutes.
    let mut log2 = Log::default();
    let mut f = first.clone();
    f.called = Some(at(9, 10, 0));
    f.started = Some(at(9, 10, 0));
    f.state = "serving";
    log2.events
        .push(next(after, at(9, 10, 0), "ticket.started", f.data()));
    f.finished = Some(at(9, 16, 0));
    f.state = "done";
    log2.events
        .push(next(after + 1, at(9, 16, 0), "ticket.finished", f.data()));
    after = ingest(&t.http, &t.base, unit, office_token, after, &log2.events)
        .await
        .last_event_id;
    let (_, view) = live.next().await;
    assert_eq!(view["people_ahead"], 1);
    assert_eq!(view["estimated_wait_minutes"], 6);

    // Called to counter 1: the page says where.
    mine.called = Some(at(9, 20, 0));
    mine.state = "called";
    let called = vec![next(after, at(9, 20, 0), "ticket.called", mine.data())];
    after = ingest(&t.http, &t.base, unit, office_token, after, &called)
        .await
        .last_event_id;
    let (_, view) = live.next().await;
    assert_eq!(view["state"], "called");
    assert_eq!(view["called_counter"], 1);
    assert_eq!(view["people_ahead"], 0);

    // Finished: the rating is open, with the reasons.
    mine.started = Some(at(9, 21, 0));
    mine.finished = Some(at(9, 30, 0));
    mine.state = "done";
    let done = vec![next(after, at(9, 30, 0), "ticket.finished", mine.data())];
    after = ingest(&t.http, &t.base, unit, office_token, after, &done)
        .await
        .last_event_id;
    let (_, view) = live.next().await;
    assert_eq!(view["rating"]["state"], "open");
    assert_eq!(
        view["rating"]["options"]["levels"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(!view["rating"]["options"]["reasons"]
        .as_array()
        .unwrap()
        .is_empty());
    drop(live);

    // Rated from the page's form: back to the page (303), rated.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .post(t.url(&format!("/t/{unit}/3/rating?k={TOKEN}")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("level=unsatisfied&reasons=slow&reasons=made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/t/{unit}/3?k={TOKEN}"));
    // A second rating (JSON this time, as the page's script posts) changes
    // nothing: the answer is the page, rated with the first level.
    let r = t
        .http
        .post(t.url(&format!("/t/{unit}/3/rating?k={TOKEN}")))
        .json(&json!({"level": "very_satisfied", "reasons": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let view: Value = r.json().await.unwrap();
    assert_eq!(view["rating"]["state"], "done");
    assert_eq!(view["rating"]["level"], "unsatisfied");
    // A wrong token rates nothing and learns nothing.
    let r = t
        .http
        .post(t.url(&format!("/t/{unit}/3/rating?k=K7Q2M9XX")))
        .json(&json!({"level": "very_satisfied", "reasons": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), wrong);

    // The office's hub collects it with its own token, and only its own.
    let (status, pending) = t.get("/city/v1/ratings/pending", office_token).await;
    assert_eq!(status, 200);
    assert_eq!(
        pending,
        json!({"ratings": [{"ticket": 3, "level": "unsatisfied", "reasons": ["slow"],
                            "rated_at": "2026-11-26T12:00:00+07:00"}]})
    );
    assert_eq!(
        t.get("/city/v1/ratings/pending", UNITS[1].2).await.1["ratings"],
        json!([])
    );
    assert_eq!(t.get("/city/v1/ratings/pending", CITY_TOKEN).await.0, 401);
    // An acknowledgement lost on the way: offered again.
    assert_eq!(
        t.get("/city/v1/ratings/pending", office_token).await.1,
        pending
    );
    let ack = |token: &'static str, tickets: Value| {
        let http = t.http.clone();
        let url = t.url("/city/v1/ratings/ack");
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "tickets": tickets }))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Another office cannot acknowledge it.
    assert_eq!(
        ack(UNITS[1].2, json!([3])).await,
        (200, json!({"acked": 0}))
    );
    assert_eq!(
        ack(office_token, json!([3])).await,
        (200, json!({"acked": 1}))
    );
    assert_eq!(
        ack(office_token, json!([3])).await,
        (200, json!({"acked": 0}))
    );
    assert_eq!(
        t.get("/city/v1/ratings/pending", office_token).await.1["ratings"],
        json!([])
    );
    // The page still says rated (until the hub's ticket.rated comes).
    let (_, html) = page(&t, &path).await;
    assert!(html.contains("A003"));

    // The second ticket, rated on the page, then its ticket.rated event
    // arrives through federation first: delivered, not offered again.
    let mut s = second.clone();
    s.called = Some(at(9, 40, 0));
    s.started = Some(at(9, 40, 0));
    s.finished = Some(at(9, 45, 0));
    s.state = "done";
    let done = vec![next(after, at(9, 45, 0), "ticket.finished", s.data())];
    after = ingest(&t.http, &t.base, unit, office_token, after, &done)
        .await
        .last_event_id;
    let r = t
        .http
        .post(t.url(&format!("/t/{unit}/2/rating?k=BBBB2222")))
        .json(&json!({"level": "very_satisfied", "reasons": ["slow"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["rating"]["level"],
        "very_satisfied"
    );
    let (_, pending) = t.get("/city/v1/ratings/pending", office_token).await;
    assert_eq!(pending["ratings"][0]["ticket"], 2);
    assert_eq!(
        pending["ratings"][0]["reasons"],
        json!([]),
        "reasons go with a complaint only"
    );
    let rated = json!({"rating": {"business_date": "2026-11-26", "channel": "kiosk",
        "counter": 1, "dossier_code": null, "id": 1, "level": "very_satisfied",
        "level_en": "Very satisfied", "level_vi": "Rất hài lòng", "number": "A002",
        "officer": null, "officer_name": null, "rated_at": "2026-11-26T12:00:00+07:00",
        "reasons": [], "ticket": 2}});
    ingest(
        &t.http,
        &t.base,
        unit,
        office_token,
        after,
        &[next(after, at(12, 0, 5), "ticket.rated", rated)],
    )
    .await;
    assert_eq!(
        t.get("/city/v1/ratings/pending", office_token).await.1["ratings"],
        json!([])
    );
    assert_eq!(
        t.count("SELECT count(*) FROM phone_ratings WHERE delivered_at IS NOT NULL")
            .await,
        2
    );
}

/// The event after `after` in a hand-written log.
fn next(after: i64, at_ms: i64, kind: &str, data: Value) -> motcua_api::IngestEvent {
    motcua_api::IngestEvent {
        id: after + 1,
        at_ms,
        event: kind.into(),
        data,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_page_shows_its_steps_and_a_flood_is_refused() {
    let mut config = config();
    config.phone.rate_per_minute = 30;
    config.phone.max_streams = 1;
    let t = TestCity::start_with(config, None).await;
    let (unit, _, office_token) = UNITS[0];
    let mut log = Log::default();
    log.dossier(
        "H26.01-261126-0001",
        "kiosk",
        at(9, 0, 0),
        at(17, 0, 0),
        Some(at(11, 0, 0)),
    );
    log.events[0].data["lookup_hash"] = lookup_hash(DOSSIER_TOKEN).into();
    ingest(&t.http, &t.base, unit, office_token, 0, &log.events).await;

    let path = format!("/d/{unit}/H26.01-261126-0001?k={DOSSIER_TOKEN}");
    let (status, html) = page(&t, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("H26.01-261126-0001"));
    let mut live = Stream::open(
        &t.http,
        &t.url(&format!(
            "/d/{unit}/H26.01-261126-0001/events?k={DOSSIER_TOKEN}"
        )),
    )
    .await;
    let (name, view) = live.next().await;
    assert_eq!(name, "dossier");
    let steps: Vec<(&str, bool)> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap(), s["done"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("received", true),
            ("sent_to_portal", true),
            ("processing", true),
            ("result_ready", true),
            ("collected", false)
        ]
    );
    assert_eq!(view["due_at"], "2026-11-26T17:00:00+07:00");
    // The shipped catalogue names the procedure when the city has none.
    assert!(!view["procedure_name_vi"].as_str().unwrap().is_empty());
    assert_ne!(view["procedure_name_vi"], "2.000815");
    assert!(view["collect_where_vi"]
        .as_str()
        .unwrap()
        .contains("Phường Tràng Tiền"));
    // Live streams are bounded: the one slot is taken, until it closes.
    let events = t.url(&format!(
        "/d/{unit}/H26.01-261126-0001/events?k={DOSSIER_TOKEN}"
    ));
    assert_eq!(t.http.get(&events).send().await.unwrap().status(), 429);
    drop(live);
    let mut reopened = None;
    for _ in 0..50 {
        let r = t.http.get(&events).send().await.unwrap();
        if r.status() == 200 {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(reopened.expect("the slot is given back when the reader leaves"));

    let (s1, wrong) = page(&t, &format!("/d/{unit}/H26.01-261126-0001?k=D4R8T2PX")).await;
    let (s2, unknown) = page(
        &t,
        &format!("/d/{unit}/H26.01-261126-0009?k={DOSSIER_TOKEN}"),
    )
    .await;
    let (s3, ticket_unknown) = page(&t, &format!("/t/{unit}/1?k={DOSSIER_TOKEN}")).await;
    assert_eq!([s1, s2, s3], [404; 3]);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, ticket_unknown, "tickets and dossiers refuse alike");

    // A flood from one address: 429 before long (30 a minute, a few
    // spent above).
    let mut refused = None;
    for i in 0..40 {
        let r = t.http.get(t.url(&path)).send().await.unwrap();
        if r.status() == 429 {
            let body = r.text().await.unwrap();
            refused = Some((i, body));
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let (after, body) = refused.expect("a flood is refused");
    assert!(after <= 30, "refused after {after}");
    assert!(!body.is_empty());
    // The dashboard and the API are not limited with it.
    assert_eq!(t.get("/city/v1/units", CITY_TOKEN).await.0, 200);
}
