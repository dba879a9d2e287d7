//! The dead-letter file: alerts no webhook took, one JSON line each, so nothing is lost.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::format::AlertPayload;

/// The file stops growing at this size (a dead webhook under a flood of alerts must not fill
/// the disk); further entries are logged as errors instead.
pub const DEAD_LETTER_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// One line of the dead-letter file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeadLetterEntry {
    /// When the alert was given up on.
    pub timestamp: DateTime<Utc>,
    /// The webhook's label (`json0`, `slack1`, …), never its URL.
    pub sink: String,
    /// Why: `rate_limited`, `http 500`, `timeout`, `connection failed`, `shutdown`, …
    pub reason: String,
    /// Delivery attempts made (0 when it was never tried).
    pub attempts: u32,
    /// The alert, as the generic JSON webhook would have received it.
    pub alert: AlertPayload,
}

/// Appends entries to the dead-letter file.
#[derive(Clone, Debug)]
pub struct DeadLetter {
    path: PathBuf,
}

impl DeadLetter {
    /// A dead-letter file at `path` (made, with its directory, on the first entry).
    pub fn new(path: PathBuf) -> DeadLetter {
        DeadLetter { path }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` as one line (a single write, so concurrent writers never interleave).
    pub fn append(&self, entry: &DeadLetterEntry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let size = file.metadata()?.len();
        if size + line.len() as u64 > DEAD_LETTER_MAX_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!("the dead-letter file has reached {DEAD_LETTER_MAX_BYTES} bytes"),
            ));
        }
        file.write_all(&line)
    }

    /// Every entry in the file (missing file: none; broken lines are skipped).
    pub fn read_all(&self) -> Vec<DeadLetterEntry> {
        std::fs::read_to_string(&self.path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::events::{SessionId, Severity};

    #[test]
    fn entries_are_appended_as_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let dead = DeadLetter::new(dir.path().join("alerts").join("dead-letter.jsonl"));
        let alert = AlertPayload {
            eventid: "mirage.alert".into(),
            id: uuid::Uuid::now_v7(),
            severity: Severity::Warning,
            rule: "download".into(),
            message: "a download".into(),
            details: BTreeMap::new(),
            node: "n".into(),
            session: SessionId("0123456789ab".into()),
            src_ip: "192.0.2.1".parse().unwrap(),
            timestamp: Utc::now(),
        };
        for (n, reason) in ["rate_limited", "http 500"].into_iter().enumerate() {
            dead.append(&DeadLetterEntry {
                timestamp: Utc::now(),
                sink: "json0".into(),
                reason: reason.into(),
                attempts: n as u32 * 6,
                alert: alert.clone(),
            })
            .unwrap();
        }
        let text = std::fs::read_to_string(dead.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let entries = dead.read_all();
        assert_eq!(entries[0].reason, "rate_limited");
        assert_eq!(entries[1].reason, "http 500");
        assert_eq!(entries[1].attempts, 6);
        assert_eq!(entries[1].alert, alert);
    }
}
