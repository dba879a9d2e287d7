//! The replay engine: plays a [`Scenario`] into the node's real session path.
//!
//! [`Replayer`] is an in-process transport. For each scenario it does what the SSH transport
//! does for a connection: a `cowrie.session.connect` and client-version event, each credential
//! checked by the node's real [`AuthPolicy`] (`cowrie.login.failed`/`.success`), a
//! [`StartSession`] to a real [`SessionManager`], a PTY shell ([`StartShell`] + keystrokes as
//! [`Input`]) or exec requests ([`Exec`]), uploads through the same receiving code as `scp -t`,
//! and at the end [`EndSession`] and `cowrie.session.closed`. Events go to a [`Collector`] that
//! shows them to the real [`AlertActor`].
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
use super::scenario::Scenario;
use crate::actors::alert::{AlertActor, AlertCount};
use crate::actors::session::{
    Exec, Files, Input, LastStatus, OUTPUT_BUFFER, PtySize, SessionActor, SessionDeps, StartShell,
    TransportOutput,
};
use crate::actors::session_manager::{EndSession, SessionManager, StartSession};
use crate::config::AuthConfig;
use crate::events::{Event, EventKind, Protocol, SessionId, SessionOrigin};
use crate::host::HostProfile;
use crate::host::fs::{Limits, OverlayStore, StoreConfig};
use crate::metrics::Metrics;
use crate::protocols::ssh::auth::AuthPolicy;
use crate::protocols::ssh::uploads::{UploadStore, receive};
use crate::shell::Shell;

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
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// The line typed, if the step typed one.
    pub input: Option<String>,
    /// The terminal text it produced (after the typed line, up to the next prompt; `\r\n`
    /// read as `\n`).
    pub output: String,
    /// `$?` after it.
    pub status: i32,
    /// Whether the shell had already ended, so the step could not run.
    pub skipped: bool,
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
            metrics: Metrics::new(),
            replays: AtomicU64::new(0),
        })
    }

    /// The shell (host and filesystem image) of the scenario's generated host. Building an
    /// image costs more than replaying most sessions, and it depends only on the seed and
    /// the start, so every replayer of the process shares them (a bounded number).
    fn shell(&self, scenario: &Scenario) -> Arc<Shell> {
        static SHELLS: OnceLock<Mutex<ShellCache>> = OnceLock::new();
        let key = (scenario.seed, scenario.start.timestamp());
        let shells = SHELLS.get_or_init(Mutex::default);
        if let Some(shell) = shells.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return shell.clone();
        }
        // Built outside the lock: other replays go on meanwhile.
        let host = Arc::new(HostProfile::generate_at(scenario.seed, scenario.start));
        let shell = Arc::new(Shell::at(host, scenario.start));
        let mut shells = shells.lock().unwrap_or_else(|e| e.into_inner());
        if shells.len() >= MAX_SHELLS {
            shells.clear();
        }
        shells.entry(key).or_insert(shell).clone()
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

    /// Replays `scenario` as the `n`-th replay of a run (which fixes its session id, whatever
    /// order concurrent replays finish in).
    ///
    /// Everything the replay starts — its session manager and session actor, and the
    /// collector and alert actor that see its events — runs on the calling arbiter, so one
    /// replay never waits on another thread and never sees another replay's events or alerts.
    pub async fn replay_nth(&self, scenario: &Scenario, n: u64) -> Replay {
        let collector = Collector::default().start();
        let alerts = AlertActor::new(collector.clone().recipient()).start();
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
        let emit = |kind: EventKind| {
            let mut event = origin.event(kind);
            event.timestamp = clock.now();
            collector.do_send(event);
        };
        emit(EventKind::SessionConnect);
        emit(EventKind::ClientVersion {
            version: attacker.client.clone(),
        });
        let mut user = None;
        for credential in &attacker.credentials {
            let (username, password) = (credential.username.clone(), credential.password.clone());
            if self
                .policy
                .check_password(attacker.ip, &username, &password)
            {
                emit(EventKind::LoginSuccess {
                    username: username.clone(),
                    password,
                });
                user = Some(username);
                break;
            }
            emit(EventKind::LoginFailed { username, password });
        }

        let mut steps = Vec::new();
        let mut session_open = false;
        if let Some(user) = &user {
            let manager = self.manager(shell.clone(), clock.clone(), &collector);
            let session = manager
                .send(StartSession {
                    origin: origin.clone(),
                    user: user.clone(),
                })
                .await;
            if let Ok(session) = session {
                let who = Who {
                    origin: &origin,
                    clock: &clock,
                    session: &session,
                    collector: &collector,
                };
                session_open = self.drive(scenario, &who, &mut steps).await;
            }
            manager.do_send(EndSession {
                session: origin.session.clone(),
            });
        }
        let duration = clock.since(scenario.start);
        emit(EventKind::SessionClosed {
            duration_ms: duration.as_millis().try_into().unwrap_or(u64::MAX),
        });
        // Everything sent so far is in the collector and shown to the alert actor; what the
        // alert actor raised from it is back in the collector.
        collector.send(Settle).await.ok();
        alerts.send(AlertCount).await.ok();
        let events = collector
            .send(Take(origin.session.clone()))
            .await
            .unwrap_or_default();
        Replay {
            session: origin.session,
            logged_in: user.is_some(),
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
        let overlays = OverlayStore::new(
            shell.image().clone(),
            Arc::new(shell.host().clone()),
            StoreConfig {
                persist: Duration::ZERO,
                limits: Limits::default(),
                ..StoreConfig::default()
            },
        );
        let deps = SessionDeps {
            shell,
            sink: collector.clone().recipient(),
            metrics: self.metrics.clone(),
            panic_on_input: None,
            recordings: None,
            samples: None,
            clock,
        };
        let workers = self.options.workers.clone();
        SessionManager::new(workers, deps, overlays).start()
    }

    /// Plays the steps into a started session; returns whether the shell is still open.
    async fn drive(&self, scenario: &Scenario, who: &Who<'_>, steps: &mut Vec<StepResult>) -> bool {
        let (clock, session) = (who.clock, who.session);
        let (out, mut rx) = mpsc::channel(OUTPUT_BUFFER);
        let pty = scenario.attacker.pty;
        let mut open = true;
        if pty {
            let start = StartShell {
                out: out.clone(),
                pty: Some(PtySize {
                    term: "xterm-256color".into(),
                    width: scenario.attacker.columns.max(1),
                    height: 24,
                }),
            };
            if session.send(start).await.is_err() {
                return false;
            }
            drain(&mut rx);
        }
        for step in &scenario.steps {
            let step = &step.value;
            let delay = Duration::from_secs_f64(step.delay);
            clock.advance(delay);
            if self.options.real_time {
                tokio::time::sleep(delay).await;
            }
            if let Some(upload) = &step.upload {
                self.upload(who, upload).await;
            }
            let Some(input) = &step.input else {
                continue;
            };
            if pty && !open {
                steps.push(StepResult {
                    input: Some(input.clone()),
                    output: String::new(),
                    status: 0,
                    skipped: true,
                });
                continue;
            }
            let (output, status) = if pty {
                let typed = format!("{}\r", input.replace('\n', "\r"));
                if session.send(Input(typed.into_bytes())).await.is_err() {
                    open = false;
                }
                let items = drain(&mut rx);
                let (output, exited) = shell_output(&items);
                if exited.is_some() {
                    open = false;
                }
                let status = match exited {
                    Some(status) => status as i32,
                    None => session.send(LastStatus).await.unwrap_or(0),
                };
                (output, status)
            } else {
                let exec = Exec {
                    command: input.clone(),
                    out: out.clone(),
                    pty: false,
                };
                session.send(exec).await.ok();
                let items = drain(&mut rx);
                let mut text = Vec::new();
                let mut status = 0;
                for item in items {
                    match item {
                        TransportOutput::Data(bytes) => text.extend_from_slice(&bytes),
                        TransportOutput::Exit(s) => status = s as i32,
                    }
                }
                (String::from_utf8_lossy(&text).into_owned(), status)
            };
            steps.push(StepResult {
                input: Some(input.clone()),
                output,
                status,
                skipped: false,
            });
        }
        pty && open
    }

    /// Receives an uploaded file as `scp -t` does: stored, written, announced.
    async fn upload(&self, who: &Who<'_>, upload: &super::scenario::Upload) {
        let Ok(files) = who.session.send(Files).await else {
            return;
        };
        let home = files.home.clone();
        let path = if upload.path.starts_with('/') {
            upload.path.clone()
        } else {
            format!("{home}/{}", upload.path)
        };
        let name = path.rsplit('/').next().unwrap_or("").to_owned();
        let mode = u32::from_str_radix(&upload.mode, 8).unwrap_or(0o644);
        // The client runs `scp -t PATH` on an exec channel, which the SSH transport logs.
        let mut input = who.origin.event(EventKind::CommandInput {
            input: format!("scp -t {}", upload.path),
        });
        input.timestamp = who.clock.now();
        who.collector.do_send(input);
        let (event, _) = receive(
            &files,
            &self.uploads,
            &path,
            &name,
            upload.content.clone().into_bytes(),
            mode,
            "scp",
        )
        .await;
        if let Some(kind) = event {
            let mut event = who.origin.event(kind);
            event.timestamp = who.clock.now();
            who.collector.do_send(event);
        }
    }
}

/// The session a replay drives.
struct Who<'a> {
    origin: &'a SessionOrigin,
    clock: &'a Clock,
    session: &'a Addr<SessionActor>,
    collector: &'a Addr<Collector>,
}

/// Everything the session has written so far.
fn drain(rx: &mut mpsc::Receiver<TransportOutput>) -> Vec<TransportOutput> {
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
    let mut text = Vec::new();
    for chunk in &data[after_echo..end] {
        text.extend_from_slice(chunk);
    }
    // Readline's bracketed-paste switches show nothing on a terminal.
    let text = String::from_utf8_lossy(&text)
        .replace("\x1b[?2004l\r", "")
        .replace("\x1b[?2004h", "")
        .replace("\r\n", "\n");
    (text, exit)
}
