//! Background jobs (`cmd &`): bash's `[1] 12345` notice, `$!`, and the `[1]+  Done …` line
//! bash prints before a later prompt once the job has finished.
//!
//! Emulated commands finish at once, so a job is done as soon as it started; like bash with
//! a quick job, the shell reports it after the next line the attacker types. Only the
//! interactive shell (not a script, `-c` text or subshell) prints job notices, as in bash.

use super::exec::{Exec, Flow};
use crate::shell::parser::{Command, Pipeline, RedirOp, SimpleCommand};
use crate::shell::state::ShellState;

/// The most finished jobs kept for their `Done` notice; bash's job table is bounded by
/// processes, ours by this.
const MAX_JOBS: usize = 64;

impl Exec<'_> {
    /// Runs `pipeline` as a background job: in a subshell, with `$?` 0 afterwards.
    pub(super) fn background(
        &mut self,
        state: &mut ShellState,
        pipeline: &Pipeline,
        stdin: &[u8],
    ) -> Flow {
        let interactive = self.script.is_none() && !self.subshell;
        let number = state.jobs_done.last().map_or(1, |(n, _, _)| n + 1);
        let pid = self.job_pid(state);
        if interactive {
            self.error(&format!("[{number}] {pid}\n"));
        }
        let status = match self.fork(state) {
            Some(mut copy) => {
                let outer = self.subshell;
                self.subshell = true;
                let flow = self.pipeline(&mut copy, pipeline, stdin);
                self.subshell = outer;
                match flow {
                    Flow::Exit(code) => code,
                    _ => copy.last_status,
                }
            }
            None => 1,
        };
        state.last_background = Some(pid);
        state.last_status = 0;
        if interactive && state.jobs_done.len() < MAX_JOBS {
            state
                .jobs_done
                .push((number, status, pipeline_text(pipeline)));
        }
        Flow::Next
    }

    /// A PID for the next background job: after the newest process the table shows.
    fn job_pid(&self, state: &ShellState) -> u32 {
        let (bash, _) = self.shell_pids(state);
        let uptime = self.host.uptime_secs(state.now());
        let newest = self.host.pid_at(uptime).max(bash.saturating_add(2));
        let spawned = state.history.len() + state.jobs_done.len() + 1;
        newest.saturating_add(u32::try_from(spawned).unwrap_or(0))
    }
}

/// Bash's notices for finished jobs `jobs` (number, status, command), in order, given that
/// `total` jobs are in the table: the newest is marked `+`, the one before `-`.
pub(super) fn done_notices(jobs: &[(usize, i32, String)], total: usize) -> String {
    let mut out = String::new();
    for (i, (number, status, text)) in jobs.iter().enumerate() {
        let mark = match total.saturating_sub(i + 1) {
            0 => '+',
            1 => '-',
            _ => ' ',
        };
        let word = if *status == 0 {
            "Done".to_owned()
        } else {
            format!("Exit {status}")
        };
        out.push_str(&format!("[{number}]{mark}  {word:<24}{text}\n"));
    }
    out
}

/// A job's command as bash shows it: its words as typed, stages joined by ` | `.
fn pipeline_text(pipeline: &Pipeline) -> String {
    let stages: Vec<String> = pipeline
        .commands
        .iter()
        .map(|command| match command {
            Command::Simple(simple) => simple_text(simple),
            Command::Subshell { .. } => "( … )".to_owned(),
            Command::Compound(..) => "{ … }".to_owned(),
            Command::Function { name, .. } => format!("{name} ()"),
        })
        .collect();
    let text = stages.join(" | ");
    if pipeline.negate {
        format!("! {text}")
    } else {
        text
    }
}

fn simple_text(simple: &SimpleCommand) -> String {
    let mut words: Vec<String> = simple
        .assignments
        .iter()
        .map(|(name, value)| format!("{name}={}", value.raw))
        .collect();
    words.extend(simple.words.iter().map(|w| w.raw.clone()));
    for redirect in &simple.redirects {
        let op = match redirect.op {
            RedirOp::Out => ">",
            RedirOp::Append => ">>",
            RedirOp::In => "<",
            RedirOp::DupOut => ">&",
            RedirOp::DupIn => "<&",
            RedirOp::OutBoth => "&>",
            RedirOp::AppendBoth => "&>>",
            RedirOp::HereString => "<<<",
            RedirOp::HereDoc => "<<",
        };
        let fd = redirect.fd.map(|fd| fd.to_string()).unwrap_or_default();
        let space = if matches!(redirect.op, RedirOp::DupOut | RedirOp::DupIn) {
            ""
        } else {
            " "
        };
        words.push(format!("{fd}{op}{space}{}", redirect.target.raw));
    }
    words.join(" ")
}

/// What a job-control builtin printed to standard output and error, and its status.
pub(super) type JobReply = (String, String, i32);

/// `fg`, `bg`, `disown`, `wait`, `suspend`, `times` and `caller` as bash answers them when
/// no job runs (emulated jobs finish at once); `interactive` is the login shell, which has
/// job control. Errors carry the `-bash: ` prefix for the caller to adjust.
pub(super) fn job_builtin(name: &str, args: &[String], interactive: bool) -> Option<JobReply> {
    let fail = |text: String, status: i32| Some((String::new(), text, status));
    let spec = args.iter().find(|a| !a.starts_with('-') || a.len() == 1);
    match name {
        "fg" | "bg" if !interactive => fail(format!("-bash: {name}: no job control\n"), 1),
        "fg" | "bg" | "disown" => {
            if name == "disown" && args.iter().any(|a| a == "-a") {
                return Some((String::new(), String::new(), 0));
            }
            let job = spec.map_or("current", String::as_str);
            fail(format!("-bash: {name}: {job}: no such job\n"), 1)
        }
        "wait" => match spec {
            None => Some((String::new(), String::new(), 0)),
            Some(job) if job.starts_with('%') => {
                fail(format!("-bash: wait: {job}: no such job\n"), 127)
            }
            Some(pid) if pid.bytes().all(|b| b.is_ascii_digit()) => fail(
                format!("-bash: wait: pid {pid} is not a child of this shell\n"),
                127,
            ),
            Some(other) => fail(
                format!("-bash: wait: `{other}': not a pid or valid job spec\n"),
                1,
            ),
        },
        "suspend" if interactive => {
            fail("-bash: suspend: cannot suspend a login shell\n".into(), 1)
        }
        "suspend" => fail("-bash: suspend: cannot suspend: no job control\n".into(), 1),
        // The shell's and its children's user and system CPU time: a fresh login's.
        "times" => Some((
            "0m0.012s 0m0.004s\n0m0.001s 0m0.000s\n".to_owned(),
            String::new(),
            0,
        )),
        // Outside a function there is no caller: status 1, nothing printed.
        "caller" => Some((String::new(), String::new(), 1)),
        _ => None,
    }
}
