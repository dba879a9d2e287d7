//! HTTP sessions: requests from one client address, until it is idle for
//! `http.session_idle_secs`, are one session with one [`SessionActor`], like an SSH login.
//!
//! The first request from an address asks the [`SessionManager`] for an actor (user
//! `www-data`, the web server's) and records `SessionConnect`; [`HttpSessions::reap`] ends
//! the idle ones with `SessionClosed` and [`EndSession`]. At most [`MAX_SESSIONS`] are open; a
//! new address past that ends the longest-idle one first.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::actors::session::SessionActor;
use crate::actors::session_manager::{EndSession, Reattach, SessionManager, StartSession};
use crate::events::{Event, EventKind, Protocol, SessionId, SessionOrigin};
use crate::metrics::Metrics;

/// Most HTTP sessions open at once.
pub const MAX_SESSIONS: usize = 4096;

/// The user an HTTP session runs as.
pub const HTTP_USER: &str = "www-data";

struct Entry {
    origin: SessionOrigin,
    addr: Addr<SessionActor>,
    started: Instant,
    last: Instant,
}

/// The open HTTP sessions of a node.
pub struct HttpSessions {
    node: String,
    manager: Addr<SessionManager>,
    sink: Recipient<Event>,
    metrics: Metrics,
    idle: Duration,
    open: Mutex<HashMap<IpAddr, Entry>>,
}

impl HttpSessions {
    /// No sessions yet.
    pub fn new(
        node: String,
        manager: Addr<SessionManager>,
        sink: Recipient<Event>,
        metrics: Metrics,
        idle: Duration,
    ) -> HttpSessions {
        HttpSessions {
            node,
            manager,
            sink,
            metrics,
            idle,
            open: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Entry>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The session of `peer`'s address (started now if it has none), its actor and origin.
    /// `None` if the session manager is gone (the node is stopping).
    pub async fn session(
        &self,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> Option<(Addr<SessionActor>, SessionOrigin)> {
        let now = Instant::now();
        if let Some(entry) = self.lock().get_mut(&peer.ip())
            && now.duration_since(entry.last) < self.idle
        {
            entry.last = now;
            return Some((entry.addr.clone(), entry.origin.clone()));
        }
        // Idle past its time but not reaped yet: end it before starting anew.
        let stale = self.lock().remove(&peer.ip());
        if let Some(entry) = stale {
            self.close(entry);
        }
        let origin = SessionOrigin {
            node: self.node.clone(),
            session: SessionId::random(),
            protocol: Protocol::Http,
            src: peer,
            dst: local,
        };
        let addr = self
            .manager
            .send(StartSession {
                origin: origin.clone(),
                user: HTTP_USER.to_owned(),
                login: crate::models::context::Login::default(),
            })
            .await
            .ok()?;
        let evicted = {
            let mut open = self.lock();
            if let Some(entry) = open.get_mut(&peer.ip()) {
                // Another connection of the same client won the race: use its session.
                entry.last = now;
                let won = (entry.addr.clone(), entry.origin.clone());
                drop(open);
                self.manager.do_send(EndSession {
                    session: origin.session,
                });
                return Some(won);
            }
            let evicted = if open.len() >= MAX_SESSIONS {
                let oldest = open.iter().min_by_key(|(_, e)| e.last).map(|(ip, _)| *ip);
                oldest.and_then(|ip| open.remove(&ip))
            } else {
                None
            };
            open.insert(
                peer.ip(),
                Entry {
                    origin: origin.clone(),
                    addr: addr.clone(),
                    started: now,
                    last: now,
                },
            );
            evicted
        };
        if let Some(entry) = evicted {
            self.close(entry);
        }
        self.metrics
            .sessions_total
            .with_label_values(&["http"])
            .inc();
        self.metrics
            .sessions_active
            .with_label_values(&["http"])
            .inc();
        self.sink.do_send(origin.event(EventKind::SessionConnect));
        Some((addr, origin))
    }

    /// A fresh actor for a session whose actor died, from the manager's checkpoint.
    pub async fn reattach(&self, origin: &SessionOrigin) -> Option<Addr<SessionActor>> {
        let addr = self
            .manager
            .send(Reattach {
                session: origin.session.clone(),
            })
            .await
            .ok()??;
        if let Some(entry) = self.lock().get_mut(&origin.src.ip()) {
            entry.addr = addr.clone();
        }
        Some(addr)
    }

    /// Ends every session idle for `http.session_idle_secs` (all of them with `all`).
    pub fn reap(&self, all: bool) {
        let now = Instant::now();
        let expired: Vec<Entry> = {
            let mut open = self.lock();
            let ips: Vec<IpAddr> = open
                .iter()
                .filter(|(_, e)| all || now.duration_since(e.last) >= self.idle)
                .map(|(ip, _)| *ip)
                .collect();
            ips.iter().filter_map(|ip| open.remove(ip)).collect()
        };
        for entry in expired {
            self.close(entry);
        }
    }

    /// How many sessions are open.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn close(&self, entry: Entry) {
        let duration_ms = u64::try_from(
            entry
                .last
                .max(entry.started)
                .duration_since(entry.started)
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        self.metrics
            .sessions_active
            .with_label_values(&["http"])
            .dec();
        self.sink
            .do_send(entry.origin.event(EventKind::SessionClosed { duration_ms }));
        self.manager.do_send(EndSession {
            session: entry.origin.session,
        });
    }
}
