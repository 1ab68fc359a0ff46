//! The dashboard's pages with a city's month loaded: 584 units, today's
//! full event log (a simulated office day each, pushed through the
//! ingestion path) and 29 closed days per unit in the rollups
//! (`unit_days`). The pages read today's projections and the rollups only
//! — past days' events are never scanned (date-partitioned tables, the
//! unit page's 30 days from `unit_days`) — so the past days' rollups are
//! copied from today's figures rather than simulated event by event.
//!
//! Signed in as a city user, it times `GET /` (the overview, every unit)
//! and `GET /units/{code}` (one unit, its 30-day charts) over plain HTTP
//! on loopback, sequentially, and prints p50 / p95 / p99.
//!
//! `cargo bench -p motcua-city --bench dashboard [-- --units 584 --requests 200]`

mod common;

use std::sync::Arc;
use std::time::Instant;

use chrono::TimeZone;
use motcua_api::{HubReport, IngestRequest};
use motcua_city::config::CityConfig;
use motcua_city::pg::TempCluster;
use motcua_city::server::{self, ServeOptions};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let units: usize = common::arg("--units", 584);
    let requests: usize = common::arg("--requests", 200);
    let load_before = common::load();
    let pg = TempCluster::start_with(None, "motcua_city", &common::PG_SETTINGS)
        .await
        .expect("PostgreSQL");
    let now = common::TZ
        .from_local_datetime(&common::day().and_hms_opt(16, 0, 0).expect("time"))
        .single()
        .expect("local time")
        .with_timezone(&chrono::Utc);
    let password = "bench-password";
    let config = CityConfig {
        pool_size: 12,
        users: vec![common::city_user("bench", password)],
        ..CityConfig::default()
    };
    let city = server::start(
        config,
        ServeOptions {
            listen: "127.0.0.1:0".parse().expect("addr"),
            pg: pg.url(),
            clock: Some(Arc::new(move || now)),
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
                &format!("Phường {u}"),
                Some(&format!("Quận {}", u % 30)),
                &format!("bench-office-token-{u:04}"),
            )
            .await
            .expect("unit");
        }
    }

    // Today: every unit's day through the ingestion path.
    let days = Arc::new(common::office_days(24));
    let http = reqwest::Client::new();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (http, base, days, next) = (
            http.clone(),
            base.clone(),
            Arc::clone(&days),
            Arc::clone(&next),
        );
        workers.push(tokio::spawn(async move {
            let mut events = 0;
            loop {
                let u = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if u >= units {
                    return events;
                }
                let log = &days[u % days.len()];
                for chunk in log.chunks(500) {
                    let body = IngestRequest {
                        unit_code: format!("B{u:04}"),
                        after_event_id: Some(chunk[0].id - 1),
                        events: chunk.to_vec(),
                        hub: HubReport {
                            version: "bench".into(),
                            office_name: "bench".into(),
                            kiosks: vec!["kiosk-1".into(), "kiosk-2".into()],
                            ..HubReport::default()
                        },
                    };
                    let r = http
                        .post(format!("{base}/city/v1/ingest"))
                        .bearer_auth(format!("bench-office-token-{u:04}"))
                        .json(&body)
                        .send()
                        .await
                        .expect("ingest");
                    assert!(r.status().is_success(), "{}", r.status());
                    events += chunk.len();
                }
            }
        }));
    }
    let mut events = 0;
    for w in workers {
        events += w.await.expect("worker");
    }
    println!(
        "loaded today: {units} units, {events} events in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // 29 closed days: today's figures, dated back (what the rollup worker
    // would have stored each night).
    {
        let client = city.city().pool.get().await.expect("pool");
        let at = city.city().clockface();
        let today = common::day();
        let figures = motcua_city::kpi::kpis_by_unit(&client, today, at)
            .await
            .expect("figures");
        for (unit_id, k) in figures {
            let json = serde_json::to_value(&k).expect("json");
            client
                .execute(
                    "INSERT INTO unit_days (unit_id, day, kpis) \
                     SELECT $1, d::date, jsonb_set($2::jsonb, '{date}', to_jsonb(d::date::text)) \
                     FROM generate_series($3::date - 29, $3::date - 1, interval '1 day') d \
                     ON CONFLICT DO NOTHING",
                    &[&unit_id, &json, &today],
                )
                .await
                .expect("rollups");
        }
        let n: i64 = client
            .query_one("SELECT count(*) FROM unit_days", &[])
            .await
            .expect("count")
            .get(0);
        println!("rollups: {n} unit-days");
    }

    // Sign in like a browser.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let session = common::sign_in(&plain, &base, "bench", password).await;

    println!("load before: {load_before}");
    for (name, path) in [
        ("overview GET /", "/".to_owned()),
        ("unit page GET /units/B0007", "/units/B0007".to_owned()),
    ] {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let t = Instant::now();
            let r = plain
                .get(format!("{base}{path}"))
                .header("cookie", &session)
                .send()
                .await
                .expect("page");
            assert_eq!(r.status(), 200);
            bytes = r.bytes().await.expect("body").len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: {requests} requests, {bytes} bytes, p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms",
            common::pct(&times, 50),
            common::pct(&times, 95),
            common::pct(&times, 99)
        );
    }
    println!("load after: {}", common::load());
    city.shutdown().await.expect("shutdown");
}
