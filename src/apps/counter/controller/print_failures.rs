//! Tickets a kiosk could not print, reprinted on the counter's own
//! printer, and the kiosks out of service (citizens may come without a
//! ticket), so the officer knows why.

use super::{Counter, Effect};
use motcua_api::{Device, DeviceEvent, DeviceState, DeviceStateView, KioskDevices};

impl Counter {
    /// "In lại" on a ticket the kiosk could not print.
    pub fn reprint(&mut self, ticket: i64) -> Vec<Effect> {
        if !self.has_printer || self.reprinting.is_some() {
            return Vec::new();
        }
        let Some(t) = self.print_failed.iter().find(|t| t.id == ticket) else {
            return Vec::new();
        };
        self.reprinting = Some(ticket);
        vec![Effect::Reprint(Box::new(t.clone()))]
    }

    /// The counter's printer finished (or failed) a reprint.
    pub fn reprinted(&mut self, ticket: i64, result: Result<(), String>) -> Vec<Effect> {
        if self.reprinting != Some(ticket) {
            return Vec::new();
        }
        self.reprinting = None;
        let number = self
            .print_failed
            .iter()
            .find(|t| t.id == ticket)
            .map(|t| t.number.clone())
            .unwrap_or_default();
        match result {
            Ok(()) => {
                self.print_failed.retain(|t| t.id != ticket);
                self.say(
                    format!("Đã in lại phiếu {number}."),
                    format!("Ticket {number} reprinted."),
                    false,
                );
                vec![Effect::ReportReprinted {
                    ticket,
                    key: format!("reprint-{ticket}-{}", uuid::Uuid::new_v4()),
                }]
            }
            Err(why) => {
                self.say(
                    format!("Chưa in lại được phiếu {number}: {why}"),
                    format!("Ticket {number} was not reprinted: {why}"),
                    true,
                );
                Vec::new()
            }
        }
    }

    /// The hub's health answer: which kiosks are out of service now.
    pub fn kiosks_loaded(&mut self, kiosks: &[KioskDevices]) {
        self.kiosks_out.clear();
        for k in kiosks.iter().filter(|k| k.out_of_service) {
            let problem = k.devices.iter().find(|d| d.state == DeviceState::Fault);
            let said = |pick: fn(&DeviceStateView) -> &str| {
                problem.map(pick).unwrap_or_default().to_owned()
            };
            self.kiosks_out.insert(
                k.kiosk.clone(),
                (said(|d| &d.message_vi), said(|d| &d.message_en)),
            );
        }
    }

    /// A device event: a kiosk went out of service, or came back.
    pub(super) fn device_event(&mut self, event: &DeviceEvent, fault: bool) {
        if event.out_of_service {
            self.kiosks_out.insert(
                event.kiosk.clone(),
                (event.message_vi.clone(), event.message_en.clone()),
            );
        } else if event.device == Device::Printer && !fault {
            self.kiosks_out.remove(&event.kiosk);
        }
    }
}
