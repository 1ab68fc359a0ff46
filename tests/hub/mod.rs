//! The office hub over real HTTP on loopback.

mod api;
mod bad_input;
mod bundles;
mod concurrency;
mod database_guard;
mod health;
mod limits;
mod policy;
mod process;
mod sse;
mod tls;
mod training;
