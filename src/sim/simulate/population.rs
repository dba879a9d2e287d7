//! Who attacks the simulated node: the attacker draw of one seed.
//!
//! A [`Population`] is drawn once per seed and then played against both configurations, so
//! `static` and `adaptive` see the same attackers in the same order at the same virtual times.
//! Three kinds ([`Kind`]):
//!
//! - **replayed**: a real session of the corpus, typed line by line with its recorded gaps;
//!   it does not react to what it sees;
//! - **bots**: a generative bot of one class: it opens like a real session of that class (its
//!   login and first line) and goes on with commands sampled from the node's trained Markov
//!   model, reacting to answers ([`super::attacker`]);
//! - **detectors**: a fingerprinting kit that runs known honeypot probes and leaves at the
//!   first tell ([`super::detector`]).

use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::models::context::Login;
use crate::models::evaluate::Session;

/// Shortest and longest think time taken from a recording, in seconds.
const GAP_RANGE: (f64, f64) = (0.3, 120.0);

/// The kind of a simulated attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A recorded session typed back.
    Replayed,
    /// A generative bot sampled from the Markov model.
    Bot,
    /// A honeypot detector.
    Detector,
}

impl Kind {
    /// The name reports use (`replayed`, `bot`, `detector`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Replayed => "replayed",
            Kind::Bot => "bot",
            Kind::Detector => "detector",
        }
    }
}

/// How the population is mixed: relative weights of the three kinds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mix {
    /// Weight of replayed sessions.
    pub replayed: f64,
    /// Weight of generative bots.
    pub bots: f64,
    /// Weight of detectors.
    pub detectors: f64,
}

impl Default for Mix {
    /// 40 % replayed, 30 % bots, 30 % detectors.
    fn default() -> Mix {
        Mix {
            replayed: 0.4,
            bots: 0.3,
            detectors: 0.3,
        }
    }
}

impl std::str::FromStr for Mix {
    type Err = String;

    /// `R:B:D`, e.g. `4:3:3` (weights, need not sum to 1).
    fn from_str(s: &str) -> Result<Mix, String> {
        let parts: Vec<f64> = s
            .split(':')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("bad mix {s:?}: want R:B:D, e.g. 4:3:3"))?;
        match parts.as_slice() {
            [r, b, d]
                if [r, b, d].iter().all(|w| w.is_finite() && **w >= 0.0) && r + b + d > 0.0 =>
            {
                Ok(Mix {
                    replayed: *r,
                    bots: *b,
                    detectors: *d,
                })
            }
            _ => Err(format!(
                "bad mix {s:?}: want three non-negative weights R:B:D, not all 0"
            )),
        }
    }
}

/// What a replayed session types: each line with the think time before it.
#[derive(Debug, Clone)]
pub struct Script {
    /// `(think time before the line, line)`.
    pub lines: Vec<(Duration, String)>,
}

/// How a bot opens: like a real session of its class.
#[derive(Debug, Clone)]
pub struct Opening {
    /// The real session's first line.
    pub first: String,
    /// How many commands the bot means to run (the real session's count).
    pub length: usize,
}

/// What an attacker will do.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Types a recording back.
    Replay(Script),
    /// A generative bot.
    Bot(Opening),
    /// A detector; its probes are drawn from its own seed.
    Detector,
}

/// One simulated attacker.
#[derive(Debug, Clone)]
pub struct Attacker {
    /// Its number in the population (fixes its session id).
    pub index: usize,
    /// Its kind.
    pub kind: Kind,
    /// Its class: the corpus label of what it replays or imitates; `detector` for detectors.
    pub class: String,
    /// Its login.
    pub login: Login,
    /// Its day (0-based) and when in that day it connects.
    pub day: usize,
    /// Offset of its connection from the start of its day.
    pub at: Duration,
    /// Its own random seed (its behaviour, the same in both configurations).
    pub seed: u64,
    /// What it will do.
    pub plan: Plan,
}

/// The corpus a population is drawn from: each session with its class.
#[derive(Debug, Default)]
pub struct Corpus {
    /// `(class, session)` for every session with at least one command, in file order.
    all: Vec<(String, Session)>,
}

impl Corpus {
    /// Labels `sessions` (their own label, else the rule labeller's class), dropping empty
    /// ones.
    pub fn new(sessions: Vec<Session>) -> Corpus {
        let all = sessions
            .into_iter()
            .filter(|s| !s.commands.is_empty())
            .map(|session| {
                let class = session.label.clone().unwrap_or_else(|| {
                    let lines: Vec<(Option<f64>, &str)> = session
                        .commands
                        .iter()
                        .map(|l| (l.t, l.input.as_str()))
                        .collect();
                    crate::models::label(&lines).class.as_str().to_owned()
                });
                (class, session)
            })
            .collect();
        Corpus { all }
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// How many sessions it holds.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// A random session (uniform over the corpus, so classes come in their real shares).
    fn pick(&self, rng: &mut StdRng) -> Option<(&str, &Session)> {
        let (class, session) = self.all.choose(rng)?;
        Some((class.as_str(), session))
    }
}

/// The recorded think times of `session`, clamped to [`GAP_RANGE`]; lines without times get a
/// bot-like 0.5–3 s.
fn script(session: &Session, rng: &mut StdRng) -> Script {
    let mut last = 0.0;
    let lines = session
        .commands
        .iter()
        .map(|line| {
            let gap = match line.t {
                Some(t) if t >= last => {
                    let gap = t - last;
                    last = t;
                    gap
                }
                _ => rng.gen_range(0.5..3.0),
            };
            let gap = gap.clamp(GAP_RANGE.0, GAP_RANGE.1);
            (Duration::from_secs_f64(gap), line.input.clone())
        })
        .collect();
    Script { lines }
}

/// Draws `days × per_day` attackers with `mix`, from `corpus`, deterministically from `rng`.
/// Each day's connections are spread over its 24 hours in order.
pub fn draw(
    corpus: &Corpus,
    mix: Mix,
    days: usize,
    per_day: usize,
    rng: &mut StdRng,
) -> Vec<Attacker> {
    let total = mix.replayed + mix.bots + mix.detectors;
    let mut attackers = Vec::with_capacity(days * per_day);
    for day in 0..days {
        let mut offsets: Vec<u64> = (0..per_day).map(|_| rng.gen_range(0..86_400)).collect();
        offsets.sort_unstable();
        for at in offsets {
            let index = attackers.len();
            let seed = rng.r#gen::<u64>();
            let roll = rng.gen_range(0.0..total);
            let kind = if roll < mix.detectors || corpus.is_empty() {
                Kind::Detector
            } else if roll < mix.detectors + mix.bots {
                Kind::Bot
            } else {
                Kind::Replayed
            };
            let at = Duration::from_secs(at);
            let attacker = match (kind, corpus.pick(rng)) {
                (Kind::Detector, _) | (_, None) => Attacker {
                    index,
                    kind: Kind::Detector,
                    class: "detector".into(),
                    login: Login {
                        client: Some("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6".into()),
                        username: Some("root".into()),
                        password: Some(["123456", "root", "admin", "password"][index % 4].into()),
                    },
                    day,
                    at,
                    seed,
                    plan: Plan::Detector,
                },
                (kind, Some((class, session))) => Attacker {
                    index,
                    kind,
                    class: class.to_owned(),
                    login: session.login(),
                    day,
                    at,
                    seed,
                    plan: if kind == Kind::Bot {
                        Plan::Bot(Opening {
                            first: session.commands[0].input.clone(),
                            length: session.commands.len(),
                        })
                    } else {
                        Plan::Replay(script(session, rng))
                    },
                },
            };
            attackers.push(attacker);
        }
    }
    attackers
}
