//! The admin UI's HTML pages, rendered on the server from `templates/admin/` (askama escapes
//! every value; attacker strings are never marked safe).
//!
//! `/` overview, `/live` live sessions, `/sessions` and `/sessions/{id}`, `/alerts`,
//! `/honeytokens`, `/models`, the login form, and the stylesheet and scripts under
//! `/static/…`. They read the store through the same functions as the JSON API.

use std::path::PathBuf;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::honeytokens::Honeytokens;

mod accuracy_chart;
mod assets;
mod chart;
mod detail;
mod lists;
pub mod login;
mod monitor;
mod overview;
mod replay;
mod sessions;
mod view;
mod watch;

/// What the pages need beyond [`super::AdminState`].
#[derive(Clone, Debug)]
pub struct PageConfig {
    /// The node's data directory (recordings are under `tty/`).
    pub data_dir: PathBuf,
    /// The node's id.
    pub node: String,
    /// The planted honeytokens (`None`: honeytokens off).
    pub honeytokens: Option<Honeytokens>,
}

/// Registers the pages and static files.
pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    login::configure(cfg);
    overview::configure(cfg);
    sessions::configure(cfg);
    detail::configure(cfg);
    replay::configure(cfg);
    lists::configure(cfg);
    monitor::configure(cfg);
    watch::configure(cfg);
}

/// What every page's frame shows: navigation, node, version, the logout form.
pub struct Chrome {
    /// The nav entry to highlight.
    pub active: &'static str,
    /// The login session's CSRF token (for the logout and other forms), if logged in.
    pub csrf: Option<String>,
    /// The node's id.
    pub node: String,
    /// Mirage's version.
    pub version: &'static str,
}

impl Chrome {
    /// The frame of a page under nav entry `active`.
    pub fn new(req: &HttpRequest, active: &'static str) -> Chrome {
        let node = req
            .app_data::<web::Data<PageConfig>>()
            .map(|c| c.node.clone())
            .unwrap_or_default();
        Chrome {
            active,
            csrf: super::auth::csrf_token(req),
            node,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// The CSRF token, or empty (no login in use).
    pub fn csrf_value(&self) -> &str {
        self.csrf.as_deref().unwrap_or("")
    }
}

/// Renders a template as an HTML answer with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "Cannot render an admin page.");
            HttpResponse::InternalServerError().body("cannot render the page\n")
        }
    }
}

/// A page saying what went wrong (store unreachable, not found).
#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// An error page under nav entry `active`.
pub fn message(
    req: &HttpRequest,
    active: &'static str,
    status: StatusCode,
    title: &str,
    message: String,
) -> HttpResponse {
    html(
        status,
        &MessagePage {
            chrome: Chrome::new(req, active),
            title: title.to_owned(),
            message,
        },
    )
}
