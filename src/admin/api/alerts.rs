//! `GET /api/alerts`: a page of alerts, newest first ([`crate::store::sessions::AlertPage`]).

use actix_web::{HttpRequest, HttpResponse, web};

use super::super::AdminState;
use super::{bad_request, deny, store_failed};

/// The handler.
pub(super) async fn list(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    let filter = match super::query::alert_filter(req.query_string()) {
        Ok(f) => f,
        Err(e) => return bad_request(&e.0),
    };
    match state.store.alerts(&filter).await {
        Ok(page) => HttpResponse::Ok().json(page),
        Err(err) => store_failed(&err),
    }
}
