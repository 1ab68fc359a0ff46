//! The kiosk's technician mode, as plain Rust: the hidden entry (press and
//! hold the top-left corner for five seconds), the PIN, and the diagnostics
//! screen's state.
//!
//! The PIN itself is checked by [`crate::apps::diagnostics::pin::PinGate`]
//! (argon2id, lockout after five wrong PINs) off the UI thread; the checks
//! and actions run in [`crate::apps::diagnostics::Diagnostics`]. This module
//! only keeps what the screens show.

use std::time::Duration;

use crate::apps::diagnostics::{CheckResult, Report, Status};
use crate::apps::shell::Lang;

/// How long the corner must be held.
pub const HOLD: Duration = Duration::from_secs(5);
/// Technician mode closes after this long without a touch.
pub const IDLE: Duration = Duration::from_secs(120);

/// A check as the screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub name: String,
    pub status: Status,
    pub summary: String,
    pub selected: bool,
}

/// What the technician screens show.
#[derive(Debug, Clone, Default)]
pub struct Technician {
    hold_since: Option<Duration>,
    pin: String,
    pub checking_pin: bool,
    message: Option<(String, String)>,
    report: Option<Report>,
    pub running: bool,
    selected: Option<String>,
    /// The result of the last action (test print, bundle, …).
    last_action: Option<CheckResult>,
}

impl Technician {
    /// The corner is pressed (or released).
    pub fn corner(&mut self, pressed: bool, now: Duration) {
        self.hold_since = pressed.then_some(now);
    }

    /// Whether the corner has been held long enough; consumes the hold.
    pub fn held_long_enough(&mut self, now: Duration) -> bool {
        match self.hold_since {
            Some(since) if now.saturating_sub(since) >= HOLD => {
                self.hold_since = None;
                true
            }
            _ => false,
        }
    }

    /// Forgets everything (leaving technician mode).
    pub fn reset(&mut self) {
        *self = Technician::default();
    }

    /// A key of the PIN pad; returns the PIN to check on "done".
    pub fn pin_key(&mut self, key: &str) -> Option<String> {
        match key {
            "backspace" => {
                self.pin.pop();
            }
            "done" if !self.pin.is_empty() && !self.checking_pin => {
                self.checking_pin = true;
                return Some(std::mem::take(&mut self.pin));
            }
            k if k.len() == 1 && k.chars().all(|c| c.is_ascii_digit()) && self.pin.len() < 12 => {
                self.pin.push_str(k);
                self.message = None;
            }
            _ => {}
        }
        None
    }

    /// The gate's answer.
    pub fn pin_refused(&mut self, vi: String, en: String) {
        self.checking_pin = false;
        self.message = Some((vi, en));
    }

    pub fn pin_granted(&mut self) {
        self.checking_pin = false;
        self.message = None;
        self.running = true;
    }

    pub fn report_ready(&mut self, report: Report) {
        self.running = false;
        if self.selected.is_none() {
            // Open the first problem, if any.
            self.selected = report
                .checks
                .iter()
                .find(|c| c.status != Status::Pass)
                .map(|c| c.name.clone());
        }
        self.report = Some(report);
    }

    pub fn select(&mut self, name: &str) {
        self.selected = Some(name.to_owned());
    }

    pub fn action_done(&mut self, result: CheckResult) {
        self.running = false;
        // A status refresh replaces the check in the report.
        if let Some(report) = &mut self.report {
            if let Some(c) = report.checks.iter_mut().find(|c| c.name == result.name) {
                *c = result.clone();
            }
        }
        self.last_action = Some(result);
    }

    /// The masked PIN: one dot per digit.
    pub fn pin_dots(&self) -> String {
        "●".repeat(self.pin.chars().count())
    }

    pub fn message(&self, l: Lang) -> String {
        self.message
            .as_ref()
            .map(|(vi, en)| l.pick(vi, en).to_owned())
            .unwrap_or_default()
    }

    pub fn rows(&self, l: Lang) -> Vec<CheckRow> {
        let Some(report) = &self.report else {
            return Vec::new();
        };
        report
            .checks
            .iter()
            .map(|c| CheckRow {
                name: c.name.clone(),
                status: c.status,
                summary: l.pick(&c.summary_vi, &c.summary_en).to_owned(),
                selected: self.selected.as_deref() == Some(c.name.as_str()),
            })
            .collect()
    }

    /// The selected check's details, one line each (JSON, flattened).
    pub fn detail(&self, l: Lang) -> (String, Vec<String>) {
        let Some(report) = &self.report else {
            return (String::new(), Vec::new());
        };
        let Some(check) = self
            .selected
            .as_deref()
            .and_then(|name| report.checks.iter().find(|c| c.name == name))
        else {
            return (String::new(), Vec::new());
        };
        let mut lines = vec![l.pick(&check.summary_vi, &check.summary_en).to_owned()];
        flatten("", &check.details, &mut lines);
        (check.name.clone(), lines)
    }

    /// The last action's outcome, in words.
    pub fn action_text(&self, l: Lang) -> (String, Option<Status>) {
        match &self.last_action {
            Some(r) => (
                format!("{}: {}", r.name, l.pick(&r.summary_vi, &r.summary_en)),
                Some(r.status),
            ),
            None => (String::new(), None),
        }
    }

    /// The overall verdict line.
    pub fn headline(&self, l: Lang) -> String {
        match (&self.report, self.running) {
            (_, true) => l.pick("Đang kiểm tra…", "Checking…").to_owned(),
            (Some(r), false) => {
                let failed = r.checks.iter().filter(|c| c.status == Status::Fail).count();
                let warned = r.checks.iter().filter(|c| c.status == Status::Warn).count();
                match l {
                    Lang::Vi => format!(
                        "{} mục kiểm tra: {failed} lỗi, {warned} cảnh báo · máy {} · phiên bản {}",
                        r.checks.len(),
                        r.machine,
                        r.version
                    ),
                    Lang::En => format!(
                        "{} checks: {failed} failed, {warned} warnings · machine {} · version {}",
                        r.checks.len(),
                        r.machine,
                        r.version
                    ),
                }
            }
            (None, false) => String::new(),
        }
    }
}

/// `key: value` lines of a JSON value, nested keys joined with dots.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            if prefix.is_empty() {
                out.extend(items.iter().map(scalar));
            } else if items.len() > 3 {
                out.push(format!("{prefix}:"));
                out.extend(items.iter().map(|v| format!("  {}", scalar(v))));
            } else {
                out.push(format!(
                    "{prefix}: {}",
                    items.iter().map(scalar).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        other => out.push(if prefix.is_empty() {
            scalar(other)
        } else {
            format!("{prefix}: {}", scalar(other))
        }),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_corner_must_be_held_five_seconds() {
        let mut t = Technician::default();
        t.corner(true, secs(10));
        assert!(!t.held_long_enough(secs(14)));
        assert!(t.held_long_enough(secs(15)));
        assert!(!t.held_long_enough(secs(16)), "one hold opens once");
        t.corner(true, secs(20));
        t.corner(false, secs(22));
        assert!(!t.held_long_enough(secs(30)), "letting go cancels");
    }

    #[test]
    fn the_pin_pad_keeps_digits_and_hides_them() {
        let mut t = Technician::default();
        for k in ["1", "2", "x", "3", "backspace", "4"] {
            assert_eq!(t.pin_key(k), None);
        }
        assert_eq!(t.pin_dots(), "●●●");
        assert_eq!(t.pin_key("done").as_deref(), Some("124"));
        assert_eq!(t.pin_dots(), "");
        assert_eq!(t.pin_key("done"), None, "one check at a time");
    }

    #[test]
    fn details_are_flattened_to_lines() {
        let mut out = Vec::new();
        flatten(
            "",
            &serde_json::json!({"status": {"online": true, "paper": "near_end"}, "lines": ["a", "b", "c", "d"]}),
            &mut out,
        );
        assert_eq!(
            out,
            [
                "lines:",
                "  a",
                "  b",
                "  c",
                "  d",
                "status.online: true",
                "status.paper: near_end"
            ]
        );
    }
}
