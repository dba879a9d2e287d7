//! Bounded per-thread caches of pure functions of what attackers type: the parsed line, its
//! commands split and normalized, the next-command model's guesses for a context.
//!
//! Bots send the same lines over and over (the training corpus's 53,159 lines hold 5,334
//! distinct ones), so answering a line seen before from a cache saves most of the work its
//! models and its parse cost. A cached value is shared ([`Arc`]) and is exactly what the
//! function gives for that key, so a hit changes nothing but the time taken.
//!
//! A [`Memo`] holds at most a number of entries and of key bytes; when either would be
//! exceeded it is emptied and starts over (no order to keep, so a lookup does no
//! bookkeeping). A key is found by a fast unkeyed digest of its bytes and then compared
//! whole: keys are attacker text, and two keys with the same digest share one slot (the later
//! replaces the earlier), so crafted collisions cost misses, never long probe chains or a
//! wrong answer.

use std::collections::HashMap;
use std::sync::Arc;

/// A bounded map from byte keys to shared values, emptied when full.
#[derive(Debug)]
pub struct Memo<V> {
    /// Digest of the key → the key and its value.
    map: HashMap<u64, (Box<[u8]>, Arc<V>)>,
    /// Bytes of the keys held.
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl<V> Memo<V> {
    /// An empty cache of at most `max_entries` entries and `max_bytes` of keys.
    pub fn new(max_entries: usize, max_bytes: usize) -> Memo<V> {
        Memo {
            map: HashMap::new(),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    /// The value cached for `key`.
    pub fn get(&self, key: &[u8]) -> Option<Arc<V>> {
        match self.map.get(&digest(key)) {
            Some((held, value)) if **held == *key => Some(Arc::clone(value)),
            _ => None,
        }
    }

    /// Caches `value` for `key`; a key larger than the whole cache is not kept.
    pub fn insert(&mut self, key: Box<[u8]>, value: Arc<V>) {
        let size = key.len();
        if size > self.max_bytes {
            return;
        }
        if self.map.len() >= self.max_entries || self.bytes + size > self.max_bytes {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        if let Some((old, _)) = self.map.insert(digest(&key), (key, value)) {
            self.bytes -= old.len();
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A fast digest of `bytes`, a word at a time (FxHash's multiply-rotate), with their length.
fn digest(bytes: &[u8]) -> u64 {
    let mut hash = 0u64;
    let mut add = |word: u64| {
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        add(u64::from_le_bytes(word));
    }
    let mut word = [0; 8];
    word[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    add(u64::from_le_bytes(word));
    add(bytes.len() as u64);
    hash
}

/// `f(text)`, from `memo` when `text` was seen before (texts longer than `max_len` bytes are
/// neither looked up nor kept). `memo` is borrowed only around the lookup and the insert, so
/// `f` may use it too.
pub fn text_cached<V>(
    memo: &'static std::thread::LocalKey<std::cell::RefCell<Memo<V>>>,
    text: &str,
    max_len: usize,
    f: impl FnOnce(&str) -> V,
) -> Arc<V> {
    if text.len() > max_len {
        return Arc::new(f(text));
    }
    cached(memo, text.as_bytes(), || f(text))
}

/// `f()`, from `memo` when `key` (everything `f` reads) was seen before. `memo` is borrowed
/// only around the lookup and the insert, so `f` may use it too.
pub fn cached<V>(
    memo: &'static std::thread::LocalKey<std::cell::RefCell<Memo<V>>>,
    key: &[u8],
    f: impl FnOnce() -> V,
) -> Arc<V> {
    if let Some(hit) = memo.with(|m| m.borrow().get(key)) {
        return hit;
    }
    let value = Arc::new(f());
    memo.with(|m| m.borrow_mut().insert(Box::from(key), Arc::clone(&value)));
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        static SMALL: RefCell<Memo<usize>> = RefCell::new(Memo::new(3, 16));
    }

    #[test]
    fn a_hit_is_the_value_first_computed_and_a_full_cache_starts_over() {
        let calls = std::cell::Cell::new(0);
        let len = |text: &str| {
            text_cached(&SMALL, text, 8, |t| {
                calls.set(calls.get() + 1);
                t.len()
            })
        };
        let held = || SMALL.with(|m| (m.borrow().len(), m.borrow().bytes));
        assert_eq!(*len("abc"), 3);
        assert_eq!(*len("abc"), 3);
        assert_eq!(*len("too long text"), 13, "computed, not kept");
        assert_eq!(*len("too long text"), 13);
        assert_eq!(calls.get(), 3);
        assert_eq!(held(), (1, 3));
        // Three entries at most: the fourth empties the cache first.
        for text in ["b", "c", "d"] {
            len(text);
        }
        assert_eq!(held(), (1, 1));
        // Sixteen key bytes at most.
        len("eeeeeeee");
        assert_eq!(held(), (2, 9));
        len("ffffffff");
        assert_eq!(held(), (1, 8));
        assert_eq!(*len("ffffffff"), 8);
        assert_eq!(calls.get(), 8);
    }

    #[test]
    fn keys_sharing_a_digest_share_a_slot_and_never_answer_for_each_other() {
        let mut memo: Memo<&str> = Memo::new(16, 1024);
        // Forced into one slot: the same digest, other keys.
        let a: Box<[u8]> = Box::from(&b"aa"[..]);
        let b: Box<[u8]> = Box::from(&b"bb"[..]);
        memo.map.insert(7, (a.clone(), Arc::new("a")));
        memo.bytes = 2;
        assert_eq!(memo.get(&a).as_deref(), None, "not under its own digest");
        memo.insert(a.clone(), Arc::new("a"));
        memo.insert(b.clone(), Arc::new("b"));
        assert_eq!(memo.get(&a).as_deref(), Some(&"a"));
        assert_eq!(memo.get(&b).as_deref(), Some(&"b"));
        memo.map.insert(digest(&a), (b.clone(), Arc::new("b")));
        assert_eq!(memo.get(&a), None, "another key in its slot is a miss");
        assert_ne!(digest(b"ab"), digest(b"ab\0"));
    }
}
