//! The routes of `/city/v1`: ingestion from the offices, the JSON API for
//! the city's readers, the shared catalogue and calendar, the live channel
//! as Server-Sent Events, and a health check. Handlers are thin: they
//! check the caller, then call `ingest`, `kpi` or `releases`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use futures_util::StreamExt;
use motcua_api::{
    CityKpis, KpiQuery, PublishCalendar, PublishCatalogue, UnitDetail, UnitKpisRow,
    UnitRegistration,
};
use serde::de::DeserializeOwned;
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::{bearer, token_digest, Reader};
use crate::config::{check_unit_code, CityRole, MIN_TOKEN_LEN};
use crate::error::ApiError;
use crate::kpi::{self, Scope};
use crate::live::LiveMessage;
use crate::releases::{self, Kind};
use crate::City;

/// Largest ingest body: 2,000 events of a few hundred bytes, with room.
const INGEST_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Every route of the service.
pub fn router(city: Arc<City>) -> Router {
    Router::new()
        .route(
            "/city/v1/ingest",
            post(ingest).layer(DefaultBodyLimit::max(INGEST_BODY_LIMIT)),
        )
        .route("/city/v1/units", get(units))
        .route("/city/v1/units/{unit_code}", get(unit).put(register_unit))
        .route("/city/v1/kpis", get(city_kpis))
        .route(
            "/city/v1/catalogue",
            get(get_catalogue).post(publish_catalogue),
        )
        .route(
            "/city/v1/calendar",
            get(get_calendar).post(publish_calendar),
        )
        .route("/city/v1/live", get(live))
        .route("/city/v1/health", get(health))
        .merge(crate::dashboard::router())
        .merge(crate::phone::router())
        .fallback(|| async { ApiError::not_found() })
        .with_state(city)
}

/// A JSON body read with the house's errors: `400 malformed_json` for
/// syntax, `422 invalid_body` for fields.
fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                motcua_api::ErrorCode::MalformedJson,
                format!("Nội dung không phải JSON hợp lệ: {e}"),
                format!("The body is not valid JSON: {e}"),
            )
        } else {
            ApiError::invalid_body(e)
        }
    })
}

async fn ingest(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = bearer(&headers)
        .ok_or_else(ApiError::unauthorized)?
        .to_owned();
    let batch = crate::ingest::check_body(&body, city.tz)?;
    let answer = crate::ingest::store::ingest(&city, &token, batch).await?;
    Ok(Json(answer).into_response())
}

async fn units(State(city): State<Arc<City>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let reader = city.readers.reader(&headers)?;
    reader.require(&[CityRole::City, CityRole::UnitViewer])?;
    let client = city.pool.get().await?;
    let mut all = kpi::summaries(&client, city.today(), city.tz).await?;
    all.retain(|u| reader.may_see(&u.unit_code));
    Ok(Json(all).into_response())
}

/// The unit `unit_code` if `reader` may see it.
async fn visible_unit(
    city: &City,
    reader: &Reader,
    client: &tokio_postgres::Client,
    unit_code: &str,
) -> Result<kpi::UnitRow, ApiError> {
    reader.require(&[CityRole::City, CityRole::UnitViewer])?;
    if !reader.may_see(unit_code) {
        return Err(ApiError::forbidden());
    }
    let _ = city;
    kpi::unit(client, unit_code)
        .await?
        .ok_or_else(|| ApiError::unit_not_found(unit_code))
}

fn query<T: DeserializeOwned + Default>(raw: Option<Query<T>>) -> T {
    raw.map(|Query(q)| q).unwrap_or_default()
}

async fn unit(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Path(unit_code): Path<String>,
    q: Result<Query<KpiQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let reader = city.readers.reader(&headers)?;
    let q = query(Some(q.map_err(ApiError::bad_query)?));
    let client = city.pool.get().await?;
    let row = visible_unit(&city, reader, &client, &unit_code).await?;
    let today = city.today();
    let date = q.date.unwrap_or(today);
    let kpis = kpi::kpis(&client, Scope::Unit(row.unit_id), date, city.clockface()).await?;
    let summary = kpi::summaries(&client, today, city.tz)
        .await?
        .into_iter()
        .find(|s| s.unit_code == row.unit_code)
        .ok_or_else(|| ApiError::unit_not_found(&unit_code))?;
    Ok(Json(UnitDetail {
        summary,
        group: row.group,
        hub_version: row.hub_version,
        kiosks_seen: row.kiosks_seen,
        catalogue: row.catalogue,
        calendar: row.calendar,
        kpis,
    })
    .into_response())
}

async fn register_unit(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Path(unit_code): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    city.readers.reader(&headers)?.require(&[CityRole::City])?;
    check_unit_code(&unit_code).map_err(|m| ApiError::invalid_body(format!("unit_code: {m}")))?;
    let reg: UnitRegistration = json_body(&body)?;
    if reg.token.len() < MIN_TOKEN_LEN {
        return Err(ApiError::invalid_body(format!(
            "token: at least {MIN_TOKEN_LEN} characters"
        )));
    }
    if reg.name.trim().is_empty() {
        return Err(ApiError::invalid_body("name: empty"));
    }
    let client = city.pool.get().await?;
    let created = crate::server::upsert_unit(
        &client,
        &unit_code,
        &reg.name,
        reg.group.as_deref(),
        &reg.token,
    )
    .await
    .map_err(|e| match e {
        crate::server::UnitError::TokenTaken => {
            ApiError::invalid_body("token: another unit has this token")
        }
        crate::server::UnitError::Db(db) => db.into(),
    })?;
    let summary = kpi::summaries(&client, city.today(), city.tz)
        .await?
        .into_iter()
        .find(|s| s.unit_code == unit_code)
        .ok_or_else(|| ApiError::unit_not_found(&unit_code))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary)).into_response())
}

async fn city_kpis(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    q: Result<Query<KpiQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    city.readers.reader(&headers)?.require(&[CityRole::City])?;
    let q = query(Some(q.map_err(ApiError::bad_query)?));
    let date = q.date.unwrap_or_else(|| city.today());
    let client = city.pool.get().await?;
    let at = city.clockface();
    let (all, mut each, units) = tokio::try_join!(
        kpi::kpis(&client, Scope::City, date, at),
        kpi::kpis_by_unit(&client, date, at),
        kpi::units(&client),
    )?;
    let units = units
        .into_iter()
        .map(|u| UnitKpisRow {
            kpis: each.remove(&u.unit_id).unwrap_or_else(|| kpi::empty(date)),
            unit_code: u.unit_code,
        })
        .collect();
    Ok(Json(CityKpis { city: all, units }).into_response())
}

/// Hubs (their office token) and any reader may read releases.
async fn may_read_releases(city: &City, headers: &HeaderMap) -> Result<(), ApiError> {
    if city.readers.reader(headers).is_ok() {
        return Ok(());
    }
    let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
    let client = city.pool.get().await?;
    client
        .query_opt(
            "SELECT 1 FROM units WHERE token_sha256 = $1",
            &[&token_digest(token)],
        )
        .await?
        .map(|_| ())
        .ok_or_else(ApiError::unauthorized)
}

fn if_none_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_NONE_MATCH)?.to_str().ok()
}

async fn get_release(city: &City, headers: &HeaderMap, kind: Kind) -> Result<Response, ApiError> {
    may_read_releases(city, headers).await?;
    let client = city.pool.get().await?;
    // An unchanged release costs one index lookup and no body.
    if let (Some(tag), Some(version)) = (
        if_none_match(headers),
        releases::latest_version(&client, kind).await?,
    ) {
        if tag.split(',').any(|t| t.trim() == kind.etag(version)) {
            return Ok(with_etag(
                StatusCode::NOT_MODIFIED.into_response(),
                kind,
                version,
            ));
        }
    }
    let (version, at, body) = releases::latest(&client, kind)
        .await?
        .ok_or_else(|| ApiError::release_not_found(kind.as_str()))?;
    let response =
        match kind {
            Kind::Catalogue => releases::catalogue_release(version, at, body, city.tz)
                .map(|r| Json(r).into_response()),
            Kind::Calendar => releases::calendar_release(version, at, body, city.tz)
                .map(|r| Json(r).into_response()),
        }
        .map_err(ApiError::internal)?;
    Ok(with_etag(response, kind, version))
}

fn with_etag(mut response: Response, kind: Kind, version: i64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&kind.etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

async fn get_catalogue(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    get_release(&city, &headers, Kind::Catalogue).await
}

async fn get_calendar(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    get_release(&city, &headers, Kind::Calendar).await
}

async fn publish(city: &City, kind: Kind, body: serde_json::Value) -> Result<Response, ApiError> {
    let mut client = city.pool.get().await?;
    let (version, at) = releases::publish(&mut client, kind, &body).await?;
    tracing::info!(kind = kind.as_str(), version, "release published");
    let response = match kind {
        Kind::Catalogue => releases::catalogue_release(version, at, body, city.tz)
            .map(|r| (StatusCode::CREATED, Json(r)).into_response()),
        Kind::Calendar => releases::calendar_release(version, at, body, city.tz)
            .map(|r| (StatusCode::CREATED, Json(r)).into_response()),
    }
    .map_err(ApiError::internal)?;
    Ok(with_etag(response, kind, version))
}

async fn publish_catalogue(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    city.readers.reader(&headers)?.require(&[CityRole::City])?;
    let release: PublishCatalogue = json_body(&body)?;
    releases::check_catalogue(&release).map_err(ApiError::invalid_release)?;
    let value = serde_json::to_value(&release).map_err(ApiError::internal)?;
    publish(&city, Kind::Catalogue, value).await
}

async fn publish_calendar(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    city.readers.reader(&headers)?.require(&[CityRole::City])?;
    let release: PublishCalendar = json_body(&body)?;
    releases::check_calendar(&release).map_err(ApiError::invalid_release)?;
    let value = serde_json::to_value(&release).map_err(ApiError::internal)?;
    publish(&city, Kind::Calendar, value).await
}

/// `GET /city/v1/live`: the live channel as Server-Sent Events — `unit`
/// events (a [`motcua_api::LiveUpdate`] each, for the units the reader may
/// see) and `reload` when updates may have been missed.
async fn live(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let reader = city.readers.reader(&headers)?.clone();
    reader.require(&[CityRole::City, CityRole::UnitViewer, CityRole::Technician])?;
    let mut shutdown = city.shutdown.subscribe();
    let messages = BroadcastStream::new(city.live.subscribe())
        .filter_map(move |m| {
            futures_util::future::ready(match m {
                Ok(LiveMessage::Update(u)) => {
                    // Technicians see that a unit was heard from; figures
                    // are not theirs, but unit codes and ids are fleet data.
                    let visible =
                        reader.role == CityRole::Technician || reader.may_see(&u.unit_code);
                    visible.then(|| {
                        Event::default()
                            .event("unit")
                            .json_data(&u)
                            .unwrap_or_else(|_| Event::default().event("reload").data("{}"))
                    })
                }
                // Reconnected, or this subscriber fell behind the channel.
                Ok(LiveMessage::Reconnected) | Err(_) => {
                    Some(Event::default().event("reload").data("{}"))
                }
            })
        })
        .map(Ok::<_, Infallible>)
        .take_until(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        });
    Ok(Sse::new(messages).keep_alive(KeepAlive::default()))
}

/// `GET /city/v1/health`: unauthenticated, for load balancers.
async fn health(State(city): State<Arc<City>>) -> Response {
    let db = match city.pool.get().await {
        Ok(client) => client.query_one("SELECT 1", &[]).await.is_ok(),
        Err(_) => false,
    };
    let status = if db {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "status": if db { "ok" } else { "fail" },
            "version": env!("CARGO_PKG_VERSION"),
            "now": kpi::rfc3339(city.now(), city.tz),
        })),
    )
        .into_response()
}
