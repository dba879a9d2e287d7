//! Permissions and ownership: `chmod`, `chown`, `chgrp` (GNU coreutils).

use super::manage::parse_mode;
use super::opts::{self, HELP, Opt, VERSION, flag, long, with_arg};
use super::{help_or_version, prog, quoteaf, usage_error};
use crate::host::fs::{FileType, FsError, Stat};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// Most files one `-R` changes.
const MAX_CHANGED: usize = 50_000;

/// Every path below `root` (itself first), depth first, bounded.
fn walk(cx: &CommandCtx<'_>, root: &str, recursive: bool) -> Vec<String> {
    let mut out = vec![root.to_owned()];
    if !recursive {
        return out;
    }
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        if out.len() >= MAX_CHANGED {
            break;
        }
        // Links met on the way are not followed (-P, the default).
        if cx
            .fs
            .lstat(&dir)
            .is_ok_and(|s| s.file_type != FileType::Directory)
        {
            continue;
        }
        if let Ok(entries) = cx.fs.read_dir(&dir) {
            for entry in entries.iter().rev() {
                let child = format!("{}/{}", dir.trim_end_matches('/'), entry.name);
                out.push(child.clone());
                stack.push(child);
            }
        }
    }
    out
}

/// `chmod`.
pub struct Chmod;

const CHMOD_SPEC: &[Opt] = &[
    flag('c', "changes"),
    flag('f', "silent"),
    long("quiet"),
    flag('v', "verbose"),
    long("no-preserve-root"),
    long("preserve-root"),
    with_arg('\0', "reference"),
    flag('R', "recursive"),
    HELP,
    VERSION,
];

/// `0644 (rw-r--r--)`, as `chmod -v` describes a mode.
fn describe_mode(mode: u32) -> String {
    let stat_like = Stat {
        file_type: FileType::Regular,
        mode,
        uid: 0,
        gid: 0,
        size: 0,
        blocks: 0,
        nlink: 1,
        ino: 0,
        mtime: Default::default(),
        ctime: Default::default(),
        rdev: None,
    };
    format!("{:04o} ({})", mode & 0o7777, &stat_like.mode_string()[1..])
}

impl Command for Chmod {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("chmod")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        // Modes such as `-w` look like options: GNU chmod takes them as the mode.
        let mut raw: Vec<String> = Vec::new();
        let mut mode_arg: Option<String> = None;
        for arg in argv.get(1..).unwrap_or_default() {
            let looks_like_mode = arg.len() > 1
                && arg.starts_with('-')
                && arg[1..]
                    .chars()
                    .all(|c| "rwxXstugoa+-=,0123456789".contains(c))
                && mode_arg.is_none();
            if looks_like_mode && !arg.starts_with("--") {
                mode_arg = Some(arg.clone());
            } else {
                raw.push(arg.clone());
            }
        }
        let args = opts::parse(&prog, &raw, CHMOD_SPEC, true);
        let authors = "David MacKenzie and Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "chmod", authors, |cx| {
            super::help::text(cx, "chmod", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let mut operands = args.operands.clone();
        let reference = args.value("reference").map(str::to_owned);
        let mode_text = match (&reference, mode_arg) {
            (Some(_), _) => None,
            (None, Some(mode)) => Some(mode),
            (None, None) if operands.is_empty() => {
                return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
            }
            (None, None) => Some(operands.remove(0)),
        };
        if operands.is_empty() {
            let message = match &mode_text {
                Some(mode) => format!("{prog}: missing operand after {}\n", cx.quote(mode)),
                None => format!("{prog}: missing operand\n"),
            };
            return usage_error(cx, &prog, &message, 1);
        }
        let reference_mode = match &reference {
            Some(file) => match cx.fs.stat(file) {
                Ok(stat) => Some(stat.mode),
                Err(err) => {
                    let quoted = quoteaf(cx, file);
                    cx.err(format!(
                        "{prog}: failed to get attributes of {quoted}: {err}\n"
                    ));
                    return 1;
                }
            },
            None => None,
        };
        if let Some(text) = &mode_text
            && parse_mode(text, 0, false).is_none()
        {
            let quoted = cx.quote(text);
            return usage_error(cx, &prog, &format!("{prog}: invalid mode: {quoted}\n"), 1);
        }
        let (verbose, changes, silent) = (
            args.has("verbose"),
            args.has("changes"),
            args.has("silent") || args.has("quiet"),
        );
        let mut status = 0;
        for operand in &operands {
            for file in walk(cx, operand, args.has("recursive")) {
                let stat = match cx.fs.stat(&file) {
                    Ok(stat) => stat,
                    Err(err) => {
                        if !silent {
                            let quoted = quoteaf(cx, &file);
                            cx.err(format!("{prog}: cannot access {quoted}: {err}\n"));
                        }
                        status = 1;
                        continue;
                    }
                };
                if cx
                    .fs
                    .lstat(&file)
                    .is_ok_and(|s| s.file_type == FileType::Symlink)
                    && file != *operand
                {
                    continue;
                }
                let new = match (reference_mode, &mode_text) {
                    (Some(mode), _) => mode & 0o7777,
                    (None, Some(text)) => {
                        parse_mode(text, stat.mode, stat.is_dir()).unwrap_or(stat.mode)
                    }
                    (None, None) => stat.mode,
                };
                let quoted = quoteaf(cx, &file);
                match cx.fs.chmod(&file, new) {
                    Ok(()) => {
                        let changed = new != stat.mode & 0o7777;
                        if verbose || (changes && changed) {
                            if changed {
                                cx.out(format!(
                                    "mode of {quoted} changed from {} to {}\n",
                                    describe_mode(stat.mode),
                                    describe_mode(new)
                                ));
                            } else {
                                cx.out(format!(
                                    "mode of {quoted} retained as {}\n",
                                    describe_mode(new)
                                ));
                            }
                        }
                    }
                    Err(err) => {
                        if !silent {
                            cx.err(format!("{prog}: changing permissions of {quoted}: {err}\n"));
                        }
                        status = 1;
                    }
                }
            }
        }
        status
    }
}

const OWN_SPEC: &[Opt] = &[
    flag('c', "changes"),
    flag('f', "silent"),
    long("quiet"),
    flag('v', "verbose"),
    flag('h', "no-dereference"),
    long("dereference"),
    with_arg('\0', "from"),
    long("no-preserve-root"),
    long("preserve-root"),
    with_arg('\0', "reference"),
    flag('R', "recursive"),
    opts::short('H', "H"),
    opts::short('L', "L"),
    opts::short('P', "P"),
    HELP,
    VERSION,
];

/// Shared by `chown` and `chgrp`.
fn change_owner(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    name: &str,
    argv: &[String],
    group_only: bool,
) -> i32 {
    let args = opts::parse(prog, argv.get(1..).unwrap_or_default(), OWN_SPEC, true);
    let authors = "David MacKenzie and Jim Meyering";
    if let Some(status) = help_or_version(cx, &args, name, authors, |cx| {
        super::help::text(cx, name, prog).unwrap_or_default()
    }) {
        return status;
    }
    if let Some(error) = &args.error {
        return usage_error(cx, prog, error, 1);
    }
    let mut operands = args.operands.clone();
    let accounts = cx.fs.accounts();
    let (uid, gid) = if let Some(reference) = args.value("reference") {
        match cx.fs.stat(reference) {
            Ok(stat) => ((!group_only).then_some(stat.uid), Some(stat.gid)),
            Err(err) => {
                let quoted = quoteaf(cx, reference);
                cx.err(format!(
                    "{prog}: failed to get attributes of {quoted}: {err}\n"
                ));
                return 1;
            }
        }
    } else {
        if operands.is_empty() {
            return usage_error(cx, prog, &format!("{prog}: missing operand\n"), 1);
        }
        let spec = operands.remove(0);
        let lookup_user = |text: &str| {
            accounts
                .user(text)
                .map(|u| u.uid)
                .or_else(|| text.parse::<u32>().ok())
        };
        let lookup_group = |text: &str| {
            accounts
                .group(text)
                .map(|g| g.gid)
                .or_else(|| text.parse::<u32>().ok())
        };
        if group_only {
            match lookup_group(&spec) {
                Some(gid) => (None, Some(gid)),
                None => {
                    let quoted = cx.quote(&spec);
                    cx.err(format!("{prog}: invalid group: {quoted}\n"));
                    return 1;
                }
            }
        } else {
            let (user, group) = match spec.split_once(':').or_else(|| spec.split_once('.')) {
                Some((user, group)) => (user, Some(group)),
                None => (spec.as_str(), None),
            };
            let uid = if user.is_empty() {
                None
            } else {
                match lookup_user(user) {
                    Some(uid) => Some(uid),
                    None => {
                        let quoted = cx.quote(user);
                        cx.err(format!("{prog}: invalid user: {quoted}\n"));
                        return 1;
                    }
                }
            };
            let gid = match group {
                // `user:` means the user's login group.
                Some("") => uid.and_then(|u| accounts.user_by_uid(u).map(|x| x.gid)),
                Some(group) => match lookup_group(group) {
                    Some(gid) => Some(gid),
                    None => {
                        let quoted = cx.quote(group);
                        cx.err(format!("{prog}: invalid group: {quoted}\n"));
                        return 1;
                    }
                },
                None => None,
            };
            (uid, gid)
        }
    };
    if operands.is_empty() {
        let message = match argv.iter().skip(1).find(|a| !a.starts_with('-')) {
            Some(spec) => format!("{prog}: missing operand after {}\n", cx.quote(spec)),
            None => format!("{prog}: missing operand\n"),
        };
        return usage_error(cx, prog, &message, 1);
    }
    let follow = !args.has("no-dereference");
    let silent = args.has("silent") || args.has("quiet");
    let verb = if group_only { "group" } else { "ownership" };
    let mut status = 0;
    for operand in &operands {
        for file in walk(cx, operand, args.has("recursive")) {
            let top = file == *operand;
            let result = cx.fs.chown(&file, uid, gid, follow && top);
            match result {
                Ok(()) => {
                    if args.has("verbose") {
                        let quoted = quoteaf(cx, &file);
                        cx.out(format!("changed {verb} of {quoted}\n"));
                    }
                }
                Err(err) => {
                    if !silent {
                        let quoted = quoteaf(cx, &file);
                        let message = match err {
                            FsError::NotFound | FsError::NotADirectory | FsError::Loop => {
                                format!("{prog}: cannot access {quoted}: {err}\n")
                            }
                            _ => format!("{prog}: changing {verb} of {quoted}: {err}\n"),
                        };
                        cx.err(message);
                    }
                    status = 1;
                }
            }
        }
    }
    status
}

/// `chown`.
pub struct Chown;

impl Command for Chown {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("chown")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        change_owner(cx, &prog, "chown", argv, false)
    }
}

/// `chgrp`.
pub struct Chgrp;

impl Command for Chgrp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("chgrp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        change_owner(cx, &prog, "chgrp", argv, true)
    }
}
