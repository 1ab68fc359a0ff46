//! The citizen's rating screen, shared by the kiosk (*Đánh giá* on the home
//! page: scan the ticket's QR code or type its number) and the counter's
//! citizen panel (the ticket just finished, chosen by the counter).
//!
//! [`RatingFlow`] is the behaviour (plain Rust, unit-tested);
//! [`RatingApp`] binds it to the Slint `RatingAdapter` global that both
//! windows carry, and talks to the hub through [`HubClient`]:
//! `GET /api/v1/ratings/options`, `GET /api/v1/ratings/lookup`,
//! `POST /api/v1/ratings` (one idempotency key per submission, retried).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, VecModel};

use crate::apps::hub_client::{HubClient, HubError};
use crate::apps::shell::Lang;
use crate::apps::shell::{Poster, UiClock};
use crate::apps::ui::{RatingAdapter, ReasonItem};
use crate::domain::rating::RatingLevel;
use crate::domain::ticket_ref::TicketRef;
use motcua_api::{RateRequest, RatingLookup, RatingOptions, RatingView, TicketSelector};

/// Where the flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Not showing.
    Closed,
    /// Kiosk: scan the QR code or type the number.
    Identify,
    LookingUp,
    /// The three levels.
    Choose,
    /// Reasons for "Không hài lòng".
    Reasons,
    Sending,
    /// "Cảm ơn!".
    Thanks,
    /// Cannot be rated (already rated, not finished, unknown ticket, hub
    /// unreachable): the reason, and a way out.
    Refused,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Closed => "closed",
            Step::Identify => "identify",
            Step::LookingUp => "looking-up",
            Step::Choose => "choose",
            Step::Reasons => "reasons",
            Step::Sending => "sending",
            Step::Thanks => "thanks",
            Step::Refused => "refused",
        }
    }
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadOptions,
    Lookup(TicketSelector),
    Submit {
        selector: TicketSelector,
        level: RatingLevel,
        reasons: Vec<String>,
        key: String,
    },
}

/// The ticket being rated, as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Target {
    selector: TicketSelector,
    number: String,
    summary_vi: String,
    summary_en: String,
}

/// The rating screen's state.
#[derive(Debug, Clone)]
pub struct RatingFlow {
    step: Step,
    lang: Lang,
    options: Option<RatingOptions>,
    typed: String,
    target: Option<Target>,
    level: Option<RatingLevel>,
    reasons: BTreeSet<String>,
    key: Option<String>,
    message_vi: String,
    message_en: String,
    last_activity: Duration,
    idle_timeout: Duration,
    /// Letters a typed number may start with (the services' prefixes).
    prefixes: Vec<String>,
    /// The number typed and accepted; the keypad now types its check code.
    number: Option<String>,
}

/// Digits of a ticket's check code (`domain::ticket_ref::check_code`).
const CHECK_DIGITS: usize = 4;

/// What the rating screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RatingScreen {
    pub step: &'static str,
    pub active: bool,
    pub typed: String,
    pub keys: Vec<String>,
    pub ticket_summary: String,
    /// (code, label, selected)
    pub reasons: Vec<(String, String, bool)>,
    pub message: String,
    /// What the keypad types now, when it is not the number: the check
    /// code (empty: the panel's own "scan or type your number").
    pub prompt: String,
}

impl RatingFlow {
    pub fn new(idle_timeout: Duration, prefixes: Vec<String>) -> Self {
        Self {
            step: Step::Closed,
            lang: Lang::Vi,
            options: None,
            typed: String::new(),
            target: None,
            level: None,
            reasons: BTreeSet::new(),
            key: None,
            message_vi: String::new(),
            message_en: String::new(),
            last_activity: Duration::ZERO,
            idle_timeout,
            prefixes,
            number: None,
        }
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    pub fn set_options(&mut self, options: RatingOptions) {
        self.options = Some(options);
    }

    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
    }

    fn reset(&mut self) {
        self.typed.clear();
        self.number = None;
        self.target = None;
        self.level = None;
        self.reasons.clear();
        self.key = None;
        self.message_vi.clear();
        self.message_en.clear();
    }

    /// Kiosk: *Đánh giá* on the home page.
    pub fn start_identify(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.reset();
        self.step = Step::Identify;
        if self.options.is_none() {
            vec![Effect::LoadOptions]
        } else {
            Vec::new()
        }
    }

    /// Counter: rate the ticket just finished here.
    pub fn start_for_ticket(&mut self, ticket: i64, number: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.reset();
        let selector = TicketSelector {
            ticket: Some(ticket),
            ..TicketSelector::default()
        };
        self.step = Step::LookingUp;
        self.target = Some(Target {
            selector: selector.clone(),
            number: number.to_owned(),
            ..Target::default()
        });
        let mut effects = vec![Effect::Lookup(selector)];
        if self.options.is_none() {
            effects.insert(0, Effect::LoadOptions);
        }
        effects
    }

    /// A key of the on-screen keypad.
    pub fn key(&mut self, key: &str, now: Duration) {
        self.touched(now);
        if self.step != Step::Identify {
            return;
        }
        let checking = self.number.is_some();
        let max = if checking { CHECK_DIGITS } else { 5 };
        match key {
            "⌫" if checking && self.typed.is_empty() => {
                // Back to the number.
                self.typed = self.number.take().unwrap_or_default();
            }
            "⌫" => {
                self.typed.pop();
            }
            // The check code is digits only.
            k if checking && !k.bytes().all(|b| b.is_ascii_digit()) => {}
            k if self.typed.chars().count() < max => self.typed.push_str(k),
            _ => {}
        }
    }

    /// "Tiếp tục" after typing a number, then after typing the ticket's
    /// check code: the number alone is public (called out, on the board).
    pub fn submit_typed(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.step != Step::Identify {
            return Vec::new();
        }
        if let Some(number) = self.number.clone() {
            let check = std::mem::take(&mut self.typed);
            if check.len() != CHECK_DIGITS || !check.bytes().all(|b| b.is_ascii_digit()) {
                self.message_vi = "Mã kiểm tra gồm 4 chữ số, in trên phiếu.".into();
                self.message_en = "The check code is the 4 digits printed on the ticket.".into();
                return Vec::new();
            }
            return self.look_up(
                TicketSelector {
                    number: Some(number.clone()),
                    check: Some(check),
                    ..TicketSelector::default()
                },
                &number,
            );
        }
        match TicketRef::from_typed(&self.typed) {
            Some(TicketRef::Number(number)) => {
                self.typed.clear();
                self.message_vi.clear();
                self.message_en.clear();
                self.number = Some(number);
                Vec::new()
            }
            _ => {
                self.message_vi = "Số thứ tự gồm một chữ cái và các chữ số, ví dụ A012.".into();
                self.message_en = "A number is one letter and digits, e.g. A012.".into();
                Vec::new()
            }
        }
    }

    /// A line from the scanner while the rating screen asks for a ticket.
    pub fn scanned(&mut self, payload: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.step != Step::Identify {
            return Vec::new();
        }
        match TicketRef::from_scan(payload) {
            Some(TicketRef::Scanned { id, token }) => self.look_up(
                TicketSelector {
                    ticket: Some(id),
                    token: Some(token),
                    ..TicketSelector::default()
                },
                "",
            ),
            _ => {
                self.message_vi = "Mã này không phải mã QR trên phiếu số thứ tự.".into();
                self.message_en = "This is not the QR code of a queue ticket.".into();
                Vec::new()
            }
        }
    }

    fn look_up(&mut self, selector: TicketSelector, number: &str) -> Vec<Effect> {
        self.step = Step::LookingUp;
        self.message_vi.clear();
        self.message_en.clear();
        self.target = Some(Target {
            selector: selector.clone(),
            number: number.to_owned(),
            ..Target::default()
        });
        vec![Effect::Lookup(selector)]
    }

    /// The hub answered the lookup.
    pub fn looked_up(&mut self, result: Result<RatingLookup, HubError>) {
        if self.step != Step::LookingUp {
            return;
        }
        match result {
            Ok(found) => {
                let t = &found.ticket;
                if let Some(target) = &mut self.target {
                    target.number = t.number.clone();
                    let counter_vi = t
                        .counter
                        .map(|c| format!(" · Quầy {c}"))
                        .unwrap_or_default();
                    let counter_en = t
                        .counter
                        .map(|c| format!(" · Counter {c}"))
                        .unwrap_or_default();
                    let officer = t
                        .officer_name
                        .as_ref()
                        .map(|n| format!(" · {n}"))
                        .unwrap_or_default();
                    target.summary_vi = format!(
                        "Phiếu {} · {}{counter_vi}{officer}",
                        t.number, t.service_name_vi
                    );
                    target.summary_en = format!(
                        "Ticket {} · {}{counter_en}{officer}",
                        t.number, t.service_name_en
                    );
                }
                match found.refusal {
                    None => self.step = Step::Choose,
                    Some(r) => self.refuse(r.message_vi, r.message_en),
                }
            }
            Err(err) => self.refuse(err.message(false), err.message(true)),
        }
    }

    fn refuse(&mut self, vi: String, en: String) {
        self.step = Step::Refused;
        self.message_vi = vi;
        self.message_en = en;
    }

    fn reason_codes(&self) -> Vec<String> {
        self.options
            .as_ref()
            .map(|o| o.reasons.iter().map(|r| r.code.clone()).collect())
            .unwrap_or_default()
    }

    /// One of the three levels.
    pub fn choose(&mut self, level: RatingLevel, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.step != Step::Choose {
            return Vec::new();
        }
        self.level = Some(level);
        if level == RatingLevel::Unsatisfied && !self.reason_codes().is_empty() {
            self.step = Step::Reasons;
            return Vec::new();
        }
        self.submit()
    }

    /// Ticks or unticks a reason.
    pub fn toggle_reason(&mut self, code: &str, now: Duration) {
        self.touched(now);
        if self.step != Step::Reasons || !self.reason_codes().iter().any(|c| c == code) {
            return;
        }
        if !self.reasons.remove(code) {
            self.reasons.insert(code.to_owned());
        }
    }

    /// "Gửi đánh giá" on the reasons page (reasons are optional).
    pub fn send(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.step != Step::Reasons {
            return Vec::new();
        }
        self.submit()
    }

    fn submit(&mut self) -> Vec<Effect> {
        let (Some(target), Some(level)) = (&self.target, self.level) else {
            return Vec::new();
        };
        let key = self
            .key
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        self.step = Step::Sending;
        let order = self.reason_codes();
        vec![Effect::Submit {
            selector: target.selector.clone(),
            level,
            reasons: order
                .into_iter()
                .filter(|c| self.reasons.contains(c))
                .collect(),
            key,
        }]
    }

    /// The hub answered the rating.
    pub fn submitted(&mut self, key: &str, result: Result<RatingView, HubError>) {
        if self.step != Step::Sending || self.key.as_deref() != Some(key) {
            return;
        }
        match result {
            Ok(_) => {
                self.step = Step::Thanks;
                self.message_vi =
                    "Cảm ơn bạn đã đánh giá! Ý kiến của bạn giúp chúng tôi phục vụ tốt hơn.".into();
                self.message_en =
                    "Thank you for rating! Your opinion helps us serve you better.".into();
            }
            Err(err) => self.refuse(err.message(false), err.message(true)),
        }
    }

    /// "Đóng" / "Về trang chủ".
    pub fn close(&mut self) {
        self.reset();
        self.step = Step::Closed;
    }

    /// Clock: closes after the idle timeout (the thanks page sooner).
    /// Returns whether anything changed.
    pub fn tick(&mut self, now: Duration) -> bool {
        let idle = now.saturating_sub(self.last_activity);
        let limit = match self.step {
            Step::Closed | Step::LookingUp | Step::Sending => return false,
            Step::Thanks => self.idle_timeout.min(Duration::from_secs(8)),
            _ => self.idle_timeout,
        };
        if idle >= limit {
            self.close();
            return true;
        }
        false
    }

    /// What the screen shows.
    pub fn view(&self) -> RatingScreen {
        let l = self.lang;
        // Letters only for the number; the check code is digits.
        let mut keys: Vec<String> = match self.number {
            Some(_) => Vec::new(),
            None => self.prefixes.clone(),
        };
        keys.extend((1..=9).map(|d| d.to_string()));
        keys.extend(["0".to_owned(), "⌫".to_owned()]);
        RatingScreen {
            step: self.step.as_str(),
            active: self.step != Step::Closed,
            typed: self.typed.clone(),
            keys,
            ticket_summary: self
                .target
                .as_ref()
                .map(|t| {
                    let s = l.pick(&t.summary_vi, &t.summary_en);
                    if s.is_empty() {
                        t.number.clone()
                    } else {
                        s.to_owned()
                    }
                })
                .unwrap_or_default(),
            reasons: self
                .options
                .as_ref()
                .map(|o| {
                    o.reasons
                        .iter()
                        .map(|r| {
                            (
                                r.code.clone(),
                                l.pick(&r.name_vi, &r.name_en).to_owned(),
                                self.reasons.contains(&r.code),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            message: l.pick(&self.message_vi, &self.message_en).to_owned(),
            prompt: self
                .number
                .as_ref()
                .map(|n| match l {
                    Lang::Vi => format!("Nhập mã kiểm tra (4 chữ số) in trên phiếu {n}:"),
                    _ => format!("Type the check code (4 digits) printed on ticket {n}:"),
                })
                .unwrap_or_default(),
        }
    }
}

/// What the rating runtime needs.
pub struct RatingContext {
    pub hub: HubClient,
    pub clock: UiClock,
    pub runtime: tokio::runtime::Handle,
    pub post: Poster,
}

/// Runs a closure with the window's `RatingAdapter`, if the window lives.
type WithAdapter = Arc<dyn Fn(&dyn Fn(&RatingAdapter<'_>)) + Send + Sync>;

/// The rating flow bound to a window's `RatingAdapter`.
#[derive(Clone)]
pub struct RatingApp {
    with_adapter: WithAdapter,
    flow: Arc<Mutex<RatingFlow>>,
    ctx: Arc<RatingContext>,
}

impl RatingApp {
    fn lock(&self) -> std::sync::MutexGuard<'_, RatingFlow> {
        self.flow.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The flow's state (tests read it).
    pub fn view(&self) -> RatingScreen {
        self.lock().view()
    }

    pub fn step(&self) -> Step {
        self.lock().step()
    }

    pub fn set_lang(&self, lang: Lang) {
        self.lock().set_lang(lang);
        self.render();
    }

    /// Speaks the host screen's language.
    pub fn follow_language(&self, lang: Lang) {
        if self.lock().lang != lang {
            self.set_lang(lang);
        }
    }

    fn now(&self) -> Duration {
        (self.ctx.clock)()
    }

    /// Applies an input, redraws, runs the effects. UI thread only.
    pub fn dispatch(&self, f: impl FnOnce(&mut RatingFlow, Duration) -> Vec<Effect>) {
        let now = self.now();
        let effects = f(&mut self.lock(), now);
        self.render();
        for e in effects {
            self.run(e);
        }
    }

    /// Counter: rate the ticket just finished.
    pub fn rate_ticket(&self, ticket: i64, number: &str) {
        let number = number.to_owned();
        self.dispatch(move |f, now| f.start_for_ticket(ticket, &number, now));
    }

    /// A scanner line (the kiosk's scanner hands QR payloads here while
    /// the rating screen is open).
    pub fn scanned(&self, payload: &str) {
        let payload = payload.to_owned();
        self.dispatch(move |f, now| f.scanned(&payload, now));
    }

    /// The clock: idle timeout.
    pub fn tick(&self) {
        let now = self.now();
        if self.lock().tick(now) {
            self.render();
        }
    }

    fn post(&self, f: impl FnOnce(&RatingApp) + Send + 'static) {
        let app = self.clone();
        (self.ctx.post)(Box::new(move || f(&app)));
    }

    fn run(&self, effect: Effect) {
        let ctx = Arc::clone(&self.ctx);
        let app = self.clone();
        match effect {
            Effect::LoadOptions => {
                self.ctx.runtime.spawn(async move {
                    match ctx.hub.rating_options().await {
                        Ok(o) => app.post(move |app| {
                            app.lock().set_options(o);
                            app.render();
                        }),
                        Err(err) => tracing::warn!(%err, "cannot load the rating options"),
                    }
                });
            }
            Effect::Lookup(sel) => {
                self.ctx.runtime.spawn(async move {
                    let result = ctx.hub.rating_lookup(&sel).await;
                    app.post(move |app| {
                        app.dispatch(|f, _| {
                            f.looked_up(result);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::Submit {
                selector,
                level,
                reasons,
                key,
            } => {
                self.ctx.runtime.spawn(async move {
                    let body = RateRequest {
                        selector,
                        level,
                        reasons,
                    };
                    let result = ctx.hub.rate(&body, &key).await;
                    if let Err(err) = &result {
                        tracing::warn!(%err, "rating not stored");
                    }
                    app.post(move |app| {
                        app.dispatch(|f, _| {
                            f.submitted(&key, result);
                            Vec::new()
                        })
                    });
                });
            }
        }
    }

    /// Writes the flow into the `RatingAdapter`.
    pub fn render(&self) {
        let view = self.view();
        (self.with_adapter)(&|adapter| render_rating(adapter, &view));
    }
}

/// The query string of a ticket selector.
/// Sets every `RatingAdapter` property from a view.
pub fn render_rating(adapter: &RatingAdapter<'_>, view: &RatingScreen) {
    adapter.set_step(view.step.into());
    adapter.set_active(view.active);
    adapter.set_typed(view.typed.as_str().into());
    adapter.set_keys(ModelRc::new(VecModel::from(
        view.keys
            .iter()
            .map(|k| slint::SharedString::from(k.as_str()))
            .collect::<Vec<_>>(),
    )));
    adapter.set_ticket_summary(view.ticket_summary.as_str().into());
    adapter.set_reasons(ModelRc::new(VecModel::from(
        view.reasons
            .iter()
            .map(|(code, name, selected)| ReasonItem {
                code: code.into(),
                name: name.into(),
                selected: *selected,
            })
            .collect::<Vec<_>>(),
    )));
    adapter.set_message(view.message.as_str().into());
    adapter.set_prompt(view.prompt.as_str().into());
}

/// Binds a rating flow to the `RatingAdapter` of `window` (the kiosk's or
/// the counter's) and wires its callbacks.
pub fn attach<W>(window: &W, flow: RatingFlow, ctx: RatingContext) -> RatingApp
where
    W: ComponentHandle + 'static,
    for<'a> RatingAdapter<'a>: slint::Global<'a, W>,
{
    let weak = window.as_weak();
    let with_adapter: WithAdapter = Arc::new(move |f| {
        if let Some(w) = weak.upgrade() {
            f(&w.global::<RatingAdapter>());
        }
    });
    let app = RatingApp {
        with_adapter,
        flow: Arc::new(Mutex::new(flow)),
        ctx: Arc::new(ctx),
    };
    let adapter = window.global::<RatingAdapter>();
    let a = app.clone();
    adapter.on_start(move || a.dispatch(|f, now| f.start_identify(now)));
    let a = app.clone();
    adapter.on_key(move |k| {
        a.dispatch(|f, now| {
            f.key(&k, now);
            Vec::new()
        })
    });
    let a = app.clone();
    adapter.on_submit_typed(move || a.dispatch(|f, now| f.submit_typed(now)));
    let a = app.clone();
    adapter.on_scanned(move |payload| a.scanned(&payload));
    let a = app.clone();
    adapter.on_choose(move |level| {
        let Some(level) = RatingLevel::parse(&level) else {
            return;
        };
        a.dispatch(|f, now| f.choose(level, now))
    });
    let a = app.clone();
    adapter.on_toggle_reason(move |code| {
        a.dispatch(|f, now| {
            f.toggle_reason(&code, now);
            Vec::new()
        })
    });
    let a = app.clone();
    adapter.on_send(move || a.dispatch(|f, now| f.send(now)));
    let a = app.clone();
    adapter.on_close(move || {
        a.dispatch(|f, _| {
            f.close();
            Vec::new()
        })
    });
    app.render();
    app
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_api::{ErrorCode, Problem, RatedTicket};

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn flow() -> RatingFlow {
        let mut f = RatingFlow::new(secs(60), vec!["A".into(), "B".into()]);
        f.set_options(crate::config::Config::demo().rating.options());
        f
    }

    fn found(number: &str, refusal: Option<Problem>) -> RatingLookup {
        RatingLookup {
            ticket: RatedTicket {
                id: 7,
                number: number.into(),
                service_name_vi: "Hộ tịch".into(),
                service_name_en: "Civil status".into(),
                state: crate::domain::ticket::TicketState::Done,
                counter: Some(2),
                officer_name: Some("Nguyễn Thị Lan".into()),
                finished_at: None,
            },
            rateable: refusal.is_none(),
            refusal,
            rating: None,
        }
    }

    #[test]
    fn typed_number_then_a_happy_rating() {
        let mut f = flow();
        assert!(f.start_identify(secs(0)).is_empty());
        for k in ["A", "1", "2"] {
            f.key(k, secs(1));
        }
        assert_eq!(f.view().typed, "A12");
        // The number is public: the check code printed beside it comes next.
        assert!(f.submit_typed(secs(2)).is_empty());
        let view = f.view();
        assert_eq!(view.typed, "");
        assert!(view.prompt.contains("A012"), "{view:?}");
        assert!(!view.keys.contains(&"A".to_owned()), "digits only now");
        for k in ["4", "2", "A", "7"] {
            f.key(k, secs(2));
        }
        assert!(
            f.submit_typed(secs(2)).is_empty(),
            "three digits are not a code"
        );
        assert!(f.view().message.contains("4 chữ số"));
        for k in ["4", "2", "7", "1", "9"] {
            f.key(k, secs(2));
        }
        assert_eq!(f.view().typed, "4271", "four digits at most");
        let effects = f.submit_typed(secs(2));
        assert_eq!(
            effects,
            vec![Effect::Lookup(TicketSelector {
                number: Some("A012".into()),
                check: Some("4271".into()),
                ..TicketSelector::default()
            })]
        );
        f.looked_up(Ok(found("A012", None)));
        assert_eq!(f.step(), Step::Choose);
        assert_eq!(
            f.view().ticket_summary,
            "Phiếu A012 · Hộ tịch · Quầy 2 · Nguyễn Thị Lan"
        );
        let effects = f.choose(RatingLevel::VerySatisfied, secs(3));
        let key = match &effects[..] {
            [Effect::Submit {
                level: RatingLevel::VerySatisfied,
                reasons,
                key,
                ..
            }] => {
                assert!(reasons.is_empty());
                key.clone()
            }
            other => panic!("{other:?}"),
        };
        f.submitted("another", Err(HubError::Unreachable("x".into())));
        assert_eq!(
            f.step(),
            Step::Sending,
            "answers to other submissions are ignored"
        );
        f.submitted(&key, Ok(serde_json::from_value(serde_json::json!({
            "id": 1, "ticket": 7, "number": "A012", "business_date": "2026-11-26", "dossier_code": null,
            "counter": 2, "officer": "cb01", "officer_name": "Nguyễn Thị Lan", "level": "very_satisfied",
            "level_vi": "Rất hài lòng", "level_en": "Very satisfied", "reasons": [], "channel": "kiosk",
            "rated_at": "2026-11-26T09:00:00+07:00"
        })).unwrap()));
        assert_eq!(f.step(), Step::Thanks);
        assert!(!f.tick(secs(10)));
        assert!(f.tick(secs(11)), "the thanks page closes by itself");
        assert_eq!(f.step(), Step::Closed);
    }

    #[test]
    fn unsatisfied_asks_for_reasons_in_the_configured_order() {
        let mut f = flow();
        f.start_for_ticket(7, "A012", secs(0));
        f.looked_up(Ok(found("A012", None)));
        assert!(f.choose(RatingLevel::Unsatisfied, secs(1)).is_empty());
        assert_eq!(f.step(), Step::Reasons);
        f.toggle_reason("unclear", secs(2));
        f.toggle_reason("slow", secs(2));
        f.toggle_reason("attitude", secs(2));
        f.toggle_reason("attitude", secs(2));
        f.toggle_reason("nonsense", secs(2));
        match &f.send(secs(3))[..] {
            [Effect::Submit {
                selector,
                level: RatingLevel::Unsatisfied,
                reasons,
                ..
            }] => {
                assert_eq!(selector.ticket, Some(7));
                assert_eq!(reasons, &["slow", "unclear"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_ticket_already_rated_is_explained() {
        let mut f = flow();
        f.start_identify(secs(0));
        let effects = f.scanned("MOTCUA:T:7:ABCD2345", secs(1));
        assert!(
            matches!(&effects[..], [Effect::Lookup(s)] if s.token.as_deref() == Some("ABCD2345"))
        );
        f.looked_up(Ok(found(
            "A012",
            Some(Problem {
                code: ErrorCode::AlreadyRated,
                message_vi: "Phiếu A012 đã được đánh giá.".into(),
                message_en: "Already rated.".into(),
            }),
        )));
        assert_eq!(f.step(), Step::Refused);
        assert_eq!(f.view().message, "Phiếu A012 đã được đánh giá.");
        assert!(f.choose(RatingLevel::Satisfied, secs(2)).is_empty());
    }

    #[test]
    fn scanning_an_id_card_is_not_a_ticket() {
        let mut f = flow();
        f.start_identify(secs(0));
        assert!(f
            .scanned(
                "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021",
                secs(1)
            )
            .is_empty());
        assert_eq!(f.step(), Step::Identify);
        assert!(f.view().message.contains("không phải mã QR"));
    }

    #[test]
    fn idle_closes_the_screen() {
        let mut f = flow();
        f.start_identify(secs(0));
        assert!(!f.tick(secs(59)));
        assert!(f.tick(secs(60)));
        assert!(!f.view().active);
    }
}
