//! Ratings' routes: the options a rating screen shows, looking a ticket up
//! and rating it (the rules are `hub::rating`'s).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use motcua_api::{RateRequest, TicketSelector};

use super::reply::{change, read_post, Reply, Routes};
use crate::config::Role;
use crate::domain::rating::check_reasons;
use crate::hub::auth::Principal;
use crate::hub::error::ApiError;
use crate::hub::rating::{lookup, store_rating};
use crate::hub::state::Hub;
use crate::web::extract::{parse_json, IdempotencyKey, Query};

/// The ratings' routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/ratings", post(rate))
        .route("/api/v1/ratings/options", get(rating_options))
        .route("/api/v1/ratings/lookup", get(rating_lookup))
}

async fn rating_options(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    Reply::json(StatusCode::OK, &hub.rules.config.rating.options())
}

async fn rating_lookup(
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
        .read(move |conn| lookup(&rules, conn, &principal, &sel, now))
        .await?;
    Reply::json(StatusCode::OK, &found)
}

async fn rate(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    let body: RateRequest = parse_json(&raw)?;
    let known: Vec<&str> = hub
        .rules
        .config
        .rating
        .reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    let reasons =
        check_reasons(body.level, &body.reasons, &known).map_err(|e| ApiError::bad_rating(&e))?;
    change(&hub, idem, move |rules, ctx, now| {
        let stored = store_rating(
            rules,
            ctx,
            &principal,
            &body.selector,
            body.level,
            reasons,
            now,
        )?;
        Reply::json(StatusCode::CREATED, &stored)
    })
    .await
}
