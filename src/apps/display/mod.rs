//! `motcua display`: the hall board.
//!
//! - [`controller`]: the board's behaviour, plain Rust ([`controller::Board`]).
//! - this module: the runtime that binds the board to the Slint
//!   `DisplayAdapter` global, loads the queue, listens to the hub's event
//!   stream ([`crate::apps::events`]), hands calls to the announcer, and
//!   posts everything back to the UI thread through a [`Poster`].
//!
//! Start-up order matters for "nothing lost, nothing twice": the board
//! loads `GET /api/v1/queue` and `GET /api/v1/calls` first, then opens the
//! event stream from the queue's `last_event_id`; the stream replays what
//! happened in between, and the board ignores ids it has already applied.

pub mod app;
pub mod controller;
pub mod snapshot;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, VecModel};

use self::controller::{Board, BoardRules, DisplayView, Effect};
use crate::apps::events::{EventStream, EventStreamOptions, StreamEvent};
use crate::apps::hub_client::HubClient;
use crate::apps::shell::{clock_texts, Lang, Poster, UiClock, WallClock};
use crate::apps::ui::{CallRow, DisplayAdapter, DisplayWindow, WaitingRow};
use crate::domain::announce::Announcement;
use motcua_api::Calls;
use motcua_api::QueueView;

/// How long each sentence of the notice stays on the ticker.
pub const TICKER_TURN: Duration = Duration::from_secs(8);

/// The board's design size; other screens (a 720p television) show the
/// same layout scaled to fit.
pub const DESIGN_SIZE: (f32, f32) = (1920.0, 1080.0);

/// The notice cut into sentences: the ticker shows one at a time, whole
/// (wrapped when it is longer than the screen is wide), never cut off
/// mid-sentence. A sentence ends at `.`, `!`, `?` or `…` followed by a space,
/// or at a line break.
pub fn notice_sentences(notice: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in notice.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '!' | '?' | '…') && chars.peek().is_some_and(|n| n.is_whitespace())
            {
                out.push(current.trim().to_owned());
                current.clear();
            }
        }
        out.push(current.trim().to_owned());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The sentence on the ticker at `now` (the board's clock): each for
/// [`TICKER_TURN`], in turn.
pub fn ticker_sentence(sentences: &[String], now: Duration) -> &str {
    if sentences.is_empty() {
        return "";
    }
    let turn = (now.as_secs() / TICKER_TURN.as_secs()) as usize;
    &sentences[turn % sentences.len()]
}

/// Scales the board's 1920×1080 layout to the window: a 1280×720 screen
/// shows the same board at two thirds, nothing cut or rearranged.
pub fn fit_to_window(window: &DisplayWindow) {
    let w = window.window();
    let size = w.size();
    if size.width == 0 || size.height == 0 {
        return;
    }
    let scale = (size.width as f32 / DESIGN_SIZE.0).min(size.height as f32 / DESIGN_SIZE.1);
    if (w.scale_factor() - scale).abs() > 0.005 {
        w.dispatch_event(slint::platform::WindowEvent::ScaleFactorChanged {
            scale_factor: scale,
        });
        // The layout takes the logical size from a resize.
        w.dispatch_event(slint::platform::WindowEvent::Resized {
            size: size.to_logical(scale),
        });
    }
}

/// Where calls go to be said: the [`crate::apps::voice::Announcer`] in the
/// app, a recorder in tests.
pub type AnnounceFn = Arc<dyn Fn(Announcement) + Send + Sync>;

/// What the board runtime needs besides the window.
pub struct DisplayContext {
    /// A client with the display's token.
    pub hub: HubClient,
    pub stream: EventStreamOptions,
    pub office_name: String,
    pub notice: String,
    pub tz: chrono_tz::Tz,
    pub rules: BoardRules,
    pub announce: AnnounceFn,
    /// Board clock for the highlight (time since start).
    pub clock: UiClock,
    pub wall: WallClock,
    pub runtime: tokio::runtime::Handle,
    pub post: Poster,
}

/// The running board: cheap to clone and `Send`; [`DisplayApp::tick`] and
/// rendering run on the UI thread.
#[derive(Clone)]
pub struct DisplayApp {
    window: slint::Weak<DisplayWindow>,
    board: Arc<Mutex<Board>>,
    ctx: Arc<DisplayContext>,
    stream: Arc<Mutex<Option<EventStream>>>,
    /// The view last written to the window: a tick that changes nothing
    /// rebuilds no list model and repaints nothing.
    shown: Arc<Mutex<Option<DisplayView>>>,
    /// The notice, sentence by sentence, for the ticker.
    sentences: Arc<Vec<String>>,
}

impl DisplayApp {
    /// Binds `window`, then loads the board and starts listening.
    pub fn attach(window: &DisplayWindow, ctx: DisplayContext) -> Self {
        let adapter = window.global::<DisplayAdapter>();
        adapter.set_office_name(ctx.office_name.clone().into());
        let sentences = Arc::new(notice_sentences(&ctx.notice));
        adapter.set_notice(ticker_sentence(&sentences, (ctx.clock)()).into());
        let app = Self {
            window: window.as_weak(),
            board: Arc::new(Mutex::new(Board::new(ctx.rules))),
            ctx: Arc::new(ctx),
            stream: Arc::default(),
            shown: Arc::default(),
            sentences,
        };
        app.render();
        app.reload();
        app
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn post(&self, f: impl FnOnce(&DisplayApp) + Send + 'static) {
        let app = self.clone();
        (self.ctx.post)(Box::new(move || f(&app)));
    }

    /// Loads the queue and the latest calls; opens the event stream after
    /// the first load. Retries until the hub answers.
    fn reload(&self) {
        self.lock().reload_requested();
        let app = self.clone();
        let ctx = Arc::clone(&self.ctx);
        self.ctx.runtime.spawn(async move {
            let mut delay = Duration::from_millis(500);
            loop {
                match load(&ctx.hub).await {
                    Ok((queue, calls)) => {
                        app.post(move |app| app.loaded(&queue, &calls));
                        return;
                    }
                    Err(err) => {
                        tracing::warn!(%err, ?delay, "the board cannot load the queue; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
    }

    fn loaded(&self, queue: &QueueView, calls: &Calls) {
        self.lock().loaded(queue, calls);
        tracing::info!(last_event_id = queue.last_event_id, "board loaded");
        let mut stream = self.stream.lock().unwrap_or_else(|e| e.into_inner());
        if stream.is_none() {
            let app = self.clone();
            *stream = Some(EventStream::spawn(
                &self.ctx.runtime,
                self.ctx.stream.clone(),
                Some(queue.last_event_id),
                move |event| app.post(move |app| app.stream_event(event)),
            ));
        }
        drop(stream);
        self.render();
    }

    fn stream_event(&self, event: StreamEvent) {
        let effects = {
            let mut board = self.lock();
            match &event {
                StreamEvent::Connected { resumed_from } => {
                    tracing::info!(?resumed_from, "board connected to the hub");
                    board.set_connected(true);
                    Vec::new()
                }
                StreamEvent::Disconnected { error, retry_in } => {
                    tracing::warn!(%error, ?retry_in, "board lost the hub");
                    board.set_connected(false);
                    Vec::new()
                }
                StreamEvent::Message(m) => board.event(m, (self.ctx.wall)(), (self.ctx.clock)()),
            }
        };
        for effect in effects {
            match effect {
                Effect::Announce(a) => (self.ctx.announce)(a),
                Effect::Reload => {
                    tracing::info!("the hub asked for a resynchronisation");
                    self.reload();
                }
            }
        }
        self.render();
    }

    /// The clock: highlight expiry and the time shown. UI thread only.
    pub fn tick(&self) {
        self.lock().tick((self.ctx.clock)());
        self.render();
    }

    /// The board's current view (tests and benchmarks read it).
    pub fn view(&self) -> DisplayView {
        self.lock().view()
    }

    /// Announcements requested so far.
    pub fn announced(&self) -> u64 {
        self.lock().announced()
    }

    /// Stops listening to the hub.
    pub fn stop(&self) {
        if let Some(stream) = self.stream.lock().unwrap_or_else(|e| e.into_inner()).take() {
            stream.stop();
        }
    }

    /// Writes the view into the Slint global.
    pub fn render(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let view = self.view();
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() != Some(&view) {
            render_view(&window, &view);
            *shown = Some(view);
        }
        drop(shown);
        let (clock, date) = clock_texts((self.ctx.wall)(), self.ctx.tz, Lang::Vi);
        let adapter = window.global::<DisplayAdapter>();
        adapter.set_clock_text(clock.into());
        adapter.set_date_text(date.into());
        let sentence = ticker_sentence(&self.sentences, (self.ctx.clock)());
        if adapter.get_notice().as_str() != sentence {
            adapter.set_notice(sentence.into());
        }
        fit_to_window(&window);
    }
}

async fn load(hub: &HubClient) -> Result<(QueueView, Calls), crate::apps::hub_client::HubError> {
    let queue = hub.queue().await?;
    let calls: Calls = hub
        .get(&format!("/api/v1/calls?limit={}", controller::LISTED_CALLS))
        .await?;
    Ok((queue, calls))
}

/// Sets every `DisplayAdapter` property from a view. Also used by snapshots.
pub fn render_view(window: &DisplayWindow, view: &DisplayView) {
    let adapter = window.global::<DisplayAdapter>();
    if adapter.get_language().as_str() != view.language {
        adapter.set_language(view.language.into());
        let lang = if view.language == "vi" {
            ""
        } else {
            view.language
        };
        if let Err(err) = slint::select_bundled_translation(lang) {
            tracing::warn!(%err, "cannot switch the board language");
        }
    }
    adapter.set_has_call(view.has_call);
    adapter.set_idle_text(view.idle_text.as_str().into());
    adapter.set_newest_number(view.newest_number.as_str().into());
    adapter.set_newest_counter(view.newest_counter.as_str().into());
    adapter.set_newest_service(view.newest_service.as_str().into());
    adapter.set_newest_recall(view.newest_recall);
    adapter.set_newest_recall_text(view.newest_recall_text.as_str().into());
    adapter.set_highlighted(view.highlighted);
    adapter.set_connection(view.connection.as_str().into());
    // The connection banner takes the room of one row of the list: the
    // board never runs past the bottom of the screen.
    let rows = if view.connection.is_empty() {
        view.calls.len()
    } else {
        view.calls.len().min(controller::LISTED_CALLS - 1)
    };
    adapter.set_calls(ModelRc::new(VecModel::from(
        view.calls[..rows]
            .iter()
            .map(|(number, counter, recall)| CallRow {
                number: number.into(),
                counter: counter.into(),
                recall: recall.into(),
            })
            .collect::<Vec<_>>(),
    )));
    adapter.set_services(ModelRc::new(VecModel::from(
        view.services
            .iter()
            .map(|(name, waiting, _)| WaitingRow {
                name: name.into(),
                waiting: waiting.into(),
            })
            .collect::<Vec<_>>(),
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_is_cut_into_whole_sentences_shown_in_turn() {
        let s = notice_sentences(
            "Công dân vui lòng chờ gọi số. Mọi thủ tục đều được niêm yết công khai.\nGiờ làm việc: 7:30–17:00",
        );
        assert_eq!(
            s,
            [
                "Công dân vui lòng chờ gọi số.",
                "Mọi thủ tục đều được niêm yết công khai.",
                "Giờ làm việc: 7:30–17:00"
            ]
        );
        // 7.30 is not a sentence end: no space after the dot.
        assert_eq!(
            notice_sentences("Mở cửa lúc 7.30 sáng."),
            ["Mở cửa lúc 7.30 sáng."]
        );
        assert_eq!(ticker_sentence(&s, Duration::ZERO), s[0]);
        assert_eq!(ticker_sentence(&s, TICKER_TURN), s[1]);
        assert_eq!(ticker_sentence(&s, TICKER_TURN * 3), s[0]);
        assert_eq!(ticker_sentence(&[], TICKER_TURN), "");
    }
}
