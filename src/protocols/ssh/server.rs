//! The russh server: accept loop and connection lifecycle. The per-connection russh handler is
//! [`SshHandler`] (in `handler`).
//!
//! The stream is wrapped in a [`WireTap`] that reads the client's version and KEXINIT for
//! the `cowrie.client.version` and `cowrie.client.kex` events.
//!
//! What the network sees is one real OpenSSH release, the connection's [`SshProfile`]: its
//! banner and algorithm lists ([`russh_config`]), its handling of the identification exchange
//! (done here, before russh, by [`ident`]) and its `LoginGraceTime`: a connection that has
//! not logged in when the grace time runs out is closed without a word, as sshd's alarm
//! handler closes it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use russh::keys::PrivateKey;
use russh::server::Handle;
use russh::{Disconnect, MethodKind, MethodSet, SshId};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::actors::session_manager::{EndSession, SessionManager};
use crate::actors::sink::EventInbox;
use crate::events::{EventKind, Protocol, SessionId, SessionOrigin};
use crate::metrics::Metrics;
use crate::protocols::ssh::auth::AuthPolicy;
use crate::protocols::ssh::closer::{Closable, CloseSignal};
use crate::protocols::ssh::handler::SshHandler;
use crate::protocols::ssh::hassh::{WireEvent, WireTap};
use crate::protocols::ssh::ident::{self, Prelude, Verdict};
use crate::protocols::ssh::limits::{self, SessionLimits, SessionPermit};
use crate::protocols::ssh::profile::SshProfile;
use crate::protocols::ssh::uploads::UploadConfig;

/// How long the accept loop pauses after a failed accept (EMFILE, ENFILE, ENOBUFS), as
/// sshd's `usleep(100 * 1000)`.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How long shutdown waits for connections to close after telling them to.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What every connection of the SSH decoy shares.
pub struct SshDeps {
    /// This node's id, stamped on events.
    pub node: String,
    /// Where events go: the sink's inbox, which takes them in batches.
    pub sink: EventInbox,
    /// Starts and restarts session actors.
    pub manager: Addr<SessionManager>,
    /// Decides logins.
    pub policy: AuthPolicy,
    /// Node metrics.
    pub metrics: Metrics,
    /// The OpenSSH release the decoy is.
    pub profile: &'static SshProfile,
    /// OpenSSH's `LoginGraceTime`: how long a connection may take to log in. `None`: forever.
    pub login_grace_time: Option<Duration>,
    /// Where uploads (scp, SFTP) are stored and how much one session may upload.
    pub uploads: UploadConfig,
    /// The node's Layer 0 reflexes, which also judge refused logins (`None`: off).
    pub reflex: Option<Arc<crate::actors::session::Reflexes>>,
    /// The caps on concurrent connections, in total and per source address.
    pub limits: Arc<SessionLimits>,
}

/// The russh configuration of the decoy: `profile`'s banner and algorithm lists (as far as
/// russh implements them, in OpenSSH's order), the host keys, the rejection delay, and the idle
/// timeout (`None`: none).
pub fn russh_config(
    keys: Vec<PrivateKey>,
    auth_rejection_time: Duration,
    profile: &SshProfile,
    idle_timeout: Option<Duration>,
) -> russh::server::Config {
    let algorithms: Vec<_> = keys.iter().map(PrivateKey::algorithm).collect();
    russh::server::Config {
        server_id: SshId::Standard(profile.banner.into()),
        methods: MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..]),
        auth_rejection_time,
        // OpenSSH answers the client's initial `none` probe at once.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys,
        preferred: profile.preferred(&algorithms),
        // OpenSSH's MaxAuthTries.
        max_auth_attempts: 6,
        // LoginGraceTime is enforced by `converse`; this cuts connections silent both ways.
        inactivity_timeout: idle_timeout,
        nodelay: true,
        ..Default::default()
    }
}

/// Live connections, so shutdown can tell each to close.
type Registry = Arc<Mutex<HashMap<SessionId, Handle>>>;

/// Serves the SSH decoy on `listener` until `shutdown` turns true, then disconnects every client
/// and waits (bounded) for their sessions to close, so their closing events are recorded.
pub async fn serve(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    deps: Arc<SshDeps>,
    mut shutdown: watch::Receiver<bool>,
) {
    let registry: Registry = Arc::default();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let permit = match deps.limits.try_admit(peer.ip()) {
                        Ok(permit) => permit,
                        Err(refusal) => {
                            tracing::debug!(%peer, cap = ?refusal, "SSH connection refused past its cap.");
                            deps.metrics.connections_refused_total.with_label_values(&["ssh", refusal.reason()]).inc();
                            connections.spawn(limits::refuse(stream));
                            continue;
                        }
                    };
                    let local = stream.local_addr().unwrap_or_else(|_| {
                        listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
                    });
                    connections.spawn(connection(stream, peer, local, config.clone(), deps.clone(), registry.clone(), permit));
                }
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning, as sshd does (100 ms
                    // after EMFILE/ENFILE); the pending connection waits in the backlog.
                    tracing::warn!(error = %err, "SSH accept failed.");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let handles: Vec<Handle> = registry
        .lock()
        .map(|r| r.values().cloned().collect())
        .unwrap_or_default();
    for handle in handles {
        // A connection that is already gone needs no goodbye.
        handle
            .disconnect(Disconnect::ByApplication, String::new(), "en".into())
            .await
            .ok();
    }
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "SSH connections still open after the grace period."
        );
    }
    connections.abort_all();
}

/// One TCP connection, from accept to close.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    config: Arc<russh::server::Config>,
    deps: Arc<SshDeps>,
    registry: Registry,
    permit: SessionPermit,
) {
    // Held until the connection is gone: its place under the caps.
    let _permit = permit;
    let origin = SessionOrigin {
        node: deps.node.clone(),
        session: SessionId::random(),
        protocol: Protocol::Ssh,
        src: peer,
        dst: local,
    };
    let started = Instant::now();
    deps.sink.do_send(origin.event(EventKind::SessionConnect));
    deps.metrics
        .sessions_total
        .with_label_values(&["ssh"])
        .inc();
    deps.metrics
        .sessions_active
        .with_label_values(&["ssh"])
        .inc();

    let deadline = deps
        .login_grace_time
        .map(|grace| tokio::time::Instant::now() + grace);
    // Set by the handler once it started a session actor: only then is there one to end
    // (a flood of logins that open nothing does not wake the session manager).
    let has_session = Arc::new(AtomicBool::new(false));
    converse(
        stream,
        &origin,
        config,
        &deps,
        &registry,
        deadline,
        &has_session,
    )
    .await;
    if has_session.load(Ordering::SeqCst) {
        deps.manager.do_send(EndSession {
            session: origin.session.clone(),
        });
    }
    let duration_ms = started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
    deps.sink
        .do_send(origin.event(EventKind::SessionClosed { duration_ms }));
    deps.metrics
        .sessions_active
        .with_label_values(&["ssh"])
        .dec();
}

/// Everything said on one connection: sshd's identification exchange, then russh, with the
/// login grace time over both.
async fn converse(
    mut stream: TcpStream,
    origin: &SessionOrigin,
    config: Arc<russh::server::Config>,
    deps: &Arc<SshDeps>,
    registry: &Registry,
    deadline: Option<tokio::time::Instant>,
    has_session: &Arc<AtomicBool>,
) {
    let profile = deps.profile;
    // Each write goes out at once, as sshd's do: its two-part error line must leave before
    // the close, which resets the connection when the client's bytes were left unread.
    stream.set_nodelay(true).ok();
    // Boxed, as is russh's handshake below: the connection's task lives as long as the
    // connection, and holding either future in it would make every idle session pay for the
    // largest (the peek window; the handler and the stream before russh spawns them).
    let exchange = Box::pin(async {
        // sshd sends its banner at once, before reading anything.
        stream
            .write_all(format!("{}\r\n", profile.banner).as_bytes())
            .await?;
        ident::read_ident(&mut stream, profile.legacy_compat).await
    });
    let verdict = match deadline {
        // Out of time: sshd's alarm handler exits without a word.
        Some(deadline) => tokio::time::timeout_at(deadline, exchange)
            .await
            .unwrap_or(Ok(None)),
        None => exchange.await,
    };
    let line = match verdict {
        Ok(Some(Verdict::Accept(line))) => line,
        Ok(Some(Verdict::Reject(message))) => {
            tracing::debug!(session = %origin.session, message, "Bad SSH identification.");
            // Whatever the client sent after the deciding byte stays unread, as under sshd.
            ident::reject(&mut stream, message).await.ok();
            return;
        }
        Ok(Some(Verdict::Unsupported(line))) => {
            deps.sink.do_send(origin.event(EventKind::ClientVersion {
                version: String::from_utf8_lossy(&line).into_owned(),
            }));
            tracing::debug!(session = %origin.session, line = ?String::from_utf8_lossy(&line), "SSH identification russh cannot take.");
            return;
        }
        Ok(Some(Verdict::HangUp)) | Ok(None) => return,
        Err(err) => {
            tracing::debug!(session = %origin.session, error = %err, "SSH identification exchange failed.");
            return;
        }
    };
    // Closes the connection when the grace time runs out or a reflex hangs up while russh owns
    // the stream; the stream drains what arrived before it closes.
    let close = CloseSignal::new();
    let authenticated = Arc::new(AtomicBool::new(false));
    // The tap's findings go to the sink from the read that found them.
    let (sink, tap_origin) = (deps.sink.clone(), origin.clone());
    let forward = move |event: WireEvent| {
        let kind = match event {
            WireEvent::ClientVersion(version) => EventKind::ClientVersion { version },
            WireEvent::ClientKex(kex) => EventKind::ClientKex(*kex),
        };
        sink.do_send(tap_origin.event(kind));
    };
    let client = String::from_utf8_lossy(&line).trim_end().to_owned();
    let hang_up = Arc::new(tokio::sync::Notify::new());
    let handler = SshHandler::new(
        origin.clone(),
        deps.clone(),
        authenticated.clone(),
        has_session.clone(),
        hang_up.clone(),
        client,
    );
    let stream = Closable::new(stream, close.clone());
    let stream = WireTap::new(Prelude::new(stream, &line, profile.banner), forward);
    // Bound first, so that the box is gone before the connection's loop.
    let started = Box::pin(russh::server::run_stream(config, stream, handler)).await;
    match started {
        Ok(running) => {
            if let Ok(mut r) = registry.lock() {
                r.insert(origin.session.clone(), running.handle());
            }
            let mut running = std::pin::pin!(running);
            let grace = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            let mut grace = std::pin::pin!(grace);
            let mut graced = false;
            let result = loop {
                tokio::select! {
                    result = &mut running => break result,
                    () = hang_up.notified() => {
                        tracing::debug!(session = %origin.session, "Connection dropped by a reflex.");
                        close.close();
                    }
                    () = &mut grace, if !graced => {
                        graced = true;
                        if !authenticated.load(Ordering::SeqCst) {
                            tracing::debug!(session = %origin.session, "Login grace time over.");
                            // Both ways: russh reads end of stream and its writes fail.
                            close.close();
                        }
                    }
                }
            };
            if let Err(err) = result {
                tracing::debug!(session = %origin.session, error = %err, "SSH session ended with an error.");
            }
            if let Ok(mut r) = registry.lock() {
                r.remove(&origin.session);
            }
        }
        Err(err) => {
            tracing::debug!(session = %origin.session, error = %err, "SSH handshake failed.");
        }
    }
}
