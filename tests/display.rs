//! The hall board against a real hub: it follows the counters through the
//! event stream, survives a cut connection, and says every call once.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua::apps::display::controller::BoardRules;
use motcua::apps::display::{DisplayApp, DisplayContext};
use motcua::apps::events::EventStreamOptions;
use motcua::apps::hub_client::HubClient;
use motcua::apps::shell::UiTask;
use motcua::apps::ui::DisplayWindow;
use serde_json::Value;

use crate::util::{
    office_with_counters, recording_announcer, Api, Proxy, TestHub, COUNTER, DISPLAY, KIOSK,
};

/// A board on the test thread, listening through `base` (the hub or a
/// proxy in front of it).
pub struct Board {
    /// Kept alive: the app renders into it.
    _window: DisplayWindow,
    pub app: DisplayApp,
    pub tasks: mpsc::Receiver<UiTask>,
    pub heard: Arc<Mutex<Vec<String>>>,
    pub announcer: Arc<motcua::apps::voice::Announcer>,
}

impl Board {
    pub fn start(runtime: &tokio::runtime::Runtime, base: &str) -> Self {
        let (tx, tasks) = mpsc::channel::<UiTask>();
        let (window, app, heard, announcer) = Self::attach(runtime, base, tx);
        Self {
            _window: window,
            app,
            tasks,
            heard,
            announcer,
        }
    }

    /// A board posting its UI work to `tx` (shared with other apps).
    pub fn attach(
        runtime: &tokio::runtime::Runtime,
        base: &str,
        tx: mpsc::Sender<UiTask>,
    ) -> (
        DisplayWindow,
        DisplayApp,
        Arc<Mutex<Vec<String>>>,
        Arc<motcua::apps::voice::Announcer>,
    ) {
        let tx = Mutex::new(tx);
        let (announcer, heard) = recording_announcer();
        let window = DisplayWindow::new().unwrap();
        let mut stream = EventStreamOptions::new(base, DISPLAY);
        stream.initial_backoff = Duration::from_millis(20);
        stream.max_backoff = Duration::from_millis(200);
        let a = Arc::clone(&announcer);
        let start = std::time::Instant::now();
        let app = DisplayApp::attach(
            &window,
            DisplayContext {
                hub: HubClient::new(base, DISPLAY),
                stream,
                office_name: "UBND Phường Thử nghiệm".into(),
                notice: "Thông báo".into(),
                tz: chrono_tz::Asia::Ho_Chi_Minh,
                rules: BoardRules::default(),
                announce: Arc::new(move |call| a.announce(call)),
                clock: Arc::new(move || start.elapsed()),
                wall: Arc::new(chrono::Utc::now),
                runtime: runtime.handle().clone(),
                post: Arc::new(move |task| {
                    let _ = tx.lock().unwrap().send(task);
                }),
            },
        );
        (window, app, heard, announcer)
    }

    /// Runs UI tasks as they arrive until `done` holds (at most 30 s).
    pub fn pump_until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        crate::util::pump_ui_until(
            &self.tasks,
            Duration::from_secs(30),
            || done(self),
            || {
                format!(
                    "the board never got to: {what}; it shows {:?}",
                    self.app.view()
                )
            },
        );
    }

    /// Runs the UI tasks already waiting.
    pub fn drain(&self) {
        while let Ok(task) = self.tasks.try_recv() {
            task();
        }
    }
}

/// Calls the next ticket at `counter`, finishing its current one first.
async fn next_at(counter: &Api, n: u32, has_current: bool) -> Value {
    if has_current {
        let (status, body) = counter
            .post(&format!("/api/v1/counters/{n}/finish"), None, None)
            .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, body) = counter
        .post(&format!("/api/v1/counters/{n}/call-next"), None, None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[test]
fn a_cut_during_a_burst_of_100_calls_ends_in_exactly_the_hubs_state_each_call_said_once() {
    i_slint_backend_testing::init_no_event_loop();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = runtime.block_on(TestHub::with(office_with_counters(4), None));
    let proxy = runtime.block_on(Proxy::start(&hub.url));
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    runtime.block_on(async {
        for i in 0..110 {
            kiosk
                .issue(["hotich", "chungthuc", "datdai", "khac"][i % 4])
                .await;
        }
    });
    let board = Board::start(&runtime, &proxy.url);
    board.pump_until("loaded", |b| {
        b.app.view().services.iter().map(|s| s.2).sum::<u32>() == 110
    });

    let mut called = Vec::new();
    let mut before_cut = None;
    for i in 0..100u32 {
        if i == 30 {
            before_cut = Some(proxy.accepted());
            proxy.cut();
        }
        if i == 70 {
            proxy.restore();
        }
        let n = i % 4 + 1;
        let ticket = runtime.block_on(next_at(&counter, n, i >= 4));
        called.push(format!(
            "Mời công dân có số thứ tự {} đến quầy số {n}",
            ticket["number"].as_str().unwrap()
        ));
        board.drain();
    }

    // The hub's state now.
    let display = hub.client(DISPLAY);
    let (_, queue) = runtime.block_on(display.get("/api/v1/queue"));
    let (_, calls) = runtime.block_on(display.get("/api/v1/calls?limit=6"));
    let last = queue["last_event_id"].as_i64().unwrap();
    board.pump_until("caught up", |b| b.app.view().last_event_id >= last);
    let before_cut = before_cut.unwrap();
    assert!(
        proxy.accepted() > before_cut,
        "the board reconnected after the cut ({before_cut} connections before it, {} now)",
        proxy.accepted()
    );

    let view = board.app.view();
    let hub_calls: Vec<(String, String, String)> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["number"].as_str().unwrap().to_owned(),
                format!("Quầy {}", c["counter"]),
                String::new(),
            )
        })
        .collect();
    assert_eq!(view.calls, hub_calls, "the last six calls, exactly");
    assert_eq!(view.newest_number, hub_calls[0].0);
    let waiting: Vec<u32> = view.services.iter().map(|s| s.2).collect();
    let hub_waiting: Vec<u32> = queue["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["waiting"].as_u64().unwrap() as u32)
        .collect();
    assert_eq!(waiting, hub_waiting, "waiting counts, exactly");
    assert_eq!(hub_waiting.iter().sum::<u32>(), 10);

    assert!(board.announcer.wait_idle(Duration::from_secs(30)));
    let heard = board.heard.lock().unwrap().clone();
    assert_eq!(heard, called, "each of the 100 calls said once, in order");
    assert_eq!(board.app.announced(), 100);

    board.app.stop();
    drop(proxy);
    runtime.block_on(hub.stop());
}

#[test]
fn a_board_started_after_calls_shows_them_without_announcing_any() {
    i_slint_backend_testing::init_no_event_loop();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = runtime.block_on(TestHub::start());
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    runtime.block_on(async {
        kiosk.issue("hotich").await;
        kiosk.issue("hotich").await;
        next_at(&counter, 1, false).await;
        counter.post("/api/v1/counters/1/recall", None, None).await;
    });
    let board = Board::start(&runtime, &hub.url);
    board.pump_until("loaded", |b| b.app.view().has_call);
    let view = board.app.view();
    assert_eq!(view.newest_number, "A001");
    assert!(view.newest_recall, "the list says it was a recall");
    assert!(
        !view.highlighted,
        "a call from before the board started is not new"
    );
    assert!(board.announcer.wait_idle(Duration::from_secs(5)));
    assert!(board.heard.lock().unwrap().is_empty());
    // A live call after that is new.
    runtime.block_on(async {
        counter.post("/api/v1/counters/1/no-show", None, None).await;
        next_at(&counter, 1, false).await;
    });
    board.pump_until("the live call", |b| b.app.view().newest_number == "A002");
    assert!(board.app.view().highlighted);
    assert!(board.announcer.wait_idle(Duration::from_secs(5)));
    assert_eq!(
        *board.heard.lock().unwrap(),
        vec!["Mời công dân có số thứ tự A002 đến quầy số 1".to_owned()]
    );
    board.app.stop();
    runtime.block_on(hub.stop());
}

#[test]
fn display_snapshot_renders_every_state_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::motcua()
        .args(["display", "--snapshot"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshots = ["vi", "en"].into_iter().flat_map(|lang| {
        motcua::apps::display::snapshot::STATES
            .iter()
            .map(move |state| (format!("display-{lang}-{state}"), (1920, 1080)))
    });
    let distinct = crate::util::distinct_snapshots(dir.path(), snapshots);
    assert_eq!(distinct, 10, "every state looks different");
    // The same board on a 720p screen, scaled.
    let small = ["vi", "en"].into_iter().flat_map(|lang| {
        motcua::apps::display::snapshot::STATES
            .iter()
            .map(move |state| (format!("display-720p-{lang}-{state}"), (1280, 720)))
    });
    assert_eq!(crate::util::distinct_snapshots(dir.path(), small), 10);
    // Nothing is cut off at either size, in either language, and no
    // sentence of the ticker is (each is checked on its own).
    crate::util::assert_no_overflow(dir.path());
    let sentences =
        motcua::apps::display::notice_sentences(&motcua::config::Config::demo().display.notice);
    assert!(sentences.len() >= 2, "{sentences:?}");
}

/// The board at 1920×1080 on the testing backend in a sample state.
fn sample_board(state: &str, lang: motcua::apps::shell::Lang) -> DisplayWindow {
    use slint::ComponentHandle;
    thread_local!(static READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !READY.replace(true) {
        i_slint_backend_testing::init_no_event_loop();
    }
    let config = motcua::config::Config::demo();
    let window = DisplayWindow::new().unwrap();
    window
        .window()
        .set_size(slint::LogicalSize::new(1920.0, 1080.0));
    let (_, board) = motcua::apps::display::snapshot::sample_boards(&config, lang)
        .into_iter()
        .find(|(name, _)| *name == state)
        .unwrap();
    motcua::apps::display::render_view(&window, &board.view());
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
    window
}

/// #14 items 18 and 19: waiting counts are at least 48 px high at 1080p
/// (their line box ≥ 48 px × Noto Sans' 1.3 line height), and a recall's
/// "CALLED AGAIN" sits inside its row, clear of the counter's name.
#[test]
fn waiting_counts_are_readable_and_called_again_fits_its_row() {
    use i_slint_backend_testing::{ElementHandle, ElementRoot};
    use motcua::apps::shell::Lang;
    let rect = |e: &ElementHandle| {
        let (p, s) = (e.absolute_position(), e.size());
        (p.x, p.y, s.width, s.height)
    };
    for (lang, recall) in [(Lang::Vi, "GỌI LẠI"), (Lang::En, "CALLED AGAIN")] {
        let window = sample_board("recall", lang);
        let (_, board) =
            motcua::apps::display::snapshot::sample_boards(&motcua::config::Config::demo(), lang)
                .into_iter()
                .find(|(name, _)| *name == "recall")
                .unwrap();
        for (name, waiting, _) in board.view().services {
            let label = format!("{name}: {waiting}");
            let h = ElementHandle::find_by_accessible_label(&window, &label)
                .map(|e| rect(&e).3)
                .fold(0.0f32, f32::max);
            assert!(h >= 48.0 * 1.3, "{label:?} is {h} px high");
        }
        let badge = window
            .root_element()
            .query_descendants()
            .match_predicate(move |e| {
                e.type_name().as_deref() == Some("Text")
                    && e.accessible_label().is_some_and(|l| l.starts_with(recall))
            })
            .find_all();
        let list = rect(
            &ElementHandle::find_by_element_type_name(&window, "RecentCalls")
                .next()
                .expect("the list"),
        );
        assert!(!badge.is_empty(), "a recall in the list");
        for b in &badge {
            let (x, _, w, _) = rect(b);
            assert!(
                x >= list.0 && x + w <= list.0 + list.2 - 24.0,
                "{:?} at {x}+{w} leaves the list {list:?}",
                b.accessible_label()
            );
        }
    }
}
