//! Walking trees: `find` (GNU findutils, the common tests and actions).

use super::prog;
use crate::host::fs::{Access, FileType, Stat, Timestamp};
use crate::shell::commands::{Command, CommandCtx, usr_bin};
use crate::shell::pattern::glob_match;

/// Most entries one walk visits.
const MAX_VISITED: usize = 100_000;

/// A parsed `find` expression.
#[derive(Debug, Clone)]
enum Expr {
    True,
    False,
    Name(String, bool),
    Path(String, bool),
    Type(char),
    Empty,
    Size(i8, u64),
    Perm(u32, char),
    Access(Access),
    Newer(Timestamp),
    MinutesAgo(i8, i64, bool),
    Print(bool),
    Delete,
    Prune,
    Quit,
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// Parses `find`'s expression; global options (`-maxdepth`, `-mindepth`) are collected
/// aside. `Err` is the error text.
struct Parser<'a> {
    words: &'a [String],
    pos: usize,
    max_depth: usize,
    min_depth: usize,
    has_action: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.words.get(self.pos).map(String::as_str)
    }

    fn or(&mut self, cx: &CommandCtx<'_>) -> Result<Expr, String> {
        let mut left = self.and(cx)?;
        while matches!(self.peek(), Some("-o" | "-or")) {
            self.pos += 1;
            let right = self.and(cx)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, cx: &CommandCtx<'_>) -> Result<Expr, String> {
        let mut left = self.not(cx)?;
        loop {
            match self.peek() {
                None | Some("-o" | "-or" | ")") => return Ok(left),
                Some("-a" | "-and") => self.pos += 1,
                _ => {}
            }
            let right = self.not(cx)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn not(&mut self, cx: &CommandCtx<'_>) -> Result<Expr, String> {
        if matches!(self.peek(), Some("!" | "-not")) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not(cx)?)));
        }
        self.primary(cx)
    }

    fn arg(&mut self, test: &str) -> Result<String, String> {
        match self.words.get(self.pos) {
            Some(value) => {
                self.pos += 1;
                Ok(value.clone())
            }
            None => Err(format!("missing argument to `{test}'")),
        }
    }

    fn primary(&mut self, cx: &CommandCtx<'_>) -> Result<Expr, String> {
        let Some(word) = self.words.get(self.pos).cloned() else {
            return Err("expected an expression".to_owned());
        };
        self.pos += 1;
        let number = |text: &str| -> Option<(i8, u64)> {
            let (sign, digits) = match text.chars().next() {
                Some('+') => (1, &text[1..]),
                Some('-') => (-1, &text[1..]),
                _ => (0, text),
            };
            digits.parse().ok().map(|n| (sign, n))
        };
        Ok(match word.as_str() {
            "(" => {
                let inner = self.or(cx)?;
                if self.peek() == Some(")") {
                    self.pos += 1;
                }
                inner
            }
            "-true" => Expr::True,
            "-false" => Expr::False,
            "-name" | "-iname" => Expr::Name(self.arg(&word)?, word == "-iname"),
            "-path" | "-ipath" | "-wholename" => Expr::Path(self.arg(&word)?, word == "-ipath"),
            "-type" | "-xtype" => {
                let value = self.arg(&word)?;
                match value.as_str() {
                    "f" | "d" | "l" | "c" | "b" | "p" | "s" => {
                        Expr::Type(value.chars().next().unwrap_or('f'))
                    }
                    _ => return Err(format!("Unknown argument to {word}: {value}")),
                }
            }
            "-empty" => Expr::Empty,
            "-size" => {
                let value = self.arg(&word)?;
                let (digits, unit) = value.split_at(
                    value
                        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                        .len(),
                );
                let scale = match unit {
                    "" | "b" => 512,
                    "c" => 1,
                    "w" => 2,
                    "k" => 1024,
                    "M" => 1 << 20,
                    "G" => 1 << 30,
                    _ => return Err(format!("invalid -size type `{unit}'")),
                };
                match number(digits) {
                    Some((sign, n)) => Expr::Size(sign, n.saturating_mul(scale)),
                    None => return Err(format!("Invalid argument `{value}' to -size")),
                }
            }
            "-perm" => {
                let value = self.arg(&word)?;
                let (kind, text) = match value.chars().next() {
                    Some(c @ ('-' | '/')) => (c, &value[1..]),
                    _ => ('=', value.as_str()),
                };
                match u32::from_str_radix(text, 8) {
                    Ok(mode) => Expr::Perm(mode, kind),
                    Err(_) => return Err(format!("invalid mode `{value}'")),
                }
            }
            "-readable" => Expr::Access(Access::Read),
            "-writable" => Expr::Access(Access::Write),
            "-executable" => Expr::Access(Access::Exec),
            "-newer" => {
                let file = self.arg(&word)?;
                match cx.fs.stat(&file) {
                    Ok(stat) => Expr::Newer(stat.mtime),
                    Err(err) => return Err(format!("‘{file}’: {err}")),
                }
            }
            "-mtime" | "-mmin" => {
                let value = self.arg(&word)?;
                match number(&value) {
                    Some((sign, n)) => Expr::MinutesAgo(sign, n as i64, word == "-mtime"),
                    None => return Err(format!("invalid argument `{value}' to `{word}'")),
                }
            }
            "-user" | "-group" | "-uid" | "-gid" | "-regex" | "-newermt" => {
                self.arg(&word)?;
                Expr::True
            }
            "-maxdepth" | "-mindepth" => {
                let value = self.arg(&word)?;
                let Ok(n) = value.parse::<usize>() else {
                    return Err(format!(
                        "Expected a positive decimal integer argument to {word}, but got ‘{value}’"
                    ));
                };
                if word == "-maxdepth" {
                    self.max_depth = n;
                } else {
                    self.min_depth = n;
                }
                Expr::True
            }
            "-xdev" | "-mount" | "-depth" | "-follow" | "-noleaf" | "-ignore_readdir_race" => {
                Expr::True
            }
            "-print" | "-ls" => {
                self.has_action = true;
                Expr::Print(false)
            }
            "-print0" => {
                self.has_action = true;
                Expr::Print(true)
            }
            "-delete" => {
                self.has_action = true;
                Expr::Delete
            }
            "-prune" => Expr::Prune,
            "-quit" => Expr::Quit,
            "-exec" | "-execdir" | "-ok" | "-okdir" => {
                // Nothing the attacker types is run; the command is only consumed.
                self.has_action = true;
                while let Some(w) = self.words.get(self.pos) {
                    self.pos += 1;
                    if w == ";" || w == "+" {
                        return Ok(Expr::True);
                    }
                }
                return Err(format!("missing argument to `{word}'"));
            }
            "-fprint" | "-printf" | "-fls" => {
                self.arg(&word)?;
                self.has_action = true;
                Expr::True
            }
            other if other.starts_with('-') => return Err(format!("unknown predicate `{other}'")),
            other => return Err(format!("paths must precede expression: `{other}'")),
        })
    }
}

/// What evaluating an expression on one file asks for.
#[derive(Default)]
struct Effects {
    prune: bool,
    quit: bool,
}

fn eval(
    cx: &mut CommandCtx<'_>,
    e: &Expr,
    path: &str,
    name: &str,
    stat: &Stat,
    out: &mut String,
    fx: &mut Effects,
) -> bool {
    let now = cx.fs.now().timestamp();
    match e {
        Expr::True => true,
        Expr::False => false,
        Expr::Name(p, ci) => {
            if *ci {
                glob_match(&p.to_lowercase(), &name.to_lowercase())
            } else {
                glob_match(p, name)
            }
        }
        Expr::Path(p, ci) => {
            if *ci {
                glob_match(&p.to_lowercase(), &path.to_lowercase())
            } else {
                glob_match(p, path)
            }
        }
        Expr::Type(c) => matches!(
            (c, stat.file_type),
            ('f', FileType::Regular)
                | ('d', FileType::Directory)
                | ('l', FileType::Symlink)
                | ('c', FileType::CharDevice)
        ),
        Expr::Empty => match stat.file_type {
            FileType::Regular => stat.size == 0,
            FileType::Directory => cx.fs.read_dir(path).is_ok_and(|e| e.is_empty()),
            _ => false,
        },
        Expr::Size(sign, bytes) => {
            let unit = if *bytes == 0 { 1 } else { *bytes };
            match sign {
                1 => stat.size > *bytes,
                -1 => stat.size < *bytes,
                _ => stat.size.div_ceil(unit.max(1)) == 1 || stat.size == *bytes,
            }
        }
        Expr::Perm(mode, kind) => match kind {
            '-' => stat.mode & mode == *mode,
            '/' => *mode == 0 || stat.mode & mode != 0,
            _ => stat.mode & 0o7777 == *mode,
        },
        Expr::Access(access) => cx.fs.access(path, *access).is_ok(),
        Expr::Newer(t) => stat.mtime > *t,
        Expr::MinutesAgo(sign, n, days) => {
            let age = (now - stat.mtime.secs).max(0);
            let units = if *days { age / 86_400 } else { (age + 59) / 60 };
            match sign {
                1 => units > *n,
                -1 => units < *n,
                _ => units == *n,
            }
        }
        Expr::Print(zero) => {
            out.push_str(path);
            out.push(if *zero { '\0' } else { '\n' });
            true
        }
        Expr::Delete => {
            let result = if stat.file_type == FileType::Directory {
                cx.fs.rmdir(path)
            } else {
                cx.fs.unlink(path)
            };
            result.is_ok()
        }
        Expr::Prune => {
            fx.prune = true;
            true
        }
        Expr::Quit => {
            fx.quit = true;
            true
        }
        Expr::Not(inner) => !eval(cx, inner, path, name, stat, out, fx),
        Expr::And(a, b) => {
            eval(cx, a, path, name, stat, out, fx) && eval(cx, b, path, name, stat, out, fx)
        }
        Expr::Or(a, b) => {
            eval(cx, a, path, name, stat, out, fx) || eval(cx, b, path, name, stat, out, fx)
        }
    }
}

/// `find`.
pub struct Find;

impl Command for Find {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("find")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog(argv).to_owned();
        let args = argv.get(1..).unwrap_or_default();
        if args.first().is_some_and(|a| a == "--version") {
            let version = if cx.host.coreutils_version == "8.30" {
                "4.7.0"
            } else if cx.host.coreutils_version == "9.4" {
                "4.9.0"
            } else {
                "4.8.0"
            };
            cx.out(format!("find (GNU findutils) {version}\nCopyright (C) 2021 Free Software Foundation, Inc.\nLicense GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\nWritten by Eric B. Decker, James Youngman, and Kevin Dalley.\nFeatures enabled: D_TYPE O_NOFOLLOW(enabled) LEAF_OPTIMISATION FTS(FTS_CWDFD) CBO(level=2) \n"));
            return 0;
        }
        let mut start = 0;
        while start < args.len() {
            let a = &args[start];
            if a.starts_with('-') && a.len() > 1 || a == "!" || a == "(" {
                break;
            }
            start += 1;
        }
        let paths: Vec<String> = if start == 0 {
            vec![".".to_owned()]
        } else {
            args[..start].to_vec()
        };
        let mut parser = Parser {
            words: &args[start..],
            pos: 0,
            max_depth: usize::MAX,
            min_depth: 0,
            has_action: false,
        };
        let expr = if parser.words.is_empty() {
            Expr::True
        } else {
            match parser.or(cx) {
                Ok(_) if parser.pos < parser.words.len() => {
                    let rest = &parser.words[parser.pos];
                    cx.err(format!("{prog}: unexpected extra predicate '{rest}'\n"));
                    return 1;
                }
                Ok(expr) => expr,
                Err(message) => {
                    cx.err(format!("{prog}: {message}\n"));
                    return 1;
                }
            }
        };
        let expr = if parser.has_action {
            expr
        } else {
            Expr::And(Box::new(expr), Box::new(Expr::Print(false)))
        };
        let (max_depth, min_depth) = (parser.max_depth, parser.min_depth);
        let mut status = 0;
        let mut visited = 0usize;
        for root in &paths {
            let stat = match cx.fs.lstat(root) {
                Ok(stat) => stat,
                Err(err) => {
                    cx.err(format!("{prog}: ‘{root}’: {err}\n"));
                    status = 1;
                    continue;
                }
            };
            let mut stack: Vec<(String, Stat, usize)> = vec![(root.clone(), stat, 0)];
            while let Some((path, stat, depth)) = stack.pop() {
                visited += 1;
                if visited > MAX_VISITED || cx.output_room() == 0 {
                    return status;
                }
                let name = if depth == 0 {
                    path.as_str()
                } else {
                    path.rsplit('/').next().unwrap_or("")
                };
                let name = name.to_owned();
                let mut out = String::new();
                let mut fx = Effects::default();
                if depth >= min_depth {
                    eval(cx, &expr, &path, &name, &stat, &mut out, &mut fx);
                }
                cx.out(out);
                if fx.quit {
                    return status;
                }
                if stat.file_type != FileType::Directory || depth >= max_depth || fx.prune {
                    continue;
                }
                match cx.fs.read_dir(&path) {
                    Ok(entries) => {
                        for entry in entries.iter().rev() {
                            let child = if path.ends_with('/') {
                                format!("{path}{}", entry.name)
                            } else {
                                format!("{path}/{}", entry.name)
                            };
                            let stat = cx.fs.fresh_stat(&entry.node);
                            stack.push((child, stat, depth + 1));
                        }
                    }
                    Err(err) => {
                        cx.err(format!("{prog}: ‘{path}’: {err}\n"));
                        status = 1;
                    }
                }
            }
        }
        status
    }
}
