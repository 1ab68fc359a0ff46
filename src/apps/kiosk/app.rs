//! `motcua kiosk`: wires configuration, the hub's address, devices and the
//! window, then runs the UI event loop. (An in-process hub is started, and
//! stopped, by the composition root: `cmd::kiosk`.)

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;

use super::{KioskApp, KioskContext, QUEUE_REFRESH};
use crate::apps::devices::{ScannerDevice, TicketPrinter};
use crate::apps::hub_client::HubClient;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::{self, event_loop_poster, system_clock, WindowSpec};
use crate::apps::ui::{KioskAdapter, KioskOrientation, KioskWindow};
use crate::config::{Config, Orientation};

/// How to run the kiosk (`motcua kiosk`'s options).
#[derive(Debug, Clone, Default)]
pub struct KioskOptions {
    pub fullscreen: bool,
    /// Forces a portrait or landscape layout; else the window's aspect
    /// ratio decides (`kiosk.orientation` only sets the size a window
    /// opens at).
    pub portrait: Option<bool>,
    /// Without a display, the screen's PNG (default `motcua-screen.png`).
    pub screen_file: Option<PathBuf>,
}

/// The hub the kiosk talks to, and — when it runs in-process beside the
/// kiosk — its database and portal, which technician mode checks.
#[derive(Debug, Clone)]
pub struct HubLink {
    pub url: String,
    pub database: Option<PathBuf>,
    pub portal_url: Option<String>,
}

/// Runs the kiosk until its window closes, on `runtime` (where the
/// composition root may have started the hub). `config_path` is the file
/// the configuration came from (for the technician's configuration check).
pub fn run(
    config: Arc<Config>,
    config_path: Option<&std::path::Path>,
    runtime: &tokio::runtime::Runtime,
    options: KioskOptions,
    hub: HubLink,
) -> anyhow::Result<ExitCode> {
    let hub_url = hub.url.clone();
    let token = config.kiosk_token().context(
        "no kiosk token: set kiosk.token or add a [[tokens]] entry with role = \"kiosk\"",
    )?;

    let printer = TicketPrinter::from_config(config.kiosk.printer.as_ref())
        .context("cannot set up the printer")?;
    tracing::info!(printer = printer.description(), "printer ready");
    let mut scanner = ScannerDevice::from_config(config.kiosk.scanner.as_ref())
        .context("cannot set up the scanner")?;
    tracing::info!(scanner = %scanner.description, "scanner ready");
    if let Some(emulator) = &scanner.emulator {
        // Demo: another terminal can scan with
        // `motcua emulate scanner --into PATH`.
        match emulator.open_inbox() {
            Ok(path) => eprintln!("máy quét giả lập / emulated scanner: {}", path.display()),
            Err(err) => tracing::warn!(%err, "cannot open the emulated scanner's input"),
        }
    }
    let scanner_emulator = scanner.emulator.take().map(|e| Arc::new(Mutex::new(e)));
    let demo = printer.is_emulated() || scanner_emulator.is_some();

    let portrait = options
        .portrait
        .unwrap_or(config.kiosk.orientation == Orientation::Portrait);
    let fullscreen = options.fullscreen || config.kiosk.fullscreen;
    let (window, _headless) = shell::open_window(
        &WindowSpec {
            name_vi: "kiosk",
            name_en: "kiosk",
            size: if portrait { (1080, 1920) } else { (1920, 1080) },
            fullscreen,
            screen_file: options
                .screen_file
                .clone()
                .unwrap_or_else(|| PathBuf::from("motcua-screen.png")),
        },
        KioskWindow::new,
    )?;
    // The layout follows the window's actual size (a compositor or a
    // fullscreen panel decides it); `--orientation` forces one.
    window
        .global::<KioskAdapter>()
        .set_orientation(match options.portrait {
            Some(true) => KioskOrientation::Portrait,
            Some(false) => KioskOrientation::Landscape,
            None => KioskOrientation::Auto,
        });
    if fullscreen {
        window.set_frameless(true);
        // A real kiosk: nothing but the service manager closes it.
        window
            .window()
            .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
    }

    // Technician mode: the same checks as `motcua diag`, on this kiosk's
    // own devices, hub, database and portal.
    let printer = Arc::new(Mutex::new(printer));
    let (database, portal_url) = (hub.database.clone(), hub.portal_url.clone());
    let sources = crate::apps::diagnostics::Sources::kiosk(
        Arc::clone(&config),
        config_path.map(std::path::Path::to_path_buf),
        &printer,
        Some((scanner.frames.clone(), scanner.description.clone())),
        &hub_url,
        database,
        portal_url,
    );
    let technician = super::TechnicianTools {
        diagnostics: crate::apps::diagnostics::Diagnostics::new(sources),
        gate: Arc::new(Mutex::new(crate::apps::diagnostics::pin::PinGate::new(
            config.kiosk.technician_pin_hash.clone(),
        ))),
        fallback_dir: std::env::current_dir().unwrap_or_default(),
    };

    // One client (one connection pool) for the kiosk and its rating screen.
    let hub_client = HubClient::new(&hub_url, &token);
    let app = KioskApp::attach(
        &window,
        Duration::from_secs(config.kiosk.idle_timeout_seconds),
        QrPolicy::from_config(&config),
        KioskContext {
            clock: system_clock(),
            hub: hub_client.clone(),
            printer,
            office_name: config.office.name.clone(),
            tz: config.timezone(),
            demo,
            runtime: runtime.handle().clone(),
            post: event_loop_poster(),
            scanner_emulator,
            stop: Arc::default(),
            technician: Some(technician),
        },
    );
    app.start_scanner(scanner);
    // Đánh giá: the citizen rating screen over the kiosk's pages.
    let rating = crate::apps::rating::attach(
        &window,
        crate::apps::rating::RatingFlow::new(
            Duration::from_secs(config.kiosk.idle_timeout_seconds),
            config.services.iter().map(|s| s.prefix.clone()).collect(),
        ),
        crate::apps::rating::RatingContext {
            hub: hub_client,
            clock: system_clock(),
            runtime: runtime.handle().clone(),
            post: event_loop_poster(),
        },
    );
    app.set_rating_enabled(config.rating.enabled);
    app.set_service_examples(&config.services);
    // While it asks for a ticket, the rating screen reads the scanner.
    let r = rating.clone();
    app.set_scan_hook(Box::new(move |line| {
        if r.step() != crate::apps::rating::Step::Identify {
            return false;
        }
        r.scanned(line);
        true
    }));
    let clock = slint::Timer::default();
    let a = app.clone();
    clock.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            a.rating_open(rating.step() != crate::apps::rating::Step::Closed);
            a.tick();
            rating.follow_language(a.lang());
            rating.tick();
        },
    );
    let refresh = slint::Timer::default();
    let a = app.clone();
    refresh.start(slint::TimerMode::Repeated, QUEUE_REFRESH, move || {
        a.refresh_queue()
    });

    // Watchdog pings from this, the UI thread; SIGTERM leaves the loop so
    // the composition root can close an embedded hub's database.
    shell::run_until_closed(&window, runtime.handle(), "kiosk")?;
    Ok(ExitCode::SUCCESS)
}
