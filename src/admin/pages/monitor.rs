//! `GET /live` (sessions as they happen, kept current by `static/live.js` from
//! `/live/events`) and `GET /models` (the current model set, its held-out report and
//! confusion matrix, prediction accuracy per hour over the last days, and the reload button).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::accuracy_chart::{AccuracyChart, HEIGHT, WIDTH};
use super::view::time;
use super::{Chrome, html};
use crate::admin::AdminState;
use crate::admin::live::{LiveSession, LiveState, SNAPSHOT};
use crate::store::sessions::{ACCURACY_DAYS, ModelAccuracy, accuracy_since};

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/live", web::get().to(live))
        .route("/models", web::get().to(models));
}

/// A live session as the first render shows it (the script updates it afterwards).
struct LiveRow {
    id: String,
    started: String,
    protocol: &'static str,
    src_ip: String,
    username: String,
    class: String,
    state: &'static str,
    phase: String,
    strategy: String,
    last_command: String,
    commands: u32,
    ended: bool,
}

impl LiveRow {
    fn of(s: &LiveSession) -> LiveRow {
        LiveRow {
            id: s.id.clone(),
            started: time(s.started),
            protocol: s.protocol,
            src_ip: s.src_ip.clone(),
            username: s.username.clone().unwrap_or_default(),
            class: s.class.clone().unwrap_or_default(),
            state: s.state,
            phase: s.phase.clone().unwrap_or_default(),
            strategy: s.strategy.clone().unwrap_or_default(),
            last_command: s.last_command.clone().unwrap_or_default(),
            commands: s.commands,
            ended: s.ended.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/live.html")]
struct LivePage {
    chrome: Chrome,
    rows: Vec<LiveRow>,
}

async fn live(req: HttpRequest, state: Option<web::Data<LiveState>>) -> HttpResponse {
    let rows = state
        .map(|s| s.snapshot(SNAPSHOT).iter().map(LiveRow::of).collect())
        .unwrap_or_default();
    html(
        StatusCode::OK,
        &LivePage {
            chrome: Chrome::new(&req, "live"),
            rows,
        },
    )
}

/// One figure of the held-out report.
struct Figure {
    name: &'static str,
    value: String,
}

/// One row of the confusion matrix: the true class and how it was predicted.
struct ConfusionRow {
    class: String,
    cells: Vec<Cell>,
}

struct Cell {
    count: u64,
    /// `diag`, `off` or `zero`: the CSS class.
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "admin/models.html")]
struct ModelsPage {
    chrome: Chrome,
    version: String,
    dir: String,
    trained_at: String,
    trained_from: String,
    present: Vec<&'static str>,
    figures: Vec<Figure>,
    classes: Vec<String>,
    confusion: Vec<ConfusionRow>,
    accuracy: AccuracyChart,
    accuracy_error: Option<String>,
    days: i64,
    width: u32,
    height: u32,
}

fn percent(report: &Value, path: &[&str]) -> Option<String> {
    let mut v = report;
    for key in path {
        v = v.get(key)?;
    }
    v.as_f64().map(|f| format!("{:.1}%", f * 100.0))
}

fn figures(report: &Value) -> Vec<Figure> {
    let wanted: [(&'static str, &[&str]); 7] = [
        (
            "class accuracy at session end",
            &["classification", "at_end"],
        ),
        (
            "class accuracy after 3 commands",
            &["classification", "after_3"],
        ),
        ("class macro F1", &["classification", "macro_f1"]),
        ("next command top-1", &["prediction", "pooled", "top1"]),
        ("next command top-3", &["prediction", "pooled", "top3"]),
        ("novel sessions top-1", &["prediction", "novel", "top1"]),
        (
            "attack phase accuracy",
            &["prediction", "phases", "accuracy"],
        ),
    ];
    wanted
        .iter()
        .filter_map(|(name, path)| percent(report, path).map(|value| Figure { name, value }))
        .collect()
}

fn confusion(report: &Value) -> (Vec<String>, Vec<ConfusionRow>) {
    let Some(c) = report
        .get("classification")
        .and_then(|c| c.get("confusion"))
    else {
        return (Vec::new(), Vec::new());
    };
    let classes: Vec<String> = c
        .get("classes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let rows = c
        .get("matrix")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .zip(&classes)
                .enumerate()
                .map(|(i, (row, class))| ConfusionRow {
                    class: class.clone(),
                    cells: row
                        .as_array()
                        .map(|cells| {
                            cells
                                .iter()
                                .enumerate()
                                .map(|(j, n)| {
                                    let count = n.as_u64().unwrap_or(0);
                                    let kind = match (count, i == j) {
                                        (0, _) => "zero",
                                        (_, true) => "diag",
                                        _ => "off",
                                    };
                                    Cell { count, kind }
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    (classes, rows)
}

async fn models(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    let current = state.models.handle.current();
    let manifest = &current.manifest;
    let (figures, (classes, confusion)) = match &manifest.report {
        Some(report) => (figures(report), confusion(report)),
        None => (Vec::new(), (Vec::new(), Vec::new())),
    };
    let now = chrono::Utc::now();
    let (accuracy, accuracy_error) = match state.store.model_accuracy(now).await {
        Ok(a) => (AccuracyChart::of(&a), None),
        Err(err) => (
            AccuracyChart::of(&ModelAccuracy {
                generated_at: now,
                since: accuracy_since(now),
                hours: Vec::new(),
            }),
            Some(crate::error_chain(&err)),
        ),
    };
    html(
        StatusCode::OK,
        &ModelsPage {
            chrome: Chrome::new(&req, "models"),
            version: current.version().to_owned(),
            dir: state.models.dir.display().to_string(),
            trained_at: manifest.trained_at.clone(),
            trained_from: manifest.trained_from.clone(),
            present: current.present(),
            figures,
            classes,
            confusion,
            accuracy,
            accuracy_error,
            days: ACCURACY_DAYS,
            width: WIDTH,
            height: HEIGHT,
        },
    )
}
