//! [`Shell`]: runs command lines against a [`ShellState`](crate::shell::ShellState) and returns
//! what the terminal shows.
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
//!
//! - `shell`: the public [`Shell`] and [`LineOutcome`].
//! - `exec`: lists, pipelines, subshells and simple commands.
//! - `lookup`: what a command name runs (builtins, `$PATH` in the fake filesystem, files).
//! - `run`: running it: emulated commands, scripts (`sh x.sh`, `. x.sh`, `./x.sh`), errors.
//! - `redirect`: redirections, onto the session's files.
//! - `glob`: pathname expansion against the session's files.
//! - `budget`: what one line may spend.
//! - `cond`: `[[ … ]]`, `(( … ))` and `for (( … ))`.
//! - `options`: `set -e`/`-u`/`-x` and friends, `$-`, xtrace lines.
//! - `select`: `select` menus.
//! - `expand`: word expansion; `param`: parameters and their operators; `brace`: brace
//!   expansion.
//! - `output`: routing a command's output to the terminal, a pipe or a file.
//! - `jobs`: background jobs (`cmd &`), `$!` and bash's `Done` notices.
//! - `history_expand`: `!!`, `!N`, `!prefix`, `^old^new` on interactive lines.
//! - `help`: the `help`, `enable` and `fc` builtins.
//! - `prompt`: `PS1` decoded into the prompt.
//! - `answers`: the persona's answers for commands the shell does not emulate.
//!
//! An SSH exec request runs its text like `bash -c` ([`ShellState::command_mode`](
//! crate::shell::ShellState::command_mode)): `$0` is `bash`, `$-` is `hBc` and errors read
//! `bash: line 1: …`.

mod answers;
mod brace;
mod budget;
mod builtins;
mod compound;
mod cond;
mod deception;
mod exec;
mod expand;
mod glob;
mod help;
mod history_expand;
mod jobs;
pub(crate) mod lookup;
mod lookup_cache;
mod options;
mod output;
mod param;
pub mod prompt;
mod redirect;
mod run;
mod select;
mod shell;

#[cfg(test)]
mod compound_tests;
#[cfg(test)]
mod cond_tests;
#[cfg(test)]
mod options_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

pub use answers::{Answers, with_answers};
pub use lookup::program_paths;
pub use shell::{
    LineOutcome, MAX_LINE_BYTES, MAX_OUTPUT_BYTES, MAX_PENDING_BYTES, Shell, Terminal,
};
