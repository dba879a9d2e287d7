//! The alert rules: which events call for an alert, how severe, and what it says.
//!
//! Attacker-chosen text (user names, URLs, file names) is quoted with `{:?}`, which escapes
//! control characters and line breaks, so it cannot forge lines in an operator's chat.

use std::collections::BTreeMap;

use crate::config::{AlertRules, RuleLevel};
use crate::events::{Event, EventKind, Severity};

/// An alert a rule calls for, before deduplication.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The rule's name (`token_use`, `login_success`, `download`, `session_crash`, `reflex`,
    /// `new_attacker_class`).
    pub rule: &'static str,
    /// Its severity from the configuration.
    pub severity: Severity,
    /// What happened, for people.
    pub message: String,
    /// What the rule saw, by name.
    pub details: BTreeMap<String, String>,
    /// Alerts of the same rule and key within the dedup window are one alert.
    pub key: String,
}

/// Whether some rule may call for an alert on an event of this kind ([`evaluate`] answers
/// `None` for every other kind, whatever the rules): the event sink passes the alert actor
/// only these.
pub fn watches(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::HoneytokenUsed { .. }
            | EventKind::LoginSuccess { .. }
            | EventKind::FileDownload { .. }
            | EventKind::FileUpload { .. }
            | EventKind::SessionRestarted { .. }
            | EventKind::Reflex { .. }
            | EventKind::Classification { .. }
    )
}

/// The alert `event` calls for under `rules`, if any.
pub fn evaluate(rules: &AlertRules, event: &Event) -> Option<Candidate> {
    let session = &event.session;
    let ip = event.src_ip;
    let (rule, level, message, details, key) = match &event.kind {
        EventKind::HoneytokenUsed {
            token,
            how,
            accessed_by,
            accessed_from,
        } => {
            let read = match (accessed_by, accessed_from) {
                (Some(by), Some(from)) => format!("it was read by session {by} from {from}"),
                (Some(by), None) => format!("it was read by session {by}"),
                _ => "no session was seen reading it".to_owned(),
            };
            let message = format!(
                "honeytoken {} ({}) planted at {:?} was used by session {session} from {ip} ({how:?}); {read}",
                token.token, token.kind, token.placement
            );
            let details = pairs(&[
                ("token", token.token.clone()),
                ("kind", token.kind.clone()),
                ("placement", token.placement.clone()),
                ("how", how.clone()),
                (
                    "accessed_by",
                    accessed_by
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                ),
                (
                    "accessed_from",
                    accessed_from.map(|a| a.to_string()).unwrap_or_default(),
                ),
                ("used_by", session.to_string()),
                ("used_from", ip.to_string()),
            ]);
            (
                "token_use",
                rules.token_use,
                message,
                details,
                format!("{}|{ip}", token.token),
            )
        }
        EventKind::LoginSuccess { username, password } => (
            "login_success",
            rules.login_success,
            format!("login as {username:?} accepted from {ip} (session {session})"),
            pairs(&[
                ("username", username.clone()),
                ("password", password.clone()),
            ]),
            format!("{ip}|{username}"),
        ),
        EventKind::FileDownload {
            url,
            outfile,
            shasum,
        } => (
            "download",
            rules.download,
            format!(
                "session {session} from {ip} downloaded {url:?} to {outfile:?} (sha256 {shasum})"
            ),
            pairs(&[
                ("url", url.clone()),
                ("outfile", outfile.clone()),
                ("shasum", shasum.clone()),
            ]),
            shasum.clone(),
        ),
        EventKind::FileUpload {
            filename,
            destfile,
            shasum,
            size,
            transfer,
            ..
        } => (
            "download",
            rules.download,
            format!(
                "session {session} from {ip} uploaded {filename:?} to {destfile:?} by {transfer} ({size} bytes, sha256 {shasum})"
            ),
            pairs(&[
                ("filename", filename.clone()),
                ("destfile", destfile.clone()),
                ("shasum", shasum.clone()),
                ("size", size.to_string()),
                ("transfer", transfer.clone()),
            ]),
            shasum.clone(),
        ),
        EventKind::SessionRestarted { reason } => (
            "session_crash",
            rules.session_crash,
            format!("session {session} crashed and was restarted: {reason}"),
            pairs(&[("reason", reason.clone())]),
            session.to_string(),
        ),
        EventKind::Reflex {
            rule,
            action,
            detail,
        } => (
            "reflex",
            reflex_level(rules.reflex, action),
            // Our own words, not the attacker's: no quoting needed.
            format!("reflex {rule} began acting on {ip} (session {session}): {action} ({detail})"),
            pairs(&[
                ("reflex", rule.clone()),
                ("action", action.clone()),
                ("detail", detail.clone()),
                ("address", ip.to_string()),
            ]),
            // A rule's explicit alert is never hidden by its other actions' alerts.
            if action.starts_with("alert ") {
                format!("{rule}|{ip}|{action}")
            } else {
                format!("{rule}|{ip}")
            },
        ),
        EventKind::Classification {
            class,
            rule,
            source,
            ..
        } => (
            "new_attacker_class",
            rules.new_attacker_class,
            format!("session {session} from {ip} was classified as {class:?} ({source} {rule:?})"),
            pairs(&[
                ("class", class.clone()),
                ("rule", rule.clone()),
                ("source", source.clone()),
            ]),
            class.clone(),
        ),
        _ => return None,
    };
    debug_assert!(
        watches(&event.kind),
        "watches() must list every kind alerted on"
    );
    Some(Candidate {
        rule,
        severity: level.severity()?,
        message,
        details,
        key,
    })
}

/// A reflex event's alert level: a reflex rule's `alert <severity>` action has its own
/// severity (while the `reflex` alert rule is on); every other reflex has the rule's.
fn reflex_level(level: RuleLevel, action: &str) -> RuleLevel {
    match (level, action.strip_prefix("alert ")) {
        (RuleLevel::Off, _) | (_, None) => level,
        (_, Some("info")) => RuleLevel::Info,
        (_, Some("warning")) => RuleLevel::Warning,
        (_, Some("critical")) => RuleLevel::Critical,
        (_, Some(_)) => level,
    }
}

fn pairs(items: &[(&str, String)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleLevel;
    use crate::events::{HoneytokenRef, Protocol, SessionId, SessionOrigin};

    fn event(kind: EventKind) -> Event {
        SessionOrigin {
            node: "n".into(),
            session: SessionId("bbbbbbbbbbbb".into()),
            protocol: Protocol::Ssh,
            src: "198.51.100.20:40000".parse().unwrap(),
            dst: "192.0.2.1:2222".parse().unwrap(),
        }
        .event(kind)
    }

    #[test]
    fn token_use_names_both_sessions_and_the_placement() {
        let used = event(EventKind::HoneytokenUsed {
            token: HoneytokenRef {
                token: "aws-7f3a".into(),
                kind: "aws_key".into(),
                placement: "/root/.aws/credentials".into(),
            },
            how: "ssh password login as deploy".into(),
            accessed_by: Some(SessionId("aaaaaaaaaaaa".into())),
            accessed_from: Some("203.0.113.5".parse().unwrap()),
        });
        let alert = evaluate(&AlertRules::default(), &used).unwrap();
        assert_eq!(alert.rule, "token_use");
        assert_eq!(alert.severity, Severity::Critical);
        for part in [
            "aws-7f3a",
            "/root/.aws/credentials",
            "session bbbbbbbbbbbb from 198.51.100.20",
            "read by session aaaaaaaaaaaa from 203.0.113.5",
        ] {
            assert!(alert.message.contains(part), "{part}: {}", alert.message);
        }
        assert_eq!(alert.details["placement"], "/root/.aws/credentials");
        assert_eq!(alert.details["accessed_by"], "aaaaaaaaaaaa");
        assert_eq!(alert.details["used_from"], "198.51.100.20");
        assert_eq!(alert.key, "aws-7f3a|198.51.100.20");
    }

    #[test]
    fn rules_take_their_severity_from_config_and_off_raises_nothing() {
        let login = event(EventKind::LoginSuccess {
            username: "root\nFAKE LINE".into(),
            password: "x".into(),
        });
        let alert = evaluate(&AlertRules::default(), &login).unwrap();
        assert_eq!(alert.severity, Severity::Info);
        assert!(!alert.message.contains('\n'), "{}", alert.message);
        let rules = AlertRules {
            login_success: RuleLevel::Off,
            download: RuleLevel::Critical,
            ..AlertRules::default()
        };
        assert_eq!(evaluate(&rules, &login), None);
        let upload = event(EventKind::FileUpload {
            filename: "x".into(),
            destfile: "/tmp/x".into(),
            outfile: "uploads/ab".into(),
            shasum: "ab".into(),
            size: 2,
            transfer: "scp".into(),
        });
        let alert = evaluate(&rules, &upload).unwrap();
        assert_eq!(
            (alert.rule, alert.severity),
            ("download", Severity::Critical)
        );
        assert_eq!(alert.key, "ab");
        assert_eq!(evaluate(&rules, &event(EventKind::SessionConnect)), None);
    }

    #[test]
    fn only_watched_kinds_ever_alert() {
        // The sink passes the alert actor only watched kinds: an unwatched kind must raise
        // nothing even with every rule on.
        let all = AlertRules {
            token_use: RuleLevel::Critical,
            login_success: RuleLevel::Critical,
            download: RuleLevel::Critical,
            session_crash: RuleLevel::Critical,
            reflex: RuleLevel::Critical,
            new_attacker_class: RuleLevel::Critical,
        };
        let quiet = [
            EventKind::SessionConnect,
            EventKind::ClientVersion {
                version: "SSH-2.0-x".into(),
            },
            EventKind::LoginFailed {
                username: "root".into(),
                password: "x".into(),
            },
            EventKind::CommandInput { input: "id".into() },
            EventKind::SessionClosed { duration_ms: 5 },
        ];
        for kind in quiet {
            assert!(!watches(&kind), "{kind:?}");
            assert_eq!(evaluate(&all, &event(kind)), None);
        }
        let login = EventKind::LoginSuccess {
            username: "root".into(),
            password: "x".into(),
        };
        assert!(watches(&login));
        assert!(evaluate(&all, &event(login)).is_some());
        assert!(watches(&reflex("http_rate_limit").kind));
    }

    fn reflex(rule: &str) -> Event {
        event(EventKind::Reflex {
            rule: rule.into(),
            action: "lockout 1200s".into(),
            detail: "5 failed logins within 1200s".into(),
        })
    }

    #[test]
    fn a_reflex_is_an_info_alert_keyed_by_reflex_and_address() {
        let alert = evaluate(&AlertRules::default(), &reflex("http_login_lockout")).unwrap();
        assert_eq!((alert.rule, alert.severity), ("reflex", Severity::Info));
        for part in [
            "http_login_lockout",
            "198.51.100.20",
            "session bbbbbbbbbbbb",
            "lockout 1200s",
        ] {
            assert!(alert.message.contains(part), "{part}: {}", alert.message);
        }
        assert_eq!(alert.details["reflex"], "http_login_lockout");
        assert_eq!(alert.details["action"], "lockout 1200s");
        assert_eq!(alert.details["detail"], "5 failed logins within 1200s");
        assert_eq!(alert.details["address"], "198.51.100.20");
        assert_eq!(alert.key, "http_login_lockout|198.51.100.20");
        // Two reflexes on one address are two keys: neither hides the other.
        let rate = evaluate(&AlertRules::default(), &reflex("http_rate_limit")).unwrap();
        assert_ne!(rate.key, alert.key);
    }

    fn classified(session: &str, class: &str) -> Event {
        let mut e = event(EventKind::Classification {
            class: class.into(),
            rule: "R5".into(),
            source: "rules".into(),
            confidence: None,
            phase: None,
        });
        e.session = SessionId(session.into());
        e
    }

    #[test]
    fn a_classification_is_an_info_alert_keyed_by_class_alone() {
        let first = classified("aaaaaaaaaaaa", "malware_dropper");
        let alert = evaluate(&AlertRules::default(), &first).unwrap();
        assert_eq!(
            (alert.rule, alert.severity),
            ("new_attacker_class", Severity::Info)
        );
        for part in ["malware_dropper", "session aaaaaaaaaaaa", "198.51.100.20"] {
            assert!(alert.message.contains(part), "{part}: {}", alert.message);
        }
        assert_eq!(alert.details["class"], "malware_dropper");
        assert_eq!(alert.details["rule"], "R5");
        assert_eq!(alert.details["source"], "rules");
        // Another session of the same class is the same alert; another class is not.
        let again = evaluate(
            &AlertRules::default(),
            &classified("cccccccccccc", "malware_dropper"),
        );
        assert_eq!(again.unwrap().key, alert.key);
        let other = evaluate(
            &AlertRules::default(),
            &classified("cccccccccccc", "cryptominer"),
        );
        assert_ne!(other.unwrap().key, alert.key);
        let off = AlertRules {
            new_attacker_class: RuleLevel::Off,
            ..AlertRules::default()
        };
        assert_eq!(evaluate(&off, &first), None);
    }

    #[test]
    fn a_reflex_alert_action_has_its_own_severity_unless_reflex_alerts_are_off() {
        let fired = event(EventKind::Reflex {
            rule: "fork-bomb".into(),
            action: "alert critical".into(),
            detail: "a bash fork bomb".into(),
        });
        let alert = evaluate(&AlertRules::default(), &fired).unwrap();
        assert_eq!((alert.rule, alert.severity), ("reflex", Severity::Critical));
        // Not deduplicated against the same rule's other actions.
        let drop = evaluate(&AlertRules::default(), &reflex("fork-bomb")).unwrap();
        assert_ne!(alert.key, drop.key);
        let off = AlertRules {
            reflex: RuleLevel::Off,
            ..AlertRules::default()
        };
        assert_eq!(evaluate(&off, &fired), None);
    }

    #[test]
    fn the_reflex_rule_takes_its_severity_from_config() {
        let rules = AlertRules {
            reflex: RuleLevel::Warning,
            ..AlertRules::default()
        };
        let alert = evaluate(&rules, &reflex("http_rate_limit")).unwrap();
        assert_eq!(alert.severity, Severity::Warning);
        let off = AlertRules {
            reflex: RuleLevel::Off,
            ..AlertRules::default()
        };
        assert_eq!(evaluate(&off, &reflex("http_rate_limit")), None);
    }
}
