//! SSH replay mode (`mirage replay --ssh`): each scenario against a real node over a real
//! loopback SSH connection, for end-to-end checks of what the in-process [`Replayer`] skips
//! (key exchange, the russh handler, channel plumbing, the scp protocol).
//!
//! For each scenario a [`Node`] starts in-process on `127.0.0.1:0` with a fresh data
//! directory whose `host.json` is generated from the scenario's seed and start (the host the
//! in-process replay uses) and with recording off. A russh client then logs in with each
//! credential in order on one connection, opens a PTY shell (or one exec channel per input
//! when `pty: false`), types each line with `\r` and reads up to the next prompt, and sends
//! uploads through an `scp -t` channel as OpenSSH's `scp` does. A subscriber on the node's
//! event sink keeps the session's events. The observed session becomes a [`Replay`] checked by
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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures::{FutureExt as _, StreamExt as _};
use russh::client;
use russh::{ChannelMsg, Disconnect};
use serde::Serialize;

use super::expect;
use super::replay::{Replay, StepResult};
use super::report::ScenarioReport;
use super::runner::RunOptions;
use super::scenario::{Scenario, Upload};
use crate::actors::alert::{ALERT_MAILBOX, AlertCount};
use crate::actors::sink::{Flush, Subscribe};
use crate::app::Node;
use crate::config::Config;
use crate::events::{Event, EventKind, SessionId};
use crate::host::HostProfile;

/// What readline sends before each prompt (bracketed paste on).
const PASTE_ON: &[u8] = b"\x1b[?2004h";
/// What follows the echo of an accepted line: the line end, then bracketed paste off.
const LINE_DONE: &[u8] = b"\r\n\x1b[?2004l\r";
/// Longest wait for one step's output (or the first prompt, or an exec to finish).
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Once every expected prompt has arrived but the screen does not end like a prompt: how long
/// without new bytes ends the step anyway.
const QUIET: Duration = Duration::from_millis(300);
/// Longest wait for the node to log the session's end after the client disconnects.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Most bytes kept from one step (the shell bounds its output; this bounds a confused read).
const MAX_STEP_BYTES: usize = 16 << 20;
/// Most events kept for one scenario.
const MAX_EVENTS: usize = 100_000;
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
/// auth and SSH profile settings; listeners, data directory and recording are replaced), up to
/// a few at once. Returns the reports in file order and the wall time taken.
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
        crate::protocols::ssh::keys::HostKeys::load_or_generate(&keys)
            .map_err(|err| crate::error_chain(&err))?;
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
    config.database = crate::config::DatabaseConfig::default();
    if !real_time {
        // A refused password is otherwise held back for seconds, as for a real attacker.
        config.ssh.auth_rejection_time_ms = 0;
    }
    let node = Node::start(config)
        .await
        .map_err(|err| format!("cannot start a node: {}", crate::error_chain(&err)))?;
    let observer = Observer::default().start();
    let subscribed = node
        .sink
        .send(Subscribe(observer.clone().recipient()))
        .await;
    let driven = match subscribed {
        Ok(()) => AssertUnwindSafe(drive(node.ssh_addr, scenario, real_time))
            .catch_unwind()
            .await
            .map_err(|_| "the SSH replay failed (panic); see the log".to_owned()),
        Err(err) => Err(format!("cannot watch the node's events: {err}")),
    };
    if driven.is_ok() {
        settle(&node, &observer).await;
    }
    let events = observer.send(TakeAll).await.unwrap_or_default();
    node.shutdown().await;
    let driven = driven?;
    let duration = scenario
        .steps
        .iter()
        .map(|s| Duration::from_secs_f64(s.value.delay))
        .sum();
    let session = events
        .first()
        .map_or_else(|| SessionId(String::new()), |e| e.session.clone());
    let replay = Replay {
        session,
        logged_in: driven.logged_in,
        steps: driven.steps,
        events,
        session_open: driven.session_open,
        duration,
    };
    Ok((replay, driven.status_seen))
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
/// `status` of PTY lines whose `$?` was not seen (`status_seen`, per step result) and event
/// address fields.
fn checkable(scenario: &Scenario, status_seen: &[bool]) -> (Scenario, usize) {
    let mut out = scenario.clone();
    let mut unchecked = 0;
    let mut seen = status_seen.iter();
    for step in &mut out.steps {
        if step.value.input.is_none() {
            continue;
        }
        // Steps past the last result keep their expectations: they fail as not reached.
        if seen.next() == Some(&false) && step.value.expect.status.take().is_some() {
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

/// What the client saw of a session.
struct Driven {
    logged_in: bool,
    steps: Vec<StepResult>,
    /// Per step result: whether its status is the one the node reported.
    status_seen: Vec<bool>,
    session_open: bool,
}

/// Accepts the node's host key: it was made for this run.
struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Connects, logs in and plays the steps; disconnects at the end.
async fn drive(addr: std::net::SocketAddr, scenario: &Scenario, real_time: bool) -> Driven {
    let mut driven = Driven {
        logged_in: false,
        steps: Vec::new(),
        status_seen: Vec::new(),
        session_open: false,
    };
    let attacker = &scenario.attacker;
    let config = Arc::new(client::Config {
        client_id: russh::SshId::Standard(attacker.client.clone().into()),
        ..client::Config::default()
    });
    let connected = tokio::time::timeout(STEP_TIMEOUT, client::connect(config, addr, Client)).await;
    let Ok(Ok(mut handle)) = connected else {
        return driven;
    };
    for credential in &attacker.credentials {
        let user = credential.username.clone();
        let attempt = handle.authenticate_password(user, credential.password.clone());
        match tokio::time::timeout(STEP_TIMEOUT, attempt).await {
            Ok(Ok(result)) if result.success() => {
                driven.logged_in = true;
                break;
            }
            Ok(Ok(_)) => {}
            // The node hung up (e.g. too many attempts): no more tries on this connection.
            _ => break,
        }
    }
    if driven.logged_in {
        let mut session = Session {
            handle: &handle,
            shell: None,
            open: false,
        };
        if attacker.pty {
            session.open_shell(attacker.columns.max(1)).await;
        }
        for step in &scenario.steps {
            let step = &step.value;
            if real_time {
                tokio::time::sleep(Duration::from_secs_f64(step.delay)).await;
            }
            if let Some(upload) = &step.upload {
                session.upload(upload).await;
            }
            let Some(input) = &step.input else {
                continue;
            };
            let (result, seen) = if !attacker.pty {
                let (output, status) = session.exec(input).await;
                let result = StepResult {
                    input: Some(input.clone()),
                    output,
                    status: status.map_or(0, |s| s as i32),
                    skipped: false,
                };
                (result, status.is_some())
            } else if session.open {
                session.type_line(input).await
            } else {
                let result = StepResult {
                    input: Some(input.clone()),
                    output: String::new(),
                    status: 0,
                    skipped: true,
                };
                (result, true)
            };
            driven.steps.push(result);
            driven.status_seen.push(seen);
        }
        driven.session_open = attacker.pty && session.open;
    }
    handle
        .disconnect(Disconnect::ByApplication, "", "en")
        .await
        .ok();
    driven
}

/// A logged-in connection and its PTY shell, if one was opened.
struct Session<'a> {
    handle: &'a client::Handle<Client>,
    shell: Option<russh::Channel<client::Msg>>,
    /// Whether the PTY shell is open.
    open: bool,
}

/// What a channel delivered while reading.
enum Read {
    /// Bytes for the terminal.
    Data,
    /// Nothing new.
    Idle,
    /// The channel ended; the status if the node sent one.
    Ended,
}

impl Session<'_> {
    /// Opens the PTY shell and reads up to its first prompt.
    async fn open_shell(&mut self, columns: u32) {
        let Ok(channel) = self.handle.channel_open_session().await else {
            return;
        };
        let requested = async {
            channel
                .request_pty(true, "xterm-256color", columns, 24, 0, 0, &[])
                .await?;
            channel.request_shell(true).await
        };
        if requested.await.is_err() {
            return;
        }
        self.shell = Some(channel);
        self.open = true;
        let (_, exited) = self.read_prompts(1).await;
        if exited.is_some() {
            self.open = false;
        }
    }

    /// Types `input` (each of its lines, then `\r`) into the PTY shell and reads up to the
    /// prompt after its last line. Returns the result and whether its status was observed
    /// (only when the shell ended).
    async fn type_line(&mut self, input: &str) -> (StepResult, bool) {
        let typed = format!("{}\r", input.replace('\n', "\r"));
        let lines = typed.matches('\r').count();
        let sent = match &self.shell {
            Some(channel) => channel.data_bytes(typed.into_bytes()).await.is_ok(),
            None => false,
        };
        let (screen, exited) = if sent {
            self.read_prompts(lines).await
        } else {
            (Vec::new(), Some(None))
        };
        if exited.is_some() {
            self.open = false;
        }
        let output = step_output(&screen, exited.is_some());
        let status = exited.flatten();
        let result = StepResult {
            input: Some(input.to_owned()),
            output,
            status: status.map_or(0, |s| s as i32),
            skipped: false,
        };
        (result, status.is_some())
    }

    /// Reads the shell's screen until `prompts` prompts have been shown and the screen ends
    /// like a prompt (or stays quiet), or the shell ends. Returns the bytes and, if the shell
    /// ended, its status if the node sent one.
    async fn read_prompts(&mut self, prompts: usize) -> (Vec<u8>, Option<Option<u32>>) {
        let Some(channel) = self.shell.as_mut() else {
            return (Vec::new(), Some(None));
        };
        let mut screen = Vec::new();
        let mut status = None;
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let shown = count(&screen, PASTE_ON);
            if (shown >= prompts && ends_like_prompt(&screen)) || screen.len() >= MAX_STEP_BYTES {
                return (screen, None);
            }
            let wait = if shown >= prompts {
                QUIET
            } else {
                deadline.saturating_duration_since(Instant::now())
            };
            match read(channel, wait, &mut screen, &mut status).await {
                Read::Data => {}
                Read::Idle => return (screen, None),
                Read::Ended => return (screen, Some(status)),
            }
        }
    }

    /// Runs `command` in its own exec channel; returns what it printed and its exit status.
    async fn exec(&self, command: &str) -> (String, Option<u32>) {
        let Ok(mut channel) = self.handle.channel_open_session().await else {
            return (String::new(), None);
        };
        if channel.exec(true, command).await.is_err() {
            return (String::new(), None);
        }
        // No stdin, as in the in-process mode (`ssh host 'cmd' </dev/null`).
        channel.eof().await.ok();
        let mut out = Vec::new();
        let mut status = None;
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match read(&mut channel, wait, &mut out, &mut status).await {
                Read::Data => {}
                Read::Idle | Read::Ended => break,
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), status)
    }

    /// Sends a file as OpenSSH's `scp` does: `scp -t <path>` in an exec channel, then
    /// `C<mode> <size> <name>\n`, the bytes and a `\0`, each answered by a `\0`.
    async fn upload(&self, upload: &Upload) {
        let Ok(mut channel) = self.handle.channel_open_session().await else {
            return;
        };
        let target = &upload.path;
        if channel
            .exec(true, format!("scp -t {target}"))
            .await
            .is_err()
        {
            return;
        }
        let name = target.rsplit('/').next().unwrap_or(target);
        let mode = u32::from_str_radix(&upload.mode, 8).unwrap_or(0o644) & 0o7777;
        let content = upload.content.as_bytes();
        let header = format!("C{mode:04o} {} {name}\n", content.len());
        let mut body = content.to_vec();
        body.push(0);
        // The sink speaks first; each later message is sent once the previous is acknowledged.
        let mut messages = [header.into_bytes(), body].into_iter();
        loop {
            if !await_ack(&mut channel).await {
                return;
            }
            match messages.next() {
                Some(bytes) => {
                    if channel.data_bytes(bytes).await.is_err() {
                        return;
                    }
                }
                None => break,
            }
        }
        channel.eof().await.ok();
        let (mut rest, mut status) = (Vec::new(), None);
        let deadline = Instant::now() + STEP_TIMEOUT;
        while rest.len() < MAX_STEP_BYTES {
            let wait = deadline.saturating_duration_since(Instant::now());
            match read(&mut channel, wait, &mut rest, &mut status).await {
                Read::Data => {}
                Read::Idle | Read::Ended => break,
            }
        }
    }
}

/// Reads the scp sink's acknowledgement; false on an error reply or a closed channel.
async fn await_ack(channel: &mut russh::Channel<client::Msg>) -> bool {
    let mut bytes = Vec::new();
    let mut status = None;
    let deadline = Instant::now() + STEP_TIMEOUT;
    while bytes.is_empty() {
        let wait = deadline.saturating_duration_since(Instant::now());
        match read(channel, wait, &mut bytes, &mut status).await {
            Read::Data => {}
            Read::Idle | Read::Ended => return false,
        }
    }
    bytes.first() == Some(&0)
}

/// Waits up to `wait` for the channel's next message; appends data to `into` (bounded) and
/// notes an exit status in `status`.
async fn read(
    channel: &mut russh::Channel<client::Msg>,
    wait: Duration,
    into: &mut Vec<u8>,
    status: &mut Option<u32>,
) -> Read {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, channel.wait()).await {
            Err(_) => return Read::Idle,
            Ok(None | Some(ChannelMsg::Close)) => return Read::Ended,
            Ok(Some(ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. })) => {
                let room = MAX_STEP_BYTES.saturating_sub(into.len());
                into.extend_from_slice(&data[..data.len().min(room)]);
                return Read::Data;
            }
            Ok(Some(ChannelMsg::ExitStatus { exit_status })) => *status = Some(exit_status),
            Ok(Some(_)) => {}
        }
    }
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// Whether the screen's last line (after the last prompt switch) ends like a bash prompt:
/// `# `, `$ ` or the continuation prompt `> `.
fn ends_like_prompt(screen: &[u8]) -> bool {
    let Some(at) = rfind(screen, PASTE_ON) else {
        return false;
    };
    let tail = &screen[at + PASTE_ON.len()..];
    !tail.contains(&b'\n') && [b"# ", b"$ ", b"> "].iter().any(|end| tail.ends_with(*end))
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A typed line's output from the screen bytes of its step, as
/// [`shell_output`](super::replay::shell_output) takes it from the session's writes: after the
/// echo and its line end, up to the last prompt (unless the shell ended), without the
/// bracketed-paste switches, `\r\n` read as `\n`.
pub fn step_output(screen: &[u8], exited: bool) -> String {
    let start = find(screen, LINE_DONE).map_or(0, |at| at + 2);
    let end = if exited {
        screen.len()
    } else {
        rfind(screen, PASTE_ON).unwrap_or(screen.len()).max(start)
    };
    String::from_utf8_lossy(screen.get(start..end).unwrap_or_default())
        .replace("\x1b[?2004l\r", "")
        .replace("\x1b[?2004h", "")
        .replace("\r\n", "\n")
}

/// Keeps every event the node's sink passes on (one node, one session).
#[derive(Default)]
struct Observer {
    events: Vec<Event>,
}

impl Actor for Observer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The sink hands events over with `try_send`: a burst must fit.
        ctx.set_mailbox_capacity(ALERT_MAILBOX);
    }
}

impl Handler<Event> for Observer {
    type Result = ();

    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(event);
        }
    }
}

/// Whether the session's closing event has arrived.
#[derive(Message)]
#[rtype(result = "bool")]
struct Closed;

impl Handler<Closed> for Observer {
    type Result = bool;

    fn handle(&mut self, _: Closed, _: &mut Context<Self>) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::SessionClosed { .. }))
    }
}

/// Hands over every event kept, in arrival order.
#[derive(Message)]
#[rtype(result = "Vec<Event>")]
struct TakeAll;

impl Handler<TakeAll> for Observer {
    type Result = MessageResult<TakeAll>;

    fn handle(&mut self, _: TakeAll, _: &mut Context<Self>) -> Self::Result {
        MessageResult(std::mem::take(&mut self.events))
    }
}

#[cfg(test)]
mod tests;
