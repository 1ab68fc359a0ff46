//! Least privilege for the lobby machine (#12): what a kiosk token, which
//! sits on a public machine, may do and see; what displays and the event
//! stream (which the city reads) must never carry.

use motcua::config::{Config, Role, TokenConfig};
use reqwest::StatusCode;
use serde_json::Value;

use crate::util::{SseReader, TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

/// A second kiosk in the demo office, with its own token and name.
pub const KIOSK_2: &str = "second-kiosk-token-0123";

/// The demo office with a second kiosk (`kiosk-2`) and a second counter
/// machine (`counter-2`).
pub fn office_with_two_of_each() -> Config {
    let mut config = Config::demo();
    for (token, role, name) in [
        (KIOSK_2, Role::Kiosk, "kiosk-2"),
        (COUNTER_2, Role::Counter, "counter-2"),
    ] {
        config.tokens.push(TokenConfig {
            token: token.into(),
            role,
            name: Some(name.into()),
        });
    }
    config
}

/// A second counter machine's token.
pub const COUNTER_2: &str = "second-counter-token-0123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_cancels_only_its_own_waiting_tickets() {
    let hub = TestHub::with(office_with_two_of_each(), None).await;
    let kiosk = hub.client(KIOSK);
    let other = hub.client(KIOSK_2);
    let mine = kiosk.issue("hotich").await;
    let cancel = |t: &Value| format!("/api/v1/tickets/{}/cancel", t["id"]);

    // Another kiosk in the same lobby cannot take it back.
    let (status, err) = other.post(&cancel(&mine), None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(err["code"], "forbidden");
    assert!(
        err["message_vi"].as_str().unwrap().contains("A001"),
        "{err}"
    );
    let (_, seen) = kiosk.get(&format!("/api/v1/tickets/{}", mine["id"])).await;
    assert_eq!(seen["state"], "issued");

    // The kiosk that issued it can, while it waits.
    let (status, done) = kiosk.post(&cancel(&mine), None, None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "cancelled");

    // Once called, not even the issuing kiosk can.
    let called = kiosk.issue("hotich").await;
    hub.client(COUNTER)
        .post("/api/v1/counters/1/call-next", None, None)
        .await;
    let (status, err) = kiosk.post(&cancel(&called), None, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["code"], "illegal_transition");

    // Staff at a counter still cancel any waiting ticket.
    let waiting = other.issue("hotich").await;
    let (status, done) = hub
        .client(COUNTER)
        .post(&cancel(&waiting), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    hub.stop().await;
}

/// Regression: `counter.*` events carried `counter.current` with the
/// ticket's lookup token, so displays and the city saw it; and
/// `GET /api/v1/tickets/{id}` gave it to every role but displays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lookup_token_is_given_once_and_never_again() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let issued = kiosk.issue("hotich").await;
    let token = issued["lookup_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 8, "{issued}");
    let leaks = |what: &str, body: &Value| {
        assert!(
            !body.to_string().contains(&token),
            "{what} carries the lookup token: {body}"
        );
    };

    // Every counter action, including pause/open with the ticket at the
    // counter (these emit counter events with `current`).
    for action in ["call-next", "recall", "pause", "open", "start"] {
        let (status, body) = counter
            .post(&format!("/api/v1/counters/1/{action}"), None, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
        leaks(action, &body);
    }

    let path = format!("/api/v1/tickets/{}", issued["id"]);
    for who in [KIOSK, COUNTER, DISPLAY, TECHNICIAN] {
        let client = hub.client(who);
        for read in [path.as_str(), "/api/v1/queue", "/api/v1/counters"] {
            let (status, body) = client.get(read).await;
            assert_eq!(status, StatusCode::OK, "{who} {read}: {body}");
            leaks(&format!("{read} for {who}"), &body);
        }
    }

    // The whole event stream as a display (and the city) reads it.
    let (_, queue) = counter.get("/api/v1/queue").await;
    let last = queue["last_event_id"].as_i64().unwrap();
    let mut stream = SseReader::connect(&hub.url, DISPLAY, Some(0)).await;
    let mut kinds = Vec::new();
    loop {
        let event = stream.next().await.expect("the stream ended early");
        leaks(&event.kind, &event.data);
        kinds.push(event.kind);
        if event.id == Some(last) {
            break;
        }
    }
    for kind in ["counter.paused", "counter.opened", "ticket.called"] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    hub.stop().await;
}

/// Regression (#12 item 9): any kiosk token could report for any kiosk name
/// (and put every kiosk "out of service"), and a made-up kind was stored
/// as `other`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_reports_only_its_own_devices_and_only_known_kinds() {
    let hub = TestHub::with(office_with_two_of_each(), None).await;
    let kiosk = hub.client(KIOSK_2);
    let report = |kiosk: Option<&str>, kind: &str| {
        let mut body = serde_json::json!({"device": "printer", "state": "fault", "kind": kind});
        if let Some(k) = kiosk {
            body["kiosk"] = k.into();
        }
        body
    };
    let path = "/api/v1/devices/events";

    let (status, err) = kiosk
        .post(path, Some(&report(Some("demo-kiosk"), "paper_out")), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(err["code"], "forbidden");
    let (status, err) = kiosk.post(path, Some(&report(None, "on_fire")), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], "invalid_body");
    assert!(
        err["message_en"].as_str().unwrap().contains("on_fire"),
        "{err}"
    );
    let (_, list) = hub.client(COUNTER).get("/api/v1/devices").await;
    assert_eq!(
        list["kiosks"],
        serde_json::json!([]),
        "nothing stored: {list}"
    );

    // Its own name, said or not, and every kind the drivers know.
    let (status, ok) = kiosk
        .post(path, Some(&report(Some("kiosk-2"), "paper_out")), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["kiosk"], "kiosk-2");
    for kind in [
        "offline",
        "cover_open",
        "timeout",
        "disconnected",
        "busy",
        "bad_data",
        "other",
    ] {
        let (status, ok) = kiosk.post(path, Some(&report(None, kind)), None).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {ok}");
        assert_eq!(ok["kind"], kind);
    }
    // A technician may report for any kiosk (from `motcua diag`).
    let (status, ok) = hub
        .client(TECHNICIAN)
        .post(path, Some(&report(Some("demo-kiosk"), "busy")), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    hub.stop().await;
}

/// Regression (#12 item 10): five wrong PINs from one counter token locked
/// the officer out of every counter of the office.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_lockout_holds_at_one_device_only() {
    let hub = TestHub::with(office_with_two_of_each(), None).await;
    let sign_in = |token: &'static str, pin: &'static str, counter: u32| {
        let device = hub.client(token);
        async move {
            let body = serde_json::json!({"code": "cb01", "pin": pin, "counter": counter});
            device
                .post("/api/v1/staff/sign-in", Some(&body), None)
                .await
        }
    };
    for _ in 0..5 {
        let (status, err) = sign_in(COUNTER_2, "0000", 2).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{err}");
    }
    // Locked at that machine, even with the right PIN...
    let (status, err) = sign_in(COUNTER_2, "1111", 2).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err}");
    assert_eq!(err["code"], "too_many_attempts");
    assert!(
        err["message_vi"].as_str().unwrap().contains("quầy khác"),
        "{err}"
    );
    // ...but the officer signs in at another counter machine.
    let (status, ok) = sign_in(COUNTER, "1111", 1).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["officer"]["code"], "cb01");
    // And that success does not unlock the machine that guessed.
    let (status, _) = sign_in(COUNTER_2, "1111", 2).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    hub.stop().await;
}

/// Regression (#12 item 8): anyone could rate any finished ticket by typing
/// its number, which the hall board shows to everyone. A typed number now
/// needs the 4-digit check code printed on the ticket; the QR path is
/// unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rating_a_typed_number_needs_the_check_code_on_the_paper() {
    use motcua::domain::ticket_ref::check_code;
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let counter = hub.client(COUNTER);
    let a1 = kiosk.issue("hotich").await;
    let a2 = kiosk.issue("hotich").await;
    for _ in 0..2 {
        counter
            .post("/api/v1/counters/1/call-next", None, None)
            .await;
        counter.post("/api/v1/counters/1/finish", None, None).await;
    }
    let code = check_code(a2["lookup_token"].as_str().unwrap());
    let wrong = format!("{:04}", (code.parse::<u32>().unwrap() + 1) % 10_000);
    let rate = |body: Value| {
        let kiosk = kiosk.clone();
        async move { kiosk.post("/api/v1/ratings", Some(&body), None).await }
    };

    for (who, check) in [("kiosk", None), ("kiosk", Some(wrong.as_str()))] {
        let mut body = serde_json::json!({"number": "A002", "level": "satisfied"});
        let mut lookup = "/api/v1/ratings/lookup?number=A002".to_owned();
        if let Some(c) = check {
            body["check"] = c.into();
            lookup.push_str(&format!("&check={c}"));
        }
        let (status, err) = rate(body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} {check:?}: {err}");
        assert_eq!(err["code"], "ticket_not_found");
        let (status, _) = kiosk.get(&lookup).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "lookup {check:?}");
    }
    // A counter typing the number needs it too.
    let (status, _) = counter
        .post(
            "/api/v1/ratings",
            Some(&serde_json::json!({"number": "A002", "level": "satisfied"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, found) = kiosk
        .get(&format!("/api/v1/ratings/lookup?number=A002&check={code}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["rateable"], true);
    let (status, rated) =
        rate(serde_json::json!({"number": "A002", "check": code, "level": "satisfied"})).await;
    assert_eq!(status, StatusCode::CREATED, "{rated}");
    assert_eq!(rated["number"], "A002");

    // The QR path is unchanged: id and lookup token, no check code.
    let (status, rated) = rate(serde_json::json!({
        "ticket": a1["id"], "token": a1["lookup_token"], "level": "very_satisfied"
    }))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{rated}");
    hub.stop().await;
}
