//! Daily numbering and the choice of the next ticket to call.
//!
//! Numbering is per service and per business date: the first ticket of a new
//! office-local date starts again at the configured start number. There is no
//! cron job — the reset happens lazily when the first ticket of the day is
//! issued, so a hub that was off at midnight still starts the day right.
//!
//! Priority tickets go first, interleaved so that normal tickets never
//! starve: at most `max_in_row` priority calls in a row at a counter, and a
//! normal ticket that has waited `max_normal_wait` is called next regardless.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Why a number cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberingError {
    #[error("daily cap of {cap} tickets reached for this service")]
    DailyCapReached { cap: u32 },
}

/// The last number a service issued, and on which business date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastIssued {
    pub date: NaiveDate,
    pub number: u32,
}

/// Numbering rules for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbering {
    /// First number of each business date.
    pub start: u32,
    /// Tickets per business date.
    pub cap: u32,
}

impl Numbering {
    /// The number for the next ticket issued on `today`.
    ///
    /// `last` is what the service issued most recently; a different date
    /// (yesterday or older) means the day has turned and numbering restarts.
    pub fn next(&self, last: Option<LastIssued>, today: NaiveDate) -> Result<u32, NumberingError> {
        let next = match last {
            Some(last) if last.date == today => last.number + 1,
            _ => self.start,
        };
        let issued_today = next - self.start + 1;
        if issued_today > self.cap {
            return Err(NumberingError::DailyCapReached { cap: self.cap });
        }
        Ok(next)
    }
}

/// A ticket waiting to be called, as the selection rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    /// Position in the queue: the original issue time (a transferred ticket
    /// keeps it).
    pub queued_at: DateTime<Utc>,
    pub priority: bool,
}

/// The interleaving policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityPolicy {
    pub max_in_row: u32,
    pub max_normal_wait: Duration,
}

/// Which ticket a counter calls next.
///
/// `waiting` is every waiting ticket of the services the counter serves, in
/// any order; `streak` is how many priority tickets this counter called in a
/// row just before. Returns the chosen ticket, or `None` when nothing waits.
pub fn pick_next(
    waiting: &[Waiting],
    policy: &PriorityPolicy,
    streak: u32,
    now: DateTime<Utc>,
) -> Option<Waiting> {
    let oldest = |priority: bool| {
        waiting
            .iter()
            .filter(|w| w.priority == priority)
            .min_by_key(|w| (w.queued_at, w.id))
            .copied()
    };
    let normal = oldest(false);
    let priority = oldest(true);
    match (normal, priority) {
        (None, None) => None,
        (Some(n), None) => Some(n),
        (None, Some(p)) => Some(p),
        (Some(n), Some(p)) => {
            let normal_overdue = now - n.queued_at >= policy.max_normal_wait;
            if normal_overdue || streak >= policy.max_in_row {
                Some(n)
            } else {
                Some(p)
            }
        }
    }
}

/// The counter's priority streak after calling a ticket.
pub fn next_streak(streak: u32, called_priority: bool) -> u32 {
    if called_priority {
        streak + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(minute: i64) -> DateTime<Utc> {
        "2026-11-26T01:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minute)
    }

    const POLICY: PriorityPolicy = PriorityPolicy {
        max_in_row: 2,
        max_normal_wait: Duration::minutes(30),
    };

    #[test]
    fn numbering_continues_within_a_day() {
        let n = Numbering { start: 1, cap: 999 };
        let today = date("2026-11-26");
        assert_eq!(n.next(None, today), Ok(1));
        let last = LastIssued {
            date: today,
            number: 41,
        };
        assert_eq!(n.next(Some(last), today), Ok(42));
    }

    #[test]
    fn numbering_restarts_on_a_new_business_date() {
        let n = Numbering { start: 1, cap: 999 };
        let last = LastIssued {
            date: date("2026-11-25"),
            number: 187,
        };
        assert_eq!(n.next(Some(last), date("2026-11-26")), Ok(1));
    }

    #[test]
    fn start_number_is_configurable() {
        let n = Numbering { start: 100, cap: 3 };
        let today = date("2026-11-26");
        assert_eq!(n.next(None, today), Ok(100));
        let last = LastIssued {
            date: today,
            number: 102,
        };
        assert_eq!(
            n.next(Some(last), today),
            Err(NumberingError::DailyCapReached { cap: 3 })
        );
    }

    #[test]
    fn daily_cap_refuses_the_next_ticket_and_resets_tomorrow() {
        let n = Numbering { start: 1, cap: 5 };
        let today = date("2026-11-26");
        let last = LastIssued {
            date: today,
            number: 4,
        };
        assert_eq!(n.next(Some(last), today), Ok(5));
        let last = LastIssued {
            date: today,
            number: 5,
        };
        assert_eq!(
            n.next(Some(last), today),
            Err(NumberingError::DailyCapReached { cap: 5 })
        );
        assert_eq!(n.next(Some(last), date("2026-11-27")), Ok(1));
    }

    fn w(id: i64, minute: i64, priority: bool) -> Waiting {
        Waiting {
            id,
            queued_at: at(minute),
            priority,
        }
    }

    #[test]
    fn nothing_waiting_calls_nothing() {
        assert_eq!(pick_next(&[], &POLICY, 0, at(0)), None);
    }

    #[test]
    fn oldest_first_without_priority() {
        let q = [w(3, 2, false), w(1, 0, false), w(2, 1, false)];
        assert_eq!(pick_next(&q, &POLICY, 0, at(5)).unwrap().id, 1);
    }

    #[test]
    fn priority_goes_first() {
        let q = [w(1, 0, false), w(2, 3, true)];
        assert_eq!(pick_next(&q, &POLICY, 0, at(5)).unwrap().id, 2);
    }

    #[test]
    fn priority_is_interleaved_after_max_in_row() {
        // Two normal, five priority: with max 2 in a row the order is
        // P P N P P N P.
        let mut queue = vec![w(1, 0, false), w(2, 1, false)];
        for i in 0..5 {
            queue.push(w(10 + i, 2 + i, true));
        }
        let mut streak = 0;
        let mut order = Vec::new();
        while let Some(next) = pick_next(&queue, &POLICY, streak, at(10)) {
            order.push(if next.priority { 'P' } else { 'N' });
            streak = next_streak(streak, next.priority);
            queue.retain(|t| t.id != next.id);
        }
        assert_eq!(order.iter().collect::<String>(), "PPNPPNP");
    }

    #[test]
    fn a_normal_ticket_waiting_too_long_goes_next() {
        let q = [w(1, 0, false), w(2, 20, true)];
        // 29 minutes: priority still first.
        assert_eq!(pick_next(&q, &POLICY, 0, at(29)).unwrap().id, 2);
        // 30 minutes: the normal ticket has waited the maximum.
        assert_eq!(pick_next(&q, &POLICY, 0, at(30)).unwrap().id, 1);
    }

    #[test]
    fn priority_only_queue_is_served_even_past_the_streak() {
        let q = [w(1, 0, true), w(2, 1, true)];
        assert_eq!(pick_next(&q, &POLICY, 5, at(2)).unwrap().id, 1);
    }

    #[test]
    fn ties_break_by_id() {
        let q = [w(7, 0, false), w(5, 0, false)];
        assert_eq!(pick_next(&q, &POLICY, 0, at(1)).unwrap().id, 5);
    }
}
