//! `GET /`: what is happening on the node, at a glance.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;

use super::chart::{self, Chart};
use super::view::{SessionRow, time};
use super::{Chrome, html};
use crate::admin::AdminState;
use crate::admin::live::LiveState;
use crate::store::sessions::{AlertRecord, Overview};

/// How long the page waits for the store.
const STORE_WAIT: Duration = Duration::from_secs(5);

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(overview));
}

/// One alert as the overview and the alerts page list it.
pub struct AlertRow {
    /// When.
    pub time: String,
    /// `info`, `warning`, `critical`.
    pub severity: String,
    /// The rule.
    pub rule: String,
    /// The message.
    pub message: String,
    /// The session.
    pub session: String,
    /// Source address.
    pub src_ip: String,
}

impl AlertRow {
    /// The row of `a`.
    pub fn of(a: &AlertRecord) -> AlertRow {
        AlertRow {
            time: time(a.time),
            severity: serde_json::to_value(a.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            rule: a.rule.clone(),
            message: a.message.clone(),
            session: a.session.0.clone(),
            src_ip: a.src_ip.to_string(),
        }
    }
}

/// A listener and whether it is up.
pub struct Health {
    /// `ssh`, `http`, `admin`, `store`.
    pub name: &'static str,
    /// Up?
    pub ok: bool,
    /// Detail (backend, error, session count).
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    generated: String,
    live_now: u64,
    tracked_live: usize,
    /// The open sessions (the shared session table reads `rows`).
    rows: Vec<SessionRow>,
    chart: Chart,
    width: u32,
    height: u32,
    overview: Overview,
    alerts: Vec<AlertRow>,
    health: Vec<Health>,
}

async fn overview(
    req: HttpRequest,
    state: web::Data<AdminState>,
    live: Option<web::Data<LiveState>>,
) -> HttpResponse {
    let now = Utc::now();
    let overview = match tokio::time::timeout(STORE_WAIT, state.store.overview(now)).await {
        Ok(Ok(o)) => o,
        Ok(Err(err)) => Overview::unavailable(state.store.backend(), now, crate::error_chain(&err)),
        Err(_) => Overview::unavailable(state.store.backend(), now, "timed out".to_owned()),
    };
    let r = &state.readiness;
    let store_detail = match &overview.store.error {
        Some(err) => format!("{}: {err}", overview.store.backend),
        None => format!(
            "{}, {} sessions",
            overview.store.backend, overview.store.sessions
        ),
    };
    let health = vec![
        Health {
            name: "ssh",
            ok: r.ssh.load(Ordering::SeqCst),
            detail: "SSH decoy".to_owned(),
        },
        Health {
            name: "http",
            ok: r.http.load(Ordering::SeqCst),
            detail: "HTTP decoy".to_owned(),
        },
        Health {
            name: "admin",
            ok: r.admin.load(Ordering::SeqCst),
            detail: "this UI".to_owned(),
        },
        Health {
            name: "store",
            ok: overview.store.ok,
            detail: store_detail,
        },
    ];
    let page = OverviewPage {
        chrome: Chrome::new(&req, "overview"),
        generated: super::view::time(overview.generated_at),
        live_now: overview.live_sessions,
        tracked_live: live.map_or(0, |l| l.open_count()),
        rows: overview.live.iter().map(SessionRow::of).collect(),
        chart: Chart::of(&overview.hourly),
        width: chart::WIDTH,
        height: chart::HEIGHT,
        alerts: overview.latest_alerts.iter().map(AlertRow::of).collect(),
        overview,
        health,
    };
    html(StatusCode::OK, &page)
}
