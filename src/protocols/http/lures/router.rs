//! A home router's web admin (an AC1200 dual-band router) behind its firmware's nginx.
//!
//! `/` is the login page; a POST to `/login` records `username`/`password` and answers
//! "The username or password is incorrect."; past the node's failure limit the firmware's
//! lockout, "You have exceeded the maximum number of login attempts".

use super::{LoginOutcome, esc, fail_login, minutes, static_file};
use crate::protocols::http::response::Response;
use crate::protocols::http::site::{Answer, Exchange, Site};

const LOGIN: &str = include_str!("../../../../assets/web/router/login.html");
const CSS: &[u8] = include_bytes!("../../../../assets/web/router/login.css");
const JS: &[u8] = include_bytes!("../../../../assets/web/router/login.js");
const FAVICON: &[u8] = include_bytes!("../../../../assets/web/router/favicon.ico");

/// The router's answer to `x`, if the path is one of its own.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    let answer = match x.req.path.as_str() {
        "/" | "/index.html" | "/login.html" | "/login" | "/cgi-bin/login"
            if x.req.method == "POST" && x.req.form_field("username").is_some() =>
        {
            login(site, x)
        }
        "/" | "/index.html" | "/login.html" | "/login" => page("", "").into(),
        "/css/login.css" => static_file(site, x, "text/css", CSS),
        "/js/login.js" => static_file(site, x, "application/javascript", JS),
        "/favicon.ico" => static_file(site, x, "image/x-icon", FAVICON),
        _ => return None,
    };
    Some(answer)
}

fn page(error: &str, user: &str) -> Response {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<div class=\"error\">{error}</div>")
    };
    Response::dynamic(
        200,
        "text/html; charset=utf-8",
        LOGIN
            .replace("{error}", &error)
            .replace("{user}", &esc(user)),
    )
    .with_header("Cache-Control", "no-cache, no-store, must-revalidate")
    .with_header("Pragma", "no-cache")
    .with_header("X-Frame-Options", "SAMEORIGIN")
}

fn login(site: &Site, x: &Exchange<'_>) -> Answer {
    let user = x.req.form_field("username").unwrap_or_default();
    let pass = x.req.form_field("password").unwrap_or_default();
    let (outcome, reflex) = fail_login(site, x);
    let error = match outcome {
        LoginOutcome::Locked(secs) => format!(
            "You have exceeded the maximum number of login attempts, please try again after {} minutes.",
            minutes(secs)
        ),
        LoginOutcome::Failed(_) => "The username or password is incorrect.".to_owned(),
    };
    Answer {
        response: page(&error, &user),
        login: Some((user, pass)),
        token: None,
        reflex,
    }
}
