//! The honeytokens' section of [`Config`](super::Config).

use serde::{Deserialize, Serialize};

/// Honeytokens: bait secrets planted in the fake filesystem and the HTTP lures, and the
/// attacker records that link sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoneytokensConfig {
    /// Plant honeytokens. Off: no token files in the fake filesystem, no token-holding HTTP
    /// lures (`/.env`, `/config.php.bak`, `/.git/config` answer like any missing file), and no
    /// token detection. The tokens are generated at first start and kept in
    /// `<data_dir>/honeytokens.json`.
    pub enabled: bool,
    /// The host written into planted beacon URLs (`http://<beacon_host>/…`). Point it at a
    /// name or address that reaches this node's HTTP decoy. Empty: the fake host's own IPv4
    /// address.
    pub beacon_host: String,
    /// Attacker records link sessions by a shared credential pair, HASSH or user agent only
    /// while that identifier was seen from at most this many source addresses: identifiers
    /// common to unrelated attackers (`root`/`123456`, a scanning library's HASSH, curl's user
    /// agent) link nothing. The same source address and the use of a token another session
    /// read always link.
    pub link_max_ips: u32,
}

impl Default for HoneytokensConfig {
    fn default() -> Self {
        HoneytokensConfig {
            enabled: true,
            beacon_host: String::new(),
            link_max_ips: 3,
        }
    }
}
