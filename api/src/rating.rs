//! Citizen satisfaction ratings: one per ticket, after it was served.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;
use crate::queue::TicketState;
use crate::role::Role;

/// The scale: Rất hài lòng / Hài lòng / Không hài lòng.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    Unsatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 3] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Unsatisfied,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "Rất hài lòng",
            RatingLevel::Satisfied => "Hài lòng",
            RatingLevel::Unsatisfied => "Không hài lòng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "Very satisfied",
            RatingLevel::Satisfied => "Satisfied",
            RatingLevel::Unsatisfied => "Not satisfied",
        }
    }
}

/// A level with its words, for rating screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelInfo {
    pub code: RatingLevel,
    pub name_vi: String,
    pub name_en: String,
}

/// A reason a citizen may give with "Không hài lòng".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingReason {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// `GET /api/v1/ratings/options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingOptions {
    pub enabled: bool,
    pub levels: Vec<LevelInfo>,
    /// Offered with "Không hài lòng" only.
    pub reasons: Vec<RatingReason>,
}

impl RatingOptions {
    /// The three levels, best first, with `reasons` for "Không hài lòng".
    pub fn with_reasons(enabled: bool, reasons: Vec<RatingReason>) -> Self {
        Self {
            enabled,
            levels: RatingLevel::ALL
                .iter()
                .map(|l| LevelInfo {
                    code: *l,
                    name_vi: l.label_vi().to_owned(),
                    name_en: l.label_en().to_owned(),
                })
                .collect(),
            reasons,
        }
    }
}

/// A stored rating as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingView {
    pub id: i64,
    /// The ticket's id.
    pub ticket: i64,
    pub number: String,
    pub business_date: NaiveDate,
    pub dossier_code: Option<String>,
    pub counter: Option<u32>,
    /// Staff code of the officer who served the ticket.
    pub officer: Option<String>,
    pub officer_name: Option<String>,
    pub level: RatingLevel,
    pub level_vi: String,
    pub level_en: String,
    pub reasons: Vec<String>,
    /// Where the rating was given: the role of the device.
    pub channel: Role,
    pub rated_at: String,
}

/// The ticket part of a lookup: enough for "Phiếu A012 · Hộ tịch · Quầy 3".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatedTicket {
    pub id: i64,
    pub number: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub state: TicketState,
    pub counter: Option<u32>,
    pub officer_name: Option<String>,
    pub finished_at: Option<String>,
}

/// `GET /api/v1/ratings/lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingLookup {
    pub ticket: RatedTicket,
    /// Whether a rating would be accepted now.
    pub rateable: bool,
    /// Why not, when it would not (the error a rating would get).
    pub refusal: Option<Problem>,
    pub rating: Option<RatingView>,
}

/// How the caller names the ticket: by id (with the token of its QR code at
/// a kiosk) or by today's number typed by the citizen with the check code
/// printed beside it. Also the query of
/// `GET /api/v1/ratings/lookup`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Today's number, e.g. `A012`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// With `number` (kiosks and counters): the 4-digit check code printed
    /// on the ticket. A wrong or missing one answers like an unknown ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// `POST /api/v1/ratings` body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    #[serde(flatten)]
    pub selector: TicketSelector,
    pub level: RatingLevel,
    /// Reason codes, only with `unsatisfied`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}
