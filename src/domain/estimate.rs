//! Estimated waiting time per service.
//!
//! The estimate is deliberately simple and explainable to a citizen: the
//! people ahead, times the average of today's recent service times, shared
//! among the counters open for that service. Before the day has any history
//! the configured default service time is used.

/// What the estimate needs to know about a service right now.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLoad<'a> {
    /// Tickets waiting ahead of the one being estimated.
    pub people_ahead: u32,
    /// Durations in seconds of recent services of the day (most recent
    /// first, already limited to the estimate window).
    pub recent_service_secs: &'a [i64],
    /// Counters currently open that serve the service.
    pub open_counters: u32,
    /// Counters configured to serve it (used when none is open yet).
    pub configured_counters: u32,
    /// Fallback service time in minutes.
    pub default_service_minutes: u32,
}

/// Average service time in seconds: recent history, or the default.
pub fn average_service_secs(recent: &[i64], default_minutes: u32) -> f64 {
    let usable: Vec<i64> = recent.iter().copied().filter(|s| *s >= 0).collect();
    if usable.is_empty() {
        f64::from(default_minutes) * 60.0
    } else {
        usable.iter().sum::<i64>() as f64 / usable.len() as f64
    }
}

/// Estimated minutes until the ticket is called, rounded up.
pub fn estimated_wait_minutes(load: &ServiceLoad<'_>) -> u32 {
    if load.people_ahead == 0 {
        return 0;
    }
    let counters = if load.open_counters > 0 {
        load.open_counters
    } else {
        load.configured_counters.max(1)
    };
    let avg = average_service_secs(load.recent_service_secs, load.default_service_minutes);
    let secs = f64::from(load.people_ahead) * avg / f64::from(counters);
    (secs / 60.0).ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(people_ahead: u32, recent: &[i64], open: u32) -> ServiceLoad<'_> {
        ServiceLoad {
            people_ahead,
            recent_service_secs: recent,
            open_counters: open,
            configured_counters: 2,
            default_service_minutes: 8,
        }
    }

    #[test]
    fn nobody_ahead_means_no_wait() {
        assert_eq!(estimated_wait_minutes(&load(0, &[600], 1)), 0);
    }

    #[test]
    fn default_time_before_any_history() {
        // 3 people × 8 min / 1 counter.
        assert_eq!(estimated_wait_minutes(&load(3, &[], 1)), 24);
    }

    #[test]
    fn recent_history_and_open_counters() {
        // average 5 min; 4 people over 2 open counters = 10 min.
        assert_eq!(estimated_wait_minutes(&load(4, &[240, 360], 2)), 10);
    }

    #[test]
    fn configured_counters_when_none_is_open() {
        // 4 × 8 min / 2 configured counters.
        assert_eq!(estimated_wait_minutes(&load(4, &[], 0)), 16);
    }

    #[test]
    fn rounds_up_to_whole_minutes() {
        assert_eq!(estimated_wait_minutes(&load(1, &[61], 1)), 2);
    }
}
