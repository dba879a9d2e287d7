//! The HTTP decoy: an ordinary-looking web site on an ordinary-looking web server.
//!
//! The operator picks a lure (`http.lure`): a WordPress blog, phpMyAdmin, a router's admin
//! login, a webmail login, or a fresh nginx or Apache. Each runs on the server a real install
//! runs on, and the server is imitated on the wire: its `Server` header, header order and
//! casing, status reasons, error pages, HEAD and OPTIONS, keep-alive, limits and its answers
//! to malformed requests ([`profile`]). It never serves health checks or metrics; those live on
//! the admin listener only.
//!
//! **Why not actix-web here.** actix-web cannot write headers in nginx's or Apache's order (it
//! writes `content-length` first and `date` last, the rest in hash-map order) and answers
//! malformed requests (a bad request line, huge headers, an invalid method) with its own empty
//! 400 or 431: both are fingerprints, and server mimicry on the wire is the product. So this
//! listener is our own HTTP/1.x front on tokio: `httparse` parses the head ([`request`]), we
//! write the bytes ([`profile`]). The admin listener stays actix-web.
//!
//! The parts:
//! - [`server`] accepts connections; [`connection`] reads requests with the server's limits
//!   and timeouts and writes answers after the strategy's latency;
//! - [`sessions`]: one client address is one session, with its own
//!   [`SessionActor`](crate::actors::session::SessionActor), which runs [`exchange::handle`]
//!   and records every request as an event;
//! - [`site`] answers: rate limit ([`limits`]), [`probes`], then the [`lures`].

pub mod connection;
pub mod exchange;
pub mod limits;
pub mod lures;
pub mod phpinfo;
pub mod probes;
pub mod profile;
pub mod request;
pub mod response;
pub mod server;
pub mod sessions;
pub mod site;

pub use exchange::Incoming;
pub use profile::ServerKind;
pub use response::Response;
pub use server::{HttpDecoy, Latency, serve};
pub use site::Site;

#[cfg(test)]
mod tests;
