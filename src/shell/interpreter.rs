//! [`Shell`]: runs command lines against a [`ShellState`] and returns what the terminal shows.
//!
//! A line is parsed ([`super::parser`]) and then run list by list: `&&`/`||`/`;` follow `$?`
//! exactly like bash (a skipped command leaves `$?` alone, so `true && false || echo b` prints
//! `b`). Words are expanded when their command runs. Pipeline stages, `( … )` and `$( … )` run
//! on a copy of the state, as bash runs them in subshells: `cd /tmp | true` changes nothing and
//! `exit` there ends only the copy.
//!
//! Output is collected as ordered stdout/stderr chunks and routed through each command's
//! redirections; what reaches the terminal comes back as one byte string. Everything the
//! attacker controls is bounded: line length, expansion size, output size, nesting.

use std::cell::Cell;
use std::sync::Arc;

use super::commands::{self, CommandCtx, Stream};
use super::parser::{
    self, Command, Connector, List, ParamOp, Part, Pipeline, RedirOp, Redirect, SimpleCommand,
};
use super::state::ShellState;
use super::{arith, pattern};
use crate::host::HostProfile;

/// The longest line the shell runs; longer lines get an error instead (the line editor
/// already stops there).
pub const MAX_LINE_BYTES: usize = super::line_editor::MAX_LINE_BYTES;

/// The most output one line may produce; the rest is dropped.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// The largest single word an expansion may produce (`A=$A$A` doubling stops here).
const MAX_WORD_BYTES: usize = 1 << 20;

/// The most bytes one command's arguments may hold, like Linux's `ARG_MAX` (2 MiB).
const MAX_ARGV_BYTES: usize = 2 << 20;

/// How many bytes of state one line may copy for subshells, pipeline stages and `$(…)`
/// (each copy costs the state's size plus [`FORK_COST`]). Beyond it, forking fails as it does
/// on a real box that hits its process limit.
const FORK_BUDGET: usize = 64 << 20;

/// The fixed part of one copy's cost, so that many copies of a small state also run out.
const FORK_COST: usize = 2048;

/// What bash's `$-` holds in an interactive login shell with job control.
const SHELL_FLAGS: &str = "himBHs";

/// Result of running one command line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineOutcome {
    /// Bytes for the terminal, with `\n` line ends (the caller translates to `\r\n` for a
    /// PTY); stdout and stderr interleaved in the order they were written.
    pub output: Vec<u8>,
    /// The line's exit status (`$?` afterwards, or the status `exit` gave).
    pub status: i32,
    /// The line asked to end the session (`exit`, `logout`).
    pub exit: bool,
    /// Command names that were not found (`-bash: foo: command not found`), in order.
    pub unknown_commands: Vec<String>,
}

/// The interpreter. It holds no per-session state itself (state is passed in), so
/// checkpoints are just [`ShellState`] clones and one `Shell` serves every session.
#[derive(Debug, Clone)]
pub struct Shell {
    host: Arc<HostProfile>,
}

impl Shell {
    /// An interpreter for the fake host `host`.
    pub fn new(host: Arc<HostProfile>) -> Shell {
        Shell { host }
    }

    /// The fake host this shell answers for.
    pub fn host(&self) -> &HostProfile {
        &self.host
    }

    /// Runs one line (which may hold several commands separated by `;`, `&&`, `||`, with
    /// quotes, backslash escapes, `$VAR` / `${VAR}` / `$?` expansion, `VAR=value` assignments
    /// and `export VAR=value`). Appends the line to history first, as bash does (not when it
    /// starts with a space; at most `HISTSIZE` entries). Never panics; a line longer than
    /// [`MAX_LINE_BYTES`] gets an error instead of running.
    pub fn run_line(&self, state: &mut ShellState, line: &str) -> LineOutcome {
        if line.len() > MAX_LINE_BYTES {
            // Bash itself has no limit, but a command this long fails in execve.
            let name: String = line
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .take(255)
                .collect();
            state.last_status = 126;
            return LineOutcome {
                output: format!("-bash: {name}: Argument list too long\n").into_bytes(),
                status: 126,
                exit: false,
                unknown_commands: Vec::new(),
            };
        }
        state.record_history(line);
        let list = match parser::parse(line) {
            Ok(list) => list,
            Err(err) => {
                state.last_status = 2;
                return LineOutcome {
                    output: err.message().into_bytes(),
                    status: 2,
                    exit: false,
                    unknown_commands: Vec::new(),
                };
            }
        };
        let forks = Cell::new(FORK_BUDGET);
        let mut exec = Exec::new(&self.host, &forks);
        let flow = exec.list(state, &list, &[]);
        let (exit, status) = match flow {
            Flow::Exit(status) => {
                state.last_status = status;
                (true, status)
            }
            Flow::Next | Flow::Abort => (false, state.last_status),
        };
        LineOutcome {
            output: exec
                .output
                .into_iter()
                .flat_map(|(_, bytes)| bytes)
                .collect(),
            status,
            exit,
            unknown_commands: exec.unknown,
        }
    }

    /// The prompt, bash style: `root@<hostname>:~# ` for root, `user@<hostname>:/tmp$ `
    /// otherwise (the working directory under `$HOME` shown with `~`). This is Ubuntu's
    /// default `PS1` without colour (`\u@\h:\w\$ `).
    pub fn prompt(&self, state: &ShellState) -> String {
        let sigil = if state.is_root() { '#' } else { '$' };
        let pwd = state
            .var("PWD")
            .filter(|p| p.starts_with('/'))
            .unwrap_or(&state.cwd);
        let dir = match state.var("HOME") {
            // Bash's \w: $HOME (longer than "/") at a component boundary becomes `~`.
            Some(home) if home.len() > 1 => match pwd.strip_prefix(home) {
                Some("") => "~".to_owned(),
                Some(rest) if rest.starts_with('/') => format!("~{rest}"),
                _ => pwd.to_owned(),
            },
            _ => pwd.to_owned(),
        };
        format!(
            "{}@{}:{dir}{sigil} ",
            state.user,
            self.host.short_hostname()
        )
    }
}

/// How control leaves a command or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Carry on with the next command.
    Next,
    /// `exit` ran: the shell (or the subshell) ends with this status.
    Exit(i32),
    /// An error that makes bash discard the rest of the line (bad substitution, `exit 1 2`).
    Abort,
}

/// Where a file descriptor's output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    /// The enclosing output, on this stream.
    Term(Stream),
    /// The next pipeline stage's input.
    Pipe,
    /// Nowhere (`/dev/null`, or a file until there is a filesystem).
    Null,
}

/// A piece of an expanded word: whether it may be split into fields.
enum Piece {
    /// Literal or quoted text: never split; it makes the word exist even when empty.
    Fixed(String),
    /// The unquoted result of an expansion: split on blanks.
    Split(String),
}

/// One run of a list, collecting its output.
struct Exec<'h> {
    host: &'h HostProfile,
    output: Vec<(Stream, Vec<u8>)>,
    output_bytes: usize,
    unknown: Vec<String>,
    /// The status of the last command substitution in the current command, which becomes
    /// `$?` of a command made only of assignments.
    subst_status: Option<i32>,
    /// What is left of the line's [`FORK_BUDGET`], shared with nested runs.
    forks: &'h Cell<usize>,
}

impl<'h> Exec<'h> {
    fn new(host: &'h HostProfile, forks: &'h Cell<usize>) -> Self {
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
    fn fork(&mut self, state: &ShellState) -> Option<ShellState> {
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
    fn emit(&mut self, stream: Stream, bytes: &[u8]) {
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

    fn error(&mut self, message: &str) {
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

    fn list(&mut self, state: &mut ShellState, list: &List, stdin: &[u8]) -> Flow {
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

    /// Applies redirections to `fds` and `stdin`. `Err` carries the status of a failed one.
    fn redirect(
        &mut self,
        state: &mut ShellState,
        redirects: &[Redirect],
        fds: &mut [Sink; 2],
        stdin: &mut Vec<u8>,
    ) -> Result<(), i32> {
        for redirect in redirects {
            let target = match redirect.op {
                RedirOp::HereString => match self.expand_single(state, &redirect.target.parts) {
                    Ok(text) => {
                        *stdin = format!("{text}\n").into_bytes();
                        continue;
                    }
                    Err(message) => {
                        self.error(&message);
                        return Err(1);
                    }
                },
                RedirOp::HereDoc => {
                    // A one-line shell never sees the document's body.
                    let delimiter = redirect.target.raw.trim_matches(['\'', '"']);
                    self.error(&format!(
                        "-bash: warning: here-document at line 1 delimited by end-of-file (wanted `{delimiter}')\n"
                    ));
                    stdin.clear();
                    continue;
                }
                _ => match self.expand_fields(state, &redirect.target.parts) {
                    Ok(fields) if fields.len() == 1 => {
                        fields.into_iter().next().unwrap_or_default()
                    }
                    Ok(_) => {
                        self.error(&format!(
                            "-bash: {}: ambiguous redirect\n",
                            redirect.target.raw
                        ));
                        return Err(1);
                    }
                    Err(message) => {
                        self.error(&message);
                        return Err(1);
                    }
                },
            };
            let file_sink = |fds: &[Sink; 2]| match target.as_str() {
                "/dev/stdout" => fds[0],
                "/dev/stderr" => fds[1],
                // Files are written nowhere until the fake filesystem exists.
                _ => Sink::Null,
            };
            match redirect.op {
                RedirOp::Out | RedirOp::Append => {
                    let sink = file_sink(fds);
                    match redirect.fd.unwrap_or(1) {
                        1 => fds[0] = sink,
                        2 => fds[1] = sink,
                        _ => {}
                    }
                }
                RedirOp::OutBoth | RedirOp::AppendBoth => {
                    let sink = file_sink(fds);
                    *fds = [sink, sink];
                }
                RedirOp::DupOut => {
                    let fd = redirect.fd.unwrap_or(1);
                    let sink = match target.as_str() {
                        "1" => fds[0],
                        "2" => fds[1],
                        "-" => Sink::Null,
                        t if t.chars().all(|c| c.is_ascii_digit()) => {
                            self.error(&format!("-bash: {t}: Bad file descriptor\n"));
                            return Err(1);
                        }
                        // `>&file` is `&>file`.
                        _ if redirect.fd.is_none() => {
                            let sink = file_sink(fds);
                            *fds = [sink, sink];
                            continue;
                        }
                        _ => {
                            self.error(&format!("-bash: {target}: ambiguous redirect\n"));
                            return Err(1);
                        }
                    };
                    match fd {
                        1 => fds[0] = sink,
                        2 => fds[1] = sink,
                        _ => {}
                    }
                }
                // Input from files (and descriptor duplication for input) waits for the
                // filesystem: the command reads nothing.
                RedirOp::In | RedirOp::DupIn => {
                    if redirect.fd.unwrap_or(0) == 0 {
                        stdin.clear();
                    }
                }
                RedirOp::HereString | RedirOp::HereDoc => {}
            }
        }
        Ok(())
    }

    /// Expands a word into fields (splitting unquoted expansions on blanks).
    fn expand_fields(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<Vec<String>, String> {
        let pieces = self.pieces(state, parts)?;
        let mut fields = Vec::new();
        let mut current = String::new();
        let mut present = false;
        for piece in pieces {
            match piece {
                Piece::Fixed(text) => {
                    current.push_str(&text);
                    present = true;
                }
                Piece::Split(text) => {
                    for c in text.chars() {
                        if matches!(c, ' ' | '\t' | '\n') {
                            if present {
                                fields.push(std::mem::take(&mut current));
                                present = false;
                            }
                        } else {
                            current.push(c);
                            present = true;
                        }
                    }
                }
            }
            if current.len() > MAX_WORD_BYTES {
                return Err(too_large(current.len()));
            }
        }
        if present {
            fields.push(current);
        }
        Ok(fields)
    }

    /// Expands a word into one string, without field splitting (assignments, here-strings).
    fn expand_single(&mut self, state: &mut ShellState, parts: &[Part]) -> Result<String, String> {
        let mut out = String::new();
        for piece in self.pieces(state, parts)? {
            match piece {
                Piece::Fixed(text) | Piece::Split(text) => out.push_str(&text),
            }
            if out.len() > MAX_WORD_BYTES {
                return Err(too_large(out.len()));
            }
        }
        Ok(out)
    }

    fn pieces(&mut self, state: &mut ShellState, parts: &[Part]) -> Result<Vec<Piece>, String> {
        let mut pieces = Vec::with_capacity(parts.len());
        let mut total = 0usize;
        for part in parts {
            let piece = match part {
                Part::Lit { text, .. } => Piece::Fixed(text.clone()),
                Part::Tilde(user) => Piece::Fixed(self.tilde(state, user)),
                Part::Param { name, op, quoted } => {
                    let value = self.param(state, name, op.as_ref())?;
                    if *quoted {
                        Piece::Fixed(value)
                    } else {
                        Piece::Split(value)
                    }
                }
                Part::Length { name, quoted } => {
                    let value = self.param_value(state, name).unwrap_or_default();
                    let length = if matches!(name.as_str(), "@" | "*" | "#") {
                        0
                    } else {
                        value.chars().count()
                    };
                    if *quoted {
                        Piece::Fixed(length.to_string())
                    } else {
                        Piece::Split(length.to_string())
                    }
                }
                Part::BadSubstitution(text) => {
                    return Err(format!("-bash: {text}: bad substitution\n"));
                }
                Part::CommandSub { body, quoted } => {
                    let text = self.command_sub(state, body);
                    if *quoted {
                        Piece::Fixed(text)
                    } else {
                        Piece::Split(text)
                    }
                }
                Part::Arith { expr, quoted } => {
                    let text = self.expand_single(state, expr)?;
                    let lookup = |name: &str| self.param_value(state, name);
                    let value = arith::eval(&text, &lookup).map_err(|e| format!("-bash: {e}\n"))?;
                    if *quoted {
                        Piece::Fixed(value.to_string())
                    } else {
                        Piece::Split(value.to_string())
                    }
                }
            };
            total += match &piece {
                Piece::Fixed(t) | Piece::Split(t) => t.len(),
            };
            if total > MAX_WORD_BYTES {
                return Err(too_large(total));
            }
            pieces.push(piece);
        }
        Ok(pieces)
    }

    fn tilde(&self, state: &ShellState, user: &str) -> String {
        match user {
            "" => state
                .var("HOME")
                .map_or_else(|| state.home_dir(), str::to_owned),
            "root" => "/root".to_owned(),
            u if u == state.user => state.home_dir(),
            u => format!("~{u}"),
        }
    }

    /// A parameter's value: special parameters, variables, then bash's own variables.
    fn param_value(&self, state: &ShellState, name: &str) -> Option<String> {
        match name {
            "?" => return Some(state.last_status.to_string()),
            "0" => return Some("-bash".to_owned()),
            "#" => return Some("0".to_owned()),
            "-" => return Some(SHELL_FLAGS.to_owned()),
            "@" | "*" => return Some(String::new()),
            _ => {}
        }
        if let Some(value) = state.var(name) {
            return Some(value.to_owned());
        }
        let uid = if state.is_root() { "0" } else { "1000" };
        let value = match name {
            "HOSTNAME" => self.host.hostname.clone(),
            "UID" | "EUID" => uid.to_owned(),
            "BASH" => "/bin/bash".to_owned(),
            "HOSTTYPE" => self.host.machine.clone(),
            "MACHTYPE" => format!("{}-pc-linux-gnu", self.host.machine),
            "OSTYPE" => "linux-gnu".to_owned(),
            "IFS" => " \t\n".to_owned(),
            _ => return None,
        };
        Some(value)
    }

    /// `$NAME` or `${NAME<op>word}`.
    fn param(
        &mut self,
        state: &mut ShellState,
        name: &str,
        op: Option<&(ParamOp, Vec<Part>, Vec<Part>)>,
    ) -> Result<String, String> {
        let value = self.param_value(state, name);
        let Some((op, word, replacement)) = op else {
            return Ok(value.unwrap_or_default());
        };
        let unset = |colon: bool| value.as_deref().is_none_or(|v| colon && v.is_empty());
        match *op {
            ParamOp::Default { colon } => {
                if unset(colon) {
                    self.expand_single(state, word)
                } else {
                    Ok(value.unwrap_or_default())
                }
            }
            ParamOp::Assign { colon } => {
                if !unset(colon) {
                    return Ok(value.unwrap_or_default());
                }
                let word = self.expand_single(state, word)?;
                if !parser::is_name(name) {
                    return Err(format!("-bash: ${name}: cannot assign in this way\n"));
                }
                if !state.can_hold(name, &word) {
                    return Err(too_large(word.len()));
                }
                state.set_var(name, word.clone());
                Ok(word)
            }
            ParamOp::Alternative { colon } => {
                if unset(colon) {
                    Ok(String::new())
                } else {
                    self.expand_single(state, word)
                }
            }
            ParamOp::Error { colon } => {
                if !unset(colon) {
                    return Ok(value.unwrap_or_default());
                }
                let word = self.expand_single(state, word)?;
                let message = if word.is_empty() {
                    if colon {
                        "parameter null or not set".to_owned()
                    } else {
                        "parameter not set".to_owned()
                    }
                } else {
                    word
                };
                Err(format!("-bash: {name}: {message}\n"))
            }
            ParamOp::RemovePrefix { longest } => {
                let pattern = self.expand_single(state, word)?;
                Ok(pattern::remove_prefix(
                    &value.unwrap_or_default(),
                    &pattern,
                    longest,
                ))
            }
            ParamOp::RemoveSuffix { longest } => {
                let pattern = self.expand_single(state, word)?;
                Ok(pattern::remove_suffix(
                    &value.unwrap_or_default(),
                    &pattern,
                    longest,
                ))
            }
            ParamOp::Replace {
                all,
                at_start,
                at_end,
            } => {
                let pattern = self.expand_single(state, word)?;
                let replacement = self.expand_single(state, replacement)?;
                let anchor = if at_start {
                    pattern::Anchor::Start
                } else if at_end {
                    pattern::Anchor::End
                } else {
                    pattern::Anchor::Anywhere
                };
                let value = value.unwrap_or_default();
                Ok(pattern::replace(
                    &value,
                    &pattern,
                    &replacement,
                    all,
                    anchor,
                ))
            }
            ParamOp::Substring => {
                let value = value.unwrap_or_default();
                let spec = self.expand_single(state, word)?;
                let (offset, length) = match spec.split_once(':') {
                    Some((o, l)) => (o.to_owned(), Some(l.to_owned())),
                    None => (spec, None),
                };
                let lookup = |n: &str| self.param_value(state, n);
                let arith = |e: &str| arith::eval(e, &lookup).map_err(|e| format!("-bash: {e}\n"));
                let chars: Vec<char> = value.chars().collect();
                let count = chars.len() as i64;
                let mut start = arith(&offset)?;
                if start < 0 {
                    start += count;
                }
                if start < 0 || start > count {
                    return Ok(String::new());
                }
                let end = match length {
                    None => count,
                    Some(l) => {
                        let l = arith(&l)?;
                        if l < 0 {
                            let end = count + l;
                            if end < start {
                                return Err(format!("-bash: {l}: substring expression < 0\n"));
                            }
                            end
                        } else {
                            (start.saturating_add(l)).min(count)
                        }
                    }
                };
                Ok(chars[start as usize..end as usize].iter().collect())
            }
            ParamOp::Case { upper, all } => {
                let value = value.unwrap_or_default();
                let change = |c: char| -> String {
                    if upper {
                        c.to_uppercase().collect()
                    } else {
                        c.to_lowercase().collect()
                    }
                };
                Ok(if all {
                    value.chars().map(change).collect()
                } else {
                    let mut chars = value.chars();
                    match chars.next() {
                        Some(first) => change(first) + chars.as_str(),
                        None => String::new(),
                    }
                })
            }
        }
    }

    /// `$(…)`: runs `body` in a copy of the state and returns its stdout without trailing
    /// newlines; its stderr goes straight to this output.
    fn command_sub(&mut self, state: &ShellState, body: &List) -> String {
        let Some(mut copy) = self.fork(state) else {
            self.subst_status = Some(1);
            return String::new();
        };
        let mut inner = Exec::new(self.host, self.forks);
        let flow = inner.list(&mut copy, body, &[]);
        self.subst_status = Some(match flow {
            Flow::Exit(code) => code,
            _ => copy.last_status,
        });
        self.unknown.append(&mut inner.unknown);
        let mut captured = Vec::new();
        for (stream, bytes) in inner.output {
            match stream {
                Stream::Out => captured.extend_from_slice(&bytes),
                Stream::Err => self.emit(Stream::Err, &bytes),
            }
        }
        while captured.last() == Some(&b'\n') {
            captured.pop();
        }
        String::from_utf8_lossy(&captured).into_owned()
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

/// The most words one brace expansion may produce.
const MAX_BRACE_WORDS: usize = 1024;

/// Bash's brace expansion (`a{b,c}`, `{1..5}`, `{a..e}`, `{01..10..2}`) on the unquoted
/// literal text of a word; the other parts are copied into every resulting word.
fn brace_expand(parts: &[Part]) -> Vec<Vec<Part>> {
    // Every resulting word is about as long as the original: bound the words by bytes too.
    let size: usize = parts
        .iter()
        .map(|p| match p {
            Part::Lit { text, .. } => text.len(),
            _ => 16,
        })
        .sum();
    let max_words = (MAX_ARGV_BYTES / size.max(1)).clamp(1, MAX_BRACE_WORDS);
    let mut done = Vec::new();
    let mut todo = vec![parts.to_vec()];
    while let Some(word) = todo.pop() {
        if done.len() + todo.len() >= max_words {
            done.push(word);
            continue;
        }
        let found = word.iter().enumerate().find_map(|(i, part)| match part {
            Part::Lit {
                text,
                quoted: false,
            } => braces_in(text, max_words).map(|variants| (i, variants)),
            _ => None,
        });
        match found {
            None => done.push(word),
            Some((i, variants)) => {
                // Pushed in reverse so they come out in order.
                for variant in variants.into_iter().rev() {
                    let mut next = word.clone();
                    next[i] = Part::Lit {
                        text: variant,
                        quoted: false,
                    };
                    todo.push(next);
                }
            }
        }
    }
    done
}

/// The texts the first brace expression in `text` expands to, if it has one.
fn braces_in(text: &str, max_words: usize) -> Option<Vec<String>> {
    let bytes = text.as_bytes();
    for (open, _) in text.match_indices('{') {
        // Find the matching close brace and the top-level commas.
        let mut depth = 0usize;
        let mut commas = Vec::new();
        let mut close = None;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                b',' if depth == 1 => commas.push(i),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let (prefix, inner, suffix) = (&text[..open], &text[open + 1..close], &text[close + 1..]);
        let alternatives: Vec<String> = if commas.is_empty() {
            match sequence(inner) {
                Some(items) => items,
                None => continue,
            }
        } else {
            let mut items = Vec::new();
            let mut start = open + 1;
            for &comma in &commas {
                items.push(text[start..comma].to_owned());
                start = comma + 1;
            }
            items.push(text[start..close].to_owned());
            items
        };
        return Some(
            alternatives
                .into_iter()
                .take(max_words)
                .map(|alt| format!("{prefix}{alt}{suffix}"))
                .collect(),
        );
    }
    None
}

/// `{a..b}` or `{a..b..step}` with integers or single letters.
fn sequence(inner: &str) -> Option<Vec<String>> {
    let fields: Vec<&str> = inner.split("..").collect();
    let (start, end, step) = match fields.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, c] => (*a, *b, Some(*c)),
        _ => return None,
    };
    let step: i64 = match step {
        Some(s) => s.parse::<i64>().ok()?.checked_abs()?.max(1),
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (start.parse::<i64>(), end.parse::<i64>()) {
        let padded = |s: &str| {
            let digits = s.trim_start_matches('-');
            digits.len() > 1 && digits.starts_with('0')
        };
        let width = if padded(start) || padded(end) {
            start.len().max(end.len())
        } else {
            0
        };
        let mut items = Vec::new();
        let mut n = a;
        while items.len() < MAX_BRACE_WORDS {
            items.push(format!("{n:0width$}"));
            let next = if a <= b {
                n.checked_add(step)
            } else {
                n.checked_sub(step)
            };
            match next {
                Some(next) if (a <= b && next <= b) || (a > b && next >= b) => n = next,
                _ => break,
            }
        }
        return Some(items);
    }
    let (mut a, mut b) = (start.chars(), end.chars());
    match (a.next(), a.next(), b.next(), b.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() => {
            let (x, y) = (x as u8, y as u8);
            let step = u8::try_from(step).unwrap_or(u8::MAX);
            let mut items = Vec::new();
            let mut c = x;
            loop {
                items.push((c as char).to_string());
                let next = if x <= y {
                    c.checked_add(step)
                } else {
                    c.checked_sub(step)
                };
                match next {
                    Some(n) if (x <= y && n <= y) || (x > y && n >= y) => c = n,
                    _ => break,
                }
            }
            Some(items)
        }
        _ => None,
    }
}

fn too_large(size: usize) -> String {
    format!("-bash: xrealloc: cannot allocate {size} bytes\n")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::commands::testing::{host, run, run_as, run_status};

    #[test]
    fn and_or_follow_status_like_bash() {
        assert_eq!(run("false || echo a"), "a\n");
        assert_eq!(run("true && false || echo b"), "b\n");
        assert_eq!(run("false && echo x; echo $?"), "1\n");
        assert_eq!(run("true || echo x; echo $?"), "0\n");
        assert_eq!(run("false || false && echo x || echo y"), "y\n");
        assert_eq!(run("true && echo a && echo b || echo c"), "a\nb\n");
        assert_eq!(run("false; echo $?; true; echo $?"), "1\n0\n");
        assert_eq!(run("! false; echo $?; ! true; echo $?"), "0\n1\n");
    }

    #[test]
    fn unknown_command_text_and_status() {
        let out = run_as("root", "foo");
        assert_eq!(out.output, b"-bash: foo: command not found\n");
        assert_eq!(out.status, 127);
        assert_eq!(out.unknown_commands, ["foo"]);
        assert_eq!(run("foo; echo $?"), "-bash: foo: command not found\n127\n");
        assert_eq!(run("./foo"), "-bash: ./foo: No such file or directory\n");
        assert_eq!(run("''"), "-bash: : command not found\n");
        assert_eq!(run("foo 2>/dev/null; echo $?"), "127\n");
    }

    #[test]
    fn variables_and_expansion() {
        assert_eq!(run("X=1 Y=2; echo $X$Y ${X}a"), "12 1a\n");
        assert_eq!(
            run("echo ~ ~/x ~root ~nope a=~"),
            "/root /root/x /root ~nope a=/root\n"
        );
        assert_eq!(run("A=\"a   b\"; echo $A \"$A\""), "a b a   b\n");
        assert_eq!(run("echo $UNSET x \"\" y"), "x  y\n");
        assert_eq!(
            run("X=1; echo ${#PATH} ${X:-def} ${NOPE:-def} ${X:+alt}"),
            "98 1 def alt\n"
        );
        assert_eq!(run("echo ${N:=set}; echo $N"), "set\nset\n");
        assert_eq!(
            run("echo $HOME $USER $SHELL $HOSTNAME $0"),
            "/root root /bin/bash web-prod-03 -bash\n"
        );
        assert_eq!(run("echo '$HOME' \"$HOME\" \\$HOME"), "$HOME /root $HOME\n");
        assert_eq!(run("echo a\\ b 'c'\"d\""), "a b cd\n");
        assert_eq!(
            run("echo $(whoami) `hostname` \"$(echo 'a   b')\" $(echo 'c   d')"),
            "root web-prod-03 a   b c d\n"
        );
        assert_eq!(run("echo $((1 + 2 * 3)) $((X+1))"), "7 1\n");
        assert_eq!(run("X=5; echo $((X * 2))"), "10\n");
        assert_eq!(
            run("FOO=bar sh_var=1; echo $FOO; export | grep FOO"),
            "bar\n-bash: grep: command not found\n"
        );
    }

    #[test]
    fn assignments_run_left_to_right() {
        assert_eq!(run("X=5 Y=$X; echo $Y"), "5\n");
        assert_eq!(run("X=1; X=2 Y=$X true; echo $X $Y"), "1\n");
    }

    #[test]
    fn brace_expansion_like_bash() {
        // Expected output from bash 5.2.
        assert_eq!(
            run(
                r#"echo {1..3} {a..c} {1..10..3} {05..7} x{a,b}y {a,{b,c}} {x} {} {a..} \{a,b\} "{a,b}" $HOME/{a,b} {3..1} {-1..1}"#
            ),
            "1 2 3 a b c 1 4 7 10 05 06 07 xay xby a b c {x} {} {a..} {a,b} {a,b} /root/a /root/b 3 2 1 -1 0 1\n"
        );
        assert_eq!(run("echo {1..100000} | true; echo ok"), "ok\n");
        let big = "x".repeat(60_000);
        let out = run(&format!("echo {{1..100}}{big} | true; echo ok"));
        assert!(out.ends_with("ok\n"), "{out}");
        assert_eq!(run("echo {a,b}{c,d}"), "ac ad bc bd\n");
    }

    #[test]
    fn ansi_c_quoting() {
        assert_eq!(
            run_as("root", r#"echo $'a\tb\x41\101\cAz\u00e9\q' $"x""#).output,
            "a\tbAA\x01zé\\q x\n".as_bytes()
        );
    }

    #[test]
    fn parameter_operators_like_bash() {
        // Expected output from bash 5.2.
        assert_eq!(
            run("P=/usr/local/bin/tool.tar.gz; echo ${P#*/} ${P##*/} ${P%.*} ${P%%.*}"),
            "usr/local/bin/tool.tar.gz tool.tar.gz /usr/local/bin/tool.tar /usr/local/bin/tool\n"
        );
        assert_eq!(
            run(
                "S=hello-world-hello; echo ${S/hello/bye} ${S//hello/bye} ${S/#hello/X} ${S/%hello/X} ${S//o}"
            ),
            "bye-world-hello bye-world-bye X-world-hello hello-world-X hell-wrld-hell\n"
        );
        assert_eq!(
            run("S=abcdef; echo ${S:2} ${S:1:3} ${S: -2} ${S:1:-1} ${S:9}"),
            "cdef bcd ef bcde\n"
        );
        assert_eq!(
            run("S=hello; echo ${S^} ${S^^} ${S,,} X${HOME#/}"),
            "Hello HELLO hello Xroot\n"
        );
    }

    #[test]
    fn expansion_errors_drop_the_rest_of_the_line() {
        assert_eq!(
            run_status("echo ${a b}; echo after"),
            ("-bash: ${a b}: bad substitution\n".to_owned(), 1)
        );
        assert_eq!(
            run("echo $((7/0)); echo after"),
            "-bash: 7/0: division by 0 (error token is \"0\")\n"
        );
        assert_eq!(
            run("echo ${X:?}; echo after"),
            "-bash: X: parameter null or not set\n"
        );
    }

    #[test]
    fn syntax_errors_have_status_2_and_are_in_history() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        let out = shell.run_line(&mut state, "echo a &&");
        assert_eq!(out.output, b"-bash: syntax error: unexpected end of file\n");
        assert_eq!(out.status, 2);
        assert_eq!(state.last_status, 2);
        assert_eq!(state.history, ["echo a &&"]);
    }

    #[test]
    fn temporary_assignments_and_subshells() {
        assert_eq!(run("X=1; X=2 true; echo $X"), "1\n");
        assert_eq!(run("cd /tmp | true; pwd"), "/root\n");
        assert_eq!(run("(cd /tmp; pwd); pwd"), "/tmp\n/root\n");
        assert_eq!(run("echo $(cd /tmp; pwd) $(pwd)"), "/tmp /root\n");
        assert_eq!(run("(exit 7); echo $?"), "7\n");
        assert_eq!(run("X=$(false); echo $?"), "1\n");
    }

    #[test]
    fn pipes_and_redirections() {
        assert_eq!(run("echo hidden | true; echo shown"), "shown\n");
        assert_eq!(run("uname -z 2>/dev/null; echo $?"), "1\n");
        assert_eq!(run("echo a >/dev/null; echo b > /tmp/x"), "");
        assert_eq!(run("uname -z 2>&1 >/dev/null | true"), "");
        assert_eq!(run("uname -z >/dev/null 2>&1"), "");
        assert_eq!(run("echo err >&2"), "err\n");
        assert_eq!(run("foo |& true"), "");
        assert_eq!(run("echo a &> /dev/null; echo b"), "b\n");
        assert_eq!(run("echo a > $NOPE"), "-bash: $NOPE: ambiguous redirect\n");
        assert_eq!(run("echo x | foo"), "-bash: foo: command not found\n");
        assert_eq!(run("echo a & echo b"), "a\nb\n");
        assert_eq!(run("echo a # comment"), "a\n");
    }

    #[test]
    fn prompt_for_root_and_users() {
        let shell = Shell::new(Arc::new(host()));
        let mut root = ShellState::login("root");
        assert_eq!(shell.prompt(&root), "root@web-prod-03:~# ");
        shell.run_line(&mut root, "cd /tmp");
        assert_eq!(shell.prompt(&root), "root@web-prod-03:/tmp# ");
        shell.run_line(&mut root, "cd /root/.ssh");
        assert_eq!(shell.prompt(&root), "root@web-prod-03:~/.ssh# ");
        let mut user = ShellState::login("alice");
        assert_eq!(shell.prompt(&user), "alice@web-prod-03:~$ ");
        shell.run_line(&mut user, "cd /tmp");
        assert_eq!(shell.prompt(&user), "alice@web-prod-03:/tmp$ ");
        shell.run_line(&mut user, "cd /home");
        assert_eq!(shell.prompt(&user), "alice@web-prod-03:/home$ ");
        let mut dotted = host();
        dotted.hostname = "db02.example.com".to_owned();
        let shell = Shell::new(Arc::new(dotted));
        assert_eq!(shell.prompt(&ShellState::login("root")), "root@db02:~# ");
    }

    #[test]
    fn history_is_recorded_before_running() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        shell.run_line(&mut state, "echo one");
        shell.run_line(&mut state, " echo secret");
        shell.run_line(&mut state, "");
        let out = shell.run_line(&mut state, "history");
        assert_eq!(out.output, b"    1  echo one\n    2  history\n");
    }

    #[test]
    fn long_lines_get_an_error() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        let line = format!("echo {}", "x".repeat(MAX_LINE_BYTES));
        let out = shell.run_line(&mut state, &line);
        assert_eq!(out.output, b"-bash: echo: Argument list too long\n");
        assert_eq!(out.status, 126);
        assert!(state.history.is_empty());
    }

    #[test]
    fn output_and_expansions_are_bounded() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        shell.run_line(
            &mut state,
            "A=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        );
        let mut last = None;
        for _ in 0..20 {
            last = Some(shell.run_line(&mut state, "A=$A$A"));
        }
        let out = last.expect("ran");
        assert!(String::from_utf8_lossy(&out.output).contains("cannot allocate"));
        assert!(state.var("A").map_or(0, str::len) <= MAX_WORD_BYTES);
        // Many large variables, or one huge command line, hit the state and argv caps.
        shell.run_line(&mut state, "A=${A:0:1000000}");
        let out = shell.run_line(
            &mut state,
            &(0..20)
                .map(|i| format!("V{i}=$A"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        assert!(String::from_utf8_lossy(&out.output).contains("cannot allocate"));
        assert!(state.vars_bytes() <= crate::shell::state::MAX_VARS_BYTES);
        let out = shell.run_line(&mut state, &format!("echo {}", "$A ".repeat(100)));
        assert_eq!(out.output, b"-bash: echo: Argument list too long\n");
    }

    #[test]
    fn forking_is_bounded_per_line() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        shell.run_line(&mut state, &format!("A={}", "x".repeat(60_000)));
        shell.run_line(&mut state, "A=$A$A$A$A$A$A$A$A; A=$A$A");
        assert!(state.vars_bytes() > 900_000);
        let line = vec!["true"; 10_000].join("|");
        let started = std::time::Instant::now();
        let out = shell.run_line(&mut state, &line);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(
            String::from_utf8_lossy(&out.output)
                .starts_with("-bash: fork: Resource temporarily unavailable\n")
        );
        // The budget is per line.
        assert_eq!(
            shell.run_line(&mut state, "echo $(echo ok)").output,
            b"ok\n"
        );
    }

    /// The deepest nesting the parser and evaluator accept must fit in a small thread stack
    /// (actor threads have 2 MiB; this checks with half of that, in a debug build).
    #[test]
    fn deep_nesting_fits_in_a_small_stack() {
        let lines = [
            format!("echo $(({}1{}))", "(".repeat(70), ")".repeat(70)),
            format!("echo {}x{}", "$(echo ".repeat(40), ")".repeat(40)),
            format!("echo {}x{}", "${X:-".repeat(40), "}".repeat(40)),
            format!("echo {}x{}", "\"$(".repeat(40), ")\"".repeat(40)),
            format!("{}true{}", "(".repeat(40), ")".repeat(40)),
        ];
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let shell = Shell::new(Arc::new(host()));
                let mut state = ShellState::login("root");
                for line in &lines {
                    let _ = shell.run_line(&mut state, line);
                }
            })
            .expect("spawn");
        assert!(handle.join().is_ok());
    }

    #[test]
    fn state_is_the_whole_checkpoint() {
        let shell = Shell::new(Arc::new(host()));
        let mut state = ShellState::login("root");
        shell.run_line(&mut state, "cd /var/log; X=1; export Y=2; false");
        let mut restored: ShellState =
            serde_json::from_str(&serde_json::to_string(&state).expect("save")).expect("load");
        assert_eq!(restored, state);
        let out = shell.run_line(&mut restored, "echo $? $X $Y; pwd");
        assert_eq!(out.output, b"1 1 2\n/var/log\n");
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn on_arbitrary_text(line in any::<String>()) {
                let shell = Shell::new(Arc::new(host()));
                let mut state = ShellState::login("root");
                let _ = shell.run_line(&mut state, &line);
                let _ = shell.prompt(&state);
            }

            #[test]
            fn on_shell_syntax(
                lines in proptest::collection::vec(
                    "[a-z $(){}`'\"\\\\|&;<>!#~=0-9:?+*/.%^_-]{0,80}",
                    1..6,
                ),
                user in "root|alice",
            ) {
                let shell = Shell::new(Arc::new(host()));
                let mut state = ShellState::login(&user);
                for line in &lines {
                    let out = shell.run_line(&mut state, line);
                    prop_assert!(out.output.len() <= MAX_OUTPUT_BYTES);
                    if out.exit {
                        break;
                    }
                }
            }

            #[test]
            fn on_command_words(
                words in proptest::collection::vec(
                    "uname|id|whoami|hostname|echo|cd|pwd|export|history|exit|true|false|-[a-zA-Z]{1,4}|--[a-z]{1,8}|/[a-z/.]{0,12}|\\.\\.|[A-Z]=[a-z]{0,3}|-e|\\\\[0-9a-z]{1,4}",
                    0..8,
                ),
            ) {
                let shell = Shell::new(Arc::new(host()));
                let mut state = ShellState::login("alice");
                let _ = shell.run_line(&mut state, &words.join(" "));
            }
        }
    }
}
