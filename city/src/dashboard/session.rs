//! Signing in to the dashboard, sessions and CSRF.
//!
//! People are `[[users]]` of the configuration, each with an argon2id
//! password hash, a role (city: everything; unit viewer: its units;
//! technician: fleet and alerts) and, for viewers, their units. A sign-in
//! creates a session row in PostgreSQL (the SHA-256 of the cookie's
//! random value, so a copy of the database holds no usable session), which
//! every instance reads: the service stays stateless. The cookie is
//! `HttpOnly; Secure; SameSite=Strict`.
//!
//! Every POST carries a CSRF token in a hidden field: the session's own
//! (a random value kept with it), or — for the sign-in form, before any
//! session — the value of a `csrf` cookie set with the form (double
//! submit). A POST without a matching token is refused with `403`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;

use super::{cookie, esc, page, Lang};
use crate::auth::token_digest;
use crate::config::{CityRole, UserConfig};
use crate::City;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "motcua_city_session";
/// The sign-in form's CSRF cookie.
const CSRF_COOKIE: &str = "motcua_city_csrf";

/// Who is looking at the dashboard.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub login: String,
    pub name: Option<String>,
    pub role: CityRole,
    pub units: Vec<String>,
    /// The session's CSRF token (hidden in every form).
    pub csrf: String,
}

impl Viewer {
    /// Whether this person may see unit `code`'s figures.
    pub fn may_see(&self, code: &str) -> bool {
        match self.role {
            CityRole::City => true,
            CityRole::UnitViewer => self.units.iter().any(|u| u == code),
            CityRole::Technician => false,
        }
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.login)
    }

    pub fn role_name(&self, lang: Lang) -> &'static str {
        match self.role {
            CityRole::City => lang.t("thành phố", "city"),
            CityRole::UnitViewer => lang.t("xem đơn vị", "unit viewer"),
            CityRole::Technician => lang.t("kỹ thuật", "technician"),
        }
    }
}

fn random() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Equal strings, compared without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in viewer, or `None` (no cookie, unknown or expired
/// session, or a user no longer configured).
pub async fn viewer(city: &City, headers: &HeaderMap) -> Result<Option<Viewer>, Response> {
    let Some(value) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let client = city.pool.get().await.map_err(internal)?;
    let row = client
        .query_opt(
            "SELECT login, csrf FROM dashboard_sessions WHERE id_sha256 = $1 AND expires_at > $2",
            &[&token_digest(&value), &city.now()],
        )
        .await
        .map_err(internal)?;
    let Some(row) = row else { return Ok(None) };
    let login: String = row.get(0);
    // The configuration decides the role and units at every request: a
    // user removed or changed takes effect at once.
    Ok(city
        .users
        .iter()
        .find(|u| u.login == login)
        .map(|u| Viewer {
            login,
            name: u.name.clone(),
            role: u.role,
            units: u.units.clone(),
            csrf: row.get(1),
        }))
}

/// The viewer, or a redirect to the sign-in page.
pub async fn require(city: &City, headers: &HeaderMap) -> Result<Viewer, Response> {
    match viewer(city, headers).await? {
        Some(v) => Ok(v),
        None => Err((StatusCode::SEE_OTHER, [(header::LOCATION, "/signin")]).into_response()),
    }
}

pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "dashboard");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// A refusal page (`403` or `401`) in the viewer's language.
pub fn refused(status: StatusCode, lang: Lang, nav: Option<&Viewer>) -> Response {
    let (vi, en) = match status {
        StatusCode::FORBIDDEN => (
            "Bạn không có quyền xem trang này.",
            "You may not see this page.",
        ),
        _ => (
            "Sai tên đăng nhập hoặc mật khẩu.",
            "Wrong login or password.",
        ),
    };
    let main = format!(
        "<h1>{}</h1><p class=\"error\">{}</p>",
        status.as_u16(),
        esc(lang.t(vi, en))
    );
    (
        status,
        axum::response::Html(page(lang, lang.t(vi, en), nav, &main)),
    )
        .into_response()
}

fn form_page(lang: Lang, csrf: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e)))
        .unwrap_or_default();
    let main = format!(
        "<h1>{}</h1>{error}\
         <form method=\"post\" action=\"/signin\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label>{}<br><input name=\"login\" autocomplete=\"username\" required></label></p>\
         <p><label>{}<br><input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label></p>\
         <p><button type=\"submit\">{}</button></p></form>",
        lang.t("Đăng nhập", "Sign in"),
        esc(csrf),
        lang.t("Tên đăng nhập", "Login"),
        lang.t("Mật khẩu", "Password"),
        lang.t("Đăng nhập", "Sign in"),
    );
    page(lang, lang.t("Đăng nhập", "Sign in"), None, &main)
}

/// `GET /signin`: the form, with a fresh CSRF cookie.
pub async fn signin_form(headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let csrf = random();
    let mut response = axum::response::Html(form_page(lang, &csrf, None)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &csrf, 3600));
    response
}

#[derive(Deserialize)]
pub struct SignIn {
    login: String,
    password: String,
    csrf: String,
}

/// A hash to verify against when the login is unknown, so an unknown
/// login takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| crate::config::hash_password("motcua-decoy").unwrap_or_default())
}

fn password_ok(user: Option<&UserConfig>, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    let hash = user.map_or(decoy_hash(), |u| u.password_hash.as_str());
    let ok = PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    ok && user.is_some()
}

/// `POST /signin`.
pub async fn signin(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let expected = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return refused(StatusCode::FORBIDDEN, lang, None);
    }
    let user = city.users.iter().find(|u| u.login == form.login).cloned();
    let password = form.password;
    let checked = {
        let user = user.clone();
        tokio::task::spawn_blocking(move || password_ok(user.as_ref(), &password)).await
    };
    if !checked.unwrap_or(false) {
        tracing::info!(login = %form.login, "dashboard sign-in refused");
        let csrf = random();
        let mut response = (
            StatusCode::UNAUTHORIZED,
            axum::response::Html(form_page(
                lang,
                &csrf,
                Some(lang.t(
                    "Sai tên đăng nhập hoặc mật khẩu.",
                    "Wrong login or password.",
                )),
            )),
        )
            .into_response();
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &csrf, 3600));
        return response;
    }
    let session = random();
    let hours = city.dashboard.session_hours;
    let expires = city.now() + chrono::Duration::hours(hours);
    let stored = async {
        let client = city.pool.get().await.map_err(internal)?;
        client
            .execute(
                "INSERT INTO dashboard_sessions (id_sha256, login, csrf, expires_at) \
                 VALUES ($1, $2, $3, $4)",
                &[&token_digest(&session), &form.login, &random(), &expires],
            )
            .await
            .map_err(internal)?;
        // Expired sessions go when someone signs in.
        client
            .execute(
                "DELETE FROM dashboard_sessions WHERE expires_at < $1",
                &[&city.now()],
            )
            .await
            .map_err(internal)
    }
    .await;
    if let Err(response) = stored {
        return response;
    }
    tracing::info!(login = %form.login, "dashboard sign-in");
    let home = match user.map(|u| u.role) {
        Some(CityRole::Technician) => "/fleet",
        _ => "/",
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, home)]).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &session, hours * 3600),
    );
    h.append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, "", 0));
    response
}

#[derive(Deserialize)]
pub struct SignOut {
    csrf: String,
}

/// `POST /signout`: ends the session (CSRF-checked).
pub async fn signout(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Form(form): Form<SignOut>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !same(&v.csrf, &form.csrf) {
        return refused(StatusCode::FORBIDDEN, lang, Some(&v));
    }
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        let done = async {
            let client = city.pool.get().await.map_err(internal)?;
            client
                .execute(
                    "DELETE FROM dashboard_sessions WHERE id_sha256 = $1",
                    &[&token_digest(&value)],
                )
                .await
                .map_err(internal)
        }
        .await;
        if let Err(r) = done {
            return r;
        }
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/signin")]).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    response
}
