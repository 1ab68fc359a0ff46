//! What the counter screen shows, in the officer's language: the state
//! rendered into words, with nothing computed in Slint.

use chrono::{DateTime, Utc};

use super::screen::CounterScreen;
use super::{Counter, Waiting};
use crate::apps::shell::Lang;
use motcua_api::{CounterState, TicketView};

impl Counter {
    /// What the screen shows at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> CounterScreen {
        let l = self.lang;
        let serves = |s: &Waiting| self.serves.iter().any(|c| c == &s.code);
        let open = self.state == CounterState::Open;
        let can = self.can();
        let mut view = CounterScreen {
            kiosk_banner: self
                .kiosks_out
                .iter()
                .map(|(kiosk, (vi, en))| match (l, vi.is_empty()) {
                    (Lang::Vi, false) => format!("{vi} Ki-ốt này đang ngừng phục vụ."),
                    (Lang::En, false) => format!("{en} This kiosk is out of service."),
                    (Lang::Vi, true) => format!("Ki-ốt {kiosk} đang ngừng phục vụ."),
                    (Lang::En, true) => format!("Kiosk {kiosk} is out of service."),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            page: self.page,
            language: l.code(),
            counter_title: match l {
                Lang::Vi => format!("Quầy số {}", self.counter),
                Lang::En => format!("Counter {}", self.counter),
            },
            officer_name: self
                .officer
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            counter_state: self.state,
            counter_state_text: match (l, self.state) {
                (Lang::Vi, CounterState::Open) => "Đang mở",
                (Lang::Vi, CounterState::Paused) => "Tạm dừng",
                (Lang::Vi, CounterState::Closed) => "Đóng",
                (Lang::En, CounterState::Open) => "Open",
                (Lang::En, CounterState::Paused) => "Paused",
                (Lang::En, CounterState::Closed) => "Closed",
            }
            .to_owned(),
            signing_in: self.signing_in,
            waiting: self
                .services
                .iter()
                .filter(|s| serves(s))
                .map(|s| {
                    (
                        s.code.clone(),
                        format!("{} · {}", s.prefix, l.pick(&s.name_vi, &s.name_en)),
                        l.people_waiting(s.waiting),
                    )
                })
                .collect(),
            print_failed: self
                .print_failed
                .iter()
                .map(|t| {
                    let (vi, en) = crate::domain::wording::kind_words(
                        motcua_api::DeviceKind::parse(t.print_error.as_deref().unwrap_or_default()),
                    );
                    let why = l.pick(vi, en);
                    let detail = match l {
                        Lang::Vi => format!("{} · lỗi máy in: {why}", t.service_name_vi),
                        Lang::En => format!("{} · printer error: {why}", t.service_name_en),
                    };
                    (t.id, t.number.clone(), detail)
                })
                .collect(),
            has_printer: self.has_printer,
            busy: self.busy.is_some() || self.reprinting.is_some(),
            can_call: can.call,
            can_recall: can.recall,
            can_start: can.start,
            can_finish: can.finish,
            can_no_show: can.no_show,
            can_transfer: can.transfer,
            paused: !open,
            closed: self.state == CounterState::Closed,
            transfer_open: self.transfer_open,
            transfer_targets: self
                .services
                .iter()
                .filter(|s| {
                    self.current
                        .as_ref()
                        .is_none_or(|c| c.ticket.service != s.code)
                })
                .map(|s| {
                    (
                        s.code.clone(),
                        format!("{} · {}", s.prefix, l.pick(&s.name_vi, &s.name_en)),
                    )
                })
                .collect(),
            idle_hint: match (l, self.state) {
                (Lang::Vi, CounterState::Open) => "Chưa gọi số nào. Nhấn F1 để gọi số tiếp theo.",
                (Lang::Vi, CounterState::Paused) => {
                    "Quầy đang tạm dừng, không gọi số mới. Nhấn F7 để mở lại quầy."
                }
                (Lang::Vi, CounterState::Closed) => "Quầy đang đóng. Nhấn F7 để mở quầy.",
                (Lang::En, CounterState::Open) => {
                    "No number called. Press F1 to call the next one."
                }
                (Lang::En, CounterState::Paused) => {
                    "The counter is paused: no new calls. Press F7 to open it again."
                }
                (Lang::En, CounterState::Closed) => "The counter is closed. Press F7 to open it.",
            }
            .to_owned(),
            // The ticket, its dossier and the note: below.
            has_ticket: false,
            ticket_number: String::new(),
            ticket_service: String::new(),
            ticket_priority: String::new(),
            ticket_state_text: String::new(),
            ticket_wait: String::new(),
            has_dossier: false,
            dossier_title: String::new(),
            dossier_lines: Vec::new(),
            message: String::new(),
            message_is_error: false,
        };
        if let Some(c) = &self.current {
            let t = &c.ticket;
            view.has_ticket = true;
            view.ticket_number = t.number.clone();
            view.ticket_service = l_service(l, t);
            view.ticket_priority = t
                .priority_name_vi
                .as_ref()
                .map(|p| match l {
                    Lang::Vi => format!("Ưu tiên: {p}"),
                    Lang::En => format!("Priority: {p}"),
                })
                .unwrap_or_default();
            view.ticket_state_text = match (l, t.state.as_str(), t.recall_count) {
                (Lang::Vi, "called", 0) => "Đã gọi, chờ công dân đến quầy".to_owned(),
                (Lang::Vi, "called", n) => format!("Đã gọi lại {n} lần, chờ công dân đến quầy"),
                (Lang::Vi, "serving", _) => "Đang phục vụ".to_owned(),
                (Lang::En, "called", 0) => "Called, waiting for the citizen".to_owned(),
                (Lang::En, "called", n) => format!("Called again {n}×, waiting for the citizen"),
                (Lang::En, "serving", _) => "Being served".to_owned(),
                (_, other, _) => other.to_owned(),
            };
            view.ticket_wait = wait_text(l, t, now);
        }
        if let Some(d) = self.dossier_view(l) {
            view.has_dossier = true;
            view.dossier_title = d.title;
            view.dossier_lines = d.lines;
        } else if let Some(code) = self.current.as_ref().and_then(|c| c.dossier_code.clone()) {
            view.has_dossier = true;
            view.dossier_title = match l {
                Lang::Vi => format!("Hồ sơ {code} (đang tải…)"),
                Lang::En => format!("Dossier {code} (loading…)"),
            };
        }
        if let Some(n) = &self.note {
            view.message = l.pick(&n.vi, &n.en).to_owned();
            view.message_is_error = n.error;
        }
        view
    }
}

pub(super) fn l_service(l: Lang, t: &TicketView) -> String {
    l.pick(&t.service_name_vi, &t.service_name_en).to_owned()
}

fn minutes_between(from: &str, to: DateTime<Utc>) -> Option<i64> {
    let from = DateTime::parse_from_rfc3339(from).ok()?;
    Some(((to - from.with_timezone(&Utc)).num_seconds().max(0)) / 60)
}

/// "Đã chờ 12 phút · đang phục vụ 3 phút".
fn wait_text(l: Lang, t: &TicketView, now: DateTime<Utc>) -> String {
    let called = t
        .called_at
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|c| c.with_timezone(&Utc))
        .unwrap_or(now);
    let waited = minutes_between(&t.issued_at, called).unwrap_or(0);
    let mut text = match l {
        Lang::Vi => format!("Đã chờ {waited} phút"),
        Lang::En => format!("Waited {waited} min"),
    };
    if let Some(m) = t
        .started_at
        .as_deref()
        .and_then(|s| minutes_between(s, now))
    {
        text.push_str(&match l {
            Lang::Vi => format!(" · đang phục vụ {m} phút"),
            Lang::En => format!(" · served for {m} min"),
        });
    } else if t.called_at.is_some() {
        let since = minutes_between(t.called_at.as_deref().unwrap_or_default(), now).unwrap_or(0);
        text.push_str(&match l {
            Lang::Vi => format!(" · gọi cách đây {since} phút"),
            Lang::En => format!(" · called {since} min ago"),
        });
    }
    text
}
