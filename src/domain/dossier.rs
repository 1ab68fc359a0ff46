//! Dossier codes and the statuses a dossier goes through.
//!
//! ## Codes
//!
//! TT 01/2018/TT-VPCP Điều 19: `<unit identifier>-YYMMDD-XXXX`, e.g.
//! `000.25.31.H26-261126-0001`. The unit identifier (TT 10/2016/TT-BTTTT)
//! is the office's `office.unit_code`; the date is the office-local date of
//! receipt; `XXXX` is the unit's running count for that date, so a unit can
//! receive at most 9999 dossiers a day. Like ticket numbers, the count
//! restarts lazily with the first dossier of a new date.
//!
//! ## Statuses
//!
//! The hub tracks where a dossier is with the portal ([`PortalStatus`]) and
//! keeps a timeline of [`Stage`]s: received at the hub, sent to the portal,
//! then what the portal reports.

use chrono::NaiveDate;

/// The most dossiers one unit can receive on one date.
pub const MAX_PER_DAY: u32 = 9999;

/// Why a dossier code cannot be assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DossierCodeError {
    #[error("the unit has received its {MAX_PER_DAY} dossiers for today")]
    DailyLimitReached,
}

/// The running count for the next dossier received on `today`, given the
/// last one assigned (`(date, count)`).
pub fn next_sequence(
    last: Option<(NaiveDate, u32)>,
    today: NaiveDate,
) -> Result<u32, DossierCodeError> {
    let next = match last {
        Some((date, n)) if date == today => n + 1,
        _ => 1,
    };
    if next > MAX_PER_DAY {
        return Err(DossierCodeError::DailyLimitReached);
    }
    Ok(next)
}

/// `<unit>-YYMMDD-XXXX`.
pub fn format_code(unit: &str, date: NaiveDate, sequence: u32) -> String {
    format!("{unit}-{}-{sequence:04}", date.format("%y%m%d"))
}

/// A code taken apart: unit, date and running count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCode {
    pub unit: String,
    pub date: NaiveDate,
    pub sequence: u32,
}

/// Parses a code typed by a citizen or scanned from a receipt. Spaces are
/// ignored and letters upper-cased (unit identifiers are upper case).
pub fn parse_code(text: &str) -> Option<ParsedCode> {
    let text: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let mut parts = text.rsplitn(3, '-');
    let sequence = parts.next()?;
    let date = parts.next()?;
    let unit = parts.next()?;
    if unit.is_empty()
        || sequence.len() != 4
        || date.len() != 6
        || !sequence.bytes().all(|b| b.is_ascii_digit())
        || !date.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let sequence: u32 = sequence.parse().ok()?;
    if sequence == 0 {
        return None;
    }
    let date = NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d").ok()?;
    Some(ParsedCode {
        unit: unit.to_owned(),
        date,
        sequence,
    })
}

/// The statuses and timeline stages are the wire's.
pub use motcua_api::{PortalStatus, Stage};

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn code_format_matches_tt01_2018() {
        assert_eq!(
            format_code("000.25.31.H26", day("2026-11-26"), 1),
            "000.25.31.H26-261126-0001"
        );
        assert_eq!(
            format_code("000.25.31.H26", day("2027-01-05"), 9999),
            "000.25.31.H26-270105-9999"
        );
    }

    #[test]
    fn daily_running_count_restarts_each_day_and_stops_at_9999() {
        let today = day("2026-11-26");
        assert_eq!(next_sequence(None, today), Ok(1));
        assert_eq!(next_sequence(Some((today, 1)), today), Ok(2));
        assert_eq!(next_sequence(Some((day("2026-11-25"), 812)), today), Ok(1));
        assert_eq!(next_sequence(Some((today, 9998)), today), Ok(9999));
        assert_eq!(
            next_sequence(Some((today, 9999)), today),
            Err(DossierCodeError::DailyLimitReached)
        );
    }

    #[test]
    fn codes_parse_back() {
        let parsed = parse_code(" 000.25.31.h26-261126-0042 ").unwrap();
        assert_eq!(parsed.unit, "000.25.31.H26");
        assert_eq!(parsed.date, day("2026-11-26"));
        assert_eq!(parsed.sequence, 42);
        assert!(parse_code("000.25.31.H26-261326-0001").is_none());
        assert!(parse_code("000.25.31.H26-261126-001").is_none());
        assert!(parse_code("000.25.31.H26-261126-0000").is_none());
        assert!(parse_code("261126-0001").is_none());
        assert!(parse_code("").is_none());
    }

    #[test]
    fn statuses_round_trip() {
        for s in PortalStatus::ALL {
            assert_eq!(PortalStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert_eq!(Stage::parse("sent"), Some(Stage::Sent));
        assert!(PortalStatus::ResultReady.is_final());
        assert!(!PortalStatus::SupplementRequested.is_final());
    }
}
