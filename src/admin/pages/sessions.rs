//! `GET /sessions`: the session list with its filter form, paged with the store's keyset
//! cursor (a page deep in the list costs the same as the first).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::view::SessionRow;
use super::{Chrome, html, message};
use crate::admin::AdminState;
use crate::events::Protocol;
use crate::store::sessions::{SessionCursor, SessionFilter};

/// How long the page waits for the store.
const STORE_WAIT: Duration = Duration::from_secs(10);

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions", web::get().to(list));
}

/// The filter form's fields, as the query string carries them (empty means "any").
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct FilterQuery {
    since: String,
    until: String,
    ip: String,
    username: String,
    class: String,
    protocol: String,
    honeytoken: String,
    downloaded: String,
    cursor: String,
}

/// `2026-11-21T13:05` (the form's `datetime-local`, read as UTC) or RFC 3339.
fn parse_time(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(Some(t.and_utc()));
        }
    }
    Err(format!("not a time: {s:?} (use 2026-11-21T13:05, UTC)"))
}

fn parse_flag(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl FilterQuery {
    fn filter(&self) -> Result<SessionFilter, String> {
        let ip = match self.ip.trim() {
            "" => None,
            s if s.contains('/') => Some(s.parse().map_err(|_| format!("not a network: {s:?}"))?),
            s => {
                let addr: std::net::IpAddr =
                    s.parse().map_err(|_| format!("not an address: {s:?}"))?;
                Some(addr.into())
            }
        };
        let protocol = match self.protocol.as_str() {
            "ssh" => Some(Protocol::Ssh),
            "http" => Some(Protocol::Http),
            _ => None,
        };
        let cursor = match self.cursor.as_str() {
            "" => None,
            s => Some(s.parse::<SessionCursor>().map_err(|e| e.to_string())?),
        };
        Ok(SessionFilter {
            since: parse_time(&self.since)?,
            until: parse_time(&self.until)?,
            ip,
            username: non_empty(&self.username),
            class: non_empty(&self.class),
            protocol,
            honeytoken: parse_flag(&self.honeytoken),
            downloaded: parse_flag(&self.downloaded),
            limit: 50,
            cursor,
        })
    }
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    chrome: Chrome,
    q: FilterQuery,
    rows: Vec<SessionRow>,
    next_cursor: Option<String>,
    first_page: bool,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AdminState>,
    query: web::Query<FilterQuery>,
) -> HttpResponse {
    let q = query.into_inner();
    let filter = match q.filter() {
        Ok(f) => f,
        Err(why) => {
            return message(&req, "sessions", StatusCode::BAD_REQUEST, "Bad filter", why);
        }
    };
    let page = match tokio::time::timeout(STORE_WAIT, state.store.sessions(&filter)).await {
        Ok(Ok(page)) => page,
        Ok(Err(err)) => {
            let why = format!("The store did not answer: {}", crate::error_chain(&err));
            return message(
                &req,
                "sessions",
                StatusCode::SERVICE_UNAVAILABLE,
                "Sessions",
                why,
            );
        }
        Err(_) => {
            let why = "The store did not answer in time.".to_owned();
            return message(
                &req,
                "sessions",
                StatusCode::SERVICE_UNAVAILABLE,
                "Sessions",
                why,
            );
        }
    };
    html(
        StatusCode::OK,
        &SessionsPage {
            chrome: Chrome::new(&req, "sessions"),
            rows: page.sessions.iter().map(SessionRow::of).collect(),
            next_cursor: page.next_cursor.map(|c| c.to_string()),
            first_page: q.cursor.is_empty(),
            q,
        },
    )
}
