//! The PersonaActor (Layer 4): one per node, started only when `persona.enabled`. Sessions ask
//! it what the commands they do not emulate print; it answers from the shared cache, or asks
//! the configured model within the budgets, sanitizes the answer and caches it. Requests run
//! concurrently: a slow model delays only the session that asked.

use std::net::IpAddr;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

use crate::config::PersonaConfig;
use crate::host::HostProfile;
use crate::persona::budget::{Budgets, Exhausted, Limits};
use crate::persona::cache::{AnswerCache, CacheKey};
use crate::persona::client::{Client, ClientError};
use crate::persona::metrics::PersonaMetrics;
use crate::persona::prompt::{HostFacts, PromptInput, Style, messages};
use crate::persona::sanitize::sanitize;

/// The most commands of one line the persona is asked about; the rest get `command not found`.
pub const MAX_COMMANDS_PER_LINE: usize = 4;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The model answered now.
    Model,
    /// An earlier answer, from the cache.
    Cache,
    /// No answer: the shell's `command not found` stands.
    Fallback,
}

impl Source {
    /// The name in `mirage.persona` events.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Model => "model",
            Source::Cache => "cache",
            Source::Fallback => "fallback",
        }
    }
}

/// The persona's answer for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The command asked about.
    pub command: String,
    /// What it prints (`None`: fall back to `command not found`).
    pub answer: Option<String>,
    /// Where the answer came from.
    pub source: Source,
    /// Why it fell back (`timeout`, `error`, `rejected`, `budget`); empty otherwise.
    pub reason: &'static str,
}

/// What a session asks: the commands of one line its shell would not find.
#[derive(Message)]
#[rtype(result = "Vec<Reply>")]
pub struct Ask {
    /// The asking session (for its budget).
    pub session: String,
    /// The attacker's address (for its budget).
    pub ip: IpAddr,
    /// The session clock's time (for the day windows).
    pub now: DateTime<Utc>,
    /// User, cwd and recent history.
    pub input: PromptInput,
    /// The commands, each its words joined with spaces, without repeats.
    pub commands: Vec<String>,
}

/// The node's persona.
pub struct PersonaActor {
    client: Client,
    host: HostFacts,
    style: Style,
    max_output_bytes: usize,
    history_lines: usize,
    cache: AnswerCache,
    budgets: Budgets,
    metrics: PersonaMetrics,
}

impl PersonaActor {
    /// The persona `config` describes for the fake `host`; `key` is the API key, if any.
    pub fn new(
        config: &PersonaConfig,
        key: Option<String>,
        host: &HostProfile,
        metrics: PersonaMetrics,
    ) -> Result<PersonaActor, ClientError> {
        let client = Client::new(
            &config.base_url,
            &config.model,
            key,
            Duration::from_millis(config.timeout_ms),
        )?;
        Ok(PersonaActor {
            client,
            host: HostFacts::of(host),
            style: Style::parse(&config.style),
            max_output_bytes: usize::try_from(config.max_output_bytes).unwrap_or(usize::MAX),
            history_lines: usize::try_from(config.history_lines).unwrap_or(usize::MAX),
            cache: AnswerCache::new(usize::try_from(config.cache_entries).unwrap_or(usize::MAX)),
            budgets: Budgets::new(Limits {
                session_calls: config.session_calls,
                ip_calls: config.ip_calls_per_day,
                ip_tokens: config.ip_tokens_per_day,
                global_calls: config.global_calls_per_day,
                global_tokens: config.global_tokens_per_day,
            }),
            metrics,
        })
    }

    fn fallback(&self, command: String, reason: &'static str) -> Reply {
        self.metrics.fallbacks_total.inc();
        Reply {
            command,
            answer: None,
            source: Source::Fallback,
            reason,
        }
    }
}

/// Starts the node's persona under a supervisor; the API key comes from the config or its
/// environment variable.
pub fn start(
    config: &PersonaConfig,
    host: &HostProfile,
    metrics: &crate::metrics::Metrics,
) -> Result<Addr<PersonaActor>, ClientError> {
    let key = config.key(|name| std::env::var(name).ok());
    let actor = PersonaActor::new(config, key, host, metrics.persona.clone())?;
    Ok(Supervisor::start(move |_| actor))
}

impl Actor for PersonaActor {
    type Context = Context<Self>;
}

impl Supervised for PersonaActor {}

impl Handler<Ask> for PersonaActor {
    type Result = ResponseActFuture<Self, Vec<Reply>>;

    fn handle(&mut self, mut msg: Ask, _: &mut Context<Self>) -> Self::Result {
        let skip = msg.input.history.len().saturating_sub(self.history_lines);
        msg.input.history.drain(..skip);
        let mut replies: Vec<Option<Reply>> = Vec::with_capacity(msg.commands.len());
        let mut asks = Vec::new();
        for (index, command) in msg.commands.into_iter().enumerate() {
            let key = CacheKey::new(&self.host.id, &msg.input.cwd, &command);
            if let Some(answer) = self.cache.get(&key) {
                self.metrics.cache_hits_total.inc();
                replies.push(Some(Reply {
                    command,
                    answer: Some(answer),
                    source: Source::Cache,
                    reason: "",
                }));
                continue;
            }
            if index >= MAX_COMMANDS_PER_LINE {
                replies.push(Some(self.fallback(command, "budget")));
                continue;
            }
            match self.budgets.take_call(&msg.session, msg.ip, msg.now) {
                Err(exhausted) => {
                    tracing::debug!(session = %msg.session, ?exhausted, "Persona budget spent.");
                    let _: Exhausted = exhausted;
                    self.metrics
                        .calls_total
                        .with_label_values(&["budget"])
                        .inc();
                    replies.push(Some(self.fallback(command, "budget")));
                }
                Ok(()) => {
                    let prompt = messages(&self.host, self.style, &msg.input, &command);
                    replies.push(None);
                    asks.push((index, key, command, prompt));
                }
            }
        }
        let client = self.client.clone();
        let requests = futures::future::join_all(asks.into_iter().map(
            move |(index, key, command, prompt)| {
                let client = client.clone();
                async move {
                    let result = client.complete(&prompt).await;
                    (index, key, command, result)
                }
            },
        ));
        let (ip, now) = (msg.ip, msg.now);
        Box::pin(requests.into_actor(self).map(move |results, act, _| {
            for (index, key, command, result) in results {
                let reply = match result {
                    Ok(completion) => {
                        act.metrics.tokens_total.inc_by(completion.tokens);
                        act.budgets.charge_tokens(ip, completion.tokens, now);
                        match sanitize(&completion.text, &command, act.max_output_bytes) {
                            Some(answer) => {
                                act.metrics.calls_total.with_label_values(&["ok"]).inc();
                                act.cache.insert(key, answer.clone());
                                Reply {
                                    command,
                                    answer: Some(answer),
                                    source: Source::Model,
                                    reason: "",
                                }
                            }
                            None => {
                                act.metrics
                                    .calls_total
                                    .with_label_values(&["rejected"])
                                    .inc();
                                act.fallback(command, "rejected")
                            }
                        }
                    }
                    Err(err) => {
                        tracing::debug!(error = %err, "Persona model call failed; falling back.");
                        act.metrics
                            .calls_total
                            .with_label_values(&[err.label()])
                            .inc();
                        act.fallback(command, err.label())
                    }
                };
                if let Some(slot) = replies.get_mut(index) {
                    *slot = Some(reply);
                }
            }
            replies.into_iter().flatten().collect()
        }))
    }
}
