//! [`StrategyActor`]: Layer 3, the node's choice of deception settings per session.
//!
//! Sessions ask it for their settings ([`Choose`]) when they start and whenever their attacker
//! class or attack phase changes, and report how they went when they end ([`Outcome`]). In the
//! adaptive mode the answer is a draw of the contextual bandit ([`crate::models::bandit`]) for
//! the session's class and phase, and the finished session's reward
//! ([`crate::models::reward`]) teaches it; in the fixed mode every session gets the configured
//! settings. (The `off` mode has no actor at all.)
//!
//! Persistence: with a store, the learned state is read at start and saved as a JSON row per
//! node (`strategy_state`) at most every `strategy.save_secs` once something was learned, and
//! at shutdown ([`SaveStrategy`]). The store is never waited for: a session's [`Choose`] is
//! answered from memory at once. While the stored state could not be read (the database is
//! down), nothing is saved, so the stored state is never overwritten by a fresh one; once it
//! is read, what was learned meanwhile is added to it ([`Bandit::merge`]). Without a store (a
//! simulation) the state lives in memory only.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::config::{StrategyConfig, StrategyMode};
use crate::events::SessionId;
use crate::models::Class;
use crate::models::bandit::{Bandit, Context as BanditContext, Exploration};
use crate::models::phases::Phase;
use crate::models::reward::{SessionOutcome, reward};
use crate::models::strategy::{
    Deception, Enticement, ErrorInjection, LatencyProfile, Richness, VulnerablePath,
};
use crate::store::EventStore;

pub mod metrics;

pub use metrics::StrategyMetrics;

/// The dimensions of [`Deception`], in the bandit's order, as metrics name them.
pub const DIMENSIONS: [&str; 5] = ["latency", "enticement", "richness", "errors", "vulnerable"];

/// The options of each dimension, in the bandit's order: the static honeypot's first, so a
/// bandit without a preference keeps to it.
const LATENCY: [LatencyProfile; 3] = [
    LatencyProfile::None,
    LatencyProfile::HumanJitter,
    LatencyProfile::SlowDisk,
];
const ENTICEMENT: [Enticement; 3] = [Enticement::Medium, Enticement::Low, Enticement::High];
const RICHNESS: [Richness; 3] = [Richness::Standard, Richness::Sparse, Richness::Rich];
const ERRORS: [ErrorInjection; 2] = [ErrorInjection::Off, ErrorInjection::Realistic];
const VULNERABLE: [VulnerablePath; 3] = [
    VulnerablePath::Never,
    VulnerablePath::AfterRecon,
    VulnerablePath::Immediately,
];

/// How long a save or load may take before it counts as failed (the next tick retries).
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// The options per dimension, as the bandit counts them.
pub fn options() -> Vec<usize> {
    vec![
        LATENCY.len(),
        ENTICEMENT.len(),
        RICHNESS.len(),
        ERRORS.len(),
        VULNERABLE.len(),
    ]
}

/// The names of dimension `dimension`'s options, in the bandit's order (as serde spells them).
pub fn option_names(dimension: usize) -> &'static [&'static str] {
    match dimension {
        0 => &["none", "human_jitter", "slow_disk"],
        1 => &["medium", "low", "high"],
        2 => &["standard", "sparse", "rich"],
        3 => &["off", "realistic"],
        4 => &["never", "after_recon", "immediately"],
        _ => &[],
    }
}

/// The option index of each dimension of `settings`.
pub fn arms(settings: &Deception) -> Vec<usize> {
    fn index<T: PartialEq>(all: &[T], value: &T) -> usize {
        all.iter().position(|v| v == value).unwrap_or(0)
    }
    vec![
        index(&LATENCY, &settings.latency),
        index(&ENTICEMENT, &settings.enticement),
        index(&RICHNESS, &settings.richness),
        index(&ERRORS, &settings.errors),
        index(&VULNERABLE, &settings.vulnerable),
    ]
}

/// The settings of one option index per dimension (the first option where one is missing or
/// out of range).
pub fn deception(arms: &[usize]) -> Deception {
    fn pick<T: Copy>(all: &[T], arm: Option<&usize>) -> T {
        all[arm.copied().filter(|&a| a < all.len()).unwrap_or(0)]
    }
    Deception {
        latency: pick(&LATENCY, arms.first()),
        enticement: pick(&ENTICEMENT, arms.get(1)),
        richness: pick(&RICHNESS, arms.get(2)),
        errors: pick(&ERRORS, arms.get(3)),
        vulnerable: pick(&VULNERABLE, arms.get(4)),
    }
}

/// Asks for a session's deception settings, for its class and phase as known now.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Chosen")]
pub struct Choose {
    /// The session asking.
    pub session: SessionId,
    /// Its attacker class (`None` before one is known).
    pub class: Option<Class>,
    /// Its attack phase (`None` before one is known).
    pub phase: Option<Phase>,
}

/// The answer to [`Choose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct Chosen {
    /// The settings the session runs with from now on.
    pub settings: Deception,
    /// How they were chosen (`adaptive` or `fixed`).
    pub mode: StrategyMode,
}

/// One set of settings a session ran with, and what it was chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The attacker class it was chosen for.
    pub class: Option<Class>,
    /// The attack phase it was chosen for.
    pub phase: Option<Phase>,
    /// The settings.
    pub settings: Deception,
}

/// A session ended: what it ran with and what it did.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Outcome {
    /// The session.
    pub session: SessionId,
    /// The settings it ran with, in order (each one learns the session's reward).
    pub choices: Vec<Choice>,
    /// What it did.
    pub outcome: SessionOutcome,
}

/// Saves the learned state now (at shutdown); answers whether it is saved (`true` also when
/// there is nothing to save or no store).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "bool")]
pub struct SaveStrategy;

/// Asks how far the strategy layer got.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "StrategyStats")]
pub struct Stats;

/// The answer to [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct StrategyStats {
    /// The mode.
    pub mode: StrategyMode,
    /// Outcomes the bandit learned from (restored ones included).
    pub outcomes: u64,
    /// Whether the stored state was read (always `true` without a store).
    pub restored: bool,
}

/// Where the state is kept.
struct Persistence {
    store: Arc<dyn EventStore>,
    node: String,
    /// Whether the stored state was read (or found absent); nothing is saved before.
    loaded: bool,
    /// A load or save is under way.
    busy: bool,
    /// Outcomes learned since the last save.
    dirty: u64,
    interval: Duration,
}

/// Layer 3: chooses sessions' deception settings and learns from their outcomes.
pub struct StrategyActor {
    mode: StrategyMode,
    fixed: Deception,
    learning: bool,
    exploration: Exploration,
    bandit: Bandit,
    rng: StdRng,
    metrics: StrategyMetrics,
    persistence: Option<Persistence>,
}

impl StrategyActor {
    /// An actor for `config` that keeps its state in memory; `config.seed` (or a fresh seed
    /// when 0) seeds its choices.
    pub fn new(config: &StrategyConfig, metrics: StrategyMetrics) -> StrategyActor {
        let seed = if config.seed == 0 {
            rand::random()
        } else {
            config.seed
        };
        let exploration = config.exploration();
        StrategyActor {
            mode: config.mode,
            fixed: config.fixed,
            learning: config.learning,
            exploration,
            bandit: Bandit::new(options(), exploration),
            rng: StdRng::seed_from_u64(seed),
            metrics,
            persistence: None,
        }
    }

    /// The same, saving its state in `store` as `node`'s every `config.save_secs` and
    /// restoring it at start.
    pub fn with_store(
        mut self,
        store: Arc<dyn EventStore>,
        node: String,
        config: &StrategyConfig,
    ) -> StrategyActor {
        self.persistence = Some(Persistence {
            store,
            node,
            loaded: false,
            busy: false,
            dirty: 0,
            interval: Duration::from_secs(config.save_secs.max(1)),
        });
        self
    }

    /// Reads the stored state; what was learned before it arrived is added to it.
    fn load(&mut self, ctx: &mut Context<Self>) {
        let Some(p) = self.persistence.as_mut().filter(|p| !p.loaded && !p.busy) else {
            return;
        };
        p.busy = true;
        let (store, node) = (p.store.clone(), p.node.clone());
        let fut =
            async move { tokio::time::timeout(STORE_TIMEOUT, store.load_strategy(&node)).await };
        ctx.spawn(fut.into_actor(self).map(|result, act, _| {
            let Some(p) = act.persistence.as_mut() else {
                return;
            };
            p.busy = false;
            match result {
                Ok(Ok(stored)) => {
                    p.loaded = true;
                    if let Some(text) = stored {
                        match Bandit::from_json(&text, &options(), act.exploration) {
                            Ok(mut bandit) => {
                                bandit.merge(&act.bandit);
                                act.bandit = bandit;
                                tracing::info!(outcomes = act.bandit.outcomes(), "Strategy state restored.");
                            }
                            Err(err) => {
                                tracing::warn!(error = %crate::error_chain(&err), "Stored strategy state unusable; starting afresh.")
                            }
                        }
                    }
                }
                Ok(Err(err)) => {
                    tracing::warn!(error = %crate::error_chain(&err), "Cannot read the strategy state; will retry.")
                }
                Err(_) => tracing::warn!("Reading the strategy state timed out; will retry."),
            }
        }));
    }

    /// Saves the state if something was learned since the last save and the stored state
    /// was read.
    fn save(&mut self, ctx: &mut Context<Self>) {
        let Some(p) = self
            .persistence
            .as_mut()
            .filter(|p| p.loaded && !p.busy && p.dirty > 0)
        else {
            return;
        };
        p.busy = true;
        let saving = p.dirty;
        let (store, node, state) = (p.store.clone(), p.node.clone(), self.bandit.to_json());
        let fut = async move {
            tokio::time::timeout(
                STORE_TIMEOUT,
                store.save_strategy(&node, &state, chrono::Utc::now()),
            )
            .await
        };
        ctx.spawn(fut.into_actor(self).map(move |result, act, _| {
            let ok = matches!(result, Ok(Ok(())));
            act.metrics
                .saves_total
                .with_label_values(&[if ok { "ok" } else { "error" }])
                .inc();
            let Some(p) = act.persistence.as_mut() else {
                return;
            };
            p.busy = false;
            if ok {
                p.dirty = p.dirty.saturating_sub(saving);
            } else {
                tracing::warn!(
                    "Cannot save the strategy state; it stays in memory and is saved later."
                );
            }
        }));
    }
}

impl Actor for StrategyActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let Some(interval) = self.persistence.as_ref().map(|p| p.interval) else {
            return;
        };
        self.load(ctx);
        ctx.run_interval(interval, |act, ctx| {
            act.load(ctx);
            act.save(ctx);
        });
    }
}

impl Handler<Choose> for StrategyActor {
    type Result = Chosen;

    fn handle(&mut self, msg: Choose, _: &mut Context<Self>) -> Chosen {
        let settings = match self.mode {
            StrategyMode::Adaptive => {
                let context =
                    BanditContext::new(msg.class.map(Class::as_str), msg.phase.map(Phase::as_str));
                deception(&self.bandit.choose(&context, &mut self.rng))
            }
            StrategyMode::Fixed | StrategyMode::Off => self.fixed,
        };
        for (d, (dimension, arm)) in DIMENSIONS.iter().zip(arms(&settings)).enumerate() {
            if let Some(option) = option_names(d).get(arm) {
                self.metrics
                    .choices_total
                    .with_label_values(&[dimension, option])
                    .inc();
            }
        }
        tracing::debug!(session = %msg.session, %settings, "Strategy chosen.");
        Chosen {
            settings,
            mode: self.mode,
        }
    }
}

impl Handler<Outcome> for StrategyActor {
    type Result = ();

    fn handle(&mut self, msg: Outcome, ctx: &mut Context<Self>) {
        let reward = reward(&msg.outcome);
        self.metrics.reward.observe(reward.value);
        let learns =
            self.mode == StrategyMode::Adaptive && self.learning && !msg.choices.is_empty();
        self.metrics
            .outcomes_total
            .with_label_values(&[if learns { "learned" } else { "ignored" }])
            .inc();
        tracing::debug!(session = %msg.session, reward = reward.value, probe = ?reward.probe, learns, "Session outcome.");
        if !learns {
            return;
        }
        let choices = msg.choices.iter().map(|choice| {
            let context = BanditContext::new(
                choice.class.map(Class::as_str),
                choice.phase.map(Phase::as_str),
            );
            (context, arms(&choice.settings))
        });
        self.bandit.learn_all(choices, reward.value);
        if let Some(p) = self.persistence.as_mut() {
            p.dirty += 1;
            // A burst of outcomes is saved at once rather than at the next tick.
            if p.dirty >= 100 {
                self.save(ctx);
            }
        }
    }
}

impl Handler<SaveStrategy> for StrategyActor {
    type Result = ResponseActFuture<Self, bool>;

    fn handle(&mut self, _: SaveStrategy, _: &mut Context<Self>) -> Self::Result {
        let Some(p) = self.persistence.as_ref().filter(|p| p.dirty > 0) else {
            return Box::pin(actix::fut::ready(true));
        };
        let (store, node, learned) = (p.store.clone(), p.node.clone(), self.bandit.clone());
        let loaded = p.loaded;
        let exploration = self.exploration;
        // At shutdown nothing else runs: read (if not read yet), merge and write in one go.
        let fut = async move {
            let mut merged = None;
            if !loaded
                && let Some(text) = store.load_strategy(&node).await?
                && let Ok(mut stored) = Bandit::from_json(&text, &options(), exploration)
            {
                stored.merge(&learned);
                merged = Some(stored);
            }
            let state = merged.as_ref().unwrap_or(&learned).to_json();
            store
                .save_strategy(&node, &state, chrono::Utc::now())
                .await
                .map(|()| merged)
        };
        let fut = async move { tokio::time::timeout(STORE_TIMEOUT, fut).await };
        Box::pin(fut.into_actor(self).map(|result, act, _| {
            let saved = match result {
                Ok(Ok(merged)) => Some(merged),
                _ => None,
            };
            act.metrics
                .saves_total
                .with_label_values(&[if saved.is_some() { "ok" } else { "error" }])
                .inc();
            let Some(merged) = saved else {
                return false;
            };
            if let Some(merged) = merged {
                act.bandit = merged;
            }
            if let Some(p) = act.persistence.as_mut() {
                p.dirty = 0;
                p.loaded = true;
            }
            true
        }))
    }
}

impl Handler<Stats> for StrategyActor {
    type Result = StrategyStats;

    fn handle(&mut self, _: Stats, _: &mut Context<Self>) -> StrategyStats {
        StrategyStats {
            mode: self.mode,
            outcomes: self.bandit.outcomes(),
            restored: self.persistence.as_ref().is_none_or(|p| p.loaded),
        }
    }
}

/// The node's strategy actor for `config`: `None` when the mode is `off`; with `store`, its
/// state is kept there as `node`'s.
pub fn start(
    config: &StrategyConfig,
    metrics: StrategyMetrics,
    store: Option<(Arc<dyn EventStore>, String)>,
) -> Option<Addr<StrategyActor>> {
    if config.mode == StrategyMode::Off {
        return None;
    }
    let mut actor = StrategyActor::new(config, metrics);
    if let Some((store, node)) = store {
        actor = actor.with_store(store, node, config);
    }
    Some(actor.start())
}

#[cfg(test)]
mod tests;
