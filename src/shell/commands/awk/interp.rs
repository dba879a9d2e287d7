//! Evaluates awk expressions over records: variables, arrays, fields and user functions,
//! with a step budget so that no program runs forever (statements are in [`super::exec`]).

use std::collections::{BTreeMap, HashMap};

use super::ast::{Expr, Function, Program};
use super::builtins;
use super::value::{Value, compare};

/// How many expression and statement evaluations a program may make in all.
const MAX_STEPS: u64 = 2_000_000;
/// The deepest user-function recursion.
const MAX_CALL_DEPTH: usize = 64;
/// The longest string a program may build.
pub(super) const MAX_STRING: usize = 1 << 20;
/// The most array elements a program may create.
const MAX_ELEMENTS: usize = 100_000;

/// Why evaluation stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    /// A fatal error, with mawk's message.
    Error(String),
    /// The step budget or output cap ran out: end quietly with what was printed.
    Budget,
    /// `exit`: run the END rules (unless already in them), then end with this status.
    Exit(i32),
}

/// What a statement asks the enclosing construct to do.
pub(super) enum Flow {
    /// Go on with the next statement.
    Normal,
    /// `next`: on to the next record.
    Next,
    /// `break` out of the loop.
    Break,
    /// `continue` with the loop's next round.
    Continue,
    /// `return` from the function, with its value.
    Return(Value),
}

/// An array: subscripts (sorted, which is the `for (k in a)` order) to values.
type Array = BTreeMap<String, Value>;

/// A function's local: a scalar or an array (its own, or a global passed by name).
#[derive(Debug, Clone)]
enum Local {
    Scalar(Value),
    Array(Array),
    GlobalArray(String),
}

/// The interpreter's state.
pub(super) struct Interp<'p> {
    /// The program (its functions are looked up here).
    pub prog: &'p Program,
    /// Global scalars, special variables (`FS`, `OFS`, …) included.
    pub vars: HashMap<String, Value>,
    /// Global arrays.
    pub arrays: HashMap<String, Array>,
    frames: Vec<HashMap<String, Local>>,
    /// `$0`, and its fields once split.
    /// `$0`.
    pub record: String,
    /// `$1`… (`NF` is their count).
    pub fields: Vec<String>,
    /// `NR`.
    pub nr: f64,
    /// `FNR`.
    pub fnr: f64,
    /// Standard output so far.
    pub out: String,
    /// Output for `print > file`: (path, append, bytes), written by the command.
    pub files: Vec<(String, bool, String)>,
    /// The most output allowed.
    pub room: usize,
    steps: u64,
    /// `rand()`'s source: the session's, so replays agree.
    pub rng: rand::rngs::StdRng,
    regexes: HashMap<String, regex::Regex>,
}

impl<'p> Interp<'p> {
    /// A fresh interpreter for `prog`; `room` bounds its output.
    pub(super) fn new(prog: &'p Program, room: usize, rng: rand::rngs::StdRng) -> Self {
        let mut vars = HashMap::new();
        for (name, value) in [
            ("FS", " "),
            ("OFS", " "),
            ("ORS", "\n"),
            ("RS", "\n"),
            ("SUBSEP", "\x1c"),
            ("CONVFMT", "%.6g"),
            ("OFMT", "%.6g"),
            ("FILENAME", ""),
        ] {
            vars.insert(name.to_owned(), Value::Str(value.to_owned()));
        }
        vars.insert("RSTART".to_owned(), Value::Num(0.0));
        vars.insert("RLENGTH".to_owned(), Value::Num(-1.0));
        Interp {
            prog,
            vars,
            arrays: HashMap::new(),
            frames: Vec::new(),
            record: String::new(),
            fields: Vec::new(),
            nr: 0.0,
            fnr: 0.0,
            out: String::new(),
            files: Vec::new(),
            room,
            steps: 0,
            rng,
            regexes: HashMap::new(),
        }
    }

    /// Counts one step; fails when the budget is spent.
    pub(super) fn tick(&mut self) -> Result<(), Stop> {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.out.len() > self.room {
            return Err(Stop::Budget);
        }
        Ok(())
    }

    /// A variable's text in the `CONVFMT` sense.
    pub(super) fn var_text(&self, name: &str) -> String {
        self.vars
            .get(name)
            .map_or(String::new(), |v| v.text(&self.convfmt()))
    }

    pub(super) fn convfmt(&self) -> String {
        match self.vars.get("CONVFMT") {
            Some(Value::Str(s)) => s.clone(),
            _ => "%.6g".to_owned(),
        }
    }

    /// Text of a value for output (`OFMT` for numbers).
    pub(super) fn output_text(&self, v: &Value) -> String {
        match v {
            Value::Num(n) => {
                let fmt = self
                    .vars
                    .get("OFMT")
                    .map_or("%.6g".to_owned(), |f| f.text("%.6g"));
                super::value::number_text(*n, &fmt)
            }
            other => other.text(&self.convfmt()),
        }
    }

    /// Sets `$0` and splits it into fields with `FS`.
    pub(super) fn set_record(&mut self, line: &str) {
        self.record = line.to_owned();
        let fs = self.var_text("FS");
        self.fields = builtins::split_fields(self, line, &fs);
    }

    /// Rebuilds `$0` from the fields with `OFS`.
    fn rebuild(&mut self) {
        let ofs = self.var_text("OFS");
        self.record = self.fields.join(&ofs);
    }

    /// A compiled regex for awk ERE `text` (cached), or mawk's error.
    pub(super) fn regex(&mut self, text: &str) -> Result<regex::Regex, Stop> {
        if let Some(re) = self.regexes.get(text) {
            return Ok(re.clone());
        }
        let re = regex::RegexBuilder::new(text)
            .size_limit(1 << 20)
            .build()
            .map_err(|_| {
                Stop::Error(format!(
                    "mawk: line 1: regular expression compile failed (missing operand)\n{text}\n"
                ))
            })?;
        if self.regexes.len() < 256 {
            self.regexes.insert(text.to_owned(), re.clone());
        }
        Ok(re)
    }

    fn frame_local(&self, name: &str) -> Option<&Local> {
        self.frames.last().and_then(|f| f.get(name))
    }

    /// The name of the global array `name` refers to here, or `None` for a local array.
    fn array_name(&self, name: &str) -> Option<String> {
        match self.frame_local(name) {
            Some(Local::GlobalArray(g)) => Some(g.clone()),
            Some(_) => None,
            None => Some(name.to_owned()),
        }
    }

    /// The array `name` refers to, created when missing.
    pub(super) fn array_mut(&mut self, name: &str) -> &mut Array {
        match self.array_name(name) {
            Some(global) => self.arrays.entry(global).or_default(),
            None => {
                let frame = self.frames.last_mut().expect("a local implies a frame");
                let local = frame
                    .entry(name.to_owned())
                    .or_insert(Local::Array(Array::new()));
                if !matches!(local, Local::Array(_)) {
                    *local = Local::Array(Array::new());
                }
                match local {
                    Local::Array(a) => a,
                    _ => unreachable!("just made an array"),
                }
            }
        }
    }

    /// Stores `value` under `key` in array `name`, within the element cap.
    pub(super) fn array_set(&mut self, name: &str, key: String, value: Value) -> Result<(), Stop> {
        let array = self.array_mut(name);
        if array.len() >= MAX_ELEMENTS && !array.contains_key(&key) {
            return Err(Stop::Budget);
        }
        array.insert(key, value);
        Ok(())
    }

    fn get_var(&self, name: &str) -> Value {
        if let Some(Local::Scalar(v)) = self.frame_local(name) {
            return v.clone();
        }
        match name {
            "NF" => Value::Num(self.fields.len() as f64),
            "NR" => Value::Num(self.nr),
            "FNR" => Value::Num(self.fnr),
            _ => self.vars.get(name).cloned().unwrap_or(Value::Uninit),
        }
    }

    pub(super) fn set_var(&mut self, name: &str, value: Value) {
        if let Some(frame) = self.frames.last_mut()
            && let Some(local) = frame.get_mut(name)
        {
            *local = Local::Scalar(value);
            return;
        }
        match name {
            "NF" => {
                let n = value.num().clamp(0.0, 10_000.0) as usize;
                self.fields.resize(n, String::new());
                self.rebuild();
            }
            "NR" => self.nr = value.num(),
            "FNR" => self.fnr = value.num(),
            _ => {
                self.vars.insert(name.to_owned(), value);
            }
        }
    }

    fn field(&self, index: f64) -> Result<Value, Stop> {
        if index < 0.0 {
            return Err(Stop::Error(format!(
                "mawk: run time error: negative field index ${}\n",
                index as i64
            )));
        }
        let i = index as usize;
        Ok(if i == 0 {
            Value::StrNum(self.record.clone())
        } else {
            self.fields
                .get(i - 1)
                .map_or(Value::Uninit, |f| Value::StrNum(f.clone()))
        })
    }

    fn set_field(&mut self, index: f64, text: String) -> Result<(), Stop> {
        if !(0.0..=10_000.0).contains(&index) {
            return Err(Stop::Error(format!(
                "mawk: program limit exceeded: maximum number of fields size=32767\n\tFILENAME=\"{}\" FNR={} NR={}\n",
                self.var_text("FILENAME"),
                self.fnr,
                self.nr
            )));
        }
        let i = index as usize;
        if i == 0 {
            self.set_record(&text);
        } else {
            if self.fields.len() < i {
                self.fields.resize(i, String::new());
            }
            self.fields[i - 1] = text;
            self.rebuild();
        }
        Ok(())
    }

    /// The array subscript for an index list (joined with `SUBSEP`).
    pub(super) fn subscript(&mut self, index: &[Expr]) -> Result<String, Stop> {
        let mut parts = Vec::new();
        for e in index {
            let v = self.eval(e)?;
            parts.push(v.text(&self.convfmt()));
        }
        Ok(parts.join(&self.var_text("SUBSEP")))
    }

    /// Assigns to an lvalue expression.
    pub(super) fn assign(&mut self, target: &Expr, value: Value) -> Result<(), Stop> {
        match target {
            Expr::Var(name) => self.set_var(name, value),
            Expr::Field(index) => {
                let i = self.eval(index)?.num();
                let text = value.text(&self.convfmt());
                self.set_field(i, text)?;
            }
            Expr::Index(name, index) => {
                let key = self.subscript(index)?;
                self.array_set(name, key, value)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Evaluates an expression.
    pub(super) fn eval(&mut self, expr: &Expr) -> Result<Value, Stop> {
        self.tick()?;
        Ok(match expr {
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Regex(r) => {
                let re = self.regex(r)?;
                Value::Num(f64::from(u8::from(re.is_match(&self.record))))
            }
            Expr::Var(name) => self.get_var(name),
            Expr::Field(index) => {
                let i = self.eval(index)?.num();
                self.field(i)?
            }
            Expr::Index(name, index) => {
                let key = self.subscript(index)?;
                let array = self.array_mut(name);
                match array.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        self.array_set(name, key, Value::Uninit)?;
                        Value::Uninit
                    }
                }
            }
            Expr::Assign(op, target, value) => {
                let right = self.eval(value)?;
                let result = match op {
                    None => right,
                    Some(op) => {
                        let left = self.eval(target)?.num();
                        Value::Num(arith(op, left, right.num())?)
                    }
                };
                let result = match result {
                    Value::StrNum(s) | Value::Str(s) if s.len() > MAX_STRING => {
                        return Err(Stop::Budget);
                    }
                    other => other,
                };
                self.assign(target, result.clone())?;
                result
            }
            Expr::Cond(c, a, b) => {
                if self.eval(c)?.truth() {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Expr::And(a, b) => bool_value(self.eval(a)?.truth() && self.eval(b)?.truth()),
            Expr::Or(a, b) => bool_value(self.eval(a)?.truth() || self.eval(b)?.truth()),
            Expr::Not(a) => bool_value(!self.eval(a)?.truth()),
            Expr::Neg(a) => Value::Num(-self.eval(a)?.num()),
            Expr::Plus(a) => Value::Num(self.eval(a)?.num()),
            Expr::Arith(op, a, b) => {
                let x = self.eval(a)?.num();
                let y = self.eval(b)?.num();
                Value::Num(arith(op, x, y)?)
            }
            Expr::Cmp(op, a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                let ord = compare(&x, &y, &self.convfmt());
                use std::cmp::Ordering::*;
                bool_value(match *op {
                    "<" => ord == Less,
                    "<=" => ord != Greater,
                    "==" => ord == Equal,
                    "!=" => ord != Equal,
                    ">=" => ord != Less,
                    _ => ord == Greater,
                })
            }
            Expr::Match(negate, a, b) => {
                let text = self.eval(a)?.text(&self.convfmt());
                let re = self.pattern_of(b)?;
                bool_value(re.is_match(&text) != *negate)
            }
            Expr::Concat(a, b) => {
                let mut s = self.eval(a)?.text(&self.convfmt());
                s.push_str(&self.eval(b)?.text(&self.convfmt()));
                if s.len() > MAX_STRING {
                    return Err(Stop::Budget);
                }
                Value::Str(s)
            }
            Expr::In(index, name) => {
                let key = self.subscript(index)?;
                bool_value(self.array_mut(name).contains_key(&key))
            }
            Expr::IncDec(pre, step, target) => {
                let old = self.eval(target)?.num();
                self.assign(target, Value::Num(old + step))?;
                Value::Num(if *pre { old + step } else { old })
            }
            Expr::Builtin(name, args) => builtins::call(self, name, args)?,
            Expr::Call(name, args) => self.call(name, args)?,
        })
    }

    /// The regex a `~` right side stands for: a literal, or a string's text.
    pub(super) fn pattern_of(&mut self, expr: &Expr) -> Result<regex::Regex, Stop> {
        match expr {
            Expr::Regex(r) => self.regex(r),
            other => {
                let text = self.eval(other)?.text(&self.convfmt());
                self.regex(&text)
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> Result<Value, Stop> {
        let Some(function): Option<&Function> = self.prog.functions.get(name) else {
            return Err(Stop::Error(format!(
                "mawk: line 1: function {name} never defined\n"
            )));
        };
        if self.frames.len() >= MAX_CALL_DEPTH {
            return Err(Stop::Budget);
        }
        let mut frame = HashMap::new();
        for (i, param) in function.params.iter().enumerate() {
            let local = match args.get(i) {
                Some(Expr::Var(v)) if self.is_array(v) => match self.array_name(v) {
                    Some(global) => Local::GlobalArray(global),
                    None => match self.frame_local(v) {
                        Some(l) => l.clone(),
                        None => Local::Scalar(Value::Uninit),
                    },
                },
                Some(arg) => Local::Scalar(self.eval(arg)?),
                None => Local::Scalar(Value::Uninit),
            };
            frame.insert(param.clone(), local);
        }
        self.frames.push(frame);
        let result = self.block(&function.body);
        self.frames.pop();
        match result? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::Uninit),
        }
    }

    fn is_array(&self, name: &str) -> bool {
        match self.frame_local(name) {
            Some(Local::Array(_) | Local::GlobalArray(_)) => true,
            Some(Local::Scalar(_)) => false,
            None => self.arrays.contains_key(name),
        }
    }
}

fn bool_value(b: bool) -> Value {
    Value::Num(f64::from(u8::from(b)))
}

/// `+ - * / % ^` in IEEE arithmetic, as mawk does them (`1/0` is `inf`, `5%0` is `-nan`:
/// x86's default NaN has the sign bit set).
fn arith(op: &str, x: f64, y: f64) -> Result<f64, Stop> {
    let r = match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" => x / y,
        "%" => x % y,
        _ => x.powf(y),
    };
    // A NaN operand propagates as it is; only invalid operations make the default NaN.
    Ok(if r.is_nan() && !x.is_nan() && !y.is_nan() {
        -f64::NAN
    } else {
        r
    })
}
