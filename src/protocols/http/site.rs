//! [`Site`]: the decoy web site as a pure function from a request to an answer.
//!
//! The site answers in this order: the per-address rate limit (the imitated server's refusal),
//! the scanner probe paths every lure has ([`super::probes`]), the lure's own pages
//! ([`super::lures`]), then the lure's "not found". It does no I/O except through the shared
//! [`Limiter`]; the session actor calls it and records what it saw.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::limits::{Admission, Limiter, ReflexHit};
use super::lures;
use super::probes;
use super::profile::{ErrorCtx, ServerKind};
use super::request::{ParseError, Request};
use super::response::Response;
use crate::config::HttpLure;
use crate::events::HoneytokenRef;
use crate::honeytokens::Honeytokens;
use crate::host::HostProfile;

/// What answering one request produced besides the response.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The response.
    pub response: Response,
    /// Credentials a login form or API call carried: (user name, password).
    pub login: Option<(String, String)>,
    /// A planted token that was served, and how it was fetched.
    pub token: Option<(HoneytokenRef, String)>,
    /// A reflex (rate limit, lockout) that began acting on the client with this request.
    pub reflex: Option<ReflexHit>,
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer {
            response,
            ..Answer::default()
        }
    }
}

/// One request in context: who asked, when, and the facts error pages name.
pub struct Exchange<'a> {
    /// The request.
    pub req: &'a Request,
    /// The client's address.
    pub ip: IpAddr,
    /// The address the client reached.
    pub local_ip: IpAddr,
    /// Now (the session's clock).
    pub now: DateTime<Utc>,
    /// Host, port, method and path for error pages.
    pub ectx: ErrorCtx,
}

/// The name Apache gives itself with no `ServerName` set on Ubuntu: the address its hostname
/// resolves to in the stock `/etc/hosts` (it logs "AH00558 … using 127.0.1.1").
pub const SERVER_NAME: &str = "127.0.1.1";

/// The decoy site of a node.
pub struct Site {
    /// Which lure it shows.
    pub lure: HttpLure,
    /// The web server the lure runs on.
    pub server: ServerKind,
    /// The fake host (hostname, kernel, … for phpinfo).
    pub host: Arc<HostProfile>,
    /// Planted tokens served at probe paths.
    pub honeytokens: Honeytokens,
    /// Rate and login limits.
    pub limiter: Arc<Limiter>,
    /// When the site's files were "installed": their `Last-Modified`.
    pub installed: i64,
}

impl Site {
    /// The site for `lure` on `host`.
    pub fn new(
        lure: HttpLure,
        host: Arc<HostProfile>,
        honeytokens: Honeytokens,
        limiter: Arc<Limiter>,
    ) -> Site {
        // Installed a while after the machine was set up, and some weeks before it last
        // booted: stable per node, different between nodes.
        let installed = host.boot_time.timestamp()
            - 86_400 * (20 + i64::try_from(host.seed % 200).unwrap_or(0))
            - i64::try_from(host.seed % 86_400).unwrap_or(0);
        Site {
            lure,
            server: server_of(lure),
            host,
            honeytokens,
            limiter,
            installed,
        }
    }

    /// The error-page context of `req`. Like Apache's `UseCanonicalName Off`,
    /// the host and port are the ones the client named in `Host` (port 80 if it named none),
    /// so a decoy on 8080 behind a public port 80 says "Port 80". Without a `Host`, the
    /// server's own name ([`SERVER_NAME`]) and port 80.
    pub fn error_ctx(&self, req: &Request) -> ErrorCtx {
        let Some(host) = req.host_name() else {
            return self.server_ctx(req);
        };
        let text = req.header_text("host");
        let port = text
            .rsplit_once(':')
            .filter(|(_, p)| !p.contains(']'))
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(80);
        ErrorCtx {
            host,
            port,
            method: req.method.clone(),
            path: req.path.clone(),
        }
    }

    /// The error-page context of a request refused while reading it: the server's own name
    /// and port 80, whatever `Host` said (Apache has not read it yet).
    pub fn server_ctx(&self, req: &Request) -> ErrorCtx {
        ErrorCtx {
            host: SERVER_NAME.to_owned(),
            port: 80,
            method: req.method.clone(),
            path: req.path.clone(),
        }
    }

    /// Answers one request.
    pub fn answer(&self, x: &Exchange<'_>) -> Answer {
        if let Admission::Refused { first } = self.limiter.admit(x.ip, x.now) {
            let response = self.rate_limited(x);
            let reflex =
                first.then(|| ReflexHit::rate_limit(response.status, self.limiter.config()));
            return Answer {
                response,
                reflex,
                ..Answer::default()
            };
        }
        if x.req.path == "*" {
            // `OPTIONS *`: Apache lists its methods; nginx has no such resource.
            return match self.server {
                // Apache: an empty 200 without `Allow` or a type.
                ServerKind::Apache => {
                    let mut response = Response::dynamic(200, "", Vec::new());
                    response.content_type = None;
                    response.into()
                }
                ServerKind::Nginx => self.server.error(400, &x.ectx).into(),
            };
        }
        if x.req.method == "TRACE" {
            // Refused before any resource is looked at: nginx closes after its 405; Ubuntu's
            // Apache (`TraceEnable Off`) sends 405 with an empty `Allow`.
            let mut response = self.server.error(405, &x.ectx);
            response.close = self.server == ServerKind::Nginx;
            if self.server == ServerKind::Apache {
                response = response.with_header("Allow", "");
            }
            return response.into();
        }
        if let Some(answer) = probes::answer(self, x) {
            return answer;
        }
        if let Some(answer) = lures::answer(self, x) {
            return answer;
        }
        lures::not_found(self, x).into()
    }

    /// The server's answer to a request it refused while reading it.
    pub fn refuse(&self, err: &ParseError, ectx: &ErrorCtx) -> Response {
        self.server.parse_error(err, ectx)
    }

    /// What the imitated server answers past the rate: nginx's `limit_req` 503, Apache's
    /// `mod_evasive` 403.
    fn rate_limited(&self, x: &Exchange<'_>) -> Response {
        match self.server {
            ServerKind::Nginx => self.server.error(503, &x.ectx),
            ServerKind::Apache => self.server.error(403, &x.ectx),
        }
    }
}

/// The server each lure runs on.
pub fn server_of(lure: HttpLure) -> ServerKind {
    match lure {
        HttpLure::Wordpress | HttpLure::Phpmyadmin | HttpLure::Apache => ServerKind::Apache,
        HttpLure::Router | HttpLure::Webmail | HttpLure::Nginx => ServerKind::Nginx,
    }
}
