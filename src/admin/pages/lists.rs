//! `GET /alerts` (paged, newest first) and `GET /honeytokens` (each planted token: where it
//! is, which sessions read it, which used it).

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::overview::AlertRow;
use super::view::time;
use super::{Chrome, PageConfig, html, message};
use crate::admin::AdminState;
use crate::events::EventKind;
use crate::store::sessions::{AlertCursor, AlertFilter};

/// How long a page waits for the store.
const STORE_WAIT: Duration = Duration::from_secs(10);
/// Token reads and uses looked at for the honeytokens page.
const TOKEN_EVENTS: usize = 2000;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts", web::get().to(alerts))
        .route("/honeytokens", web::get().to(honeytokens));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AlertQuery {
    cursor: String,
}

#[derive(Template)]
#[template(path = "admin/alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    alerts: Vec<AlertRow>,
    next_cursor: Option<String>,
}

async fn alerts(
    req: HttpRequest,
    state: web::Data<AdminState>,
    query: web::Query<AlertQuery>,
) -> HttpResponse {
    let cursor = match query.cursor.as_str() {
        "" => None,
        s => match s.parse::<AlertCursor>() {
            Ok(c) => Some(c),
            Err(e) => {
                return message(
                    &req,
                    "alerts",
                    StatusCode::BAD_REQUEST,
                    "Alerts",
                    e.to_string(),
                );
            }
        },
    };
    let filter = AlertFilter {
        limit: 100,
        cursor,
        ..AlertFilter::default()
    };
    match tokio::time::timeout(STORE_WAIT, state.store.alerts(&filter)).await {
        Ok(Ok(page)) => html(
            StatusCode::OK,
            &AlertsPage {
                chrome: Chrome::new(&req, "alerts"),
                alerts: page.alerts.iter().map(AlertRow::of).collect(),
                next_cursor: page.next_cursor.map(|c| c.to_string()),
            },
        ),
        Ok(Err(err)) => {
            let why = format!("The store did not answer: {}", crate::error_chain(&err));
            message(
                &req,
                "alerts",
                StatusCode::SERVICE_UNAVAILABLE,
                "Alerts",
                why,
            )
        }
        Err(_) => {
            let why = "The store did not answer in time.".to_owned();
            message(
                &req,
                "alerts",
                StatusCode::SERVICE_UNAVAILABLE,
                "Alerts",
                why,
            )
        }
    }
}

/// A session's contact with a token.
struct Contact {
    time: String,
    session: String,
    src_ip: String,
    how: String,
}

/// One planted token.
struct TokenRow {
    id: String,
    kind: String,
    placement: String,
    reads: Vec<Contact>,
    uses: Vec<Contact>,
}

#[derive(Template)]
#[template(path = "admin/honeytokens.html")]
struct TokensPage {
    chrome: Chrome,
    enabled: bool,
    tokens: Vec<TokenRow>,
    store_error: Option<String>,
}

async fn honeytokens(
    req: HttpRequest,
    state: web::Data<AdminState>,
    config: web::Data<PageConfig>,
) -> HttpResponse {
    let planted = config.honeytokens.as_ref();
    let mut tokens: BTreeMap<String, TokenRow> = planted
        .map(|h| h.tokens())
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let row = TokenRow {
                id: t.id.clone(),
                kind: t.kind.clone(),
                placement: t.placement.clone(),
                reads: Vec::new(),
                uses: Vec::new(),
            };
            (t.id.clone(), row)
        })
        .collect();
    let wanted = ["mirage.honeytoken.accessed", "mirage.honeytoken.used"];
    let fetched =
        tokio::time::timeout(STORE_WAIT, state.store.recent_events(&wanted, TOKEN_EVENTS)).await;
    let store_error = match fetched {
        Ok(Ok(events)) => {
            for e in events {
                let (token, how, used) = match &e.kind {
                    EventKind::HoneytokenAccessed { token, how } => (token, how, false),
                    EventKind::HoneytokenUsed { token, how, .. } => (token, how, true),
                    _ => continue,
                };
                let row = tokens
                    .entry(token.token.clone())
                    .or_insert_with(|| TokenRow {
                        id: token.token.clone(),
                        kind: token.kind.clone(),
                        placement: token.placement.clone(),
                        reads: Vec::new(),
                        uses: Vec::new(),
                    });
                let contact = Contact {
                    time: time(e.timestamp),
                    session: e.session.0.clone(),
                    src_ip: e.src_ip.to_string(),
                    how: how.clone(),
                };
                if used {
                    row.uses.push(contact);
                } else {
                    row.reads.push(contact);
                }
            }
            None
        }
        Ok(Err(err)) => Some(crate::error_chain(&err)),
        Err(_) => Some("timed out".to_owned()),
    };
    html(
        StatusCode::OK,
        &TokensPage {
            chrome: Chrome::new(&req, "honeytokens"),
            enabled: planted.is_some(),
            tokens: tokens.into_values().collect(),
            store_error,
        },
    )
}
