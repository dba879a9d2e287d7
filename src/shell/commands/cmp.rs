//! `cmp` (GNU diffutils 3.8): compares two files byte by byte.

use super::{Command, CommandCtx, usr_bin};

/// `cmp [OPTION]... FILE1 [FILE2 [SKIP1 [SKIP2]]]`.
pub struct Cmp;

const HELP: &str = "Usage: cmp [OPTION]... FILE1 [FILE2 [SKIP1 [SKIP2]]]
Compare two files byte by byte.

The optional SKIP1 and SKIP2 specify the number of bytes to skip
at the beginning of each file (zero by default).

Mandatory arguments to long options are mandatory for short options too.
  -b, --print-bytes          print differing bytes
  -i, --ignore-initial=SKIP         skip first SKIP bytes of both inputs
  -i, --ignore-initial=SKIP1:SKIP2  skip first SKIP1 bytes of FILE1 and
                                      first SKIP2 bytes of FILE2
  -l, --verbose              output byte numbers and differing byte values
  -n, --bytes=LIMIT          compare at most LIMIT bytes
  -s, --quiet, --silent      suppress all normal output
      --help                 display this help and exit
  -v, --version              output version information and exit

SKIP values may be followed by the following multiplicative suffixes:
kB 1000, K 1024, MB 1,000,000, M 1,048,576,
GB 1,000,000,000, G 1,073,741,824, and so on for T, P, E, Z, Y.

If a FILE is '-' or missing, read standard input.
Exit status is 0 if inputs are the same, 1 if different, 2 if trouble.

Report bugs to: bug-diffutils@gnu.org
GNU diffutils home page: <https://www.gnu.org/software/diffutils/>
General help using GNU software: <https://www.gnu.org/gethelp/>
";

const VERSION: &str = "cmp (GNU diffutils) 3.8
Copyright (C) 2021 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.

Written by Torbjörn Granlund and David MacKenzie.
";

/// A SKIP or LIMIT value with diffutils' suffixes.
fn parse_count(text: &str) -> Option<u64> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..end].parse().ok()?;
    let mult: u64 = match &text[end..] {
        "" => 1,
        "kB" | "KB" => 1000,
        "K" | "k" | "KiB" => 1024,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// A byte for `-b`: itself when printable, else in `cat -v` notation.
fn shown(b: u8) -> String {
    match b {
        32..=126 => char::from(b).to_string(),
        0..=31 => format!("^{}", char::from(b + 64)),
        127 => "^?".to_owned(),
        128..=159 => format!("M-^{}", char::from(b - 128 + 64)),
        255 => "M-^?".to_owned(),
        _ => format!("M-{}", char::from(b - 128)),
    }
}

/// What `cmp` was asked to do.
#[derive(Default)]
struct Options {
    print_bytes: bool,
    verbose: bool,
    silent: bool,
    limit: Option<u64>,
    skip: [u64; 2],
}

impl Command for Cmp {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("cmp")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("cmp", String::as_str);
        let usage_error = |cx: &mut CommandCtx<'_>, message: String| {
            cx.err(format!(
                "{prog}: {message}\n{prog}: Try '{prog} --help' for more information.\n"
            ));
            2
        };
        let mut opts = Options::default();
        let mut operands: Vec<String> = Vec::new();
        let args = argv.get(1..).unwrap_or_default();
        let mut i = 0;
        let mut only_operands = false;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            if only_operands || arg == "-" || !arg.starts_with('-') {
                operands.push(arg.clone());
                continue;
            }
            if arg == "--" {
                only_operands = true;
                continue;
            }
            let (flags, long_value): (Vec<char>, Option<String>) =
                if let Some(long) = arg.strip_prefix("--") {
                    let (name, value) = match long.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_owned())),
                        None => (long, None),
                    };
                    let short = match name {
                        "print-bytes" => 'b',
                        "ignore-initial" => 'i',
                        "verbose" => 'l',
                        "bytes" => 'n',
                        "quiet" | "silent" => 's',
                        "version" => 'v',
                        "help" => {
                            cx.out(HELP);
                            return 0;
                        }
                        _ => return usage_error(cx, format!("unrecognized option '{arg}'")),
                    };
                    (vec![short], value)
                } else {
                    (arg.chars().skip(1).collect(), None)
                };
            let mut j = 0;
            while j < flags.len() {
                let c = flags[j];
                j += 1;
                match c {
                    'b' => opts.print_bytes = true,
                    'l' => opts.verbose = true,
                    's' => opts.silent = true,
                    'v' => {
                        cx.out(VERSION);
                        return 0;
                    }
                    'i' | 'n' => {
                        let attached: String = flags[j..].iter().collect();
                        let value = if let Some(v) = long_value.clone() {
                            v
                        } else if !attached.is_empty() {
                            attached
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            return usage_error(
                                cx,
                                format!("option requires an argument -- '{c}'"),
                            );
                        };
                        if c == 'n' {
                            match parse_count(&value) {
                                Some(n) => opts.limit = Some(n),
                                None => {
                                    return usage_error(
                                        cx,
                                        format!("invalid --bytes value '{value}'"),
                                    );
                                }
                            }
                        } else {
                            let (a, b) = value.split_once(':').unwrap_or((&value, &value));
                            match (parse_count(a), parse_count(b)) {
                                (Some(a), Some(b)) => opts.skip = [a, b],
                                _ => {
                                    return usage_error(
                                        cx,
                                        format!("invalid --ignore-initial value '{value}'"),
                                    );
                                }
                            }
                        }
                        break;
                    }
                    _ => return usage_error(cx, format!("invalid option -- '{c}'")),
                }
            }
        }
        if opts.verbose && opts.silent {
            return usage_error(cx, "options -l and -s are incompatible".to_owned());
        }
        match operands.len() {
            0 => return usage_error(cx, format!("missing operand after '{prog}'")),
            5.. => {
                return usage_error(cx, format!("extra operand '{}'", operands[4]));
            }
            _ => {}
        }
        for (k, skip) in operands.iter().skip(2).enumerate() {
            match parse_count(skip) {
                Some(n) => opts.skip[k] = n,
                None => {
                    return usage_error(cx, format!("invalid --ignore-initial value '{skip}'"));
                }
            }
        }
        let names = [
            operands[0].clone(),
            operands.get(1).cloned().unwrap_or_else(|| "-".to_owned()),
        ];
        let mut data: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        for (k, name) in names.iter().enumerate() {
            let read = if name == "-" {
                Ok(cx.stdin.to_vec())
            } else {
                cx.fs.read(name)
            };
            match read {
                Ok(bytes) => data[k] = bytes,
                Err(err) => {
                    cx.err(format!("{prog}: {name}: {err}\n"));
                    return 2;
                }
            }
        }
        compare(cx, prog, &names, &data, &opts)
    }
}

/// Compares the two inputs and reports as cmp does; returns the exit status.
fn compare(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    names: &[String; 2],
    data: &[Vec<u8>; 2],
    opts: &Options,
) -> i32 {
    let view = |k: usize| -> &[u8] {
        let skip = usize::try_from(opts.skip[k]).unwrap_or(usize::MAX);
        let bytes = data[k].get(skip..).unwrap_or(&[]);
        match opts.limit {
            Some(n) => &bytes[..bytes.len().min(usize::try_from(n).unwrap_or(usize::MAX))],
            None => bytes,
        }
    };
    let (a, b) = (view(0), view(1));
    let common = a.len().min(b.len());
    let mut differ = false;
    let mut out = String::new();
    // -l numbers are as wide as the largest byte number it could print.
    let width = common.to_string().len();
    for i in 0..common {
        if a[i] == b[i] {
            continue;
        }
        differ = true;
        if opts.silent {
            break;
        }
        if !opts.verbose {
            let line = 1 + a[..i].iter().filter(|&&c| c == b'\n').count();
            out.push_str(&format!(
                "{} {} differ: byte {}, line {line}",
                names[0],
                names[1],
                i + 1
            ));
            if opts.print_bytes {
                out.push_str(&format!(
                    " is {:3o} {} {:3o} {}",
                    a[i],
                    shown(a[i]),
                    b[i],
                    shown(b[i])
                ));
            }
            out.push('\n');
            break;
        }
        if opts.print_bytes {
            out.push_str(&format!(
                "{:>width$} {:3o} {:<4} {:3o} {}\n",
                i + 1,
                a[i],
                shown(a[i]),
                b[i],
                shown(b[i])
            ));
        } else {
            out.push_str(&format!("{:>width$} {:3o} {:3o}\n", i + 1, a[i], b[i]));
        }
        if out.len() > cx.output_room() {
            break;
        }
    }
    cx.out(out);
    if a.len() != b.len() && (!differ || opts.verbose) {
        if !opts.silent {
            let (short, name) = if a.len() < b.len() {
                (a, &names[0])
            } else {
                (b, &names[1])
            };
            let text = if short.is_empty() {
                format!("{prog}: EOF on {name} which is empty\n")
            } else if opts.verbose {
                format!("{prog}: EOF on {name} after byte {}\n", short.len())
            } else {
                let line = 1 + short[..short.len() - 1]
                    .iter()
                    .filter(|&&c| c == b'\n')
                    .count();
                format!(
                    "{prog}: EOF on {name} after byte {}, line {line}\n",
                    short.len()
                )
            };
            cx.err(text);
        }
        return 1;
    }
    i32::from(differ)
}

#[cfg(test)]
mod tests {
    //! Expected texts are GNU diffutils 3.8 `cmp`'s for the same files.

    use crate::shell::commands::testing::run_status;

    const SETUP: &str = "cd /tmp; printf 'abc\\nxyz\\n' > c1; printf 'abc\\nxYz\\n' > c2; printf 'abc\\n' > c3; : > c4; ";

    fn cmp(args: &str) -> (String, i32) {
        run_status(&format!("{SETUP}cmp {args}"))
    }

    #[test]
    fn differences_like_diffutils() {
        assert_eq!(cmp("c1 c2"), ("c1 c2 differ: byte 6, line 2\n".into(), 1));
        assert_eq!(cmp("c1 c1"), (String::new(), 0));
        assert_eq!(cmp("-s c1 c2"), (String::new(), 1));
        assert_eq!(cmp("-l c1 c2"), ("6 171 131\n".into(), 1));
        assert_eq!(
            cmp("-b c1 c2"),
            ("c1 c2 differ: byte 6, line 2 is 171 y 131 Y\n".into(), 1)
        );
        assert_eq!(cmp("-bl c1 c2"), ("6 171 y    131 Y\n".into(), 1));
        assert_eq!(cmp("-n 5 c1 c2"), (String::new(), 0));
        assert_eq!(cmp("-i 6 c1 c2"), (String::new(), 0));
    }

    #[test]
    fn eof_and_errors_like_diffutils() {
        assert_eq!(
            cmp("c1 c3"),
            ("cmp: EOF on c3 after byte 4, line 1\n".into(), 1)
        );
        assert_eq!(
            cmp("c3 c1"),
            ("cmp: EOF on c3 after byte 4, line 1\n".into(), 1)
        );
        assert_eq!(cmp("-l c1 c3"), ("cmp: EOF on c3 after byte 4\n".into(), 1));
        assert_eq!(cmp("c4 c1"), ("cmp: EOF on c4 which is empty\n".into(), 1));
        assert_eq!(cmp("-s c1 c3"), (String::new(), 1));
        assert_eq!(
            cmp("c1 nofile"),
            ("cmp: nofile: No such file or directory\n".into(), 2)
        );
        assert_eq!(
            cmp("c1 < /dev/null"),
            ("cmp: EOF on - which is empty\n".into(), 1)
        );
        assert_eq!(
            cmp(""),
            (
                "cmp: missing operand after 'cmp'\ncmp: Try 'cmp --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert_eq!(
            cmp("-x c1 c2"),
            (
                "cmp: invalid option -- 'x'\ncmp: Try 'cmp --help' for more information.\n".into(),
                2
            )
        );
        assert_eq!(
            cmp("c1 c2 x"),
            (
                "cmp: invalid --ignore-initial value 'x'\ncmp: Try 'cmp --help' for more information.\n"
                    .into(),
                2
            )
        );
        assert!(cmp("--help").0.starts_with("Usage: cmp [OPTION]... FILE1"));
    }
}
