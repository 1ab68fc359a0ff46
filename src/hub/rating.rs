//! Citizen satisfaction ratings: after *finish*, a ticket (and the dossier
//! it was issued for) can be rated once — at the kiosk, by its QR code or
//! its typed number, or on the counter's citizen panel.
//!
//! - `GET /api/v1/ratings/options`: the scale and the reasons offered with
//!   "Không hài lòng".
//! - `GET /api/v1/ratings/lookup?ticket=ID&token=K` (or `?number=A012`):
//!   the ticket as a rating screen shows it, whether it can be rated now,
//!   and its rating if it has one.
//! - `POST /api/v1/ratings`: stores the rating with the ticket, its dossier
//!   (nullable), counter and officer; a second one is `409 already_rated`.
//!
//! Who may name a ticket how: a kiosk needs the ticket's lookup token (from
//! its QR code) or its typed number (today's tickets finished within
//! `rating.typed_window_minutes`); a counter may name any ticket by id
//! (a signed-in officer: only tickets finished at their counter); a wrong
//! token answers exactly like an unknown ticket.

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::api::{change, read_post, Reply};
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{parse_json, IdempotencyKey};
use super::queue::Rules;
use super::Hub;
use crate::config::{ReasonConfig, Role};
use crate::domain::rating::{check_reasons, RatingError, RatingLevel};
use crate::domain::ticket::TicketState;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::store::ratings::{self, Inserted, RatingRow};
use crate::store::tickets::{self, TicketRow};
use crate::store::WriteCtx;

impl ApiError {
    pub fn already_rated(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "already_rated",
            format!("Phiếu {number} đã được đánh giá. Mỗi lượt phục vụ chỉ đánh giá một lần; cảm ơn bạn!"),
            format!("Ticket {number} has already been rated. Each visit is rated once; thank you!"),
        )
    }

    pub fn not_rateable(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "not_rateable",
            format!("Phiếu {number} chưa được phục vụ xong nên chưa đánh giá được."),
            format!("Ticket {number} has not been served to the end, so it cannot be rated yet."),
        )
    }

    pub fn rating_closed(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "rating_closed",
            format!("Đã quá thời gian đánh giá phiếu {number}."),
            format!("The time to rate ticket {number} is over."),
        )
    }

    pub fn rating_disabled() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "rating_disabled",
            "Bộ phận một cửa hiện không nhận đánh giá.",
            "This office does not take ratings at the moment.",
        )
    }

    pub fn bad_rating(err: &RatingError) -> Self {
        Self::invalid_body(&err.to_string())
    }
}

/// A level with its words, for rating screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelInfo {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// `GET /api/v1/ratings/options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingOptions {
    pub enabled: bool,
    pub levels: Vec<LevelInfo>,
    /// Offered with "Không hài lòng" only.
    pub reasons: Vec<ReasonConfig>,
}

impl RatingOptions {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            enabled: config.rating.enabled,
            levels: RatingLevel::ALL
                .iter()
                .map(|l| LevelInfo {
                    code: l.as_str().to_owned(),
                    name_vi: l.label_vi().to_owned(),
                    name_en: l.label_en().to_owned(),
                })
                .collect(),
            reasons: config.rating.reasons.clone(),
        }
    }
}

/// A stored rating as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingView {
    pub id: i64,
    pub ticket: i64,
    pub number: String,
    pub business_date: chrono::NaiveDate,
    pub dossier_code: Option<String>,
    pub counter: Option<u32>,
    /// Staff code of the officer who served the ticket.
    pub officer: Option<String>,
    pub officer_name: Option<String>,
    pub level: RatingLevel,
    pub level_vi: String,
    pub level_en: String,
    pub reasons: Vec<String>,
    /// `kiosk`, `counter` or `technician`.
    pub channel: String,
    pub rated_at: String,
}

/// The ticket part of a lookup: enough for "Phiếu A012 · Hộ tịch · Quầy 3".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedTicket {
    pub id: i64,
    pub number: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub state: TicketState,
    pub counter: Option<u32>,
    pub officer_name: Option<String>,
    pub finished_at: Option<String>,
}

/// `GET /api/v1/ratings/lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingLookup {
    pub ticket: RatedTicket,
    /// Whether a rating would be accepted now.
    pub rateable: bool,
    /// Why not, when it would not (the error a rating would get).
    pub refusal: Option<Refusal>,
    pub rating: Option<RatingView>,
}

/// Why a ticket cannot be rated, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

/// How the caller names the ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TicketSelector {
    #[serde(default)]
    pub ticket: Option<i64>,
    #[serde(default)]
    pub token: Option<String>,
    /// Today's number, e.g. `A012`, typed by the citizen.
    #[serde(default)]
    pub number: Option<String>,
}

/// `POST /api/v1/ratings` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    #[serde(flatten)]
    pub selector: TicketSelector,
    /// `very_satisfied`, `satisfied` or `unsatisfied`.
    pub level: String,
    /// Reason codes, only with `unsatisfied`.
    #[serde(default)]
    pub reasons: Vec<String>,
}

fn officer_name(rules: &Rules, code: Option<&str>) -> Option<String> {
    code.and_then(|c| rules.config.staff_member(c))
        .map(|s| s.name.clone())
}

fn view(rules: &Rules, r: &RatingRow, number: &str) -> RatingView {
    RatingView {
        id: r.id,
        ticket: r.ticket_id,
        number: number.to_owned(),
        business_date: r.business_date,
        dossier_code: r.dossier_code.clone(),
        counter: r.counter,
        officer: r.officer.clone(),
        officer_name: officer_name(rules, r.officer.as_deref()),
        level: r.level,
        level_vi: r.level.label_vi().to_owned(),
        level_en: r.level.label_en().to_owned(),
        reasons: r.reasons.clone(),
        channel: r.channel.clone(),
        rated_at: to_local_rfc3339(from_millis(r.rated_at_ms), rules.tz),
    }
}

/// Finds the ticket the caller names, or `404 ticket_not_found` for
/// anything it may not see.
fn resolve(
    rules: &Rules,
    conn: &Connection,
    principal: &Principal,
    sel: &TicketSelector,
    now: DateTime<Utc>,
) -> Result<(TicketRow, bool), ApiError> {
    let shown = sel
        .number
        .clone()
        .or_else(|| sel.ticket.map(|t| t.to_string()))
        .unwrap_or_default();
    let not_found = || ApiError::ticket_not_found(&shown);
    let (row, typed) = match (sel.ticket, &sel.number) {
        (Some(id), None) => (tickets::get(conn, id)?.ok_or_else(not_found)?, false),
        (None, Some(number)) => {
            let number = number.trim().to_ascii_uppercase();
            let id = ratings::ticket_by_number(conn, rules.today(now), &number)?
                .ok_or_else(not_found)?;
            (tickets::get(conn, id)?.ok_or_else(not_found)?, true)
        }
        _ => {
            return Err(ApiError::invalid_body(
                "name the ticket by \"ticket\" (with \"token\" at a kiosk) or by \"number\"",
            ))
        }
    };
    match principal.role {
        Role::Technician => {}
        Role::Counter => {
            if let Some(o) = &principal.officer {
                if row.counter != Some(o.counter) {
                    return Err(not_found());
                }
            }
        }
        _ if typed => {}
        _ => {
            let token = sel.token.as_deref().unwrap_or("");
            if !constant_time_eq(token.as_bytes(), row.lookup_token.as_bytes()) {
                return Err(not_found());
            }
        }
    }
    Ok((row, typed))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `row` may be rated at `now`.
fn check_rateable(
    rules: &Rules,
    conn: &Connection,
    row: &TicketRow,
    typed: bool,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let r = &rules.config.rating;
    if !r.enabled {
        return Err(ApiError::rating_disabled());
    }
    if ratings::for_ticket(conn, row.id)?.is_some() {
        return Err(ApiError::already_rated(&row.display));
    }
    if row.state != TicketState::Done {
        return Err(ApiError::not_rateable(&row.display));
    }
    let finished = from_millis(row.finished_at_ms.unwrap_or(0));
    let window = if typed {
        r.typed_window_minutes
    } else {
        r.window_minutes
    };
    let late = now - finished > Duration::minutes(i64::from(window));
    if late || (typed && row.business_date != rules.today(now)) {
        return Err(ApiError::rating_closed(&row.display));
    }
    Ok(())
}

fn rated_ticket(
    rules: &Rules,
    conn: &Connection,
    row: &TicketRow,
) -> Result<RatedTicket, ApiError> {
    let service = rules.config.service(&row.service);
    let officer = crate::store::staff::ticket_officer(conn, row.id)?;
    Ok(RatedTicket {
        id: row.id,
        number: row.display.clone(),
        service_name_vi: service.map(|s| s.name_vi.clone()).unwrap_or_default(),
        service_name_en: service.map(|s| s.name_en.clone()).unwrap_or_default(),
        state: row.state,
        counter: row.counter,
        officer_name: officer_name(rules, officer.as_deref()),
        finished_at: row
            .finished_at_ms
            .map(|ms| to_local_rfc3339(from_millis(ms), rules.tz)),
    })
}

/// `GET /api/v1/ratings/options`.
pub async fn options(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    Reply::json(
        StatusCode::OK,
        &RatingOptions::from_config(&hub.rules.config),
    )
}

/// `GET /api/v1/ratings/lookup`.
pub async fn lookup(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(sel): Query<TicketSelector>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    if sel.ticket.is_none() && sel.number.is_none() {
        return Err(ApiError::bad_query("give ticket (and token) or number"));
    }
    let rules = hub.rules.clone();
    let now = hub.now();
    let found = hub
        .store
        .read(move |conn| {
            let (row, typed) = resolve(&rules, conn, &principal, &sel, now)?;
            let rating = ratings::for_ticket(conn, row.id)?.map(|r| view(&rules, &r, &row.display));
            let refusal = check_rateable(&rules, conn, &row, typed, now)
                .err()
                .map(|e| Refusal {
                    code: e.code.to_owned(),
                    message_vi: e.message_vi,
                    message_en: e.message_en,
                });
            Ok::<_, ApiError>(RatingLookup {
                ticket: rated_ticket(&rules, conn, &row)?,
                rateable: refusal.is_none(),
                refusal,
                rating,
            })
        })
        .await?;
    Reply::json(StatusCode::OK, &found)
}

/// `POST /api/v1/ratings`.
pub async fn rate(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    let body: RateRequest = parse_json(&raw)?;
    let level = RatingLevel::parse(&body.level).ok_or_else(|| {
        ApiError::invalid_body(&format!(
            "level must be very_satisfied, satisfied or unsatisfied, not {:?}",
            body.level
        ))
    })?;
    let known: Vec<&str> = hub
        .rules
        .config
        .rating
        .reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    let reasons =
        check_reasons(level, &body.reasons, &known).map_err(|e| ApiError::bad_rating(&e))?;
    change(&hub, idem, move |rules, ctx, now| {
        let stored = store_rating(rules, ctx, &principal, &body.selector, level, reasons, now)?;
        Reply::json(StatusCode::CREATED, &stored)
    })
    .await
}

fn store_rating(
    rules: &Rules,
    ctx: &mut WriteCtx<'_>,
    principal: &Principal,
    sel: &TicketSelector,
    level: RatingLevel,
    reasons: Vec<String>,
    now: DateTime<Utc>,
) -> Result<RatingView, ApiError> {
    let conn = ctx.conn();
    let (row, typed) = resolve(rules, conn, principal, sel, now)?;
    check_rateable(rules, conn, &row, typed, now)?;
    let officer = crate::store::staff::ticket_officer(conn, row.id)?
        .or_else(|| principal.officer.as_ref().map(|o| o.code.clone()));
    let mut rating = RatingRow {
        id: 0,
        ticket_id: row.id,
        business_date: row.business_date,
        dossier_code: row.dossier_code.clone(),
        counter: row.counter,
        officer,
        level,
        reasons,
        channel: principal.role.as_str().to_owned(),
        rated_by: principal.name.clone(),
        rated_at_ms: to_millis(now),
    };
    match ratings::insert(conn, &rating)? {
        Inserted::Stored(id) => rating.id = id,
        Inserted::AlreadyRated => return Err(ApiError::already_rated(&row.display)),
    }
    let shown = view(rules, &rating, &row.display);
    ctx.emit(
        rating.rated_at_ms,
        "ticket.rated",
        serde_json::json!({ "rating": shown }),
    )?;
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"ABCD2345", b"ABCD2345"));
        assert!(!constant_time_eq(b"ABCD2345", b"ABCD2346"));
        assert!(!constant_time_eq(b"ABCD", b"ABCD2345"));
    }
}
