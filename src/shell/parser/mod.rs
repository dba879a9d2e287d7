//! A small bash parser: one input line to a [`List`] of pipelines of commands.
//!
//! This is the seam a full parser (brush-parser) will replace; until then it covers what
//! attackers type on one line: `;`, `&&`, `||`, `|`, `|&`, `!`, `( … )`, trailing `&`, single
//! and double quotes, backslashes, `#` comments, `$VAR`, `${VAR}`, `${#VAR}`,
//! `${VAR:-word}` and friends, `$(…)`, backticks, `$((…))`, `~`, `NAME=value` prefixes and
//! redirections (`>`, `>>`, `<`, `2>&1`, `&>`, `<<<`, …). Words stay unexpanded: expansion
//! happens when the command runs, so `false; echo $?` sees the right status.
//!
//! Syntax errors carry bash's wording (see [`ParseError::message`](ast::ParseError::message)). Nesting is capped at
//! [`MAX_DEPTH`](grammar::MAX_DEPTH) so hostile input cannot exhaust the stack.
//!
//! - `ast`: the syntax tree and `ParseError`.
//! - `grammar`: [`parse`], lists, pipelines, commands and redirections.
//! - `word`: words and their quoting.
//! - `substitution`: `$…` and backtick forms inside words.

mod ast;
mod grammar;
mod substitution;
mod word;

#[cfg(test)]
mod tests;

pub use ast::{
    Command, Connector, List, ParamOp, Part, Pipeline, RedirOp, Redirect, SimpleCommand,
};
pub use grammar::{is_name, parse};
