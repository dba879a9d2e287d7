//! `free` (procps-ng), byte for byte as each release's version prints it.
//!
//! procps 3.3.16 (20.04) pads the row labels to 7 columns, 3.3.17 (22.04) to 9; 4.0 (24.04)
//! also changed `used` to total − available and how `-h` and `--si` scale. Numbers come from
//! the same snapshot as `/proc/meminfo`.

use super::toolkit::{parse, procps_usage, procps_version, short_name};
use super::{Command, CommandCtx, usr_bin};
use crate::host::hardware::MemSnapshot;

/// `free`: memory usage.
pub struct Free;

/// How `free` scales numbers.
#[derive(Debug, Clone, Copy)]
struct Scale {
    /// 0: default (KiB), 1: bytes, 2: kilo, 3: mega, … as procps' `args.exponent`.
    exponent: u32,
    human: bool,
    si: bool,
    /// procps 4.x arithmetic (exact) rather than 3.3's (truncated to MiB first).
    v4: bool,
}

fn power(base: f64, exp: u32) -> f64 {
    base.powi(i32::try_from(exp).unwrap_or(0))
}

/// procps' `scale_size` for a value in KiB.
fn scale(size: u64, s: Scale) -> String {
    let base = if s.si { 1000.0 } else { 1024.0 };
    let bytes = size.saturating_mul(1024);
    if !s.human {
        return match s.exponent {
            0 if s.v4 => ((bytes as f64) / base) as u64,
            0 => size,
            1 => bytes,
            e => ((bytes as f64) / power(base, e - 1)) as u64,
        }
        .to_string();
    }
    let units = ['B', 'K', 'M', 'G', 'T', 'P'];
    if s.v4 {
        let text = format!("{bytes}B");
        if text.len() <= 4 {
            return text;
        }
        for (i, unit) in units.iter().enumerate().skip(1) {
            let value = bytes as f64 / power(base, i as u32);
            let (float, int, limit) = if s.si {
                (
                    format!("{:.1}{unit}", value as f32),
                    format!("{}{unit}", value as i64),
                    4,
                )
            } else {
                (
                    format!("{:.1}{unit}i", value as f32),
                    format!("{}{unit}i", value as i64),
                    5,
                )
            };
            if float.len() <= limit {
                return float;
            }
            if int.len() <= limit {
                return int;
            }
        }
        return format!("{}", bytes);
    }
    // procps 3.3: scales (size / 1024) — whole MiB — by powers of the base.
    let text = format!("{bytes}B");
    if text.len() <= 4 {
        return text;
    }
    let mut last = text;
    for (i, unit) in units.iter().enumerate().skip(1) {
        let value = ((size / 1024) as f64 * base / power(base, i as u32 - 1)) as f32;
        let (float, int, limit) = if s.si {
            (
                format!("{value:.1}{unit}"),
                format!("{}{unit}", value as i64),
                4,
            )
        } else {
            (
                format!("{value:.1}{unit}i"),
                format!("{}{unit}i", value as i64),
                5,
            )
        };
        if float.len() <= limit {
            return float;
        }
        if int.len() <= limit {
            return int;
        }
        last = int;
    }
    last
}

const OPTIONS_3: &str = " -b, --bytes         show output in bytes\n     --kilo          show output in kilobytes\n     --mega          show output in megabytes\n     --giga          show output in gigabytes\n     --tera          show output in terabytes\n     --peta          show output in petabytes\n -k, --kibi          show output in kibibytes\n -m, --mebi          show output in mebibytes\n -g, --gibi          show output in gibibytes\n     --tebi          show output in tebibytes\n     --pebi          show output in pebibytes\n -h, --human         show human-readable output\n     --si            use powers of 1000 not 1024\n -l, --lohi          show detailed low and high memory statistics\n";

fn usage(v4: bool) -> String {
    let middle = if v4 {
        " -L, --line          show output on a single line\n -t, --total         show total for RAM + swap\n -v, --committed     show committed memory and commit limit\n"
    } else {
        " -t, --total         show total for RAM + swap\n"
    };
    procps_usage(
        "free",
        "[options]",
        &format!(
            "{OPTIONS_3}{middle} -s N, --seconds N   repeat printing every N seconds\n -c N, --count N     repeat printing N times, then exit\n -w, --wide          wide output\n\n     --help     display this help and exit\n -V, --version  output version information and exit\n"
        ),
        "free(1)",
    )
}

impl Command for Free {
    fn names(&self) -> &'static [&'static str] {
        usr_bin!("free")
    }

    fn run(&self, cx: &mut CommandCtx<'_>, argv: &[String]) -> i32 {
        let prog = short_name(argv, "free");
        let procps = cx.host.release().procps;
        let v4 = procps.starts_with('4');
        let old_labels = procps == "3.3.16";
        let mut table = vec![
            ('b', "bytes", false),
            ('\0', "kilo", false),
            ('\0', "mega", false),
            ('\0', "giga", false),
            ('\0', "tera", false),
            ('\0', "peta", false),
            ('k', "kibi", false),
            ('m', "mebi", false),
            ('g', "gibi", false),
            ('\0', "tebi", false),
            ('\0', "pebi", false),
            ('h', "human", false),
            ('\0', "si", false),
            ('l', "lohi", false),
            ('t', "total", false),
            ('s', "seconds", true),
            ('c', "count", true),
            ('w', "wide", false),
            ('\0', "help", false),
            ('V', "version", false),
        ];
        if v4 {
            table.push(('L', "line", false));
            table.push(('v', "committed", false));
        }
        let (opts, operands) = match parse(&prog, argv.get(1..).unwrap_or_default(), &table) {
            Ok(parsed) => parsed,
            Err(message) => {
                cx.err(message + &usage(v4));
                return 1;
            }
        };
        let mut s = Scale {
            exponent: 0,
            human: false,
            si: false,
            v4,
        };
        let (mut wide, mut lohi, mut total, mut line, mut committed) =
            (false, false, false, false, false);
        let mut unit_set = false;
        let mut count: Option<u64> = None;
        let mut repeat = false;
        for opt in &opts {
            let unit = match opt.name {
                "bytes" => Some((1, false)),
                "kibi" => Some((2, false)),
                "mebi" => Some((3, false)),
                "gibi" => Some((4, false)),
                "tebi" => Some((5, false)),
                "pebi" => Some((6, false)),
                "kilo" => Some((2, true)),
                "mega" => Some((3, true)),
                "giga" => Some((4, true)),
                "tera" => Some((5, true)),
                "peta" => Some((6, true)),
                _ => None,
            };
            if let Some((exponent, si)) = unit {
                if unit_set {
                    let message = if v4 {
                        "Multiple unit options don't make sense."
                    } else {
                        "Multiple unit options doesn't make sense."
                    };
                    cx.err(format!("{prog}: {message}\n"));
                    return 1;
                }
                unit_set = true;
                s.exponent = exponent;
                s.si |= si;
                continue;
            }
            match opt.name {
                "help" => {
                    cx.out(usage(v4));
                    return 0;
                }
                "version" => {
                    let text = procps_version(cx, &prog);
                    cx.out(text);
                    return 0;
                }
                "human" => s.human = true,
                "si" => s.si = true,
                "lohi" => lohi = true,
                "total" => total = true,
                "wide" => wide = true,
                "line" => line = true,
                "committed" => committed = true,
                "seconds" => {
                    let v = opt.value.clone().unwrap_or_default();
                    match v.parse::<f64>() {
                        Ok(secs) if secs > 0.0 => repeat = true,
                        Ok(_) => {
                            cx.err(format!(
                                "{prog}: seconds argument `{v}' is not positive number\n"
                            ));
                            return 1;
                        }
                        Err(_) => {
                            cx.err(format!("{prog}: seconds argument failed: '{v}'\n"));
                            return 1;
                        }
                    }
                }
                "count" => {
                    let v = opt.value.clone().unwrap_or_default();
                    match v.parse::<i64>() {
                        Ok(n) if n >= 1 => count = Some(n.unsigned_abs()),
                        Ok(_) => {
                            cx.err(format!("{prog}: failed to parse count argument: '{v}': Numerical result out of range\n"));
                            return 1;
                        }
                        Err(_) => {
                            cx.err(format!("{prog}: failed to parse count argument: '{v}'\n"));
                            return 1;
                        }
                    }
                    repeat = true;
                }
                _ => {}
            }
        }
        if !operands.is_empty() {
            cx.err(usage(v4));
            return 1;
        }
        // procps 4: --si alone means --kilo.
        if v4 && s.si && !unit_set && !s.human {
            s.exponent = 2;
        }
        let m = cx.host.memory_at(cx.now());
        let frame = render(
            &m,
            s,
            Layout {
                wide,
                lohi,
                total,
                line,
                committed,
                old_labels,
            },
        );
        // A repeating `free` runs until interrupted; the fake one stops after the count (or
        // one frame), as if the attacker pressed Ctrl-C.
        let frames = count.unwrap_or(1).min(10);
        for i in 0..frames {
            cx.out(&frame);
            let last_counted = count.is_some() && i + 1 == frames;
            if repeat && !last_counted {
                cx.out("\n");
            }
        }
        0
    }
}

/// Which rows and columns `free` prints.
#[derive(Debug, Clone, Copy)]
struct Layout {
    wide: bool,
    lohi: bool,
    total: bool,
    line: bool,
    committed: bool,
    old_labels: bool,
}

/// One `free` frame for snapshot `m`.
fn render(m: &MemSnapshot, s: Scale, l: Layout) -> String {
    let cached = m.cached + m.sreclaimable;
    let used = if s.v4 {
        m.total.saturating_sub(m.available)
    } else {
        m.total.saturating_sub(m.free + cached + m.buffers)
    };
    let swap_used = m.swap_total - m.swap_free;
    let f = |v: u64| scale(v, s);
    if l.line {
        return format!(
            "SwapUse {:>11} CachUse {:>11}  MemUse {:>11} MemFree {:>11} \n",
            f(swap_used),
            f(m.buffers + cached),
            f(used),
            f(m.free)
        );
    }
    let mut out = String::new();
    let pad = if l.old_labels { "" } else { " " };
    if l.wide {
        out.push_str(&format!("{pad}              total        used        free      shared     buffers       cache   available\n"));
    } else {
        out.push_str(&format!(
            "{pad}              total        used        free      shared  buff/cache   available\n"
        ));
    }
    let label = |name: &str| {
        if l.old_labels {
            format!("{name:<7} ")
        } else {
            format!("{name:<9}")
        }
    };
    out.push_str(&label("Mem:"));
    out.push_str(&format!(
        "{:>11} {:>11} {:>11} {:>11}",
        f(m.total),
        f(used),
        f(m.free),
        f(m.shmem)
    ));
    if l.wide {
        out.push_str(&format!(" {:>11} {:>11}", f(m.buffers), f(cached)));
    } else {
        out.push_str(&format!(" {:>11}", f(m.buffers + cached)));
    }
    out.push_str(&format!(" {:>11}\n", f(m.available)));
    if l.lohi {
        out.push_str(&label("Low:"));
        out.push_str(&format!(
            "{:>11} {:>11} {:>11}\n",
            f(m.total),
            f(m.total - m.free),
            f(m.free)
        ));
        out.push_str(&label("High:"));
        out.push_str(&format!("{:>11} {:>11} {:>11}\n", f(0), f(0), f(0)));
    }
    out.push_str(&label("Swap:"));
    out.push_str(&format!(
        "{:>11} {:>11} {:>11}\n",
        f(m.swap_total),
        f(swap_used),
        f(m.swap_free)
    ));
    if l.total {
        out.push_str(&label("Total:"));
        out.push_str(&format!(
            "{:>11} {:>11} {:>11}\n",
            f(m.total + m.swap_total),
            f(used + swap_used),
            f(m.free + m.swap_free)
        ));
    }
    if l.committed {
        let limit = m.total / 2 + m.swap_total;
        out.push_str(&label("Comm:"));
        out.push_str(&format!(
            "{:>11} {:>11} {:>11}\n",
            f(limit),
            f(m.committed),
            f(limit.saturating_sub(m.committed))
        ));
    }
    out
}

#[cfg(test)]
mod tests;
