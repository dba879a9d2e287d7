//! Fixtures of the session-summary tests: fourteen sessions with known attributes, the
//! events each one produces, and the two backends (a temporary SQLite file, or a PostgreSQL
//! database of the test's own).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use mirage::config::DatabaseConfig;
use mirage::events::{
    Event, EventKind, HoneytokenRef, Protocol, SessionId, SessionOrigin, Severity,
};
use mirage::models::strategy::{Deception, Enticement, ErrorInjection, LatencyProfile};
use mirage::store::sessions::{SessionFilter, SessionSummary};
use mirage::store::{self, EventStore};
use tempfile::TempDir;

use crate::common::{PgDatabase, pg_addr, pg_connect};

// ---------------------------------------------------------------------------------------------
// Fixtures

pub(super) fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

pub(super) fn sid(spec: &Spec) -> SessionId {
    SessionId(spec.id.clone())
}

/// The deception settings the rich session ends with.
pub(super) fn rich_settings() -> Deception {
    Deception {
        latency: LatencyProfile::HumanJitter,
        enticement: Enticement::High,
        errors: ErrorInjection::Realistic,
        ..Deception::default()
    }
}

/// One session of the fixture and what it does.
#[derive(Clone, Debug)]
pub(super) struct Spec {
    pub(super) id: String,
    /// Start, in hours after [`base`].
    pub(super) hour: i64,
    pub(super) ip: &'static str,
    pub(super) http: bool,
    pub(super) user: Option<&'static str>,
    pub(super) class: Option<&'static str>,
    pub(super) token_read: bool,
    pub(super) token_used: bool,
    pub(super) download: bool,
    pub(super) alert: Option<Severity>,
    pub(super) closed: bool,
}

impl Spec {
    pub(super) fn plain(id: &str, hour: i64, ip: &'static str) -> Spec {
        Spec {
            id: id.into(),
            hour,
            ip,
            http: false,
            user: None,
            class: None,
            token_read: false,
            token_used: false,
            download: false,
            alert: None,
            closed: true,
        }
    }

    pub(super) fn start(&self) -> DateTime<Utc> {
        base() + chrono::Duration::hours(self.hour)
    }

    pub(super) fn logins(&self) -> u64 {
        if self.id == "000000000001" {
            3
        } else if self.user.is_some() {
            2
        } else {
            0
        }
    }

    pub(super) fn events(&self) -> Vec<Event> {
        let origin = SessionOrigin {
            node: "node-t".into(),
            session: SessionId(self.id.clone()),
            protocol: if self.http {
                Protocol::Http
            } else {
                Protocol::Ssh
            },
            src: std::net::SocketAddr::new(self.ip.parse().unwrap(), 40000),
            dst: "192.0.2.1:22".parse().unwrap(),
        };
        let mut second = 0;
        let mut out = Vec::new();
        let mut push = |kind: EventKind| {
            let mut e = origin.event(kind);
            e.timestamp = self.start() + chrono::Duration::seconds(second);
            second += 1;
            out.push(e);
        };
        push(EventKind::SessionConnect);
        let token = HoneytokenRef {
            token: "aws-root-credentials".into(),
            kind: "aws_key".into(),
            placement: "/root/.aws/credentials".into(),
        };
        if self.id == "000000000001" {
            // The rich session of `summaries_follow_the_events`.
            push(EventKind::ClientVersion {
                version: "SSH-2.0-Go".into(),
            });
            push(EventKind::LoginSuccess {
                username: "admin".into(),
                password: "first".into(),
            });
            push(EventKind::LoginFailed {
                username: "x".into(),
                password: "y".into(),
            });
            push(EventKind::LoginSuccess {
                username: "root".into(),
                password: "second".into(),
            });
            push(EventKind::CommandInput {
                input: "cat /etc/passwd".into(),
            });
            push(EventKind::Reflex {
                rule: "r".into(),
                action: "tag scanner".into(),
                detail: String::new(),
            });
            push(EventKind::Classification {
                class: "malware_dropper".into(),
                rule: "tree".into(),
                source: "tree".into(),
                confidence: Some(0.875),
                phase: Some("download_execute".into()),
            });
            push(EventKind::SessionClosed { duration_ms: 9000 });
            // Stored after the close, in the same second ordering: counts still add up.
            return {
                let mut extra = Vec::new();
                let mut add = |offset: i64, kind: EventKind| {
                    let mut e = origin.event(kind);
                    e.timestamp = self.start() + chrono::Duration::seconds(offset);
                    extra.push(e);
                };
                add(
                    5,
                    EventKind::CommandInput {
                        input: "wget http://x/y".into(),
                    },
                );
                // An older phase loses to the newer one (second 7); a later classification
                // without a phase keeps it.
                let classified = |phase: Option<&str>| EventKind::Classification {
                    class: "malware_dropper".into(),
                    rule: "tree".into(),
                    source: "tree".into(),
                    confidence: Some(0.875),
                    phase: phase.map(str::to_owned),
                };
                add(5, classified(Some("recon")));
                add(8, classified(None));
                // The settings at the start, then those chosen for the dropper.
                add(
                    3,
                    EventKind::Strategy {
                        settings: Deception::default(),
                        mode: "adaptive".into(),
                        class: String::new(),
                        phase: String::new(),
                    },
                );
                add(
                    7,
                    EventKind::Strategy {
                        settings: rich_settings(),
                        mode: "adaptive".into(),
                        class: "malware_dropper".into(),
                        phase: "download_execute".into(),
                    },
                );
                add(
                    5,
                    EventKind::FileDownload {
                        url: "http://x/y".into(),
                        outfile: "/tmp/y".into(),
                        shasum: "ab".repeat(32),
                    },
                );
                add(
                    6,
                    EventKind::FileUpload {
                        filename: "z".into(),
                        destfile: "/tmp/z".into(),
                        outfile: "uploads/z".into(),
                        shasum: "cd".repeat(32),
                        size: 3,
                        transfer: "scp".into(),
                    },
                );
                add(
                    6,
                    EventKind::HoneytokenAccessed {
                        token: token.clone(),
                        how: "cat".into(),
                    },
                );
                add(
                    6,
                    EventKind::Reflex {
                        rule: "r".into(),
                        action: "tag flood".into(),
                        detail: String::new(),
                    },
                );
                add(
                    7,
                    EventKind::Alert {
                        severity: Severity::Critical,
                        rule: "xss".into(),
                        message: "<script>alert(1)</script>\u{1b}[31m".into(),
                        details: Default::default(),
                    },
                );
                out.extend(extra);
                out
            };
        }
        if let Some(user) = self.user {
            push(EventKind::LoginFailed {
                username: user.into(),
                password: "wrong".into(),
            });
            push(EventKind::LoginSuccess {
                username: user.into(),
                password: "admin".into(),
            });
            push(EventKind::CommandInput {
                input: "cat /etc/passwd".into(),
            });
        }
        if let Some(class) = self.class {
            push(EventKind::Classification {
                class: class.into(),
                rule: "R1".into(),
                source: "rules".into(),
                confidence: None,
                phase: None,
            });
        }
        if self.token_read {
            push(EventKind::HoneytokenAccessed {
                token: token.clone(),
                how: "cat".into(),
            });
        }
        if self.token_used {
            push(EventKind::HoneytokenUsed {
                token,
                how: "login".into(),
                accessed_by: None,
                accessed_from: None,
            });
        }
        if self.download {
            push(EventKind::FileDownload {
                url: "http://x/a".into(),
                outfile: "/tmp/a".into(),
                shasum: "ef".repeat(32),
            });
        }
        if let Some(severity) = self.alert {
            push(EventKind::Alert {
                severity,
                rule: "rule".into(),
                message: "m".into(),
                details: Default::default(),
            });
        }
        if self.closed {
            push(EventKind::SessionClosed { duration_ms: 1000 });
        }
        out
    }
}

/// Fourteen sessions over 30 hours with different addresses, users, classes, protocols, tokens
/// and downloads.
pub(super) fn fixture() -> Vec<Spec> {
    let s = |id: u32, hour: i64, ip: &'static str| Spec::plain(&format!("{id:012x}"), hour, ip);
    let mut v = vec![
        Spec {
            user: Some("root"),
            download: true,
            alert: Some(Severity::Critical),
            token_read: true,
            class: Some("malware_dropper"),
            ..s(1, 10, "203.0.113.5")
        },
        Spec {
            user: Some("admin"),
            closed: false,
            class: Some("recon"),
            ..s(2, 12, "198.51.100.20")
        },
        Spec {
            user: Some("admin"),
            class: Some("recon"),
            alert: Some(Severity::Warning),
            ..s(3, 2, "198.51.100.21")
        },
        Spec {
            user: Some("admin"),
            token_used: true,
            ..s(4, 7, "198.51.100.20")
        },
        Spec {
            http: true,
            ..s(5, 8, "2001:db8::5")
        },
        Spec {
            http: true,
            token_read: true,
            alert: Some(Severity::Info),
            ..s(6, 20, "2001:db8:1::9")
        },
        Spec {
            user: Some("ubnt"),
            download: true,
            class: Some("malware_dropper"),
            ..s(7, 4, "192.0.2.200")
        },
        Spec {
            class: Some("recon"),
            closed: false,
            ..s(8, 25, "203.0.113.77")
        },
        Spec {
            user: Some("pi"),
            alert: Some(Severity::Critical),
            ..s(9, 28, "198.51.100.30")
        },
        s(10, 15, "10.9.8.7"),
        s(11, 15, "10.9.8.7"),
        Spec {
            download: true,
            ..s(12, 29, "198.51.100.40")
        },
        Spec {
            class: Some("recon"),
            ..s(13, 5, "192.0.2.201")
        },
        s(14, 18, "2001:db8::5"),
    ];
    v.sort_by_key(|s| s.id.clone());
    v
}

/// An address (a host network) or a CIDR prefix.
pub(super) fn net(text: &str) -> ipnet::IpNet {
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .or_else(|_| text.parse())
        .unwrap()
}

pub(super) fn events_of(specs: &[Spec]) -> Vec<Event> {
    specs.iter().flat_map(Spec::events).collect()
}

/// Every summary, newest first.
pub(super) async fn all(store: &dyn EventStore) -> Vec<SessionSummary> {
    let page = store
        .sessions(&SessionFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page.next_cursor.is_none());
    page.sessions
}

// ---------------------------------------------------------------------------------------------
// Backends

pub(super) struct Backend {
    pub(super) tmp: TempDir,
    pub(super) pg: Option<PgDatabase>,
}

impl Backend {
    pub(super) async fn sqlite() -> Backend {
        Backend {
            tmp: tempfile::tempdir().unwrap(),
            pg: None,
        }
    }

    pub(super) async fn postgres() -> Backend {
        Backend {
            tmp: tempfile::tempdir().unwrap(),
            pg: Some(PgDatabase::create().await),
        }
    }

    /// Another empty database of the same kind.
    pub(super) async fn fresh_like(other: &Backend) -> Backend {
        if other.pg.is_some() {
            Backend::postgres().await
        } else {
            Backend::sqlite().await
        }
    }

    pub(super) async fn finish(mut self) {
        if let Some(pg) = &mut self.pg {
            pg.drop_now().await;
        }
    }

    pub(super) fn store(&self) -> Arc<dyn EventStore> {
        let url = match &self.pg {
            Some(db) => db.url(pg_addr()),
            None => String::new(),
        };
        let config = DatabaseConfig {
            url,
            pool_size: 4,
            connect_timeout_ms: 5000,
        };
        store::open(&config, self.tmp.path()).expect("open")
    }

    /// Turns the database back into one migration 1 made: events only, as before the upgrade.
    pub(super) async fn downgrade_to_version_1(&self) {
        let sql = "DROP TABLE sessions; DROP INDEX events_eventid_ts_idx; \
                   DELETE FROM mirage_migrations WHERE version >= 2;";
        match &self.pg {
            Some(db) => pg_connect(&db.name)
                .await
                .unwrap()
                .batch_execute(sql)
                .await
                .unwrap(),
            None => rusqlite::Connection::open(self.tmp.path().join(store::SQLITE_FILE))
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
        }
    }
}
