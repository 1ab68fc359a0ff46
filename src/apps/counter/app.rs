//! `motcua counter --counter N`: wires configuration, hub, printer and the
//! window, then runs the UI event loop.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use super::{CounterApp, CounterContext};
use crate::apps::devices::TicketPrinter;
use crate::apps::events::EventStreamOptions;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::{self, event_loop_poster, system_clock, WindowSpec};
use crate::apps::ui::CounterWindow;
use crate::config::{Config, Role};

/// How to run the counter app (`motcua counter`'s options).
#[derive(Debug, Clone, Default)]
pub struct CounterOptions {
    /// The counter this machine serves (else `counter.number`).
    pub counter: Option<u32>,
    /// The hub (else `counter.hub_url`, else this machine's).
    pub hub: Option<String>,
    /// Render every page to PNG files in this folder, then exit.
    pub snapshot: Option<PathBuf>,
    pub fullscreen: bool,
    /// Without a display, the screen's PNG (default `motcua-counter.png`).
    pub screen_file: Option<PathBuf>,
}

/// Runs the counter app until its window closes.
pub fn run(config: Config, options: CounterOptions) -> anyhow::Result<ExitCode> {
    let counter = options.counter.or(config.counter.number).context(
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
    if let Some(dir) = &options.snapshot {
        let files = super::snapshot::run(&config, counter, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = shell::runtime("motcua-counter")?;
    let hub_url =
        config.local_hub_url(options.hub.as_deref().or(config.counter.hub_url.as_deref()));
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

    let (window, _headless) = shell::open_window(
        &WindowSpec {
            name_vi: "ứng dụng quầy",
            name_en: "counter app",
            size: (1366, 768),
            fullscreen: options.fullscreen || config.counter.fullscreen,
            screen_file: options
                .screen_file
                .clone()
                .unwrap_or_else(|| PathBuf::from("motcua-counter.png")),
        },
        CounterWindow::new,
    )?;
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
            qr: QrPolicy::from_config(&config),
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
    shell::run_until_closed(&window, runtime.handle(), "counter")?;
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
