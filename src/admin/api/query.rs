//! Query strings into store filters, with messages an operator can act on.
//!
//! `GET /api/sessions` (and the sessions page) take: `since`, `until` (RFC 3339, e.g.
//! `2026-11-21T10:00:00Z`), `ip` (an address or a CIDR prefix such as `203.0.113.0/24`),
//! `username`, `class`, `protocol` (`ssh` or `http`), `honeytoken` and `downloaded`
//! (`true` or `false`), `limit` (1 to 500) and `cursor` (a previous page's `next_cursor`).
//! `GET /api/alerts` takes `since`, `until`, `session`, `severity` (the least severe level
//! listed: `info`, `warning`, `critical`), `limit` and `cursor`. Empty values count as absent;
//! unknown or repeated parameters are refused, so a typo never silently widens a search.

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::events::{Protocol, SessionId, Severity};
use crate::store::sessions::{AlertFilter, MAX_LIMIT, SessionFilter};

/// Why a query string was refused; the text is the message shown to the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadQuery(pub String);

/// The `(name, value)` pairs of a query string, decoded; refuses repeated names.
pub fn pairs(query: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, BadQuery> {
    let decoded = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|_| BadQuery("malformed query string".into()))?
        .into_inner();
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &decoded {
        if !allowed.contains(&name.as_str()) {
            return Err(BadQuery(format!(
                "unknown parameter {name:?} (expected one of: {})",
                allowed.join(", ")
            )));
        }
        if seen.contains(&name.as_str()) {
            return Err(BadQuery(format!("parameter {name:?} given twice")));
        }
        seen.push(name);
    }
    Ok(decoded.into_iter().filter(|(_, v)| !v.is_empty()).collect())
}

/// The parameters [`session_filter`] accepts.
pub const SESSION_PARAMS: &[&str] = &[
    "since",
    "until",
    "ip",
    "username",
    "class",
    "protocol",
    "honeytoken",
    "downloaded",
    "limit",
    "cursor",
];

/// The parameters [`alert_filter`] accepts.
pub const ALERT_PARAMS: &[&str] = &["since", "until", "session", "severity", "limit", "cursor"];

/// The session filter of a query string (without the leading `?`).
pub fn session_filter(query: &str) -> Result<SessionFilter, BadQuery> {
    let mut f = SessionFilter::default();
    for (name, value) in pairs(query, SESSION_PARAMS)? {
        match name.as_str() {
            "since" => f.since = Some(time(&name, &value)?),
            "until" => f.until = Some(time(&name, &value)?),
            "ip" => f.ip = Some(network(&value)?),
            "username" => f.username = Some(value),
            "class" => f.class = Some(value),
            "protocol" => {
                f.protocol = Some(match value.as_str() {
                    "ssh" => Protocol::Ssh,
                    "http" => Protocol::Http,
                    _ => {
                        return Err(BadQuery(format!(
                            "protocol must be ssh or http, not {value:?}"
                        )));
                    }
                });
            }
            "honeytoken" => f.honeytoken = Some(boolean(&name, &value)?),
            "downloaded" => f.downloaded = Some(boolean(&name, &value)?),
            "limit" => f.limit = limit(&value)?,
            "cursor" => f.cursor = Some(value.parse().map_err(|e| BadQuery(format!("{e}")))?),
            _ => {}
        }
    }
    Ok(f)
}

/// The alert filter of a query string (without the leading `?`).
pub fn alert_filter(query: &str) -> Result<AlertFilter, BadQuery> {
    let mut f = AlertFilter::default();
    for (name, value) in pairs(query, ALERT_PARAMS)? {
        match name.as_str() {
            "since" => f.since = Some(time(&name, &value)?),
            "until" => f.until = Some(time(&name, &value)?),
            "session" => f.session = Some(SessionId(value)),
            "severity" => {
                f.min_severity = Some(match value.as_str() {
                    "info" => Severity::Info,
                    "warning" => Severity::Warning,
                    "critical" => Severity::Critical,
                    _ => {
                        return Err(BadQuery(format!(
                            "severity must be info, warning or critical, not {value:?}"
                        )));
                    }
                });
            }
            "limit" => f.limit = limit(&value)?,
            "cursor" => f.cursor = Some(value.parse().map_err(|e| BadQuery(format!("{e}")))?),
            _ => {}
        }
    }
    Ok(f)
}

fn time(name: &str, value: &str) -> Result<DateTime<Utc>, BadQuery> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            BadQuery(format!(
                "{name} must be an RFC 3339 time such as 2026-11-21T10:00:00Z, not {value:?}"
            ))
        })
}

fn network(value: &str) -> Result<IpNet, BadQuery> {
    if let Ok(ip) = value.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    value.parse::<IpNet>().map_err(|_| {
        BadQuery(format!(
            "ip must be an address or a CIDR prefix such as 203.0.113.0/24, not {value:?}"
        ))
    })
}

fn boolean(name: &str, value: &str) -> Result<bool, BadQuery> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(BadQuery(format!(
            "{name} must be true or false, not {value:?}"
        ))),
    }
}

fn limit(value: &str) -> Result<usize, BadQuery> {
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(BadQuery(format!(
            "limit must be a number from 1 to {MAX_LIMIT}, not {value:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_is_read() {
        let f = session_filter(
            "since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00%2B01:00&ip=10.0.0.0/8\
             &username=root&class=malware_dropper&protocol=http&honeytoken=true\
             &downloaded=false&limit=20&cursor=1767225600000000-abc",
        )
        .unwrap();
        assert_eq!(f.since.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(f.until.unwrap().to_rfc3339(), "2026-01-01T23:00:00+00:00");
        assert_eq!(f.ip.unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(f.username.as_deref(), Some("root"));
        assert_eq!(f.protocol, Some(Protocol::Http));
        assert_eq!((f.honeytoken, f.downloaded), (Some(true), Some(false)));
        assert_eq!(f.limit, 20);
        assert_eq!(f.cursor.unwrap().session.0, "abc");
        assert_eq!(
            session_filter("ip=192.0.2.7")
                .unwrap()
                .ip
                .unwrap()
                .prefix_len(),
            32
        );
        assert_eq!(
            session_filter("username=").unwrap(),
            SessionFilter::default()
        );
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        for (query, says) in [
            ("since=yesterday", "since must be an RFC 3339 time"),
            ("ip=10.0.0.300", "ip must be an address or a CIDR prefix"),
            ("protocol=ftp", "protocol must be ssh or http"),
            ("honeytoken=maybe", "honeytoken must be true or false"),
            ("limit=501", "limit must be a number from 1 to 500"),
            ("limit=0", "limit must be a number from 1 to 500"),
            ("cursor=zzz", "invalid cursor"),
            ("usename=root", "unknown parameter \"usename\""),
            ("class=a&class=b", "given twice"),
        ] {
            let err = session_filter(query).unwrap_err().0;
            assert!(err.contains(says), "{query}: {err}");
        }
        assert!(
            alert_filter("severity=loud")
                .unwrap_err()
                .0
                .contains("severity must be")
        );
    }
}
