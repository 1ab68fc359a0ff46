//! The city service (`motcua-city`, `/city/v1`): what an office hub sends it
//! and what it answers, what it publishes to every hub, and the figures its
//! JSON API gives per unit.
//!
//! - Federation: a hub pushes its append-only event log in batches
//!   ([`IngestRequest`] → [`IngestResponse`]), in order, from the last id
//!   the city acknowledged. Each event travels as its kind and its payload
//!   ([`IngestEvent`]) and the city reads it back strictly
//!   ([`crate::HubEvent::from_parts_strict`]): a field outside the schema
//!   refuses the whole batch, so no personal data leaves an office this way.
//! - Shared data: the procedure catalogue ([`CatalogueRelease`]) and the
//!   working-day calendar ([`CalendarRelease`]), versioned, polled with
//!   ETag. Each hub says which versions it uses ([`ReleaseInUse`]).
//! - Figures: [`UnitSummary`] (one per unit, `GET /city/v1/units`) and
//!   [`UnitDetail`] with the day's [`UnitKpis`]
//!   (`GET /city/v1/units/{unit_code}`); the formulas are in
//!   `docs/CITY.md`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::devices::{DeviceKind, DeviceState};
use crate::error::ErrorCode;
use crate::filing::Procedure;
use crate::rating::RatingLevel;

/// Most events one ingest batch may carry.
pub const MAX_INGEST_BATCH: usize = 2000;

/// `POST /city/v1/ingest` body (bearer: the office's own token, which
/// names its unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestRequest {
    /// The sending office's unit code; it must be the unit of the token.
    pub unit_code: String,
    /// The id of the hub's event just before the first of `events` in its
    /// log (the city's last acknowledged id when the hub read the batch):
    /// the batch covers every event of the log in `(after_event_id,
    /// last id]`. `None` with no events asks only where the city stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_event_id: Option<i64>,
    /// In increasing id order, at most [`MAX_INGEST_BATCH`].
    pub events: Vec<IngestEvent>,
    /// How the hub is doing; every request (an empty one is a heartbeat)
    /// carries it.
    pub hub: HubReport,
}

/// One event of the hub's log as it crosses to the city: its id, its time,
/// its kind and its payload exactly as stored at the office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestEvent {
    pub id: i64,
    /// Milliseconds since the Unix epoch, at commit.
    pub at_ms: i64,
    /// The kind (`ticket.called`).
    pub event: String,
    /// The payload, as in the event stream's `data`.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// What the hub says about itself with each push.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HubReport {
    /// The motcua version of the hub.
    pub version: String,
    /// The office's name in its own configuration.
    pub office_name: String,
    /// The kiosks the office has (names of its kiosk tokens), so that a
    /// kiosk that never reported a fault still counts as available.
    #[serde(default)]
    pub kiosks: Vec<String>,
    /// Each kiosk the hub has heard from since it started: the motcua
    /// version the kiosk runs and when it last called the hub.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kiosks_seen: Vec<KioskSeen>,
    /// The procedure catalogue in use.
    pub catalogue: ReleaseInUse,
    /// The working-day calendar in use.
    pub calendar: ReleaseInUse,
}

/// A kiosk as its office hub last heard from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskSeen {
    /// The kiosk's name (its token's).
    pub kiosk: String,
    /// The motcua version the kiosk runs (from its `User-Agent`), when it
    /// said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When it last called the hub (RFC 3339, office local time).
    pub last_seen: String,
}

/// Where the data an office uses came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseSource {
    /// Shipped with motcua (no city release applied yet).
    #[default]
    Builtin,
    /// A city release (`version` names it).
    City,
    /// The office's own file (`filing.procedures`, `filing.calendar`).
    Local,
    /// The public service portal's catalogue.
    Portal,
}

impl ReleaseSource {
    pub const ALL: [ReleaseSource; 4] = [
        ReleaseSource::Builtin,
        ReleaseSource::City,
        ReleaseSource::Local,
        ReleaseSource::Portal,
    ];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseSource::Builtin => "builtin",
            ReleaseSource::City => "city",
            ReleaseSource::Local => "local",
            ReleaseSource::Portal => "portal",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The catalogue or calendar an office uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInUse {
    pub source: ReleaseSource,
    /// The office pinned what it uses: city releases are not applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    /// The city's release number, with `source = city`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The edition's own label (a catalogue's `version` text), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The newest city release the hub refused, and why (it keeps the one
    /// it had).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RefusedRelease>,
}

/// A city release a hub could not use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusedRelease {
    pub version: i64,
    pub reason: String,
}

/// `POST /city/v1/ingest` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IngestResponse {
    /// The highest id up to which the city holds every event of the unit:
    /// the hub sends from here next.
    pub last_event_id: i64,
    /// Events of this batch stored now (0 when it had been sent before).
    pub stored: u32,
}

/// `409 ingest_gap`: the batch starts after an event the city does not
/// have. Nothing was stored; send again from `last_event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IngestGap {
    pub code: ErrorCode,
    pub message_vi: String,
    pub message_en: String,
    pub last_event_id: i64,
}

/// `PUT /city/v1/units/{unit_code}` body (city role): registers a unit, or
/// renames it, and sets the token its hub pushes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRegistration {
    pub name: String,
    /// A district or any grouping the dashboard filters by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The office's bearer token for `POST /city/v1/ingest` (≥ 16
    /// characters). Kept as a digest.
    pub token: String,
}

/// One unit in `GET /city/v1/units`: today's figures (office local date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitSummary {
    pub unit_code: String,
    pub name: String,
    /// The highest event id the city holds every event up to.
    pub last_event_id: i64,
    /// When the hub was last heard from (RFC 3339, office offset), if ever.
    pub last_seen: Option<String>,
    pub tickets_issued: u32,
    /// Tickets of today waiting now.
    pub waiting: u32,
    pub dossiers_filed: u32,
    /// Kiosks whose printer is in fault now.
    pub kiosks_out_of_service: u32,
}

/// `GET /city/v1/units/{unit_code}`: the unit, its figures and what it
/// runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub summary: UnitSummary,
    pub group: Option<String>,
    /// The version of the unit's hub, from its last push.
    pub hub_version: Option<String>,
    /// Each kiosk's version and last call, from the hub's last push.
    #[serde(default)]
    pub kiosks_seen: Vec<KioskSeen>,
    pub catalogue: Option<ReleaseInUse>,
    pub calendar: Option<ReleaseInUse>,
    /// Today's figures.
    pub kpis: UnitKpis,
}

/// Query of `GET /city/v1/units/{unit_code}` and `GET /city/v1/kpis`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// The business date (default: today, office local).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// One unit's (or the whole city's) figures for one business date; the
/// formulas are in `docs/CITY.md`. A share is `None` when its denominator
/// is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnitKpis {
    pub date: NaiveDate,
    pub queue: QueueKpis,
    pub dossiers: DossierKpis,
    pub satisfaction: SatisfactionKpis,
    pub devices: DeviceKpis,
}

/// Queue figures (QĐ 766: part of timeliness, measured per office).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueKpis {
    pub tickets_issued: u32,
    /// Waiting now (today's tickets not yet called); for a past date, those
    /// never called.
    pub waiting: u32,
    pub served: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// Seconds from issue to call, nearest rank.
    pub wait_p50_seconds: Option<i64>,
    pub wait_p90_seconds: Option<i64>,
    /// Seconds from start (or call) to finish of served tickets.
    pub service_p50_seconds: Option<i64>,
    pub service_p90_seconds: Option<i64>,
    /// no-shows ÷ (served + no-shows).
    pub no_show_share: Option<f64>,
}

/// Dossier figures (QĐ 766: online service and timeliness).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DossierKpis {
    /// Filed this date, by any channel.
    pub filed: u32,
    /// Filed by the citizen at a kiosk (online filing).
    pub filed_at_kiosk: u32,
    /// Filed by an officer at a counter.
    pub filed_at_counter: u32,
    /// filed_at_kiosk ÷ filed.
    pub online_share: Option<f64>,
    /// Of those filed this date, acknowledged by the portal.
    pub delivered: u32,
    /// Results ready this date no later than their due time.
    pub results_on_time: u32,
    /// Results ready this date after their due time.
    pub results_late: u32,
    /// results_on_time ÷ (results_on_time + results_late).
    pub on_time_share: Option<f64>,
    /// Not yet acknowledged by the portal now (any date).
    pub outbox_backlog: u32,
    /// Seconds the oldest of them has waited.
    pub outbox_oldest_seconds: Option<i64>,
}

/// Satisfaction (QĐ 766: satisfaction).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionKpis {
    pub ratings: u32,
    pub levels: BTreeMap<RatingLevel, u32>,
    /// (very satisfied + satisfied) ÷ ratings.
    pub satisfied_share: Option<f64>,
    /// Reason code → ratings that gave it (with "Không hài lòng").
    pub reasons: BTreeMap<String, u32>,
}

/// Devices of the unit's kiosks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceKpis {
    pub kiosks: u32,
    pub kiosks_out_of_service: u32,
    /// Share of the date's office hours (summed over kiosks, up to now
    /// for today) with the printer not in fault.
    pub kiosk_availability: Option<f64>,
    /// Each kiosk's devices now.
    pub kiosk_states: Vec<KioskState>,
}

/// A kiosk and its devices' latest states at the city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskState {
    pub kiosk: String,
    pub out_of_service: bool,
    pub printer: Option<DeviceStatus>,
    pub scanner: Option<DeviceStatus>,
}

/// A device's latest state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceStatus {
    pub state: DeviceState,
    pub kind: Option<DeviceKind>,
    /// Since when (RFC 3339, office offset).
    pub since: String,
}

/// `GET /city/v1/kpis`: the whole city for one date, and each unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CityKpis {
    pub city: UnitKpis,
    pub units: Vec<UnitKpisRow>,
}

/// One unit's figures in [`CityKpis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnitKpisRow {
    pub unit_code: String,
    pub kpis: UnitKpis,
}

/// `GET /city/v1/catalogue`: a city release of the procedure catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRelease {
    /// The city's release number, increasing (also the ETag).
    pub version: i64,
    /// RFC 3339.
    pub published_at: String,
    /// The edition's own label (`version` of a catalogue file).
    pub label: String,
    pub procedures: Vec<Procedure>,
}

/// `GET /city/v1/calendar`: a city release of the working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarRelease {
    pub version: i64,
    /// RFC 3339.
    pub published_at: String,
    /// One entry per year, each replacing the year the hub had.
    pub years: Vec<CalendarYear>,
}

/// One year of the calendar: weekdays off and weekend days worked (the
/// format of the hub's `data/calendar/YYYY.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    #[serde(default)]
    pub holidays: Vec<CalendarDay>,
    #[serde(default)]
    pub working_days: Vec<CalendarDay>,
}

/// A named day of a calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub name_vi: String,
    #[serde(default)]
    pub name_en: String,
}

/// `POST /city/v1/catalogue` body (city role): publish a new release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishCatalogue {
    pub label: String,
    pub procedures: Vec<Procedure>,
}

/// `POST /city/v1/calendar` body (city role): publish a new release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishCalendar {
    pub years: Vec<CalendarYear>,
}

/// A live update of the city (`GET /city/v1/live`, Server-Sent Events
/// named `unit`): a unit's events were stored, or it was heard from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveUpdate {
    pub unit_code: String,
    pub last_event_id: i64,
    /// Events stored by that push (0 for a heartbeat).
    pub stored: u32,
}

/// A rating a citizen gave on the city's phone page
/// (`GET /city/v1/ratings/pending`, the office's token): the office's hub
/// records it as its own and acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingRating {
    /// The ticket's id at the office.
    pub ticket: i64,
    pub level: RatingLevel,
    pub reasons: Vec<String>,
    /// When the citizen rated (RFC 3339): the hub checks its rating window
    /// against this time, not against the time the relay arrives.
    pub rated_at: String,
}

/// `GET /city/v1/ratings/pending` answer: the office's ratings not yet
/// acknowledged, oldest first (at most a page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PendingRatings {
    pub ratings: Vec<PendingRating>,
}

/// `POST /city/v1/ratings/ack` body: the tickets whose ratings the office
/// holds now (recorded by the relay, or rated there already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingsAck {
    pub tickets: Vec<i64>,
}

/// `POST /city/v1/ratings/ack` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingsAcked {
    /// Ratings marked delivered by this acknowledgement.
    pub acked: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ingest_request_refuses_unknown_fields() {
        let ok = serde_json::json!({
            "unit_code": "H26.01",
            "after_event_id": 0,
            "events": [{"id": 1, "at_ms": 1, "event": "staff.signed_in", "data": {}}],
            "hub": {"version": "0.1.0", "office_name": "P", "kiosks": [],
                    "catalogue": {"source": "builtin"}, "calendar": {"source": "city", "version": 3}}
        });
        let read: IngestRequest = serde_json::from_value(ok.clone()).unwrap();
        assert_eq!(read.hub.calendar.version, Some(3));
        let mut planted = ok.clone();
        planted["events"][0]["citizen"] = "Nguyễn Văn An".into();
        assert!(serde_json::from_value::<IngestRequest>(planted).is_err());
        let mut planted = ok;
        planted["id_number"] = "001090012345".into();
        assert!(serde_json::from_value::<IngestRequest>(planted).is_err());
    }

    #[test]
    fn release_sources_spell_the_same_in_code_and_on_the_wire() {
        for s in ReleaseSource::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(ReleaseSource::parse(s.as_str()), Some(s));
        }
    }
}
