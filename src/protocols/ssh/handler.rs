//! [`SshHandler`]: one SSH connection's russh handler. It only translates: logins go through
//! the [`AuthPolicy`](crate::protocols::ssh::auth::AuthPolicy), shell and exec requests become
//! messages to the connection's [`SessionActor`] (started by the
//! [`SessionManager`](crate::actors::session_manager::SessionManager)), and the actor's
//! output is written to the channel in order by the channel's [`ChannelWriter`].

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix::prelude::*;
use russh::keys::HashAlg;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session};
use russh::{Channel, ChannelId};

use crate::actors::session::{
    EndOfInput, Exec, Input, Output, PtySize, Resize, SessionActor, StartShell,
};
use crate::actors::session_manager::{Reattach, StartSession};
use crate::events::{EventKind, SessionOrigin};
use crate::models::context::Login;
use crate::protocols::ssh::forward::{self, Forward};
use crate::protocols::ssh::scp::parse_sink_command;
use crate::protocols::ssh::server::SshDeps;
use crate::protocols::ssh::transfer::ScpChannel;
use crate::protocols::ssh::uploads::{Quota, UploadStore};
use crate::protocols::ssh::writer::ChannelWriter;

/// One SSH connection's handler: russh calls it, it talks to the session actor.
pub struct SshHandler {
    pub(super) origin: SessionOrigin,
    pub(super) deps: Arc<SshDeps>,
    user: Option<String>,
    /// What the login told the models: the client's version, then the credentials.
    login: Login,
    session: Option<Addr<SessionActor>>,
    ptys: HashMap<ChannelId, PtySize>,
    shell: Option<(ChannelId, Output)>,
    /// Set on a successful login, which ends the login grace time.
    authenticated: Arc<AtomicBool>,
    /// Set once a session actor was started for the connection (the server then ends it).
    has_session: Arc<AtomicBool>,
    /// Notified to close the connection at once (a reflex dropped it before any session).
    hang_up: Arc<tokio::sync::Notify>,
    /// Channels running `scp -t`.
    pub(super) scp: HashMap<ChannelId, ScpChannel>,
    /// Open `direct-tcpip` channels (logged, never forwarded).
    forwards: HashMap<ChannelId, Forward>,
    /// This connection's upload allowance, shared by its scp and SFTP channels.
    pub(super) quota: Quota,
    /// Where uploads are stored.
    pub(super) uploads: UploadStore,
    /// Session channels not yet given a shell or command: a `subsystem sftp` request turns
    /// one into a stream. Dropped on shell and exec, whose bytes russh must not queue.
    channels: HashMap<ChannelId, Channel<Msg>>,
}

impl SshHandler {
    /// `client` is the identification string the client sent; `hang_up` is notified when
    /// the connection must be closed under russh.
    pub(crate) fn new(
        origin: SessionOrigin,
        deps: Arc<SshDeps>,
        authenticated: Arc<AtomicBool>,
        has_session: Arc<AtomicBool>,
        hang_up: Arc<tokio::sync::Notify>,
        client: String,
    ) -> SshHandler {
        SshHandler {
            origin,
            authenticated,
            has_session,
            hang_up,
            user: None,
            login: Login {
                client: Some(client),
                ..Login::default()
            },
            session: None,
            ptys: HashMap::new(),
            shell: None,
            scp: HashMap::new(),
            forwards: HashMap::new(),
            channels: HashMap::new(),
            quota: Quota::new(deps.uploads.max_bytes),
            uploads: UploadStore::new(deps.uploads.dir.clone()),
            deps,
        }
    }

    pub(super) fn emit(&self, kind: EventKind) {
        self.deps.sink.do_send(self.origin.event(kind));
    }

    /// The session actor, started on first use.
    pub(super) async fn session(&mut self) -> Result<Addr<SessionActor>, russh::Error> {
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
                        login: self.login.clone(),
                    })
                    .await
                    .ok()
            }
        };
        let addr = addr.ok_or(russh::Error::Disconnect)?;
        self.has_session.store(true, Ordering::SeqCst);
        self.session = Some(addr.clone());
        Ok(addr)
    }

    /// Takes `channel` out of the channels not yet given a request; the map lets go of its
    /// memory once empty, as it is for the rest of an interactive session.
    fn take_channel(&mut self, channel: ChannelId) -> Option<Channel<Msg>> {
        let taken = self.channels.remove(&channel);
        if self.channels.is_empty() && self.channels.capacity() > 0 {
            self.channels = HashMap::new();
        }
        taken
    }

    /// The output of `channel`, written in order by its [`ChannelWriter`].
    fn open_output(&self, channel: ChannelId, session: &Session) -> Output {
        Output::sink(ChannelWriter::new(session.handle(), channel))
    }
}

impl SshHandler {
    /// Layer 0 on a refused login: each action is a `mirage.reflex` event; a latency holds
    /// the refusal that much longer (on top of the rejection time), a drop closes the
    /// connection. Tags, tarpits and canned output have no session to act on yet.
    async fn reflex_login_failed(&mut self, credential: &str) -> Result<Auth, russh::Error> {
        let Some(reflexes) = self.deps.reflex.clone() else {
            return Ok(Auth::reject());
        };
        let verdict =
            reflexes.judge_login_failed(self.origin.src.ip(), credential, chrono::Utc::now());
        for fired in &verdict.fired {
            self.emit(EventKind::Reflex {
                rule: fired.rule.clone(),
                action: fired.action.clone(),
                detail: fired.detail.clone(),
            });
        }
        if !verdict.latency.is_zero() {
            tokio::time::sleep(verdict.latency).await;
        }
        if verdict.drop {
            // Closed under russh, like the login grace time: no answer to the attempt.
            self.hang_up.notify_one();
            return Err(russh::Error::Disconnect);
        }
        Ok(Auth::reject())
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
            self.login.username = Some(username.clone());
            self.login.password = Some(password.clone());
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
            let credential = format!("{username}:{password}");
            self.emit(EventKind::LoginFailed { username, password });
            self.reflex_login_failed(&credential).await
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
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // sshd's MaxSessions is 10; keep no more idle channels than that.
        if self.channels.len() < 10 {
            self.channels.insert(channel.id(), channel);
        }
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
        self.take_channel(channel);
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
        self.take_channel(channel);
        let command = String::from_utf8_lossy(data).into_owned();
        if let Some((target, _recursive)) = parse_sink_command(&command) {
            self.emit(EventKind::CommandInput {
                input: command.clone(),
            });
            session.channel_success(channel)?;
            return self.start_scp(channel, target, session).await;
        }
        let addr = self.session().await?;
        let out = self.open_output(channel, session);
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
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.take_channel(channel) {
            Some(stream) if name == "sftp" => self.start_sftp(stream, session).await,
            _ => {
                session.channel_failure(channel)?;
                Ok(())
            }
        }
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Bytes before any request: let go of the channel, so russh never waits on a queue
        // nobody drains.
        self.take_channel(channel);
        if self.scp.contains_key(&channel) {
            return self.scp_data(channel, data, session).await;
        }
        if let Some(forward) = self.forwards.get_mut(&channel) {
            let part = forward.take(data);
            if !part.is_empty() {
                let kind = EventKind::DirectTcpipData {
                    target_host: forward.host.clone(),
                    target_port: forward.port,
                    data: forward::py_repr(part),
                };
                self.emit(kind);
            }
            // The "target" hangs up once it has heard the client.
            self.forwards.remove(&channel);
            session.eof(channel)?;
            session.close(channel)?;
            return Ok(());
        }
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
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.scp.contains_key(&channel) {
            return self.scp_end(channel, session);
        }
        if self.forwards.remove(&channel).is_some() {
            session.close(channel)?;
            return Ok(());
        }
        if let Some((shell_channel, _)) = &self.shell
            && *shell_channel == channel
            && let Some(addr) = &self.session
        {
            addr.do_send(EndOfInput);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.scp.remove(&channel);
        self.forwards.remove(&channel);
        self.take_channel(channel);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn channel_open_direct_tcpip(
        &mut self,
        channel: Channel<Msg>,
        host_to_connect: &str,
        port_to_connect: u32,
        originator_address: &str,
        originator_port: u32,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.emit(EventKind::DirectTcpipRequest {
            target_host: forward::bounded(host_to_connect),
            target_port: port_to_connect,
            orig_host: forward::bounded(originator_address),
            orig_port: originator_port,
        });
        if self.forwards.len() >= forward::MAX_OPEN {
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        let id = channel.id();
        self.forwards
            .insert(id, Forward::new(host_to_connect, port_to_connect));
        reply.accept().await;
        // A client that sends nothing (it waits for a banner) sees the "target" hang up.
        let handle = session.handle();
        tokio::spawn(async move {
            tokio::time::sleep(forward::IDLE_CLOSE).await;
            handle.eof(id).await.ok();
            handle.close(id).await.ok();
        });
        Ok(())
    }

    async fn tcpip_forward(
        &mut self,
        address: &str,
        port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.emit(EventKind::TcpipForward {
            address: forward::bounded(address),
            port: *port,
        });
        // As sshd answers when it cannot bind the port.
        Ok(false)
    }
}
