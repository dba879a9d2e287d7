//! The node as an unprivileged user (README, "Running unprivileged"): as `nobody` with no
//! capabilities it serves SSH on a high port and writes its data; a port below 1024 then fails
//! with a clear error; with only `CAP_NET_BIND_SERVICE` (ambient, as `setcap` or systemd's
//! `AmbientCapabilities` give it) it serves a privileged port. Under a non-root `cargo test`
//! the node simply runs as that user (who cannot grant capabilities).

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{NodeProcess, SshShell, wait_bounded};

/// `nobody` on Debian.
const NOBODY: u32 = 65534;

/// A field of `/proc/PID/status` (`Uid:`, `CapEff:`, …), its first value.
fn status_field(pid: u32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .to_owned()
}

fn running_as_root() -> bool {
    status_field(std::process::id(), "Uid:") == "0"
}

/// How to start the node as an unprivileged user: through `setpriv` as `nobody` when the tests
/// run as root (with a data directory `nobody` owns), directly otherwise.
fn unprivileged(tmp: &Path, extra: &[&'static str]) -> Vec<&'static str> {
    if !running_as_root() {
        return Vec::new();
    }
    std::os::unix::fs::chown(tmp, Some(NOBODY), Some(NOBODY)).expect("chown the temp dir");
    let mut wrapper = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    wrapper.extend_from_slice(extra);
    wrapper
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_and_records_as_an_unprivileged_user() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut node = NodeProcess::start_wrapped(&data, &unprivileged(tmp.path(), &[]), &[]);
    let pid = node.pid();
    assert_ne!(status_field(pid, "Uid:"), "0", "the node runs as root");
    assert_eq!(
        status_field(pid, "CapEff:"),
        "0000000000000000",
        "the node holds capabilities"
    );

    let mut shell = SshShell::open(node.ssh).await;
    // The attacker still sees root on the fake host.
    assert!(shell.run("id").await.contains("uid=0(root)"));
    drop(shell);

    // What it wrote is the unprivileged user's: host keys and the event log.
    node.wait_for_log("the closed session", |event| {
        event["eventid"] == "cowrie.session.closed"
    });
    let owner = |path: &Path| {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .uid()
    };
    let key = data.join("keys").join("ssh_host_ed25519_key");
    let log = data.join("log").join("mirage.json");
    let expected = if running_as_root() {
        NOBODY
    } else {
        owner(tmp.path())
    };
    assert_eq!(owner(&key), expected, "{}", key.display());
    assert_eq!(owner(&log), expected, "{}", log.display());
    let (status, _) = node.terminate();
    assert!(status.success(), "{status}");
}

/// A free port below 1024 on 127.0.0.1 (bound and released by root here).
fn free_privileged_port() -> u16 {
    (600..1000)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free port below 1024")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_privileged_port_needs_the_bind_capability() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let port = if running_as_root() {
        free_privileged_port()
    } else {
        // Unprivileged callers cannot bind below 1024 (ip_unprivileged_port_start permitting).
        1000
    };
    let listen = format!("127.0.0.1:{port}");

    // Without the capability: a clear error naming the address, non-zero exit, no listener.
    let wrapper = unprivileged(tmp.path(), &[]);
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(env!("CARGO_BIN_EXE_mirage"));
            cmd
        }
        None => Command::new(env!("CARGO_BIN_EXE_mirage")),
    };
    let child = cmd
        .arg("run")
        .env("MIRAGE_DATA_DIR", &data)
        .env("MIRAGE_SSH_LISTEN", &listen)
        .env("MIRAGE_HTTP_LISTEN", "127.0.0.1:0")
        .env("MIRAGE_ADMIN_LISTEN", "127.0.0.1:0")
        .env("MIRAGE_STRATEGY_MODE", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mirage");
    let (code, _, stderr) = wait_bounded(child, Duration::from_secs(60));
    assert_ne!(code, 0, "bound {listen} without the capability:\n{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {listen}"))
            && stderr.to_lowercase().contains("permission denied"),
        "{stderr}"
    );

    if !running_as_root() {
        eprintln!("not root: cannot grant CAP_NET_BIND_SERVICE, the capability half is not run");
        return;
    }
    // With only CAP_NET_BIND_SERVICE it serves the privileged port as `nobody`.
    let wrapper = unprivileged(
        tmp.path(),
        &[
            "--inh-caps=+net_bind_service",
            "--ambient-caps=+net_bind_service",
        ],
    );
    let mut node =
        NodeProcess::start_wrapped(&data, &wrapper, &[("MIRAGE_SSH_LISTEN", listen.as_str())]);
    assert_eq!(node.ssh, listen.parse::<SocketAddr>().unwrap());
    assert_eq!(status_field(node.pid(), "Uid:"), NOBODY.to_string());
    let mut shell = SshShell::open(node.ssh).await;
    assert!(shell.run("whoami").await.contains("root"));
    drop(shell);
    let (status, _) = node.terminate();
    assert!(status.success(), "{status}");
}
