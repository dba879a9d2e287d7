//! Attacker overlays across a SIGKILL: files a session wrote are saved under the data
//! directory while it is still connected, and after the node is killed and restarted on the
//! same directory, a reconnect from the same address as the same user finds them.

use std::time::Duration;

use crate::common::{NodeProcess, SshShell, poll_until};

/// Whether some saved overlay under `data_dir/overlays` holds `text` (contents are saved in
/// hex).
fn saved_with(data_dir: &std::path::Path, text: &str) -> bool {
    let needle = hex::encode(text);
    std::fs::read_dir(data_dir.join("overlays"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|s| s.contains(&needle)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_an_attacker_left_are_back_after_sigkill_and_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut node = NodeProcess::start_in(&dir, &[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(
        shell
            .run("echo 'dropped by the bot' > /tmp/.left; mkdir -p /root/.ssh")
            .await,
        ""
    );
    assert_eq!(
        shell
            .run("echo 'ssh-rsa AAAAB3 bot' >> /root/.ssh/authorized_keys; rm /etc/hostname")
            .await,
        ""
    );
    // Still connected: the periodic save writes it.
    poll_until(
        Duration::from_secs(30),
        || {
            (saved_with(&dir, "ssh-rsa AAAAB3 bot") && saved_with(&dir, "dropped by the bot"))
                .then_some(())
        },
        || "the overlay was never saved".into(),
    );
    node.kill();
    drop(shell);

    let node = NodeProcess::start_in(&dir, &[]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("cat /tmp/.left").await, "dropped by the bot\r\n");
    assert_eq!(
        shell.run("cat /root/.ssh/authorized_keys").await,
        "ssh-rsa AAAAB3 bot\r\n"
    );
    assert_eq!(
        shell.run("cat /etc/hostname").await,
        "cat: /etc/hostname: No such file or directory\r\n"
    );
    // Files written after the restart are saved too, beside the restored ones.
    assert_eq!(shell.run("echo second > /tmp/.second").await, "");
    poll_until(
        Duration::from_secs(30),
        || saved_with(&dir, "second\n").then_some(()),
        || "the restored overlay was never saved again".into(),
    );
}
