//! [`History`]: the lines a shell has recorded, stored so that copying it is cheap.
//!
//! The session checkpoints its whole [`ShellState`](crate::shell::ShellState) after every
//! line, and a `Vec<String>` history of up to 1,000 lines made each checkpoint copy every
//! entry (the load profile of issue 7). Here entries are shared strings kept in chunks of
//! [`CHUNK`] shared between copies: a clone copies one pointer per chunk, and a copy that
//! changes copies at most one or two chunks of pointers (copy-on-write, [`Arc::make_mut`]),
//! whatever the history's length. A running byte total keeps trimming O(entries dropped).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Entries per chunk: a clone copies `len / CHUNK` pointers, a push into a shared history
/// copies at most `CHUNK` (the last chunk).
const CHUNK: usize = 64;

/// The recorded lines, oldest first, with the bytes they hold.
///
/// Invariant: no chunk is empty, and every chunk but the first and the last holds exactly
/// [`CHUNK`] entries (the first loses entries from the front, the last fills up), so entry
/// `i` is found without a walk.
#[derive(Clone, Default)]
pub struct History {
    /// The entries, in chunks shared with copies of this history.
    chunks: Vec<Arc<Vec<Arc<str>>>>,
    /// How many entries the chunks hold.
    len: usize,
    /// The bytes the entries hold together.
    bytes: usize,
}

impl History {
    /// An empty history.
    pub const fn new() -> History {
        History {
            chunks: Vec::new(),
            len: 0,
            bytes: 0,
        }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes all entries hold together (kept as entries come and go, not summed).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Entry `index`, counting from the oldest (0).
    pub fn get(&self, index: usize) -> Option<&str> {
        let first = self.chunks.first()?;
        let entry = match index.checked_sub(first.len()) {
            None => first.get(index)?,
            Some(rest) => self.chunks.get(1 + rest / CHUNK)?.get(rest % CHUNK)?,
        };
        Some(entry)
    }

    /// The newest entry.
    pub fn last(&self) -> Option<&str> {
        self.chunks.last()?.last().map(|entry| &**entry)
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.chunks
            .iter()
            .flat_map(|chunk| chunk.iter().map(|entry| &**entry))
    }

    /// Appends `line` as the newest entry.
    pub fn push(&mut self, line: &str) {
        self.bytes += line.len();
        self.len += 1;
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => Arc::make_mut(chunk).push(Arc::from(line)),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(Arc::from(line));
                self.chunks.push(Arc::new(chunk));
            }
        }
    }

    /// Removes and returns the newest entry.
    pub fn pop(&mut self) -> Option<String> {
        let chunk = self.chunks.last_mut()?;
        let entry = Arc::make_mut(chunk).pop()?;
        if chunk.is_empty() {
            self.chunks.pop();
        }
        self.len -= 1;
        self.bytes -= entry.len();
        Some(entry.to_string())
    }

    /// Removes entry `index` (`history -d`), if there is one. Rebuilds the chunks: O(len),
    /// but only an explicit deletion pays it.
    pub fn remove(&mut self, index: usize) -> Option<String> {
        let removed = self.get(index)?.to_owned();
        let rest: History = self
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, entry)| entry)
            .collect();
        *self = rest;
        Some(removed)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        *self = History::new();
    }

    /// Removes the `count` oldest entries (all of them if there are fewer). O(count) plus at
    /// most one chunk copied.
    pub fn drop_front(&mut self, count: usize) {
        let mut left = count.min(self.len);
        self.len -= left;
        while left > 0 {
            let Some(first) = self.chunks.first_mut() else {
                break;
            };
            if first.len() <= left {
                left -= first.len();
                self.bytes -= first.iter().map(|entry| entry.len()).sum::<usize>();
                self.chunks.remove(0);
            } else {
                // Dropped entries are released now (not kept behind an offset), so the
                // byte cap bounds the memory the history really holds.
                let dropped = Arc::make_mut(first).drain(..left);
                self.bytes -= dropped.map(|entry| entry.len()).sum::<usize>();
                left = 0;
            }
        }
    }
}

impl<'a> FromIterator<&'a str> for History {
    fn from_iter<I: IntoIterator<Item = &'a str>>(lines: I) -> History {
        let mut history = History::new();
        for line in lines {
            history.push(line);
        }
        history
    }
}

impl std::ops::Index<usize> for History {
    type Output = str;

    fn index(&self, index: usize) -> &str {
        // Same contract as a slice: out of range is a caller's bug.
        self.get(index).expect("history index in range")
    }
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for History {
    fn eq(&self, other: &History) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for History {}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for History {
    fn eq(&self, other: &[S; N]) -> bool {
        self.len == N && self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

/// Serialised as a plain list of strings: the checkpoint format a `Vec<String>` had.
impl Serialize for History {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for History {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<History, D::Error> {
        let lines = Vec::<String>::deserialize(deserializer)?;
        Ok(lines.iter().map(String::as_str).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history of `n` entries `"0"`, `"1"`, …
    fn numbered(n: usize) -> History {
        let lines: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        lines.iter().map(String::as_str).collect()
    }

    /// Checks `history` against the plain list it should equal, through every accessor.
    fn check(history: &History, want: &[String]) {
        assert_eq!(history.len(), want.len());
        assert_eq!(history.is_empty(), want.is_empty());
        assert_eq!(history.bytes(), want.iter().map(String::len).sum::<usize>());
        assert!(history.iter().eq(want.iter().map(String::as_str)));
        assert!(
            history
                .iter()
                .rev()
                .eq(want.iter().rev().map(String::as_str))
        );
        for (i, line) in want.iter().enumerate() {
            assert_eq!(history.get(i), Some(line.as_str()), "entry {i}");
        }
        assert_eq!(history.get(want.len()), None);
        assert_eq!(history.last(), want.last().map(String::as_str));
    }

    #[test]
    fn behaves_as_a_list_through_pushes_trims_and_removals() {
        let mut history = History::new();
        let mut model: Vec<String> = Vec::new();
        // Interleaved so the first chunk is partial while later ones fill.
        for i in 0..700 {
            let line = format!("line {i} {}", "x".repeat(i % 7));
            history.push(&line);
            model.push(line);
            if i % 5 == 4 {
                let drop = i % 11;
                history.drop_front(drop);
                model.drain(..drop.min(model.len()));
            }
            if i % 97 == 0 {
                assert_eq!(history.pop(), model.pop());
            }
            if i % 131 == 1 && !model.is_empty() {
                let at = i % model.len();
                assert_eq!(history.remove(at), Some(model.remove(at)));
            }
            check(&history, &model);
        }
        history.drop_front(usize::MAX);
        check(&history, &[]);
        history.push("again");
        check(&history, &["again".to_owned()]);
        history.clear();
        check(&history, &[]);
        assert_eq!((history.pop(), history.remove(0)), (None, None));
    }

    #[test]
    fn a_copy_is_unchanged_by_the_original_and_shares_its_chunks() {
        let mut history = numbered(1000);
        let copy = history.clone();
        // Every chunk but the last is shared, not copied.
        assert!(
            history.chunks[..history.chunks.len() - 1]
                .iter()
                .zip(&copy.chunks)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        );
        history.push("new");
        history.drop_front(3);
        history.remove(10);
        assert_eq!(copy, numbered(1000));
        assert_eq!(history.len(), 997);
        assert_eq!(history.get(0), Some("3"));
        assert_eq!(history.last(), Some("new"));
    }

    #[test]
    fn serialises_as_the_old_list_of_strings() {
        let history: History = ["ls", "cd /tmp", "日本"].into_iter().collect();
        let text = serde_json::to_string(&history).expect("serialise");
        assert_eq!(text, r#"["ls","cd /tmp","日本"]"#);
        let back: History = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, ["ls", "cd /tmp", "日本"]);
        assert_eq!(back.bytes(), 2 + 7 + 6);
        assert_eq!(format!("{back:?}"), r#"["ls", "cd /tmp", "日本"]"#);
    }
}
