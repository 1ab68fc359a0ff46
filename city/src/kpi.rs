//! The figures: per unit and city-wide, for one business date, computed
//! from the projections (`ingest::project`) with the formulas of
//! `docs/CITY.md` — the one place they are written in code. The JSON API
//! and the dashboard both call these functions, so they show the same
//! numbers.
//!
//! Percentiles are nearest-rank over whole seconds (`(called − issued) /
//! 1000`, truncated), the hub's own rule (`motcua report`), so an office's
//! figures at the city equal its own. They are computed here, in integers,
//! rather than with `percentile_disc`, whose floating-point rank differs
//! for some counts (0.9 × 70 = 63.000…01 → rank 64).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use motcua_api::{
    DeviceKpis, DeviceStatus, DossierKpis, KioskSeen, KioskState, QueueKpis, RatingLevel,
    ReleaseInUse, SatisfactionKpis, UnitKpis, UnitSummary,
};
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

use crate::config::OfficeHours;
use crate::db::DbError;

/// Which rows the figures count, and how they are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One unit (its `unit_id`).
    Unit(i32),
    /// Every unit together: the city's figures (key 0).
    City,
    /// Every unit, each on its own (key: its `unit_id`).
    EachUnit,
}

impl Scope {
    /// The grouping key in SQL: a unit's figures group by `unit_id`, the
    /// city's by a constant — the same query either way, so a formula is
    /// written once.
    fn key(self) -> &'static str {
        match self {
            Scope::City => "0",
            Scope::Unit(_) | Scope::EachUnit => "unit_id",
        }
    }

    /// The key of a row of `unit_id`.
    fn key_of(self, unit_id: i32) -> i32 {
        match self {
            Scope::City => 0,
            Scope::Unit(_) | Scope::EachUnit => unit_id,
        }
    }

    /// ` AND unit_id = $n` (the unit's id is then the last parameter).
    fn filter(self, n: usize) -> String {
        match self {
            Scope::Unit(_) => format!(" AND unit_id = ${n}"),
            Scope::City | Scope::EachUnit => String::new(),
        }
    }

    fn unit_id(&self) -> Option<&i32> {
        match self {
            Scope::Unit(id) => Some(id),
            Scope::City | Scope::EachUnit => None,
        }
    }
}

/// `params` followed by the scope's unit id, if any.
fn with_scope<'a>(
    params: &[&'a (dyn ToSql + Sync)],
    scope: &'a Scope,
) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut all = params.to_vec();
    if let Some(id) = scope.unit_id() {
        all.push(id);
    }
    all
}

/// Nearest-rank percentile of `values` (sorted in place), `None` when
/// empty — the hub's rule.
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (u64::from(p) * values.len() as u64).div_ceil(100).max(1) as usize;
    Some(values[rank.min(values.len()) - 1])
}

/// `part ÷ whole`, `None` when `whole` is 0.
pub fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// A unit as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub unit_id: i32,
    pub unit_code: String,
    pub name: String,
    pub group: Option<String>,
    pub last_event_id: i64,
    pub last_seen: Option<DateTime<Utc>>,
    pub hub_version: Option<String>,
    pub kiosks: Vec<String>,
    pub catalogue: Option<ReleaseInUse>,
    pub calendar: Option<ReleaseInUse>,
    /// Each kiosk's version and last call, as the hub last reported them.
    pub kiosks_seen: Vec<KioskSeen>,
}

const UNIT_COLUMNS: &str = "unit_id, unit_code, name, grp, last_event_id, last_seen, \
                            hub_version, kiosks, catalogue, calendar, kiosks_seen";

fn unit_row(row: &tokio_postgres::Row) -> UnitRow {
    let release = |i: usize| -> Option<ReleaseInUse> {
        row.get::<_, Option<serde_json::Value>>(i)
            .and_then(|v| serde_json::from_value(v).ok())
    };
    UnitRow {
        unit_id: row.get(0),
        unit_code: row.get(1),
        name: row.get(2),
        group: row.get(3),
        last_event_id: row.get(4),
        last_seen: row.get(5),
        hub_version: row.get(6),
        kiosks: row.get(7),
        catalogue: release(8),
        calendar: release(9),
        kiosks_seen: row
            .get::<_, Option<serde_json::Value>>(10)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    }
}

/// Every unit, by code.
pub async fn units(client: &Client) -> Result<Vec<UnitRow>, DbError> {
    let rows = client
        .query(
            &format!("SELECT {UNIT_COLUMNS} FROM units ORDER BY unit_code"),
            &[],
        )
        .await?;
    Ok(rows.iter().map(unit_row).collect())
}

/// One unit.
pub async fn unit(client: &Client, unit_code: &str) -> Result<Option<UnitRow>, DbError> {
    let row = client
        .query_opt(
            &format!("SELECT {UNIT_COLUMNS} FROM units WHERE unit_code = $1"),
            &[&unit_code],
        )
        .await?;
    Ok(row.as_ref().map(unit_row))
}

/// A time as the API writes it: RFC 3339 in the office's offset.
pub fn rfc3339(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// ms since the epoch → RFC 3339 in the office's offset.
pub fn rfc3339_ms(ms: i64, tz: Tz) -> String {
    rfc3339(
        DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH),
        tz,
    )
}

/// The instant `date` at `time`, office local, in ms.
pub fn local_ms(date: NaiveDate, time: NaiveTime, tz: Tz) -> i64 {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.timestamp_millis()
        }
        // A time skipped by a clock change (not in Vietnam): read as UTC.
        chrono::LocalResult::None => naive.and_utc().timestamp_millis(),
    }
}

/// `GET /city/v1/units`: every unit (or those `visible`), with today's
/// figures, in one query.
pub async fn summaries(
    client: &Client,
    today: NaiveDate,
    tz: Tz,
) -> Result<Vec<UnitSummary>, DbError> {
    let rows = client
        .query(
            "SELECT u.unit_code, u.name, u.last_event_id, u.last_seen, \
             COALESCE(t.issued, 0), COALESCE(t.waiting, 0), COALESCE(d.filed, 0), \
             COALESCE(k.oos, 0) \
             FROM units u \
             LEFT JOIN (SELECT unit_id, count(*) AS issued, \
                 count(*) FILTER (WHERE state IN ('issued', 'transferred')) AS waiting \
                 FROM tickets WHERE business_date = $1 GROUP BY unit_id) t USING (unit_id) \
             LEFT JOIN (SELECT unit_id, count(*) AS filed FROM dossiers \
                 WHERE business_date = $1 GROUP BY unit_id) d USING (unit_id) \
             LEFT JOIN (SELECT unit_id, count(DISTINCT kiosk) AS oos FROM kiosk_outages \
                 WHERE end_ms IS NULL GROUP BY unit_id) k USING (unit_id) \
             ORDER BY u.unit_code",
            &[&today],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| UnitSummary {
            unit_code: r.get(0),
            name: r.get(1),
            last_event_id: r.get(2),
            last_seen: r.get::<_, Option<DateTime<Utc>>>(3).map(|t| rfc3339(t, tz)),
            tickets_issued: r.get::<_, i64>(4) as u32,
            waiting: r.get::<_, i64>(5) as u32,
            dossiers_filed: r.get::<_, i64>(6) as u32,
            kiosks_out_of_service: r.get::<_, i64>(7) as u32,
        })
        .collect())
}

/// When the figures are taken, and against which office hours.
#[derive(Debug, Clone, Copy)]
pub struct Clockface {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub hours: OfficeHours,
}

/// One unit's (`Scope::Unit`) or the city's (`Scope::City`) figures for
/// `date`.
pub async fn kpis(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
    at: Clockface,
) -> Result<UnitKpis, DbError> {
    let key = match scope {
        Scope::Unit(id) => id,
        Scope::City | Scope::EachUnit => 0,
    };
    let mut all = figures(client, scope, date, at).await?;
    Ok(all.remove(&key).unwrap_or_else(|| empty(date)))
}

/// Every unit's figures for `date`, by `unit_id`, in a handful of queries
/// (the city overview). Units with nothing to count are absent: see
/// [`empty`].
pub async fn kpis_by_unit(
    client: &Client,
    date: NaiveDate,
    at: Clockface,
) -> Result<BTreeMap<i32, UnitKpis>, DbError> {
    figures(client, Scope::EachUnit, date, at).await
}

/// The figures of a unit with nothing to count on `date`.
pub fn empty(date: NaiveDate) -> UnitKpis {
    UnitKpis {
        date,
        queue: QueueKpis::default(),
        dossiers: DossierKpis::default(),
        satisfaction: SatisfactionKpis::default(),
        devices: DeviceKpis::default(),
    }
}

async fn figures(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
    at: Clockface,
) -> Result<BTreeMap<i32, UnitKpis>, DbError> {
    let (mut queue, mut dossiers, mut satisfaction, mut devices) = tokio::try_join!(
        queue(client, scope, date),
        dossiers(client, scope, date, at),
        satisfaction(client, scope, date),
        devices(client, scope, date, at),
    )?;
    let keys: BTreeSet<i32> = queue
        .keys()
        .chain(dossiers.keys())
        .chain(satisfaction.keys())
        .chain(devices.keys())
        .copied()
        .collect();
    Ok(keys
        .into_iter()
        .map(|k| {
            (
                k,
                UnitKpis {
                    date,
                    queue: queue.remove(&k).unwrap_or_default(),
                    dossiers: dossiers.remove(&k).unwrap_or_default(),
                    satisfaction: satisfaction.remove(&k).unwrap_or_default(),
                    devices: devices.remove(&k).unwrap_or_default(),
                },
            )
        })
        .collect())
}

fn count(row: &tokio_postgres::Row, i: usize) -> u32 {
    row.get::<_, i64>(i) as u32
}

async fn queue(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
) -> Result<BTreeMap<i32, QueueKpis>, DbError> {
    let sql = format!(
        "SELECT {key} AS k, count(*), \
         count(*) FILTER (WHERE state IN ('issued', 'transferred')), \
         count(*) FILTER (WHERE state = 'done'), \
         count(*) FILTER (WHERE state = 'no_show'), \
         count(*) FILTER (WHERE state = 'cancelled'), \
         COALESCE(array_agg((called_ms - issued_ms) / 1000) \
             FILTER (WHERE called_ms IS NOT NULL AND issued_ms IS NOT NULL), '{{}}'), \
         COALESCE(array_agg((finished_ms - COALESCE(started_ms, called_ms)) / 1000) \
             FILTER (WHERE state = 'done' AND finished_ms IS NOT NULL \
                     AND COALESCE(started_ms, called_ms) IS NOT NULL), '{{}}') \
         FROM tickets WHERE business_date = $1{filter} GROUP BY k",
        key = scope.key(),
        filter = scope.filter(2)
    );
    let rows = client.query(&sql, &with_scope(&[&date], &scope)).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut waits: Vec<i64> = row.get(6);
            let mut services: Vec<i64> = row.get(7);
            let (served, no_shows) = (count(row, 3), count(row, 4));
            (
                row.get::<_, i32>(0),
                QueueKpis {
                    tickets_issued: count(row, 1),
                    waiting: count(row, 2),
                    served,
                    no_shows,
                    cancelled: count(row, 5),
                    wait_p50_seconds: percentile(&mut waits, 50),
                    wait_p90_seconds: percentile(&mut waits, 90),
                    service_p50_seconds: percentile(&mut services, 50),
                    service_p90_seconds: percentile(&mut services, 90),
                    no_show_share: share(no_shows, served + no_shows),
                },
            )
        })
        .collect())
}

async fn dossiers(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
    at: Clockface,
) -> Result<BTreeMap<i32, DossierKpis>, DbError> {
    let start = local_ms(date, NaiveTime::MIN, at.tz);
    let end = local_ms(date + chrono::Duration::days(1), NaiveTime::MIN, at.tz);
    let key = scope.key();
    let filed_sql = format!(
        "SELECT {key} AS k, count(*), count(*) FILTER (WHERE channel = 'kiosk'), \
         count(*) FILTER (WHERE channel = 'counter'), \
         count(*) FILTER (WHERE sent_ms IS NOT NULL) \
         FROM dossiers WHERE business_date = $1{} GROUP BY k",
        scope.filter(2)
    );
    let results_sql = format!(
        "SELECT {key} AS k, count(*) FILTER (WHERE result_ms <= due_ms), \
         count(*) FILTER (WHERE result_ms > due_ms) \
         FROM dossiers WHERE result_ms >= $1 AND result_ms < $2 AND due_ms IS NOT NULL{} \
         GROUP BY k",
        scope.filter(3)
    );
    let backlog_sql = format!(
        "SELECT {key} AS k, count(*), min(received_ms) FROM dossiers \
         WHERE sent_ms IS NULL AND status = 'pending'{} GROUP BY k",
        scope.filter(1)
    );
    let none: [&(dyn ToSql + Sync); 0] = [];
    let (filed_params, results_params, backlog_params) = (
        with_scope(&[&date], &scope),
        with_scope(&[&start, &end], &scope),
        with_scope(&none, &scope),
    );
    let (filed, results, backlog) = tokio::try_join!(
        client.query(&filed_sql, &filed_params),
        client.query(&results_sql, &results_params),
        client.query(&backlog_sql, &backlog_params),
    )?;
    let mut out: BTreeMap<i32, DossierKpis> = BTreeMap::new();
    for row in &filed {
        let d = out.entry(row.get(0)).or_default();
        d.filed = count(row, 1);
        d.filed_at_kiosk = count(row, 2);
        d.filed_at_counter = count(row, 3);
        d.delivered = count(row, 4);
        d.online_share = share(d.filed_at_kiosk, d.filed_at_kiosk + d.filed_at_counter);
    }
    for row in &results {
        let d = out.entry(row.get(0)).or_default();
        d.results_on_time = count(row, 1);
        d.results_late = count(row, 2);
        d.on_time_share = share(d.results_on_time, d.results_on_time + d.results_late);
    }
    let now_ms = at.now.timestamp_millis();
    for row in &backlog {
        let d = out.entry(row.get(0)).or_default();
        d.outbox_backlog = count(row, 1);
        d.outbox_oldest_seconds = row
            .get::<_, Option<i64>>(2)
            .map(|oldest| ((now_ms - oldest) / 1000).max(0));
    }
    Ok(out)
}

async fn satisfaction(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
) -> Result<BTreeMap<i32, SatisfactionKpis>, DbError> {
    let (key, f) = (scope.key(), scope.filter(2));
    let params = with_scope(&[&date], &scope);
    let levels_sql = format!(
        "SELECT {key} AS k, level, count(*) FROM ratings WHERE business_date = $1{f} \
         GROUP BY k, level"
    );
    let reasons_sql = format!(
        "SELECT {key} AS k, r, count(*) FROM ratings, unnest(reasons) AS r \
         WHERE business_date = $1{f} GROUP BY k, r"
    );
    let (levels, reasons) = tokio::try_join!(
        client.query(&levels_sql, &params),
        client.query(&reasons_sql, &params),
    )?;
    let mut out: BTreeMap<i32, SatisfactionKpis> = BTreeMap::new();
    for row in &levels {
        let Some(level) = RatingLevel::parse(row.get(1)) else {
            continue;
        };
        let s = out.entry(row.get(0)).or_default();
        let n = count(row, 2);
        s.levels.insert(level, n);
        s.ratings += n;
    }
    for row in &reasons {
        out.entry(row.get(0))
            .or_default()
            .reasons
            .insert(row.get(1), count(row, 2));
    }
    for s in out.values_mut() {
        let satisfied = s.levels.get(&RatingLevel::VerySatisfied).unwrap_or(&0)
            + s.levels.get(&RatingLevel::Satisfied).unwrap_or(&0);
        s.satisfied_share = share(satisfied, s.ratings);
    }
    Ok(out)
}

/// The office-hours window of `date`, up to `now` for today; `None` before
/// the office opens (nothing to measure yet).
pub fn office_window(date: NaiveDate, at: Clockface) -> Option<(i64, i64)> {
    let opens = local_ms(date, at.hours.opens, at.tz);
    let closes = local_ms(date, at.hours.closes, at.tz);
    let end = closes.min(at.now.timestamp_millis());
    (end > opens).then_some((opens, end))
}

/// Kiosk availability: the share of the window's kiosk-time with the
/// kiosk in service. `outages` are `(kiosk, start, end)`, end `None` while
/// still out.
pub fn availability(
    kiosks: usize,
    outages: &[(String, i64, Option<i64>)],
    window: Option<(i64, i64)>,
) -> Option<f64> {
    let (from, to) = window?;
    if kiosks == 0 {
        return None;
    }
    let down: i64 = outages
        .iter()
        .map(|(_, start, end)| {
            let s = (*start).max(from);
            let e = end.unwrap_or(to).min(to);
            (e - s).max(0)
        })
        .sum();
    let total = (to - from) * kiosks as i64;
    Some((1.0 - down as f64 / total as f64).clamp(0.0, 1.0))
}

async fn devices(
    client: &Client,
    scope: Scope,
    date: NaiveDate,
    at: Clockface,
) -> Result<BTreeMap<i32, DeviceKpis>, DbError> {
    let window = office_window(date, at);
    let (from, to) = window.unwrap_or((0, 0));
    let f = scope.filter(1);
    let none: [&(dyn ToSql + Sync); 0] = [];
    let listed_sql = format!("SELECT unit_id, kiosks FROM units WHERE TRUE{f}");
    let states_sql = format!(
        "SELECT unit_id, kiosk, device, state, kind, since_ms FROM device_states \
         WHERE TRUE{f} ORDER BY unit_id, kiosk, device"
    );
    let outages_sql = format!(
        "SELECT unit_id, kiosk, start_ms, end_ms FROM kiosk_outages \
         WHERE (end_ms IS NULL OR end_ms > $1) AND start_ms < $2{}",
        scope.filter(3)
    );
    let open_sql = format!("SELECT unit_id, kiosk FROM kiosk_outages WHERE end_ms IS NULL{f}");
    let plain = with_scope(&none, &scope);
    let windowed = with_scope(&[&from, &to], &scope);
    let (listed, states, outages, open) = tokio::try_join!(
        client.query(&listed_sql, &plain),
        client.query(&states_sql, &plain),
        client.query(&outages_sql, &windowed),
        client.query(&open_sql, &plain),
    )?;
    // Kiosks: those the hubs list, any that reported a device, any out of
    // service now.
    let mut kiosks: BTreeSet<(i32, String)> = BTreeSet::new();
    for row in &listed {
        let unit: i32 = row.get(0);
        for k in row.get::<_, Vec<String>>(1) {
            kiosks.insert((unit, k));
        }
    }
    let open_now: BTreeSet<(i32, String)> = open
        .iter()
        .map(|r| (r.get::<_, i32>(0), r.get::<_, String>(1)))
        .collect();
    kiosks.extend(open_now.iter().cloned());
    let mut by_kiosk: BTreeMap<(i32, String), KioskState> = BTreeMap::new();
    for row in &states {
        let key = (row.get::<_, i32>(0), row.get::<_, String>(1));
        kiosks.insert(key.clone());
        let Some(state) = motcua_api::DeviceState::parse(row.get(3)) else {
            continue;
        };
        let status = DeviceStatus {
            state,
            kind: row
                .get::<_, Option<&str>>(4)
                .map(motcua_api::DeviceKind::parse),
            since: rfc3339_ms(row.get(5), at.tz),
        };
        let entry = by_kiosk.entry(key.clone()).or_insert_with(|| KioskState {
            kiosk: key.1.clone(),
            out_of_service: false,
            printer: None,
            scanner: None,
        });
        match row.get::<_, &str>(2) {
            "printer" => entry.printer = Some(status),
            "scanner" => entry.scanner = Some(status),
            _ => {}
        }
    }
    let mut out: BTreeMap<i32, DeviceKpis> = BTreeMap::new();
    let mut spans: BTreeMap<i32, Vec<(String, i64, Option<i64>)>> = BTreeMap::new();
    for r in &outages {
        let unit: i32 = r.get(0);
        spans
            .entry(scope.key_of(unit))
            .or_default()
            .push((r.get(1), r.get(2), r.get(3)));
    }
    for key in &kiosks {
        let d = out.entry(scope.key_of(key.0)).or_default();
        d.kiosks += 1;
        let out_now = open_now.contains(key);
        if out_now {
            d.kiosks_out_of_service += 1;
        }
        // The city's figures list no kiosks: that is the fleet page's job.
        if scope != Scope::City {
            let mut state = by_kiosk.remove(key).unwrap_or_else(|| KioskState {
                kiosk: key.1.clone(),
                out_of_service: false,
                printer: None,
                scanner: None,
            });
            state.out_of_service = out_now;
            d.kiosk_states.push(state);
        }
    }
    for (key, d) in out.iter_mut() {
        let spans = spans.get(key).map(Vec::as_slice).unwrap_or(&[]);
        d.kiosk_availability = availability(d.kiosks as usize, spans, window);
    }
    Ok(out)
}

/// Whether `date` is a Saturday or Sunday (for callers that skip them).
pub fn is_weekend(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() >= 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_hubs() {
        let mut v = vec![50, 10, 40, 20, 30];
        assert_eq!(percentile(&mut v, 50), Some(30));
        assert_eq!(percentile(&mut v, 90), Some(50));
        assert_eq!(percentile(&mut [], 50), None);
        // 0.9 × 70 is 63.000…01 in floating point: rank 63, not 64.
        let mut seventy: Vec<i64> = (1..=70).collect();
        assert_eq!(percentile(&mut seventy, 90), Some(63));
    }

    #[test]
    fn availability_counts_outage_time_inside_office_hours_only() {
        let hour = 3_600_000;
        // Office 07:30–17:00 = 9.5 h; two kiosks; one out 06:00–08:30 (1 h
        // inside) and one out from 16:00 and still out (1 h inside).
        let window = Some((7 * hour + hour / 2, 17 * hour));
        let outages = vec![
            ("k1".to_owned(), 6 * hour, Some(8 * hour + hour / 2)),
            ("k2".to_owned(), 16 * hour, None),
        ];
        let a = availability(2, &outages, window).unwrap();
        assert!((a - (1.0 - 2.0 / 19.0)).abs() < 1e-9, "{a}");
        assert_eq!(availability(0, &outages, window), None);
        assert_eq!(availability(2, &outages, None), None);
        assert_eq!(availability(2, &[], window), Some(1.0));
    }

    #[test]
    fn shares_have_no_value_without_a_denominator() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(1, 4), Some(0.25));
    }
}
