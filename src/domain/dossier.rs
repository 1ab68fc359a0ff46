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

use chrono::{Datelike, NaiveDate};

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

/// The short code printed on a receipt: the last 4 digits of the dossier
/// code and the filing date, day and month (`0007`, `26/11`), with the
/// year when the citizen gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortCode {
    pub sequence: u32,
    pub day: u32,
    pub month: u32,
    pub year: Option<i32>,
}

impl ShortCode {
    /// `number` is the 4 digits; `date` is `dd/mm` or `dd/mm/yyyy` (also
    /// with `-` or `.`, or `ddmm` run together).
    pub fn parse(number: &str, date: &str) -> Option<Self> {
        let number = number.trim();
        if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sequence: u32 = number.parse().ok().filter(|n| *n > 0)?;
        let date = date.trim();
        let parts: Vec<&str> = if date.contains(['/', '-', '.']) {
            date.split(['/', '-', '.']).collect()
        } else if date.len() == 4 && date.bytes().all(|b| b.is_ascii_digit()) {
            vec![&date[..2], &date[2..]]
        } else {
            return None;
        };
        let num = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (day, month, year) = match parts.as_slice() {
            [d, m] => (num(d)?, num(m)?, None),
            [d, m, y] if y.len() == 4 => (num(d)?, num(m)?, Some(num(y)? as i32)),
            _ => return None,
        };
        // A real day of some year (29/02 included).
        NaiveDate::from_ymd_opt(year.unwrap_or(2024), month, day)?;
        Some(Self {
            sequence,
            day,
            month,
            year,
        })
    }

    /// Text typed or scanned at a kiosk, `0007 26/11` (or `0007-26/11`,
    /// `000726/11`, `0007 2611`); `None` when it is not a short code.
    pub fn parse_typed(text: &str) -> Option<Self> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (number, date) = text.split_at_checked(4)?;
        Self::parse(number, date.trim_start_matches(['-', '·', '+']))
    }

    /// The short code of a full dossier code (`…-261126-0007` →
    /// `0007 26/11`), which the receipt prints for the lookup.
    pub fn of_code(code: &str) -> Option<Self> {
        let parsed = parse_code(code)?;
        Some(Self {
            sequence: parsed.sequence,
            day: parsed.date.day(),
            month: parsed.date.month(),
            year: None,
        })
    }

    /// `0007 26/11`, as it is typed at the kiosk's lookup: how the receipt
    /// and the receipt page write it (plain ASCII for any printer).
    pub fn typed(&self) -> String {
        match self.year {
            Some(y) => format!("{:04} {:02}/{:02}/{y}", self.sequence, self.day, self.month),
            None => format!("{:04} {:02}/{:02}", self.sequence, self.day, self.month),
        }
    }

    /// `0007 · 26/11`, as messages about a short code write it.
    pub fn display(&self) -> String {
        match self.year {
            Some(y) => format!(
                "{:04} · {:02}/{:02}/{y}",
                self.sequence, self.day, self.month
            ),
            None => format!("{:04} · {:02}/{:02}", self.sequence, self.day, self.month),
        }
    }
}

/// The statuses and timeline stages are the wire's.
pub use motcua_api::{PortalStatus, Stage};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_codes_are_the_last_four_digits_and_the_date() {
        let c = ShortCode::parse("0007", "26/11").unwrap();
        assert_eq!((c.sequence, c.day, c.month, c.year), (7, 26, 11, None));
        assert_eq!(c.display(), "0007 · 26/11");
        for typed in [
            "0007 26/11",
            "0007-26/11",
            "000726/11",
            "0007 2611",
            " 0007 26-11 ",
        ] {
            assert_eq!(ShortCode::parse_typed(typed), Some(c), "{typed}");
        }
        assert_eq!(
            ShortCode::parse("1234", "03/12/2026").unwrap().year,
            Some(2026)
        );
        assert!(ShortCode::parse("0000", "26/11").is_none());
        assert!(ShortCode::parse("123", "26/11").is_none());
        assert!(ShortCode::parse("0007", "31/02").is_none());
        assert!(ShortCode::parse("0007", "").is_none());
        assert!(ShortCode::parse_typed("000.25.31.H26-261126-0007").is_none());
        assert!(ShortCode::parse("0007", "29/02").is_some());
    }

    #[test]
    fn a_dossier_code_gives_the_short_code_its_receipt_prints() {
        let c = ShortCode::of_code("000.25.31.H26-261126-0007").unwrap();
        assert_eq!(c.typed(), "0007 26/11");
        // What the receipt prints, the lookup accepts as typed.
        assert_eq!(ShortCode::parse_typed(&c.typed()), Some(c));
        assert!(ShortCode::of_code("not a code").is_none());
    }

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
