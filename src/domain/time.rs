//! Business dates and local times.
//!
//! The office's local date decides numbering resets, reports and due times.
//! Hà Nội is UTC+7, so a reset at UTC midnight would happen at 07:00 local —
//! in the middle of the morning rush. Every date here is computed in the
//! office time zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The office-local calendar date of `at`.
pub fn business_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// RFC 3339 text of `at` in the office's offset, e.g. `2026-11-26T08:30:00+07:00`.
pub fn to_local_rfc3339(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Milliseconds since the Unix epoch, the storage form of instants.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`to_millis`].
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Ho_Chi_Minh;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn local_midnight_is_1700_utc() {
        // 23:59 local on the 25th is 16:59 UTC; 00:00 local on the 26th is 17:00 UTC.
        assert_eq!(
            business_date(utc("2026-11-25T16:59:59Z"), Ho_Chi_Minh),
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
        );
        assert_eq!(
            business_date(utc("2026-11-25T17:00:00Z"), Ho_Chi_Minh),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
    }

    #[test]
    fn utc_midnight_is_not_a_new_business_day() {
        // 00:00 UTC is 07:00 local: same business date as 06:59 local.
        let before = business_date(utc("2026-11-25T23:59:00Z"), Ho_Chi_Minh);
        let after = business_date(utc("2026-11-26T00:00:00Z"), Ho_Chi_Minh);
        assert_eq!(before, after);
    }

    #[test]
    fn local_rfc3339_carries_the_offset() {
        assert_eq!(
            to_local_rfc3339(utc("2026-11-26T01:30:00Z"), Ho_Chi_Minh),
            "2026-11-26T08:30:00+07:00"
        );
    }
}
