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
    /// The check's id (`printer`), as `motcua diag --json` names it.
    pub id: String,
    /// The check in words, in the screen's language ("Máy in").
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

    /// Selects a check by its id or its name in either language (the
    /// screen hands back the words it shows).
    pub fn select(&mut self, name: &str) {
        let id = self.report.as_ref().and_then(|r| {
            r.checks
                .iter()
                .find(|c| {
                    let (vi, en) = check_words(&c.name);
                    c.name == name || vi == name || en == name
                })
                .map(|c| c.name.clone())
        });
        self.selected = Some(id.unwrap_or_else(|| name.to_owned()));
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
                id: c.name.clone(),
                name: check_name(&c.name, l),
                status: c.status,
                summary: l.pick(&c.summary_vi, &c.summary_en).to_owned(),
                selected: self.selected.as_deref() == Some(c.name.as_str()),
            })
            .collect()
    }

    /// The selected check's details, one line each, in words.
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
        describe(l, "", &check.details, 0, &mut lines);
        (check_name(&check.name, l), lines)
    }

    /// The last action's outcome, in words.
    pub fn action_text(&self, l: Lang) -> (String, Option<Status>) {
        match &self.last_action {
            Some(r) => (
                format!(
                    "{}: {}",
                    check_name(&r.name, l),
                    l.pick(&r.summary_vi, &r.summary_en)
                ),
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

/// A check (or a technician action) in words: ("Máy in", "Printer").
/// Device names and device problems come from [`crate::domain::wording`].
pub fn check_words(name: &str) -> (&'static str, &'static str) {
    match name {
        "version" => ("Phiên bản phần mềm", "Software version"),
        "configuration" => ("Tệp cấu hình", "Configuration file"),
        "serial_ports" => ("Cổng nối tiếp", "Serial ports"),
        "printer" => ("Máy in", "Printer"),
        "scanner" => ("Đầu đọc thẻ", "Card scanner"),
        "hub" => ("Máy chủ của bộ phận một cửa", "Office hub"),
        "portal" => ("Cổng dịch vụ công", "Public service portal"),
        "outbox" => ("Hồ sơ chờ gửi lên cổng", "Dossiers waiting for the portal"),
        "database" => ("Cơ sở dữ liệu", "Database"),
        "log" => ("Nhật ký", "Log"),
        "test_print" => ("In thử", "Test print"),
        "probe_print" => ("In trang dò bảng mã", "Code-page probe"),
        "feed_and_cut" => ("Đẩy giấy và cắt", "Feed and cut"),
        "retry_outbox" => ("Gửi lại hồ sơ", "Send the dossiers again"),
        "bundle_usb" => ("Gói hỗ trợ ra USB", "Support bundle to USB"),
        "bundle_upload" => ("Gói hỗ trợ lên máy chủ", "Support bundle to the hub"),
        _ => ("", ""),
    }
}

/// [`check_words`] in `l`; an unknown name with its underscores as spaces.
fn check_name(name: &str, l: Lang) -> String {
    match check_words(name) {
        ("", "") => humanise(name),
        (vi, en) => l.pick(vi, en).to_owned(),
    }
}

/// A detail's key in words. `None`: not shown on the screen (raw text such
/// as the configuration file or log lines; they are in the support bundle).
fn key_words(key: &str) -> Option<(&'static str, &'static str)> {
    use crate::domain::wording::{device_words, kind_words};
    use motcua_api::{Device, DeviceKind};
    if let Some(kind) = DeviceKind::ALL.into_iter().find(|k| k.as_str() == key) {
        return Some(kind_words(kind));
    }
    Some(match key {
        "printer" => device_words(Device::Printer),
        "scanner" => device_words(Device::Scanner),
        "masked" | "lines" => return None,
        "version" => ("phiên bản", "version"),
        "profile" => ("bản dựng", "build"),
        "target" => ("nền tảng", "platform"),
        "pid" => ("mã tiến trình", "process id"),
        "path" => ("đường dẫn", "path"),
        "config_path" => ("tệp cấu hình", "configuration file"),
        "demo" => ("chế độ demo", "demo mode"),
        "training" => ("chế độ tập huấn", "training mode"),
        "world_readable" => ("ai cũng đọc được", "readable by anyone"),
        "mode" => ("quyền truy cập tệp", "file permissions"),
        "ports" => ("cổng", "port"),
        "status" => ("trạng thái", "status"),
        "online" => ("đang hoạt động", "online"),
        "error" => ("lỗi", "error"),
        "feeding" => ("đang đẩy giấy", "feeding paper"),
        "kind" => ("loại", "kind"),
        "bytes_sent" => ("số byte đã gửi", "bytes sent"),
        "warnings" => ("cảnh báo", "warnings"),
        "frames" => ("số lần đọc", "scans read"),
        "last" => ("lần đọc cuối", "last scan"),
        "at" => ("lúc", "at"),
        "text" => ("nội dung (đã che)", "content (masked)"),
        "frame" => ("dữ liệu (đã che)", "data (masked)"),
        "hex" => ("mã hex", "hex"),
        "bytes" => ("số byte", "bytes"),
        "parse" => ("kết quả đọc", "reading"),
        "result" => ("kết quả", "result"),
        "masked_id" => ("số định danh (đã che)", "ID number (masked)"),
        "url" => ("địa chỉ", "address"),
        "portal_url" => ("địa chỉ cổng dịch vụ công", "portal address"),
        "latency_ms" => ("thời gian trả lời (ms)", "response time (ms)"),
        "http_status" => ("mã trả lời HTTP", "HTTP status"),
        "source" => ("nguồn", "source"),
        "outbox" => ("hồ sơ chờ gửi", "outbox"),
        "portal" => ("cổng dịch vụ công", "portal"),
        "database" => ("cơ sở dữ liệu", "database"),
        "ok" => ("toàn vẹn", "intact"),
        "integrity" => ("kiểm tra toàn vẹn", "integrity check"),
        "schema_version" => ("phiên bản lược đồ", "schema version"),
        "size_bytes" => ("dung lượng (byte)", "size (bytes)"),
        "wal_bytes" => ("nhật ký ghi trước (byte)", "write-ahead log (bytes)"),
        "free_bytes" => ("ổ đĩa còn trống (byte)", "free disk (bytes)"),
        "pending" => ("đang chờ gửi", "waiting"),
        "oldest_code" => ("hồ sơ chờ lâu nhất", "oldest dossier"),
        "oldest_created_at_ms" => ("nộp lúc (ms)", "filed at (ms)"),
        "last_attempt_at_ms" => ("lần gửi gần nhất (ms)", "last attempt (ms)"),
        "last_error" => ("lỗi gần nhất", "last error"),
        "max_attempts" => ("số lần thử nhiều nhất", "most attempts"),
        "errors" => ("số lỗi", "errors"),
        "skipped" => ("bỏ qua", "skipped"),
        "machine" => ("máy", "machine"),
        "name" => ("tên", "name"),
        "device" => ("thiết bị", "device"),
        "state" => ("tình trạng", "state"),
        "code" => ("mã", "code"),
        "format" => ("định dạng", "format"),
        "format_version" => ("phiên bản định dạng", "format version"),
        "files" => ("tệp", "files"),
        "created_at" => ("tạo lúc", "created at"),
        "kiosk" => ("kiosk", "kiosk"),
        "personal_data" => ("dữ liệu cá nhân", "personal data"),
        "usb" => ("mã USB", "USB id"),
        "serial_number" => ("số sê-ri", "serial number"),
        "manufacturer" => ("hãng sản xuất", "manufacturer"),
        "product" => ("sản phẩm", "product"),
        "aliases" => ("tên khác", "aliases"),
        "kiosks" => ("kiosk", "kiosk"),
        "devices" => ("thiết bị", "device"),
        "out_of_service" => ("ngừng phục vụ", "out of service"),
        "since" => ("từ lúc", "since"),
        "updated_at" => ("cập nhật lúc", "updated at"),
        "message" => ("thông báo", "message"),
        "problem" => ("sự cố", "problem"),
        "retrying" => ("đang gửi lại", "retrying"),
        "sha256" => ("mã SHA-256", "SHA-256"),
        "received_at" => ("nhận lúc", "received at"),
        "changed" => ("vừa thay đổi", "changed"),
        "duration_ms" => ("thời gian (ms)", "duration (ms)"),
        _ => return Some(("", "")),
    })
}

/// A key as the screen shows it: its words, capitalised.
fn key_label(l: Lang, key: &str) -> Option<String> {
    match key_words(key)? {
        ("", "") => Some(capitalise(&humanise(key))),
        (vi, en) => Some(capitalise(l.pick(vi, en))),
    }
}

/// A value in words: yes/no, a device problem, a reading's kind; other
/// text as it is (paths, addresses, masked frames), except that a bare
/// snake_case word loses its underscores.
fn value_words(l: Lang, key: &str, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Bool(b) => l
            .pick(
                if *b { "có" } else { "không" },
                if *b { "yes" } else { "no" },
            )
            .to_owned(),
        Value::String(s) => {
            let word = |vi: &str, en: &str| l.pick(vi, en).to_owned();
            match s.as_str() {
                "cccd_qr" => word("mã QR trên CCCD", "CCCD QR code"),
                "mrz_td1" => word("vùng MRZ (TD1)", "MRZ (TD1)"),
                "ok" => word("tốt", "ok"),
                "near_end" => word("sắp hết", "nearly out"),
                "warning" => word("cảnh báo", "warning"),
                "fault" => word("lỗi", "fault"),
                "failing" => word("đang lỗi", "failing"),
                "printer" if key == "device" => word("máy in", "printer"),
                "scanner" if key == "device" => word("đầu đọc", "scanner"),
                s if key == "kind" || key == "code" || key == "error" => {
                    use motcua_api::DeviceKind;
                    match DeviceKind::ALL.into_iter().find(|k| k.as_str() == s) {
                        Some(kind) => {
                            let (vi, en) = crate::domain::wording::kind_words(kind);
                            l.pick(vi, en).to_owned()
                        }
                        None => humanise_word(s),
                    }
                }
                s => humanise_word(s),
            }
        }
        other => other.to_string(),
    }
}

/// Lines for a JSON value in words: `Label: value`, nested objects as a
/// heading line with their fields indented beneath.
fn describe(l: Lang, key: &str, value: &serde_json::Value, depth: usize, out: &mut Vec<String>) {
    use serde_json::Value;
    let indent = "  ".repeat(depth.saturating_sub(1));
    let label = if key.is_empty() {
        Some(String::new())
    } else {
        key_label(l, key)
    };
    let Some(label) = label else { return };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            if !label.is_empty() {
                out.push(format!("{indent}{label}:"));
            }
            describe_fields(l, map, depth + 1, out);
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let words: Vec<String> = items.iter().map(|v| value_words(l, key, v)).collect();
            if items.len() > 3 {
                out.push(format!("{indent}{label}:"));
                out.extend(words.iter().map(|w| format!("{indent}  {w}")));
            } else {
                out.push(format!("{indent}{label}: {}", words.join(", ")));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                out.push(format!("{indent}{label} {}:", i + 1));
                if let Value::Object(map) = v {
                    describe_fields(l, map, depth + 1, out);
                } else {
                    describe(l, "", v, depth + 1, out);
                }
            }
        }
        other if label.is_empty() => out.push(format!("{indent}{}", value_words(l, key, other))),
        other => out.push(format!("{indent}{label}: {}", value_words(l, key, other))),
    }
}

/// An object's fields; of a `message_vi`/`message_en` pair, the one in `l`.
fn describe_fields(
    l: Lang,
    map: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
    out: &mut Vec<String>,
) {
    let (mine, other) = match l {
        Lang::Vi => ("_vi", "_en"),
        Lang::En => ("_en", "_vi"),
    };
    for (k, v) in map {
        if k.ends_with(other) {
            continue;
        }
        describe(l, k.strip_suffix(mine).unwrap_or(k), v, depth, out);
    }
}

/// `serial_ports` → "serial ports".
fn humanise(key: &str) -> String {
    key.replace(['_', '.'], " ")
}

/// A bare snake_case word (`not_recognised`) without its underscores;
/// anything else as it is.
fn humanise_word(s: &str) -> String {
    if s.contains('_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
    {
        humanise(s)
    } else {
        s.to_owned()
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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
    fn details_are_described_in_words() {
        let mut out = Vec::new();
        describe(
            Lang::Vi,
            "",
            &serde_json::json!({"status": {"online": true, "paper_out": true, "paper_near_end": false}, "lines": ["a", "b"], "kind": "paper_out", "parse": "cccd_qr"}),
            0,
            &mut out,
        );
        assert_eq!(
            out,
            [
                "Loại: hết giấy",
                "Kết quả đọc: mã QR trên CCCD",
                "Trạng thái:",
                "  Đang hoạt động: có",
                "  Sắp hết giấy: không",
                "  Hết giấy: có",
            ]
        );
        let mut out = Vec::new();
        describe(
            Lang::En,
            "",
            &serde_json::json!({"status": {"paper_out": true}}),
            0,
            &mut out,
        );
        assert_eq!(out, ["Status:", "  Out of paper: yes"]);
    }

    #[test]
    fn every_check_and_action_has_words() {
        use crate::apps::diagnostics::{Action, Check};
        let names = Check::ALL.iter().map(|c| c.as_str()).chain(
            [
                Action::TestPrint,
                Action::ProbePrint,
                Action::FeedAndCut,
                Action::RetryOutbox,
            ]
            .iter()
            .map(|a| a.as_str()),
        );
        for name in names.chain(["bundle_usb", "bundle_upload"]) {
            let (vi, en) = check_words(name);
            assert!(!vi.is_empty() && !en.is_empty(), "{name}");
        }
    }
}
