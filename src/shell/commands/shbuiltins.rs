//! Bash builtins that need no interpreter internals: `printf` (bash's own format rules),
//! `read` (from standard input or a here-string) and `let`.

use crate::shell::arith;
use crate::shell::commands::cformat;
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// `printf [-v var] format [arguments]`.
pub struct Printf;

impl Command for Printf {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("printf")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut args = &argv[1.min(argv.len())..];
        let mut var = None;
        if args.first().is_some_and(|a| a == "-v") {
            var = args.get(1).cloned();
            args = &args[2.min(args.len())..];
        }
        if args.first().is_some_and(|a| a == "--") {
            args = &args[1..];
        }
        let Some((format, mut rest)) = args.split_first() else {
            cx.err("printf: usage: printf [-v var] format [arguments]\n");
            return 2;
        };
        let mut out = String::new();
        let mut status = 0;
        loop {
            let before = rest.len();
            let (used, ok) = format_once(format, &mut rest, &mut out, cx);
            if !ok {
                status = 1;
            }
            if !used || rest.is_empty() || rest.len() == before || out.len() > (1 << 20) {
                break;
            }
        }
        match var {
            Some(name) if crate::shell::parser::is_name(&name) => {
                if cx.state.can_hold(&name, &out) {
                    cx.state.set_var(&name, out);
                }
            }
            Some(name) => {
                cx.err(format!("-bash: printf: `{name}': not a valid identifier\n"));
                return 2;
            }
            None => cx.out(to_bytes(&out)),
        }
        status
    }
}

/// Expands `format` once, taking arguments from `args`; returns whether it has conversions
/// and whether every number was valid.
fn format_once(
    format: &str,
    args: &mut &[String],
    out: &mut String,
    cx: &mut CommandCtx<'_>,
) -> (bool, bool) {
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut used = false;
    let mut ok = true;
    let next_arg = |args: &mut &[String]| -> Option<String> {
        let (first, rest) = args.split_first()?;
        *args = rest;
        Some(first.clone())
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 1;
            i += escape(&chars[i..], out);
            continue;
        }
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let (mut spec, used_chars) = cformat::parse_spec(&chars[i..]);
        i += used_chars;
        let Some(&conv) = chars.get(i) else {
            out.extend(&chars[start..]);
            break;
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        used = true;
        if spec.width_star {
            let (w, good) = integer_arg(&next_arg(args).unwrap_or_default(), cx);
            ok &= good;
            spec.left |= w < 0;
            spec.width = usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX);
        }
        if spec.precision_star {
            let (p, good) = integer_arg(&next_arg(args).unwrap_or_default(), cx);
            ok &= good;
            spec.precision = usize::try_from(p).ok();
        }
        let arg = next_arg(args);
        let body = match conv {
            's' => cformat::string(&spec, &arg.unwrap_or_default()),
            'q' => cformat::string(&spec, &shell_quote(&arg.unwrap_or_default())),
            'b' => {
                let cs: Vec<char> = arg.unwrap_or_default().chars().collect();
                let mut unescaped = String::new();
                let mut j = 0;
                let mut stop = false;
                while j < cs.len() {
                    if cs[j] == '\\' {
                        j += 1;
                        if cs.get(j) == Some(&'c') {
                            // `\c` ends all output of this printf.
                            stop = true;
                            break;
                        }
                        if cs.get(j) == Some(&'0') {
                            // `%b` takes `\0nnn`: up to three octal digits after the 0.
                            let digits: String = cs[j + 1..]
                                .iter()
                                .take(3)
                                .take_while(|d| d.is_digit(8))
                                .collect();
                            let code = u32::from_str_radix(&digits, 8).unwrap_or(0);
                            unescaped.push(raw_byte(code));
                            j += 1 + digits.len();
                        } else {
                            j += escape(&cs[j..], &mut unescaped);
                        }
                    } else {
                        unescaped.push(cs[j]);
                        j += 1;
                    }
                }
                if stop {
                    out.push_str(&cformat::string(&spec, &unescaped));
                    return (false, ok);
                }
                cformat::string(&spec, &unescaped)
            }
            'c' => cformat::character(&spec, &arg.unwrap_or_default()),
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let (n, good) = integer_arg(&arg.unwrap_or_default(), cx);
                ok &= good;
                cformat::integer(&spec, conv, n)
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                let (n, good) = float_arg(&arg.unwrap_or_default(), cx);
                ok &= good;
                cformat::float(&spec, conv, n)
            }
            other => {
                cx.err(format!(
                    "-bash: printf: `{other}': invalid format character\n"
                ));
                return (false, false);
            }
        };
        out.push_str(&body);
    }
    (used, ok)
}

/// `%q`: `s` quoted for reuse as shell input, as bash's printf does it: backslashes before
/// special characters, `$'…'` when there are control characters, `''` for nothing.
fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    if s.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\x1b' => out.push_str("\\E"),
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\{:03o}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        let special = " \t'\"\\|&;()<>!{}*[]?^$`,".contains(c)
            || (c == '~' && i == 0)
            || (c == '#' && i == 0);
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A printf integer argument as bash's `getintmax` reads it: decimal, `0x` hex, `0` octal,
/// or `'c` (the character's code). An invalid one is reported and its leading number used.
fn integer_arg(raw: &str, cx: &mut CommandCtx<'_>) -> (i64, bool) {
    match number(raw) {
        Some(n) => (n, true),
        None => {
            cx.err(format!("-bash: printf: {raw}: invalid number\n"));
            (leading(raw).parse::<f64>().map_or(0, |f| f as i64), false)
        }
    }
}

/// A printf floating-point argument as `strtold` reads it, with `'c` and hex integers too.
fn float_arg(raw: &str, cx: &mut CommandCtx<'_>) -> (f64, bool) {
    let s = raw.trim_start();
    let lower = s.to_ascii_lowercase();
    let word = lower.trim_start_matches(['+', '-']);
    let special = match word {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return (if lower.starts_with('-') { -v } else { v }, true);
    }
    if let Some(v) = s
        .parse::<f64>()
        .ok()
        .filter(|_| !s.is_empty() && !word.starts_with(['i', 'n']))
    {
        return (v, true);
    }
    if let Some(n) = number(raw) {
        return (n as f64, true);
    }
    cx.err(format!("-bash: printf: {raw}: invalid number\n"));
    (leading(raw).parse().unwrap_or(0.0), false)
}

/// The longest prefix of `raw` that reads as a decimal number (`-3.5e2` of `-3.5e2xyz`).
fn leading(raw: &str) -> &str {
    let s = raw.trim_start();
    let bytes = s.as_bytes();
    let mut end = 0;
    let mut i = usize::from(bytes.first().is_some_and(|b| *b == b'+' || *b == b'-'));
    let digits_from = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let after_int = digits_from(i);
    if after_int > i {
        end = after_int;
    }
    i = after_int;
    if bytes.get(i) == Some(&b'.') {
        let after_frac = digits_from(i + 1);
        if after_frac > i + 1 || end > 0 {
            end = after_frac;
        }
        i = after_frac;
    }
    if end > 0 && matches!(bytes.get(i), Some(b'e' | b'E')) {
        let j = i + 1 + usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let after_exp = digits_from(j);
        if after_exp > j {
            end = after_exp;
        }
    }
    s.get(..end).unwrap_or("")
}

/// A printf number: decimal, `0x` hex, `0` octal, or `'c` (the character's code).
fn number(raw: &str) -> Option<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return Some(0);
    }
    if let Some(c) = s.strip_prefix(['\'', '"']) {
        return Some(c.chars().next().map_or(0, |c| c as i64));
    }
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse().ok()?
    };
    Some(if neg { value.wrapping_neg() } else { value })
}

/// Where raw bytes (`\\200`, `\\xff`) live in the output text until it is written: a
/// private-use plane no typed text uses, so they come out as single bytes, not UTF-8.
const RAW_BYTE_BASE: u32 = 0x10_FF00;

/// The character standing for byte `code` in printf's output text.
fn raw_byte(code: u32) -> char {
    let code = code & 0xff;
    if code < 0x80 {
        char::from_u32(code).unwrap_or('?')
    } else {
        char::from_u32(RAW_BYTE_BASE + code).unwrap_or('?')
    }
}

/// printf's output text as bytes, raw bytes restored.
fn to_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c).checked_sub(RAW_BYTE_BASE) {
            Some(byte) if byte <= 0xff => out.push(byte as u8),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// One backslash escape (the text after the backslash); returns the characters it used.
fn escape(rest: &[char], out: &mut String) -> usize {
    let Some(&c) = rest.first() else {
        out.push('\\');
        return 0;
    };
    let simple = match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        'e' | 'E' => Some('\x1b'),
        '\\' => Some('\\'),
        '"' => Some('"'),
        '\'' => Some('\''),
        _ => None,
    };
    if let Some(s) = simple {
        out.push(s);
        return 1;
    }
    let (radix, skip, max) = match c {
        'x' => (16, 1, 2),
        '0'..='7' => (8, 0, 3),
        _ => {
            out.push('\\');
            out.push(c);
            return 1;
        }
    };
    let digits: String = rest[skip..]
        .iter()
        .take(max)
        .take_while(|d| d.is_digit(radix))
        .collect();
    if digits.is_empty() {
        out.push('\\');
        out.push(c);
        return 1;
    }
    let code = u32::from_str_radix(&digits, radix).unwrap_or(0) & 0xff;
    out.push(raw_byte(code));
    skip + digits.len()
}

/// `read [-r] [-p prompt] [name…]`: one line of standard input into variables.
pub struct Read;

impl Command for Read {
    fn names(&self) -> &'static [&'static str] {
        &["read"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut raw = false;
        let mut names = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-r" => raw = true,
                "-p" | "-t" | "-n" | "-d" | "-u" => {
                    args.next();
                }
                a if a.starts_with('-') && names.is_empty() => {}
                _ => names.push(arg.clone()),
            }
        }
        let input = String::from_utf8_lossy(cx.stdin).into_owned();
        let Some(line) = input.split('\n').next().filter(|_| !input.is_empty()) else {
            return 1;
        };
        let line = if raw {
            line.to_owned()
        } else {
            let mut out = String::new();
            let mut chars = line.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    out.extend(chars.next());
                } else {
                    out.push(c);
                }
            }
            out
        };
        if names.is_empty() {
            cx.state.set_var("REPLY", line);
            return 0;
        }
        let mut rest = line.trim_start_matches([' ', '\t']);
        for (i, name) in names.iter().enumerate() {
            if !crate::shell::parser::is_name(name) {
                cx.err(format!("-bash: read: `{name}': not a valid identifier\n"));
                return 1;
            }
            let value = if i + 1 == names.len() {
                let v = rest.trim_end_matches([' ', '\t']).to_owned();
                rest = "";
                v
            } else {
                let end = rest.find([' ', '\t']).unwrap_or(rest.len());
                let v = rest[..end].to_owned();
                rest = rest[end..].trim_start_matches([' ', '\t']);
                v
            };
            if cx.state.can_hold(name, &value) {
                cx.state.set_var(name, value);
            }
        }
        0
    }
}

/// `let expr…`: arithmetic, with `NAME=expr` assignments; status 1 when the last is 0.
pub struct Let;

impl Command for Let {
    fn names(&self) -> &'static [&'static str] {
        &["let"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        if argv.len() < 2 {
            cx.err("-bash: let: expression expected\n");
            return 1;
        }
        let mut last = 0;
        for expr in &argv[1..] {
            // `let i++`, `let x+=1`, `let y=x*2`: the expression's own assignments stay.
            let state = &*cx.state;
            match arith::eval_assign(expr, &|name| state.var(name).map(str::to_owned)) {
                Ok((value, assigned)) => {
                    last = value;
                    for (name, value) in assigned {
                        cx.state.set_var(&name, value.to_string());
                    }
                }
                Err(message) => {
                    cx.err(format!("-bash: let: {message}\n"));
                    return 1;
                }
            }
        }
        i32::from(last == 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn printf_like_bash() {
        assert_eq!(run("printf '%s-%d\\n' a 1 b 2"), "a-1\nb-2\n");
        assert_eq!(
            run("printf '%5s|%-3s|%03d|%x\\n' ab c 7 255"),
            "   ab|c  |007|ff\n"
        );
        assert_eq!(run("printf 'x\\ty\\n'"), "x\ty\n");
        assert_eq!(run("printf '%b' 'a\\nb'"), "a\nb");
        assert_eq!(
            run_status("printf '%d\\n' abc"),
            ("-bash: printf: abc: invalid number\n0\n".to_owned(), 1)
        );
        assert_eq!(run("printf -v v '%s!' hi; echo $v"), "hi!\n");
        assert_eq!(run("printf '%%\\n'"), "%\n");
    }

    #[test]
    fn printf_flags_width_precision_like_bash() {
        // Outputs of bash 5.1's printf (glibc formatting) for the same lines.
        assert_eq!(run("printf '%05.2f' 3.14159"), "03.14");
        assert_eq!(
            run("printf '[%05s][%-5d][%+.3d][% d][%#x][%#o][%5.1s]' ab 3 7 5 255 8 xyz"),
            "[   ab][3    ][+007][ 5][0xff][010][    x]"
        );
        assert_eq!(
            run(
                "printf '[%e][%g][%g][%g][%G][%#g][%010.3e]' 1234.5 0.0001 1e-5 123456789 1e-10 1 -3.5"
            ),
            "[1.234500e+03][0.0001][1e-05][1.23457e+08][1E-10][1.00000][-3.500e+00]"
        );
        assert_eq!(
            run("printf '[%c][%5c][%x][%u]' hello A -1 -1"),
            "[h][    A][ffffffffffffffff][18446744073709551615]"
        );
        assert_eq!(
            run("printf '[%05d][%5.3d][%f][%.0f][%.0f]' -42 7 1e3 2.5 3.5"),
            "[-0042][  007][1000.000000][2][4]"
        );
        assert_eq!(run("printf '[%10b][%.2b]' 'x\\n' abc"), "[        x\n][ab]");
        assert_eq!(
            run("printf '[%*d][%-*d][%.*f]' 5 1 4 2 2 3.14159"),
            "[    1][2   ][3.14]"
        );
        assert_eq!(
            run("printf '[%f][%g][%08.3f]' inf nan -inf"),
            "[inf][nan][    -inf]"
        );
        // On a terminal the errors come first: stdout is flushed when the builtin ends.
        assert_eq!(
            run_status("printf '%d|%f' 3abc x"),
            (
                "-bash: printf: 3abc: invalid number\n-bash: printf: x: invalid number\n3|0.000000"
                    .to_owned(),
                1
            )
        );
    }

    #[test]
    fn b_stops_at_backslash_c_and_q_quotes() {
        assert_eq!(
            run("printf '%b\\n' 'a\\x41\\101\\c ignored'; echo"),
            "aAA\n"
        );
        assert_eq!(
            run("printf '%q\\n' 'a b' \"it's\" ''"),
            "a\\ b\nit\\'s\n''\n"
        );
    }

    #[test]
    fn octal_and_hex_escapes_are_raw_bytes() {
        let out = crate::shell::commands::testing::run_as("root", "printf '\\200\\xff%b' '\\0377'");
        assert_eq!(out.output, b"\x80\xff\xff");
    }

    #[test]
    fn read_let_seq() {
        assert_eq!(
            run("read a b <<< 'one two three'; echo $a/$b"),
            "one/two three\n"
        );
        assert_eq!(run("read <<< 'x y'; echo $REPLY"), "x y\n");
        assert_eq!(run("let x=2+3; echo $x; let 0; echo $?"), "5\n1\n");
        // bash 5.1: `let i++` yields the old value (0: status 1) and assigns.
        assert_eq!(run("i=0; let i++; echo $? $i"), "1 1\n");
        assert_eq!(run("x=5; let x+=1 'y = x * 2'; echo $? $x $y"), "0 6 12\n");
        assert_eq!(run("let n--; echo $n"), "-1\n");
        assert_eq!(run("for i in $(seq 1 3); do echo -n $i; done"), "123");
    }
}
