//! `$((…))` and `((…))`: bash's integer arithmetic (64-bit, wrapping), with assignments
//! (`=`, `+=`, …, `++`, `--`) and the comma operator. Assignments are returned to the caller
//! rather than made here, and none is made in a branch that `&&`, `||` or `?:` skips.
//!
//! Errors carry bash's wording, e.g. `7/0: division by 0 (error token is "0")`; the caller
//! prefixes `-bash: `. Nesting is bounded so hostile input cannot exhaust the stack.

/// How deeply parentheses and variable indirection may nest.
const MAX_DEPTH: usize = 64;

/// Evaluates `expr`; `lookup` gives a variable's value (unset variables are 0). Assignments
/// in the expression are dropped: see [`eval_assign`].
pub fn eval(expr: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<i64, String> {
    eval_assign(expr, lookup).map(|(value, _)| value)
}

/// Evaluates `expr` and returns its value with the assignments it made, in order (a name may
/// appear more than once; the last one holds).
pub fn eval_assign(
    expr: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(i64, Vec<(String, i64)>), String> {
    let mut assigned = Vec::new();
    let value = eval_depth(expr, lookup, 0, &mut assigned)?;
    Ok((value, assigned))
}

/// The most assignments one evaluation may make (a bound for hostile input).
const MAX_ASSIGNMENTS: usize = 10_000;

fn eval_depth(
    expr: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    assigned: &mut Vec<(String, i64)>,
) -> Result<i64, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut p = Eval {
        src: &chars,
        pos: 0,
        lookup,
        depth,
        expr,
        op_start: 0,
        assigned,
        noeval: 0,
    };
    p.skip_ws();
    if p.pos == chars.len() {
        return Ok(0);
    }
    let value = p.comma()?;
    p.skip_ws();
    if p.pos < chars.len() {
        let rest = p.rest();
        let expr = expr.trim_start();
        if rest.starts_with('=') && !rest.starts_with("==") {
            return Err(format!(
                "{expr}: attempted assignment to non-variable (error token is \"{rest}\")"
            ));
        }
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
    /// Assignments made so far, in order (they shadow `lookup`).
    assigned: &'a mut Vec<(String, i64)>,
    /// Above 0 inside a branch `&&`, `||` or `?:` skips: no assignments, no errors.
    noeval: usize,
}

/// Assignment operators, longest first.
const ASSIGN_OPS: &[&str] = &[
    "<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "=",
];

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

    /// Bash's error: the expression without its leading blanks, then the text from the
    /// offending token on, as it is.
    fn error(&self, what: &str) -> String {
        let rest = self.rest();
        let expr = self.expr.trim_start();
        format!("{expr}: {what} (error token is \"{rest}\")")
    }

    fn ternary(&mut self) -> Result<i64, String> {
        let cond = self.binary(0)?;
        self.skip_ws();
        if !self.starts_with("?") {
            return Ok(cond);
        }
        self.pos += 1;
        let skip_yes = usize::from(cond == 0);
        self.noeval += skip_yes;
        let yes = self.assign();
        self.noeval -= skip_yes;
        let yes = yes?;
        self.skip_ws();
        if !self.starts_with(":") {
            return Err(self.error("syntax error in expression"));
        }
        self.pos += 1;
        let skip_no = usize::from(cond != 0);
        self.noeval += skip_no;
        let no = self.assign();
        self.noeval -= skip_no;
        let no = no?;
        Ok(if cond != 0 { yes } else { no })
    }

    /// `expr, expr, …`: the last value.
    fn comma(&mut self) -> Result<i64, String> {
        let mut value = self.assign()?;
        loop {
            self.skip_ws();
            if !self.starts_with(",") {
                return Ok(value);
            }
            self.pos += 1;
            value = self.assign()?;
        }
    }

    /// `name op= expr` (right associative), or a conditional expression.
    fn assign(&mut self) -> Result<i64, String> {
        self.skip_ws();
        let save = self.pos;
        if let Some(name) = self.name() {
            self.skip_ws();
            let op = ASSIGN_OPS
                .iter()
                .copied()
                .find(|op| self.starts_with(op) && !(*op == "=" && self.starts_with("==")));
            if let Some(op) = op {
                self.op_start = self.pos;
                self.pos += op.len();
                self.skip_ws();
                let op_pos = self.pos;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.error("expression recursion level exceeded"));
                }
                let right = self.assign()?;
                self.depth -= 1;
                let value = if op == "=" {
                    right
                } else {
                    let old = self.value_of(&name)?;
                    let binary = op.trim_end_matches('=');
                    self.apply(binary, old, right, op_pos)?
                };
                self.record(&name, value)?;
                return Ok(value);
            }
        }
        self.pos = save;
        self.ternary()
    }

    /// A variable name at the cursor, consumed.
    fn name(&mut self) -> Option<String> {
        let c = *self.src.get(self.pos)?;
        if !(c == '_' || c.is_ascii_alphabetic()) {
            return None;
        }
        let from = self.pos;
        while self
            .src
            .get(self.pos)
            .is_some_and(|c| *c == '_' || c.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        Some(self.src[from..self.pos].iter().collect())
    }

    /// A variable's value: its latest assignment here, or its value evaluated as an
    /// expression in turn (bash does that), unset being 0.
    fn value_of(&mut self, name: &str) -> Result<i64, String> {
        if let Some((_, value)) = self.assigned.iter().rev().find(|(n, _)| n == name) {
            return Ok(*value);
        }
        let value = (self.lookup)(name).unwrap_or_default();
        eval_depth(&value, self.lookup, self.depth + 1, self.assigned)
    }

    /// Records an assignment (not in a skipped branch).
    fn record(&mut self, name: &str, value: i64) -> Result<(), String> {
        if self.noeval > 0 {
            return Ok(());
        }
        if self.assigned.len() >= MAX_ASSIGNMENTS {
            return Err(self.error("expression recursion level exceeded"));
        }
        self.assigned.push((name.to_owned(), value));
        Ok(())
    }

    /// Applies binary operator `op`; `op_pos` is where its right operand began (bash's error
    /// token for a division by 0).
    fn apply(&mut self, op: &str, left: i64, right: i64, op_pos: usize) -> Result<i64, String> {
        Ok(match op {
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
                    if self.noeval > 0 {
                        return Ok(0);
                    }
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
        })
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
                    && !self.at_assign_op(op)
            }) else {
                return Ok(left);
            };
            self.op_start = self.pos;
            self.pos += op.len();
            self.skip_ws();
            let op_pos = self.pos;
            let skip = usize::from((op == "&&" && left == 0) || (op == "||" && left != 0));
            self.noeval += skip;
            let right = self.binary(level + 1);
            self.noeval -= skip;
            left = self.apply(op, left, right?, op_pos)?;
        }
    }

    /// Whether binary operator `op` at the cursor is really the start of `op=` (an
    /// assignment, which a binary operator must not swallow: `x+=1` is not `x + (=1)`).
    fn at_assign_op(&self, op: &str) -> bool {
        let next = self.src.get(self.pos + op.len());
        let compound = !matches!(op, "==" | "!=" | "<=" | ">=" | "||" | "&&");
        compound && next == Some(&'=') && self.src.get(self.pos + op.len() + 1) != Some(&'=')
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
        if self.starts_with("++") || self.starts_with("--") {
            let delta = if self.starts_with("++") { 1 } else { -1 };
            let save = self.pos;
            self.pos += 2;
            self.skip_ws();
            if let Some(name) = self.name() {
                let value = self.value_of(&name)?.wrapping_add(delta);
                self.record(&name, value)?;
                self.depth -= 1;
                return Ok(value);
            }
            self.pos = save;
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
            let value = self.comma()?;
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
            // Bash evaluates a variable's value as an expression in turn.
            let value = self.value_of(&name)?;
            if self.starts_with("++") || self.starts_with("--") {
                let delta = if self.starts_with("++") { 1 } else { -1 };
                self.pos += 2;
                self.record(&name, value.wrapping_add(delta))?;
            }
            return Ok(value);
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

#[cfg(test)]
mod assign_tests {
    use super::*;

    fn run(expr: &str) -> Result<(i64, Vec<(String, i64)>), String> {
        eval_assign(expr, &|name| (name == "X").then(|| "4".to_owned()))
    }

    #[test]
    fn assignments_are_returned_in_order() {
        assert_eq!(run("a = 2"), Ok((2, vec![("a".to_owned(), 2)])));
        assert_eq!(run("X += 3"), Ok((7, vec![("X".to_owned(), 7)])));
        assert_eq!(run("X++"), Ok((4, vec![("X".to_owned(), 5)])));
        assert_eq!(run("--X"), Ok((3, vec![("X".to_owned(), 3)])));
        assert_eq!(
            run("a = b = 3, a * b"),
            Ok((9, vec![("b".to_owned(), 3), ("a".to_owned(), 3)]))
        );
        assert_eq!(run("X <<= 2"), Ok((16, vec![("X".to_owned(), 16)])));
        assert_eq!(run("X == 4"), Ok((1, vec![])));
    }

    #[test]
    fn skipped_branches_assign_nothing() {
        assert_eq!(run("0 && (a = 1)"), Ok((0, vec![])));
        assert_eq!(run("1 || (a = 1)"), Ok((1, vec![])));
        assert_eq!(run("1 ? 5 : (a = 1)"), Ok((5, vec![])));
        assert_eq!(run("0 && 1 / 0"), Ok((0, vec![])));
    }

    #[test]
    fn assignment_errors_like_bash() {
        assert_eq!(
            run("1=2"),
            Err("1=2: attempted assignment to non-variable (error token is \"=2\")".to_owned())
        );
        assert_eq!(
            run("a /= 0"),
            Err("a /= 0: division by 0 (error token is \"0\")".to_owned())
        );
    }
}
