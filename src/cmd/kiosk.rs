//! `motcua kiosk` (the default command): the composition root of a kiosk.
//! It starts the office hub in-process when no hub is configured (the demo
//! default: one code path, the same HTTP API), runs the kiosk app against
//! whichever hub it has, and closes the in-process hub's database when the
//! kiosk stops.

use std::process::ExitCode;
use std::sync::Arc;

use crate::apps::kiosk::app::{HubLink, KioskOptions};
use crate::apps::shell;
use crate::cli::{KioskArgs, OrientationArg};
use crate::config::Config;

/// Runs the kiosk (or renders its snapshots).
pub fn run(
    mut config: Config,
    config_path: Option<&std::path::Path>,
    args: KioskArgs,
) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.snapshot {
        let files = crate::apps::kiosk::snapshot::run(&config, dir)?;
        println!("wrote {} snapshots to {}", files.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(port) = &args.scanner {
        // Any port: a real scanner, or a pseudo-terminal of
        // `motcua emulate scanner`. Shared, so an emulator keeps its end.
        let port: motcua_drivers::PortSelector = port
            .parse()
            .map_err(|e: String| anyhow::anyhow!("--scanner: {e}"))?;
        let mut serial = motcua_drivers::SerialSettings::for_port(port);
        serial.exclusive = false;
        let profile = config
            .kiosk
            .scanner
            .take()
            .map(|s| s.profile)
            .unwrap_or_default();
        config.kiosk.scanner = Some(crate::config::ScannerConfig { serial, profile });
    }
    let runtime = shell::runtime("motcua-kiosk")?;
    let config = Arc::new(config);
    // The hub: given on the command line, configured, or in-process.
    let (hub, embedded) = match args.hub.clone().or_else(|| config.kiosk.hub_url.clone()) {
        Some(url) => (
            HubLink {
                url,
                database: None,
                portal_url: None,
            },
            None,
        ),
        None => {
            let running = runtime.block_on(super::hub::start_embedded(Arc::clone(&config)))?;
            let url = running.base_url();
            tracing::info!(%url, "embedded hub started (no kiosk.hub_url configured)");
            let link = HubLink {
                url,
                database: Some(config.hub.database.clone()),
                portal_url: running.sandbox().map(|s| s.base_url()),
            };
            (link, Some(running))
        }
    };
    let options = KioskOptions {
        fullscreen: args.fullscreen,
        portrait: args.orientation.map(|o| o == OrientationArg::Portrait),
        screen_file: args.screen_file,
    };
    let ran =
        crate::apps::kiosk::app::run(Arc::clone(&config), config_path, &runtime, options, hub);
    if let Some(hub) = embedded {
        runtime.block_on(hub.shutdown())?;
    }
    ran
}
