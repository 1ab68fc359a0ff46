//! Queue work at the desk: the queue snapshot, the one-keystroke actions
//! (F1 call next … F7 pause/open, F6 transfer) with one action in flight
//! at a time, and the hub's answers to them.

use super::view::l_service;
use super::{Answer, Command, Counter, CounterTicket, Effect, Page, Waiting};
use crate::apps::hub_client::HubError;
use motcua_api::{CounterState, QueueView, TicketView};

impl Counter {
    /// A snapshot of the queue and of the tickets to reprint.
    pub fn loaded(&mut self, queue: &QueueView, print_failed: Vec<TicketView>) -> Vec<Effect> {
        self.services = queue
            .services
            .iter()
            .map(|s| Waiting {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: s.waiting,
            })
            .collect();
        let mut effects = Vec::new();
        if let Some(c) = queue.counters.iter().find(|c| c.number == self.counter) {
            self.state = c.state;
            self.serves = c.services.clone();
            let current = c.current.clone().map(CounterTicket::new);
            effects.extend(self.set_current(current));
        }
        self.print_failed = print_failed;
        self.last_event_id = self.last_event_id.max(queue.last_event_id);
        let first = !self.loaded;
        self.loaded = true;
        if first && self.state == CounterState::Closed {
            // An officer who signs in is at work: the counter opens.
            effects.extend(self.command(Command::Open));
        }
        if !self.listening {
            self.listening = true;
            effects.push(Effect::Listen {
                last_event_id: queue.last_event_id,
            });
        }
        effects
    }

    /// Which actions make sense now.
    pub(super) fn can(&self) -> Can {
        let state = self.current.as_ref().map(|c| c.ticket.state.as_str());
        let at_counter = matches!(state, Some("called") | Some("serving"));
        let idle = self.busy.is_none() && self.loaded && self.page == Page::Work;
        Can {
            call: idle && self.state != CounterState::Paused && state != Some("called"),
            recall: idle && state == Some("called"),
            start: idle && state == Some("called"),
            finish: idle && at_counter,
            no_show: idle && state == Some("called"),
            transfer: idle && at_counter,
        }
    }

    /// A key or button: F1 … F7.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        if self.page != Page::Work || self.busy.is_some() || !self.loaded {
            return Vec::new();
        }
        let can = self.can();
        let allowed = match &command {
            Command::CallNext => can.call,
            Command::Recall => can.recall,
            Command::Start => can.start,
            Command::Finish => can.finish,
            Command::NoShow => can.no_show,
            Command::Transfer(code) => {
                can.transfer
                    && self
                        .current
                        .as_ref()
                        .is_some_and(|c| &c.ticket.service != code)
            }
            Command::Pause => self.state == CounterState::Open,
            Command::Open => self.state != CounterState::Open,
        };
        if !allowed {
            return Vec::new();
        }
        self.transfer_open = false;
        self.busy = Some(command.clone());
        self.note = None;
        vec![Effect::Act {
            command,
            key: uuid::Uuid::new_v4().to_string(),
        }]
    }

    /// F7: pause an open counter, open a paused or closed one.
    pub fn toggle_pause(&mut self) -> Vec<Effect> {
        if self.state == CounterState::Open {
            self.command(Command::Pause)
        } else {
            self.command(Command::Open)
        }
    }

    /// F6: choose the service to send the citizen to.
    pub fn open_transfer(&mut self) {
        if self.can().transfer {
            self.transfer_open = true;
        }
    }

    pub fn cancel_transfer(&mut self) {
        self.transfer_open = false;
    }

    /// The hub answered an action.
    pub fn acted(&mut self, command: &Command, result: Result<Answer, HubError>) -> Vec<Effect> {
        if self.busy.as_ref() != Some(command) {
            return Vec::new();
        }
        self.busy = None;
        let answer = match result {
            Ok(a) => a,
            Err(err) => {
                if matches!(err, HubError::Refused { status: 401, .. }) {
                    self.session_lost();
                    return Vec::new();
                }
                self.hub_error(&err);
                return Vec::new();
            }
        };
        let previous = self.current.clone();
        let mut effects = Vec::new();
        match (command, answer) {
            (Command::CallNext, Answer::Nothing) => {
                // A serving ticket was finished by "next" even so.
                if let Some(p) = previous.filter(|p| p.ticket.state.as_str() == "serving") {
                    effects.push(rate(&p.ticket));
                }
                effects.extend(self.set_current(None));
                self.say(
                    "Không còn ai chờ ở các lĩnh vực của quầy này.",
                    "Nobody is waiting for this counter's services.",
                    false,
                );
            }
            (Command::CallNext, Answer::Ticket(t)) => {
                if let Some(p) = previous.filter(|p| p.ticket.state.as_str() == "serving") {
                    effects.push(rate(&p.ticket));
                }
                self.state = CounterState::Open;
                self.say(
                    format!("Đã gọi số {}.", t.ticket.number),
                    format!("Called {}.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(Some(t)));
            }
            (Command::Finish, Answer::Ticket(t)) => {
                self.say(
                    format!(
                        "Đã hoàn thành số {}. Mời công dân đánh giá.",
                        t.ticket.number
                    ),
                    format!(
                        "{} is done. Please invite the citizen to rate.",
                        t.ticket.number
                    ),
                    false,
                );
                effects.push(rate(&t.ticket));
                effects.extend(self.set_current(None));
            }
            (Command::NoShow, Answer::Ticket(t)) => {
                self.say(
                    format!("Số {} vắng mặt.", t.ticket.number),
                    format!("{} did not come.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(None));
            }
            (Command::Transfer(_), Answer::Ticket(t)) => {
                let to = l_service(self.lang, &t.ticket);
                self.say(
                    format!(
                        "Đã chuyển số {} sang {}.",
                        t.ticket.number, t.ticket.service_name_vi
                    ),
                    format!("{} moved to {to}.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(None));
            }
            (Command::Recall | Command::Start, Answer::Ticket(t)) => {
                if *command == Command::Recall {
                    self.say(
                        format!("Đã gọi lại số {}.", t.ticket.number),
                        format!("Called {} again.", t.ticket.number),
                        false,
                    );
                }
                effects.extend(self.set_current(Some(t)));
            }
            (Command::Pause | Command::Open, Answer::Counter(c)) => {
                self.state = c.state;
                if c.state == CounterState::Paused {
                    self.say(
                        "Quầy đang tạm dừng: không nhận số mới. Nhấn F7 để mở lại.",
                        "The counter is paused: no new calls. Press F7 to open it.",
                        false,
                    );
                } else {
                    self.say("Quầy đã mở.", "The counter is open.", false);
                }
            }
            (_, other) => {
                tracing::warn!(?command, ?other, "unexpected answer from the hub");
            }
        }
        effects
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Can {
    pub(super) call: bool,
    pub(super) recall: bool,
    pub(super) start: bool,
    pub(super) finish: bool,
    pub(super) no_show: bool,
    pub(super) transfer: bool,
}

fn rate(t: &TicketView) -> Effect {
    Effect::Rate {
        ticket: t.id,
        number: t.number.clone(),
    }
}
