//! The admin JSON API over the store's session summaries (issue 8, part A):
//!
//! - `GET /api/sessions`: one page of [`crate::store::sessions::SessionSummary`], newest first,
//!   filtered by query parameters (see [`query::session_filter`]);
//! - `GET /api/sessions/{id}`: one session's summary, timeline, predictions, classifications
//!   and transfers ([`sessions::SessionDetail`]);
//! - `GET /api/sessions/{id}/export?format=scenario|asciicast|cowrie-json`: a download;
//! - `GET /api/alerts`, `GET /api/overview`, `GET /api/honeytokens`;
//! - `GET /api/openapi.json`: the OpenAPI 3 description of every `/api/…` route.
//!
//! Every route checks the admin token like `/metrics` ([`super::authorized`]). Bad query
//! parameters answer 400 with `{"error": "…"}`; a store that cannot be read answers 503.
//! The HTML pages reuse [`query`] to read the same filters from their query strings.

use std::path::PathBuf;

use actix_web::{HttpRequest, HttpResponse, web};

use super::AdminState;
use crate::honeytokens::Honeytokens;
use crate::store::StoreError;

mod alerts;
mod export;
mod honeytokens;
mod openapi;
mod overview;
pub mod query;
pub mod sessions;

/// What the API needs besides [`AdminState`]; registered as app data next to it.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// The node's data directory (terminal recordings for the asciicast export).
    pub data_dir: PathBuf,
    /// The planted honeytokens (`None`: honeytokens off).
    pub honeytokens: Option<Honeytokens>,
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/sessions", web::get().to(sessions::list))
        .route("/api/sessions/{id}", web::get().to(sessions::detail))
        .route("/api/sessions/{id}/export", web::get().to(export::export))
        .route("/api/alerts", web::get().to(alerts::list))
        .route("/api/overview", web::get().to(overview::overview))
        .route("/api/honeytokens", web::get().to(honeytokens::list))
        .route("/api/openapi.json", web::get().to(openapi::document));
}

/// `{"error": message}` with `status`.
pub(crate) fn error(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message }))
}

/// 400 with a message saying what is wrong with the request.
pub(crate) fn bad_request(message: &str) -> HttpResponse {
    error(actix_web::http::StatusCode::BAD_REQUEST, message)
}

/// 503 for a store that could not answer (the cause chain, which never holds the URL).
pub(crate) fn store_failed(err: &StoreError) -> HttpResponse {
    tracing::warn!(error = %crate::error_chain(err), "Admin API store query failed.");
    error(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        &format!("store unavailable: {}", crate::error_chain(err)),
    )
}

/// `None` when the request may go on; the 401 answer otherwise.
pub(crate) fn deny(req: &HttpRequest, state: &AdminState) -> Option<HttpResponse> {
    (!super::authorized(req, &state.token)).then(super::unauthorized)
}
