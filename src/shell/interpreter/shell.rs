//! The public face: [`Shell`] runs a line and returns a [`LineOutcome`], and draws the prompt.

use std::sync::Arc;

use super::exec::{Budget, Exec, Flow, Script};
use super::history_expand;
use crate::host::HostProfile;
use crate::host::fs::{Image, Limits, Overlay, provision_home};
use crate::shell::commands::Stream;
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
    // A backslash-newline joins lines into one before anything else (`echo a \` + `b`).
    let joined;
    let text = if text.contains("\\\n") {
        joined = text.replace("\\\n", "");
        joined.as_str()
    } else {
        text
    };
    // A here-document keeps its lines, as bash stores them.
    if !text.contains('\n') || text.replace("<<<", "").contains("<<") {
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

/// Whether `set -o name` is on in the interactive shell: `SHELLOPTS` lists what is on once
/// `set` changed anything; until then an interactive shell's defaults hold (`histexpand` and
/// `history` on).
fn option_on(state: &ShellState, name: &str) -> bool {
    state
        .vars
        .get("SHELLOPTS")
        .is_none_or(|list| list.split(':').any(|o| o == name))
}

/// Whether `text`, which parsed, ends in a backslash that escapes the newline (`echo a \`):
/// an interactive bash then reads the next line as the rest of this one. A backslash that is
/// itself escaped (`\\`) or sits in a comment does not count.
fn continues(text: &str) -> bool {
    let last = text.rsplit('\n').next().unwrap_or(text);
    let trailing = last.len() - last.trim_end_matches('\\').len();
    let comment = last.trim_start().starts_with('#') || last.contains(" #");
    trailing % 2 == 1 && !comment
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

    /// The host, shared (no copy of the profile).
    pub fn shared_host(&self) -> Arc<HostProfile> {
        Arc::clone(&self.host)
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
        if state.command_mode {
            return self.run_command_text(state, fs, terminal, line);
        }
        // History expansion comes first; bash echoes the line it made.
        let mut echoed = String::new();
        let expanded;
        let line = if option_on(state, "histexpand") {
            match history_expand::expand(line, &state.history, state.history_base) {
                history_expand::Expanded::Unchanged => line,
                history_expand::Expanded::Line(new) => {
                    echoed = format!("{new}\n");
                    expanded = new;
                    expanded.as_str()
                }
                history_expand::Expanded::Failed(message) => {
                    return LineOutcome {
                        output: message.into_bytes(),
                        status: state.last_status,
                        exit: false,
                        unknown_commands: Vec::new(),
                        events: Vec::new(),
                        incomplete: false,
                    };
                }
            }
        } else {
            line
        };
        let text = if state.pending.is_empty() {
            line.to_owned()
        } else {
            format!("{}\n{line}", std::mem::take(&mut state.pending))
        };
        // Shared: the same line typed before (by any session of the thread) is not parsed again.
        let parsed = parser::parse_shared(&text);
        let open = match &*parsed {
            Err(err) => err.wants_more(),
            Ok(_) => continues(&text),
        };
        if open && text.len() <= MAX_PENDING_BYTES {
            state.pending = text;
            return LineOutcome {
                output: echoed.into_bytes(),
                status: state.last_status,
                exit: false,
                unknown_commands: Vec::new(),
                events: Vec::new(),
                incomplete: true,
            };
        }
        if option_on(state, "history") {
            state.record_history(&history_entry(&text));
        }
        let list = match &*parsed {
            Ok(list) => list,
            Err(err) => {
                state.last_status = 2;
                return LineOutcome {
                    output: format!("{echoed}{}", err.message()).into_bytes(),
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
        // Jobs that finished before this line are reported before the next prompt.
        let owed = state.jobs_done.len();
        let host = super::deception::prepare(&self.host, fs, state);
        let mut exec = Exec::new(&host, &budget, fs, columns, state);
        let flow = exec.list(state, list, &[]);
        let owed = owed.min(state.jobs_done.len());
        if owed > 0 {
            let notices =
                super::jobs::done_notices(&state.jobs_done[..owed], state.jobs_done.len());
            exec.error(&notices);
            state.jobs_done.drain(..owed);
        }
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
        let output = joined(echoed.into_bytes(), &exec.output);
        LineOutcome {
            output,
            status,
            exit,
            unknown_commands: exec.unknown,
            events: budget.events.take(),
            incomplete: false,
        }
    }

    /// Runs `text` as `bash -c` would (an SSH exec request): line by line as a script named
    /// `bash`, without history, errors reading `bash: line 1: …`.
    fn run_command_text(
        &self,
        state: &mut ShellState,
        fs: &mut Overlay,
        terminal: Terminal,
        text: &str,
    ) -> LineOutcome {
        let budget = Budget::new();
        let columns = match terminal {
            Terminal::Columns(columns) => Some(columns),
            Terminal::None => None,
        };
        let script = Script {
            name: "bash".to_owned(),
            dash: false,
            args: Vec::new(),
            line: 0,
            sourced: false,
            command: true,
        };
        let host = super::deception::prepare(&self.host, fs, state);
        let mut exec = Exec::new(&host, &budget, fs, columns, state);
        let (flow, output, unknown) = exec.run_text(state, text, script, &[], columns);
        let (exit, status) = match flow {
            Flow::Exit(status) => {
                state.last_status = status;
                (true, status)
            }
            _ => (false, state.last_status),
        };
        LineOutcome {
            output: joined(Vec::new(), &output),
            status,
            exit,
            unknown_commands: unknown,
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
        let message = match parser::parse_to_end(&state.pending) {
            Err(err) => match err {
                // The quote's own error, then the end of file bash then reaches.
                parser::ParseError::Unmatched(_) => format!(
                    "{}{}",
                    err.message(),
                    parser::ParseError::UnexpectedEof.message()
                ),
                other => other.message(),
            },
            // A here-document cut short (bash would then run it with what came) or a
            // trailing backslash: nothing is missing but the next line.
            Ok(_) => match parser::open_heredoc(&state.pending) {
                Some(delimiter) => format!(
                    "-bash: warning: here-document at line 1 delimited by end-of-file (wanted `{delimiter}')\n"
                ),
                None => String::new(),
            },
        };
        let text = std::mem::take(&mut state.pending);
        state.record_history(&history_entry(&text));
        state.last_status = 2;
        Some(LineOutcome {
            output: message.into_bytes(),
            status: 2,
            exit: false,
            unknown_commands: Vec::new(),
            events: Vec::new(),
            incomplete: false,
        })
    }

    /// The prompt: `PS1` decoded as bash does (Ubuntu's `~/.bashrc` sets
    /// `${debian_chroot:+($debian_chroot)}\u@\h:\w\$ `, so `root@<hostname>:~# `). While a
    /// construct waits for more lines ([`LineOutcome::incomplete`]) it is bash's `PS2`, `> `.
    pub fn prompt(&self, state: &ShellState) -> String {
        if !state.pending.is_empty() {
            return "> ".to_owned();
        }
        // A checkpoint from before `PS1` was kept draws Ubuntu's prompt.
        let ps1 = state.var("PS1").unwrap_or(super::prompt::DEFAULT_PS1);
        super::prompt::render(ps1, &self.host, state)
    }
}

/// `start` followed by every chunk of `output`, copied chunk by chunk (flattening the chunks
/// into bytes copied a line's output one byte at a time).
fn joined(mut start: Vec<u8>, output: &[(Stream, Vec<u8>)]) -> Vec<u8> {
    start.reserve(output.iter().map(|(_, bytes)| bytes.len()).sum());
    for (_, bytes) in output {
        start.extend_from_slice(bytes);
    }
    start
}
