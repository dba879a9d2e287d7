//! Interpreters: `python3` and `perl`. They report their versions and complain about
//! missing scripts like the real ones; code given to them (`-c`, a script file) is never
//! run: it "runs" silently and succeeds. The one exception is the probe attackers type to
//! see whether perl works: `perl -e` code made only of `print`s of literals and arithmetic
//! ([`perl_prints`]) prints what perl would.

use super::fetch::absolute;
use super::{Command, CommandCtx};
use crate::host::release::Series;

/// `python3`.
pub struct Python3;

impl Python3 {
    /// The upstream version of the release's `python3.X` package, e.g. `3.10.12`.
    fn version(cx: &CommandCtx<'_>) -> String {
        cx.host
            .release()
            .packages
            .iter()
            .find(|(name, _, _)| name.starts_with("python3.") && name.len() > 8)
            .map(|(_, version, _)| version.split('-').next().unwrap_or(version).to_owned())
            .unwrap_or_else(|| "3.10.12".to_owned())
    }
}

impl Command for Python3 {
    fn names(&self) -> &'static [&'static str] {
        &[
            "python3",
            "/usr/bin/python3",
            "/bin/python3",
            "python3.8",
            "/usr/bin/python3.8",
            "python3.10",
            "/usr/bin/python3.10",
            "python3.12",
            "/usr/bin/python3.12",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-V" | "--version" => {
                    let text = format!("Python {}\n", Python3::version(cx));
                    cx.out(text);
                    return 0;
                }
                "-c" | "-m" => return 0,
                a if a.starts_with('-') => {}
                script => {
                    if cx.fs.is_dir(script) || !cx.fs.exists(script) {
                        let path = absolute(cx, script);
                        let (errno, text) = if cx.fs.is_dir(script) {
                            (21, "Is a directory")
                        } else {
                            (2, "No such file or directory")
                        };
                        let prog = argv.first().map_or("python3", String::as_str);
                        let prog = if prog.starts_with("python3.") {
                            "python3"
                        } else {
                            prog
                        };
                        cx.err(format!(
                            "{prog}: can't open file '{path}': [Errno {errno}] {text}\n"
                        ));
                        return 2;
                    }
                    return 0;
                }
            }
        }
        0
    }
}

/// `perl`.
pub struct Perl;

impl Command for Perl {
    fn names(&self) -> &'static [&'static str] {
        &[
            "perl",
            "/usr/bin/perl",
            "/bin/perl",
            "perl5.30.0",
            "/usr/bin/perl5.30.0",
            "perl5.34.0",
            "/usr/bin/perl5.34.0",
            "perl5.38.2",
            "/usr/bin/perl5.38.2",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (minor, sub, patches, year) = match cx.host.series() {
            Series::Focal => (30, 0, 49, 2019),
            Series::Jammy => (34, 0, 60, 2021),
            Series::Noble => (38, 2, 47, 2023),
        };
        for arg in argv.iter().skip(1) {
            match arg.as_str() {
                "-v" | "--version" => {
                    cx.out(format!(
                        "\nThis is perl 5, version {minor}, subversion {sub} (v5.{minor}.{sub}) built for x86_64-linux-gnu-thread-multi\n\
                         (with {patches} registered patches, see perl -V for more detail)\n\n\
                         Copyright 1987-{year}, Larry Wall\n\n\
                         Perl may be copied only under the terms of either the Artistic License or the\n\
                         GNU General Public License, which may be found in the Perl 5 source kit.\n\n\
                         Complete documentation for Perl, including FAQ lists, should be found on\n\
                         this system using \"man perl\" or \"perldoc perl\".  If you have access to the\n\
                         Internet, point your browser at https://www.perl.org/, the Perl Home Page.\n\n"
                    ));
                    return 0;
                }
                "-e" | "-E" | "-le" | "-lE" | "-el" | "-El" => {
                    // Every `-e` joins the program, one line each.
                    let mut code = Vec::new();
                    let mut newline = false;
                    let mut say = false;
                    let mut rest = argv.iter().skip(1);
                    while let Some(opt) = rest.next() {
                        match opt.as_str() {
                            "-l" => newline = true,
                            "-e" | "-E" | "-le" | "-lE" | "-el" | "-El" => {
                                newline |= opt.contains('l');
                                say |= opt.contains('E');
                                code.extend(rest.next().cloned());
                            }
                            _ => return 0,
                        }
                    }
                    if let Ok(prints) = perl_prints(&code.join("\n"), say) {
                        for print in prints {
                            match print {
                                Ok((mut text, line)) => {
                                    if newline || line {
                                        text.push('\n');
                                    }
                                    cx.out(text);
                                }
                                Err(message) => {
                                    cx.err(message);
                                    return 255;
                                }
                            }
                        }
                    }
                    return 0;
                }
                a if a.starts_with('-') => {}
                script => {
                    if !cx.fs.exists(script) {
                        cx.err(format!(
                            "Can't open perl script \"{script}\": No such file or directory\n"
                        ));
                        return 2;
                    }
                    return 0;
                }
            }
        }
        0
    }
}

/// A perl value: integer (IV), float (NV) or string (PV).
#[derive(Debug, Clone)]
enum PerlValue {
    Int(i64),
    Num(f64),
    Str(String),
}

impl PerlValue {
    fn num(&self) -> f64 {
        match self {
            PerlValue::Int(i) => *i as f64,
            PerlValue::Num(n) => *n,
            PerlValue::Str(s) => {
                let t = s.trim_start();
                let end = t
                    .char_indices()
                    .take_while(|(i, c)| {
                        c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))
                    })
                    .last()
                    .map_or(0, |(i, c)| i + c.len_utf8());
                t[..end].parse().unwrap_or(0.0)
            }
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            PerlValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn text(&self) -> String {
        match self {
            PerlValue::Int(i) => i.to_string(),
            PerlValue::Num(n) => {
                if n.is_infinite() {
                    return if *n > 0.0 { "Inf" } else { "-Inf" }.to_owned();
                }
                if n.is_nan() {
                    return "NaN".to_owned();
                }
                let spec = super::cformat::Spec {
                    precision: Some(15),
                    ..Default::default()
                };
                super::cformat::float(&spec, 'g', *n)
            }
            PerlValue::Str(s) => s.clone(),
        }
    }
}

/// One output of a perl program: text and whether `say` ends it with a newline, or the
/// fatal error that stops it.
type PerlOutput = Result<(String, bool), String>;

/// Reads a perl program made only of `print LIST` / `say LIST` statements whose items are
/// string literals, numbers and `+ - * / % ** . x` arithmetic; `Err` for anything else
/// (variables, interpolation, function calls), which keeps the silent behaviour.
fn perl_prints(code: &str, say_enabled: bool) -> Result<Vec<PerlOutput>, ()> {
    let toks = perl_tokens(code)?;
    let mut p = PerlParser { toks, at: 0 };
    let mut outputs = Vec::new();
    loop {
        while p.eat(";") {}
        let Some(word) = p.toks.get(p.at).cloned() else {
            break;
        };
        let line = match word.as_str() {
            "print" => false,
            "say" if say_enabled => true,
            _ => return Err(()),
        };
        p.at += 1;
        let paren = p.eat("(");
        let mut items = Vec::new();
        let empty = matches!(p.peek(), None | Some(";")) || (paren && p.peek() == Some(")"));
        if !empty {
            items.push(p.expr(0)?);
            while p.eat(",") {
                items.push(p.expr(0)?);
            }
        }
        if paren && !p.eat(")") {
            return Err(());
        }
        if !matches!(p.peek(), None | Some(";")) {
            return Err(());
        }
        let mut text = String::new();
        let mut failed = None;
        for item in items {
            match item {
                Ok(v) => text.push_str(&v.text()),
                Err(message) => {
                    failed = Some(message);
                    break;
                }
            }
            if text.len() > super::MAX_COMMAND_OUTPUT {
                break;
            }
        }
        if let Some(message) = failed {
            outputs.push(Ok((text, false)));
            outputs.push(Err(message));
            break;
        }
        outputs.push(Ok((text, line)));
    }
    Ok(outputs)
}

/// Splits perl code into tokens: quoted strings (kept with their quote), numbers, words
/// and operators.
fn perl_tokens(code: &str) -> Result<Vec<String>, ()> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut s = String::from(c);
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(()),
                    Some(&q) if q == c => break,
                    Some('\\') if c == '"' => {
                        i += 1;
                        let e = chars.get(i).ok_or(())?;
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            'e' => '\x1b',
                            '0' => '\0',
                            'x' => {
                                let hex: String = chars[i + 1..]
                                    .iter()
                                    .take(2)
                                    .take_while(|d| d.is_ascii_hexdigit())
                                    .collect();
                                i += hex.len();
                                char::from_u32(u32::from_str_radix(&hex, 16).unwrap_or(0))
                                    .unwrap_or('?')
                            }
                            c if c.is_ascii_alphanumeric() => return Err(()),
                            other => *other,
                        });
                    }
                    Some('\\') if matches!(chars.get(i + 1), Some('\\' | '\'')) => {
                        i += 1;
                        s.push(chars[i]);
                    }
                    // Interpolation of variables is beyond this evaluator.
                    Some('$' | '@') if c == '"' => return Err(()),
                    Some(&other) => s.push(other),
                }
                i += 1;
            }
            i += 1;
            out.push(s);
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '_'
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                    || ((chars[i] == 'e' || chars[i] == 'E')
                        && chars
                            .get(i + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == '-')))
            {
                i += if matches!(chars[i], 'e' | 'E') && chars.get(i + 1) == Some(&'-') {
                    2
                } else {
                    1
                };
            }
            out.push(chars[start..i].iter().filter(|c| **c != '_').collect());
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            out.push("**".to_owned());
            i += 2;
        } else if "+-*/%.(),;".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            return Err(());
        }
        if out.len() > 10_000 {
            return Err(());
        }
    }
    Ok(out)
}

/// A precedence-climbing parser that evaluates as it goes.
struct PerlParser {
    toks: Vec<String>,
    at: usize,
}

/// A value, or the fatal error evaluating it raised.
type PerlEval = Result<PerlValue, String>;

impl PerlParser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }

    fn eat(&mut self, tok: &str) -> bool {
        let hit = self.peek() == Some(tok);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// Binary operators from precedence `min` up: `. + -` (0), `* / % x` (1), `**` (2).
    fn expr(&mut self, min: u8) -> Result<PerlEval, ()> {
        if self.at > 50_000 {
            return Err(());
        }
        let mut left = self.unary()?;
        while let Some(op) = self.peek().map(str::to_owned) {
            let prec = match op.as_str() {
                "." | "+" | "-" => 0,
                "*" | "/" | "%" | "x" => 1,
                "**" => 2,
                _ => break,
            };
            if prec < min {
                break;
            }
            self.at += 1;
            // `**` is right-associative; the others left.
            let right = self.expr(if prec == 2 { 2 } else { prec + 1 })?;
            left = match (left, right) {
                (Ok(a), Ok(b)) => perl_binary(&op, a, b),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<PerlEval, ()> {
        if self.eat("-") {
            return Ok(self.unary()?.map(|v| match v {
                PerlValue::Int(i) => PerlValue::Int(i.wrapping_neg()),
                other => PerlValue::Num(-other.num()),
            }));
        }
        if self.eat("+") {
            return self.unary();
        }
        let tok = self.peek().ok_or(())?.to_owned();
        self.at += 1;
        if tok == "(" {
            let inner = self.expr(0)?;
            return if self.eat(")") { Ok(inner) } else { Err(()) };
        }
        if let Some(s) = tok.strip_prefix(['"', '\'']) {
            return Ok(Ok(PerlValue::Str(s.to_owned())));
        }
        if tok.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok(Ok(match tok.parse::<i64>() {
                Ok(i) => PerlValue::Int(i),
                Err(_) => PerlValue::Num(tok.parse().map_err(|_| ())?),
            }));
        }
        Err(())
    }
}

/// Applies a perl binary operator; integer arithmetic stays integral unless it overflows.
fn perl_binary(op: &str, a: PerlValue, b: PerlValue) -> PerlEval {
    let ints = a.int().zip(b.int());
    Ok(match op {
        "." => PerlValue::Str(a.text() + &b.text()),
        "x" => {
            let n = b.num().max(0.0) as usize;
            let s = a.text();
            if s.len().saturating_mul(n) > super::MAX_COMMAND_OUTPUT {
                PerlValue::Str(s.repeat(super::MAX_COMMAND_OUTPUT / s.len().max(1)))
            } else {
                PerlValue::Str(s.repeat(n))
            }
        }
        "+" => match ints.and_then(|(x, y)| x.checked_add(y)) {
            Some(i) => PerlValue::Int(i),
            None => PerlValue::Num(a.num() + b.num()),
        },
        "-" => match ints.and_then(|(x, y)| x.checked_sub(y)) {
            Some(i) => PerlValue::Int(i),
            None => PerlValue::Num(a.num() - b.num()),
        },
        "*" => match ints.and_then(|(x, y)| x.checked_mul(y)) {
            Some(i) => PerlValue::Int(i),
            None => PerlValue::Num(a.num() * b.num()),
        },
        "/" if b.num() == 0.0 => {
            return Err("Illegal division by zero at -e line 1.\n".to_owned());
        }
        "%" if b.num() as i64 == 0 => {
            return Err("Illegal modulus zero at -e line 1.\n".to_owned());
        }
        "/" => {
            let q = a.num() / b.num();
            if q.fract() == 0.0 && q.abs() < 1e15 {
                PerlValue::Int(q as i64)
            } else {
                PerlValue::Num(q)
            }
        }
        "%" => {
            // Integer modulus, with the sign of the right operand.
            let (x, y) = (a.num() as i64, b.num() as i64);
            let r = x.wrapping_rem(y);
            PerlValue::Int(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            })
        }
        _ => PerlValue::Num(a.num().powf(b.num())),
    })
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn perl_e_prints_literals_and_arithmetic() {
        // Outputs of perl 5.34 for the same one-liners.
        assert_eq!(run("perl -e 'print 1+1'"), "2");
        assert_eq!(run("perl -e \"print \\\"hi\\n\\\"\""), "hi\n");
        assert_eq!(
            run(
                "perl -e 'print 1/3, \" \", 10/2, \" \", 2**0.5, \" \", 1e21, \" \", 7-10, \" \", \"3abc\"+1, \" \", \"a\" x 3, \" \", 1 . 2, \"\\n\"'"
            ),
            "0.333333333333333 5 1.4142135623731 1e+21 -3 4 aaa 12\n"
        );
        assert_eq!(run("perl -le 'print \"hi\"; print 5'"), "hi\n5\n");
        assert_eq!(run("perl -e 'print \"a\\tb\\x41\\n\"'"), "a\tbA\n");
        assert_eq!(run("perl -e \"print 'x\\n'\""), "x\\n");
        assert_eq!(run("perl -e 'print(1,2); print \"\\n\"'"), "12\n");
        assert_eq!(
            run("perl -e 'print 9999999999*99999999, \" \", 0.1+0.2, \" \", -3/2, \" \", 10 % 3'"),
            "999999989900000001 0.3 -1.5 1"
        );
        assert_eq!(run("perl -E 'say 3'"), "3\n");
        assert_eq!(run("perl -e 'print -7 % 3, \" \", 7 % -3'"), "2 -2");
        assert_eq!(
            run_status("perl -e 'print 1; print 1/0'"),
            ("1Illegal division by zero at -e line 1.\n".into(), 255)
        );
        assert_eq!(
            run_status("perl -e 'print 7 % 0.5'"),
            ("Illegal modulus zero at -e line 1.\n".into(), 255)
        );
        // Anything else still runs silently.
        assert_eq!(
            run_status("perl -e 'print $x; system(\"id\")'"),
            (String::new(), 0)
        );
        assert_eq!(run_status("perl -e 'use Socket;'"), (String::new(), 0));
    }

    #[test]
    fn versions_and_missing_scripts() {
        assert_eq!(run_status("python3 -V"), ("Python 3.10.12\n".into(), 0));
        assert_eq!(run_status("python3 -c 'import os'"), (String::new(), 0));
        assert_eq!(
            run_status("cd /root; python3 x.py"),
            (
                "python3: can't open file '/root/x.py': [Errno 2] No such file or directory\n"
                    .into(),
                2
            )
        );
        assert!(
            run_status("perl -v")
                .0
                .starts_with("\nThis is perl 5, version 34, subversion 0 (v5.34.0) built for")
        );
        assert_eq!(
            run_status("perl x.pl"),
            (
                "Can't open perl script \"x.pl\": No such file or directory\n".into(),
                2
            )
        );
    }
}
