//! `GET /api/v1/events`: the live stream of everything that happens, as
//! Server-Sent Events whose ids are the `events` table's ids.
//!
//! A client that reconnects with `Last-Event-ID` (header, or the
//! `last_event_id` query parameter for clients that cannot set headers)
//! first receives every event it missed, read back from the database, then
//! the live stream. When the gap is larger than the configured replay window
//! it receives one `resync` event instead and should reload `/api/v1/queue`.
//!
//! Bounded per client: the replay is read from the database a page at a
//! time, as the client takes it, through a small buffer; one token holds at
//! most `hub.event_streams_per_token` streams at once (one more gets `503
//! busy`); and a client that stops reading is disconnected after
//! `hub.send_timeout_seconds` (`crate::web::connections`), which frees
//! everything held for it.
//!
//! Ordering without loss: the stream subscribes to the live bus *before*
//! reading the database, and events are published only after they are
//! committed. Anything committed before the read is in the read; anything
//! after is on the bus; duplicates are skipped by id.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use motcua_api::{EventFrame, EventsQuery, Resync};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use super::reply::Routes;
use crate::config::Role;
use crate::hub::auth::{bearer, Principal};
use crate::hub::error::ApiError;
use crate::hub::state::Hub;
use crate::store::{self, StoreError, StoredEvent};
use crate::web::extract::Query;

/// Events waiting between the database (or the live bus) and the client,
/// already in their SSE form; also the size of a replay page, which is read
/// only once the channel has room for all of it. A client that stops
/// reading holds this channel and what hyper queued for its socket (at
/// most `web::connections`' write buffer): tens of KB, where a page of
/// parsed events held across the wait took ~300 KB per client.
const BUFFER: usize = 16;

/// The event stream's route.
pub fn router() -> Routes {
    Routes::new().route("/api/v1/events", get(events))
}

/// The SSE handler.
async fn events(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    headers: HeaderMap,
    Query(query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter, Role::Display])?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .unwrap_or_default();
    let slot = hub.streams.open(token).ok_or_else(|| {
        ApiError::busy(
            &format!(
                "mã truy cập này đã mở {} luồng sự kiện",
                hub.streams.per_token()
            ),
            &format!(
                "this token already has {} event streams open",
                hub.streams.per_token()
            ),
        )
    })?;
    let last_id = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::bad_query("Last-Event-ID must be an event id"))?,
        ),
        None => query.last_event_id,
    };
    let (tx, rx) = mpsc::channel::<Event>(BUFFER);
    let bus = hub.bus.subscribe();
    tokio::spawn(async move {
        pump(hub, bus, last_id, tx).await;
        // The stream's place is free once its client is gone.
        drop(slot);
    });
    let stream = ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn to_sse(event: &StoredEvent) -> Event {
    let frame = EventFrame {
        at_ms: event.at_ms,
        data: event.data.clone(),
        id: event.id,
    };
    Event::default()
        .id(event.id.to_string())
        .event(event.kind.clone())
        .data(frame.to_sse_data())
}

/// Sends `events` with id > `last`; returns the new last id, or `None` when
/// the client has gone.
async fn send_all(tx: &mpsc::Sender<Event>, events: &[StoredEvent], mut last: i64) -> Option<i64> {
    for e in events {
        if e.id > last {
            tx.send(to_sse(e)).await.ok()?;
            last = e.id;
        }
    }
    Some(last)
}

/// Replays from the database everything after `last`; `None` when the
/// client has gone.
async fn replay(
    hub: &Hub,
    tx: &mpsc::Sender<Event>,
    mut last: i64,
) -> Option<Result<i64, StoreError>> {
    loop {
        // Room first, then the read: a client that has stopped reading
        // leaves its stream waiting here, holding no page.
        let permits = tx.reserve_many(BUFFER).await.ok()?;
        let turn = hub.streams.read_turn().await;
        // Parsed events are big (a JSON tree each); only their SSE text
        // leaves the reading thread.
        let page = hub
            .store
            .read(move |conn| {
                store::events_after(conn, last, BUFFER as u32)
                    .map(|events| events.iter().map(|e| (e.id, to_sse(e))).collect::<Vec<_>>())
            })
            .await;
        drop(turn);
        let page = match page {
            Ok(page) => page,
            Err(err) => return Some(Err(err)),
        };
        let full = page.len() == BUFFER;
        for ((id, event), permit) in page.into_iter().zip(permits) {
            if id > last {
                permit.send(event);
                last = id;
            }
        }
        if !full {
            return Some(Ok(last));
        }
    }
}

async fn pump(
    hub: Arc<Hub>,
    mut bus: broadcast::Receiver<StoredEvent>,
    last_id: Option<i64>,
    tx: mpsc::Sender<Event>,
) {
    // `wait_for` below also sees a shutdown that happened before this line.
    let mut shutdown = hub.shutdown.subscribe();
    let turn = hub.streams.read_turn().await;
    let newest = hub.store.read(store::last_event_id).await;
    drop(turn);
    let newest = match newest {
        Ok(id) => id,
        Err(err) => {
            tracing::warn!(%err, "event stream cannot read the newest id");
            return;
        }
    };
    let mut last = match last_id {
        None => newest,
        Some(id) if id > newest || newest - id > i64::from(hub.rules.config.hub.event_replay) => {
            // Too old to replay (or from another database): start over.
            let resync = Event::default()
                .id(newest.to_string())
                .event("resync")
                .data(
                    motcua_api::wire::sorted_json(&Resync {
                        last_event_id: newest,
                    })
                    .unwrap_or_default(),
                );
            if tx.send(resync).await.is_err() {
                return;
            }
            newest
        }
        Some(id) => match replay(&hub, &tx, id).await {
            Some(Ok(last)) => last,
            Some(Err(err)) => {
                tracing::warn!(%err, "event replay failed");
                return;
            }
            None => return,
        },
    };
    loop {
        tokio::select! {
            received = bus.recv() => match received {
                Ok(event) => match send_all(&tx, std::slice::from_ref(&event), last).await {
                    Some(l) => last = l,
                    None => return,
                },
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    // This client fell behind the live bus: the database has
                    // everything, so catch up from there.
                    tracing::debug!(skipped, "event stream lagged; replaying from the database");
                    match replay(&hub, &tx, last).await {
                        Some(Ok(l)) => last = l,
                        _ => return,
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tx.closed() => return,
            _ = async { shutdown.wait_for(|stopping| *stopping).await.map(|_| ()) } => return,
        }
    }
}
