//! Command line of `motcua-city` (clap).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The motcua city service.
#[derive(Debug, Parser)]
#[command(name = "motcua-city", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve ingestion, the JSON API and the shared catalogue and calendar.
    Serve(ServeArgs),
    /// A throwaway PostgreSQL cluster, the service and a dozen simulated
    /// offices, until Ctrl-C.
    Demo(DemoArgs),
    /// Simulated offices pushing to a city service.
    Simulate(SimulateArgs),
    /// Publish a procedure catalogue or a working-day calendar to every
    /// hub.
    Publish(PublishArgs),
    /// Read a dashboard password on standard input and print its argon2id
    /// hash for `password_hash` of `[[users]]`.
    HashPassword,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: `listen` of the configuration, else
    /// 127.0.0.1:8787).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// PostgreSQL URL, e.g. `postgres://motcua@127.0.0.1:5432/motcua_city`
    /// (default: `pg` of the configuration).
    #[arg(long, env = "MOTCUA_CITY_PG")]
    pub pg: Option<String>,
    /// The configuration file (TOML).
    #[arg(long, env = "MOTCUA_CITY_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the throwaway PostgreSQL cluster (default: a new folder
    /// under the system's temporary directory). Removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Address of the service.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Simulated offices.
    #[arg(long, default_value_t = 12)]
    pub units: u32,
    /// Past days loaded at start (so the history has something to show).
    #[arg(long, default_value_t = 7)]
    pub history_days: u32,
    /// How much faster than real time today's simulated offices run.
    #[arg(long, default_value_t = 20.0)]
    pub speed: f64,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// How many offices.
    #[arg(long, default_value_t = 12)]
    pub units: u32,
    /// How many days, ending today (the last day runs live).
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// How much faster than real time; 0 sends as fast as the city takes
    /// it (scale runs: every day, today included, at once).
    #[arg(long, default_value_t = 0.0)]
    pub speed: f64,
    /// The city service's base URL.
    #[arg(long)]
    pub city: String,
    /// A bearer token with the city role, to register the simulated units.
    #[arg(long, env = "MOTCUA_CITY_TOKEN")]
    pub token: String,
    /// A CA certificate (PEM) to trust for an `https://` city.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Unit codes are `<prefix>-0001`, …
    #[arg(long, default_value = "SIM")]
    pub prefix: String,
    /// Mean tickets per office per day.
    #[arg(long, default_value_t = 250.0)]
    pub tickets: f64,
    /// Mean dossiers per office per day.
    #[arg(long, default_value_t = 80.0)]
    pub dossiers: f64,
    /// Events per push.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Pushes in flight at once (the simulated offices take turns).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Mean WAN outages per office per day (random length: minutes to
    /// hours); 0 for none.
    #[arg(long, default_value_t = 0.3)]
    pub outages: f64,
    /// Seed of the random generator (same seed, same offices).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Through the real hub → city path: each office is a `motcua hub`
    /// process with a `[city]` section, driven over its HTTP API; today
    /// only, at `--speed` (> 0). Without it, offices push straight to the
    /// ingestion route (scale runs).
    #[arg(long)]
    pub via_hub: bool,
    /// The `motcua` binary for `--via-hub` (default: beside this one, or
    /// `MOTCUA_BIN`, or on PATH).
    #[arg(long)]
    pub motcua: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// `catalogue` or `calendar`.
    #[arg(value_enum)]
    pub what: PublishWhat,
    /// A catalogue TOML file (the format of `data/procedures.toml`), or
    /// calendar year files (`data/calendar/2026.toml`, …).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The city service's base URL.
    #[arg(long)]
    pub city: String,
    /// A bearer token with the city role.
    #[arg(long, env = "MOTCUA_CITY_TOKEN")]
    pub token: String,
    /// A CA certificate (PEM) to trust for an `https://` city.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishWhat {
    Catalogue,
    Calendar,
}
