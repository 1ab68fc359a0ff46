//! The hall board's behaviour as plain Rust: what each event from the hub
//! changes on the board, which calls are announced, and what the screen
//! shows.
//!
//! Rules that keep the board honest:
//!
//! - Every event is applied once: ids at or below the last one applied are
//!   ignored (a replay after a reconnection may repeat the tail).
//! - A call is announced and highlighted only when it is *fresh* — heard
//!   within `stale_after` of being made. A call the board learns of late
//!   (after a long disconnection) goes into the list quietly, and a board
//!   (re)loaded from `GET /api/v1/queue` + `GET /api/v1/calls` shows the
//!   calls without highlighting any: a stale call is never shown as new.
//! - While a reload is in flight, live events are kept and re-applied on
//!   top of the loaded snapshot (without being announced twice).
//! - A recall is a new call, marked as a recall.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::apps::events::SseMessage;
use crate::apps::shell::Lang;
use crate::domain::announce::Announcement;
use crate::domain::time::from_millis;
use motcua_api::{CallView, Calls, HubEvent, QueueView, StreamEvent};

/// Calls listed on the board.
pub const LISTED_CALLS: usize = 6;

/// A call on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub event_id: i64,
    pub ticket_id: i64,
    pub number: String,
    pub counter: u32,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub recall: bool,
    pub recall_count: u32,
}

impl From<&CallView> for Call {
    fn from(c: &CallView) -> Self {
        Self {
            event_id: c.event_id,
            ticket_id: c.ticket_id,
            number: c.number.clone(),
            counter: c.counter,
            service_name_vi: c.service_name_vi.clone(),
            service_name_en: c.service_name_en.clone(),
            recall: c.recall,
            recall_count: c.recall_count,
        }
    }
}

/// One service's waiting count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Say this call in the hall.
    Announce(Announcement),
    /// Reload `GET /api/v1/queue` and `GET /api/v1/calls` (after `resync`).
    Reload,
}

/// Timing rules of the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardRules {
    /// How long the newest call stays highlighted.
    pub highlight: Duration,
    /// Calls older than this when heard are neither highlighted nor said.
    pub stale_after: Duration,
}

impl Default for BoardRules {
    fn default() -> Self {
        Self {
            highlight: Duration::from_secs(8),
            stale_after: Duration::from_secs(120),
        }
    }
}

/// The board's state.
#[derive(Debug, Clone)]
pub struct Board {
    rules: BoardRules,
    services: Vec<ServiceLine>,
    /// Newest first, at most [`LISTED_CALLS`].
    calls: VecDeque<Call>,
    /// Board clock (time since start) until which the newest call is
    /// highlighted.
    highlight_until: Option<Duration>,
    /// Board clock until which the newest call is "being called" (the
    /// stale-after window); after it the board says no one is being called.
    /// `None` with `idle` false: loaded, the window starts at the next tick.
    calling_until: Option<Duration>,
    idle: bool,
    last_event_id: i64,
    loaded: bool,
    /// Events heard while a reload is in flight.
    reload_pending: bool,
    held: Vec<SseMessage>,
    connected: bool,
    lang: Lang,
    /// Announcements requested since start (tests and benchmarks read it).
    announced: u64,
}

/// What the board shows, in its language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisplayView {
    pub language: &'static str,
    pub has_call: bool,
    pub newest_number: String,
    pub newest_counter: String,
    pub newest_service: String,
    pub newest_recall: bool,
    /// "GỌI LẠI" / "CALLED AGAIN", or "".
    pub newest_recall_text: String,
    pub highlighted: bool,
    /// What the large area says when no call is shown: no call yet, or no
    /// one being called now (the last calls stay in the list).
    pub idle_text: String,
    /// (number, counter text, recall text) newest first.
    pub calls: Vec<(String, String, String)>,
    /// (prefix · name, waiting text, waiting count)
    pub services: Vec<(String, String, u32)>,
    /// Empty when connected; otherwise what the board is doing about it.
    pub connection: String,
    pub last_event_id: i64,
}

impl Board {
    pub fn new(rules: BoardRules) -> Self {
        Self {
            rules,
            services: Vec::new(),
            calls: VecDeque::new(),
            highlight_until: None,
            calling_until: None,
            idle: false,
            last_event_id: 0,
            loaded: false,
            reload_pending: false,
            held: Vec::new(),
            connected: false,
            lang: Lang::Vi,
            announced: 0,
        }
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn last_event_id(&self) -> i64 {
        self.last_event_id
    }

    pub fn announced(&self) -> u64 {
        self.announced
    }

    /// The board needs a (re)load before events make sense.
    pub fn reload_requested(&mut self) {
        self.reload_pending = true;
    }

    /// A snapshot from the hub: the queue and the latest calls. Replaces the
    /// board (no highlight, nothing said), then re-applies events heard
    /// while it was loading.
    pub fn loaded(&mut self, queue: &QueueView, calls: &Calls) {
        self.services = queue
            .services
            .iter()
            .map(|s| ServiceLine {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: s.waiting,
            })
            .collect();
        // The calls list may have been read after the queue: keep it whole
        // and skip those events if they are replayed.
        self.last_event_id = queue.last_event_id;
        self.calls = calls
            .calls
            .iter()
            .take(LISTED_CALLS)
            .map(Call::from)
            .collect();
        self.highlight_until = None;
        self.calling_until = None;
        self.idle = false;
        self.loaded = true;
        self.reload_pending = false;
        let held = std::mem::take(&mut self.held);
        for message in held {
            // Said already when first heard (or stale): quiet this time.
            self.apply(&message, None);
        }
    }

    /// The stream connected or dropped.
    pub fn set_connected(&mut self, connected: bool) {
        self.connected = connected;
    }

    /// An event from the hub. `wall` is the current time (for freshness),
    /// `now` the board clock (for the highlight).
    pub fn event(
        &mut self,
        message: &SseMessage,
        wall: DateTime<Utc>,
        now: Duration,
    ) -> Vec<Effect> {
        if let Some(HubEvent::Resync(resync)) = message.read().map(|r| r.event) {
            // Too much was missed to replay: start over from a snapshot.
            self.reload_pending = true;
            self.held.clear();
            self.last_event_id = self.last_event_id.max(resync.last_event_id);
            return vec![Effect::Reload];
        }
        if self.reload_pending || !self.loaded {
            let effects = self.announce_if_fresh(message, wall);
            self.held.push(message.clone());
            return effects;
        }
        let fresh = self.apply(message, Some((wall, now)));
        fresh.into_iter().map(Effect::Announce).collect()
    }

    /// While loading: say fresh calls now (the snapshot will list them).
    fn announce_if_fresh(&mut self, message: &SseMessage, wall: DateTime<Utc>) -> Vec<Effect> {
        let Some(id) = message.id else {
            return Vec::new();
        };
        if id <= self.last_event_id || self.held.iter().any(|h| h.id == Some(id)) {
            return Vec::new();
        }
        match message.read().as_ref().and_then(call_of) {
            Some((call, at)) if self.is_fresh(at, wall) => {
                self.announced += 1;
                Announcement::call(&call.number, call.counter)
                    .map(|a| vec![Effect::Announce(a)])
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn is_fresh(&self, at: DateTime<Utc>, wall: DateTime<Utc>) -> bool {
        let age = (wall - at).to_std().unwrap_or(Duration::ZERO);
        age <= self.rules.stale_after
    }

    /// Applies an event; returns the announcement for a fresh call.
    /// `live` is `None` when re-applying held events (never announce).
    fn apply(
        &mut self,
        message: &SseMessage,
        live: Option<(DateTime<Utc>, Duration)>,
    ) -> Option<Announcement> {
        let id = message.id?;
        if id <= self.last_event_id {
            return None;
        }
        self.last_event_id = id;
        let read = message.read()?;
        for (code, n) in read.event.waiting().into_iter().flatten() {
            if let Some(line) = self.services.iter_mut().find(|s| &s.code == code) {
                line.waiting = *n;
            }
        }
        let (call, at) = call_of(&read)?;
        if self.calls.iter().any(|c| c.event_id == call.event_id) {
            return None;
        }
        self.calls.retain(|c| c.ticket_id != call.ticket_id);
        self.calls.push_front(call.clone());
        self.calls.truncate(LISTED_CALLS);
        let (wall, now) = live?;
        if !self.is_fresh(at, wall) {
            self.highlight_until = None;
            return None;
        }
        self.highlight_until = Some(now + self.rules.highlight);
        self.calling_until = Some(now + self.rules.stale_after);
        self.idle = false;
        self.announced += 1;
        Announcement::call(&call.number, call.counter).ok()
    }

    /// The board clock moved; returns whether the view changed.
    pub fn tick(&mut self, now: Duration) -> bool {
        let mut changed = false;
        if self.highlight_until.is_some_and(|until| now >= until) {
            self.highlight_until = None;
            changed = true;
        }
        match self.calling_until {
            Some(until) if now >= until && !self.idle => {
                self.idle = true;
                self.calling_until = None;
                changed = true;
            }
            None if !self.idle && !self.calls.is_empty() => {
                // Loaded (or heard late): the window starts now.
                self.calling_until = Some(now + self.rules.stale_after);
            }
            _ => {}
        }
        changed
    }

    /// The calls listed, newest first.
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter()
    }

    /// What the screen shows.
    pub fn view(&self) -> DisplayView {
        let l = self.lang;
        let counter_text = |c: &Call| match l {
            Lang::Vi => format!("Quầy {}", c.counter),
            Lang::En => format!("Counter {}", c.counter),
        };
        let recall_text = |c: &Call| {
            if !c.recall {
                return String::new();
            }
            match (l, c.recall_count) {
                (Lang::Vi, n) if n > 1 => format!("GỌI LẠI LẦN {n}"),
                (Lang::Vi, _) => "GỌI LẠI".to_owned(),
                (Lang::En, n) if n > 1 => format!("CALLED AGAIN ({n})"),
                (Lang::En, _) => "CALLED AGAIN".to_owned(),
            }
        };
        let mut view = DisplayView {
            language: l.code(),
            last_event_id: self.last_event_id,
            highlighted: self.highlight_until.is_some(),
            calls: self
                .calls
                .iter()
                .map(|c| (c.number.clone(), counter_text(c), recall_text(c)))
                .collect(),
            services: self
                .services
                .iter()
                .map(|s| {
                    let name = l.pick(&s.name_vi, &s.name_en);
                    let waiting = l.people_waiting(s.waiting);
                    (format!("{} · {name}", s.prefix), waiting, s.waiting)
                })
                .collect(),
            connection: if self.connected || !self.loaded {
                String::new()
            } else {
                l.pick(
                    "Mất kết nối với máy chủ, đang kết nối lại…",
                    "Connection to the office system lost, reconnecting…",
                )
                .to_owned()
            },
            ..DisplayView::default()
        };
        if !self.loaded && !self.connected {
            view.connection = l
                .pick(
                    "Đang kết nối với máy chủ…",
                    "Connecting to the office system…",
                )
                .to_owned();
        }
        view.idle_text = match (l, self.calls.is_empty()) {
            (Lang::Vi, true) => "Chưa có số nào được gọi",
            (Lang::Vi, false) => "Hiện không gọi số nào",
            (Lang::En, true) => "No number called yet",
            (Lang::En, false) => "No one is being called now",
        }
        .to_owned();
        if let Some(c) = self.calls.front().filter(|_| !self.idle) {
            view.has_call = true;
            view.newest_number = c.number.clone();
            view.newest_counter = counter_text(c);
            view.newest_service = l.pick(&c.service_name_vi, &c.service_name_en).to_owned();
            view.newest_recall = c.recall;
            view.newest_recall_text = recall_text(c);
        }
        view
    }
}

/// The call an event carries, and when it was made.
fn call_of(read: &StreamEvent) -> Option<(Call, DateTime<Utc>)> {
    let (id, at) = (read.id?, from_millis(read.at_ms?));
    let view = CallView::from_event(
        id,
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        &read.event,
    )?;
    Some((Call::from(&view), at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn wall(s: i64) -> DateTime<Utc> {
        from_millis(1_800_000_000_000 + s * 1000)
    }

    fn queue(last_event_id: i64, waiting: u32) -> QueueView {
        serde_json::from_value(serde_json::json!({
            "business_date": "2026-11-26",
            "services": [
                {"code": "hotich", "prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil status", "waiting": waiting, "open_counters": 1, "estimated_wait_minutes": 0},
                {"code": "chungthuc", "prefix": "B", "name_vi": "Chứng thực", "name_en": "Certification", "waiting": 0, "open_counters": 1, "estimated_wait_minutes": 0}
            ],
            "counters": [],
            "last_event_id": last_event_id
        }))
        .unwrap()
    }

    fn no_calls(last: i64) -> Calls {
        Calls {
            last_event_id: last,
            calls: Vec::new(),
        }
    }

    /// A call event: (ticket id, number, counter, recalls), made `at`
    /// seconds into the test, with the service's waiting count.
    fn call_event(
        id: i64,
        kind: &str,
        (ticket, number, counter, recalls): (i64, &str, u32, u32),
        at: i64,
        waiting: u32,
    ) -> SseMessage {
        let data = serde_json::json!({
            "id": id,
            "at_ms": wall(at).timestamp_millis(),
            "data": {
                "ticket": {
                    "id": ticket, "number": number, "service": "hotich",
                    "service_name_vi": "Hộ tịch", "service_name_en": "Civil status",
                    "priority": null, "priority_name_vi": null, "state": "called",
                    "business_date": "2026-11-26", "issued_at": "2026-11-26T08:00:00+07:00",
                    "called_at": null, "started_at": null, "finished_at": null,
                    "counter": counter, "recall_count": recalls, "transfer_count": 0,
                    "people_ahead": 0, "estimated_wait_minutes": 0,
                    "print_status": null, "print_error": null
                },
                "waiting": { "hotich": waiting }
            }
        });
        SseMessage {
            id: Some(id),
            event: kind.to_owned(),
            data: data.to_string(),
        }
    }

    fn loaded_board() -> Board {
        let mut b = Board::new(BoardRules::default());
        b.loaded(&queue(10, 5), &no_calls(10));
        b.set_connected(true);
        b
    }

    fn said(effects: &[Effect]) -> Vec<String> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Announce(a) => Some(a.sentence.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_call_is_shown_large_highlighted_announced_and_counts_update() {
        let mut b = loaded_board();
        let e = b.event(
            &call_event(11, "ticket.called", (1, "A001", 3, 0), 0, 4),
            wall(1),
            secs(100),
        );
        assert_eq!(said(&e), ["Mời công dân có số thứ tự A001 đến quầy số 3"]);
        let v = b.view();
        assert!(v.has_call && v.highlighted);
        assert_eq!(
            (v.newest_number.as_str(), v.newest_counter.as_str()),
            ("A001", "Quầy 3")
        );
        assert_eq!(
            v.services[0],
            ("A · Hộ tịch".into(), "4 người chờ".into(), 4)
        );
        assert!(!b.tick(secs(107)));
        assert!(b.tick(secs(108)), "the highlight lasts 8 s");
        assert!(!b.view().highlighted);
        assert_eq!(b.view().newest_number, "A001", "still the newest call");
    }

    /// #14 item 20: once the newest call is older than the stale window,
    /// the board says no one is being called (the list keeps the calls);
    /// a new call shows again.
    #[test]
    fn an_idle_board_says_no_one_is_being_called() {
        let mut b = loaded_board();
        assert_eq!(b.view().idle_text, "Chưa có số nào được gọi");
        b.event(
            &call_event(11, "ticket.called", (1, "A001", 3, 0), 0, 4),
            wall(0),
            secs(0),
        );
        assert!(b.view().has_call);
        b.tick(secs(60));
        assert!(b.view().has_call, "still being called within the window");
        assert!(b.tick(secs(121)));
        let v = b.view();
        assert!(!v.has_call && !v.highlighted);
        assert_eq!(v.idle_text, "Hiện không gọi số nào");
        assert_eq!(v.calls.len(), 1, "the list keeps the call");
        b.set_lang(Lang::En);
        assert_eq!(b.view().idle_text, "No one is being called now");
        b.event(
            &call_event(12, "ticket.called", (2, "A002", 1, 0), 130, 3),
            wall(130),
            secs(130),
        );
        assert!(b.view().has_call, "a new call shows again");
    }

    #[test]
    fn a_recall_is_a_new_call_marked_as_a_recall() {
        let mut b = loaded_board();
        b.event(
            &call_event(11, "ticket.called", (1, "A001", 3, 0), 0, 4),
            wall(0),
            secs(0),
        );
        b.event(
            &call_event(12, "ticket.called", (2, "A002", 1, 0), 0, 3),
            wall(0),
            secs(1),
        );
        let e = b.event(
            &call_event(13, "ticket.recalled", (1, "A001", 3, 1), 30, 3),
            wall(30),
            secs(30),
        );
        assert_eq!(said(&e).len(), 1, "a recall is announced again");
        let v = b.view();
        assert_eq!(v.newest_number, "A001");
        assert!(v.newest_recall && v.highlighted);
        assert_eq!(v.newest_recall_text, "GỌI LẠI");
        assert_eq!(
            v.calls,
            vec![
                ("A001".into(), "Quầy 3".into(), "GỌI LẠI".into()),
                ("A002".into(), "Quầy 1".into(), "".into())
            ],
            "the ticket is listed once, at its latest call"
        );
    }

    #[test]
    fn replayed_events_apply_once_and_are_said_once() {
        let mut b = loaded_board();
        let call = call_event(11, "ticket.called", (1, "A001", 3, 0), 0, 4);
        assert_eq!(said(&b.event(&call, wall(0), secs(0))).len(), 1);
        assert!(b.event(&call, wall(1), secs(1)).is_empty());
        // Older than what was loaded: ignored too.
        assert!(b
            .event(
                &call_event(9, "ticket.called", (9, "A009", 2, 0), 0, 4),
                wall(0),
                secs(1)
            )
            .is_empty());
        assert_eq!(b.view().calls.len(), 1);
    }

    #[test]
    fn a_late_call_is_listed_but_not_shown_as_new() {
        let mut b = loaded_board();
        let e = b.event(
            &call_event(11, "ticket.called", (1, "A001", 3, 0), 0, 4),
            wall(600),
            secs(600),
        );
        assert!(e.is_empty(), "ten minutes late: not announced");
        let v = b.view();
        assert_eq!(v.newest_number, "A001");
        assert!(!v.highlighted);
    }

    #[test]
    fn a_loaded_board_highlights_nothing() {
        let mut b = Board::new(BoardRules::default());
        assert_eq!(b.view().connection, "Đang kết nối với máy chủ…");
        let calls = Calls {
            last_event_id: 20,
            calls: vec![CallView {
                event_id: 20,
                at: "2026-11-26T08:00:00+07:00".into(),
                ticket_id: 4,
                number: "B004".into(),
                counter: 2,
                service: "chungthuc".into(),
                service_name_vi: "Chứng thực".into(),
                service_name_en: "Certification".into(),
                recall: false,
                recall_count: 0,
            }],
        };
        b.loaded(&queue(20, 2), &calls);
        let v = b.view();
        assert_eq!(v.newest_number, "B004");
        assert!(!v.highlighted);
    }

    #[test]
    fn resync_reloads_and_events_heard_meanwhile_survive_the_snapshot() {
        let mut b = loaded_board();
        let e = b.event(
            &SseMessage {
                id: Some(500),
                event: "resync".into(),
                data: "{\"last_event_id\":500}".into(),
            },
            wall(0),
            secs(0),
        );
        assert_eq!(e, vec![Effect::Reload]);
        // A call arrives before the snapshot: said now, listed after the load.
        let e = b.event(
            &call_event(501, "ticket.called", (7, "A007", 2, 0), 0, 1),
            wall(0),
            secs(1),
        );
        assert_eq!(said(&e).len(), 1);
        b.loaded(&queue(500, 2), &no_calls(500));
        let v = b.view();
        assert_eq!(v.newest_number, "A007");
        assert_eq!(v.services[0].2, 1, "the newer count wins");
        assert_eq!(b.last_event_id(), 501);
        assert_eq!(b.announced(), 1);
        // The same event replayed later changes nothing.
        assert!(b
            .event(
                &call_event(501, "ticket.called", (7, "A007", 2, 0), 0, 1),
                wall(1),
                secs(2)
            )
            .is_empty());
    }

    #[test]
    fn the_list_keeps_six_calls() {
        let mut b = loaded_board();
        for i in 0..10 {
            b.event(
                &call_event(
                    11 + i,
                    "ticket.called",
                    (1 + i, &format!("A{:03}", i + 1), 1, 0),
                    0,
                    0,
                ),
                wall(0),
                secs(0),
            );
        }
        let v = b.view();
        assert_eq!(v.calls.len(), LISTED_CALLS);
        assert_eq!(v.calls[0].0, "A010");
        assert_eq!(v.calls[5].0, "A005");
    }

    #[test]
    fn lost_connection_is_shown() {
        let mut b = loaded_board();
        b.set_connected(false);
        b.set_lang(Lang::En);
        assert_eq!(
            b.view().connection,
            "Connection to the office system lost, reconnecting…"
        );
    }
}
