//! Line editing over a real SSH PTY: history with the arrow keys, Tab completion against the
//! fake filesystem, and how the shell says goodbye (`exit` prints `logout`, `logout` does not).

use std::time::{Duration, Instant};

use russh::client::{self, Msg};
use russh::{Channel, ChannelMsg};

use crate::common::{AcceptAnyKey, NodeProcess, SshShell, root_pty_shell, shown};

const STEP: Duration = Duration::from_secs(30);

/// A PTY shell driven key by key, which also sees the channel close.
struct Keyboard {
    channel: Channel<Msg>,
    screen: Vec<u8>,
    closed: bool,
    _handle: client::Handle<AcceptAnyKey>,
}

impl Keyboard {
    async fn open(addr: std::net::SocketAddr) -> Keyboard {
        let (handle, channel) = root_pty_shell(addr).await;
        let mut keyboard = Keyboard {
            channel,
            screen: Vec::new(),
            closed: false,
            _handle: handle,
        };
        keyboard.until(|s| s.ends_with("# ")).await;
        keyboard
    }

    /// Sends keys and returns what the terminal shows until `done` holds (or the channel closed).
    async fn keys(&mut self, keys: &[u8], done: impl Fn(&str) -> bool) -> String {
        self.channel.data(keys).await.expect("send");
        self.until(done).await
    }

    async fn until(&mut self, done: impl Fn(&str) -> bool) -> String {
        let start = self.screen.len();
        let deadline = Instant::now() + STEP;
        loop {
            let text = shown(&String::from_utf8_lossy(&self.screen[start..]));
            if done(&text) || self.closed {
                return text;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.screen.extend_from_slice(&data),
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => self.closed = true,
                Ok(Some(_)) => {}
                Err(_) => panic!("nothing more within {STEP:?}; got {text:?}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_arrow_recalls_earlier_lines_and_enter_runs_them_again() {
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo one").await, "one\r\n");
    assert_eq!(shell.run("echo two").await, "two\r\n");
    // Up draws the last line; Up again changes what differs, as readline does; Enter runs it.
    let screen = shell.type_until("\x1b[A\x1b[A", "# ").await;
    assert!(
        screen.starts_with("echo two\x08\x08\x08one\r\none\r\n"),
        "Up, Up, Enter: {screen:?}"
    );
    let history = shell.run("history").await;
    assert!(
        history.contains("    1  echo one\r\n    2  echo two\r\n    3  echo one\r\n"),
        "{history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_completes_a_path_in_the_fake_filesystem() {
    let node = NodeProcess::start(&[]);
    let mut keyboard = Keyboard::open(node.ssh).await;
    // A unique file: the rest of its name and a space.
    let echo = keyboard
        .keys(b"ls /etc/passw\t", |s| s.ends_with("passwd "))
        .await;
    assert_eq!(echo, "ls /etc/passwd ");
    let out = keyboard.keys(b"\r", |s| s.ends_with("# ")).await;
    assert!(out.starts_with("\r\n/etc/passwd\r\n"), "{out:?}");
    // A directory gets a slash; a command name completes from $PATH.
    keyboard.keys(b"ls /et", |s| s.ends_with("/et")).await;
    assert_eq!(keyboard.keys(b"\t", |s| s.ends_with('/')).await, "c/");
    keyboard.keys(b"\x15", |s| s.ends_with("\x1b[K")).await;
    keyboard.keys(b"unam", |s| s.ends_with("unam")).await;
    assert_eq!(keyboard.keys(b"\t", |s| s.ends_with(' ')).await, "e ");
    // No match: only the bell.
    keyboard.keys(b"\x15zzzq", |s| s.ends_with("zzzq")).await;
    assert_eq!(keyboard.keys(b"\t", |s| s.ends_with('\x07')).await, "\x07");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_leaves_silently_and_exit_says_logout() {
    let node = NodeProcess::start(&[]);
    let mut keyboard = Keyboard::open(node.ssh).await;
    let bye = keyboard.keys(b"logout\r", |_| false).await;
    assert!(keyboard.closed);
    assert_eq!(bye, "logout\r\n");

    let mut keyboard = Keyboard::open(node.ssh).await;
    let bye = keyboard.keys(b"exit\r", |_| false).await;
    assert!(keyboard.closed);
    assert_eq!(bye, "exit\r\nlogout\r\n");
}
