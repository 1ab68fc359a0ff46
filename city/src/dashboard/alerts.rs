//! Alerts: conditions the city wants to hear about, each kept in
//! PostgreSQL from when it started to when it cleared.
//!
//! | kind | condition | started | cleared |
//! |---|---|---|---|
//! | `kiosk_out` | a kiosk out of service > 10 min | outage start + 10 min | the outage's end |
//! | `hub_silent` | an office hub not heard from > 5 min during office hours | last push + 5 min | its next push |
//! | `outbox_backlog` | a dossier waiting for the portal > 1 h | oldest waiting + 1 h | the last late one's delivery |
//! | `wait_p90` | today's wait p90 > 60 min | when first seen | when seen below |
//!
//! Every instance checks every `dashboard.alert_check_seconds`; times come
//! from the data where the data has them, one open row per condition
//! (a unique partial index), and a clear only touches an open row: two
//! instances store the same alerts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::DbError;
use crate::kpi;
use crate::City;

pub const KIOSK_OUT_MS: i64 = 10 * 60_000;
pub const HUB_SILENT_MS: i64 = 5 * 60_000;
pub const BACKLOG_MS: i64 = 60 * 60_000;
pub const WAIT_P90_SECONDS: i64 = 60 * 60;

/// What should be open now: `(unit_id, kind, subject)` → (started,
/// detail).
type Wanted = BTreeMap<(i32, String, String), (DateTime<Utc>, String)>;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The worker: until shutdown.
pub async fn run(city: Arc<City>) {
    let every = Duration::from_secs(city.dashboard.alert_check_seconds.max(1));
    let mut stop = city.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if let Err(err) = check(&city, city.now()).await {
            tracing::warn!(%err, "alert check failed; next time");
        }
    }
}

/// One check at `now`: opens what holds, clears what no longer does.
/// Returns (opened, cleared).
pub async fn check(city: &City, now: DateTime<Utc>) -> Result<(u64, u64), DbError> {
    let client = city.pool.get().await?;
    let now_ms = now.timestamp_millis();
    let mut wanted = Wanted::new();
    for r in client
        .query(
            "SELECT unit_id, kiosk, min(start_ms), min(kind) FROM kiosk_outages \
             WHERE end_ms IS NULL GROUP BY unit_id, kiosk",
            &[],
        )
        .await?
    {
        let start: i64 = r.get(2);
        if now_ms - start > KIOSK_OUT_MS {
            let kind: Option<String> = r.get(3);
            wanted.insert(
                (r.get(0), "kiosk_out".into(), r.get(1)),
                (at(start + KIOSK_OUT_MS), kind.unwrap_or_default()),
            );
        }
    }
    let clockface = kpi::Clockface {
        now,
        tz: city.tz,
        hours: city.hours,
    };
    let today = now.with_timezone(&city.tz).date_naive();
    let in_hours = !kpi::is_weekend(today)
        && kpi::office_window(today, clockface).is_some_and(|(_, end)| end == now_ms);
    let mut last_seen: BTreeMap<i32, DateTime<Utc>> = BTreeMap::new();
    for r in client
        .query(
            "SELECT unit_id, last_seen FROM units WHERE last_seen IS NOT NULL",
            &[],
        )
        .await?
    {
        let seen: DateTime<Utc> = r.get(1);
        last_seen.insert(r.get(0), seen);
        if in_hours && now_ms - seen.timestamp_millis() > HUB_SILENT_MS {
            wanted.insert(
                (r.get(0), "hub_silent".into(), String::new()),
                (at(seen.timestamp_millis() + HUB_SILENT_MS), String::new()),
            );
        }
    }
    for r in client
        .query(
            "SELECT unit_id, min(received_ms), count(*) FROM dossiers \
             WHERE sent_ms IS NULL AND status = 'pending' GROUP BY unit_id",
            &[],
        )
        .await?
    {
        let oldest: Option<i64> = r.get(1);
        if let Some(oldest) = oldest.filter(|o| now_ms - o > BACKLOG_MS) {
            let n: i64 = r.get(2);
            wanted.insert(
                (r.get(0), "outbox_backlog".into(), String::new()),
                (at(oldest + BACKLOG_MS), n.to_string()),
            );
        }
    }
    for (unit_id, k) in kpi::kpis_by_unit(&client, today, clockface).await? {
        if let Some(p90) = k.queue.wait_p90_seconds.filter(|p| *p > WAIT_P90_SECONDS) {
            wanted.insert(
                (unit_id, "wait_p90".into(), String::new()),
                (now, (p90 / 60).to_string()),
            );
        }
    }

    let open = client
        .query(
            "SELECT alert_id, unit_id, kind, subject, started_at FROM alerts WHERE cleared_at IS NULL",
            &[],
        )
        .await?;
    let mut cleared = 0;
    for r in &open {
        let key: (i32, String, String) = (r.get(1), r.get(2), r.get(3));
        let (unit_id, kind, subject) = &key;
        let silent_still = kind == "hub_silent"; // cleared only by a push
        if wanted.remove(&key).is_some() {
            continue;
        }
        let id: i64 = r.get(0);
        let started: DateTime<Utc> = r.get(4);
        let clear_at: Option<DateTime<Utc>> = match kind.as_str() {
            "kiosk_out" => client
                .query_opt(
                    "SELECT max(end_ms) FROM kiosk_outages WHERE unit_id = $1 AND kiosk = $2",
                    &[unit_id, subject],
                )
                .await?
                .and_then(|r| r.get::<_, Option<i64>>(0))
                .map(at)
                .or(Some(now)),
            "outbox_backlog" => {
                // The backlog ended when the last dossier that had waited
                // more than an hour reached the portal (after the alert
                // started); if none did (one was withdrawn), when checked.
                let started_ms = started.timestamp_millis();
                client
                    .query_opt(
                        "SELECT max(sent_ms) FROM dossiers WHERE unit_id = $1 \
                         AND sent_ms - received_ms > $2 AND sent_ms >= $3 AND sent_ms <= $4",
                        &[unit_id, &BACKLOG_MS, &started_ms, &now_ms],
                    )
                    .await?
                    .and_then(|r| r.get::<_, Option<i64>>(0))
                    .map(at)
                    .or(Some(now))
            }
            _ if silent_still => {
                // Out of office hours a silent hub stays silent: only its
                // next push (after the alert started) clears it.
                last_seen
                    .get(unit_id)
                    .filter(|seen| **seen > started)
                    .copied()
            }
            _ => Some(now),
        };
        if let Some(clear_at) = clear_at {
            cleared += client
                .execute(
                    "UPDATE alerts SET cleared_at = $2 WHERE alert_id = $1 AND cleared_at IS NULL",
                    &[&id, &clear_at],
                )
                .await?;
        }
    }
    let mut opened = 0;
    for ((unit_id, kind, subject), (started, detail)) in wanted {
        opened += client
            .execute(
                "INSERT INTO alerts (unit_id, kind, subject, started_at, detail) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (unit_id, kind, subject) WHERE cleared_at IS NULL DO NOTHING",
                &[&unit_id, &kind, &subject, &started, &detail],
            )
            .await?;
    }
    Ok((opened, cleared))
}

/// An alert as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct Alert {
    pub unit_code: String,
    pub unit_name: String,
    pub kind: String,
    pub subject: String,
    pub started_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub detail: String,
}

/// Open alerts, then those cleared since `since`, newest first.
pub async fn recent(
    client: &tokio_postgres::Client,
    since: DateTime<Utc>,
) -> Result<Vec<Alert>, DbError> {
    let rows = client
        .query(
            "SELECT u.unit_code, u.name, a.kind, a.subject, a.started_at, a.cleared_at, a.detail \
             FROM alerts a JOIN units u USING (unit_id) \
             WHERE a.cleared_at IS NULL OR a.cleared_at >= $1 \
             ORDER BY a.cleared_at IS NOT NULL, a.started_at DESC, a.alert_id DESC LIMIT 500",
            &[&since],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Alert {
            unit_code: r.get(0),
            unit_name: r.get(1),
            kind: r.get(2),
            subject: r.get(3),
            started_at: r.get(4),
            cleared_at: r.get(5),
            detail: r.get(6),
        })
        .collect())
}
