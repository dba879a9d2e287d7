//! The russh server: accept loop, per-connection handler, and the writer that sends a session's
//! output back to the client.
//!
//! The handler only translates: logins go through the [`AuthPolicy`], shell and exec requests
//! become messages to the connection's [`SessionActor`] (started by the [`SessionManager`]), and
//! the actor's [`TransportOutput`] is written to the channel by one writer task per channel, in
//! order. The stream is wrapped in a [`WireTap`] that reads the client's version and KEXINIT for
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
use russh::keys::{HashAlg, PrivateKey};
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session};
use russh::{Channel, ChannelId, Disconnect, MethodKind, MethodSet, SshId};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::actors::session::{
    EndOfInput, Exec, Input, OUTPUT_BUFFER, Output, PtySize, Resize, SessionActor, StartShell,
    TransportOutput,
};
use crate::actors::session_manager::{EndSession, Reattach, SessionManager, StartSession};
use crate::events::{Event, EventKind, Protocol, SessionId, SessionOrigin};
use crate::metrics::Metrics;
use crate::protocols::ssh::auth::AuthPolicy;
use crate::protocols::ssh::hassh::{WireEvent, WireTap};
use crate::protocols::ssh::ident::{self, Prelude, Verdict};
use crate::protocols::ssh::profile::SshProfile;

/// Most bytes read (and discarded) from a closing connection, so it closes as sshd's does.
const DRAIN_LIMIT: usize = 256 * 1024;

/// How long shutdown waits for connections to close after telling them to.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// What every connection of the SSH decoy shares.
pub struct SshDeps {
    /// This node's id, stamped on events.
    pub node: String,
    /// Where events go.
    pub sink: Recipient<Event>,
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
}

/// The russh configuration of the decoy: `profile`'s banner and algorithm lists (as far as
/// russh implements them, in OpenSSH's order), the host keys, and the rejection delay.
pub fn russh_config(
    keys: Vec<PrivateKey>,
    auth_rejection_time: Duration,
    profile: &SshProfile,
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
        // LoginGraceTime is enforced by `converse`; idle shells are cut after an hour.
        inactivity_timeout: Some(Duration::from_secs(3600)),
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
                    let local = stream.local_addr().unwrap_or_else(|_| {
                        listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
                    });
                    connections.spawn(connection(stream, peer, local, config.clone(), deps.clone(), registry.clone()));
                }
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %err, "SSH accept failed.");
                    tokio::time::sleep(Duration::from_millis(100)).await;
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
) {
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
    converse(stream, &origin, config, &deps, &registry, deadline).await;
    deps.manager.do_send(EndSession {
        session: origin.session.clone(),
    });
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
) {
    let profile = deps.profile;
    // Each write goes out at once, as sshd's do: its two-part error line must leave before
    // the close, which resets the connection when the client's bytes were left unread.
    stream.set_nodelay(true).ok();
    let exchange = async {
        // sshd sends its banner at once, before reading anything.
        stream
            .write_all(format!("{}\r\n", profile.banner).as_bytes())
            .await?;
        ident::read_ident(&mut stream, profile.legacy_compat).await
    };
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
    // A second handle on the socket: it closes the connection when the grace time runs out
    // while russh owns the stream, and it drains what arrived before the close.
    let (stream, closer) = match split_closer(stream) {
        Ok(pair) => pair,
        Err(err) => {
            tracing::warn!(session = %origin.session, error = %err, "Cannot duplicate the SSH socket.");
            return;
        }
    };
    let authenticated = Arc::new(AtomicBool::new(false));
    let (tap_tx, mut tap_rx) = mpsc::unbounded_channel();
    let forward = |event: WireEvent| {
        let kind = match event {
            WireEvent::ClientVersion(version) => EventKind::ClientVersion { version },
            WireEvent::ClientKex(kex) => EventKind::ClientKex(kex),
        };
        deps.sink.do_send(origin.event(kind));
    };
    let handler = SshHandler::new(origin.clone(), deps.clone(), authenticated.clone());
    let stream = WireTap::new(Prelude::new(stream, &line, profile.banner), tap_tx);
    match russh::server::run_stream(config, stream, handler).await {
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
                    Some(event) = tap_rx.recv() => forward(event),
                    () = &mut grace, if !graced => {
                        graced = true;
                        if !authenticated.load(Ordering::SeqCst) {
                            tracing::debug!(session = %origin.session, "Login grace time over.");
                            // Both ways: russh reads end of stream and its writes fail.
                            closer.shutdown(std::net::Shutdown::Both).ok();
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
    while let Ok(event) = tap_rx.try_recv() {
        forward(event);
    }
    drain(&closer);
}

/// The stream back, plus a duplicate of its socket (same connection, own descriptor).
fn split_closer(stream: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let std_stream = stream.into_std()?;
    let closer = std_stream.try_clone()?;
    Ok((TcpStream::from_std(std_stream)?, closer))
}

/// Reads and discards what the peer already sent (bounded), without waiting. sshd reads its
/// socket in large chunks, so when it closes after a bad packet nothing is left unread and
/// the peer sees a FIN; russh reads exactly what it parses, which would leave bytes behind
/// and turn the close into a reset.
fn drain(socket: &std::net::TcpStream) {
    use std::io::Read as _;
    // The descriptor shares tokio's non-blocking mode; make sure of it, never block here.
    if socket.set_nonblocking(true).is_err() {
        return;
    }
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0;
    let mut reader = socket;
    while total < DRAIN_LIMIT {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

/// One SSH connection's handler: russh calls it, it talks to the session actor.
pub struct SshHandler {
    origin: SessionOrigin,
    deps: Arc<SshDeps>,
    user: Option<String>,
    session: Option<Addr<SessionActor>>,
    ptys: HashMap<ChannelId, PtySize>,
    shell: Option<(ChannelId, Output)>,
    /// Set on a successful login, which ends the login grace time.
    authenticated: Arc<AtomicBool>,
}

impl SshHandler {
    fn new(
        origin: SessionOrigin,
        deps: Arc<SshDeps>,
        authenticated: Arc<AtomicBool>,
    ) -> SshHandler {
        SshHandler {
            origin,
            deps,
            authenticated,
            user: None,
            session: None,
            ptys: HashMap::new(),
            shell: None,
        }
    }

    fn emit(&self, kind: EventKind) {
        self.deps.sink.do_send(self.origin.event(kind));
    }

    /// The session actor, started on first use.
    async fn session(&mut self) -> Result<Addr<SessionActor>, russh::Error> {
        if let Some(addr) = &self.session
            && addr.connected()
        {
            return Ok(addr.clone());
        }
        let addr = match self.session.take() {
            // It existed and died: the manager restarts it from its checkpoint.
            Some(_) => self
                .deps
                .manager
                .send(Reattach {
                    session: self.origin.session.clone(),
                })
                .await
                .ok()
                .flatten(),
            None => {
                let user = self.user.clone().unwrap_or_else(|| "root".into());
                self.deps
                    .manager
                    .send(StartSession {
                        origin: self.origin.clone(),
                        user,
                    })
                    .await
                    .ok()
            }
        };
        let addr = addr.ok_or(russh::Error::Disconnect)?;
        self.session = Some(addr.clone());
        Ok(addr)
    }

    /// An output channel for `channel`, drained in order by one writer task.
    fn open_output(&self, channel: ChannelId, session: &Session) -> Output {
        let (tx, mut rx) = mpsc::channel::<TransportOutput>(OUTPUT_BUFFER);
        let handle = session.handle();
        tokio::spawn(async move {
            while let Some(item) = rx.recv().await {
                match item {
                    TransportOutput::Data(bytes) => {
                        if handle.data(channel, bytes).await.is_err() {
                            break;
                        }
                    }
                    TransportOutput::Exit(status) => {
                        // If the client already left, there is nobody to tell.
                        if handle.exit_status_request(channel, status).await.is_ok()
                            && handle.eof(channel).await.is_ok()
                        {
                            handle.close(channel).await.ok();
                        }
                        break;
                    }
                }
            }
        });
        tx
    }
}

impl russh::server::Handler for SshHandler {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let allowed = self
            .deps
            .policy
            .check_password(self.origin.src.ip(), user, password);
        let (username, password) = (user.to_owned(), password.to_owned());
        if allowed {
            self.deps
                .metrics
                .logins_total
                .with_label_values(&["success"])
                .inc();
            self.emit(EventKind::LoginSuccess {
                username: username.clone(),
                password,
            });
            self.user = Some(username);
            self.authenticated.store(true, Ordering::SeqCst);
            Ok(Auth::Accept)
        } else {
            self.deps
                .metrics
                .logins_total
                .with_label_values(&["failed"])
                .inc();
            self.emit(EventKind::LoginFailed { username, password });
            Ok(Auth::reject())
        }
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        self.emit(EventKind::ClientFingerprint {
            username: user.to_owned(),
            fingerprint: offer.public_key.fingerprint(HashAlg::Sha256).to_string(),
            key_type: offer.algorithm.to_string(),
        });
        Ok(Auth::reject())
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.ptys.insert(
            channel,
            PtySize {
                term: term.chars().take(64).collect(),
                width: col_width,
                height: row_height,
            },
        );
        self.emit(EventKind::ClientSize {
            width: col_width,
            height: row_height,
        });
        if let Some(pty) = self.ptys.get_mut(&channel) {
            (pty.width, pty.height) = (col_width, row_height);
        }
        if let (Some((shell_channel, _)), Some(addr)) = (&self.shell, &self.session)
            && *shell_channel == channel
        {
            addr.do_send(Resize {
                width: col_width,
                height: row_height,
            });
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.emit(EventKind::ClientSize {
            width: col_width,
            height: row_height,
        });
        session.channel_success(channel)?;
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        variable_name: &str,
        variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.emit(EventKind::ClientVar {
            name: variable_name.to_owned(),
            value: variable_value.to_owned(),
        });
        // Ubuntu's sshd_config has `AcceptEnv LANG LC_*`; everything else is refused.
        if variable_name == "LANG" || variable_name.starts_with("LC_") {
            session.channel_success(channel)?;
        } else {
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let addr = self.session().await?;
        let out = self.open_output(channel, session);
        let pty = self.ptys.get(&channel).cloned();
        self.shell = Some((channel, out.clone()));
        session.channel_success(channel)?;
        addr.do_send(StartShell { out, pty });
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let addr = self.session().await?;
        let out = self.open_output(channel, session);
        let command = String::from_utf8_lossy(data).into_owned();
        session.channel_success(channel)?;
        addr.do_send(Exec {
            command,
            out,
            pty: self.ptys.contains_key(&channel),
        });
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Only the shell channel is a terminal; other channels' bytes are not keystrokes.
        let Some((shell_channel, out)) = self.shell.clone() else {
            return Ok(());
        };
        if channel != shell_channel {
            return Ok(());
        }
        let addr = self.session().await?;
        if addr.send(Input(data.to_vec())).await.is_err() {
            // The actor died outside its guard: reattach and give the client a fresh prompt.
            self.session = Some(addr);
            let addr = self.session().await?;
            addr.do_send(StartShell {
                out,
                pty: self.ptys.get(&channel).cloned(),
            });
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some((shell_channel, _)) = &self.shell
            && *shell_channel == channel
            && let Some(addr) = &self.session
        {
            addr.do_send(EndOfInput);
        }
        Ok(())
    }
}
