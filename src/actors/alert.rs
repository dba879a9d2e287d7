//! [`AlertActor`]: watches the event stream and raises `mirage.alert` events.
//!
//! It subscribes to the event sink and sees every event. Today it knows one rule: a session
//! whose actor crashed (`mirage.session.restarted`) is a warning, because it means attacker input
//! reached a bug. Webhook delivery (dedup, backoff) builds on this actor.

use actix::prelude::*;

use crate::events::{Event, EventKind, Severity};

/// Raises alerts from events and sends them back to the sink.
pub struct AlertActor {
    sink: Recipient<Event>,
    raised: u64,
}

impl AlertActor {
    /// An alert actor that reports to `sink`.
    pub fn new(sink: Recipient<Event>) -> AlertActor {
        AlertActor { sink, raised: 0 }
    }

    /// The alert an event calls for, if any.
    fn rule(event: &Event) -> Option<(Severity, &'static str, String)> {
        match &event.kind {
            EventKind::SessionRestarted { reason } => Some((
                Severity::Warning,
                "session_crash",
                format!(
                    "session {} crashed and was restarted: {reason}",
                    event.session
                ),
            )),
            _ => None,
        }
    }
}

/// Events the alert actor can queue: the sink hands events over with `try_send`, so a burst
/// from many sessions must fit (actix's default is 16). A drop is counted, never silent.
pub const ALERT_MAILBOX: usize = 65_536;

impl Actor for AlertActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(ALERT_MAILBOX);
    }
}

impl Supervised for AlertActor {}

/// How many alerts the actor has raised; for tests and the admin API.
#[derive(Message)]
#[rtype(result = "u64")]
pub struct AlertCount;

impl Handler<Event> for AlertActor {
    type Result = ();

    fn handle(&mut self, event: Event, _: &mut Context<Self>) {
        if let Some((severity, rule, message)) = AlertActor::rule(&event) {
            self.raised += 1;
            tracing::warn!(session = %event.session, rule, "Alert raised.");
            let mut alert = event.clone();
            alert.id = uuid::Uuid::now_v7();
            // Raised when the event happened (on a replay's virtual clock too).
            alert.kind = EventKind::Alert {
                severity,
                rule: rule.to_owned(),
                message,
            };
            self.sink.do_send(alert);
        }
    }
}

impl Handler<AlertCount> for AlertActor {
    type Result = u64;

    fn handle(&mut self, _: AlertCount, _: &mut Context<Self>) -> u64 {
        self.raised
    }
}
