//! Commands for technicians and devices: `motcua diag …`, `motcua emulate …`
//! and `motcua hash-pin`.

pub mod devices;
pub mod voice;
