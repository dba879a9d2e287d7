//! The admin UI in a real headless Chromium (Debian's `chromium` + `chromium-driver`), driven
//! over WebDriver with fantoccini, against a real node with `admin.token` set: log in, watch
//! a session appear on `/live` while an SSH client types, watch its terminal live, replay it, filter the session list,
//! export a scenario, and check that a session full of `<script>` and ANSI escapes renders as
//! text with no script run. Screenshots of the main pages go to `target/screenshots/`.
//!
//! WebDriver from Rust (not playwright from npm) keeps these tests in the one integration
//! binary next to `NodeProcess` and the SSH helpers, with no node_modules to install.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::common::{NodeProcess, SshShell};

const TOKEN: &str = "br0wser-t0ken";
/// How long any one thing may take to show up in the browser.
const WAIT: Duration = Duration::from_secs(30);
const INSTALL: &str = "the admin UI browser tests need Chromium and its WebDriver: \
                       apt-get install -y chromium chromium-driver (.ci/run does this)";

/// A chromedriver process on a free loopback port; killed on drop.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn start_driver() -> Driver {
    let driver = find_program(&["chromedriver"]).unwrap_or_else(|| panic!("{INSTALL}"));
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start chromedriver ({err}); {INSTALL}"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let driver = Driver { child, addr };
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen; {INSTALL}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

async fn browser(driver: &Driver) -> Client {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"])
        .unwrap_or_else(|| panic!("{INSTALL}"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1360,1000", "--disable-extensions"],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://{}", driver.addr))
        .await
        .unwrap_or_else(|err| panic!("cannot start headless Chromium: {err}; {INSTALL}"))
}

fn url(node: &NodeProcess, path: &str) -> String {
    format!("http://{}{path}", node.admin)
}

async fn screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// Like [`wait_text`], but reloads the page between looks (for what only a new render shows).
async fn refresh_until_text(
    client: &Client,
    css: &str,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} in {css}; last: {text:?}"
            );
        }
        assert!(Instant::now() < deadline, "no {what} in {css}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        client.refresh().await.expect("refresh");
    }
}

/// Waits until the text of the first element matching `css` satisfies `done`; returns it.
async fn wait_text(client: &Client, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if done(&text) {
                return text;
            }
            last = text;
        }
        assert!(
            Instant::now() < deadline,
            "no {what} in {css}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens `path`, reloading until the page has `css` (the store drains every 200 ms).
async fn open_until(client: &Client, node: &NodeProcess, path: &str, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        client.goto(&url(node, path)).await.expect("goto");
        if client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        let body = client.source().await.unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "{path} never showed {css}:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Logs in through the form the first page answers with.
async fn log_in(client: &Client, node: &NodeProcess, path: &str) {
    client.goto(&url(node, path)).await.expect("goto");
    let field = client
        .find(Locator::Id("token"))
        .await
        .expect("the login form");
    field.send_keys(TOKEN).await.expect("type token");
    client
        .find(Locator::Id("login-submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let deadline = Instant::now() + WAIT;
    while client.current_url().await.expect("url").path() != path {
        if Instant::now() > deadline {
            let at = client.current_url().await.expect("url");
            let page = client.source().await.unwrap_or_default();
            panic!("login did not return to {path}; at {at}:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `fetch(path)` from the page (with its cookie); returns (status, body).
async fn fetch(client: &Client, path: &str) -> (u64, String) {
    let script = "const done = arguments[arguments.length - 1];\
                  fetch(arguments[0], {credentials: 'same-origin'})\
                    .then(r => r.text().then(t => done([r.status, t])))\
                    .catch(e => done([0, String(e)]));";
    let answer = client
        .execute_async(script, vec![json!(path)])
        .await
        .expect("fetch");
    (
        answer[0].as_u64().unwrap_or(0),
        answer[1].as_str().unwrap_or_default().to_owned(),
    )
}

/// Whether any injected script ran on the current page.
async fn xss_ran(client: &Client) -> Value {
    client
        .execute("return [typeof window.__xss, document.title];", vec![])
        .await
        .expect("execute")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_logs_in_watches_a_live_session_replays_filters_and_exports_it() {
    let driver = start_driver();
    let node = NodeProcess::start(&[
        ("MIRAGE_ADMIN_TOKEN", TOKEN),
        // Layer 3 on, with fixed settings: the live row shows them.
        ("MIRAGE_STRATEGY_MODE", "fixed"),
    ]);
    let client = browser(&driver).await;

    log_in(&client, &node, "/live").await;
    wait_text(&client, "#live-status", "a live feed", |t| t == "live").await;

    // A session appears while the attacker types, with its last command.
    let mut shell = SshShell::open(node.ssh).await;
    let row = wait_text(&client, "#live-body tr", "a live session", |t| {
        t.contains("root")
    })
    .await;
    assert!(row.contains("ssh"), "{row}");
    // Click to watch its terminal: the page shows what the attacker's command prints as it
    // happens, with no reload.
    let id = client
        .find(Locator::Css("#live-body tr a.sid"))
        .await
        .expect("session link")
        .text()
        .await
        .expect("id");
    open_until(
        &client,
        &node,
        &format!("/sessions/{id}"),
        "#player[data-live]",
    )
    .await;
    wait_text(&client, "[data-role=status]", "the live terminal", |t| {
        t == "live"
    })
    .await;
    shell.run("echo browser-typed-42").await;
    let screen = wait_text(&client, "#screen", "the live output", |t| {
        t.contains("browser-typed-42\n")
    })
    .await;
    assert!(screen.contains("echo browser-typed-42"), "{screen}");
    assert_eq!(
        client
            .find(Locator::Css("[data-role=status]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "live",
        "the page was not reloaded and still watches"
    );
    screenshot(&client, "watch").await;
    client.goto(&url(&node, "/live")).await.expect("goto");
    let row = wait_text(&client, "#live-body tr", "the typed command", |t| {
        t.contains("echo browser-typed-42")
    })
    .await;
    assert!(row.contains("commands"), "state: {row}");
    // The live session's attack phase and deception settings, as the models see them now.
    let phase = wait_text(&client, "#live-body tr td.phase", "an attack phase", |t| {
        !t.is_empty()
    })
    .await;
    assert!(
        [
            "recon",
            "credential_access",
            "download_execute",
            "persistence",
            "lateral",
            "cleanup"
        ]
        .contains(&phase.as_str()),
        "{phase}"
    );
    wait_text(&client, "#live-body tr td.strategy", "the settings", |t| {
        t.starts_with("latency=none enticement=medium")
    })
    .await;
    screenshot(&client, "live").await;
    shell.run("uname -a").await;
    drop(shell);
    wait_text(&client, "#live-body tr", "the session's end", |t| {
        t.contains("ended")
    })
    .await;

    // Click through to the session and replay it.
    let link = client
        .find(Locator::Css("#live-body tr a.sid"))
        .await
        .expect("session link");
    let id = link.text().await.expect("id");
    link.click().await.expect("click");
    let deadline = Instant::now() + WAIT;
    // Until the store has the whole session (it drains every 200 ms), the page is the live one.
    loop {
        let closed = match client.find(Locator::Id("timeline")).await {
            Ok(t) => t
                .text()
                .await
                .unwrap_or_default()
                .contains("cowrie.session.closed"),
            Err(_) => false,
        };
        if closed && client.find(Locator::Id("player-end")).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no replay for {id}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        client.refresh().await.expect("refresh");
    }
    wait_text(&client, "[data-role=status]", "the recording", |t| {
        t.contains("output events") || t == "playing" || t == "end" || t.ends_with("live")
    })
    .await;
    client
        .find(Locator::Id("player-end"))
        .await
        .expect("end")
        .click()
        .await
        .expect("click");
    let screen = wait_text(&client, "#screen", "the typed command", |t| {
        t.contains("echo browser-typed-42")
    })
    .await;
    assert!(screen.contains("browser-typed-42\n"), "output: {screen}");
    let timeline = wait_text(&client, "#timeline", "the timeline", |t| {
        t.contains("uname -a")
    })
    .await;
    assert!(timeline.contains("cowrie.login.success"), "{timeline}");
    screenshot(&client, "session").await;

    // Export a scenario of it, with the page's login cookie.
    let href = client
        .find(Locator::Id("export-scenario"))
        .await
        .expect("export link")
        .attr("href")
        .await
        .expect("href")
        .expect("an href");
    let (status, scenario) = fetch(&client, &href).await;
    assert_eq!(status, 200, "{href}: {scenario}");
    assert!(scenario.contains("echo browser-typed-42"), "{scenario}");
    for (link, expected) in [
        ("export-asciicast", "browser-typed-42"),
        ("export-cowrie", "cowrie.command.input"),
    ] {
        let href = client
            .find(Locator::Id(link))
            .await
            .expect("export link")
            .attr("href")
            .await
            .expect("href")
            .expect("an href");
        let (status, body) = fetch(&client, &href).await;
        assert_eq!(status, 200, "{href}: {body}");
        assert!(body.contains(expected), "{href}: {body}");
    }

    // Filter the session list.
    open_until(&client, &node, "/sessions", "#session-table a.sid").await;
    let username = client.find(Locator::Id("filter-username")).await.unwrap();
    username.send_keys("root").await.unwrap();
    client
        .find(Locator::Id("filter-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = wait_text(&client, "#session-table", "the filtered list", |t| {
        t.contains(&id)
    })
    .await;
    assert!(table.contains("root"), "{table}");
    screenshot(&client, "sessions").await;
    let username = client.find(Locator::Id("filter-username")).await.unwrap();
    username.clear().await.unwrap();
    username.send_keys("nobody-at-all").await.unwrap();
    client
        .find(Locator::Id("filter-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "main", "an empty list", |t| {
        t.contains("No sessions.")
    })
    .await;
    assert!(!client.source().await.unwrap().contains(&id));

    // The overview counts it; the models page reloads with its CSRF token.
    client.goto(&url(&node, "/")).await.unwrap();
    wait_text(&client, "main", "the overview", |t| {
        t.contains("Top commands")
    })
    .await;
    screenshot(&client, "overview").await;
    client.goto(&url(&node, "/models")).await.unwrap();
    client
        .find(Locator::Id("reload-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "#reload-status", "a reload", |t| {
        t.starts_with("reloaded")
    })
    .await;
    screenshot(&client, "models").await;
    for page in ["alerts", "honeytokens"] {
        client.goto(&url(&node, &format!("/{page}"))).await.unwrap();
        screenshot(&client, page).await;
    }
    client.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_full_of_script_tags_and_ansi_escapes_renders_as_text() {
    let driver = start_driver();
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", TOKEN)]);
    let client = browser(&driver).await;
    log_in(&client, &node, "/live").await;
    wait_text(&client, "#live-status", "a live feed", |t| t == "live").await;

    let script = r#"echo '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'"#;
    let ansi = r"echo -e '\e[31mRED-ANSI\e[0m done'";
    let mut shell = SshShell::open(node.ssh).await;
    shell.run(script).await;
    shell.run(ansi).await;
    wait_text(&client, "#live-body tr", "the command", |t| {
        t.contains("RED-ANSI")
    })
    .await;
    // The live page showed the script tag as text.
    shell.run(script).await;
    wait_text(&client, "#live-body tr", "the script tag", |t| {
        t.contains("<script>window.__xss=1</script>")
    })
    .await;
    assert_eq!(
        xss_ran(&client).await,
        json!(["undefined", "Live · Mirage"])
    );
    drop(shell);

    let events = node.wait_for_log("the command", |e| {
        e["eventid"] == "cowrie.command.input"
            && e["input"].as_str().is_some_and(|i| i.contains("__xss"))
    });
    let id = events
        .iter()
        .find(|e| e["eventid"] == "cowrie.command.input")
        .and_then(|e| e["session"].as_str())
        .expect("session id")
        .to_owned();
    open_until(&client, &node, &format!("/sessions/{id}"), "#player-end").await;
    wait_text(&client, "[data-role=status]", "the recording", |t| {
        t != "loading…"
    })
    .await;
    client
        .find(Locator::Id("player-end"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let screen = wait_text(&client, "#screen", "the replayed output", |t| {
        t.contains("RED-ANSI")
    })
    .await;
    assert!(
        screen.contains("<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">"),
        "{screen}"
    );
    // The output line is the text alone: the colour codes were interpreted, not shown.
    assert!(
        screen.contains("\nRED-ANSI done\n"),
        "ANSI not dropped: {screen:?}"
    );
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    // The page shows what the store holds, which trails the log by a drain: reload until the
    // commands are in.
    let timeline = refresh_until_text(&client, "#timeline", "the commands", |t| {
        t.contains("__xss")
    })
    .await;
    assert!(
        timeline.contains("<script>window.__xss=1</script>"),
        "{timeline}"
    );
    assert_eq!(xss_ran(&client).await[0], json!("undefined"));
    screenshot(&client, "session-xss").await;

    // The overview's top commands and the session list show it as text too.
    for path in ["/", "/sessions"] {
        client.goto(&url(&node, path)).await.unwrap();
        assert_eq!(xss_ran(&client).await[0], json!("undefined"), "{path}");
    }
    let body = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains(&id), "{body}");
    client.goto(&url(&node, "/")).await.unwrap();
    let overview = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        overview.contains("<script>window.__xss=1</script>"),
        "{overview}"
    );
    client.close().await.ok();
}
