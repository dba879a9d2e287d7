//! `[[ … ]]`, `(( … ))` and `for (( … ))`: conditional expressions against the session's
//! files and bash's arithmetic, with bash's statuses (0 true, 1 false, 2 for a bad regular
//! expression) and error texts.

use std::cmp::Ordering;

use super::exec::{Exec, Flow};
use crate::host::fs::{Access, FileType};
use crate::shell::parser::{CondExpr, List, Part, Word};
use crate::shell::state::ShellState;

/// The largest compiled regular expression `=~` builds (attacker-chosen patterns).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a conditional expression stopped without a truth value.
enum Stop {
    /// The command fails with this status after printing the message (maybe empty).
    Fail(String, i32),
    /// An expansion error: bash prints it and drops the rest of the line.
    Abort(String),
}

impl Exec<'_> {
    /// Runs `[[ expr ]]`: sets `$?` and says how the line goes on.
    pub(super) fn run_cond(&mut self, state: &mut ShellState, expr: &CondExpr) -> Flow {
        if !self.step() {
            return Flow::Abort;
        }
        if self.xtrace(state) {
            let text = self.cond_trace(state, expr);
            self.trace_line(state, &format!("[[ {text} ]]"));
        }
        match self.cond(state, expr) {
            Ok(true) => state.last_status = 0,
            Ok(false) => state.last_status = 1,
            Err(Stop::Fail(message, status)) => {
                self.error(&message);
                state.last_status = status;
            }
            Err(Stop::Abort(message)) => {
                self.error(&message);
                state.last_status = 1;
                return Flow::Abort;
            }
        }
        Flow::Next
    }

    /// Runs `(( expr ))`: status 0 when the value is not 0, 1 when it is or on an error.
    pub(super) fn run_arith(&mut self, state: &mut ShellState, parts: &[Part]) -> Flow {
        if !self.step() {
            return Flow::Abort;
        }
        let text = match self.expand_single(state, parts) {
            Ok(text) => text,
            Err(message) => {
                self.error(&message);
                state.last_status = 1;
                return Flow::Abort;
            }
        };
        if self.xtrace(state) {
            self.trace_line(state, &format!("(( {text} ))"));
        }
        state.last_status = match self.arith_text(state, &text, "((: ") {
            Ok(value) => i32::from(value == 0),
            Err(message) => {
                self.error(&message);
                1
            }
        };
        Flow::Next
    }

    /// Runs `for (( init; cond; step )); do body; done`, one step of the line's budget per
    /// round. An empty condition is true.
    pub(super) fn run_arith_for(
        &mut self,
        state: &mut ShellState,
        exprs: &[Vec<Part>; 3],
        body: &List,
        input: &[u8],
    ) -> Flow {
        let [init, cond, step] = exprs;
        let mut status = 0;
        let mut flow = Flow::Next;
        self.loops += 1;
        if self.for_expr(state, init).is_err() {
            status = 1;
        } else {
            loop {
                if !self.step() {
                    flow = Flow::Abort;
                    break;
                }
                match self.for_expr(state, cond) {
                    Ok(None) => {}
                    Ok(Some(value)) if value != 0 => {}
                    Ok(Some(_)) => break,
                    Err(()) => {
                        status = 1;
                        break;
                    }
                }
                let body_flow = self.list(state, body, input);
                status = state.last_status;
                match super::compound::loop_control(body_flow) {
                    Some(Flow::Break(0)) => break,
                    Some(other) => {
                        flow = other;
                        break;
                    }
                    None => {}
                }
                if self.for_expr(state, step).is_err() {
                    status = 1;
                    break;
                }
            }
        }
        self.loops -= 1;
        if flow == Flow::Next {
            state.last_status = status;
        }
        flow
    }

    /// One expression of a `for (( … ))` header, traced like bash (`+ (( i<3 ))`): its
    /// value, `None` when it is empty, or `Err` after printing the error.
    fn for_expr(&mut self, state: &mut ShellState, parts: &[Part]) -> Result<Option<i64>, ()> {
        let text = match self.expand_single(state, parts) {
            Ok(text) => text,
            Err(message) => {
                self.error(&message);
                return Err(());
            }
        };
        if self.xtrace(state) {
            self.trace_line(state, &format!("(( {} ))", text.trim()));
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        match self.arith_text(state, &text, "((: ") {
            Ok(value) => Ok(Some(value)),
            Err(message) => {
                self.error(&message);
                Err(())
            }
        }
    }

    /// One word of a conditional expression, expanded without splitting or globbing.
    fn cond_word(&mut self, state: &mut ShellState, word: &Word) -> Result<String, Stop> {
        self.expand_single(state, &word.parts).map_err(Stop::Abort)
    }

    fn cond(&mut self, state: &mut ShellState, expr: &CondExpr) -> Result<bool, Stop> {
        match expr {
            CondExpr::Not(inner) => Ok(!self.cond(state, inner)?),
            CondExpr::And(left, right) => Ok(self.cond(state, left)? && self.cond(state, right)?),
            CondExpr::Or(left, right) => Ok(self.cond(state, left)? || self.cond(state, right)?),
            CondExpr::Word(word) => Ok(!self.cond_word(state, word)?.is_empty()),
            CondExpr::Unary(op, word) => {
                let operand = self.cond_word(state, word)?;
                Ok(self.unary_test(state, op, &operand))
            }
            CondExpr::Binary { op, left, right } => {
                let left = self.cond_word(state, left)?;
                self.binary_test(state, op, &left, right)
            }
        }
    }

    /// `-op operand`.
    fn unary_test(&mut self, state: &mut ShellState, op: &str, operand: &str) -> bool {
        match op {
            "-z" => return operand.is_empty(),
            "-n" => return !operand.is_empty(),
            "-v" => return self.param_value(state, operand).is_some(),
            "-o" => return self.option_enabled(state, operand),
            "-t" | "-R" => return false,
            _ => {}
        }
        let fs = self.fs_handle(state);
        let stat = fs.stat(operand).ok();
        match op {
            "-e" | "-a" => stat.is_some(),
            "-f" => stat.is_some_and(|s| s.file_type == FileType::Regular),
            "-d" => stat.is_some_and(|s| s.is_dir()),
            "-s" => stat.is_some_and(|s| s.size > 0),
            "-c" => stat.is_some_and(|s| s.file_type == FileType::CharDevice),
            "-L" | "-h" => fs
                .lstat(operand)
                .is_ok_and(|s| s.file_type == FileType::Symlink),
            "-r" => fs.access(operand, Access::Read).is_ok(),
            "-w" => fs.access(operand, Access::Write).is_ok(),
            "-x" => fs.access(operand, Access::Exec).is_ok(),
            "-u" => stat.is_some_and(|s| s.mode & 0o4000 != 0),
            "-g" => stat.is_some_and(|s| s.mode & 0o2000 != 0),
            "-k" => stat.is_some_and(|s| s.mode & 0o1000 != 0),
            "-O" => stat.is_some_and(|s| s.uid == self.cred.uid),
            "-G" => stat.is_some_and(|s| s.gid == self.cred.gid),
            _ => false,
        }
    }

    /// `left op right`.
    fn binary_test(
        &mut self,
        state: &mut ShellState,
        op: &str,
        left: &str,
        right: &Word,
    ) -> Result<bool, Stop> {
        match op {
            "=" | "==" | "!=" => {
                let pattern = self
                    .expand_pattern(state, &right.parts)
                    .map_err(Stop::Abort)?;
                let hit = crate::shell::pattern::glob_match(&pattern, left);
                Ok(hit == (op != "!="))
            }
            "=~" => {
                let regex = self
                    .expand_regex(state, &right.parts)
                    .map_err(Stop::Abort)?;
                self.regex_test(state, left, &regex)
            }
            "<" | ">" => {
                let right = self.cond_word(state, right)?;
                let order = left.cmp(&right);
                Ok(order
                    == if op == "<" {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    })
            }
            "-nt" | "-ot" | "-ef" => {
                let right = self.cond_word(state, right)?;
                let fs = self.fs_handle(state);
                let (a, b) = (fs.stat(left).ok(), fs.stat(&right).ok());
                Ok(match (op, a, b) {
                    ("-ef", Some(a), Some(b)) => a.ino == b.ino,
                    ("-nt", Some(a), Some(b)) => a.mtime > b.mtime,
                    ("-nt", Some(_), None) => true,
                    ("-ot", Some(a), Some(b)) => a.mtime < b.mtime,
                    ("-ot", None, Some(_)) => true,
                    _ => false,
                })
            }
            _ => {
                let right = self.cond_word(state, right)?;
                let a = self.arith_text(state, left, "[[: ");
                let a = a.map_err(|message| Stop::Fail(message, 1))?;
                let b = self.arith_text(state, &right, "[[: ");
                let b = b.map_err(|message| Stop::Fail(message, 1))?;
                Ok(match op {
                    "-eq" => a == b,
                    "-ne" => a != b,
                    "-lt" => a < b,
                    "-le" => a <= b,
                    "-gt" => a > b,
                    _ => a >= b,
                })
            }
        }
    }

    /// `string =~ regex`: an extended regular expression anywhere in the string; sets
    /// `BASH_REMATCH` to the matched text. A bad expression is status 2, silently.
    fn regex_test(
        &mut self,
        state: &mut ShellState,
        text: &str,
        regex: &str,
    ) -> Result<bool, Stop> {
        let compiled = regex::RegexBuilder::new(regex)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build();
        let Ok(compiled) = compiled else {
            return Err(Stop::Fail(String::new(), 2));
        };
        match compiled.find(text) {
            Some(found) => {
                state.set_var("BASH_REMATCH", found.as_str().to_owned());
                Ok(true)
            }
            None => {
                state.unset_var("BASH_REMATCH");
                Ok(false)
            }
        }
    }

    /// The words of `[[ … ]]` as xtrace shows them: expanded (but not a command
    /// substitution, which must not run twice), operators as typed.
    fn cond_trace(&mut self, state: &mut ShellState, expr: &CondExpr) -> String {
        match expr {
            CondExpr::Not(inner) => format!("! {}", self.cond_trace(state, inner)),
            CondExpr::And(a, b) => {
                format!(
                    "{} && {}",
                    self.cond_trace(state, a),
                    self.cond_trace(state, b)
                )
            }
            CondExpr::Or(a, b) => {
                format!(
                    "{} || {}",
                    self.cond_trace(state, a),
                    self.cond_trace(state, b)
                )
            }
            CondExpr::Word(w) => self.trace_word(state, w),
            CondExpr::Unary(op, w) => format!("{op} {}", self.trace_word(state, w)),
            CondExpr::Binary { op, left, right } => {
                let left = self.trace_word(state, left);
                let right = match op.as_str() {
                    "=" | "==" | "!=" | "=~" if !runs_commands(right) => self
                        .expand_quoted_trace(state, &right.parts, op == "=~")
                        .unwrap_or_else(|_| right.raw.clone()),
                    _ => self.trace_word(state, right),
                };
                format!("{left} {op} {right}")
            }
        }
    }

    /// One word of `[[ … ]]` for xtrace.
    fn trace_word(&mut self, state: &mut ShellState, word: &Word) -> String {
        if runs_commands(word) {
            return word.raw.clone();
        }
        self.expand_single(state, &word.parts)
            .unwrap_or_else(|_| word.raw.clone())
    }
}

/// Whether expanding `word` runs something (`$(…)`, `$((…))`), which xtrace must not
/// repeat.
fn runs_commands(word: &Word) -> bool {
    word.parts
        .iter()
        .any(|p| matches!(p, Part::CommandSub { .. } | Part::Arith { .. }))
}
