//! `GET /sessions/{id}`: one session: its summary, the terminal replay, the timeline of its
//! events, predictions against what came, classifications, files, and export links.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::view::{duration_ms, time};
use super::{Chrome, html, message};
use crate::admin::AdminState;
use crate::events::{Event, EventKind, SessionId};
use crate::store::sessions::SessionSummary;

/// How long the page waits for the store.
const STORE_WAIT: Duration = Duration::from_secs(10);
/// Events shown in the timeline at most.
const MAX_EVENTS: usize = 5000;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions/{id}", web::get().to(detail));
}

/// One timeline entry.
struct EventRow {
    time: String,
    eventid: &'static str,
    text: String,
}

/// One scored guess of the next-command model.
struct PredictionRow {
    predicted: String,
    actual: String,
    hit: &'static str,
}

/// One change of the session's class, attack phase or deception settings.
struct ChangeRow {
    time: String,
    /// `class` or `strategy`.
    what: &'static str,
    class: String,
    phase: String,
    /// The classifier and its rule or model, or the strategy's mode.
    by: String,
    /// The confidence, or the settings.
    detail: String,
}

/// A file that came down or up.
struct FileRow {
    direction: &'static str,
    name: String,
    sha256: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin/session.html")]
struct SessionPage {
    chrome: Chrome,
    id: String,
    s: SessionSummary,
    start: String,
    last_seen: String,
    duration: String,
    has_recording: bool,
    events: Vec<EventRow>,
    truncated: bool,
    predictions: Vec<PredictionRow>,
    hits: usize,
    changes: Vec<ChangeRow>,
    files: Vec<FileRow>,
}

/// What an event says, in one line of text (attacker strings included as they came).
fn describe(kind: &EventKind) -> String {
    match kind {
        EventKind::SessionConnect => "connected".to_owned(),
        EventKind::ClientVersion { version } => format!("client {version}"),
        EventKind::ClientKex(kex) => format!("HASSH {}", kex.hassh),
        EventKind::LoginSuccess { username, password } => {
            format!("login accepted: {username} / {password}")
        }
        EventKind::LoginFailed { username, password } => {
            format!("login refused: {username} / {password}")
        }
        EventKind::ClientFingerprint {
            username,
            fingerprint,
            ..
        } => format!("key offered for {username}: {fingerprint}"),
        EventKind::ClientSize { width, height } => format!("terminal {width}x{height}"),
        EventKind::ClientVar { name, value } => format!("env {name}={value}"),
        EventKind::CommandInput { input } => format!("$ {input}"),
        EventKind::CommandFailed { input } => format!("unknown command: {input}"),
        EventKind::FileDownload { url, outfile, .. } => format!("download {url} -> {outfile}"),
        EventKind::FileDownloadFailed { url, reason } => format!("download {url} failed: {reason}"),
        EventKind::SessionRestarted { .. } => "session restarted from checkpoint".to_owned(),
        EventKind::Alert { rule, message, .. } => format!("alert {rule}: {message}"),
        EventKind::LogClosed { size, .. } => format!("recording closed ({size} bytes)"),
        EventKind::FileUpload {
            filename, transfer, ..
        } => format!("upload {filename} via {transfer}"),
        EventKind::HttpRequest(info) => {
            format!("{} {} -> {}", info.method, info.path, info.status)
        }
        EventKind::HoneytokenAccessed { token, how } => {
            format!("honeytoken {} read: {how}", token.token)
        }
        EventKind::HoneytokenUsed { token, how, .. } => {
            format!("honeytoken {} used: {how}", token.token)
        }
        EventKind::Reflex { rule, action, .. } => format!("reflex {rule}: {action}"),
        EventKind::Classification {
            class,
            source,
            phase,
            ..
        } => match phase {
            Some(phase) => format!("class {class} ({source}), phase {phase}"),
            None => format!("class {class} ({source})"),
        },
        EventKind::Strategy { settings, mode, .. } => format!("strategy ({mode}): {settings}"),
        EventKind::Prediction {
            actual, hit_top1, ..
        } => format!(
            "prediction scored on {actual}: {}",
            hit_label(*hit_top1, false)
        ),
        EventKind::SessionClosed { duration_ms: ms } => {
            format!("closed after {}", duration_ms(*ms))
        }
        other => other.eventid().to_owned(),
    }
}

fn hit_label(top1: bool, top3: bool) -> &'static str {
    match (top1, top3) {
        (true, _) => "top-1 hit",
        (false, true) => "top-3 hit",
        _ => "miss",
    }
}

async fn detail(
    req: HttpRequest,
    state: web::Data<AdminState>,
    path: web::Path<String>,
) -> HttpResponse {
    let id = SessionId(path.into_inner());
    let store = &state.store;
    let fetched = tokio::time::timeout(STORE_WAIT, async {
        let summary = store.session(&id).await?;
        let events = store.events(Some(&id), MAX_EVENTS + 1).await?;
        Ok::<_, crate::store::StoreError>((summary, events))
    })
    .await;
    let (summary, mut events) = match fetched {
        Ok(Ok(found)) => found,
        Ok(Err(err)) => {
            let why = format!("The store did not answer: {}", crate::error_chain(&err));
            return message(
                &req,
                "sessions",
                StatusCode::SERVICE_UNAVAILABLE,
                "Session",
                why,
            );
        }
        Err(_) => {
            let why = "The store did not answer in time.".to_owned();
            return message(
                &req,
                "sessions",
                StatusCode::SERVICE_UNAVAILABLE,
                "Session",
                why,
            );
        }
    };
    let Some(s) = summary else {
        let why = format!("No session {} in the store.", id.0);
        return message(
            &req,
            "sessions",
            StatusCode::NOT_FOUND,
            "Session not found",
            why,
        );
    };
    let truncated = events.len() > MAX_EVENTS;
    events.truncate(MAX_EVENTS);
    let page = build(&req, &id, s, &events, truncated);
    html(StatusCode::OK, &page)
}

fn build(
    req: &HttpRequest,
    id: &SessionId,
    s: SessionSummary,
    events: &[Event],
    truncated: bool,
) -> SessionPage {
    let mut predictions = Vec::new();
    let mut changes = Vec::new();
    let mut files = Vec::new();
    let mut has_recording = false;
    for e in events {
        match &e.kind {
            EventKind::Prediction {
                predicted,
                actual,
                hit_top1,
                hit_top3,
                ..
            } => predictions.push(PredictionRow {
                predicted: predicted
                    .iter()
                    .map(|p| format!("{} ({:.0}%)", p.command, p.probability * 100.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                actual: actual.clone(),
                hit: hit_label(*hit_top1, *hit_top3),
            }),
            EventKind::Classification {
                class,
                rule,
                source,
                confidence,
                phase,
            } => changes.push(ChangeRow {
                time: time(e.timestamp),
                what: "class",
                class: class.clone(),
                phase: phase.clone().unwrap_or_default(),
                by: format!("{source} {rule}"),
                detail: confidence.map_or(String::new(), |c| format!("{:.0}%", c * 100.0)),
            }),
            EventKind::Strategy {
                settings,
                mode,
                class,
                phase,
            } => changes.push(ChangeRow {
                time: time(e.timestamp),
                what: "strategy",
                class: class.clone(),
                phase: phase.clone(),
                by: mode.clone(),
                detail: settings.to_string(),
            }),
            EventKind::FileDownload {
                url,
                outfile,
                shasum,
            } => files.push(FileRow {
                direction: "download",
                name: url.clone(),
                sha256: shasum.clone(),
                detail: outfile.clone(),
            }),
            EventKind::FileUpload {
                filename,
                destfile,
                shasum,
                size,
                transfer,
                ..
            } => files.push(FileRow {
                direction: "upload",
                name: filename.clone(),
                sha256: shasum.clone(),
                detail: format!("{destfile}, {size} bytes, {transfer}"),
            }),
            EventKind::LogClosed { .. } => has_recording = true,
            _ => {}
        }
    }
    // A live session's recording is still being written: the file is already there.
    if !has_recording && s.protocol == crate::events::Protocol::Ssh {
        has_recording = super::replay::recording_path(req, id).is_some_and(|p| p.exists());
    }
    SessionPage {
        chrome: Chrome::new(req, "sessions"),
        id: id.0.clone(),
        start: time(s.start),
        last_seen: time(s.last_seen),
        duration: match (s.closed, s.duration_ms) {
            (true, Some(ms)) => duration_ms(ms),
            (true, None) => "closed".to_owned(),
            (false, _) => "still open".to_owned(),
        },
        s,
        has_recording,
        events: events
            .iter()
            .map(|e| EventRow {
                time: time(e.timestamp),
                eventid: e.kind.eventid(),
                text: describe(&e.kind),
            })
            .collect(),
        truncated,
        hits: predictions.iter().filter(|p| p.hit == "top-1 hit").count(),
        predictions,
        changes,
        files,
    }
}
