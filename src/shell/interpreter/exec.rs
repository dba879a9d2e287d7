//! Running a parsed line: lists, pipelines, subshells and simple commands, with their output
//! routed through each command's descriptors and the line's fork budget.

use std::cell::RefCell;
use std::rc::Rc;

use super::brace::{brace_expand, may_have_braces};
use super::expand::too_large;
use super::shell::MAX_OUTPUT_BYTES;
use crate::host::HostProfile;
use crate::host::fs::{Cred, Fs, Overlay};
use crate::shell::commands::Stream;
use crate::shell::parser::{self, Command, Connector, List, Part, Pipeline, SimpleCommand};
use crate::shell::state::ShellState;

pub(super) use super::budget::{Budget, FORK_COST, MAX_ARGV_BYTES};

/// How control leaves a command or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// Carry on with the next command.
    Next,
    /// `exit` ran: the shell (or the subshell) ends with this status.
    Exit(i32),
    /// An error that makes bash discard the rest of the line (bad substitution, `exit 1 2`).
    Abort,
    /// `break N`: leave this many enclosing loops.
    Break(usize),
    /// `continue N`: go on with the N-th enclosing loop.
    Continue(usize),
    /// `return N`: leave the function (or sourced script) with this status.
    Return(i32),
}

/// Where a file descriptor's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sink {
    /// The enclosing output, on this stream.
    Term(Stream),
    /// The next pipeline stage's input.
    Pipe,
    /// Nowhere (`/dev/null`).
    Null,
    /// A file a redirection opened: the index of its [`OpenFile`].
    File(usize),
}

/// A file a redirection opened for a command. Its output is collected and written when the
/// command ends (the file was already created or truncated when it was opened).
pub(super) struct OpenFile {
    /// The file's canonical path.
    pub path: String,
    /// What the command wrote to it.
    pub data: Vec<u8>,
}

/// The script a command runs in, for `$0`, `$1`… and error messages.
#[derive(Debug, Clone)]
pub(super) struct Script {
    /// The name it was started as (`x.sh`, `./x.sh`).
    pub name: String,
    /// Run by dash (`sh x.sh`): dash words its errors differently from bash.
    pub dash: bool,
    /// Positional parameters.
    pub args: Vec<String>,
    /// The line running now, from 1.
    pub line: usize,
    /// Sourced (`. x.sh`) into the interactive shell rather than run by a child shell.
    pub sourced: bool,
    /// The text came with `-c` (`bash -c '…'`, or an SSH exec request): `$-` has `c` and
    /// syntax errors read `bash: -c: line N: …`.
    pub command: bool,
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
    /// What is left of the line's budgets, shared with nested runs.
    pub(super) budget: &'h Budget,
    /// The session's filesystem.
    pub(super) fs: &'h mut Overlay,
    /// Who the shell runs as.
    pub(super) cred: Cred,
    /// The terminal's width when this run's standard output is the terminal.
    pub(super) terminal: Option<u16>,
    /// The script this run belongs to, if any.
    pub(super) script: Option<Script>,
    /// How many scripts deep this run is.
    pub(super) depth: usize,
    /// The positional parameters of the function running now, if any (else the script's).
    pub(super) positional: Option<Vec<String>>,
    /// How many loops enclose the command running now.
    pub(super) loops: usize,
    /// How many function calls deep this run is.
    pub(super) funcs: usize,
    /// The variables `local` saved in the function running now, restored when it returns.
    pub(super) frame: Option<Rc<RefCell<Vec<SavedVar>>>>,
    /// How many runs this one is nested in (subshells, `$(…)`, compound commands, function
    /// calls, scripts): capped at [`MAX_NESTING`] so no input exhausts the stack.
    pub(super) nesting: usize,
    /// Inside an alias's own text, which bash does not expand again.
    pub(super) no_aliases: bool,
    /// Above 0 where `set -e` does not apply: conditions, all but the last command of an
    /// `&&`/`||` list, negated pipelines (and everything they run).
    pub(super) no_errexit: usize,
    /// How many command substitutions deep this run is: xtrace repeats `$PS4`'s first
    /// character once more per level (`++ echo hi`).
    pub(super) trace_level: usize,
    /// Inside a subshell (`( … )`, `$( … )`, a background job): job notices stay quiet.
    pub(super) subshell: bool,
}

/// The deepest nesting of runs a line may reach.
pub(super) const MAX_NESTING: usize = 150;

/// A variable as it was before `local` (or a `NAME=value cmd` prefix) replaced it: its name,
/// shell value and exported value.
pub(super) type SavedVar = (String, Option<String>, Option<String>);

impl<'h> Exec<'h> {
    pub(super) fn new(
        host: &'h HostProfile,
        budget: &'h Budget,
        fs: &'h mut Overlay,
        terminal: Option<u16>,
        state: &ShellState,
    ) -> Self {
        let cred = Fs::new(fs, host, Cred::root(), state.now(), "/")
            .accounts()
            .cred(&state.user);
        Exec {
            host,
            output: Vec::new(),
            output_bytes: 0,
            unknown: Vec::new(),
            subst_status: None,
            budget,
            fs,
            cred,
            terminal,
            script: None,
            depth: 0,
            positional: None,
            loops: 0,
            funcs: 0,
            frame: None,
            nesting: 0,
            no_aliases: false,
            no_errexit: 0,
            trace_level: 0,
            subshell: false,
        }
    }

    /// A run nested in this one (a subshell, `$(…)`, a script), sharing its filesystem and
    /// budgets; `terminal` says whether its output still reaches the terminal.
    pub(super) fn nested(&mut self, terminal: Option<u16>) -> Exec<'_> {
        Exec {
            host: self.host,
            output: Vec::new(),
            output_bytes: 0,
            unknown: Vec::new(),
            subst_status: None,
            budget: self.budget,
            fs: &mut *self.fs,
            cred: self.cred.clone(),
            terminal,
            script: self.script.clone(),
            depth: self.depth,
            positional: self.positional.clone(),
            loops: self.loops,
            funcs: self.funcs,
            frame: self.frame.clone(),
            nesting: self.nesting + 1,
            no_aliases: self.no_aliases,
            no_errexit: self.no_errexit,
            trace_level: self.trace_level,
            subshell: self.subshell,
        }
    }

    /// A filesystem handle for `state`'s user and directory.
    pub(super) fn fs_handle(&mut self, state: &ShellState) -> Fs<'_> {
        Fs::new(
            &mut *self.fs,
            self.host,
            self.cred.clone(),
            state.now(),
            &state.cwd,
        )
    }

    /// Makes the session's `umask` the one files get while a command runs: what `umask` set,
    /// else the login's (pam_umask's `usergroups`: 002 for a user whose primary group has the
    /// user's name, 022 for root and everyone else).
    pub(super) fn umask_guard(&self, state: &ShellState) -> crate::host::fs::UmaskGuard {
        let mask = state
            .admin
            .umask
            .unwrap_or_else(|| self.host.login_umask(&state.user));
        crate::host::fs::scoped_umask(mask)
    }

    /// The terminal's width if `sink` reaches it.
    pub(super) fn tty_of(&self, sink: Sink) -> Option<u16> {
        match sink {
            Sink::Term(_) => self.terminal,
            _ => None,
        }
    }

    /// Copies the state for a subshell, as `fork(2)` would; `None` (after bash's error) when
    /// the line has used up its [`FORK_BUDGET`].
    pub(super) fn fork(&mut self, state: &ShellState) -> Option<ShellState> {
        // Charged as if the history were copied (it is shared), so the budget stays bash-like.
        let cost = FORK_COST + state.vars_bytes() + state.history.bytes();
        let left = self.budget.forks.get();
        if cost > left {
            self.budget.forks.set(0);
            self.error("-bash: fork: Resource temporarily unavailable\n");
            return None;
        }
        self.budget.forks.set(left - cost);
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

    pub(super) fn list(&mut self, state: &mut ShellState, list: &List, stdin: &[u8]) -> Flow {
        if self.nesting > MAX_NESTING {
            // A real bash would crash or run out of processes long before.
            if self.step() {
                self.budget.steps.set(1);
                self.step();
            }
            state.last_status = 254;
            return Flow::Abort;
        }
        for (i, (connector, pipeline)) in list.items.iter().enumerate() {
            let run = match connector {
                Connector::Seq => true,
                Connector::And => state.last_status == 0,
                Connector::Or => state.last_status != 0,
            };
            if !run {
                continue;
            }
            // `set -e` spares all but the last command of an `&&`/`||` list and `!` pipelines.
            let chained = list
                .items
                .get(i + 1)
                .is_some_and(|(next, _)| *next != Connector::Seq);
            let exempt = usize::from(chained || pipeline.negate);
            self.no_errexit += exempt;
            let flow = if pipeline.background {
                self.background(state, pipeline, stdin)
            } else {
                self.pipeline(state, pipeline, stdin)
            };
            self.no_errexit -= exempt;
            match flow {
                Flow::Next => {}
                other => return other,
            }
            if state.last_status != 0
                && exempt == 0
                && self.no_errexit == 0
                && !is_compound(pipeline)
                && self.option_enabled(state, "errexit")
            {
                return Flow::Exit(state.last_status);
            }
        }
        Flow::Next
    }

    pub(super) fn pipeline(
        &mut self,
        state: &mut ShellState,
        pipeline: &Pipeline,
        stdin: &[u8],
    ) -> Flow {
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
        // The next command's `$?` is the pipeline's status, not a substitution's.
        self.subst_status = None;
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
    pub(super) fn command(
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
                let mut files = Vec::new();
                if let Err(status) =
                    self.redirect(state, redirects, &mut fds, &mut input, &mut files)
                {
                    return (status, Flow::Next);
                }
                let Some(mut copy) = self.fork(state) else {
                    return (1, Flow::Next);
                };
                let terminal = self.tty_of(fds[0]);
                let (flow, output, mut unknown) = {
                    let mut inner = self.nested(terminal);
                    inner.subshell = true;
                    let flow = inner.list(&mut copy, body, &input);
                    (flow, inner.output, inner.unknown)
                };
                let status = match flow {
                    Flow::Exit(code) | Flow::Return(code) => code,
                    _ => copy.last_status,
                };
                self.unknown.append(&mut unknown);
                self.route(output, fds, pipe, &mut files);
                let status = self.flush(state, "(", files, status);
                (status, Flow::Next)
            }
            Command::Compound(compound, redirects) => {
                self.compound(state, compound, redirects, stdin, stdout, pipe)
            }
            Command::Function { name, source, .. } => self.define(state, name, source),
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
        if !self.step() {
            return (126, Flow::Abort);
        }
        match self.expand_alias(state, cmd) {
            None => {}
            Some(super::builtins::Aliased::Simple(cmd)) => {
                return self.simple(state, &cmd, stdin, stdout, pipe);
            }
            Some(super::builtins::Aliased::Text(text)) => {
                // Aliases (`ls --color=auto`) expand on most lines: their text is parsed once.
                let parsed = parser::parse_shared(&text);
                let Ok(list) = &*parsed else {
                    return (2, Flow::Next);
                };
                let fds = [stdout, Sink::Term(Stream::Err)];
                let flow = self.nested_run(state, fds, pipe, &mut [], |inner, state| {
                    // Bash does not expand an alias again inside its own text.
                    inner.no_aliases = true;
                    inner.list(state, list, stdin)
                });
                return (state.last_status, flow);
            }
        }
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
            } else if !may_have_braces(&word.parts) {
                // Most words: no brace to expand, so no copy of the word to expand it in.
                match self.expand_words(state, &word.parts) {
                    Ok(fields) => argv.extend(fields),
                    Err(message) => return self.fatal(state, &message),
                }
            } else {
                for parts in brace_expand(&word.parts) {
                    match self.expand_words(state, &parts) {
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
        let mut files = Vec::new();
        if let Err(status) = self.redirect(state, &cmd.redirects, &mut fds, &mut input, &mut files)
        {
            return (status, Flow::Next);
        }
        let Some(name) = argv.first().cloned() else {
            // Only assignments (and redirections): they stay, each visible to the next.
            for (name, value) in &cmd.assignments {
                match self.expand_single(state, &value.parts) {
                    Ok(value) if state.can_hold(name, &value) => {
                        if self.xtrace(state) {
                            let line = format!("{name}={}", super::options::trace_quote(&value));
                            self.trace_line(state, &line);
                        }
                        state.set_var(name, value);
                    }
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
            if self.xtrace(state) {
                let line = format!("{name}={}", super::options::trace_quote(&value));
                self.trace_line(state, &line);
            }
            saved.push((
                name.clone(),
                state.vars.remove(name),
                state.env.get(name).cloned(),
            ));
            state.env.insert(name.clone(), value);
        }
        if self.xtrace(state) {
            self.trace_words(state, &argv);
        }
        let (status, flow) = self.invoke(state, &argv, &input, fds, pipe, &mut files);
        restore(state, saved);
        let status = self.flush(state, &name, files, status);
        match flow {
            Flow::Abort => {
                state.last_status = status;
                (status, Flow::Abort)
            }
            flow => (status, flow),
        }
    }

    /// An expansion error: bash prints it, sets `$?` to 1 and drops the rest of the line.
    fn fatal(&mut self, state: &mut ShellState, message: &str) -> (i32, Flow) {
        self.error(message);
        state.last_status = 1;
        (1, Flow::Abort)
    }
}

/// Whether a pipeline is one compound command (not a subshell): `set -e` leaves its status
/// alone, because the commands inside it were already subject to it.
fn is_compound(pipeline: &Pipeline) -> bool {
    matches!(pipeline.commands.as_slice(), [Command::Compound(..)])
}

/// Puts back the variables a `NAME=value cmd` prefix replaced, latest first.
fn restore(state: &mut ShellState, saved: Vec<SavedVar>) {
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
