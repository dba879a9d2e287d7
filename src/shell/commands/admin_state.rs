//! [`AdminState`]: what the system-administration commands change during a session, kept in
//! the session's [`ShellState`](crate::shell::ShellState) so that a later command (and a
//! restarted session) sees it: units started or stopped, firewall rules, the umask,
//! immutable files.
//!
//! Every collection is capped: an attacker looping `iptables -A` must not grow a checkpoint
//! without bound.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most firewall rules kept per session (all tables and chains together).
pub const MAX_RULES: usize = 512;

/// The most units whose state a session may change.
pub const MAX_UNITS: usize = 256;

/// The most paths `chattr` may mark.
pub const MAX_ATTR_PATHS: usize = 512;

/// The session's changes to the machine's administrative state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdminState {
    /// The shell's file mode creation mask, once `umask` set it (`None`: the login default).
    #[serde(default)]
    pub umask: Option<u32>,
    /// Resource limits set by `ulimit`: (option letter, `H`/`S`) to value (`unlimited` or
    /// a number in the limit's unit).
    #[serde(default)]
    pub limits: BTreeMap<String, String>,
    /// Units started or stopped in this session, by full name (`ssh.service`).
    #[serde(default)]
    pub units: BTreeMap<String, UnitChange>,
    /// Firewall rules added, in order, per family.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Chain policies changed by `-P`: (`4`/`6`, chain) to target.
    #[serde(default)]
    pub policies: BTreeMap<String, String>,
    /// Paths with `chattr` flags set, to their flag letters (`i`, `a`…).
    #[serde(default)]
    pub attrs: BTreeMap<String, BTreeSet<char>>,
}

/// How a session changed one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitChange {
    /// Whether it runs now (`None`: as the profile says).
    pub active: Option<bool>,
    /// When it last changed state.
    pub since: Option<DateTime<Utc>>,
    /// Whether it is enabled (`None`: as the profile says).
    pub enabled: Option<bool>,
}

/// One firewall rule as `iptables -S` would print its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `4` for iptables, `6` for ip6tables.
    pub family: u8,
    /// The table (`filter`, `nat`…).
    pub table: String,
    /// The chain (`INPUT`…).
    pub chain: String,
    /// The target (`ACCEPT`, `DROP`…).
    pub target: String,
    /// The protocol (`all` when not given).
    pub proto: String,
    /// Source address as given (`None`: anywhere).
    pub source: Option<String>,
    /// Destination address as given (`None`: anywhere).
    pub dest: Option<String>,
    /// Destination port (`--dport`).
    pub dport: Option<String>,
    /// Source port (`--sport`).
    pub sport: Option<String>,
    /// Input interface (`-i`).
    pub in_iface: Option<String>,
    /// Output interface (`-o`).
    pub out_iface: Option<String>,
}

impl AdminState {
    /// Records a unit change, unless the session already changed [`MAX_UNITS`] others.
    pub fn change_unit(&mut self, unit: &str, change: impl FnOnce(&mut UnitChange)) {
        if !self.units.contains_key(unit) && self.units.len() >= MAX_UNITS {
            return;
        }
        let entry = self.units.entry(unit.to_owned()).or_insert(UnitChange {
            active: None,
            since: None,
            enabled: None,
        });
        change(entry);
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::ShellState;
    use crate::shell::commands::testing::{session, shell};

    #[test]
    fn changes_survive_a_checkpoint() {
        let shell = shell();
        let mut state = session("root");
        shell.run_line(
            &mut state,
            "iptables -A INPUT -s 1.2.3.4 -j DROP; umask 077; systemctl stop cron; chattr +i /etc/passwd",
        );
        let text = serde_json::to_string(&state).expect("serialise");
        let mut restored: ShellState = serde_json::from_str(&text).expect("parse");
        assert_eq!(restored.admin, state.admin);
        let out = shell.run_line(
            &mut restored,
            "iptables -S INPUT; umask; systemctl is-active cron",
        );
        assert_eq!(
            String::from_utf8_lossy(&out.output),
            "-P INPUT ACCEPT\n-A INPUT -s 1.2.3.4/32 -j DROP\n0077\ninactive\n"
        );
    }

    #[test]
    fn unit_changes_are_capped() {
        let mut admin = super::AdminState::default();
        for i in 0..super::MAX_UNITS + 10 {
            admin.change_unit(&format!("u{i}.service"), |c| c.active = Some(false));
        }
        assert_eq!(admin.units.len(), super::MAX_UNITS);
    }
}
