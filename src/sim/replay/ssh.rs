//! The SSH side of a replay: the connection's events, the logins, the session actor, typed
//! lines, exec requests and `scp -t` uploads.

use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::{Replayer, StepResult, drain, shell_output};
use crate::actors::session::{
    Exec, Files, Input, LastStatus, OUTPUT_BUFFER, PtySize, SessionActor, StartShell,
    TransportOutput,
};
use crate::actors::session_manager::{EndSession, SessionManager, StartSession};
use crate::events::{EventKind, SessionOrigin};
use crate::models::context::Login;
use crate::sim::clock::Clock;
use crate::sim::collector::Collector;
use crate::sim::scenario::{Scenario, Step, Upload};

/// The attacker's SSH connection in one replay, from its connect event on.
pub(super) struct SshSide {
    origin: SessionOrigin,
    clock: Clock,
    collector: Addr<Collector>,
    /// When the connection was made (virtual time).
    connected: DateTime<Utc>,
    /// The logged-in session, if a credential was accepted and the manager started it.
    session: Option<Addr<SessionActor>>,
    /// Whether a credential was accepted.
    pub(super) logged_in: bool,
    pty: bool,
    out: mpsc::Sender<TransportOutput>,
    rx: mpsc::Receiver<TransportOutput>,
    /// Whether the PTY shell is open.
    open: bool,
}

impl SshSide {
    fn emit(&self, kind: EventKind) {
        let mut event = self.origin.event(kind);
        event.timestamp = self.clock.now();
        self.collector.do_send(event);
    }

    /// Connects as the SSH transport would: connect and client-version events, each
    /// credential checked by the node's auth policy, then the session and (with `pty`) its
    /// shell.
    pub(super) async fn connect(
        replayer: &Replayer,
        scenario: &Scenario,
        origin: SessionOrigin,
        clock: &Clock,
        collector: &Addr<Collector>,
        manager: &Addr<SessionManager>,
    ) -> SshSide {
        let (out, rx) = mpsc::channel(OUTPUT_BUFFER);
        let attacker = &scenario.attacker;
        let mut side = SshSide {
            origin,
            clock: clock.clone(),
            collector: collector.clone(),
            connected: clock.now(),
            session: None,
            logged_in: false,
            pty: attacker.pty,
            out,
            rx,
            open: false,
        };
        side.emit(EventKind::SessionConnect);
        side.emit(EventKind::ClientVersion {
            version: attacker.client.clone(),
        });
        let mut login = None;
        for credential in &attacker.credentials {
            let (username, password) = (credential.username.clone(), credential.password.clone());
            if replayer
                .policy
                .check_password(attacker.ip, &username, &password)
            {
                side.emit(EventKind::LoginSuccess {
                    username: username.clone(),
                    password: password.clone(),
                });
                login = Some(Login {
                    client: Some(attacker.client.clone()),
                    username: Some(username),
                    password: Some(password),
                });
                break;
            }
            side.emit(EventKind::LoginFailed { username, password });
        }
        let Some(login) = login else {
            return side;
        };
        side.logged_in = true;
        let started = manager
            .send(StartSession {
                origin: side.origin.clone(),
                user: login.username.clone().unwrap_or_default(),
                login,
            })
            .await;
        let Ok(session) = started else {
            return side;
        };
        if side.pty {
            let start = StartShell {
                out: side.out.clone().into(),
                pty: Some(PtySize {
                    term: "xterm-256color".into(),
                    width: attacker.columns.max(1),
                    height: 24,
                }),
            };
            side.open = session.send(start).await.is_ok();
            drain(&mut side.rx);
        }
        side.session = Some(session);
        side
    }

    /// Plays one `input`/`upload` step (the `index`-th); the result of its line, if it typed
    /// one and the session exists.
    pub(super) async fn step(
        &mut self,
        replayer: &Replayer,
        index: usize,
        step: &Step,
    ) -> Option<StepResult> {
        let session = self.session.clone()?;
        if let Some(upload) = &step.upload {
            self.upload(replayer, &session, upload).await;
        }
        let input = step.input.as_ref()?;
        let result = |output, status, skipped| StepResult {
            step: index,
            input: Some(input.clone()),
            output,
            status,
            skipped,
            headers: Vec::new(),
        };
        if !self.pty {
            let exec = Exec {
                command: input.clone(),
                out: self.out.clone().into(),
                pty: false,
            };
            session.send(exec).await.ok();
            let mut text = Vec::new();
            let mut status = 0;
            for item in drain(&mut self.rx) {
                match item {
                    TransportOutput::Data(bytes) => text.extend_from_slice(&bytes),
                    TransportOutput::Exit(s) => status = s as i32,
                }
            }
            return Some(result(
                String::from_utf8_lossy(&text).into_owned(),
                status,
                false,
            ));
        }
        if !self.open {
            return Some(result(String::new(), 0, true));
        }
        let typed = format!("{}\r", input.replace('\n', "\r"));
        if session.send(Input(typed.into_bytes())).await.is_err() {
            self.open = false;
        }
        let items = drain(&mut self.rx);
        let (output, exited) = shell_output(&items);
        if exited.is_some() {
            self.open = false;
        }
        let status = match exited {
            Some(status) => status as i32,
            None => session.send(LastStatus).await.unwrap_or(0),
        };
        Some(result(output, status, false))
    }

    /// Receives an uploaded file as `scp -t` does: stored, written, announced.
    async fn upload(&self, replayer: &Replayer, session: &Addr<SessionActor>, upload: &Upload) {
        let Ok(files) = session.send(Files).await else {
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
        self.emit(EventKind::CommandInput {
            input: format!("scp -t {}", upload.path),
        });
        let (event, _) = crate::protocols::ssh::uploads::receive(
            &files,
            &replayer.uploads,
            &path,
            &name,
            upload.content.clone().into_bytes(),
            mode,
            "scp",
        )
        .await;
        if let Some(kind) = event {
            self.emit(kind);
        }
    }

    /// Whether the PTY shell is still open.
    pub(super) fn shell_open(&self) -> bool {
        self.pty && self.open && self.session.is_some()
    }

    /// Ends the session and records the connection's end.
    pub(super) fn close(self, manager: &Addr<SessionManager>) {
        if self.session.is_some() {
            manager.do_send(EndSession {
                session: self.origin.session.clone(),
            });
        }
        let duration: Duration = (self.clock.now() - self.connected)
            .to_std()
            .unwrap_or_default();
        self.emit(EventKind::SessionClosed {
            duration_ms: duration.as_millis().try_into().unwrap_or(u64::MAX),
        });
    }
}
