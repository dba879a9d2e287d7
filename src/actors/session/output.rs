//! [`Output`]: where a session's output for one channel goes, in order.
//!
//! The session actor never waits on its transport: it hands each [`TransportOutput`] over with
//! [`Output::try_send`], and a refusal means the client stopped reading (or left). Behind an
//! `Output` is either a plain channel that the transport drains (replay, simulation, tests) or
//! an [`OutputSink`] the transport implements: an SSH channel's writer delivers straight into
//! russh and keeps no task or channel of its own while the session is idle.

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;

/// What a session sends back to its transport, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportOutput {
    /// Bytes for the attacker's terminal.
    Data(Vec<u8>),
    /// The command or shell ended with this status: report it and close the channel.
    Exit(u32),
}

/// How many outputs may wait for a slow client before the session is cut off.
pub const OUTPUT_BUFFER: usize = 1024;

/// The output was refused: the client stopped reading (more than [`OUTPUT_BUFFER`] outputs
/// wait) or the channel is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputClosed;

/// A transport's end of one channel's output that takes items without waiting.
pub trait OutputSink: Send + Sync {
    /// Takes `item`, to be delivered after every item taken before it; [`OutputClosed`] when
    /// the client stopped reading or the channel is gone.
    fn push(&self, item: TransportOutput) -> Result<(), OutputClosed>;
}

/// The sending half of a channel's output; the transport delivers what it takes in order.
#[derive(Clone)]
pub struct Output(Route);

#[derive(Clone)]
enum Route {
    /// A channel the transport drains.
    Channel(mpsc::Sender<TransportOutput>),
    /// A transport's own writer.
    Sink(Arc<dyn OutputSink>),
}

impl Output {
    /// Output delivered by `sink`.
    pub fn sink(sink: Arc<dyn OutputSink>) -> Output {
        Output(Route::Sink(sink))
    }

    /// Hands `item` over without waiting.
    pub fn try_send(&self, item: TransportOutput) -> Result<(), OutputClosed> {
        match &self.0 {
            Route::Channel(tx) => tx.try_send(item).map_err(|_| OutputClosed),
            Route::Sink(sink) => sink.push(item),
        }
    }

    /// Whether the session may gather pieces of output into one item (`gather.rs`): a
    /// transport's own writer only sends bytes on, but a plain channel's items are what
    /// replays and tests read, piece by piece.
    pub fn gathers(&self) -> bool {
        matches!(self.0, Route::Sink(_))
    }

    /// Whether `self` and `other` deliver to the same channel.
    pub fn same_channel(&self, other: &Output) -> bool {
        match (&self.0, &other.0) {
            (Route::Channel(a), Route::Channel(b)) => a.same_channel(b),
            (Route::Sink(a), Route::Sink(b)) => std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
            _ => false,
        }
    }
}

impl From<mpsc::Sender<TransportOutput>> for Output {
    fn from(tx: mpsc::Sender<TransportOutput>) -> Output {
        Output(Route::Channel(tx))
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Route::Channel(_) => f.write_str("Output(channel)"),
            Route::Sink(_) => f.write_str("Output(sink)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A sink that keeps what it takes, refusing past `room` items.
    struct Keep {
        items: Mutex<Vec<TransportOutput>>,
        room: usize,
    }

    impl OutputSink for Keep {
        fn push(&self, item: TransportOutput) -> Result<(), OutputClosed> {
            let mut items = self.items.lock().unwrap();
            if items.len() >= self.room {
                return Err(OutputClosed);
            }
            items.push(item);
            Ok(())
        }
    }

    #[test]
    fn a_channel_output_is_refused_once_full_or_closed() {
        let (tx, mut rx) = mpsc::channel(1);
        let out = Output::from(tx);
        assert_eq!(out.try_send(TransportOutput::Exit(0)), Ok(()));
        assert_eq!(out.try_send(TransportOutput::Exit(1)), Err(OutputClosed));
        assert_eq!(rx.try_recv().ok(), Some(TransportOutput::Exit(0)));
        drop(rx);
        assert_eq!(out.try_send(TransportOutput::Exit(2)), Err(OutputClosed));
    }

    #[test]
    fn a_sink_output_passes_items_in_order_and_its_refusal() {
        let keep = Arc::new(Keep {
            items: Mutex::new(Vec::new()),
            room: 2,
        });
        let out = Output::sink(keep.clone());
        assert_eq!(out.try_send(TransportOutput::Data(b"a".to_vec())), Ok(()));
        assert_eq!(out.try_send(TransportOutput::Exit(3)), Ok(()));
        assert_eq!(out.try_send(TransportOutput::Exit(4)), Err(OutputClosed));
        assert_eq!(
            *keep.items.lock().unwrap(),
            vec![
                TransportOutput::Data(b"a".to_vec()),
                TransportOutput::Exit(3)
            ]
        );
    }

    #[test]
    fn clones_share_their_channel_and_others_do_not() {
        let keep = |room| {
            Arc::new(Keep {
                items: Mutex::new(Vec::new()),
                room,
            })
        };
        let (a, b) = (Output::sink(keep(1)), Output::sink(keep(1)));
        assert!(a.same_channel(&a.clone()));
        assert!(!a.same_channel(&b));
        let (tx, _rx) = mpsc::channel(1);
        let c = Output::from(tx);
        assert!(c.same_channel(&c.clone()));
        assert!(!c.same_channel(&a));
    }
}
