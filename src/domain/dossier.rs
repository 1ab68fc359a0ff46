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
use serde::{Deserialize, Serialize};

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

/// Where a dossier stands with the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalStatus {
    /// Committed at the hub, waiting in the outbox to be sent.
    Pending,
    /// The portal acknowledged it (it has a portal reference).
    Received,
    Processing,
    /// The office asks for more documents.
    SupplementRequested,
    ResultReady,
    /// The portal refused the submission itself (not retried; staff act).
    Refused,
}

impl PortalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PortalStatus::Pending => "pending",
            PortalStatus::Received => "received",
            PortalStatus::Processing => "processing",
            PortalStatus::SupplementRequested => "supplement_requested",
            PortalStatus::ResultReady => "result_ready",
            PortalStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => PortalStatus::Pending,
            "received" => PortalStatus::Received,
            "processing" => PortalStatus::Processing,
            "supplement_requested" => PortalStatus::SupplementRequested,
            "result_ready" => PortalStatus::ResultReady,
            "refused" => PortalStatus::Refused,
            _ => return None,
        })
    }

    /// Nothing more will change without a person acting.
    pub fn is_final(self) -> bool {
        matches!(self, PortalStatus::ResultReady | PortalStatus::Refused)
    }

    /// The status in words, for the lookup screen: (Vietnamese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            PortalStatus::Pending => (
                "Đang chờ gửi lên Cổng dịch vụ công (hệ thống tự động gửi)",
                "Waiting to be sent to the public service portal (automatic)",
            ),
            PortalStatus::Received => (
                "Cổng dịch vụ công đã tiếp nhận",
                "Received by the public service portal",
            ),
            PortalStatus::Processing => ("Đang giải quyết", "Being processed"),
            PortalStatus::SupplementRequested => (
                "Cần bổ sung hồ sơ — vui lòng liên hệ bộ phận một cửa",
                "More documents needed — please contact the one-stop office",
            ),
            PortalStatus::ResultReady => (
                "Đã có kết quả — mời đến nhận",
                "The result is ready to collect",
            ),
            PortalStatus::Refused => (
                "Cổng dịch vụ công không tiếp nhận — cán bộ sẽ liên hệ",
                "Refused by the portal — staff will contact you",
            ),
        }
    }
}

/// A step of a dossier's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Committed at the hub; code and due time assigned.
    Received,
    /// Delivered to the portal, which answered with its reference.
    Sent,
    Processing,
    SupplementRequested,
    ResultReady,
    Refused,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Sent => "sent",
            Stage::Processing => "processing",
            Stage::SupplementRequested => "supplement_requested",
            Stage::ResultReady => "result_ready",
            Stage::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "received" => Stage::Received,
            "sent" => Stage::Sent,
            "processing" => Stage::Processing,
            "supplement_requested" => Stage::SupplementRequested,
            "result_ready" => Stage::ResultReady,
            "refused" => Stage::Refused,
            _ => return None,
        })
    }

    /// The stage a portal status adds to the timeline (none for the states
    /// the hub records itself).
    pub fn from_portal(status: PortalStatus) -> Option<Self> {
        match status {
            PortalStatus::Pending | PortalStatus::Received => None,
            PortalStatus::Processing => Some(Stage::Processing),
            PortalStatus::SupplementRequested => Some(Stage::SupplementRequested),
            PortalStatus::ResultReady => Some(Stage::ResultReady),
            PortalStatus::Refused => Some(Stage::Refused),
        }
    }

    /// The stage in words: (Vietnamese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Stage::Received => (
                "Đã tiếp nhận hồ sơ tại bộ phận một cửa",
                "Received at the one-stop office",
            ),
            Stage::Sent => (
                "Đã gửi lên Cổng dịch vụ công",
                "Sent to the public service portal",
            ),
            Stage::Processing => ("Đang giải quyết", "Being processed"),
            Stage::SupplementRequested => ("Yêu cầu bổ sung hồ sơ", "More documents requested"),
            Stage::ResultReady => ("Đã có kết quả", "Result ready"),
            Stage::Refused => ("Không được tiếp nhận", "Refused"),
        }
    }
}

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
        for s in [
            PortalStatus::Pending,
            PortalStatus::Received,
            PortalStatus::Processing,
            PortalStatus::SupplementRequested,
            PortalStatus::ResultReady,
            PortalStatus::Refused,
        ] {
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
