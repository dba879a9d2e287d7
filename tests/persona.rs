//! Layer 4, the persona, in the real binary over real SSH against a local chat-completions
//! server (actix-web on 127.0.0.1): answers shown sanitized, a shared cache, redirection into
//! the session's files, fallbacks to `command not found` on a slow, failing or garbled model and
//! a spent budget, other sessions served while one waits, and nothing sent when it is off.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::common::{NodeProcess, SshShell, http_get, poll_until_async};

/// One request the model server got: the command asked about and how many requests were being
/// answered when it arrived.
#[derive(Clone, Debug)]
struct Seen {
    command: String,
    in_flight: usize,
    authorization: Option<String>,
}

#[derive(Default)]
struct ModelState {
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
}

/// A chat-completions server whose answer depends on the command in the prompt.
struct ModelServer {
    addr: std::net::SocketAddr,
    state: Arc<ModelState>,
}

impl ModelServer {
    fn start() -> ModelServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(ModelState::default());
        let shared = web::Data::from(state.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    App::new()
                        .app_data(shared.clone())
                        .route("/v1/chat/completions", web::post().to(complete))
                })
                .workers(2)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .ok();
            });
        });
        ModelServer { addr, state }
    }

    fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    fn count(&self, command: &str) -> usize {
        self.seen().iter().filter(|s| s.command == command).count()
    }
}

fn completion(text: &str) -> HttpResponse {
    let body = serde_json::json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 40, "completion_tokens": 10, "total_tokens": 50},
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.to_string())
}

async fn complete(
    state: web::Data<ModelState>,
    request: actix_web::HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let prompt = json["messages"][1]["content"].as_str().unwrap_or_default();
    let command = prompt
        .rsplit_once("Command:\n")
        .map_or("", |(_, c)| c)
        .to_owned();
    let in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst);
    state.seen.lock().unwrap().push(Seen {
        command: command.clone(),
        in_flight,
        authorization: request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    let response = match command.split(' ').next().unwrap_or_default() {
        "deployctl" => completion("```\nservice web: running\x1b[31m\x07\n```"),
        "mkreport" => completion("report line 1\nreport line 2"),
        "slowtool" => {
            // Far beyond the node's timeout: it gives up first.
            actix_web::rt::time::sleep(Duration::from_secs(40)).await;
            completion("too late")
        }
        "brokentool" => HttpResponse::InternalServerError().body("boom"),
        "garbagetool" => HttpResponse::Ok()
            .content_type("application/json")
            .body("{not json"),
        "aitool" => completion("As an AI language model, I cannot run commands."),
        _ => completion(&format!("{command}: ok")),
    };
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

const NO_MODELS: (&str, &str) = ("MIRAGE_MODELS_DIR", "/nonexistent/mirage-models");

fn persona_node(server: &ModelServer, extra: &[(&str, &str)]) -> NodeProcess {
    let url = server.base_url();
    let mut env = vec![
        ("MIRAGE_PERSONA_ENABLED", "true"),
        ("MIRAGE_PERSONA_BASE_URL", url.as_str()),
        ("MIRAGE_PERSONA_MODEL", "test-model"),
        ("MIRAGE_PERSONA_API_KEY", "sk-local-test"),
        NO_MODELS,
    ];
    env.extend_from_slice(extra);
    NodeProcess::start(&env)
}

fn not_found(name: &str) -> String {
    format!("-bash: {name}: command not found\r\n")
}

fn persona_events(node: &NodeProcess, command: &str) -> Vec<serde_json::Value> {
    node.log_events()
        .into_iter()
        .filter(|e| e["eventid"] == "mirage.persona" && e["command"] == command)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_command_gets_the_sanitized_answer_once_then_from_the_cache() {
    let server = ModelServer::start();
    let node = persona_node(&server, &[]);
    let mut first = SshShell::open(node.ssh).await;
    // Fences and control characters are gone; the command succeeded.
    assert_eq!(
        first.run("deployctl status").await,
        "service web: running\r\n"
    );
    assert_eq!(first.run("echo $?").await, "0\r\n");
    // Emulated commands never reach the model.
    assert_eq!(first.run("echo plain").await, "plain\r\n");
    // A pipe and a redirection treat the answer like any output; the file stays.
    assert_eq!(
        first
            .run("mkreport > /tmp/report.txt; cat /tmp/report.txt | wc -l")
            .await,
        "2\r\n"
    );
    assert_eq!(
        first.run("cat /tmp/report.txt").await,
        "report line 1\r\nreport line 2\r\n"
    );
    // Keys typed while a line waits for the model edit the next line after it ran.
    let mut screen = first.run("typedtool\recho typed-ahead").await;
    if !screen.contains("typed-ahead\r\n") {
        screen.push_str(&first.read_until_prompt().await);
    }
    let answer = screen.find("typedtool: ok\r\n").expect(&screen);
    let ahead = screen.rfind("typed-ahead\r\n").expect(&screen);
    assert!(answer < ahead, "{screen:?}");
    // An exec request (`ssh host 'cmd'`) is answered the same way.
    let (out, status) = first.exec("exectool --flag | tr a-z A-Z").await;
    assert_eq!((out.as_str(), status), ("EXECTOOL --FLAG: OK\n", Some(0)));
    // Another session: the same command comes from the cache.
    let mut second = SshShell::open(node.ssh).await;
    assert_eq!(
        second.run("deployctl status").await,
        "service web: running\r\n"
    );
    assert_eq!(server.count("deployctl status"), 1, "{:?}", server.seen());
    assert_eq!(server.count("echo plain"), 0);
    let seen = server.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer sk-local-test")
    );
    node.wait_for_events("persona events for deployctl", 2, |e| {
        e["eventid"] == "mirage.persona" && e["command"] == "deployctl status"
    });
    let sources: Vec<String> = persona_events(&node, "deployctl status")
        .iter()
        .map(|e| e["source"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sources, ["model", "cache"]);
    // An answered command is no failed command.
    assert!(
        !node
            .log_events()
            .iter()
            .any(|e| e["eventid"] == "cowrie.command.failed" && e["input"] == "deployctl status")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_garbage_and_giveaways_fall_back_to_command_not_found() {
    let server = ModelServer::start();
    let node = persona_node(&server, &[]);
    let mut shell = SshShell::open(node.ssh).await;
    for name in ["brokentool", "garbagetool", "aitool"] {
        assert_eq!(shell.run(name).await, not_found(name), "{name}");
        assert_eq!(shell.run("echo $?").await, "127\r\n");
        assert_eq!(server.count(name), 1, "{name}");
    }
    node.wait_for_events("persona fallbacks", 3, |e| {
        e["eventid"] == "mirage.persona" && e["source"] == "fallback"
    });
    assert_eq!(persona_events(&node, "brokentool")[0]["reason"], "error");
    assert_eq!(persona_events(&node, "garbagetool")[0]["reason"], "error");
    assert_eq!(persona_events(&node, "aitool")[0]["reason"], "rejected");
    // A failed answer is not cached: the model is asked again.
    assert_eq!(shell.run("brokentool").await, not_found("brokentool"));
    assert_eq!(server.count("brokentool"), 2);
    let metrics = tokio::task::block_in_place(|| http_get(node.admin, "/metrics").2);
    for line in [
        "mirage_persona_calls_total{result=\"error\"} 3",
        "mirage_persona_calls_total{result=\"rejected\"} 1",
        "mirage_persona_calls_total{result=\"ok\"} 0",
        "mirage_persona_fallbacks_total 4",
        "mirage_persona_cache_hits_total 0",
        // The giveaway answer came with its usage, and is paid for.
        "mirage_persona_tokens_total 50",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_model_falls_back_and_other_sessions_go_on_meanwhile() {
    let server = ModelServer::start();
    let node = persona_node(&server, &[("MIRAGE_PERSONA_TIMEOUT_MS", "6000")]);
    let mut slow = SshShell::open(node.ssh).await;
    let mut other = SshShell::open(node.ssh).await;
    // The slow session's command is with the model now.
    let waiting = tokio::spawn(async move {
        let out = slow.run("slowtool --all").await;
        (slow, out)
    });
    poll_until_async(
        Duration::from_secs(15),
        || (server.count("slowtool --all") == 1).then_some(()),
        || format!("the model never got slowtool: {:?}", server.seen()),
    )
    .await;
    // Meanwhile the other session runs its own commands, and its model request is served
    // while the slow one is still open.
    assert_eq!(other.run("echo meanwhile").await, "meanwhile\r\n");
    assert_eq!(other.run("quicktool -v").await, "quicktool -v: ok\r\n");
    let quick = server
        .seen()
        .into_iter()
        .find(|s| s.command == "quicktool -v")
        .unwrap();
    assert!(
        quick.in_flight >= 1,
        "quicktool waited for slowtool: {:?}",
        server.seen()
    );
    let (mut slow, out) = waiting.await.unwrap();
    assert_eq!(out, not_found("slowtool"));
    // The slow session goes on normally after its fallback.
    assert_eq!(slow.run("echo after").await, "after\r\n");
    let events = node.wait_for_log("the slow fallback", |e| {
        e["eventid"] == "mirage.persona" && e["command"] == "slowtool --all"
    });
    let event = events
        .iter()
        .find(|e| e["eventid"] == "mirage.persona" && e["command"] == "slowtool --all")
        .unwrap();
    assert_eq!(event["source"], "fallback");
    assert_eq!(event["reason"], "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_falls_back_without_asking() {
    let server = ModelServer::start();
    let node = persona_node(&server, &[("MIRAGE_PERSONA_SESSION_CALLS", "1")]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("firsttool").await, "firsttool: ok\r\n");
    assert_eq!(shell.run("secondtool").await, not_found("secondtool"));
    assert_eq!(server.count("secondtool"), 0);
    node.wait_for_log("the budget fallback", |e| {
        e["eventid"] == "mirage.persona" && e["command"] == "secondtool" && e["reason"] == "budget"
    });
    // What was answered before stays answered from the cache, without a call.
    assert_eq!(shell.run("firsttool").await, "firsttool: ok\r\n");
    assert_eq!(server.count("firsttool"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_persona_off_the_model_is_never_contacted() {
    let server = ModelServer::start();
    let url = server.base_url();
    // Everything points at the server, but `enabled` keeps its default (off).
    let node = NodeProcess::start(&[("MIRAGE_PERSONA_BASE_URL", url.as_str()), NO_MODELS]);
    let mut shell = SshShell::open(node.ssh).await;
    assert_eq!(shell.run("deployctl status").await, not_found("deployctl"));
    assert_eq!(shell.run("mkreport").await, not_found("mkreport"));
    node.wait_for_log("the failed command", |e| {
        e["eventid"] == "cowrie.command.failed" && e["input"] == "mkreport"
    });
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    assert!(
        !node
            .log_events()
            .iter()
            .any(|e| e["eventid"] == "mirage.persona")
    );
}
