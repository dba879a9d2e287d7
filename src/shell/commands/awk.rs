//! `awk` (mawk 1.3.4, Ubuntu's default): the subset attack scripts use.
//!
//! Rules are `PATTERN { print … ; … }`, with `BEGIN`, `END`, `/regex/`, or a comparison
//! (`NR==1`, `$1=="root"`, `NF>2`) as pattern; `print` takes expressions made of fields
//! (`$3`, `$NF`, `$(NF-1)`), `NR`, `NF`, strings and numbers, concatenated or separated by
//! commas (joined by a space). `-F` sets the separator. Anything else is a syntax error in
//! mawk's words.

use super::{Command, CommandCtx};

/// mawk's usage text (written to standard error, status 0).
const USAGE: &str = "Usage: mawk [Options] [Program] [file ...]\n\n\
Program:\n    The -f option value is the name of a file containing program text.\n    \
If no -f option is given, a \"--\" ends option processing; the following\n    \
parameters are the program text.\n\n\
Options:\n    -f program-file  Program  text is read from file instead of from the\n                     \
command-line.  Multiple -f options are accepted.\n    \
-F value         sets the field separator, FS, to value.\n    \
-v var=value     assigns value to program variable var.\n    \
--               unambiguous end of options.\n\n    \
Implementation-specific options are prefixed with \"-W\".  They can be\n    abbreviated:\n\n    \
-W version       show version information and exit.\n    \
-W dump          show assembler-like listing of program and exit.\n    \
-W help          show this message and exit.\n    \
-W interactive   set unbuffered output, line-buffered input.\n    \
-W exec file     use file as program as well as last option.\n    \
-W random=number set initial random seed.\n    \
-W sprintf=number adjust size of sprintf buffer.\n    \
-W posix_space   do not consider \"\\n\" a space.\n    \
-W usage         show this message and exit.\n";

/// One value in an expression.
#[derive(Debug, Clone)]
enum Term {
    Field(Box<Expr>),
    Nr,
    Nf,
    Str(String),
    Num(f64),
    /// `NF-1` style arithmetic inside `$( )`.
    Minus(Box<Term>, f64),
}

/// Terms written side by side: concatenated.
type Expr = Vec<Term>;

#[derive(Debug, Clone)]
enum Pattern {
    All,
    Begin,
    End,
    Regex(regex::Regex),
    Compare(Expr, String, Expr),
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: Pattern,
    /// The `print` statements: each a list of comma-separated expressions.
    prints: Vec<Vec<Expr>>,
}

/// Splits program text into tokens: words, numbers, strings (kept quoted), `/re/`,
/// operators and punctuation.
fn tokens(text: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::from('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                    s.push(match chars[i] {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err("mawk: 1: unexpected character '\"'\n".into());
            }
            i += 1;
            out.push(s);
        } else if c == '/'
            && out
                .last()
                .is_none_or(|t: &String| t == "{" || t == "}" || t == ";")
        {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '/' {
                i += 1;
            }
            if i >= chars.len() {
                return Err("mawk: line 1: runaway regular expression /  ...\n".into());
            }
            out.push(format!("/{}", chars[start..i].iter().collect::<String>()));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["==", "!=", ">=", "<="].contains(&two.as_str()) {
                out.push(two);
                i += 2;
            } else {
                out.push(c.to_string());
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A parser over the tokens, with mawk's error for the first unexpected one.
struct Parser {
    toks: Vec<String>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }

    fn error(&self) -> String {
        match self.peek() {
            Some(t) => format!("mawk: line 1: syntax error at or near {t}\n"),
            None => "mawk: line 1: syntax error at or near end of file\n".into(),
        }
    }

    fn term(&mut self) -> Result<Term, String> {
        let tok = self.peek().ok_or_else(|| self.error())?.to_owned();
        self.at += 1;
        let term = match tok.as_str() {
            // Unary signs (binary arithmetic is not supported; what follows must be a term).
            "+" | "-" => return self.term(),
            "$" => {
                if self.peek() == Some("(") {
                    self.at += 1;
                    let inner = self.expr()?;
                    if self.peek() != Some(")") {
                        return Err(self.error());
                    }
                    self.at += 1;
                    Term::Field(Box::new(inner))
                } else {
                    Term::Field(Box::new(vec![self.term()?]))
                }
            }
            "NR" | "FNR" => Term::Nr,
            "NF" => Term::Nf,
            t if t.starts_with('"') => Term::Str(t[1..].to_owned()),
            t => match t.parse::<f64>() {
                Ok(n) => Term::Num(n),
                Err(_) => {
                    self.at -= 1;
                    return Err(self.error());
                }
            },
        };
        if self.peek() == Some("-") {
            self.at += 1;
            match self.peek().and_then(|t| t.parse::<f64>().ok()) {
                Some(n) => {
                    self.at += 1;
                    return Ok(Term::Minus(Box::new(term), n));
                }
                None => return Err(self.error()),
            }
        }
        Ok(term)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut expr = vec![self.term()?];
        while let Some(t) = self.peek() {
            if [",", ";", "{", "}", ")", "==", "!=", ">", "<", ">=", "<="].contains(&t) {
                break;
            }
            expr.push(self.term()?);
        }
        Ok(expr)
    }

    fn rule(&mut self) -> Result<Rule, String> {
        let pattern = match self.peek() {
            Some("BEGIN") => {
                self.at += 1;
                Pattern::Begin
            }
            Some("END") => {
                self.at += 1;
                Pattern::End
            }
            Some("{") => Pattern::All,
            Some(t) if t.starts_with('/') && t.len() > 1 || t == "/" => {
                let re = t[1..].to_owned();
                self.at += 1;
                let re = regex::Regex::new(&re).map_err(|_| {
                    format!("mawk: line 1: regular expression compile failed (bad class -- [], [^] or [)\n{re}\n")
                })?;
                Pattern::Regex(re)
            }
            _ => {
                let left = self.expr()?;
                let op = self.peek().ok_or_else(|| self.error())?.to_owned();
                if !["==", "!=", ">", "<", ">=", "<="].contains(&op.as_str()) {
                    return Err(self.error());
                }
                self.at += 1;
                let right = self.expr()?;
                Pattern::Compare(left, op, right)
            }
        };
        let mut prints = Vec::new();
        if self.peek() != Some("{") {
            if matches!(pattern, Pattern::Begin | Pattern::End) {
                return Err(self.error());
            }
            return Ok(Rule {
                pattern,
                prints: vec![Vec::new()],
            });
        }
        self.at += 1;
        loop {
            match self.peek() {
                Some("}") => {
                    self.at += 1;
                    break;
                }
                Some(";") => self.at += 1,
                Some("print") => {
                    self.at += 1;
                    let mut list = Vec::new();
                    if !matches!(self.peek(), Some(";") | Some("}")) {
                        list.push(self.expr()?);
                        while self.peek() == Some(",") {
                            self.at += 1;
                            list.push(self.expr()?);
                        }
                    }
                    prints.push(list);
                }
                None => return Err("mawk: line 2: missing } near end of file\n".into()),
                _ => return Err(self.error()),
            }
        }
        Ok(Rule { pattern, prints })
    }
}

/// A number as awk prints it (`%.6g`, integers plainly).
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The record being processed.
struct Record<'r> {
    line: &'r str,
    fields: Vec<&'r str>,
    nr: usize,
}

impl Record<'_> {
    fn value(&self, term: &Term) -> String {
        match term {
            Term::Field(inner) => {
                let index: String = inner.iter().map(|t| self.value(t)).collect();
                match index.trim().parse::<f64>() {
                    Ok(0.0) => self.line.to_owned(),
                    Ok(i) if i > 0.0 => self
                        .fields
                        .get(i as usize - 1)
                        .map_or(String::new(), |f| (*f).to_owned()),
                    _ => String::new(),
                }
            }
            Term::Nr => self.nr.to_string(),
            Term::Nf => self.fields.len().to_string(),
            Term::Str(s) => s.clone(),
            Term::Num(n) => number(*n),
            Term::Minus(t, n) => {
                let v = self.value(t).trim().parse::<f64>().unwrap_or(0.0);
                number(v - n)
            }
        }
    }

    fn eval(&self, expr: &Expr) -> String {
        expr.iter().map(|t| self.value(t)).collect()
    }

    fn matches(&self, pattern: &Pattern) -> bool {
        match pattern {
            Pattern::All => true,
            Pattern::Begin | Pattern::End => false,
            Pattern::Regex(re) => re.is_match(self.line),
            Pattern::Compare(l, op, r) => {
                let (a, b) = (self.eval(l), self.eval(r));
                let ord = match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                    (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
                    _ => a.cmp(&b),
                };
                use std::cmp::Ordering::*;
                match op.as_str() {
                    "==" => ord == Equal,
                    "!=" => ord != Equal,
                    ">" => ord == Greater,
                    "<" => ord == Less,
                    ">=" => ord != Less,
                    _ => ord != Greater,
                }
            }
        }
    }

    fn print(&self, list: &[Expr]) -> String {
        if list.is_empty() {
            return format!("{}\n", self.line);
        }
        let parts: Vec<String> = list.iter().map(|e| self.eval(e)).collect();
        format!("{}\n", parts.join(" "))
    }
}

/// `awk`, `mawk`.
pub struct Awk;

impl Command for Awk {
    fn names(&self) -> &'static [&'static str] {
        &[
            "awk",
            "/usr/bin/awk",
            "/bin/awk",
            "mawk",
            "/usr/bin/mawk",
            "/bin/mawk",
        ]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let mut sep: Option<String> = None;
        let mut program = None;
        let mut files = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if program.is_some() {
                files.push(arg.clone());
            } else if arg == "-F" {
                sep = args.next().cloned();
            } else if let Some(s) = arg.strip_prefix("-F") {
                sep = Some(s.to_owned());
            } else if arg == "-v" {
                args.next();
            } else if arg == "--" {
                program = args.next().cloned();
            } else {
                program = Some(arg.clone());
            }
        }
        let Some(program) = program else {
            cx.err(USAGE);
            return 0;
        };
        let rules = match tokens(&program).and_then(|toks| {
            let mut p = Parser { toks, at: 0 };
            let mut rules = Vec::new();
            while p.peek().is_some() {
                if p.peek() == Some(";") {
                    p.at += 1;
                    continue;
                }
                rules.push(p.rule()?);
            }
            Ok(rules)
        }) {
            Ok(rules) => rules,
            Err(message) => {
                cx.err(message);
                return 2;
            }
        };
        let mut input = Vec::new();
        if files.is_empty() {
            input.extend_from_slice(cx.stdin);
        }
        for name in &files {
            let data = if name == "-" {
                Ok(cx.stdin.to_vec())
            } else {
                cx.fs.read(name)
            };
            match data {
                Ok(bytes) => input.extend_from_slice(&bytes),
                Err(err) => {
                    cx.err(format!("mawk: cannot open {name} ({err})\n"));
                    return 2;
                }
            }
        }
        let text = String::from_utf8_lossy(&input).into_owned();
        let mut out = String::new();
        let empty = Record {
            line: "",
            fields: Vec::new(),
            nr: 0,
        };
        for rule in rules.iter().filter(|r| matches!(r.pattern, Pattern::Begin)) {
            for p in &rule.prints {
                out.push_str(&empty.print(p));
            }
        }
        let mut nr = 0;
        let mut last = String::new();
        for line in text.lines() {
            nr += 1;
            let fields: Vec<&str> = match sep.as_deref() {
                None | Some(" ") => line.split_whitespace().collect(),
                Some("") => line.split_whitespace().collect(),
                Some("\\t") | Some("t") => line.split('\t').collect(),
                Some(s) => line.split(s).collect(),
            };
            let record = Record { line, fields, nr };
            for rule in &rules {
                if record.matches(&rule.pattern) {
                    for p in &rule.prints {
                        out.push_str(&record.print(p));
                    }
                }
            }
            if out.len() > super::MAX_COMMAND_OUTPUT {
                break;
            }
            last = line.to_owned();
        }
        let end = Record {
            line: &last,
            fields: last.split_whitespace().collect(),
            nr,
        };
        for rule in rules.iter().filter(|r| matches!(r.pattern, Pattern::End)) {
            for p in &rule.prints {
                out.push_str(&end.print(p));
            }
        }
        cx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from mawk 1.3.4 20200120 (Ubuntu 22.04's and Debian 12's awk).

    use crate::shell::commands::testing::run_status;

    #[test]
    fn prints_fields_like_mawk() {
        assert_eq!(
            run_status("echo 'a b c' | awk '{print $2 $3, $NF; print NR}'"),
            ("bc c\n1\n".into(), 0)
        );
        assert_eq!(
            run_status("echo -e 'root:x:0\\nbin:x:1' | awk -F: '$3==1{print $1}'"),
            ("bin\n".into(), 0)
        );
        assert_eq!(
            run_status("echo -e 'a 1\\nb 2' | awk '/b/ {print $(NF-1)} END{print NR}'"),
            ("b\n2\n".into(), 0)
        );
        assert_eq!(
            run_status("echo 'model name : Intel Xeon' | awk '{print $4,$5,$6,$7,$8,$9;}'"),
            ("Intel Xeon    \n".into(), 0)
        );
    }

    #[test]
    fn errors_like_mawk() {
        assert_eq!(
            run_status("echo a | awk '{print $1'"),
            ("mawk: line 2: missing } near end of file\n".into(), 2)
        );
        assert_eq!(
            run_status("echo a | awk '{print $1 +}'"),
            ("mawk: line 1: syntax error at or near }\n".into(), 2)
        );
        assert_eq!(
            run_status("awk '{print}' nofile"),
            (
                "mawk: cannot open nofile (No such file or directory)\n".into(),
                2
            )
        );
        assert!(
            run_status("awk")
                .0
                .starts_with("Usage: mawk [Options] [Program] [file ...]\n")
        );
    }
}
