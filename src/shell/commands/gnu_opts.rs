//! glibc `getopt_long` for the GNU programs of this family, with what
//! [`toolkit::parse`](super::toolkit::parse) lacks: options whose argument is optional
//! (`-I[FMT]`, `--iso-8601[=FMT]`) and stopping at the first operand (`env`, `xargs` and
//! `timeout` use a `+` option string so the command's own options stay its own).

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// Never (`-u`).
    No,
    /// Always: glued or the next word (`-d STR`, `--date=STR`, `--date STR`).
    Required,
    /// Only glued (`-IFMT`, `--iso-8601=FMT`).
    Optional,
}

/// One option of a program: short letter (`'\0'`: none), long name (`""`: none), argument.
pub(crate) type Spec = (char, &'static str, Arg);

/// A parsed option: its key (the long name, or the letter as text when it has none) and
/// its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opt {
    /// The long name, or the short letter when the option has no long name.
    pub key: String,
    /// The argument, if one was given.
    pub value: Option<String>,
}

/// Options in order and operands, or glibc's error message (with a trailing newline).
pub(crate) type Parsed = Result<(Vec<Opt>, Vec<String>), String>;

/// Parses `args` (without `argv[0]`) for `prog`. With `stop`, the first operand ends the
/// options (it and everything after are operands), as a `+` option string does.
pub(crate) fn parse(prog: &str, args: &[String], table: &[Spec], stop: bool) -> Parsed {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let exact = table.iter().find(|(_, l, _)| *l == name);
            let matches: Vec<&Spec> = table
                .iter()
                .filter(|(_, l, _)| !l.is_empty() && l.starts_with(name))
                .collect();
            let &(_, long, kind) = match (exact, matches.as_slice()) {
                (Some(e), _) => e,
                (None, [one]) => one,
                (None, []) => return Err(format!("{prog}: unrecognized option '{arg}'\n")),
                (None, many) => {
                    let list: String = many.iter().map(|(_, l, _)| format!(" '--{l}'")).collect();
                    return Err(format!(
                        "{prog}: option '--{name}' is ambiguous; possibilities:{list}\n"
                    ));
                }
            };
            let value = match (kind, inline) {
                (Arg::No, Some(_)) => {
                    return Err(format!(
                        "{prog}: option '--{long}' doesn't allow an argument\n"
                    ));
                }
                (Arg::No, None) => None,
                (Arg::Optional, inline) => inline,
                (Arg::Required, Some(v)) => Some(v),
                (Arg::Required, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => {
                        return Err(format!("{prog}: option '--{long}' requires an argument\n"));
                    }
                },
            };
            opts.push(Opt {
                key: long.to_owned(),
                value,
            });
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg.chars().skip(1).collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(&(_, long, kind)) = table.iter().find(|(s, _, _)| *s == c && c != '\0')
                else {
                    return Err(format!("{prog}: invalid option -- '{c}'\n"));
                };
                let key = if long.is_empty() {
                    c.to_string()
                } else {
                    long.to_owned()
                };
                let rest: String = chars[j..].iter().collect();
                let value = match kind {
                    Arg::No => None,
                    Arg::Optional => {
                        j = chars.len();
                        (!rest.is_empty()).then_some(rest)
                    }
                    Arg::Required => {
                        j = chars.len();
                        if !rest.is_empty() {
                            Some(rest)
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            Some(v.clone())
                        } else {
                            return Err(format!("{prog}: option requires an argument -- '{c}'\n"));
                        }
                    }
                };
                opts.push(Opt { key, value });
            }
        } else {
            operands.push(arg.clone());
            if stop {
                operands.extend(args[i..].iter().cloned());
                break;
            }
        }
    }
    Ok((opts, operands))
}

/// The name a program prints in its messages: `argv[0]` as typed.
pub(crate) fn prog_name<'a>(argv: &'a [String], default: &'a str) -> &'a str {
    argv.first().map_or(default, String::as_str)
}

/// glibc `argmatch`: the entry of `valid` that `arg` names (exactly, or as an unambiguous
/// prefix), or the "invalid argument" / "ambiguous argument" text with the valid list.
pub(crate) fn argmatch<'v>(
    quote: &dyn Fn(&str) -> String,
    prog: &str,
    option: &str,
    arg: &str,
    valid: &[&'v str],
) -> Result<&'v str, String> {
    if let Some(exact) = valid.iter().find(|v| **v == arg) {
        return Ok(exact);
    }
    let found: Vec<&&str> = valid
        .iter()
        .filter(|v| !arg.is_empty() && v.starts_with(arg))
        .collect();
    if let [one] = found.as_slice() {
        return Ok(one);
    }
    let what = if found.is_empty() {
        "invalid"
    } else {
        "ambiguous"
    };
    let list: String = valid
        .iter()
        .map(|v| format!("  - {}\n", quote(v)))
        .collect();
    Err(format!(
        "{prog}: {what} argument {} for {}\nValid arguments are:\n{list}",
        quote(arg),
        quote(option)
    ))
}
