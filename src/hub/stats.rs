//! Figures for one business date, per service and per counter: the same
//! numbers for `GET /api/v1/stats` and `motcua report`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::domain::rating::RatingLevel;
use crate::domain::ticket::TicketState;
use crate::store::ratings::{self, RatingRow};
use crate::store::tickets::{self, TicketRow};
use crate::store::StoreError;

/// One row of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub issued: u32,
    pub served: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Seconds from issue to first call.
    pub wait_p50_seconds: Option<i64>,
    pub wait_p90_seconds: Option<i64>,
    /// Seconds from start (or call) to finish.
    pub service_p50_seconds: Option<i64>,
    pub service_p90_seconds: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceFigures {
    pub service: String,
    pub name_vi: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterFigures {
    pub counter: u32,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Ratings counted per level (and reasons given with "Không hài lòng").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingFigures {
    pub very_satisfied: u32,
    pub satisfied: u32,
    pub unsatisfied: u32,
    pub total: u32,
    /// Reason code → how many ratings gave it.
    pub reasons: BTreeMap<String, u32>,
}

impl RatingFigures {
    fn add(&mut self, r: &RatingRow) {
        match r.level {
            RatingLevel::VerySatisfied => self.very_satisfied += 1,
            RatingLevel::Satisfied => self.satisfied += 1,
            RatingLevel::Unsatisfied => self.unsatisfied += 1,
        }
        self.total += 1;
        for reason in &r.reasons {
            *self.reasons.entry(reason.clone()).or_default() += 1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterRatings {
    pub counter: u32,
    #[serde(flatten)]
    pub figures: RatingFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerRatings {
    /// Staff code.
    pub officer: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: RatingFigures,
}

/// Ratings of the tickets of one business date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayRatings {
    /// Every configured counter, rated or not.
    pub counters: Vec<CounterRatings>,
    /// Officers with at least one rating; ratings of work done without a
    /// signed-in officer are under counters only.
    pub officers: Vec<OfficerRatings>,
    pub total: RatingFigures,
}

/// `GET /api/v1/stats?date=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayStats {
    pub date: NaiveDate,
    pub services: Vec<ServiceFigures>,
    pub counters: Vec<CounterFigures>,
    pub total: Figures,
    #[serde(default)]
    pub ratings: DayRatings,
}

/// The ratings of one business date, per counter and per officer.
pub fn day_ratings(
    conn: &Connection,
    config: &Config,
    date: NaiveDate,
) -> Result<DayRatings, StoreError> {
    let mut by_counter: BTreeMap<u32, RatingFigures> = BTreeMap::new();
    let mut by_officer: BTreeMap<String, RatingFigures> = BTreeMap::new();
    let mut total = RatingFigures::default();
    for r in ratings::on_date(conn, date)? {
        total.add(&r);
        if let Some(c) = r.counter {
            by_counter.entry(c).or_default().add(&r);
        }
        if let Some(o) = &r.officer {
            by_officer.entry(o.clone()).or_default().add(&r);
        }
    }
    let counters = config
        .counters
        .iter()
        .map(|c| CounterRatings {
            counter: c.number,
            figures: by_counter.remove(&c.number).unwrap_or_default(),
        })
        .collect();
    let officers = by_officer
        .into_iter()
        .map(|(code, figures)| OfficerRatings {
            name: config
                .staff_member(&code)
                .map(|s| s.name.clone())
                .unwrap_or_else(|| code.clone()),
            officer: code,
            figures,
        })
        .collect();
    Ok(DayRatings {
        counters,
        officers,
        total,
    })
}

/// Nearest-rank percentile of `values` (sorted in place), `None` when empty.
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (u64::from(p) * values.len() as u64).div_ceil(100).max(1) as usize;
    Some(values[rank.min(values.len()) - 1])
}

#[derive(Default)]
struct Acc {
    figures: Figures,
    waits: Vec<i64>,
    services: Vec<i64>,
}

impl Acc {
    fn add(&mut self, t: &TicketRow, count_issued: bool) {
        if count_issued {
            self.figures.issued += 1;
        }
        match t.state {
            TicketState::Done => self.figures.served += 1,
            TicketState::NoShow => self.figures.no_shows += 1,
            TicketState::Cancelled => self.figures.cancelled += 1,
            _ => {}
        }
        if let Some(called) = t.called_at_ms {
            self.waits.push((called - t.issued_at_ms) / 1000);
        }
        if let (TicketState::Done, Some(finished)) = (t.state, t.finished_at_ms) {
            if let Some(from) = t.started_at_ms.or(t.called_at_ms) {
                self.services.push((finished - from) / 1000);
            }
        }
    }

    fn finish(mut self) -> Figures {
        self.figures.wait_p50_seconds = percentile(&mut self.waits, 50);
        self.figures.wait_p90_seconds = percentile(&mut self.waits, 90);
        self.figures.service_p50_seconds = percentile(&mut self.services, 50);
        self.figures.service_p90_seconds = percentile(&mut self.services, 90);
        self.figures
    }
}

/// The figures of one business date.
pub fn day_stats(
    conn: &Connection,
    config: &Config,
    date: NaiveDate,
) -> Result<DayStats, StoreError> {
    let rows = tickets::on_date(conn, date)?;
    let mut by_service: BTreeMap<&str, Acc> = BTreeMap::new();
    let mut by_counter: BTreeMap<u32, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for t in &rows {
        total.add(t, true);
        // Issued counts where the number came from; outcomes where the
        // ticket ended up (they differ after a transfer).
        by_service
            .entry(&t.number_service)
            .or_default()
            .figures
            .issued += 1;
        by_service.entry(&t.service).or_default().add(t, false);
        if let Some(c) = t.counter {
            by_counter.entry(c).or_default().add(t, true);
        }
    }
    let services = config
        .services
        .iter()
        .map(|s| ServiceFigures {
            service: s.code.clone(),
            name_vi: s.name_vi.clone(),
            figures: by_service
                .remove(s.code.as_str())
                .unwrap_or_default()
                .finish(),
        })
        .collect();
    let counters = config
        .counters
        .iter()
        .map(|c| CounterFigures {
            counter: c.number,
            figures: by_counter.remove(&c.number).unwrap_or_default().finish(),
        })
        .collect();
    Ok(DayStats {
        date,
        services,
        counters,
        total: total.finish(),
        ratings: day_ratings(conn, config, date)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v = vec![50, 10, 40, 20, 30];
        assert_eq!(percentile(&mut v, 50), Some(30));
        assert_eq!(percentile(&mut v, 90), Some(50));
        assert_eq!(percentile(&mut [], 50), None);
        assert_eq!(percentile(&mut [7], 90), Some(7));
    }
}
