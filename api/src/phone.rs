//! The citizen's phone: what the ticket page (`/t/…`) and the dossier page
//! (`/d/…`) show, served by the office hub on its Wi-Fi and by the city
//! service at its public address, from the same renderer (crate
//! `motcua-phone`).
//!
//! A page is reached with the capability printed in the QR code, the
//! ticket's (or dossier's) lookup token `k`. The city never sees the token
//! itself: the hub federates [`lookup_hash`] of it, and the city compares
//! the hash of the `k` it is given.
//!
//! None of these types carries personal data: no names, ID numbers, phone
//! numbers or addresses — a number, a service, a queue position, a code, a
//! procedure and times.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::queue::TicketState;
use crate::rating::{RatingLevel, RatingOptions};

/// The ticket page's view, and the `data` of each `event: ticket` of its
/// stream (`/t/…/events`): the whole view every time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketPage {
    /// The office (receiving unit), e.g. `UBND phường Tràng Tiền`.
    pub unit_name: String,
    /// Display form, e.g. `A012`.
    pub number: String,
    /// The service's code.
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub state: TicketState,
    /// Waiting tickets of the same service ahead of this one (0 once called).
    pub people_ahead: u32,
    pub estimated_wait_minutes: u32,
    /// The counters that serve the ticket's service.
    pub counters: Vec<PhoneCounter>,
    /// The counter the ticket is called to (or served at).
    pub called_counter: Option<u32>,
    pub rating: PhoneRating,
}

/// A counter that serves the ticket's service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PhoneCounter {
    pub number: u32,
    /// The counter's name (`Quầy 3`), never an officer's.
    pub name: String,
    /// Open (or paused briefly) rather than closed.
    pub open: bool,
}

/// Where the rating of the ticket stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PhoneRating {
    /// The ticket is not finished yet.
    NotYet,
    /// The citizen may rate now: the levels and reasons to offer.
    Open { options: RatingOptions },
    /// Rated already.
    Done { level: RatingLevel },
    /// No rating any more (rating disabled, the ticket not served, or too
    /// late).
    Closed,
}

/// The dossier page's view, and the `data` of each `event: dossier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierPage {
    pub unit_name: String,
    /// Mã hồ sơ, `<unit>-YYMMDD-XXXX`.
    pub code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// Always the five steps, in order.
    pub steps: Vec<DossierStep>,
    /// RFC 3339 in the office's offset.
    pub due_at: Option<String>,
    pub collect_where_vi: String,
    pub collect_where_en: String,
    /// What to bring when collecting the result.
    pub bring_vi: Vec<String>,
    pub bring_en: Vec<String>,
    /// A training office's dossier: no legal effect.
    pub training: bool,
}

/// One step of the dossier's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierStep {
    pub kind: DossierStepKind,
    /// When it happened (RFC 3339), when known.
    pub at: Option<String>,
    pub done: bool,
}

/// The steps a citizen follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DossierStepKind {
    Received,
    SentToPortal,
    Processing,
    ResultReady,
    Collected,
}

impl DossierStepKind {
    pub const ALL: [DossierStepKind; 5] = [
        DossierStepKind::Received,
        DossierStepKind::SentToPortal,
        DossierStepKind::Processing,
        DossierStepKind::ResultReady,
        DossierStepKind::Collected,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DossierStepKind::Received => "received",
            DossierStepKind::SentToPortal => "sent_to_portal",
            DossierStepKind::Processing => "processing",
            DossierStepKind::ResultReady => "result_ready",
            DossierStepKind::Collected => "collected",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DossierStepKind::Received => "Đã tiếp nhận",
            DossierStepKind::SentToPortal => "Đã gửi lên Cổng dịch vụ công",
            DossierStepKind::Processing => "Đang xử lý",
            DossierStepKind::ResultReady => "Đã có kết quả",
            DossierStepKind::Collected => "Đã trả kết quả",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DossierStepKind::Received => "Received",
            DossierStepKind::SentToPortal => "Sent to the public service portal",
            DossierStepKind::Processing => "Processing",
            DossierStepKind::ResultReady => "Result ready",
            DossierStepKind::Collected => "Result collected",
        }
    }
}

/// `POST /t/…/rating?k=…` body, as JSON or as an HTML form
/// (`level=…&reasons=…&reasons=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneRate {
    pub level: RatingLevel,
    /// Reason codes, only with `unsatisfied`.
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// What the hub federates instead of a lookup token: the lowercase hex
/// SHA-256 of the token.
pub fn lookup_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            lookup_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn phone_rating_is_tagged_by_state() {
        let done = PhoneRating::Done {
            level: RatingLevel::Satisfied,
        };
        assert_eq!(
            serde_json::to_value(&done).unwrap(),
            serde_json::json!({"state": "done", "level": "satisfied"})
        );
        assert_eq!(
            serde_json::to_value(PhoneRating::NotYet).unwrap(),
            serde_json::json!({"state": "not_yet"})
        );
    }

    #[test]
    fn step_kinds_spell_the_same_in_code_and_on_the_wire() {
        for kind in DossierStepKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
