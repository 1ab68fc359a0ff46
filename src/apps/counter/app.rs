//! `motcua counter --counter N`: wires configuration, hub, printer and the
//! window, then runs the UI event loop.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;

use super::{CounterApp, CounterContext};
use crate::apps::devices::TicketPrinter;
use crate::apps::events::EventStreamOptions;
use crate::apps::headless::has_display;
use crate::apps::headless::Headless;
use crate::apps::kiosk::controller::QrPolicy;
use crate::apps::kiosk::{event_loop_poster, system_clock};
use crate::apps::ui::CounterWindow;
use crate::cli::CounterArgs;
use crate::config::{Config, Role};

/// Runs the counter app until its window closes.
pub fn run(config: Config, args: CounterArgs) -> anyhow::Result<ExitCode> {
    let counter = args.counter.or(config.counter.number).context(
        "which counter is this? use --counter N (or counter.number in the configuration)",
    )?;
    if !config.counters.iter().any(|c| c.number == counter) {
        anyhow::bail!(
            "there is no counter {counter} in the configuration (counters: {})",
            config
                .counters
                .iter()
                .map(|c| c.number.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(dir) = &args.snapshot {
        let files = super::snapshot::run(&config, counter, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("motcua-counter")
        .build()?;
    let hub_url = config.local_hub_url(args.hub.as_deref().or(config.counter.hub_url.as_deref()));
    let token = config
        .counter
        .token
        .clone()
        .or_else(|| config.token_for(Role::Counter))
        .context(
            "no counter token: set counter.token or add a [[tokens]] entry with role = \"counter\"",
        )?;
    let printer = match &config.counter.printer {
        Some(p) => {
            let printer = TicketPrinter::from_config(Some(p))
                .context("cannot set up the counter's printer")?;
            tracing::info!(
                printer = printer.description(),
                "reprints go to the counter's printer"
            );
            Some(Arc::new(Mutex::new(printer)))
        }
        None => {
            tracing::info!("no [counter.printer]: tickets the kiosk could not print are listed without a reprint button");
            None
        }
    };

    let headless = if has_display() {
        None
    } else {
        let path = args
            .screen_file
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("motcua-counter.png"));
        eprintln!(
            "motcua: không có màn hình (DISPLAY/WAYLAND_DISPLAY) — ứng dụng quầy chạy không cửa sổ, ảnh ở {0}\n\
             motcua: no display found — the counter app runs headless; its screen is written to {0}",
            path.display()
        );
        Some(Headless::install(Some(path)).map_err(|e| anyhow::anyhow!("{e}"))?)
    };
    let window =
        CounterWindow::new().map_err(|e| anyhow::anyhow!("cannot open the counter window: {e}"))?;
    match &headless {
        Some(screen) => screen.set_size(1366, 768),
        None => window
            .window()
            .set_size(slint::LogicalSize::new(1366.0, 768.0)),
    }
    if args.fullscreen || config.counter.fullscreen {
        window.window().set_fullscreen(true);
    }
    tracing::info!(hub = %hub_url, counter, "counter app starting");
    let app = CounterApp::attach(
        &window,
        CounterContext {
            counter,
            hub_url: hub_url.clone(),
            device_token: token.clone(),
            printer,
            office_name: config.office.name.clone(),
            tz: config.timezone(),
            qr: QrPolicy {
                public_url: config.kiosk.public_url.clone(),
            },
            stream: EventStreamOptions::new(&hub_url, &token),
            clock: system_clock(),
            wall: Arc::new(chrono::Utc::now),
            runtime: runtime.handle().clone(),
            post: event_loop_poster(),
            prefixes: config.services.iter().map(|s| s.prefix.clone()).collect(),
        },
    );
    let timer = slint::Timer::default();
    let a = app.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || a.tick(),
    );
    crate::apps::watchdog::run_until_closed(&window, runtime.handle(), "counter")?;
    // A closed counter app closes the counter and signs its officer out.
    if let Some(session) = app.session_client() {
        let left = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), super::leave(session, counter)).await
        });
        if left.is_err() {
            tracing::warn!("the hub did not answer the sign-out; the session expires by itself");
        }
    }
    Ok(ExitCode::SUCCESS)
}
