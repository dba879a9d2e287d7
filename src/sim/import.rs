//! Turning Cowrie JSON logs into scenarios (`mirage import cowrie`).
//!
//! A Cowrie JSON log holds one event object per line, sessions interleaved. [`CowrieLog`]
//! groups the lines by `session` (bad lines become [`LineError`]s naming the line, and are
//! skipped), and [`convert`] turns one session into a [`Scenario`]: who connected (address,
//! port, client version), the credentials in the order tried with the accepted one last, one
//! step per `cowrie.command.input` with the delay taken from the timestamps, PTY or exec from
//! whether the client sent a terminal size, and expectations that must hold on a faithful
//! emulator (login outcome, downloads, commands no shell knows, whether the shell was left).
//!
//! Both log generations are read: Cowrie 2.x (`duration` in seconds, timestamps with or without
//! `Z`, `b'…'`-quoted client versions) and 3.x (`duration_ms`). On `cowrie.direct-tcpip.*`
//! lines `src_ip` is the originator the client claimed, not the attacker, so the attacker's
//! address is taken from the other lines. [`crate::sim::export`] feeds the node's own events
//! through the same code.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::scenario::{
    Attacker, Credential, EventExpect, Expectations, FORMAT_VERSION, MAX_STEPS, Scenario, Step,
};

mod log;

pub use log::{
    CowrieEvent, CowrieLog, LineError, MAX_ERRORS, MAX_EVENTS_PER_SESSION, MAX_LINE_BYTES,
    MAX_SESSIONS, SessionLog,
};

/// A scenario made from a session, with what the conversion left out.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The scenario.
    pub scenario: Scenario,
    /// Things in the recording the scenario does not replay (also in its description).
    pub notes: Vec<String>,
}

/// Why a session gives no scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skipped {
    /// No login was attempted: there is nothing a replay could do.
    #[error("session {0}: no login attempt, nothing to replay")]
    NoLogin(String),
    /// The session has no events.
    #[error("session {0}: no events")]
    Empty(String),
}

/// Converts one session into a scenario; `source` says where the log came from.
pub fn convert(log: &SessionLog, source: &str) -> Result<Converted, Skipped> {
    let session = &log.session;
    let first = log
        .events
        .first()
        .ok_or_else(|| Skipped::Empty(session.clone()))?;
    let start = first.timestamp;
    let mut notes = Vec::new();
    let mut attacker = Attacker {
        credentials: Vec::new(),
        ..Attacker::default()
    };
    let mut address_seen = false;
    let mut accepted = None;
    let mut after_accept = 0usize;
    let mut steps = Vec::new();
    let mut last_step_at = start;
    let mut terminal = false;
    let mut downloads: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut uploads = 0usize;
    let mut typed_exit = false;
    let mut sensor = None;
    for event in &log.events {
        let forward = event.eventid.starts_with("cowrie.direct-tcpip.");
        if !forward
            && (!address_seen || event.eventid == "cowrie.session.connect")
            && let Some(ip) = event.text("src_ip").and_then(|s| s.parse::<IpAddr>().ok())
        {
            attacker.ip = ip.to_canonical();
            address_seen = true;
            if let Some(port) = event.fields.get("src_port").and_then(port_of) {
                attacker.port = port;
            }
        }
        if sensor.is_none() {
            sensor = event.text("sensor").map(str::to_owned);
        }
        match event.eventid.as_str() {
            "cowrie.client.version" => {
                attacker.client = unquote_version(event.text("version").unwrap_or_default());
            }
            "cowrie.login.failed" | "cowrie.login.success" => {
                let credential = Credential {
                    username: event.text("username").unwrap_or_default().to_owned(),
                    password: event.text("password").unwrap_or_default().to_owned(),
                };
                if accepted.is_some() {
                    after_accept += 1;
                } else if event.eventid == "cowrie.login.success" {
                    accepted = Some(credential);
                } else {
                    attacker.credentials.push(credential);
                }
            }
            "cowrie.client.size" => {
                terminal = true;
                if let Some(width) = event.fields.get("width").and_then(Value::as_u64) {
                    attacker.columns = width.clamp(1, 1000) as u32;
                }
            }
            id if id.ends_with(".term") => terminal = true,
            "cowrie.command.input" => {
                let input = event.text("input").unwrap_or_default();
                if steps.len() >= MAX_STEPS {
                    notes.push(format!("inputs after the first {MAX_STEPS} dropped"));
                    continue;
                }
                let delay = seconds_between(last_step_at, event.timestamp);
                if event.timestamp > last_step_at {
                    last_step_at = event.timestamp;
                }
                if !typed_exit && leaves_shell(input) {
                    typed_exit = true;
                }
                steps.push(Step {
                    delay,
                    input: Some(input.to_owned()),
                    ..Step::default()
                });
            }
            "cowrie.command.failed" => {
                if let Some(name) = unknown_command(event.text("input").unwrap_or_default())
                    && !failed.contains(&name)
                {
                    failed.push(name);
                }
            }
            "cowrie.session.file_download" => {
                let url = event.text("url").unwrap_or_default().to_owned();
                if !url.is_empty() && !downloads.contains(&url) {
                    downloads.push(url);
                }
            }
            "cowrie.session.file_upload" => {
                uploads += 1;
                let name = event
                    .text("destfile")
                    .or_else(|| event.text("filename"))
                    .unwrap_or("?");
                let sha = event.text("shasum").unwrap_or("?");
                notes.push(format!(
                    "upload of {name} (sha256 {sha}) not replayed: its content is not in the log"
                ));
            }
            id if id.starts_with("cowrie.direct-tcpip.") && id.ends_with(".request") => {
                let to = event.text("dst_ip").unwrap_or("?");
                let port = event.fields.get("dst_port").and_then(port_of).unwrap_or(0);
                let note = format!("direct-tcpip forward to {to}:{port} not replayed");
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            _ => {}
        }
    }
    let logged_in = accepted.is_some();
    match accepted {
        Some(credential) => attacker.credentials.push(credential),
        None if attacker.credentials.is_empty() => return Err(Skipped::NoLogin(session.clone())),
        None => {}
    }
    if after_accept > 0 {
        notes.push(format!(
            "{after_accept} login attempts after the accepted one left out"
        ));
    }
    // Lines typed without any terminal size are exec requests (`ssh host 'cmd'`).
    attacker.pty = terminal || steps.is_empty();

    let mut events: Vec<EventExpect> = downloads
        .into_iter()
        .map(|url| EventExpect {
            eventid: "cowrie.session.file_download".into(),
            fields: BTreeMap::from([("url".into(), url)]),
            count: None,
        })
        .collect();
    // A name uploaded in this session may be a file the attacker then ran; only names no
    // shell could find must fail.
    if uploads == 0 {
        events.extend(failed.into_iter().map(|name| EventExpect {
            eventid: "cowrie.command.failed".into(),
            fields: BTreeMap::from([("input".into(), name)]),
            count: None,
        }));
    }
    let session_open = if !logged_in || !attacker.pty {
        None
    } else {
        Some(!typed_exit)
    };
    let expect = Expectations {
        events,
        logged_in: Some(logged_in),
        session_open,
        ..Expectations::default()
    };

    let mut description = format!(
        "Cowrie session {session} from {}:{} ({} events{}).",
        attacker.ip,
        attacker.port,
        log.events.len(),
        sensor.map_or(String::new(), |s| format!(", sensor {s}")),
    );
    for note in &notes {
        description.push_str("\nNot replayed: ");
        description.push_str(note);
    }
    let scenario = Scenario {
        version: FORMAT_VERSION,
        name: format!("cowrie-{}", file_safe(session)),
        description,
        source: source.to_owned(),
        tags: vec!["cowrie-import".into()],
        seed: 1,
        start,
        http_lure: crate::config::HttpConfig::default().lure,
        attacker,
        steps: steps
            .into_iter()
            .map(|s| Spanned::new(s, Location::UNKNOWN, Location::UNKNOWN))
            .collect(),
        expect,
    };
    Ok(Converted { scenario, notes })
}

/// A port number from a JSON number or text.
fn port_of(value: &Value) -> Option<u16> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Seconds from `from` to `to`, in milliseconds, within what a step allows (0 to a day).
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let ms = (to - from).num_milliseconds().clamp(0, 86_400_000);
    ms as f64 / 1000.0
}

/// Older Cowrie logged the client version as Python's repr of bytes (`b'SSH-2.0-Go'`) or of a
/// string (`'SSH-2.0-Go'`).
fn unquote_version(version: &str) -> String {
    let inner = version
        .strip_prefix("b'")
        .or_else(|| version.strip_prefix('\''))
        .and_then(|v| v.strip_suffix('\''));
    inner.unwrap_or(version).to_owned()
}

/// Whether a typed line ends the shell: one of its commands (split at `;`, `&&`, `||`, `|`,
/// `&`) is `exit` or `logout`.
fn leaves_shell(input: &str) -> bool {
    input
        .split([';', '&', '|', '\n'])
        .filter_map(|part| part.split_whitespace().next())
        .any(|word| word == "exit" || word == "logout")
}

/// The command Cowrie could not run (the whole simple command, as Cowrie logs it), when bash
/// would not find it either: its name is plain (no path, no expansion), not a builtin or
/// keyword and not a command Mirage's shell has.
fn unknown_command(input: &str) -> Option<String> {
    let name = input.split_whitespace().next()?;
    let plain = name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+'));
    let known = crate::shell::is_bash_word(name) || crate::shell::commands::lookup(name).is_some();
    // Cowrie logs, and Mirage reports, the whole simple command (`zzminer --threads 4`).
    (plain && !known && !name.starts_with('.')).then(|| input.trim().to_owned())
}

/// A session id as a file name part: ASCII letters, digits, `-` and `_`, at most 64.
fn file_safe(session: &str) -> String {
    let safe: String = session
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() { "_".into() } else { safe }
}

/// Converts every session of `log`: the scenarios (names made unique) and the sessions
/// skipped.
pub fn convert_all(log: &CowrieLog, source: &str) -> (Vec<Converted>, Vec<Skipped>) {
    let mut done: Vec<Converted> = Vec::new();
    let mut skipped = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for session in &log.sessions {
        match convert(session, source) {
            Ok(mut converted) => {
                let seen = names.entry(converted.scenario.name.clone()).or_insert(0);
                *seen += 1;
                if *seen > 1 {
                    converted.scenario.name = format!("{}-{seen}", converted.scenario.name);
                }
                done.push(converted);
            }
            Err(skip) => skipped.push(skip),
        }
    }
    (done, skipped)
}

/// What [`import_file`] did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Scenario files written.
    pub written: Vec<std::path::PathBuf>,
    /// Bad log lines, skipped.
    pub errors: Vec<LineError>,
    /// Bad lines beyond those listed.
    pub more_errors: u64,
    /// Sessions that gave no scenario.
    pub skipped: Vec<Skipped>,
}

/// Reads the Cowrie log `file` and writes one scenario per session into `out` (created if
/// missing) as `<name>.yaml`. Fails only when the log cannot be read or a file cannot be
/// written; bad lines and unusable sessions are in the report.
pub fn import_file(
    file: &std::path::Path,
    out: &std::path::Path,
) -> Result<ImportReport, ImportError> {
    let io = |path: &std::path::Path| {
        let path = path.to_owned();
        move |source| ImportError { path, source }
    };
    let reader = std::fs::File::open(file).map_err(io(file))?;
    let log = CowrieLog::read(std::io::BufReader::new(reader)).map_err(io(file))?;
    let source = format!(
        "cowrie json log {}",
        file.file_name().unwrap_or_default().to_string_lossy()
    );
    let (converted, skipped) = convert_all(&log, &source);
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut written = Vec::new();
    for c in converted {
        let path = out.join(format!("{}.yaml", c.scenario.name));
        std::fs::write(&path, c.scenario.to_yaml()).map_err(io(&path))?;
        written.push(path);
    }
    Ok(ImportReport {
        written,
        errors: log.errors,
        more_errors: log.more_errors,
        skipped,
    })
}

/// A file [`import_file`] could not read or write.
#[derive(Debug, thiserror::Error)]
#[error("{}", path.display())]
pub struct ImportError {
    /// The file.
    pub path: std::path::PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

#[cfg(test)]
mod tests;
