//! Redirections: where a command's descriptors point and what it reads.

use super::exec::{Exec, Sink};
use crate::shell::parser::{RedirOp, Redirect};
use crate::shell::state::ShellState;

impl Exec<'_> {
    /// Applies redirections to `fds` and `stdin`. `Err` carries the status of a failed one.
    pub(super) fn redirect(
        &mut self,
        state: &mut ShellState,
        redirects: &[Redirect],
        fds: &mut [Sink; 2],
        stdin: &mut Vec<u8>,
    ) -> Result<(), i32> {
        for redirect in redirects {
            let target = match redirect.op {
                RedirOp::HereString => match self.expand_single(state, &redirect.target.parts) {
                    Ok(text) => {
                        *stdin = format!("{text}\n").into_bytes();
                        continue;
                    }
                    Err(message) => {
                        self.error(&message);
                        return Err(1);
                    }
                },
                RedirOp::HereDoc => {
                    // A one-line shell never sees the document's body.
                    let delimiter = redirect.target.raw.trim_matches(['\'', '"']);
                    self.error(&format!(
                        "-bash: warning: here-document at line 1 delimited by end-of-file (wanted `{delimiter}')\n"
                    ));
                    stdin.clear();
                    continue;
                }
                _ => match self.expand_fields(state, &redirect.target.parts) {
                    Ok(fields) if fields.len() == 1 => {
                        fields.into_iter().next().unwrap_or_default()
                    }
                    Ok(_) => {
                        self.error(&format!(
                            "-bash: {}: ambiguous redirect\n",
                            redirect.target.raw
                        ));
                        return Err(1);
                    }
                    Err(message) => {
                        self.error(&message);
                        return Err(1);
                    }
                },
            };
            let file_sink = |fds: &[Sink; 2]| match target.as_str() {
                "/dev/stdout" => fds[0],
                "/dev/stderr" => fds[1],
                // Files are written nowhere until the fake filesystem exists.
                _ => Sink::Null,
            };
            match redirect.op {
                RedirOp::Out | RedirOp::Append => {
                    let sink = file_sink(fds);
                    match redirect.fd.unwrap_or(1) {
                        1 => fds[0] = sink,
                        2 => fds[1] = sink,
                        _ => {}
                    }
                }
                RedirOp::OutBoth | RedirOp::AppendBoth => {
                    let sink = file_sink(fds);
                    *fds = [sink, sink];
                }
                RedirOp::DupOut => {
                    let fd = redirect.fd.unwrap_or(1);
                    let sink = match target.as_str() {
                        "1" => fds[0],
                        "2" => fds[1],
                        "-" => Sink::Null,
                        t if t.chars().all(|c| c.is_ascii_digit()) => {
                            self.error(&format!("-bash: {t}: Bad file descriptor\n"));
                            return Err(1);
                        }
                        // `>&file` is `&>file`.
                        _ if redirect.fd.is_none() => {
                            let sink = file_sink(fds);
                            *fds = [sink, sink];
                            continue;
                        }
                        _ => {
                            self.error(&format!("-bash: {target}: ambiguous redirect\n"));
                            return Err(1);
                        }
                    };
                    match fd {
                        1 => fds[0] = sink,
                        2 => fds[1] = sink,
                        _ => {}
                    }
                }
                // Input from files (and descriptor duplication for input) waits for the
                // filesystem: the command reads nothing.
                RedirOp::In | RedirOp::DupIn => {
                    if redirect.fd.unwrap_or(0) == 0 {
                        stdin.clear();
                    }
                }
                RedirOp::HereString | RedirOp::HereDoc => {}
            }
        }
        Ok(())
    }
}
