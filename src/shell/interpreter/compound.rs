//! Compound commands (`if`, `for`, `while`/`until`, `case`, `{ … }`) and shell functions:
//! defining and calling them, with the line's step budget and a nesting limit so that no
//! loop or recursion outlives the line.

use std::rc::Rc;

use super::exec::{Exec, Flow, OpenFile, Sink};
use crate::shell::commands::Stream;
use crate::shell::parser::{self, CaseEnd, Command, Compound, Redirect};
use crate::shell::state::ShellState;

/// How deep function calls may nest. Bash has no default limit (it crashes); `FUNCNEST`
/// gives this message, which is what a runaway recursion shows here.
pub(super) const MAX_FUNC_NESTING: usize = 64;

/// What bash prints when the line runs out of its step budget.
const OUT_OF_STEPS: &str = "-bash: fork: retry: Resource temporarily unavailable\n";

impl Exec<'_> {
    /// Spends one step of the line's budget; `false` (after one error for the line) when it
    /// is spent.
    pub(super) fn step(&mut self) -> bool {
        let left = self.budget.steps.get();
        if left == 0 {
            return false;
        }
        self.budget.steps.set(left - 1);
        if left == 1 {
            self.error(OUT_OF_STEPS);
            return false;
        }
        true
    }

    /// Runs a compound command with its redirections.
    pub(super) fn compound(
        &mut self,
        state: &mut ShellState,
        compound: &Compound,
        redirects: &[Redirect],
        stdin: &[u8],
        stdout: Sink,
        pipe: &mut Vec<u8>,
    ) -> (i32, Flow) {
        let mut fds = [stdout, Sink::Term(Stream::Err)];
        let mut input = stdin.to_vec();
        let mut files = Vec::new();
        if let Err(status) = self.redirect(state, redirects, &mut fds, &mut input, &mut files) {
            return (status, Flow::Next);
        }
        let flow = self.nested_run(state, fds, pipe, &mut files, |inner, state| {
            inner.run_compound(state, compound, &input)
        });
        let status = self.flush(state, "{", files, state.last_status);
        (status, flow)
    }

    /// Runs `f` in a nested run whose output goes where `fds` point.
    pub(super) fn nested_run(
        &mut self,
        state: &mut ShellState,
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
        f: impl FnOnce(&mut Exec<'_>, &mut ShellState) -> Flow,
    ) -> Flow {
        let terminal = self.tty_of(fds[0]);
        let (flow, output, mut unknown) = {
            let mut inner = self.nested(terminal);
            let flow = f(&mut inner, state);
            (flow, inner.output, inner.unknown)
        };
        self.unknown.append(&mut unknown);
        self.route(output, fds, pipe, files);
        flow
    }

    fn run_compound(&mut self, state: &mut ShellState, compound: &Compound, input: &[u8]) -> Flow {
        match compound {
            Compound::Group(body) => self.list(state, body, input),
            Compound::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    let flow = self.condition(state, cond, input);
                    if flow != Flow::Next {
                        return flow;
                    }
                    if state.last_status == 0 {
                        return self.list(state, body, input);
                    }
                }
                match otherwise {
                    Some(body) => self.list(state, body, input),
                    None => {
                        state.last_status = 0;
                        Flow::Next
                    }
                }
            }
            Compound::While { until, cond, body } => {
                self.loops += 1;
                let flow = self.while_loop(state, *until, cond, body, input);
                self.loops -= 1;
                flow
            }
            Compound::For { var, words, body } => {
                let Some(items) = self.loop_items(state, words.as_deref()) else {
                    return Flow::Abort;
                };
                let header = match words {
                    Some(words) => {
                        let raw: Vec<&str> = words.iter().map(|w| w.raw.as_str()).collect();
                        format!("for {var} in {}", raw.join(" "))
                    }
                    None => format!("for {var} in \"$@\""),
                };
                self.loops += 1;
                let flow = self.for_loop(state, var, &items, body, input, &header);
                self.loops -= 1;
                flow
            }
            Compound::Case { word, arms } => self.case(state, word, arms, input),
            Compound::Select { var, words, body } => {
                let Some(items) = self.loop_items(state, words.as_deref()) else {
                    return Flow::Abort;
                };
                self.loops += 1;
                let flow = self.select(state, var, &items, body, input);
                self.loops -= 1;
                flow
            }
            Compound::Cond(expr) => self.run_cond(state, expr),
            Compound::Arith(parts) => self.run_arith(state, parts),
            Compound::ArithFor { exprs, body } => self.run_arith_for(state, exprs, body, input),
        }
    }

    /// Runs the condition of an `if`, `while` or `until`: `set -e` does not apply inside it.
    fn condition(&mut self, state: &mut ShellState, cond: &parser::List, input: &[u8]) -> Flow {
        self.no_errexit += 1;
        let flow = self.list(state, cond, input);
        self.no_errexit -= 1;
        flow
    }

    /// The words a `for` or `select` loops over, expanded (`None`: `"$@"`); `None` after an
    /// expansion error, which ends the line.
    fn loop_items(
        &mut self,
        state: &mut ShellState,
        words: Option<&[parser::Word]>,
    ) -> Option<Vec<String>> {
        let Some(words) = words else {
            return Some(self.positional_args());
        };
        let mut items = Vec::new();
        for word in words {
            for parts in super::brace::brace_expand(&word.parts) {
                match self.expand_words(state, &parts) {
                    Ok(fields) => items.extend(fields),
                    Err(message) => {
                        self.error(&message);
                        state.last_status = 1;
                        return None;
                    }
                }
            }
        }
        Some(items)
    }

    /// The positional parameters in effect (`"$@"`).
    pub(super) fn positional_args(&self) -> Vec<String> {
        match &self.positional {
            Some(args) => args.clone(),
            None => self.script.as_ref().map_or(Vec::new(), |s| s.args.clone()),
        }
    }

    fn while_loop(
        &mut self,
        state: &mut ShellState,
        until: bool,
        cond: &parser::List,
        body: &parser::List,
        input: &[u8],
    ) -> Flow {
        let mut status = 0;
        // `while read line`: each `read` takes the next line of the loop's input.
        let reads = cond.items.first().is_some_and(|(_, p)| {
            matches!(p.commands.first(), Some(Command::Simple(c))
                if c.words.first().is_some_and(|w| w.raw == "read"))
        });
        let mut input = input;
        loop {
            if !self.step() {
                return Flow::Abort;
            }
            let flow = self.condition(state, cond, input);
            if reads {
                input = match input.iter().position(|&b| b == b'\n') {
                    Some(end) => &input[end + 1..],
                    None => &[],
                };
            }
            if flow != Flow::Next {
                return flow;
            }
            if (state.last_status == 0) == until {
                break;
            }
            let flow = self.list(state, body, input);
            status = state.last_status;
            match loop_control(flow) {
                Some(Flow::Break(0)) => break,
                Some(flow) => return flow,
                None => {}
            }
        }
        state.last_status = status;
        Flow::Next
    }

    fn for_loop(
        &mut self,
        state: &mut ShellState,
        var: &str,
        items: &[String],
        body: &parser::List,
        input: &[u8],
        header: &str,
    ) -> Flow {
        let mut status = 0;
        for item in items {
            if !self.step() {
                return Flow::Abort;
            }
            if self.xtrace(state) {
                self.trace_line(state, header);
            }
            if !state.can_hold(var, item) {
                self.error(&super::expand::too_large(item.len()));
                return Flow::Abort;
            }
            state.set_var(var, item.clone());
            let flow = self.list(state, body, input);
            status = state.last_status;
            match loop_control(flow) {
                Some(Flow::Break(0)) => break,
                Some(flow) => return flow,
                None => {}
            }
        }
        state.last_status = status;
        Flow::Next
    }

    fn case(
        &mut self,
        state: &mut ShellState,
        word: &parser::Word,
        arms: &[parser::CaseArm],
        input: &[u8],
    ) -> Flow {
        let subject = match self.expand_single(state, &word.parts) {
            Ok(subject) => subject,
            Err(message) => {
                self.error(&message);
                state.last_status = 1;
                return Flow::Abort;
            }
        };
        if self.xtrace(state) {
            self.trace_line(state, &format!("case {} in", word.raw));
        }
        state.last_status = 0;
        let mut fall = false;
        for arm in arms {
            if !fall {
                let mut hit = false;
                for pattern in &arm.patterns {
                    let fields = match self.expand_patterns(state, &pattern.parts) {
                        Ok(fields) => fields,
                        Err(message) => {
                            self.error(&message);
                            return Flow::Abort;
                        }
                    };
                    hit = match fields.as_slice() {
                        [field] => match &field.pattern {
                            Some(p) => crate::shell::pattern::glob_match(p, &subject),
                            None => field.text == subject,
                        },
                        fields => {
                            let text: Vec<&str> = fields.iter().map(|f| f.text.as_str()).collect();
                            text.join(" ") == subject
                        }
                    };
                    if hit {
                        break;
                    }
                }
                if !hit {
                    continue;
                }
            }
            let flow = self.list(state, &arm.body, input);
            if flow != Flow::Next {
                return flow;
            }
            match arm.end {
                CaseEnd::Break => return Flow::Next,
                CaseEnd::FallThrough => fall = true,
                CaseEnd::Continue => fall = false,
            }
        }
        Flow::Next
    }

    /// `name() body`: stores the definition (status 0).
    pub(super) fn define(
        &mut self,
        state: &mut ShellState,
        name: &str,
        source: &str,
    ) -> (i32, Flow) {
        if !state.can_hold(name, source) {
            self.error(&super::expand::too_large(source.len()));
            return (1, Flow::Next);
        }
        state.functions.insert(name.to_owned(), source.to_owned());
        (0, Flow::Next)
    }

    /// The parsed body of function `name`, if one is defined.
    fn function_body(&self, state: &ShellState, name: &str) -> Option<Rc<Command>> {
        let source = state.functions.get(name)?;
        if let Some(body) = self.budget.functions.borrow().get(source) {
            return Some(Rc::clone(body));
        }
        let list = parser::parse(source).ok()?;
        let (_, pipeline) = list.items.into_iter().next()?;
        let Command::Function { body, .. } = pipeline.commands.into_iter().next()? else {
            return None;
        };
        let body: Rc<Command> = Rc::from(body);
        self.budget
            .functions
            .borrow_mut()
            .insert(source.clone(), Rc::clone(&body));
        Some(body)
    }

    /// Calls function `argv[0]` if one is defined: `None` otherwise.
    pub(super) fn call_function(
        &mut self,
        state: &mut ShellState,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> Option<(i32, Flow)> {
        let name = argv.first()?;
        let body = self.function_body(state, name)?;
        if self.funcs >= MAX_FUNC_NESTING {
            let message = format!(
                "{}{name}: maximum function nesting level exceeded ({MAX_FUNC_NESTING})\n",
                self.prefix()
            );
            self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe, files);
            state.last_status = 1;
            return Some((1, Flow::Abort));
        }
        let args: Vec<String> = argv.iter().skip(1).cloned().collect();
        let frame = Rc::new(std::cell::RefCell::new(Vec::new()));
        let flow = self.nested_run(state, fds, pipe, files, |inner, state| {
            inner.positional = Some(args);
            inner.funcs += 1;
            inner.loops = 0;
            inner.frame = Some(Rc::clone(&frame));
            let (status, flow) = inner.command(
                state,
                &body,
                input,
                Sink::Term(Stream::Out),
                &mut Vec::new(),
            );
            state.last_status = status;
            flow
        });
        let status = state.last_status;
        for (var, value, exported) in frame.take().into_iter().rev() {
            state.unset_var(&var);
            if let Some(value) = value {
                state.vars.insert(var.clone(), value);
            }
            if let Some(value) = exported {
                state.env.insert(var, value);
            }
        }
        state.last_status = status;
        Some(match flow {
            Flow::Return(code) => (code, Flow::Next),
            Flow::Break(_) | Flow::Continue(_) | Flow::Next => (state.last_status, Flow::Next),
            Flow::Exit(code) => (code, Flow::Exit(code)),
            Flow::Abort => (state.last_status, Flow::Abort),
        })
    }
}

/// How a loop goes on after its body's flow: `None` to carry on, `Some(Break(0))` to leave
/// it, or the flow to hand to the enclosing command.
pub(super) fn loop_control(flow: Flow) -> Option<Flow> {
    match flow {
        Flow::Next | Flow::Continue(1) => None,
        Flow::Break(1) => Some(Flow::Break(0)),
        Flow::Break(n) => Some(Flow::Break(n - 1)),
        Flow::Continue(n) => Some(Flow::Continue(n.saturating_sub(1))),
        other => Some(other),
    }
}
