//! Where a command's output goes: the terminal, the next pipeline stage, `/dev/null` or a
//! file a redirection opened (written when the command ends).

use super::exec::{Exec, Flow, OpenFile, Sink};
use super::shell::MAX_OUTPUT_BYTES;
use crate::shell::commands::Stream;
use crate::shell::state::ShellState;

impl Exec<'_> {
    /// Writes `message` to the command's standard error and ends it with `status`: how a
    /// command fails that cannot even start (not found, permission denied, bad script, …).
    pub(super) fn fail(
        &mut self,
        message: String,
        status: i32,
        fds: [Sink; 2],
        files: &mut [OpenFile],
    ) -> (i32, Flow) {
        self.route(
            vec![(Stream::Err, message.into_bytes())],
            fds,
            &mut Vec::new(),
            files,
        );
        (status, Flow::Next)
    }

    /// Sends a command's output chunks where its descriptors point.
    pub(super) fn route(
        &mut self,
        chunks: Vec<(Stream, Vec<u8>)>,
        fds: [Sink; 2],
        pipe: &mut Vec<u8>,
        files: &mut [OpenFile],
    ) {
        let file_room = self.fs.limits().max_bytes.saturating_add(1);
        let file_room = usize::try_from(file_room).unwrap_or(usize::MAX);
        for (stream, bytes) in chunks {
            let sink = if stream == Stream::Out {
                fds[0]
            } else {
                fds[1]
            };
            match sink {
                Sink::Term(stream) => self.emit(stream, &bytes),
                Sink::Pipe => {
                    let room = MAX_OUTPUT_BYTES.saturating_sub(pipe.len());
                    pipe.extend_from_slice(&bytes[..bytes.len().min(room)]);
                }
                Sink::File(index) => {
                    if let Some(file) = files.get_mut(index) {
                        // Beyond the quota the write fails anyway: keep no more than that.
                        let room = file_room.saturating_sub(file.data.len());
                        file.data.extend_from_slice(&bytes[..bytes.len().min(room)]);
                    }
                }
                Sink::Null => {}
            }
        }
    }

    /// Writes what a command sent to redirected files. A failed write (a full overlay) is
    /// reported as the command would report it, and fails the command.
    pub(super) fn flush(
        &mut self,
        state: &ShellState,
        name: &str,
        files: Vec<OpenFile>,
        status: i32,
    ) -> i32 {
        let mut status = status;
        for file in files {
            if file.data.is_empty() {
                continue;
            }
            let result = self.fs_handle(state).write(&file.path, &file.data, true);
            if let Err(err) = result {
                let prefix = if super::lookup::is_builtin(name) {
                    "-bash: "
                } else {
                    ""
                };
                self.error(&format!("{prefix}{name}: write error: {err}\n"));
                status = 1;
            }
        }
        status
    }
}
