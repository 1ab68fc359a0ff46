//! The citizen's phone pages at the hub (`/t/{id}?k=…`, `/d/{code}?k=…`):
//! what a phone that scanned a ticket or a receipt gets — the page, its
//! live stream, the rating it sends — and what a guess or a flood gets.
//! The last test opens the page in a real browser (Debian's `chromium`
//! over WebDriver) at 360 × 640.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua::config::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::filing::{copy_request, quick_office};
use crate::util::*;

/// A client without a bearer token (a phone), from `from`.
fn phone(from: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(from))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

const HERE: Ipv4Addr = Ipv4Addr::LOCALHOST;

async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status();
    (status, resp.text().await.unwrap())
}

/// Issues a ticket at the kiosk; its id and lookup token.
async fn issue(hub: &TestHub) -> (i64, String) {
    let t = hub.client(KIOSK).issue("hotich").await;
    (
        t["id"].as_i64().unwrap(),
        t["lookup_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_and_an_unknown_ticket_or_dossier_get_the_same_404() {
    let hub = TestHub::with(quick_office(), None).await;
    let (id, token) = issue(&hub).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(2)), Some("k-404"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    let dossier_token = filed["lookup_token"].as_str().unwrap().to_owned();
    let p = phone(HERE);
    let base = &hub.url;

    let (ok, page) = get(&p, &format!("{base}/t/{id}?k={token}")).await;
    assert_eq!(ok, StatusCode::OK);
    assert!(
        page.contains("A001") || page.contains("id=\"num\""),
        "{page}"
    );
    let (ok, _) = get(&p, &format!("{base}/d/{code}?k={dossier_token}")).await;
    assert_eq!(ok, StatusCode::OK);

    let (status, wrong) = get(&p, &format!("{base}/t/{id}?k=WRONGTOKEN")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for other in [
        format!("{base}/t/{}?k={token}", id + 1000),
        format!("{base}/t/{id}"),
        format!("{base}/t/abc?k={token}"),
        format!("{base}/t/{id}/events?k=WRONGTOKEN"),
        format!("{base}/d/{code}?k={token}"),
        format!("{base}/d/{code}?k="),
        format!("{base}/d/000.25.31.H26-261126-9999?k={dossier_token}"),
        format!("{base}/d/{code}/events?k=WRONGTOKEN"),
        // The ticket's token does not open the dossier, nor the reverse.
        format!("{base}/t/{id}?k={dossier_token}"),
    ] {
        let (status, body) = get(&p, &other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
        assert_eq!(body, wrong, "{other}: the same bytes");
    }
    // A rating with a wrong token too.
    let resp = p
        .post(format!("{base}/t/{id}/rating?k=WRONGTOKEN"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("level=satisfied")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.text().await.unwrap(), wrong);
    // The dossier's token is given once: not in the dossier's view.
    let (_, view) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert!(!view.to_string().contains(&dossier_token), "{view}");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_address_gets_429_and_another_address_does_not() {
    let mut config = Config::demo();
    config.hub.phone_rate_per_minute = 10;
    let hub = TestHub::with(config, None).await;
    let (id, token) = issue(&hub).await;
    let url = format!("{}/t/{id}?k={token}", hub.url);
    let flood = phone(HERE);
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(get(&flood, &url).await.0);
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert!(
        statuses[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let (_, refusal) = get(&flood, &url).await;
    assert!(refusal.contains("Quá nhiều yêu cầu"), "{refusal}");
    // Guessing tokens counts too.
    let (status, _) = get(&flood, &format!("{}/t/{id}?k=GUESS", hub.url)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another phone on the Wi-Fi (another loopback address) is not held up.
    let other = phone(Ipv4Addr::new(127, 0, 0, 2));
    let (status, _) = get(&other, &url).await;
    assert_eq!(status, StatusCode::OK);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_page_follows_the_queue_live_and_takes_the_rating() {
    let hub = TestHub::start().await;
    let (ahead, _) = issue(&hub).await;
    let (id, token) = issue(&hub).await;
    let p = phone(HERE);
    let resp = p
        .get(format!("{}/t/{id}/events?k={token}", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut stream = SseReader::from_response(resp);
    let first = stream.next().await.unwrap();
    assert_eq!(first.kind, "ticket");
    assert_eq!(first.data["state"], "issued");
    assert_eq!(first.data["people_ahead"], 1);
    assert_eq!(first.data["rating"]["state"], "not_yet");
    assert!(first.data.get("lookup_token").is_none());

    let counter = hub.client(COUNTER);
    counter.post("/api/v1/counters/1/open", None, None).await;
    let (status, called) = counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{called}");
    assert_eq!(called["id"], ahead);
    let next = next_with(&mut stream, |p| p["people_ahead"] == 0).await;
    assert_eq!(next["state"], "issued");
    counter.post("/api/v1/counters/1/finish", None, None).await;
    counter
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    let called = next_with(&mut stream, |p| p["state"] == "called").await;
    assert_eq!(called["called_counter"], 1);
    let page = get(&p, &format!("{}/t/{id}?k={token}", hub.url)).await.1;
    assert!(page.contains(">Mời bạn đến Quầy số 1</div>"), "{page}");
    counter.post("/api/v1/counters/1/finish", None, None).await;
    let done = next_with(&mut stream, |p| p["rating"]["state"] == "open").await;
    assert_eq!(done["state"], "done");

    // The form, as a browser without script posts it.
    let resp = p
        .post(format!("{}/t/{id}/rating?k={token}", hub.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("reasons=slow&level=very_satisfied")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        format!("/t/{id}?k={token}").as_str()
    );
    let rated = next_with(&mut stream, |p| p["rating"]["state"] == "done").await;
    assert_eq!(rated["rating"]["level"], "very_satisfied");
    // A second rating (as the script sends it) is refused; the page says
    // what was given.
    let resp = p
        .post(format!("{}/t/{id}/rating?k={token}", hub.url))
        .json(&json!({"level": "unsatisfied", "reasons": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page: Value = resp.json().await.unwrap();
    assert_eq!(
        page["rating"],
        json!({"state": "done", "level": "very_satisfied"})
    );

    // Stored like any rating: in the day's figures, reasons dropped with a
    // satisfied level.
    let (_, stats) = hub.client(COUNTER).get("/api/v1/stats").await;
    assert_eq!(stats["ratings"]["total"]["very_satisfied"], 1, "{stats}");
    assert_eq!(stats["ratings"]["total"]["reasons"], json!({}));
    hub.stop().await;
}

/// The next page of `stream` that satisfies `want` (within 10 s).
async fn next_with(stream: &mut SseReader, want: impl Fn(&Value) -> bool) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = stream.next().await.expect("the stream stays open");
            if (e.kind == "ticket" || e.kind == "dossier") && want(&e.data) {
                return e.data;
            }
        }
    })
    .await
    .expect("the page changes within 10 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_page_shows_its_timeline_and_the_city_gets_only_the_hash() {
    let hub = TestHub::with(quick_office(), None).await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(3)), Some("k-d1"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    let token = filed["lookup_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 12);
    let ticket_token = filed["ticket"]["lookup_token"].as_str().unwrap().to_owned();

    let p = phone(HERE);
    let resp = p
        .get(format!("{}/d/{code}/events?k={token}", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut stream = SseReader::from_response(resp);
    let first = stream.next().await.unwrap();
    assert_eq!(first.kind, "dossier");
    assert_eq!(first.data["code"], code.as_str());
    assert_eq!(first.data["steps"][0]["kind"], "received");
    assert_eq!(first.data["steps"][0]["done"], true);
    // The outbox delivers it to the sandbox portal: the page follows.
    let sent = next_with(&mut stream, |p| p["steps"][1]["done"] == true).await;
    assert_eq!(sent["steps"][1]["kind"], "sent_to_portal");
    let page = get(&p, &format!("{}/d/{code}?k={token}&lang=en", hub.url))
        .await
        .1;
    assert!(page.contains("Sent to the public service portal"), "{page}");
    for personal in [
        "Nguyễn Văn An",
        "001090012345",
        "001******345",
        "Tràng Tiền",
    ] {
        assert!(!page.contains(personal), "{personal} on the phone page");
        assert!(!sent.to_string().contains(personal));
    }

    // The events carry the hashes of both tokens, never the tokens.
    let mut seen = 0;
    while seen < 2 {
        let e = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .unwrap()
            .unwrap();
        let text = e.data.to_string();
        assert!(
            !text.contains(&token) && !text.contains(&ticket_token),
            "{text}"
        );
        match e.kind.as_str() {
            "dossier.received" => {
                assert_eq!(
                    e.data["data"]["lookup_hash"],
                    motcua_api::phone::lookup_hash(&token).as_str()
                );
                seen += 1;
            }
            "ticket.issued" => {
                assert_eq!(
                    e.data["data"]["lookup_hash"],
                    motcua_api::phone::lookup_hash(&ticket_token).as_str()
                );
                seen += 1;
            }
            _ => assert!(e.data["data"].get("lookup_hash").is_none(), "{}", e.kind),
        }
    }
    hub.stop().await;
}

// --- In a real browser -------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed when dropped.
pub struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver; `None` (skipped) without chromium outside CI.
    pub fn start() -> Option<Self> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            assert!(
                !in_ci(),
                "chromium and chromium-driver are missing (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipped: chromium or chromedriver missing");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        loop {
            let line = lines.next().expect("chromedriver says it started").unwrap();
            if line.contains("started successfully") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Some(Self {
            child,
            port,
            profile: tempfile::tempdir().unwrap(),
        })
    }

    /// A headless chromium session with a phone's screen (360 × 640 CSS
    /// pixels, touch, a phone's user agent), plus `extra` arguments.
    pub async fn phone(&self, extra: &[&str]) -> fantoccini::Client {
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--lang=vi".into(),
            format!("--user-data-dir={}", self.profile.path().display()),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": args,
                "mobileEmulation": {
                    "deviceMetrics": { "width": 360, "height": 640, "pixelRatio": 2.0, "touch": true },
                    "userAgent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
                }
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        fantoccini::ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session")
    }
}

fn screenshots() -> PathBuf {
    let dir = if std::env::var("MOTCUA_SCREENSHOTS").as_deref() == Ok("docs") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits (polling, up to 10 s) until `script` returns true in the page;
/// how long it took.
async fn until(b: &fantoccini::Client, script: &str) -> Duration {
    let start = Instant::now();
    loop {
        let v = b.execute(script, vec![]).await.unwrap();
        if v == Value::Bool(true) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never true: {script}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether anything sticks out of the 360 px screen sideways.
async fn fits(b: &fantoccini::Client) {
    let wide = b
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(wide, Value::Bool(true), "the page is wider than the phone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_follows_its_ticket_sees_the_call_and_rates_in_a_real_browser() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let hub = TestHub::start().await;
    let (_, _) = issue(&hub).await;
    let (id, token) = issue(&hub).await;
    let b = driver.phone(&[]).await;
    b.goto(&format!("{}/t/{id}?k={token}", hub.url))
        .await
        .unwrap();
    until(
        &b,
        "return document.getElementById('num').textContent === 'A002';",
    )
    .await;
    let width = b
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width, json!(360), "a phone's viewport");
    b.execute("window.motcuaSamePage = 'yes'; return null;", vec![])
        .await
        .unwrap();
    fits(&b).await;
    std::fs::write(
        screenshots().join("phone-ticket-waiting.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();

    let counter = hub.client(COUNTER);
    counter.post("/api/v1/counters/2/open", None, None).await;
    counter
        .post("/api/v1/counters/2/call-next", None, None)
        .await;
    until(
        &b,
        "return document.getElementById('live').textContent.indexOf('0') >= 0;",
    )
    .await;
    counter.post("/api/v1/counters/2/finish", None, None).await;
    let called_at = Instant::now();
    counter
        .post("/api/v1/counters/2/call-next", None, None)
        .await;
    until(
        &b,
        "return document.getElementById('call').textContent === 'Mời bạn đến Quầy số 2';",
    )
    .await;
    let latency = called_at.elapsed();
    eprintln!(
        "phone page shows the call {} ms after the counter's call-next was sent",
        latency.as_millis()
    );
    let title = b.execute("return document.title;", vec![]).await.unwrap();
    assert_eq!(title, json!("Mời đến Quầy 2 · A002"));
    fits(&b).await;
    std::fs::write(
        screenshots().join("phone-ticket-called.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();

    counter.post("/api/v1/counters/2/finish", None, None).await;
    until(&b, "return !!document.getElementById('rf');").await;
    fits(&b).await;
    std::fs::write(
        screenshots().join("phone-ticket-rating.png"),
        b.screenshot().await.unwrap(),
    )
    .unwrap();
    let same = b
        .execute("return window.motcuaSamePage || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(same, json!("yes"), "updated live, without a reload");

    // Not satisfied, because it was slow: tick the reason, press the button.
    b.find(fantoccini::Locator::Css(
        "input[name='reasons'][value='slow']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.find(fantoccini::Locator::Css("button[value='unsatisfied']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &b,
        "return document.getElementById('rate').textContent.indexOf('Cảm ơn bạn đã đánh giá') >= 0;",
    )
    .await;
    let (_, stats) = hub.client(COUNTER).get("/api/v1/stats").await;
    assert_eq!(stats["ratings"]["total"]["unsatisfied"], 1, "{stats}");
    assert_eq!(stats["ratings"]["total"]["reasons"], json!({"slow": 1}));
    b.close().await.unwrap();
    hub.stop().await;
}
