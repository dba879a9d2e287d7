//! [`SessionActor`]: one attacker session, with its own shell state.
//!
//! The transport sends raw keystrokes ([`Input`]), exec requests ([`Exec`]) and lifecycle
//! messages; the actor runs the line editor and the shell and writes output back through the
//! [`Output`] channel the transport gave it, so output can also come later (latency, tarpits).
//!
//! Supervision: every line runs under `catch_unwind`. When the shell panics, the attacker sees
//! what bash shows for a crashed child, the actor reports the failure to the session manager and
//! stops; its [`Supervisor`] restarts the same actor (same address, same mailbox) and
//! [`Supervised::restarting`] restores the state from the last checkpoint taken after a
//! completed line. The connection never notices beyond that one line.
//!
//! Files: the session's filesystem is not in the checkpoint. It is the attacker's
//! [`SharedOverlay`], held beside the state and shared with the manager's overlay store (and
//! with concurrent sessions of the same address and user), locked for one line at a time. A
//! restart keeps it as it is: whatever the failed line wrote stays written, as a crashed
//! process's writes stay on a real disk.
//!
//! A session ends when its transport and the manager drop its address.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

mod classify;
mod editor_host;
mod gather;
mod http;
mod input;
mod latency;
mod output;
mod predict;
mod recording;
mod reflex;
mod status;
mod strategy;

use editor_host::SessionHost;
pub use http::HttpExchange;
pub use input::{EndOfInput, Input};
pub use output::{OUTPUT_BUFFER, Output, OutputClosed, OutputSink, TransportOutput};

pub use status::LastStatus;

pub use reflex::Reflexes;

use crate::actors::sample_fetcher::FetchSample;
use crate::actors::session_manager::{CheckpointSlot, SessionFailed, SessionManager};
use crate::events::{EventKind, SessionOrigin};
use crate::host::fs::{SharedOverlay, lock};
use crate::metrics::Metrics;
use crate::protocols::ssh::uploads::SessionFiles;
use crate::shell::{LineEditor, LineOutcome, Shared, Shell, ShellState, Terminal};
use crate::sim::clock::Clock;

/// What readline sends before reading a line: bracketed-paste mode on (bash 5.1's default).
const PASTE_ON: &[u8] = b"\x1b[?2004h";
/// What readline sends when a line is done (accepted, interrupted, end of input): bracketed
/// paste off, then a carriage return.
const PASTE_OFF: &[u8] = b"\x1b[?2004l\r";

/// Everything a session actor needs that is shared with the rest of the node.
#[derive(Clone)]
pub struct SessionDeps {
    /// The shell interpreter (stateless; state lives in the actor).
    pub shell: Arc<Shell>,
    /// Where events go: on a node the sink's inbox (a wake-up per batch, not per event).
    pub sink: crate::actors::sink::EventTarget,
    /// Node metrics.
    pub metrics: Metrics,
    /// Fault injection: a line containing this text makes the handler panic (`None`: off).
    pub panic_on_input: Option<String>,
    /// Fault injection: a line containing this text makes the classification and prediction
    /// step panic (`None`: off).
    pub panic_on_classify: Option<String>,
    /// Where interactive sessions are recorded (`None`: recording off).
    pub recordings: Option<Recordings>,
    /// Who fetches downloads for real (`None`: sample fetching off, downloads only emulated).
    pub samples: Option<Recipient<FetchSample>>,
    /// The time: the machine's on a live node, virtual in a replay.
    pub clock: Clock,
    /// The node's trained models; each session takes the current set when it starts.
    pub models: crate::models::ModelHandle,
    /// The node's Layer 0 reflexes (`None`: off).
    pub reflex: Option<Arc<Reflexes>>,
    /// The node's Layer 4 persona (`None`: off, as on a replay's virtual clock).
    pub persona: Option<Addr<crate::actors::persona::PersonaActor>>,
    /// The node's Layer 3 strategy (`None`: off, the static honeypot's settings).
    pub strategy: Option<Addr<crate::actors::strategy::StrategyActor>>,
}

/// Where and how big session recordings are.
#[derive(Clone, Debug)]
pub struct Recordings {
    /// The node's data directory; recordings go to `tty/<session>.cast` under it.
    pub data_dir: PathBuf,
    /// Size cap of one recording.
    pub max_bytes: u64,
    /// Admin UI watchers of live terminals (`GET /sessions/{id}/tty`).
    pub watchers: crate::outputs::tty_watch::TtyWatchers,
}

/// The terminal a client asked for with `pty-req`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtySize {
    /// `TERM`, e.g. `xterm-256color`.
    pub term: String,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

/// One attacker session.
pub struct SessionActor {
    origin: SessionOrigin,
    /// The node's, shared by every session.
    deps: Arc<SessionDeps>,
    manager: Addr<SessionManager>,
    /// The shell's state. Between lines it is the checkpoint itself (shared, not copied); the
    /// first change after a checkpoint makes it the session's own again.
    state: Shared<ShellState>,
    /// The state after the last completed line; what a restart returns to.
    checkpoint: Arc<ShellState>,
    /// Where the manager finds the checkpoint, should the actor die (see `CheckpointSlot`).
    saved: CheckpointSlot,
    /// The attacker's files (not checkpointed: a restart keeps them as they are).
    fs: SharedOverlay,
    editor: LineEditor,
    /// The interactive shell's output, once a shell was requested.
    shell_out: Option<Output>,
    /// Whether output for transport writers is being gathered (`gather.rs`).
    gathering: bool,
    /// Output gathered and not yet handed over.
    gathered: Option<gather::Gathered>,
    /// Whether the shell runs on a PTY (then `\n` is sent as `\r\n`).
    pty: bool,
    /// The PTY's width in columns, for `ls` and friends.
    columns: u32,
    /// The interactive shell's recording, if recording is on.
    recording: Option<recording::ActiveRecording>,
    /// The session's input so far and its attacker class (kept across restarts).
    classifier: classify::Classifier,
    /// The session's commands so far and its guesses at the next (kept across restarts).
    predictor: predict::Predictor,
    /// The session's reflex tags, jitter and output pacer (kept across restarts).
    reflex: reflex::SessionReflex,
    /// The persona's answers for the line about to run (see `input.rs`).
    answers: crate::shell::Answers,
    /// The session's Layer 3 settings and outcome so far (kept across restarts).
    strategy: strategy::SessionStrategy,
}

impl SessionActor {
    /// A session starting from the checkpoint in `saved` (a fresh login, or the state a
    /// failed actor left), on the attacker's filesystem `fs`; it keeps `saved` up to date.
    /// `login` is what the login told (client, credentials) for the models.
    pub fn new(
        origin: SessionOrigin,
        login: crate::models::context::Login,
        deps: Arc<SessionDeps>,
        manager: Addr<SessionManager>,
        saved: CheckpointSlot,
        fs: SharedOverlay,
    ) -> SessionActor {
        let checkpoint = saved.get();
        let reflex = reflex::SessionReflex::new(&origin.session.0, login.password.clone());
        // One model set for the session's life, whatever a reload does meanwhile.
        let models = deps.models.current();
        SessionActor {
            reflex,
            origin,
            manager,
            state: Shared::from_arc(checkpoint.clone()),
            checkpoint,
            saved,
            fs,
            editor: LineEditor::new(),
            shell_out: None,
            gathering: false,
            gathered: None,
            pty: false,
            columns: 80,
            recording: None,
            classifier: classify::Classifier::new(deps.clock.now(), models.clone(), &login),
            strategy: strategy::SessionStrategy::new(deps.clock.now()),
            predictor: predict::Predictor::new(models, &login, deps.clock.now())
                .with_memory(deps.models.memory()),
            deps,
            answers: crate::shell::Answers::new(),
        }
    }

    fn emit(&self, kind: EventKind) {
        let mut event = self.origin.event(kind);
        event.timestamp = self.deps.clock.now();
        self.deps.sink.do_send(event);
    }

    /// Sends `item` to `out` through the reflex pacer (latency, tarpit).
    fn send(&mut self, out: &Output, item: TransportOutput, ctx: &mut Context<Self>) {
        if let Some(item) = self.reflex_pace(out, item, ctx) {
            self.send_now(out, item, ctx);
        }
    }

    fn terminal_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        if !self.pty {
            return bytes.to_vec();
        }
        let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
        // Line by line: a command's output is copied in runs, not byte by byte.
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            match line.split_last() {
                Some((b'\n', text)) => {
                    out.extend_from_slice(text);
                    out.extend_from_slice(b"\r\n");
                }
                _ => out.extend_from_slice(line),
            }
        }
        out
    }

    /// The terminal the shell's output goes to: the PTY with its width, or none.
    fn terminal(&self) -> Terminal {
        if self.pty {
            Terminal::Columns(u16::try_from(self.columns).unwrap_or(u16::MAX).max(1))
        } else {
            Terminal::None
        }
    }

    /// Runs one line on `state` and the session's files under `catch_unwind`. `Err` carries
    /// the panic message.
    fn run_guarded(
        deps: &SessionDeps,
        fs: &SharedOverlay,
        terminal: Terminal,
        state: &mut ShellState,
        line: &str,
        answers: crate::shell::Answers,
    ) -> Result<LineOutcome, String> {
        catch_unwind(AssertUnwindSafe(|| {
            // A line that panicked before may have poisoned the lock: `lock` takes it over.
            let mut overlay = lock(fs);
            if let Some(trigger) = deps.panic_on_input.as_deref()
                && line.contains(trigger)
            {
                panic!("fault injection: input contains {trigger:?}");
            }
            crate::shell::with_answers(answers, || {
                deps.shell.run(state, &mut overlay, terminal, line)
            })
        }))
        .map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".to_owned())
        })
    }

    /// Runs one command line: events, shell, checkpoint. An interactive line runs on the
    /// session's shell state and checkpoints it; an exec request runs like `bash -c` on a fresh
    /// login state and changes nothing the shell keeps. `None` means the handler failed and the
    /// actor is stopping to be restarted.
    fn run_line(
        &mut self,
        line: &str,
        interactive: bool,
        ctx: &mut Context<Self>,
    ) -> Option<LineOutcome> {
        // Given for this line only, whatever answers it (a reflex or the shell).
        let answers = std::mem::take(&mut self.answers);
        let started = Instant::now();
        self.deps.metrics.commands_total.inc();
        if !line.trim().is_empty() {
            self.emit(EventKind::CommandInput {
                input: line.to_owned(),
            });
        }
        // The line is split and normalized once for both models (`classify.rs`).
        let predictions = self.model_line(line);
        for prediction in predictions {
            self.emit(prediction);
        }
        self.strategy_line(line, ctx);
        // Layer 0: a reflex may answer the line instead of the shell, or end the session.
        if let Some(answer) = self.reflex_line(line, interactive) {
            return Some(answer);
        }
        let terminal = self.terminal();
        let clock = self.deps.clock.pinned();
        // Written only when it changes: a write makes a state shared with the checkpoint the
        // session's own.
        if self.state.clock != clock {
            self.state.clock = clock;
        }
        let mut scratch;
        let state = if interactive {
            &mut *self.state
        } else {
            scratch = self.state.exec_login();
            &mut scratch
        };
        // Planted honeytoken files the line reads become `mirage.honeytoken.accessed`.
        let planted = self.deps.shell.image().planted().clone();
        // What the line did to the fake machine, for the latency profile (`latency.rs`).
        let ((result, tokens_read), work) = crate::host::io_meter::measure(|| {
            crate::honeytokens::watch_reads(&planted, || {
                Self::run_guarded(&self.deps, &self.fs, terminal, state, line, answers)
            })
        });
        for token in &tokens_read {
            // Not `self.emit`: `state` may still borrow `self.state`.
            let mut event = self.origin.event(EventKind::HoneytokenAccessed {
                token: token.clone(),
                how: line.to_owned(),
            });
            event.timestamp = self.deps.clock.now();
            self.deps.sink.do_send(event);
        }
        match result {
            Ok(mut outcome) => {
                // `bash -c 'for i in 1; do'`: the command ends inside a construct.
                if !interactive
                    && outcome.incomplete
                    && let Some(end) = self.deps.shell.end_of_input(state)
                {
                    outcome.output.extend_from_slice(&end.output);
                    outcome.status = end.status;
                }
                self.deception_latency(line, &work);
                self.reflex_after(&tokens_read, &mut outcome);
                self.strategy_effects(tokens_read.len(), &outcome.events);
                for command in &outcome.unknown_commands {
                    self.emit(EventKind::CommandFailed {
                        input: command.clone(),
                    });
                }
                // What the commands themselves reported (downloads, …). With sample fetching
                // on, an HTTP download is announced once its real sample is in.
                for event in &outcome.events {
                    match (&self.deps.samples, event) {
                        (
                            Some(samples),
                            EventKind::FileDownload {
                                url,
                                outfile,
                                shasum,
                            },
                        ) if fetchable(url) => samples.do_send(FetchSample {
                            origin: self.origin.clone(),
                            url: url.clone(),
                            outfile: outfile.clone(),
                            stand_in: shasum.clone(),
                            files: SessionFiles {
                                fs: self.fs.clone(),
                                shell: self.deps.shell.clone(),
                                user: self.state.user.clone(),
                                home: "/".to_owned(),
                                clock: self.deps.clock.clone(),
                            },
                        }),
                        _ => self.emit(event.clone()),
                    }
                }
                if interactive {
                    // The state as the line left it, shared with the manager.
                    self.checkpoint = Shared::arc(&self.state);
                    self.saved.set(self.checkpoint.clone());
                }
                self.deps
                    .metrics
                    .command_seconds
                    .with_label_values(&[self.origin.protocol.as_str()])
                    .observe(started.elapsed().as_secs_f64());
                Some(outcome)
            }
            Err(reason) => {
                tracing::error!(session = %self.origin.session, %reason, "Session handler panicked; restarting from checkpoint.");
                self.manager.do_send(SessionFailed {
                    session: self.origin.session.clone(),
                    reason,
                });
                ctx.stop();
                None
            }
        }
    }

    fn prompt(&self) -> Vec<u8> {
        self.prompt_for(&self.state)
    }

    /// The prompt for `state`; on a PTY preceded by readline's switch to bracketed-paste mode,
    /// which bash 5.1 sends before every prompt.
    fn prompt_for(&self, state: &ShellState) -> Vec<u8> {
        let mut bytes = if self.pty {
            PASTE_ON.to_vec()
        } else {
            Vec::new()
        };
        bytes.extend_from_slice(self.deps.shell.prompt(state).as_bytes());
        bytes
    }
}

/// Whether a download's URL is one the sample fetcher takes (HTTP or HTTPS).
fn fetchable(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

impl Actor for SessionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Layer 3: the session's first settings (`strategy.rs`).
        self.strategy_start(ctx);
    }
}

impl Supervised for SessionActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        // The failed line may have left anything half-done: go back to the last checkpoint.
        self.state = Shared::from_arc(self.checkpoint.clone());
        self.editor = LineEditor::new();
    }
}

/// Starts the interactive shell on a channel: greets with a prompt.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StartShell {
    /// Where the shell's output goes.
    pub out: Output,
    /// The PTY the client asked for, if any.
    pub pty: Option<PtySize>,
}

impl Handler<StartShell> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: StartShell, ctx: &mut Context<Self>) {
        self.pty = msg.pty.is_some();
        if let Some(pty) = &msg.pty {
            self.columns = pty.width;
            // sshd puts the client's TERM in the environment; ~/.bashrc picks the prompt.
            self.state.set_terminal(&pty.term);
            self.checkpoint = Shared::arc(&self.state);
            // Shared with the manager, which lets go of the login's: an idle session keeps
            // one shell state (its state is its checkpoint), not two.
            self.saved.set(self.checkpoint.clone());
            if self.recording.is_none() {
                self.start_recording(pty);
            }
        } else {
            // A shell without a PTY has no terminal line in utmp.
            self.state.tty.clear();
        }
        self.shell_out = Some(msg.out.clone());
        let prompt = self.prompt();
        self.send(&msg.out, TransportOutput::Data(prompt), ctx);
    }
}

/// The client's terminal changed size.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Resize {
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl Handler<Resize> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Resize, ctx: &mut Context<Self>) {
        self.columns = msg.width;
        self.record_resize(msg.width, msg.height, ctx);
    }
}

impl Drop for SessionActor {
    /// The session is over (its last address is gone): close the recording and say where it is.
    fn drop(&mut self) {
        // The node memory learns what the session typed.
        self.predictor.finish();
        // Layer 3 learns how the session went.
        self.strategy_finish();
        self.finish_recording();
    }
}

/// Runs one command without a shell prompt (an SSH exec request); the channel closes after.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Exec {
    /// The command line.
    pub command: String,
    /// Where its output goes.
    pub out: Output,
    /// Whether the client asked for a PTY on this channel.
    pub pty: bool,
}

impl Handler<Exec> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Exec, ctx: &mut Context<Self>) {
        // Layer 4: commands the shell would not find wait for the persona (`input.rs`).
        match self.persona_ask(&msg.command, false) {
            Some(ask) => self.hold_for_persona(ask, ctx, move |act, ctx| act.exec(msg, ctx)),
            None => self.exec(msg, ctx),
        }
    }
}

impl SessionActor {
    /// Runs an exec request's command and reports its output and status.
    fn exec(&mut self, msg: Exec, ctx: &mut Context<Self>) {
        let pty = std::mem::replace(&mut self.pty, msg.pty);
        let (text, status) = match self.run_line(&msg.command, false, ctx) {
            Some(outcome) => (self.terminal_bytes(&outcome.output), outcome.status as u32),
            None => (Vec::new(), 139),
        };
        self.pty = pty;
        if !text.is_empty() {
            self.send(&msg.out, TransportOutput::Data(text), ctx);
        }
        self.send(&msg.out, TransportOutput::Exit(status), ctx);
    }
}

/// Asks for the session's filesystem, for file transfers (scp, SFTP) that write into it
/// outside the shell.
#[derive(Message)]
#[rtype(result = "SessionFiles")]
pub struct Files;

impl Handler<Files> for SessionActor {
    type Result = MessageResult<Files>;

    fn handle(&mut self, _: Files, _: &mut Context<Self>) -> Self::Result {
        MessageResult(SessionFiles {
            fs: self.fs.clone(),
            shell: self.deps.shell.clone(),
            user: self.state.user.clone(),
            home: self.state.home_dir(),
            clock: self.deps.clock.clone(),
        })
    }
}
