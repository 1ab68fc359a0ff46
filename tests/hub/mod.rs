//! The office hub over real HTTP on loopback.

mod api;
mod bad_input;
mod concurrency;
mod process;
mod sse;
