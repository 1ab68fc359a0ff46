//! Federation, office → city: `POST /city/v1/ingest`.
//!
//! A hub pushes its append-only event log in batches, in order, from the
//! last id the city acknowledged. Three steps, the first two pure:
//!
//! 1. [`check`]: every event is read back strictly as its typed
//!    [`HubEvent`] ([`HubEvent::from_parts_strict`]) — a field outside the
//!    schema (a citizen's name or ID number planted by a modified hub)
//!    refuses the whole batch with `422 event_outside_schema`, before
//!    anything is written. Ids must increase and follow `after_event_id`.
//! 2. [`project`]: the batch's effect on the projections the figures are
//!    computed from — one row per ticket (its latest state, with times in
//!    milliseconds from the events that set them), dossier, rating, kiosk
//!    device, kiosk outage and counter.
//! 3. [`store::ingest`]: one transaction per batch, serialised per unit on
//!    its `units` row. Events at or below the unit's watermark
//!    (`last_event_id`) are dropped — a batch sent twice stores nothing
//!    new —, the rest are copied into the log and projected, the watermark
//!    moves to the batch's last id, and a notification on the live channel
//!    is committed with it. The answer is the new watermark: the highest id
//!    up to which the city holds every event.

pub mod store;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;
use motcua_api::{
    DeviceEvent, HubEvent, HubReport, IngestRequest, PortalStatus, TicketView, MAX_INGEST_BATCH,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// One event that passed [`check`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedEvent {
    pub id: i64,
    pub at_ms: i64,
    /// Office-local date of `at_ms` (the log's partition key).
    pub day: NaiveDate,
    pub kind: &'static str,
    /// The payload as the hub sent it (JSON text equal to `event`'s, by
    /// the check), stored verbatim.
    pub data: String,
    pub event: HubEvent,
}

/// A batch that passed [`check`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedBatch {
    pub unit_code: String,
    pub after: Option<i64>,
    pub events: Vec<CheckedEvent>,
    pub hub: HubReport,
}

/// Why a batch was refused. Nothing of a refused batch is stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the body is not JSON: {0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(String),
    #[error("event {id} ({kind}): {reason}")]
    OutsideSchema {
        id: i64,
        kind: String,
        reason: String,
    },
    #[error("event {id}: ids must increase and follow after_event_id {after}")]
    Order { id: i64, after: i64 },
    #[error("a batch with events names after_event_id")]
    MissingAfter,
    #[error("{0} events in one batch; at most {MAX_INGEST_BATCH}")]
    TooMany(usize),
    #[error("the batch starts after event {after}, but the city holds events up to {last_event_id} only")]
    Gap { after: i64, last_event_id: i64 },
    #[error("no unit has this token")]
    Unauthorized,
    #[error("the token is unit {token_unit}'s, the batch names {named}")]
    WrongUnit { token_unit: String, named: String },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<tokio_postgres::Error> for IngestError {
    fn from(e: tokio_postgres::Error) -> Self {
        IngestError::Db(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for IngestError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        IngestError::Db(e.into())
    }
}

/// The office-local date of a time in ms.
pub fn local_day(at_ms: i64, tz: Tz) -> NaiveDate {
    match tz.timestamp_millis_opt(at_ms) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.date_naive(),
        chrono::LocalResult::None => DateTime::UNIX_EPOCH.date_naive(),
    }
}

/// [`IngestRequest`] as read off the wire: the same fields, with each
/// payload kept as its JSON text (a test keeps the two in step).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRequest<'a> {
    unit_code: String,
    #[serde(default)]
    after_event_id: Option<i64>,
    #[serde(borrow)]
    events: Vec<WireEvent<'a>>,
    hub: HubReport,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEvent<'a> {
    id: i64,
    at_ms: i64,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// Reads a typed request (tests, and callers holding one); the server
/// reads bytes with [`check_body`].
pub fn check(req: IngestRequest, tz: Tz) -> Result<CheckedBatch, IngestError> {
    let body = serde_json::to_vec(&req).map_err(|e| IngestError::Invalid(e.to_string()))?;
    check_body(&body, tz)
}

/// Reads and checks a `POST /city/v1/ingest` body; see the module doc.
///
/// Each payload is parsed once, straight into its typed event, then
/// written back in the hub's own form (keys in alphabetical order,
/// compact): a hub's payload is byte for byte that, so the check is a
/// string comparison. Anything else — another key order, extra spaces,
/// or a field the schema does not have — is compared as JSON trees, which
/// names the fields outside the schema.
pub fn check_body(body: &[u8], tz: Tz) -> Result<CheckedBatch, IngestError> {
    let req: WireRequest<'_> = serde_json::from_slice(body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            IngestError::Malformed(e.to_string())
        } else {
            IngestError::Invalid(e.to_string())
        }
    })?;
    if req.events.len() > MAX_INGEST_BATCH {
        return Err(IngestError::TooMany(req.events.len()));
    }
    let after = match (req.after_event_id, req.events.is_empty()) {
        (None, false) => return Err(IngestError::MissingAfter),
        (after, _) => after,
    };
    let mut previous = after.unwrap_or(0);
    let mut events = Vec::with_capacity(req.events.len());
    for e in req.events {
        if e.id <= previous {
            return Err(IngestError::Order {
                id: e.id,
                after: previous,
            });
        }
        previous = e.id;
        let outside = |reason: String| IngestError::OutsideSchema {
            id: e.id,
            kind: e.event.to_string(),
            reason,
        };
        if e.event == "resync" {
            return Err(outside(
                "resync is a stream message, never a stored event".into(),
            ));
        }
        let raw = e.data.get();
        let tagged = format!(
            "{{\"event\":{},\"data\":{raw}}}",
            serde_json::to_string(&e.event).map_err(|err| outside(err.to_string()))?
        );
        let event: HubEvent =
            serde_json::from_str(&tagged).map_err(|err| outside(err.to_string()))?;
        // The hub's form of the typed payload (a `Value` prints its keys
        // in order, compactly).
        let canonical = event.data().to_string();
        if canonical != raw {
            // Not the hub's own form: compare as trees (names the extras).
            let given: Value = serde_json::from_str(raw).map_err(|err| outside(err.to_string()))?;
            HubEvent::from_parts_strict(&e.event, given).map_err(|err| outside(err.reason))?;
        }
        events.push(CheckedEvent {
            id: e.id,
            at_ms: e.at_ms,
            day: local_day(e.at_ms, tz),
            kind: event.kind(),
            data: raw.to_owned(),
            event,
        });
    }
    Ok(CheckedBatch {
        unit_code: req.unit_code,
        after,
        events,
        hub: req.hub,
    })
}

/// What a ticket time does in one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeOp {
    /// Left as it was (the event does not set it).
    Keep,
    Clear,
    Set(i64),
}

/// A ticket's row after a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub business_date: NaiveDate,
    pub ticket_id: i64,
    pub number: String,
    pub service: String,
    pub priority: Option<String>,
    pub state: String,
    pub counter: Option<i32>,
    /// issued, called, started, finished (ms).
    pub times: [Option<i64>; 4],
    /// Bit `1 << i` set: time `i` is unchanged by this batch (the value in
    /// `times` is only the view's whole second, for a row never seen).
    pub keep_mask: i16,
    pub dossier_code: Option<String>,
    pub print_status: Option<String>,
    pub last_event_id: i64,
    /// SHA-256 (hex) of the ticket's lookup token, from `ticket.issued`
    /// (the phone page's capability); `None` leaves the stored one.
    pub lookup_hash: Option<String>,
    pub service_name_vi: String,
    pub service_name_en: String,
}

/// A dossier's changes in a batch; `None` leaves a column as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DossierRow {
    pub code: String,
    pub business_date: Option<NaiveDate>,
    pub procedure: Option<String>,
    pub channel: Option<String>,
    pub received_ms: Option<i64>,
    pub due_ms: Option<i64>,
    pub sent_ms: Option<i64>,
    pub result_ms: Option<i64>,
    /// First time the portal said it was processing (or beyond).
    pub processing_ms: Option<i64>,
    pub status: Option<String>,
    /// Failed deliveries in this batch (added to the count).
    pub delivery_failures: i32,
    pub last_event_id: i64,
    /// SHA-256 (hex) of the dossier's lookup token (`dossier.received`).
    pub lookup_hash: Option<String>,
}

/// A rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub ticket_id: i64,
    pub business_date: NaiveDate,
    pub level: String,
    pub reasons: Vec<String>,
    pub counter: Option<i32>,
    pub officer: Option<String>,
    pub channel: String,
    pub rated_ms: i64,
}

/// A kiosk device's latest state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub kiosk: String,
    pub device: String,
    pub state: String,
    pub kind: Option<String>,
    pub since_ms: i64,
}

/// A kiosk going out of service (its printer in fault) or back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutageChange {
    pub kiosk: String,
    pub out_of_service: bool,
    pub at_ms: i64,
    pub kind: Option<String>,
}

/// A counter's changes; `None` leaves a column as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterRow {
    pub counter: i32,
    pub name: Option<String>,
    pub state: Option<String>,
    pub services: Option<Vec<String>>,
    /// `Some(None)`: the officer signed out.
    pub officer: Option<Option<(String, String)>>,
    pub updated_ms: i64,
}

/// The effect of a batch on the projections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    pub tickets: Vec<TicketRow>,
    pub dossiers: Vec<DossierRow>,
    pub ratings: Vec<RatingRow>,
    pub devices: Vec<DeviceRow>,
    pub outages: Vec<OutageChange>,
    pub counters: Vec<CounterRow>,
    /// Business dates and event dates the batch touched (their rollups
    /// must be recomputed if they are closed).
    pub days: BTreeSet<NaiveDate>,
}

/// Which ticket time (issued, called, started, finished) an event kind
/// sets, as the hub does.
fn sets_time(kind: &str) -> Option<usize> {
    match kind {
        "ticket.issued" => Some(0),
        "ticket.called" => Some(1),
        "ticket.started" => Some(2),
        "ticket.finished" | "ticket.no_show" | "ticket.cancelled" => Some(3),
        _ => None,
    }
}

/// RFC 3339 → ms since the epoch.
fn rfc3339_ms(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The office-local date written in an RFC 3339 time (its own offset).
fn rfc3339_day(text: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.date_naive())
}

struct TicketAcc {
    row: TicketRow,
    ops: [TimeOp; 4],
    view_times: [Option<i64>; 4],
}

impl TicketAcc {
    fn apply(&mut self, view: &TicketView, kind: &str, at_ms: i64, event_id: i64) {
        let r = &mut self.row;
        r.number.clone_from(&view.number);
        r.service.clone_from(&view.service);
        r.priority.clone_from(&view.priority);
        r.state = view.state.as_str().to_owned();
        r.counter = view.counter.map(|c| c as i32);
        if view.dossier_code.is_some() {
            r.dossier_code.clone_from(&view.dossier_code);
        }
        r.print_status = view.print_status.map(|p| p.as_str().to_owned());
        r.last_event_id = event_id;
        r.service_name_vi.clone_from(&view.service_name_vi);
        r.service_name_en.clone_from(&view.service_name_en);
        let fields = [
            Some(&view.issued_at),
            view.called_at.as_ref(),
            view.started_at.as_ref(),
            view.finished_at.as_ref(),
        ];
        let setter = sets_time(kind);
        for (i, field) in fields.into_iter().enumerate() {
            self.view_times[i] = field.and_then(|t| rfc3339_ms(t));
            self.ops[i] = match field {
                None => TimeOp::Clear,
                Some(_) if setter == Some(i) => TimeOp::Set(at_ms),
                Some(_) => match self.ops[i] {
                    // Cleared earlier in the batch and set again without
                    // its event (not something the hub does): the view's.
                    TimeOp::Clear => TimeOp::Set(self.view_times[i].unwrap_or(at_ms)),
                    op => op,
                },
            };
        }
    }

    fn finish(mut self) -> TicketRow {
        let mut mask = 0i16;
        for i in 0..4 {
            self.row.times[i] = match self.ops[i] {
                TimeOp::Set(ms) => Some(ms),
                TimeOp::Clear => None,
                TimeOp::Keep => {
                    mask |= 1 << i;
                    self.view_times[i]
                }
            };
        }
        self.row.keep_mask = mask;
        self.row
    }
}

/// The effect of `events` (in id order) on the projections; see the
/// module doc.
pub fn project<'a>(events: impl IntoIterator<Item = &'a CheckedEvent>) -> Projection {
    let mut tickets: BTreeMap<(NaiveDate, i64), TicketAcc> = BTreeMap::new();
    let mut dossiers: BTreeMap<String, DossierRow> = BTreeMap::new();
    let mut devices: BTreeMap<(String, String), DeviceRow> = BTreeMap::new();
    let mut counters: BTreeMap<i32, CounterRow> = BTreeMap::new();
    let mut out = Projection::default();
    for e in events {
        out.days.insert(e.day);
        let mut ticket = |view: &TicketView, lookup_hash: Option<&String>| {
            let acc = tickets
                .entry((view.business_date, view.id))
                .or_insert_with(|| TicketAcc {
                    row: TicketRow {
                        business_date: view.business_date,
                        ticket_id: view.id,
                        number: String::new(),
                        service: String::new(),
                        priority: None,
                        state: String::new(),
                        counter: None,
                        times: [None; 4],
                        keep_mask: 0,
                        dossier_code: None,
                        print_status: None,
                        last_event_id: 0,
                        lookup_hash: None,
                        service_name_vi: String::new(),
                        service_name_en: String::new(),
                    },
                    ops: [TimeOp::Keep; 4],
                    view_times: [None; 4],
                });
            acc.apply(view, e.kind, e.at_ms, e.id);
            if let Some(hash) = lookup_hash {
                acc.row.lookup_hash = Some(hash.clone());
            }
        };
        match &e.event {
            HubEvent::TicketIssued(t) => ticket(&t.ticket, t.lookup_hash.as_ref()),
            HubEvent::TicketCalled(t)
            | HubEvent::TicketRecalled(t)
            | HubEvent::TicketStarted(t)
            | HubEvent::TicketFinished(t)
            | HubEvent::TicketNoShow(t)
            | HubEvent::TicketCancelled(t)
            | HubEvent::TicketPrinted(t)
            | HubEvent::TicketPrintFailed(t) => ticket(&t.ticket, None),
            HubEvent::TicketTransferred(t) => ticket(&t.ticket, None),
            HubEvent::TicketRated(r) => {
                let r = &r.rating;
                out.ratings.push(RatingRow {
                    ticket_id: r.ticket,
                    business_date: r.business_date,
                    level: r.level.as_str().to_owned(),
                    reasons: r.reasons.clone(),
                    counter: r.counter.map(|c| c as i32),
                    officer: r.officer.clone(),
                    channel: r.channel.as_str().to_owned(),
                    rated_ms: e.at_ms,
                });
            }
            HubEvent::CounterOpened(c)
            | HubEvent::CounterPaused(c)
            | HubEvent::CounterClosed(c) => {
                let row = counters.entry(c.counter.number as i32).or_default();
                row.counter = c.counter.number as i32;
                row.name = Some(c.counter.name.clone());
                row.state = Some(c.counter.state.as_str().to_owned());
                row.services = Some(c.counter.services.clone());
                row.updated_ms = e.at_ms;
            }
            HubEvent::StaffSignedIn(s) | HubEvent::StaffSignedOut(s) => {
                let row = counters.entry(s.counter as i32).or_default();
                row.counter = s.counter as i32;
                row.officer = Some(match e.event {
                    HubEvent::StaffSignedIn(_) => {
                        Some((s.officer.code.clone(), s.officer.name.clone()))
                    }
                    _ => None,
                });
                row.updated_ms = e.at_ms;
            }
            HubEvent::DossierReceived(d) => {
                let row = dossier(&mut dossiers, &d.code, e.id);
                row.business_date = rfc3339_day(&d.received_at).or(Some(e.day));
                row.procedure = Some(d.procedure.clone());
                row.channel = d.channel.map(|c| c.as_str().to_owned());
                row.received_ms = Some(e.at_ms);
                row.due_ms = rfc3339_ms(&d.due_at);
                row.status = Some(d.portal_status.as_str().to_owned());
                row.lookup_hash.clone_from(&d.lookup_hash);
            }
            HubEvent::DossierSent(d) => {
                let row = dossier(&mut dossiers, &d.code, e.id);
                row.sent_ms = row.sent_ms.or(Some(e.at_ms));
                row.status = Some(d.portal_status.as_str().to_owned());
                progress(row, d.portal_status, e.at_ms);
            }
            HubEvent::DossierStatus(d) => {
                let row = dossier(&mut dossiers, &d.code, e.id);
                row.status = Some(d.portal_status.as_str().to_owned());
                progress(row, d.portal_status, e.at_ms);
            }
            HubEvent::DossierDeliveryFailed(d) => {
                let row = dossier(&mut dossiers, &d.code, e.id);
                row.delivery_failures += 1;
            }
            HubEvent::DeviceFault(d)
            | HubEvent::DeviceWarning(d)
            | HubEvent::DeviceRecovered(d) => {
                device(&mut devices, &mut out.outages, d, e.at_ms);
            }
            HubEvent::SupportBundleReceived(_) | HubEvent::Resync(_) => {}
        }
    }
    out.tickets = tickets.into_values().map(TicketAcc::finish).collect();
    for t in &out.tickets {
        out.days.insert(t.business_date);
    }
    out.dossiers = dossiers.into_values().collect();
    for d in &out.dossiers {
        out.days.extend(d.business_date);
    }
    for r in &out.ratings {
        out.days.insert(r.business_date);
    }
    out.devices = devices.into_values().collect();
    out.counters = counters.into_values().collect();
    out
}

/// The times a portal status marks: processing (and beyond), result ready.
fn progress(row: &mut DossierRow, status: PortalStatus, at_ms: i64) {
    if matches!(
        status,
        PortalStatus::Processing | PortalStatus::SupplementRequested | PortalStatus::ResultReady
    ) {
        row.processing_ms = row.processing_ms.or(Some(at_ms));
    }
    if status == PortalStatus::ResultReady {
        row.result_ms = row.result_ms.or(Some(at_ms));
    }
}

/// The dossier's row in the batch.
fn dossier<'a>(
    dossiers: &'a mut BTreeMap<String, DossierRow>,
    code: &str,
    event_id: i64,
) -> &'a mut DossierRow {
    let row = dossiers
        .entry(code.to_owned())
        .or_insert_with(|| DossierRow {
            code: code.to_owned(),
            ..DossierRow::default()
        });
    row.last_event_id = event_id;
    row
}

fn device(
    devices: &mut BTreeMap<(String, String), DeviceRow>,
    outages: &mut Vec<OutageChange>,
    d: &DeviceEvent,
    at_ms: i64,
) {
    devices.insert(
        (d.kiosk.clone(), d.device.as_str().to_owned()),
        DeviceRow {
            kiosk: d.kiosk.clone(),
            device: d.device.as_str().to_owned(),
            state: d.state.as_str().to_owned(),
            kind: d.kind.map(|k| k.as_str().to_owned()),
            since_ms: at_ms,
        },
    );
    // Every device event says whether the kiosk is out of service after
    // it; only the changes matter (the store ignores a repeated start).
    outages.push(OutageChange {
        kiosk: d.kiosk.clone(),
        out_of_service: d.out_of_service,
        at_ms,
        kind: d.kind.map(|k| k.as_str().to_owned()),
    });
}

#[cfg(test)]
mod tests;
