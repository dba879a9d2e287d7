//! The attacker records in the admin API, guarded by `admin.token` like `/metrics`:
//!
//! - `GET /api/attackers`: every attacker, most recently seen first: `id`, `first_seen`,
//!   `last_seen`, `ips`, `session_count`, `protocols`, `tokens_used`.
//! - `GET /api/attackers/{id}`: one attacker, with `sessions` across protocols (`session`,
//!   `protocol`, `src_ip`, `start`, `last_seen`, `tokens_read`, `tokens_used`).
//! - `GET /api/sessions/{id}/attacker`: the attacker a session belongs to, the same way.
//!
//! With honeytokens off (no records) the lists are empty and lookups answer 404.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::AdminState;
use crate::actors::correlation::{
    Attacker, AttackerOfSession, CorrelationActor, GetAttacker, ListAttackers, SessionRecord,
};
use crate::events::SessionId;

/// How long a query may wait for the correlation actor.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/attackers", web::get().to(list))
        .route("/api/attackers/{id}", web::get().to(one))
        .route("/api/sessions/{id}/attacker", web::get().to(of_session));
}

#[derive(Serialize)]
struct SessionView<'a> {
    session: &'a SessionId,
    protocol: crate::events::Protocol,
    src_ip: std::net::IpAddr,
    start: chrono::DateTime<chrono::Utc>,
    last_seen: chrono::DateTime<chrono::Utc>,
    tokens_read: &'a [String],
    tokens_used: &'a [String],
}

impl<'a> From<&'a SessionRecord> for SessionView<'a> {
    fn from(s: &'a SessionRecord) -> Self {
        SessionView {
            session: &s.session,
            protocol: s.protocol,
            src_ip: s.src_ip,
            start: s.start,
            last_seen: s.last_seen,
            tokens_read: &s.tokens_read,
            tokens_used: &s.tokens_used,
        }
    }
}

#[derive(Serialize)]
struct Detail<'a> {
    #[serde(flatten)]
    attacker: &'a Attacker,
    sessions: Vec<SessionView<'a>>,
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .json(serde_json::json!({"error": "attacker records unavailable"}))
}

fn detail(attacker: Option<Attacker>) -> HttpResponse {
    match attacker {
        Some(attacker) => HttpResponse::Ok().json(Detail {
            attacker: &attacker,
            sessions: attacker.sessions.iter().map(SessionView::from).collect(),
        }),
        None => HttpResponse::NotFound().json(serde_json::json!({"error": "no such attacker"})),
    }
}

async fn list(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if !super::authorized(&req, &state.token) {
        return super::unauthorized();
    }
    let Some(correlation) = &state.correlation else {
        return HttpResponse::Ok().json(Vec::<Attacker>::new());
    };
    match correlation.send(ListAttackers).timeout(QUERY_TIMEOUT).await {
        Ok(attackers) => HttpResponse::Ok().json(attackers),
        Err(_) => unavailable(),
    }
}

async fn one(
    req: HttpRequest,
    state: web::Data<AdminState>,
    id: web::Path<String>,
) -> HttpResponse {
    lookup(&req, &state, GetAttacker(id.into_inner())).await
}

async fn of_session(
    req: HttpRequest,
    state: web::Data<AdminState>,
    id: web::Path<String>,
) -> HttpResponse {
    lookup(&req, &state, AttackerOfSession(SessionId(id.into_inner()))).await
}

/// Asks the correlation actor for one attacker and answers with its detail (404 if none).
async fn lookup<M>(req: &HttpRequest, state: &AdminState, query: M) -> HttpResponse
where
    M: actix::Message<Result = Option<Attacker>> + Send + 'static,
    CorrelationActor: actix::Handler<M>,
{
    if !super::authorized(req, &state.token) {
        return super::unauthorized();
    }
    let Some(correlation) = &state.correlation else {
        return detail(None);
    };
    match correlation.send(query).timeout(QUERY_TIMEOUT).await {
        Ok(attacker) => detail(attacker),
        Err(_) => unavailable(),
    }
}
