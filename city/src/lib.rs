//! # motcua-city
//!
//! The city service of motcua: every ward office's hub pushes its event log
//! here, exactly once, into PostgreSQL; the service computes the figures a
//! city tracks (queue, dossiers, satisfaction, devices) per unit and
//! city-wide, serves them as JSON, and publishes the procedure catalogue
//! and the working-day calendar every hub applies. It depends on the wire
//! contract (`motcua-api`) and never on the office software itself.
//!
//! ## Layout
//!
//! - [`cli`]: clap definitions; [`run`] dispatches them.
//! - [`config`]: the TOML configuration (tokens, units, office hours, TLS).
//! - [`db`]: the PostgreSQL pool, migrations ([`db::schema`] says why the
//!   tables are laid out as they are) and monthly partitions.
//! - [`ingest`]: federation — strict reading of a batch, its projection,
//!   and the one transaction that stores it ([`ingest::store`]).
//! - [`kpi`]: the figures, from the projections (the formulas of
//!   `docs/CITY.md`); [`rollup`]: closed days stored once.
//! - [`live`]: the live update channel (PostgreSQL `LISTEN/NOTIFY`).
//! - [`releases`]: the shared catalogue and calendar.
//! - [`api`]: the `/city/v1` routes; [`auth`] tokens and roles; [`error`]
//!   the error envelope.
//! - [`dashboard`]: the HTML pages at `/`.
//! - [`phone`]: the citizen's ticket and dossier pages (`/t/…`, `/d/…`)
//!   and the relay of the ratings given there to the office's hub.
//! - [`server`]: starting and stopping an instance; [`tls`] HTTPS.
//! - [`pg`]: a throwaway PostgreSQL cluster (demo, tests, benchmarks).
//! - [`simulate`]: offices that push realistic days; [`demo`]: all of it
//!   at once.
//!
//! Instances are stateless: everything they share is in PostgreSQL, so any
//! number of them can serve the same database.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod kpi;
pub mod live;
pub mod pg;
pub mod phone;
pub mod releases;
pub mod rollup;
pub mod server;
pub mod simulate;
pub mod tls;

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use deadpool_postgres::Pool;
use tokio::sync::watch;

use crate::cli::{Cli, Command};
use crate::config::OfficeHours;

/// The source of "now"; tests can substitute their own.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Shared state of a running instance.
pub struct City {
    /// Connections to the one database every instance shares.
    pub pool: Pool,
    /// Monthly partitions this instance knows exist.
    pub partitions: db::Partitions,
    /// The offices' time zone: business dates are local.
    pub tz: chrono_tz::Tz,
    pub hours: OfficeHours,
    /// Readers of the JSON API (from the configuration).
    pub readers: auth::Readers,
    /// The live update channel.
    pub live: live::Live,
    /// People who sign in to the dashboard.
    pub users: Vec<config::UserConfig>,
    /// The dashboard's thresholds.
    pub dashboard: config::DashboardConfig,
    /// The overview's figures, shared by its viewers.
    pub figures: dashboard::cache::Figures,
    /// The phone pages' limits (rate per address, live streams).
    pub phone: phone::Phone,
    /// Flipped to `true` once at shutdown; live streams and workers end.
    pub shutdown: watch::Sender<bool>,
    clock: Clock,
}

impl City {
    /// Now, by the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Today's business date, office local.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.tz).date_naive()
    }

    /// Now, the time zone and the office hours: what the figures need.
    pub fn clockface(&self) -> kpi::Clockface {
        kpi::Clockface {
            now: self.now(),
            tz: self.tz,
            hours: self.hours,
        }
    }
}

/// Entry point of the binary.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => server::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Publish(args) => simulate::publish::run(args),
        Command::HashPassword => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(
                !password.is_empty(),
                "mật khẩu trống / the password is empty"
            );
            println!(
                "{}",
                config::hash_password(password).map_err(anyhow::Error::msg)?
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Logs to stderr; `MOTCUA_LOG` filters (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MOTCUA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Ctrl-C and SIGTERM, listened for from the moment this is made: a
/// signal that arrives before [`Termination::wait`] is polled is not lost
/// (and does not kill the process with the throwaway cluster still up).
pub struct Termination {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Termination {
    /// Starts listening (inside a tokio runtime).
    pub fn listen() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        let open = |kind: SignalKind| match signal(kind) {
            Ok(s) => Some(s),
            Err(err) => {
                tracing::warn!(%err, "cannot listen for a signal");
                None
            }
        };
        Self {
            interrupt: open(SignalKind::interrupt()),
            terminate: open(SignalKind::terminate()),
        }
    }

    /// Resolves on the first Ctrl-C or SIGTERM.
    pub async fn wait(mut self) {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            _ = recv(&mut self.interrupt) => {}
            _ = recv(&mut self.terminate) => {}
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn terminated() {
    Termination::listen().wait().await
}
