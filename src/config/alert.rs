//! The `[alert]` section: which events raise alerts, and the webhooks they are sent to.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::events::Severity;

/// Alert rules and webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// A generic JSON webhook: every alert is POSTed to this URL as a JSON object. Empty: none.
    pub webhook_url: String,
    /// The least severe alert `webhook_url` is sent (`info`, `warning`, `critical`). Every
    /// alert is a `mirage.alert` event in the log and the store whatever this says; the
    /// default keeps the webhook for what needs a human (not every bot's accepted login).
    pub webhook_min_severity: Severity,
    /// Alerts of the same rule and key (token and user's address, address and user name,
    /// file hash, session) within this many seconds of the one raised are counted and
    /// dropped. 0: no deduplication.
    pub dedup_secs: u64,
    /// Most alerts each webhook is sent per minute (a token bucket that holds as many);
    /// beyond it an alert is not sent but written to the dead-letter file. At least 1.
    pub rate_limit_per_minute: u32,
    /// Retries after a failed delivery (5xx, 429, timeout, refused connection) before the
    /// alert goes to the dead-letter file. Other 4xx answers are not retried.
    pub max_retries: u32,
    /// First retry delay in milliseconds; it doubles with each retry, and each delay is drawn
    /// at random between 0 and that bound (full jitter).
    pub retry_base_ms: u64,
    /// The retry delay's bound never exceeds this many milliseconds.
    pub retry_max_ms: u64,
    /// Longest one delivery attempt may take (connect, send, answer), in milliseconds.
    pub timeout_ms: u64,
    /// Alerts waiting for each webhook; when full, further alerts for it are dropped and
    /// counted, so a slow webhook never slows the node. At least 1.
    pub queue_size: usize,
    /// JSON-lines file of alerts that could not be delivered (relative to `data_dir`).
    pub dead_letter: PathBuf,
    /// Which events raise alerts, and how severe each is.
    pub rules: AlertRules,
    /// More webhooks, each `{ url, format, min_severity }` (file only: no environment
    /// variable).
    pub webhooks: Vec<WebhookConfig>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            webhook_url: String::new(),
            webhook_min_severity: Severity::Warning,
            dedup_secs: 300,
            rate_limit_per_minute: 30,
            max_retries: 5,
            retry_base_ms: 500,
            retry_max_ms: 30_000,
            timeout_ms: 5000,
            queue_size: 1024,
            dead_letter: PathBuf::from("alerts/dead-letter.jsonl"),
            rules: AlertRules::default(),
            webhooks: Vec::new(),
        }
    }
}

impl AlertConfig {
    /// Every webhook to send to: `webhook_url` (as a `json` sink from `webhook_min_severity`) first,
    /// then `webhooks` in file order.
    pub fn sinks(&self) -> Vec<WebhookConfig> {
        let generic = (!self.webhook_url.is_empty()).then(|| WebhookConfig {
            url: self.webhook_url.clone(),
            format: WebhookFormat::Json,
            min_severity: self.webhook_min_severity,
        });
        generic
            .into_iter()
            .chain(self.webhooks.iter().cloned())
            .collect()
    }

    /// Checks what the types cannot: webhook URLs and limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.webhook_url.is_empty() && !is_http_url(&self.webhook_url) {
            // The URL itself is not repeated: webhook URLs carry secrets.
            return Err(ConfigError::Invalid {
                key: "alert.webhook_url",
                message: "is not an http:// or https:// URL".into(),
            });
        }
        if let Some(n) = self.webhooks.iter().position(|w| !is_http_url(&w.url)) {
            return Err(ConfigError::Invalid {
                key: "alert.webhooks",
                message: format!("webhook {} has no http:// or https:// URL", n + 1),
            });
        }
        let at_least_one: [(&'static str, u64); 3] = [
            (
                "alert.rate_limit_per_minute",
                self.rate_limit_per_minute.into(),
            ),
            ("alert.timeout_ms", self.timeout_ms),
            ("alert.queue_size", self.queue_size as u64),
        ];
        for (key, value) in at_least_one {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        if self.retry_base_ms > self.retry_max_ms {
            return Err(ConfigError::Invalid {
                key: "alert.retry_base_ms",
                message: "must not exceed alert.retry_max_ms".into(),
            });
        }
        Ok(())
    }
}

fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// How severe each rule's alerts are; `off` raises none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertRules {
    /// A planted honeytoken was used (`mirage.honeytoken.used`).
    pub token_use: RuleLevel,
    /// A login was accepted (`cowrie.login.success`).
    pub login_success: RuleLevel,
    /// A file was captured: downloaded with wget/curl/tftp/ftpget or uploaded with scp/SFTP
    /// (`cowrie.session.file_download`, `cowrie.session.file_upload`).
    pub download: RuleLevel,
    /// A session's actor failed and was restarted (`mirage.session.restarted`).
    pub session_crash: RuleLevel,
    /// A Layer 0 reflex began acting on an address: the decoy's rate limit or login lockout
    /// (`mirage.reflex`), once per episode.
    pub reflex: RuleLevel,
    /// A session was classified as an attacker class (`mirage.classification`); deduplicated
    /// by class, so within each dedup window an operator hears of a class's first session.
    pub new_attacker_class: RuleLevel,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            token_use: RuleLevel::Critical,
            login_success: RuleLevel::Info,
            download: RuleLevel::Warning,
            session_crash: RuleLevel::Warning,
            reflex: RuleLevel::Info,
            new_attacker_class: RuleLevel::Info,
        }
    }
}

/// A rule's severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// The rule raises no alerts.
    Off,
    /// [`Severity::Info`].
    Info,
    /// [`Severity::Warning`].
    Warning,
    /// [`Severity::Critical`].
    Critical,
}

impl RuleLevel {
    /// The severity of the rule's alerts; `None` when it is off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Critical => Some(Severity::Critical),
        }
    }
}

/// The body a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// The alert as a JSON object (`severity`, `rule`, `message`, `details`, …).
    Json,
    /// A Slack incoming webhook (`text` plus blocks).
    Slack,
    /// A Discord webhook (`content` plus an embed).
    Discord,
}

impl WebhookFormat {
    /// The lowercase name, used in the sink's metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Discord => "discord",
        }
    }
}

/// One webhook of `[[alert.webhooks]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where alerts are POSTed. It usually holds a secret: it is never logged or put in a
    /// metric label.
    pub url: String,
    /// `json`, `slack` or `discord`.
    #[serde(default = "json_format")]
    pub format: WebhookFormat,
    /// Only alerts at least this severe (`info`, `warning`, `critical`) are sent here.
    #[serde(default = "info_severity")]
    pub min_severity: Severity,
}

fn json_format() -> WebhookFormat {
    WebhookFormat::Json
}

fn info_severity() -> Severity {
    Severity::Info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generic_url_comes_first_then_the_file_webhooks() {
        let config: AlertConfig = toml::from_str(
            "webhook_url = \"http://127.0.0.1:9/hook\"\n\
             [[webhooks]]\nurl = \"https://hooks.slack.com/services/T/B/x\"\nformat = \"slack\"\n\
             min_severity = \"critical\"\n\
             [[webhooks]]\nurl = \"https://discord.com/api/webhooks/1/x\"\nformat = \"discord\"\n",
        )
        .unwrap();
        let sinks = config.sinks();
        let formats: Vec<_> = sinks.iter().map(|s| (s.format, s.min_severity)).collect();
        assert_eq!(
            formats,
            [
                (WebhookFormat::Json, Severity::Warning),
                (WebhookFormat::Slack, Severity::Critical),
                (WebhookFormat::Discord, Severity::Info),
            ]
        );
        config.validate().unwrap();
    }

    #[test]
    fn a_rule_can_be_switched_off_or_made_more_severe() {
        let rules: AlertRules =
            toml::from_str("login_success = \"off\"\ndownload = \"critical\"\n").unwrap();
        assert_eq!(rules.login_success.severity(), None);
        assert_eq!(rules.download.severity(), Some(Severity::Critical));
        assert_eq!(rules.token_use.severity(), Some(Severity::Critical));
        assert!(toml::from_str::<AlertRules>("download = \"loud\"\n").is_err());
    }

    #[test]
    fn file_only_keys_are_documented() {
        let docs = include_str!("../../docs/config.md");
        for key in super::super::FILE_ONLY_KEYS {
            assert!(
                docs.contains(&format!("`{key}`")),
                "docs/config.md misses {key}"
            );
        }
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        let config = AlertConfig {
            webhook_url: "hooks.example/secret-token".into(),
            ..AlertConfig::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(err, "alert.webhook_url: is not an http:// or https:// URL");
        let config = AlertConfig {
            webhooks: vec![WebhookConfig {
                url: "ftp://example.com/x".into(),
                format: WebhookFormat::Slack,
                min_severity: Severity::Info,
            }],
            ..AlertConfig::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert_eq!(
            err,
            "alert.webhooks: webhook 1 has no http:// or https:// URL"
        );
        let config = AlertConfig {
            queue_size: 0,
            ..AlertConfig::default()
        };
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            "alert.queue_size: must be at least 1"
        );
    }
}
