//! Bash builtins that need no interpreter internals: `printf` (bash's own format rules),
//! `read` (from standard input or a here-string), `let`, and `seq` (coreutils).

use crate::shell::arith;
use crate::shell::commands::{Command, CommandCtx, usr_bin};

/// The most lines `seq` prints before it stops (the output cap cuts it anyway).
const MAX_SEQ_LINES: i64 = 1_000_000;

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
            None => cx.out(out),
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
        while i < chars.len() && "-+ 0#".contains(chars[i]) {
            i += 1;
        }
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            out.extend(&chars[start..]);
            break;
        };
        i += 1;
        let spec: String = chars[start + 1..i - 1].iter().collect();
        if conv == '%' {
            out.push('%');
            continue;
        }
        used = true;
        let arg = next_arg(args);
        let (width, precision, left, zero, plus) = parse_spec(&spec);
        let body = match conv {
            's' | 'b' | 'q' => {
                let mut text = arg.unwrap_or_default();
                if conv == 'b' {
                    let cs: Vec<char> = text.chars().collect();
                    let mut unescaped = String::new();
                    let mut j = 0;
                    while j < cs.len() {
                        if cs[j] == '\\' {
                            j += 1;
                            j += escape(&cs[j..], &mut unescaped);
                        } else {
                            unescaped.push(cs[j]);
                            j += 1;
                        }
                    }
                    text = unescaped;
                }
                if let Some(p) = precision {
                    text = text.chars().take(p).collect();
                }
                text
            }
            'c' => arg
                .and_then(|a| a.chars().next())
                .map(String::from)
                .unwrap_or_default(),
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'f' | 'e' | 'g' => {
                let raw = arg.unwrap_or_default();
                let n = match number(&raw) {
                    Some(n) => n,
                    None => {
                        cx.err(format!("-bash: printf: {raw}: invalid number\n"));
                        ok = false;
                        0
                    }
                };
                let sign = if plus && n >= 0 { "+" } else { "" };
                match conv {
                    'x' => format!("{n:x}"),
                    'X' => format!("{n:X}"),
                    'o' => format!("{n:o}"),
                    'f' => format!("{sign}{:.*}", precision.unwrap_or(6), n as f64),
                    'e' | 'g' => format!("{sign}{:.*e}", precision.unwrap_or(6), n as f64),
                    _ => format!("{sign}{n}"),
                }
            }
            other => {
                cx.err(format!(
                    "-bash: printf: `{other}': invalid format character\n"
                ));
                return (false, false);
            }
        };
        let pad = width.saturating_sub(body.chars().count()).min(1 << 16);
        if left {
            out.push_str(&body);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero && conv != 's' {
            let (sign, digits) = match body.strip_prefix(['-', '+']) {
                Some(d) => (&body[..1], d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&body);
        }
    }
    (used, ok)
}

/// Width, precision and the `-`, `0`, `+` flags of a conversion.
fn parse_spec(spec: &str) -> (usize, Option<usize>, bool, bool, bool) {
    let flags: String = spec.chars().take_while(|c| "-+ 0#".contains(*c)).collect();
    let rest = &spec[flags.len()..];
    let (width, precision) = match rest.split_once('.') {
        Some((w, p)) => (w, Some(p.parse().unwrap_or(0))),
        None => (rest, None),
    };
    (
        width.parse().unwrap_or(0),
        precision,
        flags.contains('-'),
        flags.contains('0'),
        flags.contains('+'),
    )
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
    Some(if neg { -value } else { value })
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
    out.push(char::from_u32(code).unwrap_or('?'));
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
            let (target, expr) = match expr.split_once('=') {
                Some((name, value))
                    if crate::shell::parser::is_name(name.trim()) && !value.starts_with('=') =>
                {
                    (Some(name.trim().to_owned()), value)
                }
                _ => (None, expr.as_str()),
            };
            let state = &*cx.state;
            let result = arith::eval(expr, &|name| state.var(name).map(str::to_owned));
            match result {
                Ok(value) => {
                    last = value;
                    if let Some(name) = target {
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

/// `seq [-s sep] [-w] [first [incr]] last`, integers.
pub struct Seq;

impl Command for Seq {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("seq")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut sep = "\n".to_owned();
        let mut wide = false;
        let mut nums = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-s" => sep = args.next().cloned().unwrap_or_default(),
                "-w" => wide = true,
                a => match a.parse::<i64>() {
                    Ok(n) => nums.push(n),
                    Err(_) => {
                        cx.err(format!(
                            "seq: invalid floating point argument: {}\n{}",
                            cx.quote(a),
                            crate::shell::commands::try_help("seq")
                        ));
                        return 1;
                    }
                },
            }
        }
        let (first, step, last) = match nums.as_slice() {
            [last] => (1, 1, *last),
            [first, last] => (*first, 1, *last),
            [first, step, last] => (*first, *step, *last),
            [] => {
                cx.err(format!(
                    "seq: missing operand\n{}",
                    crate::shell::commands::try_help("seq")
                ));
                return 1;
            }
            [.., extra] => {
                cx.err(format!(
                    "seq: extra operand {}\n{}",
                    cx.quote(&extra.to_string()),
                    crate::shell::commands::try_help("seq")
                ));
                return 1;
            }
        };
        if step == 0 {
            cx.err(format!(
                "seq: invalid Zero increment value: '0'\n{}",
                crate::shell::commands::try_help("seq")
            ));
            return 1;
        }
        let width = if wide {
            first.to_string().len().max(last.to_string().len())
        } else {
            0
        };
        let mut out = String::new();
        let mut n = first;
        let mut count = 0;
        while (step > 0 && n <= last) || (step < 0 && n >= last) {
            if count > 0 {
                out.push_str(&sep);
            }
            out.push_str(&format!("{n:0width$}"));
            count += 1;
            if count >= MAX_SEQ_LINES || out.len() > cx.output_room() {
                break;
            }
            let Some(next) = n.checked_add(step) else {
                break;
            };
            n = next;
        }
        if count > 0 {
            out.push('\n');
        }
        cx.out(out);
        0
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
    fn read_let_seq() {
        assert_eq!(
            run("read a b <<< 'one two three'; echo $a/$b"),
            "one/two three\n"
        );
        assert_eq!(run("read <<< 'x y'; echo $REPLY"), "x y\n");
        assert_eq!(run("let x=2+3; echo $x; let 0; echo $?"), "5\n1\n");
        assert_eq!(run("seq 3"), "1\n2\n3\n");
        assert_eq!(run("seq -s , 2 2 8"), "2,4,6,8\n");
        assert_eq!(run("seq -w 9 11"), "09\n10\n11\n");
        assert_eq!(run("for i in $(seq 1 3); do echo -n $i; done"), "123");
    }
}
