//! `lsattr` and `chattr` (e2fsprogs) on the fake ext4 root. Every file has the extents flag;
//! flags root sets with `chattr` are kept per canonical path in the session's
//! [`AdminState`](super::admin_state::AdminState).

use std::collections::BTreeSet;

use super::admin_state::MAX_ATTR_PATHS;
use super::{Command, CommandCtx, usr_bin};
use crate::host::release::Series;

/// The flag letters in `lsattr` order (e2fsprogs 1.46: 22 flags; 1.45 has the first 20).
const FLAGS: [char; 22] = [
    's', 'u', 'S', 'D', 'i', 'a', 'd', 'A', 'c', 'E', 'j', 'I', 't', 'T', 'e', 'C', 'x', 'F', 'N',
    'P', 'V', 'm',
];

/// The letters `chattr` accepts.
const SETTABLE: &str = "aAcCdDeFijmPsStTux";

/// Whether `path` (canonical) is on a filesystem without ext4 flags (`/proc`, `/sys`, the
/// tmpfs mounts).
fn pseudo(path: &str) -> bool {
    ["/proc", "/sys", "/dev", "/run"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// The flag column for a file with `flags`.
fn column(cx: &CommandCtx<'_>, flags: &BTreeSet<char>) -> String {
    let count = if cx.host.series() == Series::Focal {
        20
    } else {
        22
    };
    FLAGS
        .iter()
        .take(count)
        .map(|f| {
            if *f == 'e' || flags.contains(f) {
                *f
            } else {
                '-'
            }
        })
        .collect()
}

/// `lsattr`.
pub struct Lsattr;

impl Command for Lsattr {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("lsattr")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut dirs_only = false;
        let mut all = false;
        let mut files = Vec::new();
        for arg in argv.iter().skip(1) {
            if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
                for c in flags.chars() {
                    match c {
                        'd' => dirs_only = true,
                        'a' => all = true,
                        'R' | 'v' | 'l' | 'p' => {}
                        'V' => {
                            cx.err("lsattr 1.46.5 (30-Dec-2021)\n");
                            return 0;
                        }
                        _ => {
                            cx.err(format!(
                                "lsattr: invalid option -- '{c}'\nUsage: lsattr [-RVadlpv] [files...]\n"
                            ));
                            return 1;
                        }
                    }
                }
            } else {
                files.push(arg.clone());
            }
        }
        let listing_cwd = files.is_empty();
        if listing_cwd {
            files.push(".".to_owned());
        }
        let mut status = 0;
        let mut out = String::new();
        for file in &files {
            let (canonical, node) = match cx.fs.lookup(file, true) {
                Ok(found) => found,
                Err(e) => {
                    cx.out(std::mem::take(&mut out));
                    cx.err(format!("lsattr: {e} while trying to stat {file}\n"));
                    status = 1;
                    continue;
                }
            };
            if node.dir().is_some() && !dirs_only {
                let entries = match cx.fs.read_dir(file) {
                    Ok(entries) => entries,
                    Err(e) => {
                        cx.out(std::mem::take(&mut out));
                        cx.err(format!("lsattr: {e} while opening directory {file}\n"));
                        status = 1;
                        continue;
                    }
                };
                for entry in entries {
                    if entry.name.starts_with('.') && !all {
                        continue;
                    }
                    if out.len() > cx.output_room() {
                        break;
                    }
                    let path = format!("{file}/{}", entry.name);
                    let child = format!("{}/{}", canonical.trim_end_matches('/'), entry.name);
                    match one(cx, &child) {
                        Ok(flags) => out.push_str(&format!("{flags} {path}\n")),
                        Err(e) => {
                            cx.out(std::mem::take(&mut out));
                            cx.err(format!("lsattr: {e} While reading flags on {path}\n"));
                            status = 1;
                        }
                    }
                }
                continue;
            }
            match one(cx, &canonical) {
                Ok(flags) => out.push_str(&format!("{flags} {file}\n")),
                Err(e) => {
                    cx.out(std::mem::take(&mut out));
                    cx.err(format!("lsattr: {e} While reading flags on {file}\n"));
                    status = 1;
                }
            }
        }
        cx.out(out);
        status
    }
}

/// The flag column of the file at canonical `path`, or why it cannot be read.
fn one(cx: &CommandCtx<'_>, path: &str) -> Result<String, String> {
    if pseudo(path) {
        return Err("Inappropriate ioctl for device".to_owned());
    }
    if let Err(e) = cx.fs.access(path, crate::host::fs::Access::Read)
        && !cx.fs.is_dir(path)
    {
        return Err(e.to_string());
    }
    let empty = BTreeSet::new();
    let flags = cx.state.admin.attrs.get(path).unwrap_or(&empty);
    Ok(column(cx, flags))
}

/// `chattr`.
pub struct Chattr;

const CHATTR_USAGE: &str = "Usage: chattr [-pRVf] [-+=aAcCdDeijPsStTuFx] [-v version] files...\n";

impl Command for Chattr {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("chattr")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut add = BTreeSet::new();
        let mut remove = BTreeSet::new();
        let mut set: Option<BTreeSet<char>> = None;
        let mut quiet = false;
        let mut files = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if !files.is_empty() {
                files.push(arg.clone());
                continue;
            }
            let mut chars = arg.chars();
            match chars.next() {
                Some('-') if arg.len() > 1 && arg.chars().skip(1).all(|c| "RVf".contains(c)) => {
                    quiet |= arg.contains('f');
                }
                Some('-') if arg == "-v" || arg == "-p" => {
                    args.next();
                }
                Some(op @ ('+' | '-' | '=')) if arg.len() > 1 => {
                    let letters: BTreeSet<char> = chars.collect();
                    if let Some(bad) = letters.iter().find(|c| !SETTABLE.contains(**c)) {
                        cx.err(format!("chattr: bad attribute: {bad}\n{CHATTR_USAGE}"));
                        return 1;
                    }
                    match op {
                        '+' => add.extend(letters),
                        '-' => remove.extend(letters),
                        _ => set = Some(letters),
                    }
                }
                _ => files.push(arg.clone()),
            }
        }
        if files.is_empty() || (add.is_empty() && remove.is_empty() && set.is_none()) {
            cx.err(CHATTR_USAGE);
            return 1;
        }
        let uid = cx.host.session_uid(&cx.state.user);
        let mut status = 0;
        for file in &files {
            let (canonical, _) = match cx.fs.lookup(file, true) {
                Ok(found) => found,
                Err(e) => {
                    cx.err(format!("chattr: {e} while trying to stat {file}\n"));
                    status = 1;
                    continue;
                }
            };
            if pseudo(&canonical) {
                if !quiet {
                    cx.err(format!(
                        "chattr: Inappropriate ioctl for device while reading flags on {file}\n"
                    ));
                }
                status = 1;
                continue;
            }
            // Only root (CAP_LINUX_IMMUTABLE) may change these flags, even on its own files.
            if uid != 0 {
                if !quiet {
                    cx.err(format!(
                        "chattr: Operation not permitted while setting flags on {file}\n"
                    ));
                }
                status = 1;
                continue;
            }
            let admin = &mut cx.state.admin;
            if !admin.attrs.contains_key(&canonical) && admin.attrs.len() >= MAX_ATTR_PATHS {
                cx.err(format!(
                    "chattr: No space left on device while setting flags on {file}\n"
                ));
                status = 1;
                continue;
            }
            let flags = admin.attrs.entry(canonical.clone()).or_default();
            if let Some(exact) = &set {
                *flags = exact.clone();
            }
            flags.extend(add.iter().copied());
            for f in &remove {
                flags.remove(f);
            }
            flags.remove(&'e');
            if flags.is_empty() {
                admin.attrs.remove(&canonical);
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from e2fsprogs 1.46.5 (Ubuntu 22.04).

    use crate::shell::commands::testing::{run_as, run_status};

    #[test]
    fn lsattr_shows_extents_and_chattr_flags() {
        assert_eq!(
            run_status("lsattr /etc/passwd"),
            ("--------------e------- /etc/passwd\n".into(), 0)
        );
        assert_eq!(
            run_status("chattr +i /etc/passwd; lsattr /etc/passwd"),
            ("----i---------e------- /etc/passwd\n".into(), 0)
        );
        assert_eq!(
            run_status("chattr +ia /etc/passwd; chattr -i /etc/passwd; lsattr /etc/passwd"),
            ("-----a--------e------- /etc/passwd\n".into(), 0)
        );
        assert_eq!(
            run_status("lsattr -d /etc"),
            ("--------------e------- /etc\n".into(), 0)
        );
        assert_eq!(
            run_status("lsattr nosuch"),
            (
                "lsattr: No such file or directory while trying to stat nosuch\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("lsattr /proc/cpuinfo"),
            (
                "lsattr: Inappropriate ioctl for device While reading flags on /proc/cpuinfo\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn chattr_needs_root() {
        let outcome = run_as("deploy", "chattr +i /etc/passwd");
        assert_eq!(
            String::from_utf8_lossy(&outcome.output),
            "chattr: Operation not permitted while setting flags on /etc/passwd\n"
        );
        assert_eq!(outcome.status, 1);
        assert_eq!(run_status("chattr"), (super::CHATTR_USAGE.into(), 1));
        assert_eq!(
            run_status("chattr +i nosuch"),
            (
                "chattr: No such file or directory while trying to stat nosuch\n".into(),
                1
            )
        );
    }
}
