//! `awk` (mawk 1.3.4, Ubuntu's default): a small but real awk.
//!
//! The program text is tokenized ([`lexer`]), parsed with POSIX precedence ([`parser`]) and
//! run ([`interp`]) over the input's records: patterns (`BEGIN`, `END`, expressions,
//! regexes, ranges), actions with `print`/`printf`, `if`/`else`, loops, arrays, user
//! functions and the usual builtins ([`builtins`]). Everything an attacker controls is
//! bounded: program size and nesting, a step budget, string and array sizes, output.
//! Nothing is ever run for real (`system()` and `print | cmd` do nothing).

mod ast;
mod builtins;
mod exec;
mod expr;
mod interp;
mod lexer;
mod parser;
mod value;

#[cfg(test)]
mod tests;

use super::{Command, CommandCtx};
use ast::{Pattern, Program};
use interp::{Flow, Interp, Stop};
use value::Value;

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

/// Processes backslash escapes in a `-F` or `-v` value, as mawk does.
fn unescape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 1;
            i += lexer::escape(&chars[i..], &mut out);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
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
        let mut fs: Option<String> = None;
        let mut assigns: Vec<String> = Vec::new();
        let mut program: Option<String> = None;
        let mut operands = Vec::new();
        let mut args = argv.iter().skip(1);
        while let Some(arg) = args.next() {
            if program.is_some() {
                operands.push(arg.clone());
            } else if arg == "-F" {
                fs = args.next().cloned();
            } else if let Some(s) = arg.strip_prefix("-F") {
                fs = Some(s.to_owned());
            } else if arg == "-v" {
                assigns.extend(args.next().cloned());
            } else if let Some(s) = arg.strip_prefix("-v") {
                assigns.push(s.to_owned());
            } else if arg == "-f" {
                let Some(file) = args.next() else {
                    cx.err("mawk: option requires an argument -- f\n");
                    cx.err(USAGE);
                    return 2;
                };
                match cx.fs.read(file) {
                    Ok(bytes) => program = Some(String::from_utf8_lossy(&bytes).into_owned()),
                    Err(_) => {
                        cx.err(format!("mawk: couldn't open file {file}\n"));
                        return 2;
                    }
                }
            } else if arg == "--" {
                program = args.next().cloned();
            } else if arg.starts_with('-') && arg.len() > 1 && arg != "-" {
                if arg.starts_with("-W") {
                    cx.err(USAGE);
                    return 0;
                }
                cx.err(format!("mawk: not an option: {arg}\n"));
                return 2;
            } else {
                program = Some(arg.clone());
            }
        }
        let Some(program) = program else {
            cx.err(USAGE);
            return 0;
        };
        let parsed = match lexer::tokens(&program).and_then(parser::parse) {
            Ok(p) => p,
            Err(message) => {
                cx.err(message);
                return 2;
            }
        };
        let (status, interp_files) = run_program(cx, &parsed, fs, &assigns, &operands);
        for (path, append, data) in interp_files {
            let mut bytes = if append {
                cx.fs.read(&path).unwrap_or_default()
            } else {
                Vec::new()
            };
            bytes.extend_from_slice(data.as_bytes());
            if let Err(err) =
                cx.fs
                    .write_data(&path, crate::host::fs::Data::Bytes(bytes.into()), 0o644)
            {
                cx.err(format!("mawk: cannot open \"{path}\" for output ({err})\n"));
            }
        }
        status
    }
}

/// Runs `prog`: BEGIN rules, then each record of the operands (or standard input), then
/// END rules. Returns the exit status and what `print > file` wrote.
fn run_program(
    cx: &mut CommandCtx<'_>,
    prog: &Program,
    fs: Option<String>,
    assigns: &[String],
    operands: &[String],
) -> (i32, Vec<(String, bool, String)>) {
    let rng = cx.state.rng();
    let mut it = Interp::new(prog, cx.output_room(), rng);
    if let Some(fs) = fs {
        let fs = match unescape(&fs).as_str() {
            "t" => "\t".to_owned(),
            other => other.to_owned(),
        };
        it.vars.insert("FS".into(), Value::Str(fs));
    }
    for assign in assigns {
        if let Some((name, value)) = assign.split_once('=') {
            it.vars
                .insert(name.to_owned(), Value::StrNum(unescape(value)));
        }
    }
    let env: Vec<(String, String)> = cx
        .state
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in env {
        it.array_mut("ENVIRON").insert(k, Value::StrNum(v));
    }
    let mut status = run_records(cx, &mut it, prog, operands);
    if !matches!(status, Err(Stop::Error(_))) {
        let end = run_rules(&mut it, prog, |p| matches!(p, Pattern::End));
        if let Err(stop) = end {
            status = Err(match (stop, status) {
                // `exit` without an argument in END keeps an earlier `exit` status.
                (Stop::Exit(0), Err(Stop::Exit(code))) => Stop::Exit(code),
                (stop, _) => stop,
            });
        }
    }
    let out = std::mem::take(&mut it.out);
    cx.out(out);
    let code = match status {
        Ok(()) | Err(Stop::Budget) => 0,
        Err(Stop::Exit(code)) => code,
        Err(Stop::Error(message)) => {
            cx.err(message);
            2
        }
    };
    (code, std::mem::take(&mut it.files))
}

/// Runs the rules selected by `which` (BEGIN or END) once.
fn run_rules(
    it: &mut Interp<'_>,
    prog: &Program,
    which: impl Fn(&Pattern) -> bool,
) -> Result<(), Stop> {
    for rule in prog.rules.iter().filter(|r| which(&r.pattern)) {
        if let Some(action) = &rule.action {
            match it.block(action)? {
                Flow::Next => break,
                _ => continue,
            }
        }
    }
    Ok(())
}

/// BEGIN, then every record. An `exit` stops here (END still runs).
fn run_records(
    cx: &mut CommandCtx<'_>,
    it: &mut Interp<'_>,
    prog: &Program,
    operands: &[String],
) -> Result<(), Stop> {
    run_rules(it, prog, |p| matches!(p, Pattern::Begin))?;
    let has_main = prog
        .rules
        .iter()
        .any(|r| !matches!(r.pattern, Pattern::Begin));
    if !has_main {
        return Ok(());
    }
    let mut in_range = vec![false; prog.rules.len()];
    let mut inputs: Vec<String> = operands.to_vec();
    if !inputs.iter().any(|i| !is_assignment(i)) {
        inputs.push("-".to_owned());
    }
    for input in inputs {
        if is_assignment(&input) {
            if let Some((name, value)) = input.split_once('=') {
                it.vars
                    .insert(name.to_owned(), Value::StrNum(unescape(value)));
            }
            continue;
        }
        let data = if input == "-" || input == "/dev/stdin" {
            cx.stdin.to_vec()
        } else {
            match cx.fs.read(&input) {
                Ok(bytes) => bytes,
                Err(err) => {
                    return Err(Stop::Error(format!("mawk: cannot open {input} ({err})\n")));
                }
            }
        };
        it.vars.insert("FILENAME".into(), Value::Str(input.clone()));
        it.fnr = 0.0;
        let text = String::from_utf8_lossy(&data).into_owned();
        let rs = it.var_text("RS");
        let records: Vec<&str> = match rs.as_str() {
            "\n" | "" => text.lines().collect(),
            sep => text.trim_end_matches('\n').split(sep).collect(),
        };
        for record in records {
            it.tick()?;
            it.nr += 1.0;
            it.fnr += 1.0;
            it.set_record(record);
            'rules: for (i, rule) in prog.rules.iter().enumerate() {
                let hit = match &rule.pattern {
                    Pattern::Begin | Pattern::End => false,
                    Pattern::All => true,
                    Pattern::Expr(e) => it.eval(e)?.truth(),
                    Pattern::Range(start, stop) => {
                        if !in_range[i] && it.eval(start)?.truth() {
                            in_range[i] = true;
                        }
                        let hit = in_range[i];
                        if hit && it.eval(stop)?.truth() {
                            in_range[i] = false;
                        }
                        hit
                    }
                };
                if !hit {
                    continue;
                }
                match &rule.action {
                    None => {
                        let line = format!("{}{}", it.record, it.var_text("ORS"));
                        it.out.push_str(&line);
                    }
                    Some(action) => {
                        if let Flow::Next = it.block(action)? {
                            break 'rules;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether an operand is a `name=value` assignment rather than a file.
fn is_assignment(op: &str) -> bool {
    op.split_once('=')
        .is_some_and(|(name, _)| crate::shell::parser::is_name(name))
}
