//! Copying, moving and linking: `cp`, `mv`, `ln` (GNU coreutils).

use std::sync::Arc;

use super::opts::{self, HELP, Opt, VERSION, flag, long, short, with_arg};
use super::{help_or_version, prog, quoteaf, usage_error};
use crate::host::fs::{Access, Canon, Data, FileType, FsError, Kind, path};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// Most entries one recursive copy makes.
const MAX_COPIED: usize = 20_000;

/// Sources and destination of `cp`/`mv`/`ln`: with `-t DIR`, or the last operand.
/// `Err` is the status after reporting the usage error.
fn split_operands(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    args: &opts::Args,
) -> Result<(Vec<String>, String, bool), i32> {
    let mut operands = args.operands.clone();
    if let Some(dir) = args.value("target-directory") {
        if operands.is_empty() {
            return Err(usage_error(
                cx,
                prog,
                &format!("{prog}: missing file operand\n"),
                1,
            ));
        }
        return Ok((operands, dir.to_owned(), true));
    }
    match operands.len() {
        0 => Err(usage_error(
            cx,
            prog,
            &format!("{prog}: missing file operand\n"),
            1,
        )),
        1 => {
            let quoted = quoteaf(cx, &operands[0]);
            Err(usage_error(
                cx,
                prog,
                &format!("{prog}: missing destination file operand after {quoted}\n"),
                1,
            ))
        }
        _ => {
            let dest = operands.pop().unwrap_or_default();
            let into_dir = !args.has("no-target-directory") && cx.fs.is_dir(&dest);
            if operands.len() > 1 && !into_dir {
                let quoted = quoteaf(cx, &dest);
                cx.err(format!("{prog}: target {quoted} is not a directory\n"));
                return Err(1);
            }
            Ok((operands, dest, into_dir))
        }
    }
}

/// Where `source` goes: `dest/<basename>` when copying into a directory.
fn target_of(source: &str, dest: &str, into_dir: bool) -> String {
    if into_dir {
        let base = path::base_name(source);
        if dest.ends_with('/') {
            format!("{dest}{base}")
        } else {
            format!("{dest}/{base}")
        }
    } else {
        dest.to_owned()
    }
}

/// `cp`.
pub struct Cp;

const CP_SPEC: &[Opt] = &[
    flag('a', "archive"),
    long("attributes-only"),
    opts::optional("backup"),
    short('b', "backup"),
    long("copy-contents"),
    short('d', "d"),
    flag('f', "force"),
    flag('i', "interactive"),
    flag('H', "H"),
    flag('l', "link"),
    flag('L', "dereference"),
    flag('n', "no-clobber"),
    flag('P', "no-dereference"),
    short('p', "p"),
    opts::optional("preserve"),
    with_arg('\0', "no-preserve"),
    long("parents"),
    flag('R', "recursive"),
    short('r', "recursive"),
    opts::optional("reflink"),
    long("remove-destination"),
    opts::optional("sparse"),
    long("strip-trailing-slashes"),
    flag('s', "symbolic-link"),
    with_arg('S', "suffix"),
    with_arg('t', "target-directory"),
    flag('T', "no-target-directory"),
    flag('u', "update"),
    flag('v', "verbose"),
    flag('x', "one-file-system"),
    short('Z', "Z"),
    opts::optional("context"),
    HELP,
    VERSION,
];

impl Command for Cp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("cp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), CP_SPEC, true);
        let authors = "Torbjorn Granlund, David MacKenzie, and Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "cp", authors, |cx| {
            super::help::text(cx, "cp", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let (sources, dest, into_dir) = match split_operands(cx, &prog, &args) {
            Ok(split) => split,
            Err(status) => return status,
        };
        let archive = args.has("archive");
        let settings = CopySettings {
            recursive: archive || args.has("recursive"),
            dereference: args.has("dereference"),
            deref_top: args.has("H"),
            preserve: archive || args.has("p") || args.has("preserve"),
            no_deref: archive || args.has("d") || args.has("no-dereference"),
            no_clobber: args.has("no-clobber"),
            verbose: args.has("verbose"),
            symbolic: args.has("symbolic-link"),
            hard: args.has("link"),
        };
        let mut status = 0;
        let mut budget = MAX_COPIED;
        for source in &sources {
            let target = target_of(source, &dest, into_dir);
            if !copy(cx, &prog, source, &target, &settings, true, &mut budget) {
                status = 1;
            }
        }
        status
    }
}

struct CopySettings {
    recursive: bool,
    dereference: bool,
    deref_top: bool,
    preserve: bool,
    no_deref: bool,
    no_clobber: bool,
    verbose: bool,
    symbolic: bool,
    hard: bool,
}

/// Copies `source` to `target`; reports failures; returns whether it worked.
fn copy(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    source: &str,
    target: &str,
    s: &CopySettings,
    top: bool,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    // Links are followed unless copying recursively or with -d/-P (-L always follows;
    // -H only on the command line).
    let follow = s.dereference || (top && s.deref_top) || !(s.no_deref || s.recursive);
    let found = cx.fs.lookup(source, follow);
    let (canonical, node) = match found {
        Ok(found) => found,
        Err(err) => {
            let quoted = quoteaf(cx, source);
            cx.err(format!("{prog}: cannot stat {quoted}: {err}\n"));
            return false;
        }
    };
    let is_dir = node.dir().is_some();
    if is_dir && !s.recursive {
        let quoted = quoteaf(cx, source);
        cx.err(format!(
            "{prog}: -r not specified; omitting directory {quoted}\n"
        ));
        return false;
    }
    let target_canon = cx
        .fs
        .canonicalize(target, Canon::Missing)
        .unwrap_or_default();
    if target_canon == canonical {
        let (a, b) = (quoteaf(cx, source), quoteaf(cx, target));
        cx.err(format!("{prog}: {a} and {b} are the same file\n"));
        return false;
    }
    let existing = cx.fs.lstat(target).ok();
    if s.symbolic {
        let result = cx.fs.symlink(source, target);
        return report(
            cx,
            prog,
            target,
            "cannot create symbolic link",
            result,
            s.verbose,
            source,
        );
    }
    if is_dir {
        if path::is_within(&target_canon, &canonical) {
            let (a, b) = (quoteaf(cx, source), quoteaf(cx, target));
            cx.err(format!(
                "{prog}: cannot copy a directory, {a}, into itself, {b}\n"
            ));
            return false;
        }
        match existing {
            Some(stat) if stat.file_type != FileType::Directory => {
                let (a, b) = (quoteaf(cx, target), quoteaf(cx, source));
                cx.err(format!(
                    "{prog}: cannot overwrite non-directory {a} with directory {b}\n"
                ));
                return false;
            }
            Some(_) => {}
            None => {
                if let Err(err) = cx.fs.mkdir(target, node.meta.mode) {
                    let quoted = quoteaf(cx, target);
                    cx.err(format!("{prog}: cannot create directory {quoted}: {err}\n"));
                    return false;
                }
                if s.verbose {
                    let (a, b) = (quoteaf(cx, source), quoteaf(cx, target));
                    cx.out(format!("{a} -> {b}\n"));
                }
            }
        }
        let entries = match cx.fs.read_dir(source) {
            Ok(entries) => entries,
            Err(err) => {
                let quoted = quoteaf(cx, source);
                cx.err(format!("{prog}: cannot access {quoted}: {err}\n"));
                return false;
            }
        };
        let mut ok = true;
        for entry in entries {
            let from = format!("{}/{}", source.trim_end_matches('/'), entry.name);
            let to = format!("{}/{}", target.trim_end_matches('/'), entry.name);
            ok &= copy(cx, prog, &from, &to, s, false, budget);
        }
        if s.preserve {
            cx.fs.set_mtime(target, node.meta.mtime).ok();
        }
        return ok;
    }
    if existing.is_some_and(|e| e.file_type == FileType::Directory) {
        let quoted = quoteaf(cx, target);
        cx.err(format!(
            "{prog}: cannot overwrite directory {quoted} with non-directory\n"
        ));
        return false;
    }
    if s.no_clobber && existing.is_some() {
        return true;
    }
    if s.hard {
        let result = cx.fs.hard_link(source, target);
        return report(
            cx,
            prog,
            target,
            "cannot create hard link",
            result,
            s.verbose,
            source,
        );
    }
    let copy_link = !follow && matches!(node.kind, Kind::Symlink(_));
    if copy_link {
        let target_text = match &node.kind {
            Kind::Symlink(t) => t.to_string(),
            _ => String::new(),
        };
        if existing.is_some() {
            cx.fs.unlink(target).ok();
        }
        let result = cx.fs.symlink(&target_text, target);
        return report(
            cx,
            prog,
            target,
            "cannot create symbolic link",
            result,
            s.verbose,
            source,
        );
    }
    if !cx.fs.cred().may(&node.meta, false, Access::Read) {
        let quoted = quoteaf(cx, source);
        cx.err(format!(
            "{prog}: cannot open {quoted} for reading: Permission denied\n"
        ));
        return false;
    }
    let data = match &node.kind {
        Kind::File(Data::Proc) | Kind::Device(_) => Data::Bytes(Arc::new(cx.fs.contents(
            &canonical,
            &node,
            crate::host::fs::READ_LIMIT,
        ))),
        Kind::File(data) => data.clone(),
        _ => Data::Bytes(Arc::new(Vec::new())),
    };
    let result = cx.fs.write_data(target, data, node.meta.mode);
    if result.is_ok() && s.preserve {
        cx.fs.set_mtime(target, node.meta.mtime).ok();
        cx.fs.chmod(target, node.meta.mode).ok();
    }
    report(
        cx,
        prog,
        target,
        "cannot create regular file",
        result,
        s.verbose,
        source,
    )
}

/// Reports the result of making `target`: `prog: <what> 'target': error`, or the `-v` line.
fn report(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    target: &str,
    what: &str,
    result: Result<(), FsError>,
    verbose: bool,
    source: &str,
) -> bool {
    match result {
        Ok(()) => {
            if verbose {
                let (a, b) = (quoteaf(cx, source), quoteaf(cx, target));
                cx.out(format!("{a} -> {b}\n"));
            }
            true
        }
        Err(err) => {
            let quoted = quoteaf(cx, target);
            cx.err(format!("{prog}: {what} {quoted}: {err}\n"));
            false
        }
    }
}

/// `mv`.
pub struct Mv;

const MV_SPEC: &[Opt] = &[
    opts::optional("backup"),
    short('b', "backup"),
    flag('f', "force"),
    flag('i', "interactive"),
    flag('n', "no-clobber"),
    long("strip-trailing-slashes"),
    with_arg('S', "suffix"),
    with_arg('t', "target-directory"),
    flag('T', "no-target-directory"),
    flag('u', "update"),
    flag('v', "verbose"),
    short('Z', "context"),
    HELP,
    VERSION,
];

impl Command for Mv {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("mv")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), MV_SPEC, true);
        let authors = "Mike Parker, David MacKenzie, and Jim Meyering";
        if let Some(status) = help_or_version(cx, &args, "mv", authors, |cx| {
            super::help::text(cx, "mv", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let (sources, dest, into_dir) = match split_operands(cx, &prog, &args) {
            Ok(split) => split,
            Err(status) => return status,
        };
        let mut status = 0;
        for source in &sources {
            let target = target_of(source, &dest, into_dir);
            let source_stat = match cx.fs.lstat(source) {
                Ok(stat) => stat,
                Err(err) => {
                    let quoted = quoteaf(cx, source);
                    cx.err(format!("{prog}: cannot stat {quoted}: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            if args.has("no-clobber") && cx.fs.lstat(&target).is_ok() {
                continue;
            }
            let same = cx.fs.canonicalize(source, Canon::AllButLast).ok()
                == cx.fs.canonicalize(&target, Canon::AllButLast).ok()
                && cx.fs.lstat(&target).is_ok();
            if same {
                let (a, b) = (quoteaf(cx, source), quoteaf(cx, &target));
                cx.err(format!("{prog}: {a} and {b} are the same file\n"));
                status = 1;
                continue;
            }
            match cx.fs.rename(source, &target) {
                Ok(()) => {
                    if args.has("verbose") {
                        let (a, b) = (quoteaf(cx, source), quoteaf(cx, &target));
                        cx.out(format!("renamed {a} -> {b}\n"));
                    }
                }
                Err(err) => {
                    let (a, b) = (quoteaf(cx, source), quoteaf(cx, &target));
                    let message = match err {
                        FsError::InvalidArgument => {
                            format!("{prog}: cannot move {a} to a subdirectory of itself, {b}\n")
                        }
                        FsError::NotADirectory if source_stat.is_dir() => {
                            format!(
                                "{prog}: cannot overwrite non-directory {b} with directory {a}\n"
                            )
                        }
                        FsError::IsADirectory => {
                            format!("{prog}: cannot overwrite directory {b} with non-directory\n")
                        }
                        _ => format!("{prog}: cannot move {a} to {b}: {err}\n"),
                    };
                    cx.err(message);
                    status = 1;
                }
            }
        }
        status
    }
}

/// `ln`.
pub struct Ln;

const LN_SPEC: &[Opt] = &[
    opts::optional("backup"),
    short('b', "backup"),
    flag('d', "directory"),
    short('F', "directory"),
    flag('f', "force"),
    flag('i', "interactive"),
    flag('L', "logical"),
    flag('n', "no-dereference"),
    flag('P', "physical"),
    flag('r', "relative"),
    flag('s', "symbolic"),
    with_arg('S', "suffix"),
    with_arg('t', "target-directory"),
    flag('T', "no-target-directory"),
    flag('v', "verbose"),
    HELP,
    VERSION,
];

impl Command for Ln {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("ln")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), LN_SPEC, true);
        if let Some(status) =
            help_or_version(cx, &args, "ln", "Mike Parker and David MacKenzie", |cx| {
                super::help::text(cx, "ln", &prog).unwrap_or_default()
            })
        {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let symbolic = args.has("symbolic");
        let (sources, dest, into_dir) =
            if args.operands.len() == 1 && args.value("target-directory").is_none() {
                (args.operands.clone(), ".".to_owned(), true)
            } else {
                match split_operands(cx, &prog, &args) {
                    Ok(split) => split,
                    Err(status) => return status,
                }
            };
        let into_dir = into_dir
            && !(args.has("no-dereference")
                && cx
                    .fs
                    .lstat(&dest)
                    .is_ok_and(|s| s.file_type == FileType::Symlink));
        let mut status = 0;
        for source in &sources {
            let target = target_of(source, &dest, into_dir);
            if !symbolic {
                match cx.fs.lstat(source) {
                    Err(err) => {
                        let quoted = quoteaf(cx, source);
                        cx.err(format!("{prog}: failed to access {quoted}: {err}\n"));
                        status = 1;
                        continue;
                    }
                    Ok(stat) if stat.is_dir() => {
                        let quoted = super::quotef(cx, source);
                        cx.err(format!(
                            "{prog}: {quoted}: hard link not allowed for directory\n"
                        ));
                        status = 1;
                        continue;
                    }
                    Ok(_) => {}
                }
            }
            if args.has("force") && cx.fs.lstat(&target).is_ok_and(|s| !s.is_dir()) {
                cx.fs.unlink(&target).ok();
            }
            let result = if symbolic {
                cx.fs.symlink(source, &target)
            } else {
                cx.fs.hard_link(source, &target)
            };
            let kind = if symbolic { "symbolic" } else { "hard" };
            match result {
                Ok(()) => {
                    if args.has("verbose") {
                        let (a, b) = (quoteaf(cx, &target), quoteaf(cx, source));
                        let arrow = if symbolic { "->" } else { "=>" };
                        cx.out(format!("{a} {arrow} {b}\n"));
                    }
                }
                Err(err) => {
                    let quoted = quoteaf(cx, &target);
                    if err == FsError::Exists || symbolic {
                        cx.err(format!(
                            "{prog}: failed to create {kind} link {quoted}: {err}\n"
                        ));
                    } else {
                        let source_quoted = quoteaf(cx, source);
                        cx.err(format!(
                            "{prog}: failed to create {kind} link {quoted} => {source_quoted}: {err}\n"
                        ));
                    }
                    status = 1;
                }
            }
        }
        status
    }
}
