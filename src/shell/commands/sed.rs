//! `sed` (GNU sed 4.8): the basics scripts use. Commands `s/RE/REPL/[gpIN]`, `p`, `d`,
//! `q`, each optionally addressed by a line number, `$` or `/RE/`; options `-n`, `-e`,
//! `-E`/`-r`, `-i` (in place). Anything else gets GNU sed's "unknown command" error.

use super::{Command, CommandCtx};

/// Which lines a command applies to.
#[derive(Debug)]
enum Address {
    All,
    Line(usize),
    Last,
    Match(regex::Regex),
}

/// One command.
#[derive(Debug)]
enum Op {
    Subst {
        re: regex::Regex,
        repl: String,
        /// `g`: every match from [`Op::Subst::occurrence`] on, not only that one.
        global: bool,
        /// The numeric flag: which match to replace first (1 without one).
        occurrence: usize,
        print: bool,
    },
    Print,
    Delete,
    Quit,
}

/// A BRE (or ERE when `extended`) as a `regex` pattern.
fn translate(re: &str, extended: bool) -> String {
    if extended {
        return re.to_owned();
    }
    let mut out = String::new();
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('(' | ')' | '{' | '}' | '|' | '+' | '?')) => out.push(e),
                Some('n') => out.push_str("\\n"),
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '{' | '}' | '|' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// GNU sed's replacement syntax (`&`, `\1`) as the `regex` crate's (`${0}`, `${1}`).
fn replacement(repl: &str) -> String {
    let mut out = String::new();
    let mut chars = repl.chars();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("${0}"),
            '$' => out.push_str("$$"),
            '\\' => match chars.next() {
                Some(d @ '0'..='9') => out.push_str(&format!("${{{d}}}")),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

/// Parses `script` into commands, or GNU sed's error.
fn parse(script: &str, extended: bool) -> Result<Vec<(Address, Op)>, String> {
    let chars: Vec<char> = script.chars().collect();
    let mut ops = Vec::new();
    let mut i = 0;
    let err = |at: usize, what: &str| format!("sed: -e expression #1, char {at}: {what}\n");
    let compile = |re: &str, at: usize| {
        regex::Regex::new(&translate(re, extended))
            .map_err(|_| err(at, "Invalid preceding regular expression"))
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ';' {
            i += 1;
            continue;
        }
        let address = if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            Address::Line(n.parse().unwrap_or(usize::MAX))
        } else if c == '$' {
            i += 1;
            Address::Last
        } else if c == '/' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '/' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return Err(err(chars.len(), "unterminated address regex"));
            }
            let re: String = chars[start..i].iter().collect();
            i += 1;
            Address::Match(compile(&re, i)?)
        } else {
            Address::All
        };
        let Some(&command) = chars.get(i) else {
            return Err(err(i, "missing command"));
        };
        i += 1;
        let op = match command {
            'p' => Op::Print,
            'd' => Op::Delete,
            'q' => Op::Quit,
            's' => {
                let Some(&delim) = chars.get(i) else {
                    return Err(err(i, "unterminated `s' command"));
                };
                i += 1;
                let mut parts = Vec::new();
                for _ in 0..2 {
                    let mut part = String::new();
                    while i < chars.len() && chars[i] != delim {
                        if chars[i] == '\\' && chars.get(i + 1) == Some(&delim) {
                            i += 1;
                        } else if chars[i] == '\\' && i + 1 < chars.len() {
                            part.push('\\');
                            i += 1;
                        }
                        part.push(chars[i]);
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(err(chars.len(), "unterminated `s' command"));
                    }
                    i += 1;
                    parts.push(part);
                }
                let (mut global, mut print, mut icase) = (false, false, false);
                let mut occurrence: Option<usize> = None;
                while let Some(&f) = chars.get(i) {
                    match f {
                        'g' if global => {
                            return Err(err(i + 1, "multiple `g' options to `s' command"));
                        }
                        'g' => global = true,
                        'p' if print => {
                            return Err(err(i + 1, "multiple `p' options to `s' command"));
                        }
                        'p' => print = true,
                        'I' | 'i' => icase = true,
                        '0'..='9' => {
                            if occurrence.is_some() {
                                return Err(err(i + 1, "multiple number options to `s' command"));
                            }
                            let mut n = 0usize;
                            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                                n = n.saturating_mul(10).saturating_add(d as usize);
                                i += 1;
                            }
                            if n == 0 {
                                return Err(err(i, "number option to `s' command may not be zero"));
                            }
                            occurrence = Some(n);
                            continue;
                        }
                        ';' | '\n' | ' ' | '}' => break,
                        _ => return Err(err(i + 1, "unknown option to `s'")),
                    }
                    i += 1;
                }
                let re = if icase {
                    regex::Regex::new(&format!("(?i){}", translate(&parts[0], extended)))
                        .map_err(|_| err(i, "Invalid preceding regular expression"))?
                } else {
                    compile(&parts[0], i)?
                };
                Op::Subst {
                    re,
                    repl: replacement(&parts[1]),
                    global,
                    occurrence: occurrence.unwrap_or(1),
                    print,
                }
            }
            other => return Err(err(i, &format!("unknown command: `{other}'"))),
        };
        ops.push((address, op));
    }
    Ok(ops)
}

/// Runs `ops` over `text`.
fn apply(ops: &[(Address, Op)], text: &str, quiet: bool) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    'lines: for (n, line) in lines.iter().enumerate() {
        let mut space = (*line).to_owned();
        let last = n + 1 == lines.len();
        for (address, op) in ops {
            let hit = match address {
                Address::All => true,
                Address::Line(l) => *l == n + 1,
                Address::Last => last,
                Address::Match(re) => re.is_match(&space),
            };
            if !hit {
                continue;
            }
            match op {
                Op::Print => {
                    out.push_str(&space);
                    out.push('\n');
                }
                Op::Delete => continue 'lines,
                Op::Quit => {
                    if !quiet {
                        out.push_str(&space);
                        out.push('\n');
                    }
                    return out;
                }
                Op::Subst {
                    re,
                    repl,
                    global,
                    occurrence,
                    print,
                } => {
                    if let Some(replaced) = substitute(re, repl, &space, *occurrence, *global) {
                        space = replaced;
                        if *print {
                            out.push_str(&space);
                            out.push('\n');
                        }
                    }
                }
            }
        }
        if !quiet {
            out.push_str(&space);
            out.push('\n');
        }
        if out.len() > super::MAX_COMMAND_OUTPUT {
            break;
        }
    }
    out
}

/// Replaces the `occurrence`-th match of `re` in `space` (and, when `global`, every later
/// one) with `repl`; `None` when no match was replaced.
fn substitute(
    re: &regex::Regex,
    repl: &str,
    space: &str,
    occurrence: usize,
    global: bool,
) -> Option<String> {
    let mut out = String::new();
    let mut last = 0;
    let mut replaced = false;
    for (n, caps) in re.captures_iter(space).enumerate() {
        let n = n + 1;
        if n < occurrence {
            continue;
        }
        if n > occurrence && !global {
            break;
        }
        let whole = caps.get(0)?;
        out.push_str(space.get(last..whole.start())?);
        caps.expand(repl, &mut out);
        last = whole.end();
        replaced = true;
        if out.len() > super::MAX_COMMAND_OUTPUT {
            break;
        }
    }
    if !replaced {
        return None;
    }
    out.push_str(space.get(last..).unwrap_or(""));
    Some(out)
}

/// `sed`.
pub struct Sed;

impl Command for Sed {
    fn names(&self) -> &'static [&'static str] {
        &["sed", "/usr/bin/sed", "/bin/sed"]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let (mut quiet, mut extended, mut in_place) = (false, false, false);
        let mut scripts = Vec::new();
        let mut operands = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-e" | "--expression" => scripts.extend(args.next().cloned()),
                "-n" | "--quiet" | "--silent" => quiet = true,
                "-E" | "-r" | "--regexp-extended" => extended = true,
                a if a.starts_with("-i") || a == "--in-place" => in_place = true,
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a.chars().skip(1) {
                        match c {
                            'n' => quiet = true,
                            'E' | 'r' => extended = true,
                            'i' => in_place = true,
                            _ => {
                                cx.err(format!(
                                    "sed: invalid option -- '{c}'\nUsage: sed [OPTION]... {{script-only-if-no-other-script}} [input-file]...\n\n"
                                ));
                                return 1;
                            }
                        }
                    }
                }
                _ => operands.push(arg.clone()),
            }
        }
        if scripts.is_empty() {
            if operands.is_empty() {
                cx.err(
                    "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n",
                );
                return 1;
            }
            scripts.push(operands.remove(0));
        }
        let ops = match parse(&scripts.join("\n"), extended) {
            Ok(ops) => ops,
            Err(message) => {
                cx.err(message);
                return 1;
            }
        };
        if operands.is_empty() {
            if in_place {
                cx.err("sed: no input files\n");
                return 1;
            }
            let text = String::from_utf8_lossy(cx.stdin).into_owned();
            cx.out(apply(&ops, &text, quiet));
            return 0;
        }
        let mut status = 0;
        for name in &operands {
            match cx.fs.read(name) {
                Ok(bytes) => {
                    let result = apply(&ops, &String::from_utf8_lossy(&bytes), quiet);
                    if in_place {
                        if let Err(err) = cx.fs.write(name, result.as_bytes(), false) {
                            cx.err(format!("sed: couldn't open temporary file {name}: {err}\n"));
                            status = 4;
                        }
                    } else {
                        cx.out(result);
                    }
                }
                Err(err) => {
                    cx.err(format!("sed: can't read {name}: {err}\n"));
                    status = 2;
                }
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU sed 4.9 (same messages as Ubuntu 22.04's 4.8).

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn basics_like_gnu_sed() {
        assert_eq!(run_status("echo aaa | sed s/a/b/"), ("baa\n".into(), 0));
        assert_eq!(run_status("echo aaa | sed 's/a/b/g'"), ("bbb\n".into(), 0));
        assert_eq!(
            run_status("echo -e 'x\\ny\\nz' | sed -n '2p'"),
            ("y\n".into(), 0)
        );
        assert_eq!(
            run_status("echo -e 'x\\ny' | sed '/x/d'"),
            ("y\n".into(), 0)
        );
        assert_eq!(
            run_status("echo 'ab' | sed 's/\\(a\\)\\(b\\)/\\2\\1&/'"),
            ("baab\n".into(), 0)
        );
        assert_eq!(
            run_status("echo 'PermitRootLogin no' > /tmp/c; sed -i 's/no/yes/' /tmp/c; cat /tmp/c"),
            ("PermitRootLogin yes\n".into(), 0)
        );
    }

    #[test]
    fn numeric_and_case_flags_like_gnu_sed() {
        assert_eq!(run("echo hello | sed 's/l/L/2'"), "helLo\n");
        assert_eq!(run("echo aaaa | sed 's/a/b/2g'"), "abbb\n");
        assert_eq!(run("echo Hello | sed 's/h/j/I'"), "jello\n");
        assert_eq!(run("echo abab | sed -n 's/\\(a\\)b/[\\1]/2p'"), "ab[a]\n");
        assert_eq!(run("echo abc | sed 's/b/x/3'"), "abc\n");
        let error = |script: &str| run(&format!("echo abc | sed '{script}'"));
        assert_eq!(
            error("s/b/x/0"),
            "sed: -e expression #1, char 7: number option to `s' command may not be zero\n"
        );
        assert_eq!(
            error("s/b/x/gg"),
            "sed: -e expression #1, char 8: multiple `g' options to `s' command\n"
        );
        assert_eq!(
            error("s/b/x/2p3"),
            "sed: -e expression #1, char 9: multiple number options to `s' command\n"
        );
        assert_eq!(
            error("s/b/x/pp"),
            "sed: -e expression #1, char 8: multiple `p' options to `s' command\n"
        );
    }

    #[test]
    fn errors_like_gnu_sed() {
        assert_eq!(
            run_status("echo a | sed k"),
            (
                "sed: -e expression #1, char 1: unknown command: `k'\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("echo a | sed s/a/b"),
            (
                "sed: -e expression #1, char 5: unterminated `s' command\n".into(),
                1
            )
        );
        assert_eq!(
            run_status("sed p nofile"),
            (
                "sed: can't read nofile: No such file or directory\n".into(),
                2
            )
        );
    }
}
