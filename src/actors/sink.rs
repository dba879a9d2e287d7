//! [`EventSink`]: every event goes through here, and none is lost.
//!
//! Each [`Event`] is appended to the on-disk spool first (that is the moment it counts as
//! accepted), written to the JSON log, and passed to subscribers such as the alert actor. The
//! node's own subscribers take a [`SharedEvent`]: one event behind an [`Arc`], shared by the
//! spool's in-memory copy and every subscriber instead of a deep copy each, and each says
//! which kinds it wants ([`SubscribeShared`]), so an actor that acts on a few kinds is not
//! woken for the rest. A timer drains the spool into the store; while the store is unreachable
//! events stay on disk and the drain retries with backoff. Draining is idempotent by event id, so a crash between a
//! commit and a segment's removal never duplicates events.
//!
//! Writes are batched: the events of one turn of the sink (everything its mailbox held) are
//! appended to the spool and the JSON log in memory, then written with one system call per
//! file when the turn ends, before the sink waits for more. A crash between the two loses
//! that turn's events, as it loses the events still waiting in the mailbox.
//!
//! Supervision: actix restarts an actor that stops, not one that panics, so the handler guards
//! itself. Everything after the spool append (metrics, JSON log, subscribers) runs under
//! `catch_unwind`; a panic there is counted as `mirage_actor_restarts_total{actor="sink"}` and
//! the sink goes on with the next event. The event that was being handled is already spooled,
//! so it still reaches the store.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::Utc;
use prometheus::IntCounter;

use crate::events::{Event, EventKind};
use crate::metrics::Metrics;
use crate::outputs::jsonlog::JsonLog;
use crate::store::EventStore;
use crate::store::spool::{self, Spool};

mod inbox;

pub use inbox::{EventInbox, EventTarget, INBOX_DELAY, InboxQueue, InboxReady};

/// How often the sink looks for spooled events to drain.
const DRAIN_INTERVAL: Duration = Duration::from_millis(200);
/// Longest wait between two drain attempts while the store is down.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl Message for Event {
    type Result = ();
}

/// Adds a recipient that sees a copy of every event after it is spooled (a replay's
/// observer).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe(pub Recipient<Event>);

/// An event as the sink passes it to [`SubscribeShared`] subscribers: shared, not copied.
#[derive(Message, Clone, Debug)]
#[rtype(result = "()")]
pub struct SharedEvent(pub Arc<Event>);

/// Adds a recipient that sees, after it is spooled, every event whose kind `wants` accepts
/// (the alert actor, the correlation actor, the admin live feed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeShared {
    /// Who gets the events.
    pub recipient: Recipient<SharedEvent>,
    /// Which kinds it gets; [`every_kind`] for all.
    pub wants: fn(&EventKind) -> bool,
}

/// The [`SubscribeShared::wants`] of a subscriber that sees every event.
pub fn every_kind(_: &EventKind) -> bool {
    true
}

/// One subscriber of the sink.
enum Subscriber {
    /// Gets its own copy of every event.
    Copy(Recipient<Event>),
    /// Gets the shared event, of the kinds it wants.
    Shared(Recipient<SharedEvent>, fn(&EventKind) -> bool),
}

/// Drain everything now and flush the log; answers how many events are still only in the spool
/// (non-zero when the store is unreachable; they are drained at the next start).
#[derive(Message)]
#[rtype(result = "u64")]
pub struct Flush {
    /// How long to keep trying to reach the store.
    pub timeout: Duration,
}

/// Writes events to the spool, the JSON log and the store.
pub struct EventSink {
    spool: Arc<Mutex<Spool>>,
    store: Arc<dyn EventStore>,
    /// Held by whoever drains, so the timer and a `Flush` never drain the same segment twice.
    drain_lock: Arc<tokio::sync::Mutex<()>>,
    log: Option<JsonLog>,
    subscribers: Vec<Subscriber>,
    metrics: Metrics,
    /// `mirage_events_total` by `eventid`, looked up once per kind instead of once per event.
    counters: HashMap<&'static str, IntCounter>,
    /// [`Spool::pending`] after the last append, so counting an event takes no second lock.
    pending: u64,
    draining: bool,
    failures: u32,
    next_attempt: Instant,
    /// Fault injection: an event whose typed line contains this text makes the handler panic
    /// after spooling it (`None`: off).
    panic_on_event: Option<String>,
    /// A write of the deferred lines is scheduled for the end of this turn.
    write_scheduled: bool,
    /// Events other threads hand over in batches ([`EventInbox`]).
    inbox: InboxQueue,
    /// A take of the inbox is scheduled.
    inbox_scheduled: bool,
}

impl EventSink {
    /// A sink over an opened spool, a store and (optionally) the JSON log.
    pub fn new(
        spool: Spool,
        store: Arc<dyn EventStore>,
        log: Option<JsonLog>,
        metrics: Metrics,
    ) -> EventSink {
        let pending = spool.pending();
        metrics.events_spooled.set(pending as i64);
        EventSink {
            spool: Arc::new(Mutex::new(spool)),
            store,
            drain_lock: Arc::new(tokio::sync::Mutex::new(())),
            log,
            subscribers: Vec::new(),
            metrics,
            counters: HashMap::new(),
            pending,
            draining: false,
            failures: 0,
            next_attempt: Instant::now(),
            panic_on_event: None,
            write_scheduled: false,
            inbox: InboxQueue::new(),
            inbox_scheduled: false,
        }
    }

    /// Takes events from `inbox` too (see [`EventInbox`]).
    pub fn with_inbox(mut self, inbox: InboxQueue) -> EventSink {
        self.inbox = inbox;
        self
    }

    /// Fault injection for tests: an event whose typed line (`cowrie.command.input`) contains
    /// `trigger` makes the handler panic once the event is spooled (`None`: off).
    pub fn with_panic_on_event(mut self, trigger: Option<String>) -> EventSink {
        self.panic_on_event = trigger;
        self
    }

    fn pending(&mut self) -> u64 {
        self.pending = self.spool.lock().map(|s| s.pending()).unwrap_or(0);
        self.pending
    }

    /// Accepts every event waiting in the inbox, oldest first.
    fn take_inbox(&mut self, ctx: &mut Context<Self>) {
        for event in self.inbox.take() {
            self.accept(event, ctx);
        }
    }

    /// Spools an event, then logs it and passes it on.
    fn accept(&mut self, event: Event, ctx: &mut Context<Self>) {
        let event = Arc::new(event);
        self.schedule_write(ctx);
        let spooled = match self.spool.lock() {
            Ok(mut spool) => {
                let appended = spool.append_deferred(&event);
                self.pending = spool.pending();
                appended
            }
            Err(_) => Err(std::io::Error::other("spool lock poisoned")),
        };
        if let Err(err) = spooled {
            // The spool is the durability guarantee; if the disk refuses, say so loudly.
            tracing::error!(error = %err, event = %event.id, "Cannot spool event.");
        }
        // Spooled: from here on a panic costs at most this event's log line and alerts.
        if catch_unwind(AssertUnwindSafe(|| self.pass_on(&event))).is_err() {
            tracing::error!(event = %event.id, "Event sink handler panicked; the event is spooled, the sink goes on.");
            self.metrics
                .actor_restarts_total
                .with_label_values(&["sink"])
                .inc();
        }
    }

    /// Writes the deferred lines at the end of this turn: actix polls a spawned item after
    /// the mailbox is empty, within the same wake-up.
    fn schedule_write(&mut self, ctx: &mut Context<Self>) {
        if !self.write_scheduled {
            self.write_scheduled = true;
            ctx.spawn(actix::fut::ready(()).map(|(), act: &mut Self, _| act.write_deferred()));
        }
    }

    /// Writes the spool's and the JSON log's deferred lines, one call each.
    fn write_deferred(&mut self) {
        self.write_scheduled = false;
        match self.spool.lock() {
            Ok(mut spool) => {
                if let Err(err) = spool.write_deferred() {
                    // The spool is the durability guarantee; if the disk refuses, say so loudly.
                    tracing::error!(lost = err.lost, error = %err.source, "Cannot spool events.");
                }
                self.pending = spool.pending();
            }
            Err(_) => tracing::error!("Cannot spool events: the spool lock is poisoned."),
        }
        if let Some(log) = self.log.as_mut()
            && let Err(err) = log.write_buffered()
        {
            tracing::warn!(error = %err, "Cannot write the JSON log.");
        }
    }

    /// Starts one drain in the background unless one is running or the backoff says wait.
    fn maybe_drain(&mut self, ctx: &mut Context<Self>) {
        if self.draining || Instant::now() < self.next_attempt || self.pending() == 0 {
            return;
        }
        self.draining = true;
        let spool = self.spool.clone();
        let store = self.store.clone();
        let lock = self.drain_lock.clone();
        let fut = async move {
            let _draining = lock.lock().await;
            spool::drain(&spool, store.as_ref()).await
        };
        ctx.spawn(fut.into_actor(self).map(|result, act, _| {
            act.draining = false;
            act.after_drain(result);
        }));
    }

    fn after_drain(&mut self, result: Result<u64, crate::store::StoreError>) {
        match result {
            Ok(stored) => {
                self.metrics.events_stored_total.inc_by(stored);
                self.failures = 0;
                self.next_attempt = Instant::now();
            }
            Err(err) => {
                self.metrics.store_errors_total.inc();
                self.failures = self.failures.saturating_add(1);
                let backoff = DRAIN_INTERVAL
                    .saturating_mul(1 << self.failures.min(5))
                    .min(MAX_BACKOFF);
                self.next_attempt = Instant::now() + backoff;
                if self.failures == 1 || self.failures.is_multiple_of(20) {
                    tracing::warn!(
                        error = %crate::error_chain(&err),
                        pending = self.pending(),
                        "Store unreachable; events stay in the spool."
                    );
                }
            }
        }
        let pending = self.pending();
        self.metrics.events_spooled.set(pending as i64);
    }
}

impl Actor for EventSink {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(DRAIN_INTERVAL, |act, ctx| {
            act.take_inbox(ctx);
            act.write_deferred();
            if let Some(log) = act.log.as_mut()
                && let Err(err) = log.flush()
            {
                tracing::warn!(error = %err, "Cannot flush the JSON log.");
            }
            act.maybe_drain(ctx);
        });
    }

    fn stopping(&mut self, ctx: &mut Context<Self>) -> Running {
        self.take_inbox(ctx);
        self.write_deferred();
        Running::Stop
    }
}

impl Supervised for EventSink {
    fn restarting(&mut self, ctx: &mut Context<Self>) {
        self.metrics
            .actor_restarts_total
            .with_label_values(&["sink"])
            .inc();
        self.draining = false;
        // The restarted context has no scheduled write or take: do both now.
        self.inbox_scheduled = false;
        self.write_scheduled = false;
        self.take_inbox(ctx);
        self.write_deferred();
    }
}

impl Handler<Event> for EventSink {
    type Result = ();

    fn handle(&mut self, event: Event, ctx: &mut Context<Self>) {
        // Handed-over events made before this one come first and the later ones after it, so
        // the spool and the JSON log keep the order the events were made in (a session's
        // last command before its close, its login before its first command).
        let mut inbox = self.inbox.take().into_iter().peekable();
        while let Some(earlier) = inbox.next_if(|e| e.timestamp <= event.timestamp) {
            self.accept(earlier, ctx);
        }
        self.accept(event, ctx);
        for later in inbox {
            self.accept(later, ctx);
        }
    }
}

impl Handler<InboxReady> for EventSink {
    type Result = ();

    fn handle(&mut self, _: InboxReady, ctx: &mut Context<Self>) {
        if !self.inbox_scheduled {
            self.inbox_scheduled = true;
            ctx.run_later(INBOX_DELAY, |act, ctx| {
                act.inbox_scheduled = false;
                act.take_inbox(ctx);
            });
        }
    }
}

impl EventSink {
    /// Counts, logs and passes on an event that is already spooled.
    fn pass_on(&mut self, event: &Arc<Event>) {
        if let (Some(trigger), EventKind::CommandInput { input }) =
            (self.panic_on_event.as_deref(), &event.kind)
            && input.contains(trigger)
        {
            panic!("fault injection: event input contains {trigger:?}");
        }
        let eventid = event.kind.eventid();
        self.counters
            .entry(eventid)
            .or_insert_with(|| self.metrics.events_total.with_label_values(&[eventid]))
            .inc();
        self.metrics.events_spooled.set(self.pending as i64);
        if let Some(log) = self.log.as_mut()
            && let Err(err) = log.write_deferred(event, Utc::now())
        {
            tracing::warn!(error = %err, "Cannot write the JSON log.");
        }
        for subscriber in &self.subscribers {
            // Alerts are best effort: a full subscriber mailbox must not block the sink.
            let sent = match subscriber {
                Subscriber::Copy(recipient) => recipient.try_send(Event::clone(event)).is_ok(),
                Subscriber::Shared(recipient, wants) if wants(&event.kind) => {
                    recipient.try_send(SharedEvent(event.clone())).is_ok()
                }
                Subscriber::Shared(..) => true,
            };
            if !sent {
                self.metrics.events_dropped_total.inc();
                tracing::warn!(event = %event.id, "A subscriber's mailbox is full; event not passed on.");
            }
        }
    }
}

impl Handler<Subscribe> for EventSink {
    type Result = ();

    fn handle(&mut self, msg: Subscribe, _: &mut Context<Self>) {
        self.subscribers.push(Subscriber::Copy(msg.0));
    }
}

impl Handler<SubscribeShared> for EventSink {
    type Result = ();

    fn handle(&mut self, msg: SubscribeShared, _: &mut Context<Self>) {
        self.subscribers
            .push(Subscriber::Shared(msg.recipient, msg.wants));
    }
}

impl Handler<Flush> for EventSink {
    type Result = ResponseActFuture<Self, u64>;

    fn handle(&mut self, msg: Flush, ctx: &mut Context<Self>) -> Self::Result {
        self.take_inbox(ctx);
        self.write_deferred();
        if let Some(log) = self.log.as_mut()
            && let Err(err) = log.flush()
        {
            tracing::warn!(error = %err, "Cannot flush the JSON log.");
        }
        let spool = self.spool.clone();
        let store = self.store.clone();
        let lock = self.drain_lock.clone();
        let deadline = Instant::now() + msg.timeout;
        let fut = async move {
            let _draining = lock.lock().await;
            let mut stored = 0;
            loop {
                let remaining = deadline.saturating_duration_since(Instant::now());
                let attempt =
                    tokio::time::timeout(remaining, spool::drain(&spool, store.as_ref())).await;
                match attempt {
                    Ok(Ok(n)) => {
                        stored += n;
                        break;
                    }
                    Ok(Err(_)) if Instant::now() + DRAIN_INTERVAL < deadline => {
                        tokio::time::sleep(DRAIN_INTERVAL).await;
                    }
                    _ => break,
                }
            }
            stored
        };
        Box::pin(fut.into_actor(self).map(|stored, act, _| {
            act.metrics.events_stored_total.inc_by(stored);
            let pending = act.pending();
            act.metrics.events_spooled.set(pending as i64);
            pending
        }))
    }
}

#[cfg(test)]
mod tests;
