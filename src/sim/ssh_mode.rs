//! SSH replay mode (`mirage replay --ssh`): each scenario against a real node over a real
//! loopback SSH connection, for end-to-end checks of what the in-process [`Replayer`] skips
//! (key exchange, the russh handler, channel plumbing, the scp protocol).
//!
//! For each scenario a [`Node`] starts in-process on `127.0.0.1:0` with a fresh data
//! directory whose `host.json` is generated from the scenario's seed and start (the host the
//! in-process replay uses) and with recording off. A russh client then logs in with each
//! credential in order on one connection, opens a PTY shell (or one exec channel per input
//! when `pty: false`), types each line with `\r` and reads up to the next prompt, and sends
//! uploads through an `scp -t` channel as OpenSSH's `scp` does; `http` steps go as raw
//! HTTP/1.1 over a fresh TCP connection each to the node's decoy port (its lure the scenario's
//! `http_lure`). A subscriber on the node's event sink keeps the sessions' events. The observed session becomes a [`Replay`] checked by
//! the same [`expect::check`], so one file's expectations hold in both modes.
//!
//! Some checks cannot be made from outside: `$?` after a PTY line (reading it would mean
//! typing more, which changes history and events) and the addresses of events (the session
//! comes from loopback). Those expectations are left out and counted in
//! [`SshReport::unchecked`], never passed silently. Delays are slept only with `real_time`;
//! the node runs on the real clock, so time-dependent outputs may differ from the in-process
//! mode.
//!
//! [`Replayer`]: super::replay::Replayer

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::{FutureExt as _, StreamExt as _};
use serde::Serialize;

use super::expect;
use super::replay::Replay;
use super::report::ScenarioReport;
use super::runner::RunOptions;
use super::scenario::Scenario;
use crate::actors::alert::AlertCount;
use crate::actors::sink::{Flush, Subscribe};
use crate::app::Node;
use crate::config::Config;
use crate::events::SessionId;
use crate::host::HostProfile;
use observer::{Closed, Observer, TakeAll};

mod client;
mod http_client;
mod observer;
mod screen;

pub use screen::step_output;

/// Longest wait for the node to log the session's end after the client disconnects.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Event fields that name addresses: over loopback they are never the recording's.
const ADDRESS_FIELDS: [&str; 4] = ["src_ip", "src_port", "dst_ip", "dst_port"];

/// The outcome of one scenario replayed over SSH.
#[derive(Debug, Clone, Serialize)]
pub struct SshReport {
    /// The same report the in-process mode gives.
    #[serde(flatten)]
    pub report: ScenarioReport,
    /// Expectations that could not be checked over SSH (`status` of PTY lines, event
    /// address fields); they count neither as passed nor as failed.
    pub unchecked: usize,
}

impl SshReport {
    /// The in-process table, plus a line saying how many checks could not be made.
    pub fn table(&self) -> String {
        let table = self.report.table();
        if self.unchecked == 0 || self.report.error.is_some() {
            return table;
        }
        let note = format!(
            "      unchecked over SSH: {} (`status` after a PTY line, event address fields)\n",
            self.unchecked
        );
        // After the verdict line and the counters line, before any failure.
        let mut lines = table.split_inclusive('\n');
        let head: String = lines.by_ref().take(2).collect();
        let rest: String = lines.collect();
        format!("{head}{note}{rest}")
    }
}

/// Replays `files` over SSH, each against its own in-process node built from `config` (its
/// auth, SSH and filesystem settings; listeners, data directory, database, JSON log,
/// recording and sample fetching are replaced so a replay touches nothing of a real node),
/// up to four at once. Returns the reports in file order and the wall time taken.
pub fn run_blocking(
    files: &[PathBuf],
    config: &Config,
    options: &RunOptions,
    done: impl Fn(&SshReport),
) -> Result<(Vec<SshReport>, Duration), String> {
    let system = actix::System::new();
    system.block_on(async {
        let started = Instant::now();
        // Host keys are made once per run (RSA is slow) and copied into each node.
        let keys = unique_dir("keys");
        if let Err(err) = crate::protocols::ssh::keys::HostKeys::load_or_generate(&keys) {
            std::fs::remove_dir_all(&keys).ok();
            return Err(format!("host keys: {}", crate::error_chain(&err)));
        }
        let keys = &keys;
        let reports = futures::stream::iter(files.iter().cloned())
            .map(|file| async move { run_one(file, config, keys, options.real_time).await })
            .buffered(options.jobs.clamp(1, 4))
            .inspect(|report| done(report))
            .collect()
            .await;
        std::fs::remove_dir_all(keys).ok();
        Ok((reports, started.elapsed()))
    })
}

/// Loads, replays over SSH and checks one file, with `keys` holding the host keys to use.
pub async fn run_one(file: PathBuf, base: &Config, keys: &Path, real_time: bool) -> SshReport {
    let broken = |file: PathBuf, error: String| SshReport {
        report: ScenarioReport::broken(file, error),
        unchecked: 0,
    };
    let scenario = match Scenario::load(&file) {
        Ok(scenario) => scenario,
        Err(err) => return broken(file, err.to_string()),
    };
    let data_dir = unique_dir("node");
    let result = replay_on_node(&scenario, base, keys, &data_dir, real_time).await;
    std::fs::remove_dir_all(&data_dir).ok();
    match result {
        Ok((replay, status_seen)) => {
            let (checkable, unchecked) = checkable(&scenario, &status_seen);
            let failures = expect::check(&checkable, &replay);
            SshReport {
                report: ScenarioReport::of(file, &scenario.name, &replay, failures),
                unchecked,
            }
        }
        Err(error) => broken(file, error),
    }
}

/// Starts a node for `scenario`, replays it over SSH, collects its events and stops the node.
/// Returns the replay and, per step result, whether its `$?` was observed.
async fn replay_on_node(
    scenario: &Scenario,
    base: &Config,
    keys: &Path,
    data_dir: &Path,
    real_time: bool,
) -> Result<(Replay, Vec<bool>), String> {
    prepare_data_dir(scenario, keys, data_dir)?;
    let mut config = base.clone();
    config.data_dir = data_dir.to_owned();
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.ssh.listen = loopback;
    config.http.listen = loopback;
    config.admin.listen = loopback;
    config.recording.enabled = false;
    config.log.enabled = false;
    config.samples.fetch = false;
    // Layer 3 draws at random and learns across sessions: a replay runs without it, as the
    // in-process replay does.
    config.strategy.mode = crate::config::StrategyMode::Off;
    config.database = crate::config::DatabaseConfig::default();
    // The scenario's lure, with the limits the in-process replay uses.
    config.http = crate::config::HttpConfig {
        listen: loopback,
        lure: scenario.http_lure,
        ..crate::config::HttpConfig::default()
    };
    if !real_time {
        // A refused password is otherwise held back for seconds, as for a real attacker.
        config.ssh.auth_rejection_time_ms = 0;
        // Nor is an HTTP answer held back.
        config.strategy.http_latency_min_ms = 0;
        config.strategy.http_latency_max_ms = 0;
    }
    // A node that fails half-way must not take the whole run down with it.
    let node = match AssertUnwindSafe(Node::start(config)).catch_unwind().await {
        Ok(Ok(node)) => node,
        Ok(Err(err)) => return Err(format!("cannot start a node: {}", crate::error_chain(&err))),
        Err(_) => return Err("cannot start a node (panic); see the log".to_owned()),
    };
    let observer = Observer::default().start();
    let subscribed = node
        .sink
        .send(Subscribe(observer.clone().recipient()))
        .await;
    let driven = match subscribed {
        Ok(()) => AssertUnwindSafe(client::drive(
            node.ssh_addr,
            node.http_addr,
            scenario,
            real_time,
        ))
        .catch_unwind()
        .await
        .map_err(|_| "the SSH replay failed (panic); see the log".to_owned()),
        Err(err) => Err(format!("cannot watch the node's events: {err}")),
    };
    if driven.is_ok() && !scenario.attacker.credentials.is_empty() {
        settle(&node, &observer).await;
    }
    // Stopping the node ends its HTTP sessions (their closing events) and passes every event
    // on before it returns.
    node.shutdown().await;
    let events = sessions_events(observer.send(TakeAll).await.unwrap_or_default());
    let driven = driven?;
    let duration = scenario
        .steps
        .iter()
        .map(|s| Duration::from_secs_f64(s.value.delay))
        .sum();
    let session = events
        .iter()
        .find(|e| {
            let http = e.protocol == crate::events::Protocol::Http;
            scenario.attacker.credentials.is_empty() == http
        })
        .map_or_else(|| SessionId(String::new()), |e| e.session.clone());
    // Per scenario step: whether its `$?` was observed (steps without a result keep their
    // expectations, which fail as not reached).
    let mut status_seen = vec![true; scenario.steps.len()];
    for (result, seen) in driven.steps.iter().zip(&driven.status_seen) {
        if let Some(slot) = status_seen.get_mut(result.step) {
            *slot = *seen;
        }
    }
    let replay = Replay {
        session,
        logged_in: driven.logged_in,
        steps: driven.steps,
        events,
        session_open: driven.session_open,
        duration,
    };
    Ok((replay, status_seen))
}

/// The events of the sessions the scenario made (those with a connect event), in arrival order.
fn sessions_events(events: Vec<crate::events::Event>) -> Vec<crate::events::Event> {
    let sessions: Vec<SessionId> = events
        .iter()
        .filter(|e| matches!(e.kind, crate::events::EventKind::SessionConnect))
        .map(|e| e.session.clone())
        .collect();
    events
        .into_iter()
        .filter(|e| sessions.contains(&e.session))
        .collect()
}

/// A fresh data directory holding the run's host keys and the scenario's host profile.
fn prepare_data_dir(scenario: &Scenario, keys: &Path, data_dir: &Path) -> Result<(), String> {
    let fail = |what: &Path, err: std::io::Error| format!("cannot use {}: {err}", what.display());
    let key_dir = data_dir.join("keys");
    std::fs::create_dir_all(&key_dir).map_err(|e| fail(&key_dir, e))?;
    let entries = std::fs::read_dir(keys).map_err(|e| fail(keys, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| fail(keys, e))?;
        let to = key_dir.join(entry.file_name());
        std::fs::copy(entry.path(), &to).map_err(|e| fail(&to, e))?;
    }
    let host = HostProfile::generate_at(scenario.seed, scenario.start);
    let mut text = serde_json::to_vec_pretty(&host).map_err(|e| format!("host profile: {e}"))?;
    text.push(b'\n');
    let path = data_dir.join(crate::host::PROFILE_FILE);
    std::fs::write(&path, text).map_err(|e| fail(&path, e))
}

/// Waits until the node has logged the session's end and every alert it raised from the
/// session's events has reached the observer.
async fn settle(node: &Node, observer: &Addr<Observer>) {
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    while Instant::now() < deadline {
        if observer.send(Closed).await.unwrap_or(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The alert actor has seen everything the sink passed on, and sent its alerts to the sink;
    // the sink has passed those on to the observer before it answers the flush.
    node.alerts.send(AlertCount).await.ok();
    node.sink
        .send(Flush {
            timeout: Duration::from_secs(1),
        })
        .await
        .ok();
}

/// A directory under the system's temporary directory that no other run or scenario uses.
fn unique_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!(
        "mirage-replay-ssh-{}-{nanos}-{n}-{what}",
        std::process::id()
    ))
}

/// `scenario` without the expectations SSH cannot observe, and how many were left out: the
/// `status` of PTY lines whose `$?` was not seen (`status_seen`, per scenario step) and event
/// address fields.
fn checkable(scenario: &Scenario, status_seen: &[bool]) -> (Scenario, usize) {
    let mut out = scenario.clone();
    let mut unchecked = 0;
    for (step, seen) in out.steps.iter_mut().zip(status_seen) {
        if !*seen && step.value.expect.status.take().is_some() {
            unchecked += 1;
        }
    }
    for event in &mut out.expect.events {
        for field in ADDRESS_FIELDS {
            if event.fields.remove(field).is_some() {
                unchecked += 1;
            }
        }
    }
    (out, unchecked)
}

#[cfg(test)]
mod tests;
