//! `motcua-city demo`: the whole city on one machine, until Ctrl-C.
//!
//! A throwaway PostgreSQL cluster (in a folder it names), the service on
//! it, and a dozen simulated offices pushing through the real ingestion
//! path: a week of history first, then today live at `--speed` times real
//! time. It prints the dashboard's address, a demo login and a city-role
//! token for the JSON API; on SIGTERM or Ctrl-C it stops the offices, the
//! service and the cluster, and removes the folder if it made it.

use std::process::ExitCode;

use rand::distr::{Alphanumeric, SampleString};
use tokio::sync::watch;

use crate::cli::DemoArgs;
use crate::config::{hash_password, CityConfig, CityRole, TokenConfig, UserConfig};
use crate::pg::TempCluster;
use crate::server::{self, ServeOptions};
use crate::simulate::{self, office::Profile, Plan, Pusher};

/// The demo's sign-in name.
pub const DEMO_LOGIN: &str = "demo";

/// A line on stdout; a closed stdout (the terminal or the reader went
/// away) must not stop the demo half-way through shutting down.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// `motcua-city demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("motcua-city-demo")
        .build()?;
    runtime.block_on(demo(args))
}

async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    // Before anything is started: a Ctrl-C at any moment stops it all.
    let termination = crate::Termination::listen();
    let made_dir = args.dir.as_ref().is_some_and(|d| !d.exists());
    let mut cluster = TempCluster::start(args.dir.as_deref(), "motcua_city").await?;
    let folder = cluster.dir().to_owned();
    let token = format!(
        "demo-city-{}",
        Alphanumeric.sample_string(&mut rand::rng(), 24)
    );
    let password = Alphanumeric.sample_string(&mut rand::rng(), 12);
    let config = CityConfig {
        tokens: vec![TokenConfig {
            name: "demo".into(),
            role: CityRole::City,
            token: token.clone(),
            units: Vec::new(),
        }],
        users: vec![UserConfig {
            login: DEMO_LOGIN.into(),
            name: Some("Sở Nội vụ (demo)".into()),
            role: CityRole::City,
            password_hash: hash_password(&password).map_err(anyhow::Error::msg)?,
            units: Vec::new(),
        }],
        ..CityConfig::default()
    };
    let tz = config.tz()?;
    let running = server::start(
        config,
        ServeOptions {
            listen: args.listen,
            pg: cluster.url(),
            clock: None,
        },
    )
    .await?;
    let base = running.base_url();
    println!("motcua-city demo");
    println!(
        "  PostgreSQL (throwaway): {} (port {})",
        folder.display(),
        cluster.port()
    );
    println!("  dashboard: {base}/");
    println!("  login: {DEMO_LOGIN} / {password}");
    println!("token: {token}");
    println!("  try: curl -s -H 'Authorization: Bearer {token}' {base}/city/v1/units");
    println!(
        "  {} simulated offices: {} past days, then today live at {}× real time. Ctrl-C stops everything.",
        args.units, args.history_days, args.speed
    );

    let (stop_tx, stop) = watch::channel(false);
    let plan = Plan {
        units: args.units,
        days: args.history_days + 1,
        speed: args.speed,
        prefix: "DEMO".into(),
        profile: Profile::default(),
        batch: 500,
        concurrency: 4,
        outages: 0.3,
        seed: 2026,
        tz,
        today: chrono::Utc::now().with_timezone(&tz).date_naive(),
        linger: true,
    };
    let pusher = Pusher {
        client: simulate::http_client(None)?,
        city: base.clone(),
        batch: plan.batch,
    };
    let offices = {
        let token = token.clone();
        tokio::spawn(async move { simulate::simulate(&plan, &pusher, &token, stop).await })
    };
    termination.wait().await;
    say("stopping: offices, service, PostgreSQL");
    let _ = stop_tx.send(true);
    match offices.await {
        Ok(Ok(summary)) => tracing::info!(events = summary.events, "simulated offices stopped"),
        Ok(Err(err)) => tracing::warn!(%err, "simulated offices failed"),
        Err(err) => tracing::warn!(%err, "simulated offices panicked"),
    }
    running.shutdown().await?;
    cluster.stop()?;
    drop(cluster);
    if made_dir {
        let _ = std::fs::remove_dir_all(&folder);
    }
    say("stopped");
    Ok(ExitCode::SUCCESS)
}
