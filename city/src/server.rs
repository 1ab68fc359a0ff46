//! Running the service: [`start`] connects to PostgreSQL, applies the
//! migrations, registers the configured units, starts the live listener
//! and the rollup worker, and serves the routes (HTTPS when the
//! configuration has a certificate). `motcua-city serve`, the demo, the
//! tests and the benchmarks all use it.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;

use crate::auth::{token_digest, Readers};
use crate::config::CityConfig;
use crate::db::{self, DbError, Partitions};
use crate::live::Live;
use crate::{City, Clock};

/// Where to serve and which database.
#[derive(Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub pg: String,
    /// The service's clock (tests move it; default: the system's).
    pub clock: Option<Clock>,
}

/// A running instance.
pub struct RunningCity {
    addr: SocketAddr,
    https: bool,
    city: Arc<City>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningCity {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` or `https://ADDR`.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The shared state (the dashboard, tests).
    pub fn city(&self) -> &Arc<City> {
        &self.city
    }

    /// Stops accepting, ends live streams, lets in-flight requests finish,
    /// stops the workers and closes the pool.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.city.shutdown.send(true);
        let served = self.server.await;
        for worker in self.workers {
            let _ = worker.await;
        }
        self.city.pool.close();
        served.context("city server task")?.context("city server")?;
        Ok(())
    }
}

/// A unit could not be registered.
#[derive(Debug, thiserror::Error)]
pub enum UnitError {
    #[error("another unit has this token")]
    TokenTaken,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Registers `unit_code` or updates its name, group and token. Returns
/// whether it was new.
pub async fn upsert_unit(
    client: &tokio_postgres::Client,
    unit_code: &str,
    name: &str,
    group: Option<&str>,
    token: &str,
) -> Result<bool, UnitError> {
    let digest = token_digest(token);
    let result = client
        .query_one(
            "INSERT INTO units (unit_code, name, grp, token_sha256) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (unit_code) DO UPDATE SET name = EXCLUDED.name, grp = EXCLUDED.grp, \
             token_sha256 = EXCLUDED.token_sha256 \
             RETURNING (xmax = 0)",
            &[&unit_code, &name, &group, &digest],
        )
        .await;
    match result {
        Ok(row) => Ok(row.get(0)),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(UnitError::TokenTaken)
        }
        Err(e) => Err(UnitError::Db(e.into())),
    }
}

/// Starts an instance.
pub async fn start(config: CityConfig, options: ServeOptions) -> anyhow::Result<RunningCity> {
    config.validate()?;
    let tz = config.tz()?;
    let pool = db::pool(&options.pg, config.pool_size)?;
    let version = db::migrate(&pool)
        .await
        .with_context(|| format!("preparing the database at {}", redact_url(&options.pg)))?;
    tracing::debug!(version, "database schema");
    {
        let client = pool.get().await?;
        for u in &config.units {
            upsert_unit(&client, &u.code, &u.name, u.group.as_deref(), &u.token)
                .await
                .with_context(|| format!("registering unit {}", u.code))?;
        }
    }
    let (shutdown, _) = watch::channel(false);
    let (live, listener_task) = Live::start(&options.pg, shutdown.subscribe()).await?;
    let clock = options
        .clock
        .clone()
        .unwrap_or_else(|| Arc::new(chrono::Utc::now));
    let city = Arc::new(City {
        pool,
        partitions: Partitions::default(),
        tz,
        hours: config.office_hours,
        readers: Readers::new(&config.tokens),
        users: config.users.clone(),
        dashboard: config.dashboard.clone(),
        figures: Default::default(),
        phone: crate::phone::Phone::new(config.phone.clone()),
        live,
        shutdown,
        clock,
    });
    city.partitions
        .ensure_around(&city.pool, city.today())
        .await?;
    let tcp = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let addr = tcp.local_addr()?;
    let app = crate::api::router(Arc::clone(&city))
        .into_make_service_with_connect_info::<crate::phone::ClientAddr>();
    let mut stop = city.shutdown.subscribe();
    let graceful = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let https = config.tls.is_some();
    let server = match &config.tls {
        Some(files) => {
            let tls = crate::tls::server_config(&files.cert, &files.key)?;
            let listener = crate::tls::TlsListener::new(tcp, tls)?;
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(graceful)
                    .await
            })
        }
        None => {
            tokio::spawn(
                async move { axum::serve(tcp, app).with_graceful_shutdown(graceful).await },
            )
        }
    };
    let workers = vec![
        listener_task,
        tokio::spawn(crate::rollup::run(Arc::clone(&city))),
        tokio::spawn(crate::dashboard::alerts::run(Arc::clone(&city))),
    ];
    tracing::info!(%addr, https, "city service listening");
    Ok(RunningCity {
        addr,
        https,
        city,
        server,
        workers,
    })
}

/// A PostgreSQL URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `motcua-city serve`: until Ctrl-C or SIGTERM.
pub fn run(args: crate::cli::ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    let config = match &args.config {
        Some(path) => CityConfig::load(path)?,
        None => CityConfig::default(),
    };
    let listen = args
        .listen
        .or(config.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8787)));
    let pg = args.pg.clone().or_else(|| config.pg.clone()).context(
        "no PostgreSQL URL: give --pg postgres://… (or pg = \"…\" in the configuration)",
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-city")
        .build()?;
    runtime.block_on(async move {
        let termination = crate::Termination::listen();
        let running = start(
            config,
            ServeOptions {
                listen,
                pg,
                clock: None,
            },
        )
        .await?;
        // Scripts and tests read this line to find the port.
        println!("motcua-city listening on {}", running.base_url());
        termination.wait().await;
        tracing::info!("shutting down");
        running.shutdown().await?;
        Ok(std::process::ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact_url("postgres://city:s3cret@db:5432/motcua"),
            "postgres://city:***@db:5432/motcua"
        );
        assert_eq!(
            redact_url("postgres://city@db/motcua"),
            "postgres://city@db/motcua"
        );
    }
}
