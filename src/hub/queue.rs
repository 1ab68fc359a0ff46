//! The queue as a service: issuing, calling and serving tickets, each
//! operation one transaction in the writer (see [`crate::store`]).
//!
//! These functions combine the pure rules of [`crate::domain`] with rows of
//! [`crate::store::tickets`]. They run inside a writer job, so reading the
//! daily counter, allocating the number and inserting the ticket can never
//! interleave with another request: duplicates are impossible by
//! construction, and the `UNIQUE (business_date, number_service, number)`
//! constraint makes them impossible by the database too.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use motcua_api::{
    CounterEvent, CounterState, CounterView, HubEvent, IssueRequest, Officer, OfficerRef,
    PrintStatus, PrintStatusRequest, QueueView, ServiceQueue, TicketEvent, TicketTransferred,
    TicketView, TransferRequest,
};
use rand::Rng;
use rusqlite::Connection;

use super::error::ApiError;
use super::events::emit;
use crate::config::{Config, ServiceConfig};
use crate::domain::estimate::{estimated_wait_minutes, ServiceLoad};
use crate::domain::queue::{next_streak, pick_next, LastIssued, Numbering, PriorityPolicy};
use crate::domain::ticket::{display_number, transition, TicketAction, TicketState};
use crate::domain::time::{business_date, from_millis, to_local_rfc3339, to_millis};
use crate::store::tickets::{self, CounterRow, NewTicket, TicketRow};
use crate::store::{StoreError, WriteCtx};

/// The office's queue rules: configuration and time zone, and the officer
/// acting (when a signed-in officer made the request). Cheap to clone into
/// writer jobs (it holds no handle to the hub itself).
#[derive(Debug, Clone)]
pub struct Rules {
    pub config: Arc<Config>,
    pub tz: Tz,
    /// Whose counter work this is: recorded on the ticket and in events.
    pub officer: Option<Officer>,
}

/// An action on the ticket currently at a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterAction {
    Recall,
    Start,
    Finish,
    NoShow,
}

impl CounterAction {
    fn ticket_action(self) -> TicketAction {
        match self {
            CounterAction::Recall => TicketAction::Recall,
            CounterAction::Start => TicketAction::Start,
            CounterAction::Finish => TicketAction::Finish,
            CounterAction::NoShow => TicketAction::NoShow,
        }
    }

    /// The event the action makes.
    fn event(self) -> fn(TicketEvent) -> HubEvent {
        match self {
            CounterAction::Recall => HubEvent::TicketRecalled,
            CounterAction::Start => HubEvent::TicketStarted,
            CounterAction::Finish => HubEvent::TicketFinished,
            CounterAction::NoShow => HubEvent::TicketNoShow,
        }
    }
}

/// A new lookup token of `len` characters (5 bits each; no 0/O, 1/I).
pub(crate) fn new_lookup_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Rules {
    pub fn new(config: Arc<Config>) -> Self {
        let tz = config.timezone();
        Self {
            config,
            tz,
            officer: None,
        }
    }

    /// The same rules, acting for `officer`.
    pub fn acting_as(mut self, officer: Option<Officer>) -> Self {
        self.officer = officer;
        self
    }

    /// Records the acting officer on a ticket's counter work.
    fn attribute(&self, conn: &Connection, ticket: i64) -> Result<(), StoreError> {
        match &self.officer {
            Some(o) => crate::store::staff::set_ticket_officer(conn, ticket, &o.code),
            None => Ok(()),
        }
    }

    /// The acting officer, as events name them.
    fn officer_ref(&self) -> Option<OfficerRef> {
        self.officer.as_ref().map(OfficerRef::from)
    }

    /// The business date at `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        business_date(now, self.tz)
    }

    fn service(&self, code: &str) -> Result<&ServiceConfig, ApiError> {
        self.config
            .service(code)
            .ok_or_else(|| ApiError::unknown_service(code))
    }

    fn counter_config(&self, number: u32) -> Result<&crate::config::CounterConfig, ApiError> {
        self.config
            .counters
            .iter()
            .find(|c| c.number == number)
            .ok_or_else(|| ApiError::unknown_counter(&number.to_string()))
    }

    fn policy(&self) -> PriorityPolicy {
        PriorityPolicy {
            max_in_row: self.config.queue.max_priority_in_row,
            max_normal_wait: Duration::minutes(i64::from(
                self.config.queue.max_normal_wait_minutes,
            )),
        }
    }

    /// Checks a request's references before anything is written.
    pub fn validate_issue(&self, req: &IssueRequest) -> Result<(), ApiError> {
        self.service(&req.service)?;
        if let Some(p) = &req.priority {
            if !self.config.queue.priorities.iter().any(|c| &c.code == p) {
                return Err(ApiError::unknown_priority(p));
            }
        }
        Ok(())
    }

    /// Issues a ticket: allocates the next number of the day atomically.
    pub fn issue(
        &self,
        ctx: &mut WriteCtx<'_>,
        req: &IssueRequest,
        issued_by: &str,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        self.validate_issue(req)?;
        let service = self.service(&req.service)?;
        let conn = ctx.conn();
        let today = self.today(now);
        let numbering = Numbering {
            start: self.config.queue.start_number,
            cap: self.config.daily_cap(service),
        };
        let last = tickets::last_issued(conn, &service.code)?;
        let number = numbering
            .next(last, today)
            .map_err(|e| ApiError::numbering(e, service))?;
        tickets::set_last_issued(
            conn,
            &service.code,
            LastIssued {
                date: today,
                number,
            },
        )?;
        let display = display_number(&service.prefix, number);
        let token = new_lookup_token(8);
        let id = tickets::insert(
            conn,
            &NewTicket {
                business_date: today,
                service: &service.code,
                number,
                display: &display,
                priority: req.priority.as_deref(),
                issued_at_ms: to_millis(now),
                lookup_token: &token,
                issued_by,
            },
        )?;
        let row = tickets::get(conn, id)?
            .ok_or_else(|| StoreError::Corrupt(format!("ticket {id} not found")))?;
        // The new ticket is the last of its queue: everyone waiting (of its
        // kind, for a priority ticket) is ahead, read from the kept counts
        // instead of counting a long queue at peak time.
        let ahead = tickets::count_ahead_of_newest(conn, &row)?;
        let view = self.ticket_view_with_ahead(conn, &row, true, Some(ahead))?;
        // The one event that names the token's hash: the city's phone page
        // checks `k` against it, and never sees the token.
        let mut data = self.ticket_event(ctx.conn(), &view)?;
        data.lookup_hash = Some(motcua_api::phone::lookup_hash(&token));
        emit(ctx, to_millis(now), HubEvent::TicketIssued(data))?;
        Ok(view)
    }

    /// Calls the next ticket to `counter`; `None` when nothing waits.
    pub fn call_next(
        &self,
        ctx: &mut WriteCtx<'_>,
        counter: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<TicketView>, ApiError> {
        let config = self.counter_config(counter)?;
        let conn = ctx.conn();
        let mut row = self.counter_row(conn, counter)?;
        match row.state {
            CounterState::Paused => return Err(ApiError::counter_paused(counter)),
            CounterState::Closed => {
                // A counter that calls is obviously working: open it.
                row.state = CounterState::Open;
                row.updated_at_ms = to_millis(now);
                tickets::update_counter(conn, &row)?;
                self.emit_counter(ctx, &row, HubEvent::CounterOpened, now)?;
            }
            CounterState::Open => {}
        }
        if let Some(current) = row.current_ticket {
            let ticket = self.ticket_row(conn, current)?;
            match ticket.state {
                TicketState::Called => {
                    return Err(ApiError::counter_busy(counter, &ticket.display))
                }
                TicketState::Serving => {
                    // One keystroke: "next" finishes the citizen being served.
                    self.act_on(ctx, &mut row, ticket, CounterAction::Finish, now)?;
                }
                _ => {
                    row.current_ticket = None;
                }
            }
        }
        let today = self.today(now);
        let waiting = tickets::next_candidates(conn, today, &config.services)?;
        let Some(next) = pick_next(&waiting, &self.policy(), row.priority_streak, now) else {
            tickets::update_counter(conn, &row)?;
            return Ok(None);
        };
        let mut ticket = self.ticket_row(conn, next.id)?;
        ticket.state = transition(ticket.state, TicketAction::Call)
            .map_err(|e| ApiError::illegal_transition(e, &ticket.display))?;
        ticket.called_at_ms = Some(to_millis(now));
        ticket.counter = Some(counter);
        tickets::update(conn, &ticket)?;
        self.attribute(conn, ticket.id)?;
        row.current_ticket = Some(ticket.id);
        row.priority_streak = next_streak(row.priority_streak, next.priority);
        row.updated_at_ms = to_millis(now);
        tickets::update_counter(conn, &row)?;
        let view = self.ticket_view(conn, &ticket, false)?;
        self.emit_ticket(ctx, HubEvent::TicketCalled, &view, now)?;
        Ok(Some(view))
    }

    /// Recall, start, finish or no-show on the counter's current ticket.
    pub fn act(
        &self,
        ctx: &mut WriteCtx<'_>,
        counter: u32,
        action: CounterAction,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        self.counter_config(counter)?;
        let conn = ctx.conn();
        let mut row = self.counter_row(conn, counter)?;
        let current = row
            .current_ticket
            .ok_or_else(|| ApiError::no_current_ticket(counter))?;
        let ticket = self.ticket_row(conn, current)?;
        self.act_on(ctx, &mut row, ticket, action, now)
    }

    fn act_on(
        &self,
        ctx: &mut WriteCtx<'_>,
        counter: &mut CounterRow,
        mut ticket: TicketRow,
        action: CounterAction,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        let conn = ctx.conn();
        ticket.state = transition(ticket.state, action.ticket_action())
            .map_err(|e| ApiError::illegal_transition(e, &ticket.display))?;
        let now_ms = to_millis(now);
        match action {
            CounterAction::Recall => ticket.recall_count += 1,
            CounterAction::Start => ticket.started_at_ms = Some(now_ms),
            CounterAction::Finish | CounterAction::NoShow => {
                ticket.finished_at_ms = Some(now_ms);
                counter.current_ticket = None;
            }
        }
        tickets::update(conn, &ticket)?;
        self.attribute(conn, ticket.id)?;
        counter.updated_at_ms = now_ms;
        tickets::update_counter(conn, counter)?;
        let view = self.ticket_view(conn, &ticket, false)?;
        self.emit_ticket(ctx, action.event(), &view, now)?;
        Ok(view)
    }

    /// Sends the counter's current ticket to another service; it keeps its
    /// number and its place by original issue time.
    pub fn transfer(
        &self,
        ctx: &mut WriteCtx<'_>,
        counter: u32,
        req: &TransferRequest,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        self.counter_config(counter)?;
        let target = self.service(&req.service)?.code.clone();
        let conn = ctx.conn();
        let mut row = self.counter_row(conn, counter)?;
        let current = row
            .current_ticket
            .ok_or_else(|| ApiError::no_current_ticket(counter))?;
        let mut ticket = self.ticket_row(conn, current)?;
        if ticket.service == target {
            return Err(ApiError::same_service());
        }
        let from_service = ticket.service.clone();
        ticket.state = transition(ticket.state, TicketAction::Transfer)
            .map_err(|e| ApiError::illegal_transition(e, &ticket.display))?;
        ticket.service = target;
        ticket.transfer_count += 1;
        ticket.counter = None;
        ticket.called_at_ms = None;
        ticket.started_at_ms = None;
        tickets::update(conn, &ticket)?;
        row.current_ticket = None;
        row.updated_at_ms = to_millis(now);
        tickets::update_counter(conn, &row)?;
        let view = self.ticket_view(conn, &ticket, false)?;
        let TicketEvent {
            officer,
            ticket: public,
            mut waiting,
            ..
        } = self.ticket_event(conn, &view)?;
        waiting.append(&mut self.waiting_counts(conn, view.business_date, &[&from_service])?);
        self.attribute(conn, ticket.id)?;
        emit(
            ctx,
            to_millis(now),
            HubEvent::TicketTransferred(TicketTransferred {
                from_counter: counter,
                from_service,
                officer,
                ticket: public,
                waiting,
            }),
        )?;
        Ok(view)
    }

    /// Opens, pauses or closes a counter.
    pub fn set_counter_state(
        &self,
        ctx: &mut WriteCtx<'_>,
        counter: u32,
        state: CounterState,
        now: DateTime<Utc>,
    ) -> Result<CounterView, ApiError> {
        self.counter_config(counter)?;
        let conn = ctx.conn();
        let mut row = self.counter_row(conn, counter)?;
        if state == CounterState::Closed {
            if let Some(current) = row.current_ticket {
                let ticket = self.ticket_row(conn, current)?;
                if ticket.state.is_at_counter() {
                    return Err(ApiError::counter_busy(counter, &ticket.display));
                }
                row.current_ticket = None;
            }
        }
        if row.state != state {
            row.state = state;
            row.updated_at_ms = to_millis(now);
            tickets::update_counter(conn, &row)?;
            let event = match state {
                CounterState::Open => HubEvent::CounterOpened,
                CounterState::Paused => HubEvent::CounterPaused,
                CounterState::Closed => HubEvent::CounterClosed,
            };
            self.emit_counter(ctx, &row, event, now)?;
        }
        self.counter_view(conn, &row)
    }

    /// Records what the kiosk's printer did with a ticket.
    pub fn set_print_status(
        &self,
        ctx: &mut WriteCtx<'_>,
        id: i64,
        req: &PrintStatusRequest,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        let status = req.status;
        let event = match status {
            PrintStatus::Printed => HubEvent::TicketPrinted,
            PrintStatus::PrintFailed => HubEvent::TicketPrintFailed,
        };
        let conn = ctx.conn();
        let mut ticket =
            tickets::get(conn, id)?.ok_or_else(|| ApiError::ticket_not_found(&id.to_string()))?;
        ticket.print_status = Some(status);
        ticket.print_error = if status == PrintStatus::PrintFailed {
            Some(
                req.reason
                    .clone()
                    .unwrap_or_else(|| "unknown".to_owned())
                    .chars()
                    .take(500)
                    .collect(),
            )
        } else {
            None
        };
        tickets::update(conn, &ticket)?;
        let view = self.ticket_view(conn, &ticket, false)?;
        self.emit_ticket(ctx, event, &view, now)?;
        Ok(view)
    }

    /// Cancels a waiting ticket (the citizen left, or a kiosk mistake).
    /// `issuer`, when given, is the only device whose tickets may be
    /// cancelled (a kiosk cancels only what it issued itself).
    pub fn cancel(
        &self,
        ctx: &mut WriteCtx<'_>,
        id: i64,
        issuer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<TicketView, ApiError> {
        let conn = ctx.conn();
        let mut ticket =
            tickets::get(conn, id)?.ok_or_else(|| ApiError::ticket_not_found(&id.to_string()))?;
        if issuer.is_some_and(|device| device != ticket.issued_by) {
            return Err(ApiError::not_issued_here(&ticket.display));
        }
        ticket.state = transition(ticket.state, TicketAction::Cancel)
            .map_err(|e| ApiError::illegal_transition(e, &ticket.display))?;
        ticket.finished_at_ms = Some(to_millis(now));
        tickets::update(conn, &ticket)?;
        let view = self.ticket_view(conn, &ticket, false)?;
        self.emit_ticket(ctx, HubEvent::TicketCancelled, &view, now)?;
        Ok(view)
    }

    fn counter_row(&self, conn: &Connection, counter: u32) -> Result<CounterRow, ApiError> {
        if let Some(row) = tickets::get_counter(conn, counter)? {
            return Ok(row);
        }
        tickets::ensure_counters(conn, &[counter])?;
        tickets::get_counter(conn, counter)?
            .ok_or_else(|| ApiError::unknown_counter(&counter.to_string()))
    }

    fn ticket_row(&self, conn: &Connection, id: i64) -> Result<TicketRow, ApiError> {
        Ok(tickets::get(conn, id)?
            .ok_or_else(|| StoreError::Corrupt(format!("ticket {id} not found")))?)
    }

    /// Counters open now that serve `service`.
    /// How many of the counters serving `service` are open, given the
    /// stored counter rows.
    fn open_counters(&self, rows: &[CounterRow], service: &str) -> u32 {
        self.config
            .counters
            .iter()
            .filter(|c| c.services.iter().any(|s| s == service))
            .filter(|c| {
                rows.iter()
                    .any(|r| r.number == c.number && r.state == CounterState::Open)
            })
            .count() as u32
    }

    fn configured_counters(&self, service: &str) -> u32 {
        self.config
            .counters
            .iter()
            .filter(|c| c.services.iter().any(|s| s == service))
            .count() as u32
    }

    /// Estimated wait for someone with `people_ahead` in `service` today;
    /// `open_counters` when the caller has already counted them.
    fn estimate(
        &self,
        conn: &Connection,
        date: NaiveDate,
        service: &str,
        people_ahead: u32,
        open_counters: Option<u32>,
    ) -> Result<u32, StoreError> {
        if people_ahead == 0 {
            return Ok(0);
        }
        let recent =
            tickets::recent_service_secs(conn, date, service, self.config.queue.estimate_window)?;
        let open_counters = match open_counters {
            Some(n) => n,
            None => self.open_counters(&tickets::counters(conn)?, service),
        };
        Ok(estimated_wait_minutes(&ServiceLoad {
            people_ahead,
            recent_service_secs: &recent,
            open_counters,
            configured_counters: self.configured_counters(service),
            default_service_minutes: self.config.queue.default_service_minutes,
        }))
    }

    /// The API view of a stored ticket; `with_token` includes the lookup token.
    pub fn ticket_view(
        &self,
        conn: &Connection,
        t: &TicketRow,
        with_token: bool,
    ) -> Result<TicketView, StoreError> {
        self.ticket_view_with_ahead(conn, t, with_token, None)
    }

    /// [`Self::ticket_view`] with the number of people ahead already known.
    fn ticket_view_with_ahead(
        &self,
        conn: &Connection,
        t: &TicketRow,
        with_token: bool,
        known_ahead: Option<u32>,
    ) -> Result<TicketView, StoreError> {
        let service = self.config.service(&t.service);
        let priority = t
            .priority
            .as_ref()
            .and_then(|p| self.config.queue.priorities.iter().find(|c| &c.code == p));
        let (people_ahead, estimated_wait_minutes) = if t.state.is_waiting() {
            let ahead = match known_ahead {
                Some(ahead) => ahead,
                None => tickets::count_ahead(conn, t)?,
            };
            (
                ahead,
                self.estimate(conn, t.business_date, &t.service, ahead, None)?,
            )
        } else {
            (0, 0)
        };
        let local = |ms: Option<i64>| ms.map(|ms| to_local_rfc3339(from_millis(ms), self.tz));
        Ok(TicketView {
            id: t.id,
            number: t.display.clone(),
            service: t.service.clone(),
            service_name_vi: service.map(|s| s.name_vi.clone()).unwrap_or_default(),
            service_name_en: service.map(|s| s.name_en.clone()).unwrap_or_default(),
            priority: t.priority.clone(),
            priority_name_vi: priority.map(|p| p.name_vi.clone()),
            state: t.state,
            business_date: t.business_date,
            issued_at: to_local_rfc3339(from_millis(t.issued_at_ms), self.tz),
            called_at: local(t.called_at_ms),
            started_at: local(t.started_at_ms),
            finished_at: local(t.finished_at_ms),
            counter: t.counter,
            recall_count: t.recall_count,
            transfer_count: t.transfer_count,
            people_ahead,
            estimated_wait_minutes,
            print_status: t.print_status,
            print_error: t.print_error.clone(),
            dossier_code: t.dossier_code.clone(),
            lookup_token: with_token.then(|| t.lookup_token.clone()),
        })
    }

    /// The API view of a counter.
    pub fn counter_view(
        &self,
        conn: &Connection,
        row: &CounterRow,
    ) -> Result<CounterView, ApiError> {
        let config = self.counter_config(row.number)?;
        // Counter views reach displays, the event stream and the city:
        // never with the lookup token of the ticket at the counter.
        let current = match row.current_ticket {
            Some(id) => tickets::get(conn, id)?
                .filter(|t| t.state.is_at_counter())
                .map(|t| self.ticket_view(conn, &t, false))
                .transpose()?,
            None => None,
        };
        Ok(CounterView {
            number: row.number,
            name: config
                .name
                .clone()
                .unwrap_or_else(|| format!("Quầy {}", row.number)),
            state: row.state,
            services: config.services.clone(),
            current,
        })
    }

    /// Waiting tickets per service, for the services named.
    fn waiting_counts(
        &self,
        conn: &Connection,
        date: NaiveDate,
        services: &[&str],
    ) -> Result<BTreeMap<String, u32>, StoreError> {
        let mut out = BTreeMap::new();
        for s in services {
            out.insert((*s).to_owned(), tickets::count_waiting(conn, date, s)?);
        }
        Ok(out)
    }

    /// What a ticket event says: the ticket without its lookup token (the
    /// stream is public), its service's waiting count, the officer acting.
    fn ticket_event(
        &self,
        conn: &Connection,
        view: &TicketView,
    ) -> Result<TicketEvent, StoreError> {
        let mut public = view.clone();
        public.lookup_token = None;
        Ok(TicketEvent {
            officer: self.officer_ref(),
            waiting: self.waiting_counts(conn, view.business_date, &[&view.service])?,
            ticket: public,
            lookup_hash: None,
        })
    }

    fn emit_ticket(
        &self,
        ctx: &mut WriteCtx<'_>,
        event: fn(TicketEvent) -> HubEvent,
        view: &TicketView,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let data = self.ticket_event(ctx.conn(), view)?;
        emit(ctx, to_millis(now), event(data))
    }

    fn emit_counter(
        &self,
        ctx: &mut WriteCtx<'_>,
        row: &CounterRow,
        event: fn(CounterEvent) -> HubEvent,
        now: DateTime<Utc>,
    ) -> Result<i64, ApiError> {
        let counter = self.counter_view(ctx.conn(), row)?;
        let officer = self.officer_ref();
        Ok(emit(
            ctx,
            to_millis(now),
            event(CounterEvent { counter, officer }),
        )?)
    }

    /// The whole queue at `now`.
    pub fn queue_view(&self, conn: &Connection, now: DateTime<Utc>) -> Result<QueueView, ApiError> {
        let today = self.today(now);
        let rows = tickets::counters(conn)?;
        let mut services = Vec::new();
        for s in &self.config.services {
            let waiting = tickets::count_waiting(conn, today, &s.code)?;
            let open_counters = self.open_counters(&rows, &s.code);
            services.push(ServiceQueue {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting,
                open_counters,
                estimated_wait_minutes: self.estimate(
                    conn,
                    today,
                    &s.code,
                    waiting,
                    Some(open_counters),
                )?,
            });
        }
        Ok(QueueView {
            business_date: today,
            services,
            counters: self.counter_views(conn, rows)?,
            last_event_id: crate::store::last_event_id(conn)?,
        })
    }

    /// Every configured counter as the API shows it (closed when it has
    /// never been opened), from the stored counter rows.
    pub fn counter_views(
        &self,
        conn: &Connection,
        rows: Vec<CounterRow>,
    ) -> Result<Vec<CounterView>, ApiError> {
        let rows: BTreeMap<u32, CounterRow> = rows.into_iter().map(|r| (r.number, r)).collect();
        let mut counters = Vec::new();
        for c in &self.config.counters {
            let row = rows.get(&c.number).cloned().unwrap_or(CounterRow {
                number: c.number,
                state: CounterState::Closed,
                current_ticket: None,
                priority_streak: 0,
                updated_at_ms: 0,
            });
            counters.push(self.counter_view(conn, &row)?);
        }
        Ok(counters)
    }
}
