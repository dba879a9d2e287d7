//! Shell options (`set -e`, `set -o xtrace`, …): which are on, `$-`, `set -o`/`set +o`
//! listings, and xtrace's `+ cmd args` lines.
//!
//! The options live in the session's state as bash's own `SHELLOPTS` variable (the colon list
//! of enabled options, as bash keeps it), so a checkpoint keeps them and a subshell inherits
//! them; while it is unset the defaults of an interactive login shell (or of a script) hold.

use super::exec::Exec;
use crate::shell::state::ShellState;

/// Every `set -o` option in bash's order, with its flag letter and whether an interactive
/// shell starts with it on.
const OPTIONS: &[(&str, Option<char>, bool)] = &[
    ("allexport", Some('a'), false),
    ("braceexpand", Some('B'), true),
    ("emacs", None, true),
    ("errexit", Some('e'), false),
    ("errtrace", Some('E'), false),
    ("functrace", Some('T'), false),
    ("hashall", Some('h'), true),
    ("histexpand", Some('H'), true),
    ("history", None, true),
    ("ignoreeof", None, false),
    ("interactive-comments", None, true),
    ("keyword", Some('k'), false),
    ("monitor", Some('m'), true),
    ("noclobber", Some('C'), false),
    ("noexec", Some('n'), false),
    ("noglob", Some('f'), false),
    ("nolog", None, false),
    ("notify", Some('b'), false),
    ("nounset", Some('u'), false),
    ("onecmd", Some('t'), false),
    ("physical", Some('P'), false),
    ("pipefail", None, false),
    ("posix", None, false),
    ("privileged", Some('p'), false),
    ("verbose", Some('v'), false),
    ("vi", None, false),
    ("xtrace", Some('x'), false),
];

/// The options a script (a non-interactive bash) starts with.
const SCRIPT_DEFAULTS: &[&str] = &["braceexpand", "hashall", "interactive-comments"];

/// The order bash lists flag letters in `$-`.
const FLAG_ORDER: &str = "abefhikmnptuvxBCEHPT";

/// The variable that holds the enabled options.
const SHELLOPTS: &str = "SHELLOPTS";

/// What `set` does with one option argument.
pub(super) enum SetArg {
    /// It was applied.
    Done,
    /// `-o`/`+o` without a name: list the options.
    List {
        /// `+o`: as `set` commands that recreate them.
        commands: bool,
    },
    /// An unknown flag letter.
    BadFlag(char),
    /// An unknown `-o` name.
    BadName(String),
}

impl Exec<'_> {
    /// Whether this run is a script rather than the interactive shell.
    fn non_interactive(&self) -> bool {
        self.script.as_ref().is_some_and(|s| !s.sourced)
    }

    /// Whether option `name` (`errexit`, `xtrace`, …) is on.
    pub(super) fn option_enabled(&self, state: &ShellState, name: &str) -> bool {
        match state.vars.get(SHELLOPTS) {
            Some(list) => list.split(':').any(|o| o == name),
            None if self.non_interactive() => SCRIPT_DEFAULTS.contains(&name),
            None => OPTIONS.iter().any(|(o, _, on)| *o == name && *on),
        }
    }

    /// `$SHELLOPTS`: the enabled options, colon separated, in `set -o` order.
    pub(super) fn shellopts(&self, state: &ShellState) -> String {
        let on: Vec<&str> = OPTIONS
            .iter()
            .map(|(o, _, _)| *o)
            .filter(|o| self.option_enabled(state, o))
            .collect();
        on.join(":")
    }

    /// Turns option `name` on or off.
    fn set_option(&self, state: &mut ShellState, name: &str, on: bool) {
        let list: Vec<&str> = OPTIONS
            .iter()
            .map(|(o, _, _)| *o)
            .filter(|o| {
                if *o == name {
                    on
                } else {
                    self.option_enabled(state, o)
                }
            })
            .collect();
        let list = list.join(":");
        state.vars.insert(SHELLOPTS.to_owned(), list);
    }

    /// `$-`: the letters of the flags that are on, then `i` (interactive) and `s`.
    pub(super) fn flags(&self, state: &ShellState) -> String {
        let interactive = !self.non_interactive();
        let mut out = String::new();
        for letter in FLAG_ORDER.chars() {
            let on = match letter {
                'i' => interactive,
                _ => OPTIONS
                    .iter()
                    .find(|(_, l, _)| *l == Some(letter))
                    .is_some_and(|(name, _, _)| self.option_enabled(state, name)),
            };
            if on {
                out.push(letter);
            }
        }
        if interactive {
            out.push('s');
        } else if self.script.as_ref().is_some_and(|s| s.command) {
            out.push('c');
        }
        out
    }

    /// Applies one `set` argument that starts with `-` or `+` (`-ex`, `+x`); `name` is the
    /// word after `-o`/`+o`, if any.
    pub(super) fn set_flags(
        &self,
        state: &mut ShellState,
        arg: &str,
        name: Option<&str>,
    ) -> SetArg {
        let on = arg.starts_with('-');
        let letters = &arg[1..];
        if letters == "o" {
            let Some(name) = name else {
                return SetArg::List { commands: !on };
            };
            if !OPTIONS.iter().any(|(o, _, _)| *o == name) {
                return SetArg::BadName(name.to_owned());
            }
            if name == "emacs" || name == "vi" {
                self.set_option(state, "emacs", on == (name == "emacs"));
                self.set_option(state, "vi", on == (name == "vi"));
            } else {
                self.set_option(state, name, on);
            }
            return SetArg::Done;
        }
        if let Some(bad) = letters
            .chars()
            .find(|c| !OPTIONS.iter().any(|(_, l, _)| *l == Some(*c)))
        {
            return SetArg::BadFlag(bad);
        }
        for letter in letters.chars() {
            if let Some((name, _, _)) = OPTIONS.iter().find(|(_, l, _)| *l == Some(letter)) {
                self.set_option(state, name, on);
            }
        }
        SetArg::Done
    }

    /// `set -o` (`%-15s\t%s` lines) or `set +o` (`set -o name` lines).
    pub(super) fn option_listing(&self, state: &ShellState, commands: bool) -> String {
        let mut out = String::new();
        for (name, _, _) in OPTIONS {
            let on = self.option_enabled(state, name);
            if commands {
                let sign = if on { '-' } else { '+' };
                out.push_str(&format!("set {sign}o {name}\n"));
            } else {
                let word = if on { "on" } else { "off" };
                out.push_str(&format!("{name:<15}\t{word}\n"));
            }
        }
        out
    }

    /// Whether `set -x` is on.
    pub(super) fn xtrace(&self, state: &ShellState) -> bool {
        self.option_enabled(state, "xtrace")
    }

    /// Writes one xtrace line: `$PS4` (default `+ `) and `text`, to standard error.
    pub(super) fn trace_line(&mut self, state: &ShellState, text: &str) {
        let ps4 = state.var("PS4").unwrap_or("+ ");
        let mut line = String::new();
        if let Some(first) = ps4.chars().next() {
            let extra = self.trace_level.min(64);
            line.extend(std::iter::repeat_n(first, extra));
        }
        line.push_str(ps4);
        line.push_str(text);
        line.push('\n');
        self.error(&line);
    }

    /// Traces a simple command's expanded words, each quoted as bash quotes it.
    pub(super) fn trace_words(&mut self, state: &ShellState, words: &[String]) {
        let line: Vec<String> = words.iter().map(|w| trace_quote(w)).collect();
        self.trace_line(state, &line.join(" "));
    }
}

/// A word as xtrace shows it: single-quoted when it holds shell metacharacters or is empty.
pub(super) fn trace_quote(word: &str) -> String {
    const METAS: &str = " \t\n'\"\\|&;()<>!{}*[?]^$`";
    let needs =
        word.is_empty() || word.contains(|c| METAS.contains(c)) || word.starts_with(['~', '#']);
    if !needs {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}
