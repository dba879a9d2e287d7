//! HTTP steps in the in-process replay: the attacker's requests to the node's HTTP decoy.
//!
//! The replay does what the decoy's transport does for a connection: on the first request it
//! starts a session of protocol HTTP (user `www-data`) through the scenario's
//! [`SessionManager`] and records `cowrie.session.connect`; each request's bytes are parsed
//! with the decoy's own parser and limits, sent to that session's [`SessionActor`] as an
//! [`HttpExchange`] (which answers with the lure and emits `mirage.http.request`, login and
//! honeytoken events on the replay's virtual clock), and the answer is put on the wire by the
//! imitated server's profile and read back as a client reads it ([`wire`]). One attacker
//! address is one HTTP session for the whole scenario; it closes at the end with
//! `cowrie.session.closed`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::clock::Clock;
use super::collector::Collector;
use super::replay::StepResult;
use super::scenario::{HttpStep, Scenario};
use crate::actors::session::{HttpExchange, SessionActor};
use crate::actors::session_manager::{EndSession, Reattach, SessionManager, StartSession};
use crate::config::{HoneytokensConfig, HttpConfig};
use crate::events::{EventKind, SessionOrigin};
use crate::honeytokens::Honeytokens;
use crate::host::HostProfile;
use crate::protocols::http::exchange::{self, Incoming};
use crate::protocols::http::limits::{LimitConfig, Limiter};
use crate::protocols::http::profile::WriteCtx;
use crate::protocols::http::request::{self, ParseError, Parsed, Version};
use crate::protocols::http::sessions::HTTP_USER;
use crate::protocols::http::{Response, Site};

pub mod wire;

/// Where replayed HTTP sessions say they connected to.
pub const HTTP_DECOY: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 80);

/// Most generated hosts' planted tokens kept.
const MAX_TOKEN_SETS: usize = 64;

/// Planted tokens by (seed, start in Unix seconds).
type TokenCache = HashMap<(u64, i64), Honeytokens>;

/// The site a scenario's HTTP steps reach: its lure on the scenario's host, with the node's
/// default limits and the host's planted tokens (generated once per seed and start, kept in
/// the system's temporary directory so every run serves the same ones).
pub fn site(scenario: &Scenario, host: &HostProfile) -> Arc<Site> {
    let config = HttpConfig::default();
    let limiter = Arc::new(Limiter::open(
        LimitConfig {
            per_minute: config.rate_limit_per_minute,
            max_failures: config.login_max_failures,
            lockout_secs: config.login_lockout_secs,
        },
        None,
    ));
    Arc::new(Site::new(
        scenario.http_lure,
        Arc::new(host.clone()),
        honeytokens(scenario, host),
        limiter,
    ))
}

fn honeytokens(scenario: &Scenario, host: &HostProfile) -> Honeytokens {
    static TOKENS: OnceLock<Mutex<TokenCache>> = OnceLock::new();
    let key = (scenario.seed, scenario.start.timestamp());
    let cache = TOKENS.get_or_init(Mutex::default);
    if let Some(tokens) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return tokens.clone();
    }
    let dir: PathBuf = std::env::temp_dir()
        .join("mirage-replay-honeytokens")
        .join(format!("{}-{}", key.0, key.1));
    let tokens = std::fs::create_dir_all(&dir)
        .ok()
        .and_then(|()| {
            Honeytokens::load_or_create(&dir, host, &HoneytokensConfig::default())
                .map_err(|err| tracing::warn!(error = %err, "Replay without honeytokens."))
                .ok()
        })
        .unwrap_or_default();
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= MAX_TOKEN_SETS {
        cache.clear();
    }
    cache.entry(key).or_insert(tokens).clone()
}

/// The attacker's HTTP session in one replay.
pub struct HttpSide {
    site: Arc<Site>,
    origin: SessionOrigin,
    clock: Clock,
    collector: Addr<Collector>,
    /// The session's actor, once the first request started it.
    session: Option<Addr<SessionActor>>,
    /// Times of the first and the last request.
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl HttpSide {
    /// No request yet; the session will be `origin` (its protocol HTTP).
    pub fn new(
        site: Arc<Site>,
        origin: SessionOrigin,
        clock: Clock,
        collector: Addr<Collector>,
    ) -> HttpSide {
        HttpSide {
            site,
            origin,
            clock,
            collector,
            session: None,
            span: None,
        }
    }

    fn emit(&self, kind: EventKind) {
        let mut event = self.origin.event(kind);
        event.timestamp = self.clock.now();
        self.collector.do_send(event);
    }

    /// Sends one request and reads the answer as a client would.
    pub async fn request(&mut self, manager: &Addr<SessionManager>, step: &HttpStep) -> StepResult {
        let now = self.clock.now();
        self.span = Some(self.span.map_or((now, now), |(first, _)| (first, now)));
        if self.session.is_none() {
            let started = manager
                .send(StartSession {
                    origin: self.origin.clone(),
                    user: HTTP_USER.to_owned(),
                    login: crate::models::context::Login::default(),
                })
                .await;
            self.session = started.ok();
            self.emit(EventKind::SessionConnect);
        }
        let bytes = step.to_bytes();
        let server = self.site.server;
        let incoming = match request::parse(&bytes, &server.limits(), server) {
            Parsed::Complete(req, _) => Incoming::Request(req),
            Parsed::Error(error) => Incoming::Refused {
                error,
                request: Box::new(request::salvage(&bytes)),
            },
            // Never whole (a chunked body that does not end): the server's timeout.
            Parsed::Incomplete => Incoming::Refused {
                error: ParseError::TimedOut,
                request: Box::new(request::salvage(&bytes)),
            },
        };
        let response = self.answer(manager, &incoming).await;
        let answer = self.on_the_wire(&incoming, &response);
        StepResult {
            step: 0,
            input: None,
            output: String::from_utf8_lossy(&answer.body).into_owned(),
            status: i32::from(answer.status),
            skipped: false,
            headers: answer.headers,
        }
    }

    /// The session actor's answer; a fresh actor from the checkpoint if it died, the site
    /// code run here if none can be had (as the live transport does).
    async fn answer(&mut self, manager: &Addr<SessionManager>, incoming: &Incoming) -> Response {
        let message = || HttpExchange {
            incoming: incoming.clone(),
            site: self.site.clone(),
            local: HTTP_DECOY,
        };
        if let Some(addr) = &self.session
            && let Ok(response) = addr.send(message()).await
        {
            return response;
        }
        let reattached = manager
            .send(Reattach {
                session: self.origin.session.clone(),
            })
            .await
            .ok()
            .flatten();
        if let Some(addr) = reattached {
            self.session = Some(addr.clone());
            if let Ok(response) = addr.send(message()).await {
                return response;
            }
        }
        let done = exchange::handle(
            &self.site,
            incoming,
            self.origin.src.ip(),
            HTTP_DECOY,
            self.clock.now(),
        );
        for kind in done.events {
            self.emit(kind);
        }
        done.response
    }

    /// `response` as the imitated server writes it on a fresh connection, read back.
    fn on_the_wire(&self, incoming: &Incoming, response: &Response) -> wire::WireResponse {
        if response.silent {
            return wire::WireResponse::default();
        }
        let server = self.site.server;
        let ctx = match incoming {
            Incoming::Request(req) => WriteCtx {
                version: req.version,
                head: req.method == "HEAD",
                keep_alive: req.wants_keep_alive()
                    && 1 < server.max_requests()
                    && !response.close
                    && !server.must_close(response, req.version),
                date: self.clock.now(),
                requests_left: server.max_requests(),
            },
            Incoming::Refused { .. } => WriteCtx {
                version: Version::Http11,
                head: false,
                keep_alive: false,
                date: self.clock.now(),
                requests_left: 0,
            },
        };
        let bytes = server.write(response, &ctx);
        match wire::read(&bytes, ctx.head, true) {
            wire::Read::Done(answer) => answer,
            wire::Read::More | wire::Read::Broken => wire::WireResponse::default(),
        }
    }

    /// Ends the session (if a request started one): `cowrie.session.closed`, as the decoy
    /// records an idle session's end.
    pub fn close(self, manager: &Addr<SessionManager>) {
        let Some((first, last)) = self.span else {
            return;
        };
        let duration_ms = (last - first)
            .to_std()
            .unwrap_or_default()
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX);
        self.emit(EventKind::SessionClosed { duration_ms });
        manager.do_send(EndSession {
            session: self.origin.session,
        });
    }
}
