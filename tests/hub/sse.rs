//! The live event stream: increasing ids, replay after a reconnect, resync
//! when the gap is too old.

use motcua::config::Config;
use serde_json::json;

use crate::util::{SseReader, TestHub, COUNTER, DISPLAY, KIOSK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_client_misses_nothing() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);

    let mut stream = SseReader::connect(&hub.url, DISPLAY, None).await;
    kiosk.issue("hotich").await;
    kiosk.issue("hotich").await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let e = stream.next().await.unwrap();
        assert_eq!(e.kind, "ticket.issued");
        seen.push(e);
    }
    let last = seen.last().unwrap().id.unwrap();
    drop(stream); // the display loses its connection

    // While it is away: a call, a recall, more tickets.
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    counter.post("/api/v1/counters/1/recall", None, None).await;
    for _ in 0..20 {
        kiosk.issue("chungthuc").await;
    }

    let mut stream = SseReader::connect(&hub.url, DISPLAY, Some(last)).await;
    let mut kinds = Vec::new();
    let mut ids = vec![last];
    while kinds.len() < 23 {
        let e = stream.next().await.unwrap();
        ids.push(e.id.unwrap());
        kinds.push(e.kind.clone());
    }
    // Contiguous ids: nothing missed, nothing twice.
    assert_eq!(ids, (last..=last + 23).collect::<Vec<_>>());
    assert_eq!(
        &kinds[..3],
        ["counter.opened", "ticket.called", "ticket.recalled"]
    );
    assert!(kinds[3..].iter().all(|k| k == "ticket.issued"));

    // And the live stream continues after the replay.
    kiosk.issue("datdai").await;
    let e = stream.next().await.unwrap();
    assert_eq!(e.id, Some(last + 24));
    assert_eq!(e.data["data"]["ticket"]["number"], "C001");
    assert_eq!(e.data["data"]["waiting"], json!({"datdai": 1}));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_older_than_the_replay_window_gets_resync() {
    let mut config = Config::demo();
    config.hub.event_replay = 5;
    let hub = TestHub::with(config, None).await;
    let kiosk = hub.client(KIOSK);
    for _ in 0..10 {
        kiosk.issue("hotich").await;
    }
    let mut stream = SseReader::connect(&hub.url, DISPLAY, Some(1)).await;
    let e = stream.next().await.unwrap();
    assert_eq!(e.kind, "resync");
    assert_eq!(e.id, Some(10));
    kiosk.issue("hotich").await;
    assert_eq!(stream.next().await.unwrap().id, Some(11));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams() {
    let hub = TestHub::start().await;
    let mut stream = SseReader::connect(&hub.url, DISPLAY, None).await;
    let stopping = tokio::spawn(hub.stop());
    assert!(stream.next().await.is_none(), "the stream ends at shutdown");
    stopping.await.unwrap();
}
