//! The fake filesystem through real SSH clients: files persist for the same address and
//! user across reconnects, generated files agree with the prompt, and commands answer from
//! the filesystem.

use std::time::Duration;

use crate::common::{NodeProcess, OpenSsh, PASSWORD, SshShell};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_persist_across_reconnects_and_commands_read_the_filesystem() {
    let node = NodeProcess::start(&[]);

    let mut first = SshShell::open(node.ssh).await;
    assert_eq!(first.run("echo hi > /tmp/x").await, "");
    let listing = first.run("ls /tmp").await;
    assert!(
        listing.split_whitespace().any(|name| name == "x"),
        "{listing:?}"
    );
    assert_eq!(
        first.run("cd /nonexistent").await,
        "-bash: cd: /nonexistent: No such file or directory\r\n"
    );
    assert_eq!(first.run("cat /tmp/x").await, "hi\r\n");
    drop(first);

    // The transport reports the end to the manager, which parks the overlay; a new
    // connection from the same address as the same user gets it back.
    let mut found = String::new();
    for _ in 0..50 {
        let mut again = SshShell::open(node.ssh).await;
        found = again.run("cat /tmp/x").await;
        if found == "hi\r\n" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, "hi\r\n");

    // The system client with a PTY: /etc/hostname is the prompt's hostname, and the same
    // files are there.
    let ssh = OpenSsh::new(PASSWORD);
    let port = node.ssh.port();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        ssh.run(
            port,
            "root",
            &["-tt"],
            b"cat /etc/hostname\ncat /tmp/x\nexit\n",
        )
    })
    .await
    .expect("ssh thread");
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let out = crate::common::shown(&out);
    let prompt_host = out
        .split("root@")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_default()
        .to_owned();
    assert!(!prompt_host.is_empty(), "{out:?}");
    assert!(
        out.contains(&format!("cat /etc/hostname\r\n{prompt_host}\r\n")),
        "{out:?}"
    );
    assert!(out.contains("cat /tmp/x\r\nhi\r\n"), "{out:?}");
}
