//! File systems: `df` (GNU coreutils) and `mount` (util-linux).
//!
//! Both list [`HostProfile::mounts`](crate::host::HostProfile::mounts), as `/proc/mounts`
//! does, with the session's `/run/user/<uid>` tmpfs. `df` sizes columns to their widest cell
//! and rounds `-h` sizes up, as coreutils does.

use super::toolkit::{parse, short_name};
use super::{Command, CommandCtx, try_help, usr_bin};
use crate::host::storage::Mount;

/// The mounts the session sees.
fn session_mounts(cx: &CommandCtx<'_>) -> Vec<Mount> {
    let uid = cx.host.session_uid(&cx.state.user);
    let uptime = cx.host.uptime_secs(cx.now());
    cx.host
        .mounts((!cx.state.tty.is_empty()).then_some(uid), uptime)
}

/// gnulib's `human_readable` with autoscaling and ceiling rounding, for `n` units of
/// `unit` bytes; `base` 1024 (`-h`) or 1000 (`-H`).
pub(crate) fn human(n: u64, unit: u64, base: u64) -> String {
    let mut amt = u128::from(n) * u128::from(unit);
    let base128 = u128::from(base);
    let (mut tenths, mut rounding) = (0u128, 0u128);
    let mut exponent = 0usize;
    let mut point = None;
    if base128 <= amt {
        while base128 <= amt && exponent < 8 {
            let r10 = (amt % base128) * 10 + tenths;
            let r2 = (r10 % base128) * 2 + (rounding >> 1);
            amt /= base128;
            tenths = r10 / base128;
            rounding = if r2 < base128 {
                u128::from(r2 + rounding != 0)
            } else {
                2 + u128::from(base128 < r2 + rounding)
            };
            exponent += 1;
        }
        if amt < 10 {
            if rounding > 0 {
                tenths += 1;
                rounding = 0;
                if tenths == 10 {
                    amt += 1;
                    tenths = 0;
                }
            }
            if amt < 10 {
                point = Some(tenths);
                tenths = 0;
                rounding = 0;
            }
        }
    }
    if tenths + rounding > 0 {
        amt += 1;
        if amt == base128 && exponent < 8 && point.is_none() {
            amt = 1;
            exponent += 1;
            point = Some(0);
        }
    }
    let suffix = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"][exponent];
    match point {
        Some(t) => format!("{amt}.{t}{suffix}"),
        None => format!("{amt}{suffix}"),
    }
}

/// `Use%`: used over used + available, rounded up.
fn percent(used: u64, avail: u64) -> String {
    let total = used + avail;
    if total == 0 {
        return "-".to_owned();
    }
    let u100 = used * 100;
    format!("{}%", u100 / total + u64::from(!u100.is_multiple_of(total)))
}

/// `df`.
pub struct Df;

impl Command for Df {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("df")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("df", String::as_str);
        let table = [
            ('a', "all", false),
            ('B', "block-size", true),
            ('h', "human-readable", false),
            ('H', "si", false),
            ('i', "inodes", false),
            ('k', "k", false),
            ('l', "local", false),
            ('\0', "no-sync", false),
            ('\0', "output", false),
            ('P', "portability", false),
            ('\0', "sync", false),
            ('\0', "total", false),
            ('t', "type", true),
            ('T', "print-type", false),
            ('x', "exclude-type", true),
            ('m', "m", false),
            ('v', "v", false),
            ('\0', "help", false),
            ('\0', "version", false),
        ];
        let (opts, operands) = match parse(prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(prog));
                return 1;
            }
        };
        let (mut all, mut inodes, mut show_type, mut total) = (false, false, false, false);
        let mut base: Option<u64> = None;
        let mut block: u64 = 1024;
        let mut types = Vec::new();
        let mut excluded = Vec::new();
        for opt in &opts {
            match opt.name {
                "help" => {
                    let text = format!(
                        "Usage: {prog} [OPTION]... [FILE]...\nShow information about the file system on which each FILE resides,\nor all file systems by default.\n{}{}",
                        cx.coreutils_help_options(),
                        cx.coreutils_help_footer("df")
                    );
                    cx.out(text);
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text(
                        "df",
                        "Torbjorn Granlund, David MacKenzie, and Paul Eggert",
                    );
                    cx.out(text);
                    return 0;
                }
                "all" => all = true,
                "human-readable" => base = Some(1024),
                "si" => base = Some(1000),
                "inodes" => inodes = true,
                "k" => {
                    block = 1024;
                    base = None;
                }
                "m" => {
                    block = 1024 * 1024;
                    base = None;
                }
                "print-type" => show_type = true,
                "total" => total = true,
                "type" => types.push(opt.value.clone().unwrap_or_default()),
                "exclude-type" => excluded.push(opt.value.clone().unwrap_or_default()),
                "block-size" => {
                    let v = opt.value.clone().unwrap_or_default();
                    match parse_block_size(&v) {
                        Some(b) => block = b,
                        None => {
                            let text =
                                format!("{prog}: invalid --block-size argument {}\n", cx.quote(&v));
                            cx.err(text);
                            return 1;
                        }
                    }
                }
                _ => {}
            }
        }
        let mounts = session_mounts(cx);
        let mut chosen: Vec<&Mount> = Vec::new();
        let mut status = 0;
        if operands.is_empty() {
            chosen = mounts
                .iter()
                .filter(|m| all || m.listed)
                .filter(|m| types.is_empty() || types.contains(&m.fstype))
                .filter(|m| !excluded.contains(&m.fstype))
                .collect();
        } else {
            for path in &operands {
                let absolute = if path.starts_with('/') {
                    path.clone()
                } else {
                    format!("{}/{path}", cx.state.cwd)
                };
                // The mount with the longest prefix; pseudo mounts count too.
                let best = mounts
                    .iter()
                    .filter(|m| {
                        absolute == m.dir
                            || absolute.starts_with(&format!("{}/", m.dir.trim_end_matches('/')))
                            || m.dir == "/"
                    })
                    .max_by_key(|m| m.dir.len());
                match best {
                    Some(m) => chosen.push(m),
                    None => {
                        let text =
                            format!("{prog}: {}: No such file or directory\n", cx.quote(path));
                        cx.err(text);
                        status = 1;
                    }
                }
            }
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        let size_header = match (base, inodes) {
            (_, true) => "Inodes".to_owned(),
            (Some(_), false) => "Size".to_owned(),
            (None, false) => match block {
                1024 => "1K-blocks".to_owned(),
                1_048_576 => "1M-blocks".to_owned(),
                b => format!("{b}B-blocks"),
            },
        };
        let mut header = vec!["Filesystem".to_owned()];
        if show_type {
            header.push("Type".to_owned());
        }
        if inodes {
            header.extend(["Inodes", "IUsed", "IFree", "IUse%"].map(str::to_owned));
        } else {
            header.push(size_header);
            header.push("Used".to_owned());
            header.push(if base.is_some() { "Avail" } else { "Available" }.to_owned());
            header.push("Use%".to_owned());
        }
        header.push("Mounted on".to_owned());
        rows.push(header);
        let show = |kb: u64| match base {
            Some(b) => human(kb, 1024, b),
            None => (kb * 1024).div_ceil(block).to_string(),
        };
        let show_count = |n: u64| match base {
            Some(b) => human(n, 1, b),
            None => n.to_string(),
        };
        let mut sums = [0u64; 3];
        for m in &chosen {
            let mut row = vec![m.device.clone()];
            if show_type {
                row.push(m.fstype.clone());
            }
            if inodes {
                let free = m.inodes.saturating_sub(m.iused);
                row.push(show_count(m.inodes));
                row.push(show_count(m.iused));
                row.push(show_count(free));
                row.push(percent(m.iused, free));
                sums[0] += m.inodes;
                sums[1] += m.iused;
                sums[2] += free;
            } else {
                row.push(show(m.size_kb));
                row.push(show(m.used_kb));
                row.push(show(m.avail_kb));
                row.push(percent(m.used_kb, m.avail_kb));
                sums[0] += m.size_kb;
                sums[1] += m.used_kb;
                sums[2] += m.avail_kb;
            }
            row.push(m.dir.clone());
            rows.push(row);
        }
        if total {
            let mut row = vec!["total".to_owned()];
            if show_type {
                row.push("-".to_owned());
            }
            if inodes {
                row.extend([
                    show_count(sums[0]),
                    show_count(sums[1]),
                    show_count(sums[2]),
                ]);
            } else {
                row.extend([show(sums[0]), show(sums[1]), show(sums[2])]);
            }
            row.push(percent(sums[1], sums[2]));
            row.push("-".to_owned());
            rows.push(row);
        }
        cx.out(render(&rows, show_type));
        status
    }
}

/// `-B` sizes: `1K`, `1M`, `4096`, `KB`…
fn parse_block_size(v: &str) -> Option<u64> {
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &v[digits.len()..];
    let n: u64 = if digits.is_empty() {
        1
    } else {
        digits.parse().ok()?
    };
    let mult: u64 = match suffix {
        "" => 1,
        "K" | "KiB" | "k" => 1024,
        "KB" => 1000,
        "M" | "MiB" => 1 << 20,
        "MB" => 1_000_000,
        "G" | "GiB" => 1 << 30,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(mult).filter(|b| *b > 0)
}

/// coreutils' table: every column as wide as its widest cell (or its minimum), one space apart; the file
/// system, type and mount point left-aligned, numbers right-aligned; no trailing spaces.
fn render(rows: &[Vec<String>], show_type: bool) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    // coreutils' minimum widths: Filesystem 14, Type 4, numbers 5, percentages 4.
    let mut widths: Vec<usize> = (0..cols)
        .map(|i| {
            let header = rows
                .first()
                .and_then(|r| r.get(i))
                .map_or("", String::as_str);
            match header {
                "Filesystem" => 14,
                "Type" => 4,
                "Use%" | "IUse%" => 4,
                "Mounted on" => 0,
                _ => 5,
            }
        })
        .collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            let w = widths[i];
            let left = i == 0 || (show_type && i == 1) || i + 1 == cols;
            if i + 1 == cols {
                line.push_str(cell);
            } else if left {
                line.push_str(&format!("{cell:<w$}"));
            } else {
                line.push_str(&format!("{cell:>w$}"));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `mount`: with no arguments, lists the mounted file systems.
pub struct MountCmd;

impl Command for MountCmd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("mount")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "mount");
        let table = [
            ('a', "all", false),
            ('l', "show-labels", false),
            ('t', "types", true),
            ('o', "options", true),
            ('r', "read-only", false),
            ('w', "rw", false),
            ('v', "verbose", false),
            ('n', "no-mtab", false),
            ('f', "fake", false),
            ('B', "bind", false),
            ('h', "help", false),
            ('V', "version", false),
        ];
        let (opts, operands) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(format!(
                    "{message}Try '{prog} --help' for more information.\n"
                ));
                return 1;
            }
        };
        if opts.iter().any(|o| o.name == "version") {
            let version = cx.host.release().util_linux;
            cx.out(format!("{prog} from util-linux {version} (libmount {version}: selinux, smack, btrfs, verity, namespaces, assert, debug)\n"));
            return 0;
        }
        if opts.iter().any(|o| o.name == "help") {
            cx.out(format!(
                "\nUsage:\n {prog} [-lhV]\n {prog} -a [options]\n {prog} [options] [--source] <source> | [--target] <directory>\n {prog} [options] <source> <directory>\n {prog} <operation> <mountpoint> [<target>]\n\nMount a filesystem.\n\nFor more details see mount(8).\n"
            ));
            return 0;
        }
        let all = opts.iter().any(|o| o.name == "all");
        if operands.is_empty() && !all {
            let types: Vec<String> = opts
                .iter()
                .filter(|o| o.name == "types")
                .filter_map(|o| o.value.clone())
                .flat_map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>())
                .collect();
            let text: String = session_mounts(cx)
                .iter()
                .filter(|m| types.is_empty() || types.contains(&m.fstype))
                .map(|m| {
                    format!(
                        "{} on {} type {} ({})\n",
                        m.device, m.dir, m.fstype, m.options
                    )
                })
                .collect();
            cx.out(text);
            return 0;
        }
        if !cx.state.is_root() {
            cx.err(format!("{prog}: only root can do that\n"));
            return 1;
        }
        if all {
            return 0;
        }
        // Nothing is mounted for real; report what a missing source looks like.
        let (source, target) = match operands.as_slice() {
            [one] => (one.clone(), one.clone()),
            [source, target, ..] => (source.clone(), target.clone()),
            [] => return 0,
        };
        if operands.len() == 1 {
            cx.err(format!("{prog}: {target}: can't find in /etc/fstab.\n"));
        } else {
            cx.err(format!(
                "{prog}: {target}: special device {source} does not exist.\n"
            ));
        }
        32
    }
}

#[cfg(test)]
mod tests;
