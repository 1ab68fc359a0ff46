//! Every unit's figures for the overview, computed at most once a second
//! and shared by every viewer of this instance.
//!
//! Computing them reads every ticket of the day (~300 ms for 584 units,
//! `docs/PERFORMANCE.md`); an overview per viewer per live update would
//! not keep up. The snapshot is reused while nothing was stored (the sum
//! of the units' watermarks, one small read, is unchanged) and it is less
//! than 30 s old (waits grow with time alone); after new events it is
//! computed again, but not sooner than a second after the last time — a
//! request in that second waits for the rest of it, so what it shows
//! includes everything stored before it asked.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use motcua_api::UnitKpis;
use tokio::time::Instant;

use crate::db::DbError;
use crate::kpi;
use crate::City;

const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_AGE: Duration = Duration::from_secs(30);

struct Snapshot {
    /// The sum of every unit's watermark when it was computed.
    stored: i64,
    date: NaiveDate,
    at: Instant,
    figures: Arc<BTreeMap<i32, UnitKpis>>,
}

/// The shared snapshot.
#[derive(Default)]
pub struct Figures {
    slot: tokio::sync::Mutex<Option<Snapshot>>,
}

impl Figures {
    /// Today's figures of every unit, by `unit_id`.
    pub async fn today(
        &self,
        city: &City,
        client: &tokio_postgres::Client,
    ) -> Result<Arc<BTreeMap<i32, UnitKpis>>, DbError> {
        // One computation at a time; the others wait for it and share it.
        let mut slot = self.slot.lock().await;
        let stored = watermarks(client).await?;
        let date = city.today();
        if let Some(s) = slot.as_ref() {
            if s.stored == stored && s.date == date && s.at.elapsed() < MAX_AGE {
                return Ok(Arc::clone(&s.figures));
            }
            let since = s.at.elapsed();
            if since < MIN_INTERVAL {
                tokio::time::sleep(MIN_INTERVAL - since).await;
            }
        }
        // Read again after the wait: what is computed includes it.
        let stored = watermarks(client).await?;
        let at = Instant::now();
        let figures = Arc::new(kpi::kpis_by_unit(client, date, city.clockface()).await?);
        *slot = Some(Snapshot {
            stored,
            date,
            at,
            figures: Arc::clone(&figures),
        });
        Ok(figures)
    }
}

async fn watermarks(client: &tokio_postgres::Client) -> Result<i64, DbError> {
    Ok(client
        .query_one(
            "SELECT COALESCE(sum(last_event_id), 0)::int8 FROM units",
            &[],
        )
        .await?
        .get(0))
}
