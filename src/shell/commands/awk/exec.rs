//! Runs awk statements: output, control flow, loops and deletion.

use super::ast::{Dest, Stmt};
use super::builtins;
use super::interp::{Flow, Interp, Stop};
use super::value::Value;

impl Interp<'_> {
    /// Runs statements in order.
    pub(super) fn block(&mut self, body: &[Stmt]) -> Result<Flow, Stop> {
        for stmt in body {
            match self.stmt(stmt)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<Flow, Stop> {
        self.tick()?;
        match stmt {
            Stmt::Print(args, dest) => {
                let mut line = if args.is_empty() {
                    self.record.clone()
                } else {
                    let mut parts = Vec::new();
                    for a in args {
                        let v = self.eval(a)?;
                        parts.push(self.output_text(&v));
                    }
                    parts.join(&self.var_text("OFS"))
                };
                line.push_str(&self.var_text("ORS"));
                self.emit(dest, line)?;
            }
            Stmt::Printf(args, dest) => {
                let mut values = Vec::new();
                for a in args {
                    values.push(self.eval(a)?);
                }
                let text = builtins::sprintf(self, &values);
                self.emit(dest, text)?;
            }
            Stmt::Expr(e) => {
                self.eval(e)?;
            }
            Stmt::If(cond, then, other) => {
                if self.eval(cond)?.truth() {
                    return self.stmt(then);
                } else if let Some(other) = other {
                    return self.stmt(other);
                }
            }
            Stmt::While(cond, body) => {
                while self.eval(cond)?.truth() {
                    match self.stmt(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        other => return Ok(other),
                    }
                }
            }
            Stmt::Do(body, cond) => loop {
                match self.stmt(body)? {
                    Flow::Break => break,
                    Flow::Normal | Flow::Continue => {}
                    other => return Ok(other),
                }
                if !self.eval(cond)?.truth() {
                    break;
                }
            },
            Stmt::For(init, cond, step, body) => {
                if let Some(init) = init {
                    self.stmt(init)?;
                }
                loop {
                    if let Some(cond) = cond
                        && !self.eval(cond)?.truth()
                    {
                        break;
                    }
                    match self.stmt(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        other => return Ok(other),
                    }
                    if let Some(step) = step {
                        self.stmt(step)?;
                    }
                    self.tick()?;
                }
            }
            Stmt::ForIn(var, array, body) => {
                let keys: Vec<String> = self.array_mut(array).keys().cloned().collect();
                for key in keys {
                    self.set_var(var, Value::StrNum(key));
                    match self.stmt(body)? {
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                        other => return Ok(other),
                    }
                }
            }
            Stmt::Block(body) => return self.block(body),
            Stmt::Next => return Ok(Flow::Next),
            Stmt::Break => return Ok(Flow::Break),
            Stmt::Continue => return Ok(Flow::Continue),
            Stmt::Exit(code) => {
                let status = match code {
                    Some(e) => self.eval(e)?.num() as i32,
                    None => 0,
                };
                return Err(Stop::Exit(status));
            }
            Stmt::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e)?,
                    None => Value::Uninit,
                };
                return Ok(Flow::Return(v));
            }
            Stmt::Delete(name, index) => match index {
                Some(index) => {
                    let key = self.subscript(index)?;
                    self.array_mut(name).remove(&key);
                }
                None => self.array_mut(name).clear(),
            },
        }
        Ok(Flow::Normal)
    }

    fn emit(&mut self, dest: &Dest, text: String) -> Result<(), Stop> {
        match dest {
            Dest::Stdout => self.out.push_str(&text),
            Dest::File(path, append) => {
                let path = self.eval(path)?.text(&self.convfmt());
                // The first write truncates (unless `>>`); later ones append, as an open file.
                match self.files.iter_mut().find(|(p, _, _)| *p == path) {
                    Some((_, _, data)) => data.push_str(&text),
                    None => self.files.push((path, *append, text)),
                }
                if self.files.iter().map(|(_, _, d)| d.len()).sum::<usize>() > self.room {
                    return Err(Stop::Budget);
                }
            }
            // Commands are never run for real: what a pipe would get is dropped.
            Dest::Pipe(command) => {
                self.eval(command)?;
            }
        }
        Ok(())
    }
}
