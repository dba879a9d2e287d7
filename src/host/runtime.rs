//! Facts at a moment and lookups: uptime, memory use, load, the PID counter, and the account
//! database, all derived from the stored profile so every command computes them alike.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::accounts::{GroupEntry, PasswdEntry, User, groups, passwd};
use super::hardware::MemSnapshot;
use super::kthreads::{KernelThread, LoadAvg, kernel_threads, load_at};
use super::release::{Release, Series};
use crate::host::HostProfile;

/// The account tables of the last profile a thread asked about.
struct Tables {
    series: Series,
    users: Vec<User>,
    passwd: Rc<[PasswdEntry]>,
    groups: Rc<[GroupEntry]>,
    /// Accounts resolved by name so far (every simple command asks for its session's).
    resolved: HashMap<String, Option<Account>>,
}

/// Most accounts [`Tables::resolved`] keeps (the attacker picks the login names).
const MAX_RESOLVED: usize = 256;

/// How many hosts' tables one thread keeps: a replay runs scenarios of many generated hosts
/// on the same worker threads, and a one-entry cache would rebuild the tables at every switch.
const MAX_TABLES: usize = 16;

thread_local! {
    static TABLES: RefCell<Vec<Tables>> = const { RefCell::new(Vec::new()) };
}

/// An account with its groups resolved, as `id` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Primary group name.
    pub group: String,
    /// Supplementary groups (id, name) in `/etc/group` order, primary group excluded.
    pub groups: Vec<(u32, String)>,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

impl HostProfile {
    /// The release line.
    pub fn series(&self) -> Series {
        Series::of_distro(&self.distro)
    }

    /// What the release ships.
    pub fn release(&self) -> &'static Release {
        self.series().release()
    }

    /// Whole seconds since boot at `now` (0 if `now` is before the boot).
    pub fn uptime_secs(&self, now: DateTime<Utc>) -> u64 {
        u64::try_from((now - self.boot_time).num_seconds()).unwrap_or(0)
    }

    /// Memory use at `now`.
    pub fn memory_at(&self, now: DateTime<Utc>) -> MemSnapshot {
        self.memory.at(self.seed, self.uptime_secs(now))
    }

    /// Load averages at `now`.
    pub fn load_at(&self, now: DateTime<Utc>) -> LoadAvg {
        load_at(self.seed, self.cpu.vcpus, self.uptime_secs(now))
    }

    /// The kernel threads.
    pub fn kernel_threads(&self) -> Vec<KernelThread> {
        kernel_threads(self.series(), self.cpu.vcpus, &self.storage.disk)
    }

    /// The PID the kernel hands out next after `uptime` seconds: cron jobs, timers and
    /// logins use up a few every minute.
    pub fn pid_at(&self, uptime: u64) -> u32 {
        let base = self.services.last().map_or(700, |s| s.pid) + 180;
        let grown = uptime / 23 + (self.seed % 97) * (uptime / 86_400).min(1_000);
        u32::try_from(u64::from(base) + grown)
            .unwrap_or(u32::MAX)
            .min(4_194_000)
    }

    /// Every account, in `/etc/passwd` order.
    pub fn passwd(&self) -> Vec<PasswdEntry> {
        self.tables().0.to_vec()
    }

    /// Every group, in `/etc/group` order.
    pub fn groups(&self) -> Vec<GroupEntry> {
        self.tables().1.to_vec()
    }

    /// `/etc/passwd` and `/etc/group` as the profile defines them, built once per thread for
    /// the last profile asked about (every command looks up the session's account, so
    /// rebuilding both tables each time was most of a command's cost).
    fn tables(&self) -> (Rc<[PasswdEntry]>, Rc<[GroupEntry]>) {
        let series = self.series();
        TABLES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(at) = cache
                .iter()
                .position(|t| t.series == series && t.users == self.users)
            {
                // Most recently used first.
                cache[..=at].rotate_right(1);
                let t = &cache[0];
                return (t.passwd.clone(), t.groups.clone());
            }
            let built = Tables {
                series,
                users: self.users.clone(),
                passwd: passwd(series, &self.users).into(),
                groups: groups(series, &self.users).into(),
                resolved: HashMap::new(),
            };
            let pair = (built.passwd.clone(), built.groups.clone());
            cache.truncate(MAX_TABLES - 1);
            cache.insert(0, built);
            pair
        })
    }

    /// The home directories under `/home`, one per login user.
    pub fn home_dirs(&self) -> Vec<String> {
        self.users.iter().map(|u| u.home()).collect()
    }

    /// The account `name` with its groups, if `/etc/passwd` has it.
    pub fn account(&self, name: &str) -> Option<Account> {
        self.with_account(name, |account| account.cloned())
    }

    /// `f` of the account `name` (`None` if `/etc/passwd` lacks it), without copying it: the
    /// interpreter asks for the session's account for every simple command. `f` must not
    /// look up accounts itself (the thread's cache is borrowed meanwhile).
    fn with_account<R>(&self, name: &str, f: impl FnOnce(Option<&Account>) -> R) -> R {
        let (passwd, _) = self.tables();
        let mut f = Some(f);
        // `tables()` just put this host's tables first.
        let cached = TABLES.with(|cache| {
            let cache = cache.borrow();
            let account = cache.first()?.resolved.get(name)?;
            f.take().map(|f| f(account.as_ref()))
        });
        if let Some(answer) = cached {
            return answer;
        }
        let account = passwd
            .iter()
            .find(|e| e.name == name)
            .map(|entry| self.resolve(entry.clone()));
        let f = f
            .take()
            .expect("`f` runs only on a cache hit, which returned");
        let answer = f(account.as_ref());
        TABLES.with(|cache| {
            if let Some(t) = cache.borrow_mut().first_mut() {
                if t.resolved.len() >= MAX_RESOLVED {
                    t.resolved.clear();
                }
                t.resolved.insert(name.to_owned(), account);
            }
        });
        answer
    }

    /// The user id [`HostProfile::session_account`] gives `name`, without building the account.
    pub fn session_uid(&self, name: &str) -> u32 {
        self.with_account(name, |account| {
            account.map_or_else(|| self.next_free_uid(), |a| a.uid)
        })
    }

    /// The umask a session of `name` logs in with: pam_umask's `usergroups`, 002 for a user
    /// whose primary group has the user's name (as [`HostProfile::session_account`]'s
    /// stand-in for an unlisted login has), 022 for root and everyone else.
    pub fn login_umask(&self, name: &str) -> u32 {
        self.with_account(name, |account| match account {
            Some(a) if a.uid != 0 && a.uid == a.gid && a.group == a.name => 0o002,
            Some(_) => 0o022,
            None => 0o002,
        })
    }

    /// The uid `adduser` would give the next login user.
    fn next_free_uid(&self) -> u32 {
        1000 + self.users.len() as u32
    }

    /// The account with user id `uid`, if any.
    pub fn account_by_uid(&self, uid: u32) -> Option<Account> {
        let entry = self.tables().0.iter().find(|e| e.uid == uid)?.clone();
        Some(self.resolve(entry))
    }

    /// The account of a session's user: the one in `/etc/passwd`, or, for a login the
    /// database does not list, the next free uid with a group of its own, as `adduser`
    /// would have made it.
    pub fn session_account(&self, name: &str) -> Account {
        self.account(name).unwrap_or_else(|| {
            let uid = self.next_free_uid();
            Account {
                name: name.to_owned(),
                uid,
                gid: uid,
                group: name.to_owned(),
                groups: Vec::new(),
                home: format!("/home/{name}"),
                shell: "/bin/bash".to_owned(),
            }
        })
    }

    fn resolve(&self, entry: PasswdEntry) -> Account {
        let groups = self.tables().1;
        let group = groups
            .iter()
            .find(|g| g.gid == entry.gid)
            .map_or_else(|| entry.gid.to_string(), |g| g.name.clone());
        let supplementary = groups
            .iter()
            .filter(|g| g.gid != entry.gid && g.members.contains(&entry.name))
            .map(|g| (g.gid, g.name.clone()))
            .collect();
        Account {
            name: entry.name,
            uid: entry.uid,
            gid: entry.gid,
            group,
            groups: supplementary,
            home: entry.home,
            shell: entry.shell,
        }
    }
}
