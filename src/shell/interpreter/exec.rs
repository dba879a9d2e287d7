//! Running a parsed line: lists, pipelines, subshells and simple commands, with their output
//! routed through each command's descriptors and the line's fork budget.

use std::cell::Cell;

use super::brace::brace_expand;
use super::expand::too_large;
use super::shell::MAX_OUTPUT_BYTES;
use crate::host::HostProfile;
use crate::shell::commands::{self, CommandCtx, Stream};
use crate::shell::parser::{self, Command, Connector, List, Part, Pipeline, SimpleCommand};
use crate::shell::state::ShellState;

/// The most bytes one command's arguments may hold, like Linux's `ARG_MAX` (2 MiB).
pub(super) const MAX_ARGV_BYTES: usize = 2 << 20;

/// How many bytes of state one line may copy for subshells, pipeline stages and `$(…)`
/// (each copy costs the state's size plus [`FORK_COST`]). Beyond it, forking fails as it does
/// on a real box that hits its process limit.
pub(super) const FORK_BUDGET: usize = 64 << 20;

/// The fixed part of one copy's cost, so that many copies of a small state also run out.
const FORK_COST: usize = 2048;

/// How control leaves a command or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Carry on with the next command.
    Next,
    /// `exit` ran: the shell (or the subshell) ends with this status.
    Exit(i32),
    /// An error that makes bash discard the rest of the line (bad substitution, `exit 1 2`).
    Abort,
}

/// Where a file descriptor's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sink {
    /// The enclosing output, on this stream.
    Term(Stream),
    /// The next pipeline stage's input.
    Pipe,
    /// Nowhere (`/dev/null`, or a file until there is a filesystem).
    Null,
}

/// One run of a list, collecting its output.
pub(super) struct Exec<'h> {
    pub(super) host: &'h HostProfile,
    pub(super) output: Vec<(Stream, Vec<u8>)>,
    output_bytes: usize,
    pub(super) unknown: Vec<String>,
    /// The status of the last command substitution in the current command, which becomes
    /// `$?` of a command made only of assignments.
    pub(super) subst_status: Option<i32>,
    /// What is left of the line's [`FORK_BUDGET`], shared with nested runs.
    pub(super) forks: &'h Cell<usize>,
}

impl<'h> Exec<'h> {
    pub(super) fn new(host: &'h HostProfile, forks: &'h Cell<usize>) -> Self {
        Exec {
            host,
            output: Vec::new(),
            output_bytes: 0,
            unknown: Vec::new(),
            subst_status: None,
            forks,
        }
    }

    /// Copies the state for a subshell, as `fork(2)` would; `None` (after bash's error) when
    /// the line has used up its [`FORK_BUDGET`].
    pub(super) fn fork(&mut self, state: &ShellState) -> Option<ShellState> {
        let history: usize = state.history.iter().map(String::len).sum();
        let cost = FORK_COST + state.vars_bytes() + history;
        let left = self.forks.get();
        if cost > left {
            self.forks.set(0);
            self.error("-bash: fork: Resource temporarily unavailable\n");
            return None;
        }
        self.forks.set(left - cost);
        Some(state.clone())
    }

    /// Appends output, up to [`MAX_OUTPUT_BYTES`] in all.
    pub(super) fn emit(&mut self, stream: Stream, bytes: &[u8]) {
        let room = MAX_OUTPUT_BYTES.saturating_sub(self.output_bytes);
        let bytes = &bytes[..bytes.len().min(room)];
        if bytes.is_empty() {
            return;
        }
        self.output_bytes += bytes.len();
        match self.output.last_mut() {
            Some((last, buf)) if *last == stream => buf.extend_from_slice(bytes),
            _ => self.output.push((stream, bytes.to_vec())),
        }
    }

    pub(super) fn error(&mut self, message: &str) {
        self.emit(Stream::Err, message.as_bytes());
    }

    /// Sends a command's output chunks where its descriptors point.
    fn route(&mut self, chunks: Vec<(Stream, Vec<u8>)>, fds: [Sink; 2], pipe: &mut Vec<u8>) {
        for (stream, bytes) in chunks {
            let sink = if stream == Stream::Out {
                fds[0]
            } else {
                fds[1]
            };
            match sink {
                Sink::Term(stream) => self.emit(stream, &bytes),
                Sink::Pipe => {
                    let room = MAX_OUTPUT_BYTES.saturating_sub(pipe.len());
                    pipe.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
                Sink::Null => {}
            }
        }
    }

    pub(super) fn list(&mut self, state: &mut ShellState, list: &List, stdin: &[u8]) -> Flow {
        for (connector, pipeline) in &list.items {
            let run = match connector {
                Connector::Seq => true,
                Connector::And => state.last_status == 0,
                Connector::Or => state.last_status != 0,
            };
            if !run {
                continue;
            }
            match self.pipeline(state, pipeline, stdin) {
                Flow::Next => {}
                other => return other,
            }
        }
        Flow::Next
    }

    fn pipeline(&mut self, state: &mut ShellState, pipeline: &Pipeline, stdin: &[u8]) -> Flow {
        let stages = pipeline.commands.len();
        let mut input = stdin.to_vec();
        let mut status = 0;
        let mut flow = Flow::Next;
        for (i, command) in pipeline.commands.iter().enumerate() {
            let last = i + 1 == stages;
            let stdout = if last {
                Sink::Term(Stream::Out)
            } else {
                Sink::Pipe
            };
            let mut next = Vec::new();
            if stages == 1 {
                let (s, f) = self.command(state, command, &input, stdout, &mut next);
                status = s;
                flow = f;
            } else {
                // Every stage of a real pipeline runs in a subshell.
                status = match self.fork(state) {
                    Some(mut copy) => {
                        match self.command(&mut copy, command, &input, stdout, &mut next) {
                            (_, Flow::Exit(code)) => code,
                            (s, _) => s,
                        }
                    }
                    None => 1,
                };
            }
            input = next;
        }
        if pipeline.negate {
            status = i32::from(status == 0);
        }
        match flow {
            Flow::Exit(code) => Flow::Exit(code),
            other => {
                state.last_status = status;
                other
            }
        }
    }

    /// Runs one pipeline stage; returns its status and how control continues.
    fn command(
        &mut self,
        state: &mut ShellState,
        command: &Command,
        stdin: &[u8],
        stdout: Sink,
        pipe: &mut Vec<u8>,
    ) -> (i32, Flow) {
        match command {
            Command::Simple(simple) => self.simple(state, simple, stdin, stdout, pipe),
            Command::Subshell { body, redirects } => {
                let mut fds = [stdout, Sink::Term(Stream::Err)];
                let mut input = stdin.to_vec();
                if let Err(status) = self.redirect(state, redirects, &mut fds, &mut input) {
                    return (status, Flow::Next);
                }
                let Some(mut copy) = self.fork(state) else {
                    return (1, Flow::Next);
                };
                let mut inner = Exec::new(self.host, self.forks);
                let flow = inner.list(&mut copy, body, &input);
                let status = match flow {
                    Flow::Exit(code) => code,
                    _ => copy.last_status,
                };
                self.unknown.append(&mut inner.unknown);
                self.route(inner.output, fds, pipe);
                (status, Flow::Next)
            }
        }
    }

    fn simple(
        &mut self,
        state: &mut ShellState,
        cmd: &SimpleCommand,
        stdin: &[u8],
        stdout: Sink,
        pipe: &mut Vec<u8>,
    ) -> (i32, Flow) {
        self.subst_status = None;
        // Expand the words. `export` takes `NAME=value` arguments whole, like an assignment.
        let mut argv: Vec<String> = Vec::new();
        let mut argv_bytes = 0usize;
        for word in &cmd.words {
            let before = argv.len();
            let declaration =
                argv.first().is_some_and(|name| name == "export") && assignment_like(&word.parts);
            if declaration {
                match self.expand_single(state, &word.parts) {
                    Ok(value) => argv.push(value),
                    Err(message) => return self.fatal(state, &message),
                }
            } else {
                for parts in brace_expand(&word.parts) {
                    match self.expand_fields(state, &parts) {
                        Ok(fields) => argv.extend(fields),
                        Err(message) => return self.fatal(state, &message),
                    }
                }
            }
            // Like the kernel's ARG_MAX: a command line cannot grow without bound.
            argv_bytes += argv[before..].iter().map(String::len).sum::<usize>();
            if argv_bytes > MAX_ARGV_BYTES {
                let name = argv.first().cloned().unwrap_or_default();
                self.error(&format!("-bash: {name}: Argument list too long\n"));
                return (126, Flow::Next);
            }
        }
        let mut fds = [stdout, Sink::Term(Stream::Err)];
        let mut input = stdin.to_vec();
        if let Err(status) = self.redirect(state, &cmd.redirects, &mut fds, &mut input) {
            return (status, Flow::Next);
        }
        let Some(name) = argv.first().cloned() else {
            // Only assignments (and redirections): they stay, each visible to the next.
            for (name, value) in &cmd.assignments {
                match self.expand_single(state, &value.parts) {
                    Ok(value) if state.can_hold(name, &value) => state.set_var(name, value),
                    Ok(value) => return self.fatal(state, &too_large(value.len())),
                    Err(message) => return self.fatal(state, &message),
                }
            }
            return (self.subst_status.unwrap_or(0), Flow::Next);
        };
        // `NAME=value cmd`: the assignments hold for this command only, exported, each
        // visible to the next; the words were expanded before them.
        let mut saved: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        for (name, value) in &cmd.assignments {
            let value = match self.expand_single(state, &value.parts) {
                Ok(value) if state.can_hold(name, &value) => value,
                Ok(value) => {
                    restore(state, saved);
                    return self.fatal(state, &too_large(value.len()));
                }
                Err(message) => {
                    restore(state, saved);
                    return self.fatal(state, &message);
                }
            };
            saved.push((
                name.clone(),
                state.vars.remove(name),
                state.env.get(name).cloned(),
            ));
            state.env.insert(name.clone(), value);
        }
        let Some(command) = commands::lookup(&name) else {
            restore(state, saved);
            let message = if name.contains('/') {
                format!("-bash: {name}: No such file or directory\n")
            } else {
                format!("-bash: {name}: command not found\n")
            };
            self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe);
            self.unknown.push(name);
            return (127, Flow::Next);
        };
        let mut cx = CommandCtx::new(self.host, state, &input);
        let status = command.run(&mut cx, &argv);
        let exit = cx.exit_requested();
        let aborted = cx.line_aborted();
        let chunks = cx.into_output();
        restore(state, saved);
        self.route(chunks, fds, pipe);
        match exit {
            Some(code) => (code, Flow::Exit(code)),
            None if aborted => {
                state.last_status = status;
                (status, Flow::Abort)
            }
            None => (status, Flow::Next),
        }
    }

    /// An expansion error: bash prints it, sets `$?` to 1 and drops the rest of the line.
    fn fatal(&mut self, state: &mut ShellState, message: &str) -> (i32, Flow) {
        self.error(message);
        state.last_status = 1;
        (1, Flow::Abort)
    }
}

/// Puts back the variables a `NAME=value cmd` prefix replaced, latest first.
fn restore(state: &mut ShellState, saved: Vec<(String, Option<String>, Option<String>)>) {
    for (name, var, env) in saved.into_iter().rev() {
        state.env.remove(&name);
        if let Some(value) = var {
            state.vars.insert(name.clone(), value);
        }
        if let Some(value) = env {
            state.env.insert(name, value);
        }
    }
}

/// Whether a word reads `NAME=…` with an unquoted name (a declaration argument).
fn assignment_like(parts: &[Part]) -> bool {
    match parts.first() {
        Some(Part::Lit {
            text,
            quoted: false,
        }) => text
            .split_once('=')
            .is_some_and(|(name, _)| parser::is_name(name)),
        _ => false,
    }
}
