//! Many kiosks and counters at once: no duplicate, no gap, no double call.

use std::collections::{BTreeMap, HashSet};

use reqwest::StatusCode;
use serde_json::json;

use crate::util::{office_with_counters, Api, TestHub, COUNTER, KIOSK};

const CLIENTS: usize = 50;
const TICKETS_PER_CLIENT: usize = 100;
const SERVICES: [&str; 4] = ["hotich", "chungthuc", "datdai", "khac"];

/// One kiosk's burst: every request has its own key; every tenth is sent
/// again with the same key (a retry after a lost answer), half of those
/// while the first is still in flight.
async fn kiosk_burst(api: Api, client: usize) -> Vec<(i64, String, String)> {
    let mut issued = Vec::new();
    for i in 0..TICKETS_PER_CLIENT {
        let service = SERVICES[(client + i) % SERVICES.len()];
        let body = json!({ "service": service });
        let key = format!("kiosk-{client}-{i}");
        let (status, ticket) = if i % 10 == 3 {
            let first = api.post("/api/v1/tickets", Some(&body), Some(&key));
            let second = api.post("/api/v1/tickets", Some(&body), Some(&key));
            let ((s1, t1), (s2, t2)) = tokio::join!(first, second);
            assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
            assert_eq!(t1, t2, "a concurrent retry returned a different ticket");
            (s1, t1)
        } else {
            let (s1, t1) = api.post("/api/v1/tickets", Some(&body), Some(&key)).await;
            if i % 10 == 7 {
                let (s2, t2) = api.post("/api/v1/tickets", Some(&body), Some(&key)).await;
                assert_eq!(s2, s1);
                assert_eq!(t2, t1, "a retry returned a different ticket");
            }
            (s1, t1)
        };
        assert_eq!(status, StatusCode::CREATED, "{ticket}");
        issued.push((
            ticket["id"].as_i64().unwrap(),
            service.to_owned(),
            ticket["number"].as_str().unwrap().to_owned(),
        ));
    }
    issued
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_kiosks_and_five_counters_at_once() {
    let hub = TestHub::with(office_with_counters(5), None).await;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(kiosk_burst(Api::new(&hub.url, KIOSK), c)))
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), CLIENTS * TICKETS_PER_CLIENT);
    let ids: HashSet<i64> = all.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(ids.len(), 5000, "exactly 5,000 distinct tickets");

    // Per service the numbers are 1..n: no gap, no duplicate.
    let mut per_service: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (_, service, number) in &all {
        per_service
            .entry(service)
            .or_default()
            .push(number[1..].parse().unwrap());
    }
    for (service, mut numbers) in per_service {
        numbers.sort_unstable();
        let n = numbers.len() as u32;
        assert_eq!(numbers, (1..=n).collect::<Vec<_>>(), "numbers of {service}");
    }
    let conn = crate::util::open_db(&hub.db());
    assert_eq!(crate::util::count(&conn, "tickets"), 5000);
    crate::util::assert_waiting_counts_consistent(&hub.db());

    // Five counters call concurrently until nothing waits.
    let counters: Vec<_> = (1..=5)
        .map(|n| {
            let api = Api::new(&hub.url, COUNTER);
            tokio::spawn(async move {
                let mut called = Vec::new();
                loop {
                    let (status, t) = api
                        .post(&format!("/api/v1/counters/{n}/call-next"), None, None)
                        .await;
                    if status == StatusCode::NO_CONTENT {
                        return called;
                    }
                    assert_eq!(status, StatusCode::OK, "{t}");
                    assert_eq!(t["counter"], n);
                    called.push(t["id"].as_i64().unwrap());
                    let (status, _) = api
                        .post(&format!("/api/v1/counters/{n}/finish"), None, None)
                        .await;
                    assert_eq!(status, StatusCode::OK);
                }
            })
        })
        .collect();
    let mut called = Vec::new();
    for c in counters {
        called.extend(c.await.unwrap());
    }
    let unique: HashSet<i64> = called.iter().copied().collect();
    assert_eq!(
        unique.len(),
        called.len(),
        "a ticket was called by two counters"
    );
    assert_eq!(unique, ids, "every ticket was called exactly once");
    crate::util::assert_waiting_counts_consistent(&hub.db());
    hub.stop().await;
}
