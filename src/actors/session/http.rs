//! The session actor's side of the HTTP decoy: one [`HttpExchange`] per request.
//!
//! The actor runs the site's code ([`exchange::handle`]) under `catch_unwind`, stamps the
//! events with the session's clock and sends them to the sink, and returns the response; the
//! transport waits the strategy's latency and writes it. A panic in the site code answers the
//! server's 500 page, is reported to the session manager like a shell panic, and the actor is
//! restarted by its supervisor.

use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use super::SessionActor;
use crate::actors::session_manager::SessionFailed;
use crate::protocols::http::exchange::{self, Incoming};
use crate::protocols::http::profile::ErrorCtx;
use crate::protocols::http::{Response, Site};

/// One HTTP request for the client's session.
#[derive(Message)]
#[rtype(result = "Response")]
pub struct HttpExchange {
    /// The request, or a refused one.
    pub incoming: Incoming,
    /// The site that answers.
    pub site: Arc<Site>,
    /// The decoy address the client reached.
    pub local: SocketAddr,
}

impl Handler<HttpExchange> for SessionActor {
    type Result = MessageResult<HttpExchange>;

    fn handle(&mut self, msg: HttpExchange, ctx: &mut Context<Self>) -> Self::Result {
        let started = Instant::now();
        let now = self.deps.clock.now();
        let peer = self.origin.src.ip();
        let done = catch_unwind(AssertUnwindSafe(|| {
            exchange::handle(&msg.site, &msg.incoming, peer, msg.local, now)
        }));
        let response = match done {
            Ok(done) => {
                for kind in done.events {
                    self.emit(kind);
                }
                done.response
            }
            Err(payload) => {
                let reason = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panic".to_owned());
                tracing::error!(session = %self.origin.session, %reason, "HTTP handler panicked; restarting from checkpoint.");
                self.manager.do_send(SessionFailed {
                    session: self.origin.session.clone(),
                    reason,
                });
                ctx.stop();
                let ectx = ErrorCtx {
                    host: msg.local.ip().to_string(),
                    port: msg.local.port(),
                    ..ErrorCtx::default()
                };
                let mut response = msg.site.server.error(500, &ectx);
                response.close = true;
                response
            }
        };
        self.deps
            .metrics
            .command_seconds
            .with_label_values(&["http"])
            .observe(started.elapsed().as_secs_f64());
        MessageResult(response)
    }
}
