//! Noticing that a planted file was read in the shell.
//!
//! Planted files are recognised by the address of their contents buffer: the image shares it
//! with every session's copy-on-write overlay, and `cp` shares it with the copy, so a copy is
//! recognised too; a file rewritten by the attacker gets a new buffer and is no longer one.
//! The session actor runs each line inside [`watch_reads`]; the filesystem calls
//! [`note_read`] for every in-memory file it reads, which costs one thread-local lookup.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::events::HoneytokenRef;

/// The planted files' tokens, by [`buffer_key`] of their contents.
pub type Planted = HashMap<usize, Vec<HoneytokenRef>>;

/// Most distinct planted files one line can be seen reading (there are only a handful).
const MAX_SEEN: usize = 64;

struct Watch {
    planted: Arc<Planted>,
    seen: Vec<usize>,
}

thread_local! {
    static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
}

/// The key a contents buffer is known by while it lives: its address.
pub fn buffer_key(bytes: &Arc<Vec<u8>>) -> usize {
    Arc::as_ptr(bytes) as usize
}

/// Records that `bytes` were read, if a watch is running on this thread and they are planted.
pub fn note_read(bytes: &Arc<Vec<u8>>) {
    WATCH.with(|watch| {
        let Ok(mut watch) = watch.try_borrow_mut() else {
            return;
        };
        if let Some(watch) = watch.as_mut() {
            let key = buffer_key(bytes);
            if watch.planted.contains_key(&key)
                && !watch.seen.contains(&key)
                && watch.seen.len() < MAX_SEEN
            {
                watch.seen.push(key);
            }
        }
    });
}

/// Clears the watch even if the watched code panics.
struct Reset(Option<Watch>);

impl Drop for Reset {
    fn drop(&mut self) {
        let previous = self.0.take();
        WATCH.with(|watch| {
            if let Ok(mut watch) = watch.try_borrow_mut() {
                *watch = previous;
            }
        });
    }
}

/// Runs `f` and returns what it returned with the tokens of the planted files it read, in
/// the order first read, each once.
pub fn watch_reads<R>(planted: &Arc<Planted>, f: impl FnOnce() -> R) -> (R, Vec<HoneytokenRef>) {
    if planted.is_empty() {
        return (f(), Vec::new());
    }
    let previous = WATCH.with(|watch| {
        watch.borrow_mut().replace(Watch {
            planted: planted.clone(),
            seen: Vec::new(),
        })
    });
    let reset = Reset(previous);
    let result = f();
    let seen = WATCH.with(|watch| {
        watch
            .borrow_mut()
            .as_mut()
            .map(|w| std::mem::take(&mut w.seen))
            .unwrap_or_default()
    });
    drop(reset);
    let mut tokens: Vec<HoneytokenRef> = Vec::new();
    for key in seen {
        for token in planted.get(&key).into_iter().flatten() {
            if !tokens.iter().any(|t| t.token == token.token) {
                tokens.push(token.clone());
            }
        }
    }
    (result, tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str) -> HoneytokenRef {
        HoneytokenRef {
            token: id.into(),
            kind: "aws_key".into(),
            placement: "/root/.aws/credentials".into(),
        }
    }

    #[test]
    fn only_planted_buffers_read_inside_the_watch_count() {
        let planted_bytes = Arc::new(b"secret".to_vec());
        let other = Arc::new(b"other".to_vec());
        let planted = Arc::new(Planted::from([(
            buffer_key(&planted_bytes),
            vec![token("a")],
        )]));
        note_read(&planted_bytes); // outside any watch: nothing
        let ((), seen) = watch_reads(&planted, || {
            note_read(&other);
            note_read(&planted_bytes);
            note_read(&planted_bytes.clone());
        });
        assert_eq!(seen, vec![token("a")]);
        let ((), seen) = watch_reads(&planted, || note_read(&other));
        assert!(seen.is_empty());
    }
}
