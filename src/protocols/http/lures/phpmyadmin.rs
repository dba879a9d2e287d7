//! phpMyAdmin 5.1 (Ubuntu's package) on Apache + PHP 8.1, at `/` and at the package's alias
//! `/phpmyadmin/`.
//!
//! The login form carries a fresh `token`; a POST records `pma_username`/`pma_password` and
//! answers as phpMyAdmin does when MySQL refuses the login: the form again with
//! `mysqli::real_connect(): (HY000/1045): Access denied for user '…'@'localhost' (using
//! password: YES)` and "Cannot log in to the MySQL server". phpMyAdmin has no lockout of its
//! own, so none is shown (failures still count towards the node's limits).

use super::{esc, random_hex, static_file};
use crate::protocols::http::response::Response;
use crate::protocols::http::site::{Answer, Exchange, Site};

const LOGIN: &str = include_str!("../../../../assets/web/phpmyadmin/login.html");
const THEME: &[u8] = include_bytes!("../../../../assets/web/phpmyadmin/theme.css");
const FAVICON: &[u8] = include_bytes!("../../../../assets/web/phpmyadmin/favicon.ico");

/// phpMyAdmin's answer to `x`, if the path is one of its own.
pub fn answer(site: &Site, x: &Exchange<'_>) -> Option<Answer> {
    let path = x.req.path.as_str();
    let local = path
        .strip_prefix("/phpmyadmin")
        .or_else(|| path.strip_prefix("/phpMyAdmin"))
        .unwrap_or(path);
    let answer = match local {
        "" => site
            .server
            .redirect(301, &format!("{}{path}/", super::base_url(x)), &x.ectx)
            .into(),
        "/" | "/index.php" => login(site, x),
        "/favicon.ico" => static_file(site, x, "image/vnd.microsoft.icon", FAVICON),
        "/robots.txt" => static_file(site, x, "text/plain", b"User-agent: *\nDisallow: /\n"),
        "/themes/pmahomme/css/theme.css" => static_file(site, x, "text/css", THEME),
        _ => return None,
    };
    Some(answer)
}

fn page(error: &str, user: &str) -> Response {
    let page = LOGIN
        .replace("{error}", error)
        .replace("{user}", &esc(user))
        .replace("{token}", &random_hex(32))
        .replace("{session}", &random_hex(26));
    Response::html(200, page)
        .with_header(
            "Set-Cookie",
            &format!(
                "phpMyAdmin={}; path=/; HttpOnly; SameSite=Strict",
                random_hex(26)
            ),
        )
        .with_header("X-ob_mode", "1")
        .with_header("X-Frame-Options", "DENY")
        .with_header("Referrer-Policy", "no-referrer")
        .with_header("X-XSS-Protection", "1; mode=block")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("X-Permitted-Cross-Domain-Policies", "none")
        .with_header("X-Robots-Tag", "noindex, nofollow")
        .with_header("Expires", "Thu, 19 Nov 1981 08:52:00 GMT")
        .with_header(
            "Cache-Control",
            "no-store, no-cache, must-revalidate,  pre-check=0, post-check=0, max-age=0",
        )
        .with_header("Pragma", "no-cache")
}

fn login(site: &Site, x: &Exchange<'_>) -> Answer {
    let user = x.req.form_field("pma_username");
    if x.req.method != "POST" || user.is_none() {
        return page("", "").into();
    }
    let user = user.unwrap_or_default();
    let pass = x.req.form_field("pma_password").unwrap_or_default();
    // Counted for the node's limits; phpMyAdmin itself never locks anyone out, so no reflex
    // acts here and none is reported.
    let _ = site.limiter.fail_login(x.ip, x.now);
    let error = format!(
        "<div class=\"alert alert-danger\" role=\"alert\"><img src=\"themes/dot.gif\" title=\"\" alt=\"\" class=\"icon ic_s_error\"> mysqli::real_connect(): (HY000/1045): Access denied for user '{}'@'localhost' (using password: {})</div>\n<div class=\"alert alert-danger\" role=\"alert\"><img src=\"themes/dot.gif\" title=\"\" alt=\"\" class=\"icon ic_s_error\"> Cannot log in to the MySQL server</div>",
        esc(&user),
        if pass.is_empty() { "NO" } else { "YES" }
    );
    Answer {
        response: page(&error, &user),
        login: Some((user, pass)),
        token: None,
        reflex: None,
    }
}
