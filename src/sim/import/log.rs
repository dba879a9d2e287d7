//! Reading Cowrie JSON logs: one event object per line, grouped by session, bad lines
//! reported with their number and skipped. Every read is bounded (line length, sessions,
//! events per session, errors kept).

use std::collections::HashMap;
use std::io::BufRead;
use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::sim::scenario::MAX_STEPS;

/// Longest log line read (bytes); longer lines are reported and skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most sessions one import keeps; lines of further sessions are reported and skipped.
pub const MAX_SESSIONS: usize = 100_000;

/// Most events kept per session; the rest are reported and skipped.
pub const MAX_EVENTS_PER_SESSION: usize = 4 * MAX_STEPS;

/// Most line errors kept (the rest are only counted).
pub const MAX_ERRORS: usize = 1_000;

/// A log line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One usable Cowrie event.
#[derive(Debug, Clone, PartialEq)]
pub struct CowrieEvent {
    /// Where it was read (1-based line; 0 when not from a file).
    pub line: u64,
    /// `eventid`, e.g. `cowrie.command.input`.
    pub eventid: String,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// The whole object.
    pub fields: Map<String, Value>,
}

impl CowrieEvent {
    /// The text field `key`, if present and text.
    pub(super) fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }
}

/// One session's events, in log order.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLog {
    /// Cowrie's session id.
    pub session: String,
    /// Its events.
    pub events: Vec<CowrieEvent>,
}

/// A Cowrie log read so far: sessions in order of first appearance, and the bad lines.
#[derive(Debug, Default)]
pub struct CowrieLog {
    /// The sessions.
    pub sessions: Vec<SessionLog>,
    /// Lines that could not be used (at most [`MAX_ERRORS`]).
    pub errors: Vec<LineError>,
    /// Bad lines beyond [`MAX_ERRORS`].
    pub more_errors: u64,
    by_id: HashMap<String, usize>,
}

impl CowrieLog {
    /// Reads a whole log, one JSON object per line; blank lines are ignored. Fails only when
    /// reading fails.
    pub fn read(mut reader: impl BufRead) -> std::io::Result<CowrieLog> {
        let mut log = CowrieLog::default();
        let mut buf = Vec::new();
        let mut line = 0u64;
        loop {
            buf.clear();
            let n = std::io::Read::take(&mut reader, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            line += 1;
            if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                skip_rest_of_line(&mut reader)?;
                log.error(line, format!("longer than {MAX_LINE_BYTES} bytes"));
                continue;
            }
            match std::str::from_utf8(&buf) {
                Ok(text) => log.add_line(line, text),
                Err(_) => log.error(line, "not UTF-8 text".into()),
            }
        }
        Ok(log)
    }

    /// Reads a log held in memory.
    pub fn parse(text: &str) -> CowrieLog {
        let mut log = CowrieLog::default();
        for (i, line) in text.lines().enumerate() {
            log.add_line(i as u64 + 1, line);
        }
        log
    }

    /// Adds one line of text.
    pub fn add_line(&mut self, line: u64, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if text.len() > MAX_LINE_BYTES {
            return self.error(line, format!("longer than {MAX_LINE_BYTES} bytes"));
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => self.add_value(line, value),
            Err(err) => self.error(line, format!("not a JSON object: {err}")),
        }
    }

    /// Adds one parsed event object.
    pub fn add_value(&mut self, line: u64, value: Value) {
        match event(line, value) {
            Ok((session, event)) => self.push(line, session, event),
            Err(message) => self.error(line, message),
        }
    }

    fn push(&mut self, line: u64, session: String, event: CowrieEvent) {
        let index = match self.by_id.get(&session) {
            Some(&i) => i,
            None => {
                if self.sessions.len() >= MAX_SESSIONS {
                    return self.error(line, format!("more than {MAX_SESSIONS} sessions"));
                }
                self.by_id.insert(session.clone(), self.sessions.len());
                self.sessions.push(SessionLog {
                    session,
                    events: Vec::new(),
                });
                self.sessions.len() - 1
            }
        };
        let events = &mut self.sessions[index].events;
        if events.len() >= MAX_EVENTS_PER_SESSION {
            return self.error(
                line,
                format!("more than {MAX_EVENTS_PER_SESSION} events in one session"),
            );
        }
        events.push(event);
    }

    fn error(&mut self, line: u64, message: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(LineError { line, message });
        } else {
            self.more_errors += 1;
        }
    }
}

/// Discards input up to and including the next line end.
fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

/// Checks one event object: the envelope every line needs, and the fields the conversion
/// reads for its kind.
fn event(line: u64, value: Value) -> Result<(String, CowrieEvent), String> {
    let Value::Object(fields) = value else {
        return Err("not a JSON object".into());
    };
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("`{key}` is not text")),
        None => Err(format!("no `{key}`")),
    };
    let eventid = text("eventid")?;
    let session = text("session")?;
    if session.is_empty() {
        return Err("empty `session`".into());
    }
    let at = text("timestamp")?;
    let timestamp = parse_time(&at).ok_or_else(|| format!("`timestamp` {at:?} is not a date"))?;
    let needs: &[&str] = match eventid.as_str() {
        "cowrie.login.success" | "cowrie.login.failed" => &["username", "password"],
        "cowrie.command.input" | "cowrie.command.failed" => &["input"],
        "cowrie.client.version" => &["version"],
        "cowrie.session.file_download" => &["url"],
        _ => &[],
    };
    for key in needs {
        text(key).map_err(|e| format!("{eventid}: {e}"))?;
    }
    if eventid == "cowrie.session.connect" {
        let ip = text("src_ip").map_err(|e| format!("{eventid}: {e}"))?;
        if ip.parse::<IpAddr>().is_err() {
            return Err(format!("{eventid}: `src_ip` {ip:?} is not an address"));
        }
    }
    Ok((
        session,
        CowrieEvent {
            line,
            eventid,
            timestamp,
            fields,
        },
    ))
}

/// Cowrie's timestamps: RFC 3339 (`…Z`, 2.x and 3.x), or without a zone (older 2.x), read as
/// UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}
