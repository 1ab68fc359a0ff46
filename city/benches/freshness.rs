//! Freshness: from an office's commit to the city's live update.
//!
//! A real `motcua hub` process (release build: `cargo build --release`
//! first) with a `[city]` section pushes to the service over HTTPS. Kiosk
//! requests issue tickets at a steady pace; the benchmark listens to both
//! ends at once — the hub's own event stream (an event is published there
//! right after its commit) and the city's live channel (`GET
//! /city/v1/live`, sent when the batch holding the event commits at the
//! city) — and measures, per event, the time from the first to the
//! second, on one clock.
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

/// Reads Server-Sent Events from `response`, calling `on` with each
/// message's `id`/`data` fields and the moment it arrived.
async fn listen(response: reqwest::Response, mut on: impl FnMut(Option<i64>, &str, Instant)) {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let now = Instant::now();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            let mut id = None;
            let mut data = "";
            for line in message.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v;
                }
            }
            on(id, data, now);
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
    let at_city: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let http = motcua_city::simulate::http_client(Some(&ca.ca)).expect("client");
    let hub_stream = reqwest::Client::new()
        .get(format!("{}/api/v1/events", hub.base))
        .bearer_auth(&hub.display_token)
        .send()
        .await
        .expect("hub events");
    let city_stream = http
        .get(format!("{}/city/v1/live", city.base_url()))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .expect("city live");
    {
        let committed = Arc::clone(&committed);
        tokio::spawn(listen(hub_stream, move |id, _, now| {
            if let Some(id) = id {
                committed.lock().unwrap().entry(id).or_insert(now);
            }
        }));
        let at_city = Arc::clone(&at_city);
        tokio::spawn(listen(city_stream, move |_, data, now| {
            if let Ok(update) = serde_json::from_str::<LiveUpdate>(data) {
                at_city.lock().unwrap().push((update.last_event_id, now));
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
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
    // Let the last pushes land.
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
        if last_city >= last_committed && last_committed > 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let committed = committed.lock().unwrap().clone();
    let at_city = at_city.lock().unwrap().clone();
    let mut delays: Vec<f64> = committed
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
    assert_eq!(
        delays.len(),
        committed.len(),
        "every event reached the city"
    );
    delays.sort_by(f64::total_cmp);
    println!(
        "{} events: office commit → city live update p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (target p95 ≤ 2,000 ms)",
        delays.len(),
        common::pct(&delays, 50),
        common::pct(&delays, 95),
        delays.last().copied().unwrap_or(f64::NAN)
    );
    println!("load after: {}", common::load());
    hub.stop().await.expect("hub stops");
    city.shutdown().await.expect("city stops");
}
