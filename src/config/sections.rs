//! The per-component sections of [`Config`](super::Config), one documented struct each.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::protocols::ssh::profile::AUTO;

/// SSH decoy settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SshConfig {
    /// Socket to listen on. Map the public port 22 to it.
    pub listen: SocketAddr,
    /// Every rejected login attempt is answered after this many milliseconds, whatever the
    /// policy took, like OpenSSH with PAM's failure delay. 0 answers at once.
    pub auth_rejection_time_ms: u64,
    /// Which real OpenSSH release the decoy is (banner, algorithm lists, `ssh -V` in the
    /// shell): `auto` picks the one the host profile's distribution ships, or name one of
    /// `openssh_8.2p1_ubuntu`, `openssh_8.9p1_ubuntu`, `openssh_9.2p1_debian`,
    /// `openssh_9.6p1_ubuntu`. `docs/fingerprint.md` lists what still differs.
    pub profile: String,
    /// OpenSSH's `LoginGraceTime`: a connection not logged in after this many seconds is
    /// closed without a word, as sshd closes it. 0: no limit.
    pub login_grace_time_secs: u64,
    /// Most bytes one session may upload (scp and SFTP together). Uploads are stored once per
    /// content under `<data_dir>/uploads/<sha256>`; beyond this the transfer fails as on a
    /// full disk (`No space left on device`).
    pub upload_max_bytes: u64,
    /// Most connections the SSH decoy holds at once, logged in or not (0: no cap). One more is
    /// refused as OpenSSH refuses one past `MaxStartups`: `Exceeded MaxStartups` and a close,
    /// right after accept, before the banner.
    pub max_sessions: usize,
    /// Most connections one source address may hold at once (0: no cap); past it, refused the
    /// same way (OpenSSH's `PerSourceMaxStartups`).
    pub max_sessions_per_ip: usize,
    /// A connection on which nothing is sent either way for this many seconds is closed (0:
    /// never). Before login, `login_grace_time_secs` usually closes it first.
    pub idle_timeout_secs: u64,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 2222)),
            auth_rejection_time_ms: 2000,
            profile: AUTO.to_owned(),
            login_grace_time_secs: 120,
            upload_max_bytes: 10 * 1024 * 1024,
            max_sessions: 10_000,
            max_sessions_per_ip: 50,
            idle_timeout_secs: 3600,
        }
    }
}

/// Which login policy decides SSH logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthPolicyKind {
    /// Cowrie's userdb lines: a matching deny line rejects, else a matching allow line accepts,
    /// else the login fails (with Cowrie's own files, deny lines first, this is Cowrie's
    /// first-match rule).
    Userdb,
    /// Reject the first `auth.accept_after - 1` attempts from an address, accept the next, and
    /// from then on accept only the credentials that worked for that address.
    AcceptAfter,
}

/// SSH login policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `userdb` or `accept_after`.
    pub policy: AuthPolicyKind,
    /// Lines `user:x:password`. `*` matches anything, `/re/` or `/re/i` is a regular expression
    /// searched in the value (as Cowrie does; anchor with `^…$`), a password or a line starting
    /// with `!` denies. From the environment, separate lines with commas.
    pub userdb: Vec<String>,
    /// With `policy = "accept_after"`: the attempt number (per source address) that succeeds.
    pub accept_after: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            policy: AuthPolicyKind::Userdb,
            userdb: [
                "root:x:!root",
                "root:x:!123456",
                "root:x:*",
                "admin:x:!admin",
                "admin:x:*",
            ]
            .map(String::from)
            .to_vec(),
            accept_after: 3,
        }
    }
}

/// Admin listener settings: UI, API, `/healthz`, `/readyz`, `/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Socket to listen on. Keep it on loopback; any other address requires `admin.token`.
    pub listen: SocketAddr,
    /// Bearer token required on every admin path except `/healthz` and `/readyz`. Empty means
    /// no token, which is only allowed on a loopback address.
    pub token: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            token: String::new(),
        }
    }
}

/// Event store settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: embedded SQLite at `<data_dir>/mirage.db`. `sqlite:PATH`: SQLite at PATH.
    /// `postgres://user@host:port/db`: PostgreSQL, shared by a fleet of nodes.
    pub url: String,
    /// Most connections the PostgreSQL pool opens.
    pub pool_size: usize,
    /// How long one attempt to reach the database may take before the node spools and retries.
    pub connect_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            pool_size: 4,
            connect_timeout_ms: 3000,
        }
    }
}

/// JSON log settings. The log is `<data_dir>/log/mirage.json`; rotated files sit beside it as
/// `mirage.json.<UTC timestamp>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Write the JSON log at all.
    pub enabled: bool,
    /// Rotate when the current file would grow past this many bytes.
    pub max_bytes: u64,
    /// Rotate when the current file is older than this many seconds (0: never by age).
    pub rotate_secs: u64,
    /// How many rotated files to keep; older ones are deleted.
    pub keep: usize,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            enabled: true,
            max_bytes: 100 * 1024 * 1024,
            rotate_secs: 86_400,
            keep: 14,
        }
    }
}

/// The fake filesystem. Each attacker (source address and login name) gets a copy-on-write
/// overlay of the host's filesystem image, kept in memory after they leave so a reconnect
/// finds their files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FsConfig {
    /// How long an attacker's files are kept after their last session ends, in seconds
    /// (0: forgotten when the session ends).
    pub persist_secs: u64,
    /// Most bytes of file contents one attacker may write; beyond it writes fail with `No
    /// space left on device`, like a full disk.
    pub overlay_max_bytes: u64,
    /// Most files, directories and links one attacker may create or change; beyond it, `No
    /// space left on device`.
    pub overlay_max_files: u64,
}

impl Default for FsConfig {
    fn default() -> Self {
        FsConfig {
            persist_secs: 86_400,
            overlay_max_bytes: 16 * 1024 * 1024,
            overlay_max_files: 5000,
        }
    }
}

/// Terminal recordings: one asciicast v2 file per interactive session at
/// `<data_dir>/tty/<session>.cast`, playable with `asciinema play`, announced by a
/// `cowrie.log.closed` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingConfig {
    /// Record interactive sessions at all.
    pub enabled: bool,
    /// A recording stops growing at this many bytes (it ends with a marker saying so).
    pub max_bytes: u64,
}

impl Default for RecordingConfig {
    fn default() -> Self {
        RecordingConfig {
            enabled: true,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Fault injection for supervision tests. Never set this on a real sensor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// When a shell line contains this text, the session's handler panics (empty: off).
    pub panic_on_input: String,
    /// When a shell line contains this text, the session's classification and prediction
    /// step panics (empty: off).
    pub panic_on_classify: String,
    /// When an event's text (a typed line) contains this, the event sink panics after
    /// spooling it (empty: off).
    pub panic_on_event: String,
}

/// Sample fetching: real downloads of what `wget`, `curl` and friends name, so the operator
/// keeps the malware instead of a stand-in. Off by default: then nothing an attacker names is
/// ever fetched and downloads are emulated. When on, each emulated download is also fetched
/// for real over HTTP or HTTPS in the background, within these limits; the sample is stored as
/// `<data_dir>/downloads/<sha256>`, replaces the stand-in in the attacker's filesystem, and the
/// `cowrie.session.file_download` event carries its real SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamplesConfig {
    /// Fetch downloads for real.
    pub fetch: bool,
    /// Largest sample kept; a larger one is abandoned
    /// (`cowrie.session.file_download.failed`).
    pub max_bytes: u64,
    /// Longest one fetch may take, redirects included, in seconds.
    pub timeout_secs: u64,
    /// Networks (CIDR, e.g. `192.0.2.0/24`) fetched even though they are private, loopback,
    /// link-local or otherwise not public. Every such address is refused unless listed here;
    /// for lab set-ups only.
    pub allow_networks: Vec<String>,
}

impl Default for SamplesConfig {
    fn default() -> Self {
        SamplesConfig {
            fetch: false,
            max_bytes: 10 * 1024 * 1024,
            timeout_secs: 30,
            allow_networks: Vec::new(),
        }
    }
}
