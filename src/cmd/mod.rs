//! The command layer: each `motcua` subcommand from its command-line
//! arguments (`crate::cli`) to the layers below, which take their own
//! options. It is the composition root: the only place that names a hub
//! and an app together (the kiosk's in-process hub, the demo portal
//! sandbox handed to the hub).
//!
//! - [`kiosk`]: `motcua kiosk`, with its in-process hub.
//! - [`hub`]: `motcua hub`, `motcua portal-sandbox`, and the hub a kiosk
//!   runs in-process.
//! - [`report`]: `motcua report`.
//! - [`devices`], [`diagnose`], [`voice`]: technician and device commands
//!   (`motcua diag …`, `motcua emulate …`, `motcua hash-pin`).
//! - [`backup`]: `motcua backup`, `motcua restore`.
//! - [`tls`]: `motcua tls init`, the office's certificates.

pub mod backup;
pub mod devices;
pub mod diagnose;
pub mod hub;
pub mod kiosk;
pub mod report;
pub mod tls;
pub mod typing;
pub mod voice;
