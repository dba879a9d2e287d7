//! Answers shared across sessions: keyed by host profile, cwd and normalized command (so
//! `foo 10.0.0.1` and `foo 10.0.0.2` share one answer, as the models' normalizer sees them),
//! bounded by count with the least recently used evicted.

use hashlink::LruCache;

use crate::models::normalize::normalize_text;

/// What an answer is kept under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    profile: String,
    cwd: String,
    command: String,
}

impl CacheKey {
    /// The key for `command` run in `cwd` on the host profile `profile`.
    pub fn new(profile: &str, cwd: &str, command: &str) -> CacheKey {
        CacheKey {
            profile: profile.to_owned(),
            cwd: cwd.to_owned(),
            command: normalize_text(command),
        }
    }
}

/// A bounded least-recently-used table of sanitized answers.
pub struct AnswerCache {
    entries: Option<LruCache<CacheKey, String>>,
}

impl AnswerCache {
    /// A cache of at most `capacity` answers (`0`: keeps nothing).
    pub fn new(capacity: usize) -> AnswerCache {
        AnswerCache {
            entries: (capacity > 0).then(|| LruCache::new(capacity)),
        }
    }

    /// The answer kept under `key`, marking it recently used.
    pub fn get(&mut self, key: &CacheKey) -> Option<String> {
        self.entries.as_mut()?.get(key).cloned()
    }

    /// Keeps `answer` under `key`, evicting the least recently used beyond the capacity.
    pub fn insert(&mut self, key: CacheKey, answer: String) {
        if let Some(entries) = self.entries.as_mut() {
            entries.insert(key, answer);
        }
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, LruCache::len)
    }

    /// Nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalize_the_command_but_keep_cwd_and_profile_apart() {
        let mut cache = AnswerCache::new(8);
        cache.insert(
            CacheKey::new("p", "/root", "ping -c 1 10.0.0.1"),
            "a".into(),
        );
        assert_eq!(
            cache
                .get(&CacheKey::new("p", "/root", "ping -c 1 10.9.9.9"))
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            cache.get(&CacheKey::new("p", "/tmp", "ping -c 1 10.0.0.1")),
            None
        );
        assert_eq!(
            cache.get(&CacheKey::new("q", "/root", "ping -c 1 10.0.0.1")),
            None
        );
    }

    #[test]
    fn the_least_recently_used_goes_first_and_zero_keeps_nothing() {
        let mut cache = AnswerCache::new(2);
        let key = |c: &str| CacheKey::new("p", "/", c);
        cache.insert(key("a"), "1".into());
        cache.insert(key("b"), "2".into());
        assert!(cache.get(&key("a")).is_some());
        cache.insert(key("c"), "3".into());
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("b")).is_none());
        assert!(cache.get(&key("a")).is_some());
        let mut none = AnswerCache::new(0);
        none.insert(key("a"), "1".into());
        assert!(none.get(&key("a")).is_none());
        assert!(none.is_empty());
    }
}
