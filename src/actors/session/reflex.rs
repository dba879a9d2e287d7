//! The session side of the Layer 0 reflexes ([`crate::models::reflex`]).
//!
//! [`Reflexes`] is the node's: the compiled rules and the token buckets every session shares,
//! saved to `<data_dir>/reflex/buckets.json`. Each session keeps its own [`SessionReflex`]:
//! its tags, its jitter generator (seeded by the session id, so a replay draws the same
//! delays) and its output pacer.
//!
//! A line is judged before the shell runs it ([`SessionActor::reflex_line`]); what the line
//! did (downloads, honeytoken reads, unknown commands) is judged after it
//! ([`SessionActor::reflex_after`]). Every action taken is a `mirage.reflex` event.
//!
//! Latency and tarpits follow the session's clock. On the system clock, output passes through
//! the pacer ([`SessionActor::reflex_pace`]): held until the latency is over, dribbled at the
//! tarpit's rate, always in order (the transport's output channel is never written around
//! it). On a replay's virtual clock the clock moves on by the same time instead and the
//! output goes at once, so replays stay instant and deterministic.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::{Output, SessionActor, TransportOutput};
use crate::events::{EventKind, HoneytokenRef};
use crate::models::reflex::{Buckets, Occurrence, Rules, SessionRng, Subject, Trigger, Verdict};
use crate::shell::LineOutcome;

/// Most output bytes the pacer holds for one session; past it the session is cut off as a
/// client that stopped reading is.
const MAX_QUEUED_BYTES: usize = 1 << 20;
/// The exit status a dropped session's channel reports (what sshd reports when the shell is
/// killed).
const DROP_STATUS: i32 = 255;
/// A flush this late is taken as lost (its timer died with a restarted actor): schedule again.
const STALE_FLUSH: Duration = Duration::from_secs(2);
/// How often a live node saves the buckets.
pub const SAVE_EVERY: Duration = Duration::from_secs(30);
/// How often the tarpit sends a piece of output: ten pieces a second at most.
const TARPIT_TICKS_PER_SECOND: u32 = 10;

/// The node's reflexes: rules and the token buckets all sessions share.
pub struct Reflexes {
    /// Shared, not cloned, between replays: a clone of a compiled regex starts with empty
    /// search caches, which its first lines then fill again (most of the rules' cost).
    rules: Arc<Rules>,
    buckets: Mutex<Buckets>,
    /// Where the buckets are saved (`None`: in memory only, as in replays).
    path: Option<PathBuf>,
}

impl Reflexes {
    /// Reflexes running `rules`, with the buckets saved in `path` (loaded if it exists; a
    /// damaged or unreadable file is logged and the buckets start fresh).
    pub fn new(rules: Rules, path: Option<PathBuf>) -> Reflexes {
        Reflexes::sharing(Arc::new(rules), path)
    }

    /// [`Reflexes::new`] with rules other reflexes use too.
    fn sharing(rules: Arc<Rules>, path: Option<PathBuf>) -> Reflexes {
        let buckets = match path.as_ref().map(|p| (p, std::fs::read(p))) {
            Some((p, Ok(bytes))) => Buckets::from_json(&bytes).unwrap_or_else(|reason| {
                tracing::warn!(path = %p.display(), %reason, "Reflex buckets unreadable; starting fresh.");
                Buckets::new()
            }),
            Some((p, Err(err))) if err.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %p.display(), error = %err, "Cannot read the reflex buckets; starting fresh.");
                Buckets::new()
            }
            _ => Buckets::new(),
        };
        Reflexes {
            rules,
            buckets: Mutex::new(buckets),
            path,
        }
    }

    /// The rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The built-in rules with fresh buckets kept in memory: what each replayed scenario
    /// gets, so replays never see each other's rates. `None` if the built-in rules do not
    /// compile (a test of `assets/reflex/default.toml` makes sure they do).
    pub fn for_replay() -> Option<Arc<Reflexes>> {
        static RULES: OnceLock<Option<Arc<Rules>>> = OnceLock::new();
        let rules = RULES
            .get_or_init(|| Rules::builtin().ok().map(Arc::new))
            .clone()?;
        Some(Arc::new(Reflexes::sharing(rules, None)))
    }

    /// Saves the buckets every [`SAVE_EVERY`] on the current actix arbiter, for as long as
    /// the system runs (the node saves once more at shutdown).
    pub fn save_periodically(reflexes: Arc<Reflexes>) {
        actix_rt::spawn(async move {
            let mut tick = tokio::time::interval(SAVE_EVERY);
            loop {
                tick.tick().await;
                reflexes.save_if_dirty();
            }
        });
    }

    fn judge(
        &self,
        what: Occurrence<'_>,
        who: &Subject<'_>,
        now: chrono::DateTime<chrono::Utc>,
        rng: &mut SessionRng,
    ) -> Verdict {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        self.rules.evaluate(what, who, now, &mut buckets, rng)
    }

    /// Judges a refused login (`credential` is `user:password`) from `ip` before any session
    /// exists: its rate rules count per address and per credential like a session's. The
    /// caller carries out the verdict (its events, latency, drop).
    pub fn judge_login_failed(
        &self,
        ip: std::net::IpAddr,
        credential: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Verdict {
        let tags = BTreeSet::new();
        let who = Subject {
            ip,
            credential,
            tags: &tags,
        };
        let mut rng = SessionRng::from_text(credential);
        self.judge(
            Occurrence::Event(Trigger::LoginFailed, credential),
            &who,
            now,
            &mut rng,
        )
    }

    /// Writes the buckets (atomically: a temporary file renamed over the old one) if they
    /// changed since the last write. Errors are logged: the buckets still work in memory.
    pub fn save_if_dirty(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let bytes = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            if !buckets.take_dirty() {
                return;
            }
            buckets.to_json()
        };
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, &bytes)?;
                std::fs::rename(&tmp, path)
            });
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), error = %err, "Cannot save the reflex buckets.");
        }
    }
}

/// One session's reflex state.
pub(super) struct SessionReflex {
    /// The login's password, for the credential the buckets count.
    password: Option<String>,
    rng: SessionRng,
    tags: BTreeSet<String>,
    /// Whether the login was judged (at the first line).
    login_judged: bool,
    /// The tarpit's rate, once one fired: for the rest of the session.
    tarpit: Option<u32>,
    /// Output waits until then (system clock only).
    hold_until: Option<Instant>,
    /// Output waiting for the pacer, in order, with the channel it goes to.
    queue: VecDeque<(Output, TransportOutput)>,
    queued_bytes: usize,
    /// When the next flush is due, if one is scheduled.
    flush_due: Option<Instant>,
}

impl SessionReflex {
    /// The reflex state of session `session` (its id seeds the jitter), which logged in with
    /// `password` when known.
    pub(super) fn new(session: &str, password: Option<String>) -> SessionReflex {
        SessionReflex {
            password,
            rng: SessionRng::from_text(session),
            tags: BTreeSet::new(),
            login_judged: false,
            tarpit: None,
            hold_until: None,
            queue: VecDeque::new(),
            queued_bytes: 0,
            flush_due: None,
        }
    }
}

fn data_len(item: &TransportOutput) -> usize {
    match item {
        TransportOutput::Data(bytes) => bytes.len(),
        TransportOutput::Exit(_) => 0,
    }
}

impl SessionActor {
    /// The credential the session's buckets count against: `user:password` of its login
    /// (`user:` when the login told no password, as for HTTP sessions).
    fn credential(&self) -> String {
        match &self.reflex.password {
            Some(password) => format!("{}:{password}", self.checkpoint.user),
            None => format!("{}:", self.checkpoint.user),
        }
    }

    /// Judges `what` and carries out the verdict's events, tags, latency and tarpit; returns
    /// the verdict for the caller's canned answer or drop.
    fn reflex_judge(&mut self, what: Occurrence<'_>) -> Option<Verdict> {
        let reflexes = self.deps.reflex.clone()?;
        let credential = self.credential();
        let who = Subject {
            ip: self.origin.src.ip(),
            credential: &credential,
            tags: &self.reflex.tags,
        };
        let verdict = reflexes.judge(what, &who, self.deps.clock.now(), &mut self.reflex.rng);
        if verdict.is_empty() {
            return None;
        }
        self.reflex.tags.extend(verdict.tags.iter().cloned());
        let tags = (!self.reflex.tags.is_empty()).then(|| {
            let list: Vec<&str> = self.reflex.tags.iter().map(String::as_str).collect();
            format!(" (session tags: {})", list.join(", "))
        });
        for fired in &verdict.fired {
            self.emit(EventKind::Reflex {
                rule: fired.rule.clone(),
                action: fired.action.clone(),
                detail: format!("{}{}", fired.detail, tags.as_deref().unwrap_or("")),
            });
        }
        self.hold_output(verdict.latency);
        if let Some(rate) = verdict.tarpit {
            self.reflex.tarpit = Some(self.reflex.tarpit.map_or(rate, |r| r.min(rate)));
        }
        Some(verdict)
    }

    /// Holds the session's next output for `by` more: on a virtual clock the clock moves on
    /// instead (no real time passes); on the system clock the pacer keeps the output back.
    pub(super) fn hold_output(&mut self, by: Duration) {
        if by.is_zero() {
            return;
        }
        if self.deps.clock.is_virtual() {
            self.deps.clock.advance(by);
        } else {
            let now = Instant::now();
            let from = self.reflex.hold_until.filter(|t| *t > now).unwrap_or(now);
            self.reflex.hold_until = Some(from + by);
        }
    }

    /// Judges an input line before the shell runs it. `Some` is the line's outcome when a
    /// rule answered it (canned output) or dropped the session; the shell then does not run
    /// it. The session's login is judged with its first line.
    pub(super) fn reflex_line(&mut self, line: &str, interactive: bool) -> Option<LineOutcome> {
        self.deps.reflex.as_ref()?;
        let mut answer = None;
        let mut drop = false;
        if !self.reflex.login_judged {
            self.reflex.login_judged = true;
            let credential = self.credential();
            if let Some(verdict) =
                self.reflex_judge(Occurrence::Event(Trigger::LoginSucceeded, &credential))
            {
                drop |= verdict.drop;
            }
        }
        if !line.trim().is_empty()
            && let Some(verdict) = self.reflex_judge(Occurrence::Line(line))
        {
            drop |= verdict.drop;
            answer = verdict.canned;
        }
        if answer.is_none() && !drop {
            return None;
        }
        let (output, mut status) =
            answer.map_or((Vec::new(), 0), |c| (c.output.into_bytes(), c.status));
        if drop {
            status = DROP_STATUS;
            // Not a typed `exit`: no `logout` line.
            self.state.exit_notice = false;
        } else if interactive {
            self.state.last_status = status;
        }
        Some(LineOutcome {
            output,
            status,
            exit: drop,
            unknown_commands: Vec::new(),
            events: Vec::new(),
            incomplete: false,
        })
    }

    /// Judges what a line did: the honeytokens it read, its downloads and its unknown
    /// commands. A drop ends the session after the line's output.
    pub(super) fn reflex_after(&mut self, tokens: &[HoneytokenRef], outcome: &mut LineOutcome) {
        if self.deps.reflex.is_none() {
            return;
        }
        let mut subjects: Vec<(Trigger, String)> = tokens
            .iter()
            .map(|t| (Trigger::HoneytokenRead, t.token.clone()))
            .collect();
        for event in &outcome.events {
            if let EventKind::FileDownload { url, .. } = event {
                subjects.push((Trigger::Download, url.clone()));
            }
        }
        for command in &outcome.unknown_commands {
            subjects.push((Trigger::CommandFailed, command.clone()));
        }
        for (trigger, subject) in subjects {
            if let Some(verdict) = self.reflex_judge(Occurrence::Event(trigger, &subject))
                && verdict.drop
            {
                outcome.exit = true;
                outcome.status = DROP_STATUS;
                self.state.exit_notice = false;
            }
        }
    }

    /// Passes `item` through the pacer: `Some` when it may go out now, `None` when the pacer
    /// keeps it for later (latency or tarpit in force, or output already waiting).
    pub(super) fn reflex_pace(
        &mut self,
        out: &Output,
        item: TransportOutput,
        ctx: &mut Context<Self>,
    ) -> Option<TransportOutput> {
        if self.deps.clock.is_virtual() {
            // Virtual time: the dribble takes its time on the clock, none for real.
            if let (Some(rate), TransportOutput::Data(bytes)) = (self.reflex.tarpit, &item) {
                let secs = bytes.len() as f64 / f64::from(rate);
                self.deps.clock.advance(Duration::from_secs_f64(secs));
            }
            return Some(item);
        }
        let now = Instant::now();
        let holding = self.reflex.hold_until.is_some_and(|t| t > now);
        if !holding && self.reflex.tarpit.is_none() && self.reflex.queue.is_empty() {
            return Some(item);
        }
        let len = data_len(&item);
        if self.reflex.queued_bytes.saturating_add(len) > MAX_QUEUED_BYTES {
            tracing::debug!(session = %self.origin.session, "Paced output over its cap; cutting the session off.");
            self.reflex.queue.clear();
            self.reflex.queued_bytes = 0;
            self.shell_out = None;
            return None;
        }
        self.reflex.queued_bytes += len;
        self.reflex.queue.push_back((out.clone(), item));
        let lost = self
            .reflex
            .flush_due
            .is_none_or(|due| due + STALE_FLUSH < now);
        if lost {
            let at = self.reflex.hold_until.filter(|t| *t > now).unwrap_or(now);
            self.schedule_flush(at, ctx);
        }
        None
    }

    fn schedule_flush(&mut self, at: Instant, ctx: &mut Context<Self>) {
        self.reflex.flush_due = Some(at);
        ctx.run_later(at.saturating_duration_since(Instant::now()), |act, ctx| {
            act.reflex_flush(ctx);
        });
    }

    /// Sends what the pacer holds: everything once the latency is over, or one tarpit piece
    /// and then again after the time that piece takes at the tarpit's rate.
    fn reflex_flush(&mut self, ctx: &mut Context<Self>) {
        self.reflex.flush_due = None;
        loop {
            let now = Instant::now();
            if let Some(until) = self.reflex.hold_until.filter(|t| *t > now) {
                self.schedule_flush(until, ctx);
                return;
            }
            let Some((out, item)) = self.reflex.queue.pop_front() else {
                return;
            };
            match (item, self.reflex.tarpit) {
                (TransportOutput::Data(mut bytes), Some(rate)) => {
                    let piece = (rate / TARPIT_TICKS_PER_SECOND).max(1) as usize;
                    if bytes.len() > piece {
                        let rest = bytes.split_off(piece);
                        self.reflex
                            .queue
                            .push_front((out.clone(), TransportOutput::Data(rest)));
                    }
                    self.reflex.queued_bytes = self.reflex.queued_bytes.saturating_sub(bytes.len());
                    let takes = Duration::from_secs_f64(bytes.len() as f64 / f64::from(rate));
                    self.send_now(&out, TransportOutput::Data(bytes), ctx);
                    if !self.reflex.queue.is_empty() {
                        self.schedule_flush(now + takes, ctx);
                    }
                    return;
                }
                (item, _) => {
                    self.reflex.queued_bytes =
                        self.reflex.queued_bytes.saturating_sub(data_len(&item));
                    self.send_now(&out, item, ctx);
                }
            }
        }
    }
}
