//! `tr`: translate, delete and squeeze bytes, with GNU's set syntax — escapes (`\n`,
//! `\101`), ranges (`a-z`), classes (`[:upper:]`), equivalence classes (`[=c=]`) and repeats
//! in SET2 (`[c*]`, `[c*n]`) — and its diagnostics.

use super::super::coreutils_help::{self, usage};
use super::super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::super::{Command, CommandCtx, try_help, usr_bin};

/// `tr`.
pub struct Tr;

/// The character classes `[:name:]` knows.
const CLASSES: &[&str] = &[
    "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
    "upper", "xdigit",
];

/// One element of a parsed set.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// A byte, or a range of bytes.
    Range(u8, u8),
    /// `[:name:]`.
    Class(&'static str),
    /// `[c*n]` (`None`: `[c*]`, fill up to SET1's length).
    Repeat(u8, Option<usize>),
}

impl Command for Tr {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tr")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('c', "complement", Arg::No),
            ('C', "", Arg::No),
            ('d', "delete", Arg::No),
            ('s', "squeeze-repeats", Arg::No),
            ('t', "truncate-set1", Arg::No),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "tr").to_owned();
        let (opts, sets) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, true) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return 1;
            }
        };
        let (mut complement, mut delete, mut squeeze, mut truncate) = (false, false, false, false);
        for opt in &opts {
            match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "tr", coreutils_help::TR));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("tr", "Jim Meyering");
                    cx.out(text);
                    return 0;
                }
                "complement" | "C" => complement = true,
                "delete" => delete = true,
                "squeeze-repeats" => squeeze = true,
                _ => truncate = true,
            }
        }
        let min = 1 + usize::from(delete == squeeze);
        let max = 1 + usize::from(delete <= squeeze);
        if sets.len() < min {
            let text = match sets.last() {
                None => format!("{prog}: missing operand\n"),
                Some(last) => format!(
                    "{prog}: missing operand after {}\n{}\n",
                    cx.quote(last),
                    if squeeze {
                        "Two strings must be given when both deleting and squeezing repeats."
                    } else {
                        "Two strings must be given when translating."
                    }
                ),
            };
            cx.err(text + &try_help(&prog));
            return 1;
        }
        if sets.len() > max {
            let mut text = format!("{prog}: extra operand {}\n", cx.quote(&sets[max]));
            if sets.len() == 2 {
                text.push_str(
                    "Only one string may be given when deleting without squeezing repeats.\n",
                );
            }
            cx.err(text + &try_help(&prog));
            return 1;
        }
        let translating = sets.len() == 2 && !delete;
        let set1 = match parse_set(cx, &prog, &sets[0]) {
            Some(items) => items,
            None => return 1,
        };
        let set2 = match sets.get(1).map(|s| parse_set(cx, &prog, s)) {
            Some(Some(items)) => Some(items),
            Some(None) => return 1,
            None => None,
        };
        if set1.iter().any(|i| matches!(i, Item::Repeat(..))) {
            cx.err(format!(
                "{prog}: the [c*] repeat construct may not appear in string1\n"
            ));
            return 1;
        }
        let mut bytes1 = expand(&set1, 0);
        if complement {
            bytes1 = (0..=255u8).filter(|b| !bytes1.contains(b)).collect();
        }
        let bytes2 = match &set2 {
            Some(items) if translating => {
                if items
                    .iter()
                    .any(|i| matches!(i, Item::Class(c) if *c != "upper" && *c != "lower"))
                {
                    cx.err(format!(
                        "{prog}: when translating, the only character classes that may appear in\nstring2 are 'upper' and 'lower'\n"
                    ));
                    return 1;
                }
                let mut bytes = expand(items, bytes1.len());
                if bytes.is_empty() && !truncate && !bytes1.is_empty() {
                    cx.err(format!(
                        "{prog}: when not truncating set1, string2 must be non-empty\n"
                    ));
                    return 1;
                }
                if truncate {
                    bytes1.truncate(bytes.len());
                } else if let Some(&last) = bytes.last() {
                    while bytes.len() < bytes1.len() {
                        bytes.push(last);
                    }
                }
                bytes
            }
            Some(items) => expand(items, 0),
            None => Vec::new(),
        };
        let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
        let mut in_set1 = [false; 256];
        for &b in &bytes1 {
            in_set1[usize::from(b)] = true;
        }
        if translating {
            for (i, &from) in bytes1.iter().enumerate() {
                if let Some(&to) = bytes2.get(i) {
                    map[usize::from(from)] = to;
                }
            }
        }
        // Which bytes squeeze: SET2's when there is one, else SET1's.
        let mut squeezable = [false; 256];
        if squeeze {
            let source = if sets.len() == 2 { &bytes2 } else { &bytes1 };
            for &b in source {
                squeezable[usize::from(b)] = true;
            }
        }
        let input = cx.stdin;
        let mut out = Vec::with_capacity(input.len().min(cx.output_room()));
        let mut last: Option<u8> = None;
        for &b in input {
            if delete && in_set1[usize::from(b)] {
                continue;
            }
            let c = map[usize::from(b)];
            if squeeze && squeezable[usize::from(c)] && last == Some(c) {
                continue;
            }
            out.push(c);
            last = Some(c);
        }
        cx.out(out);
        0
    }
}

/// Parses a set operand, printing tr's error and returning `None` if it is malformed.
fn parse_set(cx: &mut CommandCtx<'_>, prog: &str, text: &str) -> Option<Vec<Item>> {
    let (bytes, escaped) = unescape(cx, prog, text.as_bytes());
    let mut items = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'['
            && !escaped[i]
            && let Some((item, used)) = bracket(cx, prog, &bytes, &escaped, i)?
        {
            items.push(item);
            i += used;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'-') && !escaped[i + 1] && i + 2 < bytes.len() {
            let end = bytes[i + 2];
            if end < b {
                let text = format!(
                    "{prog}: range-endpoints of '{}-{}' are in reverse collating sequence order\n",
                    show(b),
                    show(end)
                );
                cx.err(text);
                return None;
            }
            items.push(Item::Range(b, end));
            i += 3;
            continue;
        }
        items.push(Item::Range(b, b));
        i += 1;
    }
    Some(items)
}

/// A `[...]` construct at `start`: the item and the bytes it used, `Some(None)` if the `[`
/// is an ordinary byte, `None` after an error.
fn bracket(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    bytes: &[u8],
    escaped: &[bool],
    start: usize,
) -> Option<Option<(Item, usize)>> {
    let rest = &bytes[start + 1..];
    let close = |delim: u8| -> Option<usize> {
        (1..rest.len().saturating_sub(1))
            .find(|&j| rest[j] == delim && rest[j + 1] == b']' && !escaped[start + 1 + j])
    };
    match rest.first() {
        Some(&b':') => {
            let Some(end) = close(b':') else {
                return Some(None);
            };
            let name = String::from_utf8_lossy(&rest[1..end]).into_owned();
            if name.is_empty() {
                cx.err(format!("{prog}: missing character class name '[::]'\n"));
                return None;
            }
            match CLASSES.iter().find(|c| **c == name) {
                Some(class) => Some(Some((Item::Class(class), end + 3))),
                None => {
                    let text = format!("{prog}: invalid character class {}\n", cx.quote(&name));
                    cx.err(text);
                    None
                }
            }
        }
        Some(&b'=') => {
            let Some(end) = close(b'=') else {
                return Some(None);
            };
            match &rest[1..end] {
                [c] => Some(Some((Item::Range(*c, *c), end + 3))),
                [] => {
                    cx.err(format!(
                        "{prog}: missing equivalence class character '[==]'\n"
                    ));
                    None
                }
                other => {
                    let name = String::from_utf8_lossy(other).into_owned();
                    let text = format!(
                        "{prog}: {}: equivalence class operand must be a single character\n",
                        cx.quote(&name)
                    );
                    cx.err(text);
                    None
                }
            }
        }
        Some(&c) if rest.get(1) == Some(&b'*') => {
            let Some(end) = rest.iter().skip(2).position(|&b| b == b']') else {
                return Some(None);
            };
            let digits = String::from_utf8_lossy(&rest[2..2 + end]).into_owned();
            let count = if digits.is_empty() {
                None
            } else {
                let radix = if digits.starts_with('0') { 8 } else { 10 };
                match usize::from_str_radix(&digits, radix) {
                    Ok(0) => None,
                    Ok(n) => Some(n.min(1 << 20)),
                    Err(_) => {
                        let text = format!(
                            "{prog}: invalid repeat count {} in [c*n] construct\n",
                            cx.quote(&digits)
                        );
                        cx.err(text);
                        return None;
                    }
                }
            };
            Some(Some((Item::Repeat(c, count), end + 4)))
        }
        _ => Some(None),
    }
}

/// Resolves backslash escapes; also says which bytes came from an escape (so `\-` and `\[`
/// are literal).
fn unescape(cx: &mut CommandCtx<'_>, prog: &str, text: &[u8]) -> (Vec<u8>, Vec<bool>) {
    let mut bytes = Vec::with_capacity(text.len());
    let mut escaped = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' {
            bytes.push(text[i]);
            escaped.push(false);
            i += 1;
            continue;
        }
        let Some(&next) = text.get(i + 1) else {
            cx.err(format!(
                "{prog}: warning: an unescaped backslash at end of string is not portable\n"
            ));
            bytes.push(b'\\');
            escaped.push(true);
            break;
        };
        i += 2;
        let value = match next {
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 11,
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                let mut digits = 1;
                while digits < 3 {
                    match text.get(i) {
                        Some(&d @ b'0'..=b'7') if value * 8 + u32::from(d - b'0') < 256 => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                            digits += 1;
                        }
                        _ => break,
                    }
                }
                value as u8
            }
            other => other,
        };
        bytes.push(value);
        escaped.push(true);
    }
    (bytes, escaped)
}

/// The bytes a set stands for, in order; `[c*]` fills up to `target` bytes.
fn expand(items: &[Item], target: usize) -> Vec<u8> {
    let fixed: usize = items
        .iter()
        .map(|item| match item {
            Item::Range(a, b) => usize::from(b - a) + 1,
            Item::Class(c) => class_bytes(c).len(),
            Item::Repeat(_, n) => n.unwrap_or(0),
        })
        .sum();
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Range(a, b) => out.extend(*a..=*b),
            Item::Class(c) => out.extend(class_bytes(c)),
            Item::Repeat(c, Some(n)) => out.extend(std::iter::repeat_n(*c, *n)),
            Item::Repeat(c, None) => {
                out.extend(std::iter::repeat_n(*c, target.saturating_sub(fixed)));
            }
        }
    }
    out
}

/// The bytes of class `name` in the C locale, in byte order.
fn class_bytes(name: &str) -> Vec<u8> {
    (0..=255u8)
        .filter(|&b| match name {
            "alnum" => b.is_ascii_alphanumeric(),
            "alpha" => b.is_ascii_alphabetic(),
            "blank" => b == b' ' || b == b'\t',
            "cntrl" => b.is_ascii_control(),
            "digit" => b.is_ascii_digit(),
            "graph" => b.is_ascii_graphic(),
            "lower" => b.is_ascii_lowercase(),
            "print" => b.is_ascii_graphic() || b == b' ',
            "punct" => b.is_ascii_punctuation(),
            "space" => matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 11 | 12),
            "upper" => b.is_ascii_uppercase(),
            "xdigit" => b.is_ascii_hexdigit(),
            _ => false,
        })
        .collect()
}

/// A byte as tr shows it in a message: printable as itself, others as an octal escape.
fn show(b: u8) -> String {
    if b.is_ascii_graphic() || b == b' ' {
        char::from(b).to_string()
    } else {
        format!("\\{b:03o}")
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU coreutils `tr` run on the same input.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn translates_deletes_and_squeezes() {
        assert_eq!(run("echo hello | tr a-y b-z"), "ifmmp\n");
        assert_eq!(run("echo hello | tr '[:lower:]' '[:upper:]'"), "HELLO\n");
        assert_eq!(run("echo 'HeLLo  World' | tr -s ' '"), "HeLLo World\n");
        assert_eq!(run("echo hello | tr -d l"), "heo\n");
        assert_eq!(run("echo hello | tr -c 'a-z\\n' X"), "hello\n");
        assert_eq!(run("echo 'a1b2' | tr -c 'a-z\\n' X"), "aXbX\n");
        assert_eq!(run("echo aabbcc | tr -s a-z"), "abc\n");
        assert_eq!(run("echo hello | tr -dc a-h"), "he");
        assert_eq!(run("echo abcde | tr abcde 'x[y*]z'"), "xyyyz\n");
        assert_eq!(run("echo abc | tr -t abc xy"), "xyc\n");
        assert_eq!(run("echo abc | tr abc xy"), "xyy\n");
        assert_eq!(run("echo 'a\\b' | tr '\\\\' /"), "a/b\n");
        assert_eq!(run("echo 'a-b' | tr 'a-' xy"), "xyb\n");
        assert_eq!(run("printf 'a\\tb' | tr '\\t' ' '"), "a b");
        assert_eq!(run("echo aaabbb | tr -s ab xy"), "xy\n");
        assert_eq!(run("echo 'a  b' | tr -ds a ' '"), " b\n");
        assert_eq!(run("echo 'x=1' | tr '[=x=]' y"), "y=1\n");
    }

    #[test]
    fn operand_errors_like_coreutils() {
        let try_help = "Try 'tr --help' for more information.\n";
        assert_eq!(
            run_status("tr"),
            (format!("tr: missing operand\n{try_help}"), 1)
        );
        assert_eq!(
            run_status("tr a"),
            (
                format!(
                    "tr: missing operand after \u{2018}a\u{2019}\nTwo strings must be given when translating.\n{try_help}"
                ),
                1
            )
        );
        assert_eq!(
            run_status("tr -d a b"),
            (
                format!(
                    "tr: extra operand \u{2018}b\u{2019}\nOnly one string may be given when deleting without squeezing repeats.\n{try_help}"
                ),
                1
            )
        );
        assert_eq!(
            run_status("tr -ds a"),
            (
                format!(
                    "tr: missing operand after \u{2018}a\u{2019}\nTwo strings must be given when both deleting and squeezing repeats.\n{try_help}"
                ),
                1
            )
        );
        assert_eq!(
            run_status("tr a b c"),
            (
                format!("tr: extra operand \u{2018}c\u{2019}\n{try_help}"),
                1
            )
        );
    }

    #[test]
    fn set_errors_like_coreutils() {
        assert_eq!(
            run_status("tr z-a x"),
            (
                "tr: range-endpoints of 'z-a' are in reverse collating sequence order\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("tr '[:foo:]' x"),
            (
                "tr: invalid character class \u{2018}foo\u{2019}\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("tr a '[:digit:]'"),
            (
                "tr: when translating, the only character classes that may appear in\nstring2 are 'upper' and 'lower'\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("tr a ''"),
            (
                "tr: when not truncating set1, string2 must be non-empty\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("tr '[a*]' x"),
            (
                "tr: the [c*] repeat construct may not appear in string1\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("tr '\\' x </dev/null"),
            (
                "tr: warning: an unescaped backslash at end of string is not portable\n".into(),
                0
            )
        );
    }

    #[test]
    fn help_is_8_32s() {
        let help = run("tr --help");
        assert!(help.starts_with(
            "Usage: tr [OPTION]... SET1 [SET2]\n\
             Translate, squeeze, and/or delete characters from standard input,\n\
             writing to standard output.\n"
        ));
        assert!(help.contains("  [:xdigit:]      all hexadecimal digits\n"));
        assert!(run("tr --version").ends_with("\nWritten by Jim Meyering.\n"));
    }
}
