//! `motcua display`: wires configuration, hub, voice and the window, then
//! runs the UI event loop.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;

use super::controller::BoardRules;
use super::{DisplayApp, DisplayContext};
use crate::apps::events::EventStreamOptions;
use crate::apps::headless::{has_display, Headless};
use crate::apps::hub_client::HubClient;
use crate::apps::kiosk::{event_loop_poster, system_clock};
use crate::apps::ui::DisplayWindow;
use crate::apps::voice::{open_default_sink, voice_from_config, Announcer, Plan};
use crate::cli::DisplayArgs;
use crate::config::{Config, Role, VoiceBackend};

/// Runs the board until its window closes.
pub fn run(config: Config, args: DisplayArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.snapshot {
        let files = super::snapshot::run(&config, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("motcua-display")
        .build()?;
    let hub_url = config.local_hub_url(args.hub.as_deref().or(config.display.hub_url.as_deref()));
    let token = config
        .display
        .token
        .clone()
        .or_else(|| config.token_for(Role::Display))
        .context(
            "no display token: set display.token or add a [[tokens]] entry with role = \"display\"",
        )?;

    let mut voice = config.display.voice.clone();
    if args.mute {
        voice.backend = VoiceBackend::Off;
    }
    let volume = voice.volume;
    let announcer = Arc::new(Announcer::start(
        Plan::from_config(&voice),
        voice_from_config(&voice),
        Box::new(move || open_default_sink(volume)),
    ));

    let headless = if has_display() {
        None
    } else {
        let path = args
            .screen_file
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("motcua-display.png"));
        eprintln!(
            "motcua: không có màn hình (DISPLAY/WAYLAND_DISPLAY) — bảng gọi số chạy không cửa sổ, ảnh ở {0}\n\
             motcua: no display found — the board runs headless; its screen is written to {0}",
            path.display()
        );
        Some(Headless::install(Some(path)).map_err(|e| anyhow::anyhow!("{e}"))?)
    };
    let window =
        DisplayWindow::new().map_err(|e| anyhow::anyhow!("cannot open the board window: {e}"))?;
    match &headless {
        Some(screen) => screen.set_size(1920, 1080),
        None => window
            .window()
            .set_size(slint::LogicalSize::new(1920.0, 1080.0)),
    }
    if config.display.fullscreen && !args.windowed {
        window.window().set_fullscreen(true);
    }
    tracing::info!(hub = %hub_url, "hall board starting");
    let a = Arc::clone(&announcer);
    let app = DisplayApp::attach(
        &window,
        DisplayContext {
            hub: HubClient::new(&hub_url, &token),
            stream: EventStreamOptions::new(&hub_url, &token),
            office_name: config.office.name.clone(),
            notice: config.display.notice.clone(),
            tz: config.timezone(),
            rules: BoardRules {
                highlight: Duration::from_secs(config.display.highlight_seconds),
                stale_after: Duration::from_secs(config.display.stale_after_seconds),
            },
            announce: Arc::new(move |call| a.announce(call)),
            clock: system_clock(),
            wall: Arc::new(chrono::Utc::now),
            runtime: runtime.handle().clone(),
            post: event_loop_poster(),
        },
    );
    let timer = slint::Timer::default();
    let a = app.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(500),
        move || a.tick(),
    );
    crate::apps::watchdog::run_until_closed(&window, runtime.handle(), "board")?;
    app.stop();
    Ok(ExitCode::SUCCESS)
}
