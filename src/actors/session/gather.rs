//! A line's terminal output handed to the transport in one piece.
//!
//! A typed line makes four or five pieces of output: the echo, the line end, readline leaving
//! bracketed-paste mode, the command's output and the next prompt. Handed over one by one,
//! each was its own SSH packet (encrypted, written) and its own wake-up of the connection's
//! thread (issue 7). While the actor handles keystrokes it gathers the data pieces meant for a
//! transport's own writer ([`Output::gathers`]) and hands them over as one once the line's
//! prompt is out, before an exit status, or when the turn ends. The terminal receives the same
//! bytes in the same order.
//!
//! Only what passed the reflex pacer is gathered: output the pacer holds (latency, tarpit)
//! still leaves when the pacer releases it, and the pieces made before a hold leave at the end
//! of the turn, as they did. Recordings and live watchers still get every piece, each with its
//! own time. Outputs that are plain channels (replays, simulations, tests) keep one item per
//! piece: replays tell a line's output from its prompt by them.

use actix::prelude::*;

use super::{Output, SessionActor, TransportOutput};

/// Most bytes gathered before they are handed over anyway (a long paste, a large output).
const GATHER_MAX: usize = 32 * 1024;

/// Data gathered for one output, not yet handed over.
pub(super) struct Gathered {
    out: Output,
    bytes: Vec<u8>,
}

impl SessionActor {
    /// Runs `f` with the output it sends to transport writers gathered, then hands over what
    /// is left.
    pub(super) fn gathering<R>(
        &mut self,
        ctx: &mut Context<Self>,
        f: impl FnOnce(&mut Self, &mut Context<Self>) -> R,
    ) -> R {
        let outer = std::mem::replace(&mut self.gathering, true);
        let result = f(self, ctx);
        self.gathering = outer;
        if !outer {
            self.hand_over();
        }
        result
    }

    /// Hands over what was gathered, if anything.
    pub(super) fn hand_over(&mut self) {
        if let Some(Gathered { out, bytes }) = self.gathered.take() {
            self.deliver(&out, TransportOutput::Data(bytes));
        }
    }

    /// Sends `item` to `out` now (past the reflex pacer): records the shell's output, and
    /// gathers data for a transport's writer while [`gathering`](Self::gathering).
    pub(super) fn send_now(
        &mut self,
        out: &Output,
        item: TransportOutput,
        ctx: &mut Context<Self>,
    ) {
        if let (TransportOutput::Data(bytes), Some(shell)) = (&item, self.shell_out.as_ref())
            && shell.same_channel(out)
        {
            self.record_output(bytes, ctx);
        }
        let item = match item {
            TransportOutput::Data(bytes) if self.gathering && out.gathers() => {
                match &mut self.gathered {
                    Some(gathered) if gathered.out.same_channel(out) => {
                        gathered.bytes.extend_from_slice(&bytes);
                    }
                    _ => {
                        self.hand_over();
                        self.gathered = Some(Gathered {
                            out: out.clone(),
                            bytes,
                        });
                    }
                }
                if self
                    .gathered
                    .as_ref()
                    .is_some_and(|gathered| gathered.bytes.len() >= GATHER_MAX)
                {
                    self.hand_over();
                }
                return;
            }
            item => item,
        };
        // Nothing overtakes what was gathered.
        self.hand_over();
        self.deliver(out, item);
    }

    fn deliver(&mut self, out: &Output, item: TransportOutput) {
        if out.try_send(item).is_err() {
            // The client stopped reading (or left): stop producing for it. The actor itself
            // ends when the transport and the manager drop its address.
            tracing::debug!(session = %self.origin.session, "Output channel full or closed.");
            self.shell_out = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::sync::mpsc;

    use super::super::{Input, OUTPUT_BUFFER, OutputClosed, OutputSink, PtySize, StartShell};
    use super::*;
    use crate::actors::session_manager::SessionManager;
    use crate::metrics::Metrics;
    use crate::sim::clock::Clock;
    use crate::sim::collector::Collector;
    use crate::sim::replay::{drain, replay_deps, replay_manager, shared_shell};

    /// A transport's writer that keeps what it takes.
    #[derive(Default)]
    struct Keep(Mutex<Vec<TransportOutput>>);

    impl OutputSink for Keep {
        fn push(&self, item: TransportOutput) -> Result<(), OutputClosed> {
            self.0.lock().unwrap().push(item);
            Ok(())
        }
    }

    /// What typing `keys` (one `Input` each) into a fresh PTY shell sends to `out`.
    async fn type_into(manager: &Addr<SessionManager>, name: &str, out: Output, keys: &[&str]) {
        let session = crate::actors::session_manager::tests::start_root(manager, name).await;
        let pty = Some(PtySize {
            term: "xterm".into(),
            width: 80,
            height: 24,
        });
        session.send(StartShell { out, pty }).await.unwrap();
        for keys in keys {
            session.send(Input(keys.as_bytes().to_vec())).await.unwrap();
        }
    }

    fn bytes_of(items: &[TransportOutput]) -> (Vec<u8>, Option<u32>) {
        let mut bytes = Vec::new();
        let mut exit = None;
        for item in items {
            match item {
                TransportOutput::Data(data) => bytes.extend_from_slice(data),
                TransportOutput::Exit(status) => exit = Some(*status),
            }
        }
        (bytes, exit)
    }

    #[actix::test]
    async fn a_writer_gets_each_line_in_one_piece_and_the_same_bytes_as_a_channel() {
        let start = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let clock = Clock::virtual_at(start);
        let collector = Collector::default().start();
        let deps = replay_deps(
            shared_shell(7, start),
            clock,
            collector.recipient(),
            Metrics::new(),
            Default::default(),
        );
        let manager = replay_manager(deps, Vec::new());
        // One line per input, a half line then its end, two lines at once, Ctrl-C, and the
        // shell's end with its exit status.
        let keys = [
            "echo hello\r",
            "cd /tm",
            "p\r",
            "pwd\rls /nonexistent\r",
            "sleep\x03",
            "exit 3\r",
        ];

        let (tx, mut rx) = mpsc::channel(OUTPUT_BUFFER);
        type_into(&manager, "channel", tx.into(), &keys).await;
        let by_channel = drain(&mut rx);

        let keep = Arc::new(Keep::default());
        type_into(&manager, "writer", Output::sink(keep.clone()), &keys).await;
        let by_writer = keep.0.lock().unwrap().clone();

        assert_eq!(bytes_of(&by_writer), bytes_of(&by_channel));
        assert_eq!(bytes_of(&by_writer).1, Some(3));
        let text = String::from_utf8_lossy(&bytes_of(&by_writer).0).into_owned();
        assert!(
            text.contains("hello\r\n") && text.contains("/tmp\r\n"),
            "{text:?}"
        );
        // The channel keeps a piece per item; the writer gets the first prompt, then one
        // piece per input, the two lines typed at once one each, the exit status.
        assert!(by_channel.len() > 20, "{by_channel:?}");
        let pieces: Vec<&str> = by_writer
            .iter()
            .map(|item| match item {
                TransportOutput::Data(_) => "data",
                TransportOutput::Exit(_) => "exit",
            })
            .collect();
        assert_eq!(
            pieces,
            [
                "data", "data", "data", "data", "data", "data", "data", "data", "exit"
            ],
            "{by_writer:?}"
        );
    }
}
