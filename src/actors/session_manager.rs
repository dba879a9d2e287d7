//! [`SessionManager`]: starts one [`SessionActor`] per attacker session and keeps it alive.
//!
//! Session actors run on a pool of dedicated arbiters, away from the system arbiter, so a slow
//! session never stalls the event sink or the admin listener. The manager keeps each session's
//! last checkpoint. A session whose handler panicked is restarted in place by its supervisor;
//! the manager counts the restart and records a `mirage.session.restarted` event. If a session
//! actor dies beyond that (a panic outside the guarded handler), the transport asks the manager
//! to [`Reattach`], and a fresh actor starts from the checkpoint.
//!
//! The manager also holds the node's [`OverlayStore`]: a new session gets the filesystem
//! overlay of its (source address, user), fresh or left by an earlier session, and gives it
//! back when it ends; a restarted actor gets the same overlay again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::actors::session::{SessionActor, SessionDeps};
use crate::events::{EventKind, SessionId, SessionOrigin};
use crate::host::fs::{OverlayKey, OverlayStore, SharedOverlay};
use crate::models::context::Login;
use crate::shell::ShellState;

/// How often parked overlays past their time are dropped, when no session starts or ends.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

struct Record {
    origin: SessionOrigin,
    /// What the login told (client, credentials), for the models of a restarted actor.
    login: Login,
    checkpoint: Arc<ShellState>,
    addr: Addr<SessionActor>,
    restarts: u32,
    /// Whose files the session has, and the overlay itself (for a restart).
    fs_key: OverlayKey,
    fs: SharedOverlay,
}

/// Owns the session actors of the node.
pub struct SessionManager {
    arbiters: Vec<ArbiterHandle>,
    next: usize,
    /// Shared by every session actor rather than copied into each.
    deps: Arc<SessionDeps>,
    sessions: HashMap<SessionId, Record>,
    overlays: OverlayStore,
}

impl SessionManager {
    /// A manager placing sessions round-robin on `arbiters` (the current arbiter if empty),
    /// giving them overlays from `overlays`.
    pub fn new(
        arbiters: Vec<ArbiterHandle>,
        deps: SessionDeps,
        overlays: OverlayStore,
    ) -> SessionManager {
        SessionManager {
            arbiters,
            next: 0,
            deps: Arc::new(deps),
            sessions: HashMap::new(),
            overlays,
        }
    }

    fn spawn(
        &mut self,
        origin: SessionOrigin,
        login: Login,
        checkpoint: ShellState,
        fs: SharedOverlay,
        me: Addr<SessionManager>,
    ) -> Addr<SessionActor> {
        let deps = self.deps.clone();
        let arbiter = if self.arbiters.is_empty() {
            Arbiter::current()
        } else {
            self.next = (self.next + 1) % self.arbiters.len();
            self.arbiters[self.next].clone()
        };
        Supervisor::start_in_arbiter(&arbiter, move |_| {
            SessionActor::new(origin, login, deps, me, checkpoint, fs)
        })
    }
}

impl Actor for SessionManager {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(EXPIRE_EVERY, |manager, _| {
            manager.overlays.expire(Instant::now());
        });
    }
}

impl Supervised for SessionManager {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.deps
            .metrics
            .actor_restarts_total
            .with_label_values(&["session_manager"])
            .inc();
    }
}

/// Starts the actor of a newly authenticated session.
#[derive(Message)]
#[rtype(result = "Addr<SessionActor>")]
pub struct StartSession {
    /// Who and where.
    pub origin: SessionOrigin,
    /// The user the attacker logged in as.
    pub user: String,
    /// What the login told: the SSH client's version and the credentials (empty for HTTP).
    pub login: Login,
}

impl Handler<StartSession> for SessionManager {
    type Result = MessageResult<StartSession>;

    fn handle(&mut self, msg: StartSession, ctx: &mut Context<Self>) -> Self::Result {
        let mut checkpoint = ShellState::login(&msg.user);
        checkpoint.set_origin(msg.origin.src.ip(), self.deps.clock.now());
        let fs_key = OverlayKey {
            ip: msg.origin.src.ip(),
            user: msg.user.clone(),
        };
        let (fs, resumed) =
            self.overlays
                .checkout_at(fs_key.clone(), Instant::now(), self.deps.clock.now());
        if resumed {
            tracing::debug!(session = %msg.origin.session, "Session resumes its files.");
        }
        let addr = self.spawn(
            msg.origin.clone(),
            msg.login.clone(),
            checkpoint.clone(),
            fs.clone(),
            ctx.address(),
        );
        self.sessions.insert(
            msg.origin.session.clone(),
            Record {
                origin: msg.origin,
                login: msg.login,
                checkpoint: Arc::new(checkpoint),
                addr: addr.clone(),
                restarts: 0,
                fs_key,
                fs,
            },
        );
        MessageResult(addr)
    }
}

/// A session's state after a completed line.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Checkpoint {
    /// Whose.
    pub session: SessionId,
    /// The state to return to after a failure (shared with the session, not copied).
    pub state: Arc<ShellState>,
}

impl Handler<Checkpoint> for SessionManager {
    type Result = ();

    fn handle(&mut self, msg: Checkpoint, _: &mut Context<Self>) {
        if let Some(record) = self.sessions.get_mut(&msg.session) {
            record.checkpoint = msg.state;
        }
    }
}

/// A session's handler panicked; its supervisor is restarting it from its checkpoint.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionFailed {
    /// Whose.
    pub session: SessionId,
    /// The panic message, for operators.
    pub reason: String,
}

impl Handler<SessionFailed> for SessionManager {
    type Result = ();

    fn handle(&mut self, msg: SessionFailed, _: &mut Context<Self>) {
        self.deps
            .metrics
            .actor_restarts_total
            .with_label_values(&["session"])
            .inc();
        if let Some(record) = self.sessions.get_mut(&msg.session) {
            record.restarts += 1;
            self.deps.sink.do_send(
                record
                    .origin
                    .event(EventKind::SessionRestarted { reason: msg.reason }),
            );
        }
    }
}

/// The transport lost its session actor (its mailbox closed): start a fresh one from the last
/// checkpoint. `None` if the session is unknown (already ended).
#[derive(Message)]
#[rtype(result = "Option<Addr<SessionActor>>")]
pub struct Reattach {
    /// Whose.
    pub session: SessionId,
}

impl Handler<Reattach> for SessionManager {
    type Result = MessageResult<Reattach>;

    fn handle(&mut self, msg: Reattach, ctx: &mut Context<Self>) -> Self::Result {
        let Some(record) = self.sessions.get(&msg.session) else {
            return MessageResult(None);
        };
        if record.addr.connected() {
            return MessageResult(Some(record.addr.clone()));
        }
        let (origin, login, checkpoint, fs) = (
            record.origin.clone(),
            record.login.clone(),
            ShellState::clone(&record.checkpoint),
            record.fs.clone(),
        );
        self.deps
            .metrics
            .actor_restarts_total
            .with_label_values(&["session"])
            .inc();
        self.deps
            .sink
            .do_send(origin.event(EventKind::SessionRestarted {
                reason: "session actor died outside its guarded handler".into(),
            }));
        let addr = self.spawn(origin, login, checkpoint, fs, ctx.address());
        if let Some(record) = self.sessions.get_mut(&msg.session) {
            record.addr = addr.clone();
            record.restarts += 1;
        }
        MessageResult(Some(addr))
    }
}

/// The transport closed: forget the session (its actor stops once no address is left).
#[derive(Message)]
#[rtype(result = "()")]
pub struct EndSession {
    /// Whose.
    pub session: SessionId,
}

impl Handler<EndSession> for SessionManager {
    type Result = ();

    fn handle(&mut self, msg: EndSession, _: &mut Context<Self>) {
        if let Some(record) = self.sessions.remove(&msg.session) {
            // The files stay for the attacker's return (`fs.persist_secs`).
            self.overlays.checkin(&record.fs_key, Instant::now());
        }
    }
}

/// How many sessions the manager holds, and how many restarts they had in total.
#[derive(Message)]
#[rtype(result = "(usize, u64)")]
pub struct SessionStats;

impl Handler<SessionStats> for SessionManager {
    type Result = MessageResult<SessionStats>;

    fn handle(&mut self, _: SessionStats, _: &mut Context<Self>) -> Self::Result {
        let restarts = self.sessions.values().map(|r| u64::from(r.restarts)).sum();
        MessageResult((self.sessions.len(), restarts))
    }
}
