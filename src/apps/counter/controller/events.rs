//! The hub's live events as the counter applies them: each once, in id
//! order; waiting counts, tickets to reprint, kiosks out of service, and
//! the current ticket when someone else moved it.

use super::{Counter, CounterTicket, Effect};
use crate::apps::events::SseMessage;
use motcua_api::HubEvent;

impl Counter {
    /// An event from the hub's stream.
    pub fn event(&mut self, message: &SseMessage) -> Vec<Effect> {
        let Some(read) = message.read() else {
            return Vec::new();
        };
        if let HubEvent::Resync(resync) = &read.event {
            self.last_event_id = self.last_event_id.max(resync.last_event_id);
            return vec![Effect::Load];
        }
        let Some(id) = read.id else {
            return Vec::new();
        };
        if id <= self.last_event_id {
            return Vec::new();
        }
        self.last_event_id = id;
        match &read.event {
            HubEvent::DeviceFault(d) => {
                self.device_event(d, true);
                return Vec::new();
            }
            HubEvent::DeviceWarning(d) | HubEvent::DeviceRecovered(d) => {
                self.device_event(d, false);
                return Vec::new();
            }
            HubEvent::CounterOpened(c)
            | HubEvent::CounterPaused(c)
            | HubEvent::CounterClosed(c) => {
                if c.counter.number == self.counter {
                    self.state = c.counter.state;
                }
                return Vec::new();
            }
            _ => {}
        }
        for (code, n) in read.event.waiting().into_iter().flatten() {
            if let Some(s) = self.services.iter_mut().find(|s| &s.code == code) {
                s.waiting = *n;
            }
        }
        let Some(t) = read.event.ticket() else {
            return Vec::new();
        };
        // Tickets to reprint.
        match &read.event {
            HubEvent::TicketPrintFailed(_) => {
                if !self.print_failed.iter().any(|p| p.id == t.id) {
                    self.print_failed.push(t.clone());
                }
            }
            HubEvent::TicketPrinted(_) => self.print_failed.retain(|p| p.id != t.id),
            _ => {
                if t.state.is_final() {
                    self.print_failed.retain(|p| p.id != t.id);
                } else if let Some(p) = self.print_failed.iter_mut().find(|p| p.id == t.id) {
                    *p = t.clone();
                }
            }
        }
        // The current ticket, if someone else (a technician, this counter's
        // other window) moved it.
        let mine = t.counter == Some(self.counter) && t.state.is_at_counter();
        let was_current = self.current.as_ref().is_some_and(|c| c.ticket.id == t.id);
        if self.busy.is_none() {
            if mine {
                return self.set_current(Some(CounterTicket::new(t.clone())));
            }
            if was_current {
                return self.set_current(None);
            }
        }
        Vec::new()
    }
}
