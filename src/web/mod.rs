//! HTTP plumbing shared by the two servers of the house, the office hub
//! (`crate::hub`) and the portal sandbox (`crate::portal::sandbox`): the
//! error envelope ([`ApiError`]), request extractors that answer in it,
//! the wrapper that puts it into the refusals hyper makes itself
//! ([`refusals`]), the injectable clock, the shutdown signal, and serving
//! connections with limits ([`connections`]), over HTTPS when configured
//! ([`tls`]). It sits below both, so neither
//! server imports the other.

pub mod connections;
pub mod error;
pub mod extract;
pub mod refusals;
mod shutdown;
pub mod tls;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use error::ApiError;
pub use shutdown::terminated;

/// The source of "now"; tests substitute their own.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}
