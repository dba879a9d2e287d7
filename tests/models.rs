//! `mirage train` from a corpus and from a node's store, and a running node's model set:
//! shown and reloaded through the admin API without a restart.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::common::{NodeProcess, OpenSsh, PASSWORD, http_request, poll_until};

/// A small corpus in the shared data's format: `days` sessions of one recon chain, each
/// followed by `last`.
fn corpus(days: u32, last: &str) -> String {
    (1..=days)
        .map(|day| {
            format!(
                r#"{{"source": "t", "start": "2026-03-{day:02}T00:00:00Z", "label": "recon_fingerprint", "commands": [{{"t": 0, "input": "uname -a"}}, {{"t": 1, "input": "cat /proc/cpuinfo"}}, {{"t": 2, "input": "{last}"}}]}}"#
            ) + "\n"
        })
        .collect()
}

/// Runs `mirage train …` (bounded by the test's process); (success, stdout, stderr).
fn train(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mirage"));
    cmd.arg("train").args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("MIRAGE_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run mirage train");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn train_corpus(dir: &Path, text: &str, out: &Path) -> String {
    let file = dir.join("corpus.jsonl");
    std::fs::write(&file, text).unwrap();
    let (ok, stdout, stderr) = train(
        &[
            "--from",
            "corpus",
            "--corpus",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "mirage train failed: {stderr}");
    stdout
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

fn models_api(node: &NodeProcess, method: &str, path: &str) -> (u16, serde_json::Value) {
    let (status, _, body) = http_request(node.admin, method, path, &[("Content-Length", "0")]);
    (status, serde_json::from_str(&body).unwrap_or_default())
}

#[test]
fn train_writes_a_versioned_set_with_its_held_out_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("models");
    let stdout = train_corpus(tmp.path(), &corpus(10, "free -m"), &out);
    let manifest = manifest(&out);
    let version = manifest["version"].as_str().unwrap();
    assert_eq!(version.len(), 12);
    assert!(stdout.contains(version), "{stdout}");
    assert!(stdout.contains("held-out evaluation"), "{stdout}");
    assert_eq!(manifest["report"]["split"]["held_out"], 2);
    assert_eq!(manifest["report"]["prediction"]["pooled"]["top1"], 1.0);
    assert!(
        manifest["trained_from"]
            .as_str()
            .unwrap()
            .ends_with("(10 sessions)")
    );
    assert!(out.join("markov.json").is_file());

    // The same corpus gives the same version; a bad corpus is named and writes nothing.
    let again = tmp.path().join("again");
    train_corpus(tmp.path(), &corpus(10, "free -m"), &again);
    assert_eq!(manifest["version"], self::manifest(&again)["version"]);
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"commands\": 3}\n").unwrap();
    let nowhere = tmp.path().join("nowhere");
    let (ok, _, stderr) = train(
        &[
            "--from",
            "corpus",
            "--corpus",
            bad.to_str().unwrap(),
            "--out",
            nowhere.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        stderr.contains("bad.jsonl") && stderr.contains("line 1"),
        "{stderr}"
    );
    assert!(!nowhere.exists());
}

#[test]
fn a_node_reloads_its_models_without_a_restart_and_keeps_them_on_a_bad_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("models");
    train_corpus(tmp.path(), &corpus(10, "free -m"), &dir);
    let first = manifest(&dir)["version"].as_str().unwrap().to_owned();
    let node = NodeProcess::start(&[("MIRAGE_MODELS_DIR", dir.to_str().unwrap())]);
    let (status, shown) = models_api(&node, "GET", "/api/models");
    assert_eq!(status, 200);
    assert_eq!(shown["version"], first.as_str());
    assert!(
        shown["models"]
            .as_array()
            .unwrap()
            .contains(&"markov".into())
    );
    assert_eq!(shown["report"]["split"]["held_out"], 2);

    // Retrained on other sessions: reload makes the new set current.
    train_corpus(tmp.path(), &corpus(10, "w"), &dir);
    let second = manifest(&dir)["version"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let (status, reloaded) = models_api(&node, "POST", "/api/models/reload");
    assert_eq!(status, 200, "{reloaded}");
    assert_eq!(reloaded["version"], second.as_str());
    assert_eq!(
        models_api(&node, "GET", "/api/models").1["version"],
        second.as_str()
    );

    // A broken file: 422 naming it, and the current set stays.
    std::fs::write(dir.join("markov.json"), "{\"version\": 1, \"broken\"").unwrap();
    let (status, refused) = models_api(&node, "POST", "/api/models/reload");
    assert_eq!(status, 422);
    assert!(
        refused["error"].as_str().unwrap().contains("markov.json"),
        "{refused}"
    );
    assert_eq!(
        models_api(&node, "GET", "/api/models").1["version"],
        second.as_str()
    );
    // Reloading is a state change: GET does not do it.
    let (status, _) = models_api(&node, "GET", "/api/models/reload");
    assert_ne!(status, 200);
}

#[test]
fn the_models_api_needs_the_admin_token_when_one_is_set() {
    let node = NodeProcess::start(&[("MIRAGE_ADMIN_TOKEN", "s3cret-token")]);
    for (method, path) in [("GET", "/api/models"), ("POST", "/api/models/reload")] {
        let (status, _, _) = http_request(node.admin, method, path, &[("Content-Length", "0")]);
        assert_eq!(status, 401, "{method} {path}");
    }
    let (status, _, body) = http_request(
        node.admin,
        "GET",
        "/api/models",
        &[("Authorization", "Bearer s3cret-token")],
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn train_from_the_store_learns_the_sessions_a_node_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut node = NodeProcess::start_in(&data, &[]);
    let ssh = OpenSsh::new(PASSWORD);
    for _ in 0..2 {
        let (code, _, stderr) = ssh.run(
            node.ssh.port(),
            "root",
            &["uname -a; cat /proc/cpuinfo | grep name | wc -l; free -m"],
            b"",
        );
        assert_eq!(code, 0, "{stderr}");
    }
    let closed = || {
        node.log_events()
            .iter()
            .filter(|e| e["eventid"] == "cowrie.session.closed")
            .count()
    };
    poll_until(
        Duration::from_secs(15),
        || (closed() >= 2).then_some(()),
        || format!("sessions not closed: {}", node.stderr()),
    );
    node.terminate();
    let out = tmp.path().join("models");
    let (ok, stdout, stderr) = train(
        &[
            "--from",
            "store",
            "--holdout",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("MIRAGE_DATA_DIR", data.to_str().unwrap())],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("store:sqlite (2 sessions)"), "{stdout}");
    let models = mirage::models::Models::load(&out).unwrap();
    let markov = models.markov.expect("a command model");
    let context = mirage::models::normalize::normalize_line("uname -a");
    let next = markov.predict(&context, 1);
    assert!(
        next[0].token.starts_with("cat /proc/cpuinfo | grep name"),
        "{next:?}"
    );
}

#[test]
fn evaluate_without_models_flag_judges_the_set_a_node_loads_in_the_contracts_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("corpus.jsonl");
    std::fs::write(&file, corpus(3, "free -m")).unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mirage"));
        cmd.args(["evaluate", "--corpus", file.to_str().unwrap(), "--json"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("MIRAGE_MODELS_DIR")
            .envs(env.iter().copied());
        cmd.output().expect("run mirage evaluate")
    };
    let out = run(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for view in ["pooled", "novel"] {
        for key in ["top1", "top3", "n"] {
            assert!(
                report["prediction"][view][key].is_number(),
                "{view}.{key}: {report}"
            );
        }
    }
    assert_eq!(report["prediction"]["pooled"]["n"], 9);
    assert!(report["prediction"]["per_class"]["recon_fingerprint"]["top1"].is_number());
    for key in ["after_3", "at_end", "macro_f1"] {
        assert!(report["classification"][key].is_number(), "{key}: {report}");
    }
    // The shipped set (./models) holds the trained classifier.
    assert_eq!(report["classification"]["source"], "tree");
    // No set where models.dir points: a clear error, not an empty report.
    let out = run(&[("MIRAGE_MODELS_DIR", "/nonexistent/models")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no models in /nonexistent/models"));
}
