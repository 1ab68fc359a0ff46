//! The citizen's phone pages on the city's public address, opened from the
//! QR codes on paper: `GET /t/{unit}/{id}?k=` (a ticket's place in line),
//! `GET /d/{unit}/{code}?k=` (a dossier's progress), their live updates
//! (`…/events?k=`, Server-Sent Events) and `POST /t/{unit}/{id}/rating?k=`.
//!
//! The HTML is the hub's own ([`motcua_phone`]): the city only builds the
//! page's view ([`TicketPage`], [`DossierPage`]) from its projections.
//!
//! - **Capability, not sign-in**: the office never sends the lookup token,
//!   only its SHA-256 (`lookup_hash` on `ticket.issued` and
//!   `dossier.received`). The page's `k` is hashed and compared with it in
//!   constant time. A wrong token, an unknown unit or an unknown id get the
//!   same `404` page, byte for byte.
//! - **No personal data**: the views carry numbers, service and procedure
//!   names, counters and times only (the projections hold nothing else).
//! - **Rate limit**: a token bucket per client address (`[phone]
//!   rate_per_minute`), `429` beyond it; live streams are bounded
//!   (`max_streams`), last at most `stream_minutes`, and end when their
//!   reader does not take an update within `send_timeout_seconds`.
//! - **Rating**: stored once per ticket in `phone_ratings`, pending until
//!   the office's hub holds it (see [`pending`] and [`ack`], and
//!   `docs/CITY.md` for the exactly-once argument).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeZone, Utc};
use futures_util::StreamExt;
use motcua_api::phone::{
    lookup_hash, DossierPage, DossierStep, DossierStepKind, PhoneCounter, PhoneRate, PhoneRating,
    TicketPage,
};
use motcua_api::{
    PendingRating, PendingRatings, RatingLevel, RatingOptions, RatingReason, RatingsAck,
    RatingsAcked, TicketState,
};
use motcua_phone::{Lang, PageUrls, RateLimiter};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc, OwnedSemaphorePermit, Semaphore};

use crate::auth::{bearer, token_digest};
use crate::config::PhoneConfig;
use crate::error::ApiError;
use crate::live::LiveMessage;
use crate::City;

/// Recent services averaged for the estimate (the hubs' default
/// `queue.estimate_window`).
const ESTIMATE_WINDOW: i64 = 20;
/// Service time before the day has any history (the hubs' default
/// `queue.default_service_minutes`).
const DEFAULT_SERVICE_MINUTES: f64 = 8.0;
/// Pending ratings given to a hub per request.
const PENDING_PAGE: i64 = 100;

/// The phone pages' shared limits on one instance.
pub struct Phone {
    pub config: PhoneConfig,
    limiter: RateLimiter,
    streams: Arc<Semaphore>,
}

impl Phone {
    pub fn new(config: PhoneConfig) -> Self {
        Self {
            limiter: RateLimiter::new(config.rate_per_minute),
            streams: Arc::new(Semaphore::new(config.max_streams)),
            config,
        }
    }

    /// Live streams open now.
    pub fn open_streams(&self) -> usize {
        self.config.max_streams - self.streams.available_permits()
    }
}

/// The client's address as the connection gives it (the server is made
/// with `into_make_service_with_connect_info::<ClientAddr>()`).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

impl Connected<axum::serve::IncomingStream<'_, crate::tls::TlsListener>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// The caller's IP address (unspecified when the server was built without
/// connection info, as in unit tests).
struct Caller(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Caller(
            parts
                .extensions
                .get::<ConnectInfo<ClientAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0 .0.ip()),
        ))
    }
}

/// `?k=…&lang=en`; anything else in the query is ignored.
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    k: String,
    #[serde(default)]
    lang: Option<String>,
}

impl PageQuery {
    fn lang(&self) -> Lang {
        Lang::from_query(self.lang.as_deref())
    }
}

/// The query as given; a malformed one reads as empty (and so opens
/// nothing).
type QueryResult = Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>;

fn page_query(q: QueryResult) -> PageQuery {
    q.map(|Query(q)| q).unwrap_or_default()
}

/// The routes (outside the dashboard's sign-in and CSRF: the token in the
/// URL is the capability).
pub fn router() -> Router<Arc<City>> {
    Router::new()
        .route("/t/{unit}/{id}", get(ticket_page))
        .route("/t/{unit}/{id}/events", get(ticket_events))
        .route("/t/{unit}/{id}/rating", post(rate))
        .route("/d/{unit}/{code}", get(dossier_page))
        .route("/d/{unit}/{code}/events", get(dossier_events))
        .route("/city/v1/ratings/pending", get(pending))
        .route("/city/v1/ratings/ack", post(ack))
}

/// Why a page is not shown.
enum Refusal {
    /// Unknown unit, unknown id or wrong token: one answer for all.
    NotFound,
    TooMany,
    Internal(String),
}

impl From<tokio_postgres::Error> for Refusal {
    fn from(e: tokio_postgres::Error) -> Self {
        Refusal::Internal(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for Refusal {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Refusal::Internal(e.to_string())
    }
}

impl Refusal {
    fn respond(self, lang: Lang) -> Response {
        match self {
            Refusal::NotFound => html(StatusCode::NOT_FOUND, motcua_phone::not_found_html(lang)),
            Refusal::TooMany => {
                let mut r = html(
                    StatusCode::TOO_MANY_REQUESTS,
                    motcua_phone::too_many_html(lang),
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
                r
            }
            Refusal::Internal(message) => {
                tracing::warn!(%message, "phone page");
                ApiError::internal(message).into_response()
            }
        }
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    let h = r.headers_mut();
    // A capability URL must not leak through caches or referrers.
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    r
}

fn allowed(city: &City, caller: &Caller) -> Result<(), Refusal> {
    if city.phone.limiter.allow(caller.0, Instant::now()) {
        Ok(())
    } else {
        Err(Refusal::TooMany)
    }
}

/// Constant-time comparison of two hex digests.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether `k` opens something whose stored hash is `stored`.
fn opens(stored: Option<&str>, k: &str) -> bool {
    // Hash even when nothing is stored: the same work either way.
    let given = lookup_hash(k);
    match stored {
        Some(stored) if !k.is_empty() => same_digest(stored, &given),
        _ => false,
    }
}

/// Percent-encodes a query value (tokens are URL-safe already; this keeps
/// anything else from breaking the page's links).
fn q(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Path segments as they were given (unit codes are `[0-9A-Za-z.]`).
fn seg(value: &str) -> String {
    q(value)
}

fn urls(kind: &str, unit: &str, id: &str, pq: &PageQuery) -> PageUrls {
    let base = format!("/{kind}/{}/{}", seg(unit), seg(id));
    let k = q(&pq.k);
    let (lang_suffix, toggle) = match pq.lang() {
        Lang::En => ("&lang=en", format!("{base}?k={k}")),
        Lang::Vi => ("", format!("{base}?k={k}&lang=en")),
    };
    PageUrls {
        events: format!("{base}/events?k={k}{lang_suffix}"),
        rate: format!("{base}/rating?k={k}{lang_suffix}"),
        lang_toggle: toggle,
    }
}

fn page_url(kind: &str, unit: &str, id: &str, pq: &PageQuery) -> String {
    let lang = match pq.lang() {
        Lang::En => "&lang=en",
        Lang::Vi => "",
    };
    format!("/{kind}/{}/{}?k={}{lang}", seg(unit), seg(id), q(&pq.k))
}

fn rfc3339_ms(city: &City, ms: i64) -> Option<String> {
    let t: DateTime<Utc> = Utc.timestamp_millis_opt(ms).single()?;
    Some(crate::kpi::rfc3339(t, city.tz))
}

// ---------------------------------------------------------------- tickets

/// A ticket as the projections hold it.
struct TicketFacts {
    unit_id: i32,
    page: TicketPage,
}

/// The ticket's page, or `NotFound` for an unknown one or a wrong token.
async fn ticket_view(city: &City, unit: &str, id: &str, k: &str) -> Result<TicketFacts, Refusal> {
    let Ok(id) = id.parse::<i64>() else {
        lookup_hash(k);
        return Err(Refusal::NotFound);
    };
    let client = city.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT u.unit_id, u.name, t.business_date, t.number, t.service, t.priority, \
             t.state, t.counter, t.issued_ms, t.finished_ms, t.lookup_hash, \
             COALESCE(t.service_name_vi, ''), COALESCE(t.service_name_en, '') \
             FROM units u JOIN tickets t ON t.unit_id = u.unit_id \
             WHERE u.unit_code = $1 AND t.ticket_id = $2 \
             ORDER BY t.business_date DESC LIMIT 1",
            &[&unit, &id],
        )
        .await?;
    let Some(row) = row else {
        lookup_hash(k);
        return Err(Refusal::NotFound);
    };
    if !opens(row.get::<_, Option<&str>>(10), k) {
        return Err(Refusal::NotFound);
    }
    let unit_id: i32 = row.get(0);
    let date: chrono::NaiveDate = row.get(2);
    let service: String = row.get(4);
    let priority: Option<String> = row.get(5);
    let state = TicketState::parse(row.get(6)).unwrap_or(TicketState::Issued);
    let counter: Option<i32> = row.get(7);
    let issued_ms: Option<i64> = row.get(8);
    let finished_ms: Option<i64> = row.get(9);

    let counters = client
        .query(
            "SELECT counter, COALESCE(name, ''), COALESCE(state, '') FROM counters \
             WHERE unit_id = $1 AND $2 = ANY(services) ORDER BY counter",
            &[&unit_id, &service],
        )
        .await?;
    let counters: Vec<PhoneCounter> = counters
        .iter()
        .map(|r| PhoneCounter {
            number: r.get::<_, i32>(0).max(0) as u32,
            name: r.get(1),
            open: r.get::<_, &str>(2) == "open",
        })
        .collect();

    let (people_ahead, estimated_wait_minutes) = if state.is_waiting() {
        // As the hub counts (store::tickets::count_ahead): waiting tickets
        // of the service issued earlier; a priority ticket counts only
        // the priority ones.
        let ahead: i64 = client
            .query_one(
                "SELECT count(*) FROM tickets WHERE unit_id = $1 AND business_date = $2 \
                 AND service = $3 AND state IN ('issued', 'transferred') \
                 AND (issued_ms < $4 OR (issued_ms = $4 AND ticket_id < $5)) \
                 AND (NOT $6 OR priority IS NOT NULL)",
                &[
                    &unit_id,
                    &date,
                    &service,
                    &issued_ms.unwrap_or(i64::MAX),
                    &id,
                    &priority.is_some(),
                ],
            )
            .await?
            .get(0);
        let recent: Vec<i64> = client
            .query(
                "SELECT (finished_ms - COALESCE(started_ms, called_ms)) / 1000 FROM tickets \
                 WHERE unit_id = $1 AND business_date = $2 AND service = $3 \
                 AND state = 'done' AND finished_ms IS NOT NULL \
                 AND COALESCE(started_ms, called_ms) IS NOT NULL \
                 ORDER BY finished_ms DESC LIMIT $4",
                &[&unit_id, &date, &service, &ESTIMATE_WINDOW],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let open = counters.iter().filter(|c| c.open).count() as u32;
        let ahead = ahead.max(0) as u32;
        (ahead, estimate(ahead, &recent, open, counters.len() as u32))
    } else {
        (0, 0)
    };

    let rating = rating_state(city, &client, unit_id, id, state, finished_ms).await?;
    let called_counter = match state {
        TicketState::Called | TicketState::Serving => counter.map(|c| c.max(0) as u32),
        _ => None,
    };
    Ok(TicketFacts {
        unit_id,
        page: TicketPage {
            unit_name: row.get(1),
            number: row.get(3),
            service,
            service_name_vi: row.get(11),
            service_name_en: row.get(12),
            state,
            people_ahead,
            estimated_wait_minutes,
            counters,
            called_counter,
            rating,
        },
    })
}

/// The hubs' estimate (`domain::estimate`): people ahead × the mean of
/// the day's recent service times (8 minutes before any), shared among
/// the open counters of the service (or all that serve it, none open).
pub fn estimate(ahead: u32, recent_secs: &[i64], open: u32, serving: u32) -> u32 {
    if ahead == 0 {
        return 0;
    }
    let usable: Vec<i64> = recent_secs.iter().copied().filter(|s| *s >= 0).collect();
    let avg = if usable.is_empty() {
        DEFAULT_SERVICE_MINUTES * 60.0
    } else {
        usable.iter().sum::<i64>() as f64 / usable.len() as f64
    };
    let counters = if open > 0 { open } else { serving.max(1) };
    (f64::from(ahead) * avg / f64::from(counters) / 60.0).ceil() as u32
}

fn options(config: &PhoneConfig) -> RatingOptions {
    let reasons = config
        .reasons
        .iter()
        .map(|r| RatingReason {
            code: r.code.clone(),
            name_vi: r.name_vi.clone(),
            name_en: r.name_en.clone(),
        })
        .collect();
    RatingOptions::with_reasons(true, reasons)
}

/// Rated (at the office, or here and on its way), open, or not (yet).
async fn rating_state(
    city: &City,
    client: &tokio_postgres::Client,
    unit_id: i32,
    ticket: i64,
    state: TicketState,
    finished_ms: Option<i64>,
) -> Result<PhoneRating, Refusal> {
    let given = client
        .query_opt(
            "SELECT level FROM ratings WHERE unit_id = $1 AND ticket_id = $2 \
             UNION ALL SELECT level FROM phone_ratings WHERE unit_id = $1 AND ticket_id = $2 \
             LIMIT 1",
            &[&unit_id, &ticket],
        )
        .await?;
    if let Some(level) = given.and_then(|r| RatingLevel::parse(r.get(0))) {
        return Ok(PhoneRating::Done { level });
    }
    Ok(match state {
        TicketState::Done => {
            let window = i64::from(city.phone.config.rating_window_minutes) * 60_000;
            let finished = finished_ms.unwrap_or(0);
            if city.now().timestamp_millis() - finished > window {
                PhoneRating::Closed
            } else {
                PhoneRating::Open {
                    options: options(&city.phone.config),
                }
            }
        }
        TicketState::NoShow | TicketState::Cancelled => PhoneRating::Closed,
        _ => PhoneRating::NotYet,
    })
}

async fn ticket_page(
    State(city): State<Arc<City>>,
    caller: Caller,
    Path((unit, id)): Path<(String, String)>,
    query: QueryResult,
) -> Response {
    let pq = page_query(query);
    let lang = pq.lang();
    let result = async {
        allowed(&city, &caller)?;
        ticket_view(&city, &unit, &id, &pq.k).await
    }
    .await;
    match result {
        Ok(facts) => html(
            StatusCode::OK,
            motcua_phone::ticket_html(&facts.page, lang, &urls("t", &unit, &id, &pq)),
        ),
        Err(refusal) => refusal.respond(lang),
    }
}

/// A rating as posted: a form (`level=…&reasons=…&reasons=…`) or JSON.
fn read_rate(headers: &HeaderMap, body: &[u8]) -> Option<(PhoneRate, bool)> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        return serde_json::from_slice::<PhoneRate>(body)
            .ok()
            .map(|r| (r, true));
    }
    let mut level = None;
    let mut reasons = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "level" => level = RatingLevel::parse(&value),
            "reasons" | "reasons[]" | "reason" => reasons.push(value.into_owned()),
            _ => {}
        }
    }
    Some((
        PhoneRate {
            level: level?,
            reasons,
        },
        false,
    ))
}

/// Reasons kept: known codes, once each, with "Không hài lòng" only.
fn clean_reasons(config: &PhoneConfig, rate: &PhoneRate) -> Vec<String> {
    if rate.level != RatingLevel::Unsatisfied {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for r in &rate.reasons {
        if config.reasons.iter().any(|c| &c.code == r) && !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

async fn rate(
    State(city): State<Arc<City>>,
    caller: Caller,
    Path((unit, id)): Path<(String, String)>,
    query: QueryResult,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pq = page_query(query);
    let lang = pq.lang();
    if let Err(refusal) = allowed(&city, &caller) {
        return refusal.respond(lang);
    }
    let facts = match ticket_view(&city, &unit, &id, &pq.k).await {
        Ok(f) => f,
        Err(refusal) => return refusal.respond(lang),
    };
    let Some((rate, json)) = read_rate(&headers, &body) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(motcua_phone::ticket_html(
                &facts.page,
                lang,
                &urls("t", &unit, &id, &pq),
            )),
        )
            .into_response();
    };
    let ticket: i64 = id.parse().unwrap_or_default();
    // The answer is the page's view (what the page's script renders): a
    // rating stored now or before shows as "rated" with the level kept —
    // a second rating changes nothing and the page says it was rated.
    let status = match &facts.page.rating {
        PhoneRating::Open { .. } => {
            let reasons = clean_reasons(&city.phone.config, &rate);
            if let Err(refusal) =
                store_rating(&city, facts.unit_id, ticket, rate.level, &reasons).await
            {
                return refusal.respond(lang);
            }
            StatusCode::OK
        }
        PhoneRating::Done { .. } => StatusCode::OK,
        // Not finished, or too late: the page says which.
        PhoneRating::NotYet | PhoneRating::Closed => StatusCode::UNPROCESSABLE_ENTITY,
    };
    if !json {
        return Redirect::to(&page_url("t", &unit, &id, &pq)).into_response();
    }
    match ticket_view(&city, &unit, &id, &pq.k).await {
        Ok(f) => (status, Json(f.page)).into_response(),
        Err(refusal) => refusal.respond(lang),
    }
}

/// Stores a phone rating, pending its relay; `false` when the ticket had
/// one already (the first one stays).
async fn store_rating(
    city: &City,
    unit_id: i32,
    ticket: i64,
    level: RatingLevel,
    reasons: &[String],
) -> Result<bool, Refusal> {
    let client = city.pool.get().await?;
    let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
    let stored = client
        .execute(
            "INSERT INTO phone_ratings (unit_id, ticket_id, level, reasons, rated_at) \
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
             (SELECT 1 FROM ratings WHERE unit_id = $1 AND ticket_id = $2) \
             ON CONFLICT (unit_id, ticket_id) DO NOTHING",
            &[&unit_id, &ticket, &level.as_str(), &reasons, &city.now()],
        )
        .await?;
    Ok(stored == 1)
}

// --------------------------------------------------------------- dossiers

/// The shipped procedure catalogue, for names when the city has published
/// none.
fn shipped_catalogue() -> &'static [motcua_api::Procedure] {
    static SHIPPED: OnceLock<Vec<motcua_api::Procedure>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        crate::simulate::publish::read_catalogue(include_str!("../../data/procedures.toml"))
            .map(|c| c.procedures)
            .unwrap_or_default()
    })
}

async fn dossier_view(
    city: &City,
    unit: &str,
    code: &str,
    k: &str,
) -> Result<DossierPage, Refusal> {
    let client = city.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT u.name, d.procedure, d.received_ms, d.due_ms, d.sent_ms, d.processing_ms, \
             d.result_ms, d.status, d.lookup_hash \
             FROM units u JOIN dossiers d ON d.unit_id = u.unit_id \
             WHERE u.unit_code = $1 AND d.code = $2",
            &[&unit, &code],
        )
        .await?;
    let Some(row) = row else {
        lookup_hash(k);
        return Err(Refusal::NotFound);
    };
    if !opens(row.get::<_, Option<&str>>(8), k) {
        return Err(Refusal::NotFound);
    }
    let unit_name: String = row.get(0);
    let procedure: Option<String> = row.get(1);
    let procedure = procedure.unwrap_or_default();
    let published: Option<serde_json::Value> = client
        .query_opt(
            "SELECT body -> 'procedures' FROM releases WHERE kind = 'catalogue' \
             ORDER BY version DESC LIMIT 1",
            &[],
        )
        .await?
        .and_then(|r| r.get(0));
    let found = published
        .and_then(|v| serde_json::from_value::<Vec<motcua_api::Procedure>>(v).ok())
        .and_then(|all| all.into_iter().find(|p| p.code == procedure))
        .or_else(|| {
            shipped_catalogue()
                .iter()
                .find(|p| p.code == procedure)
                .cloned()
        });
    let (name_vi, name_en, office_vi, office_en) = match &found {
        Some(p) => (
            p.name_vi.clone(),
            p.name_en.clone(),
            p.office_vi.clone(),
            p.office_en.clone(),
        ),
        None => (
            procedure.clone(),
            procedure.clone(),
            String::new(),
            String::new(),
        ),
    };
    let at = |i: usize| -> Option<String> {
        row.get::<_, Option<i64>>(i)
            .and_then(|ms| rfc3339_ms(city, ms))
    };
    let step = |kind: DossierStepKind, at: Option<String>| DossierStep {
        kind,
        done: at.is_some(),
        at,
    };
    let steps = vec![
        step(DossierStepKind::Received, at(2)),
        step(DossierStepKind::SentToPortal, at(4)),
        step(DossierStepKind::Processing, at(5)),
        step(DossierStepKind::ResultReady, at(6)),
        // Collection is recorded at the counter, not federated yet.
        step(DossierStepKind::Collected, None),
    ];
    let place = |office: &str, desk: &str| {
        if office.is_empty() {
            format!("{desk} — {unit_name}")
        } else {
            format!("{desk} — {unit_name} ({office})")
        }
    };
    Ok(DossierPage {
        unit_name: unit_name.clone(),
        code: code.to_owned(),
        procedure_name_vi: name_vi,
        procedure_name_en: name_en,
        steps,
        due_at: at(3),
        collect_where_vi: place(&office_vi, "Bộ phận Tiếp nhận và Trả kết quả"),
        collect_where_en: place(&office_en, "One-stop reception and results desk"),
        bring_vi: vec![
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".into(),
            "Giấy tờ tùy thân có ảnh (bản chính)".into(),
        ],
        bring_en: vec![
            "The receipt with the appointment to collect the result".into(),
            "Photo identity document (original)".into(),
        ],
        training: false,
    })
}

async fn dossier_page(
    State(city): State<Arc<City>>,
    caller: Caller,
    Path((unit, code)): Path<(String, String)>,
    query: QueryResult,
) -> Response {
    let pq = page_query(query);
    let lang = pq.lang();
    let result = async {
        allowed(&city, &caller)?;
        dossier_view(&city, &unit, &code, &pq.k).await
    }
    .await;
    match result {
        Ok(page) => html(
            StatusCode::OK,
            motcua_phone::dossier_html(&page, lang, &urls("d", &unit, &code, &pq)),
        ),
        Err(refusal) => refusal.respond(lang),
    }
}

// ------------------------------------------------------------ live pages

/// What a live stream shows.
#[derive(Clone)]
enum Subject {
    Ticket { unit: String, id: String },
    Dossier { unit: String, code: String },
}

impl Subject {
    fn unit(&self) -> &str {
        match self {
            Subject::Ticket { unit, .. } | Subject::Dossier { unit, .. } => unit,
        }
    }

    /// The view as an SSE event, or why not.
    async fn event(&self, city: &City, k: &str) -> Result<(String, Event), Refusal> {
        let (name, json) = match self {
            Subject::Ticket { unit, id } => (
                "ticket",
                serde_json::to_string(&ticket_view(city, unit, id, k).await?.page),
            ),
            Subject::Dossier { unit, code } => (
                "dossier",
                serde_json::to_string(&dossier_view(city, unit, code, k).await?),
            ),
        };
        let json = json.map_err(|e| Refusal::Internal(e.to_string()))?;
        Ok((json.clone(), Event::default().event(name).data(json)))
    }
}

async fn ticket_events(
    State(city): State<Arc<City>>,
    caller: Caller,
    Path((unit, id)): Path<(String, String)>,
    query: QueryResult,
) -> Response {
    live_page(
        city,
        caller,
        Subject::Ticket { unit, id },
        page_query(query),
    )
    .await
}

async fn dossier_events(
    State(city): State<Arc<City>>,
    caller: Caller,
    Path((unit, code)): Path<(String, String)>,
    query: QueryResult,
) -> Response {
    live_page(
        city,
        caller,
        Subject::Dossier { unit, code },
        page_query(query),
    )
    .await
}

/// The page's view now, then again after every change of its unit (the
/// live channel: an ingest of that unit committed), while it differs.
async fn live_page(city: Arc<City>, caller: Caller, subject: Subject, pq: PageQuery) -> Response {
    let lang = pq.lang();
    if let Err(refusal) = allowed(&city, &caller) {
        return refusal.respond(lang);
    }
    let Ok(permit) = Arc::clone(&city.phone.streams).try_acquire_owned() else {
        return Refusal::TooMany.respond(lang);
    };
    // Subscribed before the first view: no change falls in between.
    let updates = city.live.subscribe();
    let first = match subject.event(&city, &pq.k).await {
        Ok(first) => first,
        Err(refusal) => return refusal.respond(lang),
    };
    let (tx, rx) = mpsc::channel::<Event>(1);
    tokio::spawn(feed(city, subject, pq.k, first, updates, tx, permit));
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Feeds one stream; holds its slot (`permit`) until it ends: at the
/// stream's lifetime, the service's shutdown, a reader gone, or one that
/// does not take an update within the send timeout.
async fn feed(
    city: Arc<City>,
    subject: Subject,
    k: String,
    first: (String, Event),
    mut updates: broadcast::Receiver<LiveMessage>,
    tx: mpsc::Sender<Event>,
    _permit: OwnedSemaphorePermit,
) {
    let config = &city.phone.config;
    let send_timeout = Duration::from_secs(config.send_timeout_seconds);
    let end = tokio::time::Instant::now() + Duration::from_secs(config.stream_minutes * 60);
    let mut shutdown = city.shutdown.subscribe();
    let (mut last, event) = first;
    if tx.send_timeout(event, send_timeout).await.is_err() {
        return;
    }
    loop {
        let changed = tokio::select! {
            m = updates.recv() => match m {
                Ok(LiveMessage::Update(u)) => u.unit_code == subject.unit(),
                Ok(LiveMessage::Reconnected) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tokio::time::sleep_until(end) => return,
            _ = shutdown.wait_for(|s| *s) => return,
            _ = tx.closed() => return,
        };
        if !changed {
            continue;
        }
        match subject.event(&city, &k).await {
            Ok((json, event)) if json != last => {
                last = json;
                if tx.send_timeout(event, send_timeout).await.is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(Refusal::Internal(message)) => {
                tracing::debug!(%message, "phone stream: view not read; next change retries");
            }
            Err(_) => return,
        }
    }
}

// ------------------------------------------------- the relay to the hubs

/// The unit whose office token `headers` carry.
async fn office(city: &City, headers: &HeaderMap) -> Result<i32, ApiError> {
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    let client = city.pool.get().await?;
    client
        .query_opt(
            "SELECT unit_id FROM units WHERE token_sha256 = $1",
            &[&token_digest(token)],
        )
        .await?
        .map(|r| r.get(0))
        .ok_or_else(ApiError::unauthorized)
}

/// `GET /city/v1/ratings/pending` (the office's token): its phone ratings
/// the hub does not hold yet, oldest first.
async fn pending(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
) -> Result<Json<PendingRatings>, ApiError> {
    let unit_id = office(&city, &headers).await?;
    let client = city.pool.get().await?;
    let rows = client
        .query(
            "SELECT ticket_id, level, reasons, rated_at FROM phone_ratings \
             WHERE unit_id = $1 AND delivered_at IS NULL ORDER BY rated_at, ticket_id LIMIT $2",
            &[&unit_id, &PENDING_PAGE],
        )
        .await?;
    let ratings = rows
        .iter()
        .filter_map(|r| {
            Some(PendingRating {
                ticket: r.get(0),
                level: RatingLevel::parse(r.get(1))?,
                reasons: r.get(2),
                rated_at: crate::kpi::rfc3339(r.get(3), city.tz),
            })
        })
        .collect();
    Ok(Json(PendingRatings { ratings }))
}

/// `POST /city/v1/ratings/ack` (the office's token): the hub holds these
/// tickets' ratings now.
async fn ack(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RatingsAcked>, ApiError> {
    let unit_id = office(&city, &headers).await?;
    let body: RatingsAck = serde_json::from_slice(&body).map_err(ApiError::invalid_body)?;
    let client = city.pool.get().await?;
    let acked = client
        .execute(
            "UPDATE phone_ratings SET delivered_at = now() \
             WHERE unit_id = $1 AND ticket_id = ANY($2) AND delivered_at IS NULL",
            &[&unit_id, &body.tickets],
        )
        .await?;
    Ok(Json(RatingsAcked {
        acked: acked as u32,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_hubs() {
        assert_eq!(estimate(0, &[600], 1, 1), 0);
        // 3 people × 8 min / 1 counter.
        assert_eq!(estimate(3, &[], 1, 2), 24);
        // mean 5 min; 4 people over 2 open counters.
        assert_eq!(estimate(4, &[240, 360], 2, 3), 10);
        // none open: shared among those that serve it.
        assert_eq!(estimate(4, &[300], 0, 2), 10);
    }

    #[test]
    fn digests_compare_whole() {
        let h = lookup_hash("ABCD2345");
        assert!(opens(Some(&h), "ABCD2345"));
        assert!(!opens(Some(&h), "ABCD2346"));
        assert!(!opens(Some(&h), ""));
        assert!(!opens(None, "ABCD2345"));
    }

    #[test]
    fn links_keep_the_token_and_language() {
        let pq = PageQuery {
            k: "AB&C".into(),
            lang: Some("en".into()),
        };
        let u = urls("t", "000.25.31.H26", "42", &pq);
        assert_eq!(u.events, "/t/000.25.31.H26/42/events?k=AB%26C&lang=en");
        assert_eq!(u.rate, "/t/000.25.31.H26/42/rating?k=AB%26C&lang=en");
        assert_eq!(u.lang_toggle, "/t/000.25.31.H26/42?k=AB%26C");
    }

    #[test]
    fn form_ratings_read_repeated_reasons() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let (r, json) = read_rate(&h, b"level=unsatisfied&reasons=slow&reasons=attitude").unwrap();
        assert!(!json);
        assert_eq!(r.level, RatingLevel::Unsatisfied);
        assert_eq!(r.reasons, ["slow", "attitude"]);
        let config = PhoneConfig::default();
        let mut twice = r.clone();
        twice.reasons.push("slow".into());
        twice.reasons.push("made-up".into());
        assert_eq!(clean_reasons(&config, &twice), ["slow", "attitude"]);
        assert!(read_rate(&h, b"level=great").is_none());
    }
}
