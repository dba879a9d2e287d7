//! Layer 3's learner: a contextual multi-armed bandit over discrete settings.
//!
//! Factorised Thompson sampling. A choice has several *dimensions* (the five of
//! [`Deception`](super::strategy::Deception)), each with a few *options*; every option of every
//! dimension keeps, per context, how often it was chosen and the reward it earned (rewards lie
//! in 0..=1, see [`super::reward`]). Choosing draws one value from each option's posterior and
//! takes the best draw, dimension by dimension, so the dimensions are learned independently
//! (5 × 3 options instead of 162 combinations: far fewer sessions to learn from).
//!
//! Contexts are an attacker class and an attack phase (`unknown` before either is known).
//! Statistics are kept at three levels: the exact context (`class/phase`), the class alone
//! (`class/*`) and everything (`*`). An option's posterior in a context starts from the pooled
//! level above it, lending at most [`PRIOR_WEIGHT`] observations' worth of belief, so a
//! context never seen borrows what its class (or, failing that, every session) taught, and its
//! own outcomes take over as they come in.
//!
//! The posterior of an option is a Beta distribution over its mean reward, drawn from through
//! its normal approximation (mean and variance of the Beta): exact enough to rank a handful of
//! options and needs no special functions.
//!
//! Exploration is bounded ([`Exploration`]): a draw that picks another option than the
//! best-looking one (the *greedy* option) is exploratory, and once the recent share of
//! exploratory choices in a dimension reaches `max_share` the greedy option is taken instead.
//! A floor (`floor`) keeps some uniform exploration forever, so a changed attacker
//! population is noticed.
//!
//! Pure and deterministic: the caller passes the random number generator, and the state
//! ([`Bandit`]) serialises to JSON with a version number ([`VERSION`]).

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The version of the serialised state; a stored state of another version is not loaded.
pub const VERSION: u32 = 1;

/// Most observations' worth of belief a pooled level lends to the level below it.
pub const PRIOR_WEIGHT: f64 = 5.0;

/// How fast the recent exploration share forgets: each choice weighs this much less than the
/// next, so the share is over roughly the last `1 / (1 - DECAY)` = 200 choices.
pub const DECAY: f64 = 0.995;

/// The key of the level that pools every context.
const GLOBAL: &str = "*";

/// The name of a class or phase not known yet.
pub const UNKNOWN: &str = "unknown";

/// What a choice is made for: an attacker class and an attack phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context<'a> {
    /// The attacker class (`malware_dropper`), or [`UNKNOWN`].
    pub class: &'a str,
    /// The attack phase (`recon`), or [`UNKNOWN`].
    pub phase: &'a str,
}

impl<'a> Context<'a> {
    /// The context of `class` and `phase`, [`UNKNOWN`] where `None`.
    pub fn new(class: Option<&'a str>, phase: Option<&'a str>) -> Context<'a> {
        Context {
            class: class.unwrap_or(UNKNOWN),
            phase: phase.unwrap_or(UNKNOWN),
        }
    }

    /// The keys of the three levels, most specific first.
    fn keys(&self) -> [String; 3] {
        [
            format!("{}/{}", self.class, self.phase),
            format!("{}/*", self.class),
            GLOBAL.to_owned(),
        ]
    }
}

/// How much the bandit may explore.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exploration {
    /// Most share (0..=1) of recent choices in a dimension that may differ from the greedy
    /// option.
    pub max_share: f64,
    /// Chance (0..=max_share) that a dimension is chosen uniformly at random, whatever the
    /// statistics say.
    pub floor: f64,
}

impl Default for Exploration {
    fn default() -> Self {
        Exploration {
            max_share: 0.2,
            floor: 0.02,
        }
    }
}

/// One option's statistics at one level.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Arm {
    /// How often it was chosen and its outcome learned.
    pub pulls: f64,
    /// The sum of the rewards it earned.
    pub reward: f64,
}

/// A belief about an option's mean reward: its mean and how many observations it is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Belief {
    mean: f64,
    weight: f64,
}

impl Belief {
    /// What a level knowing nothing believes: a uniform Beta(1, 1).
    const UNINFORMED: Belief = Belief {
        mean: 0.5,
        weight: 2.0,
    };

    /// This belief as a prior for `arm`: at most [`PRIOR_WEIGHT`] observations' worth, then
    /// the arm's own observations.
    fn update(self, arm: &Arm) -> Belief {
        let prior = self.weight.min(PRIOR_WEIGHT);
        let weight = prior + arm.pulls;
        Belief {
            mean: (self.mean * prior + arm.reward) / weight,
            weight,
        }
    }

    /// One draw from the (normal approximation of the) Beta posterior.
    fn sample(self, rng: &mut impl Rng) -> f64 {
        let sd = (self.mean * (1.0 - self.mean) / (self.weight + 1.0))
            .max(0.0)
            .sqrt();
        self.mean + sd * standard_normal(rng)
    }
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.r#gen::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The recent share of exploratory choices in one dimension (decayed counts).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Share {
    /// Choices made, decayed by [`DECAY`] per choice.
    pub choices: f64,
    /// Of which exploratory, decayed the same way.
    pub explored: f64,
}

impl Share {
    /// The share of exploratory choices (0 before any).
    pub fn ratio(&self) -> f64 {
        if self.choices > 0.0 {
            self.explored / self.choices
        } else {
            0.0
        }
    }
}

/// Why a stored state was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum BanditError {
    /// Not JSON of a bandit state.
    #[error("not a bandit state")]
    Decode(#[source] serde_json::Error),
    /// Written by another version of the format.
    #[error("bandit state version {found}, expected {VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
    /// Its dimensions or options differ from this bandit's.
    #[error("bandit state has options {found:?}, expected {expected:?}")]
    Shape {
        /// Options per dimension in the state.
        found: Vec<usize>,
        /// Options per dimension expected.
        expected: Vec<usize>,
    },
}

/// The learner's state: statistics per level and option, and the exploration shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bandit {
    /// [`VERSION`].
    version: u32,
    /// Options per dimension.
    options: Vec<usize>,
    /// Per level key (`class/phase`, `class/*`, `*`): per dimension, per option.
    levels: BTreeMap<String, Vec<Vec<Arm>>>,
    /// Per dimension: the recent exploration share.
    shares: Vec<Share>,
    /// Outcomes learned from.
    outcomes: u64,
    /// The exploration bound (configuration, not state).
    #[serde(skip)]
    exploration: Exploration,
}

impl Bandit {
    /// A bandit that knows nothing, choosing among `options[d]` options in dimension `d`.
    pub fn new(options: Vec<usize>, exploration: Exploration) -> Bandit {
        let shares = vec![Share::default(); options.len()];
        Bandit {
            version: VERSION,
            options,
            levels: BTreeMap::new(),
            shares,
            outcomes: 0,
            exploration,
        }
    }

    /// A stored state (see [`Bandit::to_json`]) for a bandit with these `options`, exploring
    /// within `exploration`.
    pub fn from_json(
        text: &str,
        options: &[usize],
        exploration: Exploration,
    ) -> Result<Bandit, BanditError> {
        let mut bandit: Bandit = serde_json::from_str(text).map_err(BanditError::Decode)?;
        if bandit.version != VERSION {
            return Err(BanditError::Version {
                found: bandit.version,
            });
        }
        let well_formed = bandit.shares.len() == options.len()
            && bandit.levels.values().all(|dims| {
                dims.len() == options.len()
                    && dims.iter().zip(options).all(|(arms, &n)| arms.len() == n)
            });
        if bandit.options != options || !well_formed {
            return Err(BanditError::Shape {
                found: bandit.options,
                expected: options.to_vec(),
            });
        }
        bandit.exploration = exploration;
        Ok(bandit)
    }

    /// The state as JSON.
    pub fn to_json(&self) -> String {
        // Invariant: the state is maps, vectors and finite numbers, which always serialise.
        serde_json::to_string(self).expect("bandit state serialises")
    }

    /// How many outcomes it learned from.
    pub fn outcomes(&self) -> u64 {
        self.outcomes
    }

    /// The recent share of exploratory choices in dimension `dimension`.
    pub fn exploration_share(&self, dimension: usize) -> f64 {
        self.shares.get(dimension).map_or(0.0, Share::ratio)
    }

    /// The options per dimension.
    pub fn options(&self) -> &[usize] {
        &self.options
    }

    /// The belief about each option of `dimension` in `context`, pooled from the levels above.
    fn beliefs(&self, context: &Context<'_>, dimension: usize) -> Vec<Belief> {
        let [exact, class, global] = context.keys();
        let n = self.options[dimension];
        let empty = Arm::default();
        let arm = |key: &str, option: usize| {
            self.levels
                .get(key)
                .and_then(|dims| dims.get(dimension))
                .and_then(|arms| arms.get(option))
                .unwrap_or(&empty)
        };
        (0..n)
            .map(|option| {
                Belief::UNINFORMED
                    .update(arm(&global, option))
                    .update(arm(&class, option))
                    .update(arm(&exact, option))
            })
            .collect()
    }

    /// The option with the best mean belief in each dimension (the lowest on ties).
    pub fn greedy(&self, context: &Context<'_>) -> Vec<usize> {
        (0..self.options.len())
            .map(|d| {
                best(
                    &self
                        .beliefs(context, d)
                        .iter()
                        .map(|b| b.mean)
                        .collect::<Vec<_>>(),
                )
            })
            .collect()
    }

    /// Chooses one option per dimension for `context`: a Thompson draw, a uniform draw with
    /// chance `floor`, and the greedy option once the dimension's exploration share is spent.
    pub fn choose(&mut self, context: &Context<'_>, rng: &mut impl Rng) -> Vec<usize> {
        let mut chosen = Vec::with_capacity(self.options.len());
        for d in 0..self.options.len() {
            let beliefs = self.beliefs(context, d);
            let greedy = best(&beliefs.iter().map(|b| b.mean).collect::<Vec<_>>());
            let draw = if rng.r#gen::<f64>() < self.exploration.floor {
                rng.gen_range(0..self.options[d].max(1))
            } else {
                let draws: Vec<f64> = beliefs.iter().map(|b| b.sample(rng)).collect();
                best(&draws)
            };
            let share = &mut self.shares[d];
            let pick = if draw != greedy && share.ratio() >= self.exploration.max_share {
                greedy
            } else {
                draw
            };
            share.choices = share.choices * DECAY + 1.0;
            share.explored = share.explored * DECAY + if pick != greedy { 1.0 } else { 0.0 };
            chosen.push(pick);
        }
        chosen
    }

    /// Learns that `chosen` (one option per dimension) earned `reward` (clamped to 0..=1) in
    /// `context`: one outcome. A choice of the wrong length or with an option out of range
    /// is ignored.
    pub fn learn(&mut self, context: &Context<'_>, chosen: &[usize], reward: f64) {
        if self.update(context, chosen, reward) {
            self.outcomes += 1;
        }
    }

    /// Learns one outcome that several choices (a session's, as its class and phase became
    /// known) earned together: each learns `reward`, and the outcome counts once.
    pub fn learn_all<'a>(
        &mut self,
        choices: impl IntoIterator<Item = (Context<'a>, Vec<usize>)>,
        reward: f64,
    ) {
        let mut any = false;
        for (context, chosen) in choices {
            any |= self.update(&context, &chosen, reward);
        }
        if any {
            self.outcomes += 1;
        }
    }

    /// Adds one observation of `reward` for `chosen` in `context` at every level; `false`
    /// when the choice does not fit this bandit.
    fn update(&mut self, context: &Context<'_>, chosen: &[usize], reward: f64) -> bool {
        if chosen.len() != self.options.len()
            || chosen.iter().zip(&self.options).any(|(&c, &n)| c >= n)
        {
            return false;
        }
        let reward = if reward.is_finite() {
            reward.clamp(0.0, 1.0)
        } else {
            0.0
        };
        for key in context.keys() {
            let options = &self.options;
            let dims = self
                .levels
                .entry(key)
                .or_insert_with(|| options.iter().map(|&n| vec![Arm::default(); n]).collect());
            for (arms, &c) in dims.iter_mut().zip(chosen) {
                arms[c].pulls += 1.0;
                arms[c].reward += reward;
            }
        }
        true
    }

    /// Adds what `other` (a bandit of the same shape) learned to this one: how a state
    /// learned in memory while the store was down joins the stored one.
    pub fn merge(&mut self, other: &Bandit) {
        if other.options != self.options {
            return;
        }
        for (key, dims) in &other.levels {
            let options = &self.options;
            let mine = self
                .levels
                .entry(key.clone())
                .or_insert_with(|| options.iter().map(|&n| vec![Arm::default(); n]).collect());
            for (arms, theirs) in mine.iter_mut().zip(dims) {
                for (arm, their) in arms.iter_mut().zip(theirs) {
                    arm.pulls += their.pulls;
                    arm.reward += their.reward;
                }
            }
        }
        for (share, theirs) in self.shares.iter_mut().zip(&other.shares) {
            share.choices += theirs.choices;
            share.explored += theirs.explored;
        }
        self.outcomes += other.outcomes;
    }
}

/// The index of the largest value (the first on ties; NaN never wins).
fn best(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] || values[best].is_nan() {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests;
