//! `motcua-city demo`, the binary: a throwaway PostgreSQL, the service and
//! a dozen simulated offices; the token it prints reads the JSON API; on
//! SIGTERM it stops everything, the cluster included.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;

/// The demo process, stopped if the test fails half-way (else it would
/// keep the harness's output pipe, and its cluster, open).
struct Demo(Option<Child>);

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_a_city_and_stops_everything_it_started() {
    let mut demo = Demo(Some(
        Command::new(env!("CARGO_BIN_EXE_motcua-city"))
            .args([
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--history-days",
                "1",
                "--speed",
                "3000",
            ])
            .env("MOTCUA_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    ));
    let stdout = demo.0.as_mut().unwrap().stdout.take().unwrap();
    // Lines up to the token; the rest is read (and dropped) until the end
    // so that the demo never writes into a closed pipe.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.is_some() {
                let done = line.starts_with("token: ");
                seen.push(line);
                if done {
                    let _ = tx.take().unwrap().send(std::mem::take(&mut seen));
                }
            }
        }
        if let Some(tx) = tx {
            let _ = tx.send(seen);
        }
    });
    let lines = rx.await.unwrap();
    let find = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.trim_start().strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("no {prefix:?} in {lines:?}"))
    };
    let token = find("token: ");
    let dashboard = find("dashboard: ");
    let base = dashboard.trim_end_matches('/').to_owned();
    let cluster = find("PostgreSQL (throwaway): ");
    let folder = std::path::PathBuf::from(cluster.split(" (port").next().unwrap());
    let port: u16 = cluster
        .rsplit("port ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .parse()
        .unwrap();
    assert!(lines
        .iter()
        .any(|l| l.trim_start().starts_with("login: demo / ")));
    assert!(folder.join("data").exists());

    // The dashboard answers, and the live channel hears every office.
    let http = reqwest::Client::new();
    let home = http.get(&dashboard).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let mut live = http
        .get(format!("{base}/city/v1/live"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let mut heard = BTreeSet::new();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while heard.len() < 12 {
        let chunk = tokio::time::timeout_at(deadline, live.next())
            .await
            .unwrap_or_else(|_| panic!("only {heard:?} pushed within three minutes"))
            .expect("the live stream stays open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        // Whole `data:` lines only; a unit counts once it stored events
        // (its first contact is a heartbeat).
        while let Some(end) = text.find('\n') {
            let line: String = text.drain(..=end).collect();
            if let Some(data) = line.strip_prefix("data: ") {
                if let Ok(update) = serde_json::from_str::<motcua_api::LiveUpdate>(data.trim()) {
                    if update.last_event_id > 0 {
                        heard.insert(update.unit_code);
                    }
                }
            }
        }
    }
    drop(live);
    let units: serde_json::Value = http
        .get(format!("{base}/city/v1/units"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let units = units.as_array().unwrap();
    assert_eq!(units.len(), 12);
    assert!(units
        .iter()
        .all(|u| u["last_event_id"].as_i64().unwrap() > 0));

    // SIGTERM: everything it started stops, PostgreSQL included.
    let mut child = demo.0.take().unwrap();
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(!folder.exists(), "{} is left behind", folder.display());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "PostgreSQL still listens on {port}"
    );
    assert!(http.get(&dashboard).send().await.is_err());
}
