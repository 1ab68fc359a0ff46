//! The office hub: the single source of truth for the queue, served over
//! HTTP JSON under `/api/v1` with a Server-Sent Events stream. Its wire
//! types are `motcua_api`'s.
//!
//! Files, each importing only the ones listed before it (and never this
//! one):
//!
//! - [`error`]: the hub's refusals (beside `crate::web::ApiError`'s).
//! - [`events`]: typed events into the writer's transaction.
//! - [`auth`]: bearer tokens and roles.
//! - [`staff`]: officers' sessions and sign-in lockout.
//! - [`queue`]: the queue operations, each one writer transaction.
//! - [`calls`]: the latest calls, read back from the event log.
//! - [`devices`]: kiosks' device faults and recoveries, kept per kiosk.
//! - [`rating`]: citizen satisfaction ratings, one per ticket.
//! - [`stats`]: per-day figures for `/stats` and `motcua report`.
//! - [`filing`]: online filing — catalogue, the filing transaction,
//!   views, retention.
//! - [`phone`]: the citizens' phone pages' views and ratings.
//! - [`streams`]: event streams open now, capped per token.
//! - [`state`]: [`Hub`], what requests and tasks share.
//! - [`outbox`]: the worker delivering dossiers to the portal, and status
//!   refreshes.
//! - [`routes`]: the HTTP routes, one file per area.
//! - [`city`]: federation — pushing the event log to the city service and
//!   applying its catalogue and calendar releases.
//! - `server`: [`start`] and [`RunningHub`].
//!
//! [`start`] runs a hub on a tokio runtime and returns a handle: the
//! `motcua hub` command, the kiosk's embedded hub and the tests all use it,
//! so there is one code path whether the hub is in-process or on the LAN.

pub mod auth;
pub mod calls;
pub mod city;
pub mod devices;
pub mod error;
pub mod events;
pub mod filing;
pub mod outbox;
pub mod phone;
pub mod queue;
pub mod rating;
pub mod routes;
pub mod seen;
mod server;
pub mod staff;
pub mod state;
pub mod stats;
pub mod streams;

pub use crate::web::Clock;
pub use server::{start, HubOptions, PortalTarget, RunningHub};
pub use state::Hub;
