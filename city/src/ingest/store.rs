//! One ingest batch, one PostgreSQL transaction.
//!
//! The unit's `units` row is locked first (`FOR UPDATE`): two pushes of the
//! same unit — a hub's retry racing its first attempt, or two instances of
//! the service — take turns, and each sees the watermark the other left.
//! Only events above it are stored, so nothing is ever stored twice and no
//! conflict handling is needed on the log itself: it is written with a
//! binary `COPY`, the fastest path PostgreSQL has. The projections are
//! upserted from arrays (`unnest`), a statement per table per batch, all
//! sent at once on the connection (tokio-postgres pipelines them). The
//! live notification is part of the transaction: PostgreSQL delivers it at
//! commit, never for a batch that rolled back.

use bytes::{BufMut, BytesMut};
use futures_util::{pin_mut, SinkExt, TryFutureExt};
use motcua_api::{IngestResponse, LiveUpdate};
use serde_json::Value;

use super::{CheckedBatch, CheckedEvent, IngestError, Projection};
use crate::auth::token_digest;
use crate::City;

/// The channel of the live updates (`LISTEN motcua_city_live`).
pub const LIVE_CHANNEL: &str = "motcua_city_live";

/// Stores a checked batch for the unit whose token is `token`.
pub async fn ingest(
    city: &City,
    token: &str,
    batch: CheckedBatch,
) -> Result<IngestResponse, IngestError> {
    let mut client = city.pool.get().await?;
    let unit = client
        .query_opt(
            "SELECT unit_id, unit_code FROM units WHERE token_sha256 = $1",
            &[&token_digest(token)],
        )
        .await?
        .ok_or(IngestError::Unauthorized)?;
    let unit_id: i32 = unit.get(0);
    let unit_code: String = unit.get(1);
    if unit_code != batch.unit_code {
        return Err(IngestError::WrongUnit {
            token_unit: unit_code,
            named: batch.unit_code,
        });
    }
    city.partitions
        .ensure(&city.pool, batch.events.iter().map(|e| e.day))
        .await?;

    let tx = client.transaction().await?;
    let watermark: i64 = tx
        .query_one(
            "SELECT last_event_id FROM units WHERE unit_id = $1 FOR UPDATE",
            &[&unit_id],
        )
        .await?
        .get(0);
    if let Some(after) = batch.after {
        if after > watermark {
            return Err(IngestError::Gap {
                after,
                last_event_id: watermark,
            });
        }
    }
    let fresh: Vec<&CheckedEvent> = batch.events.iter().filter(|e| e.id > watermark).collect();
    let last = fresh.last().map_or(watermark, |e| e.id);
    if !fresh.is_empty() {
        copy_events(&tx, unit_id, &fresh).await?;
        let projection = super::project(fresh.iter().copied());
        let today = city.today();
        tokio::try_join!(
            upsert_tickets(&tx, unit_id, &projection),
            upsert_dossiers(&tx, unit_id, &projection),
            insert_ratings(&tx, unit_id, &projection),
            devices_and_counters(&tx, unit_id, &projection),
            mark_stale(&tx, unit_id, &projection, today),
        )?;
    }
    let hub = &batch.hub;
    let update = LiveUpdate {
        unit_code: unit_code.clone(),
        last_event_id: last,
        stored: fresh.len() as u32,
    };
    let payload = serde_json::to_string(&update).unwrap_or_default();
    let catalogue = serde_json::to_value(&hub.catalogue).unwrap_or(Value::Null);
    let calendar = serde_json::to_value(&hub.calendar).unwrap_or(Value::Null);
    let kiosks_seen = serde_json::to_value(&hub.kiosks_seen).unwrap_or(Value::Null);
    // The service's clock (the system's, or a test's): alerts compare it.
    let seen = city.now();
    let unit_params: [&(dyn tokio_postgres::types::ToSql + Sync); 9] = [
        &unit_id,
        &last,
        &hub.version,
        &hub.office_name,
        &hub.kiosks,
        &catalogue,
        &calendar,
        &seen,
        &kiosks_seen,
    ];
    let notify_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&LIVE_CHANNEL, &payload];
    tokio::try_join!(
        tx.execute(
            "UPDATE units SET last_event_id = $2, last_seen = $8, hub_version = $3, \
             office_name = $4, kiosks = $5, catalogue = $6, calendar = $7, kiosks_seen = $9 \
             WHERE unit_id = $1",
            &unit_params,
        ),
        tx.execute("SELECT pg_notify($1, $2)", &notify_params),
    )?;
    tx.commit().await?;
    Ok(IngestResponse {
        last_event_id: last,
        stored: fresh.len() as u32,
    })
}

/// The events in PostgreSQL's binary `COPY` format, built in one buffer
/// and sent in one message: rows of (unit_id int4, event_id int8, day
/// date, at_ms int8, kind text, data json), the payload as the hub's text.
fn copy_payload(unit_id: i32, events: &[&CheckedEvent]) -> bytes::Bytes {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's date epoch.
    const PG_EPOCH_DAYS: i32 = 10_957;
    let size: usize = events
        .iter()
        .map(|e| 60 + e.kind.len() + e.data.len())
        .sum();
    let mut out = BytesMut::with_capacity(19 + size + 2);
    out.put_slice(b"PGCOPY\n\xff\r\n\0");
    out.put_i32(0); // flags
    out.put_i32(0); // header extension length
    for e in events {
        out.put_i16(6);
        out.put_i32(4);
        out.put_i32(unit_id);
        out.put_i32(8);
        out.put_i64(e.id);
        out.put_i32(4);
        let days = e
            .day
            .signed_duration_since(chrono::NaiveDate::default())
            .num_days() as i32;
        out.put_i32(days - PG_EPOCH_DAYS);
        out.put_i32(8);
        out.put_i64(e.at_ms);
        out.put_i32(e.kind.len() as i32);
        out.put_slice(e.kind.as_bytes());
        out.put_i32(e.data.len() as i32);
        out.put_slice(e.data.as_bytes());
    }
    out.put_i16(-1);
    out.freeze()
}

async fn copy_events(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    events: &[&CheckedEvent],
) -> Result<(), tokio_postgres::Error> {
    let sink = tx
        .copy_in("COPY events (unit_id, event_id, day, at_ms, kind, data) FROM STDIN BINARY")
        .await?;
    pin_mut!(sink);
    sink.send(copy_payload(unit_id, events)).await?;
    sink.finish().await?;
    Ok(())
}

async fn upsert_tickets(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    p: &Projection,
) -> Result<(), tokio_postgres::Error> {
    if p.tickets.is_empty() {
        return Ok(());
    }
    let t = &p.tickets;
    let col = |i: usize| t.iter().map(|r| r.times[i]).collect::<Vec<_>>();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO tickets (unit_id, business_date, ticket_id, number, service, priority, \
             state, counter, issued_ms, called_ms, started_ms, finished_ms, keep_mask, \
             dossier_code, print_status, last_event_id, lookup_hash, service_name_vi, \
             service_name_en) \
             SELECT $1, * FROM unnest($2::date[], $3::int8[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::int4[], $9::int8[], $10::int8[], $11::int8[], \
             $12::int8[], $13::int2[], $14::text[], $15::text[], $16::int8[], $17::text[], \
             $18::text[], $19::text[]) \
             ON CONFLICT (business_date, unit_id, ticket_id) DO UPDATE SET \
             number = EXCLUDED.number, service = EXCLUDED.service, \
             priority = EXCLUDED.priority, state = EXCLUDED.state, counter = EXCLUDED.counter, \
             issued_ms = CASE WHEN EXCLUDED.keep_mask & 1 <> 0 \
                 THEN COALESCE(tickets.issued_ms, EXCLUDED.issued_ms) ELSE EXCLUDED.issued_ms END, \
             called_ms = CASE WHEN EXCLUDED.keep_mask & 2 <> 0 \
                 THEN COALESCE(tickets.called_ms, EXCLUDED.called_ms) ELSE EXCLUDED.called_ms END, \
             started_ms = CASE WHEN EXCLUDED.keep_mask & 4 <> 0 \
                 THEN COALESCE(tickets.started_ms, EXCLUDED.started_ms) ELSE EXCLUDED.started_ms END, \
             finished_ms = CASE WHEN EXCLUDED.keep_mask & 8 <> 0 \
                 THEN COALESCE(tickets.finished_ms, EXCLUDED.finished_ms) ELSE EXCLUDED.finished_ms END, \
             keep_mask = EXCLUDED.keep_mask, \
             dossier_code = COALESCE(EXCLUDED.dossier_code, tickets.dossier_code), \
             print_status = EXCLUDED.print_status, last_event_id = EXCLUDED.last_event_id, \
             lookup_hash = COALESCE(EXCLUDED.lookup_hash, tickets.lookup_hash), \
             service_name_vi = EXCLUDED.service_name_vi, \
             service_name_en = EXCLUDED.service_name_en \
             WHERE tickets.last_event_id < EXCLUDED.last_event_id",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &unit_id,
            &t.iter().map(|r| r.business_date).collect::<Vec<_>>(),
            &t.iter().map(|r| r.ticket_id).collect::<Vec<_>>(),
            &t.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(),
            &t.iter().map(|r| r.service.as_str()).collect::<Vec<_>>(),
            &t.iter().map(|r| r.priority.as_deref()).collect::<Vec<_>>(),
            &t.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(),
            &t.iter().map(|r| r.counter).collect::<Vec<_>>(),
            &col(0),
            &col(1),
            &col(2),
            &col(3),
            &t.iter().map(|r| r.keep_mask).collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.dossier_code.as_deref())
                .collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.print_status.as_deref())
                .collect::<Vec<_>>(),
            &t.iter().map(|r| r.last_event_id).collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.lookup_hash.as_deref())
                .collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.service_name_vi.as_str())
                .collect::<Vec<_>>(),
            &t.iter()
                .map(|r| r.service_name_en.as_str())
                .collect::<Vec<_>>(),
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_dossiers(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    p: &Projection,
) -> Result<(), tokio_postgres::Error> {
    if p.dossiers.is_empty() {
        return Ok(());
    }
    let d = &p.dossiers;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO dossiers (unit_id, code, business_date, procedure, channel, \
             received_ms, due_ms, sent_ms, result_ms, status, delivery_failures, last_event_id, \
             lookup_hash, processing_ms) \
             SELECT $1, * FROM unnest($2::text[], $3::date[], $4::text[], $5::text[], \
             $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::text[], $11::int4[], \
             $12::int8[], $13::text[], $14::int8[]) \
             ON CONFLICT (unit_id, code) DO UPDATE SET \
             business_date = COALESCE(dossiers.business_date, EXCLUDED.business_date), \
             procedure = COALESCE(dossiers.procedure, EXCLUDED.procedure), \
             channel = COALESCE(dossiers.channel, EXCLUDED.channel), \
             received_ms = COALESCE(dossiers.received_ms, EXCLUDED.received_ms), \
             due_ms = COALESCE(dossiers.due_ms, EXCLUDED.due_ms), \
             sent_ms = COALESCE(dossiers.sent_ms, EXCLUDED.sent_ms), \
             result_ms = COALESCE(dossiers.result_ms, EXCLUDED.result_ms), \
             status = COALESCE(EXCLUDED.status, dossiers.status), \
             delivery_failures = dossiers.delivery_failures + EXCLUDED.delivery_failures, \
             last_event_id = EXCLUDED.last_event_id, \
             lookup_hash = COALESCE(dossiers.lookup_hash, EXCLUDED.lookup_hash), \
             processing_ms = COALESCE(dossiers.processing_ms, EXCLUDED.processing_ms) \
             WHERE dossiers.last_event_id < EXCLUDED.last_event_id",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &unit_id,
            &d.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            &d.iter().map(|r| r.business_date).collect::<Vec<_>>(),
            &d.iter().map(|r| r.procedure.as_deref()).collect::<Vec<_>>(),
            &d.iter().map(|r| r.channel.as_deref()).collect::<Vec<_>>(),
            &d.iter().map(|r| r.received_ms).collect::<Vec<_>>(),
            &d.iter().map(|r| r.due_ms).collect::<Vec<_>>(),
            &d.iter().map(|r| r.sent_ms).collect::<Vec<_>>(),
            &d.iter().map(|r| r.result_ms).collect::<Vec<_>>(),
            &d.iter().map(|r| r.status.as_deref()).collect::<Vec<_>>(),
            &d.iter().map(|r| r.delivery_failures).collect::<Vec<_>>(),
            &d.iter().map(|r| r.last_event_id).collect::<Vec<_>>(),
            &d.iter()
                .map(|r| r.lookup_hash.as_deref())
                .collect::<Vec<_>>(),
            &d.iter().map(|r| r.processing_ms).collect::<Vec<_>>(),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_ratings(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    p: &Projection,
) -> Result<(), tokio_postgres::Error> {
    if p.ratings.is_empty() {
        return Ok(());
    }
    let r = &p.ratings;
    // Reasons travel as one JSON array per rating: PostgreSQL arrays of
    // arrays must be rectangular.
    let reasons: Vec<String> = r
        .iter()
        .map(|x| serde_json::to_string(&x.reasons).unwrap_or_else(|_| "[]".into()))
        .collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO ratings (unit_id, ticket_id, business_date, level, reasons, counter, \
             officer, channel, rated_ms) \
             SELECT $1, u.t, u.d, u.l, \
             ARRAY(SELECT jsonb_array_elements_text(u.r::jsonb)), u.c, u.o, u.ch, u.at \
             FROM unnest($2::int8[], $3::date[], $4::text[], $5::text[], $6::int4[], \
             $7::text[], $8::text[], $9::int8[]) AS u(t, d, l, r, c, o, ch, at) \
             ON CONFLICT (unit_id, ticket_id) DO NOTHING",
        )
        .await?;
    // The office holds a rating for these tickets now: a phone rating of
    // one of them waiting for the relay is delivered (the hub's own copy
    // came back through federation, whichever channel gave it).
    let rated: Vec<i64> = r.iter().map(|x| x.ticket_id).collect();
    tx.execute(
        "UPDATE phone_ratings SET delivered_at = now() \
         WHERE unit_id = $1 AND ticket_id = ANY($2) AND delivered_at IS NULL",
        &[&unit_id, &rated],
    )
    .await?;
    tx.execute(
        &stmt,
        &[
            &unit_id,
            &r.iter().map(|x| x.ticket_id).collect::<Vec<_>>(),
            &r.iter().map(|x| x.business_date).collect::<Vec<_>>(),
            &r.iter().map(|x| x.level.as_str()).collect::<Vec<_>>(),
            &reasons,
            &r.iter().map(|x| x.counter).collect::<Vec<_>>(),
            &r.iter().map(|x| x.officer.as_deref()).collect::<Vec<_>>(),
            &r.iter().map(|x| x.channel.as_str()).collect::<Vec<_>>(),
            &r.iter().map(|x| x.rated_ms).collect::<Vec<_>>(),
        ],
    )
    .await?;
    Ok(())
}

/// Device states, kiosk outages and counters: a few rows a day per unit,
/// one statement each, in order (an outage must start before it ends).
async fn devices_and_counters(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    p: &Projection,
) -> Result<(), tokio_postgres::Error> {
    for d in &p.devices {
        tx.execute(
            "INSERT INTO device_states (unit_id, kiosk, device, state, kind, since_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (unit_id, kiosk, device) DO UPDATE SET state = EXCLUDED.state, \
             kind = EXCLUDED.kind, since_ms = EXCLUDED.since_ms",
            &[
                &unit_id,
                &d.kiosk,
                &d.device,
                &d.state,
                &d.kind,
                &d.since_ms,
            ],
        )
        .await?;
    }
    for o in &p.outages {
        if o.out_of_service {
            tx.execute(
                "INSERT INTO kiosk_outages (unit_id, kiosk, start_ms, kind) \
                 SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM kiosk_outages \
                 WHERE unit_id = $1 AND kiosk = $2 AND end_ms IS NULL) \
                 ON CONFLICT DO NOTHING",
                &[&unit_id, &o.kiosk, &o.at_ms, &o.kind],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE kiosk_outages SET end_ms = $3 \
                 WHERE unit_id = $1 AND kiosk = $2 AND end_ms IS NULL",
                &[&unit_id, &o.kiosk, &o.at_ms],
            )
            .await?;
        }
    }
    for c in &p.counters {
        let (officer_given, code, name) = match &c.officer {
            None => (false, None, None),
            Some(None) => (true, None, None),
            Some(Some((code, name))) => (true, Some(code.as_str()), Some(name.as_str())),
        };
        tx.execute(
            "INSERT INTO counters (unit_id, counter, name, state, services, officer_code, \
             officer_name, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (unit_id, counter) DO UPDATE SET \
             name = COALESCE(EXCLUDED.name, counters.name), \
             state = COALESCE(EXCLUDED.state, counters.state), \
             services = COALESCE(EXCLUDED.services, counters.services), \
             officer_code = CASE WHEN $9 THEN EXCLUDED.officer_code ELSE counters.officer_code END, \
             officer_name = CASE WHEN $9 THEN EXCLUDED.officer_name ELSE counters.officer_name END, \
             updated_ms = EXCLUDED.updated_ms",
            &[
                &unit_id,
                &c.counter,
                &c.name,
                &c.state,
                &c.services,
                &code,
                &name,
                &c.updated_ms,
                &officer_given,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Closed days the batch touched get their rollup recomputed.
async fn mark_stale(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    p: &Projection,
    today: chrono::NaiveDate,
) -> Result<(), tokio_postgres::Error> {
    let days: Vec<chrono::NaiveDate> = p.days.iter().copied().filter(|d| *d < today).collect();
    if days.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO stale_days (unit_id, day) SELECT $1, unnest($2::date[]) \
         ON CONFLICT DO NOTHING",
        &[&unit_id, &days],
    )
    .map_ok(|_| ())
    .await
}
