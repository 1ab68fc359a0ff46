//! The dashboard at `/`: server-rendered HTML that works without
//! JavaScript (a page reload shows the newest figures), live over SSE (a
//! few lines of script swap the page's `<main>` when the unit's figures
//! move), Vietnamese first with an English toggle.
//!
//! - [`session`]: sign-in (argon2id), sessions kept in PostgreSQL so every
//!   instance knows them, roles, CSRF.
//! - [`pages`]: the city overview, a unit's page, alerts, the fleet.
//! - [`svg`]: the small charts, drawn on the server.
//! - [`alerts`]: the worker that opens and clears alerts in PostgreSQL.
//! - [`cache`]: every unit's figures, computed at most once a second.
//!
//! Figures come from [`crate::kpi`] (today), [`crate::rollup::history`]
//! (closed days) and [`crate::live::Live`] (the live channel).

pub mod alerts;
pub mod cache;
pub mod pages;
pub mod session;
pub mod svg;

use std::sync::Arc;

use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::Router;

use crate::City;

/// The dashboard's routes.
pub fn router() -> Router<Arc<City>> {
    Router::new()
        .route("/", get(pages::overview))
        .route("/units/{unit_code}", get(pages::unit))
        .route("/alerts", get(pages::alerts))
        .route("/fleet", get(pages::fleet))
        .route("/live", get(pages::live))
        .route("/lang/{lang}", get(pages::set_lang))
        .route("/signin", get(session::signin_form).post(session::signin))
        .route("/signout", post(session::signout))
}

/// The page's language: Vietnamese unless the `lang=en` cookie says
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        match cookie(headers, "lang").as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// The Vietnamese or the English text.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Text made safe inside HTML (element content and quoted attributes).
pub fn esc(text: &str) -> String {
    motcua_phone::escape(text)
}

/// The script that keeps a page live: on an SSE `unit` event (or
/// `reload`), fetch the same page again and swap its `<main>`. Without
/// JavaScript the page is complete as served.
const LIVE_SCRIPT: &str = r#"<script>
(function () {
  if (!window.EventSource || !window.fetch) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, {headers: {"X-Motcua-Fragment": "main"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html) {
          var m = document.querySelector("main");
          if (m) { m.outerHTML = html; }
          document.body.setAttribute("data-live", String(Date.now()));
        }
      })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var es = new EventSource("/live");
  es.addEventListener("unit", refresh);
  es.addEventListener("reload", refresh);
  es.addEventListener("open", function () { document.body.setAttribute("data-sse", "open"); });
})();
</script>"#;

const STYLE: &str = r#"<style>
:root { font-family: system-ui, sans-serif; color: #1d1d1f; }
body { margin: 0; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .6rem 1rem; background: #1a3d6d; color: #fff; }
header a { color: #fff; }
header .who { margin-left: auto; }
header form { display: inline; }
main { padding: 1rem; max-width: 80rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 .8rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
th a { color: inherit; }
.scroll { overflow-x: auto; }
.rag { display: inline-block; min-width: 4.5rem; padding: .1rem .4rem; border-radius: .3rem; color: #fff; text-align: center; }
.rag-red { background: #b3261e; } .rag-amber { background: #a15c00; } .rag-green { background: #1e7b34; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .5rem; }
.figures div { border: 1px solid #ddd; border-radius: .4rem; padding: .5rem; }
.figures b { display: block; font-size: 1.3rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: .8rem; }
.charts figure { margin: 0; }
.fault { color: #b3261e; font-weight: 600; }
form.filter { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: .8rem; }
.error { color: #b3261e; }
</style>"#;

/// A whole page: `title`, the navigation for `nav` (a signed-in viewer's
/// role), and `main`'s inner HTML.
pub fn page(lang: Lang, title: &str, nav: Option<&session::Viewer>, main: &str) -> String {
    let mut header = format!(
        "<header><strong>motcua — {}</strong>",
        esc(lang.t("Thành phố", "City"))
    );
    if let Some(v) = nav {
        use crate::config::CityRole;
        if v.role != CityRole::Technician {
            header.push_str(&format!(
                "<a href=\"/\">{}</a>",
                lang.t("Tổng quan", "Overview")
            ));
        }
        header.push_str(&format!(
            "<a href=\"/alerts\">{}</a>",
            lang.t("Cảnh báo", "Alerts")
        ));
        if v.role != CityRole::UnitViewer {
            header.push_str(&format!(
                "<a href=\"/fleet\">{}</a>",
                lang.t("Thiết bị", "Fleet")
            ));
        }
    }
    let toggle = match lang {
        Lang::Vi => "<a href=\"/lang/en\" lang=\"en\">English</a>",
        Lang::En => "<a href=\"/lang/vi\" lang=\"vi\">Tiếng Việt</a>",
    };
    header.push_str(toggle);
    if let Some(v) = nav {
        header.push_str(&format!(
            "<span class=\"who\">{} ({})</span>\
             <form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button>{}</button></form>",
            esc(v.display_name()),
            esc(v.role_name(lang)),
            esc(&v.csrf),
            lang.t("Đăng xuất", "Sign out")
        ));
    }
    header.push_str("</header>");
    let live = if nav.is_some() { LIVE_SCRIPT } else { "" };
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — motcua</title>{STYLE}\
         <noscript><meta http-equiv=\"refresh\" content=\"60\"></noscript></head>\
         <body>{header}<main>{main}</main>{live}</body></html>\n",
        lang.code(),
        esc(title),
    )
}
