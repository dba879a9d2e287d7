//! Concurrent-connection caps of the SSH decoy: one for the whole node, one per source address.
//!
//! A connection over either cap is refused the way OpenSSH 8.9's sshd refuses one past
//! `MaxStartups` or `PerSourceMaxStartups` (`drop_connection` in `sshd.c`): right after
//! `accept`, before any banner, it writes `Exceeded MaxStartups\r\n` (best effort) and closes
//! the socket. sshd logs an episode once when it begins ("beginning MaxStartups throttling")
//! and when it ends; so does [`SessionLimits`].
//!
//! The per-address table only holds addresses with at least one open connection, so it never
//! holds more entries than the node has connections.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What sshd writes to a connection it drops past `MaxStartups` (before closing it).
pub const EXCEEDED_MAX_STARTUPS: &[u8] = b"Exceeded MaxStartups\r\n";

/// Which cap refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `ssh.max_sessions`: the node holds as many connections as it may.
    Node,
    /// `ssh.max_sessions_per_ip`: the source address holds as many as it may.
    Source,
}

impl Refusal {
    /// The `reason` label of `mirage_connections_refused_total`.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Node => crate::metrics::REFUSED_NODE,
            Refusal::Source => crate::metrics::REFUSED_PER_IP,
        }
    }
}

/// The caps and the connections they count.
#[derive(Debug)]
pub struct SessionLimits {
    /// Most connections at once on the node (0: no cap).
    max_total: usize,
    /// Most connections at once from one address (0: no cap).
    max_per_ip: usize,
    /// Counts, behind a lock held only for a few map operations.
    state: Mutex<State>,
}

/// Open connections, in total and by source address.
#[derive(Debug, Default)]
struct State {
    /// All open connections.
    total: usize,
    /// Open connections by address; an address with none has no entry.
    per_ip: HashMap<IpAddr, usize>,
    /// Connections refused since the current episode of refusals began (0: none under way).
    refused: u64,
}

/// One admitted connection; dropping it frees its place under both caps.
#[derive(Debug)]
pub struct SessionPermit {
    limits: Arc<SessionLimits>,
    ip: IpAddr,
}

impl SessionLimits {
    /// Caps of `max_total` connections on the node and `max_per_ip` from one address (0: no
    /// cap).
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<SessionLimits> {
        Arc::new(SessionLimits {
            max_total,
            max_per_ip,
            state: Mutex::default(),
        })
    }

    /// Admits a connection from `ip` if both caps have room.
    pub fn try_admit(self: &Arc<Self>, ip: IpAddr) -> Result<SessionPermit, Refusal> {
        // The counts stay consistent even if a holder panicked: each update is one step.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let from_ip = state.per_ip.get(&ip).copied().unwrap_or(0);
        let refusal = if self.max_total != 0 && state.total >= self.max_total {
            Some(Refusal::Node)
        } else if self.max_per_ip != 0 && from_ip >= self.max_per_ip {
            Some(Refusal::Source)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            if state.refused == 0 {
                tracing::warn!(
                    %ip,
                    cap = ?refusal,
                    open = state.total,
                    "Beginning SSH connection throttling (MaxStartups)."
                );
            }
            state.refused += 1;
            return Err(refusal);
        }
        if state.refused != 0 {
            tracing::info!(
                refused = state.refused,
                "SSH connection throttling over (MaxStartups)."
            );
            state.refused = 0;
        }
        state.total += 1;
        *state.per_ip.entry(ip).or_insert(0) += 1;
        Ok(SessionPermit {
            limits: self.clone(),
            ip,
        })
    }

    /// Open connections: in total, and from `ip`.
    pub fn open(&self, ip: IpAddr) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (state.total, state.per_ip.get(&ip).copied().unwrap_or(0))
    }

    /// How many addresses have an open connection.
    pub fn addresses(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.per_ip.len()
    }
}

impl Drop for SessionPermit {
    fn drop(&mut self) {
        let mut state = self
            .limits
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.total = state.total.saturating_sub(1);
        if let Some(count) = state.per_ip.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                state.per_ip.remove(&self.ip);
            }
        }
    }
}

/// Refuses `stream` as sshd does past `MaxStartups`: the notice, best effort, then the
/// close. The socket is new, so its send buffer has room for the notice and the write does
/// not wait on the peer.
pub async fn refuse(mut stream: TcpStream) {
    // sshd's `(void)write(...)`: a failure changes nothing, the socket closes either way.
    let _written = stream.write_all(EXCEEDED_MAX_STARTUPS).await;
    drop(stream);
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 2));

    #[test]
    fn the_per_address_cap_refuses_one_address_but_not_another() {
        let limits = SessionLimits::new(10, 2);
        let a1 = limits.try_admit(A).unwrap();
        let _a2 = limits.try_admit(A).unwrap();
        assert_eq!(limits.try_admit(A).unwrap_err(), Refusal::Source);
        let _b1 = limits.try_admit(B).unwrap();
        assert_eq!(limits.open(A), (3, 2));
        drop(a1);
        assert_eq!(limits.open(A), (2, 1));
        let _a3 = limits.try_admit(A).unwrap();
    }

    #[test]
    fn the_node_cap_refuses_every_address_until_a_place_frees() {
        let limits = SessionLimits::new(2, 50);
        let a = limits.try_admit(A).unwrap();
        let _b = limits.try_admit(B).unwrap();
        assert_eq!(limits.try_admit(A).unwrap_err(), Refusal::Node);
        assert_eq!(limits.try_admit(B).unwrap_err(), Refusal::Node);
        drop(a);
        let _c = limits.try_admit(B).unwrap();
        assert_eq!(limits.open(B), (2, 2));
    }

    #[test]
    fn zero_means_no_cap_and_closed_addresses_are_forgotten() {
        let limits = SessionLimits::new(0, 0);
        let permits: Vec<_> = (0..1000u32)
            .map(|n| {
                let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n % 100));
                limits.try_admit(ip).unwrap()
            })
            .collect();
        assert_eq!(limits.addresses(), 100);
        assert_eq!(limits.open(A).0, 1000);
        drop(permits);
        assert_eq!(limits.addresses(), 0);
        assert_eq!(limits.open(A), (0, 0));
    }
}
