//! The interactive shell channel's keystrokes: [`Input`] through the line editor into the
//! shell, prompts and readline's terminal bytes back; [`EndOfInput`] when the client closes.

use actix::prelude::*;

use super::{Output, PASTE_OFF, PASTE_ON, SessionActor, SessionHost, TransportOutput};
use crate::shell::EditorEvent;

/// Raw keystrokes from the interactive shell channel.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Input(pub Vec<u8>);

impl Handler<Input> for SessionActor {
    type Result = ();

    fn handle(&mut self, msg: Input, ctx: &mut Context<Self>) {
        let Some(out) = self.shell_out.clone() else {
            return;
        };
        if let Some(rec) = self.recording.as_mut()
            && rec.recorder.input(rec.started.elapsed(), &msg.0).is_err()
        {
            self.recording = None;
        }
        // One line at a time: keys typed ahead edit the next line only after this one ran,
        // with its prompt and history.
        let mut rest: &[u8] = &msg.0;
        while !rest.is_empty() && self.shell_out.is_some() {
            let mut host = SessionHost {
                shell: &self.deps.shell,
                state: &self.state,
                fs: &self.fs,
                columns: self.columns,
            };
            let (events, used) = self.editor.feed_line(rest, &mut host);
            rest = rest.get(used..).unwrap_or_default();
            for event in events {
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
                        let Some(outcome) = self.run_line(&line, true, ctx) else {
                            // What bash prints when a child dies of a signal; then a fresh prompt.
                            let text = self.terminal_bytes(b"Segmentation fault (core dumped)\n");
                            self.send(&out, TransportOutput::Data(text), ctx);
                            let prompt = self.prompt_for(&self.checkpoint);
                            self.send(&out, TransportOutput::Data(prompt), ctx);
                            return;
                        };
                        let text = self.terminal_bytes(&outcome.output);
                        if !text.is_empty() {
                            self.send(&out, TransportOutput::Data(text), ctx);
                        }
                        if outcome.exit {
                            // Bash prints `logout` for `exit` (and end of input), not for `logout`.
                            if self.pty && self.state.exit_notice {
                                self.send(&out, TransportOutput::Data(b"logout\r\n".to_vec()), ctx);
                            }
                            self.send(&out, TransportOutput::Exit(outcome.status as u32), ctx);
                            self.shell_out = None;
                            return;
                        }
                        let prompt = self.prompt();
                        self.send(&out, TransportOutput::Data(prompt), ctx);
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
                        return;
                    }
                }
            }
        }
    }
}

impl SessionActor {
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
