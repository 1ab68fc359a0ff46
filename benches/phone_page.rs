//! Phone page benchmark: the ticket page's weight, and its first render in
//! a real browser on a 400 kbit/s link.
//!
//! 1. A hub in-process (the demo office with 10 counters serving the
//!    ticket's service, 4 of them open) issues a ticket with 20 people
//!    ahead. The page `/t/{id}?k=…` is fetched: its bytes are the weight
//!    (one response, CSS and script inline, no other request).
//! 2. Headless chromium (Debian's, over chromedriver) with a phone's
//!    screen opens the page with the network throttled through the
//!    DevTools protocol (`Network.emulateNetworkConditions` via
//!    chromedriver's `goog/cdp/execute`): 400 kbit/s down, 400 kbit/s up,
//!    and a round trip of `LATENCY_MS`. The browser's own clock gives, from
//!    the start of the navigation: the first contentful paint and the end
//!    of the response (`performance` entries). Cache off; `RUNS` loads,
//!    a fresh page each time.
//!
//! Run with `cargo bench --bench phone_page`; figures are recorded in
//! docs/PERFORMANCE.md ("Phone pages").

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use motcua::config::{Config, CounterConfig};
use serde_json::{json, Value};

const RUNS: usize = 7;
/// 400 kbit/s in bytes per second.
const THROUGHPUT: u64 = 400_000 / 8;
/// The link's added round trip (a slow mobile link), in ms.
const LATENCY_MS: u64 = 150;
const COUNTER: &str = "demo-counter-token";
const KIOSK: &str = "demo-kiosk-token";

fn office() -> Config {
    let mut config = Config::demo();
    config.queue.daily_cap = 9999;
    config.hub.phone_rate_per_minute = 0;
    config.counters = (1..=10)
        .map(|number| CounterConfig {
            number,
            name: None,
            services: vec!["hotich".into()],
        })
        .collect();
    config
}

fn main() {
    let runtime = common::runtime();
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(office());
    let hub = common::start_hub(&runtime, &config, dir.path());
    let base = hub.base_url();
    let http = reqwest::Client::new();
    let (id, token) = runtime.block_on(async {
        for n in 1..=4 {
            http.post(format!("{base}/api/v1/counters/{n}/open"))
                .bearer_auth(COUNTER)
                .send()
                .await
                .unwrap();
        }
        let mut last = Value::Null;
        for _ in 0..21 {
            last = http
                .post(format!("{base}/api/v1/tickets"))
                .bearer_auth(KIOSK)
                .json(&json!({"service": "hotich"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        }
        (
            last["id"].as_i64().unwrap(),
            last["lookup_token"].as_str().unwrap().to_owned(),
        )
    });
    let url = format!("{base}/t/{id}?k={token}");
    let page =
        runtime.block_on(async { http.get(&url).send().await.unwrap().text().await.unwrap() });
    println!(
        "phone_page: ticket page weight {} bytes ({:.1} KiB), 10 counters, one response",
        page.len(),
        page.len() as f64 / 1024.0
    );
    let en = runtime.block_on(async {
        http.get(format!("{url}&lang=en"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    println!("phone_page: English page weight {} bytes", en.len());

    let Some(mut driver) = chromedriver() else {
        println!("phone_page: chromium or chromedriver missing; first render not measured");
        return;
    };
    let port = driver.1;
    let profile = tempfile::tempdir().unwrap();
    let renders = runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--disable-dev-shm-usage",
                         format!("--user-data-dir={}", profile.path().display())],
                "mobileEmulation": {
                    "deviceMetrics": { "width": 360, "height": 640, "pixelRatio": 2.0, "touch": true }
                }
            }),
        );
        let b = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");
        let session = b.session_id().await.unwrap().unwrap();
        let cdp = |cmd: &'static str, params: Value| {
            let http = http.clone();
            let session = session.clone();
            async move {
                let r = http
                    .post(format!(
                        "http://127.0.0.1:{port}/session/{session}/goog/cdp/execute"
                    ))
                    .json(&json!({ "cmd": cmd, "params": params }))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{cmd}: {}", r.text().await.unwrap());
            }
        };
        cdp("Network.enable", json!({})).await;
        cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true })).await;
        cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": LATENCY_MS,
                "downloadThroughput": THROUGHPUT,
                "uploadThroughput": THROUGHPUT,
            }),
        )
        .await;
        let mut out = Vec::new();
        for run in 0..RUNS {
            b.goto("about:blank").await.unwrap();
            b.goto(&format!("{url}&run={run}")).await.unwrap();
            // Paint entries are recorded just after the frame: poll.
            let figures = loop {
                let v = b
                    .execute(
                        "var p = performance.getEntriesByName('first-contentful-paint')[0];\
                         var n = performance.getEntriesByType('navigation')[0];\
                         return p && n ? [p.startTime, n.responseEnd, n.transferSize] : null;",
                        vec![],
                    )
                    .await
                    .unwrap();
                if !v.is_null() {
                    break v;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            out.push((
                figures[0].as_f64().unwrap(),
                figures[1].as_f64().unwrap(),
                figures[2].as_f64().unwrap_or(0.0),
            ));
        }
        b.close().await.unwrap();
        out
    });
    let mut fcp: Vec<f64> = renders.iter().map(|r| r.0).collect();
    let mut end: Vec<f64> = renders.iter().map(|r| r.1).collect();
    fcp.sort_by(f64::total_cmp);
    end.sort_by(f64::total_cmp);
    println!(
        "phone_page: 400 kbit/s, {LATENCY_MS} ms round trip, {RUNS} loads: first contentful paint median {:.0} ms (min {:.0}, max {:.0}); response end median {:.0} ms; {} bytes on the wire",
        fcp[RUNS / 2],
        fcp[0],
        fcp[RUNS - 1],
        end[RUNS / 2],
        renders[0].2
    );
    let _ = driver.0.kill();
    let _ = driver.0.wait();
    runtime.block_on(hub.shutdown()).unwrap();
}

/// chromedriver on a free port, when chromium is installed.
fn chromedriver() -> Option<(std::process::Child, u16)> {
    if !std::path::Path::new("/usr/bin/chromedriver").exists()
        || !std::path::Path::new("/usr/bin/chromium").exists()
    {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut lines = BufReader::new(child.stdout.take()?).lines();
    loop {
        if lines.next()?.ok()?.contains("started successfully") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Some((child, port))
}
