//! `xargs` (GNU findutils): builds command lines from standard input and runs them as
//! registry programs (`echo` by default) through [`run_with_env`]. Items are split at blanks
//! and newlines with quotes and backslashes honoured, or at NULs (`-0`) or one character
//! (`-d`); `-n`, `-L`, `-I`, `-r`, `-t` and `-E` shape the command lines. The number of
//! command lines is bounded.

use super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::runners::run_with_env;
use super::{Command, CommandCtx, try_help, usr_bin};

/// The most command lines one `xargs` runs; input beyond them is dropped.
const MAX_RUNS: usize = 4096;

/// `xargs`.
pub struct Xargs;

/// How the input is cut into items.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Split {
    /// Blanks and newlines, with quoting (the default).
    Blanks,
    /// One delimiter byte (`-0`: NUL, `-d C`).
    Delimiter(u8),
    /// Whole lines, leading blanks dropped (`-I`).
    Lines,
}

/// The options of findutils 4.8 `xargs` (its `+` option string stops at the command).
const OPTIONS: &[Spec] = &[
    ('0', "null", Arg::No),
    ('a', "arg-file", Arg::Required),
    ('d', "delimiter", Arg::Required),
    ('E', "", Arg::Required),
    ('e', "eof", Arg::Optional),
    ('I', "", Arg::Required),
    ('i', "replace", Arg::Optional),
    ('L', "max-lines", Arg::Required),
    ('l', "", Arg::Optional),
    ('n', "max-args", Arg::Required),
    ('o', "open-tty", Arg::No),
    ('P', "max-procs", Arg::Required),
    ('p', "interactive", Arg::No),
    ('\0', "process-slot-var", Arg::Required),
    ('r', "no-run-if-empty", Arg::No),
    ('s', "max-chars", Arg::Required),
    ('\0', "show-limits", Arg::No),
    ('t', "verbose", Arg::No),
    ('x', "exit", Arg::No),
    ('\0', "help", Arg::No),
    ('\0', "version", Arg::No),
];

/// What the options asked for.
struct Plan {
    /// How input is cut into items.
    split: Split,
    /// The logical end-of-file string (`-E`).
    eof: Option<String>,
    /// The string `-I` replaces in the initial arguments.
    replace: Option<String>,
    /// Items per command line (`-n`).
    max_args: Option<usize>,
    /// Input lines per command line (`-L`, `-I`).
    max_lines: Option<usize>,
    /// `-r`: no command line for empty input.
    no_run_if_empty: bool,
    /// `-t`: print each command line on standard error first.
    verbose: bool,
    /// `-a`: read items from this file instead of standard input.
    arg_file: Option<String>,
}

impl Command for Xargs {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("xargs")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog_name(argv, "xargs").to_owned();
        let (opts, operands) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, true)
        {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return 1;
            }
        };
        let mut plan = Plan {
            split: Split::Blanks,
            eof: None,
            replace: None,
            max_args: None,
            max_lines: None,
            no_run_if_empty: false,
            verbose: false,
            arg_file: None,
        };
        for opt in opts {
            let value = opt.value.clone();
            match opt.key.as_str() {
                "help" => {
                    cx.out(HELP);
                    return 0;
                }
                "version" => {
                    let text = version(cx);
                    cx.out(text);
                    return 0;
                }
                "null" => plan.split = Split::Delimiter(0),
                "delimiter" => match delimiter(value.as_deref().unwrap_or("")) {
                    Some(d) => plan.split = Split::Delimiter(d),
                    None => {
                        cx.err(format!(
                            "{prog}: invalid input delimiter specification {}: the delimiter must be either a single character or an escape sequence starting with \\.\n",
                            value.unwrap_or_default()
                        ));
                        return 1;
                    }
                },
                "arg-file" => plan.arg_file = value,
                "E" | "eof" => plan.eof = value.filter(|v| !v.is_empty()),
                "I" | "replace" => {
                    plan.replace = Some(value.unwrap_or_else(|| "{}".to_owned()));
                    plan.max_lines = Some(1);
                    plan.max_args = None;
                }
                "max-lines" | "l" => {
                    let text = value.unwrap_or_else(|| "1".to_owned());
                    match self.count(cx, &prog, &text, if opt.key == "l" { "-l" } else { "-L" }) {
                        Ok(n) => plan.max_lines = Some(n),
                        Err(status) => return status,
                    }
                    plan.max_args = None;
                    plan.replace = None;
                }
                "max-args" => {
                    match self.count(cx, &prog, value.as_deref().unwrap_or(""), "-n") {
                        Ok(n) => plan.max_args = Some(n),
                        Err(status) => return status,
                    }
                    if plan.replace.is_none() {
                        plan.max_lines = None;
                    }
                }
                "no-run-if-empty" => plan.no_run_if_empty = true,
                "verbose" | "interactive" => plan.verbose = true,
                "max-procs" | "max-chars" => {
                    let flag = if opt.key == "max-procs" { "-P" } else { "-s" };
                    let text = value.unwrap_or_default();
                    if text.parse::<u64>().is_err() {
                        cx.err(format!(
                            "{prog}: invalid number \"{text}\" for {flag} option\n{}",
                            try_help(&prog)
                        ));
                        return 1;
                    }
                }
                _ => {}
            }
        }
        if plan.replace.is_some() {
            plan.split = match plan.split {
                Split::Blanks => Split::Lines,
                other => other,
            };
        }
        let input = match &plan.arg_file {
            Some(path) => match cx.fs.read_limited(path, super::MAX_COMMAND_OUTPUT) {
                Ok(bytes) => bytes,
                Err(err) => {
                    cx.err(format!("{prog}: {path}: {err}\n"));
                    return 1;
                }
            },
            None => cx.stdin.to_vec(),
        };
        let (lines, quote_error) = items(&input, plan.split, plan.eof.as_deref());
        let command: Vec<String> = if operands.is_empty() {
            vec!["echo".to_owned()]
        } else {
            operands
        };
        let mut status = 0;
        let groups = group(&lines, &plan);
        let runs = if groups.is_empty() && !plan.no_run_if_empty && plan.replace.is_none() {
            vec![Vec::new()]
        } else {
            groups
        };
        for args in runs.into_iter().take(MAX_RUNS) {
            if cx.output_room() == 0 {
                break;
            }
            let line: Vec<String> = match &plan.replace {
                Some(r) => {
                    let item = args.concat();
                    command
                        .iter()
                        .map(|w| w.replace(r.as_str(), &item))
                        .collect()
                }
                None => command.iter().cloned().chain(args).collect(),
            };
            if plan.verbose {
                cx.err(format!("{}\n", line.join(" ")));
            }
            let env = cx.state.env.clone();
            match run_with_env(cx, &line, env) {
                Some(255) => {
                    cx.err(format!(
                        "{prog}: {}: exited with status 255; aborting\n",
                        line[0]
                    ));
                    return 124;
                }
                Some(0) => {}
                Some(_) => status = 123,
                None => {
                    cx.err(format!("{prog}: {}: No such file or directory\n", line[0]));
                    return 127;
                }
            }
        }
        if let Some(which) = quote_error {
            cx.err(format!(
                "{prog}: unmatched {which} quote; by default quotes are special to xargs unless you use the -0 option\n"
            ));
            return 1;
        }
        status
    }
}

impl Xargs {
    /// A positive count for `flag`, or xargs' complaint.
    fn count(
        &self,
        cx: &mut CommandCtx<'_>,
        prog: &str,
        text: &str,
        flag: &str,
    ) -> Result<usize, i32> {
        match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            Ok(n) => {
                cx.err(format!(
                    "{prog}: value {n} for {flag} option should be >= 1\n{}",
                    try_help(prog)
                ));
                Err(1)
            }
            Err(_) => {
                cx.err(format!(
                    "{prog}: invalid number \"{text}\" for {flag} option\n{}",
                    try_help(prog)
                ));
                Err(1)
            }
        }
    }
}

/// `-d` argument: one character or a C escape (`\n`, `\t`, `\0`, `\x41`, `\101`).
fn delimiter(text: &str) -> Option<u8> {
    let bytes = text.as_bytes();
    match bytes {
        [one] => Some(*one),
        [b'\\', rest @ ..] => match rest {
            [b'n'] => Some(b'\n'),
            [b't'] => Some(b'\t'),
            [b'r'] => Some(b'\r'),
            [b'a'] => Some(7),
            [b'b'] => Some(8),
            [b'f'] => Some(12),
            [b'v'] => Some(11),
            [b'\\'] => Some(b'\\'),
            [b'x', hex @ ..] => u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok(),
            octal => u8::from_str_radix(std::str::from_utf8(octal).ok()?, 8).ok(),
        },
        _ => None,
    }
}

/// The input's items, each with the number of the line it ended on (for `-L`), and which
/// quote was left open, if one was (the items before it still run).
fn items(
    input: &[u8],
    split: Split,
    eof: Option<&str>,
) -> (Vec<(String, usize)>, Option<&'static str>) {
    let mut out = Vec::new();
    match split {
        Split::Delimiter(d) => {
            let mut parts: Vec<&[u8]> = input.split(|b| *b == d).collect();
            if parts.last().is_some_and(|p| p.is_empty()) {
                parts.pop();
            }
            for (line, part) in parts.into_iter().enumerate() {
                out.push((String::from_utf8_lossy(part).into_owned(), line));
            }
            return (out, None);
        }
        Split::Lines => {
            for (line, text) in input.split(|b| *b == b'\n').enumerate() {
                let text = String::from_utf8_lossy(text);
                let text = text.trim_start_matches([' ', '\t']);
                if eof.is_some_and(|e| e == text) {
                    break;
                }
                if !text.is_empty() {
                    out.push((text.to_owned(), line));
                }
            }
            return (out, None);
        }
        Split::Blanks => {}
    }
    let text = String::from_utf8_lossy(input);
    let mut chars = text.chars();
    let mut word = String::new();
    let mut in_word = false;
    let mut line = 0;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    if eof.is_some_and(|e| e == word) {
                        return (out, None);
                    }
                    out.push((std::mem::take(&mut word), line));
                    in_word = false;
                }
                if c == '\n' {
                    line += 1;
                }
            }
            '\'' | '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\n') | None => {
                            let which = if c == '\'' { "single" } else { "double" };
                            return (out, Some(which));
                        }
                        Some(other) => word.push(other),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word && eof.is_none_or(|e| e != word) {
        out.push((word, line));
    }
    (out, None)
}

/// Groups items into command lines by `-n` (items) or `-L`/`-I` (input lines).
fn group(items: &[(String, usize)], plan: &Plan) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut lines_in = 0;
    let mut last_line = None;
    for (item, line) in items {
        if let Some(max) = plan.max_lines {
            if last_line.is_some_and(|l| l != *line) {
                lines_in += 1;
                if lines_in >= max {
                    groups.push(std::mem::take(&mut current));
                    lines_in = 0;
                }
            }
            last_line = Some(*line);
        }
        current.push(item.clone());
        if plan.max_args.is_some_and(|max| current.len() >= max) {
            groups.push(std::mem::take(&mut current));
            lines_in = 0;
        }
        if groups.len() >= MAX_RUNS {
            return groups;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// `xargs --version`; findutils' version follows the release's coreutils.
fn version(cx: &CommandCtx<'_>) -> String {
    let (version, year) = match cx.host.coreutils_version.as_str() {
        "8.30" => ("4.7.0", "2019"),
        "8.32" => ("4.8.0", "2021"),
        _ => ("4.9.0", "2022"),
    };
    format!(
        "xargs (GNU findutils) {version}\n\
         Copyright (C) {year} Free Software Foundation, Inc.\n\
         License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n\
         This is free software: you are free to change and redistribute it.\n\
         There is NO WARRANTY, to the extent permitted by law.\n\
         \n\
         Written by Eric B. Decker, James Youngman, and Kevin Dalley.\n"
    )
}

/// `xargs --help` (findutils 4.8).
const HELP: &str = r#"Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...
Run COMMAND with arguments INITIAL-ARGS and more arguments read from input.

Mandatory and optional arguments to long options are also
mandatory or optional for the corresponding short option.
  -0, --null                   items are separated by a null, not whitespace;
                                 disables quote and backslash processing and
                                 logical EOF processing
  -a, --arg-file=FILE          read arguments from FILE, not standard input
  -d, --delimiter=CHARACTER    items in input stream are separated by CHARACTER,
                                 not by whitespace; disables quote and backslash
                                 processing and logical EOF processing
  -E END                       set logical EOF string; if END occurs as a line
                                 of input, the rest of the input is ignored
                                 (ignored if -0 or -d was specified)
  -e, --eof[=END]              equivalent to -E END if END is specified;
                                 otherwise, there is no end-of-file string
  -I R                         same as --replace=R
  -i, --replace[=R]            replace R in INITIAL-ARGS with names read
                                 from standard input, split at newlines;
                                 if R is unspecified, assume {}
  -L, --max-lines=MAX-LINES    use at most MAX-LINES non-blank input lines per
                                 command line
  -l[MAX-LINES]                similar to -L but defaults to at most one non-
                                 blank input line if MAX-LINES is not specified
  -n, --max-args=MAX-ARGS      use at most MAX-ARGS arguments per command line
  -o, --open-tty               Reopen stdin as /dev/tty in the child process
                                 before executing the command; useful to run an
                                 interactive application.
  -P, --max-procs=MAX-PROCS    run at most MAX-PROCS processes at a time
  -p, --interactive            prompt before running commands
      --process-slot-var=VAR   set environment variable VAR in child processes
  -r, --no-run-if-empty        if there are no arguments, then do not run COMMAND;
                                 if this option is not given, COMMAND will be
                                 run at least once
  -s, --max-chars=MAX-CHARS    limit length of command line to MAX-CHARS
      --show-limits            show limits on command-line length
  -t, --verbose                print commands before executing them
  -x, --exit                   exit if the size (see -s) is exceeded
      --help                   display this help and exit
      --version                output version information and exit

Please see also the documentation at https://www.gnu.org/software/findutils/.
You can report (and track progress on fixing) bugs in the "xargs"
program via the GNU findutils bug-reporting page at
https://savannah.gnu.org/bugs/?group=findutils or, if
you have no web access, by sending email to <bug-findutils@gnu.org>.
"#;

#[cfg(test)]
mod tests {
    //! Expected texts from GNU findutils `xargs` run on the same input.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn builds_echo_lines_by_default() {
        assert_eq!(run("printf 'a b\\nc\\n' | xargs"), "a b c\n");
        assert_eq!(run("printf '' | xargs"), "\n");
        assert_eq!(run("printf '' | xargs -r echo hi"), "");
        assert_eq!(run("printf '' | xargs echo hi"), "hi\n");
        assert_eq!(run("echo a b c | xargs -n 2 echo x"), "x a b\nx c\n");
        assert_eq!(
            run("echo 'a\\ b \"c d\" '\"'e f'\" | xargs -n1"),
            "a b\nc d\ne f\n"
        );
        assert_eq!(run("printf 'a\\0b c\\0' | xargs -0 -n1 echo"), "a\nb c\n");
        assert_eq!(run("printf 'a,b,c' | xargs -d, -n1"), "a\nb\nc\n");
        assert_eq!(run("printf '1 2\\n3\\n4\\n' | xargs -L 2"), "1 2 3\n4\n");
    }

    #[test]
    fn replace_mode_takes_whole_lines() {
        assert_eq!(
            run("printf 'a b\\n c d\\n' | xargs -I{} echo [{}]"),
            "[a b]\n[c d]\n"
        );
        assert_eq!(run("echo x | xargs -I % echo %-%"), "x-x\n");
        assert_eq!(run("echo /etc/hostname | xargs cat"), run("hostname"));
    }

    #[test]
    fn verbose_and_statuses() {
        let out =
            crate::shell::commands::testing::run_as("root", "echo a b c | xargs -n 2 -t echo x");
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "echo x a b\nx a b\necho x c\nx c\n"
        );
        assert_eq!(run_status("echo a | xargs false"), (String::new(), 123));
        assert_eq!(
            run_status("echo a | xargs nosuch"),
            ("xargs: nosuch: No such file or directory\n".into(), 127)
        );
        assert_eq!(
            run_status("echo a | xargs cd"),
            ("xargs: cd: No such file or directory\n".into(), 127)
        );
        assert_eq!(
            run_status("echo \"a 'b\" | xargs"),
            (
                "a\nxargs: unmatched single quote; by default quotes are special to xargs unless you use the -0 option\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("echo a | xargs -n x"),
            (
                "xargs: invalid number \"x\" for -n option\nTry 'xargs --help' for more information.\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("echo a | xargs -n 0"),
            (
                "xargs: value 0 for -n option should be >= 1\nTry 'xargs --help' for more information.\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("xargs -I"),
            (
                "xargs: option requires an argument -- 'I'\nTry 'xargs --help' for more information.\n"
                    .into(),
                1
            )
        );
    }

    #[test]
    fn help_and_version_are_findutils() {
        assert!(
            run("xargs --help").starts_with("Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...\n")
        );
        assert!(run("xargs --version").starts_with(
            "xargs (GNU findutils) 4.8.0\nCopyright (C) 2021 Free Software Foundation, Inc.\n"
        ));
    }

    #[test]
    fn many_items_stay_bounded() {
        let out = run("seq 1 100000 | xargs -n 1 echo | wc -l");
        assert_eq!(out, "4096\n");
    }
}
