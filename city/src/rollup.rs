//! Rollups: each closed day's figures per unit and for the whole city
//! (`unit_id = 0`), stored once in `unit_days`, so thirty days of history
//! are thirty small rows instead of thirty days of tickets.
//!
//! A day needs (re)computing when it closes (every unit's yesterday), or
//! when events of a closed day arrive late — an office back from a WAN
//! outage — which ingestion records in `stale_days`. Every instance runs
//! this worker; each claims its share of stale days with `FOR UPDATE SKIP
//! LOCKED`, and the claim is removed only in the transaction that stores
//! the result, so a crash leaves the day to be done again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use motcua_api::UnitKpis;
use tokio_postgres::Client;

use crate::db::DbError;
use crate::kpi::{self, Scope};
use crate::City;

/// The city's own row in `unit_days`.
pub const CITY_ROW: i32 = 0;

/// How often the worker looks for days to roll up.
const PERIOD: Duration = Duration::from_secs(20);

/// Stale days claimed per transaction.
const CLAIM: i64 = 50;

/// The worker: until shutdown.
pub async fn run(city: Arc<City>) {
    let mut stop = city.shutdown.subscribe();
    loop {
        match once(&city).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(n, "days rolled up"),
            Err(err) => tracing::warn!(%err, "rollup failed; retrying later"),
        }
        tokio::select! {
            _ = tokio::time::sleep(PERIOD) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Marks every unit's yesterday stale unless rolled up, then rolls up
/// every stale day. Returns how many unit-days were computed.
pub async fn once(city: &City) -> Result<usize, DbError> {
    let yesterday = city.today() - chrono::Duration::days(1);
    let mut claim = city.pool.get().await?;
    let reader = city.pool.get().await?;
    claim
        .execute(
            "INSERT INTO stale_days (unit_id, day) SELECT unit_id, $1 FROM units u \
             WHERE NOT EXISTS (SELECT 1 FROM unit_days d WHERE d.unit_id = u.unit_id \
             AND d.day = $1) ON CONFLICT DO NOTHING",
            &[&yesterday],
        )
        .await?;
    let mut done = 0;
    loop {
        let tx = claim.transaction().await?;
        let rows = tx
            .query(
                "DELETE FROM stale_days WHERE (unit_id, day) IN (SELECT unit_id, day \
                 FROM stale_days ORDER BY day, unit_id LIMIT $1 FOR UPDATE SKIP LOCKED) \
                 RETURNING unit_id, day",
                &[&CLAIM],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        let mut days: BTreeMap<NaiveDate, Vec<i32>> = BTreeMap::new();
        for row in &rows {
            days.entry(row.get(1)).or_default().push(row.get(0));
        }
        // Each day's units in one pass over the day's rows, and the city's.
        for (day, units) in days {
            let at = city.clockface();
            let (mut each, all) = tokio::try_join!(
                kpi::kpis_by_unit(&reader, day, at),
                kpi::kpis(&reader, Scope::City, day, at),
            )?;
            for unit_id in units {
                let kpis = each.remove(&unit_id).unwrap_or_else(|| kpi::empty(day));
                store(&tx, unit_id, &kpis).await?;
            }
            store(&tx, CITY_ROW, &all).await?;
        }
        tx.commit().await?;
        done += rows.len();
    }
    Ok(done)
}

async fn store(
    tx: &deadpool_postgres::Transaction<'_>,
    unit_id: i32,
    kpis: &UnitKpis,
) -> Result<(), DbError> {
    let json = serde_json::to_value(kpis).unwrap_or(serde_json::Value::Null);
    tx.execute(
        "INSERT INTO unit_days (unit_id, day, kpis) VALUES ($1, $2, $3) \
         ON CONFLICT (unit_id, day) DO UPDATE SET kpis = EXCLUDED.kpis, computed_at = now()",
        &[&unit_id, &kpis.date, &json],
    )
    .await?;
    Ok(())
}

/// The rolled-up days of a unit (or of the city, [`CITY_ROW`]) from
/// `from` to `to` inclusive, oldest first. Days not rolled up yet are
/// missing.
pub async fn history(
    client: &Client,
    unit_id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<UnitKpis>, DbError> {
    let rows = client
        .query(
            "SELECT kpis FROM unit_days WHERE unit_id = $1 AND day BETWEEN $2 AND $3 \
             ORDER BY day",
            &[&unit_id, &from, &to],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_value(r.get(0)).ok())
        .collect())
}
