//! # motcua
//!
//! Kiosk, counter and hall-display software for Vietnamese ward/commune
//! one-stop offices (*bộ phận một cửa*). One binary, one subcommand per role.
//!
//! ## Layout
//!
//! - [`cli`]: clap definitions; [`run`] dispatches them.
//! - [`config`]: the TOML configuration, typed and validated, with the demo
//!   office as the default.
//! - [`domain`]: pure logic, no I/O, no async — queue numbering and priority,
//!   ticket state machine, wait estimates, business dates.
//! - [`store`]: SQLite (rusqlite): migrations, one writer thread with group
//!   commit, typed errors.
//! - [`hub`]: the office hub — axum routes under `/api/v1`, auth, Server-Sent
//!   Events, stats, online filing and the outbox worker.
//! - [`portal`]: the public service portal — the `Portal` trait, the HTTP
//!   client, and `motcua portal-sandbox`.
//! - [`report`]: `motcua report`.
//! - [`notify`]: systemd's readiness and watchdog protocol (`sd_notify`).
//! - [`apps`]: the kiosk (controller + Slint adapter), the hub client,
//!   devices, paper documents, the headless renderer, the UI watchdog.
//! - [`cmd`]: technician and device commands (`diag`, `emulate`,
//!   `backup`, `restore`, `hash-pin`, `tls init`).
//!
//! Device drivers live in the sibling crate `motcua-drivers` (`drivers/`),
//! which knows nothing of this application.

pub mod apps;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod domain;
pub mod hub;
pub mod notify;
pub mod pin;
pub mod portal;
pub mod store;
pub mod web;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

/// Entry point of the binary: parse, load configuration, run the command.
///
/// Returns the process exit code; errors are reported by `main`.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging();
    let config = Config::load(cli.config.as_deref())?;
    if let Some(path) = cli.config.as_deref() {
        if let Some(warning) = config::permission_warning(path, &config) {
            tracing::warn!("{}", warning.message());
        }
    }
    // Every hub client of this process (kiosk, counter, display, diag)
    // trusts the office CA of an `https://` hub.
    if let Err(err) = apps::hub_client::trust_office_ca(&config.hub_ca_files()) {
        tracing::error!("{err:#}: HTTPS to the hub will fail");
    }
    match cli.command {
        None => cmd::kiosk::run(config, cli.config.as_deref(), cli::KioskArgs::default()),
        Some(Command::Kiosk(args)) => cmd::kiosk::run(config, cli.config.as_deref(), args),
        Some(Command::Hub(args)) => cmd::hub::run(config, args),
        Some(Command::Report(args)) => cmd::report::run(&config, args),
        Some(Command::Counter(args)) => apps::counter::app::run(config, args.into()),
        Some(Command::Display(args)) => apps::display::app::run(config, args.into()),
        Some(Command::HashPin) => cmd::voice::hash_pin(),
        Some(Command::PortalSandbox(args)) => cmd::hub::sandbox(args),
        Some(Command::Diag(args)) => cmd::devices::diag(&config, cli.config.as_deref(), args),
        Some(Command::Emulate(args)) => cmd::devices::emulate(args),
        Some(Command::Backup(args)) => cmd::backup::backup(&config, args),
        Some(Command::Restore(args)) => cmd::backup::restore(&config, args),
        Some(Command::Tls(args)) => cmd::tls::run(args),
    }
}

/// Logs to stderr (the journal under systemd) and into the in-memory ring
/// of recent lines that technicians see (`apps::diagnostics::log_ring`).
fn init_logging() {
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOTCUA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(apps::diagnostics::log_ring::LogRing::global().clone())
        .try_init();
}
