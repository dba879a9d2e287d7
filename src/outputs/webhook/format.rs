//! Webhook bodies: the alert as generic JSON, as a Slack message, as a Discord message.
//!
//! Alert text carries attacker-chosen strings (user names, URLs). Slack's markup characters
//! are escaped and Discord is told not to resolve mentions, so an attacker cannot make an
//! alert ping a channel or show a link of their choosing.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::WebhookFormat;
use crate::events::{Event, EventKind, SessionId, Severity};

/// The `eventid` of alerts, in the JSON log and in generic webhook bodies.
pub const ALERT_EVENTID: &str = "mirage.alert";

/// One alert as webhooks receive it: the generic JSON body as is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertPayload {
    /// Always [`ALERT_EVENTID`].
    pub eventid: String,
    /// The alert event's id: the JSON log's `uuid` of the same alert.
    #[serde(rename = "uuid")]
    pub id: Uuid,
    /// How urgent it is.
    pub severity: Severity,
    /// The rule that fired (`token_use`, `login_success`, `download`, `session_crash`).
    pub rule: String,
    /// What happened, for people.
    pub message: String,
    /// What the rule saw, by name.
    pub details: BTreeMap<String, String>,
    /// The node that raised it.
    pub node: String,
    /// The session it is about.
    pub session: SessionId,
    /// That session's source address.
    pub src_ip: IpAddr,
    /// When the event that raised it happened.
    pub timestamp: DateTime<Utc>,
}

impl AlertPayload {
    /// The payload of an alert event; `None` for any other kind.
    pub fn from_event(event: &Event) -> Option<AlertPayload> {
        let EventKind::Alert {
            severity,
            rule,
            message,
            details,
        } = &event.kind
        else {
            return None;
        };
        Some(AlertPayload {
            eventid: ALERT_EVENTID.to_owned(),
            id: event.id,
            severity: *severity,
            rule: rule.clone(),
            message: message.clone(),
            details: details.clone(),
            node: event.node.clone(),
            session: event.session.clone(),
            src_ip: event.src_ip,
            timestamp: event.timestamp,
        })
    }
}

/// The lowercase name of a severity, as in JSON.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// The body to POST to a webhook of `format`.
pub fn body(format: WebhookFormat, alert: &AlertPayload) -> Value {
    match format {
        // Invariant: the payload is strings, maps, a uuid, an address and a time: it always
        // serialises.
        WebhookFormat::Json => serde_json::to_value(alert).unwrap_or(Value::Null),
        WebhookFormat::Slack => slack(alert),
        WebhookFormat::Discord => discord(alert),
    }
}

/// Slack section fields: at most 10, each at most 2000 characters.
const SLACK_FIELDS: usize = 10;
const SLACK_FIELD_CHARS: usize = 1900;
/// Slack section text: at most 3000 characters.
const SLACK_TEXT_CHARS: usize = 2900;

/// A Slack incoming-webhook message: `text` (the notification line) and blocks.
fn slack(alert: &AlertPayload) -> Value {
    let headline = format!(
        "[{}] {} on {}",
        severity_name(alert.severity).to_uppercase(),
        alert.rule,
        alert.node
    );
    let text = format!("{headline}: {}", alert.message);
    let mut blocks = vec![json!({
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": truncate(
                &format!("*{}*\n{}", slack_escape(&headline), slack_escape(&alert.message)),
                SLACK_TEXT_CHARS,
            ),
        },
    })];
    let fields: Vec<Value> = context(alert)
        .iter()
        .take(SLACK_FIELDS)
        .map(|(name, value)| {
            json!({
                "type": "mrkdwn",
                "text": truncate(
                    &format!("*{}*\n{}", slack_escape(name), slack_escape(value)),
                    SLACK_FIELD_CHARS,
                ),
            })
        })
        .collect();
    if !fields.is_empty() {
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    json!({ "text": truncate(&slack_escape(&text), SLACK_TEXT_CHARS), "blocks": blocks })
}

/// Discord limits: embed title 256, description 4096, 25 fields of name 256 / value 1024,
/// content 2000.
const DISCORD_TITLE_CHARS: usize = 256;
const DISCORD_DESCRIPTION_CHARS: usize = 4096;
const DISCORD_FIELDS: usize = 25;
const DISCORD_FIELD_NAME_CHARS: usize = 256;
const DISCORD_FIELD_VALUE_CHARS: usize = 1024;
const DISCORD_CONTENT_CHARS: usize = 2000;

/// A Discord webhook message: `content` and one embed coloured by severity.
fn discord(alert: &AlertPayload) -> Value {
    let title = format!(
        "[{}] {} on {}",
        severity_name(alert.severity).to_uppercase(),
        alert.rule,
        alert.node
    );
    let fields: Vec<Value> = context(alert)
        .iter()
        .take(DISCORD_FIELDS)
        .map(|(name, value)| {
            json!({
                "name": truncate(name, DISCORD_FIELD_NAME_CHARS),
                // Discord refuses empty field values.
                "value": truncate(if value.is_empty() { "-" } else { value }, DISCORD_FIELD_VALUE_CHARS),
                "inline": value.len() <= 40,
            })
        })
        .collect();
    json!({
        "content": truncate(&format!("{title}: {}", alert.message), DISCORD_CONTENT_CHARS),
        // Attacker text must never ping anyone (`@everyone`, `<@id>`).
        "allowed_mentions": { "parse": [] },
        "embeds": [{
            "title": truncate(&title, DISCORD_TITLE_CHARS),
            "description": truncate(&alert.message, DISCORD_DESCRIPTION_CHARS),
            "color": discord_color(alert.severity),
            "timestamp": alert.timestamp.to_rfc3339(),
            "fields": fields,
        }],
    })
}

/// The embed's side colour: red, amber or blue.
fn discord_color(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 0xD3_2F2F,
        Severity::Warning => 0xF9_A825,
        Severity::Info => 0x1E_88E5,
    }
}

/// Name/value pairs for chat messages: the rule's details, then session and address.
fn context(alert: &AlertPayload) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = alert
        .details
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.push(("session".into(), alert.session.to_string()));
    pairs.push(("src_ip".into(), alert.src_ip.to_string()));
    pairs
}

/// Slack mrkdwn needs `&`, `<` and `>` escaped; otherwise `<url|text>` becomes a link.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters (not bytes), ending in `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> AlertPayload {
        AlertPayload {
            eventid: ALERT_EVENTID.into(),
            id: Uuid::nil(),
            severity: Severity::Critical,
            rule: "token_use".into(),
            message: "honeytoken aws-1 was used by <@everyone> & friends".into(),
            details: BTreeMap::from([
                ("token".to_owned(), "aws-1".to_owned()),
                ("used_by".to_owned(), "0123456789ab".to_owned()),
            ]),
            node: "mirage-0000abcd".into(),
            session: SessionId("0123456789ab".into()),
            src_ip: "203.0.113.9".parse().unwrap(),
            timestamp: DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn generic_json_is_the_alert_with_its_severity() {
        let body = body(WebhookFormat::Json, &alert());
        assert_eq!(body["eventid"], "mirage.alert");
        assert_eq!(body["uuid"], Uuid::nil().to_string());
        assert_eq!(body["severity"], "critical");
        assert_eq!(body["rule"], "token_use");
        assert_eq!(body["details"]["token"], "aws-1");
        assert_eq!(body["session"], "0123456789ab");
        assert_eq!(body["src_ip"], "203.0.113.9");
        assert_eq!(body["node"], "mirage-0000abcd");
        assert_eq!(body["timestamp"], "2026-01-02T03:04:05Z");
        let back: AlertPayload = serde_json::from_value(body).unwrap();
        assert_eq!(back, alert());
    }

    #[test]
    fn slack_text_is_escaped_and_details_are_fields() {
        let body = body(WebhookFormat::Slack, &alert());
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with("[CRITICAL] token_use on mirage-0000abcd: "),
            "{text}"
        );
        assert!(text.contains("&lt;@everyone&gt; &amp; friends"), "{text}");
        assert!(!text.contains('<'), "{text}");
        let fields = body["blocks"][1]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 4, "{fields:?}");
        assert_eq!(fields[0]["text"], "*token*\naws-1");
    }

    #[test]
    fn discord_has_an_embed_and_never_pings() {
        let body = body(WebhookFormat::Discord, &alert());
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        let embed = &body["embeds"][0];
        assert_eq!(embed["title"], "[CRITICAL] token_use on mirage-0000abcd");
        assert_eq!(embed["color"], 0xD32F2F);
        assert_eq!(embed["fields"][0]["name"], "token");
        assert_eq!(embed["fields"][0]["value"], "aws-1");
        assert!(body["content"].as_str().unwrap().contains("<@everyone>"));
    }

    #[test]
    fn long_text_is_cut_to_the_services_limits() {
        let mut long = alert();
        long.message = "é".repeat(10_000);
        let slack = body(WebhookFormat::Slack, &long);
        assert!(slack["text"].as_str().unwrap().chars().count() <= 3000);
        let discord = body(WebhookFormat::Discord, &long);
        let description = discord["embeds"][0]["description"].as_str().unwrap();
        assert_eq!(description.chars().count(), 4096);
        assert!(description.ends_with('…'));
        assert!(discord["content"].as_str().unwrap().chars().count() <= 2000);
    }
}
