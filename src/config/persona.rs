//! The `[persona]` section of [`Config`](super::Config): Layer 4, a language model that answers
//! commands the shell does not emulate. Off by default; when on, the attacker's command text is
//! sent only to the configured chat-completions endpoint.

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// Layer 4 persona: an OpenAI-compatible chat-completions endpoint (Ollama, llama.cpp server,
/// vLLM, OpenAI) answers commands the emulator does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersonaConfig {
    /// Ask the model for commands the shell does not emulate. `false` (the default): such
    /// commands get bash's `command not found` and nothing is sent anywhere.
    pub enabled: bool,
    /// The API's base URL, up to and including `/v1` (`http://127.0.0.1:11434/v1` for Ollama).
    pub base_url: String,
    /// The model name sent with each request.
    pub model: String,
    /// The API key, sent as `Authorization: Bearer …`. Empty: `api_key_env`, then none.
    pub api_key: String,
    /// The environment variable holding the API key when `api_key` is empty.
    pub api_key_env: String,
    /// How long one request may take before the command falls back to `command not found`.
    pub timeout_ms: u64,
    /// The machine's character: `sysadmin`, `developer` or `fresh_vps`.
    pub style: String,
    /// The most bytes of one answer the attacker sees (longer answers are cut at a line).
    pub max_output_bytes: u64,
    /// How many answers are kept, shared across sessions (least recently used go first).
    pub cache_entries: u64,
    /// How many recent history lines go into the prompt.
    pub history_lines: u64,
    /// The most model calls one session may make.
    pub session_calls: u64,
    /// The most model calls one attacker address may make per day.
    pub ip_calls_per_day: u64,
    /// The most tokens one attacker address may spend per day (from the API's `usage`).
    pub ip_tokens_per_day: u64,
    /// The most model calls the node may make per day.
    pub global_calls_per_day: u64,
    /// The most tokens the node may spend per day.
    pub global_tokens_per_day: u64,
}

impl Default for PersonaConfig {
    fn default() -> Self {
        PersonaConfig {
            enabled: false,
            base_url: "http://127.0.0.1:11434/v1".to_owned(),
            model: "llama3.2".to_owned(),
            api_key: String::new(),
            api_key_env: "MIRAGE_PERSONA_KEY".to_owned(),
            timeout_ms: 5000,
            style: "sysadmin".to_owned(),
            max_output_bytes: 4096,
            cache_entries: 4096,
            history_lines: 10,
            session_calls: 20,
            ip_calls_per_day: 100,
            ip_tokens_per_day: 50_000,
            global_calls_per_day: 5000,
            global_tokens_per_day: 2_000_000,
        }
    }
}

/// The persona styles a config may name.
pub const PERSONA_STYLES: &[&str] = &["sysadmin", "developer", "fresh_vps"];

impl PersonaConfig {
    /// The API key: `api_key`, else the variable `api_key_env` names in `env`, else none.
    pub fn key(&self, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        if !self.api_key.is_empty() {
            return Some(self.api_key.clone());
        }
        if self.api_key_env.is_empty() {
            return None;
        }
        env(&self.api_key_env).filter(|key| !key.is_empty())
    }

    /// Checks what types cannot (only when the persona is on).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        let invalid = |key, message: &str| {
            Err(ConfigError::Invalid {
                key,
                message: message.to_owned(),
            })
        };
        match reqwest::Url::parse(&self.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return invalid("persona.base_url", "must be an http:// or https:// URL"),
        }
        if self.model.is_empty() {
            return invalid("persona.model", "must not be empty");
        }
        if !PERSONA_STYLES.contains(&self.style.as_str()) {
            return invalid(
                "persona.style",
                "must be one of sysadmin, developer, fresh_vps",
            );
        }
        if self.timeout_ms == 0 {
            return invalid("persona.timeout_ms", "must be at least 1");
        }
        if self.max_output_bytes == 0 {
            return invalid("persona.max_output_bytes", "must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_off_is_always_valid() {
        let config = PersonaConfig::default();
        assert!(!config.enabled);
        let off = PersonaConfig {
            style: "pirate".to_owned(),
            ..PersonaConfig::default()
        };
        off.validate().unwrap();
    }

    #[test]
    fn bad_values_name_their_key_when_on() {
        let on = PersonaConfig {
            enabled: true,
            ..PersonaConfig::default()
        };
        on.validate().unwrap();
        let cases = [
            (
                PersonaConfig {
                    style: "pirate".to_owned(),
                    ..on.clone()
                },
                "persona.style",
            ),
            (
                PersonaConfig {
                    base_url: "ftp://x".to_owned(),
                    ..on.clone()
                },
                "persona.base_url",
            ),
            (
                PersonaConfig {
                    timeout_ms: 0,
                    ..on.clone()
                },
                "persona.timeout_ms",
            ),
        ];
        for (config, key) in cases {
            let err = config.validate().unwrap_err().to_string();
            assert!(err.starts_with(key), "{err}");
        }
    }

    #[test]
    fn the_key_comes_from_config_then_env() {
        let mut config = PersonaConfig::default();
        let env = |name: &str| (name == "MIRAGE_PERSONA_KEY").then(|| "from-env".to_owned());
        assert_eq!(config.key(env).as_deref(), Some("from-env"));
        config.api_key = "inline".to_owned();
        assert_eq!(config.key(env).as_deref(), Some("inline"));
        config.api_key.clear();
        config.api_key_env.clear();
        assert_eq!(config.key(env), None);
    }
}
