//! Shared pieces of the procps-ng, util-linux, iproute2 and net-tools commands: their usage
//! and version texts, option parsing with arguments, and time formatting.

use chrono::{DateTime, Datelike, Utc};

use super::CommandCtx;

/// A procps-ng usage text: `\nUsage:\n <prog> <synopsis>\n\nOptions:\n<options>` and the
/// man-page tail. `options` holds the lines between `Options:` and the tail.
pub(crate) fn procps_usage(prog: &str, synopsis: &str, options: &str, man: &str) -> String {
    format!("\nUsage:\n {prog} {synopsis}\n\nOptions:\n{options}\nFor more details see {man}.\n")
}

/// `<prog> from procps-ng <version>`.
pub(crate) fn procps_version(cx: &CommandCtx<'_>, prog: &str) -> String {
    format!("{prog} from procps-ng {}\n", cx.host.release().procps)
}

/// The name a program prints in messages: the last path component, as
/// `program_invocation_short_name`.
pub(crate) fn short_name(argv: &[String], default: &'static str) -> String {
    argv.first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// One parsed option: its canonical name and argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opt {
    /// The long name (or the short letter as a string when it has none).
    pub name: &'static str,
    /// The argument, for options that take one.
    pub value: Option<String>,
}

/// Options for [`parse`]: `(short, long, takes_argument)`; `short` is `'\0'` for long-only.
pub(crate) type OptTable = [(char, &'static str, bool)];

/// Parses `args` like glibc's `getopt_long` with permutation, supporting options with
/// arguments (`-n 5`, `-n5`, `--lines=5`, `--lines 5`). On error returns glibc's message.
pub(crate) fn parse(
    prog: &str,
    args: &[String],
    table: &OptTable,
) -> Result<(Vec<Opt>, Vec<String>), String> {
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
            let matches: Vec<_> = table
                .iter()
                .filter(|(_, l, _)| !l.is_empty() && l.starts_with(name))
                .collect();
            let entry = match (exact, matches.as_slice()) {
                (Some(e), _) => e,
                (None, [one]) => *one,
                (None, []) => return Err(format!("{prog}: unrecognized option '{arg}'\n")),
                (None, many) => {
                    let list: String = many.iter().map(|(_, l, _)| format!(" '--{l}'")).collect();
                    return Err(format!(
                        "{prog}: option '--{name}' is ambiguous; possibilities:{list}\n"
                    ));
                }
            };
            let (_, long, takes) = *entry;
            if takes {
                let value = match inline {
                    Some(v) => v,
                    None => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => {
                            return Err(format!(
                                "{prog}: option '--{long}' requires an argument\n"
                            ));
                        }
                    },
                };
                opts.push(Opt {
                    name: long,
                    value: Some(value),
                });
            } else if inline.is_some() {
                return Err(format!(
                    "{prog}: option '--{long}' doesn't allow an argument\n"
                ));
            } else {
                opts.push(Opt {
                    name: long,
                    value: None,
                });
            }
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg.chars().skip(1).collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let Some(&(_, long, takes)) = table.iter().find(|(s, _, _)| *s == c && c != '\0')
                else {
                    return Err(format!("{prog}: invalid option -- '{c}'\n"));
                };
                let name = if long.is_empty() { letter(c) } else { long };
                if takes {
                    let rest: String = chars[j..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else if let Some(v) = args.get(i) {
                        i += 1;
                        v.clone()
                    } else {
                        return Err(format!("{prog}: option requires an argument -- '{c}'\n"));
                    };
                    opts.push(Opt {
                        name,
                        value: Some(value),
                    });
                    break;
                }
                opts.push(Opt { name, value: None });
            }
        } else {
            operands.push(arg.clone());
        }
    }
    Ok((opts, operands))
}

/// A static name for a short option without a long form.
fn letter(c: char) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    LETTERS
        .find(c)
        .and_then(|i| LETTERS.get(i..i + 1))
        .unwrap_or("?")
}

/// Three-letter English month names (the C locale's `%b`).
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Three-letter English weekday names (`%a`), Monday first.
pub(crate) const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `%b` of `t`.
pub(crate) fn month(t: DateTime<Utc>) -> &'static str {
    MONTHS[t.month0() as usize % 12]
}

/// `%a` of `t`.
pub(crate) fn weekday(t: DateTime<Utc>) -> &'static str {
    WEEKDAYS[t.weekday().num_days_from_monday() as usize % 7]
}
