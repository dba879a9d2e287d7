//! Every `scenarios/**/*.yaml` file is one named test: replayed through the session path in
//! virtual time, its expectations checked. `cargo test --test scenarios -- NAME` runs one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use mirage::config::AuthConfig;
use mirage::models::{ModelHandle, Models};
use mirage::sim::runner::{RunOptions, run_blocking};
use mirage::sim::scenario::collect;

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = collect(std::slice::from_ref(&dir)).expect("the scenarios folder is readable");
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file
                .strip_prefix(&dir)
                .unwrap_or(&file)
                .with_extension("")
                .display()
                .to_string();
            Trial::test(name, move || replay(file))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn replay(file: PathBuf) -> Result<(), Failed> {
    let options = RunOptions {
        real_time: false,
        jobs: 1,
        workers: 1,
        models: models(),
    };
    let (reports, _) = run_blocking(&[file], &AuthConfig::default(), &options, |_| {})?;
    match reports.first() {
        Some(report) if report.passed => Ok(()),
        Some(report) => Err(report.table().into()),
        None => Err("no report".into()),
    }
}

/// The models shipped in `models/` (what a node started from the repository loads), read once.
fn models() -> ModelHandle {
    static MODELS: OnceLock<ModelHandle> = OnceLock::new();
    MODELS
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
            ModelHandle::new(Models::load(&dir).expect("the shipped models load"))
        })
        .clone()
}
