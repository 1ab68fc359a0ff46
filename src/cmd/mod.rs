//! Commands for technicians and devices: `motcua diag …`, `motcua emulate …`,
//! `motcua backup`, `motcua restore` and `motcua hash-pin`.

pub mod backup;
pub mod devices;
pub mod voice;
