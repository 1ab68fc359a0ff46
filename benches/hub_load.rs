//! Hub load benchmark: ticket issuance and call-next over real HTTP on
//! loopback, 50 concurrent clients, against the release `motcua hub`
//! process with its durable (synchronous = FULL) database.
//!
//! Run with `cargo bench --bench hub_load`. Prints throughput and p50/p99
//! latency per operation; figures are recorded in docs/PERFORMANCE.md.

mod common;
use common::percentile;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const TICKETS_PER_CLIENT: usize = 200;
const SERVICES: [&str; 4] = ["hotich", "chungthuc", "datdai", "khac"];

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let mut toml = String::from(
        "[office]\nname = \"Bench\"\nunit_code = \"000.00.00.H00\"\n\n[queue]\nstart_number = 1\ndaily_cap = 9999\n\
         max_priority_in_row = 2\nmax_normal_wait_minutes = 30\ndefault_service_minutes = 8\nestimate_window = 20\npriorities = []\n\n",
    );
    for (i, s) in SERVICES.iter().enumerate() {
        toml += &format!(
            "[[services]]\ncode = \"{s}\"\nprefix = \"{}\"\nname_vi = \"{s}\"\nname_en = \"{s}\"\n\n",
            ["A", "B", "C", "D"][i]
        );
    }
    for n in 1..=CLIENTS {
        toml += &format!("[[counters]]\nnumber = {n}\nservices = [\"hotich\", \"chungthuc\", \"datdai\", \"khac\"]\n\n");
    }
    toml += "[[tokens]]\ntoken = \"bench-kiosk-token-0123456789\"\nrole = \"kiosk\"\n\n";
    toml += "[[tokens]]\ntoken = \"bench-counter-token-0123456789\"\nrole = \"counter\"\n";
    // A configuration file names its portal (issue 12, item 1).
    toml += "\n[filing]\nportal_url = \"sandbox\"\n";
    let path = dir.join("bench.toml");
    std::fs::write(&path, toml).unwrap();
    // Tokens inside: owner-only, as the hub asks of a real configuration.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn report(name: &str, mut latencies: Vec<Duration>, wall: Duration) {
    latencies.sort_unstable();
    let pct = |p: usize| percentile(&latencies, p);
    println!(
        "{name:<12} {:>6} requests in {:>6.2} s = {:>7.0}/s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}

async fn run(url: String) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    // Warm up connections and caches.
    for i in 0..CLIENTS {
        let _ = http
            .get(format!("{url}/api/v1/health"))
            .send()
            .await
            .map(|_| i);
    }

    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(TICKETS_PER_CLIENT);
                for i in 0..TICKETS_PER_CLIENT {
                    let t0 = Instant::now();
                    let resp = http
                        .post(format!("{url}/api/v1/tickets"))
                        .bearer_auth("bench-kiosk-token-0123456789")
                        .header("Idempotency-Key", format!("b-{c}-{i}"))
                        .json(&serde_json::json!({ "service": SERVICES[(c + i) % 4] }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    resp.bytes().await.unwrap();
                    lat.push(t0.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    report("issue", all, start.elapsed());

    let start = Instant::now();
    let tasks: Vec<_> = (1..=CLIENTS)
        .map(|n| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut calls = Vec::new();
                let mut finishes = Vec::new();
                loop {
                    let t0 = Instant::now();
                    let resp = http
                        .post(format!("{url}/api/v1/counters/{n}/call-next"))
                        .bearer_auth("bench-counter-token-0123456789")
                        .send()
                        .await
                        .unwrap();
                    let status = resp.status();
                    resp.bytes().await.unwrap();
                    calls.push(t0.elapsed());
                    if status == 204 {
                        return (calls, finishes);
                    }
                    assert_eq!(status, 200);
                    let t0 = Instant::now();
                    let resp = http
                        .post(format!("{url}/api/v1/counters/{n}/finish"))
                        .bearer_auth("bench-counter-token-0123456789")
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    resp.bytes().await.unwrap();
                    finishes.push(t0.elapsed());
                }
            })
        })
        .collect();
    let (mut calls, mut finishes) = (Vec::new(), Vec::new());
    for t in tasks {
        let (c, f) = t.await.unwrap();
        calls.extend(c);
        finishes.extend(f);
    }
    let wall = start.elapsed();
    report("call-next", calls, wall);
    report("finish", finishes, wall);
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut hub = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("--config")
        .arg(&config)
        .args(["hub", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("bench.db"))
        .env("MOTCUA_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hub.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    println!(
        "hub_load: {CLIENTS} concurrent clients, {} tickets, hub at {url}",
        CLIENTS * TICKETS_PER_CLIENT
    );
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(url));
    let _ = hub.kill();
    let _ = hub.wait();
}
