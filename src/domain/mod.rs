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
//! - [`procedure`]: the procedure catalogue (data) and its forms.
//! - [`catalogue_view`]: the catalogue with its rules in words.
//! - [`form`]: form validation with Vietnamese messages per field.
//! - [`text`]: characters no text field takes (bidi controls, invisible
//!   values, stacked marks).
//! - [`fee`]: fees from a procedure's rule and the citizen's choices.
//! - [`calendar`]: working days (per-year data) and due times.
//! - [`dossier`]: dossier codes and statuses.
//! - [`receipt`]: the filing receipt (Mẫu số 01) as printable lines.
//! - [`vietnamese_input`]: Telex and VNI for the on-screen keyboard.
//! - [`wording`]: what the house says about devices and their faults.
//! - [`announce`]: Vietnamese number words and the hall call sentence.
//! - [`rating`]: the satisfaction scale and its reasons.
//! - [`ticket_ref`]: the ticket's QR payload, printed and read back, and
//!   typed ticket numbers.

pub mod announce;
pub mod calendar;
pub mod catalogue_view;
pub mod dossier;
pub mod estimate;
pub mod fee;
pub mod form;
pub mod procedure;
pub mod queue;
pub mod rating;
pub mod receipt;
pub mod text;
pub mod ticket;
pub mod ticket_ref;
pub mod time;
pub mod vietnamese_input;
pub mod wording;
