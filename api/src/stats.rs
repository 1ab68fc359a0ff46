//! A day's figures per service, per counter and per officer:
//! `GET /api/v1/stats` (and `motcua report`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Issued, served, no-shows and times: one row of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub issued: u32,
    pub served: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Seconds from issue to first call.
    pub wait_p50_seconds: Option<i64>,
    pub wait_p90_seconds: Option<i64>,
    /// Seconds from start (or call) to finish.
    pub service_p50_seconds: Option<i64>,
    pub service_p90_seconds: Option<i64>,
}

/// The figures of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceFigures {
    pub service: String,
    pub name_vi: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures of one counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CounterFigures {
    pub counter: u32,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Ratings counted per level (and reasons given with "Không hài lòng").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingFigures {
    pub very_satisfied: u32,
    pub satisfied: u32,
    pub unsatisfied: u32,
    pub total: u32,
    /// Reason code → how many ratings gave it.
    pub reasons: BTreeMap<String, u32>,
}

/// The ratings of one counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CounterRatings {
    pub counter: u32,
    #[serde(flatten)]
    pub figures: RatingFigures,
}

/// The ratings of one officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficerRatings {
    /// Staff code.
    pub officer: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: RatingFigures,
}

/// Ratings of the tickets of one business date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DayRatings {
    /// Every configured counter, rated or not.
    pub counters: Vec<CounterRatings>,
    /// Officers with at least one rating; ratings of work done without a
    /// signed-in officer are under counters only.
    pub officers: Vec<OfficerRatings>,
    pub total: RatingFigures,
}

/// `GET /api/v1/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DayStats {
    pub date: NaiveDate,
    pub services: Vec<ServiceFigures>,
    pub counters: Vec<CounterFigures>,
    pub total: Figures,
    #[serde(default)]
    pub ratings: DayRatings,
}

/// `GET /api/v1/stats` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatsQuery {
    /// The business date (`YYYY-MM-DD`); default today in the office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}
