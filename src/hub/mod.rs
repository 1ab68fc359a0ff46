//! The office hub: the single source of truth for the queue, served over
//! HTTP JSON under `/api/v1` with a Server-Sent Events stream.
//!
//! - [`api`]: routes and idempotent changes.
//! - [`queue`]: the queue operations, each one writer transaction.
//! - [`sse`]: the live event stream with replay.
//! - [`auth`]: bearer tokens and roles.
//! - [`stats`]: per-day figures for `/stats` and `motcua report`.
//! - [`staff`]: officers signing in at counters (code + PIN → session).
//! - [`rating`]: citizen satisfaction ratings, one per ticket.
//!
//! [`start`] runs a hub on a tokio runtime and returns a handle: the
//! `motcua hub` command, the kiosk's embedded hub and the tests all use it,
//! so there is one code path whether the hub is in-process or on the LAN.

pub mod api;
pub mod auth;
pub mod calls;
pub mod error;
pub mod extract;
pub mod queue;
pub mod rating;
pub mod sse;
pub mod staff;
pub mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};

use crate::config::Config;
use crate::domain::time::to_millis;
use crate::store::{Store, StoredEvent};

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
    clock: Clock,
}

impl Hub {
    /// The current instant, from the hub's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// Where and how to run a hub.
pub struct HubOptions {
    pub listen: SocketAddr,
    pub database: PathBuf,
    pub clock: Option<Clock>,
}

impl HubOptions {
    /// The configured address and database.
    pub fn from_config(config: &Config) -> Self {
        Self {
            listen: config.hub.listen,
            database: config.hub.database.clone(),
            clock: None,
        }
    }
}

/// A hub serving on a socket.
pub struct RunningHub {
    addr: SocketAddr,
    hub: Arc<Hub>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
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

    /// Stops accepting, lets in-flight requests finish, ends event streams,
    /// then closes the database cleanly.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.hub.shutdown.send(true);
        let served = self.server.await;
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
    let clock = options.clock.unwrap_or_else(|| Arc::new(Utc::now));
    let now_ms = to_millis(clock());
    let stored = store
        .read(move |conn| crate::store::staff::live_sessions(conn, now_ms))
        .await?;
    let sessions = staff::Sessions::load(stored, |code| {
        config.staff_member(code).map(|s| s.name.clone())
    });
    let (shutdown, _) = watch::channel(false);
    let hub = Arc::new(Hub {
        rules: queue::Rules::new(Arc::clone(&config)),
        store,
        tokens: auth::Tokens::new(&config.tokens),
        sessions,
        bus,
        shutdown,
        started: Instant::now(),
        clock,
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
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
    tokio::spawn(housekeeping(Arc::clone(&hub)));
    tracing::info!(%addr, database = %options.database.display(), office = %config.office.name, "hub listening");
    Ok(RunningHub { addr, hub, server })
}

/// Hourly chores: forget old idempotency keys and expired staff sessions.
async fn housekeeping(hub: Arc<Hub>) {
    let mut stop = hub.shutdown.subscribe();
    loop {
        let before = to_millis(hub.now() - IDEMPOTENCY_RETENTION);
        let purged = hub
            .store
            .write(move |ctx| crate::store::tickets::purge_idempotency(ctx.conn(), before))
            .await;
        match purged {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "forgot old idempotency keys"),
            Err(err) => tracing::warn!(%err, "idempotency purge failed"),
        }
        let now_ms = to_millis(hub.now());
        let expired = hub
            .store
            .write(move |ctx| crate::store::staff::purge_sessions(ctx.conn(), now_ms))
            .await;
        if let Err(err) = expired {
            tracing::warn!(%err, "staff session purge failed");
        }
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-hub")
        .build()?;
    runtime.block_on(async move {
        let running = start(Arc::new(config), options).await?;
        // Scripts and tests read this line to find the port.
        println!("motcua hub listening on {}", running.base_url());
        terminated().await;
        tracing::info!("shutting down: finishing in-flight requests");
        running.shutdown().await?;
        tracing::info!("hub stopped, database closed");
        Ok(std::process::ExitCode::SUCCESS)
    })
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
