//! [`SessionHost`]: what the session gives its line editor — prompt, history, terminal width
//! and Tab completions against the session's own files.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::host::fs::{SharedOverlay, lock};
use crate::shell::{Shell, ShellState};

/// What the line editor asks of the session: its prompt, history, terminal width and Tab
/// completions against its own files.
pub(super) struct SessionHost<'a> {
    pub(super) shell: &'a Shell,
    pub(super) state: &'a ShellState,
    pub(super) fs: &'a SharedOverlay,
    pub(super) columns: u32,
}

impl crate::shell::EditorHost for SessionHost<'_> {
    fn prompt(&self) -> String {
        self.shell.prompt(self.state)
    }

    fn history(&self) -> &crate::shell::History {
        &self.state.history
    }

    fn columns(&self) -> usize {
        usize::try_from(self.columns).unwrap_or(80).max(1)
    }

    fn rows(&self) -> usize {
        // The session keeps only the width; a terminal's usual height.
        24
    }

    fn complete(&mut self, word: &str, command: bool) -> Vec<crate::shell::completion::Candidate> {
        use crate::host::fs::{Cred, Fs};
        // Completion must never take the session down: a panic gives no candidates.
        catch_unwind(AssertUnwindSafe(|| {
            let mut overlay = lock(self.fs);
            let host = self.shell.host();
            let now = self.state.now();
            let cred = Fs::new(&mut overlay, host, Cred::root(), now, "/")
                .accounts()
                .cred(&self.state.user);
            let fs = Fs::new(&mut overlay, host, cred, now, &self.state.cwd);
            crate::shell::completion::candidates(&fs, self.state, word, command)
        }))
        .unwrap_or_default()
    }
}
