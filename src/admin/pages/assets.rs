//! The stylesheet and scripts, compiled into the binary from `static/` and served under
//! `/static/…` (the CSP allows scripts from the admin's own origin only).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// `(name, content type, body)` of every static file.
const FILES: &[(&str, &str, &str)] = &[
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_str!("../../../static/admin.css"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/admin.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/live.js"),
    ),
    (
        "player.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../static/player.js"),
    ),
];

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{name}", web::get().to(file));
}

async fn file(name: web::Path<String>) -> HttpResponse {
    match FILES.iter().find(|(n, _, _)| *n == name.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().body("not found\n"),
    }
}
