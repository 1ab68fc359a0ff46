//! End-to-end ingestion: a whole day of a city's offices pushed over HTTPS
//! (rustls, a throwaway CA) into the service, with deduplication,
//! projections and live notifications, PostgreSQL with fsync on.
//!
//! Each office sends its day in 500-event batches, in order, as a hub
//! does; `--concurrency` offices push at once. One batch in ten is sent a
//! second time (a lost answer): stored once, and counted in the time.
//! The service runs in this process; the offices' days are drawn before
//! the clock starts (24 distinct simulated days, reused) and serialised
//! once, so the load generator costs little beside the service.
//!
//! `cargo bench -p motcua-city --bench ingest [-- --units 584]`
//! `cargo bench -p motcua-city --bench ingest -- --units 3321` (national)

mod common;

use std::sync::Arc;
use std::time::Instant;

use motcua_api::{HubReport, IngestEvent, IngestResponse};
use motcua_city::config::{CityConfig, TlsFiles};
use motcua_city::pg::TempCluster;
use motcua_city::server::{self, ServeOptions};

/// The request body of `events` after `after` for `unit`, built from
/// pre-serialised events.
fn body(unit: &str, after: i64, events_json: &str, hub_json: &str) -> Vec<u8> {
    format!(
        "{{\"unit_code\":\"{unit}\",\"after_event_id\":{after},\"events\":{events_json},\"hub\":{hub_json}}}"
    )
    .into_bytes()
}

struct Template {
    /// (after, last id, events as JSON)
    batches: Vec<(i64, i64, String)>,
    events: usize,
}

fn templates(days: Vec<Vec<IngestEvent>>, batch: usize) -> Vec<Template> {
    days.into_iter()
        .map(|log| Template {
            events: log.len(),
            batches: log
                .chunks(batch)
                .map(|b| {
                    (
                        b[0].id - 1,
                        b[b.len() - 1].id,
                        serde_json::to_string(b).expect("json"),
                    )
                })
                .collect(),
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let units: usize = common::arg("--units", 584);
    let concurrency: usize = common::arg("--concurrency", 16);
    let batch: usize = common::arg("--batch", 500);
    let plain = common::flag("--plain");
    let load_before = common::load();

    let stats = common::flag("--statements");
    let mut settings = common::PG_SETTINGS.to_vec();
    if stats {
        settings.push(("shared_preload_libraries", "pg_stat_statements"));
    }
    let pg = TempCluster::start_with(None, "motcua_city", &settings)
        .await
        .expect("PostgreSQL");
    let ca = common::Ca::new();
    let mut config = CityConfig {
        pool_size: concurrency + 4,
        ..CityConfig::default()
    };
    if !plain {
        config.tls = Some(TlsFiles {
            cert: ca.cert.clone(),
            key: ca.key.clone(),
        });
    }
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
    let base = city.base_url();
    {
        let client = city.city().pool.get().await.expect("pool");
        for u in 0..units {
            server::upsert_unit(
                &client,
                &format!("B{u:04}"),
                &format!("Đơn vị {u}"),
                None,
                &format!("bench-office-token-{u:04}"),
            )
            .await
            .expect("unit");
        }
    }
    let templates = Arc::new(templates(common::office_days(24), batch));
    let expected: usize = (0..units)
        .map(|u| templates[u % templates.len()].events)
        .sum();
    let hub_json = Arc::new(
        serde_json::to_string(&HubReport {
            version: "bench".into(),
            office_name: "bench".into(),
            kiosks: vec!["kiosk-1".into(), "kiosk-2".into()],
            ..HubReport::default()
        })
        .expect("json"),
    );
    let http = motcua_city::simulate::http_client(Some(&ca.ca)).expect("client");
    let size_before = database_size(&city).await;
    println!(
        "ingest: {units} offices, {expected} events, {batch}-event batches, {concurrency} offices at once, {}",
        if plain { "plain HTTP" } else { "HTTPS (rustls)" }
    );
    println!("load before: {load_before}");

    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, base, templates, hub_json, next) = (
            http.clone(),
            base.clone(),
            Arc::clone(&templates),
            Arc::clone(&hub_json),
            Arc::clone(&next),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut stored = 0u64;
            loop {
                let u = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if u >= units {
                    break;
                }
                let code = format!("B{u:04}");
                let token = format!("bench-office-token-{u:04}");
                let t = &templates[u % templates.len()];
                for (i, (after, last, events)) in t.batches.iter().enumerate() {
                    let repeats = if (u + i) % 10 == 0 { 2 } else { 1 };
                    for _ in 0..repeats {
                        let sent = Instant::now();
                        let r = http
                            .post(format!("{base}/city/v1/ingest"))
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body(&code, *after, events, &hub_json))
                            .send()
                            .await
                            .expect("request");
                        assert!(r.status().is_success(), "{}", r.status());
                        let answer: IngestResponse = r.json().await.expect("answer");
                        assert_eq!(answer.last_event_id, *last);
                        stored += u64::from(answer.stored);
                        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
            (stored, latencies)
        }));
    }
    let mut stored = 0;
    let mut latencies = Vec::new();
    for w in workers {
        let (s, l) = w.await.expect("worker");
        stored += s;
        latencies.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    assert_eq!(stored as usize, expected, "every event stored exactly once");
    let size_after = database_size(&city).await;
    println!(
        "{stored} events in {secs:.1} s = {:.0} events/s ({} requests, {} of them repeats; latency p50 {:.0} ms, p99 {:.0} ms)",
        stored as f64 / secs,
        latencies.len(),
        latencies.len() - templates_batches(&templates, units),
        common::pct(&latencies, 50),
        common::pct(&latencies, 99),
    );
    let client = city.city().pool.get().await.expect("pool");
    let log: i64 = client
        .query_one(
            "SELECT COALESCE(sum(pg_total_relation_size(inhrelid)), 0)::int8 FROM pg_inherits \
             WHERE inhparent = 'events'::regclass",
            &[],
        )
        .await
        .expect("size")
        .get(0);
    println!(
        "database: {:.0} bytes/event in all (log, projections, indexes); the log alone {:.0} bytes/event with its key",
        (size_after - size_before) as f64 / stored as f64,
        log as f64 / stored as f64
    );
    println!("load after: {}", common::load());
    reads(&city).await;
    if stats {
        // Where PostgreSQL spent its time (--statements).
        client
            .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .await
            .expect("extension");
        for row in client
            .query(
                "SELECT round(total_exec_time)::int8, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) \
                 FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12",
                &[],
            )
            .await
            .expect("statements")
        {
            let (ms, calls, query): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
            println!("{ms:>8} ms {calls:>7} × {query}");
        }
    }
    city.shutdown().await.expect("shutdown");
}

/// What a reader waits for once the day is in: the overview's figures for
/// every unit (`GET /city/v1/units`, `kpi::kpis_by_unit`) and one unit's
/// (`GET /city/v1/units/{code}`), each read 20 times.
async fn reads(city: &server::RunningCity) {
    use motcua_city::kpi::{self, Clockface, Scope};
    let client = city.city().pool.get().await.expect("pool");
    let day = common::day();
    let at = Clockface {
        now: chrono::TimeZone::with_ymd_and_hms(&common::TZ, 2026, 11, 26, 12, 0, 0)
            .unwrap()
            .to_utc(),
        tz: common::TZ,
        hours: Default::default(),
    };
    let unit_id: i32 = client
        .query_one("SELECT min(unit_id) FROM units", &[])
        .await
        .expect("unit")
        .get(0);
    let mut summaries = Vec::new();
    let mut every = Vec::new();
    let mut one = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        kpi::summaries(&client, day, common::TZ)
            .await
            .expect("summaries");
        summaries.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        kpi::kpis_by_unit(&client, day, at)
            .await
            .expect("every unit");
        every.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        kpi::kpis(&client, Scope::Unit(unit_id), day, at)
            .await
            .expect("one unit");
        one.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for (name, v) in [
        ("units summary (GET /city/v1/units)", &mut summaries),
        ("every unit's figures (kpis_by_unit)", &mut every),
        ("one unit's figures", &mut one),
    ] {
        v.sort_by(f64::total_cmp);
        println!(
            "read {name}: p50 {:.0} ms, p95 {:.0} ms",
            common::pct(v, 50),
            common::pct(v, 95)
        );
    }
}

fn templates_batches(templates: &[Template], units: usize) -> usize {
    (0..units)
        .map(|u| templates[u % templates.len()].batches.len())
        .sum()
}

async fn database_size(city: &server::RunningCity) -> i64 {
    let client = city.city().pool.get().await.expect("pool");
    client
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .expect("size")
        .get(0)
}
