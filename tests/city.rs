//! Federation with the city service: the real `motcua hub` binary with a
//! `[city]` section pushes its log to a real `motcua-city` (in this
//! process, on a throwaway PostgreSQL started the way its demo starts one)
//! over HTTPS, trusting a throwaway certificate authority. Whatever stops —
//! the city, or the hub by SIGKILL in the middle of its pushes — the city
//! ends with exactly the office's events.

use std::time::Duration;

use futures_util::StreamExt;
use motcua::apps::hub_client::HubClient;
use motcua_api::LiveUpdate;
use motcua_city::config::{CityConfig, CityRole, TlsFiles, TokenConfig, UnitConfig};
use motcua_city::pg::TempCluster;
use motcua_city::server::{self, RunningCity, ServeOptions};
use motcua_city::simulate::hub::{CityLink, HubOffice};
use serde_json::Value;

const CITY_TOKEN: &str = "test-city-reader-token-0123";
const OFFICE: &str = "000.25.31.H26";
const OFFICE_TOKEN: &str = "test-office-token-h26-abcdef";
/// A second office, which pins its own catalogue and calendar.
const PINNED: &str = "000.25.31.H27";
const PINNED_TOKEN: &str = "test-office-token-h27-abcdef";

/// A throwaway CA and a certificate for 127.0.0.1 it signed.
struct Ca {
    _dir: tempfile::TempDir,
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

fn throwaway_ca() -> Ca {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "motcua test city CA");
    let ca = params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    Ca {
        ca: write("ca.pem", ca.pem()),
        cert: write("city.pem", cert.pem()),
        key: write("city.key", key.serialize_pem()),
        _dir: dir,
    }
}

fn city_config(ca: &Ca) -> CityConfig {
    CityConfig {
        tls: Some(TlsFiles {
            cert: ca.cert.clone(),
            key: ca.key.clone(),
        }),
        tokens: vec![TokenConfig {
            name: "test".into(),
            role: CityRole::City,
            token: CITY_TOKEN.into(),
            units: vec![],
        }],
        units: vec![
            UnitConfig {
                code: OFFICE.into(),
                name: "Phường Tràng Tiền".into(),
                group: None,
                token: OFFICE_TOKEN.into(),
            },
            UnitConfig {
                code: PINNED.into(),
                name: "Phường Hàng Bạc".into(),
                group: None,
                token: PINNED_TOKEN.into(),
            },
        ],
        ..CityConfig::default()
    }
}

async fn start_city(pg: &TempCluster, ca: &Ca, listen: &str) -> RunningCity {
    server::start(
        city_config(ca),
        ServeOptions {
            listen: listen.parse().unwrap(),
            pg: pg.url(),
            clock: None,
        },
    )
    .await
    .expect("the city starts")
}

/// The city's live stream, for waiting on a watermark without polling.
struct Live {
    stream: futures_util::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    text: String,
}

impl Live {
    async fn open(base: &str, ca: &Ca) -> Self {
        let http = motcua_city::simulate::http_client(Some(&ca.ca)).unwrap();
        let response = http
            .get(format!("{base}/city/v1/live"))
            .bearer_auth(CITY_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        Self {
            stream: response.bytes_stream().boxed(),
            text: String::new(),
        }
    }

    /// Until `unit` is heard from (a push or a heartbeat).
    async fn next_from(&mut self, unit: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            while let Some(end) = self.text.find('\n') {
                let line: String = self.text.drain(..=end).collect();
                if let Some(data) = line.strip_prefix("data: ") {
                    if let Ok(u) = serde_json::from_str::<LiveUpdate>(data.trim()) {
                        if u.unit_code == unit {
                            return;
                        }
                    }
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("nothing from {unit} in 90 s"))
                .expect("the live stream stays open")
                .unwrap();
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Until the office's watermark at the city reaches `target`.
    async fn until(&mut self, target: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            while let Some(end) = self.text.find('\n') {
                let line: String = self.text.drain(..=end).collect();
                if let Some(data) = line.strip_prefix("data: ") {
                    if let Ok(u) = serde_json::from_str::<LiveUpdate>(data.trim()) {
                        if u.unit_code == OFFICE && u.last_event_id >= target {
                            return;
                        }
                    }
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("the city did not reach event {target} in 90 s"))
                .expect("the live stream stays open")
                .unwrap();
            self.text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// The hub's newest event id.
async fn hub_last_event(hub: &HubOffice) -> i64 {
    let queue: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/queue", hub.base))
        .bearer_auth(&hub.display_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    queue["last_event_id"].as_i64().unwrap()
}

/// Issues `n` tickets at the hub's first kiosk, `concurrency` at a time.
async fn issue(hub: &HubOffice, n: usize, concurrency: usize) {
    let http = reqwest::Client::new();
    let mut pending = futures_util::stream::iter(0..n)
        .map(|i| {
            let http = http.clone();
            let url = format!("{}/api/v1/tickets", hub.base);
            let token = hub.kiosk_tokens[0].clone();
            let service = ["hotich", "chungthuc"][i % 2];
            async move {
                let r = http
                    .post(url)
                    .bearer_auth(token)
                    .header(
                        "Idempotency-Key",
                        format!("t-{i}-{}", rand::random::<u64>()),
                    )
                    .json(&serde_json::json!({ "service": service }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
        .buffer_unordered(concurrency);
    while pending.next().await.is_some() {}
}

/// The office's events as the city holds them: count and highest id, and
/// its tickets.
async fn at_city(city: &RunningCity) -> (i64, i64, i64) {
    let client = city.city().pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT count(*), COALESCE(max(event_id), 0), \
             (SELECT count(*) FROM tickets) FROM events",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

async fn office(city_base: &str, ca: &Ca) -> HubOffice {
    office_with(city_base, ca, OFFICE, OFFICE_TOKEN, &[]).await
}

async fn office_with(
    city_base: &str,
    ca: &Ca,
    code: &str,
    token: &str,
    options: &[&str],
) -> HubOffice {
    HubOffice::spawn(
        std::path::Path::new(env!("CARGO_BIN_EXE_motcua")),
        code,
        "Phường Tràng Tiền",
        2,
        2,
        Some(&CityLink {
            url: city_base.to_owned(),
            token: token.into(),
            ca_file: Some(ca.ca.clone()),
            options: options.iter().map(|o| (*o).to_owned()).collect(),
        }),
    )
    .await
    .expect("the hub starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_restarts_and_the_office_catches_up_exactly_once() {
    let ca = throwaway_ca();
    let pg = TempCluster::start(None, "motcua_city").await.unwrap();
    let addr = free_port();
    let city = start_city(&pg, &ca, &addr).await;
    let base = city.base_url();
    assert!(base.starts_with("https://"));
    let mut live = Live::open(&base, &ca).await;
    let hub = office(&base, &ca).await;

    issue(&hub, 40, 4).await;
    let first = hub_last_event(&hub).await;
    live.until(first).await;
    assert_eq!(at_city(&city).await, (first, first, 40));

    // The city goes down; the office keeps working. Its second kiosk
    // looks at the queue through motcua's own client, which names its
    // version.
    drop(live);
    city.shutdown().await.unwrap();
    let second = HubClient::new(&hub.base, &hub.kiosk_tokens[1]);
    second
        .queue()
        .await
        .expect("the second kiosk reads the queue");
    issue(&hub, 60, 4).await;
    let last = hub_last_event(&hub).await;
    assert!(last > first);

    // Back on the same address: the office catches up by itself.
    let city = start_city(&pg, &ca, &addr).await;
    let mut live = Live::open(&city.base_url(), &ca).await;
    live.until(last).await;
    assert_eq!(at_city(&city).await, (last, last, 100), "each event once");
    let unit: Value = motcua_city::simulate::http_client(Some(&ca.ca))
        .unwrap()
        .get(format!("{}/city/v1/units/{OFFICE}", city.base_url()))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unit["last_event_id"], last);
    assert_eq!(unit["tickets_issued"], 100);
    assert_eq!(unit["hub_version"], env!("CARGO_PKG_VERSION"));
    // The fleet knows each kiosk the hub heard from: the first one issued
    // tickets with a plain HTTP client (no version said), the second runs
    // motcua.
    let seen = unit["kiosks_seen"].as_array().expect("kiosks_seen");
    assert_eq!(seen.len(), 2, "{seen:?}");
    let versions: Vec<Option<&str>> = seen.iter().map(|k| k["version"].as_str()).collect();
    assert!(
        versions.contains(&Some(env!("CARGO_PKG_VERSION"))),
        "{seen:?}"
    );
    assert!(versions.contains(&None), "{seen:?}");
    assert!(seen.iter().all(|k| k["last_seen"]
        .as_str()
        .is_some_and(|t| t.ends_with("+07:00"))));
    assert_eq!(unit["kpis"]["devices"]["kiosks"], 2);
    hub.stop().await.unwrap();
    city.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_killed_in_the_middle_of_its_pushes_loses_and_repeats_nothing() {
    let ca = throwaway_ca();
    let pg = TempCluster::start(None, "motcua_city").await.unwrap();
    let city = start_city(&pg, &ca, "127.0.0.1:0").await;
    let base = city.base_url();
    let mut live = Live::open(&base, &ca).await;
    let mut hub = office(&base, &ca).await;

    // A burst: the worker pushes batch after batch while it comes in.
    issue(&hub, 400, 16).await;
    // As soon as the city has part of it, SIGKILL — pushes in flight.
    live.until(1).await;
    hub.kill_and_restart().await.unwrap();
    let last = hub_last_event(&hub).await;
    assert!(last >= 400);
    live.until(last).await;
    assert_eq!(at_city(&city).await, (last, last, 400), "each event once");

    // And once more with the office busy after the restart.
    issue(&hub, 100, 16).await;
    hub.kill_and_restart().await.unwrap();
    let last = hub_last_event(&hub).await;
    live.until(last).await;
    assert_eq!(at_city(&city).await, (last, last, 500));
    hub.stop().await.unwrap();
    city.shutdown().await.unwrap();
}

/// GET on the city with the city's token.
async fn city_get(base: &str, ca: &Ca, path: &str) -> Value {
    motcua_city::simulate::http_client(Some(&ca.ca))
        .unwrap()
        .get(format!("{base}{path}"))
        .bearer_auth(CITY_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn city_publish(base: &str, ca: &Ca, what: &str, body: &Value) -> Value {
    let r = motcua_city::simulate::http_client(Some(&ca.ca))
        .unwrap()
        .post(format!("{base}/city/v1/{what}"))
        .bearer_auth(CITY_TOKEN)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// Until the city's view of `unit` satisfies `done` (checked after each
/// push or heartbeat of the unit).
async fn until_unit(
    live: &mut Live,
    base: &str,
    ca: &Ca,
    unit: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let detail = city_get(base, ca, &format!("/city/v1/units/{unit}")).await;
        if done(&detail) {
            return detail;
        }
        live.next_from(unit).await;
    }
}

/// Files a dossier with a three-working-day procedure; its code and due
/// time.
async fn file_dossier(hub: &HubOffice) -> (String, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/dossiers", hub.base))
        .bearer_auth(&hub.kiosk_tokens[0])
        .header("Idempotency-Key", format!("d-{}", rand::random::<u64>()))
        .json(&serde_json::json!({
            "procedure": "1.004873",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "001090012345",
                          "address": "Số 1 Tràng Tiền, Hà Nội"},
            "fields": {"marital_status": "chua_ket_hon", "purpose": "Đăng ký kết hôn",
                       "pledge": true}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    (
        body["code"].as_str().unwrap().to_owned(),
        body["due_at"].as_str().unwrap().to_owned(),
    )
}

async fn hub_get(hub: &HubOffice, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", hub.base))
        .bearer_auth(&hub.kiosk_tokens[0])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The due time the hub's own rules give a dossier received at
/// `received_at` (RFC 3339) with `calendar`.
fn due_with(
    hub: &HubOffice,
    calendar: &motcua::domain::calendar::Calendar,
    received_at: &str,
) -> String {
    let config = motcua::config::Config::load(Some(&hub.dir.path().join("motcua.toml"))).unwrap();
    let received = chrono::DateTime::parse_from_rfc3339(received_at).unwrap();
    let due = motcua::domain::calendar::due_at(
        calendar,
        &config.filing.office_hours(),
        received.naive_local(),
        3,
    );
    due.and_local_timezone(*received.offset())
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_calendar_reaches_the_offices_and_filed_dossiers_keep_their_due_time() {
    use chrono::Datelike;
    let ca = throwaway_ca();
    let pg = TempCluster::start(None, "motcua_city").await.unwrap();
    let city = start_city(&pg, &ca, "127.0.0.1:0").await;
    let base = city.base_url();
    let mut live = Live::open(&base, &ca).await;
    let hub = office_with(&base, &ca, OFFICE, OFFICE_TOKEN, &["poll_seconds = 1"]).await;
    let pinned = office_with(
        &base,
        &ca,
        PINNED,
        PINNED_TOKEN,
        &["poll_seconds = 1", "pin_calendar = true"],
    )
    .await;
    let (first, first_due) = file_dossier(&hub).await;
    let (_, pinned_before) = file_dossier(&pinned).await;

    // The city declares the next two weekdays holidays (as a government
    // decision would, on top of the year's calendar).
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let mut release = motcua_city::simulate::publish::read_calendar([
        include_str!("../data/calendar/2026.toml"),
        include_str!("../data/calendar/2027.toml"),
    ])
    .unwrap();
    let mut day = today;
    let mut added = 0;
    while added < 2 {
        day += chrono::Duration::days(1);
        let Some(year) = release.years.iter_mut().find(|y| y.year == day.year()) else {
            panic!("no calendar file for {}", day.year());
        };
        let weekend = day.weekday().number_from_monday() >= 6;
        let listed = year
            .holidays
            .iter()
            .chain(&year.working_days)
            .any(|d| d.date == day);
        if !weekend && !listed {
            year.holidays.push(motcua_api::CalendarDay {
                date: day,
                name_vi: "Ngày nghỉ do thành phố công bố".into(),
                name_en: "A day off published by the city".into(),
            });
            added += 1;
        }
    }
    let published = city_publish(
        &base,
        &ca,
        "calendar",
        &serde_json::to_value(&release).unwrap(),
    )
    .await;
    assert_eq!(published["version"], 1);

    // The office applies it, and tells the city.
    let detail = until_unit(&mut live, &base, &ca, OFFICE, |d| {
        d["calendar"]["version"] == 1
    })
    .await;
    assert_eq!(detail["calendar"]["source"], "city");
    let (second, second_due) = file_dossier(&hub).await;

    // The new dossier's due time follows the city's calendar, exactly as
    // the hub's rules compute it, and no longer the shipped one.
    let mut with_release = motcua::domain::calendar::Calendar::builtin();
    for y in &release.years {
        with_release
            .add_year("release", &toml::to_string(y).unwrap())
            .unwrap();
    }
    let received = hub_get(&hub, &format!("/api/v1/dossiers/{second}")).await;
    let received_at = received["received_at"].as_str().unwrap().to_owned();
    assert_eq!(second_due, due_with(&hub, &with_release, &received_at));
    assert_ne!(
        second_due,
        due_with(
            &hub,
            &motcua::domain::calendar::Calendar::builtin(),
            &received_at
        )
    );
    // The dossier filed before keeps its due time.
    let kept = hub_get(&hub, &format!("/api/v1/dossiers/{first}")).await;
    assert_eq!(kept["due_at"], first_due.as_str());

    // The office that pinned its calendar keeps it, and the city knows.
    let detail = until_unit(&mut live, &base, &ca, PINNED, |d| {
        d["calendar"]["pinned"] == true
    })
    .await;
    assert_ne!(detail["calendar"]["source"], "city");
    let (pinned_code, pinned_after) = file_dossier(&pinned).await;
    let pinned_received = hub_get(&pinned, &format!("/api/v1/dossiers/{pinned_code}")).await;
    assert_eq!(
        pinned_after,
        due_with(
            &pinned,
            &motcua::domain::calendar::Calendar::builtin(),
            pinned_received["received_at"].as_str().unwrap()
        )
    );
    let _ = pinned_before;

    // Restarted while the city is away, the office still uses the release.
    city.shutdown().await.unwrap();
    let mut hub = hub;
    hub.kill_and_restart().await.unwrap();
    let (third, third_due) = file_dossier(&hub).await;
    let third_view = hub_get(&hub, &format!("/api/v1/dossiers/{third}")).await;
    assert_eq!(
        third_due,
        due_with(
            &hub,
            &with_release,
            third_view["received_at"].as_str().unwrap()
        )
    );
    hub.stop().await.unwrap();
    pinned.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_catalogue_is_applied_whole_or_refused_whole() {
    let ca = throwaway_ca();
    let pg = TempCluster::start(None, "motcua_city").await.unwrap();
    let city = start_city(&pg, &ca, "127.0.0.1:0").await;
    let base = city.base_url();
    let mut live = Live::open(&base, &ca).await;
    let hub = office_with(&base, &ca, OFFICE, OFFICE_TOKEN, &["poll_seconds = 1"]).await;
    let pinned = office_with(
        &base,
        &ca,
        PINNED,
        PINNED_TOKEN,
        &["poll_seconds = 1", "pin_catalogue = true"],
    )
    .await;

    let mut release = serde_json::to_value(
        motcua_city::simulate::publish::read_catalogue(include_str!("../data/procedures.toml"))
            .unwrap(),
    )
    .unwrap();
    release["label"] = "HN-2026.2".into();
    release["procedures"][9]["name_vi"] = "Chứng thực chữ ký (thành phố)".into();
    city_publish(&base, &ca, "catalogue", &release).await;
    let detail = until_unit(&mut live, &base, &ca, OFFICE, |d| {
        d["catalogue"]["version"] == 1
    })
    .await;
    assert_eq!(detail["catalogue"]["source"], "city");
    assert_eq!(detail["catalogue"]["label"], "HN-2026.2");
    let procedures = hub_get(&hub, "/api/v1/procedures").await;
    assert_eq!(procedures["source"], "city");
    assert_eq!(procedures["version"], "HN-2026.2");
    assert_eq!(
        procedures["procedures"][9]["name_vi"],
        "Chứng thực chữ ký (thành phố)"
    );

    // A release the hub's rules refuse (a form pattern that does not
    // compile) is refused whole; the office keeps version 1 and says so.
    let mut broken = release.clone();
    broken["label"] = "HN-2026.3".into();
    broken["procedures"][9]["name_vi"] = "Không được áp dụng".into();
    broken["procedures"][9]["form"][0]["pattern"] = "([".into();
    city_publish(&base, &ca, "catalogue", &broken).await;
    let detail = until_unit(&mut live, &base, &ca, OFFICE, |d| {
        !d["catalogue"]["refused"].is_null()
    })
    .await;
    assert_eq!(detail["catalogue"]["refused"]["version"], 2);
    assert_eq!(detail["catalogue"]["version"], 1);
    let procedures = hub_get(&hub, "/api/v1/procedures").await;
    assert_eq!(procedures["version"], "HN-2026.2");

    // The pinned office never took either.
    let detail = until_unit(&mut live, &base, &ca, PINNED, |d| {
        d["catalogue"]["pinned"] == true
    })
    .await;
    assert_ne!(detail["catalogue"]["source"], "city");
    let procedures = hub_get(&pinned, "/api/v1/procedures").await;
    assert_eq!(
        procedures["procedures"][9]["name_vi"],
        "Chứng thực chữ ký trong các giấy tờ, văn bản"
    );
    hub.stop().await.unwrap();
    pinned.stop().await.unwrap();
    city.shutdown().await.unwrap();
}

/// chromedriver on a free port, killed when dropped (as the city's own
/// browser test drives it).
struct Chromium {
    child: std::process::Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromium {
    const BINARY: &'static str = "/usr/bin/chromium";
    const DRIVER: &'static str = "/usr/bin/chromedriver";

    /// `None` (the test is skipped) without chromium outside CI.
    fn start() -> Option<Self> {
        use std::io::BufRead;
        if !std::path::Path::new(Self::DRIVER).exists()
            || !std::path::Path::new(Self::BINARY).exists()
        {
            assert!(
                std::env::var_os("CI").is_none(),
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
        let mut child = std::process::Command::new(Self::DRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
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

    /// A headless session with a phone's viewport (360 × 640, touch),
    /// trusting the test's certificate authority.
    async fn phone(&self) -> fantoccini::Client {
        let mut caps = serde_json::Map::new();
        caps.insert("acceptInsecureCerts".into(), true.into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": Self::BINARY,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=vi",
                    format!("--user-data-dir={}", self.profile.path().display()),
                ],
                "mobileEmulation": {
                    "deviceMetrics": {"width": 360, "height": 640, "pixelRatio": 2.0, "touch": true}
                }
            }),
        );
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session")
    }
}

/// POST with a hub token; the JSON answer (panics unless 2xx).
async fn hub_post(hub: &HubOffice, token: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", hub.base))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("p-{}", rand::random::<u64>()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

/// The hub's rating count (`/api/v1/stats`).
async fn hub_ratings(hub: &HubOffice) -> u64 {
    let stats: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/stats", hub.base))
        .bearer_auth(&hub.counter_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["ratings"]["total"]["total"].as_u64().unwrap()
}

/// Polls `check` every 100 ms until it holds; how long it took.
async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A ticket issued at the hub's kiosk: id, number and the QR's token.
async fn issue_one(hub: &HubOffice) -> (i64, String, String) {
    let view = hub_post(
        hub,
        &hub.kiosk_tokens[0],
        "/api/v1/tickets",
        serde_json::json!({"service": "hotich"}),
    )
    .await;
    (
        view["id"].as_i64().unwrap(),
        view["number"].as_str().unwrap().to_owned(),
        view["lookup_token"].as_str().unwrap().to_owned(),
    )
}

/// Counter 1 calls, starts and finishes its next ticket.
async fn serve_next(hub: &HubOffice) {
    for step in ["call-next", "start", "finish"] {
        hub_post(
            hub,
            &hub.counter_token,
            &format!("/api/v1/counters/1/{step}"),
            serde_json::json!({}),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_follows_its_ticket_on_the_city_and_its_rating_reaches_the_office_once() {
    let Some(chromium) = Chromium::start() else {
        return;
    };
    let ca = throwaway_ca();
    let pg = TempCluster::start(None, "motcua_city").await.unwrap();
    let addr = free_port();
    let mut config = city_config(&ca);
    // The browser and this test share one address; the flood at the end
    // is the only thing meant to reach the limit.
    config.phone.rate_per_minute = 30;
    let city = server::start(
        config.clone(),
        ServeOptions {
            listen: addr.parse().unwrap(),
            pg: pg.url(),
            clock: None,
        },
    )
    .await
    .unwrap();
    let base = city.base_url();
    let mut live = Live::open(&base, &ca).await;
    // The relay asks for the city's ratings once a heartbeat.
    let mut hub = office_with(&base, &ca, OFFICE, OFFICE_TOKEN, &["heartbeat_seconds = 1"]).await;
    hub_post(
        &hub,
        &hub.counter_token,
        "/api/v1/counters/1/open",
        serde_json::json!({}),
    )
    .await;
    let (id, number, token) = issue_one(&hub).await;
    live.until(hub_last_event(&hub).await).await;

    // The phone opens the QR's address at the city.
    let browser = chromium.phone().await;
    let url = format!("{base}/t/{OFFICE}/{id}?k={token}");
    browser.goto(&url).await.unwrap();
    let shown = browser
        .find(fantoccini::Locator::Id("num"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, number);

    // Called at the office: the page turns to the counter, live.
    let called_at = std::time::Instant::now();
    hub_post(
        &hub,
        &hub.counter_token,
        "/api/v1/counters/1/call-next",
        serde_json::json!({}),
    )
    .await;
    let took = eventually(
        "the call on the city's page",
        Duration::from_secs(20),
        || async {
            browser
                .find(fantoccini::Locator::Id("call"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains("Quầy số 1")
        },
    )
    .await;
    eprintln!(
        "phone page at the city showed the call {:?} after the counter called ({took:?} polling)",
        called_at.elapsed()
    );
    assert!(browser.title().await.unwrap().contains('1'));

    // Finished: rate from the page (the page's own button, its script).
    for step in ["start", "finish"] {
        hub_post(
            &hub,
            &hub.counter_token,
            &format!("/api/v1/counters/1/{step}"),
            serde_json::json!({}),
        )
        .await;
    }
    let button = fantoccini::Locator::Css("#rf button[value=\"very_satisfied\"]");
    eventually("the rating form", Duration::from_secs(20), || async {
        browser.find(button).await.is_ok()
    })
    .await;
    browser.find(button).await.unwrap().click().await.unwrap();

    // The office records it (the relay), once; the city counts it (the
    // hub's ticket.rated, federated like any event).
    eventually("the rating at the hub", Duration::from_secs(30), || async {
        hub_ratings(&hub).await == 1
    })
    .await;
    let detail = until_unit(&mut live, &base, &ca, OFFICE, |d| {
        d["kpis"]["satisfaction"]["ratings"] == 1
    })
    .await;
    assert_eq!(
        detail["kpis"]["satisfaction"]["levels"]["very_satisfied"],
        1
    );
    let rated = browser
        .find(fantoccini::Locator::Id("rate"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!rated.is_empty());
    browser.close().await.unwrap();

    // An acknowledgement that never arrived: the rating is offered again,
    // the hub finds it recorded and acknowledges; still one rating.
    let pending = || async {
        let client = city.city().pool.get().await.unwrap();
        client
            .query_one(
                "SELECT count(*) FROM phone_ratings WHERE delivered_at IS NULL",
                &[],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    {
        let client = city.city().pool.get().await.unwrap();
        client
            .execute("UPDATE phone_ratings SET delivered_at = NULL", &[])
            .await
            .unwrap();
    }
    eventually(
        "the re-offered rating acknowledged",
        Duration::from_secs(30),
        || async { pending().await == 0 },
    )
    .await;
    assert_eq!(hub_ratings(&hub).await, 1, "recorded once");

    // Wrong token ≡ unknown ticket, byte for byte; a flood is refused.
    let http = motcua_city::simulate::http_client(Some(&ca.ca)).unwrap();
    let get = |path: String| {
        let http = http.clone();
        async move {
            let r = http.get(path).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let wrong = get(format!("{base}/t/{OFFICE}/{id}?k=WRONG{token}")).await;
    let unknown = get(format!("{base}/t/{OFFICE}/{}?k={token}", id + 1000)).await;
    assert_eq!(wrong.0, 404);
    assert_eq!(wrong, unknown);

    // A second ticket rated on the page; the city restarts and the hub is
    // killed (SIGKILL) before anything else: still exactly one rating.
    let (id2, _, token2) = issue_one(&hub).await;
    serve_next(&hub).await;
    live.until(hub_last_event(&hub).await).await;
    let r = http
        .post(format!("{base}/t/{OFFICE}/{id2}/rating?k={token2}"))
        .json(&serde_json::json!({"level": "unsatisfied", "reasons": ["slow"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(live);
    city.shutdown().await.unwrap();
    hub.kill_and_restart().await.unwrap();
    let city = server::start(
        config,
        ServeOptions {
            listen: addr.parse().unwrap(),
            pg: pg.url(),
            clock: None,
        },
    )
    .await
    .unwrap();
    eventually(
        "the second rating at the hub",
        Duration::from_secs(60),
        || async { hub_ratings(&hub).await == 2 },
    )
    .await;
    let client = city.city().pool.get().await.unwrap();
    eventually(
        "every phone rating delivered",
        Duration::from_secs(30),
        || async {
            client
                .query_one(
                    "SELECT count(*) FROM phone_ratings WHERE delivered_at IS NULL",
                    &[],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
                == 0
        },
    )
    .await;
    assert_eq!(hub_ratings(&hub).await, 2);

    // The receipt's QR at the city: the dossier's page, by its own token.
    let filed = hub_post(
        &hub,
        &hub.kiosk_tokens[0],
        "/api/v1/dossiers",
        serde_json::json!({
            "procedure": "1.004873",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "001090012345",
                          "address": "Số 1 Tràng Tiền, Hà Nội"},
            "fields": {"marital_status": "chua_ket_hon", "purpose": "Đăng ký kết hôn",
                       "pledge": true}
        }),
    )
    .await;
    let code = filed["code"].as_str().unwrap();
    let dossier_token = filed["lookup_token"].as_str().unwrap();
    let mut live = Live::open(&city.base_url(), &ca).await;
    live.until(hub_last_event(&hub).await).await;
    let (status, html) = get(format!("{base}/d/{OFFICE}/{code}?k={dossier_token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(code));
    assert!(!html.contains("Nguyễn Văn An") && !html.contains("001090012345"));
    let wrong = get(format!("{base}/d/{OFFICE}/{code}?k={token}")).await;
    assert_eq!(wrong, unknown, "a dossier refuses like a ticket");
    drop(live);

    // A flood from one address gets 429.
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let (status, _) = get(format!("{base}/t/{OFFICE}/{id}?k={token}")).await;
        statuses.push(status);
        if status == 429 {
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "a flood is refused");
    // And `motcua report` counts both, the complaint with its reason.
    let out = crate::util::motcua()
        .args(["report", "--db"])
        .arg(hub.dir.path().join("motcua.db"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Đánh giá theo quầy"), "{text}");
    assert!(text.contains("slow=1"), "{text}");
    drop(client);
    hub.stop().await.unwrap();
    city.shutdown().await.unwrap();
}
