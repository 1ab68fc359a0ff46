//! The hub as a real process, killed with SIGKILL at random moments while
//! kiosks file and the outbox drains: after a restart every acknowledged
//! dossier reaches the portal exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use motcua::portal::sandbox::{self, Fault, FaultMode, SandboxOptions};
use rand::Rng;
use serde_json::Value;

use super::{copy_request, portal_holdings};
use crate::util::{open_db, Api, HubProcess, SseReader, COUNTER, KIOSK};

type Pending = Arc<Mutex<BTreeMap<String, Value>>>;
type Acked = Arc<Mutex<BTreeMap<String, String>>>;

/// Files every request of `pending` (key → body) from 4 kiosks at once;
/// moves the acknowledged ones to `acked` (key → code). A kiosk stops at
/// its first failure: the hub is gone, the request stays pending.
async fn file_all(url: &str, pending: &Pending, acked: &Acked) {
    let work: Vec<(String, Value)> = pending.lock().unwrap().clone().into_iter().collect();
    let per_kiosk = work.len().div_ceil(4).max(1);
    let tasks: Vec<_> = work
        .chunks(per_kiosk)
        .map(|chunk| {
            let (chunk, api) = (chunk.to_vec(), Api::new(url, KIOSK));
            let (pending, acked) = (Arc::clone(pending), Arc::clone(acked));
            tokio::spawn(async move {
                for (key, body) in chunk {
                    let sent = api
                        .http
                        .post(format!("{}/api/v1/dossiers", api.base))
                        .bearer_auth(KIOSK)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await;
                    let Ok(resp) = sent else { return };
                    if resp.status() != reqwest::StatusCode::CREATED {
                        return;
                    }
                    let Ok(filed) = resp.json::<Value>().await else {
                        return;
                    };
                    let code = filed["code"].as_str().unwrap().to_owned();
                    pending.lock().unwrap().remove(&key);
                    acked.lock().unwrap().insert(key, code);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_draining_delivers_every_acknowledged_dossier_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let portal = sandbox::start(SandboxOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("portal.db"),
    ))
    .await
    .unwrap();
    // A little slowness makes kills land between the portal's answer and
    // the hub's commit: the case idempotency keys exist for.
    portal.set_fault(Fault {
        mode: FaultMode::Slow,
        delay: std::time::Duration::from_millis(5),
    });
    let url = portal.base_url();
    let pending: Pending = Arc::default();
    let acked: Acked = Arc::default();
    let mut rng = rand::rng();
    for round in 0..5 {
        for i in 0..40 {
            pending
                .lock()
                .unwrap()
                .insert(format!("r{round}-{i:02}"), copy_request(1 + i));
        }
        let mut hub = HubProcess::start_with(&db, &["--portal", &url], Stdio::null(), "warn");
        let (hub_url, p, a) = (hub.url.clone(), Arc::clone(&pending), Arc::clone(&acked));
        let filing = tokio::spawn(async move { file_all(&hub_url, &p, &a).await });
        // A random moment: while kiosks file and the outbox drains.
        let wait = rng.random_range(5..120);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        hub.kill9();
        filing.await.unwrap();
    }
    portal.set_fault(Fault::NONE);

    // Restarted for good: kiosks retry what was never acknowledged (same
    // keys), and the outbox finishes its work.
    let hub = HubProcess::start_with(&db, &["--portal", &url], Stdio::inherit(), "warn");
    file_all(&hub.url, &pending, &acked).await;
    assert!(pending.lock().unwrap().is_empty());
    let acked: BTreeSet<String> = acked.lock().unwrap().values().cloned().collect();
    assert_eq!(acked.len(), 200, "each key filed exactly one dossier");
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let mut sent = BTreeSet::new();
    // A guard, not a timing assertion: a lost dossier would wait forever.
    let drained = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while !acked.is_subset(&sent) {
            let event = events.next().await.expect("event stream ended");
            if event.kind == "dossier.sent" {
                sent.insert(event.data["data"]["code"].as_str().unwrap().to_owned());
            }
        }
    })
    .await;
    assert!(
        drained.is_ok(),
        "never delivered: {:?}",
        acked.difference(&sent).collect::<Vec<_>>()
    );

    let (count, codes) = portal_holdings(&url).await;
    let distinct: BTreeSet<String> = codes.iter().cloned().collect();
    assert_eq!(
        codes.len(),
        distinct.len(),
        "a dossier reached the portal twice"
    );
    assert_eq!(count as usize, codes.len());
    assert!(
        acked.is_subset(&distinct),
        "an acknowledged dossier never arrived"
    );
    // Every dossier the hub holds (acknowledged or not) is at the portal,
    // and the outbox is empty once they all are.
    let conn = open_db(&db);
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM dossiers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored as usize, distinct.len());
    drop(hub);
    portal.shutdown().await.unwrap();
}
