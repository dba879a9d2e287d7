//! A Roundcube 1.6 webmail (skin Elastic) on nginx + php-fpm.
//!
//! `/` is the login form (`_user`, `_pass`, a fresh `_token`); a POST to `/?_task=login`
//! records the credentials and answers as Roundcube does when IMAP refuses them: 401 and
//! "Login failed."; past the node's failure limit, "Too many failed login attempts. Try again
//! later." Roundcube's own `robots.txt` forbids everything.

use super::{LoginOutcome, esc, fail_login, random_hex, static_file};
use crate::protocols::http::response::Response;
use crate::protocols::http::site::{Answer, Exchange, Site};

const LOGIN: &str = include_str!("../../../../assets/web/webmail/login.html");
const CSS: &[u8] = include_bytes!("../../../../assets/web/webmail/styles.css");
const FAVICON: &[u8] = include_bytes!("../../../../assets/web/webmail/favicon.ico");

/// Roundcube's answer to `x`, if the path is one of its own.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    let answer = match x.req.path.as_str() {
        "/" | "/index.php" if x.req.method == "POST" && x.req.form_field("_user").is_some() => {
            login(site, x)
        }
        "/" | "/index.php" => page(200, "", "").into(),
        "/favicon.ico" | "/skins/elastic/images/favicon.ico" => {
            static_file(site, x, "image/x-icon", FAVICON)
        }
        "/skins/elastic/styles/styles.min.css" => static_file(site, x, "text/css", CSS),
        "/robots.txt" => static_file(site, x, "text/plain", b"User-agent: *\nDisallow: /\n"),
        _ => return None,
    };
    Some(answer)
}

fn page(status: u16, error: &str, user: &str) -> Response {
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<div id=\"messagestack\"><div class=\"boxerror\">{error}</div></div>")
    };
    Response::html(
        status,
        LOGIN
            .replace("{error}", &error)
            .replace("{user}", &esc(user))
            .replace("{token}", &random_hex(32)),
    )
    .with_header(
        "Set-Cookie",
        &format!("roundcube_sessid={}; path=/; HttpOnly", random_hex(32)),
    )
    .with_header("Expires", "Thu, 19 Nov 1981 08:52:00 GMT")
    .with_header(
        "Cache-Control",
        "private, no-cache, no-store, must-revalidate, post-check=0, pre-check=0",
    )
    .with_header("Pragma", "no-cache")
    .with_header("X-Frame-Options", "sameorigin")
    .with_header("Content-Language", "en")
}

fn login(site: &Site, x: &Exchange<'_>) -> Answer {
    let user = x.req.form_field("_user").unwrap_or_default();
    let pass = x.req.form_field("_pass").unwrap_or_default();
    let (outcome, reflex) = fail_login(site, x);
    let error = match outcome {
        LoginOutcome::Locked(_) => "Too many failed login attempts. Try again later.",
        LoginOutcome::Failed(_) => "Login failed.",
    };
    Answer {
        response: page(401, error, &user),
        login: Some((user, pass)),
        token: None,
        reflex,
    }
}
