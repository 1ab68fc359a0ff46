//! The hub's events: what happened, in commit order, on the Server-Sent
//! Events stream `GET /api/v1/events` (and, stored, in the hub's append-only
//! log).
//!
//! [`HubEvent`] is one variant per event kind, each with its typed payload.
//! It is tagged the way the stream carries it: the kind (`ticket.called`) is
//! the SSE `event:` field, and the payload is the `data` member of the JSON
//! in the SSE `data:` field, beside the event's `id` and `at_ms`:
//!
//! ```text
//! id: 8
//! event: ticket.called
//! data: {"at_ms":1795658418000,"data":{"ticket":{…},"waiting":{"hotich":0}},"id":8}
//! ```
//!
//! so `{"event": kind, "data": payload}` is exactly a serialised
//! [`HubEvent`] ([`HubEvent::from_parts`], [`HubEvent::data`]), and
//! [`EventRecord`] adds the id and time. Payloads carry codes, numbers,
//! times, levels and officers' names — never a citizen's personal data
//! (the dossier events name the dossier by its code only).
//!
//! The data of every event has its keys in alphabetical order on the wire
//! ([`crate::wire`]); [`EventRecord::sse_data`] writes it so.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::devices::{Device, DeviceKind, DeviceState};
use crate::filing::PortalStatus;
use crate::queue::{CallView, CounterView, TicketView};
use crate::rating::RatingView;
use crate::staff::OfficerRef;

/// Something that happened at the hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", content = "data")]
pub enum HubEvent {
    /// A kiosk (or a counter) issued a ticket.
    #[serde(rename = "ticket.issued")]
    TicketIssued(TicketEvent),
    /// A counter called a ticket.
    #[serde(rename = "ticket.called")]
    TicketCalled(TicketEvent),
    /// A counter called its ticket again.
    #[serde(rename = "ticket.recalled")]
    TicketRecalled(TicketEvent),
    #[serde(rename = "ticket.started")]
    TicketStarted(TicketEvent),
    #[serde(rename = "ticket.finished")]
    TicketFinished(TicketEvent),
    #[serde(rename = "ticket.no_show")]
    TicketNoShow(TicketEvent),
    /// A counter sent its ticket to another service.
    #[serde(rename = "ticket.transferred")]
    TicketTransferred(TicketTransferred),
    #[serde(rename = "ticket.cancelled")]
    TicketCancelled(TicketEvent),
    /// The kiosk's printer printed the ticket.
    #[serde(rename = "ticket.printed")]
    TicketPrinted(TicketEvent),
    /// The kiosk's printer could not print the ticket (staff may reprint).
    #[serde(rename = "ticket.print_failed")]
    TicketPrintFailed(TicketEvent),
    /// A citizen rated the service of a ticket.
    #[serde(rename = "ticket.rated")]
    TicketRated(TicketRated),
    #[serde(rename = "counter.opened")]
    CounterOpened(CounterEvent),
    #[serde(rename = "counter.paused")]
    CounterPaused(CounterEvent),
    #[serde(rename = "counter.closed")]
    CounterClosed(CounterEvent),
    #[serde(rename = "staff.signed_in")]
    StaffSignedIn(StaffEvent),
    #[serde(rename = "staff.signed_out")]
    StaffSignedOut(StaffEvent),
    /// A dossier was filed (committed with its outbox row).
    #[serde(rename = "dossier.received")]
    DossierReceived(DossierReceived),
    /// The portal acknowledged a dossier.
    #[serde(rename = "dossier.sent")]
    DossierSent(DossierSent),
    /// The portal reported a new status (or refused the dossier).
    #[serde(rename = "dossier.status")]
    DossierStatus(DossierStatusChanged),
    /// A delivery attempt failed; the outbox will retry.
    #[serde(rename = "dossier.delivery_failed")]
    DossierDeliveryFailed(DossierDeliveryFailed),
    #[serde(rename = "device.fault")]
    DeviceFault(DeviceEvent),
    #[serde(rename = "device.warning")]
    DeviceWarning(DeviceEvent),
    #[serde(rename = "device.recovered")]
    DeviceRecovered(DeviceEvent),
    #[serde(rename = "support_bundle.received")]
    SupportBundleReceived(SupportBundleReceived),
    /// Stream only, never stored: the client asked to resume from an event
    /// too old to replay (or one the hub never gave); it should reload
    /// `GET /api/v1/queue` (and what else it shows) and carry on from
    /// `last_event_id`. On the wire its data is the payload itself, with no
    /// `id`/`at_ms` envelope.
    #[serde(rename = "resync")]
    Resync(Resync),
}

impl HubEvent {
    /// Every kind, as the stream spells it.
    pub const KINDS: [&'static str; 25] = [
        "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "ticket.no_show",
        "ticket.transferred",
        "ticket.cancelled",
        "ticket.printed",
        "ticket.print_failed",
        "ticket.rated",
        "counter.opened",
        "counter.paused",
        "counter.closed",
        "staff.signed_in",
        "staff.signed_out",
        "dossier.received",
        "dossier.sent",
        "dossier.status",
        "dossier.delivery_failed",
        "device.fault",
        "device.warning",
        "device.recovered",
        "support_bundle.received",
        "resync",
    ];

    /// The kind, as the stream spells it (`ticket.called`).
    pub fn kind(&self) -> &'static str {
        match self {
            HubEvent::TicketIssued(_) => "ticket.issued",
            HubEvent::TicketCalled(_) => "ticket.called",
            HubEvent::TicketRecalled(_) => "ticket.recalled",
            HubEvent::TicketStarted(_) => "ticket.started",
            HubEvent::TicketFinished(_) => "ticket.finished",
            HubEvent::TicketNoShow(_) => "ticket.no_show",
            HubEvent::TicketTransferred(_) => "ticket.transferred",
            HubEvent::TicketCancelled(_) => "ticket.cancelled",
            HubEvent::TicketPrinted(_) => "ticket.printed",
            HubEvent::TicketPrintFailed(_) => "ticket.print_failed",
            HubEvent::TicketRated(_) => "ticket.rated",
            HubEvent::CounterOpened(_) => "counter.opened",
            HubEvent::CounterPaused(_) => "counter.paused",
            HubEvent::CounterClosed(_) => "counter.closed",
            HubEvent::StaffSignedIn(_) => "staff.signed_in",
            HubEvent::StaffSignedOut(_) => "staff.signed_out",
            HubEvent::DossierReceived(_) => "dossier.received",
            HubEvent::DossierSent(_) => "dossier.sent",
            HubEvent::DossierStatus(_) => "dossier.status",
            HubEvent::DossierDeliveryFailed(_) => "dossier.delivery_failed",
            HubEvent::DeviceFault(_) => "device.fault",
            HubEvent::DeviceWarning(_) => "device.warning",
            HubEvent::DeviceRecovered(_) => "device.recovered",
            HubEvent::SupportBundleReceived(_) => "support_bundle.received",
            HubEvent::Resync(_) => "resync",
        }
    }

    /// The event of `kind` whose payload is `data`.
    pub fn from_parts(kind: &str, data: Value) -> serde_json::Result<Self> {
        serde_json::from_value(serde_json::json!({ "event": kind, "data": data }))
    }

    /// Like [`HubEvent::from_parts`], but refuses a payload with anything
    /// the schema does not have (an unknown field, a personal detail added
    /// by a modified hub): the payload must read back exactly as given.
    pub fn from_parts_strict(kind: &str, data: Value) -> Result<Self, StrictEventError> {
        let event = Self::from_parts(kind, data.clone()).map_err(|e| StrictEventError {
            kind: kind.to_owned(),
            reason: e.to_string(),
        })?;
        let back = event.data();
        if back != data {
            return Err(StrictEventError {
                kind: kind.to_owned(),
                reason: format!("fields outside the schema: {}", extra_fields(&data, &back)),
            });
        }
        Ok(event)
    }

    /// The payload as a JSON value (the `data` of the stream's frame).
    pub fn data(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => map.remove("data").unwrap_or(Value::Null),
            // Every payload is a struct of plain data: serialising it cannot
            // fail, and an adjacently tagged enum is always an object.
            _ => Value::Null,
        }
    }

    /// The ticket a `ticket.*` event is about (for `ticket.rated`, none:
    /// the rating names it).
    pub fn ticket(&self) -> Option<&TicketView> {
        self.ticket_and_waiting().map(|(t, _)| t)
    }

    /// The waiting counts a `ticket.*` event carries, by service code.
    pub fn waiting(&self) -> Option<&BTreeMap<String, u32>> {
        self.ticket_and_waiting().map(|(_, w)| w)
    }

    fn ticket_and_waiting(&self) -> Option<(&TicketView, &BTreeMap<String, u32>)> {
        match self {
            HubEvent::TicketIssued(e)
            | HubEvent::TicketCalled(e)
            | HubEvent::TicketRecalled(e)
            | HubEvent::TicketStarted(e)
            | HubEvent::TicketFinished(e)
            | HubEvent::TicketNoShow(e)
            | HubEvent::TicketCancelled(e)
            | HubEvent::TicketPrinted(e)
            | HubEvent::TicketPrintFailed(e) => Some((&e.ticket, &e.waiting)),
            HubEvent::TicketTransferred(e) => Some((&e.ticket, &e.waiting)),
            _ => None,
        }
    }

    /// The kind and the payload, as the hub stores them.
    pub fn into_parts(self) -> (&'static str, Value) {
        (self.kind(), self.data())
    }
}

impl CallView {
    /// The call an event announces, if it is a call (or recall) of a ticket
    /// to a counter: the event's id and its time as the caller writes it.
    pub fn from_event(event_id: i64, at: String, event: &HubEvent) -> Option<Self> {
        let (called, recall) = match event {
            HubEvent::TicketCalled(e) => (e, false),
            HubEvent::TicketRecalled(e) => (e, true),
            _ => return None,
        };
        let t = &called.ticket;
        Some(Self {
            event_id,
            at,
            ticket_id: t.id,
            number: t.number.clone(),
            counter: t.counter?,
            service: t.service.clone(),
            service_name_vi: t.service_name_vi.clone(),
            service_name_en: t.service_name_en.clone(),
            recall,
            recall_count: t.recall_count,
        })
    }
}

/// A payload with fields outside the schema, or not of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictEventError {
    pub kind: String,
    pub reason: String,
}

impl fmt::Display for StrictEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {}: {}", self.kind, self.reason)
    }
}

impl std::error::Error for StrictEventError {}

/// The paths (`ticket.colour`) present in `given` and not in `kept`.
fn extra_fields(given: &Value, kept: &Value) -> String {
    fn walk(given: &Value, kept: &Value, at: &str, out: &mut Vec<String>) {
        match (given, kept) {
            (Value::Object(g), Value::Object(k)) => {
                for (key, value) in g {
                    let path = if at.is_empty() {
                        key.clone()
                    } else {
                        format!("{at}.{key}")
                    };
                    match k.get(key) {
                        Some(kv) => walk(value, kv, &path, out),
                        None => out.push(path),
                    }
                }
            }
            (Value::Array(g), Value::Array(k)) => {
                for (i, (gv, kv)) in g.iter().zip(k).enumerate() {
                    walk(gv, kv, &format!("{at}[{i}]"), out);
                }
            }
            (g, k) if g != k => out.push(format!("{at} (changed)")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(given, kept, "", &mut out);
    out.join(", ")
}

/// A ticket changed (issued, called, served, printed…): the ticket as it is
/// now (without its lookup token) and the waiting count of its service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketEvent {
    /// The signed-in officer who acted (counter actions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<OfficerRef>,
    pub ticket: TicketView,
    /// Waiting tickets per service code, for the services concerned.
    pub waiting: BTreeMap<String, u32>,
    /// `ticket.issued` only: [`crate::phone::lookup_hash`] of the ticket's
    /// lookup token, so the city can check a phone page's `k` without ever
    /// holding the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_hash: Option<String>,
}

/// `ticket.transferred`: the ticket in its new service, where it came from,
/// and the waiting counts of both services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketTransferred {
    pub from_counter: u32,
    pub from_service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<OfficerRef>,
    pub ticket: TicketView,
    pub waiting: BTreeMap<String, u32>,
}

/// `ticket.rated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketRated {
    pub rating: RatingView,
}

/// A counter opened, paused or closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CounterEvent {
    pub counter: CounterView,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<OfficerRef>,
}

/// An officer signed in or out at a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffEvent {
    pub counter: u32,
    pub officer: OfficerRef,
}

/// `dossier.received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierReceived {
    pub code: String,
    pub due_at: String,
    pub portal_status: PortalStatus,
    /// The procedure's national code.
    pub procedure: String,
    pub received_at: String,
    /// The number of the queue ticket issued with it, if any.
    pub ticket: Option<String>,
    /// Who filed it: a citizen at a kiosk (online filing) or an officer at
    /// a counter. Absent from hubs older than the city service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<crate::role::Role>,
    /// [`crate::phone::lookup_hash`] of the dossier's lookup token (the
    /// receipt's QR), for the city's dossier page. Absent from hubs older
    /// than the phone pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_hash: Option<String>,
}

/// `dossier.sent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierSent {
    pub code: String,
    pub portal_reference: String,
    pub portal_status: PortalStatus,
}

/// `dossier.status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierStatusChanged {
    pub code: String,
    /// The portal's refusal, when it refused the dossier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub portal_status: PortalStatus,
    pub previous: PortalStatus,
}

/// `dossier.delivery_failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DossierDeliveryFailed {
    pub attempts: u32,
    pub code: String,
    pub error: String,
}

/// A kiosk's device changed state: `device.fault`, `device.warning`,
/// `device.recovered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceEvent {
    pub device: Device,
    pub kind: Option<DeviceKind>,
    pub kiosk: String,
    pub message_en: String,
    pub message_vi: String,
    /// The kiosk's printer is in fault: no tickets or receipts there.
    pub out_of_service: bool,
    pub previous_kind: Option<DeviceKind>,
    pub previous_state: Option<DeviceState>,
    pub state: DeviceState,
}

/// `support_bundle.received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SupportBundleReceived {
    /// The name of the token that uploaded it.
    pub from: String,
    pub name: String,
    pub size_bytes: u64,
}

/// `resync`: reload, then carry on from `last_event_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Resync {
    pub last_event_id: i64,
}

/// An event with its id in the hub's log and its time: a row of the log,
/// and what a stored event's SSE frame carries.
///
/// As JSON (`serde`): `{"id", "at_ms", "event", "data"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventRecord {
    /// Increasing, never reused: the stream's `id:` and `Last-Event-ID`.
    pub id: i64,
    /// Milliseconds since the Unix epoch, at commit.
    pub at_ms: i64,
    #[serde(flatten)]
    pub event: HubEvent,
}

/// The JSON in a stored event's SSE `data:` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventFrame {
    pub at_ms: i64,
    /// The payload of the event named by the SSE `event:` field.
    #[schema(value_type = Object)]
    pub data: Value,
    pub id: i64,
}

impl EventRecord {
    /// The SSE `data:` field of this event, byte for byte as the hub sends
    /// it: `{"at_ms":…,"data":{…},"id":…}`, keys in alphabetical order.
    pub fn sse_data(&self) -> String {
        EventFrame {
            at_ms: self.at_ms,
            data: self.event.data(),
            id: self.id,
        }
        .to_sse_data()
    }

    /// Reads a stored event's SSE frame: the `event:` field and the `data:`
    /// field. (A `resync` has no frame: see [`StreamEvent::parse`].)
    pub fn from_sse(kind: &str, data: &str) -> serde_json::Result<Self> {
        let frame: EventFrame = serde_json::from_str(data)?;
        Ok(Self {
            id: frame.id,
            at_ms: frame.at_ms,
            event: HubEvent::from_parts(kind, frame.data)?,
        })
    }
}

impl EventFrame {
    /// The frame as the hub writes it (keys in alphabetical order).
    pub fn to_sse_data(&self) -> String {
        crate::wire::sorted_json(self).unwrap_or_default()
    }
}

/// `GET /api/v1/events` query, for clients that cannot send the
/// `Last-Event-ID` header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventsQuery {
    /// Resume after this event (the header wins when both are given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_id: Option<i64>,
}

/// One event as a stream client reads it: a stored event, or a `resync`
/// (which has no time of its own).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// The SSE `id:`: the event's id, or for `resync` the id to carry on
    /// from.
    pub id: Option<i64>,
    /// When a stored event was committed.
    pub at_ms: Option<i64>,
    pub event: HubEvent,
}

impl StreamEvent {
    /// Reads one SSE message: its `event:` (kind) and `data:` fields.
    pub fn parse(kind: &str, data: &str) -> serde_json::Result<Self> {
        if kind == "resync" {
            let resync: Resync = serde_json::from_str(data)?;
            return Ok(Self {
                id: Some(resync.last_event_id),
                at_ms: None,
                event: HubEvent::Resync(resync),
            });
        }
        let record = EventRecord::from_sse(kind, data)?;
        Ok(Self {
            id: Some(record.id),
            at_ms: Some(record.at_ms),
            event: record.event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in() -> Value {
        serde_json::json!({ "counter": 2, "officer": { "code": "cb01", "name": "Nguyễn Thị Lan" } })
    }

    #[test]
    fn an_event_is_its_kind_and_its_payload() {
        let event = HubEvent::from_parts("staff.signed_in", signed_in()).unwrap();
        assert_eq!(
            event,
            HubEvent::StaffSignedIn(StaffEvent {
                counter: 2,
                officer: OfficerRef {
                    code: "cb01".into(),
                    name: "Nguyễn Thị Lan".into()
                }
            })
        );
        assert_eq!(event.kind(), "staff.signed_in");
        assert_eq!(event.clone().into_parts(), ("staff.signed_in", signed_in()));
        assert!(HubEvent::from_parts("staff.sang", signed_in()).is_err());
        assert!(HubEvent::from_parts("staff.signed_out", serde_json::json!({})).is_err());
    }

    #[test]
    fn a_record_carries_id_and_time_beside_the_tagged_event() {
        let record = EventRecord {
            id: 7,
            at_ms: 1_795_658_400_000,
            event: HubEvent::from_parts("staff.signed_in", signed_in()).unwrap(),
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["event"], "staff.signed_in");
        assert_eq!(json["data"], signed_in());
        assert_eq!(json["id"], 7);
        assert_eq!(serde_json::from_value::<EventRecord>(json).unwrap(), record);
        assert_eq!(
            record.sse_data(),
            r#"{"at_ms":1795658400000,"data":{"counter":2,"officer":{"code":"cb01","name":"Nguyễn Thị Lan"}},"id":7}"#
        );
        let read = StreamEvent::parse("staff.signed_in", &record.sse_data()).unwrap();
        assert_eq!((read.id, read.at_ms), (Some(7), Some(1_795_658_400_000)));
        assert_eq!(read.event, record.event);
    }

    #[test]
    fn resync_has_no_envelope() {
        let read = StreamEvent::parse("resync", r#"{"last_event_id":42}"#).unwrap();
        assert_eq!(read.id, Some(42));
        assert_eq!(read.at_ms, None);
        assert_eq!(read.event, HubEvent::Resync(Resync { last_event_id: 42 }));
    }

    /// What the city relies on to keep personal data from leaving an
    /// office: a payload with one field too many is refused, and named.
    #[test]
    fn strict_reading_refuses_a_planted_field() {
        HubEvent::from_parts_strict("staff.signed_in", signed_in()).unwrap();
        let mut planted = signed_in();
        planted["officer"]["id_number"] = "001090012345".into();
        planted["citizen"] = "Nguyễn Văn An".into();
        let err = HubEvent::from_parts_strict("staff.signed_in", planted).unwrap_err();
        assert_eq!(err.kind, "staff.signed_in");
        assert!(err.reason.contains("citizen"), "{err}");
        assert!(err.reason.contains("officer.id_number"), "{err}");
    }

    #[test]
    fn kinds_are_distinct() {
        let mut kinds = HubEvent::KINDS.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), HubEvent::KINDS.len());
    }
}
