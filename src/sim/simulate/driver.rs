//! [`Terminal`]: an interactive in-process SSH shell into a real session actor.
//!
//! The replay engine types a scenario's lines blindly; a simulated attacker has to see each
//! answer before it decides what to type next. A terminal does what the replay's SSH side
//! does (a [`StartSession`] to the node's session manager, a PTY [`StartShell`], keystrokes as
//! [`Input`]) one line at a time, and reads back the answer with the replay's own
//! [`shell_output`], plus how much virtual time the answer took (latency the session added
//! by advancing the clock).

use std::time::Duration;

use actix::prelude::*;
use tokio::sync::mpsc;

use crate::actors::session::{
    Input, LastStatus, OUTPUT_BUFFER, PtySize, SessionActor, StartShell, TransportOutput,
};
use crate::actors::session_manager::{EndSession, SessionManager, StartSession};
use crate::events::SessionOrigin;
use crate::models::context::Login;
use crate::sim::clock::Clock;
use crate::sim::replay::{drain, shell_output};

/// Arbiter turns given to a stopped session's last messages.
const SETTLE_TURNS: usize = 8;

/// What the shell answered to one typed line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The line typed.
    pub line: String,
    /// The terminal text it produced (without echo and prompt; `\n` line ends).
    pub output: String,
    /// `$?` after it.
    pub status: i32,
    /// Virtual time from the keystroke to the answer.
    pub took: Duration,
    /// Whether the shell is still open after it.
    pub open: bool,
}

/// One attacker's logged-in PTY shell.
pub struct Terminal {
    origin: SessionOrigin,
    clock: Clock,
    session: Addr<SessionActor>,
    rx: mpsc::Receiver<TransportOutput>,
    open: bool,
}

impl Terminal {
    /// Logs in (the simulated attacker's credential is taken as accepted) and opens a PTY
    /// shell; `None` if the manager refused the session.
    pub async fn open(
        manager: &Addr<SessionManager>,
        origin: SessionOrigin,
        login: Login,
        clock: &Clock,
    ) -> Option<Terminal> {
        let (out, mut rx) = mpsc::channel(OUTPUT_BUFFER);
        let session = manager
            .send(StartSession {
                origin: origin.clone(),
                user: login.username.clone().unwrap_or_default(),
                login,
            })
            .await
            .ok()?;
        let start = StartShell {
            out: out.into(),
            pty: Some(PtySize {
                term: "xterm-256color".into(),
                width: 120,
                height: 24,
            }),
        };
        let open = session.send(start).await.is_ok();
        drain(&mut rx);
        Some(Terminal {
            origin,
            clock: clock.clone(),
            session,
            rx,
            open,
        })
    }

    /// Types `line` and returns the answer. A closed shell answers nothing.
    pub async fn ask(&mut self, line: &str) -> Answer {
        let mut answer = Answer {
            line: line.to_owned(),
            ..Answer::default()
        };
        if !self.open {
            return answer;
        }
        let before = self.clock.now();
        let typed = format!("{}\r", line.replace('\n', "\r"));
        if self.session.send(Input(typed.into_bytes())).await.is_err() {
            self.open = false;
        }
        let items = drain(&mut self.rx);
        let (output, exited) = shell_output(&items);
        if exited.is_some() {
            self.open = false;
        }
        answer.status = match exited {
            Some(status) => i32::try_from(status).unwrap_or(i32::MAX),
            None => self.session.send(LastStatus).await.unwrap_or(0),
        };
        answer.output = output;
        answer.took = self.clock.since(before);
        answer.open = self.open;
        answer
    }

    /// Ends the session (the attacker disconnects) and waits until its actor has stopped,
    /// so whatever it reports at its end (the strategy's outcome) is sent before the next
    /// session starts.
    pub async fn close(self, manager: &Addr<SessionManager>) {
        manager
            .send(EndSession {
                session: self.origin.session.clone(),
            })
            .await
            .ok();
        // The actor stops once no address is left. Bounded: it stops within a few turns of
        // the arbiter, and its last messages go out in the turns after.
        let weak = self.session.downgrade();
        drop(self.session);
        for _ in 0..1000 {
            if weak.upgrade().is_none() {
                break;
            }
            tokio::task::yield_now().await;
        }
        for _ in 0..SETTLE_TURNS {
            tokio::task::yield_now().await;
        }
    }
}
