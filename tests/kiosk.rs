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
use motcua::apps::devices::TicketPrinter;
use motcua::apps::hub_client::HubClient;
use motcua::apps::kiosk::controller::QrPolicy;
use motcua::apps::kiosk::{KioskApp, KioskContext, UiTask};
use motcua::apps::ui::{KioskAdapter, KioskWindow};
use motcua::config::PrinterConfig;
use motcua_drivers::emulator::{Fault, PrinterEmulator, PrinterEmulatorOptions};
use motcua_drivers::SerialSettings;
use slint::ComponentHandle;

use crate::util::{SseReader, TestHub, DISPLAY, KIOSK};

/// A kiosk on the test thread with everything real behind it.
struct Harness {
    runtime: tokio::runtime::Runtime,
    hub: Option<TestHub>,
    emulator: PrinterEmulator,
    window: KioskWindow,
    app: KioskApp,
    tasks: mpsc::Receiver<UiTask>,
    clock: Arc<Mutex<Duration>>,
}

impl Harness {
    fn start() -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let hub = runtime.block_on(TestHub::start());
        let emulator = PrinterEmulator::start(PrinterEmulatorOptions::default()).unwrap();
        let mut serial = SerialSettings::for_port(emulator.path());
        serial.read_timeout_ms = 500;
        let printer = TicketPrinter::from_config(Some(&PrinterConfig {
            serial,
            profile: Default::default(),
        }))
        .unwrap();
        let (tx, tasks) = mpsc::channel::<UiTask>();
        let tx = Mutex::new(tx);
        let clock = Arc::new(Mutex::new(Duration::ZERO));
        let c = Arc::clone(&clock);
        let window = KioskWindow::new().unwrap();
        let app = KioskApp::attach(
            &window,
            Duration::from_secs(90),
            QrPolicy::default(),
            KioskContext {
                clock: Arc::new(move || *c.lock().unwrap()),
                hub: HubClient::new(&hub.url, KIOSK),
                printer: Arc::new(Mutex::new(printer)),
                office_name: "UBND Phường Thử nghiệm".into(),
                tz: chrono_tz::Asia::Ho_Chi_Minh,
                demo: false,
                runtime: runtime.handle().clone(),
                post: Arc::new(move |task| {
                    let _ = tx.lock().unwrap().send(task);
                }),
            },
        );
        let harness = Self {
            runtime,
            hub: Some(hub),
            emulator,
            window,
            app,
            tasks,
            clock,
        };
        // The services load at start.
        harness.pump_until(|h| !h.app.view().services.is_empty());
        harness
    }

    fn hub(&self) -> &TestHub {
        self.hub.as_ref().unwrap()
    }

    /// Runs UI tasks as they arrive until `done` holds (at most 20 s).
    fn pump_until(&self, done: impl Fn(&Self) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done(self) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let task = self.tasks.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "the kiosk did not get there; it shows {:?}",
                    self.app.view()
                )
            });
            task();
            i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        }
    }

    /// Touches the button whose words are `label`.
    fn touch(&self, label: &str) {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        let button = ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .unwrap_or_else(|| panic!("no button {label:?} on page {}", self.page()));
        button.invoke_accessible_default_action();
    }

    fn page(&self) -> String {
        self.window.global::<KioskAdapter>().get_page().to_string()
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
    h.touch("Người cao tuổi");
    assert_eq!(h.page(), "issuing");
    h.pump_until(|h| h.app.view().print_state == "printed");
    assert_eq!(h.page(), "ticket");

    let number = h
        .window
        .global::<KioskAdapter>()
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
        receipt.transcript.contains("Ưu tiên: Người cao tuổi"),
        "{}",
        receipt.transcript
    );
    // The printed QR is the lookup payload: ticket id and token.
    let ticket = h.app.view();
    assert_eq!(receipt.qr_payloads, vec![ticket.qr_payload.clone()]);
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
    h.pump_until(|h| h.app.view().print_state == "printed");
    assert_eq!(
        h.window.global::<KioskAdapter>().get_ticket_number(),
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
    h.pump_until(|h| h.app.view().print_state == "failed");

    let adapter = h.window.global::<KioskAdapter>();
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
    assert_eq!(adapter.get_selected_service_name(), "Civil status");

    *h.clock.lock().unwrap() = Duration::from_secs(89);
    h.app.tick();
    assert_eq!(h.page(), "priority", "not yet");
    *h.clock.lock().unwrap() = Duration::from_secs(91);
    h.app.tick();
    assert_eq!(h.page(), "home");
    assert_eq!(adapter.get_selected_service_name(), "");
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
    h.pump_until(|h| h.app.view().print_state == "printed");
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
    drop(dir);
}
