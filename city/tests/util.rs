//! Shared test helpers: a throwaway PostgreSQL per test (started the way
//! the demo starts one, stopped when the test ends, pass or fail), the
//! service on it, a throwaway certificate authority, and a small office
//! whose events a test writes by hand.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use motcua_api::{HubReport, IngestEvent, IngestRequest, IngestResponse, KioskSeen};
use motcua_city::config::{CityConfig, CityRole, TokenConfig, UnitConfig};
use motcua_city::pg::TempCluster;
use motcua_city::server::{self, RunningCity, ServeOptions};
use serde_json::{json, Value};

pub const CITY_TOKEN: &str = "test-city-token-0123456789";
pub const VIEWER_TOKEN: &str = "test-viewer-token-0123456789";
pub const TECH_TOKEN: &str = "test-technician-token-0123456789";
/// The units every test city has, with their offices' tokens.
pub const UNITS: [(&str, &str, &str); 3] = [
    ("H26.01", "Phường Tràng Tiền", "office-token-h26-01-abcdef"),
    ("H26.02", "Phường Hàng Bạc", "office-token-h26-02-abcdef"),
    ("H26.03", "Phường Cửa Nam", "office-token-h26-03-abcdef"),
];

pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// The configuration of a test city: the three units, a city token, a
/// viewer of H26.01 and a technician.
pub fn config() -> CityConfig {
    CityConfig {
        tokens: vec![
            TokenConfig {
                name: "city".into(),
                role: CityRole::City,
                token: CITY_TOKEN.into(),
                units: vec![],
            },
            TokenConfig {
                name: "viewer".into(),
                role: CityRole::UnitViewer,
                token: VIEWER_TOKEN.into(),
                units: vec!["H26.01".into()],
            },
            TokenConfig {
                name: "tech".into(),
                role: CityRole::Technician,
                token: TECH_TOKEN.into(),
                units: vec![],
            },
        ],
        units: UNITS
            .iter()
            .map(|(code, name, token)| UnitConfig {
                code: (*code).into(),
                name: (*name).into(),
                group: Some("Hoàn Kiếm".into()),
                token: (*token).into(),
            })
            .collect(),
        ..CityConfig::default()
    }
}

/// A clock fixed at a moment (the figures' "now").
pub fn fixed_clock(at: DateTime<Utc>) -> motcua_city::Clock {
    Arc::new(move || at)
}

/// A city on its own throwaway PostgreSQL.
pub struct TestCity {
    pub city: RunningCity,
    pub base: String,
    pub http: reqwest::Client,
    // Dropped last: the service must let go of its connections first.
    pub pg: TempCluster,
}

impl TestCity {
    /// Plain HTTP on loopback, the system clock.
    pub async fn start() -> Self {
        Self::start_with(config(), None).await
    }

    pub async fn start_with(config: CityConfig, clock: Option<motcua_city::Clock>) -> Self {
        let pg = TempCluster::start(None, "motcua_city")
            .await
            .expect("a throwaway PostgreSQL (apt-get install postgresql)");
        let city = start_city(&pg.url(), config, clock).await;
        let base = city.base_url();
        Self {
            city,
            base,
            http: reqwest::Client::new(),
            pg,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with a bearer token; status and JSON body.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// One rows count of the database.
    pub async fn count(&self, sql: &str) -> i64 {
        let client = self.city.city().pool.get().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    }
}

/// Another instance on the same database.
pub async fn start_city(
    pg_url: &str,
    config: CityConfig,
    clock: Option<motcua_city::Clock>,
) -> RunningCity {
    server::start(
        config,
        ServeOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            pg: pg_url.to_owned(),
            clock,
        },
    )
    .await
    .expect("city service starts")
}

/// POSTs an ingest request to `base` with `token`: status and body.
pub async fn post_ingest(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let r = http
        .post(format!("{base}/city/v1/ingest"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The typed ingest of `events` after `after`, for unit `code`.
pub async fn ingest(
    http: &reqwest::Client,
    base: &str,
    code: &str,
    token: &str,
    after: i64,
    events: &[IngestEvent],
) -> IngestResponse {
    let body = serde_json::to_value(IngestRequest {
        unit_code: code.into(),
        after_event_id: Some(after),
        events: events.to_vec(),
        hub: HubReport {
            version: "test".into(),
            office_name: code.into(),
            kiosks: vec!["kiosk-1".into(), "kiosk-2".into()],
            // The hub has heard from its first kiosk only.
            kiosks_seen: vec![KioskSeen {
                kiosk: "kiosk-1".into(),
                version: Some("9.9.9-test".into()),
                last_seen: "2026-11-26T08:30:00+07:00".into(),
            }],
            ..HubReport::default()
        },
    })
    .unwrap();
    let (status, answer) = post_ingest(http, base, token, &body).await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_value(answer).unwrap()
}

/// ms of a local time on 2026-11-26 (a Thursday).
pub fn at(h: u32, m: u32, s: u32) -> i64 {
    TZ.with_ymd_and_hms(2026, 11, 26, h, m, s)
        .unwrap()
        .timestamp_millis()
}

fn rfc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&TZ)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A ticket's life, for hand-written logs.
#[derive(Clone)]
pub struct Ticket {
    pub id: i64,
    pub number: String,
    pub issued: i64,
    pub called: Option<i64>,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    pub state: &'static str,
}

impl Ticket {
    pub fn new(id: i64, issued: i64) -> Self {
        Self {
            id,
            number: format!("A{id:03}"),
            issued,
            called: None,
            started: None,
            finished: None,
            state: "issued",
        }
    }

    /// The event data with the ticket as it is now.
    pub fn data(&self) -> Value {
        json!({
            "ticket": {
                "id": self.id, "number": self.number, "service": "hotich",
                "service_name_vi": "Hộ tịch", "service_name_en": "Civil status",
                "priority": null, "priority_name_vi": null, "state": self.state,
                "business_date": "2026-11-26", "issued_at": rfc(self.issued),
                "called_at": self.called.map(rfc), "started_at": self.started.map(rfc),
                "finished_at": self.finished.map(rfc),
                "counter": self.called.map(|_| 1), "recall_count": 0, "transfer_count": 0,
                "people_ahead": 0, "estimated_wait_minutes": 0,
                "print_status": null, "print_error": null
            },
            "waiting": {"hotich": 0}
        })
    }
}

/// Builds a unit's log: ids 1, 2, … in the order events are added.
#[derive(Default)]
pub struct Log {
    pub events: Vec<IngestEvent>,
}

impl Log {
    pub fn push(&mut self, at_ms: i64, kind: &str, data: Value) -> i64 {
        let id = self.events.len() as i64 + 1;
        self.events.push(IngestEvent {
            id,
            at_ms,
            event: kind.into(),
            data,
        });
        id
    }

    /// A ticket served from issue to finish: issued, called, started,
    /// finished at the given times.
    pub fn served(&mut self, id: i64, issued: i64, called: i64, started: i64, finished: i64) {
        let mut t = Ticket::new(id, issued);
        self.push(issued, "ticket.issued", t.data());
        t.called = Some(called);
        t.state = "called";
        self.push(called, "ticket.called", t.data());
        t.started = Some(started);
        t.state = "serving";
        self.push(started, "ticket.started", t.data());
        t.finished = Some(finished);
        t.state = "done";
        self.push(finished, "ticket.finished", t.data());
    }

    /// A dossier filed at `channel`, due at `due`, its result ready at
    /// `ready` (if any).
    pub fn dossier(
        &mut self,
        code: &str,
        channel: &str,
        received: i64,
        due: i64,
        ready: Option<i64>,
    ) {
        self.push(
            received,
            "dossier.received",
            json!({"code": code, "due_at": rfc(due), "portal_status": "pending",
                   "procedure": "2.000815", "received_at": rfc(received), "ticket": null,
                   "channel": channel}),
        );
        self.push(
            received + 3_000,
            "dossier.sent",
            json!({"code": code, "portal_reference": format!("REF-{code}"), "portal_status": "received"}),
        );
        if let Some(ready) = ready {
            self.push(
                ready,
                "dossier.status",
                json!({"code": code, "portal_status": "result_ready", "previous": "received"}),
            );
        }
    }

    /// A kiosk printer fault (`true`) or its recovery.
    pub fn printer(&mut self, at_ms: i64, kiosk: &str, fault: bool) {
        let data = if fault {
            json!({"device": "printer", "kind": "paper_out", "kiosk": kiosk,
                   "message_en": "The printer is out of paper", "message_vi": "Máy in hết giấy",
                   "out_of_service": true, "previous_kind": null, "previous_state": "ok",
                   "state": "fault"})
        } else {
            json!({"device": "printer", "kind": null, "kiosk": kiosk,
                   "message_en": "Working again", "message_vi": "Hoạt động trở lại",
                   "out_of_service": false, "previous_kind": "paper_out",
                   "previous_state": "fault", "state": "ok"})
        };
        self.push(
            at_ms,
            if fault {
                "device.fault"
            } else {
                "device.recovered"
            },
            data,
        );
    }
}

/// A throwaway certificate authority and a server certificate it signed
/// for 127.0.0.1 and localhost, as PEM files.
pub struct Ca {
    /// Holds the files; removed with the value.
    pub _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Ca {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "motcua test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Self {
            ca: write("ca.pem", ca.pem()),
            cert: write("server.pem", cert.pem()),
            key: write("server.key", key.serialize_pem()),
            _dir: dir,
        }
    }
}
