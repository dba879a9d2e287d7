//! The interactive shell channel's keystrokes: [`Input`] through the line editor into the
//! shell, prompts and readline's terminal bytes back; [`EndOfInput`] when the client closes.
//!
//! With the Layer 4 persona on, a line whose commands the shell would not find is held while
//! the [`PersonaActor`](crate::actors::persona::PersonaActor) answers them (`ctx.wait`: keys
//! typed meanwhile queue in the mailbox and are edited after the line ran, as during reflex
//! latency); the line then runs with the answers.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use actix::prelude::*;

use super::{Output, PASTE_OFF, PASTE_ON, SessionActor, SessionHost, TransportOutput};
use crate::actors::persona::{Ask, MAX_COMMANDS_PER_LINE, Reply};
use crate::events::EventKind;
use crate::host::fs::lock;
use crate::persona::prompt::PromptInput;
use crate::shell::{Answers, EditorEvent, ShellState, Terminal, with_answers};

/// History lines sent with a persona request (the persona keeps its configured number).
const PERSONA_HISTORY: usize = 32;

/// How long a line waits for the persona at most, whatever its own timeout says.
const PERSONA_GUARD: Duration = Duration::from_secs(120);

/// Raw keystrokes from the interactive shell channel.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Input(pub Vec<u8>);

impl Handler<Input> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Input, ctx: &mut Context<Self>) {
        if self.shell_out.is_none() {
            return;
        }
        self.record_input(&msg.0, ctx);
        // A line's pieces of output go to the transport as one (`gather.rs`).
        self.gathering(ctx, |act, ctx| act.feed(msg.0, ctx));
    }
}

impl SessionActor {
    /// Feeds keys to the line editor. One line at a time: keys typed ahead edit the next line
    /// only after this one ran, with its prompt and history.
    fn feed(&mut self, mut rest: Vec<u8>, ctx: &mut Context<Self>) {
        while !rest.is_empty() && self.shell_out.is_some() {
            let mut host = SessionHost {
                shell: &self.deps.shell,
                state: &self.state,
                fs: &self.fs,
                columns: self.columns,
            };
            let (events, used) = self.editor.feed_line(&rest, &mut host);
            rest.drain(..used.min(rest.len()));
            if !self.editor_events(events.into(), &mut rest, ctx) {
                return;
            }
        }
    }

    /// Acts on the editor's events; `false` when feeding must stop (the shell ended, the
    /// actor failed, or a line waits for the persona and takes `rest` to feed afterwards).
    fn editor_events(
        &mut self,
        mut events: VecDeque<EditorEvent>,
        rest: &mut Vec<u8>,
        ctx: &mut Context<Self>,
    ) -> bool {
        let Some(out) = self.shell_out.clone() else {
            return false;
        };
        while let Some(event) = events.pop_front() {
            match event {
                EditorEvent::Echo(bytes) => {
                    if self.pty {
                        self.send(&out, TransportOutput::Data(bytes), ctx);
                    }
                }
                EditorEvent::Line(line) => {
                    if self.pty {
                        self.send(&out, TransportOutput::Data(b"\r\n".to_vec()), ctx);
                        self.send(&out, TransportOutput::Data(PASTE_OFF.to_vec()), ctx);
                    }
                    if let Some(ask) = self.persona_ask(&line, true) {
                        let mut rest = std::mem::take(rest);
                        self.hold_for_persona(ask, ctx, move |act, ctx| {
                            let Some(out) = act.shell_out.clone() else {
                                return;
                            };
                            act.gathering(ctx, |act, ctx| {
                                if act.line_done(&out, &line, ctx)
                                    && act.editor_events(events, &mut rest, ctx)
                                {
                                    act.feed(rest, ctx);
                                }
                            });
                        });
                        return false;
                    }
                    if !self.line_done(&out, &line, ctx) {
                        return false;
                    }
                }
                EditorEvent::Interrupt => {
                    // Readline leaves and re-enters bracketed-paste mode around the
                    // signal, as bash 5.1 does, byte for byte.
                    let mut text = b"^C".to_vec();
                    if self.pty {
                        text.extend_from_slice(PASTE_OFF);
                        text.extend_from_slice(PASTE_ON);
                        text.extend_from_slice(PASTE_OFF);
                    }
                    text.extend_from_slice(b"\r\n");
                    self.send(&out, TransportOutput::Data(text), ctx);
                    // Ctrl-C at the `> ` prompt drops the half-typed construct.
                    self.state.cancel_pending();
                    self.state.last_status = 130;
                    let prompt = self.prompt();
                    self.send(&out, TransportOutput::Data(prompt), ctx);
                }
                EditorEvent::EndOfFile => {
                    // Ctrl-D: readline leaves bracketed-paste mode and bash moves to a new
                    // line; at the `> ` prompt it reports the unfinished construct first.
                    // Either way a login shell then logs out (bash 5.1 and 5.2 alike).
                    if self.pty {
                        let mut text = PASTE_OFF.to_vec();
                        text.extend_from_slice(b"\r\n");
                        self.send(&out, TransportOutput::Data(text), ctx);
                    }
                    if let Some(outcome) = self.deps.shell.end_of_input(&mut self.state) {
                        let text = self.terminal_bytes(&outcome.output);
                        self.send(&out, TransportOutput::Data(text), ctx);
                    }
                    self.end_of_input(&out, ctx);
                    return false;
                }
            }
        }
        true
    }

    /// Runs an accepted line and writes its output and the next prompt; `false` when the
    /// shell ended or the actor failed.
    fn line_done(&mut self, out: &Output, line: &str, ctx: &mut Context<Self>) -> bool {
        let Some(outcome) = self.run_line(line, true, ctx) else {
            // What bash prints when a child dies of a signal; then a fresh prompt.
            let text = self.terminal_bytes(b"Segmentation fault (core dumped)\n");
            self.send(out, TransportOutput::Data(text), ctx);
            let prompt = self.prompt_for(&self.checkpoint);
            self.send(out, TransportOutput::Data(prompt), ctx);
            return false;
        };
        let text = self.terminal_bytes(&outcome.output);
        if !text.is_empty() {
            self.send(out, TransportOutput::Data(text), ctx);
        }
        if outcome.exit {
            // Bash prints `logout` for `exit` (and end of input), not for `logout`.
            if self.pty && self.state.exit_notice {
                self.send(out, TransportOutput::Data(b"logout\r\n".to_vec()), ctx);
            }
            self.send(out, TransportOutput::Exit(outcome.status as u32), ctx);
            self.shell_out = None;
            return false;
        }
        let prompt = self.prompt();
        self.send(out, TransportOutput::Data(prompt), ctx);
        // The line is done: its output leaves now, whatever else the keys typed ahead.
        self.hand_over();
        true
    }

    /// The persona request for `line`, when the persona is on and the line has commands the
    /// shell would not find. Found by running the line on copies of the state and files
    /// (nothing the session keeps changes; nothing runs for real), again with the commands
    /// found so far answered, so that `foo && bar` finds `bar` too.
    pub(super) fn persona_ask(&self, line: &str, interactive: bool) -> Option<Ask> {
        self.deps.persona.as_ref()?;
        if self.deps.clock.is_virtual() {
            return None;
        }
        let mut state = if interactive {
            ShellState::clone(&self.state)
        } else {
            self.state.exec_login()
        };
        state.clock = self.deps.clock.pinned();
        let overlay = lock(&self.fs).clone();
        let mut known = Answers::new();
        let mut commands: Vec<String> = Vec::new();
        for _ in 0..3 {
            let (mut state, mut overlay) = (state.clone(), overlay.clone());
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                with_answers(known.clone(), || {
                    self.deps
                        .shell
                        .run(&mut state, &mut overlay, Terminal::None, line)
                })
            }))
            .ok()?;
            let before = commands.len();
            for command in outcome.unknown_commands {
                let name = command.split(' ').next().unwrap_or_default();
                if name.is_empty() || name.contains('/') || known.contains_key(&command) {
                    continue;
                }
                if commands.len() >= MAX_COMMANDS_PER_LINE {
                    break;
                }
                known.insert(command.clone(), String::new());
                commands.push(command);
            }
            if commands.len() == before {
                break;
            }
        }
        if commands.is_empty() {
            return None;
        }
        let history: Vec<String> = self
            .state
            .history
            .iter()
            .rev()
            .take(PERSONA_HISTORY)
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Some(Ask {
            session: self.origin.session.0.clone(),
            ip: self.origin.src.ip(),
            now: self.deps.clock.now(),
            input: PromptInput {
                user: self.state.user.clone(),
                cwd: self.state.cwd.clone(),
                history,
            },
            commands,
        })
    }

    /// Holds the session until the persona answers `ask` (its mailbox waits), then runs
    /// `then` with the answers in place for the next line run.
    pub(super) fn hold_for_persona(
        &mut self,
        ask: Ask,
        ctx: &mut Context<Self>,
        then: impl FnOnce(&mut Self, &mut Context<Self>) + 'static,
    ) {
        let Some(persona) = self.deps.persona.clone() else {
            return then(self, ctx);
        };
        let commands = ask.commands.clone();
        let request = persona.send(ask).timeout(PERSONA_GUARD);
        ctx.wait(request.into_actor(self).map(move |replies, act, ctx| {
            let replies = replies.unwrap_or_else(|_| {
                // The persona is gone or stuck: every command falls back.
                act.deps
                    .metrics
                    .persona
                    .fallbacks_total
                    .inc_by(commands.len() as u64);
                commands
                    .into_iter()
                    .map(|command| Reply {
                        command,
                        answer: None,
                        source: crate::actors::persona::Source::Fallback,
                        reason: "error",
                    })
                    .collect()
            });
            for reply in replies {
                act.emit(EventKind::Persona {
                    command: reply.command.clone(),
                    source: reply.source.as_str().to_owned(),
                    reason: reply.reason.to_owned(),
                });
                if let Some(answer) = reply.answer {
                    act.answers.insert(reply.command, answer);
                }
            }
            then(act, ctx);
        }));
    }

    fn end_of_input(&mut self, out: &Output, ctx: &mut Context<Self>) {
        if self.pty {
            self.send(out, TransportOutput::Data(b"logout\r\n".to_vec()), ctx);
        }
        let status = self.state.last_status as u32;
        self.send(out, TransportOutput::Exit(status), ctx);
        self.shell_out = None;
    }
}

/// The client closed its input (EOF) on the shell channel: like Ctrl-D, the shell ends.
#[derive(Message)]
#[rtype(result = "()")]
pub struct EndOfInput;

impl Handler<EndOfInput> for SessionActor {
    type Result = ();

    fn handle(&mut self, _: EndOfInput, ctx: &mut Context<Self>) {
        if let Some(out) = self.shell_out.clone() {
            self.end_of_input(&out, ctx);
        }
    }
}
