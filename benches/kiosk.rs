//! Kiosk benchmarks, `cargo bench --bench kiosk`:
//!
//! 1. tap on "Lấy số thường" → first byte at the printer, p50/p95, over
//!    1,000 tickets with the in-process hub and the printer emulator on a
//!    pty (the demo configuration), every frame rendered by the software
//!    renderer as on a real screen;
//! 2. resident memory after 500 and 1,000 tickets;
//! 3. cold start of the release binary to its first frame (headless, the
//!    frame written to a PNG), median and max of 10 runs;
//! 4. release binary size.

mod common;
use common::percentile;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use motcua::apps::devices::TicketPrinter;
use motcua::apps::headless::Headless;
use motcua::apps::hub_client::HubClient;
use motcua::apps::kiosk::{KioskApp, KioskContext};
use motcua::apps::printing::QrPolicy;
use motcua::apps::shell::{system_clock, UiTask};
use motcua::apps::ui::{
    FilingAdapter, KeyboardAdapter, KioskAdapter, KioskPage, KioskWindow, PrintStatus, QueueAdapter,
};
use motcua::config::{Config, PrinterConfig};
use motcua_drivers::emulator::{PrinterEmulator, PrinterEmulatorOptions};
use motcua_drivers::SerialSettings;
use slint::ComponentHandle;

const TICKETS: usize = 1000;
const FILINGS: usize = 200;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

fn tap_to_first_byte() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = common::runtime();
    let mut config = Config::demo();
    config.queue.daily_cap = 9999;
    let config = Arc::new(config);
    let hub = common::start_hub(&runtime, &config, dir.path());
    // The emulator on a pty, the kiosk's serial printer driver at the other
    // end: the demo configuration, with the byte counter in our hands.
    let emulator = PrinterEmulator::start(PrinterEmulatorOptions::default()).unwrap();
    let mut serial = SerialSettings::for_port(emulator.path());
    serial.exclusive = false;
    let printer = TicketPrinter::from_config(Some(&PrinterConfig {
        serial,
        profile: Default::default(),
    }))
    .unwrap();
    let printer = Arc::new(Mutex::new(printer));
    let screen = Headless::install(None).unwrap();
    screen.set_size(1080, 1920);
    let window = KioskWindow::new().unwrap();
    let (tx, rx) = mpsc::channel::<UiTask>();
    let tx = Mutex::new(tx);
    let app = KioskApp::attach(
        &window,
        Duration::from_secs(90),
        QrPolicy::default(),
        KioskContext {
            clock: system_clock(),
            hub: HubClient::new(&hub.base_url(), "demo-kiosk-token"),
            printer: Arc::clone(&printer),
            office_name: config.office.name.clone(),
            tz: config.timezone(),
            demo: true,
            runtime: runtime.handle().clone(),
            post: Arc::new(move |t| {
                let _ = tx.lock().unwrap().send(t);
            }),
            scanner_emulator: None,
            stop: Arc::default(),
            technician: None,
        },
    );
    let pump_until = |done: &dyn Fn() -> bool| {
        while !done() {
            if let Ok(task) = rx.recv_timeout(Duration::from_micros(200)) {
                task();
            }
        }
    };
    pump_until(&|| !app.view().queue.services.is_empty() && app.view().filing_enabled);
    let adapter = window.global::<KioskAdapter>();
    let queue = window.global::<QueueAdapter>();
    let filing_ui = window.global::<FilingAdapter>();
    let keyboard = window.global::<KeyboardAdapter>();
    let mut latencies = Vec::with_capacity(TICKETS);
    let mut rss_500 = 0;
    for i in 1..=TICKETS {
        queue.invoke_take_number();
        screen.render_rgb();
        queue.invoke_choose_service("hotich".into());
        screen.render_rgb();
        let before = emulator.bytes_received();
        let t0 = Instant::now();
        queue.invoke_choose_priority("".into());
        // The first byte the printer sees is the status query of the job.
        pump_until(&|| emulator.bytes_received() > before);
        latencies.push(t0.elapsed());
        pump_until(&|| {
            matches!(
                app.view().queue.print_state,
                PrintStatus::Printed | PrintStatus::Failed
            )
        });
        assert_eq!(
            app.view().queue.print_state,
            PrintStatus::Printed,
            "ticket {i} did not print"
        );
        while emulator.try_recv_receipt().is_some() {}
        screen.render_rgb();
        adapter.invoke_go_home();
        screen.render_rgb();
        if i == TICKETS / 2 {
            rss_500 = rss_kib();
        }
    }
    let rss_1000 = rss_kib();

    // Filing: submit → first byte of the receipt at the printer. The hub
    // commits the dossier, its outbox row and code in one durable
    // transaction before it answers.
    let mut filing = Vec::with_capacity(FILINGS);
    for i in 1..=FILINGS {
        filing_ui.invoke_start_filing();
        filing_ui.invoke_choose_procedure("1.004873".into());
        filing_ui.invoke_continue_filing();
        filing_ui.invoke_consent(false);
        for (field, keys) in [
            ("applicant.name", "nguyen van an"),
            ("applicant.id_number", "001090012345"),
            ("applicant.address", "so 1 trang tien"),
            ("purpose", "keets hoon"),
        ] {
            filing_ui.invoke_focus_field(field.into());
            for c in keys.chars() {
                keyboard.invoke_key(c.to_string().into());
            }
        }
        filing_ui.invoke_choose_option("marital_status".into(), "chua_ket_hon".into());
        filing_ui.invoke_choose_option("pledge".into(), "true".into());
        filing_ui.invoke_review();
        screen.render_rgb();
        assert_eq!(
            app.view().page,
            KioskPage::Review,
            "filing {i}: {}",
            app.view().filing.form_summary
        );
        let before = emulator.bytes_received();
        let t0 = Instant::now();
        filing_ui.invoke_submit();
        pump_until(&|| emulator.bytes_received() > before);
        filing.push(t0.elapsed());
        pump_until(&|| {
            app.view().page == KioskPage::Filed
                && app.view().filing.print_state != PrintStatus::Printing
        });
        while emulator.try_recv_receipt().is_some() {}
        screen.render_rgb();
        adapter.invoke_go_home();
    }
    filing.sort_unstable();
    println!(
        "submit → first byte of the receipt at the printer ({FILINGS} dossiers): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&filing, 50).as_secs_f64() * 1e3,
        percentile(&filing, 95).as_secs_f64() * 1e3,
        filing.last().unwrap().as_secs_f64() * 1e3
    );
    latencies.sort_unstable();
    println!(
        "tap → first byte at the printer ({TICKETS} tickets): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50).as_secs_f64() * 1e3,
        percentile(&latencies, 95).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "resident memory (kiosk + embedded hub + printer emulator): {:.1} MB after {} tickets, {:.1} MB after {TICKETS} (growth {:+.1} MB)",
        rss_500 as f64 / 1024.0,
        TICKETS / 2,
        rss_1000 as f64 / 1024.0,
        (rss_1000 as f64 - rss_500 as f64) / 1024.0
    );
    runtime.block_on(hub.shutdown()).unwrap();
}

fn cold_start(binary: &Path) {
    let mut times = Vec::new();
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let screen = dir.path().join("screen.png");
        let t0 = Instant::now();
        let mut child = Command::new(binary)
            .arg("kiosk")
            .arg("--screen-file")
            .arg(&screen)
            .current_dir(dir.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("MOTCUA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while !screen.exists() {
            std::thread::sleep(Duration::from_millis(1));
        }
        times.push(t0.elapsed());
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort_unstable();
    println!(
        "cold start to first frame (release, headless, 10 runs): median {:.0} ms, max {:.0} ms",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3
    );
}

fn main() {
    let binary = Path::new(env!("CARGO_BIN_EXE_motcua"));
    println!(
        "release binary: {:.1} MB ({})",
        std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        binary.display()
    );
    cold_start(binary);
    tap_to_first_byte();
}
