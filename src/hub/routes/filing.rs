//! Online filing's routes: the procedure catalogue, filing a dossier and
//! looking one up (the rules are `hub::filing`'s).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use motcua_api::FileRequest;

use super::reply::{change, read_post, stored_reply, Reply, Routes};
use crate::config::Role;
use crate::domain::dossier::{format_code, parse_code, ShortCode};
use crate::hub::auth::Principal;
use crate::hub::error::ApiError;
use crate::hub::filing::views::dossier_view;
use crate::hub::outbox::refresh_for_lookup;
use crate::hub::state::Hub;
use crate::web::extract::{parse_json, IdempotencyKey, Path, Query};

/// Online filing's routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/procedures", get(procedures))
        .route("/api/v1/dossiers", post(file_dossier).get(find_dossier))
        .route("/api/v1/dossiers/{code}", get(get_dossier))
}

async fn procedures(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    Reply::json(StatusCode::OK, &hub.filing.catalogue_view(hub.rules.tz))
}

async fn file_dossier(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (raw, idem) = read_post(&principal, key, req).await?;
    if let Some(idem) = &idem {
        // A known key is answered from the stored reply before validation,
        // so a kiosk's retry never depends on today's catalogue.
        if let Some(reply) = stored_reply(&hub, idem).await? {
            return Ok(reply);
        }
    }
    let body: FileRequest = parse_json(&raw)?;
    // Refuse an incomplete or malformed form before touching the writer.
    let prepared = hub.filing.prepare(body, hub.rules.today(hub.now()))?;
    let by = principal.name.clone();
    let channel = principal.role;
    let filing = Arc::clone(&hub.filing);
    let reply = change(&hub, idem, move |rules, ctx, now| {
        let filed = filing.file(rules, ctx, &prepared, &by, channel, now)?;
        Reply::json(StatusCode::CREATED, &filed)
    })
    .await?;
    // Committed: the outbox worker may deliver it now.
    hub.filing.wake.notify_one();
    Ok(reply)
}

async fn get_dossier(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Path(code): Path<String>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let parsed = parse_code(&code).ok_or_else(|| ApiError::dossier_not_found(&code))?;
    let code = format_code(&parsed.unit, parsed.date, parsed.sequence);
    dossier_reply(&hub, &principal, code).await
}

/// `GET /api/v1/dossiers?number=0007&date=26/11`: the short code on the
/// receipt (the code's last 4 digits and the filing date).
#[derive(Debug, serde::Deserialize)]
struct ShortCodeQuery {
    number: Option<String>,
    date: Option<String>,
}

async fn find_dossier(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Query(q): Query<ShortCodeQuery>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk, Role::Counter])?;
    let (Some(number), Some(date)) = (q.number, q.date) else {
        return Err(ApiError::bad_query(
            "give number (the last 4 digits of the code) and date (dd/mm)",
        ));
    };
    let short = ShortCode::parse(&number, &date)
        .ok_or_else(|| ApiError::bad_query("number is 4 digits, date is dd/mm or dd/mm/yyyy"))?;
    let ShortCode {
        sequence,
        day,
        month,
        year,
    } = short;
    let mut codes = hub
        .store
        .read(move |conn| {
            crate::store::dossiers::codes_by_short(conn, sequence, day, month, year)
                .map_err(ApiError::from)
        })
        .await?;
    match codes.len() {
        0 => Err(ApiError::dossier_not_found(&short.display())),
        1 => dossier_reply(&hub, &principal, codes.remove(0)).await,
        n => Err(ApiError::dossier_code_ambiguous(&short.display(), n)),
    }
}

/// A dossier's view for `principal`, refreshed from the portal first.
async fn dossier_reply(
    hub: &Arc<Hub>,
    principal: &Principal,
    code: String,
) -> Result<Reply, ApiError> {
    // Fresh from the portal when it answers quickly; from the hub otherwise.
    refresh_for_lookup(hub, &code).await;
    let staff = principal.role != Role::Kiosk;
    let filing = Arc::clone(&hub.filing);
    let tz = hub.rules.tz;
    let view = hub
        .store
        .read(move |conn| dossier_view(&filing, conn, &code, staff, tz))
        .await?;
    Reply::json(StatusCode::OK, &view)
}
