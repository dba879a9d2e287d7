//! `GET /api/openapi.json`: the OpenAPI 3.1 description of every `/api/…` route.
//!
//! The document is a hand-written file (`openapi.json` next to this one) rather than one
//! generated with a crate such as utoipa: the routes are plain actix handlers spread over
//! several modules (attackers, models, this API), and annotating all of them would add a
//! macro-heavy dependency for a dozen routes. The test below keeps it honest instead: every
//! `/api/` route registered anywhere under `src/admin/` must be described, with its method.

use actix_web::{HttpRequest, HttpResponse, web};

use super::super::AdminState;
use super::deny;

/// The document, embedded at build time.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// The handler.
pub(super) async fn document(req: HttpRequest, state: web::Data<AdminState>) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Every `.route("/api/…", web::METHOD()` in the Rust files under `dir`.
    fn registered(dir: &Path, out: &mut Vec<(String, String)>) {
        let pattern = regex::Regex::new(
            r#"\.route\(\s*"(/api/[^"]*)",\s*web::(get|post|put|delete|patch)\("#,
        )
        .unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                registered(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for c in pattern.captures_iter(&text) {
                    out.push((c[1].to_owned(), c[2].to_owned()));
                }
            }
        }
    }

    #[test]
    fn every_registered_api_route_is_described() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).expect("valid JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let mut routes = Vec::new();
        registered(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin"),
            &mut routes,
        );
        for expected in [
            "/api/sessions",
            "/api/overview",
            "/api/attackers",
            "/api/models",
        ] {
            assert!(
                routes.iter().any(|(p, _)| p == expected),
                "the route scan missed {expected}: {routes:?}"
            );
        }
        for (path, method) in &routes {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} is registered but not in openapi.json"
            );
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        let text = OPENAPI_JSON;
        let refs = regex::Regex::new(r##""#/components/schemas/([A-Za-z]+)""##).unwrap();
        for c in refs.captures_iter(text) {
            assert!(
                doc["components"]["schemas"][&c[1]].is_object(),
                "dangling reference to {}",
                &c[1]
            );
        }
    }
}
