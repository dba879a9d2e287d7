//! The SSH client side: one pinned algorithm set for every server, password login, and a PTY
//! shell that types a line and waits for the prompt to come back.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use russh::client::{self, Handle, Msg};
use russh::keys::Algorithm;
use russh::{Channel, ChannelMsg, Disconnect, Preferred, cipher, kex, mac};

/// Where to connect and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's SSH address (loopback only).
    pub addr: SocketAddr,
    /// Login name.
    pub user: String,
    /// Password the server accepts.
    pub password: String,
    /// Bound on each step (connect + login, one command, opening a shell).
    pub timeout: Duration,
    /// The loopback address to connect from (`None`: the kernel's choice, 127.0.0.1).
    pub source: Option<IpAddr>,
}

impl Target {
    /// Checks that the target is on this machine: the tool is a benchmark, not a scanner.
    pub fn new(
        addr: SocketAddr,
        user: String,
        password: String,
        timeout: Duration,
    ) -> anyhow::Result<Target> {
        if !addr.ip().is_loopback() {
            bail!("target {addr} is not a loopback address; mirage-load only loads 127.0.0.1");
        }
        Ok(Target {
            addr,
            user,
            password,
            timeout,
            source: None,
        })
    }

    /// The same target, connected to from `source` (any 127.0.0.0/8 address works on Linux
    /// without configuration), so the server sees many attackers instead of one.
    pub fn with_source(&self, source: IpAddr) -> anyhow::Result<Target> {
        if !source.is_loopback() {
            bail!("source {source} is not a loopback address");
        }
        Ok(Target {
            source: Some(source),
            ..self.clone()
        })
    }
}

/// The client configuration every server gets, so all do the same cryptographic work:
/// curve25519-sha256, an Ed25519 host key, aes128-ctr with hmac-sha2-256, no compression.
/// Cowrie (Twisted Conch) has neither chacha20-poly1305 nor AES-GCM nor the `-etm` MACs, so
/// this is the strongest set all three servers share.
pub fn config() -> Arc<client::Config> {
    Arc::new(client::Config {
        preferred: Preferred {
            kex: Cow::Borrowed(&[
                kex::CURVE25519,
                kex::CURVE25519_PRE_RFC_8731,
                kex::EXTENSION_SUPPORT_AS_CLIENT,
                kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
            ]),
            key: Cow::Borrowed(&[Algorithm::Ed25519]),
            cipher: Cow::Borrowed(&[cipher::AES_128_CTR]),
            mac: Cow::Borrowed(&[mac::HMAC_SHA256]),
            compression: Cow::Borrowed(&[russh::compression::NONE]),
            ..Preferred::default()
        },
        nodelay: true,
        ..Default::default()
    })
}

/// Trusts any host key: every server here is a local throwaway.
pub struct AcceptAnyKey;

impl client::Handler for AcceptAnyKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Connects, exchanges keys and logs in with the password (not bounded: callers wrap it in
/// their own timeout).
pub async fn login(
    config: Arc<client::Config>,
    target: &Target,
) -> anyhow::Result<Handle<AcceptAnyKey>> {
    let mut handle = match target.source {
        None => client::connect(config, target.addr, AcceptAnyKey).await,
        Some(source) => {
            let socket = match source {
                IpAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
                IpAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
            }?;
            socket
                .bind(SocketAddr::new(source, 0))
                .with_context(|| format!("cannot bind to {source}"))?;
            let stream = socket
                .connect(target.addr)
                .await
                .with_context(|| format!("cannot connect to {} from {source}", target.addr))?;
            stream.set_nodelay(config.nodelay)?;
            client::connect_stream(config, stream, AcceptAnyKey).await
        }
    }
    .with_context(|| format!("cannot connect to {}", target.addr))?;
    let auth = handle
        .authenticate_password(target.user.clone(), target.password.clone())
        .await
        .context("password authentication failed")?;
    if !auth.success() {
        bail!("the server refused {}'s password", target.user);
    }
    Ok(handle)
}

/// Says goodbye and waits (bounded) for the connection to end.
pub async fn disconnect(handle: Handle<AcceptAnyKey>, limit: Duration) {
    // An error here means the connection is already gone, which is what we want.
    if handle
        .disconnect(Disconnect::ByApplication, "", "en")
        .await
        .is_ok()
    {
        tokio::time::timeout(limit, handle).await.ok();
    }
}

/// Bytes of output kept to find the prompt in; older output is dropped.
const TAIL_BYTES: usize = 4096;

/// An interactive PTY shell.
pub struct Shell {
    handle: Handle<AcceptAnyKey>,
    channel: Channel<Msg>,
}

impl Shell {
    /// Logs in, opens an 80×24 `xterm` PTY shell and waits for the first prompt, all within
    /// the target's timeout.
    pub async fn open(config: Arc<client::Config>, target: &Target) -> anyhow::Result<Shell> {
        let open = async {
            let handle = login(config, target).await?;
            let channel = handle
                .channel_open_session()
                .await
                .context("cannot open a session channel")?;
            channel
                .request_pty(true, "xterm", 80, 24, 0, 0, &[])
                .await
                .context("PTY request failed")?;
            channel
                .request_shell(true)
                .await
                .context("shell request failed")?;
            let mut shell = Shell { handle, channel };
            shell.read_until_prompt(false).await?;
            anyhow::Ok(shell)
        };
        tokio::time::timeout(target.timeout, open)
            .await
            .with_context(|| format!("no shell prompt within {:?}", target.timeout))?
    }

    /// Types `line` and Enter; returns the time until the prompt came back.
    pub async fn run(&mut self, line: &str, limit: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        self.channel
            .data_bytes(format!("{line}\r").into_bytes())
            .await
            .context("cannot send the command")?;
        tokio::time::timeout(limit, self.read_until_prompt(true))
            .await
            .with_context(|| format!("no prompt within {limit:?} after {line:?}"))??;
        Ok(started.elapsed())
    }

    /// Whether the connection is still up.
    pub fn is_open(&self) -> bool {
        !self.handle.is_closed()
    }

    /// Ends the connection.
    pub async fn close(self, limit: Duration) {
        drop(self.channel);
        disconnect(self.handle, limit).await;
    }

    /// Reads until the output ends with a prompt; with `after_line`, only after a line break
    /// (the echo of the typed line) has gone by.
    async fn read_until_prompt(&mut self, after_line: bool) -> anyhow::Result<()> {
        let mut tail: Vec<u8> = Vec::new();
        let mut line_done = !after_line;
        loop {
            match self.channel.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    line_done |= data.contains(&b'\n');
                    tail.extend_from_slice(&data);
                    if tail.len() > TAIL_BYTES {
                        tail.drain(..tail.len() - TAIL_BYTES);
                    }
                    if line_done && ends_with_prompt(&tail) {
                        return Ok(());
                    }
                }
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => {
                    bail!(
                        "the server closed the shell; last output {:?}",
                        String::from_utf8_lossy(&tail)
                    )
                }
                Some(_) => {}
            }
        }
    }
}

/// Whether terminal output ends with a shell prompt: its last line holds `user@host` and ends
/// with `# ` or `$ ` (Mirage's, Cowrie's and the bare server's prompts all do; Mirage's begins
/// with a bracketed-paste switch, which is fine).
pub fn ends_with_prompt(output: &[u8]) -> bool {
    let last_line = match output.iter().rposition(|b| *b == b'\n') {
        Some(at) => &output[at + 1..],
        None => output,
    };
    (last_line.ends_with(b"# ") || last_line.ends_with(b"$ ")) && last_line.contains(&b'@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_of_each_server_are_found() {
        // Mirage (bracketed paste on), Cowrie, the bare server, and a non-root user.
        assert!(ends_with_prompt(
            b"Linux web01 5.15.0\r\n\x1b[?2004l\r\x1b[?2004hroot@web01:~# "
        ));
        assert!(ends_with_prompt(
            b"uname -a\r\nLinux svr04\r\nroot@svr04:~# "
        ));
        assert!(ends_with_prompt(b"w\r\nroot@bare:~# "));
        assert!(ends_with_prompt(b"\r\nadmin@host:/tmp$ "));
    }

    #[test]
    fn output_that_is_not_a_prompt() {
        // Still typing, a prompt-like text mid-line, a comment line, an unfinished output.
        assert!(!ends_with_prompt(b"root@svr04:~# uname -a"));
        assert!(!ends_with_prompt(b"root@svr04:~# ls\r\nfile1  file2"));
        assert!(!ends_with_prompt(b"\r\n# "));
        assert!(!ends_with_prompt(b""));
    }

    #[test]
    fn only_loopback_targets() {
        let t = |addr: &str| {
            Target::new(
                addr.parse().unwrap(),
                "root".into(),
                "x".into(),
                Duration::from_secs(1),
            )
        };
        assert!(t("127.0.0.1:22").is_ok());
        assert!(t("[::1]:22").is_ok());
        assert!(
            t("192.0.2.1:22")
                .unwrap_err()
                .to_string()
                .contains("loopback")
        );
        let from = |ip: &str| t("127.0.0.1:22").unwrap().with_source(ip.parse().unwrap());
        assert_eq!(
            from("127.9.8.7").unwrap().source,
            Some("127.9.8.7".parse().unwrap())
        );
        assert!(from("10.0.0.1").is_err());
    }
}
