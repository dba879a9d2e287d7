//! Names and paths: `which` (debianutils), `readlink`, `realpath`, `basename`, `dirname`
//! (GNU coreutils).

use super::opts::{self, HELP, Opt, VERSION, flag, long, with_arg};
use super::{help_or_version, prog, quotef, usage_error};
use crate::host::fs::{Access, Canon, FileType, path};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `which`: the first (`-a`: every) executable of each name on `$PATH`.
pub struct Which;

impl Command for Which {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("which")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let mut all = false;
        let mut names: Vec<&String> = Vec::new();
        let mut options = true;
        for arg in argv.iter().skip(1) {
            if options && arg == "--" {
                options = false;
                continue;
            }
            if options && arg.len() > 1 && arg.starts_with('-') {
                for c in arg.chars().skip(1) {
                    match c {
                        'a' => all = true,
                        's' => {}
                        _ => {
                            cx.err(format!("Illegal option -{c}\nUsage: {prog} [-as] args\n"));
                            return 2;
                        }
                    }
                }
                continue;
            }
            options = false;
            names.push(arg);
        }
        let path_var = cx.state.var("PATH").unwrap_or("").to_owned();
        let mut status = 0;
        for name in names {
            let mut found = false;
            let candidates: Vec<String> = if name.contains('/') {
                vec![name.clone()]
            } else {
                path_var
                    .split(':')
                    .map(|dir| if dir.is_empty() { "." } else { dir })
                    .map(|dir| format!("{}/{name}", dir.trim_end_matches('/')))
                    .collect()
            };
            for candidate in candidates {
                let executable = cx
                    .fs
                    .stat(&candidate)
                    .is_ok_and(|s| s.file_type == FileType::Regular)
                    && cx.fs.access(&candidate, Access::Exec).is_ok();
                if executable {
                    cx.out(format!("{candidate}\n"));
                    found = true;
                    if !all {
                        break;
                    }
                }
            }
            if !found {
                status = 1;
            }
        }
        status
    }
}

/// `readlink`.
pub struct Readlink;

const READLINK_SPEC: &[Opt] = &[
    flag('f', "canonicalize"),
    flag('e', "canonicalize-existing"),
    flag('m', "canonicalize-missing"),
    flag('n', "no-newline"),
    flag('q', "quiet"),
    flag('s', "silent"),
    flag('v', "verbose"),
    flag('z', "zero"),
    HELP,
    VERSION,
];

impl Command for Readlink {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("readlink")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(
            &prog,
            argv.get(1..).unwrap_or_default(),
            READLINK_SPEC,
            true,
        );
        if let Some(status) = help_or_version(cx, &args, "readlink", "Dmitry V. Levin", |cx| {
            super::help::text(cx, "readlink", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let mode = if args.has("canonicalize-existing") {
            Some(Canon::Existing)
        } else if args.has("canonicalize-missing") {
            Some(Canon::Missing)
        } else if args.has("canonicalize") {
            Some(Canon::AllButLast)
        } else {
            None
        };
        let verbose = args.has("verbose") && !(args.has("quiet") || args.has("silent"));
        let end = if args.has("zero") {
            "\0"
        } else if args.has("no-newline") && args.operands.len() == 1 {
            ""
        } else {
            "\n"
        };
        let mut status = 0;
        for file in &args.operands {
            let result = match mode {
                Some(mode) => cx.fs.canonicalize(file, mode),
                None => cx.fs.readlink(file),
            };
            match result {
                Ok(text) => cx.out(format!("{text}{end}")),
                Err(err) => {
                    if verbose {
                        let quoted = quotef(cx, file);
                        cx.err(format!("{prog}: {quoted}: {err}\n"));
                    }
                    status = 1;
                }
            }
        }
        status
    }
}

/// `realpath`.
pub struct Realpath;

const REALPATH_SPEC: &[Opt] = &[
    flag('e', "canonicalize-existing"),
    flag('m', "canonicalize-missing"),
    flag('L', "logical"),
    flag('P', "physical"),
    flag('q', "quiet"),
    with_arg('\0', "relative-to"),
    with_arg('\0', "relative-base"),
    flag('s', "strip"),
    long("no-symlinks"),
    flag('z', "zero"),
    HELP,
    VERSION,
];

impl Command for Realpath {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("realpath")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(
            &prog,
            argv.get(1..).unwrap_or_default(),
            REALPATH_SPEC,
            true,
        );
        if let Some(status) = help_or_version(cx, &args, "realpath", "Padraig Brady", |cx| {
            super::help::text(cx, "realpath", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let mode = if args.has("canonicalize-existing") {
            Canon::Existing
        } else if args.has("canonicalize-missing") {
            Canon::Missing
        } else {
            Canon::AllButLast
        };
        let strip = args.has("strip") || args.has("no-symlinks");
        let end = if args.has("zero") { "\0" } else { "\n" };
        let mut status = 0;
        for file in &args.operands {
            let result = if strip {
                Ok(path::normalize(&path::absolute(cx.fs.cwd(), file)))
            } else {
                cx.fs.canonicalize(file, mode)
            };
            match result {
                Ok(text) => cx.out(format!("{text}{end}")),
                Err(err) => {
                    if !args.has("quiet") {
                        let quoted = quotef(cx, file);
                        cx.err(format!("{prog}: {quoted}: {err}\n"));
                    }
                    status = 1;
                }
            }
        }
        status
    }
}

/// `basename`.
pub struct Basename;

const BASENAME_SPEC: &[Opt] = &[
    flag('a', "multiple"),
    with_arg('s', "suffix"),
    flag('z', "zero"),
    HELP,
    VERSION,
];

impl Command for Basename {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("basename")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(
            &prog,
            argv.get(1..).unwrap_or_default(),
            BASENAME_SPEC,
            true,
        );
        if let Some(status) = help_or_version(cx, &args, "basename", "David MacKenzie", |cx| {
            super::help::text(cx, "basename", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let operands = &args.operands;
        if operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let suffix = args.value("suffix").map(str::to_owned);
        let multiple = args.has("multiple") || suffix.is_some();
        let end = if args.has("zero") { "\0" } else { "\n" };
        let (names, suffix): (Vec<&String>, Option<String>) = if multiple {
            (operands.iter().collect(), suffix)
        } else {
            match operands.len() {
                1 => (vec![&operands[0]], None),
                2 => (vec![&operands[0]], Some(operands[1].clone())),
                _ => {
                    let quoted = cx.quote(&operands[2]);
                    return usage_error(cx, &prog, &format!("{prog}: extra operand {quoted}\n"), 1);
                }
            }
        };
        for name in names {
            let mut base = path::base_name(name).to_owned();
            if let Some(suffix) = &suffix
                && base != *suffix
                && let Some(stripped) = base.strip_suffix(suffix.as_str())
            {
                base = stripped.to_owned();
            }
            cx.out(format!("{base}{end}"));
        }
        0
    }
}

/// `dirname`.
pub struct Dirname;

const DIRNAME_SPEC: &[Opt] = &[flag('z', "zero"), HELP, VERSION];

impl Command for Dirname {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("dirname")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), DIRNAME_SPEC, true);
        let authors = "David MacKenzie and Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "dirname", authors, |cx| {
            super::help::text(cx, "dirname", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.is_empty() {
            return usage_error(cx, &prog, &format!("{prog}: missing operand\n"), 1);
        }
        let end = if args.has("zero") { "\0" } else { "\n" };
        for name in &args.operands {
            let dir = path::dir_name(name);
            cx.out(format!("{dir}{end}"));
        }
        0
    }
}
