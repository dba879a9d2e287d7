//! C `printf` conversions as glibc renders them: flags, width and precision for `%d %i %u %x
//! %X %o %c %s %f %F %e %E %g %G`. Shared by bash's `printf` builtin and `seq -f`.
//!
//! Widths and precisions come from the attacker, so both are capped at [`MAX_WIDTH`]: the
//! real tools would print a gigabyte of spaces, we print a bounded amount.

/// The largest width or precision honoured; larger ones are clamped.
pub(crate) const MAX_WIDTH: usize = 1 << 16;

/// One conversion's flags, width and precision (`%-+ 0#12.5f` without the `%` and `f`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Spec {
    /// `-`: pad on the right.
    pub left: bool,
    /// `+`: always print a sign.
    pub plus: bool,
    /// ` `: a space where a plus sign would go.
    pub space: bool,
    /// `0`: pad numbers with zeros after the sign.
    pub zero: bool,
    /// `#`: the alternate form (`0x` prefixes, kept trailing zeros).
    pub alt: bool,
    /// The minimum field width.
    pub width: usize,
    /// Whether the width is `*` (taken from the arguments).
    pub width_star: bool,
    /// The precision, if one was given (`.` alone is 0).
    pub precision: Option<usize>,
    /// Whether the precision is `*` (taken from the arguments).
    pub precision_star: bool,
}

/// Parses flags, width and precision at the start of `chars` (just after the `%`); returns
/// the spec and how many characters it used.
pub(crate) fn parse_spec(chars: &[char]) -> (Spec, usize) {
    let mut spec = Spec::default();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '-' => spec.left = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '0' => spec.zero = true,
            '#' => spec.alt = true,
            _ => break,
        }
        i += 1;
    }
    if chars.get(i) == Some(&'*') {
        spec.width_star = true;
        i += 1;
    } else {
        let (n, used) = digits(&chars[i..]);
        spec.width = n;
        i += used;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        if chars.get(i) == Some(&'*') {
            spec.precision_star = true;
            spec.precision = Some(0);
            i += 1;
        } else {
            let (n, used) = digits(&chars[i..]);
            spec.precision = Some(n);
            i += used;
        }
    }
    (spec, i)
}

/// A run of decimal digits as a number (clamped to [`MAX_WIDTH`]) and its length.
fn digits(chars: &[char]) -> (usize, usize) {
    let mut n = 0usize;
    let mut used = 0;
    for c in chars.iter().take_while(|c| c.is_ascii_digit()) {
        n = (n * 10 + c.to_digit(10).unwrap_or(0) as usize).min(MAX_WIDTH);
        used += 1;
    }
    (n, used)
}

/// Pads `body` to the spec's width: spaces on the left (or right with `-`), or zeros after
/// the sign and `0x` prefix when `zero_ok` (numbers whose flags allow it).
fn pad(spec: &Spec, body: String, zero_ok: bool) -> String {
    let len = body.chars().count();
    let width = spec.width.min(MAX_WIDTH);
    if len >= width {
        return body;
    }
    let fill = width - len;
    if spec.left {
        body + &" ".repeat(fill)
    } else if spec.zero && zero_ok {
        let sign_len = body
            .find(|c: char| !matches!(c, '-' | '+' | ' '))
            .unwrap_or(0);
        let (sign, rest) = body.split_at(sign_len);
        let prefix_len = if rest.starts_with("0x") || rest.starts_with("0X") {
            2
        } else {
            0
        };
        let (prefix, digits) = rest.split_at(prefix_len);
        format!("{sign}{prefix}{}{digits}", "0".repeat(fill))
    } else {
        " ".repeat(fill) + &body
    }
}

/// The sign a non-negative number gets under the spec's `+` and ` ` flags.
fn positive_sign(spec: &Spec) -> &'static str {
    if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

/// `%s` (and `%b` once unescaped): the precision cuts, the width pads with spaces.
pub(crate) fn string(spec: &Spec, text: &str) -> String {
    let text: String = match spec.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_owned(),
    };
    pad(spec, text, false)
}

/// `%d %i %u %x %X %o` of `value` (`u`, `x`, `o` show negative values as 64-bit unsigned).
pub(crate) fn integer(spec: &Spec, conv: char, value: i64) -> String {
    let magnitude = match conv {
        'd' | 'i' => value.unsigned_abs(),
        _ => value as u64,
    };
    let mut digits = match conv {
        'x' => format!("{magnitude:x}"),
        'X' => format!("{magnitude:X}"),
        'o' => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = spec.precision {
        if p == 0 && magnitude == 0 {
            digits.clear();
        }
        let p = p.min(MAX_WIDTH);
        if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    let prefix = match conv {
        'd' | 'i' if value < 0 => "-",
        'd' | 'i' => positive_sign(spec),
        'x' if spec.alt && magnitude != 0 => "0x",
        'X' if spec.alt && magnitude != 0 => "0X",
        'o' if spec.alt && !digits.starts_with('0') => "0",
        _ => "",
    };
    // With a precision the `0` flag is ignored for integers.
    pad(spec, format!("{prefix}{digits}"), spec.precision.is_none())
}

/// `%c`: the first character of `text` (nothing for an empty argument).
pub(crate) fn character(spec: &Spec, text: &str) -> String {
    pad(
        spec,
        text.chars().next().map(String::from).unwrap_or_default(),
        false,
    )
}

/// `%f %F %e %E %g %G` of `value`.
pub(crate) fn float(spec: &Spec, conv: char, value: f64) -> String {
    let upper = conv.is_ascii_uppercase();
    let sign = if value.is_sign_negative() && !value.is_nan() {
        "-"
    } else {
        positive_sign(spec)
    };
    let magnitude = value.abs();
    if !magnitude.is_finite() {
        let word = if magnitude.is_nan() { "nan" } else { "inf" };
        let word = if upper {
            word.to_ascii_uppercase()
        } else {
            word.to_owned()
        };
        return pad(spec, format!("{sign}{word}"), false);
    }
    let precision = spec.precision.unwrap_or(6).min(MAX_WIDTH);
    let mut body = match conv.to_ascii_lowercase() {
        'e' => exponential(magnitude, precision, spec.alt),
        'g' => general(magnitude, precision, spec.alt),
        _ => {
            let mut text = format!("{magnitude:.precision$}");
            if spec.alt && precision == 0 {
                text.push('.');
            }
            text
        }
    };
    if upper {
        body = body.to_ascii_uppercase();
    }
    pad(spec, format!("{sign}{body}"), true)
}

/// `%e` of a finite non-negative value: `d.ddde±XX`.
fn exponential(value: f64, precision: usize, alt: bool) -> String {
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let dot = if alt && precision == 0 { "." } else { "" };
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}{dot}e{sign}{:02}", exponent.unsigned_abs())
}

/// `%g` of a finite non-negative value: `%e` or `%f` by the exponent, trailing zeros dropped
/// unless `alt`.
fn general(value: f64, precision: usize, alt: bool) -> String {
    let p = precision.max(1);
    // The exponent %e would print, after rounding to p significant digits.
    let rounded = format!("{value:.prec$e}", prec = p - 1);
    let exponent: i64 = rounded
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut text = if exponent < -4 || exponent >= p as i64 {
        exponential(value, p - 1, alt)
    } else {
        let decimals = usize::try_from(p as i64 - 1 - exponent).unwrap_or(0);
        let mut t = format!("{value:.decimals$}");
        if alt && !t.contains('.') {
            t.push('.');
        }
        t
    };
    if !alt {
        let (mantissa, exp) = match text.find('e') {
            Some(at) => text.split_at(at),
            None => (text.as_str(), ""),
        };
        if mantissa.contains('.') {
            let trimmed = mantissa.trim_end_matches('0').trim_end_matches('.');
            text = format!("{trimmed}{exp}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    //! Expected strings are glibc's `printf` output for the same conversions.

    use super::*;

    fn spec(text: &str) -> Spec {
        let chars: Vec<char> = text.chars().collect();
        parse_spec(&chars).0
    }

    #[test]
    fn integers_like_glibc() {
        assert_eq!(integer(&spec("05"), 'd', -42), "-0042");
        assert_eq!(integer(&spec("5.3"), 'd', 7), "  007");
        assert_eq!(integer(&spec("+.3"), 'd', 7), "+007");
        assert_eq!(integer(&spec(" "), 'd', 5), " 5");
        assert_eq!(integer(&spec("-05"), 'd', 3), "3    ");
        assert_eq!(integer(&spec("#"), 'x', 255), "0xff");
        assert_eq!(integer(&spec("#08"), 'x', 255), "0x0000ff");
        assert_eq!(integer(&spec("#"), 'o', 8), "010");
        assert_eq!(integer(&spec(""), 'x', -1), "ffffffffffffffff");
        assert_eq!(integer(&spec(""), 'u', -1), "18446744073709551615");
        assert_eq!(integer(&spec(".0"), 'd', 0), "");
    }

    #[test]
    fn floats_like_glibc() {
        assert_eq!(float(&spec("05.2"), 'f', 3.14158), "03.14");
        assert_eq!(float(&spec(""), 'e', 1234.5), "1.234500e+03");
        assert_eq!(float(&spec("010.3"), 'e', -3.5), "-3.500e+00");
        assert_eq!(float(&spec(""), 'g', 0.0001), "0.0001");
        assert_eq!(float(&spec(""), 'g', 1e-5), "1e-05");
        assert_eq!(float(&spec(""), 'g', 123456789.0), "1.23457e+08");
        assert_eq!(float(&spec(""), 'G', 1e-10), "1E-10");
        assert_eq!(float(&spec("#"), 'g', 1.0), "1.00000");
        assert_eq!(float(&spec(".0"), 'f', 2.5), "2");
        assert_eq!(float(&spec(".0"), 'f', 3.5), "4");
        assert_eq!(float(&spec("08.3"), 'f', f64::NEG_INFINITY), "    -inf");
        assert_eq!(float(&spec(""), 'g', 100000.0), "100000");
        assert_eq!(float(&spec(""), 'g', 1e6), "1e+06");
        assert_eq!(float(&spec(""), 'g', 0.0), "0");
    }

    #[test]
    fn strings_and_chars() {
        assert_eq!(string(&spec("05"), "ab"), "   ab");
        assert_eq!(string(&spec("5.1"), "xyz"), "    x");
        assert_eq!(character(&spec("5"), "A"), "    A");
        assert_eq!(string(&spec("99999999999"), "x").len(), MAX_WIDTH);
    }
}
