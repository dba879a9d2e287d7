//! The public face: [`Shell`] runs a line and returns a [`LineOutcome`], and draws the prompt.

use std::sync::Arc;

use super::exec::{Budget, Exec, Flow};
use crate::host::HostProfile;
use crate::host::fs::{Image, Limits, Overlay, provision_home};
use crate::shell::parser;
use crate::shell::state::ShellState;

/// The longest line the shell runs; longer lines get an error instead (the line editor
/// already stops there).
pub const MAX_LINE_BYTES: usize = crate::shell::line_editor::MAX_LINE_BYTES;

/// The most output one line may produce; the rest is dropped.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// The most bytes an open construct may gather over several lines before it is refused.
pub const MAX_PENDING_BYTES: usize = 256 << 10;

/// The history entry for a command typed over several lines: bash's `cmdhist` joins the lines
/// with `; `, or a space after a word that opens a body (`do`, `then`, `{`, `|`, …).
fn history_entry(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_owned();
    }
    let mut entry = String::new();
    for line in text.split('\n').map(str::trim).filter(|l| !l.is_empty()) {
        if !entry.is_empty() {
            let last = entry.rsplit([' ', '\t', ';']).next().unwrap_or("");
            let glue = matches!(
                last,
                "do" | "then" | "else" | "{" | "in" | "|" | "&&" | "||"
            ) || entry.ends_with(';')
                || entry.ends_with(')');
            entry.push_str(if glue { " " } else { "; " });
        }
        entry.push_str(line);
    }
    entry
}

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
    /// Events the line's commands recorded (downloads), in order, for the session's log.
    pub events: Vec<crate::events::EventKind>,
    /// The line left a construct open (`for i in 1 2; do`): nothing ran, the text waits in
    /// [`ShellState::pending`] and [`Shell::prompt`] now gives bash's `PS2`, `> `.
    pub incomplete: bool,
}

/// Where a line's output goes, besides its redirections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// A terminal (the session has a PTY) this many columns wide: `ls` lays out columns.
    Columns(u16),
    /// No terminal (an exec request without a PTY): programs see a pipe.
    None,
}

/// The interpreter. It holds no per-session state itself (state is passed in), so
/// checkpoints are just [`ShellState`] clones and one `Shell` serves every session. The
/// session's files are not part of the checkpoint: they live in an [`Overlay`] the caller
/// holds next to the state and passes to [`Shell::run`].
#[derive(Debug, Clone)]
pub struct Shell {
    host: Arc<HostProfile>,
    image: Arc<Image>,
}

impl Shell {
    /// An interpreter for the fake host `host`, with its filesystem image as it looks now.
    pub fn new(host: Arc<HostProfile>) -> Shell {
        let programs = super::lookup::program_paths();
        let image = Image::build(&host, chrono::Utc::now(), &programs);
        Shell::with_image(host, Arc::new(image))
    }

    /// An interpreter for `host` whose filesystem image looks as it would at `now` (a
    /// replay's virtual start).
    pub fn at(host: Arc<HostProfile>, now: chrono::DateTime<chrono::Utc>) -> Shell {
        let programs = super::lookup::program_paths();
        let image = Image::build(&host, now, &programs);
        Shell::with_image(host, Arc::new(image))
    }

    /// An interpreter for `host` whose sessions start from `image`.
    pub fn with_image(host: Arc<HostProfile>, image: Arc<Image>) -> Shell {
        Shell { host, image }
    }

    /// The fake host this shell answers for.
    pub fn host(&self) -> &HostProfile {
        &self.host
    }

    /// The filesystem image sessions start from.
    pub fn image(&self) -> &Arc<Image> {
        &self.image
    }

    /// A fresh overlay for `user` (with a home directory), for callers without a store.
    pub fn scratch_overlay(&self, user: &str) -> Overlay {
        let mut overlay = Overlay::new(&self.image, Limits::default());
        provision_home(&mut overlay, &self.host, user, chrono::Utc::now());
        overlay
    }

    /// Runs one line on a throwaway filesystem: what it writes is gone afterwards. Sessions
    /// use [`Shell::run`] with their overlay.
    pub fn run_line(&self, state: &mut ShellState, line: &str) -> LineOutcome {
        let mut overlay = self.scratch_overlay(&state.user);
        self.run(state, &mut overlay, Terminal::None, line)
    }

    /// Runs one line (which may hold several commands separated by `;`, `&&`, `||`, with
    /// quotes, backslash escapes, `$VAR` / `${VAR}` / `$?` expansion, globbing against `fs`,
    /// `VAR=value` assignments and `export VAR=value`) on the session's filesystem `fs`.
    /// Appends the line to history first, as bash does (not when it starts with a space; at
    /// most `HISTSIZE` entries). Never panics; a line longer than [`MAX_LINE_BYTES`] gets an
    /// error instead of running.
    pub fn run(
        &self,
        state: &mut ShellState,
        fs: &mut Overlay,
        terminal: Terminal,
        line: &str,
    ) -> LineOutcome {
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
                events: Vec::new(),
                incomplete: false,
            };
        }
        let text = if state.pending.is_empty() {
            line.to_owned()
        } else {
            format!("{}\n{line}", std::mem::take(&mut state.pending))
        };
        let parsed = parser::parse(&text);
        if parsed == Err(parser::ParseError::Incomplete) && text.len() <= MAX_PENDING_BYTES {
            state.pending = text;
            return LineOutcome {
                output: Vec::new(),
                status: state.last_status,
                exit: false,
                unknown_commands: Vec::new(),
                events: Vec::new(),
                incomplete: true,
            };
        }
        state.record_history(&history_entry(&text));
        let list = match parsed {
            Ok(list) => list,
            Err(err) => {
                state.last_status = 2;
                return LineOutcome {
                    output: err.message().into_bytes(),
                    status: 2,
                    exit: false,
                    unknown_commands: Vec::new(),
                    events: Vec::new(),
                    incomplete: false,
                };
            }
        };
        let budget = Budget::new();
        let columns = match terminal {
            Terminal::Columns(columns) => Some(columns),
            Terminal::None => None,
        };
        let mut exec = Exec::new(&self.host, &budget, fs, columns, state);
        let flow = exec.list(state, &list, &[]);
        let (exit, status) = match flow {
            Flow::Exit(status) => {
                state.last_status = status;
                (true, status)
            }
            Flow::Return(status) => {
                // `return` at the top level of a sourced script ends only the script.
                state.last_status = status;
                (false, status)
            }
            Flow::Next | Flow::Abort | Flow::Break(_) | Flow::Continue(_) => {
                (false, state.last_status)
            }
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
            events: budget.events.take(),
            incomplete: false,
        }
    }

    /// Ends input while a construct is still open ([`LineOutcome::incomplete`]): drops it and
    /// gives bash's `syntax error: unexpected end of file` (status 2), as bash does for
    /// Ctrl-D at the `> ` prompt or a `-c` command that stops inside `for … do`. `None` when
    /// nothing was pending.
    pub fn end_of_input(&self, state: &mut ShellState) -> Option<LineOutcome> {
        if state.pending.is_empty() {
            return None;
        }
        state.cancel_pending();
        state.last_status = 2;
        Some(LineOutcome {
            output: parser::ParseError::Incomplete.message().into_bytes(),
            status: 2,
            exit: false,
            unknown_commands: Vec::new(),
            events: Vec::new(),
            incomplete: false,
        })
    }

    /// The prompt, bash style: `root@<hostname>:~# ` for root, `user@<hostname>:/tmp$ `
    /// otherwise (the working directory under `$HOME` shown with `~`). This is Ubuntu's
    /// default `PS1` without colour (`\u@\h:\w\$ `).
    /// While a construct waits for more lines ([`LineOutcome::incomplete`]) it is bash's
    /// `PS2`, `> `.
    pub fn prompt(&self, state: &ShellState) -> String {
        if !state.pending.is_empty() {
            return "> ".to_owned();
        }
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
