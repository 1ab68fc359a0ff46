//! `motcua kiosk --snapshot DIR`: every page of every kiosk flow, in both
//! orientations and both languages (and the main pages on four other panel
//! sizes), rendered headlessly with the software
//! renderer to PNG files — for review, documentation and tests.
//!
//! The pages are reached by driving the real controller with sample data,
//! so a snapshot shows exactly what a citizen would see.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use motcua_drivers::emulator::EmulatedPrinter;
use motcua_drivers::{DeviceErrorKind, Printer, PrinterProfile};
use slint::ComponentHandle;

use super::controller::{Effect, Kiosk};
use super::{clock_text, qr_pixels, render_view};
use crate::apps::devices::{Preview, PrintOutcome};
use crate::apps::headless::{Headless, HeadlessWindow};
use crate::apps::hub_client::HubError;
use crate::apps::printing::ticket_receipt;
use crate::apps::printing::QrPolicy;
use crate::apps::ui::{KioskAdapter, KioskOrientation, KioskWindow};
use crate::config::Config;
use motcua_api::{QueueView, ServiceQueue, TicketView};

/// The string whose stacked diacritics must never be clipped.
pub const DIACRITICS_SAMPLE: &str = "Ủ Ẩ Ẫ Ễ Ổ Ỗ Ở Ỡ";

/// The pages shown at the other panel sizes (every page is shown at the two
/// main ones).
pub const OTHER_SIZE_PAGES: &[&str] = &[
    "home",
    "home-large-text",
    "services",
    "filing-form-keyboard",
    "filing-review",
    "lookup",
];

/// A screen snapshots are taken on: name, size in pixels, and the pages
/// shown (`None`: all).
pub type SnapshotSize = (&'static str, (u32, u32), Option<&'static [&'static str]>);

/// The screens snapshots are taken on. The two main panels are named by
/// orientation (`kiosk-portrait-vi-home.png`); the others by size.
pub const SIZES: &[SnapshotSize] = &[
    ("portrait", (1080, 1920), None),
    ("landscape", (1920, 1080), None),
    ("1280x1024", (1280, 1024), Some(OTHER_SIZE_PAGES)),
    ("1366x768", (1366, 768), Some(OTHER_SIZE_PAGES)),
    ("768x1366", (768, 1366), Some(OTHER_SIZE_PAGES)),
    ("800x1280", (800, 1280), Some(OTHER_SIZE_PAGES)),
];

/// Renders every page into `dir`; returns the files written.
pub fn run(config: &Config, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let screen = Headless::install(None)
        .map_err(|e| anyhow::anyhow!("cannot start the software renderer: {e}"))?;
    let window =
        KioskWindow::new().map_err(|e| anyhow::anyhow!("cannot create the kiosk window: {e}"))?;
    let adapter = window.global::<KioskAdapter>();
    adapter.set_office_name(config.office.name.clone().into());
    adapter.set_demo(true);
    window
        .global::<crate::apps::ui::FilingAdapter>()
        .set_scan_demo(true);
    adapter.set_demo_text(
        "CHẾ ĐỘ DEMO · máy in và đầu đọc là giả lập / DEMO MODE · emulated devices".into(),
    );
    let preview = sample_preview(config);
    let mut written = Vec::new();
    let mut overflows = Vec::new();
    let mut texts = Vec::new();
    for (size_name, (w, h), only) in SIZES {
        // The orientation follows the window's aspect ratio, as on a real
        // panel.
        adapter.set_orientation(KioskOrientation::Auto);
        screen.set_size(*w, *h);
        for english in [false, true] {
            let lang = if english { "en" } else { "vi" };
            for (page, kiosk) in sample_pages(config, english, preview.clone()) {
                if only.is_some_and(|pages| !pages.contains(&page)) {
                    continue;
                }
                let view = kiosk.view();
                let qr = (!view.qr_payload.is_empty())
                    .then(|| qr_pixels(&view.qr_payload).map(slint::Image::from_rgb8))
                    .flatten();
                render_view(&window, &view, qr);
                adapter.set_clock_text(
                    clock_text(sample_now(), config.timezone(), kiosk.lang()).into(),
                );
                let name = format!("kiosk-{size_name}-{lang}-{page}");
                let path = dir.join(format!("{name}.png"));
                std::fs::write(&path, screen.render_png())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                overflows.extend(super::overflow::find(&window, &name));
                if only.is_none() {
                    texts.extend(super::overflow::texts(&window, &name));
                }
                written.push(path);
            }
        }
    }
    // Every text that does not fit, for people and for the test that
    // wants this to be `[]`.
    let path = dir.join("overflow.json");
    let json = serde_json::to_string_pretty(&overflows).context("overflow report")?;
    std::fs::write(&path, json + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    written.push(path);
    // Every text of every page at the two main sizes, for the test that
    // English pages show no Vietnamese wording.
    let path = dir.join("texts.json");
    let json = serde_json::to_string_pretty(&texts).context("texts")?;
    std::fs::write(&path, json + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    written.push(path);
    Ok(written)
}

/// The window and screen used by in-process rendering tests.
pub fn render_window(config: &Config) -> anyhow::Result<(HeadlessWindow, KioskWindow)> {
    let screen = Headless::install(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    let window = KioskWindow::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    window
        .global::<KioskAdapter>()
        .set_office_name(config.office.name.clone().into());
    Ok((screen, window))
}

fn sample_now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T01:30:00Z".parse().expect("static time")
}

fn sample_queue(config: &Config) -> QueueView {
    QueueView {
        business_date: "2026-11-26".parse().expect("static date"),
        services: config
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceQueue {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: [12, 3, 0, 5][i % 4],
                open_counters: 1,
                estimated_wait_minutes: [45, 12, 0, 20][i % 4],
            })
            .collect(),
        counters: Vec::new(),
        last_event_id: 0,
    }
}

fn sample_ticket(config: &Config) -> TicketView {
    let s = &config.services[0];
    TicketView {
        id: 42,
        number: format!("{}013", s.prefix),
        service: s.code.clone(),
        service_name_vi: s.name_vi.clone(),
        service_name_en: s.name_en.clone(),
        priority: None,
        priority_name_vi: None,
        state: crate::domain::ticket::TicketState::Issued,
        business_date: "2026-11-26".parse().expect("static date"),
        issued_at: "2026-11-26T08:30:00+07:00".into(),
        called_at: None,
        started_at: None,
        finished_at: None,
        counter: None,
        recall_count: 0,
        transfer_count: 0,
        people_ahead: 12,
        estimated_wait_minutes: 45,
        print_status: None,
        print_error: None,
        dossier_code: None,
        lookup_token: Some("K7Q2MX9P".into()),
    }
}

/// What the demo printer prints for the sample ticket, as a preview.
fn sample_preview(config: &Config) -> Option<Preview> {
    let ticket = sample_ticket(config);
    let payload = QrPolicy::default().ticket_payload(&ticket);
    let mut printer = EmulatedPrinter::new(PrinterProfile::default());
    printer
        .print(&ticket_receipt(&config.office.name, &ticket, &payload))
        .ok()?;
    let receipt = printer.take_receipts().into_iter().next()?;
    let (w, h) = (receipt.image.width(), receipt.image.height());
    let dots = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| receipt.image.get(x, y))
        .collect();
    Some(Preview {
        width: w,
        height: h,
        dots: std::sync::Arc::new(dots),
    })
}

/// Each page, reached through the controller.
fn sample_pages(
    config: &Config,
    english: bool,
    preview: Option<Preview>,
) -> Vec<(&'static str, Kiosk)> {
    let t = Duration::from_secs(1);
    let mut base = Kiosk::new(Duration::from_secs(90), QrPolicy::default(), Duration::ZERO);
    base.set_service_examples(&config.services);
    base.queue_refreshed(&sample_queue(config));
    base.set_priorities(config.priorities());
    // The home page with every entry: queue, filing, lookup, rating.
    base.set_today("2026-11-26".parse().expect("static date"));
    if let Some(catalogue) = sample_catalogue(config) {
        base.catalogue_loaded(Ok(catalogue));
    }
    base.set_rating_enabled(true);
    if english {
        base.toggle_language(t);
    }
    let mut pages = vec![("home", base.clone())];

    let mut large = base.clone();
    large.toggle_large_text(t);
    pages.push(("home-large-text", large));

    let mut services = base.clone();
    services.take_number(t);
    pages.push(("services", services.clone()));

    let mut priority = services.clone();
    priority.choose_service(&config.services[0].code, t);
    pages.push(("priority", priority.clone()));

    let mut issuing = priority.clone();
    let key = match issuing.choose_priority(None, t).as_slice() {
        [Effect::IssueTicket(r)] => r.key.clone(),
        _ => String::new(),
    };
    pages.push(("issuing", issuing.clone()));

    let mut printing = issuing.clone();
    printing.ticket_issued(&key, Ok(sample_ticket(config)));
    let mut printed = printing.clone();
    printed.printed(
        42,
        PrintOutcome {
            result: Ok(false),
            preview,
        },
    );
    pages.push(("ticket-printed", printed));

    let mut failed = printing.clone();
    failed.printed(
        42,
        PrintOutcome {
            result: Err(DeviceErrorKind::PaperOut),
            preview: None,
        },
    );
    pages.push(("ticket-print-failed", failed));

    let mut unreachable = issuing.clone();
    unreachable.ticket_issued(
        &key,
        Err(HubError::Unreachable("connection refused".into())),
    );
    pages.push(("message-hub-unreachable", unreachable));

    let mut cap = issuing.clone();
    let name = &config.services[0].name_vi;
    cap.ticket_issued(
        &key,
        Err(HubError::Refused {
            status: 409,
            code: motcua_api::ErrorCode::DailyCapReached,
            message_vi: format!("Hôm nay đã hết số thứ tự cho \"{name}\" (999 số). Xin mời quay lại vào ngày làm việc tiếp theo."),
            message_en: format!("All 999 numbers for \"{}\" have been issued today. Please come back on the next working day.", config.services[0].name_en),
            fields: Default::default(),
        }),
    );
    pages.push(("message-daily-cap", cap));

    pages.extend(filing_pages(config, &base));
    pages.extend(technician_pages(&base));

    let mut marks = issuing;
    marks.ticket_issued(
        &key,
        Err(HubError::Refused {
            status: 400,
            code: motcua_api::ErrorCode::Other,
            message_vi: DIACRITICS_SAMPLE.into(),
            message_en: DIACRITICS_SAMPLE.into(),
            fields: Default::default(),
        }),
    );
    pages.push(("diacritics", marks));
    pages
}

/// The procedure catalogue as the hub serves it, built from the shipped
/// catalogue (no hub or portal is contacted).
fn sample_catalogue(config: &Config) -> Option<motcua_api::CatalogueView> {
    Some(crate::domain::catalogue_view::catalogue_view(
        &crate::domain::procedure::Catalogue::builtin(),
        &config.filing.office_hours(),
        motcua_api::CatalogueSource::Local,
        None,
    ))
}

pub(crate) fn sample_filed(config: &Config) -> motcua_api::FiledDossier {
    let code = format!("{}-261126-0007", config.office.unit_code);
    serde_json::from_value(serde_json::json!({
        "code": code,
        "procedure": "1.004873",
        "procedure_name_vi": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "procedure_name_en": "Certificate of marital status",
        "received_at": "2026-11-26T08:30:00+07:00",
        "due_at": "2026-12-01T08:30:00+07:00",
        "fee": 3000,
        "fee_text": "3.000đ",
        "fee_lines": [],
        "portal_status": "pending",
        "portal_reference": null,
        "masked_id": "001******345",
        "processing_text_vi": "3 ngày làm việc",
        "processing_text_en": "3 working days",
        "documents": [],
        "collect_at": "Bộ phận một cửa, tầng 1",
        "presence_required": false,
        "presence_reason_vi": null,
        "presence_reason_en": null,
        "ticket": null,
        "ticket_error": null,
        "receipt": {
            "unit_name": config.office.name,
            "code": code,
            "applicant_name": "Nguyễn Văn An",
            "masked_id": "001******345",
            "address": "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
            "procedure_code": "1.004873",
            "procedure_name": "Cấp Giấy xác nhận tình trạng hôn nhân",
            "documents": [],
            "processing_text": "3 ngày làm việc",
            "received_at": "2026-11-26T08:30:00+07:00",
            "due_at": "2026-12-01T08:30:00+07:00",
            "collect_at": "Bộ phận một cửa, tầng 1",
            "fee": 3000,
            "qr_payload": code,
            "waiting_for_portal": true
        }
    }))
    .expect("sample dossier")
}

fn sample_lookup(config: &Config) -> motcua_api::DossierView {
    let code = format!("{}-261126-0007", config.office.unit_code);
    serde_json::from_value(serde_json::json!({
        "code": code,
        "procedure": "1.004873",
        "procedure_name_vi": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "procedure_name_en": "Certificate of marital status",
        "received_at": "2026-11-26T08:30:00+07:00",
        "due_at": "2026-12-01T08:30:00+07:00",
        "fee": 3000,
        "fee_text": "3.000đ",
        "portal_status": "processing",
        "status_vi": "Đang giải quyết",
        "status_en": "Being processed",
        "portal_reference": "DVC-2026-000123",
        "masked_id": "001******345",
        "processing_text_vi": "3 ngày làm việc",
        "processing_text_en": "3 working days",
        "collect_at": "Bộ phận một cửa, tầng 1",
        "ticket": null,
        "timeline": [
            {"stage": "received", "at": "2026-11-26T08:30:00+07:00", "label_vi": "Đã tiếp nhận tại bộ phận một cửa", "label_en": "Received at the one-stop office"},
            {"stage": "sent", "at": "2026-11-26T08:30:02+07:00", "label_vi": "Đã gửi lên Cổng dịch vụ công", "label_en": "Sent to the public service portal"},
            {"stage": "processing", "at": "2026-11-26T10:00:00+07:00", "label_vi": "Đang giải quyết", "label_en": "Being processed"}
        ],
        "delivery": null,
        "portal_checked_at": null,
        "personal_data_purged": false
    }))
    .expect("sample lookup")
}

/// The filing and lookup pages, reached through the controller.
fn filing_pages(config: &Config, base: &Kiosk) -> Vec<(&'static str, Kiosk)> {
    let t = Duration::from_secs(1);
    let Some(catalogue) = sample_catalogue(config) else {
        return Vec::new();
    };
    let mut k = base.clone();
    k.set_today("2026-11-26".parse().expect("static date"));
    k.catalogue_loaded(Ok(catalogue));
    let mut hub_down = base.clone();
    hub_down.queue_failed();
    let mut pages = vec![("home-hub-unreachable", hub_down)];

    k.start_filing(t);
    pages.push(("filing-procedures", k.clone()));
    let mut search = k.clone();
    search.focus_search(t);
    for key in ["c", "h", "u", "w", "n", "g"] {
        search.key(key, t);
    }
    pages.push(("filing-procedures-search", search));
    k.choose_procedure("1.001193", t);
    pages.push(("filing-procedure", k.clone()));
    k.continue_filing(t);
    pages.push(("filing-consent", k.clone()));
    k.consent(true, t);
    pages.push(("filing-scan", k.clone()));
    let mut birth = k.clone();
    birth.scanned(crate::apps::devices::SAMPLE_CARD, t);
    birth.focus_field("child_name", t);
    pages.push(("filing-form-keyboard", birth.clone()));
    birth.key("done", t);
    birth.review(t);
    pages.push(("filing-form-errors", birth));

    // A short procedure, filled in and reviewed.
    let mut short = base.clone();
    short.set_today("2026-11-26".parse().expect("static date"));
    short.catalogue_loaded(Ok(sample_catalogue(config).expect("catalogue")));
    short.start_filing(t);
    short.choose_procedure("1.004873", t);
    short.continue_filing(t);
    short.consent(true, t);
    short.scanned(crate::apps::devices::SAMPLE_CARD, t);
    short.choose_option("marital_status", "chua_ket_hon", t);
    short.focus_field("purpose", t);
    for c in "keets hoon".chars() {
        short.key(&c.to_string(), t);
    }
    short.choose_option("pledge", "true", t);
    short.review(t);
    pages.push(("filing-review", short.clone()));
    let key = match short.submit(t).as_slice() {
        [Effect::SubmitDossier { key, .. }] => key.clone(),
        _ => String::new(),
    };
    pages.push(("filing-submitting", short.clone()));
    short.dossier_filed(&key, Ok(sample_filed(config)));
    short.filed_printed(
        PrintOutcome {
            result: Ok(false),
            preview: None,
        },
        None,
    );
    pages.push(("filing-filed", short));

    let mut lookup = k;
    lookup.go_home(t);
    lookup.start_lookup(t);
    for c in "000.25".chars() {
        lookup.key(&c.to_string(), t);
    }
    pages.push(("lookup", lookup.clone()));
    let code = sample_lookup(config).code;
    let mut found = lookup.clone();
    found.go_home(t);
    found.start_lookup(t);
    found.scanned(&code, t);
    found.lookup_answered(&code, Ok(sample_lookup(config)));
    pages.push(("lookup-result", found));
    pages
}

/// The technician's PIN page and diagnostics screen with a sample report.
fn technician_pages(base: &Kiosk) -> Vec<(&'static str, Kiosk)> {
    use crate::apps::diagnostics::pin::PinOutcome;
    use crate::apps::diagnostics::{CheckResult, Report, Status};
    let mut k = base.clone();
    k.corner(true, Duration::ZERO);
    k.tick(super::technician::HOLD);
    for key in ["1", "2", "3"] {
        k.tech_key(key, super::technician::HOLD);
    }
    let mut pin = k.clone();
    pin.tech_key("done", super::technician::HOLD);
    pin.pin_checked(
        PinOutcome::Wrong { attempts_left: 4 },
        super::technician::HOLD,
    );
    let mut pages = vec![("tech-pin", pin)];
    k.tech_key("done", super::technician::HOLD);
    k.pin_checked(PinOutcome::Granted, super::technician::HOLD);
    let check =
        |name: &str, status: Status, vi: &str, en: &str, details: serde_json::Value| CheckResult {
            name: name.to_owned(),
            status,
            summary_vi: vi.to_owned(),
            summary_en: en.to_owned(),
            details,
            duration_ms: 3,
        };
    k.diagnostics_done(Report::new(
        "kiosk-1",
        vec![
            check("version", Status::Pass, "motcua 0.1.0", "motcua 0.1.0", serde_json::json!({"version": "0.1.0"})),
            check("configuration", Status::Pass, "Cấu hình hợp lệ", "Configuration valid", serde_json::json!({})),
            check("serial_ports", Status::Pass, "2 cổng nối tiếp", "2 serial ports", serde_json::json!({"ports": ["/dev/ttyUSB0 0416:5011", "/dev/ttyACM0 0c2e:0b61"]})),
            check("printer", Status::Fail, "Máy in hết giấy", "Printer out of paper", serde_json::json!({"status": {"online": true, "cover_open": false, "paper_out": true, "paper_near_end": true}})),
            check("scanner", Status::Pass, "Đầu đọc sẵn sàng", "Scanner ready", serde_json::json!({"last": {"text": "001******345|…", "parse": "cccd_qr"}})),
            check("hub", Status::Pass, "Máy chủ trả lời sau 3 ms", "Hub answered in 3 ms", serde_json::json!({"latency_ms": 3})),
            check("portal", Status::Warn, "Cổng dịch vụ công chậm (1200 ms)", "Portal slow (1200 ms)", serde_json::json!({"latency_ms": 1200})),
            check("outbox", Status::Pass, "Không có hồ sơ chờ gửi", "Nothing waiting", serde_json::json!({"pending": 0})),
            check("database", Status::Pass, "Cơ sở dữ liệu toàn vẹn, 2,1 MB", "Database intact, 2.1 MB", serde_json::json!({"integrity": "ok"})),
            check("log", Status::Pass, "20 dòng nhật ký gần nhất", "Last 20 log lines", serde_json::json!({"lines": ["INFO hub listening", "WARN print failed kind=PaperOut"]})),
        ],
    ));
    pages.push(("tech", k));
    pages
}
