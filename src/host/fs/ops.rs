//! The writing half of [`Fs`]: creating, writing, removing, renaming, linking and changing
//! permissions, with the kernel's permission rules (write and search on the directory, the
//! sticky bit of `/tmp`, owner-only `chmod`, root-only `chown`) and the special mounts
//! (`/proc`, `/sys` and `/dev/pts` take no new files).

use std::sync::Arc;

use super::accounts::Access;
use super::error::{FsError, FsResult};
use super::handle::{Fs, Walk};
use super::node::{Data, Device, Dir, Kind, Meta, Node};
use super::path::{self, is_within, split_last};

/// The umask of an Ubuntu login (`/etc/login.defs` `UMASK 022`).
pub const UMASK: u32 = 0o022;

std::thread_local! {
    /// The umask of the shell whose command runs on this thread ([`scoped_umask`]); [`UMASK`]
    /// outside any command. A thread-local because commands run synchronously on the
    /// session's thread and every `Fs` handle they build must honour it.
    static ACTIVE_UMASK: std::cell::Cell<u32> = const { std::cell::Cell::new(UMASK) };
}

/// The umask files created on this thread get now.
pub fn umask() -> u32 {
    ACTIVE_UMASK.with(std::cell::Cell::get)
}

/// Makes `mask` the umask of files created on this thread until the guard is dropped (the
/// shell sets its session's `umask` around each command).
pub fn scoped_umask(mask: u32) -> UmaskGuard {
    let previous = ACTIVE_UMASK.with(|active| active.replace(mask & 0o777));
    UmaskGuard { previous }
}

/// Restores the previous umask when dropped ([`scoped_umask`]).
#[must_use = "the umask is restored as soon as the guard is dropped"]
pub struct UmaskGuard {
    previous: u32,
}

impl Drop for UmaskGuard {
    fn drop(&mut self) {
        ACTIVE_UMASK.with(|active| active.set(self.previous));
    }
}

/// Mount points: removing or renaming them fails with `EBUSY`.
const MOUNT_POINTS: &[&str] = &[
    "/",
    "/proc",
    "/sys",
    "/dev",
    "/dev/pts",
    "/dev/shm",
    "/dev/mqueue",
    "/dev/hugepages",
    "/run",
    "/run/lock",
];

/// What happened to a write: the bytes went into a file, or to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored in a file.
    File,
    /// Swallowed by a device (`/dev/null`, `/dev/zero`, …).
    Discarded,
    /// The path is a terminal (`/dev/tty`): the caller shows the bytes.
    Terminal,
}

/// How a special mount treats new names.
fn create_error(parent: &str) -> Option<FsError> {
    if is_within(parent, "/proc") {
        Some(FsError::NotFound)
    } else if is_within(parent, "/sys") || is_within(parent, "/dev/pts") {
        Some(FsError::PermissionDenied)
    } else {
        None
    }
}

/// Whether the files at `path` are the kernel's (no writing, removing or chmod).
fn kernel_owned(path: &str) -> bool {
    is_within(path, "/proc") || is_within(path, "/sys")
}

impl Fs<'_> {
    /// Checks that `cred` may add or remove names in the directory at canonical `parent`.
    fn check_dir_write(&self, parent: &str) -> FsResult<Arc<Node>> {
        let dir = self.node_at(parent).ok_or(FsError::NotFound)?;
        if dir.dir().is_none() {
            return Err(FsError::NotADirectory);
        }
        if !self.cred.may(&dir.meta, true, Access::Write)
            || !self.cred.may(&dir.meta, true, Access::Exec)
        {
            return Err(FsError::PermissionDenied);
        }
        Ok(dir)
    }

    /// The sticky-directory rule: in `/tmp` only the file's or the directory's owner (or
    /// root) may remove or rename it.
    fn check_sticky(&self, dir: &Node, victim: &Node) -> FsResult<()> {
        if dir.meta.mode & 0o1000 != 0
            && !self.cred.is_root()
            && victim.meta.uid != self.cred.uid
            && dir.meta.uid != self.cred.uid
        {
            return Err(FsError::NotPermitted);
        }
        Ok(())
    }

    /// Metadata for a new node made by this handle's user in `dir`.
    fn new_meta(&mut self, mode: u32, dir: &Node) -> Meta {
        let now = self.stamp();
        // A setgid directory passes its group on, as on a real filesystem.
        let gid = if dir.meta.mode & 0o2000 != 0 {
            dir.meta.gid
        } else {
            self.cred.gid
        };
        Meta {
            mode,
            uid: self.cred.uid,
            gid,
            mtime: now,
            ctime: now,
            ino: self.overlay.next_ino(),
        }
    }

    /// Creates a node named `name` in `parent` (canonical), checking permissions.
    fn create(&mut self, parent: &str, name: &str, kind: Kind, mode: u32) -> FsResult<()> {
        if let Some(err) = create_error(parent) {
            return Err(err);
        }
        let dir = self.check_dir_write(parent)?;
        let mut mode = mode;
        if matches!(kind, Kind::Dir(_)) && dir.meta.mode & 0o2000 != 0 {
            mode |= 0o2000;
        }
        let meta = self.new_meta(mode, &dir);
        let now = self.stamp();
        let node = Node {
            meta,
            kind,
            owned: true,
        };
        self.overlay.insert(parent, name, node, now, false)
    }

    /// Opens `path` for writing as a shell redirection or `tee` would (`O_CREAT`, with
    /// `O_TRUNC` unless `append`), without writing yet. New files get mode `0644`.
    pub fn open_write(&mut self, path: &str, append: bool) -> FsResult<Written> {
        match self.walk(path, true)? {
            Walk::Found { path, node } => match &node.kind {
                Kind::Dir(_) => Err(FsError::IsADirectory),
                Kind::Device(Device::Tty) => Ok(Written::Terminal),
                Kind::Device(_) => Ok(Written::Discarded),
                _ if kernel_owned(&path) => Err(FsError::PermissionDenied),
                _ if !self.cred.may(&node.meta, false, Access::Write) => {
                    Err(FsError::PermissionDenied)
                }
                _ if append => Ok(Written::File),
                _ => {
                    let now = self.stamp();
                    self.overlay.rewrite(&path, now, 0, |node| {
                        node.kind = Kind::File(Data::Bytes(Arc::new(Vec::new())));
                    })?;
                    Ok(Written::File)
                }
            },
            Walk::Missing {
                dir_required: true, ..
            } => Err(FsError::IsADirectory),
            Walk::Missing { parent, name, .. } => {
                let empty = Kind::File(Data::Bytes(Arc::new(Vec::new())));
                self.create(&parent, &name, empty, 0o666 & !umask())?;
                Ok(Written::File)
            }
        }
    }

    /// Writes `data` to `path`: replaces the contents, or appends to them (`>>`). Creates the
    /// file (mode `0644`) if missing. Devices swallow the bytes (`/dev/full` refuses them).
    pub fn write(&mut self, path: &str, data: &[u8], append: bool) -> FsResult<Written> {
        let written = self.open_write(path, append)?;
        if written != Written::File {
            if let Ok((_, node)) = self.lookup(path, true)
                && matches!(node.kind, Kind::Device(Device::Full))
                && !data.is_empty()
            {
                return Err(FsError::NoSpace);
            }
            return Ok(written);
        }
        let (canonical, node) = self.lookup(path, true)?;
        // What cannot fit is refused before anything is copied.
        let base = if append { node.size() } else { 0 };
        if base.saturating_add(data.len() as u64) > self.overlay.limits().max_bytes {
            return Err(FsError::NoSpace);
        }
        let stored = matches!(node.kind, Kind::File(Data::Bytes(_)));
        let old = if append && !stored {
            self.contents(&canonical, &node, usize::MAX)
        } else {
            Vec::new()
        };
        let old_size = if append && stored {
            node.size()
        } else {
            old.len() as u64
        };
        let size = old_size + data.len() as u64;
        crate::host::io_meter::written(data.len() as u64);
        let now = self.stamp();
        self.overlay.rewrite(&canonical, now, size, |node| {
            let mut bytes = match &mut node.kind {
                Kind::File(Data::Bytes(bytes)) if append => std::mem::take(bytes),
                _ => Arc::new(old),
            };
            Arc::make_mut(&mut bytes).extend_from_slice(data);
            node.kind = Kind::File(Data::Bytes(bytes));
        })?;
        Ok(Written::File)
    }

    /// Writes a new or replaced regular file whose contents are given as [`Data`] (so `cp` of
    /// a program stays a program without materialising it). A new file gets `mode` less the
    /// umask; an existing one keeps its mode.
    pub fn write_data(&mut self, path: &str, data: Data, mode: u32) -> FsResult<()> {
        match self.walk(path, true)? {
            Walk::Missing {
                dir_required: true, ..
            } => Err(FsError::IsADirectory),
            Walk::Missing { parent, name, .. } => {
                crate::host::io_meter::written(data.size());
                self.create(&parent, &name, Kind::File(data), mode & !umask() & 0o7777)
            }
            Walk::Found { .. } => {
                if self.open_write(path, false)? != Written::File {
                    return Ok(());
                }
                let (canonical, _) = self.lookup(path, true)?;
                let now = self.stamp();
                let size = data.size();
                crate::host::io_meter::written(size);
                self.overlay.rewrite(&canonical, now, size, |node| {
                    node.kind = Kind::File(data);
                })
            }
        }
    }

    /// `touch`: creates an empty file if missing (unless `!create`), and sets its times to
    /// `time` (now if `None`).
    pub fn touch(
        &mut self,
        path: &str,
        time: Option<super::node::Timestamp>,
        create: bool,
    ) -> FsResult<()> {
        match self.walk(path, true)? {
            Walk::Found { path, node } => {
                if kernel_owned(&path) || matches!(node.kind, Kind::Device(_)) {
                    return if self.cred.owns(&node.meta) {
                        Ok(())
                    } else {
                        Err(FsError::PermissionDenied)
                    };
                }
                let writable = self
                    .cred
                    .may(&node.meta, node.dir().is_some(), Access::Write);
                if !(self.cred.owns(&node.meta) || (time.is_none() && writable)) {
                    return Err(if time.is_none() {
                        FsError::PermissionDenied
                    } else {
                        FsError::NotPermitted
                    });
                }
                let now = self.stamp();
                let node = self.overlay.node_mut(&path)?;
                node.meta.mtime = time.unwrap_or(now);
                node.meta.ctime = now;
                Ok(())
            }
            Walk::Missing { .. } if !create => Ok(()),
            Walk::Missing {
                dir_required: true, ..
            } => Err(FsError::IsADirectory),
            Walk::Missing { parent, name, .. } => {
                let empty = Kind::File(Data::Bytes(Arc::new(Vec::new())));
                self.create(&parent, &name, empty, 0o666 & !umask())?;
                if let Some(time) = time {
                    let node = self.overlay.node_mut(&path::child(&parent, &name))?;
                    node.meta.mtime = time;
                }
                Ok(())
            }
        }
    }

    /// `mkdir(2)` with `mode` (before the umask).
    pub fn mkdir(&mut self, path: &str, mode: u32) -> FsResult<()> {
        match self.walk(path, false)? {
            Walk::Found { .. } => Err(FsError::Exists),
            Walk::Missing { parent, name, .. } => self.create(
                &parent,
                &name,
                Kind::Dir(Dir::new()),
                mode & !umask() & 0o7777,
            ),
        }
    }

    /// `mkdir -p`: every missing directory on the way, none an error if it exists.
    pub fn mkdir_all(&mut self, path: &str, mode: u32) -> FsResult<()> {
        let full = path::absolute(&self.cwd, path);
        let mut prefix = String::new();
        for part in path::components(&full) {
            prefix.push('/');
            prefix.push_str(part);
            if part == "." || part == ".." {
                continue;
            }
            match self.walk(&prefix, true)? {
                Walk::Found { node, .. } if node.dir().is_some() => {}
                Walk::Found { .. } => return Err(FsError::Exists),
                Walk::Missing { parent, name, .. } => {
                    self.create(
                        &parent,
                        &name,
                        Kind::Dir(Dir::new()),
                        mode & !umask() & 0o7777,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The existing node at `path` (a link itself) with its parent, ready for removal.
    fn victim(&self, path: &str) -> FsResult<(String, Arc<Node>, String, String)> {
        let trimmed = path.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
        if last == "." || last == ".." {
            return Err(FsError::InvalidArgument);
        }
        let (canonical, node) = self.lookup(path, false)?;
        if MOUNT_POINTS.contains(&canonical.as_str()) {
            return Err(FsError::Busy);
        }
        let (parent, name) = split_last(&canonical);
        Ok((canonical.clone(), node, parent.to_owned(), name.to_owned()))
    }

    /// `unlink(2)`: removes a file, link or device (`EISDIR` for a directory).
    pub fn unlink(&mut self, path: &str) -> FsResult<()> {
        let (canonical, node, parent, name) = self.victim(path)?;
        if node.dir().is_some() {
            return Err(FsError::IsADirectory);
        }
        if kernel_owned(&canonical) {
            return Err(FsError::PermissionDenied);
        }
        let dir = self.check_dir_write(&parent)?;
        self.check_sticky(&dir, &node)?;
        let now = self.stamp();
        self.overlay.remove(&parent, &name, now, false).map(|_| ())
    }

    /// `rmdir(2)`: removes an empty directory.
    pub fn rmdir(&mut self, path: &str) -> FsResult<()> {
        let (canonical, node, parent, name) = self.victim(path)?;
        let Some(entries) = node.dir() else {
            return Err(FsError::NotADirectory);
        };
        if !entries.is_empty() {
            return Err(FsError::NotEmpty);
        }
        if kernel_owned(&canonical) {
            return Err(FsError::PermissionDenied);
        }
        let dir = self.check_dir_write(&parent)?;
        self.check_sticky(&dir, &node)?;
        let now = self.stamp();
        self.overlay.remove(&parent, &name, now, false).map(|_| ())
    }

    /// `rename(2)`: moves `from` to `to`, replacing a file there (or an empty directory,
    /// when moving a directory).
    pub fn rename(&mut self, from: &str, to: &str) -> FsResult<()> {
        let (source, node, from_parent, from_name) = self.victim(from)?;
        let (to_parent, to_name, existing) = match self.walk(to, false)? {
            Walk::Found { path, node } => {
                if MOUNT_POINTS.contains(&path.as_str()) {
                    return Err(FsError::Busy);
                }
                let (parent, name) = split_last(&path);
                (parent.to_owned(), name.to_owned(), Some(node))
            }
            Walk::Missing { parent, name, .. } => (parent, name, None),
        };
        let target = path::child(&to_parent, &to_name);
        if target == source {
            return Ok(());
        }
        if kernel_owned(&source) || kernel_owned(&target) {
            return Err(FsError::PermissionDenied);
        }
        let is_dir = node.dir().is_some();
        if is_dir && is_within(&target, &source) {
            return Err(FsError::InvalidArgument);
        }
        if let Some(existing) = &existing {
            match (is_dir, existing.dir()) {
                (true, None) => return Err(FsError::NotADirectory),
                (false, Some(_)) => return Err(FsError::IsADirectory),
                (true, Some(entries)) if !entries.is_empty() => return Err(FsError::NotEmpty),
                _ => {}
            }
        }
        let from_dir = self.check_dir_write(&from_parent)?;
        self.check_sticky(&from_dir, &node)?;
        let to_dir = self.check_dir_write(&to_parent)?;
        if let Some(existing) = &existing {
            self.check_sticky(&to_dir, existing)?;
        }
        let now = self.stamp();
        let moved = self.overlay.remove(&from_parent, &from_name, now, true)?;
        let mut moved = Arc::try_unwrap(moved).unwrap_or_else(|shared| (*shared).clone());
        moved.meta.ctime = now;
        if let Err(err) = self
            .overlay
            .insert(&to_parent, &to_name, moved.clone(), now, true)
        {
            // Put it back where it was; the rename did not happen.
            self.overlay
                .insert(&from_parent, &from_name, moved, now, true)
                .ok();
            return Err(err);
        }
        Ok(())
    }

    /// `symlink(2)`: makes `path` a link to `target` (which need not exist).
    pub fn symlink(&mut self, target: &str, path: &str) -> FsResult<()> {
        if target.is_empty() {
            return Err(FsError::NotFound);
        }
        match self.walk(path, false)? {
            Walk::Found { .. } => Err(FsError::Exists),
            Walk::Missing { parent, name, .. } => {
                self.create(&parent, &name, Kind::Symlink(Arc::from(target)), 0o777)
            }
        }
    }

    /// `link(2)`: a second name for a file. The fake filesystem stores it as a copy.
    pub fn hard_link(&mut self, existing: &str, path: &str) -> FsResult<()> {
        let (_, node) = self.lookup(existing, false)?;
        if node.dir().is_some() {
            return Err(FsError::NotPermitted);
        }
        match self.walk(path, false)? {
            Walk::Found { .. } => Err(FsError::Exists),
            Walk::Missing { parent, name, .. } => {
                if let Some(err) = create_error(&parent) {
                    return Err(err);
                }
                self.check_dir_write(&parent)?;
                let mut copy = (*node).clone();
                copy.owned = true;
                let now = self.stamp();
                copy.meta.ctime = now;
                self.overlay.insert(&parent, &name, copy, now, false)
            }
        }
    }

    /// `chmod(2)`: only the owner or root; links are followed.
    pub fn chmod(&mut self, path: &str, mode: u32) -> FsResult<()> {
        let (canonical, node) = self.lookup(path, true)?;
        if !self.cred.owns(&node.meta) {
            return Err(FsError::NotPermitted);
        }
        if kernel_owned(&canonical) {
            return Err(FsError::NotPermitted);
        }
        let now = self.stamp();
        let node = self.overlay.node_mut(&canonical)?;
        node.meta.mode = mode & 0o7777;
        node.meta.ctime = now;
        Ok(())
    }

    /// `chown(2)` (`follow`) or `lchown(2)`: the owner only changes for root; the group for
    /// root, or for the owner to a group they are in.
    pub fn chown(
        &mut self,
        path: &str,
        uid: Option<u32>,
        gid: Option<u32>,
        follow: bool,
    ) -> FsResult<()> {
        let (canonical, node) = self.lookup(path, follow)?;
        if !self.cred.is_root() {
            let uid_ok = uid.is_none_or(|u| u == node.meta.uid);
            let gid_ok = gid.is_none_or(|g| self.cred.groups.contains(&g));
            if !(uid_ok && gid_ok && self.cred.owns(&node.meta)) {
                return Err(FsError::NotPermitted);
            }
        }
        if kernel_owned(&canonical) {
            return Err(FsError::NotPermitted);
        }
        let now = self.stamp();
        let node = self.overlay.node_mut(&canonical)?;
        if let Some(uid) = uid {
            node.meta.uid = uid;
        }
        if let Some(gid) = gid {
            node.meta.gid = gid;
        }
        // Changing the owner of an executable clears setuid and setgid, as Linux does.
        if uid.is_some() && !matches!(node.kind, Kind::Dir(_)) {
            node.meta.mode &= !0o6000;
        }
        node.meta.ctime = now;
        Ok(())
    }

    /// `touch -h`: sets the times of a link itself (creating nothing).
    pub fn touch_link(&mut self, path: &str, time: Option<super::node::Timestamp>) -> FsResult<()> {
        let (canonical, node) = self.lookup(path, false)?;
        if !self.cred.owns(&node.meta) {
            return Err(FsError::NotPermitted);
        }
        if kernel_owned(&canonical) {
            return Ok(());
        }
        let now = self.stamp();
        let node = self.overlay.node_mut(&canonical)?;
        node.meta.mtime = time.unwrap_or(now);
        node.meta.ctime = now;
        Ok(())
    }

    /// Sets the modification time of `path` (following links), as `touch -d` or `cp -p`
    /// do; only the owner or root may set an arbitrary time.
    pub fn set_mtime(&mut self, path: &str, time: super::node::Timestamp) -> FsResult<()> {
        self.touch(path, Some(time), false)
    }
}
