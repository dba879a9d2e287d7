//! `GET /api/sessions/{id}/export?format=scenario|asciicast|cowrie-json`: the same files
//! `mirage export` writes ([`crate::sim::export`]), as a download named after the session.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::super::AdminState;
use super::{ApiConfig, bad_request, deny, error, store_failed};
use crate::events::SessionId;
use crate::sim::export::{ExportError, Format};

/// The content type and file extension of each format.
fn media(format: Format) -> (&'static str, &'static str) {
    match format {
        Format::Scenario => ("application/yaml; charset=utf-8", "yaml"),
        Format::Asciicast => ("application/x-asciicast", "cast"),
        Format::CowrieJson => ("application/x-ndjson; charset=utf-8", "json"),
    }
}

/// The download's file name: the session id reduced to safe characters, then the format.
fn file_name(session: &str, format: Format) -> String {
    let stem: String = session
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    let stem = if stem.is_empty() { "session" } else { &stem };
    let kind = match format {
        Format::Scenario => "scenario",
        Format::Asciicast => "asciicast",
        Format::CowrieJson => "cowrie",
    };
    format!("mirage-{stem}-{kind}.{}", media(format).1)
}

/// The export handler.
pub(super) async fn export(
    req: HttpRequest,
    state: web::Data<AdminState>,
    config: Option<web::Data<ApiConfig>>,
    id: web::Path<String>,
) -> HttpResponse {
    if let Some(denied) = deny(&req, &state) {
        return denied;
    }
    let format = match super::query::pairs(req.query_string(), &["format"]) {
        Err(e) => return bad_request(&e.0),
        Ok(pairs) => match pairs.into_iter().next() {
            None => {
                return bad_request("format is required: scenario, asciicast or cowrie-json");
            }
            Some((_, value)) => match value.parse::<Format>() {
                Ok(f) => f,
                Err(e) => return bad_request(&e),
            },
        },
    };
    let Some(config) = config else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "export is not configured on this listener",
        );
    };
    let session = SessionId(id.into_inner());
    let mut body = Vec::new();
    let result = crate::sim::export::export(
        state.store.as_ref(),
        &config.data_dir,
        &session,
        format,
        &mut body,
    )
    .await;
    match result {
        Ok(()) => {
            let (content_type, _) = media(format);
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"{}\"", file_name(&session.0, format)),
                ))
                .body(body)
        }
        Err(ExportError::Store(err)) => store_failed(&err),
        Err(err @ (ExportError::NoSession(_) | ExportError::NoRecording(_))) => {
            error(StatusCode::NOT_FOUND, &err.to_string())
        }
        Err(err @ ExportError::Convert(_)) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, &crate::error_chain(&err))
        }
        Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, &crate::error_chain(&err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_say_the_format() {
        assert_eq!(
            file_name("0123456789ab", Format::Scenario),
            "mirage-0123456789ab-scenario.yaml"
        );
        assert_eq!(
            file_name("\"; rm -rf /", Format::CowrieJson),
            "mirage-rm-rf-cowrie.json"
        );
        assert_eq!(
            file_name("../..", Format::Asciicast),
            "mirage-session-asciicast.cast"
        );
    }
}
