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

/// #12 item 5: one token holds at most `hub.event_streams_per_token`
/// streams; one more is refused with `503 busy` in the envelope, other
/// tokens are not affected, and a place comes free when a stream closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_holds_at_most_its_share_of_event_streams() {
    let mut config = Config::demo();
    config.hub.event_streams_per_token = 2;
    let hub = TestHub::with(config, None).await;
    let streams = hub.running.as_ref().unwrap().hub().streams.clone();
    let first = SseReader::connect(&hub.url, DISPLAY, None).await;
    let _second = SseReader::connect(&hub.url, DISPLAY, None).await;
    let refused = reqwest::Client::new()
        .get(format!("{}/api/v1/events", hub.url))
        .bearer_auth(DISPLAY)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "busy", "{body}");
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap()
            .contains("luồng sự kiện"),
        "{body}"
    );
    assert!(
        body["message_en"]
            .as_str()
            .unwrap()
            .contains("event streams"),
        "{body}"
    );
    // Another token has its own share.
    let _counter = SseReader::connect(&hub.url, COUNTER, None).await;
    assert_eq!(streams.count(), 3);
    // The display closes one: its place is free again.
    drop(first);
    let mut open = streams.watch();
    open.wait_for(|n| *n == 2).await.unwrap();
    let _again = SseReader::connect(&hub.url, DISPLAY, None).await;
    hub.stop().await;
}

/// #12 item 5: a client that asks for old events and never reads is
/// disconnected once the hub could not write to it for
/// `hub.send_timeout_seconds`, and its stream's place and buffers are
/// freed; a client that reads the same replay is not disturbed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut config = Config::demo();
    config.queue.daily_cap = 9999;
    config.hub.send_timeout_seconds = 1;
    let hub = TestHub::with(config, None).await;
    let streams = hub.running.as_ref().unwrap().hub().streams.clone();
    // Enough old events to fill every buffer between the hub and a client
    // with a small receive window.
    let kiosk = hub.client(KIOSK);
    let issuers = (0..8).map(|_| {
        let kiosk = kiosk.clone();
        tokio::spawn(async move {
            for _ in 0..250 {
                kiosk.issue("hotich").await;
            }
        })
    });
    for issuer in issuers {
        issuer.await.unwrap();
    }

    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket
        .connect(hub.url.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    stalled
        .write_all(
            format!(
                "GET /api/v1/events?last_event_id=0 HTTP/1.1\r\nhost: hub\r\n\
                 authorization: Bearer {DISPLAY}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut open = streams.watch();
    open.wait_for(|n| *n == 1).await.unwrap();

    // A reader of the same replay gets all of it, in order.
    let mut reader = SseReader::connect(&hub.url, DISPLAY, Some(0)).await;
    let (mut issued, mut last) = (0, 0);
    while issued < 2000 {
        let e = reader.next().await.unwrap();
        let id = e.id.unwrap();
        assert!(id > last, "{id} after {last}");
        last = id;
        issued += usize::from(e.kind == "ticket.issued");
    }
    drop(reader);

    // The one that never reads is let go (the guard only keeps a broken
    // hub from hanging the test).
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        open.wait_for(|n| *n == 0),
    )
    .await
    .expect("the stalled stream was closed")
    .unwrap();
    // Its socket is closed: reading it now ends.
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stalled.read_to_end(&mut rest),
    )
    .await
    .expect("the hub closed the connection");
    assert!(
        ended.is_ok() || ended.unwrap_err().kind() == std::io::ErrorKind::ConnectionReset,
        "the connection ended"
    );
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200 OK"));
    hub.stop().await;
}
