//! Finding what a command name runs, as bash does: builtins first, then `$PATH` searched in
//! the session's filesystem, then the file itself for a name with a `/`. A program file says
//! which emulated command it is ([`Data::Binary`]), so `cp /bin/ls /tmp/x; /tmp/x` lists and
//! `rm /usr/bin/wget` makes `wget` a missing command; a text file is a script.

use super::lookup_cache;
use crate::host::fs::{Access, Data, Fs, Kind};
use crate::shell::commands::{self, Command};

/// Bash's builtins: found before `$PATH`, even when a program of the same name exists
/// (`echo`, `pwd`, `true`).
pub(crate) const BUILTINS: &[&str] = &[
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "compopt",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
];

/// Bash's reserved words, as `compgen -k` lists them.
pub(crate) const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "in", "function", "time", "{", "}", "!", "[[", "]]", "coproc",
];

/// Whether `name` is a bash builtin or reserved word: something bash never looks up in
/// `$PATH`.
pub fn is_bash_word(name: &str) -> bool {
    is_builtin(name) || KEYWORDS.contains(&name)
}

/// Whether `name` is a bash builtin.
pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// Which shell a program file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ShellKind {
    /// `bash`, `rbash`.
    Bash,
    /// `dash` (`/bin/sh` on Ubuntu).
    Dash,
}

/// What a command name runs.
#[derive(Clone)]
pub(super) enum Target {
    /// An emulated command.
    Command(&'static dyn Command),
    /// `.` or `source`.
    Source,
    /// A shell: runs `-c` text, a script file, or its standard input.
    Shell(ShellKind),
    /// A text file with execute permission: run as a script.
    Script(String),
    /// A system program the shell does not emulate (`perl`, `python3`): answered as before
    /// there was a filesystem, as a missing command, so later layers can take it over.
    Program,
    /// An x86-64 program the session wrote (a dropped binary): it runs, silently.
    Dropped,
    /// A file that is not an x86-64 program nor a script (another architecture's ELF).
    BadFormat,
    /// Nothing by that name (127).
    NotFound,
    /// A directory (126).
    IsDir,
    /// Found but not executable (126).
    Denied,
}

/// Every absolute path a registered command answers to, plus `/usr/bin/<name>` for bare
/// names that are not builtins: the programs the filesystem image must hold.
pub fn program_paths() -> Vec<&'static str> {
    let mut paths = Vec::new();
    for command in commands::COMMANDS {
        let names = command.names();
        let has_path = names.iter().any(|n| n.starts_with('/'));
        for name in names {
            if name.starts_with('/') || (!has_path && !is_builtin(name) && !name.contains('/')) {
                paths.push(*name);
            }
        }
    }
    paths
}

/// Finds what `name` runs for a shell with `path_var` as `$PATH`.
pub(super) fn resolve(fs: &Fs<'_>, name: &str, path_var: &str) -> Target {
    if name == "." || name == "source" {
        return Target::Source;
    }
    if name.contains('/') {
        return match fs.lookup(name, true) {
            Err(_) => Target::NotFound,
            Ok((_, node)) if node.dir().is_some() => Target::IsDir,
            Ok((path, node)) => {
                if fs.cred().may(&node.meta, false, Access::Exec) {
                    classify(fs, &path, &node.kind)
                } else {
                    Target::Denied
                }
            }
        };
    }
    if is_builtin(name)
        && let Some(command) = commands::lookup(name)
    {
        return Target::Command(command);
    }
    if name.is_empty() {
        return Target::NotFound;
    }
    if !lookup_cache::memoizable(path_var) {
        return search(fs, name, path_var, &mut |_| {});
    }
    if let Some(target) = lookup_cache::get(fs, name, path_var) {
        return target;
    }
    let mut touched: Vec<String> = Vec::new();
    let target = search(fs, name, path_var, &mut |top| {
        if !touched.iter().any(|t| t == top) {
            touched.push(top.to_owned());
        }
    });
    lookup_cache::put(fs, name, path_var, touched, &target);
    target
}

/// Searches `$PATH` (`path_var`) for `name`, telling `top` each name looked up in the root
/// directory.
fn search(fs: &Fs<'_>, name: &str, path_var: &str, top: &mut dyn FnMut(&str)) -> Target {
    let mut denied = false;
    for dir in path_var.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = format!("{}/{name}", dir.trim_end_matches('/'));
        let Ok((path, node)) = fs.lookup_noting(&candidate, true, &mut *top) else {
            continue;
        };
        if !matches!(node.kind, Kind::File(_)) {
            continue;
        }
        if fs.cred().may(&node.meta, false, Access::Exec) {
            return classify(fs, &path, &node.kind);
        }
        denied = true;
    }
    if denied {
        Target::Denied
    } else {
        Target::NotFound
    }
}

/// What an executable file at canonical `path` runs.
fn classify(fs: &Fs<'_>, path: &str, kind: &Kind) -> Target {
    match kind {
        Kind::File(Data::Binary { program, .. }) => match &**program {
            "bash" | "rbash" => Target::Shell(ShellKind::Bash),
            "dash" | "sh" => Target::Shell(ShellKind::Dash),
            program => match commands::lookup(program) {
                Some(command) => Target::Command(command),
                None => Target::Program,
            },
        },
        Kind::File(_) => {
            let head = fs.read_limited(path, 20).unwrap_or_default();
            if head.starts_with(b"\x7fELF") {
                // e_machine 62 is x86-64; anything else cannot run here.
                if head.len() >= 20 && u16::from_le_bytes([head[18], head[19]]) == 62 {
                    Target::Dropped
                } else {
                    Target::BadFormat
                }
            } else {
                Target::Script(path.to_owned())
            }
        }
        _ => Target::Denied,
    }
}
