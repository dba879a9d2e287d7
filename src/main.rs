//! The `mirage` command line. `anyhow` lives here only.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use mirage::config::Config;

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
    /// Check or show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
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
