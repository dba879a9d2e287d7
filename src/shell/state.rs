//! [`ShellState`]: everything one session's shell keeps between lines, and so its checkpoint.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::shell::history::History;
use crate::shell::shared::Shared;

/// The most history entries kept, whatever `HISTSIZE` says: Ubuntu's `~/.bashrc` sets 1000,
/// and a cap keeps a session's memory bounded when an attacker raises it.
pub const HISTORY_MAX_ENTRIES: usize = 1000;

/// The most bytes of history kept; the oldest entries go first beyond it. Bash has no such
/// limit, but 1000 pasted 64 KiB lines would be 64 MiB per session.
pub const HISTORY_MAX_BYTES: usize = 1 << 20;

/// The most bytes all variables together may hold (names and values); assignments beyond
/// fail, as they would when bash runs out of memory.
pub const MAX_VARS_BYTES: usize = 8 << 20;

/// Ubuntu's `PATH` for an SSH login. sshd's built-in default differs for root and users, but
/// Ubuntu's sshd runs PAM, and `pam_env` then sets `PATH` from `/etc/environment` for everyone;
/// Ubuntu's `/etc/profile` and `~/.profile` leave it alone (the latter only adds `~/bin` and
/// `~/.local/bin` when they exist, which they do not on a fresh account).
pub const LOGIN_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin";

/// Everything a session's shell must keep across a restart: its checkpoint.
///
/// The session copies it after every line, so what most lines leave alone (history, shell
/// variables, functions, aliases) is [`Shared`] between copies rather than copied.
///
/// Variables live in two maps because bash tells them apart: [`ShellState::env`] holds the
/// exported environment (what `export` lists and a child process would see) and
/// [`ShellState::vars`] the shell-only variables (`FOO=1` without `export`). A name is in at
/// most one of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShellState {
    /// The logged-in user; `root` is uid 0.
    pub user: String,
    /// The working directory, always absolute and normalised (bash's logical `$PWD`).
    pub cwd: String,
    /// Exported variables; shared between copies of the state like the shell variables,
    /// since most lines export nothing.
    pub env: Shared<BTreeMap<String, String>>,
    /// Shell variables that are not exported.
    #[serde(default)]
    pub vars: Shared<BTreeMap<String, String>>,
    /// Lines entered, oldest first (at most [`HISTORY_MAX_ENTRIES`]); shared between
    /// copies of the state, so the per-line checkpoint does not copy it.
    pub history: History,
    /// How many entries were dropped from the front of `history`: `history` numbers entries
    /// from `history_base + 1`, as bash keeps counting after old entries fall off.
    #[serde(default)]
    pub history_base: usize,
    /// The status of the last command: `$?`.
    pub last_status: i32,
    /// The session's terminal as `w`, `who` and `ps` show it (`pts/0`); empty without a PTY.
    #[serde(default = "default_tty")]
    pub tty: String,
    /// The attacker's address, shown by `w`, `who`, `last` and `ss` (empty if unknown).
    #[serde(default)]
    pub remote_ip: String,
    /// When the session logged in (`None`: treated as the current time).
    #[serde(default)]
    pub login_time: Option<DateTime<Utc>>,
    /// A fixed time for this shell's clock, for tests and replays (`None`: the real clock).
    #[serde(default)]
    pub clock: Option<DateTime<Utc>>,
    /// Lines of a construct still open (`for i in 1 2; do` + Enter): the shell waits for more
    /// and prompts `> ` ([`ShellState::cancel_pending`] drops them, as Ctrl-C does).
    #[serde(default)]
    pub pending: String,
    /// Functions defined in the shell: name to definition text (`f() { …; }`).
    #[serde(default)]
    pub functions: Shared<BTreeMap<String, String>>,
    /// Aliases: name to replacement text.
    #[serde(default)]
    pub aliases: Shared<BTreeMap<String, String>>,
    /// Whether the last `exit` or `logout` that ran in this shell itself (a subshell runs on a
    /// copy, so its own do not count) was `exit`: an interactive login bash prints `logout`
    /// for `exit` but not for `logout`. Only meaningful for the line that ended the shell.
    #[serde(skip)]
    pub exit_notice: bool,
    /// What system-administration commands changed: units, firewall rules, umask, file
    /// attributes.
    #[serde(default)]
    pub admin: crate::shell::commands::admin_state::AdminState,
    /// The seed of the session's random source, set at login from its origin
    /// ([`ShellState::set_origin`]), so a replay of the same session draws the same names and
    /// bytes (`mktemp`, `dd if=/dev/urandom`).
    #[serde(default)]
    pub random_seed: u64,
    /// How many random sources [`ShellState::rng`] has handed out in this shell.
    #[serde(default)]
    pub random_draws: u64,
    /// The shell runs one command text like `bash -c 'LINE'` (an SSH exec request): `$0` is
    /// `bash`, `$-` is `hBc` and errors read `bash: line 1: …` instead of `-bash: …`.
    #[serde(default)]
    pub command_mode: bool,
    /// The PID of the last command started in the background (`cmd &`): `$!`.
    #[serde(default)]
    pub last_background: Option<u32>,
    /// Background jobs that finished and whose `Done` notice is still owed before a prompt
    /// (`[1]+  Done                    sleep 5`): job number, exit status, command text.
    #[serde(default)]
    pub jobs_done: Vec<(usize, i32, String)>,
    /// Layer 3's deception settings for this session (latency, enticement, richness, error
    /// injection, vulnerable path); the default is the static honeypot's behaviour.
    #[serde(default)]
    pub deception: crate::models::strategy::Deception,
    /// Which deception files were already put in the session's filesystem
    /// ([`crate::host::staging`]), so each set is placed once and stays gone if deleted.
    #[serde(default)]
    pub deception_staged: u8,
}

fn default_tty() -> String {
    "pts/0".to_owned()
}

impl ShellState {
    /// A fresh login shell for `user`: cwd is the home directory (`/root` for root,
    /// `/home/<user>` otherwise), with the environment an Ubuntu SSH login has before the
    /// transport adds its own (`TERM`, `SSH_*`).
    pub fn login(user: &str) -> ShellState {
        let home = home_of(user);
        let mut env = BTreeMap::new();
        for (name, value) in [
            ("HOME", home.as_str()),
            ("LANG", "C.UTF-8"),
            ("LOGNAME", user),
            ("PATH", LOGIN_PATH),
            ("PWD", home.as_str()),
            ("SHELL", "/bin/bash"),
            ("SHLVL", "1"),
            ("USER", user),
        ] {
            env.insert(name.to_owned(), value.to_owned());
        }
        env.insert("MAIL".to_owned(), format!("/var/mail/{user}"));
        // What Ubuntu's stock ~/.bashrc (root's included) sets; the history code reads them.
        let mut vars = BTreeMap::new();
        for (name, value) in [
            ("HISTCONTROL", "ignoreboth"),
            ("HISTFILESIZE", "2000"),
            ("HISTSIZE", "1000"),
            ("PS1", crate::shell::interpreter::prompt::DEFAULT_PS1),
        ] {
            vars.insert(name.to_owned(), value.to_owned());
        }
        ShellState {
            user: user.to_owned(),
            cwd: home,
            env: env.into(),
            vars: vars.into(),
            history: History::new(),
            history_base: 0,
            last_status: 0,
            tty: default_tty(),
            remote_ip: String::new(),
            login_time: None,
            clock: None,
            pending: String::new(),
            functions: Shared::default(),
            aliases: DEFAULT_ALIASES.clone(),
            exit_notice: false,
            admin: Default::default(),
            random_seed: 0,
            random_draws: 0,
            command_mode: false,
            last_background: None,
            jobs_done: Vec::new(),
            deception: Default::default(),
            deception_staged: 0,
        }
    }

    /// Records the terminal the client asked for (`pty-req`): `TERM` in the environment and,
    /// for a user whose terminal has colours, the colour prompt with an xterm title that
    /// `/etc/skel/.bashrc` sets (root's `~/.bashrc` keeps the plain one).
    pub fn set_terminal(&mut self, term: &str) {
        self.env.insert("TERM".to_owned(), term.to_owned());
        if !self.is_root() {
            self.set_colour_prompt(term);
        }
        // Sessions of the same user on the same terminal start with equal maps: they share
        // one until one of them changes it.
        self.env = self.env.clone().common();
        self.vars = self.vars.clone().common();
    }

    /// The prompt `/etc/skel/.bashrc` sets for a user's terminal `term`.
    fn set_colour_prompt(&mut self, term: &str) {
        let colour = term == "xterm-color" || term.ends_with("-256color");
        let mut ps1 = if colour {
            r"${debian_chroot:+($debian_chroot)}\[\033[01;32m\]\u@\h\[\033[00m\]:\[\033[01;34m\]\w\[\033[00m\]\$ ".to_owned()
        } else {
            crate::shell::interpreter::prompt::DEFAULT_PS1.to_owned()
        };
        if term.starts_with("xterm") || term.starts_with("rxvt") {
            // `PS1="\[\e]0;${debian_chroot:+($debian_chroot)}\u@\h: \w\a\]$PS1"`: the
            // double quotes expand `${debian_chroot…}` (unset) right away.
            ps1 = format!(r"\[\e]0;\u@\h: \w\a\]{ps1}");
        }
        self.vars.insert("PS1".to_owned(), ps1);
    }

    /// Drops a construct still waiting for lines (Ctrl-C at the `> ` prompt).
    pub fn cancel_pending(&mut self) {
        self.pending.clear();
    }

    /// Records where the session comes from and when it logged in (the session actor calls
    /// this once after [`ShellState::login`]).
    pub fn set_origin(&mut self, remote_ip: std::net::IpAddr, login_time: DateTime<Utc>) {
        self.remote_ip = remote_ip.to_string();
        self.login_time = Some(login_time);
        // FNV-1a over what identifies the login: stable across builds and platforms.
        let key = format!(
            "{}|{}|{}",
            self.user,
            self.remote_ip,
            login_time.timestamp_micros()
        );
        self.random_seed = key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    }

    /// A random source for one command, derived from the session's seed: the same session
    /// replayed draws the same values. Commands in a subshell run on a copy of the state, so
    /// the line number is mixed in too, not only the draw counter.
    pub fn rng(&mut self) -> rand::rngs::StdRng {
        use rand::SeedableRng;
        self.random_draws = self.random_draws.wrapping_add(1);
        let line = (self.history_base + self.history.len()) as u64;
        let mixed = self.random_seed
            ^ self.random_draws.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ line.wrapping_mul(0xbf58_476d_1ce4_e5b9).rotate_left(32);
        rand::rngs::StdRng::seed_from_u64(mixed)
    }

    /// A fresh login state for an exec request (`ssh host cmd`): the same user, origin and
    /// clock, and no terminal (exec requests run without a PTY, so utmp has no entry).
    pub fn exec_login(&self) -> ShellState {
        let mut state = ShellState::login(&self.user);
        state.remote_ip = self.remote_ip.clone();
        state.login_time = self.login_time;
        state.clock = self.clock;
        state.random_seed = self.random_seed;
        state.deception = self.deception;
        state.deception_staged = self.deception_staged;
        state.tty.clear();
        // ~/.bashrc returns early in a non-interactive shell: no aliases, prompt or history
        // settings.
        state.aliases.clear();
        for name in ["PS1", "HISTCONTROL", "HISTFILESIZE", "HISTSIZE"] {
            state.vars.remove(name);
        }
        state.command_mode = true;
        state
    }

    /// The shell's current time: the fixed [`ShellState::clock`], or the real one.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// Whether the shell runs as uid 0.
    pub fn is_root(&self) -> bool {
        self.user == "root"
    }

    /// The user's home directory from the account database (not `$HOME`, which may change).
    pub fn home_dir(&self) -> String {
        home_of(&self.user)
    }

    /// A variable's value, shell-only or exported.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .or_else(|| self.env.get(name))
            .map(String::as_str)
    }

    /// The bytes all variables hold, names included.
    pub fn vars_bytes(&self) -> usize {
        self.env
            .iter()
            .chain(self.vars.iter())
            .chain(self.functions.iter())
            .chain(self.aliases.iter())
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }

    /// Whether setting `name` to `value` keeps the variables within [`MAX_VARS_BYTES`].
    pub fn can_hold(&self, name: &str, value: &str) -> bool {
        let old = self.var(name).map_or(0, |v| name.len() + v.len());
        self.vars_bytes() - old + name.len() + value.len() <= MAX_VARS_BYTES
    }

    /// Sets a variable, keeping it exported if it was.
    pub fn set_var(&mut self, name: &str, value: String) {
        if let Some(slot) = self.env.get_mut(name) {
            *slot = value;
        } else {
            self.vars.insert(name.to_owned(), value);
        }
    }

    /// Marks `name` exported, giving it `value` if one is given. A name with neither a value
    /// nor an earlier definition is left alone (bash would list it as `declare -x NAME`).
    pub fn export(&mut self, name: &str, value: Option<String>) {
        let old = self.vars.remove(name);
        if let Some(value) = value.or(old) {
            self.env.insert(name.to_owned(), value);
        }
    }

    /// Removes the export mark from `name`, keeping its value as a shell variable.
    pub fn unexport(&mut self, name: &str) {
        if let Some(value) = self.env.remove(name) {
            self.vars.insert(name.to_owned(), value);
        }
    }

    /// Removes a variable entirely.
    pub fn unset_var(&mut self, name: &str) {
        // Neither map is copied where the name is not (`Shared::remove`).
        self.vars.remove(name);
        self.env.remove(name);
    }

    /// Records an entered line like Ubuntu's bash: not when `HISTCONTROL` says to ignore it
    /// (the default `ignoreboth` skips lines starting with a space and repeats of the previous
    /// line), never blank lines, and at most `HISTSIZE` entries.
    pub fn record_history(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let control = self.var("HISTCONTROL").unwrap_or("");
        let mut ignore_space = false;
        let mut ignore_dups = false;
        for word in control.split(':') {
            match word {
                "ignorespace" => ignore_space = true,
                "ignoredups" => ignore_dups = true,
                "ignoreboth" => {
                    ignore_space = true;
                    ignore_dups = true;
                }
                _ => {}
            }
        }
        if ignore_space && line.starts_with(' ') {
            return;
        }
        if ignore_dups && self.history.last().is_some_and(|last| last == line) {
            return;
        }
        self.history.push(line);
        self.trim_history();
    }

    /// Drops the oldest entries beyond `HISTSIZE` (capped) and [`HISTORY_MAX_BYTES`].
    pub fn trim_history(&mut self) {
        let max = self
            .var("HISTSIZE")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map_or(HISTORY_MAX_ENTRIES, |n| {
                // Bash: a negative HISTSIZE means unlimited.
                if n < 0 {
                    HISTORY_MAX_ENTRIES
                } else {
                    (n as usize).min(HISTORY_MAX_ENTRIES)
                }
            });
        // O(entries dropped): the history keeps its byte total.
        let drop = self.history.len().saturating_sub(max);
        if drop > 0 {
            self.history.drop_front(drop);
            self.history_base += drop;
        }
        while self.history.bytes() > HISTORY_MAX_BYTES {
            self.history.drop_front(1);
            self.history_base += 1;
        }
    }
}

/// The aliases Ubuntu's stock `~/.bashrc` defines for an interactive shell (root's
/// included); one copy shared by every login until a session changes its own.
static DEFAULT_ALIASES: LazyLock<Shared<BTreeMap<String, String>>> =
    LazyLock::new(|| default_aliases().into());

/// The aliases Ubuntu's stock `~/.bashrc` defines for an interactive shell (root's included).
fn default_aliases() -> BTreeMap<String, String> {
    [
        (
            "alert",
            r#"notify-send --urgency=low -i "$([ $? = 0 ] && echo terminal || echo error)" "$(history|tail -n1|sed -e 's/^\s*[0-9]\+\s*//;s/[;&|]\s*$//')""#,
        ),
        ("egrep", "egrep --color=auto"),
        ("fgrep", "fgrep --color=auto"),
        ("grep", "grep --color=auto"),
        ("l", "ls -CF"),
        ("la", "ls -A"),
        ("ll", "ls -alF"),
        ("ls", "ls --color=auto"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The home directory the account database gives `user`.
fn home_of(user: &str) -> String {
    if user == "root" {
        "/root".to_owned()
    } else {
        format!("/home/{user}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_login_environment() {
        let s = ShellState::login("root");
        assert_eq!(s.cwd, "/root");
        assert_eq!(s.var("HOME"), Some("/root"));
        assert_eq!(s.var("USER"), Some("root"));
        assert_eq!(s.var("LOGNAME"), Some("root"));
        assert_eq!(s.var("SHELL"), Some("/bin/bash"));
        assert_eq!(s.var("PWD"), Some("/root"));
        assert_eq!(s.var("PATH"), Some(LOGIN_PATH));
        assert_eq!(s.var("TERM"), None);
        assert!(s.is_root());
    }

    #[test]
    fn user_login_environment() {
        let s = ShellState::login("deploy");
        assert_eq!(s.cwd, "/home/deploy");
        assert_eq!(s.var("HOME"), Some("/home/deploy"));
        assert_eq!(s.var("MAIL"), Some("/var/mail/deploy"));
        assert!(!s.is_root());
    }

    #[test]
    fn sessions_on_the_same_terminal_share_their_maps_until_one_changes() {
        let shell = |user: &str| {
            let mut s = ShellState::login(user);
            s.set_terminal("xterm-256color");
            s
        };
        let (mut a, b) = (shell("sharing-test"), shell("sharing-test"));
        assert!(Shared::ptr_eq(&a.env, &b.env) && Shared::ptr_eq(&a.vars, &b.vars));
        assert_eq!(a.var("TERM"), Some("xterm-256color"));
        assert!(a.var("PS1").is_some_and(|ps1| ps1.contains("01;32m")));
        a.export("EDITOR", Some("vi".to_owned()));
        assert_eq!(
            b.var("EDITOR"),
            None,
            "the other session's environment is its own"
        );
        assert_eq!(a.var("EDITOR"), Some("vi"));
        assert!(!Shared::ptr_eq(&shell("other-sharing-test").env, &b.env));
    }

    #[test]
    fn history_ignores_space_dups_and_blank() {
        let mut s = ShellState::login("root");
        s.record_history("ls");
        s.record_history("ls");
        s.record_history(" secret");
        s.record_history("   ");
        s.record_history("pwd");
        s.record_history("ls");
        assert_eq!(s.history, ["ls", "pwd", "ls"]);
    }

    #[test]
    fn history_is_bounded_and_keeps_counting() {
        let mut s = ShellState::login("root");
        for i in 0..1500 {
            s.record_history(&format!("echo {i}"));
        }
        assert_eq!(s.history.len(), HISTORY_MAX_ENTRIES);
        assert_eq!(s.history_base, 500);
        assert_eq!(&s.history[0], "echo 500");
        let big = "x".repeat(60_000);
        for i in 0..40 {
            s.record_history(&format!("{big}{i}"));
        }
        assert!(s.history.iter().map(str::len).sum::<usize>() <= HISTORY_MAX_BYTES);
    }

    #[test]
    fn a_checkpoint_shares_storage_but_not_later_changes() {
        let mut s = ShellState::login("root");
        for i in 0..1000 {
            s.record_history(&format!("echo {i}"));
        }
        let checkpoint = s.clone();
        assert!(Shared::ptr_eq(&s.vars, &checkpoint.vars));
        assert!(Shared::ptr_eq(&s.aliases, &checkpoint.aliases));
        // What the line after the checkpoint changes stays out of it (a restart from the
        // checkpoint must not see a half-run line's effects).
        s.record_history("alias x=y");
        s.set_var("FOO", "1".to_owned());
        s.aliases.insert("x".to_owned(), "y".to_owned());
        assert_eq!(checkpoint.history.len(), 1000);
        assert_eq!(checkpoint.history.last(), Some("echo 999"));
        assert_eq!(s.history.last(), Some("alias x=y"));
        assert_eq!((s.history_base, checkpoint.history_base), (1, 0));
        assert_eq!(checkpoint.var("FOO"), None);
        assert!(!checkpoint.aliases.contains_key("x"));
        // Every login starts from the same stock aliases without copying them.
        let other = ShellState::login("admin");
        assert!(Shared::ptr_eq(&other.aliases, &checkpoint.aliases));
        assert_eq!(other.aliases.get("ll").map(String::as_str), Some("ls -alF"));
    }

    #[test]
    fn export_moves_between_maps() {
        let mut s = ShellState::login("root");
        s.set_var("FOO", "1".to_owned());
        assert!(s.vars.contains_key("FOO") && !s.env.contains_key("FOO"));
        s.export("FOO", None);
        assert_eq!(s.env.get("FOO").map(String::as_str), Some("1"));
        s.set_var("FOO", "2".to_owned());
        assert_eq!(s.env.get("FOO").map(String::as_str), Some("2"));
        s.unexport("FOO");
        assert_eq!(s.vars.get("FOO").map(String::as_str), Some("2"));
    }

    #[test]
    fn serde_round_trip_and_old_checkpoints_load() {
        let s = ShellState::login("root");
        let text = serde_json::to_string(&s).expect("serialise");
        assert_eq!(serde_json::from_str::<ShellState>(&text).expect("parse"), s);
        let old = r#"{"user":"root","cwd":"/","env":{},"history":[],"last_status":0}"#;
        let loaded: ShellState = serde_json::from_str(old).expect("old format");
        assert!(loaded.vars.is_empty() && loaded.history_base == 0);
        assert_eq!(loaded.tty, "pts/0");
        assert!(
            loaded.remote_ip.is_empty() && loaded.login_time.is_none() && loaded.clock.is_none()
        );
    }

    #[test]
    fn origin_and_exec_logins() {
        let mut s = ShellState::login("root");
        let at = chrono::DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        s.set_origin(std::net::IpAddr::from([198, 51, 100, 7]), at);
        assert_eq!(s.remote_ip, "198.51.100.7");
        assert_eq!(s.login_time, Some(at));
        let exec = s.exec_login();
        assert!(exec.tty.is_empty());
        assert_eq!(
            (exec.remote_ip.as_str(), exec.login_time),
            ("198.51.100.7", Some(at))
        );
        s.clock = Some(at);
        assert_eq!(s.now(), at);
    }
}
