//! [`Accounts`]: the user and group database, parsed from `/etc/passwd` and `/etc/group`, and
//! [`Cred`]: who is asking, and what the permission bits let them do.

use super::node::Meta;

/// The most lines of `/etc/passwd` or `/etc/group` parsed; an attacker can grow the files,
/// but not the time spent reading them.
const MAX_LINES: usize = 10_000;

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Members beyond those whose primary group it is.
    pub members: Vec<String>,
}

/// The account database of the fake host, as its files say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accounts {
    /// Users in file order.
    pub users: Vec<User>,
    /// Groups in file order.
    pub groups: Vec<Group>,
}

impl Accounts {
    /// Parses the texts of `/etc/passwd` and `/etc/group`, skipping malformed lines as glibc
    /// does.
    pub fn parse(passwd: &str, group: &str) -> Accounts {
        let users = passwd
            .lines()
            .take(MAX_LINES)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(':').collect();
                if f.len() < 7 {
                    return None;
                }
                Some(User {
                    name: f[0].to_owned(),
                    uid: f[2].parse().ok()?,
                    gid: f[3].parse().ok()?,
                    home: f[5].to_owned(),
                    shell: f[6].to_owned(),
                })
            })
            .collect();
        let groups = group
            .lines()
            .take(MAX_LINES)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(':').collect();
                if f.len() < 4 {
                    return None;
                }
                Some(Group {
                    name: f[0].to_owned(),
                    gid: f[2].parse().ok()?,
                    members: f[3]
                        .split(',')
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
            })
            .collect();
        Accounts { users, groups }
    }

    /// The user called `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The first user with id `uid`.
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }

    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The first group with id `gid`.
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }

    /// The name `ls -l` shows for `uid`: the user's name, or the number.
    pub fn user_name(&self, uid: u32) -> String {
        self.user_by_uid(uid)
            .map_or_else(|| uid.to_string(), |u| u.name.clone())
    }

    /// The name `ls -l` shows for `gid`: the group's name, or the number.
    pub fn group_name(&self, gid: u32) -> String {
        self.group_by_gid(gid)
            .map_or_else(|| gid.to_string(), |g| g.name.clone())
    }

    /// The credentials of a login as `name`. A name the database lacks gets the uid `adduser`
    /// would give it: the first free one from 1000, with a group of the same number.
    pub fn cred(&self, name: &str) -> Cred {
        if name == "root" {
            return Cred::root();
        }
        let (uid, gid) = self.user(name).map_or_else(
            || {
                let free = (1000..60_000)
                    .find(|id| self.user_by_uid(*id).is_none() && self.group_by_gid(*id).is_none())
                    .unwrap_or(1000);
                (free, free)
            },
            |u| (u.uid, u.gid),
        );
        let mut groups = vec![gid];
        for group in &self.groups {
            if group.members.iter().any(|m| m == name) && !groups.contains(&group.gid) {
                groups.push(group.gid);
            }
        }
        Cred {
            user: name.to_owned(),
            uid,
            gid,
            groups,
        }
    }
}

/// Who an operation runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cred {
    /// The user's name.
    pub user: String,
    /// Effective user id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Every group id the user is in, the primary one first.
    pub groups: Vec<u32>,
}

/// What an access check asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read a file or list a directory.
    Read,
    /// Write a file or change a directory's entries.
    Write,
    /// Run a file or look up names in a directory.
    Exec,
}

impl Cred {
    /// uid 0.
    pub fn root() -> Cred {
        Cred {
            user: "root".to_owned(),
            uid: 0,
            gid: 0,
            groups: vec![0],
        }
    }

    /// Whether this is root.
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    /// Whether the permission bits of `meta` grant `access`, as the kernel decides it: root
    /// may read and write anything and execute what has any execute bit (or is a directory);
    /// others get the owner, group or other triplet that applies to them.
    pub fn may(&self, meta: &Meta, is_dir: bool, access: Access) -> bool {
        let bit = match access {
            Access::Read => 4,
            Access::Write => 2,
            Access::Exec => 1,
        };
        if self.is_root() {
            return access != Access::Exec || is_dir || meta.mode & 0o111 != 0;
        }
        let shift = if meta.uid == self.uid {
            6
        } else if self.groups.contains(&meta.gid) {
            3
        } else {
            0
        };
        (meta.mode >> shift) & bit != 0
    }

    /// Whether this user owns `meta` or is root (who may chmod, utime, …).
    pub fn owns(&self, meta: &Meta) -> bool {
        self.is_root() || meta.uid == self.uid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::fs::node::Timestamp;

    fn meta(mode: u32, uid: u32, gid: u32) -> Meta {
        Meta {
            mode,
            uid,
            gid,
            mtime: Timestamp::default(),
            ctime: Timestamp::default(),
            ino: 1,
        }
    }

    #[test]
    fn parses_and_names() {
        let a = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nbad line\nbob:x:1001:1001::/home/bob:/bin/sh\n",
            "root:x:0:\nadm:x:4:syslog,bob\nbob:x:1001:\n",
        );
        assert_eq!(a.users.len(), 2);
        assert_eq!(a.user_name(1001), "bob");
        assert_eq!(a.user_name(7), "7");
        assert_eq!(a.group_name(4), "adm");
        let bob = a.cred("bob");
        assert_eq!(
            (bob.uid, bob.gid, bob.groups.clone()),
            (1001, 1001, vec![1001, 4])
        );
        assert_eq!(a.cred("eve").uid, 1000);
    }

    #[test]
    fn permission_bits() {
        let a = Accounts::parse("bob:x:1001:1001::/home/bob:/bin/sh\n", "adm:x:4:bob\n");
        let bob = a.cred("bob");
        assert!(bob.may(&meta(0o640, 0, 4), false, Access::Read));
        assert!(!bob.may(&meta(0o640, 0, 4), false, Access::Write));
        assert!(!bob.may(&meta(0o600, 0, 0), false, Access::Read));
        assert!(bob.may(&meta(0o700, 1001, 0), false, Access::Exec));
        let root = Cred::root();
        assert!(root.may(&meta(0o000, 5, 5), false, Access::Write));
        assert!(!root.may(&meta(0o644, 0, 0), false, Access::Exec));
        assert!(root.may(&meta(0o000, 0, 0), true, Access::Exec));
    }
}
