//! File transfers on a connection: `scp -t` channels driven by the [`ScpSink`] and the
//! `sftp` subsystem ([`SftpSession`]), writing through the upload store into the attacker's
//! filesystem.

use std::sync::Arc;

use russh::server::{Msg, Session};
use russh::{Channel, ChannelId};

use crate::actors::session::Files;
use crate::protocols::ssh::handler::SshHandler;
use crate::protocols::ssh::scp::{self, ScpAction, ScpSink};
use crate::protocols::ssh::sftp::SftpSession;
use crate::protocols::ssh::uploads::{self, SessionFiles};

/// One channel running `scp -t`.
pub struct ScpChannel {
    sink: ScpSink,
    files: SessionFiles,
    /// Whether anything failed: the exit status is then 1, as scp's.
    failed: bool,
}

impl SshHandler {
    /// Serves SFTP on `channel` from the attacker's filesystem.
    pub(super) async fn start_sftp(
        &mut self,
        channel: Channel<Msg>,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let id = channel.id();
        let addr = self.session().await?;
        let Ok(files) = addr.send(Files).await else {
            return Err(russh::Error::Disconnect);
        };
        let (sink, origin) = (self.deps.sink.clone(), self.origin.clone());
        let emit = Arc::new(move |kind| sink.do_send(origin.event(kind)));
        let sftp = SftpSession::new(files, self.uploads.clone(), self.quota.clone(), emit);
        session.channel_success(id)?;
        // russh-sftp runs the session on its own task until the client closes the stream.
        russh_sftp::server::run(channel.into_stream(), sftp).await;
        Ok(())
    }

    /// Starts the scp sink on `channel`, writing to `target`.
    pub(super) async fn start_scp(
        &mut self,
        channel: ChannelId,
        target: String,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let addr = self.session().await?;
        let Ok(files) = addr.send(Files).await else {
            return Err(russh::Error::Disconnect);
        };
        let target_is_dir = files.with(|fs| fs.is_dir(&target));
        let sink = ScpSink::new(target, target_is_dir, self.quota.clone());
        let start = sink.start();
        self.scp.insert(
            channel,
            ScpChannel {
                sink,
                files,
                failed: false,
            },
        );
        self.scp_actions(channel, vec![start], session).await
    }

    /// The client's bytes on an scp channel.
    pub(super) async fn scp_data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let Some(scp) = self.scp.get_mut(&channel) else {
            return Ok(());
        };
        let actions = scp.sink.feed(data);
        self.scp_actions(channel, actions, session).await
    }

    /// Carries out what the sink asked for.
    async fn scp_actions(
        &mut self,
        channel: ChannelId,
        actions: Vec<ScpAction>,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        for action in actions {
            let Some(scp) = self.scp.get_mut(&channel) else {
                return Ok(());
            };
            match action {
                ScpAction::Reply(bytes) => {
                    if bytes.first() == Some(&1) {
                        scp.failed = true;
                    }
                    session.data(channel, bytes)?;
                }
                ScpAction::Mkdir { path, mode } => {
                    let made = scp.files.with(|fs| {
                        if fs.is_dir(&path) {
                            Ok(())
                        } else {
                            fs.mkdir(&path, mode)
                        }
                    });
                    let result = made.map_err(|err| format!("{path}: {err}"));
                    scp.failed |= result.is_err();
                    session.data(channel, scp::ack(result))?;
                }
                ScpAction::File {
                    path,
                    name,
                    bytes,
                    mode,
                } => {
                    let files = scp.files.clone();
                    let (event, result) =
                        uploads::receive(&files, &self.uploads, &path, &name, bytes, mode, "scp")
                            .await;
                    if let Some(event) = event {
                        self.emit(event);
                    }
                    if let Some(scp) = self.scp.get_mut(&channel) {
                        scp.failed |= result.is_err();
                    }
                    session.data(channel, scp::ack(result))?;
                }
                ScpAction::Fail(message) => {
                    session.data(channel, format!("\x01scp: {message}\n").into_bytes())?;
                    scp.failed = true;
                    return self.scp_end(channel, session);
                }
            }
        }
        Ok(())
    }

    /// The transfer is over (client EOF or protocol error): exit status, EOF, close.
    pub(super) fn scp_end(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        let Some(scp) = self.scp.remove(&channel) else {
            return Ok(());
        };
        session.exit_status_request(channel, u32::from(scp.failed || scp.sink.is_done()))?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }
}
