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

use std::sync::Arc;

use super::arith;
use super::commands::{self, CommandCtx, Stream};
use super::parser::{
    self, Command, Connector, List, ParamOp, Part, Pipeline, RedirOp, Redirect, SimpleCommand,
};
use super::state::ShellState;
use crate::host::HostProfile;

/// The longest line the shell runs; longer lines get an error instead (the line editor
/// already stops there).
pub const MAX_LINE_BYTES: usize = super::line_editor::MAX_LINE_BYTES;

/// The most output one line may produce; the rest is dropped.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// The largest single word an expansion may produce (`A=$A$A` doubling stops here).
const MAX_WORD_BYTES: usize = 1 << 20;

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
        let mut exec = Exec::new(&self.host);
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
}

impl<'h> Exec<'h> {
    fn new(host: &'h HostProfile) -> Self {
        Exec {
            host,
            output: Vec::new(),
            output_bytes: 0,
            unknown: Vec::new(),
            subst_status: None,
        }
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
                let mut copy = state.clone();
                let (s, f) = self.command(&mut copy, command, &input, stdout, &mut next);
                status = match f {
                    Flow::Exit(code) => code,
                    _ => s,
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
                let mut copy = state.clone();
                let mut inner = Exec::new(self.host);
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
        for word in &cmd.words {
            let declaration =
                argv.first().is_some_and(|name| name == "export") && assignment_like(&word.parts);
            if declaration {
                match self.expand_single(state, &word.parts) {
                    Ok(value) => argv.push(value),
                    Err(message) => return self.fatal(state, &message),
                }
                continue;
            }
            for parts in brace_expand(&word.parts) {
                match self.expand_fields(state, &parts) {
                    Ok(fields) => argv.extend(fields),
                    Err(message) => return self.fatal(state, &message),
                }
            }
        }
        let mut assignments = Vec::with_capacity(cmd.assignments.len());
        for (name, value) in &cmd.assignments {
            match self.expand_single(state, &value.parts) {
                Ok(value) => assignments.push((name.clone(), value)),
                Err(message) => return self.fatal(state, &message),
            }
        }
        let mut fds = [stdout, Sink::Term(Stream::Err)];
        let mut input = stdin.to_vec();
        if let Err(status) = self.redirect(state, &cmd.redirects, &mut fds, &mut input) {
            return (status, Flow::Next);
        }
        let Some(name) = argv.first().cloned() else {
            // Only assignments (and redirections): they stay.
            for (name, value) in assignments {
                state.set_var(&name, value);
            }
            return (self.subst_status.unwrap_or(0), Flow::Next);
        };
        let Some(command) = commands::lookup(&name) else {
            let message = if name.contains('/') {
                format!("-bash: {name}: No such file or directory\n")
            } else {
                format!("-bash: {name}: command not found\n")
            };
            self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe);
            self.unknown.push(name);
            return (127, Flow::Next);
        };
        // `NAME=value cmd`: the assignments hold for this command only, exported.
        let saved: Vec<(String, Option<String>, Option<String>)> = assignments
            .iter()
            .map(|(n, _)| (n.clone(), state.vars.remove(n), state.env.get(n).cloned()))
            .collect();
        for (name, value) in assignments {
            state.env.insert(name, value);
        }
        let mut cx = CommandCtx::new(self.host, state, &input);
        let status = command.run(&mut cx, &argv);
        let exit = cx.exit_requested();
        let aborted = cx.line_aborted();
        let chunks = cx.into_output();
        for (name, var, env) in saved {
            state.env.remove(&name);
            if let Some(value) = var {
                state.vars.insert(name.clone(), value);
            }
            if let Some(value) = env {
                state.env.insert(name, value);
            }
        }
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
        op: Option<&(ParamOp, Vec<Part>)>,
    ) -> Result<String, String> {
        let value = self.param_value(state, name);
        let Some((op, word)) = op else {
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
        }
    }

    /// `$(…)`: runs `body` in a copy of the state and returns its stdout without trailing
    /// newlines; its stderr goes straight to this output.
    fn command_sub(&mut self, state: &ShellState, body: &List) -> String {
        let mut copy = state.clone();
        let mut inner = Exec::new(self.host);
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
#[cfg(test)]
mod tmp_diff {
    #[test]
    #[ignore]
    fn tmp_diff() {
        let text = std::fs::read_to_string("/tmp/lines.txt").unwrap();
        let mut all = String::new();
        for line in text.lines() {
            all.push_str(&format!("### {line}\n"));
            all.push_str(&crate::shell::commands::testing::run(line));
        }
        std::fs::write("/tmp/mine_out.txt", all).unwrap();
    }
}
