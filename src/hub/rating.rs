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
//! its QR code) or its typed number with the 4-digit check code printed on
//! the ticket (today's tickets finished within
//! `rating.typed_window_minutes`); a counter may name any ticket by id, and
//! by number with the check code (a signed-in officer: only tickets
//! finished at their counter); a wrong token or check code answers exactly
//! like an unknown ticket.

use chrono::{DateTime, Duration, Utc};
use motcua_api::{
    HubEvent, Problem, RatedTicket, RatingLevel, RatingLookup, RatingView, TicketRated,
    TicketSelector,
};
use rusqlite::Connection;

use super::auth::Principal;
use super::error::ApiError;
use super::events::emit;
use super::queue::Rules;
use crate::config::Role;
use crate::domain::ticket::TicketState;
use crate::domain::ticket_ref::check_code;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::store::ratings::{self, Inserted, RatingRow};
use crate::store::tickets::{self, TicketRow};
use crate::store::WriteCtx;

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
        channel: r.channel,
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
    // A typed number is public (called out, on the hall board): it needs
    // the check code printed on the paper too.
    if typed && principal.role != Role::Technician {
        let check = sel.check.as_deref().unwrap_or("").trim();
        let expected = check_code(&row.lookup_token);
        if !constant_time_eq(check.as_bytes(), expected.as_bytes()) {
            return Err(not_found());
        }
    }
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

/// `GET /api/v1/ratings/lookup`: the ticket named, whether it can be
/// rated now (or why not), and its rating if it has one.
pub fn lookup(
    rules: &Rules,
    conn: &Connection,
    principal: &Principal,
    sel: &TicketSelector,
    now: DateTime<Utc>,
) -> Result<RatingLookup, ApiError> {
    let (row, typed) = resolve(rules, conn, principal, sel, now)?;
    let rating = ratings::for_ticket(conn, row.id)?.map(|r| view(rules, &r, &row.display));
    let refusal: Option<Problem> = check_rateable(rules, conn, &row, typed, now)
        .err()
        .map(|e| e.problem());
    Ok(RatingLookup {
        ticket: rated_ticket(rules, conn, &row)?,
        rateable: refusal.is_none(),
        refusal,
        rating,
    })
}

/// Stores a rating (writer job body); `409 already_rated` for a second one.
pub fn store_rating(
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
        channel: principal.role,
        rated_by: principal.name.clone(),
        rated_at_ms: to_millis(now),
    };
    match ratings::insert(conn, &rating)? {
        Inserted::Stored(id) => rating.id = id,
        Inserted::AlreadyRated => return Err(ApiError::already_rated(&row.display)),
    }
    let shown = view(rules, &rating, &row.display);
    emit(
        ctx,
        rating.rated_at_ms,
        HubEvent::TicketRated(TicketRated {
            rating: shown.clone(),
        }),
    )?;
    Ok(shown)
}

/// What became of a rating relayed from the city's phone page.
#[derive(Debug)]
pub enum Relayed {
    /// Stored now, with its `ticket.rated` event.
    Stored(RatingView),
    /// The ticket had a rating already (a retry of this relay, or a rating
    /// given at the office): delivered, nothing written.
    AlreadyRated,
    /// This hub will never take it (unknown ticket, not finished, too
    /// late, rating turned off): delivered too, so the city stops offering
    /// it, and logged.
    Refused(ApiError),
}

/// Stores a rating relayed by the city (writer job body): the citizen
/// rated ticket `ticket` on the city's phone page at `rated_at`, with the
/// ticket's lookup token, which the city checked against its hash. The
/// relay is a trusted caller (the office's own link to the city), so no
/// token is asked here. Idempotent: a ticket rated already is
/// [`Relayed::AlreadyRated`], never a second rating. The window is checked
/// against the time the citizen rated, not the time the relay arrives (the
/// link may have been down). Reasons this hub does not know are dropped.
pub fn store_relayed_rating(
    rules: &Rules,
    ctx: &mut WriteCtx<'_>,
    ticket: i64,
    level: RatingLevel,
    reasons: &[String],
    rated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Relayed, ApiError> {
    let conn = ctx.conn();
    let shown = ticket.to_string();
    let Some(row) = tickets::get(conn, ticket)? else {
        return Ok(Relayed::Refused(ApiError::ticket_not_found(&shown)));
    };
    if ratings::for_ticket(conn, row.id)?.is_some() {
        return Ok(Relayed::AlreadyRated);
    }
    let r = &rules.config.rating;
    if !r.enabled {
        return Ok(Relayed::Refused(ApiError::rating_disabled()));
    }
    if row.state != TicketState::Done {
        return Ok(Relayed::Refused(ApiError::not_rateable(&row.display)));
    }
    let finished = from_millis(row.finished_at_ms.unwrap_or(0));
    if rated_at - finished > Duration::minutes(i64::from(r.window_minutes)) {
        return Ok(Relayed::Refused(ApiError::rating_closed(&row.display)));
    }
    let reasons: Vec<String> = if level == RatingLevel::Unsatisfied {
        r.reasons
            .iter()
            .filter(|k| reasons.contains(&k.code))
            .map(|k| k.code.clone())
            .collect()
    } else {
        Vec::new()
    };
    let officer = crate::store::staff::ticket_officer(conn, row.id)?;
    let mut rating = RatingRow {
        id: 0,
        ticket_id: row.id,
        business_date: row.business_date,
        dossier_code: row.dossier_code.clone(),
        counter: row.counter,
        officer,
        level,
        reasons,
        // The citizen's own phone, like a kiosk that read the QR code.
        channel: Role::Kiosk,
        rated_by: RELAY_NAME.to_owned(),
        rated_at_ms: to_millis(rated_at.min(now)),
    };
    match ratings::insert(conn, &rating)? {
        Inserted::Stored(id) => rating.id = id,
        Inserted::AlreadyRated => return Ok(Relayed::AlreadyRated),
    }
    let shown = view(rules, &rating, &row.display);
    emit(
        ctx,
        to_millis(now),
        HubEvent::TicketRated(TicketRated {
            rating: shown.clone(),
        }),
    )?;
    Ok(Relayed::Stored(shown))
}

/// Who rated, for ratings relayed from the city's phone page.
pub const RELAY_NAME: &str = "city-phone";

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
