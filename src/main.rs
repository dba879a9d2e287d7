//! The `mirage` command line. `anyhow` lives here only.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mirage::config::Config;

/// mimalloc instead of glibc's malloc: the node and replays allocate many small, short-lived
/// strings (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Mirage: an adaptive SSH + HTTP honeypot.
#[derive(Parser)]
#[command(name = "mirage", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node: SSH and HTTP decoys plus the admin listener, until SIGTERM.
    Run {
        /// TOML configuration file; without one, defaults and MIRAGE_* variables apply.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Apply the database migrations and exit.
    Migrate {
        /// TOML configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Replay scenario files (or folders of them) through the session path in virtual time
    /// and check their expectations; exits non-zero if any fails.
    Replay {
        /// Scenario files and folders (searched for *.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// TOML configuration file (its auth settings decide which logins succeed).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// One JSON document with every report instead of tables.
        #[arg(long)]
        json: bool,
        /// Pace each step like the recording instead of replaying at once.
        #[arg(long)]
        real_time: bool,
        /// Scenarios replayed at once.
        #[arg(long, default_value_t = 256)]
        jobs: usize,
        /// Replay over a real loopback SSH connection, each scenario against its own
        /// in-process node (end-to-end; real clock, slower; a few at once).
        #[arg(long)]
        ssh: bool,
    },
    /// Turn attack logs of another honeypot into scenario files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write one recorded session from the node's store: its events as Cowrie JSON lines, its
    /// terminal recording, or a scenario file.
    Export {
        /// The session id (as in the JSON log's `session` field).
        session: String,
        /// What to write: scenario, asciicast or cowrie-json.
        #[arg(long, default_value = "cowrie-json")]
        format: mirage::sim::export::Format,
        /// TOML configuration file (its data directory and database locate the store).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Check or show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Evaluate the models on a corpus (JSON lines of recorded sessions): next-command
    /// prediction (pooled, novel, per class), attack phases and classification. The model set
    /// is `--models DIR` (written by `mirage train`), else the node's `models.dir`
    /// (MIRAGE_MODELS_DIR, default ./models); `--train FILE` trains one on the fly; with
    /// `--holdout F` it is trained on the older part of each source of `--corpus` and judged on
    /// the newest share F.
    Evaluate {
        /// The corpus to evaluate on.
        #[arg(long)]
        corpus: PathBuf,
        /// Folder holding the model set (written by `mirage train`); default `models.dir`.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Train the command model from this corpus instead of loading one.
        #[arg(long, conflicts_with = "models")]
        train: Option<PathBuf>,
        /// Hold out the newest share of each source of the corpus and train on the rest.
        #[arg(long, conflicts_with_all = ["models", "train"])]
        holdout: Option<f64>,
        /// Longest context of a model trained here, in commands.
        #[arg(long, default_value_t = 5)]
        order: usize,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
        /// Judge each session on its own, without the node memory of earlier sessions.
        #[arg(long)]
        no_memory: bool,
    },
    /// Train every model (next-command predictor, attack-phase HMM, classifier) and write a
    /// versioned model set (manifest.json with the held-out evaluation report, one file per
    /// model) that nodes load from `models.dir`.
    Train {
        /// What to learn from: a corpus file (`--corpus`) or the node's event store.
        #[arg(long, value_enum)]
        from: TrainSource,
        /// The corpus (JSON lines of recorded sessions) for `--from corpus`.
        #[arg(long, required_if_eq("from", "corpus"))]
        corpus: Option<PathBuf>,
        /// TOML configuration naming the store for `--from store`.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Folder the model set is written to.
        #[arg(long, default_value = "models")]
        out: PathBuf,
        /// Newest share of each source held out for the report in the manifest (0: none).
        #[arg(long, default_value_t = 0.2)]
        holdout: f64,
        /// Longest context of the command model, in commands.
        #[arg(long, default_value_t = 5)]
        order: usize,
    },
    /// Simulate attacker populations (replayed corpus sessions, generative bots, honeypot
    /// detectors) against a static and an adaptive node in virtual time and report mean time
    /// to discovery (SIMULATION.md).
    Simulate {
        /// Seeds to run; each draws one population played against both configurations.
        #[arg(long, default_value_t = 10)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// One JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Simulated days per seed.
        #[arg(long, default_value_t = 7)]
        days: usize,
        /// Attackers per simulated day.
        #[arg(long, default_value_t = 24)]
        sessions_per_day: usize,
        /// Population mix, weights replayed:bots:detectors.
        #[arg(long, default_value = "4:3:3")]
        mix: mirage::sim::simulate::population::Mix,
        /// Longest session in virtual seconds; detectors that find no tell are censored here.
        #[arg(long, default_value_t = 900)]
        budget: u64,
        /// Corpus of recorded sessions (JSON lines) for replayed sessions and bot openings.
        #[arg(long, default_value = "../shared/data/sessions-train.jsonl")]
        corpus: PathBuf,
        /// The adaptive node's model set; default the node's `models.dir` (./models).
        #[arg(long)]
        models: Option<PathBuf>,
        /// Runs (seed × configuration) at once; default the number of cores.
        #[arg(long)]
        jobs: Option<usize>,
    },
}

/// Where `mirage train` learns from.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum TrainSource {
    /// A corpus file in the shared training data's format.
    Corpus,
    /// The sessions in the node's event store (SQLite or PostgreSQL, from the configuration).
    Store,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Cowrie JSON logs (2.x and 3.x, one event per line): one scenario file per session.
    /// Bad lines are reported with their number and skipped.
    Cowrie {
        /// The log file (e.g. var/log/cowrie/cowrie.json).
        file: PathBuf,
        /// Folder the scenario files are written to.
        #[arg(long, default_value = "scenarios/imported")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check a configuration file; names the bad key and line.
    Check {
        /// The file to check.
        file: PathBuf,
    },
    /// Print the effective configuration (file, then MIRAGE_* variables) as TOML.
    Show {
        /// TOML configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    init_tracing();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mirage: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Replay {
            paths,
            config,
            json,
            real_time,
            jobs,
            ssh,
        } => {
            let options = mirage::sim::runner::RunOptions {
                real_time,
                jobs,
                ..mirage::sim::runner::RunOptions::default()
            };
            replay(&paths, config.as_deref(), json, ssh, &options)
        }
        Command::Import(ImportCommand::Cowrie { file, out }) => import_cowrie(&file, &out),
        Command::Export {
            session,
            format,
            config,
        } => {
            let config = load(config.as_deref())?;
            let session = mirage::events::SessionId(session);
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            mirage::sim::export::export_blocking(&config, &session, format, &mut out)
                .with_context(|| format!("cannot export session {session}"))
        }
        Command::Run { config } => {
            let config = load(config.as_deref())?;
            mirage::app::run(config).context("node failed")
        }
        Command::Migrate { config } => {
            let config = load(config.as_deref())?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start a runtime")?;
            runtime.block_on(async {
                std::fs::create_dir_all(&config.data_dir)
                    .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
                let store = mirage::store::open(&config.database, &config.data_dir)?;
                store.migrate().await.context("migration failed")?;
                println!("migrations applied ({})", store.backend());
                anyhow::Ok(())
            })
        }
        Command::Evaluate {
            corpus,
            models,
            train,
            holdout,
            order,
            json,
            no_memory,
        } => evaluate(
            &corpus,
            models.as_deref(),
            train.as_deref(),
            holdout,
            order,
            (json, !no_memory),
        ),
        Command::Train {
            from,
            corpus,
            config,
            out,
            holdout,
            order,
        } => train(
            from,
            corpus.as_deref(),
            config.as_deref(),
            &out,
            holdout,
            order,
        ),
        Command::Simulate {
            seeds,
            first_seed,
            json,
            days,
            sessions_per_day,
            mix,
            budget,
            corpus,
            models,
            jobs,
        } => {
            let defaults = mirage::sim::simulate::SimOptions::default();
            let options = mirage::sim::simulate::SimOptions {
                seeds,
                first_seed,
                days,
                per_day: sessions_per_day,
                mix,
                budget: std::time::Duration::from_secs(budget),
                jobs: jobs.unwrap_or(defaults.jobs),
            };
            simulate(&options, &corpus, models, json)
        }
        Command::Config(ConfigCommand::Check { file }) => {
            Config::load(Some(&file), std::iter::empty())?;
            println!("{}: ok", file.display());
            Ok(())
        }
        Command::Config(ConfigCommand::Show { config }) => {
            let config = load(config.as_deref())?;
            print!(
                "{}",
                toml::to_string(&config).context("cannot render the configuration")?
            );
            Ok(())
        }
    }
}

fn replay(
    paths: &[PathBuf],
    config: Option<&std::path::Path>,
    json: bool,
    ssh: bool,
    options: &mirage::sim::runner::RunOptions,
) -> anyhow::Result<()> {
    use mirage::sim::{report, runner, scenario, ssh_mode};
    let config = load(config)?;
    // The sessions run the models a node with this configuration would load.
    let models = mirage::models::Models::load(&config.models.dir)?;
    let options = &mirage::sim::runner::RunOptions {
        models: mirage::models::ModelHandle::new(models),
        ..options.clone()
    };
    let files = scenario::collect(paths)?;
    anyhow::ensure!(!files.is_empty(), "no scenario files in {paths:?}");
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    if json || files.len() < 20 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // Both modes give the same report; over SSH each also says what it could not check.
    let (reports, wall): (Vec<ssh_mode::SshReport>, _) = if ssh {
        ssh_mode::run_blocking(&files, &config, options, |_| bar.inc(1))
    } else {
        runner::run_blocking(&files, &config.auth, options, |_| bar.inc(1)).map(
            |(reports, wall)| {
                let reports = reports
                    .into_iter()
                    .map(|report| ssh_mode::SshReport {
                        report,
                        unchecked: 0,
                    })
                    .collect();
                (reports, wall)
            },
        )
    }
    .map_err(|err| anyhow::anyhow!(err))?;
    bar.finish_and_clear();
    let plain: Vec<report::ScenarioReport> = reports.iter().map(|r| r.report.clone()).collect();
    let mut summary = report::summary(&plain, wall);
    if ssh {
        let unchecked: usize = reports.iter().map(|r| r.unchecked).sum();
        summary.push_str(&format!("; {unchecked} checks not made over SSH"));
    }
    if json {
        let doc = if ssh {
            serde_json::json!({ "scenarios": reports, "summary": summary })
        } else {
            serde_json::json!({ "scenarios": plain, "summary": summary })
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for report in &reports {
            print!("{}", report.table());
        }
        println!("{summary}");
    }
    let failed = reports.iter().filter(|r| !r.report.passed).count();
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} scenarios failed",
        reports.len()
    );
    Ok(())
}

/// `mirage simulate`: loads the corpus and the models, runs, prints the report.
fn simulate(
    options: &mirage::sim::simulate::SimOptions,
    corpus: &std::path::Path,
    models: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    use mirage::sim::simulate::{Inputs, population::Corpus};
    let sessions = read_corpus(corpus).context("the simulation needs a corpus (--corpus)")?;
    let models_dir = match models {
        Some(dir) => dir,
        None => load(None)?.models.dir,
    };
    let attacker_model = mirage::models::Models::load(&models_dir)?
        .markov
        .map(std::sync::Arc::new);
    anyhow::ensure!(
        attacker_model.is_some(),
        "no command model in {}: the bots sample from it (train one with `mirage train`)",
        models_dir.display()
    );
    let inputs = Inputs {
        corpus: Corpus::new(sessions),
        models_dir,
        attacker_model,
    };
    let started = std::time::Instant::now();
    let report = mirage::sim::simulate::simulate(options, &inputs)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `mirage import cowrie`: writes the scenarios, lists them, reports bad lines and skipped
/// sessions on stderr; fails only when nothing could be imported.
fn import_cowrie(file: &std::path::Path, out: &std::path::Path) -> anyhow::Result<()> {
    let report = mirage::sim::import::import_file(file, out)?;
    for error in &report.errors {
        eprintln!("{}:{}: {}", file.display(), error.line, error.message);
    }
    if report.more_errors > 0 {
        eprintln!("{}: {} more bad lines", file.display(), report.more_errors);
    }
    for skipped in &report.skipped {
        eprintln!("{}: skipped {skipped}", file.display());
    }
    for path in &report.written {
        println!("{}", path.display());
    }
    anyhow::ensure!(
        !report.written.is_empty(),
        "no scenario imported from {}",
        file.display()
    );
    Ok(())
}

fn load(path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    Ok(Config::load(path, std::env::vars())?)
}

/// Logs to stderr; `RUST_LOG` filters (default `info`). A panic is one log line, not a backtrace:
/// attacker-reachable panics must not become a log flood.
fn init_tracing() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("panic");
        tracing::error!(
            location = location.as_deref().unwrap_or("?"),
            "Panic: {payload}"
        );
    }));
}

/// Reads a corpus file.
fn read_corpus(path: &std::path::Path) -> anyhow::Result<Vec<mirage::models::evaluate::Session>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    mirage::models::evaluate::read_corpus(&text)
        .with_context(|| format!("bad corpus {}", path.display()))
}

/// `mirage evaluate`: loads or trains the model set, then prints the report.
fn evaluate(
    corpus: &std::path::Path,
    models: Option<&std::path::Path>,
    train: Option<&std::path::Path>,
    holdout: Option<f64>,
    order: usize,
    (json, memory): (bool, bool),
) -> anyhow::Result<()> {
    use mirage::models::{Models, evaluate as eval, train as fit};
    let sessions = read_corpus(corpus)?;
    let options = fit::TrainOptions {
        order,
        ..fit::TrainOptions::default()
    };
    let (models, sessions) = match (models, train, holdout) {
        (Some(dir), _, _) => {
            let models = Models::load(dir)?;
            anyhow::ensure!(
                !models.present().is_empty(),
                "no models in {}: train them with `mirage train`",
                dir.display()
            );
            (models, sessions)
        }
        (None, Some(train), _) => (fit::train_models(&read_corpus(train)?, &options), sessions),
        (None, None, Some(fraction)) => {
            let (older, newest) = eval::holdout(sessions, fraction);
            (fit::train_models(&older, &options), newest)
        }
        (None, None, None) => {
            // The set a node started here would load: `models.dir` (MIRAGE_MODELS_DIR or
            // ./models).
            let dir = load(None)?.models.dir;
            let models = Models::load(&dir)?;
            anyhow::ensure!(
                !models.present().is_empty(),
                "no models in {} (models.dir): train them with `mirage train`, or give \
                 --models DIR, --train FILE or --holdout FRACTION",
                dir.display()
            );
            (models, sessions)
        }
    };
    let report = eval::evaluate_models_with(&models, &sessions, memory);
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).context("cannot render the report")?
        );
    } else {
        print!("{}", report.table());
    }
    Ok(())
}

/// `mirage train`: trains every model from a corpus or the store and writes the set.
fn train(
    from: TrainSource,
    corpus: Option<&std::path::Path>,
    config: Option<&std::path::Path>,
    out: &std::path::Path,
    holdout: f64,
    order: usize,
) -> anyhow::Result<()> {
    use mirage::models::{evaluate as eval, train as fit};
    anyhow::ensure!(
        (0.0..1.0).contains(&holdout),
        "--holdout must be at least 0 and below 1"
    );
    let (sessions, source) = match from {
        TrainSource::Corpus => {
            let path = corpus.context("--from corpus needs --corpus FILE")?;
            (read_corpus(path)?, format!("corpus:{}", path.display()))
        }
        TrainSource::Store => {
            let config = load(config)?;
            let (lines, backend) = mirage::store::corpus::stored_corpus_blocking(&config)
                .context("cannot read the event store")?;
            let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
            (eval::read_corpus(&text)?, format!("store:{backend}"))
        }
    };
    anyhow::ensure!(
        !sessions.is_empty(),
        "no sessions with commands to train on"
    );
    let options = fit::TrainOptions { order, holdout };
    let (mut models, report) = fit::train_release(sessions, &options, &source, chrono::Utc::now());
    models
        .save(out)
        .with_context(|| format!("cannot write the models to {}", out.display()))?;
    println!(
        "models {} written to {} ({}; {})",
        models.version(),
        out.display(),
        models.present().join(", "),
        models.manifest.trained_from
    );
    if let Some(report) = report {
        print!("held-out evaluation:\n{}", report.table());
    }
    Ok(())
}
