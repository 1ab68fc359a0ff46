//! The office's link to the city service (`[city]` in the configuration;
//! without it, the office stands alone, as before).
//!
//! - [`client`]: the HTTPS client both workers share (rustls, trusting
//!   `city.ca_file`).
//! - [`applied`]: what the release poller applied, which every push
//!   reports to the city.
//! - [`push`]: the worker that pushes this hub's event log to the city,
//!   exactly once, from the city's watermark, across any outage or restart.
//! - [`ratings`]: the ratings given on the city's phone page, recorded
//!   here exactly once (on the pusher's loop, once a heartbeat).
//! - [`releases`]: the poller that applies the city's procedure catalogue
//!   and working-day calendar (ETag, validated in full, swapped at once,
//!   kept on disk for an offline restart) unless the office pinned its own.
//!
//! [`start`] spawns both workers.

pub mod applied;
pub mod client;
pub mod push;
pub mod ratings;
pub mod releases;

use std::path::Path;
use std::sync::Arc;

use crate::hub::state::Hub;
use applied::Releases;
use client::CityClient;

/// Applies the releases kept on disk, then spawns the pusher and the
/// release poller. Nothing without `[city]`.
pub fn start(hub: &Arc<Hub>, database: &Path) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let Some(section) = hub.rules.config.city.clone() else {
        return Ok(Vec::new());
    };
    let client = CityClient::new(&section, &hub.rules.config.office.unit_code)?;
    let releases = Arc::new(Releases::default());
    let store = releases::Kept::beside(database);
    releases::apply_kept(hub, &releases, &store);
    Ok(vec![
        tokio::spawn(push::run(
            Arc::clone(hub),
            client.clone(),
            Arc::clone(&releases),
        )),
        tokio::spawn(releases::run(Arc::clone(hub), client, releases, store)),
    ])
}
