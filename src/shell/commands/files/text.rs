//! Line tools: `sort`, `uniq` (GNU coreutils), on files or standard input.

use std::cmp::Ordering;

use super::content::read_input;
use super::opts::{self, HELP, Opt, VERSION, flag, long, short, with_arg};
use super::{help_or_version, prog, quotef, usage_error};
use crate::host::fs::FsError;
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// The lines of `data` without their newlines (a last line without one counts).
pub(super) fn lines(data: &[u8]) -> Vec<&[u8]> {
    if data.is_empty() {
        return Vec::new();
    }
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    body.split(|b| *b == b'\n').collect()
}

/// `sort`.
pub struct Sort;

const SORT_SPEC: &[Opt] = &[
    flag('b', "ignore-leading-blanks"),
    flag('d', "dictionary-order"),
    flag('f', "ignore-case"),
    flag('g', "general-numeric-sort"),
    flag('i', "ignore-nonprinting"),
    flag('M', "month-sort"),
    flag('h', "human-numeric-sort"),
    flag('n', "numeric-sort"),
    flag('R', "random-sort"),
    with_arg('\0', "random-source"),
    flag('r', "reverse"),
    with_arg('\0', "sort"),
    flag('V', "version-sort"),
    with_arg('\0', "batch-size"),
    flag('c', "check"),
    short('C', "C"),
    with_arg('\0', "compress-program"),
    long("debug"),
    with_arg('\0', "files0-from"),
    with_arg('k', "key"),
    flag('m', "merge"),
    with_arg('o', "output"),
    flag('s', "stable"),
    with_arg('S', "buffer-size"),
    with_arg('t', "field-separator"),
    with_arg('T', "temporary-directory"),
    with_arg('\0', "parallel"),
    flag('u', "unique"),
    flag('z', "zero-terminated"),
    HELP,
    VERSION,
];

/// A `-k` key: fields from `start` to `end` (inclusive, from 1; 0 = to the end of line).
#[derive(Debug, Clone, Copy)]
struct Key {
    start: usize,
    end: usize,
}

/// The bytes of `line` a key covers, fields split by `sep` or by blank runs.
fn key_of(line: &[u8], key: Key, sep: Option<u8>, skip_blanks: bool) -> &[u8] {
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    match sep {
        Some(sep) => {
            let mut s = 0;
            for (i, b) in line.iter().enumerate() {
                if *b == sep {
                    starts.push(s);
                    ends.push(i);
                    s = i + 1;
                }
            }
            starts.push(s);
            ends.push(line.len());
        }
        None => {
            // A field is its leading blanks plus the non-blanks after them.
            let mut i = 0;
            while i < line.len() {
                let s = i;
                while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
                    i += 1;
                }
                while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
                    i += 1;
                }
                starts.push(s);
                ends.push(i);
            }
        }
    }
    let Some(&from) = starts.get(key.start.saturating_sub(1)) else {
        return &[];
    };
    let to = if key.end == 0 {
        line.len()
    } else {
        ends.get(key.end - 1).copied().unwrap_or(line.len())
    };
    let mut slice = &line[from..to.max(from)];
    if skip_blanks {
        while let [b' ' | b'\t', rest @ ..] = slice {
            slice = rest;
        }
    }
    slice
}

/// The leading number of `s` for `-n` (blanks, sign, digits, one decimal point).
fn numeric(s: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(s);
    let text = text.trim_start();
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() || c == '.' || (i == 0 && c == '-') {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    text[..end].parse().unwrap_or(0.0)
}

/// `-h`: `2K` < `1M`.
fn human_value(s: &[u8]) -> f64 {
    let n = numeric(s);
    let text = String::from_utf8_lossy(s);
    let suffix = text
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-')
        .chars()
        .next();
    let scale = match suffix {
        Some('K' | 'k') => 1e3,
        Some('M') => 1e6,
        Some('G') => 1e9,
        Some('T') => 1e12,
        Some('P') => 1e15,
        _ => 1.0,
    };
    n * scale
}

impl Command for Sort {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("sort")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), SORT_SPEC, true);
        if let Some(status) =
            help_or_version(cx, &args, "sort", "Mike Haertel and Paul Eggert", |cx| {
                super::help::text(cx, "sort", &prog).unwrap_or_default()
            })
        {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 2);
        }
        let mut keys = Vec::new();
        for (id, value) in &args.opts {
            if *id != "key" {
                continue;
            }
            let value = value.as_deref().unwrap_or("");
            let field = |t: &str| -> Option<usize> {
                t.split('.')
                    .next()?
                    .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .ok()
            };
            let (a, b) = match value.split_once(',') {
                Some((a, b)) => (field(a), field(b)),
                None => (field(value), Some(0)),
            };
            match (a, b) {
                (Some(start), Some(end)) if start > 0 => keys.push(Key { start, end }),
                _ => {
                    let quoted = cx.quote(value);
                    cx.err(format!("{prog}: invalid number at field start: invalid count at start of {quoted}\n"));
                    return 2;
                }
            }
        }
        let sep = match args.value("field-separator") {
            Some(t) if t.len() == 1 => Some(t.as_bytes()[0]),
            Some(_) => {
                cx.err(format!(
                    "{prog}: multi-character tab {}\n",
                    cx.quote(args.value("field-separator").unwrap_or(""))
                ));
                return 2;
            }
            None => None,
        };
        let files = if args.operands.is_empty() {
            vec!["-".to_owned()]
        } else {
            args.operands.clone()
        };
        let mut all: Vec<Vec<u8>> = Vec::new();
        for file in &files {
            match read_input(cx, file) {
                Ok(data) => all.extend(lines(&data).into_iter().map(<[u8]>::to_vec)),
                Err(FsError::IsADirectory) => {
                    cx.err(format!("{prog}: read failed: {file}: Is a directory\n"));
                    return 2;
                }
                Err(err) => {
                    cx.err(format!("{prog}: cannot read: {file}: {err}\n"));
                    return 2;
                }
            }
        }
        let (numeric_sort, human_sort, fold, reverse, blanks) = (
            args.has("numeric-sort") || args.has("general-numeric-sort"),
            args.has("human-numeric-sort"),
            args.has("ignore-case"),
            args.has("reverse"),
            args.has("ignore-leading-blanks"),
        );
        let version_sort = args.has("version-sort");
        let compare_keys = |a: &[u8], b: &[u8]| -> Ordering {
            if numeric_sort {
                numeric(a)
                    .partial_cmp(&numeric(b))
                    .unwrap_or(Ordering::Equal)
            } else if human_sort {
                human_value(a)
                    .partial_cmp(&human_value(b))
                    .unwrap_or(Ordering::Equal)
            } else if version_sort {
                String::from_utf8_lossy(a).cmp(&String::from_utf8_lossy(b))
            } else if fold {
                a.to_ascii_uppercase().cmp(&b.to_ascii_uppercase())
            } else {
                a.cmp(b)
            }
        };
        let stable = args.has("stable") || args.has("unique");
        let compare = |a: &Vec<u8>, b: &Vec<u8>| -> Ordering {
            let mut ord = Ordering::Equal;
            if keys.is_empty() {
                ord = compare_keys(a, b);
            } else {
                for key in &keys {
                    ord = compare_keys(key_of(a, *key, sep, blanks), key_of(b, *key, sep, blanks));
                    if ord != Ordering::Equal {
                        break;
                    }
                }
            }
            // GNU's last resort: the whole lines, byte by byte.
            if ord == Ordering::Equal && !stable {
                ord = a.cmp(b);
            }
            if reverse { ord.reverse() } else { ord }
        };
        if args.has("check") || args.has("C") {
            for (i, pair) in all.windows(2).enumerate() {
                if compare(&pair[0], &pair[1]) == Ordering::Greater {
                    if args.has("check") {
                        let file = files.first().map_or("-", String::as_str);
                        let line = String::from_utf8_lossy(&pair[1]);
                        cx.err(format!("{prog}: {file}:{}: disorder: {line}\n", i + 2));
                    }
                    return 1;
                }
            }
            return 0;
        }
        all.sort_by(compare);
        if args.has("unique") {
            all.dedup_by(|b, a| {
                if keys.is_empty() {
                    compare_keys(a, b) == Ordering::Equal
                } else {
                    keys.iter().all(|k| {
                        compare_keys(key_of(a, *k, sep, blanks), key_of(b, *k, sep, blanks))
                            == Ordering::Equal
                    })
                }
            });
        }
        let mut out = Vec::new();
        for line in &all {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        match args.value("output") {
            Some(file) => {
                if let Err(err) = cx.fs.write(file, &out, false) {
                    let quoted = cx.quote(file);
                    cx.err(format!("{prog}: open failed: {quoted}: {err}\n"));
                    return 2;
                }
            }
            None => cx.out(out),
        }
        0
    }
}

/// `uniq`.
pub struct Uniq;

const UNIQ_SPEC: &[Opt] = &[
    flag('c', "count"),
    flag('d', "repeated"),
    short('D', "all-repeated"),
    opts::optional("all-repeated"),
    with_arg('f', "skip-fields"),
    opts::optional("group"),
    flag('i', "ignore-case"),
    with_arg('s', "skip-chars"),
    flag('u', "unique"),
    flag('z', "zero-terminated"),
    with_arg('w', "check-chars"),
    HELP,
    VERSION,
];

impl Command for Uniq {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("uniq")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = opts::parse(&prog, argv.get(1..).unwrap_or_default(), UNIQ_SPEC, true);
        let authors = "Richard M. Stallman and David MacKenzie";
        if let Some(status) = help_or_version(cx, &args, "uniq", authors, |cx| {
            super::help::text(cx, "uniq", &prog).unwrap_or_default()
        }) {
            return status;
        }
        if let Some(error) = &args.error {
            return usage_error(cx, &prog, error, 1);
        }
        if args.operands.len() > 2 {
            let quoted = cx.quote(&args.operands[2]);
            return usage_error(cx, &prog, &format!("{prog}: extra operand {quoted}\n"), 1);
        }
        let input = args
            .operands
            .first()
            .cloned()
            .unwrap_or_else(|| "-".to_owned());
        let data = match read_input(cx, &input) {
            Ok(data) => data,
            Err(FsError::IsADirectory) => {
                let quoted = cx.quote(&input);
                cx.err(format!(
                    "{prog}: error reading {}\n",
                    quoted.replace(['\u{2018}', '\u{2019}'], "'")
                ));
                return 1;
            }
            Err(err) => {
                let quoted = quotef(cx, &input);
                cx.err(format!("{prog}: {quoted}: {err}\n"));
                return 1;
            }
        };
        let number = |id: &str| args.value(id).and_then(|v| v.parse::<usize>().ok());
        let (skip_fields, skip_chars, check) = (
            number("skip-fields").unwrap_or(0),
            number("skip-chars").unwrap_or(0),
            number("check-chars"),
        );
        let fold = args.has("ignore-case");
        let key = |line: &[u8]| -> Vec<u8> {
            let mut rest = line;
            for _ in 0..skip_fields {
                while let [b' ' | b'\t', tail @ ..] = rest {
                    rest = tail;
                }
                while let [c, tail @ ..] = rest {
                    if *c == b' ' || *c == b'\t' {
                        break;
                    }
                    rest = tail;
                }
            }
            let rest = &rest[skip_chars.min(rest.len())..];
            let rest = &rest[..check.map_or(rest.len(), |c| c.min(rest.len()))];
            if fold {
                rest.to_ascii_lowercase()
            } else {
                rest.to_vec()
            }
        };
        let (count, repeated, unique) =
            (args.has("count"), args.has("repeated"), args.has("unique"));
        let all_repeated = args.has("all-repeated");
        let mut out = Vec::new();
        let all = lines(&data);
        let mut i = 0;
        while i < all.len() {
            let k = key(all[i]);
            let mut j = i + 1;
            while j < all.len() && key(all[j]) == k {
                j += 1;
            }
            let n = j - i;
            let show = match (repeated || all_repeated, unique) {
                (true, true) => false,
                (true, false) => n > 1,
                (false, true) => n == 1,
                (false, false) => true,
            };
            if show {
                let group: &[&[u8]] = if all_repeated {
                    &all[i..j]
                } else {
                    &all[i..i + 1]
                };
                for line in group {
                    if count {
                        out.extend_from_slice(format!("{n:>7} ").as_bytes());
                    }
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
            }
            i = j;
        }
        match args.operands.get(1) {
            Some(file) => {
                if let Err(err) = cx.fs.write(file, &out, false) {
                    let quoted = quotef(cx, file);
                    cx.err(format!("{prog}: {quoted}: {err}\n"));
                    return 1;
                }
            }
            None => cx.out(out),
        }
        0
    }
}
