//! `ls`, `dir` and `vdir` (GNU coreutils): options, what gets listed and in which order.
//! How each listing is laid out (columns, `-l`) is in `ls_format`.

use std::collections::HashSet;

use super::ls_format::{Entry, Layout, print_block};
use super::opts::{self, HELP, Opt, VERSION, flag, long, optional, short, with_arg};
use super::{help_or_version, prog, quoteaf, usage_error};
use crate::host::fs::{FileType, Kind};
use crate::shell::commands::{Command, CommandCtx};

/// Most entries one `ls -R` visits, so a listing of `/` ends.
const MAX_VISITED: usize = 50_000;

/// `ls`, `dir`, `vdir`.
pub struct Ls;

const SPEC: &[Opt] = &[
    flag('a', "all"),
    flag('A', "almost-all"),
    long("author"),
    flag('b', "escape"),
    optional("block-size"),
    flag('B', "ignore-backups"),
    short('c', "ctime"),
    short('C', "columns"),
    optional("color"),
    flag('d', "directory"),
    flag('D', "dired"),
    short('f', "unsorted-all"),
    flag('F', "classify"),
    long("file-type"),
    with_arg('\0', "format"),
    long("full-time"),
    short('g', "no-owner"),
    long("group-directories-first"),
    flag('G', "no-group"),
    flag('h', "human-readable"),
    long("si"),
    flag('H', "dereference-command-line"),
    long("dereference-command-line-symlink-to-dir"),
    with_arg('\0', "hide"),
    optional("hyperlink"),
    with_arg('\0', "indicator-style"),
    flag('i', "inode"),
    with_arg('I', "ignore"),
    flag('k', "kibibytes"),
    short('l', "long"),
    flag('L', "dereference"),
    short('m', "commas"),
    flag('n', "numeric-uid-gid"),
    flag('N', "literal"),
    short('o', "no-group-long"),
    short('p', "slash"),
    flag('q', "hide-control-chars"),
    long("show-control-chars"),
    flag('Q', "quote-name"),
    with_arg('\0', "quoting-style"),
    flag('r', "reverse"),
    flag('R', "recursive"),
    flag('s', "size"),
    short('S', "sort-size"),
    with_arg('\0', "sort"),
    with_arg('\0', "time"),
    with_arg('\0', "time-style"),
    short('t', "sort-time"),
    with_arg('T', "tabsize"),
    short('u', "atime"),
    short('U', "sort-none"),
    short('v', "sort-version"),
    with_arg('w', "width"),
    short('x', "across"),
    short('X', "sort-extension"),
    flag('Z', "context"),
    long("zero"),
    short('1', "one"),
    HELP,
    VERSION,
];

/// How the listing is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SortBy {
    Name,
    Time,
    Size,
    None,
    Extension,
    Version,
}

/// Which time `-l` shows and `-t` sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimeField {
    Modified,
    Changed,
    Accessed,
}

/// Everything the options decided.
#[derive(Debug, Clone)]
pub(super) struct Options {
    pub all: bool,
    pub almost_all: bool,
    pub directory: bool,
    pub recursive: bool,
    pub sort: SortBy,
    pub reverse: bool,
    pub time: TimeField,
    pub time_style: Option<String>,
    pub dereference: bool,
    pub deref_cmdline: bool,
    pub ignore_backups: bool,
    pub group_dirs_first: bool,
    pub layout: Layout,
}

impl Command for Ls {
    fn names(&self) -> &'static [&'static str] {
        &[
            "ls",
            "/usr/bin/ls",
            "/bin/ls",
            "dir",
            "/usr/bin/dir",
            "/bin/dir",
            "vdir",
            "/usr/bin/vdir",
            "/bin/vdir",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let base = prog.rsplit('/').next().unwrap_or("ls").to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), SPEC, true);
        if let Some(status) = help_or_version(cx, &args, &base, AUTHORS, |cx| {
            super::help::text(cx, &base, &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 2);
        }
        let options = match options(cx, &prog, &base, &args) {
            Ok(options) => options,
            Err(status) => return status,
        };
        let operands = if args.operands.is_empty() {
            vec![".".to_owned()]
        } else {
            args.operands.clone()
        };
        list(cx, &prog, &options, &operands)
    }
}

const AUTHORS: &str = "Richard M. Stallman and David MacKenzie";

fn options(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    base: &str,
    args: &opts::Args,
) -> Result<Options, i32> {
    let tty = cx.terminal();
    let mut layout = Layout::new(base, tty, super::utf8(cx));
    if let Some(columns) = cx
        .state
        .env
        .get("COLUMNS")
        .and_then(|c| c.parse::<usize>().ok())
        && columns > 0
    {
        layout.width = columns;
    }
    let mut o = Options {
        all: false,
        almost_all: false,
        directory: false,
        recursive: false,
        sort: SortBy::Name,
        reverse: false,
        time: TimeField::Modified,
        time_style: None,
        dereference: false,
        deref_cmdline: false,
        ignore_backups: false,
        group_dirs_first: false,
        layout,
    };
    let mut sort_explicit = false;
    for (id, value) in &args.opts {
        let value = value.as_deref().unwrap_or("");
        match *id {
            "all" => o.all = true,
            "almost-all" => o.almost_all = true,
            "escape" => o.layout.quoting = super::ls_format::Quoting::Escape,
            "ignore-backups" => o.ignore_backups = true,
            "ctime" => o.time = TimeField::Changed,
            "atime" => o.time = TimeField::Accessed,
            "columns" => o.layout.format = super::ls_format::Format::Columns,
            "across" => o.layout.format = super::ls_format::Format::Across,
            "commas" => o.layout.format = super::ls_format::Format::Commas,
            "one" => o.layout.format = super::ls_format::Format::One,
            "long" => o.layout.format = super::ls_format::Format::Long,
            "no-owner" => {
                o.layout.format = super::ls_format::Format::Long;
                o.layout.show_owner = false;
            }
            "no-group-long" => {
                o.layout.format = super::ls_format::Format::Long;
                o.layout.show_group = false;
            }
            "no-group" => o.layout.show_group = false,
            "numeric-uid-gid" => {
                o.layout.format = super::ls_format::Format::Long;
                o.layout.numeric = true;
            }
            "full-time" => {
                o.layout.format = super::ls_format::Format::Long;
                o.time_style = Some("full-iso".to_owned());
            }
            "time-style" => o.time_style = Some(value.trim_start_matches("posix-").to_owned()),
            "directory" => o.directory = true,
            "unsorted-all" => {
                o.all = true;
                o.sort = SortBy::None;
                sort_explicit = true;
            }
            "classify" => o.layout.indicator = super::ls_format::Indicator::Classify,
            "file-type" => o.layout.indicator = super::ls_format::Indicator::FileType,
            "slash" => o.layout.indicator = super::ls_format::Indicator::Slash,
            "indicator-style" => {
                o.layout.indicator = match value {
                    "slash" => super::ls_format::Indicator::Slash,
                    "file-type" => super::ls_format::Indicator::FileType,
                    "classify" => super::ls_format::Indicator::Classify,
                    _ => super::ls_format::Indicator::None,
                }
            }
            "human-readable" | "si" => o.layout.human = true,
            "kibibytes" => {}
            "dereference" => o.dereference = true,
            "dereference-command-line" | "dereference-command-line-symlink-to-dir" => {
                o.deref_cmdline = true;
            }
            "inode" => o.layout.inode = true,
            "size" => o.layout.blocks = true,
            "literal" => o.layout.quoting = super::ls_format::Quoting::Literal,
            "quote-name" => o.layout.quoting = super::ls_format::Quoting::C,
            "hide-control-chars" | "show-control-chars" => {}
            "quoting-style" => {
                o.layout.quoting = match value {
                    "literal" => super::ls_format::Quoting::Literal,
                    "c" => super::ls_format::Quoting::C,
                    "escape" => super::ls_format::Quoting::Escape,
                    _ => super::ls_format::Quoting::Shell,
                }
            }
            "reverse" => o.reverse = true,
            "recursive" => o.recursive = true,
            "sort-size" => {
                o.sort = SortBy::Size;
                sort_explicit = true;
            }
            "sort-time" => {
                o.sort = SortBy::Time;
                sort_explicit = true;
            }
            "sort-none" => {
                o.sort = SortBy::None;
                sort_explicit = true;
            }
            "sort-version" => {
                o.sort = SortBy::Version;
                sort_explicit = true;
            }
            "sort-extension" => {
                o.sort = SortBy::Extension;
                sort_explicit = true;
            }
            "sort" => {
                o.sort = match value {
                    "none" => SortBy::None,
                    "time" => SortBy::Time,
                    "size" => SortBy::Size,
                    "extension" => SortBy::Extension,
                    "version" => SortBy::Version,
                    _ => {
                        let message = invalid_argument(cx, prog, value, "--sort");
                        cx.err(format!(
                            "{message}Valid arguments are:\n  - 'none'\n  - 'time'\n  - 'size'\n  - 'extension'\n  - 'version'\n{}",
                            crate::shell::commands::try_help(prog)
                        ));
                        return Err(2);
                    }
                };
                sort_explicit = true;
            }
            "time" => {
                o.time = match value {
                    "ctime" | "status" => TimeField::Changed,
                    "atime" | "access" | "use" => TimeField::Accessed,
                    _ => TimeField::Modified,
                }
            }
            "width" => match value.parse::<usize>() {
                Ok(width) => o.layout.width = if width == 0 { usize::MAX } else { width },
                Err(_) => {
                    let quoted = cx.quote(value);
                    cx.err(format!("{prog}: invalid line width: {quoted}\n"));
                    return Err(2);
                }
            },
            "tabsize" => match value.parse::<usize>() {
                Ok(size) => o.layout.tabsize = size,
                Err(_) => {
                    let quoted = cx.quote(value);
                    cx.err(format!("{prog}: invalid tab size: {quoted}\n"));
                    return Err(2);
                }
            },
            "group-directories-first" => o.group_dirs_first = true,
            "format" => {
                o.layout.format = match value {
                    "long" | "verbose" => super::ls_format::Format::Long,
                    "commas" => super::ls_format::Format::Commas,
                    "horizontal" | "across" => super::ls_format::Format::Across,
                    "single-column" => super::ls_format::Format::One,
                    _ => super::ls_format::Format::Columns,
                }
            }
            _ => {}
        }
    }
    // `-c`/`-u` sort by that time unless listing long or sorting otherwise (GNU's rule).
    if !sort_explicit
        && o.time != TimeField::Modified
        && o.layout.format != super::ls_format::Format::Long
    {
        o.sort = SortBy::Time;
    }
    o.layout.time_style = o.time_style.clone();
    Ok(o)
}

/// `prog: invalid argument 'x' for '--opt'`
fn invalid_argument(cx: &CommandCtx<'_>, prog: &str, value: &str, option: &str) -> String {
    format!(
        "{prog}: invalid argument {} for {}\n",
        cx.quote(value),
        cx.quote(option)
    )
}

/// Lists `operands`; returns the exit status (0, 1 for minor problems, 2 for an argument
/// that could not be listed).
fn list(cx: &mut CommandCtx<'_>, prog: &str, o: &Options, operands: &[String]) -> i32 {
    let mut status = 0;
    let mut files: Vec<Entry> = Vec::new();
    let mut dirs: Vec<Entry> = Vec::new();
    let long = o.layout.format == super::ls_format::Format::Long;
    let classify = matches!(
        o.layout.indicator,
        super::ls_format::Indicator::Classify | super::ls_format::Indicator::FileType
    );
    for operand in operands {
        let follow_all = o.dereference || o.deref_cmdline;
        let entry = if follow_all {
            Entry::stat(cx, operand, operand, true)
        } else {
            Entry::stat(cx, operand, operand, false)
        };
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let quoted = quoteaf(cx, operand);
                cx.err(format!("{prog}: cannot access {quoted}: {err}\n"));
                status = 2;
                continue;
            }
        };
        // A command-line link to a directory is listed as that directory, unless the
        // listing is long (or -d, -F): then the link itself is shown.
        let is_dir = entry.stat.file_type == FileType::Directory
            || (entry.stat.file_type == FileType::Symlink
                && !long
                && !o.directory
                && !classify
                && entry
                    .target
                    .is_some_and(|t| t.file_type == FileType::Directory));
        if is_dir && !o.directory {
            dirs.push(entry);
        } else {
            files.push(entry);
        }
    }
    sort_entries(o, &mut files);
    sort_entries(o, &mut dirs);
    let mut first = true;
    if !files.is_empty() {
        print_block(cx, o, &files, false);
        first = false;
    }
    let print_names = !files.is_empty() || operands.len() > 1 || status != 0 || o.recursive;
    let mut visited = 0usize;
    let mut seen: HashSet<String> = HashSet::new();
    // A stack of (display name, path, from the command line), popped in order.
    let mut pending: Vec<(String, String, bool)> = dirs
        .into_iter()
        .rev()
        .map(|e| (e.name, e.path, true))
        .collect();
    while let Some((name, path, command_line)) = pending.pop() {
        if cx.output_room() == 0 || visited > MAX_VISITED {
            break;
        }
        let real = cx
            .fs
            .canonicalize(&path, crate::host::fs::Canon::Existing)
            .unwrap_or_else(|_| path.clone());
        if o.recursive && !seen.insert(real) {
            let quoted = quoteaf(cx, &name);
            cx.err(format!(
                "{prog}: {quoted}: not listing already-listed directory\n"
            ));
            status = status.max(2);
            continue;
        }
        let entries = match cx.fs.read_dir(&path) {
            Ok(entries) => entries,
            Err(err) => {
                let quoted = quoteaf(cx, &name);
                cx.err(format!("{prog}: cannot open directory {quoted}: {err}\n"));
                status = status.max(if command_line { 2 } else { 1 });
                continue;
            }
        };
        if print_names || o.recursive || !first {
            if !first {
                cx.out("\n");
            }
            let shown = o.layout.quote_header(&name);
            cx.out(format!("{shown}:\n"));
        }
        first = false;
        let mut listing: Vec<Entry> = Vec::new();
        if o.all {
            for dot in [".", ".."] {
                let dot_path = format!("{}/{dot}", path.trim_end_matches('/'));
                if let Ok(entry) = Entry::stat(cx, dot, &dot_path, false) {
                    listing.push(entry);
                }
            }
        }
        for dirent in entries {
            if dirent.name.starts_with('.') && !(o.all || o.almost_all) {
                continue;
            }
            if o.ignore_backups && dirent.name.ends_with('~') {
                continue;
            }
            visited += 1;
            let child = child_path(&path, &dirent.name);
            let target = match dirent.node.kind {
                Kind::Symlink(_) => cx.fs.stat(&child).ok(),
                _ => None,
            };
            let link = match &dirent.node.kind {
                Kind::Symlink(t) => Some(t.to_string()),
                _ => None,
            };
            let stat = if o.dereference {
                target.unwrap_or_else(|| cx.fs.fresh_stat(&dirent.node))
            } else {
                cx.fs.fresh_stat(&dirent.node)
            };
            listing.push(Entry {
                name: dirent.name.clone(),
                path: child,
                stat,
                link: if o.dereference && target.is_some() {
                    None
                } else {
                    link
                },
                target,
            });
        }
        sort_entries(o, &mut listing);
        print_block(cx, o, &listing, true);
        if o.recursive {
            for entry in listing.iter().rev() {
                if entry.stat.file_type == FileType::Directory
                    && entry.name != "."
                    && entry.name != ".."
                {
                    let shown = child_path(&name, &entry.name);
                    pending.push((shown, entry.path.clone(), false));
                }
            }
        }
    }
    status
}

fn child_path(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Sorts as GNU ls does: by name in byte order (the C.UTF-8 collation), or by time or size
/// (newest or largest first, ties by name), reversed with `-r`.
pub(super) fn sort_entries(o: &Options, entries: &mut [Entry]) {
    let time = |e: &Entry| match o.time {
        TimeField::Changed => e.stat.ctime,
        _ => e.stat.mtime,
    };
    match o.sort {
        SortBy::None => {}
        SortBy::Name => entries.sort_by(|a, b| a.name.cmp(&b.name)),
        SortBy::Version => entries.sort_by(|a, b| version_cmp(&a.name, &b.name)),
        SortBy::Time => entries.sort_by(|a, b| time(b).cmp(&time(a)).then(a.name.cmp(&b.name))),
        SortBy::Size => {
            entries.sort_by(|a, b| b.stat.size.cmp(&a.stat.size).then(a.name.cmp(&b.name)));
        }
        SortBy::Extension => entries.sort_by(|a, b| {
            let ext = |n: &str| {
                n.rfind('.')
                    .filter(|i| *i > 0)
                    .map_or("", |i| &n[i..])
                    .to_owned()
            };
            ext(&a.name).cmp(&ext(&b.name)).then(a.name.cmp(&b.name))
        }),
    }
    if o.reverse && o.sort != SortBy::None {
        entries.reverse();
    }
    if o.group_dirs_first {
        entries.sort_by_key(|e| {
            let dir = e.stat.file_type == FileType::Directory
                || e.target.is_some_and(|t| t.file_type == FileType::Directory);
            !dir
        });
    }
}

/// A simple version order (`-v`): digit runs compare as numbers.
fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| -> Vec<(bool, String)> {
        let mut parts: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match parts.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => parts.push((digit, c.to_string())),
            }
        }
        parts
    };
    let (pa, pb) = (split(a), split(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let ord = if x.0 && y.0 {
            let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
            nx.len().cmp(&ny.len()).then(nx.cmp(ny))
        } else {
            x.1.cmp(&y.1)
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}
