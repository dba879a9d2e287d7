//! [`Config`]: one TOML file plus `MIRAGE_*` environment overrides.
//!
//! Each component has its own documented struct; the doc comments are the operator manual and
//! `docs/config.md` repeats them. Every key can be set from the environment: the variable is
//! `MIRAGE_` followed by the key's path in upper case with dots turned into underscores
//! (`ssh.listen` → `MIRAGE_SSH_LISTEN`). [`SETTINGS`] lists every key once; it drives the
//! overrides, and a test checks it against the defaults and the docs.
//!
//! Loading is two-phase, like ripgrep's low/high args: the file is parsed strictly (unknown keys
//! and bad values are errors naming the line), then overrides are applied, then
//! [`Config::validate`] checks what types cannot.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod sections;

pub use sections::*;

mod http;
pub use http::*;
mod strategy;
pub use strategy::*;
// Honeytokens and attacker records (`[honeytokens]`).
mod honeytokens;
pub use honeytokens::*;
// Alert rules and webhooks (`[alert]`).
mod alert;
pub use alert::*;
// Trained models (`[models]`).
mod models;
pub use models::*;
// Layer 0 reflex rules (`[reflex]`).
mod reflex;
pub use reflex::*;
// Layer 4 language-model persona (`[persona]`).
mod persona;
pub use persona::*;

use crate::protocols::ssh::auth::UserDb;
use crate::protocols::ssh::profile::{AUTO, SshProfile, UnknownProfile};

/// Everything a node needs to run. `Config::default()` is a working node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for everything the node keeps: host keys, node id, SQLite database, spool, logs.
    pub data_dir: PathBuf,
    /// The SSH decoy.
    pub ssh: SshConfig,
    /// Who may log in to the SSH decoy.
    pub auth: AuthConfig,
    /// The HTTP decoy.
    pub http: HttpConfig,
    /// The operator's admin listener.
    pub admin: AdminConfig,
    /// Where events are stored.
    pub database: DatabaseConfig,
    /// The Cowrie-compatible JSON log.
    pub log: LogConfig,
    /// The fake filesystem: how long attackers' files persist, and their quotas.
    pub fs: FsConfig,
    /// Terminal recordings of interactive sessions.
    pub recording: RecordingConfig,
    /// Real sample fetching for emulated downloads. Off unless set.
    pub samples: SamplesConfig,
    /// Fault injection, for testing supervision. Off unless set.
    pub fault: FaultConfig,
    /// Alert rules and the webhooks alerts are sent to.
    pub alert: AlertConfig,
    /// Deception settings: latency of the HTTP decoy.
    pub strategy: StrategyConfig,
    /// Honeytokens planted in the fake filesystem and the HTTP lures; attacker records.
    pub honeytokens: HoneytokensConfig,
    /// Trained models the sessions run.
    pub models: ModelsConfig,
    /// Layer 0 reflexes: rules that act on sessions inline.
    pub reflex: ReflexConfig,
    /// Layer 4 persona: a language model answers commands the shell does not emulate. Off
    /// unless set.
    pub persona: PersonaConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./data"),
            ssh: SshConfig::default(),
            auth: AuthConfig::default(),
            http: HttpConfig::default(),
            admin: AdminConfig::default(),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            fs: FsConfig::default(),
            recording: RecordingConfig::default(),
            samples: SamplesConfig::default(),
            fault: FaultConfig::default(),
            alert: AlertConfig::default(),
            strategy: StrategyConfig::default(),
            honeytokens: HoneytokensConfig::default(),
            models: ModelsConfig::default(),
            reflex: ReflexConfig::default(),
            persona: PersonaConfig::default(),
        }
    }
}

/// How an environment override's text becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// Taken as is.
    Text,
    /// A non-negative integer.
    Integer,
    /// `true` or `false`.
    Bool,
    /// Comma-separated list.
    List,
}

/// One documented key.
#[derive(Debug)]
pub struct Setting {
    /// Dotted path in the TOML file.
    pub key: &'static str,
    /// How the environment value is read.
    pub kind: SettingKind,
}

impl Setting {
    /// The environment variable that overrides this key.
    pub fn env_var(&self) -> String {
        format!("MIRAGE_{}", self.key.replace('.', "_").to_uppercase())
    }
}

const fn setting(key: &'static str, kind: SettingKind) -> Setting {
    Setting { key, kind }
}

/// Every key of [`Config`], in file order.
pub const SETTINGS: &[Setting] = &[
    setting("data_dir", SettingKind::Text),
    setting("ssh.listen", SettingKind::Text),
    setting("ssh.auth_rejection_time_ms", SettingKind::Integer),
    setting("ssh.profile", SettingKind::Text),
    setting("ssh.login_grace_time_secs", SettingKind::Integer),
    setting("ssh.upload_max_bytes", SettingKind::Integer),
    setting("ssh.max_sessions", SettingKind::Integer),
    setting("ssh.max_sessions_per_ip", SettingKind::Integer),
    setting("ssh.idle_timeout_secs", SettingKind::Integer),
    setting("auth.policy", SettingKind::Text),
    setting("auth.userdb", SettingKind::List),
    setting("auth.accept_after", SettingKind::Integer),
    setting("http.listen", SettingKind::Text),
    setting("http.lure", SettingKind::Text),
    setting("http.session_idle_secs", SettingKind::Integer),
    setting("http.rate_limit_per_minute", SettingKind::Integer),
    setting("http.login_max_failures", SettingKind::Integer),
    setting("http.login_lockout_secs", SettingKind::Integer),
    setting("http.max_connections_per_ip", SettingKind::Integer),
    setting("admin.listen", SettingKind::Text),
    setting("admin.token", SettingKind::Text),
    setting("database.url", SettingKind::Text),
    setting("database.pool_size", SettingKind::Integer),
    setting("database.connect_timeout_ms", SettingKind::Integer),
    setting("log.enabled", SettingKind::Bool),
    setting("log.max_bytes", SettingKind::Integer),
    setting("log.rotate_secs", SettingKind::Integer),
    setting("log.keep", SettingKind::Integer),
    setting("fs.persist_secs", SettingKind::Integer),
    setting("fs.overlay_max_bytes", SettingKind::Integer),
    setting("fs.overlay_max_files", SettingKind::Integer),
    setting("recording.enabled", SettingKind::Bool),
    setting("recording.max_bytes", SettingKind::Integer),
    setting("samples.fetch", SettingKind::Bool),
    setting("samples.max_bytes", SettingKind::Integer),
    setting("samples.timeout_secs", SettingKind::Integer),
    setting("samples.allow_networks", SettingKind::List),
    setting("fault.panic_on_input", SettingKind::Text),
    setting("fault.panic_on_classify", SettingKind::Text),
    setting("fault.panic_on_event", SettingKind::Text),
    setting("alert.webhook_url", SettingKind::Text),
    setting("alert.webhook_min_severity", SettingKind::Text),
    setting("alert.dedup_secs", SettingKind::Integer),
    setting("alert.rate_limit_per_minute", SettingKind::Integer),
    setting("alert.max_retries", SettingKind::Integer),
    setting("alert.retry_base_ms", SettingKind::Integer),
    setting("alert.retry_max_ms", SettingKind::Integer),
    setting("alert.timeout_ms", SettingKind::Integer),
    setting("alert.queue_size", SettingKind::Integer),
    setting("alert.dead_letter", SettingKind::Text),
    setting("alert.rules.token_use", SettingKind::Text),
    setting("alert.rules.login_success", SettingKind::Text),
    setting("alert.rules.download", SettingKind::Text),
    setting("alert.rules.session_crash", SettingKind::Text),
    setting("alert.rules.reflex", SettingKind::Text),
    setting("alert.rules.new_attacker_class", SettingKind::Text),
    setting("strategy.http_latency_min_ms", SettingKind::Integer),
    setting("strategy.http_latency_max_ms", SettingKind::Integer),
    setting("strategy.mode", SettingKind::Text),
    setting("strategy.learning", SettingKind::Bool),
    setting("strategy.exploration_max_percent", SettingKind::Integer),
    setting("strategy.exploration_min_percent", SettingKind::Integer),
    setting("strategy.save_secs", SettingKind::Integer),
    setting("strategy.seed", SettingKind::Integer),
    setting("strategy.fixed.latency", SettingKind::Text),
    setting("strategy.fixed.enticement", SettingKind::Text),
    setting("strategy.fixed.richness", SettingKind::Text),
    setting("strategy.fixed.errors", SettingKind::Text),
    setting("strategy.fixed.vulnerable", SettingKind::Text),
    setting("honeytokens.enabled", SettingKind::Bool),
    setting("honeytokens.beacon_host", SettingKind::Text),
    setting("honeytokens.link_max_ips", SettingKind::Integer),
    setting("models.dir", SettingKind::Text),
    setting("reflex.enabled", SettingKind::Bool),
    setting("reflex.rules", SettingKind::Text),
    setting("persona.enabled", SettingKind::Bool),
    setting("persona.base_url", SettingKind::Text),
    setting("persona.model", SettingKind::Text),
    setting("persona.api_key", SettingKind::Text),
    setting("persona.api_key_env", SettingKind::Text),
    setting("persona.timeout_ms", SettingKind::Integer),
    setting("persona.style", SettingKind::Text),
    setting("persona.max_output_bytes", SettingKind::Integer),
    setting("persona.cache_entries", SettingKind::Integer),
    setting("persona.history_lines", SettingKind::Integer),
    setting("persona.session_calls", SettingKind::Integer),
    setting("persona.ip_calls_per_day", SettingKind::Integer),
    setting("persona.ip_tokens_per_day", SettingKind::Integer),
    setting("persona.global_calls_per_day", SettingKind::Integer),
    setting("persona.global_tokens_per_day", SettingKind::Integer),
];

/// Keys that only a config file can set: arrays of tables have no environment form.
/// The settings test accepts these as the documented exception to [`SETTINGS`].
pub const FILE_ONLY_KEYS: &[&str] = &["alert.webhooks"];

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a bad value; the message names the
    /// line and column.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML parser's report, with line, column and the offending key.
        message: String,
    },
    /// An environment override has a bad value.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong with it.
        message: String,
    },
    /// A value parsed but makes no sense.
    #[error("{key}: {message}")]
    Invalid {
        /// The dotted key.
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl Config {
    /// Parses a config file's text strictly. `path` is only used in error messages.
    pub fn from_toml(path: &Path, text: &str) -> Result<Config, ConfigError> {
        toml::from_str::<Config>(text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            message: err.to_string().trim_end().to_owned(),
        })
    }

    /// Loads the node's configuration: the file if given, then `MIRAGE_*` variables from
    /// `env`, then validation.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                // Strict parse first, for errors with line numbers.
                Config::from_toml(path, &text)?;
                toml::from_str::<toml::Table>(&text).map_err(|err| ConfigError::Parse {
                    path: path.to_owned(),
                    message: err.to_string(),
                })?
            }
            None => toml::Table::new(),
        };
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("MIRAGE_"))
            .collect();
        let mut config: Config =
            toml::Value::Table(table.clone())
                .try_into()
                .map_err(|err: toml::de::Error| ConfigError::Env {
                    var: "MIRAGE_*".into(),
                    message: err.message().to_owned(),
                })?;
        for setting in SETTINGS {
            let var = setting.env_var();
            if let Some(value) = env.get(&var) {
                let value = env_value(setting.kind, value).map_err(|message| ConfigError::Env {
                    var: var.clone(),
                    message,
                })?;
                insert_path(&mut table, setting.key, value);
                // One override at a time, so a bad value is blamed on its own variable.
                config = toml::Value::Table(table.clone()).try_into().map_err(
                    |err: toml::de::Error| ConfigError::Env {
                        var: var.clone(),
                        message: err.message().to_owned(),
                    },
                )?;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types cannot: SSH profile, admin exposure, userdb syntax, database URL,
    /// log limits.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.admin.listen.ip().is_loopback() && self.admin.token.is_empty() {
            return Err(ConfigError::Invalid {
                key: "admin.listen",
                message: format!(
                    "{} is not a loopback address; set admin.token to expose the admin listener",
                    self.admin.listen
                ),
            });
        }
        if self.ssh.profile != AUTO && SshProfile::by_id(&self.ssh.profile).is_none() {
            return Err(ConfigError::Invalid {
                key: "ssh.profile",
                message: UnknownProfile {
                    id: self.ssh.profile.clone(),
                }
                .to_string(),
            });
        }
        UserDb::parse(&self.auth.userdb).map_err(|message| ConfigError::Invalid {
            key: "auth.userdb",
            message,
        })?;
        if self.auth.policy == AuthPolicyKind::AcceptAfter && self.auth.accept_after == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.accept_after",
                message: "must be at least 1".into(),
            });
        }
        let url = &self.database.url;
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                key: "database.url",
                message: format!("{url:?} is neither empty, sqlite:PATH nor postgres://…"),
            });
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid {
                key: "database.pool_size",
                message: "must be at least 1".into(),
            });
        }
        for network in &self.samples.allow_networks {
            if network.parse::<ipnet::IpNet>().is_err() {
                return Err(ConfigError::Invalid {
                    key: "samples.allow_networks",
                    message: format!("{network:?} is not a network like 192.0.2.0/24"),
                });
            }
        }
        if self.samples.timeout_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "samples.timeout_secs",
                message: "must be at least 1".into(),
            });
        }
        if self.strategy.http_latency_min_ms > self.strategy.http_latency_max_ms {
            return Err(ConfigError::Invalid {
                key: "strategy.http_latency_min_ms",
                message: "must not exceed strategy.http_latency_max_ms".into(),
            });
        }
        if self.http.session_idle_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "http.session_idle_secs",
                message: "must be at least 1".into(),
            });
        }
        self.strategy.validate()?;
        self.alert.validate()?;
        self.reflex.validate()?;
        self.persona.validate()?;
        if self.log.max_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "log.max_bytes",
                message: "must be at least 1024".into(),
            });
        }
        Ok(())
    }

    /// The JSON log file.
    pub fn log_path(&self) -> PathBuf {
        self.data_dir.join("log").join("mirage.json")
    }
}

/// Turns an environment value into the TOML value its key expects.
fn env_value(kind: SettingKind, text: &str) -> Result<toml::Value, String> {
    Ok(match kind {
        SettingKind::Text => toml::Value::String(text.to_owned()),
        SettingKind::Integer => toml::Value::Integer(
            text.trim()
                .parse::<i64>()
                .map_err(|_| format!("{text:?} is not an integer"))?,
        ),
        SettingKind::Bool => toml::Value::Boolean(match text.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(format!("{text:?} is not true or false")),
        }),
        SettingKind::List => toml::Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.to_owned()))
                .collect(),
        ),
    })
}

/// Sets `a.b.c` in `table`, creating sub-tables as needed.
fn insert_path(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part.to_owned())
            .or_insert_with(|| toml::Value::Table(Default::default()));
        if !entry.is_table() {
            *entry = toml::Value::Table(Default::default());
        }
        // Invariant: the entry was made a table just above.
        current = entry.as_table_mut().expect("entry is a table");
    }
    current.insert(last.to_owned(), value);
}

#[cfg(test)]
mod tests;
