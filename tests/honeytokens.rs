//! Honeytokens end to end on the real binary: SSH session A reads `~/.aws/credentials`; a later
//! session B from another loopback address (127.0.0.2) uses the key; the JSON log, a webhook
//! receiver on 127.0.0.1 and the admin API show it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client;
use tokio::net::TcpSocket;

use crate::common::{AcceptAnyKey, NodeProcess, SshShell, http_get, poll_until_async};
use crate::webhook::{Answer, Receiver};

/// A password login from 127.0.0.2 with russh's client; answers whether it was accepted.
async fn login_from_other_ip(addr: SocketAddr, user: &str, password: &str) -> bool {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind("127.0.0.2:0".parse().unwrap())
        .expect("bind 127.0.0.2");
    let stream = tokio::time::timeout(Duration::from_secs(10), socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let config = Arc::new(client::Config::default());
    let mut handle = client::connect_stream(config, stream, AcceptAnyKey)
        .await
        .expect("ssh handshake");
    let auth = tokio::time::timeout(
        Duration::from_secs(30),
        handle.authenticate_password(user, password),
    )
    .await
    .expect("auth answered in time")
    .expect("auth");
    auth.success()
}

/// The value of `key = value` in an INI-style text.
fn ini_value(text: &str, key: &str) -> String {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {key} in {text:?}"))
}

fn admin_json(node: &NodeProcess, path: &str) -> serde_json::Value {
    let (status, _, body) = tokio::task::block_in_place(|| http_get(node.admin, path));
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_read_in_one_session_and_used_from_another_address_alerts_once() {
    let receiver = Receiver::start(Answer::Status(200)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_DEDUP_SECS", "600"),
    ]);

    // Session A reads the planted AWS key: the AWS CLI's file format.
    let mut shell = SshShell::open(node.ssh).await;
    let text = shell
        .run("cat ~/.aws/credentials")
        .await
        .replace("\r\n", "\n");
    assert!(text.starts_with("[default]\n"), "{text:?}");
    let key_id = ini_value(&text, "aws_access_key_id");
    let secret = ini_value(&text, "aws_secret_access_key");
    assert!(key_id.starts_with("AKIA") && key_id.len() == 20, "{key_id}");
    assert_eq!(secret.len(), 40);
    let accessed = tokio::task::block_in_place(|| {
        node.wait_for_events("token reads", 1, |e| {
            e["eventid"] == "mirage.honeytoken.accessed" && e["token"] == "aws-root-credentials"
        })
    });
    let session_a = accessed[0]["session"].as_str().unwrap().to_owned();
    assert_eq!(accessed[0]["placement"], "/root/.aws/credentials");
    assert_eq!(accessed[0]["how"], "cat ~/.aws/credentials");
    drop(shell);

    // Session B, from 127.0.0.2, logs in with the key id as user and the secret as password.
    let accepted = login_from_other_ip(node.ssh, &key_id, &secret).await;
    assert!(!accepted, "the default userdb only knows root and admin");
    let used = tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 1, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    assert_eq!(used[0]["token"], "aws-root-credentials");
    assert_eq!(used[0]["accessed_by"], session_a.as_str());
    assert_eq!(used[0]["accessed_from"], "127.0.0.1");
    assert_eq!(used[0]["src_ip"], "127.0.0.2");
    let session_b = used[0]["session"].as_str().unwrap().to_owned();
    assert_ne!(session_a, session_b);

    // The webhook gets one critical alert naming A and B.
    poll_until_async(
        Duration::from_secs(30),
        || (!receiver.alerts("token_use").is_empty()).then_some(()),
        || "no token_use alert arrived".to_owned(),
    )
    .await;
    let alert = &receiver.alerts("token_use")[0];
    assert_eq!(alert["severity"], "critical");
    let body = alert.to_string();
    assert!(body.contains(&session_a), "{body}");
    assert!(body.contains(&session_b), "{body}");
    assert!(body.contains("/root/.aws/credentials"), "{body}");

    // The same use again inside the dedup window: logged, but no second alert.
    login_from_other_ip(node.ssh, &key_id, &secret).await;
    tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 2, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    let deduplicated = "mirage_alerts_deduplicated_total{rule=\"token_use\"} 1";
    let metrics = || tokio::task::block_in_place(|| http_get(node.admin, "/metrics").2);
    poll_until_async(
        Duration::from_secs(30),
        || metrics().contains(deduplicated).then_some(()),
        || format!("the repeat was not deduplicated:\n{}", metrics()),
    )
    .await;
    assert_eq!(receiver.alerts("token_use").len(), 1);

    // The admin API lists A and B under one attacker.
    let attacker = admin_json(&node, &format!("/api/sessions/{session_b}/attacker"));
    let sessions: Vec<&str> = attacker["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["session"].as_str())
        .collect();
    assert!(sessions.contains(&session_a.as_str()), "{attacker}");
    assert!(sessions.contains(&session_b.as_str()), "{attacker}");
    assert_eq!(
        attacker["tokens_used"],
        serde_json::json!(["aws-root-credentials"])
    );
    let id = attacker["id"].as_str().unwrap();
    let list = admin_json(&node, "/api/attackers");
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .expect("listed");
    let ips: Vec<&str> = listed["ips"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(ips, ["127.0.0.1", "127.0.0.2"]);
    assert_eq!(admin_json(&node, &format!("/api/attackers/{id}"))["id"], id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_read_before_a_restart_is_still_named_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut node = NodeProcess::start_in(&data, &[]);
    let mut shell = SshShell::open(node.ssh).await;
    let history = shell.run("cat /root/.bash_history").await;
    let line = history
        .lines()
        .find(|l| l.starts_with("sshpass -p '"))
        .expect("an sshpass line");
    let password = line.split('\'').nth(1).unwrap().to_owned();
    let user = line
        .split_whitespace()
        .find_map(|w| w.split_once('@').map(|(u, _)| u.to_owned()))
        .unwrap();
    let read = tokio::task::block_in_place(|| {
        node.wait_for_events("token reads", 4, |e| {
            e["eventid"] == "mirage.honeytoken.accessed"
        })
    });
    let session_a = read[0]["session"].as_str().unwrap().to_owned();
    drop(shell);
    // SIGTERM: the node saves the records on its way out.
    node.terminate();

    // Same tokens after the restart, and the reader is remembered: a use names session A.
    let tokens = std::fs::read(data.join("honeytokens.json")).expect("tokens kept");
    let node = NodeProcess::start_in(&data, &[]);
    assert_eq!(
        std::fs::read(data.join("honeytokens.json")).unwrap(),
        tokens
    );
    login_from_other_ip(node.ssh, &user, &password).await;
    let used = tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 1, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    assert_eq!(used[0]["token"], "history-ssh-credential");
    assert_eq!(used[0]["placement"], "/root/.bash_history");
    assert_eq!(used[0]["accessed_by"], session_a.as_str());
    assert_eq!(used[0]["accessed_from"], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_honeytokens_off_nothing_is_planted() {
    let node = NodeProcess::start(&[("MIRAGE_HONEYTOKENS_ENABLED", "false")]);
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run("cat /root/.aws/credentials").await;
    assert!(out.contains("No such file or directory"), "{out:?}");
    assert!(!node.data_dir.join("honeytokens.json").exists());
}

/// A public-key login from 127.0.0.2 with russh's client; answers whether it was accepted.
async fn key_login_from_other_ip(addr: SocketAddr, user: &str, pem: &str) -> bool {
    use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg};
    let key = PrivateKey::from_openssh(pem).expect("the planted key parses");
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind("127.0.0.2:0".parse().unwrap())
        .expect("bind 127.0.0.2");
    let stream = tokio::time::timeout(Duration::from_secs(10), socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let mut handle =
        client::connect_stream(Arc::new(client::Config::default()), stream, AcceptAnyKey)
            .await
            .expect("ssh handshake");
    let key = PrivateKeyWithHashAlg::new(Arc::new(key), Some(HashAlg::Sha512));
    tokio::time::timeout(
        Duration::from_secs(30),
        handle.authenticate_publickey(user, key),
    )
    .await
    .expect("auth answered in time")
    .expect("auth")
    .success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presenting_the_planted_ssh_key_is_a_use() {
    let node = NodeProcess::start(&[]);
    let mut shell = SshShell::open(node.ssh).await;
    let pem = shell
        .run("cat /root/.ssh/id_rsa")
        .await
        .replace("\r\n", "\n");
    assert!(
        pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"),
        "{pem:?}"
    );
    let public = shell.run("cat /root/.ssh/id_rsa.pub").await;
    assert!(public.starts_with("ssh-rsa AAAA"), "{public:?}");
    let mode = shell.run("stat -c %a /root/.ssh/id_rsa").await;
    assert_eq!(mode, "600\r\n");
    drop(shell);
    let reader = tokio::task::block_in_place(|| {
        node.wait_for_events("token reads", 1, |e| {
            e["eventid"] == "mirage.honeytoken.accessed" && e["token"] == "ssh-key-root"
        })
    })[0]["session"]
        .clone();

    assert!(!key_login_from_other_ip(node.ssh, "root", &pem).await);
    let used = tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 1, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    assert_eq!(used[0]["token"], "ssh-key-root");
    assert_eq!(used[0]["kind"], "ssh_private_key");
    assert_eq!(used[0]["accessed_by"], reader);
    assert_eq!(used[0]["src_ip"], "127.0.0.2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_env_lures_db_credential_used_over_ssh_names_the_http_session() {
    let node = NodeProcess::start(&[]);
    let (status, _, body) = tokio::task::block_in_place(|| http_get(node.http, "/.env"));
    assert_eq!(status, 200, "{body}");
    let user = ini_value(&body, "DB_USERNAME");
    let password = ini_value(&body, "DB_PASSWORD");
    assert!(ini_value(&body, "AWS_ACCESS_KEY_ID").starts_with("AKIA"));
    let read = tokio::task::block_in_place(|| {
        node.wait_for_events("lure reads", 1, |e| {
            e["eventid"] == "mirage.honeytoken.accessed" && e["placement"] == "http:/.env"
        })
    });
    let http_session = read[0]["session"].clone();

    login_from_other_ip(node.ssh, &user, &password).await;
    let used = tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 1, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    assert_eq!(used[0]["token"], "lure-env-db");
    assert_eq!(used[0]["placement"], "http:/.env");
    assert_eq!(used[0]["accessed_by"], http_session);
    assert_eq!(used[0]["protocol"], "ssh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requesting_a_beacon_url_from_the_history_is_a_use() {
    let node = NodeProcess::start(&[("MIRAGE_HONEYTOKENS_BEACON_HOST", "backup.example.net")]);
    let mut shell = SshShell::open(node.ssh).await;
    let history = shell.run("grep wget /root/.bash_history").await;
    drop(shell);
    let url = history
        .split_whitespace()
        .find(|w| w.starts_with("http://backup.example.net/"))
        .unwrap_or_else(|| panic!("no beacon URL in {history:?}"))
        .to_owned();
    let path = url.trim_start_matches("http://backup.example.net");
    tokio::task::block_in_place(|| http_get(node.http, path));
    let used = tokio::task::block_in_place(|| {
        node.wait_for_events("token uses", 1, |e| {
            e["eventid"] == "mirage.honeytoken.used"
        })
    });
    assert_eq!(used[0]["token"], "history-beacon-url");
    assert_eq!(used[0]["protocol"], "http");
    assert!(used[0]["accessed_by"].is_string(), "{:?}", used[0]);
}

#[test]
fn the_attacker_api_is_guarded_by_the_admin_token() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", "t0ken")]);
    for path in [
        "/api/attackers",
        "/api/attackers/x",
        "/api/sessions/x/attacker",
    ] {
        let (status, _, _) = crate::common::http_request(node.admin, "GET", path, &[]);
        assert_eq!(status, 401, "{path}");
    }
    let auth = [("Authorization", "Bearer t0ken")];
    let (status, _, body) = crate::common::http_request(node.admin, "GET", "/api/attackers", &auth);
    assert_eq!((status, body.as_str()), (200, "[]"));
    let (status, _, _) =
        crate::common::http_request(node.admin, "GET", "/api/attackers/nobody", &auth);
    assert_eq!(status, 404);
}
