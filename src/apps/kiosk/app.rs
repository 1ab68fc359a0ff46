//! `motcua kiosk`: wires configuration, hub, devices and the window, then
//! runs the UI event loop.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;

use super::controller::QrPolicy;
use super::{event_loop_poster, system_clock, KioskApp, KioskContext, QUEUE_REFRESH};
use crate::apps::devices::{ScannerDevice, TicketPrinter};
use crate::apps::headless::{has_display, Headless};
use crate::apps::hub_client::HubClient;
use crate::apps::ui::{KioskAdapter, KioskWindow};
use crate::cli::{KioskArgs, OrientationArg};
use crate::config::{Config, Orientation};
use crate::hub::{self, HubOptions};

/// The database the embedded hub opens.
fn options_database(config: &Config) -> std::path::PathBuf {
    HubOptions::from_config(config).database
}

/// Runs the kiosk until its window closes. `config_path` is the file the
/// configuration came from (for the technician's configuration check).
pub fn run(
    config: Config,
    config_path: Option<&std::path::Path>,
    args: KioskArgs,
) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.snapshot {
        let files = super::snapshot::run(&config, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("motcua-kiosk")
        .build()?;
    let config = Arc::new(config);

    // The hub: configured, given on the command line, or in-process.
    let mut embedded = None;
    let hub_url = match args.hub.clone().or_else(|| config.kiosk.hub_url.clone()) {
        Some(url) => url,
        None => {
            let running = runtime.block_on(start_embedded_hub(Arc::clone(&config)))?;
            let url = running.base_url();
            tracing::info!(%url, "embedded hub started (no kiosk.hub_url configured)");
            embedded = Some(running);
            url
        }
    };
    let token = config.kiosk_token().context(
        "no kiosk token: set kiosk.token or add a [[tokens]] entry with role = \"kiosk\"",
    )?;

    let printer = TicketPrinter::from_config(config.kiosk.printer.as_ref())
        .context("cannot set up the printer")?;
    tracing::info!(printer = printer.description(), "printer ready");
    let mut scanner = ScannerDevice::from_config(config.kiosk.scanner.as_ref())
        .context("cannot set up the scanner")?;
    tracing::info!(scanner = %scanner.description, "scanner ready");
    let scanner_emulator = scanner.emulator.take().map(|e| Arc::new(Mutex::new(e)));
    let demo = printer.is_emulated() || scanner_emulator.is_some();

    let headless = if has_display() {
        None
    } else {
        let path = args
            .screen_file
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("motcua-screen.png"));
        eprintln!(
            "motcua: không có màn hình (DISPLAY/WAYLAND_DISPLAY) — kiosk chạy không cửa sổ, ảnh màn hình ở {0}\n\
             motcua: no display found — the kiosk runs headless; its screen is written to {0}\n\
             motcua: for a window on a headless machine: xvfb-run -a cargo run --release",
            path.display()
        );
        Some(Headless::install(Some(path)).map_err(|e| anyhow::anyhow!("{e}"))?)
    };

    let window =
        KioskWindow::new().map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))?;
    let portrait = match args.orientation {
        Some(OrientationArg::Portrait) => true,
        Some(OrientationArg::Landscape) => false,
        None => config.kiosk.orientation == Orientation::Portrait,
    };
    window.global::<KioskAdapter>().set_portrait(portrait);
    let (w, h) = if portrait { (1080, 1920) } else { (1920, 1080) };
    match &headless {
        Some(screen) => screen.set_size(w, h),
        None => window
            .window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32)),
    }
    if args.fullscreen || config.kiosk.fullscreen {
        window.window().set_fullscreen(true);
        // A real kiosk: nothing but the service manager closes it.
        window
            .window()
            .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
    }

    // Technician mode: the same checks as `motcua diag`, on this kiosk's
    // own devices, hub, database and portal.
    let printer = Arc::new(Mutex::new(printer));
    let (database, portal_url) = match &embedded {
        Some(running) => (
            Some(options_database(&config)),
            running.sandbox().map(|s| s.base_url()),
        ),
        None => (None, None),
    };
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
        QrPolicy {
            public_url: config.kiosk.public_url.clone(),
        },
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
    window
        .global::<KioskAdapter>()
        .set_rating_enabled(config.rating.enabled);
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
    // the embedded hub below closes its database (apps::watchdog).
    crate::apps::watchdog::run_until_closed(&window, runtime.handle(), "kiosk")?;

    if let Some(hub) = embedded {
        runtime.block_on(hub.shutdown())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The in-process hub on the configured address, or any free loopback port
/// when that one is taken (a hub already runs on this machine).
async fn start_embedded_hub(config: Arc<Config>) -> anyhow::Result<hub::RunningHub> {
    let options = HubOptions::from_config(&config);
    match hub::start(Arc::clone(&config), options).await {
        Ok(running) => Ok(running),
        Err(err) => {
            tracing::warn!(%err, "configured hub address unavailable; using a free loopback port");
            let mut options = HubOptions::from_config(&config);
            options.listen = "127.0.0.1:0".parse().expect("static address");
            hub::start(config, options).await
        }
    }
}
