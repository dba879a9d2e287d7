//! `GET /login` (the form), `POST /login` (the token in, a session cookie out) and
//! `POST /logout`. Login attempts are rate limited per client address
//! ([`crate::admin::login_limit`]): 429 with `Retry-After` once over.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::auth::{self, Auth};

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout));
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage<'a> {
    next: &'a str,
    error: Option<&'a str>,
}

/// The login form with `status`, returning to `next` afterwards.
pub fn page(status: StatusCode, next: &str, error: Option<&str>) -> HttpResponse {
    super::html(
        status,
        &LoginPage {
            next: safe_next(next),
            error,
        },
    )
}

/// Only a path on this host may be a redirect target (never `//elsewhere` or a URL).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn form(query: web::Query<NextQuery>, auth: web::Data<Auth>) -> HttpResponse {
    let next = query.next.as_deref().unwrap_or("/");
    if !auth.enabled() {
        return see_other(safe_next(next));
    }
    page(StatusCode::OK, next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
    #[serde(default)]
    next: String,
}

async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    auth: web::Data<Auth>,
) -> HttpResponse {
    let next = safe_next(&form.next);
    if !auth.enabled() {
        return see_other(next);
    }
    if let Some(peer) = req.peer_addr()
        && let Err(wait) = auth.logins.attempt(peer.ip())
    {
        tracing::warn!(client = %peer.ip(), "Admin logins over the rate limit.");
        let mut res = page(
            StatusCode::TOO_MANY_REQUESTS,
            next,
            Some("Too many login attempts from this address; wait a minute."),
        );
        if let Ok(value) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return res;
    }
    if !auth.is_token(&form.token) {
        tracing::warn!("Admin login with a wrong token.");
        return page(StatusCode::UNAUTHORIZED, next, Some("Wrong token."));
    }
    let (id, _csrf) = auth.open_session();
    let mut res = see_other(next);
    if let Err(err) = res.add_cookie(&auth::session_cookie(&id)) {
        tracing::error!(error = %err, "Cannot set the login cookie.");
        return HttpResponse::InternalServerError().body("cannot log in\n");
    }
    res
}

async fn logout(req: HttpRequest, auth: web::Data<Auth>) -> HttpResponse {
    if let Some(id) = auth::session_id(&req) {
        auth.close_session(&id);
    }
    let mut res = see_other("/login");
    // Failing to remove the cookie still leaves the session closed server-side.
    if let Err(err) = res.add_cookie(&auth::session_cookie("")) {
        tracing::warn!(error = %err, "Cannot clear the login cookie.");
    }
    res
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}
