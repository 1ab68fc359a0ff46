//! # motcua-api
//!
//! The one wire contract of the motcua office hub: every request, response,
//! view and event of `/api/v1` as a Rust type. The hub serialises them; the
//! kiosk, counter and hall-display apps, the city service and the phone
//! page deserialise them, so a renamed field fails to compile on both sides
//! instead of failing in an office.
//!
//! ## Layout
//!
//! - [`queue`]: tickets, counters, the queue overview, calls.
//! - [`staff`]: officers signing in at counters.
//! - [`rating`]: citizen satisfaction ratings.
//! - [`role`]: what a bearer token may do.
//! - [`stats`]: a day's figures.
//! - [`filing`]: the procedure catalogue, dossiers, their timeline and
//!   receipt.
//! - [`devices`]: kiosks' printers and scanners.
//! - [`technician`]: health, diagnostics, the outbox, support bundles.
//! - [`error`]: the error envelope every refusal uses, and its codes.
//! - [`events`]: [`HubEvent`], one typed payload per event kind, and the
//!   frames of the Server-Sent Events stream.
//! - [`phone`]: the citizen's phone pages (ticket, dossier), their
//!   rating form and the lookup hash the city checks tokens against.
//! - [`openapi`]: the OpenAPI 3.1 document generated from these types.
//! - [`wire`]: the key order of bodies built as JSON values.
//! - [`city`]: the city service's `/city/v1`: federation (ingest), the
//!   shared catalogue and calendar, the figures per unit.
//!
//! Every type is re-exported at the crate root.
//!
//! ## Conventions
//!
//! - Times are RFC 3339 strings in the office's offset
//!   (`2026-11-26T09:00:00+07:00`), except `at_ms` fields (milliseconds since
//!   the Unix epoch) and business dates (`YYYY-MM-DD`, [`chrono::NaiveDate`]).
//! - Words a client shows come in Vietnamese (`_vi`, the source language)
//!   and English (`_en`).
//! - Request bodies refuse unknown fields; responses may grow fields, so
//!   clients ignore what they do not know.

pub mod city;
pub mod devices;
pub mod error;
pub mod events;
pub mod filing;
pub mod openapi;
pub mod phone;
pub mod queue;
pub mod rating;
pub mod role;
pub mod staff;
pub mod stats;
pub mod technician;
pub mod wire;

pub use city::*;
pub use devices::*;
pub use error::*;
pub use events::*;
pub use filing::*;
pub use phone::*;
pub use queue::*;
pub use rating::*;
pub use role::Role;
pub use staff::*;
pub use stats::*;
pub use technician::*;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    /// `as_str` (storage, logs, messages) and serde (the wire) spell every
    /// word the same way.
    #[test]
    fn enums_spell_the_same_in_code_and_on_the_wire() {
        fn check<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: impl Fn(&T) -> &'static str,
        ) {
            for v in all {
                let wire = serde_json::to_value(v).unwrap();
                assert_eq!(wire, as_str(v), "{v:?}");
                assert_eq!(&serde_json::from_value::<T>(wire).unwrap(), v);
            }
        }
        check(&Role::ALL, |v| v.as_str());
        check(&TicketState::ALL, |v| v.as_str());
        check(&CounterState::ALL, |v| v.as_str());
        check(&[PrintStatus::Printed, PrintStatus::PrintFailed], |v| {
            v.as_str()
        });
        check(&RatingLevel::ALL, |v| v.as_str());
        check(&PortalStatus::ALL, |v| v.as_str());
        check(&Stage::ALL, |v| v.as_str());
        check(&Device::ALL, |v| v.as_str());
        check(&DeviceState::ALL, |v| v.as_str());
        check(&DeviceKind::ALL, |v| v.as_str());
        for kind in DeviceKind::ALL {
            assert_eq!(DeviceKind::parse(kind.as_str()), kind);
        }
        assert_eq!(DeviceKind::parse("paper_jam"), DeviceKind::Other);
    }

    #[test]
    fn an_unknown_error_code_reads_as_other() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"code":"brand_new","message_vi":"Mới","message_en":"New"}"#)
                .unwrap();
        assert_eq!(body.code, ErrorCode::Other);
        let known: ErrorCode = serde_json::from_str(r#""ticket_not_found""#).unwrap();
        assert_eq!(known.as_str(), "ticket_not_found");
    }
}
