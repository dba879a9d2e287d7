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
