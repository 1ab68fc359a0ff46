//! `motcua display`: wires configuration, hub, voice and the window, then
//! runs the UI event loop.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::controller::BoardRules;
use super::{DisplayApp, DisplayContext};
use crate::apps::events::EventStreamOptions;
use crate::apps::hub_client::HubClient;
use crate::apps::shell::{self, event_loop_poster, system_clock, WindowSpec};
use crate::apps::ui::DisplayWindow;
use crate::apps::voice::{open_default_sink, voice_from_config, Announcer, Plan};
use crate::config::{Config, Role, VoiceBackend};

/// How to run the hall board (`motcua display`'s options).
#[derive(Debug, Clone, Default)]
pub struct DisplayOptions {
    /// The hub (else `display.hub_url`, else this machine's).
    pub hub: Option<String>,
    /// Render every state to PNG files in this folder, then exit.
    pub snapshot: Option<PathBuf>,
    /// A window instead of the full screen.
    pub windowed: bool,
    /// No sound, whatever `display.voice` says.
    pub mute: bool,
    /// Without a display, the screen's PNG (default `motcua-display.png`).
    pub screen_file: Option<PathBuf>,
}

/// Runs the board until its window closes.
pub fn run(config: Config, options: DisplayOptions) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &options.snapshot {
        let files = super::snapshot::run(&config, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = shell::runtime("motcua-display")?;
    let hub_url =
        config.local_hub_url(options.hub.as_deref().or(config.display.hub_url.as_deref()));
    let token = config
        .display
        .token
        .clone()
        .or_else(|| config.token_for(Role::Display))
        .context(
            "no display token: set display.token or add a [[tokens]] entry with role = \"display\"",
        )?;

    let mut voice = config.display.voice.clone();
    if options.mute {
        voice.backend = VoiceBackend::Off;
    }
    let volume = voice.volume;
    let announcer = Arc::new(Announcer::start(
        Plan::from_config(&voice),
        voice_from_config(&voice),
        Box::new(move || open_default_sink(volume)),
    ));

    let (window, _headless) = shell::open_window(
        &WindowSpec {
            name_vi: "bảng gọi số",
            name_en: "hall board",
            size: (1920, 1080),
            fullscreen: config.display.fullscreen && !options.windowed,
            screen_file: options
                .screen_file
                .clone()
                .unwrap_or_else(|| PathBuf::from("motcua-display.png")),
        },
        DisplayWindow::new,
    )?;
    window.set_frameless(config.display.fullscreen && !options.windowed);
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
    shell::run_until_closed(&window, runtime.handle(), "board")?;
    app.stop();
    Ok(ExitCode::SUCCESS)
}
