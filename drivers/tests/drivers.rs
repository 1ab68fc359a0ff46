//! The crate's one integration-test binary: real pseudo-terminal pairs
//! between the serial driver and the emulators, faults, and property tests
//! of encode → emulate → decode, the peer suites' MRZ vectors, and the
//! check that no two files of `src/` import each other.

#[path = "it/common.rs"]
mod common;
#[path = "it/conformance.rs"]
mod conformance;
#[path = "it/faults.rs"]
mod faults;
#[path = "it/imports.rs"]
mod imports;
#[path = "it/properties.rs"]
mod properties;
#[path = "it/round_trip.rs"]
mod round_trip;
#[path = "it/scanner.rs"]
mod scanner;
