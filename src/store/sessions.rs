//! Session summaries, alerts and the overview: what the admin UI and the `/api/…` routes read.
//!
//! The store keeps one row per session in the `sessions` table (migration 2). Each
//! [`super::EventStore::insert`] updates it in the same transaction as the events, from the
//! events that were new (a second copy of an event changes nothing); see [`SessionDelta`].
//! Listing is newest first by session start, paged with a keyset [`SessionCursor`], so a page
//! deep in 100,000 sessions costs the same as the first.
//!
//! Principal types:
//! - [`SessionFilter`] → [`super::EventStore::sessions`] → [`SessionPage`] of [`SessionSummary`];
//! - [`AlertFilter`] → [`super::EventStore::alerts`] → [`AlertPage`] of [`AlertRecord`];
//! - [`super::EventStore::overview`] → [`Overview`].
//!
//! All of them serialise to the JSON the API answers with; the HTML pages use the same types.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::{Protocol, SessionId, Severity};

mod accuracy;
mod delta;
pub(crate) mod read;
mod stale;

pub use accuracy::{ACCURACY_DAYS, AccuracyPoint, ModelAccuracy, accuracy_since};
pub use delta::SessionDelta;
pub use stale::{RESTART_REASON, close_left_open};

/// Largest page a listing returns; larger limits are cut to it.
pub const MAX_LIMIT: usize = 500;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 50;
/// How far back the overview's rankings, hourly counts and class counts look.
pub const OVERVIEW_HOURS: i64 = 24;
/// How many entries each overview ranking has.
pub const OVERVIEW_TOP: usize = 10;
/// How many live sessions the overview lists (all are counted).
pub const OVERVIEW_LIVE: usize = 20;

/// Which sessions to list. Every field narrows the list; `Default` is "all, first page".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionFilter {
    /// Sessions that started at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Sessions that started before this time.
    pub until: Option<DateTime<Utc>>,
    /// Sessions from this address (a host network such as `/32` is an exact address) or
    /// network (CIDR prefix). IPv4 and IPv4-mapped IPv6 addresses are the same.
    pub ip: Option<IpNet>,
    /// Sessions whose last successful login used this user name (exact).
    pub username: Option<String>,
    /// Sessions whose latest classification is this class (exact, e.g. `malware_dropper`).
    pub class: Option<String>,
    /// Sessions of this protocol.
    pub protocol: Option<Protocol>,
    /// `Some(true)`: sessions that read or used a honeytoken; `Some(false)`: those that did not.
    pub honeytoken: Option<bool>,
    /// `Some(true)`: sessions with at least one download; `Some(false)`: those without.
    pub downloaded: Option<bool>,
    /// Page size, 1 ..= [`MAX_LIMIT`] (0 means [`DEFAULT_LIMIT`]; more is cut to the maximum).
    pub limit: usize,
    /// Continue after this position (the previous page's [`SessionPage::next_cursor`]).
    pub cursor: Option<SessionCursor>,
}

impl SessionFilter {
    /// The page size actually used: `limit` with 0 as the default and capped at [`MAX_LIMIT`].
    pub fn page_size(&self) -> usize {
        effective_limit(self.limit)
    }
}

/// `limit` with 0 as [`DEFAULT_LIMIT`], capped at [`MAX_LIMIT`].
pub fn effective_limit(limit: usize) -> usize {
    match limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    }
}

/// A position in the newest-first session list: the start time and id of the last session of
/// a page. Written as `<microseconds since 1970>-<session id>`; treat it as opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCursor {
    /// Start time of the last session seen.
    pub start: DateTime<Utc>,
    /// Id of the last session seen.
    pub session: SessionId,
}

impl fmt::Display for SessionCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.timestamp_micros(), self.session)
    }
}

/// Why a cursor string is not a cursor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor (use the next_cursor of a previous page)")]
pub struct CursorError;

impl FromStr for SessionCursor {
    type Err = CursorError;

    fn from_str(s: &str) -> Result<Self, CursorError> {
        let (micros, session) = s.split_once('-').ok_or(CursorError)?;
        let start = parse_micros(micros)?;
        if session.is_empty() {
            return Err(CursorError);
        }
        Ok(SessionCursor {
            start,
            session: SessionId(session.to_owned()),
        })
    }
}

impl Serialize for SessionCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SessionCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn parse_micros(s: &str) -> Result<DateTime<Utc>, CursorError> {
    let micros: i64 = s.parse().map_err(|_| CursorError)?;
    DateTime::from_timestamp_micros(micros).ok_or(CursorError)
}

/// What the store knows about one session, kept up to date as its events are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The session's id.
    pub session: SessionId,
    /// The node that served it.
    pub node: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// The attacker's address.
    pub src_ip: IpAddr,
    /// The attacker's port.
    pub src_port: u16,
    /// Time of its first stored event.
    pub start: DateTime<Utc>,
    /// Time of its latest stored event.
    pub last_seen: DateTime<Utc>,
    /// Whether the connection ended (a `cowrie.session.closed` event was stored).
    pub closed: bool,
    /// How long it lasted, once closed.
    pub duration_ms: Option<u64>,
    /// The SSH client's identification string, if it sent one.
    pub client_version: Option<String>,
    /// User name of the latest successful login.
    pub username: Option<String>,
    /// Password of the latest successful login.
    pub password: Option<String>,
    /// Logins tried, accepted or not.
    pub login_attempts: u64,
    /// Command lines entered.
    pub commands: u64,
    /// Files "downloaded" (`wget`, `curl`, …).
    pub downloads: u64,
    /// Files uploaded (scp, SFTP).
    pub uploads: u64,
    /// Whether the session read a planted honeytoken.
    pub honeytoken_read: bool,
    /// Whether the session used a planted honeytoken.
    pub honeytoken_used: bool,
    /// Alerts raised for it.
    pub alerts: u64,
    /// The latest attacker class (`mirage.classification`).
    pub class: Option<String>,
    /// The classifier's confidence in it, 0…1 (absent for the rules).
    pub class_confidence: Option<f64>,
    /// The latest attack phase (`recon`, `download_execute`, …), from the latest
    /// `mirage.classification` that carried one.
    pub phase: Option<String>,
    /// The deception settings now in force (the latest `mirage.strategy`), as one line:
    /// `latency=human_jitter enticement=high richness=rich errors=realistic vulnerable=never`.
    #[serde(default)]
    pub strategy: Option<String>,
    /// Tags the reflex rules gave it (`tag <name>` actions), sorted.
    pub tags: Vec<String>,
}

/// One page of sessions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPage {
    /// The sessions.
    pub sessions: Vec<SessionSummary>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<SessionCursor>,
}

/// Which alerts to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    /// Alerts raised at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Alerts raised before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only alerts of this session.
    pub session: Option<SessionId>,
    /// Only alerts at least this severe.
    pub min_severity: Option<Severity>,
    /// Page size (as [`SessionFilter::limit`]).
    pub limit: usize,
    /// Continue after this alert (the previous page's [`AlertPage::next_cursor`]).
    pub cursor: Option<AlertCursor>,
}

/// A position in the newest-first alert list: `<microseconds since 1970>-<event uuid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCursor {
    /// Time of the last alert seen.
    pub time: DateTime<Utc>,
    /// Event id of the last alert seen.
    pub id: Uuid,
}

impl fmt::Display for AlertCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.time.timestamp_micros(), self.id)
    }
}

impl FromStr for AlertCursor {
    type Err = CursorError;

    fn from_str(s: &str) -> Result<Self, CursorError> {
        let (micros, id) = s.split_once('-').ok_or(CursorError)?;
        Ok(AlertCursor {
            time: parse_micros(micros)?,
            id: id.parse().map_err(|_| CursorError)?,
        })
    }
}

impl Serialize for AlertCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AlertCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One alert (a stored `mirage.alert` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// The event's id.
    pub id: Uuid,
    /// When it was raised.
    pub time: DateTime<Utc>,
    /// The session it is about.
    pub session: SessionId,
    /// The node that raised it.
    pub node: String,
    /// The session's source address.
    pub src_ip: IpAddr,
    /// The rule that fired (`session_crash`, `honeytoken_used`, …).
    pub rule: String,
    /// How urgent it is.
    pub severity: Severity,
    /// Human-readable description.
    pub message: String,
    /// What the rule saw, by name.
    #[serde(default)]
    pub details: std::collections::BTreeMap<String, String>,
}

/// One page of alerts, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertPage {
    /// The alerts.
    pub alerts: Vec<AlertRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<AlertCursor>,
}

/// What is happening on the node, for the overview page (`GET /api/overview`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// The time the counts are relative to.
    pub generated_at: DateTime<Utc>,
    /// Sessions not closed (all of them, whenever they started).
    pub live_sessions: u64,
    /// The newest of those, at most [`OVERVIEW_LIVE`].
    pub live: Vec<SessionSummary>,
    /// Sessions started and logins tried per hour over the last [`OVERVIEW_HOURS`] hours,
    /// oldest hour first, one entry per hour (zeros included).
    pub hourly: Vec<HourlyCount>,
    /// The most tried user name and password pairs of the last [`OVERVIEW_HOURS`] hours.
    pub top_credentials: Vec<CredentialCount>,
    /// The most entered command lines of the last [`OVERVIEW_HOURS`] hours.
    pub top_commands: Vec<Ranked>,
    /// The source networks (IPv4 /24, IPv6 /48) with the most sessions started in the last
    /// [`OVERVIEW_HOURS`] hours.
    pub top_networks: Vec<Ranked>,
    /// Sessions started in the last [`OVERVIEW_HOURS`] hours by latest class (unclassified
    /// sessions under `unclassified`), most first.
    pub classes: Vec<Ranked>,
    /// The ten newest alerts.
    pub latest_alerts: Vec<AlertRecord>,
    /// Whether the store answered.
    pub store: StoreHealth,
}

impl Overview {
    /// The overview when the store cannot be read: everything empty, and why in `store`.
    pub fn unavailable(backend: &'static str, now: DateTime<Utc>, error: String) -> Overview {
        Overview {
            generated_at: now,
            live_sessions: 0,
            live: Vec::new(),
            hourly: Vec::new(),
            top_credentials: Vec::new(),
            top_commands: Vec::new(),
            top_networks: Vec::new(),
            classes: Vec::new(),
            latest_alerts: Vec::new(),
            store: StoreHealth {
                backend: backend.to_owned(),
                ok: false,
                sessions: 0,
                error: Some(error),
            },
        }
    }
}

/// Counts of one hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyCount {
    /// The start of the hour (UTC).
    pub hour: DateTime<Utc>,
    /// Sessions that started in it.
    pub sessions: u64,
    /// Logins tried in it (accepted or not).
    pub logins: u64,
}

/// How often one user name and password pair was tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialCount {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// Login attempts with it.
    pub count: u64,
}

/// One entry of a ranking: a value and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// The command, network or class.
    pub value: String,
    /// How often.
    pub count: u64,
}

/// The store's state as the overview reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreHealth {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Whether it answered.
    pub ok: bool,
    /// Sessions it holds.
    pub sessions: u64,
    /// Why not, when it did not.
    pub error: Option<String>,
}

/// The text key of an address that sorts like the address: 32 hex digits of its IPv6 form
/// (IPv4 as IPv4-mapped), so a CIDR prefix is a range of keys.
pub fn ip_key(ip: IpAddr) -> String {
    let v6 = match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    format!("{:032x}", u128::from(v6))
}

/// The inclusive range of [`ip_key`]s a network covers.
pub fn ip_key_range(net: &IpNet) -> (String, String) {
    (ip_key(net.network()), ip_key(net.broadcast()))
}

/// The network an address is ranked under in the overview: IPv4 /24, IPv6 /48.
pub fn source_network(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let prefix = if ip.is_ipv4() { 24 } else { 48 };
    IpNet::new(ip, prefix).map_or_else(|_| ip.to_string(), |n| n.trunc().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let c = SessionCursor {
            start: "2026-01-02T03:04:05.123456Z".parse().unwrap(),
            session: SessionId("0123456789ab".into()),
        };
        assert_eq!(c.to_string().parse::<SessionCursor>().unwrap(), c);
        for bad in ["", "x", "12", "12-", "abc-0123", "99999999999999999999-a"] {
            assert!(bad.parse::<SessionCursor>().is_err(), "{bad}");
        }
        let a = AlertCursor {
            time: c.start,
            id: Uuid::now_v7(),
        };
        assert_eq!(a.to_string().parse::<AlertCursor>().unwrap(), a);
    }

    #[test]
    fn ip_keys_sort_like_addresses_and_cover_networks() {
        let k = |s: &str| ip_key(s.parse().unwrap());
        assert!(k("10.0.0.9") < k("10.0.0.10"));
        assert_eq!(k("10.0.0.1"), k("::ffff:10.0.0.1"));
        let (lo, hi) = ip_key_range(&"10.0.0.0/24".parse().unwrap());
        assert!(lo <= k("10.0.0.0") && k("10.0.0.255") <= hi);
        assert!(k("10.0.1.0") > hi && k("9.255.255.255") < lo);
    }

    #[test]
    fn source_networks_are_slash_24_and_48() {
        let n = |s: &str| source_network(s.parse().unwrap());
        assert_eq!(n("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(n("::ffff:203.0.113.77"), "203.0.113.0/24");
        assert_eq!(n("2001:db8:1:2::5"), "2001:db8:1::/48");
    }

    #[test]
    fn limits_default_and_cap() {
        assert_eq!(effective_limit(0), DEFAULT_LIMIT);
        assert_eq!(effective_limit(7), 7);
        assert_eq!(effective_limit(100_000), MAX_LIMIT);
    }
}
