//! `seq` (GNU coreutils): numbers from FIRST to LAST in steps of INCREMENT, with `-s`,
//! `-w` and `-f` as coreutils 8.32 parses and prints them.
//!
//! Integer sequences without a format are counted exactly in `i64`; the others follow
//! coreutils' floating-point loop (`first + i * step`, with its rule for a last value that
//! rounding pushed just past LAST).

use super::cformat::{self, Spec};
use super::{Command, CommandCtx, try_help, usr_bin};

/// The most numbers `seq` prints before it stops (the output cap cuts it anyway).
const MAX_SEQ_LINES: u64 = 1_000_000;

/// `seq [-f FORMAT] [-s STRING] [-w] [FIRST [INCREMENT]] LAST`.
pub struct Seq;

/// An operand as coreutils' `scan_arg` sees it: its value, printed width and precision
/// (`None` for exponent or hex notation, which select `%g`).
struct Operand {
    value: f64,
    exact: Option<i64>,
    width: usize,
    precision: Option<usize>,
}

/// A user `-f` format split around its single conversion.
struct Format {
    prefix: String,
    spec: Spec,
    conv: char,
    suffix: String,
}

impl Command for Seq {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("seq")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = argv.first().map_or("seq", String::as_str);
        let mut separator = "\n".to_owned();
        let mut format: Option<String> = None;
        let mut equal_width = false;
        let args = argv.get(1..).unwrap_or_default();
        let mut i = 0;
        // getopt_long with "+f:s:w": options stop at the first operand, and an argument
        // that looks like a negative number is an operand.
        while let Some(arg) = args.get(i) {
            let bytes = arg.as_bytes();
            if arg == "--" {
                i += 1;
                break;
            }
            if bytes.len() < 2 || bytes[0] != b'-' || bytes[1] == b'.' || bytes[1].is_ascii_digit()
            {
                break;
            }
            i += 1;
            if let Some(long) = arg.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                let names = ["format", "separator", "equal-width", "help", "version"];
                let matches: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| n.starts_with(name) && !name.is_empty())
                    .collect();
                let full = match (names.iter().find(|n| **n == name), matches.as_slice()) {
                    (Some(exact), _) => *exact,
                    (None, [one]) => *one,
                    _ => {
                        cx.err(format!(
                            "{prog}: unrecognized option '{arg}'\n{}",
                            try_help(prog)
                        ));
                        return 1;
                    }
                };
                let takes_value = matches!(full, "format" | "separator");
                if !takes_value && value.is_some() {
                    cx.err(format!(
                        "{prog}: option '--{full}' doesn't allow an argument\n{}",
                        try_help(prog)
                    ));
                    return 1;
                }
                let value = if takes_value {
                    match value.or_else(|| args.get(i).cloned()) {
                        Some(v) => {
                            if !long.contains('=') {
                                i += 1;
                            }
                            v
                        }
                        None => {
                            cx.err(format!(
                                "{prog}: option '--{full}' requires an argument\n{}",
                                try_help(prog)
                            ));
                            return 1;
                        }
                    }
                } else {
                    String::new()
                };
                match full {
                    "format" => format = Some(value),
                    "separator" => separator = value,
                    "equal-width" => equal_width = true,
                    "help" => {
                        let text = help(cx, prog);
                        cx.out(text);
                        return 0;
                    }
                    _ => {
                        let text = cx.coreutils_version_text("seq", "Ulrich Drepper");
                        cx.out(text);
                        return 0;
                    }
                }
                continue;
            }
            let flags: Vec<char> = arg.chars().skip(1).collect();
            let mut j = 0;
            while let Some(&c) = flags.get(j) {
                j += 1;
                match c {
                    'w' => equal_width = true,
                    'f' | 's' => {
                        let rest: String = flags[j..].iter().collect();
                        let value = if !rest.is_empty() {
                            rest
                        } else if let Some(next) = args.get(i) {
                            i += 1;
                            next.clone()
                        } else {
                            cx.err(format!(
                                "{prog}: option requires an argument -- '{c}'\n{}",
                                try_help(prog)
                            ));
                            return 1;
                        };
                        if c == 'f' {
                            format = Some(value);
                        } else {
                            separator = value;
                        }
                        break;
                    }
                    _ => {
                        cx.err(format!(
                            "{prog}: invalid option -- '{c}'\n{}",
                            try_help(prog)
                        ));
                        return 1;
                    }
                }
            }
        }
        let operands = &args[i.min(args.len())..];
        match operands.len() {
            0 => {
                cx.err(format!("{prog}: missing operand\n{}", try_help(prog)));
                return 1;
            }
            4.. => {
                let text = format!(
                    "{prog}: extra operand {}\n{}",
                    cx.quote(&operands[3]),
                    try_help(prog)
                );
                cx.err(text);
                return 1;
            }
            _ => {}
        }
        let mut parsed = Vec::new();
        for text in operands {
            match scan(text) {
                Some(op) => parsed.push(op),
                None => {
                    let text = format!(
                        "{prog}: invalid floating point argument: {}\n{}",
                        cx.quote(text),
                        try_help(prog)
                    );
                    cx.err(text);
                    return 1;
                }
            }
        }
        let one = || scan("1").expect("1 is a number");
        let (first, step, last) = match parsed.len() {
            1 => (one(), one(), parsed.remove(0)),
            2 => {
                let last = parsed.remove(1);
                (parsed.remove(0), one(), last)
            }
            _ => {
                let last = parsed.remove(2);
                let step = parsed.remove(1);
                (parsed.remove(0), step, last)
            }
        };
        let user_format = match &format {
            Some(text) => match parse_format(text) {
                Ok(f) => Some(f),
                Err(message) => {
                    let text = message.replace("{}", &cx.quote(text));
                    cx.err(format!("{prog}: {text}\n"));
                    return 1;
                }
            },
            None => None,
        };
        if user_format.is_some() && equal_width {
            cx.err(format!(
                "{prog}: format string may not be specified when printing equal width strings\n{}",
                try_help(prog)
            ));
            return 1;
        }
        if step.value == 0.0 {
            let text = format!(
                "{prog}: invalid Zero increment value: {}\n{}",
                cx.quote(operands.get(1).map_or("0", String::as_str)),
                try_help(prog)
            );
            cx.err(text);
            return 1;
        }
        let (default_spec, default_conv) = default_format(&first, &step, &last, equal_width);
        let render = |x: f64| match &user_format {
            Some(f) => format!(
                "{}{}{}",
                f.prefix,
                cformat::float(&f.spec, f.conv, x),
                f.suffix
            ),
            None => cformat::float(&default_spec, default_conv, x),
        };
        let room = cx.output_room();
        let mut out = String::new();
        let mut count = 0u64;
        let mut push = |out: &mut String, text: &str| -> bool {
            if count > 0 {
                out.push_str(&separator);
            }
            out.push_str(text);
            count += 1;
            count < MAX_SEQ_LINES && out.len() <= room
        };
        let exact = (first.exact, step.exact, last.exact);
        if let (Some(a), Some(d), Some(z), true) = (exact.0, exact.1, exact.2, format.is_none()) {
            // Integers: counted exactly, printed as the default format prints them.
            let mut n = a;
            while (d > 0 && n <= z) || (d < 0 && n >= z) {
                let spec = Spec {
                    precision: None,
                    ..default_spec.clone()
                };
                if !push(&mut out, &cformat::integer(&spec, 'd', n)) {
                    break;
                }
                let Some(next) = n.checked_add(d) else { break };
                n = next;
            }
        } else {
            let out_of_range = |x: f64| {
                if step.value < 0.0 {
                    x < last.value
                } else {
                    last.value < x
                }
            };
            if !out_of_range(first.value) {
                let mut x = first.value;
                let mut i = 1u64;
                loop {
                    let shown = render(x);
                    if !push(&mut out, &shown) {
                        break;
                    }
                    let next = first.value + i as f64 * step.value;
                    i += 1;
                    if out_of_range(next) {
                        // A value just past LAST through rounding that prints as LAST, and
                        // not as the previous number, is still printed.
                        let candidate = render(next);
                        if candidate == render(last.value) && candidate != shown {
                            push(&mut out, &candidate);
                        }
                        break;
                    }
                    x = next;
                }
            }
        }
        if count > 0 {
            out.push('\n');
        }
        cx.out(out);
        0
    }
}

/// Reads an operand like `strtold` plus coreutils' width and precision bookkeeping.
fn scan(text: &str) -> Option<Operand> {
    let trimmed = text.trim_start().trim_start_matches('+');
    let lower = trimmed.to_ascii_lowercase();
    let body = lower.trim_start_matches('-');
    if body.is_empty() || body.starts_with("nan") || body.contains("nan") {
        return None;
    }
    let value: f64 = if let Some(hex) = body.strip_prefix("0x") {
        let v = i128::from_str_radix(hex, 16).ok()? as f64;
        if lower.starts_with('-') { -v } else { v }
    } else {
        let v: f64 = trimmed.parse().ok()?;
        if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == 'i') {
            return None;
        }
        v
    };
    let plain = !lower.contains(['e', 'x', 'i']);
    let mut width = trimmed.len();
    let precision = if plain {
        match trimmed.split_once('.') {
            None => Some(0),
            Some((int, frac)) => {
                if frac.is_empty() {
                    width -= 1;
                } else if !int.ends_with(|c: char| c.is_ascii_digit()) {
                    width += 1;
                }
                Some(frac.len())
            }
        }
    } else {
        None
    };
    let exact = if precision == Some(0) {
        trimmed.parse::<i64>().ok()
    } else {
        None
    };
    Some(Operand {
        value,
        exact,
        width,
        precision,
    })
}

/// coreutils' `get_default_format`: `%.PRECf` (zero-padded to a common width with `-w`)
/// when every operand is a plain decimal number, `%g` otherwise; as a spec and conversion.
fn default_format(
    first: &Operand,
    step: &Operand,
    last: &Operand,
    equal_width: bool,
) -> (Spec, char) {
    let (Some(fp), Some(sp), Some(lp)) = (first.precision, step.precision, last.precision) else {
        return (Spec::default(), 'g');
    };
    let prec = fp.max(sp);
    let mut spec = Spec {
        precision: Some(prec),
        ..Spec::default()
    };
    if equal_width {
        let mut first_width = first.width + (prec - fp);
        let mut last_width = (last.width + prec).saturating_sub(lp);
        if lp > 0 && prec == 0 {
            last_width = last_width.saturating_sub(1);
        }
        if lp == 0 && prec > 0 {
            last_width += 1;
        }
        if fp == 0 && prec > 0 {
            first_width += 1;
        }
        spec.zero = true;
        spec.width = first_width.max(last_width);
    }
    (spec, 'f')
}

/// Checks a `-f` format as coreutils' `validate_format` does and splits it; errors have
/// `{}` where the quoted format goes.
fn parse_format(text: &str) -> Result<Format, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut prefix = String::new();
    let mut i = 0;
    let mut found: Option<(Spec, char)> = None;
    let mut suffix = String::new();
    while i < chars.len() {
        let c = chars[i];
        let target = if found.is_some() {
            &mut suffix
        } else {
            &mut prefix
        };
        if c != '%' {
            target.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'%') {
            target.push('%');
            i += 2;
            continue;
        }
        if found.is_some() {
            return Err("format {} has too many % directives".to_owned());
        }
        i += 1;
        // `'` (thousands grouping) is accepted as a flag too.
        while chars.get(i) == Some(&'\'') {
            i += 1;
        }
        let (spec, used) = cformat::parse_spec(&chars[i..]);
        i += used;
        // Length modifiers are ignored; `L` is what coreutils itself adds.
        while chars.get(i).is_some_and(|c| matches!(c, 'L' | 'l' | 'h')) {
            i += 1;
        }
        match chars.get(i) {
            Some(&conv @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'a' | 'A')) => {
                if spec.width_star || spec.precision_star {
                    return Err(format!("format {{}} has unknown %{} directive", '*'));
                }
                let conv = match conv {
                    'a' => 'e',
                    'A' => 'E',
                    other => other,
                };
                found = Some((spec, conv));
                i += 1;
            }
            Some(other) => return Err(format!("format {{}} has unknown %{other} directive")),
            None => return Err("format {} ends in %".to_owned()),
        }
    }
    let (spec, conv) = found.ok_or_else(|| "format {} has no % directive".to_owned())?;
    Ok(Format {
        prefix,
        spec,
        conv,
        suffix,
    })
}

/// `seq --help` as coreutils 8.32 prints it.
fn help(cx: &CommandCtx<'_>, prog: &str) -> String {
    format!(
        "Usage: {prog} [OPTION]... LAST\n  or:  {prog} [OPTION]... FIRST LAST\n  or:  {prog} [OPTION]... FIRST INCREMENT LAST\n\
         Print numbers from FIRST to LAST, in steps of INCREMENT.\n\n\
         Mandatory arguments to long options are mandatory for short options too.\n\
         \x20 -f, --format=FORMAT      use printf style floating-point FORMAT\n\
         \x20 -s, --separator=STRING   use STRING to separate numbers (default: \\n)\n\
         \x20 -w, --equal-width        equalize width by padding with leading zeroes\n\
         {}\n\
         If FIRST or INCREMENT is omitted, it defaults to 1.  That is, an\n\
         omitted INCREMENT defaults to 1 even when LAST is smaller than FIRST.\n\
         The sequence of numbers ends when the sum of the current number and\n\
         INCREMENT would become greater than LAST.\n\
         FIRST, INCREMENT, and LAST are interpreted as floating point values.\n\
         INCREMENT is usually positive if FIRST is smaller than LAST, and\n\
         INCREMENT is usually negative if FIRST is greater than LAST.\n\
         INCREMENT must not be 0; none of FIRST, INCREMENT and LAST may be NaN.\n\
         FORMAT must be suitable for printing one argument of type 'double';\n\
         it defaults to %.PRECf if FIRST, INCREMENT, and LAST are all fixed point\n\
         decimal numbers with maximum precision PREC, and to %g otherwise.\n{}",
        cx.coreutils_help_options(),
        cx.coreutils_help_footer("seq")
    )
}

#[cfg(test)]
mod tests {
    //! Expected outputs are GNU coreutils 8.32 `seq`'s for the same arguments.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn separators_and_widths() {
        assert_eq!(run("seq -s, 1 4"), "1,2,3,4\n");
        assert_eq!(run("seq -s , 2 2 8"), "2,4,6,8\n");
        assert_eq!(run("seq -s '' 1 3"), "123\n");
        assert_eq!(run("seq --separator=: 3"), "1:2:3\n");
        assert_eq!(run("seq 3"), "1\n2\n3\n");
        assert_eq!(run("seq -w 9 11"), "09\n10\n11\n");
        assert_eq!(run("seq -w -1 1"), "-1\n00\n01\n");
        assert_eq!(run("seq -ws, 8 10"), "08,09,10\n");
        assert_eq!(run("seq 5 1"), "");
        assert_eq!(run("seq 3 -1 1"), "3\n2\n1\n");
        assert_eq!(run("seq -2 0"), "-2\n-1\n0\n");
    }

    #[test]
    fn fractions_and_formats() {
        assert_eq!(run("seq 1 0.1 1.3"), "1.0\n1.1\n1.2\n1.3\n");
        assert_eq!(run("seq -w 1 0.5 3"), "1.0\n1.5\n2.0\n2.5\n3.0\n");
        assert_eq!(run("seq -f %03g 1 3"), "001\n002\n003\n");
        assert_eq!(run("seq -f 'n%.1f%%' 1 2"), "n1.0%\nn2.0%\n");
        assert_eq!(run("seq -fx%gy 2"), "x1y\nx2y\n");
        assert_eq!(run("seq 1e1 1e1"), "10\n");
    }

    #[test]
    fn errors_like_coreutils() {
        let try_help = "Try 'seq --help' for more information.\n";
        assert_eq!(
            run_status("seq a"),
            (
                format!("seq: invalid floating point argument: \u{2018}a\u{2019}\n{try_help}"),
                1
            )
        );
        assert_eq!(
            run_status("seq 1 0 3"),
            (
                format!("seq: invalid Zero increment value: \u{2018}0\u{2019}\n{try_help}"),
                1
            )
        );
        assert_eq!(
            run_status("seq"),
            (format!("seq: missing operand\n{try_help}"), 1)
        );
        assert_eq!(
            run_status("seq 1 2 3 4"),
            (
                format!("seq: extra operand \u{2018}4\u{2019}\n{try_help}"),
                1
            )
        );
        assert_eq!(
            run("seq -f %x 1 2"),
            "seq: format \u{2018}%x\u{2019} has unknown %x directive\n"
        );
        assert_eq!(
            run("seq -f a 1"),
            "seq: format \u{2018}a\u{2019} has no % directive\n"
        );
        assert_eq!(
            run("seq -f '%g %g' 1"),
            "seq: format \u{2018}%g %g\u{2019} has too many % directives\n"
        );
        assert_eq!(
            run("seq -w -f %g 1 2"),
            format!(
                "seq: format string may not be specified when printing equal width strings\n{try_help}"
            )
        );
        assert_eq!(
            run("seq -z 1"),
            format!("seq: invalid option -- 'z'\n{try_help}")
        );
        assert!(run("seq --help").starts_with("Usage: seq [OPTION]... LAST\n"));
    }

    #[test]
    fn huge_sequences_are_bounded() {
        // Ends (bounded), and what it printed is the sequence's start.
        assert_eq!(run("seq 1 99999999999999 | head -3"), "1\n2\n3\n");
        assert_eq!(run("seq 0 0.5 9999999999 | head -2"), "0.0\n0.5\n");
    }
}
