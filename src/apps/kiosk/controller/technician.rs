//! The technician flow: the hidden corner, the PIN pad, the diagnostics
//! screen and its actions. What the screens show is kept by the model
//! [`crate::apps::kiosk::technician::Technician`]; this flow moves between
//! the two pages and turns the screen's [`TechAction`] buttons into
//! effects. Its screen is `TechAdapter`.

use std::time::Duration;

use super::shared::{Effect, Nav};
use crate::apps::diagnostics::pin::PinOutcome;
use crate::apps::diagnostics::{Action, CheckResult, Report, Status};
use crate::apps::kiosk::technician::{CheckRow, Technician};
use crate::apps::shell::Lang;
use crate::apps::ui::CheckStatus;
use crate::apps::ui::{KioskPage as Page, TechAction};

pub use crate::apps::kiosk::technician::{HOLD, IDLE};

/// What the technician pages show (`TechAdapter`), in the current language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TechScreen {
    pub pin_dots: String,
    pub message: String,
    pub headline: String,
    pub rows: Vec<CheckRow>,
    pub detail_title: String,
    pub detail: Vec<String>,
    pub action_text: String,
    pub action_status: CheckStatus,
    pub busy: bool,
}

/// A check's status as the screen colours it.
pub fn check_status(status: Status) -> CheckStatus {
    match status {
        Status::Pass => CheckStatus::Pass,
        Status::Warn => CheckStatus::Warn,
        Status::Fail => CheckStatus::Fail,
    }
}

/// The technician flow's state.
#[derive(Debug, Clone, Default)]
pub struct TechFlow {
    model: Technician,
}

impl TechFlow {
    pub fn reset(&mut self) {
        self.model.reset();
    }

    pub fn corner(&mut self, pressed: bool, now: Duration) {
        self.model.corner(pressed, now);
    }

    pub fn held_long_enough(&mut self, now: Duration) -> bool {
        self.model.held_long_enough(now)
    }

    /// A key of the PIN pad; "done" sends the PIN to be checked.
    pub fn key(&mut self, nav: &Nav, key: &str) -> Vec<Effect> {
        if nav.page != Page::TechPin {
            return Vec::new();
        }
        match self.model.pin_key(key) {
            Some(pin) => vec![Effect::CheckPin(pin)],
            None => Vec::new(),
        }
    }

    pub fn pin_checked(&mut self, nav: &mut Nav, outcome: PinOutcome) -> Vec<Effect> {
        match outcome {
            PinOutcome::Granted => {
                self.model.pin_granted();
                nav.page = Page::Tech;
                vec![Effect::RunDiagnostics]
            }
            other => {
                self.model
                    .pin_refused(other.message_vi(), other.message_en());
                Vec::new()
            }
        }
    }

    pub fn diagnostics_done(&mut self, nav: &Nav, report: Report) {
        if nav.page == Page::Tech {
            self.model.report_ready(report);
        }
    }

    pub fn select(&mut self, nav: &Nav, name: &str) {
        if nav.page == Page::Tech {
            self.model.select(name);
        }
    }

    /// A button of the diagnostics screen; one at a time.
    pub fn action(&mut self, nav: &Nav, action: TechAction) -> Vec<Effect> {
        if nav.page != Page::Tech || self.model.running {
            return Vec::new();
        }
        let effect = match action {
            TechAction::RunAll => Effect::RunDiagnostics,
            TechAction::TestPrint => Effect::TechAction(Action::TestPrint),
            TechAction::ProbePrint => Effect::TechAction(Action::ProbePrint),
            TechAction::FeedCut => Effect::TechAction(Action::FeedAndCut),
            TechAction::RetryOutbox => Effect::TechAction(Action::RetryOutbox),
            TechAction::BundleUsb => Effect::ExportBundle { upload: false },
            TechAction::BundleHub => Effect::ExportBundle { upload: true },
        };
        self.model.running = true;
        vec![effect]
    }

    pub fn action_done(&mut self, nav: &Nav, result: CheckResult) {
        if nav.page == Page::Tech {
            self.model.action_done(result);
        }
    }

    pub fn view(&self, l: Lang, page: Page) -> TechScreen {
        if !matches!(page, Page::TechPin | Page::Tech) {
            return TechScreen::default();
        }
        let t = &self.model;
        let (detail_title, detail) = t.detail(l);
        let (action_text, status) = t.action_text(l);
        TechScreen {
            pin_dots: t.pin_dots(),
            message: t.message(l),
            headline: t.headline(l),
            rows: t.rows(l),
            detail_title,
            detail,
            action_text,
            action_status: status.map(check_status).unwrap_or_default(),
            busy: t.running || t.checking_pin,
        }
    }
}
