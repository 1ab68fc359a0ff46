//! The citizen's phone pages at the hub: what `/t/{id}?k=…` and
//! `/d/{code}?k=…` show (the views of `motcua_api::phone`), read from the
//! database, and the rating a phone gives.
//!
//! The capability is the lookup token printed in the QR code: the ticket's
//! (the same one kiosks rate with) or the dossier's (given once, in the
//! filing answer). A wrong token and an unknown id read alike (`None`), so
//! the routes answer both with the same bytes. The views carry no personal
//! data: numbers, services, counters, codes, procedures and times.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use motcua_api::phone::{
    DossierPage, DossierStep, DossierStepKind, PhoneCounter, PhoneRate, PhoneRating, TicketPage,
};
use motcua_api::{CounterState, RatingLevel, Stage, TicketSelector, TicketState};
use rusqlite::Connection;

use super::auth::Principal;
use super::error::ApiError;
use super::filing::views::dossier_view;
use super::filing::Filing;
use super::queue::Rules;
use super::rating::{lookup, store_rating};
use crate::config::Role;
use crate::domain::rating::check_reasons;
use crate::store::{dossiers, tickets, WriteCtx};

/// Who rates from a phone: a rating by the ticket's QR token, like a
/// kiosk's scan (its channel is `kiosk`), recorded as given by `phone`.
pub fn phone_principal() -> Principal {
    Principal {
        role: Role::Kiosk,
        name: "phone".to_owned(),
        officer: None,
    }
}

/// Compares secrets without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn selector(id: i64, token: &str) -> TicketSelector {
    TicketSelector {
        ticket: Some(id),
        token: Some(token.to_owned()),
        ..TicketSelector::default()
    }
}

/// The ticket page of ticket `id`, or `None` when there is no such ticket
/// or `token` is not its lookup token.
pub fn ticket_page(
    rules: &Rules,
    conn: &Connection,
    id: i64,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<TicketPage>, ApiError> {
    let Some(row) = tickets::get(conn, id)? else {
        return Ok(None);
    };
    if !same_secret(token, &row.lookup_token) {
        return Ok(None);
    }
    let view = rules.ticket_view(conn, &row, false)?;
    let config = &rules.config;
    let states = tickets::counters(conn)?;
    let counters = config
        .counters
        .iter()
        .filter(|c| c.services.contains(&row.service))
        .map(|c| PhoneCounter {
            number: c.number,
            name: c
                .name
                .clone()
                .unwrap_or_else(|| format!("Quầy {}", c.number)),
            open: states
                .iter()
                .any(|s| s.number == c.number && s.state == CounterState::Open),
        })
        .collect();
    let found = lookup(rules, conn, &phone_principal(), &selector(id, token), now)?;
    let rating = match (found.rating, found.rateable) {
        (Some(r), _) => PhoneRating::Done { level: r.level },
        (None, true) => PhoneRating::Open {
            options: config.rating.options(),
        },
        (None, false) if !view.state.is_final() => PhoneRating::NotYet,
        (None, false) => PhoneRating::Closed,
    };
    let called_counter = match view.state {
        TicketState::Called | TicketState::Serving => view.counter,
        _ => None,
    };
    Ok(Some(TicketPage {
        unit_name: config.office.name.clone(),
        number: view.number,
        service: view.service,
        service_name_vi: view.service_name_vi,
        service_name_en: view.service_name_en,
        state: view.state,
        people_ahead: view.people_ahead,
        estimated_wait_minutes: view.estimated_wait_minutes,
        counters,
        called_counter,
        rating,
    }))
}

/// Stores a phone's rating of ticket `id` (writer job body): the rules of
/// `POST /api/v1/ratings` with the ticket's token. Reasons go with
/// "Không hài lòng" only; a form sends the ticked ones whatever the button.
pub fn rate(
    rules: &Rules,
    ctx: &mut WriteCtx<'_>,
    id: i64,
    token: &str,
    body: &PhoneRate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let reasons = if body.level == RatingLevel::Unsatisfied {
        body.reasons.clone()
    } else {
        Vec::new()
    };
    let known: Vec<&str> = rules
        .config
        .rating
        .reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    let reasons =
        check_reasons(body.level, &reasons, &known).map_err(|e| ApiError::bad_rating(&e))?;
    store_rating(
        rules,
        ctx,
        &phone_principal(),
        &selector(id, token),
        body.level,
        reasons,
        now,
    )?;
    Ok(())
}

/// What a citizen brings to collect a result.
const BRING_VI: [&str; 2] = [
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (phiếu có mã QR này)",
    "Căn cước công dân (bản chính)",
];
const BRING_EN: [&str; 2] = [
    "The receipt with this QR code",
    "Your citizen ID card (original)",
];

/// The dossier page of dossier `code`, or `None` when there is no such
/// dossier, it has no lookup token (filed before the phone pages), or
/// `token` is not its token.
pub fn dossier_page(
    rules: &Rules,
    filing: &Filing,
    conn: &Connection,
    code: &str,
    token: &str,
    tz: Tz,
) -> Result<Option<DossierPage>, ApiError> {
    let Some(expected) = dossiers::lookup_token(conn, code)? else {
        return Ok(None);
    };
    if !same_secret(token, &expected) {
        return Ok(None);
    }
    // Not the staff view: no applicant, no fields, no receipt.
    let view = dossier_view(filing, conn, code, false, tz)?;
    let at = |stages: &[Stage]| {
        view.timeline
            .iter()
            .find(|t| stages.contains(&t.stage))
            .map(|t| t.at.clone())
    };
    let steps = DossierStepKind::ALL
        .into_iter()
        .map(|kind| {
            let at = match kind {
                DossierStepKind::Received => at(&[Stage::Received]),
                DossierStepKind::SentToPortal => at(&[Stage::Sent]),
                DossierStepKind::Processing => at(&[Stage::Processing, Stage::SupplementRequested]),
                DossierStepKind::ResultReady => at(&[Stage::ResultReady]),
                // The hub does not record the hand-over of results yet.
                DossierStepKind::Collected => None,
            };
            DossierStep {
                kind,
                done: at.is_some(),
                at,
            }
        })
        .collect::<Vec<_>>();
    // A later step done means the earlier ones are too (the portal may
    // report "result ready" without a "processing" first).
    let last_done = steps.iter().rposition(|s| s.done);
    let steps = steps
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            s.done = s.done || last_done.is_some_and(|last| i < last);
            s
        })
        .collect();
    Ok(Some(DossierPage {
        unit_name: rules.config.office.name.clone(),
        code: view.code,
        procedure_name_vi: view.procedure_name_vi,
        procedure_name_en: view.procedure_name_en,
        steps,
        due_at: Some(view.due_at),
        collect_where_vi: view.collect_at.clone(),
        collect_where_en: view.collect_at,
        bring_vi: BRING_VI.iter().map(|s| (*s).to_owned()).collect(),
        bring_en: BRING_EN.iter().map(|s| (*s).to_owned()).collect(),
        training: view.training,
    }))
}
