//! Formatting shared by the pages: times, durations, and session rows as plain strings (the
//! templates then only print escaped text).

use chrono::{DateTime, Utc};

use crate::store::sessions::SessionSummary;

/// `2026-11-21 13:05:09` (UTC).
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `4m 12s`, `850 ms`, `2h 03m`.
pub fn duration_ms(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms} ms"),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// One session as a table row.
pub struct SessionRow {
    /// Session id (links to the detail page).
    pub id: String,
    /// Start time.
    pub start: String,
    /// `ssh` or `http`.
    pub protocol: &'static str,
    /// Source address.
    pub src_ip: String,
    /// Last successful user name, or empty.
    pub username: String,
    /// Latest class, or empty.
    pub class: String,
    /// Latest attack phase, or empty.
    pub phase: String,
    /// Deception settings in force (`latency=… …`), or empty.
    pub strategy: String,
    /// Commands entered.
    pub commands: u64,
    /// Downloads and uploads.
    pub files: u64,
    /// `read`, `used` or empty.
    pub honeytoken: &'static str,
    /// Duration, or `live`.
    pub duration: String,
}

impl SessionRow {
    /// The row of `s`.
    pub fn of(s: &SessionSummary) -> SessionRow {
        SessionRow {
            id: s.session.0.clone(),
            start: time(s.start),
            protocol: s.protocol.as_str(),
            src_ip: s.src_ip.to_string(),
            username: s.username.clone().unwrap_or_default(),
            class: s.class.clone().unwrap_or_default(),
            phase: s.phase.clone().unwrap_or_default(),
            strategy: s.strategy.clone().unwrap_or_default(),
            commands: s.commands,
            files: s.downloads + s.uploads,
            honeytoken: if s.honeytoken_used {
                "used"
            } else if s.honeytoken_read {
                "read"
            } else {
                ""
            },
            duration: match (s.closed, s.duration_ms) {
                (true, Some(ms)) => duration_ms(ms),
                (true, None) => "closed".to_owned(),
                (false, _) => "live".to_owned(),
            },
        }
    }
}
