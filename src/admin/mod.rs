//! The operator's admin listener: `/healthz`, `/readyz`, `/metrics`, attacker records
//! (`/api/attackers…`) and the trained models (`/api/models`).
//!
//! It binds to loopback by default; any other address requires `admin.token`, which then guards
//! every path except the two health checks (orchestrators probe those without credentials).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Serialize;

pub mod api;
mod attackers;
pub mod auth;
pub mod live;
pub mod login_limit;
mod models;
pub mod pages;

pub use models::ModelsState;

use crate::metrics::Metrics;
use crate::store::EventStore;

/// Which listeners are up; `/readyz` reports it honestly.
#[derive(Debug, Default)]
pub struct Readiness {
    /// The SSH decoy accepts connections.
    pub ssh: AtomicBool,
    /// The HTTP decoy accepts connections.
    pub http: AtomicBool,
    /// The admin listener accepts connections.
    pub admin: AtomicBool,
}

impl Readiness {
    /// Whether every listener is up.
    pub fn all_up(&self) -> bool {
        self.ssh.load(Ordering::SeqCst)
            && self.http.load(Ordering::SeqCst)
            && self.admin.load(Ordering::SeqCst)
    }
}

/// What the admin handlers share.
#[derive(Clone)]
pub struct AdminState {
    /// Node metrics.
    pub metrics: Metrics,
    /// Listener state.
    pub readiness: Arc<Readiness>,
    /// The event store, for the readiness report.
    pub store: Arc<dyn EventStore>,
    /// Bearer token; empty means none.
    pub token: String,
    /// Attacker records (`None`: honeytokens and records off).
    pub correlation: Option<actix::Addr<crate::actors::correlation::CorrelationActor>>,
    /// The trained models and where they are reloaded from.
    pub models: ModelsState,
}

/// Registers the admin routes (used by the server and by tests).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
    api::configure(cfg);
    attackers::configure(cfg);
    models::configure(cfg);
    live::configure(cfg);
    pages::configure(cfg);
}

/// Liveness: the process serves requests.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

#[derive(Serialize)]
struct ReadyReport {
    ready: bool,
    ssh: bool,
    http: bool,
    admin: bool,
    store: String,
    store_backend: &'static str,
}

/// Readiness: 200 only when every listener is up. The store is reported but does not gate
/// readiness: while it is down the node keeps serving and spools events.
async fn readyz(state: web::Data<AdminState>) -> HttpResponse {
    let r = &state.readiness;
    let store = match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(err)) => format!("unreachable: {}", crate::error_chain(&err)),
        Err(_) => "unreachable: timed out".to_owned(),
    };
    let report = ReadyReport {
        ready: r.all_up(),
        ssh: r.ssh.load(Ordering::SeqCst),
        http: r.http.load(Ordering::SeqCst),
        admin: r.admin.load(Ordering::SeqCst),
        store,
        store_backend: state.store.backend(),
    };
    if report.ready {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}

/// Prometheus text format.
async fn metrics(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if !authorized(&req, &state.token) {
        return unauthorized();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// The answer to a request without the admin token.
pub(crate) fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header(("WWW-Authenticate", "Bearer"))
        .body("unauthorized\n")
}

/// Whether the request carries the admin token (always true when no token is set).
pub(crate) fn authorized(req: &HttpRequest, token: &str) -> bool {
    // The guard (auth.rs) admitted it: a login session or the bearer token.
    if token.is_empty() || req.extensions().get::<auth::Principal>().is_some() {
        return true;
    }
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
