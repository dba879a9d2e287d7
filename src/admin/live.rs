//! The live feed: which sessions are on the node right now, pushed to `/live` as they start,
//! change and end.
//!
//! [`LiveFeed`] subscribes to the event sink like the alert actor does and keeps one
//! [`LiveSession`] per open session (who, since when, where it is, its class, attack phase
//! and deception settings when known, the last command). Each change goes out on a broadcast channel; `GET /live/events` streams it as
//! Server-Sent Events (`event: session`, the session as JSON), after a snapshot of the
//! sessions open when the stream starts. A slow reader skips what it missed (the next update
//! of a session carries its whole state); the sink is never held up.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::events::{Event, EventKind};

/// Updates a slow SSE reader may fall behind by before it skips some.
const CHANNEL: usize = 8192;
/// Open sessions tracked at most (a close that never came must not grow this forever).
const MAX_TRACKED: usize = 10_000;
/// How long an ended session stays in the snapshot, so a page opened just after sees it end.
const ENDED_KEPT: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// Sessions a page or a new stream starts with at most (the open ones first).
pub const SNAPSHOT: usize = 200;
/// Updates sent in one write at most.
const BATCH: usize = 256;
/// Comment lines keep idle streams (and proxies) open.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// One session as the live page shows it. Every string is attacker-influenced: the page
/// inserts them as text.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LiveSession {
    /// Session id.
    pub id: String,
    /// `ssh` or `http`.
    pub protocol: &'static str,
    /// Attacker address.
    pub src_ip: String,
    /// When it connected.
    pub started: DateTime<Utc>,
    /// Last user name tried, if any.
    pub username: Option<String>,
    /// The attacker class, once the classifier has one.
    pub class: Option<String>,
    /// Where the connection is: `connected`, `login`, `logged in`, `commands`, `download`,
    /// `upload`, `requests`, `ended`.
    pub state: &'static str,
    /// The attack phase (`recon`, `download_execute`, …), once a classification carried one.
    pub phase: Option<String>,
    /// The deception settings in force (`latency=… enticement=… …`), once Layer 3 chose them.
    pub strategy: Option<String>,
    /// The last command line (or HTTP request line).
    pub last_command: Option<String>,
    /// Commands (or HTTP requests) so far.
    pub commands: u32,
    /// When it ended (`None` while open).
    pub ended: Option<DateTime<Utc>>,
}

/// The open sessions and the channel their changes go out on.
pub struct LiveState {
    tracked: Mutex<Tracked>,
    tx: broadcast::Sender<LiveSession>,
}

/// The sessions the page knows, with the order they came in.
#[derive(Default)]
struct Tracked {
    sessions: HashMap<String, LiveSession>,
    /// Session ids in the order they were first seen (oldest first), so making room takes
    /// the oldest at once instead of scanning every session; ids no longer tracked are
    /// skipped.
    order: VecDeque<String>,
}

impl Default for LiveState {
    fn default() -> Self {
        LiveState {
            tracked: Mutex::default(),
            tx: broadcast::channel(CHANNEL).0,
        }
    }
}

impl LiveState {
    /// A live state kept current by a [`LiveFeed`] subscribed to `sink`.
    pub fn start(sink: &Addr<crate::actors::sink::EventSink>) -> Arc<LiveState> {
        let state = Arc::new(LiveState::default());
        let feed = {
            let state = state.clone();
            Supervisor::start(move |_| LiveFeed::new(state.clone()))
        };
        sink.do_send(crate::actors::sink::SubscribeShared {
            recipient: feed.recipient(),
            wants: crate::actors::sink::every_kind,
        });
        state
    }

    /// At most `limit` sessions: those open now, newest first, then those ended in the last
    /// minute, most recently ended first.
    pub fn snapshot(&self, limit: usize) -> Vec<LiveSession> {
        let Ok(mut tracked) = self.tracked.lock() else {
            return Vec::new();
        };
        let sessions = &mut tracked.sessions;
        let now = Utc::now();
        sessions.retain(|_, s| s.ended.is_none_or(|at| now - at < ENDED_KEPT));
        let mut refs: Vec<&LiveSession> = sessions.values().collect();
        refs.sort_by_key(|s| {
            (
                s.ended.is_some(),
                std::cmp::Reverse(s.ended.unwrap_or(s.started)),
            )
        });
        refs.into_iter().take(limit).cloned().collect()
    }

    /// How many sessions are open now.
    pub fn open_count(&self) -> usize {
        self.tracked
            .lock()
            .map(|t| t.sessions.values().filter(|s| s.ended.is_none()).count())
            .unwrap_or(0)
    }

    /// Applies one event; publishes the session if the event changed what the page shows.
    pub fn apply(&self, event: &Event) {
        let Ok(mut tracked) = self.tracked.lock() else {
            return;
        };
        let Tracked { sessions, order } = &mut *tracked;
        if !sessions.contains_key(&event.session.0) {
            if sessions.len() >= MAX_TRACKED {
                make_room(sessions, order);
            }
            order.push_back(event.session.0.clone());
            // Ids of sessions the snapshot dropped pile up while the map is not full.
            if order.len() > 2 * MAX_TRACKED {
                order.retain(|id| sessions.contains_key(id));
            }
        }
        let session = sessions
            .entry(event.session.0.clone())
            .or_insert_with(|| LiveSession {
                id: event.session.0.clone(),
                protocol: event.protocol.as_str(),
                src_ip: event.src_ip.to_string(),
                started: event.timestamp,
                username: None,
                class: None,
                state: "connected",
                phase: None,
                strategy: None,
                last_command: None,
                commands: 0,
                ended: None,
            });
        let changed = match &event.kind {
            EventKind::SessionConnect => true,
            EventKind::LoginFailed { username, .. } => {
                session.username = Some(username.clone());
                session.state = "login";
                true
            }
            EventKind::LoginSuccess { username, .. } => {
                session.username = Some(username.clone());
                session.state = "logged in";
                true
            }
            EventKind::CommandInput { input } => {
                session.last_command = Some(input.clone());
                session.commands = session.commands.saturating_add(1);
                session.state = "commands";
                true
            }
            EventKind::FileDownload { .. } => {
                session.state = "download";
                true
            }
            EventKind::FileUpload { .. } => {
                session.state = "upload";
                true
            }
            EventKind::HttpRequest(info) => {
                session.last_command = Some(format!("{} {}", info.method, info.path));
                session.commands = session.commands.saturating_add(1);
                session.state = "requests";
                true
            }
            EventKind::Classification { class, phase, .. } => {
                session.class = Some(class.clone());
                if phase.is_some() {
                    session.phase = phase.clone();
                }
                true
            }
            EventKind::Strategy { settings, .. } => {
                session.strategy = Some(settings.to_string());
                true
            }
            EventKind::SessionClosed { .. } => {
                session.state = "ended";
                session.ended = Some(event.timestamp);
                true
            }
            _ => false,
        };
        // Nobody watching: no copy to make (send would only hand it back).
        if changed && self.tx.receiver_count() > 0 {
            // An error only means the last watcher just left.
            self.tx.send(session.clone()).ok();
        }
    }

    /// A receiver of every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveSession> {
        self.tx.subscribe()
    }
}

/// Drops one session to make room for a new one: the first ended one in `order` (oldest
/// first), or the oldest of all when every one is open. Open sessions met on the way go to
/// the back, so each call costs about one step, not a scan of every session.
fn make_room(sessions: &mut HashMap<String, LiveSession>, order: &mut VecDeque<String>) {
    let mut open_skipped = 0;
    while let Some(id) = order.pop_front() {
        let Some(session) = sessions.get(&id) else {
            continue;
        };
        if session.ended.is_some() || open_skipped >= sessions.len() {
            sessions.remove(&id);
            return;
        }
        order.push_back(id);
        open_skipped += 1;
    }
}

/// The actor the event sink feeds (`SubscribeShared` with every kind).
pub struct LiveFeed {
    state: Arc<LiveState>,
}

impl LiveFeed {
    /// A feed that keeps `state` current.
    pub fn new(state: Arc<LiveState>) -> LiveFeed {
        LiveFeed { state }
    }
}

impl Actor for LiveFeed {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The sink passes events on with try_send: room for bursts, like the alert actor.
        ctx.set_mailbox_capacity(crate::actors::alert::ALERT_MAILBOX);
    }
}

impl Supervised for LiveFeed {}

impl Handler<crate::actors::sink::SharedEvent> for LiveFeed {
    type Result = ();

    fn handle(&mut self, event: crate::actors::sink::SharedEvent, _: &mut Context<Self>) {
        self.state.apply(&event.0);
    }
}

/// Registers `GET /live/events`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/live/events", web::get().to(events));
}

fn frame(session: &LiveSession) -> web::Bytes {
    let json = serde_json::to_string(session).unwrap_or_else(|_| "{}".to_owned());
    web::Bytes::from(format!("event: session\ndata: {json}\n\n"))
}

/// `GET /live/events`: the snapshot, then every change, as Server-Sent Events.
async fn events(live: web::Data<LiveState>) -> HttpResponse {
    let rx = live.subscribe();
    let snapshot = live.snapshot(SNAPSHOT).into_iter().rev();
    let mut tick = tokio::time::interval(KEEPALIVE);
    tick.reset();
    let stream = futures::stream::unfold(
        (rx, snapshot, tick),
        |(mut rx, mut snapshot, mut tick)| async move {
            if let Some(session) = snapshot.next() {
                return Some((Ok::<_, Infallible>(frame(&session)), (rx, snapshot, tick)));
            }
            loop {
                tokio::select! {
                    update = rx.recv() => match update {
                        Ok(session) => {
                            // Whatever else is already waiting goes out in the same write.
                            let mut out = frame(&session).to_vec();
                            for _ in 0..BATCH {
                                match rx.try_recv() {
                                    Ok(more) => out.extend_from_slice(&frame(&more)),
                                    Err(_) => break,
                                }
                            }
                            return Some((Ok(web::Bytes::from(out)), (rx, snapshot, tick)));
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = tick.tick() => {
                        return Some((
                            Ok(web::Bytes::from_static(b": keepalive\n\n")),
                            (rx, snapshot, tick),
                        ));
                    }
                }
            }
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Protocol, SessionId, SessionOrigin};

    fn origin(id: &str) -> SessionOrigin {
        SessionOrigin {
            node: "n".into(),
            session: SessionId(id.into()),
            protocol: Protocol::Ssh,
            src: "203.0.113.5:4000".parse().unwrap(),
            dst: "127.0.0.1:2222".parse().unwrap(),
        }
    }

    #[test]
    fn a_session_is_published_as_it_changes_and_ends() {
        let live = LiveState::default();
        let mut rx = live.subscribe();
        let o = origin("aaaaaaaaaaaa");
        live.apply(&o.event(EventKind::SessionConnect));
        live.apply(&o.event(EventKind::LoginSuccess {
            username: "root".into(),
            password: "x".into(),
        }));
        live.apply(&o.event(EventKind::ClientSize {
            width: 80,
            height: 24,
        }));
        live.apply(&o.event(EventKind::CommandInput {
            input: "<script>uname</script>".into(),
        }));
        let states: Vec<&str> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|s| s.state)
            .collect();
        assert_eq!(
            states,
            ["connected", "logged in", "commands"],
            "no update for a resize"
        );
        assert_eq!(live.open_count(), 1);
        live.apply(&o.event(EventKind::SessionClosed { duration_ms: 5 }));
        let ended = rx.try_recv().unwrap();
        assert_eq!(ended.state, "ended");
        assert_eq!(
            ended.last_command.as_deref(),
            Some("<script>uname</script>")
        );
        assert_eq!(live.open_count(), 0);
        assert_eq!(
            live.snapshot(10).len(),
            1,
            "an ended session stays a minute"
        );
    }

    #[test]
    fn class_phase_and_strategy_are_published() {
        let live = LiveState::default();
        let mut rx = live.subscribe();
        let o = origin("bbbbbbbbbbbb");
        live.apply(&o.event(EventKind::SessionConnect));
        let classified = |phase: Option<&str>| EventKind::Classification {
            class: "malware_dropper".into(),
            rule: "R5".into(),
            source: "rules".into(),
            confidence: None,
            phase: phase.map(str::to_owned),
        };
        live.apply(&o.event(classified(Some("download_execute"))));
        live.apply(&o.event(EventKind::Strategy {
            settings: crate::models::strategy::Deception::default(),
            mode: "fixed".into(),
            class: "malware_dropper".into(),
            phase: "download_execute".into(),
        }));
        // An older event kind without a phase leaves the phase shown.
        live.apply(&o.event(classified(None)));
        let last = std::iter::from_fn(|| rx.try_recv().ok()).last().unwrap();
        assert_eq!(last.class.as_deref(), Some("malware_dropper"));
        assert_eq!(last.phase.as_deref(), Some("download_execute"));
        assert_eq!(
            last.strategy.as_deref(),
            Some("latency=none enticement=medium richness=standard errors=off vulnerable=never")
        );
        let json = serde_json::to_value(&last).unwrap();
        assert_eq!(json["phase"], "download_execute");
        assert_eq!(json["state"], "connected");
    }

    #[test]
    fn the_snapshot_is_capped_with_open_sessions_first() {
        let live = LiveState::default();
        for i in 0..50 {
            let o = origin(&format!("{i:012x}"));
            live.apply(&o.event(EventKind::SessionConnect));
            if i % 2 == 0 {
                live.apply(&o.event(EventKind::SessionClosed { duration_ms: 1 }));
            }
        }
        let snapshot = live.snapshot(30);
        assert_eq!(snapshot.len(), 30);
        assert!(snapshot[..25].iter().all(|s| s.ended.is_none()));
        assert!(snapshot[25..].iter().all(|s| s.ended.is_some()));
    }

    #[test]
    fn a_flood_of_short_sessions_keeps_the_open_ones() {
        let live = LiveState::default();
        let attacker = origin("ffffffffffff");
        live.apply(&attacker.event(EventKind::SessionConnect));
        for i in 0..MAX_TRACKED + 500 {
            let o = origin(&format!("{i:012x}"));
            live.apply(&o.event(EventKind::SessionConnect));
            live.apply(&o.event(EventKind::SessionClosed { duration_ms: 1 }));
        }
        let tracked = live.tracked.lock().unwrap().sessions.len();
        assert!(tracked <= MAX_TRACKED, "{tracked}");
        assert_eq!(live.open_count(), 1, "the open session outlives ended ones");
        let snapshot = live.snapshot(1);
        assert_eq!(snapshot[0].id, "ffffffffffff");
    }
}
