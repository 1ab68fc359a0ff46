//! Unit tests of the strict check and the projection.

use super::*;
use motcua_api::IngestEvent;

const TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

fn ticket(
    state: &str,
    called: Option<&str>,
    started: Option<&str>,
    finished: Option<&str>,
) -> Value {
    serde_json::json!({
        "ticket": {
            "id": 7, "number": "A007", "service": "hotich",
            "service_name_vi": "Hộ tịch", "service_name_en": "Civil status",
            "priority": null, "priority_name_vi": null, "state": state,
            "business_date": "2026-11-26", "issued_at": "2026-11-26T08:00:00+07:00",
            "called_at": called, "started_at": started, "finished_at": finished,
            "counter": called.map(|_| 2), "recall_count": 0, "transfer_count": 0,
            "people_ahead": 0, "estimated_wait_minutes": 0,
            "print_status": null, "print_error": null
        },
        "waiting": {"hotich": 0}
    })
}

fn event(id: i64, at_ms: i64, kind: &str, data: Value) -> IngestEvent {
    IngestEvent {
        id,
        at_ms,
        event: kind.into(),
        data,
    }
}

fn request(after: Option<i64>, events: Vec<IngestEvent>) -> IngestRequest {
    IngestRequest {
        unit_code: "H26.01".into(),
        after_event_id: after,
        events,
        hub: HubReport::default(),
    }
}

/// 2026-11-26 08:00:00.250 +07:00, in ms.
const ISSUED: i64 = 1_795_654_800_250;

#[test]
fn times_come_in_milliseconds_from_the_events_that_set_them() {
    let events = vec![
        event(
            1,
            ISSUED,
            "ticket.issued",
            ticket("issued", None, None, None),
        ),
        event(
            2,
            ISSUED + 61_500,
            "ticket.called",
            ticket("called", Some("2026-11-26T08:01:01+07:00"), None, None),
        ),
        // A recall sets no time: the call keeps its milliseconds.
        event(
            3,
            ISSUED + 90_000,
            "ticket.recalled",
            ticket("called", Some("2026-11-26T08:01:01+07:00"), None, None),
        ),
    ];
    let batch = check(request(Some(0), events), TZ).unwrap();
    let p = project(&batch.events);
    assert_eq!(p.tickets.len(), 1);
    let t = &p.tickets[0];
    assert_eq!(t.times, [Some(ISSUED), Some(ISSUED + 61_500), None, None]);
    assert_eq!(t.keep_mask, 0);
    assert_eq!(t.state, "called");
    assert_eq!(t.last_event_id, 3);
    assert_eq!(
        batch.events[0].day,
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    );
}

#[test]
fn a_later_batch_keeps_times_it_does_not_set_and_clears_what_a_transfer_clears() {
    let started = ticket(
        "serving",
        Some("2026-11-26T08:01:01+07:00"),
        Some("2026-11-26T08:02:00+07:00"),
        None,
    );
    let batch = check(
        request(
            Some(5),
            vec![event(6, ISSUED + 120_000, "ticket.started", started)],
        ),
        TZ,
    )
    .unwrap();
    let t = &project(&batch.events).tickets[0];
    // issued and called are kept as stored (bits 1 and 2).
    assert_eq!(t.keep_mask, 0b0011);
    assert_eq!(t.times[2], Some(ISSUED + 120_000));

    let mut transferred = ticket("transferred", None, None, None);
    transferred["from_counter"] = 2.into();
    transferred["from_service"] = "hotich".into();
    let batch = check(
        request(
            Some(6),
            vec![event(
                7,
                ISSUED + 200_000,
                "ticket.transferred",
                transferred,
            )],
        ),
        TZ,
    )
    .unwrap();
    let t = &project(&batch.events).tickets[0];
    assert_eq!(t.keep_mask, 0b0001);
    assert_eq!(&t.times[1..], &[None, None, None]);
}

#[test]
fn a_planted_name_or_id_number_refuses_the_batch() {
    let mut planted = ticket("issued", None, None, None);
    planted["ticket"]["citizen_name"] = "Nguyễn Văn An".into();
    planted["id_number"] = "001090012345".into();
    let err = check(
        request(
            Some(0),
            vec![
                event(
                    1,
                    ISSUED,
                    "ticket.issued",
                    ticket("issued", None, None, None),
                ),
                event(2, ISSUED + 1, "ticket.issued", planted),
            ],
        ),
        TZ,
    )
    .unwrap_err();
    match err {
        IngestError::OutsideSchema { id, reason, .. } => {
            assert_eq!(id, 2);
            assert!(reason.contains("ticket.citizen_name"), "{reason}");
            assert!(reason.contains("id_number"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ids_must_increase_after_the_acknowledged_one() {
    let e = |id| {
        event(
            id,
            ISSUED,
            "ticket.issued",
            ticket("issued", None, None, None),
        )
    };
    assert!(matches!(
        check(request(Some(3), vec![e(3)]), TZ),
        Err(IngestError::Order { id: 3, after: 3 })
    ));
    assert!(matches!(
        check(request(Some(0), vec![e(2), e(2)]), TZ),
        Err(IngestError::Order { .. })
    ));
    assert!(matches!(
        check(request(None, vec![e(1)]), TZ),
        Err(IngestError::MissingAfter)
    ));
    assert!(matches!(
        check(
            request(
                Some(0),
                vec![event(
                    1,
                    ISSUED,
                    "resync",
                    serde_json::json!({"last_event_id": 1})
                )]
            ),
            TZ
        ),
        Err(IngestError::OutsideSchema { .. })
    ));
    // An empty request (a heartbeat) needs no after_event_id.
    check(request(None, vec![]), TZ).unwrap();
}

#[test]
fn dossiers_devices_and_counters_project_once_per_entity() {
    let events = vec![
        event(
            1,
            ISSUED,
            "dossier.received",
            serde_json::json!({
                "code": "H26-261126-0001", "due_at": "2026-11-26T17:00:00+07:00",
                "portal_status": "pending", "procedure": "2.000815",
                "received_at": "2026-11-26T08:00:00+07:00", "ticket": null, "channel": "kiosk"
            }),
        ),
        event(
            2,
            ISSUED + 5_000,
            "dossier.sent",
            serde_json::json!({
                "code": "H26-261126-0001", "portal_reference": "SBX-1", "portal_status": "received"
            }),
        ),
        event(
            3,
            ISSUED + 9_000,
            "dossier.status",
            serde_json::json!({
                "code": "H26-261126-0001", "portal_status": "result_ready", "previous": "received"
            }),
        ),
        event(
            4,
            ISSUED + 10_000,
            "device.fault",
            serde_json::json!({
                "device": "printer", "kind": "paper_out", "kiosk": "kiosk-1",
                "message_en": "Out of paper", "message_vi": "Hết giấy", "out_of_service": true,
                "previous_kind": null, "previous_state": "ok", "state": "fault"
            }),
        ),
        event(
            5,
            ISSUED + 20_000,
            "device.recovered",
            serde_json::json!({
                "device": "printer", "kind": null, "kiosk": "kiosk-1",
                "message_en": "Ok", "message_vi": "Ổn", "out_of_service": false,
                "previous_kind": "paper_out", "previous_state": "fault", "state": "ok"
            }),
        ),
        event(
            6,
            ISSUED + 30_000,
            "staff.signed_in",
            serde_json::json!({
                "counter": 2, "officer": {"code": "cb01", "name": "Nguyễn Thị Lan"}
            }),
        ),
    ];
    let batch = check(request(Some(0), events), TZ).unwrap();
    let p = project(&batch.events);
    assert_eq!(p.dossiers.len(), 1);
    let d = &p.dossiers[0];
    assert_eq!(d.channel.as_deref(), Some("kiosk"));
    assert_eq!(d.received_ms, Some(ISSUED));
    assert_eq!(d.sent_ms, Some(ISSUED + 5_000));
    assert_eq!(d.result_ms, Some(ISSUED + 9_000));
    assert_eq!(d.status.as_deref(), Some("result_ready"));
    assert_eq!(p.devices.len(), 1);
    assert_eq!(p.devices[0].state, "ok");
    assert_eq!(
        p.outages
            .iter()
            .map(|o| o.out_of_service)
            .collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        p.counters[0].officer,
        Some(Some(("cb01".to_owned(), "Nguyễn Thị Lan".to_owned())))
    );
}

#[test]
fn a_payload_in_another_key_order_is_the_same_payload() {
    // What a hub writes: keys sorted, compact. Another client may not.
    let data = r#"{ "waiting": {"hotich": 0}, "ticket": {"number": "A007", "id": 7, "service": "hotich",
        "service_name_vi": "Hộ tịch", "service_name_en": "Civil status", "priority": null,
        "priority_name_vi": null, "state": "issued", "business_date": "2026-11-26",
        "issued_at": "2026-11-26T08:00:00+07:00", "called_at": null, "started_at": null,
        "finished_at": null, "counter": null, "recall_count": 0, "transfer_count": 0,
        "people_ahead": 0, "estimated_wait_minutes": 0, "print_status": null, "print_error": null}}"#;
    let body = format!(
        r#"{{"unit_code":"H26.01","after_event_id":0,"events":[{{"id":1,"at_ms":{ISSUED},"event":"ticket.issued","data":{data}}}],
            "hub":{{"version":"t","office_name":"x","catalogue":{{"source":"builtin"}},"calendar":{{"source":"builtin"}}}}}}"#
    );
    let batch = check_body(body.as_bytes(), TZ).unwrap();
    assert_eq!(batch.events[0].kind, "ticket.issued");
    assert_eq!(batch.events[0].data, data);
    // The same text with one key too many is refused, and named.
    let planted = body.replace(
        r#""people_ahead": 0"#,
        r#""people_ahead": 0, "citizen": "Nguyễn Văn An""#,
    );
    match check_body(planted.as_bytes(), TZ).unwrap_err() {
        IngestError::OutsideSchema { reason, .. } => {
            assert!(reason.contains("ticket.citizen"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        check_body(b"{\"unit_code\":", TZ),
        Err(IngestError::Malformed(_))
    ));
    assert!(matches!(
        check_body(b"{\"unit_code\":1}", TZ),
        Err(IngestError::Invalid(_))
    ));
}
