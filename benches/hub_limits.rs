//! The hub under the two denial-of-service patterns of issue 12 (items 4
//! and 5), against the release `motcua hub` process on loopback:
//!
//! - `idle`: the hub runs with `ulimit -n 1024`; 2,000 connections are
//!   opened without a token and never send a byte; `/api/v1/health` is
//!   timed before, while they are held, and on fresh connections each time.
//! - `replay`: 10,000 events in the log; 1,000 display-token clients each
//!   ask for all of them (`last_event_id`) and never read. The hub's
//!   resident size (`VmRSS`) before, at its peak while they are connected,
//!   after the hub has disconnected them (`hub.send_timeout_seconds`), and
//!   after they have gone; `/api/v1/health` timed while they hold on.
//!
//! Run with `cargo bench --bench hub_limits` (both), or `-- idle` /
//! `-- replay`. Prints figures for docs/PERFORMANCE.md; asserts no timing.

mod common;
use common::percentile;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const IDLE_CONNECTIONS: usize = 2000;
const HUB_FD_LIMIT: u32 = 1024;
const REPLAY_CLIENTS: usize = 1000;
const REPLAY_EVENTS: usize = 10_000;
const SEND_TIMEOUT_SECONDS: u64 = 10;
const KIOSK: &str = "bench-kiosk-token-0123456789";
const DISPLAY: &str = "bench-display-token-0123456789";
const SERVICES: [&str; 4] = ["hotich", "chungthuc", "datdai", "khac"];

fn config(dir: &Path, hub: &str) -> PathBuf {
    let mut toml = format!(
        "[office]\nname = \"Bench\"\nunit_code = \"000.00.00.H00\"\n\n[hub]\n{hub}\n\n\
         [queue]\nstart_number = 1\ndaily_cap = 9999\n\
         max_priority_in_row = 2\nmax_normal_wait_minutes = 30\ndefault_service_minutes = 8\nestimate_window = 20\npriorities = []\n\n"
    );
    for (i, s) in SERVICES.iter().enumerate() {
        toml += &format!(
            "[[services]]\ncode = \"{s}\"\nprefix = \"{}\"\nname_vi = \"{s}\"\nname_en = \"{s}\"\n\n",
            ["A", "B", "C", "D"][i]
        );
    }
    toml += "[[counters]]\nnumber = 1\nservices = [\"hotich\", \"chungthuc\", \"datdai\", \"khac\"]\n\n";
    toml += &format!("[[tokens]]\ntoken = \"{KIOSK}\"\nrole = \"kiosk\"\n\n");
    toml += &format!("[[tokens]]\ntoken = \"{DISPLAY}\"\nrole = \"display\"\n\n");
    toml += "[filing]\nportal_url = \"sandbox\"\n";
    let path = dir.join("bench.toml");
    std::fs::write(&path, toml).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

struct Hub {
    child: Child,
    url: String,
}

impl Hub {
    /// `motcua hub` under `ulimit -n fd_limit`.
    fn start(dir: &Path, config: &Path, fd_limit: u32) -> Self {
        let mut child = Command::new("sh")
            .arg("-c")
            // As many as asked, or the machine's hard limit when that is
            // lower (outside systemd's LimitNOFILE=65536).
            .arg(format!(
                "ulimit -n {fd_limit} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$0\" \"$@\""
            ))
            .arg(env!("CARGO_BIN_EXE_motcua"))
            .arg("--config")
            .arg(config)
            .args(["hub", "--listen", "127.0.0.1:0", "--db"])
            .arg(dir.join("bench.db"))
            .env("MOTCUA_LOG", "error")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://"), "{line}");
        Self { child, url }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.url.trim_start_matches("http://").parse().unwrap()
    }

    /// The hub's resident size in MiB (`VmRSS`).
    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kib / 1024.0
    }

    fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bench itself holds thousands of sockets.
fn raise_own_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and fill the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// `/api/v1/health` `n` times, each on a fresh connection (as a monitor
/// or a restarted kiosk would come); failures count as 10 s.
async fn health(url: &str, n: usize) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::with_capacity(n);
    let mut failed = 0;
    for _ in 0..n {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let t0 = Instant::now();
        let ok = matches!(
            http.get(format!("{url}/api/v1/health")).send().await,
            Ok(r) if r.status().is_success()
        );
        if !ok {
            failed += 1;
        }
        latencies.push(if ok {
            t0.elapsed()
        } else {
            Duration::from_secs(10)
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_unstable();
    (latencies, failed)
}

fn print_health(when: &str, (latencies, failed): &(Vec<Duration>, usize)) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  /health {when:<28} n={:<3} failed={failed}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        latencies.len(),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(*latencies.last().unwrap()),
    );
}

/// Whether the hub has closed `stream` (without reading its data).
fn closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

async fn idle(dir: &Path) {
    let config = config(dir, "");
    let hub = Hub::start(dir, &config, HUB_FD_LIMIT);
    println!(
        "idle: hub under ulimit -n {HUB_FD_LIMIT}, {IDLE_CONNECTIONS} connections that send nothing"
    );
    print_health("before", &health(&hub.url, 50).await);
    let t0 = Instant::now();
    let mut held = Vec::with_capacity(IDLE_CONNECTIONS);
    let mut refused = 0;
    for _ in 0..IDLE_CONNECTIONS {
        match TcpStream::connect(hub.addr()).await {
            Ok(s) => held.push(s),
            Err(_) => refused += 1,
        }
    }
    println!(
        "  opened {} in {:.2} s ({refused} connect errors)",
        held.len(),
        t0.elapsed().as_secs_f64()
    );
    // Let the hub accept (and shed) all of them.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let open = held.iter().filter(|s| !closed(s)).count();
    println!(
        "  still open at the hub: {open} of {}; hub's open files: {}",
        held.len(),
        hub.open_files()
    );
    print_health("while they are held", &health(&hub.url, 50).await);
    let open = held.iter().filter(|s| !closed(s)).count();
    println!(
        "  still open after: {open}; hub RSS {:.1} MiB",
        hub.rss_mib()
    );
}

async fn replay(dir: &Path) {
    let config = config(
        dir,
        &format!(
            "event_replay = {REPLAY_EVENTS}\nevent_streams_per_token = {}\nsend_timeout_seconds = {SEND_TIMEOUT_SECONDS}",
            REPLAY_CLIENTS + 10
        ),
    );
    let hub = Hub::start(dir, &config, 65536);
    println!(
        "replay: {REPLAY_EVENTS} events, {REPLAY_CLIENTS} display clients asking for all of them and never reading (send timeout {SEND_TIMEOUT_SECONDS} s)"
    );
    // The event log: one ticket.issued per ticket.
    let http = reqwest::Client::new();
    let per_task = REPLAY_EVENTS / 50;
    let tasks: Vec<_> = (0..50)
        .map(|t| {
            let (http, url) = (http.clone(), hub.url.clone());
            tokio::spawn(async move {
                for i in 0..per_task {
                    let service = SERVICES[(t + i) % SERVICES.len()];
                    let resp = http
                        .post(format!("{url}/api/v1/tickets"))
                        .bearer_auth(KIOSK)
                        .json(&serde_json::json!({ "service": service }))
                        .send()
                        .await
                        .unwrap();
                    assert!(resp.status().is_success(), "{}", resp.status());
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let queue: serde_json::Value = http
        .get(format!("{}/api/v1/queue", hub.url))
        .bearer_auth(DISPLAY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let newest = queue["last_event_id"].as_i64().unwrap();
    let from = newest - REPLAY_EVENTS as i64;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = hub.rss_mib();
    let open_before = hub.open_files();
    println!("  newest event {newest}; hub RSS before: {before:.1} MiB");

    let request = format!(
        "GET /api/v1/events?last_event_id={from} HTTP/1.1\r\nhost: hub\r\nauthorization: Bearer {DISPLAY}\r\n\r\n"
    );
    let t0 = Instant::now();
    let mut clients = Vec::with_capacity(REPLAY_CLIENTS);
    for _ in 0..REPLAY_CLIENTS {
        let mut s = TcpStream::connect(hub.addr()).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        clients.push(s);
    }
    println!(
        "  {REPLAY_CLIENTS} clients connected in {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    // Sampled from the first connection until the clients are gone: the
    // streams fill up as the kernel's buffers do, and an earlier version
    // of this bench, sampling only the first seconds, missed the peak.
    let (stop_sampling, sampling) = tokio::sync::watch::channel(false);
    let sampler = {
        let pid = hub.child.id();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !*sampling.borrow() {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    let kib: f64 = status
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.split_whitespace().next())
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0.0);
                    peak = peak.max(kib / 1024.0);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    print_health("while they hold on", &health(&hub.url, 50).await);
    // The hub lets them go once it could not write for the send timeout,
    // counted from when their kernel buffers filled. A client's end cannot
    // see the close behind the replay it never read; the hub's open
    // descriptors say how many it let go.
    let let_go = || REPLAY_CLIENTS.saturating_sub(hub.open_files().saturating_sub(open_before));
    let deadline = t0 + Duration::from_secs(4 * SEND_TIMEOUT_SECONDS);
    while let_go() < REPLAY_CLIENTS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after_timeout = hub.rss_mib();
    println!(
        "  the hub let go of {} of {REPLAY_CLIENTS} (its open files {}, {open_before} before), {:.1} s after the first connected; hub RSS {after_timeout:.1} MiB (+{:.1} MiB)",
        let_go(),
        hub.open_files(),
        t0.elapsed().as_secs_f64(),
        after_timeout - before
    );
    drop(clients);
    let _ = stop_sampling.send(true);
    let peak = sampler.await.unwrap();
    println!(
        "  hub RSS peak from the first connection until they had gone: {peak:.1} MiB (+{:.1} MiB)",
        peak - before
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = hub.rss_mib();
    println!(
        "  hub RSS after they have gone: {after:.1} MiB (+{:.1} MiB)",
        after - before
    );
    print_health("after", &health(&hub.url, 20).await);
}

fn main() {
    raise_own_fd_limit();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only = |name: &str| {
        !args.iter().any(|a| a == "idle" || a == "replay") || args.iter().any(|a| a == name)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if only("idle") {
        let dir = tempfile::tempdir().unwrap();
        runtime.block_on(idle(dir.path()));
    }
    if only("replay") {
        let dir = tempfile::tempdir().unwrap();
        runtime.block_on(replay(dir.path()));
    }
}
