//! The scenario file format (`scenarios/*.yaml`, version 1; documented in `docs/scenarios.md`).
//!
//! A scenario is one attacker session: who connects (address, client, credentials), what they
//! type and when, and what the node is expected to answer. Loading is strict: unknown keys,
//! wrong types and values that make no sense are errors naming the file, the line and the
//! field, and loading never panics whatever the file holds.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::config::HttpLure;

mod http;
pub use http::HttpStep;

/// The format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Largest scenario file read (bytes).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// Most steps in one scenario.
pub const MAX_STEPS: usize = 10_000;

/// One attacker session and what the node should answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Must be [`FORMAT_VERSION`].
    pub version: u32,
    /// A short unique name (the test's name).
    pub name: String,
    /// What the session shows, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Where it comes from (a capture, an attack family, "hand-written").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Free labels (attack family, features exercised).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The fake host's seed: the same seed gives the same host (hostname, CPU, users, …).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// When the session starts (virtual time); the host booted some days before.
    #[serde(default = "default_start")]
    pub start: DateTime<Utc>,
    /// The site the node's HTTP decoy shows to `http` steps (default `nginx`, the node's
    /// default).
    #[serde(default = "default_lure", skip_serializing_if = "is_default_lure")]
    pub http_lure: HttpLure,
    /// Who connects.
    #[serde(default)]
    pub attacker: Attacker,
    /// What they do, in order.
    #[serde(default)]
    pub steps: Vec<Spanned<Step>>,
    /// What must hold at the end.
    #[serde(default)]
    pub expect: Expectations,
}

fn default_lure() -> HttpLure {
    crate::config::HttpConfig::default().lure
}

fn is_default_lure(lure: &HttpLure) -> bool {
    *lure == default_lure()
}

fn default_seed() -> u64 {
    1
}

/// 2026-01-05 10:00:00 UTC.
fn default_start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_607_200, 0).unwrap_or_default()
}

/// The attacker side of the connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attacker {
    /// Source address.
    pub ip: IpAddr,
    /// Source port.
    pub port: u16,
    /// SSH client identification string.
    pub client: String,
    /// Passwords tried, in order, until one is accepted by the node's auth policy. Empty: no
    /// SSH connection at all (an HTTP-only scenario).
    pub credentials: Vec<Credential>,
    /// Interactive shell on a PTY (`true`) or one exec request per input (`false`).
    pub pty: bool,
    /// The PTY's columns.
    pub columns: u32,
}

impl Default for Attacker {
    fn default() -> Self {
        Attacker {
            ip: IpAddr::from([203, 0, 113, 10]),
            port: 40_000,
            client: "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6".into(),
            // Accepted by the default userdb (which refuses root/root and root/123456).
            credentials: vec![Credential {
                username: "root".into(),
                password: "toor".into(),
            }],
            pty: true,
            columns: 80,
        }
    }
}

/// A username and password tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// One thing the attacker does.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Seconds since the previous step (or since login for the first).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay: f64,
    /// A line typed at the shell (or the command of an exec request when `pty` is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// A file uploaded with `scp -t` before the next step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<Upload>,
    /// An HTTP request to the node's decoy (a step of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpStep>,
    /// What this step's output must satisfy.
    #[serde(default, skip_serializing_if = "StepExpect::is_empty")]
    pub expect: StepExpect,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A file the attacker uploads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// Where it lands in the fake filesystem (absolute, or relative to the home directory).
    pub path: String,
    /// Its contents, as text.
    pub content: String,
    /// Its mode (octal text, e.g. `"0755"`).
    #[serde(default = "default_mode")]
    pub mode: String,
}

fn default_mode() -> String {
    "0644".into()
}

/// Checks on one step's output (the terminal text after the typed line, up to the next
/// prompt, with `\r\n` read as `\n`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StepExpect {
    /// The whole output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Texts the output contains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<String>,
    /// Texts the output must not contain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_contains: Vec<String>,
    /// A regular expression the output matches (multi-line mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// The exit status of the line (`$?` after it); for an `http` step, the HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// For an `http` step: response headers (name in any case) that must be present, each
    /// with a text its value contains (`""`: just present).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, String>,
}

impl StepExpect {
    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        self == &StepExpect::default()
    }
}

/// Checks on the whole session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Expectations {
    /// Events that must have been emitted (each at least once).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventExpect>,
    /// Event ids that must not appear.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub no_events: Vec<String>,
    /// Alert rules that must have fired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
    /// Whether the login succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged_in: Option<bool>,
    /// Whether the shell is still open after the last step (the attacker did not `exit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_open: Option<bool>,
    /// The attacker class the classifier must conclude (needs the classifier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The least next-command prediction accuracy over the session's commands (needs a
    /// next-command model loaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<PredictionExpect>,
}

/// Least shares of the session's commands (those scored in `mirage.prediction` events) that
/// the next-command model predicted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PredictionExpect {
    /// The first guess was the command, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_top1: Option<f64>,
    /// One of the three guesses was the command, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_top3: Option<f64>,
}

/// An event that must appear: its Cowrie/Mirage event id, optionally with field values (as
/// they appear in the JSON log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventExpect {
    /// e.g. `cowrie.session.file_download`.
    pub eventid: String,
    /// Field values the event must carry, compared as text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Exactly this many such events (default: at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// Why a scenario file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid YAML, an unknown key, or a value of the wrong type; the parser's message
    /// names the line and column and shows the spot.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// The parser's report.
        message: String,
    },
    /// A value parsed but makes no sense.
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// The field, as a path (`steps[3].expect.matches`).
        field: String,
        /// What is wrong.
        message: String,
    },
}

impl Scenario {
    /// Reads and checks `file`.
    pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
        let read = |source| ScenarioError::Read {
            file: file.to_owned(),
            source,
        };
        let size = std::fs::metadata(file).map_err(read)?.len();
        if size > MAX_FILE_BYTES {
            return Err(ScenarioError::Invalid {
                file: file.to_owned(),
                line: 0,
                field: "(file)".into(),
                message: format!("{size} bytes; scenario files are at most {MAX_FILE_BYTES}"),
            });
        }
        let text = std::fs::read_to_string(file).map_err(read)?;
        Scenario::parse(file, &text)
    }

    /// Parses and checks a scenario's text; `file` names it in errors.
    pub fn parse(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario =
            serde_saphyr::from_str(text).map_err(|err| ScenarioError::Parse {
                file: file.to_owned(),
                message: err.to_string().trim_end().to_owned(),
            })?;
        scenario.check(file)?;
        Ok(scenario)
    }

    /// The checks types cannot make.
    fn check(&self, file: &Path) -> Result<(), ScenarioError> {
        let invalid = |line: u64, field: String, message: String| ScenarioError::Invalid {
            file: file.to_owned(),
            line,
            field,
            message,
        };
        if self.version != FORMAT_VERSION {
            return Err(invalid(
                0,
                "version".into(),
                format!(
                    "{} is not a format this build reads (it reads {FORMAT_VERSION})",
                    self.version
                ),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(invalid(0, "name".into(), "must not be empty".into()));
        }
        if self.attacker.credentials.is_empty()
            && self
                .steps
                .iter()
                .any(|s| s.value.input.is_some() || s.value.upload.is_some())
        {
            return Err(invalid(
                0,
                "attacker.credentials".into(),
                "at least one credential (`input` and `upload` steps need an SSH login)".into(),
            ));
        }
        if self.steps.len() > MAX_STEPS {
            return Err(invalid(
                0,
                "steps".into(),
                format!("{} steps; at most {MAX_STEPS}", self.steps.len()),
            ));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let line = step.referenced.line();
            let s = &step.value;
            if !(s.delay.is_finite() && (0.0..=86_400.0).contains(&s.delay)) {
                return Err(invalid(
                    line,
                    format!("steps[{i}].delay"),
                    format!("{} is not a number of seconds from 0 to 86400", s.delay),
                ));
            }
            if s.input.is_none() && s.upload.is_none() && s.http.is_none() {
                return Err(invalid(
                    line,
                    format!("steps[{i}]"),
                    "a step needs `input`, `upload` or `http`".into(),
                ));
            }
            if let Some(http) = &s.http {
                if s.input.is_some() || s.upload.is_some() {
                    return Err(invalid(
                        line,
                        format!("steps[{i}].http"),
                        "an `http` step cannot also have `input` or `upload`".into(),
                    ));
                }
                if let Some((field, message)) = http.problem() {
                    return Err(invalid(line, format!("steps[{i}].http.{field}"), message));
                }
            } else if !s.expect.header.is_empty() {
                return Err(invalid(
                    line,
                    format!("steps[{i}].expect.header"),
                    "only an `http` step has response headers".into(),
                ));
            }
            if let Some(pattern) = &s.expect.matches
                && let Err(err) = super::patterns::compile(pattern)
            {
                return Err(invalid(
                    line,
                    format!("steps[{i}].expect.matches"),
                    format!("not a regular expression: {err}"),
                ));
            }
            if let Some(upload) = &s.upload
                && u32::from_str_radix(&upload.mode, 8).map_or(true, |m| m > 0o7777)
            {
                return Err(invalid(
                    line,
                    format!("steps[{i}].upload.mode"),
                    format!("{:?} is not an octal mode like \"0755\"", upload.mode),
                ));
            }
        }
        if let Some(prediction) = &self.expect.prediction {
            for (name, share) in [
                ("min_top1", prediction.min_top1),
                ("min_top3", prediction.min_top3),
            ] {
                if let Some(share) = share
                    && !(0.0..=1.0).contains(&share)
                {
                    return Err(invalid(
                        0,
                        format!("expect.prediction.{name}"),
                        format!("{share} is not between 0 and 1"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The scenario as YAML text (what `mirage import` writes).
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_default()
    }
}

/// Every `*.yaml`/`*.yml` file under `paths` (files as given, folders searched recursively),
/// sorted.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ScenarioError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files, 0).map_err(|source| ScenarioError::Read {
                file: path.clone(),
                source,
            })?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 16 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
