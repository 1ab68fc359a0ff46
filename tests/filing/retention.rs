//! Personal data: purged after the retention counted from the portal's
//! acceptance (injected clock), never before delivery; ID numbers masked in
//! the log.

use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{Duration, Utc};
use motcua::hub::PortalTarget;
use reqwest::StatusCode;

use super::{copy_request, quick_office, wait_for_event};
use crate::util::{dead_url, open_db, Api, HubProcess, SseReader, TestHub, COUNTER, KIOSK};

/// A clock the test moves forward by whole days.
fn movable_clock() -> (Arc<AtomicI64>, motcua::hub::Clock) {
    let days = Arc::new(AtomicI64::new(0));
    let offset = Arc::clone(&days);
    let clock: motcua::hub::Clock =
        Arc::new(move || Utc::now() + Duration::days(offset.load(Ordering::SeqCst)));
    (days, clock)
}

/// Every text cell of the hub database, for "is this value anywhere?".
fn database_text(path: &std::path::Path) -> String {
    let conn = open_db(path);
    let mut all = String::new();
    for (table, columns) in [
        ("dossiers", "applicant, fields, summary, masked_id"),
        ("idempotency", "body"),
        ("events", "data"),
        ("dossier_timeline", "note"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT {columns} FROM {table}"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                // A cell that cannot be read as text fails the test rather
                // than count as "not there"; only NULL reads as empty.
                Ok((0..n)
                    .map(|i| Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default()))
                    .collect::<rusqlite::Result<Vec<_>>>()?
                    .join("|"))
            })
            .unwrap();
        for row in rows {
            all.push_str(&row.unwrap());
            all.push('\n');
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_fields_are_purged_after_the_retention() {
    let (days, clock) = movable_clock();
    let hub = TestHub::with(quick_office(), Some(clock)).await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (_, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(5)), Some("k-1"))
        .await;
    let code = filed["code"].as_str().unwrap().to_owned();
    wait_for_event(&mut events, "dossier.sent", &code).await;
    let running = hub.running.as_ref().unwrap().hub().clone();

    days.store(29, Ordering::SeqCst);
    assert_eq!(running.housekeeping_once().await.unwrap(), 0);
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["applicant"]["id_number"], "001090012345");

    days.store(31, Ordering::SeqCst);
    assert_eq!(running.housekeeping_once().await.unwrap(), 1);
    let (status, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["personal_data_purged"], true);
    assert!(seen.get("applicant").is_none() && seen.get("fields").is_none());
    assert!(seen.get("receipt").is_none());
    // What remains: the code, the procedure, the timeline, the masked ID.
    assert_eq!(seen["masked_id"], "001******345");
    assert_eq!(seen["timeline"].as_array().unwrap().len(), 2);
    drop(running);
    let dir = hub.stop().await;
    let text = database_text(&dir.path().join("hub.db"));
    for personal in [
        "001090012345",
        "Nguyễn Văn An",
        "Tràng Tiền",
        "0912345678",
        "Bằng tốt",
    ] {
        assert!(
            !text.contains(personal),
            "{personal:?} is still in the database"
        );
    }
    // Not even in the file's free pages (secure_delete).
    let bytes = std::fs::read(dir.path().join("hub.db")).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        !raw.contains("001090012345"),
        "the ID number is still on disk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undelivered_dossier_keeps_its_data_whatever_its_age() {
    let (days, clock) = movable_clock();
    // A portal that is never there.
    let hub =
        TestHub::with_portal(quick_office(), Some(clock), PortalTarget::Url(dead_url())).await;
    let (_, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(5)), None)
        .await;
    let code = filed["code"].as_str().unwrap().to_owned();
    days.store(400, Ordering::SeqCst);
    let running = hub.running.as_ref().unwrap().hub().clone();
    assert_eq!(running.housekeeping_once().await.unwrap(), 0);
    drop(running);
    let (_, seen) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(seen["portal_status"], "pending");
    assert_eq!(seen["applicant"]["name"], "Nguyễn Văn An");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_shows_id_numbers_masked() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("hub.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut hub =
        HubProcess::start_with(&dir.path().join("hub.db"), &[], Stdio::from(log), "debug");
    let kiosk = Api::new(&hub.url, KIOSK);
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (_, filed) = kiosk
        .post("/api/v1/dossiers", Some(&copy_request(5)), None)
        .await;
    let code = filed["code"].as_str().unwrap().to_owned();
    wait_for_event(&mut events, "dossier.sent", &code).await;
    assert!(hub.terminate().success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("001******345"), "the filing is logged:\n{log}");
    for personal in ["001090012345", "Nguyễn Văn An", "0912345678"] {
        assert!(!log.contains(personal), "{personal:?} in the log:\n{log}");
    }
}
