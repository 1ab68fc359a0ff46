//! Device drivers for motcua: serial transport, ESC/POS receipt printers,
//! ID-card/QR scanners and their emulators.
//!
//! This crate knows nothing of the application: no hub, no UI, no
//! configuration file. It offers small traits for device capabilities and
//! concrete implementations over serial ports, plus emulators used by tests,
//! demos and technician training.
