//! `$((…))`: bash's integer arithmetic (64-bit, wrapping), without assignment operators.
//!
//! Errors carry bash's wording, e.g. `7/0: division by 0 (error token is "0")`; the caller
//! prefixes `-bash: `. Nesting is bounded so hostile input cannot exhaust the stack.

/// How deeply parentheses and variable indirection may nest.
const MAX_DEPTH: usize = 64;

/// Evaluates `expr`; `lookup` gives a variable's value (unset variables are 0).
pub fn eval(expr: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<i64, String> {
    eval_depth(expr, lookup, 0)
}

fn eval_depth(
    expr: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> Result<i64, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut p = Eval {
        src: &chars,
        pos: 0,
        lookup,
        depth,
        expr,
        op_start: 0,
    };
    p.skip_ws();
    if p.pos == chars.len() {
        return Ok(0);
    }
    let value = p.ternary()?;
    p.skip_ws();
    if p.pos < chars.len() {
        let rest = p.rest();
        return Err(format!(
            "{expr}: syntax error in expression (error token is \"{rest}\")"
        ));
    }
    Ok(value)
}

struct Eval<'a> {
    src: &'a [char],
    pos: usize,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    depth: usize,
    expr: &'a str,
    /// Where the last binary operator began: bash's error token when an operand is missing.
    op_start: usize,
}

/// Binary operators by precedence level, lowest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<=", ">=", "<", ">"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

impl Eval<'_> {
    fn skip_ws(&mut self) {
        while self.src.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> String {
        self.src
            .get(self.pos..)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.src.get(self.pos + i) == Some(&c))
    }

    fn error(&self, what: &str) -> String {
        let rest = self.rest();
        let token = rest.trim();
        format!("{}: {what} (error token is \"{token}\")", self.expr)
    }

    fn ternary(&mut self) -> Result<i64, String> {
        let cond = self.binary(0)?;
        self.skip_ws();
        if !self.starts_with("?") {
            return Ok(cond);
        }
        self.pos += 1;
        let yes = self.ternary()?;
        self.skip_ws();
        if !self.starts_with(":") {
            return Err(self.error("syntax error in expression"));
        }
        self.pos += 1;
        let no = self.ternary()?;
        Ok(if cond != 0 { yes } else { no })
    }

    fn binary(&mut self, level: usize) -> Result<i64, String> {
        let Some(ops) = LEVELS.get(level) else {
            return self.power();
        };
        let mut left = self.binary(level + 1)?;
        loop {
            self.skip_ws();
            // `|` must not take the first half of `||`, nor `&` of `&&`, nor `<` of `<<`.
            let Some(op) = ops.iter().copied().find(|op| {
                self.starts_with(op)
                    && !(op.len() == 1
                        && matches!(*op, "|" | "&" | "<" | ">")
                        && self.src.get(self.pos + 1) == op.chars().next().as_ref())
                    && !(matches!(*op, "*") && self.starts_with("**"))
                    && !(matches!(*op, "<" | ">") && self.src.get(self.pos + 1) == Some(&'='))
            }) else {
                return Ok(left);
            };
            self.op_start = self.pos;
            self.pos += op.len();
            self.skip_ws();
            let op_pos = self.pos;
            let right = self.binary(level + 1)?;
            left = match op {
                "||" => i64::from(left != 0 || right != 0),
                "&&" => i64::from(left != 0 && right != 0),
                "|" => left | right,
                "^" => left ^ right,
                "&" => left & right,
                "==" => i64::from(left == right),
                "!=" => i64::from(left != right),
                "<=" => i64::from(left <= right),
                ">=" => i64::from(left >= right),
                "<" => i64::from(left < right),
                ">" => i64::from(left > right),
                "<<" => left.wrapping_shl(right as u32),
                ">>" => left.wrapping_shr(right as u32),
                "+" => left.wrapping_add(right),
                "-" => left.wrapping_sub(right),
                "*" => left.wrapping_mul(right),
                "/" | "%" => {
                    if right == 0 {
                        self.pos = op_pos;
                        return Err(self.error("division by 0"));
                    }
                    if op == "/" {
                        left.wrapping_div(right)
                    } else {
                        left.wrapping_rem(right)
                    }
                }
                _ => left,
            };
        }
    }

    fn power(&mut self) -> Result<i64, String> {
        let base = self.unary()?;
        self.skip_ws();
        if !self.starts_with("**") {
            return Ok(base);
        }
        self.pos += 2;
        let exp = self.power()?;
        if exp < 0 {
            return Err(self.error("exponent less than 0"));
        }
        let mut result: i64 = 1;
        let mut b = base;
        let mut e = exp;
        while e > 0 {
            if e & 1 == 1 {
                result = result.wrapping_mul(b);
            }
            b = b.wrapping_mul(b);
            e >>= 1;
        }
        Ok(result)
    }

    fn unary(&mut self) -> Result<i64, String> {
        self.skip_ws();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression recursion level exceeded"));
        }
        let value = match self.src.get(self.pos) {
            Some('-') if !self.starts_with("--") => {
                self.pos += 1;
                self.unary()?.wrapping_neg()
            }
            Some('+') if !self.starts_with("++") => {
                self.pos += 1;
                self.unary()?
            }
            Some('!') => {
                self.pos += 1;
                i64::from(self.unary()? == 0)
            }
            Some('~') => {
                self.pos += 1;
                !self.unary()?
            }
            _ => self.primary()?,
        };
        self.depth -= 1;
        Ok(value)
    }

    fn primary(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let Some(&c) = self.src.get(self.pos) else {
            self.pos = self.op_start;
            return Err(self.error("syntax error: operand expected"));
        };
        if c == '(' {
            self.pos += 1;
            let value = self.ternary()?;
            self.skip_ws();
            if !self.starts_with(")") {
                return Err(self.error("missing `)'"));
            }
            self.pos += 1;
            return Ok(value);
        }
        if c.is_ascii_digit() {
            let from = self.pos;
            while self
                .src
                .get(self.pos)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '#')
            {
                self.pos += 1;
            }
            let text: String = self.src[from..self.pos].iter().collect();
            return parse_number(&text).ok_or_else(|| {
                let rest: String = self.src[from..].iter().collect();
                format!(
                    "{}: value too great for base (error token is \"{}\")",
                    self.expr,
                    rest.trim()
                )
            });
        }
        if c == '_' || c.is_ascii_alphabetic() {
            let from = self.pos;
            while self
                .src
                .get(self.pos)
                .is_some_and(|c| *c == '_' || c.is_ascii_alphanumeric())
            {
                self.pos += 1;
            }
            let name: String = self.src[from..self.pos].iter().collect();
            let value = (self.lookup)(&name).unwrap_or_default();
            // Bash evaluates a variable's value as an expression in turn.
            return eval_depth(&value, self.lookup, self.depth + 1);
        }
        // An operator where an operand belongs: bash names the operator and what follows.
        Err(self.error("syntax error: operand expected"))
    }
}

/// A bash integer constant: decimal, `0x` hex, leading-zero octal or `base#digits`.
fn parse_number(text: &str) -> Option<i64> {
    let (base, digits) = if let Some((base, digits)) = text.split_once('#') {
        (
            base.parse::<u32>().ok().filter(|b| (2..=36).contains(b))?,
            digits,
        )
    } else if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        (16, hex)
    } else if text.len() > 1 && text.starts_with('0') {
        (8, &text[1..])
    } else {
        (10, text)
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        value = value
            .wrapping_mul(i64::from(base))
            .wrapping_add(i64::from(d));
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calc(expr: &str) -> Result<i64, String> {
        eval(expr, &|name| (name == "X").then(|| "4".to_owned()))
    }

    #[test]
    fn arithmetic_like_bash() {
        assert_eq!(calc(" 1 + 2 * 3 "), Ok(7));
        assert_eq!(calc("2**10"), Ok(1024));
        assert_eq!(calc("010"), Ok(8));
        assert_eq!(calc("0x1f"), Ok(31));
        assert_eq!(calc("-5%3"), Ok(-2));
        assert_eq!(calc("1<2"), Ok(1));
        assert_eq!(calc("X+1"), Ok(5));
        assert_eq!(calc("Y+1"), Ok(1));
        assert_eq!(calc("(1+2)*3"), Ok(9));
        assert_eq!(calc("1 ? 2 : 3"), Ok(2));
        assert_eq!(calc("1 << 4 | 1"), Ok(17));
        assert_eq!(calc("3 && 0 || 1"), Ok(1));
        assert_eq!(calc(""), Ok(0));
    }

    #[test]
    fn errors_like_bash() {
        assert_eq!(
            calc("7/0"),
            Err("7/0: division by 0 (error token is \"0\")".to_owned())
        );
        assert_eq!(
            calc("1 +"),
            Err("1 +: syntax error: operand expected (error token is \"+\")".to_owned())
        );
        assert!(calc(&"(".repeat(10_000)).is_err());
    }
}
