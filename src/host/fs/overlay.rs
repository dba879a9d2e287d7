//! [`Overlay`]: one attacker's copy-on-write view of the base image, with quotas.
//!
//! The overlay starts as a second handle on the image's root. Changing a node copies the
//! directories on its path (`Arc::make_mut`) and leaves every other node shared with the image
//! and with other sessions, so an overlay costs memory in proportion to what the attacker
//! changed: cowrie's `_ensure_private_fs`, one directory at a time instead of the whole tree.
//!
//! Two quotas bound it, as a full disk would: the bytes of the files and links the session
//! wrote ([`Limits::max_bytes`]) and the number of nodes it created or rewrote
//! ([`Limits::max_entries`]). Beyond either, operations fail with
//! [`FsError::NoSpace`]. The directories copied on the way are not charged to the quota (the
//! attacker did not write them) but are counted in [`Usage::memory`], which the
//! [`OverlayStore`](super::OverlayStore) bounds.
//!
//! Permission checks happen one level up, in [`Fs`](super::Fs); the overlay only stores.

use std::sync::Arc;

use super::accounts::Accounts;
use super::accounts_cache::AccountsCache;
use super::error::{FsError, FsResult};
use super::image::Image;
use super::node::{Dir, Kind, Node, Timestamp};
use super::path::components;

/// Bytes of memory one directory entry costs when a directory is copied, roughly: the name's
/// allocation, the `Arc`, and the B-tree's share.
const ENTRY_MEMORY: u64 = 64;

/// An overlay's quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of file contents (and link targets) the session may have written.
    pub max_bytes: u64,
    /// Most files, directories and links the session may have created or rewritten.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // The defaults of `fs.overlay_max_bytes` and `fs.overlay_max_files`.
        Limits {
            max_bytes: 16 << 20,
            max_entries: 5000,
        }
    }
}

/// What an overlay holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Bytes of contents the session wrote that are still there.
    pub bytes: u64,
    /// Nodes the session created or rewrote that are still there.
    pub entries: u64,
    /// Memory spent on directories copied from the image.
    pub copied: u64,
}

impl Usage {
    /// An estimate of the memory the overlay holds beyond the shared image.
    pub fn memory(&self) -> u64 {
        self.bytes + self.entries * ENTRY_MEMORY + self.copied
    }
}

/// One session's (or one returning attacker's) filesystem.
#[derive(Debug, Clone)]
pub struct Overlay {
    root: Arc<Node>,
    limits: Limits,
    usage: Usage,
    next_ino: u64,
    /// The image's accounts and the `/etc/passwd` and `/etc/group` nodes they were parsed
    /// from: while the session has not changed those files, no need to parse them again.
    base_accounts: (Arc<Accounts>, Option<Arc<Node>>, Option<Arc<Node>>),
    /// The accounts last parsed from this overlay's own (changed) `passwd` and `group`.
    pub(crate) parsed_accounts: AccountsCache,
    /// The image's `/etc`: while the overlay's `/etc` is still this node, nothing in it
    /// changed, so the accounts are the image's without walking to the files.
    base_etc: Option<Arc<Node>>,
    /// The image's root: what the overlay's root entries are compared with to tell that a
    /// part of the tree is still the image's (see [`Overlay::same_as_image`]).
    base_root: Arc<Node>,
}

impl Overlay {
    /// A fresh overlay on `image`: the image itself until the first change.
    pub fn new(image: &Image, limits: Limits) -> Overlay {
        let file = |path: &str| {
            let mut node = image.root();
            for name in components(path) {
                node = node.dir()?.get(name)?;
            }
            Some(node.clone())
        };
        Overlay {
            root: image.root().clone(),
            limits,
            usage: Usage::default(),
            next_ino: image.next_ino(),
            base_accounts: (
                image.shared_accounts(),
                file("/etc/passwd"),
                file("/etc/group"),
            ),
            base_etc: file("/etc"),
            parsed_accounts: AccountsCache::default(),
            base_root: image.root().clone(),
        }
    }

    /// The image's parsed accounts if nothing under `/etc` changed (one lookup, no walk).
    pub(crate) fn unchanged_etc_accounts(&self) -> Option<Arc<Accounts>> {
        let etc = self.root.dir()?.get("etc")?;
        Arc::ptr_eq(etc, self.base_etc.as_ref()?).then(|| self.base_accounts.0.clone())
    }

    /// The image's parsed accounts if `passwd` and `group` are still the image's nodes.
    pub(crate) fn cached_accounts(
        &self,
        passwd: Option<&Arc<Node>>,
        group: Option<&Arc<Node>>,
    ) -> Option<Arc<Accounts>> {
        let same = |a: Option<&Arc<Node>>, b: &Option<Arc<Node>>| match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        (same(passwd, &self.base_accounts.1) && same(group, &self.base_accounts.2))
            .then(|| self.base_accounts.0.clone())
    }

    /// The root directory as the session sees it.
    pub fn root(&self) -> &Arc<Node> {
        &self.root
    }

    /// The image's root directory (whatever the session changed).
    pub(crate) fn image_root(&self) -> &Arc<Node> {
        &self.base_root
    }

    /// Whether the root directory has the image's permissions and, for each of `names`, the
    /// image's very entry (or none, as the image): then everything under those names is the
    /// image's, since a change copies each directory on its path.
    pub(crate) fn same_as_image<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> bool {
        if Arc::ptr_eq(&self.root, &self.base_root) {
            return true;
        }
        // A walk checks the root's search permission: its mode and owners.
        let (a, b) = (&self.root.meta, &self.base_root.meta);
        if (a.mode, a.uid, a.gid) != (b.mode, b.uid, b.gid) {
            return false;
        }
        let (Some(ours), Some(image)) = (self.root.dir(), self.base_root.dir()) else {
            return false;
        };
        names
            .into_iter()
            .all(|name| match (ours.get(name), image.get(name)) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            })
    }

    /// The quotas.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// What the overlay holds now.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// A fresh inode number.
    pub(crate) fn next_ino(&mut self) -> u64 {
        self.next_ino += 1;
        self.next_ino
    }

    /// The node at the canonical `path` (no links, no `.`/`..`), made private to this overlay
    /// along with every directory above it.
    pub(crate) fn node_mut(&mut self, path: &str) -> FsResult<&mut Node> {
        let copied = &mut self.usage.copied;
        let mut node = unique(&mut self.root, copied);
        for name in components(path) {
            let Kind::Dir(dir) = &mut node.kind else {
                return Err(FsError::NotADirectory);
            };
            let child = dir.get_mut(name).ok_or(FsError::NotFound)?;
            node = unique(child, copied);
        }
        Ok(node)
    }

    /// The entries of the directory at canonical `path`, made private, and the directory's
    /// node (for its times).
    fn dir_mut(&mut self, path: &str) -> FsResult<&mut Node> {
        let node = self.node_mut(path)?;
        match node.kind {
            Kind::Dir(_) => Ok(node),
            _ => Err(FsError::NotADirectory),
        }
    }

    /// Adds `node` as `name` in the directory `parent`, replacing (and uncharging) whatever
    /// was there. The node is charged unless `moved` (a rename keeps its charge).
    pub(crate) fn insert(
        &mut self,
        parent: &str,
        name: &str,
        node: Node,
        now: Timestamp,
        moved: bool,
    ) -> FsResult<()> {
        let (entries, bytes) = if moved { (0, 0) } else { charge(&node) };
        let old_charge = self.peek_charge(parent, name);
        let fits = self
            .usage
            .entries
            .saturating_add(entries)
            .saturating_sub(old_charge.0)
            <= self.limits.max_entries
            && self
                .usage
                .bytes
                .saturating_add(bytes)
                .saturating_sub(old_charge.1)
                <= self.limits.max_bytes;
        if !fits {
            return Err(FsError::NoSpace);
        }
        let dir_node = self.dir_mut(parent)?;
        dir_node.meta.mtime = now;
        dir_node.meta.ctime = now;
        let Kind::Dir(dir) = &mut dir_node.kind else {
            return Err(FsError::NotADirectory);
        };
        let old = dir.insert(name.to_owned(), Arc::new(node));
        if let Some(old) = old {
            self.uncharge(&old);
        }
        self.usage.entries += entries;
        self.usage.bytes += bytes;
        Ok(())
    }

    /// What replacing `parent/name` would give back.
    fn peek_charge(&self, parent: &str, name: &str) -> (u64, u64) {
        let mut node = &self.root;
        for part in components(parent) {
            match node.dir().and_then(|d| d.get(part)) {
                Some(next) => node = next,
                None => return (0, 0),
            }
        }
        node.dir()
            .and_then(|d| d.get(name))
            .map_or((0, 0), |n| subtree_charge(n))
    }

    /// Removes `name` from the directory `parent` and returns it; its charge is given back
    /// unless `moving` (it is about to be inserted elsewhere).
    pub(crate) fn remove(
        &mut self,
        parent: &str,
        name: &str,
        now: Timestamp,
        moving: bool,
    ) -> FsResult<Arc<Node>> {
        let dir_node = self.dir_mut(parent)?;
        let Kind::Dir(dir) = &mut dir_node.kind else {
            return Err(FsError::NotADirectory);
        };
        let removed = dir.remove(name).ok_or(FsError::NotFound)?;
        dir_node.meta.mtime = now;
        dir_node.meta.ctime = now;
        if !moving {
            self.uncharge(&removed);
        }
        Ok(removed)
    }

    /// Rewrites the file at canonical `path` in place with `update`, which leaves it holding
    /// `new_bytes` bytes; the difference is charged first. The file becomes the session's own.
    pub(crate) fn rewrite(
        &mut self,
        path: &str,
        now: Timestamp,
        new_bytes: u64,
        update: impl FnOnce(&mut Node),
    ) -> FsResult<()> {
        let limits = self.limits;
        let usage = self.usage;
        let node = self.node_mut(path)?;
        let (old_entries, old_bytes) = charge(node);
        let entries = usage.entries - old_entries.min(usage.entries) + 1;
        let bytes = usage.bytes - old_bytes.min(usage.bytes) + new_bytes;
        // Shrinking is always allowed, as on a full disk.
        if (entries > limits.max_entries && old_entries == 0)
            || (bytes > limits.max_bytes && new_bytes > old_bytes)
        {
            return Err(FsError::NoSpace);
        }
        update(node);
        node.owned = true;
        node.meta.mtime = now;
        node.meta.ctime = now;
        self.usage.entries = entries;
        self.usage.bytes = bytes;
        Ok(())
    }

    fn uncharge(&mut self, node: &Node) {
        let (entries, bytes) = subtree_charge(node);
        self.usage.entries = self.usage.entries.saturating_sub(entries);
        self.usage.bytes = self.usage.bytes.saturating_sub(bytes);
    }
}

/// `Arc::make_mut`, counting the memory of a directory copied out of shared storage.
fn unique<'a>(node: &'a mut Arc<Node>, copied: &mut u64) -> &'a mut Node {
    if Arc::get_mut(node).is_none()
        && let Kind::Dir(dir) = &node.kind
    {
        *copied += ENTRY_MEMORY * (dir.len() as u64 + 1);
    }
    Arc::make_mut(node)
}

/// What one node costs the quota: (entries, bytes).
fn charge(node: &Node) -> (u64, u64) {
    if node.owned {
        (1, node.charge())
    } else {
        (0, 0)
    }
}

/// What a node and everything below it cost the quota.
fn subtree_charge(node: &Node) -> (u64, u64) {
    let mut total = charge(node);
    let mut stack: Vec<&Dir> = node.dir().into_iter().collect();
    while let Some(dir) = stack.pop() {
        for child in dir.values() {
            let (e, b) = charge(child);
            total.0 += e;
            total.1 += b;
            if let Some(sub) = child.dir() {
                stack.push(sub);
            }
        }
    }
    total
}
