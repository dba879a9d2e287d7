//! What is in files: `cat`, `head`, `tail`, `wc`, `tee` (GNU coreutils).

use super::opts::{self, HELP, Opt, VERSION, flag, short, with_arg};
use super::{help_or_version, prog, quoteaf, quotef, usage_error};
use crate::host::fs::{FsError, FsResult};
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// Reads operand `name` (`-` is standard input).
pub(super) fn read_input(cx: &CommandCtx<'_>, name: &str) -> FsResult<Vec<u8>> {
    if name == "-" {
        return Ok(cx.stdin.to_vec());
    }
    cx.fs.read(name)
}

/// The operands, or `-` when there are none.
fn inputs(operands: &[String]) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands.to_vec()
    }
}

/// `cat`.
pub struct Cat;

const CAT_SPEC: &[Opt] = &[
    flag('A', "show-all"),
    flag('b', "number-nonblank"),
    short('e', "e"),
    flag('E', "show-ends"),
    flag('n', "number"),
    flag('s', "squeeze-blank"),
    short('t', "t"),
    flag('T', "show-tabs"),
    short('u', "u"),
    flag('v', "show-nonprinting"),
    HELP,
    VERSION,
];

impl Command for Cat {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("cat")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), CAT_SPEC, true);
        let authors = "Torbjorn Granlund and Richard M. Stallman";
        if let Some(status) = help_or_version(cx, &args, "cat", authors, |cx| {
            super::help::text(cx, "cat", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let (mut number, mut nonblank, mut ends, mut squeeze, mut tabs, mut nonprinting) =
            (false, false, false, false, false, false);
        for (id, _) in &args.opts {
            match *id {
                "show-all" => (nonprinting, ends, tabs) = (true, true, true),
                "number-nonblank" => nonblank = true,
                "e" => (nonprinting, ends) = (true, true),
                "show-ends" => ends = true,
                "number" => number = true,
                "squeeze-blank" => squeeze = true,
                "t" => (nonprinting, tabs) = (true, true),
                "show-tabs" => tabs = true,
                "show-nonprinting" => nonprinting = true,
                _ => {}
            }
        }
        let plain = !(number || nonblank || ends || squeeze || tabs || nonprinting);
        let mut status = 0;
        let mut line_no = 0u64;
        let mut blank_run = 0;
        for name in inputs(&args.operands) {
            if cx.output_room() == 0 {
                break;
            }
            let data = match read_input(cx, &name) {
                Ok(data) => data,
                Err(err) => {
                    let quoted = quotef(cx, &name);
                    cx.err(format!("{prog}: {quoted}: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            if plain {
                cx.out(&data);
                continue;
            }
            let mut out = Vec::with_capacity(data.len() + data.len() / 8);
            for line in data.split_inclusive(|b| *b == b'\n') {
                let body = line.strip_suffix(b"\n").unwrap_or(line);
                let newline = line.len() != body.len();
                if body.is_empty() && newline {
                    blank_run += 1;
                    if squeeze && blank_run > 1 {
                        continue;
                    }
                } else {
                    blank_run = 0;
                }
                if (number && !nonblank) || (nonblank && !body.is_empty()) {
                    line_no += 1;
                    out.extend_from_slice(format!("{line_no:>6}\t").as_bytes());
                }
                for &b in body {
                    match b {
                        b'\t' if tabs => out.extend_from_slice(b"^I"),
                        b'\t' => out.push(b),
                        _ if nonprinting => push_visible(&mut out, b),
                        _ => out.push(b),
                    }
                }
                if newline {
                    if ends {
                        out.push(b'$');
                    }
                    out.push(b'\n');
                }
            }
            cx.out(out);
        }
        status
    }
}

/// `cat -v`'s notation: `^X` for controls, `M-` for the high half, `^?` for DEL.
fn push_visible(out: &mut Vec<u8>, b: u8) {
    let (meta, low) = if b >= 128 {
        (true, b - 128)
    } else {
        (false, b)
    };
    if meta {
        out.extend_from_slice(b"M-");
    }
    match low {
        0..=31 => {
            out.push(b'^');
            out.push(low + 64);
        }
        127 => out.extend_from_slice(b"^?"),
        _ => out.push(low),
    }
}

/// A count with GNU's size suffixes (`10K`, `1M`, `2kB`, `1b` = 512).
fn parse_count(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    let n: u64 = digits.parse().ok()?;
    let multiplier: u64 = match suffix {
        "" => 1,
        "b" => 512,
        "kB" | "KB" => 1000,
        "K" | "KiB" | "k" => 1024,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        "T" | "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(multiplier)
}

/// `-n`/`-c` of head and tail: the count and whether it had a sign (`-N` for head, `+N`
/// for tail).
fn signed_count(text: &str) -> Option<(u64, Option<char>)> {
    match text.chars().next() {
        Some(sign @ ('-' | '+')) => parse_count(&text[1..]).map(|n| (n, Some(sign))),
        _ => parse_count(text).map(|n| (n, None)),
    }
}

/// `head -5`, `tail -5`, `tail +5`: the obsolete count forms, rewritten as `-n`.
fn obsolete_count(args: &[String]) -> Vec<String> {
    let mut out: Vec<String> = args.to_vec();
    if let Some(first) = out.first()
        && first.len() > 1
        && (first.starts_with('-') || first.starts_with('+'))
        && first[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    {
        let digits_end = first[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(first.len(), |i| i + 1);
        let (count, rest) = first.split_at(digits_end);
        let (flag, count) = match (count.starts_with('+'), rest) {
            (_, "c") => ("-c", count.trim_start_matches('-').to_owned()),
            (true, _) => ("-n", count.to_owned()),
            (false, _) => ("-n", count[1..].to_owned()),
        };
        out.splice(0..1, [flag.to_owned(), count]);
    }
    out
}

/// `head`.
pub struct Head;

const HEAD_SPEC: &[Opt] = &[
    with_arg('c', "bytes"),
    with_arg('n', "lines"),
    flag('q', "quiet"),
    opts::long("silent"),
    flag('v', "verbose"),
    flag('z', "zero-terminated"),
    HELP,
    VERSION,
];

impl Command for Head {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("head")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        head_or_tail(cx, argv, false)
    }
}

/// `tail`.
pub struct Tail;

const TAIL_SPEC: &[Opt] = &[
    with_arg('c', "bytes"),
    opts::optional("follow"),
    short('f', "follow"),
    short('F', "follow-retry"),
    with_arg('n', "lines"),
    with_arg('\0', "max-unchanged-stats"),
    with_arg('\0', "pid"),
    flag('q', "quiet"),
    opts::long("silent"),
    opts::long("retry"),
    with_arg('s', "sleep-interval"),
    flag('v', "verbose"),
    flag('z', "zero-terminated"),
    HELP,
    VERSION,
];

impl Command for Tail {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tail")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        head_or_tail(cx, argv, true)
    }
}

fn head_or_tail(cx: &mut CommandCtx<'_>, argv: &[String], tail: bool) -> i32 {
    let prog = prog(argv).to_owned();
    let name = if tail { "tail" } else { "head" };
    let raw = obsolete_count(argv.get(1..).unwrap_or_default());
    let spec = if tail { TAIL_SPEC } else { HEAD_SPEC };
    let args = opts::parse(&prog, &raw, spec, true);
    let authors = if tail {
        "Paul Rubin, David MacKenzie, Ian Lance Taylor,\nand Jim Meyering"
    } else {
        "David MacKenzie and Jim Meyering"
    };
    if let Some(status) = help_or_version(cx, &args, name, authors, |cx| {
        super::help::text(cx, name, &prog).unwrap_or_default()
    }) {
        return status;
    }
    if let Some(error) = &args.error {
        return usage_error(cx, &prog, error, 1);
    }
    let mut bytes_mode = false;
    let mut count: (u64, Option<char>) = (10, None);
    let mut verbose = false;
    let mut quiet = false;
    let mut delimiter = b'\n';
    for (id, value) in &args.opts {
        let value = value.as_deref().unwrap_or("");
        match *id {
            "bytes" | "lines" => {
                bytes_mode = *id == "bytes";
                match signed_count(value) {
                    Some(c) => count = c,
                    None => {
                        let what = if bytes_mode { "bytes" } else { "lines" };
                        let quoted = cx.quote(value);
                        cx.err(format!("{prog}: invalid number of {what}: {quoted}\n"));
                        return 1;
                    }
                }
            }
            "verbose" => {
                verbose = true;
                quiet = false;
            }
            "quiet" | "silent" => {
                quiet = true;
                verbose = false;
            }
            "zero-terminated" => delimiter = 0,
            _ => {}
        }
    }
    let files = inputs(&args.operands);
    let headers = verbose || (files.len() > 1 && !quiet);
    let mut status = 0;
    let mut first = true;
    for file in &files {
        let data = match read_input(cx, file) {
            Ok(data) => data,
            Err(FsError::IsADirectory) => {
                let quoted = quoteaf(cx, file);
                if headers {
                    let shown = if file == "-" { "standard input" } else { file };
                    cx.out(format!(
                        "{}==> {shown} <==\n",
                        if first { "" } else { "\n" }
                    ));
                    first = false;
                }
                cx.err(format!("{prog}: error reading {quoted}: Is a directory\n"));
                status = 1;
                continue;
            }
            Err(err) => {
                let quoted = quoteaf(cx, file);
                cx.err(format!("{prog}: cannot open {quoted} for reading: {err}\n"));
                status = 1;
                continue;
            }
        };
        if headers {
            let shown = if file == "-" { "standard input" } else { file };
            cx.out(format!(
                "{}==> {shown} <==\n",
                if first { "" } else { "\n" }
            ));
        }
        first = false;
        let n = usize::try_from(count.0).unwrap_or(usize::MAX);
        let part: &[u8] = if bytes_mode {
            match (tail, count.1) {
                (false, Some('-')) => &data[..data.len().saturating_sub(n)],
                (false, _) => &data[..data.len().min(n)],
                (true, Some('+')) => &data[n.saturating_sub(1).min(data.len())..],
                (true, _) => &data[data.len().saturating_sub(n)..],
            }
        } else {
            let ends: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == delimiter)
                .map(|(i, _)| i + 1)
                .collect();
            // Line k (from 0) ends at ends[k]; a last line without newline ends at len.
            let mut bounds = ends.clone();
            if data.last().is_some_and(|b| *b != delimiter) {
                bounds.push(data.len());
            }
            let lines = bounds.len();
            let start_of = |k: usize| if k == 0 { 0 } else { bounds[k - 1] };
            match (tail, count.1) {
                (false, Some('-')) => &data[..start_of(lines.saturating_sub(n))],
                (false, _) => &data[..if n >= lines { data.len() } else { start_of(n) }],
                (true, Some('+')) => &data[start_of(n.saturating_sub(1).min(lines))..],
                (true, _) => &data[start_of(lines.saturating_sub(n))..],
            }
        };
        cx.out(part);
    }
    status
}

/// `wc`.
pub struct Wc;

const WC_SPEC: &[Opt] = &[
    flag('c', "bytes"),
    flag('m', "chars"),
    flag('l', "lines"),
    with_arg('\0', "files0-from"),
    flag('L', "max-line-length"),
    flag('w', "words"),
    with_arg('\0', "total"),
    HELP,
    VERSION,
];

impl Command for Wc {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("wc")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), WC_SPEC, true);
        if let Some(status) =
            help_or_version(cx, &args, "wc", "Paul Rubin and David MacKenzie", |cx| {
                super::help::text(cx, "wc", &prog).unwrap_or_default()
            })
        {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let mut want = [
            args.has("lines"),
            args.has("words"),
            args.has("chars"),
            args.has("bytes"),
            args.has("max-line-length"),
        ];
        if !want.iter().any(|w| *w) {
            want = [true, true, false, true, false];
        }
        let files = inputs(&args.operands);
        let single = want.iter().filter(|w| **w).count() == 1;
        // GNU's column width: digits of the regular files' total size, at least 7 if
        // any input is not a regular file, 1 for a single count of a single input.
        let width = if files.len() == 1 && single {
            1
        } else {
            let mut total = 0u64;
            let mut minimum = 1;
            for file in &files {
                if file == "-" {
                    minimum = 7;
                    continue;
                }
                match cx.fs.stat(file) {
                    Ok(stat) if stat.file_type == crate::host::fs::FileType::Regular => {
                        total += stat.size;
                    }
                    Ok(_) => minimum = 7,
                    Err(_) => {}
                }
            }
            total.to_string().len().max(minimum)
        };
        let utf8 = super::utf8(cx);
        let mut status = 0;
        let mut totals = [0u64; 5];
        for file in &files {
            let data = match read_input(cx, file) {
                Ok(data) => Some(data),
                Err(err) => {
                    let quoted = quotef(cx, file);
                    cx.err(format!("{prog}: {quoted}: {err}\n"));
                    status = 1;
                    if err == FsError::IsADirectory {
                        Some(Vec::new())
                    } else {
                        None
                    }
                }
            };
            let Some(data) = data else { continue };
            let counts = count(&data, utf8);
            for (t, c) in totals.iter_mut().zip(counts) {
                *t += c;
            }
            totals[4] = totals[4].max(counts[4]);
            let label = if file == "-" && args.operands.is_empty() {
                None
            } else {
                Some(file.as_str())
            };
            let line = format_counts(&want, &counts, width, label);
            cx.out(line);
        }
        if files.len() > 1 {
            let line = format_counts(&want, &totals, width, Some("total"));
            cx.out(line);
        }
        status
    }
}

/// Lines, words, characters, bytes and the longest line of `data`.
fn count(data: &[u8], utf8: bool) -> [u64; 5] {
    let lines = data.iter().filter(|b| **b == b'\n').count() as u64;
    let text = String::from_utf8_lossy(data);
    let words = text
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .count() as u64;
    let chars = if utf8 {
        text.chars().count() as u64
    } else {
        data.len() as u64
    };
    let mut longest = 0u64;
    for line in text.split('\n') {
        let mut width = 0u64;
        for c in line.chars() {
            width = if c == '\t' {
                (width / 8 + 1) * 8
            } else {
                width + 1
            };
        }
        longest = longest.max(width);
    }
    [lines, words, chars, data.len() as u64, longest]
}

fn format_counts(want: &[bool; 5], counts: &[u64; 5], width: usize, label: Option<&str>) -> String {
    let mut line = String::new();
    for (w, c) in want.iter().zip(counts) {
        if *w {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&format!("{c:>width$}"));
        }
    }
    if let Some(label) = label {
        line.push(' ');
        line.push_str(label);
    }
    line.push('\n');
    line
}

/// `tee`.
pub struct Tee;

const TEE_SPEC: &[Opt] = &[
    flag('a', "append"),
    flag('i', "ignore-interrupts"),
    short('p', "p"),
    opts::optional("output-error"),
    HELP,
    VERSION,
];

impl Command for Tee {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tee")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), TEE_SPEC, true);
        let authors = "Mike Parker, Richard M. Stallman, and David MacKenzie";
        if let Some(status) = help_or_version(cx, &args, "tee", authors, |cx| {
            super::help::text(cx, "tee", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        let append = args.has("append");
        let data = cx.stdin.to_vec();
        let mut status = 0;
        for file in &args.operands {
            if file == "-" {
                cx.out(&data);
                continue;
            }
            if let Err(err) = cx.fs.write(file, &data, append) {
                let quoted = quotef(cx, file);
                cx.err(format!("{prog}: {quoted}: {err}\n"));
                status = 1;
            }
        }
        cx.out(data);
        status
    }
}
