//! [`Image`]: the base tree every session starts from, built once per node from the host
//! profile and shared read-only behind an `Arc`.
//!
//! [`Builder`] is how the tree is assembled; the Ubuntu layout itself is in `ubuntu` (the
//! directory skeleton, programs and links), `etc` (the configuration files) and `logs`
//! (`/var/log`).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::honeytokens::Planted;

use super::accounts::Accounts;
use super::node::{Data, Device, Dir, Kind, Meta, Node, Timestamp};
use super::path::{components, split_last};
use crate::host::HostProfile;

/// The shared, read-only base filesystem of a node.
#[derive(Debug, Clone)]
pub struct Image {
    root: Arc<Node>,
    next_ino: u64,
    accounts: Arc<Accounts>,
    /// Files planted after the build whose reads are watched (honeytokens), by the address
    /// of their contents.
    planted: Arc<Planted>,
}

/// A file added to a built image whose reads are watched: a honeytoken file.
#[derive(Debug, Clone)]
pub struct PlantedFile {
    /// Absolute path; missing parent directories are made `0755 root`.
    pub path: String,
    /// The file's contents.
    pub contents: Vec<u8>,
    /// Permission bits.
    pub mode: u32,
    /// Owning user, by name (root if the image has no such user).
    pub user: String,
    /// Owning group, by name (root if the image has no such group).
    pub group: String,
    /// Modification time.
    pub mtime: DateTime<Utc>,
    /// The tokens the file holds (none for a companion file such as a public key).
    pub tokens: Vec<crate::events::HoneytokenRef>,
}

impl Image {
    /// Builds the Ubuntu tree of `profile` as it looks at `now` (the node's start): booted at
    /// the profile's boot time, logs written up to `now`. `programs` are absolute paths of
    /// the commands the shell implements (e.g. `/usr/bin/uname`); each gets an executable
    /// there, so `ls /usr/bin` and `which` agree with what runs.
    pub fn build(profile: &HostProfile, now: DateTime<Utc>, programs: &[&str]) -> Image {
        let mut b = Builder::new(profile.seed);
        let boot = profile.boot_time.min(now);
        let facts = super::ubuntu::Facts::new(profile, boot, now);
        let accounts = super::etc::install(&mut b, profile, &facts);
        b.accounts = accounts.clone();
        super::ubuntu::install(&mut b, profile, &facts, programs);
        super::logs::install(&mut b, profile, &facts);
        super::etc::install_generated(&mut b, profile, &facts);
        Image {
            root: Arc::new(b.root),
            next_ino: b.next_ino,
            accounts: Arc::new(accounts),
            planted: Arc::default(),
        }
    }

    /// Adds `files` to the image (before it is shared: a shared tree is copied). Reading a
    /// file that holds tokens, or a copy `cp` made of it, is then noticed by
    /// [`crate::honeytokens::watch_reads`].
    pub fn plant(&mut self, files: Vec<PlantedFile>) {
        let placeholder = Arc::new(Node {
            meta: self.root.meta,
            kind: Kind::Dir(Dir::new()),
            owned: false,
        });
        let root = Arc::unwrap_or_clone(std::mem::replace(&mut self.root, placeholder));
        let mut b = Builder {
            root,
            next_ino: self.next_ino,
            accounts: Accounts::clone(&self.accounts),
            fallback: FALLBACK_IDS,
        };
        let mut planted = Planted::clone(&self.planted);
        for file in files {
            let bytes = Arc::new(file.contents);
            if !file.tokens.is_empty() {
                planted.insert(crate::honeytokens::buffer_key(&bytes), file.tokens);
            }
            let time = Timestamp::from_datetime(file.mtime);
            let mut node = b.node(Kind::File(Data::Bytes(bytes)), file.mode, ROOT, time);
            node.meta.uid = self.accounts.user(&file.user).map_or(0, |u| u.uid);
            node.meta.gid = self.accounts.group(&file.group).map_or(0, |g| g.gid);
            b.put(&file.path, node);
        }
        self.root = Arc::new(b.root);
        self.next_ino = b.next_ino;
        self.planted = Arc::new(planted);
    }

    /// The planted files' tokens, by the address of their contents.
    pub fn planted(&self) -> &Arc<Planted> {
        &self.planted
    }

    /// The root directory.
    pub fn root(&self) -> &Arc<Node> {
        &self.root
    }

    /// The first inode number free for sessions.
    pub fn next_ino(&self) -> u64 {
        self.next_ino
    }

    /// The accounts the image was built with (`/etc/passwd`, `/etc/group`).
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The same accounts, shared: every overlay starts from them without a copy.
    pub fn shared_accounts(&self) -> Arc<Accounts> {
        self.accounts.clone()
    }
}

/// Who owns a node being built, by name, resolved against the image's accounts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner {
    pub user: &'static str,
    pub group: &'static str,
}

/// `root:root`.
pub(super) const ROOT: Owner = Owner {
    user: "root",
    group: "root",
};

/// Assembles a tree. Every node is unique while building, so `Arc::make_mut` never copies.
pub(super) struct Builder {
    pub root: Node,
    pub next_ino: u64,
    pub accounts: Accounts,
    /// Ids for names the accounts lack (before `/etc/passwd` exists, or if a profile's
    /// database has no such user): Ubuntu's usual numbers.
    fallback: &'static [(&'static str, u32)],
}

/// Ubuntu's ids for the system users and groups the tree uses, should the profile's account
/// database lack one.
const FALLBACK_IDS: &[(&str, u32)] = &[
    ("root", 0),
    ("adm", 4),
    ("tty", 5),
    ("mail", 8),
    ("shadow", 42),
    ("utmp", 43),
    ("staff", 50),
    ("syslog", 107),
    ("crontab", 112),
    ("systemd-journal", 101),
    ("man", 12),
];

impl Builder {
    fn new(seed: u64) -> Builder {
        Builder {
            root: Node {
                meta: Meta {
                    mode: 0o755,
                    uid: 0,
                    gid: 0,
                    mtime: Timestamp::default(),
                    ctime: Timestamp::default(),
                    ino: 2,
                },
                kind: Kind::Dir(Dir::new()),
                owned: false,
            },
            // Inode numbers as an ext4 root filesystem hands them out: large and sparse.
            next_ino: 131_072 + (seed % 4096) * 64,
            accounts: Accounts::default(),
            fallback: FALLBACK_IDS,
        }
    }

    fn ids(&self, owner: Owner) -> (u32, u32) {
        let fallback = |name: &str| {
            self.fallback
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, id)| *id)
        };
        let uid = self
            .accounts
            .user(owner.user)
            .map_or_else(|| fallback(owner.user), |u| u.uid);
        let gid = self
            .accounts
            .group(owner.group)
            .map_or_else(|| fallback(owner.group), |g| g.gid);
        (uid, gid)
    }

    /// A node with fresh metadata.
    pub fn node(&mut self, kind: Kind, mode: u32, owner: Owner, time: Timestamp) -> Node {
        let (uid, gid) = self.ids(owner);
        self.next_ino += 1 + self.next_ino % 3;
        Node {
            meta: Meta {
                mode,
                uid,
                gid,
                mtime: time,
                ctime: time,
                ino: self.next_ino,
            },
            kind,
            owned: false,
        }
    }

    /// The directory at `path`, created (with missing parents, `0755 root`) if needed.
    fn dir_entries(&mut self, path: &str, time: Timestamp) -> &mut Dir {
        let mut next_ino = self.next_ino;
        let mut node = &mut self.root;
        for name in components(path) {
            let child = as_dir(node).entry(name.to_owned()).or_insert_with(|| {
                next_ino += 2;
                Arc::new(Node {
                    meta: Meta {
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        mtime: time,
                        ctime: time,
                        ino: next_ino,
                    },
                    kind: Kind::Dir(Dir::new()),
                    owned: false,
                })
            });
            node = Arc::make_mut(child);
        }
        self.next_ino = next_ino;
        as_dir(node)
    }

    /// Puts `node` at `path`, replacing what was there (a directory keeps its entries).
    pub fn put(&mut self, path: &str, mut node: Node) {
        let (parent, name) = split_last(path);
        if name.is_empty() {
            if let Kind::Dir(_) = node.kind {
                // The root directory is always inode 2 on ext4.
                let ino = self.root.meta.ino;
                self.root.meta = node.meta;
                self.root.meta.ino = ino;
            }
            return;
        }
        let time = node.meta.mtime;
        let dir = self.dir_entries(parent, time);
        if let Some(old) = dir.get(name)
            && let (Kind::Dir(entries), Kind::Dir(_)) = (&old.kind, &node.kind)
        {
            node.kind = Kind::Dir(entries.clone());
        }
        dir.insert(name.to_owned(), Arc::new(node));
    }

    /// A directory.
    pub fn dir(&mut self, path: &str, mode: u32, owner: Owner, time: Timestamp) {
        let node = self.node(Kind::Dir(Dir::new()), mode, owner, time);
        self.put(path, node);
    }

    /// A regular file.
    pub fn file(&mut self, path: &str, data: Data, mode: u32, owner: Owner, time: Timestamp) {
        let node = self.node(Kind::File(data), mode, owner, time);
        self.put(path, node);
    }

    /// A file holding `text`.
    pub fn text(&mut self, path: &str, text: String, mode: u32, owner: Owner, time: Timestamp) {
        self.file(
            path,
            Data::Bytes(Arc::new(text.into_bytes())),
            mode,
            owner,
            time,
        );
    }

    /// A symbolic link (`root:root`, mode 0777 as Linux shows links).
    pub fn link(&mut self, path: &str, target: &str, time: Timestamp) {
        let node = self.node(Kind::Symlink(Arc::from(target)), 0o777, ROOT, time);
        self.put(path, node);
    }

    /// A character device.
    pub fn device(&mut self, path: &str, device: Device, mode: u32, owner: Owner, time: Timestamp) {
        let node = self.node(Kind::Device(device), mode, owner, time);
        self.put(path, node);
    }

    /// The node at `path`, not following links.
    pub fn get(&self, path: &str) -> Option<&Node> {
        let mut node = &self.root;
        for name in components(path) {
            node = node.dir()?.get(name)?;
        }
        Some(node)
    }

    /// `path` with symbolic links followed (up to 40), if it leads somewhere or to a missing
    /// last name in an existing directory.
    pub fn follow(&self, path: &str) -> Option<String> {
        let mut current = super::path::normalize(path);
        for _ in 0..40 {
            let (parent, name) = split_last(&current);
            let parent_real = self.real_dir(parent)?;
            let full = super::path::child(&parent_real, name);
            match self.get(&full).map(|n| &n.kind) {
                Some(Kind::Symlink(target)) => {
                    current = super::path::normalize(&super::path::absolute(&parent_real, target));
                }
                _ => return Some(full),
            }
        }
        None
    }

    /// The real path of an existing directory, following links on the way.
    fn real_dir(&self, path: &str) -> Option<String> {
        let mut real = String::from("/");
        for name in components(path) {
            let next = super::path::child(&real, name);
            real = match self.get(&next).map(|n| &n.kind) {
                Some(Kind::Dir(_)) => next,
                Some(Kind::Symlink(_)) => self.follow(&next)?,
                _ => return None,
            };
        }
        Some(real)
    }

    /// Sets the contents of the file `path` leads to (following links, so a profile's
    /// `/etc/os-release` lands in `/usr/lib/os-release` as on Ubuntu), creating it `0644
    /// root` if missing.
    pub fn install(&mut self, path: &str, contents: Vec<u8>, time: Timestamp) {
        let target = self.follow(path).unwrap_or_else(|| path.to_owned());
        let (mode, owner) = match self.get(&target) {
            Some(node) => (node.meta.mode, (node.meta.uid, node.meta.gid)),
            None => (0o644, (0, 0)),
        };
        let mut node = self.node(
            Kind::File(Data::Bytes(Arc::new(contents))),
            mode,
            ROOT,
            time,
        );
        node.meta.uid = owner.0;
        node.meta.gid = owner.1;
        self.put(&target, node);
    }
}

/// The entries of `node`, which becomes an empty directory first if it is not one.
fn as_dir(node: &mut Node) -> &mut Dir {
    if !matches!(node.kind, Kind::Dir(_)) {
        node.kind = Kind::Dir(Dir::new());
    }
    match &mut node.kind {
        Kind::Dir(dir) => dir,
        // Invariant: made a directory just above.
        _ => unreachable!("node was made a directory"),
    }
}
