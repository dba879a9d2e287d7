//! Layer 3's vocabulary: the deception settings ([`Deception`]) a session runs with.
//!
//! Each setting is one discrete dimension the strategy layer chooses per session (by attacker
//! class and attack phase) and the shell, the fake host and the session actor obey:
//!
//! - [`LatencyProfile`]: how long answers take (instant, a person-like jitter, a slow disk);
//! - [`Enticement`]: how visible the honeytokens and breadcrumbs are;
//! - [`Richness`]: how lived-in the host looks (extra services, users, files);
//! - [`ErrorInjection`]: whether `wget`, `apt` and `sudo` fail the way they fail on real hosts
//!   without internet access or rights;
//! - [`VulnerablePath`]: when the host offers an apparent way up (a sudo rule, a writable
//!   root cron script).
//!
//! [`Deception::default`] is the node's behaviour without Layer 3: what a static honeypot
//! does.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How long the session's answers take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyProfile {
    /// Answers come as soon as they are computed.
    #[default]
    None,
    /// Each answer waits a varying, person-machine-like time (a loaded box over a network).
    HumanJitter,
    /// Like a busy, slow disk: commands that read or write much take noticeably longer.
    SlowDisk,
}

/// How visible the honeytokens and breadcrumbs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enticement {
    /// Only the configured honeytokens, where configured.
    Low,
    /// The configured honeytokens plus a few breadcrumbs pointing at them.
    #[default]
    Medium,
    /// Breadcrumbs everywhere an intruder looks first (history, home, web root, backups).
    High,
}

/// How lived-in the host looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Richness {
    /// A fresh VPS: few services, no other users about.
    Sparse,
    /// The host profile as generated.
    #[default]
    Standard,
    /// A busy server: extra services, users logged in, cron jobs, history.
    Rich,
}

/// Whether network and privileged commands fail realistically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorInjection {
    /// Emulated commands succeed as the emulator answers them.
    #[default]
    Off,
    /// `wget`/`curl` time out or are refused, `apt` cannot resolve its mirrors, `sudo` wants
    /// a password: what a firewalled real host does.
    Realistic,
}

/// When the host offers an apparent privilege-escalation path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VulnerablePath {
    /// Never.
    #[default]
    Never,
    /// Once the attacker has looked around (after the recon phase).
    AfterRecon,
    /// From the start.
    Immediately,
}

/// One session's deception settings: one choice per dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deception {
    /// How long answers take.
    pub latency: LatencyProfile,
    /// How visible the honeytokens and breadcrumbs are.
    pub enticement: Enticement,
    /// How lived-in the host looks.
    pub richness: Richness,
    /// Whether network and privileged commands fail realistically.
    pub errors: ErrorInjection,
    /// When an apparent way up is offered.
    pub vulnerable: VulnerablePath,
}

/// The name serde gives a unit variant (`human_jitter`).
fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl fmt::Display for Deception {
    /// `latency=human_jitter enticement=high richness=rich errors=realistic vulnerable=never`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "latency={} enticement={} richness={} errors={} vulnerable={}",
            name(&self.latency),
            name(&self.enticement),
            name(&self.richness),
            name(&self.errors),
            name(&self.vulnerable)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_static_honeypot_and_prints_every_dimension() {
        let d = Deception::default();
        assert_eq!(
            d.to_string(),
            "latency=none enticement=medium richness=standard errors=off vulnerable=never"
        );
        let json = serde_json::to_string(&d).unwrap();
        let back: Deception = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        let partial: Deception = serde_json::from_str(r#"{"latency":"slow_disk"}"#).unwrap();
        assert_eq!(partial.latency, LatencyProfile::SlowDisk);
        assert_eq!(partial.errors, ErrorInjection::Off);
    }
}
