//! Counter → display benchmark, `cargo bench --bench counter_display`:
//!
//! an officer's *call next* (`POST /api/v1/counters/{n}/call-next` with the
//! officer's session, as the counter app sends it) → the hall board's model
//! shows that number as the newest call. The hub runs in-process on
//! loopback (the kiosk's embedded default); the board is the real
//! `DisplayApp` (event stream client, controller, Slint adapter) on the
//! software renderer, its UI tasks run as they arrive, and every frame is
//! rendered as on a real screen. 500 calls over 4 counters, after 20 warm-up
//! calls; p50, p95 and max.

mod common;
use common::percentile;

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use motcua::apps::display::controller::BoardRules;
use motcua::apps::display::{DisplayApp, DisplayContext};
use motcua::apps::events::EventStreamOptions;
use motcua::apps::headless::Headless;
use motcua::apps::hub_client::HubClient;
use motcua::apps::shell::UiTask;
use motcua::apps::ui::DisplayWindow;
use motcua::config::{Config, CounterConfig};

const CALLS: usize = 500;
const WARM_UP: usize = 20;
const COUNTERS: u32 = 4;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = common::runtime();
    let mut config = Config::demo();
    config.queue.daily_cap = 9999;
    let all: Vec<String> = config.services.iter().map(|s| s.code.clone()).collect();
    config.counters = (1..=COUNTERS)
        .map(|number| CounterConfig {
            number,
            name: None,
            services: all.clone(),
        })
        .collect();
    // cb03 may sign in at any counter.
    let config = Arc::new(config);
    let hub = common::start_hub(&runtime, &config, dir.path());
    let url = hub.base_url();
    let kiosk = HubClient::new(&url, "demo-kiosk-token");
    let device = HubClient::new(&url, "demo-counter-token");
    let officers: Vec<HubClient> = runtime.block_on(async {
        for i in 0..(CALLS + WARM_UP) {
            kiosk
                .issue_ticket(&all[i % all.len()], None, &format!("bench-{i}"))
                .await
                .unwrap();
        }
        let mut sessions = Vec::new();
        for n in 1..=COUNTERS {
            let body = serde_json::json!({ "code": "cb03", "pin": "3333", "counter": n });
            let signed: serde_json::Value = device
                .post(
                    "/api/v1/staff/sign-in",
                    Some(&body),
                    &format!("sign-in-{n}"),
                )
                .await
                .unwrap()
                .unwrap();
            sessions.push(HubClient::new(&url, signed["session"].as_str().unwrap()));
        }
        sessions
    });

    let screen = Headless::install(None).unwrap();
    screen.set_size(1920, 1080);
    let window = DisplayWindow::new().unwrap();
    let (tx, rx) = mpsc::channel::<UiTask>();
    let tx = Mutex::new(tx);
    let start_clock = Instant::now();
    let board = DisplayApp::attach(
        &window,
        DisplayContext {
            hub: HubClient::new(&url, "demo-display-token"),
            stream: EventStreamOptions::new(&url, "demo-display-token"),
            office_name: config.office.name.clone(),
            notice: config.display.notice.clone(),
            tz: config.timezone(),
            rules: BoardRules::default(),
            announce: Arc::new(|_| {}),
            clock: Arc::new(move || start_clock.elapsed()),
            wall: Arc::new(chrono::Utc::now),
            runtime: runtime.handle().clone(),
            post: Arc::new(move |t| {
                let _ = tx.lock().unwrap().send(t);
            }),
        },
    );
    // Runs UI tasks as they come until `done` (checked before each frame,
    // so the figure is the model's update, not the software renderer's
    // frame time); renders a frame after each batch, as a screen would.
    let pump_until = |done: &dyn Fn() -> bool| loop {
        if done() {
            break;
        }
        let Ok(task) = rx.recv_timeout(Duration::from_secs(10)) else {
            panic!("the board stopped updating: {:?}", board.view());
        };
        task();
        while let Ok(task) = rx.try_recv() {
            task();
        }
        if done() {
            break;
        }
        screen.render_rgb();
    };
    pump_until(&|| board.view().services.len() == all.len());

    let mut latencies = Vec::with_capacity(CALLS);
    for i in 0..(CALLS + WARM_UP) {
        let n = (i as u32) % COUNTERS;
        let officer = &officers[n as usize];
        let counter = n + 1;
        if i >= COUNTERS as usize {
            runtime
                .block_on(officer.counter_action(counter, "finish", None, &format!("finish-{i}")))
                .unwrap();
        }
        let t0 = Instant::now();
        let called = runtime
            .block_on(officer.counter_action(counter, "call-next", None, &format!("call-{i}")))
            .unwrap()
            .unwrap();
        let number = called.number;
        let want = format!("Quầy {counter}");
        pump_until(&|| {
            let v = board.view();
            v.newest_number == number && v.newest_counter == want
        });
        if i >= WARM_UP {
            latencies.push(t0.elapsed());
        }
        screen.render_rgb();
    }
    latencies.sort_unstable();
    println!(
        "call-next at a counter → hall board model shows it ({CALLS} calls, {COUNTERS} counters, loopback): \
         p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50).as_secs_f64() * 1e3,
        percentile(&latencies, 95).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    board.stop();
    runtime.block_on(hub.shutdown()).unwrap();
}
