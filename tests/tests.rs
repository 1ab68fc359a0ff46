//! The one integration-test binary (as ripgrep does): every module below is
//! a group of tests against the real `motcua` binary, a real hub on
//! loopback, real SQLite files, real pseudo-terminals and real Slint
//! rendering.

mod backup;
mod cage;
mod city;
mod counter;
mod devices;
mod diag;
mod display;
mod filing;
mod golden;
mod hub;
mod kiosk;
mod layers;
mod packaging;
mod phone;
mod screens;
mod typing;
mod util;
mod watchdog;
