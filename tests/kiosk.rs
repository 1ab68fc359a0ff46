//! The kiosk, driven the way a citizen drives it: by the words on its
//! buttons (accessible labels), against a real hub on loopback and a real
//! printer emulator on a pseudo-terminal.
//!
//! Each test runs on its own thread with Slint's testing backend (no event
//! loop). Work the kiosk hands back to the UI thread arrives through a
//! channel that the test drains, so there is no sleeping: the test waits on
//! the channel until the screen shows what it expects.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use motcua::apps::devices::{ScannerDevice, TicketPrinter};
use motcua::apps::diagnostics::pin::PinGate;
use motcua::apps::diagnostics::Status;
use motcua::apps::diagnostics::{Diagnostics, Sources};
use motcua::apps::hub_client::HubClient;
use motcua::apps::kiosk::controller::page_name;
use motcua::apps::kiosk::{KioskApp, KioskContext, TechnicianTools};
use motcua::apps::printing::QrPolicy;
use motcua::apps::shell::UiTask;
use motcua::apps::ui::{
    CheckStatus, FilingAdapter, KioskAdapter, KioskWindow, LookupAdapter, PrintStatus,
    QueueAdapter, TechAdapter,
};
use motcua::config::{PrinterConfig, ScannerConfig};
use motcua_drivers::emulator::{Fault, PrinterEmulator, PrinterEmulatorOptions, ScannerEmulator};
use motcua_drivers::{SerialSettings, Terminator};
use slint::{ComponentHandle, Model};

use crate::util::{SseReader, TestHub, DISPLAY, KIOSK};

const TECHNICIAN_PIN: &str = "246810";

/// A kiosk on the test thread with everything real behind it.
struct Harness {
    runtime: tokio::runtime::Runtime,
    hub: Option<TestHub>,
    emulator: PrinterEmulator,
    scanner: ScannerEmulator,
    window: KioskWindow,
    app: KioskApp,
    tasks: mpsc::Receiver<UiTask>,
    clock: Arc<Mutex<Duration>>,
}

impl Harness {
    fn start() -> Self {
        Self::start_with(motcua::config::Config::demo())
    }

    /// A kiosk against a hub of `config`'s office.
    fn start_with(config: motcua::config::Config) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let hub = runtime.block_on(TestHub::with(config, None));
        let emulator = PrinterEmulator::start(PrinterEmulatorOptions::default()).unwrap();
        let mut serial = SerialSettings::for_port(emulator.path());
        // Generous: the machine may be busy; only a stalled printer waits this long.
        serial.read_timeout_ms = 3000;
        let printer = Arc::new(Mutex::new(
            TicketPrinter::from_config(Some(&PrinterConfig {
                serial,
                profile: Default::default(),
            }))
            .unwrap(),
        ));
        // A real serial scanner driver reading the scanner emulator's pty.
        let scanner = ScannerEmulator::start(Terminator::Crlf).unwrap();
        let mut scanner_serial = SerialSettings::for_port(scanner.path());
        scanner_serial.exclusive = false;
        let scanner_device = ScannerDevice::from_config(Some(&ScannerConfig {
            serial: scanner_serial,
            profile: Default::default(),
        }))
        .unwrap();
        let (tx, tasks) = mpsc::channel::<UiTask>();
        let tx = Mutex::new(tx);
        let clock = Arc::new(Mutex::new(Duration::ZERO));
        let c = Arc::clone(&clock);
        let window = KioskWindow::new().unwrap();
        window
            .window()
            .set_size(slint::PhysicalSize::new(1080, 1920));
        let app = KioskApp::attach(
            &window,
            Duration::from_secs(90),
            QrPolicy::default(),
            KioskContext {
                clock: Arc::new(move || *c.lock().unwrap()),
                hub: HubClient::new(&hub.url, KIOSK),
                printer: Arc::clone(&printer),
                office_name: "UBND Phường Thử nghiệm".into(),
                tz: chrono_tz::Asia::Ho_Chi_Minh,
                demo: false,
                runtime: runtime.handle().clone(),
                post: Arc::new(move |task| {
                    let _ = tx.lock().unwrap().send(task);
                }),
                scanner_emulator: None,
                stop: Arc::default(),
                technician: Some(TechnicianTools {
                    diagnostics: Diagnostics::new(Sources::kiosk(
                        Arc::new(motcua::config::Config::demo()),
                        None,
                        &printer,
                        Some((
                            scanner_device.frames.clone(),
                            scanner_device.description.clone(),
                        )),
                        &hub.url,
                        None,
                        None,
                    )),
                    gate: Arc::new(Mutex::new(PinGate::new(Some(
                        motcua::pin::hash_pin(TECHNICIAN_PIN).unwrap(),
                    )))),
                    fallback_dir: std::env::temp_dir(),
                }),
            },
        );
        app.start_scanner(scanner_device);
        let harness = Self {
            runtime,
            hub: Some(hub),
            emulator,
            scanner,
            window,
            app,
            tasks,
            clock,
        };
        // The services and the procedure catalogue load at start.
        harness
            .pump_until(|h| !h.app.view().queue.services.is_empty() && h.app.view().filing_enabled);
        harness
    }

    fn hub(&self) -> &TestHub {
        self.hub.as_ref().unwrap()
    }

    /// Runs UI tasks as they arrive until `done` holds (at most 20 s).
    fn pump_until(&self, done: impl Fn(&Self) -> bool) {
        crate::util::pump_ui_until(
            &self.tasks,
            Duration::from_secs(20),
            || done(self),
            || {
                format!(
                    "the kiosk did not get there; it shows {:?}",
                    self.app.view()
                )
            },
        );
    }

    /// Touches the button whose words are `label`.
    fn touch(&self, label: &str) {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        let button = ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .unwrap_or_else(|| {
                let labels: Vec<String> =
                    i_slint_backend_testing::ElementQuery::from_root(&self.window)
                        .match_descendants()
                        .find_all()
                        .iter()
                        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
                        .filter(|l| !l.is_empty())
                        .collect();
                panic!(
                    "no button {label:?} on page {}; labels: {labels:?}",
                    self.page()
                )
            });
        button.invoke_accessible_default_action();
    }

    /// The accessible value of the element labelled `label` (a form field).
    fn value_of(&self, label: &str) -> String {
        self.find_on_form(label)
            .accessible_value()
            .unwrap_or_default()
            .to_string()
    }

    /// Finds the control labelled `label` on the form (an input, an option,
    /// a checkbox — not the caption above it), swiping the form as a
    /// citizen would until it comes into view: back to the top first, then
    /// down.
    fn find_on_form(&self, label: &str) -> ElementHandle {
        use i_slint_backend_testing::AccessibleRole;
        let form = || {
            ElementHandle::find_by_accessible_label(&self.window, "Tờ khai")
                .next()
                .expect("the form is on screen")
        };
        form().scroll(0.0, 100_000.0);
        for _ in 0..30 {
            i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
            let control = ElementHandle::find_by_accessible_label(&self.window, label).find(|e| {
                matches!(
                    e.accessible_role(),
                    Some(
                        AccessibleRole::TextInput
                            | AccessibleRole::Button
                            | AccessibleRole::Checkbox
                    )
                )
            });
            if let Some(e) = control {
                return e;
            }
            form().scroll(0.0, -300.0);
        }
        panic!("no {label:?} on the form")
    }

    /// Types on the on-screen keyboard, key by key.
    fn type_keys(&self, keys: &str) {
        for c in keys.chars() {
            let label = if c == ' ' {
                "phím dấu cách".to_owned()
            } else {
                format!("phím {c}")
            };
            self.touch(&label);
        }
    }

    fn page(&self) -> String {
        page_name(self.window.global::<KioskAdapter>().get_page()).to_owned()
    }

    fn shows(&self, label: &str) -> bool {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .is_some()
    }

    fn events(&self) -> SseReader {
        self.runtime
            .block_on(SseReader::connect(&self.hub().url, DISPLAY, Some(0)))
    }

    fn next_event(&self, events: &mut SseReader, kind: &str) -> serde_json::Value {
        self.runtime.block_on(async {
            loop {
                let e = tokio::time::timeout(Duration::from_secs(20), events.next())
                    .await
                    .expect("no event in time")
                    .expect("stream ended");
                if e.kind == kind {
                    return e.data;
                }
            }
        })
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.app.stop();
        if let Some(hub) = self.hub.take() {
            self.runtime.block_on(hub.stop());
        }
    }
}

#[test]
fn the_queue_flow_prints_the_number_the_screen_shows() {
    let h = Harness::start();
    assert_eq!(h.page(), "home");
    h.touch("Lấy số thứ tự");
    assert_eq!(h.page(), "services");
    h.pump_until(|h| h.shows("A · Hộ tịch"));
    h.touch("A · Hộ tịch");
    assert_eq!(h.page(), "priority");
    h.touch("Người cao tuổi (từ 60 tuổi)");
    assert_eq!(h.page(), "issuing");
    h.pump_until(|h| h.app.view().queue.print_state == PrintStatus::Printed);
    assert_eq!(h.page(), "ticket");

    let number = h
        .window
        .global::<QueueAdapter>()
        .get_ticket_number()
        .to_string();
    assert_eq!(number, "A001");
    assert!(h.shows(&format!("Số thứ tự {number}")));
    let receipt = h
        .emulator
        .recv_receipt(Duration::from_secs(10))
        .expect("the printer emulator received a ticket");
    assert!(
        receipt.transcript.contains(&number),
        "{}",
        receipt.transcript
    );
    assert!(
        receipt.transcript.contains("Hộ tịch"),
        "{}",
        receipt.transcript
    );
    assert!(
        receipt
            .transcript
            .contains("Ưu tiên: Người cao tuổi (từ 60 tuổi)"),
        "{}",
        receipt.transcript
    );
    // The printed QR is the lookup payload: ticket id and token.
    let ticket = h.app.view();
    assert_eq!(receipt.qr_payloads(), vec![ticket.qr_payload.clone()]);
    assert!(ticket.qr_payload.starts_with("MOTCUA:T:1:"));

    // The hub hears that it printed.
    let mut events = h.events();
    let printed = h.next_event(&mut events, "ticket.printed");
    assert_eq!(printed["data"]["ticket"]["number"], "A001");

    // Done: back home, a second citizen gets the next number.
    h.touch("Xong, về trang chủ");
    assert_eq!(h.page(), "home");
    h.touch("Lấy số thứ tự");
    h.pump_until(|h| h.shows("A · Hộ tịch"));
    h.touch("A · Hộ tịch");
    h.touch("Lấy số thường");
    h.pump_until(|h| h.app.view().queue.print_state == PrintStatus::Printed);
    assert_eq!(
        h.window.global::<QueueAdapter>().get_ticket_number(),
        "A002"
    );
}

#[test]
fn a_printer_out_of_paper_keeps_the_number_and_tells_staff() {
    let h = Harness::start();
    h.emulator.set_fault(Fault::PaperOut, true);
    let mut events = h.events();
    h.touch("Lấy số thứ tự");
    h.pump_until(|h| h.shows("B · Chứng thực"));
    h.touch("B · Chứng thực");
    h.touch("Lấy số thường");
    h.pump_until(|h| h.app.view().queue.print_state == PrintStatus::Failed);

    let adapter = h.window.global::<QueueAdapter>();
    assert_eq!(h.page(), "ticket");
    assert_eq!(
        adapter.get_ticket_number(),
        "B001",
        "the number stays on screen"
    );
    let message = adapter.get_print_message().to_string();
    assert!(message.starts_with("Máy in đã hết giấy"), "{message}");
    assert!(h.shows(&message));
    assert!(
        message.contains("Cán bộ tại quầy có thể in lại phiếu"),
        "{message}"
    );

    let failed = h.next_event(&mut events, "ticket.print_failed");
    assert_eq!(failed["data"]["ticket"]["number"], "B001");
    assert_eq!(failed["data"]["ticket"]["print_error"], "paper_out");
    let (_, ticket) = h.runtime.block_on(h.hub().client(KIOSK).get(&format!(
        "/api/v1/tickets/{}",
        failed["data"]["ticket"]["id"]
    )));
    assert_eq!(ticket["print_status"], "print_failed");
    assert!(
        h.emulator.try_recv_receipt().is_none(),
        "nothing came out of the printer"
    );
}

#[test]
fn the_idle_timeout_wipes_what_the_citizen_entered() {
    let h = Harness::start();
    h.touch("English");
    h.touch("Take a queue number");
    h.pump_until(|h| h.shows("A · Civil status"));
    h.touch("A · Civil status");
    let adapter = h.window.global::<KioskAdapter>();
    let queue = h.window.global::<QueueAdapter>();
    assert_eq!(queue.get_selected_service_name(), "Civil status");

    *h.clock.lock().unwrap() = Duration::from_secs(89);
    h.app.tick();
    assert_eq!(h.page(), "priority", "not yet");
    *h.clock.lock().unwrap() = Duration::from_secs(91);
    h.app.tick();
    assert_eq!(h.page(), "home");
    assert_eq!(queue.get_selected_service_name(), "");
    assert_eq!(
        adapter.get_language(),
        "vi",
        "the next citizen starts in Vietnamese"
    );
    assert!(h.shows("Lấy số thứ tự"));
    // Nothing was issued.
    let (_, queue) = h
        .runtime
        .block_on(h.hub().client(KIOSK).get("/api/v1/queue"));
    assert_eq!(queue["services"][0]["waiting"], 0);
}

#[test]
fn a_double_tap_makes_one_ticket() {
    let h = Harness::start();
    h.touch("Lấy số thứ tự");
    h.pump_until(|h| h.shows("A · Hộ tịch"));
    h.touch("A · Hộ tịch");
    let normal = ElementHandle::find_by_accessible_label(&h.window, "Lấy số thường")
        .next()
        .unwrap();
    normal.invoke_accessible_default_action();
    normal.invoke_accessible_default_action();
    h.pump_until(|h| h.app.view().queue.print_state == PrintStatus::Printed);
    let (_, queue) = h
        .runtime
        .block_on(h.hub().client(KIOSK).get("/api/v1/queue"));
    assert_eq!(queue["services"][0]["waiting"], 1, "one ticket, not two");
}

#[test]
fn a_hub_that_went_away_is_explained_with_a_retry_button() {
    let mut h = Harness::start();
    h.touch("Lấy số thứ tự");
    h.pump_until(|h| h.shows("A · Hộ tịch"));
    h.touch("A · Hộ tịch");
    // The hub stops before the citizen chooses.
    let hub = h.hub.take().unwrap();
    let dir = h.runtime.block_on(hub.stop());
    h.touch("Lấy số thường");
    h.pump_until(|h| h.page() == "message");
    let adapter = h.window.global::<KioskAdapter>();
    assert!(adapter.get_message_text().contains("chưa kết nối được"));
    assert!(adapter.get_can_retry());
    // Home says the kiosk is cut off, so the next citizen is not misled.
    h.touch("Về trang chủ");
    h.pump_until(|h| !h.app.view().home_notice.is_empty());
    assert!(
        h.shows("Máy đang mất kết nối với hệ thống của bộ phận một cửa. Xin hỏi cán bộ tại quầy.")
    );
    drop(dir);
}

#[test]
fn filing_a_dossier_with_the_id_card_prints_the_receipt() {
    let h = Harness::start();
    h.touch("Nộp hồ sơ trực tuyến");
    assert_eq!(h.page(), "procedures");
    // The keyboard opens only when the search box is touched.
    assert!(!h.shows("phím a"), "no keyboard over the list");
    h.touch("Tìm");
    // Search on the on-screen keyboard, then choose.
    h.type_keys("xac nhan");
    assert_eq!(
        h.window.global::<FilingAdapter>().get_search_text(),
        "xac nhan"
    );
    h.touch("Cấp Giấy xác nhận tình trạng hôn nhân");
    assert_eq!(h.page(), "procedure");
    h.touch("Tiếp tục");
    assert_eq!(h.page(), "consent");
    // Nothing is read before consent: a card scanned now is dropped.
    h.touch("Đồng ý");
    assert_eq!(h.page(), "scan");

    // The citizen holds the card under the scanner (DOMAIN.md vector).
    h.scanner
        .send_line("001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021")
        .unwrap();
    h.pump_until(|h| h.page() == "form");
    assert_eq!(h.value_of("Họ, chữ đệm và tên"), "Nguyễn Văn An");
    assert_eq!(h.value_of("Số định danh cá nhân (CCCD)"), "001090012345");
    assert_eq!(h.value_of("Ngày sinh"), "15/03/1990");

    // Review refuses an incomplete form and says why beside the field.
    h.touch("Xem lại");
    assert_eq!(h.page(), "form");
    let adapter = h.window.global::<FilingAdapter>();
    assert!(
        adapter.get_form_summary().contains("cần sửa"),
        "{}",
        adapter.get_form_summary()
    );

    h.find_on_form("Tình trạng hôn nhân: Chưa đăng ký kết hôn với ai")
        .invoke_accessible_default_action();
    // The simple method is the default: letters, then the keys of their
    // own for ê and the tone; its hint says so.
    h.find_on_form("Mục đích sử dụng")
        .invoke_accessible_default_action();
    assert!(h.shows(
        "Kiểu gõ đơn giản: gõ chữ, rồi chạm ă â đ ê ô ơ ư hoặc dấu á à ả ã ạ. Phím \"Đơn giản\" đổi sang Telex, VNI."
    ));
    h.type_keys("ket");
    h.touch("phím ê");
    h.touch("phím dấu sắc");
    assert_eq!(
        h.value_of("Mục đích sử dụng"),
        "kết",
        "no capital outside names"
    );
    h.touch("phím dấu cách");
    // Telex for those who choose it: "hoon" → "hôn".
    h.touch("phím kiểu gõ");
    h.type_keys("hoon");
    assert_eq!(h.value_of("Mục đích sử dụng"), "kết hôn");
    h.touch("phím xong");
    h.find_on_form("Tôi cam đoan nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.")
        .invoke_accessible_default_action();
    h.touch("Xem lại");
    assert_eq!(h.page(), "review", "{}", adapter.get_form_summary());
    assert!(
        adapter.get_review_fee().contains("3.000đ"),
        "{}",
        adapter.get_review_fee()
    );

    h.touch("Nộp hồ sơ");
    h.pump_until(|h| {
        h.page() == "filed" && h.app.view().filing.print_state != PrintStatus::Printing
    });
    let code = adapter.get_filed_code().to_string();
    assert!(code.starts_with("000.25.31.H26-"), "{code}");
    assert!(h.shows(&format!("Mã hồ sơ {code}")));
    // The short code the lookup takes, on its own line (…-YYMMDD-NNNN →
    // NNNN DD/MM), here and on the paper below.
    let (date, number) = (
        &code[code.len() - 11..code.len() - 5],
        &code[code.len() - 4..],
    );
    let short = format!("Mã tra cứu nhanh: {number} {}/{}", &date[4..], &date[2..4]);
    assert_eq!(adapter.get_filed_short_code(), short.as_str());
    assert!(h.shows(&short));
    assert_eq!(h.app.view().filing.print_state, PrintStatus::Printed);
    let due = adapter.get_filed_due().to_string();
    let due = due.split(": ").nth(1).unwrap().to_owned();
    assert!(due.contains(" giờ ") && due.contains(" năm "), "{due}");

    let receipt = h
        .emulator
        .recv_receipt(Duration::from_secs(10))
        .expect("a receipt came out");
    let text = receipt
        .transcript
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&code), "{text}");
    assert!(text.contains(&due), "due time {due:?} not in {text}");
    assert!(text.contains(&short), "{short:?} not in {text}");
    assert!(
        text.contains("001******345"),
        "the ID number is masked on paper: {text}"
    );
    assert!(!text.contains("001090012345"), "{text}");
    assert_eq!(receipt.qr_payloads(), vec![code.clone()]);

    // Lookup: the receipt's QR code at the scanner shows the status.
    h.touch("Xong, về trang chủ");
    h.touch("Tra cứu hồ sơ");
    assert_eq!(h.page(), "lookup");
    h.scanner.send_line(&code).unwrap();
    h.pump_until(|h| h.page() == "lookup-result");
    let lookup = h.window.global::<LookupAdapter>();
    assert!(lookup.get_title().starts_with(&code));
    assert!(!lookup.get_status().is_empty());
    assert!(lookup.get_timeline().row_count() >= 1);
}

#[test]
fn a_procedure_that_needs_the_citizen_at_a_counter_prints_a_ticket_too() {
    let h = Harness::start();
    h.touch("Nộp hồ sơ trực tuyến");
    h.touch("Tìm");
    h.type_keys("ket hon");
    h.touch("Đăng ký kết hôn");
    assert!(h
        .window
        .global::<FilingAdapter>()
        .get_procedure_presence()
        .contains("đến quầy"));
    h.touch("Tiếp tục");
    h.touch("Không đồng ý, tôi tự nhập");
    assert_eq!(
        h.page(),
        "form",
        "without consent the citizen types everything"
    );
    // A card scanned without consent is ignored. The hook sees the line on
    // the UI thread just before the kiosk gets it (it returns `false`, so
    // the kiosk still handles it): once it has been seen, the scan has been
    // dispatched and must have left the form empty.
    let seen = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = Arc::clone(&seen);
    h.app.set_scan_hook(Box::new(move |_| {
        s.store(true, std::sync::atomic::Ordering::SeqCst);
        false
    }));
    h.scanner.send_line("079195001234||Trần Thị Bình|01021995|Nữ|Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh|10072022").unwrap();
    h.pump_until(|_| seen.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(h.page(), "form");
    assert_eq!(
        h.value_of("Họ, chữ đệm và tên"),
        "",
        "a card scanned without consent does not fill the form"
    );
    let fill = |label: &str, keys: &str| {
        h.find_on_form(label).invoke_accessible_default_action();
        h.type_keys(keys);
    };
    fill("Họ, chữ đệm và tên", "tran thi binh");
    fill("Số định danh cá nhân (CCCD)", "079195001234");
    fill("Nơi cư trú", "phuong ben nghe");
    fill("Họ, chữ đệm và tên bên kia", "le van cuong");
    fill("Ngày sinh bên kia", "01/01/1994");
    h.find_on_form("Giới tính bên kia: Nam")
        .invoke_accessible_default_action();
    fill("Số định danh cá nhân bên kia", "079094001235");
    fill("Nơi cư trú bên kia", "phuong ben nghe");
    h.find_on_form("Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn là tự nguyện, không vi phạm Luật Hôn nhân và gia đình.")
        .invoke_accessible_default_action();
    assert_eq!(
        h.value_of("Họ, chữ đệm và tên"),
        "Tran Thi Binh",
        "scanned data without consent was dropped"
    );
    h.touch("Xem lại");
    let adapter = h.window.global::<FilingAdapter>();
    assert_eq!(h.page(), "review", "{}", adapter.get_form_summary());
    h.touch("Nộp hồ sơ");
    h.pump_until(|h| {
        h.page() == "filed" && h.app.view().filing.print_state != PrintStatus::Printing
    });
    let ticket = adapter.get_filed_ticket().to_string();
    assert!(ticket.contains("A001"), "{ticket}");
    let receipt = h.emulator.recv_receipt(Duration::from_secs(10)).unwrap();
    assert!(receipt
        .transcript
        .contains(adapter.get_filed_code().as_str()));
    let queue_ticket = h
        .emulator
        .recv_receipt(Duration::from_secs(10))
        .expect("the queue ticket is printed too");
    assert!(
        queue_ticket.transcript.contains("A001"),
        "{}",
        queue_ticket.transcript
    );
}

#[test]
fn the_technician_enters_with_the_corner_and_the_pin_and_prints_a_test_page() {
    let h = Harness::start();
    let adapter = h.window.global::<KioskAdapter>();
    // A short touch of the corner does nothing.
    adapter.invoke_corner_hold(true);
    *h.clock.lock().unwrap() = Duration::from_secs(2);
    h.app.tick();
    adapter.invoke_corner_hold(false);
    *h.clock.lock().unwrap() = Duration::from_secs(10);
    h.app.tick();
    assert_eq!(h.page(), "home");
    // Held five seconds: the PIN page.
    adapter.invoke_corner_hold(true);
    *h.clock.lock().unwrap() = Duration::from_secs(15);
    h.app.tick();
    assert_eq!(h.page(), "tech-pin");

    // A wrong PIN is refused and counted.
    for k in ["1", "2", "3", "4", "xong"] {
        h.touch(&format!("phím {k}"));
    }
    h.pump_until(|h| !h.window.global::<TechAdapter>().get_message().is_empty());
    let tech = h.window.global::<TechAdapter>();
    let message = tech.get_message().to_string();
    assert!(message.contains("4"), "attempts left are shown: {message}");
    assert_eq!(h.page(), "tech-pin");

    // The right one opens the diagnostics.
    for k in TECHNICIAN_PIN.chars() {
        h.touch(&format!("phím {k}"));
    }
    assert_eq!(tech.get_pin_dots(), "●●●●●●", "the PIN is never shown");
    h.touch("phím xong");
    h.pump_until(|h| h.page() == "tech" && h.app.view().tech.rows.len() >= 8);
    let rows = h.app.view().tech.rows;
    let status = |id: &str| rows.iter().find(|r| r.id == id).map(|r| r.status);
    assert_eq!(status("printer"), Some(Status::Pass), "{rows:?}");
    assert_eq!(status("hub"), Some(Status::Pass), "{rows:?}");
    // Checks are named in words, and selected by them.
    h.touch("Máy in");
    assert_eq!(tech.get_detail_title(), "Máy in");

    // Test print: the printer emulator receives the sample ticket.
    h.touch("In thử");
    h.pump_until(|h| !h.app.view().tech.action_text.is_empty());
    assert_eq!(
        h.app.view().tech.action_status,
        CheckStatus::Pass,
        "{}",
        h.app.view().tech.action_text
    );
    let page = h
        .emulator
        .recv_receipt(Duration::from_secs(10))
        .expect("the test page came out");
    assert!(
        page.transcript.contains("SỐ THỨ TỰ") || page.transcript.contains("Số thứ tự"),
        "{}",
        page.transcript
    );

    // Two idle minutes close technician mode.
    *h.clock.lock().unwrap() = Duration::from_secs(15 + 121);
    h.app.tick();
    assert_eq!(h.page(), "home");
}

#[test]
fn a_training_hub_puts_the_training_banner_on_the_kiosk() {
    let mut config = motcua::config::Config::demo();
    config.demo = false;
    config.filing.portal_url = Some(motcua::config::SANDBOX_PORTAL.into());
    let h = Harness::start_with(config);
    h.pump_until(|h| h.window.global::<KioskAdapter>().get_demo());
    let adapter = h.window.global::<KioskAdapter>();
    assert_eq!(
        adapter.get_demo_text().as_str(),
        motcua::apps::kiosk::TRAINING_BANNER
    );
}

#[test]
fn emulate_scanner_into_types_a_card_into_the_running_kiosk() {
    // The demo kiosk prints its emulated scanner's inbox; a technician in
    // another terminal runs `motcua emulate scanner --into PATH`.
    let h = Harness::start();
    let inbox = h.scanner.open_inbox().unwrap();
    h.touch("Nộp hồ sơ trực tuyến");
    h.touch("Tìm");
    h.type_keys("xac nhan");
    h.touch("Cấp Giấy xác nhận tình trạng hôn nhân");
    h.touch("Tiếp tục");
    h.touch("Đồng ý");
    assert_eq!(h.page(), "scan");
    // Nothing on standard input: the sample card (DOMAIN.md vector).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["emulate", "scanner", "--into"])
        .arg(&inbox)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    h.pump_until(|h| h.page() == "form");
    assert_eq!(h.value_of("Họ, chữ đệm và tên"), "Nguyễn Văn An");
    assert_eq!(h.value_of("Số định danh cá nhân (CCCD)"), "001090012345");
}

/// Issue 14, the note's figures: taps and keystrokes of the two commonest
/// flows, replayed through the real kiosk (controller, window, hub,
/// printer emulator), and their time on this machine (printed, not
/// asserted). Targets: a ticket in ≤ 3 taps; a certified copy filed with
/// a card in ≤ 12 taps plus the document name.
/// `cargo test --test integration kiosk::taps -- --nocapture` prints them.
#[test]
fn taps_and_time_of_a_ticket_and_of_the_simplest_filing() {
    use std::cell::Cell;
    use std::time::Instant;
    let h = Harness::start();
    let taps = Cell::new(0u32);
    let keys = Cell::new(0u32);
    let tap = |label: &str| {
        taps.set(taps.get() + 1);
        h.touch(label);
    };
    let key = |label: &str| {
        keys.set(keys.get() + 1);
        h.touch(label);
    };

    // A queue ticket: home → service → no priority → printed.
    let started = Instant::now();
    tap("Lấy số thứ tự");
    h.pump_until(|h| h.shows("B · Chứng thực"));
    tap("B · Chứng thực");
    tap("Lấy số thường");
    h.pump_until(|h| h.app.view().queue.print_state == PrintStatus::Printed);
    let ticket_time = started.elapsed();
    let ticket_taps = taps.replace(0);
    h.emulator.recv_receipt(Duration::from_secs(10)).unwrap();
    assert!(ticket_taps <= 3, "{ticket_taps} taps for a ticket");
    h.touch("Xong, về trang chủ");

    // The simplest filing: a certified copy, the card scanned, the
    // document's name typed in the simple mode ("học bạ"), 5 pages.
    let started = Instant::now();
    tap("Nộp hồ sơ trực tuyến");
    tap("Chứng thực bản sao từ bản chính giấy tờ, văn bản");
    tap("Tiếp tục");
    tap("Đồng ý");
    h.scanner
        .send_line(motcua::apps::devices::SAMPLE_CARD)
        .unwrap();
    h.pump_until(|h| h.page() == "form");
    taps.set(taps.get() + 1);
    h.find_on_form("Tên giấy tờ, văn bản")
        .invoke_accessible_default_action();
    for k in [
        "phím h",
        "phím o",
        "phím c",
        "phím dấu nặng",
        "phím dấu cách",
    ] {
        key(k);
    }
    for k in ["phím b", "phím a", "phím dấu nặng"] {
        key(k);
    }
    let name_keys = keys.replace(0);
    assert_eq!(h.value_of("Tên giấy tờ, văn bản"), "học bạ");
    taps.set(taps.get() + 1);
    h.find_on_form("Số trang của bản chính")
        .invoke_accessible_default_action();
    key("phím 5");
    let adapter = h.window.global::<FilingAdapter>();
    // The pledge, when the procedure asks for one.
    if let Some(pledge) = ElementHandle::find_by_accessible_label(&h.window, "Tôi cam đoan nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật về cam đoan của mình.").next() {
        taps.set(taps.get() + 1);
        pledge.invoke_accessible_default_action();
    }
    tap("Xem lại");
    assert_eq!(h.page(), "review", "{}", adapter.get_form_summary());
    tap("Nộp hồ sơ");
    h.pump_until(|h| {
        h.page() == "filed" && h.app.view().filing.print_state != PrintStatus::Printing
    });
    let filing_time = started.elapsed();
    let filing_taps = taps.get();
    let other_keys = keys.get();
    eprintln!(
        "ticket: {ticket_taps} taps, {:.0} ms from the first tap to the printed ticket",
        ticket_time.as_secs_f64() * 1000.0
    );
    eprintln!(
        "certified copy with a card: {filing_taps} taps + {name_keys} keys for the document name + {other_keys} key for the pages, {:.0} ms from the first tap to the printed receipt",
        filing_time.as_secs_f64() * 1000.0
    );
    assert!(
        filing_taps <= 12,
        "{filing_taps} taps to file a certified copy"
    );
}
