//! The transport-free shell: what an attacker types becomes what a bash on the fake host
//! would print, without a transport, so it is tested without SSH (as cowrie's `shell/`).
//!
//! - [`LineEditor`] turns raw PTY keystrokes into echo bytes and complete lines, as readline
//!   does (cursor keys, history, Tab [`completion`] through an [`EditorHost`]).
//! - [`Shell::run`] parses a line (`parser`), expands and runs it (`interpreter`) against a
//!   [`ShellState`] and the session's filesystem overlay, and returns a [`LineOutcome`]. The
//!   `Shell` holds only the [`HostProfile`](crate::host::HostProfile) and the shared
//!   filesystem image; the per-session state is the `ShellState` (the session's checkpoint,
//!   cheap to clone) plus the [`Overlay`](crate::host::fs::Overlay) the session holds beside
//!   it, which a restart keeps as it is.
//! - [`commands`] holds every command, one file per family, in one const registry.
//!
//! The parser is our own (see `parser` for why not brush-parser); a line that leaves a
//! compound command open waits in [`ShellState::pending`] and [`Shell::prompt`] shows `> `.

mod arith;
pub mod commands;
pub mod completion;
pub mod fuzz;
mod history;
mod interpreter;
mod line_editor;
mod parser;
mod pattern;
mod shared;
mod state;

pub use history::History;
pub use interpreter::lookup::is_bash_word;
pub use interpreter::{
    Answers, LineOutcome, MAX_LINE_BYTES, MAX_OUTPUT_BYTES, Shell, Terminal, program_paths,
    with_answers,
};
pub use line_editor::{EditorEvent, EditorHost, LineEditor, NoHost};
pub use shared::Shared;
pub use state::{HISTORY_MAX_BYTES, HISTORY_MAX_ENTRIES, LOGIN_PATH, MAX_VARS_BYTES, ShellState};
