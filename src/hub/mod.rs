//! The office hub: the single source of truth for the queue, served over
//! HTTP JSON under `/api/v1` with a Server-Sent Events stream.
//!
//! - [`api`]: routes and idempotent changes.
//! - [`queue`]: the queue operations, each one writer transaction.
//! - [`sse`]: the live event stream with replay.
//! - [`auth`]: bearer tokens and roles.
//! - [`stats`]: per-day figures for `/stats` and `motcua report`.
//! - [`filing`]: online filing — catalogue, dossiers in one transaction,
//!   lookups, retention.
//! - [`outbox`]: the worker delivering dossiers to the portal.
//! - [`devices`]: kiosks' device faults and recoveries, kept per kiosk.
//! - [`technician`]: the hub's diagnostics, outbox "retry now", support
//!   bundles.
//! - [`staff`]: officers signing in at counters (code + PIN → session).
//! - [`rating`]: citizen satisfaction ratings, one per ticket.
//!
//! [`start`] runs a hub on a tokio runtime and returns a handle: the
//! `motcua hub` command, the kiosk's embedded hub and the tests all use it,
//! so there is one code path whether the hub is in-process or on the LAN.

pub mod api;
pub mod auth;
pub mod calls;
pub mod devices;
pub mod error;
pub mod extract;
pub mod filing;
pub mod outbox;
pub mod queue;
pub mod rating;
pub mod sse;
pub mod staff;
pub mod stats;
pub mod technician;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};

use crate::config::Config;
use crate::domain::time::to_millis;
use crate::portal::http::{HttpPortal, RetryPolicy};
use crate::portal::sandbox::{self, RunningSandbox};
use crate::portal::Portal;
use crate::store::{Store, StoreError, StoredEvent};

/// The source of "now"; tests can substitute their own.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How long an idempotency key is remembered. Kiosks retry for minutes, not
/// days; a week leaves room for a kiosk that was off over a weekend.
const IDEMPOTENCY_RETENTION: chrono::Duration = chrono::Duration::days(7);

/// Shared state of a running hub.
pub struct Hub {
    /// Configuration and queue rules; cloned into writer jobs.
    pub rules: queue::Rules,
    /// The database. Closed by [`RunningHub::shutdown`] after the server
    /// has drained.
    pub store: Store,
    pub tokens: auth::Tokens,
    /// Officers signed in at counters.
    pub sessions: staff::Sessions,
    /// Committed events, published by the writer thread after each commit.
    pub bus: broadcast::Sender<StoredEvent>,
    /// Flipped to `true` once at shutdown; event streams end on it so the
    /// server can drain.
    pub shutdown: watch::Sender<bool>,
    pub started: Instant,
    /// Online filing: catalogue, calendar, portal, outbox pacing. An `Arc`
    /// so writer jobs can hold it without holding the hub.
    pub filing: Arc<filing::Filing>,
    clock: Clock,
}

impl Hub {
    /// The current instant, from the hub's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Fetches the portal's procedure catalogue and adopts it (the portal
    /// wins when it answers). Returns whether it did.
    pub async fn refresh_catalogue(&self, timeout: Duration) -> bool {
        match tokio::time::timeout(timeout, self.filing.portal.catalogue()).await {
            Ok(Ok(catalogue)) => {
                let n = catalogue.procedures.len();
                self.filing
                    .adopt_portal_catalogue(catalogue, &self.rules.config, self.now());
                tracing::info!(
                    procedures = n,
                    "procedure catalogue refreshed from the portal"
                );
                true
            }
            Ok(Err(err)) => {
                tracing::warn!(%err, "portal catalogue unavailable; keeping the current one");
                false
            }
            Err(_) => {
                tracing::warn!("portal catalogue timed out; keeping the current one");
                false
            }
        }
    }

    /// One round of housekeeping: forget old idempotency keys and purge
    /// personal data past the retention, in one transaction. Keys are kept
    /// a week, or less when the retention is shorter: a filing's stored
    /// answer holds the citizen's data. The hourly task calls it; tests
    /// call it with an injected clock.
    pub async fn housekeeping_once(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let retention = self.filing.retention;
        let keys_before = to_millis(now - IDEMPOTENCY_RETENTION.min(retention));
        let (forgotten, purged) = self
            .store
            .write(move |ctx| {
                let conn = ctx.conn();
                let purged = filing::purge_personal_data(conn, retention, now)?;
                let forgotten = crate::store::tickets::purge_idempotency(conn, keys_before)?;
                Ok::<_, StoreError>((forgotten, purged))
            })
            .await?;
        if forgotten > 0 {
            tracing::info!(n = forgotten, "forgot old idempotency keys");
        }
        if purged > 0 {
            tracing::info!(
                n = purged,
                "erased personal data of dossiers past the retention"
            );
        }
        Ok(purged)
    }
}

/// Which portal the outbox delivers to.
#[derive(Clone, Default)]
pub enum PortalTarget {
    /// Start the portal sandbox in-process next to the database (demo).
    #[default]
    Embedded,
    /// A portal at this base URL.
    Url(String),
    /// This implementation (tests, or an embedding application).
    Custom(Arc<dyn Portal>),
}

/// Where and how to run a hub.
pub struct HubOptions {
    pub listen: SocketAddr,
    pub database: PathBuf,
    pub clock: Option<Clock>,
    pub portal: PortalTarget,
}

impl HubOptions {
    /// The configured address, database and portal.
    pub fn from_config(config: &Config) -> Self {
        Self {
            listen: config.hub.listen,
            database: config.hub.database.clone(),
            clock: None,
            portal: match &config.filing.portal_url {
                Some(url) => PortalTarget::Url(url.clone()),
                None => PortalTarget::Embedded,
            },
        }
    }
}

/// A hub serving on a socket.
pub struct RunningHub {
    addr: SocketAddr,
    hub: Arc<Hub>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The outbox worker, the status poller and housekeeping.
    workers: Vec<tokio::task::JoinHandle<()>>,
    /// The in-process portal sandbox, when no portal is configured.
    sandbox: Option<RunningSandbox>,
}

impl RunningHub {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL clients use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state (for in-process callers and tests).
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The in-process portal sandbox, when the hub started one.
    pub fn sandbox(&self) -> Option<&RunningSandbox> {
        self.sandbox.as_ref()
    }

    /// Stops accepting, lets in-flight requests finish, ends event streams,
    /// stops the outbox (undelivered dossiers stay queued), then closes the
    /// database cleanly.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.hub.shutdown.send(true);
        let served = self.server.await;
        for worker in self.workers {
            let _ = worker.await;
        }
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await?;
        }
        let hub = self.hub;
        tokio::task::spawn_blocking(move || hub.store.close())
            .await
            .context("closing the database")?;
        served.context("hub server task")?.context("hub server")?;
        Ok(())
    }
}

/// Opens the database and serves the API on `options.listen`.
pub async fn start(config: Arc<Config>, options: HubOptions) -> anyhow::Result<RunningHub> {
    if config.demo && !options.listen.ip().is_loopback() {
        anyhow::bail!(
            "the demo office (no configuration file) listens on loopback only, not {}; \
             write a configuration with your own tokens to serve the LAN",
            options.listen
        );
    }
    let (bus, _) = broadcast::channel(4096);
    let publisher = bus.clone();
    let database = options.database.clone();
    let store = tokio::task::spawn_blocking(move || {
        Store::open(
            &database,
            Box::new(move |events| {
                for e in events {
                    // No subscriber is fine: nobody is listening.
                    let _ = publisher.send(e.clone());
                }
            }),
        )
    })
    .await
    .context("opening the database")??;
    let counters: Vec<u32> = config.counters.iter().map(|c| c.number).collect();
    store
        .write(move |ctx| crate::store::tickets::ensure_counters(ctx.conn(), &counters))
        .await?;
    let clock = options.clock.clone().unwrap_or_else(|| Arc::new(Utc::now));
    let now_ms = to_millis(clock());
    let stored = store
        .read(move |conn| crate::store::staff::live_sessions(conn, now_ms))
        .await?;
    let sessions = staff::Sessions::load(stored, |code| {
        config.staff_member(code).map(|s| s.name.clone())
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let (portal, sandbox) = portal_for(&config, &options).await?;
    let filing = match filing::Filing::new(&config, portal) {
        Ok(filing) => Arc::new(filing),
        Err(err) => {
            if let Some(sandbox) = sandbox {
                let _ = sandbox.shutdown().await;
            }
            return Err(err);
        }
    };
    let (shutdown, _) = watch::channel(false);
    let hub = Arc::new(Hub {
        rules: queue::Rules::new(Arc::clone(&config)),
        store,
        tokens: auth::Tokens::new(&config.tokens),
        sessions,
        bus,
        shutdown,
        started: Instant::now(),
        filing,
        clock,
    });
    // The portal's catalogue wins when it answers; do not wait long for it.
    hub.refresh_catalogue(CATALOGUE_TIMEOUT_AT_START).await;
    let addr = listener.local_addr()?;
    let app = api::router(Arc::clone(&hub));
    let mut stop = hub.shutdown.subscribe();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    let workers = vec![
        tokio::spawn(housekeeping(Arc::clone(&hub))),
        tokio::spawn(outbox::run(Arc::clone(&hub))),
        tokio::spawn(outbox::poll_statuses(Arc::clone(&hub))),
    ];
    tracing::info!(%addr, database = %options.database.display(), office = %config.office.name, "hub listening");
    Ok(RunningHub {
        addr,
        hub,
        server,
        workers,
        sandbox,
    })
}

/// How long `start` waits for the portal's catalogue.
const CATALOGUE_TIMEOUT_AT_START: Duration = Duration::from_secs(3);

/// The portal the outbox delivers to, and the sandbox when it is embedded.
async fn portal_for(
    config: &Config,
    options: &HubOptions,
) -> anyhow::Result<(Arc<dyn Portal>, Option<RunningSandbox>)> {
    let http = |url: &str| -> anyhow::Result<Arc<dyn Portal>> {
        Ok(Arc::new(HttpPortal::new(
            url,
            config.filing.portal_token.clone(),
            Duration::from_secs(config.filing.portal_timeout_seconds),
            RetryPolicy::default(),
        )?))
    };
    Ok(match &options.portal {
        PortalTarget::Url(url) => (http(url)?, None),
        PortalTarget::Custom(portal) => (Arc::clone(portal), None),
        PortalTarget::Embedded => {
            let pace = match config.filing.sandbox_pace_seconds {
                0 => None,
                s => Some(Duration::from_secs(s)),
            };
            let sandbox = sandbox::start_embedded(&options.database, pace).await?;
            tracing::info!(url = %sandbox.base_url(), "no portal configured: using the in-process portal sandbox");
            (http(&sandbox.base_url())?, Some(sandbox))
        }
    })
}

/// Hourly chores: forget old idempotency keys and expired staff sessions,
/// purge personal data past the retention, refresh the catalogue from the
/// portal.
async fn housekeeping(hub: Arc<Hub>) {
    let mut stop = hub.shutdown.subscribe();
    let mut first = true;
    loop {
        if let Err(err) = hub.housekeeping_once().await {
            tracing::warn!(%err, "housekeeping failed");
        }
        let now_ms = to_millis(hub.now());
        let expired = hub
            .store
            .write(move |ctx| crate::store::staff::purge_sessions(ctx.conn(), now_ms))
            .await;
        if let Err(err) = expired {
            tracing::warn!(%err, "staff session purge failed");
        }
        if !first {
            hub.refresh_catalogue(Duration::from_secs(30)).await;
        }
        first = false;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// `motcua hub`: serve until Ctrl-C or SIGTERM, then shut down gracefully.
pub fn run(config: Config, args: crate::cli::HubArgs) -> anyhow::Result<std::process::ExitCode> {
    let mut options = HubOptions::from_config(&config);
    if let Some(listen) = args.listen {
        options.listen = listen;
    }
    if let Some(db) = args.db {
        options.database = db;
    }
    if let Some(url) = args.portal {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--portal {url:?}: the portal URL must start with http:// or https://");
        }
        options.portal = PortalTarget::Url(url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-hub")
        .build()?;
    runtime.block_on(async move {
        let running = start(Arc::new(config), options).await?;
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
        Ok(std::process::ExitCode::SUCCESS)
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

/// Resolves on Ctrl-C or SIGTERM.
pub async fn terminated() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(err) => {
                    tracing::warn!(%err, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
