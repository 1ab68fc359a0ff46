//! Pure evaluation: what a check observed → its [`CheckResult`] (status and
//! the sentences a technician reads). No I/O here; the runner in
//! [`super`] gathers the observations.

use std::time::Duration;

use motcua_drivers::discovery::PortInfo;
use motcua_drivers::{PrinterError, PrinterStatus};
use serde_json::{json, Value};

use super::privacy::redact;
use super::report::{Check, CheckResult, Status};
use super::scanner::ScannerSnapshot;
use crate::config::PermissionWarning;
use crate::domain::wording::sentence;
use crate::store::dossiers::OutboxSummary;
use crate::store::inspect::DatabaseReport;
use motcua_api::KioskDevices;

/// A hub or portal answering slower than this is a warning.
pub const SLOW: Duration = Duration::from_secs(2);
/// Less free disk than this is a warning…
pub const LOW_DISK: u64 = 1024 * 1024 * 1024;
/// …and less than this a failure (SQLite needs room for its WAL).
pub const NO_DISK: u64 = 100 * 1024 * 1024;
/// A dossier waiting for the portal longer than this is a failure.
pub const OUTBOX_STUCK: chrono::Duration = chrono::Duration::hours(24);

fn result(
    check: Check,
    status: Status,
    vi: impl Into<String>,
    en: impl Into<String>,
    details: Value,
) -> CheckResult {
    CheckResult {
        name: check.as_str().to_owned(),
        status,
        summary_vi: vi.into(),
        summary_en: en.into(),
        details,
        duration_ms: 0,
    }
}

/// A check that has nothing to look at on this machine.
pub fn skipped(check: Check, why_vi: &str, why_en: &str) -> CheckResult {
    result(
        check,
        Status::Pass,
        format!("Bỏ qua: {why_vi}"),
        format!("Skipped: {why_en}"),
        json!({ "skipped": true }),
    )
}

/// `version`: this build.
pub fn version() -> CheckResult {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    result(
        Check::Version,
        Status::Pass,
        format!("motcua {} ({profile})", env!("CARGO_PKG_VERSION")),
        format!("motcua {} ({profile} build)", env!("CARGO_PKG_VERSION")),
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "profile": profile,
            "target": format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
            "pid": std::process::id(),
        }),
    )
}

/// `configuration`: where it comes from, its masked text, and the file's
/// permissions.
pub fn configuration(
    path: Option<&std::path::Path>,
    demo: bool,
    masked_toml: &str,
    permission: Option<&PermissionWarning>,
) -> CheckResult {
    let details = json!({
        "path": path.map(|p| p.display().to_string()),
        "demo": demo,
        "world_readable": permission.is_some(),
        "mode": permission.map(|p| format!("{:04o}", p.mode)),
        "masked": masked_toml,
    });
    match (permission, path) {
        (Some(p), _) => result(
            Check::Configuration,
            Status::Warn,
            format!(
                "Tệp cấu hình {} chứa mã bí mật nhưng ai cũng đọc được; sửa: chmod 640",
                p.path.display()
            ),
            format!(
                "{} holds secrets but is world-readable; fix: chmod 640",
                p.path.display()
            ),
            details,
        ),
        (None, Some(path)) => result(
            Check::Configuration,
            Status::Pass,
            format!("Cấu hình từ {}", path.display()),
            format!("Configuration from {}", path.display()),
            details,
        ),
        (None, None) => result(
            Check::Configuration,
            Status::Pass,
            "Văn phòng mẫu (không có tệp cấu hình)",
            "Demo office (no configuration file)",
            details,
        ),
    }
}

/// `serial_ports`: what is plugged in.
pub fn serial_ports(ports: &[PortInfo]) -> CheckResult {
    let usb = ports.iter().filter(|p| p.usb.is_some()).count();
    let details = json!({ "ports": ports });
    if ports.is_empty() {
        return result(
            Check::SerialPorts,
            Status::Warn,
            "Không tìm thấy cổng nối tiếp nào",
            "No serial ports found",
            details,
        );
    }
    result(
        Check::SerialPorts,
        Status::Pass,
        format!("{} cổng nối tiếp, {usb} qua USB", ports.len()),
        format!("{} serial ports, {usb} on USB", ports.len()),
        details,
    )
}

fn status_json(status: &PrinterStatus) -> Value {
    serde_json::to_value(status).unwrap_or(Value::Null)
}

/// `printer`: its real-time status (`DLE EOT`).
pub fn printer(description: &str, status: &Result<PrinterStatus, PrinterError>) -> CheckResult {
    match status {
        Ok(s) => {
            let details = json!({ "printer": description, "status": status_json(s) });
            match s.problem() {
                Some(kind) => result(
                    Check::Printer,
                    Status::Fail,
                    sentence(kind).0,
                    sentence(kind).1,
                    json!({ "printer": description, "status": status_json(s), "kind": kind }),
                ),
                None if s.paper_near_end => result(
                    Check::Printer,
                    Status::Warn,
                    "Máy in sắp hết giấy: hãy thay cuộn giấy",
                    "Paper nearly out: change the roll soon",
                    details,
                ),
                None => result(
                    Check::Printer,
                    Status::Pass,
                    format!("Máy in sẵn sàng ({description})"),
                    format!("Printer ready ({description})"),
                    details,
                ),
            }
        }
        Err(err) => {
            let kind = err.kind();
            let details =
                json!({ "printer": description, "kind": kind, "error": redact(&err.to_string()) });
            if kind == motcua_drivers::DeviceErrorKind::Busy {
                // The running kiosk holds the port (exclusive open).
                return result(
                    Check::Printer,
                    Status::Warn,
                    "Máy in đang được kiosk sử dụng; xem trạng thái trên màn hình kỹ thuật của kiosk",
                    "The printer is in use by the running kiosk; check it from the kiosk's technician screen",
                    details,
                );
            }
            result(
                Check::Printer,
                Status::Fail,
                sentence(kind).0,
                sentence(kind).1,
                details,
            )
        }
    }
}

/// The outcome of a technician's printer action (test print, probe page,
/// feed and cut).
pub fn print_action(
    name: &str,
    what_vi: &str,
    what_en: &str,
    outcome: &Result<motcua_drivers::Printed, PrinterError>,
) -> CheckResult {
    let mut r = match outcome {
        Ok(p) => {
            let near_end = !p.warnings.is_empty();
            result(
                Check::Printer,
                if near_end { Status::Warn } else { Status::Pass },
                format!(
                    "Đã in {what_vi} ({} byte){}",
                    p.bytes_sent,
                    if near_end { "; giấy sắp hết" } else { "" }
                ),
                format!(
                    "Printed {what_en} ({} bytes){}",
                    p.bytes_sent,
                    if near_end { "; paper nearly out" } else { "" }
                ),
                json!({ "bytes_sent": p.bytes_sent, "status": status_json(&p.status), "warnings": p.warnings }),
            )
        }
        Err(err) => {
            let kind = err.kind();
            result(
                Check::Printer,
                Status::Fail,
                format!("Không in được {what_vi}: {}", sentence(kind).0),
                format!("{what_en} not printed: {}", sentence(kind).1),
                json!({ "kind": kind, "error": redact(&err.to_string()) }),
            )
        }
    };
    r.name = name.to_owned();
    r
}

/// `scanner`: the last frame and error, as the kiosk's scanner thread saw
/// them.
pub fn scanner(description: &str, snapshot: &ScannerSnapshot) -> CheckResult {
    let details = json!({ "scanner": description, "frames": snapshot.frames, "last": snapshot.last, "error": snapshot.error });
    if let Some((kind, _)) = &snapshot.error {
        return result(
            Check::Scanner,
            Status::Fail,
            format!("Đầu đọc: {}", sentence(*kind).0),
            format!("Scanner: {}", sentence(*kind).1),
            details,
        );
    }
    match &snapshot.last {
        None => result(
            Check::Scanner,
            Status::Pass,
            format!("Đầu đọc sẵn sàng ({description}); chưa quét lần nào — hãy quét thử một thẻ"),
            format!("Scanner ready ({description}); nothing scanned yet — scan a card to test"),
            details,
        ),
        Some(last) => {
            let (vi, en) = match last.parse.result.as_str() {
                "document" => (
                    format!(
                        "Đọc được giấy tờ {}",
                        last.parse.masked_id.as_deref().unwrap_or("")
                    ),
                    format!(
                        "Read a document {}",
                        last.parse.masked_id.as_deref().unwrap_or("")
                    ),
                ),
                "partial" => (
                    "Đã đọc một phần MRZ".to_owned(),
                    "Part of an MRZ read".to_owned(),
                ),
                _ => (
                    format!(
                        "Đọc được dữ liệu nhưng không phải giấy tờ hợp lệ ({})",
                        last.parse.error.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "Read data that is not a valid document ({})",
                        last.parse.error.as_deref().unwrap_or("?")
                    ),
                ),
            };
            result(Check::Scanner, Status::Pass, vi, en, details)
        }
    }
}

/// `scanner` from the command line: the port opened (or not).
pub fn scanner_port(
    description: &str,
    opened: &Result<Option<String>, motcua_drivers::ScannerError>,
) -> CheckResult {
    match opened {
        Ok(frame) => {
            let masked = frame.as_deref().map(super::privacy::mask_frame);
            let hex = masked.as_deref().map(|t| super::privacy::hex(t.as_bytes()));
            result(
                Check::Scanner,
                Status::Pass,
                format!("Mở được cổng đầu đọc {description}"),
                format!("Scanner port {description} opens"),
                json!({ "scanner": description, "frame": masked, "hex": hex }),
            )
        }
        Err(err) if err.kind() == motcua_drivers::DeviceErrorKind::Busy => result(
            Check::Scanner,
            Status::Pass,
            "Đầu đọc đang được kiosk sử dụng",
            "The scanner is in use by the running kiosk",
            json!({ "scanner": description, "kind": "busy" }),
        ),
        Err(err) => result(
            Check::Scanner,
            Status::Fail,
            format!("Đầu đọc: {}", sentence(err.kind()).0),
            format!("Scanner: {}", sentence(err.kind()).1),
            json!({ "scanner": description, "kind": err.kind(), "error": redact(&err.to_string()) }),
        ),
    }
}

/// What an HTTP reachability probe saw.
#[derive(Debug, Clone)]
pub struct Reach {
    pub url: String,
    pub latency: Duration,
    /// HTTP status, or the connection error.
    pub outcome: Result<u16, String>,
    pub body: Value,
}

fn reach_details(r: &Reach) -> Value {
    json!({
        "url": r.url,
        "latency_ms": r.latency.as_millis() as u64,
        "http_status": r.outcome.as_ref().ok(),
        "error": r.outcome.as_ref().err().map(|e| redact(e)),
    })
}

/// `hub`: `GET /api/v1/health` answered, how fast, and any kiosk out of
/// service.
pub fn hub(r: &Reach) -> CheckResult {
    let mut details = reach_details(r);
    let ms = r.latency.as_millis();
    match r.outcome {
        Ok(200) => {
            let kiosks: Vec<KioskDevices> =
                serde_json::from_value(r.body["kiosks"].clone()).unwrap_or_default();
            let down: Vec<&str> = kiosks
                .iter()
                .filter(|k| {
                    k.devices
                        .iter()
                        .any(|d| d.state != motcua_api::DeviceState::Ok)
                })
                .map(|k| k.kiosk.as_str())
                .collect();
            details["hub"] = r.body.clone();
            if !down.is_empty() {
                let problems: Vec<&str> = kiosks
                    .iter()
                    .flat_map(|k| k.devices.iter())
                    .filter(|d| d.state != motcua_api::DeviceState::Ok)
                    .map(|d| d.message_vi.as_str())
                    .collect();
                let problems_en: Vec<&str> = kiosks
                    .iter()
                    .flat_map(|k| k.devices.iter())
                    .filter(|d| d.state != motcua_api::DeviceState::Ok)
                    .map(|d| d.message_en.as_str())
                    .collect();
                return result(
                    Check::Hub,
                    Status::Warn,
                    format!("Máy chủ trả lời sau {ms} ms; {}", problems.join(" ")),
                    format!("Hub answers in {ms} ms; {}", problems_en.join(" ")),
                    details,
                );
            }
            if r.latency > SLOW {
                return result(
                    Check::Hub,
                    Status::Warn,
                    format!("Máy chủ trả lời chậm ({ms} ms)"),
                    format!("Hub answers slowly ({ms} ms)"),
                    details,
                );
            }
            result(
                Check::Hub,
                Status::Pass,
                format!("Máy chủ trả lời sau {ms} ms"),
                format!("Hub answers in {ms} ms"),
                details,
            )
        }
        // The hub says what happened and what to do (a replaced database,
        // a full disk): the technician reads it here.
        Ok(code) if r.body["problem"].is_object() => {
            details["hub"] = r.body.clone();
            let problem = &r.body["problem"];
            result(
                Check::Hub,
                Status::Fail,
                format!(
                    "Máy chủ báo lỗi HTTP {code}: {}",
                    problem["message_vi"].as_str().unwrap_or_default()
                ),
                format!(
                    "Hub answers HTTP {code}: {}",
                    problem["message_en"].as_str().unwrap_or_default()
                ),
                details,
            )
        }
        Ok(code) => result(
            Check::Hub,
            Status::Fail,
            format!("Máy chủ báo lỗi HTTP {code} (cơ sở dữ liệu?)"),
            format!("Hub answers HTTP {code} (database?)"),
            details,
        ),
        Err(_) => result(
            Check::Hub,
            Status::Fail,
            format!("Không kết nối được máy chủ {}", r.url),
            format!("Cannot reach the hub at {}", r.url),
            details,
        ),
    }
}

/// `portal`: the public service portal's health endpoint.
pub fn portal(r: &Reach) -> CheckResult {
    let details = reach_details(r);
    let ms = r.latency.as_millis();
    match r.outcome {
        Ok(code) if (200..300).contains(&code) => {
            if r.latency > SLOW {
                result(
                    Check::Portal,
                    Status::Warn,
                    format!("Cổng dịch vụ công trả lời chậm ({ms} ms)"),
                    format!("Portal answers slowly ({ms} ms)"),
                    details,
                )
            } else {
                result(
                    Check::Portal,
                    Status::Pass,
                    format!("Cổng dịch vụ công trả lời sau {ms} ms"),
                    format!("Portal answers in {ms} ms"),
                    details,
                )
            }
        }
        Ok(code) => result(
            Check::Portal,
            Status::Fail,
            format!("Cổng dịch vụ công báo lỗi HTTP {code}; hồ sơ chờ trong hàng đợi gửi"),
            format!("Portal answers HTTP {code}; dossiers wait in the outbox"),
            details,
        ),
        Err(_) => result(
            Check::Portal,
            Status::Fail,
            format!(
                "Không kết nối được cổng dịch vụ công {}; hồ sơ chờ trong hàng đợi gửi",
                r.url
            ),
            format!(
                "Cannot reach the portal at {}; dossiers wait in the outbox",
                r.url
            ),
            details,
        ),
    }
}

/// `portal` in a training office (`filing.portal_url = "sandbox"`): a
/// warning, never a pass — citizens' dossiers reach no real portal.
pub fn portal_sandbox() -> CheckResult {
    result(
        Check::Portal,
        Status::Warn,
        "Máy chủ gửi hồ sơ đến cổng thử nghiệm (filing.portal_url = \"sandbox\", văn phòng \
         đào tạo): hồ sơ không đến cổng dịch vụ công thật"
            .to_owned(),
        "The hub delivers dossiers to the portal sandbox (filing.portal_url = \"sandbox\", a \
         training office): no dossier reaches the real public service portal"
            .to_owned(),
        json!({ "portal_url": "sandbox", "training": true }),
    )
}

/// `outbox`: dossiers waiting for the portal.
pub fn outbox(
    summary: &OutboxSummary,
    now: chrono::DateTime<chrono::Utc>,
    source: &str,
) -> CheckResult {
    let mut summary = summary.clone();
    summary.last_error = summary.last_error.as_deref().map(redact);
    let details = json!({ "source": source, "outbox": summary });
    if summary.pending == 0 {
        return result(
            Check::Outbox,
            Status::Pass,
            "Không có hồ sơ chờ gửi",
            "No dossier waiting for the portal",
            details,
        );
    }
    let n = summary.pending;
    let oldest = summary
        .oldest_created_at_ms
        .map(crate::domain::time::from_millis)
        .map(|t| now - t);
    if oldest.is_some_and(|age| age > OUTBOX_STUCK) {
        return result(
            Check::Outbox,
            Status::Fail,
            format!(
                "{n} hồ sơ chờ gửi; hồ sơ cũ nhất ({}) đã chờ hơn 24 giờ",
                summary.oldest_code.as_deref().unwrap_or("?")
            ),
            format!(
                "{n} dossiers waiting; the oldest ({}) for more than 24 hours",
                summary.oldest_code.as_deref().unwrap_or("?")
            ),
            details,
        );
    }
    match &summary.last_error {
        Some(err) => result(
            Check::Outbox,
            Status::Warn,
            format!("{n} hồ sơ chờ gửi; lỗi gần nhất: {err}"),
            format!("{n} dossiers waiting; last error: {err}"),
            details,
        ),
        None => result(
            Check::Outbox,
            Status::Pass,
            format!("{n} hồ sơ đang được gửi"),
            format!("{n} dossiers being delivered"),
            details,
        ),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// `database`: integrity, size and free disk.
pub fn database(report: &DatabaseReport, source: &str) -> CheckResult {
    let details = json!({ "source": source, "database": report });
    let size = mib(report.size_bytes + report.wal_bytes);
    let free = report.free_bytes.map(mib).unwrap_or_else(|| "?".to_owned());
    if !report.ok {
        return result(
            Check::Database,
            Status::Fail,
            format!("Cơ sở dữ liệu bị hỏng: {}", report.integrity.join("; ")),
            format!("Database damaged: {}", report.integrity.join("; ")),
            details,
        );
    }
    match report.free_bytes {
        Some(f) if f < NO_DISK => result(
            Check::Database,
            Status::Fail,
            format!("Ổ đĩa gần đầy: còn {free}"),
            format!("Disk nearly full: {free} free"),
            details,
        ),
        Some(f) if f < LOW_DISK => result(
            Check::Database,
            Status::Warn,
            format!("Cơ sở dữ liệu tốt ({size}); ổ đĩa còn ít: {free}"),
            format!("Database intact ({size}); disk low: {free} free"),
            details,
        ),
        _ => result(
            Check::Database,
            Status::Pass,
            format!("Cơ sở dữ liệu tốt ({size}), ổ đĩa còn {free}"),
            format!("Database intact ({size}), {free} free"),
            details,
        ),
    }
}

/// `log`: the last lines; a warning when errors were logged.
pub fn log(lines: &[String]) -> CheckResult {
    let errors = lines.iter().filter(|l| l.contains(" ERROR ")).count();
    let details = json!({ "lines": lines, "errors": errors });
    if errors > 0 {
        return result(
            Check::Log,
            Status::Warn,
            format!("{errors} lỗi trong {} dòng nhật ký gần nhất", lines.len()),
            format!("{errors} errors in the last {} log lines", lines.len()),
            details,
        );
    }
    result(
        Check::Log,
        Status::Pass,
        format!("{} dòng nhật ký gần nhất, không có lỗi", lines.len()),
        format!("Last {} log lines, no errors", lines.len()),
        details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_drivers::emulator::{EmulatedPrinter, Fault};
    use motcua_drivers::{Printer, PrinterProfile};

    #[test]
    fn printer_status_in_each_fault() {
        let mut p = EmulatedPrinter::new(PrinterProfile::default());
        assert_eq!(printer("emu", &p.status()).status, Status::Pass);
        for (fault, status, kind) in [
            (Fault::PaperOut, Status::Fail, Some("paper_out")),
            (Fault::CoverOpen, Status::Fail, Some("cover_open")),
            (Fault::Offline, Status::Fail, Some("offline")),
            (Fault::Stall, Status::Fail, Some("timeout")),
            (Fault::PaperNearEnd, Status::Warn, None),
        ] {
            p.set_fault(fault, true);
            let r = printer("emu", &p.status());
            assert_eq!(r.status, status, "{fault:?}: {r:?}");
            assert_eq!(r.details["kind"].as_str(), kind, "{fault:?}: {r:?}");
            assert_eq!(r.name, "printer");
            p.set_fault(fault, false);
        }
    }

    #[test]
    fn outbox_and_database_thresholds() {
        let now = chrono::Utc::now();
        let mut s = OutboxSummary::default();
        assert_eq!(outbox(&s, now, "hub").status, Status::Pass);
        s.pending = 2;
        s.oldest_code = Some("X-1".into());
        s.oldest_created_at_ms = Some(crate::domain::time::to_millis(now));
        s.last_error = Some("portal down, citizen 001090012345".into());
        let r = outbox(&s, now, "hub");
        assert_eq!(r.status, Status::Warn);
        assert!(!r.summary_en.contains("001090012345"), "{}", r.summary_en);
        s.oldest_created_at_ms = Some(crate::domain::time::to_millis(
            now - chrono::Duration::hours(25),
        ));
        assert_eq!(outbox(&s, now, "hub").status, Status::Fail);
        let mut d = DatabaseReport {
            path: "x".into(),
            ok: true,
            integrity: vec!["ok".into()],
            schema_version: 3,
            size_bytes: 1,
            wal_bytes: 0,
            free_bytes: Some(10 * LOW_DISK),
        };
        assert_eq!(database(&d, "file").status, Status::Pass);
        d.free_bytes = Some(LOW_DISK - 1);
        assert_eq!(database(&d, "file").status, Status::Warn);
        d.free_bytes = Some(NO_DISK - 1);
        assert_eq!(database(&d, "file").status, Status::Fail);
        d.ok = false;
        assert_eq!(database(&d, "file").status, Status::Fail);
    }
}
