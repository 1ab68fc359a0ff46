//! The one integration-test binary (as ripgrep does): every module below is
//! a group of tests against the real `motcua` binary, a real hub on
//! loopback, real SQLite files and real pseudo-terminals.

mod devices;
mod hub;
mod util;
