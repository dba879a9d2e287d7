//! awk's builtin functions, field splitting and `printf` formatting.

use rand::Rng;

use super::ast::Expr;
use super::interp::{Interp, MAX_STRING, Stop};
use super::value::Value;
use crate::shell::commands::cformat;

/// Splits `text` by the field separator `fs` as awk does: `" "` splits on runs of blanks
/// (ignoring leading and trailing ones), a single other character literally, anything
/// longer as a regular expression.
pub(super) fn split_fields(interp: &mut Interp<'_>, text: &str, fs: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let parts: Vec<String> = if fs == " " {
        text.split([' ', '\t', '\n'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    } else if fs.chars().count() == 1 && fs != "\\" {
        text.split(fs).map(str::to_owned).collect()
    } else {
        match interp.regex(fs) {
            Ok(re) => re.split(text).map(str::to_owned).collect(),
            Err(_) => vec![text.to_owned()],
        }
    };
    parts.into_iter().take(10_000).collect()
}

fn arg(interp: &mut Interp<'_>, args: &[Expr], i: usize) -> Result<Value, Stop> {
    match args.get(i) {
        Some(e) => interp.eval(e),
        None => Ok(Value::Uninit),
    }
}

fn text(interp: &mut Interp<'_>, args: &[Expr], i: usize) -> Result<String, Stop> {
    let v = arg(interp, args, i)?;
    Ok(v.text(&interp.convfmt()))
}

/// Calls builtin `name` with unevaluated `args`.
pub(super) fn call(interp: &mut Interp<'_>, name: &str, args: &[Expr]) -> Result<Value, Stop> {
    let num = |v: f64| Ok(Value::Num(v));
    match name {
        // mawk counts bytes, not characters.
        "length" => match args.first() {
            None => num(interp.record.len() as f64),
            Some(Expr::Var(v)) if interp.arrays.contains_key(v) => {
                num(interp.array_mut(v).len() as f64)
            }
            Some(_) => num(text(interp, args, 0)?.len() as f64),
        },
        "substr" => {
            let s = text(interp, args, 0)?;
            let bytes = s.as_bytes();
            // mawk 1.3.4 20200120 truncates both numbers, and a start before 1 lengthens
            // the result by as much (`substr("hello", 0, 2)` is "he").
            let mut start = arg(interp, args, 1)?.num().trunc();
            let mut len = match args.get(2) {
                Some(_) => arg(interp, args, 2)?.num().trunc(),
                None => f64::INFINITY,
            };
            if start.is_nan() || len.is_nan() {
                return Ok(Value::Str(String::new()));
            }
            if start < 1.0 {
                len -= start;
                start = 1.0;
            }
            let lo = start as usize - 1;
            let hi = (start + len - 1.0).min(bytes.len() as f64);
            if hi < start || lo >= bytes.len() {
                return Ok(Value::Str(String::new()));
            }
            let hi = hi as usize;
            Ok(Value::Str(
                String::from_utf8_lossy(&bytes[lo..hi]).into_owned(),
            ))
        }
        "index" => {
            let s = text(interp, args, 0)?;
            let t = text(interp, args, 1)?;
            num(s.find(&t).map_or(0, |at| at + 1) as f64)
        }
        "split" => {
            let s = text(interp, args, 0)?;
            let Some(Expr::Var(array)) = args.get(1) else {
                return Err(Stop::Error(
                    "mawk: line 1: type error in arg(2) in call to split\n".into(),
                ));
            };
            let parts = match args.get(2) {
                Some(Expr::Regex(r)) => {
                    let re = interp.regex(r)?;
                    if s.is_empty() {
                        Vec::new()
                    } else {
                        re.split(&s).map(str::to_owned).collect()
                    }
                }
                Some(_) => {
                    let fs = text(interp, args, 2)?;
                    split_fields(interp, &s, &fs)
                }
                None => {
                    let fs = interp.var_text("FS");
                    split_fields(interp, &s, &fs)
                }
            };
            interp.array_mut(array).clear();
            let n = parts.len();
            for (i, part) in parts.into_iter().enumerate() {
                interp.array_set(array, (i + 1).to_string(), Value::StrNum(part))?;
            }
            num(n as f64)
        }
        "sub" | "gsub" => {
            let re = match args.first() {
                Some(e) => interp.pattern_of(e)?,
                None => {
                    return Err(Stop::Error(
                        "mawk: line 1: wrong number of arguments in call to sub\n".into(),
                    ));
                }
            };
            let repl = text(interp, args, 1)?;
            let target = args
                .get(2)
                .cloned()
                .unwrap_or(Expr::Field(Box::new(Expr::Num(0.0))));
            let subject = interp.eval(&target)?.text(&interp.convfmt());
            let (result, count) = substitute(&re, &repl, &subject, name == "gsub");
            if count > 0 {
                if result.len() > MAX_STRING {
                    return Err(Stop::Budget);
                }
                interp.assign(&target, Value::Str(result))?;
            }
            num(count as f64)
        }
        "match" => {
            let s = text(interp, args, 0)?;
            let re = match args.get(1) {
                Some(e) => interp.pattern_of(e)?,
                None => {
                    return Err(Stop::Error(
                        "mawk: line 1: wrong number of arguments in call to match\n".into(),
                    ));
                }
            };
            let (start, len) = match re.find(&s) {
                Some(m) => (m.start() as f64 + 1.0, m.as_str().len() as f64),
                None => (0.0, -1.0),
            };
            interp.vars.insert("RSTART".into(), Value::Num(start));
            interp.vars.insert("RLENGTH".into(), Value::Num(len));
            num(start)
        }
        "sprintf" => {
            let mut values = Vec::new();
            for e in args {
                values.push(interp.eval(e)?);
            }
            Ok(Value::Str(sprintf(interp, &values)))
        }
        "tolower" => Ok(Value::Str(text(interp, args, 0)?.to_lowercase())),
        "toupper" => Ok(Value::Str(text(interp, args, 0)?.to_uppercase())),
        "int" => num(arg(interp, args, 0)?.num().trunc()),
        "sqrt" => num(x86_nan(arg(interp, args, 0)?.num().sqrt())),
        "exp" => num(arg(interp, args, 0)?.num().exp()),
        "log" => num(x86_nan(arg(interp, args, 0)?.num().ln())),
        "sin" => num(arg(interp, args, 0)?.num().sin()),
        "cos" => num(arg(interp, args, 0)?.num().cos()),
        "atan2" => {
            let y = arg(interp, args, 0)?.num();
            num(y.atan2(arg(interp, args, 1)?.num()))
        }
        "rand" => num(interp.rng.r#gen::<f64>()),
        "srand" => {
            if let Some(e) = args.first() {
                interp.eval(e)?;
            }
            num(0.0)
        }
        // Nothing runs for real: `system` reports success, `close`/`fflush` have nothing
        // to do.
        _ => {
            for e in args {
                interp.eval(e)?;
            }
            num(0.0)
        }
    }
}

/// A NaN as x86 makes it (sign bit set: printed `-nan`).
fn x86_nan(x: f64) -> f64 {
    if x.is_nan() { -f64::NAN } else { x }
}

/// awk's `sub`/`gsub`: `&` in `repl` is the match, `\&` a literal `&`.
fn substitute(re: &regex::Regex, repl: &str, subject: &str, global: bool) -> (String, usize) {
    let mut out = String::new();
    let mut last = 0;
    let mut count = 0;
    for m in re.find_iter(subject) {
        out.push_str(&subject[last..m.start()]);
        let mut chars = repl.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'&') => {
                    chars.next();
                    out.push('&');
                }
                '\\' if chars.peek() == Some(&'\\') => {
                    chars.next();
                    out.push('\\');
                }
                '&' => out.push_str(m.as_str()),
                other => out.push(other),
            }
        }
        last = m.end();
        count += 1;
        if !global || out.len() > MAX_STRING {
            break;
        }
    }
    out.push_str(&subject[last..]);
    (out, count)
}

/// awk's `printf`/`sprintf`: `values[0]` is the format.
pub(super) fn sprintf(interp: &Interp<'_>, values: &[Value]) -> String {
    let convfmt = interp.convfmt();
    let Some(format) = values.first() else {
        return String::new();
    };
    let chars: Vec<char> = format.text(&convfmt).chars().collect();
    let mut rest = values[1..].iter();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() && out.len() <= MAX_STRING {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut spec, used) = cformat::parse_spec(&chars[i..]);
        i += used;
        if spec.width_star {
            let w = rest.next().map_or(0.0, Value::num) as i64;
            spec.left |= w < 0;
            spec.width = usize::try_from(w.unsigned_abs()).unwrap_or(0);
        }
        if spec.precision_star {
            spec.precision = usize::try_from(rest.next().map_or(0.0, Value::num) as i64).ok();
        }
        let Some(&conv) = chars.get(i) else {
            out.push('%');
            break;
        };
        i += 1;
        let value = || rest.clone().next().cloned().unwrap_or(Value::Uninit);
        match conv {
            '%' => out.push('%'),
            'd' | 'i' | 'o' | 'x' | 'X' | 'u' => {
                let v = value().num();
                rest.next();
                out.push_str(&cformat::integer(&spec, conv, v as i64));
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let v = value().num();
                rest.next();
                out.push_str(&cformat::float(&spec, conv, v));
            }
            'c' => {
                let v = value();
                rest.next();
                let ch = match v {
                    Value::Num(n) => char::from_u32(n as u32 & 0xff)
                        .map(String::from)
                        .unwrap_or_default(),
                    other => other.text(&convfmt),
                };
                out.push_str(&cformat::character(&spec, &ch));
            }
            's' => {
                let v = value();
                rest.next();
                let s = match v {
                    Value::Num(n) => super::value::number_text(n, &convfmt),
                    other => other.text(&convfmt),
                };
                out.push_str(&cformat::string(&spec, &s));
            }
            other => {
                out.push('%');
                out.push(other);
            }
        }
    }
    out
}
