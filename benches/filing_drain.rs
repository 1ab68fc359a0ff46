//! Filing benchmark: how fast the outbox drains a backlog to the portal
//! after an outage, against the release `motcua hub` and `motcua
//! portal-sandbox` processes on loopback (both with durable SQLite).
//!
//! 1. The sandbox is started once (for a port) and stopped: the outage.
//! 2. 500 certified-copy dossiers are filed through the hub API by 10
//!    concurrent kiosks (submission latency is measured too).
//! 3. The sandbox is started again on the same port. The time from that
//!    moment to the first and to the 500th `dossier.sent` event on the
//!    hub's event stream gives the recovery delay and the drain rate.
//!
//! Run with `cargo bench --bench filing_drain`; figures are recorded in
//! docs/PERFORMANCE.md ("Filing: outbox drain").

mod common;
use common::percentile;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const DOSSIERS: usize = 500;
const KIOSKS: usize = 10;
const KIOSK_TOKEN: &str = "bench-kiosk-token-0123456789";
const COUNTER_TOKEN: &str = "bench-counter-token-0123456789";

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let toml = format!(
        r#"[office]
name = "UBND Phường Bench"
unit_code = "000.00.00.H00"

[[services]]
code = "hotich"
prefix = "A"
name_vi = "Hộ tịch"
name_en = "Civil status"
daily_cap = 9999

[[services]]
code = "chungthuc"
prefix = "B"
name_vi = "Chứng thực"
name_en = "Certification"
daily_cap = 9999

[[counters]]
number = 1
services = ["hotich", "chungthuc"]

[filing]
# The outbox probes a down portal at most every second.
retry_initial_ms = 100
retry_max_ms = 1000

[[tokens]]
token = "{KIOSK_TOKEN}"
role = "kiosk"

[[tokens]]
token = "{COUNTER_TOKEN}"
role = "counter"
"#
    );
    let path = dir.join("bench.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Starts a motcua subcommand and reads the URL from its first line.
fn spawn(args: &[&str], prefix: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("unexpected output {line:?}"))
        .to_owned();
    (child, url)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cpu}, {cores} cores available")
}

fn request(i: usize) -> serde_json::Value {
    serde_json::json!({
        "procedure": "2.000815",
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "address": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
            "phone": "0912345678"
        },
        "fields": { "document_name": format!("Giấy tờ số {i}") },
        "pages": 1 + i % 40,
    })
}

/// Reads `dossier.sent` events from the hub until `n`; returns the instant
/// of the first and of the last.
async fn watch_sent(hub: &str, after: i64, n: usize) -> (Instant, Instant) {
    let mut resp = reqwest::Client::new()
        .get(format!("{hub}/api/v1/events"))
        .bearer_auth(COUNTER_TOKEN)
        .header("Last-Event-ID", after.to_string())
        .send()
        .await
        .unwrap();
    let (mut buf, mut seen, mut first) = (String::new(), 0, None);
    loop {
        let chunk = resp.chunk().await.unwrap().expect("event stream ended");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: dossier.sent") {
                let now = Instant::now();
                first.get_or_insert(now);
                seen += 1;
                if seen == n {
                    return (first.unwrap_or(now), now);
                }
            }
        }
    }
}

async fn run(hub: String, portal_args: Vec<String>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(KIOSKS)
        .build()
        .unwrap();
    let start = Instant::now();
    let kiosks: Vec<_> = (0..KIOSKS)
        .map(|k| {
            let (http, hub) = (http.clone(), hub.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in (k..DOSSIERS).step_by(KIOSKS) {
                    let t0 = Instant::now();
                    let resp = http
                        .post(format!("{hub}/api/v1/dossiers"))
                        .bearer_auth(KIOSK_TOKEN)
                        .header("Idempotency-Key", format!("bench-{i}"))
                        .json(&request(i))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    resp.bytes().await.unwrap();
                    latencies.push(t0.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for k in kiosks {
        latencies.extend(k.await.unwrap());
    }
    let wall = start.elapsed();
    latencies.sort_unstable();
    println!(
        "file        {DOSSIERS} dossiers by {KIOSKS} kiosks in {:.2} s = {:.0}/s   p50 {:.1} ms   p95 {:.1} ms   max {:.1} ms   (portal down)",
        wall.as_secs_f64(),
        DOSSIERS as f64 / wall.as_secs_f64(),
        percentile(&latencies, 50).as_secs_f64() * 1e3,
        percentile(&latencies, 95).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );

    // The newest event before the portal returns: count deliveries after it.
    let queue: serde_json::Value = http
        .get(format!("{hub}/api/v1/queue"))
        .bearer_auth(COUNTER_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after = queue["last_event_id"].as_i64().unwrap();
    let watcher = tokio::spawn({
        let hub = hub.clone();
        async move { watch_sent(&hub, after, DOSSIERS).await }
    });
    let args: Vec<&str> = portal_args.iter().map(String::as_str).collect();
    let back = Instant::now();
    let (portal, portal_url) = spawn(&args, "motcua portal-sandbox listening on ");
    let (first, last) = watcher.await.unwrap();
    let drain = last - back;
    println!(
        "drain       {DOSSIERS} dossiers in {:.2} s after the portal came back = {:.0}/s   (first delivery after {:.0} ms; first→last {:.2} s = {:.0}/s)",
        drain.as_secs_f64(),
        DOSSIERS as f64 / drain.as_secs_f64(),
        (first - back).as_secs_f64() * 1e3,
        (last - first).as_secs_f64(),
        (DOSSIERS - 1) as f64 / (last - first).as_secs_f64().max(1e-9),
    );
    let held: serde_json::Value = reqwest::get(format!("{portal_url}/api/v1/dossiers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        held["count"], DOSSIERS,
        "the portal holds every dossier once"
    );
    stop(portal);
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let portal_db = dir.path().join("portal.db");
    let portal_db = portal_db.to_str().unwrap();
    // First start: learn a free port, then take the portal down.
    let (portal, portal_url) = spawn(
        &[
            "portal-sandbox",
            "--listen",
            "127.0.0.1:0",
            "--pace",
            "0",
            "--db",
            portal_db,
        ],
        "motcua portal-sandbox listening on ",
    );
    stop(portal);
    let addr = portal_url.trim_start_matches("http://").to_owned();
    let config = config(dir.path());
    let hub_db = dir.path().join("hub.db");
    let (hub, hub_url) = spawn(
        &[
            "--config",
            config.to_str().unwrap(),
            "hub",
            "--listen",
            "127.0.0.1:0",
            "--db",
            hub_db.to_str().unwrap(),
            "--portal",
            &portal_url,
        ],
        "motcua hub listening on ",
    );
    println!("filing_drain: {DOSSIERS} dossiers, hub at {hub_url}, portal sandbox at {portal_url}");
    println!("machine     {}", machine());
    let portal_args: Vec<String> = [
        "portal-sandbox",
        "--listen",
        &addr,
        "--pace",
        "0",
        "--db",
        portal_db,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(hub_url, portal_args));
    stop(hub);
}
