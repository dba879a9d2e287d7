//! awk expressions, by POSIX precedence from assignment down to primaries. Every level
//! counts toward the parser's nesting bound.

use super::ast::{Expr, is_builtin, is_keyword_or_builtin};
use super::lexer::Tok;
use super::parser::Parser;

impl Parser {
    /// A full expression: assignment, then `?:`.
    pub(super) fn expr(&mut self, no_gt: bool) -> Result<Expr, String> {
        self.enter()?;
        let result = self.assignment(no_gt);
        self.depth -= 1;
        result
    }

    fn assignment(&mut self, no_gt: bool) -> Result<Expr, String> {
        let left = self.ternary(no_gt)?;
        let op = match self.peek() {
            Some(Tok::Op("=")) => None,
            Some(Tok::Op(o @ ("+=" | "-=" | "*=" | "/=" | "%=" | "^="))) => Some(&o[..1]),
            _ => return Ok(left),
        };
        if !matches!(left, Expr::Var(_) | Expr::Field(_) | Expr::Index(..)) {
            return Err(self.error_here());
        }
        self.at += 1;
        self.skip_newlines();
        let op: Option<&'static str> = op.map(|o| match o {
            "+" => "+",
            "-" => "-",
            "*" => "*",
            "/" => "/",
            "%" => "%",
            _ => "^",
        });
        let right = self.expr(no_gt)?;
        Ok(Expr::Assign(op, Box::new(left), Box::new(right)))
    }

    fn ternary(&mut self, no_gt: bool) -> Result<Expr, String> {
        let cond = self.or(no_gt)?;
        if !self.eat("?") {
            return Ok(cond);
        }
        self.skip_newlines();
        let yes = self.expr(no_gt)?;
        self.skip_newlines();
        self.expect(":")?;
        self.skip_newlines();
        let no = self.expr(no_gt)?;
        Ok(Expr::Cond(Box::new(cond), Box::new(yes), Box::new(no)))
    }

    fn or(&mut self, no_gt: bool) -> Result<Expr, String> {
        let mut left = self.and(no_gt)?;
        let depth = self.depth;
        while self.eat("||") {
            self.skip_newlines();
            self.enter()?;
            left = Expr::Or(Box::new(left), Box::new(self.and(no_gt)?));
        }
        self.depth = depth;
        Ok(left)
    }

    fn and(&mut self, no_gt: bool) -> Result<Expr, String> {
        let mut left = self.in_expr(no_gt)?;
        let depth = self.depth;
        while self.eat("&&") {
            self.skip_newlines();
            self.enter()?;
            left = Expr::And(Box::new(left), Box::new(self.in_expr(no_gt)?));
        }
        self.depth = depth;
        Ok(left)
    }

    fn in_expr(&mut self, no_gt: bool) -> Result<Expr, String> {
        let mut left = self.matching(no_gt)?;
        while self.is_name("in") {
            self.at += 1;
            self.enter()?;
            let Some(Tok::Name(array)) = self.next() else {
                return Err(self.error_before());
            };
            left = Expr::In(vec![left], array);
            self.depth -= 1;
        }
        Ok(left)
    }

    fn matching(&mut self, no_gt: bool) -> Result<Expr, String> {
        let mut left = self.comparison(no_gt)?;
        let depth = self.depth;
        loop {
            let negate = if self.eat("~") {
                false
            } else if self.eat("!~") {
                true
            } else {
                self.depth = depth;
                return Ok(left);
            };
            self.enter()?;
            left = Expr::Match(negate, Box::new(left), Box::new(self.comparison(no_gt)?));
        }
    }

    fn comparison(&mut self, no_gt: bool) -> Result<Expr, String> {
        let left = self.concat(no_gt)?;
        let op = match self.peek() {
            Some(Tok::Op(o @ ("<" | "<=" | "==" | "!=" | ">="))) => *o,
            Some(Tok::Op(">")) if !no_gt => ">",
            _ => return Ok(left),
        };
        self.at += 1;
        Ok(Expr::Cmp(op, Box::new(left), Box::new(self.concat(no_gt)?)))
    }

    /// Whether the next token can start an operand of a concatenation.
    fn starts_operand(&self) -> bool {
        match self.peek() {
            Some(Tok::Num(_) | Tok::Str(_) | Tok::Regex(_) | Tok::Call(_)) => true,
            Some(Tok::Name(n)) => !is_keyword_or_builtin(n) || is_builtin(n),
            Some(Tok::Op(o)) => matches!(*o, "$" | "(" | "!" | "-" | "+" | "++" | "--"),
            _ => false,
        }
    }

    pub(super) fn concat(&mut self, no_gt: bool) -> Result<Expr, String> {
        let _ = no_gt;
        let mut left = self.additive()?;
        let depth = self.depth;
        // `-` and `+` between operands are arithmetic.
        while self.starts_operand() && !matches!(self.peek(), Some(Tok::Op("-" | "+"))) {
            self.enter()?;
            left = Expr::Concat(Box::new(left), Box::new(self.additive()?));
        }
        self.depth = depth;
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, String> {
        let mut left = self.multiplicative()?;
        let depth = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Op("+")) => "+",
                Some(Tok::Op("-")) => "-",
                _ => {
                    self.depth = depth;
                    return Ok(left);
                }
            };
            self.at += 1;
            self.enter()?;
            left = Expr::Arith(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        let depth = self.depth;
        loop {
            let op = match self.peek() {
                Some(Tok::Op("*")) => "*",
                Some(Tok::Op("/")) => "/",
                Some(Tok::Op("%")) => "%",
                _ => {
                    self.depth = depth;
                    return Ok(left);
                }
            };
            self.at += 1;
            self.enter()?;
            left = Expr::Arith(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let result = if self.eat("!") {
            self.unary().map(|e| Expr::Not(Box::new(e)))
        } else if self.eat("-") {
            self.unary().map(|e| Expr::Neg(Box::new(e)))
        } else if self.eat("+") {
            self.unary().map(|e| Expr::Plus(Box::new(e)))
        } else {
            self.power()
        };
        self.depth -= 1;
        result
    }

    fn power(&mut self) -> Result<Expr, String> {
        let base = self.postfix()?;
        if self.eat("^") {
            // Right-associative, and binds tighter than unary minus on its left only.
            let exponent = self.unary()?;
            return Ok(Expr::Arith("^", Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, String> {
        for (op, step) in [("++", 1.0), ("--", -1.0)] {
            if self.eat(op) {
                let target = self.primary()?;
                return lvalue(target, self).map(|t| Expr::IncDec(true, step, Box::new(t)));
            }
        }
        let primary = self.primary()?;
        if matches!(primary, Expr::Var(_) | Expr::Field(_) | Expr::Index(..)) {
            if self.eat("++") {
                return Ok(Expr::IncDec(false, 1.0, Box::new(primary)));
            }
            if self.eat("--") {
                return Ok(Expr::IncDec(false, -1.0, Box::new(primary)));
            }
        }
        Ok(primary)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let result = self.primary_inner();
        self.depth -= 1;
        result
    }

    fn primary_inner(&mut self) -> Result<Expr, String> {
        let Some(tok) = self.next() else {
            return Err(self.error_here());
        };
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Regex(r) => Ok(Expr::Regex(r)),
            Tok::Op("$") => {
                let inner = if self.eat("++") {
                    let t = lvalue(self.primary()?, self)?;
                    Expr::IncDec(true, 1.0, Box::new(t))
                } else if self.eat("-") {
                    Expr::Neg(Box::new(self.primary()?))
                } else {
                    self.primary()?
                };
                Ok(Expr::Field(Box::new(inner)))
            }
            Tok::Op("(") => {
                let first = self.expr(false)?;
                if self.eat(",") {
                    let mut list = vec![first];
                    list.extend(self.expr_list(false)?);
                    self.expect(")")?;
                    if !self.is_name("in") {
                        return Err(self.error_here());
                    }
                    self.at += 1;
                    let Some(Tok::Name(array)) = self.next() else {
                        return Err(self.error_before());
                    };
                    return Ok(Expr::In(list, array));
                }
                self.expect(")")?;
                Ok(first)
            }
            Tok::Call(name) => {
                self.expect("(")?;
                let args = if self.is_op(")") {
                    Vec::new()
                } else {
                    self.expr_list(false)?
                };
                self.expect(")")?;
                Ok(Expr::Call(name, args))
            }
            Tok::Name(name) if is_builtin(&name) => {
                let args = if self.eat("(") {
                    let args = if self.is_op(")") {
                        Vec::new()
                    } else {
                        self.expr_list(false)?
                    };
                    self.expect(")")?;
                    args
                } else if name == "length" {
                    Vec::new()
                } else {
                    return Err(self.error_here());
                };
                Ok(Expr::Builtin(name, args))
            }
            Tok::Name(name) if !is_keyword_or_builtin(&name) => {
                if self.eat("[") {
                    let index = self.expr_list(false)?;
                    self.expect("]")?;
                    Ok(Expr::Index(name, index))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            _ => Err(self.error_before()),
        }
    }
}

/// Checks that `expr` can be assigned to (for `++`/`--`).
fn lvalue(expr: Expr, p: &Parser) -> Result<Expr, String> {
    if matches!(expr, Expr::Var(_) | Expr::Field(_) | Expr::Index(..)) {
        Ok(expr)
    } else {
        Err(p.error_here())
    }
}
