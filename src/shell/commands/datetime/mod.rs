//! `date`: the session's clock ([`CommandCtx::now`]) shown in `$TZ` (UTC unless set), by the
//! locale's default format, `+FORMAT`, `-R`, `-I[FMT]` or `--rfc-3339=FMT`, for now or for
//! the time `-d STRING` or `-r FILE` names. Setting the clock (`-s`, `MMDDhhmm…`) fails for
//! users with EPERM, as on a real box; for root it pretends to succeed.

mod parse;
mod strftime;
#[cfg(test)]
mod tests;
mod zone;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::coreutils_help::{self, usage};
use super::gnu_opts::{Arg, Spec, argmatch, parse as getopt, prog_name};
use super::{Command, CommandCtx, try_help, usr_bin};
use zone::Zone;

/// `date`.
pub struct Date;

/// The options of coreutils 8.32 `date`, in its table's order.
const OPTIONS: &[Spec] = &[
    ('d', "date", Arg::Required),
    ('\0', "debug", Arg::No),
    ('f', "file", Arg::Required),
    ('I', "iso-8601", Arg::Optional),
    ('r', "reference", Arg::Required),
    ('R', "rfc-email", Arg::No),
    ('\0', "rfc-822", Arg::No),
    ('\0', "rfc-2822", Arg::No),
    ('\0', "rfc-3339", Arg::Required),
    ('s', "set", Arg::Required),
    ('\0', "uct", Arg::No),
    ('u', "utc", Arg::No),
    ('\0', "universal", Arg::No),
    ('\0', "help", Arg::No),
    ('\0', "version", Arg::No),
];

/// `-I` precisions, in the order `date` lists them.
const ISO_SPECS: [&str; 5] = ["hours", "minutes", "date", "seconds", "ns"];

impl Command for Date {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("date")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = prog_name(argv, "date").to_owned();
        let (opts, operands) =
            match getopt(&prog, argv.get(1..).unwrap_or_default(), OPTIONS, false) {
                Ok(parsed) => parsed,
                Err(message) => {
                    cx.err(message + &try_help(&prog));
                    return 1;
                }
            };
        let mut date_str: Option<String> = None;
        let mut set_str: Option<String> = None;
        let mut reference: Option<String> = None;
        let mut batch: Option<String> = None;
        let mut format: Option<String> = None;
        let mut utc = false;
        for opt in &opts {
            let value = opt.value.clone().unwrap_or_default();
            let new_format = match opt.key.as_str() {
                "help" => {
                    cx.out(usage(cx, &prog, "date", coreutils_help::DATE));
                    return 0;
                }
                "version" => {
                    let text = cx.coreutils_version_text("date", "David MacKenzie");
                    cx.out(text);
                    return 0;
                }
                "date" => {
                    date_str = Some(value);
                    None
                }
                "file" => {
                    batch = Some(value);
                    None
                }
                "reference" => {
                    reference = Some(value);
                    None
                }
                "set" => {
                    set_str = Some(value);
                    None
                }
                "uct" | "utc" | "universal" => {
                    utc = true;
                    None
                }
                "rfc-email" | "rfc-822" | "rfc-2822" => Some("%a, %d %b %Y %H:%M:%S %z".to_owned()),
                "iso-8601" => {
                    let spec = match &opt.value {
                        None => "date",
                        Some(v) => match self.spec(cx, &prog, "--iso-8601", v, &ISO_SPECS) {
                            Ok(spec) => spec,
                            Err(status) => return status,
                        },
                    };
                    Some(iso_format(spec, 'T', ",").to_owned())
                }
                "rfc-3339" => match self.spec(cx, &prog, "--rfc-3339", &value, &ISO_SPECS[2..]) {
                    Ok(spec) => Some(iso_format(spec, ' ', ".").to_owned()),
                    Err(status) => return status,
                },
                _ => None,
            };
            if let Some(new_format) = new_format {
                if format.is_some() {
                    cx.err(format!("{prog}: multiple output formats specified\n"));
                    return 1;
                }
                format = Some(new_format);
            }
        }
        let specified = usize::from(date_str.is_some())
            + usize::from(batch.is_some())
            + usize::from(reference.is_some());
        if specified > 1 {
            cx.err(format!(
                "{prog}: the options to specify dates for printing are mutually exclusive\n{}",
                try_help(&prog)
            ));
            return 1;
        }
        if set_str.is_some() && specified > 0 {
            cx.err(format!(
                "{prog}: the options to print and set the time may not be used together\n{}",
                try_help(&prog)
            ));
            return 1;
        }
        let mut operand = None;
        if let Some(first) = operands.first() {
            if let Some(extra) = operands.get(1) {
                let text = format!(
                    "{prog}: extra operand {}\n{}",
                    cx.quote(extra),
                    try_help(&prog)
                );
                cx.err(text);
                return 1;
            }
            if let Some(f) = first.strip_prefix('+') {
                if format.is_some() {
                    cx.err(format!("{prog}: multiple output formats specified\n"));
                    return 1;
                }
                format = Some(f.to_owned());
            } else if set_str.is_some() || specified > 0 {
                let text = format!(
                    "{prog}: the argument {} lacks a leading '+';\n\
                     when using an option to specify date(s), any non-option\n\
                     argument must be a format string beginning with '+'\n{}",
                    cx.quote(first),
                    try_help(&prog)
                );
                cx.err(text);
                return 1;
            } else {
                operand = Some(first.clone());
            }
        }
        let format = format.unwrap_or_else(|| default_format(cx).to_owned());
        let zone = if utc {
            Zone::utc()
        } else {
            Zone::from_tz(cx.state.env.get("TZ").map(String::as_str))
        };
        let now = cx.now();
        if let Some(file) = batch {
            return batch_convert(cx, &prog, &file, &format, &zone);
        }
        let mut set = false;
        let when = if let Some(path) = reference {
            match cx.fs.stat(&path) {
                Ok(stat) => stat.mtime.to_datetime(),
                Err(err) => {
                    let text = format!("{prog}: {path}: {err}\n");
                    cx.err(text);
                    return 1;
                }
            }
        } else if let Some(text) = date_str.as_ref().or(set_str.as_ref()) {
            set = set_str.is_some();
            match parse::parse(text, now, &zone) {
                Some(t) => t,
                None => {
                    let message = format!("{prog}: invalid date {}\n", cx.quote(text));
                    cx.err(message);
                    return 1;
                }
            }
        } else if let Some(text) = operand {
            set = true;
            match posix_time(&text, now, &zone) {
                Some(t) => t,
                None => {
                    let message = format!("{prog}: invalid date {}\n", cx.quote(&text));
                    cx.err(message);
                    return 1;
                }
            }
        } else {
            now
        };
        let mut status = 0;
        if set && !cx.fs.cred().is_root() {
            cx.err(format!(
                "{prog}: cannot set date: Operation not permitted\n"
            ));
            status = 1;
        }
        let mut text = strftime::format(when, &zone, &format, cx.output_room());
        text.push('\n');
        cx.out(text);
        status
    }
}

impl Date {
    /// Matches an `-I`/`--rfc-3339` argument, printing argmatch's error on failure.
    fn spec(
        &self,
        cx: &mut CommandCtx<'_>,
        prog: &str,
        option: &str,
        value: &str,
        valid: &[&'static str],
    ) -> Result<&'static str, i32> {
        let quote = |s: &str| cx.quote(s);
        match argmatch(&quote, prog, option, value, valid) {
            Ok(spec) => Ok(spec),
            Err(message) => {
                cx.err(message + &try_help(prog));
                Err(1)
            }
        }
    }
}

/// `-f FILE`: one date per line of FILE (`-`: standard input), each printed by `format`;
/// lines that are not dates are reported and make the status 1.
fn batch_convert(
    cx: &mut CommandCtx<'_>,
    prog: &str,
    file: &str,
    format: &str,
    zone: &Zone,
) -> i32 {
    let data = if file == "-" {
        cx.stdin.to_vec()
    } else {
        match cx.fs.read(file) {
            Ok(bytes) => bytes,
            Err(err) => {
                cx.err(format!("{prog}: {file}: {err}\n"));
                return 1;
            }
        }
    };
    let now = cx.now();
    let mut status = 0;
    for line in String::from_utf8_lossy(&data).lines().take(100_000) {
        match parse::parse(line, now, zone) {
            Some(when) => {
                let mut text = strftime::format(when, zone, format, cx.output_room());
                text.push('\n');
                cx.out(text);
            }
            None => {
                let message = format!("{prog}: invalid date {}\n", cx.quote(line));
                cx.err(message);
                status = 1;
            }
        }
    }
    status
}

/// The `-I`/`--rfc-3339` format for precision `spec`, with `sep` between date and time and
/// `frac` before the nanoseconds.
fn iso_format(spec: &str, sep: char, frac: &str) -> String {
    match spec {
        "date" => "%Y-%m-%d".to_owned(),
        "hours" => format!("%Y-%m-%d{sep}%H%:z"),
        "minutes" => format!("%Y-%m-%d{sep}%H:%M%:z"),
        "ns" => format!("%Y-%m-%d{sep}%H:%M:%S{frac}%N%:z"),
        _ => format!("%Y-%m-%d{sep}%H:%M:%S%:z"),
    }
}

/// The locale's `date` format: glibc's `en_US` has a 12-hour clock in it; C and C.UTF-8
/// (Ubuntu's default for SSH logins without `LANG` forwarding) use the POSIX one.
fn default_format(cx: &CommandCtx<'_>) -> &'static str {
    let locale = ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .find_map(|name| cx.state.var(name).filter(|v| !v.is_empty()))
        .unwrap_or("C");
    if locale.starts_with("en_US") {
        "%a %b %e %r %Z %Y"
    } else {
        "%a %b %e %H:%M:%S %Z %Y"
    }
}

/// `MMDDhhmm[[CC]YY][.ss]`, the operand that sets the clock, as wall-clock time in `zone`.
fn posix_time(text: &str, now: DateTime<Utc>, zone: &Zone) -> Option<DateTime<Utc>> {
    let (main, secs) = match text.split_once('.') {
        Some((m, s)) if s.len() == 2 => (m, s.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (text, 0),
    };
    if !main.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| main.get(range)?.parse::<u32>().ok();
    let (month, day, hour, minute) = (num(0..2)?, num(2..4)?, num(4..6)?, num(6..8)?);
    let year = match main.len() {
        8 => chrono::Datelike::year(&now),
        10 => {
            let yy = num(8..10)? as i32;
            if yy < 69 { 2000 + yy } else { 1900 + yy }
        }
        12 => num(8..12)? as i32,
        _ => return None,
    };
    let local = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, secs)?;
    Some(zone.to_utc(Utc.from_utc_datetime(&local)))
}
