//! The dashboard in a real browser: Debian's `chromium`, driven by
//! `chromedriver` over WebDriver (`fantoccini`). The city serves HTTPS
//! with a throwaway CA (the session cookie is `Secure`); the browser
//! signs in, sees a unit turn red when its kiosk's printer runs out of
//! paper — sent through the real ingestion path — and green again when
//! the paper is back, each time without a reload (the page's SSE script
//! swaps `<main>`). It takes two screenshots: the overview at desktop
//! width and a unit page at phone width (`target/tmp/screenshots/`; with
//! `MOTCUA_SCREENSHOTS=docs`, `docs/screenshots/` for the README).
//!
//! `.ci/run` installs `chromium` and `chromium-driver`; a machine without
//! them fails this test in CI (`CI` set) and skips it elsewhere.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use motcua_city::config::{CityConfig, CityRole, TlsFiles, UserConfig};

use crate::util::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "trinh-duyet-thu-456";

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    /// Starts chromedriver and waits for the line that says it listens.
    fn start() -> Option<Self> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium and chromium-driver are missing (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipped: chromium or chromedriver missing");
            return None;
        }
        let port = free_port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines.next().expect("chromedriver says it started").unwrap();
            if line.contains("started successfully") {
                break;
            }
        }
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Some(Self {
            child,
            port,
            _profile: tempfile::tempdir().unwrap(),
        })
    }

    async fn browser(&self) -> Client {
        let profile = self._profile.path().display().to_string();
        let mut caps = serde_json::Map::new();
        caps.insert("acceptInsecureCerts".into(), true.into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=vi",
                    format!("--user-data-dir={profile}"),
                ]
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session")
    }
}

fn screenshots() -> PathBuf {
    let dir = if std::env::var("MOTCUA_SCREENSHOTS").as_deref() == Ok("docs") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn status_is(b: &Client, code: &str, status: &str) {
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&format!(
            "tr[id='unit-{code}'][data-status='{status}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{code} never turned {status}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_turns_red_and_green_again_in_a_real_browser_without_a_reload() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let ca = Ca::new();
    let mut config: CityConfig = config();
    config.tls = Some(TlsFiles {
        cert: ca.cert.clone(),
        key: ca.key.clone(),
    });
    config.users = vec![UserConfig {
        login: "thanhpho".into(),
        name: Some("Sở Nội vụ".into()),
        role: CityRole::City,
        password_hash: motcua_city::config::hash_password(PASSWORD).unwrap(),
        units: vec![],
    }];
    // A Thursday morning at 11:30 (the service's clock): each unit has
    // served tickets and filed dossiers, some at the kiosk.
    let clock = fixed_clock(chrono::DateTime::from_timestamp_millis(at(11, 30, 0)).unwrap());
    let t = TestCity::start_with(config, Some(clock)).await;
    let http = motcua_city::simulate::http_client(Some(&ca.ca)).unwrap();
    let base = t.base.clone();
    assert!(base.starts_with("https://"));
    let mut logs = Vec::new();
    for (i, (code, _, token)) in UNITS.iter().enumerate() {
        let mut log = Log::default();
        for n in 0..(6 + i as u32 * 3) {
            let m = n * 9;
            let wait = 4 + (n * 7 + i as u32 * 5) % 25;
            log.served(
                i64::from(n) + 1,
                at(7 + (30 + m) / 60, (30 + m) % 60, 0),
                at(7 + (30 + m + wait) / 60, (30 + m + wait) % 60, 0),
                at(7 + (30 + m + wait) / 60, (30 + m + wait) % 60, 20),
                at(7 + (38 + m + wait) / 60, (38 + m + wait) % 60, 0),
            );
        }
        for d in 0..(3 + i as u32) {
            let channel = if d == 0 && i > 0 { "counter" } else { "kiosk" };
            log.dossier(
                &format!("{code}-26112{d}"),
                channel,
                at(9, 10 * d, 0),
                at(17, 0, 0),
                None,
            );
        }
        log.events.sort_by_key(|e| e.at_ms);
        for (n, e) in log.events.iter_mut().enumerate() {
            e.id = n as i64 + 1;
        }
        ingest(&http, &base, code, token, 0, &log.events).await;
        logs.push(log);
    }

    let b = driver.browser().await;
    b.set_window_size(1280, 800).await.unwrap();
    b.goto(&format!("{base}/")).await.unwrap();
    // Not signed in: the form.
    let form = b
        .form(Locator::Css("form[action='/signin']"))
        .await
        .unwrap();
    form.set_by_name("login", "thanhpho").await.unwrap();
    form.set_by_name("password", PASSWORD).await.unwrap();
    form.submit().await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("table#units"))
        .await
        .unwrap();
    let (code, _, token) = UNITS[0];
    status_is(&b, code, "green").await;
    // The page's live stream is open; mark the page to see it is never
    // reloaded.
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-sse='open']"))
        .await
        .unwrap();
    b.execute("window.motcuaSamePage = 'yes'; return null;", vec![])
        .await
        .unwrap();

    // kiosk-1 runs out of paper, reported through the real ingestion path.
    let log = &mut logs[0];
    let sent = log.events.len() as i64;
    log.printer(at(11, 0, 0), "kiosk-1", true);
    ingest(
        &http,
        &base,
        code,
        token,
        sent,
        &log.events[sent as usize..],
    )
    .await;
    status_is(&b, code, "red").await;
    let same = b
        .execute("return window.motcuaSamePage || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(same, "yes", "updated live, without a reload");
    let png = b.screenshot().await.unwrap();
    std::fs::write(screenshots().join("overview.png"), png).unwrap();

    // The paper is back: green again, still the same page.
    let sent = log.events.len() as i64;
    log.printer(at(11, 20, 0), "kiosk-1", false);
    ingest(
        &http,
        &base,
        code,
        token,
        sent,
        &log.events[sent as usize..],
    )
    .await;
    status_is(&b, code, "green").await;
    let same = b
        .execute("return window.motcuaSamePage || 'reloaded';", vec![])
        .await
        .unwrap();
    assert_eq!(same, "yes");

    // The unit page at phone width: nothing wider than the screen but the
    // tables that scroll.
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&format!("{base}/units/{}", UNITS[2].0))
        .await
        .unwrap();
    b.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("table#kiosks"))
        .await
        .unwrap();
    let overflow = b
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, true, "the unit page fits a phone's width");
    let png = b.screenshot().await.unwrap();
    std::fs::write(screenshots().join("unit-phone.png"), png).unwrap();
    b.close().await.unwrap();
    drop(driver);
}
