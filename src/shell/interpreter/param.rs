//! Parameters: `$NAME`, the special parameters, bash's own variables and the `${NAME<op>word}`
//! operators.

use super::exec::Exec;
use super::expand::too_large;
use crate::shell::parser::{self, ParamOp, Part};
use crate::shell::state::ShellState;
use crate::shell::{arith, pattern};

impl Exec<'_> {
    /// A parameter's value: special parameters, variables, then bash's own variables.
    pub(super) fn param_value(&self, state: &ShellState, name: &str) -> Option<String> {
        let args: &[String] = match &self.positional {
            Some(args) => args,
            None => self.script.as_ref().map_or(&[], |s| &s.args),
        };
        match name {
            // A command substitution earlier in the same command already set `$?`.
            "?" => return Some(self.subst_status.unwrap_or(state.last_status).to_string()),
            "0" => {
                return Some(
                    self.script
                        .as_ref()
                        .filter(|s| !s.sourced)
                        .map_or_else(|| "-bash".to_owned(), |s| s.name.clone()),
                );
            }
            "$" => return Some(self.shell_pids(state).0.to_string()),
            "!" => return state.last_background.map(|pid| pid.to_string()),
            "#" => return Some(args.len().to_string()),
            "-" => return Some(self.flags(state)),
            "@" | "*" => return Some(args.join(" ")),
            _ => {}
        }
        if let Ok(index) = name.parse::<usize>() {
            return index.checked_sub(1).and_then(|i| args.get(i)).cloned();
        }
        if let Some(value) = state.var(name) {
            return Some(value.to_owned());
        }
        let uid = if state.is_root() { "0" } else { "1000" };
        let value = match name {
            "HOSTNAME" => self.host.hostname.clone(),
            "UID" | "EUID" => uid.to_owned(),
            "BASH" => "/bin/bash".to_owned(),
            "HOSTTYPE" => self.host.machine.clone(),
            "MACHTYPE" => format!("{}-pc-linux-gnu", self.host.machine),
            "OSTYPE" => "linux-gnu".to_owned(),
            "IFS" => " \t\n".to_owned(),
            "SHELLOPTS" => self.shellopts(state),
            "PPID" => self.shell_pids(state).1.to_string(),
            _ => return None,
        };
        Some(value)
    }

    /// The session's bash and its parent (sshd) as the host's process table lists them, so
    /// `$$` is the PID `ps` shows for `-bash` (and `kill -9 $$` ends the session): sshd forks
    /// at login, privilege-separated for users, and the shell follows a few PIDs later.
    pub(super) fn shell_pids(&self, state: &ShellState) -> (u32, u32) {
        let host = self.host;
        let now = state.now();
        let root = host.session_uid(&state.user) == 0;
        let login = state.login_time.unwrap_or(now);
        let sshd = host.pid_at(host.uptime_secs(login));
        let parent = if root { sshd } else { sshd.saturating_add(88) };
        let offset = 1 + (host.seed % 3) as u32 + if root { 95 } else { 0 };
        (parent.saturating_add(offset), parent)
    }

    /// Under `set -u`, bash's error for expanding unset parameter `name` (`$@` and `$*` are
    /// exempt).
    pub(super) fn check_bound(&self, state: &ShellState, name: &str) -> Result<(), String> {
        if matches!(name, "@" | "*") || !self.option_enabled(state, "nounset") {
            return Ok(());
        }
        let shown = if name.starts_with(|c: char| c.is_ascii_digit()) {
            format!("${name}")
        } else {
            name.to_owned()
        };
        Err(format!("{}{shown}: unbound variable\n", self.prefix()))
    }

    /// `$NAME` or `${NAME<op>word}`.
    pub(super) fn param(
        &mut self,
        state: &mut ShellState,
        name: &str,
        op: Option<&(ParamOp, Vec<Part>, Vec<Part>)>,
    ) -> Result<String, String> {
        let value = if name == "RANDOM" {
            // Bash's 15-bit generator, drawn from the session's seeded source so a replay
            // gives the same numbers.
            use rand::Rng;
            Some(state.rng().gen_range(0..32768u32).to_string())
        } else {
            self.param_value(state, name)
        };
        let guarded = matches!(
            op,
            Some((
                ParamOp::Default { .. }
                    | ParamOp::Assign { .. }
                    | ParamOp::Alternative { .. }
                    | ParamOp::Error { .. },
                _,
                _
            ))
        );
        if value.is_none() && !guarded {
            self.check_bound(state, name)?;
        }
        let Some((op, word, replacement)) = op else {
            return Ok(value.unwrap_or_default());
        };
        let unset = |colon: bool| value.as_deref().is_none_or(|v| colon && v.is_empty());
        match *op {
            ParamOp::Default { colon } => {
                if unset(colon) {
                    self.expand_single(state, word)
                } else {
                    Ok(value.unwrap_or_default())
                }
            }
            ParamOp::Assign { colon } => {
                if !unset(colon) {
                    return Ok(value.unwrap_or_default());
                }
                let word = self.expand_single(state, word)?;
                if !parser::is_name(name) {
                    return Err(format!("-bash: ${name}: cannot assign in this way\n"));
                }
                if !state.can_hold(name, &word) {
                    return Err(too_large(word.len()));
                }
                state.set_var(name, word.clone());
                Ok(word)
            }
            ParamOp::Alternative { colon } => {
                if unset(colon) {
                    Ok(String::new())
                } else {
                    self.expand_single(state, word)
                }
            }
            ParamOp::Error { colon } => {
                if !unset(colon) {
                    return Ok(value.unwrap_or_default());
                }
                let word = self.expand_single(state, word)?;
                let message = if word.is_empty() {
                    if colon {
                        "parameter null or not set".to_owned()
                    } else {
                        "parameter not set".to_owned()
                    }
                } else {
                    word
                };
                Err(format!("-bash: {name}: {message}\n"))
            }
            ParamOp::RemovePrefix { longest } => {
                let pattern = self.expand_single(state, word)?;
                Ok(pattern::remove_prefix(
                    &value.unwrap_or_default(),
                    &pattern,
                    longest,
                ))
            }
            ParamOp::RemoveSuffix { longest } => {
                let pattern = self.expand_single(state, word)?;
                Ok(pattern::remove_suffix(
                    &value.unwrap_or_default(),
                    &pattern,
                    longest,
                ))
            }
            ParamOp::Replace {
                all,
                at_start,
                at_end,
            } => {
                let pattern = self.expand_single(state, word)?;
                let replacement = self.expand_single(state, replacement)?;
                let anchor = if at_start {
                    pattern::Anchor::Start
                } else if at_end {
                    pattern::Anchor::End
                } else {
                    pattern::Anchor::Anywhere
                };
                let value = value.unwrap_or_default();
                Ok(pattern::replace(
                    &value,
                    &pattern,
                    &replacement,
                    all,
                    anchor,
                ))
            }
            ParamOp::Substring => {
                let value = value.unwrap_or_default();
                let spec = self.expand_single(state, word)?;
                let (offset, length) = match spec.split_once(':') {
                    Some((o, l)) => (o.to_owned(), Some(l.to_owned())),
                    None => (spec, None),
                };
                let lookup = |n: &str| self.param_value(state, n);
                let arith = |e: &str| arith::eval(e, &lookup).map_err(|e| format!("-bash: {e}\n"));
                let chars: Vec<char> = value.chars().collect();
                let count = chars.len() as i64;
                let mut start = arith(&offset)?;
                if start < 0 {
                    start += count;
                }
                if start < 0 || start > count {
                    return Ok(String::new());
                }
                let end = match length {
                    None => count,
                    Some(l) => {
                        let l = arith(&l)?;
                        if l < 0 {
                            let end = count + l;
                            if end < start {
                                return Err(format!("-bash: {l}: substring expression < 0\n"));
                            }
                            end
                        } else {
                            (start.saturating_add(l)).min(count)
                        }
                    }
                };
                Ok(chars[start as usize..end as usize].iter().collect())
            }
            ParamOp::Case { upper, all } => {
                let value = value.unwrap_or_default();
                let change = |c: char| -> String {
                    if upper {
                        c.to_uppercase().collect()
                    } else {
                        c.to_lowercase().collect()
                    }
                };
                Ok(if all {
                    value.chars().map(change).collect()
                } else {
                    let mut chars = value.chars();
                    match chars.next() {
                        Some(first) => change(first) + chars.as_str(),
                        None => String::new(),
                    }
                })
            }
        }
    }
}
