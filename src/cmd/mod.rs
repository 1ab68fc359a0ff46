//! Commands for technicians and devices: `motcua diag …` and `motcua emulate …`.

pub mod devices;
