//! What newly stored events change in their sessions' summaries.
//!
//! Both backends fold the events an insert actually stored (copies skipped) into one
//! [`SessionDelta`] per session and upsert it into `sessions` in the same transaction. The
//! upsert adds counts, widens the time span, ORs flags, unions tags and, for the "latest"
//! values (login, class, phase, strategy, client version), keeps whichever is newer by event time, so events
//! stored out of order (a spool drained late) give the same row as events stored in order.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::events::{Event, EventKind};

/// A value with the time of the event that set it; the newer one wins.
pub type Stamped<T> = Option<(DateTime<Utc>, T)>;

/// One session's share of a batch of newly stored events.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDelta {
    /// The session's id.
    pub session: String,
    /// The node (from the session's first event in the batch).
    pub node: String,
    /// `ssh` or `http`.
    pub protocol: &'static str,
    /// Source address.
    pub src_ip: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Earliest event time in the batch.
    pub first: DateTime<Utc>,
    /// Latest event time in the batch.
    pub last: DateTime<Utc>,
    /// Duration of a `cowrie.session.closed` event, if one is in the batch.
    pub closed_ms: Option<u64>,
    /// The latest client identification string.
    pub client_version: Stamped<String>,
    /// The latest successful login (user name, password).
    pub login: Stamped<(String, String)>,
    /// Logins tried.
    pub login_attempts: u64,
    /// Command lines entered.
    pub commands: u64,
    /// Downloads.
    pub downloads: u64,
    /// Uploads.
    pub uploads: u64,
    /// A honeytoken was read.
    pub honeytoken_read: bool,
    /// A honeytoken was used.
    pub honeytoken_used: bool,
    /// Alerts.
    pub alerts: u64,
    /// The latest classification (class, confidence).
    pub class: Stamped<(String, Option<f64>)>,
    /// The latest attack phase a classification carried.
    pub phase: Stamped<String>,
    /// The latest deception settings, as their one-line text.
    pub strategy: Stamped<String>,
    /// Reflex tags.
    pub tags: BTreeSet<String>,
}

impl SessionDelta {
    /// The change one event makes.
    pub fn from_event(event: &Event) -> SessionDelta {
        let at = event.timestamp;
        let mut d = SessionDelta {
            session: event.session.0.clone(),
            node: event.node.clone(),
            protocol: event.protocol.as_str(),
            src_ip: event.src_ip,
            src_port: event.src_port,
            first: at,
            last: at,
            closed_ms: None,
            client_version: None,
            login: None,
            login_attempts: 0,
            commands: 0,
            downloads: 0,
            uploads: 0,
            honeytoken_read: false,
            honeytoken_used: false,
            alerts: 0,
            class: None,
            phase: None,
            strategy: None,
            tags: BTreeSet::new(),
        };
        match &event.kind {
            EventKind::ClientVersion { version } => d.client_version = Some((at, version.clone())),
            EventKind::LoginSuccess { username, password } => {
                d.login_attempts = 1;
                d.login = Some((at, (username.clone(), password.clone())));
            }
            EventKind::LoginFailed { .. } => d.login_attempts = 1,
            EventKind::CommandInput { .. } => d.commands = 1,
            EventKind::FileDownload { .. } => d.downloads = 1,
            EventKind::FileUpload { .. } => d.uploads = 1,
            EventKind::HoneytokenAccessed { .. } => d.honeytoken_read = true,
            EventKind::HoneytokenUsed { .. } => d.honeytoken_used = true,
            EventKind::Alert { .. } => d.alerts = 1,
            EventKind::Classification {
                class,
                confidence,
                phase,
                ..
            } => {
                d.class = Some((at, (class.clone(), *confidence)));
                d.phase = phase.as_ref().map(|p| (at, p.clone()));
            }
            EventKind::Strategy { settings, .. } => d.strategy = Some((at, settings.to_string())),
            EventKind::Reflex { action, .. } => {
                if let Some(tag) = action.strip_prefix("tag ") {
                    d.tags.insert(tag.to_owned());
                }
            }
            EventKind::SessionClosed { duration_ms } => d.closed_ms = Some(*duration_ms),
            _ => {}
        }
        d
    }

    /// Adds `other` (of the same session) to this one.
    pub fn merge(&mut self, other: SessionDelta) {
        if other.first < self.first {
            self.first = other.first;
            self.node = other.node;
            self.src_ip = other.src_ip;
            self.src_port = other.src_port;
        }
        self.last = self.last.max(other.last);
        self.closed_ms = match (self.closed_ms, other.closed_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        newer(&mut self.client_version, other.client_version);
        newer(&mut self.login, other.login);
        newer(&mut self.class, other.class);
        newer(&mut self.phase, other.phase);
        newer(&mut self.strategy, other.strategy);
        self.login_attempts += other.login_attempts;
        self.commands += other.commands;
        self.downloads += other.downloads;
        self.uploads += other.uploads;
        self.honeytoken_read |= other.honeytoken_read;
        self.honeytoken_used |= other.honeytoken_used;
        self.alerts += other.alerts;
        self.tags.extend(other.tags);
    }

    /// The events folded per session, in order of first appearance.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<SessionDelta> {
        let mut order = Vec::new();
        let mut by_session: BTreeMap<String, SessionDelta> = BTreeMap::new();
        for event in events {
            let d = SessionDelta::from_event(event);
            match by_session.get_mut(&d.session) {
                Some(existing) => existing.merge(d),
                None => {
                    order.push(d.session.clone());
                    by_session.insert(d.session.clone(), d);
                }
            }
        }
        order
            .into_iter()
            .filter_map(|s| by_session.remove(&s))
            .collect()
    }
}

/// Keeps the newer of two stamped values (the later one on a tie).
fn newer<T>(mine: &mut Stamped<T>, theirs: Stamped<T>) {
    if let Some((at, value)) = theirs
        && mine.as_ref().is_none_or(|(mine_at, _)| at >= *mine_at)
    {
        *mine = Some((at, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Protocol, SessionId, SessionOrigin};

    fn origin(session: &str) -> SessionOrigin {
        SessionOrigin {
            node: "n".into(),
            session: SessionId(session.into()),
            protocol: Protocol::Ssh,
            src: "203.0.113.7:50000".parse().unwrap(),
            dst: "192.0.2.1:22".parse().unwrap(),
        }
    }

    fn at(o: &SessionOrigin, secs: i64, kind: EventKind) -> Event {
        let mut e = o.event(kind);
        e.timestamp = DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap();
        e
    }

    #[test]
    fn folding_in_any_order_gives_the_same_summary() {
        let o = origin("aaaaaaaaaaaa");
        let login = |s, u: &str| {
            at(
                &o,
                s,
                EventKind::LoginSuccess {
                    username: u.into(),
                    password: "pw".into(),
                },
            )
        };
        let events = vec![
            at(&o, 0, EventKind::SessionConnect),
            login(1, "first"),
            at(&o, 2, EventKind::CommandInput { input: "id".into() }),
            login(3, "second"),
            at(
                &o,
                4,
                EventKind::Reflex {
                    rule: "r".into(),
                    action: "tag flood".into(),
                    detail: String::new(),
                },
            ),
            at(&o, 5, EventKind::SessionClosed { duration_ms: 5000 }),
        ];
        let forward = SessionDelta::fold(&events);
        let backward = SessionDelta::fold(events.iter().rev());
        assert_eq!(forward, backward);
        let d = &forward[0];
        assert_eq!(d.login.as_ref().unwrap().1.0, "second");
        assert_eq!((d.login_attempts, d.commands), (2, 1));
        assert_eq!(d.closed_ms, Some(5000));
        assert_eq!(d.tags.iter().collect::<Vec<_>>(), ["flood"]);
        assert_eq!(d.last - d.first, chrono::Duration::seconds(5));
    }

    #[test]
    fn the_newest_phase_and_strategy_win_and_a_missing_phase_changes_nothing() {
        use crate::models::strategy::{Deception, Enticement};
        let o = origin("bbbbbbbbbbbb");
        let classified = |s, phase: Option<&str>| {
            at(
                &o,
                s,
                EventKind::Classification {
                    class: "malware_dropper".into(),
                    rule: "R5".into(),
                    source: "rules".into(),
                    confidence: None,
                    phase: phase.map(str::to_owned),
                },
            )
        };
        let strategy = |s, enticement| {
            at(
                &o,
                s,
                EventKind::Strategy {
                    settings: Deception {
                        enticement,
                        ..Deception::default()
                    },
                    mode: "adaptive".into(),
                    class: String::new(),
                    phase: String::new(),
                },
            )
        };
        let events = vec![
            classified(1, Some("recon")),
            strategy(1, Enticement::Low),
            classified(2, Some("persistence")),
            strategy(3, Enticement::High),
            classified(4, None),
        ];
        for order in [events.clone(), events.into_iter().rev().collect()] {
            let d = &SessionDelta::fold(&order)[0];
            assert_eq!(d.phase.as_ref().unwrap().1, "persistence");
            assert!(d.strategy.as_ref().unwrap().1.contains("enticement=high"));
        }
    }
}
