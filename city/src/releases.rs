//! The shared procedure catalogue and working-day calendar: versioned
//! releases the city publishes once and every hub applies.
//!
//! A release is a row of `releases` (kind, version, body); the newest
//! version of a kind is the one served. Hubs poll `GET /city/v1/catalogue`
//! and `GET /city/v1/calendar` with `If-None-Match`: the ETag is the
//! version, so an unchanged release costs a `304` and no body. A release is
//! checked here with the rules the hubs apply, so a release every hub
//! would refuse is refused at publication instead (`422 invalid_release`).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use motcua_api::{
    CalendarRelease, CalendarYear, CatalogueRelease, PublishCalendar, PublishCatalogue,
};
use serde_json::Value;
use tokio_postgres::Client;

use crate::db::DbError;

/// Advisory lock serialising publications (versions are max + 1).
const PUBLISH_LOCK: i64 = 0x6d6f_7463_7561_0003;

/// The two kinds of release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Catalogue,
    Calendar,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Catalogue => "catalogue",
            Kind::Calendar => "calendar",
        }
    }

    /// The ETag of `version` of this kind.
    pub fn etag(self, version: i64) -> String {
        format!("\"{}-{version}\"", self.as_str())
    }
}

/// The newest release of `kind`: its version, time and body.
pub async fn latest(
    client: &Client,
    kind: Kind,
) -> Result<Option<(i64, DateTime<Utc>, Value)>, DbError> {
    let row = client
        .query_opt(
            "SELECT version, published_at, body FROM releases WHERE kind = $1 \
             ORDER BY version DESC LIMIT 1",
            &[&kind.as_str()],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Only the newest version number (for ETag checks without the body).
pub async fn latest_version(client: &Client, kind: Kind) -> Result<Option<i64>, DbError> {
    let row = client
        .query_one(
            "SELECT max(version) FROM releases WHERE kind = $1",
            &[&kind.as_str()],
        )
        .await?;
    Ok(row.get(0))
}

/// Stores `body` as the next version of `kind`; returns the version and
/// its time.
pub async fn publish(
    client: &mut Client,
    kind: Kind,
    body: &Value,
) -> Result<(i64, DateTime<Utc>), DbError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLISH_LOCK])
        .await?;
    let row = tx
        .query_one(
            "INSERT INTO releases (kind, version, body) \
             SELECT $1, COALESCE(max(version), 0) + 1, $2 FROM releases WHERE kind = $1 \
             RETURNING version, published_at",
            &[&kind.as_str(), body],
        )
        .await?;
    tx.commit().await?;
    Ok((row.get(0), row.get(1)))
}

/// A catalogue the hubs could use: procedures with distinct, non-empty
/// codes and names, each with a form.
pub fn check_catalogue(c: &PublishCatalogue) -> Result<(), String> {
    if c.procedures.is_empty() {
        return Err("procedures: the catalogue is empty".into());
    }
    let mut codes = BTreeSet::new();
    for (i, p) in c.procedures.iter().enumerate() {
        if p.code.trim().is_empty() {
            return Err(format!("procedures[{i}].code: empty"));
        }
        if !codes.insert(p.code.as_str()) {
            return Err(format!("procedures[{i}].code: {} listed twice", p.code));
        }
        if p.name_vi.trim().is_empty() {
            return Err(format!("procedures[{i}] ({}): name_vi is empty", p.code));
        }
    }
    Ok(())
}

/// A calendar the hubs could use — the hub's own rules for a year file:
/// every date in its year, none listed twice, make-up working days on a
/// Saturday or Sunday, each year once.
pub fn check_calendar(c: &PublishCalendar) -> Result<(), String> {
    if c.years.is_empty() {
        return Err("years: the calendar is empty".into());
    }
    let mut years = BTreeSet::new();
    for y in &c.years {
        if !years.insert(y.year) {
            return Err(format!("year {} listed twice", y.year));
        }
        check_year(y)?;
    }
    Ok(())
}

fn check_year(y: &CalendarYear) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for day in y.holidays.iter().chain(&y.working_days) {
        if day.date.year() != y.year {
            return Err(format!(
                "{}: {} is not in year {}",
                y.year, day.date, y.year
            ));
        }
        if !seen.insert(day.date) {
            return Err(format!("{}: {} is listed twice", y.year, day.date));
        }
    }
    if let Some(day) = y
        .working_days
        .iter()
        .find(|d| d.date.weekday().number_from_monday() < 6)
    {
        return Err(format!(
            "{}: make-up working day {} is not a Saturday or Sunday",
            y.year, day.date
        ));
    }
    Ok(())
}

/// The served form of a stored catalogue release.
pub fn catalogue_release(
    version: i64,
    at: DateTime<Utc>,
    body: Value,
    tz: chrono_tz::Tz,
) -> Result<CatalogueRelease, serde_json::Error> {
    let c: PublishCatalogue = serde_json::from_value(body)?;
    Ok(CatalogueRelease {
        version,
        published_at: crate::kpi::rfc3339(at, tz),
        label: c.label,
        procedures: c.procedures,
    })
}

/// The served form of a stored calendar release.
pub fn calendar_release(
    version: i64,
    at: DateTime<Utc>,
    body: Value,
    tz: chrono_tz::Tz,
) -> Result<CalendarRelease, serde_json::Error> {
    let c: PublishCalendar = serde_json::from_value(body)?;
    Ok(CalendarRelease {
        version,
        published_at: crate::kpi::rfc3339(at, tz),
        years: c.years,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use motcua_api::CalendarDay;

    fn day(y: i32, m: u32, d: u32, name: &str) -> CalendarDay {
        CalendarDay {
            date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            name_vi: name.into(),
            name_en: String::new(),
        }
    }

    #[test]
    fn a_calendar_follows_the_hubs_rules() {
        // The 2026 New Year swap: Friday 2/1 off, Saturday 10/1 worked.
        let good = PublishCalendar {
            years: vec![CalendarYear {
                year: 2026,
                holidays: vec![
                    day(2026, 1, 1, "Tết Dương lịch"),
                    day(2026, 1, 2, "Nghỉ bù"),
                ],
                working_days: vec![day(2026, 1, 10, "Làm bù")],
            }],
        };
        check_calendar(&good).unwrap();
        let mut weekday_make_up = good.clone();
        weekday_make_up.years[0].working_days = vec![day(2026, 1, 9, "Thứ Sáu")];
        assert!(check_calendar(&weekday_make_up)
            .unwrap_err()
            .contains("2026-01-09"));
        let mut wrong_year = good.clone();
        wrong_year.years[0].holidays.push(day(2027, 1, 1, "x"));
        assert!(check_calendar(&wrong_year)
            .unwrap_err()
            .contains("not in year"));
        let mut twice = good.clone();
        twice.years.push(good.years[0].clone());
        assert!(check_calendar(&twice).unwrap_err().contains("twice"));
        assert!(check_calendar(&PublishCalendar { years: vec![] }).is_err());
    }

    #[test]
    fn etags_name_kind_and_version() {
        assert_eq!(Kind::Calendar.etag(3), "\"calendar-3\"");
    }
}
