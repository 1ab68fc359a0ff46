//! Starting and stopping a hub: [`start`] opens the database and serves the
//! routes on a socket, with the outbox worker, the status poller and
//! housekeeping beside it; [`RunningHub::shutdown`] stops them in order.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::{broadcast, watch};

use super::auth::Tokens;
use super::filing::Filing;
use super::queue::Rules;
use super::staff::Sessions;
use super::state::Hub;
use super::streams::Streams;
use super::{city, outbox, routes};
use crate::config::Config;
use crate::domain::time::to_millis;
use crate::portal::http::{HttpPortal, RetryPolicy};
use crate::portal::sandbox::RunningSandbox;
use crate::portal::Portal;
use crate::store::Store;
use crate::web::{system_clock, Clock};

/// Which portal the outbox delivers to.
pub enum PortalTarget {
    /// A portal at this base URL.
    Url(String),
    /// This implementation (tests, or an embedding application).
    Custom(Arc<dyn Portal>),
    /// A portal sandbox the caller started (the demo office's, beside the
    /// database): the hub delivers to it and stops it at shutdown.
    Sandbox(RunningSandbox),
}

/// Where and how to run a hub.
pub struct HubOptions {
    pub listen: SocketAddr,
    pub database: PathBuf,
    /// The hub's clock; the system clock when `None`.
    pub clock: Option<Clock>,
    pub portal: PortalTarget,
}

/// A hub serving on a socket.
pub struct RunningHub {
    addr: SocketAddr,
    /// Serving HTTPS (`[hub.tls]`).
    tls: bool,
    hub: Arc<Hub>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The outbox worker, the status poller and housekeeping.
    workers: Vec<tokio::task::JoinHandle<()>>,
    /// The portal sandbox handed to the hub, stopped with it.
    sandbox: Option<RunningSandbox>,
}

impl RunningHub {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` (`https://` with `[hub.tls]`), the base URL clients
    /// use.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The shared state (for in-process callers and tests).
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The portal sandbox the hub delivers to, when it was handed one.
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

/// How long `start` waits for the portal's catalogue.
const CATALOGUE_TIMEOUT_AT_START: Duration = Duration::from_secs(3);

/// Opens the database and serves the API on `options.listen`.
pub async fn start(config: Arc<Config>, options: HubOptions) -> anyhow::Result<RunningHub> {
    let HubOptions {
        listen,
        database,
        clock,
        portal,
    } = options;
    let (portal, sandbox) = match portal {
        PortalTarget::Url(url) => (http_portal(&config, &url)?, None),
        PortalTarget::Custom(portal) => (portal, None),
        PortalTarget::Sandbox(sandbox) => {
            (http_portal(&config, &sandbox.base_url())?, Some(sandbox))
        }
    };
    let tls = config.hub.tls.is_some();
    match serve(config, listen, database, clock, portal, sandbox.as_ref()).await {
        Ok((addr, hub, server, workers)) => Ok(RunningHub {
            addr,
            tls,
            hub,
            server,
            workers,
            sandbox,
        }),
        Err(err) => {
            if let Some(sandbox) = sandbox {
                let _ = sandbox.shutdown().await;
            }
            Err(err)
        }
    }
}

type Served = (
    SocketAddr,
    Arc<Hub>,
    tokio::task::JoinHandle<std::io::Result<()>>,
    Vec<tokio::task::JoinHandle<()>>,
);

async fn serve(
    config: Arc<Config>,
    listen: SocketAddr,
    database: PathBuf,
    clock: Option<Clock>,
    portal: Arc<dyn Portal>,
    sandbox: Option<&RunningSandbox>,
) -> anyhow::Result<Served> {
    if config.demo && !listen.ip().is_loopback() {
        anyhow::bail!(
            "the demo office (no configuration file) listens on loopback only, not {listen}; \
             write a configuration with your own tokens to serve the LAN"
        );
    }
    // Bearer tokens, PINs and citizens' data must not cross the LAN in
    // clear: plain HTTP only on loopback (and the demo, loopback anyway).
    if config.hub.tls.is_none() && !listen.ip().is_loopback() && !config.hub.allow_plain_http {
        anyhow::bail!(
            "máy chủ nghe trên {listen} (mạng LAN) mà không có `[hub.tls]`: tạo chứng chỉ bằng \
             `motcua tls init --dir /etc/motcua/tls` rồi ghi hub.tls.cert_file và \
             hub.tls.key_file (hoặc `hub.allow_plain_http = true`, chỉ để thử nghiệm) / \
             the hub listens on {listen}, beyond loopback, without `[hub.tls]`: make a \
             certificate with `motcua tls init --dir /etc/motcua/tls` and set \
             hub.tls.cert_file and hub.tls.key_file (or `hub.allow_plain_http = true`, for \
             trials only)"
        );
    }
    if config.hub.tls.is_none() && !listen.ip().is_loopback() {
        tracing::warn!(%listen, "hub.allow_plain_http = true: tokens, PINs and citizens' data cross the LAN unencrypted (trials only)");
    }
    let tls = match &config.hub.tls {
        Some(files) => Some(crate::web::tls::server_config(
            &files.cert_file,
            &files.key_file,
        )?),
        None => None,
    };
    // A copy rescued from a database file deleted or replaced under a
    // running hub waits beside it: starting on whatever the path names now
    // could hand out today's numbers again.
    let rescued = crate::store::guard::pending_rescues(&database);
    if let Some(first) = rescued.first() {
        anyhow::bail!(
            "{} chứa dữ liệu cứu từ một tệp cơ sở dữ liệu bị xoá hoặc thay thế khi máy chủ \
             đang chạy: khôi phục nó (motcua restore {}) hoặc chuyển nó đi chỗ khác nếu {} đã \
             đúng, rồi khởi động lại / {} holds the data rescued from a database file deleted \
             or replaced under the running hub: restore it (motcua restore {}) or move it away \
             if {} is right, then start again",
            first.display(),
            first.display(),
            database.display(),
            first.display(),
            first.display(),
            database.display(),
        );
    }
    let (bus, _) = broadcast::channel(4096);
    let publisher = bus.clone();
    let path = database.clone();
    let store = tokio::task::spawn_blocking(move || {
        Store::open(
            &path,
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
    let clock = clock.unwrap_or_else(system_clock);
    let now_ms = to_millis(clock());
    let stored = store
        .read(move |conn| crate::store::staff::live_sessions(conn, now_ms))
        .await?;
    let sessions = Sessions::load(stored, |code| {
        config.staff_member(code).map(|s| s.name.clone())
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let mut filing = Filing::new(&config, portal)?;
    // The demo office stays as it always was; any other office handed a
    // sandbox is a training office, and its dossiers say so.
    filing.training = sandbox.is_some() && !config.demo;
    let filing = Arc::new(filing);
    if let Some(sandbox) = sandbox {
        if filing.training {
            tracing::warn!(url = %sandbox.base_url(), "filing.portal_url = \"sandbox\": a TRAINING office; dossiers go to the in-process portal sandbox, never to the real portal");
        } else {
            tracing::info!(url = %sandbox.base_url(), "demo office: using the in-process portal sandbox");
        }
    }
    let portal_kind = if sandbox.is_some() {
        motcua_api::PortalKind::Sandbox
    } else {
        motcua_api::PortalKind::Portal
    };
    let (shutdown, _) = watch::channel(false);
    let hub = Arc::new(Hub {
        rules: Rules::new(Arc::clone(&config)),
        store,
        tokens: Tokens::new(&config.tokens),
        sessions,
        bus,
        shutdown,
        started: Instant::now(),
        filing,
        clock,
        portal_kind,
        bundle_uploads: tokio::sync::Semaphore::new(routes::technician::MAX_UPLOADS),
        streams: Streams::new(config.hub.event_streams_per_token.max(1) as usize),
        kiosks_seen: Default::default(),
    });
    // Partial uploads of a hub that stopped mid-upload.
    routes::technician::remove_partial_uploads(&hub);
    // The portal's catalogue wins when it answers; do not wait long for it.
    hub.refresh_catalogue(CATALOGUE_TIMEOUT_AT_START).await;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&hub));
    let hub_config = &hub.rules.config.hub;
    let limits = crate::web::connections::Limits {
        header_timeout: Duration::from_secs(hub_config.header_timeout_seconds.max(1)),
        idle_timeout: Duration::from_secs(hub_config.idle_timeout_seconds.max(1)),
        max_connections: hub_config.max_connections.max(1) as usize,
        send_timeout: Duration::from_secs(hub_config.send_timeout_seconds.max(1)),
    }
    .within_fd_limit();
    let stop = hub.shutdown.subscribe();
    let server = tokio::spawn(crate::web::connections::serve(
        listener, app, limits, tls, stop,
    ));
    let mut workers = vec![
        tokio::spawn(housekeeping(Arc::clone(&hub))),
        tokio::spawn(outbox::run(Arc::clone(&hub))),
        tokio::spawn(outbox::poll_statuses(Arc::clone(&hub))),
    ];
    workers.extend(city::start(&hub, &database)?);
    tracing::info!(%addr, https = hub.rules.config.hub.tls.is_some(), database = %database.display(), office = %config.office.name, "hub listening");
    Ok((addr, hub, server, workers))
}

/// The HTTP client of the portal at `url`, with the configured token and
/// timeout.
fn http_portal(config: &Config, url: &str) -> anyhow::Result<Arc<dyn Portal>> {
    Ok(Arc::new(HttpPortal::new(
        url,
        config.filing.portal_token.clone(),
        Duration::from_secs(config.filing.portal_timeout_seconds),
        RetryPolicy::default(),
    )?))
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
