//! Pure domain logic: no I/O, no async, no clock of its own.
//!
//! Everything here takes the current time and the relevant state as
//! arguments, so it can be unit-tested exhaustively and reused by the hub,
//! the kiosk and the reports alike.
//!
//! - [`time`]: business dates in office local time.
//! - [`ticket`]: ticket numbers and the ticket state machine.
//! - [`queue`]: daily numbering, caps and the priority-interleaving rule.
//! - [`estimate`]: estimated waiting time per service.
//! - [`announce`]: Vietnamese number words and the hall call sentence.
//! - [`rating`]: the satisfaction scale and ticket references for rating.

pub mod announce;
pub mod estimate;
pub mod queue;
pub mod rating;
pub mod ticket;
pub mod time;
