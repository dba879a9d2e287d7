//! A bash parser: command text (one line, or several for scripts and `PS2` continuations)
//! to a [`List`] of pipelines of commands.
//!
//! It covers what attackers type: `;`, `&&`, `||`, `|`, `|&`, `!`, `( … )`, `{ …; }`,
//! trailing `&`, new lines, single and double quotes, backslashes, `#` comments, `$VAR`,
//! `${VAR}`, `${#VAR}`, `${VAR:-word}` and friends, `$(…)`, backticks, `$((…))`, `~`,
//! `NAME=value` prefixes, redirections (`>`, `>>`, `<`, `2>&1`, `&>`, `<<<`, …), and the
//! compound commands `if`/`elif`/`else`, `for`, `while`, `until`, `case` and function
//! definitions (`name() { …; }`, `function name { …; }`). Words stay unexpanded: expansion
//! happens when the command runs, so `false; echo $?` sees the right status. Text that stops
//! inside a compound command is [`ParseError::Incomplete`], which an interactive shell answers
//! with the `> ` prompt.
//!
//! Why not brush-parser (the maintained bash parser the issue suggested): brush-parser 0.4
//! panics on attacker input (an `unwrap` on an over-long file-descriptor number, found by
//! fuzzing), ships `insta` as a normal dependency, and keeps the last 64 parsed strings in
//! global caches — attacker text living beyond its session. The shell is the product; this
//! parser is proptested, bounded in depth, and never panics.
//!
//! Syntax errors carry bash's wording (see [`ParseError::message`](ast::ParseError::message)). Nesting is capped at
//! [`MAX_DEPTH`](grammar::MAX_DEPTH) so hostile input cannot exhaust the stack.
//!
//! - `ast`: the syntax tree and `ParseError`.
//! - `compound`: `if`, `for`, `while`, `until`, `case`, `{ … }` and functions.
//! - `cond`: `[[ … ]]`, `(( … ))` and `for (( … ))`.
//! - `grammar`: [`parse`], lists, pipelines, commands and redirections.
//! - `word`: words and their quoting.
//! - `substitution`: `$…` and backtick forms inside words.

mod ast;
mod compound;
mod cond;
mod grammar;
mod heredoc;
mod substitution;
mod word;

#[cfg(test)]
mod tests;

pub use ast::{
    CaseArm, CaseEnd, Command, Compound, CondExpr, Connector, HereDoc, List, ParamOp, ParseError,
    Part, Pipeline, RedirOp, Redirect, SimpleCommand, Word,
};
pub use grammar::{is_name, parse, parse_shared, parse_to_end};

/// The delimiter of the first here-document in `text` still waiting for it, if any.
pub fn open_heredoc(text: &str) -> Option<String> {
    heredoc::open_delimiter(text)
}

/// The parts of an unquoted here-document body (`$…` and backticks expand; quotes are plain
/// characters).
pub fn heredoc_parts(body: &str) -> Result<Vec<Part>, ParseError> {
    heredoc::body_parts(body)
}
