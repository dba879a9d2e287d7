//! The canonical [`Event`]: the one message with no single owner.
//!
//! Transports, session actors and the alert actor create events; the event sink writes each
//! one to the store (through the spool) and to the Cowrie-compatible JSON log. Every event
//! carries the same envelope (schema version, uuid, node, session, time, protocol, addresses)
//! and one [`EventKind`] with its own fields. [`EventKind::eventid`] names each kind the way
//! Cowrie does where Cowrie has an equivalent, so existing pipelines ingest the log unchanged;
//! Mirage-only kinds use `mirage.*` names.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of the event envelope and payloads; bump it when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// Identifier of one attacker session: 12 lowercase hex digits, like Cowrie's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// A fresh random session id.
    pub fn random() -> Self {
        SessionId(format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff))
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The protocol an attacker used to reach the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// The SSH decoy.
    Ssh,
    /// The HTTP decoy.
    Http,
}

impl Protocol {
    /// The lowercase name used in logs and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Ssh => "ssh",
            Protocol::Http => "http",
        }
    }
}

/// Where an event happened: the parts of the envelope that stay the same for a whole session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOrigin {
    /// The node that served the session.
    pub node: String,
    /// The session the event belongs to.
    pub session: SessionId,
    /// The protocol of the session.
    pub protocol: Protocol,
    /// The attacker's address.
    pub src: SocketAddr,
    /// The decoy address the attacker connected to.
    pub dst: SocketAddr,
}

impl SessionOrigin {
    /// A new event of `kind` from this session, stamped now.
    pub fn event(&self, kind: EventKind) -> Event {
        Event {
            schema: SCHEMA_VERSION,
            id: Uuid::now_v7(),
            node: self.node.clone(),
            session: self.session.clone(),
            timestamp: Utc::now(),
            protocol: self.protocol,
            src_ip: self.src.ip(),
            src_port: self.src.port(),
            dst_ip: self.dst.ip(),
            dst_port: self.dst.port(),
            kind,
        }
    }
}

/// One thing that happened on the node. Serialises to the store's payload as is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// [`SCHEMA_VERSION`] at the time the event was made.
    pub schema: u32,
    /// Unique id; the store ignores a second copy, which makes spool draining idempotent.
    pub id: Uuid,
    /// The node that saw the event.
    pub node: String,
    /// The session the event belongs to.
    pub session: SessionId,
    /// When it happened (UTC).
    pub timestamp: DateTime<Utc>,
    /// The protocol of the session.
    pub protocol: Protocol,
    /// Attacker address.
    #[serde(serialize_with = "serialize_ip")]
    pub src_ip: IpAddr,
    /// Attacker port.
    pub src_port: u16,
    /// Decoy address.
    #[serde(serialize_with = "serialize_ip")]
    pub dst_ip: IpAddr,
    /// Decoy port.
    pub dst_port: u16,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// `ip` as `Display` writes it; IPv4 (every event has two, written to the spool and the JSON
/// log) without the formatting machinery, which was ~1 % of the node's CPU per login.
pub(crate) fn ip_text(ip: std::net::IpAddr) -> String {
    let std::net::IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

/// An address as serde writes it (its `Display` text in human-readable formats), faster.
fn serialize_ip<S: serde::Serializer>(ip: &IpAddr, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_str(&ip_text(*ip))
    } else {
        ip.serialize(serializer)
    }
}

/// What happened, with the fields Cowrie logs for the same thing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A TCP connection was accepted.
    SessionConnect,
    /// The client's identification string (`SSH-2.0-…`).
    ClientVersion {
        /// The string as sent, without the line ending.
        version: String,
    },
    /// The client's key-exchange proposal and its HASSH fingerprint.
    ClientKex(ClientKex),
    /// A login was accepted by the auth policy.
    LoginSuccess {
        /// User name tried.
        username: String,
        /// Password tried (empty for the `none` method).
        password: String,
    },
    /// A login was rejected by the auth policy.
    LoginFailed {
        /// User name tried.
        username: String,
        /// Password tried (empty for the `none` method).
        password: String,
    },
    /// A public key was offered; Mirage never accepts it, but records it.
    ClientFingerprint {
        /// User name tried.
        username: String,
        /// SHA-256 fingerprint of the key, OpenSSH style.
        fingerprint: String,
        /// The key type, e.g. `ssh-ed25519`.
        key_type: String,
    },
    /// The client asked for a terminal of this size.
    ClientSize {
        /// Columns.
        width: u32,
        /// Rows.
        height: u32,
    },
    /// The client sent an environment variable.
    ClientVar {
        /// Variable name.
        name: String,
        /// Variable value.
        value: String,
    },
    /// A command line the attacker entered (shell line or exec request).
    CommandInput {
        /// The line as typed.
        input: String,
    },
    /// A command the emulator does not know.
    CommandFailed {
        /// The line as typed.
        input: String,
    },
    /// A command (`wget`, `curl`, `tftp`, `ftpget`) "downloaded" a file: nothing was fetched,
    /// the file was made up and written to the session's filesystem.
    FileDownload {
        /// The URL as the command understood it (`tftp://host/file` for TFTP, as Cowrie).
        url: String,
        /// Where the file was written in the session's filesystem (Cowrie's `destfile`).
        outfile: String,
        /// SHA-256 of the file's contents, hex.
        shasum: String,
    },
    /// A download could not be fetched for real (sample fetching on): refused, too large, too
    /// slow or failed. The attacker keeps the emulated file.
    FileDownloadFailed {
        /// The URL as the command understood it.
        url: String,
        /// Why, for operators.
        reason: String,
    },
    /// The session's actor failed and was restarted from its last checkpoint.
    SessionRestarted {
        /// What failed, for operators; never shown to the attacker.
        reason: String,
    },
    /// An alert was raised for this session.
    Alert {
        /// How urgent it is.
        severity: Severity,
        /// A short stable name of the rule that fired, e.g. `session_crash`.
        rule: String,
        /// Human-readable description.
        message: String,
        /// What the rule saw, by name (e.g. `token`, `accessed_by`, `used_by` for token use).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        details: BTreeMap<String, String>,
    },
    /// The session's terminal recording was closed.
    LogClosed {
        /// The asciicast file, relative to the data directory (`tty/<session>.cast`).
        ttylog: String,
        /// Its size in bytes.
        size: u64,
        /// SHA-256 of the file, hex.
        shasum: String,
        /// How long the recording ran.
        duration_ms: u64,
    },
    /// A file was uploaded (scp or SFTP): stored content-addressed and put in the attacker's
    /// filesystem.
    FileUpload {
        /// The file's name as the client sent it (the last path component).
        filename: String,
        /// Where it landed in the attacker's filesystem.
        destfile: String,
        /// Where its contents are stored, relative to the data directory (`uploads/<sha256>`).
        outfile: String,
        /// SHA-256 of the contents, hex.
        shasum: String,
        /// Its size in bytes.
        size: u64,
        /// How it came: `scp` or `sftp`.
        transfer: String,
    },
    /// The client asked to open a `direct-tcpip` channel (`ssh -L`, `ssh -W`). Never forwarded.
    DirectTcpipRequest {
        /// The host the client wants reached, as sent.
        target_host: String,
        /// The port the client wants reached.
        target_port: u32,
        /// The originator address the client reported.
        orig_host: String,
        /// The originator port the client reported.
        orig_port: u32,
    },
    /// Bytes the client sent on a `direct-tcpip` channel (bounded, never forwarded).
    DirectTcpipData {
        /// The host the client wanted reached.
        target_host: String,
        /// The port the client wanted reached.
        target_port: u32,
        /// The bytes, escaped like Python's `repr` of bytes (`b'GET / HTTP/1.1\r\n'`).
        data: String,
    },
    /// The client asked the server to listen for it (`tcpip-forward`, `ssh -R`). Refused.
    TcpipForward {
        /// The address the client asked to bind.
        address: String,
        /// The port the client asked to bind.
        port: u32,
    },
    /// One request to the HTTP decoy and how it was answered.
    HttpRequest(HttpRequestInfo),
    /// A planted honeytoken was read: a file holding it was read in the shell, or an HTTP
    /// lure holding it was served.
    HoneytokenAccessed {
        /// Which token, and where it was planted.
        #[serde(flatten)]
        token: HoneytokenRef,
        /// How it was read, for operators (`cat /root/.aws/credentials`, `GET /.env`).
        how: String,
    },
    /// A planted honeytoken was used: a login with a planted credential (accepted or not, on
    /// any protocol), a planted key presented, a beacon URL requested.
    HoneytokenUsed {
        /// Which token, and where it was planted.
        #[serde(flatten)]
        token: HoneytokenRef,
        /// How it was used, for operators (`ssh password login as deploy`).
        how: String,
        /// The session that read the token before, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accessed_by: Option<SessionId>,
        /// That session's source address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accessed_from: Option<IpAddr>,
    },
    /// A Layer 0 reflex acted on the session. The HTTP decoy's limits report once per
    /// episode (the first refused request of a rate-limit episode, the moment a login lockout
    /// began); a reflex rule ([`crate::models::reflex`]) reports every action it takes.
    Reflex {
        /// Which reflex: `http_rate_limit`, `http_login_lockout`, or a reflex rule's name.
        rule: String,
        /// What the node does, for operators (`503`, `lockout 1200s`, `latency 523ms`,
        /// `canned output`, `drop`, `alert warning`, `tag flood`).
        action: String,
        /// Why, for operators (`over 60 requests per minute`).
        detail: String,
    },
    /// The session's attacker class or attack phase changed (or became known): what the
    /// classifier now says the session is, from its input so far. Once per change, not per line.
    Classification {
        /// The class (`malware_dropper`, `credential_hijack`, …; see [`crate::models::Class`]).
        class: String,
        /// What decided it: the labelling rule (`R5`), or the model's name.
        rule: String,
        /// Which classifier: `rules` (the R1–R8 labeller) or `tree` (the trained model).
        source: String,
        /// How sure the trained model is, 0…1 (its leaves' share of the class); absent for
        /// the rules.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<f64>,
        /// The session's attack phase when it was decided (`recon`, `download_execute`, …; see
        /// [`crate::models::phases::Phase`]): the phase model's most likely phase, or the
        /// tagged phase of the latest command without one. Absent in older events.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phase: Option<String>,
    },
    /// Layer 1 scored its standing guess at a command: what it predicted would come next,
    /// what came (both normalized, see [`crate::models::normalize`]) and whether it hit. One
    /// per command typed while a next-command model is loaded.
    Prediction {
        /// The guesses made before the command came, most likely first (at most three).
        predicted: Vec<PredictedCommand>,
        /// The command that came, normalized.
        actual: String,
        /// Whether the first guess was it.
        hit_top1: bool,
        /// Whether one of the guesses was it.
        hit_top3: bool,
        /// The version of the model set that guessed.
        model: String,
    },
    /// Layer 4: the persona was asked about a command the shell does not emulate.
    Persona {
        /// The command (its words joined with spaces).
        command: String,
        /// Where the answer came from: `model`, `cache`, or `fallback` (`command not found`).
        source: String,
        /// Why it fell back (`timeout`, `error`, `budget`, `rejected`); empty otherwise.
        reason: String,
    },
    /// Layer 3 set the session's deception settings (at its start) or changed them (when its
    /// class or attack phase changed). Once per change.
    Strategy {
        /// The settings now in force.
        settings: crate::models::strategy::Deception,
        /// How they were chosen: `adaptive` (the bandit) or `fixed` (the configured settings).
        mode: String,
        /// The attacker class they were chosen for (empty before one is known).
        class: String,
        /// The attack phase they were chosen for (empty before one is known).
        phase: String,
    },
    /// The connection ended.
    SessionClosed {
        /// How long the session lasted.
        duration_ms: u64,
    },
}

/// One guess of a [`EventKind::Prediction`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictedCommand {
    /// The normalized command guessed.
    pub command: String,
    /// Its probability among the model's candidates, rounded to four decimals.
    pub probability: f64,
}

/// The client's KEXINIT name-lists and their HASSH (see salesforce/hassh).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientKex {
    /// MD5 of `hassh_algorithms`, hex.
    pub hassh: String,
    /// `kex;ciphers;macs;compression` as the client offered them (client to server).
    pub hassh_algorithms: String,
    /// Key-exchange algorithms.
    pub kex_algs: Vec<String>,
    /// Host-key algorithms.
    pub key_algs: Vec<String>,
    /// Ciphers, client to server.
    pub enc_cs: Vec<String>,
    /// MACs, client to server.
    pub mac_cs: Vec<String>,
    /// Compression, client to server.
    pub comp_cs: Vec<String>,
    /// Languages, client to server.
    pub lang_cs: Vec<String>,
}

/// One HTTP request as the decoy received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequestInfo {
    /// The method as sent (`GET`, `POST`, or anything a scanner makes up).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string without `?` (empty if none).
    pub query: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: String,
    /// The headers in the order sent (bounded; values decoded lossily).
    pub headers: Vec<(String, String)>,
    /// The `User-Agent` header (empty if none).
    pub user_agent: String,
    /// The body's length in bytes.
    pub body_len: u64,
    /// SHA-256 of the body, hex (of the empty string if none).
    pub body_sha256: String,
    /// The body's first bytes, decoded lossily (bounded).
    pub body_sample: String,
    /// The status the decoy answered.
    pub status: u16,
    /// The lure that answered (`wordpress`, `phpmyadmin`, …).
    pub lure: String,
}

/// A planted honeytoken, as events name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoneytokenRef {
    /// The token's stable id (unique per node and placement).
    pub token: String,
    /// What it is: `aws_key`, `ssh_credential`, `ssh_private_key`, `openai_key`,
    /// `github_token`, `db_password`, `beacon_url`.
    pub kind: String,
    /// Where it was planted: a fake-filesystem path (`/root/.aws/credentials`) or an HTTP
    /// lure (`http:/.env`).
    pub placement: String,
}

/// How urgent an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// Needs attention.
    Warning,
    /// Act now.
    Critical,
}

impl EventKind {
    /// The `eventid` this kind has in the JSON log: Cowrie's name where Cowrie has one.
    pub fn eventid(&self) -> &'static str {
        match self {
            EventKind::SessionConnect => "cowrie.session.connect",
            EventKind::ClientVersion { .. } => "cowrie.client.version",
            EventKind::ClientKex(_) => "cowrie.client.kex",
            EventKind::LoginSuccess { .. } => "cowrie.login.success",
            EventKind::LoginFailed { .. } => "cowrie.login.failed",
            EventKind::ClientFingerprint { .. } => "cowrie.client.fingerprint",
            EventKind::ClientSize { .. } => "cowrie.client.size",
            EventKind::ClientVar { .. } => "cowrie.client.var",
            EventKind::CommandInput { .. } => "cowrie.command.input",
            EventKind::CommandFailed { .. } => "cowrie.command.failed",
            EventKind::FileDownload { .. } => "cowrie.session.file_download",
            EventKind::FileDownloadFailed { .. } => "cowrie.session.file_download.failed",
            EventKind::SessionRestarted { .. } => "mirage.session.restarted",
            EventKind::Alert { .. } => "mirage.alert",
            EventKind::LogClosed { .. } => "cowrie.log.closed",
            EventKind::FileUpload { .. } => "cowrie.session.file_upload",
            EventKind::DirectTcpipRequest { .. } => "cowrie.direct-tcpip.request",
            EventKind::DirectTcpipData { .. } => "cowrie.direct-tcpip.data",
            EventKind::TcpipForward { .. } => "mirage.tcpip-forward.request",
            EventKind::HttpRequest(_) => "mirage.http.request",
            EventKind::HoneytokenAccessed { .. } => "mirage.honeytoken.accessed",
            EventKind::HoneytokenUsed { .. } => "mirage.honeytoken.used",
            EventKind::Reflex { .. } => "mirage.reflex",
            EventKind::Classification { .. } => "mirage.classification",
            EventKind::Prediction { .. } => "mirage.prediction",
            EventKind::Persona { .. } => "mirage.persona",
            EventKind::Strategy { .. } => "mirage.strategy",
            EventKind::SessionClosed { .. } => "cowrie.session.closed",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn addresses_read_as_display_writes_them() {
        for octets in [
            [0, 0, 0, 0],
            [9, 10, 99, 100],
            [199, 200, 255, 1],
            [255, 255, 255, 255],
        ] {
            let ip = std::net::IpAddr::from(octets);
            assert_eq!(ip_text(ip), ip.to_string());
        }
        for n in (0..=u32::MAX).step_by(7_919_993) {
            let ip = std::net::IpAddr::from(std::net::Ipv4Addr::from(n));
            assert_eq!(ip_text(ip), ip.to_string());
        }
        let v6: std::net::IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(ip_text(v6), "2001:db8::1");
    }

    /// A fixed SSH connection for tests that need events (also the sink's and the spool's).
    pub(crate) fn origin() -> SessionOrigin {
        SessionOrigin {
            node: "node-a".into(),
            session: SessionId("0123456789ab".into()),
            protocol: Protocol::Ssh,
            src: "203.0.113.7:50000".parse().unwrap(),
            dst: "192.0.2.1:2222".parse().unwrap(),
        }
    }

    #[test]
    fn events_round_trip_through_json() {
        let event = origin().event(EventKind::LoginFailed {
            username: "root".into(),
            password: "123456".into(),
        });
        let text = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
        assert!(text.contains(r#""event":"login_failed""#), "{text}");
    }

    #[test]
    fn session_ids_are_twelve_hex_digits() {
        for _ in 0..100 {
            let id = SessionId::random();
            assert_eq!(id.0.len(), 12, "{id}");
            assert!(id.0.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
    }

    #[test]
    fn event_ids_are_unique() {
        let o = origin();
        let a = o.event(EventKind::SessionConnect);
        let b = o.event(EventKind::SessionConnect);
        assert_ne!(a.id, b.id);
    }
}
