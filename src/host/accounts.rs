//! Users and groups: Ubuntu's system accounts exactly as each release's cloud image has them,
//! plus the people who log in to this particular box.
//!
//! `/etc/passwd`, `/etc/group`, `/etc/shadow`, `/home`, `id`, `w` and `last` read this.
//! Human names come from a pool of ordinary first names and service-account names; the
//! defaults that fingerprint other honeypots (`richard`, `phil`) are not in it.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::platform::Platform;
use super::release::Series;

/// A login account created on this box (uid 1000 and up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id (the user's own group, same number).
    pub gid: u32,
    /// The GECOS field, e.g. `Ubuntu` or `Alex Morgan,,,`.
    pub gecos: String,
    /// Supplementary groups by name, e.g. `adm`, `sudo`.
    pub groups: Vec<String>,
    /// The `/etc/shadow` password field.
    pub password_hash: String,
}

impl User {
    /// The home directory.
    pub fn home(&self) -> String {
        format!("/home/{}", self.name)
    }
}

/// One `/etc/passwd` line's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS.
    pub gecos: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One `/etc/group` line's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Members (besides users whose primary group it is).
    pub members: Vec<String>,
}

mod tables;

use tables::{
    BASE_GROUPS, BASE_USERS, FOCAL_GROUPS, FOCAL_USERS, JAMMY_GROUPS, JAMMY_USERS, NOBLE_GROUPS,
    NOBLE_USERS, SysGroup, SysUser,
};

fn release_tables(series: Series) -> (&'static [SysUser], &'static [SysGroup]) {
    match series {
        Series::Focal => (FOCAL_USERS, FOCAL_GROUPS),
        Series::Jammy => (JAMMY_USERS, JAMMY_GROUPS),
        Series::Noble => (NOBLE_USERS, NOBLE_GROUPS),
    }
}

/// The system accounts of `series`, in `/etc/passwd` order.
pub fn system_users(series: Series) -> Vec<PasswdEntry> {
    let (extra, _) = release_tables(series);
    BASE_USERS
        .iter()
        .chain(extra)
        .map(|&(name, uid, gid, gecos, home, shell)| PasswdEntry {
            name: name.to_owned(),
            uid,
            gid,
            gecos: gecos.to_owned(),
            home: home.to_owned(),
            shell: shell.to_owned(),
        })
        .collect()
}

/// Every account, system ones first, in `/etc/passwd` order.
pub fn passwd(series: Series, users: &[User]) -> Vec<PasswdEntry> {
    let mut entries = system_users(series);
    entries.extend(users.iter().map(|u| PasswdEntry {
        name: u.name.clone(),
        uid: u.uid,
        gid: u.gid,
        gecos: u.gecos.clone(),
        home: u.home(),
        shell: "/bin/bash".to_owned(),
    }));
    entries
}

/// Every group in `/etc/group` order, with the users' memberships filled in.
pub fn groups(series: Series, users: &[User]) -> Vec<GroupEntry> {
    let (_, extra) = release_tables(series);
    let mut entries: Vec<GroupEntry> = BASE_GROUPS
        .iter()
        .chain(extra)
        .map(|&(name, gid, members)| GroupEntry {
            name: name.to_owned(),
            gid,
            members: members
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    for user in users {
        for group in &user.groups {
            if let Some(entry) = entries.iter_mut().find(|g| &g.name == group) {
                entry.members.push(user.name.clone());
            }
        }
    }
    entries.extend(users.iter().map(|u| GroupEntry {
        name: u.name.clone(),
        gid: u.gid,
        members: Vec::new(),
    }));
    entries
}

/// First names people give their accounts, and the service logins admins create.
const NAMES: &[&str] = &[
    "alex", "andrew", "anna", "ben", "chris", "daniel", "david", "dmitry", "emma", "eric", "ivan",
    "james", "jan", "jason", "john", "julia", "kevin", "lukas", "marco", "mark", "martin", "max",
    "michael", "mike", "nick", "olga", "paul", "peter", "sam", "sergey", "stefan", "tom", "victor",
    "deploy", "deployer", "devops", "ops", "app", "dev", "git", "admin", "sysadmin", "backup1",
];

const SURNAMES: &[&str] = &[
    "Morgan", "Fischer", "Novak", "Kowalski", "Petrov", "Rossi", "Schmidt", "Johnson", "Brown",
    "Garcia", "Miller", "Wilson", "Meyer", "Jansen", "Dubois", "Silva", "Nguyen", "Larsen",
];

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A password hash in the scheme `series` uses by default: SHA-512 crypt on 20.04,
/// yescrypt from 22.04.
pub(super) fn password_hash(rng: &mut StdRng, series: Series) -> String {
    const CHARS: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
            .collect()
    };
    match series {
        Series::Focal => format!("$6${}${}", pick(16), pick(86)),
        Series::Jammy | Series::Noble => format!("$y$j9T${}${}", pick(22), pick(43)),
    }
}

/// The groups the distribution's tooling gives a login user on `platform`.
fn default_groups(series: Series, platform: Platform, cloud_user: bool) -> Vec<String> {
    let list: &[&str] = if cloud_user {
        match series {
            Series::Noble => &["adm", "cdrom", "sudo", "dip", "lxd"],
            _ => &[
                "adm", "dialout", "cdrom", "floppy", "sudo", "audio", "dip", "video", "plugdev",
                "netdev", "lxd",
            ],
        }
    } else if !platform.is_cloud() {
        // What the server installer (subiquity) gives the first user.
        &["adm", "cdrom", "sudo", "dip", "plugdev", "lxd"]
    } else {
        &["sudo"]
    };
    list.iter().map(|g| (*g).to_owned()).collect()
}

/// The login users of a `platform` host running `series`.
pub(super) fn generate_users(rng: &mut StdRng, series: Series, platform: Platform) -> Vec<User> {
    let mut users = Vec::new();
    let cloud_user = match platform {
        Platform::Aws | Platform::AwsXen => Some(("ubuntu", "Ubuntu")),
        Platform::Azure => Some(("azureuser", ",,,")),
        _ => None,
    };
    if let Some((name, gecos)) = cloud_user {
        users.push(User {
            name: name.to_owned(),
            uid: 1000,
            gid: 1000,
            gecos: gecos.to_owned(),
            groups: default_groups(series, platform, true),
            password_hash: "!".to_owned(),
        });
    }
    let extra = match platform {
        Platform::Vmware | Platform::Kvm => rng.gen_range(1..=2),
        Platform::DigitalOcean | Platform::Hetzner | Platform::Gcp => rng.gen_range(0..=2),
        _ => rng.gen_range(0..=1),
    };
    while users.len() < extra + usize::from(cloud_user.is_some()) {
        let name = NAMES[rng.gen_range(0..NAMES.len())];
        if users.iter().any(|u| u.name == name) {
            continue;
        }
        let uid = 1000 + users.len() as u32;
        let person = ![
            "deploy", "deployer", "devops", "ops", "app", "dev", "git", "admin",
        ]
        .contains(&name)
            && !name.ends_with('1');
        let gecos = if person {
            format!(
                "{} {},,,",
                capitalised(name),
                SURNAMES[rng.gen_range(0..SURNAMES.len())]
            )
        } else {
            ",,,".to_owned()
        };
        let first_on_iso = users.is_empty() && !platform.is_cloud();
        let groups = if first_on_iso || rng.gen_bool(0.5) {
            default_groups(series, platform, false)
        } else {
            Vec::new()
        };
        users.push(User {
            name: name.to_owned(),
            uid,
            gid: uid,
            gecos,
            groups,
            password_hash: password_hash(rng, series),
        });
    }
    users
}
