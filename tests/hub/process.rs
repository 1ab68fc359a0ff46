//! The hub as a real process: killed mid-burst, stopped by SIGTERM, and the
//! report command on its database.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::Notify;

use crate::util::{motcua, open_db, HubProcess, KIOSK};

const SERVICES: [&str; 4] = ["hotich", "chungthuc", "datdai", "khac"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_acknowledged_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut hub = HubProcess::start(&db);

    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (url, acked, count, enough) = (
                hub.url.clone(),
                acked.clone(),
                count.clone(),
                enough.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for i in 0.. {
                    let sent = http
                        .post(format!("{url}/api/v1/tickets"))
                        .bearer_auth(KIOSK)
                        .header("Idempotency-Key", format!("w{w}-{i}"))
                        .json(&json!({ "service": SERVICES[(w + i) % 4] }))
                        .send()
                        .await;
                    // After the kill every request fails: the burst is over.
                    let Ok(resp) = sent else { return };
                    if resp.status() != reqwest::StatusCode::CREATED {
                        return;
                    }
                    let Ok(t) = resp.json::<serde_json::Value>().await else {
                        return;
                    };
                    acked.lock().unwrap().push((
                        t["id"].as_i64().unwrap(),
                        t["number"].as_str().unwrap().to_owned(),
                    ));
                    if count.fetch_add(1, Ordering::SeqCst) + 1 == 400 {
                        enough.notify_one();
                    }
                }
            })
        })
        .collect();
    enough.notified().await;
    hub.kill9();
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 400);

    // Every ticket whose 201 reached a client is on disk, with its number.
    let conn = open_db(&db);
    for (id, number) in &acked {
        let stored: String = conn
            .query_row("SELECT display FROM tickets WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap_or_else(|_| panic!("acknowledged ticket {id} ({number}) lost"));
        assert_eq!(&stored, number);
    }
    let dupes: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT 1 FROM tickets GROUP BY business_date, number_service, number HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(dupes, 0);
    drop(conn);

    // Restarted on the same database, numbering continues: nothing reissued.
    let hub = HubProcess::start(&db);
    let api = crate::util::Api::new(&hub.url, KIOSK);
    let conn = open_db(&db);
    for (i, service) in SERVICES.iter().enumerate() {
        let max: u32 = conn
            .query_row(
                "SELECT MAX(number) FROM tickets WHERE number_service = ?1",
                [service],
                |r| r.get(0),
            )
            .unwrap();
        let t = api.issue(service).await;
        let prefix = ["A", "B", "C", "D"][i];
        assert_eq!(t["number"], format!("{prefix}{:03}", max + 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_cleanly_and_report_reads_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut hub = HubProcess::start(&db);
    let kiosk = crate::util::Api::new(&hub.url, KIOSK);
    let counter = crate::util::Api::new(&hub.url, crate::util::COUNTER);
    kiosk.issue("hotich").await;
    kiosk.issue("hotich").await;
    kiosk.issue("chungthuc").await;
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    counter.post("/api/v1/counters/1/finish", None, None).await;
    let status = hub.terminate();
    assert!(status.success(), "hub exited with {status}");
    // A clean close folds the WAL back into the database file.
    let wal = dir.path().join("hub.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);

    let today =
        motcua::domain::time::business_date(chrono::Utc::now(), chrono_tz::Asia::Ho_Chi_Minh);
    let out = motcua()
        .args([
            "report",
            "--format",
            "csv",
            "--date",
            &today.to_string(),
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("scope,key,name,issued,served,no_shows"));
    assert!(
        lines.contains(&"service,hotich,\"Hộ tịch\",2,1,0,0,0,0,0,0"),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("service,chungthuc,\"Chứng thực\",1,0,0,0,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("counter,1,\"Quầy 1\",1,1,0,0,")),
        "{csv}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("total,,\"Tổng cộng\",3,1,0,0,"),
        "{csv}"
    );

    let table = motcua()
        .args(["report", "--date", &today.to_string(), "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("Hộ tịch (hotich)"), "{table}");

    let bad = motcua()
        .args(["report", "--date", "2026-13-45", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
}
