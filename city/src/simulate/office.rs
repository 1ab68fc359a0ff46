//! One simulated office: the events its hub would log over a day, drawn
//! from configurable distributions with a seeded generator (same seed, same
//! office). Pure: no clock, no I/O.
//!
//! The day: counters open at 07:30 with an officer signed in; citizens
//! arrive between 07:30 and 17:00, most in the morning peak (08:00–10:30)
//! and fewest over lunch; each takes a ticket at one of the kiosks (printed
//! unless that kiosk's printer is out of paper), waits for the first free
//! counter, and is called, sometimes recalled, sometimes absent (no-show),
//! else served (lognormal service times) and sometimes rates the service.
//! Dossiers are filed at a kiosk or a counter, sent to the portal, then
//! processed and ready on time or late against their due time — results
//! may come days later, so an office carries events over to later days.
//! Kiosk printers run out of paper and scanners drop out now and then.
//!
//! Every event is a typed [`HubEvent`], exactly what a hub stores, so the
//! city reads it with the same strict check as a real office's.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use motcua_api::{
    CounterEvent, CounterState, CounterView, Device, DeviceEvent, DeviceKind, DeviceState,
    DossierReceived, DossierSent, DossierStatusChanged, HubEvent, OfficerRef, PortalStatus,
    PrintStatus, RatingLevel, RatingView, Role, StaffEvent, TicketEvent, TicketRated, TicketState,
    TicketView,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What a day at an office looks like.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Mean tickets a day.
    pub tickets: f64,
    /// Mean dossiers a day.
    pub dossiers: f64,
    /// Share of citizens absent when called.
    pub no_show: f64,
    /// Share of tickets recalled once.
    pub recall: f64,
    /// Share of served citizens who rate.
    pub rating: f64,
    /// Share of dossiers filed at a kiosk (the rest at a counter).
    pub online: f64,
    /// Share of dossier results ready on time.
    pub on_time: f64,
    /// Chance per kiosk per day that its printer runs out of paper.
    pub printer_fault: f64,
    /// Median service time, minutes.
    pub service_minutes: f64,
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            tickets: 250.0,
            dossiers: 80.0,
            no_show: 0.04,
            recall: 0.05,
            rating: 0.35,
            online: 0.7,
            on_time: 0.92,
            printer_fault: 0.25,
            service_minutes: 5.0,
        }
    }
}

/// An event at a time, before the hub gives it an id.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEvent {
    pub at_ms: i64,
    pub event: HubEvent,
}

const SERVICES: [(&str, &str, &str, f64); 4] = [
    ("hotich", "Hộ tịch", "Civil status", 0.4),
    ("chungthuc", "Chứng thực", "Certification", 0.3),
    ("datdai", "Đất đai – Xây dựng", "Land and construction", 0.2),
    ("khac", "Lĩnh vực khác", "Other matters", 0.1),
];

/// Procedures and their processing time in working days (0 = same day).
const PROCEDURES: [(&str, u32); 10] = [
    ("1.001193", 0),
    ("1.000894", 0),
    ("1.000656", 0),
    ("1.004873", 3),
    ("1.004837", 3),
    ("1.001022", 3),
    ("1.004859", 3),
    ("2.000635", 0),
    ("2.000815", 0),
    ("2.000884", 0),
];

/// Arrival rate through the day (local time, relative weight): the morning
/// peak, a lunch lull, a smaller afternoon.
const ARRIVALS: [(u32, u32, f64); 6] = [
    (7 * 60 + 30, 8 * 60, 1.0),
    (8 * 60, 10 * 60 + 30, 2.4),
    (10 * 60 + 30, 11 * 60 + 30, 1.3),
    (11 * 60 + 30, 13 * 60 + 30, 0.35),
    (13 * 60 + 30, 15 * 60 + 30, 1.2),
    (15 * 60 + 30, 17 * 60, 0.7),
];

const MINUTE: i64 = 60_000;

/// One simulated office.
pub struct Office {
    pub code: String,
    pub kiosks: Vec<String>,
    pub counters: u32,
    profile: Profile,
    tz: Tz,
    rng: StdRng,
    next_ticket: i64,
    next_rating: i64,
    /// Events already drawn for later days (dossier results).
    later: Vec<SimEvent>,
}

impl Office {
    /// Office number `index` of a simulation seeded with `seed`.
    pub fn new(code: &str, index: u32, seed: u64, profile: Profile, tz: Tz) -> Self {
        let counters = 4 + index % 5;
        let kiosks = (1..=2 + index % 2).map(|k| format!("kiosk-{k}")).collect();
        Self {
            code: code.to_owned(),
            kiosks,
            counters,
            profile,
            tz,
            rng: StdRng::seed_from_u64(seed ^ (u64::from(index) << 20) ^ 0x6d6f_7463),
            next_ticket: 1,
            next_rating: 1,
            later: Vec::new(),
        }
    }

    fn local(&self, date: NaiveDate, minute_of_day: f64) -> i64 {
        let naive = date.and_time(NaiveTime::MIN)
            + chrono::Duration::milliseconds((minute_of_day * MINUTE as f64) as i64);
        match self.tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                t.timestamp_millis()
            }
            chrono::LocalResult::None => naive.and_utc().timestamp_millis(),
        }
    }

    fn rfc3339(&self, ms: i64) -> String {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .unwrap_or(DateTime::UNIX_EPOCH)
            .with_timezone(&self.tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    /// A count around `mean` (normal approximation of Poisson).
    fn count(&mut self, mean: f64) -> usize {
        (mean + mean.sqrt() * self.normal()).round().max(0.0) as usize
    }

    fn normal(&mut self) -> f64 {
        let u1: f64 = self.rng.random::<f64>().max(1e-12);
        let u2: f64 = self.rng.random();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// A minute of the day drawn from the arrival profile.
    fn arrival_minute(&mut self) -> f64 {
        let total: f64 = ARRIVALS.iter().map(|(a, b, w)| f64::from(b - a) * w).sum();
        let mut x = self.rng.random::<f64>() * total;
        for (a, b, w) in ARRIVALS {
            let mass = f64::from(b - a) * w;
            if x < mass {
                return f64::from(a) + x / w;
            }
            x -= mass;
        }
        f64::from(ARRIVALS[ARRIVALS.len() - 1].1) - 1.0
    }

    fn service(&mut self) -> &'static (&'static str, &'static str, &'static str, f64) {
        let mut x = self.rng.random::<f64>();
        for s in &SERVICES {
            if x < s.3 {
                return s;
            }
            x -= s.3;
        }
        &SERVICES[0]
    }

    /// Every event of `date`, in time order: the day's own and those drawn
    /// earlier for it. Events drawn for later days are kept for them.
    pub fn day(&mut self, date: NaiveDate) -> Vec<SimEvent> {
        let day_end = self.local(date + chrono::Duration::days(1), 0.0);
        let mut events: Vec<SimEvent> = Vec::new();
        events.extend(self.counters_open_and_close(date));
        let faults = self.device_faults(date);
        let printer_down: Vec<(String, i64, i64)> = faults
            .iter()
            .filter(|(_, device, _, _)| *device == Device::Printer)
            .map(|(kiosk, _, start, end)| (kiosk.clone(), *start, *end))
            .collect();
        events.extend(self.fault_events(&faults));
        events.extend(self.tickets(date, &printer_down));
        events.extend(self.dossiers(date));
        // Keep what belongs to later days.
        let mut later = std::mem::take(&mut self.later);
        later.append(&mut events);
        let (today, rest): (Vec<_>, Vec<_>) = later.into_iter().partition(|e| e.at_ms < day_end);
        self.later = rest;
        let mut today = today;
        today.sort_by_key(|e| e.at_ms);
        today
    }

    fn counters_open_and_close(&mut self, date: NaiveDate) -> Vec<SimEvent> {
        let services: Vec<String> = SERVICES.iter().map(|s| s.0.to_owned()).collect();
        let mut out = Vec::new();
        for n in 1..=self.counters {
            let officer = OfficerRef {
                code: format!("cb{n:02}"),
                name: format!("Cán bộ {n:02}"),
            };
            let counter = |state: CounterState| CounterView {
                number: n,
                name: format!("Quầy {n}"),
                state,
                services: services.clone(),
                current: None,
            };
            let open = self.local(date, 7.0 * 60.0 + 20.0 + f64::from(n) * 0.5);
            let close = self.local(date, 17.0 * 60.0 + 35.0 + f64::from(n) * 0.5);
            out.push(SimEvent {
                at_ms: open,
                event: HubEvent::StaffSignedIn(StaffEvent {
                    counter: n,
                    officer: officer.clone(),
                }),
            });
            out.push(SimEvent {
                at_ms: open + 1000,
                event: HubEvent::CounterOpened(CounterEvent {
                    counter: counter(CounterState::Open),
                    officer: Some(officer.clone()),
                }),
            });
            out.push(SimEvent {
                at_ms: close,
                event: HubEvent::CounterClosed(CounterEvent {
                    counter: counter(CounterState::Closed),
                    officer: Some(officer.clone()),
                }),
            });
            out.push(SimEvent {
                at_ms: close + 1000,
                event: HubEvent::StaffSignedOut(StaffEvent {
                    counter: n,
                    officer,
                }),
            });
        }
        out
    }

    /// (kiosk, device, start, end) of the day's faults.
    fn device_faults(&mut self, date: NaiveDate) -> Vec<(String, Device, i64, i64)> {
        let mut out = Vec::new();
        for kiosk in self.kiosks.clone() {
            if self.chance(self.profile.printer_fault) {
                let at = 7.5 * 60.0 + self.rng.random::<f64>() * 540.0;
                let start = self.local(date, at);
                let minutes = 5.0 + self.rng.random::<f64>() * 145.0;
                out.push((
                    kiosk.clone(),
                    Device::Printer,
                    start,
                    start + (minutes * MINUTE as f64) as i64,
                ));
            }
            if self.chance(0.08) {
                let at = 7.5 * 60.0 + self.rng.random::<f64>() * 540.0;
                let start = self.local(date, at);
                let minutes = 10.0 + self.rng.random::<f64>() * 50.0;
                out.push((
                    kiosk,
                    Device::Scanner,
                    start,
                    start + (minutes * MINUTE as f64) as i64,
                ));
            }
        }
        out
    }

    fn fault_events(&self, faults: &[(String, Device, i64, i64)]) -> Vec<SimEvent> {
        let mut out = Vec::new();
        for (kiosk, device, start, end) in faults {
            let (kind, vi, en) = match device {
                Device::Printer => (
                    DeviceKind::PaperOut,
                    "Máy in hết giấy",
                    "The printer is out of paper",
                ),
                Device::Scanner => (
                    DeviceKind::Disconnected,
                    "Máy quét mất kết nối",
                    "The scanner is disconnected",
                ),
            };
            let printer = *device == Device::Printer;
            out.push(SimEvent {
                at_ms: *start,
                event: HubEvent::DeviceFault(DeviceEvent {
                    device: *device,
                    kind: Some(kind),
                    kiosk: kiosk.clone(),
                    message_en: en.into(),
                    message_vi: vi.into(),
                    out_of_service: printer,
                    previous_kind: None,
                    previous_state: Some(DeviceState::Ok),
                    state: DeviceState::Fault,
                }),
            });
            out.push(SimEvent {
                at_ms: *end,
                event: HubEvent::DeviceRecovered(DeviceEvent {
                    device: *device,
                    kind: None,
                    kiosk: kiosk.clone(),
                    message_en: "Working again".into(),
                    message_vi: "Hoạt động trở lại".into(),
                    out_of_service: false,
                    previous_kind: Some(kind),
                    previous_state: Some(DeviceState::Fault),
                    state: DeviceState::Ok,
                }),
            });
        }
        out
    }

    fn tickets(&mut self, date: NaiveDate, printer_down: &[(String, i64, i64)]) -> Vec<SimEvent> {
        let n = self.count(self.profile.tickets);
        let mut arrivals: Vec<f64> = (0..n).map(|_| self.arrival_minute()).collect();
        arrivals.sort_by(f64::total_cmp);
        let close = self.local(date, 17.0 * 60.0 + 30.0);
        let mut free_at: Vec<i64> = vec![self.local(date, 7.5 * 60.0); self.counters as usize];
        let number_of: &mut BTreeMap<&str, u32> = &mut BTreeMap::new();
        // (time, ticket index, kind, view) before the waiting counts.
        let mut steps: Vec<(i64, usize, &'static str, TicketView, Option<RatingView>)> = Vec::new();
        let mut index = 0usize;
        for minute in arrivals {
            let issued = self.local(date, minute);
            let service = self.service();
            let number = number_of.entry(service.0).or_insert(0);
            *number += 1;
            let id = self.next_ticket;
            self.next_ticket += 1;
            let kiosk = self.kiosks[self.rng.random_range(0..self.kiosks.len())].clone();
            let priority = self.chance(0.08).then(|| "elderly".to_owned());
            let mut view = TicketView {
                id,
                number: format!(
                    "{}{:03}",
                    (b'A' + SERVICES.iter().position(|s| s.0 == service.0).unwrap_or(0) as u8)
                        as char,
                    number
                ),
                service: service.0.to_owned(),
                service_name_vi: service.1.to_owned(),
                service_name_en: service.2.to_owned(),
                priority_name_vi: priority.as_ref().map(|_| "Người cao tuổi".to_owned()),
                priority,
                state: TicketState::Issued,
                business_date: date,
                issued_at: self.rfc3339(issued),
                called_at: None,
                started_at: None,
                finished_at: None,
                counter: None,
                recall_count: 0,
                transfer_count: 0,
                people_ahead: 0,
                estimated_wait_minutes: 0,
                print_status: None,
                print_error: None,
                dossier_code: None,
                lookup_token: None,
            };
            index += 1;
            steps.push((issued, index, "ticket.issued", view.clone(), None));
            let printed_at = issued + 2_000;
            let failed = printer_down
                .iter()
                .any(|(k, s, e)| *k == kiosk && (*s..*e).contains(&printed_at));
            if failed {
                view.print_status = Some(PrintStatus::PrintFailed);
                view.print_error = Some("paper_out: Máy in hết giấy".into());
                steps.push((printed_at, index, "ticket.print_failed", view.clone(), None));
            } else {
                view.print_status = Some(PrintStatus::Printed);
                steps.push((printed_at, index, "ticket.printed", view.clone(), None));
            }
            // The first counter to be free calls the oldest waiting ticket:
            // arrivals are in order, so that is this one.
            let (c, free) = free_at
                .iter()
                .copied()
                .enumerate()
                .min_by_key(|(_, t)| *t)
                .unwrap_or((0, issued));
            let called = free.max(printed_at + 1_000);
            if called > close {
                // Still waiting when the office closed.
                continue;
            }
            let counter = c as u32 + 1;
            view.state = TicketState::Called;
            view.called_at = Some(self.rfc3339(called));
            view.counter = Some(counter);
            steps.push((called, index, "ticket.called", view.clone(), None));
            let mut t = called;
            if self.chance(self.profile.recall) {
                t += 45_000;
                view.recall_count = 1;
                steps.push((t, index, "ticket.recalled", view.clone(), None));
            }
            if self.chance(self.profile.no_show) {
                t += 120_000;
                view.state = TicketState::NoShow;
                view.finished_at = Some(self.rfc3339(t));
                steps.push((t, index, "ticket.no_show", view.clone(), None));
                free_at[c] = t + 5_000;
                continue;
            }
            t += self.rng.random_range(15_000..60_000);
            view.state = TicketState::Serving;
            view.started_at = Some(self.rfc3339(t));
            steps.push((t, index, "ticket.started", view.clone(), None));
            let minutes = (self.profile.service_minutes.ln() + 0.6 * self.normal())
                .exp()
                .clamp(0.5, 60.0);
            t += (minutes * MINUTE as f64) as i64;
            view.state = TicketState::Done;
            view.finished_at = Some(self.rfc3339(t));
            steps.push((t, index, "ticket.finished", view.clone(), None));
            free_at[c] = t + 10_000;
            if self.chance(self.profile.rating) {
                let rated = t + self.rng.random_range(20_000..90_000);
                let level = match self.rng.random::<f64>() {
                    x if x < 0.55 => RatingLevel::VerySatisfied,
                    x if x < 0.9 => RatingLevel::Satisfied,
                    _ => RatingLevel::Unsatisfied,
                };
                let reasons = if level == RatingLevel::Unsatisfied {
                    vec![
                        ["slow", "attitude", "unclear", "extra_papers", "facilities"]
                            [self.rng.random_range(0..5)]
                        .to_owned(),
                    ]
                } else {
                    Vec::new()
                };
                let channel = if self.chance(0.6) {
                    Role::Counter
                } else {
                    Role::Kiosk
                };
                let rating = RatingView {
                    id: self.next_rating,
                    ticket: id,
                    number: view.number.clone(),
                    business_date: date,
                    dossier_code: None,
                    counter: Some(counter),
                    officer: Some(format!("cb{counter:02}")),
                    officer_name: Some(format!("Cán bộ {counter:02}")),
                    level,
                    level_vi: level.label_vi().to_owned(),
                    level_en: level.label_en().to_owned(),
                    reasons,
                    channel,
                    rated_at: self.rfc3339(rated),
                };
                self.next_rating += 1;
                steps.push((rated, index, "ticket.rated", view.clone(), Some(rating)));
            }
        }
        // Waiting counts per service, as the hub puts them in each event.
        steps.sort_by_key(|s| (s.0, s.1));
        let mut waiting: BTreeMap<String, u32> = BTreeMap::new();
        let mut out = Vec::with_capacity(steps.len());
        for (at, _, kind, mut view, rating) in steps {
            let service = view.service.clone();
            let entry = waiting.entry(service.clone()).or_insert(0);
            match kind {
                "ticket.issued" => {
                    view.people_ahead = *entry;
                    view.estimated_wait_minutes = *entry * 6 / self.counters.max(1);
                    *entry += 1;
                }
                "ticket.called" => *entry = entry.saturating_sub(1),
                _ => {}
            }
            let counts = BTreeMap::from([(service.clone(), *entry)]);
            let event = match (kind, rating) {
                (_, Some(rating)) => HubEvent::TicketRated(TicketRated { rating }),
                _ => {
                    let e = TicketEvent {
                        officer: view.counter.map(|c| OfficerRef {
                            code: format!("cb{c:02}"),
                            name: format!("Cán bộ {c:02}"),
                        }),
                        ticket: view,
                        waiting: counts,
                        lookup_hash: None,
                    };
                    match kind {
                        "ticket.issued" => {
                            HubEvent::TicketIssued(TicketEvent { officer: None, ..e })
                        }
                        "ticket.printed" => {
                            HubEvent::TicketPrinted(TicketEvent { officer: None, ..e })
                        }
                        "ticket.print_failed" => {
                            HubEvent::TicketPrintFailed(TicketEvent { officer: None, ..e })
                        }
                        "ticket.called" => HubEvent::TicketCalled(e),
                        "ticket.recalled" => HubEvent::TicketRecalled(e),
                        "ticket.no_show" => HubEvent::TicketNoShow(e),
                        "ticket.started" => HubEvent::TicketStarted(e),
                        _ => HubEvent::TicketFinished(e),
                    }
                }
            };
            out.push(SimEvent { at_ms: at, event });
        }
        out
    }

    /// The due time of a dossier received at `received` (local): same-day
    /// procedures by 17:00 (the next weekday when received after 15:00),
    /// others after `days` weekdays at 17:00. The simulator knows no
    /// holidays.
    fn due(&self, received: i64, days: u32) -> i64 {
        let local = DateTime::<Utc>::from_timestamp_millis(received)
            .unwrap_or(DateTime::UNIX_EPOCH)
            .with_timezone(&self.tz);
        let mut date = local.date_naive();
        let after_cutoff = local.time() >= NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default();
        let mut n = days + u32::from(days == 0 && after_cutoff);
        while n > 0 {
            date += chrono::Duration::days(1);
            if date.weekday().number_from_monday() <= 5 {
                n -= 1;
            }
        }
        self.local(date, 17.0 * 60.0)
    }

    fn dossiers(&mut self, date: NaiveDate) -> Vec<SimEvent> {
        let n = self.count(self.profile.dossiers);
        let mut arrivals: Vec<f64> = (0..n).map(|_| self.arrival_minute()).collect();
        arrivals.sort_by(f64::total_cmp);
        let mut out = Vec::new();
        for (seq, minute) in arrivals.into_iter().enumerate() {
            let received = self.local(date, minute);
            let (procedure, days) = PROCEDURES[self.rng.random_range(0..PROCEDURES.len())];
            let code = format!("{}-{}-{:04}", self.code, date.format("%y%m%d"), seq + 1);
            let due = self.due(received, days);
            let channel = if self.chance(self.profile.online) {
                Role::Kiosk
            } else {
                Role::Counter
            };
            out.push(SimEvent {
                at_ms: received,
                event: HubEvent::DossierReceived(DossierReceived {
                    code: code.clone(),
                    due_at: self.rfc3339(due),
                    portal_status: PortalStatus::Pending,
                    procedure: procedure.to_owned(),
                    received_at: self.rfc3339(received),
                    ticket: None,
                    channel: Some(channel),
                    lookup_hash: None,
                }),
            });
            let sent = received + self.rng.random_range(3_000..40_000);
            out.push(SimEvent {
                at_ms: sent,
                event: HubEvent::DossierSent(DossierSent {
                    code: code.clone(),
                    portal_reference: format!("SIM-{}-{:04}", date.format("%y%m%d"), seq + 1),
                    portal_status: PortalStatus::Received,
                }),
            });
            let processing = sent + self.rng.random_range(5..30) * MINUTE;
            out.push(SimEvent {
                at_ms: processing,
                event: HubEvent::DossierStatus(DossierStatusChanged {
                    code: code.clone(),
                    error: None,
                    portal_status: PortalStatus::Processing,
                    previous: PortalStatus::Received,
                }),
            });
            let earliest = processing + 10 * MINUTE;
            let ready = if self.chance(self.profile.on_time) && due > earliest {
                earliest + (self.rng.random::<f64>() * (due - earliest) as f64) as i64
            } else {
                due.max(earliest) + self.rng.random_range(60..2160) * MINUTE
            };
            out.push(SimEvent {
                at_ms: ready,
                event: HubEvent::DossierStatus(DossierStatusChanged {
                    code,
                    error: None,
                    portal_status: PortalStatus::ResultReady,
                    previous: PortalStatus::Processing,
                }),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> Office {
        Office::new(
            "SIM-0001",
            0,
            7,
            Profile::default(),
            chrono_tz::Asia::Ho_Chi_Minh,
        )
    }

    #[test]
    fn a_day_is_about_the_profile_and_in_time_order() {
        let mut o = office();
        let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let events = o.day(date);
        assert!(events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        let issued = events
            .iter()
            .filter(|e| e.event.kind() == "ticket.issued")
            .count();
        let filed = events
            .iter()
            .filter(|e| e.event.kind() == "dossier.received")
            .count();
        assert!((200..300).contains(&issued), "{issued}");
        assert!((50..110).contains(&filed), "{filed}");
        // About 1,600 events, the size a city day is planned for.
        assert!((1200..2100).contains(&events.len()), "{}", events.len());
        // Every event reads back strictly, as the city will read it.
        for e in &events {
            let (kind, data) = e.event.clone().into_parts();
            HubEvent::from_parts_strict(kind, data).unwrap();
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_office_and_results_carry_over() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let (mut a, mut b) = (office(), office());
        assert_eq!(a.day(date), b.day(date));
        // Three-day procedures filed today are ready on later days.
        assert!(!a.later.is_empty());
        let next = a.day(date + chrono::Duration::days(1));
        assert!(next
            .iter()
            .any(|e| matches!(&e.event, HubEvent::DossierStatus(d) if d.code.contains("261126"))));
    }
}
