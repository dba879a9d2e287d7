//! The trained models in the admin API, guarded by `admin.token` like `/metrics`:
//!
//! - `GET /api/models`: the current set: `version`, `dir`, `trained_at`, `trained_from`, which
//!   models it holds, and the evaluation report `mirage train` stored with it.
//! - `GET /api/models/accuracy`: next-command prediction hits per hour and model version over
//!   the last days ([`crate::store::sessions::ModelAccuracy`]).
//! - `POST /api/models/reload`: reads `models.dir` again and makes it the current set for every
//!   session that starts afterwards (running sessions keep theirs). A directory that cannot be
//!   read answers 422 with the reason and leaves the current set in place.

use std::path::PathBuf;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::AdminState;
use crate::models::{ModelHandle, Models};

/// The node's models and where they are reloaded from.
#[derive(Clone, Debug)]
pub struct ModelsState {
    /// The current set, shared with the sessions.
    pub handle: ModelHandle,
    /// `models.dir`.
    pub dir: PathBuf,
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/models", web::get().to(current))
        .route("/api/models/reload", web::post().to(reload))
        .route("/api/models/accuracy", web::get().to(accuracy));
}

#[derive(Serialize)]
struct ModelsView<'a> {
    version: &'a str,
    dir: String,
    trained_at: &'a str,
    trained_from: &'a str,
    models: Vec<&'static str>,
    report: Option<&'a serde_json::Value>,
}

fn view(models: &Models, dir: &std::path::Path) -> HttpResponse {
    HttpResponse::Ok().json(ModelsView {
        version: models.version(),
        dir: dir.display().to_string(),
        trained_at: &models.manifest.trained_at,
        trained_from: &models.manifest.trained_from,
        models: models.present(),
        report: models.manifest.report.as_ref(),
    })
}

async fn current(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if !super::authorized(&req, &state.token) {
        return super::unauthorized();
    }
    view(&state.models.handle.current(), &state.models.dir)
}

async fn accuracy(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if !super::authorized(&req, &state.token) {
        return super::unauthorized();
    }
    match state.store.model_accuracy(chrono::Utc::now()).await {
        Ok(series) => HttpResponse::Ok().json(series),
        Err(err) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"error": crate::error_chain(&err)})),
    }
}

async fn reload(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if !super::authorized(&req, &state.token) {
        return super::unauthorized();
    }
    let dir = state.models.dir.clone();
    let loaded = web::block(move || Models::load(&dir)).await;
    match loaded {
        Ok(Ok(models)) => {
            tracing::info!(version = models.version(), "Models reloaded.");
            state.models.handle.replace(models);
            view(&state.models.handle.current(), &state.models.dir)
        }
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "Models not reloaded.");
            HttpResponse::UnprocessableEntity().json(serde_json::json!({"error": err.to_string()}))
        }
        Err(_) => HttpResponse::InternalServerError()
            .json(serde_json::json!({"error": "the reload did not finish"})),
    }
}
