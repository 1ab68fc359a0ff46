//! `motcua backup` and `motcua restore` against the real hub process, in
//! the middle of a burst of ticket issuance.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::Notify;

use crate::util::{assert_waiting_counts_consistent, motcua, open_db, Api, HubProcess, KIOSK};

const SERVICES: [&str; 4] = ["hotich", "chungthuc", "datdai", "khac"];

/// Tickets the hub acknowledged (201), by id, with their number.
type Acked = Arc<Mutex<BTreeMap<i64, String>>>;

/// Kiosks issuing tickets as fast as the hub answers, until `stop`.
fn burst(url: &str, acked: &Acked, stop: &Arc<AtomicBool>, every: (usize, Arc<Notify>)) {
    let count = Arc::new(AtomicUsize::new(0));
    for w in 0..6 {
        let (url, acked, stop, count, (step, notify)) = (
            url.to_owned(),
            acked.clone(),
            stop.clone(),
            count.clone(),
            (every.0, every.1.clone()),
        );
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0.. {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let sent = http
                    .post(format!("{url}/api/v1/tickets"))
                    .bearer_auth(KIOSK)
                    .header("Idempotency-Key", format!("burst-{w}-{i}"))
                    .json(&json!({ "service": SERVICES[(w + i) % 4] }))
                    .send()
                    .await;
                // Only a 201 that reached us counts as acknowledged; a
                // request cut by the hub's shutdown ends this kiosk.
                let Ok(resp) = sent else { return };
                if resp.status() != reqwest::StatusCode::CREATED {
                    return;
                }
                let Ok(t) = resp.json::<serde_json::Value>().await else {
                    return;
                };
                acked.lock().unwrap().insert(
                    t["id"].as_i64().unwrap(),
                    t["number"].as_str().unwrap().to_owned(),
                );
                if (count.fetch_add(1, Ordering::SeqCst) + 1) % step == 0 {
                    notify.notify_one();
                }
            }
        });
    }
}

fn run_motcua(args: &[&str], db: &std::path::Path) -> std::process::Output {
    motcua()
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("MOTCUA_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_a_burst_restores_every_acknowledged_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let backup = dir.path().join("backup.db");
    let mut hub = HubProcess::start(&db);

    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(Notify::new());
    burst(&hub.url, &acked, &stop, (100, progress.clone()));
    progress.notified().await;

    // Everything acknowledged before the backup starts must be in it; the
    // burst goes on while it runs.
    let before_backup = acked.lock().unwrap().clone();
    let (db2, to) = (db.clone(), backup.clone());
    let out = tokio::task::spawn_blocking(move || {
        run_motcua(&["backup", "--to", to.to_str().unwrap()], &db2)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));
    // The hub kept serving: another hundred tickets after the backup.
    // (The notifier fires every hundred acknowledgements and keeps a
    // permit, so it only says "look again"; the count decides.)
    let after_backup = acked.lock().unwrap().len();
    let more = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let now = acked.lock().unwrap().len();
            if now >= after_backup + 100 {
                return now;
            }
            progress.notified().await;
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the hub stopped issuing after the backup: {} acknowledged, {after_backup} at the backup's end",
            acked.lock().unwrap().len()
        )
    });
    assert!(more >= after_backup + 100);

    // Restoring over a running hub is refused, and changes nothing.
    let refused = run_motcua(&["restore", "--from", backup.to_str().unwrap()], &db);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("a hub has") && why.contains("--force"),
        "{why}"
    );

    stop.store(true, Ordering::SeqCst);
    let status = hub.terminate();
    assert!(status.success());
    let all_acked = acked.lock().unwrap().clone();
    assert!(all_acked.len() > before_backup.len());

    let restored = run_motcua(&["restore", "--from", backup.to_str().unwrap()], &db);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let said = String::from_utf8_lossy(&restored.stdout);
    let kept = said
        .lines()
        .find_map(|l| l.split("the previous database is kept as ").nth(1))
        .unwrap_or_else(|| panic!("{said}"))
        .trim()
        .to_owned();

    // The restored database is sound and holds every ticket acknowledged
    // before the backup started, with its number.
    let conn = open_db(&db);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for (id, number) in &before_backup {
        let stored: String = conn
            .query_row("SELECT display FROM tickets WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap_or_else(|_| {
                panic!("ticket {id} ({number}) acknowledged before the backup is missing")
            });
        assert_eq!(&stored, number);
    }
    drop(conn);
    assert_waiting_counts_consistent(&db);

    // The replaced database is kept whole: every ticket of the burst.
    let old = open_db(std::path::Path::new(&kept));
    for id in all_acked.keys() {
        let found: i64 = old
            .query_row("SELECT COUNT(*) FROM tickets WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(found, 1, "ticket {id} missing from the kept database");
    }
    drop(old);

    // A hub on the restored database carries on numbering after it.
    let restored_max: u32 = open_db(&db)
        .query_row(
            "SELECT MAX(number) FROM tickets WHERE number_service = 'hotich'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let hub = HubProcess::start(&db);
    let t = Api::new(&hub.url, KIOSK).issue("hotich").await;
    assert_eq!(t["number"], format!("A{:03}", restored_max + 1));
}
