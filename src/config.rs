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

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
    /// Fault injection, for testing supervision. Off unless set.
    pub fault: FaultConfig,
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
            fault: FaultConfig::default(),
        }
    }
}

/// SSH decoy settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SshConfig {
    /// Socket to listen on. Map the public port 22 to it.
    pub listen: SocketAddr,
    /// Every rejected login attempt is answered after this many milliseconds, whatever the
    /// policy took, like OpenSSH with PAM's failure delay. 0 answers at once.
    pub auth_rejection_time_ms: u64,
    /// Which real OpenSSH release the decoy is (banner, algorithm lists, `ssh -V` in the
    /// shell): `auto` picks the one the host profile's distribution ships, or name one of
    /// `openssh_8.2p1_ubuntu`, `openssh_8.9p1_ubuntu`, `openssh_9.2p1_debian`,
    /// `openssh_9.6p1_ubuntu`. `docs/fingerprint.md` lists what still differs.
    pub profile: String,
    /// OpenSSH's `LoginGraceTime`: a connection not logged in after this many seconds is
    /// closed without a word, as sshd closes it. 0: no limit.
    pub login_grace_time_secs: u64,
    /// Most bytes one session may upload (scp and SFTP together). Uploads are stored once per
    /// content under `<data_dir>/uploads/<sha256>`; beyond this the transfer fails as on a
    /// full disk (`No space left on device`).
    pub upload_max_bytes: u64,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 2222)),
            auth_rejection_time_ms: 2000,
            profile: AUTO.to_owned(),
            login_grace_time_secs: 120,
            upload_max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Which login policy decides SSH logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthPolicyKind {
    /// Cowrie's userdb lines: a matching deny line rejects, else a matching allow line accepts,
    /// else the login fails (with Cowrie's own files, deny lines first, this is Cowrie's
    /// first-match rule).
    Userdb,
    /// Reject the first `auth.accept_after - 1` attempts from an address, accept the next, and
    /// from then on accept only the credentials that worked for that address.
    AcceptAfter,
}

/// SSH login policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `userdb` or `accept_after`.
    pub policy: AuthPolicyKind,
    /// Lines `user:x:password`. `*` matches anything, `/re/` or `/re/i` is a regular expression
    /// searched in the value (as Cowrie does; anchor with `^…$`), a password or a line starting
    /// with `!` denies. From the environment, separate lines with commas.
    pub userdb: Vec<String>,
    /// With `policy = "accept_after"`: the attempt number (per source address) that succeeds.
    pub accept_after: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            policy: AuthPolicyKind::Userdb,
            userdb: [
                "root:x:!root",
                "root:x:!123456",
                "root:x:*",
                "admin:x:!admin",
                "admin:x:*",
            ]
            .map(String::from)
            .to_vec(),
            accept_after: 3,
        }
    }
}

/// HTTP decoy settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Socket to listen on. Map the public port 80 to it.
    pub listen: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
        }
    }
}

/// Admin listener settings: UI, API, `/healthz`, `/readyz`, `/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Socket to listen on. Keep it on loopback; any other address requires `admin.token`.
    pub listen: SocketAddr,
    /// Bearer token required on every admin path except `/healthz` and `/readyz`. Empty means
    /// no token, which is only allowed on a loopback address.
    pub token: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            token: String::new(),
        }
    }
}

/// Event store settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: embedded SQLite at `<data_dir>/mirage.db`. `sqlite:PATH`: SQLite at PATH.
    /// `postgres://user@host:port/db`: PostgreSQL, shared by a fleet of nodes.
    pub url: String,
    /// Most connections the PostgreSQL pool opens.
    pub pool_size: usize,
    /// How long one attempt to reach the database may take before the node spools and retries.
    pub connect_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            pool_size: 4,
            connect_timeout_ms: 3000,
        }
    }
}

/// JSON log settings. The log is `<data_dir>/log/mirage.json`; rotated files sit beside it as
/// `mirage.json.<UTC timestamp>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Write the JSON log at all.
    pub enabled: bool,
    /// Rotate when the current file would grow past this many bytes.
    pub max_bytes: u64,
    /// Rotate when the current file is older than this many seconds (0: never by age).
    pub rotate_secs: u64,
    /// How many rotated files to keep; older ones are deleted.
    pub keep: usize,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            enabled: true,
            max_bytes: 100 * 1024 * 1024,
            rotate_secs: 86_400,
            keep: 14,
        }
    }
}

/// The fake filesystem. Each attacker (source address and login name) gets a copy-on-write
/// overlay of the host's filesystem image, kept in memory after they leave so a reconnect
/// finds their files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FsConfig {
    /// How long an attacker's files are kept after their last session ends, in seconds
    /// (0: forgotten when the session ends).
    pub persist_secs: u64,
    /// Most bytes of file contents one attacker may write; beyond it writes fail with `No
    /// space left on device`, like a full disk.
    pub overlay_max_bytes: u64,
    /// Most files, directories and links one attacker may create or change; beyond it, `No
    /// space left on device`.
    pub overlay_max_files: u64,
}

impl Default for FsConfig {
    fn default() -> Self {
        FsConfig {
            persist_secs: 86_400,
            overlay_max_bytes: 16 * 1024 * 1024,
            overlay_max_files: 5000,
        }
    }
}

/// Terminal recordings: one asciicast v2 file per interactive session at
/// `<data_dir>/tty/<session>.cast`, playable with `asciinema play`, announced by a
/// `cowrie.log.closed` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingConfig {
    /// Record interactive sessions at all.
    pub enabled: bool,
    /// A recording stops growing at this many bytes (it ends with a marker saying so).
    pub max_bytes: u64,
}

impl Default for RecordingConfig {
    fn default() -> Self {
        RecordingConfig {
            enabled: true,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Fault injection for supervision tests. Never set this on a real sensor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// When a shell line contains this text, the session's handler panics (empty: off).
    pub panic_on_input: String,
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
    setting("auth.policy", SettingKind::Text),
    setting("auth.userdb", SettingKind::List),
    setting("auth.accept_after", SettingKind::Integer),
    setting("http.listen", SettingKind::Text),
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
    setting("fault.panic_on_input", SettingKind::Text),
];

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
