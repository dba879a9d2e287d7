//! Line filters: `tac` and `nl` (GNU coreutils) and `rev` (util-linux).

use super::super::coreutils_help::{self, usage};
use super::super::gnu_opts::{Arg, Spec, parse as getopt, prog_name};
use super::super::{Command, CommandCtx, try_help, usr_bin};

/// Reads the named files (or standard input for none or `-`), calling `fail` with the
/// name and error of each one that cannot be read.
fn read_inputs(
    cx: &mut CommandCtx<'_>,
    files: &[String],
    mut fail: impl FnMut(&mut CommandCtx<'_>, &str, String),
) -> Vec<Vec<u8>> {
    let names: Vec<String> = if files.is_empty() {
        vec!["-".to_owned()]
    } else {
        files.to_vec()
    };
    let mut out = Vec::new();
    for name in names {
        if name == "-" {
            out.push(cx.stdin.to_vec());
            continue;
        }
        match cx.fs.read_limited(&name, super::super::MAX_COMMAND_OUTPUT) {
            Ok(bytes) => out.push(bytes),
            Err(err) => fail(cx, &name, err.to_string()),
        }
    }
    out
}

/// `tac`: each file's records (lines) last first.
pub struct Tac;

impl Command for Tac {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("tac")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('b', "before", Arg::No),
            ('r', "regex", Arg::No),
            ('s', "separator", Arg::Required),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "tac").to_owned();
        let (opts, files) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, false) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return 1;
            }
        };
        let mut before = false;
        let mut separator = b"\n".to_vec();
        for opt in opts {
            match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "tac", coreutils_help::TAC));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("tac", "Jay Lepreau and David MacKenzie");
                    cx.out(text);
                    return 0;
                }
                "before" => before = true,
                "separator" => {
                    let value = opt.value.unwrap_or_default();
                    if value.is_empty() {
                        cx.err(format!("{prog}: separator cannot be empty\n"));
                        return 1;
                    }
                    separator = value.into_bytes();
                }
                _ => {}
            }
        }
        let mut status = 0;
        let inputs = read_inputs(cx, &files, |cx, name, err| {
            cx.err(format!(
                "{prog}: failed to open {} for reading: {err}\n",
                shell_quote(name)
            ));
            status = 1;
        });
        for data in inputs {
            let out = reverse_records(&data, &separator, before);
            cx.out(out);
        }
        status
    }
}

/// The records of `data` in reverse order; each keeps its separator after it (or before it,
/// with `before`), so a last line without a newline runs into the one printed next.
fn reverse_records(data: &[u8], sep: &[u8], before: bool) -> Vec<u8> {
    let mut records: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= data.len() {
        if &data[i..i + sep.len()] == sep {
            if before {
                records.push(&data[start..i]);
                start = i;
            } else {
                records.push(&data[start..i + sep.len()]);
                start = i + sep.len();
            }
            i += sep.len();
        } else {
            i += 1;
        }
    }
    if start < data.len() {
        records.push(&data[start..]);
    }
    let mut out = Vec::with_capacity(data.len());
    for record in records.iter().rev() {
        out.extend_from_slice(record);
    }
    out
}

/// A file name as coreutils' `quoteaf` shows it when it needs no quoting in the shell: in
/// single quotes.
fn shell_quote(name: &str) -> String {
    format!("'{}'", name.replace('\'', "'\\''"))
}

/// How `nl` numbers the lines of a section.
#[derive(Clone)]
enum Style {
    /// `a`: all lines.
    All,
    /// `t`: non-empty lines.
    Text,
    /// `n`: none.
    None,
    /// `pBRE`: lines matching the expression.
    Pattern(regex::Regex),
}

/// Parses `-b`/`-h`/`-f` style letters.
fn style(text: &str) -> Option<Style> {
    match text {
        "a" => Some(Style::All),
        "t" => Some(Style::Text),
        "n" => Some(Style::None),
        _ => text
            .strip_prefix('p')
            .and_then(|re| regex::Regex::new(re).ok())
            .map(Style::Pattern),
    }
}

/// `nl`: numbers lines.
pub struct Nl;

impl Command for Nl {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("nl")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[
            ('h', "header-numbering", Arg::Required),
            ('b', "body-numbering", Arg::Required),
            ('f', "footer-numbering", Arg::Required),
            ('v', "starting-line-number", Arg::Required),
            ('i', "line-increment", Arg::Required),
            ('p', "no-renumber", Arg::No),
            ('l', "join-blank-lines", Arg::Required),
            ('s', "number-separator", Arg::Required),
            ('w', "number-width", Arg::Required),
            ('n', "number-format", Arg::Required),
            ('d', "section-delimiter", Arg::Required),
            ('\0', "help", Arg::No),
            ('\0', "version", Arg::No),
        ];
        let prog = prog_name(argv, "nl").to_owned();
        let (opts, files) = match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, false) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &try_help(&prog));
                return 1;
            }
        };
        let mut styles = [Style::None, Style::Text, Style::None];
        let (mut start, mut incr, mut width) = (1i64, 1i64, 6usize);
        let mut separator = "\t".to_owned();
        let mut format = "rn";
        let mut delim = "\\:".to_owned();
        let mut renumber = true;
        let mut ok = true;
        for opt in opts {
            let value = opt.value.clone().unwrap_or_default();
            let number = |what: &str, min: i64| -> Result<i64, String> {
                match value.parse::<i64>() {
                    Ok(n) if n >= min => Ok(n),
                    Ok(_) => Err(format!(
                        "{prog}: {what}: {}: Numerical result out of range\n",
                        cx.quote(&value)
                    )),
                    Err(_) => Err(format!("{prog}: {what}: {}\n", cx.quote(&value))),
                }
            };
            let parsed = match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "nl", coreutils_help::NL));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("nl", "Scott Bartram and David MacKenzie");
                    cx.out(text);
                    return 0;
                }
                "header-numbering" | "body-numbering" | "footer-numbering" => {
                    let (slot, which) = match opt.key.as_str() {
                        "header-numbering" => (0, "header"),
                        "body-numbering" => (1, "body"),
                        _ => (2, "footer"),
                    };
                    match style(&value) {
                        Some(s) => {
                            styles[slot] = s;
                            Ok(())
                        }
                        None => {
                            let text = format!(
                                "{prog}: invalid {which} numbering style: {}\n",
                                cx.quote(&value)
                            );
                            cx.err(text);
                            ok = false;
                            Ok(())
                        }
                    }
                }
                "starting-line-number" => {
                    number("invalid starting line number", i64::MIN).map(|n| start = n)
                }
                "line-increment" => number("invalid line number increment", 1).map(|n| incr = n),
                "join-blank-lines" => number("invalid line number of blank lines", 1).map(|_| ()),
                "number-width" => number("invalid line number field width", 1)
                    .map(|n| width = usize::try_from(n).unwrap_or(1).min(4096)),
                "no-renumber" => {
                    renumber = false;
                    Ok(())
                }
                "number-separator" => {
                    separator = value.clone();
                    Ok(())
                }
                "section-delimiter" => {
                    delim = value.clone();
                    Ok(())
                }
                _ => match value.as_str() {
                    "ln" | "rn" | "rz" => {
                        format = match value.as_str() {
                            "ln" => "ln",
                            "rz" => "rz",
                            _ => "rn",
                        };
                        Ok(())
                    }
                    _ => {
                        let text = format!(
                            "{prog}: invalid line numbering format: {}\n",
                            cx.quote(&value)
                        );
                        cx.err(text);
                        ok = false;
                        Ok(())
                    }
                },
            }
            .map(|_| ());
            if let Err(message) = parsed {
                cx.err(message);
                return 1;
            }
        }
        if !ok {
            cx.err(try_help(&prog));
            return 1;
        }
        if delim.len() == 1 {
            delim.push(':');
        }
        let mut status = 0;
        let inputs = read_inputs(cx, &files, |cx, name, err| {
            cx.err(format!("{prog}: {name}: {err}\n"));
            status = 1;
        });
        let mut line_no = start;
        let mut section = 1;
        let mut out = Vec::new();
        let blank = " ".repeat(width + separator.len());
        for data in inputs {
            for line in data.split_inclusive(|b| *b == b'\n') {
                if out.len() > cx.output_room() {
                    break;
                }
                let body = line.strip_suffix(b"\n").unwrap_or(line);
                let text = String::from_utf8_lossy(body);
                let kind = if text == delim.repeat(3) {
                    Some(0)
                } else if text == delim.repeat(2) {
                    Some(1)
                } else if text == delim {
                    Some(2)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    section = kind;
                    if renumber {
                        line_no = start;
                    }
                    out.push(b'\n');
                    continue;
                }
                let numbered = match &styles[section] {
                    Style::All => true,
                    Style::Text => !body.is_empty(),
                    Style::None => false,
                    Style::Pattern(re) => re.is_match(&text),
                };
                if numbered {
                    let number = match format {
                        "ln" => format!("{line_no:<width$}"),
                        "rz" if line_no < 0 => format!("-{:0>w$}", -line_no, w = width - 1),
                        "rz" => format!("{line_no:0>width$}"),
                        _ => format!("{line_no:>width$}"),
                    };
                    out.extend_from_slice(number.as_bytes());
                    out.extend_from_slice(separator.as_bytes());
                    line_no = line_no.saturating_add(incr);
                } else {
                    out.extend_from_slice(blank.as_bytes());
                }
                out.extend_from_slice(line);
            }
        }
        cx.out(out);
        status
    }
}

/// `rev` (util-linux): each line's characters reversed.
pub struct Rev;

impl Command for Rev {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("rev")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        const OPTIONS: &[Spec] = &[('h', "help", Arg::No), ('V', "version", Arg::No)];
        let prog = prog_name(argv, "rev").to_owned();
        let short = prog.rsplit('/').next().unwrap_or("rev").to_owned();
        let (opts, files) = match getopt(&short, argv.get(1..).unwrap_or_default(), OPTIONS, false)
        {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(format!(
                    "{message}Try '{short} --help' for more information.\n"
                ));
                return 1;
            }
        };
        if let Some(opt) = opts.first() {
            if opt.key == "help" {
                cx.out(format!(
                    "Usage: {short} [options] [file ...]\n\nReverse lines characterwise.\n\n\
                     Options:\n -h, --help     display this help\n -V, --version  display version\n\n\
                     For more details see rev(1).\n"
                ));
            } else {
                let version = cx.host.release().util_linux;
                cx.out(format!("{short} from util-linux {version}\n"));
            }
            return 0;
        }
        let mut status = 0;
        let inputs = read_inputs(cx, &files, |cx, name, err| {
            cx.err(format!("{short}: cannot open {name}: {err}\n"));
            status = 1;
        });
        let mut out = Vec::new();
        for data in inputs {
            let text = String::from_utf8_lossy(&data);
            for line in text.split_inclusive('\n') {
                let (body, newline) = match line.strip_suffix('\n') {
                    Some(body) => (body, "\n"),
                    None => (line, ""),
                };
                out.extend(body.chars().rev().collect::<String>().into_bytes());
                out.extend_from_slice(newline.as_bytes());
            }
        }
        cx.out(out);
        status
    }
}

#[cfg(test)]
mod tests {
    //! Expected texts from GNU coreutils `tac`/`nl` and util-linux `rev` on the same input.

    use crate::shell::commands::testing::{run, run_status};

    #[test]
    fn tac_reverses_records() {
        assert_eq!(run("printf 'a\\nb\\nc\\n' | tac"), "c\nb\na\n");
        assert_eq!(run("printf 'a\\nb' | tac"), "ba\n");
        assert_eq!(run("printf 'a\\nb\\n' | tac -b"), "\n\nba");
        assert_eq!(run("printf 'a,b,c' | tac -s,"), "cb,a,");
        assert_eq!(
            run_status("tac nosuch"),
            (
                "tac: failed to open 'nosuch' for reading: No such file or directory\n".into(),
                1
            )
        );
        assert!(run("tac --help").starts_with(
            "Usage: tac [OPTION]... [FILE]...\nWrite each FILE to standard output, last line first.\n"
        ));
    }

    #[test]
    fn nl_numbers_non_empty_lines() {
        assert_eq!(
            run("printf 'a\\n\\nb\\n' | nl"),
            "     1\ta\n       \n     2\tb\n"
        );
        assert_eq!(
            run("printf 'a\\nb\\n' | nl -ba -w3 -s: -nln"),
            "1  :a\n2  :b\n"
        );
        assert_eq!(run("printf 'x\\n' | nl -nrz"), "000001\tx\n");
        assert_eq!(
            run("printf 'a\\n\\\\:\\\\:\\nb\\n' | nl"),
            "     1\ta\n\n     1\tb\n"
        );
        assert_eq!(
            run_status("nl nosuch"),
            ("nl: nosuch: No such file or directory\n".into(), 1)
        );
        assert_eq!(
            run_status("nl -b x"),
            (
                "nl: invalid body numbering style: \u{2018}x\u{2019}\nTry 'nl --help' for more information.\n"
                    .into(),
                1
            )
        );
        assert_eq!(
            run_status("nl -w x"),
            (
                "nl: invalid line number field width: \u{2018}x\u{2019}\n".into(),
                1
            )
        );
    }

    #[test]
    fn rev_reverses_characters() {
        assert_eq!(run("printf 'abc\\nde' | rev"), "cba\ned");
        assert_eq!(run("echo h\u{e9}llo | rev"), "oll\u{e9}h\n");
        assert_eq!(
            run_status("rev nosuch"),
            (
                "rev: cannot open nosuch: No such file or directory\n".into(),
                1
            )
        );
        assert_eq!(run("rev -V"), "rev from util-linux 2.37.2\n");
        assert_eq!(
            run_status("rev -x"),
            (
                "rev: invalid option -- 'x'\nTry 'rev --help' for more information.\n".into(),
                1
            )
        );
    }
}
