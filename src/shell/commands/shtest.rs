//! `test` and `[`: strings, integers and files (against the session's filesystem), with
//! bash's error texts (`-bash: [: missing `]'`, `integer expression expected`, status 2).

use crate::host::fs::{Access, FileType};
use crate::shell::commands::{Command, CommandCtx};

/// `test` and `[` (bash's builtins; `/usr/bin/[` and `/usr/bin/test` exist too).
pub struct Test;

/// Why an expression could not be evaluated: the message after `-bash: NAME: `.
type Failure = String;

impl Command for Test {
    fn names(&self) -> &'static [&'static str] {
        &["test", "[", "/usr/bin/test", "/usr/bin/["]
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let name = argv
            .first()
            .map_or("test", |n| n.rsplit('/').next().unwrap_or(n));
        let mut args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
        if name == "[" {
            if args.last() != Some(&"]") {
                cx.err("-bash: [: missing `]'\n");
                return 2;
            }
            args.pop();
        }
        match eval(cx, &args) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(message) => {
                cx.err(format!("-bash: {name}: {message}\n"));
                2
            }
        }
    }
}

/// Evaluates a whole expression, POSIX-style by argument count, with `-a`/`-o`.
fn eval(cx: &mut CommandCtx<'_>, args: &[&str]) -> Result<bool, Failure> {
    if let Some(i) = args.iter().rposition(|a| *a == "-o")
        && i > 0
        && i + 1 < args.len()
    {
        return Ok(eval(cx, &args[..i])? | eval(cx, &args[i + 1..])?);
    }
    if let Some(i) = args.iter().rposition(|a| *a == "-a")
        && i > 0
        && i + 1 < args.len()
    {
        return Ok(eval(cx, &args[..i])? & eval(cx, &args[i + 1..])?);
    }
    match args {
        [] => Ok(false),
        [one] => Ok(!one.is_empty()),
        ["!", rest @ ..] => Ok(!eval(cx, rest)?),
        ["(", inner @ .., ")"] => eval(cx, inner),
        [op, operand] => unary(cx, op, operand),
        [left, op, right] => binary(left, op, right),
        [_, _, third, ..] => Err(format!("{third}: binary operator expected")),
    }
}

/// `-n s`, `-z s`, and the file tests.
fn unary(cx: &mut CommandCtx<'_>, op: &str, operand: &str) -> Result<bool, Failure> {
    let stat = || cx.fs.stat(operand).ok();
    Ok(match op {
        "-n" => !operand.is_empty(),
        "-z" => operand.is_empty(),
        "-e" | "-a" => stat().is_some(),
        "-f" => stat().is_some_and(|s| s.file_type == FileType::Regular),
        "-d" => stat().is_some_and(|s| s.is_dir()),
        "-s" => stat().is_some_and(|s| s.size > 0),
        "-L" | "-h" => cx
            .fs
            .lstat(operand)
            .is_ok_and(|s| s.file_type == FileType::Symlink),
        "-r" => cx.fs.access(operand, Access::Read).is_ok(),
        "-w" => cx.fs.access(operand, Access::Write).is_ok(),
        "-x" => cx.fs.access(operand, Access::Exec).is_ok(),
        "-b" | "-c" | "-p" | "-S" | "-g" | "-u" | "-k" | "-t" | "-O" | "-G" | "-N" => {
            op == "-c" && stat().is_some_and(|s| s.file_type == FileType::CharDevice)
        }
        _ => return Err(format!("{op}: unary operator expected")),
    })
}

/// String and integer comparisons.
fn binary(left: &str, op: &str, right: &str) -> Result<bool, Failure> {
    let int = |s: &str| -> Result<i64, Failure> {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("{s}: integer expression expected"))
    };
    Ok(match op {
        "=" | "==" => left == right,
        "!=" => left != right,
        "<" => left < right,
        ">" => left > right,
        "-eq" => int(left)? == int(right)?,
        "-ne" => int(left)? != int(right)?,
        "-lt" => int(left)? < int(right)?,
        "-le" => int(left)? <= int(right)?,
        "-gt" => int(left)? > int(right)?,
        "-ge" => int(left)? >= int(right)?,
        _ => return Err(format!("{op}: binary operator expected")),
    })
}

#[cfg(test)]
mod tests {
    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn strings_integers_and_files_like_bash() {
        assert_eq!(run("[ a = a ] && echo y; [ a != a ] || echo n"), "y\nn\n");
        assert_eq!(run("test -z '' && echo z; test -n x && echo n"), "z\nn\n");
        assert_eq!(
            run("[ 3 -gt 2 ] && echo gt; [ 1 -ge 2 ]; echo $?"),
            "gt\n1\n"
        );
        assert_eq!(
            run("[ -d /tmp ] && echo d; [ -f /etc/passwd ] && echo f"),
            "d\nf\n"
        );
        assert_eq!(
            run("[ -e /nope ]; echo $?; [ ! -e /nope ] && echo not"),
            "1\nnot\n"
        );
        assert_eq!(
            run_status("[ a = a"),
            ("-bash: [: missing `]'\n".to_owned(), 2)
        );
        assert_eq!(
            run_status("[ x -eq 1 ]"),
            ("-bash: [: x: integer expression expected\n".to_owned(), 2)
        );
        assert_eq!(run("[ ]; echo $?; [ x ]; echo $?"), "1\n0\n");
        assert_eq!(
            run("x=5; while [ $x -gt 0 ]; do x=$((x-1)); [ $x = 2 ] && break; done; echo $x"),
            "2\n"
        );
    }
}
