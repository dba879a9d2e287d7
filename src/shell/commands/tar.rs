//! GNU tar 1.34: `-c`, `-x` and `-t` on real archives built from and extracted into the
//! session's overlay, with `-f`, `-z` (real gzip), `-v`, `-C`, `-O`, `-k`, `-p`, `-P` and
//! `--strip-components`. Compressed archives are recognised by suffix or magic as tar does;
//! a fake download named `x.tar.gz` fails the way gzip does on it.

mod archive;
mod create;
mod extract;
#[cfg(test)]
mod tests;

use super::{Command, CommandCtx, usr_bin};

/// `tar --help` of GNU tar 1.34 as Debian and Ubuntu build it.
const HELP: &str = include_str!("tar/help.txt");

/// `tar --usage`.
const USAGE: &str = include_str!("tar/usage.txt");

/// The line after every usage error.
const TRY: &str = "Try 'tar --help' or 'tar --usage' for more information.\n";

/// The end of every fatal error.
const FATAL: &str = "tar: Error is not recoverable: exiting now\n";

/// The last line when something failed along the way.
const FAILED: &str = "tar: Exiting with failure status due to previous errors\n";

/// tar's exit status for errors.
const TAR_FAILURE: i32 = 2;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Create,
    Extract,
    List,
}

/// A compression program tar runs as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Gzip,
    Bzip2,
    Xz,
}

/// The parsed command line.
#[derive(Debug, Default)]
struct TarOpts {
    /// The operation (`-c`, `-x`, `-t`).
    op: Option<Op>,
    /// `-f`: the archive (`-` or none: standard input or output).
    file: Option<String>,
    /// `-z`, `-j`, `-J`.
    filter: Option<Filter>,
    /// `-v` count.
    verbose: u8,
    /// `-C`: the directory to work in.
    dir: Option<String>,
    /// `-O`: extract to standard output.
    to_stdout: bool,
    /// `-k`: do not replace existing files.
    keep_old: bool,
    /// `-p`: keep permissions as archived even when not root.
    preserve: bool,
    /// `-P`: keep leading `/` in member names.
    absolute: bool,
    /// `-h`: archive what links point to.
    dereference: bool,
    /// `--strip-components`.
    strip: usize,
    /// File or member operands.
    members: Vec<String>,
}

/// Short options that take an argument.
const SHORT_WITH_ARG: &[char] = &['f', 'C', 'b', 'T', 'X', 'H', 'I', 'g', 'N', 'K', 'L', 'V'];
/// Short options that take none.
const SHORT_FLAGS: &[char] = &[
    'c', 'x', 't', 'z', 'j', 'J', 'v', 'O', 'k', 'p', 'P', 'h', 'm', 'o', 'a', 'S', 'U', 'W', 'w',
    'B', 'i', 'l', 's',
];
/// Long options: (name, takes an argument, short equivalent or `'\0'`).
const LONG: &[(&str, bool, char)] = &[
    ("absolute-names", false, 'P'),
    ("auto-compress", false, 'a'),
    ("block-size", true, 'b'),
    ("bzip2", false, 'j'),
    ("create", false, 'c'),
    ("dereference", false, 'h'),
    ("directory", true, 'C'),
    ("exclude", true, '\0'),
    ("extract", false, 'x'),
    ("file", true, 'f'),
    ("get", false, 'x'),
    ("gunzip", false, 'z'),
    ("gzip", false, 'z'),
    ("help", false, '\0'),
    ("keep-old-files", false, 'k'),
    ("list", false, 't'),
    ("no-same-owner", false, 'o'),
    ("no-same-permissions", false, '\0'),
    ("overwrite", false, '\0'),
    ("preserve-permissions", false, 'p'),
    ("same-owner", false, '\0'),
    ("same-permissions", false, 'p'),
    ("strip-components", true, '\0'),
    ("to-stdout", false, 'O'),
    ("touch", false, 'm'),
    ("ungzip", false, 'z'),
    ("usage", false, '\0'),
    ("verbose", false, 'v'),
    ("version", false, '\0'),
    ("wildcards", false, '\0'),
    ("xz", false, 'J'),
];

/// A usage error: the message, then the "Try" line; status 2.
fn usage_error(cx: &mut CommandCtx<'_>, message: &str) -> i32 {
    cx.err(format!("tar: {message}\n{TRY}"));
    TAR_FAILURE
}

/// How parsing ended early.
enum Early {
    /// Print this and exit 0 (`--help`, `--version`).
    Text(String),
    /// A usage error message (without `tar: ` and the Try line).
    Usage(String),
}

/// Applies short option `c` with its argument.
fn short(o: &mut TarOpts, c: char, value: Option<String>) -> Result<(), Early> {
    let set_op = |o: &mut TarOpts, op: Op| {
        if o.op.is_some_and(|old| old != op) {
            Err(Early::Usage(
                "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option"
                    .to_owned(),
            ))
        } else {
            o.op = Some(op);
            Ok(())
        }
    };
    match c {
        'c' => set_op(o, Op::Create)?,
        'x' => set_op(o, Op::Extract)?,
        't' => set_op(o, Op::List)?,
        'f' => o.file = value,
        'C' => o.dir = value,
        'z' => o.filter = Some(Filter::Gzip),
        'j' => o.filter = Some(Filter::Bzip2),
        'J' => o.filter = Some(Filter::Xz),
        'v' => o.verbose = o.verbose.saturating_add(1),
        'O' => o.to_stdout = true,
        'k' => o.keep_old = true,
        'p' => o.preserve = true,
        'P' => o.absolute = true,
        'h' => o.dereference = true,
        _ => {}
    }
    Ok(())
}

/// Parses tar's command line, including the old style (`tar xzvf a.tgz`).
fn parse(args: &[String]) -> Result<TarOpts, Early> {
    let mut o = TarOpts::default();
    let mut rest: std::collections::VecDeque<String> = args.iter().cloned().collect();
    if let Some(first) = rest.front()
        && !first.starts_with('-')
        && !first.is_empty()
    {
        let letters = rest.pop_front().unwrap_or_default();
        for c in letters.chars() {
            if SHORT_WITH_ARG.contains(&c) {
                let Some(value) = rest.pop_front() else {
                    return Err(Early::Usage(format!(
                        "option requires an argument -- '{c}'"
                    )));
                };
                short(&mut o, c, Some(value))?;
            } else if SHORT_FLAGS.contains(&c) {
                short(&mut o, c, None)?;
            } else {
                return Err(Early::Usage(format!("invalid option -- '{c}'")));
            }
        }
    }
    while let Some(arg) = rest.pop_front() {
        if arg == "--" {
            o.members.extend(rest.drain(..));
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let exact = LONG.iter().find(|(l, _, _)| *l == name);
            let matches: Vec<_> = LONG
                .iter()
                .filter(|(l, _, _)| l.starts_with(name))
                .collect();
            let &(long, takes, letter) = match (exact, matches.as_slice()) {
                (Some(e), _) => e,
                (None, [one]) => *one,
                (None, [_, _, ..]) if !name.is_empty() => {
                    let list: String = matches
                        .iter()
                        .map(|(l, _, _)| format!(" '--{l}'"))
                        .collect();
                    return Err(Early::Usage(format!(
                        "option '--{name}' is ambiguous; possibilities:{list}"
                    )));
                }
                _ => return Err(Early::Usage(format!("unrecognized option '{arg}'"))),
            };
            let value = if takes {
                match inline.or_else(|| rest.pop_front()) {
                    Some(v) => Some(v),
                    None => {
                        return Err(Early::Usage(format!(
                            "option '--{long}' requires an argument"
                        )));
                    }
                }
            } else if inline.is_some() {
                return Err(Early::Usage(format!(
                    "option '--{long}' doesn't allow an argument"
                )));
            } else {
                None
            };
            match long {
                "help" => return Err(Early::Text(HELP.to_owned())),
                "usage" => return Err(Early::Text(USAGE.to_owned())),
                "version" => return Err(Early::Text(VERSION.to_owned())),
                "strip-components" => {
                    let v = value.unwrap_or_default();
                    match v.parse::<usize>() {
                        Ok(n) => o.strip = n,
                        Err(_) => {
                            return Err(Early::Usage(format!("Invalid number of elements: '{v}'")));
                        }
                    }
                }
                _ if letter != '\0' => short(&mut o, letter, value)?,
                _ => {}
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg.chars().skip(1).collect();
            for (i, &c) in chars.iter().enumerate() {
                if SHORT_WITH_ARG.contains(&c) {
                    let tail: String = chars[i + 1..].iter().collect();
                    let value = if !tail.is_empty() {
                        tail
                    } else if let Some(next) = rest.pop_front() {
                        next
                    } else {
                        return Err(Early::Usage(format!(
                            "option requires an argument -- '{c}'"
                        )));
                    };
                    short(&mut o, c, Some(value))?;
                    break;
                } else if SHORT_FLAGS.contains(&c) {
                    short(&mut o, c, None)?;
                } else {
                    return Err(Early::Usage(format!("invalid option -- '{c}'")));
                }
            }
        } else {
            o.members.push(arg);
        }
    }
    Ok(o)
}

/// `tar --version`.
const VERSION: &str = "\
tar (GNU tar) 1.34
Copyright (C) 2021 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.

Written by John Gilmore and Jay Fenlason.
";

/// `tar`.
pub struct Tar;

impl Command for Tar {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tar")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let opts = match parse(argv.get(1..).unwrap_or_default()) {
            Ok(opts) => opts,
            Err(Early::Text(text)) => {
                cx.out(text);
                return 0;
            }
            Err(Early::Usage(message)) => return usage_error(cx, &message),
        };
        match opts.op {
            None => usage_error(
                cx,
                "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
            ),
            Some(Op::Create) => create::create(cx, &opts),
            Some(op) => extract::extract(cx, &opts, op == Op::List),
        }
    }
}

/// `dir/name`, or `name` when there is no `-C` or `name` is absolute.
fn join(dir: Option<&str>, name: &str) -> String {
    match dir {
        Some(dir) if !name.starts_with('/') => format!("{}/{name}", dir.trim_end_matches('/')),
        _ => name.to_owned(),
    }
}

/// Checks that `-C dir` is a directory we can enter; otherwise prints tar's fatal error.
fn check_dir(cx: &mut CommandCtx<'_>, dir: Option<&str>) -> bool {
    let Some(dir) = dir else {
        return true;
    };
    let error = match cx.fs.stat(dir) {
        Ok(stat) if stat.is_dir() => return true,
        Ok(_) => crate::host::fs::FsError::NotADirectory,
        Err(err) => err,
    };
    cx.err(format!("tar: {dir}: Cannot open: {error}\n{FATAL}"));
    false
}
