//! Running what a command name resolves to: emulated commands, scripts (`sh x.sh`,
//! `bash -c …`, `. x.sh`, `./x.sh` after `chmod +x`), and the errors bash gives for what
//! cannot run. Scripts run line by line through this same interpreter, in a child copy of
//! the state (or the shell's own state for `.`), bounded in depth and in lines per command
//! line.

use super::exec::{Exec, Flow, OpenFile, Script, Sink};
use super::lookup::{self, ShellKind, Target};
use crate::host::fs::Fs;
use crate::shell::commands::{Command, CommandCtx, Stream};
use crate::shell::parser;
use crate::shell::state::ShellState;

/// How deep scripts may run scripts (bash has no limit but runs out of processes).
const MAX_SCRIPT_DEPTH: usize = 16;

/// The most bytes of a script that are read.
const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// Output chunks, unknown command names and how control left a nested run.
type Nested = (Flow, Vec<(Stream, Vec<u8>)>, Vec<String>);

impl Exec<'_> {
    /// Runs `argv` (after expansion and redirection) and returns its status and flow.
    pub(super) fn dispatch(
        &mut self,
        state: &mut ShellState,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let Some(name) = argv.first() else {
            return (0, Flow::Next);
        };
        let path_var = state.var("PATH").unwrap_or("").to_owned();
        let target = lookup::resolve(&self.fs_handle(state), name, &path_var);
        match target {
            Target::Command(command) => {
                self.run_command(state, command, argv, input, fds, pipe, files)
            }
            Target::Source => self.source(state, argv, input, fds, pipe, files),
            Target::Shell(kind) => self.run_shell(state, kind, argv, input, fds, pipe, files),
            Target::Script(path) => {
                self.run_executable(state, &path, argv, input, fds, pipe, files)
            }
            Target::Dropped => (0, Flow::Next),
            Target::BadFormat => self.fail(
                format!(
                    "{}{name}: cannot execute binary file: Exec format error\n",
                    self.prefix()
                ),
                126,
                fds,
                files,
            ),
            Target::IsDir => self.fail(
                format!("{}{name}: Is a directory\n", self.prefix()),
                126,
                fds,
                files,
            ),
            Target::Denied => self.fail(
                format!("{}{name}: Permission denied\n", self.prefix()),
                126,
                fds,
                files,
            ),
            Target::NotFound | Target::Program => {
                // Layer 4: the persona's answer, when the line was given one, is the output.
                if let Some(answer) = super::answers::answer(&argv.join(" ")) {
                    self.route(vec![(Stream::Out, answer.into_bytes())], fds, pipe, files);
                    return (0, Flow::Next);
                }
                // Cowrie logs the whole command (`" ".join([cmd] + args)`), not only its name.
                self.unknown.push(argv.join(" "));
                let message = if name.contains('/') {
                    format!("{}{name}: No such file or directory\n", self.prefix())
                } else {
                    self.not_found(name)
                };
                self.fail(message, 127, fds, files)
            }
        }
    }

    /// Bash's (or, in a script run by `sh`, dash's) words for a missing command.
    fn not_found(&self, name: &str) -> String {
        match &self.script {
            Some(script) if script.dash => {
                format!("{}: {}: {name}: not found\n", script.name, script.line)
            }
            Some(_) => format!("{}{name}: command not found\n", self.prefix()),
            None => format!("{}{name}: command not found\n", self.prefix()),
        }
    }

    /// What bash puts before an error: `-bash: `, or `x.sh: line 3: ` inside a script.
    pub(super) fn prefix(&self) -> String {
        match &self.script {
            None => "-bash: ".to_owned(),
            Some(script) if script.dash => format!("{}: {}: ", script.name, script.line),
            Some(script) if script.sourced => {
                format!("-bash: {}: line {}: ", script.name, script.line)
            }
            Some(script) => format!("{}: line {}: ", script.name, script.line),
        }
    }

    /// A builtin's errors name the shell as an interactive login bash does (`-bash: cd: …`);
    /// in a script or `-c` text bash names the script and line instead (`bash: line 1: cd:
    /// …`), so the prefix is swapped on each error line.
    fn reprefix(&self, argv: &[String], chunks: Vec<(Stream, Vec<u8>)>) -> Vec<(Stream, Vec<u8>)> {
        let builtin = argv.first().is_some_and(|name| lookup::is_builtin(name));
        let prefix = self.prefix();
        if !builtin || prefix == "-bash: " || self.script.as_ref().is_some_and(|s| s.dash) {
            return chunks;
        }
        chunks
            .into_iter()
            .map(|(stream, bytes)| {
                if stream != Stream::Err {
                    return (stream, bytes);
                }
                let mut out = Vec::with_capacity(bytes.len() + prefix.len());
                for line in bytes.split_inclusive(|b| *b == b'\n') {
                    match line.strip_prefix(b"-bash: ") {
                        Some(rest) => {
                            out.extend_from_slice(prefix.as_bytes());
                            out.extend_from_slice(rest);
                        }
                        None => out.extend_from_slice(line),
                    }
                }
                (stream, out)
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn run_command(
        &mut self,
        state: &mut ShellState,
        command: &dyn Command,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let tty = self.tty_of(fds[0]);
        let now = state.now();
        let cwd = state.cwd.clone();
        let _umask = self.umask_guard(state);
        let (status, exit, aborted, chunks) = {
            let fs = Fs::new(&mut *self.fs, self.host, self.cred.clone(), now, &cwd);
            let mut cx = CommandCtx::new(self.host, state, input, fs, tty);
            let status = command.run(&mut cx, argv);
            let exit = cx.exit_requested();
            let aborted = cx.line_aborted();
            self.budget.events.borrow_mut().extend(cx.take_events());
            (status, exit, aborted, cx.into_output())
        };
        let chunks = self.reprefix(argv, chunks);
        self.route(chunks, fds, pipe, files);
        match exit {
            Some(code) => (code, Flow::Exit(code)),
            None if aborted => (status, Flow::Abort),
            None => (status, Flow::Next),
        }
    }

    /// Runs `text` line by line as `script` on `state`, in a nested run.
    pub(super) fn run_text(
        &mut self,
        state: &mut ShellState,
        text: &str,
        script: Script,
        input: &[u8],
        terminal: Option<u16>,
    ) -> Nested {
        if self.depth >= MAX_SCRIPT_DEPTH {
            self.error("-bash: fork: retry: Resource temporarily unavailable\n");
            state.last_status = 254;
            return (Flow::Next, Vec::new(), Vec::new());
        }
        let mut inner = self.nested(terminal);
        inner.depth += 1;
        inner.script = Some(script);
        let mut flow = Flow::Next;
        let lines: Vec<&str> = text.split('\n').collect();
        let mut next = 0;
        while next < lines.len() {
            if !spend_line(&inner, 1) {
                break;
            }
            let number = next;
            let mut chunk = lines[next].to_owned();
            next += 1;
            if let Some(script) = inner.script.as_mut() {
                script.line = number + 1;
            }
            if chunk.trim().is_empty() {
                continue;
            }
            // A construct left open (`for …; do`) takes the following lines too; each retry
            // costs budget by its size, so an unclosed `{` cannot make parsing quadratic.
            // Shared: a script's lines (a dropper's, run by many sessions) are parsed once.
            let parsed = loop {
                let result = parser::parse_shared(&chunk);
                match &*result {
                    Err(err) if err.wants_more() && next < lines.len() => {
                        if !spend_line(&inner, 1 + chunk.len() / 256) {
                            break std::sync::Arc::new(Err(parser::ParseError::Incomplete));
                        }
                        chunk.push('\n');
                        chunk.push_str(lines[next]);
                        next += 1;
                    }
                    // The text ends with a here-document open: it takes what is there.
                    // bash warns on the line where the text ran out.
                    Err(parser::ParseError::Incomplete) => {
                        let whole = parser::parse_to_end(&chunk);
                        if whole.is_ok()
                            && let Some(script) = inner.script.as_mut()
                        {
                            script.line = next;
                        }
                        break std::sync::Arc::new(whole);
                    }
                    _ => break result,
                }
            };
            match &*parsed {
                Ok(list) => match inner.list(state, list, input) {
                    Flow::Next | Flow::Break(_) | Flow::Continue(_) => {}
                    // A non-interactive shell exits on an expansion error, and on `exit`.
                    Flow::Abort => break,
                    Flow::Return(code) => {
                        state.last_status = code;
                        break;
                    }
                    Flow::Exit(code) => {
                        flow = Flow::Exit(code);
                        break;
                    }
                },
                Err(err) => {
                    let text_line = lines.get(next.saturating_sub(1)).copied().unwrap_or("");
                    inner.syntax_error(err, number + 1, next, eof_line(text), text_line);
                    state.last_status = 2;
                    break;
                }
            }
        }
        (flow, inner.output, inner.unknown)
    }

    /// Reports a syntax error in a script as bash does: `x.sh: line 2: …` (`bash: -c: line 2:
    /// …` for `-c` text), with the offending line quoted after an unexpected token, and the
    /// end of file reported on the line after the last. `first` is the line the failing
    /// command started on, `last` the line it ended on.
    fn syntax_error(
        &mut self,
        err: &parser::ParseError,
        first: usize,
        last: usize,
        eof: usize,
        text: &str,
    ) {
        let Some(script) = self.script.clone() else {
            self.error(&err.message());
            return;
        };
        if script.dash {
            if let Some(s) = self.script.as_mut() {
                s.line = last;
            }
            let prefix = self.prefix();
            for line in err.message().lines() {
                let line = line.strip_prefix("-bash: ").unwrap_or(line);
                self.error(&format!("{prefix}{line}\n"));
            }
            return;
        }
        let at = |line: usize| {
            if script.sourced {
                format!("-bash: {}: line {line}: ", script.name)
            } else if script.command {
                format!("{}: -c: line {line}: ", script.name)
            } else {
                format!("{}: line {line}: ", script.name)
            }
        };
        let message = match err {
            parser::ParseError::Unexpected(token) => format!(
                "{p}syntax error near unexpected token `{token}'\n{p}`{text}'\n",
                p = at(last)
            ),
            parser::ParseError::UnexpectedEof | parser::ParseError::Incomplete => {
                format!("{}syntax error: unexpected end of file\n", at(eof))
            }
            parser::ParseError::Unmatched(c) => format!(
                "{}unexpected EOF while looking for matching `{c}'\n{}syntax error: unexpected end of file\n",
                at(first),
                at(eof)
            ),
            parser::ParseError::Other(lines) => {
                let prefix = at(last);
                lines.iter().map(|l| format!("{prefix}{l}\n")).collect()
            }
        };
        self.error(&message);
    }

    /// Runs a script in a child shell (a copy of the state) and routes its output.
    #[allow(clippy::too_many_arguments)]
    fn child_script(
        &mut self,
        state: &ShellState,
        text: &str,
        script: Script,
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let Some(mut copy) = self.fork(state) else {
            return (1, Flow::Next);
        };
        copy.last_status = 0;
        // A child bash starts with its own options (`SHELLOPTS` is not exported).
        copy.vars.remove("SHELLOPTS");
        let terminal = self.tty_of(fds[0]);
        let (flow, output, mut unknown) = self.run_text(&mut copy, text, script, input, terminal);
        self.unknown.append(&mut unknown);
        self.route(output, fds, pipe, files);
        let status = match flow {
            Flow::Exit(code) => code,
            _ => copy.last_status,
        };
        (status, Flow::Next)
    }

    /// Reads a script file, up to [`MAX_SCRIPT_BYTES`].
    fn script_text(
        &mut self,
        state: &ShellState,
        path: &str,
    ) -> Result<String, crate::host::fs::FsError> {
        let bytes = self.fs_handle(state).read_limited(path, MAX_SCRIPT_BYTES)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `sh`, `bash`, `dash`: `-c 'text'`, a script file, or the script on standard input
    /// (`curl … | sh`).
    #[allow(clippy::too_many_arguments)]
    fn run_shell(
        &mut self,
        state: &mut ShellState,
        kind: ShellKind,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let me = argv.first().cloned().unwrap_or_default();
        let dash = kind == ShellKind::Dash;
        let mut command: Option<String> = None;
        let mut wants_command = false;
        let mut operands: Vec<String> = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if !operands.is_empty() || (wants_command && command.is_none()) {
                if wants_command && command.is_none() {
                    command = Some(arg.clone());
                } else {
                    operands.push(arg.clone());
                }
                continue;
            }
            if arg == "--" || arg == "-" {
                continue;
            }
            if arg.starts_with("--") {
                continue;
            }
            if let Some(flags) = arg.strip_prefix('-').or_else(|| arg.strip_prefix('+')) {
                if flags.contains('c') {
                    wants_command = true;
                }
                if flags.contains('o') {
                    args.next();
                }
                continue;
            }
            operands.push(arg.clone());
        }
        if wants_command {
            let Some(text) = command else {
                let message = if dash {
                    format!("{me}: 0: -c requires an argument\n")
                } else {
                    format!("{me}: -c: option requires an argument\n")
                };
                return self.fail(message, 2, fds, files);
            };
            let mut operands = operands.into_iter();
            let name = operands.next().unwrap_or_else(|| me.clone());
            let script = Script {
                name,
                dash,
                args: operands.collect(),
                line: 0,
                sourced: false,
                command: true,
            };
            return self.child_script(state, &text, script, input, fds, pipe, files);
        }
        let mut operands = operands.into_iter();
        let Some(file) = operands.next() else {
            // The script comes on standard input; an interactive `sh` has none to give.
            let text = String::from_utf8_lossy(input).into_owned();
            let script = Script {
                name: me.clone(),
                dash,
                args: Vec::new(),
                line: 0,
                sourced: false,
                command: false,
            };
            return self.child_script(state, &text, script, &[], fds, pipe, files);
        };
        let text = match self.script_text(state, &file) {
            Ok(text) => text,
            Err(err) => {
                let message = if dash {
                    if state_is_focal(self) {
                        format!("{me}: 0: Can't open {file}\n")
                    } else {
                        format!("{me}: 0: cannot open {file}: No such file\n")
                    }
                } else {
                    format!("{me}: {file}: {err}\n")
                };
                let status = if dash { 2 } else { 127 };
                return self.fail(message, status, fds, files);
            }
        };
        let script = Script {
            name: file,
            dash,
            args: operands.collect(),
            line: 0,
            sourced: false,
            command: false,
        };
        self.child_script(state, &text, script, input, fds, pipe, files)
    }

    /// `./x.sh`: a script with execute permission; its `#!` line picks the shell.
    #[allow(clippy::too_many_arguments)]
    fn run_executable(
        &mut self,
        state: &mut ShellState,
        path: &str,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let name = argv.first().cloned().unwrap_or_default();
        let text = match self.script_text(state, path) {
            Ok(text) => text,
            Err(err) => {
                let message = format!("/bin/bash: {name}: {err}\n");
                self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe, files);
                return (126, Flow::Next);
            }
        };
        let mut dash = false;
        if let Some(shebang) = text.lines().next().and_then(|l| l.strip_prefix("#!")) {
            let mut words = shebang.split_whitespace();
            let interpreter = words.next().unwrap_or("");
            let program = match interpreter.rsplit('/').next() {
                Some("env") => words.next().unwrap_or(""),
                Some(base) => base,
                None => "",
            };
            match program {
                "sh" | "dash" => dash = true,
                "bash" | "" => {}
                other => {
                    if !self.fs_handle(state).exists(interpreter) {
                        let message = format!(
                            "-bash: {name}: {interpreter}: bad interpreter: No such file or directory\n"
                        );
                        self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe, files);
                        return (126, Flow::Next);
                    }
                    // Perl, Python…: not emulated; later layers may take it over.
                    self.unknown.push(other.to_owned());
                    return (0, Flow::Next);
                }
            }
        }
        let script = Script {
            name,
            dash,
            args: argv.iter().skip(1).cloned().collect(),
            line: 0,
            sourced: false,
            command: false,
        };
        self.child_script(state, &text, script, input, fds, pipe, files)
    }

    /// `.` and `source`: runs a file in the shell itself, so its `cd` and variables stay.
    #[allow(clippy::too_many_arguments)]
    fn source(
        &mut self,
        state: &mut ShellState,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        let me = argv.first().cloned().unwrap_or_default();
        let Some(file) = argv.get(1).cloned() else {
            return self.fail(format!(
                    "-bash: {me}: filename argument required\n{me}: usage: {me} filename [arguments]\n"
                ),
                2, fds, files);
        };
        // Without a slash, bash looks on $PATH first, then in the working directory.
        let mut found = file.clone();
        if !file.contains('/') {
            let path_var = state.var("PATH").unwrap_or("").to_owned();
            let fs = self.fs_handle(state);
            for dir in path_var.split(':').filter(|d| !d.is_empty()) {
                let candidate = format!("{}/{file}", dir.trim_end_matches('/'));
                if fs.stat(&candidate).is_ok_and(|s| !s.is_dir()) {
                    found = candidate;
                    break;
                }
            }
        }
        if self.fs_handle(state).is_dir(&found) {
            return self.fail(
                format!("-bash: {me}: {file}: is a directory\n"),
                1,
                fds,
                files,
            );
        }
        let text = match self.script_text(state, &found) {
            Ok(text) => text,
            Err(err) => return self.fail(format!("-bash: {file}: {err}\n"), 1, fds, files),
        };
        let script = Script {
            name: file,
            dash: false,
            args: argv.iter().skip(2).cloned().collect(),
            line: 0,
            sourced: self.script.is_none(),
            command: false,
        };
        let terminal = self.tty_of(fds[0]);
        state.last_status = 0;
        let (flow, output, mut unknown) = self.run_text(state, &text, script, input, terminal);
        self.unknown.append(&mut unknown);
        self.route(output, fds, pipe, files);
        match flow {
            Flow::Exit(code) => (code, Flow::Exit(code)),
            _ => (state.last_status, Flow::Next),
        }
    }
}

/// Spends `cost` script lines of the line's budget; `false` once it is spent.
fn spend_line(exec: &Exec<'_>, cost: usize) -> bool {
    let left = exec.budget.script_lines.get();
    if left == 0 {
        return false;
    }
    exec.budget.script_lines.set(left.saturating_sub(cost));
    true
}

/// The line bash blames when `text` ends inside a construct: the one after its last line.
fn eof_line(text: &str) -> usize {
    text.matches('\n').count() + 1 + usize::from(!text.ends_with('\n'))
}

/// Whether the host runs Ubuntu 20.04, whose dash words a missing script differently.
fn state_is_focal(exec: &Exec<'_>) -> bool {
    exec.host.coreutils_version == "8.30"
}
