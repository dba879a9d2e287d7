//! The replay engine: plays a [`Scenario`] into the node's real session path.
//!
//! [`Replayer`] is an in-process transport. For each scenario it does what the SSH transport
//! does for a connection: a `cowrie.session.connect` and client-version event, each credential
//! checked by the node's real [`AuthPolicy`] (`cowrie.login.failed`/`.success`), a
//! [`StartSession`] to a real [`SessionManager`], a PTY shell ([`StartShell`] + keystrokes as
//! [`Input`]) or exec requests ([`Exec`]), uploads through the same receiving code as `scp -t`,
//! and at the end [`EndSession`] and `cowrie.session.closed`. Its `http` steps go to the node's
//! HTTP decoy through a session of protocol HTTP of the same manager ([`super::http`]). Events
//! go to a [`Collector`] that shows them to the real [`AlertActor`].
//!
//! Each scenario gets its own session manager (so its own overlay: replays never see each
//! other's files) and its own virtual [`Clock`], advanced by each step's delay; with
//! `real_time` the replay also sleeps that long. The host is generated from the scenario's
//! seed, so the same file gives the same outputs and events every time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix::prelude::*;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::clock::Clock;
use super::collector::{Collector, Settle, Take, WatchAlerts};
use super::http::{HTTP_DECOY, HttpSide};
use super::scenario::Scenario;
use crate::actors::alert::{AlertActor, AlertCount};
use crate::actors::session::{SessionDeps, TransportOutput};
use crate::actors::session_manager::SessionManager;
use crate::config::{AlertConfig, AuthConfig};
use crate::events::{Event, Protocol, SessionId, SessionOrigin};
use crate::host::HostProfile;
use crate::host::fs::{Limits, OverlayStore, StoreConfig};
use crate::metrics::Metrics;
use crate::outputs::webhook::Dispatcher;
use crate::protocols::http::Latency;
use crate::protocols::ssh::auth::AuthPolicy;
use crate::protocols::ssh::uploads::UploadStore;
use crate::shell::Shell;
use ssh::SshSide;

mod ssh;

/// Where replayed sessions say they connected to.
const DECOY: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 22);

/// Most generated hosts (shell + filesystem image, a few MB each) the process keeps.
const MAX_SHELLS: usize = 64;

/// Generated hosts' shells by (seed, start in Unix seconds).
type ShellCache = HashMap<(u64, i64), Arc<Shell>>;

/// How a replay runs.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Sleep each step's delay for real (pacing like the recording) besides advancing the
    /// virtual clock.
    pub real_time: bool,
    /// Arbiters the session actors run on (empty: the caller's).
    pub workers: Vec<ArbiterHandle>,
    /// Where uploaded files are stored (content-addressed), as a node's `uploads/`.
    pub uploads: Option<PathBuf>,
    /// The trained models the sessions run, as a node's `models.dir` (empty: rules only).
    pub models: crate::models::ModelHandle,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// The index of the scenario step it is the result of.
    pub step: usize,
    /// The line typed, if the step typed one.
    pub input: Option<String>,
    /// The terminal text it produced (after the typed line, up to the next prompt; `\r\n`
    /// read as `\n`).
    pub output: String,
    /// `$?` after it.
    pub status: i32,
    /// Whether the shell had already ended, so the step could not run.
    pub skipped: bool,
    /// For an `http` step, the response's header fields in the order received (its status
    /// is `status`, its body `output`).
    pub headers: Vec<(String, String)>,
}

/// What a replayed session did.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The session's id.
    pub session: SessionId,
    /// Whether a credential was accepted.
    pub logged_in: bool,
    /// Each step, in order.
    pub steps: Vec<StepResult>,
    /// Every event of the session (alerts included), in order.
    pub events: Vec<Event>,
    /// Whether the shell was still open after the last step.
    pub session_open: bool,
    /// Virtual time the session lasted.
    pub duration: Duration,
}

impl Replay {
    /// Lines typed (steps with input that ran).
    pub fn commands(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.input.is_some() && !s.skipped)
            .count()
    }
}

/// Replays scenarios into real session managers and session actors. Create it inside a
/// running actix system.
pub struct Replayer {
    policy: Arc<AuthPolicy>,
    options: ReplayOptions,
    metrics: Metrics,
    uploads: UploadStore,
    /// The strategy's HTTP latency, waited after each answer with `real_time`.
    latency: Latency,
    replays: AtomicU64,
}

impl Replayer {
    /// A replayer with the node's auth policy from `auth`.
    pub fn new(auth: &AuthConfig, options: ReplayOptions) -> Result<Replayer, String> {
        let uploads = options
            .uploads
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("mirage-replay-uploads"));
        Ok(Replayer {
            policy: Arc::new(AuthPolicy::from_config(auth)?),
            uploads: UploadStore::new(uploads),
            options,
            latency: {
                let strategy = crate::config::StrategyConfig::default();
                Latency {
                    min_ms: strategy.http_latency_min_ms,
                    max_ms: strategy.http_latency_max_ms,
                }
            },
            metrics: Metrics::new(),
            replays: AtomicU64::new(0),
        })
    }

    /// The shell (host and filesystem image) of the scenario's generated host. Building an
    /// image costs more than replaying most sessions, and it depends only on the seed and
    /// the start, so every replayer of the process shares them (a bounded number).
    fn shell(&self, scenario: &Scenario) -> Arc<Shell> {
        shared_shell(scenario.seed, scenario.start)
    }

    /// The id of the attacker's HTTP session in the n-th replay of a scenario (the same in
    /// every run).
    fn http_session_id(scenario: &Scenario, n: u64) -> SessionId {
        let digest = Sha256::digest(format!("{}\0{}\0{n}\0http", scenario.name, scenario.seed));
        SessionId(hex::encode(&digest[..6]))
    }

    /// A session id that is the same for the n-th replay of a scenario in every run.
    fn session_id(scenario: &Scenario, n: u64) -> SessionId {
        let digest = Sha256::digest(format!("{}\0{}\0{n}", scenario.name, scenario.seed));
        SessionId(hex::encode(&digest[..6]))
    }

    /// Replays `scenario` and returns what happened. The session id depends on how many
    /// replays this replayer ran before.
    pub async fn replay(&self, scenario: &Scenario) -> Replay {
        let n = self.replays.fetch_add(1, Ordering::SeqCst);
        self.replay_nth(scenario, n).await
    }

    /// Replays `scenario` as the `n`-th replay of a run (which fixes its session ids, whatever
    /// order concurrent replays finish in).
    ///
    /// Everything the replay starts — its session manager and session actors, and the
    /// collector and alert actor that see its events — runs on the calling arbiter, so one
    /// replay never waits on another thread and never sees another replay's events or alerts.
    ///
    /// The SSH connection (when the scenario has credentials) is made just before the first
    /// `input` or `upload` step, or after the last step if there is none; `http` steps before
    /// it are requests made before the login (a web scan, then SSH).
    pub async fn replay_nth(&self, scenario: &Scenario, n: u64) -> Replay {
        let collector = Collector::default().start();
        // The node's default rules; the replayer's one metrics registry (making one per
        // replay cost more than most replays).
        let alerts = AlertActor::with_config(
            collector.clone().recipient(),
            &AlertConfig::default(),
            Dispatcher::default(),
            self.metrics.clone(),
        )
        .start();
        collector.do_send(WatchAlerts(alerts.clone()));
        let clock = Clock::virtual_at(scenario.start);
        let shell = self.shell(scenario);
        let attacker = &scenario.attacker;
        let origin = SessionOrigin {
            node: "replay".into(),
            session: Self::session_id(scenario, n),
            protocol: Protocol::Ssh,
            src: SocketAddr::new(attacker.ip, attacker.port),
            dst: DECOY,
        };
        let http_origin = SessionOrigin {
            session: Self::http_session_id(scenario, n),
            protocol: Protocol::Http,
            dst: HTTP_DECOY,
            ..origin.clone()
        };
        let manager = self.manager(shell.clone(), clock.clone(), &collector);
        let has_http = scenario.steps.iter().any(|s| s.value.http.is_some());
        let mut http = has_http.then(|| {
            HttpSide::new(
                super::http::site(scenario, shell.host()),
                http_origin.clone(),
                clock.clone(),
                collector.clone(),
            )
        });
        let ssh_at = scenario
            .steps
            .iter()
            .position(|s| s.value.input.is_some() || s.value.upload.is_some())
            .unwrap_or(scenario.steps.len());
        let wants_ssh = !attacker.credentials.is_empty();
        let connect =
            || SshSide::connect(self, scenario, origin.clone(), &clock, &collector, &manager);
        let mut ssh = None;
        let mut steps = Vec::new();
        for (index, step) in scenario.steps.iter().enumerate() {
            let step = &step.value;
            if index == ssh_at && wants_ssh {
                ssh = Some(connect().await);
            }
            let delay = Duration::from_secs_f64(step.delay);
            clock.advance(delay);
            if self.options.real_time {
                tokio::time::sleep(delay).await;
            }
            if let (Some(request), Some(side)) = (&step.http, http.as_mut()) {
                let mut result = side.request(&manager, request).await;
                result.step = index;
                if self.options.real_time {
                    let latency = self.latency.pick(&mut rand::thread_rng());
                    tokio::time::sleep(latency).await;
                }
                steps.push(result);
            } else if let Some(side) = ssh.as_mut()
                && let Some(result) = side.step(self, index, step).await
            {
                steps.push(result);
            }
        }
        if ssh_at == scenario.steps.len() && wants_ssh {
            ssh = Some(connect().await);
        }
        let (logged_in, session_open) = ssh
            .as_ref()
            .map_or((false, false), |s| (s.logged_in, s.shell_open()));
        if let Some(side) = ssh {
            side.close(&manager);
        }
        if let Some(side) = http {
            side.close(&manager);
        }
        let duration = clock.since(scenario.start);
        // Everything sent so far is in the collector and shown to the alert actor; what the
        // alert actor raised from it is back in the collector.
        collector.send(Settle).await.ok();
        alerts.send(AlertCount).await.ok();
        let take = |session: &SessionId| collector.send(Take(session.clone()));
        let ssh_events = take(&origin.session).await.unwrap_or_default();
        let http_events = take(&http_origin.session).await.unwrap_or_default();
        let events = merge(ssh_events, http_events);
        Replay {
            session: if wants_ssh {
                origin.session
            } else {
                http_origin.session
            },
            logged_in,
            steps,
            events,
            session_open,
            duration,
        }
    }

    /// A session manager for one scenario: its own overlays, the scenario's clock.
    fn manager(
        &self,
        shell: Arc<Shell>,
        clock: Clock,
        collector: &Addr<Collector>,
    ) -> Addr<SessionManager> {
        let deps = replay_deps(
            shell,
            clock,
            collector.clone().recipient(),
            self.metrics.clone(),
            self.options.models.clone(),
        );
        replay_manager(deps, self.options.workers.clone())
    }
}

/// The shell (host and filesystem image) generated from `seed` at `start`. Building an image
/// costs more than replaying most sessions and depends only on these two, so every replay and
/// simulation of the process shares them (a bounded number).
pub fn shared_shell(seed: u64, start: chrono::DateTime<chrono::Utc>) -> Arc<Shell> {
    static SHELLS: OnceLock<Mutex<ShellCache>> = OnceLock::new();
    let key = (seed, start.timestamp());
    let shells = SHELLS.get_or_init(Mutex::default);
    if let Some(shell) = shells.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return shell.clone();
    }
    // Built outside the lock: other replays go on meanwhile.
    let host = Arc::new(HostProfile::generate_at(seed, start));
    let shell = Arc::new(Shell::at(host, start));
    let mut shells = shells.lock().unwrap_or_else(|e| e.into_inner());
    if shells.len() >= MAX_SHELLS {
        shells.clear();
    }
    shells.entry(key).or_insert(shell).clone()
}

/// A session manager for in-process sessions (replays, `mirage simulate`): its own overlays
/// (nothing persisted), its sessions on `workers` (empty: the caller's arbiter).
pub fn replay_manager(deps: SessionDeps, workers: Vec<ArbiterHandle>) -> Addr<SessionManager> {
    let overlays = OverlayStore::new(
        deps.shell.image().clone(),
        deps.shell.shared_host(),
        StoreConfig {
            persist: Duration::ZERO,
            limits: Limits::default(),
            ..StoreConfig::default()
        },
    );
    SessionManager::new(workers, deps, overlays).start()
}

/// What an in-process session runs with: the node's built-in reflexes, the given models, no
/// recordings, no sample fetching, no persona (Layer 4 asks a real model; a session on the
/// virtual clock never does), events to `sink`.
pub fn replay_deps(
    shell: Arc<Shell>,
    clock: Clock,
    sink: Recipient<Event>,
    metrics: Metrics,
    models: crate::models::ModelHandle,
) -> SessionDeps {
    SessionDeps {
        shell,
        sink: sink.into(),
        metrics,
        panic_on_input: None,
        panic_on_classify: None,
        recordings: None,
        samples: None,
        clock,
        models,
        reflex: crate::actors::session::Reflexes::for_replay(),
        persona: None,
        // Layer 3 learns across sessions and draws at random: a replay stays deterministic
        // without it (a simulation sets its own).
        strategy: None,
    }
}

/// One timeline of two sessions' events: by (virtual) time, each session's in its order.
fn merge(a: Vec<Event>, b: Vec<Event>) -> Vec<Event> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.timestamp < x.timestamp => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some(event) => out.push(event),
            None => return out,
        }
    }
}

/// Everything the session has written so far.
pub fn drain(rx: &mut mpsc::Receiver<TransportOutput>) -> Vec<TransportOutput> {
    let mut items = Vec::new();
    while let Ok(item) = rx.try_recv() {
        items.push(item);
    }
    items
}

/// A typed line's output from what the PTY shell wrote: after the echo and the line end, up to
/// the next prompt (the last write, unless the shell ended). Returns the text with `\r\n` as
/// `\n` and the exit status if the shell ended.
pub fn shell_output(items: &[TransportOutput]) -> (String, Option<u32>) {
    let exit = items.iter().find_map(|i| match i {
        TransportOutput::Exit(s) => Some(*s),
        TransportOutput::Data(_) => None,
    });
    let data: Vec<&[u8]> = items
        .iter()
        .filter_map(|i| match i {
            TransportOutput::Data(bytes) => Some(bytes.as_slice()),
            TransportOutput::Exit(_) => None,
        })
        .collect();
    let after_echo = data
        .iter()
        .position(|d| *d == b"\r\n")
        .map_or(0, |at| at + 1);
    let end = if exit.is_some() {
        data.len()
    } else {
        data.len().saturating_sub(1).max(after_echo)
    };
    let chunks = &data[after_echo..end];
    let mut text = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for chunk in chunks {
        text.extend_from_slice(chunk);
    }
    (terminal_text(text), exit)
}

/// What a terminal shows of `bytes`: readline's bracketed-paste switches show nothing, and
/// `\r\n` reads as `\n`. The same as removing each from the lossily decoded text in turn,
/// with less work for the usual case: the output of every replayed line goes through here.
fn terminal_text(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        // Valid UTF-8 (nearly always): taken as it is, not decoded again.
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    // Each pass finds its candidates with a byte search for the pattern's first byte (ESC,
    // CR), which skips plain text far faster than a general substring search.
    const PASTE_OFF: &str = "\x1b[?2004l\r";
    const PASTE_ON: &str = "\x1b[?2004h";
    let text = remove(text, PASTE_OFF, PASTE_OFF.len());
    let text = remove(text, PASTE_ON, PASTE_ON.len());
    remove(text, "\r\n", 1)
}

/// Removes the first `drop` bytes of each match of the ASCII `pattern` in `text` (left to
/// right, not overlapping): `text.replace(pattern, &pattern[drop..])`.
fn remove(text: String, pattern: &str, drop: usize) -> String {
    let Some(&first) = pattern.as_bytes().first() else {
        return text;
    };
    let first = char::from(first);
    let mut out: Option<String> = None;
    // `text[..kept]` is in `out` already; the search goes on from `from`.
    let (mut kept, mut from) = (0, 0);
    while let Some(at) = text[from..].find(first).map(|i| from + i) {
        if text[at..].starts_with(pattern) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[kept..at]);
            kept = at + drop;
            from = at + pattern.len();
        } else {
            from = at + 1;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[kept..]);
            out
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `terminal_text` replaced: decode, then each removal in turn.
    fn chained(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes)
            .replace("\x1b[?2004l\r", "")
            .replace("\x1b[?2004h", "")
            .replace("\r\n", "\n")
    }

    #[test]
    fn terminal_text_reads_as_the_chained_replacements() {
        let cases: [&[u8]; 13] = [
            b"",
            b"plain\r\nlines\r\n",
            b"\x1b[?2004l\rroot\r\n\x1b[?2004h",
            // A removal that makes the next pattern: each pass sees what the last one left.
            b"\r\x1b[?2004l\r\nx",
            b"\x1b[?2004\x1b[?2004l\rh after",
            b"\r\r\n\n\r\n\r",
            b"\x1b[?2004l\r\x1b[?2004l\r\x1b[?2004h\x1b[?2004h",
            "caf\u{e9}\r\n\u{1F600}\r\n".as_bytes(),
            // Broken UTF-8 around a switch stays two replacement characters.
            b"\xc3\x1b[?2004h\xa9\r\n",
            b"tail \x1b[?2004",
            b"\x1b[?2004l",
            b"\x1b\x1b[?2004l\r\r\r\n\x1b[?2004h\x1b",
            b"no switch, no line end",
        ];
        for case in cases {
            assert_eq!(terminal_text(case.to_vec()), chained(case), "{case:?}");
        }
    }

    #[test]
    fn a_line_output_is_what_the_terminal_showed_between_echo_and_prompt() {
        let data = |b: &[u8]| TransportOutput::Data(b.to_vec());
        let items = [
            data(b"ls"),
            data(b"\r\n"),
            data(b"\x1b[?2004l\r"),
            data(b"a  b\r\n"),
            data(b"\x1b[?2004hroot@host:~# "),
        ];
        assert_eq!(shell_output(&items), ("a  b\n".to_owned(), None));
        let ended = [data(b"\r\n"), data(b"logout\r\n"), TransportOutput::Exit(0)];
        assert_eq!(shell_output(&ended), ("logout\n".to_owned(), Some(0)));
    }
}
