//! What `mirage simulate` prints: per configuration MTTD, dwell and commands per class, the
//! MTTD distribution and the learning curve by simulated day; the adaptive/static MTTD ratio
//! with its bootstrap interval over seeds.
//!
//! **MTTD** (mean time to discovery) is over detectors only: the virtual seconds from login to
//! the answer that showed a detector its first tell (it leaves then). A detector that finds no
//! tell is *censored* at the session budget: its time counts as the budget, so every MTTD
//! reported here is a lower bound of the true one whenever `never_detected_share > 0`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::attacker::Outcome;
use super::population::Kind;
use super::stats::{mean, quantile, ratio_ci};

/// The outcomes of one seed in both configurations.
#[derive(Debug, Clone)]
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// Outcomes against the static node, in population order.
    pub fixed: Vec<Outcome>,
    /// Outcomes against the adaptive node, in population order.
    pub adaptive: Vec<Outcome>,
}

/// Dwell and commands of one group of sessions.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    /// Sessions.
    pub sessions: usize,
    /// Mean virtual seconds from login to leaving.
    pub dwell_mean: f64,
    /// Mean lines typed.
    pub commands_mean: f64,
}

/// The MTTD distribution.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Distribution {
    /// Quantiles (`p10` … `p90`) of MTTD, censored values included at the budget.
    pub quantiles: BTreeMap<String, f64>,
    /// Detectors per bucket of MTTD (`0-30`, `30-60`, … seconds; `censored`: never detected).
    pub histogram: BTreeMap<String, usize>,
}

/// One simulated day of one configuration, over every seed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Day {
    /// The day (0-based).
    pub day: usize,
    /// Mean detector MTTD (censored at the budget).
    pub mttd_mean: f64,
    /// Share of detectors that found no tell.
    pub never_detected_share: f64,
    /// Mean dwell of every session.
    pub dwell_mean: f64,
    /// Mean reward the strategy layer learned from that day's sessions (`None` without
    /// Layer 3).
    pub reward_mean: Option<f64>,
}

/// The report of one configuration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConfigReport {
    /// Mean detector MTTD in virtual seconds (censored at the budget: a lower bound).
    pub mttd_mean: f64,
    /// Median detector MTTD (censored at the budget).
    pub mttd_p50: f64,
    /// Mean MTTD of the detectors that did detect.
    pub mttd_detected_mean: f64,
    /// Mean lines the detectors that did detect typed up to their tell: discovery counted in
    /// commands instead of seconds, so slower answers alone do not raise it.
    pub detected_commands_mean: f64,
    /// Share of detectors that never detected within the session budget.
    pub never_detected_share: f64,
    /// Mean dwell of every session, virtual seconds.
    pub dwell_mean: f64,
    /// Detectors.
    pub detectors: usize,
    /// Per-seed mean MTTD, in seed order.
    pub mttd_mean_by_seed: Vec<f64>,
    /// The tells detectors left on, with counts.
    pub tells: BTreeMap<String, usize>,
    /// The MTTD distribution.
    pub mttd_distribution: Distribution,
    /// Dwell and commands by kind (`replayed`, `bot`, `detector`).
    pub by_kind: BTreeMap<String, Group>,
    /// Dwell and commands by class (corpus label; `detector` for detectors).
    pub by_class: BTreeMap<String, Group>,
    /// By simulated day: the learning curve (flat for the static node).
    pub learning_curve: Vec<Day>,
    /// The settings sessions of the last simulated day ended with, by kind, with counts
    /// (empty without Layer 3): what the strategy layer settled on.
    pub settings_last_day: BTreeMap<String, BTreeMap<String, usize>>,
}

/// The adaptive/static ratio of mean MTTD.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Ratio {
    /// Adaptive mean MTTD / static mean MTTD (per-seed means averaged first).
    pub mttd_mean: Option<f64>,
    /// Its 95 % confidence interval `[low, high]`.
    pub ci95: Option<[f64; 2]>,
    /// How the interval was computed.
    pub method: String,
    /// Seeds it is over.
    pub seeds: usize,
    /// Adaptive mean dwell of all sessions / static.
    pub dwell_mean: Option<f64>,
}

/// What `mirage simulate --json` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The static node (no Layers 1–4).
    #[serde(rename = "static")]
    pub fixed: ConfigReport,
    /// The adaptive node (models, strategy).
    pub adaptive: ConfigReport,
    /// Adaptive over static.
    pub ratio: Ratio,
    /// How it was run.
    pub run: serde_json::Value,
}

/// Upper edges of the MTTD histogram's buckets, in seconds.
const BUCKETS: &[f64] = &[30.0, 60.0, 120.0, 300.0, 600.0];

fn group<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Group {
    let list: Vec<&Outcome> = outcomes.collect();
    let dwell: Vec<f64> = list.iter().map(|o| o.dwell).collect();
    let commands: Vec<f64> = list.iter().map(|o| o.commands as f64).collect();
    Group {
        sessions: list.len(),
        dwell_mean: mean(&dwell),
        commands_mean: mean(&commands),
    }
}

/// A detector's time to discovery: its dwell if it found a tell, else the budget.
fn mttd(o: &Outcome, budget: f64) -> f64 {
    if o.tell.is_some() { o.dwell } else { budget }
}

fn config(runs: &[&[Outcome]], budget: f64, days: usize) -> ConfigReport {
    let all: Vec<&Outcome> = runs.iter().flat_map(|r| r.iter()).collect();
    let detectors: Vec<&Outcome> = all
        .iter()
        .copied()
        .filter(|o| o.kind == Kind::Detector)
        .collect();
    let times: Vec<f64> = detectors.iter().map(|o| mttd(o, budget)).collect();
    let detected: Vec<f64> = detectors
        .iter()
        .filter(|o| o.tell.is_some())
        .map(|o| o.dwell)
        .collect();
    let detected_commands: Vec<f64> = detectors
        .iter()
        .filter(|o| o.tell.is_some())
        .map(|o| o.commands as f64)
        .collect();
    let never = detectors.len() - detected.len();
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let mut tells = BTreeMap::new();
    for tell in detectors.iter().filter_map(|o| o.tell) {
        *tells.entry(tell.to_owned()).or_insert(0) += 1;
    }
    let mut histogram = BTreeMap::new();
    let mut low = 0.0;
    for &high in BUCKETS.iter().chain(std::iter::once(&f64::INFINITY)) {
        let label = if high.is_finite() {
            format!("{low:03}-{high:03}")
        } else {
            format!("{low:03}+")
        };
        let n = detectors
            .iter()
            .filter(|o| o.tell.is_some() && o.dwell >= low && o.dwell < high)
            .count();
        histogram.insert(label, n);
        low = high;
    }
    histogram.insert("censored".into(), never);
    let quantiles = [
        ("p10", 0.1),
        ("p25", 0.25),
        ("p50", 0.5),
        ("p75", 0.75),
        ("p90", 0.9),
    ]
    .iter()
    .map(|(name, q)| ((*name).to_owned(), quantile(&times, *q)))
    .collect();
    let mut by_kind = BTreeMap::new();
    for kind in [Kind::Replayed, Kind::Bot, Kind::Detector] {
        let g = group(all.iter().copied().filter(|o| o.kind == kind));
        if g.sessions > 0 {
            by_kind.insert(kind.as_str().to_owned(), g);
        }
    }
    let mut classes: Vec<&str> = all.iter().map(|o| o.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    let by_class = classes
        .into_iter()
        .map(|c| {
            (
                c.to_owned(),
                group(all.iter().copied().filter(|o| o.class == c)),
            )
        })
        .collect();
    let learning_curve = (0..days)
        .map(|day| {
            let today: Vec<&Outcome> = all.iter().copied().filter(|o| o.day == day).collect();
            let det: Vec<&Outcome> = today
                .iter()
                .copied()
                .filter(|o| o.kind == Kind::Detector)
                .collect();
            let times: Vec<f64> = det.iter().map(|o| mttd(o, budget)).collect();
            let dwell: Vec<f64> = today.iter().map(|o| o.dwell).collect();
            let rewards: Vec<f64> = today.iter().filter_map(|o| o.reward).collect();
            Day {
                reward_mean: (!rewards.is_empty()).then(|| mean(&rewards)),
                day,
                mttd_mean: mean(&times),
                never_detected_share: share(
                    det.iter().filter(|o| o.tell.is_none()).count(),
                    det.len(),
                ),
                dwell_mean: mean(&dwell),
            }
        })
        .collect();
    let mttd_mean_by_seed = runs
        .iter()
        .map(|r| {
            let times: Vec<f64> = r
                .iter()
                .filter(|o| o.kind == Kind::Detector)
                .map(|o| mttd(o, budget))
                .collect();
            mean(&times)
        })
        .collect();
    let dwell: Vec<f64> = all.iter().map(|o| o.dwell).collect();
    let mut settings_last_day: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for o in all.iter().filter(|o| o.day + 1 == days) {
        if let Some(settings) = &o.settings {
            *settings_last_day
                .entry(o.kind.as_str().to_owned())
                .or_default()
                .entry(settings.clone())
                .or_insert(0) += 1;
        }
    }
    ConfigReport {
        mttd_mean: mean(&times),
        mttd_p50: quantile(&times, 0.5),
        mttd_detected_mean: mean(&detected),
        detected_commands_mean: mean(&detected_commands),
        never_detected_share: share(never, detectors.len()),
        dwell_mean: mean(&dwell),
        detectors: detectors.len(),
        mttd_mean_by_seed,
        tells,
        mttd_distribution: Distribution {
            quantiles,
            histogram,
        },
        by_kind,
        by_class,
        learning_curve,
        settings_last_day,
    }
}

/// The report over `runs` (one per seed), detectors censored at `budget` seconds.
pub fn report(runs: &[SeedRun], budget: f64, days: usize, run: serde_json::Value) -> Report {
    let fixed: Vec<&[Outcome]> = runs.iter().map(|r| r.fixed.as_slice()).collect();
    let adaptive: Vec<&[Outcome]> = runs.iter().map(|r| r.adaptive.as_slice()).collect();
    let fixed = config(&fixed, budget, days);
    let adaptive = config(&adaptive, budget, days);
    let ci = ratio_ci(&adaptive.mttd_mean_by_seed, &fixed.mttd_mean_by_seed);
    let ratio = Ratio {
        mttd_mean: ci.map(|c| c.0),
        ci95: ci.map(|c| [c.1, c.2]),
        method: format!(
            "paired percentile bootstrap over seeds ({} resamples) of mean(adaptive per-seed \
             MTTD) / mean(static per-seed MTTD)",
            super::stats::RESAMPLES
        ),
        seeds: runs.len(),
        dwell_mean: (fixed.dwell_mean > 0.0).then(|| adaptive.dwell_mean / fixed.dwell_mean),
    };
    Report {
        fixed,
        adaptive,
        ratio,
        run,
    }
}

impl Report {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let (s, a) = (&self.fixed, &self.adaptive);
        out.push_str(&format!("{:<34} {:>12} {:>12}\n", "", "static", "adaptive"));
        let row = |out: &mut String, name: &str, x: f64, y: f64| {
            out.push_str(&format!("{name:<34} {x:>12.1} {y:>12.1}\n"));
        };
        row(
            &mut out,
            "MTTD mean (s, censored)",
            s.mttd_mean,
            a.mttd_mean,
        );
        row(&mut out, "MTTD p50 (s)", s.mttd_p50, a.mttd_p50);
        row(
            &mut out,
            "MTTD mean of detected (s)",
            s.mttd_detected_mean,
            a.mttd_detected_mean,
        );
        row(
            &mut out,
            "commands to the tell, detected",
            s.detected_commands_mean,
            a.detected_commands_mean,
        );
        row(
            &mut out,
            "never detected (%)",
            s.never_detected_share * 100.0,
            a.never_detected_share * 100.0,
        );
        row(
            &mut out,
            "dwell mean, all sessions (s)",
            s.dwell_mean,
            a.dwell_mean,
        );
        for (kind, g) in &s.by_kind {
            let other = a.by_kind.get(kind).map_or(0.0, |g| g.dwell_mean);
            row(
                &mut out,
                &format!("dwell mean, {kind} (s)"),
                g.dwell_mean,
                other,
            );
        }
        for (kind, g) in &s.by_kind {
            let other = a.by_kind.get(kind).map_or(0.0, |g| g.commands_mean);
            row(
                &mut out,
                &format!("commands mean, {kind}"),
                g.commands_mean,
                other,
            );
        }
        out.push_str("\ntells detectors left on (static / adaptive):\n");
        let mut names: Vec<&String> = s.tells.keys().chain(a.tells.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            out.push_str(&format!(
                "  {name:<32} {:>12} {:>12}\n",
                s.tells.get(name).unwrap_or(&0),
                a.tells.get(name).unwrap_or(&0)
            ));
        }
        out.push_str(
            "\nlearning curve (day: static MTTD, adaptive MTTD in s; adaptive mean reward):\n",
        );
        for (x, y) in s.learning_curve.iter().zip(&a.learning_curve) {
            let reward = y.reward_mean.map_or("-".to_owned(), |r| format!("{r:.3}"));
            out.push_str(&format!(
                "  day {:<3} {:>10.1} {:>10.1} {:>8}\n",
                x.day, x.mttd_mean, y.mttd_mean, reward
            ));
        }
        match (self.ratio.mttd_mean, self.ratio.ci95) {
            (Some(r), Some([lo, hi])) => out.push_str(&format!(
                "\nMTTD ratio adaptive/static: {r:.2} (95 % CI {lo:.2}–{hi:.2}, {} seeds, {})\n",
                self.ratio.seeds, self.ratio.method
            )),
            _ => out.push_str("\nMTTD ratio adaptive/static: n/a (no detectors)\n"),
        }
        out
    }
}
