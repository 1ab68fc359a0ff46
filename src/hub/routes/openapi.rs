//! `GET /api/v1/openapi.json`: the document of this API.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::reply::Routes;

/// The OpenAPI document, kept in sync with the routes by a test.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The document's route.
pub fn router() -> Routes {
    Routes::new().route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
