//! Commands for technicians and devices: `motcua diag …`, `motcua emulate …`,
//! `motcua backup` and `motcua restore`.

pub mod backup;
pub mod devices;
