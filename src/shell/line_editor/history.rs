//! Walking the history with Up and Down (Ctrl-P, Ctrl-N), as readline does: the line being
//! typed is kept for the way back down, and an entry edited during the walk shows its edits
//! when the walk comes back to it. The edits last until the line is accepted (the history
//! itself is never changed here).

use std::collections::BTreeMap;

use crate::shell::History;

/// The most bytes of edited entries kept during one walk.
const MAX_EDITS_BYTES: usize = 1 << 20;

/// A walk through the history.
#[derive(Debug)]
pub(super) struct Browse {
    /// The entry shown; the history's length stands for the line being typed.
    index: usize,
    /// The line being typed when the walk left it.
    saved: String,
    /// Entries edited during the walk, by index.
    edits: BTreeMap<usize, String>,
    /// The bytes `edits` holds.
    edits_bytes: usize,
}

impl Browse {
    /// Starts a walk from the line being typed, `line`, at the end of a history `len` long.
    pub fn start(line: &str, len: usize) -> Browse {
        Browse {
            index: len,
            saved: line.to_owned(),
            edits: BTreeMap::new(),
            edits_bytes: 0,
        }
    }

    /// Moves one entry up (older) or down (newer), leaving `line` (what the current entry
    /// became); returns the line to show, or `None` at either end (the bell).
    pub fn step(&mut self, line: &str, history: &History, up: bool) -> Option<String> {
        let len = history.len();
        let index = self.index.min(len);
        let next = if up {
            index.checked_sub(1)?
        } else if index < len {
            index + 1
        } else {
            return None;
        };
        self.keep(index, line, history);
        self.index = next;
        Some(match history.get(next) {
            Some(entry) => self
                .edits
                .get(&next)
                .map_or(entry, String::as_str)
                .to_owned(),
            None => self.saved.clone(),
        })
    }

    /// Remembers what entry `index` (or the typed line) became.
    fn keep(&mut self, index: usize, line: &str, history: &History) {
        let Some(entry) = history.get(index) else {
            self.saved = line.to_owned();
            return;
        };
        if let Some(old) = self.edits.remove(&index) {
            self.edits_bytes -= old.len();
        }
        if line != entry && self.edits_bytes + line.len() <= MAX_EDITS_BYTES {
            self.edits_bytes += line.len();
            self.edits.insert(index, line.to_owned());
        }
    }
}
