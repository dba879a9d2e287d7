//! Shared test helpers: start the real `mirage` binary on loopback ports, talk HTTP and SSH to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use russh::client::{self, Msg};
use russh::{Channel, ChannelMsg};
use std::time::{Duration, Instant};

/// The password every test login uses with the default userdb (`root:x:*` minus a few).
pub const PASSWORD: &str = "hunter2";

/// A running `mirage run` process with its own data directory and ports.
pub struct NodeProcess {
    child: Option<Child>,
    /// Its data directory.
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    /// SSH decoy address.
    pub ssh: SocketAddr,
    /// HTTP decoy address.
    pub http: SocketAddr,
    /// Admin address.
    pub admin: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl NodeProcess {
    /// Starts a node in a fresh temporary data directory.
    pub fn start(env: &[(&str, &str)]) -> NodeProcess {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("data");
        let mut node = NodeProcess::start_in(&dir, env);
        node._tmp = Some(tmp);
        node
    }

    /// Starts a node on `data_dir` (kept by the caller, e.g. to restart on it).
    pub fn start_in(data_dir: &Path, env: &[(&str, &str)]) -> NodeProcess {
        NodeProcess::start_wrapped(data_dir, &[], env)
    }

    /// Starts a node on `data_dir` through `wrapper` (a program and its arguments that run the
    /// node's command line, e.g. `setpriv --reuid=…`); an empty wrapper runs it directly.
    pub fn start_wrapped(data_dir: &Path, wrapper: &[&str], env: &[(&str, &str)]) -> NodeProcess {
        let binary = env!("CARGO_BIN_EXE_mirage");
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(binary);
                cmd
            }
            None => Command::new(binary),
        };
        cmd.arg("run");
        for (key, _) in std::env::vars() {
            if key.starts_with("MIRAGE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("RUST_LOG", "info")
            .env("MIRAGE_DATA_DIR", data_dir)
            .env("MIRAGE_SSH_LISTEN", "127.0.0.1:0")
            .env("MIRAGE_HTTP_LISTEN", "127.0.0.1:0")
            .env("MIRAGE_ADMIN_LISTEN", "127.0.0.1:0")
            .env("MIRAGE_SSH_AUTH_REJECTION_TIME_MS", "50")
            // Every test client comes from 127.0.0.1: no per-address cap unless a test sets
            // one (the `limits` and `connection_caps` tests do).
            .env("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "0")
            .env("MIRAGE_HTTP_MAX_CONNECTIONS_PER_IP", "0")
            // Layer 3 draws each session's deceptions at random: tests that do not test it
            // get the static honeypot (the `strategy` tests set a mode).
            .env("MIRAGE_STRATEGY_MODE", "off");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn mirage");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().expect("stderr");
        let lines = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        let (mut ssh, mut http, mut admin) = (None, None, None);
        while ssh.is_none() || http.is_none() || admin.is_none() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "mirage exited early ({status}):\n{}",
                    stderr.lock().unwrap().join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "mirage did not come up:\n{}",
                stderr.lock().unwrap().join("\n")
            );
            for line in stderr.lock().unwrap().iter() {
                if let Some(addr) = listener_addr(line, "ssh") {
                    ssh = Some(addr);
                }
                if let Some(addr) = listener_addr(line, "http") {
                    http = Some(addr);
                }
                if let Some(addr) = listener_addr(line, "admin") {
                    admin = Some(addr);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        NodeProcess {
            child: Some(child),
            data_dir: data_dir.to_owned(),
            _tmp: None,
            ssh: ssh.unwrap(),
            http: http.unwrap(),
            admin: admin.unwrap(),
            stderr,
        }
    }

    /// Everything the node logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The node's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Whether the process is still running (it has not exited).
    pub fn is_running(&mut self) -> bool {
        let child = self.child.as_mut().expect("not yet reaped");
        child.try_wait().expect("wait").is_none()
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and reaps it.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }

    /// Sends SIGTERM and waits (bounded) for the exit.
    pub fn terminate(&mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("running");
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = started + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return (status, started.elapsed());
            }
            if Instant::now() > deadline {
                child.kill().ok();
                panic!("mirage did not exit after SIGTERM:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The JSON log's lines so far, parsed.
    pub fn log_events(&self) -> Vec<serde_json::Value> {
        read_json_lines(&self.data_dir.join("log").join("mirage.json"))
    }

    /// Waits (bounded) until the JSON log holds an event matching `pred`; returns all events.
    pub fn wait_for_log(
        &self,
        what: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        poll_until(
            Duration::from_secs(15),
            || Some(self.log_events()).filter(|events| events.iter().any(&pred)),
            || format!("no {what} in the JSON log: {:#?}", self.log_events()),
        )
    }

    /// Waits (bounded) until the JSON log holds at least `n` events matching `pred`; returns
    /// those.
    pub fn wait_for_events(
        &self,
        what: &str,
        n: usize,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        poll_until(
            Duration::from_secs(30),
            || {
                let found: Vec<serde_json::Value> =
                    self.log_events().into_iter().filter(|e| pred(e)).collect();
                (found.len() >= n).then_some(found)
            },
            || {
                format!(
                    "fewer than {n} {what} in the JSON log: {:#?}",
                    self.log_events()
                )
            },
        )
    }
}

/// Calls `probe` every 50 ms until it gives a value, and returns it; after `limit`, fails the
/// test with `failure()`.
pub fn poll_until<T>(
    limit: Duration,
    mut probe: impl FnMut() -> Option<T>,
    failure: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{}", failure());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`poll_until`] for async tests: sleeps without blocking the runtime.
pub async fn poll_until_async<T>(
    limit: Duration,
    mut probe: impl FnMut() -> Option<T>,
    failure: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{}", failure());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

fn listener_addr(line: &str, protocol: &str) -> Option<SocketAddr> {
    if !line.contains("Listener up.") || !line.contains(&format!("protocol=\"{protocol}\"")) {
        return None;
    }
    let rest = line.split("addr=").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Parses a JSON-lines file (missing file: no lines).
pub fn read_json_lines(path: &Path) -> Vec<serde_json::Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    // Only complete lines: the node may be in the middle of writing the last one.
    text.split_inclusive('\n')
        .filter(|l| l.ends_with('\n') && l.trim() != "")
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Sends `bytes` as they are (closing the sending side after them) and returns everything the
/// server answered: for exact-bytes tests of the HTTP decoy.
pub fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    stream.shutdown(std::net::Shutdown::Write).ok();
    let mut out = Vec::new();
    // A reset after the response is fine: what arrived is what we check.
    stream.read_to_end(&mut out).ok();
    out
}

/// A minimal HTTP/1.1 request; returns (status, head, body).
pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    http_exchange(addr, method, path, headers, None)
}

/// An HTTP/1.1 request, with a body (and its `Content-Length`) when `body` is given; returns
/// (status, head, body). An event stream never ends by itself: its head is enough.
pub fn http_exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).unwrap();
    // A reset after the response is fine: what arrived is what we check.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        let so_far = String::from_utf8_lossy(&raw);
        if so_far.contains("\r\n\r\n") && so_far.contains("text/event-stream") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// `GET path`.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    http_request(addr, "GET", path, &[])
}

/// The system's OpenSSH client, logging in with `password` through SSH_ASKPASS.
pub struct OpenSsh {
    askpass: tempfile::TempDir,
}

impl OpenSsh {
    /// A client that answers the password prompt with `password`.
    pub fn new(password: &str) -> OpenSsh {
        let askpass = tempfile::tempdir().unwrap();
        let script = askpass.path().join("askpass.sh");
        std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' '{password}'\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        OpenSsh { askpass }
    }

    /// An `ssh` command for `user@127.0.0.1` on `port`, with `extra` arguments after the target.
    pub fn command(&self, port: u16, user: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.env("SSH_ASKPASS", self.askpass.path().join("askpass.sh"))
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0")
            .args(OPENSSH_OPTIONS)
            .args(["-p", &port.to_string(), &format!("{user}@127.0.0.1")])
            .args(extra);
        cmd
    }

    /// Runs `ssh … extra` with `input` on stdin; returns (exit code, stdout, stderr), bounded.
    pub fn run(
        &self,
        port: u16,
        user: &str,
        extra: &[&str],
        input: &[u8],
    ) -> (i32, String, String) {
        let mut child = self
            .command(port, user, extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ssh");
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            // ssh may exit before reading everything (exec ignores stdin).
            stdin.write_all(&input).ok();
            // Keep stdin open briefly so an interactive shell sees every line before EOF.
            std::thread::sleep(Duration::from_secs(3));
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                child.kill().ok();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// The host keys a server presents, as `ssh-keyscan` prints them (sorted).
pub fn keyscan(port: u16) -> Vec<String> {
    let output = Command::new("ssh-keyscan")
        .args([
            "-T",
            "10",
            "-t",
            "rsa,ecdsa,ed25519",
            "-p",
            &port.to_string(),
            "127.0.0.1",
        ])
        .output()
        .expect("ssh-keyscan");
    let mut keys: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    keys.sort();
    keys
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a database per test, and a forwarder that makes a port dead or alive.

/// Binds `addr`, retrying briefly in case the port is still in TIME_WAIT or taken for a moment.
pub async fn bind_retrying(addr: SocketAddr) -> tokio::net::TcpListener {
    let mut last = None;
    for _ in 0..50 {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return listener,
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot bind {addr}: {last:?}");
}

/// Accepts connections and pipes each to `target`.
pub async fn forward(listener: tokio::net::TcpListener, target: SocketAddr) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                // The stream ends when either side closes; errors just end it.
                let _copied = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

pub fn pg_addr() -> SocketAddr {
    std::env::var("MIRAGE_TEST_PG_ADDR")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5432)))
}

/// Connects as `postgres` to `dbname` on the test server, bounded in time.
pub async fn pg_connect(dbname: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let addr = pg_addr();
    let mut config = tokio_postgres::Config::new();
    config
        .host(addr.ip().to_string())
        .port(addr.port())
        .user("postgres")
        .dbname(dbname)
        .connect_timeout(Duration::from_secs(5));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _closed = connection.await;
    });
    Ok(client)
}

/// A database of one test, dropped by [`PgDatabase::drop_now`] or, failing that, on `Drop`.
pub struct PgDatabase {
    /// The database's name.
    pub name: String,
    dropped: bool,
}

impl PgDatabase {
    /// Creates a fresh, uniquely named database.
    pub async fn create() -> PgDatabase {
        let name = format!("mirage_test_{:016x}", rand::random::<u64>());
        let admin = pg_connect("postgres").await.unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {} is needed: {}",
                pg_addr(),
                mirage::error_chain(&err)
            )
        });
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        PgDatabase {
            name,
            dropped: false,
        }
    }

    /// Its URL through `addr` (the server itself, or a forwarder).
    pub fn url(&self, addr: SocketAddr) -> String {
        format!("postgres://postgres@{addr}/{}", self.name)
    }

    /// Drops the database now.
    pub async fn drop_now(&mut self) {
        let dropped =
            tokio::time::timeout(Duration::from_secs(15), drop_database(&self.name)).await;
        match dropped {
            Ok(Ok(())) => self.dropped = true,
            Ok(Err(err)) => eprintln!("cannot drop {}: {}", self.name, mirage::error_chain(&err)),
            Err(_) => eprintln!("dropping {} timed out", self.name),
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Best effort, on a thread of its own: Drop may run inside (or outside) a runtime.
        let name = self.name.clone();
        let thread = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let _done =
                    tokio::time::timeout(Duration::from_secs(15), drop_database(&name)).await;
            });
        });
        let _joined = thread.join();
    }
}

pub async fn drop_database(name: &str) -> Result<(), tokio_postgres::Error> {
    let admin = pg_connect("postgres").await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
}

// ---------------------------------------------------------------------------------------------
// russh client sessions.

/// A russh client handler that trusts any host key (tests only).
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

/// An interactive PTY shell over a real SSH connection (russh's client).
pub struct SshShell {
    /// The connection, for opening more channels.
    pub handle: client::Handle<AcceptAnyKey>,
    channel: Channel<Msg>,
    screen: Vec<u8>,
}

const STEP: Duration = Duration::from_secs(30);

/// Logs in as root with russh's client and opens an 80x24 `xterm` PTY shell channel.
pub async fn root_pty_shell(
    addr: std::net::SocketAddr,
) -> (client::Handle<AcceptAnyKey>, russh::Channel<client::Msg>) {
    let config = Arc::new(client::Config::default());
    let mut handle = client::connect(config, addr, AcceptAnyKey)
        .await
        .expect("connect");
    let auth = handle
        .authenticate_password("root", PASSWORD)
        .await
        .expect("auth");
    assert!(auth.success(), "login refused");
    let channel = handle.channel_open_session().await.expect("channel");
    channel
        .request_pty(true, "xterm", 80, 24, 0, 0, &[])
        .await
        .expect("pty");
    channel.request_shell(true).await.expect("shell");
    (handle, channel)
}

impl SshShell {
    /// Logs in as root and opens a PTY shell; returns once the first prompt is shown.
    pub async fn open(addr: std::net::SocketAddr) -> SshShell {
        let (handle, channel) = root_pty_shell(addr).await;
        let mut shell = SshShell {
            handle,
            channel,
            screen: Vec::new(),
        };
        shell.read_until_prompt().await;
        shell
    }

    /// Reads until the screen ends with a root prompt; returns what arrived.
    pub async fn read_until_prompt(&mut self) -> String {
        self.read_until("a root prompt", |text| {
            text.ends_with("# ") && text.contains("root@")
        })
        .await
    }

    /// Reads until what arrived from now on satisfies `done`; returns it.
    async fn read_until(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = self.screen.len();
        let deadline = Instant::now() + STEP;
        loop {
            let text = String::from_utf8_lossy(&self.screen[start..]).into_owned();
            if done(&text) {
                return text;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.screen.extend_from_slice(&data),
                Ok(Some(ChannelMsg::Eof | ChannelMsg::Close)) | Ok(None) => {
                    panic!("connection closed; screen so far: {text:?}")
                }
                Ok(Some(_)) => {}
                Err(_) => panic!("no {what} within {STEP:?}; screen so far: {text:?}"),
            }
        }
    }

    /// Types a line and returns its output (between the echoed line and the next prompt).
    pub async fn run(&mut self, line: &str) -> String {
        self.channel
            .data_bytes(format!("{line}\r").into_bytes())
            .await
            .expect("send");
        let text = shown(&self.read_until_prompt().await);
        let after_echo = text.split_once("\r\n").map_or("", |(_, rest)| rest);
        let end = after_echo.rfind("root@").unwrap_or(after_echo.len());
        after_echo[..end].to_owned()
    }
    /// Types a line and returns what the screen shows up to the moment it ends with `suffix`
    /// (for prompts other than the root prompt, e.g. the `> ` continuation prompt).
    pub async fn type_until(&mut self, line: &str, suffix: &str) -> String {
        self.channel
            .data_bytes(format!("{line}\r").into_bytes())
            .await
            .expect("send");
        let text = self
            .read_until(suffix, |text| shown(text).ends_with(suffix))
            .await;
        shown(&text)
    }

    /// Runs `command` in an exec channel of the same connection; returns (output, status).
    pub async fn exec(&self, command: &str) -> (String, Option<u32>) {
        let mut channel = self.handle.channel_open_session().await.expect("channel");
        channel.exec(true, command).await.expect("exec");
        let (mut out, mut status) = (Vec::new(), None);
        let deadline = Instant::now() + STEP;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => out.extend_from_slice(&data),
                Ok(Some(ChannelMsg::ExitStatus { exit_status })) => status = Some(exit_status),
                Ok(Some(ChannelMsg::Close)) | Ok(None) => break,
                Ok(Some(_)) => {}
                Err(_) => panic!("exec {command:?} did not finish"),
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), status)
    }
}

/// Terminal output as a screen shows it: without readline's bracketed-paste mode switches
/// (`ESC [?2004h` before a prompt, `ESC [?2004l CR` after a line), which display nothing.
pub fn shown(text: &str) -> String {
    text.replace("\x1b[?2004l\r", "").replace("\x1b[?2004h", "")
}

/// The options every OpenSSH test client gets: no config, no host-key checks, password only.
const OPENSSH_OPTIONS: &[&str] = &[
    "-F",
    "/dev/null",
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "PreferredAuthentications=password",
    "-o",
    "PubkeyAuthentication=no",
    "-o",
    "NumberOfPasswordPrompts=1",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "LogLevel=ERROR",
];

/// Waits (at most `limit`) for `child`; kills it when the time is up. Returns (exit code,
/// stdout, stderr); a killed client exits with -1.
pub fn wait_bounded(mut child: Child, limit: Duration) -> (i32, String, String) {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

impl OpenSsh {
    fn with_askpass(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SSH_ASKPASS", self.askpass.path().join("askpass.sh"))
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .args(OPENSSH_OPTIONS);
        cmd
    }

    /// Runs `scp -P port extra… local root@127.0.0.1:remote` (bounded); (exit code, stdout,
    /// stderr).
    pub fn scp(
        &self,
        port: u16,
        extra: &[&str],
        local: &Path,
        remote: &str,
    ) -> (i32, String, String) {
        let child = self
            .with_askpass("scp")
            .args(["-P", &port.to_string()])
            .args(extra)
            .arg(local)
            .arg(format!("root@127.0.0.1:{remote}"))
            .spawn()
            .expect("spawn scp");
        wait_bounded(child, Duration::from_secs(30))
    }

    /// Runs `sftp -b batch` as root on `port` with the batch `commands` (bounded); (exit code,
    /// stdout, stderr).
    pub fn sftp_batch(&self, port: u16, commands: &str) -> (i32, String, String) {
        let batch = self.askpass.path().join("batch");
        std::fs::write(&batch, commands).unwrap();
        let child = self
            .with_askpass("sftp")
            // Before `-b`, so it wins over the `BatchMode=yes` sftp adds: the password comes
            // from SSH_ASKPASS.
            .args(["-o", "BatchMode=no", "-P", &port.to_string(), "-b"])
            .arg(&batch)
            .arg("root@127.0.0.1")
            .spawn()
            .expect("spawn sftp");
        wait_bounded(child, Duration::from_secs(30))
    }
}
