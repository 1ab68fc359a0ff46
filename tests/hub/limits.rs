//! Connections (issue 12, item 4): a connection that never completes its
//! request head is closed (slowloris), an idle kept-alive one too, and one
//! connection over the limit is refused at once with `503 busy`. The
//! timeouts are shortened through the configuration: no test waits 15 s.

use std::time::Duration;

use motcua::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::TestHub;

fn office(header: u64, idle: u64, max: u32) -> Config {
    let mut config = Config::demo();
    config.hub.header_timeout_seconds = header;
    config.hub.idle_timeout_seconds = idle;
    config.hub.max_connections = max;
    config
}

async fn connect(hub: &TestHub) -> TcpStream {
    TcpStream::connect(hub.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the hub closes the connection; everything it sent. A guard
/// against a hub that never closes (the test fails instead of hanging).
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut all))
        .await
        .expect("the hub closed the connection")
        .unwrap();
    String::from_utf8_lossy(&all).into_owned()
}

const HEALTH: &[u8] = b"GET /api/v1/health HTTP/1.1\r\nhost: hub\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_never_ends_is_closed() {
    let hub = TestHub::with(office(1, 60, 100), None).await;
    let mut slow = connect(&hub).await;
    // Half a head, then nothing.
    slow.write_all(b"GET /api/v1/health HTTP/1.1\r\nhost: hub\r\n")
        .await
        .unwrap();
    let got = read_to_close(&mut slow).await;
    assert!(!got.contains("200 OK"), "{got}");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let hub = TestHub::with(office(60, 1, 100), None).await;
    let mut idle = connect(&hub).await;
    idle.write_all(HEALTH).await.unwrap();
    // The answer, then the hub closes the idle connection by itself.
    let got = read_to_close(&mut idle).await;
    assert!(got.starts_with("HTTP/1.1 200 OK"), "{got}");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_over_the_limit_is_refused_at_once() {
    let hub = TestHub::with(office(60, 60, 2), None).await;
    // Two kept-alive connections, each answered once: both are in.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = connect(&hub).await;
        c.write_all(HEALTH).await.unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
        held.push(c);
    }
    let mut third = connect(&hub).await;
    third.write_all(HEALTH).await.unwrap();
    let got = read_to_close(&mut third).await;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    let body: serde_json::Value =
        serde_json::from_str(got.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["code"], "busy", "{body}");
    assert!(body["message_vi"].as_str().unwrap().contains("kết nối"));
    // One goes: the next one is served.
    drop(held.pop());
    let http = reqwest::Client::new();
    // (Until the hub has seen it go, a request is refused — answered
    // before it is even read, which a client may report as an error.)
    loop {
        let sent = http.get(format!("{}/api/v1/health", hub.url)).send().await;
        if sent.is_ok_and(|resp| resp.status().is_success()) {
            break;
        }
        tokio::task::yield_now().await;
    }
    drop(held);
    hub.stop().await;
}

/// #12 item 4: connections that never send a byte, as many as the hub
/// takes, do not lock out `/api/v1/health`: the oldest of them is closed
/// to make room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_filling_every_place_leave_health_answering() {
    let hub = TestHub::with(office(60, 60, 4), None).await;
    // Four sockets that say nothing take every place (the hub accepts in
    // the order they connected: these before the request below).
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(connect(&hub).await);
    }
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/health", hub.url))
        .send()
        .await
        .expect("the hub answers");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    // The oldest idle one made room; the others are still open.
    let mut oldest = idle.remove(0);
    let got = read_to_close(&mut oldest).await;
    assert!(got.is_empty(), "{got}");
    let mut probe = [0u8; 1];
    for c in &mut idle {
        let still_open = tokio::time::timeout(Duration::from_millis(50), c.read(&mut probe)).await;
        assert!(still_open.is_err(), "an idle connection was closed too");
    }
    drop(idle);
    hub.stop().await;
}

/// A connection that has sent a request is never the one closed to make
/// room: with every place held by such connections, a new one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_sent_a_request_are_not_shed() {
    let hub = TestHub::with(office(60, 60, 2), None).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = connect(&hub).await;
        c.write_all(HEALTH).await.unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
        held.push(c);
    }
    let mut third = connect(&hub).await;
    third.write_all(HEALTH).await.unwrap();
    let got = read_to_close(&mut third).await;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    // Both kept-alive connections still answer.
    for c in &mut held {
        c.write_all(HEALTH).await.unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    }
    hub.stop().await;
}
