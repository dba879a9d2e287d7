//! `bare-server` mode: a russh 0.65 server that accepts any password and echoes what is typed,
//! answering each line with a prompt. Nothing but russh's own work per connection: the limit
//! Mirage's stack can reach, to compare against.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{Auth, ChannelOpenHandle, Msg, Server as _, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use tokio::net::TcpListener;

/// The prompt sent when the shell opens and after every line.
const PROMPT: &[u8] = b"root@bare:~# ";

/// Serves on `listen` until the process is stopped; prints `listening on ADDR` once bound.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    if !listen.ip().is_loopback() {
        bail!("bare-server listens on loopback only, not {listen}");
    }
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let config = russh::server::Config {
        keys: vec![PrivateKey::from(Ed25519Keypair::from_seed(&seed))],
        methods: MethodSet::from(&[MethodKind::Password][..]),
        auth_rejection_time: Duration::ZERO,
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: Some(Duration::from_secs(3600)),
        nodelay: true,
        ..Default::default()
    };
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!("listening on {}", listener.local_addr()?);
    BareServer
        .run_on_socket(Arc::new(config), &listener)
        .await
        .context("the server stopped")
}

/// The per-connection handler factory.
struct BareServer;

impl russh::server::Server for BareServer {
    type Handler = BareHandler;

    fn new_client(&mut self, _peer: Option<SocketAddr>) -> BareHandler {
        BareHandler
    }
}

/// One connection: every password accepted, PTY and shell granted, input echoed.
struct BareHandler;

impl russh::server::Handler for BareHandler {
    type Error = russh::Error;

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
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
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        session.data(channel, PROMPT)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.data(channel, echo(data))
    }
}

/// What a terminal shows for typed bytes: the bytes, each Enter as a line break and a prompt.
fn echo(typed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(typed.len() + PROMPT.len() + 2);
    for byte in typed {
        if *byte == b'\r' {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(PROMPT);
        } else {
            out.push(*byte);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_echoed_then_prompted() {
        let out = echo(b"uname -a\r");
        assert_eq!(out, b"uname -a\r\nroot@bare:~# ");
        assert!(crate::client::ends_with_prompt(&out));
        assert!(!crate::client::ends_with_prompt(&echo(b"una")));
    }
}
