//! The decoy's listener: accepts connections, hands each request to the client's session actor
//! and writes its answer after the strategy's latency.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use rand::Rng;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::connection::{self, Responder};
use super::exchange::{self, Incoming};
use super::response::Response;
use super::sessions::HttpSessions;
use super::site::Site;
use crate::actors::session::HttpExchange;
use crate::events::{Event, Protocol, SessionId, SessionOrigin};
use crate::metrics::{Metrics, REFUSED_NODE};
use crate::protocols::ssh::limits::SessionLimits;

/// Most connections served at once; past it new connections are closed at once. With each
/// connection's buffer bounded by one request's limits (about 1 MiB), this bounds the memory
/// attackers can make the decoy hold.
pub const MAX_CONNECTIONS: usize = 512;

/// The strategy's latency: each answer waits a uniformly random time in `[min_ms, max_ms]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Least delay, in milliseconds.
    pub min_ms: u64,
    /// Most delay, in milliseconds (0: none).
    pub max_ms: u64,
}

impl Latency {
    /// One delay.
    pub fn pick(&self, rng: &mut impl Rng) -> Duration {
        if self.max_ms == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rng.gen_range(self.min_ms.min(self.max_ms)..=self.max_ms))
    }
}

/// How often idle sessions are ended and the limits saved.
const HOUSEKEEPING: Duration = Duration::from_secs(1);

/// Everything the decoy's connections share.
pub struct HttpDecoy {
    /// The site.
    pub site: Arc<Site>,
    /// The open sessions.
    pub sessions: HttpSessions,
    /// Where events go when no session actor can take a request.
    pub sink: Recipient<Event>,
    /// Node metrics.
    pub metrics: Metrics,
    /// The strategy's latency before each answer.
    pub latency: Latency,
    /// The node's id.
    pub node: String,
    /// The cap on one address's open connections (`http.max_connections_per_ip`; the
    /// node-wide cap is [`MAX_CONNECTIONS`]).
    pub limits: Arc<SessionLimits>,
}

impl HttpDecoy {
    /// Answers without an actor (none could be had): same site code, events straight to the
    /// sink.
    fn direct(
        &self,
        origin: Option<SessionOrigin>,
        peer: SocketAddr,
        local: SocketAddr,
        incoming: &Incoming,
    ) -> Response {
        let origin = origin.unwrap_or_else(|| SessionOrigin {
            node: self.node.clone(),
            session: SessionId::random(),
            protocol: Protocol::Http,
            src: peer,
            dst: local,
        });
        let done = exchange::handle(&self.site, incoming, peer.ip(), local, chrono::Utc::now());
        for kind in done.events {
            self.sink.do_send(origin.event(kind));
        }
        done.response
    }
}

impl Responder for HttpDecoy {
    async fn respond(&self, peer: SocketAddr, local: SocketAddr, incoming: Incoming) -> Response {
        let started = Instant::now();
        let message = |incoming: Incoming| HttpExchange {
            incoming,
            site: self.site.clone(),
            local,
        };
        let response = match self.sessions.session(peer, local).await {
            Some((addr, origin)) => match addr.send(message(incoming.clone())).await {
                Ok(response) => response,
                // The actor died outside its guarded handler: a fresh one from the checkpoint.
                Err(_) => match self.sessions.reattach(&origin).await {
                    Some(addr) => match addr.send(message(incoming.clone())).await {
                        Ok(response) => response,
                        Err(_) => self.direct(Some(origin), peer, local, &incoming),
                    },
                    None => self.direct(Some(origin), peer, local, &incoming),
                },
            },
            None => self.direct(None, peer, local, &incoming),
        };
        self.metrics
            .http_request_seconds
            .with_label_values(&["decoy"])
            .observe(started.elapsed().as_secs_f64());
        response
    }

    fn delay(&self) -> Duration {
        self.latency.pick(&mut rand::thread_rng())
    }
}

/// Accepts connections on `listener` until `shutdown` turns true, then ends every session and
/// saves the limits. Runs on the actix system's arbiter (connections are local tasks).
pub async fn serve(
    listener: TcpListener,
    decoy: Arc<HttpDecoy>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
    let fallback_local = listener.local_addr().ok();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            _ = housekeeping.tick() => {
                decoy.sessions.reap(false);
                decoy.site.limiter.save_if_dirty();
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let refused = |reason: &str| {
                        decoy.metrics.connections_refused_total.with_label_values(&["http", reason]).inc();
                    };
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        refused(REFUSED_NODE);
                        continue;
                    };
                    // A web server has no banner to refuse with: the connection just closes.
                    let source_permit = match decoy.limits.try_admit(peer.ip()) {
                        Ok(permit) => permit,
                        Err(refusal) => {
                            tracing::debug!(%peer, "HTTP connection refused past the per-address cap.");
                            refused(refusal.reason());
                            continue;
                        }
                    };
                    let Some(local) = stream.local_addr().ok().or(fallback_local) else {
                        continue;
                    };
                    stream.set_nodelay(true).ok();
                    let decoy = decoy.clone();
                    actix_rt::spawn(async move {
                        let _permits = (permit, source_permit);
                        let server = decoy.site.server;
                        connection::serve(stream, peer, local, server.into(), &*decoy).await;
                    });
                }
                Err(err) => {
                    tracing::debug!(error = %err, "HTTP accept failed.");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    decoy.sessions.reap(true);
    decoy.site.limiter.save_if_dirty();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_stays_in_its_range() {
        let mut rng = rand::thread_rng();
        let fixed = Latency {
            min_ms: 7,
            max_ms: 7,
        };
        assert_eq!(fixed.pick(&mut rng), Duration::from_millis(7));
        let off = Latency {
            min_ms: 0,
            max_ms: 0,
        };
        assert_eq!(off.pick(&mut rng), Duration::ZERO);
        let range = Latency {
            min_ms: 5,
            max_ms: 60,
        };
        let picks: Vec<Duration> = (0..2000).map(|_| range.pick(&mut rng)).collect();
        assert!(picks.iter().all(|d| (5..=60).contains(&d.as_millis())));
        // Uniform: both ends of the range are reached.
        assert!(picks.iter().any(|d| d.as_millis() < 15));
        assert!(picks.iter().any(|d| d.as_millis() > 50));
    }
}
