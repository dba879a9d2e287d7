//! [`Collector`]: the event sink of a replay. It keeps each replayed session's events apart,
//! hands every event to the real [`AlertActor`] as the node's sink does, and takes the alerts
//! it raises back into the same session's list.

use std::collections::HashMap;

use actix::prelude::*;

use crate::actors::alert::AlertActor;
use crate::events::{Event, SessionId};

/// Most events kept for one replayed session; later ones are counted, not kept.
pub const MAX_EVENTS_PER_SESSION: usize = 100_000;

/// Collects a replay's events by session.
#[derive(Default)]
pub struct Collector {
    sessions: HashMap<SessionId, Vec<Event>>,
    alerts: Option<Addr<AlertActor>>,
    /// Events not kept because a session had too many.
    pub dropped: u64,
}

impl Actor for Collector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(crate::actors::alert::ALERT_MAILBOX);
    }
}

/// Connects the alert actor events are shown to.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WatchAlerts(pub Addr<AlertActor>);

impl Handler<WatchAlerts> for Collector {
    type Result = ();

    fn handle(&mut self, msg: WatchAlerts, _: &mut Context<Self>) {
        self.alerts = Some(msg.0);
    }
}

/// Events a session's list has room for from the start.
const SESSION_EVENTS: usize = 48;

impl Handler<Event> for Collector {
    type Result = ();

    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        // Only the kinds some alert rule acts on, as the node's sink passes them (the alert
        // actor answers nothing for the others; alerts themselves are not among them).
        if let Some(alerts) = &self.alerts
            && crate::actors::alert::rules::watches(&event.kind)
        {
            alerts.do_send(event.clone());
        }
        // The session's list, looked up without copying its id (all but its first event).
        let list = match self.sessions.get_mut(&event.session) {
            Some(list) => list,
            // Room for a typical session's events (about 40 in the real corpus).
            None => self
                .sessions
                .entry(event.session.clone())
                .or_insert_with(|| Vec::with_capacity(SESSION_EVENTS)),
        };
        if list.len() < MAX_EVENTS_PER_SESSION {
            list.push(event);
        } else {
            self.dropped += 1;
        }
    }
}

/// Answers once every event sent before it has been taken in (and shown to the alert actor).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Settle;

impl Handler<Settle> for Collector {
    type Result = ();

    fn handle(&mut self, _: Settle, _: &mut Context<Self>) {}
}

/// Hands over (and forgets) one session's events, in the order they arrived.
#[derive(Message)]
#[rtype(result = "Vec<Event>")]
pub struct Take(pub SessionId);

impl Handler<Take> for Collector {
    type Result = MessageResult<Take>;

    fn handle(&mut self, msg: Take, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.sessions.remove(&msg.0).unwrap_or_default())
    }
}
