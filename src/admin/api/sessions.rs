//! `GET /api/sessions` (a filtered page of summaries) and `GET /api/sessions/{id}` (one
//! session in detail).
//!
//! Attacker-controlled strings (commands, user names, file names) are returned as JSON strings
//! exactly as stored: serde_json escapes quotes, control characters and ANSI escapes, and the
//! response is `application/json`, so a browser never renders them. Pages must escape them
//! when they put them in HTML.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::super::AdminState;
use super::{bad_request, deny, error, store_failed};
use crate::events::{Event, EventKind, PredictedCommand, SessionId};
use crate::models::strategy::Deception;
use crate::store::sessions::SessionSummary;

/// Most events the detail returns in its timeline (oldest first); `truncated` says when a
/// session had more.
pub const MAX_TIMELINE: usize = 5000;

/// `GET /api/sessions`: the filter from the query string, answered with a
/// [`crate::store::sessions::SessionPage`].
pub(super) async fn list(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    let filter = match super::query::session_filter(req.query_string()) {
        Ok(f) => f,
        Err(e) => return bad_request(&e.0),
    };
    match state.store.sessions(&filter).await {
        Ok(page) => HttpResponse::Ok().json(page),
        Err(err) => store_failed(&err),
    }
}

/// One session as `GET /api/sessions/{id}` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDetail {
    /// The summary, as listed.
    pub summary: SessionSummary,
    /// The session's events, oldest first (at most [`MAX_TIMELINE`]), as stored.
    pub timeline: Vec<Event>,
    /// Whether the session has more events than the timeline holds.
    pub truncated: bool,
    /// Layer 1's guesses against the commands that came.
    pub predictions: Vec<PredictionView>,
    /// Every change of the session's class or attack phase.
    pub classifications: Vec<ClassificationView>,
    /// Every change of the session's deception settings (Layer 3).
    pub strategies: Vec<StrategyView>,
    /// Files downloaded.
    pub downloads: Vec<DownloadView>,
    /// Files uploaded.
    pub uploads: Vec<UploadView>,
    /// The attacker record across protocols (404 there when records are off).
    pub attacker_url: String,
    /// The export downloads, by format (`scenario`, `asciicast`, `cowrie-json`).
    pub exports: std::collections::BTreeMap<String, String>,
}

/// One scored guess of the next-command model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionView {
    /// When the command came.
    pub time: DateTime<Utc>,
    /// The guesses, most likely first.
    pub predicted: Vec<PredictedCommand>,
    /// The command that came (normalized).
    pub actual: String,
    /// Whether the first guess was it.
    pub hit_top1: bool,
    /// Whether one of the guesses was it.
    pub hit_top3: bool,
    /// The model set's version.
    pub model: String,
}

/// One classification change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationView {
    /// When it changed.
    pub time: DateTime<Utc>,
    /// The class.
    pub class: String,
    /// The rule or model that decided it.
    pub rule: String,
    /// `rules` or `tree`.
    pub source: String,
    /// The model's confidence, 0…1.
    pub confidence: Option<f64>,
    /// The attack phase then (`recon`, `download_execute`, …), when the event carried one.
    pub phase: Option<String>,
}

/// One change of the session's deception settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyView {
    /// When they changed.
    pub time: DateTime<Utc>,
    /// The settings now in force.
    pub settings: Deception,
    /// The same as one line (`latency=human_jitter enticement=high …`).
    pub summary: String,
    /// `adaptive` or `fixed`.
    pub mode: String,
    /// The class they were chosen for (empty before one was known).
    pub class: String,
    /// The attack phase they were chosen for (empty before one was known).
    pub phase: String,
}

/// One download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloadView {
    /// When.
    pub time: DateTime<Utc>,
    /// The URL as the command understood it.
    pub url: String,
    /// Where it was written in the session's filesystem.
    pub outfile: String,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
}

/// One upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadView {
    /// When.
    pub time: DateTime<Utc>,
    /// The file name the client sent.
    pub filename: String,
    /// Where it landed in the attacker's filesystem.
    pub destfile: String,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// `scp` or `sftp`.
    pub transfer: String,
}

impl SessionDetail {
    /// The detail of `summary` from its events (oldest first); `truncated` when more exist.
    pub fn new(summary: SessionSummary, timeline: Vec<Event>, truncated: bool) -> SessionDetail {
        let mut predictions = Vec::new();
        let mut classifications = Vec::new();
        let mut strategies = Vec::new();
        let mut downloads = Vec::new();
        let mut uploads = Vec::new();
        for e in &timeline {
            let time = e.timestamp;
            match &e.kind {
                EventKind::Prediction {
                    predicted,
                    actual,
                    hit_top1,
                    hit_top3,
                    model,
                } => predictions.push(PredictionView {
                    time,
                    predicted: predicted.clone(),
                    actual: actual.clone(),
                    hit_top1: *hit_top1,
                    hit_top3: *hit_top3,
                    model: model.clone(),
                }),
                EventKind::Classification {
                    class,
                    rule,
                    source,
                    confidence,
                    phase,
                } => classifications.push(ClassificationView {
                    time,
                    class: class.clone(),
                    rule: rule.clone(),
                    source: source.clone(),
                    confidence: *confidence,
                    phase: phase.clone(),
                }),
                EventKind::Strategy {
                    settings,
                    mode,
                    class,
                    phase,
                } => strategies.push(StrategyView {
                    time,
                    settings: *settings,
                    summary: settings.to_string(),
                    mode: mode.clone(),
                    class: class.clone(),
                    phase: phase.clone(),
                }),
                EventKind::FileDownload {
                    url,
                    outfile,
                    shasum,
                } => downloads.push(DownloadView {
                    time,
                    url: url.clone(),
                    outfile: outfile.clone(),
                    sha256: shasum.clone(),
                }),
                EventKind::FileUpload {
                    filename,
                    destfile,
                    shasum,
                    size,
                    transfer,
                    ..
                } => uploads.push(UploadView {
                    time,
                    filename: filename.clone(),
                    destfile: destfile.clone(),
                    sha256: shasum.clone(),
                    size: *size,
                    transfer: transfer.clone(),
                }),
                _ => {}
            }
        }
        let id = url_segment(&summary.session.0);
        let exports = ["scenario", "asciicast", "cowrie-json"]
            .into_iter()
            .map(|f| {
                (
                    f.to_owned(),
                    format!("/api/sessions/{id}/export?format={f}"),
                )
            })
            .collect();
        SessionDetail {
            attacker_url: format!("/api/sessions/{id}/attacker"),
            exports,
            summary,
            timeline,
            truncated,
            predictions,
            classifications,
            strategies,
            downloads,
            uploads,
        }
    }
}

/// A session id as one URL path segment (ids are hex; anything else is percent-encoded).
pub fn url_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /api/sessions/{id}`: [`SessionDetail`], or 404.
pub(super) async fn detail(
    req: HttpRequest,
    state: web::Data<AdminState>,
    id: web::Path<String>,
) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    let session = SessionId(id.into_inner());
    let summary = match state.store.session(&session).await {
        Ok(Some(s)) => s,
        Ok(None) => return error(actix_web::http::StatusCode::NOT_FOUND, "no such session"),
        Err(err) => return store_failed(&err),
    };
    let mut events = match state.store.events(Some(&session), MAX_TIMELINE + 1).await {
        Ok(events) => events,
        Err(err) => return store_failed(&err),
    };
    let truncated = events.len() > MAX_TIMELINE;
    events.truncate(MAX_TIMELINE);
    HttpResponse::Ok().json(SessionDetail::new(summary, events, truncated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_ids_stay_one_path_segment() {
        assert_eq!(url_segment("0123456789ab"), "0123456789ab");
        assert_eq!(url_segment("a/../b?c"), "a%2F..%2Fb%3Fc");
    }
}
