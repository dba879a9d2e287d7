//! `GET /api/overview`: [`crate::store::sessions::Overview`] as of now. When the store cannot
//! answer, 503 with the same shape (empty lists, `store.ok` false and the reason), so a page
//! can still show what is wrong.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::super::AdminState;
use super::deny;
use crate::store::sessions::Overview;

/// The handler.
pub(super) async fn overview(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    if let Err(e) = super::query::pairs(req.query_string(), &[]) {
        return super::bad_request(&e.0);
    }
    let now = Utc::now();
    match state.store.overview(now).await {
        Ok(overview) => HttpResponse::Ok().json(overview),
        Err(err) => HttpResponse::ServiceUnavailable().json(Overview::unavailable(
            state.store.backend(),
            now,
            crate::error_chain(&err),
        )),
    }
}
