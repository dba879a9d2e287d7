//! Bash builtins: `echo`, `pwd`, `cd`, `export`, `history`, `true`, `false`, `exit`, `logout`.
//!
//! Builtin errors name the shell first (`-bash: cd: …`), since a login shell's `$0` is
//! `-bash`; the texts were checked against bash 5.2 run as an interactive login shell.

use super::{Command, CommandCtx, OptSpec, getopt, try_help, usr_bin};
use crate::shell::state::ShellState;

/// Parses bash builtin options (`-LP`, `--` ends them; `-` alone is an operand). Returns the
/// flags and the remaining operands, or the invalid option as bash reports it (`-x`, or `--`
/// for any long option).
fn builtin_opts<'a>(
    args: &'a [String],
    allowed: &str,
) -> Result<(Vec<char>, &'a [String]), String> {
    let mut flags = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if arg.starts_with("--") {
            return Err("--".to_owned());
        }
        let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
            break;
        };
        for c in body.chars() {
            if !allowed.contains(c) {
                return Err(format!("-{c}"));
            }
            flags.push(c);
        }
        i += 1;
    }
    Ok((flags, args.get(i..).unwrap_or_default()))
}

/// `-bash: NAME: OPT: invalid option` followed by the builtin's usage line; status 2.
fn invalid_option(cx: &mut CommandCtx<'_>, name: &str, opt: &str, usage: &str) -> i32 {
    cx.err(format!(
        "-bash: {name}: {opt}: invalid option\n{name}: usage: {usage}\n"
    ));
    2
}

/// `echo`: bash's builtin, and `/bin/echo` from coreutils (which also reads `\NNN` octal and
/// answers a lone `--help`/`--version`).
pub struct Echo;

impl Command for Echo {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("echo")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let coreutils = argv.first().is_some_and(|n| n.contains('/'));
        let args = argv.get(1..).unwrap_or_default();
        if coreutils && args.len() == 1 {
            if args[0] == "--help" {
                let text = echo_help(cx);
                cx.out(text);
                return 0;
            }
            if args[0] == "--version" {
                let text = cx.coreutils_version_text("echo", "Brian Fox and Chet Ramey");
                cx.out(text);
                return 0;
            }
        }
        let mut newline = true;
        let mut escapes = false;
        let mut first = 0;
        for arg in args {
            let Some(flags) = arg.strip_prefix('-') else {
                break;
            };
            if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
                break;
            }
            for c in flags.chars() {
                match c {
                    'n' => newline = false,
                    'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            first += 1;
        }
        let mut out = Vec::new();
        for (i, arg) in args.iter().skip(first).enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            if escapes {
                if unescape(arg, coreutils, &mut out) {
                    // `\c`: nothing more, not even the newline.
                    cx.out(out);
                    return 0;
                }
            } else {
                out.extend_from_slice(arg.as_bytes());
            }
        }
        if newline {
            out.push(b'\n');
        }
        cx.out(out);
        0
    }
}

fn echo_help(cx: &CommandCtx<'_>) -> String {
    format!(
        "Usage: /bin/echo [SHORT-OPTION]... [STRING]...\n  or:  /bin/echo LONG-OPTION\n\
         Echo the STRING(s) to standard output.\n\n\
         \x20 -n             do not output the trailing newline\n\
         \x20 -e             enable interpretation of backslash escapes\n\
         \x20 -E             disable interpretation of backslash escapes (default)\n\
         {options}\n\
         If -e is in effect, the following sequences are recognized:\n\n\
         \x20 \\\\      backslash\n\
         \x20 \\a      alert (BEL)\n\
         \x20 \\b      backspace\n\
         \x20 \\c      produce no further output\n\
         \x20 \\e      escape\n\
         \x20 \\f      form feed\n\
         \x20 \\n      new line\n\
         \x20 \\r      carriage return\n\
         \x20 \\t      horizontal tab\n\
         \x20 \\v      vertical tab\n\
         \x20 \\0NNN   byte with octal value NNN (1 to 3 digits)\n\
         \x20 \\xHH    byte with hexadecimal value HH (1 to 2 digits)\n\n\
         NOTE: your shell may have its own version of echo, which usually supersedes\n\
         the version described here.  Please refer to your shell's documentation\n\
         for details about the options it supports.\n{printf_note}{footer}",
        options = cx.coreutils_help_options(),
        printf_note = if cx.host.coreutils_version.starts_with("8.") {
            ""
        } else {
            "\nNOTE: printf(1) is a preferred alternative,\n\
             which does not have issues outputting option-like strings.\n"
        },
        footer = cx.coreutils_help_footer("echo"),
    )
}

/// Appends `arg` with `echo -e` escapes interpreted (bash's `ansicstr` for echo). Returns
/// `true` at `\c`. With `coreutils`, `\1`–`\7` start octal numbers as in `/bin/echo`; bash
/// keeps them literally and only reads octal after `\0`.
fn unescape(arg: &str, coreutils: bool, out: &mut Vec<u8>) -> bool {
    let bytes = arg.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&c) = bytes.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'e' | b'E' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'c' => return true,
            b'0'..=b'7' if c == b'0' || coreutils => {
                // After `\0` up to three octal digits; after `\1`..`\7` (coreutils) two more.
                let mut value = u32::from(c - b'0');
                let max = if c == b'0' { 3 } else { 2 };
                for _ in 0..max {
                    match bytes.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let mut value = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match bytes.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            value = value * 16 + d;
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(value as u8);
                }
            }
            b'u' | b'U' if !coreutils => {
                let max = if c == b'u' { 4 } else { 8 };
                let mut value = 0u32;
                let mut digits = 0;
                while digits < max {
                    match bytes.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            value = value.wrapping_mul(16).wrapping_add(d);
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push(b'\\');
                    out.push(c);
                } else if let Some(ch) = char::from_u32(value) {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            other => {
                // Unknown escapes (and bash's `\'`, `\"`, `\?`, `\1`…) stay as typed.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    false
}

/// `pwd`: the logical working directory (`-P`: with symlinks resolved). `/bin/pwd` is the
/// coreutils program, which defaults to `-P`.
pub struct Pwd;

/// Symlinked directories of a merged-`/usr` Ubuntu, for `pwd -P` and `cd -P`.
const DIR_SYMLINKS: &[(&str, &str)] = &[
    ("/bin", "/usr/bin"),
    ("/sbin", "/usr/sbin"),
    ("/lib", "/usr/lib"),
    ("/lib64", "/usr/lib64"),
    ("/var/run", "/run"),
    ("/var/lock", "/run/lock"),
];

/// `path` with the directory symlinks above resolved.
fn physical(path: &str) -> String {
    for (link, target) in DIR_SYMLINKS {
        if let Some(rest) = path.strip_prefix(link)
            && (rest.is_empty() || rest.starts_with('/'))
        {
            return format!("{target}{rest}");
        }
    }
    path.to_owned()
}

impl Command for Pwd {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("pwd")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let cwd = cx.state.cwd.clone();
        if argv.first().is_some_and(|n| n.contains('/')) {
            const SPEC: OptSpec = OptSpec {
                short: &[('L', "logical"), ('P', "physical")],
                long: &["logical", "physical", "help", "version"],
            };
            let prog = &argv[0];
            let parsed = getopt(prog, args, &SPEC);
            let mut logical = false;
            for opt in &parsed.opts {
                match *opt {
                    "help" => {
                        let text = format!(
                            "Usage: {prog} [OPTION]...\nPrint the full filename of the current working directory.\n\n\
                             \x20 -L, --logical   use PWD from environment, even if it contains symlinks\n\
                             \x20 -P, --physical  avoid all symlinks\n{}\n\
                             If no option is specified, -P is assumed.\n\n\
                             NOTE: your shell may have its own version of pwd, which usually supersedes\n\
                             the version described here.  Please refer to your shell's documentation\n\
                             for details about the options it supports.\n{}",
                            cx.coreutils_help_options(),
                            cx.coreutils_help_footer("pwd")
                        );
                        cx.out(text);
                        return 0;
                    }
                    "version" => {
                        let text = cx.coreutils_version_text("pwd", "Jim Meyering");
                        cx.out(text);
                        return 0;
                    }
                    "logical" => logical = true,
                    _ => logical = false,
                }
            }
            if let Some(error) = parsed.error {
                cx.err(error + &try_help(prog));
                return 1;
            }
            if !parsed.operands.is_empty() {
                cx.err(format!("{prog}: ignoring non-option arguments\n"));
            }
            let shown = if logical { cwd } else { physical(&cwd) };
            cx.out(format!("{shown}\n"));
            return 0;
        }
        let flags = match builtin_opts(args, "LP") {
            Ok((flags, _)) => flags,
            Err(opt) => return invalid_option(cx, "pwd", &opt, "pwd [-LP]"),
        };
        let shown = if flags.last() == Some(&'P') {
            physical(&cwd)
        } else {
            cwd
        };
        cx.out(format!("{shown}\n"));
        0
    }
}

/// Directories that exist on the fake host: a stand-in for the fake filesystem, which will
/// answer these questions instead. Every parent of an entry is an entry too (tested).
const KNOWN_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/dev/shm",
    "/etc",
    "/etc/apt",
    "/etc/cron.d",
    "/etc/cron.daily",
    "/etc/default",
    "/etc/init.d",
    "/etc/network",
    "/etc/skel",
    "/etc/ssh",
    "/etc/ssl",
    "/etc/systemd",
    "/home",
    "/lib",
    "/lib64",
    "/lost+found",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/root/.ssh",
    "/run",
    "/run/lock",
    "/sbin",
    "/snap",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/games",
    "/usr/include",
    "/usr/lib",
    "/usr/lib64",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/etc",
    "/usr/local/games",
    "/usr/local/include",
    "/usr/local/lib",
    "/usr/local/sbin",
    "/usr/local/share",
    "/usr/local/src",
    "/usr/sbin",
    "/usr/share",
    "/usr/src",
    "/var",
    "/var/backups",
    "/var/cache",
    "/var/crash",
    "/var/lib",
    "/var/local",
    "/var/lock",
    "/var/log",
    "/var/mail",
    "/var/opt",
    "/var/run",
    "/var/spool",
    "/var/tmp",
];

/// Directories only root may enter (mode 700 on Ubuntu).
const ROOT_ONLY_DIRS: &[&str] = &["/root", "/lost+found"];

/// What `cd` finds at a path.
#[derive(Debug, PartialEq, Eq)]
enum DirCheck {
    Dir,
    Missing,
    Denied,
}

fn check_dir(path: &str, state: &ShellState) -> DirCheck {
    let path = if path.starts_with("//") && !path.starts_with("///") {
        &path[1..]
    } else {
        path
    };
    if !state.is_root() {
        for denied in ROOT_ONLY_DIRS {
            if let Some(rest) = path.strip_prefix(denied)
                && rest.starts_with('/')
            {
                return DirCheck::Denied;
            }
            if path == *denied {
                return DirCheck::Denied;
            }
        }
    }
    let home = state.home_dir();
    if KNOWN_DIRS.contains(&path) || path == home {
        DirCheck::Dir
    } else {
        DirCheck::Missing
    }
}

/// Joins `arg` to `cwd` and removes `.`, `..` and repeated slashes like bash's logical `cd`:
/// a `..` is only taken back over a directory that exists (bash checks, so `cd /nope/..`
/// fails). A leading `//` (exactly two) is kept, as POSIX allows and bash does.
fn normalise(cwd: &str, arg: &str, state: &ShellState) -> Result<String, DirCheck> {
    let absolute = arg.starts_with('/');
    let base = if absolute { arg } else { cwd };
    let double = base.starts_with("//") && !base.starts_with("///");
    let mut parts: Vec<&str> = Vec::new();
    let mut all: Vec<&str> = Vec::new();
    if !absolute {
        all.extend(cwd.split('/'));
    }
    all.extend(arg.split('/'));
    for part in all {
        match part {
            "" | "." => {}
            ".." => {
                let here = format!("/{}", parts.join("/"));
                match check_dir(&here, state) {
                    DirCheck::Dir | DirCheck::Denied => {
                        parts.pop();
                    }
                    DirCheck::Missing => return Err(DirCheck::Missing),
                }
            }
            _ => parts.push(part),
        }
    }
    let prefix = if double { "//" } else { "/" };
    Ok(format!("{prefix}{}", parts.join("/")))
}

/// Sets a variable that bash keeps exported (PWD, OLDPWD) unless the user unexported it.
fn set_exported(state: &mut ShellState, name: &str, value: String) {
    if state.vars.contains_key(name) {
        state.vars.insert(name.to_owned(), value);
    } else {
        state.env.insert(name.to_owned(), value);
    }
}

/// `cd`: changes the logical working directory. Without a filesystem yet, only the standard
/// directories of an Ubuntu server (and the user's home) exist.
pub struct Cd;

impl Command for Cd {
    fn names(&self) -> &'static [&'static str] {
        &["cd"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (flags, operands) = match builtin_opts(args, "LPe@") {
            Ok(parsed) => parsed,
            Err(opt) => {
                return invalid_option(cx, "cd", &opt, "cd [-L|[-P [-e]] [-@]] [dir]");
            }
        };
        if operands.len() > 1 {
            cx.err("-bash: cd: too many arguments\n");
            return 1;
        }
        let mut print = false;
        let target = match operands.first().map(String::as_str) {
            None => match cx.state.var("HOME") {
                Some(home) => home.to_owned(),
                None => {
                    cx.err("-bash: cd: HOME not set\n");
                    return 1;
                }
            },
            Some("-") => match cx.state.var("OLDPWD") {
                Some(old) if !old.is_empty() => {
                    print = true;
                    old.to_owned()
                }
                _ => {
                    cx.err("-bash: cd: OLDPWD not set\n");
                    return 1;
                }
            },
            Some(dir) => dir.to_owned(),
        };
        if target.is_empty() {
            // bash 5: `cd ""` changes nothing and succeeds.
            return 0;
        }
        let cwd = cx.state.cwd.clone();
        let resolved = match normalise(&cwd, &target, cx.state) {
            Ok(path) => path,
            Err(_) => {
                cx.err(format!("-bash: cd: {target}: No such file or directory\n"));
                return 1;
            }
        };
        match check_dir(&resolved, cx.state) {
            DirCheck::Dir => {}
            DirCheck::Missing => {
                cx.err(format!("-bash: cd: {target}: No such file or directory\n"));
                return 1;
            }
            DirCheck::Denied => {
                cx.err(format!("-bash: cd: {target}: Permission denied\n"));
                return 1;
            }
        }
        let new = if flags.contains(&'P') {
            physical(&resolved)
        } else {
            resolved
        };
        let old = cx
            .state
            .var("PWD")
            .map_or_else(|| cwd.clone(), str::to_owned);
        set_exported(cx.state, "OLDPWD", old);
        set_exported(cx.state, "PWD", new.clone());
        cx.state.cwd = new.clone();
        if print {
            cx.out(format!("{new}\n"));
        }
        0
    }
}

/// `export`: marks variables exported, or lists them as `declare -x`.
pub struct Export;

/// A value as `declare -x` shows it: in double quotes, with `"`, `\`, `$` and `` ` `` escaped.
fn declare_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Command for Export {
    fn names(&self) -> &'static [&'static str] {
        &["export"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        let (flags, operands) = match builtin_opts(args, "fnp") {
            Ok(parsed) => parsed,
            Err(opt) => {
                return invalid_option(
                    cx,
                    "export",
                    &opt,
                    "export [-fn] [name[=value] ...] or export -p",
                );
            }
        };
        if operands.is_empty() {
            let mut text = String::new();
            for (name, value) in &cx.state.env {
                text.push_str(&format!("declare -x {name}={}\n", declare_quote(value)));
            }
            cx.out(text);
            return 0;
        }
        let mut status = 0;
        for operand in operands {
            let (name, value) = match operand.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (operand.as_str(), None),
            };
            if !crate::shell::parser::is_name(name) {
                cx.err(format!(
                    "-bash: export: `{operand}': not a valid identifier\n"
                ));
                status = 1;
                continue;
            }
            if flags.contains(&'f') {
                cx.err(format!("-bash: export: {name}: not a function\n"));
                status = 1;
                continue;
            }
            if let Some(value) = &value
                && !cx.state.can_hold(name, value)
            {
                cx.err(format!(
                    "-bash: xmalloc: cannot allocate {} bytes\n",
                    value.len()
                ));
                status = 1;
                continue;
            }
            if flags.contains(&'n') {
                if let Some(value) = value {
                    cx.state.set_var(name, value);
                }
                cx.state.unexport(name);
            } else {
                cx.state.export(name, value);
            }
        }
        status
    }
}

/// `history`: the numbered list of lines entered.
pub struct History;

const HISTORY_USAGE: &str =
    "history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]";

impl Command for History {
    fn names(&self) -> &'static [&'static str] {
        &["history"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let args = argv.get(1..).unwrap_or_default();
        // `-d` takes an argument, so options are parsed by hand.
        let mut rest = args;
        let mut clear = false;
        let mut delete: Option<String> = None;
        let mut print_args = false;
        let mut store_args = false;
        while let Some(arg) = rest.first() {
            if arg == "--" {
                rest = &rest[1..];
                break;
            }
            if arg.starts_with("--") {
                return invalid_option(cx, "history", "--", HISTORY_USAGE);
            }
            let Some(body) = arg.strip_prefix('-').filter(|b| !b.is_empty()) else {
                break;
            };
            rest = &rest[1..];
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                match c {
                    'c' => clear = true,
                    'a' | 'n' | 'r' | 'w' => {}
                    'p' => print_args = true,
                    's' => store_args = true,
                    'd' => {
                        let inline: String = chars.by_ref().collect();
                        if !inline.is_empty() {
                            delete = Some(inline);
                        } else if let Some(next) = rest.first() {
                            delete = Some(next.clone());
                            rest = &rest[1..];
                        } else {
                            cx.err(
                                "-bash: history: -d: option requires an argument\n".to_owned()
                                    + "history: usage: "
                                    + HISTORY_USAGE
                                    + "\n",
                            );
                            return 2;
                        }
                    }
                    other => {
                        return invalid_option(cx, "history", &format!("-{other}"), HISTORY_USAGE);
                    }
                }
            }
        }
        let state = &mut *cx.state;
        if clear {
            state.history.clear();
            state.history_base = 0;
            return 0;
        }
        if let Some(offset) = delete {
            let n: Option<i64> = offset.trim().parse().ok();
            let total = state.history.len() as i64;
            let base = state.history_base as i64;
            let index = match n {
                Some(n) if n < 0 && -n <= total => Some((total + n) as usize),
                Some(n) if n > base && n - base <= total => Some((n - base - 1) as usize),
                _ => None,
            };
            let Some(index) = index else {
                cx.err(format!(
                    "-bash: history: {offset}: history position out of range\n"
                ));
                return 1;
            };
            state.history.remove(index);
            return 0;
        }
        if print_args {
            let text: String = rest.iter().map(|a| format!("{a}\n")).collect();
            cx.out(text);
            return 0;
        }
        if store_args {
            if !rest.is_empty() {
                // Replaces the `history -s …` line itself, as bash does.
                state.history.pop();
                state.history.push(rest.join(" "));
            }
            return 0;
        }
        if rest.len() > 1 {
            cx.err("-bash: history: too many arguments\n");
            return 1;
        }
        let count = match rest.first() {
            None => state.history.len(),
            Some(n) => match n.trim().parse::<i64>() {
                Ok(n) if n >= 0 => (n as usize).min(state.history.len()),
                _ => {
                    cx.err(format!("-bash: history: {n}: numeric argument required\n"));
                    return 1;
                }
            },
        };
        let skip = state.history.len() - count;
        let mut text = String::new();
        for (i, line) in state.history.iter().enumerate().skip(skip) {
            text.push_str(&format!("{:>5}  {line}\n", state.history_base + i + 1));
        }
        cx.out(text);
        0
    }
}

/// `true`: status 0, whatever the arguments.
pub struct True;

impl Command for True {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("true")
    }

    fn run(&self, _: &mut CommandCtx<'_>, _: &[String]) -> i32 {
        0
    }
}

/// `false`: status 1, whatever the arguments.
pub struct False;

impl Command for False {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("false")
    }

    fn run(&self, _: &mut CommandCtx<'_>, _: &[String]) -> i32 {
        1
    }
}

/// What `exit`/`logout` do with their arguments (bash's `get_exitstat`).
fn exit_with(cx: &mut CommandCtx<'_>, name: &str, argv: &[String]) -> i32 {
    let mut args = argv.get(1..).unwrap_or_default();
    if args.first().is_some_and(|a| a == "--") {
        args = &args[1..];
    }
    let Some(arg) = args.first() else {
        let status = cx.state.last_status;
        cx.request_exit(status);
        return status;
    };
    let Ok(n) = arg.trim().parse::<i64>() else {
        cx.err(format!("-bash: {name}: {arg}: numeric argument required\n"));
        cx.request_exit(2);
        return 2;
    };
    if args.len() > 1 {
        cx.err(format!("-bash: {name}: too many arguments\n"));
        cx.abort_line();
        return 1;
    }
    let status = (n & 0xff) as i32;
    cx.request_exit(status);
    status
}

/// `exit [n]`: ends the shell. The `logout` line an interactive login bash prints first is
/// the caller's to write, since only it knows whether the session is interactive.
pub struct Exit;

impl Command for Exit {
    fn names(&self) -> &'static [&'static str] {
        &["exit"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        exit_with(cx, "exit", argv)
    }
}

/// `logout [n]`: ends a login shell, like `exit`.
pub struct Logout;

impl Command for Logout {
    fn names(&self) -> &'static [&'static str] {
        &["logout"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        exit_with(cx, "logout", argv)
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_as, run_status};

    #[test]
    fn echo_test_then_pwd() {
        assert_eq!(run("echo test; pwd"), "test\n/root\n");
    }

    #[test]
    fn echo_options_like_bash() {
        // Expected bytes were taken from bash 5.2's builtin echo.
        let cases: &[(&str, &[u8])] = &[
            (r#"echo -e "a\tb\x41""#, b"a\tbA\n"),
            (r#"echo -e "\x""#, b"\\x\n"),
            (r#"echo -e "\x4g""#, b"\x04g\n"),
            (r#"echo -e "a\cb"; echo"#, b"a\n"),
            (r#"echo -e "\0101\01\0""#, b"A\x01\x00\n"),
            (r#"echo -e "\101\1""#, b"\\101\\1\n"),
            (r#"echo -e "\\' \\\" \\? \\q \\""#, b"\\' \\\" \\? \\q \\\n"),
            (r#"echo -e "\e[1m" "\E""#, b"\x1b[1m \x1b\n"),
            (r#"echo -e "\u00e9\U0001F600\u""#, "é😀\\u\n".as_bytes()),
            (r#"echo -nE "a\tb""#, b"a\\tb"),
            (r#"echo -en "a\tb""#, b"a\tb"),
            (r#"echo -e -E "\t""#, b"\\t\n"),
            (r#"echo -neX "\t""#, b"-neX \\t\n"),
            ("echo - -- -n", b"- -- -n\n"),
            (r#"echo -e "trail\\""#, b"trail\\\n"),
            (r#"echo "a\tb""#, b"a\\tb\n"),
            (r#"echo -e "\a\b\f\v\r""#, b"\x07\x08\x0c\x0b\r\n"),
            ("echo --help", b"--help\n"),
            ("echo", b"\n"),
            ("echo -n", b""),
        ];
        for (line, expected) in cases {
            assert_eq!(run_as("root", line).output, *expected, "{line}");
        }
    }

    #[test]
    fn bin_echo_is_coreutils() {
        assert_eq!(run_as("root", r#"/bin/echo -e "\101""#).output, b"A\n");
        assert!(run("/bin/echo --help").starts_with("Usage: /bin/echo [SHORT-OPTION]..."));
        assert!(run("/usr/bin/echo --version").starts_with("echo (GNU coreutils) 8.32\n"));
    }

    #[test]
    fn pwd_and_errors() {
        assert_eq!(run("pwd"), "/root\n");
        assert_eq!(run("pwd foo"), "/root\n");
        assert_eq!(
            run_status("pwd -Lx"),
            (
                "-bash: pwd: -x: invalid option\npwd: usage: pwd [-LP]\n".to_owned(),
                2
            )
        );
        assert_eq!(
            run("pwd --foo"),
            "-bash: pwd: --: invalid option\npwd: usage: pwd [-LP]\n"
        );
        assert_eq!(
            run("cd /var/run; pwd; pwd -P; cd ..; pwd"),
            "/var/run\n/run\n/var\n"
        );
        assert_eq!(run("cd /bin; /bin/pwd; /bin/pwd -L"), "/usr/bin\n/bin\n");
    }

    #[test]
    fn cd_normalises() {
        assert_eq!(run("cd /tmp/; pwd"), "/tmp\n");
        assert_eq!(run("cd ///tmp/./; pwd"), "/tmp\n");
        assert_eq!(run("cd //tmp; pwd"), "//tmp\n");
        assert_eq!(run("cd /..; pwd"), "/\n");
        assert_eq!(run("cd /usr/local/../bin; pwd"), "/usr/bin\n");
        assert_eq!(run("cd ..; pwd; cd var/log; pwd"), "/\n/var/log\n");
        assert_eq!(run("cd /tmp; cd; pwd"), "/root\n");
        assert_eq!(
            run("cd /tmp; cd ~; pwd; echo $PWD $OLDPWD"),
            "/root\n/root /tmp\n"
        );
        assert_eq!(run("cd /etc; cd -; cd -"), "/root\n/etc\n");
        assert_eq!(run("cd /tmp; cd ''; pwd"), "/tmp\n");
    }

    #[test]
    fn cd_errors_like_bash() {
        assert_eq!(
            run_status("cd /nope"),
            (
                "-bash: cd: /nope: No such file or directory\n".to_owned(),
                1
            )
        );
        assert_eq!(
            run("cd nope; pwd"),
            "-bash: cd: nope: No such file or directory\n/root\n"
        );
        assert_eq!(
            run("cd /nope/.."),
            "-bash: cd: /nope/..: No such file or directory\n"
        );
        assert_eq!(run("cd -"), "-bash: cd: OLDPWD not set\n");
        assert_eq!(run("cd a b"), "-bash: cd: too many arguments\n");
        assert_eq!(
            run_status("cd -x"),
            (
                "-bash: cd: -x: invalid option\ncd: usage: cd [-L|[-P [-e]] [-@]] [dir]\n"
                    .to_owned(),
                2
            )
        );
        assert_eq!(run("cd /tmp; HOME= cd; pwd"), "/tmp\n");
        let user =
            String::from_utf8_lossy(&run_as("alice", "cd /root; cd /home/alice; pwd").output)
                .into_owned();
        assert_eq!(user, "-bash: cd: /root: Permission denied\n/home/alice\n");
    }

    #[test]
    fn export_lists_and_sets() {
        assert_eq!(
            run("export A='a\"b$c\\d`e'; export | grep -v x; export -p"),
            format!(
                "-bash: grep: command not found\n{}",
                [
                    "declare -x A=\"a\\\"b\\$c\\\\d\\`e\"",
                    "declare -x HOME=\"/root\"",
                    "declare -x LANG=\"C.UTF-8\"",
                    "declare -x LOGNAME=\"root\"",
                    "declare -x MAIL=\"/var/mail/root\"",
                    "declare -x PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin\"",
                    "declare -x PWD=\"/root\"",
                    "declare -x SHELL=\"/bin/bash\"",
                    "declare -x SHLVL=\"1\"",
                    "declare -x USER=\"root\"",
                    "",
                ]
                .join("\n")
            )
        );
        assert_eq!(
            run("X=1; export X; export | grep X; echo $X"),
            "-bash: grep: command not found\n1\n"
        );
        assert_eq!(
            run_status("export 1a=b"),
            (
                "-bash: export: `1a=b': not a valid identifier\n".to_owned(),
                1
            )
        );
        assert_eq!(
            run_status("export -x"),
            (
                "-bash: export: -x: invalid option\nexport: usage: export [-fn] [name[=value] ...] or export -p\n"
                    .to_owned(),
                2
            )
        );
        assert_eq!(run("V='a  b'; export W=$V; echo \"$W\""), "a  b\n");
    }

    #[test]
    fn history_format_and_options() {
        assert_eq!(run("history"), "    1  history\n");
        let shell = std::sync::Arc::new(crate::shell::commands::testing::host());
        let shell = crate::shell::Shell::new(shell);
        let mut state = crate::shell::ShellState::login("root");
        for line in ["ls", "cd /tmp", " hidden", "ls", "ls"] {
            shell.run_line(&mut state, line);
        }
        let out = shell.run_line(&mut state, "history");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "    1  ls\n    2  cd /tmp\n    3  ls\n    4  history\n"
        );
        let out = shell.run_line(&mut state, "history 2");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "    4  history\n    5  history 2\n"
        );
        let out = shell.run_line(&mut state, "history abc");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: abc: numeric argument required\n"
        );
        assert_eq!(out.status, 1);
        let out = shell.run_line(&mut state, "history 2 3");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: too many arguments\n"
        );
        let out = shell.run_line(&mut state, "history -d 99");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: 99: history position out of range\n"
        );
        let out = shell.run_line(&mut state, "history -x");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-bash: history: -x: invalid option\nhistory: usage: history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]\n"
        );
        let out = shell.run_line(&mut state, "history -c; history");
        assert_eq!(out.output, b"");
        let out = shell.run_line(&mut state, "history");
        assert_eq!(String::from_utf8_lossy(&out.output), "    1  history\n");
    }

    #[test]
    fn history_numbers_continue_past_the_cap() {
        let shell =
            crate::shell::Shell::new(std::sync::Arc::new(crate::shell::commands::testing::host()));
        let mut state = crate::shell::ShellState::login("root");
        for i in 0..1200 {
            shell.run_line(&mut state, &format!("true {i}"));
        }
        let out = shell.run_line(&mut state, "history 2");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            " 1200  true 1199\n 1201  history 2\n"
        );
    }

    #[test]
    fn true_false_and_exit() {
        assert_eq!(run_status("true"), (String::new(), 0));
        assert_eq!(run_status("false"), (String::new(), 1));
        assert_eq!(run_status("/bin/false --help"), (String::new(), 1));
        let out = run_as("root", "exit");
        assert!(out.exit);
        assert_eq!((out.status, out.output.as_slice()), (0, &b""[..]));
        let out = run_as("root", "false; exit");
        assert!(out.exit && out.status == 1);
        let out = run_as("root", "exit 300; echo not reached");
        assert!(out.exit && out.status == 44 && out.output.is_empty());
        let out = run_as("root", "exit -1");
        assert!(out.exit && out.status == 255);
        let out = run_as("root", "logout 4");
        assert!(out.exit && out.status == 4);
        let out = run_as("root", "exit abc");
        assert!(out.exit && out.status == 2);
        assert_eq!(out.output, b"-bash: exit: abc: numeric argument required\n");
        let out = run_as("root", "exit 1 2; echo same line");
        assert!(!out.exit);
        assert_eq!(
            (out.status, out.output.as_slice()),
            (1, &b"-bash: exit: too many arguments\n"[..])
        );
        let out = run_as("root", "exit 3 | true; echo still here");
        assert!(!out.exit);
        assert_eq!(out.output, b"still here\n");
        let out = run_as("root", "(exit 3); echo $?");
        assert!(!out.exit);
        assert_eq!(out.output, b"3\n");
    }
}
