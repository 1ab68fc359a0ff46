//! The routes under `/api/v1`, one file per area, each with its
//! `router()`, merged here (JSON in, JSON out; documented in
//! `docs/openapi.json`):
//!
//! - [`queue`]: services, the queue, tickets, counters, calls;
//! - [`staff`]: officers signing in and out;
//! - [`rating`]: citizens' ratings;
//! - [`filing`]: procedures and dossiers;
//! - [`devices`]: kiosks' devices;
//! - [`technician`]: health, diagnostics, the outbox, support bundles;
//! - [`events`]: the Server-Sent Events stream;
//! - [`openapi`]: the document itself;
//! - [`phone`]: the citizens' phone pages (`/t/…`, `/d/…`: HTML and
//!   their streams, outside `/api/v1` and its document).
//!
//! [`reply`] holds what they share (answers, idempotent changes) and
//! [`principal`] reads who is calling.

pub mod devices;
pub mod events;
pub mod filing;
pub mod openapi;
pub mod phone;
mod principal;
pub mod queue;
pub mod rating;
pub mod reply;
pub mod staff;
pub mod technician;

use std::sync::Arc;

use axum::Router;

use crate::hub::error::ApiError;
use crate::hub::state::Hub;
use reply::Routes;

/// Every area's routes.
fn all() -> Routes {
    Routes::new()
        .merge(technician::router())
        .merge(openapi::router())
        .merge(queue::router())
        .merge(staff::router())
        .merge(rating::router())
        .merge(events::router())
        .merge(filing::router())
        .merge(devices::router())
}

/// The `/api/v1` router.
pub fn router(hub: Arc<Hub>) -> Router {
    all()
        .router
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(Arc::clone(&hub))
        .merge(phone::router(hub))
}

/// The paths the router serves (each with its own methods).
pub fn paths() -> Vec<&'static str> {
    all().paths
}
