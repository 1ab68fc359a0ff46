//! The servers' commands — `motcua hub` and `motcua portal-sandbox` — and
//! the hub a kiosk runs in-process. This is where the demo office's portal
//! sandbox is started and handed to the hub: the hub itself never starts a
//! portal.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{HubArgs, PortalSandboxArgs};
use crate::config::{Config, SANDBOX_PORTAL};
use crate::hub::{start, HubOptions, PortalTarget, RunningHub};
use crate::portal::sandbox::{self, SandboxOptions};
use crate::web::terminated;

/// The portal the command line or the configuration names, or the portal
/// sandbox started in-process beside `database`: for the demo office (no
/// file) and for a training office (`filing.portal_url = "sandbox"`). A
/// configuration file without `filing.portal_url` is refused: a real office
/// must never deliver citizens' dossiers to the sandbox by accident.
pub async fn portal_for(
    config: &Config,
    database: &Path,
    url: Option<String>,
) -> anyhow::Result<PortalTarget> {
    let sandbox = match (url, config.filing.portal_url.as_deref()) {
        (Some(url), _) => return Ok(PortalTarget::Url(url)),
        (None, Some(SANDBOX_PORTAL)) => true,
        (None, Some(url)) => return Ok(PortalTarget::Url(url.to_owned())),
        (None, None) => config.demo,
    };
    if !sandbox {
        anyhow::bail!(
            "thiếu khoá `filing.portal_url` trong tệp cấu hình: ghi địa chỉ cổng dịch vụ công \
             (https://…), hoặc \"sandbox\" cho văn phòng tập huấn / \
             configuration key `filing.portal_url` is required: set it to the public \
             service portal's URL (https://…), or to \"sandbox\" for a training office"
        );
    }
    let pace = match config.filing.sandbox_pace_seconds {
        0 => None,
        s => Some(Duration::from_secs(s)),
    };
    Ok(PortalTarget::Sandbox(
        sandbox::start_embedded(database, pace).await?,
    ))
}

/// Starts a hub on `listen` with `database`, delivering to the configured
/// portal (or an in-process sandbox).
pub async fn start_hub(
    config: Arc<Config>,
    listen: SocketAddr,
    database: PathBuf,
    portal_url: Option<String>,
) -> anyhow::Result<RunningHub> {
    let portal = portal_for(&config, &database, portal_url).await?;
    start(
        config,
        HubOptions {
            listen,
            database,
            clock: None,
            portal,
        },
    )
    .await
}

/// The kiosk's in-process hub on the configured address, or any free
/// loopback port when that one is taken (a hub already runs on this
/// machine).
pub async fn start_embedded(config: Arc<Config>) -> anyhow::Result<RunningHub> {
    let database = config.hub.database.clone();
    match start_hub(
        Arc::clone(&config),
        config.hub.listen,
        database.clone(),
        None,
    )
    .await
    {
        Ok(running) => Ok(running),
        Err(err) => {
            tracing::warn!(%err, "configured hub address unavailable; using a free loopback port");
            let any = "127.0.0.1:0".parse().expect("static address");
            start_hub(config, any, database, None).await
        }
    }
}

/// `motcua hub`: serve until Ctrl-C or SIGTERM, then shut down gracefully.
pub fn run(config: Config, args: HubArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.portal {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--portal {url:?}: the portal URL must start with http:// or https://");
        }
    }
    let listen = args.listen.unwrap_or(config.hub.listen);
    let database = args.db.unwrap_or_else(|| config.hub.database.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-hub")
        .build()?;
    runtime.block_on(async move {
        let running = start_hub(Arc::new(config), listen, database, args.portal).await?;
        // Scripts and tests read this line to find the port.
        println!("motcua hub listening on {}", running.base_url());
        // Under systemd (Type=notify) units ordered after the hub start only
        // now, when the socket accepts connections and the database is open.
        let notifier = crate::notify::from_env_or_log().map(Arc::new);
        if let Some(n) = &notifier {
            n.send(&format!(
                "READY=1\nSTATUS=listening on {}",
                running.base_url()
            ));
            if let Some(interval) = crate::notify::watchdog_interval_from_env() {
                tokio::spawn(watchdog_pings(Arc::clone(n), interval));
            }
        }
        terminated().await;
        tracing::info!("shutting down: finishing in-flight requests");
        if let Some(n) = &notifier {
            n.send("STOPPING=1");
        }
        running.shutdown().await?;
        tracing::info!("hub stopped, database closed");
        Ok(ExitCode::SUCCESS)
    })
}

/// `WATCHDOG=1` every `interval` for as long as the runtime schedules
/// tasks: a hub whose runtime has wedged stops pinging and is restarted.
async fn watchdog_pings(notifier: Arc<crate::notify::Notifier>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        notifier.send("WATCHDOG=1");
    }
}

/// `motcua portal-sandbox`: the sandbox's options from its command line.
pub fn sandbox(args: PortalSandboxArgs) -> anyhow::Result<ExitCode> {
    let listen = args
        .listen
        .unwrap_or_else(|| sandbox::DEFAULT_LISTEN.parse().expect("static address"));
    let database = args
        .db
        .unwrap_or_else(|| PathBuf::from("motcua-portal-sandbox.db"));
    let mut options = SandboxOptions::new(listen, database);
    options.pace = match args.pace {
        Some(0) => None,
        Some(seconds) => Some(Duration::from_secs(seconds)),
        None => options.pace,
    };
    if let Some(n) = args.supplement_every {
        options.supplement_every = n;
    }
    sandbox::run(options)
}
