//! Disk usage: `du` (GNU coreutils), summing allocated blocks (or apparent sizes) of the
//! session's files.

use super::opts::{self, HELP, Opt, VERSION, flag, long, short, with_arg};
use super::{help_or_version, human, prog, quoteaf, usage_error};
use crate::host::fs::{FileType, Stat};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// Most entries one `du` visits.
const MAX_VISITED: usize = 100_000;

/// `du`.
pub struct Du;

const DU_SPEC: &[Opt] = &[
    flag('0', "null"),
    flag('a', "all"),
    long("apparent-size"),
    with_arg('B', "block-size"),
    flag('b', "bytes"),
    flag('c', "total"),
    flag('D', "dereference-args"),
    with_arg('d', "max-depth"),
    with_arg('\0', "files0-from"),
    short('H', "dereference-args"),
    flag('h', "human-readable"),
    long("inodes"),
    short('k', "k"),
    flag('L', "dereference"),
    flag('l', "count-links"),
    short('m', "m"),
    flag('P', "no-dereference"),
    flag('S', "separate-dirs"),
    long("si"),
    flag('s', "summarize"),
    with_arg('t', "threshold"),
    opts::optional("time"),
    with_arg('\0', "time-style"),
    with_arg('X', "exclude-from"),
    with_arg('\0', "exclude"),
    flag('x', "one-file-system"),
    HELP,
    VERSION,
];

impl Command for Du {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("du")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), DU_SPEC, true);
        let authors = "Torbjorn Granlund, David MacKenzie, Paul Eggert,\nand Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "du", authors, |cx| {
            super::help::text(cx, "du", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let max_depth = if args.has("summarize") {
            Some(0)
        } else {
            match args.value("max-depth") {
                Some(text) => match text.parse::<usize>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        let quoted = cx.quote(text);
                        cx.err(format!("{prog}: invalid maximum depth {quoted}\n"));
                        return 1;
                    }
                },
                None => None,
            }
        };
        let bytes = args.has("bytes") || args.has("apparent-size");
        let human_sizes = args.has("human-readable") || args.has("si");
        let megabytes = args.has("m");
        let all = args.has("all");
        let raw_bytes = args.has("bytes");
        let show = |n: u64| {
            if human_sizes {
                human(n)
            } else if raw_bytes {
                n.to_string()
            } else if megabytes {
                n.div_ceil(1 << 20).to_string()
            } else {
                n.div_ceil(1024).to_string()
            }
        };
        let roots = if args.operands.is_empty() {
            vec![".".to_owned()]
        } else {
            args.operands.clone()
        };
        let mut status = 0;
        let mut grand = 0u64;
        let mut visited = 0usize;
        for root in &roots {
            let stat = match cx.fs.lstat(root) {
                Ok(stat) => stat,
                Err(err) => {
                    let quoted = quoteaf(cx, root);
                    cx.err(format!("{prog}: cannot access {quoted}: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            let mut lines = String::new();
            let total = du_walk(
                cx,
                &prog,
                root,
                &stat,
                0,
                max_depth,
                all,
                bytes,
                &show,
                &mut lines,
                &mut status,
                &mut visited,
            );
            cx.out(lines);
            grand += total;
        }
        if args.has("total") {
            cx.out(format!("{}\ttotal\n", show(grand)));
        }
        status
    }
}

/// Sums `path`'s usage (bytes allocated, or apparent with `bytes`), printing directories
/// (and files with `all`) within `max_depth`, after their contents.
#[allow(clippy::too_many_arguments)]
fn du_walk(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    path: &str,
    stat: &Stat,
    depth: usize,
    max_depth: Option<usize>,
    all: bool,
    bytes: bool,
    show: &dyn Fn(u64) -> String,
    lines: &mut String,
    status: &mut i32,
    visited: &mut usize,
) -> u64 {
    *visited += 1;
    let own = if bytes { stat.size } else { stat.blocks * 512 };
    let printable = max_depth.is_none_or(|m| depth <= m);
    if stat.file_type != FileType::Directory || *visited > MAX_VISITED {
        if printable && (all || depth == 0) {
            lines.push_str(&format!("{}\t{path}\n", show(own)));
        }
        return own;
    }
    let mut total = own;
    match cx.fs.read_dir(path) {
        Ok(entries) => {
            for entry in entries {
                let child = if path.ends_with('/') {
                    format!("{path}{}", entry.name)
                } else {
                    format!("{path}/{}", entry.name)
                };
                let child_stat = cx.fs.fresh_stat(&entry.node);
                total += du_walk(
                    cx,
                    prog,
                    &child,
                    &child_stat,
                    depth + 1,
                    max_depth,
                    all,
                    bytes,
                    show,
                    lines,
                    status,
                    visited,
                );
            }
        }
        Err(err) => {
            let quoted = quoteaf(cx, path);
            cx.err(format!("{prog}: cannot read directory {quoted}: {err}\n"));
            *status = 1;
        }
    }
    if printable {
        lines.push_str(&format!("{}\t{path}\n", show(total)));
    }
    total
}
