//! awk values: numbers, strings, and "strnums" (input that looks numeric compares as a
//! number), with awk's conversions between them.

use crate::shell::commands::cformat;

/// One awk value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// Never assigned: "" as a string, 0 as a number.
    Uninit,
    /// A number.
    Num(f64),
    /// A string (literals, concatenations, builtin results).
    Str(String),
    /// Text from input (fields, `split`, `-v`): a number when it looks like one.
    StrNum(String),
}

impl Value {
    /// The value as a number (a string's leading number, else 0).
    pub(super) fn num(&self) -> f64 {
        match self {
            Value::Uninit => 0.0,
            Value::Num(n) => *n,
            Value::Str(s) | Value::StrNum(s) => leading_number(s),
        }
    }

    /// The value as a string; numbers use `CONVFMT` (integers print plainly).
    pub(super) fn text(&self, convfmt: &str) -> String {
        match self {
            Value::Uninit => String::new(),
            Value::Num(n) => number_text(*n, convfmt),
            Value::Str(s) | Value::StrNum(s) => s.clone(),
        }
    }

    /// The value as a condition: non-zero numbers and non-empty strings are true.
    pub(super) fn truth(&self) -> bool {
        match self {
            Value::Uninit => false,
            Value::Num(n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::StrNum(s) => {
                if looks_numeric(s) {
                    leading_number(s) != 0.0
                } else {
                    !s.is_empty()
                }
            }
        }
    }

    /// Whether the value compares as a number.
    fn numeric(&self) -> bool {
        match self {
            Value::Uninit | Value::Num(_) => true,
            Value::Str(_) => false,
            Value::StrNum(s) => looks_numeric(s),
        }
    }
}

/// Compares two values as awk does: numerically when both are numeric, else as strings.
pub(super) fn compare(a: &Value, b: &Value, convfmt: &str) -> std::cmp::Ordering {
    if a.numeric() && b.numeric() {
        a.num()
            .partial_cmp(&b.num())
            .unwrap_or(std::cmp::Ordering::Equal)
    } else {
        a.text(convfmt).cmp(&b.text(convfmt))
    }
}

/// A number as mawk shows it: integers that fit a C `int` plainly, others through `fmt`
/// (`%.6g`).
pub(super) fn number_text(n: f64, fmt: &str) -> String {
    if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) {
        return format!("{}", n as i64);
    }
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    let chars: Vec<char> = fmt.chars().collect();
    match chars.iter().position(|c| *c == '%') {
        Some(at) => {
            let (spec, used) = cformat::parse_spec(&chars[at + 1..]);
            let conv = chars.get(at + 1 + used).copied().unwrap_or('g');
            let conv = if "eEfFgG".contains(conv) { conv } else { 'g' };
            let prefix: String = chars[..at].iter().collect();
            let suffix: String = chars.get(at + 2 + used..).unwrap_or(&[]).iter().collect();
            format!("{prefix}{}{suffix}", cformat::float(&spec, conv, n))
        }
        None => fmt.to_owned(),
    }
}

/// Whether `s` is entirely a number (surrounding blanks allowed): such input compares
/// numerically.
pub(super) fn looks_numeric(s: &str) -> bool {
    let t = s.trim_matches([' ', '\t', '\n']);
    !t.is_empty() && number_prefix_len(t) == t.len()
}

/// The number at the start of `s` (after blanks), as glibc's `strtod` reads it (mawk
/// converts with it): decimal, `0x` hex, `inf`/`infinity` and `nan`; 0 when none.
pub(super) fn leading_number(s: &str) -> f64 {
    let t = s.trim_start_matches([' ', '\t', '\n']);
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower: String = body
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let special = if lower.starts_with("inf") {
        Some(f64::INFINITY)
    } else if lower.starts_with("nan") {
        Some(f64::NAN)
    } else if let Some(hex) = lower.strip_prefix("0x") {
        let digits: String = body[2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .take(16)
            .collect();
        (!digits.is_empty() || hex.is_empty())
            .then(|| u64::from_str_radix(&digits, 16).map_or(0.0, |v| v as f64))
    } else {
        None
    };
    if let Some(v) = special {
        return if negative { -v } else { v };
    }
    let len = number_prefix_len(t);
    t.get(..len).and_then(|p| p.parse().ok()).unwrap_or(0.0)
}

/// The length of the decimal number (sign, digits, fraction, exponent) starting `s`.
fn number_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i > int_start;
    if b.get(i) == Some(&b'.') {
        let frac_start = i + 1;
        let mut j = frac_start;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if digits || j > frac_start {
            digits = true;
            i = j;
        }
    }
    if !digits {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i
}
