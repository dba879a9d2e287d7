//! GNU `getopt_long` with arguments: `-n5`, `-n 5`, `--lines=5`, `--lines 5`, clustered
//! flags, unambiguous prefixes of long names, `--`, and argument permutation. Error texts
//! are glibc's.

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HasArg {
    /// `-a`, `--all`.
    No,
    /// `-n N`, `--lines=N`.
    Required,
    /// `--color[=WHEN]` (long form only takes it after `=`).
    Optional,
}

/// One option: its short letter, long name, argument, and the id the command matches on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opt {
    /// The short letter, if any.
    pub short: Option<char>,
    /// The long name, if any.
    pub long: Option<&'static str>,
    /// Its argument.
    pub arg: HasArg,
    /// What the command calls it.
    pub id: &'static str,
}

/// A flag with a short letter and a long name.
pub(crate) const fn flag(short: char, long: &'static str) -> Opt {
    Opt {
        short: Some(short),
        long: Some(long),
        arg: HasArg::No,
        id: long,
    }
}

/// A short-only flag; `id` names it.
pub(crate) const fn short(short: char, id: &'static str) -> Opt {
    Opt {
        short: Some(short),
        long: None,
        arg: HasArg::No,
        id,
    }
}

/// A long-only flag.
pub(crate) const fn long(long: &'static str) -> Opt {
    Opt {
        short: None,
        long: Some(long),
        arg: HasArg::No,
        id: long,
    }
}

/// An option with a required argument (`short` may be `'\0'` for none).
pub(crate) const fn with_arg(short: char, long: &'static str) -> Opt {
    Opt {
        short: if short == '\0' { None } else { Some(short) },
        long: Some(long),
        arg: HasArg::Required,
        id: long,
    }
}

/// A long option with an optional `=argument`.
pub(crate) const fn optional(long: &'static str) -> Opt {
    Opt {
        short: None,
        long: Some(long),
        arg: HasArg::Optional,
        id: long,
    }
}

/// `--help` and `--version`, which every GNU program takes.
pub(crate) const HELP: Opt = long("help");
/// See [`HELP`].
pub(crate) const VERSION: Opt = long("version");

/// Parsed command line: options in order (id, argument), operands, and the first error
/// (parsing stops there).
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub opts: Vec<(&'static str, Option<String>)>,
    pub operands: Vec<String>,
    pub error: Option<String>,
}

impl Args {
    /// Whether option `id` was given.
    pub fn has(&self, id: &str) -> bool {
        self.opts.iter().any(|(o, _)| *o == id)
    }

    /// The last argument given to option `id`.
    pub fn value(&self, id: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(o, _)| *o == id)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Parses `args` (without `argv[0]`) for program `prog`. With `permute` (GNU's default),
/// options may follow operands; without it, the first operand ends the options.
pub(crate) fn parse(prog: &str, args: &[String], spec: &[Opt], permute: bool) -> Args {
    let mut parsed = Args::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            parsed.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (body, None),
            };
            let exact = spec.iter().find(|o| o.long == Some(name));
            let found = match exact {
                Some(opt) => Ok(opt),
                None => {
                    let matches: Vec<&Opt> = spec
                        .iter()
                        .filter(|o| o.long.is_some_and(|l| l.starts_with(name)))
                        .collect();
                    // Several long names for one option are not ambiguous.
                    let first_id = matches.first().map(|o| o.id);
                    if matches.len() > 1 && matches.iter().all(|o| Some(o.id) == first_id) {
                        Ok(matches[0])
                    } else {
                        match matches.as_slice() {
                            [] => Err(format!("{prog}: unrecognized option '{arg}'\n")),
                            [one] => Ok(*one),
                            many => {
                                let list: String = many
                                    .iter()
                                    .filter_map(|m| m.long)
                                    .map(|m| format!(" '--{m}'"))
                                    .collect();
                                Err(format!(
                                    "{prog}: option '--{name}' is ambiguous; possibilities:{list}\n"
                                ))
                            }
                        }
                    }
                }
            };
            let opt = match found {
                Ok(opt) => opt,
                Err(message) => {
                    parsed.error = Some(message);
                    return parsed;
                }
            };
            let long = opt.long.unwrap_or(name);
            match (opt.arg, value) {
                (HasArg::No, Some(_)) => {
                    parsed.error = Some(format!(
                        "{prog}: option '--{long}' doesn't allow an argument\n"
                    ));
                    return parsed;
                }
                (HasArg::No, None) => parsed.opts.push((opt.id, None)),
                (HasArg::Optional, value) => parsed.opts.push((opt.id, value)),
                (HasArg::Required, Some(value)) => parsed.opts.push((opt.id, Some(value))),
                (HasArg::Required, None) => match args.get(i) {
                    Some(value) => {
                        i += 1;
                        parsed.opts.push((opt.id, Some(value.clone())));
                    }
                    None => {
                        parsed.error =
                            Some(format!("{prog}: option '--{long}' requires an argument\n"));
                        return parsed;
                    }
                },
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg.chars().skip(1).collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(opt) = spec.iter().find(|o| o.short == Some(c)) else {
                    parsed.error = Some(format!("{prog}: invalid option -- '{c}'\n"));
                    return parsed;
                };
                if opt.arg == HasArg::Required {
                    let rest: String = chars[j..].iter().collect();
                    if !rest.is_empty() {
                        parsed.opts.push((opt.id, Some(rest)));
                    } else if let Some(value) = args.get(i) {
                        i += 1;
                        parsed.opts.push((opt.id, Some(value.clone())));
                    } else {
                        parsed.error =
                            Some(format!("{prog}: option requires an argument -- '{c}'\n"));
                        return parsed;
                    }
                    break;
                }
                parsed.opts.push((opt.id, None));
            }
        } else {
            parsed.operands.push(arg.clone());
            if !permute {
                parsed.operands.extend(args[i..].iter().cloned());
                break;
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const SPEC: &[Opt] = &[
        flag('a', "all"),
        with_arg('n', "lines"),
        optional("color"),
        long("colour-ish"),
        HELP,
    ];

    #[test]
    fn like_glibc() {
        let p = parse(
            "x",
            &strings(&["-an5", "f", "--lines", "7", "--color=never", "-n", "3"]),
            SPEC,
            true,
        );
        assert_eq!(p.error, None);
        assert_eq!(p.operands, ["f"]);
        assert_eq!(p.value("lines"), Some("3"));
        assert_eq!(p.value("color"), Some("never"));
        let err = |args: &[&str]| {
            parse("x", &strings(args), SPEC, true)
                .error
                .unwrap_or_default()
        };
        assert_eq!(err(&["-z"]), "x: invalid option -- 'z'\n");
        assert_eq!(err(&["-n"]), "x: option requires an argument -- 'n'\n");
        assert_eq!(
            err(&["--lines"]),
            "x: option '--lines' requires an argument\n"
        );
        assert_eq!(
            err(&["--all=1"]),
            "x: option '--all' doesn't allow an argument\n"
        );
        assert_eq!(err(&["--nope"]), "x: unrecognized option '--nope'\n");
        assert_eq!(
            err(&["--col"]),
            "x: option '--col' is ambiguous; possibilities: '--color' '--colour-ish'\n"
        );
        let p = parse("x", &strings(&["f", "-a"]), SPEC, false);
        assert_eq!(p.operands, ["f", "-a"]);
    }
}
