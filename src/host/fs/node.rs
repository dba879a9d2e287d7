//! The tree's building blocks: [`Node`], its [`Kind`] and [`Meta`], and the [`Stat`] that
//! commands see.
//!
//! Directories hold their children as `Arc<Node>`, so a session's tree shares every node it
//! has not changed with the base image; changing one copies only the directories on its path
//! (see [`Overlay`](super::Overlay)).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

/// The children of a directory, by name, in byte order (the order of `ls` in the `C.UTF-8`
/// locale an Ubuntu SSH login has).
pub type Dir = BTreeMap<String, Arc<Node>>;

/// A point in time with nanoseconds, like `struct timespec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Timestamp {
    /// The timestamp of `time`.
    pub fn from_datetime(time: DateTime<Utc>) -> Timestamp {
        Timestamp {
            secs: time.timestamp(),
            nanos: time.timestamp_subsec_nanos().min(999_999_999),
        }
    }

    /// The same instant as a `DateTime` (the epoch if out of range).
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.secs, self.nanos)
            .single()
            .unwrap_or_default()
    }
}

/// What a character device does when read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Device {
    /// `/dev/null`: reads nothing, swallows writes.
    Null,
    /// `/dev/zero`: endless zero bytes, swallows writes.
    Zero,
    /// `/dev/full`: endless zero bytes; every write fails with `ENOSPC`.
    Full,
    /// `/dev/random`: random bytes.
    Random,
    /// `/dev/urandom`: random bytes.
    Urandom,
    /// `/dev/tty` and friends: writes go to the terminal, reads are empty.
    Tty,
}

impl Device {
    /// The device's (major, minor) numbers as Linux assigns them.
    pub fn numbers(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 8),
            Device::Urandom => (1, 9),
            Device::Tty => (5, 0),
        }
    }
}

/// A regular file's contents.
#[derive(Debug, Clone)]
pub enum Data {
    /// Bytes held in memory (written by the session, or generated once at build).
    Bytes(Arc<Vec<u8>>),
    /// Bytes compiled into Mirage (`assets/fs`).
    Static(&'static [u8]),
    /// An executable of `size` bytes, generated on read (an ELF header and filler); `program`
    /// names the command it runs, so `cp /bin/ls /tmp/x; /tmp/x` still lists.
    Binary {
        /// The command it is (its base name in `/usr/bin`).
        program: Arc<str>,
        /// Its size in bytes.
        size: u64,
    },
    /// A `/proc` file: generated from the host profile each time it is read; size 0.
    Proc,
    /// `size` zero bytes (sparse binary logs such as `lastlog`).
    Zeros(u64),
}

impl Data {
    /// The size `stat` reports.
    pub fn size(&self) -> u64 {
        match self {
            Data::Bytes(bytes) => bytes.len() as u64,
            Data::Static(bytes) => bytes.len() as u64,
            Data::Binary { size, .. } | Data::Zeros(size) => *size,
            Data::Proc => 0,
        }
    }
}

/// What a node is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A directory and its entries.
    Dir(Dir),
    /// A regular file.
    File(Data),
    /// A symbolic link and its target, as given to `ln -s`.
    Symlink(Arc<str>),
    /// A character device.
    Device(Device),
}

/// The file type, as `stat` and `ls -l` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `-`
    Regular,
    /// `d`
    Directory,
    /// `l`
    Symlink,
    /// `c`
    CharDevice,
}

impl FileType {
    /// The letter `ls -l` shows first.
    pub fn letter(self) -> char {
        match self {
            FileType::Regular => '-',
            FileType::Directory => 'd',
            FileType::Symlink => 'l',
            FileType::CharDevice => 'c',
        }
    }
}

/// Ownership, permissions, times and inode number of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Permission bits with setuid (`0o4000`), setgid (`0o2000`) and sticky (`0o1000`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Last modification of the contents.
    pub mtime: Timestamp,
    /// Last change of the inode (contents, mode, owner, links).
    pub ctime: Timestamp,
    /// Inode number.
    pub ino: u64,
}

/// One file, directory, link or device.
#[derive(Debug, Clone)]
pub struct Node {
    /// Metadata.
    pub meta: Meta,
    /// What it is.
    pub kind: Kind,
    /// Whether the session made or rewrote it, so its bytes count against the quota.
    pub(crate) owned: bool,
}

impl Node {
    /// The node's file type.
    pub fn file_type(&self) -> FileType {
        match self.kind {
            Kind::Dir(_) => FileType::Directory,
            Kind::File(_) => FileType::Regular,
            Kind::Symlink(_) => FileType::Symlink,
            Kind::Device(_) => FileType::CharDevice,
        }
    }

    /// The entries, if it is a directory.
    pub fn dir(&self) -> Option<&Dir> {
        match &self.kind {
            Kind::Dir(dir) => Some(dir),
            _ => None,
        }
    }

    /// The size `stat` reports: contents for files, 4096 for directories (one ext4 block),
    /// the target's length for links, 0 for devices.
    pub fn size(&self) -> u64 {
        match &self.kind {
            Kind::Dir(_) => 4096,
            Kind::File(data) => data.size(),
            Kind::Symlink(target) => target.len() as u64,
            Kind::Device(_) => 0,
        }
    }

    /// The bytes this node accounts for in an overlay's quota.
    pub(crate) fn charge(&self) -> u64 {
        match &self.kind {
            Kind::File(data) => data.size(),
            Kind::Symlink(target) => target.len() as u64,
            _ => 0,
        }
    }

    /// Its metadata and derived facts, as `stat(2)` returns them.
    pub fn stat(&self) -> Stat {
        let size = self.size();
        let nlink = match &self.kind {
            // `.`, the parent's entry, and each subdirectory's `..`.
            Kind::Dir(dir) => {
                let subdirs = dir
                    .values()
                    .filter(|n| matches!(n.kind, Kind::Dir(_)))
                    .count();
                2 + u32::try_from(subdirs).unwrap_or(u32::MAX - 2)
            }
            _ => 1,
        };
        let blocks = match &self.kind {
            // ext4 allocates 4 KiB blocks; fast symlinks, devices and /proc files use none.
            Kind::File(Data::Proc) | Kind::Symlink(_) | Kind::Device(_) => 0,
            _ => size.div_ceil(4096) * 8,
        };
        Stat {
            file_type: self.file_type(),
            mode: self.meta.mode,
            uid: self.meta.uid,
            gid: self.meta.gid,
            size,
            blocks,
            nlink,
            ino: self.meta.ino,
            mtime: self.meta.mtime,
            ctime: self.meta.ctime,
            rdev: match self.kind {
                Kind::Device(device) => Some(device.numbers()),
                _ => None,
            },
        }
    }
}

/// What `stat(2)` says about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The file type.
    pub file_type: FileType,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Hard links.
    pub nlink: u32,
    /// Inode number.
    pub ino: u64,
    /// Modification time.
    pub mtime: Timestamp,
    /// Change time.
    pub ctime: Timestamp,
    /// Device numbers, for devices.
    pub rdev: Option<(u32, u32)>,
}

impl Stat {
    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }

    /// `ls -l`'s ten mode characters, e.g. `drwxrwxrwt`, `-rwsr-xr-x`.
    pub fn mode_string(&self) -> String {
        let m = self.mode;
        let mut s = String::with_capacity(10);
        s.push(self.file_type.letter());
        let triplets = [
            (0o400, 0o200, 0o100, 0o4000, 's'),
            (0o40, 0o20, 0o10, 0o2000, 's'),
        ];
        for (r, w, x, special, letter) in triplets {
            s.push(if m & r != 0 { 'r' } else { '-' });
            s.push(if m & w != 0 { 'w' } else { '-' });
            s.push(match (m & x != 0, m & special != 0) {
                (true, true) => letter,
                (false, true) => letter.to_ascii_uppercase(),
                (true, false) => 'x',
                (false, false) => '-',
            });
        }
        s.push(if m & 0o4 != 0 { 'r' } else { '-' });
        s.push(if m & 0o2 != 0 { 'w' } else { '-' });
        s.push(match (m & 0o1 != 0, m & 0o1000 != 0) {
            (true, true) => 't',
            (false, true) => 'T',
            (true, false) => 'x',
            (false, false) => '-',
        });
        s
    }
}
