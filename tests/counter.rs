//! The counter app driven as an officer drives it — by the words on its
//! buttons and by its function keys — with the hall board beside it, both
//! against a real hub on loopback. Plus the hub's side of officers
//! (sign-in, attribution) and ratings.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use motcua::apps::counter::{CounterApp, CounterContext};
use motcua::apps::display::DisplayApp;
use motcua::apps::events::EventStreamOptions;
use motcua::apps::printing::QrPolicy;
use motcua::apps::shell::UiTask;
use motcua::apps::ui::{CounterAdapter, CounterWindow, DisplayWindow};
use reqwest::StatusCode;
use serde_json::json;
use slint::ComponentHandle;

use crate::display::Board;
use crate::util::{pump_ui_until, TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

/// Counter 2 (Hộ tịch, Chứng thực) and the hall board, on this thread.
struct Desk {
    runtime: tokio::runtime::Runtime,
    hub: Option<TestHub>,
    window: CounterWindow,
    app: CounterApp,
    board_window: DisplayWindow,
    board: DisplayApp,
    heard: Arc<Mutex<Vec<String>>>,
    announcer: Arc<motcua::apps::voice::Announcer>,
    tasks: mpsc::Receiver<UiTask>,
}

impl Desk {
    fn start(counter: u32) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let hub = runtime.block_on(TestHub::start());
        let (tx, tasks) = mpsc::channel::<UiTask>();
        let (board_window, board, heard, announcer) = Board::attach(&runtime, &hub.url, tx.clone());
        let window = CounterWindow::new().unwrap();
        // The officer's screen (the rating reasons scroll inside it).
        window
            .window()
            .set_size(slint::LogicalSize::new(1366.0, 768.0));
        let tx = Mutex::new(tx);
        let start = std::time::Instant::now();
        let app = CounterApp::attach(
            &window,
            CounterContext {
                counter,
                hub_url: hub.url.clone(),
                device_token: COUNTER.into(),
                printer: None,
                office_name: "UBND Phường Thử nghiệm".into(),
                tz: chrono_tz::Asia::Ho_Chi_Minh,
                qr: QrPolicy::default(),
                stream: EventStreamOptions::new(&hub.url, COUNTER),
                clock: Arc::new(move || start.elapsed()),
                wall: Arc::new(chrono::Utc::now),
                runtime: runtime.handle().clone(),
                post: Arc::new(move |task| {
                    let _ = tx.lock().unwrap().send(task);
                }),
                prefixes: vec!["A".into(), "B".into(), "C".into(), "D".into()],
            },
        );
        let desk = Self {
            runtime,
            hub: Some(hub),
            window,
            app,
            board_window,
            board,
            heard,
            announcer,
            tasks,
        };
        desk.pump_until("the board loads", |d| !d.board.view().services.is_empty());
        desk
    }

    fn hub(&self) -> &TestHub {
        self.hub.as_ref().unwrap()
    }

    fn pump_until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        pump_ui_until(
            &self.tasks,
            Duration::from_secs(20),
            || done(self),
            || {
                format!(
                    "never got to: {what}\ncounter: {:?}\nboard: {:?}",
                    self.app.view(),
                    self.board.view()
                )
            },
        );
    }

    fn element(&self, label: &str) -> ElementHandle {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .unwrap_or_else(|| {
                panic!(
                    "no {label:?} on the counter; it shows {:?}",
                    self.app.view()
                )
            })
    }

    /// Presses the button whose words are `label`.
    fn press(&self, label: &str) {
        self.element(label).invoke_accessible_default_action();
    }

    fn counter_shows(&self, label: &str) -> bool {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        ElementHandle::find_by_accessible_label(&self.window, label)
            .next()
            .is_some()
    }

    fn board_shows(&self, label: &str) -> bool {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        ElementHandle::find_by_accessible_label(&self.board_window, label)
            .next()
            .is_some()
    }

    /// Types the code and PIN and presses "Đăng nhập".
    fn sign_in(&self, code: &str, pin: &str) {
        self.element("Mã cán bộ").set_accessible_value(code);
        self.element("Mã PIN").set_accessible_value(pin);
        self.press("Đăng nhập");
    }

    fn signed_in(counter: u32) -> Self {
        let desk = Self::start(counter);
        let (code, pin) = if counter <= 2 {
            ("cb01", "1111")
        } else {
            ("cb02", "2222")
        };
        desk.sign_in(code, pin);
        desk.pump_until("the work page, counter open", |d| {
            let v = d.app.view();
            v.page == motcua::apps::counter::controller::Page::Work
                && !v.waiting.is_empty()
                && v.counter_state == motcua_api::CounterState::Open
                && !v.busy
        });
        desk
    }

    fn key(&self, key: slint::platform::Key) {
        self.window
            .window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed { text: key.into() });
        self.window
            .window()
            .dispatch_event(slint::platform::WindowEvent::KeyReleased { text: key.into() });
    }

    fn issue(&self, service: &str) -> serde_json::Value {
        self.runtime
            .block_on(self.hub().client(KIOSK).issue(service))
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.board.stop();
        if let Some(hub) = self.hub.take() {
            self.runtime.block_on(hub.stop());
        }
    }
}

#[test]
fn a_call_at_the_counter_shows_on_the_board_and_a_recall_shows_again_as_a_recall() {
    let desk = Desk::signed_in(2);
    assert!(desk.counter_shows("A · Hộ tịch: 0 người chờ"));
    desk.issue("hotich");
    desk.issue("chungthuc");
    desk.pump_until("waiting counts arrive live", |d| {
        d.counter_shows("A · Hộ tịch: 1 người chờ")
            && d.counter_shows("B · Chứng thực: 1 người chờ")
    });

    desk.press("Gọi số tiếp");
    desk.pump_until("the board and the counter show the call", |d| {
        d.board_shows("Số đang gọi A001") && d.counter_shows("Số tại quầy A001")
    });
    assert!(desk.board_shows("đến Quầy 2"));
    assert!(desk.board.view().highlighted);
    assert!(!desk.board_shows("Gọi lại A001"));

    desk.press("Gọi lại");
    desk.pump_until("the board shows the recall", |d| {
        d.board_shows("Gọi lại A001") && !d.app.view().busy
    });
    let view = desk.board.view();
    assert!(view.newest_recall && view.highlighted);
    assert_eq!(view.newest_recall_text, "GỌI LẠI");
    assert!(desk.board_shows("GỌI LẠI A001"), "the list marks it too");

    assert!(desk.announcer.wait_idle(Duration::from_secs(10)));
    assert_eq!(
        *desk.heard.lock().unwrap(),
        vec![
            "Mời công dân có số thứ tự A001 đến quầy số 2".to_owned(),
            "Mời công dân có số thứ tự A001 đến quầy số 2".to_owned()
        ],
        "the call and the recall are each said"
    );
    // The hub attributes the work to the officer.
    let mut events = desk.runtime.block_on(crate::util::SseReader::connect(
        &desk.hub().url,
        DISPLAY,
        Some(0),
    ));
    let recalled = desk.runtime.block_on(async {
        loop {
            let e = events.next().await.unwrap();
            if e.kind == "ticket.recalled" {
                return e.data;
            }
        }
    });
    assert_eq!(recalled["data"]["officer"]["code"], "cb01");
    assert_eq!(recalled["data"]["officer"]["name"], "Nguyễn Thị Lan");
}

#[test]
fn function_keys_call_start_and_finish() {
    let desk = Desk::signed_in(2);
    desk.issue("hotich");
    desk.pump_until("a citizen waits", |d| {
        d.app.view().waiting[0].2 == "1 người chờ"
    });
    desk.key(slint::platform::Key::F1);
    desk.pump_until("F1 called A001", |d| d.app.view().ticket_number == "A001");
    desk.key(slint::platform::Key::F3);
    desk.pump_until("F3 started", |d| {
        d.app.view().ticket_state_text == "Đang phục vụ"
    });
    desk.key(slint::platform::Key::F4);
    desk.pump_until("F4 finished", |d| !d.app.view().has_ticket);
    let (_, ticket) = desk
        .runtime
        .block_on(desk.hub().client(COUNTER).get("/api/v1/tickets/1"));
    assert_eq!(ticket["state"], "done");
}

#[test]
fn transfer_moves_the_ticket_to_the_other_service() {
    let desk = Desk::signed_in(2);
    desk.issue("hotich");
    desk.pump_until("a citizen waits", |d| {
        d.app.view().waiting[0].2 == "1 người chờ"
    });
    desk.press("Gọi số tiếp");
    desk.pump_until("called", |d| d.app.view().ticket_number == "A001");
    desk.press("Chuyển lĩnh vực");
    assert!(desk.app.view().transfer_open);
    let targets: Vec<String> = desk
        .app
        .view()
        .transfer_targets
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        targets,
        ["chungthuc", "datdai", "khac"],
        "not to its own service"
    );
    desk.press("C · Đất đai – Xây dựng");
    desk.pump_until("moved", |d| !d.app.view().has_ticket);
    assert_eq!(
        desk.app.view().message,
        "Đã chuyển số A001 sang Đất đai – Xây dựng."
    );
    let counter = desk.hub().client(COUNTER);
    let (_, queue) = desk.runtime.block_on(counter.get("/api/v1/queue"));
    assert_eq!(queue["services"][2]["code"], "datdai");
    assert_eq!(
        queue["services"][2]["waiting"], 1,
        "it waits in Đất đai now"
    );
    assert_eq!(queue["services"][0]["waiting"], 0);
    // Counter 4 serves Đất đai: it calls A001, same number.
    let (status, called) =
        desk.runtime
            .block_on(counter.post("/api/v1/counters/4/call-next", None, None));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(called["number"], "A001");
    assert_eq!(called["service"], "datdai");
    desk.pump_until("the board shows A001 at counter 4", |d| {
        d.board_shows("đến Quầy 4")
    });
}

#[test]
fn a_paused_counter_gets_no_calls_until_it_opens() {
    let desk = Desk::signed_in(2);
    desk.issue("hotich");
    desk.pump_until("a citizen waits", |d| {
        d.app.view().waiting[0].2 == "1 người chờ"
    });
    desk.press("Tạm dừng");
    desk.pump_until("paused", |d| {
        d.counter_shows("Trạng thái quầy Tạm dừng") && !d.app.view().busy
    });
    assert!(!desk.app.view().can_call);
    // An accepted command marks the counter busy at once (before the hub
    // answers): still idle after the button and after F1 means neither
    // started a call.
    let call = desk.element("Gọi số tiếp");
    call.invoke_accessible_default_action();
    assert!(!desk.app.view().busy, "the button started no call");
    desk.key(slint::platform::Key::F1);
    assert!(!desk.app.view().busy, "F1 started no call");
    // Nor through the hub directly.
    let counter = desk.hub().client(COUNTER);
    let (status, err) =
        desk.runtime
            .block_on(counter.post("/api/v1/counters/2/call-next", None, None));
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "counter_paused");
    let (_, queue) = desk.runtime.block_on(counter.get("/api/v1/queue"));
    assert_eq!(
        queue["services"][0]["waiting"], 1,
        "the citizen still waits"
    );
    // A ticket for a service counter 2 does not serve: once the board shows
    // it waiting, every event before it (a call included) has reached it.
    desk.issue("datdai");
    desk.pump_until("the board sees the later ticket", |d| {
        d.board.view().services[2].2 == 1
    });
    assert!(!desk.board.view().has_call, "nothing was called");

    desk.key(slint::platform::Key::F7);
    desk.pump_until("open again", |d| {
        d.counter_shows("Trạng thái quầy Đang mở") && !d.app.view().busy
    });
    desk.press("Gọi số tiếp");
    desk.pump_until("called after opening", |d| {
        d.board_shows("Số đang gọi A001")
    });
}

#[test]
fn the_citizen_rates_on_the_counter_panel_once() {
    let desk = Desk::signed_in(2);
    desk.issue("hotich");
    desk.pump_until("a citizen waits", |d| {
        d.app.view().waiting[0].2 == "1 người chờ"
    });
    desk.press("Gọi số tiếp");
    desk.pump_until("called", |d| d.app.view().ticket_number == "A001");
    desk.press("Hoàn thành");
    desk.pump_until("finished and rating ready", |d| {
        d.app.rating().step() == motcua::apps::rating::Step::Choose
    });
    desk.key(slint::platform::Key::F8);
    assert!(desk.window.global::<CounterAdapter>().get_citizen_panel());
    desk.press("Không hài lòng");
    // The reasons page comes with the rating controller's next step.
    desk.pump_until("the reasons shown", |d| d.counter_shows("Phải chờ lâu"));
    desk.press("Phải chờ lâu");
    desk.press("Gửi đánh giá");
    desk.pump_until("thanks", |d| {
        d.app.rating().step() == motcua::apps::rating::Step::Thanks
    });

    let hub = desk.hub();
    let counter = hub.client(COUNTER);
    let (_, stats) = desk.runtime.block_on(counter.get("/api/v1/stats"));
    let r = &stats["ratings"];
    assert_eq!(r["total"]["unsatisfied"], 1);
    assert_eq!(r["total"]["reasons"]["slow"], 1);
    assert_eq!(r["counters"][1]["counter"], 2);
    assert_eq!(r["counters"][1]["unsatisfied"], 1);
    assert_eq!(r["officers"][0]["officer"], "cb01");
    assert_eq!(r["officers"][0]["name"], "Nguyễn Thị Lan");

    // A second rating of the same ticket: a clear 409.
    let (status, err) = desk.runtime.block_on(counter.post(
        "/api/v1/ratings",
        Some(&json!({"ticket": 1, "level": "very_satisfied"})),
        None,
    ));
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["code"], "already_rated");
    assert!(err["message_vi"]
        .as_str()
        .unwrap()
        .contains("đã được đánh giá"));
}

#[test]
fn sign_in_failures_are_refused_logged_and_locked_after_five() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let hub = TestHub::start().await;
        let device = hub.client(COUNTER);
        let sign_in = |code: &str, pin: &str, counter: u32| {
            let device = device.clone();
            let body = json!({"code": code, "pin": pin, "counter": counter});
            async move {
                device
                    .post("/api/v1/staff/sign-in", Some(&body), None)
                    .await
            }
        };
        let (status, err) = sign_in("cb01", "9999", 1).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(err["code"], "bad_credentials");
        let (status, unknown) = sign_in("nobody", "1111", 1).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            unknown["message_vi"], err["message_vi"],
            "unknown codes look the same"
        );
        let (status, err) = sign_in("cb01", "1111", 3).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(err["code"], "counter_not_allowed");
        // A kiosk cannot sign officers in.
        let (status, _) = hub
            .client(KIOSK)
            .post(
                "/api/v1/staff/sign-in",
                Some(&json!({"code": "cb01", "pin": "1111", "counter": 1})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, ok) = sign_in("cb01", "1111", 1).await;
        assert_eq!(status, StatusCode::OK, "{ok}");
        let session = ok["session"].as_str().unwrap().to_owned();
        assert_eq!(ok["officer"]["name"], "Nguyễn Thị Lan");
        let officer = crate::util::Api::new(&hub.url, &session);
        // The session is bound to its counter.
        let (status, err) = officer.post("/api/v1/counters/2/open", None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(err["code"], "counter_not_allowed");
        let (status, _) = officer.post("/api/v1/counters/1/open", None, None).await;
        assert_eq!(status, StatusCode::OK);
        // An officer's session may cancel tickets: it gets past the role
        // check (401/403) to the ticket, which does not exist.
        let (status, err) = officer.post("/api/v1/tickets/1/cancel", None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
        assert_eq!(err["code"], "ticket_not_found");
        // Signed out, the session is gone.
        let (status, _) = officer.post("/api/v1/staff/sign-out", None, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = officer.get("/api/v1/queue").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Five wrong PINs lock the code, even the right PIN then.
        for _ in 0..4 {
            assert_eq!(sign_in("cb02", "0000", 3).await.0, StatusCode::UNAUTHORIZED);
        }
        let (status, err) = sign_in("cb02", "2222", 3).await;
        assert_eq!(status, StatusCode::OK, "four failures are not five: {err}");
        for _ in 0..5 {
            sign_in("cb02", "0000", 3).await;
        }
        let (status, err) = sign_in("cb02", "2222", 3).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(err["code"], "too_many_attempts");
        hub.stop().await;
    });
}

#[test]
fn ratings_at_the_kiosk_by_qr_token_or_typed_number_and_in_the_report() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = rt.block_on(async {
        let hub = TestHub::start().await;
        let kiosk = hub.client(KIOSK);
        let counter = hub.client(COUNTER);
        let a1 = kiosk.issue("hotich").await;
        let a2 = kiosk.issue("hotich").await;
        let token = a1["lookup_token"].as_str().unwrap().to_owned();
        counter.post("/api/v1/counters/1/call-next", None, None).await;
        // Not finished yet: not rateable.
        let (status, found) = kiosk
            .get(&format!("/api/v1/ratings/lookup?ticket=1&token={token}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["rateable"], false);
        assert_eq!(found["refusal"]["code"], "not_rateable");
        counter.post("/api/v1/counters/1/finish", None, None).await;
        counter.post("/api/v1/counters/1/call-next", None, None).await;
        counter.post("/api/v1/counters/1/finish", None, None).await;

        // A wrong token looks like no ticket at all.
        let (status, err) = kiosk.get("/api/v1/ratings/lookup?ticket=1&token=WRONG123").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(err["code"], "ticket_not_found");
        let (status, found) = kiosk
            .get(&format!("/api/v1/ratings/lookup?ticket=1&token={token}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["rateable"], true);
        assert_eq!(found["ticket"]["number"], "A001");

        let (status, rated) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"ticket": 1, "token": token, "level": "very_satisfied"})),
                Some("rate-1"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{rated}");
        assert_eq!(rated["level_vi"], "Rất hài lòng");
        assert_eq!(rated["counter"], 1);
        assert_eq!(rated["dossier_code"], serde_json::Value::Null);
        // The kiosk's retry with the same key gets the same answer, not a 409.
        let (status, again) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"ticket": 1, "token": token, "level": "very_satisfied"})),
                Some("rate-1"),
            )
            .await;
        assert_eq!((status, &again), (StatusCode::CREATED, &rated));
        let (status, err) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"ticket": 1, "token": token, "level": "unsatisfied"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(err["code"], "already_rated");

        // Typed number: A002.
        let (status, bad) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"number": "A002", "level": "satisfied", "reasons": ["slow"]})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "reasons only with unsatisfied: {bad}");
        // With the check code printed on A002's paper.
        let check = motcua::domain::ticket_ref::check_code(a2["lookup_token"].as_str().unwrap());
        let (status, _) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"number": "A002", "check": check, "level": "unsatisfied", "reasons": ["attitude", "slow"]})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(a2["number"], "A002");
        let (_, stats) = hub.client(TECHNICIAN).get("/api/v1/stats").await;
        assert_eq!(stats["ratings"]["total"]["total"], 2);
        assert_eq!(stats["ratings"]["counters"][0]["very_satisfied"], 1);
        assert_eq!(stats["ratings"]["counters"][0]["unsatisfied"], 1);
        hub.stop().await
    });
    let out = crate::util::motcua()
        .args(["report", "--db"])
        .arg(dir.path().join("hub.db"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Đánh giá theo quầy"), "{text}");
    assert!(text.contains("attitude=1 slow=1"), "{text}");
    let out = crate::util::motcua()
        .args(["report", "--format", "ratings-csv", "--db"])
        .arg(dir.path().join("hub.db"))
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("counter,1,\"Quầy 1\",1,0,1,2,\"attitude=1 slow=1\""),
        "{csv}"
    );
}

#[test]
fn the_kiosk_rating_entry_takes_a_typed_number_or_a_scanned_ticket() {
    use motcua::apps::rating::{RatingContext, RatingFlow, Step};
    use motcua::apps::ui::{KioskAdapter, KioskWindow, RatingAdapter};
    i_slint_backend_testing::init_no_event_loop();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hub = runtime.block_on(TestHub::start());
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let (a1, a2) = runtime.block_on(async {
        let a1 = kiosk.issue("hotich").await;
        let a2 = kiosk.issue("hotich").await;
        for _ in 0..2 {
            counter
                .post("/api/v1/counters/1/call-next", None, None)
                .await;
            counter.post("/api/v1/counters/1/finish", None, None).await;
        }
        (a1, a2)
    });
    let window = KioskWindow::new().unwrap();
    window.global::<KioskAdapter>().set_rating_enabled(true);
    let (tx, tasks) = mpsc::channel::<UiTask>();
    let tx = Mutex::new(tx);
    let rating = motcua::apps::rating::attach(
        &window,
        RatingFlow::new(Duration::from_secs(90), vec!["A".into(), "B".into()]),
        RatingContext {
            hub: motcua::apps::hub_client::HubClient::new(&hub.url, KIOSK),
            clock: Arc::new(|| Duration::ZERO),
            runtime: runtime.handle().clone(),
            post: Arc::new(move |t| {
                let _ = tx.lock().unwrap().send(t);
            }),
        },
    );
    let press = |label: &str| {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
        ElementHandle::find_by_accessible_label(&window, label)
            .next()
            .unwrap_or_else(|| panic!("no {label:?}; rating shows {:?}", rating.view()))
            .invoke_accessible_default_action();
    };
    let pump_until = |what: &str, done: &dyn Fn() -> bool| {
        pump_ui_until(&tasks, Duration::from_secs(20), done, || {
            format!("never got to {what}: {:?}", rating.view())
        })
    };
    // Typed: A, 2 → A002, then the check code printed on its paper.
    let check = motcua::domain::ticket_ref::check_code(a2["lookup_token"].as_str().unwrap());
    let type_check = || {
        assert!(
            window
                .global::<RatingAdapter>()
                .get_prompt()
                .contains("mã kiểm tra"),
            "{:?}",
            rating.view()
        );
        for digit in check.chars() {
            press(&digit.to_string());
        }
        assert_eq!(rating.view().typed, check);
        press("Tiếp tục");
    };
    press("Đánh giá");
    assert!(window.global::<RatingAdapter>().get_active());
    press("A");
    press("2");
    assert_eq!(rating.view().typed, "A2");
    press("Tiếp tục");
    type_check();
    pump_until("the levels", &|| rating.step() == Step::Choose);
    assert!(rating
        .view()
        .ticket_summary
        .starts_with("Phiếu A002 · Hộ tịch · Quầy 1"));
    press("Hài lòng");
    pump_until("thanks", &|| rating.step() == Step::Thanks);
    press("Xong");
    assert!(!window.global::<RatingAdapter>().get_active());

    // Scanned: the QR of A001.
    press("Đánh giá");
    window.global::<RatingAdapter>().invoke_scanned(
        format!(
            "MOTCUA:T:{}:{}",
            a1["id"],
            a1["lookup_token"].as_str().unwrap()
        )
        .into(),
    );
    pump_until("the levels", &|| rating.step() == Step::Choose);
    press("Rất hài lòng");
    pump_until("thanks", &|| rating.step() == Step::Thanks);

    // Once only.
    press("Xong");
    press("Đánh giá");
    press("A");
    press("2");
    press("Tiếp tục");
    type_check();
    pump_until("the refusal", &|| rating.step() == Step::Refused);
    assert!(
        rating.view().message.contains("đã được đánh giá"),
        "{:?}",
        rating.view()
    );

    let (_, stats) = runtime.block_on(hub.client(TECHNICIAN).get("/api/v1/stats"));
    assert_eq!(stats["ratings"]["total"]["very_satisfied"], 1);
    assert_eq!(stats["ratings"]["total"]["satisfied"], 1);
    runtime.block_on(hub.stop());
}

#[test]
fn counter_snapshot_renders_every_page_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::motcua()
        .args(["counter", "--counter", "2", "--snapshot"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = [
        "sign-in",
        "sign-in-error",
        "work-idle",
        "work-called",
        "work-serving-dossier",
        "work-transfer",
        "work-paused",
        "work-finished",
        "citizen-rating",
        "citizen-rating-reasons",
        "citizen-rating-typed",
    ];
    let snapshots = ["vi", "en"]
        .into_iter()
        .flat_map(|lang| pages.map(|page| (format!("counter-{lang}-{page}"), (1366, 768))));
    let distinct = crate::util::distinct_snapshots(dir.path(), snapshots);
    assert_eq!(distinct, 22, "every page looks different");
    crate::util::assert_no_overflow(dir.path());
}

/// #13 item 6: the counter and the board take every font
/// size and colour from `ui/theme.slint`, so one change there reaches them
/// all (and A+ scales them).
#[test]
fn counter_and_board_take_sizes_and_colours_from_the_theme() {
    let mut literal = Vec::new();
    // (The rating panel's keypad key moves to the shared `Key` of the
    // kiosk's keyboard, which is themed there.)
    for file in ["ui/counter.slint", "ui/display.slint"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let font = code
                .split_once("font-size:")
                .is_some_and(|(_, v)| !v.trim_start().starts_with("Theme."));
            let colour = code.match_indices('#').any(|(i, _)| {
                let hex: String = code[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_hexdigit)
                    .collect();
                matches!(hex.len(), 3 | 4 | 6 | 8)
            });
            if font || colour {
                literal.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        literal.is_empty(),
        "literal sizes or colours:\n{}",
        literal.join("\n")
    );
}

/// The counter window at 1366×768 on the testing backend, showing `page`
/// of the snapshot's sample pages (reached through the real controller).
fn sample_counter(page: &str, lang: motcua::apps::shell::Lang) -> CounterWindow {
    use motcua::apps::counter::snapshot::{sample_now, sample_pages};
    thread_local!(static READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !READY.replace(true) {
        i_slint_backend_testing::init_no_event_loop();
    }
    let config = motcua::config::Config::demo();
    let window = CounterWindow::new().unwrap();
    window
        .window()
        .set_size(slint::LogicalSize::new(1366.0, 768.0));
    let (_, state, rating, panel) = sample_pages(&config, 2, lang)
        .into_iter()
        .find(|(name, ..)| *name == page)
        .unwrap_or_else(|| panic!("no sample page {page}"));
    motcua::apps::counter::render_view(&window, &state.view(sample_now()));
    motcua::apps::rating::render_rating(
        &window.global::<motcua::apps::ui::RatingAdapter>(),
        &rating.view(),
    );
    window.global::<CounterAdapter>().set_citizen_panel(panel);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
    window
}

/// (x, y, width, height) of an element, in logical pixels.
fn rect(e: &ElementHandle) -> (f32, f32, f32, f32) {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, s.width, s.height)
}

fn by_id(window: &CounterWindow, id: &str) -> ElementHandle {
    ElementHandle::find_by_element_id(window, id)
        .next()
        .unwrap_or_else(|| panic!("no element {id}"))
}

/// #14 item 10: the code and PIN fields are full-width inputs of a touch
/// target's height, each under its label.
#[test]
fn sign_in_fields_are_full_size_inputs_under_their_labels() {
    use motcua::apps::shell::Lang;
    for lang in [Lang::Vi, Lang::En] {
        let window = sample_counter("sign-in", lang);
        let card = rect(&by_id(&window, "SignInPage::card"));
        for (field, label) in [
            ("SignInPage::code", "SignInPage::code-label"),
            ("SignInPage::pin", "SignInPage::pin-label"),
        ] {
            let (fx, fy, fw, fh) = rect(&by_id(&window, field));
            let (lx, ly, _, lh) = rect(&by_id(&window, label));
            assert!(fh >= 56.0, "{field} is {fh} px high");
            assert!(
                fw >= card.2 - 2.0 * 40.0,
                "{field} is {fw} px wide in a {} px card",
                card.2
            );
            assert!(
                (lx - fx).abs() < 1.0 && ly + lh <= fy + 1.0,
                "{label} sits above {field}"
            );
        }
    }
}

/// #14 item 13: the right column (waiting counts, tickets to reprint, F8)
/// keeps its place and size in every state of the work page.
#[test]
fn the_right_column_stays_put_in_every_state() {
    use motcua::apps::shell::Lang;
    for lang in [Lang::Vi, Lang::En] {
        let states = [
            "work-idle",
            "work-called",
            "work-serving-dossier",
            "work-transfer",
            "work-paused",
            "work-finished",
        ];
        let places: Vec<_> = states
            .iter()
            .map(|page| {
                rect(&by_id(
                    &sample_counter(page, lang),
                    "WorkPage::right-column",
                ))
            })
            .collect();
        for (page, place) in states.iter().zip(&places) {
            assert_eq!(
                place, &places[0],
                "{page} moves the right column ({lang:?})"
            );
        }
        // And the ticket card keeps its height with or without a ticket.
        let heights: Vec<f32> = states
            .iter()
            .map(|page| rect(&by_id(&sample_counter(page, lang), "WorkPage::ticket-card")).3)
            .collect();
        assert!(heights.iter().all(|h| *h == heights[0]), "{heights:?}");
    }
}

/// #14 item 14: the transfer dialog's title and every button label are
/// centred in the dialog and on their buttons.
#[test]
fn transfer_dialog_labels_are_centred() {
    use motcua::apps::shell::Lang;
    for lang in [Lang::Vi, Lang::En] {
        let window = sample_counter("work-transfer", lang);
        let dialog = rect(&by_id(&window, "WorkPage::transfer-dialog"));
        let centre = |r: (f32, f32, f32, f32)| (r.0 + r.2 / 2.0, r.1 + r.3 / 2.0);
        let title = rect(&by_id(&window, "WorkPage::transfer-title"));
        assert!(
            (centre(title).0 - centre(dialog).0).abs() <= 1.0,
            "title {title:?} in {dialog:?}"
        );
        let targets = window.global::<CounterAdapter>().get_transfer_targets();
        assert!(slint::Model::row_count(&targets) >= 2);
        for t in slint::Model::iter(&targets) {
            let found: Vec<ElementHandle> =
                ElementHandle::find_by_accessible_label(&window, &t.name).collect();
            let button = found
                .iter()
                .find(|e| e.type_name().as_deref() == Some("ActionButton"))
                .expect("the button");
            let inside = |e: &&ElementHandle| {
                let (r, b) = (rect(e), rect(button));
                r.0 >= b.0 && r.1 >= b.1 && r.0 + r.2 <= b.0 + b.2 && r.1 + r.3 <= b.1 + b.3
            };
            let label = found
                .iter()
                .filter(|e| e.type_name().as_deref() == Some("Text"))
                .find(inside)
                .expect("its label");
            let (b, l) = (centre(rect(button)), centre(rect(label)));
            assert!(
                (b.0 - l.0).abs() <= 1.0 && (b.1 - l.1).abs() <= 1.0,
                "{}: label centre {l:?}, button centre {b:?}",
                t.name
            );
        }
    }
}

/// #14 item 11: the dossier's pages and copies are in view without
/// scrolling, labelled in words.
#[test]
fn dossier_pages_and_copies_are_in_view_without_scrolling() {
    use motcua::apps::shell::Lang;
    for (lang, pages, copies) in [
        (
            Lang::Vi,
            "Số trang của bản chính",
            "Số bản sao cần chứng thực",
        ),
        (Lang::En, "Pages of the original", "Copies to certify"),
    ] {
        let window = sample_counter("work-serving-dossier", lang);
        let view = rect(&by_id(&window, "DossierCard::scroll"));
        for label in [pages, copies] {
            let text = ElementHandle::find_by_accessible_label(&window, label)
                .next()
                .unwrap_or_else(|| panic!("no {label:?}"));
            let (_, y, _, h) = rect(&text);
            assert!(
                y >= view.1 && y + h <= view.1 + view.3,
                "{label:?} at {y}+{h}, the dossier shows {}..{}",
                view.1,
                view.1 + view.3
            );
        }
    }
}

/// #14 item 15: "Không hài lòng" has the size of the other two levels
/// (all three are primary buttons in `rating_panel.slint`).
#[test]
fn not_satisfied_has_the_weight_of_the_other_two_levels() {
    use motcua::apps::shell::Lang;
    for (lang, levels) in [
        (Lang::Vi, ["Rất hài lòng", "Hài lòng", "Không hài lòng"]),
        (Lang::En, ["Very satisfied", "Satisfied", "Not satisfied"]),
    ] {
        let window = sample_counter("citizen-rating", lang);
        let sizes: Vec<_> = levels
            .iter()
            .map(|label| {
                let button = ElementHandle::find_by_accessible_label(&window, label)
                    .find(|e| e.type_name().as_deref() == Some("BigButton"))
                    .unwrap_or_else(|| panic!("no {label:?} button"));
                let (_, _, w, h) = rect(&button);
                (w.round() as i32, h.round() as i32)
            })
            .collect();
        assert!(
            sizes.iter().all(|s| *s == sizes[0]),
            "{lang:?}: {levels:?} are {sizes:?}"
        );
    }
}

/// #14 item 15: on the reasons page "Gửi đánh giá" is in view without
/// scrolling, and the reasons scroll by wheel and by touch (drag).
#[test]
fn the_reasons_page_shows_send_and_scrolls_by_touch_and_wheel() {
    use motcua::apps::shell::Lang;
    for (lang, send) in [(Lang::Vi, "Gửi đánh giá"), (Lang::En, "Send rating")] {
        let window = sample_counter("citizen-rating-reasons", lang);
        let send = ElementHandle::find_by_accessible_label(&window, send)
            .find(|e| e.type_name().as_deref() == Some("BigButton"))
            .expect("the send button");
        let (_, y, _, h) = rect(&send);
        assert!(
            y >= 0.0 && y + h <= 768.0,
            "send at {y}+{h} in a 768 px window"
        );
        let scroll = by_id(&window, "RatingPanel::reasons-scroll");
        let list = || rect(&by_id(&window, "RatingPanel::reasons-list")).1;
        let top = list();
        scroll.scroll(0.0, -300.0);
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(500));
        let wheeled = list();
        assert!(
            wheeled < top,
            "the wheel moved the reasons from {top} to {wheeled}"
        );
        scroll.scroll(0.0, 1000.0);
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(500));
        assert_eq!(list(), top, "and back");
        let (sx, sy, sw, sh) = rect(&scroll);
        scroll.mock_drag(
            slint::LogicalPosition::new(sx + sw / 2.0, sy + sh / 2.0 - 150.0),
            slint::platform::PointerEventButton::Left,
        );
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(500));
        let dragged = list();
        assert!(
            dragged < top,
            "a drag moved the reasons from {top} to {dragged}"
        );
    }
}
