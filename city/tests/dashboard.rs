//! The dashboard over real HTTP on loopback: sign-in and its cookies, the
//! roles (a unit viewer sees its units only, a technician the fleet and
//! alerts but no figures), CSRF on every POST, a unit turning red when a
//! kiosk's printer runs out of paper and green again, alerts started and
//! cleared once with two instances checking, the unit page's figures and
//! charts in Vietnamese then English.

use motcua_city::config::{CityConfig, CityRole, UserConfig};
use motcua_city::dashboard::alerts;
use reqwest::redirect::Policy;

use crate::util::*;

const PASSWORD: &str = "mật-khẩu-thử-123";

/// An argon2id hash with a small cost: the tests' debug build is slow.
fn quick_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"motcua-test-salt").unwrap();
    a.hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

fn with_users(mut config: CityConfig) -> CityConfig {
    let hash = quick_hash(PASSWORD);
    let user = |login: &str, role, units: &[&str]| UserConfig {
        login: login.into(),
        name: None,
        role,
        password_hash: hash.clone(),
        units: units.iter().map(|u| (*u).to_owned()).collect(),
    };
    // The tests call `alerts::check` themselves, at chosen times.
    config.dashboard.alert_check_seconds = 3600;
    config.users = vec![
        user("city", CityRole::City, &[]),
        user("viewer", CityRole::UnitViewer, &["H26.01"]),
        user("tech", CityRole::Technician, &[]),
    ];
    config
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(set: &[String], name: &str) -> Option<String> {
    set.iter()
        .filter_map(|c| c.split(';').next())
        .filter_map(|c| c.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// A signed-in browser: its cookie header and the session's CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(base: &str, login: &str, password: &str) -> Result<Session, u16> {
    let h = http();
    let form = h.get(format!("{base}/signin")).send().await.unwrap();
    let pre = cookie_value(&set_cookies(&form), "motcua_city_csrf").unwrap();
    let csrf = hidden_csrf(&form.text().await.unwrap());
    assert_eq!(pre, csrf, "double submit: the cookie and the field agree");
    let r = h
        .post(format!("{base}/signin"))
        .header("cookie", format!("motcua_city_csrf={pre}"))
        .form(&[("login", login), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    if r.status() != 303 {
        return Err(r.status().as_u16());
    }
    let set = set_cookies(&r);
    let line = set
        .iter()
        .find(|c| c.starts_with("motcua_city_session="))
        .unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(flag), "{line}");
    }
    let cookie = format!(
        "motcua_city_session={}",
        cookie_value(&set, "motcua_city_session").unwrap()
    );
    let page = h
        .get(format!("{base}/alerts"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Ok(Session {
        csrf: hidden_csrf(&page),
        cookie,
    })
}

async fn get(base: &str, s: Option<&Session>, path: &str) -> (u16, String, Option<String>) {
    let mut r = http().get(format!("{base}{path}"));
    if let Some(s) = s {
        r = r.header("cookie", &s.cookie);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, r.text().await.unwrap(), location)
}

#[tokio::test]
async fn roles_sessions_and_csrf() {
    let t = TestCity::start_with(with_users(config()), None).await;
    let base = &t.base;

    // Not signed in: every page sends to the sign-in form.
    for path in ["/", "/units/H26.01", "/fleet", "/alerts", "/live"] {
        let (status, _, location) = get(base, None, path).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/signin")),
            "{path}"
        );
    }
    assert_eq!(sign_in(base, "city", "wrong").await.err(), Some(401));
    assert_eq!(sign_in(base, "nobody", PASSWORD).await.err(), Some(401));
    // A sign-in POST without the form's CSRF cookie is refused.
    let r = http()
        .post(format!("{base}/signin"))
        .form(&[("login", "city"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(cookie_value(&set_cookies(&r), "motcua_city_session").is_none());

    let city = sign_in(base, "city", PASSWORD).await.unwrap();
    let viewer = sign_in(base, "viewer", PASSWORD).await.unwrap();
    let tech = sign_in(base, "tech", PASSWORD).await.unwrap();

    // The city: every unit, every page.
    let (status, html, _) = get(base, Some(&city), "/").await;
    assert_eq!(status, 200);
    for (code, name, _) in UNITS {
        assert!(html.contains(&format!("id=\"unit-{code}\"")), "{code}");
        assert!(html.contains(name));
    }
    for path in ["/units/H26.02", "/fleet", "/alerts"] {
        assert_eq!(get(base, Some(&city), path).await.0, 200, "{path}");
    }

    // A unit viewer: its unit only, no fleet.
    let (status, html, _) = get(base, Some(&viewer), "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"unit-H26.01\""));
    assert!(!html.contains("H26.02") && !html.contains("Phường Hàng Bạc"));
    assert_eq!(get(base, Some(&viewer), "/units/H26.01").await.0, 200);
    assert_eq!(get(base, Some(&viewer), "/units/H26.02").await.0, 403);
    assert_eq!(get(base, Some(&viewer), "/fleet").await.0, 403);

    // A technician: fleet and alerts, no figures.
    let (status, _, location) = get(base, Some(&tech), "/").await;
    assert_eq!((status, location.as_deref()), (303, Some("/fleet")));
    assert_eq!(get(base, Some(&tech), "/units/H26.01").await.0, 403);
    // H26.03's hub reports (a heartbeat): it has heard from kiosk-1.
    let (code, _, token) = UNITS[2];
    ingest(&reqwest::Client::new(), base, code, token, 0, &[]).await;
    let (status, html, _) = get(base, Some(&tech), "/fleet").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-unit=\"H26.03\""));
    // Each kiosk's own version and last call when its hub heard from it;
    // the hub's, marked, for the kiosk it has not.
    let row = |kiosk: &str| {
        let start = html
            .find(&format!("<td>{kiosk}</td>"))
            .unwrap_or_else(|| panic!("{kiosk} in {html}"));
        html[start..start + html[start..].find("</tr>").unwrap()].to_owned()
    };
    let (first, second) = (row("kiosk-1"), row("kiosk-2"));
    assert!(
        first.contains("9.9.9-test") && !first.contains("(máy chủ)"),
        "{first}"
    );
    assert!(first.contains("08:30"), "{first}");
    assert!(second.contains("test <small>(máy chủ)</small>"), "{second}");
    assert_eq!(get(base, Some(&tech), "/alerts").await.0, 200);

    // A second instance on the same database knows the sessions.
    let other = start_city(&t.pg.url(), with_users(config()), None).await;
    let (status, _, _) = get(&other.base_url(), Some(&viewer), "/units/H26.01").await;
    assert_eq!(status, 200);
    other.shutdown().await.unwrap();

    // Signing out needs the session's CSRF token.
    let out = |token: &str| {
        http()
            .post(format!("{base}/signout"))
            .header("cookie", &city.cookie)
            .form(&[("csrf", token.to_owned())])
            .send()
    };
    assert_eq!(out("forged").await.unwrap().status(), 403);
    assert_eq!(get(base, Some(&city), "/").await.0, 200);
    let r = out(&city.csrf).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        get(base, Some(&city), "/").await.0,
        303,
        "the session is gone"
    );
    assert_eq!(t.count("SELECT count(*) FROM dashboard_sessions").await, 2);
}

#[tokio::test]
async fn a_unit_turns_red_when_a_printer_runs_out_of_paper_and_alerts_start_and_clear_once() {
    let t = TestCity::start_with(with_users(config()), Some(fixed_clock(ms(at(9, 0, 0))))).await;
    let base = &t.base;
    let (code, _, token) = UNITS[0];
    let city = sign_in(base, "city", PASSWORD).await.unwrap();
    let status_of = |html: &str| {
        let needle = format!("id=\"unit-{code}\" data-status=\"");
        let at = html.find(&needle).unwrap() + needle.len();
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let mut log = Log::default();
    log.served(1, at(8, 0, 0), at(8, 5, 0), at(8, 5, 10), at(8, 12, 0));
    ingest(&t.http, base, code, token, 0, &log.events).await;
    assert_eq!(status_of(&get(base, Some(&city), "/").await.1), "green");

    log.printer(at(8, 30, 0), "kiosk-1", true);
    ingest(&t.http, base, code, token, 4, &log.events[4..]).await;
    let (_, html, _) = get(base, Some(&city), "/").await;
    assert_eq!(status_of(&html), "red");
    // Sorted by status (the default), the red unit comes first.
    assert!(html.find(&format!("unit-{code}")) < html.find("unit-H26.02"));
    let (_, page, _) = get(base, Some(&city), &format!("/units/{code}")).await;
    assert!(
        page.contains("data-kiosk=\"kiosk-1\" data-out=\"true\""),
        "{page}"
    );
    assert!(page.contains("paper_out"));

    // Two instances check alerts: one alert, started 10 min after the
    // outage began.
    let other = start_city(&t.pg.url(), with_users(config()), None).await;
    let c = t.city.city();
    assert_eq!(alerts::check(c, ms(at(8, 35, 0))).await.unwrap(), (0, 0));
    assert_eq!(alerts::check(c, ms(at(8, 45, 0))).await.unwrap().0, 1);
    assert_eq!(
        alerts::check(other.city(), ms(at(8, 46, 0)))
            .await
            .unwrap()
            .0,
        0
    );
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    assert!(
        html.contains("data-kind=\"kiosk_out\" data-open=\"true\""),
        "{html}"
    );
    assert!(html.contains("2026-11-26 08:40"), "{html}");

    log.printer(at(8, 50, 0), "kiosk-1", false);
    ingest(&t.http, base, code, token, 5, &log.events[5..]).await;
    assert_eq!(status_of(&get(base, Some(&city), "/").await.1), "green");
    assert_eq!(
        alerts::check(other.city(), ms(at(8, 52, 0))).await.unwrap(),
        (0, 1)
    );
    assert_eq!(alerts::check(c, ms(at(8, 53, 0))).await.unwrap(), (0, 0));
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    assert!(
        html.contains("data-kind=\"kiosk_out\" data-open=\"false\""),
        "{html}"
    );
    assert!(
        html.contains("2026-11-26 08:50"),
        "cleared when the paper came: {html}"
    );
    assert_eq!(t.count("SELECT count(*) FROM alerts").await, 1);

    // A hub silent > 5 min in office hours: an alert until it pushes.
    assert_eq!(alerts::check(c, ms(at(9, 0, 0))).await.unwrap().0, 0);
    let silent = ms(at(9, 0, 0)) + chrono::Duration::minutes(30);
    assert_eq!(alerts::check(c, silent).await.unwrap().0, 1);
    other.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_unit_page_has_its_figures_and_charts_in_vietnamese_then_english() {
    let t = TestCity::start_with(with_users(config()), Some(fixed_clock(ms(at(12, 0, 0))))).await;
    let base = &t.base;
    let (code, name, token) = UNITS[1];
    let mut log = Log::default();
    log.served(1, at(8, 0, 0), at(8, 10, 0), at(8, 10, 5), at(8, 20, 0));
    log.dossier(
        "H26.02-261126-0001",
        "kiosk",
        at(8, 30, 0),
        at(17, 0, 0),
        None,
    );
    ingest(&t.http, base, code, token, 0, &log.events).await;
    let viewer = sign_in(base, "city", PASSWORD).await.unwrap();
    let (status, html, _) = get(base, Some(&viewer), &format!("/units/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.starts_with("<!doctype html>\n<html lang=\"vi\">"));
    assert!(html.contains(name));
    assert!(html.contains("Hàng chờ theo dịch vụ") && html.contains("30 ngày qua"));
    assert_eq!(html.matches("<svg").count(), 4, "four charts");
    assert!(html.contains("<rect"), "today's bar");
    assert!(html.contains("Tỷ lệ trực tuyến<b>100 %</b>"), "{html}");

    // The toggle remembers English and goes back to the page.
    let r = http()
        .get(format!("{base}/lang/en"))
        .header("referer", format!("{base}/units/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/units/{code}").as_str());
    let english = Session {
        cookie: format!("{}; lang=en", viewer.cookie),
        csrf: viewer.csrf.clone(),
    };
    let (_, html, _) = get(base, Some(&english), &format!("/units/{code}")).await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Queue per service") && html.contains("The last 30 days"));
    // The live script's request gets <main> alone.
    let fragment = http()
        .get(format!("{base}/units/{code}"))
        .header("cookie", &viewer.cookie)
        .header("x-motcua-fragment", "main")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.starts_with("<main>") && fragment.ends_with("</main>"));
}

fn ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap()
}

/// The row of `/alerts` for the alert of `kind` (the page lists each
/// condition once here).
fn alert_row<'a>(html: &'a str, kind: &str) -> &'a str {
    let start = html
        .find(&format!("data-kind=\"{kind}\""))
        .unwrap_or_else(|| panic!("no {kind} alert: {html}"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn an_outbox_backlog_over_an_hour_alerts_from_then_until_the_dossier_reaches_the_portal() {
    let t = TestCity::start_with(with_users(config()), Some(fixed_clock(ms(at(12, 0, 0))))).await;
    let base = &t.base;
    let (code, _, token) = UNITS[0];
    let city = sign_in(base, "city", PASSWORD).await.unwrap();
    let c = t.city.city();
    // A dossier filed at 08:00 that the portal does not take (the hub's
    // outbox keeps it), and one filed at 08:30 delivered at once.
    let mut log = Log::default();
    log.push(
        at(8, 0, 0),
        "dossier.received",
        serde_json::json!({"code": "H26.01-261126-0001", "due_at": "2026-11-28T17:00:00+07:00",
               "portal_status": "pending", "procedure": "2.000815",
               "received_at": "2026-11-26T08:00:00+07:00", "ticket": null, "channel": "kiosk"}),
    );
    log.dossier(
        "H26.01-261126-0002",
        "counter",
        at(8, 30, 0),
        at(17, 0, 0),
        None,
    );
    ingest(&t.http, base, code, token, 0, &log.events).await;

    // An hour is not more than an hour.
    assert_eq!(alerts::check(c, ms(at(9, 0, 0))).await.unwrap(), (0, 0));
    assert_eq!(alerts::check(c, ms(at(9, 1, 0))).await.unwrap(), (1, 0));
    // Checked again, and by another instance: still the one alert.
    let other = start_city(&t.pg.url(), with_users(config()), None).await;
    assert_eq!(
        alerts::check(other.city(), ms(at(9, 10, 0))).await.unwrap(),
        (0, 0)
    );
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    let row = alert_row(&html, "outbox_backlog");
    assert!(row.contains("data-open=\"true\""), "{row}");
    assert!(row.contains("Hồ sơ chờ gửi cổng > 1 giờ"), "{row}");
    assert!(
        row.contains("2026-11-26 09:00"),
        "started an hour after filing: {row}"
    );
    assert!(row.contains("đang diễn ra"), "{row}");

    // The portal takes it at 09:20; the next check (09:30) clears the
    // alert at 09:20.
    log.push(
        at(9, 20, 0),
        "dossier.sent",
        serde_json::json!({"code": "H26.01-261126-0001", "portal_reference": "REF-1",
               "portal_status": "received"}),
    );
    let after = log.events.len() as i64 - 1;
    ingest(
        &t.http,
        base,
        code,
        token,
        after,
        &log.events[after as usize..],
    )
    .await;
    assert_eq!(
        alerts::check(other.city(), ms(at(9, 30, 0))).await.unwrap(),
        (0, 1)
    );
    assert_eq!(alerts::check(c, ms(at(9, 31, 0))).await.unwrap(), (0, 0));
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    let row = alert_row(&html, "outbox_backlog");
    assert!(row.contains("data-open=\"false\""), "{row}");
    assert!(row.contains("2026-11-26 09:00"), "{row}");
    assert!(
        row.contains("2026-11-26 09:20"),
        "cleared when delivered: {row}"
    );
    assert_eq!(
        t.count("SELECT count(*) FROM alerts WHERE kind = 'outbox_backlog'")
            .await,
        1
    );
    other.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_wait_p90_over_an_hour_alerts_until_the_waits_come_down() {
    let t = TestCity::start_with(with_users(config()), Some(fixed_clock(ms(at(12, 0, 0))))).await;
    let base = &t.base;
    let (code, _, token) = UNITS[1];
    let city = sign_in(base, "city", PASSWORD).await.unwrap();
    let c = t.city.city();
    // One person waited 55 min: p90 under an hour, no alert.
    let mut log = Log::default();
    log.served(1, at(8, 0, 0), at(8, 55, 0), at(8, 55, 10), at(9, 0, 0));
    ingest(&t.http, base, code, token, 0, &log.events).await;
    assert_eq!(alerts::check(c, ms(at(9, 30, 0))).await.unwrap(), (0, 0));
    // Another waited 90 min: p90 is 90 min.
    log.served(2, at(8, 0, 0), at(9, 30, 0), at(9, 30, 10), at(9, 40, 0));
    ingest(&t.http, base, code, token, 4, &log.events[4..]).await;
    assert_eq!(alerts::check(c, ms(at(9, 45, 0))).await.unwrap(), (1, 0));
    assert_eq!(alerts::check(c, ms(at(9, 50, 0))).await.unwrap(), (0, 0));
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    let row = alert_row(&html, "wait_p90");
    assert!(row.contains("data-open=\"true\""), "{row}");
    assert!(row.contains("Thời gian chờ p90 > 60 phút"), "{row}");
    assert!(
        row.contains("2026-11-26 09:45"),
        "started when first seen: {row}"
    );
    assert!(row.contains("<td>90</td>"), "the p90 in minutes: {row}");

    // Eighteen people served after a 5-min wait: p90 is 5 min.
    for id in 3..=20 {
        log.served(id, at(10, 0, 0), at(10, 5, 0), at(10, 5, 10), at(10, 15, 0));
    }
    ingest(&t.http, base, code, token, 8, &log.events[8..]).await;
    assert_eq!(alerts::check(c, ms(at(10, 30, 0))).await.unwrap(), (0, 1));
    assert_eq!(alerts::check(c, ms(at(10, 35, 0))).await.unwrap(), (0, 0));
    let (_, html, _) = get(base, Some(&city), "/alerts").await;
    let row = alert_row(&html, "wait_p90");
    assert!(row.contains("data-open=\"false\""), "{row}");
    assert!(row.contains("2026-11-26 09:45"), "{row}");
    assert!(
        row.contains("2026-11-26 10:30"),
        "cleared when first seen below: {row}"
    );
    assert_eq!(
        t.count("SELECT count(*) FROM alerts WHERE kind = 'wait_p90'")
            .await,
        1
    );
}
