//! Tab completion against the fake host, as bash completes without programmable completion:
//! the first word of a command is completed from aliases, reserved words, functions,
//! builtins and the programs in `$PATH` directories of the session's filesystem; any other
//! word (or a command word with a `/`) is completed as a path, directories marked with `/`.
//!
//! [`word_at`] finds the word before the cursor as readline does, [`candidates`] lists what
//! it may become, and [`replacement`] is what a Tab inserts. The line editor calls these
//! through its [`EditorHost`](crate::shell::line_editor::EditorHost), which the session
//! implements with its own state and files.

use crate::host::fs::{Access, Fs, Kind, Meta, Stat};
use crate::shell::ShellState;
use crate::shell::interpreter::lookup::{BUILTINS, KEYWORDS};

/// The most candidates one Tab considers; bash has no limit, but a listing of more than
/// this many is already useless and each costs memory.
pub const MAX_CANDIDATES: usize = 4096;

/// The most directory entries one Tab looks at.
const MAX_SCANNED: usize = 100_000;

/// One possible completion.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// The whole word it completes to, unquoted (`/etc/passwd`, `docker`).
    pub word: String,
    /// A path (the listing shows only its last component).
    pub path: bool,
    /// A directory, or a link to one (listed with a trailing `/`).
    pub dir: bool,
    /// A symbolic link (completed without a `/` even when it leads to a directory).
    pub link: bool,
}

impl Candidate {
    /// What the listing shows: a path's last component, with `/` for a directory.
    pub fn shown(&self) -> String {
        if !self.path {
            return self.word.clone();
        }
        let trimmed = self.word.strip_suffix('/').unwrap_or(&self.word);
        let name = match trimmed.rfind('/') {
            Some(i) => trimmed.get(i + 1..).unwrap_or(""),
            None => trimmed,
        };
        let name = if name.is_empty() { trimmed } else { name };
        if self.dir {
            format!("{name}/")
        } else {
            name.to_owned()
        }
    }
}

/// The word before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as typed (with its backslashes), a suffix of the text before the cursor.
    pub raw: String,
    /// The word with backslash escapes removed: what is completed.
    pub text: String,
    /// The word is in command position (first word, or after `;`, `|`, `&`, `(`…).
    pub command: bool,
}

/// Characters that end a word for completion (bash's `rl_completer_word_break_characters`).
const WORD_BREAKS: &[char] = &[
    ' ', '\t', '\n', '"', '\'', '@', '>', '<', '=', ';', '|', '&', '(', ':',
];

/// Reserved words after which a command starts.
const COMMAND_KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "while", "until", "do", "!", "time", "{",
];

/// Finds the word that ends at the end of `before` (the text before the cursor).
pub fn word_at(before: &str) -> Word {
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in before.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if WORD_BREAKS.contains(&c) {
            start = i + c.len_utf8();
        }
    }
    let raw = before.get(start..).unwrap_or("").to_owned();
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                text.push(next);
            }
        } else {
            text.push(c);
        }
    }
    let prefix = before.get(..start).unwrap_or("").trim_end();
    let last_word = prefix
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    let command = prefix.is_empty()
        || prefix.ends_with([';', '|', '&', '(', '`', '{', '!'])
        || COMMAND_KEYWORDS.contains(&last_word);
    Word { raw, text, command }
}

/// Characters bash quotes with a backslash when it inserts a file name.
const QUOTED: &[char] = &[
    ' ', '\t', '\n', '\'', '"', '\\', '|', '&', ';', '(', ')', '<', '>', '!', '{', '}', '*', '[',
    ']', '?', '^', '$', '`',
];

/// Quotes `text` for the command line as bash's completion does (backslashes).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if QUOTED.contains(&c) || (i == 0 && (c == '#' || c == '~' && !text.starts_with("~/"))) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What a Tab puts in place of the word `typed` (unquoted), quoted for the line: the longest
/// prefix all candidates share, and for the only candidate what readline's `append_to_match`
/// adds: `/` after a directory (not when a `/` follows already, nor after a link completed
/// from a shorter word), a space after anything else when the cursor is at the end of the
/// line. `next` is the character after the cursor.
pub fn replacement(candidates: &[Candidate], typed: &str, next: Option<char>) -> String {
    let [first, rest @ ..] = candidates else {
        return String::new();
    };
    let mut common = first.word.as_str();
    for other in rest {
        let shared = common
            .char_indices()
            .zip(other.word.chars())
            .find(|((_, a), b)| a != b)
            .map_or(common.len().min(other.word.len()), |((i, _), _)| i);
        let mut end = shared.min(common.len());
        while !common.is_char_boundary(end) {
            end -= 1;
        }
        common = &common[..end];
    }
    let mut text = quote(common);
    if !rest.is_empty() {
        return text;
    }
    let nontrivial = first.word != typed;
    if first.path && first.dir {
        let after_slash = next.is_none() && text.ends_with('/');
        if !(first.link && nontrivial) && next != Some('/') && !after_slash {
            text.push('/');
        }
    } else if next.is_none() {
        text.push(' ');
    }
    text
}

/// The completions of `word` for the shell `state` on the files `fs` (as the session's
/// user, from its working directory): sorted, without duplicates, at most
/// [`MAX_CANDIDATES`].
pub fn candidates(fs: &Fs<'_>, state: &ShellState, word: &str, command: bool) -> Vec<Candidate> {
    let mut found = if command && !word.contains('/') {
        commands(fs, state, word)
    } else {
        paths(fs, state, word, command)
    };
    found.sort();
    found.dedup();
    found.truncate(MAX_CANDIDATES);
    found
}

fn commands(fs: &Fs<'_>, state: &ShellState, word: &str) -> Vec<Candidate> {
    let mut names: Vec<String> = Vec::new();
    let add = |name: &str, names: &mut Vec<String>| {
        if name.starts_with(word) && names.len() < MAX_CANDIDATES {
            names.push(name.to_owned());
        }
    };
    for name in state.aliases.keys().chain(state.functions.keys()) {
        add(name, &mut names);
    }
    for name in KEYWORDS.iter().chain(BUILTINS) {
        add(name, &mut names);
    }
    let path = state.var("PATH").unwrap_or("").to_owned();
    let mut scanned = 0;
    for dir in path.split(':').filter(|d| !d.is_empty()).take(64) {
        let Ok(entries) = fs.read_dir(dir) else {
            continue;
        };
        for entry in entries {
            scanned += 1;
            if scanned > MAX_SCANNED {
                break;
            }
            if !entry.name.starts_with(word) {
                continue;
            }
            let full = format!("{}/{}", dir.trim_end_matches('/'), entry.name);
            if let Ok(stat) = fs.stat(&full)
                && !stat.is_dir()
                && executable(fs, &stat)
            {
                add(&entry.name, &mut names);
            }
        }
    }
    names
        .into_iter()
        .map(|word| Candidate {
            word,
            path: false,
            dir: false,
            link: false,
        })
        .collect()
}

/// Whether the session's user may run the file `stat` describes.
fn executable(fs: &Fs<'_>, stat: &Stat) -> bool {
    let meta = Meta {
        mode: stat.mode,
        uid: stat.uid,
        gid: stat.gid,
        mtime: stat.mtime,
        ctime: stat.ctime,
        ino: stat.ino,
    };
    fs.cred().may(&meta, stat.is_dir(), Access::Exec)
}

fn paths(fs: &Fs<'_>, state: &ShellState, word: &str, command: bool) -> Vec<Candidate> {
    let (dir_part, prefix) = match word.rfind('/') {
        Some(i) => (&word[..=i], &word[i + 1..]),
        None => ("", word),
    };
    // `~/x` completes in the home directory and keeps the `~/`.
    let dir = if dir_part.is_empty() {
        ".".to_owned()
    } else if let Some(rest) = dir_part.strip_prefix("~/") {
        let home = state.var("HOME").unwrap_or("/").trim_end_matches('/');
        format!("{home}/{rest}")
    } else {
        dir_part.to_owned()
    };
    let Ok(entries) = fs.read_dir(&dir) else {
        return Vec::new();
    };
    let mut names: Vec<(String, bool)> = Vec::new();
    // Readline offers `.` and `..` only when the word asks for a dot.
    if prefix.starts_with('.') {
        for special in [".", ".."] {
            if special.starts_with(prefix) {
                names.push((special.to_owned(), false));
            }
        }
    }
    for entry in entries.into_iter().take(MAX_SCANNED) {
        if entry.name.starts_with(prefix) {
            let link = matches!(entry.node.kind, Kind::Symlink(_));
            names.push((entry.name, link));
        }
    }
    let mut found = Vec::new();
    for (name, link) in names {
        if found.len() >= MAX_CANDIDATES {
            break;
        }
        let full = format!("{}/{name}", dir.trim_end_matches('/'));
        let is_dir = fs.stat(&full).is_ok_and(|s| s.is_dir());
        // A command word with a slash completes to programs and directories only.
        if command && !is_dir && !fs.stat(&full).is_ok_and(|s| executable(fs, &s)) {
            continue;
        }
        found.push(Candidate {
            word: format!("{dir_part}{name}"),
            path: true,
            dir: is_dir,
            link,
        });
    }
    found
}

#[cfg(test)]
mod tests;
