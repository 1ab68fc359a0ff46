//! The citizen's phone pages on the office Wi-Fi (outside `/api/v1`, no
//! bearer token: the capability is the QR code's `k`):
//!
//! - `GET /t/{id}?k=…[&lang=en]`: the ticket page (HTML);
//! - `GET /t/{id}/events?k=…`: its Server-Sent Events, `event: ticket`
//!   with the whole [`TicketPage`] each time the queue changes it;
//! - `POST /t/{id}/rating?k=…`: a rating, as a form (answered `303` back
//!   to the page) or as JSON [`PhoneRate`] (answered with the page's JSON);
//! - `GET /d/{code}?k=…`, `GET /d/{code}/events?k=…`: the dossier page
//!   and its stream (`event: dossier`).
//!
//! A wrong token and an unknown id get the same `404` with the same bytes
//! (`motcua_phone::not_found_html`). Each client address may make
//! `hub.phone_rate_per_minute` requests a minute (`429` beyond). A stream
//! takes a place among its address's event streams
//! (`hub.event_streams_per_token`, counted under `phone:{address}`), and a
//! phone that stops reading is disconnected after
//! `hub.send_timeout_seconds` like any other stream.
//!
//! The pages are `motcua-phone`'s, the same the city service serves.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use motcua_api::phone::{DossierPage, PhoneRate, TicketPage};
use motcua_api::RatingLevel;
use motcua_phone::{
    dossier_html, not_found_html, ticket_html, too_many_html, Lang, PageUrls, RateLimiter,
};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::hub::error::ApiError;
use crate::hub::phone;
use crate::hub::state::Hub;

/// A rating form or JSON body is a few dozen bytes.
const MAX_BODY: usize = 4 * 1024;

/// Pages waiting between the hub and a slow phone.
const BUFFER: usize = 4;

/// What the phone routes share.
struct PhoneState {
    hub: Arc<Hub>,
    limiter: RateLimiter,
}

/// The phone pages' routes, with their own state (the rate limiter).
pub fn router(hub: Arc<Hub>) -> Router {
    let per_minute = hub.rules.config.hub.phone_rate_per_minute;
    let state = Arc::new(PhoneState {
        hub,
        limiter: RateLimiter::new(per_minute),
    });
    Router::new()
        .route("/t/{id}", get(ticket))
        .route("/t/{id}/events", get(ticket_events))
        .route("/t/{id}/rating", post(rate))
        .route("/d/{code}", get(dossier))
        .route("/d/{code}/events", get(dossier_events))
        .with_state(state)
}

/// The client's address (the connection's peer; the hub is not behind a
/// proxy on the office LAN). Unknown (in-process requests): `0.0.0.0`.
struct Client(IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// The page's query: the token `k` and the language.
struct Asked {
    k: String,
    lang: Lang,
}

fn asked(query: Option<String>) -> Asked {
    let mut k = String::new();
    let mut lang = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "k" => k = value.into_owned(),
            "lang" => lang = Some(value.into_owned()),
            _ => {}
        }
    }
    Asked {
        k,
        lang: Lang::from_query(lang.as_deref()),
    }
}

/// An HTML answer that no cache keeps (it holds a capability), that sends
/// no referrer (the URL holds the token), and whose only script and style
/// are its own.
fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                 connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ],
        body,
    )
        .into_response()
}

fn not_found(lang: Lang) -> Response {
    html(StatusCode::NOT_FOUND, not_found_html(lang))
}

impl PhoneState {
    /// The `429` when `client` is over its budget.
    fn refused(&self, client: IpAddr, lang: Lang) -> Option<Response> {
        if self.limiter.allow(client, Instant::now()) {
            return None;
        }
        let mut r = html(StatusCode::TOO_MANY_REQUESTS, too_many_html(lang));
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        Some(r)
    }

    async fn ticket_page(&self, id: i64, k: &str) -> Result<Option<TicketPage>, ApiError> {
        let rules = self.hub.rules.clone();
        let now = self.hub.now();
        let k = k.to_owned();
        self.hub
            .store
            .read(move |conn| phone::ticket_page(&rules, conn, id, &k, now))
            .await
    }

    async fn dossier_page(&self, code: &str, k: &str) -> Result<Option<DossierPage>, ApiError> {
        let rules = self.hub.rules.clone();
        let filing = Arc::clone(&self.hub.filing);
        let (code, k) = (code.to_owned(), k.to_owned());
        let tz = rules.tz;
        self.hub
            .store
            .read(move |conn| phone::dossier_page(&rules, &filing, conn, &code, &k, tz))
            .await
    }
}

/// `k` as a query value.
fn encoded(k: &str) -> String {
    form_urlencoded::byte_serialize(k.as_bytes()).collect()
}

/// The links of the page at `base` (`/t/12`).
fn urls(base: &str, k: &str, lang: Lang) -> PageUrls {
    let k = encoded(k);
    let en = if lang == Lang::En { "&lang=en" } else { "" };
    PageUrls {
        events: format!("{base}/events?k={k}"),
        rate: format!("{base}/rating?k={k}{en}"),
        lang_toggle: match lang {
            Lang::Vi => format!("{base}?k={k}&lang=en"),
            Lang::En => format!("{base}?k={k}"),
        },
    }
}

async fn ticket(
    State(s): State<Arc<PhoneState>>,
    Client(client): Client,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let ask = asked(query);
    if let Some(refused) = s.refused(client, ask.lang) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(ask.lang);
    };
    match s.ticket_page(id, &ask.k).await {
        Ok(Some(page)) => html(
            StatusCode::OK,
            ticket_html(
                &page,
                ask.lang,
                &urls(&format!("/t/{id}"), &ask.k, ask.lang),
            ),
        ),
        Ok(None) => not_found(ask.lang),
        Err(err) => err.into_response(),
    }
}

async fn dossier(
    State(s): State<Arc<PhoneState>>,
    Client(client): Client,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let ask = asked(query);
    if let Some(refused) = s.refused(client, ask.lang) {
        return refused;
    }
    match s.dossier_page(&code, &ask.k).await {
        Ok(Some(page)) => {
            let base = format!("/d/{}", encoded(&code));
            html(
                StatusCode::OK,
                dossier_html(&page, ask.lang, &urls(&base, &ask.k, ask.lang)),
            )
        }
        Ok(None) => not_found(ask.lang),
        Err(err) => err.into_response(),
    }
}

/// Reads a rating as JSON or as the page's form (`level=…&reasons=…`).
fn rating_body(json: bool, raw: &[u8]) -> Option<PhoneRate> {
    if json {
        return serde_json::from_slice(raw).ok();
    }
    let mut level = None;
    let mut reasons = Vec::new();
    for (key, value) in form_urlencoded::parse(raw) {
        match &*key {
            "level" => level = RatingLevel::parse(&value),
            "reasons" => reasons.push(value.into_owned()),
            _ => {}
        }
    }
    Some(PhoneRate {
        level: level?,
        reasons,
    })
}

async fn rate(
    State(s): State<Arc<PhoneState>>,
    Client(client): Client,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let ask = asked(query);
    if let Some(refused) = s.refused(client, ask.lang) {
        return refused;
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let raw = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let Ok(id) = id.parse::<i64>() else {
        return not_found(ask.lang);
    };
    // The token first: a wrong one learns nothing more than a bad body.
    match s.ticket_page(id, &ask.k).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(ask.lang),
        Err(err) => return err.into_response(),
    }
    let outcome = match rating_body(json, &raw) {
        Some(body) => {
            let rules = s.hub.rules.clone();
            let now = s.hub.now();
            let k = ask.k.clone();
            s.hub
                .store
                .write(move |ctx| phone::rate(&rules, ctx, id, &k, &body, now))
                .await
        }
        None => Err(ApiError::invalid_body(
            "give level (very_satisfied, satisfied, unsatisfied) and reasons",
        )),
    };
    if let Err(err) = &outcome {
        tracing::debug!(ticket = id, error = %err.message_en, "phone rating refused");
    }
    let page_url = urls(&format!("/t/{id}"), &ask.k, ask.lang);
    if !json {
        // The form's answer: back to the page, which shows the thanks (or
        // the form again).
        let back = match ask.lang {
            Lang::Vi => page_url.lang_toggle.replace("&lang=en", ""),
            Lang::En => format!("{}&lang=en", page_url.lang_toggle),
        };
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, back)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::SEE_OTHER.into_response());
    }
    match s.ticket_page(id, &ask.k).await {
        Ok(Some(page)) => {
            let status = match &outcome {
                Ok(()) => StatusCode::OK,
                Err(err) => err.status,
            };
            json_page(status, &page)
        }
        Ok(None) => not_found(ask.lang),
        Err(err) => err.into_response(),
    }
}

fn json_page(status: StatusCode, page: &impl Serialize) -> Response {
    match serde_json::to_string(page) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(_) => ApiError::internal().into_response(),
    }
}

/// What a stream follows: the ticket's page or the dossier's.
#[derive(Clone)]
enum Followed {
    Ticket(i64),
    Dossier(String),
}

impl Followed {
    /// The SSE event name.
    fn event(&self) -> &'static str {
        match self {
            Followed::Ticket(_) => "ticket",
            Followed::Dossier(_) => "dossier",
        }
    }

    /// Whether an event of `kind` may change the page.
    fn touched_by(&self, kind: &str) -> bool {
        match self {
            Followed::Ticket(_) => kind.starts_with("ticket.") || kind.starts_with("counter."),
            Followed::Dossier(_) => kind.starts_with("dossier."),
        }
    }

    /// The page's JSON now; `None` when it is gone (or the token is wrong).
    async fn page(&self, s: &PhoneState, k: &str) -> Result<Option<String>, ApiError> {
        let text = |v: Result<String, serde_json::Error>| v.map_err(|_| ApiError::internal());
        match self {
            Followed::Ticket(id) => s
                .ticket_page(*id, k)
                .await?
                .map(|p| text(serde_json::to_string(&p)))
                .transpose(),
            Followed::Dossier(code) => s
                .dossier_page(code, k)
                .await?
                .map(|p| text(serde_json::to_string(&p)))
                .transpose(),
        }
    }
}

async fn ticket_events(
    State(s): State<Arc<PhoneState>>,
    Client(client): Client,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match id.parse::<i64>() {
        Ok(id) => stream(s, client, Followed::Ticket(id), query).await,
        Err(_) => not_found(asked(query).lang),
    }
}

async fn dossier_events(
    State(s): State<Arc<PhoneState>>,
    Client(client): Client,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    stream(s, client, Followed::Dossier(code), query).await
}

/// The stream of a page: the page at once, then again whenever an event
/// that may change it commits and it did change.
async fn stream(
    s: Arc<PhoneState>,
    client: IpAddr,
    followed: Followed,
    query: Option<String>,
) -> Response {
    let ask = asked(query);
    if let Some(refused) = s.refused(client, ask.lang) {
        return refused;
    }
    // Subscribed before the first read: nothing committed in between is
    // missed.
    let bus = s.hub.bus.subscribe();
    let first = match followed.page(&s, &ask.k).await {
        Ok(Some(first)) => first,
        Ok(None) => return not_found(ask.lang),
        Err(err) => return err.into_response(),
    };
    let Some(slot) = s.hub.streams.open(&format!("phone:{client}")) else {
        return ApiError::busy(
            "Thiết bị này đã mở quá nhiều trang theo dõi.",
            "This device has too many live pages open.",
        )
        .into_response();
    };
    let (tx, rx) = mpsc::channel::<Event>(BUFFER);
    tokio::spawn(async move {
        follow(&s, bus, &followed, &ask.k, first, &tx).await;
        drop(slot);
    });
    let events = ReceiverStream::new(rx).map(Ok::<_, std::convert::Infallible>);
    let mut r = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

async fn follow(
    s: &PhoneState,
    mut bus: broadcast::Receiver<crate::store::StoredEvent>,
    followed: &Followed,
    k: &str,
    first: String,
    tx: &mpsc::Sender<Event>,
) {
    let mut shutdown = s.hub.shutdown.subscribe();
    let name = followed.event();
    if tx
        .send(Event::default().event(name).data(&first))
        .await
        .is_err()
    {
        return;
    }
    let mut last = first;
    loop {
        let changed = tokio::select! {
            received = bus.recv() => match received {
                Ok(event) => followed.touched_by(&event.kind),
                // Behind the bus: read the page again, whatever was missed.
                Err(broadcast::error::RecvError::Lagged(_)) => true,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tx.closed() => return,
            _ = async { shutdown.wait_for(|stopping| *stopping).await.map(|_| ()) } => return,
        };
        if !changed {
            continue;
        }
        // Events committed together (a call and its counter) make one
        // read: take what is already queued first.
        while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = bus.try_recv() {}
        let page = match followed.page(s, k).await {
            Ok(Some(page)) => page,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err.message_en, "phone page stream cannot read the page");
                return;
            }
        };
        if page != last {
            if tx
                .send(Event::default().event(name).data(&page))
                .await
                .is_err()
            {
                return;
            }
            last = page;
        }
    }
}
