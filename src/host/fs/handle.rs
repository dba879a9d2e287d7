//! [`Fs`]: one command's handle on a session's filesystem — path resolution like Linux's
//! `namei` (`.`, `..`, `//`, symbolic links with a loop limit, search permission on every
//! directory), and everything that reads.
//!
//! Writing operations are in `ops`. Paths may be relative; they resolve against the
//! handle's working directory.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::RngCore;

use super::accounts::{Access, Accounts, Cred};
use super::error::{FsError, FsResult};
use super::node::{Data, Device, Kind, Meta, Node, Stat, Timestamp};
use super::overlay::Overlay;
use super::path::{self, absolute, components};
use crate::host::HostProfile;

/// Most symbolic links one path resolution follows (Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// Most bytes one read returns: files beyond it (only the session can make them, within its
/// quota) are read up to here, and endless devices (`/dev/zero`, `/dev/urandom`) stop here.
pub const READ_LIMIT: usize = 4 << 20;

/// Where a path leads.
#[derive(Debug, Clone)]
pub(crate) enum Walk {
    /// To an existing node, at its canonical path.
    Found {
        /// The canonical path (no links, no `.` or `..`).
        path: String,
        /// The node.
        node: Arc<Node>,
    },
    /// To a missing last name in an existing, searchable directory.
    Missing {
        /// The directory's canonical path.
        parent: String,
        /// The missing name.
        name: String,
        /// The path ended in `/`, so only a directory may be made there.
        dir_required: bool,
    },
}

/// An entry of a directory listing.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// The entry's name.
    pub name: String,
    /// The entry itself (a link is not followed).
    pub node: Arc<Node>,
}

/// How [`Fs::canonicalize`] treats missing components (`readlink -f`, `-e`, `-m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    /// Every component must exist (`-e`, `realpath -e`).
    Existing,
    /// All but the last must exist (`-f`, `realpath`).
    AllButLast,
    /// Nothing needs to exist (`-m`).
    Missing,
}

/// A command's view of the session's filesystem: the overlay, who is asking, when, and from
/// which directory.
pub struct Fs<'a> {
    pub(crate) overlay: &'a mut Overlay,
    pub(crate) host: &'a HostProfile,
    pub(crate) cred: Cred,
    pub(crate) now: DateTime<Utc>,
    pub(crate) cwd: String,
}

impl<'a> Fs<'a> {
    /// A handle for `cred` at `now`, resolving relative paths against `cwd`.
    pub fn new(
        overlay: &'a mut Overlay,
        host: &'a HostProfile,
        cred: Cred,
        now: DateTime<Utc>,
        cwd: &str,
    ) -> Fs<'a> {
        Fs {
            overlay,
            host,
            cred,
            now,
            cwd: cwd.to_owned(),
        }
    }

    /// Who is asking.
    pub fn cred(&self) -> &Cred {
        &self.cred
    }

    /// The time operations happen at.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The working directory relative paths start from.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// Moves the working directory (after `cd`).
    pub fn set_cwd(&mut self, cwd: &str) {
        cwd.clone_into(&mut self.cwd);
    }

    /// The overlay's quotas and usage.
    pub fn overlay(&self) -> &Overlay {
        self.overlay
    }

    pub(crate) fn stamp(&self) -> Timestamp {
        Timestamp::from_datetime(self.now)
    }

    /// Resolves `path` as `cred` would. With `follow_last`, a link at the end is followed.
    pub(crate) fn walk_as(&self, cred: &Cred, path: &str, follow_last: bool) -> FsResult<Walk> {
        self.walk_noting(cred, path, follow_last, |_| {})
    }

    /// [`Fs::walk_as`], telling `top` each name it looks up in the root directory (the
    /// walk's answer depends on nothing else of the tree than those entries and the root's
    /// own permissions).
    fn walk_noting(
        &self,
        cred: &Cred,
        path: &str,
        follow_last: bool,
        mut top: impl FnMut(&str),
    ) -> FsResult<Walk> {
        path::check(path)?;
        // Borrowed components (no allocation per name); only a symlink's target is copied.
        let full: Cow<'_, str> = if path.starts_with('/') {
            Cow::Borrowed(path)
        } else {
            Cow::Owned(absolute(&self.cwd, path))
        };
        let trailing = full.len() > 1 && full.ends_with('/');
        let mut pending: Vec<Cow<'_, str>> = components(&full).rev().map(Cow::Borrowed).collect();
        let root = self.overlay.root().clone();
        let mut stack: Vec<(Cow<'_, str>, Arc<Node>)> = Vec::new();
        let mut links = 0;
        while let Some(name) = pending.pop() {
            let current = stack.last().map_or(&root, |(_, n)| n);
            let Some(dir) = current.dir() else {
                return Err(FsError::NotADirectory);
            };
            if !cred.may(&current.meta, true, Access::Exec) {
                return Err(FsError::PermissionDenied);
            }
            match &*name {
                "." => continue,
                ".." => {
                    stack.pop();
                    continue;
                }
                _ => {}
            }
            let last = pending.is_empty();
            if stack.is_empty() {
                top(&name);
            }
            let child = match dir.get(&*name) {
                Some(child) => Some(child.clone()),
                None => self.proc_node(&stack, &name),
            };
            let Some(node) = child else {
                if last {
                    return Ok(Walk::Missing {
                        parent: stack_path(&stack),
                        name: name.into_owned(),
                        dir_required: trailing,
                    });
                }
                return Err(FsError::NotFound);
            };
            match &node.kind {
                Kind::Symlink(target) if !last || follow_last || trailing => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(FsError::Loop);
                    }
                    if target.is_empty() {
                        return Err(FsError::NotFound);
                    }
                    if target.starts_with('/') {
                        stack.clear();
                    }
                    pending.extend(components(target).rev().map(|c| Cow::Owned(c.to_owned())));
                    if pending.len() > path::PATH_MAX {
                        return Err(FsError::NameTooLong);
                    }
                }
                _ => stack.push((name, node)),
            }
        }
        let node = stack
            .last()
            .map_or_else(|| root.clone(), |(_, n)| n.clone());
        if trailing && node.dir().is_none() {
            return Err(FsError::NotADirectory);
        }
        Ok(Walk::Found {
            path: stack_path(&stack),
            node,
        })
    }

    pub(crate) fn walk(&self, path: &str, follow_last: bool) -> FsResult<Walk> {
        self.walk_as(&self.cred, path, follow_last)
    }

    /// A `/proc` file the tree does not list but the profile generates.
    fn proc_node(&self, stack: &[(Cow<'_, str>, Arc<Node>)], name: &str) -> Option<Arc<Node>> {
        if stack.first().is_none_or(|(n, _)| n.as_ref() != "proc") {
            return None;
        }
        let full = path::child(&stack_path(stack), name);
        crate::host::files::dynamic_file(&full, self.host, self.now)?;
        let time = self.stamp();
        Some(Arc::new(Node {
            meta: Meta {
                mode: 0o444,
                uid: 0,
                gid: 0,
                mtime: time,
                ctime: time,
                ino: 4_026_531_840 + u64::from(name.len() as u32),
            },
            kind: Kind::File(Data::Proc),
            owned: false,
        }))
    }

    /// The existing node at `path` and its canonical path.
    pub fn lookup(&self, path: &str, follow: bool) -> FsResult<(String, Arc<Node>)> {
        match self.walk(path, follow)? {
            Walk::Found { path, node } => Ok((path, node)),
            Walk::Missing { .. } => Err(FsError::NotFound),
        }
    }

    /// [`Fs::lookup`], telling `top` each name looked up in the root directory: while the
    /// overlay's root has the same permissions and those entries as when it was asked, the
    /// answer is the same.
    pub(crate) fn lookup_noting(
        &self,
        path: &str,
        follow: bool,
        top: impl FnMut(&str),
    ) -> FsResult<(String, Arc<Node>)> {
        match self.walk_noting(&self.cred, path, follow, top)? {
            Walk::Found { path, node } => Ok((path, node)),
            Walk::Missing { .. } => Err(FsError::NotFound),
        }
    }

    /// `stat(2)`: follows links.
    pub fn stat(&self, path: &str) -> FsResult<Stat> {
        self.lookup(path, true)
            .map(|(_, node)| self.fresh_stat(&node))
    }

    /// `lstat(2)`: a link itself.
    pub fn lstat(&self, path: &str) -> FsResult<Stat> {
        self.lookup(path, false)
            .map(|(_, node)| self.fresh_stat(&node))
    }

    /// A node's stat; `/proc` files always look just modified, as procfs makes them.
    pub fn fresh_stat(&self, node: &Node) -> Stat {
        let mut stat = node.stat();
        if matches!(node.kind, Kind::File(Data::Proc)) {
            stat.mtime = self.stamp();
            stat.ctime = stat.mtime;
        }
        stat
    }

    /// Whether `path` exists (following links).
    pub fn exists(&self, path: &str) -> bool {
        self.lookup(path, true).is_ok()
    }

    /// Whether `path` is a directory (following links).
    pub fn is_dir(&self, path: &str) -> bool {
        self.stat(path).is_ok_and(|s| s.is_dir())
    }

    /// Fails unless `cred` may `access` `path` (following links), like `access(2)`.
    pub fn access(&self, path: &str, access: Access) -> FsResult<()> {
        let (_, node) = self.lookup(path, true)?;
        if self.cred.may(&node.meta, node.dir().is_some(), access) {
            Ok(())
        } else {
            Err(FsError::PermissionDenied)
        }
    }

    /// The contents of the file at `path`, up to [`READ_LIMIT`] bytes.
    pub fn read(&self, path: &str) -> FsResult<Vec<u8>> {
        self.read_limited(path, READ_LIMIT)
    }

    /// The contents of the file at `path`, up to `limit` bytes: `EISDIR` for a directory,
    /// `EACCES` without read permission.
    pub fn read_limited(&self, path: &str, limit: usize) -> FsResult<Vec<u8>> {
        let (canonical, node) = self.lookup(path, true)?;
        if node.dir().is_some() {
            return Err(FsError::IsADirectory);
        }
        if !self.cred.may(&node.meta, false, Access::Read) {
            return Err(FsError::PermissionDenied);
        }
        Ok(self.contents(&canonical, &node, limit.min(READ_LIMIT)))
    }

    /// What reading `node` (at canonical `path`) gives, up to `limit` bytes.
    pub fn contents(&self, path: &str, node: &Node, limit: usize) -> Vec<u8> {
        let mut bytes = match &node.kind {
            Kind::File(Data::Bytes(bytes)) => {
                // A planted honeytoken file is noticed here (a thread-local check, cheap).
                crate::honeytokens::note_read(bytes);
                bytes[..bytes.len().min(limit)].to_vec()
            }
            Kind::File(Data::Static(bytes)) => bytes[..bytes.len().min(limit)].to_vec(),
            Kind::File(Data::Binary { program, size }) => super::elf::binary(program, *size, limit),
            Kind::File(Data::Zeros(size)) => {
                vec![0; usize::try_from(*size).unwrap_or(usize::MAX).min(limit)]
            }
            Kind::File(Data::Proc) => {
                crate::host::files::dynamic_file(path, self.host, self.now).unwrap_or_default()
            }
            Kind::Device(Device::Zero | Device::Full) => vec![0; limit.min(READ_LIMIT)],
            Kind::Device(Device::Random | Device::Urandom) => {
                let mut bytes = vec![0; limit.min(READ_LIMIT)];
                rand::thread_rng().fill_bytes(&mut bytes);
                bytes
            }
            Kind::Device(Device::Null | Device::Tty) | Kind::Dir(_) | Kind::Symlink(_) => {
                Vec::new()
            }
        };
        bytes.truncate(limit);
        crate::host::io_meter::read(bytes.len());
        bytes
    }

    /// The entries of the directory at `path` (following links), in byte order, without `.`
    /// and `..`. Needs read permission on it.
    pub fn read_dir(&self, path: &str) -> FsResult<Vec<DirEntry>> {
        let (_, node) = self.lookup(path, true)?;
        let Some(dir) = node.dir() else {
            return Err(FsError::NotADirectory);
        };
        if !self.cred.may(&node.meta, true, Access::Read) {
            return Err(FsError::PermissionDenied);
        }
        crate::host::io_meter::entries(dir.len());
        Ok(dir
            .iter()
            .map(|(name, node)| DirEntry {
                name: name.clone(),
                node: node.clone(),
            })
            .collect())
    }

    /// The target of the link at `path` (`EINVAL` if it is not a link).
    pub fn readlink(&self, path: &str) -> FsResult<String> {
        let (_, node) = self.lookup(path, false)?;
        match &node.kind {
            Kind::Symlink(target) => Ok(target.to_string()),
            _ => Err(FsError::InvalidArgument),
        }
    }

    /// The canonical absolute path of `path` (`realpath`, `readlink -f/-e/-m`).
    pub fn canonicalize(&self, path: &str, mode: Canon) -> FsResult<String> {
        path::check(path)?;
        match self.walk(path, true) {
            Ok(Walk::Found { path, .. }) => Ok(path),
            Ok(Walk::Missing { parent, name, .. }) if mode != Canon::Existing => {
                Ok(path::child(&parent, &name))
            }
            Ok(Walk::Missing { .. }) => Err(FsError::NotFound),
            Err(FsError::NotFound | FsError::NotADirectory) if mode == Canon::Missing => {
                // Resolve what exists, then append the rest by text.
                let full = path::normalize(&absolute(&self.cwd, path));
                let mut done = String::from("/");
                let parts: Vec<&str> = components(&full).collect();
                for (i, part) in parts.iter().enumerate() {
                    let next = path::child(&done, part);
                    match self.walk(&next, true) {
                        Ok(Walk::Found { path, .. }) => done = path,
                        _ => {
                            let rest = parts[i..].join("/");
                            return Ok(path::child(&done, &rest));
                        }
                    }
                }
                Ok(done)
            }
            Err(err) => Err(err),
        }
    }

    /// The account database as `/etc/passwd` and `/etc/group` say now (parsed again only
    /// after the session changed them).
    pub fn accounts(&self) -> Arc<Accounts> {
        if let Some(unchanged) = self.overlay.unchanged_etc_accounts() {
            return unchanged;
        }
        let root = Cred::root();
        let find = |path: &str| match self.walk_as(&root, path, true) {
            Ok(Walk::Found { path, node }) => Some((path, node)),
            _ => None,
        };
        let passwd = find("/etc/passwd");
        let group = find("/etc/group");
        if let Some(cached) = self
            .overlay
            .cached_accounts(passwd.as_ref().map(|p| &p.1), group.as_ref().map(|g| &g.1))
        {
            return cached;
        }
        // Files whose bytes are stored (not made at each read) parse the same every time.
        let stored = |found: &Option<(String, Arc<Node>)>| match found {
            Some((_, node)) => matches!(node.kind, Kind::File(Data::Bytes(_) | Data::Static(_))),
            None => true,
        };
        let cacheable = stored(&passwd) && stored(&group);
        let node = |found: &Option<(String, Arc<Node>)>| found.as_ref().map(|f| f.1.clone());
        if cacheable {
            let cache = &self.overlay.parsed_accounts;
            if let Some(cached) =
                cache.get(passwd.as_ref().map(|p| &p.1), group.as_ref().map(|g| &g.1))
            {
                // Reading the files notices a planted one, parsed afresh or not.
                for (_, node) in passwd.iter().chain(group.iter()) {
                    if let Kind::File(Data::Bytes(bytes)) = &node.kind {
                        crate::honeytokens::note_read(bytes);
                    }
                }
                return cached;
            }
        }
        let keys = (node(&passwd), node(&group));
        let text = |found: Option<(String, Arc<Node>)>| match found {
            Some((path, node)) => {
                String::from_utf8_lossy(&self.contents(&path, &node, 1 << 20)).into_owned()
            }
            None => String::new(),
        };
        let accounts = Arc::new(Accounts::parse(&text(passwd), &text(group)));
        if cacheable {
            self.overlay
                .parsed_accounts
                .put(keys.0, keys.1, accounts.clone());
        }
        accounts
    }

    /// The node at a canonical path, without links or permission checks.
    pub(crate) fn node_at(&self, canonical: &str) -> Option<Arc<Node>> {
        let mut node = self.overlay.root().clone();
        for name in components(canonical) {
            let next = node.dir()?.get(name)?.clone();
            node = next;
        }
        Some(node)
    }
}

/// The canonical path of a resolution stack.
fn stack_path(stack: &[(Cow<'_, str>, Arc<Node>)]) -> String {
    let mut path =
        String::with_capacity(stack.iter().map(|(n, _)| n.len() + 1).sum::<usize>().max(1));
    for (name, _) in stack {
        path.push('/');
        path.push_str(name);
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}
