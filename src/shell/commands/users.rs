//! Account management: shadow-utils 4.8.1's `useradd`, `userdel`, `groupadd` and Debian's
//! `adduser` (3.118). They edit `/etc/passwd`, `/etc/group`, `/etc/shadow` and
//! `/etc/gshadow` in the session's overlay, so `id`, `su` and `ls -l` see the new account.

use super::{Command, CommandCtx};

/// The most entries a directory tree removal (`userdel -r`) visits.
const MAX_REMOVE: usize = 2_000;

/// Reads a file of the overlay as text (empty when missing).
fn read(cx: &CommandCtx<'_>, path: &str) -> String {
    String::from_utf8_lossy(&cx.fs.read_limited(path, 1 << 20).unwrap_or_default()).into_owned()
}

/// Replaces a file's contents; false if the overlay refused.
fn write(cx: &mut CommandCtx<'_>, path: &str, text: &str) -> bool {
    cx.fs.write(path, text.as_bytes(), false).is_ok()
}

/// Appends `line` to a file (adding the missing newline before it).
fn append(cx: &mut CommandCtx<'_>, path: &str, line: &str) -> bool {
    let mut text = read(cx, path);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    write(cx, path, &text)
}

/// Whether `name` is a valid login for useradd (`[a-z_][a-z0-9_-]*[$]?`, 32 bytes at most).
fn valid_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    name.len() <= 32
        && body
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The first free id from 1000 in the account database (`uids` true for users).
fn next_id(cx: &CommandCtx<'_>, uids: bool) -> u32 {
    let accounts = cx.fs.accounts();
    let used: Vec<u32> = if uids {
        accounts.users.iter().map(|u| u.uid).collect()
    } else {
        accounts.groups.iter().map(|g| g.gid).collect()
    };
    used.iter()
        .copied()
        .filter(|id| (1000..60_000).contains(id))
        .max()
        .map_or(1000, |m| m + 1)
}

/// Days since the epoch, for `/etc/shadow`'s last change field.
fn days(cx: &CommandCtx<'_>) -> i64 {
    cx.now().timestamp() / 86_400
}

/// Adds `user` to the member list of each group in `groups` in `/etc/group`.
fn add_to_groups(cx: &mut CommandCtx<'_>, user: &str, groups: &[String]) {
    let text = read(cx, "/etc/group");
    let mut out = String::new();
    for line in text.lines() {
        let mut fields: Vec<String> = line.split(':').map(str::to_owned).collect();
        if fields.len() == 4 && groups.contains(&fields[0]) {
            let members = &mut fields[3];
            if !members.split(',').any(|m| m == user) {
                if !members.is_empty() {
                    members.push(',');
                }
                members.push_str(user);
            }
        }
        out.push_str(&fields.join(":"));
        out.push('\n');
    }
    write(cx, "/etc/group", &out);
}

/// Creates `home` for `uid:gid` with the files of `/etc/skel`.
fn make_home(cx: &mut CommandCtx<'_>, home: &str, uid: u32, gid: u32) {
    if cx.fs.mkdir_all(home, 0o755).is_err() {
        return;
    }
    // Best effort, as useradd warns and goes on when the home cannot be set up.
    cx.fs.chown(home, Some(uid), Some(gid), true).ok();
    for name in [".bashrc", ".profile", ".bash_logout"] {
        let skel = format!("/etc/skel/{name}");
        if let Ok(data) = cx.fs.read_limited(&skel, 1 << 16) {
            let path = format!("{home}/{name}");
            if cx.fs.write(&path, &data, false).is_ok() {
                cx.fs.chown(&path, Some(uid), Some(gid), true).ok();
            }
        }
    }
}

/// What `useradd` was asked for.
struct NewUser {
    name: String,
    uid: Option<u32>,
    group: Option<String>,
    groups: Vec<String>,
    home: Option<String>,
    shell: String,
    comment: String,
    password: String,
    create_home: bool,
}

/// Writes a new account; `Err((message, status))` as useradd reports it.
fn create_user(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    user: &NewUser,
) -> Result<(u32, u32), (String, i32)> {
    let accounts = cx.fs.accounts();
    if accounts.user(&user.name).is_some() {
        return Err((format!("{prog}: user '{}' already exists\n", user.name), 9));
    }
    for g in &user.groups {
        if accounts.group(g).is_none() {
            return Err((format!("{prog}: group '{g}' does not exist\n"), 6));
        }
    }
    let uid = match user.uid {
        Some(uid) if accounts.user_by_uid(uid).is_some() => {
            return Err((format!("{prog}: UID {uid} is not unique\n"), 4));
        }
        Some(uid) => uid,
        None => next_id(cx, true),
    };
    let gid = match &user.group {
        Some(g) => match accounts.group(g).map(|g| g.gid).or_else(|| {
            g.parse::<u32>()
                .ok()
                .filter(|gid| accounts.group_by_gid(*gid).is_some())
        }) {
            Some(gid) => gid,
            None => return Err((format!("{prog}: group '{g}' does not exist\n"), 6)),
        },
        None => {
            if accounts.group(&user.name).is_some() {
                return Err((
                    format!(
                        "{prog}: group {} exists - if you want to add this user to that group, use -g.\n",
                        user.name
                    ),
                    9,
                ));
            }
            let gid = if accounts.group_by_gid(uid).is_none() {
                uid
            } else {
                next_id(cx, false)
            };
            append(cx, "/etc/group", &format!("{}:x:{gid}:", user.name));
            append(cx, "/etc/gshadow", &format!("{}:!::", user.name));
            gid
        }
    };
    let home = user
        .home
        .clone()
        .unwrap_or_else(|| format!("/home/{}", user.name));
    append(
        cx,
        "/etc/passwd",
        &format!(
            "{}:x:{uid}:{gid}:{}:{home}:{}",
            user.name, user.comment, user.shell
        ),
    );
    let day = days(cx);
    append(
        cx,
        "/etc/shadow",
        &format!("{}:{}:{day}:0:99999:7:::", user.name, user.password),
    );
    if !user.groups.is_empty() {
        add_to_groups(cx, &user.name, &user.groups);
    }
    if user.create_home {
        make_home(cx, &home, uid, gid);
    }
    Ok((uid, gid))
}

/// `useradd`.
pub struct Useradd;

const USERADD_USAGE: &str = "Usage: useradd [options] LOGIN\n       useradd -D\n       useradd -D [options]\n\nOptions:\n      --badnames                do not check for bad names\n  -b, --base-dir BASE_DIR       base directory for the home directory of the\n                                new account\n      --btrfs-subvolume-home    use BTRFS subvolume for home directory\n  -c, --comment COMMENT         GECOS field of the new account\n  -d, --home-dir HOME_DIR       home directory of the new account\n  -D, --defaults                print or change default useradd configuration\n  -e, --expiredate EXPIRE_DATE  expiration date of the new account\n  -f, --inactive INACTIVE       password inactivity period of the new account\n  -g, --gid GROUP               name or ID of the primary group of the new\n                                account\n  -G, --groups GROUPS           list of supplementary groups of the new\n                                account\n  -h, --help                    display this help message and exit\n  -k, --skel SKEL_DIR           use this alternative skeleton directory\n  -K, --key KEY=VALUE           override /etc/login.defs defaults\n  -l, --no-log-init             do not add the user to the lastlog and\n                                faillog databases\n  -m, --create-home             create the user's home directory\n  -M, --no-create-home          do not create the user's home directory\n  -N, --no-user-group           do not create a group with the same name as\n                                the user\n  -o, --non-unique              allow to create users with duplicate\n                                (non-unique) UID\n  -p, --password PASSWORD       encrypted password of the new account\n  -r, --system                  create a system account\n  -R, --root CHROOT_DIR         directory to chroot into\n  -P, --prefix PREFIX_DIR       prefix directory where are located the /etc/* files\n  -s, --shell SHELL             login shell of the new account\n  -u, --uid UID                 user ID of the new account\n  -U, --user-group              create a user group with the same name as the user\n  -Z, --selinux-user SEUSER     use a specific SEUSER for the SELinux user mapping\n      --extrausers              Use the extra users database\n\n";

impl Command for Useradd {
    fn names(&self) -> &'static [&'static str] {
        &["useradd", "/usr/sbin/useradd", "/sbin/useradd"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut user = NewUser {
            name: String::new(),
            uid: None,
            group: None,
            groups: Vec::new(),
            home: None,
            shell: "/bin/sh".to_owned(),
            comment: String::new(),
            password: "!".to_owned(),
            create_home: false,
        };
        let mut names = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            let mut take = |what: &str| -> Result<String, String> {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("useradd: option requires an argument -- '{what}'\n"))
            };
            let result = match arg.as_str() {
                "-h" | "--help" => {
                    cx.out(USERADD_USAGE);
                    return 0;
                }
                "-m" | "--create-home" => {
                    user.create_home = true;
                    Ok(())
                }
                "-M" | "--no-create-home" | "-N" | "--no-user-group" | "-U" | "--user-group"
                | "-o" | "--non-unique" | "-r" | "--system" | "-l" | "--no-log-init" => Ok(()),
                "-s" | "--shell" => take("s").map(|v| user.shell = v),
                "-c" | "--comment" => take("c").map(|v| user.comment = v),
                "-d" | "--home-dir" => take("d").map(|v| user.home = Some(v)),
                "-p" | "--password" => take("p").map(|v| user.password = v),
                "-g" | "--gid" => take("g").map(|v| user.group = Some(v)),
                "-G" | "--groups" => take("G").map(|v| {
                    user.groups = v
                        .split(',')
                        .filter(|g| !g.is_empty())
                        .map(str::to_owned)
                        .collect();
                }),
                "-u" | "--uid" => match take("u") {
                    Ok(v) => match v.parse::<u32>() {
                        Ok(uid) => {
                            user.uid = Some(uid);
                            Ok(())
                        }
                        Err(_) => Err(format!("useradd: invalid user ID '{v}'\n")),
                    },
                    Err(e) => Err(e),
                },
                "-e" | "-f" | "-k" | "-K" | "-b" | "-R" | "-P" | "-Z" => take("e").map(|_| ()),
                a if a.starts_with('-') && a.len() > 1 => Err(format!(
                    "useradd: unrecognized option '{a}'\n{USERADD_USAGE}"
                )),
                a => {
                    names.push(a.to_owned());
                    Ok(())
                }
            };
            if let Err(message) = result {
                cx.err(message);
                return 2;
            }
        }
        let [name] = names.as_slice() else {
            cx.err(USERADD_USAGE);
            return 2;
        };
        if !cx.fs.cred().is_root() {
            cx.err(
                "useradd: Permission denied.\nuseradd: cannot lock /etc/passwd; try again later.\n",
            );
            return 1;
        }
        if !valid_name(name) {
            cx.err(format!("useradd: invalid user name '{name}'\n"));
            return 3;
        }
        user.name = name.clone();
        match create_user(cx, "useradd", &user) {
            Ok(_) => 0,
            Err((message, status)) => {
                cx.err(message);
                status
            }
        }
    }
}

/// `userdel`.
pub struct Userdel;

impl Command for Userdel {
    fn names(&self) -> &'static [&'static str] {
        &["userdel", "/usr/sbin/userdel", "/sbin/userdel"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let remove = argv
            .iter()
            .skip(1)
            .any(|a| a == "-r" || a == "--remove" || a == "-rf" || a == "-fr");
        let names: Vec<&String> = argv
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let [name] = names.as_slice() else {
            cx.err("Usage: userdel [options] LOGIN\n\nOptions:\n  -f, --force                   force some actions that would fail otherwise\n                                e.g. removal of user still logged in\n                                or files, even if not owned by the user\n  -h, --help                    display this help message and exit\n  -r, --remove                  remove home directory and mail spool\n  -R, --root CHROOT_DIR         directory to chroot into\n  -P, --prefix PREFIX_DIR       prefix directory where are located the /etc/* files\n      --extrausers              Use the extra users database\n  -Z, --selinux-user            remove any SELinux user mapping for the user\n\n");
            return 2;
        };
        if !cx.fs.cred().is_root() {
            cx.err(
                "userdel: Permission denied.\nuserdel: cannot lock /etc/passwd; try again later.\n",
            );
            return 1;
        }
        let accounts = cx.fs.accounts();
        let Some(user) = accounts.user(name).cloned() else {
            cx.err(format!("userdel: user '{name}' does not exist\n"));
            return 6;
        };
        if user.name == cx.state.user || cx.host.services.iter().any(|s| s.user == user.name) {
            let pid = cx
                .host
                .services
                .iter()
                .find(|s| s.user == user.name)
                .map_or(cx.host.pid_at(cx.host.uptime_secs(cx.now())), |s| s.pid);
            cx.err(format!(
                "userdel: user {name} is currently used by process {pid}\n"
            ));
            return 8;
        }
        let strip = |text: String, field: &str| -> String {
            text.lines()
                .filter(|l| l.split(':').next() != Some(field))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        for path in ["/etc/passwd", "/etc/shadow"] {
            let text = strip(read(cx, path), name);
            write(cx, path, &text);
        }
        let own_group = accounts
            .group_by_gid(user.gid)
            .filter(|g| g.name == user.name && g.members.iter().all(|m| m == *name))
            .map(|g| g.name.clone());
        let mut groups = String::new();
        for line in read(cx, "/etc/group").lines() {
            let mut fields: Vec<String> = line.split(':').map(str::to_owned).collect();
            if own_group.as_deref() == fields.first().map(String::as_str) {
                continue;
            }
            if let Some(members) = fields.get_mut(3) {
                *members = members
                    .split(',')
                    .filter(|m| m != name && !m.is_empty())
                    .collect::<Vec<_>>()
                    .join(",");
            }
            groups.push_str(&fields.join(":"));
            groups.push('\n');
        }
        write(cx, "/etc/group", &groups);
        if let Some(group) = &own_group {
            let text = strip(read(cx, "/etc/gshadow"), group);
            write(cx, "/etc/gshadow", &text);
        }
        if remove {
            cx.err(format!(
                "userdel: {name} mail spool (/var/mail/{name}) not found\n"
            ));
            remove_tree(cx, &user.home);
        }
        0
    }
}

/// Removes the tree at `path` (bounded by [`MAX_REMOVE`] entries).
fn remove_tree(cx: &mut CommandCtx<'_>, path: &str) {
    let mut stack = vec![(path.to_owned(), false)];
    let mut visited = 0;
    while let Some((dir, expanded)) = stack.pop() {
        visited += 1;
        if visited > MAX_REMOVE {
            return;
        }
        if !cx.fs.is_dir(&dir) {
            cx.fs.unlink(&dir).ok();
            continue;
        }
        if expanded {
            cx.fs.rmdir(&dir).ok();
            continue;
        }
        stack.push((dir.clone(), true));
        for entry in cx.fs.read_dir(&dir).unwrap_or_default() {
            stack.push((format!("{dir}/{}", entry.name), false));
        }
    }
}

/// `groupadd`.
pub struct Groupadd;

impl Command for Groupadd {
    fn names(&self) -> &'static [&'static str] {
        &["groupadd", "/usr/sbin/groupadd", "/sbin/groupadd"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut gid = None;
        let mut names = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-g" | "--gid" => gid = args.next().and_then(|g| g.parse::<u32>().ok()),
                "-r" | "--system" | "-f" | "--force" | "-o" | "--non-unique" => {}
                a if a.starts_with('-') => {}
                a => names.push(a.to_owned()),
            }
        }
        let [name] = names.as_slice() else {
            cx.err("Usage: groupadd [options] GROUP\n\nOptions:\n  -f, --force                   exit successfully if the group already exists,\n                                and cancel -g if the GID is already used\n  -g, --gid GID                 use GID for the new group\n  -h, --help                    display this help message and exit\n  -K, --key KEY=VALUE           override /etc/login.defs defaults\n  -o, --non-unique              allow to create groups with duplicate\n                                (non-unique) GID\n  -p, --password PASSWORD       use this encrypted password for the new group\n  -r, --system                  create a system account\n  -R, --root CHROOT_DIR         directory to chroot into\n  -P, --prefix PREFIX_DIR       directory prefix\n      --extrausers              Use the extra users database\n\n");
            return 2;
        };
        if !cx.fs.cred().is_root() {
            cx.err("groupadd: Permission denied.\ngroupadd: cannot lock /etc/group; try again later.\n");
            return 10;
        }
        if !valid_name(name) {
            cx.err(format!("groupadd: '{name}' is not a valid group name\n"));
            return 3;
        }
        let accounts = cx.fs.accounts();
        if accounts.group(name).is_some() {
            cx.err(format!("groupadd: group '{name}' already exists\n"));
            return 9;
        }
        if let Some(g) = gid
            && accounts.group_by_gid(g).is_some()
        {
            cx.err(format!("groupadd: GID '{g}' already exists\n"));
            return 4;
        }
        let gid = gid.unwrap_or_else(|| next_id(cx, false));
        append(cx, "/etc/group", &format!("{name}:x:{gid}:"));
        append(cx, "/etc/gshadow", &format!("{name}:!::"));
        0
    }
}

/// `adduser` (Debian's front end): an account with a home, then `passwd` and `chfn`
/// prompts answered from standard input; `adduser USER GROUP` adds a member.
pub struct Adduser;

impl Command for Adduser {
    fn names(&self) -> &'static [&'static str] {
        &["adduser", "/usr/sbin/adduser", "/sbin/adduser"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut gecos: Option<String> = None;
        let mut disabled = false;
        let mut shell = "/bin/bash".to_owned();
        let mut names = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--gecos" => gecos = args.next().cloned(),
                "--disabled-password" | "--disabled-login" => disabled = true,
                "--shell" => shell = args.next().cloned().unwrap_or(shell),
                "--home" | "--uid" | "--gid" | "--ingroup" | "--firstuid" | "--lastuid" => {
                    args.next();
                }
                a if a.starts_with("--") => {}
                a => names.push(a.to_owned()),
            }
        }
        if !cx.fs.cred().is_root() {
            cx.err("adduser: Only root may add a user or group to the system.\n");
            return 1;
        }
        match names.as_slice() {
            [user, group] => {
                let accounts = cx.fs.accounts();
                if accounts.user(user).is_none() {
                    cx.err(format!("adduser: The user `{user}' does not exist.\n"));
                    return 1;
                }
                if accounts.group(group).is_none() {
                    cx.err(format!("adduser: The group `{group}' does not exist.\n"));
                    return 1;
                }
                cx.out(format!(
                    "Adding user `{user}' to group `{group}' ...\nAdding user {user} to group {group}\nDone.\n"
                ));
                add_to_groups(cx, user, std::slice::from_ref(group));
                0
            }
            [name] => add_new(cx, name, gecos, disabled, shell),
            _ => {
                cx.err("adduser: Only one or two names allowed.\n");
                1
            }
        }
    }
}

/// `adduser NAME`: the account, then the password and user information prompts.
fn add_new(
    cx: &mut CommandCtx<'_>,
    name: &str,
    gecos: Option<String>,
    disabled: bool,
    shell: String,
) -> i32 {
    if cx.fs.accounts().user(name).is_some() {
        cx.err(format!("adduser: The user `{name}' already exists.\n"));
        return 1;
    }
    let regex_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && valid_name(name);
    if !regex_ok {
        cx.err("adduser: Please enter a username matching the regular expression configured\nvia the NAME_REGEX[_SYSTEM] configuration variable.  Use the `--force-badname'\noption to relax this check or reconfigure NAME_REGEX.\n");
        return 1;
    }
    let user = NewUser {
        name: name.to_owned(),
        uid: None,
        group: None,
        groups: Vec::new(),
        home: None,
        shell,
        comment: gecos.clone().unwrap_or_default(),
        password: if disabled { "*" } else { "!" }.to_owned(),
        create_home: true,
    };
    let uid = next_id(cx, true);
    let gid = if cx.fs.accounts().group_by_gid(uid).is_none() {
        uid
    } else {
        next_id(cx, false)
    };
    cx.out(format!(
        "Adding user `{name}' ...\nAdding new group `{name}' ({gid}) ...\nAdding new user `{name}' ({uid}) with group `{name}' ...\nCreating home directory `/home/{name}' ...\nCopying files from `/etc/skel' ...\n"
    ));
    if let Err((message, status)) = create_user(cx, "adduser", &user) {
        cx.err(message);
        return status;
    }
    let input = String::from_utf8_lossy(cx.stdin).into_owned();
    let mut lines = input.lines();
    if !disabled {
        cx.out("New password: ");
        let first = lines.next();
        cx.out("\nRetype new password: ");
        let second = lines.next();
        match (first, second) {
            (Some(a), Some(b)) if a == b && !a.is_empty() => {
                cx.out("\npasswd: password updated successfully\n");
            }
            (Some(_), Some(_)) => {
                cx.out("\nSorry, passwords do not match.\npasswd: Authentication token manipulation error\npasswd: password unchanged\nTry again? [y/N] ");
                lines.next();
                cx.out("\n");
            }
            _ => {
                cx.out("\npasswd: Authentication token manipulation error\npasswd: password unchanged\nTry again? [y/N] \n");
            }
        }
    }
    if gecos.is_none() {
        cx.out(format!(
            "Changing the user information for {name}\nEnter the new value, or press ENTER for the default\n\tFull Name []: \tRoom Number []: \tWork Phone []: \tHome Phone []: \tOther []: \nIs the information correct? [Y/n] \n"
        ));
        let text = read(cx, "/etc/passwd").replace(
            &format!("{name}:x:{uid}:{gid}::"),
            &format!("{name}:x:{uid}:{gid}:,,,:"),
        );
        write(cx, "/etc/passwd", &text);
    }
    0
}

#[cfg(test)]
mod tests;
