//! [`ChannelWriter`]: a session's output to one SSH channel, in order, holding no task while
//! the session is idle.
//!
//! The session actor hands over output without waiting ([`OutputSink::push`]). While nothing
//! waits here, an item goes straight into russh's queue for the connection when that queue has
//! room, which is nearly always. Otherwise it waits here, in order, and one task delivers what
//! waits, then ends. An idle shell therefore costs a small shared struct, where a writer task
//! per channel draining its own channel cost some 2 KiB per session (issue 7).
//!
//! An exit status is always delivered by the task: it is three messages (status, EOF, close),
//! and nothing is delivered after it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use bytes::Bytes;
use futures::FutureExt;
use russh::ChannelId;
use russh::server::Handle;

use crate::actors::session::{OUTPUT_BUFFER, OutputClosed, OutputSink, TransportOutput};

/// One SSH channel's output, delivered in order through the connection's russh [`Handle`].
pub struct ChannelWriter {
    handle: Handle,
    channel: ChannelId,
    /// Where the delivering task runs: the connection's runtime.
    runtime: Option<tokio::runtime::Handle>,
    /// This writer, for the delivering task to hold.
    me: Weak<ChannelWriter>,
    backlog: Mutex<Backlog>,
}

/// What waits for the delivering task.
#[derive(Default)]
struct Backlog {
    /// Items not yet delivered, oldest first (at most [`OUTPUT_BUFFER`]).
    items: VecDeque<Item>,
    /// Whether the delivering task runs; while it does, new items queue behind it.
    draining: bool,
    /// The client is gone or the channel was closed: every later item is refused.
    closed: bool,
}

/// An item as it waits: data already in the buffer russh takes.
enum Item {
    Data(Bytes),
    Exit(u32),
}

impl ChannelWriter {
    /// A writer for `channel` of the connection `handle` belongs to.
    pub fn new(handle: Handle, channel: ChannelId) -> Arc<ChannelWriter> {
        Arc::new_cyclic(|me| ChannelWriter {
            handle,
            channel,
            runtime: tokio::runtime::Handle::try_current().ok(),
            me: me.clone(),
            backlog: Mutex::default(),
        })
    }

    fn backlog(&self) -> MutexGuard<'_, Backlog> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.backlog.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Delivers what waits, in order, until nothing does; ends the channel's output when
    /// russh refuses an item (the connection is gone) or after an exit status.
    async fn drain(self: Arc<Self>) {
        loop {
            let item = {
                let mut backlog = self.backlog();
                match backlog.items.pop_front() {
                    Some(item) => item,
                    None => {
                        backlog.draining = false;
                        // An idle channel keeps no buffer.
                        backlog.items = VecDeque::new();
                        return;
                    }
                }
            };
            let open = match item {
                Item::Data(bytes) => self.handle.data(self.channel, bytes).await.is_ok(),
                Item::Exit(status) => {
                    // If the client already left, there is nobody to tell.
                    if self
                        .handle
                        .exit_status_request(self.channel, status)
                        .await
                        .is_ok()
                        && self.handle.eof(self.channel).await.is_ok()
                    {
                        self.handle.close(self.channel).await.ok();
                    }
                    false
                }
            };
            if !open {
                let mut backlog = self.backlog();
                backlog.closed = true;
                backlog.draining = false;
                backlog.items = VecDeque::new();
                return;
            }
        }
    }
}

impl OutputSink for ChannelWriter {
    fn push(&self, item: TransportOutput) -> Result<(), OutputClosed> {
        let mut backlog = self.backlog();
        if backlog.closed {
            return Err(OutputClosed);
        }
        let item = match item {
            TransportOutput::Data(bytes) => {
                let bytes = Bytes::from(bytes);
                if !backlog.draining {
                    // Nothing waits here, so nothing can be overtaken: try russh's queue now.
                    // A full queue leaves the send pending; dropping it sends nothing.
                    match self.handle.data(self.channel, bytes.clone()).now_or_never() {
                        Some(Ok(())) => return Ok(()),
                        Some(Err(_)) => {
                            backlog.closed = true;
                            return Err(OutputClosed);
                        }
                        None => {}
                    }
                }
                Item::Data(bytes)
            }
            TransportOutput::Exit(status) => Item::Exit(status),
        };
        if backlog.items.len() >= OUTPUT_BUFFER {
            return Err(OutputClosed);
        }
        backlog.items.push_back(item);
        if !backlog.draining {
            let (Some(me), Some(runtime)) = (self.me.upgrade(), self.runtime.as_ref()) else {
                // No runtime to deliver on (the node is shutting down).
                backlog.closed = true;
                return Err(OutputClosed);
            };
            backlog.draining = true;
            runtime.spawn(me.drain());
        }
        Ok(())
    }
}
