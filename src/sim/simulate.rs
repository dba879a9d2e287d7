//! `mirage simulate`: populations of simulated attackers against the node's own actor graph,
//! in virtual time, with the adaptive layers off (`static`) and on (`adaptive`), reporting
//! mean time to discovery (MTTD). `SIMULATION.md` describes the method and the results.
//!
//! - [`population`]: the attacker draw of a seed: replayed corpus sessions, generative bots,
//!   detectors;
//! - [`attacker`]: [`AttackerActor`](attacker::AttackerActor), one attacker as an actor, and
//!   the bots' behaviour;
//! - [`detector`]: the honeypot probes a detector runs and how it judges the answers;
//! - [`driver`]: [`Terminal`](driver::Terminal), the interactive in-process SSH shell;
//! - [`stats`], [`report`]: the numbers and how they are printed.
//!
//! Each seed draws one population and plays it, day by day, against a `static` node and an
//! `adaptive` node built on the same generated host. A node is one session manager on one
//! virtual clock; its sessions run one after another (each at its scheduled time, or when the
//! one before has ended), so the clock, and with it every answer and event, is deterministic:
//! the same seed gives the same report. Seeds × configurations run in parallel, each in its
//! own actix system on its own thread.

pub mod attacker;
pub mod detector;
pub mod driver;
pub mod population;
pub mod report;
pub mod stats;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, TimeDelta, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;

use self::attacker::{Attack, AttackerActor, Outcome};
use self::population::{Attacker, Corpus, Mix};
use self::report::{Report, SeedRun};
use crate::actors::strategy::{StrategyActor, StrategyMetrics};
use crate::config::{StrategyConfig, StrategyMode};
use crate::events::{EventKind, Protocol, SessionId, SessionOrigin};
use crate::metrics::Metrics;
use crate::models::markov::Markov;
use crate::models::{ModelHandle, Models};
use crate::sim::clock::Clock;
use crate::sim::collector::{Collector, Take};
use crate::sim::replay::{replay_deps, replay_manager, shared_shell};

/// When every simulated node's first day starts (a fixed date: reports do not depend on the
/// day they are made).
const EPOCH: &str = "2026-01-05T00:00:00Z";

/// How a simulation runs.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seeds to run (`first_seed`, `first_seed + 1`, …).
    pub seeds: u64,
    /// The first seed.
    pub first_seed: u64,
    /// Simulated days per seed.
    pub days: usize,
    /// Attackers per simulated day.
    pub per_day: usize,
    /// The population mix.
    pub mix: Mix,
    /// Longest a session may last (virtual time); detectors that find no tell are censored
    /// here.
    pub budget: Duration,
    /// Threads (seed × configuration runs at once).
    pub jobs: usize,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            seeds: 10,
            first_seed: 1,
            days: 7,
            per_day: 24,
            mix: Mix::default(),
            budget: Duration::from_secs(900),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// The node configuration a population plays against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeConfig {
    /// No Layer 1–2 models, no strategy (the default deception settings), no persona.
    Static,
    /// The shipped models and the strategy layer learning in memory across the days.
    Adaptive,
}

impl NodeConfig {
    /// `static` or `adaptive`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeConfig::Static => "static",
            NodeConfig::Adaptive => "adaptive",
        }
    }
}

/// What the simulation needs besides its options.
pub struct Inputs {
    /// The corpus replayed sessions and bot openings come from.
    pub corpus: Corpus,
    /// The adaptive node's model set, as `mirage run` loads it from `models.dir`.
    pub models_dir: std::path::PathBuf,
    /// The attackers' own copy of the command model (bots sample from it).
    pub attacker_model: Option<Arc<Markov>>,
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The adaptive node's models could not be loaded.
    #[error("cannot load the models")]
    Models(#[from] crate::models::bundle::LoadError),
    /// A run's thread failed.
    #[error("a simulation run failed: {0}")]
    Run(String),
}

/// Runs every seed in both configurations and reports.
pub fn simulate(options: &SimOptions, inputs: &Inputs) -> Result<Report, SimError> {
    // Fail early, before any thread, if the models are unreadable.
    Models::load(&inputs.models_dir)?;
    let epoch = DateTime::parse_from_rfc3339(EPOCH)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let seeds: Vec<u64> = (0..options.seeds)
        .map(|i| options.first_seed.wrapping_add(i))
        .collect();
    let populations: Vec<Vec<Attacker>> = seeds
        .iter()
        .map(|&seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            population::draw(
                &inputs.corpus,
                options.mix,
                options.days,
                options.per_day,
                &mut rng,
            )
        })
        .collect();
    let work: Vec<(usize, NodeConfig)> = (0..seeds.len())
        .flat_map(|i| [(i, NodeConfig::Static), (i, NodeConfig::Adaptive)])
        .collect();
    let results: Mutex<Vec<Option<Vec<Outcome>>>> = Mutex::new(vec![None; work.len()]);
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, work.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(i, config)) = work.get(n) else {
                        break;
                    };
                    let run = run_node(seeds[i], config, &populations[i], epoch, options, inputs);
                    match run {
                        Ok(outcomes) => {
                            results.lock().unwrap_or_else(|e| e.into_inner())[n] = Some(outcomes);
                        }
                        Err(err) => {
                            *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(err);
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(SimError::Run(err));
    }
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let runs = seeds
        .iter()
        .enumerate()
        .map(|(i, &seed)| SeedRun {
            seed,
            fixed: results[2 * i].take().unwrap_or_default(),
            adaptive: results[2 * i + 1].take().unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let run = serde_json::json!({
        "seeds": seeds,
        "days": options.days,
        "sessions_per_day": options.per_day,
        "mix": options.mix,
        "budget_s": options.budget.as_secs_f64(),
        "corpus_sessions": inputs.corpus.len(),
        "models_dir": inputs.models_dir.display().to_string(),
        "mttd": "virtual seconds from login to the answer showing a detector its first tell; \
                 detectors that find none are censored at budget_s (a lower bound)",
    });
    Ok(report::report(
        &runs,
        options.budget.as_secs_f64(),
        options.days,
        run,
    ))
}

/// The address an attacker connects from (one per attacker: the node's per-IP reflexes treat
/// them as different hosts), in 100.64.0.0/10.
fn source(index: usize) -> SocketAddr {
    let i = u32::try_from(index).unwrap_or(u32::MAX);
    let octet = |x: u32| u8::try_from(x).unwrap_or(u8::MAX);
    let ip = Ipv4Addr::new(
        100,
        64 + octet((i / (254 * 254)) % 64),
        octet((i / 254) % 254),
        1 + octet(i % 254),
    );
    SocketAddr::new(IpAddr::V4(ip), 40_000 + octet(i % 250) as u16)
}

/// The adaptive node's strategy layer: the bandit in memory (no store), learning from every
/// session, its choices seeded from the run's seed.
fn strategy(seed: u64, metrics: StrategyMetrics) -> StrategyActor {
    let config = StrategyConfig {
        mode: StrategyMode::Adaptive,
        learning: true,
        seed: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).max(1),
        ..StrategyConfig::default()
    };
    StrategyActor::new(&config, metrics)
}

/// Plays one population against one node configuration; the outcomes in population order.
fn run_node(
    seed: u64,
    config: NodeConfig,
    attackers: &[Attacker],
    epoch: DateTime<Utc>,
    options: &SimOptions,
    inputs: &Inputs,
) -> Result<Vec<Outcome>, String> {
    let shell = shared_shell(seed, epoch);
    let banner = crate::protocols::ssh::profile::SshProfile::installed_on(shell.host())
        .banner
        .to_owned();
    let models = match config {
        NodeConfig::Static => ModelHandle::default(),
        NodeConfig::Adaptive => {
            ModelHandle::new(Models::load(&inputs.models_dir).map_err(|e| e.to_string())?)
                .with_memory(Default::default())
        }
    };
    let system = actix::System::new();
    system.block_on(async move {
        let clock = Clock::virtual_at(epoch);
        let collector = Collector::default().start();
        let mut deps = replay_deps(
            shell,
            clock.clone(),
            collector.clone().recipient(),
            Metrics::new(),
            models,
        );
        // Its reward histogram tells what each finished session taught the bandit.
        let rewards = StrategyMetrics::new();
        if config == NodeConfig::Adaptive {
            deps.strategy = Some(strategy(seed, rewards.clone()).start());
        }
        let learned =
            |r: &StrategyMetrics| (r.reward.get_sample_sum(), r.reward.get_sample_count());
        let manager = replay_manager(deps, Vec::new());
        let mut outcomes = Vec::with_capacity(attackers.len());
        let mut seen = (0.0, 0);
        for attacker in attackers {
            let at = epoch
                + TimeDelta::days(attacker.day as i64)
                + TimeDelta::from_std(attacker.at).unwrap_or_default();
            if clock.now() < at {
                clock.advance((at - clock.now()).to_std().unwrap_or_default());
            }
            let session = SessionId(format!("sim{seed:x}{:06x}", attacker.index));
            let origin = SessionOrigin {
                node: format!("sim-{}", config.as_str()),
                session: session.clone(),
                protocol: Protocol::Ssh,
                src: source(attacker.index),
                dst: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 22),
            };
            let actor = AttackerActor::new(
                attacker.clone(),
                origin,
                manager.clone(),
                clock.clone(),
                inputs.attacker_model.clone(),
                (banner.clone(), options.budget),
            )
            .start();
            let mut outcome = actor.send(Attack).await.map_err(|e| e.to_string())?;
            // The session's events are not needed past this point but for its last settings.
            let events = collector.send(Take(session)).await.unwrap_or_default();
            outcome.settings = events.iter().rev().find_map(|e| match &e.kind {
                EventKind::Strategy { settings, .. } => Some(settings.to_string()),
                _ => None,
            });
            let (sum, count) = learned(&rewards);
            if count > seen.1 {
                outcome.reward = Some((sum - seen.0) / (count - seen.1) as f64);
            }
            seen = (sum, count);
            outcomes.push(outcome);
        }
        Ok(outcomes)
    })
}
