//! `expr` (GNU coreutils): evaluates its arguments as an expression — `|` `&`, comparisons,
//! `+ -`, `* / %`, `STRING : REGEX`, `match`, `substr`, `index`, `length`, `+ TOKEN` and
//! parentheses — with GNU's precedence, messages and exit statuses (0: non-null result,
//! 1: null or zero, 2: invalid expression). Nesting is bounded.

use super::coreutils_help::{self, usage};
use super::gnu_opts::prog_name;
use super::{Command, CommandCtx, try_help, usr_bin};

/// How deep parentheses and prefix operators may nest before expr gives up.
const MAX_DEPTH: usize = 200;

/// `expr`.
pub struct Expr;

/// An expression's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// An integer (a result of arithmetic, a comparison or `length`).
    Int(i128),
    /// A string (an argument as given, or a match).
    Str(String),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
        }
    }

    /// Whether the value counts as false: empty, or a zero number (`0`, `-0`, `00`).
    fn null(&self) -> bool {
        match self {
            Value::Int(i) => *i == 0,
            Value::Str(s) => {
                let digits = s.strip_prefix('-').unwrap_or(s);
                s.is_empty() || (!digits.is_empty() && digits.bytes().all(|b| b == b'0'))
            }
        }
    }

    fn int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Str(s) => looks_like_integer(s).then(|| s.parse().ok()).flatten(),
        }
    }
}

/// An optional `-` and one or more digits.
fn looks_like_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The evaluator's state: the arguments and how far it has read; errors are texts after
/// `expr: ` (all exit 2).
struct Parser<'a> {
    /// The expression's arguments.
    args: &'a [String],
    /// The next argument to read.
    pos: usize,
    /// How deep the recursive descent is (bounded by [`MAX_DEPTH`]).
    depth: usize,
    /// Quotes an argument in messages as the locale does.
    quote: &'a dyn Fn(&str) -> String,
}

/// A value, or the error text after `expr: `.
type Eval = Result<Value, String>;

impl Parser<'_> {
    fn next_is(&mut self, token: &str) -> bool {
        if self.args.get(self.pos).is_some_and(|a| a == token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn require_more(&self) -> Result<(), String> {
        if self.pos >= self.args.len() {
            let last = self
                .args
                .get(self.pos.wrapping_sub(1))
                .map_or("", String::as_str);
            return Err(format!(
                "syntax error: missing argument after {}",
                (self.quote)(last)
            ));
        }
        Ok(())
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("memory exhausted".to_owned());
        }
        Ok(())
    }

    /// `|`
    fn eval(&mut self, evaluate: bool) -> Eval {
        self.deeper()?;
        let mut l = self.eval1(evaluate)?;
        while self.next_is("|") {
            let r = self.eval1(evaluate && l.null())?;
            if l.null() {
                l = if r.null() { Value::Int(0) } else { r };
            }
        }
        self.depth -= 1;
        Ok(l)
    }

    /// `&`
    fn eval1(&mut self, evaluate: bool) -> Eval {
        let mut l = self.eval2(evaluate)?;
        while self.next_is("&") {
            let r = self.eval2(evaluate && !l.null())?;
            if l.null() || r.null() {
                l = Value::Int(0);
            }
        }
        Ok(l)
    }

    /// Comparisons.
    fn eval2(&mut self, evaluate: bool) -> Eval {
        let mut l = self.eval3(evaluate)?;
        loop {
            let op = ["<", "<=", "=", "==", "!=", ">=", ">"]
                .into_iter()
                .find(|op| self.next_is(op));
            let Some(op) = op else {
                return Ok(l);
            };
            let r = self.eval3(evaluate)?;
            let (a, b) = (l.text(), r.text());
            let ordering = match (looks_like_integer(&a), looks_like_integer(&b)) {
                (true, true) => match (a.parse::<i128>(), b.parse::<i128>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => a.cmp(&b),
                },
                _ => a.as_bytes().cmp(b.as_bytes()),
            };
            use std::cmp::Ordering::{Equal, Greater, Less};
            let truth = match op {
                "<" => ordering == Less,
                "<=" => ordering != Greater,
                "=" | "==" => ordering == Equal,
                "!=" => ordering != Equal,
                ">=" => ordering != Less,
                _ => ordering == Greater,
            };
            l = Value::Int(i128::from(truth));
        }
    }

    /// `+ -`
    fn eval3(&mut self, evaluate: bool) -> Eval {
        let mut l = self.eval4(evaluate)?;
        loop {
            let add = if self.next_is("+") {
                true
            } else if self.next_is("-") {
                false
            } else {
                return Ok(l);
            };
            let r = self.eval4(evaluate)?;
            if evaluate {
                let (Some(a), Some(b)) = (l.int(), r.int()) else {
                    return Err("non-integer argument".to_owned());
                };
                let sum = if add {
                    a.checked_add(b)
                } else {
                    a.checked_sub(b)
                };
                l = Value::Int(sum.ok_or("integer result too large")?);
            }
        }
    }

    /// `* / %`
    fn eval4(&mut self, evaluate: bool) -> Eval {
        let mut l = self.eval5(evaluate)?;
        loop {
            let op = if self.next_is("*") {
                '*'
            } else if self.next_is("/") {
                '/'
            } else if self.next_is("%") {
                '%'
            } else {
                return Ok(l);
            };
            let r = self.eval5(evaluate)?;
            if evaluate {
                let (Some(a), Some(b)) = (l.int(), r.int()) else {
                    return Err("non-integer argument".to_owned());
                };
                if op != '*' && b == 0 {
                    return Err("division by zero".to_owned());
                }
                let value = match op {
                    '*' => a.checked_mul(b),
                    '/' => a.checked_div(b),
                    _ => a.checked_rem(b),
                };
                l = Value::Int(value.ok_or("integer result too large")?);
            }
        }
    }

    /// `:`
    fn eval5(&mut self, evaluate: bool) -> Eval {
        let mut l = self.eval6(evaluate)?;
        while self.next_is(":") {
            let r = self.eval6(evaluate)?;
            if evaluate {
                l = colon(&l.text(), &r.text())?;
            }
        }
        Ok(l)
    }

    /// Prefix keywords.
    fn eval6(&mut self, evaluate: bool) -> Eval {
        self.deeper()?;
        let value = if self.next_is("+") {
            self.require_more()?;
            self.pos += 1;
            Value::Str(self.args[self.pos - 1].clone())
        } else if self.next_is("length") {
            let r = self.eval6(evaluate)?;
            Value::Int(r.text().chars().count() as i128)
        } else if self.next_is("match") {
            let l = self.eval6(evaluate)?;
            let r = self.eval6(evaluate)?;
            if evaluate {
                colon(&l.text(), &r.text())?
            } else {
                l
            }
        } else if self.next_is("index") {
            let l = self.eval6(evaluate)?.text();
            let r = self.eval6(evaluate)?.text();
            let pos = l
                .chars()
                .position(|c| r.contains(c))
                .map_or(0, |p| p as i128 + 1);
            Value::Int(pos)
        } else if self.next_is("substr") {
            let s = self.eval6(evaluate)?.text();
            let pos = self.eval6(evaluate)?;
            let len = self.eval6(evaluate)?;
            match (pos.int(), len.int()) {
                (Some(p), Some(n)) if p >= 1 && n >= 0 => Value::Str(
                    s.chars()
                        .skip(usize::try_from(p - 1).unwrap_or(usize::MAX))
                        .take(usize::try_from(n).unwrap_or(usize::MAX))
                        .collect(),
                ),
                _ => Value::Str(String::new()),
            }
        } else {
            self.eval7(evaluate)?
        };
        self.depth -= 1;
        Ok(value)
    }

    /// Parentheses and plain arguments.
    fn eval7(&mut self, evaluate: bool) -> Eval {
        self.require_more()?;
        if self.next_is("(") {
            let v = self.eval(evaluate)?;
            if self.pos >= self.args.len() {
                let last = &self.args[self.pos - 1];
                return Err(format!(
                    "syntax error: expecting ')' after {}",
                    (self.quote)(last)
                ));
            }
            if !self.next_is(")") {
                let here = &self.args[self.pos];
                return Err(format!(
                    "syntax error: expecting ')' instead of {}",
                    (self.quote)(here)
                ));
            }
            return Ok(v);
        }
        if self.next_is(")") {
            return Err("syntax error: unexpected ')'".to_owned());
        }
        self.pos += 1;
        Ok(Value::Str(self.args[self.pos - 1].clone()))
    }
}

/// `STRING : REGEX`: the anchored match's length, or its first group.
fn colon(s: &str, pattern: &str) -> Eval {
    let (translated, groups) = bre_to_regex(pattern)?;
    let re = regex::RegexBuilder::new(&format!("^(?:{translated})"))
        .size_limit(1 << 20)
        .build()
        .map_err(|_| "Invalid regular expression".to_owned())?;
    match re.captures(s) {
        Some(caps) if groups > 0 => Ok(Value::Str(
            caps.get(1).map_or("", |m| m.as_str()).to_owned(),
        )),
        Some(caps) => Ok(Value::Int(
            caps.get(0).map_or(0, |m| m.as_str().chars().count()) as i128,
        )),
        None if groups > 0 => Ok(Value::Str(String::new())),
        None => Ok(Value::Int(0)),
    }
}

/// A POSIX basic regular expression as a `regex` crate pattern, and its group count.
fn bre_to_regex(bre: &str) -> Result<(String, usize), String> {
    let mut out = String::new();
    let mut groups = 0;
    let mut open = 0usize;
    let mut chars = bre.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        let start = at_start;
        at_start = false;
        match c {
            '\\' => match chars.next() {
                Some('(') => {
                    groups += 1;
                    open += 1;
                    out.push('(');
                    at_start = true;
                }
                Some(')') => {
                    if open == 0 {
                        return Err("Unmatched ) or \\)".to_owned());
                    }
                    open -= 1;
                    out.push(')');
                }
                Some('{') => out.push('{'),
                Some('}') => out.push('}'),
                Some(d @ '1'..='9') => {
                    return Err(if (d as usize - '0' as usize) > groups {
                        "Invalid back reference".to_owned()
                    } else {
                        "back references are not supported".to_owned()
                    });
                }
                Some(c @ ('+' | '?' | '|')) => out.push(c),
                Some(c) => out.push_str(&regex::escape(&c.to_string())),
                None => return Err("Trailing backslash".to_owned()),
            },
            '*' if start => out.push_str("\\*"),
            '^' if start => out.push('^'),
            '.' | '*' | '$' => out.push(c),
            '[' => {
                out.push('[');
                let mut first = true;
                loop {
                    match chars.next() {
                        None => return Err("Unmatched [, [^, [:, [., or [=".to_owned()),
                        Some(']') if !first => {
                            out.push(']');
                            break;
                        }
                        Some('^') if first => out.push('^'),
                        Some(c @ ('\\' | '[' | '&' | '~' | '-')) if c != '-' || first => {
                            if c == '[' && chars.peek() == Some(&':') {
                                out.push('[');
                            } else {
                                out.push('\\');
                                out.push(c);
                            }
                            first = false;
                            continue;
                        }
                        Some(c) => out.push(c),
                    }
                    first = false;
                }
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    if open > 0 {
        return Err("Unmatched ( or \\(".to_owned());
    }
    Ok((out, groups))
}

impl Command for Expr {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("expr")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog_name(argv, "expr").to_owned();
        let mut args = argv.get(1..).unwrap_or_default();
        // parse_long_options: `--help`/`--version` only as the sole argument.
        if args.len() == 1 {
            match args[0].as_str() {
                "--help" => {
                    cx.out(usage(cx, &prog, "expr", coreutils_help::EXPR));
                    return 0;
                }
                "--version" => {
                    let text = cx.coreutils_version_text(
                        "expr",
                        "Mike Parker, James Youngman, and Paul Eggert",
                    );
                    cx.out(text);
                    return 0;
                }
                _ => {}
            }
        }
        if args.first().is_some_and(|a| a == "--") {
            args = &args[1..];
        }
        if args.is_empty() {
            cx.err(format!("{prog}: missing operand\n{}", try_help(&prog)));
            return 2;
        }
        let quote = |s: &str| cx.quote(s);
        let mut parser = Parser {
            args,
            pos: 0,
            depth: 0,
            quote: &quote,
        };
        let result = parser.eval(true).and_then(|v| {
            if parser.pos < args.len() {
                Err(format!(
                    "syntax error: unexpected argument {}",
                    quote(&args[parser.pos])
                ))
            } else {
                Ok(v)
            }
        });
        match result {
            Ok(value) => {
                let null = value.null();
                cx.out(format!("{}\n", value.text()));
                i32::from(null)
            }
            Err(message) => {
                cx.err(format!("{prog}: {message}\n"));
                2
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts and statuses from GNU coreutils `expr` with the same arguments.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn arithmetic_and_comparisons() {
        assert_eq!(run_status("expr 1 + 2"), ("3\n".into(), 0));
        assert_eq!(run_status("expr 2 \\* 3 + 1"), ("7\n".into(), 0));
        assert_eq!(run_status("expr 7 / 2 % 2"), ("1\n".into(), 0));
        assert_eq!(run_status("expr 1 - 1"), ("0\n".into(), 1));
        assert_eq!(run_status("expr 10 \\< 9"), ("0\n".into(), 1));
        assert_eq!(run_status("expr abc \\< abd"), ("1\n".into(), 0));
        assert_eq!(run_status("expr 0 \\| 5"), ("5\n".into(), 0));
        assert_eq!(run_status("expr '' \\| 0"), ("0\n".into(), 1));
        assert_eq!(run_status("expr 3 \\& 0"), ("0\n".into(), 1));
        assert_eq!(run_status("expr \\( 1 + 2 \\) \\* 3"), ("9\n".into(), 0));
        assert_eq!(
            run("expr 99999999999999999999 + 1"),
            "100000000000000000000\n"
        );
    }

    #[test]
    fn string_operations() {
        assert_eq!(run("expr length hello"), "5\n");
        assert_eq!(run("expr substr hello 2 3"), "ell\n");
        assert_eq!(run("expr index hello l"), "3\n");
        assert_eq!(run("expr hello : 'h.*l'"), "4\n");
        assert_eq!(run("expr hello : 'x'"), "0\n");
        assert_eq!(run("expr abc123 : '[a-z]*\\([0-9]*\\)'"), "123\n");
        assert_eq!(run("expr match abc 'a\\(b\\)'"), "b\n");
        assert_eq!(run("expr + length"), "length\n");
        assert_eq!(run_status("expr ''"), ("\n".into(), 1));
    }

    #[test]
    fn errors_like_coreutils() {
        assert_eq!(
            run_status("expr"),
            (
                "expr: missing operand\nTry 'expr --help' for more information.\n".into(),
                2
            )
        );
        assert_eq!(
            run_status("expr 1 +"),
            (
                "expr: syntax error: missing argument after \u{2018}+\u{2019}\n".into(),
                2
            )
        );
        assert_eq!(
            run_status("expr a + 1"),
            ("expr: non-integer argument\n".into(), 2)
        );
        assert_eq!(
            run_status("expr 1 / 0"),
            ("expr: division by zero\n".into(), 2)
        );
        assert_eq!(
            run_status("expr 1 2"),
            (
                "expr: syntax error: unexpected argument \u{2018}2\u{2019}\n".into(),
                2
            )
        );
        assert_eq!(
            run_status("expr \\( 1"),
            (
                "expr: syntax error: expecting ')' after \u{2018}1\u{2019}\n".into(),
                2
            )
        );
        assert_eq!(
            run_status("expr \\)"),
            ("expr: syntax error: unexpected ')'\n".into(), 2)
        );
        let deep = format!("expr {}1", "\\( ".repeat(5000));
        assert_eq!(run_status(&deep).1, 2);
        assert!(run("expr --help").starts_with("Usage: expr EXPRESSION\n  or:  expr OPTION\n\n"));
    }
}
