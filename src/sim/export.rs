//! A node's recorded session out of its store (`mirage export`).
//!
//! The session's events are read back with [`EventStore::events`] (oldest first; the
//! `events_session_id_idx` index of migration 1 serves the query) and written as one of:
//!
//! - [`Format::CowrieJson`]: each event as the JSON log writes it
//!   ([`cowrie_json`]), one per line;
//! - [`Format::Asciicast`]: the session's terminal recording, the file its `cowrie.log.closed`
//!   event names under the data directory, copied as it is;
//! - [`Format::Scenario`]: the events turned into Cowrie JSON values and fed to the importer
//!   ([`super::import`]), so a live session and a Cowrie log become scenarios the same way.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::import::{CowrieLog, Skipped, convert};
use crate::events::{Event, EventKind, SessionId};
use crate::outputs::jsonlog::cowrie_json;
use crate::store::{EventStore, StoreError};

/// Most events read for one session.
pub const MAX_EXPORT_EVENTS: usize = 200_000;

/// What `mirage export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A scenario file (YAML).
    Scenario,
    /// The asciicast v2 recording.
    Asciicast,
    /// Cowrie-compatible JSON lines.
    CowrieJson,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "scenario" => Ok(Format::Scenario),
            "asciicast" => Ok(Format::Asciicast),
            "cowrie-json" => Ok(Format::CowrieJson),
            other => Err(format!(
                "unknown format {other:?} (expected scenario, asciicast or cowrie-json)"
            )),
        }
    }
}

/// Why a session cannot be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Reading the store failed.
    #[error("cannot read the session's events")]
    Store(#[from] StoreError),
    /// The store holds no event of that session.
    #[error("no session {0} in the store")]
    NoSession(String),
    /// The session has no terminal recording.
    #[error("session {0} has no terminal recording")]
    NoRecording(String),
    /// The session cannot be made into a scenario.
    #[error(transparent)]
    Convert(#[from] Skipped),
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Writing the output failed.
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    /// No runtime could be started.
    #[error("cannot start a runtime")]
    Runtime(#[source] std::io::Error),
}

/// Writes `session` from `store` to `out` in `format`; recordings are looked up under
/// `data_dir`.
pub async fn export(
    store: &dyn EventStore,
    data_dir: &Path,
    session: &SessionId,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let events = store.events(Some(session), MAX_EXPORT_EVENTS).await?;
    if events.is_empty() {
        return Err(ExportError::NoSession(session.to_string()));
    }
    match format {
        Format::CowrieJson => {
            for event in &events {
                writeln!(out, "{}", cowrie_json(event)).map_err(ExportError::Write)?;
            }
        }
        Format::Scenario => {
            let yaml = scenario_yaml(session, &events)?;
            out.write_all(yaml.as_bytes()).map_err(ExportError::Write)?;
        }
        Format::Asciicast => {
            let path = recording(data_dir, session, &events)?;
            let mut file = std::fs::File::open(&path).map_err(|source| ExportError::Read {
                path: path.clone(),
                source,
            })?;
            std::io::copy(&mut file, out).map_err(ExportError::Write)?;
        }
    }
    out.flush().map_err(ExportError::Write)
}

/// The session's events as a scenario, through the Cowrie importer.
pub fn scenario_yaml(session: &SessionId, events: &[Event]) -> Result<String, ExportError> {
    let mut log = CowrieLog::default();
    for (i, event) in events.iter().enumerate() {
        log.add_value(i as u64 + 1, cowrie_json(event));
    }
    let Some(found) = log.sessions.iter().find(|s| s.session == session.0) else {
        return Err(ExportError::NoSession(session.to_string()));
    };
    let node = events.first().map_or("", |e| e.node.as_str());
    let converted = convert(found, &format!("mirage node {node}, session {session}"))?;
    Ok(converted.scenario.to_yaml())
}

/// The recording the session's `cowrie.log.closed` event names (a path relative to the data
/// directory that cannot leave it), or `tty/<session>.cast` when the node stopped before
/// closing it.
fn recording(
    data_dir: &Path,
    session: &SessionId,
    events: &[Event],
) -> Result<PathBuf, ExportError> {
    let named = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::LogClosed { ttylog, .. } => Some(ttylog.as_str()),
        _ => None,
    });
    let inside = |p: &Path| p.components().all(|c| matches!(c, Component::Normal(_)));
    if let Some(relative) = named.map(Path::new)
        && inside(relative)
    {
        return Ok(data_dir.join(relative));
    }
    let id = &session.0;
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        let path = data_dir.join("tty").join(format!("{id}.cast"));
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(ExportError::NoRecording(session.to_string()))
}

/// [`export`] on a fresh runtime, the store chosen by `config`: what `mirage export` runs.
pub fn export_blocking(
    config: &crate::config::Config,
    session: &SessionId,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExportError::Runtime)?;
    runtime.block_on(async {
        let store = crate::store::open(&config.database, &config.data_dir)?;
        export(store.as_ref(), &config.data_dir, session, format, out).await
    })
}

#[cfg(test)]
mod tests;
