//! The prompt: `PS1` decoded as bash does it, its backslash escapes first (`\u`, `\h`, `\w`,
//! `\$`, `\[`…`\]`, `\e`, octal…) and then parameter expansion (`promptvars`), so Ubuntu's
//! `${debian_chroot:+($debian_chroot)}\u@\h:\w\$ ` gives `root@host:~# ` and an attacker's
//! `PS1='x> '` changes it. Command substitutions in `PS1` are not run: the prompt is drawn
//! outside any command line and must stay cheap and side-effect free.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::host::HostProfile;
use crate::shell::parser::{self, ParamOp, Part};
use crate::shell::state::ShellState;

/// The longest prompt drawn; the rest of a huge `PS1` is dropped.
const MAX_PROMPT: usize = 4096;

/// How deep `${a:-${b:-…}}` words are followed.
const MAX_DEPTH: usize = 8;

/// Ubuntu's `PS1` from `~/.bashrc` (root's, and users' without a colour terminal).
pub const DEFAULT_PS1: &str = r"${debian_chroot:+($debian_chroot)}\u@\h:\w\$ ";

/// How many decoded prompts one thread keeps parsed (one per user, host and directory in use).
const MAX_PARSED: usize = 64;

thread_local! {
    /// Decoded prompts already parsed: a prompt is drawn at least once per line, and parsing
    /// it again each time was a few per cent of a replay.
    static PARSED: RefCell<HashMap<String, Rc<Vec<Part>>>> = RefCell::new(HashMap::new());
}

/// The decoded prompt's words, parsed once per thread (`None` if it does not parse).
fn parts_of(decoded: &str) -> Option<Rc<Vec<Part>>> {
    if let Some(parts) = PARSED.with(|cache| cache.borrow().get(decoded).cloned()) {
        return Some(parts);
    }
    let parts = Rc::new(parser::heredoc_parts(decoded).ok()?);
    PARSED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= MAX_PARSED {
            cache.clear();
        }
        cache.insert(decoded.to_owned(), parts.clone());
    });
    Some(parts)
}

thread_local! {
    /// Ubuntu's prompt as drawn lately, by what it reads ([`default_key`]): drawn at least
    /// twice per line (the editor's redisplay and the prompt after the output), almost always
    /// the same.
    static DEFAULT_DRAWN: RefCell<crate::memo::Memo<String>> =
        RefCell::new(crate::memo::Memo::new(256, 64 << 10));
}

/// Everything [`draw`] reads of `state` and `host` for [`DEFAULT_PS1`] (`\u`, `\h`, `\w`,
/// `\$` and `$debian_chroot`), as bytes.
fn default_key(host: &HostProfile, state: &ShellState) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    let mut field = |text: Option<&str>| match text {
        Some(text) => {
            key.push(1);
            key.extend_from_slice(&(text.len() as u64).to_le_bytes());
            key.extend_from_slice(text.as_bytes());
        }
        None => key.push(0),
    };
    field(Some(&state.user));
    field(Some(host.short_hostname()));
    field(Some(&state.cwd));
    field(state.var("PWD"));
    field(state.var("HOME"));
    field(state.var("debian_chroot"));
    key
}

/// `PS1` decoded for `state` on `host`; Ubuntu's prompt comes from the thread's recent ones
/// when the state it reads is the same.
pub(super) fn render(ps1: &str, host: &HostProfile, state: &ShellState) -> String {
    if ps1 != DEFAULT_PS1 {
        return draw(ps1, host, state);
    }
    let key = default_key(host, state);
    crate::memo::cached(&DEFAULT_DRAWN, &key, || draw(ps1, host, state))
        .as_ref()
        .clone()
}

/// `PS1` decoded for `state` on `host`.
fn draw(ps1: &str, host: &HostProfile, state: &ShellState) -> String {
    let decoded = decode(ps1, host, state);
    let text = match parts_of(&decoded) {
        Some(parts) => expand(&parts, state, 0),
        None => decoded.replace(['\\'], ""),
    };
    let mut text = text;
    if text.len() > MAX_PROMPT {
        let mut end = MAX_PROMPT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The backslash escapes, with what they produce quoted against the expansion that follows.
fn decode(ps1: &str, host: &HostProfile, state: &ShellState) -> String {
    let mut out = String::with_capacity(ps1.len() + 32);
    let push_quoted = |out: &mut String, text: &str| {
        for c in text.chars() {
            if matches!(c, '$' | '`' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    };
    let now = state.now();
    let mut chars = ps1.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > MAX_PROMPT * 2 {
            break;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            push_quoted(&mut out, "\\");
            break;
        };
        match e {
            'u' => push_quoted(&mut out, &state.user),
            'h' => push_quoted(&mut out, host.short_hostname()),
            'H' => push_quoted(&mut out, &host.hostname),
            'w' => push_quoted(&mut out, &working_dir(state, false)),
            'W' => push_quoted(&mut out, &working_dir(state, true)),
            '$' => push_quoted(&mut out, if state.is_root() { "#" } else { "$" }),
            '[' | ']' => {}
            'e' => out.push('\x1b'),
            'a' => out.push('\x07'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            '\\' => push_quoted(&mut out, "\\"),
            's' => out.push_str("bash"),
            'v' => out.push_str("5.1"),
            'V' => out.push_str("5.1.16"),
            'j' => out.push_str(&state.jobs_done.len().to_string()),
            'l' => push_quoted(&mut out, state.tty.rsplit('/').next().unwrap_or("tty")),
            '!' => out.push_str(&(state.history_base + state.history.len() + 1).to_string()),
            '#' => out.push_str(&(state.history.len() + 1).to_string()),
            'd' => out.push_str(&now.format("%a %b %d").to_string()),
            't' => out.push_str(&now.format("%H:%M:%S").to_string()),
            'T' => out.push_str(&now.format("%I:%M:%S").to_string()),
            '@' => out.push_str(&now.format("%I:%M %p").to_string()),
            'A' => out.push_str(&now.format("%H:%M").to_string()),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                if let Some(ch) = char::from_u32(value & 0xff) {
                    push_quoted(&mut out, &ch.to_string());
                }
            }
            other => {
                out.push_str("\\\\");
                out.push(other);
            }
        }
    }
    out
}

/// `\w` (the working directory, `$HOME` shown as `~`) or `\W` (its last component).
fn working_dir(state: &ShellState, base_only: bool) -> String {
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
    if !base_only || dir == "~" || dir == "/" {
        return dir;
    }
    dir.rsplit('/').next().unwrap_or(&dir).to_owned()
}

/// Parameter expansion of the decoded prompt: variables and the `:-`/`:+` style operators;
/// anything that would run a command expands to nothing.
fn expand(parts: &[Part], state: &ShellState, depth: usize) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Lit { text, .. } => out.push_str(text),
            Part::Tilde(user) => out.push_str(&format!("~{user}")),
            Part::Param { name, op, .. } => {
                let value = match name.as_str() {
                    "?" => Some(state.last_status.to_string()),
                    _ => state.var(name).map(str::to_owned),
                };
                let Some((op, word, _)) = op.as_ref().filter(|_| depth < MAX_DEPTH) else {
                    out.push_str(&value.unwrap_or_default());
                    continue;
                };
                let unset = |colon: bool| value.as_deref().is_none_or(|v| colon && v.is_empty());
                match *op {
                    ParamOp::Default { colon } | ParamOp::Assign { colon } if unset(colon) => {
                        out.push_str(&expand(word, state, depth + 1));
                    }
                    ParamOp::Alternative { colon } => {
                        if !unset(colon) {
                            out.push_str(&expand(word, state, depth + 1));
                        }
                    }
                    _ => out.push_str(&value.unwrap_or_default()),
                }
            }
            Part::Length { name, .. } => {
                let length = state.var(name).map_or(0, |v| v.chars().count());
                out.push_str(&length.to_string());
            }
            Part::BadSubstitution(_) | Part::CommandSub { .. } | Part::Arith { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::commands::testing::host;

    #[test]
    fn a_remembered_default_prompt_is_the_one_drawn() {
        let mut other = host();
        other.hostname = "db02.example.com".to_owned();
        let mut states = Vec::new();
        for user in ["root", "alice", "b$`\\c"] {
            let mut state = ShellState::login(user);
            states.push(state.clone());
            for (name, value) in [
                ("PWD", "/root/.ssh"),
                ("HOME", "/"),
                ("PWD", "relative"),
                ("debian_chroot", "jail$x"),
                ("HOME", "/root/.ssh"),
                ("debian_chroot", ""),
            ] {
                state.vars.insert(name.to_owned(), value.to_owned());
                states.push(state.clone());
                state.cwd = format!("{}/x", state.cwd);
                states.push(state.clone());
            }
        }
        for _ in 0..2 {
            for host in [host(), other.clone()] {
                for state in &states {
                    let drawn = draw(DEFAULT_PS1, &host, state);
                    assert_eq!(render(DEFAULT_PS1, &host, state), drawn, "{state:?}");
                }
            }
        }
        let state = ShellState::login("root");
        assert_eq!(
            render(r"\t \u> ", &host(), &state),
            draw(r"\t \u> ", &host(), &state)
        );
    }
}
