//! The public face: [`Shell`] runs a line and returns a [`LineOutcome`], and draws the prompt.

use std::cell::Cell;
use std::sync::Arc;

use super::exec::{Exec, FORK_BUDGET, Flow};
use crate::host::HostProfile;
use crate::shell::parser;
use crate::shell::state::ShellState;

/// The longest line the shell runs; longer lines get an error instead (the line editor
/// already stops there).
pub const MAX_LINE_BYTES: usize = crate::shell::line_editor::MAX_LINE_BYTES;

/// The most output one line may produce; the rest is dropped.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

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
