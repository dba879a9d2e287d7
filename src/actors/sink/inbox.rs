//! [`EventInbox`]: how the SSH decoy's threads hand events to the [`EventSink`] without waking
//! it for each one.
//!
//! A message to an actor on another thread wakes that thread when it sleeps, and a login
//! makes five events at four moments. Under a flood that was a wake-up of the sink's thread,
//! and a system call on each side, for nearly every event. The inbox is a shared list instead:
//! a producer appends under a lock and only the first event into an empty inbox tells the
//! sink ([`InboxReady`]); the sink takes the whole list [`INBOX_DELAY`] later, so a flood's
//! events arrive in batches. Each event keeps the time it was made.
//!
//! Order: when an event is sent to the sink directly, the sink takes the inbox and handles
//! the events in it that were made before that event first, then that event, then the rest.
//! A session's first command is never stored before its login, nor its last command after
//! its close, though the close waited in the inbox.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix::prelude::*;

use crate::events::Event;

/// How long the sink lets events gather in the inbox after the first one came.
pub const INBOX_DELAY: Duration = Duration::from_millis(5);

/// Tells the sink that its inbox holds events.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub struct InboxReady;

/// The list the producers and the sink share.
#[derive(Clone, Debug, Default)]
pub struct InboxQueue(Arc<Mutex<Vec<Event>>>);

impl InboxQueue {
    /// An empty inbox.
    pub fn new() -> InboxQueue {
        InboxQueue::default()
    }

    /// Appends `event`; true when it is the only one (the inbox was empty).
    fn push(&self, event: Event) -> bool {
        let mut events = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        events.push(event);
        events.len() == 1
    }

    /// Everything in the inbox, oldest first, leaving it empty.
    pub fn take(&self) -> Vec<Event> {
        let mut events = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *events)
    }
}

/// A producer's handle on the sink's inbox.
#[derive(Clone)]
pub struct EventInbox {
    queue: InboxQueue,
    sink: Recipient<InboxReady>,
}

impl EventInbox {
    /// The producers' side of `queue`, which the sink `sink` was given
    /// ([`EventSink::with_inbox`](super::EventSink::with_inbox)).
    pub fn new(queue: InboxQueue, sink: Recipient<InboxReady>) -> EventInbox {
        EventInbox { queue, sink }
    }

    /// Hands `event` to the sink; only the first event into an empty inbox sends a message.
    pub fn do_send(&self, event: Event) {
        if self.queue.push(event) {
            self.sink.do_send(InboxReady);
        }
    }
}

/// Where a producer's events go: a message to an actor each (replays, tests), or the node's
/// [`EventInbox`] (the SSH decoy's connections and sessions: one wake-up of the sink per batch).
#[derive(Clone)]
pub enum EventTarget {
    /// One message per event.
    Direct(Recipient<Event>),
    /// The sink's inbox.
    Inbox(EventInbox),
}

impl EventTarget {
    /// Hands `event` over.
    pub fn do_send(&self, event: Event) {
        match self {
            EventTarget::Direct(recipient) => recipient.do_send(event),
            EventTarget::Inbox(inbox) => inbox.do_send(event),
        }
    }
}

impl From<Recipient<Event>> for EventTarget {
    fn from(recipient: Recipient<Event>) -> EventTarget {
        EventTarget::Direct(recipient)
    }
}

impl From<EventInbox> for EventTarget {
    fn from(inbox: EventInbox) -> EventTarget {
        EventTarget::Inbox(inbox)
    }
}

impl std::fmt::Debug for EventInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventInbox")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}
