//! [`AlertActor`]: watches the event stream, raises `mirage.alert` events and hands them to
//! the webhooks.
//!
//! It subscribes to the event sink and sees every event. The [`rules`] (configured in
//! `[alert.rules]`) decide which events call for an alert and how severe it is: a honeytoken
//! used, a login accepted, a file captured, a session crashed, a reflex began acting on an
//! address. [`dedup`] keeps one alert per rule and key per window. A raised alert goes back to
//! the sink as a `mirage.alert` event and to the webhook [`Dispatcher`] with a non-blocking
//! `try_send`: the actor never waits on a webhook, so a slow or dead one never slows a session.

use std::time::Duration;

use actix::prelude::*;

use crate::actors::sink::SharedEvent;
use crate::config::{AlertConfig, AlertRules};
use crate::events::{Event, EventKind};
use crate::metrics::Metrics;
use crate::outputs::webhook::{AlertPayload, Dispatcher};

pub mod dedup;
pub mod rules;

use dedup::Dedup;

/// Raises alerts from events and sends them to the sink and the webhooks.
pub struct AlertActor {
    sink: Recipient<Event>,
    rules: AlertRules,
    dedup: Dedup,
    webhooks: Dispatcher,
    metrics: Metrics,
    raised: u64,
}

impl AlertActor {
    /// An alert actor with the default rules that reports to `sink` only (no webhooks); what
    /// replays use.
    pub fn new(sink: Recipient<Event>) -> AlertActor {
        AlertActor::with_config(
            sink,
            &AlertConfig::default(),
            Dispatcher::default(),
            Metrics::new(),
        )
    }

    /// An alert actor with `config`'s rules and dedup window, reporting to `sink` and
    /// `webhooks`, counting in `metrics`.
    pub fn with_config(
        sink: Recipient<Event>,
        config: &AlertConfig,
        webhooks: Dispatcher,
        metrics: Metrics,
    ) -> AlertActor {
        AlertActor {
            sink,
            rules: config.rules.clone(),
            dedup: Dedup::new(Duration::from_secs(config.dedup_secs)),
            webhooks,
            metrics,
            raised: 0,
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
        self.observe(&event);
    }
}

/// What the node's sink sends (only kinds [`rules::watches`]).
impl Handler<SharedEvent> for AlertActor {
    type Result = ();

    fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
        self.observe(&event.0);
    }
}

impl AlertActor {
    /// Raises the alert `event` calls for, if any and not a duplicate.
    fn observe(&mut self, event: &Event) {
        let Some(candidate) = rules::evaluate(&self.rules, event) else {
            return;
        };
        if !self
            .dedup
            .admit(candidate.rule, &candidate.key, event.timestamp)
        {
            self.metrics
                .alerts_deduplicated_total
                .with_label_values(&[candidate.rule])
                .inc();
            tracing::debug!(session = %event.session, rule = candidate.rule, "Alert deduplicated.");
            return;
        }
        self.raised += 1;
        let severity = crate::outputs::webhook::format::severity_name(candidate.severity);
        self.metrics
            .alerts_raised_total
            .with_label_values(&[candidate.rule, severity])
            .inc();
        tracing::warn!(session = %event.session, rule = candidate.rule, severity, "Alert raised.");
        let mut alert = event.clone();
        alert.id = uuid::Uuid::now_v7();
        // Raised when the event happened (on a replay's virtual clock too).
        alert.kind = EventKind::Alert {
            severity: candidate.severity,
            rule: candidate.rule.to_owned(),
            message: candidate.message,
            details: candidate.details,
        };
        if let Some(payload) = AlertPayload::from_event(&alert) {
            // Never waits: a full webhook queue drops and counts (see Dispatcher::submit).
            self.webhooks.submit(payload);
        }
        self.sink.do_send(alert);
    }
}

impl Handler<AlertCount> for AlertActor {
    type Result = u64;

    fn handle(&mut self, _: AlertCount, _: &mut Context<Self>) -> u64 {
        self.raised
    }
}

#[cfg(test)]
mod tests;
