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
            v.page == "work" && !v.waiting.is_empty() && v.counter_state == "open" && !v.busy
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
        let (status, _) = kiosk
            .post(
                "/api/v1/ratings",
                Some(&json!({"number": "A002", "level": "unsatisfied", "reasons": ["attitude", "slow"]})),
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
    let (a1, _a2) = runtime.block_on(async {
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
    // Typed: A, 2 → A002.
    press("Đánh giá");
    assert!(window.global::<RatingAdapter>().get_active());
    press("A");
    press("2");
    assert_eq!(rating.view().typed, "A2");
    press("Tiếp tục");
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
}
