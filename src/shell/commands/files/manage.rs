//! Making and removing: `touch`, `mkdir`, `rmdir`, `rm` (GNU coreutils).

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::opts::{self, HELP, Opt, VERSION, flag, long, short, with_arg};
use super::{help_or_version, prog, quoteaf, usage_error};
use crate::host::fs::{FileType, FsError, Timestamp};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// Most entries one `rm -r` removes, so a removal of `/` ends.
const MAX_REMOVED: usize = 200_000;

/// `touch`.
pub struct Touch;

const TOUCH_SPEC: &[Opt] = &[
    short('a', "a"),
    flag('c', "no-create"),
    with_arg('d', "date"),
    short('f', "f"),
    flag('h', "no-dereference"),
    short('m', "m"),
    with_arg('r', "reference"),
    Opt {
        short: Some('t'),
        long: None,
        arg: opts::HasArg::Required,
        id: "t",
    },
    with_arg('\0', "time"),
    HELP,
    VERSION,
];

/// Parses `touch -d`'s common forms: `@SECONDS`, `YYYY-MM-DD[ HH:MM[:SS]]`, `now`.
fn parse_date(text: &str, now: Timestamp) -> Option<Timestamp> {
    let text = text.trim();
    if text == "now" || text.is_empty() {
        return Some(now);
    }
    if let Some(secs) = text.strip_prefix('@') {
        return secs
            .parse::<i64>()
            .ok()
            .map(|secs| Timestamp { secs, nanos: 0 });
    }
    let text = text.replace('T', " ");
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&text, format) {
            return Some(Timestamp::from_datetime(Utc.from_utc_datetime(&t)));
        }
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Timestamp::from_datetime(Utc.from_utc_datetime(&t)))
}

/// Parses `touch -t [[CC]YY]MMDDhhmm[.ss]`.
fn parse_stamp(text: &str, now: Timestamp) -> Option<Timestamp> {
    let (main, secs) = match text.split_once('.') {
        Some((main, secs)) if secs.len() == 2 => (main, secs.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (text, 0),
    };
    if !main.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year_now = now
        .to_datetime()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .ok()?;
    let (year, rest) = match main.len() {
        8 => (year_now, main),
        10 => {
            let yy: i32 = main[..2].parse().ok()?;
            (if yy < 69 { 2000 + yy } else { 1900 + yy }, &main[2..])
        }
        12 => (main[..4].parse().ok()?, &main[4..]),
        _ => return None,
    };
    let num = |r: std::ops::Range<usize>| rest.get(r).and_then(|s| s.parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(year, num(0..2)?, num(2..4)?)?;
    let time = date.and_hms_opt(num(4..6)?, num(6..8)?, secs)?;
    Some(Timestamp::from_datetime(Utc.from_utc_datetime(&time)))
}

impl Command for Touch {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("touch")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), TOUCH_SPEC, true);
        let authors = "Paul Rubin, Arnold Robbins, Jim Kingdon,\nDavid MacKenzie, and Randy Smith";
        if let Some(status) = help_or_version(cx, &args, "touch", authors, |cx| {
            super::help::text(cx, "touch", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let now = Timestamp::from_datetime(cx.fs.now());
        let mut time: Option<Timestamp> = None;
        for (id, value) in &args.opts {
            let value = value.as_deref().unwrap_or("");
            match *id {
                "date" => match parse_date(value, now) {
                    Some(t) => time = Some(t),
                    None => {
                        let quoted = cx.quote(value);
                        cx.err(format!("{prog}: invalid date format {quoted}\n"));
                        return 1;
                    }
                },
                "t" => match parse_stamp(value, now) {
                    Some(t) => time = Some(t),
                    None => {
                        let quoted = cx.quote(value);
                        cx.err(format!("{prog}: invalid date format {quoted}\n"));
                        return 1;
                    }
                },
                "reference" => match cx.fs.stat(value) {
                    Ok(stat) => time = Some(stat.mtime),
                    Err(err) => {
                        let quoted = quoteaf(cx, value);
                        cx.err(format!(
                            "{prog}: failed to get attributes of {quoted}: {err}\n"
                        ));
                        return 1;
                    }
                },
                _ => {}
            }
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing file operand\n"), 1);
        }
        let create = !args.has("no-create");
        let mut status = 0;
        for file in &args.operands {
            if file == "-" {
                continue;
            }
            let result = if args.has("no-dereference") {
                cx.fs.touch_link(file, time)
            } else {
                cx.fs.touch(file, time, create)
            };
            if let Err(err) = result {
                let quoted = quoteaf(cx, file);
                let message = match err {
                    FsError::NotPermitted => format!("{prog}: setting times of {quoted}: {err}\n"),
                    _ => format!("{prog}: cannot touch {quoted}: {err}\n"),
                };
                cx.err(message);
                status = 1;
            }
        }
        status
    }
}

/// Parses an octal or symbolic mode for a new file, starting from `base`.
pub(super) fn parse_mode(text: &str, base: u32, is_dir: bool) -> Option<u32> {
    if !text.is_empty() && text.chars().all(|c| c.is_digit(8)) {
        let mode = u32::from_str_radix(text, 8).ok()?;
        return (mode <= 0o7777).then_some(mode);
    }
    let mut mode = base;
    for clause in text.split(',') {
        let who_end = clause.find(|c| !"ugoa".contains(c)).unwrap_or(clause.len());
        let (who, mut rest) = clause.split_at(who_end);
        let mut mask = 0u32;
        for c in who.chars() {
            mask |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                _ => 0o7777,
            };
        }
        let implicit = who.is_empty();
        if implicit {
            mask = 0o7777;
        }
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let op = rest.chars().next()?;
            if !"+-=".contains(op) {
                return None;
            }
            rest = &rest[1..];
            let perm_end = rest.find(['+', '-', '=']).unwrap_or(rest.len());
            let (perms, tail) = rest.split_at(perm_end);
            rest = tail;
            let mut bits = 0u32;
            for c in perms.chars() {
                bits |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' if is_dir || mode & 0o111 != 0 => 0o111,
                    'X' => 0,
                    's' => 0o6000,
                    't' => 0o1000,
                    'u' => ((mode >> 6) & 7) * 0o111,
                    'g' => ((mode >> 3) & 7) * 0o111,
                    'o' => (mode & 7) * 0o111,
                    _ => return None,
                };
            }
            // Without who, the umask limits what `+` and `=` grant (chmod +w is not o+w).
            let grant = if implicit {
                bits & !crate::host::fs::UMASK
            } else {
                bits
            };
            match op {
                '+' => mode |= grant & mask,
                '-' => mode &= !(bits & mask),
                _ => mode = (mode & !mask) | (grant & mask),
            }
        }
    }
    Some(mode & 0o7777)
}

/// `mkdir`.
pub struct Mkdir;

const MKDIR_SPEC: &[Opt] = &[
    with_arg('m', "mode"),
    flag('p', "parents"),
    flag('v', "verbose"),
    short('Z', "Z"),
    opts::optional("context"),
    HELP,
    VERSION,
];

impl Command for Mkdir {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("mkdir")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), MKDIR_SPEC, true);
        if let Some(status) = help_or_version(cx, &args, "mkdir", "David MacKenzie", |cx| {
            super::help::text(cx, "mkdir", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let mode = match args.value("mode") {
            Some(text) => match parse_mode(text, 0o777 & !crate::host::fs::UMASK, true) {
                Some(mode) => Some(mode),
                None => {
                    let quoted = cx.quote(text);
                    cx.err(format!("{prog}: invalid mode {quoted}\n"));
                    return 1;
                }
            },
            None => None,
        };
        let parents = args.has("parents");
        let verbose = args.has("verbose");
        let mut status = 0;
        for dir in &args.operands {
            let result = if parents {
                mkdir_parents(cx, &prog, dir, verbose)
            } else {
                cx.fs.mkdir(dir, 0o777).map_err(|e| (e, dir.clone()))
            };
            match result {
                Ok(()) => {
                    if let Some(mode) = mode {
                        cx.fs.chmod(dir, mode).ok();
                    }
                    if verbose && !parents {
                        let quoted = cx.quote(dir);
                        cx.out(format!("{prog}: created directory {quoted}\n"));
                    }
                }
                Err((err, path)) => {
                    let quoted = cx.quote(&path);
                    cx.err(format!("{prog}: cannot create directory {quoted}: {err}\n"));
                    status = 1;
                }
            }
        }
        status
    }
}

/// `mkdir -p`, one component at a time so errors name the component that failed.
fn mkdir_parents(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    dir: &str,
    verbose: bool,
) -> Result<(), (FsError, String)> {
    let mut prefix = String::new();
    if dir.starts_with('/') {
        prefix.push('/');
    }
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        prefix.push_str(part);
        let last = dir.trim_end_matches('/') == prefix;
        match cx.fs.stat(&prefix) {
            Ok(stat) if stat.is_dir() => continue,
            Ok(_) if last => return Err((FsError::Exists, prefix)),
            Ok(_) => return Err((FsError::NotADirectory, prefix)),
            Err(FsError::NotFound) => {}
            Err(err) => return Err((err, prefix.clone())),
        }
        cx.fs
            .mkdir(&prefix, 0o777)
            .map_err(|e| (e, prefix.clone()))?;
        if verbose {
            let quoted = cx.quote(&prefix);
            cx.out(format!("{prog}: created directory {quoted}\n"));
        }
    }
    Ok(())
}

/// `rmdir`.
pub struct Rmdir;

const RMDIR_SPEC: &[Opt] = &[
    long("ignore-fail-on-non-empty"),
    flag('p', "parents"),
    flag('v', "verbose"),
    HELP,
    VERSION,
];

impl Command for Rmdir {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("rmdir")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), RMDIR_SPEC, true);
        if let Some(status) = help_or_version(cx, &args, "rmdir", "David MacKenzie", |cx| {
            super::help::text(cx, "rmdir", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let ignore = args.has("ignore-fail-on-non-empty");
        let mut status = 0;
        for dir in &args.operands {
            let mut targets = vec![dir.trim_end_matches('/').to_owned()];
            if args.has("parents") {
                let mut current = targets[0].clone();
                while let Some(i) = current.rfind('/') {
                    current.truncate(i);
                    if current.is_empty() {
                        break;
                    }
                    targets.push(current.clone());
                }
            }
            for target in targets {
                let shown = if target.is_empty() {
                    dir.clone()
                } else {
                    target.clone()
                };
                if let Err(err) = cx.fs.rmdir(if target.is_empty() { dir } else { &target }) {
                    if ignore && err == FsError::NotEmpty {
                        break;
                    }
                    let quoted = quoteaf(cx, &shown);
                    cx.err(format!("{prog}: failed to remove {quoted}: {err}\n"));
                    status = 1;
                    break;
                }
                if args.has("verbose") {
                    let quoted = quoteaf(cx, &shown);
                    cx.out(format!("{prog}: removing directory, {quoted}\n"));
                }
            }
        }
        status
    }
}

/// `rm`.
pub struct Rm;

const RM_SPEC: &[Opt] = &[
    flag('f', "force"),
    short('i', "i"),
    short('I', "I"),
    opts::optional("interactive"),
    long("one-file-system"),
    long("no-preserve-root"),
    opts::optional("preserve-root"),
    flag('r', "recursive"),
    short('R', "recursive"),
    flag('d', "dir"),
    flag('v', "verbose"),
    HELP,
    VERSION,
];

impl Command for Rm {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("rm")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), RM_SPEC, true);
        let authors = "Paul Rubin, David MacKenzie, Richard M. Stallman,\nand Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "rm", authors, |cx| {
            super::help::text(cx, "rm", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let force = args.has("force");
        if args.operands.is_empty() {
            if force {
                return 0;
            }
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let recursive = args.has("recursive");
        let dirs = args.has("dir");
        let verbose = args.has("verbose");
        let preserve_root = !args.has("no-preserve-root");
        let mut status = 0;
        let mut budget = MAX_REMOVED;
        for file in &args.operands {
            let base = file.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if recursive && (base == "." || base == "..") {
                let quoted = quoteaf(cx, file);
                cx.err(format!(
                    "{prog}: refusing to remove '.' or '..' directory: skipping {quoted}\n"
                ));
                status = 1;
                continue;
            }
            if recursive
                && preserve_root
                && cx
                    .fs
                    .canonicalize(file, crate::host::fs::Canon::Existing)
                    .as_deref()
                    == Ok("/")
            {
                let quoted = quoteaf(cx, file);
                if file == "/" {
                    cx.err(format!(
                        "{prog}: it is dangerous to operate recursively on {quoted}\n{prog}: use --no-preserve-root to override this failsafe\n"
                    ));
                } else {
                    cx.err(format!(
                        "{prog}: it is dangerous to operate recursively on {quoted} (same as '/')\n{prog}: use --no-preserve-root to override this failsafe\n"
                    ));
                }
                status = 1;
                continue;
            }
            let stat = match cx.fs.lstat(file) {
                Ok(stat) => stat,
                Err(err) => {
                    if !(force && err == FsError::NotFound) {
                        let quoted = quoteaf(cx, file);
                        cx.err(format!("{prog}: cannot remove {quoted}: {err}\n"));
                        status = 1;
                    }
                    continue;
                }
            };
            if stat.file_type == FileType::Directory && !recursive {
                if dirs {
                    if let Err(err) = cx.fs.rmdir(file) {
                        let quoted = quoteaf(cx, file);
                        cx.err(format!("{prog}: cannot remove {quoted}: {err}\n"));
                        status = 1;
                    }
                    continue;
                }
                let quoted = quoteaf(cx, file);
                cx.err(format!("{prog}: cannot remove {quoted}: Is a directory\n"));
                status = 1;
                continue;
            }
            if !remove(
                cx,
                &prog,
                file,
                stat.file_type == FileType::Directory,
                verbose,
                &mut budget,
            ) {
                status = 1;
            }
        }
        status
    }
}

/// Removes `path` (a directory with everything in it), reporting failures as GNU rm does.
/// Returns whether everything went.
fn remove(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    path: &str,
    is_dir: bool,
    verbose: bool,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let mut ok = true;
    if is_dir {
        match cx.fs.read_dir(path) {
            Ok(entries) => {
                for entry in entries {
                    let child = if path.ends_with('/') {
                        format!("{path}{}", entry.name)
                    } else {
                        format!("{path}/{}", entry.name)
                    };
                    let child_dir = entry.node.file_type() == FileType::Directory;
                    ok &= remove(cx, prog, &child, child_dir, verbose, budget);
                }
            }
            Err(err) => {
                let quoted = quoteaf(cx, path);
                cx.err(format!("{prog}: cannot remove {quoted}: {err}\n"));
                return false;
            }
        }
        if !ok {
            return false;
        }
        match cx.fs.rmdir(path) {
            Ok(()) => {
                if verbose {
                    let quoted = quoteaf(cx, path);
                    cx.out(format!("removed directory {quoted}\n"));
                }
                true
            }
            Err(err) => {
                let quoted = quoteaf(cx, path);
                cx.err(format!("{prog}: cannot remove {quoted}: {err}\n"));
                false
            }
        }
    } else {
        match cx.fs.unlink(path) {
            Ok(()) => {
                if verbose {
                    let quoted = quoteaf(cx, path);
                    cx.out(format!("removed {quoted}\n"));
                }
                true
            }
            Err(err) => {
                let quoted = quoteaf(cx, path);
                cx.err(format!("{prog}: cannot remove {quoted}: {err}\n"));
                false
            }
        }
    }
}
