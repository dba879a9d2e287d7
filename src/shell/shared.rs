//! [`Shared`]: a part of the shell state that copies of the state share until one of them
//! changes it (copy-on-write).
//!
//! The session checkpoints its [`ShellState`](crate::shell::ShellState) after every line and
//! a subshell runs on a copy, yet most lines change neither the aliases nor the functions nor
//! the shell variables. Held in a `Shared`, such a part costs a reference count to copy; the
//! first change after a copy ([`DerefMut`], i.e. any `&mut` use) copies it once
//! ([`Arc::make_mut`]), so behaviour is that of an owned value.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `T` shared between copies until one changes it. Reads go through [`Deref`]; any
/// mutable use goes through [`DerefMut`] and first makes this copy's `T` its own.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// Wraps `value`, not yet shared.
    pub fn new(value: T) -> Shared<T> {
        Shared(Arc::new(value))
    }

    /// Shares the value `arc` holds.
    pub fn from_arc(arc: Arc<T>) -> Shared<T> {
        Shared(arc)
    }

    /// The value, shared, for a holder that only reads it.
    pub fn arc(this: &Shared<T>) -> Arc<T> {
        this.0.clone()
    }

    /// Whether `a` and `b` are the same value in memory (not merely equal).
    pub fn ptr_eq(a: &Shared<T>, b: &Shared<T>) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<V: Clone> Shared<BTreeMap<String, V>> {
    /// [`BTreeMap::get_mut`], making the map this copy's own only when `key` is in it (through
    /// [`DerefMut`] a lookup that finds nothing would copy a shared map for nothing).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        if self.0.contains_key(key) {
            Arc::make_mut(&mut self.0).get_mut(key)
        } else {
            None
        }
    }

    /// [`BTreeMap::remove`], making the map this copy's own only when `key` is in it.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        if self.0.contains_key(key) {
            Arc::make_mut(&mut self.0).remove(key)
        } else {
            None
        }
    }
}

/// Maps that many sessions hold equal copies of (a login's environment and shell variables),
/// most recent last: [`Shared::common`] hands out the one copy all of them share.
static COMMON: Mutex<Vec<Shared<BTreeMap<String, String>>>> = Mutex::new(Vec::new());

/// How many distinct common maps are kept, the oldest dropped first: user names and `TERM`
/// come from the attacker, who can only cycle them.
const COMMON_MAX: usize = 32;

impl Shared<BTreeMap<String, String>> {
    /// An equal map other copies already share, or this one, kept to be shared by the next.
    /// Thousands of idle sessions that logged in alike then hold one environment between them
    /// instead of one each (a change still copies it first, as for any shared map).
    pub fn common(self) -> Self {
        let Ok(mut common) = COMMON.lock() else {
            return self;
        };
        if let Some(known) = common.iter().find(|known| **known == self) {
            return known.clone();
        }
        if common.len() >= COMMON_MAX {
            common.remove(0);
        }
        common.push(self.clone());
        self
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Shared<T> {
        Shared::new(value)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (&*self.0).into_iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Serialised as the `T` itself: the checkpoint format is unchanged.
impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shared<T>, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_until_one_changes() {
        let mut original: Shared<BTreeMap<String, String>> =
            Shared::new([("a".to_owned(), "1".to_owned())].into());
        let copy = original.clone();
        assert!(Shared::ptr_eq(&original, &copy));
        // Reads do not unshare.
        assert_eq!(original.get("a").map(String::as_str), Some("1"));
        assert_eq!((&original).into_iter().count(), 1);
        assert!(Shared::ptr_eq(&original, &copy));
        original.insert("b".to_owned(), "2".to_owned());
        assert!(!Shared::ptr_eq(&original, &copy));
        assert_eq!(copy.len(), 1);
        assert_eq!(original.len(), 2);
        // A value no copy shares is changed in place.
        let before = Arc::as_ptr(&original.0);
        original.remove("a");
        assert_eq!(Arc::as_ptr(&original.0), before);
    }

    #[test]
    fn looking_for_an_absent_name_to_change_leaves_copies_shared() {
        let mut original: Shared<BTreeMap<String, String>> =
            Shared::new([("a".to_owned(), "1".to_owned())].into());
        let copy = original.clone();
        assert_eq!(original.get_mut("zz"), None);
        assert_eq!(original.remove("zz"), None);
        assert!(Shared::ptr_eq(&original, &copy));
        assert_eq!(original.remove("a").as_deref(), Some("1"));
        assert!(!Shared::ptr_eq(&original, &copy));
        assert_eq!(copy.len(), 1);
    }

    #[test]
    fn equal_common_maps_are_one_and_a_change_copies_it() {
        let map = |term: &str| -> Shared<BTreeMap<String, String>> {
            Shared::new([("TERM".to_owned(), term.to_owned())].into())
        };
        let first = map("common-test-term").common();
        let mut second = map("common-test-term").common();
        assert!(Shared::ptr_eq(&first, &second));
        assert!(!Shared::ptr_eq(&first, &map("other-test-term").common()));
        second.insert("LANG".to_owned(), "C".to_owned());
        assert_eq!(first.len(), 1, "the change is the changer's own");
        assert!(!Shared::ptr_eq(&first, &second));
    }

    #[test]
    fn serialises_as_the_value() {
        let map: Shared<BTreeMap<String, String>> =
            Shared::new([("ll".to_owned(), "ls -alF".to_owned())].into());
        let text = serde_json::to_string(&map).expect("serialise");
        assert_eq!(text, r#"{"ll":"ls -alF"}"#);
        let back: Shared<BTreeMap<String, String>> = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, map);
        assert_eq!(format!("{back:?}"), r#"{"ll": "ls -alF"}"#);
    }
}
