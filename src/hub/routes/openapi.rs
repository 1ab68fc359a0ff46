//! `GET /api/v1/openapi.json`: the document of this API, generated from
//! the `motcua-api` types (`motcua_api::openapi`) once, at the first
//! request.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::reply::Routes;

/// The document's route.
pub fn router() -> Routes {
    Routes::new().route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let text = DOCUMENT.get_or_init(motcua_api::openapi::to_json).clone();
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}
