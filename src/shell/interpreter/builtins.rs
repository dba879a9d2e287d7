//! The builtins that reach into the interpreter itself: `break`, `continue`, `return`,
//! `shift`, `local`, `eval`, `alias`, `unalias`, `unset`, `type`, `command`, `exec`, and the
//! order bash looks a name up in (functions, then builtins, then `$PATH`).

use super::exec::{Exec, Flow, OpenFile, Sink};
use super::lookup::{self, Target};
use super::options::SetArg;
use crate::shell::commands::Stream;
use crate::shell::parser;
use crate::shell::state::ShellState;

/// Output of a builtin: chunks, status and flow.
struct Reply {
    chunks: Vec<(Stream, Vec<u8>)>,
    status: i32,
    flow: Flow,
}

impl Reply {
    fn new() -> Reply {
        Reply {
            chunks: Vec::new(),
            status: 0,
            flow: Flow::Next,
        }
    }

    fn out(&mut self, text: &str) {
        self.chunks.push((Stream::Out, text.as_bytes().to_vec()));
    }

    fn err(&mut self, text: &str) {
        self.chunks.push((Stream::Err, text.as_bytes().to_vec()));
    }
}

/// Quotes `value` as bash's `alias` listing does: `'…'` with `'\''` for quotes.
pub(super) fn single_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

impl Exec<'_> {
    /// Runs `argv`: a function, an interpreter builtin, or whatever [`Exec::dispatch`] finds.
    pub(super) fn invoke(
        &mut self,
        state: &mut ShellState,
        argv: &[String],
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        if let Some(result) = self.call_function(state, argv, input, fds, pipe, files) {
            return result;
        }
        let name = argv.first().map(String::as_str).unwrap_or("");
        if name == "eval" {
            let text = argv[1..].join(" ");
            return self.eval(state, &text, input, fds, pipe, files);
        }
        if name == "exec" && argv.len() > 1 {
            let (status, flow) = self.invoke(state, &argv[1..], input, fds, pipe, files);
            return match flow {
                Flow::Exit(code) => (code, Flow::Exit(code)),
                _ => (status, Flow::Exit(status)),
            };
        }
        if name == "command" && argv.len() > 1 && !argv[1].starts_with('-') {
            return self.dispatch(state, &argv[1..], input, fds, pipe, files);
        }
        let Some(reply) = self.builtin(state, argv) else {
            return self.dispatch(state, argv, input, fds, pipe, files);
        };
        self.route(reply.chunks, fds, pipe, files);
        (reply.status, reply.flow)
    }

    /// `eval text`: parses and runs `text` here.
    fn eval(
        &mut self,
        state: &mut ShellState,
        text: &str,
        input: &[u8],
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        if self.funcs >= super::compound::MAX_FUNC_NESTING {
            return (1, Flow::Abort);
        }
        match &*parser::parse_shared(text) {
            Ok(list) => {
                state.last_status = 0;
                let flow = self.nested_run(state, fds, pipe, files, |inner, state| {
                    inner.funcs += 1;
                    inner.list(state, list, input)
                });
                (state.last_status, flow)
            }
            Err(err) => {
                let message = err.message();
                let message = message.strip_prefix("-bash: ").unwrap_or(&message);
                let message = format!("{}eval: line 1: {message}", self.prefix());
                self.route(vec![(Stream::Err, message.into_bytes())], fds, pipe, files);
                (2, Flow::Next)
            }
        }
    }

    /// The interpreter builtins; `None` for any other name.
    fn builtin(&mut self, state: &mut ShellState, argv: &[String]) -> Option<Reply> {
        let name = argv.first()?.as_str();
        let args = &argv[1..];
        let mut r = Reply::new();
        let prefix = self.prefix();
        match name {
            ":" => {}
            "break" | "continue" => {
                let n = match args.first().map(|a| a.parse::<i64>()) {
                    None => 1,
                    Some(Ok(n)) if n >= 1 => n,
                    Some(Ok(n)) => {
                        r.err(&format!("{prefix}{name}: {n}: loop count out of range\n"));
                        r.status = 1;
                        r.flow = Flow::Break(usize::MAX);
                        return Some(r);
                    }
                    Some(Err(_)) => {
                        let arg = &args[0];
                        r.err(&format!(
                            "{prefix}{name}: {arg}: numeric argument required\n"
                        ));
                        r.status = 128;
                        r.flow = Flow::Break(usize::MAX);
                        return Some(r);
                    }
                };
                if self.loops == 0 {
                    r.err(&format!(
                        "{prefix}{name}: only meaningful in a `for', `while', or `until' loop\n"
                    ));
                    return Some(r);
                }
                let n = usize::try_from(n).unwrap_or(usize::MAX).min(self.loops);
                r.flow = if name == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                };
            }
            "return" => {
                let in_source = self.script.as_ref().is_some_and(|s| s.sourced);
                if self.funcs == 0 && !in_source {
                    r.err(&format!(
                        "{prefix}return: can only `return' from a function or sourced script\n"
                    ));
                    r.status = 2;
                    return Some(r);
                }
                let code = match args.first() {
                    None => state.last_status,
                    Some(arg) => match arg.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            r.err(&format!(
                                "{prefix}return: {arg}: numeric argument required\n"
                            ));
                            2
                        }
                    },
                };
                r.status = code;
                r.flow = Flow::Return(code);
            }
            "help" | "enable" | "fc" => {
                let said = match name {
                    "help" => super::help::help(args, &self.host.machine),
                    "enable" => super::help::enable(args, super::lookup::BUILTINS),
                    _ => super::help::fc(state, args),
                };
                r.out(&said.out);
                r.err(&said.err.replacen("-bash: ", &prefix, 1));
                r.status = said.status;
            }
            "fg" | "bg" | "disown" | "wait" | "suspend" | "times" | "caller" => {
                let interactive = self.script.is_none();
                let (out, err, status) =
                    super::jobs::job_builtin(name, args, interactive).unwrap_or_default();
                r.out(&out);
                r.err(&err.replacen("-bash: ", &prefix, 1));
                r.status = status;
            }
            "jobs" => {
                // Emulated jobs never run on: `jobs` reports (and forgets) finished ones.
                let total = state.jobs_done.len();
                r.out(&super::jobs::done_notices(&state.jobs_done, total));
                state.jobs_done.clear();
            }
            "shift" => {
                let n = match args.first().map(|a| a.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        let arg = &args[0];
                        r.err(&format!(
                            "{prefix}shift: {arg}: numeric argument required\n"
                        ));
                        r.status = 1;
                        return Some(r);
                    }
                };
                let mut positional = self.positional_args();
                if n > positional.len() {
                    r.status = 1;
                    return Some(r);
                }
                positional.drain(..n);
                match (&mut self.positional, &mut self.script) {
                    (Some(args), _) => *args = positional,
                    (None, Some(script)) => script.args = positional,
                    (None, None) => {}
                }
            }
            "local" => {
                if self.funcs == 0 {
                    r.err(&format!("{prefix}local: can only be used in a function\n"));
                    r.status = 1;
                    return Some(r);
                }
                for arg in args {
                    let (var, value) = match arg.split_once('=') {
                        Some((var, value)) => (var, Some(value)),
                        None => (arg.as_str(), None),
                    };
                    if !parser::is_name(var) {
                        r.err(&format!("{prefix}local: `{arg}': not a valid identifier\n"));
                        r.status = 1;
                        continue;
                    }
                    if let Some(frame) = &self.frame {
                        let mut frame = frame.borrow_mut();
                        if !frame.iter().any(|(name, _, _)| name == var) {
                            frame.push((
                                var.to_owned(),
                                state.vars.get(var).cloned(),
                                state.env.get(var).cloned(),
                            ));
                        }
                    }
                    let value = value.unwrap_or("").to_owned();
                    if state.can_hold(var, &value) {
                        state.set_var(var, value);
                    }
                }
            }
            "alias" => self.alias(state, args, &mut r),
            "unalias" => {
                if args.is_empty() {
                    r.err("unalias: usage: unalias [-a] name [name ...]\n");
                    r.status = 2;
                }
                for arg in args {
                    if arg == "-a" {
                        state.aliases.clear();
                    } else if state.aliases.remove(arg).is_none() {
                        r.err(&format!("{prefix}unalias: {arg}: not found\n"));
                        r.status = 1;
                    }
                }
            }
            "unset" => {
                let mut functions = false;
                let mut variables = false;
                for arg in args {
                    match arg.as_str() {
                        "-f" => functions = true,
                        "-v" => variables = true,
                        _ if functions && !variables => {
                            state.functions.remove(arg);
                        }
                        _ if !parser::is_name(arg) => {
                            r.err(&format!("{prefix}unset: `{arg}': not a valid identifier\n"));
                            r.status = 1;
                        }
                        _ => {
                            if state.var(arg).is_some() || variables {
                                state.unset_var(arg);
                            } else {
                                state.functions.remove(arg);
                            }
                        }
                    }
                }
            }
            "set" => self.set_builtin(state, args, &mut r),
            "type" => self.type_builtin(state, args, &mut r),
            "command" => {
                let verbose = args.first().is_some_and(|a| a == "-V");
                let brief = args.first().is_some_and(|a| a == "-v");
                if !verbose && !brief {
                    return None;
                }
                r.status = 0;
                for arg in &args[1..] {
                    let ok = if verbose {
                        self.describe(state, arg, &mut r, false)
                    } else {
                        self.describe_brief(state, arg, &mut r)
                    };
                    if !ok {
                        r.status = 1;
                        if verbose {
                            r.err(&format!("{prefix}command: {arg}: not found\n"));
                        }
                    }
                }
            }
            _ => return None,
        }
        Some(r)
    }

    /// `set`: lists variables alone; accepts options (`-e`, `-x`, `-o name`); `set -- args`
    /// (or any operands) replaces the positional parameters.
    fn set_builtin(&mut self, state: &mut ShellState, args: &[String], r: &mut Reply) {
        if args.is_empty() {
            let mut all: Vec<(&String, &String)> =
                state.env.iter().chain(state.vars.iter()).collect();
            all.sort();
            for (name, value) in all {
                let plain = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_./:,=@%+-".contains(c));
                let value = if plain {
                    value.clone()
                } else {
                    single_quote(value)
                };
                r.out(&format!("{name}={value}\n"));
            }
            return;
        }
        let mut operands: Option<Vec<String>> = None;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if let Some(list) = operands.as_mut() {
                list.push(arg.clone());
            } else if arg == "--" {
                operands = Some(Vec::new());
            } else if arg.starts_with(['-', '+']) && arg.len() > 1 {
                let name = if &arg[1..] == "o" {
                    iter.next().map(String::as_str)
                } else {
                    None
                };
                let prefix = self.prefix();
                match self.set_flags(state, arg, name) {
                    SetArg::Done => {}
                    SetArg::List { commands } => r.out(&self.option_listing(state, commands)),
                    SetArg::BadFlag(c) => {
                        let sign = &arg[..1];
                        r.err(&format!("{prefix}set: {sign}{c}: invalid option\n"));
                        r.err("set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n");
                        r.status = 2;
                        return;
                    }
                    SetArg::BadName(name) => {
                        r.err(&format!("{prefix}set: {name}: invalid option name\n"));
                        r.status = 2;
                        return;
                    }
                }
            } else {
                operands = Some(vec![arg.clone()]);
            }
        }
        if let Some(list) = operands {
            match (&mut self.positional, &mut self.script) {
                (Some(args), _) => *args = list,
                (None, Some(script)) => script.args = list,
                (None, None) => self.positional = Some(list),
            }
        }
    }

    /// `alias`, `alias name`, `alias name=value`.
    fn alias(&mut self, state: &mut ShellState, args: &[String], r: &mut Reply) {
        let prefix = self.prefix();
        let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
        if args.is_empty() {
            for (name, value) in &state.aliases {
                r.out(&format!("alias {name}={}\n", single_quote(value)));
            }
            return;
        }
        for arg in args {
            match arg.split_once('=') {
                Some((name, value)) => {
                    if name.is_empty() || name.contains(['/', '$', '`', '=', ' ', '\'', '"']) {
                        r.err(&format!("{prefix}alias: `{name}': invalid alias name\n"));
                        r.status = 1;
                    } else if state.can_hold(name, value) {
                        state.aliases.insert(name.to_owned(), value.to_owned());
                    }
                }
                None => match state.aliases.get(arg.as_str()) {
                    Some(value) => r.out(&format!("alias {arg}={}\n", single_quote(value))),
                    None => {
                        r.err(&format!("{prefix}alias: {arg}: not found\n"));
                        r.status = 1;
                    }
                },
            }
        }
    }

    /// `type name…` (`-t` for the kind only).
    fn type_builtin(&mut self, state: &mut ShellState, args: &[String], r: &mut Reply) {
        let prefix = self.prefix();
        let kind_only = args.iter().any(|a| a == "-t");
        for arg in args.iter().filter(|a| !a.starts_with('-')) {
            if !self.describe(state, arg, r, kind_only) {
                if !kind_only {
                    r.err(&format!("{prefix}type: {arg}: not found\n"));
                }
                r.status = 1;
            }
        }
    }

    /// What `name` is, bash's way: `ls is aliased to `ls --color=auto'`, `cd is a shell
    /// builtin`, `ls is /usr/bin/ls`; `false` if it is nothing.
    fn describe(&mut self, state: &ShellState, name: &str, r: &mut Reply, kind_only: bool) -> bool {
        const KEYWORDS: &[&str] = &[
            "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until",
            "do", "done", "in", "function", "time", "{", "}", "!", "[[", "]]", "coproc",
        ];
        let (kind, text) = if let Some(value) = self.alias_for(state, name) {
            ("alias", format!("{name} is aliased to `{value}'\n"))
        } else if KEYWORDS.contains(&name) {
            ("keyword", format!("{name} is a shell keyword\n"))
        } else if let Some(source) = state.functions.get(name) {
            ("function", format!("{name} is a function\n{source}\n"))
        } else if lookup::is_builtin(name) {
            ("builtin", format!("{name} is a shell builtin\n"))
        } else {
            match self.path_of(state, name) {
                Some(path) => ("file", format!("{name} is {path}\n")),
                None => return false,
            }
        };
        if kind_only {
            r.out(&format!("{kind}\n"));
        } else {
            r.out(&text);
        }
        true
    }

    /// `command -v name`: the alias definition, the name, or the path.
    fn describe_brief(&mut self, state: &ShellState, name: &str, r: &mut Reply) -> bool {
        if let Some(value) = self.alias_for(state, name) {
            r.out(&format!("alias {name}={}\n", single_quote(&value)));
        } else if state.functions.contains_key(name) || lookup::is_builtin(name) {
            r.out(&format!("{name}\n"));
        } else {
            match self.path_of(state, name) {
                Some(path) => r.out(&format!("{path}\n")),
                None => return false,
            }
        }
        true
    }

    /// The alias `name` expands to, in an interactive shell (scripts expand none).
    pub(super) fn alias_for(&self, state: &ShellState, name: &str) -> Option<String> {
        if self.script.is_some() || self.no_aliases {
            return None;
        }
        state.aliases.get(name).cloned()
    }

    /// Where `$PATH` finds `name` (or `name` itself, with a slash, if it can run).
    fn path_of(&mut self, state: &ShellState, name: &str) -> Option<String> {
        let path_var = state.var("PATH").unwrap_or("").to_owned();
        let fs = self.fs_handle(state);
        if name.contains('/') {
            return match lookup::resolve(&fs, name, &path_var) {
                Target::NotFound | Target::IsDir | Target::Denied => None,
                _ => Some(name.to_owned()),
            };
        }
        for dir in path_var.split(':').filter(|d| !d.is_empty()) {
            let candidate = format!("{}/{name}", dir.trim_end_matches('/'));
            if fs.stat(&candidate).is_ok_and(|s| !s.is_dir()) {
                return Some(candidate);
            }
        }
        None
    }
}

/// What an alias turned a command into.
pub(super) enum Aliased {
    /// A simple command (the usual `ls --color=auto`).
    Simple(crate::shell::parser::SimpleCommand),
    /// Anything else (`alias x='cd /; ls'`): the text to run instead.
    Text(String),
}

impl Exec<'_> {
    /// Expands aliases in the first word of `cmd` (interactive shells only), as bash does
    /// before parsing: recursively, but never the same alias twice.
    pub(super) fn expand_alias(
        &self,
        state: &ShellState,
        cmd: &crate::shell::parser::SimpleCommand,
    ) -> Option<Aliased> {
        use crate::shell::parser::{Command, Part, SimpleCommand};
        if self.funcs >= super::compound::MAX_FUNC_NESTING {
            return None;
        }
        let mut current: SimpleCommand = cmd.clone();
        let mut seen: Vec<String> = Vec::new();
        while seen.len() < 16 {
            let Some(Part::Lit {
                text,
                quoted: false,
            }) = current
                .words
                .first()
                .and_then(|w| match w.parts.as_slice() {
                    [part] => Some(part),
                    _ => None,
                })
            else {
                break;
            };
            if seen.contains(text) {
                break;
            }
            let Some(value) = self.alias_for(state, text) else {
                break;
            };
            seen.push(text.clone());
            let rest = current.words[1..].to_vec();
            let simple = parser::parse(&value).ok().and_then(|list| {
                let [(_, pipeline)] = list.items.as_slice() else {
                    return None;
                };
                match pipeline.commands.as_slice() {
                    [Command::Simple(simple)] if !pipeline.negate => Some(simple.clone()),
                    _ => None,
                }
            });
            match simple {
                Some(simple) if !simple.words.is_empty() => {
                    let mut assignments = current.assignments.clone();
                    assignments.extend(simple.assignments);
                    let mut redirects = simple.redirects;
                    redirects.extend(current.redirects.iter().cloned());
                    let mut words = simple.words;
                    words.extend(rest);
                    current = SimpleCommand {
                        assignments,
                        words,
                        redirects,
                    };
                }
                _ => {
                    let mut text = value;
                    for word in &rest {
                        text.push(' ');
                        text.push_str(&word.raw);
                    }
                    return Some(Aliased::Text(text));
                }
            }
        }
        if seen.is_empty() {
            return None;
        }
        if let Some(word) = current.words.first_mut() {
            for part in &mut word.parts {
                if let Part::Lit { quoted, .. } = part {
                    *quoted = true;
                }
            }
        }
        Some(Aliased::Simple(current))
    }
}
