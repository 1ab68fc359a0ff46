//! The city service's integration tests: one binary, a module per area.
//! Each test starts its own throwaway PostgreSQL (`motcua_city::pg`, the
//! demo's way), stopped when the test ends, pass or fail.

mod api;
mod browser;
mod catchup;
mod dashboard;
mod demo;
mod ingest;
mod packaging;
mod phone;
mod releases;
mod util;
