//! Word expansion: a word's parts become fields (or one string), with `~`, parameters,
//! `$(…)` and `$((…))` expanded and the results bounded.

use super::exec::{Exec, Flow};
use crate::shell::arith;
use crate::shell::commands::Stream;
use crate::shell::parser::{List, Part};
use crate::shell::state::ShellState;

/// The largest single word an expansion may produce (`A=$A$A` doubling stops here).
pub(super) const MAX_WORD_BYTES: usize = 1 << 20;

/// A piece of an expanded word: whether it may be split into fields, and whether its glob
/// characters are live.
enum Piece {
    /// Literal or quoted text: never split; it makes the word exist even when empty. Its
    /// `*`, `?` and `[` are patterns when it was typed unquoted.
    Fixed(String, bool),
    /// The unquoted result of an expansion: split on blanks, and its glob characters live.
    Split(String),
}

/// One field of an expanded word, and its pattern if it has live glob characters.
pub(super) struct Field {
    /// The text after quote removal.
    pub text: String,
    /// The text with quoted glob characters escaped by a backslash, if any unquoted one
    /// remains.
    pub pattern: Option<String>,
}

/// Appends `text` to a field being built: to its text, and to its pattern with quoted glob
/// characters escaped.
fn push_text(text: &mut String, pattern: &mut String, live: &mut bool, piece: &str, glob: bool) {
    text.push_str(piece);
    for c in piece.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            if glob && c != '\\' {
                if c != ']' {
                    *live = true;
                }
            } else {
                pattern.push('\\');
            }
        }
        pattern.push(c);
    }
}

impl Exec<'_> {
    /// Expands a word into fields and then pathnames: a field with an unquoted `*`, `?` or
    /// `[…]` becomes the sorted names it matches in the filesystem, or stays as it is when
    /// nothing matches (bash without `nullglob`).
    pub(super) fn expand_words(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<Vec<String>, String> {
        let mut words = Vec::new();
        for field in self.expand_patterns(state, parts)? {
            match field.pattern {
                Some(pattern) => {
                    let matches = super::glob::expand(&self.fs_handle(state), &pattern);
                    if matches.is_empty() {
                        words.push(field.text);
                    } else {
                        words.extend(matches);
                    }
                }
                None => words.push(field.text),
            }
        }
        Ok(words)
    }

    /// Expands a word into fields with their glob patterns.
    pub(super) fn expand_patterns(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<Vec<Field>, String> {
        let pieces = self.pieces(state, parts)?;
        let mut fields = Vec::new();
        let mut current = String::new();
        let mut pattern = String::new();
        let mut live = false;
        let mut present = false;
        let mut finish = |current: &mut String, pattern: &mut String, live: &mut bool| {
            fields.push(Field {
                text: std::mem::take(current),
                pattern: std::mem::take(live).then(|| std::mem::take(pattern)),
            });
            pattern.clear();
        };
        for piece in pieces {
            match piece {
                Piece::Fixed(text, glob) => {
                    push_text(&mut current, &mut pattern, &mut live, &text, glob);
                    present = true;
                }
                Piece::Split(text) => {
                    for c in text.chars() {
                        if matches!(c, ' ' | '\t' | '\n') {
                            if present {
                                finish(&mut current, &mut pattern, &mut live);
                                present = false;
                            }
                        } else {
                            let mut buf = [0u8; 4];
                            push_text(
                                &mut current,
                                &mut pattern,
                                &mut live,
                                c.encode_utf8(&mut buf),
                                true,
                            );
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
            finish(&mut current, &mut pattern, &mut live);
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
                Piece::Fixed(text, _) | Piece::Split(text) => out.push_str(&text),
            }
            if out.len() > MAX_WORD_BYTES {
                return Err(too_large(out.len()));
            }
        }
        Ok(out)
    }

    /// Expands the right side of `[[ a == pattern ]]`: one string (no splitting), a glob
    /// pattern in which quoted characters are escaped with a backslash.
    pub(super) fn expand_pattern(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<String, String> {
        let (mut text, mut pattern, mut live) = (String::new(), String::new(), false);
        for piece in self.pieces(state, parts)? {
            match piece {
                Piece::Fixed(piece, glob) => {
                    push_text(&mut text, &mut pattern, &mut live, &piece, glob);
                }
                Piece::Split(piece) => push_text(&mut text, &mut pattern, &mut live, &piece, true),
            }
        }
        Ok(pattern)
    }

    /// Expands the right side of `[[ a =~ regex ]]`: quoted characters match themselves.
    pub(super) fn expand_regex(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
    ) -> Result<String, String> {
        let mut out = String::new();
        for piece in self.pieces(state, parts)? {
            match piece {
                Piece::Fixed(piece, false) => out.push_str(&regex::escape(&piece)),
                Piece::Fixed(piece, true) | Piece::Split(piece) => out.push_str(&piece),
            }
        }
        Ok(out)
    }

    /// The right side of `[[ a == pattern ]]` (or `=~ regex`) as xtrace shows it: quoted
    /// characters get a backslash (all of them for a pattern, the special ones for a regex).
    pub(super) fn expand_quoted_trace(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
        regex: bool,
    ) -> Result<String, String> {
        const ERE_SPECIAL: &str = ".[\\*^$+?(){}|";
        let mut out = String::new();
        for piece in self.pieces(state, parts)? {
            match piece {
                Piece::Fixed(piece, false) => {
                    for c in piece.chars() {
                        if !regex || ERE_SPECIAL.contains(c) {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                Piece::Fixed(piece, true) | Piece::Split(piece) => out.push_str(&piece),
            }
        }
        Ok(out)
    }

    /// Evaluates an arithmetic expression whose text is `parts` (expanded first) and makes
    /// its assignments. Errors are bash's message, `-bash: {what}{error}`, with `what` being
    /// `((: `, `[[: ` or empty for `$((…))`.
    pub(super) fn arith(
        &mut self,
        state: &mut ShellState,
        parts: &[Part],
        what: &str,
    ) -> Result<i64, String> {
        let text = self.expand_single(state, parts)?;
        self.arith_text(state, &text, what)
    }

    /// Evaluates arithmetic text that is already expanded (see [`Exec::arith`]).
    pub(super) fn arith_text(
        &mut self,
        state: &mut ShellState,
        text: &str,
        what: &str,
    ) -> Result<i64, String> {
        // `$((RANDOM % 6))`: one draw from the session's source per expression.
        let random = text.contains("RANDOM").then(|| {
            use rand::Rng;
            state.rng().gen_range(0..32768u32).to_string()
        });
        let lookup = |name: &str| match (name, &random) {
            ("RANDOM", Some(value)) => Some(value.clone()),
            _ => self.param_value(state, name),
        };
        let result = arith::eval_assign(text, &lookup);
        let (value, assigned) = result.map_err(|e| format!("{}{what}{e}\n", self.prefix()))?;
        for (name, value) in assigned {
            let value = value.to_string();
            if state.can_hold(&name, &value) {
                state.set_var(&name, value);
            }
        }
        Ok(value)
    }

    fn pieces(&mut self, state: &mut ShellState, parts: &[Part]) -> Result<Vec<Piece>, String> {
        let mut pieces = Vec::with_capacity(parts.len());
        let mut total = 0usize;
        for part in parts {
            let piece = match part {
                Part::Lit { text, quoted } => Piece::Fixed(text.clone(), !quoted),
                Part::Tilde(user) => Piece::Fixed(self.tilde(state, user), false),
                Part::Param { name, op, quoted } => {
                    let value = self.param(state, name, op.as_ref())?;
                    if *quoted {
                        Piece::Fixed(value, false)
                    } else {
                        Piece::Split(value)
                    }
                }
                Part::Length { name, quoted } => {
                    let value = self.param_value(state, name);
                    if value.is_none() {
                        self.check_bound(state, name)?;
                    }
                    let value = value.unwrap_or_default();
                    let length = if matches!(name.as_str(), "@" | "*" | "#") {
                        0
                    } else {
                        value.chars().count()
                    };
                    if *quoted {
                        Piece::Fixed(length.to_string(), false)
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
                        Piece::Fixed(text, false)
                    } else {
                        Piece::Split(text)
                    }
                }
                Part::Arith { expr, quoted } => {
                    let value = self.arith(state, expr, "")?;
                    if *quoted {
                        Piece::Fixed(value.to_string(), false)
                    } else {
                        Piece::Split(value.to_string())
                    }
                }
            };
            total += match &piece {
                Piece::Fixed(t, _) | Piece::Split(t) => t.len(),
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
        // Bash does not pass `set -e` into `$(…)` (without `shopt -s inherit_errexit`).
        if let Some(options) = copy.vars.get_mut("SHELLOPTS") {
            *options = options
                .split(':')
                .filter(|o| *o != "errexit")
                .collect::<Vec<_>>()
                .join(":");
        }
        let (flow, output, mut unknown) = {
            let mut inner = self.nested(None);
            inner.trace_level += 1;
            inner.subshell = true;
            let flow = inner.list(&mut copy, body, &[]);
            (flow, inner.output, inner.unknown)
        };
        self.subst_status = Some(match flow {
            Flow::Exit(code) => code,
            _ => copy.last_status,
        });
        self.unknown.append(&mut unknown);
        let mut captured = Vec::new();
        for (stream, bytes) in output {
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
