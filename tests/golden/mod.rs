//! The hub's wire, recorded: one scripted office day that calls every route
//! of `/api/v1` (successes and the usual refusals) and makes the hub emit
//! every event kind, with the request and response bodies and the event
//! stream kept byte for byte in `http.json` and `events.json` beside this
//! file.
//!
//! The hub runs on an injected clock and a scripted portal, so the day is
//! the same on every run; the few values that cannot be (lookup tokens,
//! session secrets, uptime, file sizes and paths) are replaced by
//! placeholders before comparing. A refactoring that changes one byte of a
//! body or of an event fails [`the_wire_matches_the_recording`]; a change
//! meant to be made is recorded again with `MOTCUA_BLESS=1`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use motcua::config::Config;
use motcua::domain::dossier::PortalStatus;
use motcua::domain::procedure::Catalogue;
use motcua::hub::{Clock, PortalTarget};
use motcua::portal::{Acknowledgement, Portal, PortalDossier, PortalError, StatusReport};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::util::{SseBlocks, TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

/// One request and its answer as they crossed the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// What the step does, unique in the recording.
    pub name: String,
    pub method: String,
    /// The route as the router names it (`/api/v1/tickets/{id}`).
    pub route: String,
    /// The path actually requested, query included.
    pub path: String,
    /// The bearer token's role, `session` for an officer's session, or
    /// `none`.
    pub auth: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The raw request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The raw response body, for JSON answers (other bodies — the tar of
    /// a support bundle, the event stream, the OpenAPI document — are
    /// checked elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// One Server-Sent Event as it crossed the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub id: Option<i64>,
    pub event: String,
    /// The raw `data:` line.
    pub data: String,
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The recorded exchanges, as committed.
pub fn recorded_exchanges() -> Vec<Exchange> {
    let text = std::fs::read_to_string(golden_dir().join("http.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The recorded events, as committed.
pub fn recorded_events() -> Vec<RecordedEvent> {
    let text = std::fs::read_to_string(golden_dir().join("events.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// 2026-11-26 09:00 in Hà Nội, a Thursday.
const START_MS: i64 = 1_795_658_400_000;

/// A portal whose answers depend only on the dossier: a birth
/// registration is refused, the second dossier of the day fails once
/// (503) before it is accepted, every other one is accepted; every
/// delivered dossier is "processing" when asked.
#[derive(Default)]
struct ScriptedPortal {
    attempts: Mutex<HashMap<String, u32>>,
}

impl Portal for ScriptedPortal {
    fn submit<'a>(
        &'a self,
        _key: &'a str,
        dossier: &'a PortalDossier,
    ) -> BoxFuture<'a, Result<Acknowledgement, PortalError>> {
        Box::pin(async move {
            let attempt = {
                let mut attempts = self.attempts.lock().unwrap();
                let n = attempts.entry(dossier.code.clone()).or_default();
                *n += 1;
                *n
            };
            if dossier.procedure == "1.001193" {
                return Err(PortalError::Refused {
                    status: 422,
                    message: "thiếu giấy chứng sinh / no birth certificate".into(),
                });
            }
            if dossier.code.ends_with("-0002") && attempt == 1 {
                return Err(PortalError::Server {
                    status: 503,
                    body: "maintenance".into(),
                });
            }
            Ok(Acknowledgement {
                reference: format!("DVC-{}", dossier.code),
                status: PortalStatus::Received,
            })
        })
    }

    fn status<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<StatusReport, PortalError>> {
        Box::pin(async move {
            Ok(StatusReport {
                reference: reference.to_owned(),
                code: reference.trim_start_matches("DVC-").to_owned(),
                status: PortalStatus::Processing,
                history: Vec::new(),
            })
        })
    }

    fn catalogue(&self) -> BoxFuture<'_, Result<Catalogue, PortalError>> {
        Box::pin(async { Err(PortalError::Unreachable("no catalogue here".into())) })
    }
}

/// The demo office, with two numbers a day for "Chứng thực" (so a dossier
/// finds them exhausted), quick outbox retries and no status polling (a
/// lookup refreshes).
fn office() -> Config {
    let mut config = Config::demo();
    if let Some(s) = config.services.iter_mut().find(|s| s.code == "chungthuc") {
        s.daily_cap = Some(2);
    }
    config.filing.retry_initial_ms = 20;
    config.filing.retry_max_ms = 40;
    config.filing.status_poll_seconds = 3600;
    config
}

/// Reads the event stream, keeping each event's raw lines. Blocks are cut
/// at the blank line on bytes, so a letter split across two chunks is
/// decoded whole.
struct EventTape {
    resp: reqwest::Response,
    blocks: SseBlocks,
    events: Vec<RecordedEvent>,
}

impl EventTape {
    async fn open(base: &str, last_event_id: Option<&str>) -> Self {
        let mut req = reqwest::Client::new()
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(DISPLAY);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        Self {
            resp,
            blocks: SseBlocks::default(),
            events: Vec::new(),
        }
    }

    /// The next event (keep-alive comments skipped).
    async fn next(&mut self) -> RecordedEvent {
        loop {
            while let Some(block) = self.blocks.next_block() {
                let (mut id, mut event, mut data) = (None, None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = Some(v.parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(v.to_owned());
                    }
                }
                if let (Some(event), Some(data)) = (event, data) {
                    let e = RecordedEvent { id, event, data };
                    self.events.push(e.clone());
                    return e;
                }
            }
            let chunk = self
                .resp
                .chunk()
                .await
                .unwrap()
                .expect("the event stream ended");
            self.blocks.push(&chunk);
        }
    }

    /// Reads until an event of `kind` arrives.
    async fn until(&mut self, kind: &str) {
        while self.next().await.event != kind {}
    }

    /// Reads until the event with id `last`.
    async fn through(&mut self, last: i64) {
        while self.events.last().and_then(|e| e.id) != Some(last) {
            self.next().await;
        }
    }
}

/// The scripted day's client: sends raw bodies, keeps raw answers.
struct Script {
    base: String,
    http: reqwest::Client,
    clock: Arc<AtomicI64>,
    session: Option<String>,
    exchanges: Vec<Exchange>,
}

/// A request of the script.
struct Step<'a> {
    name: &'a str,
    method: &'a str,
    route: &'a str,
    path: String,
    auth: &'a str,
    key: Option<&'a str>,
    body: Option<String>,
}

impl<'a> Step<'a> {
    fn get(name: &'a str, route: &'a str, path: impl Into<String>, auth: &'a str) -> Self {
        Self {
            name,
            method: "GET",
            route,
            path: path.into(),
            auth,
            key: None,
            body: None,
        }
    }

    fn post(
        name: &'a str,
        route: &'a str,
        path: impl Into<String>,
        auth: &'a str,
        body: Option<&str>,
    ) -> Self {
        Self {
            name,
            method: "POST",
            route,
            path: path.into(),
            auth,
            key: None,
            body: body.map(str::to_owned),
        }
    }

    fn key(mut self, key: &'a str) -> Self {
        self.key = Some(key);
        self
    }
}

impl Script {
    /// Sends a step one second after the previous one; returns the answer.
    async fn send(&mut self, step: Step<'_>) -> (u16, String) {
        self.clock.fetch_add(1000, Ordering::SeqCst);
        let url = format!("{}{}", self.base, step.path);
        let method = reqwest::Method::from_bytes(step.method.as_bytes()).unwrap();
        let mut req = self.http.request(method, url);
        let token = match step.auth {
            "kiosk" => Some(KIOSK.to_owned()),
            "counter" => Some(COUNTER.to_owned()),
            "display" => Some(DISPLAY.to_owned()),
            "technician" => Some(TECHNICIAN.to_owned()),
            "session" => self.session.clone(),
            _ => None,
        };
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(key) = step.key {
            req = req.header("Idempotency-Key", key);
        }
        if let Some(body) = &step.body {
            req = req
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let json = content_type.as_deref() == Some("application/json");
        // An event stream never ends: its events are on the tape.
        let stream = content_type.as_deref() == Some("text/event-stream");
        let bytes = if stream {
            Default::default()
        } else {
            resp.bytes().await.unwrap()
        };
        let text = String::from_utf8(bytes.to_vec()).unwrap_or_default();
        self.exchanges.push(Exchange {
            name: step.name.to_owned(),
            method: step.method.to_owned(),
            route: step.route.to_owned(),
            path: step.path,
            auth: step.auth.to_owned(),
            idempotency_key: step.key.map(str::to_owned),
            request: step.body,
            status,
            content_type,
            response: (json && step.route != "/api/v1/openapi.json").then(|| text.clone()),
        });
        (status, text)
    }

    /// Sends a step and returns its answer as JSON.
    async fn json(&mut self, step: Step<'_>) -> serde_json::Value {
        let (_, text) = self.send(step).await;
        serde_json::from_str(&text).unwrap()
    }
}

/// A support bundle with the same bytes on every run.
fn bundle_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let manifest = br#"{"kind":"motcua-support-bundle","version":1}"#;
    let mut header = tar::Header::new_gnu();
    header.set_path("manifest.json").unwrap();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    builder.append(&header, &manifest[..]).unwrap();
    builder.into_inner().unwrap()
}

/// `(name, route, path, auth)` of GET steps sent one after the other.
type Gets<'a> = [(&'a str, &'a str, &'a str, &'a str)];
/// `(name, route, path, auth, body, Idempotency-Key)` of POST steps.
type Posts<'a> = [(
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
)];

impl Script {
    async fn gets(&mut self, steps: &Gets<'_>) {
        for (name, route, path, auth) in steps {
            self.send(Step::get(name, route, *path, auth)).await;
        }
    }

    async fn posts(&mut self, steps: &Posts<'_>) {
        for (name, route, path, auth, body, key) in steps {
            let mut step = Step::post(name, route, *path, auth, *body);
            step.key = *key;
            self.send(step).await;
        }
    }
}

/// Runs the scripted day against the hub as built; returns what crossed
/// the wire, with the values that differ between runs replaced.
async fn record_the_day() -> (Vec<Exchange>, Vec<RecordedEvent>) {
    let clock_ms = Arc::new(AtomicI64::new(START_MS));
    let c = Arc::clone(&clock_ms);
    let clock: Clock = Arc::new(move || -> DateTime<Utc> {
        DateTime::from_timestamp_millis(c.load(Ordering::SeqCst)).unwrap()
    });
    let portal: Arc<dyn Portal> = Arc::new(ScriptedPortal::default());
    let hub = TestHub::with_portal(office(), Some(clock), PortalTarget::Custom(portal)).await;
    let mut tape = EventTape::open(&hub.url, None).await;
    let mut s = Script {
        base: hub.url.clone(),
        http: reqwest::Client::new(),
        clock: Arc::clone(&clock_ms),
        session: None,
        exchanges: Vec::new(),
    };
    const TICKETS: &str = "/api/v1/tickets";
    const TICKET: &str = "/api/v1/tickets/{id}";
    const PRINT_STATUS: &str = "/api/v1/tickets/{id}/print-status";
    const QUEUE: &str = "/api/v1/queue";
    const COUNTERS: &str = "/api/v1/counters";

    // What every device reads first, then tickets at the kiosk.
    s.gets(&[
        ("health", "/api/v1/health", "/api/v1/health", "none"),
        (
            "openapi",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            "none",
        ),
        (
            "services",
            "/api/v1/services",
            "/api/v1/services",
            "display",
        ),
        (
            "priorities",
            "/api/v1/priorities",
            "/api/v1/priorities",
            "kiosk",
        ),
        ("queue_empty", QUEUE, QUEUE, "display"),
        ("counters_closed", COUNTERS, COUNTERS, "counter"),
    ])
    .await;
    let hotich = Some(r#"{"service":"hotich"}"#);
    s.posts(&[
        ("issue", TICKETS, TICKETS, "kiosk", hotich, Some("k-1")),
        (
            "issue_replayed",
            TICKETS,
            TICKETS,
            "kiosk",
            hotich,
            Some("k-1"),
        ),
        (
            "issue_key_reused",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"khac"}"#),
            Some("k-1"),
        ),
        (
            "issue_priority",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"hotich","priority":"elderly"}"#),
            None,
        ),
        (
            "issue_other_service",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"chungthuc"}"#),
            None,
        ),
    ])
    .await;
    s.gets(&[
        ("ticket_kiosk", TICKET, "/api/v1/tickets/1", "kiosk"),
        ("ticket_display", TICKET, "/api/v1/tickets/1", "display"),
    ])
    .await;
    s.posts(&[
        (
            "printed",
            PRINT_STATUS,
            "/api/v1/tickets/2/print-status",
            "kiosk",
            Some(r#"{"status":"printed"}"#),
            None,
        ),
        (
            "print_failed",
            PRINT_STATUS,
            "/api/v1/tickets/3/print-status",
            "kiosk",
            Some(r#"{"status":"print_failed","reason":"paper_out: Máy in đã hết giấy"}"#),
            None,
        ),
    ])
    .await;
    s.gets(&[(
        "print_failed_list",
        "/api/v1/tickets/print-failed",
        "/api/v1/tickets/print-failed",
        "counter",
    )])
    .await;

    // An officer signs in at counter 1 and works.
    let signed = s
        .json(Step::post(
            "sign_in",
            "/api/v1/staff/sign-in",
            "/api/v1/staff/sign-in",
            "counter",
            Some(r#"{"code":"cb01","pin":"1111","counter":1}"#),
        ))
        .await;
    s.session = Some(signed["session"].as_str().unwrap().to_owned());
    let counter_route = |action: &str| format!("/api/v1/counters/{{counter}}/{action}");
    for (name, action) in [
        ("call_next_priority", "call-next"),
        ("recall", "recall"),
        ("pause_while_called", "pause"),
        ("open", "open"),
        ("start", "start"),
        ("finish", "finish"),
        ("call_next", "call-next"),
        ("no_show", "no-show"),
        ("call_next_nobody", "call-next"),
    ] {
        let route = counter_route(action);
        let path = format!("/api/v1/counters/1/{action}");
        s.send(Step::post(name, &route, path, "session", None))
            .await;
    }
    // A counter device without an officer: transfer, then close.
    for (name, action, body) in [
        ("call_next_plain_token", "call-next", None),
        ("transfer", "transfer", Some(r#"{"service":"khac"}"#)),
        ("close", "close", None),
    ] {
        let route = counter_route(action);
        let path = format!("/api/v1/counters/2/{action}");
        s.send(Step::post(name, &route, path, "counter", body))
            .await;
    }
    let cancelled = s
        .json(Step::post(
            "issue_to_cancel",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"datdai"}"#),
        ))
        .await;
    s.send(Step::post(
        "cancel",
        "/api/v1/tickets/{id}/cancel",
        format!("/api/v1/tickets/{}/cancel", cancelled["id"]),
        "kiosk",
        None,
    ))
    .await;
    s.gets(&[
        ("queue", QUEUE, QUEUE, "display"),
        ("counters", COUNTERS, COUNTERS, "counter"),
        ("calls", "/api/v1/calls", "/api/v1/calls?limit=6", "display"),
    ])
    .await;

    // The citizen of A002 (served, finished) rates at the kiosk.
    let a002 = s
        .json(Step::get(
            "ticket_done",
            TICKET,
            "/api/v1/tickets/2",
            "kiosk",
        ))
        .await;
    assert!(a002.get("lookup_token").is_none(), "given once: {a002}");
    // The token of A002 is on its paper: the answer that issued it.
    let issued: serde_json::Value = s
        .exchanges
        .iter()
        .find(|x| x.name == "issue_priority")
        .and_then(|x| serde_json::from_str(x.response.as_deref()?).ok())
        .unwrap();
    assert_eq!(issued["number"], "A002");
    let token = issued["lookup_token"].as_str().unwrap().to_owned();
    let lookup = "/api/v1/ratings/lookup";
    let by_token = format!("{lookup}?ticket=2&token={token}");
    s.gets(&[
        (
            "rating_options",
            "/api/v1/ratings/options",
            "/api/v1/ratings/options",
            "kiosk",
        ),
        ("rating_lookup_rateable", lookup, &by_token, "kiosk"),
    ])
    .await;
    let rate = format!(
        r#"{{"ticket":2,"token":"{token}","level":"unsatisfied","reasons":["slow","unclear"]}}"#
    );
    let ratings = "/api/v1/ratings";
    s.posts(&[
        ("rate", ratings, ratings, "kiosk", Some(&rate), Some("r-1")),
        ("rate_again", ratings, ratings, "kiosk", Some(&rate), None),
    ])
    .await;
    // A typed number needs the check code printed on its ticket.
    let a001: serde_json::Value = s
        .exchanges
        .iter()
        .find(|x| x.name == "issue")
        .and_then(|x| serde_json::from_str(x.response.as_deref()?).ok())
        .unwrap();
    let check = motcua::domain::ticket_ref::check_code(a001["lookup_token"].as_str().unwrap());
    let without_check = format!("{lookup}?number=a001");
    let by_number = format!("{lookup}?number=a001&check={check}");
    s.gets(&[
        ("rating_lookup_rated", lookup, &by_token, "kiosk"),
        (
            "rating_lookup_typed_without_check",
            lookup,
            &without_check,
            "kiosk",
        ),
        ("rating_lookup_typed_no_show", lookup, &by_number, "kiosk"),
    ])
    .await;
    let sign_out = "/api/v1/staff/sign-out";
    s.posts(&[("sign_out", sign_out, sign_out, "session", None, None)])
        .await;
    s.gets(&[
        ("stats", "/api/v1/stats", "/api/v1/stats", "counter"),
        (
            "stats_dated",
            "/api/v1/stats",
            "/api/v1/stats?date=2026-11-26",
            "display",
        ),
        (
            "procedures",
            "/api/v1/procedures",
            "/api/v1/procedures",
            "kiosk",
        ),
    ])
    .await;

    // Online filing.
    let dossiers = "/api/v1/dossiers";
    let applicant = r#""applicant":{"address":"Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội","date_of_birth":"15031990","id_number":"001090012345","name":"Nguyễn Văn An","phone":"0912345678","sex":"Nam"}"#;
    let copy = format!(
        r#"{{"procedure":"2.000815",{applicant},"fields":{{"document_name":"Bằng tốt nghiệp đại học"}},"pages":5}}"#
    );
    let filed = s
        .json(Step::post("file", dossiers, dossiers, "kiosk", Some(&copy)).key("d-1"))
        .await;
    let code = filed["code"].as_str().unwrap().to_owned();
    tape.until("dossier.sent").await;
    s.posts(&[(
        "file_no_ticket_left",
        dossiers,
        dossiers,
        "kiosk",
        Some(&copy),
        None,
    )])
    .await;
    tape.until("dossier.delivery_failed").await;
    tape.until("dossier.sent").await;
    let birth = format!(
        r#"{{"procedure":"1.001193",{applicant},"fields":{{"child_birth_date":"2026-11-20","child_birth_place":"Bệnh viện Phụ sản Hà Nội, Phường Láng, Hà Nội","child_name":"Nguyễn Minh Khôi","child_sex":"Nam","father_birth_year":1990,"father_ethnicity":"Kinh","father_name":"Nguyễn Văn An","father_nationality":"Việt Nam","father_residence":"Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội","mother_birth_year":1995,"mother_name":"Trần Thị Bình","mother_residence":"Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội","pledge":true,"requester_relation":"cha"}}}}"#
    );
    s.posts(&[(
        "file_refused_by_portal",
        dossiers,
        dossiers,
        "kiosk",
        Some(&birth),
        None,
    )])
    .await;
    tape.until("dossier.status").await;
    let invalid = r#"{"procedure":"2.000815","applicant":{"id_number":"12345","name":""},"fields":{},"pages":0}"#;
    s.posts(&[(
        "file_invalid_form",
        dossiers,
        dossiers,
        "kiosk",
        Some(invalid),
        None,
    )])
    .await;
    let dossier = "/api/v1/dossiers/{code}";
    let by_code = format!("/api/v1/dossiers/{code}");
    // The short code on the receipt: last 4 digits and the filing date.
    let (sequence, date) = (
        &code[code.len() - 4..],
        &code[code.len() - 11..code.len() - 5],
    );
    let by_short = format!(
        "/api/v1/dossiers?number={sequence}&date={}%2F{}",
        &date[4..6],
        &date[2..4]
    );
    s.gets(&[
        ("dossier_short_code", "/api/v1/dossiers", &by_short, "kiosk"),
        ("dossier_kiosk", dossier, &by_code, "kiosk"),
        ("dossier_staff", dossier, &by_code, "counter"),
        (
            "dossier_unknown",
            dossier,
            "/api/v1/dossiers/000.25.31.H26-261126-9999",
            "kiosk",
        ),
    ])
    .await;

    // Devices.
    let events = "/api/v1/devices/events";
    let paper_out = Some(r#"{"device":"printer","state":"fault","kind":"paper_out"}"#);
    s.posts(&[
        ("device_fault", events, events, "kiosk", paper_out, None),
        (
            "device_fault_repeated",
            events,
            events,
            "kiosk",
            paper_out,
            None,
        ),
        (
            "device_warning",
            events,
            events,
            "kiosk",
            Some(r#"{"device":"printer","state":"warning","kind":"paper_near_end"}"#),
            None,
        ),
        (
            "device_recovered",
            events,
            events,
            "kiosk",
            Some(r#"{"device":"printer","state":"ok"}"#),
            None,
        ),
        // Only a technician names another kiosk; a kiosk token is refused.
        (
            "device_fault_other_kiosk_refused",
            events,
            events,
            "kiosk",
            Some(r#"{"device":"scanner","state":"fault","kind":"disconnected","kiosk":"kiosk-2"}"#),
            None,
        ),
        (
            "device_fault_unknown_kind",
            events,
            events,
            "kiosk",
            Some(r#"{"device":"scanner","state":"fault","kind":"on_fire"}"#),
            None,
        ),
        (
            "device_fault_named_kiosk",
            events,
            events,
            "technician",
            Some(r#"{"device":"scanner","state":"fault","kind":"disconnected","kiosk":"kiosk-2"}"#),
            None,
        ),
    ])
    .await;
    s.gets(&[
        ("devices", "/api/v1/devices", "/api/v1/devices", "counter"),
        (
            "health_with_kiosks",
            "/api/v1/health",
            "/api/v1/health",
            "counter",
        ),
        (
            "diagnostics",
            "/api/v1/diagnostics",
            "/api/v1/diagnostics",
            "technician",
        ),
    ])
    .await;

    // Technicians.
    let retry = "/api/v1/outbox/retry";
    s.posts(&[("outbox_retry", retry, retry, "technician", None, None)])
        .await;
    let uploaded = {
        s.clock.fetch_add(1000, Ordering::SeqCst);
        let resp = s
            .http
            .post(format!("{}/api/v1/support-bundles", s.base))
            .bearer_auth(KIOSK)
            .header("content-type", "application/x-tar")
            .body(bundle_tar())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        s.exchanges.push(Exchange {
            name: "support_bundle_upload".into(),
            method: "POST".into(),
            route: "/api/v1/support-bundles".into(),
            path: "/api/v1/support-bundles".into(),
            auth: "kiosk".into(),
            idempotency_key: None,
            request: None,
            status,
            content_type: Some("application/json".into()),
            response: Some(text.clone()),
        });
        let info: serde_json::Value = serde_json::from_str(&text).unwrap();
        info["name"].as_str().unwrap().to_owned()
    };
    let bundle = format!("/api/v1/support-bundles/{uploaded}");
    s.gets(&[
        (
            "support_bundles",
            "/api/v1/support-bundles",
            "/api/v1/support-bundles",
            "technician",
        ),
        (
            "support_bundle",
            "/api/v1/support-bundles/{name}",
            &bundle,
            "technician",
        ),
        // Refusals every route shares.
        ("unauthorized", QUEUE, QUEUE, "none"),
        (
            "forbidden",
            "/api/v1/diagnostics",
            "/api/v1/diagnostics",
            "kiosk",
        ),
    ])
    .await;
    {
        s.clock.fetch_add(1000, Ordering::SeqCst);
        let resp = s
            .http
            .delete(format!("{}{bundle}", s.base))
            .bearer_auth(TECHNICIAN)
            .send()
            .await
            .unwrap();
        s.exchanges.push(Exchange {
            name: "support_bundle_delete".into(),
            method: "DELETE".into(),
            route: "/api/v1/support-bundles/{name}".into(),
            path: bundle.clone(),
            auth: "technician".into(),
            idempotency_key: None,
            request: None,
            status: resp.status().as_u16(),
            content_type: None,
            response: None,
        });
    }
    s.posts(&[
        (
            "malformed_json",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"#),
            None,
        ),
        (
            "invalid_body",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"hotich","colour":"blue"}"#),
            None,
        ),
        (
            "unknown_service",
            TICKETS,
            TICKETS,
            "kiosk",
            Some(r#"{"service":"xyz"}"#),
            None,
        ),
    ])
    .await;
    s.gets(&[("ticket_not_found", TICKET, "/api/v1/tickets/999", "kiosk")])
        .await;
    s.send(Step::post(
        "unknown_counter",
        &counter_route("call-next"),
        "/api/v1/counters/99/call-next",
        "counter",
        None,
    ))
    .await;
    s.gets(&[("no_such_route", "", "/api/v1/nowhere", "kiosk")])
        .await;
    let mut wrong_method = Step::get("method_not_allowed", QUEUE, QUEUE, "kiosk");
    wrong_method.method = "DELETE";
    s.send(wrong_method).await;
    s.gets(&[(
        "events",
        "/api/v1/events",
        "/api/v1/events?last_event_id=999999",
        "display",
    )])
    .await;

    let last = s
        .json(Step::get("queue_end", QUEUE, QUEUE, "display"))
        .await["last_event_id"]
        .as_i64()
        .unwrap();
    tape.through(last).await;
    // A stream resumed from an id the hub never gave gets `resync`.
    let mut resumed = EventTape::open(&hub.url, Some("999999")).await;
    resumed.until("resync").await;
    let mut events = tape.events;
    events.extend(resumed.events);
    hub.stop().await;
    normalise(s.exchanges, events)
}

/// Replaces what differs between runs: lookup tokens (and their hashes)
/// and session secrets (numbered in order of appearance), check codes in paths, uptime, file
/// sizes and paths.
fn normalise(
    mut exchanges: Vec<Exchange>,
    mut events: Vec<RecordedEvent>,
) -> (Vec<Exchange>, Vec<RecordedEvent>) {
    let mut secrets: BTreeMap<String, String> = BTreeMap::new();
    let mut tokens = 0;
    let mut sessions = 0;
    for x in &exchanges {
        let Some(body) = &x.response else { continue };
        for (key, kind) in [("\"lookup_token\":\"", 0), ("\"session\":\"", 1)] {
            for (at, _) in body.match_indices(key) {
                let rest = &body[at + key.len()..];
                let value = &rest[..rest.find('"').unwrap()];
                if !secrets.contains_key(value) {
                    let placeholder = if kind == 0 {
                        tokens += 1;
                        format!("TOKEN{tokens:03}")
                    } else {
                        sessions += 1;
                        format!("staff-session-{sessions}")
                    };
                    secrets.insert(value.to_owned(), placeholder);
                }
            }
        }
    }
    // The events carry the SHA-256 of each lookup token (`lookup_hash`):
    // random with it.
    let hashes: Vec<(String, String)> = secrets
        .iter()
        .filter(|(_, placeholder)| placeholder.starts_with("TOKEN"))
        .map(|(token, placeholder)| {
            (
                motcua_api::phone::lookup_hash(token),
                format!("HASH-{placeholder}"),
            )
        })
        .collect();
    secrets.extend(hashes);
    let hide = |text: &mut String| {
        for (secret, placeholder) in &secrets {
            *text = text.replace(secret.as_str(), placeholder);
        }
    };
    for x in &mut exchanges {
        hide(&mut x.path);
        // A ticket's check code follows from its (random) lookup token.
        if let Some(at) = x.path.find("check=") {
            let code = at + "check=".len();
            x.path
                .replace_range(code..(code + 4).min(x.path.len()), "CODE");
        }
        for body in [&mut x.request, &mut x.response].into_iter().flatten() {
            hide(body);
            for (key, placeholder) in [
                ("uptime_seconds", "0"),
                ("version", "\"VERSION\""),
                ("path", "\"DATABASE\""),
                ("size_bytes", "0"),
                ("wal_bytes", "0"),
                ("free_bytes", "0"),
            ] {
                let volatile = match key {
                    "uptime_seconds" | "version" => x.route == "/api/v1/health",
                    // The free space of the machine's disk, on both routes.
                    "free_bytes" => x.route == "/api/v1/health" || x.route == "/api/v1/diagnostics",
                    _ => x.route == "/api/v1/diagnostics",
                };
                if volatile {
                    *body = replace_value(body, key, placeholder);
                }
            }
            if x.route == "/api/v1/support-bundles" && x.method == "GET" {
                // The listing's time is the file's, not the hub clock's.
                *body = replace_value(body, "received_at", "\"RECEIVED_AT\"");
            }
        }
    }
    for e in &mut events {
        hide(&mut e.data);
    }
    (exchanges, events)
}

/// `text` with the value of every `"key":` replaced by `placeholder` (a
/// string, number, literal or nested value: counted to its end).
fn replace_value(text: &str, key: &str, placeholder: &str) -> String {
    let needle = format!("\"{key}\":");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        out.push_str(&rest[..at + needle.len()]);
        rest = &rest[at + needle.len()..];
        let end = value_end(rest);
        out.push_str(placeholder);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Where the JSON value at the start of `text` ends.
fn value_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    in_string = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b',' | b'}' | b']' if depth == 0 => return i,
            _ => {}
        }
    }
    bytes.len()
}

fn pretty<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

/// The hub as built answers every recorded request with the recorded bytes
/// and emits the recorded events, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_matches_the_recording() {
    let (exchanges, events) = record_the_day().await;
    let dir = golden_dir();
    if std::env::var_os("MOTCUA_BLESS").is_some() {
        std::fs::write(dir.join("http.json"), pretty(&exchanges)).unwrap();
        std::fs::write(dir.join("events.json"), pretty(&events)).unwrap();
        return;
    }
    let recorded = recorded_exchanges();
    for (now, then) in exchanges.iter().zip(&recorded) {
        assert_eq!(now, then, "exchange {:?} changed on the wire", then.name);
    }
    assert_eq!(
        exchanges.len(),
        recorded.len(),
        "a different number of exchanges"
    );
    let recorded = recorded_events();
    for (now, then) in events.iter().zip(&recorded) {
        assert_eq!(now, then, "event {:?} changed on the wire", then.id);
    }
    assert_eq!(events.len(), recorded.len(), "a different number of events");
}

/// The recording covers the API: every documented route is called, and
/// every kind of event the hub emits is on the tape.
#[test]
fn the_recording_covers_every_route_and_event_kind() {
    let doc = motcua_api::openapi::document();
    let called: std::collections::BTreeSet<(String, String)> = recorded_exchanges()
        .into_iter()
        .map(|x| (x.method.to_lowercase(), x.route))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                called.contains(&(method.clone(), path.clone())),
                "{method} {path} is not in the recording"
            );
        }
    }
    let kinds: std::collections::BTreeSet<String> =
        recorded_events().into_iter().map(|e| e.event).collect();
    for kind in motcua_api::HubEvent::KINDS {
        assert!(kinds.contains(kind), "no {kind} in the recording");
    }
}

/// Reads `text` as a `T` and writes it back: the same bytes, or why not.
/// `sorted`: the body's keys are in alphabetical order on the wire
/// ([`motcua_api::wire`]).
fn round_trip<T: DeserializeOwned + Serialize>(text: &str, sorted: bool) -> Result<(), String> {
    let value: T = serde_json::from_str(text).map_err(|e| format!("does not parse: {e}"))?;
    let back = if sorted {
        motcua_api::wire::sorted_json(&value)
    } else {
        serde_json::to_string(&value)
    }
    .map_err(|e| e.to_string())?;
    if back == text {
        Ok(())
    } else {
        Err(format!(
            "written back differently:\n  was {text}\n  now {back}"
        ))
    }
}

/// The request body type of a route, and whether it reads `text`.
fn request_round_trip(x: &Exchange, text: &str) -> Result<(), String> {
    use motcua_api as api;
    match (x.method.as_str(), x.route.as_str()) {
        ("POST", "/api/v1/tickets") => round_trip::<api::IssueRequest>(text, false),
        ("POST", "/api/v1/tickets/{id}/print-status") => {
            round_trip::<api::PrintStatusRequest>(text, false)
        }
        ("POST", "/api/v1/staff/sign-in") => round_trip::<api::SignInRequest>(text, false),
        ("POST", "/api/v1/counters/{counter}/transfer") => {
            round_trip::<api::TransferRequest>(text, false)
        }
        ("POST", "/api/v1/ratings") => round_trip::<api::RateRequest>(text, false),
        ("POST", "/api/v1/dossiers") => round_trip::<api::FileRequest>(text, false),
        ("POST", "/api/v1/devices/events") => round_trip::<api::DeviceEventRequest>(text, false),
        (method, route) => Err(format!("no request type for {method} {route}")),
    }
}

/// The response body type of a route, and whether it reads `text`.
fn response_round_trip(x: &Exchange, text: &str) -> Result<(), String> {
    use motcua_api as api;
    if x.status >= 400 {
        return round_trip::<api::ErrorBody>(text, false);
    }
    let counter_ticket = [
        "call-next",
        "recall",
        "start",
        "finish",
        "no-show",
        "transfer",
    ];
    match (x.method.as_str(), x.route.as_str()) {
        ("GET", "/api/v1/health") => round_trip::<api::Health>(text, true),
        ("GET", "/api/v1/services") => round_trip::<Vec<api::ServiceInfo>>(text, false),
        ("GET", "/api/v1/priorities") => round_trip::<Vec<api::Priority>>(text, false),
        ("GET", "/api/v1/queue") => round_trip::<api::QueueView>(text, false),
        ("GET", "/api/v1/counters") => round_trip::<Vec<api::CounterView>>(text, false),
        ("POST", "/api/v1/tickets")
        | ("GET", "/api/v1/tickets/{id}")
        | ("POST", "/api/v1/tickets/{id}/print-status")
        | ("POST", "/api/v1/tickets/{id}/cancel") => round_trip::<api::TicketView>(text, false),
        ("GET", "/api/v1/tickets/print-failed") => round_trip::<Vec<api::TicketView>>(text, false),
        ("POST", "/api/v1/staff/sign-in") => round_trip::<api::SignedIn>(text, false),
        ("POST", route) if route.starts_with("/api/v1/counters/{counter}/") => {
            let action = route.rsplit('/').next().unwrap();
            if counter_ticket.contains(&action) {
                round_trip::<api::TicketView>(text, false)
            } else {
                round_trip::<api::CounterView>(text, false)
            }
        }
        ("GET", "/api/v1/calls") => round_trip::<api::Calls>(text, false),
        ("GET", "/api/v1/ratings/options") => round_trip::<api::RatingOptions>(text, false),
        ("GET", "/api/v1/ratings/lookup") => round_trip::<api::RatingLookup>(text, false),
        ("POST", "/api/v1/ratings") => round_trip::<api::RatingView>(text, false),
        ("GET", "/api/v1/stats") => round_trip::<api::DayStats>(text, false),
        ("GET", "/api/v1/procedures") => round_trip::<api::CatalogueView>(text, false),
        ("POST", "/api/v1/dossiers") => round_trip::<api::FiledDossier>(text, false),
        ("GET", "/api/v1/dossiers/{code}") | ("GET", "/api/v1/dossiers") => {
            round_trip::<api::DossierView>(text, false)
        }
        ("POST", "/api/v1/devices/events") => round_trip::<api::DeviceReport>(text, false),
        ("GET", "/api/v1/devices") => round_trip::<api::DeviceList>(text, true),
        ("GET", "/api/v1/diagnostics") => round_trip::<api::HubDiagnostics>(text, false),
        ("POST", "/api/v1/outbox/retry") => round_trip::<api::OutboxRetry>(text, true),
        ("POST", "/api/v1/support-bundles") => round_trip::<api::BundleInfo>(text, false),
        ("GET", "/api/v1/support-bundles") => round_trip::<Vec<api::BundleInfo>>(text, false),
        (method, route) => Err(format!("no response type for {method} {route}")),
    }
}

/// Every recorded body reads into its `motcua-api` type and writes back
/// byte for byte; a request the hub refused as unreadable is refused by
/// the type too.
#[test]
fn recorded_bodies_round_trip_through_the_api_types() {
    let mut failures = Vec::new();
    for x in recorded_exchanges() {
        if let Some(text) = &x.request {
            let refused_as_unreadable = x.response.as_deref().is_some_and(|r| {
                r.contains(r#""code":"malformed_json""#) || r.contains(r#""code":"invalid_body""#)
            });
            match (request_round_trip(&x, text), refused_as_unreadable) {
                (Ok(()), false) | (Err(_), true) => {}
                (Ok(()), true) => {
                    failures.push(format!("{}: the type reads a refused request", x.name))
                }
                (Err(why), false) => failures.push(format!("{} request: {why}", x.name)),
            }
        }
        if let Some(text) = &x.response {
            if let Err(why) = response_round_trip(&x, text) {
                failures.push(format!("{} response: {why}", x.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every recorded event reads into its `HubEvent` variant (refusing nothing
/// of it: no field outside the schema) and writes back byte for byte.
#[test]
fn recorded_events_round_trip_through_hub_event() {
    for e in recorded_events() {
        let read = motcua_api::StreamEvent::parse(&e.event, &e.data)
            .unwrap_or_else(|err| panic!("event {:?} {}: {err}", e.id, e.event));
        assert_eq!(read.event.kind(), e.event);
        assert_eq!(read.id, e.id);
        let back = match (&read.event, read.at_ms, read.id) {
            (motcua_api::HubEvent::Resync(r), None, _) => motcua_api::wire::sorted_json(r).unwrap(),
            (event, Some(at_ms), Some(id)) => motcua_api::EventRecord {
                id,
                at_ms,
                event: event.clone(),
            }
            .sse_data(),
            other => panic!("event {:?}: unexpected {other:?}", e.id),
        };
        assert_eq!(back, e.data, "event {:?} {}", e.id, e.event);
        if e.event != "resync" {
            let frame: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            motcua_api::HubEvent::from_parts_strict(&e.event, frame["data"].clone())
                .unwrap_or_else(|err| panic!("event {:?}: {err}", e.id));
        }
    }
}
