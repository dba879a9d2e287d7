//! Tests of the file commands. Expected outputs were produced by the real tools (GNU
//! coreutils 9.1, grep 3.8, findutils 4.9 on Debian 12, `LC_ALL=C.UTF-8`, `TZ=UTC`) on
//! equivalent trees in a temporary directory, or copied from the format strings in the
//! coreutils sources of the version the fixture host ships (8.32) where those differ.

mod content;
mod listing;
mod manage;
mod shell;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use crate::host::fs::{Image, Limits, Overlay, provision_home};
use crate::shell::commands::testing::host;
use crate::shell::{Shell, ShellState, Terminal, program_paths};

/// The fixed "now" of these tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0)
        .single()
        .unwrap_or_default()
}

/// One session: a shell, its state and its overlay, with the clock stopped at [`now`].
pub struct Session {
    shell: Shell,
    pub state: ShellState,
    pub overlay: Overlay,
    terminal: Terminal,
}

impl Session {
    /// A login of `user` on the fixture host, its output going to a pipe.
    pub fn new(user: &str) -> Session {
        static SHELL: std::sync::OnceLock<Shell> = std::sync::OnceLock::new();
        let shell = SHELL
            .get_or_init(|| {
                let host = host();
                let image = Image::build(&host, now(), &program_paths());
                Shell::with_image(Arc::new(host), Arc::new(image))
            })
            .clone();
        let mut overlay = Overlay::new(shell.image(), Limits::default());
        provision_home(&mut overlay, shell.host(), user, now());
        let mut state = ShellState::login(user);
        state.clock = Some(now());
        Session {
            shell,
            state,
            overlay,
            terminal: Terminal::None,
        }
    }

    /// A root login.
    pub fn root() -> Session {
        Session::new("root")
    }

    /// The same session with output to a terminal `columns` wide.
    pub fn tty(mut self, columns: u16) -> Session {
        self.terminal = Terminal::Columns(columns);
        self
    }

    /// The image the session's shell starts from.
    pub fn shell_image(&self) -> &crate::host::fs::Image {
        self.shell.image()
    }

    /// Runs `line`; returns what the terminal shows.
    pub fn run(&mut self, line: &str) -> String {
        let outcome = self
            .shell
            .run(&mut self.state, &mut self.overlay, self.terminal, line);
        String::from_utf8_lossy(&outcome.output).into_owned()
    }

    /// Runs `line`; returns the output and the status.
    pub fn status(&mut self, line: &str) -> (String, i32) {
        let outcome = self
            .shell
            .run(&mut self.state, &mut self.overlay, self.terminal, line);
        (
            String::from_utf8_lossy(&outcome.output).into_owned(),
            outcome.status,
        )
    }
}
