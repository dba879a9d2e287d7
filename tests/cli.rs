//! The command line: `config check`, `config show`, `migrate`, and bad configuration at start.

use std::process::Command;

fn mirage(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mirage"));
    for (key, _) in std::env::vars() {
        if key.starts_with("MIRAGE_") {
            cmd.env_remove(key);
        }
    }
    let output = cmd
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run mirage");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn config_check_names_the_bad_key_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "data_dir = \"/tmp/m\"\n\n[ssh]\nlisten = \"0.0.0.0:2222\"\nlisen = \"x\"\n",
    )
    .unwrap();
    let (code, _, err) = mirage(&["config", "check", bad.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("line 5") && err.contains("lisen"), "{err}");

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[admin]\nlisten = \"127.0.0.1:9090\"\ntoken = \n").unwrap();
    let (code, _, err) = mirage(&["config", "check", broken.to_str().unwrap()], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("line 3"), "{err}");

    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[ssh]\nlisten = \"127.0.0.1:2022\"\n").unwrap();
    let (code, out, err) = mirage(&["config", "check", good.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok"));
}

#[test]
fn the_example_config_passes_the_check() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/mirage.example.toml");
    let (code, _, err) = mirage(&["config", "check", example], &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn config_show_applies_environment_overrides() {
    let (code, out, err) = mirage(
        &["config", "show"],
        &[
            ("MIRAGE_SSH_LISTEN", "127.0.0.1:2022"),
            ("MIRAGE_AUTH_USERDB", "root:x:*,!root:x:123456"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("listen = \"127.0.0.1:2022\""), "{out}");
    assert!(out.contains("\"!root:x:123456\""), "{out}");
}

#[test]
fn run_refuses_bad_configuration_with_a_clear_error() {
    let (code, _, err) = mirage(&["run"], &[("MIRAGE_ADMIN_LISTEN", "0.0.0.0:9090")]);
    assert_ne!(code, 0);
    assert!(err.contains("admin.token"), "{err}");
    let (code, _, err) = mirage(&["run"], &[("MIRAGE_SSH_LISTEN", "nowhere")]);
    assert_ne!(code, 0);
    assert!(
        err.contains("MIRAGE_SSH_LISTEN") && err.contains("socket address"),
        "{err}"
    );
    let (code, _, err) = mirage(&["run"], &[("MIRAGE_AUTH_USERDB", "root:x")]);
    assert_ne!(code, 0);
    assert!(err.contains("auth.userdb"), "{err}");
}

#[test]
fn a_taken_port_is_a_clear_error_not_a_panic() {
    let data = tempfile::tempdir().unwrap();
    for (listener, key) in [
        ("ssh", "MIRAGE_SSH_LISTEN"),
        ("http", "MIRAGE_HTTP_LISTEN"),
        ("admin", "MIRAGE_ADMIN_LISTEN"),
    ] {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let mut env = vec![
            ("MIRAGE_DATA_DIR", data.path().to_str().unwrap()),
            ("MIRAGE_SSH_LISTEN", "127.0.0.1:0"),
            ("MIRAGE_HTTP_LISTEN", "127.0.0.1:0"),
            ("MIRAGE_ADMIN_LISTEN", "127.0.0.1:0"),
        ];
        env.retain(|(k, _)| *k != key);
        env.push((key, &addr));
        let (code, _, err) = mirage(&["run"], &env);
        assert_eq!(code, 1, "{listener}: {err}");
        assert!(
            err.contains(&format!("cannot listen on {addr} ({listener})")),
            "{listener}: {err}"
        );
        assert!(!err.contains("Panic"), "{listener}: {err}");
    }
}

#[test]
fn migrate_creates_the_sqlite_schema() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (code, out, err) = mirage(&["migrate"], &[("MIRAGE_DATA_DIR", data.to_str().unwrap())]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sqlite"), "{out}");
    let db = rusqlite::Connection::open(data.join("mirage.db")).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    // Twice is fine.
    assert_eq!(
        mirage(&["migrate"], &[("MIRAGE_DATA_DIR", data.to_str().unwrap())]).0,
        0
    );
}

#[test]
fn evaluate_prints_the_contract_json_and_fails_clearly_without_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let line = |day: u32, input: &str, label: &str| {
        format!(
            "{{\"source\": \"s\", \"start\": \"2020-01-{day:02}T00:00:00Z\", \"commands\": \
             [{{\"t\": 0, \"input\": \"{input}\"}}], \"label\": \"{label}\"}}\n"
        )
    };
    let text = [
        line(1, "uname -a; w; free -m", "recon_fingerprint"),
        line(2, "uname -a; w; free -m", "recon_fingerprint"),
        line(3, "uname -a; w; free -m", "recon_fingerprint"),
        line(4, "uname -a; w; free -m", "recon_fingerprint"),
        line(5, "uname -a; w; free -m", "recon_fingerprint"),
    ]
    .concat();
    std::fs::write(&corpus, text).unwrap();
    let path = corpus.to_str().unwrap();

    let (code, out, err) = mirage(
        &["evaluate", "--corpus", path, "--holdout", "0.2", "--json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(report["prediction"]["pooled"]["n"], 3);
    assert_eq!(report["prediction"]["pooled"]["top1"], 1.0);
    assert_eq!(report["prediction"]["novel"]["n"], 0);
    assert_eq!(
        report["prediction"]["per_class"]["recon_fingerprint"]["n"],
        3
    );
    assert_eq!(report["classification"]["at_end"], 1.0);

    let (code, out, _) = mirage(&["evaluate", "--corpus", path, "--train", path], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("pooled") && out.contains("macro-F1"), "{out}");

    // Without a model option, the set a node would load (models.dir); where there is none,
    // a clear error naming the options.
    let (code, _, err) = mirage(
        &["evaluate", "--corpus", path],
        &[("MIRAGE_MODELS_DIR", "/nonexistent/models")],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--models") && err.contains("--train"), "{err}");
}
