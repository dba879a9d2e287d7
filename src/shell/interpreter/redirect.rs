//! Redirections: where a command's descriptors point and what it reads. `>` and `>>` open
//! (create or truncate) the file at once, as bash does, and the command's output is written
//! to it when the command ends; `<` reads a file; `/dev/null` and the other devices behave as
//! devices; `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` name the current descriptors.

use super::exec::{Exec, OpenFile, Sink};
use crate::host::fs::{Canon, Written};
use crate::shell::commands::Stream;
use crate::shell::parser::{self, RedirOp, Redirect};
use crate::shell::state::ShellState;

impl Exec<'_> {
    /// Applies redirections to `fds` and `stdin`, opening files into `files`. `Err` carries
    /// the status of a failed one.
    pub(super) fn redirect(
        &mut self,
        state: &mut ShellState,
        redirects: &[Redirect],
        fds: &mut [Sink; 2],
        stdin: &mut Vec<u8>,
        files: &mut Vec<OpenFile>,
    ) -> Result<(), i32> {
        let _umask = self.umask_guard(state);
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
                    let doc = redirect.heredoc.clone().unwrap_or(parser::HereDoc {
                        text: String::new(),
                        quoted: true,
                        closed: false,
                        delimiter: String::new(),
                    });
                    if !doc.closed {
                        let delimiter = if doc.delimiter.is_empty() {
                            redirect.target.raw.trim_matches(['\'', '"'])
                        } else {
                            doc.delimiter.as_str()
                        };
                        let prefix = self.prefix();
                        self.error(&format!(
                            "{prefix}warning: here-document at line 1 delimited by end-of-file (wanted `{delimiter}')\n"
                        ));
                    }
                    let body = match parser::heredoc_parts(&doc.text) {
                        Ok(parts) if !doc.quoted => match self.expand_single(state, &parts) {
                            Ok(text) => text,
                            Err(message) => {
                                self.error(&message);
                                return Err(1);
                            }
                        },
                        _ => doc.text,
                    };
                    *stdin = body.into_bytes();
                    continue;
                }
                _ => match self.expand_words(state, &redirect.target.parts) {
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
            match redirect.op {
                RedirOp::Out | RedirOp::Append => {
                    let append = redirect.op == RedirOp::Append;
                    let sink = self.open_sink(state, &target, append, fds, files)?;
                    match redirect.fd.unwrap_or(1) {
                        1 => fds[0] = sink,
                        2 => fds[1] = sink,
                        _ => {}
                    }
                }
                RedirOp::OutBoth | RedirOp::AppendBoth => {
                    let append = redirect.op == RedirOp::AppendBoth;
                    let sink = self.open_sink(state, &target, append, fds, files)?;
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
                            let sink = self.open_sink(state, &target, false, fds, files)?;
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
                RedirOp::In => {
                    let read = match target.as_str() {
                        "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0" => Ok(stdin.clone()),
                        _ => self.fs_handle(state).read(&target),
                    };
                    match read {
                        Ok(bytes) if redirect.fd.unwrap_or(0) == 0 => *stdin = bytes,
                        Ok(_) => {}
                        Err(err) => {
                            let prefix = self.prefix();
                            self.error(&format!("{prefix}{target}: {err}\n"));
                            return Err(1);
                        }
                    }
                }
                // Duplicating input descriptors: the command reads nothing.
                RedirOp::DupIn => {
                    if redirect.fd.unwrap_or(0) == 0 && target != "0" {
                        stdin.clear();
                    }
                }
                RedirOp::HereString | RedirOp::HereDoc => {}
            }
        }
        Ok(())
    }

    /// Opens `target` for output: a descriptor name, a device, or a file (created or
    /// truncated now).
    fn open_sink(
        &mut self,
        state: &ShellState,
        target: &str,
        append: bool,
        fds: &[Sink; 2],
        files: &mut Vec<OpenFile>,
    ) -> Result<Sink, i32> {
        match target {
            "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => return Ok(fds[0]),
            "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => return Ok(fds[1]),
            _ => {}
        }
        let mut fs = self.fs_handle(state);
        let opened = fs.open_write(target, append);
        let path = fs.canonicalize(target, Canon::AllButLast);
        match (opened, path) {
            (Ok(Written::File), Ok(path)) => {
                files.push(OpenFile {
                    path,
                    data: Vec::new(),
                });
                Ok(Sink::File(files.len() - 1))
            }
            (Ok(Written::Terminal), _) => Ok(Sink::Term(Stream::Out)),
            (Ok(Written::Discarded), _) => Ok(Sink::Null),
            (Err(err), _) | (Ok(Written::File), Err(err)) => {
                let prefix = self.prefix();
                self.error(&format!("{prefix}{target}: {err}\n"));
                Err(1)
            }
        }
    }
}
