//! What the benchmarks share: percentiles, the tokio runtime and an
//! in-process hub on loopback. Each bench uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use motcua::config::Config;
use motcua::hub::RunningHub;

/// The `p`th percentile (nearest rank) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p).div_ceil(100).max(1) - 1]
}

/// A two-worker runtime, as the apps run their hub clients on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The hub in-process on `127.0.0.1:0` with its durable database in `dir`
/// and the embedded portal sandbox: the kiosk's embedded default.
pub fn start_hub(
    runtime: &tokio::runtime::Runtime,
    config: &Arc<Config>,
    dir: &Path,
) -> RunningHub {
    runtime
        .block_on(motcua::cmd::hub::start_hub(
            Arc::clone(config),
            "127.0.0.1:0".parse().unwrap(),
            dir.join("hub.db"),
            None,
        ))
        .unwrap()
}
