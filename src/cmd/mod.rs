//! Commands for technicians and devices: `motcua diag …`, `motcua emulate …`,
//! `motcua backup`, `motcua restore`.

pub mod backup;
pub mod devices;
pub mod diagnose;
pub mod typing;
pub mod voice;
