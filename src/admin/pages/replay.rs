//! `GET /sessions/{id}/recording.cast`: a session's terminal recording (asciicast v2) for the
//! page's player (`static/player.js`). Read from this node's `<data_dir>/tty/<id>.cast`;
//! a session served by another node of a fleet has its recording there.

use std::path::PathBuf;

use actix_web::{HttpRequest, HttpResponse, web};

use super::PageConfig;
use crate::events::SessionId;

/// Largest recording served (recordings are capped by `recording.max_bytes` anyway).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions/{id}/recording.cast", web::get().to(recording));
}

/// Where session `id`'s recording is on this node (`None` for an id that is no file name).
pub fn recording_path(req: &HttpRequest, id: &SessionId) -> Option<PathBuf> {
    let config = req.app_data::<web::Data<PageConfig>>()?;
    let plain = !id.0.is_empty()
        && id.0.len() <= 64
        && id
            .0
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| config.data_dir.join("tty").join(format!("{}.cast", id.0)))
}

async fn recording(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let id = SessionId(path.into_inner());
    let Some(file) = recording_path(&req, &id) else {
        return HttpResponse::NotFound().body("no such recording\n");
    };
    match tokio::fs::metadata(&file).await {
        Ok(meta) if meta.len() <= MAX_BYTES => {}
        Ok(_) => return HttpResponse::PayloadTooLarge().body("recording too large to play\n"),
        Err(_) => return HttpResponse::NotFound().body("no recording on this node\n"),
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/x-asciicast")
            .body(bytes),
        Err(err) => {
            tracing::warn!(error = %err, session = %id, "Cannot read a recording.");
            HttpResponse::NotFound().body("no recording on this node\n")
        }
    }
}
