//! [`Records`]: what the correlation actor remembers — the sessions it saw with what
//! identifies their attacker, and who last read each token — and the attackers that follow.
//!
//! Sessions are linked into one attacker when they share
//! - a source address;
//! - a token: the session that used it and the session that last read it;
//! - a credential pair (user and password tried), a HASSH, or an HTTP user agent, but only
//!   while that identifier was seen from at most `link_max_ips` addresses. Identifiers shared
//!   by many unrelated attackers (`root`/`123456`, a scanning library's HASSH, curl's user
//!   agent) would otherwise merge the world.
//!
//! Attackers are the connected components of those links, computed when asked. An attacker's
//! id is the id of its first session. Everything is bounded: at most [`MAX_SESSIONS`] sessions
//! (the least recently seen go first), a few identifiers and links per session.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::events::{Event, EventKind, Protocol, SessionId};

/// Most sessions remembered.
pub const MAX_SESSIONS: usize = 10_000;
/// Most identifiers remembered per session.
const MAX_IDENTIFIERS: usize = 16;
/// Most explicit links and tokens remembered per session.
const MAX_LINKS: usize = 32;
/// Most distinct identifiers tracked over all sessions.
const MAX_TRACKED: usize = 100_000;

/// One session as the records keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The session.
    pub session: SessionId,
    /// Its protocol.
    pub protocol: Protocol,
    /// Its source address.
    pub src_ip: IpAddr,
    /// Its first event.
    pub start: DateTime<Utc>,
    /// Its last event.
    pub last_seen: DateTime<Utc>,
    /// What identifies its client: `cred:<user>:<password>`, `hassh:<md5>`, `ua:<agent>`.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// Sessions it is linked to by a token (it used what they read).
    #[serde(default)]
    pub links: Vec<SessionId>,
    /// Tokens it read.
    #[serde(default)]
    pub tokens_read: Vec<String>,
    /// Tokens it used.
    #[serde(default)]
    pub tokens_used: Vec<String>,
}

/// The last read of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The session that read it.
    pub session: SessionId,
    /// That session's source address.
    pub src_ip: IpAddr,
    /// When.
    pub at: DateTime<Utc>,
}

/// Linked sessions: one attacker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attacker {
    /// The id of its first session.
    pub id: String,
    /// Its first event.
    pub first_seen: DateTime<Utc>,
    /// Its last event.
    pub last_seen: DateTime<Utc>,
    /// Its source addresses.
    pub ips: Vec<IpAddr>,
    /// How many sessions.
    pub session_count: usize,
    /// The protocols it used.
    pub protocols: Vec<Protocol>,
    /// The tokens it used.
    pub tokens_used: Vec<String>,
    /// Its sessions, oldest first.
    #[serde(skip)]
    pub sessions: Vec<SessionRecord>,
}

/// What is persisted.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    /// The sessions.
    pub sessions: Vec<SessionRecord>,
    /// The last read of each token, by token id.
    pub accesses: HashMap<String, Access>,
}

/// The sessions, token reads and identifier spread the correlation actor keeps.
#[derive(Debug)]
pub struct Records {
    link_max_ips: usize,
    sessions: HashMap<SessionId, SessionRecord>,
    /// Sessions by when they were last seen as of their entry, oldest first: making room pops
    /// the front instead of scanning every session. An entry older than its session's
    /// `last_seen` goes to the back again; an entry of a session no longer kept is skipped.
    recency: VecDeque<(DateTime<Utc>, SessionId)>,
    accesses: HashMap<String, Access>,
    /// Distinct addresses each identifier was seen from (up to `link_max_ips + 1`).
    spread: HashMap<String, Vec<IpAddr>>,
}

fn push_bounded<T: PartialEq>(list: &mut Vec<T>, item: T) -> bool {
    if list.contains(&item) || list.len() >= MAX_LINKS {
        return false;
    }
    list.push(item);
    true
}

impl Records {
    /// Empty records; identifiers link while seen from at most `link_max_ips` addresses.
    pub fn new(link_max_ips: u32) -> Records {
        Records {
            link_max_ips: usize::try_from(link_max_ips).unwrap_or(usize::MAX),
            sessions: HashMap::new(),
            recency: VecDeque::new(),
            accesses: HashMap::new(),
            spread: HashMap::new(),
        }
    }

    /// Records restored from `saved`.
    pub fn restore(link_max_ips: u32, saved: Saved) -> Records {
        let mut records = Records::new(link_max_ips);
        let mut sessions: Vec<SessionRecord> =
            saved.sessions.into_iter().take(MAX_SESSIONS).collect();
        sessions.sort_by_key(|s| s.last_seen);
        for session in sessions {
            for identifier in &session.identifiers {
                records.spread_to(identifier, session.src_ip);
            }
            records
                .recency
                .push_back((session.last_seen, session.session.clone()));
            records.sessions.insert(session.session.clone(), session);
        }
        records.accesses = saved.accesses;
        records
    }

    /// What to persist.
    pub fn save(&self) -> Saved {
        let mut sessions: Vec<SessionRecord> = self.sessions.values().cloned().collect();
        sessions.sort_by(|a, b| a.start.cmp(&b.start).then(a.session.cmp(&b.session)));
        Saved {
            sessions,
            accesses: self.accesses.clone(),
        }
    }

    fn spread_to(&mut self, identifier: &str, ip: IpAddr) {
        if !self.spread.contains_key(identifier) && self.spread.len() >= MAX_TRACKED {
            return;
        }
        let ips = self.spread.entry(identifier.to_owned()).or_default();
        if ips.len() <= self.link_max_ips && !ips.contains(&ip) {
            ips.push(ip);
        }
    }

    /// Whether `identifier` still links sessions (seen from few enough addresses).
    fn links(&self, identifier: &str) -> bool {
        self.spread
            .get(identifier)
            .is_some_and(|ips| ips.len() <= self.link_max_ips)
    }

    /// The session of `event`, made if new (the least recently seen one goes when full).
    fn session_of(&mut self, event: &Event) -> &mut SessionRecord {
        if !self.sessions.contains_key(&event.session) {
            if self.sessions.len() >= MAX_SESSIONS {
                self.forget_least_recent();
            }
            self.recency
                .push_back((event.timestamp, event.session.clone()));
        }
        let record = self
            .sessions
            .entry(event.session.clone())
            .or_insert_with(|| SessionRecord {
                session: event.session.clone(),
                protocol: event.protocol,
                src_ip: event.src_ip,
                start: event.timestamp,
                last_seen: event.timestamp,
                identifiers: Vec::new(),
                links: Vec::new(),
                tokens_read: Vec::new(),
                tokens_used: Vec::new(),
            });
        record.last_seen = record.last_seen.max(event.timestamp);
        record.start = record.start.min(event.timestamp);
        record
    }

    /// Removes the least recently seen session (as far as the entries' order tells: events
    /// of concurrent sessions arrive nearly in time order).
    fn forget_least_recent(&mut self) {
        while let Some((seen, id)) = self.recency.pop_front() {
            match self.sessions.get(&id) {
                None => {}
                Some(record) if record.last_seen > seen => {
                    self.recency.push_back((record.last_seen, id));
                }
                Some(_) => {
                    self.sessions.remove(&id);
                    return;
                }
            }
        }
    }

    /// Takes in one event: its session, what identifies its client, the tokens it read or
    /// used.
    pub fn observe(&mut self, event: &Event) {
        let identifier = match &event.kind {
            EventKind::LoginSuccess { username, password }
            | EventKind::LoginFailed { username, password } => {
                Some(format!("cred:{username}:{password}"))
            }
            EventKind::ClientKex(kex) => Some(format!("hassh:{}", kex.hassh)),
            EventKind::HttpRequest(request) if !request.user_agent.is_empty() => {
                Some(format!("ua:{}", request.user_agent))
            }
            _ => None,
        };
        let (used, accessed_by) = match &event.kind {
            EventKind::HoneytokenUsed {
                token, accessed_by, ..
            } => (Some(token.token.clone()), accessed_by.clone()),
            _ => (None, None),
        };
        let read = match &event.kind {
            EventKind::HoneytokenAccessed { token, .. } => Some(token.token.clone()),
            _ => None,
        };
        let record = self.session_of(event);
        if let Some(identifier) = &identifier
            && record.identifiers.len() < MAX_IDENTIFIERS
            && !record.identifiers.contains(identifier)
        {
            record.identifiers.push(identifier.clone());
        }
        if let Some(token) = used {
            push_bounded(&mut record.tokens_used, token);
        }
        if let Some(token) = read {
            push_bounded(&mut record.tokens_read, token);
        }
        if let Some(reader) = accessed_by
            && reader != event.session
        {
            push_bounded(&mut record.links, reader);
        }
        if let Some(identifier) = identifier {
            self.spread_to(&identifier, event.src_ip);
        }
    }

    /// Records that `session` (from `src_ip`) read `token` at `at`.
    pub fn record_access(
        &mut self,
        token: &str,
        session: &SessionId,
        src_ip: IpAddr,
        at: DateTime<Utc>,
    ) {
        if !self.accesses.contains_key(token) && self.accesses.len() >= MAX_SESSIONS {
            return;
        }
        self.accesses.insert(
            token.to_owned(),
            Access {
                session: session.clone(),
                src_ip,
                at,
            },
        );
    }

    /// The last read of `token`.
    pub fn access(&self, token: &str) -> Option<&Access> {
        self.accesses.get(token)
    }

    /// Every attacker, most recently seen first.
    pub fn attackers(&self) -> Vec<Attacker> {
        let mut sessions: Vec<&SessionRecord> = self.sessions.values().collect();
        sessions.sort_by(|a, b| a.start.cmp(&b.start).then(a.session.cmp(&b.session)));
        let index: HashMap<&SessionId, usize> = sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (&s.session, i))
            .collect();
        let mut sets = DisjointSets::new(sessions.len());
        let mut first_by_key: HashMap<String, usize> = HashMap::new();
        for (i, session) in sessions.iter().enumerate() {
            let keys = std::iter::once(format!("ip:{}", session.src_ip)).chain(
                session
                    .identifiers
                    .iter()
                    .filter(|id| self.links(id))
                    .cloned(),
            );
            for key in keys {
                let first = *first_by_key.entry(key).or_insert(i);
                sets.union(first, i);
            }
            for link in &session.links {
                if let Some(&j) = index.get(link) {
                    sets.union(i, j);
                }
            }
        }
        let mut groups: HashMap<usize, Vec<&SessionRecord>> = HashMap::new();
        for (i, session) in sessions.iter().enumerate() {
            groups.entry(sets.find(i)).or_default().push(session);
        }
        let mut attackers: Vec<Attacker> = groups.into_values().map(attacker).collect();
        attackers.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.id.cmp(&b.id)));
        attackers
    }

    /// The attacker with `id`.
    pub fn attacker(&self, id: &str) -> Option<Attacker> {
        self.attackers().into_iter().find(|a| a.id == id)
    }

    /// The attacker `session` belongs to.
    pub fn attacker_of(&self, session: &SessionId) -> Option<Attacker> {
        self.attackers()
            .into_iter()
            .find(|a| a.sessions.iter().any(|s| s.session == *session))
    }
}

/// An attacker from its sessions (oldest first, never empty).
fn attacker(sessions: Vec<&SessionRecord>) -> Attacker {
    let ips: BTreeSet<IpAddr> = sessions.iter().map(|s| s.src_ip).collect();
    let mut protocols: Vec<Protocol> = Vec::new();
    let mut tokens_used: Vec<String> = Vec::new();
    for s in &sessions {
        if !protocols.contains(&s.protocol) {
            protocols.push(s.protocol);
        }
        for t in &s.tokens_used {
            if !tokens_used.contains(t) {
                tokens_used.push(t.clone());
            }
        }
    }
    Attacker {
        id: sessions
            .first()
            .map(|s| s.session.0.clone())
            .unwrap_or_default(),
        first_seen: sessions.iter().map(|s| s.start).min().unwrap_or_default(),
        last_seen: sessions
            .iter()
            .map(|s| s.last_seen)
            .max()
            .unwrap_or_default(),
        ips: ips.into_iter().collect(),
        session_count: sessions.len(),
        protocols,
        tokens_used,
        sessions: sessions.into_iter().cloned().collect(),
    }
}

/// Union-find over `0..n`.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> DisjointSets {
        DisjointSets {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The older session's root wins, so ids stay those of first sessions.
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests;
