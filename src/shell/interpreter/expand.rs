//! Word expansion: a word's parts become fields (or one string), with `~`, parameters,
//! `$(…)` and `$((…))` expanded and the results bounded.

use super::exec::{Exec, Flow};
use crate::shell::arith;
use crate::shell::commands::Stream;
use crate::shell::parser::{List, Part};
use crate::shell::state::ShellState;

/// The largest single word an expansion may produce (`A=$A$A` doubling stops here).
pub(super) const MAX_WORD_BYTES: usize = 1 << 20;

/// A piece of an expanded word: whether it may be split into fields.
enum Piece {
    /// Literal or quoted text: never split; it makes the word exist even when empty.
    Fixed(String),
    /// The unquoted result of an expansion: split on blanks.
    Split(String),
}

impl Exec<'_> {
    /// Expands a word into fields (splitting unquoted expansions on blanks).
    pub(super) fn expand_fields(
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
    pub(super) fn expand_single(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<String, String> {
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

pub(super) fn too_large(size: usize) -> String {
    format!("-bash: xrealloc: cannot allocate {size} bytes\n")
}
