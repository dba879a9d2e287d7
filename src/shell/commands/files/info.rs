//! What a file is: `stat` (GNU coreutils) and `file` (file(1) 5.38–5.45).

use super::opts::{self, HELP, Opt, VERSION, flag, with_arg};
use super::{help_or_version, prog, quoteaf, shell_quote, usage_error};
use crate::host::fs::{Data, FileType, Kind, Stat as FsStat, Timestamp, path};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `stat`.
pub struct Stat;

const STAT_SPEC: &[Opt] = &[
    flag('L', "dereference"),
    flag('f', "file-system"),
    with_arg('c', "format"),
    with_arg('\0', "printf"),
    flag('t', "terse"),
    with_arg('\0', "cached"),
    HELP,
    VERSION,
];

/// The device numbers of the root file system: its partition of the host's disk (or the LVM
/// volume), as the kernel numbers them.
fn root_device(host: &crate::host::HostProfile) -> (u32, u32) {
    let storage = &host.storage;
    if storage.root_device.contains("/mapper/") {
        (253, 0)
    } else if storage.disk.starts_with("nvme") {
        (259, 1)
    } else if storage.disk.starts_with("xvd") {
        (202, 1)
    } else if storage.disk.starts_with("vd") {
        (252, 1)
    } else {
        (8, 1)
    }
}

/// The device numbers `stat` shows for the file system holding `canonical`.
fn device_of(canonical: &str, root: (u32, u32)) -> (u32, u32) {
    let mounts: [(&str, (u32, u32)); 7] = [
        ("/dev/pts", (0, 24)),
        ("/dev/shm", (0, 25)),
        ("/run/lock", (0, 27)),
        ("/proc", (0, 22)),
        ("/sys", (0, 21)),
        ("/dev", (0, 5)),
        ("/run", (0, 26)),
    ];
    mounts
        .iter()
        .find(|(m, _)| path::is_within(canonical, m))
        .map_or(root, |(_, d)| *d)
}

/// `%F`.
fn type_name(stat: &FsStat) -> &'static str {
    match stat.file_type {
        FileType::Regular if stat.size == 0 => "regular empty file",
        FileType::Regular => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::CharDevice => "character special file",
    }
}

/// `2024-11-20 08:00:01.123456789 +0000`.
fn stamp(t: Timestamp) -> String {
    t.to_datetime()
        .format("%Y-%m-%d %H:%M:%S%.9f %z")
        .to_string()
}

/// What one file gives a format.
struct Target<'a> {
    name: &'a str,
    canonical: String,
    stat: FsStat,
    link: Option<String>,
    owner: String,
    group: String,
}

impl Command for Stat {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("stat")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), STAT_SPEC, true);
        if let Some(status) = help_or_version(cx, &args, "stat", "Michael Meskes", |cx| {
            super::help::text(cx, "stat", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let v8 = cx.host.coreutils_version.starts_with("8.");
        let focal = cx.host.coreutils_version == "8.30";
        let custom = args
            .value("format")
            .map(|f| format!("{f}\n"))
            .or_else(|| args.value("printf").map(unescape));
        let follow = args.has("dereference");
        let accounts = cx.fs.accounts();
        let mut status = 0;
        for name in &args.operands {
            let found = if follow {
                cx.fs.lookup(name, true)
            } else {
                cx.fs.lookup(name, false)
            };
            let (canonical, node) = match found {
                Ok(found) => found,
                Err(err) => {
                    let verb = if focal { "stat" } else { "statx" };
                    let quoted = quoteaf(cx, name);
                    cx.err(format!("{prog}: cannot {verb} {quoted}: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            let stat = cx.fs.fresh_stat(&node);
            let link = match &node.kind {
                Kind::Symlink(t) => Some(t.to_string()),
                _ => None,
            };
            let target = Target {
                name,
                canonical,
                stat,
                link,
                owner: accounts
                    .user_by_uid(stat.uid)
                    .map_or_else(|| "UNKNOWN".to_owned(), |u| u.name.clone()),
                group: accounts
                    .group_by_gid(stat.gid)
                    .map_or_else(|| "UNKNOWN".to_owned(), |g| g.name.clone()),
            };
            let format = match &custom {
                Some(format) => format.clone(),
                None => default_format(v8, focal, stat.rdev.is_some(), args.has("terse")),
            };
            let root = root_device(cx.host);
            let text = render(
                &format,
                &target,
                root,
                v8,
                custom.is_some(),
                super::utf8(cx),
            );
            cx.out(text);
        }
        status
    }
}

fn default_format(v8: bool, focal: bool, device: bool, terse: bool) -> String {
    if terse {
        return "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n".to_owned();
    }
    let mut f = String::from("  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n");
    f.push_str(match (v8, device) {
        (true, true) => "Device: %Dh/%dd\tInode: %-10i  Links: %-5h Device type: %t,%T\n",
        (true, false) => "Device: %Dh/%dd\tInode: %-10i  Links: %h\n",
        (false, true) => "Device: %Hd,%Ld\tInode: %-10i  Links: %-5h Device type: %Hr,%Lr\n",
        (false, false) => "Device: %Hd,%Ld\tInode: %-10i  Links: %h\n",
    });
    f.push_str("Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n");
    f.push_str("Access: %x\nModify: %y\nChange: %z\n Birth: ");
    f.push_str(if focal { "-\n" } else { "%w\n" });
    f
}

/// `--printf`'s backslash escapes.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Expands a `stat` format for `t`.
fn render(
    format: &str,
    t: &Target<'_>,
    root: (u32, u32),
    v8: bool,
    custom: bool,
    utf8: bool,
) -> String {
    let s = &t.stat;
    let (dev_major, dev_minor) = device_of(&t.canonical, root);
    let birth = s.mtime.min(s.ctime);
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut flags = String::new();
        while i < chars.len() && "-0 +#'".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let mut precision: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let mut spec = match chars.get(i) {
            Some(c) => *c,
            None => {
                out.extend(&chars[start..]);
                break;
            }
        };
        i += 1;
        // %Hd, %Ld, %Hr, %Lr: major and minor numbers.
        let mut half = None;
        if (spec == 'H' || spec == 'L') && chars.get(i).is_some_and(|c| *c == 'd' || *c == 'r') {
            half = Some(spec);
            spec = chars[i];
            i += 1;
        }
        let numeric = |n: u64| n.to_string();
        let value = match (half, spec) {
            (Some('H'), 'd') => numeric(dev_major.into()),
            (Some(_), 'd') => numeric(dev_minor.into()),
            (Some('H'), 'r') => numeric(s.rdev.map_or(0, |r| r.0).into()),
            (Some(_), 'r') => numeric(s.rdev.map_or(0, |r| r.1).into()),
            (_, '%') => "%".to_owned(),
            (_, 'n') => t.name.to_owned(),
            (_, 'N') => {
                let quote = |n: &str| {
                    if custom {
                        shell_quote(n, true, utf8)
                    } else {
                        n.to_owned()
                    }
                };
                match &t.link {
                    Some(link) => format!("{} -> {}", quote(t.name), quote(link)),
                    None => quote(t.name),
                }
            }
            (_, 's') => numeric(s.size),
            (_, 'b') => numeric(s.blocks),
            (_, 'B') => "512".to_owned(),
            (_, 'o') => "4096".to_owned(),
            (_, 'F') => type_name(s).to_owned(),
            (_, 'a') => format!("{:o}", s.mode & 0o7777),
            (_, 'A') => s.mode_string(),
            (_, 'f') => {
                let kind = match s.file_type {
                    FileType::Regular => 0o100000,
                    FileType::Directory => 0o040000,
                    FileType::Symlink => 0o120000,
                    FileType::CharDevice => 0o020000,
                };
                format!("{:x}", kind | s.mode)
            }
            (_, 'u') => numeric(s.uid.into()),
            (_, 'U') => t.owner.clone(),
            (_, 'g') => numeric(s.gid.into()),
            (_, 'G') => t.group.clone(),
            (_, 'h') => numeric(s.nlink.into()),
            (_, 'i') => numeric(s.ino),
            (_, 'd') => numeric(u64::from(dev_major) * 256 + u64::from(dev_minor)),
            (_, 'D') => format!("{:x}", u64::from(dev_major) * 256 + u64::from(dev_minor)),
            (_, 't') => format!("{:x}", s.rdev.map_or(0, |r| r.0)),
            (_, 'T') => format!("{:x}", s.rdev.map_or(0, |r| r.1)),
            (_, 'x' | 'y') => stamp(s.mtime),
            (_, 'z') => stamp(s.ctime),
            (_, 'w') if v8 && custom => stamp(birth),
            (_, 'w') => stamp(birth),
            (_, 'X' | 'Y') => numeric(s.mtime.secs.max(0) as u64),
            (_, 'Z') => numeric(s.ctime.secs.max(0) as u64),
            (_, 'W') => numeric(birth.secs.max(0) as u64),
            (_, 'm') => "/".to_owned(),
            _ => {
                out.push('?');
                continue;
            }
        };
        let value = match precision {
            Some(p) => value.chars().take(p).collect(),
            None => value,
        };
        let width: usize = width.parse().unwrap_or(0);
        let padded = if flags.contains('-') {
            format!("{value:<width$}")
        } else if flags.contains('0') && value.chars().all(|c| c.is_ascii_digit()) {
            format!("{value:0>width$}")
        } else {
            format!("{value:>width$}")
        };
        out.push_str(&padded);
    }
    out
}

/// `file`.
pub struct File;

impl Command for File {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("file")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let spec = [
            flag('b', "brief"),
            flag('L', "dereference"),
            flag('h', "no-dereference"),
            flag('i', "mime"),
            flag('z', "uncompress"),
            opts::long("help"),
            flag('v', "version"),
        ];
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), &spec, true);
        let version = match cx.host.coreutils_version.as_str() {
            "8.30" => "5.38",
            "9.4" => "5.45",
            _ => "5.41",
        };
        if args.has("version") {
            cx.out(format!(
                "file-{version}\nmagic file from /etc/magic:/usr/share/misc/magic\n"
            ));
            return 0;
        }
        if args.has("help") {
            cx.out(format!("Usage: {prog} [OPTION...] [FILE...]\nDetermine type of FILEs.\n\n      --help                 display this help and exit\n  -v, --version              output version information and exit\n  -b, --brief                do not prepend filenames to output lines\n  -L, --dereference          follow symlinks (default if POSIXLY_CORRECT is set)\n  -h, --no-dereference       don't follow symlinks (default if POSIXLY_CORRECT is not set) (default)\n  -i, --mime                 output MIME type strings (--mime-type and\n                               --mime-encoding)\n  -z, --uncompress           try to look inside compressed files\n\nReport bugs to https://bugs.astron.com/\n"));
            return 0;
        }
        if let Some(error) = &args.error {
            let message = error.replacen(&format!("{prog}: "), "", 1);
            cx.err(format!("{prog}: {message}Usage: {prog} [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       {prog} -C [-m <magicfiles>]\n       {prog} [--help]\n"));
            return 1;
        }
        if args.operands.is_empty() {
            cx.err(format!("Usage: {prog} [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n            <file> ...\n       {prog} -C [-m <magicfiles>]\n       {prog} [--help]\n"));
            return 1;
        }
        let brief = args.has("brief");
        let new_text_names = version != "5.38";
        for name in &args.operands {
            let description = describe(cx, name, args.has("dereference"), new_text_names);
            if brief {
                cx.out(format!("{description}\n"));
            } else {
                cx.out(format!("{name}: {description}\n"));
            }
        }
        0
    }
}

/// What `file` says about `name`.
fn describe(cx: &CommandCtx<'_>, name: &str, follow: bool, new_text_names: bool) -> String {
    let (_, node) = match cx.fs.lookup(name, follow) {
        Ok(found) => found,
        Err(err) => return format!("cannot open `{name}' ({err})"),
    };
    let stat = cx.fs.fresh_stat(&node);
    match &node.kind {
        Kind::Dir(_) => return "directory".to_owned(),
        Kind::Symlink(target) => {
            return if cx.fs.stat(name).is_ok() {
                format!("symbolic link to {target}")
            } else {
                format!("broken symbolic link to {target}")
            };
        }
        Kind::Device(device) => {
            let (major, minor) = device.numbers();
            return format!("character special ({major}/{minor})");
        }
        Kind::File(Data::Proc) => return "empty".to_owned(),
        Kind::File(Data::Binary { program, .. }) => {
            let id = crate::host::fs::elf_build_id(program);
            let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
            return format!(
                "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2, BuildID[sha1]={hex}, for GNU/Linux 3.2.0, stripped"
            );
        }
        Kind::File(_) => {}
    }
    if stat.size == 0 {
        return "empty".to_owned();
    }
    let Ok(head) = cx.fs.read_limited(name, 64 * 1024) else {
        return "regular file, no read permission".to_owned();
    };
    if head.starts_with(b"\x7fELF") {
        let bits = if head.get(4) == Some(&1) { "32" } else { "64" };
        let machine = head
            .get(18..20)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        let arch = match machine {
            3 => "Intel 80386",
            8 => "MIPS, MIPS-I",
            40 => "ARM, EABI5 version 1 (SYSV)",
            62 => "x86-64",
            183 => "ARM aarch64",
            20 => "PowerPC or cisco 4500",
            _ => "*unknown arch*",
        };
        let endian = if head.get(5) == Some(&2) {
            "MSB"
        } else {
            "LSB"
        };
        return format!("ELF {bits}-bit {endian} executable, {arch}, statically linked, stripped");
    }
    if head.starts_with(b"\x1f\x8b") {
        return "gzip compressed data".to_owned();
    }
    if head.starts_with(b"PK\x03\x04") {
        return "Zip archive data, at least v2.0 to extract".to_owned();
    }
    let text = std::str::from_utf8(&head);
    let binary = head.contains(&0) || text.is_err();
    if binary {
        return "data".to_owned();
    }
    let ascii = head.is_ascii();
    let kind = match (ascii, new_text_names) {
        (true, _) => "ASCII text",
        (false, true) => "Unicode text, UTF-8 text",
        (false, false) => "UTF-8 Unicode text",
    };
    let first = text.unwrap_or("").lines().next().unwrap_or("");
    let script = match first.strip_prefix("#!").map(str::trim) {
        Some(shebang) => {
            let program = shebang.split_whitespace().next().unwrap_or("");
            let base = program.rsplit('/').next().unwrap_or(program);
            let base = if base == "env" {
                shebang.split_whitespace().nth(1).unwrap_or("")
            } else {
                base
            };
            Some(match base {
                "sh" | "dash" => "POSIX shell script".to_owned(),
                "bash" => "Bourne-Again shell script".to_owned(),
                "perl" => "Perl script".to_owned(),
                b if b.starts_with("python") => "Python script".to_owned(),
                _ => format!("a {program} script"),
            })
        }
        None => None,
    };
    let executable = stat.mode & 0o111 != 0;
    let lines = if head.contains(&b'\r') {
        ", with CRLF line terminators"
    } else {
        ""
    };
    match script {
        Some(script) if executable => format!("{script}, {kind} executable{lines}"),
        Some(script) => format!("{script}, {kind}{lines}"),
        None => format!("{kind}{lines}"),
    }
}
