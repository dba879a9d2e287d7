//! [`Observer`]: the subscriber that keeps a replayed node's events.

use actix::prelude::*;

use crate::actors::alert::ALERT_MAILBOX;
use crate::events::{Event, EventKind};

/// Most events kept for one scenario.
const MAX_EVENTS: usize = 100_000;

/// Keeps every event the node's sink passes on (one node, one session).
#[derive(Default)]
pub(super) struct Observer {
    events: Vec<Event>,
}

impl Actor for Observer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The sink hands events over with `try_send`: a burst must fit.
        ctx.set_mailbox_capacity(ALERT_MAILBOX);
    }
}

impl Handler<Event> for Observer {
    type Result = ();

    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(event);
        }
    }
}

/// Whether the session's closing event has arrived.
#[derive(Message)]
#[rtype(result = "bool")]
pub(super) struct Closed;

impl Handler<Closed> for Observer {
    type Result = bool;

    fn handle(&mut self, _: Closed, _: &mut Context<Self>) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e.kind, EventKind::SessionClosed { .. }))
    }
}

/// Hands over every event kept, in arrival order.
#[derive(Message)]
#[rtype(result = "Vec<Event>")]
pub(super) struct TakeAll;

impl Handler<TakeAll> for Observer {
    type Result = MessageResult<TakeAll>;

    fn handle(&mut self, _: TakeAll, _: &mut Context<Self>) -> Self::Result {
        MessageResult(std::mem::take(&mut self.events))
    }
}
