//! The counter controller driven through its flows with hub answers and
//! events as the hub sends them.

use chrono::{DateTime, Utc};

use super::*;
use crate::apps::events::SseMessage;
use crate::domain::ticket::TicketState;
use motcua_api::{KioskDevices, QueueView, SignedIn};

fn now() -> DateTime<Utc> {
    "2026-11-26T01:40:00Z".parse().unwrap()
}

fn ticket(id: i64, number: &str, state: TicketState) -> TicketView {
    serde_json::from_value(serde_json::json!({
        "id": id, "number": number, "service": "hotich",
        "service_name_vi": "Hộ tịch", "service_name_en": "Civil status",
        "priority": "elderly", "priority_name_vi": "Người cao tuổi", "state": state,
        "business_date": "2026-11-26", "issued_at": "2026-11-26T08:20:00+07:00",
        "called_at": "2026-11-26T08:32:00+07:00", "started_at": null, "finished_at": null,
        "counter": 2, "recall_count": 0, "transfer_count": 0,
        "people_ahead": 0, "estimated_wait_minutes": 0,
        "print_status": null, "print_error": null
    }))
    .unwrap()
}

fn queue(state: &str) -> QueueView {
    serde_json::from_value(serde_json::json!({
        "business_date": "2026-11-26",
        "services": [
            {"code": "hotich", "prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil status", "waiting": 3, "open_counters": 1, "estimated_wait_minutes": 0},
            {"code": "chungthuc", "prefix": "B", "name_vi": "Chứng thực", "name_en": "Certification", "waiting": 1, "open_counters": 1, "estimated_wait_minutes": 0},
            {"code": "datdai", "prefix": "C", "name_vi": "Đất đai", "name_en": "Land", "waiting": 7, "open_counters": 1, "estimated_wait_minutes": 0}
        ],
        "counters": [{"number": 2, "name": "Quầy 2", "state": state, "services": ["hotich", "chungthuc"], "current": null}],
        "last_event_id": 40
    }))
    .unwrap()
}

fn signed_in() -> Counter {
    let mut c = Counter::new(2, false);
    assert_eq!(
        c.sign_in("CB01 ", "1111"),
        vec![Effect::SignIn {
            code: "cb01".into(),
            pin: "1111".into()
        }]
    );
    assert!(
        c.sign_in("cb01", "1111").is_empty(),
        "one sign-in at a time"
    );
    let effects = c.signed_in(Ok(SignedIn {
        session: "staff-x".into(),
        expires_at: "2026-11-26T18:00:00+07:00".into(),
        officer: Officer {
            code: "cb01".into(),
            name: "Nguyễn Thị Lan".into(),
            counter: 2,
        },
    }));
    assert_eq!(effects, vec![Effect::Load]);
    let effects = c.loaded(&queue("open"), Vec::new());
    assert_eq!(effects, vec![Effect::Listen { last_event_id: 40 }]);
    c
}

fn act_key(effects: &[Effect]) -> Command {
    match effects {
        [Effect::Act { command, .. }] => command.clone(),
        other => panic!("expected one action, got {other:?}"),
    }
}

#[test]
fn sign_in_then_the_served_services_and_their_waiting_counts() {
    let c = signed_in();
    let v = c.view(now());
    assert_eq!(v.page, Page::Work);
    assert_eq!(v.officer_name, "Nguyễn Thị Lan");
    assert_eq!(
        v.waiting,
        vec![
            ("hotich".into(), "A · Hộ tịch".into(), "3 người chờ".into()),
            (
                "chungthuc".into(),
                "B · Chứng thực".into(),
                "1 người chờ".into()
            )
        ]
    );
    assert!(v.can_call && !v.can_recall && !v.can_finish);
}

#[test]
fn a_wrong_pin_stays_on_the_sign_in_page_with_the_hubs_words() {
    let mut c = Counter::new(2, false);
    c.sign_in("cb01", "0000");
    c.signed_in(Err(HubError::Refused {
        status: 401,
        code: motcua_api::ErrorCode::BadCredentials,
        message_vi: "Mã cán bộ hoặc mã PIN không đúng.".into(),
        message_en: "Wrong staff code or PIN.".into(),
        fields: Default::default(),
    }));
    let v = c.view(now());
    assert_eq!(v.page, Page::SignIn);
    assert_eq!(v.message, "Mã cán bộ hoặc mã PIN không đúng.");
    assert!(v.message_is_error);
}

#[test]
fn call_start_finish_with_one_action_in_flight() {
    let mut c = signed_in();
    let first = c.command(Command::CallNext);
    assert_eq!(act_key(&first), Command::CallNext);
    assert!(
        c.command(Command::CallNext).is_empty(),
        "a repeated F1 waits for the hub"
    );
    let t = ticket(5, "A005", TicketState::Called);
    c.acted(
        &Command::CallNext,
        Ok(Answer::Ticket(CounterTicket {
            ticket: t,
            dossier_code: None,
        })),
    );
    let v = c.view(now());
    assert_eq!(v.ticket_number, "A005");
    assert_eq!(v.ticket_priority, "Ưu tiên: Người cao tuổi");
    assert_eq!(v.ticket_wait, "Đã chờ 12 phút · gọi cách đây 8 phút");
    assert!(v.can_recall && v.can_start && v.can_no_show && v.can_transfer);
    assert!(
        !v.can_call,
        "call next needs start, finish or no-show first"
    );

    act_key(&c.command(Command::Finish));
    let effects = c.acted(
        &Command::Finish,
        Ok(Answer::Ticket(CounterTicket {
            ticket: ticket(5, "A005", TicketState::Done),
            dossier_code: None,
        })),
    );
    assert_eq!(
        effects,
        vec![Effect::Rate {
            ticket: 5,
            number: "A005".into()
        }]
    );
    let v = c.view(now());
    assert!(!v.has_ticket && v.can_call);
    assert_eq!(v.message, "Đã hoàn thành số A005. Mời công dân đánh giá.");
}

#[test]
fn a_paused_counter_does_not_call_nor_asks_for_f1() {
    let mut c = signed_in();
    assert!(c.view(now()).idle_hint.contains("F1"), "open: F1 calls");
    act_key(&c.toggle_pause());
    c.acted(
        &Command::Pause,
        Ok(Answer::Counter(serde_json::from_value(serde_json::json!({
            "number": 2, "name": "Quầy 2", "state": "paused", "services": ["hotich"], "current": null
        })).unwrap())),
    );
    let v = c.view(now());
    assert!(v.paused && !v.can_call);
    assert!(c.command(Command::CallNext).is_empty());
    // #14 item 12: nothing on the screen points at the disabled F1.
    assert!(
        !v.idle_hint.contains("F1") && v.idle_hint.contains("F7"),
        "{}",
        v.idle_hint
    );
    assert!(!v.message.contains("F1"), "{}", v.message);
    c.toggle_language();
    assert!(!c.view(now()).idle_hint.contains("F1"));
    c.toggle_language();
    assert_eq!(act_key(&c.toggle_pause()), Command::Open);
}

#[test]
fn transfer_offers_the_other_services() {
    let mut c = signed_in();
    c.command(Command::CallNext);
    c.acted(
        &Command::CallNext,
        Ok(Answer::Ticket(CounterTicket {
            ticket: ticket(5, "A005", TicketState::Called),
            dossier_code: None,
        })),
    );
    c.open_transfer();
    let v = c.view(now());
    assert!(v.transfer_open);
    let targets: Vec<&str> = v.transfer_targets.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(targets, ["chungthuc", "datdai"]);
    assert!(
        c.command(Command::Transfer("hotich".into())).is_empty(),
        "not to its own service"
    );
    assert_eq!(
        act_key(&c.command(Command::Transfer("datdai".into()))),
        Command::Transfer("datdai".into())
    );
    let mut moved = ticket(5, "A005", TicketState::Transferred);
    moved.service_name_vi = "Đất đai".into();
    c.acted(
        &Command::Transfer("datdai".into()),
        Ok(Answer::Ticket(CounterTicket {
            ticket: moved,
            dossier_code: None,
        })),
    );
    let v = c.view(now());
    assert!(!v.has_ticket && !v.transfer_open);
    assert_eq!(v.message, "Đã chuyển số A005 sang Đất đai.");
}

#[test]
fn the_dossier_filed_at_the_kiosk_is_loaded_and_shown_in_words() {
    use motcua_api::{FieldKind, FieldSpec};
    let mut c = signed_in();
    c.set_forms(Forms::new(
        vec![
            FieldSpec::new("name", FieldKind::Text, "Họ, chữ đệm và tên", "Full name"),
            FieldSpec::new(
                "date_of_birth",
                FieldKind::Date,
                "Ngày sinh",
                "Date of birth",
            ),
        ],
        [(
            "2.000815".to_owned(),
            vec![
                FieldSpec::new(
                    "document_name",
                    FieldKind::Text,
                    "Tên giấy tờ, văn bản",
                    "Name of the document",
                ),
                FieldSpec::new(
                    "pages",
                    FieldKind::Pages,
                    "Số trang của bản chính",
                    "Pages of the original",
                ),
                FieldSpec::new(
                    "copies",
                    FieldKind::Copies,
                    "Số bản sao cần chứng thực",
                    "Copies to certify",
                ),
            ],
        )],
    ));
    c.command(Command::CallNext);
    let mut json = serde_json::to_value(ticket(5, "B005", TicketState::Called)).unwrap();
    json["dossier_code"] = "000.25.31.H26-261126-0001".into();
    let effects = c.acted(
        &Command::CallNext,
        Ok(Answer::Ticket(CounterTicket::from_json(&json).unwrap())),
    );
    assert_eq!(
        effects,
        vec![Effect::LoadDossier("000.25.31.H26-261126-0001".into())]
    );
    assert!(c.view(now()).dossier_title.contains("đang tải"));
    c.dossier_loaded(
        "000.25.31.H26-261126-0001",
        Ok(serde_json::json!({
            "procedure": "2.000815",
            "procedure_name_vi": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "procedure_name_en": "Certified copies from originals",
            "received_at": "2026-11-26T08:10:00+07:00",
            "pages": 5, "copies": 2,
            "applicant": {"name": "Trần Thị Bình", "date_of_birth": "1995-03-07", "id_number": "079195001234"},
            "fields": {"document_name": "Bằng tốt nghiệp"}
        })),
    );
    let v = c.view(now());
    assert_eq!(
        v.dossier_title,
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    );
    // Pages and copies right after the code: in view without scrolling.
    assert_eq!(
        v.dossier_lines[..3],
        [
            ("Mã hồ sơ".into(), "000.25.31.H26-261126-0001".into()),
            ("Số trang của bản chính".into(), "5".into()),
            ("Số bản sao cần chứng thực".into(), "2".into()),
        ]
    );
    for line in [
        ("Tiếp nhận lúc", "08:10 26/11/2026"),
        ("Họ, chữ đệm và tên", "Trần Thị Bình"),
        ("Ngày sinh", "07/03/1995"),
        ("Số định danh cá nhân", "079195001234"),
        ("Tên giấy tờ, văn bản", "Bằng tốt nghiệp"),
    ] {
        assert!(
            v.dossier_lines.contains(&(line.0.into(), line.1.into())),
            "{line:?} in {:?}",
            v.dossier_lines
        );
    }
    // No raw key anywhere: every label is words.
    for (label, _) in &v.dossier_lines {
        assert!(
            !label.contains('_') && label.chars().next().unwrap().is_uppercase(),
            "{label}"
        );
    }
    // The officer switches language: the same dossier, relabelled.
    c.toggle_language();
    let v = c.view(now());
    assert!(v
        .dossier_lines
        .contains(&("Pages of the original".into(), "5".into())));
    assert!(v
        .dossier_lines
        .contains(&("Date of birth".into(), "07/03/1995".into())));
}

#[test]
fn print_failures_arrive_live_and_leave_when_reprinted() {
    let mut c = Counter::new(2, true);
    c.sign_in("cb01", "1111");
    c.signed_in(Ok(SignedIn {
        session: "staff-x".into(),
        expires_at: String::new(),
        officer: Officer {
            code: "cb01".into(),
            name: "Lan".into(),
            counter: 2,
        },
    }));
    c.loaded(&queue("open"), Vec::new());
    let mut t = ticket(9, "B009", TicketState::Issued);
    t.print_error = Some("paper_out".into());
    let event = SseMessage {
        id: Some(41),
        event: "ticket.print_failed".into(),
        data: serde_json::json!({"id": 41, "at_ms": 0, "data": {"ticket": t, "waiting": {"hotich": 4}}}).to_string(),
    };
    c.event(&event);
    c.event(&event);
    let v = c.view(now());
    assert_eq!(v.print_failed.len(), 1, "once, even if replayed");
    assert_eq!(v.waiting[0].2, "4 người chờ");
    assert!(matches!(&c.reprint(9)[..], [Effect::Reprint(t)] if t.number == "B009"));
    let effects = c.reprinted(9, Ok(()));
    assert!(matches!(
        &effects[..],
        [Effect::ReportReprinted { ticket: 9, .. }]
    ));
    assert!(c.view(now()).print_failed.is_empty());
}

#[test]
fn an_expired_session_returns_to_sign_in() {
    let mut c = signed_in();
    c.command(Command::CallNext);
    c.acted(
        &Command::CallNext,
        Err(HubError::Refused {
            status: 401,
            code: motcua_api::ErrorCode::Unauthorized,
            message_vi: "x".into(),
            message_en: "x".into(),
            fields: Default::default(),
        }),
    );
    assert_eq!(c.page(), Page::SignIn);
    assert!(c.view(now()).message.contains("hết hạn"));
}

fn kiosks(json: serde_json::Value) -> Vec<KioskDevices> {
    serde_json::from_value(json).unwrap()
}

#[test]
fn a_kiosk_out_of_service_shows_a_banner_until_it_recovers() {
    let mut c = signed_in();
    assert_eq!(c.view(now()).kiosk_banner, "");
    // At load: the hub's health lists a kiosk whose printer is out of paper.
    c.kiosks_loaded(&kiosks(serde_json::json!([
        {"kiosk": "kiosk-2", "out_of_service": true, "devices": [
            {"kiosk": "kiosk-2", "device": "printer", "state": "fault", "kind": "paper_out",
             "since": "", "updated_at": "", "message_vi": "Kiosk kiosk-2: máy in hết giấy.", "message_en": "Kiosk kiosk-2: printer out of paper."}]},
        {"kiosk": "kiosk-1", "out_of_service": false, "devices": []}
    ])));
    assert_eq!(
        c.view(now()).kiosk_banner,
        "Kiosk kiosk-2: máy in hết giấy. Ki-ốt này đang ngừng phục vụ."
    );
    // Live: another kiosk fails, the first recovers.
    let event = |id: i64, kind: &str, data: serde_json::Value| SseMessage {
        id: Some(id),
        event: kind.into(),
        data: serde_json::json!({"id": id, "at_ms": 0, "data": data}).to_string(),
    };
    c.event(&event(
        41,
        "device.fault",
        serde_json::json!({"kiosk": "kiosk-3", "device": "printer", "state": "fault",
        "out_of_service": true, "message_vi": "", "message_en": ""}),
    ));
    c.event(&event(
        42,
        "device.recovered",
        serde_json::json!({"kiosk": "kiosk-2", "device": "printer", "state": "ok",
        "out_of_service": false, "message_vi": "", "message_en": ""}),
    ));
    assert_eq!(
        c.view(now()).kiosk_banner,
        "Ki-ốt kiosk-3 đang ngừng phục vụ."
    );
}
