//! The client side of an SSH replay: log in with each credential on one connection, then a
//! PTY shell (lines typed, read up to the next prompt), exec channels, and `scp -t` uploads,
//! as OpenSSH's clients do; `http` steps go to the node's HTTP decoy
//! ([`super::http_client`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client;
use russh::{ChannelMsg, Disconnect};

use super::screen::{PASTE_ON, count, ends_like_prompt, step_output};
use crate::sim::replay::StepResult;
use crate::sim::scenario::{Scenario, Upload};

/// Longest wait for one step's output (or the first prompt, or an exec to finish).
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Once every expected prompt has arrived but the screen does not end like a prompt: how long
/// without new bytes ends the step anyway.
const QUIET: Duration = Duration::from_millis(300);
/// Most bytes kept from one step (the shell bounds its output; this bounds a confused read).
const MAX_STEP_BYTES: usize = 16 << 20;

/// What the client saw of a session.
pub(super) struct Driven {
    /// Whether a credential was accepted.
    pub(super) logged_in: bool,
    /// Each step that typed a line or made a request, in order.
    pub(super) steps: Vec<StepResult>,
    /// Per step result: whether its status is the one the node reported.
    pub(super) status_seen: Vec<bool>,
    /// Whether the PTY shell was still open after the last step.
    pub(super) session_open: bool,
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

/// Plays the steps: `http` steps as requests to the node's decoy at `http_addr`, the others
/// on an SSH connection to `ssh_addr`, made (when the scenario has credentials) just before
/// the first `input` or `upload` step, or after the last step if there is none, as the
/// in-process replay does. Disconnects at the end.
pub(super) async fn drive(
    ssh_addr: std::net::SocketAddr,
    http_addr: std::net::SocketAddr,
    scenario: &Scenario,
    real_time: bool,
) -> Driven {
    let mut driven = Driven {
        logged_in: false,
        steps: Vec::new(),
        status_seen: Vec::new(),
        session_open: false,
    };
    let attacker = &scenario.attacker;
    let ssh_at = scenario
        .steps
        .iter()
        .position(|s| s.value.input.is_some() || s.value.upload.is_some())
        .unwrap_or(scenario.steps.len());
    let wants_ssh = !attacker.credentials.is_empty();
    let mut session = None;
    for (index, step) in scenario.steps.iter().enumerate() {
        let step = &step.value;
        if index == ssh_at && wants_ssh {
            session = connect(ssh_addr, scenario).await;
        }
        if real_time {
            tokio::time::sleep(Duration::from_secs_f64(step.delay)).await;
        }
        if let Some(request) = &step.http {
            let answer = super::http_client::request(http_addr, request).await;
            driven.steps.push(StepResult {
                step: index,
                input: None,
                output: String::from_utf8_lossy(&answer.body).into_owned(),
                status: i32::from(answer.status),
                skipped: false,
                headers: answer.headers,
            });
            driven.status_seen.push(true);
            continue;
        }
        let Some(session) = session.as_mut().filter(|s| s.logged_in) else {
            continue;
        };
        if let Some(upload) = &step.upload {
            session.upload(upload).await;
        }
        let Some(input) = &step.input else {
            continue;
        };
        let (mut result, seen) = if !attacker.pty {
            let (output, status) = session.exec(input).await;
            let result = StepResult {
                step: index,
                input: Some(input.clone()),
                output,
                status: status.map_or(0, |s| s as i32),
                skipped: false,
                headers: Vec::new(),
            };
            (result, status.is_some())
        } else if session.open {
            session.type_line(input).await
        } else {
            let result = StepResult {
                step: index,
                input: Some(input.clone()),
                output: String::new(),
                status: 0,
                skipped: true,
                headers: Vec::new(),
            };
            (result, true)
        };
        result.step = index;
        driven.steps.push(result);
        driven.status_seen.push(seen);
    }
    if ssh_at == scenario.steps.len() && wants_ssh {
        session = connect(ssh_addr, scenario).await;
    }
    if let Some(session) = session {
        driven.logged_in = session.logged_in;
        driven.session_open = attacker.pty && session.open;
        session
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await
            .ok();
    }
    driven
}

/// Connects and tries each credential in order on the one connection; once one is accepted,
/// opens the PTY shell (with `pty`). `None` if the connection could not be made.
async fn connect(addr: std::net::SocketAddr, scenario: &Scenario) -> Option<Session> {
    let attacker = &scenario.attacker;
    let config = Arc::new(client::Config {
        client_id: russh::SshId::Standard(attacker.client.clone().into()),
        ..client::Config::default()
    });
    let connected = tokio::time::timeout(STEP_TIMEOUT, client::connect(config, addr, Client)).await;
    let Ok(Ok(mut handle)) = connected else {
        return None;
    };
    let mut logged_in = false;
    for credential in &attacker.credentials {
        let user = credential.username.clone();
        let attempt = handle.authenticate_password(user, credential.password.clone());
        match tokio::time::timeout(STEP_TIMEOUT, attempt).await {
            Ok(Ok(result)) if result.success() => {
                logged_in = true;
                break;
            }
            Ok(Ok(_)) => {}
            // The node hung up (e.g. too many attempts): no more tries on this connection.
            _ => break,
        }
    }
    let mut session = Session {
        handle,
        shell: None,
        open: false,
        logged_in,
    };
    if logged_in && attacker.pty {
        session.open_shell(attacker.columns.max(1)).await;
    }
    Some(session)
}

/// A connection and its PTY shell, if one was opened.
struct Session {
    handle: client::Handle<Client>,
    shell: Option<russh::Channel<client::Msg>>,
    /// Whether the PTY shell is open.
    open: bool,
    /// Whether a credential was accepted.
    logged_in: bool,
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

impl Session {
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
            step: 0,
            input: Some(input.to_owned()),
            output,
            status: status.map_or(0, |s| s as i32),
            skipped: false,
            headers: Vec::new(),
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
