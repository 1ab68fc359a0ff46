//! The pages as a citizen's phone gets them: weight, escaping, no personal
//! data, the refusals, the limiter.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use motcua_api::phone::{
    DossierPage, DossierStep, DossierStepKind, PhoneCounter, PhoneRating, TicketPage,
};
use motcua_api::{LevelInfo, RatingLevel, RatingOptions, RatingReason, TicketState};
use serde_json::Value;

use super::*;
use crate::page::format_at;

fn options(text: impl Fn(&str) -> String) -> RatingOptions {
    RatingOptions {
        enabled: true,
        levels: RatingLevel::ALL
            .into_iter()
            .map(|l| LevelInfo {
                code: l,
                name_vi: text(&format!("{}_vi", l.as_str())),
                name_en: text(&format!("{}_en", l.as_str())),
            })
            .collect(),
        reasons: ["slow", "rude", "unclear", "asked_extra"]
            .into_iter()
            .map(|c| RatingReason {
                code: text(c),
                name_vi: text(&format!("{c}_vi")),
                name_en: text(&format!("{c}_en")),
            })
            .collect(),
    }
}

/// A realistic page: a large office's service with 10 counters.
fn ticket(text: impl Fn(&str) -> String, state: TicketState, rating: PhoneRating) -> TicketPage {
    TicketPage {
        unit_name: text("unit"),
        number: text("number"),
        service: "hotich".into(),
        service_name_vi: text("service_vi"),
        service_name_en: text("service_en"),
        state,
        people_ahead: 14,
        estimated_wait_minutes: 42,
        counters: (1..=10)
            .map(|n| PhoneCounter {
                number: n,
                name: text(&format!("counter{n}")),
                open: n % 3 != 0,
            })
            .collect(),
        called_counter: (state == TicketState::Called).then_some(3),
        rating,
    }
}

fn plain(s: &str) -> String {
    match s {
        "unit" => "Trung tâm Phục vụ hành chính công phường Tràng Tiền".into(),
        "number" => "A012".into(),
        "service_vi" => "Hộ tịch, chứng thực".into(),
        "service_en" => "Civil status, certification".into(),
        s if s.starts_with("counter") => format!("Quầy {}", &s[7..]),
        s => format!("Lý do / reason {s}"),
    }
}

fn hostile(s: &str) -> String {
    format!("<&\"{s}")
}

fn dossier(text: impl Fn(&str) -> String) -> DossierPage {
    DossierPage {
        unit_name: text("unit"),
        code: text("code"),
        procedure_name_vi: text("procedure_vi"),
        procedure_name_en: text("procedure_en"),
        steps: DossierStepKind::ALL
            .into_iter()
            .enumerate()
            .map(|(i, kind)| DossierStep {
                kind,
                at: (i < 2).then(|| "2026-11-26T09:05:00+07:00".to_owned()),
                done: i < 2,
            })
            .collect(),
        due_at: Some("2026-11-27T16:00:00+07:00".into()),
        collect_where_vi: text("collect_vi"),
        collect_where_en: text("collect_en"),
        bring_vi: vec![text("bring1_vi"), text("bring2_vi")],
        bring_en: vec![text("bring1_en"), text("bring2_en")],
        training: true,
    }
}

fn urls() -> PageUrls {
    PageUrls {
        events: "/t/12/events?k=ABCD2345".into(),
        rate: "/t/12/rating?k=ABCD2345".into(),
        lang_toggle: "/t/12?k=ABCD2345&lang=en".into(),
    }
}

#[test]
fn a_page_with_ten_counters_weighs_at_most_30_kb() {
    let open = PhoneRating::Open {
        options: options(plain),
    };
    for lang in [Lang::Vi, Lang::En] {
        for (state, rating) in [
            (TicketState::Issued, PhoneRating::NotYet),
            (TicketState::Called, PhoneRating::NotYet),
            (TicketState::Done, open.clone()),
        ] {
            let html = ticket_html(&ticket(plain, state, rating), lang, &urls());
            assert!(
                html.len() <= 30 * 1024,
                "{state:?} {lang:?}: {} bytes",
                html.len()
            );
        }
        let html = dossier_html(&dossier(plain), lang, &urls());
        assert!(html.len() <= 30 * 1024, "dossier: {} bytes", html.len());
    }
}

#[test]
fn every_text_is_escaped() {
    let open = PhoneRating::Open {
        options: options(hostile),
    };
    for lang in [Lang::Vi, Lang::En] {
        let sfx = if lang == Lang::En { "_en" } else { "_vi" };
        let html = ticket_html(
            &ticket(hostile, TicketState::Done, open.clone()),
            lang,
            &urls(),
        );
        assert!(!html.contains("<&"), "raw text in the ticket page");
        let mut fields = vec![
            "unit".to_owned(),
            "number".to_owned(),
            format!("service{sfx}"),
        ];
        fields.extend((1..=10).map(|n| format!("counter{n}")));
        for l in RatingLevel::ALL {
            fields.push(format!("{}{sfx}", l.as_str()));
        }
        for c in ["slow", "rude", "unclear", "asked_extra"] {
            fields.push(c.to_owned());
            fields.push(format!("{c}{sfx}"));
        }
        for f in &fields {
            assert!(
                html.contains(&format!("&lt;&amp;&quot;{f}")),
                "{f} not escaped"
            );
        }
        let html = dossier_html(&dossier(hostile), lang, &urls());
        assert!(!html.contains("<&"), "raw text in the dossier page");
        for f in [
            "unit".to_owned(),
            "code".to_owned(),
            format!("procedure{sfx}"),
            format!("collect{sfx}"),
            format!("bring1{sfx}"),
            format!("bring2{sfx}"),
        ] {
            assert!(
                html.contains(&format!("&lt;&amp;&quot;{f}")),
                "{f} not escaped"
            );
        }
    }
    // The script's data: no way out of the <script> element.
    let mut evil = ticket(plain, TicketState::Issued, PhoneRating::NotYet);
    evil.unit_name = "</script><script>alert(1)</script>\u{2028}".into();
    let html = ticket_html(&evil, Lang::Vi, &urls());
    assert_eq!(html.matches("</script>").count(), 1);
    assert!(!html[html.find("<script>").unwrap()..].contains('\u{2028}'));
}

#[test]
fn the_views_carry_no_personal_fields() {
    const PERSONAL: [&str; 11] = [
        "applicant",
        "applicant_name",
        "id_number",
        "masked_id",
        "phone",
        "address",
        "officer",
        "officer_name",
        "birth_date",
        "lookup_token",
        "token",
    ];
    fn keys(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    out.push(k.clone());
                    keys(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    let open = PhoneRating::Open {
        options: options(plain),
    };
    keys(
        &serde_json::json!(ticket(plain, TicketState::Done, open)),
        &mut all,
    );
    keys(&serde_json::json!(dossier(plain)), &mut all);
    for k in all {
        assert!(!PERSONAL.contains(&k.as_str()), "personal field {k}");
    }
}

#[test]
fn a_called_ticket_says_where_to_go_and_changes_the_title() {
    let html = ticket_html(
        &ticket(plain, TicketState::Called, PhoneRating::NotYet),
        Lang::Vi,
        &urls(),
    );
    assert!(html.contains("role=\"alert\" aria-live=\"assertive\">Mời bạn đến Quầy số 3</div>"));
    assert!(html.contains("<title>Mời đến Quầy 3 · A012</title>"));
    assert!(html.contains("<li class=\"me\">Quầy 3"));
    let html = ticket_html(
        &ticket(plain, TicketState::Called, PhoneRating::NotYet),
        Lang::En,
        &urls(),
    );
    assert!(html.contains(">Please go to counter 3</div>"));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
}

#[test]
fn a_waiting_page_has_landmarks_a_polite_region_and_the_script_free_refresh() {
    let html = ticket_html(
        &ticket(plain, TicketState::Issued, PhoneRating::NotYet),
        Lang::Vi,
        &urls(),
    );
    for part in [
        "<header>",
        "<main id=\"main\">",
        "<footer>",
        "<div id=\"live\" aria-live=\"polite\">",
        "<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>",
        "Số người trước bạn<b>14</b>",
        "<b>42 phút</b>",
        "href=\"/t/12?k=ABCD2345&amp;lang=en\" lang=\"en\">English</a>",
    ] {
        assert!(html.contains(part), "{part}");
    }
    // ES5 only: none of the newer syntax old Android browsers refuse.
    let script = &html[html.find("<script>").unwrap()..];
    for newer in ["=>", "let ", "const ", "`", "fetch("] {
        assert!(!script.contains(newer), "{newer} in the script");
    }
}

#[test]
fn a_finished_ticket_offers_a_form_that_posts_without_script() {
    let open = PhoneRating::Open {
        options: options(plain),
    };
    let html = ticket_html(&ticket(plain, TicketState::Done, open), Lang::Vi, &urls());
    assert!(html.contains("<form id=\"rf\" method=\"post\" action=\"/t/12/rating?k=ABCD2345\">"));
    for l in RatingLevel::ALL {
        assert!(html.contains(&format!("name=\"level\" value=\"{}\"", l.as_str())));
    }
    assert!(
        html.contains("<input type=\"checkbox\" name=\"reasons\" value=\"Lý do / reason slow\">")
    );
    let done = PhoneRating::Done {
        level: RatingLevel::Satisfied,
    };
    let html = ticket_html(&ticket(plain, TicketState::Done, done), Lang::Vi, &urls());
    assert!(html.contains("Cảm ơn bạn đã đánh giá: Hài lòng"));
    assert!(!html[..html.find("<script>").unwrap()].contains("<form"));
}

#[test]
fn the_dossier_page_shows_the_timeline_and_due_time() {
    let html = dossier_html(&dossier(plain), Lang::Vi, &urls());
    assert!(html.contains("<li class=\"done\">Đã tiếp nhận<small>09:05 26/11/2026</small></li>"));
    assert!(html.contains("<li>Đã trả kết quả</li>"));
    assert!(html.contains("Hẹn trả kết quả<b>16:00 27/11/2026</b>"));
    assert!(html.contains("class=\"train\""));
    assert_eq!(format_at("not a time"), "not a time");
}

#[test]
fn not_found_is_the_same_for_every_cause_and_differs_from_too_many() {
    assert_eq!(not_found_html(Lang::Vi), not_found_html(Lang::Vi));
    assert!(not_found_html(Lang::Vi).contains("Không tìm thấy"));
    assert!(not_found_html(Lang::En).contains("Not found"));
    assert!(too_many_html(Lang::Vi).contains("Quá nhiều yêu cầu"));
    assert_ne!(not_found_html(Lang::Vi), too_many_html(Lang::Vi));
}

#[test]
fn lang_comes_from_the_query() {
    assert_eq!(Lang::from_query(Some("en")), Lang::En);
    assert_eq!(Lang::from_query(Some("EN")), Lang::En);
    assert_eq!(Lang::from_query(Some("fr")), Lang::Vi);
    assert_eq!(Lang::from_query(None), Lang::Vi);
}

fn ip(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
}

#[test]
fn a_flood_from_one_address_is_refused_and_another_address_is_not() {
    let limiter = RateLimiter::new(60);
    let t0 = Instant::now();
    let allowed = (0..100).filter(|_| limiter.allow(ip(1), t0)).count();
    assert_eq!(allowed, 60);
    assert!(limiter.allow(ip(2), t0));
    // One more a second later (60 a minute).
    assert!(!limiter.allow(ip(1), t0 + Duration::from_millis(500)));
    assert!(limiter.allow(ip(1), t0 + Duration::from_millis(1_001)));
    // A minute later the bucket is full again.
    let t1 = t0 + Duration::from_secs(62);
    assert_eq!((0..100).filter(|_| limiter.allow(ip(1), t1)).count(), 60);
}

#[test]
fn the_limiter_forgets_idle_addresses_and_stays_bounded() {
    let limiter = RateLimiter::new(10);
    let t0 = Instant::now();
    for n in 0..(limiter::MAX_ADDRESSES as u32 + 500) {
        limiter.allow(ip(n), t0);
    }
    assert!(limiter.tracked() <= limiter::MAX_ADDRESSES);
    limiter.allow(ip(1), t0 + Duration::from_secs(61));
    assert_eq!(limiter.tracked(), 1);
    assert!(RateLimiter::new(0).allow(ip(1), t0));
}
