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
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
    checkpoint: CheckpointSlot,
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
        checkpoint: CheckpointSlot,
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
        let checkpoint = CheckpointSlot::new(Arc::new(checkpoint));
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
                checkpoint,
                addr: addr.clone(),
                restarts: 0,
                fs_key,
                fs,
            },
        );
        MessageResult(addr)
    }
}

/// A session's state after its last completed line, shared by its actor and the manager.
///
/// The actor puts each new checkpoint here itself; the manager reads it only to start a fresh
/// actor ([`Reattach`]). A message per line cost a hop to the manager's thread for every
/// command, and the state it replaced was dropped there (issue 7); now the session's own
/// worker drops it. The lock is held only to swap a pointer.
#[derive(Clone)]
pub struct CheckpointSlot(Arc<Mutex<Arc<ShellState>>>);

impl CheckpointSlot {
    /// A slot holding `state`.
    pub fn new(state: Arc<ShellState>) -> CheckpointSlot {
        CheckpointSlot(Arc::new(Mutex::new(state)))
    }

    fn lock(&self) -> MutexGuard<'_, Arc<ShellState>> {
        // Nothing panics while holding the lock; a poisoned one still holds a whole state.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last checkpoint (shared, not copied).
    pub fn get(&self) -> Arc<ShellState> {
        self.lock().clone()
    }

    /// Makes `state` the last checkpoint.
    pub fn set(&self, state: Arc<ShellState>) {
        let old = std::mem::replace(&mut *self.lock(), state);
        // Dropped after the lock is released: it may be the last reference to a whole state.
        drop(old);
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
            record.checkpoint.clone(),
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

#[cfg(test)]
pub(crate) mod tests {

    use tokio::sync::mpsc;

    use super::*;
    use crate::actors::session::{Input, OUTPUT_BUFFER, StartShell};
    use crate::metrics::Metrics;
    use crate::sim::clock::Clock;
    use crate::sim::collector::Collector;
    use crate::sim::replay::{replay_deps, replay_manager, shared_shell};

    /// The checkpoint the manager holds for `session`.
    #[derive(Message)]
    #[rtype(result = "Option<Arc<ShellState>>")]
    struct Saved(SessionId);

    impl Handler<Saved> for SessionManager {
        type Result = Option<Arc<ShellState>>;

        fn handle(&mut self, msg: Saved, _: &mut Context<Self>) -> Self::Result {
            self.sessions.get(&msg.0).map(|r| r.checkpoint.get())
        }
    }

    /// Starts a session `name` logged in as root on `manager` (the shared test origin).
    pub(crate) async fn start_root(
        manager: &Addr<SessionManager>,
        name: &str,
    ) -> Addr<SessionActor> {
        let origin = SessionOrigin {
            session: SessionId(name.into()),
            ..crate::events::tests::origin()
        };
        manager
            .send(StartSession {
                origin,
                user: "root".into(),
                login: Login::default(),
            })
            .await
            .unwrap()
    }

    #[actix::test]
    async fn the_manager_sees_each_completed_line_without_a_message() {
        let start = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let deps = replay_deps(
            shared_shell(7, start),
            Clock::virtual_at(start),
            Collector::default().start().recipient(),
            Metrics::new(),
            Default::default(),
        );
        let manager = replay_manager(deps, Vec::new());
        let session = SessionId("slot".into());
        let actor = start_root(&manager, "slot").await;
        let saved = || manager.send(Saved(session.clone()));
        let login = saved().await.unwrap().unwrap();
        assert_eq!(login.cwd, "/root");

        let (tx, _rx) = mpsc::channel(OUTPUT_BUFFER);
        let out = tx.into();
        actor.send(StartShell { out, pty: None }).await.unwrap();
        actor.send(Input(b"cd /tmp\r".to_vec())).await.unwrap();
        let after = saved().await.unwrap().unwrap();
        assert_eq!(after.cwd, "/tmp");
        // What a fresh actor would start from is the line's state, not a copy of it.
        actor.send(Input(b"cd /var\r".to_vec())).await.unwrap();
        assert_eq!(saved().await.unwrap().unwrap().cwd, "/var");
        assert_eq!(after.cwd, "/tmp");
    }
}
