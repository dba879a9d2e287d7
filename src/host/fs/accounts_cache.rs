//! [`AccountsCache`]: the accounts last parsed from an overlay's changed `/etc/passwd` and
//! `/etc/group`, so that a session whose files differ from the image's (staging adds service
//! accounts) does not parse them again for every command.
//!
//! Nodes are immutable and shared (`Arc`, copy-on-write): a changed file is a new node, so
//! the pointers of the two nodes the accounts were parsed from are a sound key. The cache
//! holds those nodes, so their addresses cannot be reused while they are the key.

use std::sync::{Arc, Mutex, MutexGuard};

use super::accounts::Accounts;
use super::node::Node;

/// The last accounts parsed from an overlay's own `/etc/passwd` and `/etc/group`.
#[derive(Debug, Default)]
pub(crate) struct AccountsCache(Mutex<Option<Parsed>>);

/// Accounts and the nodes they were parsed from (`None`: the file was missing).
#[derive(Debug, Clone)]
struct Parsed {
    passwd: Option<Arc<Node>>,
    group: Option<Arc<Node>>,
    accounts: Arc<Accounts>,
}

impl AccountsCache {
    /// The accounts parsed from exactly these `passwd` and `group` nodes, if they are the
    /// last parsed.
    pub(crate) fn get(
        &self,
        passwd: Option<&Arc<Node>>,
        group: Option<&Arc<Node>>,
    ) -> Option<Arc<Accounts>> {
        let parsed = self.lock();
        let parsed = parsed.as_ref()?;
        (same(passwd, parsed.passwd.as_ref()) && same(group, parsed.group.as_ref()))
            .then(|| parsed.accounts.clone())
    }

    /// Remembers `accounts` as parsed from `passwd` and `group`, in place of the last.
    pub(crate) fn put(
        &self,
        passwd: Option<Arc<Node>>,
        group: Option<Arc<Node>>,
        accounts: Arc<Accounts>,
    ) {
        *self.lock() = Some(Parsed {
            passwd,
            group,
            accounts,
        });
    }

    fn lock(&self) -> MutexGuard<'_, Option<Parsed>> {
        // The guarded value is replaced whole, so a panic elsewhere cannot leave it half made.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clone for AccountsCache {
    fn clone(&self) -> Self {
        AccountsCache(Mutex::new(self.lock().clone()))
    }
}

/// Whether two optional nodes are the same node (or both missing).
fn same(a: Option<&Arc<Node>>, b: Option<&Arc<Node>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}
