//! Freshness: from an office's commit to the dashboard's live update.
//!
//! A real `motcua hub` process (release build: `cargo build --release`
//! first) with a `[city]` section pushes to the service over HTTPS. Kiosk
//! requests issue tickets at a steady pace. The benchmark listens to both
//! ends at once, on one clock:
//!
//! - the hub's own event stream (`GET /api/v1/events`): an event is
//!   published there right after its commit — the start;
//! - the dashboard as a signed-in browser runs it: its Server-Sent Events
//!   (`GET /live`, a `unit` event when a batch holding the unit's events
//!   commits at the city), and on each, what the page's script does — the
//!   unit page's `<main>` fetched again (`X-Motcua-Fragment: main`) — read
//!   for "tickets issued". The k-th ticket is fresh at the dashboard when
//!   a page showing at least k tickets has arrived — the end.
//!
//! It also prints the time to the JSON API's live channel
//! (`GET /city/v1/live`, the same notification without the page).
//!
//! `cargo build --release && cargo bench -p motcua-city --bench freshness [-- --events 300 --rate 10]`

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use motcua_api::LiveUpdate;
use motcua_city::config::{CityConfig, CityRole, TlsFiles, TokenConfig};
use motcua_city::pg::TempCluster;
use motcua_city::server::{self, ServeOptions};
use motcua_city::simulate::hub::{motcua_binary, CityLink, HubOffice};

const CITY_TOKEN: &str = "bench-city-token-0123456789";
const OFFICE_TOKEN: &str = "bench-office-token-freshness";
const PASSWORD: &str = "bench-password";

/// Reads Server-Sent Events from `response`, calling `on` with each
/// message's `event`/`id`/`data` fields and the moment it arrived.
async fn listen(response: reqwest::Response, mut on: impl FnMut(&str, Option<i64>, &str, Instant)) {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let now = Instant::now();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            let mut id = None;
            let mut data = "";
            let mut event = "message";
            for line in message.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.trim();
                } else if let Some(v) = line.strip_prefix("id: ") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v;
                }
            }
            on(event, id, data, now);
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events: usize = common::arg("--events", 300);
    let rate: f64 = common::arg("--rate", 10.0);
    let load_before = common::load();
    let pg = TempCluster::start_with(None, "motcua_city", &common::PG_SETTINGS)
        .await
        .expect("PostgreSQL");
    let ca = common::Ca::new();
    let config = CityConfig {
        tls: Some(TlsFiles {
            cert: ca.cert.clone(),
            key: ca.key.clone(),
        }),
        tokens: vec![TokenConfig {
            name: "bench".into(),
            role: CityRole::City,
            token: CITY_TOKEN.into(),
            units: vec![],
        }],
        users: vec![common::city_user("bench", PASSWORD)],
        ..CityConfig::default()
    };
    let city = server::start(
        config,
        ServeOptions {
            listen: "127.0.0.1:0".parse().expect("addr"),
            pg: pg.url(),
            clock: None,
        },
    )
    .await
    .expect("city");
    {
        let client = city.city().pool.get().await.expect("pool");
        server::upsert_unit(&client, "FRESH-01", "Phường đo độ trễ", None, OFFICE_TOKEN)
            .await
            .expect("unit");
    }
    let motcua = motcua_binary();
    let hub = HubOffice::spawn(
        &motcua,
        "FRESH-01",
        "Phường đo độ trễ",
        4,
        2,
        Some(&CityLink {
            url: city.base_url(),
            token: OFFICE_TOKEN.into(),
            ca_file: Some(ca.ca.clone()),
            options: Vec::new(),
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}: build it first with `cargo build --release`"));

    // Both ends, on one clock.
    let committed: Arc<Mutex<BTreeMap<i64, Instant>>> = Arc::default();
    let issued: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let at_city: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let shown: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let base = city.base_url();
    let http = motcua_city::simulate::http_client(Some(&ca.ca)).expect("client");
    let browser = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&ca.ca).expect("CA")).expect("PEM"),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser");
    let session = common::sign_in(&browser, &base, "bench", PASSWORD).await;
    let hub_stream = reqwest::Client::new()
        .get(format!("{}/api/v1/events", hub.base))
        .bearer_auth(&hub.display_token)
        .send()
        .await
        .expect("hub events");
    let city_stream = http
        .get(format!("{base}/city/v1/live"))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .expect("city live");
    let dashboard_stream = browser
        .get(format!("{base}/live"))
        .header("cookie", &session)
        .send()
        .await
        .expect("dashboard live");
    assert_eq!(dashboard_stream.status(), 200);
    {
        let (committed, issued) = (Arc::clone(&committed), Arc::clone(&issued));
        tokio::spawn(listen(hub_stream, move |event, id, _, now| {
            if let Some(id) = id {
                if committed.lock().unwrap().insert(id, now).is_none() && event == "ticket.issued" {
                    issued.lock().unwrap().push(now);
                }
            }
        }));
        let at_city = Arc::clone(&at_city);
        tokio::spawn(listen(city_stream, move |_, _, data, now| {
            if let Ok(update) = serde_json::from_str::<LiveUpdate>(data) {
                at_city.lock().unwrap().push((update.last_event_id, now));
            }
        }));
        // The page's script: on a `unit` event, fetch <main> again (one
        // fetch at a time; events during one make one more).
        let wake = Arc::new(tokio::sync::Notify::new());
        let on_event = Arc::clone(&wake);
        tokio::spawn(listen(dashboard_stream, move |event, _, data, _| {
            if event == "unit" && data == "FRESH-01" || event == "reload" {
                on_event.notify_one();
            }
        }));
        let shown = Arc::clone(&shown);
        let url = format!("{base}/units/FRESH-01");
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                let html = browser
                    .get(&url)
                    .header("cookie", &session)
                    .header("x-motcua-fragment", "main")
                    .send()
                    .await
                    .expect("unit page")
                    .text()
                    .await
                    .expect("page");
                let now = Instant::now();
                let label = "Phiếu đã cấp<b>";
                let at = html.find(label).expect("tickets issued on the page") + label.len();
                let n: usize = html[at..at + html[at..].find('<').expect("figure")]
                    .parse()
                    .expect("a number");
                shown.lock().unwrap().push((n, now));
            }
        });
    }
    println!(
        "freshness: {events} tickets issued at {rate}/s at a real motcua hub ({}), pushed over HTTPS",
        motcua.display()
    );
    println!("load before: {load_before}");
    let kiosk = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    for i in 0..events {
        tick.tick().await;
        let r = kiosk
            .post(format!("{}/api/v1/tickets", hub.base))
            .bearer_auth(&hub.kiosk_tokens[0])
            .header("Idempotency-Key", format!("fresh-{i}"))
            .json(&serde_json::json!({"service": "hotich"}))
            .send()
            .await
            .expect("issue");
        assert!(r.status().is_success(), "{}", r.status());
    }
    // Let the last pushes land and the page show them.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let last_committed = committed
            .lock()
            .unwrap()
            .keys()
            .last()
            .copied()
            .unwrap_or(0);
        let last_city = at_city
            .lock()
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .max()
            .unwrap_or(0);
        let most_shown = shown
            .lock()
            .unwrap()
            .iter()
            .map(|(n, _)| *n)
            .max()
            .unwrap_or(0);
        if last_committed > 0 && last_city >= last_committed && most_shown >= events
            || Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let committed = committed.lock().unwrap().clone();
    let issued = issued.lock().unwrap().clone();
    let at_city = at_city.lock().unwrap().clone();
    let shown = shown.lock().unwrap().clone();

    // The k-th ticket: its commit at the hub → the first page showing k.
    let mut page: Vec<f64> = issued
        .iter()
        .enumerate()
        .filter_map(|(k, t0)| {
            shown
                .iter()
                .filter(|(n, _)| *n > k)
                .map(|(_, t1)| *t1)
                .min()
                .map(|t1| t1.saturating_duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    assert_eq!(issued.len(), events, "every ticket committed at the hub");
    assert_eq!(page.len(), events, "every ticket shown on the dashboard");
    // Every event: its commit → the live notification holding it.
    let mut api: Vec<f64> = committed
        .iter()
        .filter_map(|(id, t0)| {
            at_city
                .iter()
                .filter(|(last, _)| last >= id)
                .map(|(_, t1)| *t1)
                .min()
                .map(|t1| t1.saturating_duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    assert_eq!(api.len(), committed.len(), "every event reached the city");
    page.sort_by(f64::total_cmp);
    api.sort_by(f64::total_cmp);
    println!(
        "{} tickets: office commit → dashboard updated (SSE `unit` event, then the page's <main> refetched) \
         p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (target p95 ≤ 2,000 ms); {} page refreshes",
        page.len(),
        common::pct(&page, 50),
        common::pct(&page, 95),
        page.last().copied().unwrap_or(f64::NAN),
        shown.len()
    );
    println!(
        "{} events: office commit → JSON API live update (GET /city/v1/live) p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        api.len(),
        common::pct(&api, 50),
        common::pct(&api, 95),
        api.last().copied().unwrap_or(f64::NAN)
    );
    println!("load after: {}", common::load());
    hub.stop().await.expect("hub stops");
    city.shutdown().await.expect("city stops");
}
