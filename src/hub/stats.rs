//! Figures for one business date, per service and per counter: the same
//! numbers for `GET /api/v1/stats` and `motcua report`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::Connection;

use crate::config::Config;
use crate::domain::rating::RatingLevel;
use crate::domain::ticket::TicketState;
use crate::store::ratings::{self, RatingRow};
use crate::store::tickets::{self, TicketRow};
use crate::store::StoreError;

/// The figures are wire types (`GET /api/v1/stats`).
pub use motcua_api::{
    CounterFigures, CounterRatings, DayRatings, DayStats, Figures, OfficerRatings, RatingFigures,
    ServiceFigures,
};

/// Counts one rating into `figures`.
fn add_rating(figures: &mut RatingFigures, r: &RatingRow) {
    match r.level {
        RatingLevel::VerySatisfied => figures.very_satisfied += 1,
        RatingLevel::Satisfied => figures.satisfied += 1,
        RatingLevel::Unsatisfied => figures.unsatisfied += 1,
    }
    figures.total += 1;
    for reason in &r.reasons {
        *figures.reasons.entry(reason.clone()).or_default() += 1;
    }
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
        add_rating(&mut total, &r);
        if let Some(c) = r.counter {
            add_rating(by_counter.entry(c).or_default(), &r);
        }
        if let Some(o) = &r.officer {
            add_rating(by_officer.entry(o.clone()).or_default(), &r);
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
