//! The working-day calendar and due times (thời hạn giải quyết).
//!
//! ## Working days
//!
//! A working day is Monday to Friday, except public holidays, plus the
//! make-up working days (*ngày làm bù*, usually a Saturday) the government
//! announces when it swaps a working day to lengthen a holiday. Holidays are
//! announced year by year (Tết follows the lunar calendar), so the calendar
//! is **data**: one TOML file per year (`data/calendar/2026.toml`), shipped
//! for the years we know and editable by an administrator:
//!
//! ```toml
//! year = 2026
//! [[holidays]]
//! date = "2026-01-02"
//! name_vi = "Nghỉ hoán đổi dịp Tết Dương lịch"
//! name_en = "New Year (swapped day)"
//! [[working_days]]
//! date = "2026-01-10"
//! name_vi = "Làm bù cho thứ Sáu 02/01/2026"
//! ```
//!
//! List every day the office is closed: a holiday that falls on a weekend is
//! compensated on a weekday, and that weekday is what goes in the file. A
//! year without a file counts only weekends; the hub warns about it.
//!
//! ## Due times
//!
//! [`due_at`] turns the moment a dossier is received (office-local wall
//! time) and the legal processing time into the moment the result is due:
//!
//! 1. A dossier received outside office hours or on a non-working day counts
//!    as received when the office next opens.
//! 2. "Same day" procedures (0 working days): due at closing time the same
//!    day — unless received after the cut-off (15:00, Luật Hộ tịch Điều 5
//!    khoản 3: received after 15:00 and not settled at once → returned the
//!    next working day), then at closing time on the next working day.
//! 3. N working days: due on the N-th working day after the day of receipt,
//!    at the same time of day.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// The calendars shipped with motcua, by year.
pub const BUILTIN_YEARS: [&str; 3] = [
    include_str!("../../data/calendar/2025.toml"),
    include_str!("../../data/calendar/2026.toml"),
    include_str!("../../data/calendar/2027.toml"),
];

/// A named day in a year file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedDay {
    pub date: NaiveDate,
    pub name_vi: String,
    #[serde(default)]
    pub name_en: String,
}

/// One year file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    pub year: i32,
    /// Weekdays the office is closed.
    #[serde(default)]
    pub holidays: Vec<NamedDay>,
    /// Weekend days the office works (make-up days).
    #[serde(default)]
    pub working_days: Vec<NamedDay>,
}

/// A calendar file that cannot be used; the message names the file and day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar {source_name}: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error("calendar {source_name}: {date} is not in year {year}")]
    WrongYear {
        source_name: String,
        date: NaiveDate,
        year: i32,
    },
    #[error("calendar {source_name}: {date} is listed twice")]
    Duplicate {
        source_name: String,
        date: NaiveDate,
    },
    #[error("calendar {source_name}: make-up working day {date} is not a Saturday or Sunday")]
    MakeUpOnWeekday {
        source_name: String,
        date: NaiveDate,
    },
}

/// Working days: weekends and holidays off, make-up days on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearFile>,
    holidays: BTreeMap<NaiveDate, NamedDay>,
    working: BTreeMap<NaiveDate, NamedDay>,
}

impl Calendar {
    /// The calendars shipped with motcua (2025–2027).
    pub fn builtin() -> Self {
        let mut calendar = Self::default();
        for (i, text) in BUILTIN_YEARS.iter().enumerate() {
            calendar
                .add_year(&format!("builtin #{i}"), text)
                .expect("the shipped calendar files are valid (tested)");
        }
        calendar
    }

    /// Parses one year file and adds it, replacing a year already present
    /// (an administrator's file wins over the shipped one).
    pub fn add_year(&mut self, source_name: &str, text: &str) -> Result<i32, CalendarError> {
        let file: YearFile = toml::from_str(text).map_err(|e| CalendarError::Parse {
            source_name: source_name.to_owned(),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for day in file.holidays.iter().chain(&file.working_days) {
            if day.date.year() != file.year {
                return Err(CalendarError::WrongYear {
                    source_name: source_name.to_owned(),
                    date: day.date,
                    year: file.year,
                });
            }
            if !seen.insert(day.date) {
                return Err(CalendarError::Duplicate {
                    source_name: source_name.to_owned(),
                    date: day.date,
                });
            }
        }
        if let Some(day) = file.working_days.iter().find(|d| !is_weekend(d.date)) {
            return Err(CalendarError::MakeUpOnWeekday {
                source_name: source_name.to_owned(),
                date: day.date,
            });
        }
        let year = file.year;
        self.holidays.retain(|d, _| d.year() != year);
        self.working.retain(|d, _| d.year() != year);
        for day in &file.holidays {
            self.holidays.insert(day.date, day.clone());
        }
        for day in &file.working_days {
            self.working.insert(day.date, day.clone());
        }
        self.years.insert(year, file);
        Ok(year)
    }

    /// Whether a file describes `year` (otherwise only weekends count).
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years described, oldest first.
    pub fn years(&self) -> impl Iterator<Item = &YearFile> {
        self.years.values()
    }

    /// The holiday on `date`, if it is one.
    pub fn holiday(&self, date: NaiveDate) -> Option<&NamedDay> {
        self.holidays.get(&date)
    }

    /// Whether the office works on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.working.contains_key(&date) {
            return true;
        }
        !is_weekend(date) && !self.holidays.contains_key(&date)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut d = date;
        loop {
            d = d.succ_opt().expect("dates stay far from chrono's limits");
            if self.is_working_day(d) {
                return d;
            }
        }
    }

    /// The `n`-th working day after `date` (`date` itself for `n = 0`).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        (0..n).fold(date, |d, _| self.next_working_day(d))
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// When the office receives dossiers and returns results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    /// Same-day procedures received after this are due the next working day.
    pub same_day_cutoff: NaiveTime,
}

impl Default for OfficeHours {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        Self {
            opens: t(8, 0),
            closes: t(17, 0),
            same_day_cutoff: t(15, 0),
        }
    }
}

/// When a dossier received at `received` counts as received: now if the
/// office is open, otherwise when it next opens.
pub fn effective_receipt(
    calendar: &Calendar,
    hours: &OfficeHours,
    received: NaiveDateTime,
) -> NaiveDateTime {
    let (day, time) = (received.date(), received.time());
    if calendar.is_working_day(day) && time < hours.closes {
        return day.and_time(time.max(hours.opens));
    }
    calendar.next_working_day(day).and_time(hours.opens)
}

/// The moment the result is due, for a dossier received at `received`
/// (office-local wall time) with a legal processing time of `working_days`
/// (0 = same day). See the module documentation for the rules.
pub fn due_at(
    calendar: &Calendar,
    hours: &OfficeHours,
    received: NaiveDateTime,
    working_days: u32,
) -> NaiveDateTime {
    let effective = effective_receipt(calendar, hours, received);
    if working_days == 0 {
        let day = if effective.time() > hours.same_day_cutoff {
            calendar.next_working_day(effective.date())
        } else {
            effective.date()
        };
        return day.and_time(hours.closes);
    }
    calendar
        .add_working_days(effective.date(), working_days)
        .and_time(effective.time())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn due(received: &str, days: u32) -> NaiveDateTime {
        due_at(
            &Calendar::builtin(),
            &OfficeHours::default(),
            at(received),
            days,
        )
    }

    #[test]
    fn same_day_before_1500_is_due_at_closing_the_same_day() {
        // Thursday 26/11/2026.
        assert_eq!(due("2026-11-26 09:30", 0), at("2026-11-26 17:00"));
        assert_eq!(due("2026-11-26 15:00", 0), at("2026-11-26 17:00"));
    }

    #[test]
    fn same_day_after_1500_is_due_the_next_working_day() {
        assert_eq!(due("2026-11-26 15:01", 0), at("2026-11-27 17:00"));
        // Friday after 15:00 → Monday.
        assert_eq!(due("2026-11-27 16:10", 0), at("2026-11-30 17:00"));
    }

    #[test]
    fn received_on_a_weekend_or_after_hours_counts_from_the_next_opening() {
        // Saturday 28/11/2026 → Monday 30/11.
        assert_eq!(due("2026-11-28 10:00", 0), at("2026-11-30 17:00"));
        // Thursday evening → Friday morning, before the cut-off.
        assert_eq!(due("2026-11-26 19:45", 0), at("2026-11-27 17:00"));
        // Early morning counts from opening time.
        assert_eq!(due("2026-11-26 06:00", 3), at("2026-12-01 08:00"));
    }

    #[test]
    fn n_working_days_skip_weekends() {
        // Thursday + 3 working days = Tuesday, same time.
        assert_eq!(due("2026-11-26 10:15", 3), at("2026-12-01 10:15"));
        assert_eq!(due("2026-11-26 10:15", 1), at("2026-11-27 10:15"));
        assert_eq!(due("2026-11-26 10:15", 5), at("2026-12-03 10:15"));
    }

    #[test]
    fn tet_2026_is_skipped() {
        // Tết Bính Ngọ: offices closed Sat 14/2 – Sun 22/2/2026.
        let cal = Calendar::builtin();
        for d in 14..=22 {
            assert!(!cal.is_working_day(day(&format!("2026-02-{d:02}"))), "{d}");
        }
        // Friday 13/2 after 15:00 → Monday 23/2.
        assert_eq!(due("2026-02-13 15:30", 0), at("2026-02-23 17:00"));
        // Thursday 12/2 + 3 working days: 13/2, 23/2, 24/2.
        assert_eq!(due("2026-02-12 09:00", 3), at("2026-02-24 09:00"));
        // Mùng 1 Tết itself.
        assert_eq!(due("2026-02-17 09:00", 0), at("2026-02-23 17:00"));
    }

    #[test]
    fn tet_2025_and_2027_are_skipped() {
        let cal = Calendar::builtin();
        assert!(!cal.is_working_day(day("2025-01-29")));
        assert_eq!(due("2025-01-24 16:00", 0), at("2025-02-03 17:00"));
        assert!(!cal.is_working_day(day("2027-02-08")));
        assert!(cal.holiday(day("2027-02-05")).is_some());
    }

    #[test]
    fn make_up_saturdays_are_working_days() {
        let cal = Calendar::builtin();
        // 2026: Friday 2/1 swapped with Saturday 10/1.
        assert!(!cal.is_working_day(day("2026-01-02")));
        assert!(cal.is_working_day(day("2026-01-10")));
        // Friday 9/1 after 15:00 → the make-up Saturday 10/1.
        assert_eq!(due("2026-01-09 15:30", 0), at("2026-01-10 17:00"));
        // Filed on the make-up Saturday itself, before the cut-off.
        assert_eq!(due("2026-01-10 09:00", 0), at("2026-01-10 17:00"));
        // Thursday 8/1 + 2 working days = 9/1, 10/1.
        assert_eq!(due("2026-01-08 11:00", 2), at("2026-01-10 11:00"));
        // 2025: Friday 2/5 swapped with Saturday 26/4.
        assert!(cal.is_working_day(day("2025-04-26")));
        assert!(!cal.is_working_day(day("2025-05-02")));
        assert_eq!(due("2025-04-29 16:00", 0), at("2025-05-05 17:00"));
    }

    #[test]
    fn national_day_2026_with_its_swap() {
        let cal = Calendar::builtin();
        for d in ["2026-08-31", "2026-09-01", "2026-09-02"] {
            assert!(!cal.is_working_day(day(d)), "{d}");
        }
        assert!(cal.is_working_day(day("2026-08-22")));
        assert_eq!(due("2026-08-28 10:00", 1), at("2026-09-03 10:00"));
    }

    #[test]
    fn shipped_years_are_covered_and_others_count_weekends_only() {
        let cal = Calendar::builtin();
        assert!(cal.covers(2025) && cal.covers(2026) && cal.covers(2027));
        assert!(!cal.covers(2028));
        // 1/1/2028 is a Saturday; 3/1/2028 a Monday with no file: working.
        assert!(cal.is_working_day(day("2028-01-03")));
    }

    #[test]
    fn an_administrator_file_replaces_the_shipped_year() {
        let mut cal = Calendar::builtin();
        cal.add_year(
            "local/2026.toml",
            "year = 2026\n[[holidays]]\ndate = \"2026-11-24\"\nname_vi = \"Ngày Văn hóa Việt Nam\"\n",
        )
        .unwrap();
        assert!(!cal.is_working_day(day("2026-11-24")));
        // The shipped 2026 days are gone with the shipped file.
        assert!(cal.is_working_day(day("2026-02-18")));
    }

    #[test]
    fn bad_files_are_refused_with_the_day_named() {
        let mut cal = Calendar::default();
        let err = cal
            .add_year(
                "x.toml",
                "year = 2026\n[[holidays]]\ndate = \"2025-01-01\"\nname_vi = \"x\"\n",
            )
            .unwrap_err();
        assert!(err.to_string().contains("2025-01-01"), "{err}");
        let err = cal
            .add_year(
                "x.toml",
                "year = 2026\n[[working_days]]\ndate = \"2026-01-12\"\nname_vi = \"x\"\n",
            )
            .unwrap_err();
        assert!(
            matches!(err, CalendarError::MakeUpOnWeekday { .. }),
            "{err}"
        );
        let err = cal
            .add_year("x.toml", "year = 2026\nholiday = []\n")
            .unwrap_err();
        assert!(matches!(err, CalendarError::Parse { .. }), "{err}");
    }
}
